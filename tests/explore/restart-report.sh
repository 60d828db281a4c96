#!/bin/sh
# restart-report.sh LDFI - how reports show restarts (docs/reports.md,
# docs/html-report.md): the text diagram's down and recovery cells and the
# messages lost to a down receiver, the why-not sentence naming the down
# node or the memory a restart emptied, the JSON down_periods, the HTML
# down band. Run from the source root.
set -eu
ldfi=$1
. "$(dirname "$0")/lib.sh"

# classic-deliv with restarts: a down in rounds 2-3, up in 4.
run "$ldfi" explore scenarios/delivery/classic-deliv.conf --eot 6 --eff 2 --restarts 1 --downtime 2 \
	--out "$tmp/c" --json "$tmp/c.json" --html "$tmp/c.html"
expect_status "classic" 1
grep -qx 'faults: restart(a,2)' "$tmp/out" || fail "classic: $(grep faults: "$tmp/out")"
grep -q '^      2 | ~~ down ~~ ' "$tmp/out" || fail "classic: no down cell in round 2"
grep -q '^      3 | ~~ down ~~ ' "$tmp/out" || fail "classic: no down cell in round 3"
grep -q '^      4 | \^ up (restart(a,2)) ' "$tmp/out" || fail "classic: no recovery cell in round 4"
grep -q '|[^|]*->a bcast:1 X restart(a,2)' "$tmp/out" || fail "classic: no message lost to the down node"
grep -q 'were lost (a was down: restart(a,2))' "$tmp/out" || fail "classic: why-not: $(grep 'why not' "$tmp/out")"
python3 - "$tmp/c.json" <<'PY' || fail "classic: JSON down_periods"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["counterexample"]["down_periods"] == [{"node": "a", "from": 2, "to": 3, "fault": "restart(a,2)"}], d["counterexample"].get("down_periods")
PY
grep -q '<g class="down" data-from="2" data-to="3" data-node="a" data-fault="restart(a,2)">' \
	"$tmp/c.html/index.html" || fail "classic: no down band in the HTML"
grep -q 'data-fate="down"' "$tmp/c.html/index.html" || fail "classic: no message of fate down in the HTML"

# A volatile worker down when its window closes.
run "$ldfi" explore scenarios/stream/wallaroo-restart/volatile-worker.conf --out "$tmp/v" \
	--junit "$tmp/v.xml"
expect_status "volatile-worker" 1
grep -q '^down: w in rounds 6-7 (restart(w,6))$' "$tmp/v.xml" ||
	fail "volatile-worker: JUnit without the down period: $(cat "$tmp/v.xml")"
grep -qx 'faults: restart(w,6)' "$tmp/out" || fail "volatile-worker: $(grep faults: "$tmp/out")"
grep -q 'w->out@6 was lost (w was down: restart(w,6))' "$tmp/out" ||
	fail "volatile-worker: why-not: $(grep 'why not' "$tmp/out")"

# A duplicate made by a recovery resend: the ack came while w was down.
run "$ldfi" explore scenarios/stream/wallaroo-restart/no-sink-dedup.conf --out "$tmp/d"
expect_status "no-sink-dedup" 1
grep -q 'so its sender sent it again (the ack came while w was down: restart(w,7))' "$tmp/out" ||
	fail "no-sink-dedup: why: $(grep 'why:' "$tmp/out")"

# A volatile relay acks on receipt, its forward is lost, and a restart
# empties its pending resend: the restart cut no message, and the why-not
# says what it lost instead.
cat >"$tmp/relay.conf" <<'EOF'
[explore]
eot = 8
eff = 3
restarts = 1
downtime = 1

[source orders]
node = src
records = o1
to = enrich
delivery = ack
retry_every = 2
durable = yes

[stage enrich]
kind = relay
nodes = w
to = store
delivery = ack
retry_every = 2
dedup = yes

[sink store]
nodes = db
dedup = yes

[check once]
kind = exactly-once
sink = store
EOF
run "$ldfi" explore "$tmp/relay.conf" --out "$tmp/r"
expect_status "volatile relay" 1
grep -qx 'faults: omit(w,db,2) restart(w,4)' "$tmp/out" || fail "volatile relay: $(grep faults: "$tmp/out")"
grep -q 'also restart(w,4): w was down in round 4 and came back in round 5 with only its durable state' "$tmp/out" ||
	fail "volatile relay: why-not: $(grep 'why not' "$tmp/out")"

# Without restarts in the conf: no down_periods key.
run "$ldfi" explore scenarios/delivery/simple-deliv.conf --eot 6 --eff 2 --out "$tmp/n" --json "$tmp/n.json"
expect_status "no restarts" 1
! grep -q down_periods "$tmp/n.json" || fail "no restarts: down_periods in the JSON"
finish
