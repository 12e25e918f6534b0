#!/bin/bash
# The NTFS source read through tree_dump against the manifest of the
# Windows-like volume of tests/ntfs/build-image.sh (the oracle: what was
# written, and the originals' SHA-256): every plain, system-compressed
# (four formats, a raw last chunk, a file over 4 GiB by its head and last
# MiB) and hard-linked file's bytes, the named streams, the reparse
# points' tags (deduplicated and cloud files unreadable, with the reason),
# damaged WOF streams failing with EIO, the symlink's and junction's
# targets, the timestomped $STANDARD_INFORMATION times; the image left
# as it was; and the volume as the first of two NTFS partitions of an MBR
# and a GPT disk (tests/ntfs/build-disk.sh), read only when chosen.
set -u
: "${TREE_DUMP:?set TREE_DUMP to the tree_dump binary}"
: "${MKWOF:?set MKWOF to the mkwof binary}"
: "${EXAMPLES:?set EXAMPLES to the built examples}"
: "${FIXTURES:?set FIXTURES to the built fixtures}"
NTFS_DIR=$(cd "$(dirname "$0")/../ntfs" && pwd)
export MKWOF EXAMPLES FIXTURES
T=$(mktemp -d /tmp/pfs-ntfs-src-XXXXXX)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
bad() {
	echo "FAIL: $*"
	fail=$((fail + 1))
}
ok() {
	pass=$((pass + 1))
}
sha() {
	sha256sum | cut -d' ' -f1
}

IMG=$T/vol.img
bash "$NTFS_DIR/build-image.sh" "$IMG" >"$T/build.log" 2>&1 || {
	cat "$T/build.log"
	bad "build-image.sh failed"
	echo "$pass passed, $fail failed"
	exit 1
}
MAN=$IMG.manifest
before=$(sha <"$IMG")
"$TREE_DUMP" --long "$IMG" >"$T/long" 2>"$T/long.err" || true
"$TREE_DUMP" "$IMG" >"$T/list" 2>/dev/null || true

# the line of PATH in the listing: "TYPEMODE NLINK SIZE MTIME INO PATH"
entry() {
	awk -v p="$1" '{ q = $0; for (i = 1; i <= 5; i++) sub(/^[^ ]+ /, "", q);
		sub(/ -> .*/, "", q); if (q == p) { print; exit } }' "$T/list"
}
# the facts lines under PATH in the long listing
facts() {
	awk -v p="$1" 'found && /^[^ ]/ { exit }
		found { print }
		{ q = $0; for (i = 1; i <= 5; i++) sub(/^[^ ]+ /, "", q);
		  sub(/ -> .*/, "", q); if (q == p && /^[^ ]/) found = 1 }' "$T/long"
}
extra() { # KEY EXTRA: the value of KEY= in EXTRA
	tr ',' '\n' <<<"$2" | sed -n "s/^$1=//p"
}

