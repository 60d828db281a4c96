#!/bin/sh
# diff.sh LDFI [PLUGIN_DIR | --processes] - the live engine against the
# simulation: for every bundled scenario that uses only built-in stages
# (with PLUGIN_DIR, only the scenarios with plugin stages, their modules
# loaded from there), and for each of a set of fault
# sets (none, the counterexample `ldfi explore` finds, a crash of each node,
# omissions, a crash with omissions), `ldfi run --engine live --db` and
# `ldfi run --engine sim --db` must record the same rows in every table of
# the provenance database, timing columns (runs.wall_us) aside.
# With --processes, the confs with process stages (scenarios/process/ and
# tests/process/regressions/): each is explored by both engines in one
# command (its processes start once), strategy ldfi with --all under
# omissions and a crash (restarts and omissions, for the confs that allow
# restarts), and two orders confs also with strategy random (fault sets
# that combine omissions, a crash and a restart); both explorations must
# print the same and record the same runs, hypotheses and state. Run from
# the source root.
set -eu
. "$(dirname "$0")/lib.sh"
ldfi=$1
plugins=${2:-}
processes=no
if [ "$plugins" = --processes ]; then
	processes=yes
	plugins=""
fi
if [ -n "$plugins" ]; then
	LDFI_PLUGIN_PATH=$plugins
	export LDFI_PLUGIN_PATH
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ldfi-live-diff.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0
cases=0

fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

# one CONF BOUNDS FAULTS: run both engines, compare databases and stdout.
one() {
	conf=$1 bounds=$2 faults=$3
	cases=$((cases + 1))
	rm -f "$tmp/sim.db" "$tmp/live.db"
	# shellcheck disable=SC2086
	if "$ldfi" run "$conf" $bounds --faults "$faults" --engine sim --db "$tmp/sim.db" \
		>"$tmp/sim.out" 2>"$tmp/sim.err"; then s=0; else s=$?; fi
	# shellcheck disable=SC2086
	if "$ldfi" run "$conf" $bounds --faults "$faults" --engine live --db "$tmp/live.db" \
		>"$tmp/live.out" 2>"$tmp/live.err"; then l=0; else l=$?; fi
	if [ "$s" -gt 1 ]; then
		fail "$conf '$faults': sim exit $s: $(head -c 300 "$tmp/sim.err")"
		return
	fi
	[ "$s" -eq "$l" ] || fail "$conf '$faults': live exit $l, sim $s: $(head -c 300 "$tmp/live.err")"
	cmp -s "$tmp/sim.out" "$tmp/live.out" || fail "$conf '$faults': stdout differs"
	dump "$tmp/sim.db" >"$tmp/sim.dump"
	dump "$tmp/live.db" >"$tmp/live.dump" 2>&1 || true
	if ! cmp -s "$tmp/sim.dump" "$tmp/live.dump"; then
		fail "$conf '$faults': provenance differs:"
		diff "$tmp/sim.dump" "$tmp/live.dump" | head -20 >&2
	fi
	echo "same: $conf $bounds '$faults' ($(sqlite3 "$tmp/sim.db" \
		'SELECT n_messages || " messages, " || verdict FROM runs'))"
}

