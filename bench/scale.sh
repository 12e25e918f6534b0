#!/bin/bash
# Partition scale: one table, every figure against a peer measured in this
# same run, on libwine's x86_64-windows folder plus the examples (~700 real
# PE files). Peers: pev's pehash (a loop, and on every core with xargs -P),
# the digest bound (OpenSSL's in-memory rates for the seven whole-file and
# Authenticode digests plus the ssdeep tool's rate), grep over the same
# profiles as plain files, bindfs, and the bare disk.
#
#   bench/scale.sh [BUILD_DIR]     (bench/run.sh calls it; root for mounts)
#
# Every source file is read once first, so that all readers find it in the
# page cache: the figures compare CPU work, not the disk.
set -u
cd "$(dirname "$0")/.."
b=${1:-build}
b=$(cd "$b" && pwd)
view=${PROFILEFS_VIEW:-.profiles}
wine=$(dpkg -L libwine 2>/dev/null | grep '/x86_64-windows$' | head -n 1)
[ -n "$wine" ] || { echo "libwine is not installed (scripts/deps.sh)"; exit 1; }
for tool in bindfs pehash ssdeep openssl; do
	command -v $tool >/dev/null || { echo "$tool is not installed (scripts/deps.sh)"; exit 1; }
done
cores=$(nproc)
t=$(mktemp -d /tmp/pfs-scale-XXXXXX)
mkdir -p "$t/src" "$t/mnt" "$t/bind" "$t/plain"
cleanup() {
	local m
	for m in "$t/mnt" "$t/bind"; do
		mountpoint -q "$m" && fusermount3 -u "$m"
	done
	rm -rf "$t"
}
trap cleanup EXIT

# the corpus: hard links would share identities; copies keep it simple
cp -r "$wine" "$t/src/wine"
[ -d "$b/examples/tree" ] && cp -r "$b/examples/tree" "$t/src/examples"
mapfile -t files < <(find "$t/src" -type f | sort)
bytes=$(cat "${files[@]}" | wc -c)
mb=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1048576 }')
echo "corpus: ${#files[@]} files, $mb MiB ($wine and the examples), $cores cores"

