#!/bin/sh
# envfaults.sh LDFI PLUGIN_DIR - a plugin that cannot be used: a missing
# library, a library without the symbol, a stage built for another stage
# API version, a file that is not a library. Each is one FILE:LINE: message
# on stderr and exit 2 for explore, run and check, before anything runs;
# an explore's database from before is left as it was. Run from the source
# root.
set -eu
ldfi=$1
plugins=$2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ldfi-plugin-envfaults.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0

fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

# conf NAME LIBRARY SYMBOL (the stage's section is on line 11)
conf() {
	cat >"$tmp/$1.conf" <<EOF
[explore]
eot = 4
eff = 2
run_timeout = 1

[source src]
node = a
records = 1
to = proc

[stage proc]
kind = plugin
nodes = b
library = $2
symbol = $3
to = out

[sink out]
nodes = c

[check delivered]
kind = delivered
sink = out
EOF
}

# case NAME MESSAGE: explore, run and check exit 2 with "CONF:11: MESSAGE".
case_() {
	for cmd in explore run check; do
		if [ "$cmd" = explore ]; then
			LDFI_PLUGIN_PATH=$plugins "$ldfi" explore "$tmp/$1.conf" --out "$tmp/out-$1" \
				>"$tmp/out.txt" 2>"$tmp/err.txt" && st=0 || st=$?
		else
			LDFI_PLUGIN_PATH=$plugins "$ldfi" "$cmd" "$tmp/$1.conf" \
				>"$tmp/out.txt" 2>"$tmp/err.txt" && st=0 || st=$?
		fi
		[ "$st" -eq 2 ] || fail "$1: $cmd exit $st, expected 2"
		grep -qF "$tmp/$1.conf:11: $2" "$tmp/err.txt" ||
			fail "$1: $cmd: stderr '$(cat "$tmp/err.txt")', expected '$2'"
		[ "$(wc -l <"$tmp/err.txt")" -eq 1 ] || fail "$1: $cmd: more than one line on stderr"
		if [ -s "$tmp/out.txt" ]; then
			fail "$1: $cmd wrote to stdout: $(cat "$tmp/out.txt")"
		fi
	done
	[ ! -e "$tmp/out-$1" ] || fail "$1: explore created its --out"
	echo "$1: $(cat "$tmp/err.txt")"
}

conf nolib nosuch.so relay
conf nosym crashy.so nosuch
conf oldapi crashy.so old_api
conf notelf notelf.so relay
echo "not a library" >"$tmp/notelf.so"

case_ nolib "cannot load library 'nosuch.so' of stage 'proc': not found (a bare name is looked for in \$LDFI_PLUGIN_PATH, the conf's directory,"
case_ nosym "stage 'proc': library 'crashy.so' has no symbol 'nosuch'"
case_ oldapi "stage 'proc': 'old_api' in 'crashy.so' is built for stage API version 0; this ldfi loads versions 1 to 2 (rebuild the plugin)"
case_ notelf "cannot load library 'notelf.so' of stage 'proc': $tmp/notelf.so: "

# An explore that went well, then the same explore without its library
# (LDFI_PLUGIN_PATH unset): exit 2, and its database as it was.
conf good crashy.so relay
LDFI_PLUGIN_PATH=$plugins "$ldfi" explore "$tmp/good.conf" --out "$tmp/out" >/dev/null 2>&1 &&
	st=0 || st=$?
[ "$st" -eq 1 ] || fail "good: explore exit $st, expected 1"
before=$(sqlite3 "$tmp/out/provenance.db" "SELECT id, faults, verdict FROM runs ORDER BY id")
[ -n "$before" ] || fail "good: no runs recorded"
env -u LD_LIBRARY_PATH "$ldfi" explore "$tmp/good.conf" --out "$tmp/out" >"$tmp/out.txt" 2>"$tmp/err.txt" && st=0 ||
	st=$?
[ "$st" -eq 2 ] && grep -qF "$tmp/good.conf:11: cannot load library 'crashy.so'" "$tmp/err.txt" ||
	fail "good without its library: exit $st: $(cat "$tmp/err.txt")"
after=$(sqlite3 "$tmp/out/provenance.db" "SELECT id, faults, verdict FROM runs ORDER BY id")
[ "$before" = "$after" ] || fail "the database changed: '$before' -> '$after'"
echo "good, then without its library: $(cat "$tmp/err.txt")"

# A stage built for stage API version 1 (before restarts) still loads and
# runs, restarts included: its node restarted, it starts afresh (init) and
# forgets what it stored; it is not told (no on_recover in version 1).
conf v1 crashy.so v1_relay
for faults in none 'restart(b,1)' 'restart(b,3)' 'restart(b,2)'; do
	LDFI_PLUGIN_PATH=$plugins "$ldfi" run "$tmp/v1.conf" --restarts 1 --faults "$faults" \
		>"$tmp/out.txt" 2>"$tmp/err.txt" && st=0 || st=$?
	want=0
	[ "$faults" = 'restart(b,2)' ] && want=1 # the copy due in round 2 is lost
	[ "$st" -eq "$want" ] || fail "v1 under $faults: exit $st, expected $want: $(cat "$tmp/err.txt")"
done
echo "v1_relay loads and runs under restarts"

[ "$fails" -eq 0 ]