checked=0
while IFS=$'\t' read -r kind path fmt size want ext; do
	checked=$((checked + 1))
	e=$(entry "$path")
	case $kind in
	plain | wof | hardlink | timestomp)
		[ -n "$e" ] || { bad "$path is not listed"; continue; }
		[ "$(cut -d' ' -f3 <<<"$e")" = "$size" ] || bad "$path: size $(cut -d' ' -f3 <<<"$e"), want $size"
		if [ "$want" != - ]; then
			got=$("$TREE_DUMP" --cat "$IMG:$path" 2>/dev/null | sha)
			[ "$got" = "$want" ] && ok || bad "$kind $path ($fmt) reads as $got"
		fi
		head=$(extra head "$ext")
		if [ -n "$head" ]; then
			got=$("$TREE_DUMP" --cat "$IMG:$path" 2>/dev/null | head -c "${head%%:*}" | sha)
			[ "$got" = "${head#*:}" ] && ok || bad "$path: the first ${head%%:*} bytes"
		fi
		tail1m=$(extra tail1m "$ext")
		if [ -n "$tail1m" ]; then
			got=$("$TREE_DUMP" --offset=$((size - 1048576)) --cat "$IMG:$path" 2>/dev/null | sha)
			[ "$got" = "$tail1m" ] && ok || bad "$path: the last MiB"
		fi
		if [ "$fmt" != - ]; then
			facts "$path" | grep -q "reparse=0x80000017 storage=\"WOF-compressed ($fmt)\"" &&
				ok || bad "$path: facts $(facts "$path" | head -1)"
		fi
		if [ "$kind" = hardlink ]; then
			t=$(entry "$(extra target "$ext")")
			[ -n "$t" ] && [ "$(cut -d' ' -f5 <<<"$t")" = "$(cut -d' ' -f5 <<<"$e")" ] &&
				[ "$(cut -d' ' -f2 <<<"$e")" = 2 ] && ok ||
				bad "$path: not one file with $(extra target "$ext"): $e / $t"
		fi
		if [ "$kind" = timestomp ]; then
			si=$(extra si_times "$ext")
			facts "$path" | grep -q "^    si: created=$si\.0* modified=$si\.0* " && ok ||
				bad "$path: \$SI times $(facts "$path" | grep si:)"
			fn=$(facts "$path" | sed -n 's/^    fn: created=\([0-9]*\)\..*/\1/p')
			[ -n "$fn" ] && [ "$fn" -gt "$si" ] && ok || bad "$path: \$FN times not after \$SI's"
		fi
		;;
	wof-damaged)
		[ -n "$e" ] || { bad "$path is not listed"; continue; }
		"$TREE_DUMP" --cat "$IMG:$path" >/dev/null 2>"$T/err" &&
			bad "$path ($(extra damage "$ext")) read without an error"
		grep -q 'Input/output error' "$T/err" && ok || bad "$path: $(cat "$T/err")"
		;;
	stream)
		name=$(extra stream "$ext")
		got=$("$TREE_DUMP" --stream="$name" "$IMG:$path" 2>/dev/null | sha)
		[ "$got" = "$want" ] && ok || bad "$path:$name reads as $got"
		facts "$path" | grep -qx "    stream: $name $size" && ok || bad "$path: no stream $name $size"
		;;
	reparse)
		[ -n "$e" ] || { bad "$path is not listed"; continue; }
		tag=$(extra tag "$ext" | tr A-F a-f | sed 's/^0x//')
		facts "$path" | grep -q "reparse=0x$tag " && ok || bad "$path: tag $tag"
		facts "$path" | grep -q '^    unreadable: ' && ok || bad "$path: no reason it is unreadable"
		"$TREE_DUMP" --cat "$IMG:$path" >/dev/null 2>&1 && bad "$path (tag $tag) read"
		;;
	symlink | junction)
		target=$(extra target "$ext" | tr '\\' /)
		grep -q "^l.* $path -> $target\$" "$T/list" && ok ||
			bad "$kind $path: $(grep " $path -> " "$T/list")"
		;;
	*)
		bad "manifest: unknown kind $kind"
		;;
	esac
done <"$MAN"
[ "$checked" -ge 40 ] || bad "only $checked manifest lines"
[ "$(sha <"$IMG")" = "$before" ] && ok || bad "the image was written"

# the volume as partition 1 of two NTFS partitions
"$TREE_DUMP" --sha256 "$IMG" 2>/dev/null | LC_ALL=C sort -k2 >"$T/sha.bare"
grep -c . "$T/sha.bare" | grep -qv '^0$' || bad "no file hashed"
for label in mbr gpt; do
	D=$T/disk.$label
	bash "$NTFS_DIR/build-disk.sh" "$IMG" "$D" $label || {
		bad "build-disk.sh $label"
		continue
	}
	"$TREE_DUMP" "$D" >/dev/null 2>"$T/err" && bad "$label: read with no partition chosen"
	grep -q 'holds 2 NTFS partitions' "$T/err" && ok || bad "$label: $(cat "$T/err")"
	"$TREE_DUMP" --partition=1 --sha256 "$D" 2>/dev/null | LC_ALL=C sort -k2 >"$T/sha.$label"
	cmp -s "$T/sha.bare" "$T/sha.$label" && ok || bad "$label: partition 1 does not read as the volume"
	"$TREE_DUMP" --partition=2 "$D" >"$T/second" 2>/dev/null && ok || bad "$label: partition 2"
	grep -q ' Windows$' "$T/second" && bad "$label: partition 2 is the first volume"
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
