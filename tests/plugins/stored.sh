#!/bin/sh
# stored.sh LDFI PLUGIN_DIR - plugin checks are evaluated only in the
# isolated process of each run; their results are stored (tables checks and
# check_records) and read back when an explore resumes and by `ldfi report`,
# never evaluated again in ldfi's own process. The checks of tricky.c crash
# (held_once) or hang (held_once_hang) on a second call in one process: the
# verdicts, the resumed explore and the report must not notice. Run from
# the source root.
set -eu
ldfi=$1
LDFI_PLUGIN_PATH=$2
export LDFI_PLUGIN_PATH
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ldfi-stored.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0

fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

# conf NAME CHECK_SYMBOL: a relay stage; the check reads the sink.
conf() {
	cat >"$tmp/$1.conf" <<EOF
[explore]
eot = 4
eff = 2
run_timeout = 5

[source src]
node = a
records = 1
to = proc

[stage proc]
kind = plugin
nodes = b
library = crashy.so
symbol = relay
to = out

[sink out]
nodes = c

[check held]
kind = plugin
library = tricky.so
symbol = $2
sink = out
holds = any
EOF
}

# status CMD...: run it with a time limit; its exit status in $st.
status() {
	if timeout 60 "$@" >"$tmp/out" 2>"$tmp/err"; then st=0; else st=$?; fi
}

for sym in held_once held_once_hang; do
	conf "$sym" "$sym"
	out="$tmp/out-$sym"
	status "$ldfi" explore "$tmp/$sym.conf" --out "$out"
	[ "$st" -eq 1 ] || fail "$sym: explore exit $st: $(cat "$tmp/err")"
	grep -qx 'faults: omit(a,b,1)' "$tmp/out" || fail "$sym: explore: $(cat "$tmp/out")"
	cp "$tmp/out" "$tmp/first.txt"
	# Again: the finished exploration is resumed from the database.
	status "$ldfi" explore "$tmp/$sym.conf" --out "$out"
	[ "$st" -eq 1 ] || fail "$sym: resumed explore exit $st: $(cat "$tmp/err")"
	grep -v '^wall time' "$tmp/first.txt" >"$tmp/a.txt"
	grep -v '^wall time' "$tmp/out" >"$tmp/b.txt" || true
	cmp -s "$tmp/a.txt" "$tmp/b.txt" || fail "$sym: the resumed report differs: $(cat "$tmp/out")"
	# ldfi report reads every run back.
	status "$ldfi" report "$out/provenance.db" --html "$tmp/html-$sym"
	[ "$st" -eq 0 ] || fail "$sym: ldfi report exit $st: $(cat "$tmp/err")"
	grep -q 'FAIL' "$tmp/html-$sym/index.html" || fail "$sym: the page shows no failed check"
	n=$(sqlite3 "$out/provenance.db" "SELECT count(*) FROM checks WHERE name = 'held'")
	r=$(sqlite3 "$out/provenance.db" "SELECT count(*) FROM runs")
	[ "$n" = "$r" ] || fail "$sym: $n check results stored for $r runs"
	echo "$sym: ok"
done

[ "$fails" -eq 0 ]
