#!/bin/bash
# bench/known.sh BUILD [ROWS]: the known-file store (docs/known.md) over
# generated data: an NSRL-schema database of ROWS files (default 5
# million; made here with python3's sqlite3, a minute or two) and a
# winbindex folder of 100,000 entries. Prints the import rates (rows/s),
# the largest resident size of each import, the store's size per million
# hashes, and the lookup's cost per profile (bench_known). Not a test: run
# it by hand, on a quiet machine.
set -eu
b=$(realpath "$1")
rows=${2:-5000000}
here=$(dirname "$(realpath "$0")")
t=$(mktemp -d /tmp/pfs-known-XXXXXX)
# KEEP=1: the data and the store are left in $t, for more lookups
[ -n "${KEEP:-}" ] && echo "keeping $t" || trap 'rm -rf "$t"' EXIT

echo "generating an NSRL-schema database of $rows files..."
/usr/bin/python3 - "$t/rds.db" "$rows" "$here/../tests/integration" <<'PY'
import hashlib, sqlite3, sys
sys.path.insert(0, sys.argv[3])
from known_data import NSRL_SCHEMA
out, rows = sys.argv[1], int(sys.argv[2])
db = sqlite3.connect(out)
db.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;")
db.executescript(NSRL_SCHEMA)
db.execute("INSERT INTO VERSION VALUES ('2026.09.1', 'modern', '', '', '')")
npkg = 5000
db.executemany("INSERT INTO OPERATING_SYSTEM VALUES (?, ?, '', 'x64')",
               [(i, "Windows %d" % i) for i in range(1, 21)])
db.executemany("INSERT INTO MANUFACTURER VALUES (?, ?)",
               [(i, "Vendor %d" % i) for i in range(1, 201)])
db.executemany("INSERT INTO APPLICATION (application_id, package_id, name,"
               " version) VALUES (?, ?, ?, ?)",
               [(i, i, "Product %d" % i, "%d.0" % (i % 30))
                for i in range(1, npkg + 1)])
db.executemany("INSERT INTO OPERATING_SYSTEM_APPLICATION VALUES (?, ?)",
               [(1 + i % 20, i) for i in range(1, npkg + 1)])
db.executemany("INSERT INTO MANUFACTURER_APPLICATION VALUES (?, ?)",
               [(1 + i % 200, i) for i in range(1, npkg + 1)])
batch = 100000
for start in range(0, rows, batch):
    n = range(start, min(rows, start + batch))
    db.executemany(
        "INSERT INTO METADATA (metadata_id, object_id, file_name, bytes,"
        " sha256) VALUES (?, ?, ?, ?, ?)",
        ((i + 1, i + 1, "file%d.dll" % (i % 50000), 1000 + i % 99999,
          hashlib.sha256(b"%d" % i).hexdigest()) for i in n))
    db.executemany("INSERT INTO PACKAGE_OBJECT VALUES (?, ?, ?)",
                   ((i + 1, 1 + i % npkg, i + 1) for i in n))
db.execute("CREATE INDEX po_object ON PACKAGE_OBJECT (object_id)")
db.commit()
PY
echo "nsrl database: $(du -m "$t/rds.db" | cut -f1) MB"

# TIME: the largest resident size of the command in KiB
rss() { /usr/bin/time -f '%M' -o "$t/rss" "$@"; cat "$t/rss"; }
ms() { local s=$(date +%s%N); "$@" >/dev/null 2>&1; echo $((($(date +%s%N) - s) / 1000000)); }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
# the peer: sqlite3 reading the same rows through the same views, and
# writing them nowhere (what any import must at least do)
sync
peer=$(ms sqlite3 "file:$t/rds.db?immutable=1" "SELECT f.sha256, f.file_name,
	f.file_size, p.name, p.version, o.name, m.name FROM FILE f JOIN PKG p
	USING (package_id) LEFT JOIN OS o USING (operating_system_id) LEFT JOIN
	MFG m ON m.manufacturer_id = p.manufacturer_id")
echo "importing it..."
s=$(date +%s%N)
kib=$(rss "$b/profilefs" known add -q --known="$t/known.db" "$t/rds.db" 2>"$t/err")
ours=$((($(date +%s%N) - s) / 1000000))
cat "$t/err"
echo "nsrl import: largest resident size $((kib / 1024)) MiB"
echo "nsrl import ${ours} ms, sqlite3 reading the same rows ${peer} ms: ratio $(ratio "$ours" "$peer")"
size=$(stat -c %s "$t/known.db")
awk -v s="$size" -v r="$rows" 'BEGIN { printf "store: %.1f MB, %.1f MB per million hashes\n", s / 1e6, s / 1e6 / (r / 1e6) }'

echo "generating a winbindex folder of 100,000 entries..."
/usr/bin/python3 - "$t/wb" <<'PY'
import gzip, hashlib, json, os, sys
d = os.path.join(sys.argv[1], "by_filename_compressed")
os.makedirs(d)
for n in range(2000):
    obj = {}
    for i in range(50):
        sha = hashlib.sha256(b"wb%d.%d" % (n, i)).hexdigest()
        obj[sha] = {"fileInfo": {"machineType": 34404,
                                 "version": "10.0.%d.%d (WinBuild)" % (i % 5, i)},
                    "windowsVersions": {"11-22H2": {"KB50%05d" % i: {
                        "updateInfo": {"releaseDate": "2023-03-28"}}}}}
    with gzip.open(os.path.join(d, "file%d.dll.json.gz" % n), "wt") as f:
        json.dump(obj, f)
PY
# the peer: gunzip and Python's json reading every file, keeping nothing
peer=$(ms /usr/bin/python3 -c 'import glob, gzip, json, sys
for f in glob.glob(sys.argv[1] + "/by_filename_compressed/*.json.gz"):
    json.load(gzip.open(f))' "$t/wb")
s=$(date +%s%N)
kib=$(rss "$b/profilefs" known add -q --known="$t/known.db" "$t/wb" 2>"$t/err")
ours=$((($(date +%s%N) - s) / 1000000))
cat "$t/err"
echo "winbindex import: largest resident size $((kib / 1024)) MiB"
echo "winbindex import ${ours} ms, python3 gzip+json reading it ${peer} ms: ratio $(ratio "$ours" "$peer")"

echo "lookups:"
hit_nsrl=$(printf 42 | sha256sum | cut -c1-64)
hit_wb=$(printf wb7.3 | sha256sum | cut -c1-64)
"$b/bench/bench_known" "$t/known.db" 20000 file7.dll "$hit_nsrl" "$hit_wb"
