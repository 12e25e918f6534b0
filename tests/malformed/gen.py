#!/usr/bin/python3
"""Writes hostile and unusual PE files into OUTDIR (gen.py OUTDIR).

base.dll is a small, valid PE32+ DLL made here byte by byte: imports from
KERNEL32.dll, two exports (one forwarded), a delay-load import from
USER32.dll (GNU ld cannot make those) and a version resource. Every other
file is base.dll damaged in one way; its name says how. The tests check
that each one gets a profile, with its anomalies listed, quickly, and
under ASan and UBSan without a report.
"""
import os
import struct
import sys

FILE_ALIGN, SECT_ALIGN = 0x200, 0x1000
LFANEW = 0x80
OPT_OFF = LFANEW + 24
OPT_SIZE = 240  # PE32+ with 16 data directories
SECTAB = OPT_OFF + OPT_SIZE
HEADERS = 0x400

TEXT, RDATA, RSRC = 0x1000, 0x2000, 0x3000  # RVAs
RAW = {TEXT: 0x400, RDATA: 0x600, RSRC: 0xE00}
SIZE = {TEXT: 0x200, RDATA: 0x800, RSRC: 0x400}

# offsets inside .rdata
IMP, ILT, IAT, HINTS = 0x000, 0x040, 0x060, 0x080
EXP, EXP_SIZE = 0x100, 0x100
DELAY, DINT, DIAT, DHANDLE = 0x300, 0x340, 0x360, 0x380
NAMES = 0x400
# the facts of src/pe/facts.c, past the names
DEBUG, CLR, TLS, CALLBACKS = 0x600, 0x640, 0x680, 0x700
# .NET metadata (the CLR variants only, over the callbacks' room)
METADATA = 0x700


def u16(v):
    return struct.pack("<H", v)


def u32(v):
    return struct.pack("<I", v)


def u64(v):
    return struct.pack("<Q", v)


def put(buf, off, data):
    buf[off:off + len(data)] = data


def utf16z(s):
    return s.encode("utf-16-le") + b"\0\0"


def pad4(b):
    return b + b"\0" * (-len(b) % 4)


def vs_block(key, value=b"", vlen=0, typ=1, children=()):
    body = pad4(u16(0) + u16(vlen) + u16(typ) + utf16z(key)) + value
    for c in children:
        body = pad4(body) + c
    return u16(len(body)) + body[2:]


BASE_STRINGS = [
    ("CompanyName", "Generated Company"),
    ("FileDescription", "Generated base DLL"),
    ("FileVersion", "9.8.7.6"),
    ("OriginalFilename", "base.dll"),
    ("ProductName", "gen.py"),
    ("ProductVersion", "9.8")]


