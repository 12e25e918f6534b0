#!/usr/bin/python3
"""Checks the output of `profilefs profile --format=csv -r SRC` against
independent oracles:

    check_csv.py CSV SRC DOC LIST

- the bytes: UTF-8, every row ending in CRLF, no other CR or LF, no
  control character at all (a field holds none raw);
- Python's csv module (the oracle of RFC 4180's quoting) reads it: the
  header is the column list of DOC (docs/profile-csv.md's table, read from
  the page, so that the page and the code cannot drift apart), every row
  has as many fields;
- one row per file of LIST (SRC's binaries, one path a line, bytes, in
  the order the rows must have), each naming its file as the documented
  escape shows it (tests/inject/shown.py), \\ for /, guarded;
- size, and md5/sha1/sha256/sha384/sha512 as md5sum, sha1sum, sha256sum,
  sha384sum and sha512sum print them, ssdeep as the ssdeep tool does;
- for a PE image, python3-pefile (tests/corpus/oracle.py) gives the
  imphash, the Machine Type (by docs/profile-format.md's table) and the
  version strings (of the en-US/NAME.mui beside it when that has some),
  each shown and guarded as the page says: a text field starting with
  = + - @ or ' has one ' before it;
- a file that is not a PE image has no PE fields and a note; no row has
  an error, known is "no data" (no store), misuse_rows is empty (no
  rules index).
Prints one line per disagreement and "N passed, N failed"; exits 1 on any.
"""
import csv
import io
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "corpus"))
sys.path.insert(0, os.path.join(HERE, "..", "inject"))
import oracle  # noqa: E402
from shown import shown  # noqa: E402

MACHINES = {0x014C: "32-bit", 0x8664: "64-bit", 0xAA64: "64-bit ARM",
            0x01C0: "32-bit ARM", 0x01C4: "32-bit ARM"}
VS = {"description": "FileDescription",
      "original_filename": "OriginalFilename",
      "product_name": "ProductName", "company_name": "CompanyName",
      "file_version": "FileVersion", "product_version": "ProductVersion"}
TEXT = ["file_path", "signature_text", "signer", "notes"] + list(VS)

passed = failed = 0


def eq(what, got, want):
    global passed, failed
    if got == want:
        passed += 1
    else:
        failed += 1
        print("FAIL: %s\n  csv:    %r\n  oracle: %r" % (what, got, want))


def guard(v):
    """OWASP's rule as docs/profile-csv.md words it"""
    return "'" + v if v[:1] in ("=", "+", "-", "@", "'") else v


def doc_columns(doc):
    cols = []
    for line in open(doc, encoding="utf-8"):
        m = re.match(r"^\| (\d+) \| `([a-z0-9_]+)` \|", line)
        if m:
            eq("the doc's columns are numbered in order", int(m[1]),
               len(cols) + 1)
            cols.append(m[2])
    return cols


def tool_hash(tool, path):
    out = subprocess.run([tool, "-b", path], capture_output=True, check=True)
    return out.stdout.split()[0].decode().lstrip("\\")


def ssdeep(path):
    out = subprocess.run(["ssdeep", "-s", "-b", path], capture_output=True,
                         check=True).stdout.decode().splitlines()
    return out[1].split(",", 1)[0]


def strings_of(path):
    """pefile's version strings the profile shows: the en-US .mui's win"""
    o = oracle.oracle_cached(path)
    d, n = os.path.split(path)
    mui = os.path.join(d, "en-US", n + ".mui")
    if not n.lower().endswith(".mui") and os.path.isfile(mui):
        try:
            m = oracle.oracle_cached(mui)["version"]
        except Exception:  # not a PE: its strings are not lent
            m = None
        if m:
            return o, m["strings"]
    return o, o["version"]["strings"] if o["version"] else {}


def check_file(r, path):
    what = r["file_path"]
    eq(what + ": size", r["size"], str(os.path.getsize(path)))
    for col, tool in (("md5", "md5sum"), ("sha1", "sha1sum"),
                      ("sha256", "sha256sum"), ("sha384", "sha384sum"),
                      ("sha512", "sha512sum")):
        eq(what + ": " + col, r[col], tool_hash(tool, path))
    eq(what + ": ssdeep", r["ssdeep"], ssdeep(path))
    eq(what + ": error", r["error"], "")
    eq(what + ": known", r["known"], "no data")
    eq(what + ": misuse_rows", r["misuse_rows"], "")
    try:
        o, strings = strings_of(path)
    except Exception:  # pefile refuses it: not a PE image
        o = None
    if o is None:
        for col in ["imphash", "pe_sha1", "pe_sha256", "machine_type",
                    "signature_status"] + list(VS):
            eq(what + ": not a PE, no " + col, r[col], "")
        eq(what + ": not a PE, a note says why",
           r["notes"].startswith("Not a PE image"), True)
        return
    eq(what + ": imphash", r["imphash"], o["imphash"] or "")
    eq(what + ": machine_type", r["machine_type"],
       MACHINES.get(o["machine"], "Unknown (0x%04X)" % o["machine"]))
    for col, key in VS.items():
        s = strings.get(key)
        eq(what + ": " + col, r[col], "" if s is None else guard(shown(s)))
    eq(what + ": PE hashes", [len(r["pe_sha1"]), len(r["pe_sha256"])],
       [40, 64])


def main():
    path_csv, src, doc, listing = sys.argv[1:5]
    raw = open(path_csv, "rb").read()
    text = raw.decode("utf-8")  # strict: fails on anything else
    eq("every row ends in CRLF", raw.endswith(b"\r\n"), True)
    body = raw.replace(b"\r\n", b"")
    eq("no other CR or LF, no control at all",
       [c for c in body if c < 0x20 or c == 0x7F], [])
    rows = list(csv.reader(io.StringIO(text, newline="")))
    cols = doc_columns(doc)
    eq("the header is the doc's column list", rows[0], cols)
    eq("every row has every column",
       sorted({len(r) for r in rows}), [len(cols)])
    recs = [dict(zip(cols, r)) for r in rows[1:]]
    files = open(listing, "rb").read().split(b"\0")[:-1]
    eq("one row per file, in the list's order",
       [r["file_path"] for r in recs],
       ["C:\\" + shown(f).replace("/", "\\") for f in files])
    for r, f in zip(recs, files):
        for col in TEXT:
            eq(r["file_path"] + ": no raw control in " + col,
               re.search(r"[\x00-\x1f\x7f-\x9f]", r[col]), None)
        check_file(r, os.path.join(os.fsencode(src), f).decode(
            "utf-8", "surrogateescape"))
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
