#!/usr/bin/python3
"""pefile_parse.py FILE...: the peer of bench_parse: loads every file into
memory, then times pefile.PE(data=...) plus get_imphash() over all of them.
Prints "pefile: N files, T ms"."""
import sys, time
import pefile

data = []
for p in sys.argv[1:]:
    with open(p, "rb") as f:
        data.append(f.read())
t = time.monotonic()
n = 0
for d in data:
    try:
        pefile.PE(data=d).get_imphash()
        n += 1
    except pefile.PEFormatError:
        pass
print("pefile: %d files, %.1f ms" % (n, (time.monotonic() - t) * 1000))
