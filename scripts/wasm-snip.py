#!/usr/bin/env python3
"""Empties the functions of a wasm module that a page can never call (docs/first-load.md).

Usage: scripts/wasm-snip.py IN.wasm OUT.wasm [--quiet FUNCTION CALLERS]... PATTERN...
Every function whose name (the module's name section, Rust's legacy mangling read back to
a path) matches one of the regular expressions PATTERN gets the body `unreachable`: if it
were ever called the module would trap there. A function matching a `--quiet` FUNCTION, a
`Display::fmt` that only error texts nobody reads use, gets a body that writes nothing and
returns `Ok(())`. The script refuses unless its type is a `fmt`'s, (i32, i32) -> i32, and
every function that calls it or takes its pointer matches CALLERS, and no static holds its
pointer (what PATTERN empties aside): so that no page's own text ever loses a value this
way. Run `wasm-opt` afterwards: the code only those functions reached is then removed.
Prints how many functions were emptied and quieted and the bytes of their bodies. Refuses
a module without a name section (nothing could match).

Why: an erased view (`tachys`' `AnyView`) keeps a pointer to each of its type's ways of
hydrating, so the linker keeps all of them, even those an islands page never takes; and a
JSON reader keeps the code to print a number with a fraction, for the message of an error
that the page turns into its own words without reading it.
"""
import re
import sys

from wasm_module import Module, put_leb, section


def main():
    args, quiet, patterns = sys.argv[3:], [], []
    while args:
        if args[0] == "--quiet" and len(args) > 2:
            quiet.append((re.compile(args[1]), re.compile(args[2])))
            args = args[3:]
        else:
            patterns.append(re.compile(args[0]))
            args = args[1:]
    if len(sys.argv) < 4 or not patterns + quiet:
        sys.exit(__doc__)
    source, target = sys.argv[1], sys.argv[2]
    data = open(source, "rb").read()
    try:
        module = Module(data)
    except ValueError as problem:
        sys.exit(f"wasm-snip: {source}: {problem}")
    if not module.names:
        sys.exit(f"wasm-snip: {source} has no function names to match")
    fmt_type = (bytes([0x7F, 0x7F]), bytes([0x7F]))

    quieted_here = set()
    for n in range(len(module.bodies)):
        name = module.function_name(n)
        for function, callers in quiet:
            if not (name and function.search(name)):
                continue
            if module.function_type(n) != fmt_type:
                sys.exit(f"wasm-snip: {name} is not a fmt function (i32, i32) -> i32")
            try:
                # What PATTERN empties never runs.
                others = sorted(
                    r
                    for r in module.referrers(module.imported + n)
                    if not callers.search(r) and not any(p.search(r) for p in patterns)
                )
            except ValueError as problem:
                sys.exit(f"wasm-snip: {source}: {problem}")
            if others:
                sys.exit(f"wasm-snip: {name} is used by what is not {callers.pattern}, which would "
                         f"print nothing: " + "; ".join(others))
            quieted_here.add(n)

    out = bytearray(data[:8])
    emptied = quieted = saved = 0
    # A body of no locals, `unreachable`, `end`.
    empty = bytes([3, 0, 0x00, 0x0B])
    # A body of no locals, `i32.const 0` (a `fmt::Result`'s `Ok(())`), `end`.
    ok = bytes([4, 0, 0x41, 0x00, 0x0B])
    for section_id, header, _start, end in module.sections:
        if section_id != 10:
            out += data[header:end]
            continue
        code = bytearray(put_leb(len(module.bodies)))
        for n, (entry, body, body_end) in enumerate(module.bodies):
            name = module.function_name(n)
            if n in quieted_here:
                code += ok
                quieted += 1
                saved += body_end - body
            elif name and any(p.search(name) for p in patterns):
                code += empty
                emptied += 1
                saved += body_end - body
            else:
                code += data[entry:body_end]
        out += section(10, code)
    open(target, "wb").write(out)
    print(f"wasm-snip: {emptied} functions emptied, {quieted} quieted, {saved} bytes of their bodies")


main()
