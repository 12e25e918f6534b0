#!/bin/bash
# build-image.sh IMAGE: an NTFS volume laid out as Windows stores one, for
# the tests of the NTFS source, and IMAGE.manifest, the oracle of what is
# in it. Made with mkntfs on a sparse file and written through an ntfs-3g
# read-write mount (streams_interface=windows), then unmounted:
#
#   Windows/System32/   x64 binaries: the examples, the x64 fixtures and
#                       real PE files of libwine; every second one
#                       system-compressed (WOF), the four formats in turn
#   Windows/SysWOW64/   x86 binaries, likewise
#   Windows/System32/rawlast.dll     WOF whose last chunk is stored raw
#   Windows/System32/bad-*.dll       WOF with a damaged stream
#   Windows/Installer/huge.msp       WOF, over 4 GiB (8-byte chunk table)
#   Windows/WinSxS/.../hello.dll     a hard link to System32's
#   Users/user/Downloads/            Zone.Identifier streams, one hostile
#   Windows/System32/dedup.dll       Data Deduplication reparse point
#   Users/user/OneDrive/report.exe   cloud placeholder reparse point
#   Windows/notepad.exe              a (relative) symbolic link
#   Documents and Settings           a junction to C:\Users
#   Windows/System32/timestomped.dll $STANDARD_INFORMATION's times
#                                    before $FILE_NAME's
#   Windows/System32/drivers/etc/hosts  a named stream hiding a PE
#
# The manifest: one line per entry, tab-separated:
#   KIND PATH FORMAT SIZE SHA256 EXTRA
# KIND: plain, wof, wof-damaged, hardlink, stream, reparse, symlink,
# junction, timestomp; FORMAT the WOF format or "-"; SIZE and SHA256 those
# of the real bytes (of the stream, for KIND stream), "-" when unknown;
# EXTRA key=value pairs separated by ',' or "-": target= (a link's),
# stream= (the stream's name), damage= (bad-table, truncated, garbage: the
# reader must fail), raw-last=1, head=LENGTH:SHA256 and tail1m=SHA256
# (the file over 4 GiB), tag= (a reparse point's), si_times= (the
# timestomped $STANDARD_INFORMATION times, Unix seconds), hostile=1.
#
# Needs root (FUSE), mkntfs, ntfs-3g, setfattr, and the environment:
# MKWOF (the mkwof binary), EXAMPLES (the built examples), FIXTURES (the
# built fixtures). Built images are cached by the hash of their inputs
# and of this script and the writer under ~/.cache/profilefs-ntfs (or
# $PROFILEFS_NTFS_CACHE); IMAGE is a sparse copy of the cached one.
set -euo pipefail

image=${1:?usage: build-image.sh IMAGE}
here=$(cd "$(dirname "$0")" && pwd)
: "${MKWOF:?set MKWOF to the mkwof binary}"
: "${EXAMPLES:?set EXAMPLES to the built examples folder}"
: "${FIXTURES:?set FIXTURES to the built fixtures folder}"
for t in mkntfs ntfs-3g setfattr openssl truncate iconv flock python3; do
	command -v "$t" >/dev/null || {
		echo "build-image.sh: $t is missing" >&2
		exit 1
	}
done
wine=/usr/lib/x86_64-linux-gnu/wine/x86_64-windows
command -v dpkg >/dev/null &&
	wine=$(dpkg -L libwine 2>/dev/null | grep 'x86_64-windows$' | head -1)
wine_files="advapi32.dll cmd.exe crypt32.dll explorer.exe kernel32.dll
msvcrt.dll notepad.exe ntdll.dll regedit.exe rundll32.exe services.exe
svchost.exe taskmgr.exe winhttp.dll wintrust.dll ws2_32.dll"

# the inputs: "DEST<TAB>SOURCE" lines, sorted by destination
inputs() {
	local f
	printf 'Windows/System32/hello.dll\t%s\n' "$EXAMPLES/hello.dll"
	printf 'Windows/System32/tool.exe\t%s\n' "$EXAMPLES/tool.exe"
	printf 'Windows/SysWOW64/hello.dll\t%s\n' "$EXAMPLES/hello32.dll"
	for f in "$FIXTURES"/x64/*.dll "$FIXTURES"/x64/*.exe; do
		printf 'Windows/System32/%s\t%s\n' "${f##*/}" "$f"
	done
	for f in "$FIXTURES"/x86/*.dll "$FIXTURES"/x86/*.exe; do
		printf 'Windows/SysWOW64/%s\t%s\n' "${f##*/}" "$f"
	done
	for f in $wine_files; do
		printf 'Windows/System32/%s\t%s\n' "$f" "$wine/$f"
	done
}
list=$(inputs | LC_ALL=C sort)
while IFS=$'\t' read -r _ src; do
	[ -f "$src" ] || {
		echo "build-image.sh: $src is missing" >&2
		exit 1
	}
