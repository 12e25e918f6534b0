#!/bin/bash
# The NTFS source (src/tree/ntfs*.c, parts.c, open.c) read through
# tree_dump against ntfs-3g as the oracle: an image made by mkntfs and
# filled through an ntfs-3g mount (folders, the example binaries, a hard
# link, a Linux and a Windows symlink, a named stream, NTFS-compressed and
# sparse files, system-compressed (WOF) files made by mkwof, a
# deduplicated one) must list the same names, sizes, mtimes, link counts
# and inode numbers as ntfs-3g's read-only mount, hash the same, and be
# left byte for byte as it was; the same volume inside an MBR and a GPT
# disk (sfdisk, and a GPT of 4096-byte sectors) at a non-zero offset
# reads the same; --partition's errors
# list what sfdisk made, and the disk and the partition read as read-only
# loop block devices; a hibernated volume and one marked dirty are read
# as they are, with a warning.
set -u
: "${TREE_DUMP:?set TREE_DUMP to the tree_dump binary}"
: "${MKWOF:?set MKWOF to the mkwof binary}"
: "${EXAMPLES:?set EXAMPLES to the built example binaries}"
for tool in mkntfs ntfs-3g ntfsinfo sfdisk setfattr sha256sum od losetup python3; do
	if ! command -v $tool >/dev/null; then
		echo "FAIL: $tool is missing (apt-get install ntfs-3g fdisk attr)"
		exit 1
	fi
done
if [ "$(id -u)" != 0 ] || [ ! -c /dev/fuse ]; then
	echo "FAIL: ntfs-3g, the oracle, needs root and /dev/fuse"
	exit 1
fi

T=$(mktemp -d /tmp/pfs-ntfs-XXXXXX)
MNT=$T/mnt
mkdir -p "$MNT"
pass=0
fail=0
cleanup() {
	mountpoint -q "$MNT" && umount "$MNT"
	rm -rf "$T"
}
trap cleanup EXIT
ok() {
	pass=$((pass + 1))
}
bad() {
	echo "FAIL: $*"
	fail=$((fail + 1))
}
check() {
	local what=$1
	shift
	if "$@"; then ok; else bad "$what"; fi
}
hexof() {
	od -An -v -tx1 "$1" | tr -d ' \n'
}

IMG=$T/vol.img
truncate -s 64M "$IMG"
mkntfs -F -f -q -L pfs "$IMG" >/dev/null 2>&1 || { bad "mkntfs"; exit 1; }

# ---- the volume, filled through ntfs-3g -------------------------------
ntfs-3g -o streams_interface=windows,compression "$IMG" "$MNT" ||
	{ bad "ntfs-3g mount"; exit 1; }
