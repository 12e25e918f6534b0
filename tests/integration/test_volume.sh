#!/bin/bash
# The volume identity survives remounts (issue 11): an ext4 image on a
# loop device, attached again on another loop device, and an NTFS image
# mounted by ntfs-3g (from the file, and from a loop device) keep their id
# although their st_dev changes; a tmpfs has none to keep and falls back
# to its st_dev. The oracle is blkid (UUID and TYPE) and sha256sum of the
# key string "uuid:TYPE:UUID" or "dev:MAJOR:MINOR". Needs root, losetup,
# mkfs.ext4, mkntfs and ntfs-3g (scripts/packages.txt).
. "$(dirname "$0")/lib.sh"

: "${VOLUME_PROBE:?set VOLUME_PROBE to the volume_probe binary}"
if [ "$(id -u)" != 0 ]; then
	if [ "${PROFILEFS_NO_SKIP:-}" = 1 ] || [ "${CI:-}" = true ]; then
		echo "FAIL: needs root (a skip is not allowed here)"
		exit 1
	fi
	echo "SKIP: needs root (loop devices and mounts)"
	exit 77
fi
for tool in losetup mkfs.ext4 mkntfs ntfs-3g blkid sha256sum; do
	command -v "$tool" >/dev/null || {
		echo "FAIL: $tool is missing (scripts/deps.sh installs it)"
		exit 1
	}
done

LOOPS=()
vol_cleanup() {
	local m l
	# innermost first; ntfs-3g's are FUSE mounts, umount handles both
	for m in $(awk -v t="$T/" 'index($5, t) == 1 { print $5 }' \
		/proc/self/mountinfo | sort -r); do
		umount "$m" 2>/dev/null || umount -l "$m"
	done
	for l in "${LOOPS[@]}"; do
		losetup -d "$l" 2>/dev/null
	done
	cleanup
}
trap vol_cleanup EXIT

# attach FILE: a loop device for FILE, read-only, remembered for cleanup
attach() {
	local l
	l=$(losetup -r -f --show "$1") || return 1
	LOOPS+=("$l")
	echo "$l"
}
detach() {
	local l=$1 i
	losetup -d "$l"
	for i in "${!LOOPS[@]}"; do
		[ "${LOOPS[$i]}" = "$l" ] && unset "LOOPS[$i]"
	done
}
# probe PATH: sets DEV (MAJOR:MINOR), ID (16 hex digits), DESC
probe() {
	IFS=$'\t' read -r DEV ID DESC < <("$VOLUME_PROBE" "$1")
}
# sha KEY: the id the key string should give
sha() { printf %s "$1" | sha256sum | cut -c1-16; }
# stat_dev PATH: st_dev as stat(1) says it
stat_dev() { stat -c '%Hd:%Ld' "$1"; }
# check_uuid WHAT PATH IMAGE: the id of PATH is blkid's UUID and TYPE
check_uuid() {
	local uuid type
	uuid=$(blkid -p -o value -s UUID "$3")
	type=$(blkid -p -o value -s TYPE "$3")
	[ -n "$uuid" ] && [ -n "$type" ] || bad "$1: blkid finds no UUID or TYPE in $3"
	probe "$2"
	check_eq "$1: st_dev" "$DEV" "$(stat_dev "$2")"
	check_eq "$1: description" "$DESC" "uuid $type $uuid"
	check_eq "$1: id" "$ID" "$(sha "uuid:$type:$uuid")"
}

# ---- ext4 on a loop device, then on another one ----
E=$T/ext4.img
truncate -s 64M "$E"
mkfs.ext4 -q -F "$E"
sum_e=$(sha256sum <"$E")
mkdir -p "$T/e" "$T/n" "$T/t"
L1=$(attach "$E") || bad "losetup $E"
mount -o ro "$L1" "$T/e" || bad "mount $L1"
check_uuid "ext4 on $L1" "$T/e" "$L1"
id1=$ID dev1=$DEV
umount "$T/e"
detach "$L1"
# the dummy takes the first free device, $L1 if no one else did
DUMMY=$T/dummy.img
truncate -s 1M "$DUMMY"
attach "$DUMMY" >/dev/null || bad "losetup $DUMMY"
L2=$(attach "$E") || bad "losetup $E again"
# $L1 may come free only after the dummy's attach: then the image holds it
# and is attached once more, on another
for k in 1 2 3; do
	[ "$L2" != "$L1" ] && break
	L2=$(attach "$E") || bad "losetup $E again"
