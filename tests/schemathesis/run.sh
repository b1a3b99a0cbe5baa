#!/usr/bin/env bash
# Fuzzes the public API with schemathesis (a client nobody here wrote) against the real binary.
#
# Starts `target/debug/exchange serve --with-cron` on the test config in a fresh directory, creates a super
# admin with `exchange init-admin`, and runs every operation of the main API's /openapi.json, then of the
# cron page's, through schemathesis: examples, coverage, fuzzing and stateful phases, every check, the
# admin's token on protected operations (the hooks file logs in again whenever the fuzzer ended the
# session). Bounded: --max-examples per operation and --max-time per document. Exits non-zero on any
# failure (a 500, a response off the spec).
#
# Variables: EXCHANGE_BIN (default target/debug/exchange), SCHEMATHESIS_VENV (default .venv-schemathesis),
# SCHEMATHESIS_MAX_EXAMPLES (default 30), SCHEMATHESIS_MAX_TIME (seconds for the main API, default 240),
# SCHEMATHESIS_CRON_MAX_TIME (seconds for the cron API, default 60),
# SCHEMATHESIS_SEED (default random; printed so a failure can be replayed).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
here="$root/tests/schemathesis"
cd "$root"

bin=${EXCHANGE_BIN:-$root/target/debug/exchange}
venv=${SCHEMATHESIS_VENV:-$root/.venv-schemathesis}
max_examples=${SCHEMATHESIS_MAX_EXAMPLES:-30}
max_time=${SCHEMATHESIS_MAX_TIME:-240}
cron_max_time=${SCHEMATHESIS_CRON_MAX_TIME:-60}
seed=${SCHEMATHESIS_SEED:-$(( (RANDOM << 15) | RANDOM ))}
out="$root/.schemathesis"
log() { printf '[schemathesis] %s\n' "$*"; }

[ -x "$bin" ] || { log "$bin is missing: cargo build -p bootstrap --bin exchange"; exit 1; }

# --- the fuzzer, pinned, in its own venv --------------------------------------------------------------
if ! "$venv/bin/python" - "$here/requirements.txt" <<'PY' >/dev/null 2>&1
import sys, importlib.metadata as md
for line in open(sys.argv[1]):
    line = line.split("#")[0].strip()
    if line:
        name, version = line.split("==")
        assert md.version(name) == version
PY
then
  log "installing $(grep -v '^#' "$here/requirements.txt" | xargs) into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q -r "$here/requirements.txt"
fi

# --- the server, in a world of its own -------------------------------------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/exchange-schemathesis.XXXXXX")
free_port() { "$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port)
cron_port=$(free_port)
export EXCHANGE_CONFIG_DIR="$root/configs" EXCHANGE_ENV=test EXCHANGE__SERVER__PORT="$port"
export EXCHANGE__CRON__WEB_PORT="$cron_port"
# The fuzzer may PATCH the settings (e.g. a rate limit of 1/min): limits would then answer 429 to
# everything after and hide the rest of the API from it. Limits have their own tests.
export EXCHANGE__RATE_LIMIT__ENABLED=false
export EXCHANGE__LOG__LEVEL=info
export SCHEMATHESIS_ADMIN_USER=fuzz_admin SCHEMATHESIS_ADMIN_PASSWORD="schemathesis-Fuzz-$seed-Pw!"
export SCHEMATHESIS_BASE="http://127.0.0.1:$port"
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

(cd "$work" && "$bin" init-admin --username "$SCHEMATHESIS_ADMIN_USER" --email fuzz_admin@example.com \
  --password "$SCHEMATHESIS_ADMIN_PASSWORD") >/dev/null
(cd "$work" && exec "$bin" serve --with-cron >"$work/server.log" 2>&1) &
server=$!
for url in "$SCHEMATHESIS_BASE/ping" "http://127.0.0.1:$cron_port/ping"; do
  for _ in $(seq 1 240); do
    if "$venv/bin/python" -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=1)" \
      "$url" >/dev/null 2>&1; then break; fi
    kill -0 "$server" 2>/dev/null || { log "the server exited"; cat "$work/server.log"; exit 1; }
    sleep 0.25
  done
done

# --- the run -------------------------------------------------------------------------------------------
rm -rf "$out" && mkdir -p "$out"
status=0
fuzz() { # what, spec URL, seconds
  log "$1: seed $seed, at most $max_examples examples per operation, at most ${3}s"
  SCHEMATHESIS_HOOKS=hooks PYTHONPATH="$here" "$venv/bin/schemathesis" run "$2" \
    --checks all --phases examples,coverage,fuzzing,stateful --max-examples "$max_examples" \
    --max-time "$3" --seed "$seed" --workers 1 --report junit,ndjson --report-dir "$out/$1" \
    || status=$?
}
fuzz main "$SCHEMATHESIS_BASE/openapi.json" "$max_time"
fuzz cron "http://127.0.0.1:$cron_port/openapi.json" "$cron_max_time"
if grep -q '"status":500\|panicked' "$work/server.log"; then
  log "the server logged a 500 or a panic:"; grep '"status":500\|panicked' "$work/server.log" | head -20
  status=1
fi
cp "$work/server.log" "$out/server.log"
exit "$status"
