#!/bin/bash
# The tree's summary (issue 24): MNT/.profiles/SUMMARY.md and `profilefs
# summary SOURCE`, made from the cached profiles alone. Its counts are held
# to counts made apart: the binaries by find, the profiled ones by what
# warm was given, the signature statuses and the lists by the cached
# profiles' own Markdown read through the view (grep); every link, once
# cmark-gfm has rendered the text, is percent-decoded and stat'ed in the
# view; hostile names make no link and no HTML of their own; the command
# prints the mount's bytes; another user is told only of the binaries it
# may read. Needs root (allow_other, a throwaway user).
. "$(dirname "$0")/lib.sh"
: "${FIXTURES:?set FIXTURES to the built PE fixtures}"
have_examples || { bad "no example binaries (EXAMPLES)"; finish; }
for tool in cmark-gfm osslsigncode openssl useradd setpriv; do
	command -v $tool >/dev/null || { bad "$tool is missing (scripts/deps.sh)"; finish; }
done
[ "$(id -u)" = 0 ] || { bad "needs root (allow_other, another user)"; finish; }

U=pfssum$$
useradd -M -U -s /usr/sbin/nologin -d /nonexistent "$U" || { bad "useradd $U"; finish; }
sum_cleanup() {
	cleanup
	userdel "$U" 2>/dev/null
}
trap sum_cleanup EXIT
as_user() {
	setpriv --reuid="$(id -u "$U")" --regid="$(id -g "$U")" --clear-groups -- "$@"
}
chmod 0755 "$T" "$SRC" "$MNT"

# --- a PKI of two roots (EC keys: made at once): one trusted, one not -------
K=$T/pki
mkdir -p "$K"
printf '[leaf]\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\n[ca]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n' >"$K/ext.cnf"
for r in root other; do
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$K/$r.key" -out "$K/$r.pem" \
		-days 3650 -subj "/CN=summary $r" -extensions ca -config <(
			printf '[req]\ndistinguished_name=dn\n[dn]\n'
			cat "$K/ext.cnf"
		) >>"$K/log" 2>&1 &&
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$K/$r-leaf.key" \
			-out "$K/$r-leaf.csr" -subj "/CN=summary $r leaf" >>"$K/log" 2>&1 &&
		openssl x509 -req -in "$K/$r-leaf.csr" -CA "$K/$r.pem" -CAkey "$K/$r.key" \
			-CAcreateserial -days 3650 -extfile "$K/ext.cnf" -extensions leaf \
			-out "$K/$r-leaf.pem" >>"$K/log" 2>&1 &&
		cat "$K/$r-leaf.pem" "$K/$r.pem" >"$K/$r-chain.pem" ||
		{ bad "openssl: $(tail -3 "$K/log")"; finish; }
done

# --- the source ---------------------------------------------------------------
S32=$SRC/Windows/System32
mkdir -p "$S32" "$SRC/odd" "$SRC/Program Files/App" "$SRC/priv" "$SRC/SUMMARY.md"
cp "$EXAMPLES"/hello.dll "$EXAMPLES"/tool.exe "$FIXTURES"/x64/exports.dll \
	"$FIXTURES"/x86/noexports.exe "$S32/"
for r in root other; do
	osslsigncode sign -certs "$K/$r-chain.pem" -key "$K/$r-leaf.key" -h sha256 \
		-in "$FIXTURES/x64/multires.dll" -out "$S32/signed-$r.dll" >>"$K/log" 2>&1 ||
		bad "osslsigncode sign $r"
done
head -c 5000 /dev/urandom >"$S32/RANDOM.SYS" # a binary by name, no PE
/usr/bin/python3 "$(dirname "$0")/../malformed/gen.py" "$T/malformed" >/dev/null ||
	bad "malformed/gen.py"
cp "$T/malformed/truncated-text.dll" "$T/malformed/vs-length-zero.dll" "$S32/"
cp "$EXAMPLES/hello.dll" "$SRC/Program Files/App/app.exe" # not warmed
echo "not a binary" >"$SRC/SUMMARY.md/readme.txt"
echo "notes" >"$SRC/notes.txt"
# names Markdown or HTML would act on, each a copy of hello.dll
/usr/bin/python3 - "$SRC/odd" "$EXAMPLES/hello.dll" <<'PY'
import os, shutil, sys
for n in ["a](x) <b>.dll", "[link](https:evil.example)<x>.dll", "back`tick.dll",
          "<img src=x onerror=alert(1)>.dll", "pct%41 sp&amp;.dll",
          "*star*_x_.dll", "new\nline.exe", "# head.dll", "bar|pipe.dll"]:
    shutil.copy(sys.argv[2], os.path.join(sys.argv[1], n))
