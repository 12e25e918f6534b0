#!/bin/bash
# profilefs known: the known-file store (docs/known.md). Data sets made
# here: an NSRL RDS v3 database by python3's sqlite3 and a winbindex
# folder of gzip JSON files, for the example binaries, whose keys are
# sha256sum's and whose machine and version are python3-pefile's. Each
# verdict through `known lookup`; each broken data set refused with a
# clear error and the store left byte for byte as it was.
. "$(dirname "$0")/lib.sh"
: "${EXAMPLES:?set EXAMPLES to the built example binaries}"
: "${FIXTURES:?set FIXTURES to the built fixtures}"
GEN="/usr/bin/python3 $(dirname "$0")/known_data.py"
for tool in sqlite3 sha256sum gzip; do
	command -v $tool >/dev/null || { bad "$tool is missing"; finish; }
done

K=$T/known.db
B=$T/bin
mkdir -p "$B/de-DE"
cp "$EXAMPLES/hello.dll" "$EXAMPLES/hello32.dll" "$EXAMPLES/tool.exe" \
	"$FIXTURES/x64/exports.dll" "$FIXTURES/x64/multires.dll" \
	"$FIXTURES/x64/noexports.exe" "$B/"
cp "$EXAMPLES/hello32.dll" "$B/de-DE/hello32.dll"
sha() { sha256sum "$B/$1" | cut -c1-64; }
mv_of() { $GEN machine_version "$B/$1"; }
read -r m32 v32 <<<"$(mv_of hello32.dll)"
read -r mtool vtool <<<"$(mv_of tool.exe)"
check "pefile: hello32.dll has a machine and a version" [ -n "$m32" ] && [ -n "$v32" ]
check "pefile: tool.exe has a version" [ -n "$vtool" ]
other1=$(printf '%064d' 1)
other2=$(printf '%064d' 2)
other3=$(printf '%064d' 3)

lookup() { "$PROFILEFS" known lookup --known="$K" "$B/$1" | cut -f2; }
detail() { "$PROFILEFS" known lookup --known="$K" "$B/$1" | cut -f3; }
list() { "$PROFILEFS" known list --known="$K" | cut -f1,2,4,5; }

# --- no store: no data, and nothing made -----------------------------------
check_eq "no store: no data" "$(lookup hello.dll)" "no data"
check_eq "no store: list is its header" "$("$PROFILEFS" known list --known="$K")" \
	"$(printf 'kind\tpath\timported\trows\trelease')"
check "no store: none made by a reader" [ ! -e "$K" ]
echo "hello" >"$T/text.db"
"$PROFILEFS" known add -q --known="$K" "$T/text.db" 2>/dev/null
check_eq "no store, a failed add: exit status" "$?" 1
check "no store, a failed add: none made" [ ! -e "$K" ] && [ ! -e "$K-wal" ]

# --- the data sets ------------------------------------------------------------
# NSRL: hello.dll and exports.dll in products; a row whose hash is not
# 64 hex digits names nothing
$GEN nsrl "$T/rds.db" \
	"$(sha hello.dll):hello.dll:1:Hello Suite:1.0:Windows 10:Example Corp" \
	"$(sha exports.dll):exports.dll:1:Fixture Kit:5.6:Windows 11:Fixture Inc" \
	"$(sha exports.dll):exports.dll:1:Fixture Kit:5.7:Windows 11:Fixture Inc" \
	"XYZ:bad.dll:1:Fixture Kit:5.6:Windows 11:Fixture Inc" \
	"$(sha noexports.exe):noexports.exe:1:Hello Suite:1.0:Windows 10:Example Corp:again"
nsrl_rows=$(sqlite3 "$T/rds.db" "SELECT count(DISTINCT sha256 || package_id) FROM FILE WHERE length(sha256) = 64")
# winbindex: hello.dll as it is, in two builds; two other builds of
# hello32.dll's name, machine and version; tool.exe's name and machine in
# another version only; noexports.exe as a hash only
$GEN winbindex "$T/wb" \
	"hello.dll:$(sha hello.dll):34404:1.2.3.4:11-22H2/KB5023778/2023-03-28+10-21H2/BASE/2021-11-16" \
	"hello32.dll:$other1:$m32:$v32:11-22H2/KB5023778/2023-03-28" \
	"hello32.dll:$other2:$m32:$v32:11-22H2/KB5025239/2023-04-25" \
	"tool.exe:$other3:$mtool:9.$vtool:11-22H2/BASE/2022-09-20" \
	"noexports.exe:$(sha noexports.exe):-:-:-"
