#!/bin/sh
# out_of_tree.sh MESON CC BUILD_DIR SRC_DIR - a plugin built out of tree:
# `meson install --destdir` of the build into a temporary directory, then
# tests/plugins/oot/echo.c compiled as a user would, with only the
# installed <ldfi/stage.h> and `pkg-config --cflags ldfi` (strict C11,
# -Werror), and explored by the installed ldfi: echo.conf finds the
# counterexample omit(a,b,1), echo-ack.conf is certified.
set -eu
meson=$1
cc=$2
build=$3
src=$4
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ldfi-oot.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0

fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

dest="$tmp/dest"
"$meson" install -C "$build" --no-rebuild --quiet --destdir "$dest" >"$tmp/install.log" 2>&1 ||
	{
		cat "$tmp/install.log" >&2
		exit 1
	}
pc=$(find "$dest" -name ldfi.pc | head -1)
[ -n "$pc" ] || {
	echo "FAIL: no ldfi.pc installed" >&2
	exit 1
}
ldfi=$(find "$dest" -path '*/bin/ldfi' | head -1)
[ -x "$ldfi" ] || {
	echo "FAIL: no bin/ldfi installed" >&2
	exit 1
}
# The .pc names the configured prefix; the sysroot maps it into $dest.
cflags=$(PKG_CONFIG_PATH=$(dirname "$pc") PKG_CONFIG_SYSROOT_DIR=$dest pkg-config --cflags ldfi)
echo "pkg-config --cflags ldfi: $cflags"
case "$cflags" in
*"$dest"*) ;;
*) fail "cflags '$cflags' do not point into the installation" ;;
esac
for h in stage.h conf.h ldfi.h trace.h faults.h; do
	find "$dest" -path "*/include/ldfi/$h" | grep -q . || fail "<ldfi/$h> not installed"
done
plugindir=$(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --variable=plugindir ldfi)
[ -n "$plugindir" ] || fail "ldfi.pc has no plugindir"

mkdir "$tmp/user"
cp "$src/oot/echo.c" "$src/oot/echo.conf" "$src/oot/echo-ack.conf" "$tmp/user/"
# shellcheck disable=SC2086 # cflags is a list of words
"$cc" -std=c11 -Wall -Wextra -Werror -pedantic -shared -fPIC $cflags \
	"$tmp/user/echo.c" -o "$tmp/user/echo.so" || fail "the plugin does not compile"

# case CONF STATUS LINE
case_() {
	(cd "$tmp/user" && "$ldfi" explore "$1" --out "out-$1" >"$tmp/out" 2>"$tmp/err") && st=0 ||
		st=$?
	[ "$st" -eq "$2" ] || fail "$1: exit $st, expected $2: $(cat "$tmp/err")"
	grep -qxF "$3" "$tmp/out" || fail "$1: no line '$3' in: $(cat "$tmp/out")"
	echo "$1: exit $st: $(head -1 "$tmp/out")"
}
case_ echo.conf 1 "faults: omit(a,b,1)"
case_ echo-ack.conf 0 "certified: no counterexample within eot=4 eff=2 crashes=0"

[ "$fails" -eq 0 ]
