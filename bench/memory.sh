#!/bin/bash
# One memory budget: the daemon's peak RSS under --memory=64M (or $1's
# budget) after it has served a warm cache of 10,000 small profiles (the
# render memo and the verified set full), while 16 cold 63 MiB profiles
# are computed in parallel; against the budget, and against the same
# daemon's RSS right after mounting (its fixed overhead: code, SQLite,
# the trust store).
#
#   bench/memory.sh [BUILD_DIR] [BUDGET]    defaults: build 64M
set -u
cd "$(dirname "$0")/.."
b=${1:-build}
budget=${2:-64M}
n_small=${PFS_SMALL:-10000}
t=$(mktemp -d /tmp/pfs-mbench-XXXXXX)
mkdir -p "$t/src/small" "$t/src/big" "$t/mnt"
pid=
cleanup() {
	mountpoint -q "$t/mnt" && fusermount3 -u "$t/mnt" 2>/dev/null
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	rm -rf "$t"
}
trap cleanup EXIT
seed=$(find "$b/examples" -name '*.dll' -size -64k | head -n 1)
[ -n "$seed" ] || { echo "no example DLL in $b/examples (build with -Dexamples=enabled)"; exit 1; }
# distinct contents: the seed with its number appended (an overlay, as
# PE files often carry)
python3 - "$seed" "$t/src/small" "$n_small" <<'PY'
import sys
seed = open(sys.argv[1], 'rb').read()
for i in range(int(sys.argv[3])):
    with open('%s/f%05d.dll' % (sys.argv[2], i), 'wb') as f:
        f.write(seed + b'%08d' % i)
PY
head -c $((1 << 20)) /dev/urandom >"$t/head"
for i in $(seq 1 16); do
	cp "$t/head" "$t/src/big/f$i.dll"
	truncate -s 63M "$t/src/big/f$i.dll"
done
rss() { awk '/^VmRSS/ {print $2}' "/proc/$pid/status"; }
hwm() { awk '/^VmHWM/ {print $2}' "/proc/$pid/status"; }
"$b/profilefs" -f --memory="$budget" --cache="$t/cache.db" "$t/src" "$t/mnt" 2>>"$t/log" &
pid=$!
for i in $(seq 1 200); do mountpoint -q "$t/mnt" && break; sleep 0.05; done
mountpoint -q "$t/mnt" || { echo "mount failed"; cat "$t/log"; exit 1; }
base=$(rss)
s=$(date +%s)
find "$t/mnt/small" -name '*.dll.md' -print0 | xargs -0 -n 200 -P 2 cat >/dev/null
find "$t/mnt/small" -name '*.dll.json' -print0 2>/dev/null | xargs -0 -r -n 200 -P 2 cat >/dev/null
warm_s=$(($(date +%s) - s))
after_small=$(hwm)
for i in $(seq 1 16); do cat "$t/mnt/big/f$i.dll.md" >/dev/null & done
wait $(jobs -p | grep -vx "$pid")
peak=$(hwm)
mib() { echo $(($1 >> 10)); }
bud_mib=$(numfmt --from=iec "$budget" | awk '{ printf "%d", $1 / 1048576 }')
echo "budget --memory=$budget; RSS right after mounting $(mib "$base") MiB"
echo "after $n_small small profiles ($warm_s s): peak RSS $(mib "$after_small") MiB"
echo "and 16 parallel cold 63 MiB profiles: peak RSS $(mib "$peak") MiB;" \
	"over the budget plus the start-up RSS: $(( $(mib "$peak") - bud_mib - $(mib "$base") )) MiB;" \
	"ratio to the budget $(awk -v a="$peak" -v m="$bud_mib" 'BEGIN { printf "%.2f", a / 1024 / m }')"
fusermount3 -u "$t/mnt"
wait "$pid"
pid=
