# Ruxue: `make run` serves the platform on SQLite with demo data; `make test` runs every test.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

# One target directory outside the clone, shared by every build and kept between runs.
export CARGO_TARGET_DIR ?= $(HOME)/.cache/ruxue/target
# cargo-leptos compiles with these; the tests and clippy use the same so nothing builds twice.
export LEPTOS_OUTPUT_NAME := ruxue
HOST_RUSTFLAGS := --cfg erase_components
# binaryen's wasm-opt from npm (Debian's miscompiles) and Playwright come first on PATH.
export PATH := $(CURDIR)/end2end/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

RUXUE_ADDR ?= 127.0.0.1:3000
RUXUE_DATABASE_URL ?= sqlite://data/ruxue.db?mode=rwc

.PHONY: help setup build run test lint unit e2e test-postgres test-cluster cluster bench bench-load fmt fuzz release check-release

help:
	@echo "make run             serve the platform at http://$(RUXUE_ADDR) on SQLite with demo data"
	@echo "make test            formatting, clippy, unit, property, integration and browser tests"
	@echo "make test-postgres   the integration suite against PostgreSQL at 127.0.0.1:5432"
	@echo "make cluster         three app servers on PostgreSQL behind nginx at http://127.0.0.1:3000, photos in"
	@echo "                     an S3 server (installs nginx and s3s-fs when missing); Ctrl-C stops it all"
	@echo "make test-cluster    the same on throw-away databases, tested through nginx (races, failover,"
	@echo "                     a rolling restart, SMS and publication once)"
	@echo "make bench           release bundle sizes (raw and brotli), photo compression timings"
	@echo "make bench-load      opening morning against the release server: registrations/hour, autosaves/s"
	@echo "                     and p99 against the disk's commit rate, SSR pages/s, photos/s, memory, first-load"
	@echo "                     bytes (SQLite; PostgreSQL too with RUXUE_TEST_POSTGRES_URL set)"
	@echo "make fuzz            fuzz ID numbers, typed fields and the photo fallback (nightly)"
	@echo "make release         the deployment build (no development code) in target/site and $(CARGO_TARGET_DIR)/release/server"
	@echo "make check-release   build the deployment server and check it holds no development key, route or demo data"

setup:
	@scripts/setup.sh

# Development code (the simulated host app and its key, the demo registry, the demo data) is
# the `dev` feature: on for local runs and every test, never in `make release`. The tests turn
# it on themselves (server's dev-dependency on itself), so every cargo test shares one build.
build: setup
	cargo leptos build --split --bin-features dev
	scripts/photo-codec.sh

run: build
	@echo
	@echo "  Ruxue is starting at http://$(RUXUE_ADDR)"
	@echo "  Database: $(RUXUE_DATABASE_URL) (demo data is loaded when it is empty)"
	@echo "  Parents: open http://$(RUXUE_ADDR)/dev/host-app (the simulated host app) and pick a demo identity"
	@echo "           (father and mother of the same twins, a migrant-worker family, an unverified person)."
	@echo "  Staff:   http://$(RUXUE_ADDR)/staff/sign-in, password ruxue-demo-2026 for each of"
	@echo "           admin (bureau administrator), reviewer.sn1 and reviewer.sn2 (school reviewers),"
	@echo "           point.sn (registration-point staff)."
	@echo
	@# ID numbers and answers are stored encrypted: a local key, made once and kept in data/.
	@mkdir -p data && [ -s data/dev-data-key ] || $(CARGO_TARGET_DIR)/debug/server data-key > data/dev-data-key
	RUXUE_DATA_KEY=$${RUXUE_DATA_KEY:-@data/dev-data-key} \
	RUXUE_ADDR=$(RUXUE_ADDR) RUXUE_DATABASE_URL='$(RUXUE_DATABASE_URL)' RUXUE_DEMO_DATA=$${RUXUE_DEMO_DATA:-true} RUXUE_DEMO_DRAW=$${RUXUE_DEMO_DRAW:-true} \
	  RUXUE_DEV_HOST_APP=$${RUXUE_DEV_HOST_APP:-true} RUXUE_REGISTRY_DEMO=$${RUXUE_REGISTRY_DEMO:-true} \
	  LEPTOS_SITE_ROOT=target/site $(CARGO_TARGET_DIR)/debug/server serve

fmt:
	cargo fmt --all

lint: setup
	cargo fmt --all -- --check
	RUSTFLAGS="$(HOST_RUSTFLAGS)" cargo clippy -p app -p server -p migrations -p photo-codec -p draw --all-targets -- -D warnings
	@# The deployment build, without `dev` (the test targets would turn it on): ~25 s warm.
	RUSTFLAGS="$(HOST_RUSTFLAGS)" cargo clippy -p app -p server -p migrations -p photo-codec -p draw -- -D warnings
	RUSTFLAGS="$(HOST_RUSTFLAGS)" cargo clippy -p frontend -p photo-codec -p draw --target wasm32-unknown-unknown -- -D warnings
	@# The parent pages' islands on their own: `app` without its router.
	RUSTFLAGS="$(HOST_RUSTFLAGS)" cargo clippy -p islands --target wasm32-unknown-unknown -- -D warnings

unit: setup
	RUSTFLAGS="$(HOST_RUSTFLAGS)" cargo test -p app -p server -p migrations -p photo-codec -p draw

e2e: build
	cd end2end && playwright test

test: lint unit e2e
	@echo "make test: everything passed"

test-postgres: setup
	RUSTFLAGS="$(HOST_RUSTFLAGS)" scripts/test-postgres.sh

# Stateless app servers behind a load balancer, on PostgreSQL and S3 (docs/deploy.md).
cluster: build
	scripts/cluster.sh run

test-cluster: build
	RUSTFLAGS="$(HOST_RUSTFLAGS)" scripts/test-cluster.sh

bench: setup
	scripts/bench.sh

bench-load: setup
	scripts/bench-load.sh

# What a city deploys: the release site and server, without the `dev` feature (cargo-leptos'
# bin-features are empty; only `make build` and `make bench` ask for `dev`).
release: setup
	cargo leptos build --release --split --precompress
	scripts/photo-codec.sh

# The deployment server holds no development key, route or demo data, and refuses the
# development settings (CI runs it after the tests: about 9 minutes, the release build of app).
check-release: setup
	scripts/check-release.sh

# Each fuzz target for FUZZ_SECONDS (default 60) with nightly Rust and cargo-fuzz (not part of
# `make test`).
FUZZ_SECONDS ?= 60
fuzz:
	@command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
	cd fuzz && for target in resident_id typed_fields photo_codec; do \
	  env -u CARGO_TARGET_DIR cargo +nightly fuzz run $$target -- -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 || exit 1; \
	done
