#!/bin/bash
# The profiles-only view (MNT/.profiles, issue 16): every folder of the
# source and only the profiles, with exact sizes even cold, so that tar,
# rsync (which never opens a file whose size says 0) and mmap get the real
# text, byte for byte `profilefs profile`'s; listing one of its folders
# computes that folder's profiles in the background; --warm computes every
# binary's after the mount while stat and ls keep answering; the overlay
# stays lazy; a profile the time limit stopped is remembered for the
# file's identity (the second ls -l answers at once, the pool does not
# read it again); a user who may not read a binary may not read its
# profile in the view either. Needs root for the last part (allow_other, setpriv).
. "$(dirname "$0")/lib.sh"
have_examples || { bad "no example binaries (EXAMPLES)"; finish; }
command -v rsync >/dev/null || { bad "rsync is missing (scripts/deps.sh)"; finish; }
if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
	bad "needs root and setpriv (a mount with allow_other, another user)"
	finish
fi

make_tree
mkdir -p "$SRC/sub"
for f in one.dll two.exe three.dll; do
	cp "$EXAMPLES/hello.dll" "$SRC/sub/$f"
	printf '%s' "$f" >>"$SRC/sub/$f" # each its own content
done
echo "notes" >"$SRC/sub/readme.txt"
ln -s ../notes.txt "$SRC/sub/link.dll"
# a real x.dll.md hides the profile in the overlay, not in the view
cp "$EXAMPLES/tool.exe" "$SRC/deep/real.dll"
echo "a real file" >"$SRC/deep/real.dll.md"
V=$MNT/.profiles

# the binaries (relative paths), as the mount's rules see them: the default
# extensions in any case, and no symlink
binaries() {
	(cd "$SRC" && find . -type f | sed 's|^\./||' |
		grep -iE '\.(dll|exe|sys|ocx|cpl|drv|efi|scr|mui|acm|ax|tlb|com)$' |
		LC_ALL=C sort)
}
nbin=$(binaries | wc -l)
check "the tree has binaries" [ "$nbin" -ge 15 ]

