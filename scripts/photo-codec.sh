#!/usr/bin/env bash
# Builds the photo fallback (frontend/photo-codec) into the site as a separate wasm module,
# fetched by the documents page only when the browser cannot decode a photo itself.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
out=target/site/pkg/photo-codec
cargo build -p photo-codec --lib --target wasm32-unknown-unknown --profile photo-codec
mkdir -p "$out"
wasm-bindgen --target web --no-typescript --out-dir "$out" \
  "$target/wasm32-unknown-unknown/photo-codec/photo_codec.wasm"
if command -v wasm-opt >/dev/null 2>&1; then
  wasm-opt -O3 --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types \
    -o "$out/photo_codec_bg.wasm" "$out/photo_codec_bg.wasm"
fi
