#!/usr/bin/env bash
# make bench-compare: the core Go benchmarks of an earlier revision and of
# the current tree in one run, compared with benchstat.
#
#   make bench-compare BASE=<git rev> [COUNT=10] [BENCH=regex] [PKGS="./enrich ./catalog"]
#
# Builds each package's test binary (go test -c) from BASE, in a temporary
# git worktree (bench/base/core-<short rev>, git-ignored, removed at exit
# unless KEEP=1), and from the current tree (with its uncommitted changes),
# then runs them alternately, base then current, COUNT times each with
#   -test.run '^$' -test.bench BENCH -test.benchmem -test.cpu 1 -test.count 1
# (from the package's own directory, as go test does), appends the outputs
# to bench/out/compare-<time>/base.txt and current.txt and prints
# `benchstat base.txt current.txt`, then the benchmarks that ran on one side
# only (benchstat leaves their other column empty and marks the geomean).
#
# Environment (make passes its command-line variables through):
#   BASE        the earlier revision (required)
#   COUNT=10    runs of each binary
#   BENCH=.     the -test.bench regex
#   PKGS=./enrich  the packages, space-separated
#   BENCHTIME=  -test.benchtime when set (e.g. 300ms, 2000x)
#   KEEP=1      keep the worktree and the test binaries
#
# benchstat comes from the Go module proxy, pinned (golang.org/x/perf has no
# tagged releases): BENCHSTAT overrides the package@version.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

BASE=${BASE:-}
COUNT=${COUNT:-10}
BENCH=${BENCH:-.}
PKGS=${PKGS:-./enrich}
BENCHTIME=${BENCHTIME:-}
KEEP=${KEEP:-}
BENCHSTAT=${BENCHSTAT:-golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da}

die() { echo "bench-compare: $*" >&2; exit 1; }
log() { echo "bench-compare: $*" >&2; }

[ -n "$BASE" ] || die "BASE=<git rev> is required (e.g. make bench-compare BASE=HEAD~1)"
[[ "$COUNT" =~ ^[1-9][0-9]*$ ]] || die "COUNT=$COUNT: want a positive integer"
rev=$(git rev-parse --verify --quiet "$BASE^{commit}") || die "BASE=$BASE is not a commit of this repository"
short=$(git rev-parse --short "$rev")
cur=$(git rev-parse --short HEAD)
[ -z "$(git status --porcelain --untracked-files=no)" ] || cur="$cur with uncommitted changes"

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=$ROOT/bench/out/compare-$STAMP
WT=$ROOT/bench/base/core-$short
mkdir -p "$OUT/bin/base" "$OUT/bin/current"

cleanup() {
  [ -z "$KEEP" ] || return 0
  rm -rf "$OUT/bin"
  if [ -e "$WT" ]; then
    git worktree remove --force "$WT" 2>/dev/null || { rm -rf "$WT"; git worktree prune; }
  fi
  rmdir "$ROOT/bench/base" 2>/dev/null || true
}
trap cleanup EXIT

if [ -f "$WT/.git" ] && [ "$(git -C "$WT" rev-parse HEAD 2>/dev/null)" = "$rev" ] &&
  [ -z "$(git -C "$WT" status --porcelain --untracked-files=no)" ]; then
  log "base $short: reusing the worktree $WT"
else
  [ ! -e "$WT" ] || git worktree remove --force "$WT" 2>/dev/null || rm -rf "$WT"
  git worktree prune
  mkdir -p "$(dirname "$WT")"
  git worktree add --detach --quiet "$WT" "$rev" || die "base $short: git worktree add $WT failed"
fi

# The test binaries: bin/<side>/<package path with / as _>.test.
declare -A HAVE=()
for pkg in $PKGS; do
  pkg=./${pkg#./}
  name=${pkg#./}
  name=${name//\//_}.test
  for side in base current; do
    tree=$ROOT
    [ "$side" = current ] || tree=$WT
    if [ ! -d "$tree/$pkg" ]; then
      log "$side: no package $pkg in this tree: its benchmarks run on the other side only"
      continue
    fi
    log "$side: go test -c $pkg"
    (cd "$tree" && go test -c -o "$OUT/bin/$side/$name" "$pkg") || die "$side: $pkg does not build (above)"
    if [ -x "$OUT/bin/$side/$name" ]; then
      HAVE[$side:$pkg]=$OUT/bin/$side/$name
    else
      log "$side: $pkg has no test files: its benchmarks run on the other side only"
    fi
  done
done

args=(-test.run '^$' -test.bench "$BENCH" -test.benchmem -test.cpu 1 -test.count 1)
[ -z "$BENCHTIME" ] || args+=(-test.benchtime "$BENCHTIME")
: >"$OUT/base.txt"
: >"$OUT/current.txt"
log "base $short ($(git log -1 --format=%s "$rev" | cut -c1-60)), current $cur; $COUNT runs each, alternating, of: ${args[*]}"
for i in $(seq 1 "$COUNT"); do
  for pkg in $PKGS; do
    pkg=./${pkg#./}
    for side in base current; do
      bin=${HAVE[$side:$pkg]:-}
      [ -n "$bin" ] || continue
      tree=$ROOT
      [ "$side" = current ] || tree=$WT
      log "run $i/$COUNT: $side $pkg"
      (cd "$tree/$pkg" && "$bin" "${args[@]}") >"$OUT/run.txt" 2>&1 ||
        { cat "$OUT/run.txt" >&2; die "$side $pkg run $i failed (above)"; }
      cat "$OUT/run.txt" >>"$OUT/$side.txt"
    done
  done
done
rm -f "$OUT/run.txt"

# names FILE: "pkg benchmark" of every benchmark line in FILE.
names() { awk '/^pkg: / {pkg = $2} /^Benchmark/ {print pkg " " $1}' "$1" | sort -u; }
only_base=$(comm -23 <(names "$OUT/base.txt") <(names "$OUT/current.txt"))
only_cur=$(comm -13 <(names "$OUT/base.txt") <(names "$OUT/current.txt"))
[ -n "$(names "$OUT/base.txt")$(names "$OUT/current.txt")" ] || die "no benchmark matched BENCH=$BENCH in $PKGS"

echo "base = $short $(git log -1 --format=%s "$rev" | cut -c1-60); current = $cur"
echo "$COUNT runs each, alternating base/current: ${args[*]}"
echo
(cd "$OUT" && go run "$BENCHSTAT" base.txt current.txt)
if [ -n "$only_base" ] || [ -n "$only_cur" ]; then
  echo
  echo "Benchmarks on one side only (benchstat shows them with an empty column; the geomeans then cover different sets):"
  [ -z "$only_base" ] || sed 's/^/  base only:    /' <<<"$only_base"
  [ -z "$only_cur" ] || sed 's/^/  current only: /' <<<"$only_cur"
fi
echo
echo "outputs: ${OUT#"$ROOT"/}/base.txt, ${OUT#"$ROOT"/}/current.txt"
