#!/bin/bash
# The mount's command line: every option of `profilefs --help` in its
# spellings (--name=V, --name V, -o name=V, -o name_with_underscores=V),
# each seen to take effect through a real mount; lists in -o (ext=dll:exe,
# ext="dll,exe", formats=md:json); mistakes refused in one line with exit
# status 2; the in-place mount (SOURCE over itself).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pki.sh"
: "${FIXTURES:?set FIXTURES to the built PE fixtures}"
have_examples || { bad "no example binaries (EXAMPLES)"; finish; }
command -v jq >/dev/null || { bad "jq is missing (scripts/deps.sh)"; finish; }

cp "$EXAMPLES/hello.dll" "$EXAMPLES/tool.exe" "$SRC/"
printf 'MZ' >"$SRC/tiny.sys"
{ printf 'MZ'; head -c 500 /dev/urandom; } >"$SRC/noext"
echo "plain text" >"$SRC/notes.txt"

# spelled K NAME [VALUE]: the option in spelling K into the array SP
#   0 --name=V   1 -o name=V   2 -o name_with_underscores=V   3 --name V
spelled() {
	local k=$1 name=$2 us=${2//-/_}
	SP=()
	if [ $# -eq 2 ]; then
		case $k in
		0) SP=("--$name") ;;
		1) SP=(-o "$name") ;;
		2) SP=(-o "$us") ;;
		esac
		return
	fi
	case $k in
	0) SP=("--$name=$3") ;;
	1) SP=(-o "$name=$3") ;;
	2) SP=(-o "$us=$3") ;;
	3) SP=("--$name" "$3") ;;
	esac
}
# the options --help lists, one per line ("name" or "name=")
help_opts() {
	"$PROFILEFS" --help | grep -oE '^    --[a-z-]+=?' | sed 's/^ *--//'
}
tested=()

# --- every option in its spellings, each seen to work --------------------

# cache=PATH: the database is made there
for k in 0 1 2 3; do
	spelled $k cache "$T/c$k/cache.db"
	mount_fs "${SP[@]}" || continue
	cat "$MNT/hello.dll.md" >/dev/null
	umount_fs
	check "cache (${SP[*]}): a row in the database" \
		[ "$(sqlite3 "$T/c$k/cache.db" 'SELECT count(*) FROM files')" -ge 1 ]
done
tested+=(cache=)

# no-cache: nothing is written to --cache. With a CatRoot in the source
# (whose index lives in the cache), no-catalogs must say it means to go
# without the catalogs: else refused, one line, exit 2, nothing mounted
catroot="$SRC/Windows/System32/CatRoot/{F750E6C3-38EE-11D1-85E5-00C04FC295EE}"
mkdir -p "$catroot"
for k in 0 1 2; do
	rm -rf "$T/cache"
	spelled $k no-catalogs
	nc=("${SP[@]}")
	spelled $k no-cache
	mount_fs "${SP[@]}" "${nc[@]}" || continue
	check "no-cache (${SP[*]}), no-catalogs (${nc[*]}): a profile" \
		grep -q '^# hello.dll$' "$MNT/hello.dll.md"
	umount_fs
	check "no-cache (${SP[*]}): no database" [ ! -e "$CACHE" ]
done
"$PROFILEFS" --no-cache "$SRC" "$MNT" 2>"$T/err"
check_eq "no-cache with a CatRoot, without no-catalogs: exit status" "$?" 2
check_eq "... one line" "$(wc -l <"$T/err")" 1
check "... says no-catalogs" grep -q "cannot be indexed without a cache: add --no-catalogs" "$T/err"
check "... not mounted" bash -c '! mountpoint -q "$0"' "$MNT"
"$PROFILEFS" --no-catalogs --catalogs="$catroot" "$SRC" "$MNT" 2>"$T/err"
check_eq "catalogs with no-catalogs: exit status" "$?" 2
rm -rf "$SRC/Windows"
tested+=(no-cache no-catalogs)

# drive=X:: File Path starts with it
for k in 0 1 2 3; do
	spelled $k drive E:
	mount_fs "${SP[@]}" || continue
	check_eq "drive (${SP[*]})" "$(grep '^\* File Path:' "$MNT/hello.dll.md")" \
		'* File Path: `E:\hello.dll`'
	umount_fs
done
tested+=(drive=)

