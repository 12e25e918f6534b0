"""Known-file data sets for test_known.sh, generated: an NSRL RDS v3
database (its tables, and the FILE/PKG/OS/MFG views over them as the RDS
keeps them for RDS v2 readers) and a winbindex data folder
(by_filename_compressed/NAME.json.gz).

  known_data.py nsrl OUT.db SHA:NAME:SIZE:PRODUCT:VERSION:OS:MFG[:TAG]...
  known_data.py winbindex DIR ENTRY...
  known_data.py machine_version FILE    (python3-pefile's answer)

A winbindex ENTRY is NAME:SHA:MACHINE:VERSION:BUILDS where BUILDS is
WINDOWS/UPDATE/DATE joined by '+', or '-' for none; MACHINE '-' makes an
entry of hashes only (no fileInfo beyond them).
"""
import gzip
import json
import os
import sqlite3
import sys

NSRL_SCHEMA = """
CREATE TABLE METADATA (metadata_id INTEGER PRIMARY KEY, object_id INTEGER,
  key_hash TEXT, image_hash TEXT, path TEXT, file_name TEXT, extension TEXT,
  bytes INTEGER, mtime INTEGER, used_in_rds INTEGER, update_date TEXT,
  recursion_level INTEGER, extractee_id INTEGER, crc32 TEXT, md5 TEXT,
  sha1 TEXT, sha256 TEXT);
CREATE TABLE PACKAGE_OBJECT (package_object_id INTEGER PRIMARY KEY,
  package_id INTEGER, object_id INTEGER);
CREATE TABLE APPLICATION (application_id INTEGER PRIMARY KEY,
  package_id INTEGER, name TEXT, version TEXT, poe TEXT, build TEXT,
  latest_copyright TEXT, other TEXT, language TEXT, application_type TEXT);
CREATE TABLE OPERATING_SYSTEM (operating_system_id INTEGER PRIMARY KEY,
  name TEXT, version TEXT, architecture TEXT);
CREATE TABLE MANUFACTURER (manufacturer_id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE OPERATING_SYSTEM_APPLICATION (operating_system_id INTEGER,
  application_id INTEGER);
CREATE TABLE MANUFACTURER_APPLICATION (manufacturer_id INTEGER,
  application_id INTEGER);
CREATE TABLE VERSION (version TEXT, build_set TEXT, build_date TEXT,
  release_date TEXT, description TEXT);
CREATE VIEW FILE AS SELECT upper(m.sha256) AS sha256, upper(m.sha1) AS sha1,
  upper(m.md5) AS md5, m.file_name AS file_name, m.bytes AS file_size,
  po.package_id AS package_id
  FROM METADATA m JOIN PACKAGE_OBJECT po ON po.object_id = m.object_id;
CREATE VIEW PKG AS SELECT a.package_id AS package_id, a.name AS name,
  a.version AS version, osa.operating_system_id AS operating_system_id,
  ma.manufacturer_id AS manufacturer_id, a.language AS language,
  a.application_type AS application_type
  FROM APPLICATION a
  LEFT JOIN OPERATING_SYSTEM_APPLICATION osa
    ON osa.application_id = a.application_id
  LEFT JOIN MANUFACTURER_APPLICATION ma ON ma.application_id = a.application_id;
CREATE VIEW OS AS SELECT operating_system_id, name, version,
  NULL AS manufacturer_id FROM OPERATING_SYSTEM;
CREATE VIEW MFG AS SELECT manufacturer_id, name FROM MANUFACTURER;
"""


def nsrl(out, rows, n_random=0):
    if os.path.exists(out):
        os.unlink(out)
    db = sqlite3.connect(out)
    db.executescript(NSRL_SCHEMA)
    db.execute("INSERT INTO VERSION VALUES ('2026.09.1', 'modern', '', '', '')")
    ids = {}

    def idof(table, key, make):
        if (table, key) not in ids:
            ids[(table, key)] = make()
        return ids[(table, key)]

    for i, r in enumerate(rows):
        # an eighth field makes a package of its own, whatever its names
        sha, name, size, prod, ver, osn, mfg, *tag = r.split(":")
        osid = idof("os", osn, lambda: db.execute(
            "INSERT INTO OPERATING_SYSTEM (name, version) VALUES (?, '')",
            (osn,)).lastrowid)
        mid = idof("mfg", mfg, lambda: db.execute(
            "INSERT INTO MANUFACTURER (name) VALUES (?)", (mfg,)).lastrowid)
        pkg = idof("pkg", (prod, ver, osn, mfg, *tag), lambda: len(
            [k for k in ids if k[0] == "pkg"]) + 1)
        if not db.execute("SELECT 1 FROM APPLICATION WHERE package_id = ?",
                          (pkg,)).fetchone():
            app = db.execute(
                "INSERT INTO APPLICATION (package_id, name, version, language,"
                " application_type) VALUES (?, ?, ?, 'English', 'Utility')",
                (pkg, prod, ver)).lastrowid
            db.execute("INSERT INTO OPERATING_SYSTEM_APPLICATION VALUES (?, ?)",
                       (osid, app))
            db.execute("INSERT INTO MANUFACTURER_APPLICATION VALUES (?, ?)",
                       (mid, app))
        db.execute(
            "INSERT INTO METADATA (object_id, file_name, bytes, sha256)"
            " VALUES (?, ?, ?, ?)", (i + 1, name, int(size), sha.lower()))
        db.execute("INSERT INTO PACKAGE_OBJECT (package_id, object_id)"
                   " VALUES (?, ?)", (pkg, i + 1))
    db.commit()
    db.close()


def winbindex(out, entries):
    files = {}
    for e in entries:
        name, sha, machine, version, builds = e.split(":", 4)
        if machine == "-":
            files.setdefault(name, {})[sha] = {"fileInfo": {"sha256": sha}}
            continue
        wv = {}
        if builds != "-":
            for b in builds.split("+"):
                win, upd, date = b.split("/")
                info = {"releaseDate": date + "T00:00:00"}
                wv.setdefault(win, {})[upd] = (
                    {"windowsVersionInfo": info} if upd == "BASE" else
                    {"updateInfo": {"heading": "x", "releaseDate": date},
                     "assemblies": {}})
        files.setdefault(name, {})[sha] = {
            "fileInfo": {"size": 1, "sha256": sha, "machineType": int(machine),
                         "version": version + " (WinBuild.160101.0800)",
                         "signingStatus": "Signed"},
            "windowsVersions": wv}
    d = os.path.join(out, "by_filename_compressed")
    os.makedirs(d, exist_ok=True)
    for name, obj in files.items():
        with gzip.open(os.path.join(d, name + ".json.gz"), "wt") as f:
            json.dump(obj, f)


def machine_version(path):
    import pefile
    pe = pefile.PE(path)
    fv = ""
    for fi in getattr(pe, "FileInfo", []) or []:
        for i in fi:
            for st in getattr(i, "StringTable", []) or []:
                fv = st.entries.get(b"FileVersion", b"").decode() or fv
    # the leading dotted numbers, as winbindex's versions are compared
    n = 0
    while n < len(fv) and (fv[n].isdigit() or (fv[n] == "." and n)):
        n += 1
    print(pe.FILE_HEADER.Machine, fv[:n].rstrip("."))


if __name__ == "__main__":
    what = sys.argv[1]
    if what == "nsrl":
        nsrl(sys.argv[2], sys.argv[3:])
    elif what == "winbindex":
        winbindex(sys.argv[2], sys.argv[3:])
    else:
        machine_version(sys.argv[2])
