#!/bin/sh
# shard.sh LDFI - `explore --shard I/N` and `ldfi merge` (docs/scaling.md):
# N shards merged give the unsharded verdict and counterexample (rows with
# and without one, a generated 12-node pipeline, a plugin protocol); each
# shard runs only its part (no fault set twice over the shards); a shard
# resumes; merge refuses shards of different explorations, a part given
# twice, a non-shard, an --out that is a shard, a changed conf; a missing
# part leaves the verdict inconclusive; the merged report replays; the
# GNU parallel example of docs/scaling.md runs as written. From the source
# root.
set -eu
ldfi=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
. "$(dirname "$0")/lib.sh"
D=scenarios/delivery

cex() { sed -n '/^  "counterexample": {/,/^  }/s/^    "faults": "\(.*\)",$/\1/p' "$1"; }

# whole NAME N CONF ARGS...: unsharded, then N shards and merge: same
# verdict line and counterexample; no fault set run by two shards.
whole() {
	name=$1 n=$2 conf=$3
	shift 3
	run "$ldfi" explore "$conf" --out "$tmp/$name" --quiet "$@"
	want_st=$st want_line=$(cat "$tmp/out")
	dirs= i=0
	while [ $i -lt "$n" ]; do
		run "$ldfi" explore "$conf" --shard $i/"$n" --out "$tmp/$name-$i" --quiet "$@"
		[ "$st" -le 1 ] || fail "$name: shard $i/$n: exit $st: $(cat "$tmp/err")"
		dirs="$dirs $tmp/$name-$i"
		i=$((i + 1))
	done
	run "$ldfi" merge $dirs --out "$tmp/$name-m" --quiet
	expect_status "$name: merge" "$want_st"
	[ "$(cat "$tmp/out")" = "$want_line" ] || fail "$name: merged '$(cat "$tmp/out")', whole '$want_line'"
	[ "$(cex "$tmp/$name-m/report.json")" = "$(cex "$tmp/$name/report.json")" ] ||
		fail "$name: merged counterexample '$(cex "$tmp/$name-m/report.json")', whole '$(cex "$tmp/$name/report.json")'"
	dup=$(sql "$tmp/$name-m/provenance.db" \
		"select faults from runs where faults != 'none' group by faults having count(*) > 1")
	[ -z "$dup" ] || fail "$name: fault sets run by two shards: $dup"
	echo "$name: $want_line $(cex "$tmp/$name/report.json"), $n shards agree"
}

whole ack 4 $D/ack-deliv.conf --eot 8 --eff 7 --crashes 1
whole classic 3 $D/classic-deliv.conf --eot 6 --eff 3 --crashes 0
whole wallaroo 4 scenarios/stream/wallaroo-exactly-once.conf --eot 8 --eff 5 --crashes 1
tests/bench/scale/gen.sh 3 3 3 8 4 1 >"$tmp/k3r3.conf"
whole k3r3 4 "$tmp/k3r3.conf"
whole 2pc 2 scenarios/protocols/2pc/2pc.conf --eot 6 --eff 3 --crashes 1

# A certified shard says so on its verdict line; the JSON names its part.
run "$ldfi" explore $D/ack-deliv.conf --eot 6 --eff 3 --crashes 1 --shard 1/2 --out "$tmp/c1"
expect_status "shard 1/2" 0
first_line "$tmp/out" | grep -qx 'certified: no counterexample within eot=6 eff=3 crashes=1 in shard 1/2' ||
	fail "shard verdict line: $(first_line "$tmp/out")"
grep -q '"index": 1,' "$tmp/c1/report.json" || fail "shard: no index in report.json"
grep -Eq "^part of the fault space: shard 1/2 \((with|without) " "$tmp/out" || fail "shard: part not named"

# A shard resumes: stopped after 5 executions, then finished, it ends as a
# shard explored at once.
run "$ldfi" explore $D/ack-deliv.conf --eot 8 --eff 7 --crashes 1 --shard 2/4 --out "$tmp/r" --max-runs 5
expect_status "shard --max-runs 5" 3
run "$ldfi" explore $D/ack-deliv.conf --eot 8 --eff 7 --crashes 1 --shard 2/4 --out "$tmp/r"
expect_status "shard resumed" 0
[ "$(sql "$tmp/r/provenance.db" 'select group_concat(faults) from runs')" = \
	"$(sql "$tmp/ack-2/provenance.db" 'select group_concat(faults) from runs')" ] ||
	fail "resumed shard ran other sets than the shard explored at once"
# ... and another shard on the same --out is another exploration.
run "$ldfi" explore $D/ack-deliv.conf --eot 8 --eff 7 --crashes 1 --shard 1/4 --out "$tmp/r"
expect_status "other shard on the same --out" 2

