#!/bin/bash
# B.json beside B.md in a mount (--formats, issue 14), over the example
# binaries:
# - without the option there is no B.json; with formats=md:json there is
#   one beside each binary (never beside a file that is not one), a real
#   B.json wins over the profile, formats=json shows no B.md;
# - B.json parses (jq), validates against docs/profile.schema.json
#   (python3-jsonschema), is byte for byte what `profilefs profile
#   --format=json` prints for the same file, root and drive (each with a
#   cache: then "misuse" is the rules' rows, not null), and its
#   sha256 is sha256sum's of the binary;
# - its mode is B.md's; stat says 0 before the first read and the bytes
#   read after it; a second read (and B.md's read) computes nothing
#   again; a remount with the cache and --trust-metadata knows its size
#   without computing;
# - formats= (empty) and an unknown format are refused in one line.
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
SCHEMA=$here/../../docs/profile.schema.json
PY=/usr/bin/python3
command -v jq >/dev/null || { bad "jq is missing (scripts/deps.sh)"; finish; }
$PY -c 'import jsonschema' || { bad "python3-jsonschema is missing"; finish; }
have_examples || { bad "EXAMPLES is not set: no example binaries"; finish; }

S32=$SRC/Windows/System32
D=$MNT/Windows/System32
mkdir -p "$S32"
cp "$EXAMPLES"/hello.dll "$EXAMPLES"/hello32.dll "$EXAMPLES"/tool.exe "$S32/"
chmod 0640 "$S32/hello32.dll"
head -c 300 /dev/urandom >"$S32/real.dll"
echo '{"a real": "file"}' >"$S32/real.dll.json"
echo "plain text" >"$S32/notes.txt"
BINS="hello.dll hello32.dll tool.exe"

# ---- refused in one line ------------------------------------------------
for bad_opt in "-o formats=" "--formats=" "-o formats=md:yaml" "--formats=html"; do
	# shellcheck disable=SC2086
	"$PROFILEFS" $bad_opt "$SRC" "$MNT" >"$T/out" 2>"$T/err"
	rc=$?
	check_eq "$bad_opt: exit 2" "$rc" 2
	check_eq "$bad_opt: one line" "$(wc -l <"$T/err")" 1
	check "$bad_opt: says what it wants" grep -q "wants md, json or md:json" "$T/err"
done

# ---- the default: Markdown alone ------------------------------------------
mount_fs || finish
check "default: hello.dll.md" test -f "$D/hello.dll.md"
check_eq "default: no .json profile listed" \
	"$(cd "$D" && ls -- *.json)" "real.dll.json"
check "default: hello.dll.json is not there" test ! -e "$D/hello.dll.json"
umount_fs

# ---- json alone -----------------------------------------------------------
mount_fs --no-cache --formats=json || finish
check "formats=json: hello.dll.json" test -f "$D/hello.dll.json"
check "formats=json: no hello.dll.md" test ! -e "$D/hello.dll.md"
umount_fs

# ---- md and json ----------------------------------------------------------
mount_fs -o formats=md:json || finish
want=$(cd "$S32" && for b in $BINS; do echo "$b"; echo "$b.json"; echo "$b.md"; done
	echo notes.txt; echo real.dll; echo real.dll.json; echo real.dll.md)
check_eq "listing: a .json and a .md beside each binary, real files once" \
	"$(ls "$D" | LC_ALL=C sort)" "$(echo "$want" | LC_ALL=C sort)"
check_eq "a real B.json wins" "$(cat "$D/real.dll.json")" '{"a real": "file"}'
check "no profile of a profile" test ! -e "$D/hello.dll.md.json"
check "no profile of a text file" test ! -e "$D/notes.txt.json"
for b in $BINS; do
	check_eq "$b.json: mode as $b.md" "$(stat -c %a "$D/$b.json")" \
		"$(stat -c %a "$D/$b.md")"
	check_eq "$b.json: size 0 before the first read" \
		"$(stat -c %s "$D/$b.json")" 0
done
check_eq "hello32.dll.json: the binary's read bits" \
	"$(stat -c %a "$D/hello32.dll.json")" 440

for b in $BINS; do
	c0=$(stat_of computed)
	cat "$D/$b.json" >"$T/$b.json" || bad "cat $b.json failed"
	check_eq "$b.json: one computation" "$(stat_of computed)" $((c0 + 1))
	check "$b.json: jq reads it" jq -e . "$T/$b.json" >/dev/null
	check "$b.json: valid against the schema" $PY -c '
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))' \
		"$SCHEMA" "$T/$b.json"
	check_eq "$b.json: sha256 is sha256sum's" \
		"$(jq -r .hashes.sha256 "$T/$b.json")" \
		"$(sha256sum <"$S32/$b" | cut -d' ' -f1)"
	check_eq "$b.json: the file path" "$(jq -r .file_path "$T/$b.json")" \
		"C:\\Windows\\System32\\$b"
	"$PROFILEFS" profile --cache="$T/cli.db" --format=json --root="$SRC" --drive=C: \
		"$S32/$b" >"$T/$b.cli.json" 2>"$T/cli.err" ||
		bad "profilefs profile --format=json $b: $(cat "$T/cli.err")"
	check "$b.json: what profilefs profile --format=json prints" \
		cmp -s "$T/$b.json" "$T/$b.cli.json"
	check_eq "$b.json: stat says the bytes read" \
		"$(stat -c %s "$D/$b.json")" "$(wc -c <"$T/$b.json")"
	c1=$(stat_of computed)
	r1=$(stat_of renders)
	cmp -s "$D/$b.json" "$T/$b.json" || bad "$b.json: a re-read differs"
	check_eq "$b.json: a re-read computes nothing" "$(stat_of computed)" "$c1"
	check_eq "$b.json: a re-read renders nothing" "$(stat_of renders)" "$r1"
	cat "$D/$b.md" >"$T/$b.md" || bad "cat $b.md failed"
	check_eq "$b.md after $b.json: no computation" "$(stat_of computed)" "$c1"
	check_eq "$b.md after $b.json: one render of its own" \
		"$(stat_of renders)" $((r1 + 1))
	check "$b.md is Markdown, not the JSON" \
		test "$(head -c 1 "$T/$b.md")" != "{"
	cmp -s "$D/$b.json" "$T/$b.json" ||
		bad "$b.json: read after $b.md differs (format keys collide?)"
done
check_eq "no errors" "$(stat_of errors)" 0
umount_fs

# ---- remount over the cache: sizes without computing ---------------------
mount_fs --trust-metadata -o formats=md:json || finish
for b in $BINS; do
	check_eq "remount: $b.json's size known" "$(stat -c %s "$D/$b.json")" \
		"$(wc -c <"$T/$b.json")"
	check_eq "remount: $b.md's size known" "$(stat -c %s "$D/$b.md")" \
		"$(wc -c <"$T/$b.md")"
	check "remount: $b.json the same bytes" cmp -s "$D/$b.json" "$T/$b.json"
done
check_eq "remount: nothing computed" "$(stat_of computed)" 0
umount_fs

finish
