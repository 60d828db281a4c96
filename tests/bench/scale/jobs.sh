#!/bin/sh
# jobs.sh LDFI [K R RECORDS EOT EFF CRASHES]... - wall time of --jobs 1
# against --jobs 2 on generated pipelines (gen.sh), one explore at a time:
# a Markdown row per pipeline with the verdict, executions, both wall times,
# the speed-up, and whether both ran the same fault sets (md5 of the runs
# table). Without pipelines, explores of 500 executions or more (and one
# of 345). Each side runs REPS times (default 3), the two alternating, and
# the row gives the medians: a virtual machine's speed drifts over seconds.
# Run from the source root on an otherwise idle machine (the speed-up is
# wall time).
set -eu
[ $# -ge 1 ] || {
	echo "usage: jobs.sh LDFI [K R RECORDS EOT EFF CRASHES]..." >&2
	exit 2
}
ldfi=$1
shift
reps=${REPS:-3}
median() {
	sort -n "$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
[ $# -gt 0 ] || set -- 4 2 3 12 6 0 3 3 3 8 4 1 2 3 3 10 5 0 4 3 3 8 4 1
here=$(dirname "$0")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ldfi-jobs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
echo "| K x R | nodes | records | eot/eff/crashes | verdict | executions | wall s, --jobs 1 | wall s, --jobs 2 | speed-up | same runs |"
echo "|---|---:|---:|---|---|---:|---:|---:|---:|---|"
while [ $# -ge 6 ]; do
	k=$1 r=$2 rec=$3 eot=$4 eff=$5 c=$6
	shift 6
	"$here/gen.sh" "$k" "$r" "$rec" "$eot" "$eff" "$c" >"$tmp/p.conf"
	: >"$tmp/walls1"
	: >"$tmp/walls2"
	: >"$tmp/md51"
	: >"$tmp/md52"
	rep=0
	while [ $rep -lt "$reps" ]; do
		rep=$((rep + 1))
		for j in 1 2; do
			rm -rf "$tmp/out$j"
			/usr/bin/time -f '%e' -o "$tmp/time$j" "$ldfi" explore "$tmp/p.conf" \
				--jobs $j --time-limit 600 --out "$tmp/out$j" --quiet \
				>"$tmp/verdict" 2>&1 || true
			tail -n 1 "$tmp/time$j" >>"$tmp/walls$j"
			sqlite3 "$tmp/out$j/provenance.db" 'select id, faults, passed from runs' |
				md5sum >>"$tmp/md5$j"
		done
	done
	verdict=$(head -c 60 "$tmp/verdict" | sed 's/:.*//; s/ found//')
	n=$(sed -n 's/^  "executions": \([0-9][0-9]*\),$/\1/p' "$tmp/out1/report.json")
	w1=$(median "$tmp/walls1")
	w2=$(median "$tmp/walls2")
	same=no
	[ "$(sort -u "$tmp/md51" "$tmp/md52" | wc -l)" = 1 ] && same=yes
	echo "| $k x $r | $((1 + k * r + 2)) | $rec | $eot/$eff/$c | $verdict | $n | $w1 | $w2 | $(awk "BEGIN { printf \"%.2f\", $w1 / $w2 }") | $same |"
done
