#!/bin/bash
# Installing: `meson install --destdir` puts the binary, its data, the man
# page (clean for `mandoc -Tlint`, its options those of --help and of the
# README) and the bash completion (which completes); then a real
# `meson install` to the build's prefix, where mount(8) finds profilefs,
# and `mount -t fuse.profilefs`, the fstab line (`mount -T`) and the
# systemd mount unit of examples/boot/ (`systemd-analyze verify`, then
# the mount(8) call systemd makes of it); everything installed is removed
# again and whatever was there before put back.
. "$(dirname "$0")/lib.sh"
have_examples || { bad "no example binaries (EXAMPLES)"; finish; }
BUILD=${MESON_BUILD_ROOT:-$(dirname "$PROFILEFS")}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
for tool in mandoc systemd-analyze systemd-escape flock meson; do
	command -v $tool >/dev/null || bad "$tool is missing (scripts/deps.sh installs it)"
done
[ -f /usr/share/bash-completion/bash_completion ] ||
	bad "bash-completion is missing (scripts/deps.sh installs it)"
[ "$fail" -eq 0 ] || finish

cp "$EXAMPLES/hello.dll" "$EXAMPLES/tool.exe" "$SRC/"
printf 'MZ' >"$SRC/tiny.sys"

# the installed files: build path -> path under the prefix
meson introspect --installed "$BUILD" |
	python3 -c 'import json, sys
for k, v in json.load(sys.stdin).items(): print(v)' >"$T/installed"
installed() { grep -E "$1" "$T/installed" | head -n 1; }
BIN=$(installed '/bin/profilefs$')
MAN=$(installed '/man1/profilefs\.1$')
COMP=$(installed '/completions/profilefs$')
ROOTS=$(installed '/profilefs/microsoft-trusted-roots\.pem$')
BUILTIN=$(installed '/profilefs/windows-required-roots\.pem$')
check "installs the binary" [ -n "$BIN" ]
check "installs the man page in man1" [ -n "$MAN" ]
check "installs the bash completion" [ -n "$COMP" ]
check "installs the Microsoft roots" [ -n "$ROOTS" ]
check "installs the roots Windows trusts built in" [ -n "$BUILTIN" ]

# --- meson install --destdir ------------------------------------------------

D=$T/dest
meson install --no-rebuild --quiet -C "$BUILD" --destdir "$D" >"$T/install.log" 2>&1 ||
	bad "meson install --destdir: $(tail -3 "$T/install.log")"
while read -r f; do
	check "destdir: $f" [ -s "$D$f" ]
done <"$T/installed"
check "destdir: the binary runs" "$D$BIN" --version
check_eq "destdir: the binary is the one built" "$(sha256sum <"$D$BIN")" "$(sha256sum <"$PROFILEFS")"

# the man page: no message from mandoc's lint, at any level
mandoc -Tlint -Wall "$D$MAN" >"$T/lint" 2>&1
check_eq "mandoc -Tlint: exit status" "$?" 0
check "mandoc -Tlint: no message" [ ! -s "$T/lint" ]
[ -s "$T/lint" ] && cat "$T/lint" >&2
# its options are those of --help, and those explained in docs/options.md
MANWIDTH=200 mandoc -Tutf8 "$D$MAN" | col -b >"$T/man.txt"
help_opts() { "$PROFILEFS" --help | grep -oE '^    --[a-z-]+' | sed 's/^ *//' | sort; }
man_opts() {
	sed -n '/^OPTIONS/,/^[A-Z]/p' "$T/man.txt" | grep -oE '^ {7}--[a-z-]+' | sed 's/^ *//' | sort
}
check "--help lists options" [ "$(help_opts | wc -l)" -ge 10 ]
check_eq "the man page's options are --help's" "$(man_opts | tr '\n' ' ')" "$(help_opts | tr '\n' ' ')"
readme_opts() { # the rows of the table after "Mount options"
	awk '/^Mount options/ { on = 1; next } on && /^\|/ { rows = 1; print; next }
		on && rows { exit }' "$TOP/docs/options.md" | grep -oE '^\| `--[a-z-]+' | sed 's/^| `//' | sort
}
check_eq "docs/options.md's options are --help's" "$(readme_opts | tr '\n' ' ')" "$(help_opts | tr '\n' ' ')"
check "the man page: exit statuses" grep -q "^EXIT STATUS" "$T/man.txt"
check "the man page: version" grep -q "profilefs $("$PROFILEFS" --version | cut -d' ' -f2)" "$T/man.txt"

