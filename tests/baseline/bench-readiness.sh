#!/usr/bin/env bash
# How long GET /health/ready takes while MongoDB is frozen (SIGSTOP: its connections stay open, nothing
# answers, as with a hung server or a network partition). Starts a private SecantusDB (from .ci/services'
# venv) and `exchange serve` on the test configuration with it, checks readiness once healthy, freezes the
# server, asks three times, then thaws and stops both.
#
# Usage: tests/baseline/bench-readiness.sh [path/to/exchange]   (default target/debug/exchange)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:-$root/target/debug/exchange}
py="$root/.venv-mongo/bin/python"
[ -x "$root/.venv-mongo/bin/secantusd-py" ] || { echo "run ./.ci/services first (installs SecantusDB)"; exit 1; }
free_port() { "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
mongo_port=$(free_port); http_port=$(free_port)
work=$(mktemp -d); mongo=""; server=""
cleanup() {
  [ -n "$mongo" ] && { kill -CONT "$mongo" 2>/dev/null || true; kill "$mongo" 2>/dev/null || true; }
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
"$root/.venv-mongo/bin/secantusd-py" --host 127.0.0.1 --port "$mongo_port" --storage-path ':memory:' >mongo.log 2>&1 &
mongo=$!
for _ in $(seq 1 60); do (exec 3<>"/dev/tcp/127.0.0.1/$mongo_port") 2>/dev/null && break; sleep 0.25; done
EXCHANGE_CONFIG_DIR="$root/configs" EXCHANGE_ENV=test EXCHANGE__SERVER__PORT="$http_port" \
  EXCHANGE__MONGODB__URI="mongodb://127.0.0.1:$mongo_port/?directConnection=true" \
  EXCHANGE__MONGODB__DATABASE=readiness_bench "$bin" serve >server.log 2>&1 &
server=$!
url="http://127.0.0.1:$http_port/health/ready"
for _ in $(seq 1 120); do curl -sf "$url" >/dev/null && break; sleep 0.25; done
ask() { curl -s -o /dev/null -w '%{http_code} in %{time_total} s' --max-time 60 "$url"; }
echo "healthy:              $(ask)"
kill -STOP "$mongo"
for i in 1 2 3; do echo "MongoDB frozen, try $i: $(ask)"; done
