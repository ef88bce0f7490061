#!/usr/bin/env python3
"""An independent implementation of the draw (docs/lottery.md), standard library only.
Usage: python3 lottery.py RECORD.json  -> prints the order, admitted and waiting lists and
whether they match the record."""
import hashlib, json, struct, sys

VERSION = "ruxue-draw-1"

def rotl(v, c):
    return ((v << c) & 0xffffffff) | (v >> (32 - c))

def quarter(s, a, b, c, d):
    s[a] = (s[a] + s[b]) & 0xffffffff; s[d] = rotl(s[d] ^ s[a], 16)
    s[c] = (s[c] + s[d]) & 0xffffffff; s[b] = rotl(s[b] ^ s[c], 12)
    s[a] = (s[a] + s[b]) & 0xffffffff; s[d] = rotl(s[d] ^ s[a], 8)
    s[c] = (s[c] + s[d]) & 0xffffffff; s[b] = rotl(s[b] ^ s[c], 7)

def chacha20_block(key, counter):
    const = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]
    k = list(struct.unpack("<8I", key))
    state = const + k + [counter & 0xffffffff, counter >> 32, 0, 0]
    s = state[:]
    for _ in range(10):
        quarter(s, 0, 4, 8, 12); quarter(s, 1, 5, 9, 13); quarter(s, 2, 6, 10, 14); quarter(s, 3, 7, 11, 15)
        quarter(s, 0, 5, 10, 15); quarter(s, 1, 6, 11, 12); quarter(s, 2, 7, 8, 13); quarter(s, 3, 4, 9, 14)
    return [(s[i] + state[i]) & 0xffffffff for i in range(16)]

class Numbers:
    def __init__(self, seed):
        self.key, self.counter, self.words = seed, 0, []
    def word(self):
        if not self.words:
            self.words = chacha20_block(self.key, self.counter); self.counter += 1
        return self.words.pop(0)
    def next(self):
        low = self.word(); high = self.word()
        return (high << 32) | low
    def below(self, bound):
        if bound <= 1: return 0
        limit = (1 << 64) // bound * bound
        while True:
            x = self.next()
            if x < limit: return x % bound

def key(unit): return "+".join(sorted(unit))

def canonical(places, tiers):
    text = f"{VERSION}\nplaces {places}\n"
    for n, tier in enumerate(tiers):
        text += f"tier {n + 1}\n"
        for k in sorted(key(u) for u in tier["units"]): text += k + "\n"
    return text

def shuffle(units, numbers):
    order = sorted((sorted(u) for u in units), key=key)
    for i in range(len(order) - 1, 0, -1):
        j = numbers.below(i + 1); order[i], order[j] = order[j], order[i]
    return order

def run(places, tiers, secret, public_value):
    fp = hashlib.sha256(canonical(places, tiers).encode()).hexdigest()
    commitment = hashlib.sha256(bytes.fromhex(secret)).hexdigest()
    seed = hashlib.sha256(f"{VERSION}\n{secret.lower()}\n{public_value.strip()}\n{fp}\n".encode()).digest()
    numbers, left, drawn, order, admitted, waiting = Numbers(seed), places, None, [], [], []
    for n, tier in enumerate(tiers):
        children = sum(len(u) for u in tier["units"])
        if drawn is None and children <= left:
            units = sorted((sorted(u) for u in tier["units"]), key=key)
        else:
            drawn = drawn or n + 1
            units = shuffle(tier["units"], numbers); order += units
        for u in units:
            if len(u) <= left: left -= len(u); admitted += u
            else: waiting += u
    return dict(fingerprint=fp, commitment=commitment, seed=seed.hex(), drawn_tier=drawn,
                order=order, admitted=admitted, waiting=waiting)

if __name__ == "__main__":
    record = json.load(open(sys.argv[1]))
    got = run(record["places"], record["tiers"], record["secret"], record["public_value"])
    same = all(got[k] == record[k] for k in got)
    print(json.dumps(got, ensure_ascii=False, indent=1))
    print("matches the record" if same else "DOES NOT MATCH the record")
    sys.exit(0 if same else 1)
