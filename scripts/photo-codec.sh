#!/usr/bin/env bash
# Builds the site's separate wasm modules, each fetched only by the pages that need it:
# the parent pages' islands (frontend/islands, once for each page that hydrates as islands:
# app/src/hydration), the photo fallback (frontend/photo-codec, when the browser cannot
# decode a photo itself) and the draw checker (frontend/draw, when a visitor checks a draw
# on its public page). Run after `cargo leptos build`, which empties the site's folder.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"

# module crate, its wasm file's stem, cargo profile, wasm-opt's options, [its files' name,
# its folder under pkg/, cargo's further options]: into pkg/<folder>/, cargo run with the
# variables in cargo_env
cargo_env=()
snip=()
drop_classes=""
module() {
  local crate=$1 stem=$2 profile=$3 optimise=$4 name=${5:-$2} folder=${6:-$1}
  local out=target/site/pkg/$folder
  # shellcheck disable=SC2086 # the options are words
  env "${cargo_env[@]}" cargo build -p "$crate" --lib --target wasm32-unknown-unknown --profile "$profile" ${7:-}
  rm -rf "$out"
  mkdir -p "$out"
  wasm-bindgen --target web --no-typescript --out-dir "$out" --out-name "$name" \
    "$target/wasm32-unknown-unknown/$profile/$stem.wasm"
  if ((${#snip[@]})); then
    scripts/wasm-snip.py "$out/${name}_bg.wasm" "$out/${name}_bg.wasm" "${snip[@]}"
    # The names the wasm and its JavaScript call each other by, shortened; the JavaScript
    # classes of the emptied streams dropped with their exports (docs/first-load.md).
    scripts/wasm-names.py "$out/${name}_bg.wasm" "$out/$name.js" "$drop_classes"
  fi
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

# The parent pages' islands, one bundle per page that has them, each holding only its page's
# (app::hydration::IslandBundle): small before fast, in their own folders (their
# wasm-bindgen snippets would overwrite the main bundle's), in the site's content version,
# compressed as the build's files are.
#
# Smaller still with the standard library compiled for them (Cargo's build-std, unstable,
# enabled for these builds only with RUSTC_BOOTSTRAP on the project's pinned compiler):
# size-optimised algorithms, and a panic stops the module where it is instead of
# formatting a message nobody reads (docs/first-load.md: 253.5 -> 232.7 KB brotli for
# the three pages' islands together). Needs the rust-src component (scripts/setup.sh);
# without it the bundles are built as the other modules are.
name="${LEPTOS_OUTPUT_NAME:-ruxue}"
# Components erased to one view type (`--cfg erase_components`, as cargo-leptos builds the
# rest): fewer generic copies of the rendering code, 249.8 -> 232.7 KB brotli (2026-12-04).
islands_rustflags="--cfg erase_components"
islands_options=""
if [ -d "$(rustc --print sysroot)/lib/rustlib/src/rust/library/std" ]; then
  cargo_env=(RUSTC_BOOTSTRAP=1)
  # Neither where a panic was (-Zlocation-detail) nor what `{:?}` prints (-Zfmt-debug: a
  # derived Debug prints nothing) reaches anyone from a bundle whose panics stop the page
  # silently; their texts and formatting code go (section form 160.4 -> 154.9 KB brotli).
  islands_rustflags+=" -Zunstable-options -Cpanic=immediate-abort -Zmerge-functions=disabled"
  islands_rustflags+=" -Zlocation-detail=none -Zfmt-debug=none"
  islands_options="-Zbuild-std=std,panic_abort -Zbuild-std-features=optimize_for_size"
  # Code an islands page never runs, emptied before wasm-opt so that what only it reached
  # goes too (scripts/wasm-snip.py; docs/first-load.md):
  # - every type-erased view keeps a pointer to its asynchronous hydration, which only a
  #   page hydrated whole by `hydrate_lazy` takes (islands hydrate synchronously);
  # - every erased attribute keeps one to its hydration from a `<template>` (`ViewTemplate`,
  #   which no island uses; they hydrate from the server's HTML);
  # - server_fn's browser streams, which only a streaming server function reads (the
  #   pages' server functions answer JSON), and the promises of their exported methods.
  # Only with LLVM's merging of identical functions off (-Zmerge-functions=disabled above,
  # 2.4 KB larger): with it, one body can carry the name of a function on these paths while
  # serving one that is not. Without build-std (no -Z options) nothing is emptied.
  snip=('::hydrate_async(::|$)' '::hydrate_from_template(::|$)' '^wasm_streams::' 'future_to_promise::<.*wasm_streams\[')
  # The JSON reader keeps, for the texts of errors that the pages turn into their own words
  # without reading them ("invalid type: floating point `1.5`, expected a string"), a way
  # to print the value found (with its float printer's tables) and core's float formatting:
  # ~5 KB brotli a bundle. They write nothing there; wasm-snip.py refuses if anything but
  # those texts would print through them (no page prints a fraction: sizes are shown in
  # whole tenths).
  snip+=(--quiet '^<serde_json\[[0-9a-f]+\]::error::JsonUnexpected as core\[[0-9a-f]+\]::fmt::Display>::fmt$' '^<?serde_json\[')
  snip+=(--quiet '^<f64 as core\[[0-9a-f]+\]::fmt::Display>::fmt$' '^<serde_core\[[0-9a-f]+\]::de::WithDecimalPoint as ')
  # wasm_streams' classes, whose methods are emptied above.
  drop_classes='^IntoUnderlying'
else
  echo "photo-codec: no rust-src component: the islands bundles are built without build-std (larger)" >&2
fi
cargo_env+=("RUSTFLAGS=$islands_rustflags")
# One bundle for each of the islands crate's default features (one per page).
bundles=$(sed -n 's/^default = \[\(.*\)\]$/\1/p' frontend/islands/Cargo.toml | tr -d '",')
rm -rf target/site/pkg/islands
# wasm-opt repeated until it finds nothing more (--converge): 0.5 KB brotli less a bundle,
# about 20 s more each.
for bundle in $bundles; do
  module islands islands wasm-release "-Oz --converge --strip-debug --strip-producers" "$name" \
    "islands/$bundle" "--no-default-features --features $bundle $islands_options"
  for file in target/site/pkg/islands/"$bundle"/{"$name.js","${name}_bg.wasm"}; do
    brotli -f -q 11 -o "$file.br" "$file"
    gzip -f -k -9 "$file"
  done
done
