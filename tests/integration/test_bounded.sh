#!/bin/bash
# Bounded work under a hostile source: computations end when their readers
# have gone, stat answers while any number of huge files are being read, a
# signal ends the daemon cleanly whatever it computes, and all computations
# together stay within the memory budget.
. "$(dirname "$0")/lib.sh"

# waits up to $2 seconds for the counter $1 to read $3
wait_stat() {
	local i
	for i in $(seq 1 $(($2 * 10))); do
		[ "$(stat_of "$1")" = "$3" ] && return 0
		sleep 0.1
	done
	return 1
}

# 70 sparse 1 TB binaries (no disk space), and a small one
for i in $(seq 1 70); do truncate -s 1T "$SRC/huge$i.dll"; done
head -c 5000 /dev/urandom >"$SRC/small.dll"
mount_fs || finish
readers=
for i in $(seq 1 70); do
	cat "$MNT/huge$i.dll.md" >/dev/null 2>&1 &
	readers="$readers $!"
done
sleep 3
worst=0
for f in small.dll small.dll.md huge1.dll.md; do
	ms=$(stat_ms "$MNT/$f")
	[ "$ms" -gt "$worst" ] && worst=$ms
done
echo "stat with 70 huge profiles being read: worst ${worst} ms"
check "stat answers within 2 s while 70 huge profiles are read" \
	[ "$worst" -lt 2000 ]
check "ls answers meanwhile" bash -c 'ls "$0" | grep -qx small.dll.md' "$MNT"
want=$(sha256sum "$SRC/small.dll" | cut -d' ' -f1 | tr a-f A-F)
check_eq "a small profile is made meanwhile" \
	"$(grep '^SHA256 ' "$MNT/small.dll.md")" "SHA256 | \`$want\`"
check "the large files are read a few at a time" \
	[ "$(stat_of computing)" -ge 70 ]
kill -9 $readers 2>/dev/null
sleep 5
left=$(ps -o pid= -p "$(echo $readers | tr ' ' ,)" | wc -l)
check_eq "no killed reader is left (in D state) after 5 s" "$left" 0
check "every computation stopped once its reader was killed" \
	wait_stat computing 5 0
check_eq "70 computations cancelled" "$(stat_of cancelled)" 70
check_eq "nothing taken of the budget" "$(stat_of budget_used)" 0
check_eq "nothing hashed to its end, nothing stored" \
	"$(stat_of computed) $(stat_of stored)" "1 1"
ms=$(stat_ms "$MNT/huge2.dll.md")
check "stat after the kill answers within 2 s" [ "$ms" -lt 2000 ]
umount_fs

# SIGTERM, SIGINT and SIGHUP while a 1 TB profile is computed (and another
# reader waits for the same one): exit 0, unmounted, within 5 s
# (a shell starts background jobs with SIGINT ignored, nohup starts the
# run with SIGHUP ignored, and the daemon keeps an ignored signal ignored:
# the wrapper gives it both defaults back)
cat >"$T/dfl.py" <<'PY'
import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
signal.signal(signal.SIGHUP, signal.SIG_DFL)
os.execvp(sys.argv[1], sys.argv[1:])
PY
for sig in TERM INT HUP; do
	MOUNT_PREFIX="python3 $T/dfl.py" mount_fs || finish
	cat "$MNT/huge1.dll.md" >/dev/null 2>&1 &
	cat "$MNT/huge1.dll.md" >/dev/null 2>&1 &
	sleep 1
	signal_ends "$sig" "SIG$sig during a 1 TB profile"
	wait
done
rm -f "$SRC"/huge*.dll

# N parallel cold profiles of 63 MiB files (one content, N inodes: each is
# read): each profile right, all computations together within the budget,
# peak RSS under 256 MiB (the default budget, 192 MiB, plus the daemon's
# own: caches, trust, threads). 64 readers take 24 MiB files: still eight
# computations at once and 56 waiting, at 1.5 GB hashed instead of 4; so
# do the 16 within a 100 MiB budget (four at once).
# A sanitized build (several times slower, and its RSS is not the
# daemon's) reads 8 MiB files within a 32 MiB budget: the same queue, an
# eighth of the bytes.
head -c $((1 << 20)) /dev/urandom >"$T/head"
if [ "$SANITIZED" = 1 ]; then
	size=8M
else
	size=63M
fi
parallel_run() { # N [mount options]
	local n=$1 i right=0 peak=0 queued=0 v
	shift
	rm -rf "$SRC"/p
	mkdir "$SRC/p"
	for i in $(seq 1 "$n"); do
		cp "$T/head" "$SRC/p/f$i.dll"
		truncate -s "${SIZE:-$size}" "$SRC/p/f$i.dll"
	done
	want=$(sha256sum "$SRC/p/f1.dll" | cut -d' ' -f1 | tr a-f A-F)
	mount_fs "$@" || finish
	for i in $(seq 1 "$n"); do
		grep '^SHA256 ' "$MNT/p/f$i.dll.md" >"$T/out.$i" 2>&1 &
	done
	while [ "$(jobs -p | grep -vcx "$PID")" -gt 0 ]; do
		v=$(stat_of budget_used)
		[ "$v" -gt "$peak" ] && peak=$v
		v=$(stat_of queued)
		[ "$v" -gt "$queued" ] && queued=$v
		sleep 0.2
		jobs >/dev/null
	done
	for i in $(seq 1 "$n"); do
		[ "$(cat "$T/out.$i")" = "SHA256 | \`$want\`" ] &&
			right=$((right + 1))
	done
	check_eq "$n parallel ${SIZE:-$size} profiles: all right" "$right" "$n"
	check_eq "$n parallel: each computed once" "$(stat_of computed)" "$n"
	hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$PID/status")
	echo "$n parallel $*: peak budget used $((peak >> 20)) MiB," \
		"most queued $queued, daemon peak RSS $((hwm >> 10)) MiB"
	budget=${BUDGET:-$((192 << 20))}
	check "$n parallel: the budget used stays within $((budget >> 20)) MiB" \
		[ "$peak" -le "$budget" ]
	check "$n parallel: computations waited their turn" [ "$queued" -gt 0 ]
	if [ "$SANITIZED" = 1 ]; then
		echo "(sanitized build: the RSS bound is checked by the plain build)"
	else
		check "$n parallel: peak RSS under 256 MiB" \
			[ "$hwm" -lt $((256 << 10)) ]
	fi
	umount_fs
}
if [ "$SANITIZED" = 1 ]; then
	BUDGET=$((32 << 20)) parallel_run 16 --no-cache --memory=32M
	BUDGET=$((32 << 20)) parallel_run 64 --no-cache --memory=32M
else
	parallel_run 16 --no-cache
	SIZE=24M parallel_run 64 --no-cache
	BUDGET=$((100 << 20)) SIZE=24M parallel_run 16 --no-cache --memory=100M
fi
finish
