#!/usr/bin/env bash
# Builds the site's separate wasm modules, each fetched only by the page that needs it:
# the photo fallback (frontend/photo-codec, when the browser cannot decode a photo itself)
# and the draw checker (frontend/draw, when a visitor checks a draw on its public page).
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"

# module crate, its wasm file's stem, cargo profile
module() {
  local crate=$1 stem=$2 profile=$3
  local out=target/site/pkg/$crate
  cargo build -p "$crate" --lib --target wasm32-unknown-unknown --profile "$profile"
  mkdir -p "$out"
  wasm-bindgen --target web --no-typescript --out-dir "$out" \
    "$target/wasm32-unknown-unknown/$profile/$stem.wasm"
  if command -v wasm-opt >/dev/null 2>&1; then
    wasm-opt -O3 --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
      --enable-mutable-globals --enable-reference-types \
      -o "$out/${stem}_bg.wasm" "$out/${stem}_bg.wasm"
  fi
}

module photo-codec photo_codec photo-codec
module draw draw photo-codec