wb_rows=5

"$PROFILEFS" known add -q --known="$K" "$T/rds.db" 2>"$T/err"
check_eq "add nsrl: exit status" "$?" 0
check "add nsrl: a summary line" grep -q "^profilefs known: nsrl $T/rds.db: $nsrl_rows rows in" "$T/err"
"$PROFILEFS" known add -q --known="$K" "$T/wb" 2>"$T/err"
check_eq "add winbindex: exit status" "$?" 0
check "add winbindex: a summary line" grep -q "^profilefs known: winbindex $T/wb: $wb_rows rows in" "$T/err"
check_eq "list: each source, its rows and release" "$(list)" "$(printf 'kind\tpath\trows\trelease
nsrl\t%s\t%s\t2026.09.1
winbindex\t%s\t%s\t-' "$T/rds.db" "$nsrl_rows" "$T/wb" "$wb_rows")"
# packages of the same names are one product in the store
check_eq "nsrl: the products, each once" \
	"$(sqlite3 "$K" 'SELECT count(*) FROM nsrl_product')" \
	"$(sqlite3 "$T/rds.db" 'SELECT count(*) FROM (SELECT DISTINCT p.name, p.version, o.name, m.name FROM PKG p JOIN OS o USING (operating_system_id) JOIN MFG m USING (manufacturer_id))')"
check "nsrl: two packages of the same names" \
	[ "$(sqlite3 "$T/rds.db" 'SELECT count(*) FROM PKG')" -gt "$(sqlite3 "$K" 'SELECT count(*) FROM nsrl_product')" ]
check "list: the import's date" bash -c '"$0" known list --known="$1" | grep -q "	$(date -u +%Y-%m-%d) "' \
	"$PROFILEFS" "$K"

# --- the verdicts -------------------------------------------------------------
check_eq "hello.dll: known (winbindex)" "$(lookup hello.dll)" "known (winbindex)"
check_eq "hello.dll: its builds, newest first, and its NSRL product" "$(detail hello.dll)" \
	"2 builds: 11-22H2 KB5023778 2023-03-28; 10-21H2 BASE 2021-11-16; 1 NSRL products: Hello Suite 1.0 (Windows 10, Example Corp)"
check_eq "exports.dll: known (NSRL)" "$(lookup exports.dll)" "known (NSRL)"
check_eq "exports.dll: both products" "$(detail exports.dll)" \
	"2 NSRL products: Fixture Kit 5.6 (Windows 11, Fixture Inc); Fixture Kit 5.7 (Windows 11, Fixture Inc)"
check_eq "hello32.dll: version mismatch" "$(lookup hello32.dll)" "version mismatch"
check_eq "hello32.dll: two builds of its version" "$(detail hello32.dll)" \
	"hello32.dll machine $m32 version $v32: 2 builds of this version, none with these bytes"
check_eq "de-DE/hello32.dll: a language variant is never a mismatch" "$(lookup de-DE/hello32.dll)" "unknown"
check_eq "tool.exe: unknown build" "$(lookup tool.exe)" "unknown build"
check_eq "noexports.exe: a hash alone is known" "$(lookup noexports.exe)" "known (winbindex)"
check_eq "noexports.exe: no build, and its NSRL product" "$(detail noexports.exe)" \
	"0 builds:; 1 NSRL products: Hello Suite 1.0 (Windows 10, Example Corp)"
check_eq "multires.dll: unknown" "$(lookup multires.dll)" "unknown"

# --- the verdicts in the profiles: the mount, the view, JSON, CSV ------------
# each file's Known File verdict is what `known lookup` says of it (held
# to the oracles above); the store's generation is in the render key: new
# data shows at once, nothing is computed again
files="hello.dll hello32.dll de-DE/hello32.dll tool.exe noexports.exe exports.dll multires.dll"
cp -r "$B/." "$SRC/"
verdict() { sed -n 's/^\* Verdict: //p' "$1"; }
mount_fs --known="$K" --formats=md:json || finish
for f in $files; do
	want=$(lookup "$f")
	check_eq "mount: $f" "$(verdict "$MNT/$f.md")" "$want"
	check_eq "view: $f" "$(verdict "$MNT/.profiles/$f.md")" "$want"
	check_eq "JSON: $f" "$(jq -r .known.verdict "$MNT/$f.json")" "$want"
