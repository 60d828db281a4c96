#!/bin/sh
# escape.sh LDFI PLUGIN_DIR - a plugin stage that forks, calls setsid and
# forks again (tricky.c `escape`) leaves a process in no process group of
# its run, whose parent is gone. ldfi (and its fork server, the parent of
# the runs) is the subreaper of its runs, so that process becomes its child
# and is killed when the run ends: after
# `ldfi run`, `ldfi explore` and `ldfi replay`, and while an explore goes on,
# no such process is left. Run from the source root.
set -eu
ldfi=$1
LDFI_PLUGIN_PATH=$2
export LDFI_PLUGIN_PATH
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ldfi-escape.XXXXXX")
# Whatever is left (a failed test) is killed, by pid, on exit.
cleanup() {
	leftovers | while read -r p _; do kill -9 "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT
. "$(dirname "$0")/lib.sh"

cat >"$tmp/escape.conf" <<EOF
[explore]
eot = 4
eff = 3

[source src]
node = a
records = 1
to = proc

[stage proc]
kind = plugin
nodes = b
library = tricky.so
symbol = escape
to = out

[sink out]
nodes = c

[check delivered]
kind = delivered
sink = out
EOF

"$ldfi" run "$tmp/escape.conf" >"$tmp/run.txt" 2>&1 || fail "run: $(cat "$tmp/run.txt")"
left=$(leftovers)
[ -z "$left" ] || fail "ldfi run: processes left behind: $left"

if "$ldfi" explore "$tmp/escape.conf" --out "$tmp/out" >"$tmp/explore.txt" 2>&1; then
	st=0
else st=$?; fi
[ "$st" -eq 1 ] || fail "explore: exit $st: $(cat "$tmp/explore.txt")"
n=$(sqlite3 "$tmp/out/provenance.db" 'SELECT count(*) FROM runs')
[ "$n" -ge 2 ] || fail "explore: $n runs"
left=$(leftovers)
[ -z "$left" ] || fail "ldfi explore ($n runs): processes left behind: $left"

"$ldfi" replay "$tmp/out/report.json" >"$tmp/replay.txt" 2>&1 || true
left=$(leftovers)
[ -z "$left" ] || fail "ldfi replay: processes left behind: $left"

# While an explore goes on: at most the runs of the last execution remain.
"$ldfi" explore "$tmp/escape.conf" --out "$tmp/long" --strategy exhaustive --eot 6 --eff 5 \
	--quiet >/dev/null 2>&1 &
pid=$!
i=0
max=0
while kill -0 $pid 2>/dev/null && [ $i -lt 300 ]; do
	n=$(leftovers | grep -v "^ *$pid " | wc -l)
	[ "$n" -gt "$max" ] && max=$n
	sleep 0.02
	i=$((i + 1))
done
kill -INT $pid 2>/dev/null || true
wait $pid 2>/dev/null || true
# the fork server, a run's process, the child it forked and the
# grandchild; and one late
[ "$max" -le 5 ] || fail "explore under way: $max processes of runs at once"
left=$(leftovers)
[ -z "$left" ] || fail "explore interrupted: processes left behind: $left"
echo "escape: at most $max processes of runs at once during an explore"

[ "$fails" -eq 0 ]
