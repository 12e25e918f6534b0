#!/bin/bash
# ntfs-3g's stand-in for a file it cannot read: on a real NTFS image
# (mkntfs), mounted with ntfs-3g, files given reparse points ntfs-3g has
# no plugin for (WOF system compression, Data Deduplication, cloud
# placeholders, a tag nobody knows) read back as symlinks, and
# tree_ntfs3g_tag() (src/tree/ntfs3g.c) takes each target for its tag,
# and nothing else for one: not a plain symlink made on the same volume,
# nor one whose target only looks alike (a space after it). The profile
# of such a file says why its bytes cannot be read, names the tag, and
# has no hashes (tests/unit/ntfs3g_probe.c).
. "$(dirname "$0")/lib.sh"
: "${NTFS3G_PROBE:?set NTFS3G_PROBE to ntfs3g_probe}"
for tool in mkntfs ntfs-3g setfattr; do
	command -v $tool >/dev/null || { bad "$tool is missing (ntfs-3g, attr)"; finish; }
done
IMG=$T/ntfs.img
VOL=$T/vol
mkdir -p "$VOL"
trap 'mountpoint -q "$VOL" && fusermount3 -u "$VOL"; cleanup' EXIT

truncate -s 8M "$IMG" && mkntfs -q -F -f "$IMG" >/dev/null 2>&1 ||
	{ bad "mkntfs failed"; finish; }
ntfs-3g "$IMG" "$VOL" || { bad "ntfs-3g cannot mount the image"; finish; }

# tag (as ntfs-3g prints it) and the reparse data after the tag's 4 bytes
# (length and reserved, then the data: WOF's is WOF_EXTERNAL_INFO
# version 1 provider 2, FILE_PROVIDER_EXTERNAL_INFO_V1 version 1, LZX)
set_reparse() { # FILE TAG-LE DATA-HEX
	echo MZ >"$VOL/$1"
	setfattr -n system.ntfs_reparse_data -v "0x$2$3" "$VOL/$1"
}
set_reparse wof.dll 17000080 1000000001000000020000000100000001000000 ||
	bad "setfattr wof.dll"
set_reparse dedup.dll 13000080 00000000 || bad "setfattr dedup.dll"
set_reparse cloud.exe 1a000090 00000000 || bad "setfattr cloud.exe"
set_reparse cloudf.exe 1af00090 00000000 || bad "setfattr cloudf.exe"
set_reparse odd.sys cdab0080 00000000 || bad "setfattr odd.sys"
ln -s "target.dll" "$VOL/plain.lnk"
ln -s "unsupported reparse tag 0x80000017 " "$VOL/alike.lnk"
# remounted: the kernel forgets the files they were
fusermount3 -u "$VOL" && ntfs-3g -o ro "$IMG" "$VOL" ||
	{ bad "ntfs-3g cannot mount the image again"; finish; }

"$NTFS3G_PROBE" "$VOL"/wof.dll "$VOL"/dedup.dll "$VOL"/cloud.exe \
	"$VOL"/cloudf.exe "$VOL"/odd.sys "$VOL"/plain.lnk "$VOL"/alike.lnk \
	>"$T/probe.txt" || bad "ntfs3g_probe failed"
check_eq "what ntfs-3g shows, and the tags read from it" \
	"$(cat "$T/probe.txt")" "$(printf '%s\t%s\n' \
	'unsupported reparse tag 0x80000017' 80000017 \
	'unsupported reparse tag 0x80000013' 80000013 \
	'unsupported reparse tag 0x9000001a' 9000001a \
	'unsupported reparse tag 0x9000f01a' 9000f01a \
	'unsupported reparse tag 0x8000abcd' 8000abcd \
	'target.dll' - \
	'unsupported reparse tag 0x80000017 ' -)"
# ntfs-3g says these are symlinks of the text's length
check_eq "ntfs-3g shows wof.dll as a 34-byte symlink" \
	"$(stat -c '%F %s' "$VOL/wof.dll")" "symbolic link 34"

"$NTFS3G_PROBE" --profile "$VOL/wof.dll" "Windows/System32/wof.dll" \
	>"$T/wof.md" || bad "no profile of wof.dll"
check "the profile says why, and what to do" grep -qxF \
	"* Note: ntfs-3g cannot read this file's bytes (reparse tag 0x80000017, WOF system compression): give profilefs the volume itself, e.g. profilefs /dev/sdb3 MNT or profilefs disk.img MNT --partition=N" \
	"$T/wof.md"
check "the profile names the tag" grep -qxF \
	"* Reparse Tag: 0x80000017 (WOF system compression)" "$T/wof.md"
check "the profile has its path" grep -qxF \
	'* File Path: `C:\Windows\System32\wof.dll`' "$T/wof.md"
check "the profile has no hashes" bash -c "! grep -qE 'Hashes|SHA256|VirusTotal' '$T/wof.md'"
"$NTFS3G_PROBE" --profile "$VOL/plain.lnk" x >/dev/null 2>&1 &&
	bad "a plain symlink was taken for an unreadable file"
fusermount3 -u "$VOL" || bad "cannot unmount the image"
finish
