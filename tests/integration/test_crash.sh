#!/bin/bash
# Crash safety: kill -9 of the daemon at random points of a cold run of
# 600 files (CRASH_FILES), 20 times (SOAK_KILLS): the cache passes
# integrity_check each time, keeps every profile committed before the kill,
# and the next mount goes on from there. Then: a damaged cache at start-up
# is moved aside and rebuilt; a full cache still serves every profile; a
# read-only cache location is refused on the terminal (exit 2) unless
# --no-cache;
# SIGTERM and SIGINT unmount cleanly; the daemon also runs detached.
. "$(dirname "$0")/lib.sh"
N=${CRASH_FILES:-600}
for i in $(seq 1 $N); do
	head -c $((2000 + i * 150)) /dev/urandom >"$SRC/f$i.dll"
done
# the identities (dev ino size mtime_ns) the cache holds profiles for, and
# those of the source files now: a profile is committed with its identity
# in one transaction, so a held identity is a profile the cache must serve
# (the files are all on one volume: its id, the dev column, is left out)
held() { sqlite3 "$CACHE" "SELECT ino||' '||size||' '||mtime_ns FROM files" | sort; }
idents() {
	for i in $(seq 1 $N); do
		stat -c '%i %s %.9Y' "$SRC/f$i.dll"
	done | sed 's/\.//' | sort
}
kills=${SOAK_KILLS:-20}
: >"$T/held.prev"
intact=0
for k in $(seq 1 "$kills"); do
	# new content every round, so that each kill lands in a cold run
	for i in $(seq 1 20); do
		f=$SRC/f$((RANDOM % N + 1)).dll
		head -c $((RANDOM + 3000)) /dev/urandom >"$f"
	done
	mount_fs || finish
	(cd "$MNT" && cat f*.dll.md >/dev/null 2>&1) &
	reader=$!
	# every second round waits for this round's first commit, so that
	# some kills land mid-run however slow the daemon (under valgrind, its
	# start alone can outlast the random delay); the delay scales with it
	if [ $((k % 2)) -eq 0 ]; then
		before=$(wc -l <"$T/held.prev")
		for w in $(seq 1 $((200 * TIME_SCALE))); do
			[ "$(held | wc -l)" -gt "$before" ] && break
			sleep 0.05
		done
	fi
	sleep "$(awk -v r=$RANDOM -v s="$TIME_SCALE" 'BEGIN { printf "%.3f", r % 400 / 1000 * s }')"
	kill -9 "$PID"
	wait "$PID" 2>/dev/null
	PID=
	wait "$reader" 2>/dev/null
	fusermount3 -uz "$MNT" 2>/dev/null
	ok_=$(sqlite3 "$CACHE" 'PRAGMA integrity_check' 2>&1)
	[ "$ok_" = ok ] && intact=$((intact + 1))
	[ "$ok_" = ok ] || bad "kill $k: integrity_check says: $ok_"
	held >"$T/held.now"
	lost=$(comm -23 "$T/held.prev" "$T/held.now" | wc -l)
	[ "$lost" -eq 0 ] || bad "kill $k: $lost committed profiles gone after the kill"
	mv "$T/held.now" "$T/held.prev"
	echo "kill $k: $(wc -l <"$T/held.prev") profiles committed, integrity_check $ok_"
done
check_eq "kill -9 x$kills: integrity_check passed after every kill" "$intact" "$kills"
# the next mount resumes: each source file whose profile was committed
# before the kills is a cache hit, every other one is computed and stored
# (five files get new content, so that some must be computed)
for i in 1 2 3 4 5; do
	head -c $((RANDOM + 3000)) /dev/urandom >"$SRC/f$i.dll"
done
idents >"$T/idents"
hits=$(comm -12 "$T/held.prev" "$T/idents" | wc -l)
echo "after the kills: $hits of $N profiles committed for the files as they are"
check "profiles were committed before the kills" [ "$hits" -gt 0 ]
check "the rewritten files are not among them" [ "$hits" -le $((N - 5)) ]
mount_fs || finish
(cd "$MNT" && cat f*.dll.md) >"$T/all.md"
check_eq "resumed: committed profiles are cache hits" "$(stat_of cache_hits)" "$hits"
check_eq "resumed: only the others are computed" "$(stat_of computed)" "$((N - hits))"
check_eq "resumed: each computed profile stored" "$(stat_of stored)" "$((N - hits))"
check_eq "resumed: none failed to store" "$(stat_of not_stored)" 0
"$PROFILEFS" profile --no-cache --root="$SRC" $(for i in $(seq 1 $N); do echo "$SRC/f$i.dll"; done | sort) >"$T/want.md"
check "every profile correct after the kills" \
	cmp -s <(cd "$MNT" && cat $(cd "$SRC" && ls f*.dll | sort | sed 's/$/.md/')) "$T/want.md"
umount_fs

# a damaged cache at start-up: moved aside, with a message, and rebuilt
dd if=/dev/urandom of="$CACHE" bs=4096 seek=2 count=4 conv=notrunc status=none
rm -f "$CACHE-wal" "$CACHE-shm"
mount_fs || finish
check "damaged cache: every profile served" \
	bash -c 'cat "$0"/f1.dll.md "$0"/f2.dll.md | grep -c "^## Hashes" | grep -qx 2' "$MNT"
