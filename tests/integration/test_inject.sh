#!/bin/bash
# Output safety (issue 12): PE files from tests/inject/gen.py carry terminal
# and bidi controls, HTML, Markdown links and images, YAML-breaking text and
# invalid UTF-8 in every string a profile shows, under file names that break
# YAML or Markdown. Through the mount, each profile has no control byte, its
# front matter parses with its title the file's name, and cmark-gfm (GFM:
# tables, autolinks, strikethrough; raw HTML let through) renders no element
# and no link of the binary's making (tests/inject/check.py).
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
	esac
done
check_eq "profiles read" "$n" "$(find "$SRC" -type f | wc -l)"
umount_fs
finish
