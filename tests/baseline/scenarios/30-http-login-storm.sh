#!/usr/bin/env bash
# GET /ping p99 while a login storm keeps the password hasher busy (production argon2id: m=19456 KiB, t=2,
# p=1; the hasher's bounded pool as configured by default), against /ping p99 alone, on the embedded default.
# Each round measures /ping alone, then /ping with `wrk -c32` posting valid logins beside it (both load
# generators on the load CPU). Target (issue 14, item 7): p99 during the storm <= 2x p99 alone.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

dir=$(bench_workdir login-storm)
port=18097
password=correct-horse-battery-staple
bench_exchange "$dir" "$port"
token=$(bench_login "$port" storm_user "$password")
[ -n "$token" ] || { echo "bench: login failed" >&2; exit 1; }
cat >"$dir/login.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"username":"storm_user","password":"$password"}'
LUA
ping="http://127.0.0.1:$port/ping"
bench_wrk -d3s "$ping" >/dev/null

alone_rps=() alone_50=() alone_99=() storm_rps=() storm_50=() storm_99=() logins=() ratios=()
for round in $(seq 1 "$BENCH_ROUNDS"); do
  read -r r l50 l99 _ < <(bench_wrk "$ping")
  alone_rps+=("$r"); alone_50+=("$l50"); alone_99+=("$l99"); a99=$l99
  bench_pin_load wrk -t1 -c32 -d"$(( ${BENCH_DURATION%s} + 2 ))s" -s "$dir/login.lua" "http://127.0.0.1:$port/api/v1/auth/login" \
    >"$dir/storm.txt" &
  storm=$!
  sleep 1
  read -r r l50 l99 _ < <(bench_wrk "$ping")
  wait "$storm"
  storm_rps+=("$r"); storm_50+=("$l50"); storm_99+=("$l99")
  logins+=("$(awk '/Requests\/sec/ {print $2}' "$dir/storm.txt")")
  ratios+=("$(bench_div "$l99" "$a99")")
  bench_log "storm round $round: /ping p99 alone $a99 ms, during the storm $l99 ms, ${logins[-1]} logins/s"
done
bench_row "login storm" "GET /ping alone" "$(bench_median "${alone_rps[@]}")" "$(bench_median "${alone_50[@]}")" \
  "$(bench_median "${alone_99[@]}")"
bench_row "login storm" "GET /ping during the storm" "$(bench_median "${storm_rps[@]}")" \
  "$(bench_median "${storm_50[@]}")" "$(bench_median "${storm_99[@]}")"
bench_row "login storm" "POST /auth/login (c=32), logins/s" "$(bench_median "${logins[@]}")" "" ""
bench_ratio "login storm" "/ping p99 storm / alone" "$(bench_median "${ratios[@]}")" "<=" 2
