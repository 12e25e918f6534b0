# Sourced by efi.sh and facts.sh: fetch_unpack fetches the Debian packages
# of ${debs[@]} (apt-get download, never installed: their maintainer
# scripts would set up boot loaders) and $npm_pkg (npm pack, a NAME@VERSION)
# into $cache/pkgs, once (a second run needs no network), and unpacks them
# under $T/x and $T/npm. What cannot be fetched or unpacked is a failure:
# it prints why and exits 1 (nothing fetched is nothing checked).
fetch_unpack() {
	local p d tgz=${npm_pkg/@/-}.tgz
	mkdir -p "$cache/pkgs" || { echo "FAIL: cannot make $cache/pkgs"; exit 1; }
	fetch_debs() { (cd "$cache/pkgs" && apt-get download "${debs[@]}") >>"$T/fetch.log" 2>&1; }
	have_debs() {
		local q
		for q in "${debs[@]}"; do
			compgen -G "$cache/pkgs/${q}_*.deb" >/dev/null || return 1
		done
	}
	if ! have_debs; then
		# a machine whose package lists were cleaned needs them again (as root)
		fetch_debs || { [ "$(id -u)" -eq 0 ] && apt-get update -qq >>"$T/fetch.log" 2>&1 && fetch_debs; }
	fi
	if [ ! -s "$cache/pkgs/$tgz" ]; then
		(cd "$cache/pkgs" && npm pack "$npm_pkg") >>"$T/fetch.log" 2>&1
	fi
	have_debs && [ -s "$cache/pkgs/$tgz" ] || {
		echo "FAIL: the packages could not be fetched: $(tail -n 3 "$T/fetch.log" 2>/dev/null)"
		exit 1
	}
	for p in "${debs[@]}"; do
		for d in "$cache/pkgs/${p}"_*.deb; do
			dpkg-deb -x "$d" "$T/x" || { echo "FAIL: dpkg-deb -x $d"; exit 1; }
		done
	done
	mkdir -p "$T/npm" && tar -xzf "$cache/pkgs/$tgz" -C "$T/npm" ||
		{ echo "FAIL: tar $tgz"; exit 1; }
}
