#!/bin/bash
# Possible Misuse: rule repositories written here (a sigma-like YAML tree
# with a DRL license and a GitHub origin, a LOLBAS-like tree, an atomic-like
# Markdown tree without git), the rows they give, re-indexing, removal,
# and the section through a real mount, appearing and going away without
# the binary being hashed again. Then a hostile repository (FIFOs, links
# out of it), a rules add killed half-way (hidden, listed incomplete,
# resumed), and the messages for a DIR that is missing or not a folder.
. "$(dirname "$0")/lib.sh"
R=$T/repos
mkdir -p "$R/sigma/rules/windows/proc_creation" \
	"$R/sigma/rules/windows/other" "$R/LOLBAS/yml/OSLibraries" \
	"$R/atomic/atomics/T1003.001" "$R/many"
# real git repositories (git is what rules add asks), with no commit yet
git init -q -b master "$R/sigma" && git -C "$R/sigma" remote add origin git@github.com:Example/sigma.git ||
	bad "git init sigma"
git init -q -b main "$R/LOLBAS" &&
	git -C "$R/LOLBAS" remote add origin https://github.com/Example/LOLBAS.git || bad "git init LOLBAS"
printf '# Detection Rule License (DRL) 1.1\n\nPermission is hereby granted...\n' \
	>"$R/sigma/LICENSE.Detection.Rules.md"
# the tools' license comes first by name; the rules' license wins
printf 'GNU LESSER GENERAL PUBLIC LICENSE\nVersion 2.1, February 1999\n' \
	>"$R/sigma/LICENSE"
cat >"$R/sigma/rules/windows/proc_creation/dump_comsvcs.yml" <<'YML'
title: Process Dump via Rundll32 and Comsvcs.dll
detection:
    selection:
        CommandLine|contains:
            - 'comsvcs.dll,#24'
            - '*comsvcs*MiniDump*full*'
            - 'xcomsvcs.dll'
            - 'lsass-comsvcs.dmp'
            - 'a | b `c` comsvcs.dll'
YML
# the stem in prose (title, description, false positives) is no row; in
# a detection value it is, in a file that names the binary in full
cat >"$R/sigma/rules/windows/other/wks.yml" <<'YML'
title: wkssvc named in prose
description: the wkssvc service is abused
detection:
    Image|endswith: '\wkssvc.dll'
    CommandLine|contains:
        - 'wkssvc'
falsepositives:
    - verify the wkssvc of the user
YML
# a file that never names termsrv.dll or wkssvc.dll in full: no rows
cat >"$R/sigma/rules/windows/other/services.yml" <<'YML'
title: Terminal service tampering
    TargetName: TERMSRV*
    - 'wkssvc'
    - 'net user /add'
    - 'reg add HKLM\Software'
    - 'recover'
YML
cat >"$R/LOLBAS/yml/OSLibraries/comsvcs.yml" <<'YML'
Name: Comsvcs.dll
Commands:
  - Command: rundll32 C:\windows\system32\comsvcs.dll MiniDump "[LSASS_PID] dump.bin full"
Full_Path:
  - Path: c:\windows\system32\comsvcs.dll
YML
printf 'MIT License\n\nPermission is hereby granted, free of charge, to any person\n' \
	>"$R/atomic/LICENSE.txt"
{
	printf '# T1003.001\n'
	printf '## Atomic Test #3 - Dump LSASS.exe Memory using comsvcs.dll\n'
	printf 'bytes \xff\xfe then comsvcs.dll\n'
} >"$R/atomic/atomics/T1003.001/T1003.001.md"
head -c 3000 /dev/urandom >"$R/atomic/atomics/T1003.001/blob.bin"
printf '\0binary with comsvcs.dll inside\n' >>"$R/atomic/atomics/T1003.001/blob.bin"
for i in $(seq 1 250); do echo "line $i uses many.dll"; done >"$R/many/list.txt"

