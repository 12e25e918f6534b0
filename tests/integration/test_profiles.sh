#!/bin/bash
# The profiles as users read them: cat, head, tail -c, wc -c, cp, grep -r,
# less and stat agree, before and after caching, with `profilefs profile`;
# the Hashes rows agree with md5sum .. sha512sum and ssdeep.
. "$(dirname "$0")/lib.sh"
make_tree
mount_fs || finish

# tools on profiles that are not cached yet: each file gets a fresh tool
# (the first read of each profile below is by that tool)
files=("Windows/System32/RANDOM.DLL" "Program Files/App/app.Exe"
	"Program Files/App/b.ocx" "deep/a/b/c/file.cpl"
	"deep/a/b/c/file.drv" "deep/a/b/c/file.efi"
	"Windows/System32/en-US/x.dll.mui" "Windows/System32/tiny.sys")
have_examples && files+=("Windows/System32/hello.dll"
	"Windows/System32/hello32.dll" "Windows/System32/tool.exe")
for f in "${files[@]}"; do
	cli_profile "$f" >"$T/want" || bad "profilefs profile $f"
done

# one tool each on an uncached profile
f=${files[0]}; cli_profile "$f" >"$T/want"
check "cat (uncached)" cmp -s <(cat "$MNT/$f.md") "$T/want"
f=${files[1]}; cli_profile "$f" >"$T/want"
check_eq "wc -c (uncached)" "$(wc -c <"$MNT/$f.md")" "$(wc -c <"$T/want")"
f=${files[2]}; cli_profile "$f" >"$T/want"
cp "$MNT/$f.md" "$T/copy"
check "cp (uncached)" cmp -s "$T/copy" "$T/want"
f=${files[3]}; cli_profile "$f" >"$T/want"
check "tail -c 100 (uncached)" \
	cmp -s <(tail -c 100 "$MNT/$f.md") <(tail -c 100 "$T/want")
f=${files[4]}; cli_profile "$f" >"$T/want"
check "head -n 5 (uncached)" cmp -s <(head -n 5 "$MNT/$f.md") <(head -n 5 "$T/want")
f=${files[5]}; cli_profile "$f" >"$T/want"
check "less (uncached)" cmp -s <(less -f "$MNT/$f.md" </dev/null) "$T/want"
f=${files[6]}; cli_profile "$f" >"$T/want"
check "dd bs=7 (uncached)" \
	cmp -s <(dd if="$MNT/$f.md" bs=7 status=none) "$T/want"

# grep -r over the whole tree reads the rest uncached
sha=$(sha256sum "$SRC/${files[7]}" | cut -d' ' -f1 | tr a-f A-F)
check_eq "grep -rl finds the one profile with this SHA256" \
	"$(grep -rl --include='*.md' "SHA256 | \`$sha\`" "$MNT")" \
	"$MNT/${files[7]}.md"
check "grep -rc sees every profile's Hashes" \
	bash -c '[ "$(grep -rl --include="*.md" "^## Hashes" "$0" | wc -l)" \
		-eq "$(find "$0" -name "*.md" ! -name real.dll.md | wc -l)" ]' "$MNT"

# now everything is cached: sizes are exact and every tool agrees
for f in "${files[@]}"; do
	cli_profile "$f" >"$T/want"
	check_eq "stat size of $f.md" "$(stat -c %s "$MNT/$f.md")" \
		"$(stat -c %s "$T/want")"
	check "cat $f.md" cmp -s "$MNT/$f.md" "$T/want"
	check "tail -c 100 $f.md" \
		cmp -s <(tail -c 100 "$MNT/$f.md") <(tail -c 100 "$T/want")
	cp "$MNT/$f.md" "$T/copy"
	check "cp $f.md" cmp -s "$T/copy" "$T/want"
	check_eq "wc -c $f.md" "$(wc -c <"$MNT/$f.md")" "$(wc -c <"$T/want")"
done
computed=$(stat_of computed)
check_eq "each profile computed once" "$computed" "$(find "$MNT" -name '*.md' ! -name real.dll.md | wc -l)"

# the Hashes rows against the tools, and the File Scan link
for f in "${files[@]}"; do
	md="$MNT/$f.md"
	for a in md5 sha1 sha256 sha384 sha512; do
		want=$(${a}sum "$SRC/$f" | cut -d' ' -f1 | tr a-f A-F)
		row=$(echo "$a" | tr a-z A-Z)
		check_eq "$row of $f" \
			"$(sed -n "s/^$row | \`\(.*\)\`\$/\1/p" "$md")" "$want"
	done
	want=$(cd "$(dirname "$SRC/$f")" && ssdeep -b "$(basename "$f")" 2>/dev/null |
		sed -n '2s/,".*//p')
	check_eq "SSDEEP of $f" "$(sed -n 's/^SSDEEP | `\(.*\)`$/\1/p' "$md")" \
		"$want"
	want=$(sha256sum "$SRC/$f" | cut -d' ' -f1)
	check "VirusTotal link of $f" grep -qx \
		"\* VirusTotal Link: https://www.virustotal.com/gui/file/$want/detection/" "$md"
	winpath='C:\'$(echo "$f" | tr / '\\')
	check_eq "File Path of $f" \
		"$(sed -n 's/^\* File Path: `\(.*\)`$/\1/p' "$md")" "$winpath"
	desc=
	head -c 2 "$SRC/$f" | grep -q MZ && desc=$(pefile_description "$SRC/$f")
	want=$(basename "$f")
	[ -n "$desc" ] && want="$want | $desc"
	check_eq "title of $f" "$(python3 -c 'import sys, yaml
print(yaml.safe_load(open(sys.argv[1]).read().split("---\n")[1])["title"])' "$md")" \
		"$want"
done
# a file that is not a PE says so; a PE does not
check "random bytes: not a PE" grep -q '^\* Note: Not a PE image' \
	"$MNT/Windows/System32/RANDOM.DLL.md"
if have_examples; then
	check "hello.dll is a PE" bash -c '! grep -q "Not a PE" "$0"' \
		"$MNT/Windows/System32/hello.dll.md"
fi
umount_fs

# --drive changes File Path, in the mount and in the CLI alike
rm -f "$CACHE"
mount_fs --drive=D: || finish
check "--drive=D:" grep -qxF '* File Path: `D:\deep\a\b\c\file.acm`' \
	"$MNT/deep/a/b/c/file.acm.md"
check "--drive=D: in the mount matches the CLI" cmp -s \
	"$MNT/deep/a/b/c/file.acm.md" \
	<("$PROFILEFS" profile --no-cache --drive=D: --root="$SRC" \
		"$SRC/deep/a/b/c/file.acm")
umount_fs

# the CLI: several files, a missing one fails with a message, exit 1
out=$("$PROFILEFS" profile --no-cache --root="$SRC" "$SRC/deep/noext" \
	"$SRC/missing.dll" 2>"$T/err")
check "CLI exits 1 when a file is missing" [ $? -eq 1 ]
check "CLI names the missing file" grep -q 'missing.dll' "$T/err"
check "CLI still prints the other profile" \
	bash -c '[ "$(printf "%s\n" "$0" | grep -c "^# noext$")" -eq 1 ]' "$out"
check "CLI refuses a file outside --root" \
	bash -c '! "$0" profile --no-cache --root="$1/deep" "$1/notes.txt" 2>/dev/null' \
	"$PROFILEFS" "$SRC"
finish