# explored CONF OPTIONS...: explore CONF with each engine (OPTIONS, --all),
# compare stdout and the exploration databases; count the fault sets.
explored() {
	conf=$1
	shift
	for e in sim live; do
		rm -rf "$tmp/$e"
		if "$ldfi" explore "$conf" "$@" --all --engine "$e" --out "$tmp/$e" --quiet \
			>"$tmp/$e.out" 2>"$tmp/$e.err"; then echo 0 >"$tmp/$e.st"; else echo $? >"$tmp/$e.st"; fi
	done
	s=$(cat "$tmp/sim.st") l=$(cat "$tmp/live.st")
	[ "$s" -le 3 ] || { fail "$conf $*: sim exit $s: $(head -c 300 "$tmp/sim.err")"; return; }
	[ "$s" -eq "$l" ] || fail "$conf $*: live exit $l, sim $s: $(head -c 300 "$tmp/live.err")"
	cmp -s "$tmp/sim.out" "$tmp/live.out" || fail "$conf $*: stdout differs"
	dump "$tmp/sim/provenance.db" "SELECT * FROM hypotheses ORDER BY id;
		SELECT * FROM explore WHERE key <> 'wall_s' ORDER BY key;" >"$tmp/sim.dump"
	dump "$tmp/live/provenance.db" "SELECT * FROM hypotheses ORDER BY id;
		SELECT * FROM explore WHERE key <> 'wall_s' ORDER BY key;" >"$tmp/live.dump" 2>&1 || true
	if ! cmp -s "$tmp/sim.dump" "$tmp/live.dump"; then
		fail "$conf $*: provenance differs:"
		diff "$tmp/sim.dump" "$tmp/live.dump" | head -20 >&2
	fi
	counts=$(sqlite3 -separator ' ' "$tmp/sim/provenance.db" "SELECT count(*),
		total(faults LIKE '%omit(%'), total(faults LIKE '%crash(%'),
		total(faults LIKE '%restart(%'), total(failure IS NOT NULL) FROM runs")
	set -- $counts
	cases=$((cases + $1))
	echo "same: $conf: $1 fault sets (${2%.0} with omissions, ${3%.0} crashes," \
		"${4%.0} restarts, ${5%.0} failed runs): $(head -1 "$tmp/sim.out")"
}

if [ "$processes" = yes ]; then
	direct_python
	for conf in scenarios/process/*/*.conf tests/process/regressions/*.conf; do
		if grep -q '^command[[:space:]]*=[[:space:]]*node ' "$conf" &&
			! command -v node >/dev/null; then
			echo "skipped (no node in PATH): $conf"
			continue
		fi
		if grep -q '^[[:space:]]*restarts[[:space:]]*=[[:space:]]*[1-9]' "$conf"; then
			# Each restart starts its node's processes again: few runs.
			explored "$conf" --eff 2 --crashes 0 --max-runs 8
		else
			explored "$conf" --eff 3 --crashes 1 --max-runs 20
		fi
	done
	explored scenarios/process/orders/pipeline.conf --eff 3 --crashes 1 --strategy random \
		--max-runs 15
	# Restarts with omissions and a crash in one fault set.
	explored scenarios/process/orders/restart-volatile.conf --eff 2 --crashes 1 \
		--strategy random --max-runs 8
	echo "$cases fault sets, $fails failed"
	[ "$fails" -eq 0 ]
	exit
fi

for conf in scenarios/*/*.conf scenarios/*/*/*.conf; do
	[ -f "$conf" ] || continue
	if grep -q '^[[:space:]]*kind[[:space:]]*=[[:space:]]*process' "$conf"; then
		echo "in live diff processes (diff.sh --processes: one explore per engine): $conf"
		continue
	fi
	if grep -q '^[[:space:]]*kind[[:space:]]*=[[:space:]]*plugin' "$conf"; then
		[ -n "$plugins" ] || { echo "skipped (plugin stages): $conf"; continue; }
	elif [ -n "$plugins" ]; then
		continue
	fi
	# Bounds wide enough for every fault set below; both engines get the same.
	bounds="--eff 3 --crashes 2"
	restarts=no
	if grep -q '^[[:space:]]*restarts[[:space:]]*=[[:space:]]*[1-9]' "$conf"; then
		restarts=yes
	fi
	rm -rf "$tmp/x"
	# A budget: plugin checks without `holds` make explore complete the space
	# exhaustively, which these bounds do not need to.
	"$ldfi" explore "$conf" $bounds --max-runs 300 --out "$tmp/x" --quiet >/dev/null \
		2>"$tmp/x.err" || true
	cex=$(sqlite3 "$tmp/x/provenance.db" \
		"SELECT faults FROM runs WHERE passed = 0 ORDER BY id LIMIT 1" 2>/dev/null)
	[ -n "$cex" ] || ! sqlite3 "$tmp/x/provenance.db" "SELECT 1 FROM runs LIMIT 1" \
		>/dev/null 2>&1 || cex=none
	[ -n "$cex" ] || fail "$conf: explore found no run ($(head -c 300 "$tmp/x.err"))"
	# Nodes, and two node pairs that exchange messages in round 1.
	"$ldfi" run "$conf" $bounds --db "$tmp/ff.db" >/dev/null 2>&1 || true
	nodes=$(sqlite3 "$tmp/ff.db" "SELECT DISTINCT n FROM (SELECT src_node AS n FROM messages
		UNION SELECT dst_node FROM messages) ORDER BY n")
	pairs=$(sqlite3 -separator , "$tmp/ff.db" "SELECT DISTINCT src_node, dst_node FROM messages
		WHERE src_node <> dst_node AND send_round = 1 ORDER BY id LIMIT 2")
	rm -f "$tmp/ff.db"
	omits=""
	for p in $pairs; do
		omits="$omits omit($p,1)"
	done
	first=$(echo "$nodes" | sed -n 1p)
	last=$(echo "$nodes" | tail -n 1)
	one "$conf" "$bounds" none
	one "$conf" "$bounds" "$cex"
	for n in $nodes; do
		one "$conf" "$bounds" "crash($n,2)"
	done
	one "$conf" "$bounds" "crash($first,1)"
	if [ -n "$omits" ]; then
		one "$conf" "$bounds" "$omits"
		one "$conf" "$bounds" "crash($last,3) $omits"
	fi
	# Restarts: each node's process killed and started again, early and
	# late, alone and with omissions and a crash; and two at once.
	[ "$restarts" = yes ] || continue
	rbounds="$bounds --restarts 2"
	for n in $nodes; do
		one "$conf" "$rbounds" "restart($n,2)"
		one "$conf" "$rbounds" "restart($n,4)"
	done
	one "$conf" "$rbounds" "restart($first,1)"
	if [ -n "$omits" ]; then
		one "$conf" "$rbounds" "restart($last,2) $omits"
		one "$conf" "$rbounds" "restart($first,3) crash($last,5) $omits"
	fi
	second=$(echo "$nodes" | sed -n 2p)
	one "$conf" "$rbounds" "restart($first,3) restart($second,3)"
done
echo "$cases cases, $fails failed"
[ "$fails" -eq 0 ]
