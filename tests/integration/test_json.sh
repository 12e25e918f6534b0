#!/bin/bash
# `profilefs profile --format=json|jsonl` and `-r` (issue 14). A tree of
# real binaries (a bounded, spread subset of Debian's libwine corpus: every
# 7th file; JSON_CORPUS=all takes all of it), the built fixtures, hostile
# PE files (tests/inject/gen.py: controls, Cf characters, invalid UTF-8 in every
# string), a signed one and a file that is not a PE:
# - every record validates against docs/profile.schema.json and agrees
#   with md5sum/sha*sum/ssdeep and python3-pefile (check_json.py);
# - jq reads the JSON Lines; -r's records are sorted by path, one per
#   binary the mount's rule names, the same bytes with --jobs 1 and 2 and
#   as one process per file; --root is guessed from the Windows folder;
# - interrupted (SIGINT, SIGTERM), it leaves only whole records;
# - the signature verdict agrees with openssl's view of the signer and
#   with the Markdown's Status; the JSON text holds no raw control;
# - an unreadable file and folder: exit 1, each named on stderr, the rest
#   printed; a progress line only on a terminal.
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
. "$here/pki.sh"
PY=/usr/bin/python3
for tool in jq ssdeep osslsigncode openssl script; do
	command -v $tool >/dev/null || { bad "$tool is missing (scripts/deps.sh)"; finish; }
done
$PY -c 'import jsonschema, pefile' || { bad "python3-jsonschema or python3-pefile is missing"; finish; }
SCHEMA=$here/../../docs/profile.schema.json
WINE=$(dpkg -L libwine 2>/dev/null | grep '/x86_64-windows$' | head -n 1)
[ -n "$WINE" ] || { bad "libwine is not installed (scripts/deps.sh): no corpus"; finish; }
: "${FIXTURES:?set FIXTURES to the built PE fixtures}"