done
check "another loop device ($L1, then $L2)" [ "$L2" != "$L1" ]
mount -o ro "$L2" "$T/e" || bad "mount $L2"
check_uuid "ext4 on $L2" "$T/e" "$L2"
check "ext4: st_dev changed ($dev1, then $DEV)" [ "$DEV" != "$dev1" ]
check_eq "ext4: the id survives the remount" "$ID" "$id1"
# a tmpfs that names the device as its source is not believed: any
# mount may write any source (tmpfs in a user namespace, fsname=)
mkdir -p "$T/fake"
mount -t tmpfs -o size=1m "$L2" "$T/fake" || bad "mount tmpfs named $L2"
probe "$T/fake"
check_eq "a tmpfs named $L2 keeps its st_dev" "$DESC" "dev $(stat_dev "$T/fake")"
umount "$T/fake"
probe "$T/e/lost+found"
check_eq "ext4: a folder below the mount point has the same id" "$ID" "$id1"
umount "$T/e"
detach "$L2"
check_eq "ext4: probing changed no byte of the image" "$(sha256sum <"$E")" \
	"$sum_e"

# ---- a tmpfs: no UUID, its st_dev ----
mount -t tmpfs -o size=1m pfs-volume-test "$T/t" || bad "mount tmpfs"
probe "$T/t"
tdev=$(stat_dev "$T/t")
check_eq "tmpfs: st_dev" "$DEV" "$tdev"
check_eq "tmpfs: description" "$DESC" "dev $tdev"
check_eq "tmpfs: id" "$ID" "$(sha "dev:$tdev")"

# ---- NTFS: ntfs-3g of the image file, again, then of a loop device ----
N=$T/ntfs.img
truncate -s 16M "$N"
mkntfs -F -Q "$N" >/dev/null 2>&1 || bad "mkntfs $N"
sum_n=$(sha256sum <"$N")
ntfs-3g -o ro "$N" "$T/n" || bad "ntfs-3g $N"
src=$(awk -v m="$T/n" '$5 == m { for (i = 7; $i != "-"; i++); print $(i + 1), $(i + 2) }' \
	/proc/self/mountinfo)
echo "ntfs-3g of a file, in mountinfo: $src"
check_uuid "ntfs-3g of the file" "$T/n" "$N"
id1=$ID dev1=$DEV
umount "$T/n"
# a second tmpfs takes the anonymous device number ntfs-3g let go of;
# that number may come free only after the tmpfs's mount (ntfs-3g ends
# after umount returns): then one more tmpfs, and ntfs-3g again
for k in 2 3 4; do
	mkdir -p "$T/t$k"
	mount -t tmpfs -o size=1m pfs-volume-test "$T/t$k" || bad "mount tmpfs $k"
	ntfs-3g -o ro "$N" "$T/n" || bad "ntfs-3g $N again"
	[ "$(stat_dev "$T/n")" != "$dev1" ] && break
	echo "ntfs-3g got its st_dev $dev1 back (tmpfs $k): once more"
	umount "$T/n"
	sleep 0.5
done
check_uuid "ntfs-3g of the file, again" "$T/n" "$N"
check "ntfs: st_dev changed ($dev1, then $DEV)" [ "$DEV" != "$dev1" ]
check_eq "ntfs: the id survives the remount" "$ID" "$id1"
umount "$T/n"
L3=$(attach "$N") || bad "losetup $N"
ntfs-3g -o ro "$L3" "$T/n" || bad "ntfs-3g $L3"
src=$(awk -v m="$T/n" '$5 == m { for (i = 7; $i != "-"; i++); print $(i + 1), $(i + 2) }' \
	/proc/self/mountinfo)
echo "ntfs-3g of $L3, in mountinfo: $src"
check_uuid "ntfs-3g of $L3" "$T/n" "$L3"
check "ntfs: st_dev of the loop mount differs ($dev1, then $DEV)" \
	[ "$DEV" != "$dev1" ]
check_eq "ntfs: one id from the file and from a loop device" "$ID" "$id1"
umount "$T/n"
detach "$L3"
check_eq "ntfs: probing changed no byte of the image" "$(sha256sum <"$N")" \
	"$sum_n"

# ---- a name given by the user: the same id everywhere ----
out=$("$VOLUME_PROBE" --volume-id=case-42 "$T/t" "$T" | cut -f2,3 | sort -u)
check_eq "--volume-id: one id and description for every dev" "$out" \
	"$(sha name:case-42)	name case-42"
finish
