#!/bin/sh
# jobs.sh LDFI [K R RECORDS EOT EFF CRASHES]... - wall time of --jobs 1
# against --jobs 2 on generated pipelines (gen.sh), one explore at a time:
# a Markdown row per pipeline with the verdict, executions, both wall times,
# the speed-up, and whether both ran the same fault sets (md5 of the runs
# table). Without pipelines, explores of 500 executions or more. Run from
# the source root on an otherwise idle machine (the speed-up is wall time).
set -eu
[ $# -ge 1 ] || {
	echo "usage: jobs.sh LDFI [K R RECORDS EOT EFF CRASHES]..." >&2
	exit 2
}
ldfi=$1
shift
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
	for j in 1 2; do
		rm -rf "$tmp/out$j"
		/usr/bin/time -f '%e' -o "$tmp/time$j" "$ldfi" explore "$tmp/p.conf" --jobs $j \
			--time-limit 600 --out "$tmp/out$j" --quiet >"$tmp/verdict" 2>&1 || true
		sqlite3 "$tmp/out$j/provenance.db" 'select id, faults, passed from runs' |
			md5sum >"$tmp/md5$j"
	done
	verdict=$(head -c 60 "$tmp/verdict" | sed 's/:.*//; s/ found//')
	n=$(sed -n 's/^  "executions": \([0-9][0-9]*\),$/\1/p' "$tmp/out1/report.json")
	w1=$(tail -n 1 "$tmp/time1")
	w2=$(tail -n 1 "$tmp/time2")
	same=no
	cmp -s "$tmp/md51" "$tmp/md52" && same=yes
	echo "| $k x $r | $((1 + k * r + 2)) | $rec | $eot/$eff/$c | $verdict | $n | $w1 | $w2 | $(awk "BEGIN { printf \"%.2f\", $w1 / $w2 }") | $same |"
done
