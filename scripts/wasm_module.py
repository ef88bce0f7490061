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


def read_types(data, start):
    """(parameters, results), each as bytes of value types, of each function type of the
    type section whose content starts at `start`."""
    count, j = leb(data, start)
    found = []
    for _ in range(count):
        if data[j] != 0x60:
            raise ValueError(f"unknown type form {data[j]:#x}")
        params, j = leb(data, j + 1)
        parameters = bytes(data[j : j + params])
        results, j = leb(data, j + params)
        found.append((parameters, bytes(data[j : j + results])))
        j += results
    return found


def sleb(data, i):
    """The signed LEB128 number at `i`, and where the next field starts."""
    result, end = leb(data, i)
    if data[end - 1] & 0x40:
        result -= 1 << (7 * (end - i))
    return result, end


def _constant(data, j):
    """The value of a constant expression `i32.const N end` at `j`, and where it ends."""
    if data[j] != 0x41:
        raise ValueError(f"not an i32.const expression at {j}")
    value, j = sleb(data, j + 1)
    if data[j] != 0x0B:
        raise ValueError(f"not a one-instruction expression at {j}")
    return value, j + 1


# Immediates of the instructions a Rust wasm32 module holds (MVP, sign-extension, bulk
# memory, non-trapping conversions, reference types), by opcode: what `instructions` skips.
_ULEB1 = {0x0C, 0x0D, 0x10, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0xD2}
_MEMARG = set(range(0x28, 0x3F))
_BLOCK = {0x02, 0x03, 0x04}
_PLAIN = {0x00, 0x01, 0x05, 0x0B, 0x0F, 0x1A, 0x1B, 0xD1} | set(range(0x45, 0xC5))


def instructions(data, start, end):
    """(opcode, its immediate's value or None) of each instruction of the function body
    from `start` (its local declarations) to `end`; the opcode of a prefixed instruction is
    (prefix << 8) | its number. Raises ValueError on an instruction it does not know."""
    count, j = leb(data, start)
    for _ in range(count):
        _, j = leb(data, j)
        j += 1
    while j < end:
        op = data[j]
        j += 1
        value = None
        if op in _PLAIN:
            pass
        elif op in _ULEB1:
            value, j = leb(data, j)
        elif op == 0x41 or op == 0x42:
            value, j = sleb(data, j)
        elif op in _MEMARG:
            _, j = leb(data, j)
            value, j = leb(data, j)
        elif op in _BLOCK:
            # Empty (0x40) or one value type (0x6F-0x7F: one byte, negative); otherwise a
            # type's index.
            if 0x40 <= data[j] < 0x80:
                j += 1
            else:
                _, j = sleb(data, j)
        elif op == 0x0E:
            count, j = leb(data, j)
            for _ in range(count + 1):
                _, j = leb(data, j)
        elif op == 0x11:
            value, j = leb(data, j)
            _, j = leb(data, j)
        elif op == 0x1C:
            count, j = leb(data, j)
            j += count
        elif op == 0x3F or op == 0x40 or op == 0xD0:
            j += 1
        elif op == 0x43:
            j += 4
        elif op == 0x44:
            j += 8
        elif op == 0xFC:
            sub, j = leb(data, j)
            op = 0xFC00 | sub
            if sub <= 7:
                pass
            elif sub in (8, 12, 14):
                _, j = leb(data, j)
                _, j = leb(data, j)
            elif sub in (9, 13, 15, 16, 17):
                _, j = leb(data, j)
            elif sub == 10:
                j += 2
            elif sub == 11:
                j += 1
            else:
                raise ValueError(f"unknown instruction 0xFC {sub} at {j}")
        else:
            raise ValueError(f"unknown instruction {op:#x} at {j - 1}")
        yield op, value


class Module:
    """`sections`: (id, its header's offset, its content's start, end); `imports` and
    `exports`: as `read_imports` and `read_exports` give them; `imported`: the number of
    imported functions, which come first in the function index space; `names`: function
    index -> name (the name section); `bodies`: (entry's offset, body's start, end) of each
    defined function, in the code section's order; `types`: as `read_types` gives them;
    `function_types`: the type index of each defined function; `table`: function index ->
    its slot in the table (active element segments of function indices); `data`: (memory
    address, start, end) of each active data segment's bytes."""

    def __init__(self, data):
        if data[:4] != b"\0asm":
            raise ValueError("not a wasm module")
        self.size = len(data)
        self.sections, self.imported, self.names, self.bodies = [], 0, {}, []
        self.imports, self.exports, self.types, self.function_types = [], [], [], []
        self.table, self.data = {}, []
        self._bytes = data
        i = 8
        while i < len(data):
            section = data[i]
            size, start = leb(data, i + 1)
            end = start + size
            self.sections.append((section, i, start, end))
            if section == 2:
                self.imports = read_imports(data, start)
                self.imported = sum(d[0] == 0 for _m, _f, d in self.imports)
            elif section == 1:
                self.types = read_types(data, start)
            elif section == 3:
                count, j = leb(data, start)
                for _ in range(count):
                    index, j = leb(data, j)
                    self.function_types.append(index)
            elif section == 7:
                self.exports = read_exports(data, start)
            elif section == 9:
                self._read_elements(data, start)
            elif section == 11:
                self._read_data(data, start)
            elif section == 10:
                count, j = leb(data, start)
                for _ in range(count):
                    size, body = leb(data, j)
                    self.bodies.append((j, body, body + size))
                    j = body + size
            elif section == 0:
                self._read_names(data, start, end)
            i = end

    def _read_elements(self, data, start):
        count, j = leb(data, start)
        for _ in range(count):
            flags, j = leb(data, j)
            if flags != 0:
                raise ValueError(f"element segment of kind {flags}: not read")
            slot, j = _constant(data, j)
            functions, j = leb(data, j)
            for k in range(functions):
                index, j = leb(data, j)
                self.table[index] = slot + k

    def _read_data(self, data, start):
        count, j = leb(data, start)
        for _ in range(count):
            flags, j = leb(data, j)
            address = None
            if flags == 0:
                address, j = _constant(data, j)
            elif flags == 2:
                _, j = leb(data, j)
                address, j = _constant(data, j)
            size, j = leb(data, j)
            if address is not None:
                self.data.append((address, j, j + size))
            j += size

    def referrers(self, index):
        """Where the function of index `index` is referred to: the names of the defined
        functions that call it, take its reference, or hold its table slot as a constant
        (a Rust function pointer), and the memory address of each aligned word of data
        that holds its slot (a pointer in a static, such as a vtable)."""
        slot = self.table.get(index)
        found = set()
        for n, (_entry, body, end) in enumerate(self.bodies):
            for op, value in instructions(self._bytes, body, end):
                if value is None:
                    continue
                if (op in (0x10, 0xD2) and value == index) or (op == 0x41 and value == slot):
                    found.add(self.function_name(n) or f"function {self.imported + n}")
                    break
        if slot is not None:
            word = slot.to_bytes(4, "little")
            for address, start, end in self.data:
                k = self._bytes.find(word, start, end)
                while k >= 0:
                    if (address + k - start) % 4 == 0:
                        found.add(f"data at {address + k - start:#x}")
                    k = self._bytes.find(word, k + 1, end)
        return found

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

    def function_type(self, n):
        """(parameters, results) of the `n`th defined function."""
        return self.types[self.function_types[n]]

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
