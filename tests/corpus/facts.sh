#!/bin/bash
# compare.py (pe_dump against python3-pefile, the facts of src/pe/facts.c
# among the rest) over real binaries nobody here made, each with facts the
# fixtures and libwine lack: efi.sh's signed files (Microsoft's conpty.dll
# and OpenConsole.exe from node-pty carry CodeView records, Rich headers,
# guard flags and a certificate table in the overlay) and Debian's .NET
# assemblies (libmono-*: CLR headers, strong-name signed, mscorlib and
# System with the ECMA key; mono-4.0-gac's tools without a public key),
# whose Assembly rows are held to monodis (monodis.py). Fetched as efi.sh
# does (apt-get download, npm pack) into the same cache,
# ${XDG_CACHE_HOME:-~/.cache}/profilefs-oracle, and unpacked, never
# installed; pefile's and monodis's answers are cached by the file's
# SHA-256 (oracle.py, monodis.py). Nothing fetched and nothing cached: a
# failure.
set -u
here=$(cd "$(dirname "$0")" && pwd)
dump=$1
cache=${XDG_CACHE_HOME:-$HOME/.cache}/profilefs-oracle
T=$(mktemp -d /tmp/pfs-facts-XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir -p "$cache/pkgs" || { echo "FAIL: cannot make $cache"; exit 1; }
debs=(shim-signed grub-efi-amd64-signed fwupd-amd64-signed win32-loader
	libmono-cecil-cil libmono-accessibility4.0-cil mono-4.0-gac
	libmono-corlib4.5-dll libmono-system4.0-cil libmono-i18n-west4.0-cil
	libmono-posix4.0-cil libmono-security4.0-cil libmono-sharpzip4.84-cil
	libmono-reflection-cil libmono-cecil-private-cil mono-mcs
	mono-csharp-shell mono-4.0-service)
npm_pkg=node-pty@1.1.0
. "$here/fetch.sh"
fetch_unpack
mkdir -p "$T/pe"
n=0
while IFS= read -r f; do
	n=$((n + 1))
	cp "$f" "$T/pe/$n-$(basename "$f")"
done < <(find "$T/x" "$T/npm" -type f \( -name '*.efi.signed' -o -iname '*.exe' \
	-o -iname '*.dll' \) 2>/dev/null | sort)
if [ "$n" -eq 0 ]; then
	echo "FAIL: the packages hold no PE files"
	exit 1
fi
# no package's assembly has a culture: gen.py's has one (en-US)
/usr/bin/python3 "$here/../malformed/gen.py" "$T/gen" >/dev/null &&
	cp "$T/gen/clr-assembly-two-rows.dll" "$T/pe/" ||
	{ echo "FAIL: tests/malformed/gen.py"; exit 1; }
# each fact must be there to compare: a corpus without it checks nothing
# (none of these files has TLS callbacks: run.sh's fixtures and libwine do,
# the mingw runtime's)
out=$(/usr/bin/python3 "$here/compare.py" "$dump" --known "$here/pefile-known.txt" "$T/pe")
rc=$?
echo "$out"
for fact in debug_types pdb overlay guard_flags clr assembly rich res_types manifest; do
	if ! grep -Eq "^  $fact: [1-9][0-9]* files have it" <<<"$out"; then
		echo "FAIL: no file of the corpus has $fact"
		rc=1
	fi
done
exit $rc
