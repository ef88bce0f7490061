#!/usr/bin/env bash
# `make test-cluster`: the cluster of scripts/cluster.sh on a throw-away database and bucket,
# on ports of its own (nginx 3200, app servers 3201-3203, S3 3204), tested through nginx only:
# the integration tests of server/tests/api/cluster.rs, then a phone journey while the app
# servers restart one by one. Everything it started is stopped, and the database dropped.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

dir=$(mktemp -d "${TMPDIR:-/tmp}/ruxue-cluster.XXXXXX")
database="ruxue_cluster_test_$$_$RANDOM"
postgres=${RUXUE_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}
export RUXUE_CLUSTER_DIR=$dir RUXUE_CLUSTER_DATABASE=$database RUXUE_CLUSTER_FRESH=1
export RUXUE_CLUSTER_PORT=3200 RUXUE_CLUSTER_APP_PORT=3201 RUXUE_CLUSTER_S3_PORT=3204
# The tests' SMS provider listens on 3209; workers look often, so that they race.
export RUXUE_SMS_URL=http://127.0.0.1:3209/sms RUXUE_OUTBOX_INTERVAL_MS=200
export RUXUE_DEMO_DRAW=false RUXUE_REGISTRY_DEMO_LATENCY_MS=50

cleanup() {
  local status=$?
  # A restart still under way (the journey failed) ends before everything is stopped.
  if [ -n "${restarts:-}" ]; then
    pkill -P "$restarts" 2>/dev/null || true
    kill "$restarts" 2>/dev/null || true
    wait "$restarts" 2>/dev/null || true
  fi
  "$root/scripts/cluster.sh" stop || true
  if [ "$status" -ne 0 ]; then
    # What the servers said, for whoever reads the failure.
    rm -rf "$root/target/cluster-logs" && mkdir -p "$root/target" && cp -r "$dir/logs" "$root/target/cluster-logs"
    echo "test-cluster: failed; the cluster's logs are in target/cluster-logs:" >&2
    grep -h -E "ERROR|WARN" "$root"/target/cluster-logs/app*.log 2>/dev/null | sed 's/\x1b\[[0-9;]*m//g' | tail -n 20 >&2 || true
  fi
  psql -q "$postgres/postgres" -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
restarts=""
trap cleanup EXIT

scripts/cluster.sh start
export RUXUE_CLUSTER_URL=http://127.0.0.1:$RUXUE_CLUSTER_PORT
export RUXUE_CLUSTER_DATABASE_URL=$postgres/$database

echo "test-cluster: integration tests through nginx"
cargo test -q -p server --test api cluster:: -- --ignored --test-threads=1

echo "test-cluster: a phone journey while the app servers restart one by one"
(
  sleep 4
  for n in 1 2 3; do scripts/cluster.sh restart "$n"; sleep 2; done
) &
restarts=$!
(cd end2end && RUXUE_E2E_BASE_URL=$RUXUE_CLUSTER_URL playwright test --project=phone cluster.spec.ts)
wait "$restarts"
echo "test-cluster: passed"
