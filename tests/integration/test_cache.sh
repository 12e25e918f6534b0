#!/bin/bash
# The cache: a remount serves without computing (each file hashed once to
# check the cached row is of its bytes; with --trust-metadata not even
# that), a changed file gets a new
# profile (also when rewritten with its size and mtime kept), a hard link or
# a copy finds its content, and 32 readers of one uncached profile cause one
# computation.
. "$(dirname "$0")/lib.sh"
make_tree
mount_fs || finish
find "$MNT" -name '*.md' -exec cat {} + >"$T/first"
n=$(stat_of computed)
bytes=$(stat_of bytes_read)
check "profiles computed on the first pass" [ "$n" -ge 15 ]
check_eq "the first pass checked nothing (all its rows are its own)" \
	"$(stat_of verified)" 0
umount_fs
check "the cache is a sound SQLite file" \
	bash -c '[ "$(sqlite3 "$0" "PRAGMA integrity_check")" = ok ]' "$CACHE"

# remount: everything from the cache, byte for byte the same; a row the
# mount did not make itself is believed once the file's SHA-256 names its
# content, so each file is read once (hashed only, not profiled)
mount_fs || finish
find "$MNT" -name '*.md' -exec cat {} + >"$T/second"
check_eq "remount computed nothing" "$(stat_of computed)" 0
check_eq "remount checked each cached file once" "$(stat_of verified)" "$n"
check_eq "remount hashed the bytes the first pass read" \
	"$(stat_of bytes_verified)" "$bytes"
check_eq "remount served from the cache" "$(stat_of cache_hits)" "$n"
check "same bytes after remount" cmp -s "$T/first" "$T/second"

# the size stat gives each profile is the size read
stat_sizes() { find "$MNT" -name '*.md' ! -name real.dll.md -printf '%s %p\n' | sort; }
read_sizes() {
	find "$MNT" -name '*.md' ! -name real.dll.md -exec sh -c \
		'for f; do printf "%s %s\n" "$(wc -c <"$f")" "$f"; done' _ {} + |
		sort
}
m=$(find "$MNT" -name '*.md' ! -name real.dll.md | wc -l) # real.dll.md is a file
umount_fs

# A fresh mount: stat never reads a source file, and a row of another
# mount's is not believed before its file is hashed; ls -l shows the size
# the cache holds for each file (a hint the read checks) and renders
# nothing. So tar and rsync of a fresh mount over a warm cache copy every
# profile whole. After one read each, nothing renders again.
mount_fs || finish
ls -lR "$MNT" >/dev/null
check_eq "ls -lR of a fresh mount rendered nothing" "$(stat_of renders)" 0
check_eq "ls -lR of a fresh mount hashed nothing" "$(stat_of verified)" 0
check "a fresh mount's ls -l: no profile of size 0" \
	bash -c '! grep -q "^0 " <<<"$0"' "$(stat_sizes)"
hinted=$(stat_sizes)
mkdir "$T/tar" "$T/rsync"
tar -C "$MNT" -cf "$T/copy.tar" . 2>"$T/tar.err"
check_eq "tar of a fresh mount: exit 0" "$?" 0
tar -C "$T/tar" -xf "$T/copy.tar"
check_eq "tar: no warning" "$(cat "$T/tar.err")" ""
rsync -a "$MNT/" "$T/rsync/" 2>"$T/rsync.err"
check_eq "rsync -a of a fresh mount: exit 0 ($(cat "$T/rsync.err"))" "$?" 0
copied=0
while IFS= read -r -d '' p; do
	cat "$MNT/$p" >"$T/one"
	[ -s "$T/one" ] || bad "$p: empty"
	for d in tar rsync; do
		cmp -s "$T/one" "$T/$d/$p" && copied=$((copied + 1)) ||
			bad "$d copied $p other than cat reads it"
	done
done < <(cd "$MNT" && find . -name '*.md' ! -name real.dll.md -print0)
check_eq "tar and rsync: every profile as cat reads it" "$copied" $((2 * m))
check_eq "the sizes stat said before any read were the sizes read" \
	"$hinted" "$(read_sizes)"
find "$MNT" -name '*.md' -exec cat {} + >"$T/third"
check "same bytes in a fresh mount" cmp -s "$T/first" "$T/third"
check_eq "each profile rendered once" "$(stat_of renders)" "$m"
check_eq "each file checked once" "$(stat_of verified)" "$n"
check_eq "after a read, stat's sizes are the sizes read" "$(stat_sizes)" \
	"$(read_sizes)"
check "after a read, no size is 0" bash -c '! grep -q "^0 " <<<"$0"' \
	"$(stat_sizes)"
ls -lR "$MNT" >/dev/null
find "$MNT" -name '*.md' -exec cat {} + >/dev/null
check_eq "no render again for the same keys" "$(stat_of renders)" "$m"
check_eq "no check again for the same identities" "$(stat_of verified)" "$n"
check_eq "still computed nothing" "$(stat_of computed)" 0
umount_fs

