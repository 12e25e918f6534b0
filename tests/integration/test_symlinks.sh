#!/bin/bash
# A source folder swapped for a symlink to a folder outside the source,
# while a shell's cwd is inside it: no access through the mount follows the
# link (stat, xattrs, readlink, listing, reading, profiles, the .mui a
# profile borrows strings from), and no profile of an outside file is
# computed. Symlinks that are entries of the source stay links.
. "$(dirname "$0")/lib.sh"
OUT=$T/outside
mkdir -p "$OUT" "$SRC/dir" "$SRC/sub/deeper"
# the outside folder holds names the source folder never had, so that no
# kernel cache can answer for them: every answer comes from the daemon
{ printf 'MZ'; head -c 12343 /dev/urandom; } >"$OUT/x.dll"
setfattr -n user.secret -v outside-xattr "$OUT/x.dll"
ln -s outside-target "$OUT/link"
echo inside >"$SRC/dir/inner.txt"
# source entries that are links, at the root and nested, and an xattr below
ln -s x.dll "$SRC/rootlink"
ln -s ../../dir/inner.txt "$SRC/sub/deeper/nested-link"
head -c 700 /dev/urandom >"$SRC/sub/deeper/in.dll"
setfattr -n user.mine -v inside-xattr "$SRC/sub/deeper/in.dll"
# as root: an xattr on a link entry itself (user.* cannot be set on links)
link_xattr=0
setfattr -h -n trusted.pfs -v link-xattr "$SRC/sub/deeper/nested-link" \
	2>/dev/null && link_xattr=1

# errno (or "ok:" and the value) of one call, as the caller sees it
call() {
	python3 - "$@" <<'EOF'
import errno, os, sys
op, p = sys.argv[1], sys.argv[2]
try:
    if op == "stat": r = os.stat(p).st_size
    elif op == "lstat": r = os.lstat(p).st_size
    elif op == "getxattr": r = os.getxattr(p, sys.argv[3])
    elif op == "listxattr": r = os.listxattr(p)
    elif op == "readlink": r = os.readlink(p)
    elif op == "listdir": r = os.listdir(p)
    elif op == "read": r = open(p, "rb").read()[:64]
    print("ok:%r" % (r,))
except OSError as e:
    print(errno.errorcode.get(e.errno, str(e.errno)))
EOF
}
out_ino=$(stat -c %i "$OUT/x.dll")
out_sha=$(sha256sum "$OUT/x.dll" | cut -d' ' -f1 | tr a-f A-F)

if have_examples; then
	mkdir -p "$SRC/app/en-US" "$OUT/mui"
	cp "$EXAMPLES/hello.dll" "$SRC/app/x.dll"
	cp "$EXAMPLES/hello.dll" "$SRC/app/en-US/x.dll.mui"
	cp "$EXAMPLES/hello.dll" "$OUT/mui/x.dll.mui"
	check "hello.dll has version strings (the .mui test needs them)" \
		[ -n "$(pefile_description "$EXAMPLES/hello.dll")" ]
else
	bad "no example binaries (EXAMPLES): the .mui part cannot run"
fi

mount_fs || finish

# before: links of the source are links with their text, nested or not
check_eq "root link is a link" "$(stat -c %F "$MNT/rootlink")" "symbolic link"
check_eq "root link text" "$(readlink "$MNT/rootlink")" "x.dll"
check_eq "nested link is a link" \
	"$(stat -c %F "$MNT/sub/deeper/nested-link")" "symbolic link"
check_eq "nested link text" "$(readlink "$MNT/sub/deeper/nested-link")" \
	"../../dir/inner.txt"
check_eq "nested link followed by the kernel, inside the mount" \
	"$(cat "$MNT/sub/deeper/nested-link")" "inside"
check_eq "readlink of a file" "$(call readlink "$MNT/sub/deeper/in.dll")" EINVAL
check_eq "nested file's size" "$(stat -c %s "$MNT/sub/deeper/in.dll")" 700
check_eq "nested file's xattr" \
	"$(getfattr --only-values -n user.mine "$MNT/sub/deeper/in.dll")" \
	"inside-xattr"
check "nested file's xattr listed" \
	bash -c 'getfattr -d "$0" | grep -qx "user.mine=\"inside-xattr\""' \
	"$MNT/sub/deeper/in.dll"
if [ $link_xattr = 1 ]; then
	check_eq "a link entry's own xattr, not its target's" \
		"$(getfattr -h --only-values -n trusted.pfs "$MNT/sub/deeper/nested-link")" \
		"link-xattr"
	check_eq "a file without it" \
		"$(call getxattr "$MNT/dir/inner.txt" trusted.pfs)" ENODATA
else
	echo "note: not root, the xattr of a link entry is not checked"
fi
want=$(sha256sum "$SRC/sub/deeper/in.dll" | cut -d' ' -f1 | tr a-f A-F)
check_eq "nested profile" "$(grep '^SHA256 ' "$MNT/sub/deeper/in.dll.md")" \
	"SHA256 | \`$want\`"
if have_examples; then
	check "control: the profile takes its strings from en-US/x.dll.mui" \
		grep -q '^\* Version Resource From: `C:\\app\\en-US\\x.dll.mui`' \
		"$MNT/app/x.dll.md"
