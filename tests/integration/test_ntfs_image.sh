#!/bin/bash
# The NTFS test volume (tests/ntfs/build-image.sh) checked against its
# manifest through independent readers: ntfs-3g's own mount (read-only)
# for the plain files, the named streams, the links and reparse points it
# shows; ntfscat for each WOF file's WofCompressedData stream, decoded by
# src/tree/wof.c (mkwof --decode) to the original's sha256; ntfsinfo for
# the timestomped times; sfdisk for the partitioned disks of
# build-disk.sh. ntfs-3g without its system compression plugin shows a WOF
# file as a link to "unsupported reparse tag 0x80000017": the problem the
# NTFS source solves.
#
# One function per check, each over the manifest's lines of its kind: a
# check of the volume through profilefs itself is one more function.
. "$(dirname "$0")/lib.sh"
: "${MKWOF:?set MKWOF to the mkwof binary}"
: "${FIXTURES:?set FIXTURES to the built fixtures}"
: "${EXAMPLES:?set EXAMPLES to the built examples}"
NTFS_DIR=$(cd "$(dirname "$0")/../ntfs" && pwd)
IMG=$T/volume.img
NMNT=$T/ntfs3g
NTFS_PID=
mkdir -p "$NMNT"
for t in ntfs-3g ntfscat ntfsinfo sfdisk mkntfs setfattr openssl; do
	command -v "$t" >/dev/null || {
		bad "$t is missing"
		finish
	}
done

ntfs_cleanup() {
	if mountpoint -q "$NMNT" 2>/dev/null; then
		umount "$NMNT" 2>/dev/null || umount -l "$NMNT"
	fi
	[ -n "$NTFS_PID" ] && wait "$NTFS_PID" 2>/dev/null
	cleanup
}
trap ntfs_cleanup EXIT

# manifest KIND: its lines of that kind (tab-separated fields)
manifest() { awk -F'\t' -v k="$1" '$1 == k' "$IMG.manifest"; }
# extra EXTRA KEY: the value of KEY in a manifest's key=value,... field
extra() { tr ',' '\n' <<<"$1" | sed -n "s/^$2=//p"; }
sha_of() { openssl dgst -sha256 -r | cut -d' ' -f1; }

build_image() {
	local t0 t1
	t0=$(date +%s%N)
	if ! bash "$NTFS_DIR/build-image.sh" "$IMG"; then
		bad "build-image.sh failed"
		finish
	fi
	t1=$(date +%s%N)
	echo "image: $(du -k "$IMG" | cut -f1) KiB used of" \
		"$(($(stat -c %s "$IMG") >> 20)) MiB, in $(((t1 - t0) / 1000000)) ms"
	check "manifest has WOF files" [ "$(manifest wof | wc -l)" -ge 16 ]
	check "manifest has plain files" [ "$(manifest plain | wc -l)" -ge 16 ]
}

mount_ntfs3g() {
	ntfs-3g -o ro,no_detach,streams_interface=windows "$IMG" "$NMNT" \
		>"$T/ntfs-3g.log" 2>&1 &
	NTFS_PID=$!
	for _ in $(seq 1 200); do
		mountpoint -q "$NMNT" && return 0
		kill -0 "$NTFS_PID" 2>/dev/null || break
		sleep 0.05
	done
	bad "ntfs-3g did not mount: $(cat "$T/ntfs-3g.log")"
	finish
}

# every plain file, hard link and timestomped file: its sha256 through
# ntfs-3g
check_plain_ntfs3g() {
	local path size sha
	while IFS=$'\t' read -r _ path _ size sha _; do
		check_eq "ntfs-3g: size of $path" \
			"$(stat -c %s "$NMNT/$path")" "$size"
		check_eq "ntfs-3g: sha256 of $path" \
			"$(sha_of <"$NMNT/$path")" "$sha"
	done < <(manifest plain; manifest hardlink; manifest timestomp)
}

# the named streams (Zone.Identifier, a hidden PE): their bytes through
# ntfs-3g's windows streams interface
check_streams_ntfs3g() {
	local path size sha ex name
	while IFS=$'\t' read -r _ path _ size sha ex; do
		name=$(extra "$ex" stream)
		check_eq "ntfs-3g: sha256 of $path:$name" \
			"$(sha_of <"$NMNT/$path:$name")" "$sha"
	done < <(manifest stream)
	check "Zone.Identifier lines end in CRLF" grep -q $'^ZoneId=3\r$' \
		"$NMNT/Users/user/Downloads/setup.exe:Zone.Identifier"
}

# the hard link is one file: one inode number for both names
check_hardlink_ntfs3g() {
	local path ex
	while IFS=$'\t' read -r _ path _ _ _ ex; do
		check_eq "ntfs-3g: $path is $(extra "$ex" target)" \
			"$(stat -c %i "$NMNT/$path")" \
			"$(stat -c %i "$NMNT/$(extra "$ex" target)")"
		check_eq "ntfs-3g: links of $path" \
			"$(stat -c %h "$NMNT/$path")" 2
	done < <(manifest hardlink)
}

