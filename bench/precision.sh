#!/bin/bash
# precision.sh BUILD SIGMA LOLBAS [NAME...]: indexes a checkout of sigma
# and one of LOLBAS (any recent ones; their paths as given) into a
# database of its own and prints bench_precision's table: per name rows,
# relevant rows (the rule file names the binary in full), precision,
# relevant rows among the first 10, rows from a licence file.
set -euo pipefail
b=$1 sigma=$2 lolbas=$3
shift 3
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
"$b/profilefs" rules add -q --rules="$t/rules.db" "$sigma" "$lolbas"
"$b/bench/bench_precision" "$t/rules.db" "$@"
