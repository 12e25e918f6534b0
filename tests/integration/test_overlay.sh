#!/bin/bash
# The overlay: the source tree byte for byte, a profile beside every binary
# and nothing else, symlinks shown as links, listing computes nothing.
. "$(dirname "$0")/lib.sh"
make_tree
mount_fs || finish

# the same tree: every path, type and target (profiles aside)
(cd "$SRC" && find . -printf '%y %p %l\n' | sort) >"$T/src.list"
# the mount's listing less the profiles (a .md the source does not have)
(cd "$MNT" && find . -printf '%y\t%p\t%l\n') |
	while IFS=$'\t' read -r y p l; do
		case $p in *.md) [ -e "$SRC/$p" ] || continue ;; esac
		printf '%s %s %s\n' "$y" "$p" "$l"
	done | sort >"$T/mnt.list"
check "tree differs" cmp -s "$T/src.list" "$T/mnt.list"

# the same bytes
n=0
while IFS= read -r -d '' f; do
	n=$((n + 1))
	cmp -s "$SRC/$f" "$MNT/$f" || bad "bytes differ: $f"
done < <(cd "$SRC" && find . -type f -print0)
check_eq "every file compared" "$n" "$(cd "$SRC" && find . -type f | wc -l)"
check "enough files compared ($n)" [ "$n" -ge 15 ]

# same modes, owners, sizes and mtimes as the source
(cd "$SRC" && find . ! -name '*.md' -printf '%p %m %U %G %s %T@\n' | sort) \
	>"$T/src.attr"
(cd "$MNT" && find . ! -name '*.md' -printf '%p %m %U %G %s %T@\n' | sort) \
	>"$T/mnt.attr"
check "attributes differ" cmp -s "$T/src.attr" "$T/mnt.attr"

# profiles exactly beside the binaries: an extension from the list, any
# case, regular (or special) files only, and not where a real .md exists
(cd "$SRC" && find . ! -type d ! -type l |
	grep -iE '\.(dll|exe|sys|ocx|cpl|drv|efi|scr|mui|acm|ax|tlb|com)$' |
	grep -v '^./real.dll$' | sed 's/$/.md/' | sort) >"$T/want.md"
(cd "$MNT" && find . -name '*.md' | grep -v '^./real.dll.md$' | sort) \
	>"$T/got.md"
check "profiles are not exactly beside the binaries" \
	cmp -s "$T/want.md" "$T/got.md"
check "no profiles at all" [ -s "$T/got.md" ]
check_eq "the real real.dll.md is shown, not a profile" \
	"$(cat "$MNT/real.dll.md")" "a real markdown file"
check "a symlink has no profile" [ ! -e "$MNT/inside.dll.md" ]
check "a link outside the root has no profile" [ ! -e "$MNT/outside.dll.md" ]
check "a directory of a binary name has none" [ ! -e "$MNT/deep.md" ]

# links are shown as links, their targets as written, never followed
check_eq "symlink target" "$(readlink "$MNT/outside.dll")" "/etc/hostname"
check "link is a link" [ -L "$MNT/outside.dll" ]
check_eq "inside link resolves within the mount" \
	"$(cmp "$MNT/inside.dll" "$SRC/Windows/System32/RANDOM.DLL" && echo same)" \
	"same"

# listing, stat and find compute nothing
ls -lR "$MNT" >/dev/null
find "$MNT" -type f -name '*.md' -exec stat {} + >/dev/null
du -s "$MNT" >/dev/null
check_eq "ls -lR, stat, find, du computed a profile" "$(stat_of computed)" 0
check_eq "uncached profile size" \
	"$(stat -c %s "$MNT/Windows/System32/RANDOM.DLL.md")" 0
check_eq "profile mode" \
	"$(stat -c %A "$MNT/Windows/System32/RANDOM.DLL.md")" "-r--r--r--"

# one read computes one profile; then its size is exact
cat "$MNT/Windows/System32/RANDOM.DLL.md" >"$T/p.md"
check_eq "one cat computes one profile" "$(stat_of computed)" 1
check_eq "cached profile size is exact" \
	"$(stat -c %s "$MNT/Windows/System32/RANDOM.DLL.md")" \
	"$(stat -c %s "$T/p.md")"
check "the mount is ro,nosuid,nodev" \
	grep -qE " $MNT fuse.profilefs ro,nosuid,nodev" /proc/mounts
