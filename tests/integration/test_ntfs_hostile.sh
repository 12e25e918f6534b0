#!/bin/bash
# The NTFS source against volumes a hostile disk could hold
# (tests/ntfs/build-hostile.sh): every image read through tree_dump
# (--long, and --sha256 with threads) and profilefs profile IMAGE:/PATH
# ends in time with an answer (exit 0, 1 or 2: never a crash, never a
# sanitizer's report), no time is one no NTFS time converts to, nothing
# outside a partition is read as the volume, a WOF file claiming more
# than its stream holds is unreadable rather than wrong, and no image's
# bytes change.
. "$(dirname "$0")/lib.sh"
: "${TREE_DUMP:?set TREE_DUMP to the tree_dump binary}"
NTFS_DIR=$(cd "$(dirname "$0")/../ntfs" && pwd)
H=$T/hostile
for t in mkntfs ntfs-3g setfattr iconv python3 sha256sum timeout; do
	command -v "$t" >/dev/null || {
		bad "$t is missing"
		finish
	}
done
if ! bash "$NTFS_DIR/build-hostile.sh" "$H" >"$T/build.log" 2>&1; then
	bad "build-hostile.sh failed: $(tail -5 "$T/build.log")"
	finish
fi
(cd "$H" && sha256sum ./*.img) >"$T/before.sha"
check_eq "the images made" "$(wc -l <"$T/before.sha")" 19
limit=$((30 * TIME_SCALE))

not_grep() { ! grep -q "$@"; }

# the partition an image needs
part_of() {
	case $1 in
	gpt-ok.img) echo --partition=1 ;;
	mbr-loop.img) echo --partition=5 ;;
	esac
}

# dump NAME ARGS...: tree_dump in time, its exit 0, 1 or 2, stderr clean
dump() {
	local name=$1 rc
	shift
	timeout "$limit" "$TREE_DUMP" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	check "$name: exits 0, 1 or 2 in ${limit}s (got $rc)" [ "$rc" -le 2 ]
	if grep -q 'runtime error\|Sanitizer' "$T/err"; then
		bad "$name: $(grep -m1 'runtime error\|Sanitizer' "$T/err")"
	else
		ok
	fi
	return "$rc"
}

# every time in a --long listing lies where an NTFS time (a signed 64-bit
# count of 100 ns from 1601) converts to: INT64_MIN / 10^7 seconds up to
# (INT64_MAX / 10^7) - 11644473600
times_in_range() {
	awk '
		$1 ~ /^[-dl?][0-7]+$/ { split($4, a, "."); print a[1] }
		$1 == "si:" || $1 == "fn:" {
			for (i = 2; i <= NF; i++) {
				split($i, kv, "="); split(kv[2], a, "."); print a[1]
			}
		}' "$1" |
		awk '$1 < -922337203686 || $1 > 910692730085 { bad = 1; print }
			END { exit bad }'
}

for img in "$H"/*.img; do
	name=${img##*/}
	p=$(part_of "$name")
	dump "$name --long" "$img" --long $p
	check "$name: every time one an NTFS time converts to" \
		times_in_range "$T/out"
	for sub in names links wide wofbig.dll wofsparse.dll; do
		dump "$name:$sub --sha256 --threads=3" "$img:$sub" --sha256 \
			--threads=3 $p
	done
done

# the volume whole: what each hostile entry is
dump "vol.img --long" "$H/vol.img" --long
# tree_dump's paths end at PATH_MAX: the folder past it is said too long,
# never stat'ed by a path cut short (another entry's, or none)
check "the deep folders are listed down to PATH_MAX" grep -q '/d014x' "$T/out"
check "the deeper ones are too long" grep -q 'File name too long' "$T/err"
check "no path cut short" not_grep 'No such file' "$T/err"
check_eq "the wide folder's entries" \
	"$(grep -c ' wide/f[0-9]*\.dll$' "$T/out")" 1000
check "a symbolic link to itself is a link" \
	grep -q '^l.* links/self -> self$' "$T/out"
check "a junction to itself is a link" \
	grep -q '^l.* links/jself -> C:/links/jself$' "$T/out"
check "a WOF file claiming 2^62 bytes is unreadable" \
	grep -q 'WofCompressedData too short for its chunk table' "$T/out"
check "a WOF file of a sparse stream is unreadable" \
	grep -q 'chunk 0: stored in 0 bytes' "$T/out"
dump "wofbig.dll --cat" --cat wofbig.dll "$H/vol.img"
check "wofbig.dll yields no bytes" [ ! -s "$T/out" ]
dump "wofsparse.dll --cat" --cat wofsparse.dll "$H/vol.img"
check "wofsparse.dll yields no bytes" [ ! -s "$T/out" ]

# partitions past the disk's end are no volume; the right one is
for name in mbr-past mbr-far gpt-past; do
	dump "$name" "$H/$name.img"
	check "$name.img: no partition read past the disk" [ $? -eq 2 ]
done
dump "gpt-ok --sha256" "$H/gpt-ok.img:names" --sha256 --partition=1
cp "$T/out" "$T/gpt.sha"
dump "vol --sha256" "$H/vol.img:names" --sha256
check_eq "the GPT's partition is the volume" "$(cat "$T/gpt.sha")" \
	"$(cat "$T/out")"

# profilefs profile IMAGE:/PATH on the hostile names, bounded
for path in /names/streams.dll /wofbig.dll /wofsparse.dll; do
	timeout "$limit" "$PROFILEFS" profile --no-cache --sniff-mz \
		--max-size=1M "$H/vol.img:$path" >"$T/prof" 2>"$T/err"
	rc=$?
	check "profile $path: exits 0 or 1 (got $rc)" [ "$rc" -le 1 ]
	check "profile $path: no ESC" \
		test "$(tr -dc '\033' <"$T/prof" | wc -c)" -eq 0
done

(cd "$H" && sha256sum --quiet -c "$T/before.sha") >"$T/after" 2>&1
check "no image's bytes changed: $(cat "$T/after")" [ ! -s "$T/after" ]
finish
