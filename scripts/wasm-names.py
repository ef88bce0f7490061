#!/usr/bin/env python3
"""Shortens the names by which a wasm-bindgen module and its JavaScript call each other
(docs/first-load.md).

Usage: scripts/wasm-names.py MODULE_bg.wasm MODULE.js [DROP_CLASS_PATTERN]
Rewrites both files in place. wasm-bindgen names each imported function
`__wbg_<method>_<16 hex digits>` and exports the wasm's functions under their Rust paths;
the page's bundle spells every one of them twice (the wasm's import or export section and
the JavaScript that provides or calls it), and hex digits do not compress. Here each
becomes a short name (`a`, `b`, ... `ab`, ...) in both files. What the JavaScript itself
exports (the islands' hydrate functions, `hydrate`, `default`) keeps its name.

With DROP_CLASS_PATTERN (a regular expression), the JavaScript classes whose names match
are removed with their finalization registries, and the wasm's exports of their methods
(named after the class in lower case) with them, so that `wasm-opt` removes those methods.
Use it for classes whose methods `scripts/wasm-snip.py` emptied.

Run before `wasm-opt`. Refuses (and changes nothing) when the two files do not match
name for name: every import the wasm has must be provided by one `name: function` of the
JavaScript's import object, and every `wasm.<name>` the JavaScript calls must be an export.
"""
import re
import sys

from wasm_module import Module, put_leb, put_name, section


def short_names():
    """a, b, ..., z, A, ..., Z, aa, ab, ...: never a JavaScript keyword."""
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    reserved = {"do", "if", "in", "as", "of"}
    n = 0
    while True:
        name, i = "", n
        while True:
            name = letters[i % len(letters)] + name
            i = i // len(letters) - 1
            if i < 0:
                break
        n += 1
        if name not in reserved:
            yield name


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    wasm_path, js_path = sys.argv[1], sys.argv[2]
    drop = re.compile(sys.argv[3]) if len(sys.argv) == 4 and sys.argv[3] else None
    data = open(wasm_path, "rb").read()
    js = open(js_path, encoding="utf8").read()
    module = Module(data)
    found_imports, found_exports = module.imports, module.exports

    if drop:
        classes = set(re.findall(r"^export class (\w+) \{", js, flags=re.M))
        dropped = {c for c in classes if drop.search(c)}
        for name in dropped:
            js, n = re.subn(rf"^export class {name} \{{\n.*?^\}}\n", "", js, flags=re.M | re.S)
            js = re.sub(rf"^if \(Symbol\.dispose\) {name}\.prototype\[.*\n", "", js, flags=re.M)
            js = re.sub(rf"^const {name}Finalization = .*?;\n", "", js, flags=re.M | re.S)
            if n != 1 or re.search(rf"\b{name}\b", js):
                sys.exit(f"wasm-names: {js_path}: could not remove the class {name}")
        lowered = tuple(c.lower() for c in dropped)
        found_exports = [
            (name, rest)
            for name, rest in found_exports
            if not name.removeprefix("__wbg_").startswith(lowered)
        ]
        # An enum only the dropped classes used.
        for enum in re.findall(r"^const (__wbindgen_enum_\w+) = .*\n", js, flags=re.M):
            if len(re.findall(rf"\b{enum}\b", js)) == 1:
                js = re.sub(rf"^const {enum} = .*\n", "", js, flags=re.M)

    names = short_names()
    renamed_imports = []
    for module_name, field, description in found_imports:
        # Functions only: the JavaScript's own import object (a snippet's module keeps the
        # names it exports).
        if description[0] != 0 or not module_name.endswith("_bg.js"):
            renamed_imports.append((module_name, field, description))
            continue
        keys = len(re.findall(rf"^        {re.escape(field)}: function\b", js, flags=re.M))
        if keys != 1:
            sys.exit(f"wasm-names: {js_path} provides the import {field} {keys} times")
        new = next(names)
        js = re.sub(rf"^        {re.escape(field)}: function\b", f"        {new}: function", js,
                    flags=re.M)
        renamed_imports.append((module_name, new, description))

    called = set(re.findall(r"\bwasm\.(\w+)", js))
    exported = {name for name, _ in found_exports}
    if called - exported:
        sys.exit(f"wasm-names: {js_path} calls what the wasm does not export: {called - exported}")
    renamed_exports = []
    for name, rest in found_exports:
        new = next(names)
        js = re.sub(rf"\bwasm\.{re.escape(name)}\b", f"wasm.{new}", js)
        renamed_exports.append((new, rest))

    import_section = bytearray(put_leb(len(renamed_imports)))
    for module_name, field, description in renamed_imports:
        import_section += put_name(module_name) + put_name(field) + description
    export_section = bytearray(put_leb(len(renamed_exports)))
    for name, rest in renamed_exports:
        export_section += put_name(name) + rest
    out = bytearray(data[:8])
    for section_id, header, _start, end in module.sections:
        if section_id == 2:
            out += section(2, import_section)
        elif section_id == 7:
            out += section(7, export_section)
        else:
            out += data[header:end]
    open(wasm_path, "wb").write(out)
    open(js_path, "w", encoding="utf8").write(js)
    print(f"wasm-names: {len(renamed_imports)} imports, {len(renamed_exports)} exports renamed")


if __name__ == "__main__":
    main()
