#!/bin/sh
# resume.sh LDFI - an explore stopped by a budget, by kill -9 or by SIGINT
# resumes from OUT/provenance.db (docs/provenance.md): it reaches the verdict of an
# uninterrupted run with the same total of executions, the same fault sets,
# none run twice, and an intact database. Run from the source root.
set -eu
ldfi=$1
. "$(dirname "$0")/lib.sh"
ack=scenarios/delivery/ack-deliv.conf

# same_faults NAME DB1 DB2: both databases ran the same fault sets.
same_faults() {
	sql "$2" 'select faults from runs order by faults' >"$tmp/f1"
	sql "$3" 'select faults from runs order by faults' >"$tmp/f2"
	cmp -s "$tmp/f1" "$tmp/f2" || fail "$1: fault sets differ from the uninterrupted run"
}

# (a) --max-runs 5 on ack-deliv 8/7/1, then the same command without it.
run "$ldfi" explore $ack --out "$tmp/full8" --quiet
expect_status "uninterrupted 8/7/1" 0
full8=$(executions "$tmp/full8/report.json")
verdict8=$(cat "$tmp/out")

run "$ldfi" explore $ack --out "$tmp/a" --quiet --max-runs 5
expect_status "max-runs 5" 3
grep -q '^inconclusive: max-runs 5 reached after 5 executions' "$tmp/out" ||
	fail "max-runs 5: $(cat "$tmp/out")"
[ "$(sql "$tmp/a/provenance.db" 'select count(*) from runs')" = 5 ] || fail "max-runs 5: runs"
run "$ldfi" explore $ack --out "$tmp/a" --quiet
expect_status "resume after max-runs" 0
[ "$(cat "$tmp/out")" = "$verdict8" ] || fail "resume after max-runs: $(cat "$tmp/out")"
[ "$(executions "$tmp/a/report.json")" = "$full8" ] ||
	fail "resume after max-runs: $(executions "$tmp/a/report.json") executions, uninterrupted $full8"
no_fault_set_twice "resume after max-runs" "$tmp/a/provenance.db"
same_faults "resume after max-runs" "$tmp/full8/provenance.db" "$tmp/a/provenance.db"

# Running a finished exploration again redoes nothing.
run "$ldfi" explore $ack --out "$tmp/a" --quiet
expect_status "finished, again" 0
[ "$(sql "$tmp/a/provenance.db" 'select count(*) from runs')" = "$full8" ] ||
	fail "finished, again: new runs were executed"
[ "$(executions "$tmp/a/report.json")" = "$full8" ] || fail "finished, again: executions"

# (b) and (c) on ack-deliv 10/9/1, which takes about a second.
B="--eot 10 --eff 9 --crashes 1"
run "$ldfi" explore $ack $B --out "$tmp/full10" --quiet
expect_status "uninterrupted 10/9/1" 0
full10=$(executions "$tmp/full10/report.json")
verdict10=$(cat "$tmp/out")

# (b) kill -9 once some runs are in, then resume.
"$ldfi" explore $ack $B --out "$tmp/b" --quiet >"$tmp/out" 2>"$tmp/err" &
pid=$!
if wait_runs "$tmp/b/provenance.db" 20 $pid; then
	kill -9 $pid
	if wait $pid; then st=0; else st=$?; fi
	[ "$st" -eq 137 ] || fail "kill -9: exit $st (did it finish first?)"
	[ ! -s "$tmp/out" ] || fail "kill -9: it printed a verdict: $(cat "$tmp/out")"
	# Check a copy, so that the resume below starts from the files exactly
	# as the killed process left them (WAL included).
	mkdir "$tmp/b-copy"
	cp "$tmp/b/"provenance.db* "$tmp/b-copy/"
	[ "$(sql "$tmp/b-copy/provenance.db" 'pragma integrity_check')" = ok ] ||
		fail "kill -9: integrity_check after the kill"
	killed=$(sql "$tmp/b-copy/provenance.db" 'select count(*) from runs')
	[ "$killed" -ge 20 ] && [ "$killed" -lt "$full10" ] ||
		fail "kill -9: $killed runs recorded at the kill"
	run "$ldfi" explore $ack $B --out "$tmp/b" --quiet
	expect_status "resume after kill -9" 0
	[ "$(cat "$tmp/out")" = "$verdict10" ] || fail "resume after kill -9: $(cat "$tmp/out")"
	[ "$(executions "$tmp/b/report.json")" = "$full10" ] ||
		fail "resume after kill -9: $(executions "$tmp/b/report.json") executions, uninterrupted $full10"
	no_fault_set_twice "resume after kill -9" "$tmp/b/provenance.db"
	same_faults "resume after kill -9" "$tmp/full10/provenance.db" "$tmp/b/provenance.db"
	[ "$(sql "$tmp/b/provenance.db" 'pragma integrity_check')" = ok ] ||
		fail "resume after kill -9: integrity_check"
else
	wait $pid || true
	fail "kill -9: the explore ended before 20 runs were recorded"
fi

# (c) SIGINT: exit 3 with `inconclusive: interrupted ...`, then resume.
"$ldfi" explore $ack $B --out "$tmp/c" --quiet >"$tmp/out" 2>"$tmp/err" &
pid=$!
if wait_runs "$tmp/c/provenance.db" 20 $pid; then
	kill -INT $pid
	if wait $pid; then st=0; else st=$?; fi
	expect_status SIGINT 3
	grep -q '^inconclusive: interrupted after [0-9]* executions' "$tmp/out" ||
		fail "SIGINT: verdict line: $(cat "$tmp/out")"
	[ "$(json_str "$tmp/c/report.json" verdict)" = inconclusive ] || fail "SIGINT: report.json"
	run "$ldfi" explore $ack $B --out "$tmp/c" --quiet
	expect_status "resume after SIGINT" 0
	[ "$(cat "$tmp/out")" = "$verdict10" ] || fail "resume after SIGINT: $(cat "$tmp/out")"
	[ "$(executions "$tmp/c/report.json")" = "$full10" ] ||
		fail "resume after SIGINT: $(executions "$tmp/c/report.json") executions, uninterrupted $full10"
	no_fault_set_twice "resume after SIGINT" "$tmp/c/provenance.db"
	same_faults "resume after SIGINT" "$tmp/full10/provenance.db" "$tmp/c/provenance.db"
else
	wait $pid || true
	fail "SIGINT: the explore ended before 20 runs were recorded"
fi

# A counterexample that is the fault-free run itself is found again on
# resume (it read back as certified once).
cat >"$tmp/ff.conf" <<'EOC'
[explore]
eot = 1
eff = 1
crashes = 0
[source s]
node = a
records = 1
at = 1
to = k
delivery = once
[sink k]
nodes = b
[check d]
kind = delivered
sink = k
EOC
run "$ldfi" explore "$tmp/ff.conf" --out "$tmp/ff" --quiet
expect_status "fault-free counterexample" 1
run "$ldfi" explore "$tmp/ff.conf" --out "$tmp/ff" --quiet
expect_status "fault-free counterexample, resumed" 1
[ "$(cat "$tmp/out")" = "counterexample found" ] || fail "resumed: $(cat "$tmp/out")"

finish