done <<<"$list"

key=$({
	cat "$here/build-image.sh" "$here/timestomp.py" "$here/wofwrite.c" \
		"$here/wofwrite.h" "$here/mkwof.c"
	printf '%s\n' "$list"
	while IFS=$'\t' read -r _ src; do sha256sum <"$src"; done <<<"$list"
} | sha256sum | cut -c1-32)
cache=${PROFILEFS_NTFS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/profilefs-ntfs}
mkdir -p "$cache"

# copy_out: IMAGE and IMAGE.manifest from the cache
copy_out() {
	cp --sparse=always "$cache/$key.img" "$image.tmp"
	cp "$cache/$key.manifest" "$image.manifest"
	mv "$image.tmp" "$image"
}

exec 9>"$cache/.lock"
flock 9
if [ -f "$cache/$key.img" ] && [ -f "$cache/$key.manifest" ]; then
	copy_out
	exit 0
fi

work=$(mktemp -d /tmp/pfs-ntfs-XXXXXX)
mnt=$work/mnt
ntfs_pid=
finish() {
	if [ -n "$ntfs_pid" ]; then
		mountpoint -q "$mnt" && umount "$mnt"
		wait "$ntfs_pid" || true
	fi
	rm -rf "$work"
}
trap finish EXIT
mkdir -p "$mnt"
vol=$work/volume.img
manifest=$work/manifest
: >"$manifest"

truncate -s 256M "$vol"
mkntfs -F -f -q -L PROFILEFS -c 4096 "$vol" >/dev/null 2>&1
# in the foreground, so that its end (the volume flushed and closed) can
# be waited for after the unmount
ntfs-3g -o no_detach,streams_interface=windows "$vol" "$mnt" \
	>"$work/ntfs-3g.log" 2>&1 &
ntfs_pid=$!
for _ in $(seq 1 200); do
	mountpoint -q "$mnt" && break
	kill -0 "$ntfs_pid" 2>/dev/null || break
	sleep 0.05
done
mountpoint -q "$mnt" || {
	echo "build-image.sh: ntfs-3g did not mount" >&2
	exit 1
}

