#!/bin/sh
# table.sh [-t SECONDS] LDFI [K R RECORDS EOT EFF CRASHES]... - explore
# generated pipelines of the scaling family (gen.sh) with one build of ldfi
# and print a Markdown row per pipeline: nodes, bounds, verdict,
# executions, wall, user and system time, peak RSS (GNU time). Every explore gets
# --time-limit SECONDS (default 120). Without pipelines, the rows of
# docs/scaling-notes.md. Run from the source root; one explore at a time.
set -eu
limit=120
while getopts t: o; do
	case $o in
	t) limit=$OPTARG ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
if [ $# -lt 1 ]; then
	echo "usage: table.sh [-t SECONDS] LDFI [K R RECORDS EOT EFF CRASHES]..." >&2
	exit 2
fi
ldfi=$1
shift
[ $# -gt 0 ] || set -- 2 3 3 12 6 0 3 3 3 8 4 1 4 2 3 12 6 0 4 3 3 8 4 1 3 3 3 8 4 0 \
	2 2 10 8 4 1
here=$(dirname "$0")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ldfi-scale.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
echo "| K x R | nodes | records | eot/eff/crashes | verdict | executions | wall s | user s | sys s | peak RSS KiB |"
echo "|---|---:|---:|---|---|---:|---:|---:|---:|---:|"
while [ $# -ge 6 ]; do
	k=$1 r=$2 rec=$3 eot=$4 eff=$5 c=$6
	shift 6
	"$here/gen.sh" "$k" "$r" "$rec" "$eot" "$eff" "$c" >"$tmp/p.conf"
	rm -rf "$tmp/out"
	/usr/bin/time -f '%e %U %S %M' -o "$tmp/time" "$ldfi" explore "$tmp/p.conf" \
		--time-limit "$limit" --out "$tmp/out" --quiet >"$tmp/verdict" 2>&1 || true
	verdict=$(head -c 60 "$tmp/verdict" | sed 's/:.*//; s/ found//')
	n=$(sed -n 's/^  "executions": \([0-9][0-9]*\),$/\1/p' "$tmp/out/report.json")
	read -r wall user sys rss <<EOT
$(tail -n 1 "$tmp/time")
EOT
	echo "| $k x $r | $((1 + k * r + 2)) | $rec | $eot/$eff/$c | $verdict | $n | $wall | $user | $sys | $rss |"
done
