#!/bin/bash
# With -o allow_other, a profile is refused to exactly the users its binary
# is refused to (issue 11): a profile holds what its binary holds (hashes,
# version strings, exports, imports). The profile has the binary's owner,
# group and read bits; the kernel (default_permissions) checks them, and
# the search bits of the real folders on the way, before the daemon sees an
# open, so a refused attempt computes nothing and reads nothing. Needs root
# (a root mount with allow_other, a throwaway user made with useradd).
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ] || ! command -v useradd >/dev/null ||
	! command -v setpriv >/dev/null; then
	if [ "${PROFILEFS_NO_SKIP:-}" = 1 ] || [ "${CI:-}" = true ]; then
		echo "FAIL: needs root, useradd and setpriv (a skip is not allowed here)"
		exit 1
	fi
	echo "SKIP: needs root, useradd and setpriv"
	exit 77
fi

U=pfsperm$$
useradd -M -U -s /usr/sbin/nologin -d /nonexistent "$U" || {
	echo "FAIL: useradd $U"
	exit 1
}
perms_cleanup() {
	cleanup
	userdel "$U" 2>/dev/null
	groupdel "$U"s 2>/dev/null
}
trap perms_cleanup EXIT
UID_U=$(id -u "$U")
GID_U=$(id -g "$U")
# as_user COMMAND...: runs as the throwaway user, no supplementary groups
as_user() {
	setpriv --reuid="$UID_U" --regid="$GID_U" --clear-groups -- "$@"
}

# mktemp -d made $T 0700: the user must reach the mountpoint
chmod 0755 "$T" "$SRC" "$MNT"
mkdir -m 0700 "$SRC/priv"
for f in pub.dll secret.dll grp.dll mine.dll priv/inner.dll; do
	head -c 20000 /dev/urandom >"$SRC/$f"
done
chmod 0644 "$SRC/pub.dll" "$SRC/priv/inner.dll"
chmod 0600 "$SRC/secret.dll" "$SRC/mine.dll"
chmod 0640 "$SRC/grp.dll"
chown "$UID_U:$GID_U" "$SRC/mine.dll"

mount_fs -o allow_other || finish
check "the mount has default_permissions" \
	grep -qE " $MNT fuse.profilefs .*default_permissions" /proc/mounts

# the profile's owner, group and mode: the binary's, read bits only
for f in pub.dll secret.dll grp.dll mine.dll priv/inner.dll; do
	IFS=: read -r u g a < <(stat -c %u:%g:%a "$SRC/$f")
	check_eq "stat $f.md: the binary's owner and read bits" \
		"$(stat -c %u:%g:%a "$MNT/$f.md")" \
		"$u:$g:$(printf %o $((8#$a & 8#444)))"
done
check_eq "stat secret.dll.md: mode 0400" \
	"$(stat -c %a "$MNT/secret.dll.md")" 400
check_eq "stat pub.dll.md: mode 0444" "$(stat -c %a "$MNT/pub.dll.md")" 444

# refused_read DESCRIPTION PATH: the user cannot read PATH: EACCES
refused_read() {
	local err
	err=$(as_user cat "$2" 2>&1 >/dev/null)
	if [ $? -ne 0 ] && [[ "$err" == *"Permission denied"* ]]; then
		ok
	else
		bad "$1 (cat said: $err)"
	fi
}

c0=$(stat_of computed)
b0=$(stat_of bytes_read)
# the binaries themselves are refused: the profiles must be refused alike
refused_read "user reads secret.dll" "$MNT/secret.dll"
refused_read "user reads secret.dll.md" "$MNT/secret.dll.md"
refused_read "user reads grp.dll.md (0640, not in the group)" \
	"$MNT/grp.dll.md"
refused_read "user reads priv/inner.dll.md (0700 folder)" \
	"$MNT/priv/inner.dll.md"
refused_read "user reads priv/inner.dll (0700 folder)" "$MNT/priv/inner.dll"
check "user cannot even stat priv/inner.dll.md" \
	bash -c '! "$@" stat "$0" >/dev/null 2>&1' "$MNT/priv/inner.dll.md" \
	setpriv --reuid="$UID_U" --regid="$GID_U" --clear-groups --