ms() { local s=$(date +%s%N); "$@" >/dev/null 2>&1; echo $((($(date +%s%N) - s) / 1000000)); }
rate() { awk -v b="$bytes" -v m="$1" 'BEGIN { printf "%.0f", (m > 0 ? b / 1048576 / (m / 1000) : 0) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
rows=()
row() { rows+=("$1|$2|$3|$4|$5"); } # figure, profilefs, peer, ratio, target

mount_pfs() { # [OPTIONS...]: a fresh daemon on $t/src at $t/mnt
	"$b/profilefs" -f "$@" "$t/src" "$t/mnt" 2>>"$t/log" &
	pid=$!
	local i
	for i in $(seq 1 200); do mountpoint -q "$t/mnt" && return 0; sleep 0.05; done
	echo "the mount failed: $(tail -n 3 "$t/log")"
	exit 1
}
umount_pfs() {
	hwm=$(awk '/VmHWM/ { print $2 }' /proc/$pid/status)
	fusermount3 -u "$t/mnt"
	wait $pid
}

# ---- the digest bound ---------------------------------------------------
cat "${files[@]}" >"$t/all.bin"
speed() { # ALGO: OpenSSL's in-memory rate in MB/s on 1 MiB blocks
	openssl speed -seconds 1 -bytes 1048576 -evp "$1" 2>/dev/null |
		awk -v a="$1" 'tolower($1) == a { v = $NF; sub(/k$/, "", v); printf "%.0f", v / 1024 }'
}
declare -A r
for a in md5 sha1 sha256 sha384 sha512; do r[$a]=$(speed $a); done
r[ssdeep]=$(rate "$(ms ssdeep -s "$t/all.bin")")
bound=$(awk -v a="${r[md5]}" -v b="${r[sha1]}" -v c="${r[sha256]}" -v d="${r[sha384]}" \
	-v e="${r[sha512]}" -v f="${r[ssdeep]}" \
	'BEGIN { printf "%.0f", 1 / (1/a + 2/b + 2/c + 1/d + 1/e + 1/f) }')
bound_all=$((bound * cores))
echo "digest rates, MB/s: md5 ${r[md5]}, sha1 ${r[sha1]}, sha256 ${r[sha256]}, sha384 ${r[sha384]}, sha512 ${r[sha512]}, ssdeep ${r[ssdeep]}"
echo "digest bound: $bound MB/s a core (sha1 and sha256 counted twice), $bound_all on $cores cores"
rm -f "$t/all.bin"

# ---- peers: pehash ---------------------------------------------------------
cat "${files[@]}" >/dev/null
pe_serial=$(rate "$(ms bash -c 'for f in "$@"; do pehash "$f"; done' _ "${files[@]}")")
pe_all=$(rate "$(ms bash -c 'printf "%s\0" "$@" | xargs -0 -n 1 -P "$0" pehash' "$cores" "${files[@]}")")
echo "pehash: a loop $pe_serial MB/s, xargs -P$cores $pe_all MB/s"

# ---- profilefs profile, one process ----------------------------------------
one=$(rate "$(ms "$b/profilefs" profile --no-cache --jobs 1 "${files[@]}")")
row "profilefs profile --jobs 1, cold (MB/s)" "$one" "digest bound a core $bound" \
	"$(ratio "$one" "$bound")" ">= 1.7x 54-67 (main before the split)"
all=$(rate "$(ms "$b/profilefs" profile --no-cache --jobs "$cores" "${files[@]}")")
row "profilefs profile --jobs $cores, cold (MB/s)" "$all" "pehash xargs -P$cores $pe_all" \
	"$(ratio "$all" "$pe_all")" ">= 1"

# ---- through the mount ------------------------------------------------------
# cold: every profile computed, read through the overlay by as many readers
# as cores
rm -f "$t/cache.db"*
mount_pfs --cache="$t/cache.db"
lsr_unc=$(ms ls -lR "$t/mnt")
cold=$(ms bash -c 'find "$0" -name "*.md" -print0 | xargs -0 -n 16 -P "$1" cat' "$t/mnt" "$cores")
cold_r=$(rate "$cold")
row "cold overlay, find + xargs -P$cores cat (MB/s)" "$cold_r" "pehash loop $pe_serial" \
	"$(ratio "$cold_r" "$pe_serial")" ">= 1.5"
row "  same" "$cold_r" "pehash xargs -P$cores $pe_all" "$(ratio "$cold_r" "$pe_all")" ">= 1"
row "  same" "$cold_r" "digest bound, all cores $bound_all" "$(ratio "$cold_r" "$bound_all")" ">= 0.70"

# warm: the same profiles as plain files, for grep and cat
(cd "$t/mnt" && find . -name '*.md' -exec cp --parents -t "$t/plain" {} +)
grep -r --include='*.md' -l MiniDump "$t/mnt" >/dev/null
grep -r --include='*.md' -l MiniDump "$t/plain" >/dev/null
g_ours=$(ms grep -r --include='*.md' -l MiniDump "$t/mnt")
g_plain=$(ms grep -r --include='*.md' -l MiniDump "$t/plain")
g_ours2=$(ms grep -r --include='*.md' -l MiniDump "$t/mnt")
g_plain2=$(ms grep -r --include='*.md' -l MiniDump "$t/plain")
row "warm grep -r --include='*.md' (ms, 2 runs)" "$g_ours $g_ours2" "plain files $g_plain $g_plain2" \
	"$(ratio "$((g_ours + g_ours2))" "$((g_plain + g_plain2))")" "<= 1.3"
mapfile -t mds < <(find "$t/mnt" -name '*.md' | sort)
read -r p50 p99 pmax < <(/usr/bin/python3 bench/read_lat.py 3 "${mds[@]}")
mapfile -t pmds < <(find "$t/plain" -name '*.md' | sort)
read -r q50 q99 qmax < <(/usr/bin/python3 bench/read_lat.py 3 "${pmds[@]}")
row "cached open+read+close p50 / p99 (ms)" "$p50 / $p99" "plain files $q50 / $q99" \
	"$(ratio "$p99" "$q99")" "p99 < 1 ms"
lsr_c=$(ms ls -lR "$t/mnt")
lsr_c2=$(ms ls -lR "$t/mnt")
umount_pfs
hwm_corpus=$hwm

# bindfs: its first ls -lR after mounting, then a second one
bindfs -r "$t/src" "$t/bind"
lsr_b=$(ms ls -lR "$t/bind")
lsr_b2=$(ms ls -lR "$t/bind")
fusermount3 -u "$t/bind"
lsr_d=$(ms ls -lR "$t/src")
lsr_d2=$(ms ls -lR "$t/src")
row "ls -lR, fresh mount, nothing cached (ms)" "$lsr_unc" "bindfs $lsr_b / disk $lsr_d" "$(ratio "$lsr_unc" "$lsr_b")" "<= bindfs, <= 1.5x disk + 5"
row "ls -lR, every profile cached (ms, 2 runs; ratio of the 2nd)" "$lsr_c $lsr_c2" "bindfs 2nd $lsr_b2 / disk $lsr_d2" \
	"$(ratio "$lsr_c2" "$lsr_b2")" "<= bindfs, <= 1.5x disk + 5"

# the profiles-only view: a cold grep -r, prefetched on every core
rm -f "$t/cache.db"*
mount_pfs --cache="$t/cache.db"
if [ -d "$t/mnt/$view" ]; then
	v=$(rate "$(ms grep -r -l MiniDump "$t/mnt/$view")")
	row "cold grep -r $view (MB/s)" "$v" "pehash xargs -P$cores $pe_all" "$(ratio "$v" "$pe_all")" ">= 1"
	row "  same" "$v" "digest bound, all cores $bound_all" "$(ratio "$v" "$bound_all")" ">= 0.70"
else
	row "cold grep -r $view" "no such view" "-" "-" "-"
fi
umount_pfs
row "daemon peak RSS, the corpus (MiB)" "$((hwm_corpus / 1024)) / $((hwm / 1024)) (view)" "-" "-" "< 64"

# warm, the command: every profile into a fresh cache on every core
rm -f "$t/cache.db"*
s=$(date +%s%N)
if "$b/profilefs" warm --jobs "$cores" --cache="$t/cache.db" "$t/src" >/dev/null 2>"$t/warm.err"; then
	w=$(rate $((($(date +%s%N) - s) / 1000000)))
	row "profilefs warm --jobs $cores (MB/s)" "$w" "pehash xargs -P$cores $pe_all" "$(ratio "$w" "$pe_all")" ">= 1"
else
	row "profilefs warm --jobs $cores" "failed: $(head -n 1 "$t/warm.err")" "-" "-" "-"
fi

# one 2 GB file: the daemon's peak RSS
mkdir -p "$t/big"
cp "$wine/kernel32.dll" "$t/big/big.dll"
head -c $((2048 * 1048576 - $(stat -c %s "$t/big/big.dll"))) /dev/urandom >>"$t/big/big.dll"
rm -rf "$t/src" && mv "$t/big" "$t/src"
rm -f "$t/cache.db"*
mount_pfs --cache="$t/cache.db"
bigms=$(ms cat "$t/mnt/big.dll.md")
umount_pfs
row "one 2 GiB file: profile (MB/s), daemon peak RSS (MiB)" \
	"$(awk -v m="$bigms" 'BEGIN { printf "%.0f", 2048 / (m / 1000) }') MB/s, $((hwm / 1024)) MiB" \
	"digest bound a core $bound" "-" "< 64 MiB"

printf '%s\n' "figure|profilefs|peer|ratio|target" "${rows[@]}" | column -t -s '|'
