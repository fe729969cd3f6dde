#!/usr/bin/env bash
# make bench-memory: the peak RSS of the Kubernetes DaemonSet's own Fluent
# Bit configuration (build/kubernetes/configmap.yaml, the text users deploy)
# under a burst of N container log lines, against its floor (the same
# configuration without the auditx [FILTER]). daemonset.yaml's memory
# request and limit and docs/deployment.md's "Memory" section come from it.
#
# Input: bench/data/audit.log (N JSON lines of the four vendors, bench/gen;
# generated when absent, as make bench-pipeline does) written in the CRI
# format (`<time> stdout F <json>`, one millisecond apart) into 4 files
# named as containerd names them under /var/log/containers,
# <pod>_<namespace>_<container>-<64 hex id>.log, in
# bench/data/containers-N/ (kept for the next run). Every file is read from
# its head at once: the burst of a collector that starts on a node with
# N lines waiting.
#
# Each variant is one run of bench/dsmem (go run ./bench/dsmem -h): the
# ConfigMap's fluent-bit.conf with its paths moved to /tmp/mem-run-*, the
# API server and Elasticsearch replaced by Go test servers (as
# e2e/es_test.go does), the es output over TLS with basic auth to a _bulk
# server that answers every item created and counts the documents by
# bench_seq. A run fails unless every record arrived exactly once.
#
#   shipped     the ConfigMap as shipped
#   floor       the ConfigMap without the auditx [FILTER]
# and, joined to them with '-' (floor-T, T-rb64, T-rb64-cu16, cu16):
#   T           tail `threaded on` (alone: shipped with it)
#   rb<n>       tail thread.ring_buffer.capacity <n> (default 1024)
#   cu<n>       [SERVICE] storage.max_chunks_up <n> (default 128)
#   mbl<size>   tail Mem_Buf_Limit <size> (a filesystem input ignores it:
#               the row shows whether it does)
#
# It prints a markdown table: wall seconds (start of fluent-bit to the last
# record at the _bulk server), records delivered, peak RSS (VmHWM when the
# last record was delivered and no request came for 3 s), RSS at that
# moment, and the ratio of the peak to the floor's (floor-T's for the
# threaded rows, and to floor's), and the [error] lines of Fluent Bit's log
# (connection timeouts, storage errors: the records still all arrived).
#
# Environment:
#   N=1000000            records
#   VARIANTS="floor shipped cu16 mbl8M floor-T T T-rb64 T-rb16"   which ones, in order
#   REPEAT=1             runs per variant; the table shows the largest peak
#   FLUENT_BIT_BIN       the fluent-bit binary (else PATH, /opt/fluent-bit/bin)
#   KEEP=1               keep the run directories (config, Fluent Bit's log)
#
# Results also go to bench/out/memory-<time>.tsv and .md.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

N=${N:-1000000}
VARIANTS=${VARIANTS-"floor shipped cu16 mbl8M floor-T T T-rb64 T-rb16"}
REPEAT=${REPEAT:-1}
KEEP=${KEEP:-}
OUT=bench/out
die() { echo "bench-memory: $*" >&2; exit 1; }
log() { echo "bench-memory: $*" >&2; }

FB=$(scripts/find-fluent-bit.sh)
[ -n "$FB" ] || die "no Fluent Bit found (FLUENT_BIT_BIN, PATH, /opt/fluent-bit/bin/fluent-bit)"
[ -f bin/flb-filter_auditx.so ] || die "bin/flb-filter_auditx.so missing: run make bench-memory (it builds it)"
mkdir -p "$OUT"
DSMEM=$(mktemp /tmp/mem-dsmem.XXXXXX)
trap 'rm -f "$DSMEM"' EXIT
go build -o "$DSMEM" ./bench/dsmem

# Input.
if [ "$N" = 1000000 ]; then DATA=$ROOT/bench/data/audit.log; else DATA=$ROOT/bench/data/audit-$N.log; fi
if [ ! -s "$DATA" ]; then
  log "generating $N records into $DATA"
  go run ./bench/gen -n "$N" -o "$DATA"
