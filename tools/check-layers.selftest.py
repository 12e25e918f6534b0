#!/usr/bin/env python3
"""tools/check-layers.py's own test: each check run on a small tree made for
the purpose, clean (it must pass; the oracle must see its calls) and then
broken one way at a time (a module using one it may not, through an
include, a name, a header macro or a struct tag; another module's private
header; a library outside its modules; a header or folder of no module; a
file not built; a circle in the matrix or between files; an archive
needing another's symbol): each break must fail the check and be named in
its output. Exits 1 when one is not.
"""
import os
import subprocess
import sys
import tempfile

SELFTEST = {
    "tools/layers.txt": "low: -\nmid: low\nhigh: low mid\n"
                        "lib sql <sqlite3.h>: mid\nheader common.h: low\n",
    "include/profilefs/low.h": "int low_f(void);\n",
    "include/profilefs/common.h": "#define COMMON 1\n",
    "include/profilefs/mid.h": '#include "profilefs/low.h"\n'
                               "struct mid_row { int x; };\nint mid_f(void);\n",
    "include/profilefs/high.h": "int high_f(void);\n",
    "src/low/low.c": '#include "profilefs/low.h"\nint low_f(void)\n'
                     "{\n\treturn 0;\n}\n",
    "src/mid/mid_i.h": "int mid_g(void);\n",
    "src/mid/mid.c": '#include <sqlite3.h>\n#include "profilefs/mid.h"\n'
                     '#include "mid_i.h"\nint mid_f(void)\n{\n'
                     "\treturn low_f() + mid_g();\n}\n",
    "src/mid/g.c": '#include "mid_i.h"\nint mid_g(void)\n{\n\treturn 1;\n}\n',
    "src/low/meson.build": "low_src = files('low.c')\n",
    "src/mid/meson.build": "mid_src = files('mid.c', 'g.c')\n",
    "src/high/meson.build": "high_src = files(\n  'high.c',\n)\n",
    "src/high/high.c": '#include "profilefs/high.h"\n'
                       '#include "profilefs/mid.h"\n'
                       "int high_f(void)\n{\n\treturn mid_f();\n}\n",
}

# each: files changed from the clean tree, the mode, what must be printed
SELFTEST_BAD = [
    ({"src/low/low.c": '#include "profilefs/mid.h"\nint low_f(void)\n'
                       "{\n\treturn 0;\n}\n"},
     "--layers", ["src/low/low.c:1:", "module low may not use module mid"]),
    ({"include/profilefs/low.h": "int low_f(void);\n"
                                 "#define LOW_CALL() mid_f()\n",
      "src/low/low.c": '#include "profilefs/low.h"\nint low_f(void)\n'
                       "{\n\treturn LOW_CALL();\n}\n"},
     "--layers", ["include/profilefs/low.h:2: mid_f is module mid's",
                  "src/low/low.c:4: mid_f is module mid's"]),
    ({"src/low/x.c": "struct mid_row;\nint low_x(struct mid_row *r);\n"},
     "--layers", ["src/low/x.c:1: struct mid_row is module mid's"]),
    ({"src/high/h.c": '#include "../mid/mid_i.h"\n'},
     "--layers", ['src/high/h.c:1: "../mid/mid_i.h" is private to module mid']),
    ({"include/profilefs/high.h": '#include "../../src/mid/mid_i.h"\n'},
     "--layers", ["include/profilefs/high.h:1:", "is private to module mid"]),
    ({"src/high/s.c": "#include <sqlite3.h>\n"},
     "--layers", ["src/high/s.c:1: <sqlite3.h> (sql) in module high"]),
    ({"include/profilefs/stray.h": "int stray(void);\n"},
     "--layers", ["include/profilefs/stray.h: header of no module"]),
    ({"src/high/h2.c": "int h2(void);\n",
      "src/high/meson.build": "high_src = files(\n  'high.c',\n"
                              "  # 'h2.c',\n)\n"},
     "--layers", ["src/high/h2.c: not built: not listed in "
                  "src/high/meson.build"]),
    ({"src/other/o.c": "int o(void);\n"},
     "--layers", ["module other is not in"]),
    ({"tools/layers.txt": "low: mid\nmid: low\n"},
     "--layers", ["low may use mid, which is not below it"]),
    ({"src/mid/g.c": '#include "mid_i.h"\nint mid_f(void);\n'
                     "int mid_g(void)\n{\n\treturn mid_f();\n}\n"},
     "--circles", ["circle of 2 files: src/mid/g.c src/mid/mid.c",
                   "src/mid/g.c -> src/mid/mid.c (mid_f)",
                   "src/mid/mid.c -> src/mid/g.c (mid_g)"]),
]


