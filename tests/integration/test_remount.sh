#!/bin/bash
# Never a wrong profile, never a lost cache, on real file systems (issue
# "never a wrong profile"):
# - an ext4 image remounted from another loop device, and an NTFS image
#   remounted by ntfs-3g, get a new st_dev: the cache is kept (the volume's
#   UUID is the identity), no profile is computed again (each file is
#   checked by SHA-256 once), every profile is byte-identical;
# - two images of one volume (the same UUID), a byte patched in a file of
#   the second with its size, mtime and ctime all put back (debugfs): the
#   patched file's profile has the patched bytes' SHA-256 (sha256sum the
#   oracle), and only --trust-metadata would show the golden one.
. "$(dirname "$0")/lib.sh"
for tool in mkfs.ext4 debugfs losetup mkntfs ntfs-3g blkid; do
	command -v $tool >/dev/null || {
		bad "$tool is missing (scripts/deps.sh installs it)"
		finish
	}
done
[ "$(id -u)" -eq 0 ] || {
	bad "loop devices and mounts need root"
	finish
}
loops=()
fsmounts=()
fs_cleanup() {
	local m l
	mountpoint -q "$MNT" 2>/dev/null && fusermount3 -uz "$MNT"
	for m in "${fsmounts[@]}"; do
		mountpoint -q "$m" && umount "$m"
	done
	for l in "${loops[@]}"; do losetup -d "$l" 2>/dev/null; done
	cleanup
}
trap fs_cleanup EXIT

# fill DIR: the example binaries and some files with random bytes
fill() {
	local i
	if have_examples; then
		cp "$EXAMPLES"/*.dll "$EXAMPLES"/*.exe "$1/" 2>/dev/null
	fi
	for i in $(seq 1 12); do
		head -c $((40000 + i * 7919)) /dev/urandom >"$1/r$i.dll"
	done
	head -c 300000 /dev/urandom >"$1/victim.dll"
}
attach() { # IMAGE: its loop device
	local l
	l=$(losetup -f --show "$1") || return 1
	loops+=("$l")
	echo "$l"
}
detach() {
	losetup -d "$1"
	local keep=() l
	for l in "${loops[@]}"; do [ "$l" = "$1" ] || keep+=("$l"); done
	loops=("${keep[@]}")
}
# the files (not lost+found) of the source, and all their profiles
bins() { find "$SRC" -maxdepth 1 -type f -printf '%f\n' | sort; }
profiles() { for f in $(bins); do cat "$MNT/$f.md"; done; }
n_bins() { bins | wc -l; }

# ---- ext4: the same image from another loop device -------------------------
img=$T/golden.img
truncate -s 64M "$img"
mkfs.ext4 -q -F "$img"
SRC=$T/ext4
mkdir -p "$SRC"
fsmounts+=("$SRC")
l1=$(attach "$img")
mount "$l1" "$SRC"
fill "$SRC"
sync
dev1=$(stat -c %d "$SRC")
n=$(n_bins)
mount_fs || finish
t0=$(date +%s%N)
profiles >"$T/ext4.first"
cold=$(($(date +%s%N) - t0))
check_eq "ext4: every profile computed once" "$(stat_of computed)" "$n"
umount_fs
umount "$SRC"
detach "$l1"
# a dummy takes the freed device, so the image comes back on another
dummy=$T/dummy.img
truncate -s 1M "$dummy"
ld=$(attach "$dummy")
l2=$(attach "$img")
# the freed device may come free only after the dummy's attach (another
# test's loop devices come and go too): then the image holds it, and is
# attached once more, on another
for i in 1 2 3; do
	[ "$l2" != "$l1" ] && break
	l2=$(attach "$img")
done
mount "$l2" "$SRC"
check "ext4: another loop device, another st_dev" [ "$(stat -c %d "$SRC")" != "$dev1" ]
mount_fs || finish
t0=$(date +%s%N)
profiles >"$T/ext4.second"
warm=$(($(date +%s%N) - t0))
check_eq "ext4 remounted: no profile computed again" "$(stat_of computed)" 0
check_eq "ext4 remounted: each file checked by SHA-256 once" "$(stat_of verified)" "$n"
check "ext4 remounted: every profile byte-identical" cmp -s "$T/ext4.first" "$T/ext4.second"
echo "ext4: $n profiles cold $((cold / 1000000)) ms, after the remount $((warm / 1000000)) ms"
umount_fs

# ---- golden and patched: one volume (one UUID), a byte patched ------------
umount "$SRC"
detach "$l2"
detach "$ld"
patched=$T/patched.img
cp --sparse=always "$img" "$patched"
l3=$(attach "$patched")
mount "$l3" "$SRC"
printf 'X' | dd of="$SRC/victim.dll" bs=1 seek=1000 conv=notrunc status=none
umount "$SRC"
detach "$l3"
# put back every time the identity holds (debugfs: the raw fields)
raw() { # IMAGE FIELD: the field as debugfs prints it, 0xSEC:EXTRA
	debugfs -R "stat /victim.dll" "$1" 2>/dev/null |
		sed -n "s/^ *$2: \(0x[0-9a-f]*\):\([0-9a-f]*\) .*/\1 0x\2/p"
}
for f in mtime ctime; do
	read -r sec extra < <(raw "$img" $f)
	debugfs -w -R "sif /victim.dll $f $sec" "$patched" 2>/dev/null
	debugfs -w -R "sif /victim.dll ${f}_extra $extra" "$patched" 2>/dev/null
	check_eq "patched: $f put back" "$(raw "$patched" $f)" "$(raw "$img" $f)"
