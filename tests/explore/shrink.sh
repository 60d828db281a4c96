#!/bin/sh
# shrink.sh LDFI - a counterexample is minimal: explore shrinks one that
# its strategy does not make minimal by construction (here random, which
# first fails on a superset of the lost ack) by running its untried proper
# subsets, and reports the smallest failing one; exhaustive search (smallest
# first) needs no extra run. Run from the source root.
set -eu
ldfi=$1
. "$(dirname "$0")/lib.sh"
conf=tests/explore/data/lost-ack.conf

# Seed 1 fails first on four faults (at execution 4).
run "$ldfi" explore $conf --strategy random --seed 1 --out "$tmp/r" --json "$tmp/r.json"
expect_status "random" 1
grep -qx 'faults: omit(b,a,2)' "$tmp/out" || fail "random: not shrunk: $(grep '^faults:' "$tmp/out")"
failing=$(sql "$tmp/r/provenance.db" "select group_concat(faults, ' | ') from runs where passed = 0")
[ "$failing" = "omit(a,b,2) omit(a,b,3) omit(b,a,1) omit(b,a,2) | omit(b,a,2)" ] ||
	fail "random: failing runs: $failing"
# The runs after the first failure: its subsets of one fault, smallest
# first, until omit(b,a,2) fails.
after=$(sql "$tmp/r/provenance.db" "select group_concat(faults, ' | ') from runs where id > 4")
[ "$after" = "omit(a,b,2) | omit(a,b,3) | omit(b,a,1) | omit(b,a,2)" ] ||
	fail "random: runs after the failure: $after"
grep -q '"executions": 8,' "$tmp/r.json" || fail "random: executions $(executions "$tmp/r.json")"
# The reported set replays as a failure and its one proper subset passes.
run "$ldfi" run $conf --faults 'omit(b,a,2)'
expect_status "replay" 1
run "$ldfi" run $conf --faults none
expect_status "fault-free" 0

# Smallest first: the counterexample is the only failing run.
run "$ldfi" explore $conf --strategy exhaustive --out "$tmp/e"
expect_status "exhaustive" 1
[ "$(sql "$tmp/e/provenance.db" "select count(*) from runs where passed = 0")" = 1 ] ||
	fail "exhaustive: more than one failing run"

# --all reports every counterexample found, unshrunk: the run after the
# first failure is the random strategy's next set, not a subset.
run "$ldfi" explore $conf --strategy random --seed 1 --all --max-runs 5 --out "$tmp/a"
expect_status "--all" 3
[ "$(sql "$tmp/a/provenance.db" "select group_concat(faults, ' | ') from runs where id > 4")" = "omit(b,a,2) omit(b,a,3)" ] ||
	fail "--all: shrunk"
finish
