#!/usr/bin/python3
"""The differential suite: our PE parser (pe_dump) against python3-pefile,
file by file: machine type, imphash, exports (ordinal, name, forwarder),
the version strings of the table the format page chooses, the header
checksum pefile computes, the facts of src/pe/facts.c, and the .NET
Assembly row against monodis (monodis.py).

    compare.py PE_DUMP [--known FILE] [--same-only DIR]... PATH...

Every file (those of PATH and of each --same-only DIR) is also dumped
twice, parsed from memory and from its descriptor (pe_dump --fd), and the
two dumps must be the same, byte for byte: the parser reads both through
one reader (src/pe/src.c), from a buffer or through its block cache. Files
of --same-only folders (fuzz inputs, hostile files) are not held against
pefile.

Where pefile itself is wrong, tests/corpus/pefile-known.txt says so, one
"file-name<TAB>field<TAB>reason" a line; such a field is reported as a
known pefile error, not compared, and never silently. Prints one line per
disagreement and ends with "N passed, N failed". pefile's answers are
cached by oracle.oracle_cached() (keyed by the file's bytes, pefile's
version and the oracle's code; see tests/corpus/oracle.py for where).
"""
import json, os, shlex, subprocess, sys

import pefile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oracle import cache_dir, oracle_cached  # noqa: E402
from monodis import assembly_cached  # noqa: E402

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


# the facts of src/pe/facts.c compared (oracle.facts()); a file where
# both sides have none of a fact is not counted for it
# ("assembly": the Assembly row, held to monodis (monodis.py) on every
# file pefile finds a CLR directory in, and to none on the others)
FACTS = ("debug_types", "pdb", "tls", "overlay", "guard_flags", "clr",
         "assembly", "rich", "res_types", "manifest")


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
    same_only = []
    while len(args) >= 2 and args[0] == "--same-only":
        args.pop(0)
        same_only.append(args.pop(0))
    files = list(files_of(args))
    extra = list(files_of(same_only))
    ours = {}
    by_fd = {}
    for how, into in (([], ours), (["--fd"], by_fd)):
        for i in range(0, len(files + extra), 200):
            # PE_DUMP_WRAP: a command to run pe_dump under (valgrind in CI)
            wrap = shlex.split(os.environ.get("PE_DUMP_WRAP", ""))
            out = subprocess.run(wrap + [dump] + how + (files + extra)[i:i + 200],
                                 capture_output=True, text=True, check=True).stdout
            for line in out.splitlines():
                into[json.loads(line)["file"]] = line
    passed = failed = skipped = 0
    same = 0
    for f in files + extra:
        if f not in ours or ours[f] != by_fd.get(f):
            print("%s: parsed from memory and from its descriptor, the dumps differ"
                  "\n  memory: %s\n  fd:     %s" % (f, ours.get(f, "")[:600],
                                                   by_fd.get(f, "")[:600]))
            failed += 1
        else:
            same += 1
    print("%d files: the same parse from memory and from the descriptor" % same)
    if same == 0:
        print("no file was dumped")
        failed += 1
    ours = {f: json.loads(line) for f, line in ours.items()}
    stats = {}
    mono_stats = {}
    fact_stats = {}
    for f in files:
        mine = ours.get(f)
        try:
            theirs = oracle_cached(f, stats)
        except pefile.PEFormatError as e:
            if mine and mine["pe"]:
                print("%s: pefile cannot read it (%s); we can" % (f, e))
            skipped += 1
            continue
        if not mine or not mine["pe"]:
            print("%s: pefile reads it, we say it is not a PE" % f)
            failed += 1
            continue
        theirs["facts"]["assembly"] = assembly_cached(f, mono_stats) \
            if theirs["facts"]["clr"] is not None else None
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
        for field in FACTS:
            a, b = mine["facts"][field], theirs["facts"][field]
            if not (a or b):
                continue
            fact_stats.setdefault(field, [0, 0])[0] += 1
            if a == b:
                fact_stats[field][1] += 1
                continue
            why = known.get((os.path.basename(f), field))
            if why:
                print("%s: %s not compared: pefile is wrong here: %s" % (f, field, why))
                continue
            ok = False
            print("%s: %s differs\n  ours:   %s\n  %-7s %s" % (
                f, field, json.dumps(a)[:600],
                "monodis:" if field == "assembly" else "pefile:",
                json.dumps(b)[:600]))
        passed += ok
        failed += not ok
    print("%d files compared, %d not PE files to pefile" % (passed + failed, skipped))
    for field in FACTS:
        n, agree = fact_stats.get(field, [0, 0])
        print("  %s: %d files have it, %d agree" % (field, n, agree))
    print("pefile oracle: %d answers from the cache %s, %d computed" % (
        stats.get("hit", 0), cache_dir(), stats.get("miss", 0)))
    print("monodis oracle: %d answers from the cache, %d computed" % (
        mono_stats.get("hit", 0), mono_stats.get("miss", 0)))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
