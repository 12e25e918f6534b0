#!/usr/bin/python3
"""gen_small_rules.py OUT NAMES_FILE COUNT: a rules repository of COUNT
small text files (a few lines each, 1000 to a folder), each naming one
or two binaries from NAMES_FILE (one a line) among ordinary words, the
way a note or a short detection rule does. Seeded: every run makes the
same tree."""
import os, random, sys

out, names, count = sys.argv[1], [l.strip() for l in open(sys.argv[2]) if l.strip()], int(sys.argv[3])
rnd = random.Random(11)
words = ("process creation detection parent image command line registry "
         "service network persistence execution admin legitimate remote "
         "download loaded unsigned suspicious module").split()
for i in range(count):
    d = os.path.join(out, "n%03d" % (i // 1000))
    if i % 1000 == 0:
        os.makedirs(d, exist_ok=True)
    a, b = rnd.choice(names), rnd.choice(names)
    ws = rnd.sample(words, 6)
    lines = ["title: %s %s" % (" ".join(ws[:2]), a),
             "%s %s spawned by %s" % (ws[2], a, b),
             "C:\\Windows\\System32\\%s /%s" % (b, ws[3]),
             "tags: %s %s" % (ws[4], ws[5])][:rnd.randint(2, 4)]
    with open(os.path.join(d, "r%06d.txt" % i), "w") as f:
        f.write("\n".join(lines) + "\n")
