"""What python3-pefile says about a PE file, in the shape the format page
asks for: the independent oracle of the corpus suite and of the profile
checks. The one choice made here, not by pefile, is the format page's rule
for which version resource and string table to use, applied over the
structures pefile parsed.

pefile takes ~0.5 s a file on the wine corpus, and CI runs the corpus
suite three times (release, ASan, valgrind), so oracle_cached() keeps
each answer in a cache folder outside the source tree:
$PROFILEFS_ORACLE_CACHE, else ${XDG_CACHE_HOME:-$HOME/.cache}/profilefs-oracle/
("none" turns it off). An entry is keyed by the SHA-256 of the file's
bytes, pefile's version, Python's version and the SHA-256 of this file
(the oracle's own code), and holds that whole key, checked on every read:
it is used only for the same bytes read by the same oracle, so it never
changes what is compared. An entry that cannot be read or does not match
is computed again; a cache that cannot be written is simply not used."""
import hashlib
import json
import os
import struct
import sys
import tempfile

import ordlookup
import pefile

KEYS = ["FileDescription", "OriginalFilename", "ProductName", "CompanyName",
        "FileVersion", "ProductVersion", "LegalCopyright", "InternalName"]


def translation(pe, finfo):
    """The first Translation pair, read from the file (pefile keeps the last)."""
    for fi in finfo:
        for var in getattr(fi, "Var", []) or []:
            if b"Translation" not in (var.entry or {}):
                continue
            off = var.get_file_offset()
            val = off + ((6 + 2 * (len("Translation") + 1) + 3) & ~3)
            lang, cp = struct.unpack_from("<HH", pe.__data__, val)
            return "%04X%04X" % (lang, cp)
    return None


def version(pe):
    """The format page's choice, made over what pefile parsed."""
    if not hasattr(pe, "DIRECTORY_ENTRY_RESOURCE"):
        return None
    found = []
    for t in pe.DIRECTORY_ENTRY_RESOURCE.entries:
        if t.id != pefile.RESOURCE_TYPE["RT_VERSION"] or t.name is not None:
            continue
        for n in getattr(t, "directory", None) and t.directory.entries or []:
            for l in getattr(n, "directory", None) and n.directory.entries or []:
                if hasattr(l, "data"):
                    found.append((l.id & 0xFFFF, l.data.struct))
    if not found:
        return None
    chosen = next((s for lang, s in found if lang == 0x409), None) or \
        next((s for lang, s in found if lang == 0), None) or found[0][1]
    pe.FileInfo = []
    pe.parse_version_information(chosen)
    if not pe.FileInfo or not pe.FileInfo[-1]:
        return None
    finfo = pe.FileInfo[-1]
    tables = [st for fi in finfo for st in getattr(fi, "StringTable", []) or []]
    if not tables:
        return None
    by_key = {}
    for st in tables:
        by_key.setdefault(st.LangID.decode("ascii", "replace").upper(), st)
    want = [translation(pe, finfo), "040904B0", "040904E4", "04090000"]
    table = next((by_key[k] for k in want if k and k in by_key), tables[0])
    key = table.LangID.decode("ascii", "replace")
    strings = {}
    for k in KEYS:
        v = table.entries.get(k.encode())
        strings[k] = None if v is None else v.decode("utf-8", "replace")
    return {"lang": int(key[:4], 16), "codepage": int(key[4:8], 16),
            "strings": strings}


def header(pe):
    """The PE Header facts, as numbers pefile read."""
    oh = pe.OPTIONAL_HEADER
    dd = oh.DATA_DIRECTORY
    exp = getattr(pe, "DIRECTORY_ENTRY_EXPORT", None)
    name = exp.name if exp is not None else None
    return {"pe32plus": oh.Magic == 0x20B,
            "timestamp": pe.FILE_HEADER.TimeDateStamp,
            "subsystem": oh.Subsystem, "image_base": oh.ImageBase,
            "entry": oh.AddressOfEntryPoint,
            "characteristics": pe.FILE_HEADER.Characteristics,
            "aslr": bool(oh.IMAGE_DLLCHARACTERISTICS_DYNAMIC_BASE),
            "high_entropy_va": bool(oh.IMAGE_DLLCHARACTERISTICS_HIGH_ENTROPY_VA),
            "dep": bool(oh.IMAGE_DLLCHARACTERISTICS_NX_COMPAT),
            "cfg": bool(oh.IMAGE_DLLCHARACTERISTICS_GUARD_CF),
            "checksum_field": oh.CheckSum,
            "dotnet": len(dd) > 14 and dd[14].VirtualAddress != 0,
            "rich_hash": pe.get_rich_header_hash() if pe.RICH_HEADER else None,
            "export_name": name.decode("utf-8", "replace") if name else None}


