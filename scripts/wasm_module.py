"""A wasm module's functions, imports and exports and their names, as scripts/wasm-snip.py,
scripts/wasm-names.py and scripts/wasm-composition.py read them (the Python standard
library only)."""
import re


def leb(data, i):
    """The unsigned LEB128 number at `i`, and where the next field starts."""
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


def _skip_limits(data, j):
    flags, j = leb(data, j)
    _, j = leb(data, j)
    if flags & 1:
        _, j = leb(data, j)
    return j


def section(section_id, content):
    """A section as the module's bytes hold it: its id, its size, its content."""
    return bytes([section_id]) + put_leb(len(content)) + content


def read_name(data, j):
    """The name at `j`, and where the next field starts."""
    length, j = leb(data, j)
    return data[j : j + length].decode("utf8"), j + length


def put_name(name):
    raw = name.encode("utf8")
    return put_leb(len(raw)) + raw


def read_imports(data, start):
    """(module, field, the description: its kind byte first, as bytes) of each import of the
    import section whose content starts at `start`."""
    count, j = leb(data, start)
    found = []
    for _ in range(count):
        module, j = read_name(data, j)
        field, j = read_name(data, j)
        kind_at = j
        kind = data[j]
        j += 1
        if kind == 0:
            _, j = leb(data, j)
        elif kind == 1:
            j = _skip_limits(data, j + 1)
        elif kind == 2:
            j = _skip_limits(data, j)
        elif kind == 3:
            j += 2
        elif kind == 4:
            _, j = leb(data, j + 1)
        else:
            raise ValueError(f"unknown import kind {kind}")
        found.append((module, field, data[kind_at:j]))
    return found


def read_exports(data, start):
    """(name, its kind byte and index as bytes) of each export of the export section whose
    content starts at `start`."""
    count, j = leb(data, start)
    found = []
    for _ in range(count):
        name, j = read_name(data, j)
        _, end = leb(data, j + 1)
        found.append((name, data[j:end]))
        j = end
    return found


class Module:
    """`sections`: (id, its header's offset, its content's start, end); `imports` and
    `exports`: as `read_imports` and `read_exports` give them; `imported`: the number of
    imported functions, which come first in the function index space; `names`: function
    index -> name (the name section); `bodies`: (entry's offset, body's start, end) of each
    defined function, in the code section's order."""

    def __init__(self, data):
        if data[:4] != b"\0asm":
            raise ValueError("not a wasm module")
        self.size = len(data)
        self.sections, self.imported, self.names, self.bodies = [], 0, {}, []
        self.imports, self.exports = [], []
        i = 8
        while i < len(data):
            section = data[i]
            size, start = leb(data, i + 1)
            end = start + size
            self.sections.append((section, i, start, end))
            if section == 2:
                self.imports = read_imports(data, start)
                self.imported = sum(d[0] == 0 for _m, _f, d in self.imports)
            elif section == 7:
                self.exports = read_exports(data, start)
            elif section == 10:
                count, j = leb(data, start)
                for _ in range(count):
                    size, body = leb(data, j)
                    self.bodies.append((j, body, body + size))
                    j = body + size
            elif section == 0:
                self._read_names(data, start, end)
            i = end

    def _read_names(self, data, start, end):
        length, j = leb(data, start)
        if data[j : j + length] != b"name":
            return
        j += length
        while j < end:
            subsection = data[j]
            size, j = leb(data, j + 1)
            if subsection == 1:
                count, k = leb(data, j)
                for _ in range(count):
                    index, k = leb(data, k)
                    length, k = leb(data, k)
                    self.names[index] = data[k : k + length].decode("utf8", "replace")
                    k += length
            j += size

    def function_name(self, n):
        """The path of the `n`th defined function ('' when unnamed)."""
        return demangle(self.names.get(self.imported + n, ""))


def demangle(name):
    """A Rust symbol as its path: legacy mangling read back (`a::b::{{closure}}`), v0
    mangling as its crate (`crate::?`); names already demangled unchanged."""
    if name.startswith("_ZN"):
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
    if name.startswith("_R"):
        found = re.search(r"Cs[0-9A-Za-z]*_(\d+)([A-Za-z_][A-Za-z0-9_]*)", name)
        if found:
            return found.group(2)[: int(found.group(1))] + "::?"
    return name
