#!/bin/bash
# The profiles of an NTFS volume mounted as the source (`profilefs IMAGE
# MNT`), against tests/ntfs/build-image.sh's manifest: each binary's
# SHA256 row is the manifest's (plain, every WOF format, the raw last
# chunk); a WOF file's NTFS section says how it is stored; the Mark of the
# Web (Zone 3, its URLs, the hostile one's escaped: no raw control byte,
# no HTML cmark-gfm renders); a named stream and its size; the timestomped
# file's note; the deduplicated and cloud files, and the damaged WOF ones,
# a profile with a note and no hashes, none stored (a second mount reads
# them again); a hard link's two names one computation; the JSON of a WOF
# file valid against docs/profile.schema.json with its ntfs member. Then
# the same volume through ntfs-3g as a folder: its WOF file ("unsupported
# reparse tag" link) a regular file whose profile says why it is not read.
. "$(dirname "$0")/lib.sh"
: "${MKWOF:?set MKWOF to the mkwof binary}"
: "${FIXTURES:?set FIXTURES to the built fixtures}"
: "${EXAMPLES:?set EXAMPLES to the built examples}"
export MKWOF FIXTURES EXAMPLES
NTFS_DIR=$(cd "$(dirname "$0")/../ntfs" && pwd)
SCHEMA=$(cd "$(dirname "$0")/../../docs" && pwd)/profile.schema.json
CHECK=$(cd "$(dirname "$0")/../unit" && pwd)/ntfs_json_check.py
IMG=$T/volume.img
NMNT=$T/ntfs3g
NTFS_PID=
mkdir -p "$NMNT"
for t in ntfs-3g cmark-gfm jq python3; do
	command -v "$t" >/dev/null || {
		bad "$t is missing"
		finish
	}
done
python3 -c 'import jsonschema' || {
	bad "python3-jsonschema is missing"
	finish
}

ntfs_cleanup() {
	if mountpoint -q "$NMNT" 2>/dev/null; then
		umount "$NMNT" 2>/dev/null || umount -l "$NMNT"
	fi
	[ -n "$NTFS_PID" ] && wait "$NTFS_PID" 2>/dev/null
	cleanup
}
trap ntfs_cleanup EXIT

bash "$NTFS_DIR/build-image.sh" "$IMG" >"$T/build.log" 2>&1 || {
	cat "$T/build.log"
	bad "build-image.sh failed"
	finish
}
manifest() { awk -F'\t' -v k="$1" '$1 == k' "$IMG.manifest"; }
extra() { tr ',' '\n' <<<"$1" | sed -n "s/^$2=//p"; }
md_sha() { sed -n 's/^SHA256 | `\([0-9A-F]*\)`.*/\1/p' | head -1 | tr A-F a-f; }

not() { ! "$@"; }
# whether reading FILE fails
read_fails() { ! cat "$1" >/dev/null 2>&1; }
# the image as the source at $MNT (lib.sh's mount, its cache)
SRC=$IMG
mount_img() { mount_fs "$@" || finish; }
umount_img() { umount_fs; }

mount_img -o formats=md:json

# every binary's SHA256 (the file over 100 MB aside: test_ntfs_cli reads it)
while IFS=$'\t' read -r kind path fmt size sha ex; do
	[ "$size" -lt 100000000 ] || continue
	check_eq "$kind $path: SHA256" "$(md_sha <"$MNT/$path.md")" "$sha"
	if [ "$kind" = wof ]; then
		check "$path: Stored: WOF-compressed ($fmt)" \
			grep -qxF "* Stored: WOF-compressed ($fmt)" "$MNT/$path.md"
	fi
	[ "$(extra "$ex" raw-last)" = 1 ] && raw_seen=1
