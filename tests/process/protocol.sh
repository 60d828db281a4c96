#!/bin/sh
# protocol.sh LDFI - process stages (docs/process-stages.md) that conform and
# that misbehave (misbehave.py MODE): a conforming stage passes; each
# misbehaviour fails the run (`ldfi run` exit 1) with its reason naming the
# stage, node and round and quoting the offending line; nondeterministic
# stages stop `ldfi run` with exit 2 at the first differing message; start-up
# errors (no such interpreter, another protocol, a bad command) are
# configuration errors (exit 2, FILE:LINE). A failed run found by explore is
# recorded and replays the same. Under a restart (protocol 2), a conforming
# stage gets back exactly its durable state and its recovery's sends derive
# from it; a stage that answers `recover` badly fails the run; a protocol-1
# stage runs without restarts and is refused with them. After each command
# no process of the test is left (grandchildren included). Run from the
# source root.
set -u
ldfi=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ldfi-proto.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cp "$here/misbehave.py" "$here/wrongversion.py" "$here/badcheck.py" "$here/recover.py" \
	"$here/rawv1.py" "$tmp/"
cd "$tmp" || exit 1
. "$here/lib.sh"

# No process of this test is left: none runs from $tmp, no `sleep 3600`
# started by a grandchild mode.
leftovers() {
	sleep 0.2
	for p in /proc/[0-9]*; do
		cwd=$(readlink "$p/cwd" 2>/dev/null) || continue
		[ "$cwd" = "$tmp" ] && [ "${p#/proc/}" != "$$" ] &&
			fail "$1: process ${p#/proc/} left behind: $(tr '\0' ' ' <"$p/cmdline")"
	done
}

# expect MODE STATUS TEXT: `ldfi run` of misbehave.py MODE exits STATUS with
# TEXT (a fixed string) in its stdout or stderr.
expect() {
	mode=$1 want=$2 text=$3
	conf "$mode" "python3 misbehave.py $mode" "${4:-30}"
	"$ldfi" run "$mode.conf" >out 2>err
	st=$?
	[ "$st" -eq "$want" ] || fail "$mode: exit $st, expected $want: $(cat out err | head -c 600)"
	grep -qF -- "$text" out err || fail "$mode: no '$text' in: $(cat out err | head -c 600)"
	leftovers "$mode"
	echo "ok: $mode: $(grep -hF -- "$text" out err | head -1 | cut -c1-150)"
}

expect ok 0 "pass got (delivered on out)"
expect exit 1 "stage 'p' on node b: exited with status 3 in round 2"
expect segv 1 "stage 'p' on node b: killed by SIGSEGV (Segmentation fault) in round 2"
expect hang 1 "stage 'p' on node b: timed out after 2 s (run_timeout) in round 2" 2
expect garbage 1 "wrote a malformed line in round 2: 'Traceback (most recent call last): \\x01 not json' (not JSON)"
expect print 1 "wrote a malformed line in round 2: 'got s:1' (not JSON)"
expect notobject 1 "wrote a malformed line in round 2: '[1, 2, 3]' (a line is an object"
expect badtype 1 "wrote a line of unexpected type 'frobnicate' in round 2"
expect noend 1 "answered round_ok for round 7 instead of round 2"
expect exception 1 "reported an error in round 2: 'ZeroDivisionError: division by zero (misbehave.py:"
expect badrecord 1 "send of a bad record name in round 2"
expect badhop 1 "sent to 'nosuch', which is not its hop (out) nor a replica in round 2"
expect badref 1 "derives_from names message 1001, which was not delivered to this replica"
expect grandchild 1 "stage 'p' on node b: exited with status 4 in round 2"
expect random 2 "ldfi run: stage 'p' on node b is not deterministic: run twice, the fault-free execution first differs at message 3"
expect leak 2 "ldfi run: stage 'p' on node b is not deterministic"

