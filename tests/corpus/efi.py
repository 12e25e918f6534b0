"""Real signed files (Debian's signed EFI binaries and win32-loader,
Microsoft's conpty.dll and OpenConsole.exe from node-pty): each profile's
PE256 and Signature section against independent readers.

- PE256: osslsigncode's "Calculated message digest" where osslsigncode can
  read the file, and always an Authenticode hash computed here with
  hashlib over the ranges pefile reports (checksum, certificate directory
  entry and certificate table left out).
- Status: held to `osslsigncode verify` with the same anchors (the root
  program's PEM and the roots Windows keeps built in, as -CAfile and
  -TSA-CAfile; -ignore-crl, as profilefs checks no revocation): "Succeeded" is `Signature verified.`, "No
  signature found" is not signed, a chain to an issuer not among the
  anchors is a root that is not trusted, any other failure is not
  verified.
- Signer: the serial in `openssl pkcs7 -print`'s issuer_and_serial of each
  WIN_CERTIFICATE entry, and osslsigncode's "Signer #0" serial and subject
  where it reads the file.
- A file with several certificate entries (shimx64.efi.signed) shows the
  first as the signature and each further one as a bullet.

The oracles' output is kept in CACHE, by the SHA-256 of what they read
(and of the anchors).

usage: efi.py PROFILEFS CACHE ANCHORS FILE...   (prints one line a check;
exit 1 on any failure). $PE_DUMP_WRAP, when set, is the command profilefs
runs under (valgrind, in scripts/test.sh).
"""
import concurrent.futures
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
    if not sec.VirtualAddress:
        # unsigned: hashed as if zero-padded to 8, as Windows does (and
        # osslsigncode, test_pehash.sh)
        h.update(b"\0" * ((8 - len(data) % 8) % 8))
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


CACHE = None
ANCHORS = None


def cached(key, run):
    """run()'s text, kept in CACHE under key"""
    path = os.path.join(CACHE, key)
    if os.path.exists(path):
        return open(path, encoding="utf-8", errors="replace").read()
    text = run()
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(path + ".tmp", path)
    return text


def pkcs7_signer_serial(der):
    text = cached(hashlib.sha256(der).hexdigest() + ".pkcs7", lambda: subprocess.run(
        ["openssl", "pkcs7", "-inform", "DER", "-print", "-noout"],
        input=der, capture_output=True).stdout.decode(errors="replace"))
    m = re.search(r"issuer_and_serial:.*?serial: (0x)?([0-9A-Fa-f]+)", text,
                  re.S)
    return m.group(2).upper() if m else None


def ossl(path):
    data = open(path, "rb").read()
    anchors = open(ANCHORS, "rb").read()
    key = (hashlib.sha256(data).hexdigest() + "-" +
           hashlib.sha256(anchors).hexdigest()[:16] + ".osslsigncode")

    def run():
        p = subprocess.run(["osslsigncode", "verify", "-ignore-crl", "-CAfile",
                            ANCHORS, "-TSA-CAfile", ANCHORS, "-in", path],
                           capture_output=True)
        return (p.stdout + p.stderr).decode(errors="replace")
    text = cached(key, run)
    calc = re.search(r"^Calculated message digest *: *([0-9A-F]+)", text,
                     re.M)
    serial = re.search(r"Signer #0:\s*\n\s*Subject: (.*)\n\s*Serial : "
                       r"([0-9A-F]+)", text)
    if re.search(r"^Succeeded$", text, re.M):
        verdict = "verified"
    elif "No signature found" in text:
        verdict = "unsigned"
    elif "unable to get local issuer certificate" in text:
        verdict = "untrusted"
    else:
        verdict = "failed"
    return (calc.group(1) if calc else None,
            serial.group(2) if serial else None,
            serial.group(1) if serial else None, verdict)


def status_agrees(status, verdict):
    if verdict == "verified":
        return status == "Signature verified."
    if verdict == "unsigned":
        return status.startswith("The file is not signed")
    if verdict == "untrusted":
        return "chain ends in a root that is not trusted" in status
    return status != "Signature verified."


def bullet(md, label):
    sec = md.split("## Signature\n", 1)
    if len(sec) < 2:
        return None
    body = sec[1].split("\n## ", 1)[0]
    m = re.search(r"^\* " + re.escape(label) + r": (.*)$", body, re.M)
    return m.group(1) if m else None


def main():
    global CACHE, ANCHORS
    prog, CACHE, ANCHORS, files = (sys.argv[1], sys.argv[2], sys.argv[3],
                                   sys.argv[4:])
    check("signed files given", len(files) >= 3, str(files))
    multi = 0
    seen = {"verified": 0, "unsigned": 0, "untrusted": 0, "failed": 0}
    # the profiles are made first, one process a core (under valgrind each
    # takes seconds), then checked in the files' order
    wrap = shlex.split(os.environ.get("PE_DUMP_WRAP", ""))
    with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        runs = list(pool.map(lambda f: subprocess.run(
            wrap + [prog, "profile", "--no-cache", f], capture_output=True),
            files))
    for f, p in zip(files, runs):
        check(f + ": profilefs profile exits 0", p.returncode == 0,
              p.stderr.decode(errors="replace")[-2000:])
        md = p.stdout.decode()
        ours = re.search(r"^PE256 \| `([0-9A-F]+)`$", md, re.M)
        ours = ours.group(1) if ours else None
        mine, data, sec = authenticode_sha256(f)
        check(f + ": PE256 = hashlib over pefile's ranges", ours == mine,
              f"{ours} != {mine}")
        calc, o_serial, o_subject, verdict = ossl(f)
        if calc:
            check(f + ": PE256 = osslsigncode", ours == calc)
        status = bullet(md, "Status") or ""
        seen[verdict] += 1
        check(f + ": Status agrees with osslsigncode (%s)" % verdict,
              status_agrees(status, verdict), status)
        ents = entries(data, sec)
        if not ents:
            check(f + ": no table, not signed",
                  status.startswith("The file is not signed"), status)
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
    # Microsoft's files verify, Debian's chain to its own CA, win32-loader
    # and winpty are not signed: each kind of verdict was compared
    for v in ("verified", "unsigned", "untrusted"):
        check("osslsigncode said %s of some file" % v, seen[v] > 0, str(seen))
    print(f"{passes} passed, {fails} failed")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
