#!/bin/bash
# Runs every libFuzzer target for SECONDS each (default 60), with ASan and
# UBSan, as many targets at once as there are processors, starting from
# the checked-in corpus, the hostile files of tests/malformed/gen.py and
# the built fixtures. A crash is copied into tests/fuzz/corpus/TARGET/ so
# that `meson test --suite fuzz` replays it from then on; commit it with
# the fix. Prints each target's runs and the crashes found; exits 1 if any
# target crashed.
set -u
cd "$(dirname "$0")/.."
secs=${1:-60}
dir=build-fuzz
if [ ! -f "$dir/build.ninja" ]; then
	CC=clang meson setup "$dir" -Dfuzzing=true \
		-Db_sanitize=address,undefined -Db_lundef=false >/dev/null || exit 1
fi
ninja -C "$dir" >/dev/null || exit 1
seeds=$(mktemp -d /tmp/pfs-fuzz-XXXXXX)
trap 'rm -rf "$seeds"' EXIT
/usr/bin/python3 tests/malformed/gen.py "$seeds/gen" || exit 1
# one_target T: runs fuzz_T, copies what it found into the corpus, and
# writes its line and its count of crashes to $dir/fuzz-T.result
one_target() {
	local t=$1 work=$dir/corpus-$1 art=$dir/artifacts-$1 d c rc runs found=0
	local extra=()
	mkdir -p "$work" "$art"
	for d in "$dir/tests/fixtures/x64" "$dir/tests/fixtures/x86" \
		"$dir/examples/tree"; do
		[ -d "$d" ] && extra+=("$d")
	done
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	ASAN_OPTIONS=detect_leaks=1 \
		"$dir/tests/fuzz/fuzz_$t" -max_total_time="$secs" -timeout=10 \
		-rss_limit_mb=4096 -max_len=1048576 -print_final_stats=1 \
		-artifact_prefix="$art/" "$work" "tests/fuzz/corpus/$t" \
		"$seeds/gen" "${extra[@]}" >"$dir/fuzz-$t.log" 2>&1
	rc=$?
	runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$dir/fuzz-$t.log" | grep -o '[0-9]*$')
	for c in "$art"/crash-* "$art"/leak-* "$art"/timeout-* "$art"/oom-*; do
		[ -f "$c" ] || continue
		cp "$c" "tests/fuzz/corpus/$t/"
		found=$((found + 1))
	done
	rm -f "$art"/*
	{
		echo "fuzz_$t: ${runs:-0} runs in ${secs}s, exit $rc, $found new crash files"
		[ $rc -ne 0 ] && tail -30 "$dir/fuzz-$t.log"
	} >"$dir/fuzz-$t.out"
	[ $rc -ne 0 ] && [ $found -eq 0 ] && found=1
	echo "$found" >"$dir/fuzz-$t.result"
}

# as many targets at once as there are processors: each still runs its
# full time, single-threaded
targets=(pe profile rules sig wof zone parts known)
par=$(nproc 2>/dev/null || echo 1)
crashes=0
total=0
for ((i = 0; i < ${#targets[@]}; i += par)); do
	for t in "${targets[@]:i:par}"; do
		rm -f "$dir/fuzz-$t.result"
		one_target "$t" &
	done
	wait
done
for t in "${targets[@]}"; do
	cat "$dir/fuzz-$t.out" 2>/dev/null
	found=$(cat "$dir/fuzz-$t.result" 2>/dev/null || echo 1)
	crashes=$((crashes + found))
	total=$((total + secs))
done
echo "fuzzing: $total target-seconds, $crashes crashes"
[ $crashes -eq 0 ]
