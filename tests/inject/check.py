#!/usr/bin/python3
"""check.py EXPECT.json PROFILE NAME HTML: one profile of a file from
tests/inject/gen.py, read through the mount, and cmark-gfm's HTML of it.
  - no C0 (but newline), DEL, C1 or bidi control, and valid UTF-8;
  - the front matter parses as YAML and its title is NAME (escaped as
    docs/profile-format.md says) followed by " | DESCRIPTION" when there
    is one, and excerpt "What is NAME?";
  - the HTML has only the elements our layout makes, and its one link is
    the VirusTotal one: nothing from the binary made HTML, a link or an
    image.
Prints failures; exit 1 on any."""
import html.parser, json, sys

import yaml

LAYOUT = {"h1", "h2", "p", "ul", "li", "code", "table", "thead", "tbody",
          "tr", "th", "td", "a"}
fails = []


def check(what, ok):
    if not ok:
        fails.append(what)


def hidden(c):
    o = ord(c)
    return (o < 0x20 or 0x7f <= o <= 0x9f or 0x202a <= o <= 0x202e or
            0x2066 <= o <= 0x2069)


def visible(s):
    """the documented escape: \\xNN per UTF-8 byte of a hidden character"""
    return "".join("".join("\\x%02X" % b for b in c.encode()) if hidden(c)
                   else c for c in s)


class Tags(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.bad, self.links = [], []

    def handle_starttag(self, tag, attrs):
        if tag not in LAYOUT:
            self.bad.append(tag)
        if tag == "a":
            self.links.append(dict(attrs).get("href", ""))


def main():
    expect, md_path, name, html_path = sys.argv[1:5]
    raw = open(md_path, "rb").read()
    desc = json.load(open(expect))[name]
    try:
        md = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        check("valid UTF-8 (%s)" % e, False)
        md = raw.decode("utf-8", "replace")
    check("no control byte", all(b >= 0x20 or b == 0x0a for b in raw)
          and 0x7f not in raw)
    check("no C1 or bidi control", not any(hidden(c) for c in md if c != "\n"))
    parts = md.split("---\n")
    try:
        front = yaml.safe_load(parts[1])
    except Exception as e:  # noqa: BLE001 -- any YAML error is the failure
        front = None
        check("front matter parses: %s" % e, False)
    if front is not None:
        want = visible(name) + (" | " + visible(desc) if desc else "")
        check("title %r != %r" % (front.get("title"), want),
              front.get("title") == want)
        check("excerpt", front.get("excerpt") == "What is %s?" % visible(name))
    t = Tags()
    t.feed(open(html_path, encoding="utf-8").read())
    check("elements not of our layout: %s" % sorted(set(t.bad)), not t.bad)
    check("links not ours: %s" % t.links, all(
        h.startswith("https://www.virustotal.com/gui/file/") for h in t.links)
        and len(t.links) == 1)
    for f in fails:
        print("FAIL: %s: %s" % (name, f))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
