#!/bin/sh
# lost-ack.sh LDFI - lineage-driven search finds the duplicate a lost ack
# causes (ack delivery, a sink without dedup, an exactly-once check), and
# certifies the same pipeline with dedup at the sink. Run from the source
# root; the confs are in tests/explore/data/.
set -eu
ldfi=$1
. "$(dirname "$0")/lib.sh"
data=tests/explore/data

run "$ldfi" explore $data/lost-ack.conf --strategy ldfi --out "$tmp/dup" --json "$tmp/dup.json"
expect_status "lost ack" 1
[ "$(first_line "$tmp/out")" = "counterexample found" ] || fail "lost ack: $(first_line "$tmp/out")"
grep -qx 'faults: omit(b,a,2)' "$tmp/out" || fail "lost ack: not the lost ack of round 2"
grep -qx 'FAIL once (exactly-once on k)' "$tmp/out" || fail "lost ack: no FAIL line"
grep -qx '    s:1 held 2 times at k@b' "$tmp/out" || fail "lost ack: no duplicate"
grep -q '"problem": "duplicated"' "$tmp/dup.json" || fail "lost ack: --json problem"
# The fault-free run passed: the duplicate comes from the lost ack.
[ "$(sql "$tmp/dup/provenance.db" "select passed from runs where faults = 'none'")" = 1 ] ||
	fail "lost ack: the fault-free run failed"
[ "$(sql "$tmp/dup/provenance.db" "select count(*) from runs where strategy <> 'ldfi'")" = 0 ] ||
	fail "lost ack: runs of another strategy"
# The counterexample run: the ack of round 2 omitted, a second data message
# in round 3.
cex=$(sql "$tmp/dup/provenance.db" "select id from runs where faults = 'omit(b,a,2)'")
[ "$(sql "$tmp/dup/provenance.db" "select group_concat(kind || '@' || send_round || ':' || fate, ' ') from (select * from messages where run = $cex order by id)")" = \
	"data@1:delivered ack@2:omitted data@3:delivered ack@4:delivered" ] ||
	fail "lost ack: messages of the counterexample run"

run "$ldfi" explore $data/lost-ack-dedup.conf --strategy ldfi --out "$tmp/dedup"
expect_status "lost ack, dedup" 0
[ "$(first_line "$tmp/out")" = "certified: no counterexample within eot=6 eff=4 crashes=0" ] ||
	fail "lost ack, dedup: $(first_line "$tmp/out")"

# retry_every = 1: the sender resends in round 2, before any ack can arrive
# (docs/semantics.md): the fault-free run itself holds a duplicate, and it
# is the counterexample, at execution 1.
sed 's/^retry_every = 2$/retry_every = 1/' $data/lost-ack.conf >"$tmp/retry1.conf"
run "$ldfi" explore "$tmp/retry1.conf" --out "$tmp/retry1"
expect_status "retry_every 1" 1
grep -qx 'faults: none' "$tmp/out" || fail "retry_every 1: not the fault-free run"
grep -qx 'counterexample (execution 1):' "$tmp/out" || fail "retry_every 1: not execution 1"
grep -qx '    s:1 held 2 times at k@b' "$tmp/out" || fail "retry_every 1: no duplicate"

finish
