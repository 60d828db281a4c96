#!/bin/sh
# verdicts.sh LDFI [ROWS] - `ldfi explore --engine live` against `--engine
# sim` on the delivery family and the crash-recovery scenarios: for every
# row of tests/scenarios/verdicts.txt about scenarios/delivery/,
# scenarios/stream/wallaroo-restart/ and dedup-restart/ (restart faults:
# every node process a restart kills comes back as a new process that reads
# its journal), and the orders pipeline of Python process stages under
# restarts (scenarios/process/orders/restart.conf and restart-volatile.conf:
# a restarted node's stage process comes back as a fresh process given the
# durable state from the journal) that matches the extended regular
# expression ROWS (default:
# all), both engines must give the same exit status, the same verdict line,
# the same counterexample, and the same exploration database (every run
# with its messages, parents, outputs and checks, the hypotheses, the
# explorer's state; runs.wall_us and explore.wall_s aside). Run from the
# source root.
set -eu
. "$(dirname "$0")/lib.sh"
direct_python
ldfi=$1
rows=${2:-.}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ldfi-live-verdicts.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0

fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

# dump DB: the run tables (lib.sh), the hypotheses and the explorer's state.
dump_explore() {
	dump "$1" "SELECT * FROM hypotheses ORDER BY id;
		SELECT * FROM explore WHERE key <> 'wall_s' ORDER BY key;"
}

grep -e '^scenarios/delivery/' -e '^scenarios/stream/wallaroo-restart/' \
	-e '^scenarios/stream/dedup-restart/' -e '^scenarios/process/orders/restart\.conf' \
	-e '^scenarios/process/orders/restart-volatile\.conf' tests/scenarios/verdicts.txt |
	grep -E "$rows" | while read -r conf eot eff crashes expected max; do
	for e in sim live; do
		rm -rf "$tmp/$e"
		if "$ldfi" explore "$conf" --eot "$eot" --eff "$eff" --crashes "$crashes" \
			--engine "$e" --out "$tmp/$e" --quiet >"$tmp/$e.out" 2>"$tmp/$e.err"; then
			echo 0 >"$tmp/$e.status"
		else
			echo $? >"$tmp/$e.status"
		fi
	done
	what="$conf $eot/$eff/$crashes"
	s=$(cat "$tmp/sim.status") l=$(cat "$tmp/live.status")
	[ "$s" -le 1 ] || fail "$what: sim exit $s: $(head -c 300 "$tmp/sim.err")"
	[ "$l" -eq "$s" ] || fail "$what: live exit $l, sim $s: $(head -c 300 "$tmp/live.err")"
	cmp -s "$tmp/sim.out" "$tmp/live.out" ||
		fail "$what: live says '$(cat "$tmp/live.out")', sim '$(cat "$tmp/sim.out")'"
	if [ "$l" -le 1 ]; then
		dump_explore "$tmp/sim/provenance.db" >"$tmp/sim.dump"
		dump_explore "$tmp/live/provenance.db" >"$tmp/live.dump"
		if ! cmp -s "$tmp/sim.dump" "$tmp/live.dump"; then
			fail "$what: the explorations differ:"
			diff "$tmp/sim.dump" "$tmp/live.dump" | head -20 >&2
		fi
	fi
	n=$(sqlite3 "$tmp/live/provenance.db" "SELECT value FROM explore WHERE key = 'executions'" \
		2>/dev/null || echo "?")
	cex=$(sqlite3 "$tmp/live/provenance.db" \
		"SELECT faults FROM runs WHERE passed = 0 ORDER BY id LIMIT 1" 2>/dev/null || true)
	echo "$what: live: $(cat "$tmp/live.out") ($n executions${cex:+, $cex}; expected $expected)"
	case "$expected:$l" in
	certified:0 | counterexample:1) ;;
	*) fail "$what: expected $expected, live exit $l" ;;
	esac
	echo "$fails" >"$tmp/fails"
done
fails=$(cat "$tmp/fails" 2>/dev/null || echo 1)
[ "$fails" -eq 0 ]
