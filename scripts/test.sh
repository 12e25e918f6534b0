#!/bin/bash
# The whole test suite, as CI runs it: install what is missing, build with
# warnings as errors, run every suite (unit, integration, fuzz replay,
# corpus, lint); run the unit, fuzz and corpus suites again under ASan and
# UBSan, and under valgrind's memcheck the unit and corpus suites; give
# each integration test one memory checker: the daemon under valgrind for
# the tests of $vg_tests, ASan and UBSan for every other (valgrind finds
# what ASan does in the heap, and uninitialised reads besides; running
# both over the same test doubled the run's time); run each libFuzzer
# target for a bounded time ($FUZZ_SECONDS, default 45); check the
# formatting.
# Ends with one line: "total: N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/.."
bash scripts/deps.sh || exit 1
# Debian's own tools first: its python3 is the one with python3-pefile,
# -yaml and -jsonschema, and a version manager's shim that PATH may put
# before it (pyenv's) costs 0.25-0.6 s a start, which the tests pay
# hundreds of times
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
# no test may skip here: a missing /dev/fuse fails (tests/integration/lib.sh)
export PROFILEFS_NO_SKIP=1
status=0
results=$(mktemp /tmp/pfs-results-XXXXXX)
trap 'rm -f "$results"' EXIT

build() { # DIR [meson options...]
	local dir=$1
	shift
	rm -rf "$dir"
	meson setup "$dir" -Dwerror=true -Dexamples=enabled "$@" >"$dir.setup.log" 2>&1 ||
		{ cat "$dir.setup.log"; return 1; }
	ninja -C "$dir" >/dev/null || return 1
}

# run DIR NAME [meson test options...]: runs, and keeps each test's result
# (meson adds the wrapper's name to the log's: NAME-valgrind.json)
run() {
	local dir=$1 name=$2 log
	shift 2
	rm -f "$dir/meson-logs/$name"*.json
	if ! meson test -C "$dir" --print-errorlogs --logbase "$name" "$@"; then
		status=1
		# the failed checks themselves, which a long log's last lines
		# (all that --print-errorlogs shows) may not reach
		echo "== failed checks in $dir/meson-logs/$name*.txt"
		grep -hE '^(FAIL:|  got:|  want:|==[0-9]+== [A-Z])' \
			"$dir/meson-logs/$name"*.txt | head -n 60
	fi
	log=$(ls "$dir/meson-logs/$name"*.json 2>/dev/null | head -n 1)
	if [ -n "$log" ]; then
		cat "$log" >>"$results"
	else
		echo '{"result": "ERROR"}' >>"$results"
	fi
}

echo "== build and test (release build)"
if build build-ci; then
	run build-ci all
else
	status=1
fi

# the integration tests whose daemon runs under valgrind (20x slower:
# concurrency and load, which hash 256 MB and 1 GB, are not among them)
vg_tests="overlay profiles readonly cache badinput pe pehash sign malformed
rules hostile crash perms cachefile remount kcache"
# every other integration test, which runs under ASan and UBSan (a name
# alone would also pick the unit or fuzz test of that name: --suite too)
asan_tests=$(meson test -C build-ci --list --suite integration 2>/dev/null |
	sed -n 's|^profilefs:integration / ||p' | grep -vxF "$(echo $vg_tests | tr ' ' '\n')")
if [ -z "$asan_tests" ]; then
	echo "no integration tests listed in build-ci"
	status=1
fi

echo "== build and test under ASan and UBSan"
if build build-ci-asan -Db_sanitize=address,undefined -Db_lundef=false; then
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
	export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
	run build-ci-asan asan --suite unit --suite fuzz --suite corpus
	# the catalog of catalogs_scale holds 400,000 members here, not 1.5
	# million: the same paths (many windows, many batches), a quarter of
	# the work; its size bounds are the plain build's to check
	# shellcheck disable=SC2086 # one name a word
	CATSCALE_MEMBERS=400000 \
		run build-ci-asan asan-integration --suite integration $asan_tests
	unset ASAN_OPTIONS UBSAN_OPTIONS
else
	status=1
fi

echo "== valgrind memcheck"
vg="valgrind -q --error-exitcode=99 --leak-check=full"
vg="$vg --suppressions=$PWD/tests/valgrind.supp"
vg="$vg --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect"
if [ -f build-ci/build.ninja ]; then
	run build-ci valgrind-unit --suite unit --timeout-multiplier=3 --wrap="$vg"
	PE_DUMP_WRAP="$vg" run build-ci valgrind-corpus --suite corpus
	# the daemon itself under valgrind (20x slower: time bounds are scaled
	# by 10; the crash test kills it 8 times amid 150 files, not 20 amid 600:
	# the same paths, a quarter of the hashing)
	# shellcheck disable=SC2086 # one name a word
	TIME_SCALE=10 DAEMON_WRAP="$vg" SOAK_KILLS=8 CRASH_FILES=150 \
		run build-ci valgrind-integration --timeout-multiplier=4 \
		--suite integration $vg_tests
fi

echo "== libFuzzer, ${FUZZ_SECONDS:-45} s a target"
rm -rf build-fuzz
if bash scripts/fuzz.sh "${FUZZ_SECONDS:-45}"; then
	echo '{"result": "OK"}' >>"$results"
else
	echo '{"result": "FAIL"}' >>"$results"
	status=1
fi

echo "== formatting"
if files=$(git ls-files '*.c' '*.h') && [ -n "$files" ] &&
	clang-format --dry-run -Werror $files; then
	echo "clang-format: clean"
	echo '{"result": "OK"}' >>"$results"
else
	echo "clang-format: the files above need formatting"
	echo '{"result": "FAIL"}' >>"$results"
	status=1
fi

# one closing line over every test run above
python3 - "$results" <<'PY' || status=1
import json, sys
counts = {"passed": 0, "failed": 0, "skipped": 0}
for line in open(sys.argv[1]):
    if line.strip():
        r = json.loads(line)["result"]
        # a skip is counted and shown, and fails the run: nothing may skip in CI
        counts[{"OK": "passed", "SKIP": "skipped", "EXPECTEDFAIL": "passed"}.get(r, "failed")] += 1
print("total: %(passed)d passed, %(failed)d failed, %(skipped)d skipped" % counts)
sys.exit(1 if counts["failed"] or counts["skipped"] else 0)
PY
exit $status
