#!/bin/sh
# samerun-md5.sh [-c CACHEDIR] [-g] LDFI_BEFORE LDFI_AFTER - check that two
# builds of ldfi explore exactly the same runs: for every row of
# tests/scenarios/verdicts.txt and scenarios/protocols/*/verdicts.txt, for
# ack-deliv 18/17/2 --max-runs 1000 and for generated pipelines of the
# scaling family (gen.sh), run `ldfi explore` with each build and compare
# the md5 of `select id, faults, passed from runs` of the provenance
# database, and the exit status. Plugin rows get
# LDFI_PLUGIN_PATH=<the build's folder>/scenarios/protocols. The two builds
# run side by side (2 jobs). -c DIR keeps each build's results in DIR, keyed
# by the md5 of its binary, so a baseline is run once. -g: only the
# generated pipelines and ack-deliv. -v: compare the verdicts instead (the
# exit status and the counterexample's fault set; the executions are shown,
# not compared), for a change meant to run fewer sets. Prints one line per
# row and exits 1 when any row differs. Run from the source root.
set -eu
cache= genonly= verdicts=
while getopts c:gv o; do
	case $o in
	c) cache=$OPTARG ;;
	g) genonly=1 ;;
	v) verdicts=1 ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
if [ $# -ne 2 ]; then
	echo "usage: samerun-md5.sh [-c CACHEDIR] [-g] [-v] LDFI_BEFORE LDFI_AFTER" >&2
	exit 2
fi
before=$1 after=$2
here=$(dirname "$0")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ldfi-samerun.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
[ -z "$cache" ] || mkdir -p "$cache"

# The rows: LABEL CONF ARGS..., one a line.
rows() {
	if [ -z "$genonly" ]; then
		for f in tests/scenarios/verdicts.txt scenarios/protocols/*/verdicts.txt; do
			grep -v '^[[:space:]]*#' "$f" | while read -r conf eot eff crashes _rest; do
				[ -n "$conf" ] || continue
				echo "$(basename "$conf" .conf)-$eot/$eff/$crashes $conf" \
					"--eot $eot --eff $eff --crashes $crashes"
			done
		done
	fi
	echo "ack-deliv-18/17/2-max1000 scenarios/delivery/ack-deliv.conf" \
		"--eot 18 --eff 17 --crashes 2 --max-runs 1000"
	# K R RECORDS EOT EFF CRASHES [explore options]
	while read -r k r rec eot eff c opts; do
		name="gen-k$k-r$r-rec$rec-$eot/$eff/$c$(echo "$opts" | tr -d ' -')"
		conf="$tmp/gen-$k-$r-$rec-$eot-$eff-$c.conf"
		"$here/gen.sh" "$k" "$r" "$rec" "$eot" "$eff" "$c" >"$conf"
		echo "$name $conf $opts"
	done <<GEN
1 2 3 8 4 1
1 3 2 10 5 2 --max-runs 300
2 2 3 8 4 1
2 2 1 8 4 2 --max-runs 300
2 2 3 8 4 1 --all --max-runs 200
2 3 3 12 6 0 --max-runs 300
2 3 5 8 4 1 --max-runs 300
3 3 3 8 4 1
3 2 3 8 4 1 --max-runs 300
4 2 3 12 6 0 --max-runs 200
4 3 3 8 4 1 --max-runs 120
GEN
}

# One row with one build: prints "STATUS EXECUTIONS MD5".
one() {
	bin=$1 label=$2 conf=$3
	shift 3
	key=
	if [ -n "$cache" ]; then
		key="$cache/$(md5sum <"$bin" | cut -c1-12)-$(echo "$label $*" | md5sum | cut -c1-12)"
		if [ -s "$key" ]; then
			cat "$key"
			return
		fi
	fi
	out=$(mktemp -d "$tmp/out.XXXXXX")
	st=0
	LDFI_PLUGIN_PATH="$(dirname "$bin")/scenarios/protocols" \
		"$bin" explore "$conf" "$@" --out "$out" --quiet >/dev/null 2>&1 || st=$?
	n=$(sed -n 's/^  "executions": \([0-9][0-9]*\),$/\1/p' "$out/report.json" 2>/dev/null || true)
	md5=$(sqlite3 "$out/provenance.db" 'select id, faults, passed from runs' | md5sum | cut -c1-32)
	cx=$(sed -n '/^  "counterexample": {/,/}/s/^    "faults": "\(.*\)",$/\1/p' "$out/report.json" 2>/dev/null |
		tr ' ' '_')
	rm -rf "$out"
	echo "$st ${n:-?} $md5 ${cx:--}" | tee ${key:+"$key"}
}

fails=0 total=0
rows >"$tmp/rows"
while read -r label conf args; do
	# shellcheck disable=SC2086 # args are words
	one "$before" "$label" "$conf" $args >"$tmp/b" &
	# shellcheck disable=SC2086
	one "$after" "$label" "$conf" $args >"$tmp/a"
	wait
	b=$(cat "$tmp/b") a=$(cat "$tmp/a")
	total=$((total + 1))
	if [ -n "$verdicts" ]; then # status and counterexample only
		set -- $b
		b="$1 $4 ($2)"
		set -- $a
		a="$1 $4 ($2)"
		same=$([ "${b% (*}" = "${a% (*}" ] && echo 1 || true)
	else
		b=${b% *} a=${a% *}
		same=$([ "$b" = "$a" ] && echo 1 || true)
	fi
	if [ -n "$same" ]; then
		verdict=same
	else
		verdict=DIFFERENT
		fails=$((fails + 1))
	fi
	printf '%-44s %-48s %-48s %s\n' "$label" "$b" "$a" "$verdict"
done <"$tmp/rows"
echo "$total rows, $fails different"
[ "$fails" -eq 0 ]
