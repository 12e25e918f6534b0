#!/bin/bash
# build-hostile.sh DIR: NTFS volumes a hostile disk could hold, for
# test_ntfs_hostile.sh, made with mkntfs and an ntfs-3g read-write mount
# (streams_interface=windows), then byte-patched (hostile-patch.py, seeded,
# so every run makes the same bytes):
#
#   DIR/vol.img     names, stream names and reparse targets with ESC,
#                   BiDi, HTML and Markdown; symbolic links and junctions
#                   to themselves and to each other; folders 120 deep with
#                   a path of over 30000 characters; a folder of 1000
#                   entries; a sparse file of 1 TiB; a WOF file claiming
#                   2^62 bytes; a WOF file whose stream is a sparse 1 TiB
#   DIR/*.img       vol.img patched (hostile-patch.py lists them)
#
# Needs root (FUSE), mkntfs, ntfs-3g, setfattr, iconv, python3.
set -euo pipefail

dir=${1:?usage: build-hostile.sh DIR}
here=$(cd "$(dirname "$0")" && pwd)
for t in mkntfs ntfs-3g setfattr iconv python3 truncate; do
	command -v "$t" >/dev/null || {
		echo "build-hostile.sh: $t is missing" >&2
		exit 1
	}
done
mkdir -p "$dir"
vol=$dir/vol.img
mnt=$(mktemp -d)
ntfs_pid=
done_up() {
	if mountpoint -q "$mnt" 2>/dev/null; then
		umount "$mnt" 2>/dev/null || umount -l "$mnt"
	fi
	[ -n "$ntfs_pid" ] && wait "$ntfs_pid" 2>/dev/null
	rmdir "$mnt" 2>/dev/null || true
}
trap done_up EXIT

rm -f "$vol"
truncate -s 64M "$vol"
mkntfs -F -Q -q -L hostile "$vol" >/dev/null 2>&1
ntfs-3g -o rw,no_detach,streams_interface=windows "$vol" "$mnt" \
	>"$dir/ntfs-3g.log" 2>&1 &
ntfs_pid=$!
for _ in $(seq 1 200); do
	mountpoint -q "$mnt" && break
	sleep 0.05
done
mountpoint -q "$mnt" || {
	echo "build-hostile.sh: ntfs-3g did not mount" >&2
	exit 1
}

hex() { od -An -tx1 -v | tr -d ' \n'; }
le16() { printf '%02x%02x' $(($1 & 255)) $(($1 >> 8 & 255)); }
le32() { le16 $(($1 & 65535)); le16 $(($1 >> 16 & 65535)); }
utf16() { printf '%s' "$1" | iconv -f UTF-8 -t UTF-16LE | hex; }
reparse() {
	setfattr -n system.ntfs_reparse_data \
		-v "0x$(le32 "$2")$(le16 $((${#3} / 2)))0000$3" "$mnt/$1"
}
# symlink PATH TARGET FLAGS (1: relative)
symlink() {
	local h
	h=$(utf16 "$2")
	: >"$mnt/$1"
	reparse "$1" 0xA000000C \
		"$(le16 0)$(le16 $((${#h} / 2)))$(le16 $((${#h} / 2)))$(le16 $((${#h} / 2)))$(le32 "$3")$h$h"
}
# junction PATH TARGET (C:\...)
junction() {
	local s p
	s=$(utf16 "\\??\\$2") p=$(utf16 "$2")
	mkdir "$mnt/$1"
	reparse "$1" 0xA0000003 \
		"$(le16 0)$(le16 $((${#s} / 2)))$(le16 $((${#s} / 2 + 2)))$(le16 $((${#p} / 2)))${s}0000${p}0000"
}

esc=$'\033'
# names: ESC, BiDi override, HTML, Markdown
mkdir "$mnt/names"
cp /bin/true "$mnt/names/${esc}[2J${esc}[31mred.exe"
cp /bin/true "$mnt/names/$(printf 'invoice\u202egpj.exe')"
cp /bin/true "$mnt/names/<img src=x onerror=alert(1)>|**b**|[x](javascript:1).dll"
printf 'MZ' >"$mnt/names/streams.dll"
printf 'payload' >"$mnt/names/streams.dll:${esc}]0;title${esc}\\"
printf 'payload' >"$mnt/names/streams.dll:$(printf '\u202etxt.exe')"
printf 'payload' >"$mnt/names/streams.dll:"'[x](javascript:1) **b** &lt;'
{
	printf '[ZoneTransfer]\r\nZoneId=3\r\n'
	printf 'HostUrl=https://e/\033[2J\u202e<b>|x|\r\n'
	printf 'ZoneId=4\r\nZoneId=99999999999999999999\r\n'
	printf '[ZoneTransfer]\r\nReferrerUrl=%s\r\n' "$(head -c 300000 /dev/zero | tr '\0' 'R')"
} >"$mnt/names/streams.dll:Zone.Identifier"

# links to themselves, to each other, with ESC in the target
mkdir "$mnt/links"
symlink links/self 'self' 1
symlink links/a 'b' 1
symlink links/b 'a' 1
symlink links/abs 'C:\links\abs' 0
symlink links/up '..\..\..\..\..\..\..\etc\passwd' 1
symlink links/esc "x${esc}[31m$(printf '\u202e')<b>" 1
junction links/jself 'C:\links\jself'
junction links/jroot 'C:\'
junction links/jesc "C:\\${esc}[2J"
# a reparse point of a tag nobody knows, with a body of zero length
: >"$mnt/links/unknown"
reparse links/unknown 0x8000ABCD ""

# deep: 120 folders of 250 characters (a path of 30000 characters)
python3 - "$mnt" <<'PY'
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
for i in range(120):
    name = ("d%03d" % i) + "x" * 246
    os.mkdir(name, dir_fd=fd)
    nfd = os.open(name, os.O_RDONLY, dir_fd=fd)
    os.close(fd)
    fd = nfd
f = os.open("bottom.dll", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
os.write(f, b"MZ")
os.close(f)
os.close(fd)
PY

# wide: a folder of 1000 entries
mkdir "$mnt/wide"
(cd "$mnt/wide" && for i in $(seq 1 1000); do : >"f$i.dll"; done)

# sparse: 1 TiB of nothing
truncate -s 1T "$mnt/sparse.bin"

# WOF claiming 2^62 bytes: a table it cannot hold
: >"$mnt/wofbig.dll"
printf 'x' >"$mnt/wofbig.dll:WofCompressedData"
truncate -s 4611686018427387904 "$mnt/wofbig.dll" 2>/dev/null ||
	truncate -s 1T "$mnt/wofbig.dll"
setfattr -n system.ntfs_reparse_data \
	-v "0x$(le32 0x80000017)$(le16 20)0000$(le32 1)$(le32 2)$(le32 1)$(le32 0)$(le32 0)" \
	"$mnt/wofbig.dll"
# WOF of 1 TiB whose stream is a sparse 1 TiB: a table of zeros
: >"$mnt/wofsparse.dll"
truncate -s 1T "$mnt/wofsparse.dll:WofCompressedData"
truncate -s 1T "$mnt/wofsparse.dll"
setfattr -n system.ntfs_reparse_data \
	-v "0x$(le32 0x80000017)$(le16 20)0000$(le32 1)$(le32 2)$(le32 1)$(le32 0)$(le32 0)" \
	"$mnt/wofsparse.dll"

umount "$mnt"
wait "$ntfs_pid"
ntfs_pid=
python3 "$here/hostile-patch.py" "$vol" "$dir"
