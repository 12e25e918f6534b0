#!/bin/bash
# Hostile PE files from tests/malformed/gen.py: through the mount each gets
# a profile within a second that lists its anomalies (or says it is not a
# PE image at all), and the daemon keeps serving. The suite runs again
# under ASan and UBSan in CI, where any report aborts the daemon.
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
/usr/bin/python3 "$here/../malformed/gen.py" "$SRC" || bad "gen.py failed"
mount_fs || finish

n=0
for f in "$SRC"/*.dll; do
	name=$(basename "$f")
	s=$(date +%s%N)
	out=$(timeout 10 cat "$MNT/$name.md")
	rc=$?
	ms=$((($(date +%s%N) - s) / 1000000))
	n=$((n + 1))
	check "$name: a profile ($rc)" [ $rc -eq 0 ]
	check "$name: within a second (${ms} ms, scale $TIME_SCALE)" \
		[ "$ms" -lt $((1000 * TIME_SCALE)) ]
	check "$name: its hashes" grep -q '^SHA256 | `' <<<"$out"
	case $name in
	base.dll) check "$name: no anomalies" \
		bash -c '! grep -q "^## Anomalies" <<<"$0"' "$out" ;;
	truncated-dos-header.dll | truncated-before-pe-signature.dll | lfanew-past-end.dll)
		check "$name: says it is not a PE image" \
			grep -q '^\* Note: Not a PE image: ' <<<"$out" ;;
	*) check "$name: lists anomalies" \
		grep -qA2 '^## Anomalies' <<<"$out" ;;
	esac
done
check "every generated file profiled" [ "$n" -ge 30 ]
check "the daemon still serves" grep -q '^## Hashes' "$MNT/base.dll.md"

# gen.py's assembly row (monodis reads it the same), under the ECMA key,
# whose token .NET documents as b77a5c561934e089
md=$(cat "$MNT/clr-assembly-two-rows.dll.md")
for want in '* Assembly Name: `Malformed.Assembly`' '* Assembly Version: 1.2.3.4' \
	'* Culture: `en-US`' '* Public Key Token: b77a5c561934e089'; do
	check "clr-assembly-two-rows.dll: $want" grep -qxF "$want" <<<"$md"
done
check "clr-assembly-indexes-wild.dll: the token is unreadable" \
	grep -qxF '* Public Key Token: unreadable (see Anomalies)' "$MNT/clr-assembly-indexes-wild.dll.md"

# base.dll as pefile reads it, delay-load import included
md=$(cat "$MNT/base.dll.md")
want=$(/usr/bin/python3 -c 'import sys, pefile
pe = pefile.PE(sys.argv[1])
for d in pe.DIRECTORY_ENTRY_DELAY_IMPORT:
    for i in d.imports:
        print("`%s` | `%s` | Delay-Load Import" % (d.dll.decode(), i.name.decode()))' "$SRC/base.dll")
check "delay-load imports as pefile reads them" [ -n "$want" ]
check_eq "delay-load rows" "$(grep 'Delay-Load' <<<"$md")" "$want"
out=$(/usr/bin/python3 "$here/check_pe.py" "$MNT/base.dll.md" "$SRC/base.dll")
check "base.dll against pefile: $out" [ $? -eq 0 ]
check "the forwarder loop is named" grep -q 'forwarded to itself' "$MNT/export-forwarder-loop.dll.md"
check "the unterminated name is named" grep -q 'is not terminated' "$MNT/export-name-unterminated.dll.md"
check "the resource loop is named" grep -q 'points back at itself' "$MNT/resource-root-loop.dll.md"
check "65535 sections: capped" grep -q 'only the first 2048 are read' "$MNT/sections-65535.dll.md"
umount_fs
finish
