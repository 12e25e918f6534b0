#!/bin/bash
# A slow profile blocks nobody: while a large file is hashed, listing,
# stat and other profiles answer at once.
. "$(dirname "$0")/lib.sh"
make_tree
head -c $((256 << 20)) /dev/urandom >"$SRC/huge.dll"
mount_fs || finish

cat "$MNT/huge.dll.md" >"$T/huge.md" &
slow=$!
# wait until the daemon has started reading it
for i in $(seq 1 200); do
	[ "$(stat_of computing)" = 0 ] || break
	sleep 0.01
done
busy=$(kill -0 $slow 2>/dev/null && echo yes)
# each of these must answer well before the slow profile is done
ms() { local s=$(date +%s%N); "$@" >/dev/null; echo $((($(date +%s%N) - s) / 1000000)); }
t_ls=$(ms ls -lR "$MNT")
t_stat=$(ms stat "$MNT/huge.dll.md" "$MNT/notes.txt")
t_other=$(ms cat "$MNT/Windows/System32/RANDOM.DLL.md")
t_src=$(ms cat "$MNT/deep/data.bin")
still=$(kill -0 $slow 2>/dev/null && echo yes)
echo "ls -lR ${t_ls} ms, stat ${t_stat} ms, other profile ${t_other} ms," \
	"source read ${t_src} ms (slow profile still running: ${still:-no})"
check_eq "the slow profile was running during the checks" "$busy$still" "yesyes"
for t in "$t_ls" "$t_stat" "$t_other" "$t_src"; do
	check "answered in under 1000 ms while a profile computes ($t ms)" \
		[ "$t" -lt 1000 ]
done
wait $slow
check "the slow profile completes" grep -q '^## Hashes' "$T/huge.md"
umount_fs
finish
