#!/bin/bash
# A Windows catalog of 1.5 million members (about 180 MB), written by
# catscale.py and signed by openssl cms, indexed by a mount: the mount
# answers stat, ls and the profiles that do not need the catalogs while it
# is indexed; the daemon's peak RSS stays under 256 MiB while it indexes,
# and when it has made the catalog's verdict (the catalog read in parts),
# under 64 MiB when it makes only the verdict;
# a profile that needs the index waits for it and finds its file verified
# (never "not signed"); every member is in the index (the count comes
# from the generator's parameter); SIGTERM during the indexing ends the
# daemon with status 0 within 5 s.
#
# The catalog and its PKI are kept under ~/.cache/profilefs-oracle (or
# $PROFILEFS_ORACLE_CACHE), by member count and the listed file's PE hash:
# made once (about 10 s), then reused.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pki.sh"
: "${FIXTURES:?set FIXTURES to the built PE fixtures}"
N=${CATSCALE_MEMBERS:-1500000}
base=${PROFILEFS_ORACLE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/profilefs-oracle}/catscale-v1
K=$base/pki
if [ ! -s "$K/root.pem" ] || [ ! -s "$K/leaf.key" ]; then
	rm -rf "$base"
	mkdir -p "$base"
	pki_make "$K" || { bad "openssl could not make the test PKI: $(tail -5 "$K/pki.log")"; finish; }
fi

mkdir -p "$SRC/sys"
cp "$FIXTURES/x64/noenglish.dll" "$SRC/sys/member.dll"
cp "$FIXTURES/x64/exports.dll" "$SRC/sys/notlisted.dll"
head -c 5000 /dev/urandom >"$SRC/small.dll"
# the member's PE hash, computed by osslsigncode over a signed copy
osslsigncode sign -certs "$K/other.pem" -key "$K/other.key" -h sha256 \
	-in "$SRC/sys/member.dll" -out "$T/hashcopy" >"$T/sign.log" 2>&1