fi

# The swap, with a process's cwd inside the folder: its lookups relative to
# the cwd reach the daemon as "dir/NAME" whatever "dir" is now. (A path
# through $MNT/dir is looked up again by the kernel once its entry times
# out, and then, "dir" being a link entry, the kernel follows it like any
# link: that is the caller's own doing, not the daemon's.) One process
# swaps and asks at once, before anything stats the cwd itself (after
# which the kernel calls that inode bad: EIO).
computed=$(stat_of computed)
cd "$MNT/dir" || bad "cd into the mount"
python3 - "$SRC" "$OUT" "$out_ino" "$out_sha" >"$T/swap.out" 2>&1 <<'EOF2'
import errno, os, re, subprocess, sys
src, out, ino, sha = sys.argv[1:5]
print("PASS cwd lists the folder" if os.listdir(".") == ["inner.txt"]
      else "FAIL cwd lists %r" % os.listdir("."))
os.rename(src + "/dir", src + "/dir.old")
os.symlink(out, src + "/dir")
if os.path.isdir(src + "/app/en-US"):
    os.rename(src + "/app/en-US", src + "/app/en-US.old")
    os.symlink(out + "/mui", src + "/app/en-US")
def refused(desc, f, *a):
    try:
        r = f(*a)
        print("FAIL %s %r gave %r" % (desc, a, r))
    except OSError as e:
        name = errno.errorcode.get(e.errno, str(e.errno))
        ok = name in ("ELOOP", "ENOENT", "ENOTDIR")
        print("%s %s %r: %s" % ("PASS" if ok else "FAIL", desc, a, name))
def read(p):
    with open(p, "rb") as f:
        return f.read(64)
for p in ("x.dll", "x.dll.md"):
    refused("stat", os.stat, p)
    refused("lstat", os.lstat, p)
    refused("getxattr", os.getxattr, p, "user.secret")
    refused("listxattr", os.listxattr, p)
    refused("read", read, p)
refused("readlink", os.readlink, "link")
# the users' tools, run from the same cwd (not through a shell, which
# stats its cwd): each fails, names the error, shows nothing outside
leak = re.compile(r"12345|\b%s\b|outside-xattr|outside-target|%s" % (ino, sha))
for cmd in (["stat", "x.dll"], ["stat", "x.dll.md"], ["getfattr", "-d", "x.dll"],
            ["getfattr", "-n", "user.secret", "x.dll"], ["readlink", "-v", "link"],
            ["cat", "x.dll"], ["cat", "x.dll.md"], ["ls", "-l", "x.dll", "link"]):
    r = subprocess.run(cmd, capture_output=True, text=True, errors="replace")
    o = r.stdout + r.stderr
    named = re.search("Too many levels of symbolic links|No such file or "
                      "directory|Not a directory", o)
    good = r.returncode != 0 and not leak.search(o) and named
    print("%s %s: rc %d, %r" % ("PASS" if good else "FAIL", " ".join(cmd),
                                r.returncode, o[:160]))
# last, as it stats the cwd: the kernel may call the inode bad first
try:
    os.listdir(".")
    print("FAIL listing the swapped cwd succeeded")
except OSError as e:
    name = errno.errorcode.get(e.errno, str(e.errno))
    print("%s listing: %s" % ("PASS" if name in
          ("ELOOP", "ENOENT", "ENOTDIR", "EIO") else "FAIL", name))
EOF2
cd / || bad "cd out of the mount"
while read -r verdict rest; do
	case $verdict in
	PASS) ok ;;
	*) bad "after the swap: $verdict $rest" ;;
	esac
done <"$T/swap.out"
check "the swap checks ran ($(wc -l <"$T/swap.out") lines)" \
	[ "$(grep -c '^PASS' "$T/swap.out")" -ge 20 ]

# the swapped folder is a link entry now: shown as one, never followed
# (once the attributes the kernel keeps, --kernel-cache's 1 s, expire; the
# lookups through it meanwhile reached nothing outside, as checked above)
sleep 1.5
check_eq "the swapped folder is a link" "$(stat -c %F "$MNT/dir")" \
	"symbolic link"
check_eq "its text" "$(readlink "$MNT/dir")" "$OUT"
check_eq "links of the source still links" \
	"$(stat -c %F "$MNT/sub/deeper/nested-link")" "symbolic link"

if have_examples; then
	# the profile is rendered again (the .mui is part of its key), without
	# the outside .mui's strings, and nothing outside is read for it
	check "the outside .mui lends no strings" \
		bash -c '! grep -q "Version Resource From" "$0"' "$MNT/app/x.dll.md"
	check "the profile is still there" grep -q '^## Hashes' "$MNT/app/x.dll.md"
fi
check_eq "no profile computed of anything outside" "$(stat_of computed)" \
	"$computed"

# putting the folder back brings it back (once the kernel's entry for
# the link, 1 s, has expired)
rm "$SRC/dir"
mv "$SRC/dir.old" "$SRC/dir"
sleep 1.5
check_eq "the folder back" "$(cat "$MNT/dir/inner.txt")" "inside"
umount_fs
finish
