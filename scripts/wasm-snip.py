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


def leb(data, i):
    result = shift = 0
    while True:
        byte = data[i]
        i += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return result, i


def put_leb(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def skip_limits(data, j):
    flags, j = leb(data, j)
    _, j = leb(data, j)
    if flags & 1:
        _, j = leb(data, j)
    return j


def demangle(name):
    """A legacy-mangled Rust symbol as its path (`a::b::{{closure}}`), others unchanged."""
    if not name.startswith("_ZN"):
        return name
    i, segments = 3, []
    while i < len(name) and name[i].isdigit():
        j = i
        while name[j].isdigit():
            j += 1
        length = int(name[i:j])
        segments.append(name[j : j + length])
        i = j + length
    if segments and re.fullmatch(r"h[0-9a-f]{16}", segments[-1]):
        segments.pop()
    path = "::".join(segments)
    for code, text in [("$LT$", "<"), ("$GT$", ">"), ("$u20$", " "), ("$RF$", "&"), ("..", "::"),
                       ("$C$", ","), ("$u7b$", "{"), ("$u7d$", "}"), ("$BP$", "*"), ("$u27$", "'"),
                       ("$u5b$", "["), ("$u5d$", "]"), ("$u3b$", ";")]:
        path = path.replace(code, text)
    return path.lstrip("_")


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    source, target, patterns = sys.argv[1], sys.argv[2], [re.compile(p) for p in sys.argv[3:]]
    data = open(source, "rb").read()
    if data[:4] != b"\0asm":
        sys.exit(f"wasm-snip: {source} is not a wasm module")

    # Sections as (id, start of content, end), the imported functions counted, the names read.
    sections, imported, names = [], 0, {}
    i = 8
    while i < len(data):
        section = data[i]
        size, start = leb(data, i + 1)
        end = start + size
        sections.append((section, i, start, end))
        if section == 2:  # imports: functions come first in the function index space
            count, j = leb(data, start)
            for _ in range(count):
                for _name in range(2):
                    length, j = leb(data, j)
                    j += length
                kind = data[j]
                j += 1
                if kind == 0:
                    _, j = leb(data, j)
                    imported += 1
                elif kind == 1:
                    j = skip_limits(data, j + 1)
                elif kind == 2:
                    j = skip_limits(data, j)
                elif kind == 3:
                    j += 2
                elif kind == 4:
                    _, j = leb(data, j + 1)
                else:
                    sys.exit(f"wasm-snip: unknown import kind {kind}")
        elif section == 0:
            length, j = leb(data, start)
            if data[j : j + length] == b"name":
                j += length
                while j < end:
                    subsection = data[j]
                    size, j = leb(data, j + 1)
                    if subsection == 1:
                        count, k = leb(data, j)
                        for _ in range(count):
                            index, k = leb(data, k)
                            length, k = leb(data, k)
                            names[index] = data[k : k + length].decode("utf8", "replace")
                            k += length
                    j += size
        i = end
    if not names:
        sys.exit(f"wasm-snip: {source} has no function names to match")

    out = bytearray(data[:8])
    emptied = saved = 0
    # A body of no locals, `unreachable`, `end`.
    empty = bytes([3, 0, 0x00, 0x0B])
    for section, header, start, end in sections:
        if section != 10:
            out += data[header:end]
            continue
        count, j = leb(data, start)
        code = bytearray(put_leb(count))
        for n in range(count):
            size, body = leb(data, j)
            name = demangle(names.get(imported + n, ""))
            if name and any(p.search(name) for p in patterns):
                code += empty
                emptied += 1
                saved += size
            else:
                code += data[j : body + size]
            j = body + size
        out.append(10)
        out += put_leb(len(code))
        out += code
    open(target, "wb").write(out)
    print(f"wasm-snip: {emptied} functions emptied, {saved} bytes of their bodies")


main()
