#!/bin/sh
# same-run.sh LDFI - strategy ldfi runs no fault set whose run it already
# has. A crash moved to an earlier round over which its node did nothing
# runs exactly as the set it was moved from (docs/lineage.md, Conditional
# supports): such a candidate is settled without a run, counted as pruned,
# not as tried. On a generated pipeline (ack hops, replicas, a crash
# allowed), where those were a seventh of the executions: no two recorded
# runs are the same execution, the figures add up, and an explore stopped
# by --max-runs and resumed ends with the same runs as one that was not.
# Run from the source root.
set -eu
ldfi=$1
. "$(dirname "$0")/lib.sh"

tests/bench/scale/gen.sh 2 2 3 8 4 1 >"$tmp/p.conf"

# The execution of each run of DB: its messages and outputs, one line each
# (empty for a run that sent and stored nothing).
executions_of() {
	sql "$1" "select coalesce((select group_concat(m, ' ') from (
	    select 0 as k, id as i, src_node || '>' || dst_node || '@' || send_round || ':' ||
	        kind || ':' || fate || ':' || coalesce(record, '') as m from messages where run = r.id
	    union all
	    select 1, pos, sink || '@' || node || ':' || pos || ':' || record || ':' || round ||
	        ':' || alive from outputs where run = r.id
	    order by k, i)), '-') from runs r"
}

run "$ldfi" explore "$tmp/p.conf" --out "$tmp/a" --json "$tmp/a.json" --jobs 1
expect_status "explore" 1
db=$tmp/a/provenance.db
total=$(sql "$db" 'select count(*) from runs')
distinct=$(executions_of "$db" | LC_ALL=C sort -u | wc -l)
[ "$total" -gt 20 ] || fail "only $total runs"
[ "$distinct" -eq "$total" ] || fail "$total runs but $distinct distinct executions"
no_fault_set_twice "explore" "$db"
# Settled sets are pruned hypotheses, not tried ones: tried is every run but
# the fault-free one, and some were settled.
tried=$(sed -n 's/^    "tried": \([0-9]*\),$/\1/p' "$tmp/a.json")
pruned=$(sed -n 's/^    "pruned": \([0-9]*\),$/\1/p' "$tmp/a.json")
[ "$tried" = $((total - 1)) ] || fail "tried $tried, runs $total"
[ "${pruned:-0}" -gt 0 ] || fail "nothing pruned"
[ "$(executions "$tmp/a.json")" = "$total" ] || fail "executions $(executions "$tmp/a.json"), runs $total"

# Stopped half-way and resumed: the same runs, the same counterexample.
half=$((total / 2))
run "$ldfi" explore "$tmp/p.conf" --out "$tmp/b" --jobs 2 --max-runs $half
expect_status "stopped" 3
run "$ldfi" explore "$tmp/p.conf" --out "$tmp/b" --jobs 2 --json "$tmp/b.json"
expect_status "resumed" 1
[ "$(sql "$tmp/b/provenance.db" 'select faults, passed from runs order by id')" = \
	"$(sql "$db" 'select faults, passed from runs order by id')" ] ||
	fail "resumed: not the same runs"
[ "$(json_str "$tmp/b.json" verdict)" = counterexample ] || fail "resumed: verdict"
[ "$(sed -n '/"counterexample": {/,/}/p' "$tmp/b.json" | grep '"faults"')" = \
	"$(sed -n '/"counterexample": {/,/}/p' "$tmp/a.json" | grep '"faults"')" ] ||
	fail "resumed: another counterexample"

finish
