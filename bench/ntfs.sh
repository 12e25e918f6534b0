#!/bin/bash
# Windows partitions as Windows stores them: one table, every figure
# against a peer measured in this same run, on an NTFS image that holds
# libwine's x86_64-windows folder (~700 real PE files) twice: as plain
# files (plain/) and system-compressed (WOF: wof/FORMAT/, 200 of them, or
# PFS_NTFS_WOF_FILES, 0 for all: a quarter in each of XPRESS4K, XPRESS8K,
# XPRESS16K and LZX). Peers: ntfs-3g (read-only) with profilefs over its
# mount, and the plain copy of the same files through the NTFS source.
#
#   bench/ntfs.sh [BUILD_DIR]     (bench/run.sh calls it; root for mounts)
#
# The image is made once a run, in /tmp, with mkntfs on a sparse file and
# written through an ntfs-3g read-write mount (streams_interface=windows;
# the WOF files as tests/ntfs/build-image.sh makes them, with mkwof). It
# is read once first so that every reader finds it in the page cache: the
# figures compare CPU work, not the disk. Every figure is cold: a fresh
# daemon with a fresh cache. Rates are given twice, "WALL / CPU cpu": of
# the wall time and of the processor time (user + system) of the daemons
# that serve the reads (profilefs; profilefs and ntfs-3g for the peer),
# which a loaded machine distorts less; the ratios likewise.
set -u
cd "$(dirname "$0")/.." || exit 1
b=${1:-build}
b=$(cd "$b" && pwd)
mkwof=$b/tests/ntfs/mkwof
wine=$(dpkg -L libwine 2>/dev/null | grep '/x86_64-windows$' | head -n 1)
[ -n "$wine" ] || { echo "libwine is not installed (scripts/deps.sh)"; exit 1; }
for tool in mkntfs ntfs-3g setfattr fusermount3 sha256sum; do
	command -v $tool >/dev/null || { echo "$tool is not installed (scripts/deps.sh)"; exit 1; }
