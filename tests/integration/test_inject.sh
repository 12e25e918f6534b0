#!/bin/bash
# Output safety (issues 12 and 22): PE files from tests/inject/gen.py carry
# terminal and bidi controls, every Unicode format character, U+2028,
# HTML, entities, Markdown links and images, headings, table and code-span
# structure, YAML-breaking text and invalid UTF-8 in every string a profile
# shows, under file names that hide a character (svchost\u200b.exe), turn
# the text round (evil\u202egpj.exe), are not UTF-8 (bad\xFF\xFE.dll) or
# break YAML or Markdown. Through the mount, each profile shows every
# hidden character as \xNN, its front matter parses with its title the
# file's name (no raw tag), cmark-gfm (GFM: tables, autolinks,
# strikethrough; raw HTML let through) renders no element, image or link
# of the binary's making but autolinks whose text is their target, and
# each value reads back whole: nothing was escaped that did not need it
# (tests/inject/check.py).
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
for tool in cmark-gfm; do
	command -v $tool >/dev/null || { bad "$tool is missing (scripts/deps.sh)"; finish; }
done
/usr/bin/python3 -c 'import yaml' || { bad "python3-yaml is missing"; finish; }
/usr/bin/python3 "$here/../inject/gen.py" "$SRC" || bad "gen.py failed"
mount_fs || finish

n=0
for f in "$SRC"/*; do
	name=$(basename "$f")
	md=$T/profile.md
	if ! timeout 10 cat "$MNT/$name.md" >"$md"; then
		bad "$name: no profile"
		continue
	fi
	n=$((n + 1))
	# the body only: the front matter is YAML, checked as YAML
	awk 'n >= 2; /^---$/ && n < 2 { n++ }' "$md" |
		cmark-gfm --unsafe -e table -e autolink -e strikethrough \
			>"$T/profile.html" || bad "$name: cmark-gfm failed"
	check "$name: safe output" /usr/bin/python3 "$here/../inject/check.py" \
		"$T/expect.json" "$md" "$name" "$T/profile.html"
	# the values did reach the profile, escaped rather than dropped
	case $name in
	html.dll) check "$name: the HTML is shown as text" \
		grep -qF '&lt;script&gt;alert(1)&lt;/script&gt;' "$T/profile.html" ;;
	mdlink.dll) check "$name: the link is shown as text" \
		grep -qF '[Signature verified.](http://evil.example/)' "$T/profile.html" ;;
	ctrl.dll) check "$name: CSI shown as \\xC2\\x9B" \
		grep -qF '\xC2\x9B2J' "$md" ;;
	utf8.dll) check "$name: invalid UTF-8 shown as \\xNN" \
		grep -qF 'bad\xFF\xC0\xAF\xED\xA0\x80\xE2\x82' "$md" ;;
	svchost*) check "$name: U+200B shown as \\xE2\\x80\\x8B" \
		grep -qxF '# svchost\xE2\x80\x8B.exe' "$md" ;;
	evil*) check "$name: U+202E shown as \\xE2\\x80\\xAE" \
		grep -qF 'title: "evil\\xE2\\x80\\xAEgpj.exe | ' "$md" ;;
	act.dll) check "$name: what does not act reads as the file says it" \
		grep -qF '* Company Name: #1 ' "$md" &&
		check "$name: a grep for it finds it" grep -qF \
			'C:\x.dll a < b & c www.example.com https://example.com/x?a=1 a@b.example' "$md" ;;
	esac
done
check_eq "profiles read" "$n" "$(find "$SRC" -type f | wc -l)"
umount_fs
finish