# ext=LIST: exactly the extensions listed, however they are separated
ext_is_dll_exe() {
	local what=$1
	check_eq "$what: the profiles" "$(cd "$MNT" && ls -- *.md | tr '\n' ' ')" \
		"hello.dll.md tool.exe.md "
}
for k in 0 1 2 3; do
	spelled $k ext dll:exe
	mount_fs "${SP[@]}" || continue
	ext_is_dll_exe "ext (${SP[*]})"
	umount_fs
done
for spelling in "--ext=dll,exe" "--ext=.dll:.EXE" "-oext=\"dll,exe\""; do
	mount_fs "$spelling" || continue
	ext_is_dll_exe "ext ($spelling)"
	umount_fs
done
mount_fs -o 'ro,ext="dll,exe",drive=F:' || true
ext_is_dll_exe "ext (-o ro,ext=\"dll,exe\",drive=F:)"
check "the option after the quoted list" grep -q 'F:\\hello.dll' "$MNT/hello.dll.md"
umount_fs
tested+=(ext=)

# formats=LIST: B.json beside B.md, however the list is separated
for k in 0 1 2 3; do
	spelled $k formats md:json
	mount_fs "${SP[@]}" || continue
	check "formats (${SP[*]}): hello.dll.md" grep -q '^# hello.dll$' "$MNT/hello.dll.md"
	check_eq "formats (${SP[*]}): hello.dll.json" \
		"$(jq -r .name "$MNT/hello.dll.json")" hello.dll
	umount_fs
done
for spelling in "--formats=json,md" "-oformats=\"md,json\""; do
	mount_fs "$spelling" || continue
	check "formats ($spelling): hello.dll.json" jq -e .hashes "$MNT/hello.dll.json" >/dev/null
	umount_fs
done
mount_fs -o formats=json || true
check "formats=json: no hello.dll.md" [ ! -e "$MNT/hello.dll.md" ]
check "formats=json: hello.dll.json" [ -f "$MNT/hello.dll.json" ]
umount_fs
mount_fs || true
check "without formats: no hello.dll.json" [ ! -e "$MNT/hello.dll.json" ]
umount_fs
tested+=(formats=)

# view=NAME: the view under another name; the default's name is then the
# source's own entry again
mkdir -p "$SRC/.profiles"
echo "mine" >"$SRC/.profiles/own.txt"
for k in 0 1 2 3; do
	spelled $k view pv
	mount_fs "${SP[@]}" || continue
	check_eq "view (${SP[*]}): the view's profiles" "$(ls "$MNT/pv" | tr '\n' ' ')" \
		"SUMMARY.md hello.dll.md tiny.sys.md tool.exe.md "
	check_eq "view (${SP[*]}): .profiles is the source's" "$(cat "$MNT/.profiles/own.txt")" mine
	umount_fs
done
mount_fs || finish
check "without view: .profiles is the view" [ -f "$MNT/.profiles/hello.dll.md" ]
check "without view: the source's .profiles is hidden" [ ! -e "$MNT/.profiles/own.txt" ]
check "without view: the hidden entry is not listed" bash -c '! ls -a "$0" | grep -qx .profiles' "$MNT"
umount_fs
for v in a/b . ..; do
	"$PROFILEFS" -f --cache="$CACHE" --view="$v" "$SRC" "$MNT" 2>"$T/err"
	check_eq "view=$v: refused, exit status" "$?" 2
	check "view=$v: says so" grep -q "view wants one file name" "$T/err"
done
rm -r "$SRC/.profiles"
tested+=(view=)

# warm: every binary's profile computed after the mount, nothing read
for k in 0 1 2; do
	rm -rf "$T/cache"
	spelled $k warm
	mount_fs "${SP[@]}" || continue
	n=$(cd "$SRC" && ls -- *.dll *.exe *.sys | wc -l)
	for i in $(seq 1 100); do
		[ "$(stat_of computed)" = "$n" ] && break
		sleep 0.1
	done
	check_eq "warm (${SP[*]}): every binary computed" "$(stat_of computed)" "$n"
	check_eq "warm (${SP[*]}): the walk ended" "$(stat_of warm_walked)" 1
	umount_fs
done
"$PROFILEFS" -f --no-cache --warm "$SRC" "$MNT" 2>"$T/err"
check_eq "warm with no-cache: refused, exit status" "$?" 2
check "warm with no-cache: says so" grep -q "warm keeps what it computes in the cache" "$T/err"
tested+=(warm)

