#!/bin/bash
# Real signed files nobody here made: Debian's signed EFI binaries
# (shim-signed, grub-efi-amd64-signed, fwupd-amd64-signed) and its
# win32-loader, fetched with apt-get download and unpacked (not installed:
# their maintainer scripts would try to set up a boot loader), and
# node-pty 1.1.0 from npm (Microsoft's conpty.dll and OpenConsole.exe),
# fetched with npm pack; then checked by efi.py against osslsigncode and
# openssl. The packages and the oracles' output are kept in
# ${XDG_CACHE_HOME:-~/.cache}/profilefs-oracle (the oracles' by the
# file's SHA-256), so that a second run needs no network. Without the
# packages (no network, no apt, no npm, nothing cached) there is nothing
# to check: a failure, always.
set -u
here=$(cd "$(dirname "$0")" && pwd)
prog=$1
cache=${XDG_CACHE_HOME:-$HOME/.cache}/profilefs-oracle
T=$(mktemp -d /tmp/pfs-efi-XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir -p "$cache/pkgs" "$cache/oracle" || { echo "FAIL: cannot make $cache"; exit 1; }
debs=(shim-signed grub-efi-amd64-signed fwupd-amd64-signed win32-loader)
npm_pkg=node-pty@1.1.0
. "$here/fetch.sh"
fetch_unpack
mapfile -t files < <(find "$T/x" "$T/npm" -type f \( -name '*.efi.signed' -o -iname '*.exe' \
	-o -iname '*.dll' \) 2>/dev/null | sort)
if [ ${#files[@]} -eq 0 ]; then
	echo "FAIL: the packages hold no PE files"
	exit 1
fi
# the default anchors, as one file for osslsigncode's -CAfile: the root
# program and the roots Windows keeps built in
cat "$here/../../data/microsoft-trusted-roots.pem" "$here/../../data/windows-required-roots.pem" \
	>"$T/anchors.pem" || { echo "FAIL: cannot write the anchors"; exit 1; }
/usr/bin/python3 "$here/efi.py" "$prog" "$cache/oracle" "$T/anchors.pem" "${files[@]}"