mkdir -p "$MNT/Windows/System32/drivers" "$MNT/empty" "$MNT/comp"
cp "$EXAMPLES"/*.dll "$EXAMPLES"/*.exe "$MNT/Windows/System32/"
printf '[ZoneTransfer]\r\nZoneId=3\r\n' >"$MNT/Windows/System32/tool.exe:Zone.Identifier"
ln "$MNT/Windows/System32/hello.dll" "$MNT/hello-link.dll"
ln -s Windows/System32/hello.dll "$MNT/linux-link"
head -c 5000000 /dev/urandom >"$MNT/big.bin"
printf 'caf\xc3\xa9 \xe2\x82\xac\n' >"$MNT/Caf$(printf '\xc3\xa9') €.txt"
# NTFS compression: the folder's flag, inherited by what is made in it
setfattr -n system.ntfs_attrib_be -v 0x00000810 "$MNT/comp"
cat "$EXAMPLES/tool.exe" "$EXAMPLES/tool.exe" "$EXAMPLES/tool.exe" >"$MNT/comp/tool3.exe"
# sparse: a hole, then bytes
truncate -s 3000000 "$MNT/sparse.bin"
setfattr -n system.ntfs_attrib_be -v 0x00000220 "$MNT/sparse.bin"
printf 'after the hole' | dd of="$MNT/sparse.bin" bs=1 seek=2000000 conv=notrunc status=none
# a Windows symlink (reparse point 0xA000000C, relative: flags 1)
touch "$MNT/win-link"
setfattr -n system.ntfs_reparse_data -v "0x$(python3 -c '
import struct
t = "Windows\\System32\\hello.dll".encode("utf-16-le")
d = struct.pack("<HHHHI", 0, len(t), len(t), len(t), 1) + t + t
print((struct.pack("<IHH", 0xA000000C, len(d), 0) + d).hex())')" "$MNT/win-link" ||
	bad "setting a symlink reparse point"
# system-compressed files, as Windows stores them
for f in lzx xpress4k xpress8k xpress16k; do
	"$MKWOF" -f $f "$EXAMPLES/tool.exe" "$T/s.$f" "$T/r.$f" >/dev/null ||
		bad "mkwof $f"
	w=$MNT/Windows/System32/wof-$f.exe
	truncate -s "$(stat -c %s "$EXAMPLES/tool.exe")" "$w"
	cat "$T/s.$f" >"$w:WofCompressedData"
	setfattr -n system.ntfs_reparse_data -v "0x$(hexof "$T/r.$f")" "$w" ||
		bad "setting the WOF reparse point of $f"
done
"$MKWOF" -f lzx --damage bad-table "$EXAMPLES/tool.exe" "$T/s.bad" "$T/r.bad" >/dev/null
truncate -s "$(stat -c %s "$EXAMPLES/tool.exe")" "$MNT/wof-damaged.exe"
cat "$T/s.bad" >"$MNT/wof-damaged.exe:WofCompressedData"
setfattr -n system.ntfs_reparse_data -v "0x$(hexof "$T/r.bad")" "$MNT/wof-damaged.exe"
# deduplicated: the tag, and a reparse buffer of 8 bytes
echo stub >"$MNT/dedup.dll"
setfattr -n system.ntfs_reparse_data -v 0x13000080080000000102030405060708 "$MNT/dedup.dll"
umount "$MNT"
sum_before=$(sha256sum <"$IMG")

# ---- names, sizes, mtimes, links, inodes against ntfs-3g --------------
ntfs-3g -o ro,streams_interface=windows "$IMG" "$MNT" || { bad "ntfs-3g read-only mount"; exit 1; }
# ntfs-3g shows a reparse point it does not know as a symlink to a text:
# those are compared by name only
(cd "$MNT" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort) >"$T/names.oracle"
(cd "$MNT" && find . -mindepth 1 \( -type f -o -type d \) -printf '%P\n' |
	LC_ALL=C sort | while IFS= read -r p; do
		stat -c "%F|%s|%.9Y|%h|%i|$p" -- "$p"
	done) >"$T/stat.oracle"
(cd "$MNT" && find . -mindepth 1 -type l -printf '%P -> %l\n' |
	grep -v 'unsupported reparse tag' | LC_ALL=C sort) >"$T/links.oracle"
(cd "$MNT" && find . -type f -printf '%P\n' | LC_ALL=C sort |
	while IFS= read -r p; do sha256sum "./$p"; done) >"$T/sha.oracle"
# statfs's clusters and free clusters, for test_ntfs
stat -f -c '%b %f' "$MNT" >"$T/statfs.oracle"
head -c 64 "$MNT/Windows/System32/tool.exe:Zone.Identifier" >"$T/zone.oracle" 2>/dev/null ||
	cp /dev/null "$T/zone.oracle"
umount "$MNT"

"$TREE_DUMP" "$IMG" >"$T/dump" 2>"$T/dump.err" || bad "tree_dump: $(cat "$T/dump.err")"
# "TYPEMODE NLINK SIZE MTIME INO PATH[ -> TARGET]"
tail -n +2 "$T/dump" | sed 's/ -> .*//' | cut -d' ' -f6- | LC_ALL=C sort >"$T/names.dump"
check "the names are ntfs-3g's" cmp -s "$T/names.oracle" "$T/names.dump" ||
	diff "$T/names.oracle" "$T/names.dump" | head
# 21: every folder, file and link made above
[ "$(grep -c . "$T/names.dump")" -eq 21 ] || bad "fewer entries than made: $(wc -l <"$T/names.dump")"
# ntfs-3g's folders have the size of their index and a link count of 1
# (for find): folders are compared by name, mtime and inode
sed 's/^regular empty file|/regular file|/' "$T/stat.oracle" |
	awk -F'|' -v OFS='|' '$1 == "directory" { $2 = "-"; $4 = "-" } 1' |
	LC_ALL=C sort >"$T/stat.o2"
tail -n +2 "$T/dump" | awk -v OFS='|' '$1 ~ /^[-d]/ {
	p = $0; for (i = 1; i <= 5; i++) sub(/^[^ ]+ /, "", p)
	d = substr($1, 1, 1) == "d"
	print d ? "directory" : "regular file", d ? "-" : $3, $4, d ? "-" : $2, $5, p
}' >"$T/stat.d1"
# the reparse points ntfs-3g shows as links to a text are left out
awk -F'|' 'NR == FNR { want[$6]; next } $6 in want' "$T/stat.o2" "$T/stat.d1" |
	LC_ALL=C sort >"$T/stat.d2"
