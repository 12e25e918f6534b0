#!/usr/bin/python3
"""check_pe.py PROFILE BINARY [MUI]: holds the PE parts of a Markdown
profile to python3-pefile: the IMP row, the DLL Exports table, the File
Metadata bullets (from MUI when given, as the format page says: the
text as pefile prints it, nothing escaped but hidden characters), Machine
Type, the title's description, every PE Header bullet's number or flag,
the Sections table (names, addresses, sizes, entropy, characteristics)
and the Imports table. Prints each disagreement; ends with
"N passed, N failed"; exit 1 on any failure."""
import datetime, html, os, re, subprocess, sys

import yaml

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "corpus"))
from oracle import oracle  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "inject"))
from shown import shown  # noqa: E402

# Windows' names of the languages the fixtures use, and the format page's
# machine labels
LANGS = {0x0000: "Language Neutral", 0x0407: "German (Germany)",
         0x0409: "English (United States)", 0x040C: "French (France)",
         0x0411: "Japanese (Japan)"}
MACHINES = {0x14C: "32-bit", 0x8664: "64-bit", 0xAA64: "64-bit ARM",
            0x1C0: "32-bit ARM", 0x1C4: "32-bit ARM"}
BULLETS = [("Original Filename", "OriginalFilename"), ("Product Name", "ProductName"),
           ("Company Name", "CompanyName"), ("File Version", "FileVersion"),
           ("Product Version", "ProductVersion"), ("Legal Copyright", "LegalCopyright")]

passed = failed = 0


def check(what, got, want):
    global passed, failed
    if got == want:
        passed += 1
    else:
        failed += 1
        print("FAIL: %s\n  got:  %r\n  want: %r" % (what, got, want))


def section(md, title):
    m = re.search(r"^## %s\n\n(.*?)(?=^## |\Z)" % re.escape(title), md, re.M | re.S)
    return m.group(1) if m else None


def md_cell(s):
    """A table cell as written: `code` unwrapped, \\| unescaped."""
    s = s.strip()
    m = re.fullmatch(r"(`+) ?(.*?) ?\1", s)
    if m:
        s = m.group(2)
    return s.replace("\\|", "|")


def as_shown(s):
    """A value as the profile shows it: the file's text, hidden characters
    as \\xNN (tests/inject/shown.py), and nothing else changed, so a grep
    for what pefile prints finds it."""
    return s if s is None else shown(s)


# what Markdown could act on in a bullet (docs/profile-format.md,
# "Escaping"): a value holding one is held to cmark-gfm's rendering of it
ACTIVE = re.compile(r"[`<&\]\\#|*_~]")


def rendered(line):
    """the text cmark-gfm makes of a value in running text"""
    out = subprocess.run(["cmark-gfm", "-e", "table", "-e", "autolink"],
                         input=b"x " + line.encode(), capture_output=True,
                         check=True).stdout.decode()
    return html.unescape(re.sub(r"<[^>]*>", "", out)).strip()[2:]


def check_value(what, got, want):
    """got (a bullet's value, as written) reads as want: the same text,
    or, where want holds what Markdown acts on, the same once rendered"""
    want = as_shown(want) or ""
    if got is None or not ACTIVE.search(want):
        check(what, got, want)
    else:
        check(what + " (rendered)", rendered(got), want)


def hexval(s):
    """The number of a "0x..." value that may be followed by words."""
    m = re.match(r"0x([0-9A-F]+)\b", s or "")
    return int(m.group(1), 16) if m else None


