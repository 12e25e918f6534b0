"""What monodis (Debian's mono-utils) says of a .NET assembly's Assembly
row: the independent oracle of src/pe/dotnet.c, in the shape pe_dump
prints it: [name, "major.minor.build.revision", culture, public key token
or None, flags, hash algorithm], None when the metadata has no Assembly
row, "unreadable" when monodis cannot read the file. The token is made
here from the public key bytes monodis dumps: the last 8 bytes of their
SHA-1, reversed, in lowercase hex (as .NET shows it); None when monodis
says "Zero sized public key".

monodis's answers are cached as oracle.py's are (in a folder beside its
cache), keyed by the SHA-256 of the file's bytes, of the monodis
executable and of this file; a missing monodis is an error, never a
skip."""
import hashlib
import json
import os
import shutil
import subprocess

from oracle import cache_dir, cache_store

# "Name:          X": every label of monodis --assembly is padded to 15
LABEL = 15


def _key():
    exe = shutil.which("monodis")
    if not exe:
        raise RuntimeError("monodis is missing (Debian's mono-utils)")
    h = hashlib.sha256()
    for p in (exe, os.path.abspath(__file__)):
        with open(p, "rb") as f:
            h.update(f.read())
    return "monodis-" + h.hexdigest()


def parse(out):
    """monodis --assembly's output (bytes) as pe_dump's assembly."""
    row, key = {}, b""
    for line in out.split(b"\n"):
        if line.startswith(b"0x") and b": " in line:
            key += bytes.fromhex(line.split(b": ", 1)[1].decode())
        elif len(line) >= LABEL - 1 and line[:LABEL].rstrip().endswith(b":"):
            row.setdefault(line[:LABEL].rstrip()[:-1].decode(),
                           line[LABEL:].decode("latin-1"))
    if "Name" not in row:
        return None
    token = hashlib.sha1(key).digest()[-8:][::-1].hex() if key else None
    return [row["Name"], row["Version"], row.get("Culture", ""), token,
            int(row["Flags"], 16), int(row["Hash Algoritm"], 16)]


def assembly(path):
    r = subprocess.run(["monodis", "--assembly", path], capture_output=True,
                       timeout=60)
    if r.returncode != 0:
        return "unreadable"
    return parse(r.stdout)


_KEY = None


def assembly_cached(path, stats=None):
    """assembly(path) through the cache; stats counts "hit" and "miss"."""
    global _KEY
    if _KEY is None:
        _KEY = _key()
    with open(path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    d = cache_dir()
    entry = os.path.join(os.path.dirname(d), _KEY, digest + ".json") if d else None
    if entry:
        try:
            with open(entry, encoding="utf-8") as f:
                got = json.load(f)
            if got.get("sha256") == digest:
                if stats is not None:
                    stats["hit"] = stats.get("hit", 0) + 1
                return got["assembly"]
        except (OSError, ValueError, KeyError):
            pass
    if stats is not None:
        stats["miss"] = stats.get("miss", 0) + 1
    got = {"sha256": digest, "assembly": assembly(path)}
    if entry:
        cache_store(entry, got)
    return json.loads(json.dumps(got["assembly"]))
