#!/bin/bash
# `profilefs profile --format=csv` and `-r` (issue 24). A tree of the
# built fixtures (one with an en-US .mui), a signed copy, a file that is
# not a PE, PE files whose version strings start with what a spreadsheet
# computes (=, +, -, @, TAB, CR) or hold , " ; CR LF (tests/inject/gen.py's
# builder), and names holding a comma, a quote, a newline, a leading =:
# - the header is docs/profile-csv.md's column list, read from the page;
#   Python's csv module reads every row whole, one per binary, sorted;
#   every column agrees with md5sum/sha*sum/ssdeep and python3-pefile
#   (check_csv.py), the signature columns with openssl and osslsigncode;
# - hostile strings: no raw control, each shown as \xNN, a leading
#   = + - @ ' guarded by a ', fields with , " ; quoted with "" inside;
# - --jobs 1 and 2 print the same bytes;
# - an unreadable file keeps its row (file_path and error), exit 1;
# - SIGINT leaves only whole rows;
# - misuse_rows counts the lines of a rules index that name the binary.
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
. "$here/pki.sh"
PY=/usr/bin/python3
for tool in ssdeep osslsigncode openssl; do
	command -v $tool >/dev/null || { bad "$tool is missing (scripts/deps.sh)"; finish; }
done
$PY -c 'import pefile' || { bad "python3-pefile is missing"; finish; }
: "${FIXTURES:?set FIXTURES to the built PE fixtures}"
DOC=$here/../../docs/profile-csv.md

mkdir -p "$SRC/Windows/System32" "$SRC/h"
cp -r "$FIXTURES/x64/." "$SRC/Windows/System32/"
cp "$FIXTURES/x86/exports.dll" "$SRC/Windows/x86.dll"
printf 'not a PE image\n' >"$SRC/notpe.dll"
K=$T/pki
pki_make "$K" || { bad "openssl could not make the test PKI"; finish; }
osslsigncode sign -certs "$K/chain.pem" -key "$K/leaf.key" -h sha256 \
	-in "$FIXTURES/x64/exports.dll" -out "$SRC/signed.dll" >"$T/sign.log" 2>&1 ||
	bad "osslsigncode sign: $(cat "$T/sign.log")"
# version strings a spreadsheet would compute, or that break a row
$PY - "$here/../inject/gen.py" "$SRC/h" <<'EOF' || bad "the hostile PE files were not made"
import importlib.util, os, sys
spec = importlib.util.spec_from_file_location("inject_gen", sys.argv[1])
g = importlib.util.module_from_spec(spec)
spec.loader.exec_module(g)
for kind, text in {
        "eq": '=HYPERLINK("http://e.example/?a,b","c");1',
        "plus": "+1+cmd|' /C calc'!A0", "minus": "-2+3", "at": "@SUM(1;2)",
        "quote": "'=already", "tab": "\t=1+1", "cr": "\r=1+1\n2",
        "plain": 'a "quoted", semi;colon \u200b\u202e end'}.items():
    g.PAYLOADS["html"] = text
    f, _ = g.pe("html")
    open(os.path.join(sys.argv[2], kind + ".dll"), "wb").write(f)
EOF
for n in '=x,"y
z.dll' '-a;b.dll' "$(printf 'svchost\xe2\x80\x8b.exe')"; do
	cp "$FIXTURES/x64/exports.dll" "$SRC/h/$n"
done
# the binaries, as -r finds them: by name (the default extensions), sorted
(cd "$SRC" && find . -type f -print0 | sed -z 's|^\./||' |
	grep -zaiE '\.(dll|exe|sys|ocx|cpl|drv|efi|scr|mui|acm|ax|tlb|com)$' |
	LC_ALL=C sort -z) >"$T/list"
prof() { "$PROFILEFS" profile --no-cache --trust="$K/root.pem" "$@"; }

prof -r --jobs 2 --format=csv --root="$SRC" "$SRC" >"$T/r2.csv" 2>"$T/err" ||
	bad "-r --jobs 2 exits $?: $(cat "$T/err")"
