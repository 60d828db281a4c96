#!/bin/sh
# verdict.sh LDFI CONF EOT EFF CRASHES EXPECTED MAX_EXECUTIONS - one row of
# verdicts.txt: explore CONF at the given bounds, then check the exit status
# (0 certified, 1 counterexample), the verdict line and that report.json
# counts at most MAX_EXECUTIONS executions. Run from the source root.
set -eu
ldfi=$1 conf=$2 eot=$3 eff=$4 crashes=$5 expected=$6 max=$7
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ldfi-verdict.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0

fail() {
	echo "FAIL: $conf $eot/$eff/$crashes: $*" >&2
	fails=$((fails + 1))
}

case $expected in
certified)
	want_status=0
	want_line="certified: no counterexample within eot=$eot eff=$eff crashes=$crashes"
	;;
counterexample)
	want_status=1
	want_line="counterexample found"
	;;
*)
	echo "verdict.sh: bad EXPECTED '$expected'" >&2
	exit 2
	;;
esac

if "$ldfi" explore "$conf" --eot "$eot" --eff "$eff" --crashes "$crashes" --out "$tmp/out" \
	--quiet >"$tmp/stdout" 2>"$tmp/stderr"; then st=0; else st=$?; fi
cat "$tmp/stdout"
[ "$st" -eq "$want_status" ] ||
	fail "exit $st, expected $want_status ($expected); stderr: $(head -c 500 "$tmp/stderr")"
# A conf with restarts names its restart bounds after the others.
case $(cat "$tmp/stdout") in
"$want_line" | "$want_line restarts="*) ;;
*) fail "verdict line '$(cat "$tmp/stdout")'" ;;
esac
n=$(sed -n 's/^  "executions": \([0-9][0-9]*\),$/\1/p' "$tmp/out/report.json" 2>/dev/null || true)
echo "executions: ${n:-?} (at most $max)"
if [ -z "$n" ]; then
	fail "no executions in report.json"
elif [ "$n" -gt "$max" ]; then
	fail "$n executions, more than $max"
elif [ "$n" -lt "$max" ]; then
	echo "note: fewer executions than recorded ($n < $max): lower MAX_EXECUTIONS in verdicts.txt"
fi
[ "$fails" -eq 0 ]
