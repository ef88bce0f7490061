#!/usr/bin/env python3
"""Empties the functions of a wasm module that a page can never call (docs/first-load.md).

Usage: scripts/wasm-snip.py IN.wasm OUT.wasm PATTERN...
Every function whose name (the module's name section, Rust's legacy mangling read back to
a path) matches one of the regular expressions PATTERN gets the body `unreachable`: if it
were ever called the module would trap there. Run `wasm-opt` afterwards: the code only
those functions reached is then removed. Prints how many functions were emptied and the
bytes of their bodies. Refuses a module without a name section (nothing could match).

Why: an erased view (`tachys`' `AnyView`) keeps a pointer to each of its type's ways of
hydrating, so the linker keeps all of them, even those an islands page never takes.
"""
import re
import sys

from wasm_module import Module, put_leb, section


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    source, target, patterns = sys.argv[1], sys.argv[2], [re.compile(p) for p in sys.argv[3:]]
    data = open(source, "rb").read()
    try:
        module = Module(data)
    except ValueError as problem:
        sys.exit(f"wasm-snip: {source}: {problem}")
    if not module.names:
        sys.exit(f"wasm-snip: {source} has no function names to match")

    out = bytearray(data[:8])
    emptied = saved = 0
    # A body of no locals, `unreachable`, `end`.
    empty = bytes([3, 0, 0x00, 0x0B])
    for section_id, header, _start, end in module.sections:
        if section_id != 10:
            out += data[header:end]
            continue
        code = bytearray(put_leb(len(module.bodies)))
        for n, (entry, body, body_end) in enumerate(module.bodies):
            name = module.function_name(n)
            if name and any(p.search(name) for p in patterns):
                code += empty
                emptied += 1
                saved += body_end - body
            else:
                code += data[entry:body_end]
        out += section(10, code)
    open(target, "wb").write(out)
    print(f"wasm-snip: {emptied} functions emptied, {saved} bytes of their bodies")


main()
