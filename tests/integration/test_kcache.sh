#!/bin/bash
# --kernel-cache (issue 16): the kernel keeps names and attributes for SECS
# seconds and serves a profile from its page cache when it holds what a
# read gives now, so a warm `grep -r` is served without the daemon reading
# (its profile_reads counter stays); a source file changed under the
# mount (writable source, mtime put back) shows its new bytes and its new
# profile at once, its new size within SECS; with 0, as before.
. "$(dirname "$0")/lib.sh"

mkdir -p "$SRC/a/b"
for i in 1 2 3 4 5; do
	head -c 50000 /dev/urandom >"$SRC/a/r$i.dll"
	head -c 30000 /dev/urandom >"$SRC/a/b/s$i.exe"
done
if have_examples; then
	cp "$EXAMPLES"/hello.dll "$EXAMPLES"/tool.exe "$SRC/a/"
fi
n=$(find "$SRC" -type f | wc -l)

# the SHA-256 row of a profile ("" if none)
sha_row() { grep -o '[0-9a-f]\{64\}' "$1" | head -1; }
# is the SHA-256 the profile $1 shows that of the file $2?
shows_sha() { grep -q "$(sha256sum <"$2" | cut -d' ' -f1)" "$1"; }
# rewrites $1 with other bytes of its size, its mtime put back
rewrite() {
	touch -r "$1" "$T/ref"
	head -c "$(stat -c %s "$1")" /dev/urandom >"$T/new"
	cat "$T/new" >"$1"
	touch -r "$T/ref" "$1"
}
grep_all() { grep -r --include='*.md' -c 'SHA' "$MNT" | sort; }

# ---- warm grep from the page cache ----------------------------------------
head -c 99840 /dev/urandom >"$SRC/grow.dat"
mount_fs --kernel-cache=2
# a source file grown past the size the kernel holds (within its
# timeout): read whole, never cut at that size
check_eq "grow.dat read through the mount" "$(wc -c <"$MNT/grow.dat")" 99840
head -c 99840 /dev/urandom >>"$SRC/grow.dat"
check_eq "grown to 199680: read whole at once" "$(wc -c <"$MNT/grow.dat")" \
	199680
check "grown: the same bytes" cmp -s "$MNT/grow.dat" "$SRC/grow.dat"
first=$(grep_all)
check_eq "every profile listed" "$(echo "$first" | wc -l)" "$n"
check_eq "computed once each" "$(stat_of computed)" "$n"
# at once: the kernel still holds size 0 for each, so it must read direct
check_eq "a second grep at once: the same lines" "$(grep_all)" "$first"
sleep 2.5 # the sizes the kernel kept (0 before computing) expire
second=$(grep_all)
r2=$(stat_of profile_reads)
third=$(grep_all)
check_eq "a warm grep: the daemon reads no profile" "$(stat_of profile_reads)" "$r2"
check_eq "the same lines each time" "$third" "$first"
for f in a/r1.dll a/b/s2.exe; do
	check_eq "$f.md from the page cache is profilefs profile's" \
		"$(cat "$MNT/$f.md")" "$(cli_profile "$f")"
	check_eq "ls -l size of $f.md" "$(stat -c %s "$MNT/$f.md")" \
		"$(cat "$MNT/$f.md" | wc -c)"
done
check_eq "still nothing read" "$(stat_of profile_reads)" "$r2"

# ---- a source file changed: its bytes and its profile at once ---------------
cat "$MNT/a/r2.dll" >/dev/null # its pages in the kernel
rewrite "$SRC/a/r2.dll"
check "changed (mtime put back): the new bytes through the mount" \
	cmp -s "$MNT/a/r2.dll" "$SRC/a/r2.dll"
check "changed: the new profile at once" shows_sha "$MNT/a/r2.dll.md" \
	"$SRC/a/r2.dll"
# another size: within the timeout, the kernel's size too
head -c 777 /dev/urandom >>"$SRC/a/r3.dll"
check "grown: at once, the whole file (read direct)" \
	cmp -s "$MNT/a/r3.dll" "$SRC/a/r3.dll"
ok=0
for i in $(seq 1 30); do
	if shows_sha "$MNT/a/r3.dll.md" "$SRC/a/r3.dll" &&
		[ "$(stat -c %s "$MNT/a/r3.dll")" = 50777 ]; then
		ok=1
		break
	fi
	sleep 0.1
done
check "grown: the new size and profile within the timeout" [ "$ok" = 1 ]
check "grown: the whole file read" cmp -s "$MNT/a/r3.dll" "$SRC/a/r3.dll"
umount_fs

# ---- 0: the kernel caches nothing ------------------------------------------
mount_fs --kernel-cache=0
cat "$MNT/a/r4.dll.md" >/dev/null
r=$(stat_of profile_reads)
cat "$MNT/a/r4.dll.md" >/dev/null
check "0: every read asks the daemon" [ "$(stat_of profile_reads)" -gt "$r" ]
rewrite "$SRC/a/r4.dll"
check "0: the new profile at once" shows_sha "$MNT/a/r4.dll.md" "$SRC/a/r4.dll"
head -c 100 /dev/urandom >>"$SRC/a/r4.dll"
check_eq "0: the new size at once" "$(stat -c %s "$MNT/a/r4.dll")" 50100
len=$(cat "$MNT/a/r4.dll.md" | wc -c)
check_eq "0: the profile's exact size at once" \
	"$(stat -c %s "$MNT/a/r4.dll.md")" "$len"
umount_fs

finish
