#!/usr/bin/env bash
# make bench-pipeline: the pipeline benchmark of auditx with the real Fluent
# Bit. Runs, one after the other, on the same generated input
# (bench/data/audit.log: N JSON lines of the four vendors, bench/gen):
#
#   A   tail (+json parser) -> counter                               the floor
#   AT  as A with tail threaded on                                   the threaded floor
#   B   tail -> lua filter (auditx catalog export --format lua) -> counter
#   M   tail -> modify filter adding 13 static fields -> counter     a native C filter
#   F   tail -> auditx filter -> counter                              the filter door
#   FT  as F with tail threaded on (Fluent Bit runs [FILTER]s of a threaded
#       input on the engine thread, after its ring buffer)
#   PT  tail threaded with auditx as its processor (YAML) -> counter: on
#       the input's own thread
#   PC  as PT with a condition every record meets: Fluent Bit then calls
#       auditx once per record (its cost per record)
#   P   tail -> auditx's pass-through build -> in_forward (unix socket) -> counter, workers 1
#   C   tail -> auditx output                -> in_forward (unix socket) -> counter, workers 1
#   D   as C with workers 2
#   FP  tail -> auditx's pass-through filter -> counter: every append
#       answered MODIFIED with its records unchanged (Fluent Bit's cost of a
#       filter's MODIFIED answer; compare with A)
#   FP<N>  as FP with `pad N`: every record comes back exactly N bytes
#       longer (e.g. FP256, FP1024; Fluent Bit's cost per byte a filter adds;
#       compare with FP)
#
# P measures the re-emission hop alone, the ceiling of the output door: it
# loads the pass-through build, bench/out/passthrough/out_auditx_passthrough.so,
# which make bench-pipeline builds with `go build -tags passthrough` (see
# outputdoor/passthrough_on.go). That library re-emits every chunk's events
# unchanged and registers as `[OUTPUT] Name auditx_passthrough`, so that a
# configuration written for auditx cannot start with it. It is a benchmark
# tool: never ship it (it is not in bin/ nor in the image), and never load it
# into a Fluent Bit beside auditx's library (one Fluent Bit process holds one
# Go runtime; each run here loads one library). A BASE from before the
# pass-through build (no outputdoor/passthrough_on.go) runs P@base with its
# own library and its `enrich off` key instead.
#
# FP and FP<N> load the same build's filter door, bench/out/passthrough/
# flb-filter_auditx_passthrough.so (`[FILTER] Name auditx_passthrough`,
# plugin/filter_passthrough.c): it copies each append unchanged into a
# malloc'ed buffer and answers FLB_FILTER_MODIFIED, so that what FP costs
# beyond A is Fluent Bit's handling of a MODIFIED answer, and what FP<N>
# costs beyond FP is Fluent Bit's handling of N more bytes per record (plus
# the padding itself, which the profile of FP<N> shows in the pass-through
# library). Under the table, the script prints both per record and per
# added byte when FP (and A, FP<N>) ran.
#
# and prints a markdown table: wall time from the start of fluent-bit until
# the last output has counted all N records, the records/s, the ratios to A
# and B, the peak RSS of the fluent-bit process (VmHWM, sampled when the
# count is reached) and its CPU time (user + system, all threads).
#
# The end time is exact: the counter output prints one JSON object per flush
# with the flush's wall-clock time ("ts") and its record count
# ("log_records"); the script sums the counts (polling the output every
# 0.1 s) and takes the ts of the flush that reached N. (Fluent Bit's HTTP
# metrics refresh only about every 0.5 s: too coarse for runs of a few
# seconds; they are read once at the end for dropped records and retries.)
# A run fails the script when the counter did not count exactly N records (a
# benchmark that loses or duplicates records is a failure): after the count
# is reached it waits SETTLE seconds and checks that nothing more arrived,
# and that no output dropped a record.
#
# Environment:
#   N=1000000        records (bench/data/audit.log is generated when absent;
#                    other N use bench/data/audit-N.log)
#   REPEAT=1         runs per pipeline; the table shows medians
#   PIPELINES="A AT B M F FT PT PC P C D FP FP256"  which ones, in this order
#   FLUSH=0.2        [SERVICE] Flush (seconds)
#   MEM_BUF_LIMIT=64M  tail's Mem_Buf_Limit
#   THREADED=off     tail's threaded (AT and FT: always on)
#   FORWARD_THREADED=off  in_forward's threaded (P, C, D)
#   SETTLE=1.5       seconds to wait after the count before checking it
#   TIMEOUT=300      seconds before a run is declared stuck
#   PROFILE=1        after the runs, run F once more under `perf record`
#                    (cpu-clock, call graphs) and write bench/out/perf-F.txt
#                    (self time by object and function), perf-F-dso.txt (by
#                    object) and perf-F-callers.txt (inclusive time);
#                    PROFILE="P C" profiles those pipelines (apt-get install
#                    linux-perf; PIPELINES="" runs the profiles only), and
#                    prints the profile rows described below
#   AUDITX_KEYS=""  more keys of the auditx filters and outputs, "key value;key value"
#                    (e.g. "max_message_size 1000000")
#   KEEP=1           keep the run directories (configs, logs) and the BASE
#                    worktree (a later run with the same BASE reuses it)
#   BASE=<git rev>   also benchmark that revision, in the same run: its
#                    plugin (bin/flb-filter_auditx.so, bin/out_auditx.so, and
#                    its pass-through build when it has one) and CLI are
#                    built in a temporary git worktree,
#                    bench/base/<short rev> (git-ignored, removed at exit
#                    unless KEEP=1). Every selected pipeline that uses auditx
#                    (F FT PT PC P C D FP FP<N>, and B, whose Lua script the base CLI
#                    exports) runs for the base build and the current one,
#                    interleaved (base, current, base, current, ...), REPEAT
#                    times each; A AT M run once per repeat. The table gets a
#                    row "F@base" above "F" and the ratios current/base of
#                    the medians of wall time, CPU time and peak RSS (below 1:
#                    the current build is faster or smaller); a base row's
#                    "vs B" is against B@base. Both builds read the same input
#                    and this tree's build/parsers.conf; AUDITX_KEYS go to
#                    both. What the base lacks (no plugin or CLI package, no
#                    filter door, no output door, no Lua export) is reported,
#                    in the log and under the table, and those pipelines run
#                    for the current build only. PROFILE="F F@base" profiles
#                    both builds.
#   FLUENT_BIT_BIN   the fluent-bit binary (else PATH, /opt/fluent-bit/bin)
#
# After the table (and the profiles), the targets: each one the run can
# measure, and for each one missed the measured cause (CPU time, the
# busiest thread, RSS split into anonymous and file-backed memory, auditx's
# share of the profile). The targets are:
#   F, FT, PT no slower than @base (BASE given): wall cur/base <= 1 + NOISE
#   auditx's library <= 10% of F's CPU samples (PROFILE includes F)
#   peak RSS F <= 2x A, FT <= 2x AT, C <= 1.2x P
#   throughput F >= 2.5x B, F >= 3x M, FT >= 0.9x AT, C >= 2x B, C >= 0.9x P
#
#   NOISE=0.05       the noise margin of the @base comparisons: on the shared
#                    2-CPU development machine, medians of the same build
#                    interleaved with itself (BASE=HEAD) differ by a few
#                    percent; a larger cur/base is reported as slower
#
# Each profiled pipeline also gets a row: its CPU time, the share of its
# samples in auditx's library (the DSO loaded with -e), that share as CPU
# seconds and as ns per record (share x CPU s / N), and Fluent Bit's part
# split: msgpack-c decoding (template_*, msgpack_*: the re-count of a
# modified append in flb_mp_count_log_records and the output's decoding),
# mpack, memmove/memcpy, malloc/free, the kernel, the rest.
#
# Results also go to bench/out/pipeline-<time>.tsv (one line per run) and
# bench/out/pipeline-<time>.md (the table, the profiles, the targets).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

