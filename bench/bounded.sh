#!/bin/bash
# Bounded work, against peers in the same run: stat latency on the mount
# while 70 sparse 1 TB binaries are being read through it, beside the same
# through bindfs (a FUSE peer that passes reads through) and on the bare
# disk; how long after the readers are killed the computations end; how
# long SIGTERM takes during a 1 TB profile; and the daemon's peak RSS with
# 16 and 64 parallel cold 63 MiB profiles against the memory budget.
#
#   bench/bounded.sh [BUILD_DIR]     default: build (a release build is
#                                    the one to quote)
set -u
cd "$(dirname "$0")/.."
b=${1:-build}
command -v bindfs >/dev/null || { echo "bindfs is not installed"; exit 1; }
t=$(mktemp -d /tmp/pfs-bbench-XXXXXX)
mkdir -p "$t/src" "$t/mnt" "$t/bind"
pid=
cleanup() {
	for m in "$t/mnt" "$t/bind"; do
		mountpoint -q "$m" && fusermount3 -u "$m" 2>/dev/null
	done
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	rm -rf "$t"
}
trap cleanup EXIT
stats() { getfattr -n user.profilefs.stats --only-values "$t/mnt" 2>/dev/null | tr '\n' ' '; }
stat_of() { stats | tr ' ' '\n' | sed -n "s/^$1=//p"; }
for i in $(seq 1 70); do truncate -s 1T "$t/src/huge$i.dll"; done
head -c 5000 /dev/urandom >"$t/src/small.dll"

mount_pfs() {
	"$b/profilefs" -f --no-cache "$@" "$t/src" "$t/mnt" 2>>"$t/log" &
	pid=$!
	for i in $(seq 1 100); do mountpoint -q "$t/mnt" && return; sleep 0.05; done
	echo "mount failed"; cat "$t/log"; exit 1
}
# stat latency of $1/small.dll while 70 readers read $1/huge*.dll$2
under_load() {
	local dir=$1 suffix=$2 readers= i
	for i in $(seq 1 70); do
		cat "$dir/huge$i.dll$suffix" >/dev/null 2>&1 &
		readers="$readers $!"
		disown $!
	done
	sleep 2
	python3 bench/stat_loop.py "$dir/small.dll" "$t/nostop" 5
	kill -9 $readers 2>/dev/null
	sleep 1
}
mount_pfs
bindfs -r "$t/src" "$t/bind"
echo "stat of a small file for 5 s while 70 sparse 1 TB files are read:"
echo "  profilefs (the readers read profiles): $(under_load "$t/mnt" .md)"
echo "  bindfs (the readers read the files):   $(under_load "$t/bind" '')"
echo "  bare disk, same load through bindfs:   $(under_load "$t/bind" '' >/dev/null; python3 bench/stat_loop.py "$t/src/small.dll" "$t/nostop" 2)"
# the computations end once their readers are killed (under_load killed
# them): time until `computing` is 0 after a fresh kill
readers=
for i in $(seq 1 70); do
	cat "$t/mnt/huge$i.dll.md" >/dev/null 2>&1 &
	readers="$readers $!"
	disown $!
done
sleep 2
s=$(date +%s%N)
kill -9 $readers 2>/dev/null
while [ "$(stat_of computing)" != 0 ]; do sleep 0.02; done
echo "70 readers killed: every computation ended after $((($(date +%s%N) - s) / 1000000)) ms"
fusermount3 -u "$t/bind"

cat "$t/mnt/huge1.dll.md" >/dev/null 2>&1 &
sleep 1
s=$(date +%s%N)
kill -TERM "$pid"
wait "$pid"
rc=$?
echo "SIGTERM during a 1 TB profile: exit $rc after $((($(date +%s%N) - s) / 1000000)) ms"
pid=
wait
rm -f "$t"/src/huge*.dll

head -c $((1 << 20)) /dev/urandom >"$t/head"
for n in 16 64; do
	rm -rf "$t/src/p"; mkdir "$t/src/p"
	for i in $(seq 1 "$n"); do cp "$t/head" "$t/src/p/f$i.dll"; truncate -s 63M "$t/src/p/f$i.dll"; done
	mount_pfs
	s=$(date +%s%N)
	for i in $(seq 1 "$n"); do cat "$t/mnt/p/f$i.dll.md" >/dev/null & done
	wait $(jobs -p | grep -vx "$pid")
	ms=$((($(date +%s%N) - s) / 1000000))
	hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status")
	echo "$n parallel cold 63 MiB profiles: ${ms} ms ($((n * 63 * 1000 / (ms > 0 ? ms : 1))) MB/s)," \
		"daemon peak RSS $((hwm >> 10)) MiB; budget 192 MiB, ratio $(awk -v a="$hwm" 'BEGIN {printf "%.2f", a / 1024 / 192}')"
	fusermount3 -u "$t/mnt"
	wait "$pid"
	pid=
done