# today's problem: a WOF file, a dedup file, a cloud placeholder read
# through ntfs-3g are links to a message, not their bytes
check_reparse_ntfs3g() {
	local path ex tag
	while IFS=$'\t' read -r _ path _ _ _ _; do
		check_eq "ntfs-3g: $path is an unsupported reparse point" \
			"$(readlink "$NMNT/$path")" \
			"unsupported reparse tag 0x80000017"
	done < <(manifest wof; manifest wof-damaged)
	while IFS=$'\t' read -r _ path _ _ _ ex; do
		tag=$(extra "$ex" tag | tr 'A-F' 'a-f')
		check_eq "ntfs-3g: $path is an unsupported reparse point" \
			"$(readlink "$NMNT/$path")" "unsupported reparse tag $tag"
	done < <(manifest reparse)
	# Windows' own links, as ntfs-3g translates them
	check_eq "ntfs-3g: the symlink" "$(readlink "$NMNT/Windows/notepad.exe")" \
		System32/notepad.exe
	check_eq "ntfs-3g: the junction" \
		"$(readlink "$NMNT/Documents and Settings")" "$NMNT/Users"
}

# stream PATH: the WofCompressedData stream of PATH, by ntfscat (no mount)
wof_stream() {
	ntfscat -a 0x80 -n WofCompressedData "$IMG" "$1" >"$T/stream"
}

# each WOF file: its stream decoded by src/tree/wof.c gives the
# original's sha256 (the file over 4 GiB: its last MiB)
check_wof_decode() {
	local path fmt size sha ex tail head
	while IFS=$'\t' read -r _ path fmt size sha ex; do
		if ! wof_stream "$path"; then
			bad "ntfscat: $path's WofCompressedData"
			continue
		fi
		tail=$(extra "$ex" tail1m)
		if [ -n "$tail" ]; then
			check "over 4 GiB: an 8-byte chunk table" \
				[ "$size" -gt 4294967296 ]
			check_eq "wof: the last MiB of $path" "$("$MKWOF" --decode \
				"$T/stream" "$size" "$fmt" $((size - 1048576)) \
				1048576 | sha_of)" "$tail"
			head=$(extra "$ex" head)
			check_eq "wof: the first bytes of $path" "$("$MKWOF" \
				--decode "$T/stream" "$size" "$fmt" 0 \
				"${head%%:*}" | sha_of)" "${head#*:}"
			continue
		fi
		check_eq "wof ($fmt): sha256 of $path" \
			"$("$MKWOF" --decode "$T/stream" "$size" "$fmt" | sha_of)" \
			"$sha"
	done < <(manifest wof)
}

# each damaged WOF file: the decoder fails, saying which chunk and why
check_wof_damaged() {
	local path fmt size ex
	while IFS=$'\t' read -r _ path fmt size _ ex; do
		wof_stream "$path" || bad "ntfscat: $path"
		if "$MKWOF" --decode "$T/stream" "$size" "$fmt" >/dev/null \
			2>"$T/why"; then
			bad "wof: $path ($(extra "$ex" damage)) decoded"
		else
			check "wof: $path: why names the chunk" \
				grep -q "Input/output error (chunk [0-9]*: " "$T/why"
		fi
	done < <(manifest wof-damaged)
}

# the timestomped file: $STANDARD_INFORMATION's creation time (the first
# ntfsinfo prints) is the manifest's, before $FILE_NAME's
check_timestomp() {
	local path ex si fn
	while IFS=$'\t' read -r _ path _ _ _ ex; do
		ntfsinfo -F "$path" "$IMG" >"$T/info" 2>/dev/null
		si=$(grep -m1 'File Creation Time' "$T/info" | cut -f3-)
		fn=$(grep 'File Creation Time' "$T/info" | sed -n 2p | cut -f3-)
		check_eq "ntfsinfo: \$STANDARD_INFORMATION time of $path" \
			"$(date -u -d "$si" +%s)" "$(extra "$ex" si_times)"
		check "ntfsinfo: \$FILE_NAME time of $path is later" \
			[ "$(date -u -d "$fn" +%s)" -gt "$(extra "$ex" si_times)" ]
	done < <(manifest timestomp)
}

# the volume in a partitioned disk: at 1 MiB, with a second NTFS
# partition beside it
check_disks() {
	local label
	for label in mbr gpt; do
		if ! bash "$NTFS_DIR/build-disk.sh" "$IMG" "$T/disk.$label" "$label"; then
			bad "build-disk.sh $label failed"
			continue
		fi
		check_eq "$label: two partitions" \
			"$(sfdisk -d "$T/disk.$label" | grep -c 'start=')" 2
		check_eq "$label: the first at sector 2048" \
			"$(sfdisk -d "$T/disk.$label" | grep -m1 -o 'start= *[0-9]*' |
				tr -d ' ')" start=2048
		check "$label: the first is the volume" cmp -s -n \
			"$(stat -c %s "$IMG")" -i 1048576:0 "$T/disk.$label" "$IMG"
		check_eq "$label: the second is NTFS too" "$(dd \
			if="$T/disk.$label" bs=512 skip=$((2048 + \
			$(stat -c %s "$IMG") / 512)) count=1 status=none |
			dd bs=1 skip=3 count=8 status=none)" "NTFS    "
		rm -f "$T/disk.$label"
	done
}

build_image
mount_ntfs3g
check_plain_ntfs3g
check_streams_ntfs3g
check_hardlink_ntfs3g
check_reparse_ntfs3g
umount "$NMNT"
wait "$NTFS_PID"
NTFS_PID=
check_wof_decode
check_wof_damaged
check_timestomp
check_disks
finish
