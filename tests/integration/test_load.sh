#!/bin/bash
# Load: 64 concurrent readers across 500 files on a cold cache, every
# profile correct and no reader seeing an error (SQLITE_BUSY included);
# while 10 large profiles compute, stat and readdir stay fast (p99 under
# 50 ms).
. "$(dirname "$0")/lib.sh"
for d in $(seq 1 10); do
	mkdir -p "$SRC/d$d"
	for i in $(seq 1 50); do
		head -c $((1000 + (d * 50 + i) * 61)) /dev/urandom >"$SRC/d$d/f$i.dll"
	done
done
mount_fs || finish
(cd "$SRC" && find . -name '*.dll' | sort) >"$T/list"
check_eq "500 files" "$(wc -l <"$T/list")" 500
# 64 readers, each a share of the list, all at once; then each profile
# against the CLI's (one process for all: the same bytes, in order)
(cd "$MNT" && sed 's/$/.md/' "$T/list" | xargs -P 64 -n 8 sh -c \
	'for f; do cat "$f" >/dev/null || echo "read failed: $f"; done' _) \
	>"$T/errors" 2>&1
check "no reader saw an error" bash -c '! [ -s "$0" ]' "$T/errors"
(cd "$MNT" && sed 's/$/.md/' "$T/list" | xargs cat) >"$T/got"
(cd "$SRC" && xargs "$PROFILEFS" profile --no-cache --root="$SRC" <"$T/list") >"$T/want"
check "all 500 profiles correct" cmp -s "$T/got" "$T/want"
check_eq "each computed once" "$(stat_of computed)" 500
check "no SQLITE_BUSY or other cache error" \
	bash -c '! grep -qi "busy\|locked\|cache:" "$0"' "$T/daemon.log"

# 10 large profiles computing; stat and readdir meanwhile
for i in $(seq 1 10); do head -c $((96 << 20)) /dev/urandom >"$SRC/big$i.dll"; done
for i in $(seq 1 10); do cat "$MNT/big$i.dll.md" >/dev/null & done
for i in $(seq 1 100); do [ "$(stat_of computing)" -ge 5 ] && break; sleep 0.02; done
/usr/bin/python3 - "$MNT" "$T/lat" <<'PY'
import os, sys, time
mnt, out = sys.argv[1], sys.argv[2]
lat = []
for i in range(300):
    d = os.path.join(mnt, "d%d" % (i % 10 + 1))
    t = time.monotonic()
    if i % 2:
        os.listdir(d)
    else:
        os.stat(os.path.join(d, "f%d.dll.md" % (i % 50 + 1)))
        os.stat(os.path.join(d, "f%d.dll" % (i % 50 + 1)))
    lat.append((time.monotonic() - t) * 1000)
    time.sleep(0.005)
lat.sort()
open(out, "w").write("%.1f %.1f %.1f\n" % (lat[len(lat) // 2], lat[len(lat) * 99 // 100], lat[-1]))
PY
read -r p50 p99 max <"$T/lat"
busy=$(stat_of computing)
echo "while large profiles compute ($busy still at the end): stat/readdir p50 ${p50} ms, p99 ${p99} ms, max ${max} ms"
check "the large profiles were still computing" [ "$busy" -ge 1 ]
check "stat and readdir p99 under 50 ms (${p99} ms)" awk -v p="$p99" 'BEGIN { exit !(p < 50) }'
wait $(jobs -p | grep -v "^$PID\$")
umount_fs
finish
