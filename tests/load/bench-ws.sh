#!/usr/bin/env bash
# WebSocket IM benchmarks of docs/benchmarks.md ("WebSocket IM"), over loopback with exchange-load:
#   1. idle: IDLE_CONNECTIONS connections (default 10,000) over 100 accounts; server VmRSS per connection,
#      connections kept over the hold time
#   2. group: one group of GROUP_SIZE members (default 1,000), all connected, GROUP_RATE messages/s sent by a
#      few members; every message fans out to the 999 others: delivery latency p50/p99, deliveries/s
#   3. direct: DIRECT_CONNECTIONS connections (default 1,000) in pairs, DIRECT_RATE messages/s in total
# exchange runs on the embedded default (SQLite + in-memory adapters), console logs off, rate limits off,
# light argon2 parameters so that creating the accounts does not dominate, and a connection cap per user
# high enough for the idle run. PROFILE=release (default) or debug.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
PROFILE=${PROFILE:-release}
IDLE_CONNECTIONS=${IDLE_CONNECTIONS:-10000}
GROUP_SIZE=${GROUP_SIZE:-1000}
GROUP_RATE=${GROUP_RATE:-20}
DIRECT_CONNECTIONS=${DIRECT_CONNECTIONS:-1000}
DIRECT_RATE=${DIRECT_RATE:-500}
DURATION=${DURATION:-20}
PORT=${PORT:-18190}
ulimit -n "$(ulimit -Hn)"
flag=(); [ "$PROFILE" = release ] && flag=(--release)
cargo build "${flag[@]}" --locked --bin exchange --bin exchange-load >&2
bin="$root/target/$PROFILE"
work=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

start() {
  rm -rf "$work/data"
  (cd "$work" && EXCHANGE_CONFIG_DIR="$root/configs" EXCHANGE__SERVER__PORT=$PORT EXCHANGE__LOG__ENABLE_CONSOLE=false \
    EXCHANGE__LOG__ENABLE_FILE=false EXCHANGE__RATE_LIMIT__ENABLED=false EXCHANGE__AUTH__ARGON2_MEMORY_KIB=8192 \
    EXCHANGE__AUTH__ARGON2_ITERATIONS=1 EXCHANGE__WS__MAX_CONNECTIONS_PER_USER=1000 \
    exec "$bin/exchange" serve) &
  server=$!
  for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$PORT/ping" >/dev/null && return 0; sleep 0.1; done
  echo "exchange did not come up" >&2; exit 1
}
stop() { kill "$server"; wait "$server" 2>/dev/null || true; server=""; }
load() { "$bin/exchange-load" --base "http://127.0.0.1:$PORT" --server-pid "$server" "$@"; }

echo "# $(date -u +%FT%TZ) $(nproc) cores, $PROFILE build, ulimit -n $(ulimit -n), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "## idle"; start
load --mode idle --connections "$IDLE_CONNECTIONS" --users 100 --duration "$DURATION"
stop
echo "## group"; start
load --mode group --group-size "$GROUP_SIZE" --rate "$GROUP_RATE" --duration "$DURATION" --drain 10
stop
echo "## direct"; start
load --mode direct --connections "$DIRECT_CONNECTIONS" --rate "$DIRECT_RATE" --duration "$DURATION"
stop
