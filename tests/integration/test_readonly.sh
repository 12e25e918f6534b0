#!/bin/bash
# Every write fails with EROFS, on source files, profiles and folders, and
# the source is left exactly as it was.
. "$(dirname "$0")/lib.sh"
make_tree
(cd "$SRC" && find . -printf '%p %m %s %T@\n' | sort) >"$T/before"
mount_fs || finish

# expect_erofs DESCRIPTION PYTHON-STATEMENT (p is the path)
expect_erofs() {
	local out
	out=$(python3 -c 'import errno, os, sys
p = sys.argv[1]
try:
    exec(sys.argv[2])
except OSError as e:
    print(errno.errorcode.get(e.errno, e.errno))
else:
    print("no error")' "$2" "$3")
	check_eq "$1" "$out" EROFS
}
f="$MNT/Windows/System32/RANDOM.DLL"
for p in "$f" "$f.md"; do
	expect_erofs "write $p" "$p" 'open(p, "r+b").write(b"x")'
	expect_erofs "append $p" "$p" 'open(p, "ab").write(b"x")'
	expect_erofs "truncate $p" "$p" 'os.truncate(p, 0)'
	expect_erofs "chmod $p" "$p" 'os.chmod(p, 0o777)'
	expect_erofs "chown $p" "$p" 'os.chown(p, 1, 1)'
	expect_erofs "utime $p" "$p" 'os.utime(p, (1, 1))'
	expect_erofs "unlink $p" "$p" 'os.unlink(p)'
	expect_erofs "rename $p" "$p" 'os.rename(p, p + ".new")'
	expect_erofs "link $p" "$p" 'os.link(p, p + ".lnk")'
	expect_erofs "setxattr $p" "$p" 'os.setxattr(p, "user.x", b"1")'
	expect_erofs "removexattr $p" "$p" 'os.removexattr(p, "user.x")'
done
d="$MNT/deep"
expect_erofs "create" "$d/new.dll" 'open(p, "wb")'
expect_erofs "create a profile name" "$d/data.bin.md" 'open(p, "wb")'
expect_erofs "mkdir" "$d/newdir" 'os.mkdir(p)'
expect_erofs "rmdir" "$d/a/b/c" 'os.rmdir(p)'
expect_erofs "symlink" "$d/sl" 'os.symlink("x", p)'
expect_erofs "mknod fifo" "$d/ff" 'os.mkfifo(p)'
# and through the usual tools
check "touch fails" bash -c '! touch "$0" 2>/dev/null' "$d/t"
check "rm fails" bash -c '! rm -f "$0" 2>/dev/null' "$f"
check "mv fails" bash -c '! mv "$0" "$0.x" 2>/dev/null' "$f.md"
check "sed -i fails" bash -c '! sed -i s/a/b/ "$0" 2>/dev/null' "$MNT/notes.txt"
umount_fs
(cd "$SRC" && find . -printf '%p %m %s %T@\n' | sort) >"$T/after"
check "the source is unchanged" cmp -s "$T/before" "$T/after"
finish
