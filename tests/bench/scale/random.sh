#!/bin/sh
# random.sh [-t SECONDS] [-j JOBS] [-s SEEDS] LDFI [K R RECORDS EOT EFF CRASHES]... - ldfi
# against the injector a user would pick instead (strategy random, which
# shrinks what it finds to a minimal set: docs/explore.md), side by side on
# generated pipelines of the scaling family (gen.sh). Per pipeline: ldfi's
# verdict, executions, counterexample size and wall time (--jobs JOBS,
# default ldfi's); random over seeds 1..SEEDS (default 10): how many found
# one within --time-limit SECONDS (default 120), the median and range of
# their wall times and executions, the median size of what they report, and
# on how many seeds ldfi was sooner. Wall time is the whole command's
# (GNU time), start-up included. Without pipelines, the counterexample rows
# of the scale table (docs/performance.md) up to 16 nodes. Run from the
# source root; one explore at a time.
set -eu
limit=120
jobs=
seeds=10
while getopts t:j:s: o; do
	case $o in
	t) limit=$OPTARG ;;
	j) jobs="--jobs $OPTARG" ;;
	s) seeds=$OPTARG ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
if [ $# -lt 1 ]; then
	echo "usage: random.sh [-t SECONDS] [-j JOBS] [-s SEEDS] LDFI [K R RECORDS EOT EFF CRASHES]..." >&2
	exit 2
fi
ldfi=$1
shift
[ $# -gt 0 ] || set -- 1 1 3 8 4 1 1 3 3 8 4 1 2 2 3 8 4 1 2 3 3 8 4 1 4 2 3 8 4 1 \
	3 3 3 8 4 1 1 9 3 8 4 1 9 1 3 12 4 1 4 3 3 8 4 1 1 13 3 8 4 1 13 1 3 16 4 1 \
	3 3 3 8 4 0
here=$(dirname "$0")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ldfi-random.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# explore CONF ARGS... - run one explore into $tmp/out; sets wall, n, size, verdict.
explore() {
	conf=$1
	shift
	rm -rf "$tmp/out"
	/usr/bin/time -f '%e' -o "$tmp/time" "$ldfi" explore "$conf" --time-limit "$limit" \
		--out "$tmp/out" --quiet "$@" >"$tmp/verdict" 2>&1 || true
	wall=$(tail -n 1 "$tmp/time")
	verdict=$(head -c 60 "$tmp/verdict" | sed 's/:.*//; s/ found//')
	n=$(sed -n 's/^  "executions": \([0-9][0-9]*\),$/\1/p' "$tmp/out/report.json")
	size=$(sed -n 's/^    "faults": "\(.*\)",$/\1/p' "$tmp/out/report.json" | wc -w)
}

# median of the numbers on stdin
median() { sort -n | awk '{v[NR] = $1} END {print NR ? (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) : "-"}'; }
range() { sort -n | awk 'NR == 1 {lo = $1} {hi = $1} END {print NR ? lo "-" hi : "-"}'; }

echo "| K x R | nodes | eot/eff/crashes | ldfi: verdict, executions, faults | ldfi wall s | random: found / seeds | random wall s, median (range) | random executions, median (range) | random faults, median | ldfi sooner on |"
echo "|---|---:|---|---|---:|---|---|---|---:|---|"
while [ $# -ge 6 ]; do
	k=$1 r=$2 rec=$3 eot=$4 eff=$5 c=$6
	shift 6
	"$here/gen.sh" "$k" "$r" "$rec" "$eot" "$eff" "$c" >"$tmp/p.conf"
	# shellcheck disable=SC2086
	explore "$tmp/p.conf" $jobs
	lwall=$wall lrow="$verdict, $n, $size"
	: >"$tmp/walls"
	: >"$tmp/execs"
	: >"$tmp/sizes"
	found=0 sooner=0 s=1
	while [ "$s" -le "$seeds" ]; do
		explore "$tmp/p.conf" --strategy random --seed "$s"
		if [ "$verdict" = counterexample ]; then
			found=$((found + 1))
			echo "$wall" >>"$tmp/walls"
			echo "$n" >>"$tmp/execs"
			echo "$size" >>"$tmp/sizes"
		fi
		# ldfi is sooner when random found nothing or took longer.
		if [ "$verdict" != counterexample ] ||
			awk -v a="$lwall" -v b="$wall" 'BEGIN {exit !(a < b)}'; then
			sooner=$((sooner + 1))
		fi
		s=$((s + 1))
	done
	echo "| $k x $r | $((1 + k * r + 2)) | $eot/$eff/$c | $lrow | $lwall | $found / $seeds |" \
		"$(median <"$tmp/walls") ($(range <"$tmp/walls")) |" \
		"$(median <"$tmp/execs") ($(range <"$tmp/execs")) | $(median <"$tmp/sizes") |" \
		"$sooner / $seeds |"
done