done
check_eq "patched: the same UUID" "$(blkid -o value -s UUID "$patched")" \
	"$(blkid -o value -s UUID "$img")"
# the golden image is profiled (its victim.dll cached) ...
l4=$(attach "$img")
mount "$l4" "$SRC"
golden_ident=$(stat -c '%i %s %.9Y %.9Z' "$SRC/victim.dll")
golden_sha=$(sha256sum "$SRC/victim.dll" | cut -d' ' -f1 | tr a-f A-F)
mount_fs || finish
check_eq "golden: its SHA256" "$(grep '^SHA256 ' "$MNT/victim.dll.md")" "SHA256 | \`$golden_sha\`"
umount_fs
umount "$SRC"
detach "$l4"
# ... then the patched one, on the same loop device
l5=$(attach "$patched")
mount "$l5" "$SRC"
check_eq "patched: inode, size, mtime and ctime as the golden's" \
	"$(stat -c '%i %s %.9Y %.9Z' "$SRC/victim.dll")" "$golden_ident"
sha=$(sha256sum "$SRC/victim.dll" | cut -d' ' -f1 | tr a-f A-F)
check "patched: other bytes" [ "$sha" != "$golden_sha" ]
# what --trust-metadata risks: the golden profile for the patched bytes
# (this is why it is not the default)
mount_fs --trust-metadata || finish
check_eq "patched, --trust-metadata: the cached (golden) SHA256" \
	"$(grep '^SHA256 ' "$MNT/victim.dll.md")" "SHA256 | \`$golden_sha\`"
umount_fs
mount_fs || finish
check_eq "patched: the patched file's own SHA256" \
	"$(grep '^SHA256 ' "$MNT/victim.dll.md")" "SHA256 | \`$sha\`"
check_eq "patched: its bytes were checked, not believed" "$(stat_of verified)" 1
umount_fs
umount "$SRC"
detach "$l5"

# ---- NTFS by ntfs-3g: remounted, another st_dev ----------------------------
ntfs=$T/ntfs.img
truncate -s 64M "$ntfs"
mkntfs -q -F -Q "$ntfs" >/dev/null
SRC=$T/ntfs
mkdir -p "$SRC"
fsmounts+=("$SRC")
ntfs-3g "$ntfs" "$SRC"
fill "$SRC"
sync
dev1=$(stat -c %d "$SRC")
n=$(n_bins)
rm -f "$CACHE" "$CACHE-wal" "$CACHE-shm"
mount_fs || finish
profiles >"$T/ntfs.first"
check_eq "ntfs: every profile computed once" "$(stat_of computed)" "$n"
umount_fs
umount "$SRC"
# tmpfs mounts take the freed anonymous device number: other mounts on the
# machine (tests run side by side) take and free numbers meanwhile, so as
# many are held as it takes
for i in $(seq 1 20); do
	mkdir -p "$T/hold$i"
	mount -t tmpfs tmpfs "$T/hold$i"
	fsmounts+=("$T/hold$i")
	ntfs-3g "$ntfs" "$SRC"
	[ "$(stat -c %d "$SRC")" != "$dev1" ] && break
	umount "$SRC"
done
check "ntfs: remounted, another st_dev" [ "$(stat -c %d "$SRC")" != "$dev1" ]
mount_fs || finish
profiles >"$T/ntfs.second"
check_eq "ntfs remounted: no profile computed again" "$(stat_of computed)" 0
check_eq "ntfs remounted: each file checked by SHA-256 once" "$(stat_of verified)" "$n"
check "ntfs remounted: every profile byte-identical" cmp -s "$T/ntfs.first" "$T/ntfs.second"
umount_fs
finish
