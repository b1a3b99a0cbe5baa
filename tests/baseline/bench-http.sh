#!/usr/bin/env bash
# HTTP benchmarks of docs/benchmarks.md, all in one session over loopback with wrk:
#   1. GET /ping on exchange vs the bare poem hello-world (bench-baseline) -> throughput ratio
#   2. GET /api/v1/users/me with a valid token vs GET /ping on exchange -> throughput ratio and p99
#   3. GET /ping p99 while logins saturate the password hasher, vs /ping p99 alone
# exchange runs on the embedded default (SQLite + in-memory adapters) with production argon2 parameters,
# file logs on and console logs off, rate limits off (they would refuse a load test).
# Usage: tests/baseline/bench-http.sh            (DURATION=20s CONNECTIONS=64 THREADS=2 to change)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
DURATION=${DURATION:-20s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }

cargo build --release --locked --bin exchange --bin hello-poem >&2
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

wait_up() { for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$1/ping" >/dev/null && return 0; sleep 0.1; done; echo "port $1 did not come up" >&2; exit 1; }

"$root/target/release/hello-poem" 18090 & pids+=($!)
(cd "$work" && EXCHANGE_CONFIG_DIR="$root/configs" EXCHANGE__SERVER__PORT=18091 EXCHANGE__LOG__ENABLE_CONSOLE=false \
  EXCHANGE__LOG__LEVEL=info EXCHANGE__RATE_LIMIT__ENABLED=false exec "$root/target/release/exchange" serve) & pids+=($!)
wait_up 18090; wait_up 18091

password=correct-horse-battery-staple
curl -sf -XPOST localhost:18091/api/v1/auth/register -H 'content-type: application/json' \
  -d "{\"username\":\"bench_user\",\"email\":\"bench@example.com\",\"password\":\"$password\"}" >/dev/null
token=$(curl -sf -XPOST localhost:18091/api/v1/auth/login -H 'content-type: application/json' \
  -d "{\"username\":\"bench_user\",\"password\":\"$password\"}" | sed 's/.*"access_token":"\([^"]*\)".*/\1/')
cat > "$work/login.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"username":"bench_user","password":"$password"}'
LUA

# run <label> <wrk args...>: prints "label|req/s|p50|p99"
run() {
  local label=$1; shift
  local out; out=$(wrk --latency "$@")
  local rps p50 p99
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  echo "$label|$rps|$p50|$p99"
}

warm() { wrk -t1 -c8 -d3s "$@" >/dev/null; }
warm http://127.0.0.1:18090/ping; warm http://127.0.0.1:18091/ping

echo "# $(date -u +%FT%TZ) $(nproc) cores, wrk -t$THREADS -c$CONNECTIONS -d$DURATION"
echo "scenario|requests/s|p50|p99"
run "hello-poem GET /ping" -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" http://127.0.0.1:18090/ping
run "exchange GET /ping" -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" http://127.0.0.1:18091/ping
run "exchange GET /api/v1/users/me" -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" -H "Authorization: Bearer $token" \
  http://127.0.0.1:18091/api/v1/users/me
run "exchange GET /ping, c=8, alone" -t1 -c8 -d"$DURATION" http://127.0.0.1:18091/ping
wrk -t1 -c32 -d"$DURATION" -s "$work/login.lua" http://127.0.0.1:18091/api/v1/auth/login > "$work/storm.txt" &
storm=$!
sleep 2
run "exchange GET /ping, c=8, during a login storm" -t1 -c8 -d"$DURATION" http://127.0.0.1:18091/ping
wait $storm
logins=$(awk '/Requests\/sec/ {print $2}' "$work/storm.txt")
echo "login storm (c=32, argon2id m=19456 t=2 p=1)|$logins||"
