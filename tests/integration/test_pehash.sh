#!/bin/bash
# PESHA1 and PE256, the Authenticode PE image hash, against osslsigncode:
# every fixture signed with SHA-1 and with SHA-256 by a certificate made
# here; our hash of the signed file, and of the unsigned one (padded to 8
# bytes as Windows does, also when its size is not a multiple of 8), must
# equal osslsigncode's "Calculated message digest".
. "$(dirname "$0")/lib.sh"
: "${FIXTURES:?set FIXTURES to the built PE fixtures}"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" \
	-days 2 -subj "/CN=profilefs test signer" \
	-addext "extendedKeyUsage=codeSigning" 2>/dev/null || bad "openssl req"
prof() { "$PROFILEFS" profile --no-cache --root="$SRC" "$1"; }
row() { sed -n "s/^$1 | \`\\(.*\\)\`\$/\\1/p"; }
calculated() {
	osslsigncode verify -in "$1" 2>/dev/null |
		sed -n 's/^Calculated message digest *: *\([0-9A-F]*\).*/\1/p' | head -n 1
}
n=0
for f in "$FIXTURES"/x64/*.dll "$FIXTURES"/x64/*.exe "$FIXTURES"/x86/*.dll "$FIXTURES"/x86/*.exe; do
	base=$(basename "$(dirname "$f")")-$(basename "$f")
	cp "$f" "$SRC/$base"
	# the same file with 3 bytes of overlay: its size is not a multiple of 8
	{ cat "$f"; printf 'xyz'; } >"$SRC/odd-$base"
	for u in "$base" "odd-$base"; do
		for h in sha1 sha256; do
			s="$SRC/signed-$h-$u"
			osslsigncode sign -certs "$T/cert.pem" -key "$T/key.pem" -h $h \
				-in "$SRC/$u" -out "$s" >/dev/null 2>&1 || { bad "sign $u"; continue; }
			want=$(calculated "$s")
			r=$([ $h = sha1 ] && echo PESHA1 || echo PE256)
			check "$u: osslsigncode computed a digest" [ -n "$want" ]
			check_eq "$u $r (signed)" "$(prof "$s" | row "$r")" "$want"
			check_eq "$u $r (unsigned)" "$(prof "$SRC/$u" | row "$r")" "$want"
			n=$((n + 1))
		done
	done
done
check "digests compared" [ "$n" -ge 40 ]
# NumberOfRvaAndSizes 4: the optional header has no certificate-table
# entry, so only the CheckSum is left out (as EDK2's Authenticode
# verification and signify do; osslsigncode refuses such a file, see
# docs/signatures.md). Bytes are put where the entry would be, so that
# leaving them out would show. Oracle: sha1sum/sha256sum over the file
# less the 4 CheckSum bytes, zero-padded to a multiple of 8.
cp "$FIXTURES/x64/exports.dll" "$SRC/nrva4.dll"
ck=$(/usr/bin/python3 - "$SRC/nrva4.dll" <<'PY'
import sys, struct
b = bytearray(open(sys.argv[1], "rb").read())
opt = struct.unpack_from("<I", b, 0x3C)[0] + 24
dirs = opt + (112 if struct.unpack_from("<H", b, opt)[0] == 0x20B else 96)
struct.pack_into("<I", b, dirs - 4, 4)
struct.pack_into("<II", b, dirs + 4 * 8, 0x11223344, 0x55667788)
open(sys.argv[1], "wb").write(b)
print(opt + 64)
PY
)
check "pefile reads NumberOfRvaAndSizes 4" /usr/bin/python3 -c '
import sys, pefile
sys.exit(pefile.PE(sys.argv[1]).OPTIONAL_HEADER.NumberOfRvaAndSizes != 4)' "$SRC/nrva4.dll"
size=$(stat -c %s "$SRC/nrva4.dll")
less_checksum() {
	head -c "$ck" "$SRC/nrva4.dll"
	tail -c +$((ck + 5)) "$SRC/nrva4.dll"
	head -c $(((8 - size % 8) % 8)) /dev/zero
}
check_eq "NumberOfRvaAndSizes 4: PESHA1" "$(prof "$SRC/nrva4.dll" | row PESHA1)" \
	"$(less_checksum | sha1sum | cut -d' ' -f1 | tr a-f A-F)"
check_eq "NumberOfRvaAndSizes 4: PE256" "$(prof "$SRC/nrva4.dll" | row PE256)" \
	"$(less_checksum | sha256sum | cut -d' ' -f1 | tr a-f A-F)"
# through a mount too, and none for a file that is not a PE image
head -c 5000 /dev/urandom >"$SRC/notpe.dll"
mount_fs || finish
want=$(calculated "$SRC/signed-sha256-x64-exports.dll")
check_eq "mount: PE256" "$(row PE256 <"$MNT/signed-sha256-x64-exports.dll.md")" "$want"
check "not a PE image: no PESHA1, no PE256" \
	bash -c '! grep -q "^PESHA1\|^PE256" "$0"' "$MNT/notpe.dll.md"
check "rows in the format's order" bash -c \
	'grep -o "^[A-Z0-9]* |" "$0" | tr -d " |" | tr "\n" " " | grep -q "MD5 SHA1 SHA256 SHA384 SHA512 SSDEEP IMP PESHA1 PE256"' \
	"$MNT/signed-sha256-x64-exports.dll.md"
umount_fs
finish
