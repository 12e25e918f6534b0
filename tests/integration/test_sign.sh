#!/bin/bash
# Authenticode through a mount: embedded signatures made by osslsigncode
# with a PKI made here by openssl (expected Serial, Thumbprint, Issuer and
# Subject come from `openssl x509`, PE hashes from osslsigncode), each
# Status the format page names, nested signatures, RFC 3161 timestamps,
# and a catalog under the CatRoot path that signs unsigned fixtures; a
# catalog swapped for another of the same size and mtime lends no trust.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pki.sh"
: "${FIXTURES:?set FIXTURES to the built PE fixtures}"
K=$T/pki
pki_make "$K" || { bad "openssl could not make the test PKI: $(tail -5 "$K/pki.log")"; finish; }

sign() { # sign OUT IN [osslsigncode options...]
	local out=$1 in=$2
	shift 2
	osslsigncode sign "$@" -in "$in" -out "$out" >>"$T/sign.log" 2>&1 ||
		bad "osslsigncode sign $(basename "$out")"
}
with_leaf=(-certs "$K/chain.pem" -key "$K/leaf.key")
pyedit() { /usr/bin/python3 - "$@"; }

# PE32+ and PE32, DLL and EXE, SHA-1 and SHA-256
for arch in x64 x86; do
	for f in exports.dll noexports.exe; do
		for h in sha1 sha256; do
			sign "$SRC/$h-$arch-$f" "$FIXTURES/$arch/$f" "${with_leaf[@]}" -h $h
		done
	done
done
sign "$SRC/nested.dll" "$SRC/sha1-x64-exports.dll" "${with_leaf[@]}" -h sha256 -nest
# a digest mismatch: one byte of .text flipped after signing
flip_text() {
	pyedit "$1" <<'PY'
import sys, pefile
pe = pefile.PE(sys.argv[1])
off = next(s.PointerToRawData for s in pe.sections if s.Name.startswith(b".text")) + 16
pe.close()
b = bytearray(open(sys.argv[1], "rb").read()); b[off] ^= 0xFF
open(sys.argv[1], "wb").write(b)
PY
}
cp "$SRC/sha256-x64-exports.dll" "$SRC/flipped.dll"
flip_text "$SRC/flipped.dll"
# the rarer digests (computed in a second read): signed, and tampered
for h in md5 sha384 sha512; do
	sign "$SRC/$h-x64-exports.dll" "$FIXTURES/x64/exports.dll" "${with_leaf[@]}" -h $h
	sign "$SRC/$h-x86-noexports.exe" "$FIXTURES/x86/noexports.exe" "${with_leaf[@]}" -h $h
	cp "$SRC/$h-x64-exports.dll" "$SRC/flipped-$h.dll"
	flip_text "$SRC/flipped-$h.dll"
done
# a corrupt signature blob: the PKCS#7 header overwritten
cp "$SRC/sha256-x64-exports.dll" "$SRC/corrupt.dll"
pyedit "$SRC/corrupt.dll" <<'PY'
import sys, pefile
pe = pefile.PE(sys.argv[1], fast_load=True)
off = pe.OPTIONAL_HEADER.DATA_DIRECTORY[4].VirtualAddress + 8
pe.close()
b = bytearray(open(sys.argv[1], "rb").read()); b[off:off + 6] = b"\xff" * 6
open(sys.argv[1], "wb").write(b)
PY
# a certificate table that reaches past the end of the file
cp "$SRC/sha256-x64-exports.dll" "$SRC/pasteof.dll"
pyedit "$SRC/pasteof.dll" <<'PY'
import sys, struct, pefile
pe = pefile.PE(sys.argv[1], fast_load=True)
d = pe.OPTIONAL_HEADER.DATA_DIRECTORY[4]
at = d.get_file_offset() + 4
pe.close()
b = bytearray(open(sys.argv[1], "rb").read()); b[at:at + 4] = struct.pack("<I", 0x100000)
open(sys.argv[1], "wb").write(b)
PY
cp "$FIXTURES/x64/exports.dll" "$SRC/unsigned.dll"
# the signer's own certificate: server auth only, no digitalSignature,
# no EKU extension at all (allowed)
for x in srvauth nodigsig noeku driver; do
	sign "$SRC/leaf-$x.dll" "$FIXTURES/x64/exports.dll" -certs "$K/${x}chain.pem" -key "$K/$x.key" -h sha256
done
# expired signer: invalid now; valid at a trusted timestamp's time (2020)
sign "$SRC/expired.dll" "$FIXTURES/x64/exports.dll" -certs "$K/oldchain.pem" -key "$K/old.key" -h sha256
# PKCS#9 countersignatures made here with openssl and spliced into the
# expired signer's signature (countersign.py writes the DER): the legacy
# form (RSA over the bare SHA-1, `openssl pkeyutl -sign`, as VeriSign's
# and Symantec's services made them), the PKCS#1 form (`openssl dgst
# -sign`, which osslsigncode accepts), one whose signature value is
# damaged and one whose messageDigest is not the signature's hash
osslsigncode extract-signature -in "$SRC/expired.dll" -out "$T/expired.p7" >>"$T/sign.log" 2>&1 ||
	bad "osslsigncode extract-signature"
osslsigncode remove-signature -in "$SRC/expired.dll" -out "$T/bare.dll" >>"$T/sign.log" 2>&1 ||
	bad "osslsigncode remove-signature"
