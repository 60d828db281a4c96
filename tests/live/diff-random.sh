#!/bin/sh
# diff-random.sh LDFI CROSSCHECK FIRST COUNT [RUNS] - the live engine against
# the simulation on random pipelines with restart faults: for each seed in
# FIRST..FIRST+COUNT-1, the restart cross-check's pipeline (crosscheck
# --restarts --print SEED: durable and volatile sources, relays,
# window-counts and sinks, downtime 1..3), explored with the simulation;
# then the fault sets of up to RUNS (default 12) of those runs, the
# fault-free one first, evenly spread over the exploration, are run again by both engines, whose provenance
# databases must hold the same rows (as diff.sh compares them). Run from the
# source root.
set -eu
. "$(dirname "$0")/lib.sh"
ldfi=$1 crosscheck=$2 first=$3 count=$4 runs=${5:-12}
# Odd seeds take their fault sets from an exhaustive search (every single
# fault, then pairs: most of them restarts), even ones from LDFI's.
strategy=ldfi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ldfi-live-rdiff.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0 cases=0 restarts=0

seed=$first
while [ "$seed" -lt $((first + count)) ]; do
	conf=$tmp/p$seed.conf
	if [ $((seed % 2)) -eq 1 ]; then strategy=exhaustive; else strategy=ldfi; fi
	"$crosscheck" --restarts --print "$seed" >"$conf"
	rm -rf "$tmp/x"
	"$ldfi" explore "$conf" --strategy "$strategy" --all --max-runs 200 --out "$tmp/x" --quiet >/dev/null 2>&1 || true
	sqlite3 "$tmp/x/provenance.db" "SELECT faults FROM runs WHERE (id - 1) %
		(1 + (SELECT count(*) FROM runs) / $runs) = 0 ORDER BY id LIMIT $runs" \
		>"$tmp/faults" 2>/dev/null || echo "" >"$tmp/faults"
	while IFS= read -r faults; do
		[ -n "$faults" ] || faults=none
		cases=$((cases + 1))
		case $faults in *restart*) restarts=$((restarts + 1)) ;; esac
		rm -f "$tmp/sim.db" "$tmp/live.db"
		"$ldfi" run "$conf" --faults "$faults" --engine sim --db "$tmp/sim.db" \
			>"$tmp/sim.out" 2>&1 || true
		"$ldfi" run "$conf" --faults "$faults" --engine live --db "$tmp/live.db" \
			>"$tmp/live.out" 2>&1 || true
		dump "$tmp/sim.db" >"$tmp/sim.dump" 2>&1 || true
		dump "$tmp/live.db" >"$tmp/live.dump" 2>&1 || true
		if ! cmp -s "$tmp/sim.out" "$tmp/live.out" ||
			! cmp -s "$tmp/sim.dump" "$tmp/live.dump"; then
			echo "FAIL: seed $seed '$faults' (crosscheck --restarts --print $seed):" >&2
			diff "$tmp/sim.out" "$tmp/live.out" | head -5 >&2 || true
			diff "$tmp/sim.dump" "$tmp/live.dump" | head -10 >&2 || true
			fails=$((fails + 1))
		fi
	done <"$tmp/faults"
	seed=$((seed + 1))
done
echo "$cases fault sets ($restarts with restarts) over $count pipelines, $fails differ"
[ "$fails" -eq 0 ]
