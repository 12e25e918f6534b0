#!/bin/bash
# The corpus suite: compare.py over the fixtures and Debian's libwine's
# x86_64-windows folder (scripts/packages.txt installs it). Without libwine
# there is no corpus to compare: a failure, always.
set -u
here=$(cd "$(dirname "$0")" && pwd)
dump=$1
fixtures=$2
wine=$(dpkg -L libwine 2>/dev/null | grep '/x86_64-windows$' | head -n 1)
if [ -z "$wine" ]; then
	echo "FAIL: libwine is not installed (scripts/deps.sh installs it): no corpus to compare"
	exit 1
fi
# hostile files (gen.py's) and the fuzz corpus: only the memory and the
# descriptor parses are compared, with each other
mal=$(mktemp -d)
trap 'rm -rf "$mal"' EXIT
/usr/bin/python3 "$here/../malformed/gen.py" "$mal" >/dev/null || {
	echo "FAIL: tests/malformed/gen.py"
	exit 1
}
/usr/bin/python3 "$here/compare.py" "$dump" --known "$here/pefile-known.txt" \
	--same-only "$mal" --same-only "$here/../fuzz/corpus/pe" \
	"$fixtures" "$wine"
