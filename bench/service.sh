#!/bin/bash
# The profile service under load, on the real corpus (libwine's
# x86_64-windows folder, plus the built examples), against peers measured
# in the same run. Prints figures, not verdicts: timings on a shared
# machine vary, so run it more than once.
#
# 1. ls -lR of a mount with no profile cached and with every profile
#    cached (kernel caches cold: a fresh mount each run), of a bindfs
#    mount of the same tree and of the bare tree; the renders the cached
#    ls -lR and one cached cat X.md cost (the stats xattr).
# 2. contention: profilefs rules update re-indexing 100 000 small files,
#    two readers of 300 cold profiles and a stat of a cached profile every
#    ~10 ms, all at once on one cache file.
#
#   bench/service.sh [BUILD_DIR]     default: build; RUNS=N (default 7)
set -u
cd "$(dirname "$0")/.."
b=${1:-build}
runs=${RUNS:-7}
nrules=${NRULES:-100000}
pfs=$b/profilefs
[ -x "$pfs" ] || { echo "no $pfs (meson setup build --buildtype=release)"; exit 1; }
wine=$(dpkg -L libwine 2>/dev/null | grep '/x86_64-windows$' | head -n 1)
[ -n "$wine" ] || { echo "libwine is not installed (scripts/deps.sh)"; exit 1; }
for tool in bindfs getfattr fusermount3 timeout; do
	command -v $tool >/dev/null || { echo "$tool is not installed (scripts/deps.sh)"; exit 1; }
done
t=$(mktemp -d /tmp/pfs-service-XXXXXX)
mkdir -p "$t/src" "$t/mnt" "$t/bind"
dpid=
cleanup() {
	touch "$t/stop"
	for m in "$t/mnt" "$t/bind"; do
		mountpoint -q "$m" && fusermount3 -u "$m"
	done
	# only the jobs this script started
	for p in $(jobs -p); do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$t"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# $EPOCHREALTIME needs no fork, so the timer costs microseconds
el() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) * 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
# min and median of the arguments
minmed() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { printf "%s %s", v[1], v[int((NR + 1) / 2)] }'; }

# CACHE is the rules index too: the contention measured is that of one
# database shared by a rules update and the mount's stores
mnt_up() { # CACHE LOG: profilefs on $t/src at $t/mnt, in the foreground
	"$pfs" -f --cache="$1" --rules="$1" "$t/src" "$t/mnt" 2>>"$2" &
	dpid=$!
	for _ in $(seq 1 200); do
		mountpoint -q "$t/mnt" && return 0
		kill -0 $dpid 2>/dev/null || break
		sleep 0.05
	done
	echo "the mount did not come up:"
	tail -n 5 "$2"
	exit 1
}
mnt_down() {
	fusermount3 -u "$t/mnt"
	for _ in $(seq 1 200); do
		kill -0 $dpid 2>/dev/null || break
		sleep 0.05
	done
	kill -0 $dpid 2>/dev/null && { echo "the daemon outlived its unmount"; kill $dpid; }
	wait $dpid 2>/dev/null
}
snap() { getfattr --absolute-names -n user.profilefs.stats --only-values "$t/mnt" >"$1"; }
# the counter NAME's growth from snapshot A to B
delta() { echo $(($(sed -n "s/^$3=//p" "$2") - $(sed -n "s/^$3=//p" "$1"))); }
lsr() { # DIR: ms of one ls -lR
	local s=$EPOCHREALTIME
	ls -lR "$1" >/dev/null 2>>"$t/ls.err"
	el "$s" "$EPOCHREALTIME"
}