# openssl's SHA-256 (the processor's instructions): the file over 4 GiB
# in seconds, where sha256sum takes half a minute
sha() { openssl dgst -sha256 -r "$1" | cut -d' ' -f1; }
size() { stat -c %s "$1"; }
# entry KIND PATH FORMAT SIZE SHA256 EXTRA
entry() { printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$manifest"; }
hex() { od -An -tx1 -v | tr -d ' \n'; }
le16() { printf '%02x%02x' $(($1 & 255)) $(($1 >> 8 & 255)); }
le32() { le16 $(($1 & 65535)); le16 $(($1 >> 16 & 65535)); }
utf16() { printf '%s' "$1" | iconv -f UTF-8 -t UTF-16LE | hex; }
# reparse PATH TAG DATA-HEX: a reparse point (the buffer's header made here)
reparse() {
	setfattr -n system.ntfs_reparse_data \
		-v "0x$(le32 "$2")$(le16 $((${#3} / 2)))0000$3" "$mnt/$1"
}

# wof DEST SOURCE FORMAT [MKWOF OPTIONS...]: DEST made as Windows makes a
# system-compressed file: the stream, the unnamed data sparse of the real
# size, the reparse point last
wof() {
	local dest=$1 src=$2 fmt=$3 n
	shift 3
	"$MKWOF" -f "$fmt" "$@" "$src" "$work/stream" "$work/reparse" >/dev/null
	mkdir -p "$(dirname "$mnt/$dest")"
	: >"$mnt/$dest"
	cat "$work/stream" >"$mnt/$dest:WofCompressedData"
	n=$(size "$src")
	truncate -s "$n" "$mnt/$dest"
	setfattr -n system.ntfs_reparse_data -v "0x$(hex <"$work/reparse")" \
		"$mnt/$dest"
}

# the binaries: every second one WOF, the formats in turn
formats=(XPRESS4K LZX XPRESS8K XPRESS16K)
i=0
while IFS=$'\t' read -r dest src; do
	# System32's hello.dll stays plain: WinSxS's hard link below is to it
	if ((i % 2)) && [ "$dest" != Windows/System32/hello.dll ]; then
		fmt=${formats[$((i / 2 % 4))]}
		wof "$dest" "$src" "$fmt"
		entry wof "$dest" "$fmt" "$(size "$src")" "$(sha "$src")" -
	else
		mkdir -p "$(dirname "$mnt/$dest")"
		cp "$src" "$mnt/$dest"
		entry plain "$dest" - "$(size "$src")" "$(sha "$src")" -
	fi
	i=$((i + 1))
done <<<"$list"

# a chunk stored raw at the end; damaged streams
src=$wine/ws2_32.dll
wof Windows/System32/rawlast.dll "$src" XPRESS8K --raw-last
entry wof Windows/System32/rawlast.dll XPRESS8K "$(size "$src")" \
	"$(sha "$src")" raw-last=1
src=$wine/wintrust.dll
for d in bad-table:XPRESS4K truncated:LZX garbage:XPRESS16K; do
	wof "Windows/System32/bad-${d%%:*}.dll" "$src" "${d##*:}" \
		--damage "${d%%:*}"
	entry wof-damaged "Windows/System32/bad-${d%%:*}.dll" "${d##*:}" \
		"$(size "$src")" "$(sha "$src")" "damage=${d%%:*}"
done

# over 4 GiB: a PE at its start, zeros, a marker at its end; written
# sparse, LZX (32 KiB chunks: ~11 MiB of stream). Its manifest line has
# no sha256 of the whole (4 GiB hashed would be most of the build's
# time) but those of its first bytes (head=LENGTH:SHA256, the PE) and of
# its last MiB (tail1m=SHA256)
big=$work/huge.msp
bigsize=$(((4 << 30) + 12345678))
truncate -s "$bigsize" "$big"
dd if="$EXAMPLES/hello.dll" of="$big" conv=notrunc status=none
printf 'profilefs: the end of a file over 4 GiB\n%.0s' $(seq 1 100) >"$work/tail"
dd if="$work/tail" of="$big" conv=notrunc status=none \
	seek=$((bigsize - $(size "$work/tail"))) oflag=seek_bytes
tailsha=$(tail -c 1048576 "$big" | openssl dgst -sha256 -r | cut -d' ' -f1)
wof Windows/Installer/huge.msp "$big" LZX
entry wof Windows/Installer/huge.msp LZX "$bigsize" - \
	"head=$(size "$EXAMPLES/hello.dll"):$(sha "$EXAMPLES/hello.dll"),tail1m=$tailsha"
rm -f "$big"

# a WinSxS hard link to a System32 file
sxs=Windows/WinSxS/amd64_microsoft-windows-hello_31bf3856ad364e35_10.0.19041.1_none_0123456789abcdef
mkdir -p "$mnt/$sxs"
ln "$mnt/Windows/System32/hello.dll" "$mnt/$sxs/hello.dll"
entry hardlink "$sxs/hello.dll" - "$(size "$EXAMPLES/hello.dll")" \
	"$(sha "$EXAMPLES/hello.dll")" target=Windows/System32/hello.dll

# downloads with their Zone.Identifier
dl=Users/user/Downloads
mkdir -p "$mnt/$dl"
cp "$EXAMPLES/tool.exe" "$mnt/$dl/setup.exe"
printf '[ZoneTransfer]\r\nZoneId=3\r\nReferrerUrl=https://example.com/download\r\nHostUrl=https://example.com/files/setup.exe\r\n' \
	>"$work/zone"
cat "$work/zone" >"$mnt/$dl/setup.exe:Zone.Identifier"
entry plain "$dl/setup.exe" - "$(size "$EXAMPLES/tool.exe")" \
	"$(sha "$EXAMPLES/tool.exe")" -
entry stream "$dl/setup.exe" - "$(size "$work/zone")" "$(sha "$work/zone")" \
	stream=Zone.Identifier
cp "$EXAMPLES/hello.dll" "$mnt/$dl/invoice.pdf.exe"
{
	printf '[ZoneTransfer]\r\nZoneId=3\r\n'
	printf 'ReferrerUrl=https://evil.example/\033[2J\033[31mALERT\033[0m\a\r\n'
	printf 'HostUrl=https://evil.example/a.exe?<script>alert(1)</script>|**bold**|[x](javascript:alert(1))`code`\r\n'
	printf 'HostIpAddress=%s\r\n' "$(printf 'A%.0s' $(seq 1 20000))"
	printf 'LastWriterPackageFamilyName=\xff\xfe not UTF-8 \xc3\r\n'
} >"$work/zone-hostile"
cat "$work/zone-hostile" >"$mnt/$dl/invoice.pdf.exe:Zone.Identifier"
entry plain "$dl/invoice.pdf.exe" - "$(size "$EXAMPLES/hello.dll")" \
	"$(sha "$EXAMPLES/hello.dll")" -
entry stream "$dl/invoice.pdf.exe" - "$(size "$work/zone-hostile")" \
	"$(sha "$work/zone-hostile")" stream=Zone.Identifier,hostile=1

# a named stream hiding a PE in a text file
mkdir -p "$mnt/Windows/System32/drivers/etc"
printf '# Copyright (c) 1993-2009 Microsoft Corp.\r\n127.0.0.1 localhost\r\n' \
	>"$work/hosts"
cp "$work/hosts" "$mnt/Windows/System32/drivers/etc/hosts"
cat "$EXAMPLES/hello.dll" >"$mnt/Windows/System32/drivers/etc/hosts:payload.bin"
entry plain Windows/System32/drivers/etc/hosts - "$(size "$work/hosts")" \
	"$(sha "$work/hosts")" -
entry stream Windows/System32/drivers/etc/hosts - \
	"$(size "$EXAMPLES/hello.dll")" "$(sha "$EXAMPLES/hello.dll")" \
	stream=payload.bin

# reparse points whose bytes are elsewhere: Data Deduplication (its
# chunk store is not here) and a cloud placeholder; the unnamed data is
# sparse, of the real size
src=$wine/crypt32.dll
: >"$mnt/Windows/System32/dedup.dll"
truncate -s "$(size "$src")" "$mnt/Windows/System32/dedup.dll"
reparse Windows/System32/dedup.dll 0x80000013 \
	"$(printf 'dedup chunk store reference %.0s' 1 2 | hex)"
entry reparse Windows/System32/dedup.dll - "$(size "$src")" "$(sha "$src")" \
	tag=0x80000013
mkdir -p "$mnt/Users/user/OneDrive"
: >"$mnt/Users/user/OneDrive/report.exe"
truncate -s 123456 "$mnt/Users/user/OneDrive/report.exe"
reparse Users/user/OneDrive/report.exe 0x9000001A \
	"$(printf 'cloud placeholder %.0s' 1 2 3 | hex)"
entry reparse Users/user/OneDrive/report.exe - 123456 - tag=0x9000001A

# a relative symbolic link and a junction, as Windows writes them
t='System32\notepad.exe'
n=$((${#t} * 2))
: >"$mnt/Windows/notepad.exe"
reparse Windows/notepad.exe 0xA000000C \
	"$(le16 0)$(le16 $n)$(le16 $n)$(le16 $n)$(le32 1)$(utf16 "$t")$(utf16 "$t")"
entry symlink Windows/notepad.exe - - - 'target=System32\notepad.exe'
s='\??\C:\Users' p='C:\Users'
mkdir "$mnt/Documents and Settings"
reparse "Documents and Settings" 0xA0000003 \
	"$(le16 0)$(le16 $((${#s} * 2)))$(le16 $((${#s} * 2 + 2)))$(le16 $((${#p} * 2)))$(utf16 "$s")0000$(utf16 "$p")0000"
entry junction "Documents and Settings" - - - 'target=C:\Users'

# timestomped: $STANDARD_INFORMATION's four times set to 2015-06-01 in
# the unmounted volume (timestomp.py), $FILE_NAME's stay those of now
src=$EXAMPLES/hello.dll
cp "$src" "$mnt/Windows/System32/timestomped.dll"
ts=1433116800
stomp=$(stat -c %i "$mnt/Windows/System32/timestomped.dll")
entry timestomp Windows/System32/timestomped.dll - "$(size "$src")" \
	"$(sha "$src")" "si_times=$ts"

umount "$mnt"
wait "$ntfs_pid"
ntfs_pid=
python3 "$here/timestomp.py" "$vol" "$stomp" "$ts"
# the images of older inputs go: one image in the cache at a time
find "$cache" -maxdepth 1 \( -name '*.img' -o -name '*.manifest' \) -delete
mv "$vol" "$cache/$key.img.tmp"
mv "$manifest" "$cache/$key.manifest"
mv "$cache/$key.img.tmp" "$cache/$key.img"
copy_out
