#!/bin/sh
# check_listed.sh: every malformed/*.conf and good/*.conf has its expected
# output file and a test in meson.build (run from tests/conf).
set -u
fail=0
for f in malformed/*.conf good/*.conf; do
	name=$(basename "$f" .conf)
	case $f in malformed/*) want=malformed/$name.err ;; *) want=good/$name.out ;; esac
	[ -f "$want" ] || { echo "$f: no $want" >&2; fail=1; }
	grep -q "'$name'," meson.build || { echo "$f: not listed in meson.build" >&2; fail=1; }
done
exit $fail
