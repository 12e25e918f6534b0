#!/usr/bin/python3
"""The differential suite: our PE parser (pe_dump) against python3-pefile,
file by file: machine type, imphash, exports (ordinal, name, forwarder),
the version strings of the table the format page chooses, and the header
checksum pefile computes.

    compare.py PE_DUMP [--known FILE] PATH...     (files or folders)

Where pefile itself is wrong, tests/corpus/pefile-known.txt says so, one
"file-name<TAB>field<TAB>reason" a line; such a field is reported as a
known pefile error, not compared, and never silently. Prints one line per
disagreement and ends with "N passed, N failed".
"""
import json, os, struct, subprocess, sys

import pefile

KEYS = ["FileDescription", "OriginalFilename", "ProductName", "CompanyName",
        "FileVersion", "ProductVersion", "LegalCopyright", "InternalName"]


def files_of(paths):
    for p in paths:
        if os.path.isdir(p):
            for root, _, names in os.walk(p):
                for n in sorted(names):
                    f = os.path.join(root, n)
                    if os.path.isfile(f) and not os.path.islink(f):
                        yield f
        else:
            yield p


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


def main():
    args = sys.argv[1:]
    dump = args.pop(0)
    known = {}
    if args and args[0] == "--known":
        args.pop(0)
        for line in open(args.pop(0)):
            if line.strip() and not line.startswith("#"):
                name, field, why = line.rstrip("\n").split("\t", 2)
                known[(name, field)] = why
    files = list(files_of(args))
    ours = {}
    for i in range(0, len(files), 200):
        out = subprocess.run([dump] + files[i:i + 200], capture_output=True,
                             text=True, check=True).stdout
        for line in out.splitlines():
            d = json.loads(line)
            ours[d["file"]] = d
    passed = failed = skipped = 0
    for f in files:
        mine = ours.get(f)
        try:
            theirs = oracle(f)
        except pefile.PEFormatError as e:
            if mine and mine["pe"]:
                print("%s: pefile cannot read it (%s); we can" % (f, e))
            skipped += 1
            continue
        if not mine or not mine["pe"]:
            print("%s: pefile reads it, we say it is not a PE" % f)
            failed += 1
            continue
        mine["exports"] = sorted(mine["exports"], key=lambda e: (e[0], e[1] or ""))
        ok = True
        for field in ("machine", "imphash", "exports", "version", "checksum"):
            why = known.get((os.path.basename(f), field))
            if why:
                print("%s: %s not compared: pefile is wrong here: %s" % (f, field, why))
                continue
            if mine[field] != theirs[field]:
                ok = False
                print("%s: %s differs\n  ours:   %s\n  pefile: %s" % (
                    f, field, json.dumps(mine[field])[:600],
                    json.dumps(theirs[field])[:600]))
        passed += ok
        failed += not ok
    print("%d files compared, %d not PE files to pefile" % (passed + failed, skipped))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
