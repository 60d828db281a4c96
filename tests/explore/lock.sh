#!/bin/sh
# lock.sh LDFI - one process owns an --out at a time (docs/explore.md): of
# two explores started together on one --out, one runs and the other is
# refused at once (exit 4, "in use by another ldfi process"), so no fault set
# is recorded twice; `--fresh` beside a running explore deletes nothing; once
# the owner has stopped, the --out is free again. The explore used runs
# until it is interrupted (exhaustive search of a large space), so that the
# test does not depend on how fast the machine is. Run from the source root.
set -eu
ldfi=$1
. "$(dirname "$0")/lib.sh"
ack=scenarios/delivery/ack-deliv.conf
LONG="--strategy exhaustive --eot 12 --eff 11 --crashes 2"

# stop PID NAME: SIGINT, then its status must be 3 (inconclusive, saved).
stop() {
	kill -INT "$1" 2>/dev/null || true
	if wait "$1"; then st=0; else st=$?; fi
	[ "$st" -eq 3 ] || fail "$2: exit $st after SIGINT, expected 3"
}

# 1. Two explores started together on one --out.
"$ldfi" explore $ack $LONG --out "$tmp/two" --quiet >"$tmp/out1" 2>"$tmp/err1" &
p1=$!
"$ldfi" explore $ack $LONG --out "$tmp/two" --quiet >"$tmp/out2" 2>"$tmp/err2" &
p2=$!
# The loser ends at once; the winner runs until interrupted.
i=0
while kill -0 $p1 2>/dev/null && kill -0 $p2 2>/dev/null && [ $i -lt 1500 ]; do
	sleep 0.02
	i=$((i + 1))
done
if kill -0 $p1 2>/dev/null && kill -0 $p2 2>/dev/null; then
	fail "two explores on one --out both run"
	kill -9 $p1 $p2
	wait $p1 $p2 || true
	finish
fi
if kill -0 $p1 2>/dev/null; then win=$p1 lose=$p2 n=2; else win=$p2 lose=$p1 n=1; fi
if wait $lose; then st=0; else st=$?; fi
[ "$st" -eq 4 ] || fail "second explore: exit $st, expected 4 ($(cat "$tmp/err$n"))"
grep -q "is in use by another ldfi process (pid $win)" "$tmp/err$n" ||
	fail "second explore: message: $(cat "$tmp/err$n")"
[ ! -s "$tmp/out$n" ] || fail "second explore: printed a verdict: $(cat "$tmp/out$n")"
wait_runs "$tmp/two/provenance.db" 30 $win || fail "the first explore records no run"
stop $win "first explore"
no_fault_set_twice "two explores" "$tmp/two/provenance.db"
[ "$(sql "$tmp/two/provenance.db" 'select count(distinct strategy) from runs')" = 1 ] ||
	fail "two explores: runs of two explorations"

# 2. --fresh beside a running explore: refused, nothing deleted.
"$ldfi" explore $ack $LONG --out "$tmp/fresh" --quiet >"$tmp/out1" 2>"$tmp/err1" &
p1=$!
wait_runs "$tmp/fresh/provenance.db" 30 $p1 || fail "the explore records no run"
run "$ldfi" explore $ack $LONG --out "$tmp/fresh" --quiet --fresh
expect_status "--fresh beside a running explore" 4
grep -q "is in use by another ldfi process (pid $p1)" "$tmp/err" ||
	fail "--fresh beside a running explore: message: $(cat "$tmp/err")"
[ -s "$tmp/fresh/provenance.db" ] || fail "--fresh beside a running explore: database deleted"
kill -0 $p1 2>/dev/null || fail "--fresh beside a running explore: the explore ended"
stop $p1 "explore beside --fresh"
n=$(sql "$tmp/fresh/provenance.db" 'select count(*) from runs')
[ "$n" -ge 30 ] || fail "explore beside --fresh: $n runs left"
[ "$(sql "$tmp/fresh/provenance.db" 'pragma integrity_check')" = ok ] ||
	fail "explore beside --fresh: integrity_check"
no_fault_set_twice "explore beside --fresh" "$tmp/fresh/provenance.db"

# 3. Free again once the owner has stopped (the lock file stays).
run "$ldfi" explore $ack $LONG --out "$tmp/fresh" --quiet --max-runs $((n + 5))
expect_status "resume once the owner stopped" 3
[ "$(sql "$tmp/fresh/provenance.db" 'select count(*) from runs')" = $((n + 5)) ] ||
	fail "resume once the owner stopped: runs"
run "$ldfi" explore $ack $LONG --out "$tmp/fresh" --quiet --fresh --max-runs 3
expect_status "--fresh once the owner stopped" 3
[ "$(sql "$tmp/fresh/provenance.db" 'select count(*) from runs')" = 3 ] ||
	fail "--fresh once the owner stopped: runs"

finish
