#!/bin/sh
# figures.sh LDFI - a report's figures do not depend on the path taken
# (docs/reports.md): "pruned" is the same uninterrupted, after an interrupt
# and resume, and when the page is rebuilt by `ldfi report`; the wall time of
# a finished exploration is kept when it is reported again; an inconclusive
# reason never says "at least 0 hypotheses pending", and a count too large to
# hold is said to be (never 10^18 printed as a count); a page built while
# an exploration is under way says so. Run from the source root.
set -eu
ldfi=$1
. "$(dirname "$0")/lib.sh"
export LDFI_PLUGIN_PATH=${LDFI_PLUGIN_PATH:-$(dirname "$ldfi")/scenarios/protocols}

# pruned REPORT.json: hypotheses.pruned.
pruned() {
	sed -n 's/^    "pruned": \([0-9][0-9]*\),$/\1/p' "$1"
}

# wall REPORT.json: wall_s.
wall() {
	sed -n 's/^  "wall_s": \(.*\),$/\1/p' "$1"
}

# html_pruned DIR: the pruned figure of DIR/index.html.
html_pruned() {
	sed -n 's/.*<td>[0-9]* tried, \([0-9]*\) pruned, .*/\1/p' "$1/index.html"
}

# (1) pruned, uninterrupted vs --max-runs then resumed vs `ldfi report`, for
# each strategy (paxos-synod 8/3/0 under ldfi proposes its runs again on
# resume: those were counted as pruned, 0 -> 424 -> 812 in the issue).
i=0
for args in "scenarios/protocols/paxos-synod/paxos-synod.conf --eot 8 --eff 3 --crashes 0 --max-runs 20" \
	"scenarios/delivery/simple-deliv.conf --strategy exhaustive --all --max-runs 6" \
	"scenarios/delivery/simple-deliv.conf --strategy random --all --max-runs 6"; do
	i=$((i + 1))
	cut=${args##*--max-runs }
	base=${args% --max-runs*}
	run "$ldfi" explore $base --out "$tmp/u$i" --quiet
	full=$(pruned "$tmp/u$i/report.json")
	[ -n "$full" ] || fail "$base: no pruned figure"
	run "$ldfi" explore $base --out "$tmp/r$i" --quiet --max-runs "$cut"
	expect_status "$base, max-runs $cut" 3
	run "$ldfi" explore $base --out "$tmp/r$i" --quiet
	[ "$(pruned "$tmp/r$i/report.json")" = "$full" ] ||
		fail "$base: pruned $(pruned "$tmp/r$i/report.json") after a resume, $full uninterrupted"
	run "$ldfi" explore $base --out "$tmp/r$i" --quiet
	[ "$(pruned "$tmp/r$i/report.json")" = "$full" ] ||
		fail "$base: pruned $(pruned "$tmp/r$i/report.json") reported again, $full uninterrupted"
	run "$ldfi" report "$tmp/r$i/provenance.db" --html "$tmp/h$i"
	expect_status "$base: ldfi report" 0
	[ "$(html_pruned "$tmp/h$i")" = "$full" ] ||
		fail "$base: ldfi report says pruned $(html_pruned "$tmp/h$i"), explore $full"
done
[ "$(pruned "$tmp/u1/report.json")" -gt 0 ] || fail "paxos-synod 8/3/0 pruned nothing: a weak case"

# (2) Re-running a finished exploration keeps its wall time (it was
# overwritten with the time it took to report it again).
w=$(wall "$tmp/u1/report.json")
run "$ldfi" explore scenarios/protocols/paxos-synod/paxos-synod.conf --eot 8 --eff 3 --crashes 0 \
	--out "$tmp/u1" --quiet
[ "$(wall "$tmp/u1/report.json")" = "$w" ] ||
	fail "finished, again: wall_s $(wall "$tmp/u1/report.json"), was $w"
# A resumed one adds the invocations up: at least the first one's time.
w1=$(sql "$tmp/r1/provenance.db" "select value from explore where key = 'wall_s'")
awk -v a="$w1" 'BEGIN { exit !(a > 0) }' || fail "resumed: wall_s '$w1'"

# (3) What is left, in an inconclusive reason and the figures.
run "$ldfi" explore scenarios/delivery/ack-deliv.conf --out "$tmp/k1" --max-runs 1 --json "$tmp/k1.json"
expect_status "ldfi, max-runs 1" 3
grep -q 'at least 0' "$tmp/out" && fail "ldfi, max-runs 1: $(first_line "$tmp/out")"
[ "$(first_line "$tmp/out")" = "inconclusive: max-runs 1 reached after 1 execution; the next hypotheses were not derived yet" ] ||
	fail "ldfi, max-runs 1: $(first_line "$tmp/out")"
# 2^60 omission sets and more: too many to count, said so (JSON null).
for s in exhaustive random; do
	run "$ldfi" explore scenarios/delivery/ack-deliv.conf --eot 12 --eff 11 --crashes 2 --strategy $s \
		--out "$tmp/k-$s" --max-runs 2 --json "$tmp/k-$s.json"
	expect_status "$s, max-runs 2" 3
	[ "$(first_line "$tmp/out")" = "inconclusive: max-runs 2 reached after 2 executions; over 10^15 fault sets of the bounds not run yet" ] ||
		fail "$s, max-runs 2: $(first_line "$tmp/out")"
	grep -q '^hypotheses: 1 tried, 0 pruned, over 10^15 pending$' "$tmp/out" ||
		fail "$s, max-runs 2: $(sed -n 3p "$tmp/out")"
	grep -q '"pending": null' "$tmp/k-$s.json" || fail "$s, max-runs 2: JSON pending $(grep pending "$tmp/k-$s.json")"
done
# A small space: the sets left, counted.
run "$ldfi" explore scenarios/delivery/simple-deliv.conf --strategy exhaustive --out "$tmp/k2" --max-runs 1
[ "$(first_line "$tmp/out")" = "inconclusive: max-runs 1 reached after 1 execution; 63 fault sets of the bounds not run yet" ] ||
	fail "exhaustive, max-runs 1: $(first_line "$tmp/out")"

# (4) A page rebuilt from the database of an exploration under way (killed
# here, so that it stays so) says so, not "the database records no
# exploration".
"$ldfi" explore scenarios/delivery/ack-deliv.conf --eot 10 --eff 9 --crashes 1 --out "$tmp/m" \
	>/dev/null 2>&1 &
pid=$!
if wait_runs "$tmp/m/provenance.db" 5 $pid; then
	kill -9 $pid 2>/dev/null || true
	wait $pid 2>/dev/null || true
	run "$ldfi" report "$tmp/m/provenance.db" --html "$tmp/mh"
	expect_status "report under way" 0
	grep -q 'no verdict recorded yet: the exploration is under way, or stopped before it ended' \
		"$tmp/mh/index.html" || fail "report under way: $(grep -o 'inconclusive[^<]*' "$tmp/mh/index.html" | head -1)"
	grep -q 'records no exploration' "$tmp/mh/index.html" && fail "report under way: 'records no exploration'"
else
	wait $pid 2>/dev/null || true
	fail "the explore of ack-deliv 10/9/1 ended before 5 runs were recorded"
fi
finish
