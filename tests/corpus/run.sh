#!/bin/bash
# The corpus suite: compare.py over the fixtures and, when Debian's libwine
# is installed (scripts/packages.txt installs it), its x86_64-windows
# folder. Without libwine the wine part is reported as skipped, never as
# passed, and under CI it is a failure.
set -u
here=$(cd "$(dirname "$0")" && pwd)
dump=$1
fixtures=$2
wine=$(dpkg -L libwine 2>/dev/null | grep '/x86_64-windows$' | head -n 1)
if [ -z "$wine" ]; then
	echo "libwine is not installed: the wine corpus is not compared"
	[ "${CI:-}" = true ] && exit 1
fi
exec /usr/bin/python3 "$here/compare.py" "$dump" --known "$here/pefile-known.txt" \
	"$fixtures" ${wine:+"$wine"}
