#!/bin/bash
# The benchmark: profilefs against peers measured in the same run, on the
# real PE files of Debian's libwine (x86_64-windows). Prints each figure
# and its ratio to the peer. Not part of the test suites (timings on a
# shared machine); run it by hand or with `meson test --benchmark`.
#
#   bench/run.sh [BUILD_DIR]      default: build
#   bench/service.sh [BUILD_DIR]  the service part alone
#   bench/scale.sh [BUILD_DIR]    the partition-scale table alone
#   bench/ntfs.sh [BUILD_DIR]     the NTFS-image table alone
set -u
cd "$(dirname "$0")/.."
b=${1:-build}
wine=$(dpkg -L libwine 2>/dev/null | grep '/x86_64-windows$' | head -n 1)
[ -n "$wine" ] || { echo "libwine is not installed (scripts/deps.sh)"; exit 1; }
command -v bindfs >/dev/null || { echo "bindfs is not installed"; exit 1; }
files=("$wine"/*)
t=$(mktemp -d /tmp/pfs-bench-XXXXXX)
mkdir -p "$t/mnt" "$t/bind"
cleanup() {
	for m in "$t/mnt" "$t/bind"; do
		mountpoint -q "$m" && fusermount3 -u "$m"
	done
	rm -rf "$t"
}
trap cleanup EXIT
ms() { local s=$(date +%s%N); "$@" >/dev/null 2>&1; echo $((($(date +%s%N) - s) / 1000000)); }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
echo "corpus: ${#files[@]} files, $(du -sh "$wine" | cut -f1) in $wine"
cat "${files[@]}" >/dev/null # warm the page cache for every reader

# 1. parsing only, no hashing: target under 1 s in total
ours=$("$b/bench/bench_parse" "${files[@]}")
peer=$(/usr/bin/python3 bench/pefile_parse.py "${files[@]}")
o=$(echo "$ours" | sed 's/.* \([0-9.]*\) ms$/\1/')
p=$(echo "$peer" | sed 's/.* \([0-9.]*\) ms$/\1/')
echo "$ours"
echo "$peer"
echo "parse ratio (profilefs / pefile): $(ratio "$o" "$p")  target: profilefs parse < 1000 ms"
# the same parse from the descriptors (pread through the parser's block
# cache, the header checksum's sum read too: prof_compute has it from its
# digest pass)
"$b/bench/bench_parse" --fd "${files[@]}"

# 2. cold profiles (one read: 6 digests + parse + render) against the six
#    standalone tools, each reading every file
o=$(ms "$b/profilefs" profile --no-cache "${files[@]}")
p=$(ms bash -c 'md5sum "$@"; sha1sum "$@"; sha256sum "$@"; sha384sum "$@"; sha512sum "$@"; ssdeep -s "$@"' _ "${files[@]}")
echo "profiles: profilefs profile ${o} ms, md5sum+sha1sum+sha256sum+sha384sum+sha512sum+ssdeep ${p} ms, ratio $(ratio "$o" "$p")"

# 3. through a mount: cold and warm profiles, source reads against bindfs
"$b/profilefs" -f --cache="$t/cache.db" "$wine" "$t/mnt" 2>"$t/log" &
pid=$!
bindfs -r "$wine" "$t/bind"
for i in $(seq 1 100); do mountpoint -q "$t/mnt" && break; sleep 0.05; done
cold=$(ms bash -c 'cat "$0"/*.md' "$t/mnt")
warm=$(ms bash -c 'cat "$0"/*.md' "$t/mnt")
ls_ms=$(ms ls -l "$t/mnt")
rss=$(grep VmHWM /proc/$pid/status | awk '{print $2}')
echo "mount: cold profiles ${cold} ms, cached ${warm} ms (ratio $(ratio "$cold" "$warm")), ls -l ${ls_ms} ms, daemon peak RSS ${rss} kB"
ours=$(ms bash -c 'for f in "$0"/*; do case $f in *.md) ;; *) cat "$f";; esac; done' "$t/mnt")
peer=$(ms bash -c 'cat "$0"/*' "$t/bind")
direct=$(ms bash -c 'cat "$0"/*' "$wine")
echo "reads: profilefs ${ours} ms, bindfs ${peer} ms, direct ${direct} ms, ratio to bindfs $(ratio "$ours" "$peer")"
fusermount3 -u "$t/mnt"
wait $pid

# 4. Possible Misuse with four large rule repositories indexed: the lookup
#    a profile costs (target < 5 ms), against grep -rFil for the name
ls "$wine" >"$t/names"
/usr/bin/python3 bench/gen_repos.py "$t/repos" "$t/names"
idx=$(ms "$b/profilefs" rules add -q --rules="$t/rules.db" "$t"/repos/*)
"$b/profilefs" rules list --rules="$t/rules.db" | cut -f1,4,5 | column -t
echo "rules: indexed in ${idx} ms, cache $(du -h "$t/rules.db" | cut -f1) for $(du -sh "$t/repos" | cut -f1) of rules"
mapfile -t names <"$t/names"
"$b/bench/bench_rules" "$t/rules.db" "${names[@]}"
sample=("${names[@]:0:50}")
ours=$(ms "$b/bench/bench_rules" "$t/rules.db" "${sample[@]}")
peer=$(ms bash -c 'for n in "${@:2}"; do grep -rFil -- "$n" "$1" >/dev/null; done' _ "$t/repos" "${sample[@]}")
echo "lookup of 50 names: profilefs ${ours} ms, grep -rFil ${peer} ms, ratio $(ratio "$ours" "$peer")"

# 5. signatures: 200 corpus files signed here (SHA-256, a test PKI) checked
#    by profilefs profile (hashes + parse + signature) against the same
#    files unsigned, and against osslsigncode verify; then a catalog that
#    lists every corpus file: indexing it, and profiles that find it
. tests/integration/pki.sh
pki_make "$t/pki" || { echo "signatures: no test PKI (openssl)"; exit 1; }
mkdir -p "$t/signed" "$t/plain"
n=0
for f in "${files[@]}"; do
	case $f in *.dll | *.exe) ;; *) continue ;; esac
	cp "$f" "$t/plain/" &&
		osslsigncode sign -certs "$t/pki/chain.pem" -key "$t/pki/leaf.key" -h sha256 \
			-in "$f" -out "$t/signed/$(basename "$f")" >/dev/null 2>&1 || continue
	n=$((n + 1))
	[ $n -ge 200 ] && break
done
cat "$t/signed"/* "$t/plain"/* >/dev/null
o=$(ms "$b/profilefs" profile --no-cache --trust="$t/pki/root.pem" "$t/signed"/*)
u=$(ms "$b/profilefs" profile --no-cache --trust="$t/pki/root.pem" "$t/plain"/*)
p=$(ms bash -c 'for f in "$@"; do osslsigncode verify -CAfile "$0" -in "$f"; done' \
	"$t/pki/root.pem" "$t/signed"/*)
h=$(ms bash -c 'md5sum "$@"; sha1sum "$@"; sha256sum "$@"; sha384sum "$@"; sha512sum "$@"; ssdeep -s "$@"' _ "$t/signed"/*)
v=$("$b/profilefs" profile --no-cache --trust="$t/pki/root.pem" "$t/signed"/* |
	grep -c '^\* Status: Signature verified\.$')
echo "signatures: $n signed files, $v verified; profilefs profile ${o} ms (the same files unsigned ${u} ms); osslsigncode verify ${p} ms + six hash tools ${h} ms, ratio $(ratio "$o" "$((p + h))")"
mapfile -t hashes < <("$b/profilefs" profile --no-cache "${files[@]}" 2>/dev/null |
	sed -n 's/^PE256 | `\([0-9A-F]*\)`$/\1/p')
mkdir -p "$t/cat"
cat_make "$t/cat/corpus.cat" "$t/pki/leaf" "${hashes[@]}" 2>/dev/null
c1=$(ms "$b/profilefs" profile --cache="$t/cat.db" --catalogs="$t/cat" --trust="$t/pki/root.pem" "${files[0]}")
c2=$(ms "$b/profilefs" profile --no-cache --trust="$t/pki/root.pem" "${files[@]}")
c3=$(ms "$b/profilefs" profile --cache="$t/cat2.db" --catalogs="$t/cat" --trust="$t/pki/root.pem" "${files[@]}")
cv=$("$b/profilefs" profile --cache="$t/cat2.db" --catalogs="$t/cat" --trust="$t/pki/root.pem" "${files[@]}" |
	grep -c '^\* Catalog: corpus.cat$')
echo "catalog: ${#hashes[@]} members ($(du -h "$t/cat/corpus.cat" | cut -f1)), indexed and one profile ${c1} ms; all ${#files[@]} profiles without catalogs ${c2} ms, with ${c3} ms (ratio $(ratio "$c3" "$c2")), $cv signed through it"

# 6. the profile service: ls -lR cached and uncached against bindfs, the
#    renders it costs, and contention with a rules update (bench/service.sh)
bash bench/service.sh "$b"

# 7. a remount that changes st_dev (an ext4 image from another loop
#    device): reading every profile cold, after it, and with
#    --trust-metadata (bench/remount.sh; root)
bash bench/remount.sh "$b"

# 8. bounded work: stat under 70 huge reads against bindfs, cancellation,
#    SIGTERM, peak RSS against the memory budget (bench/bounded.sh)
bash bench/bounded.sh "$b"

# 9. partition scale: cold profiles on every core, warm grep, cached reads,
#    ls -lR and peak RSS, in one table against pehash, the digest bound,
#    plain files, bindfs and the disk (bench/scale.sh)
bash bench/scale.sh "$b"

# 10. Windows partitions as Windows stores them: an NTFS image of the
#     corpus, plain and system-compressed (WOF, the four formats): cold
#     profiles against ntfs-3g + profilefs, each WOF format against the
#     plain files, ls -lR and peak RSS, in one table (bench/ntfs.sh)
bash bench/ntfs.sh "$b"

# 11. one memory budget: peak RSS under --memory=64M with a warm cache of
#     10,000 profiles and 16 parallel cold 63 MiB profiles (bench/memory.sh)
bash bench/memory.sh "$b" 64M