# sniff-mz: a file without an extension that starts with MZ;
# stat-computes (in the same mounts): the stat of a profile of an empty
# cache computes it, and says its size
for k in 0 1 2; do
	rm -rf "$T/cache"
	spelled $k stat-computes
	sc=("${SP[@]}")
	spelled $k sniff-mz
	mount_fs "${SP[@]}" "${sc[@]}" || continue
	size=$(stat -c %s "$MNT/hello.dll.md")
	check_eq "stat-computes (${sc[*]}): computed by the stat" \
		"$(stat_of computed)" 1
	check_eq "stat-computes (${sc[*]}): the size read" "$size" \
		"$(wc -c <"$MNT/hello.dll.md")"
	check "sniff-mz (${SP[*]})" [ -f "$MNT/noext.md" ]
	umount_fs
done
rm -rf "$T/cache"
mount_fs || finish
check "without sniff-mz: no profile" [ ! -e "$MNT/noext.md" ]
check_eq "without stat-computes: size 0 before a read" \
	"$(stat -c %s "$MNT/hello.dll.md")" 0
check_eq "without stat-computes: nothing computed" "$(stat_of computed)" 0
umount_fs
tested+=(sniff-mz stat-computes)

# max-size=SIZE: a larger file is not read
hello_size=$(stat -c %s "$SRC/hello.dll")
for k in 0 1 2 3; do
	spelled $k max-size 1K
	mount_fs "${SP[@]}" || continue
	check "max-size (${SP[*]})" grep -q "The file is $hello_size bytes, more than the size cap of 1024" \
		"$MNT/hello.dll.md"
	umount_fs
done
tested+=(max-size=)

# time-limit=SECS: reading a 64 GiB sparse file stops after 1 s
truncate -s 64G "$SRC/huge.dll"
for k in 0 1 2 3; do
	spelled $k time-limit 1
	mount_fs --no-cache "${SP[@]}" || continue
	start=$(date +%s)
	check "time-limit (${SP[*]})" grep -q "Reading stopped after 1 s (the time limit)" "$MNT/huge.dll.md"
	check "time-limit (${SP[*]}): in time" [ $(($(date +%s) - start)) -lt $((10 * TIME_SCALE)) ]
	umount_fs
done
rm "$SRC/huge.dll"
tested+=(time-limit=)

# memory=SIZE: the budget; under 16M is refused, in every spelling (the
# budget's effect is test_bounded.sh's), a larger one serves
for k in 0 1 2 3; do
	spelled $k memory 1M
	"$PROFILEFS" -f --cache="$CACHE" "${SP[@]}" "$SRC" "$MNT" 2>"$T/err"
	check_eq "memory (${SP[*]}): too small, exit status" "$?" 2
	check "memory (${SP[*]}): says so" grep -q "memory wants a size of at least 16M" "$T/err"
	spelled $k memory 64M
	mount_fs "${SP[@]}" || continue
	check "memory (${SP[*]}): serves" grep -q '^# hello.dll$' "$MNT/hello.dll.md"
	umount_fs
done
tested+=(memory=)

# kernel-cache=SECS: with 0 the kernel keeps no page, so each cat of a
# profile is read by the daemon (with the default, 1 s, the fourth cat is
# served from the page cache: test_kcache.sh tests the caching)
for k in 0 1 2 3; do
	spelled $k kernel-cache 0
	mount_fs "${SP[@]}" || continue
	for i in 1 2 3; do cat "$MNT/hello.dll.md" >/dev/null; done
	r=$(stat_of profile_reads)
	cat "$MNT/hello.dll.md" >/dev/null
	check "kernel-cache (${SP[*]}): the daemon reads each time" \
		[ "$(stat_of profile_reads)" -gt "$r" ]
	umount_fs
done
tested+=(kernel-cache=)

# trust-metadata: a profile cached by an earlier mount is served without
# the file being read (without it, the read checks it against the file's
# SHA-256); its size is there at once either way (without it, as a hint)
rm -rf "$T/cache"
mount_fs || finish
want=$(wc -c <"$MNT/hello.dll.md")
umount_fs
mount_fs || finish
check_eq "without trust-metadata: the size at once" "$(stat -c %s "$MNT/hello.dll.md")" "$want"
cat "$MNT/hello.dll.md" >/dev/null
check_eq "without trust-metadata: the read checks the file" "$(stat_of verified)" 1
umount_fs
for k in 0 1 2; do
	spelled $k trust-metadata
	mount_fs "${SP[@]}" || continue
	check_eq "trust-metadata (${SP[*]}): the size at once" "$(stat -c %s "$MNT/hello.dll.md")" "$want"
	cat "$MNT/hello.dll.md" >/dev/null
	check_eq "trust-metadata (${SP[*]}): the file not read" "$(stat_of verified)" 0
	umount_fs
