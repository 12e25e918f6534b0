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
exec /usr/bin/python3 "$here/compare.py" "$dump" --known "$here/pefile-known.txt" \
	"$fixtures" "$wine"
