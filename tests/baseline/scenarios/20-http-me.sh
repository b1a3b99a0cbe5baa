#!/usr/bin/env bash
# GET /api/v1/users/me with a valid access token against GET /ping of the same server, on the embedded
# default (SQLite + in-memory adapters) and on MariaDB + Redis (the local servers, a fresh database and key
# prefix). Requests come from 16 users, each from its own client IP (lib.sh: bench_users_lua), so rate limits
# stay on without refusing the load. The rounds alternate /ping and /users/me. Target (issue 14, item 2): /users/me >= 0.6x /ping.
# Revocation is not weakened for it: tests/tests/e2e (auth) checks that a revoked session is refused on the
# very next request on every instance.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

run_composition() {
  local label=$1 port=$2; shift 2
  local dir token
  dir=$(bench_workdir "me-$label")
  bench_exchange "$dir" "$port" "$@"
  bench_users_lua "$port" 16 "$dir/me.lua"
  local ping="http://127.0.0.1:$port/ping" me="http://127.0.0.1:$port/api/v1/users/me"
  bench_wrk -d3s "$ping" >/dev/null
  bench_wrk -d3s -s "$dir/me.lua" "$me" >/dev/null
  local ping_rps=() ping_50=() ping_99=() me_rps=() me_50=() me_99=() ratios=()
  local round r l50 l99 bad rp rm
  for round in $(seq 1 "$BENCH_ROUNDS"); do
    read -r r l50 l99 bad < <(bench_wrk "$ping")
    ping_rps+=("$r"); ping_50+=("$l50"); ping_99+=("$l99"); rp=$r
    read -r r l50 l99 bad < <(bench_wrk -s "$dir/me.lua" "$me")
    [ "$bad" -eq 0 ] || bench_note "GET /users/me on $label: $bad non-2xx answers in round $round"
    me_rps+=("$r"); me_50+=("$l50"); me_99+=("$l99"); rm=$r
    ratios+=("$(bench_div "$rm" "$rp")")
    bench_log "me $label round $round: /ping $rp, /users/me $rm req/s"
  done
  bench_row "GET /users/me ($label)" "exchange GET /ping" "$(bench_median "${ping_rps[@]}")" \
    "$(bench_median "${ping_50[@]}")" "$(bench_median "${ping_99[@]}")"
  bench_row "GET /users/me ($label)" "exchange GET /api/v1/users/me" "$(bench_median "${me_rps[@]}")" \
    "$(bench_median "${me_50[@]}")" "$(bench_median "${me_99[@]}")"
  bench_ratio "GET /users/me ($label)" "/users/me / /ping" "$(bench_median "${ratios[@]}")" ">=" 0.6
  bench_stop "$BENCH_PID"
}

run_composition "SQLite + memory" 18093

db="bench_me_$$"
prefix="bench-me-$$:"
mysql_root() { mariadb -uroot -h127.0.0.1 -P3306 --protocol=tcp "$@"; }
mysql_root -e "CREATE DATABASE IF NOT EXISTS $db"
drop_backends() {
  mysql_root -e "DROP DATABASE IF EXISTS $db" || true
  redis-cli -h 127.0.0.1 -p 6379 --scan --pattern "$prefix*" | xargs -r -n 500 redis-cli -h 127.0.0.1 -p 6379 del >/dev/null || true
}
trap 'bench_cleanup; drop_backends' EXIT
run_composition "MariaDB + Redis" 18094 \
  EXCHANGE__DATABASE__DRIVER=mysql EXCHANGE__DATABASE__HOST=127.0.0.1 EXCHANGE__DATABASE__PORT=3306 \
  EXCHANGE__DATABASE__USERNAME=root EXCHANGE__DATABASE__PASSWORD= EXCHANGE__DATABASE__DATABASE="$db" \
  EXCHANGE__REDIS__HOST=127.0.0.1 EXCHANGE__REDIS__PORT=6379 EXCHANGE__REDIS__KEY_PREFIX="$prefix"
