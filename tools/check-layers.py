#!/usr/bin/env python3
"""The layering of profilefs, checked.

  check-layers.py [--layers] [SRC]   every file of SRC/<module>/ and of
        include/profilefs/ includes, and uses the names of, only its own
        module and the modules tools/layers.txt lets it use; only its
        module includes SRC/<module>/*_i.h (and the module's other private
        headers); only the modules a `lib` line names include that
        library's headers; every .c file of SRC/<module>/ is listed in
        SRC/<module>/meson.build. Prints FILE:LINE: what, and fails.
  check-layers.py --circles SRC   the file-level call graph of SRC (a file
        calls another when it uses a function or variable the other
        defines with external linkage); fails on any circle, printing it
        and the names that make each step.
  check-layers.py --oracle SRC    the file graph's calls against those
        cscope finds (cscope -L3): fails on a call the graph misses.
  check-layers.py --objects ARCHIVE... [SRC]  the same layering as the
        linker sees it: each libprofilefs_MODULE.a needs only symbols of
        its module, of the modules it may use, or of libraries (nm).
  check-layers.py --unused SRC    each #include "..." none of whose own
        names (functions, macros, types, struct tags, enumerators) the
        file uses. A report: always exits 0.
  check-layers.py --sizes SRC     files over 600 lines and functions over
        60 lines, longest first. A report: always exits 0.
  tools/check-layers.selftest.py runs these on small trees made to break
        them, and fails unless each break is found.

Definitions come from universal-ctags (a missing ctags is a failure);
uses from a scan of the C tokens with comments, strings and character
constants removed. SRC is the src folder; its parent holds include/ and
tools/layers.txt (--matrix names another).
"""
import argparse
import collections
import fnmatch
import os
import re
import shutil
import subprocess
import sys
import tempfile

IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
TAG_KW = ("struct", "union", "enum")


class Matrix:
    """tools/layers.txt: the modules bottom to top, what each may use."""

    def __init__(self, path):
        self.path = path
        self.order = []  # modules, bottom to top
        self.uses = {}  # module -> set of modules it may use
        self.libs = []  # (name, [patterns], set of modules)
        self.headers = {}  # header file name -> module (the exceptions)
        self.errors = []
        with open(path, encoding="utf-8") as f:
            for n, raw in enumerate(f, 1):
                self._line(n, raw)

    def _err(self, n, what):
        self.errors.append("%s:%d: %s" % (self.path, n, what))

    def _line(self, n, raw):
        line = raw.split("#", 1)[0].strip()
        if not line:
            return
        if ":" not in line:
            self._err(n, "no ':' in %r" % line)
            return
        head, tail = (s.strip() for s in line.split(":", 1))
        names = [w for w in tail.split() if w != "-"]
        words = head.split()
        if words[0] == "lib":
            pats = [w[1:-1] for w in words[2:] if w.startswith("<")]
            if len(words) < 3 or len(pats) != len(words) - 2:
                self._err(n, "want: lib NAME <header glob>...: MODULES")
                return
            for m in names:
                if m not in self.uses:
                    self._err(n, "lib %s: no module %s listed before" % (words[1], m))
            self.libs.append((words[1], pats, set(names)))
        elif words[0] == "header":
            for h in words[1:]:
                self.headers[h] = names[0] if len(names) == 1 else None
                if len(names) != 1 or names[0] not in self.uses:
                    self._err(n, "header %s: want one module listed before" % h)
        elif len(words) == 1:
            m = words[0]
            if m in self.uses:
                self._err(n, "module %s twice" % m)
            for u in names:
                if u not in self.uses:
                    self._err(n, "%s may use %s, which is not below it "
                              "(each module names only modules listed "
                              "before it: no circle)" % (m, u))
            self.order.append(m)
            self.uses[m] = set(names)
        else:
            self._err(n, "cannot read %r" % line)

    def may_use(self, a, b):
        return a == b or b in self.uses.get(a, ())

    def header_module(self, name):
        """include/profilefs/NAME.h -> its module (None: no module)."""
        if name in self.headers:
            return self.headers[name]
        stem = name[:-2] if name.endswith(".h") else name
        return stem if stem in self.uses else None

    def lib_of(self, sysheader):
        for name, pats, mods in self.libs:
            if any(fnmatch.fnmatchcase(sysheader, p) for p in pats):
                return name, mods
        return None, None


