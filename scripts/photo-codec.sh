#!/usr/bin/env bash
# Builds the site's separate wasm modules, each fetched only by the pages that need it:
# the parent pages' islands (frontend/islands, the pages that hydrate as islands:
# app/src/hydration), the photo fallback (frontend/photo-codec, when the browser cannot
# decode a photo itself) and the draw checker (frontend/draw, when a visitor checks a draw
# on its public page). Run after `cargo leptos build`, which empties the site's folder.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"

# module crate, its wasm file's stem, cargo profile, wasm-opt's options, [its files' name]:
# into pkg/<crate>/
module() {
  local crate=$1 stem=$2 profile=$3 optimise=$4 name=${5:-$2}
  local out=target/site/pkg/$crate
  cargo build -p "$crate" --lib --target wasm32-unknown-unknown --profile "$profile"
  rm -rf "$out"
  mkdir -p "$out"
  wasm-bindgen --target web --no-typescript --out-dir "$out" --out-name "$name" \
    "$target/wasm32-unknown-unknown/$profile/$stem.wasm"
  if command -v wasm-opt >/dev/null 2>&1; then
    # shellcheck disable=SC2086 # the options are words
    wasm-opt $optimise --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
      --enable-mutable-globals --enable-reference-types \
      -o "$out/${name}_bg.wasm" "$out/${name}_bg.wasm"
  fi
}

# Fast, not small; each fetched only by the page that needs it.
module photo-codec photo_codec photo-codec -O3
module draw draw photo-codec -O3

# The parent pages' islands: small before fast, in their own folder (their wasm-bindgen
# snippets would overwrite the main bundle's), in the site's content version, compressed as
# the build's files are.
name="${LEPTOS_OUTPUT_NAME:-ruxue}"
module islands islands wasm-release "-Oz --strip-debug --strip-producers" "$name"
for file in target/site/pkg/islands/{"$name.js","${name}_bg.wasm"}; do
  brotli -f -q 11 -o "$file.br" "$file"
  gzip -f -k -9 "$file"
done
