#!/usr/bin/env bash
# Ruxue as a city runs it, on one machine: three app servers on PostgreSQL behind nginx, with
# photos in an S3-compatible server (s3s-fs). `make cluster` runs it in the foreground;
# `make test-cluster` starts it on throw-away databases and buckets and tests through nginx.
#
#   scripts/cluster.sh run                 start everything, print where it is, Ctrl-C stops it
#   scripts/cluster.sh start               start everything in the background, then return
#   scripts/cluster.sh stop                stop everything `start` started
#   scripts/cluster.sh restart N           SIGTERM app server N (1-3), wait, start it again
#   scripts/cluster.sh kill N              SIGKILL app server N
#   scripts/cluster.sh revive N            start app server N again (after `kill`)
#
# Settings (environment): RUXUE_CLUSTER_DIR (state: logs, pids, keys; default data/cluster),
# RUXUE_CLUSTER_PORT (nginx, 3000), RUXUE_CLUSTER_APP_PORT (first app server, 3101; the
# others follow), RUXUE_CLUSTER_S3_PORT (3104), RUXUE_CLUSTER_DATABASE (ruxue_cluster),
# RUXUE_CLUSTER_FRESH=1 (drop the database and the bucket first), RUXUE_POSTGRES_URL
# (postgres://postgres@127.0.0.1:5432, the server the database lives on), and any RUXUE_*
# setting, passed on to every app server (RUXUE_SMS_URL, for instance).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

target=${CARGO_TARGET_DIR:-$HOME/.cache/ruxue/target}
server_bin=${RUXUE_SERVER_BIN:-$target/debug/server}
dir=${RUXUE_CLUSTER_DIR:-$root/data/cluster}
port=${RUXUE_CLUSTER_PORT:-3000}
app_port=${RUXUE_CLUSTER_APP_PORT:-3101}
s3_port=${RUXUE_CLUSTER_S3_PORT:-3104}
database=${RUXUE_CLUSTER_DATABASE:-ruxue_cluster}
postgres=${RUXUE_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}
instances=3
s3_access_key=ruxue-cluster
s3_secret_key=ruxue-cluster-secret-key

say() { printf '  %s\n' "$*"; }

# --- what a fresh machine lacks ---------------------------------------------------------------
install_missing() {
  if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
    say "installing nginx (Debian's package)"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq nginx-light >/dev/null
  fi
  if ! command -v s3s-fs >/dev/null 2>&1; then
    # s3s-fs 0.14.1: the newest that builds with this machine's Rust (0.17 wants 1.96).
    say "installing s3s-fs (an S3 server on a folder, from crates.io; ~3 min)"
    cargo install --quiet --locked s3s-fs --version 0.14.1 --features binary
  fi
  if [ ! -x "$server_bin" ]; then
    echo "cluster: $server_bin is missing: run \`make build\` first" >&2
    exit 1
  fi
}

nginx_bin() { command -v nginx 2>/dev/null || echo /usr/sbin/nginx; }

# --- state ------------------------------------------------------------------------------------
pidfile() { echo "$dir/pids/$1"; }
running() { [ -s "$(pidfile "$1")" ] && kill -0 "$(cat "$(pidfile "$1")")" 2>/dev/null; }

wait_http() { # url seconds
  local url=$1 seconds=$2 i
  for ((i = 0; i < seconds * 10; i++)); do
    if curl -fsS -o /dev/null --max-time 1 "$url" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "cluster: $url did not answer within ${seconds}s" >&2
  return 1
}

psql_admin() { psql -q -v ON_ERROR_STOP=1 "$postgres/postgres" "$@"; }

prepare() {
  mkdir -p "$dir/pids" "$dir/logs" "$dir/nginx/tmp" "$dir/s3/ruxue"
  if [ "${RUXUE_CLUSTER_FRESH:-0}" = 1 ]; then
    psql_admin -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null
    rm -rf "${dir:?}/s3/ruxue" && mkdir -p "$dir/s3/ruxue"
  fi
  if ! psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = '$database'" | grep -q 1; then
    psql_admin -c "CREATE DATABASE $database" >/dev/null
  fi
  # One data key for all three: what one instance sealed, the others read.
  [ -s "$dir/data-key" ] || "$server_bin" data-key >"$dir/data-key"
  write_nginx_conf
}

