#!/usr/bin/python3
"""Writes PE files whose every string a profile shows is hostile into OUTDIR
(gen.py OUTDIR): terminal and bidi controls, every Unicode format
character (Cf) and U+2028/U+2029, HTML, entities, Markdown links and
images, headings, table and code-span structure, YAML-breaking text and
invalid UTF-8, in the version strings, the export names, the forwarder,
the export DLL name, the import DLL names and the section names; and
copies of them under file names that hide characters, turn the text
round, are not UTF-8, or break YAML or Markdown. tests/malformed/gen.py
builds the PE around them.
Writes OUTDIR/../expect.json: for each file (its name as Python's
os.fsdecode gives it), its FileDescription and its other version strings
(null when they are not text) (not in OUTDIR, so the mount shows only the
PE files)."""
import json, os, sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "malformed"))
import gen  # noqa: E402
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import shown  # noqa: E402
from gen import put, u16, u32, u64, utf16z, vs_block, RDATA, RSRC, TEXT  # noqa

PAYLOADS = {
    "ctrl": "\x1b[31mESC\x07\u009b2J\u009d0;t\x07\u202eRLO\u2066I\u2069\x7f\n.",
    "html": "<script>alert(1)</script><img src=x onerror=alert(1)>&lt;&#60;",
    "mdlink": "[Signature verified.](http://evil.example/) ![x](http://t.example/p.png) "
              "<http://a.example/> www.evil.example a@b.example *em* _u_ ~~s~~ `c` #",
    "yaml": "'q\": x [a] {b} & *r !t @u #c | d\\ %25 -",
    # what Markdown would act on, beside what it would not (autolinks,
    # a lone < or &, a backslash before a letter): the value must read
    # back whole from the rendered page
    "act": "#1 <script>alert(1)</script> [x](javascript:alert(1)) "
           "![i](http://t.example/p.png) &amp; &#60; a|b `c` ``d`` \\*e "
           "C:\\x.dll a < b & c www.example.com https://example.com/x?a=1 "
           "a@b.example \u200e\u2028 #",
    # every format character there is, and U+2028/U+2029, each after a
    # dot, then the characters beside them that are shown as they are
    # (the description only: the resource is small)
    "cf": "x\u200by\u2028z",
}
CF_DESC = ("Cf:" + "".join("." + c for c in shown.all_cf()) +
           ".\u2028.\u2029. kept:" + "".join("." + c for c in shown.cf_neighbours()))
# bytes for the 8-bit fields (names in the PE are not UTF-16)
BYTES = {
    "ctrl": "\x1b[2J\u009b\u009d\u202e\u2066\n".encode() + b"\x7f",
    "html": b"<img src=x onerror=alert(1)>",
    "mdlink": b"[ok](http://evil.example/)![t](http://t.example/x)",
    "yaml": b"'x: [a] {b} &c *d !e @f #g",
    "utf8": b"bad\xff\xc0\xaf\xed\xa0\x80\xe2\x82",
    "act": b"#<script>[x](javascript:y)&amp;|`c`",
    "cf": "svc\u200bhost\u202egpj\u2028".encode(),
}
SECTIONS = {
    "ctrl": [b"\x1b[2J\xc2\x9b", b"\xe2\x80\xae\x07\n", b".rsrc"],
    "html": [b"<b>x</b>", b"&lt;&#60;", b".rsrc"],
    "mdlink": [b"[a](b)", b"![c](d)", b"*e*_f_"],
    "yaml": [b"'x: y", b"{a}&b", b"#c"],
    "utf8": [b"\xff\xfe", b"\xc0\xaf", b"\xe2\x82"],
    "act": [b"#x|`y`", b"&amp;", b"<b>"],
    # (the third stays .rsrc: pefile reads another section's entropy
    # otherwise)
    "cf": ["\u200b.tx".encode(), "\ufeff\u2028".encode(), b".rsrc"],
}


# pe() below swaps gen.version_resource for one of ours: keep the builder
BASE_VERSION_RESOURCE = gen.version_resource


def version_resource(text, desc):
    return BASE_VERSION_RESOURCE([
        ("CompanyName", text), ("FileDescription", desc),
        ("FileVersion", text), ("LegalCopyright", text),
        ("OriginalFilename", text), ("ProductName", text),
        ("ProductVersion", text)])