N=${N:-1000000}
REPEAT=${REPEAT:-1}
PIPELINES=${PIPELINES-"A AT B M F FT PT PC P C D FP FP256"}
FLUSH=${FLUSH:-0.2}
MEM_BUF_LIMIT=${MEM_BUF_LIMIT:-64M}
THREADED=${THREADED:-off}
FORWARD_THREADED=${FORWARD_THREADED:-off}
SETTLE=${SETTLE:-1.5}
TIMEOUT=${TIMEOUT:-300}
PROFILE=${PROFILE:-}
[ "$PROFILE" != 1 ] || PROFILE=F
KEEP=${KEEP:-}
BASE=${BASE:-}
NOISE=${NOISE:-0.05}
OUT=bench/out
SO=$ROOT/bin/out_auditx.so
PASS_SO=$ROOT/bench/out/passthrough/out_auditx_passthrough.so
PASS_FILTER_SO=$ROOT/bench/out/passthrough/flb-filter_auditx_passthrough.so
FILTER_SO=$ROOT/bin/flb-filter_auditx.so
CLI=$ROOT/bin/auditx
LUA=$ROOT/$OUT/auditx.lua

# The fluent-bit (and perf) of the current run, stopped on any exit; the
# BASE worktree, removed on any exit unless KEEP=1.
CUR_PIDS=()
BASE_DIR=
cleanup() {
  local p
  for p in "${CUR_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${CUR_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ -n "$BASE_DIR" ] && [ -z "$KEEP" ] && [ -e "$BASE_DIR" ]; then
    git worktree remove --force "$BASE_DIR" 2>/dev/null || { rm -rf "$BASE_DIR"; git worktree prune; }
    rmdir "$ROOT/bench/base" 2>/dev/null || true
  fi
}
trap cleanup EXIT
die() { echo "bench-pipeline: $*" >&2; exit 1; }
log() { echo "bench-pipeline: $*" >&2; }

FB=$(scripts/find-fluent-bit.sh)
[ -n "$FB" ] || die "no Fluent Bit found (FLUENT_BIT_BIN, PATH, /opt/fluent-bit/bin/fluent-bit): install the official package or use the fluent/fluent-bit:5.1.1 image"
for tool in curl jq; do
  command -v "$tool" >/dev/null || die "$tool is needed (apt-get install $tool)"
done
{ [ -f "$SO" ] && [ -f "$FILTER_SO" ]; } || die "$FILTER_SO or $SO missing: run make bench-pipeline (it builds bin/flb-filter_auditx.so, bin/out_auditx.so and bin/auditx)"
# kind PIPELINE: the pipeline's kind (FP for FP<N>, else itself, without @base).
kind() {
  local p=${1%@base}
  case $p in FP[0-9]*) echo FP ;; *) echo "$p" ;; esac
}
# pad PIPELINE: the bytes FP<N> adds to each record (0 for FP).
pad() {
  local p=${1%@base}
  case $p in FP[0-9]*) echo "${p#FP}" ;; *) echo 0 ;; esac
}
for p in $PIPELINES $PROFILE; do
  case $(kind "$p") in
    A | AT | B | M | F | FT | PT | PC | P | C | D | FP) ;;
    *) die "unknown pipeline $p (A AT B M F FT PT PC P C D FP FP<N>)" ;;
  esac
  case ${p%@base} in
    FP*[!0-9]* | FP0*) die "$p: FP<N> takes a pad of N bytes, 8 to 1048576 (FP alone: none)" ;;
  esac
done
case " $PIPELINES $PROFILE " in
  *" P "* | *" P@base "*) [ -f "$PASS_SO" ] || die "$PASS_SO missing: run make bench-pipeline (it builds the pass-through build for P)" ;;
esac
case " $PIPELINES $PROFILE " in
  *" FP"*) [ -f "$PASS_FILTER_SO" ] || die "$PASS_FILTER_SO missing: run make bench-pipeline (it builds the pass-through build for FP)" ;;
esac
[ -x "$CLI" ] || die "$CLI missing: run make bench-pipeline"
mkdir -p "$OUT"

