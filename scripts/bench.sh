#!/usr/bin/env bash
# Builds the release site and prints the sizes of what a phone downloads on first load: the
# shell's wasm, js (with the split build's loader) and css, raw and brotli-compressed, then
# each page's first load, the shell with the page's own pieces, and for the pages that
# hydrate as islands (app/src/hydration) each one's islands bundle with the css (the budget is
# 150 KB brotli for every parent page).
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
printf '%-12s %10d B %10d B   (%d KB brotli: the shell every page loads)\n' total "$total_raw" "$total_br" $((total_br / 1024))
css_br=$(brotli -c -q 11 "$pkg/ruxue.css" | wc -c)
for bundle in "$pkg"/islands/*/; do
  islands_br=$css_br
  for file in "$bundle/ruxue.js" "$bundle/ruxue_bg.wasm"; do
    islands_br=$((islands_br + $(brotli -c -q 11 "$file" | wc -c)))
  done
  printf 'islands page %-18s %d B = %d KB brotli (its islands bundle and css)\n' \
    "$(basename "$bundle"):" "$islands_br" $((islands_br / 1024))
done
# A lazy route's code is a piece of the split build (`app/src/pages/lazy.rs`): its page's
# first load is the shell above and the pieces the manifest names for it; the other pages'
# code is in the shell.
python3 - "$pkg" "$total_br" <<'PIECES'
import json, subprocess, sys
from pathlib import Path

pkg = Path(sys.argv[1])
sizes = {}
def brotli(name):
    if name not in sizes:
        data = (pkg / name).read_bytes()
        sizes[name] = len(subprocess.run(["brotli", "-c", "-q", "11"], input=data, capture_output=True, check=True).stdout)
    return sizes[name]

shell = int(sys.argv[2])  # the total printed above
manifest = json.loads((pkg / "__wasm_split_manifest.json").read_text())
# The pages that hydrate as islands are printed above.
parent = ["home", "my_identity", "my_registrations", "new_registration", "registration",
          "documents", "materials", "draw", "confirm", "submitted", "sign_in_problem"]
rows = []
for key, files in manifest.items():
    route = key.strip("_").rsplit("_route_view_", 1)[0]
    own = sum(brotli(f + ".wasm") for f in files)
    rows.append((route in parent, route, len(files), own))
in_shell = sorted(set(parent) - {route for _, route, _, _ in rows})
for is_parent, title in [(True, "parent pages"), (False, "staff pages")]:
    print(f"first load of each of the {title} (shell {shell} B + the page's pieces, brotli):")
    for _, route, count, own in sorted(r for r in rows if r[0] == is_parent):
        print(f"  {route:<20} {shell + own:>9} B = {(shell + own) // 1024} KB  ({count} pieces, {own} B)")
    if is_parent and in_shell:
        print(f"  in the shell itself ({shell} B = {shell // 1024} KB): {', '.join(in_shell)}")
largest = max((shell + own for is_parent, _, _, own in rows if is_parent), default=shell)
print(f"largest parent page: {largest // 1024} KB brotli (budget 150 KB)")
PIECES
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
