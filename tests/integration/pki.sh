# Sourced by the signature tests: makes, in $1, a test PKI with openssl:
#   root.pem      a root CA (self-signed)
#   inter.pem     an intermediate CA under it
#   leaf.pem/key  a code-signing certificate under the intermediate, whose
#                 O= holds a comma (Windows quotes it)
#   chain.pem     leaf + intermediate (what a signature carries)
#   tsa.pem/key   a time-stamping certificate under the root
#   old.pem/key   a code-signing certificate that expired in 2021
#   oldtsa.pem    a time-stamping certificate valid since 2019
#   other.pem/key a self-signed code-signing certificate (another signer)
#   srvauth.pem   a leaf (under inter) whose extended key usage is server
#                 authentication only
#   nodigsig.pem  a code-signing leaf whose key usage lacks digitalSignature
#   noeku.pem     a leaf with no extended-key-usage extension at all
#   driver.pem    a leaf whose only extended key usage is Microsoft's
#                 Windows Hardware Driver Verification (1.3.6.1.4.1.311.10.3.5)
#   lifetime.pem  a code-signing leaf with the lifetime-signing usage
#                 (1.3.6.1.4.1.311.10.3.13), valid in 2020 only
#   (each X.pem has X.key and Xchain.pem: itself and the intermediate)
pki_make() {
	local d=$1
	mkdir -p "$d/ca/new"
	: >"$d/ca/index.txt"
	echo 1000 >"$d/ca/serial"
	cat >"$d/ext.cnf" <<'CNF'
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[leaf]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = codeSigning
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[srvauth]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
[nodigsig]
basicConstraints = CA:FALSE
keyUsage = critical,keyEncipherment
extendedKeyUsage = codeSigning
[noeku]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
[driver]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = 1.3.6.1.4.1.311.10.3.5
[lifetime]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = codeSigning,1.3.6.1.4.1.311.10.3.13
[tsa]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = critical,timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ca_conf]
database = DIR/ca/index.txt
new_certs_dir = DIR/ca/new
serial = DIR/ca/serial
default_md = sha256
policy = any
unique_subject = no
preserve = yes
[any]
countryName = optional
stateOrProvinceName = optional
localityName = optional
organizationName = optional
organizationalUnitName = optional
commonName = supplied
emailAddress = optional
CNF
	sed -i "s|DIR|$d|" "$d/ext.cnf"
	(
		cd "$d" || exit 1
		req() { openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "$2"; }
		sign() { openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" \
			-CAcreateserial -out "$1.pem" -days 30 -extfile ext.cnf -extensions "$3"; }
		# openssl ca takes explicit start and end dates
		ca_sign() { openssl ca -batch -config ext.cnf -name ca_conf -notext \
			-cert "$2.pem" -keyfile "$2.key" -in "$1.csr" -out "$1.pem" \
			-extfile ext.cnf -extensions "$3" -startdate "$4" -enddate "$5"; }
		# the root and the intermediate are valid since 2018, so that a
		# timestamp of 2020 can chain to them
		req root "/C=DE/ST=Test State/L=Testville/O=Profilefs Test, Inc./CN=profilefs Test Root" &&
			openssl ca -batch -config ext.cnf -name ca_conf -notext -selfsign \
				-keyfile root.key -in root.csr -out root.pem -extfile ext.cnf \
				-extensions ca -startdate 20180101000000Z -enddate 20400101000000Z &&
			# what a profile must show as openssl prints it (issue 22):
			# an autolink, an &, an e-mail address
			req inter "/C=DE/O=Profilefs Test, Inc./OU=Signing - www.example.com & co/CN=profilefs Test Code Signing CA" &&
			ca_sign inter root ca 20180101000000Z 20400101000000Z &&
			req leaf "/C=DE/ST=Test State/L=Testville/O=Profilefs Test, Inc./OU=Terms of use at https://www.example.com/rpa (c)04/CN=profilefs Test Signer/emailAddress=signer@example.com" &&
			sign leaf inter leaf &&
			req tsa "/C=DE/O=Profilefs Test, Inc./CN=profilefs Test TSA" &&
			sign tsa root tsa &&
			req old "/C=DE/O=Profilefs Test, Inc./CN=profilefs Expired Signer" &&
			ca_sign old inter leaf 20200101000000Z 20210101000000Z &&
			req oldtsa "/C=DE/O=Profilefs Test, Inc./CN=profilefs Old TSA" &&
			ca_sign oldtsa root tsa 20190101000000Z 20400101000000Z &&
			openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key -out other.pem \
				-days 30 -subj "/CN=profilefs Other Signer" \
				-addext "extendedKeyUsage=codeSigning" &&
			for x in srvauth nodigsig noeku driver; do
				req $x "/C=DE/O=Profilefs Test, Inc./CN=profilefs Test $x" &&
					sign $x inter $x && cat $x.pem inter.pem >${x}chain.pem || exit 1
			done &&
			req lifetime "/C=DE/O=Profilefs Test, Inc./CN=profilefs Test lifetime" &&
			ca_sign lifetime inter lifetime 20200101000000Z 20210101000000Z &&
			cat lifetime.pem inter.pem >lifetimechain.pem &&
			cat leaf.pem inter.pem >chain.pem &&
			cat old.pem inter.pem >oldchain.pem &&
			cat tsa.pem root.pem >tsachain.pem &&
			cat oldtsa.pem root.pem >oldtsachain.pem
	) >"$d/pki.log" 2>&1
}

