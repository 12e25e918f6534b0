# Shared by the integration tests: a temporary source tree and mountpoint,
# mount/unmount helpers that always clean up, checks that count, and the
# closing line "N passed, N failed". Skips (exit 77) without /dev/fuse on a
# developer's machine; with PROFILEFS_NO_SKIP=1 (scripts/test.sh, CI) or
# CI=true that is a failure.
set -u

: "${PROFILEFS:?set PROFILEFS to the profilefs binary}"
EXAMPLES=${EXAMPLES:-}
# time bounds are multiplied by this under a slow wrapper (valgrind)
TIME_SCALE=${TIME_SCALE:-1}

if [ ! -c /dev/fuse ] || ! command -v fusermount3 >/dev/null; then
	if [ "${PROFILEFS_NO_SKIP:-}" = 1 ] || [ "${CI:-}" = true ]; then
		echo "FAIL: no /dev/fuse or fusermount3 (a skip is not allowed here)"
		exit 1
	fi
	echo "SKIP: no /dev/fuse or fusermount3"
	exit 77
fi

T=$(mktemp -d /tmp/pfs-it-XXXXXX)
SRC=$T/src
MNT=$T/mnt
CACHE=$T/cache/cache.db
# the rules index every command and mount finds by default (rules.h):
# the test's own, never the user's
export XDG_DATA_HOME=$T/xdg
RULES_DB=$XDG_DATA_HOME/profilefs/rules.db
mkdir -p "$SRC" "$MNT"
PID=
pass=0
fail=0

cleanup() {
	if mountpoint -q "$MNT" 2>/dev/null; then
		fusermount3 -u "$MNT" 2>/dev/null || fusermount3 -uz "$MNT"
	fi
	[ -n "$PID" ] && kill "$PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

ok() { pass=$((pass + 1)); }
bad() {
	fail=$((fail + 1))
	echo "FAIL: $*" >&2
}
# check DESCRIPTION COMMAND...: passes when the command succeeds
check() {
	local desc=$1
	shift
	if "$@"; then ok; else bad "$desc"; fi
}
# check_eq DESCRIPTION GOT WANT
check_eq() {
	if [ "$2" = "$3" ]; then
		ok
	else
		bad "$1"
		printf '  got:  %s\n  want: %s\n' "$2" "$3" >&2
	fi
}

# mount_fs [OPTIONS...]: mounts $SRC at $MNT in the foreground, waits
# ($MOUNT_PREFIX and $DAEMON_WRAP, if set, are commands the daemon runs
# under: the test's own, and valgrind's in scripts/test.sh)
mount_fs() {
	${MOUNT_PREFIX:-} ${DAEMON_WRAP:-} "$PROFILEFS" -f --cache="$CACHE" "$@" "$SRC" "$MNT" \
		2>>"$T/daemon.log" &
	PID=$!
	local i
	for i in $(seq 1 600); do
		mountpoint -q "$MNT" && return 0
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.05
	done
	bad "mount failed: $(cat "$T/daemon.log")"
	return 1
}

# umount_fs: unmounts and checks the daemon ended cleanly
umount_fs() {
	fusermount3 -u "$MNT" || bad "unmount failed"
	if [ -n "$PID" ]; then
		wait "$PID" || bad "daemon exit status $? (log: $T/daemon.log)"
	fi
	PID=
}

# the mount's counter NAME (computed, cache_hits, bytes_read, errors)
stat_of() {
	python3 -c 'import os, sys
v = os.getxattr(sys.argv[1], "user.profilefs.stats").decode()
print(dict(l.split("=") for l in v.split())[sys.argv[2]])' "$MNT" "$1"
}

# signal_ends SIG WHAT: sends SIG to the daemon, which must end within
# 5 s with status 0, unmounted (one that does not is killed)
signal_ends() {
	local i gone=0
	kill -"$1" "$PID"
	for i in $(seq 1 50); do
		kill -0 "$PID" 2>/dev/null || { gone=1; break; }
		sleep 0.1
	done
	check "$2: the daemon ends within 5 s" [ "$gone" = 1 ]
	[ "$gone" = 1 ] || { kill -9 "$PID"; fusermount3 -uz "$MNT"; }
	wait "$PID"
	check_eq "$2: exit status 0" "$?" 0
	check "$2: unmounted" bash -c '! mountpoint -q "$0"' "$MNT"
	PID=
}

# milliseconds one stat of $1 takes
stat_ms() {
	local s e
	s=$(date +%s%N)
	stat "$1" >/dev/null
	e=$(date +%s%N)
	echo $(((e - s) / 1000000))
}

# the profile `profilefs profile` prints for a source file
cli_profile() {
	"$PROFILEFS" profile --no-cache --root="$SRC" "$SRC/$1"
}

# FileDescription of a PE file as python3-pefile reads it ("" if none)
pefile_description() {
	/usr/bin/python3 -c 'import sys, pefile
pe = pefile.PE(sys.argv[1])
for fi in getattr(pe, "FileInfo", []) or []:
    for i in fi:
        for st in getattr(i, "StringTable", []) or []:
            if b"FileDescription" in st.entries:
                print(st.entries[b"FileDescription"].decode()); sys.exit()
print("")' "$1" 2>/dev/null
}

# copies the example binaries into $SRC/$1 (or says why it cannot)
have_examples() {
	[ -n "$EXAMPLES" ] && [ -f "$EXAMPLES/hello.dll" ]
}

finish() {
	if [ "$fail" -gt 0 ] && [ -s "$T/daemon.log" ]; then
		echo "--- daemon log" >&2
		cat "$T/daemon.log" >&2
	fi
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
	exit $?
}

# make_tree: a source tree with binaries of every listed extension, in
# both cases, in nested folders, beside files that are not binaries
make_tree() {
	mkdir -p "$SRC/Windows/System32/en-US" "$SRC/Program Files/App" \
		"$SRC/deep/a/b/c"
	if have_examples; then
		cp "$EXAMPLES"/hello.dll "$EXAMPLES"/hello32.dll \
			"$EXAMPLES"/tool.exe "$SRC/Windows/System32/"
	fi
	head -c 70000 /dev/urandom >"$SRC/Windows/System32/RANDOM.DLL"
	printf 'MZ' >"$SRC/Windows/System32/tiny.sys"
	head -c 3000 /dev/urandom >"$SRC/Windows/System32/en-US/x.dll.mui"
	head -c 5000 /dev/urandom >"$SRC/Program Files/App/app.Exe"
	head -c 100 /dev/urandom >"$SRC/Program Files/App/b.ocx"
	for e in cpl drv efi scr acm ax tlb com; do
		head -c 200 /dev/urandom >"$SRC/deep/a/b/c/file.$e"
	done
	head -c 4096 /dev/urandom >"$SRC/deep/data.bin"
	{ printf 'MZ'; head -c 500 /dev/urandom; } >"$SRC/deep/noext"
	echo "plain text" >"$SRC/notes.txt"
	echo "a real markdown file" >"$SRC/real.dll.md"
	head -c 300 /dev/urandom >"$SRC/real.dll"
	ln -s Windows/System32/RANDOM.DLL "$SRC/inside.dll"
	ln -s /etc/hostname "$SRC/outside.dll"
}