def check_header(md, name, o):
    h = o["header"]
    b = dict(re.findall(r"^\* ([^:]+): (.*)$", section(md, "PE Header") or "", re.M))
    check(name + " Format", b.get("Format"), "PE32+" if h["pe32plus"] else "PE32")
    t = h["timestamp"]
    check(name + " Link Timestamp", b.get("Link Timestamp"),
          "0 (not set)" if t == 0 else "%s UTC (0x%08X)" % (
              datetime.datetime.fromtimestamp(t, datetime.timezone.utc)
              .strftime("%Y-%m-%d %H:%M:%S"), t))
    m = re.search(r"\((\d+)\)$", b.get("Subsystem", ""))
    check(name + " Subsystem number", m and int(m.group(1)), h["subsystem"])
    check(name + " Image Base", hexval(b.get("Image Base")), h["image_base"])
    check(name + " Entry Point", hexval(b.get("Entry Point")), h["entry"])
    check(name + " Characteristics", hexval(b.get("Characteristics")),
          h["characteristics"])
    for label, key in (("ASLR", "aslr"), ("High Entropy VA", "high_entropy_va"),
                       ("DEP", "dep"), ("CFG", "cfg"), (".NET", "dotnet")):
        check(name + " " + label, b.get(label), "yes" if h[key] else "no")
    cs, want = h["checksum_field"], o["checksum"]
    check(name + " Header Checksum", b.get("Header Checksum"),
          "0x%08X (%s)" % (cs, "not set" if cs == 0 else "correct" if cs == want
                           else "wrong: the file sums to 0x%08X" % want))
    check(name + " Rich Header Hash", b.get("Rich Header Hash"),
          h["rich_hash"] and h["rich_hash"].upper())
    check(name + " Export Name", b.get("Export Name"), h["export_name"])


def table(md, title):
    rows = []
    for line in (section(md, title) or "").splitlines()[2:]:
        if line.strip():
            rows.append([md_cell(c) for c in re.split(r"(?<!\\)\|", line)])
    return rows


def check_sections(md, name, o):
    rows = table(md, "Sections")
    want = o["sections"]
    check(name + " section count", len(rows), len(want))
    for r, w in zip(rows, want):
        what = "%s section %s" % (name, w["name"])
        check(what + " name", r[0], w["name"])
        check(what + " numbers", [hexval(c) for c in (r[1], r[2], r[3], r[5])],
              [w["va"], w["vsize"], w["raw"], w["characteristics"]])
        # two decimals of pefile's entropy of the same raw bytes
        check(what + " entropy", abs(float(r[4]) - w["entropy"]) <= 0.005 + 1e-9, True)


def check_imports(md, name, o):
    rows = table(md, "Imports")
    want = []
    for dll, fn, ordinal, delay in o["imports"]:
        kind = "Delay-Load Import" if delay else "Import"
        want.append([dll, fn, kind if ordinal is None else "%s by Ordinal %d" % (kind, ordinal)])
    check(name + " Imports", rows, want)


def main():
    md_path, binary = sys.argv[1], sys.argv[2]
    mui = sys.argv[3] if len(sys.argv) > 3 else None
    md = open(md_path, encoding="utf-8").read()
    o = oracle(binary)
    name = os.path.basename(binary)

    imp = re.search(r"^IMP \| `([0-9A-F]+)`$", md, re.M)
    check(name + " IMP row", imp.group(1) if imp else "", o["imphash"].upper())

    rows = []
    body = section(md, "DLL Exports:")
    for line in (body or "").splitlines()[2:]:
        if not line.strip():
            continue
        cells = re.split(r"(?<!\\)\|", line)
        rows.append([md_cell(c) for c in cells])
    want = []
    for ordinal, ename, fwd in o["exports"]:
        want.append([ename if ename is not None else "Ordinal%d" % ordinal,
                     str(ordinal),
                     "Forwarded to `%s`" % fwd if fwd else "Exported Function"])
    check(name + " exports", rows, want)
    check(name + " exports section present", body is not None, bool(want))

    ver = oracle(mui)["version"] if mui else None
    ver = ver or o["version"]
    meta = section(md, "File Metadata") or ""
    bullets = dict(re.findall(r"^\* ([^:]+): (.*)$", meta, re.M))
    for label, key in BULLETS:
        check_value("%s %s" % (name, label), bullets.get(label),
                    ver and ver["strings"].get(key))
    check(name + " Language", bullets.get("Language"),
          LANGS[ver["lang"]] if ver else "")
    check(name + " Machine Type", bullets.get("Machine Type"),
          MACHINES.get(o["machine"], "Unknown (0x%04X)" % o["machine"]))
    desc = (ver and ver["strings"].get("FileDescription")) or ""
    front = yaml.safe_load(md.split("---\n")[1])
    check(name + " title", front["title"],
          "%s | %s" % (name, as_shown(desc)) if desc else name)
    check_value(name + " Description",
                re.search(r"^\* Description: (.*)$", md, re.M).group(1), desc)
    check_header(md, name, o)
    check_sections(md, name, o)
    check_imports(md, name, o)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
