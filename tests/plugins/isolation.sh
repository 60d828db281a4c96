#!/bin/sh
# isolation.sh LDFI PLUGIN_DIR - plugins that crash, abort, exit or loop
# (crashy.c) during an explore: each such run is a failed run of the system
# under test, recorded with its fault set and the reason, reported as the
# counterexample (text, JSON, JUnit, HTML; exit 1), replayable with
# `ldfi replay` and the printed `ldfi run`; the runs before it stay in the
# database, the explore resumes, and no process is left behind, also when
# ldfi itself is killed with SIGKILL in the middle of a run. Then an old
# (schema 2) database is upgraded in place. Run from the source root.
set -eu
ldfi=$1
LDFI_PLUGIN_PATH=$2
export LDFI_PLUGIN_PATH
# Under AddressSanitizer a SIGSEGV is ASan's to report (and exit 1): let the
# plugin's fault kill the process, as it does without ASan.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_segv=0:handle_abort=0"
export ASAN_OPTIONS
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ldfi-isolation.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/lib.sh"

# While a run goes on: ldfi, its fork server (runtime/forksrv.c) and the
# run's process; without the server (LDFI_FORK_SERVER=0) ldfi forks the run
# itself.
running=3
[ "${LDFI_FORK_SERVER:-}" != 0 ] || running=2

