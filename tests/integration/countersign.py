#!/usr/bin/python3
"""A legacy PKCS#9 countersignature, as VeriSign's and Symantec's time
stamping services made them (2004-2020), spliced into an Authenticode
signature. The cryptography is openssl's (the test runs `openssl dgst` and
`openssl pkeyutl`); this only writes DER.

  countersign.py attrs SIG.der TIME BADDIGEST OUT.der
      the authenticated attributes (contentType data, signingTime TIME as
      a UTCTime, messageDigest = SHA-1 of the signer's signature value, or
      of something else when BADDIGEST is 1), as the SET that is signed
  countersign.py splice SIG.der ATTRS.der RAWSIG TSA.pem OUT.der
      SIG.der with a countersignature (SHA-1, rsaEncryption, signature
      value RAWSIG: RSA over the bare digest, no DigestInfo) by TSA.pem as
      an unauthenticated attribute of its signer, and TSA.pem among its
      certificates
"""
import hashlib
import ssl
import sys


def length(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def tlv(tag, content):
    return bytes([tag]) + length(len(content)) + content


def read(b, off=0):
    """(tag, start of content, end of content) of the element at off"""
    tag, n = b[off], b[off + 1]
    off += 2
    if n & 0x80:
        k = n & 0x7F
        n = int.from_bytes(b[off:off + k], "big")
        off += k
    return tag, off, off + n


def children(b):
    """the elements of a constructed element's content, as bytes"""
    out, off = [], 0
    while off < len(b):
        _, start, end = read(b, off)
        out.append(b[off:end])
        off = end
    return out


def content(el):
    _, start, end = read(el)
    return el[start:end]


def oid(dotted):
    parts = [int(x) for x in dotted.split(".")]
    body = bytes([40 * parts[0] + parts[1]])
    for p in parts[2:]:
        enc = [p & 0x7F]
        p >>= 7
        while p:
            enc.append(0x80 | (p & 0x7F))
            p >>= 7
        body += bytes(reversed(enc))
    return tlv(0x06, body)


def signer_info(sig):
    """(path of contents to the signer info, the signed data's parts)"""
    ci = children(content(sig))            # OID, [0]
    sd = children(content(ci[1]))[0]       # SignedData SEQUENCE
    return ci, children(content(sd))


def attrs(sig_path, when, bad, out):
    sig = open(sig_path, "rb").read()
    _, parts = signer_info(sig)
    si = children(content(parts[-1]))[0]
    enc = [e for e in children(content(si)) if e[0] == 0x04][0]
    value = content(enc)
    md = hashlib.sha1(value + (b"x" if bad == "1" else b"")).digest()
    a = [tlv(0x30, oid("1.2.840.113549.1.9.3") + tlv(0x31, oid("1.2.840.113549.1.7.1"))),
         tlv(0x30, oid("1.2.840.113549.1.9.5") + tlv(0x31, tlv(0x17, when.encode()))),
         tlv(0x30, oid("1.2.840.113549.1.9.4") + tlv(0x31, tlv(0x04, md)))]
    open(out, "wb").write(tlv(0x31, b"".join(sorted(a))))


def splice(sig_path, attrs_path, rawsig_path, tsa_path, out):
    sig = open(sig_path, "rb").read()
    signed = open(attrs_path, "rb").read()
    rawsig = open(rawsig_path, "rb").read()
    cert = ssl.PEM_cert_to_DER_cert(open(tsa_path).read())
    tbs = children(content(children(content(cert))[0]))
    off = 1 if tbs[0][0] == 0xA0 else 0    # [0] version
    serial, issuer = tbs[off], tbs[off + 2]
    sha1 = tlv(0x30, oid("1.3.14.3.2.26") + b"\x05\x00")
    rsa = tlv(0x30, oid("1.2.840.113549.1.1.1") + b"\x05\x00")
    cs = tlv(0x30, tlv(0x02, b"\x01") + tlv(0x30, issuer + serial) + sha1 +
             tlv(0xA0, content(signed)) + rsa + tlv(0x04, rawsig))
    attr = tlv(0x30, oid("1.2.840.113549.1.9.6") + tlv(0x31, cs))

    ci, parts = signer_info(sig)
    si = children(content(parts[-1]))[0]
    si_parts = children(content(si))
    if si_parts[-1][0] == 0xA1:
        si_parts[-1] = tlv(0xA1, content(si_parts[-1]) + attr)
    else:
        si_parts.append(tlv(0xA1, attr))
    parts[-1] = tlv(0x31, tlv(0x30, b"".join(si_parts)))
    for i, p in enumerate(parts):
        if p[0] == 0xA0:
            parts[i] = tlv(0xA0, content(p) + cert)
    sd = tlv(0x30, b"".join(parts))
    open(out, "wb").write(tlv(0x30, ci[0] + tlv(0xA0, sd)))


if __name__ == "__main__":
    if sys.argv[1] == "attrs":
        attrs(*sys.argv[2:6])
    else:
        splice(*sys.argv[2:7])