check "sizes, mtimes, link counts and inodes are ntfs-3g's" cmp -s "$T/stat.o2" "$T/stat.d2" ||
	diff "$T/stat.o2" "$T/stat.d2" | head
grep ' -> ' "$T/dump" | cut -d' ' -f6- | LC_ALL=C sort >"$T/links.dump"
check "link targets are ntfs-3g's" cmp -s "$T/links.oracle" "$T/links.dump" ||
	diff "$T/links.oracle" "$T/links.dump"
grep -q '^l.* linux-link -> Windows/System32/hello.dll$' "$T/dump" || bad "the Linux symlink"
grep -q '^l.* win-link -> Windows/System32/hello.dll$' "$T/dump" || bad "the Windows symlink"

# ---- the edges, through tree.h -------------------------------------------
read -r blocks free <"$T/statfs.oracle"
"$NTFS_API" "$IMG" "$blocks" "$free" "$(printf 'name:x' | sha256sum | cut -c1-16)" >"$T/api.out" 2>&1
check "test_ntfs: $(tail -1 "$T/api.out")" grep -q ' 0 failed$' "$T/api.out" ||
	cat "$T/api.out"

# ---- bytes ---------------------------------------------------------------
"$TREE_DUMP" --sha256 "$IMG" 2>"$T/sha.err" | LC_ALL=C sort -k2 >"$T/sha.dump"
grep -q 'dedup.dll: Input/output error' "$T/sha.err" || bad "dedup.dll read: $(cat "$T/sha.err")"
grep -q 'wof-damaged.exe: Input/output error' "$T/sha.err" || bad "a damaged WOF file read"
grep -v -e ' \./dedup.dll$' -e ' \./wof-' -e '/wof-' "$T/sha.oracle" | LC_ALL=C sort -k2 >"$T/sha.o2"
grep -v -e '/wof-' "$T/sha.dump" >"$T/sha.d2"
check "every file hashes as through ntfs-3g" cmp -s "$T/sha.o2" "$T/sha.d2" ||
	diff "$T/sha.o2" "$T/sha.d2" | head
# four threads reading every file at once through one volume agree
"$TREE_DUMP" --sha256 --threads=4 "$IMG" 2>"$T/sha4.err" | LC_ALL=C sort -k2 >"$T/sha4.dump"
check "four threads at once read the same bytes" cmp -s "$T/sha.dump" "$T/sha4.dump"
check "four threads at once fail on the same files" cmp -s "$T/sha.err" "$T/sha4.err"
want=$(sha256sum <"$EXAMPLES/tool.exe" | cut -d' ' -f1)
for f in lzx xpress4k xpress8k xpress16k; do
	grep -qx "$want  ./Windows/System32/wof-$f.exe" "$T/sha.dump" ||
		bad "WOF $f does not hash as the original"
done
check "a named stream's bytes" cmp -s "$T/zone.oracle" \
	<("$TREE_DUMP" --stream=Zone.Identifier "$IMG:Windows/System32/tool.exe")
"$TREE_DUMP" --long "$IMG" >"$T/long" 2>/dev/null
grep -A2 ' wof-damaged.exe$' "$T/long" | grep -q 'storage="WOF-compressed (LZX)"' || bad "wof-damaged storage"
grep -A2 ' wof-damaged.exe$' "$T/long" | grep -q 'unreadable: a damaged WOF stream: ' || bad "wof-damaged facts"
grep -A1 ' Windows/System32/wof-xpress8k.exe$' "$T/long" | grep -q 'reparse=0x80000017 storage="WOF-compressed (XPRESS8K)"' || bad "WOF facts"
grep -A1 ' comp/tool3.exe$' "$T/long" | grep -q 'storage="NTFS-compressed"' || bad "NTFS-compressed facts"
grep -A1 ' sparse.bin$' "$T/long" | grep -q 'storage="sparse"' || bad "sparse facts"
grep -A2 ' dedup.dll$' "$T/long" | grep -q 'unreadable: Data Deduplication (reparse tag 0x80000013)' || bad "dedup facts"
grep -A6 ' Windows/System32/tool.exe$' "$T/long" | grep -q 'stream: Zone.Identifier 26' || bad "the stream list"
grep -A1 '/hello.dll$' "$T/long" | grep -q 'owner=S-1-5-' || bad "the owner SID"
serial=$(od -An -v -tx1 -j72 -N8 "$IMG" | awk '{ for (i = NF; i >= 1; i--) printf "%s", toupper($i) }')
id=$(printf 'ntfs:%s' "$serial" | sha256sum | cut -c1-16)
check "the volume id is SHA-256 of ntfs:SERIAL" grep -qx "volume: ntfs $serial $id" "$T/long"
check "the image is not written" test "$(sha256sum <"$IMG")" = "$sum_before"