def sections(pe):
    return [{"name": s.Name.rstrip(b"\0").decode("latin-1"),
             "va": s.VirtualAddress, "vsize": s.Misc_VirtualSize,
             "raw": s.SizeOfRawData, "entropy": s.get_entropy(),
             "characteristics": s.Characteristics} for s in pe.sections]


def imports(pe):
    """[dll, function, by-ordinal or None, delay-load], in table order; a
    function imported by ordinal named through pefile's ordinal tables."""
    out = []
    for attr, delay in (("DIRECTORY_ENTRY_IMPORT", False),
                        ("DIRECTORY_ENTRY_DELAY_IMPORT", True)):
        for d in getattr(pe, attr, []) or []:
            dll = d.dll.decode("utf-8", "replace")
            for i in d.imports:
                if i.import_by_ordinal:
                    # pefile's table only: ordLookup() would make "ordN"
                    n = ordlookup.ords.get(d.dll.lower(), {}).get(i.ordinal)
                    name = n.decode() if n else "Ordinal%d" % i.ordinal
                    out.append([dll, name, i.ordinal, delay])
                else:
                    out.append([dll, (i.name or b"").decode("utf-8", "replace"),
                                None, delay])
    return out


def tls_callbacks(pe):
    """The TLS callbacks' VAs, read with pefile's RVA reads up to the
    terminating 0 (at most 256, our cap), or None without a TLS
    directory."""
    tls = getattr(pe, "DIRECTORY_ENTRY_TLS", None)
    if tls is None:
        return None
    va = tls.struct.AddressOfCallBacks
    out = []
    if not va or va < pe.OPTIONAL_HEADER.ImageBase:
        return out
    plus = pe.OPTIONAL_HEADER.Magic == 0x20B
    rva = va - pe.OPTIONAL_HEADER.ImageBase
    while len(out) < 256:
        cb = (pe.get_qword_at_rva if plus else pe.get_dword_at_rva)(rva)
        if not cb:
            break
        out.append(cb)
        rva += 8 if plus else 4
    return out


def pdb(pe):
    """The first RSDS CodeView record: [path (Latin-1, up to the NUL),
    GUID, age], or None."""
    for d in getattr(pe, "DIRECTORY_ENTRY_DEBUG", []) or []:
        e = getattr(d, "entry", None)
        if d.struct.Type != 2 or e is None or \
                getattr(e, "CvSignature", None) != b"RSDS":
            continue
        guid = "%08X-%04X-%04X-%02X%02X-%s" % (
            e.Signature_Data1, e.Signature_Data2, e.Signature_Data3,
            e.Signature_Data4, e.Signature_Data5,
            e.Signature_Data6.hex().upper())
        path = getattr(e, "PdbFileName", b"").split(b"\0")[0]
        return [path.decode("latin-1"), guid, e.Age]
    return None


def clr(pe):
    """The CLR header's runtime version and flags and the metadata root's
    version string, read from the bytes pefile maps at the RVAs, or None
    without a CLR directory."""
    dd = pe.OPTIONAL_HEADER.DATA_DIRECTORY
    if len(dd) <= 14 or not dd[14].VirtualAddress:
        return None
    h = pe.get_data(dd[14].VirtualAddress, 20)
    major, minor, md, _, flags = struct.unpack("<HHIII", h[4:20])
    root = pe.get_data(md, 16)
    version = None
    if root[:4] == b"BSJB":
        n = min(struct.unpack("<I", root[12:16])[0], 255)
        version = pe.get_data(md + 16, n).split(b"\0")[0].decode("latin-1")
    return [major, minor, flags, version]


def res_types(pe):
    """[type id (None: named), how many resources], types of one id (and
    all named ones) merged, in first-seen order."""
    out = {}
    root = getattr(pe, "DIRECTORY_ENTRY_RESOURCE", None)
    for t in root.entries if root else []:
        key = None if t.name is not None else t.id
        n = 0
        for nm in getattr(t, "directory", None) and t.directory.entries or []:
            for lang in getattr(nm, "directory", None) and nm.directory.entries or []:
                n += hasattr(lang, "data")
        out[key] = out.get(key, 0) + n
    return [[k, v] for k, v in out.items()]


def manifest(pe):
    """[requestedExecutionLevel's level, uiAccess, autoElevate] of the
    first RT_MANIFEST, parsed with Python's own XML parser (1/0/-1 as
    pe_dump prints them), or None without a manifest."""
    import xml.etree.ElementTree as ET
    root = getattr(pe, "DIRECTORY_ENTRY_RESOURCE", None)
    for t in root.entries if root else []:
        if t.name is not None or t.id != 24:
            continue
        for nm in getattr(t, "directory", None) and t.directory.entries or []:
            for lang in getattr(nm, "directory", None) and nm.directory.entries or []:
                if not hasattr(lang, "data"):
                    continue
                d = lang.data.struct
                try:
                    doc = ET.fromstring(pe.get_data(d.OffsetToData, d.Size))
                except ET.ParseError:
                    return [None, -1, -1]
                level, ui, auto = None, -1, -1

                def tri(v):
                    v = (v or "").strip().lower()
                    return 1 if v == "true" else 0 if v == "false" else -1
                for e in doc.iter():
                    tag = e.tag.rsplit("}", 1)[-1]
                    if tag == "requestedExecutionLevel" and level is None:
                        level = e.get("level")
                        ui = tri(e.get("uiAccess"))
                    elif tag == "autoElevate" and auto == -1:
                        auto = tri(e.text)
                return [level, ui, auto]
    return None