# the completion, run by bash-completion: options, -o names, subcommands
mkdir -p "$T/empty"
complete_of() { # WORD...: what TAB offers after them, in an empty folder
	(cd "$T/empty" && PATH="$D$(dirname "$BIN"):$PATH" bash -c '
		. /usr/share/bash-completion/bash_completion
		. "$0"
		compopt() { :; } # only real completion may call it
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_profilefs profilefs "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
		printf "%s\n" "${COMPREPLY[@]}"' "$D$COMP" "$@" 2>&1)
}
check_eq "completion: --no-cach" "$(complete_of profilefs --no-cach)" "--no-cache"
check_eq "completion: --time" "$(complete_of profilefs --time)" "--time-limit="
check_eq "completion: -o ro,sniff" "$(complete_of profilefs -o ro,sniff)" "ro,sniff-mz"
check_eq "completion: no file names for --memory's value" "$(complete_of profilefs --memory '')" ""
check_eq "completion: folders for SOURCE" "$(cd "$T/empty" && mkdir -p srcdir && complete_of profilefs '')" "known
profile
rules
summary
warm
srcdir"
check_eq "completion: subcommand" "$(complete_of profilefs prof)" "profile"
check_eq "completion: rules verb" "$(complete_of profilefs rules up)" "update"
check_eq "completion: known verb" "$(complete_of profilefs known loo)" "lookup"
check_eq "completion: warm's --jobs" "$(complete_of profilefs warm --jo)" "--jobs="
check_eq "completion: warm takes the mount's options" "$(complete_of profilefs warm --volume)" "--volume-id="

# every command: the completion offers, and the man page lists, exactly
# the options its --help lists (all three are made from one table)
cmd_help_opts() { # CMD: "name" or "name=" a line, sorted
	"$PROFILEFS" $1 --help | grep -oE '^    (-[a-zA-Z], )?--[a-z-]+=?' | sed 's/^.*--//' | sort
}
man_cmd_opts() { # CMD: the options of its part of COMMANDS, sorted
	awk -v c="   profilefs $1" 'index($0, c) == 1 { on = 1; next }
		on && (/^   [a-z]/ || /^[A-Z]/) { exit } on { print }' "$T/man.txt" >"$T/sect"
	{
		# the tags: a line of their own; then the mount's, named
		grep -E '^ {7}(-[a-zA-Z], )?--[a-z-]+(=[^ ]*)?$' "$T/sect" | sed 's/^.*--//; s/=.*//'
		sed -n '/Also the mount/,/^$/p' "$T/sect" | grep -oE -- '--[a-z-]+' | sed 's/^--//'
	} | sort
}
for cmd in "" profile warm summary rules known; do
	name="profilefs${cmd:+ $cmd}"
	verb=; [ "$cmd" = rules ] || [ "$cmd" = known ] && verb=list
	want=$(cmd_help_opts "$cmd")
	check "$name --help: options" [ "$(wc -l <<<"$want")" -ge 2 ]
	got=$(complete_of profilefs $cmd $verb -- | grep -- '^--' | sed 's/^--//' | sort)
	check_eq "completion: $name's options are its --help's" "$(tr '\n' ' ' <<<"$got")" \
		"$(tr '\n' ' ' <<<"$want")"
	[ -z "$cmd" ] && continue
	check_eq "the man page: $name's options are its --help's" \
		"$(man_cmd_opts "$cmd" | tr '\n' ' ')" "$(sed 's/=$//' <<<"$want" | sort | tr '\n' ' ')"
done
check_eq "completion: profile's --memory" "$(complete_of profilefs profile --mem)" "--memory="
check_eq "completion: warm's --rules" "$(complete_of profilefs warm --rul)" "--rules="
check_eq "completion: folders for --root" "$(cd "$T/empty" && complete_of profilefs profile --root '')" "srcdir"

# --- a real install, and mount(8) ------------------------------------------

# one at a time on this machine; what was there is kept aside and put back
exec 9>/tmp/profilefs-install-test.lock
flock -w 300 9 || { bad "another install test holds the lock"; finish; }
case ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:" in
*":$(dirname "$BIN"):"*) ;;
*)
	bad "the prefix's bindir $(dirname "$BIN") is not on the PATH mount.fuse3 runs with"
	finish
	;;
esac
mkdir -p "$T/aside"
made_dirs=()
while read -r f; do
	[ -e "$f" ] && cp -a "$f" "$T/aside/$(echo "$f" | tr / _)"
	d=$(dirname "$f")
	while [ ! -d "$d" ]; do
		made_dirs+=("$d")
		d=$(dirname "$d")
	done
done <"$T/installed"
restore() {
	local f
	while read -r f; do
		rm -f "$f"
		[ -e "$T/aside/$(echo "$f" | tr / _)" ] && cp -a "$T/aside/$(echo "$f" | tr / _)" "$f"
	done <"$T/installed"
	for d in "${made_dirs[@]}"; do rmdir "$d" 2>/dev/null; done
}
trap 'for m in "$MNT" "$T/m2" "$T/m3"; do mountpoint -q "$m" && umount "$m"; done; restore; cleanup' EXIT
meson install --no-rebuild --quiet -C "$BUILD" >>"$T/install.log" 2>&1 ||
	bad "meson install: $(tail -3 "$T/install.log")"
check "installed: $BIN" [ -x "$BIN" ]