check_eq "-r: nothing on stderr" "$(cat "$T/err")" ""
check "rows agree with the doc, csv, sha*sum, ssdeep and pefile" \
	$PY "$here/check_csv.py" "$T/r2.csv" "$SRC" "$DOC" "$T/list"
prof -r --jobs 1 --format=csv --root="$SRC" "$SRC" >"$T/r1.csv" 2>/dev/null
check "--jobs 1 and --jobs 2 print the same" cmp -s "$T/r1.csv" "$T/r2.csv"
check_eq "rows: one per binary and the header" "$(grep -c $'\r$' "$T/r2.csv")" \
	"$(($(tr -cd '\0' <"$T/list" | wc -c) + 1))"

# a column by name, of the row whose file_path is $2
col() {
	$PY -c '
import csv, sys
for r in csv.DictReader(open(sys.argv[1], encoding="utf-8", newline="")):
    if r["file_path"] == sys.argv[2]:
        print(r[sys.argv[3]])' "$T/r2.csv" "$2" "$1"
}
check_eq "signed: signature_status" "$(col signature_status 'C:\signed.dll')" verified
check_eq "signed: signature_text" "$(col signature_text 'C:\signed.dll')" "Signature verified."
check_eq "signed: signer" "$(col signer 'C:\signed.dll')" "$(pki_name subject "$K/leaf.pem")"
check_eq "signed: signer_thumbprint" "$(col signer_thumbprint 'C:\signed.dll')" \
	"$(pki_thumb "$K/leaf.pem")"
check_eq "signed: pe_sha256 is osslsigncode's calculated digest" \
	"$(col pe_sha256 'C:\signed.dll' | tr a-f A-F)" "$(ossl_calculated "$SRC/signed.dll")"
check_eq "unsigned: not_signed" "$(col signature_status 'C:\Windows\x86.dll')" not_signed
check_eq "unsigned: signature_text is the Markdown's Status" \
	"$(col signature_text 'C:\Windows\x86.dll')" \
	"$(prof --root="$SRC" "$SRC/Windows/x86.dll" | sed -n 's/^\* Status: //p')"
check_eq "not a PE: no signature columns" "$(col signature_status 'C:\notpe.dll')" ""

# hostile strings, in the bytes themselves (an oracle besides Python's
# csv): guarded, quoted, "" inside, hidden characters as \xNN
has() { grep -qF -- "$1" "$T/r2.csv"; }
check "=... is guarded and quoted" \
	has ",\"'=HYPERLINK(\"\"http://e.example/?a,b\"\",\"\"c\"\");1\","
check "+... is guarded" has ",'+1+cmd|' /C calc'!A0,"
check "-... is guarded" has ",'-2+3,"
check "@... (with ;) is guarded and quoted" has ",\"'@SUM(1;2)\","
check "'... gets one ' more" has ",''=already,"
check "a leading TAB is \\x09, no formula" has ',\x09=1+1,'
check "a leading CR is \\x0D, the LF \\x0A" has ',\x0D=1+1\x0A2,'
check "quotes doubled, ; quoted, Cf as \\xNN" \
	has ',"a ""quoted"", semi;colon \xE2\x80\x8B\xE2\x80\xAE end",'
check "a name with , \" and a newline: quoted, the newline \\x0A" \
	has '"C:\h\=x,""y\x0Az.dll",'
check "a name with ; is quoted" has '"C:\h\-a;b.dll",'

