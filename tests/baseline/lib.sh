# Shared helpers of `make bench` (tests/baseline/bench.sh) and its scenarios (tests/baseline/scenarios/*.sh).
# Source it; it never runs anything by itself.
#
# A scenario is a bash script that sources this file, starts its servers with `bench_server` (pinned to
# $BENCH_SERVER_CPU), drives them with `bench_wrk` or its own pinned tool (`bench_pin_load`), and records
# what it measured with `bench_row` (a measurement, the median over rounds) and `bench_ratio` (a ratio
# against a target). The driver prints every scenario's rows as one table at the end.
#
# Environment (the driver sets the first four; defaults let a scenario run alone):
#   BENCH_ROOT        repository root
#   BENCH_OUT         directory of this run's results (results.tsv) and work dirs
#   BENCH_BIN         directory of the release binaries (exchange, hello-poem, gin-baseline)
#   BENCH_EXCHANGE    exchange binary to measure (default $BENCH_BIN/exchange; point it at an older build
#                     to measure "before")
#   BENCH_CONFIG_DIR  the configs/ directory that binary reads (default: this tree's; an older build needs
#                     the configs of its own commit, since unknown keys stop start-up)
#   BENCH_ROUNDS      alternating rounds per comparison (3)
#   BENCH_DURATION    wrk duration of one round (10s)
#   BENCH_CONNECTIONS wrk connections (64); BENCH_THREADS wrk threads (1)
#   BENCH_SERVER_CPU / BENCH_LOAD_CPU  CPUs the servers and the load generators are pinned to (0 / 1)

