#!/usr/bin/python3
"""check.py EXPECT.json PROFILE NAME HTML: one profile of a file from
tests/inject/gen.py, read through the mount, and cmark-gfm's HTML of it.
The documented escape (docs/profile-format.md, "Escaping") is held both
ways, with shown.py (Python's unicodedata) as the oracle of what is hidden:
  - nothing hidden is left raw: no control (but newline), DEL, C1, format
    character (Cf) or U+2028/U+2029, and valid UTF-8;
  - the front matter parses as YAML; its title is NAME as shown (hidden
    characters and bad bytes as \\xNN) followed by " | DESCRIPTION" when
    there is one, with no raw tag (a '<' that would open one is &lt;, so
    the title read as HTML is the value), and excerpt "What is NAME?";
  - the HTML has only the elements our layout makes (emphasis included:
    it hides nothing) and no image, and every link's text is its target
    (GFM's autolinks, and the VirusTotal link): nothing from the binary
    made HTML, an image or a link that hides where it goes;
  - and nothing else was escaped: the heading reads NAME as shown, and
    each version string (but those with emphasis in them) reads back whole
    from the rendered page, as shown: no entity resolved, no backslash or
    backtick lost, no cell split.
Prints failures; exit 1 on any."""
import html
import html.parser
import json
import os
import re
import sys
import urllib.parse

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from shown import hidden, shown  # noqa: E402

LAYOUT = {"h1", "h2", "p", "ul", "li", "code", "table", "thead", "tbody",
          "tr", "th", "td", "a", "em", "strong", "del"}
BULLETS = ["Original Filename", "Product Name", "Company Name",
           "File Version", "Product Version", "Legal Copyright"]
fails = []


def check(what, ok):
    if not ok:
        fails.append(what)


class Page(html.parser.HTMLParser):
    """the elements, the links (href and text), and the text of each
    heading and list item"""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.bad, self.links, self.items = [], [], []
        self.open = []  # [tag, text] of the headings and items being read
        self.link = None

    def handle_starttag(self, tag, attrs):
        if tag not in LAYOUT:
            self.bad.append(tag)
        if tag == "a":
            self.link = [dict(attrs).get("href", ""), ""]
        if tag in ("h1", "li"):
            self.open.append([tag, ""])

    def handle_endtag(self, tag):
        if tag == "a" and self.link:
            self.links.append(self.link)
            self.link = None
        if tag in ("h1", "li") and self.open:
            self.items.append(tuple(self.open.pop()))

    def handle_data(self, data):
        if self.link:
            self.link[1] += data
        for o in self.open:
            o[1] += data


def target_is_text(href, text):
    """GFM's autolinks: www.x links to http://www.x, a@b to mailto:a@b"""
    h = urllib.parse.unquote(href)
    return h in (text, "http://" + text, "mailto:" + text)


def main():
    expect, md_path, name, html_path = sys.argv[1:5]
    raw = open(md_path, "rb").read()
    want = json.load(open(expect))[name]
    desc, text = want["description"], want["text"]
    try:
        md = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        check("valid UTF-8 (%s)" % e, False)
        md = raw.decode("utf-8", "replace")
    check("hidden characters left raw: %r" %
          sorted({c for c in md if c != "\n" and hidden(c)}),
          not any(hidden(c) for c in md if c != "\n"))
    shown_name = shown(os.fsencode(name))
    parts = md.split("---\n")
    try:
        front = yaml.safe_load(parts[1])
    except Exception as e:  # noqa: BLE001 -- any YAML error is the failure
        front = None
        check("front matter parses: %s" % e, False)
    if front is not None:
        title = front.get("title")
        wt = shown_name + (" | " + shown(desc) if desc else "")
        check("title %r != %r" % (title, wt),
              isinstance(title, str) and html.unescape(title) == wt)
        check("a raw tag in the title: %r" % title,
              not re.search(r"<[A-Za-z/!?]", title or ""))
        check("excerpt", html.unescape(front.get("excerpt") or "") ==
              "What is %s?" % shown_name)
    p = Page()
    p.feed(open(html_path, encoding="utf-8").read())
    check("elements not of our layout: %s" % sorted(set(p.bad)), not p.bad)
    check("links whose text is not their target: %s" %
          [ln for ln in p.links if not target_is_text(*ln)],
          all(target_is_text(*ln) for ln in p.links))
    check("the VirusTotal link", any(
        h.startswith("https://www.virustotal.com/gui/file/")
        for h, _ in p.links))
    items = {t for tag, t in p.items if tag == "li"}
    h1 = [t for tag, t in p.items if tag == "h1"]
    check("heading %r != %r" % (h1, shown_name), h1 == [shown_name])
    # emphasis may take a value's * _ ~: those are compared in the file
    for label, v in [("Description", desc)] + [(b, text) for b in BULLETS]:
        if v is None or re.search(r"[*_~]", v):
            continue
        line = "%s: %s" % (label, shown(v))
        check("%s does not read back whole: want %r" % (label, line),
              line in items)
    for f in fails:
        print("FAIL: %s: %s" % (shown_name, f))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