# The tree: hard links to the corpus (a copy when /tmp is elsewhere)
cp -al "$wine" "$t/src/wine" 2>/dev/null || cp -a "$wine" "$t/src/wine"
[ -d "$b/examples/tree" ] && cp -a "$b/examples/tree" "$t/src/examples"
cat "$t"/src/*/* >/dev/null # the page cache warm for every reader
touch "$t/ls.err"

# ---- 1. ls -lR ---------------------------------------------------------
mnt_up "$t/all.db" "$t/log1"
mapfile -t mds < <(find "$t/mnt" -name '*.md' -type f | sort)
snap "$t/s0"
s=$EPOCHREALTIME
cat "${mds[@]}" >/dev/null
fill=$(el "$s" "$EPOCHREALTIME")
snap "$t/s1"
mnt_down
echo "corpus: $(find "$t/src" -type f | wc -l) files ($(du -shL "$t/src" | cut -f1)), ${#mds[@]} profiles; filling the cache took ${fill} ms ($(delta "$t/s0" "$t/s1" computed) computed, $(delta "$t/s0" "$t/s1" stored) stored)"

u=() c=() bf=() bare=() r_ls=() c_ls=() r_cat=() r_unc=()
for i in $(seq 1 "$runs"); do
	# none cached: a new cache file each run
	rm -f "$t"/none.db*
	mnt_up "$t/none.db" "$t/log1"
	snap "$t/a"
	u+=("$(lsr "$t/mnt")")
	snap "$t/b"
	r_unc+=("$(delta "$t/a" "$t/b" renders)")
	mnt_down
	# all cached; the remount leaves the kernel's caches cold
	mnt_up "$t/all.db" "$t/log1"
	snap "$t/a"
	c+=("$(lsr "$t/mnt")")
	snap "$t/b"
	r_ls+=("$(delta "$t/a" "$t/b" renders)")
	c_ls+=("$(delta "$t/a" "$t/b" computed)")
	cat "${mds[$((i * 97 % ${#mds[@]}))]}" >/dev/null
	snap "$t/c"
	r_cat+=("$(delta "$t/b" "$t/c" renders)")
	mnt_down
	bindfs -r "$t/src" "$t/bind"
	bf+=("$(lsr "$t/bind")")
	fusermount3 -u "$t/bind"
	bare+=("$(lsr "$t/src")")
done
# one cat each of 20 cached profiles on a fresh mount, no ls before
mnt_up "$t/all.db" "$t/log1"
snap "$t/a"
for i in $(seq 0 19); do cat "${mds[$((i * 31 % ${#mds[@]}))]}" >/dev/null; done
snap "$t/b"
fresh_cat=$(delta "$t/a" "$t/b" renders)
lines_m=$(ls -lR "$t/mnt" 2>/dev/null | wc -l)
mnt_down
lines_b=$(ls -lR "$t/src" | wc -l)

read -r umin umed <<<"$(minmed "${u[@]}")"
read -r cmin cmed <<<"$(minmed "${c[@]}")"
read -r bmin bmed <<<"$(minmed "${bf[@]}")"
read -r dmin dmed <<<"$(minmed "${bare[@]}")"
echo
echo "ls -lR, $runs runs each (interleaved), ms; mount: $lines_m lines, bare tree: $lines_b"
{
	echo "what min median"
	echo "profilefs,none_cached $umin $umed"
	echo "profilefs,all_cached $cmin $cmed"
	echo "bindfs_-r $bmin $bmed"
	echo "bare_disk $dmin $dmed"
} | column -t
echo "ratios of medians: cached/uncached $(ratio "$cmed" "$umed") (target <= 1.5), cached/bindfs $(ratio "$cmed" "$bmed"), uncached/bindfs $(ratio "$umed" "$bmed"), bindfs/bare $(ratio "$bmed" "$dmed")"
echo "ratios of minima:  cached/uncached $(ratio "$cmin" "$umin"), cached/bindfs $(ratio "$cmin" "$bmin"), uncached/bindfs $(ratio "$umin" "$bmin")"
echo "renders per cached ls -lR: ${r_ls[*]} (target 0); profiles computed by it: ${c_ls[*]}"
echo "renders per uncached ls -lR: ${r_unc[*]}"
echo "renders per cached cat X.md after that ls -lR: ${r_cat[*]} (target <= 1)"
echo "renders for 20 cached cat X.md on a fresh mount: $fresh_cat (target <= 20)"
echo "ls -lR errors: $(wc -l <"$t/ls.err")"

# ---- 2. contention -----------------------------------------------------
echo
(ls "$t/src/wine"; ls "$t/src/examples" 2>/dev/null) >"$t/names"
s=$EPOCHREALTIME
/usr/bin/python3 bench/gen_small_rules.py "$t/rules" "$t/names" "$nrules"
gen=$(el "$s" "$EPOCHREALTIME")
s=$EPOCHREALTIME
"$pfs" rules add -q --rules="$t/c.db" "$t/rules" 2>"$t/add.err"
add_rc=$?
add=$(el "$s" "$EPOCHREALTIME")
echo "rules: $nrules files ($(du -sh "$t/rules" | cut -f1)) made in ${gen} ms; rules add ${add} ms (exit $add_rc), cache $(du -h "$t/c.db" | cut -f1)"
cp "$t/c.db" "$t/peer.db"

reader() { # N FILE...: cats each file, says which failed; its end time
	local n=$1
	shift
	for f in "$@"; do
		timeout 120 cat -- "$f" >/dev/null || echo "reader $n: cat $f failed"
	done
	echo "$EPOCHREALTIME" >"$t/r$n.end"
}
pick() { # the profiles of the mount: warm (even) and cold (odd, 300)
	mapfile -t mds < <(find "$t/mnt" -name '*.md' -type f | sort)
	warm=() cold=()
	for i in "${!mds[@]}"; do
		if [ $((i % 2)) -eq 0 ]; then warm+=("${mds[$i]}"); else cold+=("${mds[$i]}"); fi
	done
	cold=("${cold[@]:0:300}")
	[ ${#cold[@]} -eq 300 ] || { echo "only ${#cold[@]} cold profiles, 300 wanted"; exit 1; }
}
# the peers: the two readers alone, on a copy of the cache, then the
# update alone on that copy
mnt_up "$t/peer.db" "$t/log2"
pick
s=$EPOCHREALTIME
reader 1 "${cold[@]:0:150}" >"$t/r1.err" 2>&1 &
r1=$!
reader 2 "${cold[@]:150}" >"$t/r2.err" 2>&1 &
r2=$!
wait $r1 $r2
rd_alone=$(el "$s" "$(sort -g "$t"/r?.end | tail -n 1)")
errs_alone=$(cat "$t"/r?.err | grep -c .)
mnt_down
find "$t/rules" -type f -exec touch {} +
s=$EPOCHREALTIME
timeout 900 "$pfs" rules update -q --rules="$t/peer.db" >/dev/null 2>"$t/upd_alone.err"
upd_rc=$?
upd_alone=$(el "$s" "$EPOCHREALTIME")
rm -f "$t"/peer.db*

mnt_up "$t/c.db" "$t/log2"
pick
cat "${warm[@]}" >/dev/null
target=${warm[0]}
# the stat alone, as the peer of the stat under load
rm -f "$t/stop"
( sleep 3; touch "$t/stop" ) &
idle=$(/usr/bin/python3 bench/stat_loop.py "$target" "$t/stop" 10)
find "$t/rules" -type f -exec touch {} +
snap "$t/a"
rm -f "$t/stop"
/usr/bin/python3 bench/stat_loop.py "$target" "$t/stop" 1200 >"$t/stat.out" 2>"$t/stat.err" &
spid=$!
sleep 0.5
s=$EPOCHREALTIME
( timeout 900 "$pfs" rules update -q --rules="$t/c.db" >"$t/upd.out" 2>"$t/upd.err"
	echo $? >"$t/upd.rc"; echo "$EPOCHREALTIME" >"$t/upd.end" ) &
upid=$!
reader 1 "${cold[@]:0:150}" >"$t/r1.err" 2>&1 &
r1=$!
reader 2 "${cold[@]:150}" >"$t/r2.err" 2>&1 &
r2=$!
wait $upid $r1 $r2
touch "$t/stop"
wait $spid
snap "$t/b"
upd=$(el "$s" "$(cat "$t/upd.end")")
rd=$(el "$s" "$(sort -g "$t"/r?.end | tail -n 1)")
locked=$(cat "$t/log2" "$t"/r?.err "$t"/upd*.err "$t/stat.err" | grep -ci 'locked\|busy')
errs=$(cat "$t"/r?.err "$t"/upd*.err "$t/stat.err" | grep -c .)
logn=$(grep -c . "$t/log2")
mnt_down
# were they kept? a fresh mount reads the 300 again
mnt_up "$t/c.db" "$t/log2"
snap "$t/c"
cat "${cold[@]}" >/dev/null
snap "$t/d"
again=$(delta "$t/c" "$t/d" computed)
mnt_down

echo "contention: rules update of $nrules touched files + 2 readers of 300 cold profiles + stat of a cached profile every ~10 ms"
echo "  stat alone (3 s):   $idle"
echo "  stat under load:    $(cat "$t/stat.out") (target p99 < 50)"
echo "  rules update: ${upd} ms (exit $(cat "$t/upd.rc")); alone ${upd_alone} ms (exit $upd_rc); ratio $(ratio "$upd" "$upd_alone")"
echo "  300 cold profiles, 2 readers: ${rd} ms; alone ${rd_alone} ms ($errs_alone error lines); ratio $(ratio "$rd" "$rd_alone")"
echo "  counters: stored=$(delta "$t/a" "$t/b" stored) not_stored=$(delta "$t/a" "$t/b" not_stored) computed=$(delta "$t/a" "$t/b" computed) errors=$(delta "$t/a" "$t/b" errors) (target: stored 300, not_stored 0)"
echo "  of the 300, computed again on a fresh mount: $again"
echo "  'locked'/'busy' lines: $locked; lines on readers'/update's stderr: $errs; daemon log lines: $logn"
cat "$t"/r?.err "$t/upd.err" "$t/log2" | grep . | sort | uniq -c | sort -rn | head -n 5 | sed 's/^/    /'
