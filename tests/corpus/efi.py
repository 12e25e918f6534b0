"""Signed EFI binaries from Debian (shim-signed, grub-efi-amd64-signed):
each profile's PE256 and Signature section against independent readers.

- PE256: osslsigncode's "Calculated message digest" where osslsigncode can
  read the file, and always an Authenticode hash computed here with
  hashlib over the ranges pefile reports (checksum, certificate directory
  entry and certificate table left out).
- Signer: the serial in `openssl pkcs7 -print`'s issuer_and_serial of each
  WIN_CERTIFICATE entry, and osslsigncode's "Signer #0" serial and subject
  where it reads the file.
- A file with several certificate entries (shimx64.efi.signed) shows the
  first as the signature and each further one as a bullet.

usage: efi.py PROFILEFS FILE...   (prints one line a check; exit 1 on any
failure). $PE_DUMP_WRAP, when set, is the command profilefs runs under
(valgrind, in scripts/test.sh).
"""
import hashlib
import os
import re
import shlex
import struct
import subprocess
import sys

import pefile

fails = 0
passes = 0


def check(what, ok, detail=""):
    global fails, passes
    if ok:
        passes += 1
    else:
        fails += 1
        print("FAIL:", what, detail)


def authenticode_sha256(path):
    data = open(path, "rb").read()
    pe = pefile.PE(data=data, fast_load=True)
    csum = pe.OPTIONAL_HEADER.get_file_offset() + 64
    sec = pe.OPTIONAL_HEADER.DATA_DIRECTORY[4]
    dirent = sec.get_file_offset()
    end = sec.VirtualAddress if sec.VirtualAddress else len(data)
    h = hashlib.sha256()
    h.update(data[:csum])
    h.update(data[csum + 4:dirent])
    h.update(data[dirent + 8:end])
    return h.hexdigest().upper(), data, sec


def entries(data, sec):
    out, off = [], sec.VirtualAddress
    while off + 8 <= sec.VirtualAddress + sec.Size:
        n, _rev, typ = struct.unpack_from("<IHH", data, off)
        if n < 8:
            break
        out.append((typ, data[off + 8:off + n]))
        off += (n + 7) & ~7
    return out


def pkcs7_signer_serial(der):
    p = subprocess.run(["openssl", "pkcs7", "-inform", "DER", "-print",
                        "-noout"], input=der, capture_output=True)
    text = p.stdout.decode(errors="replace")
    m = re.search(r"issuer_and_serial:.*?serial: (0x)?([0-9A-Fa-f]+)", text,
                  re.S)
    return m.group(2).upper() if m else None


def ossl(path):
    p = subprocess.run(["osslsigncode", "verify", "-in", path],
                       capture_output=True)
    text = p.stdout.decode(errors="replace")
    calc = re.search(r"^Calculated message digest *: *([0-9A-F]+)", text,
                     re.M)
    serial = re.search(r"Signer #0:\s*\n\s*Subject: (.*)\n\s*Serial : "
                       r"([0-9A-F]+)", text)
    return (calc.group(1) if calc else None,
            serial.group(2) if serial else None,
            serial.group(1) if serial else None)


def bullet(md, label):
    sec = md.split("## Signature\n", 1)
    if len(sec) < 2:
        return None
    body = sec[1].split("\n## ", 1)[0]
    m = re.search(r"^\* " + re.escape(label) + r": (.*)$", body, re.M)
    return m.group(1) if m else None


def main():
    prog, files = sys.argv[1], sys.argv[2:]
    check("EFI files given", len(files) >= 3, str(files))
    multi = 0
    for f in files:
        wrap = shlex.split(os.environ.get("PE_DUMP_WRAP", ""))
        p = subprocess.run(wrap + [prog, "profile", "--no-cache", f],
                           capture_output=True)
        check(f + ": profilefs profile exits 0", p.returncode == 0,
              p.stderr.decode(errors="replace")[-2000:])
        md = p.stdout.decode()
        ours = re.search(r"^PE256 \| `([0-9A-F]+)`$", md, re.M)
        ours = ours.group(1) if ours else None
        mine, data, sec = authenticode_sha256(f)
        check(f + ": PE256 = hashlib over pefile's ranges", ours == mine,
              f"{ours} != {mine}")
        calc, o_serial, o_subject = ossl(f)
        if calc:
            check(f + ": PE256 = osslsigncode", ours == calc)
        ents = entries(data, sec)
        check(f + ": has a certificate table", len(ents) >= 1)
        if not ents:
            continue
        want = pkcs7_signer_serial(ents[0][1])
        check(f + ": Serial = openssl pkcs7's signer",
              bullet(md, "Serial") == "`%s`" % want,
              f"{bullet(md, 'Serial')} vs {want}")
        if o_serial:
            check(f + ": Serial = osslsigncode's signer",
                  bullet(md, "Serial") == "`%s`" % o_serial)
            cn = re.search(r"/CN=([^/]*)", o_subject).group(1)
            check(f + ": Subject names osslsigncode's signer",
                  (bullet(md, "Subject") or "").startswith("CN=" + cn))
        check(f + ": the signed digest is the PE hash",
              bullet(md, "Signed Digest") == "`%s`" % mine)
        check(f + ": the status is a sentence",
              (bullet(md, "Status") or "").endswith("."))
        for i, (_typ, der) in enumerate(ents[1:], start=2):
            multi += 1
            s = bullet(md, "Certificate Entry %d" % i)
            check(f + ": entry %d is reported" % i, s is not None)
    check("a file with more than one certificate entry was seen", multi > 0)
    print(f"{passes} passed, {fails} failed")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