# ---- the volume inside an MBR and a GPT disk -------------------------------
cut -d' ' -f1- "$T/sha.dump" >"$T/sha.bare"
for label in dos gpt; do
	D=$T/disk-$label.img
	truncate -s 80M "$D"
	if [ $label = dos ]; then
		printf 'label: dos\nstart=2048, size=8192, type=83\nstart=12288, size=131072, type=7\n' | sfdisk -q "$D"
	else
		printf 'label: gpt\nstart=2048, size=8192, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4\nstart=12288, size=131072, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7\n' | sfdisk -q "$D"
	fi
	dd if="$IMG" of="$D" bs=512 seek=12288 conv=notrunc status=none
	"$TREE_DUMP" --sha256 "$D" 2>/dev/null | LC_ALL=C sort -k2 >"$T/sha.$label"
	check "$label: the volume reads the same" cmp -s "$T/sha.bare" "$T/sha.$label"
	"$TREE_DUMP" --partition=2 --sha256 "$D" 2>/dev/null | LC_ALL=C sort -k2 >"$T/sha.$label.2"
	check "$label --partition=2 reads the same" cmp -s "$T/sha.bare" "$T/sha.$label.2"
	# as block devices: the whole disk, and its partition alone (as
	# /dev/sdb2 would be), each read-only
	if LOOP=$(losetup -r -f --show "$D"); then
		"$TREE_DUMP" --partition=2 --sha256 "$LOOP" 2>/dev/null | LC_ALL=C sort -k2 >"$T/sha.$label.blk"
		losetup -d "$LOOP"
		check "$label: the disk as a block device reads the same" cmp -s "$T/sha.bare" "$T/sha.$label.blk"
	else
		bad "losetup of the $label disk"
	fi
	if LOOP=$(losetup -r -f --show -o $((12288 * 512)) --sizelimit $((131072 * 512)) "$D"); then
		"$TREE_DUMP" --sha256 "$LOOP" 2>/dev/null | LC_ALL=C sort -k2 >"$T/sha.$label.part"
		losetup -d "$LOOP"
		check "$label: the partition as a block device reads the same" cmp -s "$T/sha.bare" "$T/sha.$label.part"
	else
		bad "losetup of the $label partition"
	fi
	"$TREE_DUMP" --partition=9 "$D" >/dev/null 2>"$T/err.$label"
	sfdisk -d "$D" | sed -n 's/.*start= *\([0-9]*\), size= *\([0-9]*\).*/\1 \2/p' |
		awk '{ printf "%d %d\n", $1 * 512, $2 * 512 }' >"$T/parts.sfdisk"
	sed -n 's/^  partition [0-9]*: offset \([0-9]*\), size \([0-9]*\) .*/\1 \2/p' "$T/err.$label" >"$T/parts.ours"
	check "$label: --partition=9 lists the partitions sfdisk made" cmp -s "$T/parts.sfdisk" "$T/parts.ours"
	grep -q 'has no partition 9' "$T/err.$label" || bad "$label: --partition=9's message: $(cat "$T/err.$label")"
	"$TREE_DUMP" --partition=1 "$D" >/dev/null 2>"$T/err1.$label" && bad "$label: partition 1 read as NTFS"
	grep -q 'partition 1 of .* is not an NTFS volume' "$T/err1.$label" || bad "$label: partition 1's message"
	# a second NTFS partition: the choice is the user's
	dd if="$IMG" of="$D" bs=512 seek=2048 count=8192 conv=notrunc status=none
	"$TREE_DUMP" "$D" >/dev/null 2>"$T/err2.$label" && bad "$label: two NTFS partitions, none chosen, read"
	grep -q 'holds 2 NTFS partitions: choose one with --partition=N' "$T/err2.$label" ||
		bad "$label: two NTFS partitions' message: $(cat "$T/err2.$label")"