done
tested+=(trust-metadata)

# volume-id=NAME: the cache's file identities are of the name (the first 8
# bytes of SHA-256("name:NAME"), as a signed 64-bit integer in SQLite)
for k in 0 1 2 3; do
	rm -rf "$T/cache"
	spelled $k volume-id "case-$k"
	mount_fs "${SP[@]}" || continue
	cat "$MNT/hello.dll.md" >/dev/null
	umount_fs
	want=$(python3 -c 'import hashlib, sys
v = int.from_bytes(hashlib.sha256(("name:" + sys.argv[1]).encode()).digest()[:8], "big")
print(v - (1 << 64) if v >= 1 << 63 else v)' "case-$k")
	check_eq "volume-id (${SP[*]})" "$(sqlite3 "$CACHE" 'SELECT DISTINCT dev FROM files')" "$want"
done
tested+=(volume-id=)

# partition=N: a disk of two NTFS partitions (build-disk.sh), hello.dll
# written into the first by ntfscp (no mount); N chooses which is shown,
# and without it the disk is refused
NTFS_DIR=$(cd "$(dirname "$0")/../ntfs" && pwd)
truncate -s 8M "$T/part1.img"
mkntfs -F -f -q -L FIRST -p 2048 "$T/part1.img" >/dev/null 2>&1 &&
	ntfscp -f "$T/part1.img" "$SRC/hello.dll" /hello.dll >/dev/null 2>&1 &&
	bash "$NTFS_DIR/build-disk.sh" "$T/part1.img" "$T/disk.img" mbr >/dev/null 2>&1
check_eq "partition: the disk is built" "$?" 0
FOLDER=$SRC
SRC=$T/disk.img
"$PROFILEFS" -f --cache="$CACHE" "$SRC" "$MNT" 2>"$T/err"
check_eq "partition: a disk of two without it: exit status" "$?" 1
check "partition: the partitions listed" grep -q "partition 2:" "$T/err"
for k in 0 1 2 3; do
	spelled $k partition 1
	mount_fs "${SP[@]}" || continue
	check "partition (${SP[*]}): the first's hello.dll.md" grep -q '^# hello.dll$' "$MNT/hello.dll.md"
	umount_fs
	spelled $k partition 2
	mount_fs "${SP[@]}" || continue
	check "partition (${SP[*]}): the second has no hello.dll" [ ! -e "$MNT/hello.dll" ]
	umount_fs
done
SRC=$FOLDER
tested+=(partition=)

# trust=FILE, no-default-trust, catalogs=DIR: a test PKI (openssl), a DLL
# signed by osslsigncode, a catalog outside the tree listing another one
K=$T/pki
pki_make "$K" || { bad "openssl could not make the test PKI"; finish; }
osslsigncode sign -certs "$K/chain.pem" -key "$K/leaf.key" -h sha256 \
	-in "$FIXTURES/x64/exports.dll" -out "$SRC/signed.dll" >"$T/sign.log" 2>&1 ||
	bad "osslsigncode sign"
cp "$FIXTURES/x64/noenglish.dll" "$SRC/member.dll"
osslsigncode sign -certs "$K/other.pem" -key "$K/other.key" -h sha256 \
	-in "$SRC/member.dll" -out "$T/hashcopy" >>"$T/sign.log" 2>&1 || bad "osslsigncode sign (hash)"
h_member=$(ossl_calculated "$T/hashcopy")
mkdir -p "$T/cats"
cat_make "$T/cats/test.cat" "$K/leaf" "$h_member" 2>>"$T/sign.log" || bad "cat_make"
verified="Signature verified."
status() { sig_bullet Status <"$MNT/$1.md"; }

for k in 0 1 2 3; do
	spelled $k trust "$K/root.pem"
	mount_fs "${SP[@]}" || continue
	check_eq "trust (${SP[*]})" "$(status signed.dll)" "$verified"
	umount_fs
done
mount_fs || finish
check "without trust: not verified" [ "$(status signed.dll)" != "$verified" ]
umount_fs
tested+=(trust=)

# the system's bundle is OpenSSL's default file (SSL_CERT_FILE): the test
# root there is trusted only with system-trust
SSL_CERT_FILE=$K/root.pem mount_fs || finish
check "the system bundle is not trusted by default" \
	[ "$(status signed.dll)" != "$verified" ]
umount_fs
for k in 0 1 2; do
	spelled $k system-trust
	SSL_CERT_FILE=$K/root.pem mount_fs "${SP[@]}" || continue
	check_eq "system-trust (${SP[*]}): verified" "$(status signed.dll)" \
		"$verified"
	umount_fs
done
tested+=(system-trust)
# no-default-trust: the roots of the root program and those Windows keeps
# built in (as many as the two shipped PEMs hold distinct certificates,
# by openssl's SHA-1 fingerprints) are not loaded; the mount says what it
# trusts
data=$(dirname "$0")/../../data
program=$(cat "$data/microsoft-trusted-roots.pem" "$data/windows-required-roots.pem" |
	awk -v x509="openssl x509 -noout -fingerprint -sha1" '/-----BEGIN CERTIFICATE-----/ { pem = "" }
		{ pem = pem $0 "\n" }
		/-----END CERTIFICATE-----/ { printf "%s", pem | x509; close(x509) }' | sort -u | wc -l)
: >"$T/daemon.log"
mount_fs || finish
umount_fs
check "by default the root program's and the built-in $program roots are trusted" \
	grep -q "trust: $program root certificates (Microsoft's root program: yes" "$T/daemon.log"
for k in 0 1 2; do
	spelled $k no-default-trust
	: >"$T/daemon.log"
	mount_fs --trust="$K/root.pem" "${SP[@]}" || continue
	check_eq "no-default-trust (${SP[*]}): the --trust root still verifies" \
		"$(status signed.dll)" "$verified"
	umount_fs
	check "no-default-trust (${SP[*]}): only the --trust root" \
		grep -q "trust: 1 root certificates (Microsoft's root program: no" "$T/daemon.log"
done
tested+=(no-default-trust)

for k in 0 1 2 3; do
	rm -rf "$T/cache"
	spelled $k catalogs "$T/cats"
	mount_fs --trust="$K/root.pem" "${SP[@]}" || continue
	check_eq "catalogs (${SP[*]})" "$(status member.dll)" "$verified"
	umount_fs
done
tested+=(catalogs=)

# rules=PATH: the rules index named (a database of its own), each spelling
mkdir -p "$T/rrepo"
echo "image: hello.dll" >"$T/rrepo/r.yml"
"$PROFILEFS" rules add -q --rules="$T/rules-x/r.db" "$T/rrepo" || bad "rules add --rules"
for k in 0 1 2 3; do
	spelled $k rules "$T/rules-x/r.db"
	mount_fs "${SP[@]}" || continue
	check "rules (${SP[*]}): the rows" grep -q '^## Possible Misuse' "$MNT/hello.dll.md"
	umount_fs
done
mount_fs || finish
check "without rules: no rows" bash -c '! grep -q "^## Possible Misuse" "$0"' "$MNT/hello.dll.md"
umount_fs
tested+=(rules=)

# rich-names=FILE: a table is read before the mount, each spelling (a
# table with a line that is not an entry is refused, naming it; the names
# themselves: test_richnames.sh)
printf '01057809 [C++] a compiler\nnot an entry\n' >"$T/names.txt"
for k in 0 1 2 3; do
	spelled $k rich-names "$T/names.txt"
	"$PROFILEFS" -f --cache="$CACHE" "${SP[@]}" "$SRC" "$MNT" 2>"$T/err"
	check_eq "rich-names (${SP[*]}): refused" "$?" 2
	check "rich-names (${SP[*]}): the line named" grep -q "names.txt: line 2 is not" "$T/err"
done
tested+=(rich-names=)

# known=PATH: the known-file store named (a database of its own), each
# spelling; without it the default (none here): no data
/usr/bin/python3 "$(dirname "$0")/known_data.py" nsrl "$T/rds.db" \
	"$(sha256sum "$SRC/hello.dll" | cut -c1-64):hello.dll:1:Hello Suite:1.0:Windows 10:Example Corp" &&
	"$PROFILEFS" known add -q --known="$T/known-x/k.db" "$T/rds.db" 2>/dev/null || bad "known add --known"
for k in 0 1 2 3; do
	spelled $k known "$T/known-x/k.db"
	mount_fs "${SP[@]}" || continue
	check "known (${SP[*]}): the verdict" grep -qx '\* Verdict: known (NSRL)' "$MNT/hello.dll.md"
	umount_fs
done
mount_fs || finish
check "without known: no data" grep -qx '\* Verdict: no data' "$MNT/hello.dll.md"
umount_fs
tested+=(known=)

# every option --help lists was tried above, and no other
check_eq "the options tested are those of --help" "$(help_opts | sort | tr '\n' ' ')" \
	"$(printf '%s\n' "${tested[@]}" | sort | tr '\n' ' ')"

# --- mistakes: one line, exit status 2, nothing mounted -------------------

# refused ARGS...: exit 2, one line on stderr naming what is wrong
refused() {
	local what=$1 want=$2
	shift 2
	"$PROFILEFS" -f --cache="$CACHE" "$@" 2>"$T/err" >/dev/null
	local rc=$?
	check_eq "$what: exit status" "$rc" 2
	check_eq "$what: one line" "$(wc -l <"$T/err")" 1
	check "$what: says '$want'" grep -qF -- "$want" "$T/err"
	check "$what: not mounted" bash -c '! mountpoint -q "$0"' "$MNT"
}
refused "-o ext=" "not an empty list" -o ext= "$SRC" "$MNT"
refused "--ext=" "not an empty list" --ext= "$SRC" "$MNT"
refused "-o ext=dll::exe" '"dll::exe"' -o ext=dll::exe "$SRC" "$MNT"
refused "-o ext=dll.exe" '"dll.exe"' -o ext=dll.exe "$SRC" "$MNT"
refused "-o ext=a/b" '"a/b"' -o ext=a/b "$SRC" "$MNT"
refused "-o formats=" "not an empty list" -o formats= "$SRC" "$MNT"
refused "--formats=md:html" '"md:html"' --formats=md:html "$SRC" "$MNT"
refused "unknown -o option" "unknown option(s): \`-o bogus'" -o ro,bogus "$SRC" "$MNT"
refused "unknown --option" "unknown option(s): \`--bogus=1'" --bogus=1 "$SRC" "$MNT"
refused "a flag with a value" "no_cache takes no value" -o no_cache=1 "$SRC" "$MNT"
refused "a value missing" "ext wants a value" -o ext "$SRC" "$MNT"
refused "not a number" 'time_limit wants a whole number, not "soon"' -o time_limit=soon "$SRC" "$MNT"
refused "not a size" 'max-size wants a size like 512M' --max-size=big "$SRC" "$MNT"
refused "a third argument" "invalid argument" "$SRC" "$MNT" "$T"
refused "a bad drive" "--drive wants a letter" -o drive=CD "$SRC" "$MNT"
refused "a missing --trust file" "$T/none.pem" -o trust="$T/none.pem" "$SRC" "$MNT"
mkdir -p "$SRC/sub"
refused "the mountpoint inside the source" "may not lie one inside the other" "$SRC" "$SRC/sub"
rmdir "$SRC/sub"
# missing MOUNTPOINT: the sentence and the short usage, not the help
"$PROFILEFS" "$SRC" 2>"$T/err"
check_eq "no MOUNTPOINT: exit status" "$?" 2
check "no MOUNTPOINT: short" [ "$(wc -l <"$T/err")" -le 5 ]
check "no MOUNTPOINT: usage line" grep -q "^usage: profilefs \[options\] SOURCE MOUNTPOINT" "$T/err"
# profilefs rules: a mistake gives the usage lines, not the whole help
for args in "bogus" "add --bogus" "--bogus"; do
	"$PROFILEFS" rules $args >/dev/null 2>"$T/err"
	check_eq "rules $args: exit status" "$?" 2
	check "rules $args: short" [ "$(wc -l <"$T/err")" -le 8 ]
	check "rules $args: the usage lines" grep -q "^usage: profilefs rules add" "$T/err"
	check "rules $args: not the whole help" bash -c '! grep -q "Indexes local clones" "$0"' "$T/err"
done
"$PROFILEFS" rules --help | grep -q "Indexes local clones"
check_eq "rules --help: the whole help" "$?" 0
# --help is the whole help, on stdout, status 0, with the exit statuses
"$PROFILEFS" --help >"$T/help" 2>"$T/err"
check_eq "--help: exit status" "$?" 0
check "--help: exit statuses" grep -q "^Exit status: 0 " "$T/help"
check "--help: nothing on stderr" [ ! -s "$T/err" ]

# --- every command: the options its --help lists are those it takes --------

# the long options CMD's --help lists ("name" or "name="), sorted
help_of() { "$PROFILEFS" $1 --help | grep -oE '^    (-[a-zA-Z], )?--[a-z-]+=?' | sed 's/^.*--//' | sort; }
# the mount's, as spelled in its --help, in the same form
all_opts=$(help_of "" | tr '\n' ' ')
for cmd in "" profile warm summary rules known; do
	name="profilefs${cmd:+ $cmd}"
	opts=$(help_of "$cmd")
	check "$name --help lists options" [ "$(wc -l <<<"$opts")" -ge 2 ]
	verb=; [ "$cmd" = rules ] || [ "$cmd" = known ] && verb=list
	for o in $opts; do
		# a valued option as the last word wants its value; a flag is
		# taken (and something else is missing, or it just runs)
		"$PROFILEFS" $cmd $verb "--${o%=}" </dev/null >/dev/null 2>"$T/err"
		check "$name takes --${o%=} (its --help lists it): $(head -n 1 "$T/err")" \
			bash -c '! grep -q "unknown option" "$0"' "$T/err"
		if [ "${o%=}" != "$o" ]; then
			check "$name --${o%=}: wants a value" grep -q "wants a value" "$T/err"
		fi
	done
	# the mount's options its --help does not list are refused
	[ -z "$cmd" ] && continue
	for o in $all_opts; do
		grep -qx -- "$o" <<<"$opts" && continue
		"$PROFILEFS" $cmd $verb "--${o%=}" </dev/null >/dev/null 2>"$T/err"
		check_eq "$name does not take --${o%=}: exit status" "$?" 2
		# (rules says of --cache that the rules index is not the cache)
		check "$name does not take --${o%=}: says so" \
			grep -qE -- "unknown option --${o%=}|rules index is a database of its own" "$T/err"
	done
done
# the options of the others are refused by the mount (FUSE's word)
for o in $(help_of profile; help_of warm; help_of rules; help_of known); do
	grep -qx -- "$o" <<<"$all_opts" && continue
	grep -qx -- "${o%=}" <<<"$(help_of "" | sed 's/=$//')" && continue
	"$PROFILEFS" -f --cache="$CACHE" "--${o%=}=1" "$SRC" "$MNT" 2>"$T/err"
	check_eq "the mount does not take --${o%=}: exit status" "$?" 2
	check "the mount does not take --${o%=}: says so" grep -q "unknown option" "$T/err"
done

# profile --memory: the mount's minimum, and a budget it serves with
"$PROFILEFS" profile --no-cache --memory=1M --root="$SRC" "$SRC/hello.dll" >/dev/null 2>"$T/err"
check_eq "profile --memory=1M: exit status" "$?" 2
check "profile --memory=1M: says so" grep -q "memory wants a size of at least 16M" "$T/err"
"$PROFILEFS" profile --no-cache --memory=64M --root="$SRC" "$SRC/hello.dll" >"$T/out" 2>"$T/err"
check_eq "profile --memory=64M: exit status" "$?" 0
check "profile --memory=64M: the profile" grep -q '^# hello.dll$' "$T/out"
# profile --time-limit: a whole number, as for the mount
"$PROFILEFS" profile --no-cache --time-limit=soon --root="$SRC" "$SRC/hello.dll" >/dev/null 2>"$T/err"
check_eq "profile --time-limit=soon: exit status" "$?" 2
# --ext in profile and warm as in the mount: ':' and ',' alike; an empty
# or malformed list refused in one line, exit status 2
mkdir -p "$T/ext"
cp "$EXAMPLES/hello.dll" "$T/ext/a.efi"
cp "$EXAMPLES/tool.exe" "$T/ext/b.sys"
cp "$EXAMPLES/hello.dll" "$T/ext/c.dll"
for list in efi:sys efi,sys .efi:.SYS; do
	check_eq "profile -r --ext=$list: a.efi and b.sys" \
		"$("$PROFILEFS" profile --no-cache -r --format=jsonl --ext=$list \
			"$T/ext" | jq -r .path | tr '\n' ' ')" "a.efi b.sys "
	rm -f "$T/wext.db"
	"$PROFILEFS" warm --cache="$T/wext.db" --ext=$list "$T/ext" 2>"$T/err"
	check_eq "warm --ext=$list: a.efi and b.sys computed" \
		"$(grep -o '[0-9]* files: [0-9]* computed' "$T/err")" \
		"2 files: 2 computed"
done
for list in "" : efi::sys efi,,sys efi: e.fi; do
	for cmd in "profile --no-cache -r" "warm --cache=$T/wext.db"; do
		$PROFILEFS $cmd --ext="$list" "$T/ext" >"$T/out" 2>"$T/err"
		rc=$?
		check_eq "${cmd%% *} --ext=\"$list\": refused, one line" \
			"$rc:$(wc -l <"$T/err"):$(wc -c <"$T/out")" "2:1:0"
		check "${cmd%% *} --ext=\"$list\": says why" \
			grep -q -- "--ext wants extensions" "$T/err"
	done
done
# warm: the rules index and the trust options, checked as the mount's are
echo "not a database" >"$T/text.db"
"$PROFILEFS" warm --cache="$T/w.db" --rules="$T/text.db" "$SRC" 2>"$T/err"
check_eq "warm --rules of a text file: exit status" "$?" 2
check "warm --rules of a text file: names it" grep -qF "$T/text.db" "$T/err"
"$PROFILEFS" warm --cache="$T/w.db" --trust="$T/none.pem" "$SRC" 2>"$T/err"
check_eq "warm --trust of a missing file: exit status" "$?" 2
check "warm --trust of a missing file: names it" grep -qF "$T/none.pem" "$T/err"
"$PROFILEFS" warm --cache="$T/w.db" --catalogs="$T/none" "$SRC" 2>"$T/err"
check_eq "warm --catalogs of a missing folder: exit status" "$?" 2
"$PROFILEFS" warm --cache="$T/w.db" --rules="$T/rules-x/r.db" --trust="$K/root.pem" \
	--catalogs="$T/cats" "$SRC" 2>"$T/err"
check_eq "warm with the rules index and the signing options ($(tail -n 1 "$T/err"))" "$?" 0
# the mount refuses --catalogs with --no-cache, as profile does
"$PROFILEFS" -f --no-cache --catalogs="$T/cats" "$SRC" "$MNT" 2>"$T/err"
check_eq "mount --catalogs with --no-cache: exit status" "$?" 2
check "mount --catalogs with --no-cache: says so" grep -q "catalogs needs the cache" "$T/err"

# --- in place: SOURCE mounted over itself ------------------------------------

rm -rf "$T/cache"
# its catalogs too: the CatRoot is read by descriptor, under the mount
catroot="$SRC/Windows/System32/CatRoot/{F750E6C3-38EE-11D1-85E5-00C04FC295EE}"
mkdir -p "$catroot"
cp "$T/cats/test.cat" "$catroot/"
(cd "$SRC" && sha256sum hello.dll tool.exe member.dll signed.dll noext notes.txt) >"$T/sums"
before=$(cd "$SRC" && ls -a | tr '\n' ' ')
MNT_SAVE=$MNT
MNT=$SRC # mount_fs gives "$SRC" "$MNT": the source twice
mount_fs --trust="$K/root.pem" || true
check "in place: mounted" mountpoint -q "$SRC"
check "in place: a FUSE mount over the source" \
	grep -q " $SRC ro,nosuid,nodev.* - fuse.profilefs " /proc/self/mountinfo
check "in place: binaries byte-identical" bash -c 'cd "$0" && sha256sum -c --quiet "$1"' "$SRC" "$T/sums"
check "in place: .md beside them" grep -q '^# hello.dll$' "$SRC/hello.dll.md"
check "in place: tool.exe.md" grep -q '^# tool.exe$' "$SRC/tool.exe.md"
check_eq "in place: the CatRoot's catalog" "$(status member.dll)" "$verified"
check "in place: read-only" bash -c '! touch "$0/new" 2>/dev/null' "$SRC"
umount_fs
MNT=$MNT_SAVE
check "in place: unmounted" bash -c '! mountpoint -q "$0"' "$SRC"
check_eq "in place: the source as it was" "$(cd "$SRC" && ls -a | tr '\n' ' ')" "$before"
check "in place: no .md left" bash -c '! ls "$0"/*.md 2>/dev/null | grep -q .' "$SRC"

finish
