#!/usr/bin/env bash
# `make bench-load`: opening morning measured against the release server on this machine.
# Builds the release site (precompressed, with `dev` for the simulated host app) and the
# load generator (server/examples/bench_load.rs), then prints every figure as
# min / median / max of BENCH_RUNS runs (3) on SQLite, and on PostgreSQL too when
# RUXUE_TEST_POSTGRES_URL is set. Takes about 5 minutes per database after the build.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"

cargo leptos build --release --split --precompress --bin-features dev
scripts/photo-codec.sh >/dev/null
cargo build --release -p server --example bench_load
echo
LEPTOS_SITE_ROOT=target/site RUXUE_SERVER_BIN="$target/release/server" \
  "$target/release/examples/bench_load"
