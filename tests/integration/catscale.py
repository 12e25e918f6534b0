#!/usr/bin/python3
"""A large Windows catalog, fast: catscale.py OUT COUNT SIGNER INTER HEX...

Writes the DER of a certificate trust list (1.3.6.1.4.1.311.10.1) with
COUNT trusted subjects, the same shape as pki.sh's cat_make (each subject:
its digest, and an SpcIndirectDataContent attribute whose messageDigest is
that digest), then signs it with `openssl cms -sign` (SIGNER.pem/.key,
INTER.pem along), as cat_make does. The first COUNT - len(HEX) digests are
SHA-256 of the subject's number; the HEX digests (SHA-256, lowercase or
uppercase) come last.
"""
import hashlib
import os
import subprocess
import sys


def der_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def tlv(tag, body):
    return bytes([tag]) + der_len(len(body)) + body


def oid(dotted):
    parts = [int(x) for x in dotted.split(".")]
    out = bytearray([40 * parts[0] + parts[1]])
    for p in parts[2:]:
        enc = [p & 0x7F]
        p >>= 7
        while p:
            enc.append(0x80 | (p & 0x7F))
            p >>= 7
        out += bytes(reversed(enc))
    return tlv(0x06, bytes(out))


def subject_parts():
    """The DER of a subject split around its two digests (32 bytes)."""
    mark = b"\xAB" * 32
    spc = tlv(0x30, tlv(0x30, oid("1.3.6.1.4.1.311.2.1.15")) +
              tlv(0x30, tlv(0x30, oid("2.16.840.1.101.3.4.2.1") + b"\x05\x00") +
                  tlv(0x04, mark)))
    attr = tlv(0x30, oid("1.3.6.1.4.1.311.2.1.4") + tlv(0x31, spc))
    subj = tlv(0x30, tlv(0x04, mark) + tlv(0x31, attr))
    first = subj.index(mark)
    second = subj.index(mark, first + 32)
    return subj[:first], subj[first + 32:second], subj[second + 32:]


def main():
    out, count, signer, inter = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    extra = [bytes.fromhex(h) for h in sys.argv[5:]]
    pre, mid, post = subject_parts()
    digests = [hashlib.sha256(i.to_bytes(4, "big")).digest()
               for i in range(count - len(extra))] + extra
    subjects = b"".join(pre + d + mid + d + post for d in digests)
    head = (tlv(0x30, oid("1.3.6.1.4.1.311.12.1.1")) +
            tlv(0x04, bytes.fromhex("00112233445566778899AABBCCDDEEFF")) +
            tlv(0x17, b"261121000000Z") +
            tlv(0x30, oid("1.3.6.1.4.1.311.12.1.2")))
    body_len = len(head) + 1 + len(der_len(len(subjects))) + len(subjects)
    ctl = out + ".ctl"
    with open(ctl, "wb") as f:
        f.write(b"\x30" + der_len(body_len) + head)
        f.write(b"\x30" + der_len(len(subjects)))
        f.write(subjects)
    del subjects
    try:
        subprocess.run(["openssl", "cms", "-sign", "-in", ctl,
                        "-signer", signer + ".pem", "-inkey", signer + ".key",
                        "-certfile", inter, "-econtent_type",
                        "1.3.6.1.4.1.311.10.1", "-nodetach", "-binary",
                        "-outform", "DER", "-out", out + ".tmp"], check=True)
        os.rename(out + ".tmp", out)
    finally:
        os.unlink(ctl)


if __name__ == "__main__":
    main()