# what else a user may try on a profile it cannot read: none computes
as_user stat "$MNT/secret.dll.md" >/dev/null 2>&1
as_user ls -l "$MNT" >/dev/null 2>&1
as_user /usr/bin/python3 -c 'import os, sys
for name in ("user.x", "security.capability"):
    try: os.getxattr(sys.argv[1], name)
    except OSError: pass
try: os.listxattr(sys.argv[1])
except OSError: pass
try: os.open(sys.argv[1], os.O_RDONLY | os.O_NONBLOCK)
except OSError: pass' "$MNT/secret.dll.md"
as_user cp "$MNT/secret.dll.md" "$MNT/grp.dll.md" /dev/null >/dev/null 2>&1
as_user grep -r x "$MNT/priv" >/dev/null 2>&1
check_eq "refused attempts compute nothing" "$(stat_of computed)" "$c0"
check_eq "refused attempts read nothing" "$(stat_of bytes_read)" "$b0"

# sha NAME: the binary's SHA-256, which its profile shows
sha() { sha256sum <"$SRC/$1" | cut -c1-64; }

# what the user may read, it reads; and the counters do move for that
check "user reads pub.dll.md" as_user grep -q "$(sha pub.dll)" "$MNT/pub.dll.md"
check "user reads mine.dll.md (its own 0600 file)" \
	as_user grep -q "$(sha mine.dll)" "$MNT/mine.dll.md"
check_eq "the user's two reads computed two profiles" \
	"$(stat_of computed)" $((c0 + 2))
check "the user's reads read the binaries" \
	[ "$(stat_of bytes_read)" -ge $((b0 + 40000)) ]

# root still reads everything
for f in secret.dll grp.dll priv/inner.dll mine.dll; do
	check "root reads $f.md" grep -q "$(sha $f)" "$MNT/$f.md"
done
check_eq "root's reads computed the three others" \
	"$(stat_of computed)" $((c0 + 5))
umount_fs

# --sniff-mz reads a file's first bytes to tell whether it is a binary; the
# answer shows as a profile's name. It is not asked for a user who may not
# read the file: there only the name decides.
groupadd "$U"s || bad "groupadd ${U}s"
GID_S=$(getent group "$U"s | cut -d: -f3)
for f in mzpub mzsecret mzgrp mzsupp; do
	{ printf MZ; head -c 3000 /dev/urandom; } >"$SRC/$f"
done
chmod 0644 "$SRC/mzpub"
chmod 0600 "$SRC/mzsecret"
chmod 0640 "$SRC/mzgrp" "$SRC/mzsupp"
chgrp "$GID_U" "$SRC/mzgrp"
chgrp "$GID_S" "$SRC/mzsupp"
mount_fs --sniff-mz -o allow_other || finish
# user_sees ARGS...: the MZ profiles the user's ls shows, one line
user_sees() {
	setpriv --reuid="$UID_U" --regid="$GID_U" "$@" -- ls "$MNT" |
		grep '^mz.*\.md$' | tr '\n' ' '
}
check_eq "root sees every MZ file's profile" \
	"$(ls "$MNT" | grep '^mz.*\.md$' | tr '\n' ' ')" \
	"mzgrp.md mzpub.md mzsecret.md mzsupp.md "
check_eq "the user sees the MZ profiles of the files it may read" \
	"$(user_sees --clear-groups)" "mzgrp.md mzpub.md "
check_eq "a supplementary group counts" \
	"$(user_sees --groups="$GID_S")" "mzgrp.md mzpub.md mzsupp.md "
check "the user cannot stat mzsecret.md" \
	bash -c '! "$@" stat "$0" >/dev/null 2>&1' "$MNT/mzsecret.md" \
	setpriv --reuid="$UID_U" --regid="$GID_U" --clear-groups --
check "the user reads mzpub.md" as_user grep -q "$(sha mzpub)" "$MNT/mzpub.md"
umount_fs
groupdel "$U"s
finish
