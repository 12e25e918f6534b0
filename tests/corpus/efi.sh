#!/bin/bash
# Signed EFI binaries from Debian's shim-signed and grub-efi-amd64-signed,
# fetched with apt-get download and unpacked (not installed: their
# maintainer scripts would try to set up a boot loader), then checked by
# efi.py. Without the packages (no network, no apt) there is nothing to
# check: a failure, always.
set -u
here=$(cd "$(dirname "$0")" && pwd)
prog=$1
T=$(mktemp -d /tmp/pfs-efi-XXXXXX)
trap 'rm -rf "$T"' EXIT
fetch() { (cd "$T" && apt-get download shim-signed grub-efi-amd64-signed) >>"$T/apt.log" 2>&1; }
# a machine whose package lists were cleaned needs them again (as root)
fetch || { [ "$(id -u)" -eq 0 ] && apt-get update -qq >>"$T/apt.log" 2>&1 && fetch; }
for d in "$T"/*.deb; do
	[ -f "$d" ] && dpkg-deb -x "$d" "$T/x"
done
mapfile -t files < <(find "$T/x" -name '*.efi.signed' 2>/dev/null | sort)
if [ ${#files[@]} -eq 0 ]; then
	echo "FAIL: the signed EFI packages could not be fetched: $(tail -n 2 "$T/apt.log")"
	exit 1
fi
exec /usr/bin/python3 "$here/efi.py" "$prog" "${files[@]}"