# fresh: a mount over an empty cache
fresh() {
	rm -rf "$T/cache"
	mount_fs "$@"
}
# wait_for NAME N: until the counter NAME is N (at most 60 s)
wait_for() {
	local i
	for i in $(seq 1 $((600 * TIME_SCALE))); do
		[ "$(stat_of "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

# --- the overlay stays lazy; the view is not listed -------------------------
fresh || finish
ls -lR "$MNT" >/dev/null
find "$MNT" -name '*.md' -exec stat {} + >/dev/null
check_eq "ls -lR and find of the overlay computed nothing" "$(stat_of computed)" 0
check_eq "... nor queued anything" "$(stat_of prefetch_done):$(stat_of prefetch_queued)" 0:0
check "the root's listing does not show .profiles" bash -c '! ls -a "$0" | grep -qx .profiles' "$MNT"
check "but it is there" [ -d "$V" ]

# --- the view's listing: the folders and the profiles, nothing else --------
check_eq "the view's folders are the source's" \
	"$(cd "$V" && find . -type d | LC_ALL=C sort)" "$(cd "$SRC" && find . -type d | LC_ALL=C sort)"
check_eq "the view's files: one profile per binary" \
	"$(cd "$V" && find . -type f | sed 's|^\./||' | grep -vx SUMMARY.md | LC_ALL=C sort)" "$(binaries | sed 's/$/.md/')"
check_eq "no binary, text or link in the view" "$(cd "$V" && find . ! -type d ! -name '*.md')" ""
check_eq "every profile of the overlay is in the view" \
	"$(cd "$MNT" && find . -path ./.profiles -prune -o -name '*.md' -print | grep -v '^\./deep/real\.dll\.md$' | LC_ALL=C sort)" \
	"$(cd "$V" && find . -name '*.md' | grep -v '^\./deep/real\.dll\.md$' | grep -vx ./SUMMARY.md | LC_ALL=C sort)"
check "the overlay's real.dll.md is the real file" grep -q "a real file" "$MNT/deep/real.dll.md"
check "the view's real.dll.md is the profile" grep -q '^# real.dll$' "$V/deep/real.dll.md"
check "a text file is not in the view" [ ! -e "$V/notes.txt" ]
check "a binary is not in the view" [ ! -e "$V/sub/one.dll" ]
check "a symlink is not in the view" [ ! -e "$V/sub/link.dll.md" ]
check "the view is read-only" bash -c '! touch "$0/x" 2>/dev/null' "$V/sub"
umount_fs

# --- exact sizes, cold: stat, tar, rsync, mmap ------------------------------
mkdir -p "$T/want"
while read -r b; do
	mkdir -p "$T/want/$(dirname "$b")"
	cli_profile "$b" >"$T/want/$b.md"
done < <(binaries)

fresh || finish
# the first thing asked of a cold profile: its size
check_eq "stat of a cold profile: the exact size" "$(stat -c %s "$V/sub/one.dll.md")" \
	"$(stat -c %s "$T/want/sub/one.dll.md")"
check "... computed by the stat" [ "$(stat_of computed)" -ge 1 ]
umount_fs

fresh || finish
mkdir "$T/tar"
tar -C "$V" --exclude=./SUMMARY.md -cf - . | tar -C "$T/tar" -xf -
check_eq "tar of the cold view: the binaries' profiles, byte for byte" \
	"$(diff -r "$T/tar" "$T/want" && echo same)" same
umount_fs

fresh || finish
rsync -a --exclude=/SUMMARY.md "$V/" "$T/rsync/"
check_eq "rsync -a of the cold view: the binaries' profiles, byte for byte" \
	"$(diff -r "$T/rsync" "$T/want" && echo same)" same
check_eq "rsync: sizes exact" "$(cd "$T/rsync" && find . -type f -printf '%s %p\n' | LC_ALL=C sort)" \
	"$(cd "$T/want" && find . -type f -printf '%s %p\n' | LC_ALL=C sort)"
umount_fs

fresh || finish
got=$(python3 -c 'import mmap, sys
with open(sys.argv[1], "rb") as f:
    m = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    sys.stdout.buffer.write(m[:])' "$V/sub/two.exe.md" | sha256sum)
check_eq "mmap of a cold view file: its text" "$got" "$(sha256sum <"$T/want/sub/two.exe.md")"
umount_fs

# --- a stat whose caller is killed stops its computation (EINTR) ----------
truncate -s 3G "$SRC/big.dll"
fresh || finish
stat "$V/big.dll.md" >/dev/null 2>&1 &
sp=$!
check "stat of a cold 3 GiB profile: computing" wait_for computing 1
kill -9 $sp
wait $sp 2>/dev/null
check "the killed stat's computation stopped" wait_for computing 0
check_eq "... cancelled" "$(stat_of cancelled)" 1
check_eq "... nothing stored" "$(stat_of stored)" 0
umount_fs
rm "$SRC/big.dll"

# --- JSON too, when the mount shows it --------------------------------------
fresh --formats=md:json || finish
check_eq "formats=md:json: the view holds B.md and B.json" "$(ls "$V/sub" | tr '\n' ' ')" \
	"one.dll.json one.dll.md three.dll.json three.dll.md two.exe.json two.exe.md "
check_eq "formats=md:json: a cold B.json's size is exact" "$(stat -c %s "$V/sub/two.exe.json")" \
	"$("$PROFILEFS" profile --no-cache --format=json --root="$SRC" "$SRC/sub/two.exe" | wc -c)"
check_eq "formats=md:json: its text" "$(sha256sum <"$V/sub/two.exe.json")" \
	"$("$PROFILEFS" profile --no-cache --format=json --root="$SRC" "$SRC/sub/two.exe" | sha256sum)"
umount_fs

# --- prefetch: a folder listed is computed without a read ------------------
fresh || finish
python3 -c 'import os, sys; os.listdir(sys.argv[1])' "$V/sub"
check "listing sub computed its 3 binaries in the background" wait_for computed 3
check_eq "... through the pool" "$(stat_of prefetch_done)" 3
check_eq "... reading nothing else" "$(stat_of bytes_read)" \
	"$(cat "$SRC"/sub/one.dll "$SRC"/sub/two.exe "$SRC"/sub/three.dll | wc -c)"
check_eq "... and a read then finds them cached" "$(cat "$V/sub/one.dll.md" | sha256sum)" \
	"$(sha256sum <"$T/want/sub/one.dll.md")"
check_eq "... computing nothing more" "$(stat_of computed)" 3
umount_fs

# --- warm: every binary after the mount, stat and ls answering meanwhile ----
# a large binary keeps the pool busy for a while (its reading stops after
# the time limit: a profile that says so)
truncate -s 3G "$SRC/big.dll"
fresh --warm --time-limit=4 || finish
for i in $(seq 1 50); do
	[ "$(stat_of computing)" -ge 1 ] && break
	sleep 0.1
done
check "warm: a binary is being computed" [ "$(stat_of computing)" -ge 1 ]
slow=0
for i in 1 2 3; do
	for cmd in "ls -l $MNT" "stat $MNT/sub" "ls -l $MNT/.profiles/Windows" "cat $MNT/sub/readme.txt"; do
		s=$(date +%s%N)
		$cmd >/dev/null
		e=$(date +%s%N)
		[ $(((e - s) / 1000000)) -lt $((2000 * TIME_SCALE)) ] || {
			slow=1
			echo "  $cmd took $(((e - s) / 1000000)) ms" >&2
		}
	done
	sleep 0.3
done
check_eq "warm: stat and ls answered within 2 s meanwhile" "$slow" 0
check "warm: every binary computed without a read" wait_for computed $((nbin + 1))
check_eq "warm: the walk found them all" "$(stat_of warm_found)" $((nbin + 1))
check_eq "warm: the walk ended" "$(stat_of warm_walked)" 1
check_eq "warm: no read of a profile" "$(stat_of cache_hits)" 0
umount_fs
rm "$SRC/big.dll"

# --- the daemon ends while the pool works ----------------------------------
truncate -s 3G "$SRC/big.dll"
fresh --warm || finish
for i in $(seq 1 50); do
	[ "$(stat_of computing)" -ge 1 ] && break
	sleep 0.1
done
check "warm: the big file is being read" [ "$(stat_of computing)" -ge 1 ]
signal_ends TERM "SIGTERM during warm"
fresh --warm || finish
for i in $(seq 1 50); do
	[ "$(stat_of computing)" -ge 1 ] && break
	sleep 0.1
done
s=$(date +%s)
umount_fs
check "unmount during warm: the daemon ends within 5 s" [ $(($(date +%s) - s)) -lt 5 ]
rm "$SRC/big.dll"

# --- a profile the time limit stopped: remembered, not read again ----------
mkdir -p "$SRC/sparse"
for i in 1 2 3; do truncate -s 1T "$SRC/sparse/s$i.dll"; done
fresh --time-limit=1 || finish
ls_ms() {
	local s
	s=$(date +%s%N)
	ls -l "$V/sparse" >/dev/null
	echo $((($(date +%s%N) - s) / 1000000))
}
t1=$(ls_ms)
q1=$(stat_of prefetch_done):$(stat_of prefetch_queued)
t2=$(ls_ms)
sleep 0.3
echo "ls -l of 3 sparse 1 TB files, --time-limit=1: ${t1} ms, then ${t2} ms"
check "time limit: the first ls -l reads for the limit ($t1 ms)" [ "$t1" -ge 1000 ]
check "time limit: the second answers at once ($t2 ms)" \
	[ "$t2" -lt $((300 * TIME_SCALE)) ]
check_eq "time limit: each file read once" "$(stat_of computed)" 3
check_eq "time limit: nothing queued for the pool again" \
	"$(stat_of prefetch_done):$(stat_of prefetch_queued)" "$q1"
check "time limit: the profile says the limit stopped it" \
	grep -q "Reading stopped after 1 s" "$V/sparse/s2.dll.md"
touch "$SRC/sparse/s2.dll"
ls -l "$V/sparse" >/dev/null
check_eq "time limit: a changed file is read again" "$(stat_of computed)" 4
umount_fs
rm -r "$SRC/sparse"

# --- permissions: the view refuses what the overlay refuses ------------------
chmod 0755 "$T" "$SRC" "$MNT"
mkdir -p "$SRC/perm"
cp "$EXAMPLES/hello.dll" "$SRC/perm/secret.dll"
cp "$EXAMPLES/hello32.dll" "$SRC/perm/pub.dll"
chmod 0600 "$SRC/perm/secret.dll"
chmod 0644 "$SRC/perm/pub.dll"
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"; }
fresh -o allow_other || finish
c0=$(stat_of computed)
check_eq "nobody: stat of the view's secret.dll.md says 0" \
	"$(as_nobody stat -c %s "$V/perm/secret.dll.md")" 0
check_eq "nobody: ... and computes nothing" "$(stat_of computed)" "$c0"
err=$(as_nobody cat "$V/perm/secret.dll.md" 2>&1 >/dev/null)
check "nobody: the view's secret.dll.md is refused (said: $err)" \
	bash -c '[[ "$0" == *"Permission denied"* ]]' "$err"
check_eq "nobody: the view's secret.dll.md has the binary's owner and mode" \
	"$(stat -c %u:%a "$V/perm/secret.dll.md")" "0:400"
check_eq "nobody: reads the view's pub.dll.md" "$(as_nobody cat "$V/perm/pub.dll.md" | sha256sum)" \
	"$(cli_profile perm/pub.dll | sha256sum)"
# nobody's listing queues only what nobody may read (pub.dll, cached by
# the read above: seen to, nothing computed)
c1=$(stat_of computed)
as_nobody ls "$V/perm" >/dev/null
check "nobody's listing: pub.dll seen to" wait_for prefetch_done 1
sleep 1
check_eq "nobody's listing: secret.dll not computed" "$(stat_of computed)" "$c1"
check_eq "nobody's listing: nothing else queued" "$(stat_of prefetch_done):$(stat_of prefetch_queued)" 1:0
umount_fs

finish
