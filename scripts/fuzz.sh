#!/bin/bash
# Runs every libFuzzer target for SECONDS each (default 60) with ASan and
# UBSan, starting from the checked-in corpus, the hostile files of
# tests/malformed/gen.py and the built fixtures. A crash is copied into
# tests/fuzz/corpus/TARGET/ so that `meson test --suite fuzz` replays it
# from then on; commit it with the fix. Prints CPU seconds run and
# crashes found; exits 1 if any target crashed.
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
crashes=0
total=0
for t in pe profile rules sig; do
	work=$dir/corpus-$t
	art=$dir/artifacts-$t
	mkdir -p "$work" "$art"
	extra=()
	for d in "$dir/tests/fixtures/x64" "$dir/tests/fixtures/x86" \
		"$dir/examples/tree"; do
		[ -d "$d" ] && extra+=("$d")
	done
	start=$(date +%s)
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	ASAN_OPTIONS=detect_leaks=1 \
		"$dir/tests/fuzz/fuzz_$t" -max_total_time="$secs" -timeout=10 \
		-rss_limit_mb=4096 -max_len=1048576 -print_final_stats=1 \
		-artifact_prefix="$art/" "$work" "tests/fuzz/corpus/$t" \
		"$seeds/gen" "${extra[@]}" >"$dir/fuzz-$t.log" 2>&1
	rc=$?
	total=$((total + $(date +%s) - start))
	runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$dir/fuzz-$t.log" | grep -o '[0-9]*$')
	found=0
	for c in "$art"/crash-* "$art"/leak-* "$art"/timeout-* "$art"/oom-*; do
		[ -f "$c" ] || continue
		cp "$c" "tests/fuzz/corpus/$t/"
		found=$((found + 1))
	done
	rm -f "$art"/*
	echo "fuzz_$t: ${runs:-0} runs in ${secs}s, exit $rc, $found new crash files"
	[ $rc -ne 0 ] && tail -30 "$dir/fuzz-$t.log"
	crashes=$((crashes + found))
	[ $rc -ne 0 ] && [ $found -eq 0 ] && crashes=$((crashes + 1))
done
echo "fuzzing: $total CPU seconds, $crashes crashes"
[ $crashes -eq 0 ]
