#!/usr/bin/env bash
# `make bench`: builds the release binaries and the baselines, runs every scenario under
# tests/baseline/scenarios/ (in name order), and prints one table of what they measured, ratios and targets
# included. Servers are pinned to CPU $BENCH_SERVER_CPU (0) and load generators to $BENCH_LOAD_CPU (1);
# each comparison alternates between its sides for $BENCH_ROUNDS (3) rounds and reports medians.
#
# Baselines, both in tests/baseline: `hello-poem` (a bare poem hello-world, this workspace) and
# `gin-baseline` (Gin + gorilla/websocket, the Go stack exchange replaces), built from Debian's Go packages
# in GOPATH mode (installed with apt-get when absent; nothing is fetched from the Go proxy).
#
# Usage:
#   make bench                                   # everything
#   BENCH_ONLY="*ping*" make bench             # scenarios whose file name matches the glob
#   BENCH_EXCHANGE=path/to/old/exchange make bench   # measure another exchange build against the same baselines
#   BENCH_DURATION=5s BENCH_ROUNDS=5 make bench  # see tests/baseline/lib.sh for every knob
# Results: target/bench/<UTC time>/results.tsv and table.md (printed at the end).
#
# A scenario is any executable-or-not `*.sh` in scenarios/ that sources ../lib.sh and records rows with
# bench_row / bench_ratio / bench_note; it starts and stops its own servers. Add one by adding a file.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
export BENCH_ROOT=$root
export BENCH_OUT=${BENCH_OUT:-$root/target/bench/$(date -u +%Y%m%dT%H%M%SZ)}
export BENCH_BIN=${BENCH_BIN:-$root/target/release}
mkdir -p "$BENCH_OUT"

log() { echo "[bench $(date +%T)] $*" >&2; }
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
apt_install() {
  log "installing $*"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

# --- tools and baselines --------------------------------------------------------------------------
need=()
command -v wrk >/dev/null || need+=(wrk)
command -v taskset >/dev/null || need+=(util-linux)
command -v curl >/dev/null || need+=(curl)
command -v go >/dev/null || need+=(golang-go)
[ -d /usr/share/gocode/src/github.com/gin-gonic/gin ] || need+=(golang-github-gin-gonic-gin-dev)
[ -d /usr/share/gocode/src/github.com/gorilla/websocket ] || need+=(golang-github-gorilla-websocket-dev)
[ ${#need[@]} -eq 0 ] || apt_install "${need[@]}"
if [ "$(nproc)" -lt 2 ]; then log "warning: $(nproc) CPU; servers and load generators will share it"; fi

if [ -z "${BENCH_SKIP_BUILD:-}" ]; then
  log "building release binaries (exchange, hello-poem)"
  cargo build --release --locked -p bootstrap --bin exchange -p bench-baseline --bin hello-poem >&2
  log "building gin-baseline from Debian's Go packages"
  gopath="$root/target/bench/gopath"
  mkdir -p "$gopath"
  # GOPATH mode: imports resolve in /usr/share/gocode, where the Debian packages put their sources.
  GO111MODULE=off GOFLAGS= GOPROXY=off GOPATH="$gopath:/usr/share/gocode" GOCACHE="$gopath/cache" \
    go build -o "$BENCH_BIN/gin-baseline" "$root/tests/baseline/gin/main.go"
fi
export BENCH_EXCHANGE=${BENCH_EXCHANGE:-$BENCH_BIN/exchange}
for bin in "$BENCH_EXCHANGE" "$BENCH_BIN/hello-poem" "$BENCH_BIN/gin-baseline"; do
  [ -x "$bin" ] || { echo "bench: $bin is missing (run without BENCH_SKIP_BUILD)" >&2; exit 1; }
done

# --- scenarios ------------------------------------------------------------------------------------
{
  echo "# make bench, $(date -u +%FT%TZ), $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs))"
  echo "# exchange: $BENCH_EXCHANGE ($(cd "$root" && git describe --always --dirty 2>/dev/null || echo '?'))"
  echo "# wrk -t${BENCH_THREADS:-1} -c${BENCH_CONNECTIONS:-64} -d${BENCH_DURATION:-10s}, ${BENCH_ROUNDS:-3} alternating rounds, medians;" \
    "servers on CPU ${BENCH_SERVER_CPU:-0}, load on CPU ${BENCH_LOAD_CPU:-1}; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$BENCH_OUT/header.txt"
: >"$BENCH_OUT/results.tsv"
status=0
for scenario in "$root"/tests/baseline/scenarios/${BENCH_ONLY:-*}.sh; do
  [ -e "$scenario" ] || { echo "bench: no scenario matches ${BENCH_ONLY:-*}" >&2; exit 1; }
  log "scenario $(basename "$scenario" .sh)"
  if ! bash "$scenario"; then
    log "scenario $(basename "$scenario") failed"
    printf 'note\tscenario %s FAILED (see the log above)\n' "$(basename "$scenario" .sh)" >>"$BENCH_OUT/results.tsv"
    status=1
  fi
done

# --- the table ------------------------------------------------------------------------------------
{
  cat "$BENCH_OUT/header.txt"
  echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  awk -F'\t' '
    BEGIN {
      print "| scenario | measurement | req/s or ratio | p50 ms | p99 ms | target | met |"
      print "| --- | --- | --- | --- | --- | --- | --- |"
    }
    $1 == "row" { printf "| %s | %s | %s | %s | %s | | |\n", $2, $3, $4, $5, $6 }
    $1 == "ratio" {
      met = ($5 == ">=") ? ($4 + 0 >= $6 + 0) : ($4 + 0 <= $6 + 0)
      printf "| %s | **%s** | **%s** | | | %s %s | %s |\n", $2, $3, $4, $5, $6, met ? "yes" : "NO"
    }
    $1 == "note" { notes[++n] = $2 }
    END { for (i = 1; i <= n; i++) { if (i == 1) print ""; print "- " notes[i] } }
  ' "$BENCH_OUT/results.tsv"
} | tee "$BENCH_OUT/table.md"
exit $status
