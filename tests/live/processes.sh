#!/bin/sh
# processes.sh LDFI - process stages under --engine live that misbehave
# (tests/process/misbehave.py MODE, as tests/process/protocol.sh runs them in
# the simulation): every misbehaviour fails the live run with exactly the
# simulation's reason (the same exit status and stdout from `ldfi run
# --engine live` and `--engine sim`): an exit, a signal, a hang past
# run_timeout, a malformed or unexpected line, a bad action, a grandchild
# holding stdout, a bad answer to `recover` in a restarted node's fresh
# process; two nodes failing in the same round give the failure of the
# first in name order, as in the simulation, even when the other fails
# first. A conforming stage restarted gets back its durable state in a
# fresh process, with the same provenance as in the simulation; process
# checks run in ldfi; the determinism check stops a random stage; explore
# records a failed run and replay --engine live fails it again; the logs of
# both engines are the same. After each command no process of the test is
# left. Run from the source root.
set -u
ldfi=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
direct_python
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ldfi-live-proc.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cp "$here/../process/misbehave.py" "$here/../process/badcheck.py" \
	"$here/../process/recover.py" "$tmp/"
cd "$tmp" || exit 1
. "$here/../process/lib.sh"

# No process of this test is left: none runs from $tmp (grandchildren
# included; one `ls` over /proc, not a command per process).
leftovers() {
	sleep 0.2
	left=$(cd / && ls -l /proc/[0-9]*/cwd 2>/dev/null | grep -F " -> $tmp" | grep -v "/proc/$$/") || true
	[ -z "$left" ] || fail "$1: processes left behind: $left"
}

# both WHAT CONF STATUS TEXT [RUN OPTIONS]: `ldfi run CONF` with each engine
# exits STATUS, prints the same, TEXT (a fixed string) among it; with --db,
# the same provenance.
both() {
	what=$1 c=$2 want=$3 text=$4
	shift 4
	for e in sim live; do
		rm -f "$e.db"
		"$ldfi" run "$c" --engine "$e" --db "$e.db" "$@" >"$e.out" 2>"$e.err"
		echo $? >"$e.st"
	done
	leftovers "$what"
	st=$(cat live.st)
	[ "$st" -eq "$want" ] || fail "$what: live exit $st, expected $want: $(cat live.out live.err | head -c 600)"
	[ "$(cat sim.st)" -eq "$st" ] || fail "$what: sim exit $(cat sim.st), live $st"
	cmp -s sim.out live.out || fail "$what: stdout differs: sim '$(cat sim.out)', live '$(cat live.out)'"
	grep -qF -- "$text" live.out live.err || fail "$what: no '$text' in: $(cat live.out live.err | head -c 600)"
	if [ "$st" -le 1 ]; then
		dump sim.db >sim.dump
		dump live.db >live.dump 2>&1
		cmp -s sim.dump live.dump || fail "$what: provenance differs: $(diff sim.dump live.dump | head -5)"
	fi
	echo "ok: $what: $(grep -hF -- "$text" live.out live.err | head -1 | cut -c1-150)"
}

expect() { # expect MODE STATUS TEXT [RUN_TIMEOUT]
	conf "$1" "python3 misbehave.py $1" "${4:-30}"
	both "$1" "$1.conf" "$2" "$3"
}

expect ok 0 "pass got (delivered on out)"
expect exit 1 "FAIL the run did not finish: stage 'p' on node b: exited with status 3 in round 2"
expect segv 1 "stage 'p' on node b: killed by SIGSEGV (Segmentation fault) in round 2"
expect hang 1 "stage 'p' on node b: timed out after 1 s (run_timeout) in round 2" 1
expect garbage 1 "wrote a malformed line in round 2: 'Traceback (most recent call last): \\x01 not json' (not JSON)"
expect noend 1 "answered round_ok for round 7 instead of round 2"
expect exception 1 "reported an error in round 2: 'ZeroDivisionError: division by zero (misbehave.py:"
expect badref 1 "derives_from names message 1001, which was not delivered to this replica"
expect grandchild 1 "stage 'p' on node b: exited with status 4 in round 2"
# (The other misbehaviours of protocol.sh take the same path in a node
# process as in the simulation: the answer parser of runtime/process_proto.c.)
expect random 2 "stage 'p' on node b is not deterministic: run twice, the fault-free execution first differs at message 3"

# Under faults: a crash elsewhere, a lost message, then the failure.
# (p on b and c; c exits in round 4, where only a resend after a loss
# reaches it.)
conf exitc "python3 misbehave.py exit c 4"
sed -i -e 's/^nodes = b$/nodes = b, c/' -e 's/^to = p$/to = p\ndelivery = ack\nretry_every = 2/' exitc.conf
both "exit on c, omit(a,c,1)" exitc.conf 1 "stage 'p' on node c: exited with status 3 in round 4" \
	--faults 'omit(a,c,1)'
both "exit on c, crash(b,2) omit(a,c,1)" exitc.conf 1 \
	"stage 'p' on node c: exited with status 3 in round 4" --crashes 1 --faults 'crash(b,2) omit(a,c,1)'

# Two nodes fail in round 2: b hangs (its run_timeout, 1 s), c at once; the
# run fails with b's reason, the first node in name order, as in the
# simulation, which asks b first.
conf two "python3 misbehave.py hang b" 1
cat >>two.conf <<EOC

[source s2]
node = a
records = 1
to = q

