#!/bin/bash
# Bad input: each gives a clear result (a profile that says what is wrong,
# or an error the reader sees) and the daemon keeps serving.
. "$(dirname "$0")/lib.sh"
: >"$SRC/x.dll"
echo "just some text, not a program" >"$SRC/y.dll"
mkdir "$SRC/z.dll"
mkfifo "$SRC/f.dll"
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' \
	"$SRC/s.dll"
mknod "$SRC/d.sys" c 1 3 2>/dev/null || echo "note: mknod not allowed here"
head -c 1000 /dev/urandom >"$SRC/secret.dll"
chmod 000 "$SRC/secret.dll"
head -c 1000 /dev/urandom >"$SRC/good.dll"
# the daemon runs without the root powers that read any file anyway
MOUNT_PREFIX="setpriv --inh-caps=-dac_override,-dac_read_search --bounding-set=-dac_override,-dac_read_search --"
mount_fs || finish

alive() {
	check "daemon still serves after $1" grep -q '^## Hashes' "$MNT/good.dll.md"
}
md=$(timeout 10 cat "$MNT/x.dll.md")
check "empty file: a profile" grep -q '^## Hashes' <<<"$md"
check "empty file: says it is empty" grep -qx '\* Note: Not a PE image: the file is empty\.' <<<"$md"
check_eq "empty file: MD5 of nothing" \
	"$(sed -n 's/^MD5 | `\(.*\)`$/\1/p' <<<"$md")" \
	"$(md5sum </dev/null | cut -d' ' -f1 | tr a-f A-F)"
alive "an empty file"
md=$(timeout 10 cat "$MNT/y.dll.md")
check "text file: a profile" grep -q '^## Hashes' <<<"$md"
check "text file: not a PE" grep -q '^\* Note: Not a PE image: the file does not start with "MZ"' <<<"$md"
alive "a text file"
check "directory: no profile" [ ! -e "$MNT/z.dll.md" ]
check "directory: shown as a directory" [ -d "$MNT/z.dll" ]
md=$(timeout 10 cat "$MNT/f.dll.md")
check "FIFO: read without hanging, with a note" \
	grep -q '^\* Note: This is a FIFO, not a regular file: it was not read\.' <<<"$md"
check "FIFO: no hashes" bash -c '! grep -q "## Hashes" <<<"$0"' "$md"
check "FIFO: shown as a FIFO" [ -p "$MNT/f.dll" ]
alive "a FIFO"
md=$(timeout 10 cat "$MNT/s.dll.md")
check "socket: a note" grep -q '^\* Note: This is a socket' <<<"$md"
if [ -e "$SRC/d.sys" ]; then
	md=$(timeout 10 cat "$MNT/d.sys.md")
	check "device: a note, never opened" \
		grep -q '^\* Note: This is a character device' <<<"$md"
fi
alive "a socket and a device"
err=$(timeout 10 cat "$MNT/secret.dll.md" 2>&1 >/dev/null)
check "unreadable file: cat fails" [ -n "$err" ]
check "unreadable file: EIO the reader sees" grep -q 'Input/output error' <<<"$err"
check "unreadable file: the log says why" grep -q 'secret.dll: Permission denied' "$T/daemon.log"
alive "an unreadable file"
check "listing still works" ls -l "$MNT" >/dev/null
umount_fs
finish