# a hint the read proves wrong (the size in the cache made 10 bytes
# short): the read gives the whole profile, the kernel is told its size
# again, so tar says the file changed as it read it; the cache's size is
# the size read from then on
f=Windows/System32/RANDOM.DLL
rsize() { sqlite3 "$CACHE" "SELECT render_size FROM files WHERE ino = $(stat -c %i "$SRC/$f")"; }
good=$(rsize)
sqlite3 "$CACHE" "UPDATE files SET render_size = $good - 10 WHERE ino = $(stat -c %i "$SRC/$f")"
mount_fs || finish
check_eq "a wrong hint: stat says it" "$(stat -c %s "$MNT/$f.md")" $((good - 10))
tar -C "$MNT" -cf "$T/one.tar" "$f.md" 2>"$T/tar1.err"
check_eq "a wrong hint: tar exits 1" "$?" 1
check "a wrong hint: tar says the file changed" \
	grep -q "$f.md: file changed as we read it" "$T/tar1.err"
check_eq "a wrong hint: then stat says the size read" \
	"$(stat -c %s "$MNT/$f.md")" "$(wc -c <"$MNT/$f.md")"
umount_fs
check_eq "a wrong hint: the cache's size is the size read" "$(rsize)" "$good"

# --trust-metadata: the rows are believed by identity, so ls -lR of a fresh
# mount knows every size (stored with the cached profiles) without reading
# or rendering anything; each cat renders once
mount_fs --trust-metadata || finish
ls -lR "$MNT" >/dev/null
check_eq "trust-metadata: ls -lR rendered nothing" "$(stat_of renders)" 0
sizes=$(stat_sizes)
check "trust-metadata: no size is 0 before a read" \
	bash -c '! grep -q "^0 " <<<"$0"' "$sizes"
find "$MNT" -name '*.md' -exec cat {} + >"$T/fourth"
check "trust-metadata: same bytes" cmp -s "$T/first" "$T/fourth"
check_eq "trust-metadata: each profile rendered once" "$(stat_of renders)" "$m"
check_eq "trust-metadata: stat's sizes are the sizes read" "$sizes" \
	"$(read_sizes)"
check_eq "trust-metadata: nothing hashed" "$(stat_of verified)" 0
check_eq "trust-metadata: nothing computed" "$(stat_of computed)" 0
umount_fs
mount_fs || finish

# a changed source file (the source tree is writable) gets a new profile
f=Windows/System32/RANDOM.DLL
old=$(grep '^SHA256 ' "$MNT/$f.md")
printf 'appended' >>"$SRC/$f"
new=$(grep '^SHA256 ' "$MNT/$f.md")
want=$(sha256sum "$SRC/$f" | cut -d' ' -f1 | tr a-f A-F)
check "changed file: a new SHA256" [ "$old" != "$new" ]
check_eq "changed file: the right SHA256" "$new" "SHA256 | \`$want\`"
check_eq "changed file: computed once" "$(stat_of computed)" 1
# same size, same second, other bytes: mtime in ns tells them apart
g="Program Files/App/b.ocx"
cat "$MNT/$g.md" >/dev/null
head -c 100 /dev/urandom >"$SRC/$g"
want=$(sha256sum "$SRC/$g" | cut -d' ' -f1 | tr a-f A-F)
check_eq "rewritten file: the right SHA256" \
	"$(grep '^SHA256 ' "$MNT/$g.md")" "SHA256 | \`$want\`"

# a hard link is the same file: one identity for both names. Making the
# link moved the file's ctime on (the link count changed), so the file is
# read once more, for both names.
ln "$SRC/deep/a/b/c/file.scr" "$SRC/deep/hardlink.dll"
before=$(stat_of computed)
check "hard link profile" grep -q '^## Hashes' "$MNT/deep/hardlink.dll.md"
check "the other name's profile" grep -q '^## Hashes' \
	"$MNT/deep/a/b/c/file.scr.md"
check_eq "a hard link: computed once for both names" "$(stat_of computed)" \
	$((before + 1))
check "hard link: same hashes" cmp -s \
	<(grep ' | `' "$MNT/deep/hardlink.dll.md") \
	<(grep ' | `' "$MNT/deep/a/b/c/file.scr.md")
check "hard link: its own name and path" \
	grep -qxF '* File Path: `C:\deep\hardlink.dll`' "$MNT/deep/hardlink.dll.md"
umount_fs

