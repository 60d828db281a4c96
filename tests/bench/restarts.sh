#!/bin/sh
# restarts.sh LDFI [SEEDS] [RANDOM_MAX_RUNS] [EXHAUSTIVE_MAX_RUNS] - the
# restart scenarios (issue 16) under the three strategies: executions and
# wall time of ldfi; of random, seeds 1..SEEDS (25), each with a budget of
# RANDOM_MAX_RUNS (2000) executions, the mean executions to a counterexample
# (over the seeds that found one) and how many found one; of exhaustive,
# with a budget of EXHAUSTIVE_MAX_RUNS (20000). Prints a Markdown table for
# docs/performance.md. Run from the source root with the protocol plugins
# on LDFI_PLUGIN_PATH (build/scenarios/protocols). Asserts nothing.
set -eu
ldfi=$1
seeds=${2:-25}
rmax=${3:-2000}
xmax=${4:-20000}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ldfi-bench-restarts.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# explore CONF ARGS...: "VERDICT EXECUTIONS WALL" of one exploration.
explore() {
	conf=$1
	shift
	rm -rf "$tmp/out"
	"$ldfi" explore "$conf" --out "$tmp/out" --quiet "$@" >/dev/null 2>&1 || true
	python3 - "$tmp/out/report.json" <<'PY'
import json, sys
try:
    r = json.load(open(sys.argv[1]))
except Exception:
    print("error 0 0"); sys.exit()
print(r["verdict"], r["executions"], "%.2f" % r["wall_s"])
PY
}

echo "| conf | ldfi: verdict, executions (wall) | random: found / seeds, mean executions to it | exhaustive: verdict, executions (wall) | random mean / ldfi |"
echo "|---|---|---|---|---|"
for conf in scenarios/stream/wallaroo-restart/durable.conf \
	scenarios/stream/wallaroo-restart/volatile-worker.conf \
	scenarios/stream/wallaroo-restart/no-sink-dedup.conf \
	scenarios/stream/dedup-restart/durable-dedup.conf \
	scenarios/stream/dedup-restart/volatile-dedup.conf \
	scenarios/protocols/flink-checkpoint/checkpoint.conf \
	scenarios/protocols/flink-checkpoint/ack-on-receipt.conf; do
	set -- $(explore "$conf")
	lv=$1 le=$2 lw=$3
	found=0 sum=0
	s=1
	while [ "$s" -le "$seeds" ]; do
		set -- $(explore "$conf" --strategy random --seed "$s" --max-runs "$rmax")
		if [ "$1" = counterexample ]; then
			found=$((found + 1))
			sum=$((sum + $2))
		fi
		s=$((s + 1))
	done
	set -- $(explore "$conf" --strategy exhaustive --max-runs "$xmax")
	xv=$1 xe=$2 xw=$3
	if [ "$found" -gt 0 ]; then
		mean=$(awk -v s="$sum" -v n="$found" 'BEGIN { printf "%.1f", s / n }')
		ratio=$(awk -v m="$mean" -v l="$le" 'BEGIN { printf "%.1fx", m / l }')
	else
		mean="-" ratio="-"
	fi
	echo "| \`${conf#scenarios/}\` | $lv, $le (${lw} s) | $found / $seeds, $mean | $xv, $xe (${xw} s) | $ratio |"
done
