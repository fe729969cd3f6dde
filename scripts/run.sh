#!/usr/bin/env bash
# make run: enrich the bundled sample logs of the four vendors through the
# real Fluent Bit (fluent-bit.conf: tail -> [FILTER] auditx -> stdout) and
# show, per vendor, what came out; the full JSON output stays in a file.
# Without a Fluent Bit, say how to get one and show the same through the CLI
# (the same enrichment core).
set -euo pipefail
cd "$(dirname "$0")/.."
FB=$(scripts/find-fluent-bit.sh)
SAMPLES=testdata/samples
expected=$(cat "$SAMPLES"/*.log | grep -c .)
OUT_DIR=${AUDITX_RUN_OUT:-bin/run}
mkdir -p "$OUT_DIR"
out="$OUT_DIR/enriched.jsonl"
log="$OUT_DIR/fluent-bit.log"
rm -f "$out" "$log"

if [ -z "$FB" ]; then
  cat >&2 <<'MSG'
No Fluent Bit found (FLUENT_BIT_BIN, PATH, /opt/fluent-bit/bin/fluent-bit).
Get one: the official package (https://docs.fluentbit.io/manual/installation/linux,
installs /opt/fluent-bit/bin/fluent-bit) or the image fluent/fluent-bit:5.1.1.
Meanwhile, the same enrichment through the auditx CLI:
MSG
  producer="the auditx CLI (bin/auditx enrich), not Fluent Bit"
  for f in "$SAMPLES"/*.log; do bin/auditx enrich < "$f" 2>>"$log"; done > "$out"
else
  RUN_DIR=$(mktemp -d /tmp/auditx-run.XXXXXX)
  trap 'kill "$pid" 2>/dev/null || true; rm -rf "$RUN_DIR"' EXIT
  port=$(( 20000 + RANDOM % 20000 ))
  producer="$("$FB" --version | head -1) with the auditx filter (fluent-bit.conf)"
  AUDITX_RUN_DIR="$RUN_DIR" AUDITX_SAMPLES="$SAMPLES" AUDITX_HTTP_PORT=$port \
    stdbuf -oL "$FB" -e bin/flb-filter_auditx.so -c fluent-bit.conf >"$RUN_DIR/stdout" 2>"$log" &
  pid=$!
  for _ in $(seq 1 60); do
    got=$(grep -c '^{' "$RUN_DIR/stdout" || true)
    [ "$got" -ge "$expected" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  grep '^{' "$RUN_DIR/stdout" > "$out" || true
fi

got=$(grep -c '^{' "$out" || true)
echo "== produced by $producer"
echo
bin/auditx report --limit "${AUDITX_RUN_ROWS:-8}" "$out"
echo "== $got of $expected sample records came out; the full JSON records are in $out"
if [ -n "$FB" ]; then
  echo "== auditx's lines in Fluent Bit's log ($log):"
  grep 'filter:auditx' "$log" | sed 's/^/   /' || true
fi
[ "$got" -eq "$expected" ]