def facts(pe):
    """The facts of src/pe/facts.c, as pefile reads them."""
    lc = getattr(pe, "DIRECTORY_ENTRY_LOAD_CONFIG", None)
    rich = pe.RICH_HEADER.values if pe.RICH_HEADER else []
    try:
        clr_ = clr(pe)
    except (pefile.PEFormatError, struct.error):
        clr_ = "unreadable"
    return {"debug_types": [d.struct.Type for d in
                            getattr(pe, "DIRECTORY_ENTRY_DEBUG", []) or []],
            "pdb": pdb(pe), "tls": tls_callbacks(pe),
            "overlay": pe.get_overlay_data_start_offset(),
            "guard_flags": getattr(lc.struct, "GuardFlags", None) if lc else None,
            "clr": clr_,
            "res_types": res_types(pe), "manifest": manifest(pe),
            "rich": [[rich[i] >> 16, rich[i] & 0xFFFF, rich[i + 1]]
                     for i in range(0, len(rich) - 1, 2)]}


def oracle(path):
    return oracle_of(pefile.PE(path, fast_load=False))


def oracle_of(pe):
    exports = []
    if hasattr(pe, "DIRECTORY_ENTRY_EXPORT"):
        for e in pe.DIRECTORY_ENTRY_EXPORT.symbols:
            exports.append([e.ordinal,
                            e.name.decode() if e.name is not None else None,
                            e.forwarder.decode() if e.forwarder else None])
    return {"machine": pe.FILE_HEADER.Machine, "imphash": pe.get_imphash(),
            "exports": sorted(exports, key=lambda e: (e[0], e[1] or "")),
            "version": version(pe), "checksum": pe.generate_checksum(),
            "header": header(pe), "sections": sections(pe),
            "imports": imports(pe), "facts": facts(pe)}


def _code_key():
    with open(os.path.abspath(__file__), "rb") as f:
        code = hashlib.sha256(f.read()).hexdigest()
    return "pefile-%s-py%d.%d-oracle-%s" % (pefile.__version__, sys.version_info[0],
                                            sys.version_info[1], code)


CODE_KEY = _code_key()


def cache_dir():
    d = os.environ.get("PROFILEFS_ORACLE_CACHE")
    if d == "none":
        return None
    if not d:
        base = os.environ.get("XDG_CACHE_HOME") or \
            os.path.join(os.path.expanduser("~"), ".cache")
        d = os.path.join(base, "profilefs-oracle")
    return os.path.join(d, CODE_KEY)


def cache_store(entry, value):
    """value as JSON at entry, whole or not at all (written aside, then
    renamed); a cache that cannot be written is simply not used."""
    try:
        os.makedirs(os.path.dirname(entry), exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(entry))
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(value, f)
        os.replace(tmp, entry)
    except OSError:
        pass


def oracle_cached(path, stats=None):
    """oracle(path) through the cache; raises pefile.PEFormatError as
    oracle() does (a file pefile rejects is cached as such). stats, a dict,
    counts "hit" and "miss"."""
    with open(path, "rb") as f:
        data = f.read()
    digest = hashlib.sha256(data).hexdigest()
    d = cache_dir()
    entry = os.path.join(d, digest[:2], digest + ".json") if d else None
    if entry:
        try:
            with open(entry, encoding="utf-8") as f:
                got = json.load(f)
            if got.get("sha256") == digest and got.get("code") == CODE_KEY:
                if stats is not None:
                    stats["hit"] = stats.get("hit", 0) + 1
                if "error" in got:
                    raise pefile.PEFormatError(got["error"])
                return got["oracle"]
        except (OSError, ValueError, KeyError, AttributeError):
            pass
    if stats is not None:
        stats["miss"] = stats.get("miss", 0) + 1
    result = {"sha256": digest, "code": CODE_KEY}
    try:
        # the bytes hashed are the bytes parsed
        result["oracle"] = oracle_of(pefile.PE(data=data, fast_load=False))
    except pefile.PEFormatError as e:
        result["error"] = str(e)
    # what a hit would return: the same values after the JSON round trip
    result = json.loads(json.dumps(result))
    if entry:
        cache_store(entry, result)
    if "error" in result:
        raise pefile.PEFormatError(result["error"])
    return result["oracle"]