h=$(ossl_calculated "$T/hashcopy" | tr A-F a-f)
check "osslsigncode gave the PE hash" [ ${#h} -eq 64 ]
CATDIR=$base/$N-$h
if [ ! -s "$CATDIR/big.cat" ]; then
	# catalogs made for other fixtures (another build's) a day ago or more
	# go; a newer one may be another run's, in use
	find "$base" -mindepth 1 -maxdepth 1 -name '[0-9]*-*' -mmin +1440 \
		-exec rm -rf {} +
	mkdir -p "$CATDIR"
	s=$(date +%s)
	/usr/bin/python3 "$(dirname "$0")/catscale.py" "$CATDIR/big.cat" "$N" \
		"$K/leaf" "$K/inter.pem" "$h" 2>>"$T/sign.log" ||
		{ bad "catscale.py: $(tail -3 "$T/sign.log")"; finish; }
	echo "made a catalog of $N members in $(($(date +%s) - s)) s"
fi
size=$(stat -c %s "$CATDIR/big.cat")
echo "catalog: $N members, $((size >> 20)) MiB"

pending() { # catalogs recorded but not sealed yet
	sqlite3 "$CACHE" "SELECT count(*) FROM catalogs WHERE sha256 IS NULL" 2>/dev/null
}
sealed() {
	sqlite3 "$CACHE" "SELECT count(*) FROM catalogs WHERE sha256 IS NOT NULL" 2>/dev/null
}
hwm_kb() { awk '/^VmHWM/ {print $2}' "/proc/$PID/status"; }
# hwm_under WHAT MIB: prints the daemon's peak RSS, and checks it is under
# MIB in the plain build (a sanitizer's shadow memory is not the daemon's)
hwm_under() {
	hwm=$(hwm_kb)
	echo "daemon peak RSS $1: $((hwm >> 10)) MiB"
	if [ "$SANITIZED" = 1 ]; then
		echo "(sanitized build: the RSS bound is checked by the plain build)"
	else
		check "peak RSS $1 under $2 MiB" [ "$hwm" -lt $(($2 << 10)) ]
	fi
}

wait_sealed() { # waits up to 3 minutes for the catalog to be indexed
	local i
	for i in $(seq 1 900); do
		[ "$(sealed)" = 1 ] && return 0
		sleep 0.2
	done
	return 1
}

# 1. While it is indexed: stat, ls and a profile that needs no catalog
# answer; a profile that needs the index waits for it, then is verified
mount_fs --trust="$K/root.pem" --catalogs="$CATDIR" || finish
start=$(date +%s)
cat "$MNT/sys/member.dll.md" >"$T/early.md" 2>&1 &
early=$!
sleep 1
worst=0
for f in small.dll small.dll.md sys sys/member.dll sys/member.dll.md; do
	ms=$(stat_ms "$MNT/$f")
	[ "$ms" -gt "$worst" ] && worst=$ms
done
echo "stat while the catalog is indexed: worst ${worst} ms"
check "stat answers within 2 s while the catalog is indexed" [ "$worst" -lt 2000 ]
check "ls answers meanwhile" bash -c 'ls "$0/sys" | grep -qx member.dll.md' "$MNT"
want=$(sha256sum "$SRC/small.dll" | cut -d' ' -f1 | tr a-f A-F)
s=$(date +%s%N)
got=$(grep '^SHA256 ' "$MNT/small.dll.md")
ms=$((($(date +%s%N) - s) / 1000000))
check_eq "a profile that needs no catalog is made meanwhile" "$got" "SHA256 | \`$want\`"
check "... within 2 s (${ms} ms)" [ "$ms" -lt 2000 ]
check_eq "the catalog was still being indexed then" "$(pending)" 1
check "the reader of the member's profile waits for the index" kill -0 "$early"
check "the catalog is indexed" wait_sealed
echo "indexed $N members in about $(($(date +%s) - start)) s"
check_eq "every member is in the index" \
	"$(sqlite3 "$CACHE" 'SELECT count(*) FROM catalog_members')" "$N"
wait "$early"
check_eq "the early reader's profile: verified by the catalog, once indexed" \
	"$(sig_bullet Status <"$T/early.md")" "Signature verified."
check_eq "the early reader's profile: the catalog named" \
	"$(sig_bullet Catalog <"$T/early.md")" "big.cat"
sig_bullet Status <"$MNT/sys/notlisted.dll.md" >"$T/notlisted"
check "a file the catalog does not list: not signed" \
	grep -q '^The file is not signed' "$T/notlisted"
hwm_under "with the member's verdict (the catalog read in parts)" 256
umount_fs

# 1b. The catalog's verdict alone: a new mount over the same index (the
# catalog is unchanged: not read again), the member's profile made. Its
# memory: 1 MiB windows and at most twice 4 MiB of the SignedData without
# its content (SIG_CAT_WINDOW, SIG_CAT_SKELETON), over the daemon's own
# (about 20 MiB): under 64 MiB whatever the catalog's size.
mount_fs --trust="$K/root.pem" --catalogs="$CATDIR" || finish
check "the index is kept" wait_sealed
s=$(date +%s%N)
got=$(sig_bullet Status <"$MNT/sys/member.dll.md")
ms=$((($(date +%s%N) - s) / 1000000))
check_eq "the member's profile, the index kept: verified" "$got" "Signature verified."
echo "the catalog's verdict (read in parts): ${ms} ms"
hwm_under "with the verdict alone" 64
umount_fs

# 2. The daemon's peak RSS while it indexes (a new cache; no profile asks
# for the catalog's verdict)
rm -f "$CACHE" "$CACHE"-*
mount_fs --trust="$K/root.pem" --catalogs="$CATDIR" || finish
check "the catalog is indexed again" wait_sealed
hwm_under "while indexing $N members" 256
umount_fs

# 3. SIGTERM while the catalog is indexed (a new cache): exit 0 within 5 s
rm -f "$CACHE" "$CACHE"-*
mount_fs --trust="$K/root.pem" --catalogs="$CATDIR" || finish
sleep 2
check_eq "SIGTERM: the catalog is being indexed" "$(pending)" 1
signal_ends TERM "SIGTERM during the indexing"
finish
