#!/usr/bin/python3
"""gen_repos.py OUT NAMES_FILE: four large rule-like repositories for the
benchmark, shaped like sigma (YAML), atomic-red-team (Markdown), LOLBAS
(YAML) and signature-base (YARA), each line drawing binary names from
NAMES_FILE (one a line) among ordinary words. Sizes are of the order of
the real ones: ~3000, ~1500, ~200 and ~700 files."""
import os, random, sys

out, names = sys.argv[1], [l.strip() for l in open(sys.argv[2]) if l.strip()]
rnd = random.Random(7)
words = ("process creation detection selection condition command line image "
         "parent user registry value target file path service network event "
         "logsource product windows category description author status test "
         "references level high medium falsepositives legitimate admin tools "
         "powershell execution persistence privilege escalation").split()


def line(kind):
    ws = rnd.sample(words, 5)
    n = rnd.choice(names)
    stem = n.rsplit(".", 1)[0]
    return {
        "yml": rnd.choice(["    - '\\\\%s'" % n, "    %s: %s" % (ws[0], " ".join(ws[1:])),
                           "    - '*%s*%s*'" % (stem, ws[2]), "title: %s %s" % (" ".join(ws[:3]), n),
                           "    Image|endswith: '\\\\%s'" % n, "    %s|contains: '%s'" % (ws[3], ws[4])]),
        "md": rnd.choice(["## Atomic Test - %s via %s" % (" ".join(ws[:2]), n),
                          "%s %s %s" % (" ".join(ws), n, " ".join(ws[::-1])),
                          "C:\\Windows\\System32\\%s /%s %s" % (n, ws[0], ws[1]),
                          "```", "| %s | %s |" % (ws[0], ws[1])]),
        "yar": rnd.choice(['      $s%d = "%s" ascii wide' % (rnd.randrange(99), n),
                           '      $h%d = { %s }' % (rnd.randrange(99), " ".join("%02X" % rnd.randrange(256) for _ in range(24))),
                           '      description = "%s %s"' % (" ".join(ws[:3]), stem),
                           "      %s and %s" % (ws[0], ws[1])]),
    }[kind]


for repo, kind, nfiles, nlines in [("sigma", "yml", 3000, 45), ("atomic-red-team", "md", 1500, 120),
                                   ("LOLBAS", "yml", 200, 35), ("signature-base", "yar", 700, 180)]:
    for i in range(nfiles):
        d = os.path.join(out, repo, "rules", "d%02d" % (i % 40))
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "r%05d.%s" % (i, kind)), "w") as f:
            f.write("\n".join(line(kind) for _ in range(nlines)) + "\n")
