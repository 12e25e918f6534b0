#!/bin/bash
# build-disk.sh IMAGE DISK {mbr|gpt}: DISK, a whole-disk image holding the
# NTFS volume IMAGE as its first partition, at 1 MiB (sector 2048, where
# Windows puts it), and a second, small NTFS volume (label SECOND) as its
# second partition: two NTFS partitions, so that the choice is the
# user's. Both partitions are of the type Windows gives a data partition
# (MBR 0x07; GPT Microsoft basic data). DISK is sparse.
set -euo pipefail

image=${1:?usage: build-disk.sh IMAGE DISK mbr|gpt}
disk=${2:?usage: build-disk.sh IMAGE DISK mbr|gpt}
label=${3:?usage: build-disk.sh IMAGE DISK mbr|gpt}
for t in sfdisk mkntfs dd truncate; do
	command -v "$t" >/dev/null || {
		echo "build-disk.sh: $t is missing" >&2
		exit 1
	}
done
case $label in
mbr) table=dos type=7 ;;
gpt) table=gpt type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7 ;;
*)
	echo "build-disk.sh: $label: mbr or gpt" >&2
	exit 1
	;;
esac
bytes=$(stat -c %s "$image")
[ $((bytes % 512)) -eq 0 ] || {
	echo "build-disk.sh: $image: not a whole number of sectors" >&2
	exit 1
}
sectors=$((bytes / 512))
second=$((8 << 11)) # 8 MiB
start2=$((2048 + sectors))
# 1 MiB after the last partition: GPT's backup table, and room to spare
rm -f "$disk"
truncate -s $(((start2 + second + 2048) * 512)) "$disk"
sfdisk -q "$disk" >/dev/null <<END
label: $table
start=2048, size=$sectors, type=$type
start=$start2, size=$second, type=$type
END
dd if="$image" of="$disk" bs=64K seek=16 conv=notrunc,sparse status=none
tmp=$(mktemp /tmp/pfs-second-XXXXXX)
trap 'rm -f "$tmp"' EXIT
truncate -s $((second * 512)) "$tmp"
mkntfs -F -f -q -L SECOND -p "$start2" "$tmp" >/dev/null 2>&1
dd if="$tmp" of="$disk" bs=512 seek="$start2" conv=notrunc,sparse \
	status=none
