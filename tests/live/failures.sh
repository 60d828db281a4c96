#!/bin/sh
# failures.sh LDFI PLUGIN_DIR - a live run whose node process dies or hangs
# (tests/live/misbehave.c on node b, round 2) fails the run, as a crashing
# plugin does in the simulation (runtime/isolate.h): reported with the node
# and the round, exit 1, recorded and replayable by explore; a stage that
# returns an error is ldfi's error (exit 4). No process is left behind,
# also when the coordinator is killed with SIGKILL in the middle of a run.
# Run from the source root.
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

# case HOW STATUS MESSAGE [RUN OPTIONS]
case_() {
	how=$1 want=$2 msg=$3
	shift 3
	if LDFI_TEST_MISBEHAVE=$how LDFI_LIVE_TIME_LIMIT_MS=700 "$ldfi" run "$conf" \
		--engine live "$@" >"$tmp/out" 2>"$tmp/err"; then st=0; else st=$?; fi
	[ "$st" -eq "$want" ] || fail "$how: exit $st, expected $want ($(cat "$tmp/err"))"
	if [ -n "$msg" ]; then
		cat "$tmp/out" "$tmp/err" | grep -qF "$msg" ||
			fail "$how: output '$(cat "$tmp/out" "$tmp/err")', expected '$msg'"
	fi
	sleep 0.1
	left=$(leftovers)
	[ -z "$left" ] || fail "$how: processes left behind: $left"
	echo "$how: exit $st: $(cat "$tmp/out" "$tmp/err" | grep -v '^faults:')"
}

case_ none 0 ""
case_ abort 1 "FAIL the run did not finish: node b was killed by signal 6 (Aborted) in round 2"
case_ exit 1 "FAIL the run did not finish: node b exited with status 7 in round 2"
case_ hang 1 "FAIL the run did not finish: node b did not answer round 2 within the time limit of 700 ms"
case_ error 4 "ldfi run: execution failed: node b failed in round 2: stage failure"
# The new process of a restarted node dies in its recovery (round 3).
case_ recover-abort 1 "FAIL the run did not finish: node b was killed by signal 6 (Aborted) in round 3" \
	--restarts 1 --faults 'restart(b,2)'

# explore: the failed run is the counterexample, recorded with its reason,
# and replays as a failure.
if LDFI_TEST_MISBEHAVE=abort "$ldfi" explore "$conf" --engine live --out "$tmp/x" \
	--json "$tmp/x.json" >"$tmp/out" 2>"$tmp/err"; then st=0; else st=$?; fi
[ "$st" -eq 1 ] || fail "explore: exit $st, expected 1 ($(cat "$tmp/err"))"
grep -qx 'counterexample found' "$tmp/out" || fail "explore: $(head -1 "$tmp/out")"
grep -q "^  $ldfi run .* --faults none --engine live\$" "$tmp/out" ||
	fail "explore: the replay command does not name the live engine"
why=$(sqlite3 "$tmp/x/provenance.db" "select failure from runs where faults = 'none'")
[ "$why" = "node b was killed by signal 6 (Aborted) in round 2" ] ||
	fail "explore: runs.failure '$why'"
if LDFI_TEST_MISBEHAVE=abort "$ldfi" replay "$tmp/x.json" --engine live >"$tmp/out" \
	2>"$tmp/err"; then st=0; else st=$?; fi
[ "$st" -eq 1 ] || fail "replay: exit $st, expected 1 ($(cat "$tmp/err"))"
grep -qF "the run did not finish: node b was killed by signal 6" "$tmp/out" ||
	fail "replay: $(cat "$tmp/out" "$tmp/err")"
left=$(leftovers)
[ -z "$left" ] || fail "explore: processes left behind: $left"

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
