#!/bin/sh
# forksrv.sh [-n REPS] LDFI_BEFORE LDFI_AFTER [ROW...] - plugin isolation,
# fork per execution against the fork server (docs/performance.md, *Plugin
# isolation*): `ldfi explore` of each plugin row with each build, one run at
# a time, alternating, REPS times (default 1); prints the wall and the CPU
# time (user + system, the runs' processes included) of each, the median
# when REPS > 1, and whether both explored the same runs (md5 of `select id,
# faults, passed from runs`). A ROW is "CONF EOT EFF CRASHES"; by default
# 2pc 7/3/0, 3pc 8/0/2, 3pc 9/7/1 and paxos-synod 8/3/1. Each build's
# plugins are taken from <its folder>/scenarios/protocols. LDFI_BEFORE and
# LDFI_AFTER may be the same binary: LDFI_FORK_SERVER=0 is set for the
# first, so that one build compares both ways. Needs /usr/bin/time. Run
# from the source root, on a machine as idle as can be.
set -eu
reps=1
while getopts n: o; do
	case $o in
	n) reps=$OPTARG ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
if [ $# -lt 2 ]; then
	echo "usage: forksrv.sh [-n REPS] LDFI_BEFORE LDFI_AFTER [ROW...]" >&2
	exit 2
fi
before=$1 after=$2
shift 2
[ $# -gt 0 ] || set -- "scenarios/protocols/2pc/2pc.conf 7 3 0" \
	"scenarios/protocols/3pc/3pc.conf 8 0 2" "scenarios/protocols/3pc/3pc.conf 9 7 1" \
	"scenarios/protocols/paxos-synod/paxos-synod.conf 8 3 1"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ldfi-forksrv-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# one BIN SERVER CONF EOT EFF CRASHES: "WALL CPU MD5" of one explore.
one() {
	bin=$1 server=$2 conf=$3
	rm -rf "$tmp/out"
	LDFI_FORK_SERVER=$server LDFI_PLUGIN_PATH="$(dirname "$bin")/scenarios/protocols" \
		/usr/bin/time -f '%e %U %S' -o "$tmp/time" "$bin" explore "$conf" --eot "$4" \
		--eff "$5" --crashes "$6" --out "$tmp/out" --quiet >/dev/null 2>&1 || true
	md5=$(sqlite3 "$tmp/out/provenance.db" 'select id, faults, passed from runs' | md5sum |
		cut -c1-32)
	# the last line: a first one says when ldfi exited non-zero
	tail -1 "$tmp/time" | awk -v m="$md5" '{ printf "%.2f %.2f %s\n", $1, $2 + $3, m }'
}

# median of the numbers on stdin
median() {
	sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

printf '| row | executions | wall s, fork per execution | wall s, fork server | CPU s, fork per execution | CPU s, fork server | same runs |\n'
printf '|---|---:|---:|---:|---:|---:|---|\n'
for row in "$@"; do
	# shellcheck disable=SC2086 # the row's words
	set -- $row
	: >"$tmp/b"
	: >"$tmp/a"
	i=0
	while [ $i -lt "$reps" ]; do
		one "$before" 0 "$@" >>"$tmp/b"
		one "$after" 1 "$@" >>"$tmp/a"
		i=$((i + 1))
	done
	n=$(sqlite3 "$tmp/out/provenance.db" 'select count(*) from runs')
	same=yes
	[ "$(cut -d' ' -f3 "$tmp/b" "$tmp/a" | sort -u | wc -l)" -eq 1 ] || same=NO
	printf '| %s %s/%s/%s | %s | %s | %s | %s | %s | %s |\n' "$(basename "$1" .conf)" "$2" \
		"$3" "$4" "$n" "$(cut -d' ' -f1 "$tmp/b" | median)" \
		"$(cut -d' ' -f1 "$tmp/a" | median)" "$(cut -d' ' -f2 "$tmp/b" | median)" \
		"$(cut -d' ' -f2 "$tmp/a" | median)" "$same"
done