# Process checks: one that conforms, and misbehaving ones (the run fails).
check() { # check MODE STATUS TEXT [FAULTS]
	conf "check-$1" "python3 misbehave.py ok"
	sed -i "s/^kind = delivered$/kind = process\ncommand = python3 badcheck.py $1/" "check-$1.conf"
	"$ldfi" run "check-$1.conf" --faults "${4:-none}" >out 2>err
	st=$?
	[ "$st" -eq "$2" ] || fail "check $1: exit $st, expected $2: $(cat out err | head -c 600)"
	grep -qF -- "$3" out err || fail "check $1: no '$3' in: $(cat out err | head -c 600)"
	leftovers "check $1"
	echo "ok: check $1: $(grep -hF -- "$3" out err | head -1 | cut -c1-150)"
}
check ok 0 "pass got (process on out)"
check ok 1 "s:1 missing at out@c" "omit(a,b,1)"
check garbage 1 "check 'got': wrote a malformed line in check: 'not json' (not JSON)"
check exception 1 "check 'got': reported an error in check: 'KeyError: \\'nope\\' (badcheck.py:"
check badat 1 "check 'got': wrote a bad offence in check:"

# Start-up errors: configuration errors, FILE:LINE, nothing run.
conf version "python3 wrongversion.py"
"$ldfi" run version.conf >out 2>err
st=$?
[ "$st" -eq 2 ] && grep -q "^version.conf:11: stage 'p' on node b: its process speaks no protocol" err ||
	fail "wrong protocol: exit $st: $(cat err)"
leftovers version
conf nosuch "python4-no-such-interpreter x.py"
"$ldfi" run nosuch.conf >out 2>err
st=$?
[ "$st" -eq 2 ] && grep -qF "nosuch.conf:11: stage 'p' on node b: cannot run 'python4-no-such-interpreter': not found in PATH" err ||
	fail "no interpreter: exit $st: $(cat err)"
"$ldfi" check nosuch.conf >out 2>err
st=$?
[ "$st" -eq 2 ] && grep -qF "nosuch.conf:11: stage 'p': cannot run 'python4-no-such-interpreter': not found in PATH" err ||
	fail "check, no interpreter: exit $st: $(cat err)"
conf quote "python3 'misbehave.py ok"
"$ldfi" check quote.conf >out 2>err
st=$?
[ "$st" -eq 2 ] && grep -qF "quote.conf:13: bad 'command' in [stage p]: unterminated ' quote" err ||
	fail "bad quote: exit $st: $(cat err)"
conf quoted "python3 \"misbehave.py\" 'ok'"
"$ldfi" run quoted.conf >out 2>err || fail "quoted words: $(cat err)"

# A failed run found by explore is recorded as a counterexample and replays.
# (exit on node c in round 4: only a resend after a loss reaches it then)
conf exit2 "python3 misbehave.py exit c 4"
sed -i -e 's/^nodes = b$/nodes = b, c/' -e 's/^to = p$/to = p\ndelivery = ack\nretry_every = 2/' exit2.conf
"$ldfi" explore exit2.conf --out x --quiet >out 2>err
st=$?
[ "$st" -eq 1 ] || fail "explore: exit $st: $(cat out err | head -c 600)"
[ "$(sqlite3 x/provenance.db "select count(*) from runs where failure like '%stage ''p'' on node c: exited with status 3 in round 4%'")" -ge 1 ] ||
	fail "explore: no failed run recorded: $(sqlite3 x/provenance.db 'select faults, failure from runs')"
"$ldfi" replay x/report.json >out 2>err
st=$?
[ "$st" -eq 1 ] && grep -qF "exited with status 3 in round 4" out ||
	fail "replay: exit $st: $(cat out err | head -c 600)"
[ -f x/logs/p@b.log ] || fail "explore: no log x/logs/p@b.log"
leftovers explore

