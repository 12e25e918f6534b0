#!/bin/bash
# The whole test suite, as CI runs it: install what is missing, build with
# warnings as errors, run every suite (unit, integration, fuzz replay,
# corpus), run the unit, integration and fuzz replay suites again under
# ASan and UBSan, run each libFuzzer target for a bounded time
# ($FUZZ_SECONDS, default 45), check the formatting.
# Ends with one line: "total: N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/.."
bash scripts/deps.sh || exit 1
status=0

build() { # DIR [meson options...]
	local dir=$1
	shift
	rm -rf "$dir"
	meson setup "$dir" -Dwerror=true "$@" >"$dir.setup.log" 2>&1 ||
		{ cat "$dir.setup.log"; return 1; }
	ninja -C "$dir" >/dev/null || return 1
}

run() { # DIR [meson test options...]
	local dir=$1
	shift
	meson test -C "$dir" --print-errorlogs "$@" || status=1
}

echo "== build and test (release build)"
if build build-ci; then
	run build-ci
else
	status=1
fi

echo "== build and test under ASan and UBSan"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
if build build-ci-asan -Db_sanitize=address,undefined -Db_lundef=false; then
	run build-ci-asan --suite unit --suite integration --suite fuzz
else
	status=1
fi

echo "== libFuzzer, ${FUZZ_SECONDS:-45} s a target"
rm -rf build-fuzz
bash scripts/fuzz.sh "${FUZZ_SECONDS:-45}" || status=1

echo "== formatting"
if files=$(git ls-files '*.c' '*.h') && [ -n "$files" ] &&
	clang-format --dry-run -Werror $files; then
	echo "clang-format: clean"
else
	echo "clang-format: the files above need formatting"
	status=1
fi

# one closing line over every test run above
python3 - build-ci build-ci-asan <<'PY' || status=1
import json, os, sys
counts = {"passed": 0, "failed": 0, "skipped": 0}
for d in sys.argv[1:]:
    log = os.path.join(d, "meson-logs", "testlog.json")
    if not os.path.exists(log):
        counts["failed"] += 1
        continue
    for line in open(log):
        r = json.loads(line)["result"]
        key = {"OK": "passed", "SKIP": "skipped", "EXPECTEDFAIL": "passed"}.get(r, "failed")
        counts[key] += 1
print("total: %(passed)d passed, %(failed)d failed, %(skipped)d skipped" % counts)
sys.exit(1 if counts["failed"] else 0)
PY
exit $status
