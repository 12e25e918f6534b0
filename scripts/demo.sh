#!/bin/bash
# The demo: install what is missing, build, mount the example binaries
# read-only and show one profile. The mount stays for you to explore.
set -eu
cd "$(dirname "$0")/.."
bash scripts/deps.sh
[ -d build ] || meson setup build >/dev/null
ninja -C build >/dev/null
mnt=${1:-/tmp/profilefs-demo}
mkdir -p "$mnt"
mountpoint -q "$mnt" && fusermount3 -u "$mnt"
./build/profilefs --cache="$PWD/build/demo-cache.db" build/examples/tree "$mnt"
echo "\$ ls $mnt"
ls "$mnt"
echo
echo "\$ cat $mnt/hello.dll.md"
cat "$mnt/hello.dll.md"
echo
echo "Mounted at $mnt. Unmount with: fusermount3 -u $mnt"