# Restarts (protocol 2, rconf): the stage p on b restarted in round 3 is up
# again in round 4, where it is asked `recover`.
# A conforming stage: its durable entries and saved value come back, its
# volatile entries and attributes do not (unless the stage is durable), and
# what it sends in on_recover derives from the entries it got back (the
# messages they were written from: s:1 and s:2 to p@b), conditionally.
for mode in conservative tracked; do
	rconf recover "python3 recover.py $mode"
	rm -f r.db
	"$ldfi" run recover.conf --faults 'restart(b,3)' --json r.json --db r.db >out 2>err
	st=$?
	back='back:r4:from3:d=d:s:1+d:s:2:v=0:plain=0:saved=2'
	[ "$st" -eq 0 ] && grep -qF "\"$back\"" r.json ||
		fail "recover $mode: exit $st, no $back: $(cat out err r.json | head -c 900)"
	sent="select id from messages where run = 1 and record = '$back' and src_stage = 'p' and
	   send_round = 4"
	q="select group_concat(parent, ' ') from (select parent from message_parents where
	   run = 1 and msg = ($sent) order by parent)"
	want="select group_concat(id, ' ') from (select id from messages where run = 1 and
	   src_stage = 's' and dst_stage = 'p' and fate = 'delivered' order by id)"
	got=$(sqlite3 r.db "$q") exp=$(sqlite3 r.db "$want")
	[ -n "$got" ] && [ "$got" = "$exp" ] ||
		fail "recover $mode: the recovery's send derives from '$got', expected '$exp'"
	[ "$(sqlite3 r.db "select conditional from messages where run = 1 and id = ($sent)")" = 1 ] ||
		fail "recover $mode: the recovery's send is not conditional"
	leftovers recover
	echo "ok: recover ($mode provenance): $back from messages $got, conditional"
done
rconf recover-durable "python3 recover.py" 30 "durable = yes"
"$ldfi" run recover-durable.conf --faults 'restart(b,3)' --json r.json >out 2>err
st=$?
back='back:r4:from3:d=d:s:1+d:s:2:v=2:plain=0:saved=2'
[ "$st" -eq 0 ] && grep -qF "\"$back\"" r.json ||
	fail "recover durable: exit $st, no $back: $(cat out err r.json | head -c 900)"
echo "ok: recover, durable = yes: $back"

# Answers to recover that fail the run.
rexpect() { # rexpect MODE TEXT [RUN_TIMEOUT]
	rconf "$1" "python3 misbehave.py $1" "${3:-30}"
	"$ldfi" run "$1.conf" --faults 'restart(b,3)' >out 2>err
	st=$?
	[ "$st" -eq 1 ] || fail "$1: exit $st, expected 1: $(cat out err | head -c 600)"
	grep -qF -- "$2" out err || fail "$1: no '$2' in: $(cat out err | head -c 600)"
	leftovers "$1"
	echo "ok: $1: $(grep -hF -- "$2" out err | head -1 | cut -c1-150)"
}
rexpect recover-raise "stage 'p' on node b: reported an error in recover in round 4: 'ZeroDivisionError: division by zero (misbehave.py:"
rexpect recover-wrongok "stage 'p' on node b: wrote a line of unexpected type 'round_ok' in recover in round 4"
rexpect recover-badround "stage 'p' on node b: answered recover_ok for round 9 instead of round 4"
rexpect recover-hang "stage 'p' on node b: timed out after 2 s (run_timeout) in recover in round 4" 2

# A protocol-1 stage (no recover) still runs without restarts; with them it
# is refused before anything runs.
conf v1 "python3 rawv1.py"
"$ldfi" run v1.conf >out 2>err || fail "protocol 1 without restarts: $(cat out err | head -c 600)"
rconf v1r "python3 rawv1.py"
"$ldfi" run v1r.conf >out 2>err
st=$?
[ "$st" -eq 2 ] && grep -qF "v1r.conf:15: stage 'p' on node b: its process speaks protocol 1, which has no recover request: restart faults (restarts = 1) need protocol 2" err ||
	fail "protocol 1 with restarts: exit $st: $(cat err)"
leftovers v1
echo "ok: protocol 1: runs without restarts, refused with them"

echo "$fails failures"
[ "$fails" -eq 0 ]
