#!/bin/sh
# check_output.sh DRIVER CONF EXPECTED STATUS
# Runs DRIVER on CONF (paths relative to the current directory, which meson
# sets to tests/conf) and checks that it exits with STATUS and that what it
# prints matches the file EXPECTED exactly: stdout for STATUS 0, stderr
# otherwise (stdout must then be empty).
set -u
driver=$1 conf=$2 expected=$3 status=$4
out=$(mktemp) || exit 1
other=$(mktemp) || exit 1
trap 'rm -f "$out" "$other"' EXIT
if [ "$status" = 0 ]; then
	"$driver" "$conf" >"$out" 2>"$other"
else
	"$driver" "$conf" 2>"$out" >"$other"
fi
rc=$?
fail=0
if [ "$rc" != "$status" ]; then
	echo "$conf: exit status $rc, expected $status" >&2
	fail=1
fi
if ! cmp -s "$out" "$expected"; then
	echo "$conf: output differs from $expected:" >&2
	diff "$expected" "$out" >&2
	fail=1
fi
if [ -s "$other" ]; then
	echo "$conf: unexpected output on the other stream:" >&2
	cat "$other" >&2
	fail=1
fi
exit $fail
