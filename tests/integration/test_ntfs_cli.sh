#!/bin/bash
# The cli with an NTFS volume as its source (tests/ntfs/build-image.sh's,
# against its manifest: the bytes written and the originals' SHA-256):
# `profilefs profile IMAGE:/PATH` and `--root=IMAGE PATH`, whose SHA256
# row is the manifest's for a plain and a WOF-compressed binary of each
# format; -r over Windows/System32 listing every binary the manifest puts
# there; --partition on the MBR and GPT disks of build-disk.sh (without
# it: exit 1 and the partitions listed); warm IMAGE; the mount of the
# image (a profile, a WOF file's decompressed bytes, ls -lR, the
# profiles-only view); a SOURCE that is neither a folder nor a volume;
# and the image left as it was.
set -u
: "${PROFILEFS:?set PROFILEFS to the profilefs binary}"
: "${MKWOF:?set MKWOF to the mkwof binary}"
: "${EXAMPLES:?set EXAMPLES to the built examples}"
: "${FIXTURES:?set FIXTURES to the built fixtures}"
NTFS_DIR=$(cd "$(dirname "$0")/../ntfs" && pwd)
export MKWOF EXAMPLES FIXTURES
T=$(mktemp -d /tmp/pfs-ntfs-cli-XXXXXX)
MNT=$T/mnt
mkdir -p "$MNT"
trap 'fusermount3 -u "$MNT" 2>/dev/null; rm -rf "$T"' EXIT
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
for t in jq fusermount3 sha256sum; do
	command -v "$t" >/dev/null || bad "$t is missing"
done

IMG=$T/vol.img
bash "$NTFS_DIR/build-image.sh" "$IMG" >"$T/build.log" 2>&1 || {
	cat "$T/build.log"
	bad "build-image.sh failed"
	echo "$pass passed, $fail failed"
	exit 1
}
MAN=$IMG.manifest
before=$(sha <"$IMG")
P() { "$PROFILEFS" "$@" --cache="$T/cache.db" --rules="$T/rules.db"; }

# the SHA256 row of a Markdown profile, lowercase
md_sha() {
	sed -n 's/^SHA256 | `\([0-9A-F]*\)`.*/\1/p' | head -1 | tr A-F a-f
}