def version_resource(fields=None):
    """A VS_VERSION_INFO with one en-US string table of (key, value)."""
    strings = []
    for k, v in fields or BASE_STRINGS:
        data = v.encode("utf-16-le", "surrogatepass") + b"\0\0"
        strings.append(vs_block(k, data, len(data) // 2))
    table = vs_block("040904B0", children=strings)
    sfi = vs_block("StringFileInfo", children=[table])
    var = vs_block("Translation", u16(0x409) + u16(1200), 4, 0)
    vfi = vs_block("VarFileInfo", children=[var])
    fixed = u32(0xFEEF04BD) + u32(0x10000) + b"\0" * 44
    return vs_block("VS_VERSION_INFO", fixed, 52, 0, [sfi, vfi])


def rsrc_section(vs):
    s = bytearray(SIZE[RSRC])
    # root: one id entry, RT_VERSION (16) -> directory at 0x18
    put(s, 0x00, b"\0" * 12 + u16(0) + u16(1))
    put(s, 0x10, u32(16) + u32(0x80000000 | 0x18))
    # name level: id 1 -> directory at 0x30
    put(s, 0x18, b"\0" * 12 + u16(0) + u16(1))
    put(s, 0x28, u32(1) + u32(0x80000000 | 0x30))
    # language level: 0x409 -> data entry at 0x48
    put(s, 0x30, b"\0" * 12 + u16(0) + u16(1))
    put(s, 0x40, u32(0x409) + u32(0x48))
    put(s, 0x48, u32(RSRC + 0x60) + u32(len(vs)) + u32(0) + u32(0))
    put(s, 0x60, vs)
    return s


def rdata_section():
    s = bytearray(SIZE[RDATA])
    names = {}
    pos = NAMES

    def name(text, hint=None):
        nonlocal pos
        data = (u16(hint) if hint is not None else b"") + text.encode() + b"\0"
        put(s, pos, data)
        names[text] = RDATA + pos
        pos += len(data) + (len(data) & 1)
        return names[text]

    # imports: KERNEL32.dll!GetTickCount, !Sleep
    gtc, slp = name("GetTickCount", 0x1F0), name("Sleep", 0x2A0)
    for tab in (ILT, IAT):
        put(s, tab, u64(gtc) + u64(slp) + u64(0))
    put(s, IMP, u32(RDATA + ILT) + u32(0) + u32(0) + u32(name("KERNEL32.dll")) +
        u32(RDATA + IAT))
    # exports: Alpha (code), Beta (forwarded), inside [EXP, EXP + EXP_SIZE)
    fwd = EXP + 0x80
    put(s, fwd, b"KERNEL32.Beep\0")
    funcs, nms, ords = EXP + 0x28, EXP + 0x30, EXP + 0x38
    put(s, funcs, u32(TEXT) + u32(RDATA + fwd))
    put(s, nms, u32(name("Alpha")) + u32(name("Beta")))
    put(s, ords, u16(0) + u16(1))
    put(s, EXP, u32(0) * 3 + u32(name("base.dll")) + u32(1) + u32(2) + u32(2) +
        u32(RDATA + funcs) + u32(RDATA + nms) + u32(RDATA + ords))
    # delay-load: USER32.dll!MessageBeep, RVA-based (Attributes bit 0)
    mb = name("MessageBeep", 0x1D0)
    put(s, DINT, u64(mb) + u64(0))
    put(s, DIAT, u64(TEXT) + u64(0))
    put(s, DELAY, u32(1) + u32(name("USER32.dll")) + u32(RDATA + DHANDLE) +
        u32(RDATA + DIAT) + u32(RDATA + DINT) + u32(0) * 3)
    return s


def base_pe(nsections=3):
    vs = version_resource()
    f = bytearray(RAW[RSRC] + SIZE[RSRC])
    put(f, 0, b"MZ")
    put(f, 0x3C, u32(LFANEW))
    put(f, LFANEW, b"PE\0\0")
    # file header: AMD64, sections, timestamp, -, -, optional size, DLL
    put(f, LFANEW + 4, u16(0x8664) + u16(nsections) + u32(0x5F000000) +
        u32(0) + u32(0) + u16(OPT_SIZE) + u16(0x2022))
    o = bytearray(OPT_SIZE)
    put(o, 0, u16(0x20B))
    put(o, 16, u32(TEXT))                    # AddressOfEntryPoint
    put(o, 24, u64(0x180000000))             # ImageBase
    put(o, 32, u32(SECT_ALIGN) + u32(FILE_ALIGN))
    put(o, 40, u16(6) + u16(0) + u16(0) + u16(0) + u16(6) + u16(0))
    put(o, 56, u32(0x4000) + u32(HEADERS))   # SizeOfImage, SizeOfHeaders
    put(o, 68, u16(2) + u16(0x0160))         # GUI, ASLR|HEVA|NX
    put(o, 108, u32(16))                     # NumberOfRvaAndSizes
    dirs = {0: (RDATA + EXP, EXP_SIZE), 1: (RDATA + IMP, 40),
            2: (RSRC, SIZE[RSRC]), 13: (RDATA + DELAY, 64)}
    for i, (rva, size) in dirs.items():
        put(o, 112 + 8 * i, u32(rva) + u32(size))
    put(f, OPT_OFF, o)
    for i, (nm, rva, ch) in enumerate([(b".text", TEXT, 0x60000020),
                                       (b".rdata", RDATA, 0x40000040),
                                       (b".rsrc", RSRC, 0x40000040)]):
        put(f, SECTAB + 40 * i, nm.ljust(8, b"\0") + u32(SIZE[rva]) + u32(rva) +
            u32(SIZE[rva]) + u32(RAW[rva]) + b"\0" * 12 + u32(ch))
    put(f, RAW[TEXT], b"\xC3")
    put(f, RAW[RDATA], rdata_section())
    put(f, RAW[RSRC], rsrc_section(vs))
    return f


def with_dir(f, index, rva, size):
    put(f, OPT_OFF + 112 + 8 * index, u32(rva) + u32(size))
    return f


def metadata(streams, count=None):
    """A metadata root (ECMA-335 II.24.2.1) and its streams, each (name,
    bytes) or (name, bytes, offset, size) to lie about where it is."""
    heads = b""
    for st in streams:
        heads += u32(0) + u32(0) + pad4(st[0].encode() + b"\0")
    at = 16 + 12 + 4 + len(heads)
    heads, body = b"", b""
    for st in streams:
        name, data = st[0], pad4(st[1])
        off, size = (st[2], st[3]) if len(st) > 2 else (at + len(body), len(st[1]))
        heads += u32(off) + u32(size) + pad4(name.encode() + b"\0")
        body += data
    n = len(streams) if count is None else count
    return (b"BSJB" + u16(1) + u16(1) + u32(0) + u32(12) +
            b"v4.0.30319\0\0" + u16(0) + u16(n) + heads + body)


def tables(rows, data=b"", heaps=0):
    """A #~ stream: rows maps a table number to its row count."""
    valid = sum(1 << t for t in rows)
    return (u32(0) + bytes([2, 0, heaps, 1]) + u64(valid) + u64(0) +
            b"".join(u32(rows[t]) for t in sorted(rows)) + data)


def clr_image(base, md):
    f = bytearray(base)
    assert len(md) <= SIZE[RDATA] - METADATA
    put(f, RAW[RDATA] + CLR, u32(72) + u16(2) + u16(5) +
        u32(RDATA + METADATA) + u32(len(md)) + u32(1))
    put(f, RAW[RDATA] + METADATA, md)
    return with_dir(f, 14, RDATA + CLR, 72)


def clr_variants(base):
    """src/pe/dotnet.c's reader: the Assembly row, and tables that lie."""
    module = u16(0) + u16(1) + u16(1) + u16(0) * 2
    strings = b"\0Malformed.Assembly\0en-US\0"
    # the ECMA key: its token is b77a5c561934e089
    blob = b"\0" + bytes([16]) + bytes(8) + bytes([4]) + bytes(7)

    def row(key, name, culture):
        return (u32(0x8004) + u16(1) + u16(2) + u16(3) + u16(4) + u32(1) +
                u16(key) + u16(name) + u16(culture))
    two = row(1, 1, 20) * 2
    f = clr_image(base, metadata([
        ("#~", tables({0: 1, 0x20: 2}, module + two)),
        ("#Strings", strings), ("#GUID", bytes(range(16))), ("#Blob", blob)]))
    yield "clr-assembly-two-rows.dll", f
    # the file ends inside the table stream
    yield "truncated-clr-tables.dll", f[:RAW[RDATA] + METADATA + 120]
    # every table before Assembly (and it) with 2^32-1 rows
    yield "clr-tables-huge.dll", clr_image(base, metadata([
        ("#~", tables({t: 0xFFFFFFFF for t in range(0x21)}))]))
    # indexes past their heaps, a #Blob outside the file, 0xFFFF streams
    yield "clr-assembly-indexes-wild.dll", clr_image(base, metadata([
        ("#~", tables({0: 1, 0x20: 1}, module + row(1, 0xFFF0, 0))),
        ("#Strings", strings), ("#Blob", blob, 0xFFFFFF00, 0x1000)], 0xFFFF))


def facts_variants(base):
    """src/pe/facts.c's readers, each given a table that lies."""
    f = with_dir(bytearray(base), 6, RDATA + DEBUG, 0xFFFFFFE0)
    yield "debug-count-huge.dll", f
    # a CodeView record at the end of the file whose path never ends
    f = bytearray(base)
    rec = b"RSDS" + bytes(range(16)) + u32(1) + b"A" * 2000
    put(f, RAW[RDATA] + DEBUG, u32(0) * 3 + u32(2) + u32(len(rec)) +
        u32(0) + u32(len(f)))
    f += rec
    yield "codeview-path-unterminated.dll", with_dir(f, 6, RDATA + DEBUG, 28)
    # TLS callbacks that run to the end of .rdata without a 0
    f = bytearray(base)
    put(f, RAW[RDATA] + TLS, u64(0) * 3 + u64(0x180000000 + RDATA + CALLBACKS))
    for at in range(CALLBACKS, SIZE[RDATA], 8):
        put(f, RAW[RDATA] + at, u64(0x180000000 + TEXT))
    yield "tls-callbacks-unterminated.dll", with_dir(f, 9, RDATA + TLS, 40)
    f = bytearray(base)
    put(f, RAW[RDATA] + TLS, u64(0) * 3 + u64(0x1000))
    yield "tls-callbacks-below-base.dll", with_dir(f, 9, RDATA + TLS, 40)
    yield "load-config-wild.dll", with_dir(bytearray(base), 10, 0xFFFFFF00, 0x100)
    # a CLR header whose metadata root lies outside the file
    f = bytearray(base)
    put(f, RAW[RDATA] + CLR, u32(72) + u16(2) + u16(5) + u32(0x7FFFFFF0) +
        u32(0x100) + u32(1))
    yield "clr-metadata-wild.dll", with_dir(f, 14, RDATA + CLR, 72)
    # data after the certificate table: outside what a signature covers
    f = bytearray(base)
    cert = u32(16) + u16(0x200) + u16(2) + b"\0" * 8
    with_dir(f, 4, len(f), len(cert))
    f += cert + b"appended after the signature"
    yield "data-after-certificate-table.dll", f
    yield from clr_variants(base)


def variants():
    base = base_pe()
    yield from facts_variants(base)
    yield "base.dll", base
    # truncated at every header boundary, and inside the sections
    for name, at in [("dos-header", 0x3E), ("before-pe-signature", LFANEW + 2),
                     ("file-header", LFANEW + 12), ("optional-magic", OPT_OFF + 1),
                     ("optional-header", OPT_OFF + 100),
                     ("data-directories", OPT_OFF + 150),
                     ("section-table", SECTAB + 50), ("headers", HEADERS - 1),
                     ("text", RAW[TEXT] + 1), ("rdata", RAW[RDATA] + 0x110),
                     ("rsrc", RAW[RSRC] + 0x70)]:
        yield "truncated-%s.dll" % name, base[:at]
    # the section table runs past the end of the file
    f = bytearray(base[:SECTAB + 60])
    put(f, LFANEW + 6, u16(40))
    yield "section-table-past-end.dll", f
    # NumberOfNames 0xFFFFFFFF (and NumberOfFunctions too)
    f = bytearray(base)
    put(f, RAW[RDATA] + EXP + 20, u32(0xFFFFFFFF) + u32(0xFFFFFFFF))
    yield "export-count-huge.dll", f
    f = bytearray(base)
    put(f, RAW[RDATA] + EXP + 24, u32(0xFFFFFFFF))
    yield "export-names-huge.dll", f
    # an export name without a terminator at the very end of the file
    f = bytearray(base[:RAW[RSRC]])
    put(f, SECTAB + 40 * 1 + 16, u32(len(f) - RAW[RDATA]))  # .rdata to EOF
    put(f, LFANEW + 6, u16(2))
    tail = RAW[RDATA] + SIZE[RDATA] - 6
    put(f, tail, b"Gamma!")  # no NUL: the file ends here
    put(f, RAW[RDATA] + EXP + 0x30 + 4, u32(RDATA + SIZE[RDATA] - 6))
    yield "export-name-unterminated.dll", f
    # a forwarder loop: Beta forwarded to base.Beta
    f = bytearray(base)
    put(f, RAW[RDATA] + EXP + 0x80, b"base.Beta\0\0\0\0\0")
    yield "export-forwarder-loop.dll", f
    # a resource directory that points at itself (root and name level)
    f = bytearray(base)
    put(f, RAW[RSRC] + 0x14, u32(0x80000000))
    yield "resource-root-loop.dll", f
    f = bytearray(base)
    put(f, RAW[RSRC] + 0x2C, u32(0x80000000 | 0x18))
    yield "resource-name-loop.dll", f
    f = bytearray(base)
    put(f, RAW[RSRC] + 0x26, u16(0xFFFF))  # 65535 id entries, name level
    yield "resource-entries-huge.dll", f
    # 65535 sections, every header present
    f = bytearray(base[:HEADERS])
    put(f, LFANEW + 6, u16(0xFFFF))
    table = bytearray()
    for i in range(0xFFFF):
        table += b".s%05d\0" % (i % 100000) + u32(0x1000) + u32(0x1000 * (i + 1)) + \
            u32(0x200) + u32(HEADERS) + b"\0" * 12 + u32(0x40000040)
    f = f[:SECTAB] + table + b"\0" * 0x200
    yield "sections-65535.dll", f
    # a version resource whose lengths lie
    vs = RAW[RSRC] + 0x60
    for name, off, val in [("vs-length-huge", 0, 0xFFFF),
                           ("vs-length-zero", 0, 0),
                           ("vs-value-length-huge", 2, 0xFFFF)]:
        f = bytearray(base)
        put(f, vs + off, u16(val))
        yield "%s.dll" % name, f
    f = bytearray(base)
    # every String, StringTable and StringFileInfo length set to 0xFFFF
    data = version_resource()
    i = data.find(utf16z("StringFileInfo")) - 6
    put(f, vs + i, u16(0xFFFF))
    j = data.find(utf16z("040904B0")) - 6
    put(f, vs + j, u16(0xFFFF))
    for k in ("CompanyName", "FileDescription", "ProductName"):
        put(f, vs + data.find(utf16z(k)) - 6, u16(0xFFFF) + u16(0xFFFF))
    yield "vs-strings-lie.dll", f
    # a data entry of the version resource pointing past the end of file
    f = bytearray(base)
    put(f, RAW[RSRC] + 0x48, u32(0x7FFFFFF0) + u32(0x1000))
    yield "vs-data-past-end.dll", f
    # more: NumberOfRvaAndSizes huge, e_lfanew past the end, import loops
    f = bytearray(base)
    put(f, OPT_OFF + 108, u32(0xFFFFFFFF))
    yield "rva-and-sizes-huge.dll", f
    f = bytearray(base)
    put(f, 0x3C, u32(0xFFFFFFF0))
    yield "lfanew-past-end.dll", f
    f = bytearray(base)
    put(f, RAW[RDATA] + ILT, u64(RDATA + ILT) + u64(0))  # thunk -> itself
    put(f, RAW[RDATA] + IAT, u64(RDATA + IAT) + u64(0))
    yield "import-thunk-loop.dll", f
    f = bytearray(base)
    put(f, RAW[RDATA] + IMP + 20, b"\xFF" * 20)  # a garbage descriptor
    yield "import-descriptor-garbage.dll", f
    f = bytearray(base)
    put(f, OPT_OFF + 112 + 8, u32(0xFFFFFF00) + u32(0xFFFFFFFF))
    yield "import-directory-wild.dll", f


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, data in variants():
        with open(os.path.join(out, name), "wb") as fh:
            fh.write(bytes(data))


if __name__ == "__main__":
    main()
