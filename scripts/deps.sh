#!/bin/bash
# Installs the Debian packages in scripts/packages.txt that are missing.
# Run as root (or with sudo available). Prints what it installs.
#
# A line "PKG SUITE" wants PKG from that suite (bookworm-backports): the
# suite's source is added to apt when missing, and a PKG installed from
# elsewhere is upgraded from it. osslsigncode needs this: Debian 12's 2.5
# has no built-in time-stamping authority (-TSA-certs), which the
# signature tests use; bookworm-backports has 2.9.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
list=${1:-$here/packages.txt}
sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
missing=()
declare -A from=()
while read -r pkg suite _; do
	case $pkg in '' | '#'*) continue ;; esac
	case ${suite:-} in '#'*) suite= ;; esac
	if [ -n "${suite:-}" ]; then
		# backports versions carry "~bpo": anything else is not from it
		dpkg-query -W -f='${Status} ${Version}\n' "$pkg" 2>/dev/null |
			grep -q "install ok installed .*~bpo" ||
			from[$pkg]=$suite
		continue
	fi
	# npm also comes with NodeSource's nodejs, which conflicts with
	# Debian's npm: a working npm command is enough
	[ "$pkg" = npm ] && command -v npm >/dev/null && continue
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null |
		grep -q "install ok installed" || missing+=("$pkg")
done <"$list"
[ ${#missing[@]} -eq 0 ] && [ ${#from[@]} -eq 0 ] && exit 0
for suite in "${from[@]}"; do
	src=/etc/apt/sources.list.d/profilefs-$suite.sources
	grep -rqs "Suites:.*\b$suite\b" /etc/apt/sources.list.d/ /etc/apt/sources.list ||
		printf '%s\n' "Types: deb" "URIs: http://deb.debian.org/debian" \
			"Suites: $suite" "Components: main" \
			"Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg" |
		$sudo tee "$src" >/dev/null
done
echo "installing: ${missing[*]} ${!from[*]}"
$sudo apt-get update -qq
if [ ${#missing[@]} -gt 0 ]; then
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >/dev/null
fi
for pkg in "${!from[@]}"; do
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
		-t "${from[$pkg]}" "$pkg" >/dev/null
done