# conf NAME SYMBOL [CHECK_SYMBOL]: source on a, plugin stage on b, sink on
# c; the only omission, omit(a,b,1), makes the stage misbehave in round 3.
conf() {
	cat >"$tmp/$1.conf" <<EOF
[explore]
eot = 5
eff = 2
crashes = 0
run_timeout = 1

[source src]
node = a
records = 1
to = proc

[stage proc]
kind = plugin
nodes = b
library = crashy.so
symbol = $2
to = out

[sink out]
nodes = c

[check delivered]
kind = delivered
sink = out
EOF
	if [ $# -gt 2 ]; then
		printf '\n[check crashy]\nkind = plugin\nlibrary = crashy.so\nsymbol = %s\n' "$3" \
			>>"$tmp/$1.conf"
	fi
}

# explore_case NAME FAULTS FAILURE: explore exits 1 with FAULTS as the
# counterexample and FAILURE in every report; replay and run reproduce it.
explore_case() {
	name=$1 faults=$2 want=$3 out="$tmp/out-$1"
	if "$ldfi" explore "$tmp/$name.conf" --out "$out" --json "$tmp/$name.json" \
		--junit "$tmp/$name.xml" --html "$tmp/$name-html" >"$tmp/$name.txt" \
		2>"$tmp/$name.err"; then st=0; else st=$?; fi
	[ "$st" -eq 1 ] || fail "$name: explore exit $st, expected 1: $(cat "$tmp/$name.err")"
	head -1 "$tmp/$name.txt" | grep -qx "counterexample found" ||
		fail "$name: verdict line: $(head -1 "$tmp/$name.txt")"
	grep -qx "faults: $faults" "$tmp/$name.txt" || fail "$name: no 'faults: $faults' in the text"
	grep -qF "FAIL the run did not finish: $want" "$tmp/$name.txt" ||
		fail "$name: text report lacks '$want': $(cat "$tmp/$name.txt")"
	python3 - "$tmp/$name.json" "$faults" "$want" <<'EOF' || fail "$name: JSON report"
import json, sys
doc = json.load(open(sys.argv[1]))
cx = doc["counterexample"]
assert doc["verdict"] == "counterexample", doc["verdict"]
assert cx["faults"] == sys.argv[2], cx["faults"]
assert sys.argv[3] in cx["failure"], cx["failure"]
assert cx["failed_checks"] == [], cx["failed_checks"]
EOF
	grep -qF 'name="execution (the run finishes)"' "$tmp/$name.xml" &&
		grep -qF 'failures="1"' "$tmp/$name.xml" || fail "$name: JUnit report"
	grep -qF "did not finish: $want" "$tmp/$name-html/index.html" || fail "$name: HTML report"
	# ldfi replay REPORT.json
	if "$ldfi" replay "$out/report.json" >"$tmp/$name.replay" 2>&1; then st=0; else st=$?; fi
	[ "$st" -eq 1 ] || fail "$name: replay exit $st, expected 1"
	grep -qx "reproduced: the run does not finish, as reported" "$tmp/$name.replay" ||
		fail "$name: replay: $(cat "$tmp/$name.replay")"
	# the printed ldfi run command
	cmd=$(grep -A1 '^replay:' "$tmp/$name.txt" | tail -1 | sed "s|^ *$ldfi ||")
	if eval "\"\$ldfi\" $cmd" >"$tmp/$name.run" 2>&1; then st=0; else st=$?; fi
	[ "$st" -eq 1 ] || fail "$name: '$cmd' exit $st, expected 1"
	grep -qF "FAIL the run did not finish: $want" "$tmp/$name.run" ||
		fail "$name: run: $(cat "$tmp/$name.run")"
	left=$(leftovers)
	[ -z "$left" ] || fail "$name: processes left behind: $left"
	echo "$name: $(grep 'FAIL the run' "$tmp/$name.txt")"
}

conf segv segv_if_lost
conf abort abort_if_lost
conf loop loop_if_lost
conf exit exit_if_lost
conf always abort_always
conf check relay check_segv
conf relay relay

explore_case segv 'omit(a,b,1)' \
	"stage 'proc' on node b: killed by SIGSEGV (Segmentation fault) in round 3"
explore_case abort 'omit(a,b,1)' "stage 'proc' on node b: killed by SIGABRT (Aborted) in round 3"
start=$(date +%s)
explore_case loop 'omit(a,b,1)' "stage 'proc' on node b: timed out after 1 s (run_timeout) in round 3"
took=$(($(date +%s) - start))
# A hang is cut by run_timeout, not by the test's own timeout: a generous bound
# (three executions of 1 s each), so that a loaded machine does not fail it.
[ "$took" -le 60 ] || fail "loop: took $took s with run_timeout = 1 (explore, replay and run)"
explore_case exit 'omit(a,b,1)' "stage 'proc' on node b: exited with status 3 in round 3"
explore_case always none "stage 'proc' on node b: killed by SIGABRT (Aborted) in round 2"
explore_case check none "check 'crashy': killed by SIGSEGV (Segmentation fault)"

# `ldfi report` of a database with two failed runs: the one it does not
# take as the counterexample is drawn through the page's loader, and must be
# read back as a run that did not finish (runs.failure), not as an empty
# trace whose checks fail for want of messages.
for f in 'omit(a,b,1)' 'omit(a,b,1) omit(a,b,2)'; do # two sets: a set is run once
	if "$ldfi" run "$tmp/abort.conf" --eff 3 --faults "$f" --db "$tmp/two.db" \
		>/dev/null 2>&1; then st=0; else st=$?; fi
	[ "$st" -eq 1 ] || fail "two failed runs: ldfi run --faults '$f': exit $st"
done
"$ldfi" report "$tmp/two.db" --html "$tmp/two-html" >/dev/null 2>"$tmp/two.err" ||
	fail "two failed runs: ldfi report: $(cat "$tmp/two.err")"
python3 - "$tmp/two-html/index.html" <<'EOF' || fail "two failed runs: the HTML page"
import sys
page = open(sys.argv[1]).read()
# each run: its row in the runs table and its drawn check list
assert page.count("did not finish: stage 'proc' on node b: killed by SIGABRT") >= 4, \
    page.count("did not finish")
assert " missing at " not in page, "a failed run drawn with the checks of an empty trace"
EOF

# The control: the same pipeline with a plugin that behaves finds the
# ordinary counterexample (the record is lost).
if "$ldfi" explore "$tmp/relay.conf" --out "$tmp/out-relay" >"$tmp/relay.txt" 2>&1; then
	st=0
else st=$?; fi
[ "$st" -eq 1 ] && grep -qx "FAIL delivered (delivered on out)" "$tmp/relay.txt" ||
	fail "relay: exit $st: $(cat "$tmp/relay.txt")"

# The runs before the failed one are intact, and the failed one is recorded
# with its fault set and its reason.
rows=$(sqlite3 "$tmp/out-segv/provenance.db" \
	"SELECT id, faults, passed, verdict, failure FROM runs ORDER BY id")
want="1|none|1|pass|
2|omit(a,b,1)|0|fail|stage 'proc' on node b: killed by SIGSEGV (Segmentation fault) in round 3"
[ "$rows" = "$want" ] || fail "segv: runs table: $rows"
n=$(sqlite3 "$tmp/out-segv/provenance.db" "SELECT count(*) FROM messages WHERE run = 1")
[ "$n" -gt 0 ] || fail "segv: the fault-free run lost its messages"

# The explore resumes: same verdict, nothing run again.
"$ldfi" explore "$tmp/segv.conf" --out "$tmp/out-segv" >"$tmp/resume.txt" 2>&1 && st=0 || st=$?
[ "$st" -eq 1 ] || fail "resume: exit $st: $(cat "$tmp/resume.txt")"
grep -qF "FAIL the run did not finish: stage 'proc' on node b: killed by SIGSEGV" \
	"$tmp/resume.txt" || fail "resume: $(cat "$tmp/resume.txt")"
n=$(sqlite3 "$tmp/out-segv/provenance.db" "SELECT count(*) FROM runs")
[ "$n" -eq 2 ] || fail "resume: $n runs, expected 2"

# A budget or a signal while a plugin loops in an isolated run: ldfi stops
# within the poll of its wait (100 ms), not at run_timeout (10 minutes
# here), kills the run's processes and records nothing of the run.
sed 's/^run_timeout = 1$/run_timeout = 600/' "$tmp/loop.conf" >"$tmp/loop600.conf"
start=$(date +%s)
"$ldfi" explore "$tmp/loop600.conf" --out "$tmp/out-loop600" --time-limit 2 >"$tmp/loop600.txt" 2>&1 &&
	st=0 || st=$?
took=$(($(date +%s) - start))
[ "$st" -eq 3 ] || fail "time limit in an isolated run: exit $st: $(cat "$tmp/loop600.txt")"
grep -q '^inconclusive: time limit 2 s reached after 1 execution' "$tmp/loop600.txt" ||
	fail "time limit in an isolated run: $(cat "$tmp/loop600.txt")"
[ "$took" -le 60 ] || fail "time limit in an isolated run: took $took s"
[ "$(sqlite3 "$tmp/out-loop600/provenance.db" 'SELECT count(*) FROM runs')" = 1 ] ||
	fail "time limit in an isolated run: the stopped run was recorded"
left=$(leftovers)
[ -z "$left" ] || fail "time limit in an isolated run: processes left behind: $left"
"$ldfi" explore "$tmp/loop600.conf" --out "$tmp/out-loop600b" >"$tmp/loop600.txt" 2>&1 &
pid=$!
i=0
while [ "$(leftovers | wc -l)" -lt $running ] && [ $i -lt 1500 ]; do
	sleep 0.02
	i=$((i + 1))
done
sleep 0.5
start=$(date +%s)
kill -INT "$pid"
wait "$pid" && st=0 || st=$?
took=$(($(date +%s) - start))
[ "$st" -eq 3 ] || fail "SIGINT in an isolated run: exit $st: $(cat "$tmp/loop600.txt")"
grep -q '^inconclusive: interrupted after 1 execution' "$tmp/loop600.txt" ||
	fail "SIGINT in an isolated run: $(cat "$tmp/loop600.txt")"
[ "$took" -le 60 ] || fail "SIGINT in an isolated run: took $took s"
left=$(leftovers)
[ -z "$left" ] || fail "SIGINT in an isolated run: processes left behind: $left"

# ldfi killed with SIGKILL while a plugin loops: its run's process dies too.
# With run_timeout = 600: a loaded machine can take longer than 1 s to
# fork the run and look at it, and the run must still be looping then.
"$ldfi" run "$tmp/loop600.conf" --faults 'omit(a,b,1)' >/dev/null 2>&1 &
pid=$!
i=0
while [ "$(leftovers | wc -l)" -lt $running ] && [ $i -lt 1500 ]; do
	sleep 0.01
	i=$((i + 1))
done
n=$(leftovers | wc -l)
[ "$n" -eq $running ] ||
	fail "kill -9: expected ldfi, its server and its run's process ($running), found $n: $(leftovers)"
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
# Each dies with its parent (PR_SET_PDEATHSIG): one after the other.
i=0
while [ -n "$(leftovers)" ] && [ $i -lt 500 ]; do
	sleep 0.01
	i=$((i + 1))
done
left=$(leftovers)
[ -z "$left" ] || fail "kill -9: processes left behind: $left"

# An old database (schema 2, before runs.failure: no run of it is a failed
# run) is upgraded and resumed: the failing run is run again, and recorded
# with its reason.
db="$tmp/out-segv/provenance.db"
sqlite3 "$db" "DELETE FROM runs WHERE id = 2; UPDATE sqlite_sequence SET seq = 1 WHERE name = 'runs';
	ALTER TABLE runs DROP COLUMN failure;
	UPDATE meta SET value = '2' WHERE key = 'schema_version'; PRAGMA user_version = 2;"
"$ldfi" explore "$tmp/segv.conf" --out "$tmp/out-segv" >"$tmp/old.txt" 2>&1 && st=0 || st=$?
[ "$st" -eq 1 ] || fail "schema 2: exit $st: $(cat "$tmp/old.txt")"
grep -qF "FAIL the run did not finish: stage 'proc' on node b: killed by SIGSEGV" \
	"$tmp/old.txt" || fail "schema 2: $(cat "$tmp/old.txt")"
v=$(sqlite3 "$db" "SELECT value FROM meta WHERE key = 'schema_version'")
[ "$v" = 4 ] || fail "schema 2: schema_version $v after the upgrade, expected 4"
n=$(sqlite3 "$db" "SELECT count(*) FROM runs WHERE failure IS NULL")
[ "$n" -eq 1 ] || fail "schema 2: runs after the upgrade: $n"

left=$(leftovers)
[ -z "$left" ] || fail "processes left behind: $left"
[ "$fails" -eq 0 ]
