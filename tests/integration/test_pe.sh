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
check_eq "fixtures checked" "$n" 16

# manifest.exe's Manifest and Debug sections against pefile (and Python's
# XML parser for the manifest: tests/corpus/oracle.py)
for a in x64 x86; do
	md="$MNT/$a/manifest.exe.md"
	want=$(/usr/bin/python3 -c 'import sys; sys.path.insert(0, sys.argv[1])
import pefile, oracle
pe = pefile.PE(sys.argv[2])
print(oracle.manifest(pe)[0]); print(oracle.pdb(pe)[1])' "$here/../corpus" "$SRC/$a/manifest.exe")
	check_eq "$a manifest.exe: the execution level" \
		"$(sed -n 's/^\* Requested Execution Level: `\(.*\)`$/\1/p' "$md")" \
		"$(sed -n 1p <<<"$want")"
	check_eq "$a manifest.exe: the PDB GUID" \
		"$(sed -n 's/^\* PDB GUID: //p' "$md")" "$(sed -n 2p <<<"$want")"
	check "$a manifest.exe: autoElevate" grep -qx '\* Auto Elevate: true' "$md"
done

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

# A file is parsed whole whatever its size, in the same memory (the parser
# reads with pread through a fixed cache, src/pe/src.c): exports.dll padded
# with zeros (sparse) to 1, 48 and 200 MiB. pefile's checksum of the padded
# file is its checksum of exports.dll plus the bytes added (zero dwords add
# nothing to the sum, the length is added last): it is checked, with no
# "only the first bytes" anomaly, and every run peaks within 4 MiB of the
# others (a copy of the file would add 47 MiB).
orig=$FIXTURES/x64/exports.dll
olen=$(stat -c %s "$orig")
osum=$(/usr/bin/python3 -c 'import pefile, sys
print(pefile.PE(sys.argv[1]).generate_checksum())' "$orig")
check "pefile's checksum of exports.dll" [ -n "$osum" ]
hwms=
for size in 1 48 200; do
	big=$T/big$size.dll
	cp "$orig" "$big"
	truncate -s ${size}M "$big"
	hwm=$(/usr/bin/python3 -c 'import resource, subprocess, sys
with open(sys.argv[1], "w") as out:
    subprocess.run(sys.argv[2:], stdout=out, check=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' \
		"$T/big.json" "$PROFILEFS" profile --no-cache --format=json "$big")
	check "${size} MiB: profiled" [ -n "$hwm" ]
	want=$((osum + (size << 20) - olen))
	check_eq "${size} MiB: pefile's checksum" \
		"$(jq '.pe_header.checksum_computed' "$T/big.json")" "$want"
	check_eq "${size} MiB: nothing left unparsed" \
		"$(jq '[.anomalies[] | select(test("were parsed"))] | length' \
			"$T/big.json")" 0
	check_eq "${size} MiB: its exports, as exports.dll's" \
		"$(jq -c '.exports' "$T/big.json")" \
		"$("$PROFILEFS" profile --no-cache --format=json "$orig" |
			jq -c '.exports')"
	echo "${size} MiB padded exports.dll: VmHWM ${hwm} KiB"
	hwms="$hwms ${hwm:-0}"
	rm -f "$big"
done
spread=$(tr ' ' '\n' <<<"$hwms" | sort -n | sed '/^$/d' |
	awk 'NR == 1 {lo = $1} {hi = $1} END {print hi - lo}')
if [ "$SANITIZED" = 1 ]; then
	echo "(sanitized build: the memory bound is checked by the plain build)"
else
	check "1, 48 and 200 MiB peak within 4 MiB of each other ($spread KiB)" \
		[ "$spread" -lt 4096 ]
fi
finish