[stage q]
kind = process
command = python3 misbehave.py garbage c
nodes = c
to = out
EOC
both "b hangs, c garbage" two.conf 1 "stage 'p' on node b: timed out after 1 s (run_timeout) in round 2"

# Process checks run in ldfi, on the live run.
check() { # check MODE STATUS TEXT [FAULTS]
	conf "check-$1" "python3 misbehave.py ok"
	sed -i "s/^kind = delivered$/kind = process\ncommand = python3 badcheck.py $1/" "check-$1.conf"
	both "check $1" "check-$1.conf" "$2" "$3" --faults "${4:-none}"
}
check ok 1 "s:1 missing at out@c" "omit(a,b,1)"
check garbage 1 "check 'got': wrote a malformed line in check: 'not json' (not JSON)"

# Restarts: the restarted node's stage gets a fresh process, which is asked
# `recover` with what the journal kept: the same durable entries, saved
# value and provenance as in the simulation.
rconf recover "python3 recover.py"
both "recover" recover.conf 0 "pass got" --faults 'restart(b,3)'
grep -q "back:r4:from3:d=d:s:1+d:s:2:v=0:plain=0:saved=2" live.dump ||
	fail "recover: the recovery's record is not in the live run"
rconf recover-durable "python3 recover.py" 30 "durable = yes"
both "recover, durable = yes" recover-durable.conf 0 "pass got" --faults 'restart(b,3)'
grep -q "back:r4:from3:d=d:s:1+d:s:2:v=2:plain=0:saved=2" live.dump ||
	fail "recover, durable = yes: the recovery's record is not in the live run"

rexpect() { # rexpect MODE TEXT [RUN_TIMEOUT]
	rconf "$1" "python3 misbehave.py $1" "${3:-30}"
	both "$1" "$1.conf" 1 "$2" --faults 'restart(b,3)'
}
rexpect recover-raise "stage 'p' on node b: reported an error in recover in round 4: 'ZeroDivisionError: division by zero (misbehave.py:"
rexpect recover-hang "stage 'p' on node b: timed out after 1 s (run_timeout) in recover in round 4" 1

# explore --engine live: the failed run is recorded with its reason, the
# same exploration as the simulation's, the same logs; replay fails again.
for e in sim live; do
	"$ldfi" explore exitc.conf --engine "$e" --out "x$e" --quiet >"x$e.out" 2>"x$e.err"
	echo $? >"x$e.st"
	leftovers "explore ($e)"
done
[ "$(cat xlive.st)" -eq 1 ] && [ "$(cat xsim.st)" -eq 1 ] ||
	fail "explore: exit $(cat xlive.st) live, $(cat xsim.st) sim: $(cat xlive.err | head -c 300)"
cmp -s xsim.out xlive.out || fail "explore: stdout differs"
explore_dump() {
	dump "$1" "SELECT * FROM hypotheses ORDER BY id;
		SELECT * FROM explore WHERE key <> 'wall_s' ORDER BY key;"
}
explore_dump xsim/provenance.db >xsim.dump
explore_dump xlive/provenance.db >xlive.dump
cmp -s xsim.dump xlive.dump || fail "explore: the explorations differ: $(diff xsim.dump xlive.dump | head -5)"
[ "$(sqlite3 xlive/provenance.db "select count(*) from runs where failure like '%stage ''p'' on node c: exited with status 3 in round 4%'")" -ge 1 ] ||
	fail "explore: no failed run recorded: $(sqlite3 xlive/provenance.db 'select faults, failure from runs')"
for log in p@b p@c; do
	[ -s "xlive/logs/$log.log" ] && cmp -s "xsim/logs/$log.log" "xlive/logs/$log.log" ||
		fail "explore: logs/$log.log differs: $(diff "xsim/logs/$log.log" "xlive/logs/$log.log" | head -5)"
done
"$ldfi" replay xlive/report.json --engine live >out 2>err
st=$?
[ "$st" -eq 1 ] && grep -qF "exited with status 3 in round 4" out ||
	fail "replay: exit $st: $(cat out err | head -c 600)"
leftovers replay
echo "ok: explore and replay --engine live: $(head -1 xlive.out), $(sqlite3 xlive/provenance.db 'select count(*) from runs') runs as in the simulation"

# ldfi killed with SIGKILL while a stage process hangs in a live run (p on
# c, in round 4, after a loss: not in the fault-free runs of the
# determinism check): the node processes and the stage processes die with
# it.
sed 's/exit c 4/hang c 4/' exitc.conf >hang30.conf
"$ldfi" run hang30.conf --engine live --faults 'omit(a,c,1)' >/dev/null 2>&1 &
pid=$!
n=0
for i in 1 2 3 4 5 6 7 8 9 10; do
	sleep 0.5
	# this shell, ldfi, its 3 node processes and the 2 stage processes
	n=$(cd / && ls -l /proc/[0-9]*/cwd 2>/dev/null | grep -cF " -> $tmp") || true
	[ "$n" -lt 7 ] || break
done
[ "$n" -ge 7 ] || fail "kill -9: expected ldfi, 3 nodes and 2 stage processes, found $((n - 1))"
kill -9 "$pid"
wait "$pid" 2>/dev/null
leftovers "kill -9 of ldfi"
echo "ok: kill -9 of ldfi in a live run: no process left ($((n - 1)) before)"

[ "$fails" -eq 0 ]