# Other bytes of the same size, written in place with the mtime put back
# (touch -r, cp -p, timestomping): only ctime tells. New hashes at once,
# after a remount, and in the CLI on the same cache.
h="Program Files/App/app.Exe"
upper_sum() { "$1" "$2" | cut -d' ' -f1 | tr a-f A-F; }
# rewrite FROM: FROM's bytes into $h's inode, its mtime put back
rewrite() {
	local before
	before=$(stat -c '%i %s %y' "$SRC/$h")
	ctime=$(stat -c %z "$SRC/$h")
	touch -r "$SRC/$h" "$T/stamp"
	if [ "$2" = cp ]; then
		touch -r "$T/stamp" "$1"
		cp -p "$1" "$SRC/$h"
	else
		dd if="$1" of="$SRC/$h" conv=notrunc status=none
		touch -r "$T/stamp" "$SRC/$h"
	fi
	check_eq "$2 rewrite: same inode, size and mtime" \
		"$(stat -c '%i %s %y' "$SRC/$h")" "$before"
	check "$2 rewrite: ctime moved on" [ "$(stat -c %z "$SRC/$h")" != "$ctime" ]
	check "$2 rewrite: other bytes" bash -c '! cmp -s "$0" "$1"' "$T/old" \
		"$SRC/$h"
}
mount_fs || finish
cp "$SRC/$h" "$T/old"
check "cached before the rewrite" grep -q '^SHA256 ' "$MNT/$h.md"
cmp -s "$MNT/$h" "$SRC/$h" # the binary's pages in the kernel's cache
head -c "$(stat -c %s "$SRC/$h")" /dev/urandom >"$T/new"
rewrite "$T/new" "touch -r"
sha=$(upper_sum sha256sum "$SRC/$h")
md5=$(upper_sum md5sum "$SRC/$h")
# a fresh stat and a fresh open (the kernel keeps no profile attributes,
# attr_timeout 0; a handle holds its text, so each read opens anew)
stat "$MNT/$h.md" >/dev/null
cat "$MNT/$h.md" >"$T/rewritten"
check_eq "timestomped: the new SHA256 in the mount" \
	"$(grep '^SHA256 ' "$T/rewritten")" "SHA256 | \`$sha\`"
check_eq "timestomped: the new MD5 in the mount" \
	"$(grep '^MD5 ' "$T/rewritten")" "MD5 | \`$md5\`"
check "timestomped: the binary's new bytes through the mount" \
	cmp -s "$MNT/$h" "$SRC/$h"
check_eq "timestomped: stat's size is the size read" \
	"$(stat -c %s "$MNT/$h.md")" "$(wc -c <"$T/rewritten")"
umount_fs
mount_fs || finish
check_eq "timestomped, remounted: the new SHA256" \
	"$(grep '^SHA256 ' "$MNT/$h.md")" "SHA256 | \`$sha\`"
check_eq "timestomped, remounted: from the cache" "$(stat_of computed)" 0
check_eq "timestomped, remounted: checked by its SHA-256" \
	"$(stat_of verified)" 1
umount_fs
# again while unmounted (cp -p this time); the CLI reads the same cache
cp "$SRC/$h" "$T/old"
"$PROFILEFS" profile --cache="$CACHE" --root="$SRC" "$SRC/$h" >"$T/cli1"
check_eq "CLI before the rewrite: the cached SHA256" \
	"$(grep '^SHA256 ' "$T/cli1")" "SHA256 | \`$sha\`"
head -c "$(stat -c %s "$SRC/$h")" /dev/urandom >"$T/new2"
rewrite "$T/new2" cp
sha=$(upper_sum sha256sum "$SRC/$h")
"$PROFILEFS" profile --cache="$CACHE" --root="$SRC" "$SRC/$h" >"$T/cli2"
check_eq "timestomped: the new SHA256 in the CLI" \
	"$(grep '^SHA256 ' "$T/cli2")" "SHA256 | \`$sha\`"
mount_fs || finish
check_eq "timestomped: the CLI stored it for the mount" \
	"$(grep '^SHA256 ' "$MNT/$h.md")" "SHA256 | \`$sha\`"
check_eq "timestomped: the mount computed nothing" "$(stat_of computed)" 0
umount_fs

# 32 parallel readers of one uncached profile: one computation
head -c $((24 << 20)) /dev/urandom >"$SRC/big.dll"
mount_fs || finish
for i in $(seq 1 32); do
	cat "$MNT/big.dll.md" >"$T/par.$i" &
done
wait $(jobs -p | grep -v "^$PID\$")
check_eq "32 parallel cats computed once" "$(stat_of computed)" 1
"$PROFILEFS" profile --no-cache --root="$SRC" "$SRC/big.dll" >"$T/want"
same=0
for i in $(seq 1 32); do cmp -s "$T/par.$i" "$T/want" && same=$((same + 1)); done
check_eq "32 parallel cats all read the profile" "$same" 32
umount_fs

# --no-cache: nothing written, everything computed
rm -rf "$(dirname "$CACHE")"
"$PROFILEFS" -f --no-cache "$SRC" "$MNT" 2>>"$T/daemon.log" &
PID=$!
for i in $(seq 1 100); do mountpoint -q "$MNT" && break; sleep 0.05; done
cat "$MNT/notes.txt" "$MNT/deep/data.bin" >/dev/null
cat "$MNT/real.dll.md" "$MNT/Program Files/App/app.Exe.md" >/dev/null
cat "$MNT/Program Files/App/app.Exe.md" >/dev/null
check_eq "--no-cache computes every read" "$(stat_of computed)" 2
umount_fs
check "--no-cache wrote no cache" [ ! -e "$CACHE" ]
finish