# The BASE build. BASE_OK[pipeline]=1 for each pipeline the base can run;
# BASE_LACKS lists, for the table, what it cannot run and why.
declare -A BASE_OK=()
BASE_LACKS=()
BASE_SO='' BASE_PASS_SO='' BASE_PASS_FILTER_SO='' BASE_FILTER_SO='' BASE_LUA='' BASE_SHORT='' BASE_TITLE=''
# symbols LIB: the dynamic symbols that LIB defines.
symbols() {
  if command -v nm >/dev/null; then nm -D --defined-only "$1"; else go tool nm "$1"; fi 2>/dev/null | awk '{print $NF}'
}
# base_lacks "PIPELINES" REASON: those pipelines run for the current build only.
base_lacks() {
  local p sel=()
  local q k
  for k in $1; do
    for q in $PIPELINES $PROFILE; do
      q=${q%@base}
      [ "$(kind "$q")" = "$k" ] || continue
      case " ${sel[*]} " in *" $q "*) ;; *) sel+=("$q") ;; esac
    done
  done
  [ ${#sel[@]} -gt 0 ] || return 0
  log "base $BASE_SHORT: $2: ${sel[*]} run for the current build only"
  BASE_LACKS+=("${sel[*]}: $2")
}
build_base() {
  local rev p
  rev=$(git rev-parse --verify --quiet "$BASE^{commit}") || die "BASE=$BASE is not a commit of this repository"
  BASE_SHORT=$(git rev-parse --short "$rev")
  BASE_TITLE="$BASE_SHORT $(git log -1 --format=%s "$rev" | cut -c1-60)"
  BASE_DIR=$ROOT/bench/base/$BASE_SHORT
  if [ -f "$BASE_DIR/.git" ] && [ "$(git -C "$BASE_DIR" rev-parse HEAD 2>/dev/null)" = "$rev" ] &&
    [ -z "$(git -C "$BASE_DIR" status --porcelain --untracked-files=no)" ]; then
    log "base $BASE_SHORT: reusing the worktree $BASE_DIR"
  else
    [ ! -e "$BASE_DIR" ] || git worktree remove --force "$BASE_DIR" 2>/dev/null || rm -rf "$BASE_DIR"
    git worktree prune
    mkdir -p "$(dirname "$BASE_DIR")"
    git worktree add --detach --quiet "$BASE_DIR" "$rev" || die "base $BASE_SHORT: git worktree add $BASE_DIR failed"
  fi
  BASE_SO=$BASE_DIR/bin/out_auditx.so
  BASE_FILTER_SO=$BASE_DIR/bin/flb-filter_auditx.so
  BASE_LUA=$BASE_DIR/bin/auditx.lua
  mkdir -p "$BASE_DIR/bin"
  if [ -d "$BASE_DIR/plugin" ]; then
    log "base $BASE_SHORT: building its plugin in $BASE_DIR"
    (cd "$BASE_DIR" && CGO_ENABLED=1 go build -buildmode=c-shared -o bin/flb-filter_auditx.so ./plugin) ||
      die "base $BASE_SHORT: its plugin does not build (above)"
    rm -f "$BASE_DIR/bin/flb-filter_auditx.h"
    ln -sf flb-filter_auditx.so "$BASE_SO"
    # P@base: the base's pass-through build if it has one; else (a base
    # from before it) its own library with `enrich off`.
    # FP@base: the base's pass-through build, when its filter door has one.
    if [ -f "$BASE_DIR/outputdoor/passthrough_on.go" ]; then
      log "base $BASE_SHORT: building its pass-through build"
      BASE_PASS_FILTER_SO=$BASE_DIR/bin/passthrough/flb-filter_auditx_passthrough.so
      BASE_PASS_SO=$BASE_DIR/bin/passthrough/out_auditx_passthrough.so
      (cd "$BASE_DIR" && CGO_ENABLED=1 go build -tags passthrough -buildmode=c-shared -o "$BASE_PASS_FILTER_SO" ./plugin) ||
        die "base $BASE_SHORT: its pass-through build does not build (above)"
      rm -f "${BASE_PASS_FILTER_SO%.so}.h"
      ln -sf flb-filter_auditx_passthrough.so "$BASE_PASS_SO"
      if grep -qx filter_auditx_passthrough_plugin <<<"$(symbols "$BASE_PASS_FILTER_SO")"; then
        BASE_OK[FP]=1
      else
        base_lacks FP "its pass-through build has no filter door (no filter_auditx_passthrough_plugin)"
      fi
    else
      base_lacks FP "it has no pass-through build"
    fi
    local syms
    syms=$(symbols "$BASE_FILTER_SO")
    if grep -qx filter_auditx_plugin <<<"$syms"; then
      for p in F FT PT PC; do BASE_OK[$p]=1; done
    else
      base_lacks "F FT PT PC" "its library has no filter door (no filter_auditx_plugin)"
    fi
    if grep -qx FLBPluginRegister <<<"$syms"; then
      for p in P C D; do BASE_OK[$p]=1; done
    else
      base_lacks "P C D" "its library has no output door (no FLBPluginRegister)"
    fi
  else
    base_lacks "F FT PT PC P C D FP" "its tree has no plugin/ package"
  fi
  if [ -d "$BASE_DIR/cmd/auditx" ]; then
    log "base $BASE_SHORT: building its CLI"
    (cd "$BASE_DIR" && go build -o bin/auditx ./cmd/auditx) || die "base $BASE_SHORT: its CLI does not build (above)"
    if "$BASE_DIR/bin/auditx" catalog export --format lua -o "$BASE_LUA" 2>"$BASE_DIR/bin/lua-export.err"; then
      BASE_OK[B]=1
    else
      base_lacks B "its CLI cannot export the Lua filter ($(head -1 "$BASE_DIR/bin/lua-export.err"))"
    fi
  else
    base_lacks B "its tree has no cmd/auditx (the CLI that exports the Lua filter)"
  fi
}
[ -z "$BASE" ] || build_base

# Input.
if [ "$N" = 1000000 ]; then DATA=$ROOT/bench/data/audit.log; else DATA=$ROOT/bench/data/audit-$N.log; fi
if [ ! -s "$DATA" ]; then
  log "generating $N records into $DATA"
  go run ./bench/gen -n "$N" -o "$DATA"
fi
lines=$(wc -l <"$DATA")
[ "$lines" -eq "$N" ] || die "$DATA has $lines lines, not $N: remove it to regenerate"
"$CLI" catalog export --format lua -o "$LUA"

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
TSV=$OUT/pipeline-$STAMP.tsv
MD=$OUT/pipeline-$STAMP.md
printf 'pipeline\trun\twall_s\trecords\trss_kib\tcpu_s\tauditx_retries\tfirst_out_s\trss_anon_kib\trss_file_kib\tthreads\n' >"$TSV"
CLK_TCK=$(getconf CLK_TCK)

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
    echo $((20000 + RANDOM % 20000))
}

describe() {
  case $1 in
    A) echo "tail → counter (floor)" ;;
    AT) echo "tail threaded → counter (threaded floor)" ;;
    B) echo "tail → lua filter → counter" ;;
    M) echo "tail → modify (13 static fields) → counter" ;;
    F) echo "tail → auditx filter → counter" ;;
    FT) echo "tail threaded → auditx filter → counter" ;;
    PT) echo "tail threaded + auditx processor → counter" ;;
    PC) echo "tail threaded + auditx processor with a condition → counter" ;;
    P) echo "tail → auditx pass-through build → in_forward → counter, workers 1" ;;
    C) echo "tail → auditx → in_forward → counter, workers 1" ;;
    D) echo "tail → auditx → in_forward → counter, workers 2" ;;
    FP) echo "tail → auditx pass-through filter (MODIFIED, records unchanged) → counter" ;;
    FP[0-9]*) echo "tail → auditx pass-through filter, each record ${1#FP} bytes longer → counter" ;;
  esac
}

