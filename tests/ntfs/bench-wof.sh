#!/bin/bash
# bench-wof.sh MKWOF FILE...: the rate at which src/tree/wof.c gives the
# real bytes of FILEs (one after the other, as one file: so that a
# process's start is not what is measured) stored in each WOF format
# (mkwof --decode, from a stream in the page cache), beside a plain read
# of the same bytes (cat).
# Rates are of real bytes per second of processor time (user + system:
# what a shared, loaded machine does not distort) and of wall time, each
# the best of 3.
set -euo pipefail
mkwof=${1:?usage: bench-wof.sh MKWOF FILE...}
shift
tmp=$(mktemp -d /tmp/pfs-bench-wof-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
total=0
for f in "$@"; do total=$((total + $(stat -c %s "$f"))); done
# best_of3 CMD...: "CPU WALL", the least processor and wall times of
# three runs, in ms
best_of3() {
	local cpu='' wall='' c w u s
	for _ in 1 2 3; do
		{ TIMEFORMAT='%3R %3U %3S'; time "$@" >/dev/null; } 2>"$tmp/t"
		read -r w u s <"$tmp/t"
		c=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%d", (u + s) * 1000 }')
		w=$(awk -v w="$w" 'BEGIN { printf "%d", w * 1000 }')
		if [ -z "$cpu" ] || [ "$c" -lt "$cpu" ]; then cpu=$c; fi
		if [ -z "$wall" ] || [ "$w" -lt "$wall" ]; then wall=$w; fi
	done
	echo "$cpu $wall"
}
# rate BYTES "CPU WALL": MB/s of each
rate() {
	set -- "$1" $2
	echo "$(($1 / 1000 / ($2 > 0 ? $2 : 1))) $(($1 / 1000 / ($3 > 0 ? $3 : 1)))"
}
plain() { cat "$@"; }
echo "$# files, $total bytes"
printf '%-10s %10s %7s %14s %14s\n' format stream ratio 'MB/s (cpu)' \
	'MB/s (wall)'
plain "$@" >/dev/null
t=$(best_of3 plain "$@")
read -r rc rw <<<"$(rate "$total" "$t")"
printf '%-10s %10s %7s %14s %14s\n' plain "$total" 1.000 "$rc" "$rw"
cat "$@" >"$tmp/all"
for fmt in XPRESS4K XPRESS8K XPRESS16K LZX; do
	"$mkwof" -f "$fmt" "$tmp/all" "$tmp/s" "$tmp/r" >/dev/null
	stored=$(stat -c %s "$tmp/s")
	t=$(best_of3 "$mkwof" --decode "$tmp/s" "$total" "$fmt")
	read -r rc rw <<<"$(rate "$total" "$t")"
	printf '%-10s %10s %7s %14s %14s\n' "$fmt" "$stored" \
		"$(awk -v a="$stored" -v b="$total" 'BEGIN { printf "%.3f", a / b }')" \
		"$rc" "$rw"
done