class Source:
    """The files of src/ and include/profilefs/, their tokens and tags."""

    def __init__(self, src, matrix):
        self.src = os.path.relpath(src)
        self.root = os.path.dirname(os.path.abspath(self.src))
        self.inc = os.path.relpath(os.path.join(self.root, "include",
                                                "profilefs"))
        self.matrix = matrix
        self.files = []  # paths as printed
        self.module = {}  # file -> module (None: unknown)
        for d in sorted(os.listdir(self.src)):
            p = os.path.join(self.src, d)
            if not os.path.isdir(p):
                continue
            for dirpath, dirs, names in os.walk(p):
                dirs.sort()
                for f in sorted(names):
                    if f.endswith((".c", ".h")):
                        fp = os.path.join(dirpath, f)
                        self.files.append(fp)
                        self.module[fp] = d
        if os.path.isdir(self.inc):
            for f in sorted(os.listdir(self.inc)):
                if f.endswith(".h"):
                    fp = os.path.join(self.inc, f)
                    self.files.append(fp)
                    self.module[fp] = matrix.header_module(f)
        self.text = {f: read(f) for f in self.files}
        self.tokens = {f: tokens(self.text[f]) for f in self.files}
        self._tags()
        self._macros()

    def _tags(self):
        """Definitions, by universal-ctags."""
        ctags = shutil.which("ctags")
        if not ctags:
            sys.exit("check-layers: no ctags (universal-ctags is in "
                     "scripts/packages.txt)")
        out = subprocess.run(
            [ctags, "-o", "-", "--languages=C", "--langmap=C:.c.h",
             "--kinds-C=defgpstuvx", "--fields=+neK", "--fields-C=+{properties}",
             "--extras=-q", "-L", "-"],
            input="\n".join(self.files), capture_output=True, text=True,
            check=True).stdout
        # file -> [(name, kind letter, line, static)]
        self.defs = collections.defaultdict(list)
        self.glob = collections.defaultdict(set)  # name -> .c files (extern)
        self.funcs = []  # (file, name, start, end)
        for line in out.splitlines():
            if line.startswith("!_"):
                continue
            parts = line.split("\t")
            name, path = parts[0], os.path.normpath(parts[1])
            fields = {}
            for p in parts[3:]:
                k, _, v = p.partition(":")
                fields[k] = v
            kind = parts[3] if len(parts) > 3 else ""
            kind = {"function": "f", "macro": "d", "enumerator": "e",
                    "enum": "g", "prototype": "p", "struct": "s",
                    "typedef": "t", "union": "u", "variable": "v",
                    "externvar": "x"}.get(kind, kind)
            lineno = int(fields.get("line", "0"))
            if kind in ("s", "u", "g"):
                name = {"s": "struct ", "u": "union ", "g": "enum "}[kind] + name
                if "__anon" in name:
                    continue
            static = "file" in fields or "static" in fields.get("properties", "")
            self.defs[path].append((name, kind, lineno, static))
            if path.endswith(".c") and kind in ("f", "v") and not static:
                self.glob[name].add(path)
            if kind == "f" and "end" in fields:
                self.funcs.append((path, name, lineno, int(fields["end"])))

    def _macros(self):
        """The names in each header macro's body: a file that uses the
        macro uses them."""
        self.macro_body = {}  # (header, name) -> set of names
        for f in self.files:
            if not f.endswith(".h"):
                continue
            text = strip(self.text[f])
            for m in re.finditer(r"^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)"
                                 r"((?:\\\n|[^\n])*)", text, re.M):
                self.macro_body[(f, m.group(1))] = set(
                    IDENT.findall(m.group(2).replace("\\\n", " ")))

    def local_names(self, f):
        """What f defines (a prototype or an extern declaration only
        declares: its name stays a use)."""
        return {d[0] for d in self.defs.get(f, ()) if d[1] not in ("p", "x")}

    def includes(self, f):
        for n, line in enumerate(self.text[f].split("\n"), 1):
            m = INCLUDE.match(line)
            if m:
                yield n, m.group(1), m.group(2)

    def resolve(self, f, quoted):
        """The file a #include "quoted" of f names, or None."""
        if quoted.startswith("profilefs/"):
            p = os.path.join(self.inc,
                             quoted[len("profilefs/"):])
        else:
            p = os.path.normpath(os.path.join(os.path.dirname(f), quoted))
        return p if p in self.module else None

    def header_names(self, h):
        """What header h declares (its own names, not its includes')."""
        return {d[0] for d in self.defs.get(h, ())}

    def forward_decls(self, h):
        """The struct and union tags h declares without a body."""
        return {"%s %s" % x for x in re.findall(
            r"^[ \t]*(struct|union)[ \t]+(\w+)[ \t]*;",
            strip(self.text[h]), re.M)}