fi
LOGS=$ROOT/bench/data/containers-$N
if [ "$(cat "$LOGS"/*.log 2>/dev/null | wc -l)" -ne "$N" ]; then
  log "writing $N CRI lines into $LOGS"
  rm -rf "$LOGS"
  mkdir -p "$LOGS"
  # Line i (bench_seq i) goes to Pod audit-burst-(i mod 4), at
  # 2026-11-20T08:14:00Z + i ms.
  awk -v dir="$LOGS" '
    BEGIN {
      for (p = 0; p < 4; p++) {
        pod = "audit-burst-" p
        cmd = "printf %s " pod " | sha256sum"; cmd | getline id; close(cmd); sub(/ .*/, "", id)
        f[p] = dir "/" pod "_audit_app-" id ".log"
      }
    }
    {
      i = NR - 1; s = int(i / 1000); m = 14 + int(s / 60); h = 8 + int(m / 60)
      printf "%s%02d:%02d:%02d.%03d000000Z stdout F %s\n", "2026-11-20T", h, m % 60, s % 60, i % 1000, $0 > f[i % 4]
    }' "$DATA"
fi

# flags VARIANT: bench/dsmem's flags for a variant, one a line: the parts
# of its name, separated by '-'.
flags() {
  local part parts
  IFS=- read -ra parts <<<"$1"
  for part in "${parts[@]}"; do
    case $part in
      shipped) ;;
      floor) echo -no-auditx ;;
      T) printf '%s\n' -set "INPUT threaded on" ;;
      rb[0-9]*) printf '%s\n' -set "INPUT thread.ring_buffer.capacity ${part#rb}" ;;
      cu[0-9]*) printf '%s\n' -set "SERVICE storage.max_chunks_up ${part#cu}" ;;
      mbl[0-9]*) printf '%s\n' -set "INPUT Mem_Buf_Limit ${part#mbl}" ;;
      *) die "variant $1: unknown part $part (shipped, floor, T, rb<n>, cu<n>, mbl<size>)" ;;
    esac
  done
}
for v in $VARIANTS; do flags "$v" >/dev/null; done

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
TSV=$OUT/memory-$STAMP.tsv
MD=$OUT/memory-$STAMP.md
printf 'variant\twall_s\tdelivered\tdocs\tpeak_kib\tend_kib\tbulk_requests\terror_lines\n' >"$TSV"
log "$("$FB" --version | head -1), $(nproc) CPUs, $N records ($(du -m "$DATA" | cut -f1) MB of JSON) in 4 CRI files, REPEAT=$REPEAT"
for r in $(seq 1 "$REPEAT"); do
  for v in $VARIANTS; do
    mapfile -t f < <(flags "$v")
    log "$v run $r: dsmem ${f[*]}"
    line=$("$DSMEM" -root "$ROOT" -logs "$LOGS" -n "$N" -fluent-bit "$FB" -plugin "$ROOT/bin/flb-filter_auditx.so" \
      -name "$v" ${KEEP:+-keep} "${f[@]}") || die "$v run $r failed: ${line:-see above}"
    log "$line"
    echo "$line" >>"$TSV"
  done
done

# The table: per variant, the run with the largest peak.
{
  echo "Fluent Bit $("$FB" --version | head -1 | awk '{print $3}'), $(nproc) CPUs, $N records in 4 CRI files read from head, build/kubernetes/configmap.yaml, $REPEAT run(s) per variant (the largest peak)."
  echo
  echo "| variant | wall s | records delivered | peak RSS MiB | RSS after MiB | peak / floor | peak / threaded floor | Fluent Bit [error] lines |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|"
  awk -F'\t' -v order="$VARIANTS" '
    NR > 1 { if (!($1 in peak) || $5 > peak[$1]) { peak[$1] = $5; wall[$1] = $2; got[$1] = $3; end[$1] = $6; errs[$1] = $8 } }
    END {
      n = split(order, vs, " ")
      for (i = 1; i <= n; i++) {
        v = vs[i]; if (!(v in peak) || (v in shown)) continue
        shown[v] = 1
        r1 = ("floor" in peak) ? sprintf("%.2f", peak[v] / peak["floor"]) : "–"
        r2 = (v ~ /^(T|floor-T)/ && ("floor-T" in peak)) ? sprintf("%.2f", peak[v] / peak["floor-T"]) : "–"
        printf "| %s | %.1f | %d | %d | %d | %s | %s | %d |\n", v, wall[v], got[v], peak[v] / 1024, end[v] / 1024, r1, r2, errs[v]
      }
    }' "$TSV"
} | tee "$MD"
log "per-run results: $TSV; table: $MD"
