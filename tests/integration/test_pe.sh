#!/bin/bash
# The PE sections through a real mount, held to python3-pefile for every
# fixture built with the mingw cross compilers (x86_64 and i686).
. "$(dirname "$0")/lib.sh"
: "${FIXTURES:?set FIXTURES to the built PE fixtures}"
here=$(cd "$(dirname "$0")" && pwd)
cp -r "$FIXTURES"/x64 "$FIXTURES"/x86 "$SRC/"
mount_fs || finish

n=0
while IFS= read -r -d '' f; do
	rel=${f#"$SRC"/}
	mui=$(dirname "$f")/en-US/$(basename "$f").mui
	[ -f "$mui" ] || mui=
	out=$(/usr/bin/python3 "$here/check_pe.py" "$MNT/$rel.md" "$f" $mui 2>&1)
	check "$rel: $out" [ $? -eq 0 ]
	n=$((n + 1))
done < <(find "$SRC" -type f \( -name '*.dll' -o -name '*.exe' -o -name '*.mui' \) -print0)
check_eq "fixtures checked" "$n" 14

# the .mui rule: resonly.dll shows its en-US .mui's strings, and says so
for a in x64 x86; do
	md="$MNT/$a/resonly.dll.md"
	check "$a resonly.dll: description from the .mui" \
		grep -qx '\* Description: MUI description' "$md"
	check "$a resonly.dll: says where its strings came from" \
		grep -qxF "* Version Resource From: \`C:\\$a\\en-US\\resonly.dll.mui\`" "$md"
	check "$a resonly.dll: a resource-only DLL imports nothing" \
		bash -c '! grep -q "^IMP |" "$0"' "$md"
	check "$a noexports.exe: no DLL Exports section" \
		bash -c '! grep -q "^## DLL Exports" "$0"' "$MNT/$a/noexports.exe.md"
	check "$a exports.dll: backticks in a value are escaped" \
		grep -qxF '* Company Name: Fixture Company | Pipes \`and\` ticks' \
		"$MNT/$a/exports.dll.md"
	check "$a exports.dll: ordinal imports named from pefile's tables" \
		grep -qxF '`WS2_32.dll` | `htons` | Import by Ordinal 9' \
		"$MNT/$a/exports.dll.md"
	check "$a exports.dll: an unknown ordinal stays a number" \
		grep -qxF '`OLEAUT32.dll` | `Ordinal9999` | Import by Ordinal 9999' \
		"$MNT/$a/exports.dll.md"
done
check "PE Header says 32-bit PE32" grep -qx '\* Format: PE32' "$MNT/x86/exports.dll.md"
check "PE Header says PE32+" grep -qx '\* Format: PE32+' "$MNT/x64/exports.dll.md"
check "header checksum checked" grep -q '^\* Header Checksum: ' "$MNT/x64/exports.dll.md"
umount_fs
finish
