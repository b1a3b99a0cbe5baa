# Thin wrappers over cargo, with the Go platform's target names. `make help` lists them.
CARGO ?= cargo
BIN   := exchange
NEXTEST := $(shell cargo nextest --version >/dev/null 2>&1 && echo yes)

.DEFAULT_GOAL := help
.PHONY: build run test test-coverage clean deps fmt lint dev prod-build setup screenshots bench help

build: ## Build every crate (debug)
	$(CARGO) build --workspace --locked

run: ## Run the platform on the embedded default (SQLite + in-memory adapters, no server needed)
	$(CARGO) run --locked -p bootstrap --bin $(BIN) -- serve

test: export MONGODB_URI ?= mongodb://127.0.0.1:27017/?directConnection=true
test: ## Start MariaDB/Redis/MongoDB-compatible servers if absent, then run every test
	./.ci/services
	# The end-to-end tests run the real binary; test builds do not (re)build it, so build it first.
	$(CARGO) build --locked -p bootstrap --bin exchange
ifeq ($(NEXTEST),yes)
	$(CARGO) nextest run --workspace --locked --no-fail-fast
else
	$(CARGO) test --workspace --locked --no-fail-fast
endif

test-coverage: export MONGODB_URI ?= mongodb://127.0.0.1:27017/?directConnection=true
test-coverage: ## Line coverage report (needs cargo-llvm-cov: cargo install cargo-llvm-cov)
	./.ci/services
	$(CARGO) llvm-cov --workspace --locked --html --output-dir target/coverage
	@echo "report: target/coverage/html/index.html"

clean: ## Remove build output, local data and logs
	$(CARGO) clean
	rm -rf data logs

deps: ## Fetch every dependency (offline builds afterwards)
	$(CARGO) fetch --locked

fmt: ## Format the code
	$(CARGO) fmt --all

lint: ## Formatting check and clippy with warnings as errors
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

dev: ## Run against local MariaDB and Redis (configs/development.json)
	$(CARGO) run --locked -p bootstrap --bin $(BIN) -- --config development serve

prod-build: ## Optimized binary at target/release/exchange
	$(CARGO) build --release --locked -p bootstrap --bin $(BIN)

setup: ## Install and start the local servers the tests and `make dev` use
	./.ci/services

screenshots: ## Re-take the admin console's screenshots (target/screenshots/) and refresh docs/screenshots/ from them
	./.ci/services
	$(CARGO) build --locked -p bootstrap --bin exchange
	EXCHANGE_REFRESH_SCREENSHOTS=1 $(CARGO) test --locked -p e2e -- admin_console

bench: ## Release builds + every load scenario of tests/baseline/scenarios against the baselines (pinned, minutes; never part of test)
	./tests/baseline/bench.sh

help: ## List the targets
	@grep -E '^[a-z-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-14s %s\n", $$1, $$2}'
