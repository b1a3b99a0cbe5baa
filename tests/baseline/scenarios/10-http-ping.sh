#!/usr/bin/env bash
# GET /ping on exchange (embedded default, logging as shipped: a JSON access line per request to the console,
# logs/app.log and logs/access.log) against the bare poem hello-world and the Gin + gorilla stack, all three
# pinned to the server CPU and up at once; the rounds alternate between them. Targets (issue 14, item 1):
# exchange >= 0.9x hello-poem and >= 1.5x Gin; ratios are taken within each round, then the median.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

poem_dir=$(bench_workdir ping-hello-poem)
gin_dir=$(bench_workdir ping-gin)
ex_dir=$(bench_workdir ping-exchange)
bench_server "$poem_dir" "$BENCH_BIN/hello-poem" 18090
bench_server "$gin_dir" "$BENCH_BIN/gin-baseline" 18092 "$gin_dir/logs"
bench_exchange "$ex_dir" 18091
bench_wait_up http://127.0.0.1:18090/ping
bench_wait_up http://127.0.0.1:18092/ping

names=(hello-poem gin exchange)
ports=(18090 18092 18091)
for port in "${ports[@]}"; do bench_wrk -d3s "http://127.0.0.1:$port/ping" >/dev/null; done

declare -A rps p50 p99
r_poem=() r_gin=()
for round in $(seq 1 "$BENCH_ROUNDS"); do
  for i in 0 1 2; do
    # rotate the order each round so no server always goes first
    j=$(( (i + round - 1) % 3 ))
    read -r r l50 l99 bad < <(bench_wrk "http://127.0.0.1:${ports[$j]}/ping")
    [ "$bad" -eq 0 ] || bench_note "GET /ping on ${names[$j]}: $bad non-2xx answers in round $round"
    rps[${names[$j]}]+="$r "; p50[${names[$j]}]+="$l50 "; p99[${names[$j]}]+="$l99 "
    eval "round_${names[$j]//-/_}=$r"
  done
  bench_log "ping round $round: hello-poem $round_hello_poem, gin $round_gin, exchange $round_exchange req/s"
  r_poem+=("$(bench_div "$round_exchange" "$round_hello_poem")")
  r_gin+=("$(bench_div "$round_exchange" "$round_gin")")
done

for name in "${names[@]}"; do
  # shellcheck disable=SC2086
  bench_row "GET /ping" "$name" "$(bench_median ${rps[$name]})" "$(bench_median ${p50[$name]})" "$(bench_median ${p99[$name]})"
done
bench_ratio "GET /ping" "exchange / hello-poem" "$(bench_median "${r_poem[@]}")" ">=" 0.9
bench_ratio "GET /ping" "exchange / gin" "$(bench_median "${r_gin[@]}")" ">=" 1.5