write_nginx_conf() {
  local user="" servers="" n
  # Root runs the workers as root too, so that they can write their temporary files here.
  [ "$(id -u)" -ne 0 ] || user="user root;"
  for ((n = 0; n < instances; n++)); do
    servers+="    server 127.0.0.1:$((app_port + n)) max_fails=1 fail_timeout=2s;"$'\n'
  done
  cat >"$dir/nginx/nginx.conf" <<EOF
# Written by scripts/cluster.sh. See docs/deploy.md for a real deployment.
$user
worker_processes 1;
daemon off;
pid $dir/pids/nginx.pid;
error_log $dir/logs/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $dir/nginx/tmp/body;
  proxy_temp_path $dir/nginx/tmp/proxy;
  fastcgi_temp_path $dir/nginx/tmp/fastcgi;
  uwsgi_temp_path $dir/nginx/tmp/uwsgi;
  scgi_temp_path $dir/nginx/tmp/scgi;
  # Photos are at most 5 MB after the phone compresses them; the server refuses more.
  client_max_body_size 8m;
  upstream ruxue {
$servers  }
  server {
    listen 127.0.0.1:$port;
    # Metrics are read from each app server directly, never through the public door.
    location = /metrics { return 404; }
    location / {
      proxy_pass http://ruxue;
      proxy_set_header Host \$http_host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
      # A server that refuses the connection, or resets it unread, is skipped and the
      # request goes to the next one, POSTs too (non_idempotent): nginx without the
      # commercial edition's health checks learns of a stop only so, and a stopping server's
      # listener resets the connections still in its queue, which never reached the app.
      # Safe for Ruxue: every write carries the version it was based on or a unique key, so
      # one sent twice (a server killed after its commit, before its answer) is refused or
      # merged, never applied twice. See docs/deploy.md.
      proxy_next_upstream error timeout non_idempotent;
      proxy_next_upstream_tries 3;
      proxy_connect_timeout 2s;
      # Longer than RUXUE_REQUEST_TIMEOUT_SECS (30): the app answers first, so a slow
      # request is never sent to a second server.
      proxy_read_timeout 60s;
      # Which app server answered (for the cluster test; leave it out in production).
      add_header X-Ruxue-Upstream \$upstream_addr always;
    }
  }
}
EOF
}

# --- the processes ----------------------------------------------------------------------------
start_s3() {
  running s3 && return 0
  s3s-fs --host 127.0.0.1 --port "$s3_port" --access-key "$s3_access_key" \
    --secret-key "$s3_secret_key" "$dir/s3" >"$dir/logs/s3.log" 2>&1 &
  echo $! >"$(pidfile s3)"
  # Any answer (even "access denied") means it listens.
  local i
  for ((i = 0; i < 100; i++)); do
    curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$s3_port/" && return 0
    sleep 0.1
  done
  echo "cluster: s3s-fs did not start (see $dir/logs/s3.log)" >&2
  return 1
}

