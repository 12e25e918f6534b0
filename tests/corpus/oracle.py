"""What python3-pefile says about a PE file, in the shape the format page
asks for: the independent oracle of the corpus suite and of the profile
checks. The one choice made here, not by pefile, is the format page's rule
for which version resource and string table to use, applied over the
structures pefile parsed."""
import struct

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


def oracle(path):
    pe = pefile.PE(path, fast_load=False)
    exports = []
    if hasattr(pe, "DIRECTORY_ENTRY_EXPORT"):
        for e in pe.DIRECTORY_ENTRY_EXPORT.symbols:
            exports.append([e.ordinal,
                            e.name.decode() if e.name is not None else None,
                            e.forwarder.decode() if e.forwarder else None])
    return {"machine": pe.FILE_HEADER.Machine, "imphash": pe.get_imphash(),
            "exports": sorted(exports, key=lambda e: (e[0], e[1] or "")),
            "version": version(pe), "checksum": pe.generate_checksum()}