# a second profilefs on the same mountpoint: refused, one line, exit 2
"$PROFILEFS" --cache="$T/c2.db" "$SRC" "$MNT" 2>"$T/second.err"
check_eq "a second mount on the mountpoint: exit status 2" "$?" 2
check_eq "a second mount: one line" "$(wc -l <"$T/second.err")" 1
check "a second mount: says so" grep -q "profilefs mount already" "$T/second.err"
check_eq "a second mount: nothing stacked" \
	"$(grep -c " $MNT " /proc/self/mountinfo)" 1
umount_fs

# --ext changes the list; --sniff-mz adds files that start with MZ;
# -o fsname= is the source findmnt shows; --stat-computes: the stat of a
# profile not cached computes it, so tar copies an uncached tree's
# profiles whole
mount_fs --ext=bin,TXT --sniff-mz --stat-computes -o fsname=evidence-1 || finish
check_eq "-o fsname= names the source findmnt shows" \
	"$(findmnt -n -o SOURCE --target "$MNT")" evidence-1
check_eq "--stat-computes: nothing computed yet" "$(stat_of computed)" 0
size=$(stat -c %s "$MNT/deep/noext.md")
check_eq "--stat-computes: the stat computed the profile" "$(stat_of computed)" 1
check "--stat-computes: its size is not 0" [ "$size" -gt 0 ]
check_eq "--stat-computes: its size is the size read" "$size" \
	"$(wc -c <"$MNT/deep/noext.md")"
mkdir "$T/x"
tar -C "$MNT" -cf - deep 2>"$T/tar.err" | tar -C "$T/x" -xf -
check_eq "--stat-computes: tar says nothing" "$(cat "$T/tar.err")" ""
for f in deep/data.bin.md deep/noext.md; do
	check "--stat-computes: tar copied $f as cat reads it" \
		cmp -s "$T/x/$f" <(cat "$MNT/$f")
	check "--stat-computes: $f is not empty" [ -s "$T/x/$f" ]
done
check "--ext: data.bin has a profile" [ -f "$MNT/deep/data.bin.md" ]
check "--ext: notes.txt has a profile (case-insensitive)" \
	[ -f "$MNT/notes.txt.md" ]
check "--ext: a .dll is no longer a binary by name" \
	[ ! -e "$MNT/Program Files/App/b.ocx.md" ]
check "--sniff-mz: noext starts with MZ" [ -f "$MNT/deep/noext.md" ]
check "--sniff-mz: tiny.sys is just MZ" [ -f "$MNT/Windows/System32/tiny.sys.md" ]
umount_fs

# allow_other brings default_permissions: the kernel checks modes. The
# source (here one named with a comma, a space and a backslash, which
# FUSE's options escape) is the mount's as findmnt and df show it
odd="$T/src, a\\b c"
mkdir "$odd"
SRC=$odd mount_fs -o allow_other || finish
check "allow_other adds default_permissions" \
	grep -qE " $MNT fuse.profilefs ro,nosuid,nodev,.*default_permissions" /proc/mounts
check_eq "findmnt: the source and type" \
	"$(findmnt -n -o SOURCE,FSTYPE --target "$MNT")" "$odd fuse.profilefs"
check_eq "df: the source" "$(df --output=source "$MNT" | tail -1)" "$odd"
umount_fs

# a clear error for a bad option value, the mount left alone
check "--drive=7 is refused" \
	bash -c '! "$0" --drive=7 "$1" "$2" 2>/dev/null' "$PROFILEFS" "$SRC" "$MNT"
check "--ext=a/b is refused" \
	bash -c '! "$0" --ext=a/b "$1" "$2" 2>/dev/null' "$PROFILEFS" "$SRC" "$MNT"
check "a mountpoint inside the source is refused" \
	bash -c '! "$0" "$1" "$1/deep" 2>/dev/null' "$PROFILEFS" "$SRC"
mkdir -p "$MNT/inner"
check "a source inside the mountpoint is refused" \
	bash -c '! "$0" "$1/inner" "$1" 2>/dev/null' "$PROFILEFS" "$MNT"
rmdir "$MNT/inner"
check "a cache inside the mountpoint is refused" \
	bash -c '! "$0" --cache="$2/c.db" "$1" "$2" 2>/dev/null' \
	"$PROFILEFS" "$SRC" "$MNT"
check_eq "a cache inside the source is refused" "$("$PROFILEFS" \
	--cache="$SRC/deep/c.db" "$SRC" "$MNT" 2>&1 >/dev/null; echo "$?")" \
	"profilefs: the cache $SRC/deep/c.db may not lie inside the source $SRC
2"
check "a cache inside the source: none made" [ ! -e "$SRC/deep/c.db" ]
check "not mounted after refusals" bash -c '! mountpoint -q "$0"' "$MNT"
finish