openssl x509 -in "$K/oldtsa.pem" -pubkey -noout >"$T/oldtsa.pub"
countersign() { # countersign OUT legacy|pkcs1|badsig|baddigest
	local out=$1 mode=$2 wrong=0
	[ "$mode" = baddigest ] && wrong=1
	/usr/bin/python3 "$(dirname "$0")/countersign.py" attrs "$T/expired.p7" 200601000000Z $wrong \
		"$T/cs-attrs.der" && openssl dgst -sha1 -binary -out "$T/cs-hash" "$T/cs-attrs.der" || return 1
	if [ "$mode" = pkcs1 ]; then
		openssl dgst -sha1 -sign "$K/oldtsa.key" -out "$T/cs-sig" "$T/cs-attrs.der"
	else
		openssl pkeyutl -sign -inkey "$K/oldtsa.key" -in "$T/cs-hash" -out "$T/cs-sig"
	fi || return 1
	[ "$mode" = badsig ] && { /usr/bin/python3 -c '
import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[-1] ^= 1
open(sys.argv[1], "wb").write(b)' "$T/cs-sig" || return 1; }
	/usr/bin/python3 "$(dirname "$0")/countersign.py" splice "$T/expired.p7" "$T/cs-attrs.der" \
		"$T/cs-sig" "$K/oldtsa.pem" "$T/cs.p7" || return 1
	rm -f "$out"
	osslsigncode attach-signature -sigin "$T/cs.p7" -in "$T/bare.dll" -out "$out" >>"$T/sign.log" 2>&1
	[ -s "$out" ]
}
countersign "$SRC/cs-legacy.dll" legacy || bad "countersign legacy"
# the legacy signature value recovers to the bare 20-byte hash: no DigestInfo
check "legacy countersignature: RSA over the bare SHA-1" bash -c \
	'openssl pkeyutl -verifyrecover -pubin -inkey "$0" -in "$1" | cmp -s - "$2" && [ "$(stat -c %s "$2")" = 20 ]' \
	"$T/oldtsa.pub" "$T/cs-sig" "$T/cs-hash"
countersign "$SRC/cs-pkcs1.dll" pkcs1 || bad "countersign pkcs1"
check "PKCS#1 countersignature: osslsigncode verifies it, at its time" bash -c \
	'osslsigncode verify -in "$0" -CAfile "$1" -TSA-CAfile "$1" 2>&1 | grep -q "^Signature verification time: Jun  1 00:00:00 2020 GMT"' \
	"$SRC/cs-pkcs1.dll" "$K/root.pem"
countersign "$SRC/cs-badsig.dll" badsig || bad "countersign badsig"
countersign "$SRC/cs-baddigest.dll" baddigest || bad "countersign baddigest"

# RFC 3161 timestamps from osslsigncode's built-in TSA (-TSA-certs, -TSA-key,
# -TSA-time: osslsigncode 2.9 of bookworm-backports has them, Debian 12's
# own 2.5 does not): without them the timestamp checks cannot run, which
# is a failure, not a skip
if osslsigncode sign --help 2>&1 | grep -q -- -TSA-certs; then
	sign "$SRC/stamped.dll" "$FIXTURES/x64/exports.dll" "${with_leaf[@]}" -h sha256 \
		-TSA-certs "$K/tsachain.pem" -TSA-key "$K/tsa.key"
	sign "$SRC/expired-stamped.dll" "$FIXTURES/x64/exports.dll" -certs "$K/oldchain.pem" \
		-key "$K/old.key" -h sha256 -TSA-certs "$K/oldtsachain.pem" \
		-TSA-key "$K/oldtsa.key" -TSA-time 1590969600
	# the same timestamp, but a signer with the lifetime-signing usage
	sign "$SRC/lifetime-stamped.dll" "$FIXTURES/x64/exports.dll" -certs "$K/lifetimechain.pem" \
		-key "$K/lifetime.key" -h sha256 -TSA-certs "$K/oldtsachain.pem" \
		-TSA-key "$K/oldtsa.key" -TSA-time 1590969600
else
	bad "$(osslsigncode --version 2>&1 | head -n 1 | sed "s/,.*//") has no built-in TSA (-TSA-certs):" \
		"the timestamp checks need it (bookworm-backports' 2.9 has it, Debian 12's 2.5 not)"
fi

# the catalog: the PE hashes of two unsigned fixtures, and of a file that
# also carries an embedded signature by another signer (the catalog wins)
CATDIR="$SRC/WINDOWS/system32/CatRoot/{F750E6C3-38EE-11D1-85E5-00C04FC295EE}"
mkdir -p "$CATDIR" "$SRC/sys"
cp "$FIXTURES/x64/noenglish.dll" "$SRC/sys/catmember.dll"
cp "$FIXTURES/x64/multires.dll" "$SRC/sys/later.dll"
sign "$SRC/sys/both.dll" "$FIXTURES/x64/resonly.dll" -certs "$K/other.pem" -key "$K/other.key" -h sha256
# each file's PE hash, computed by osslsigncode over a signed copy
pe_hash() {
	sign "$T/hashcopy" "$1" -certs "$K/other.pem" -key "$K/other.key" -h "${2:-sha256}"
	ossl_calculated "$T/hashcopy"
	rm -f "$T/hashcopy"
}
h_member=$(pe_hash "$SRC/sys/catmember.dll")
h_both=$(pe_hash "$SRC/sys/both.dll")
h_later_sha1=$(pe_hash "$SRC/sys/later.dll" sha1)
check "osslsigncode gave the PE hashes" [ ${#h_member} -eq 64 ] && [ ${#h_both} -eq 64 ] && [ ${#h_later_sha1} -eq 40 ]
cat_make "$CATDIR/test.cat" "$K/leaf" "$h_member" "$h_both" 2>>"$T/sign.log" || bad "cat_make"
# a catalog that does not hold (its signer's root is not trusted) listing
# a file with a valid embedded signature: the embedded verdict is reported
sign "$SRC/sys/embok.dll" "$FIXTURES/x86/resonly.dll" "${with_leaf[@]}" -h sha256
h_embok=$(pe_hash "$SRC/sys/embok.dll")
cat_make "$CATDIR/other.cat" "$K/other" "$h_embok" 2>>"$T/sign.log" || bad "cat_make other"

# borrowed trust: swap.cat, signed by the untrusted "other" signer, lists
# borrowed.dll (and dummies, so that it is the larger); later the trusted
# leaf's catalogs are swapped in at its path, zero-padded to its size,
# its mtime put back: nolist.cat does not list the file, yeslist.cat does
cp "$FIXTURES/x86/noenglish.dll" "$SRC/sys/borrowed.dll"
h_borrowed=$(pe_hash "$SRC/sys/borrowed.dll")
dummies=()
for i in 1 2 3 4 5 6 7 8; do
	dummies+=("$(echo "dummy $i" | sha256sum | cut -c1-64)")
done
cat_make "$CATDIR/swap.cat" "$K/other" "$h_borrowed" "${dummies[@]}" 2>>"$T/sign.log" ||
	bad "cat_make swap"
cat_make "$T/nolist.cat" "$K/leaf" "${dummies[0]}" 2>>"$T/sign.log" || bad "cat_make nolist"
cat_make "$T/yeslist.cat" "$K/leaf" "$h_borrowed" 2>>"$T/sign.log" || bad "cat_make yeslist"
swap_size=$(stat -c %s "$CATDIR/swap.cat")
check "the trusted catalogs fit in the untrusted one's size" \
	[ "$(stat -c %s "$T/nolist.cat")" -lt "$swap_size" ] && [ "$(stat -c %s "$T/yeslist.cat")" -lt "$swap_size" ]
truncate -s "$swap_size" "$T/nolist.cat" "$T/yeslist.cat"
# swap_in FILE: FILE's bytes written over swap.cat (same inode, same size),
# its mtime put back
swap_in() {
	touch -r "$CATDIR/swap.cat" "$T/mtime-ref"
	cat "$1" >"$CATDIR/swap.cat"
	touch -r "$T/mtime-ref" "$CATDIR/swap.cat"
}
# the SHA-256 the index holds for swap.cat (lowercase hex)
indexed_sha() {
	sqlite3 "$CACHE" "SELECT lower(hex(sha256)) FROM catalogs WHERE path LIKE '%/swap.cat'"
}

want_serial=$(pki_serial "$K/leaf.pem")
want_thumb=$(pki_thumb "$K/leaf.pem")
want_issuer=$(pki_name issuer "$K/leaf.pem")
want_subject=$(pki_name subject "$K/leaf.pem")
want_root=$(pki_name subject "$K/root.pem")
check "the subject has a quoted comma" grep -q '"Profilefs Test, Inc."' <<<"$want_subject"

mount_fs --trust="$K/root.pem" || finish
st() { sig_bullet Status <"$MNT/$1.md"; }

for arch in x64 x86; do
	for f in exports.dll noexports.exe; do
		for h in sha1 sha256; do
			n=$h-$arch-$f
			md=$(cat "$MNT/$n.md")
			check_eq "$n: status" "$(sig_bullet Status <<<"$md")" "Signature verified."
			check_eq "$n: serial" "$(sig_bullet Serial <<<"$md")" "\`$want_serial\`"
			check_eq "$n: thumbprint" "$(sig_bullet Thumbprint <<<"$md")" "\`$want_thumb\`"
			check_eq "$n: issuer" "$(sig_bullet Issuer <<<"$md")" "$want_issuer"
			check_eq "$n: subject" "$(sig_bullet Subject <<<"$md")" "$want_subject"
			r=$([ $h = sha1 ] && echo PESHA1 || echo PE256)
			check_eq "$n: $r is osslsigncode's" \
				"$(sed -n "s/^$r | \`\\(.*\\)\`\$/\\1/p" <<<"$md")" "$(ossl_calculated "$SRC/$n")"
			check_eq "$n: algorithm" "$(sig_bullet 'Digest Algorithm' <<<"$md")" \
				"$([ $h = sha1 ] && echo SHA-1 || echo SHA-256)"
		done
	done
done
for h in md5 sha384 sha512; do
	H=$(tr a-z A-Z <<<"$h" | sed 's/^SHA/SHA-/')
	for n in $h-x64-exports.dll $h-x86-noexports.exe; do
		md=$(cat "$MNT/$n.md")
		check_eq "$n: status" "$(sig_bullet Status <<<"$md")" "Signature verified."
		check_eq "$n: algorithm" "$(sig_bullet 'Digest Algorithm' <<<"$md")" "$H"
		# the digest it signs is osslsigncode's calculated PE hash
		check_eq "$n: signed digest is osslsigncode's PE hash" \
			"$(sig_bullet 'Signed Digest' <<<"$md")" "\`$(ossl_calculated "$SRC/$n")\`"
	done
	check "flipped-$h: osslsigncode refuses it" bash -c '! osslsigncode verify -in "$0" -CAfile "$1" >/dev/null 2>&1' \
		"$SRC/flipped-$h.dll" "$K/root.pem"
	check_eq "flipped-$h: digest mismatch" "$(st flipped-$h.dll)" \
		"The file's digest does not match: its $H PE hash differs from the digest the signature signs (the file was changed after signing)."
done
check "section order: exports, signature, metadata" bash -c \
	'grep "^## " "$0" | tr "\n" "|" | grep -q "## DLL Exports:|## Signature|## File Metadata|"' \
	"$MNT/sha256-x64-exports.dll.md"

check_eq "nested: primary" "$(st nested.dll)" "Signature verified."
check_eq "nested: primary is the SHA-1 one" "$(sig_bullet 'Digest Algorithm' <"$MNT/nested.dll.md")" "SHA-1"
check_eq "nested: the second signature" "$(sig_bullet 'Nested Signature 1' <"$MNT/nested.dll.md")" \
	"SHA-256, $want_subject: Signature verified."

check "digest mismatch" grep -q "^The file's digest does not match" <<<"$(st flipped.dll)"
check "corrupt blob" grep -q "^The signature cannot be read" <<<"$(st corrupt.dll)"
check "table past EOF" grep -q "reaches past the end of the file" <<<"$(st pasteof.dll)"
check "unsigned" grep -q "^The file is not signed" <<<"$(st unsigned.dll)"
check_eq "expired signer, no timestamp" "$(st expired.dll)" \
	"The signature's certificate chain is not valid at now: certificate has expired ($(pki_name subject "$K/old.pem"))."
check_eq "expired signer: checked now" "$(sig_bullet 'Validity Checked At' <"$MNT/expired.dll.md")" \
	"now (no trusted timestamp)"
check_eq "timestamped: status" "$(st stamped.dll)" "Signature verified."
check "timestamped: RFC 3161 time" grep -q "(RFC 3161 timestamp)$" \
	<<<"$(sig_bullet 'Signing Time' <"$MNT/stamped.dll.md")"
check_eq "timestamped: TSA" "$(sig_bullet Timestamp <"$MNT/stamped.dll.md")" \
	"RFC 3161 timestamp by $(pki_name subject "$K/tsa.pem"): verified, trusted"
check_eq "expired signer, trusted timestamp in 2020" "$(st expired-stamped.dll)" "Signature verified."
check_eq "expired signer, stamped: time" "$(sig_bullet 'Signing Time' <"$MNT/expired-stamped.dll.md")" \
	"2020-06-01 00:00:00 UTC (RFC 3161 timestamp)"
check_eq "expired signer, stamped: checked then" \
	"$(sig_bullet 'Validity Checked At' <"$MNT/expired-stamped.dll.md")" \
	"the signing time (a trusted timestamp gives it)"

cs_who="countersignature by $(pki_name subject "$K/oldtsa.pem")"
for m in legacy pkcs1; do
	check_eq "countersignature ($m): the expired signer is valid at its time" "$(st cs-$m.dll)" "Signature verified."
	check_eq "countersignature ($m): time" "$(sig_bullet 'Signing Time' <"$MNT/cs-$m.dll.md")" \
		"2020-06-01 00:00:00 UTC (countersignature)"
	check_eq "countersignature ($m): trusted" "$(sig_bullet Timestamp <"$MNT/cs-$m.dll.md")" \
		"$cs_who: verified, trusted"
	check_eq "countersignature ($m): checked then" "$(sig_bullet 'Validity Checked At' <"$MNT/cs-$m.dll.md")" \
		"the signing time (a trusted timestamp gives it)"
done
for m in badsig baddigest; do
	check_eq "countersignature ($m): does not verify" "$(sig_bullet Timestamp <"$MNT/cs-$m.dll.md")" \
		"$cs_who: its signature does not verify"
	check_eq "countersignature ($m): checked now, expired" "$(st cs-$m.dll)" \
		"The signature's certificate chain is not valid at now: certificate has expired ($(pki_name subject "$K/old.pem"))."
done

# leaf checks, each expectation from openssl's reading of the certificate
# (and osslsigncode's verdict on the code-signing purpose)
check "srvauth: openssl: no code signing in its EKU" bash -c \
	'openssl x509 -in "$0" -noout -ext extendedKeyUsage | grep -q "Server Authentication" &&
	 ! openssl x509 -in "$0" -noout -ext extendedKeyUsage | grep -q "Code Signing"' "$K/srvauth.pem"
check "srvauth: osslsigncode refuses its purpose" bash -c \
	'! osslsigncode verify -in "$0" -CAfile "$1" >/dev/null 2>&1' "$SRC/leaf-srvauth.dll" "$K/root.pem"
check_eq "srvauth: not for code signing" "$(st leaf-srvauth.dll)" \
	"The signature's signer certificate is not for code signing: its extended key usage does not include it."
check "nodigsig: openssl: no Digital Signature in its key usage" bash -c \
	'openssl x509 -in "$0" -noout -ext keyUsage | grep -q "Key Encipherment" &&
	 ! openssl x509 -in "$0" -noout -ext keyUsage | grep -q "Digital Signature"' "$K/nodigsig.pem"
check_eq "nodigsig: key usage" "$(st leaf-nodigsig.dll)" \
	"The signature's signer certificate may not make signatures: its key usage does not include digital signatures."
check "noeku: openssl: no EKU extension" bash -c \
	'[ -z "$(openssl x509 -in "$0" -noout -ext extendedKeyUsage 2>/dev/null)" ]' "$K/noeku.pem"
check_eq "noeku: no EKU extension is no restriction" "$(st leaf-noeku.dll)" "Signature verified."
check "driver: openssl: only Microsoft's driver verification usage" bash -c \
	'[ "$(openssl x509 -in "$0" -noout -ext extendedKeyUsage | tail -n 1 | tr -d " ")" = 1.3.6.1.4.1.311.10.3.5 ]' "$K/driver.pem"
check_eq "driver: Microsoft's driver verification usage is accepted" "$(st leaf-driver.dll)" "Signature verified."
check "lifetime: openssl: the lifetime-signing usage" bash -c \
	'openssl x509 -in "$0" -noout -ext extendedKeyUsage | grep -q "1.3.6.1.4.1.311.10.3.13"' "$K/lifetime.pem"
check_eq "lifetime signer, trusted timestamp in 2020: checked now" "$(st lifetime-stamped.dll)" \
	"The signature's certificate chain is not valid at now: certificate has expired ($(pki_name subject "$K/lifetime.pem"))."
check_eq "lifetime: the timestamp itself is trusted" "$(sig_bullet Timestamp <"$MNT/lifetime-stamped.dll.md")" \
	"RFC 3161 timestamp by $(pki_name subject "$K/oldtsa.pem"): verified, trusted"
check_eq "lifetime: why now" "$(sig_bullet 'Validity Checked At' <"$MNT/lifetime-stamped.dll.md")" \
	"now (the signer's certificate has the lifetime-signing usage: a timestamp does not extend its validity)"

# catalogs: found under the CatRoot path (in another case), signer shown
check_eq "catalog: status" "$(st sys/catmember.dll)" "Signature verified."
check_eq "catalog: name" "$(sig_bullet Catalog <"$MNT/sys/catmember.dll.md")" "test.cat"
check_eq "catalog: signer" "$(sig_bullet Subject <"$MNT/sys/catmember.dll.md")" "$want_subject"
check_eq "catalog: serial" "$(sig_bullet Serial <"$MNT/sys/catmember.dll.md")" "\`$want_serial\`"
check_eq "catalog wins over embedded" "$(sig_bullet Subject <"$MNT/sys/both.dll.md")" "$want_subject"
check "the embedded one is summed up" grep -q "root that is not trusted: CN=profilefs Other Signer" \
	<<<"$(sig_bullet 'Embedded Signature' <"$MNT/sys/both.dll.md")"
check_eq "failed catalog, valid embedded: the embedded verdict" "$(st sys/embok.dll)" "Signature verified."
check_eq "failed catalog, valid embedded: its signer" "$(sig_bullet Subject <"$MNT/sys/embok.dll.md")" "$want_subject"
check_eq "failed catalog, valid embedded: the catalog's bullet" \
	"$(sig_bullet 'Catalog Signature' <"$MNT/sys/embok.dll.md")" \
	"other.cat: The catalog signature is valid, but its chain ends in a root that is not trusted: $(pki_name subject "$K/other.pem")."
check "failed catalog, valid embedded: no Catalog bullet" \
	bash -c '! grep -q "^\* Catalog:" "$0"' "$MNT/sys/embok.dll.md"
check "not in the catalog yet" grep -q "^The file is not signed" <<<"$(st sys/later.dll)"
# a new catalog (SHA-1 member) is indexed without a remount
cat_make "$CATDIR/later.cat" "$K/leaf" "$h_later_sha1" 2>>"$T/sign.log" || bad "cat_make later"
sleep 2.5
check_eq "new catalog seen" "$(sig_bullet Catalog <"$MNT/sys/later.dll.md")" "later.cat"
rm "$CATDIR/later.cat"
sleep 2.5
check "removed catalog forgotten" grep -q "^The file is not signed" <<<"$(st sys/later.dll)"

# borrowed trust: the untrusted catalog's verdict, indexed by its SHA-256
other_root=$(pki_name subject "$K/other.pem")
check_eq "untrusted catalog, no table: not signed" "$(st sys/borrowed.dll)" \
	"The file is not signed: there is no certificate table, and the signature of the catalog that lists its PE hash does not hold."
check_eq "untrusted catalog: its own bullet" "$(sig_bullet 'Catalog Signature' <"$MNT/sys/borrowed.dll.md")" \
	"swap.cat: The catalog signature is valid, but its chain ends in a root that is not trusted: $other_root."
check_eq "index: the untrusted catalog's sha256sum" "$(indexed_sha)" \
	"$(sha256sum "$CATDIR/swap.cat" | cut -c1-64)"
before=$(stat -c '%s %y' "$CATDIR/swap.cat")
swap_in "$T/nolist.cat"
check_eq "swap: same size and mtime" "$(stat -c '%s %y' "$CATDIR/swap.cat")" "$before"
check "swap: other bytes" [ "$(sha256sum <"$CATDIR/swap.cat" | cut -c1-64)" != "$(indexed_sha)" ]
check "swap: not verified at once" [ "$(st sys/borrowed.dll)" != "Signature verified." ]
# another catalog moves the generation on at the next scan, so verdicts
# are made again whether or not the scan notices the swap
cat_make "$CATDIR/bump1.cat" "$K/leaf" "${dummies[1]}" 2>>"$T/sign.log" || bad "cat_make bump1"
sleep 2.5
check "swap: not verified after the next scan, which indexes it again" \
	grep -q "^The file is not signed" <<<"$(st sys/borrowed.dll)"
check_eq "swap: indexed again, by its sha256sum" "$(indexed_sha)" \
	"$(sha256sum "$T/nolist.cat" | cut -c1-64)"
# the trusted leaf's catalog that does list the file: honoured once indexed
swap_in "$T/yeslist.cat"
sleep 2.5
check_eq "trusted swap: verified after indexing" "$(st sys/borrowed.dll)" "Signature verified."
check_eq "trusted swap: its signer" "$(sig_bullet Subject <"$MNT/sys/borrowed.dll.md")" "$want_subject"
check_eq "trusted swap: indexed by its sha256sum" "$(indexed_sha)" \
	"$(sha256sum "$T/yeslist.cat" | cut -c1-64)"
# A swap the scan cannot see (on a filesystem whose ctime can be put back,
# or made between a scan and a verdict): nolist.cat is swapped in and
# indexed, then the index is told it holds yeslist.cat's bytes, which list
# the file, and its generation moves on. The verdict's own hash check
# refuses the bytes on disk and has the catalog indexed again at once.
swap_in "$T/nolist.cat"
sleep 2.5
check "nolist again: indexed" grep -q "^The file is not signed" <<<"$(st sys/borrowed.dll)"
sqlite3 "$CACHE" "BEGIN; UPDATE catalogs SET sha256 = X'$(sha256sum "$T/yeslist.cat" | cut -c1-64)'
	WHERE path LIKE '%/swap.cat';
	INSERT OR IGNORE INTO catalog_members (digest, catalog)
	SELECT X'$h_borrowed', id FROM catalogs WHERE path LIKE '%/swap.cat';
	UPDATE meta SET value = value + 1 WHERE key = 'catalog_generation'; COMMIT" ||
	bad "sqlite3 could not change the index"
sleep 2.5
check "index disagrees: the catalog is not used" \
	grep -q "^The file is not signed" <<<"$(st sys/borrowed.dll)"
check "index disagrees: logged" grep -q "swap.cat: changed since it was indexed" "$T/daemon.log"
sleep 1
check "index disagrees: indexed again" grep -q "^The file is not signed" <<<"$(st sys/borrowed.dll)"
check_eq "index disagrees: indexed again, by its sha256sum" "$(indexed_sha)" \
	"$(sha256sum "$T/nolist.cat" | cut -c1-64)"
rm "$CATDIR/swap.cat" "$CATDIR/bump1.cat"
umount_fs

# no --trust: the same signatures are valid but untrusted, root named
mount_fs || finish
check_eq "untrusted root" "$(st sha256-x64-exports.dll)" \
	"The signature is valid, but its chain ends in a root that is not trusted: $want_root."
check_eq "untrusted catalog, no table" "$(st sys/catmember.dll)" \
	"The file is not signed: there is no certificate table, and the signature of the catalog that lists its PE hash does not hold."
check_eq "untrusted catalog: its bullet" "$(sig_bullet 'Catalog Signature' <"$MNT/sys/catmember.dll.md")" \
	"test.cat: The catalog signature is valid, but its chain ends in a root that is not trusted: $want_root."
check_eq "both fail: the embedded verdict" "$(st sys/both.dll)" \
	"The signature is valid, but its chain ends in a root that is not trusted: $other_root."
check "both fail: the catalog's bullet" grep -q "^test.cat: The catalog signature is valid" \
	<<<"$(sig_bullet 'Catalog Signature' <"$MNT/sys/both.dll.md")"
umount_fs

# the same CatRoot and members on an NTFS volume, which profilefs reads
# itself (no ntfs-3g mount of it): the catalog is found in the volume
ntfs_img=$T/ntfs.img
truncate -s 64M "$ntfs_img"
mkdir -p "$T/ntfsrw"
if mkntfs -F -f -q "$ntfs_img" >/dev/null 2>&1 && ntfs-3g "$ntfs_img" "$T/ntfsrw"; then
	cp -r "$SRC/WINDOWS" "$SRC/sys" "$T/ntfsrw/" || bad "copy to the NTFS volume"
	fusermount3 -u "$T/ntfsrw" || bad "unmount of the NTFS volume"
else
	bad "mkntfs or ntfs-3g: no NTFS volume to read"
fi
saved_src=$SRC saved_cache=$CACHE
SRC=$ntfs_img CACHE=$T/ntfs-cache.db
mount_fs --trust="$K/root.pem" || finish
check_eq "NTFS source: the catalog's verdict" "$(st sys/catmember.dll)" "Signature verified."
check_eq "NTFS source: the catalog found in the volume's CatRoot" \
	"$(sig_bullet Catalog <"$MNT/sys/catmember.dll.md")" "test.cat"
check_eq "NTFS source: the catalog wins over embedded" \
	"$(sig_bullet Subject <"$MNT/sys/both.dll.md")" "$want_subject"
umount_fs
SRC=$saved_src CACHE=$saved_cache

# the CLI says the same as the mount, and refuses a bad --trust
check_eq "cli: status" "$("$PROFILEFS" profile --no-cache --trust="$K/root.pem" --root="$SRC" \
	"$SRC/sha1-x86-exports.dll" | sig_bullet Status)" "Signature verified."

# the root program's properties, as data/microsoft-trusted-roots.pem gives
# them, on the test root: a copy of root.pem under the property lines
prog() { # prog FILE LINE...
	local out=$1
	shift
	printf '%s\n' "$@" >"$out"
	cat "$K/root.pem" >>"$out"
}
cli_md() { "$PROFILEFS" profile --no-cache --no-default-trust --trust="$1" --root="$SRC" "$SRC/$2"; }
cli_st() { cli_md "$@" | sig_bullet Status; }
prog "$T/srv-root.pem" "# Extended key usages: ['client_auth', 'server_auth']"
check_eq "root for server auth only: not for code signing" "$(cli_st "$T/srv-root.pem" sha256-x64-exports.dll)" \
	"The signature is valid, but its chain ends in a root not trusted for code signing (not among the root's purposes): $want_root."
prog "$T/cs-root.pem" "# Extended key usages: ['code_signing', 'server_auth']"
check_eq "root for code signing: verified" "$(cli_st "$T/cs-root.pem" sha256-x64-exports.dll)" "Signature verified."
check_eq "root not for time stamping: the timestamp is not trusted" \
	"$(cli_md "$T/cs-root.pem" expired-stamped.dll | sig_bullet Timestamp)" \
	"RFC 3161 timestamp by $(pki_name subject "$K/oldtsa.pem"): verified, but its root is not trusted: its chain ends in a root not trusted for time stamping (not among the root's purposes): $want_root"
check "root not for time stamping: so checked now, expired" grep -q "not valid at now: certificate has expired" \
	<<<"$(cli_st "$T/cs-root.pem" expired-stamped.dll)"
prog "$T/dis-root.pem" "# Extended key usages: ['code_signing', 'time_stamping']" \
	"# Disallowed Filetime: 2021-01-01 00:00:00+00:00"
check_eq "disallowed root: not trusted now" "$(cli_st "$T/dis-root.pem" sha256-x64-exports.dll)" \
	"The signature is valid, but its chain ends in a root disabled for code signing since 2021-01-01: $want_root."
check_eq "disallowed root: a timestamp of 2020 keeps the signature valid" \
	"$(cli_st "$T/dis-root.pem" expired-stamped.dll)" "Signature verified."
prog "$T/nb-root.pem" "# Not before Filetime: 2022-01-01 00:00:00+00:00" \
	"# Not before extended key usages: ['code_signing']"
check "not-before: openssl dates the leaves on either side of 2022" bash -c \
	'[ "$(date -d "$(openssl x509 -noout -startdate -in "$0" | cut -d= -f2)" +%Y)" -ge 2022 ] &&
	 [ "$(date -d "$(openssl x509 -noout -startdate -in "$1" | cut -d= -f2)" +%Y)" -lt 2022 ]' "$K/leaf.pem" "$K/old.pem"
check_eq "not-before: a leaf issued after the date" "$(cli_st "$T/nb-root.pem" sha256-x64-exports.dll)" \
	"The signature is valid, but its chain ends in a root not trusted for code signing in certificates issued from 2022-01-01 on: $want_root."
check_eq "not-before: a leaf issued before the date" "$(cli_st "$T/nb-root.pem" expired-stamped.dll)" "Signature verified."
check_eq "not-before for code signing only: the timestamp (issued now) is trusted" \
	"$(cli_md "$T/nb-root.pem" stamped.dll | sig_bullet Timestamp)" \
	"RFC 3161 timestamp by $(pki_name subject "$K/tsa.pem"): verified, trusted"
# the roots Windows keeps built in, in data/windows-required-roots.pem's
# form: the test root also in a required-roots file, beside a program
# bundle that refuses it (trusted for the file's purposes, whatever the
# program's dates; both orders of --trust)
req() { # req FILE PURPOSES
	prog "$1" "# $(pki_name subject "$K/root.pem")" \
		"# SHA-1 thumbprint: $(pki_thumb "$K/root.pem" | tr A-F a-f)" "# Purposes: $2"
}
cli2_md() { "$PROFILEFS" profile --no-cache --no-default-trust --trust="$1" --trust="$2" --root="$SRC" "$SRC/$3"; }
cli2_st() { cli2_md "$@" | sig_bullet Status; }
builtin_anchor="the chain ends in a root Windows trusts built in, which the root program"
req "$T/req-all.pem" all
req "$T/req-ts.pem" time_stamping
req "$T/req-cs.pem" "email_protection, code_signing"
prog "$T/nball-root.pem" "# Not before Filetime: 2022-01-01 00:00:00+00:00"
check_eq "built in: a leaf issued after the program's NotBefore is valid" \
	"$(cli2_st "$T/nb-root.pem" "$T/req-all.pem" sha256-x64-exports.dll)" "Signature verified."
check_eq "built in: the Trust Anchor bullet says why the program would refuse it" \
	"$(cli2_md "$T/nb-root.pem" "$T/req-all.pem" sha256-x64-exports.dll | sig_bullet 'Trust Anchor')" \
	"$builtin_anchor does not trust for code signing in certificates issued from 2022-01-01 on: $want_root"
check_eq "built in, loaded first: the same" \
	"$(cli2_md "$T/req-all.pem" "$T/nb-root.pem" sha256-x64-exports.dll | sig_bullet 'Trust Anchor')" \
	"$builtin_anchor does not trust for code signing in certificates issued from 2022-01-01 on: $want_root"
check_eq "only in the program bundle: refused as before" \
	"$(cli_st "$T/nb-root.pem" sha256-x64-exports.dll)" \
	"The signature is valid, but its chain ends in a root not trusted for code signing in certificates issued from 2022-01-01 on: $want_root."
check "a leaf the program trusts (before its NotBefore): no Trust Anchor bullet" \
	bash -c '! grep -q "^\* Trust Anchor" <<<"$1"' _ "$(cli2_md "$T/nb-root.pem" "$T/req-all.pem" expired-stamped.dll)"
check_eq "built in: the program's Disallowed date does not bind it" \
	"$(cli2_md "$T/dis-root.pem" "$T/req-all.pem" sha256-x64-exports.dll | sig_bullet 'Trust Anchor')" \
	"$builtin_anchor has disabled for code signing since 2021-01-01: $want_root"
# purposes: built in for time stamping only, the signature stays refused
# while its timestamp is trusted
check_eq "built in for time stamping only: no code signature by it" \
	"$(cli2_st "$T/nball-root.pem" "$T/req-ts.pem" stamped.dll)" \
	"The signature is valid, but its chain ends in a root not trusted for code signing in certificates issued from 2022-01-01 on: $want_root."
check_eq "built in for time stamping only: the timestamp is trusted, and says why" \
	"$(cli2_md "$T/nball-root.pem" "$T/req-ts.pem" stamped.dll | sig_bullet Timestamp)" \
	"RFC 3161 timestamp by $(pki_name subject "$K/tsa.pem"): verified, trusted: its chain ends in a root Windows trusts built in, which the root program does not trust for time stamping in certificates issued from 2022-01-01 on: $want_root"
check_eq "built in for time stamping only, no program: not for code signing" \
	"$(cli_st "$T/req-ts.pem" sha256-x64-exports.dll)" \
	"The signature is valid, but its chain ends in a root not trusted for code signing (not among the root's purposes): $want_root."
check_eq "built in for code signing, no program: verified" \
	"$(cli_md "$T/req-cs.pem" sha256-x64-exports.dll | sig_bullet 'Trust Anchor')" \
	"$builtin_anchor does not hold: $want_root"
check_eq "built in for code signing only: the timestamp is not trusted" \
	"$(cli_md "$T/req-cs.pem" stamped.dll | sig_bullet Timestamp)" \
	"RFC 3161 timestamp by $(pki_name subject "$K/tsa.pem"): verified, but its root is not trusted: its chain ends in a root not trusted for time stamping (not among the root's purposes): $want_root"
# the JSON: the schema holds, and the chain says built in and why
"$PROFILEFS" profile --no-cache --format=json --no-default-trust --trust="$T/nb-root.pem" \
	--trust="$T/req-all.pem" --root="$SRC" "$SRC/sha256-x64-exports.dll" >"$T/builtin.json"
check "json: the chain is built in, refused by the program's NotBefore, per the schema" \
	/usr/bin/python3 -c '
import json, sys, jsonschema
j = json.load(open(sys.argv[1]))
jsonschema.validate(j, json.load(open(sys.argv[2])))
c = j["signature"]["chain"]
assert j["signature"]["status"] == "verified", j["signature"]
assert c["result"] == "trusted" and c["built_in"] is True, c
assert c["root_refusal"] == "not_before" and c["root_since"] == "2022-01-01T00:00:00Z", c
assert c["root"] == sys.argv[3], c
' "$T/builtin.json" "$(dirname "$0")/../../docs/profile.schema.json" "$want_root"
# --system-trust adds the system's CA bundle, which does not hold the test root
check_eq "--system-trust: still the test root untrusted" \
	"$("$PROFILEFS" profile --no-cache --system-trust --root="$SRC" "$SRC/sha256-x64-exports.dll" | sig_bullet Status)" \
	"The signature is valid, but its chain ends in a root that is not trusted: $want_root."
"$PROFILEFS" profile --no-cache --trust="$SRC/unsigned.dll" "$SRC/unsigned.dll" >/dev/null 2>"$T/err"
check_eq "cli: bad --trust is a usage error" "$?" 2
check "cli: it says why" grep -q "no PEM certificate" "$T/err"
"$PROFILEFS" profile --no-cache --catalogs="$CATDIR" "$SRC/unsigned.dll" >/dev/null 2>"$T/err"
check_eq "cli: --catalogs without a cache is refused" "$?" 2
# the mount refuses a bad --trust or --catalogs before it mounts
"$PROFILEFS" -f --cache="$CACHE" --trust="$SRC/unsigned.dll" "$SRC" "$MNT" 2>"$T/err"
check_eq "mount: bad --trust" "$?" 2
"$PROFILEFS" -f --cache="$CACHE" --catalogs "$T/none" "$SRC" "$MNT" 2>"$T/err"
check_eq "mount: missing --catalogs folder" "$?" 2
check "mount: it says why" grep -q "No such file" "$T/err"
check "nothing was mounted" bash -c '! mountpoint -q "$0"' "$MNT"
finish