# an unreadable file keeps its row; the others are printed; exit 1
mkdir -p "$T/u/src"
cp "$FIXTURES/x64/exports.dll" "$T/u/src/ok.dll"
cp "$FIXTURES/x64/exports.dll" "$T/u/src/secret.dll"
chmod 0755 "$T" "$T/u" "$T/u/src"
chmod 0644 "$T/u/src/ok.dll"
chmod 0000 "$T/u/src/secret.dll"
if [ "$(id -u)" = 0 ]; then
	as_reader() { setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"; }
else
	as_reader() { "$@"; }
fi
as_reader "$PROFILEFS" profile --no-cache -r --format=csv --root="$T/u/src" "$T/u/src" \
	>"$T/u.csv" 2>"$T/u.err"
check_eq "an unreadable file: exit status 1" "$?" 1
check "the unreadable file is named on stderr" grep -q "secret.dll: Permission denied" "$T/u.err"
# the failed row: only file_path and error (docs/profile-csv.md)
check_eq "its row: file_path and error, the rest empty; the other row whole" \
	"$($PY -c '
import csv, sys
for r in csv.DictReader(open(sys.argv[1], newline="")):
    print(r["file_path"], r["sha256"] or "-", r["error"] or "-",
          [k for k, v in r.items() if v][:2])' "$T/u.csv")" \
	"C:\ok.dll $(sha256sum <"$T/u/src/ok.dll" | cut -d' ' -f1) - ['file_path', 'size']
C:\secret.dll - Permission denied ['file_path', 'error']"
"$PROFILEFS" profile --no-cache --format=csv "$T/u/src/missing.dll" >"$T/m.csv" 2>/dev/null
check_eq "a missing operand: exit 1, the header alone" "$?:$(wc -l <"$T/m.csv")" "1:1"

# interrupted while a 1 TB sparse file (last by path) is read: every row
# written is whole, and those before it are all there
mkdir -p "$T/int"
for i in $(seq -w 1 20); do
	cp "$FIXTURES/x64/exports.dll" "$T/int/e$i.dll"
	printf '%s' "$i" >>"$T/int/e$i.dll"
done
truncate -s 1T "$T/int/zz.dll"
"$PROFILEFS" profile --no-cache --time-limit=0 --jobs 2 -r --format=csv \
	--root="$T/int" "$T/int" >"$T/int.csv" 2>"$T/int.err" &
P=$!
for i in $(seq 1 $((100 * TIME_SCALE))); do
	[ "$(grep -c . "$T/int.csv" 2>/dev/null)" -ge 21 ] && break
	sleep 0.1
done
sleep 0.3
kill -INT $P
for i in $(seq 1 $((100 * TIME_SCALE))); do
	kill -0 $P 2>/dev/null || break
	sleep 0.1
done
kill -KILL $P 2>/dev/null && bad "SIGINT: still running after 10 s"
wait $P
check_eq "SIGINT: exit status 130" "$?" 130
check_eq "SIGINT: the rows before the big file, each whole" \
	"$($PY -c '
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
print(" ".join(r[0] if len(r) == len(rows[0]) and r[1] else "BAD"
               for r in rows[1:]))' "$T/int.csv")" \
	"$(cd "$T/int" && ls e*.dll | sed 's/^/C:\\/' | tr '\n' ' ' | sed 's/ $//')"
check_eq "SIGINT: the file ends with CRLF" "$(tail -c 2 "$T/int.csv" | od -An -c | tr -d ' ')" '\r\n'

# misuse_rows: with a rules index, the lines that name the binary (grep
# counts them: each names it plainly), and 0 for a name none names
mkdir -p "$T/rules/r1"
for i in 1 2 3; do echo "rundll32 exports.dll,Entry$i"; done >"$T/rules/r1/uses.txt"
echo "nothing to see" >>"$T/rules/r1/uses.txt"
"$PROFILEFS" rules add -q "$T/rules/r1" 2>"$T/rules.err" || bad "rules add: $(cat "$T/rules.err")"
prof -r --format=csv --root="$SRC" "$SRC" >"$T/rules.csv" 2>/dev/null
misuse() {
	$PY -c '
import csv, sys
for r in csv.DictReader(open(sys.argv[1], encoding="utf-8", newline="")):
    if r["file_path"] == sys.argv[2]:
        print(r["misuse_rows"])' "$T/rules.csv" "$1"
}
check_eq "misuse_rows: the lines that name exports.dll" \
	"$(misuse 'C:\Windows\System32\exports.dll')" "$(grep -c 'exports\.dll' "$T/rules/r1/uses.txt")"
check_eq "misuse_rows: 0 for notpe.dll" "$(misuse 'C:\notpe.dll')" 0
finish
