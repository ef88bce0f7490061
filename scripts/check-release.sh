#!/usr/bin/env bash
# The deployment build holds no development code (issue 13). Builds the server exactly as
# `make release` does (release profile, without the `dev` feature), then
#   1. searches the binary for the simulated host app's key pair (every base64 line of both
#      PEM files), its routes, the demo staff password and the demo ID numbers: none may be
#      there. The same search must find every one of them in the development build, when one
#      has been built (`make build`), so that it is known to be able to fail;
#   2. starts it with each development setting: it must refuse, naming the `dev` feature.
# It builds the release server rather than grepping a debug one: that is the file a city
# deploys, and target/debug/server is the development build `make run`, the browser tests and
# the integration tests run, which a build without `dev` would replace under them.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
release="$target/release/server"
development="$target/debug/server"

started=$(date +%s)
cargo leptos build --release --server-only
echo "check-release: built $release in $(($(date +%s) - started)) s"

needles=$(mktemp)
trap 'rm -f "$needles"' EXIT
grep -hv -- '-----' app/src/server/infra/auth/dev-key/*.pem >"$needles"
printf '%s\n' /dev/host-app /dev/registry ruxue-demo-2026 >>"$needles"
grep -hoE '"[0-9]{17}[0-9X]"' app/src/server/demo.rs app/src/server/infra/registry/demo.rs |
  tr -d '"' | sort -u >>"$needles"
count=$(wc -l <"$needles")

failed=0
found=$(grep -aoF -f "$needles" "$release" | sort -u || true)
if [ -n "$found" ]; then
  echo "check-release: the deployment server contains development code:" >&2
  sed 's/^/  /' <<<"$found" >&2
  failed=1
fi
if [ -x "$development" ]; then
  in_development=$(grep -aoF -f "$needles" "$development" | sort -u | wc -l)
  if [ "$in_development" -ne "$count" ]; then
    echo "check-release: only $in_development of $count needles are in the development build $development: the search proves nothing" >&2
    failed=1
  fi
fi

for setting in RUXUE_DEV_HOST_APP RUXUE_DEMO_DATA RUXUE_DEMO_DRAW RUXUE_REGISTRY_DEMO; do
  status=0
  output=$(env "$setting=true" RUXUE_ADDR=127.0.0.1:0 RUXUE_DATABASE_URL='sqlite::memory:' \
    timeout 30 "$release" serve 2>&1) || status=$?
  if [ "$status" -ne 2 ] || ! grep -qF "$setting needs a build with the \`dev\` feature" <<<"$output"; then
    echo "check-release: $setting=true was not refused (exit $status): $output" >&2
    failed=1
  fi
done

if [ "$failed" -ne 0 ]; then
  exit 1
fi
echo "check-release: none of $count needles (key lines, routes, demo password and ID numbers) in $release; development settings refused"