def selftest():
    me = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                      "check-layers.py")
    fails = 0

    def run(files, mode):
        with tempfile.TemporaryDirectory() as tmp:
            for p, text in files.items():
                os.makedirs(os.path.join(tmp, os.path.dirname(p)),
                            exist_ok=True)
                with open(os.path.join(tmp, p), "w") as f:
                    f.write(text)
            r = subprocess.run([sys.executable, me, mode, "src"], cwd=tmp,
                               capture_output=True, text=True)
            return r.returncode, r.stdout + r.stderr

    # the clean tree passes; its calls between files, as written above:
    # high.c -> mid.c (mid_f), mid.c -> low.c (low_f), mid.c -> g.c (mid_g)
    clean = {"--layers": "", "--circles": "",
             "--oracle": "3 calls between files by cscope, 3 by the file "
                         "graph (0 through"}
    for mode, want in clean.items():
        rc, out = run(SELFTEST, mode)
        if rc != 0 or want not in out:
            fails += 1
            print("FAIL: clean tree, %s: exit %d, want %r\n%s" %
                  (mode, rc, want, out))
    for change, mode, want in SELFTEST_BAD:
        files = dict(SELFTEST)
        files.update(change)
        rc, out = run(files, mode)
        missing = [w for w in want if w not in out]
        if rc == 0 or missing:
            fails += 1
            print("FAIL: %s on %s: exit %d, missing %r\n%s" %
                  (mode, ", ".join(change), rc, missing, out))
    # the archives: low's calling mid's is found, mid's calling low's not
    with tempfile.TemporaryDirectory() as tmp:
        for mod, text in (("low", "int mid_f(void);\nint low_f(void)\n"
                                  "{\n\treturn mid_f();\n}\n"),
                          ("mid", "int low_f(void);\nint mid_f(void)\n"
                                  "{\n\treturn low_f();\n}\n")):
            c = os.path.join(tmp, mod + ".c")
            with open(c, "w") as f:
                f.write(text)
            subprocess.run(["cc", "-c", "-o", c + ".o", c], check=True)
            subprocess.run(["ar", "rc", os.path.join(
                tmp, "libprofilefs_%s.a" % mod), c + ".o"], check=True)
        with open(os.path.join(tmp, "layers.txt"), "w") as f:
            f.write(SELFTEST["tools/layers.txt"])
        r = subprocess.run(
            [sys.executable, me, "--matrix", os.path.join(tmp, "layers.txt"),
             "--objects"] + [os.path.join(tmp, "libprofilefs_%s.a" % m)
                             for m in ("low", "mid")],
            cwd=tmp, capture_output=True, text=True)
        want = "low.c.o: low needs mid_f of module mid"
        if r.returncode == 0 or want not in r.stdout or "low_f" in r.stdout:
            fails += 1
            print("FAIL: --objects: exit %d, want %r only\n%s" %
                  (r.returncode, want, r.stdout + r.stderr))
    print("selftest: %d cases, %d failed" %
          (len(clean) + len(SELFTEST_BAD) + 1, fails))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(selftest())
