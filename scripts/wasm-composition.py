#!/usr/bin/env python3
"""Which crates a wasm module's code comes from (docs/first-load.md).

Usage: scripts/wasm-composition.py FILE.wasm [CRATES [LARGEST]]
Prints the bytes of function bodies per crate (the first path segment of the demangled
name in the wasm's name section; `T` is `<T as Trait>` code), the CRATES largest (40), and
with LARGEST the largest functions. Needs a wasm with its name section, such as
target/front/wasm32-unknown-unknown/wasm-release/frontend_split.wasm (the main module of a
split build before wasm-bindgen and wasm-opt).
"""
import collections
import re
import sys

from wasm_module import Module

module = Module(open(sys.argv[1], 'rb').read())
by = collections.Counter(); total = 0; top = []
for n, (entry, _body, end) in enumerate(module.bodies):
    sz = end - entry
    name = module.function_name(n) or '?'
    s = name.lstrip('<&* ')
    s = re.sub(r'^(dyn |mut |impl )', '', s)
    crate = re.split(r'::|<| ', s)[0] or '?'
    by[crate] += sz; total += sz; top.append((sz, name))
print('code bytes', total, 'functions', len(module.bodies), 'file', module.size)
for c, sz in by.most_common(int(sys.argv[2]) if len(sys.argv) > 2 else 40):
    print(f'{sz:9d} {100*sz/total:5.1f}% {c}')
if len(sys.argv) > 3:
    for sz, name in sorted(top, reverse=True)[:int(sys.argv[3])]:
        print(sz, name[:200])
