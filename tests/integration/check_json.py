#!/usr/bin/python3
"""Checks the JSON Lines of `profilefs profile --format=jsonl` against
independent oracles, record by record:

    check_json.py SCHEMA JSONL SRC [--known FILE]

- the record validates against docs/profile.schema.json (python3-jsonschema);
- the hashes are what md5sum, sha1sum, sha256sum, sha384sum, sha512sum and
  ssdeep say of SRC/path;
- for a PE image, python3-pefile (tests/corpus/oracle.py, cached) gives the
  same imphash, exports (ordinal, name, forwarder), version strings and
  language (of the en-US/NAME.mui beside it when the record says its
  strings come from there), machine, PE header fields, sections, imports and checksum.
  Strings are compared as the JSON page says ours are shown: UTF-8 with
  each ill-formed subsequence as one U+FFFD (Python's "replace") and each
  hidden character (tests/inject/shown.py: controls, Unicode format
  characters, U+2028/U+2029) as \\xNN; and the raw bytes of an export's
  name and forwarder and of the export directory's name (the *_hex
  members where there are some) are what pefile reads;
- the file is found by the record's path_hex where there is one (a name
  the JSON shows otherwise than its bytes), else by its path.
Fields tests/corpus/pefile-known.txt lists as pefile's own errors are not
compared (and counted as such). Prints one line per disagreement and ends
with "N passed, N failed"; exits 1 on any failure.
"""
import json
import os
import re
import subprocess
import sys

import jsonschema
import pefile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "corpus"))
import oracle  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "inject"))
from shown import shown_json  # noqa: E402

VS = {"FileDescription": "file_description",
      "OriginalFilename": "original_filename", "ProductName": "product_name",
      "CompanyName": "company_name", "FileVersion": "file_version",
      "ProductVersion": "product_version", "LegalCopyright": "legal_copyright",
      "InternalName": "internal_name"}

passed = failed = known_skipped = 0


def eq(what, got, want):
    global passed, failed
    if got == want:
        passed += 1
    else:
        failed += 1
        print("FAIL: %s\n  json:   %r\n  oracle: %r" % (what, got, want))


def tool_hash(tool, path):
    out = subprocess.run([tool, "-b", path], capture_output=True, check=True)
    return out.stdout.split()[0].decode(errors="replace").lstrip("\\")


def ssdeep(path):
    out = subprocess.run(["ssdeep", "-s", "-b", path], capture_output=True,
                         check=True).stdout.decode(errors="replace").splitlines()
    return out[1].split(",", 1)[0]


def rep(b):
    """a string pefile reads (bytes or text) as the JSON shows it"""
    return None if b is None else shown_json(b)


def rep_vs(s):
    """a version string as pefile gives it, as the JSON shows it: pefile
    writes a character beyond U+FFFF as the text of its UTF-16 pair
    (\\ud834\\udd73)"""
    if s is None:
        return None
    s = re.sub(r"\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})",
               lambda m: chr(0x10000 + ((int(m[1], 16) - 0xd800) << 10) +
                             int(m[2], 16) - 0xdc00), s)
    return shown_json(s)


def exports_raw(path):
    """(ordinal, name, forwarder) as pefile reads them (bytes)"""
    pe = pefile.PE(path, fast_load=True)
    pe.parse_data_directories(directories=[
        pefile.DIRECTORY_ENTRY["IMAGE_DIRECTORY_ENTRY_EXPORT"]])
    out = [[e.ordinal, e.name, e.forwarder]
           for e in getattr(pe, "DIRECTORY_ENTRY_EXPORT", None) and
           pe.DIRECTORY_ENTRY_EXPORT.symbols or []]
    return sorted(out, key=lambda e: (e[0], e[1] or b""))


def exports_of(path):
    """(ordinal, name, forwarder) as pefile reads them, shown as ours"""
    return [[o, rep(n), rep(f)] for o, n, f in exports_raw(path)]