done
check "mount: hello.dll's builds" grep -qx '\* Shipped in: Windows 11 22H2, KB5023778, 2023-03-28' "$MNT/hello.dll.md"
check "mount: hello32.dll's claim" grep -qx "\* Known builds of that name, machine and version: 2, none with these bytes" "$MNT/hello32.dll.md"
check "JSON: the schema holds" /usr/bin/python3 -c 'import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
for f in sys.argv[2:]:
    jsonschema.validate(json.load(open(f)), schema)' "$(dirname "$0")/../../docs/profile.schema.json" \
	$(for f in $files; do echo "$MNT/$f.json"; done)
check_eq "summary: one version mismatch, hello32.dll" \
	"$(sed -n '/^## Version Mismatches$/,/^## /p' "$MNT/.profiles/SUMMARY.md" | grep -c '^\* \[')" 1
computed=$(stat_of computed)
"$PROFILEFS" known remove --known="$K" winbindex 2>/dev/null
check_eq "winbindex removed while mounted: hello32.dll unknown at once" \
	"$(verdict "$MNT/hello32.dll.md")" "unknown"
check_eq "... and exports.dll still NSRL's" "$(verdict "$MNT/exports.dll.md")" "known (NSRL)"
check_eq "... nothing computed again" "$(stat_of computed)" "$computed"
umount_fs
"$PROFILEFS" known add -q --known="$K" "$T/wb" 2>/dev/null || bad "winbindex added again"
"$PROFILEFS" profile -r --no-cache --known="$K" --format=csv --root="$SRC" "$SRC" >"$T/known.csv" 2>/dev/null
for f in $files; do
	check_eq "CSV: $f" "$(/usr/bin/python3 -c 'import csv, sys
for r in csv.DictReader(open(sys.argv[1], newline="")):
    if r["file_path"] == sys.argv[2]:
        print(r["known"])' "$T/known.csv" "C:\\${f//\//\\}")" "$(lookup "$f")"
done

# --- broken data sets: a clear error, the store unchanged -------------------
dump() { sqlite3 "$K" .dump; }
gen() { sqlite3 "$K" "SELECT value FROM meta WHERE key = 'generation'"; }
dump >"$T/before"
list >"$T/list-before"
gen0=$(gen)
# refused SAYS PATH: exit status 1, one line naming the problem, unchanged
refused() {
	local says=$1 path=$2
	"$PROFILEFS" known add -q --known="$K" "$path" 2>"$T/err"
	check_eq "$says: exit status" "$?" 1
	check "$says: says so ($(cat "$T/err"))" grep -qF -- "$says" "$T/err"
	check "$says: says the store is unchanged" grep -q "the store is unchanged" "$T/err"
	dump >"$T/after"
	check "$says: the store is unchanged" cmp -s "$T/before" "$T/after"
	check_eq "$says: list unchanged" "$(list)" "$(cat "$T/list-before")"
}
# a winbindex folder with one good file, then a broken one
mkbad() {
	rm -rf "$T/bad" && mkdir -p "$T/bad/by_filename_compressed"
	cp "$T/wb/by_filename_compressed/hello.dll.json.gz" "$T/bad/by_filename_compressed/"
}
mkbad
# a gzip header, then a deflate block of the reserved type 3
printf '\037\213\010\000\000\000\000\000\000\003\377\377\377\377' \
	>"$T/bad/by_filename_compressed/zz.dll.json.gz"
check "the corrupt file: gzip says so too" bash -c '! gzip -t "$0" 2>/dev/null' \
	"$T/bad/by_filename_compressed/zz.dll.json.gz"
refused "zz.dll.json.gz: corrupt gzip data" "$T/bad"
mkbad
zcat "$T/wb/by_filename_compressed/hello.dll.json.gz" | head -c 100 | gzip -c \
	>"$T/bad/by_filename_compressed/cut.dll.json.gz"