# the default rules index ($XDG_DATA_HOME/profilefs/rules.db, lib.sh)
rules() { "$PROFILEFS" rules "$@"; }
rules list >/dev/null
check "a read-only command makes no database" [ ! -e "$RULES_DB" ]
check_eq "rules list of no index: the header alone" "$(rules list)" \
	"$(printf 'name\turl\tlicense\tfiles\tlines\tindexed')"
rules remove nosuch 2>/dev/null
check "rules remove of no index: fails, makes nothing" [ $? -ne 0 -a ! -e "$RULES_DB" ]
rules list --cache="$CACHE" 2>"$T/err"
check "rules --cache: refused, naming --rules ($(cat "$T/err"))" \
	grep -q -- '--rules=PATH' "$T/err"
rules add -q "$R/sigma" "$R/LOLBAS" "$R/atomic" 2>"$T/err"
check "rules add exits 0 ($(cat "$T/err"))" [ $? -eq 0 ]
rules add -q --name=many "$R/many" || bad "rules add --name"
check "adding a name twice is refused" \
	bash -c '! "$0" rules add -q "$1" 2>/dev/null' "$PROFILEFS" "$R/many"

# list: header, then name, url, license, files, lines, when
list=$(rules list)
check_eq "list header" "$(head -n 1 <<<"$list")" \
	"$(printf 'name\turl\tlicense\tfiles\tlines\tindexed')"
check_eq "sigma listed" "$(grep '^sigma' <<<"$list" | cut -f1-5)" \
	"$(printf 'sigma\thttps://github.com/Example/sigma\tDRL-1.1\t%s\t%s' \
		"$(ls "$R"/sigma/rules/windows/*/*.yml | wc -l)" \
		"$(cat "$R"/sigma/rules/windows/*/*.yml | grep -c '[^[:space:]]')")"
check_eq "LOLBAS listed" "$(grep '^LOLBAS' <<<"$list" | cut -f1-4)" \
	"$(printf 'LOLBAS\thttps://github.com/Example/LOLBAS\t-\t1')"
check_eq "atomic listed (no git: no URL; binary and licence files skipped)" \
	"$(grep '^atomic' <<<"$list" | cut -f1-4)" "$(printf 'atomic\t-\tMIT\t1')"

# licences: each named by its SPDX identifier, from what the text says of
# itself: Debian's GPL-3 (which mentions the AGPL) and GPL-2 (which
# mentions the LGPL), MPL-2.0, and a text nobody knows (its file name)
for l in GPL-3 GPL-2 MPL-2.0 unknown; do
	mkdir -p "$R/lic-$l"
	echo "image: lic.dll" >"$R/lic-$l/rule.yml"
	if [ "$l" = unknown ]; then
		printf 'You may do as you please.\n' >"$R/lic-$l/COPYING.txt"
	else
		cp "/usr/share/common-licenses/$l" "$R/lic-$l/LICENSE"
	fi
	rules add -q "$R/lic-$l" || bad "rules add lic-$l"
done
check_eq "licences: GPL-3 not AGPL, GPL-2 not LGPL, MPL-2.0, unknown by file name" \
	"$(rules list | grep '^lic-' | cut -f1,3 | sort)" \
	"$(printf 'lic-GPL-2\tGPL-2.0\nlic-GPL-3\tGPL-3.0\nlic-MPL-2.0\tMPL-2.0\nlic-unknown\tCOPYING.txt')"
for l in GPL-3 GPL-2 MPL-2.0 unknown; do rules remove "lic-$l" || bad "remove lic-$l"; done

mkdir -p "$SRC/Windows/System32"
for b in comsvcs.dll termsrv.dll wkssvc.dll net.exe reg.exe recover.exe many.dll xyz.dll; do
	head -c 500 /dev/urandom >"$SRC/Windows/System32/$b"
done
section() { sed -n '/^## Possible Misuse$/,/^## /p' | grep ' | ' | grep -v '^Source |\|^-- |'; }
prof() { "$PROFILEFS" profile --cache="$CACHE" --root="$SRC" "$SRC/Windows/System32/$1"; }