# names the parser accepts (pe_name_ok) but Markdown would act on
EXPORT = b"<script>x</script>[ok](http://e.x/)![t](x)*e*_u_~~s~~"
DLL = b"![x](y)[z](w)&amp;{a}'b#c"
FUNC = b"<b>?@$(x)"


def rdata_section(b):
    """tests/malformed/gen.py's .rdata with the names made of b"""
    s = bytearray(gen.SIZE[RDATA])
    pos = gen.NAMES

    def name(data, hint=None):
        nonlocal pos
        data = (u16(hint) if hint is not None else b"") + data + b"\0"
        put(s, pos, data)
        rva = RDATA + pos
        pos += len(data) + (len(data) & 1)
        return rva

    gtc, slp = name(b"Get" + FUNC, 0), name(b"Sleep" + b, 0)
    for tab in (gen.ILT, gen.IAT):
        put(s, tab, u64(gtc) + u64(slp) + u64(0))
    put(s, gen.IMP, u32(RDATA + gen.ILT) + u32(0) + u32(0) +
        u32(name(DLL + b".dll")) + u32(RDATA + gen.IAT))
    fwd = gen.EXP + 0x80
    put(s, fwd, (b"K." + b)[:0x7f] + b"\0")
    funcs, nms, ords = gen.EXP + 0x28, gen.EXP + 0x30, gen.EXP + 0x38
    put(s, funcs, u32(TEXT) + u32(RDATA + fwd))
    put(s, nms, u32(name(b"A" + EXPORT)) + u32(name(b"B" + b)))
    put(s, ords, u16(0) + u16(1))
    put(s, gen.EXP, u32(0) * 3 + u32(name(b + b"x.dll")) + u32(1) + u32(2) +
        u32(2) + u32(RDATA + funcs) + u32(RDATA + nms) + u32(RDATA + ords))
    mb = name(b"Beep" + b, 0)
    put(s, gen.DINT, u64(mb) + u64(0))
    put(s, gen.DIAT, u64(TEXT) + u64(0))
    put(s, gen.DELAY, u32(1) + u32(name(b"U" + b + b".dll")) +
        u32(RDATA + gen.DHANDLE) + u32(RDATA + gen.DIAT) +
        u32(RDATA + gen.DINT) + u32(0) * 3)
    return s


def pe(kind):
    text = PAYLOADS.get(kind, "lone \ud800 surrogate")
    desc = CF_DESC if kind == "cf" else PAYLOADS.get(kind, "plain")
    gen.SIZE[RSRC] = 0x1000
    gen.version_resource = lambda: version_resource(text, desc)
    gen.rdata_section = lambda: rdata_section(BYTES[kind])
    f = gen.base_pe()
    for i, nm in enumerate(SECTIONS[kind]):
        put(f, gen.SECTAB + 40 * i, nm[:8].ljust(8, b"\0"))
    return f, desc


def main():
    out = sys.argv[1]
    expect = {}
    for kind in BYTES:
        f, desc = pe(kind)
        with open(os.path.join(out, kind + ".dll"), "wb") as fh:
            fh.write(f)
        expect[kind + ".dll"] = (desc, PAYLOADS.get(kind))
    f, desc = pe("mdlink")
    for n in ["[x](y).dll", "{a}.dll", "&a.dll", "!b.dll", "@c.dll", "'d.dll",
              "#e.dll", "a: b.dll", "\"q\\.dll", "- x.dll", "<b>.dll"]:
        with open(os.path.join(out, n), "wb") as fh:
            fh.write(f)
        expect[n] = (desc, PAYLOADS["mdlink"])
    # names that hide a character, turn the text round, are not UTF-8
    # (two that differ only in their bad bytes), or hold what would act
    f, desc = pe("act")
    for n in ["svchost\u200b.exe".encode(), "evil\u202egpj.exe".encode(),
              b"bad\xff\xfe.dll", b"bad\xfe\xff.dll",
              "\ufeffa\u2066b\u2029.dll".encode(), b"# h <i>&amp;|`.dll"]:
        with open(os.path.join(out.encode(), n), "wb") as fh:
            fh.write(f)
        expect[os.fsdecode(n)] = (desc, PAYLOADS["act"])
    with open(os.path.join(out, "..", "expect.json"), "w") as fh:
        json.dump({n: {"description": d, "text": t}
                   for n, (d, t) in expect.items()}, fh)


if __name__ == "__main__":
    main()