done < <(awk -F'\t' '($1 == "plain" || $1 == "wof" || $1 == "timestomp") &&
	$2 ~ /\.(dll|exe|sys)$/' "$IMG.manifest")
check "the raw-last-chunk file was among them" [ "${raw_seen:-0}" = 1 ]
check "each WOF format was among them" \
	[ "$(manifest wof | cut -f3 | sort -u | wc -l)" -ge 4 ]

# the Mark of the Web
while IFS=$'\t' read -r _ path _ _ _ ex; do
	[ "$(extra "$ex" stream)" = Zone.Identifier ] || continue
	md=$MNT/$path.md
	check "$path: Zone 3 (Internet)" \
		grep -qxF "* Mark of the Web: Zone 3 (Internet)" "$md"
	check "$path: its ReferrerUrl" grep -q '^\* Mark of the Web: `ReferrerUrl=' "$md"
	check "$path: its HostUrl" grep -q '^\* Mark of the Web: `* *HostUrl=' "$md"
	check "$path: no control byte" \
		python3 -c 'import sys; b = open(sys.argv[1], "rb").read()
sys.exit(any(c < 32 and c not in (9, 10) or c == 127 for c in b))' "$md"
	if [ "$(extra "$ex" hostile)" = 1 ]; then
		cmark-gfm "$md" >"$T/zone.html"
		check "$path: no <script> rendered" not grep -q '<script' "$T/zone.html"
		check "$path: no javascript: link rendered" \
			not grep -q 'href="javascript' "$T/zone.html"
	fi
done < <(manifest stream)

# each named stream of a binary listed with its size (the manifest's size
# of a stream line is the stream's)
while IFS=$'\t' read -r _ path _ size _ ex; do
	[ -e "$MNT/$path.md" ] || continue
	name=$(extra "$ex" stream)
	check "$path: stream $name of $size bytes" \
		grep -qxF "\`$name\` | $size" "$MNT/$path.md"
done < <(manifest stream)

# the timestomped file
while IFS=$'\t' read -r _ path _ _ _ _; do
	check "$path: the timestomping note" \
		grep -q '^\* Timestomping: ' "$MNT/$path.md"
done < <(manifest timestomp)

# unreadable: a note, no hashes; read twice (the second from no cache)
unread() {
	local path=$1 want=$2 md=$MNT/$1.md
	check "$path: a profile" [ -n "$(cat "$md")" ]
	check "$path: a note ($want)" grep -q "^\* Note: .*$want" "$md"
	check "$path: no SHA256 row" not grep -q '^SHA256 |' "$md"
	check_eq "$path: the same the second time" "$(cat "$md")" "$(cat "$md")"
}
while IFS=$'\t' read -r _ path _ _ _ ex; do
	unread "$path" ""
	check "$path: reading it fails" read_fails "$MNT/$path"
	check "$path: its tag" grep -q "^\* Reparse Tag: $(extra "$ex" tag) (" \
		"$MNT/$path.md"
done < <(manifest reparse)
while IFS=$'\t' read -r _ path _ _ _ _; do
	unread "$path" "damaged"
	# the kernel takes a short read for the end: a read that fails part
	# way must fail, not hand on the bytes before the damage
	check "$path: reading it fails, never a part of it as the whole" \
		read_fails "$MNT/$path"
done < <(manifest wof-damaged)

# a WOF file's JSON: valid, with its ntfs member
wof1=$(manifest wof | awk -F'\t' '$2 ~ /\.dll$/ && $4 < 1000000 { print $2 "\t" $3; exit }')
echo "[[[\"ntfs\", \"stored\"], \"WOF-compressed (${wof1#*$'\t'})\"]]" >"$T/expect.json"
check "${wof1%%$'\t'*}.json: valid, its ntfs member" \
	python3 "$CHECK" "$SCHEMA" "$MNT/${wof1%%$'\t'*}.json" "$T/expect.json"
umount_img

# nothing unreadable was stored: a new mount computes nothing for them
mount_img
before=$(stat_of computed)
while IFS=$'\t' read -r _ path _ _ _ _; do
	grep -q '^\* Note: ' "$MNT/$path.md" || bad "$path: no note the second mount"
done < <(awk -F'\t' '$1 == "reparse" || $1 == "wof-damaged"' "$IMG.manifest")
check_eq "unreadable files: never computed" "$(stat_of computed)" "$before"

# a hard link's two names: one computation, concurrent or one after the
# other (the names of one MFT record share its identity); each from an
# empty cache
umount_img
rm -f "$CACHE"*
mount_img
hl=$(manifest hardlink | head -1)
name2=$(cut -f2 <<<"$hl")
name1=$(extra "$(cut -f6 <<<"$hl")" target | tr '\\' /)
name1=${name1#C:/}
before=$(stat_of computed)
cat "$MNT/$name1.md" >"$T/h1" &
h1=$!
cat "$MNT/$name2.md" >"$T/h2"
wait "$h1"
check_eq "hard link, two names at once: one computation" \
	"$(stat_of computed)" $((before + 1))
check_eq "hard link: both SHA256" "$(md_sha <"$T/h2")" "$(md_sha <"$T/h1")"
umount_img
rm -f "$CACHE"*
mount_img
before=$(stat_of computed)
cat "$MNT/$name1.md" >/dev/null
cat "$MNT/$name2.md" >/dev/null
check_eq "hard link, one name after the other: one computation" \
	"$(stat_of computed)" $((before + 1))
umount_img

# the same volume through ntfs-3g, a folder: a WOF file it cannot read is
# a link to "unsupported reparse tag 0x80000017"; profilefs shows the file
ntfs-3g -o ro,no_detach "$IMG" "$NMNT" >"$T/ntfs-3g.log" 2>&1 &
NTFS_PID=$!
for _ in $(seq 1 200); do
	mountpoint -q "$NMNT" && break
	sleep 0.05
done
mountpoint -q "$NMNT" || {
	bad "ntfs-3g did not mount: $(cat "$T/ntfs-3g.log")"
	finish
}
wof=${wof1%%$'\t'*}
check_eq "ntfs-3g shows $wof as its link" "$(readlink "$NMNT/$wof")" \
	"unsupported reparse tag 0x80000017"
SRC=$NMNT
mount_fs --no-cache || finish
check "ntfs-3g: $wof is a regular file" test -f "$MNT/$wof" -a ! -L "$MNT/$wof"
check "ntfs-3g: $wof.md says ntfs-3g cannot read it" \
	grep -q '^\* Note: .*ntfs-3g' "$MNT/$wof.md"
check "ntfs-3g: $wof.md has no SHA256" not grep -q '^SHA256 |' "$MNT/$wof.md"
check "ntfs-3g: reading $wof fails" read_fails "$MNT/$wof"
# an ordinary link stays a link
check "ntfs-3g: Windows/notepad.exe stays a link" test -L "$MNT/Windows/notepad.exe"
umount_fs
finish