S='[sigma](https://github.com/Example/sigma)'
SF='[dump_comsvcs.yml](https://github.com/Example/sigma/blob/master/rules/windows/proc_creation/dump_comsvcs.yml)'
SL='[DRL-1.1](https://github.com/Example/sigma/blob/master/LICENSE.Detection.Rules.md)'
L='[LOLBAS](https://github.com/Example/LOLBAS)'
LF='[comsvcs.yml](https://github.com/Example/LOLBAS/blob/main/yml/OSLibraries/comsvcs.yml)'
AF='[T1003.001.md](atomics/T1003.001/T1003.001.md)'
# the sigma rule's detection values (a file's first row, then its
# second); LOLBAS's comsvcs.yml, named after the binary; then prose
# (atomic's Markdown, the sigma title, a sentence in a value), each file's
# first row before its second (atomic's two, then sigma's third and
# fourth)
want=$(cat <<ROWS
$S | $SF | \`- 'comsvcs.dll,#24'\` | $SL
$S | $SF | \`- '*comsvcs*MiniDump*full*'\` | $SL
$L | $LF | \`Name: Comsvcs.dll\` | 
$L | $LF | \`- Command: rundll32 C:\\windows\\system32\\comsvcs.dll MiniDump "[LSASS_PID] dump.bin full"\` | 
$L | $LF | \`- Path: c:\\windows\\system32\\comsvcs.dll\` | 
atomic | $AF | \`## Atomic Test #3 - Dump LSASS.exe Memory using comsvcs.dll\` | MIT
atomic | $AF | \`bytes \\xFF\\xFE then comsvcs.dll\` | MIT
$S | $SF | \`title: Process Dump via Rundll32 and Comsvcs.dll\` | $SL
$S | $SF | \`\`- 'a \\| b \`c\` comsvcs.dll'\`\` | $SL
ROWS
)
check_eq "comsvcs.dll rows: ranked; full names, the stem, escapes, not xcomsvcs" \
	"$(prof comsvcs.dll | section)" "$want"
check "termsrv.dll: its stem in a file that never names it in full, no section" \
	bash -c '! grep -q "^## Possible Misuse" <<<"$0"' "$(prof termsrv.dll)"
wks=$(prof wkssvc.dll | section)
check_eq "wkssvc.dll: the image, then its stem in a detection value, never in prose" \
	"$(wc -l <<<"$wks")" 2
check "... the image first" grep -q "wks\.yml.*endswith: '.*wkssvc\.dll'" <(head -n 1 <<<"$wks")
check "... the stem in its list second" grep -qF "\`- 'wkssvc'\`" <(sed -n 2p <<<"$wks")
for b in net.exe reg.exe recover.exe xyz.dll; do
	check "$b: short or stoplisted stem, no section" \
		bash -c '! grep -q "^## Possible Misuse" <<<"$0"' "$(prof $b)"
done
many=$(prof many.dll)
check_eq "capped at 200 rows" "$(section <<<"$many" | wc -l)" 200
check "says how many more, and where" \
	grep -qx '\*50 more rows in 1 files are not shown: 50 rows in 1 files of many\.\*' <<<"$many"

# through a mount: the section, then re-indexing and removal seen at once
mount_fs || finish
m="$MNT/Windows/System32"
check "mount: the section" grep -q '^## Possible Misuse$' "$m/comsvcs.dll.md"
check "mount: the same rows as the CLI" \
	cmp -s <(section <"$m/comsvcs.dll.md") <(prof comsvcs.dll | section)
# one rules index per user: a mount with another --cache finds it too
umount_fs
CACHE0=$CACHE
CACHE=$T/cache2/other.db
mount_fs || finish
# (read into variables: a reader still holding the file would keep the
# unmount below from happening)
md=$(cat "$m/comsvcs.dll.md")
check "another --cache: the rows too" grep -q '^## Possible Misuse$' <<<"$md"
check_eq "another --cache: the same rows" "$(section <<<"$md")" "$(prof comsvcs.dll | section)"
check_eq "the cache holds no rules index" \
	"$(sqlite3 "file:$CACHE?mode=ro" 'SELECT count(*) FROM rule_repos')" 0
umount_fs
CACHE=$CACHE0
mount_fs || finish
computed=$(stat_of computed)
sed -i '/comsvcs.dll,#24/d' "$R/sigma/rules/windows/proc_creation/dump_comsvcs.yml"
rm "$R/LOLBAS/yml/OSLibraries/comsvcs.yml"
rules update -q || bad "rules update"
rows=$(section <"$m/comsvcs.dll.md")
check "a changed file is indexed again" bash -c '! grep -q "comsvcs.dll,#24" <<<"$0"' "$rows"
check "a deleted file's lines are gone" bash -c '! grep -q "^\[LOLBAS\]" <<<"$0"' "$rows"
check_eq "the rest stays (2 atomic, 3 sigma)" "$(wc -l <<<"$rows")" 5
check_eq "LOLBAS now has no files" "$(rules list | grep '^LOLBAS' | cut -f4)" 0
for n in sigma LOLBAS atomic many; do rules remove "$n" || bad "remove $n"; done
check "remove: unknown name fails" \
	bash -c '! "$0" rules remove nosuch 2>/dev/null' "$PROFILEFS"
check "the section is gone after rules remove" \
	bash -c '! grep -q "^## Possible Misuse" "$0"' "$m/comsvcs.dll.md"
check_eq "the size follows the section" "$(stat -c %s "$m/comsvcs.dll.md")" \
	"$(wc -c <"$m/comsvcs.dll.md")"
check_eq "no hashing for any of it" "$(stat_of computed)" "$computed"
check_eq "list is empty" "$(rules list | wc -l)" 1
umount_fs

# A hostile repository: FIFOs named LICENSE and .git/HEAD (an open() or
# read() of either blocks for ever), and a link to a file outside it that
# names a binary. rules add must finish, read the other files, take
# neither FIFO for a file and not follow the link.
H=$R/hostile
mkdir -p "$H/.git" "$H/rules"
mkfifo "$H/LICENSE" "$H/.git/HEAD"
printf '[remote "origin"]\n\turl = https://github.com/Example/hostile.git\n' >"$H/.git/config"
printf 'title: a rule\nimage: inside.dll\n' >"$H/rules/in.yml"
printf 'image: outside.dll\n' >"$T/outside.yml"
ln -s "$T/outside.yml" "$H/rules/out.yml"
ln -s "$T" "$H/up"
for b in inside.dll outside.dll bigrepo.dll; do
	head -c 500 /dev/urandom >"$SRC/Windows/System32/$b"
done
t0=$(date +%s%N)
timeout 20 "$PROFILEFS" rules add -q "$H" 2>"$T/err"
rc=$?
echo "rules add with FIFOs: $(((($(date +%s%N) - t0) / 1000000))) ms, status $rc"
check "FIFOs named LICENSE and .git/HEAD: rules add completes ($rc: $(cat "$T/err"))" \
	[ $rc -eq 0 ]
check_eq "hostile: git not asked (a FIFO HEAD), no license, one file" \
	"$(rules list | grep '^hostile' | cut -f2-5)" "$(printf -- '-\t-\t1\t2')"

# a first pass killed after its first batches: a repository of 3000 files
# of 40 lines each, 20 of which name bigrepo.dll
B=$R/big
mkdir -p "$B"
python3 - "$B" <<'PY'
import os, sys
for i in range(3000):
    with open(os.path.join(sys.argv[1], "r%04d.yml" % i), "w") as f:
        for j in range(40):
            f.write("line %d of rule %d %s\n" % (j, i, "bigrepo.dll" if j % 2 else "x"))
PY
"$PROFILEFS" rules add -q "$B" 2>/dev/null &
adder=$!
n=0
for i in $(seq 1 2000); do
	n=$(sqlite3 "file:$RULES_DB?mode=ro" "SELECT count(*) FROM rule_files f \
		JOIN rule_repos r ON r.id = f.repo WHERE r.name = 'big'" 2>/dev/null)
	[ "${n:-0}" -gt 0 ] && break
	kill -0 $adder 2>/dev/null || break
	sleep 0.01
done
kill -9 $adder 2>/dev/null
killed=$?
wait $adder 2>/dev/null
echo "killed rules add after $n committed files"
check "rules add killed while indexing (files committed: $n)" \
	[ $killed -eq 0 -a "${n:-0}" -gt 0 -a "${n:-0}" -lt 3000 ]
check_eq "the killed repository is listed as incomplete" \
	"$(rules list | grep '^big' | cut -f6)" incomplete

mount_fs || finish
check_eq "mount: the hostile repository's own file" \
	"$(section <"$m/inside.dll.md" | cut -d'|' -f1,3)" \
	'hostile | `image: inside.dll` '
check "mount: a link out of the repository is not followed" \
	bash -c '! grep -q "^## Possible Misuse" "$0"' "$m/outside.dll.md"
check "mount: no rows of the incomplete repository" \
	bash -c '! grep -q "^## Possible Misuse" "$0"' "$m/bigrepo.dll.md"

rules add -q "$B" 2>"$T/err"
check "rules add again resumes the repository ($(cat "$T/err"))" [ $? -eq 0 ]
check_eq "listed complete with every file" \
	"$(rules list | grep '^big' | cut -f4,5,6 | sed 's/\t[0-9T:-]*Z$/\tdate/')" \
	"$(printf '3000\t%s\tdate' $((3000 * 40)))"
big=$(cat "$m/bigrepo.dll.md")
check_eq "mount: the resumed repository's rows, capped" \
	"$(section <<<"$big" | cut -d'|' -f1 | sort -u)" "big "
n=$((3000 * 20 - 200))
check "mount: and how many more (3000 files x 20 lines - 200, in all 3000 files)" \
	grep -qx "\*$n more rows in 3000 files are not shown: $n rows in 3000 files of big\.\*" <<<"$big"
umount_fs

# ranking and the cap of each repository: alpha has a file named after
# ranked.dll (1 line), a rule naming it as an image (2 lines) and 300
# lines of documentation; beta 250 lines of a list that names it in
# sentences. Each repository keeps its first 200 in the section's order:
# images, the named file, then prose, a file's first row before any
# file's second (a.md and b.yml in turns), by repository within each.
mkdir -p "$R/alpha/yml" "$R/alpha/rules" "$R/alpha/docs" "$R/beta/rules"
echo "Name: Ranked.dll" >"$R/alpha/yml/Ranked.yml"
printf 'image: ranked.dll a\nimage: ranked.dll b\n' >"$R/alpha/rules/r.yml"
for i in $(seq 1 300); do echo "doc $i ranked.dll"; done >"$R/alpha/docs/a.md"
for i in $(seq 1 250); do echo "- ranked.dll $i"; done >"$R/beta/rules/b.yml"
head -c 500 /dev/urandom >"$SRC/Windows/System32/ranked.dll"
rules add -q "$R/alpha" "$R/beta" || bad "rules add alpha beta"
ranked=$(prof ranked.dll)
rows=$(section <<<"$ranked" | cut -d'|' -f1,2 | sed 's/\[\([^]]*\)\]([^)]*)/\1/g; s/ *$//')
want=$( {
	yes "alpha | r.yml" | head -n 2
	echo "alpha | Ranked.yml"
	for i in $(seq 1 $((200 - 1 - 2))); do
		echo "alpha | a.md"
		echo "beta | b.yml"
	done
	yes "beta | b.yml" | head -n 3
} )
check_eq "ranked: images, the named file, prose a file at a time; 200 of each" \
	"$(sed 's/ | /|/' <<<"$rows" | uniq -c | sed 's/^ *//')" \
	"$(sed 's/ | /|/' <<<"$want" | uniq -c | sed 's/^ *//')"
check_eq "the first of alpha's documentation lines kept" \
	"$(section <<<"$ranked" | grep -m1 'a.md' | cut -d'|' -f3)" " \`doc 1 ranked.dll\` "
check "the rest, by repository: alpha's a.md, beta's b.yml" grep -qx \
	"\*$((1 + 2 + 300 - 200 + 250 - 200)) more rows in 2 files are not shown: $((303 - 200)) rows in 1 files of alpha, $((250 - 200)) rows in 1 files of beta\.\*" \
	<<<"$ranked"
echo "ranked rows: $(sed 's/ | /|/' <<<"$rows" | uniq -c | tr -s ' \n' ' ')"
rules remove alpha beta

# what git says: a worktree (a .git file, its own branch) of a repository
# whose folder name is not the repository's, a remote written with an
# insteadOf prefix, and a git archive export (no .git: --url gives the URL
# and the name)
G=$R/h5-src
gitc() { git -c user.name=t -c user.email=t@example.org -c init.defaultBranch=main "$@"; }
gitc init -q "$G" && git -C "$G" remote add origin git@github.com:Example/upstream-rules.git
mkdir -p "$G/rules"
echo "image: gitfacts.dll" >"$G/rules/g.yml"
gitc -C "$G" add -A && gitc -C "$G" commit -qm one || bad "git commit"
gitc -C "$G" worktree add -q -b feature "$R/h5-sigma" || bad "git worktree add"
check "the worktree has a .git file" [ -f "$R/h5-sigma/.git" ]
gitc init -q "$R/short" && git -C "$R/short" config url.https://gitlab.com/.insteadOf gl: &&
	git -C "$R/short" remote add origin gl:Group/short-rules.git && cp "$G/rules/g.yml" "$R/short/" ||
	bad "insteadOf repository"
mkdir -p "$R/export"
git -C "$G" archive --format=tar HEAD | tar -x -C "$R/export" || bad "git archive"
rules add -q "$R/h5-sigma" "$R/short" || bad "rules add worktree, insteadOf"
rules add -q --url=https://github.com/Example/exported-rules "$R/export" || bad "rules add export"
check_eq "worktree, insteadOf, export: names and URLs from the remote" \
	"$(rules list | grep -E '^(upstream-rules|short-rules|exported-rules)\s' | cut -f1,2 | sort)" \
	"$(printf '%s\t%s\n' exported-rules https://github.com/Example/exported-rules \
		short-rules https://gitlab.com/Group/short-rules \
		upstream-rules https://github.com/Example/upstream-rules)"
head -c 500 /dev/urandom >"$SRC/Windows/System32/gitfacts.dll"
check_eq "links: the worktree's branch, GitLab's form, HEAD for an export" \
	"$(prof gitfacts.dll | section | cut -d'|' -f2 | sort)" \
	"$(printf ' [g.yml](%s) \n' https://github.com/Example/exported-rules/blob/HEAD/rules/g.yml \
		https://github.com/Example/upstream-rules/blob/feature/rules/g.yml \
		https://gitlab.com/Group/short-rules/-/blob/main/g.yml | sort)"
# rules update reads the facts again, but what the user gave: the branch
# checked out now, a new licence; an export's --url stays
gitc -C "$R/h5-sigma" checkout -q -b renamed || bad "git checkout"
cp /usr/share/common-licenses/Apache-2.0 "$R/h5-sigma/LICENSE"
printf 'You may.\n' >"$R/export/LICENSE"
rules update -q upstream-rules exported-rules || bad "rules update of the git repositories"
check_eq "update: the licence read again" "$(rules list | grep $'^upstream-rules\t' | cut -f3)" Apache-2.0
check "update: links on the branch checked out now" grep -q \
	'https://github.com/Example/upstream-rules/blob/renamed/rules/g.yml' <(prof gitfacts.dll | section)
check_eq "update: an export's --url kept, its licence read" \
	"$(rules list | grep $'^exported-rules\t' | cut -f2,3)" \
	"$(printf 'https://github.com/Example/exported-rules\tLICENSE')"
rules add -q "$R/export" 2>/dev/null
check_eq "an export without --url: the folder's name, no URL" \
	"$(rules list | grep $'^export\t' | cut -f1,2)" "$(printf 'export\t-')"
rules remove upstream-rules short-rules exported-rules export

# --rules=PATH: another index, for the mount and every command
O=$T/elsewhere/rules.db
mkdir -p "$R/own"
echo "image: ownidx.dll" >"$R/own/a.yml"
head -c 500 /dev/urandom >"$SRC/Windows/System32/ownidx.dll"
rules add -q --rules="$O" "$R/own" || bad "rules add --rules"
check_eq "--rules: listed there" "$(rules list --rules="$O" | cut -f1 | sed 1d)" own
check_eq "--rules: not in the default index" "$(rules list | grep -c '^own')" 0
check "profile without --rules: no rows" bash -c '! grep -q "^## Possible Misuse" <<<"$0"' "$(prof ownidx.dll)"
check "profile --rules: the rows" grep -q 'ownidx.dll' \
	<("$PROFILEFS" profile --rules="$O" --cache="$CACHE" --root="$SRC" "$SRC/Windows/System32/ownidx.dll" | section)
mount_fs --rules="$O" || finish
md=$(cat "$m/ownidx.dll.md")
check "mount --rules: the rows" grep -q 'ownidx.dll' <<<"$(section <<<"$md")"
umount_fs

# which files: a sigma-like repository with regression_data/, deprecated/
# and rules/ folders, each naming sel.dll once (and docs/ in a name
# glob's way). By default only rules/ and docs/ are indexed.
SEL=$R/sel
mkdir -p "$SEL/rules/windows" "$SEL/regression_data/rules/windows" "$SEL/deprecated" \
	"$SEL/docs" "$SEL/tests"
for f in rules/windows/a.yml regression_data/rules/windows/0b6a.json deprecated/old.yml \
	docs/notes.md tests/test_rules.py; do
	echo "image: sel.dll ($f)" >"$SEL/$f"
done
head -c 500 /dev/urandom >"$SRC/Windows/System32/sel.dll"
files() { prof sel.dll | section | sed 's/.*(\(.*\)).*/\1/' | sort | tr '\n' ' '; }
rules add -q "$SEL" || bad "rules add sel"
check_eq "default: test data, tests and deprecated rules left out" "$(files)" \
	"docs/notes.md rules/windows/a.yml "
check_eq "list -v: the default excludes" \
	"$(rules list -v | sed -n '/^sel\t/,/^[^\t]/p' | grep -c $'^\texclude (default)\t')" \
	"$(grep -o '"[^"]*",' "$(dirname "$0")/../../src/rules/select.c" | wc -l)"
check "list -v: regression_data/ among them" \
	grep -qx $'\texclude (default)\tregression_data/' <(rules list -v)
check_eq "list without -v: one line a repository" "$(rules list | grep -c $'^\t')" 0
rules update -q --include=rules --exclude='*.md' sel 2>"$T/err"
check "update --include --exclude ($(cat "$T/err"))" [ $? -eq 0 ]
check_eq "--include rules: rules/ only (not regression_data/rules)" "$(files)" "rules/windows/a.yml "
check_eq "list -v: the globs stored" \
	"$(rules list -v | sed -n '/^sel\t/,$p' | grep -v 'default' | sed 1d | grep $'^\t')" \
	"$(printf '\tinclude\trules\n\texclude\t*.md')"
echo "image: sel.dll (rules/windows/b.yml)" >"$SEL/rules/windows/b.yml"
rules update -q sel || bad "rules update sel"
check_eq "rules update keeps the globs" "$(files)" "rules/windows/a.yml rules/windows/b.yml "
rules update -q --no-include --no-exclude --no-default-excludes sel || bad "update --no-*"
check_eq "--no-default-excludes: every file" "$(files)" \
	"deprecated/old.yml docs/notes.md regression_data/rules/windows/0b6a.json rules/windows/a.yml rules/windows/b.yml tests/test_rules.py "
check_eq "list -v: no globs left" "$(rules list -v | sed -n '/^sel\t/,$p' | grep -c $'^\t')" 0
rules remove sel
rules add -q --exclude=deprecated --no-default-excludes --include='*.yml' "$SEL" ||
	bad "rules add --exclude --include"
check_eq "add --include '*.yml' --exclude deprecated" "$(files)" \
	"rules/windows/a.yml rules/windows/b.yml "
rules update -q --include=x 2>"$T/err"
check_eq "update --include without a NAME is refused" "$?" 2
rules update -q --url=https://example.org/x 2>"$T/err"
check_eq "update --url without a NAME is refused, and says so" "$?:$(cat "$T/err")" \
	"2:profilefs rules: --url and --license go with rules add, or rules update of one NAME"
rules update -q --url= --license= sel 2>"$T/err"
check_eq "update --url= --license= (empty): refused, and says so" \
	"$?:$(head -n 1 "$T/err")" \
	"2:profilefs rules: --url wants a value: url=U (profilefs rules --help lists the options)"
rules update -q --url=https://example.org/sel --license=MIT sel ||
	bad "rules update --url --license sel"
check_eq "update --url --license of one NAME: listed" \
	"$(rules list | awk -F'\t' '$1 == "sel" { print $2 " " $3 }')" \
	"https://example.org/sel MIT"
check "update --url: the rows link to it" \
	grep -qF "https://example.org/sel/blob/" <<<"$(prof sel.dll | section)"
rules remove sel

# a renamed copy: the OriginalFilename of its version resource (as pefile
# reads it) finds the rows that name the original, which say so
[ -n "$EXAMPLES" ] && [ -f "$EXAMPLES/hello.dll" ] || bad "no example binaries (EXAMPLES)"
orig=$(/usr/bin/python3 - "$EXAMPLES/hello.dll" <<'PY'
import sys
import pefile
pe = pefile.PE(sys.argv[1])
for fi in getattr(pe, 'FileInfo', None) or []:
    for x in fi:
        for t in getattr(x, 'StringTable', []):
            v = t.entries.get(b'OriginalFilename')
            if v:
                print(v.decode())
                sys.exit(0)
PY
)
check "pefile reads the example's OriginalFilename ($orig)" [ -n "$orig" ]
mkdir -p "$R/ren/rules"
git init -q -b main "$R/ren" &&
	git -C "$R/ren" remote add origin https://github.com/Example/ren.git || bad "git init ren"
printf "detection:\n    selection:\n        Image|endswith: '\\\\%s'\n" "$orig" >"$R/ren/rules/renamed.yml"
rules add -q "$R/ren" || bad "rules add ren"
cp "$EXAMPLES/hello.dll" "$SRC/Windows/System32/renamed copy.dll"
ren=$(prof "renamed copy.dll" | section)
check "a renamed copy: the row of its original name" \
	grep -qF "renamed.yml](https://github.com/Example/ren/blob/main/rules/renamed.yml) (matches the original name \`$orig\`)" <<<"$ren"
check_eq "... and no other" "$(wc -l <<<"$ren")" 1
rules remove ren

# a DIR that is not there, or not a folder
rules add -q "$T/nosuch" 2>"$T/err"
check_eq "missing DIR: says so" "$?:$(cat "$T/err")" "1:profilefs: $T/nosuch: no such folder"
rules add -q "$T/outside.yml" 2>"$T/err"
check_eq "a file for DIR: says so" "$?:$(cat "$T/err")" \
	"1:profilefs: $T/outside.yml: not a folder"
N=$T/none/rules.db
"$PROFILEFS" rules add -q --rules="$N" "$T/nosuch" "$T/outside.yml" 2>"$T/err"
check_eq "no index yet: each DIR said, status 1" "$?:$(cat "$T/err")" \
	"$(printf '1:profilefs: %s: no such folder\nprofilefs: %s: not a folder' "$T/nosuch" "$T/outside.yml")"
check "... and no index made for nothing" [ ! -e "$N" ]
"$PROFILEFS" rules add -q --rules="$N" "$T/nosuch" "$R/own" 2>"$T/err"
check_eq "one DIR missing, one added (no web URL: warned once): status 1" "$?:$(cat "$T/err")" \
	"$(printf '1:profilefs: %s: no such folder\nprofilefs: warning: rules: own has no web URL: its rows give the files'"'"' paths (on this machine in the JSON); rules update --url=URL own gives one' "$T/nosuch")"
check_eq "... the other added" "$("$PROFILEFS" rules list --rules="$N" | cut -f1 | sed 1d)" own
finish
