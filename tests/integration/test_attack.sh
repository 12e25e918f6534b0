#!/bin/bash
# Hostile sources seen through the view, the page cache and the warm walk:
# special files named as binaries, hostile names, a folder named x.dll.md,
# a source entry named .profiles. Every check is that the mount answers,
# bounded, and shows only what the bytes in front of it say.
. "$(dirname "$0")/lib.sh"
have_examples || { bad "no example binaries (EXAMPLES)"; finish; }

cp "$EXAMPLES/hello.dll" "$SRC/a.dll"
mkfifo "$SRC/fifo.dll"
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$SRC/sock.dll"
mkdir "$SRC/x.dll.md"
cp "$EXAMPLES/hello.dll" "$SRC/x.dll.md/in.dll"
mkdir "$SRC/.profiles"
cp "$EXAMPLES/hello.dll" "$SRC/.profiles/hidden.dll"
V=$MNT/.profiles

mount_fs || finish
check "ls of the view answers with a FIFO and a socket named as binaries" \
	bash -c 'timeout 10 ls -l "$0" >/dev/null' "$V"
check "stat of a FIFO's profile in the view answers" bash -c 'timeout 10 stat "$0" >/dev/null' "$V/fifo.dll.md"
# a profile the service cannot key (not a regular file) but whose size the
# view knows is read through the page cache: the read must not ask the
# kernel to drop the pages it holds locked (a deadlock of the whole mount)
for f in fifo sock; do
	if ! timeout 10 cat "$V/$f.dll.md" >/dev/null; then
		bad "cat of a $f's profile in the view answers"
		kill -9 "$PID"
		fusermount3 -uz "$MNT"
		PID=
		finish
	fi
	ok
done
check "stat of a socket's profile in the view answers" bash -c 'timeout 10 stat "$0" >/dev/null' "$V/sock.dll.md"
check "the binary in folder x.dll.md has its profile in the view" \
	grep -q '^# in.dll$' "$V/x.dll.md/in.dll.md"
check_eq "x.dll.md is a folder in the view" "$(stat -c %F "$V/x.dll.md")" directory
check "the source's .profiles is in the view" grep -q '^# hidden.dll$' "$V/.profiles/hidden.dll.md"
umount_fs
finish