# Windows' form of a certificate's subject or issuer, from openssl's
# RFC 2253 output: the RDNs as openssl lists them (leaf first), ST as S,
# a value with a comma in double quotes.
pki_name() {
	openssl x509 -noout -"$1" -nameopt RFC2253 -in "$2" | sed 's/^[a-z]*=//' |
		/usr/bin/python3 -c '
import re, sys
s = sys.stdin.read().strip()
out = []
for rdn in re.split(r"(?<!\\),", s):
    k, v = rdn.split("=", 1)
    v = re.sub(r"\\(.)", r"\1", v)
    k = {"ST": "S", "emailAddress": "E"}.get(k, k)
    if any(c in v for c in ",+=\"\n<>#;"):
        v = "\"" + v.replace("\"", "\"\"") + "\""
    out.append(k + "=" + v)
print(", ".join(out))'
}

pki_serial() { openssl x509 -noout -serial -in "$1" | sed 's/^serial=//'; }
pki_thumb() { openssl x509 -noout -fingerprint -sha1 -in "$1" | sed 's/^.*=//; s/://g'; }

# osslsigncode's "Calculated message digest" of a signed file
ossl_calculated() {
	osslsigncode verify -in "$1" 2>/dev/null |
		sed -n 's/^Calculated message digest *: *\([0-9A-F]*\).*/\1/p' | head -n 1
}

# the value of bullet LABEL in the Signature section of a profile (stdin)
sig_bullet() {
	sed -n '/^## Signature$/,/^## /p' | sed -n "s/^\* $1: //p" | head -n 1
}

# cat_make OUT SIGNER_PREFIX HEXDIGEST...: a Windows catalog made with
# openssl alone: a certificate trust list (1.3.6.1.4.1.311.10.1) whose
# members each carry an SpcIndirectDataContent with one digest (SHA-1 or
# SHA-256 by its length), written by asn1parse -genconf, then signed with
# cms -sign (SIGNER_PREFIX.pem/.key; the intermediate goes along).
cat_make() {
	local out=$1 signer=$2 cnf i=0 h alg
	shift 2
	cnf=$(mktemp)
	{
		echo "asn1=SEQUENCE:ctl"
		echo "[ctl]"
		echo "usage=SEQUENCE:usage"
		echo "listid=FORMAT:HEX,OCTETSTRING:00112233445566778899AABBCCDDEEFF"
		echo "thisupdate=UTCTIME:261121000000Z"
		echo "alg=SEQUENCE:ctlalg"
		echo "subjects=SEQUENCE:subjects"
		echo "[usage]"
		echo "u1=OID:1.3.6.1.4.1.311.12.1.1"
		echo "[ctlalg]"
		echo "a=OID:1.3.6.1.4.1.311.12.1.2"
		echo "[sha1alg]"
		echo "oid=OID:sha1"
		echo "null=NULL"
		echo "[sha256alg]"
		echo "oid=OID:sha256"
		echo "null=NULL"
		echo "[spcdata]"
		echo "type=OID:1.3.6.1.4.1.311.2.1.15"
		echo "[subjects]"
		for h in "$@"; do
			i=$((i + 1))
			echo "s$i=SEQUENCE:subj$i"
		done
		i=0
		for h in "$@"; do
			i=$((i + 1))
			alg=sha256alg
			[ ${#h} -eq 40 ] && alg=sha1alg
			echo "[subj$i]"
			echo "id=FORMAT:HEX,OCTETSTRING:$h"
			echo "attrs=SET:attrs$i"
			echo "[attrs$i]"
			echo "a=SEQUENCE:spcattr$i"
			echo "[spcattr$i]"
			echo "type=OID:1.3.6.1.4.1.311.2.1.4"
			echo "vals=SET:spcvals$i"
			echo "[spcvals$i]"
			echo "v=SEQUENCE:spc$i"
			echo "[spc$i]"
			echo "data=SEQUENCE:spcdata"
			echo "digest=SEQUENCE:dig$i"
			echo "[dig$i]"
			echo "alg=SEQUENCE:$alg"
			echo "dig=FORMAT:HEX,OCTETSTRING:$h"
		done
	} >"$cnf"
	openssl asn1parse -genconf "$cnf" -out "$cnf.der" -noout &&
		openssl cms -sign -in "$cnf.der" -signer "$signer.pem" -inkey "$signer.key" \
			-certfile "$(dirname "$signer")/inter.pem" \
			-econtent_type 1.3.6.1.4.1.311.10.1 -nodetach -binary \
			-outform DER -out "$out"
	local rc=$?
	rm -f "$cnf" "$cnf.der"
	return $rc
}
