#!/usr/bin/env bash
# Runs the server integration suite against PostgreSQL: every test creates its own
# throw-away database (ruxue_test_*), and all of them are dropped afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

admin_url=${RUXUE_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
export RUXUE_TEST_POSTGRES_URL=$admin_url

drop_test_databases() {
  psql "$admin_url" -qAtc "SELECT datname FROM pg_database WHERE datname LIKE 'ruxue\_test\_%'" |
    while read -r name; do
      psql "$admin_url" -qc "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)" >/dev/null
    done
}
trap drop_test_databases EXIT

psql "$admin_url" -qAtc 'SELECT 1' >/dev/null || {
  echo "test-postgres: PostgreSQL at $admin_url does not answer" >&2
  exit 1
}
cargo test -p server --test api