# config PIPELINE DIR PORT LUA [OUTPUT_NAME [KEY_LINE]]: writes
# DIR/fluent-bit.conf (B runs the Lua script LUA; P, C and D name the output
# OUTPUT_NAME, default auditx, and add KEY_LINE to its section).
config() {
  local p=$1 dir=$2 port=$3 lua=$4 out_name=${5:-auditx} key_line=${6:-} sock=$2/fwd.sock threaded=$THREADED
  case $p in AT | FT) threaded=on ;; PT | PC) yaml_config "$p" "$dir" "$port"; return ;; esac
  local padn
  padn=$(pad "$p")
  cat >"$dir/fluent-bit.conf" <<EOF
[SERVICE]
    Flush            $FLUSH
    Grace            2
    Log_Level        info
    Parsers_File     $ROOT/build/parsers.conf
    HTTP_Server      On
    HTTP_Listen      127.0.0.1
    HTTP_Port        $port

[INPUT]
    Name              tail
    Tag               audit.bench
    Path              $DATA
    Parser            json
    Read_from_Head    On
    Buffer_Chunk_Size 512K
    Buffer_Max_Size   4M
    Mem_Buf_Limit     $MEM_BUF_LIMIT
    Refresh_Interval  3600
    threaded          $threaded

EOF
  case $p in
    A | AT)
      printf '[OUTPUT]\n    Name  counter\n    Alias sink\n    Match audit.*\n' >>"$dir/fluent-bit.conf" ;;
    M)
      # What a user could write instead of auditx: a native C filter adding
      # as many fields (13, static: it cannot look codes up).
      {
        printf '[FILTER]\n    Name  modify\n    Match audit.*\n'
        for k in kind module dataset code action reason category type outcome severity vendor product tags; do
          printf '    Add   auditx_%s static-%s\n' "$k" "$k"
        done
        printf '\n[OUTPUT]\n    Name  counter\n    Alias sink\n    Match audit.*\n'
      } >>"$dir/fluent-bit.conf" ;;
    FP | FP[0-9]*)
      # The pass-through build's filter: not auditx, so no AUDITX_KEYS.
      cat >>"$dir/fluent-bit.conf" <<EOF
[FILTER]
    Name   auditx_passthrough
    Alias  passthrough
    Match  audit.*
    pad    $padn

[OUTPUT]
    Name  counter
    Alias sink
    Match audit.*
EOF
      ;;
    F | FT)
      cat >>"$dir/fluent-bit.conf" <<EOF
[FILTER]
    Name   auditx
    Alias  auditx
    Match  audit.*
    vendor auto
$(auditx_keys)

[OUTPUT]
    Name  counter
    Alias sink
    Match audit.*
EOF
      ;;
    B)
      cat >>"$dir/fluent-bit.conf" <<EOF
[FILTER]
    Name            lua
    Match           audit.*
    script          $lua
    call            auditx_enrich
    enable_flb_null on

[OUTPUT]
    Name  counter
    Alias sink
    Match audit.*
EOF
      ;;
    P | C | D)
      local workers=1
      [ "$p" = D ] && workers=2
      cat >>"$dir/fluent-bit.conf" <<EOF
[OUTPUT]
    Name          $out_name
    Alias         auditx
    Match         audit.*
    vendor        auto
${key_line:+    $key_line
}    forward_path  $sock
    require_ack   on
    timeout       10s
    workers       $workers
    Retry_Limit   no_limits
$(auditx_keys)

[INPUT]
    Name       forward
    unix_path  $sock
    unix_perm  0600
    threaded   $FORWARD_THREADED

[OUTPUT]
    Name  counter
    Alias sink
    Match enriched.*
EOF
      ;;
    *) die "unknown pipeline $p" ;;
  esac
}

# yaml_config PIPELINE DIR PORT: writes DIR/fluent-bit.yaml, auditx as a
# processor of a threaded tail; for PC with a condition that every
# generated record meets (bench_seq is a number), so that Fluent Bit
# evaluates it, and calls auditx, once per record.
yaml_config() {
  local p=$1 dir=$2 port=$3 cond=
  if [ "$p" = PC ]; then
    cond=$'\n          condition:\n            op: and\n            rules:\n              - field: "$bench_seq"\n                op: gte\n                value: 0'
  fi
  cat >"$dir/fluent-bit.yaml" <<EOF
service:
  flush: $FLUSH
  grace: 2
  log_level: info
  parsers_file: $ROOT/build/parsers.conf
  http_server: on
  http_listen: 127.0.0.1
  http_port: $port
pipeline:
  inputs:
    - name: tail
      tag: audit.bench
      path: $DATA
      parser: json
      read_from_head: on
      buffer_chunk_size: 512K
      buffer_max_size: 4M
      mem_buf_limit: $MEM_BUF_LIMIT
      refresh_interval: 3600
      threaded: on
      processors:
        logs:
        - name: auditx
          alias: auditx
          vendor: auto$cond
  outputs:
    - name: counter
      alias: sink
      match: audit.*
EOF
}

# auditx_keys: the AUDITX_KEYS ("key value;key value") as config lines.
auditx_keys() {
  local kv
  IFS=';' read -ra kvs <<<"${AUDITX_KEYS:-}"
  for kv in "${kvs[@]}"; do
    [ -n "${kv// /}" ] && printf '    %s\n' "$kv"
  done
  true
}

metrics() { curl -s --max-time 2 "http://127.0.0.1:$1/api/v1/metrics" || true; }

# counted FILE: the records the counter output printed so far (it prints
# one JSON object per flush: {"ts":<flush time>,"log_records":<records of
# that flush>,...}), then the ts of the flush that reached N and of the
# first flush.
counted() {
  awk -v n="$N" '/^\{"ts":/ {
      ts = ""; c = 0
      if (match($0, /"ts":[0-9.]+/)) ts = substr($0, RSTART + 5, RLENGTH - 5)
      if (match($0, /"log_records":[0-9]+/)) c = substr($0, RSTART + 14, RLENGTH - 14)
      if (first == "") first = ts
      sum += c
      if (sum >= n && done == "") done = ts
    } END { printf "%d %s %s\n", sum, (done == "" ? "-" : done), (first == "" ? "-" : first) }' "$1"
}

