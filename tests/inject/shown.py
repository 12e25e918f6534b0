"""The documented escape of docs/profile-format.md ("Escaping"), as an
oracle independent of src/util/markdown.c: which characters are hidden
(Python's unicodedata says which are format characters, category Cf) and
how a value reads once they and invalid UTF-8 are shown as \\xNN."""
import unicodedata


def hidden(c):
    """controls, DEL, C1, every format character, U+2028 and U+2029"""
    o = ord(c)
    return (o < 0x20 or 0x7f <= o <= 0x9f or o in (0x2028, 0x2029) or
            unicodedata.category(c) == "Cf")


def hex_of(b):
    return "".join("\\x%02X" % x for x in b)


def shown(v):
    """v (str, or bytes as read from a file: each byte of an invalid UTF-8
    sequence as \\xNN) with every hidden character as the \\xNN of its
    UTF-8 bytes"""
    if isinstance(v, bytes):
        v = v.decode("utf-8", "surrogateescape")
    else:  # join the surrogate pairs pefile leaves of UTF-16
        v = v.encode("utf-16-le", "surrogatepass").decode(
            "utf-16-le", "surrogatepass")
    out = []
    for c in v:
        if 0xdc80 <= ord(c) <= 0xdcff:  # a byte that was not UTF-8
            out.append("\\x%02X" % (ord(c) - 0xdc00))
        elif hidden(c):
            out.append(hex_of(c.encode("utf-8", "surrogatepass")))
        else:
            out.append(c)
    return "".join(out)


def shown_json(v):
    """as the JSON's strings show v: invalid UTF-8 as U+FFFD (Python's
    "replace"), hidden characters as \\xNN"""
    if isinstance(v, bytes):
        v = v.decode("utf-8", "replace")
    return shown(v)


def all_cf():
    """every format character Unicode (as Python knows it) lists"""
    return [chr(c) for c in range(0x110000)
            if unicodedata.category(chr(c)) == "Cf"]


def cf_neighbours():
    """the characters just before and after each run of format characters
    that are not hidden themselves (a table one off at either end shows)"""
    cf = {ord(c) for c in all_cf()}
    out = set()
    for c in cf:
        for n in (c - 1, c + 1):
            if n not in cf and not hidden(chr(n)) and not 0xd800 <= n < 0xe000:
                out.add(n)
    return [chr(n) for n in sorted(out)]
