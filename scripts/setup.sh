#!/usr/bin/env bash
# Installs what a fresh machine lacks and skips what is already there: Debian's Chromium
# (Playwright never downloads a browser) and a Chinese font, brotli, the wasm32 target and
# the standard library's source, a pinned cargo-leptos, the wasm-bindgen CLI that matches
# Cargo.lock, and the npm packages of end2end/.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_LEPTOS_VERSION=0.3.10
# Building the tools without LTO and at opt-level 1 saves a third of a half-hour build;
# they work the same. They never go into the project's target directory.
fast_install() {
  env -u CARGO_TARGET_DIR -u RUSTFLAGS \
    CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 CARGO_PROFILE_RELEASE_OPT_LEVEL=1 \
    cargo install "$@"
}

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
command -v brotli >/dev/null 2>&1 || missing+=(brotli)
command -v sqlite3 >/dev/null 2>&1 || missing+=(sqlite3)
# A Chinese font, so that Chromium's screenshots of the parent pages show characters, not boxes.
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing+=(fonts-noto-cjk)
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]} from Debian"
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  echo "setup: adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# The standard library's source: the parent pages' islands bundles compile their own, made
# for size (scripts/photo-codec.sh); without it they are built larger.
if ! rustup component list --installed | grep -qx 'rust-src'; then
  echo "setup: adding the rust-src component"
  rustup component add rust-src || echo "setup: rust-src could not be added: the islands bundles will be larger" >&2
fi

if ! cargo leptos --version 2>/dev/null | grep -qx "cargo-leptos $CARGO_LEPTOS_VERSION"; then
  echo "setup: building cargo-leptos $CARGO_LEPTOS_VERSION (about 20 minutes on 2 cores, once)"
  fast_install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked
fi

wasm_bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3 }' Cargo.lock)
if ! wasm-bindgen --version 2>/dev/null | grep -qx "wasm-bindgen $wasm_bindgen_version"; then
  echo "setup: building wasm-bindgen-cli $wasm_bindgen_version"
  fast_install wasm-bindgen-cli --version "$wasm_bindgen_version"
fi

if [ ! -f end2end/node_modules/.package-lock.json ] || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
  echo "setup: installing the npm packages of end2end/ (Playwright, binaryen's wasm-opt)"
  (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
fi
