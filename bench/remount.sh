#!/bin/bash
# A remount that changes st_dev (an ext4 image attached from another loop
# device), on the real corpus (libwine's x86_64-windows folder, ~700 PE
# files): reading every profile cold, after the remount (each file checked
# by SHA-256, nothing computed), and after the remount with
# --trust-metadata (nothing read), with the ratios. Needs root.
#
#   bench/remount.sh [BUILD_DIR]     default: build
set -u
cd "$(dirname "$0")/.."
b=${1:-build}
pfs=$b/profilefs
[ -x "$pfs" ] || { echo "no $pfs"; exit 1; }
wine=$(dpkg -L libwine 2>/dev/null | grep '/x86_64-windows$' | head -n 1)
[ -n "$wine" ] || { echo "libwine is not installed (scripts/deps.sh)"; exit 1; }
t=$(mktemp -d /tmp/pfs-remount-XXXXXX)
mkdir -p "$t/src" "$t/mnt"
loops=()
cleanup() {
	mountpoint -q "$t/mnt" && fusermount3 -uz "$t/mnt"
	mountpoint -q "$t/src" && umount "$t/src"
	for l in "${loops[@]}"; do losetup -d "$l" 2>/dev/null; done
	rm -rf "$t"
}
trap cleanup EXIT
ms() { echo $((($(date +%s%N) - $1) / 1000000)); }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }'; }
stat_of() {
	python3 -c 'import os, sys
v = os.getxattr(sys.argv[1], "user.profilefs.stats").decode()
print(dict(l.split("=") for l in v.split())[sys.argv[2]])' "$t/mnt" "$1"
}
up() { # options...
	"$pfs" -f --cache="$t/c.db" "$@" "$t/src" "$t/mnt" 2>>"$t/log" &
	for _ in $(seq 1 200); do mountpoint -q "$t/mnt" && return 0; sleep 0.05; done
	echo "mount failed"; cat "$t/log"; exit 1
}
down() { fusermount3 -u "$t/mnt"; wait; }
readall() { find "$t/mnt" -name '*.md' -exec cat {} + >/dev/null; }

truncate -s 1G "$t/img"
mkfs.ext4 -q -F "$t/img"
l=$(losetup -f --show "$t/img"); loops+=("$l")
mount "$l" "$t/src"
cp "$wine"/* "$t/src/"
n=$(ls "$t/src" | wc -l)
size=$(du -sm "$t/src" | cut -f1)
sync
echo 3 >/proc/sys/vm/drop_caches 2>/dev/null
up
s=$(date +%s%N); readall; cold=$(ms "$s")
echo "cold: $n profiles ($size MB) in $cold ms, computed $(stat_of computed)"
down
umount "$t/src"; losetup -d "$l"; loops=()
truncate -s 1M "$t/dummy"
d=$(losetup -f --show "$t/dummy"); loops+=("$d")
l=$(losetup -f --show "$t/img"); loops+=("$l")
mount "$l" "$t/src"
echo 3 >/proc/sys/vm/drop_caches 2>/dev/null
up
s=$(date +%s%N); readall; warm=$(ms "$s")
echo "remounted from $l: $warm ms, computed $(stat_of computed), verified $(stat_of verified) ($(($(stat_of bytes_verified) >> 20)) MB checked by SHA-256)"
down
echo 3 >/proc/sys/vm/drop_caches 2>/dev/null
up --trust-metadata
s=$(date +%s%N); readall; trusted=$(ms "$s")
echo "remounted, --trust-metadata: $trusted ms, computed $(stat_of computed), verified $(stat_of verified)"
down
echo "ratios: cold / remounted $(ratio "$cold" "$warm") (target >= 5), cold / --trust-metadata $(ratio "$cold" "$trusted")"