done
[ -x "$mkwof" ] || { echo "$mkwof is not built"; exit 1; }
cores=$(nproc)
t=$(mktemp -d /tmp/pfs-ntfs-bench-XXXXXX)
mkdir -p "$t/m3g" "$t/mnt" "$t/mnt2" "$t/wof"
pid='' n3g=''
cleanup() {
	local m
	for m in "$t/mnt" "$t/mnt2" "$t/m3g"; do
		mountpoint -q "$m" && { fusermount3 -u "$m" 2>/dev/null || umount "$m"; }
	done
	[ -n "$pid" ] && wait "$pid" 2>/dev/null
	[ -n "$n3g" ] && wait "$n3g" 2>/dev/null
	rm -rf "$t"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() { echo "$*" >&2; exit 1; }

ms() { local s=$(date +%s%N); "$@" >/dev/null 2>&1; echo $((($(date +%s%N) - s) / 1000000)); }
rate() { # MS [BYTES]: MB/s
	awk -v b="${2:-$bytes}" -v m="$1" 'BEGIN { printf "%.1f", (m > 0 ? b / 1048576 / (m / 1000) : 0) }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
rows=()
row() { rows+=("$1|$2|$3|$4|$5"); } # figure, profilefs, peer, ratio, target

# ---- the corpus: the files profilefs profiles (its default extensions) -----
mapfile -t names < <(cd "$wine" && find . -maxdepth 1 -type f |
	sed 's|^\./||' | grep -iE '\.(dll|exe|sys|ocx|cpl|drv|efi|scr|mui|acm|ax|tlb|com)$' |
	LC_ALL=C sort)
[ ${#names[@]} -gt 0 ] || fail "no PE files in $wine"
size() { stat -c %s "$1"; }
bytes=0
for n in "${names[@]}"; do bytes=$((bytes + $(size "$wine/$n"))); done
# the compressed copy: a fixed subset, files spread evenly over the
# sorted list (all of them, the image takes over 2 minutes to make on a
# loaded machine), the four formats in turn
nwof=${PFS_NTFS_WOF_FILES:-200}
[ "$nwof" -gt 0 ] && [ "$nwof" -le ${#names[@]} ] || nwof=${#names[@]}
formats=(XPRESS4K XPRESS8K XPRESS16K LZX)
declare -A fnames fbytes # FORMAT: its files (newline-separated), their bytes
for ((k = 0; k < nwof; k++)); do
	n=${names[$((k * ${#names[@]} / nwof))]}
	f=${formats[$((k % 4))]}
	fnames[$f]+="$n"$'\n'
	fbytes[$f]=$((${fbytes[$f]:-0} + $(size "$wine/$n")))
done
list() { printf '%s' "${fnames[$1]}"; } # FORMAT: its files, one a line

# ---- the image ---------------------------------------------------------------
s0=$(date +%s%N)
# the WOF streams first, on every core (outside the mount: ntfs-3g writes
# one at a time anyway)
for f in "${formats[@]}"; do
	mkdir -p "$t/wof/$f"
	list "$f" | xargs -d '\n' -P "$cores" -I{} \
		"$mkwof" -f "$f" "$wine/{}" "$t/wof/$f/{}.s" "$t/wof/$f/{}.r" >/dev/null ||
		fail "mkwof failed ($f)"
done
stored=$(cat "$t"/wof/*/*.s | wc -c)
img=$t/volume.img
truncate -s $(((bytes + stored) * 5 / 4 + (128 << 20))) "$img"
mkntfs -F -f -q -L PROFILEFS -c 4096 "$img" >/dev/null 2>&1 || fail "mkntfs failed"
ntfs-3g -o no_detach,streams_interface=windows "$img" "$t/m3g" >"$t/ntfs-3g.log" 2>&1 &
n3g=$!
wait_mount() { # DIR PID
	local i
	for i in $(seq 1 200); do
		mountpoint -q "$1" && return 0
		kill -0 "$2" 2>/dev/null || break
		sleep 0.05
	done
	fail "the mount of $1 failed: $(tail -n 3 "$t/log" "$t/ntfs-3g.log" 2>/dev/null)"
}
wait_mount "$t/m3g" $n3g
mkdir "$t/m3g/plain"
(cd "$wine" && cp -t "$t/m3g/plain" "${names[@]}") || fail "the copy failed"
hex() { od -An -tx1 -v | tr -d ' \n'; }
for f in "${formats[@]}"; do
	d=$t/m3g/wof/$f
	mkdir -p "$d"
	while IFS= read -r n; do
		# as Windows makes it: the stream, the unnamed data sparse of
		# the real size, the reparse point last
		: >"$d/$n"
		cat "$t/wof/$f/$n.s" >"$d/$n:WofCompressedData"
		truncate -s "$(size "$wine/$n")" "$d/$n"
		setfattr -n system.ntfs_reparse_data -v "0x$(hex <"$t/wof/$f/$n.r")" "$d/$n" ||
			fail "setfattr failed on $d/$n"
	done < <(list "$f")
done
umount "$t/m3g"
wait $n3g
n3g=
rm -rf "$t/wof"
build_ms=$((($(date +%s%N) - s0) / 1000000))
echo "corpus: ${#names[@]} files, $(mib "$bytes") MiB ($wine), plain; $nwof of them again WOF-compressed" \
	"($(for f in "${formats[@]}"; do printf '%s %d files %s MiB, ' "$f" "$(list "$f" | wc -l)" \
		"$(mib "${fbytes[$f]}")"; done)stored $(mib "$stored") MiB)"
echo "image: $(mib "$(du -B1 "$img" | cut -f1)") MiB used of $(mib "$(size "$img")"), built in" \
	"$(awk -v m="$build_ms" 'BEGIN { printf "%.1f", m / 1000 }') s; $cores cores"
cat "$img" >/dev/null

# ---- the mounts ----------------------------------------------------------------
mount_pfs() { # SOURCE MNT: a fresh daemon with a fresh cache ($pid)
	rm -f "$t/cache.db"*
	"$b/profilefs" -f --cache="$t/cache.db" "$1" "$2" 2>>"$t/log" &
	pid=$!
	wait_mount "$2" $pid
}
umount_pfs() { # MNT: $hwm, the daemon's peak RSS (kB)
	hwm=$(awk '/VmHWM/ { print $2 }' /proc/$pid/status)
	fusermount3 -u "$1"
	wait $pid
	pid=
}
mount_3g() { # ntfs-3g read-only on $t/m3g ($n3g)
	ntfs-3g -o ro,no_detach "$img" "$t/m3g" >>"$t/ntfs-3g.log" 2>&1 &
	n3g=$!
	wait_mount "$t/m3g" $n3g
}
umount_3g() { # $hwm3g, ntfs-3g's peak RSS (kB)
	hwm3g=$(awk '/VmHWM/ { print $2 }' /proc/$n3g/status)
	umount "$t/m3g"
	wait $n3g
	n3g=
}
# cputime PID...: their processor time (user + system, every thread), ms
cputime() {
	local p c=0
	for p; do c=$((c + $(awk '{ print $14 + $15 }' /proc/$p/stat))); done
	echo $((c * 1000 / $(getconf CLK_TCK)))
}
# measure "PID..." CMD...: $wall, CMD's time, and $cpu, the processor
# time the daemons PID... spent meanwhile (what a loaded machine does not
# distort), in ms
measure() {
	local pids=$1 c0 s0
	shift
	c0=$(cputime $pids)
	s0=$(date +%s%N)
	"$@" >/dev/null 2>&1
	wall=$((($(date +%s%N) - s0) / 1000000))
	cpu=$(($(cputime $pids) - c0))
}
# cell BYTES: "WALL / CPU cpu", MB/s of the last measure's wall and
# processor times
cell() { echo "$(rate "$wall" "$1") / $(rate "$cpu" "$1") cpu"; }
# ratios WALL CPU PEER_WALL PEER_CPU: the ratios of the rates (same bytes)
ratios() { echo "$(ratio "$3" "$1") / $(ratio "$4" "$2") cpu"; }
# profiles DIR [FORMAT]: every profile below DIR (of FORMAT's files only),
# read on every core
profiles() {
	if [ $# -gt 1 ]; then
		list "$2" | sed "s|^|$1/|; s|\$|.md|"
	else
		find "$1" -name '*.md'
	fi | xargs -d '\n' -n 16 -P "$cores" cat
}
raw() { list "$2" | sed "s|^|$1/|" | xargs -d '\n' -n 16 -P "$cores" cat; } # DIR FORMAT
# sums DIR FORMAT: the SHA256 rows of FORMAT's profiles below DIR, sorted
sums() {
	list "$2" | sed "s|^|$1/|; s|\$|.md|" | xargs -d '\n' cat |
		sed -n 's/^SHA256 | `\([0-9A-F]*\)`$/\1/p' | LC_ALL=C sort
}
want() { # FORMAT: the SHA256 of FORMAT's files, sorted, as profiles show them
	(cd "$wine" && list "$1" | xargs -d '\n' sha256sum) | cut -c1-64 | tr a-f A-F | LC_ALL=C sort
}

# 1. and 4. the plain files: the NTFS source against ntfs-3g + profilefs
mount_pfs "$img" "$t/mnt"
measure "$pid" profiles "$t/mnt/plain"
ow=$wall oc=$cpu o=$(cell "$bytes")
[ "$(find "$t/mnt/plain" -name '*.md' | wc -l)" = ${#names[@]} ] ||
	fail "the NTFS source shows $(find "$t/mnt/plain" -name '*.md' | wc -l) profiles, not ${#names[@]}"
umount_pfs "$t/mnt"
hwm_ours=$hwm
mount_3g
mount_pfs "$t/m3g" "$t/mnt2"
measure "$pid $n3g" profiles "$t/mnt2/plain"
p=$(cell "$bytes")
umount_pfs "$t/mnt2"
umount_3g
hwm_peer=$hwm hwm_3g=$hwm3g
row "cold profiles, plain files, find + xargs -P$cores cat (MB/s)" "$o" "ntfs-3g + profilefs $p" \
	"$(ratios "$ow" "$oc" "$wall" "$cpu")" ">= 1"

# 2. WOF: profiles and raw reads of each format's files against the same
#    files stored plain, all through the NTFS source
for f in "${formats[@]}"; do
	fb=${fbytes[$f]}
	mount_pfs "$img" "$t/mnt"
	measure "$pid" profiles "$t/mnt/plain" "$f"
	pw0=$wall pc0=$cpu pp=$(cell "$fb")
	umount_pfs "$t/mnt"
	mount_pfs "$img" "$t/mnt"
	measure "$pid" profiles "$t/mnt/wof/$f" "$f"
	pw=$(cell "$fb")
	[ "$(sums "$t/mnt/wof/$f" "$f")" = "$(want "$f")" ] ||
		fail "the profiles of the $f files do not show their files' SHA256"
	umount_pfs "$t/mnt"
	row "cold profiles, WOF $f (MB/s of real bytes)" "$pw" "the same files plain $pp" \
		"$(ratios "$wall" "$cpu" "$pw0" "$pc0")" ">= 0.70"
done
for f in "${formats[@]}"; do
	fb=${fbytes[$f]}
	mount_pfs "$img" "$t/mnt"
	measure "$pid" raw "$t/mnt/plain" "$f"
	pw0=$wall pc0=$cpu rp=$(cell "$fb")
	umount_pfs "$t/mnt"
	mount_pfs "$img" "$t/mnt"
	measure "$pid" raw "$t/mnt/wof/$f" "$f"
	rw=$(cell "$fb")
	bad=0
	while IFS= read -r n; do
		cmp -s "$t/mnt/wof/$f/$n" "$wine/$n" || bad=$((bad + 1))
	done < <(list "$f")
	[ $bad = 0 ] || fail "$bad $f files read through the NTFS source differ from their originals"
	umount_pfs "$t/mnt"
	row "raw read, WOF $f, xargs -P$cores cat (MB/s of real bytes)" "$rw" "the same files plain $rp" \
		"$(ratios "$wall" "$cpu" "$pw0" "$pc0")" "-"
done

# 3. ls -lR of a fresh mount, then again
mount_pfs "$img" "$t/mnt"
l1=$(ms ls -lR "$t/mnt")
l2=$(ms ls -lR "$t/mnt")
umount_pfs "$t/mnt"
mount_3g
p1=$(ms ls -lR "$t/m3g")
p2=$(ms ls -lR "$t/m3g")
umount_3g
row "ls -lR, fresh mount (ms)" "$l1" "ntfs-3g $p1" "$(ratio "$l1" "$p1")" "<= 1"
row "ls -lR, second run (ms)" "$l2" "ntfs-3g $p2" "$(ratio "$l2" "$p2")" "<= 1"

row "daemon peak RSS, cold profiles of the plain files (MiB)" "$((hwm_ours / 1024))" \
	"profilefs $((hwm_peer / 1024)) + ntfs-3g $((hwm_3g / 1024))" \
	"$(ratio "$hwm_ours" "$((hwm_peer + hwm_3g))")" "< 64"

printf '%s\n' "figure|profilefs|peer|ratio|target" "${rows[@]}" | column -t -s '|'