BENCH_ROOT=${BENCH_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BENCH_OUT=${BENCH_OUT:-$BENCH_ROOT/target/bench/manual}
BENCH_BIN=${BENCH_BIN:-$BENCH_ROOT/target/release}
BENCH_EXCHANGE=${BENCH_EXCHANGE:-$BENCH_BIN/exchange}
BENCH_CONFIG_DIR=${BENCH_CONFIG_DIR:-$BENCH_ROOT/configs}
BENCH_ROUNDS=${BENCH_ROUNDS:-3}
BENCH_DURATION=${BENCH_DURATION:-10s}
BENCH_CONNECTIONS=${BENCH_CONNECTIONS:-64}
BENCH_THREADS=${BENCH_THREADS:-1}
BENCH_SERVER_CPU=${BENCH_SERVER_CPU:-0}
BENCH_LOAD_CPU=${BENCH_LOAD_CPU:-1}
mkdir -p "$BENCH_OUT"

_bench_pids=()
_bench_dirs=()

# Stops every server this scenario started and removes their work dirs (installed as the EXIT trap).
bench_cleanup() {
  local pid
  for pid in "${_bench_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${_bench_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  _bench_pids=()
  if [ -z "${BENCH_KEEP:-}" ]; then
    local dir
    for dir in "${_bench_dirs[@]}"; do rm -rf "$dir"; done
  fi
}
trap bench_cleanup EXIT

# bench_workdir NAME: a fresh directory for one server (its data/ and logs/), printed.
bench_workdir() {
  local dir="$BENCH_OUT/work/$1"
  rm -rf "$dir" && mkdir -p "$dir"
  _bench_dirs+=("$dir")
  echo "$dir"
}

# bench_server DIR CMD...: starts CMD in DIR pinned to the server CPU, stdout and stderr to DIR/stdout.log
# and DIR/stderr.log; the pid is in $BENCH_PID. Environment variables set before the call are inherited.
bench_server() {
  local dir=$1; shift
  (cd "$dir" && exec taskset -c "$BENCH_SERVER_CPU" "$@" >"$dir/stdout.log" 2>"$dir/stderr.log") &
  BENCH_PID=$!
  _bench_pids+=("$BENCH_PID")
}

# bench_stop PID: stops one server (SIGTERM, then waits).
bench_stop() {
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# bench_wait_up URL: waits up to 60 s for URL to answer 2xx.
bench_wait_up() {
  local _
  for _ in $(seq 1 600); do curl -sf -o /dev/null "$1" && return 0; sleep 0.1; done
  echo "bench: $1 did not come up" >&2
  return 1
}

# bench_exchange_env: the environment every exchange server of the benchmark gets on top of the embedded
# default configuration. Logging stays as shipped (JSON lines to the console, app.log and access.log). Rate
# limits stay on, at the highest quotas the configuration accepts, so every request still pays for its
# counters; scenarios that go past one key's quota spread their load over several users and client IPs
# (`X-Forwarded-For`, believed from 127.0.0.1 as behind a load balancer), as real traffic is spread.
bench_exchange_env() {
  echo EXCHANGE_CONFIG_DIR="$BENCH_CONFIG_DIR" \
    EXCHANGE__SERVER__TRUSTED_PROXIES=127.0.0.1 \
    EXCHANGE__RATE_LIMIT__API_PER_MINUTE_IP=1000000 \
    EXCHANGE__RATE_LIMIT__API_PER_MINUTE_USER=1000000 \
    EXCHANGE__RATE_LIMIT__AUTH_PER_MINUTE=100000
}

# bench_exchange DIR PORT [VAR=value...]: starts `exchange serve` on PORT in DIR with the benchmark
# environment plus the given variables, and waits until it answers /ping.
bench_exchange() {
  local dir=$1 port=$2; shift 2
  # shellcheck disable=SC2046
  bench_server "$dir" env $(bench_exchange_env) EXCHANGE__SERVER__PORT="$port" "$@" "$BENCH_EXCHANGE" serve
  bench_wait_up "http://127.0.0.1:$port/ping"
}

# bench_pin_load CMD...: runs a load generator pinned to the load CPU.
bench_pin_load() {
  taskset -c "$BENCH_LOAD_CPU" "$@"
}

# bench_wrk ARGS...: one pinned wrk run (-t$BENCH_THREADS -c$BENCH_CONNECTIONS -d$BENCH_DURATION unless ARGS
# say otherwise); prints "req/s p50_ms p99_ms non2xx".
bench_wrk() {
  local out
  out=$(bench_pin_load wrk --latency -t"$BENCH_THREADS" -c"$BENCH_CONNECTIONS" -d"$BENCH_DURATION" "$@")
  awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /Requests\/sec/ { rps = $2 }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    /Non-2xx/ { bad = $NF }
    END { printf "%s %.3f %.3f %d\n", rps, p50, p99, bad + 0 }
  ' <<<"$out"
}

# bench_median VALUES...: the median (the lower middle one for an even count).
bench_median() {
  printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# bench_div A B: A / B with three decimals (0 when B is 0).
bench_div() {
  awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print 0; else printf "%.3f\n", a / b }'
}

# bench_row SCENARIO WHAT RPS P50_MS P99_MS: records one measurement (medians over the rounds).
bench_row() {
  printf 'row\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$BENCH_OUT/results.tsv"
}

# bench_ratio SCENARIO WHAT VALUE OP TARGET: records a ratio and its target (OP is >= or <=).
bench_ratio() {
  printf 'ratio\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$BENCH_OUT/results.tsv"
}

# bench_note TEXT: a line printed under the table (what a scenario wants the reader to know).
bench_note() {
  printf 'note\t%s\n' "$*" >>"$BENCH_OUT/results.tsv"
}

# bench_login PORT USER PASSWORD: registers USER (ignoring "taken") and prints an access token.
bench_login() {
  local port=$1 user=$2 password=$3
  curl -sf -o /dev/null -XPOST "http://127.0.0.1:$port/api/v1/auth/register" -H 'content-type: application/json' \
    -d "{\"username\":\"$user\",\"email\":\"$user@example.com\",\"password\":\"$password\"}" || true
  curl -sf -XPOST "http://127.0.0.1:$port/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"username\":\"$user\",\"password\":\"$password\"}" | sed 's/.*"access_token":"\([^"]*\)".*/\1/'
}

# bench_users_lua PORT COUNT FILE: registers COUNT users (bench_user_1...), signs each in, and writes a wrk
# script to FILE that sends every request with the next user's token and its own client IP (10.77.0.N in
# X-Forwarded-For), so no user's or IP's quota is reached.
bench_users_lua() {
  local port=$1 count=$2 file=$3 i token
  {
    echo "local auth = {}"
    for i in $(seq 1 "$count"); do
      token=$(bench_login "$port" "bench_user_$i" correct-horse-battery-staple)
      [ -n "$token" ] || { echo "bench: bench_user_$i could not sign in" >&2; return 1; }
      echo "auth[$i] = { \"Bearer $token\", \"10.77.0.$i\" }"
    done
    cat <<LUA
local n = 0
request = function()
  n = n % $count + 1
  return wrk.format("GET", nil, { ["Authorization"] = auth[n][1], ["X-Forwarded-For"] = auth[n][2] })
end
LUA
  } >"$file"
}

# bench_log TEXT: progress on stderr.
bench_log() {
  echo "[bench $(date +%T)] $*" >&2
}