# Usage errors.
for bad in 4/4 1/0 -1/2 x 1/2x 1 2/1025; do
	run "$ldfi" explore $D/ack-deliv.conf --shard "$bad" --out "$tmp/u"
	expect_status "--shard $bad" 2
	grep -q -- "--shard expects I/N" "$tmp/err" || fail "--shard $bad: $(cat "$tmp/err")"
done
run "$ldfi" merge
expect_status "merge without DIR" 2

# Merge refuses what is not one exploration's shards.
run "$ldfi" merge "$tmp/ack-0" "$tmp/classic-1"
expect_status "merge of two explorations" 2
grep -q "shards of different explorations" "$tmp/err" || fail "two explorations: $(cat "$tmp/err")"
run "$ldfi" merge "$tmp/ack-0" "$tmp/ack-0" --out "$tmp/twice"
expect_status "a shard twice" 2
grep -q "are both shard 0/4" "$tmp/err" || fail "twice: $(cat "$tmp/err")"
run "$ldfi" merge "$tmp/ack" --out "$tmp/ns"
expect_status "not a shard" 2
grep -q "not a shard" "$tmp/err" || fail "not a shard: $(cat "$tmp/err")"
run "$ldfi" merge "$tmp/ack-0" "$tmp/ack-1" --out "$tmp/ack-1"
expect_status "--out is a shard" 2
run "$ldfi" merge "$tmp/ack-0" --out "$tmp/ack"
expect_status "--out holds an exploration" 2
[ -f "$tmp/ack/provenance.db" ] || fail "merge touched an exploration's database"
# A missing part: inconclusive, naming it.
run "$ldfi" merge "$tmp/ack-0" "$tmp/ack-1" "$tmp/ack-3" --out "$tmp/miss"
expect_status "a shard missing" 3
first_line "$tmp/out" | grep -q 'shard 2/4 not given' || fail "missing: $(first_line "$tmp/out")"
# A part that did not finish: inconclusive, naming it.
run "$ldfi" explore $D/ack-deliv.conf --eot 8 --eff 7 --crashes 1 --shard 2/4 --out "$tmp/u2" --max-runs 5
run "$ldfi" merge "$tmp/ack-0" "$tmp/ack-1" "$tmp/u2" "$tmp/ack-3" --out "$tmp/unf"
expect_status "a shard unfinished" 3
first_line "$tmp/out" | grep -qx 'inconclusive: shard 2/4 did not finish' ||
	fail "unfinished: $(first_line "$tmp/out")"
# A changed conf is not the one the shards explored.
cp $D/ack-deliv.conf "$tmp/a.conf"
run "$ldfi" explore "$tmp/a.conf" --eot 6 --eff 3 --crashes 1 --shard 0/2 --out "$tmp/x0"
run "$ldfi" explore "$tmp/a.conf" --eot 6 --eff 3 --crashes 1 --shard 1/2 --out "$tmp/x1"
sed -i 's/^records = 1$/records = 2/' "$tmp/a.conf"
run "$ldfi" merge "$tmp/x0" "$tmp/x1" --out "$tmp/xm"
expect_status "changed conf" 2
grep -q "not the pipeline the shards explored" "$tmp/err" || fail "changed conf: $(cat "$tmp/err")"

# The merged report replays, and merging again replaces the merge.
run "$ldfi" replay "$tmp/classic-m/report.json"
expect_status "replay of the merge" 1
run "$ldfi" merge "$tmp/classic-0" "$tmp/classic-1" "$tmp/classic-2" --out "$tmp/classic-m" \
	--json "$tmp/m.json" --junit "$tmp/m.xml" --html "$tmp/mh"
expect_status "merge again" 1
[ "$(sql "$tmp/classic-m/provenance.db" 'select count(*) from runs')" -eq \
	"$(($(executions "$tmp/classic-0/report.json") + $(executions "$tmp/classic-1/report.json") + $(executions "$tmp/classic-2/report.json")))" ] ||
	fail "merging again added runs twice"
[ -s "$tmp/m.xml" ] && [ -s "$tmp/mh/index.html" ] && grep -q '"count": 3' "$tmp/m.json" ||
	fail "merge: --json/--junit/--html"

# docs/scaling.md, GNU parallel on this machine.
if command -v parallel >/dev/null 2>&1; then
	(
		cd "$tmp"
		cp "$OLDPWD/$D/classic-deliv.conf" pipeline.conf
		# As in docs/scaling.md: each shard in its own --out, then merge.
		parallel --will-cite "$ldfi" explore pipeline.conf --shard {}/4 --out shard-{} --quiet \
			::: 0 1 2 3 >/dev/null || [ $? -le 4 ]
		"$ldfi" merge shard-0 shard-1 shard-2 shard-3 --out merged --quiet >merged.txt || true
	)
	[ "$(cat "$tmp/merged.txt")" = "counterexample found" ] ||
		fail "GNU parallel example: $(cat "$tmp/merged.txt")"
else
	echo "GNU parallel not installed: its example not run (.ci/setup installs it)"
fi
[ "$fails" -eq 0 ]