def check_pe(rec, path, known):
    name = os.path.basename(path)
    what = rec["path"]
    try:
        o = oracle.oracle_cached(path)
    except UnicodeDecodeError:
        o = None  # oracle.py decodes strictly: hostile names, see below
    skip = {f for (n, f) in known if n == name}

    def cmp(field, got, want):
        global known_skipped
        if field in skip:
            known_skipped += 1
            return
        eq("%s: %s" % (what, field), got, want)

    h = rec["pe_header"]
    cmp("exports", [[e["ordinal"], e["name"], e["forwarder"]]
                    for e in rec["exports"]], exports_of(path))
    def raw(s, hexed):
        return bytes.fromhex(hexed) if hexed else s and s.encode()

    cmp("exports' raw names and forwarders",
        [[raw(e["name"], e["name_hex"]),
          raw(e["forwarder"], e["forwarder_hex"])] for e in rec["exports"]],
        [e[1:] for e in exports_raw(path)])
    pe = pefile.PE(path, fast_load=True)
    pe.parse_data_directories(directories=[
        pefile.DIRECTORY_ENTRY["IMAGE_DIRECTORY_ENTRY_EXPORT"]])
    exp = getattr(pe, "DIRECTORY_ENTRY_EXPORT", None)
    cmp("export_name's raw bytes",
        raw(h["export_name"], h["export_name_hex"]),
        exp.name if exp and exp.name else None)
    if o is None:
        return
    cmp("imphash", rec["hashes"]["imphash"], o["imphash"] or None)
    cmp("machine", h["machine"], o["machine"])
    cmp("checksum", h["checksum_computed"], o["checksum"])
    v, ov = rec["version"], o["version"]
    if v and v["from_mui"]:
        # the strings of en-US/NAME.mui beside it win, as on Windows
        ov = oracle.oracle_cached(os.path.join(
            path[:len(path) - len(rec["path"])], v["from_mui"]))["version"]
    if ov is None:
        cmp("version", v, None)
    else:
        cmp("version_lang", [v["lang"], v["codepage"]],
            [ov["lang"], ov["codepage"]])
        cmp("version", v["strings"],
            {VS[k]: rep_vs(s) for k, s in ov["strings"].items()})
    oh = dict(o["header"], export_name=rep(o["header"]["export_name"]))
    cmp("header", {
        "pe32plus": h["format"] == "PE32+", "timestamp": h["timestamp"],
        "subsystem": h["subsystem"], "image_base": h["image_base"],
        "entry": h["entry_point"], "characteristics": h["characteristics"],
        "aslr": h["aslr"], "high_entropy_va": h["high_entropy_va"],
        "dep": h["dep"], "cfg": h["cfg"], "checksum_field": h["checksum"],
        "dotnet": h["dotnet"], "rich_hash": h["rich_hash"],
        "export_name": h["export_name"]}, oh)
    cmp("sections", [[s["name_hex"], s["virtual_address"], s["virtual_size"],
                      s["raw_size"], s["characteristics"],
                      round(s["entropy"], 4)] for s in rec["sections"]],
        [[s["name"].encode("latin-1").hex(), s["va"], s["vsize"], s["raw"],
          s["characteristics"], round(s["entropy"], 4)]
         for s in o["sections"]])
    cmp("imports", [[d["dll"], f["name"] or "Ordinal%d" % f["ordinal"],
                     f["ordinal"], d["delay_load"]]
                    for d in rec["imports"] for f in d["functions"]],
        o["imports"])


def main():
    schema_path, jsonl, src = sys.argv[1:4]
    known = set()
    if len(sys.argv) > 5 and sys.argv[4] == "--known":
        for line in open(sys.argv[5]):
            if line.strip() and not line.startswith("#"):
                n, field, _ = line.rstrip("\n").split("\t", 2)
                known.add((n, field))
    schema = json.load(open(schema_path))
    jsonschema.Draft202012Validator.check_schema(schema)
    val = jsonschema.Draft202012Validator(schema)
    n = 0
    for line in open(jsonl, encoding="utf-8"):
        rec = json.loads(line)
        n += 1
        errs = [e.message for e in val.iter_errors(rec)]
        eq("%s: valid against the schema" % rec.get("path"), errs, [])
        path = os.path.join(src, rec["path"])
        if rec["path_hex"]:
            path = os.fsdecode(os.path.join(
                os.fsencode(src), bytes.fromhex(rec["path_hex"])))
        hs = rec["hashes"]
        if hs is None:
            eq("%s: hashes" % rec["path"], hs, "a hashed file")
            continue
        for alg in ("md5", "sha1", "sha256", "sha384", "sha512"):
            eq("%s: %s" % (rec["path"], alg), hs[alg],
               tool_hash(alg + "sum", path))
        eq("%s: ssdeep" % rec["path"], hs["ssdeep"], ssdeep(path))
        if rec["is_pe"]:
            check_pe(rec, path, known)
        else:
            eq("%s: not a PE: no header, no exports" % rec["path"],
               [rec["pe_header"], rec["exports"], rec["signature"]],
               [None, [], None])
    eq("records read", n > 0, True)
    print("%d passed, %d failed (%d records; %d fields pefile is known to "
          "get wrong not compared)" % (passed, failed, n, known_skipped))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
