#!/usr/bin/env bash
# Instructions per request of one HTTP route of a server under callgrind: noise-free figures for before and
# after a change to the request path (docs/benchmarks.md), where timings on shared cores are not.
#
#   tests/baseline/callgrind-http.sh [binary] [path] [wrk args...]
#   tests/baseline/callgrind-http.sh target/release/exchange /ping
#   tests/baseline/callgrind-http.sh target/release/hello-poem /ping
#   TOKEN=... tests/baseline/callgrind-http.sh target/release/exchange /api/v1/users/me
#
# exchange runs `serve` on the embedded default with the benchmark's environment (lib.sh); hello-poem takes
# its port. After 200 warm-up requests the counters are zeroed, wrk -c8 runs for $CG_DURATION (10s), the
# counters are dumped, and the script prints the requests served and the instructions per request, then
# the top functions by self and inclusive cost (tools/callgrind_top.py).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
command -v valgrind >/dev/null || { echo "valgrind is needed: apt-get install valgrind" >&2; exit 1; }
bin=$(realpath "${1:-$BENCH_ROOT/target/release/exchange}")
path=${2:-/ping}
shift 2 || true
port=18099
dir=$(bench_workdir "callgrind-$(basename "$bin")")
out="$dir/callgrind.out"
headers=()
[ -n "${TOKEN:-}" ] && headers=(-H "Authorization: Bearer $TOKEN")
if [ "$(basename "$bin")" = hello-poem ]; then
  (cd "$dir" && exec valgrind --tool=callgrind --callgrind-out-file="$out" "$bin" "$port" >stdout.log 2>valgrind.log) &
else
  # shellcheck disable=SC2046
  (cd "$dir" && exec env $(bench_exchange_env) EXCHANGE__SERVER__PORT=$port \
    valgrind --tool=callgrind --callgrind-out-file="$out" "$bin" serve >stdout.log 2>valgrind.log) &
fi
pid=$!
_bench_pids+=("$pid")
for _ in $(seq 1 600); do curl -sf -o /dev/null "http://127.0.0.1:$port/ping" && break; sleep 0.2; done
if [ -n "${REGISTER_AND_LOGIN:-}" ]; then
  TOKEN=$(bench_login "$port" cg_user correct-horse-battery-staple)
  headers=(-H "Authorization: Bearer $TOKEN")
fi
for _ in $(seq 1 200); do curl -sf -o /dev/null "${headers[@]}" "http://127.0.0.1:$port$path"; done
callgrind_control -z "$pid" >/dev/null
requests=$(wrk -t1 -c8 -d"${CG_DURATION:-10s}" "${headers[@]}" "$@" "http://127.0.0.1:$port$path" | awk '/requests in/ {print $1}')
callgrind_control -d "$pid" >/dev/null
kill -INT "$pid"; wait "$pid" 2>/dev/null || true
dump=$(ls "$out".* | head -1)
total=$(awk '/^summary:/ {print $2}' "$dump")
echo "$(basename "$bin") $path: $requests requests, $(( total / requests )) instructions per request"
python3 "$(dirname "$0")/tools/callgrind_top.py" "$dump" "${CG_TOP:-25}" --per "$requests"