S32=$SRC/Windows/System32
mkdir -p "$S32" "$SRC/fixtures" "$SRC/inject" "$T/inject/pe"
if [ "${JSON_CORPUS:-}" = all ]; then
	cp "$WINE"/* "$S32/"
else
	(cd "$WINE" && ls | LC_ALL=C sort | awk 'NR % 7 == 1' | xargs cp -t "$S32/")
fi
cp -r "$FIXTURES/x64" "$FIXTURES/x86" "$SRC/fixtures/"
$PY "$here/../inject/gen.py" "$T/inject/pe" || bad "inject/gen.py failed"
cp "$T/inject/pe"/* "$SRC/inject/"
printf 'not a PE image\n' >"$SRC/notpe.dll"
printf 'MZ but no PE\n' >"$SRC/README.txt" # no binary by name
K=$T/pki
pki_make "$K" || { bad "openssl could not make the test PKI"; finish; }
osslsigncode sign -certs "$K/chain.pem" -key "$K/leaf.key" -h sha256 \
	-in "$FIXTURES/x64/exports.dll" -out "$SRC/signed.dll" >"$T/sign.log" 2>&1 ||
	bad "osslsigncode sign: $(cat "$T/sign.log")"

# what the mount's rule names a binary: the default extensions, any case
want_list() {
	(cd "$SRC" && find . -type f | sed 's|^\./||' |
		grep -aiE '\.(dll|exe|sys|ocx|cpl|drv|efi|scr|mui|acm|ax|tlb|com)$' |
		LC_ALL=C sort)
}
want_list >"$T/want.list"
prof() { "$PROFILEFS" profile --no-cache --trust="$K/root.pem" "$@"; }

# -r over the tree, root guessed (the arguments are below Windows/'s parent)
prof -r --jobs 2 --format=jsonl "$SRC/Windows" "$SRC/fixtures" "$SRC/inject" \
	"$SRC/notpe.dll" "$SRC/signed.dll" "$SRC/README.txt" >"$T/j2.jsonl" 2>"$T/err" ||
	bad "-r --jobs 2 exits $?: $(cat "$T/err")"
check_eq "-r: nothing on stderr" "$(cat "$T/err")" ""
jq -r .path "$T/j2.jsonl" >/dev/null || bad "jq cannot read the JSON Lines"
# the paths as the files are named: path_hex where path shows them otherwise
$PY -c '
import json, sys
out = sys.stdout.buffer
for line in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(line)
    out.write(bytes.fromhex(r["path_hex"]) if r["path_hex"]
              else r["path"].encode())
    out.write(b"\n")' "$T/j2.jsonl" >"$T/got.list"
# README.txt was given by name: a FILE is profiled whatever its name
(cat "$T/want.list"; echo README.txt) | LC_ALL=C sort >"$T/want2.list"
check "-r: one record per binary, sorted by path (root guessed)" \
	cmp -s "$T/got.list" "$T/want2.list"
check_eq "jq counts the records" "$(jq -s length "$T/j2.jsonl")" "$(wc -l <"$T/want2.list")"
check_eq "the File Path of the guessed root" \
	"$(jq -r 'select(.name == "signed.dll") | .file_path' "$T/j2.jsonl")" 'C:\signed.dll'

# the records against the oracles
check "records agree with the schema, sha*sum, ssdeep and pefile" \
	$PY "$here/check_json.py" "$SCHEMA" "$T/j2.jsonl" "$SRC" \
	--known "$here/../corpus/pefile-known.txt"

# the same bytes with one job, and as one process per file
prof -r --jobs 1 --format=jsonl "$SRC/Windows" "$SRC/fixtures" "$SRC/inject" \
	"$SRC/notpe.dll" "$SRC/signed.dll" "$SRC/README.txt" >"$T/j1.jsonl" 2>/dev/null
check "--jobs 1 and --jobs 2 print the same" cmp -s "$T/j1.jsonl" "$T/j2.jsonl"
: >"$T/each.jsonl"
while IFS= read -r f; do
	prof --root="$SRC" --format=jsonl "$SRC/$f" >>"$T/each.jsonl" 2>>"$T/err" ||
		bad "one file: $f"
done <"$T/want2.list"
check "one process per file prints the same records" cmp -s "$T/each.jsonl" "$T/j2.jsonl"

# --format=json: one indented object, the same as its JSON Lines record
prof --root="$SRC" --format=json "$SRC/signed.dll" >"$T/one.json"
check "--format=json is indented" grep -q '^  "hashes": {' "$T/one.json"
check_eq "--format=json is the record's object" \
	"$(jq -cS . "$T/one.json")" \
	"$(jq -cS 'select(.path == "signed.dll")' "$T/j2.jsonl")"

# the signature, against openssl's view of the certificate
sig() { jq -r "select(.path == \"signed.dll\") | .signature.$1" "$T/j2.jsonl"; }
check_eq "signature: status" "$(sig status)" verified
check_eq "signature: holds" "$(sig holds)" true
check_eq "signature: thumbprint" "$(sig signer.thumbprint)" "$(pki_thumb "$K/leaf.pem")"
check_eq "signature: serial" "$(sig signer.serial)" "$(pki_serial "$K/leaf.pem")"
check_eq "signature: subject" "$(sig signer.subject)" "$(pki_name subject "$K/leaf.pem")"
check_eq "signature: digest algorithm" "$(sig digest_algorithm)" sha256
check_eq "signature: the signed digest is the PE hash" "$(sig signed_digest)" \
	"$(jq -r 'select(.path == "signed.dll") | .hashes.pe_sha256' "$T/j2.jsonl")"
check_eq "signature: its sentence is the Markdown's Status" \
	"$(sig status_text)" \
	"$(prof --root="$SRC" "$SRC/signed.dll" | sed -n 's/^\* Status: //p')"
"$PROFILEFS" profile --no-cache --no-default-trust --root="$SRC" --format=jsonl \
	"$SRC/signed.dll" >"$T/untrusted.json"
check_eq "signature: an untrusted root is its own status" \
	"$(jq -r .signature.status "$T/untrusted.json")" untrusted_root
check_eq "an unsigned file: not_signed" \
	"$(jq -r 'select(.path == "fixtures/x64/exports.dll") | .signature.status' "$T/j2.jsonl")" \
	not_signed

# hostile strings: invalid UTF-8 as U+FFFD (as Python's "replace"), hidden
# characters as \xNN (tests/inject/shown.py), no raw one in the JSON text,
# and two names that differ only in bytes that are not UTF-8 stay apart
check "nothing hidden raw in the JSON text (controls, Cf, U+2028/U+2029)" $PY -c '
import sys
sys.path.insert(0, sys.argv[2])
from shown import hidden
t = open(sys.argv[1], "rb").read().decode("utf-8")
sys.exit(1 if [c for c in t if c != "\n" and hidden(c)] else 0)' \
	"$T/j2.jsonl" "$here/../inject"
check "each hostile FileDescription comes back whole, as shown (tests/inject/expect.json)" $PY -c '
import json, os, sys
sys.path.insert(0, sys.argv[3])
from shown import shown_json
want = json.load(open(sys.argv[1]))
got = {}
for line in open(sys.argv[2], encoding="utf-8"):
    r = json.loads(line)
    if r["path"].startswith("inject/"):
        raw = bytes.fromhex(r["path_hex"]) if r["path_hex"] else r["path"].encode()
        got[os.fsdecode(os.path.basename(raw))] = r["description"]
bad = [n for n, w in want.items()
       if got.get(n) != shown_json(w["description"])]
bad and print("differ:", [shown_json(os.fsencode(n)) for n in bad])
sys.exit(0 if want and not bad else 1)' \
	"$T/inject/expect.json" "$T/j2.jsonl" "$here/../inject"
hexof() { printf "$1" | od -An -tx1 | tr -d ' \n'; }
check_eq "svchost\u200b.exe: its name shows U+200B" \
	"$(jq -r --arg h "$(hexof 'inject/svchost\xe2\x80\x8b.exe')" \
		'select(.path_hex == $h) | .name' "$T/j2.jsonl")" \
	'svchost\xE2\x80\x8B.exe'
check_eq "bad\xFF\xFE.dll and bad\xFE\xFF.dll: one path, two path_hex" \
	"$(jq -r 'select(.name == "bad\ufffd\ufffd.dll") | [.path, .path_hex] | @tsv' "$T/j2.jsonl")" \
	"$(printf 'inject/bad\xef\xbf\xbd\xef\xbf\xbd.dll\t%s\n' \
		"$(hexof 'inject/bad\xfe\xff.dll')" "$(hexof 'inject/bad\xff\xfe.dll')")"

# interrupted: SIGINT or SIGTERM while records wait in stdout's buffer and
# a 1 TB sparse file (last by path) is read: every record written is
# whole, each line parses, every record before the big file is there
mkdir -p "$T/int"
for i in $(seq -w 1 40); do
	cp "$FIXTURES/x64/exports.dll" "$T/int/e$i.dll"
	printf '%s' "$i" >>"$T/int/e$i.dll"
done
truncate -s 1T "$T/int/zz.dll"
for sig in INT TERM; do
	"$PROFILEFS" profile --no-cache --time-limit=0 --jobs 2 -r \
		--format=jsonl "$T/int" >"$T/int.jsonl" 2>"$T/int.err" &
	P=$!
	for i in $(seq 1 $((100 * TIME_SCALE))); do
		[ -s "$T/int.jsonl" ] && break
		sleep 0.1
	done
	sleep 0.5
	kill -$sig $P
	for i in $(seq 1 $((100 * TIME_SCALE))); do
		kill -0 $P 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL $P 2>/dev/null && bad "SIG$sig: still running after 10 s"
	wait $P
	rc=$?
	check_eq "SIG$sig: exit status" "$rc" $((128 + $(kill -l $sig)))
	check_eq "SIG$sig: the records before the big file, each line whole" \
		"$(jq -rR 'try (fromjson | .path) catch "BAD"' "$T/int.jsonl" |
			tr '\n' ' ')" \
		"$(cd "$T/int" && ls e*.dll | tr '\n' ' ')"
	check_eq "SIG$sig: the file ends with a newline" \
		"$(tail -c 1 "$T/int.jsonl" | od -An -c | tr -d ' ')" '\n'
done

# failures: named, exit 1, the others printed
mkdir -p "$T/u/src/Windows" "$T/u/src/shut"
cp "$FIXTURES/x64/exports.dll" "$T/u/src/ok.dll"
cp "$FIXTURES/x64/exports.dll" "$T/u/src/secret.dll"
cp "$FIXTURES/x64/exports.dll" "$T/u/src/shut/inner.dll"
chmod 0755 "$T" "$T/u" "$T/u/src"
chmod 0644 "$T/u/src/ok.dll"
chmod 0000 "$T/u/src/secret.dll" "$T/u/src/shut"
as_reader() {
	if [ "$(id -u)" = 0 ]; then
		setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"
	else
		"$@"
	fi
}
as_reader "$PROFILEFS" profile --no-cache -r --format=jsonl "$T/u/src" \
	>"$T/u.out" 2>"$T/u.err"
check_eq "an unreadable file: exit status 1" "$?" 1
check "the unreadable file is named" grep -q "secret.dll: Permission denied" "$T/u.err"
check "the unreadable folder is named" grep -q "shut: Permission denied" "$T/u.err"
check_eq "the readable file is still printed" "$(jq -r .path "$T/u.out")" ok.dll
check_eq "no progress line off a terminal" "$(grep -c profiled "$T/u.err")" 0
"$PROFILEFS" profile --no-cache "$T/u/src/missing.dll" >/dev/null 2>"$T/m.err"
check_eq "a missing file: exit status 1" "$?" 1
check "a missing file is named" grep -q "missing.dll: No such file" "$T/m.err"
"$PROFILEFS" profile --no-cache "$T/u/src" >/dev/null 2>"$T/d.err"
check_eq "a folder without -r: exit status 1" "$?" 1
check "a folder without -r is named" grep -q "src: Is a directory" "$T/d.err"
"$PROFILEFS" profile --format=xml "$T/u/src/ok.dll" >/dev/null 2>"$T/f.err"
check_eq "--format=xml: exit status 2" "$?" 2
check_eq "--format=xml: one line" "$(wc -l <"$T/f.err")" 1

# a progress line on a terminal (script(1) gives stderr a pty)
script -qec "'$PROFILEFS' profile --no-cache -r --format=jsonl '$SRC/fixtures' >/dev/null" \
	/dev/null >"$T/tty.out" 2>&1
check "a progress line on a terminal" grep -q "files profiled" "$T/tty.out"
finish
