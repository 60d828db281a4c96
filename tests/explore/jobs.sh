#!/bin/sh
# jobs.sh LDFI - `--jobs N` changes only the wall time: explores with 1, 2
# and 5 threads run the same fault sets in the same order (the md5 of the
# runs table) and write the same reports (wall times aside), on generated
# pipelines of 9 to 12 nodes (many streams to fill per step: the threads
# have work) and on a protocol with a plugin check. A budget stops them at
# the same run too. Run from the source root.
set -eu
ldfi=$1
. "$(dirname "$0")/lib.sh"
gen=tests/bench/scale/gen.sh

# runs DB: the md5 of what was run, in order.
runs() {
	sql "$1" 'select id, faults, passed from runs' | md5sum
}

# same NAME CONF ARGS...: explore with --jobs 1, 2, 5; compare.
same() {
	name=$1 conf=$2
	shift 2
	for j in 1 2 5; do
		run "$ldfi" explore "$conf" --jobs $j --out "$tmp/$name-$j" --json "$tmp/$name-$j.json" "$@"
		echo "$st" >"$tmp/$name-$j.status"
		grep -v 'wall time' "$tmp/out" | sed "s|$tmp/$name-$j|OUT|g" >"$tmp/$name-$j.txt"
		sed -e 's/"wall_s": [0-9.e+-]*/"wall_s": X/' -e "s|$tmp/$name-$j|OUT|g" \
			"$tmp/$name-$j.json" >"$tmp/$name-$j.j"
		runs "$tmp/$name-$j/provenance.db" >"$tmp/$name-$j.md5"
	done
	for j in 2 5; do
		for f in status txt j md5; do
			cmp -s "$tmp/$name-1.$f" "$tmp/$name-$j.$f" ||
				fail "$name: --jobs $j differs from --jobs 1 ($f): $(diff "$tmp/$name-1.$f" "$tmp/$name-$j.$f" | head -5)"
		done
	done
	echo "$name: exit $(cat "$tmp/$name-1.status"), $(executions "$tmp/$name-1.json") executions, same with 1, 2 and 5 threads"
}

$gen 3 3 3 8 4 1 >"$tmp/k3r3.conf"
same k3r3-cex "$tmp/k3r3.conf"
$gen 2 3 2 8 4 0 >"$tmp/k2r3.conf"
same k2r3-cert "$tmp/k2r3.conf"
$gen 4 2 3 12 6 0 >"$tmp/k4r2.conf"
same k4r2-budget "$tmp/k4r2.conf" --max-runs 150
same ack-all scenarios/delivery/ack-deliv.conf --eot 6 --eff 3 --crashes 1 --all
same 2pc scenarios/protocols/2pc/2pc.conf --eot 5 --eff 0 --crashes 1
[ "$fails" -eq 0 ]