check "damaged cache: moved aside" bash -c 'ls "$0".unusable-* >/dev/null' "$CACHE"
check "damaged cache: said so" grep -q 'moved aside' "$T/daemon.log"
umount_fs
check "damaged cache: the new one is sound" \
	bash -c '[ "$(sqlite3 "$0" "PRAGMA integrity_check")" = ok ]' "$CACHE"

# a cache damaged while mounted: SQLITE_CORRUPT is logged, every profile
# is still served (computed again where the cache cannot answer)
mount_fs || finish
cat "$MNT"/f1*.dll.md >/dev/null
sqlite3 "$CACHE" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
dd if=/dev/urandom of="$CACHE" bs=4096 seek=1 count=40 conv=notrunc status=none
n=$(cd "$MNT" && cat f*.dll.md 2>"$T/corrupt.err" | grep -c '^## Hashes')
check_eq "damaged while mounted: all $N profiles served" "$n" "$N"
check "damaged while mounted: no read failed" bash -c '! [ -s "$0" ]' "$T/corrupt.err"
check "damaged while mounted: logged" grep -qi 'malformed\|corrupt\|not a database' "$T/daemon.log"
umount_fs
rm -f "$CACHE" "$CACHE-wal" "$CACHE-shm"

# a cache on a full file system: every profile served, logged
d=$T/full
mkdir -p "$d"
mount -t tmpfs -o size=160k tmpfs "$d"
"$PROFILEFS" -f --cache="$d/c.db" "$SRC" "$MNT" 2>"$T/full.log" &
PID=$!
for i in $(seq 1 100); do mountpoint -q "$MNT" && break; sleep 0.05; done
n=$(cd "$MNT" && cat f*.dll.md 2>"$T/full.err" | grep -c '^## Hashes')
check_eq "full cache: all $N profiles served" "$n" "$N"
check "full cache: no read failed" bash -c '! [ -s "$0" ]' "$T/full.err"
check "full cache: logged" grep -q 'not stored' "$T/full.log"
umount_fs
umount "$d"

# a cache that cannot be written at all (tmpfs mounted ro): refused on
# the terminal in one line, before the daemon detaches, nothing mounted;
# --no-cache says it means to run without one
d=$T/readonly
mkdir -p "$d"
mount -t tmpfs -o ro tmpfs "$d"
for fg in "" -f; do
	"$PROFILEFS" $fg --cache="$d/c.db" "$SRC" "$MNT" 2>"$T/ro.err"
	check_eq "read-only cache ${fg:-detached}: exit status 2" "$?" 2
	check_eq "read-only cache ${fg:-detached}: one line" \
		"$(grep -vc '^profilefs: error: cache' "$T/ro.err")" 1
	check "read-only cache ${fg:-detached}: names the cache and --no-cache" \
		grep -q "cache $d/c.db .*--no-cache" "$T/ro.err"
	check "read-only cache ${fg:-detached}: not mounted" \
		bash -c '! mountpoint -q "$0"' "$MNT"
done
check_eq "read-only cache detached: nothing but the line" \
	"$("$PROFILEFS" --cache="$d/c.db" "$SRC" "$MNT" 2>&1 | wc -l)" 1
umount "$d"
"$PROFILEFS" --no-cache "$SRC" "$MNT"
check_eq "--no-cache: mounted, exit status 0" "$?" 0
check "--no-cache: serves" grep -q '^## Hashes' "$MNT/f7.dll.md"
fusermount3 -u "$MNT"

# SIGTERM and SIGINT: a clean unmount and exit 0 (a shell script starts
# background jobs with SIGINT ignored; a terminal's daemon has it)
for sig in TERM INT; do
	MOUNT_PREFIX="env --default-signal=INT" mount_fs || finish
	kill -$sig "$PID"
	for i in $(seq 1 100); do kill -0 "$PID" 2>/dev/null || break; sleep 0.05; done
	check "SIG$sig: the daemon ends" bash -c '! kill -0 "$0" 2>/dev/null' "$PID"
	kill -9 "$PID" 2>/dev/null
	wait "$PID"
	check_eq "SIG$sig: exit status" "$?" 0
	PID=
	check "SIG$sig: unmounted" bash -c '! mountpoint -q "$0"' "$MNT"
done
# detached (no -f): the command returns once mounted; the cache works
"$PROFILEFS" --cache="$CACHE" "$SRC" "$MNT"
check_eq "detached: returns 0" "$?" 0
check "detached: mounted" mountpoint -q "$MNT"
check "detached: serves" grep -q '^## Hashes' "$MNT/f7.dll.md"
fusermount3 -u "$MNT"
for i in $(seq 1 100); do pgrep -f "profilefs --cache=$CACHE" >/dev/null || break; sleep 0.05; done
check "detached: the daemon ends on unmount" bash -c '! pgrep -f "profilefs --cache=$0" >/dev/null' "$CACHE"
finish
