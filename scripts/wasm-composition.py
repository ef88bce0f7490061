#!/usr/bin/env python3
"""Which crates a wasm module's code comes from (docs/first-load.md).

Usage: scripts/wasm-composition.py FILE.wasm [CRATES [LARGEST]]
Prints the bytes of function bodies per crate (the first path segment of the demangled
name in the wasm's name section; `T` is `<T as Trait>` code), the CRATES largest (40), and
with LARGEST the largest functions. Needs a wasm with its name section, such as
target/front/wasm32-unknown-unknown/wasm-release/frontend_split.wasm (the main module of a
split build before wasm-bindgen and wasm-opt).
"""
import sys, re, collections
data = open(sys.argv[1], 'rb').read()
def leb(b, i):
    r = s = 0
    while True:
        x = b[i]; i += 1
        r |= (x & 0x7f) << s; s += 7
        if not x & 0x80: return r, i
i = 8; nimp = 0; bodies = []; names = {}
while i < len(data):
    sid = data[i]; i += 1
    size, i = leb(data, i); end = i + size
    if sid == 2:
        n, j = leb(data, i)
        for _ in range(n):
            l, j = leb(data, j); j += l
            l, j = leb(data, j); j += l
            kind = data[j]; j += 1
            if kind == 0: _, j = leb(data, j); nimp += 1
            elif kind == 1: j += 1; fl, j = leb(data, j); _, j = leb(data, j); 
            elif kind == 2:
                fl, j = leb(data, j); _, j = leb(data, j)
                if fl & 1: _, j = leb(data, j)
            elif kind == 3: j += 2
            elif kind == 4: j += 1; _, j = leb(data, j)
    elif sid == 10:
        n, j = leb(data, i)
        for _ in range(n):
            l, j2 = leb(data, j); bodies.append(l + (j2 - j)); j = j2 + l
    elif sid == 0:
        l, j = leb(data, i); nm = data[j:j+l].decode(); j += l
        if nm == 'name':
            while j < end:
                sub = data[j]; j += 1; ssz, j = leb(data, j); send = j + ssz
                if sub == 1:
                    n, k = leb(data, j)
                    for _ in range(n):
                        idx, k = leb(data, k); l, k = leb(data, k); names[idx] = data[k:k+l].decode('utf8','replace'); k += l
                j = send
    i = end
def demangle(n):
    if n.startswith('_ZN'):
        i=3; segs=[]
        while i < len(n) and n[i].isdigit():
            j=i
            while n[j].isdigit(): j+=1
            l=int(n[i:j]); segs.append(n[j:j+l]); i=j+l
        if segs and re.match(r'h[0-9a-f]{16}$', segs[-1]): segs=segs[:-1]
        s='::'.join(segs)
        for a,b in [('$LT$','<'),('$GT$','>'),('$u20$',' '),('$RF$','&'),('..','::'),('$C$',','),('$u7b$','{'),('$u7d$','}'),('$BP$','*'),('$u27$',"'"),('$u5b$','['),('$u5d$',']'),('$u3b$',';')]:
            s=s.replace(a,b)
        return s.lstrip('_')
    if n.startswith('_R'):
        m=re.search(r'Cs[0-9A-Za-z]*_(\d+)([A-Za-z_][A-Za-z0-9_]*)', n)
        if m: return m.group(2)[:int(m.group(1))]+'::?'
    return n
by = collections.Counter(); total = 0; top = []
for n, sz in enumerate(bodies):
    name = demangle(names.get(n + nimp, '?'))
    s = name.lstrip('<&* ')
    s = re.sub(r'^(dyn |mut |impl )', '', s)
    crate = re.split(r'::|<| ', s)[0] or '?'
    by[crate] += sz; total += sz; top.append((sz, name))
print('code bytes', total, 'functions', len(bodies), 'file', len(data))
for c, sz in by.most_common(int(sys.argv[2]) if len(sys.argv) > 2 else 40):
    print(f'{sz:9d} {100*sz/total:5.1f}% {c}')
if len(sys.argv) > 3:
    for sz, name in sorted(top, reverse=True)[:int(sys.argv[3])]:
        print(sz, name[:200])
