#!/bin/sh
# restarts.sh LDFI - explore with restart faults (docs/explore.md): the
# exhaustive and random strategies find the duplicate a relay's lost dedup
# memory causes (restart(b,4): down in 4, it forwards the copy of round 5
# again); a durable relay is certified; --restarts/--downtime on the command
# line; the report and the replay command carry the restart bounds; an
# interrupted explore resumes. Run from the source root.
set -eu
ldfi=$1
. "$(dirname "$0")/lib.sh"
conf=tests/explore/data/restart-dedup.conf

run "$ldfi" explore $conf --strategy exhaustive --out "$tmp/ex" --json "$tmp/ex.json"
expect_status "exhaustive" 1
grep -qx 'faults: restart(b,4)' "$tmp/out" || fail "exhaustive: not restart(b,4): $(grep faults: "$tmp/out")"
grep -q 'eot=6 eff=0 crashes=0 restarts=1 downtime=1' "$tmp/out" ||
	fail "exhaustive: bounds not in the report"
grep -q '"restarts": 1' "$tmp/ex.json" && grep -q '"downtime": 1' "$tmp/ex.json" ||
	fail "exhaustive: bounds.restarts/downtime not in the JSON report"
grep -q -- '--restarts 1 --downtime 1' "$tmp/out" || fail "exhaustive: replay command without the restart bounds"
# The fault-free run, then one restart per node in round 5 (latest first,
# docs/lineage.md), then restart(a,4) and restart(b,4).
[ "$(executions "$tmp/ex.json")" = 6 ] || fail "exhaustive: $(executions "$tmp/ex.json") executions, expected 6"
[ "$(sql "$tmp/ex/provenance.db" "select count(*) from down_periods")" -ge 5 ] ||
	fail "exhaustive: down periods not recorded"
run "$ldfi" replay "$tmp/ex.json"
expect_status "replay" 1
grep -q 'restarts=1 downtime=1' "$tmp/out" || fail "replay: bounds: $(first_line "$tmp/out")"

run "$ldfi" explore $conf --strategy random --seed 3 --out "$tmp/rnd"
expect_status "random" 1

# Durable dedup memory: nothing to find.
sed 's/^dedup = yes$/dedup = yes\ndurable = yes/' $conf >"$tmp/durable.conf"
run "$ldfi" explore "$tmp/durable.conf" --strategy exhaustive --out "$tmp/dur"
expect_status "durable" 0
[ "$(first_line "$tmp/out")" = "certified: no counterexample within eot=6 eff=0 crashes=0 restarts=1 downtime=1" ] ||
	fail "durable: $(first_line "$tmp/out")"

# The restart bounds on the command line; the space grows with downtime.
run "$ldfi" explore "$tmp/durable.conf" --strategy exhaustive --restarts 2 --downtime 2 --out "$tmp/r2"
expect_status "--restarts 2 --downtime 2" 0
grep -q 'restarts=2 downtime=2' "$tmp/out" || fail "--restarts: $(first_line "$tmp/out")"
run "$ldfi" explore "$tmp/durable.conf" --restarts 4
expect_status "--restarts 4" 2
grep -q 'restarts 4 exceeds the number of nodes (3)' "$tmp/err" || fail "--restarts 4: $(cat "$tmp/err")"

# Strategy ldfi finds it too, from the lineage of the good runs.
run "$ldfi" explore $conf --out "$tmp/ldfi"
expect_status "ldfi" 1
grep -qx 'faults: restart(b,4)' "$tmp/out" || fail "ldfi: not restart(b,4): $(grep faults: "$tmp/out")"
run "$ldfi" explore "$tmp/durable.conf" --out "$tmp/ldfi-dur"
expect_status "ldfi durable" 0

# Resume after --max-runs: the same runs, then the rest.
run "$ldfi" explore "$tmp/durable.conf" --strategy exhaustive --out "$tmp/res" --max-runs 4
expect_status "max-runs" 3
run "$ldfi" explore "$tmp/durable.conf" --strategy exhaustive --out "$tmp/res"
expect_status "resumed" 0
[ "$(sql "$tmp/res/provenance.db" "select count(*) from runs")" = \
	"$(sql "$tmp/dur/provenance.db" "select count(*) from runs")" ] ||
	fail "resume: not the same number of runs"
[ "$(sql "$tmp/res/provenance.db" "select count(distinct faults) from runs")" = \
	"$(sql "$tmp/res/provenance.db" "select count(*) from runs")" ] || fail "resume: a set ran twice"

[ "$fails" -eq 0 ]
