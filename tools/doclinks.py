#!/usr/bin/env python3
"""Checks the links between the project's Markdown files.

Usage: doclinks.py [FILE.md...]   (default: README.md and docs/*.md)

Each file is rendered with cmark-gfm (as GitHub renders it), and every
href and src of the HTML that is not a URL is checked: the file it names
exists (relative to the linking file, never above the repository), and a
#fragment names a heading of the target (GitHub's slugs: lowercase,
punctuation dropped, spaces to '-', '-1', '-2' for repeats) or an
explicit id/name attribute. Prints one line per broken link and exits 1
when there is any; 2 when cmark-gfm is missing or fails.
"""
import glob
import html
import os
import re
import subprocess
import sys
import urllib.parse

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def render(path):
    try:
        out = subprocess.run(
            ["cmark-gfm", "--unsafe", "-e", "table", "-e", "autolink",
             "-e", "strikethrough", "-e", "tagfilter", path],
            check=True, capture_output=True)
    except FileNotFoundError:
        sys.exit("doclinks: cmark-gfm is missing (apt-get install cmark-gfm)")
    except subprocess.CalledProcessError as e:
        print(f"doclinks: cmark-gfm failed on {path}: {e.stderr.decode()}",
              file=sys.stderr)
        sys.exit(2)
    return out.stdout.decode("utf-8")


def text_of(fragment_html):
    return html.unescape(re.sub(r"<[^>]+>", "", fragment_html))


def slug(text):
    # GitHub: lowercase; keep letters, digits, spaces, '-' and '_'
    s = text.strip().lower()
    s = re.sub(r"[^\w\- ]", "", s)
    return s.replace(" ", "-")


_anchors = {}


def anchors(path):
    if path in _anchors:
        return _anchors[path]
    found = set()
    if path.endswith(".md"):
        page = render(path)
        seen = {}
        for m in re.finditer(r"<h[1-6][^>]*>(.*?)</h[1-6]>", page, re.S):
            base = slug(text_of(m.group(1)))
            n = seen.get(base, 0)
            found.add(base if n == 0 else f"{base}-{n}")
            seen[base] = n + 1
        for m in re.finditer(r'\b(?:id|name)="([^"]+)"', page):
            found.add(m.group(1))
    _anchors[path] = found
    return found


def check(path):
    bad = []
    page = render(path)
    for m in re.finditer(r'\b(?:href|src)="([^"]*)"', page):
        link = html.unescape(m.group(1))
        if re.match(r"^[a-z][a-z0-9+.-]*:", link, re.I) or link.startswith("//"):
            continue  # a URL: not ours to check here
        target, _, frag = link.partition("#")
        target = urllib.parse.unquote(target)
        dest = (os.path.normpath(os.path.join(os.path.dirname(path), target))
                if target else path)
        rel = os.path.relpath(dest, TOP)
        if rel.startswith(".."):
            bad.append(f"{path}: {link}: outside the repository")
            continue
        if not os.path.exists(dest):
            bad.append(f"{path}: {link}: no such file")
            continue
        if frag and os.path.isfile(dest) and dest.endswith(".md"):
            if urllib.parse.unquote(frag) not in anchors(dest):
                bad.append(f"{path}: {link}: no heading #{frag} in {rel}")
    return bad


def main(argv):
    os.chdir(TOP)
    files = argv[1:] or ["README.md"] + sorted(glob.glob("docs/*.md"))
    bad = []
    for f in files:
        bad += check(f)
    for line in bad:
        print(line)
    print(f"doclinks: {len(files)} files, {len(bad)} broken links")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
