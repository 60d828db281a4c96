#!/bin/sh
# failures.sh LDFI PLUGIN_DIR - a live run whose node process misbehaves
# (tests/live/misbehave.c on node b, round 2) is reported with the node and
# the round, exits 4, and leaves no process behind; so does a coordinator
# killed with SIGKILL in the middle of a run. Run from the source root.
set -eu
ldfi=$1
LDFI_PLUGIN_PATH=$2
export LDFI_PLUGIN_PATH
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ldfi-live-failures.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0

fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

# A copy of the conf under a unique path: every process of a run has it on
# its command line, so leftovers are easy to find.
conf="$tmp/misbehave-$$.conf"
cp tests/live/misbehave.conf "$conf"

leftovers() {
	ps -eo pid=,args= | grep -F "$conf" | grep -v grep || true
}

# case HOW STATUS MESSAGE
case_() {
	how=$1 want=$2 msg=$3
	if LDFI_TEST_MISBEHAVE=$how LDFI_LIVE_TIME_LIMIT_MS=700 "$ldfi" run "$conf" \
		--engine live >"$tmp/out" 2>"$tmp/err"; then st=0; else st=$?; fi
	[ "$st" -eq "$want" ] || fail "$how: exit $st, expected $want ($(cat "$tmp/err"))"
	if [ -n "$msg" ]; then
		grep -qF "$msg" "$tmp/err" || fail "$how: stderr '$(cat "$tmp/err")', expected '$msg'"
	fi
	sleep 0.1
	left=$(leftovers)
	[ -z "$left" ] || fail "$how: processes left behind: $left"
	echo "$how: exit $st: $(cat "$tmp/err")"
}

case_ none 0 ""
case_ abort 4 "ldfi run: execution failed: node b was killed by signal 6 (Aborted) in round 2"
case_ exit 4 "ldfi run: execution failed: node b exited with status 7 in round 2"
case_ hang 4 "ldfi run: execution failed: node b did not answer round 2 within the time limit of 700 ms"
case_ error 4 "ldfi run: execution failed: node b failed in round 2: stage failure"

# The coordinator killed while node b hangs: its node processes die with it.
LDFI_TEST_MISBEHAVE=hang "$ldfi" run "$conf" --engine live >/dev/null 2>&1 &
pid=$!
sleep 0.5
n=$(leftovers | wc -l)
[ "$n" -eq 4 ] || fail "kill -9: expected the coordinator and 3 nodes, found $n: $(leftovers)"
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
sleep 0.2
left=$(leftovers)
[ -z "$left" ] || fail "kill -9: processes left behind: $left"
echo "kill -9 of the coordinator: no process left"

[ "$fails" -eq 0 ]