def read(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def strip(text):
    """text with comments, strings and character constants blanked
    (newlines kept, so line numbers stay)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "/" and text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == "/" and text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(c + re.sub(r"[^\n]", " ", text[i + 1:j - 1]) + c)
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def strip_meson(text):
    """meson.build without its comments."""
    return re.sub(r"#[^\n]*", "", text)


def tokens(text):
    """[(name, line)]: the identifiers a file uses, "struct X" for a tag,
    without members (after . or ->) and without #include lines."""
    res = []
    text = strip(text)
    prev_kw = None
    for n, line in enumerate(text.split("\n"), 1):
        if INCLUDE.match(line):
            continue
        for m in IDENT.finditer(line):
            name = m.group(0)
            before = line[:m.start()].rstrip()
            if before.endswith(".") or before.endswith("->"):
                prev_kw = None
                continue
            if prev_kw and before.endswith(prev_kw):
                res.append((prev_kw + " " + name, n))
                prev_kw = None
                continue
            prev_kw = name if name in TAG_KW else None
            if prev_kw is None:
                res.append((name, n))
    return res


def uses_of(s, f):
    """{name: first line} of the names f uses but does not define, with
    the names in the bodies of the header macros it uses (and of the
    macros those use, in turn)."""
    local = s.local_names(f)
    seen = {}
    for name, n in s.tokens[f]:
        if name not in local and name not in seen:
            seen[name] = n
    macros = {}
    for (h, name), body in s.macro_body.items():
        if h != f:
            macros.setdefault(name, set()).update(body)
    todo = [k for k in seen if k in macros]
    while todo:
        k = todo.pop()
        for b in macros[k]:
            if b not in local and b not in seen:
                seen[b] = seen[k]
                if b in macros:
                    todo.append(b)
    return seen


# ---- --layers -----------------------------------------------------------

def check_layers(s, mx):
    errs = list(mx.errors)
    for d in sorted(os.listdir(s.src)):
        folder = os.path.join(s.src, d)
        if not os.path.isdir(folder):
            continue
        if d not in mx.uses:
            errs.append("%s: module %s is not in %s" % (folder, d, mx.path))
        build = os.path.join(folder, "meson.build")
        listed = set(re.findall(r"'([^']+\.c)'", strip_meson(read(build)))) \
            if os.path.exists(build) else set()
        for f in sorted(os.listdir(folder)):
            if f.endswith(".c") and f not in listed:
                errs.append("%s: not built: not listed in %s" %
                            (os.path.join(folder, f), build))
    owners = collections.defaultdict(set)  # name -> modules declaring it
    for f in s.files:
        m = s.module[f]
        if m is None:
            errs.append("%s: header of no module (a `header` line in %s "
                        "names its module)" % (f, mx.path))
            continue
        public = f.startswith(s.inc)
        for d in s.defs.get(f, ()):
            if f.endswith(".h") and (public or d[1] in tuple("dgstue")):
                owners[d[0]].add(m)
            elif f.endswith(".c") and d[1] in ("f", "v") and not d[3]:
                owners[d[0]].add(m)
    for f in s.files:
        m = s.module[f]
        if m is None:
            continue
        public = f.startswith(s.inc)
        for n, kind, name in s.includes(f):
            if kind == "<":
                lib, mods = mx.lib_of(name)
                if lib and m not in mods:
                    errs.append("%s:%d: <%s> (%s) in module %s: only %s may "
                                "include it" % (f, n, name, lib, m,
                                                " ".join(sorted(mods))))
                continue
            h = s.resolve(f, name)
            if h is None:
                errs.append("%s:%d: \"%s\": no such header in %s/ or "
                            "include/profilefs/" % (f, n, name,
                                                    os.path.dirname(f)))
                continue
            hm = s.module[h]
            if not h.startswith(s.inc):
                if public or os.path.dirname(h) != os.path.dirname(f):
                    errs.append("%s:%d: \"%s\" is private to module %s" %
                                (f, n, name, hm))
                continue
            if hm is not None and not mx.may_use(m, hm):
                errs.append("%s:%d: \"%s\": module %s may not use module "
                            "%s (%s)" % (f, n, name, m, hm, mx.path))
        for name, n in sorted(uses_of(s, f).items(), key=lambda x: x[1]):
            mods = owners.get(name)
            if mods and m not in mods and \
                    not any(mx.may_use(m, o) for o in mods):
                errs.append("%s:%d: %s is module %s's: module %s may not "
                            "use it (%s)" % (f, n, name,
                                             "/".join(sorted(mods)), m,
                                             mx.path))
    return errs


# ---- --circles ----------------------------------------------------------

def call_graph(s):
    """{file: {file: set of names}} over the .c files."""
    g = {}
    for f in s.files:
        if not f.endswith(".c"):
            continue
        edges = collections.defaultdict(set)
        for name in uses_of(s, f):
            for d in s.glob.get(name, ()):
                if d != f:
                    edges[d].add(name)
        g[f] = edges
    return g


def sccs(g):
    """Tarjan's strongly connected components, iteratively."""
    index, low, onstack, stack, out = {}, {}, set(), [], []
    counter = [0]
    for root in sorted(g):
        if root in index:
            continue
        work = [(root, iter(sorted(g[root])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        onstack.add(root)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in g:
                    continue
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    onstack.add(w)
                    work.append((w, iter(sorted(g[w]))))
                elif w in onstack:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    onstack.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                out.append(sorted(comp))
    return out


def shortest_cycle(g, comp, start):
    """A shortest circle through start inside comp: [start, ..., start]."""
    inside = set(comp)
    prev = {start: None}
    queue = collections.deque([start])
    while queue:
        v = queue.popleft()
        for w in sorted(g[v]):
            if w == start:
                path = [v]
                while prev[path[-1]] is not None:
                    path.append(prev[path[-1]])
                return path[::-1] + [start]
            if w in inside and w not in prev:
                prev[w] = v
                queue.append(w)
    return [start]


def check_circles(s):
    g = call_graph(s)
    lines = []
    for comp in sccs(g):
        if len(comp) < 2:
            continue
        lines.append("circle of %d files: %s" % (len(comp), " ".join(comp)))
        for f in comp:
            cyc = shortest_cycle(g, comp, f)
            steps = []
            for a, b in zip(cyc, cyc[1:]):
                steps.append("%s -> %s (%s)" % (
                    a, b, ", ".join(sorted(g[a][b])[:4]) +
                    (", ..." if len(g[a][b]) > 4 else "")))
            lines.append("  " + "; ".join(steps))
    return lines


def check_oracle(s):
    """The calls of the file graph against cscope's (an independent
    reading of the same files): every call cscope finds from one file to
    a function another defines must be an edge of the graph. The graph
    has more: the calls inside the header macros a file uses, which
    cscope does not expand, and functions used without a call."""
    cscope = shutil.which("cscope")
    if not cscope:
        sys.exit("check-layers: no cscope (it is in scripts/packages.txt)")
    g = call_graph(s)
    funcs = {n: fs for n, fs in s.glob.items()
             if any(d[0] == n and d[1] == "f" for f in fs
                    for d in s.defs[f])}
    mine = {(a, b, n) for a in g for b in g[a] for n in g[a][b]}
    theirs = set()
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "files"), "w") as f:
            f.write("\n".join(s.files) + "\n")
        db = os.path.join(tmp, "cscope.out")
        subprocess.run([cscope, "-b", "-q", "-k", "-i",
                        os.path.join(tmp, "files"), "-f", db], check=True)
        for name in sorted(funcs):
            out = subprocess.run([cscope, "-d", "-f", db, "-L3", name],
                                 capture_output=True, text=True,
                                 check=True).stdout
            for line in out.splitlines():
                f = line.split(" ", 1)[0]
                if f not in g or name in s.local_names(f):
                    continue
                theirs |= {(f, d, name) for d in funcs[name] if d != f}
    errs = ["%s -> %s (%s): cscope sees the call, the file graph does not" %
            x for x in sorted(theirs - mine)]
    print("%d calls between files by cscope, %d by the file graph (%d "
          "through macros or without a call)" %
          (len(theirs), len(mine), len(mine - theirs)))
    return errs


def check_objects(mx, archives):
    """The layering as the linker sees it: each module's archive
    (libprofilefs_MODULE.a) needs (nm: U) only symbols its own module,
    the modules it may use, or a library defines. Independent of the
    scan of the sources: it sees what the compiler made of them, macros
    expanded."""
    nm = shutil.which("nm")
    if not nm:
        sys.exit("check-layers: no nm (binutils)")
    owner = {}  # symbol -> module defining it
    needs = []  # (module, object, symbol)
    for a in archives:
        m = re.search(r"libprofilefs_(\w+)\.a$", a)
        if not m or m.group(1) not in mx.uses:
            sys.exit("check-layers: %s is no module's archive" % a)
        mod = m.group(1)
        out = subprocess.run([nm, "-A", "-g", a], capture_output=True,
                             text=True, check=True).stdout
        for line in out.splitlines():
            where, _, rest = line.rpartition(":")
            f = rest.split()
            if len(f) == 2 and f[0] == "U":
                needs.append((mod, where.split(":")[-1], f[1]))
            elif len(f) == 3:
                owner[f[2]] = mod
    errs = []
    for mod, obj, sym in sorted(set(needs)):
        o = owner.get(sym)
        if o and not mx.may_use(mod, o):
            errs.append("%s: %s needs %s of module %s: module %s may not "
                        "use it (%s)" % (os.path.basename(obj), mod, sym, o,
                                         mod, mx.path))
    print("%d archives, %d symbols they need from each other" %
          (len(archives), sum(1 for m, _, s in set(needs)
                              if owner.get(s) not in (None, m))))
    return errs


# ---- --unused, --sizes ---------------------------------------------------

def report_unused(s):
    """Each #include none of whose own names the file uses: "unused" when
    what it brings in, the file uses none of or has from its other
    includes too (the line can go: a header's includers may then need
    to include what they relied on), else the names it is included for:
    its forward declarations of struct tags, or names of the headers it
    includes (which may be included instead)."""
    out = []

    def closure(h):
        seen, todo = {h}, [h]
        while todo:
            for _, k, inc in s.includes(todo.pop()):
                g = s.resolve(h, inc) if k == '"' else None
                if g and g not in seen:
                    seen.add(g)
                    todo.append(g)
        return seen

    def provides(h):
        names = set()
        for g in closure(h):
            names |= s.header_names(g) | s.forward_decls(g)
        return names

    for f in s.files:
        used = set(uses_of(s, f)) | s.local_names(f)
        incs = [(n, s.resolve(f, name), name)
                for n, kind, name in s.includes(f) if kind == '"']
        incs = [x for x in incs if x[1]]
        for n, h, name in incs:
            if s.header_names(h) & used:
                continue
            others = set()
            for _, g, _ in incs:
                if g != h:
                    others |= provides(g)
            need = (provides(h) & used) - others
            if need:
                out.append("%s:%d: #include \"%s\": only for its "
                           "forward declarations or its includes: %s" %
                           (f, n, name,
                                             " ".join(sorted(need)[:6])))
            else:
                out.append("%s:%d: #include \"%s\": unused" %
                           (f, n, name))
    return out


def report_sizes(s, file_lines, func_lines):
    out = ["files over %d lines:" % file_lines]
    sizes = sorted(((s.text[f].count("\n"), f) for f in s.files),
                   reverse=True)
    out += ["  %5d  %s" % (n, f) for n, f in sizes if n > file_lines]
    out.append("functions over %d lines:" % func_lines)
    funcs = sorted(((e - b + 1, name, "%s:%d" % (f, b))
                    for f, name, b, e in s.funcs), key=lambda x: (-x[0], x[2]))
    out += ["  %5d  %-32s %s" % x for x in funcs if x[0] > func_lines]
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--layers", action="store_true")
    g.add_argument("--circles", action="store_true")
    g.add_argument("--oracle", action="store_true")
    g.add_argument("--objects", nargs="+", metavar="ARCHIVE")
    g.add_argument("--unused", action="store_true")
    g.add_argument("--sizes", action="store_true")
    ap.add_argument("--matrix", help="default: SRC/../tools/layers.txt")
    ap.add_argument("--file-lines", type=int, default=600)
    ap.add_argument("--func-lines", type=int, default=60)
    ap.add_argument("src", nargs="?", default="src")
    a = ap.parse_args()
    matrix = a.matrix or os.path.join(
        os.path.dirname(os.path.abspath(a.src)), "tools", "layers.txt")
    mx = Matrix(os.path.relpath(matrix))
    if a.objects:
        errs = mx.errors + check_objects(mx, a.objects)
        print("\n".join(errs))
        return 1 if errs else 0
    s = Source(a.src, mx)
    if a.circles:
        out = check_circles(s)
        print("\n".join(out) if out else "no call circles between the files "
              "of %s" % a.src)
        return 1 if out else 0
    if a.oracle:
        errs = check_oracle(s)
        print("\n".join(errs))
        return 1 if errs else 0
    if a.unused:
        print("\n".join(report_unused(s)))
        return 0
    if a.sizes:
        print("\n".join(report_sizes(s, a.file_lines, a.func_lines)))
        return 0
    errs = check_layers(s, mx)
    print("\n".join(errs) if errs else "%d files keep to %s" %
          (len(s.files), mx.path))
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
