#!/usr/bin/env bash
# Builds the release site and prints the sizes of what a phone downloads on first load:
# wasm, js (with the split build's loader) and css, raw and brotli-compressed (the budget is
# 150 KB brotli in total), then the pieces only the staff area fetches.
set -euo pipefail
cd "$(dirname "$0")/.."

# With the `dev` feature: the benchmark signs in through the simulated host app.
cargo leptos build --release --split --precompress --bin-features dev >/dev/null
scripts/photo-codec.sh >/dev/null
pkg=target/site/pkg
printf '%-12s %12s %12s\n' file raw brotli
total_raw=0
total_br=0
for file in "$pkg/ruxue.wasm" "$pkg/ruxue.js" "$pkg"/__wasm_split.*.js "$pkg/ruxue.css"; do
  raw=$(stat -c %s "$file")
  br=$(brotli -c -q 11 "$file" | wc -c)
  total_raw=$((total_raw + raw))
  total_br=$((total_br + br))
  printf '%-12s %10d B %10d B\n' "$(basename "$file")" "$raw" "$br"
done
printf '%-12s %10d B %10d B   (%d KB brotli; budget 150 KB)\n' total "$total_raw" "$total_br" $((total_br / 1024))
pieces=0
pieces_br=0
for file in "$pkg"/split_*.wasm "$pkg"/chunk_*.wasm; do
  [ -f "$file" ] || continue
  pieces=$((pieces + 1))
  pieces_br=$((pieces_br + $(brotli -c -q 11 "$file" | wc -c)))
done
printf 'staff area: %d pieces, %d B brotli in all, each fetched only by the pages that need it\n' "$pieces" "$pieces_br"

# Against the release build: compressing a 12 MP photo on the phone, and Lighthouse's
# mobile scores for the pages a parent uses (performance, accessibility, best practices).
echo
target="${CARGO_TARGET_DIR:-target}"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
status=0
(cd end2end && RUXUE_SERVER_BIN="$target/release/server" playwright test --config bench.config.ts) >"$out" 2>&1 || status=$?
grep -v '^\s*$' "$out" | sed -n '/photo compression/,/  end$/p'
echo
grep -v '^\s*$' "$out" | sed -n '/lighthouse (mobile/,/  lowest/p'
if [ "$status" -ne 0 ]; then
  cat "$out"
  exit "$status"
fi
