#!/bin/bash
# The fuzz suite: replays through one target the checked-in corpus (seeds
# and every crash ever found), the hostile files of tests/malformed/gen.py,
# and the built fixtures and examples.
set -u
here=$(cd "$(dirname "$0")" && pwd)
exe=$1
shift
tmp=$(mktemp -d /tmp/pfs-replay-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 "$here/../malformed/gen.py" "$tmp" || exit 1
dirs=()
for d in "$@"; do [ -d "$d" ] && dirs+=("$d"); done
exec "$exe" "$here/corpus/$(basename "$exe" | sed 's/^replay_//')" "$tmp" "${dirs[@]}"