refused "cut.dll.json.gz: truncated JSON" "$T/bad"
mkbad
head -c 40 "$T/wb/by_filename_compressed/hello.dll.json.gz" >"$T/bad/by_filename_compressed/short.dll.json.gz"
refused "short.dll.json.gz: truncated gzip data" "$T/bad"
mkbad
echo '["a list"]' | gzip -c >"$T/bad/by_filename_compressed/list.dll.json.gz"
refused "list.dll.json.gz: not a winbindex file: not a JSON object" "$T/bad"
mkbad
echo '{"a": {}} {}' | gzip -c >"$T/bad/by_filename_compressed/two.dll.json.gz"
refused "two.dll.json.gz: invalid JSON: data after the value" "$T/bad"
mkbad
mkfifo "$T/bad/by_filename_compressed/fifo.dll.json.gz"
refused "fifo.dll.json.gz: not a regular file" "$T/bad"
sqlite3 "$T/wrong.db" "CREATE TABLE FILE (sha256 TEXT); CREATE TABLE PKG (package_id INTEGER)"
refused "$T/wrong.db: not an NSRL RDS v3 database: no OS view" "$T/wrong.db"
refused "$T/text.db: neither an NSRL RDS v3 database" "$T/text.db"
mkdir -p "$T/empty"
refused "$T/empty: not a winbindex data folder" "$T/empty"
check_eq "a refused import: the generation as it was" "$(gen)" "$gen0"
# not a store: left as it is
"$PROFILEFS" known list --known="$T/rds.db" >/dev/null 2>"$T/err"
check_eq "an NSRL database as --known: refused" "$?" 1
check "an NSRL database as --known: says so" grep -q "not a known-file store" "$T/err"

# --- interrupted: SIGINT leaves the store as it was -------------------------
/usr/bin/python3 - "$T/big" <<'PY'
import gzip, json, os, sys
d = os.path.join(sys.argv[1], "by_filename_compressed")
os.makedirs(d)
for n in range(40):  # 200,000 entries: seconds to import
    text = json.dumps({"%064x" % (n * 10**6 + i): {"fileInfo": {
        "machineType": 34404, "version": "1.0.%d.0" % i}}
        for i in range(5000)})
    with open(os.path.join(d, "f%02d.dll.json.gz" % n), "wb") as f:
        f.write(gzip.compress(text.encode(), 1))
PY
"$PROFILEFS" known add -q --known="$K" "$T/big" 2>"$T/err" &
ipid=$!
sleep 0.5
kill -INT $ipid
wait $ipid
check_eq "SIGINT: exit status 130" "$?" 130
check "SIGINT: says so" grep -q "interrupted; the store is unchanged" "$T/err"
dump >"$T/after"
check "SIGINT: the store is unchanged" cmp -s "$T/before" "$T/after"

# --- again: the kind's rows replaced; removed ----------------------------------
$GEN winbindex "$T/wb2" "hello32.dll:$other1:$m32:$v32:-"
"$PROFILEFS" known add -q --known="$K" "$T/wb2" 2>/dev/null
check_eq "re-added: winbindex's rows replaced" "$(list | grep ^winbindex)" \
	"$(printf 'winbindex\t%s\t1\t-' "$T/wb2")"
check_eq "re-added: hello.dll now known by NSRL alone" "$(lookup hello.dll)" "known (NSRL)"
check_eq "re-added: one build of hello32.dll's version" "$(detail hello32.dll)" \
	"hello32.dll machine $m32 version $v32: 1 builds of this version, none with these bytes"
check "re-added: the generation moved on" [ "$(gen)" -gt "$gen0" ]
gen1=$(gen)
"$PROFILEFS" known remove --known="$K" winbindex
check_eq "remove winbindex: exit status" "$?" 0
check_eq "remove winbindex: hello32.dll unknown" "$(lookup hello32.dll)" "unknown"
check "remove: the generation moved on" [ "$(gen)" -gt "$gen1" ]
"$PROFILEFS" known remove --known="$K" "$T/rds.db"
check_eq "remove by path: exit status" "$?" 0
check_eq "nothing left: no data" "$(lookup hello.dll)" "no data"
"$PROFILEFS" known remove --known="$K" nsrl 2>"$T/err"
check_eq "remove of nothing: exit status" "$?" 1
check "remove of nothing: says so" grep -q "no source nsrl" "$T/err"

# --- usage ------------------------------------------------------------------
for args in "bogus" "add --bogus" "--bogus" ""; do
	"$PROFILEFS" known $args >/dev/null 2>"$T/err"
	check_eq "known $args: exit status" "$?" 2
	check "known $args: the usage lines" grep -q "^usage: profilefs known add" "$T/err"
done
"$PROFILEFS" known --help | grep -q "never that it is good"
check_eq "known --help" "$?" 0

finish
