#!/bin/bash
# The Rich header's Product column from a --rich-names table, against
# python3-pefile: a fixture is given a Rich header (its PE header moved up
# within the headers' slack, room made at 0x80 as link.exe leaves it), and
# the table is written from the entries pefile decodes. Each row must show
# the table's words for its comp.id, `unknown` for one the table lacks;
# the JSON's product likewise; the mount's text is the command's; another
# table is another text (the render key names the table); a table that is
# not one is refused with its line.
. "$(dirname "$0")/lib.sh"
: "${FIXTURES:?set FIXTURES to the built PE fixtures}"
py=/usr/bin/python3
$py - "$FIXTURES/x64/exports.dll" "$SRC/rich.dll" <<'PY' || bad "make the Rich header"
import struct, sys
d = bytearray(open(sys.argv[1], "rb").read())
lfanew = struct.unpack_from("<I", d, 0x3C)[0]
nsec, optsz = struct.unpack_from("<H", d, lfanew + 6)[0], struct.unpack_from("<H", d, lfanew + 20)[0]
hlen = 24 + optsz + 40 * nsec
entries = [(0x0105, 0x7809, 12), (0x0102, 0x7809, 1), (0x00FF, 0x1234, 3)]
key = 0x1A2B3C4D
clear = [0x536E6144, 0, 0, 0]  # "DanS" and its padding
for pid, build, count in entries:
    clear += [(pid << 16) | build, count]
rich = b"".join(struct.pack("<I", v ^ key) for v in clear) + b"Rich" + struct.pack("<I", key)
shift = (len(rich) + 15) & ~15
assert lfanew + shift + hlen <= 0x400, "no slack in the headers"
hdr = bytes(d[lfanew:lfanew + hlen])
d[0x80:lfanew + shift + hlen] = bytes(lfanew + shift + hlen - 0x80)
d[0x80:0x80 + len(rich)] = rich
d[lfanew + shift:lfanew + shift + hlen] = hdr
struct.pack_into("<I", d, 0x3C, lfanew + shift)
open(sys.argv[2], "wb").write(d)
PY
# pefile's entries: "pid build count" per line
$py -c 'import pefile, sys
pe = pefile.PE(sys.argv[1])
v = pe.RICH_HEADER.values
for i in range(0, len(v) - 1, 2):
    print(v[i] >> 16, v[i] & 0xFFFF, v[i + 1])' "$SRC/rich.dll" >"$T/want" 2>/dev/null
check "pefile decodes 3 entries" [ "$(wc -l <"$T/want")" -eq 3 ]
# the table names the first two comp.ids (a hostile cell for the second)
{
	echo "# a table as a user brings it"
	read -r p b _ < <(sed -n 1p "$T/want")
	printf '%04x%04x [C++] Test Compiler 1.0 build %d\r\n' "$p" "$b" "$b"
	printf '%04x%04x [C++] shadowed: the first line of a comp.id wins\n' "$p" "$b"
	read -r p b _ < <(sed -n 2p "$T/want")
	echo
	printf '%04x%04x\t[LNK] a|b <i>x</i> `c`\n' "$p" "$b"
} >"$T/names.txt"
prof() { "$PROFILEFS" profile --no-cache --root="$SRC" "$@"; }
prof --rich-names="$T/names.txt" "$SRC/rich.dll" >"$T/md" || bad "profile --rich-names"
awk '/^## Rich Header$/ { f = 1; next } /^## / { f = 0 } f && /^[0-9]+ \| /' \
	"$T/md" >"$T/rows"
i=0
while read -r p b c; do
	i=$((i + 1))
	case $i in
	1) want="[C++] Test Compiler 1.0 build $b" ;;
	2) want='[LNK] a\|b \<i>x\</i> \`c\`' ;;
	3) want=unknown ;;
	esac
	check_eq "row $i: pefile's entry, named by the table" \
		"$(grep -F "$p | $b | $c | " "$T/rows")" "$p | $b | $c | $want"
done <"$T/want"
check_eq "one row per entry" "$(wc -l <"$T/rows")" 3
check_eq "JSON product" "$(prof --format=json --rich-names="$T/names.txt" "$SRC/rich.dll" |
	jq -c '[.pe_facts.rich[].product]')" \
	"[\"[C++] Test Compiler 1.0 build $(sed -n '1s/.* \(.*\) .*/\1/p' "$T/want")\",\"[LNK] a|b <i>x</i> \`c\`\",null]"
# without a table every entry is unknown
check_eq "no table: unknown" "$(prof "$SRC/rich.dll" | grep -cE '^[0-9]+ \| [0-9]+ \| [0-9]+ \| unknown$')" 3
# the mount shows the command's text; another table, another text
mount_fs --rich-names="$T/names.txt" || bad "mount"
check_eq "mount = profile" "$(cat "$MNT/rich.dll.md")" "$(cat "$T/md")"
umount_fs
sed 's/Test Compiler 1.0/Other Compiler 2.0/' "$T/names.txt" >"$T/names2.txt"
mount_fs --rich-names="$T/names2.txt" || bad "mount 2"
check "the cached text is not served for another table" \
	grep -q 'Other Compiler 2.0' "$MNT/rich.dll.md"
umount_fs
# refusals: a line that is not an entry, a folder, a missing file
printf '# ok\n0105780 short\n' >"$T/bad.txt"
err=$(prof --rich-names="$T/bad.txt" "$SRC/rich.dll" 2>&1 >/dev/null)
check_eq "bad table: exit 2" "$?" 2
check "bad table: the line is named" grep -q "bad.txt: line 2 is not" <<<"$err"
prof --rich-names="$T" "$SRC/rich.dll" >/dev/null 2>&1
check_eq "a folder: exit 2" "$?" 2
"$PROFILEFS" -f --cache="$CACHE" --rich-names="$T/none.txt" "$SRC" "$MNT" 2>"$T/err"
check_eq "mount with a missing table: refused" "$?" 2
check "missing table: said" grep -q "none.txt: No such file" "$T/err"
finish
