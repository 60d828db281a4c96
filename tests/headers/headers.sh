#!/bin/sh
# headers.sh CC SRCDIR BUILDDIR - every header compiles on its own.
# Public headers (src/include/ldfi/, what a plugin includes) with nothing but
# their own folder on the include path, as C99 and C11 with -pedantic; every
# private header with the project's include path and flags. A header that
# needs another to be included first, or leans on a system header it does
# not include, fails here.
set -eu
cc=$1 src=$2 build=$3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ldfi-headers.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0 n=0

try() { # try HEADER FLAGS...
	h=$1
	shift
	printf '#include "%s"\n#include "%s"\n' "$h" "$h" >"$tmp/t.c"
	n=$((n + 1))
	if ! $cc -fsyntax-only -Wall -Wextra -Werror "$@" "$tmp/t.c" 2>"$tmp/err"; then
		echo "FAIL: $h ($*):" >&2
		head -5 "$tmp/err" >&2
		fails=$((fails + 1))
	fi
}

for h in "$src"/src/include/ldfi/*.h; do
	for std in c99 c11; do
		try "ldfi/$(basename "$h")" -std=$std -pedantic -I"$src/src/include"
	done
done
cd "$src"
for h in $(git ls-files 'model/*.h' 'runtime/*.h' 'lineage/*.h' 'solver/*.h' 'src/*.h' 2>/dev/null ||
	find model runtime lineage solver src -name '*.h'); do
	case $h in src/include/*) continue ;; esac
	try "$h" -std=c11 -D_GNU_SOURCE -I"$src/src/include" -I"$src" -I"$build/runtime/live"
done
echo "$n compilations, $fails failures"
[ "$fails" -eq 0 ]
