#!/bin/bash
# `profilefs warm` (issue 16): fills the cache from a source tree or
# through a mount. Resumable (a run killed with -9 leaves what it finished,
# and the next computes only the rest), interruptible (SIGINT: exit 130,
# every finished profile stored, as a mount on that cache shows by
# computing only the others), its summary counting what it did (computed,
# cached, skipped, stopped by the time limit: the bytes read, not the
# sizes), a progress line only on a terminal, exit
# status 1 when a file cannot be read (named, escaped), and the cached
# profiles are the ones `profilefs profile` computes.
. "$(dirname "$0")/lib.sh"

for tool in sqlite3 script setpriv strace; do
	command -v "$tool" >/dev/null || {
		echo "FAIL: $tool is needed"
		exit 1
	}
done

N=30
mkdir -p "$SRC/big/sub"
for i in $(seq -w 1 $N); do
	head -c 4000000 /dev/urandom >"$SRC/big/sub/f$i.dll"
done
echo "not a binary" >"$SRC/big/notes.txt"

# the identity rows of a cache (one per profile stored)
rows() { sqlite3 "$1" 'SELECT count(*) FROM files' 2>/dev/null || echo 0; }
# the counter NAME ("computed", "cached", "failed") of a warm summary
said() { sed -n "s/.* \([0-9]*\) $1.*/\1/p" "$2" | tail -1; }
# waits (at most 30 s) until the cache $1 holds $2 rows
wait_rows() {
	local i
	for i in $(seq 1 300); do
		[ "$(rows "$1")" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

# ---- resumable: kill -9 mid-way, then only the rest ----------------------
C1=$T/c1/cache.db
"$PROFILEFS" warm --jobs 1 --cache="$C1" "$SRC/big" 2>"$T/w1.err" &
W=$!
check "resume: some profiles stored before the kill" wait_rows "$C1" 3
kill -9 $W
wait $W 2>/dev/null
k=$(rows "$C1")
check "resume: killed mid-way ($k of $N stored)" [ "$k" -lt "$N" ]
"$PROFILEFS" warm --jobs 2 --cache="$C1" "$SRC/big" 2>"$T/w2.err"
check_eq "resume: exit status 0" "$?" 0
check_eq "resume: the rest computed" "$(said computed "$T/w2.err")" $((N - k))
check_eq "resume: the finished ones cached" "$(said cached "$T/w2.err")" "$k"
check_eq "resume: every profile stored" "$(rows "$C1")" "$N"
# strace, with LeakSanitizer off in a sanitized build: it cannot run
# under ptrace and aborts at exit (every other run here checks leaks)
traced() { ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace "$@"; }
# a run over a warm cache reads the cache, not the files: strace counts
# the bytes read (120 MB of binaries; the cache is far smaller)
traced -f -e trace=read,pread64 -o "$T/strace" \
	"$PROFILEFS" warm --jobs 2 --cache="$C1" "$SRC/big" 2>"$T/w3.err"
check_eq "resume: all cached on a third run" "$(said cached "$T/w3.err")" "$N"
got=$(awk -F'= ' '/read|pread64/ && $NF ~ /^[0-9]+$/ { s += $NF } END { print s + 0 }' "$T/strace")
check "resume: a warm run reads < 8 MB ($got bytes)" [ "$got" -lt 8000000 ]

# ---- SIGINT: 130, every finished profile stored --------------------------
C2=$T/c2/cache.db
"$PROFILEFS" warm --jobs 2 --cache="$C2" "$SRC/big" 2>"$T/i.err" &
W=$!
check "sigint: some profiles stored" wait_rows "$C2" 2
kill -INT $W
wait $W
check_eq "sigint: exit status 130" "$?" 130
check "sigint: the summary says interrupted" grep -q 'interrupted' "$T/i.err"
k=$(said computed "$T/i.err")
check_eq "sigint: every profile it finished is stored" "$(rows "$C2")" "$k"
check "sigint: stopped before the end ($k of $N)" [ "$k" -lt "$N" ]
# a mount on that cache computes only the others
CACHE=$C2
mount_fs
cat "$MNT"/big/sub/*.md >/dev/null
check_eq "sigint: the mount computes only the rest" \
	"$(stat_of computed)" $((N - k))
umount_fs
# SIGTERM: 143
C3=$T/c3/cache.db
"$PROFILEFS" warm --jobs 1 --cache="$C3" "$SRC/big" 2>"$T/t.err" &
W=$!
wait_rows "$C3" 1
kill -TERM $W
wait $W
check_eq "sigterm: exit status 143" "$?" 143

# ---- progress: on a terminal only ---------------------------------------
C4=$T/c4/cache.db
script -qec "timeout -s INT 3 '$PROFILEFS' warm --jobs 1 --cache='$C4' '$SRC/big'" \
	/dev/null >"$T/tty.out"
check "progress: a line on a terminal (files, MB, MB/s, ETA)" \
	grep -aqE "files, [0-9]+/[0-9]+ MB, [0-9.]+ MB/s, ETA" "$T/tty.out"
C5=$T/c5/cache.db
timeout -s INT 3 "$PROFILEFS" warm --jobs 1 --cache="$C5" "$SRC/big" \
	2>"$T/notty.err"
check "progress: none without a terminal" \
	bash -c '! grep -q "ETA\|$(printf "\r")" "$0"' "$T/notty.err"
check_eq "progress: the summary alone" "$(wc -l <"$T/notty.err")" 1

# ---- what it did: computed, skipped, stopped by the time limit ------------
# a FIFO and a device are skipped (nothing to read or cache), a 1 TB sparse
# file is stopped by --time-limit=1, and the MB read are the bytes read of
# it (as strace counts them on the one worker) beside the whole small
# file, not its size
O=$T/odd
mkdir -p "$O"
cp "$SRC/big/sub/f01.dll" "$O/small.dll"
mkfifo "$O/fifo.dll"
mknod "$O/null.dll" c 1 3
truncate -s 1T "$O/sparse.dll"
traced -f -y -e trace=read,pread64 -o "$T/odd.strace" \
	"$PROFILEFS" warm --jobs 1 --time-limit=1 --cache="$T/c8/cache.db" "$O" \
	2>"$T/odd.err"
check_eq "odd: exit status 0" "$?" 0
check_eq "odd: the small file computed" "$(said computed "$T/odd.err")" 1
check_eq "odd: nothing cached" "$(said cached "$T/odd.err")" 0
check_eq "odd: the FIFO and the device skipped" \
	"$(said skipped "$T/odd.err")" 2
check_eq "odd: the 1 TB file stopped by the time limit" \
	"$(said stopped "$T/odd.err")" 1
mb=$(sed -n 's/.*; \([0-9.]*\) MB read.*/\1/p' "$T/odd.err")
sparse=$(awk -F'= ' '/sparse\.dll>/ && $NF ~ /^[0-9]+$/ { s += $NF }
	END { print s + 0 }' "$T/odd.strace")
check "odd: $mb MB read: 4.0 of small.dll and $sparse bytes of sparse.dll" \
	awk -v mb="$mb" -v b="$sparse" \
	'BEGIN { d = mb - (4000000 + b) / 1e6; exit !(b > 0 && d < 0.1 && d > -0.1) }'

# ---- a file that cannot be read: exit 1, named, escaped -------------------
U=$T/u
mkdir -p "$U/src"
chmod 755 "$T"
head -c 3000 /dev/urandom >"$U/src/ok.dll"
head -c 3000 /dev/urandom >"$U/src/bad$(printf '\033')[31m.dll"
chmod 000 "$U/src/bad"*
chown -R nobody "$U"
setpriv --reuid=nobody --regid=nogroup --clear-groups \
	"$PROFILEFS" warm --cache="$U/cache.db" "$U/src" 2>"$T/u.err"
check_eq "unreadable: exit status 1" "$?" 1
check "unreadable: named, its ESC escaped" \
	grep -qF 'bad\x1B[31m.dll: Permission denied' "$T/u.err"
check "unreadable: no raw ESC on stderr" \
	bash -c '! grep -q "$(printf "\033")" "$0"' "$T/u.err"
check_eq "unreadable: counted" "$(said failed "$T/u.err")" 1
check_eq "unreadable: the other computed" "$(said computed "$T/u.err")" 1

# ---- the cached profiles are `profilefs profile`'s ---------------------------
rm -rf "$SRC/big"
if have_examples; then
	mkdir -p "$SRC/Windows/System32"
	cp "$EXAMPLES"/hello.dll "$EXAMPLES"/hello32.dll "$EXAMPLES"/tool.exe \
		"$SRC/Windows/System32/"
fi
head -c 70000 /dev/urandom >"$SRC/Windows/RANDOM.DLL"
CACHE=$T/c6/cache.db
"$PROFILEFS" warm --cache="$CACHE" "$SRC" 2>"$T/e.err"
check_eq "same: exit status 0" "$?" 0
n=$(find "$SRC" -type f | wc -l)
check_eq "same: every binary computed" "$(said computed "$T/e.err")" "$n"
mount_fs
for f in $(cd "$SRC" && find . -type f | sed 's|^\./||'); do
	check_eq "same: $f.md" "$(cat "$MNT/$f.md")" "$(cli_profile "$f")"
done
check_eq "same: the mount computed nothing" "$(stat_of computed)" 0

# ---- through a mount: the daemon computes ---------------------------------
umount_fs
CACHE=$T/c7/cache.db
mount_fs
"$PROFILEFS" warm --jobs 2 "$MNT" 2>"$T/m.err"
check_eq "mount: exit status 0" "$?" 0
check_eq "mount: the daemon computed every profile" "$(stat_of computed)" "$n"
check_eq "mount: the summary counts them" "$(said computed "$T/m.err")" "$n"
"$PROFILEFS" warm "$MNT/Windows" 2>"$T/m2.err"
check_eq "mount (a folder of it): all cached" \
	"$(said cached "$T/m2.err")" "$(find "$SRC/Windows" -type f | wc -l)"
check_eq "mount: nothing computed again" "$(stat_of computed)" "$n"
umount_fs

finish