start_app() { # n (1-3)
  local n=$1 addr
  addr=127.0.0.1:$((app_port + n - 1))
  running "app$n" && return 0
  # Every RUXUE_* setting of this shell goes through; these are the cluster's own.
  env RUXUE_ADDR="$addr" \
    RUXUE_DATABASE_URL="$postgres/$database" \
    RUXUE_DATABASE_MAX_CONNECTIONS="${RUXUE_DATABASE_MAX_CONNECTIONS:-10}" \
    RUXUE_DATA_KEY="@$dir/data-key" \
    RUXUE_STORAGE=s3 \
    RUXUE_STORAGE_OPTIONS="bucket=ruxue,endpoint=http://127.0.0.1:$s3_port,region=us-east-1,disable_config_load=true" \
    RUXUE_STORAGE_SECRET_OPTIONS="access_key_id=$s3_access_key,secret_access_key=$s3_secret_key" \
    RUXUE_TRUSTED_PROXIES=127.0.0.1 \
    RUXUE_DRAIN_SECS="${RUXUE_DRAIN_SECS:-2}" \
    RUXUE_DEMO_DATA="${RUXUE_DEMO_DATA:-true}" \
    RUXUE_DEMO_DRAW="${RUXUE_DEMO_DRAW:-true}" \
    RUXUE_DEV_HOST_APP="${RUXUE_DEV_HOST_APP:-true}" \
    RUXUE_REGISTRY_DEMO="${RUXUE_REGISTRY_DEMO:-true}" \
    LEPTOS_SITE_ROOT="$root/target/site" LEPTOS_OUTPUT_NAME=ruxue \
    "$server_bin" serve >>"$dir/logs/app$n.log" 2>&1 &
  echo $! >"$(pidfile "app$n")"
}

wait_app() { wait_http "http://127.0.0.1:$((app_port + $1 - 1))/readyz" 120; }

start_nginx() {
  running nginx && return 0
  "$(nginx_bin)" -p "$dir/nginx" -c "$dir/nginx/nginx.conf" -e "$dir/logs/nginx-error.log" \
    >>"$dir/logs/nginx.log" 2>&1 &
  echo $! >"$(pidfile nginx)"
  wait_http "http://127.0.0.1:$port/healthz" 20
}

stop_one() { # name signal
  local name=$1 signal=${2:-TERM} pid i
  [ -s "$(pidfile "$name")" ] || return 0
  pid=$(cat "$(pidfile "$name")")
  if kill -0 "$pid" 2>/dev/null; then
    kill "-$signal" "$pid" 2>/dev/null || true
    for ((i = 0; i < 300; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$(pidfile "$name")"
}

start_all() {
  install_missing
  prepare
  start_s3
  # All three at once: they take turns to migrate and load the demo data (an advisory lock).
  local n
  for ((n = 1; n <= instances; n++)); do start_app "$n"; done
  for ((n = 1; n <= instances; n++)); do wait_app "$n"; done
  start_nginx
}

stop_all() {
  stop_one nginx QUIT
  local n
  for ((n = 1; n <= instances; n++)); do stop_one "app$n" INT; done
  stop_one s3
}

print_where() {
  echo
  say "Ruxue cluster is running: http://127.0.0.1:$port (nginx)"
  say "App servers: http://127.0.0.1:$app_port .. $((app_port + instances - 1))  (metrics: /metrics on each)"
  say "PostgreSQL:  $postgres/$database"
  say "Photos:      S3 (s3s-fs) at http://127.0.0.1:$s3_port, bucket ruxue, files in $dir/s3"
  say "Logs:        $dir/logs"
  say "Parents: http://127.0.0.1:$port/dev/host-app   Staff: http://127.0.0.1:$port/staff/sign-in"
  say "Ctrl-C stops everything."
  echo
}

command=${1:-run}
case "$command" in
  run)
    trap 'echo; say "stopping"; stop_all; exit 0' INT TERM
    trap 'stop_all' EXIT
    start_all
    print_where
    # Until Ctrl-C; a crashed app server is said, not hidden.
    while true; do
      for ((n = 1; n <= instances; n++)); do
        running "app$n" || { say "app server $n stopped (see $dir/logs/app$n.log)"; sleep 5; }
      done
      sleep 1
    done
    ;;
  start) start_all ;;
  stop) stop_all ;;
  restart)
    # SIGTERM: the server drains, then closes its listener; nginx sends what it refused
    # (or reset unread) to another one.
    n=${2:?which app server}
    stop_one "app$n" TERM
    start_app "$n"
    wait_app "$n"
    ;;
  kill) stop_one "app${2:?which app server}" KILL ;;
  revive)
    start_app "${2:?which app server}"
    wait_app "$2"
    ;;
  *)
    echo "usage: scripts/cluster.sh [run|start|stop|restart N|kill N|revive N]" >&2
    exit 2
    ;;
esac
