#!/bin/sh
# check_all.sh LDFI PLUGIN_PATH [valgrind] - `ldfi check` accepts every bundled
# conf (exit 0, one summary line naming the conf), under valgrind when asked
# (errors and definite leaks fail it). Run from the source root.
set -u
ldfi=$1
export LDFI_PLUGIN_PATH=$2
wrap=""
if [ "${3:-}" = valgrind ]; then
	command -v valgrind >/dev/null || { echo "valgrind not found" >&2; exit 77; }
	wrap="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite"
fi
fails=0 n=0
for conf in $(git ls-files 'scenarios/*.conf' 2>/dev/null || find scenarios -name '*.conf'); do
	n=$((n + 1))
	if ! $wrap "$ldfi" check "$conf" >/tmp/ldfi-check-$$.out 2>/tmp/ldfi-check-$$.err; then
		echo "FAIL: ldfi check $conf: $(head -c 600 /tmp/ldfi-check-$$.err)" >&2
		fails=$((fails + 1))
	elif ! grep -q "^$conf: ok\." /tmp/ldfi-check-$$.out; then
		echo "FAIL: ldfi check $conf: $(cat /tmp/ldfi-check-$$.out)" >&2
		fails=$((fails + 1))
	fi
done
rm -f /tmp/ldfi-check-$$.out /tmp/ldfi-check-$$.err
echo "$n confs checked${wrap:+ under valgrind}, $fails failures"
[ "$fails" -eq 0 ] && [ "$n" -gt 10 ]
