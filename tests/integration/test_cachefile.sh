#!/bin/bash
# The cache file: --cache at something that is not a profilefs cache (a
# text file, another program's SQLite database, a cache of a newer schema)
# is refused by the mount, `profile` and `rules list` (as --cache or
# --rules) with exit status 2
# and one line, and left byte for byte as it was, with no -wal or -shm made
# and nothing moved aside; a damaged cache of ours is still moved aside.
# The cache, its -wal and -shm are 0600 and a folder it makes 0700, under
# umask 022.
. "$(dirname "$0")/lib.sh"
umask 022
head -c 5000 /dev/urandom >"$SRC/x.dll"

# a real cache, to copy from
mount_fs || finish
check "a real cache: a profile" grep -q '^## Hashes' "$MNT/x.dll.md"
umount_fs
check "a real cache: no -wal left after unmount" [ ! -e "$CACHE-wal" ]

F=$T/files
mkdir "$F"
echo "my notes, not a database" >"$F/text.db"
sqlite3 "$F/other.db" "CREATE TABLE t (x); INSERT INTO t VALUES (42)"
cp "$CACHE" "$F/newer.db"
sqlite3 "$F/newer.db" "PRAGMA user_version = 99"
check_eq "the newer cache: its application_id kept" \
	"$(sqlite3 "$F/newer.db" 'PRAGMA application_id')" \
	"$(sqlite3 "$CACHE" 'PRAGMA application_id')"
check_eq "the newer cache: schema 99" \
	"$(sqlite3 "$F/newer.db" 'PRAGMA user_version')" 99
rm -f "$F"/*-wal "$F"/*-shm

# refused CMD...: exit 2, one line naming the file, the file untouched
refused() {
	local what=$1 f=$2
	shift 2
	local sum err rc
	sum=$(sha256sum <"$f")
	timeout 20 "$@" >"$T/out" 2>"$T/err"
	rc=$?
	err=$(cat "$T/err")
	check_eq "$what: exit status 2" "$rc" 2
	check_eq "$what: one line" "$(wc -l <"$T/err")" 1
	check "$what: the line names the file" grep -qF "$f" "$T/err"
	check_eq "$what: the file byte for byte the same" "$(sha256sum <"$f")" "$sum"
	check "$what: no -wal made" [ ! -e "$f-wal" ]
	check "$what: no -shm made" [ ! -e "$f-shm" ]
	check "$what: nothing moved aside" \
		bash -c '! ls "$0".unusable-* >/dev/null 2>&1' "$f"
	[ -n "$err" ] && echo "  ($what: $err)"
}

for name in text other newer; do
	f=$F/$name.db
	# detached (no -f): the check comes before the daemon detaches
	refused "mount, $name" "$f" "$PROFILEFS" --cache="$f" "$SRC" "$MNT"
	check "mount, $name: not mounted" bash -c '! mountpoint -q "$0"' "$MNT"
	refused "profile, $name" "$f" \
		"$PROFILEFS" profile --cache="$f" --root="$SRC" "$SRC/x.dll"
	refused "rules list, $name" "$f" "$PROFILEFS" rules list --rules="$f"
	refused "mount --rules, $name" "$f" "$PROFILEFS" --rules="$f" "$SRC" "$MNT"
done
check_eq "the other program's table is still there" \
	"$(sqlite3 "$F/other.db" 'SELECT x FROM t')" 42

# a damaged cache of ours is still moved aside and a new one made
cp "$CACHE" "$F/damaged.db"
dd if=/dev/urandom of="$F/damaged.db" bs=4096 seek=1 count=8 conv=notrunc status=none
"$PROFILEFS" profile --cache="$F/damaged.db" --root="$SRC" "$SRC/x.dll" \
	>"$T/out" 2>"$T/err"
check_eq "damaged: profile exits 0" "$?" 0
check "damaged: a profile" grep -q '^## Hashes' "$T/out"
check "damaged: moved aside" bash -c 'ls "$0".unusable-* >/dev/null' "$F/damaged.db"
check "damaged: said so" grep -q 'moved aside' "$T/err"
check "damaged: the new one is sound" \
	bash -c '[ "$(sqlite3 "$0" "PRAGMA integrity_check")" = ok ]' "$F/damaged.db"

# an empty file is taken for a new cache
: >"$F/empty.db"
"$PROFILEFS" profile --cache="$F/empty.db" --root="$SRC" "$SRC/x.dll" >"$T/out" 2>"$T/err"
check_eq "empty file: profile exits 0" "$?" 0
check_eq "empty file: made a cache" \
	"$(sqlite3 "$F/empty.db" 'SELECT count(*) FROM files')" 1

# modes under umask 022: in an existing folder, and in a folder it makes
mkdir "$T/shared"
chmod 755 "$T/shared"
CACHE=$T/shared/c.db
mount_fs || finish
check "mounted: a profile" grep -q '^## Hashes' "$MNT/x.dll.md"
check_eq "existing folder: cache 0600" "$(stat -c %a "$CACHE")" 600
check_eq "existing folder: -wal 0600" "$(stat -c %a "$CACHE-wal")" 600
check_eq "existing folder: -shm 0600" "$(stat -c %a "$CACHE-shm")" 600
check_eq "existing folder: left 755" "$(stat -c %a "$T/shared")" 755
umount_fs
CACHE=$T/made/deeper/c.db
mount_fs || finish
check "mounted: a profile" grep -q '^## Hashes' "$MNT/x.dll.md"
check_eq "made folder: cache 0600" "$(stat -c %a "$CACHE")" 600
check_eq "made folder: -wal 0600" "$(stat -c %a "$CACHE-wal")" 600
check_eq "made folder: -shm 0600" "$(stat -c %a "$CACHE-shm")" 600
check_eq "made folder: 0700" "$(stat -c %a "$T/made/deeper")" 700
check_eq "made folder's parent: 0700" "$(stat -c %a "$T/made")" 700
umount_fs
"$PROFILEFS" rules list --rules="$T/rules/c.db" >/dev/null
check "rules list: makes no rules index" [ ! -e "$T/rules/c.db" ]
mkdir -p "$T/empty-repo"
"$PROFILEFS" rules add -q --rules="$T/rules/c.db" "$T/empty-repo"
check_eq "rules add: index 0600" "$(stat -c %a "$T/rules/c.db")" 600
check_eq "rules add: folder 0700" "$(stat -c %a "$T/rules")" 700
# one made 0644 by an older profilefs is narrowed
chmod 644 "$T/rules/c.db"
"$PROFILEFS" rules list --rules="$T/rules/c.db" >/dev/null
check_eq "an old 0644 cache: narrowed to 0600" "$(stat -c %a "$T/rules/c.db")" 600
finish
