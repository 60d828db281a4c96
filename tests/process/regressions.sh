#!/bin/sh
# regressions.sh LDFI DIR - confs of process stages that once showed a wrong
# verdict of strategy ldfi (tests/process/regressions/): each is explored
# with strategy ldfi and with strategy exhaustive, and both must give the
# verdict its "# expect: certified|counterexample" line says. Nothing is
# written beside the confs (--out in a temporary folder).
set -u
ldfi=$(realpath "$1")
dir=$(realpath "$2")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ldfi-procreg.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0
for conf in "$dir"/*.conf; do
	want=$(sed -n 's/^# expect: \(certified\|counterexample\)$/\1/p' "$conf")
	case $want in
	certified) status=0 ;;
	counterexample) status=1 ;;
	*)
		echo "FAIL: $conf: no '# expect: certified|counterexample' line" >&2
		fails=$((fails + 1))
		continue
		;;
	esac
	for strategy in ldfi exhaustive; do
		"$ldfi" explore "$conf" --strategy "$strategy" --out "$tmp/out" --fresh --quiet \
			>"$tmp/stdout" 2>"$tmp/stderr"
		st=$?
		if [ "$st" -ne "$status" ]; then
			echo "FAIL: $(basename "$conf") --strategy $strategy: exit $st, expected $status ($want): $(cat "$tmp/stdout" "$tmp/stderr" | head -c 400)" >&2
			fails=$((fails + 1))
		else
			echo "ok: $(basename "$conf") --strategy $strategy: $want"
		fi
	done
done
echo "$fails failures"
[ "$fails" -eq 0 ]
