#!/bin/bash
# budgets.sh LDFI [paxos] - budgets and signals are honoured inside every
# long phase (docs/explore.md "Budgets"), not only between two executions:
# (a) one large execution, (b) reading it back and learning its lineage
# on resume, and with the argument `paxos` (plain build only: its set-up takes
# 900+ executions) (c) a resume of paxos-synod 8/3/1 stopped with
# --max-runs 938, whose reading back and exhaustive completion's same-run
# skipping took 66-136 s before a --time-limit 5 was looked at, and ignored
# Ctrl-C as long. Each stop is inconclusive (exit 3), says which budget and
# in which phase, leaves a database that resumes, and is prompt: the time
# bounds below are many times what it takes on a loaded machine, and far
# below what the phase takes unstopped. Runs from the source root.
set -u
ldfi=$1
what=${2:-}
. "$(dirname "$0")/lib.sh"

# elapsed_run LIMIT CMD...: run CMD (stdout, stderr as run() does) and set
# $secs to its wall time in whole seconds; CMD is killed after LIMIT s.
elapsed_run() {
	lim=$1
	shift
	t0=$(date +%s)
	if timeout -s KILL "$lim" "$@" >"$tmp/out" 2>"$tmp/err"; then st=0; else st=$?; fi
	secs=$(($(date +%s) - t0))
}

# A source of 300,000 records sent once to three replicas: a fault-free
# run of about 900,000 messages, under the memory limit, that takes tens of
# seconds to execute, record and learn from (minutes under ASan).
big=$tmp/big.conf
cat >"$big" <<'CONF'
[explore]
eot = 4
eff = 2
crashes = 1

[source src]
node = n1
records = 300000
at = 1
to = log
delivery = once

[sink log]
nodes = n1, n2, n3

[check agree]
kind = agreement
sink = log
CONF

if [ "$what" != paxos ]; then
	# (a) --time-limit 1 stops the fault-free run itself (it was checked only
	# once the run was executed, recorded and learned from).
	for engine in sim live; do
		rm -rf "$tmp/a"
		elapsed_run 600 "$ldfi" explore "$big" --engine $engine --out "$tmp/a" --time-limit 1
		expect_status "time limit 1 in one execution ($engine)" 3
		grep -q '^inconclusive: time limit 1 s reached after 0 executions (the fault-free run was not finished)$' \
			"$tmp/out" || fail "time limit 1 ($engine): $(head -1 "$tmp/out")"
		grep -q '^hypotheses: 0 tried, 0 pruned, 0 pending$' "$tmp/out" ||
			fail "time limit 1 ($engine): $(sed -n 3p "$tmp/out")"
		[ "$secs" -lt 60 ] || fail "time limit 1 ($engine): took $secs s"
		[ "$(sql "$tmp/a/provenance.db" 'select count(*) from runs')" = 0 ] ||
			fail "time limit 1 ($engine): a run stopped midway was recorded"
	done

	# SIGINT during the fault-free run: interrupted at once, nothing recorded.
	rm -rf "$tmp/a"
	"$ldfi" explore "$big" --out "$tmp/a" >"$tmp/out" 2>"$tmp/err" &
	pid=$!
	i=0
	while [ ! -e "$tmp/a/provenance.db" ] && [ $i -lt 3000 ]; do
		sleep 0.02
		i=$((i + 1))
	done
	sleep 1
	t0=$(date +%s)
	kill -INT $pid
	if wait $pid; then st=0; else st=$?; fi
	secs=$(($(date +%s) - t0))
	expect_status "SIGINT in one execution" 3
	grep -q '^inconclusive: interrupted after 0 executions (the fault-free run was not finished) (run the same command to resume)$' \
		"$tmp/out" || fail "SIGINT in one execution: $(head -1 "$tmp/out")"
	[ "$secs" -lt 60 ] || fail "SIGINT in one execution: took $secs s to stop"

	# (b) The fault-free run recorded (--max-runs 1), then a resume with
	# --time-limit 1: reading the run back and deriving its lineage take
	# seconds, and the limit stops them (it was looked at only afterwards:
	# "reached after 1 execution"). The database keeps the run, and a
	# resume without the limit reads it back whole.
	rm -rf "$tmp/b"
	elapsed_run 1800 "$ldfi" explore "$big" --out "$tmp/b" --max-runs 1 --quiet
	expect_status "max-runs 1" 3
	elapsed_run 1800 "$ldfi" explore "$big" --out "$tmp/b" --time-limit 1 --quiet
	expect_status "resume, time limit 1" 3
	grep -q '^inconclusive: time limit 1 s reached while reading back the 1 recorded executions (0 read); run the same command to resume$' \
		"$tmp/out" || fail "resume, time limit 1: $(cat "$tmp/out")"
	[ "$(sql "$tmp/b/provenance.db" 'select count(*) from runs')" = 1 ] ||
		fail "resume, time limit 1: runs"
	[ "$(sql "$tmp/b/provenance.db" "select value from explore where key = 'executions'")" = 1 ] ||
		fail "resume, time limit 1: the executions saved"
	elapsed_run 1800 "$ldfi" explore "$big" --out "$tmp/b" --max-runs 1 --quiet
	expect_status "resume, max-runs 1" 3
	grep -q '^inconclusive: max-runs 1 reached after 1 execution; ' "$tmp/out" ||
		fail "resume, max-runs 1: $(cat "$tmp/out")"
	finish
	exit 0
fi

# (c) paxos-synod 8/3/1 stopped after 938 executions (the uninterrupted
# exploration needs 939), resumed with --time-limit 5.
paxos="scenarios/protocols/paxos-synod/paxos-synod.conf --eot 8 --eff 3 --crashes 1"
run "$ldfi" explore $paxos --out "$tmp/p" --max-runs 938 --quiet
expect_status "paxos-synod max-runs 938" 3
cp -r "$tmp/p" "$tmp/p2"
elapsed_run 600 "$ldfi" explore $paxos --out "$tmp/p" --time-limit 5
expect_status "paxos-synod resumed, time limit 5" 3
grep -q '^inconclusive: time limit 5 s reached after 93[89] executions' "$tmp/out" ||
	fail "paxos-synod resumed, time limit 5: $(head -1 "$tmp/out")"
[ "$secs" -lt 40 ] || fail "paxos-synod resumed, time limit 5: took $secs s"

# The same resume, interrupted by SIGINT after 2 s (it was ignored ~98 s).
"$ldfi" explore $paxos --out "$tmp/p2" >"$tmp/out" 2>"$tmp/err" &
pid=$!
sleep 2
t0=$(date +%s)
kill -INT $pid
if wait $pid; then st=0; else st=$?; fi
secs=$(($(date +%s) - t0))
expect_status "paxos-synod resumed, SIGINT" 3
grep -q '^inconclusive: interrupted' "$tmp/out" ||
	fail "paxos-synod resumed, SIGINT: $(head -1 "$tmp/out")"
[ "$secs" -lt 30 ] || fail "paxos-synod resumed, SIGINT: took $secs s to stop"
[ "$(sql "$tmp/p2/provenance.db" 'select count(*) from runs')" -le 939 ] ||
	fail "paxos-synod resumed, SIGINT: runs"
finish