done
# a GPT of 4096-byte sectors (a 4Kn disk): sfdisk writes it through a
# loop device of that sector size
D=$T/disk-4k.img
truncate -s 80M "$D"
if LOOP=$(losetup -b 4096 -f --show "$D"); then
	printf 'label: gpt\nstart=256, size=16384, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7\n' |
		sfdisk -q "$LOOP" 2>/dev/null
	sfdisk -d "$LOOP" | grep -q 'start= *256, size= *16384' || bad "sfdisk's 4096-byte GPT"
	losetup -d "$LOOP"
	dd if="$IMG" of="$D" bs=4096 seek=256 conv=notrunc status=none
	"$TREE_DUMP" --sha256 "$D" 2>/dev/null | LC_ALL=C sort -k2 >"$T/sha.4k"
	check "a GPT of 4096-byte sectors reads the same" cmp -s "$T/sha.bare" "$T/sha.4k"
else
	bad "losetup -b 4096"
fi
"$TREE_DUMP" --partition=2 "$IMG" >/dev/null 2>"$T/err.bare" && bad "--partition on a bare volume"
grep -q 'not a partitioned disk' "$T/err.bare" || bad "--partition on a bare volume: $(cat "$T/err.bare")"
head -c 1048576 /dev/urandom >"$T/noise"
"$TREE_DUMP" "$T/noise" >/dev/null 2>"$T/err.noise" && bad "noise read as a volume"
grep -q 'is neither a folder nor an NTFS volume (nor a disk holding one)' "$T/err.noise" ||
	bad "noise: $(cat "$T/err.noise")"

# ---- marked dirty (not cleanly shut down): read as it is, with a warning
cp "$IMG" "$T/dirty.img"
# the VOLUME_IS_DIRTY bit of \$Volume's \$VOLUME_INFORMATION, in the MFT and
# its mirror (record 3 of each)
python3 - "$T/dirty.img" <<'PY' || bad "setting the dirty bit"
import struct, sys
f = sys.argv[1]
b = bytearray(open(f, 'rb').read())
cluster = struct.unpack_from('<H', b, 11)[0] * b[13]
for lcn_at in (0x30, 0x38):
    rec = struct.unpack_from('<q', b, lcn_at)[0] * cluster + 3 * 1024
    assert b[rec:rec + 4] == b'FILE'
    a = rec + struct.unpack_from('<H', b, rec + 0x14)[0]
    while struct.unpack_from('<I', b, a)[0] != 0x70:
        assert struct.unpack_from('<I', b, a)[0] != 0xffffffff
        a += struct.unpack_from('<I', b, a + 4)[0]
    v = a + struct.unpack_from('<H', b, a + 0x14)[0] + 10
    assert v % 512 < 510  # not under a sector's fixup
    struct.pack_into('<H', b, v, struct.unpack_from('<H', b, v)[0] | 1)
open(f, 'wb').write(b)
PY
ntfsinfo -f -m "$T/dirty.img" 2>/dev/null | grep -q 'Volume Flags: 0x0001 DIRTY' ||
	bad "ntfsinfo (the oracle) does not see the volume dirty"
sum_before=$(sha256sum <"$T/dirty.img")
"$TREE_DUMP" --sha256 "$T/dirty.img" 2>"$T/err.dirty" | grep -q ' ./big.bin$' || bad "the dirty volume's files"
grep -q 'the NTFS volume is read as it is: it is marked dirty (not cleanly shut down)' "$T/err.dirty" ||
	bad "no dirty warning: $(cat "$T/err.dirty")"
check "the dirty image is not written" test "$(sha256sum <"$T/dirty.img")" = "$sum_before"

# ---- hibernated: read as it is, with a warning --------------------------
ntfs-3g "$IMG" "$MNT" || bad "ntfs-3g mount to hibernate"
{ printf 'hibr'; head -c 4092 /dev/zero; } >"$MNT/hiberfil.sys"
umount "$MNT"
# the oracle: ntfs-3g will not mount it read-write
ntfs-3g "$IMG" "$MNT" 2>"$T/ntfs-3g.err" && umount "$MNT"
grep -q 'Windows is hibernated' "$T/ntfs-3g.err" ||
	bad "ntfs-3g does not see the volume hibernated: $(cat "$T/ntfs-3g.err")"
sum_before=$(sha256sum <"$IMG")
"$TREE_DUMP" --sha256 "$IMG" 2>"$T/err.hib" | grep -q ' ./big.bin$' || bad "the hibernated volume's files"
grep -q 'the NTFS volume is read as it is: Windows was hibernated on it' "$T/err.hib" ||
	bad "no hibernation warning: $(cat "$T/err.hib")"
check "the hibernated image is not written" test "$(sha256sum <"$IMG")" = "$sum_before"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