# a plain binary and one WOF-compressed binary of each format
picks=$(awk -F'\t' '$1 == "plain" && $2 ~ /^Windows\/System32\/[^\/]*$/ && !p++ { print $2 "\t" $5 }
	$1 == "wof" && $2 ~ /\.(dll|exe)$/ && $4 < 100000000 && !seen[$3]++ { print $2 "\t" $5 }' "$MAN")
[ "$(grep -c . <<<"$picks")" -ge 5 ] && ok || bad "manifest: want a plain and four WOF formats: $picks"
while IFS=$'\t' read -r path want; do
	got=$(P profile "$IMG:/$path" 2>"$T/err" | md_sha)
	[ "$got" = "$want" ] && ok || bad "profile $IMG:/$path: SHA256 $got, want $want ($(head -2 "$T/err"))"
	got=$(P profile --root="$IMG" "$path" 2>/dev/null | md_sha)
	[ "$got" = "$want" ] && ok || bad "profile --root=IMG $path: SHA256 $got"
	got=$(P profile --format=json --root="$IMG" "/$path" 2>/dev/null | jq -r .hashes.sha256)
	[ "$got" = "$want" ] && ok || bad "profile --format=json --root=IMG /$path: sha256 $got"
done <<<"$picks"

# -r: every binary the manifest puts below Windows/System32 (readable or
# not: the unreadable ones are named on stderr)
awk -F'\t' '($1 == "plain" || $1 == "wof" || $1 == "wof-damaged" || $1 == "hardlink" || $1 == "timestomp" || $1 == "reparse") &&
	$2 ~ /^Windows\/System32\/.*\.(dll|exe|sys)$/ { print $2 }' "$MAN" | LC_ALL=C sort -u >"$T/want.list"
[ -s "$T/want.list" ] || bad "manifest: no binary in Windows/System32"
P profile -r --root="$IMG" --format=jsonl Windows/System32 >"$T/r.jsonl" 2>"$T/r.err"
rc=$?
[ $rc -eq 0 ] && ok || bad "profile -r: exit $rc ($(head -3 "$T/r.err"))"
# the files whose bytes cannot be read here (deduplicated, damaged WOF):
# a profile that says why, and no hashes
for path in $(awk -F'\t' '($1 == "reparse" || $1 == "wof-damaged") &&
	$2 ~ /^Windows\/System32\// { print $2 }' "$MAN"); do
	got=$(jq -r --arg p "$path" 'select(.path == $p) | "\(.hashes.sha256) \(.notes | length)"' "$T/r.jsonl")
	[ "$got" = "null 1" ] && ok || bad "profile -r: $path: sha256 and notes: $got"
done
{
	jq -r .path "$T/r.jsonl"
	sed -n "s|^profilefs: $IMG:/\(.*\): .*|\1|p" "$T/r.err"
} | LC_ALL=C sort -u >"$T/got.list"
comm -23 "$T/want.list" "$T/got.list" >"$T/missing"
[ ! -s "$T/missing" ] && ok || bad "profile -r Windows/System32 left out: $(tr '\n' ' ' <"$T/missing")"
cut -f2 "$MAN" | LC_ALL=C sort -u | comm -13 - "$T/got.list" >"$T/extra"
[ ! -s "$T/extra" ] && ok || bad "profile -r Windows/System32 gave what the manifest has not: $(tr '\n' ' ' <"$T/extra")"
n=$(grep -c . "$T/r.jsonl")
[ "$n" -ge $(($(grep -c . "$T/want.list") - $(grep -c . "$T/r.err"))) ] && ok || bad "profile -r: $n profiles"

# IMAGE:/PATH and ordinary paths: a usage error; a file named like one is
# that file
P profile "$IMG:/Windows/System32/x.dll" "$EXAMPLES/hello.dll" >/dev/null 2>&1
[ $? -eq 2 ] && ok || bad "IMAGE:/PATH mixed with a path: not a usage error"
mkdir -p "$T/odd/vol.img:"
cp "$EXAMPLES/hello.dll" "$T/odd/vol.img:/hello.dll"
cp "$IMG" "$T/odd/vol.img" 2>/dev/null || true
want=$(sha <"$EXAMPLES/hello.dll")
got=$(cd "$T/odd" && P profile "vol.img:/hello.dll" 2>/dev/null | md_sha)
[ "$got" = "$want" ] && ok || bad "an existing file named vol.img:/hello.dll was not read as itself ($got)"
rm -rf "$T/odd"

# --partition on a disk of two NTFS partitions
first=$(head -1 <<<"$picks")
for label in mbr gpt; do
	D=$T/disk.$label
	bash "$NTFS_DIR/build-disk.sh" "$IMG" "$D" $label >/dev/null 2>&1 || {
		bad "build-disk.sh $label"
		continue
	}
	P profile "$D:/${first%%$'\t'*}" >/dev/null 2>"$T/err"
	[ $? -eq 1 ] && ok || bad "$label: profile without --partition did not exit 1"
	grep -q 'partition 1:' "$T/err" && grep -q 'partition 2:' "$T/err" && ok ||
		bad "$label: the partitions are not listed: $(cat "$T/err")"
	got=$(P profile --partition=1 "$D:/${first%%$'\t'*}" 2>/dev/null | md_sha)
	[ "$got" = "${first#*$'\t'}" ] && ok || bad "$label: --partition=1: SHA256 $got"
	P profile --partition=2 --root="$D" "${first%%$'\t'*}" >/dev/null 2>&1
	[ $? -eq 1 ] && ok || bad "$label: partition 2 holds ${first%%$'\t'*}"
	"$PROFILEFS" "$D" "$MNT" >/dev/null 2>"$T/err"
	[ $? -eq 1 ] && ok || bad "$label: mounted without --partition"
	grep -q 'partition 2:' "$T/err" && ok || bad "$label: mount: $(cat "$T/err")"
	"$PROFILEFS" "$D" "$MNT" --partition=1 --cache="$T/cache.db" 2>"$T/err" && ok ||
		bad "$label: mount --partition=1: $(cat "$T/err")"
	got=$(sha <"$MNT/${first%%$'\t'*}")
	[ "$got" = "${first#*$'\t'}" ] && ok || bad "$label: the mounted partition 1 reads $got"
	fusermount3 -u "$MNT" || bad "$label: unmount"
done

# warm IMAGE, then the profiles are cached (computed=0 the second time)
P warm "$IMG" >/dev/null 2>"$T/warm1"
P warm "$IMG" >/dev/null 2>"$T/warm2"
# (the unreadable ones are never stored: their note is made again, which
# reads nothing)
unreadable=$(awk -F'\t' '($1 == "reparse" || $1 == "wof-damaged") && $2 ~ /\.(dll|exe|sys)$/' "$MAN" | grep -c .)
grep -q " $unreadable computed, [1-9][0-9]* cached" "$T/warm2" && ok ||
	bad "warm IMAGE twice: $(tail -1 "$T/warm2") (want $unreadable computed: the unreadable)"

# the mount of the image
"$PROFILEFS" "$IMG" "$MNT" --cache="$T/cache.db" 2>"$T/err" || bad "mount: $(cat "$T/err")"
plain=${first%%$'\t'*}
want=${first#*$'\t'}
got=$(md_sha <"$MNT/$plain.md")
[ "$got" = "$want" ] && ok || bad "mount: $plain.md's SHA256 $got"
while IFS=$'\t' read -r path want; do
	got=$(sha <"$MNT/$path")
	[ "$got" = "$want" ] && ok || bad "mount: $path reads as $got"
done <<<"$picks"
ls -lR "$MNT" >"$T/ls" 2>"$T/ls.err"
[ $? -eq 0 ] && ok || bad "ls -lR: $(head -3 "$T/ls.err")"
grep -q "$(basename "$plain").md" "$T/ls" && ok || bad "ls -lR shows no profile of $plain"
ls -p "$MNT/.profiles/Windows/System32" >"$T/view" 2>&1 || bad "the profiles-only view: $(cat "$T/view")"
grep -v '^Windows/System32/.*/' "$T/want.list" | sed 's|.*/||; s|$|.md|' | LC_ALL=C sort >"$T/want.view"
grep -v '/$' "$T/view" | LC_ALL=C sort >"$T/got.view"
cmp -s "$T/want.view" "$T/got.view" && ok ||
	bad "the view of Windows/System32: $(diff "$T/want.view" "$T/got.view" | tr '\n' ' ')"
fusermount3 -u "$MNT" || bad "unmount"

# neither a folder nor a volume
"$PROFILEFS" /etc/hostname "$MNT" >/dev/null 2>"$T/err"
[ $? -eq 1 ] && ok || bad "/etc/hostname as SOURCE: not exit 1"
grep -qi 'nor an NTFS volume' "$T/err" && ok || bad "/etc/hostname as SOURCE: $(cat "$T/err")"

[ "$(sha <"$IMG")" = "$before" ] && ok || bad "the image was written"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
