#!/usr/bin/python3
"""ntfs_json_check.py SCHEMA PROFILE.json EXPECT.json: the JSON profile
validates against docs/profile.schema.json, and each [path, value] pair of
EXPECT (a list) is what the profile holds at that path (a list of member
names and indices), decoded as any JSON reader decodes it. Prints the
failures; exit 1 on any."""
import json
import sys

import jsonschema


def main():
    schema = json.load(open(sys.argv[1]))
    doc = json.load(open(sys.argv[2]))
    fails = []
    try:
        jsonschema.Draft202012Validator(schema).validate(doc)
    except jsonschema.ValidationError as e:
        fails.append("schema: %s at %s" % (e.message, list(e.absolute_path)))
    for path, want in json.load(open(sys.argv[3])):
        got = doc
        try:
            for p in path:
                got = got[p]
        except (KeyError, IndexError, TypeError):
            fails.append("%r: missing" % (path,))
            continue
        if got != want:
            fails.append("%r: got %r, want %r" % (path, got, want))
    for f in fails:
        print("FAIL:", f)
    sys.exit(1 if fails else 0)


main()
