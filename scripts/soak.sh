#!/bin/bash
# Soak: mounts a tree and runs cold/warm cycles for SECONDS (default 600):
# each cycle rewrites some files (new profiles to compute), reads every
# profile with several readers at once, lists the tree, and now and then
# kills the daemon with SIGKILL and mounts again. Reports the daemon's
# memory (RSS) and open descriptors per cycle, read errors, and checks the
# cache with integrity_check at the end. Not part of CI.
#
#   scripts/soak.sh [SECONDS] [SOURCE]     SOURCE default: libwine's PE files
set -u
cd "$(dirname "$0")/.."
secs=${1:-600}
src=${2:-$(dpkg -L libwine 2>/dev/null | grep '/x86_64-windows$' | head -n 1)}
[ -d "$src" ] || { echo "no source folder"; exit 1; }
ninja -C build >/dev/null || exit 1
t=$(mktemp -d /tmp/pfs-soak-XXXXXX)
mkdir -p "$t/src" "$t/mnt"
cp -r "$src"/. "$t/src/"
pid=
cleanup() {
	mountpoint -q "$t/mnt" && fusermount3 -uz "$t/mnt"
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	rm -rf "$t"
}
trap cleanup EXIT
start() {
	build/profilefs -f --cache="$t/cache.db" "$t/src" "$t/mnt" 2>>"$t/log" &
	pid=$!
	for i in $(seq 1 200); do mountpoint -q "$t/mnt" && return; sleep 0.05; done
	echo "mount failed"; exit 1
}
start
end=$(($(date +%s) + secs))
cycle=0
errors=0
files=("$t"/src/*)
while [ "$(date +%s)" -lt "$end" ]; do
	cycle=$((cycle + 1))
	for i in $(seq 1 10); do
		f=${files[$((RANDOM % ${#files[@]}))]}
		head -c $((RANDOM * 4 + 4096)) /dev/urandom >"$f"
	done
	s=$(date +%s%N)
	e=$(cd "$t/mnt" && ls | grep '\.md$' | xargs -P 8 -n 20 cat 2>&1 >/dev/null | wc -l)
	ls -lR "$t/mnt" >/dev/null
	errors=$((errors + e))
	ms=$((($(date +%s%N) - s) / 1000000))
	rss=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
	fds=$(ls /proc/$pid/fd | wc -l)
	stats=$(python3 -c 'import os,sys; print(os.getxattr(sys.argv[1], "user.profilefs.stats").decode().replace("\n", " "))' "$t/mnt")
	echo "cycle $cycle: ${ms} ms, rss ${rss} kB, fds $fds, read errors $e, $stats"
	if [ $((cycle % 5)) -eq 0 ]; then
		kill -9 "$pid"
		wait "$pid" 2>/dev/null
		fusermount3 -uz "$t/mnt"
		check=$(sqlite3 "$t/cache.db" 'PRAGMA integrity_check')
		echo "cycle $cycle: SIGKILL, integrity_check $check"
		[ "$check" = ok ] || errors=$((errors + 1))
		start
	fi
done
fusermount3 -u "$t/mnt"
wait "$pid"
rc=$?
pid=
check=$(sqlite3 "$t/cache.db" 'PRAGMA integrity_check')
echo "soak: $cycle cycles in ${secs}s, $errors errors, last exit $rc, integrity_check $check"
[ "$errors" -eq 0 ] && [ "$rc" -eq 0 ] && [ "$check" = ok ]