PY
# what the other user may not read: a 0600 binary, and a 0700 folder's
cp "$EXAMPLES/hello.dll" "$SRC/odd/secret.dll"
chmod 0600 "$SRC/odd/secret.dll"
cp "$EXAMPLES/tool.exe" "$SRC/priv/inner.exe"
chmod 0700 "$SRC/priv"
# rules: a line that names hello.dll gives its copies Possible Misuse rows
mkdir -p "$T/repo"
echo "rundll32 hello.dll,Run" >"$T/repo/x.txt"
"$PROFILEFS" rules add -q "$T/repo" 2>/dev/null || bad "rules add"

# every binary (the mount's default extensions), and those warmed
binaries() {
	(cd "$SRC/$1" && find . -type f -print0 | /usr/bin/python3 -c '
import re, sys
ext = re.compile(r"\.(dll|exe|sys|ocx|cpl|drv|efi|scr|mui|acm|ax|tlb|com)$", re.I)
for p in sys.stdin.buffer.read().split(b"\0"):
    if p and ext.search(p.decode("utf-8", "surrogateescape")):
        print(p[2:].decode("utf-8", "surrogateescape").replace("\n", "\\n"))' | LC_ALL=C sort)
}
nall=$(binaries . | wc -l)
"$PROFILEFS" warm --cache="$CACHE" --trust="$K/root.pem" "$SRC/Windows" "$SRC/odd" \
	"$SRC/priv" 2>"$T/warm.log" || bad "warm: $(cat "$T/warm.log")"
nwarm=$(($(binaries Windows | wc -l) + $(binaries odd | wc -l) + $(binaries priv | wc -l)))
check "the tree has binaries, some not warmed" [ "$nall" -gt "$nwarm" -a "$nwarm" -ge 18 ]

mount_fs --trust="$K/root.pem" -o allow_other || finish
V=$MNT/.profiles
cat "$V/SUMMARY.md" >"$T/root.md" || bad "cat SUMMARY.md"
# field LABEL: the count of the bullet "* LABEL: N"
field() { sed -n "s/^\* $1: \([0-9]*\).*/\1/p" "${2:-$T/root.md}"; }
# row TABLE_WORD: the count of the table row "WORD | N"
row() { sed -n "s/^$1 | \([0-9]*\)$/\1/p" "${2:-$T/root.md}"; }

# --- the counts, against counts made apart ------------------------------------
check_eq "Binaries: find's count" "$(field Binaries)" "$nall"
check_eq "Profiled: the binaries warm was given" "$(field Profiled)" "$nwarm"
check_eq "Not Computed Yet: the rest" "$(field 'Not Computed Yet')" $((nall - nwarm))
check "the walk is complete" grep -qx '\* Walk: complete' "$T/root.md"
check "the front matter and the title" \
	bash -c '[ "$(head -5 "$0" | tr "\n" " ")" = "--- title: \"Summary\" excerpt: \"Which binaries to look at first\" ---  " ] && grep -qx "# Summary" "$0"' "$T/root.md"

# the warmed binaries' profiles, read through the view (cached: the
# summary's figures are theirs)
(cd "$SRC" && { binaries Windows | sed 's|^|Windows/|'; binaries odd | sed 's|^|odd/|'; binaries priv | sed 's|^|priv/|'; }) >"$T/warmed"
: >"$T/verified"; : >"$T/notsigned"; : >"$T/nosig"; : >"$T/other"; : >"$T/anom"; : >"$T/misuse"
while IFS= read -r b; do
	f=$V/$(printf '%s' "$b" | sed 's/\\n/\n/g').md
	st=$(grep -m1 '^\* Status: ' "$f" | sed 's/^\* Status: //')
	if ! grep -q '^## Signature$' "$f"; then echo "$b" >>"$T/nosig"
	elif [ "$st" = "Signature verified." ]; then echo "$b" >>"$T/verified"
	elif [[ "$st" == "The file is not signed"* ]]; then echo "$b" >>"$T/notsigned"
	else echo "$b" >>"$T/other"; fi
	a=$(sed -n '/^## Anomalies$/,/^## /p' "$f" | grep -c '^\* ')
	[ "$a" -gt 0 ] && printf '%s: %s\n' "$b" "$a" >>"$T/anom"
	grep -q '^## Possible Misuse$' "$f" && echo "$b" >>"$T/misuse"
done <"$T/warmed"
check_eq "verified: the profiles whose Status says so" "$(row '`verified`')" "$(wc -l <"$T/verified")"
check_eq "verified: the one osslsigncode verifies with the trusted root" "$(row '`verified`')" \
	"$(osslsigncode verify -CAfile "$K/root.pem" -in "$S32/signed-root.dll" 2>&1 | grep -c '^Signature verification: ok')"
check_eq "not_signed: the profiles whose Status says so" "$(row '`not_signed`')" "$(wc -l <"$T/notsigned")"
check_eq "untrusted_root: the other root's" "$(row '`untrusted_root`')" "$(wc -l <"$T/other")"
check_eq "no verdict: the profiles without a Signature section" \
	"$(row 'none (not a PE image, or no trust)')" "$(wc -l <"$T/nosig")"
check_eq "Known File: no data for every profile (no store yet)" "$(row 'no data')" "$nwarm"
check "some of each" [ -s "$T/notsigned" -a -s "$T/nosig" -a -s "$T/anom" -a -s "$T/misuse" ]

# --- the lists: cmark-gfm's rendering, its links and their targets -----------
cmark-gfm --unsafe -e table "$T/root.md" >"$T/root.html" || bad "cmark-gfm"
/usr/bin/python3 - "$T" "$V" <<'PY' >"$T/links.log" 2>&1 || bad "links: $(cat "$T/links.log")"
import html.parser, os, sys, urllib.parse
T, V = sys.argv[1], sys.argv[2]
class P(html.parser.HTMLParser):
    def __init__(s):
        super().__init__(); s.sec = None; s.tags = set(); s.links = {}; s.a = None
        s.h2 = False
    def handle_starttag(s, tag, attrs):
        s.tags.add(tag)
        if tag == "h2": s.h2 = True; s.sec = ""
        if tag == "a": s.a = [dict(attrs)["href"], ""]
    def handle_endtag(s, tag):
        if tag == "h2": s.h2 = False
        if tag == "a":
            s.links.setdefault(s.sec, []).append(tuple(s.a)); s.a = None
    def handle_data(s, d):
        if s.h2: s.sec += d
        if s.a: s.a[1] += d
p = P(); p.feed(open(T + "/root.html").read())
bad = p.tags - {"hr", "h1", "h2", "ul", "li", "a", "code", "p", "table",
                "thead", "tbody", "tr", "th", "td"}
assert not bad, "tags no summary writes: %s" % bad
def rel(href):
    r = urllib.parse.unquote(href, errors="surrogateescape")
    assert r.endswith(".md") and not r.startswith("/") and ".." not in r.split("/"), href
    st = os.lstat(os.path.join(V, r))
    assert os.path.isfile(os.path.join(V, r)), r
    return r[:-3]
def lines(name):
    return {l.rstrip("\n") for l in open(os.path.join(T, name))}
def check(sec, want, counts=False):
    got = [rel(h) for h, _ in p.links.get(sec, [])]
    for (h, text) in p.links.get(sec, []):
        r = rel(h)
        if "\n" not in r:
            assert text == r, (text, r)
    got = {g.replace("\n", "\\n") for g in got}
    if counts:
        want = {l.split(": ")[0] for l in want}
    assert got == want, (sec, sorted(got ^ want))
    print(sec, len(got))
check("Not Signed or Not Trusted", lines("notsigned") | lines("other"))
check("Profiles with Anomalies", lines("anom"), counts=True)
check("Profiles with Possible Misuse Rows", lines("misuse"))
n = sum(len(v) for v in p.links.values())
want = len(lines("notsigned") | lines("other")) + len(lines("anom")) + len(lines("misuse"))
assert n == want, "links: %d, entries: %d" % (n, want)
PY
check "the anomalies' counts are the profiles' bullets" bash -c '
	while IFS= read -r l; do
		b=${l%: *}; n=${l##*: }
		grep -qF "[\`$b\`]($b.md): $n" "$0" || exit 1
	done <"$1"' "$T/root.md" "$T/anom"
check "no source file in the lists" bash -c '! grep -q "notes.txt\|readme.txt" "$0"' "$T/root.md"

# --- SUMMARY.md at the source's root: the view's own wins -------------------
check "the view's SUMMARY.md is a file (the source's folder is hidden)" [ -f "$V/SUMMARY.md" ]
check_eq "listed once at the view's root" "$(ls -a "$V" | grep -c '^SUMMARY\.md$')" 1
check "the overlay's SUMMARY.md is the source's folder" [ -d "$MNT/SUMMARY.md" ]
check_eq "the view's SUMMARY.md: read-only, the root's owner" "$(stat -c %A:%u "$V/SUMMARY.md")" \
	"-r--r--r--:$(stat -c %u "$SRC")"

# --- the command prints the mount's text ----------------------------------------
"$PROFILEFS" summary --cache="$CACHE" --trust="$K/root.pem" "$SRC" >"$T/cli.md" 2>"$T/cli.err"
check_eq "profilefs summary exits 0 ($(cat "$T/cli.err"))" "$?" 0
check "profilefs summary: the mount's bytes" cmp -s "$T/cli.md" "$T/root.md"

# --- another user: told only of what it may read -------------------------------
as_user cat "$V/SUMMARY.md" >"$T/user.md" 2>"$T/user.err"
check_eq "the user reads the summary ($(cat "$T/user.err"))" "$?" 0
nuser=$(as_user find "$SRC" -type f -readable 2>/dev/null | grep -ciE '\.(dll|exe|sys)$')
check_eq "the user's Binaries: those it may read" "$(field Binaries "$T/user.md")" "$nuser"
check_eq "... two fewer than root's" "$(field Binaries "$T/user.md")" $((nall - 2))
check "the user is not told of secret.dll nor priv/" \
	bash -c '! grep -q "secret\|priv" "$0"' "$T/user.md"
check "root's lists them" grep -q 'odd/secret\.dll' "$T/root.md"
umount_fs
finish
