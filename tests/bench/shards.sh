#!/bin/sh
# shards.sh LDFI [N] - every row of tests/scenarios/verdicts.txt and of the
# protocols' verdicts.txt explored whole and as N shards (default 4) merged
# with `ldfi merge`: a Markdown row each with the verdicts, the
# counterexamples (same or not), the unsharded executions, the longest
# shard's and the sum over shards (each shard runs the fault-free run too).
# Run from the source root with LDFI_PLUGIN_PATH set for the protocols
# (build/scenarios/protocols); plain rows take minutes.
set -eu
ldfi=$1 n=${2:-4}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ldfi-shards.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
json_exec() { sed -n 's/^  "executions": \([0-9][0-9]*\),$/\1/p' "$1"; }
json_cex() { sed -n '/^  "counterexample": {/,/^  }/s/^    "faults": "\(.*\)",$/\1/p' "$1"; }
echo "| row | verdict | merged | counterexample | same | executions | longest shard | sum of shards |"
echo "|---|---|---|---|---|---:|---:|---:|"
cat tests/scenarios/verdicts.txt scenarios/protocols/*/verdicts.txt | grep -v '^#' | grep . |
	while read -r conf eot eff cr _rest; do
		b="--eot $eot --eff $eff --crashes $cr"
		rm -rf "$tmp"/*
		"$ldfi" explore "$conf" $b --out "$tmp/whole" --quiet >"$tmp/v" 2>/dev/null || true
		dirs= longest=0 sum=0
		i=0
		while [ $i -lt "$n" ]; do
			"$ldfi" explore "$conf" $b --shard $i/$n --out "$tmp/s$i" --quiet >/dev/null 2>&1 || true
			e=$(json_exec "$tmp/s$i/report.json")
			sum=$((sum + e))
			[ "$e" -gt "$longest" ] && longest=$e
			dirs="$dirs $tmp/s$i"
			i=$((i + 1))
		done
		"$ldfi" merge $dirs --out "$tmp/m" --quiet >"$tmp/mv" 2>/dev/null || true
		c1=$(json_cex "$tmp/whole/report.json") c2=$(json_cex "$tmp/m/report.json")
		same=yes
		[ "$(cut -d: -f1 "$tmp/v")" = "$(cut -d: -f1 "$tmp/mv")" ] && [ "$c1" = "$c2" ] || same=NO
		echo "| $(basename "$conf" .conf) $eot/$eff/$cr | $(cut -d: -f1 "$tmp/v") | $(cut -d: -f1 "$tmp/mv") | ${c1:--}${c2:+ / $c2} | $same | $(json_exec "$tmp/whole/report.json") | $longest | $sum |"
	done