# is there a daemon of a mount at $1? (mount.fuse3's sh runs it by name)
running() { pgrep -f "^profilefs [^ ]+ $1 " >/dev/null; }
# the daemon of a mount at $1 is gone (it ends after the unmount)
gone() {
	local i
	for i in $(seq 1 100); do
		running "$1" || return 0
		sleep 0.1
	done
	return 1
}
# checks the mount at $1: profilefs, ro/nosuid/nodev, drive D:, ext dll:exe
mounted_right() {
	local m=$1 what=$2
	check "$what: mounted" mountpoint -q "$m"
	check "$what: fuse.profilefs, ro,nosuid,nodev" \
		grep -qE " $m ro,nosuid,nodev[, ].* - fuse.profilefs " /proc/self/mountinfo
	check_eq "$what: drive D:" "$(grep '^\* File Path:' "$m/hello.dll.md")" '* File Path: `D:\hello.dll`'
	check_eq "$what: ext dll:exe" "$(cd "$m" && ls -- *.md | tr '\n' ' ')" "hello.dll.md tool.exe.md "
	check "$what: the binary as it is" cmp -s "$m/hello.dll" "$SRC/hello.dll"
	check "$what: its cache" [ -s "$3" ]
	check "$what: its daemon" running "$m"
}

# mount -t fuse.profilefs (mount.fuse3 runs profilefs SRC MNT -o OPTS)
mount -t fuse.profilefs "$SRC" "$MNT" -o "ro,cache=$T/c1.db,drive=D:,ext=dll:exe" 2>"$T/mount.err"
check_eq "mount -t fuse.profilefs: exit status" "$?" 0
mounted_right "$MNT" "mount -t" "$T/c1.db"
umount "$MNT"
check_eq "umount: exit status" "$?" 0
check "umount: the daemon ended" gone "$MNT"
check "umount: the source view is gone" [ ! -e "$MNT/hello.dll" ]
# the older form: type fuse, source TYPE#SOURCE; ext as a quoted list
mount -t fuse "profilefs#$SRC" "$MNT" -o "ro,cache=$T/c1b.db,drive=D:,ext=\"dll,exe\"" 2>"$T/mount.err"
check_eq "mount -t fuse profilefs#SRC: exit status ($(cat "$T/mount.err"))" "$?" 0
mounted_right "$MNT" "mount -t fuse profilefs#SRC" "$T/c1b.db"
umount "$MNT"
check "umount: the daemon ended" gone "$MNT"
# a bad option: mount(8) fails, and says why in one line of ours
mount -t fuse.profilefs "$SRC" "$MNT" -o "ro,ext=" 2>"$T/mount.err"
check "mount -t, ext=: fails" [ $? -ne 0 ]
check "mount -t, ext=: says why" grep -q "^profilefs: ext wants extensions" "$T/mount.err"
check "mount -t, ext=: not mounted" bash -c '! mountpoint -q "$0"' "$MNT"

# the fstab line of examples/boot/fstab, its paths and cache ours
mkdir -p "$T/m2"
grep fuse.profilefs "$TOP/examples/boot/fstab" |
	sed "s#^/mnt/win #$SRC #; s# /srv/profiles # $T/m2 #; s#ro,nofail,drive=C:#ro,nofail,cache=$T/c2.db,drive=D:#; s#ext=dll:exe:sys#ext=dll:exe#" \
		>"$T/fstab"
check_eq "fstab: one line" "$(wc -l <"$T/fstab")" 1
mount -T "$T/fstab" "$T/m2" 2>"$T/mount.err"
check_eq "mount -T fstab: exit status ($(cat "$T/mount.err"))" "$?" 0
mounted_right "$T/m2" "fstab" "$T/c2.db"
umount "$T/m2"
check "fstab: unmounted, the daemon ended" gone "$T/m2"

# the systemd unit of examples/boot/, named for its Where=, verified by
# systemd-analyze; then what systemd does with it: mount WHAT WHERE -t
# TYPE -o OPTIONS
mkdir -p "$T/m3" "$T/units"
unit=$T/units/$(systemd-escape -p --suffix=mount "$T/m3")
sed "s#^What=/mnt/win#What=$SRC#; s#^Where=.*#Where=$T/m3#; s#/mnt/win#$SRC#g; s#^Options=ro,#Options=ro,cache=$T/c3.db,#; s#drive=C:#drive=D:#; s#ext=dll:exe:sys#ext=dll:exe#" \
	"$TOP/examples/boot/srv-profiles.mount" >"$unit"
systemd-analyze verify "$unit" >"$T/verify" 2>&1
check_eq "systemd-analyze verify ($(cat "$T/verify"))" "$?" 0
key() { sed -n "s/^$1=//p" "$unit"; }
check_eq "the unit: Type" "$(key Type)" fuse.profilefs
mount "$(key What)" "$(key Where)" -t "$(key Type)" -o "$(key Options)" 2>"$T/mount.err"
check_eq "the unit's mount: exit status ($(cat "$T/mount.err"))" "$?" 0
mounted_right "$T/m3" "systemd unit" "$T/c3.db"
umount "$T/m3"
check "the unit: unmounted, the daemon ended" gone "$T/m3"

restore
while read -r f; do
	if [ -e "$T/aside/$(echo "$f" | tr / _)" ]; then
		check "put back: $f" cmp -s "$f" "$T/aside/$(echo "$f" | tr / _)"
	else
		check "removed: $f" [ ! -e "$f" ]
	fi
done <"$T/installed"
finish