# run LABEL RUN [perf]: one run of the pipeline LABEL (F: the current
# build; F@base: the BASE build); appends a line to $TSV.
run() {
  local label=$1 r=$2 prof=${3:-}
  local p=${1%@base} so=$SO pass_so=$PASS_SO pass_filter_so=$PASS_FILTER_SO filter_so=$FILTER_SO lua=$LUA
  if [ "$p" != "$label" ]; then
    [ -n "${BASE_OK[$(kind "$p")]:-}" ] || die "$label: no base build of $p (BASE unset, or the base lacks it: above)"
    so=$BASE_SO pass_so=$BASE_PASS_SO pass_filter_so=$BASE_PASS_FILTER_SO filter_so=$BASE_FILTER_SO lua=$BASE_LUA
  fi
  # P: the pass-through build, or a base's own library with enrich off.
  local out_name=auditx key_line=
  if [ "$p" = P ]; then
    if [ -n "$pass_so" ]; then so=$pass_so out_name=auditx_passthrough; else key_line="enrich        off"; fi
  fi
  local dir port pid t0 t1 tfirst m count=0 rss rss_anon rss_file cpu ticks threads extra=() retries=0 dropped
  dir=$(mktemp -d /tmp/auditx-bench.XXXXXX)
  port=$(free_port)
  config "$p" "$dir" "$port" "$lua" "$out_name" "$key_line"
  local conf=$dir/fluent-bit.conf
  case $p in
    P | C | D) extra=(-e "$so") ;;
    F | FT) extra=(-e "$filter_so") ;;
    PT | PC) extra=(-e "$filter_so"); conf=$dir/fluent-bit.yaml ;;
    FP | FP[0-9]*) extra=(-e "$pass_filter_so") ;;
  esac
  : >"$dir/stdout.log"
  t0=$(date +%s.%N)
  local perfpid=
  if [ -n "$prof" ]; then
    # perf starts fluent-bit, so that it follows every thread from the start
    # (cpu-clock: virtual machines often lack the hardware cycle counter).
    perf record -e cpu-clock -F 999 -g -o "$OUT/perf-$label.data" -- \
      stdbuf -oL "$FB" "${extra[@]}" -c "$conf" >"$dir/stdout.log" 2>"$dir/fluent-bit.log" &
    perfpid=$!
    for _ in $(seq 1 50); do
      pid=$(pgrep -P "$perfpid" | head -1) && [ -n "$pid" ] && break
      sleep 0.1
    done
    CUR_PIDS=("$perfpid")
    [ -n "$pid" ] || die "perf did not start fluent-bit"
    CUR_PIDS=("$pid" "$perfpid")
  else
    stdbuf -oL "$FB" "${extra[@]}" -c "$conf" >"$dir/stdout.log" 2>"$dir/fluent-bit.log" &
    pid=$!
    CUR_PIDS=("$pid")
  fi
  SECONDS=0
  while :; do
    read -r count t1 tfirst < <(counted "$dir/stdout.log")
    [ "$count" -ge "$N" ] && break
    kill -0 "$pid" 2>/dev/null || { tail -20 "$dir/fluent-bit.log" >&2; die "$label run $r: fluent-bit exited (log $dir/fluent-bit.log)"; }
    if [ "$SECONDS" -ge "$TIMEOUT" ]; then
      kill -TERM "$pid" 2>/dev/null || true
      die "$label run $r: only $count of $N records after ${TIMEOUT}s (log $dir/fluent-bit.log)"
    fi
    sleep 0.1
  done
  rss=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status")
  # What the resident memory is at the count: anonymous (heaps, buffers,
  # chunks) and file-backed (the executable and libraries mapped).
  rss_anon=$(awk '/^RssAnon:/ {print $2}' "/proc/$pid/status")
  rss_file=$(awk '/^RssFile:/ {print $2}' "/proc/$pid/status")
  # utime + stime of the whole process (all threads), in clock ticks.
  ticks=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  cpu=$(echo "scale=2; $ticks / $CLK_TCK" | bc)
  # CPU seconds per thread name (Go runtime threads show as the thread that
  # started them), for the log: where the process spent its time.
  threads=$(for t in /proc/"$pid"/task/*; do
      printf '%s\t%s\n' "$(cat "$t/comm" 2>/dev/null)" "$(awk '{print $14 + $15}' "$t/stat" 2>/dev/null)"
    done | awk -F'\t' -v hz="$CLK_TCK" '{c[$1] += $2} END {for (k in c) if (c[k] / hz >= 0.05) printf "%s %.1f s, ", k, c[k] / hz}' |
    sed 's/, $//')
  sleep "$SETTLE"
  read -r count _ _ < <(counted "$dir/stdout.log")
  m=$(metrics "$port")
  dropped=$(jq -r '[.output[] | .dropped_records] | add // 0' <<<"$m")
  case $p in P | C | D) retries=$(jq -r '.output.auditx.retries // 0' <<<"$m") ;; esac
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  if [ -n "$perfpid" ]; then
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    wait "$perfpid" 2>/dev/null || true
  fi
  CUR_PIDS=()
  if [ "$count" -ne "$N" ] || [ "$dropped" -ne 0 ]; then
    die "$label run $r: the counter output counted $count records (want exactly $N), $dropped dropped: records lost or duplicated (log $dir/fluent-bit.log)"
  fi
  if grep -q 'SIGSEGV\|panic:\|panicked\|panic in ' "$dir/fluent-bit.log"; then
    die "$label run $r: crash or panic in the log $dir/fluent-bit.log"
  fi
  local wall first
  wall=$(echo "scale=3; ($t1 - $t0) / 1" | bc)
  first=$(echo "scale=3; ($tfirst - $t0) / 1" | bc)
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$r" "$wall" "$count" "$rss" "$cpu" "$retries" "$first" \
    "$rss_anon" "$rss_file" "$threads" >>"$TSV"
  log "$label run $r: $(printf '%.2f' "$wall") s (first records out after $(printf '%.2f' "$first") s), $count records, $(echo "scale=0; $N / $wall" | bc) records/s, VmHWM $((rss / 1024)) MiB, CPU ${cpu} s ($threads), auditx retries $retries"
  [ -n "$KEEP" ] || rm -rf "$dir"
}

# The rows, in the order of the runs of each repeat: F@base (the BASE
# build) just before F, so that noise hits both alike.
LABELS=()
for p in $PIPELINES; do
  [ -z "${BASE_OK[$(kind "$p")]:-}" ] || LABELS+=("$p@base")
  LABELS+=("$p")
done
# The current tree, for the table's title.
CUR_TITLE="$(git rev-parse --short HEAD 2>/dev/null || echo '?')"
[ -z "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] || CUR_TITLE="$CUR_TITLE with uncommitted changes"

log "$("$FB" --version | head -1), $(nproc) CPUs, $N records ($(du -m "$DATA" | cut -f1) MB), Flush $FLUSH, Mem_Buf_Limit $MEM_BUF_LIMIT, tail threaded $THREADED, REPEAT=$REPEAT${BASE:+, base $BASE_TITLE}"
for r in $(seq 1 "$REPEAT"); do
  for label in "${LABELS[@]}"; do
    run "$label" "$r"
  done
done

# The medians of each row, for the table, the profiles and the targets.
median() { sort -g | awk '{a[NR]=$1} END {if (NR == 0) print ""; else if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2] + a[NR/2+1]) / 2}'; }
# col LABEL COLUMN: that column of LABEL's measured runs (not its profile run).
col() { awk -F'\t' -v p="$1" -v c="$2" 'NR > 1 && $1 == p && $2 != "profile" {print $c}' "$TSV"; }
declare -A WALL=() RSS=() CPU=() SPREAD=() ANON=() FILEB=() THREADS=()
for p in "${LABELS[@]}"; do
  WALL[$p]=$(col "$p" 3 | median)
  RSS[$p]=$(col "$p" 5 | median)
  CPU[$p]=$(col "$p" 6 | median)
  ANON[$p]=$(col "$p" 9 | median)
  FILEB[$p]=$(col "$p" 10 | median)
  SPREAD[$p]=$(col "$p" 3 | sort -g | awk 'NR == 1 {lo=$1} {hi=$1} END {printf "%.2f–%.2f", lo, hi}')
  # CPU per thread name of the run nearest the median.
  THREADS[$p]=$(awk -F'\t' -v p="$p" -v m="${WALL[$p]}" 'NR > 1 && $1 == p && $2 != "profile" {
      d = $3 - m; if (d < 0) d = -d; if (best == "" || d < best) {best = d; t = $11}} END {print t}' "$TSV")
done
# calc FORMAT EXPR: awk arithmetic; "–" when EXPR uses an empty value.
calc() { awk "BEGIN {printf \"$1\", $2}"; }
ratio() { # ratio of throughputs = inverse ratio of wall times
  [ -n "${WALL[$2]:-}" ] || { echo "–"; return; }
  calc "%.2f" "${WALL[$2]} / ${WALL[$1]}"
}
# div X Y: X / Y to two places, "–" when either is missing or Y is 0.
div() { awk -v x="$1" -v y="$2" 'BEGIN {if (x == "" || y == "" || y + 0 == 0) print "–"; else printf "%.2f\n", x / y}'; }
mib() { awk -v k="${1:-0}" 'BEGIN {printf "%d", k / 1024}'; }
# busiest LABEL: the thread name with the most CPU in LABEL's median run.
busiest() {
  tr ',' '\n' <<<"${THREADS[$1]:-}" | awk '{s = $(NF - 1) + 0; $NF = ""; $(NF - 1) = ""; sub(/ +$/, ""); sub(/^ +/, "")
      if (s > best) {best = s; n = $0}} END {if (n != "") printf "%s %.1f s", n, best}'
}

table() {
  local p
  echo "Fluent Bit $("$FB" --version | head -1 | awk '{print $3}'), $(nproc) CPUs, $N records ($(du -m "$DATA" | cut -f1) MB of JSON lines), Flush $FLUSH, median of $REPEAT run(s)."
  if [ -n "$BASE" ]; then
    echo
    echo "Builds: current = $CUR_TITLE; base (rows X@base) = $BASE_TITLE. Each repeat ran X@base then X; cur/base < 1: the current build is faster or smaller."
  fi
  echo
  if [ -n "$BASE" ]; then
    echo "| | pipeline | wall s (median) | wall s (range) | records/s | vs A | vs B | peak RSS MiB | CPU s | wall cur/base | CPU cur/base | RSS cur/base |"
    echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  else
    echo "| | pipeline | wall s (median) | wall s (range) | records/s | vs A | vs B | peak RSS MiB | CPU s |"
    echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
  fi
  for p in "${LABELS[@]}"; do
    rps=$(echo "scale=0; $N / ${WALL[$p]}" | bc)
    local name what vsb=B cmp=
    name=${p%@base}
    what=$(describe "$name")
    if [ "$name" != "$p" ]; then
      what="$what, base $BASE_SHORT"
      vsb=B@base
    fi
    if [ -n "$BASE" ]; then
      if [ "$name" = "$p" ] && [ -n "${WALL[$p@base]:-}" ]; then
        cmp=" $(div "${WALL[$p]}" "${WALL[$p@base]}") | $(div "${CPU[$p]}" "${CPU[$p@base]}") | $(div "${RSS[$p]}" "${RSS[$p@base]}") |"
      else
        cmp=" – | – | – |"
      fi
    fi
    printf '| %s | %s | %.2f | %s | %s | %s | %s | %d | %.1f |%s\n' "$p" "$what" "${WALL[$p]}" "${SPREAD[$p]}" \
      "$(printf "%'d" "$rps")" "$(ratio "$p" A)" "$(ratio "$p" "$vsb")" "$((${RSS[$p]%.*} / 1024))" "${CPU[$p]}" "$cmp"
  done
  echo
  local lack
  for lack in "${BASE_LACKS[@]}"; do
    echo "- not run for the base $BASE_SHORT: $lack"
  done
  if [ -n "${WALL[PT]:-}" ] && [ -n "${WALL[AT]:-}" ]; then
    echo "- PT/AT = $(ratio PT AT) (auditx as a processor, on the threaded input's thread); peak RSS PT/AT $(div "${RSS[PT]}" "${RSS[AT]}")"
  fi
  if [ -n "${WALL[PC]:-}" ] && [ -n "${WALL[PT]:-}" ]; then
    echo "- the condition's cost: PC − PT = $(calc "%.2f" "${WALL[PC]} - ${WALL[PT]}") s for $N records ($(calc "%.0f" "(${WALL[PC]} - ${WALL[PT]}) * 1e9 / $N") ns per record)"
  fi
  [ -n "${WALL[F]:-}" ] && [ -n "${WALL[A]:-}" ] && echo "- F/A = $(ratio F A)"
  [ -n "${WALL[C]:-}" ] && [ -n "${WALL[A]:-}" ] && echo "- C/A = $(ratio C A)"
  # What Fluent Bit spends on a filter's MODIFIED answer (FP − A), and per
  # byte the filter adds to each record (FP<N> − FP).
  if [ -n "${WALL[FP]:-}" ] && [ -n "${WALL[A]:-}" ]; then
    echo "- Fluent Bit's cost of a MODIFIED answer, records unchanged: FP − A = $(calc "%.2f" "${WALL[FP]} - ${WALL[A]}") s wall, $(calc "%.2f" "${CPU[FP]} - ${CPU[A]}") s CPU: $(calc "%.0f" "(${WALL[FP]} - ${WALL[A]}) * 1e9 / $N") ns per record wall, $(calc "%.0f" "(${CPU[FP]} - ${CPU[A]}) * 1e9 / $N") ns CPU"
  fi
  for p in "${LABELS[@]}"; do
    case $p in FP[0-9]*) ;; *) continue ;; esac
    if [ "$p" != "${p%@base}" ] || [ -z "${WALL[FP]:-}" ]; then continue; fi
    local b
    b=$(pad "$p")
    echo "- Fluent Bit's cost per added byte: $p − FP = $(calc "%.2f" "${WALL[$p]} - ${WALL[FP]}") s wall, $(calc "%.2f" "${CPU[$p]} - ${CPU[FP]}") s CPU for $b bytes more per record: $(calc "%.0f" "(${WALL[$p]} - ${WALL[FP]}) * 1e9 / $N") ns per record wall, $(calc "%.2f" "(${WALL[$p]} - ${WALL[FP]}) * 1e9 / $N / $b") ns per byte wall, $(calc "%.2f" "(${CPU[$p]} - ${CPU[FP]}) * 1e9 / $N / $b") ns per byte CPU (the padding itself included: see PROFILE=$p); peak RSS $(mib "${RSS[$p]}") vs $(mib "${RSS[FP]}") MiB"
  done
  true
}
[ -z "${PIPELINES// /}" ] || table | tee "$MD"

# The profiles: one more run of each pipeline of PROFILE under perf, and a
# row each: CPU, auditx's library's share of the samples, and Fluent Bit's
# part split.
declare -A P_SHARE=() P_CPU=() P_NS=() P_ROW=() P_TOP=()
profile() {
  local p=$1 cpu incl aud ker mpc mpk mem mal fb oth top
  log "profiling pipeline $p under perf record"
  run "$p" profile perf
  perf report -i "$OUT/perf-$p.data" --no-children --sort dso,sym --percent-limit 0.3 --stdio -g none 2>/dev/null |
    grep '%' | grep -v '^#' >"$OUT/perf-$p.txt" || true
  perf report -i "$OUT/perf-$p.data" --no-children --sort dso --stdio -g none 2>/dev/null |
    grep '%' | grep -v '^#' >"$OUT/perf-$p-dso.txt" || true
  perf report -i "$OUT/perf-$p.data" --children --sort sym --percent-limit 1 --stdio -g none 2>/dev/null |
    grep '%' | grep -v '^#' >"$OUT/perf-$p-callers.txt" || true
  perf report -i "$OUT/perf-$p.data" --no-children --sort dso,sym --stdio -g none 2>/dev/null |
    grep '%' | grep -v '^#' >"$OUT/perf-$p-all.txt" || true
  log "profile of $p: $OUT/perf-$p.txt (self time by function), $OUT/perf-$p-dso.txt (by object), $OUT/perf-$p-callers.txt (inclusive, call graphs by frame pointers), $OUT/perf-$p-all.txt (every function)"
  head -30 "$OUT/perf-$p.txt" >&2
  cpu=$(awk -F'\t' -v p="$p" '$1 == p && $2 == "profile" {c = $6} END {print c}' "$TSV")
  incl=$(awk '$NF == "flb_mp_count_log_records" {sub(/%/, "", $1); print $1; exit}' "$OUT/perf-$p-callers.txt")
  # Self time by class: auditx's library (the DSO loaded with -e: every
  # library of this repository has auditx in its name), the kernel,
  # msgpack-c, mpack, memmove/memcpy, malloc/free, the rest of fluent-bit,
  # the rest; then auditx's three top functions.
  read -r aud ker mpc mpk mem mal fb oth top < <(awk '
    { pct = $1; sub(/%/, "", pct); dso = $2; sym = $4; for (i = 5; i <= NF; i++) sym = sym " " $i
      if (dso ~ /auditx/) { aud += pct; f[sym] += pct; next }
      if (dso ~ /kernel/ || $3 == "[k]") { ker += pct; next }
      if (sym ~ /^(template_|msgpack_)/) { mpc += pct; next }
      if (sym ~ /^mpack_/) { mpk += pct; next }
      if (sym ~ /mem(move|cpy)/) { mem += pct; next }
      if (dso ~ /^libc/ && sym ~ /(malloc|free|_int_|realloc|calloc|tcache|arena)/) { mal += pct; next }
      if (dso == "fluent-bit") { fb += pct; next }
      oth += pct }
    END {
      top = ""
      for (k = 0; k < 3; k++) {
        b = ""; for (s in f) if (b == "" || f[s] > f[b]) b = s
        if (b == "" || f[b] < 0.05) break
        n = b; gsub(/github\.com\/auditx\/auditx\//, "", n); gsub(/ /, "_", n)
        top = top (top == "" ? "" : ",_") n "_" sprintf("%.1f%%", f[b]); delete f[b]
      }
      printf "%.1f %.1f %.1f %.1f %.1f %.1f %.1f %.1f %s\n", aud, ker, mpc, mpk, mem, mal, fb, oth, (top == "" ? "–" : top)
    }' "$OUT/perf-$p-all.txt")
  P_SHARE[$p]=$aud
  P_CPU[$p]=$cpu
  P_NS[$p]=$(calc "%.0f" "$aud / 100 * $cpu * 1e9 / $N")
  P_TOP[$p]=${top//_/ }
  local count_ns=–
  [ -z "$incl" ] || count_ns="$incl% ($(calc "%.0f" "$incl / 100 * $cpu * 1e9 / $N") ns/record)"
  P_ROW[$p]="| $p | $cpu | $aud% | $(calc "%.2f" "$aud / 100 * $cpu") | ${P_NS[$p]} | $mpc% | $mpk% | $count_ns | $mem% | $mal% | $ker% | $fb% | $oth% |"
}
if [ -n "$PROFILE" ]; then
  command -v perf >/dev/null || die "PROFILE needs perf (apt-get install linux-perf)"
  for p in $PROFILE; do profile "$p"; done
  {
    echo
    echo "Profiles: \`perf record -e cpu-clock -g\` of the whole fluent-bit process, one more run each; shares of all its samples (self time). auditx's library is the DSO given with -e; ns/record = its share × the run's CPU s / $N records."
    echo
    echo "| profile | CPU s | auditx's library | its CPU s | ns/record in it | msgpack-c (template_*, msgpack_*) | mpack | flb_mp_count_log_records (inclusive) | memmove/memcpy | malloc/free | kernel | rest of Fluent Bit | other |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    for p in $PROFILE; do echo "${P_ROW[$p]}"; done
    echo
    for p in $PROFILE; do echo "- $p, auditx's library's top functions: ${P_TOP[$p]}"; done
    # Fluent Bit's own CPU (the samples outside the pass-through library,
    # which does the padding) per byte added, from the profile runs.
    for p in $PROFILE; do
      case $p in FP[0-9]*) ;; *) continue ;; esac
      [ -n "${P_CPU[FP]:-}" ] || continue
      echo "- Fluent Bit's CPU per added byte without the padding itself (profiles of FP and $p): ($p's CPU outside the pass-through library − FP's) / N / $(pad "$p") = $(calc "%.2f" "(${P_CPU[$p]} * (1 - ${P_SHARE[$p]} / 100) - ${P_CPU[FP]} * (1 - ${P_SHARE[FP]} / 100)) * 1e9 / $N / $(pad "$p")") ns per byte"
    done
  } | tee -a "$MD"
fi

# The targets: each one this run measured, met or missed, and for a missed
# one its measured cause.
MET=() MISSED=() UNMEASURED=()
# target NAME OK MEASURED [CAUSE]
target() {
  if [ "$2" = 1 ]; then MET+=("$1 ($3)"); else MISSED+=("$1: $3${4:+. Cause: $4}"); fi
}
# ok EXPR: 1 when the awk expression holds.
ok() { awk "BEGIN {print (($1) ? 1 : 0)}"; }
# cpu_cause P Q: CPU time and busiest thread of P against Q, and auditx's
# library in P's profile.
cpu_cause() {
  local c="CPU $1 ${CPU[$1]} s vs $2 ${CPU[$2]} s"
  [ -z "$(busiest "$1")" ] || c="$c; busiest thread of $1: $(busiest "$1") (of ${WALL[$1]} s wall), of $2: $(busiest "$2")"
  [ -z "${P_NS[$1]:-}" ] || c="$c; auditx's library in $1: ${P_SHARE[$1]}% of its CPU, ${P_NS[$1]} ns/record (perf)"
  [ -z "${P_NS[$2]:-}" ] || c="$c, in $2: ${P_SHARE[$2]}%, ${P_NS[$2]} ns/record"
  echo "$c"
}
rss_cause() {
  echo "at the count, anonymous memory (heaps, buffers, chunks) $(mib "${ANON[$1]}") MiB vs $(mib "${ANON[$2]}") MiB, file-backed (executable, libraries) $(mib "${FILEB[$1]}") vs $(mib "${FILEB[$2]}") MiB"
}
targets() {
  local p q lim
  # No slower than the base.
  for p in F FT PT; do
    if [ -n "${WALL[$p]:-}" ] && [ -n "${WALL[$p@base]:-}" ]; then
      target "$p no slower than $p@base" "$(ok "${WALL[$p]} <= (1 + $NOISE) * ${WALL[$p@base]}")" \
        "wall cur/base $(div "${WALL[$p]}" "${WALL[$p@base]}") (${WALL[$p]} s vs ${WALL[$p@base]} s, ranges ${SPREAD[$p]} and ${SPREAD[$p@base]}; noise margin $(calc "%.2f" "1 + $NOISE"))" \
        "CPU cur/base $(div "${CPU[$p]}" "${CPU[$p@base]}"); $(cpu_cause "$p" "$p@base")"
    elif [ -n "$BASE" ] && [ -n "${WALL[$p]:-}" ]; then
      UNMEASURED+=("$p no slower than $p@base: the base cannot run $p")
    fi
  done
  # auditx's share of F's CPU.
  if [ -n "${P_SHARE[F]:-}" ]; then
    local was=
    [ -z "${P_SHARE[F@base]:-}" ] || was=" (F@base: ${P_SHARE[F@base]}%, ${P_NS[F@base]} ns/record)"
    target "auditx's library ≤ 10% of F's CPU" "$(ok "${P_SHARE[F]} <= 10")" \
      "F's CPU in auditx: ${P_SHARE[F]}% (perf), ${P_NS[F]} ns/record$was, target 10%" \
      "$(calc "%.2f" "${P_SHARE[F]} / 100 * ${P_CPU[F]}") s of F's ${P_CPU[F]} s CPU in auditx's library; its top functions: ${P_TOP[F]}"
  elif [ -n "${WALL[F]:-}" ]; then
    UNMEASURED+=("auditx's library ≤ 10% of F's CPU: needs PROFILE=F")
  fi
  # Peak RSS.
  for pq in "F A 2" "FT AT 2" "C P 1.2"; do
    read -r p q lim <<<"$pq"
    if [ -z "${RSS[$p]:-}" ] || [ -z "${RSS[$q]:-}" ]; then continue; fi
    target "peak RSS $p ≤ ${lim}× $q" "$(ok "${RSS[$p]} <= $lim * ${RSS[$q]}")" \
      "$(div "${RSS[$p]}" "${RSS[$q]}")× ($(mib "${RSS[$p]}") vs $(mib "${RSS[$q]}") MiB)" "$(rss_cause "$p" "$q")"
  done
  # Throughput.
  for pq in "F B 2.5" "F M 3" "FT AT 0.9" "C B 2" "C P 0.9"; do
    read -r p q lim <<<"$pq"
    if [ -z "${WALL[$p]:-}" ] || [ -z "${WALL[$q]:-}" ]; then continue; fi
    target "$p ≥ ${lim}× $q" "$(ok "${WALL[$q]} >= $lim * ${WALL[$p]}")" "$p/$q = $(ratio "$p" "$q")" "$(cpu_cause "$p" "$q")"
  done
  echo
  if [ $((${#MET[@]} + ${#MISSED[@]} + ${#UNMEASURED[@]})) -eq 0 ]; then
    echo "Targets: none concerns these pipelines."
    return
  fi
  echo "Targets: ${#MET[@]} met, ${#MISSED[@]} missed$([ ${#UNMEASURED[@]} -eq 0 ] || echo ", ${#UNMEASURED[@]} not measured")."
  for p in "${MISSED[@]}"; do echo "- MISSED $p"; done
  [ ${#MET[@]} -eq 0 ] || echo "- met: $(printf '%s; ' "${MET[@]}" | sed 's/; $//')"
  for p in "${UNMEASURED[@]}"; do echo "- not measured: $p"; done
  true
}
targets | tee -a "$MD"
log "per-run results: $TSV; table: $MD"
