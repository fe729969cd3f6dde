#!/usr/bin/env bash
# make run: enrich the bundled sample logs of the four vendors through the
# real Fluent Bit (fluent-bit.conf), print the enriched events, stop by itself.
# Without a Fluent Bit, say how to get one and show the same enrichment
# through the CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
FB=$(scripts/find-fluent-bit.sh)
SAMPLES=testdata/samples
expected=$(cat "$SAMPLES"/*.log | grep -c .)
if [ -z "$FB" ]; then
  cat >&2 <<'MSG'
No Fluent Bit found (FLUENT_BIT_BIN, PATH, /opt/fluent-bit/bin/fluent-bit).
Get one: the official package (https://docs.fluentbit.io/manual/installation/linux,
installs /opt/fluent-bit/bin/fluent-bit) or the image fluent/fluent-bit:5.1.1.
Meanwhile, the same enrichment through the CLI:
MSG
  for f in "$SAMPLES"/*.log; do bin/auditx enrich < "$f"; done
  exit 0
fi
RUN_DIR=$(mktemp -d /tmp/auditx-run.XXXXXX)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$RUN_DIR"' EXIT
out="$RUN_DIR/out.jsonl"
port=$(( 20000 + RANDOM % 20000 ))
echo "== $("$FB" --version | head -1): $expected sample records of 4 vendors through fluent-bit.conf (run dir $RUN_DIR)" >&2
AUDITX_RUN_DIR="$RUN_DIR" AUDITX_SAMPLES="$SAMPLES" AUDITX_HTTP_PORT=$port \
  stdbuf -oL "$FB" -e bin/out_auditx.so -c fluent-bit.conf >"$out" 2>"$RUN_DIR/fluent-bit.log" &
pid=$!
for _ in $(seq 1 60); do
  got=$(grep -c '^{' "$out" || true)
  [ "$got" -ge "$expected" ] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.5
done
kill -TERM "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
grep '^{' "$out" || true
got=$(grep -c '^{' "$out" || true)
echo >&2
echo "== auditx log lines:" >&2
grep 'output:auditx' "$RUN_DIR/fluent-bit.log" | grep -v 'worker #' >&2 || true
for v in filingbox plusauth privx netop; do
  n=$(grep -c "\"module\":\"$v\"" "$out" || true)
  u=$(grep "\"module\":\"$v\"" "$out" | grep -c auditx_unknown_code || true)
  echo "== $v: $n enriched events ($u with an unknown code)" >&2
done
echo "== $got of $expected sample records came out of Fluent Bit (records without a code pass untouched)." >&2
[ "$got" -eq "$expected" ]
