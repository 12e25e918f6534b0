#!/bin/bash
# Hostile files: each gets a profile with a clear note, or a clear error,
# in bounded time, and the daemon keeps serving; nothing is cached for
# content that no longer exists.
. "$(dirname "$0")/lib.sh"
ms() { local s=$(date +%s%N); "$@"; echo $((($(date +%s%N) - s) / 1000000)) >"$T/ms"; }
truncate -s 4G "$SRC/sparse.dll"
head -c 1000 /dev/urandom >"$SRC/good.dll"
alive() { check "daemon still serves after $1" grep -q '^## Hashes' "$MNT/good.dll.md"; }

# a sparse 4 GB file: a time budget stops it, and says so, uncached
mount_fs --time-limit=2 || finish
ms cat "$MNT/sparse.dll.md" >"$T/sparse.md"
check "time limit: answered in time ($(cat "$T/ms") ms)" [ "$(cat "$T/ms")" -lt 4000 ]
check "time limit: the profile says so" \
	grep -qx '\* Note: Reading stopped after 2 s (the time limit): no hashes or PE facts were computed\.' "$T/sparse.md"
check "time limit: no hashes claimed" bash -c '! grep -q "^## Hashes" "$0"' "$T/sparse.md"
check_eq "time limit: not cached" "$(stat_of stored)" 0
# the mount remembers that version of the file: not read again
before=$(stat_of computed)
ms cat "$MNT/sparse.dll.md" >"$T/sparse2.md"
check "time limit: remembered, answered at once ($(cat "$T/ms") ms)" \
	[ "$(cat "$T/ms")" -lt $((1000 * TIME_SCALE)) ]
check_eq "time limit: not read again" "$(stat_of computed)" "$before"
check "time limit: the same profile" cmp -s "$T/sparse.md" "$T/sparse2.md"
alive "a time-limited file"
umount_fs
# ... and a size cap keeps it from being read at all
mount_fs --max-size=1G || finish
ms cat "$MNT/sparse.dll.md" >"$T/sparse.md"
check "size cap: at once ($(cat "$T/ms") ms)" [ "$(cat "$T/ms")" -lt 1000 ]
check "size cap: the profile says so" \
	grep -qx '\* Note: The file is 4294967296 bytes, more than the size cap of 1073741824: it was not read\.' "$T/sparse.md"
umount_fs
rm "$SRC/sparse.dll"

# a file cut short, or rewritten, while it is read: no SIGBUS, and any
# profile served describes bytes the file holds now (200 MB, a tenth
# under valgrind: still read for seconds, and within the time limit)
mount_fs || finish
for how in truncate rewrite; do
	f="$SRC/moving-$how.dll"
	head -c $(((200 << 20) / TIME_SCALE)) /dev/zero >"$f"
	cat "$MNT/moving-$how.dll.md" >"$T/moving.md" 2>"$T/moving.err" &
	reader=$!
	for i in $(seq 1 100); do [ "$(stat_of computing)" = 0 ] || break; sleep 0.01; done
	sleep 0.3
	if [ $how = truncate ]; then
		truncate -s 10 "$f"
	else
		head -c 5000 /dev/urandom >"$f.new" && mv "$f.new" "$f"
	fi
	wait $reader
	rc=$?
	if [ $rc -eq 0 ]; then
		want=$(sha256sum "$f" | cut -d' ' -f1 | tr a-f A-F)
		check_eq "$how: the profile is of the bytes there now" \
			"$(grep '^SHA256 ' "$T/moving.md")" "SHA256 | \`$want\`"
	else
		check "$how: else a clear error" grep -q 'Input/output error' "$T/moving.err"
	fi
	want=$(sha256sum "$f" | cut -d' ' -f1 | tr a-f A-F)
	check_eq "$how: afterwards, the new content" \
		"$(grep '^SHA256 ' "$MNT/moving-$how.dll.md")" "SHA256 | \`$want\`"
done
alive "files that moved under it"
umount_fs

# names: newline and bytes that are not UTF-8, 255 bytes, 64 folders deep
nl=$'bad\nname\xff.dll'
head -c 300 /dev/urandom >"$SRC/$nl"
long=$(printf 'a%.0s' $(seq 1 248)).dll    # 252 bytes: its .md is 255
longest=$(printf 'b%.0s' $(seq 1 251)).dll # 255 bytes: no room for .md
head -c 300 /dev/urandom >"$SRC/$long"
head -c 300 /dev/urandom >"$SRC/$longest"
deep=$SRC
for i in $(seq 1 64); do deep=$deep/d; done
mkdir -p "$deep"
head -c 300 /dev/urandom >"$deep/deep.sys"
mount_fs || finish
md=$(cat "$MNT/$nl.md")
check "newline name: a profile" grep -q '^## Hashes' <<<"$md"
check "newline name: escaped in the title" grep -qxF '# bad\x0Aname\xFF.dll' <<<"$md"
check "newline name: escaped in File Path" grep -qxF '* File Path: `C:\bad\x0Aname\xFF.dll`' <<<"$md"
check_eq "a 255-byte profile name works" "$(grep -c '^## Hashes' "$MNT/$long.md")" 1
check "a binary whose profile name would pass 255 bytes has none" \
	bash -c '[ -e "$0" ] && ! ls "$1" | grep -qF "$2.md"' "$MNT/$longest" "$MNT" "$longest"
d=${deep#"$SRC"}
check "64 folders deep: a profile" grep -q '^## Hashes' "$MNT$d/deep.sys.md"
check "64 folders deep: File Path" \
	grep -qF "$(printf '\\d%.0s' $(seq 1 64))\\deep.sys\`" "$MNT$d/deep.sys.md"
alive "odd names"
umount_fs
finish
