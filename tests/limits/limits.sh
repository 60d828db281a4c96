#!/bin/bash
# limits.sh LDFI - executions too large to run (docs/explore.md "Limits"):
# `ldfi run` and `ldfi explore` refuse, before running anything, a conf whose
# fault-free run would send more than LDFI_MAX_MESSAGES messages, and
# explore refuses a fault space of more than 100,000 faults; exit 2 with the
# numbers in the message, within seconds. Runs from the source root.
set -eu

LDFI=$1
case $LDFI in /*) ;; *) LDFI=$PWD/$LDFI ;; esac
ACK=$PWD/scenarios/delivery/ack-deliv.conf
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T"

fails=0
fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

# expect NAME STATUS PATTERN... -- CMD...: run CMD with a 20 s timeout,
# check its status and that stderr matches every PATTERN (fixed strings).
expect() {
	name=$1 want=$2
	shift 2
	pats=()
	while [ "$1" != "--" ]; do
		pats+=("$1")
		shift
	done
	shift
	st=0
	timeout 20 "$@" >out 2>err || st=$?
	if [ "$st" != "$want" ]; then
		fail "$name: exit $st, expected $want"
		sed 's/^/  | /' err >&2
	fi
	for p in "${pats[@]}"; do
		grep -qF -- "$p" err || { fail "$name: stderr lacks '$p'"; sed 's/^/  | /' err >&2; }
	done
}

# conf NAME EOT EFF RECORDS DELIVERY NODES: a source on n1 feeding one sink.
conf() {
	cat >"$1" <<CONF
[explore]
eot = $2
eff = $3
crashes = 1

[source src]
node = n1
records = $4
at = 1
to = log
delivery = $5

[sink log]
nodes = $6

[check agree]
kind = agreement
sink = log
CONF
}

# 100,000 records resent every round to 3 replicas for 1000 rounds.
conf big.conf 1000 2 100000 repeat "n1, n2, n3"
# Just over the limit: 11,185 x 3 x 1000 = 33,555,000 > 33,554,432.
conf edge.conf 1000 2 11185 repeat "n1, n2, n3"
# 11 nodes, eot = eff = 1000: 11,000 crashes + 109,890 omissions.
conf wide.conf 1000 1000 1 once "n1, n02, n03, n04, n05, n06, n07, n08, n09, n10, n11"
# Small enough in the conf, too large with --eot 1000.
conf small.conf 10 2 100000 repeat "n1, n2, n3"

expect run-big 2 "ldfi run: the fault-free run of big.conf sends about 300,000,000 messages" \
	"GiB of trace); the limit is 33,554,432 messages: lower eot or the number of records" \
	-- "$LDFI" run big.conf
expect run-edge 2 "sends about 33,555,000 messages" "the limit is 33,554,432 messages" \
	-- "$LDFI" run edge.conf
expect explore-big 2 "ldfi explore: the fault-free run of big.conf sends about 300,000,000" \
	-- "$LDFI" explore big.conf --out big-out
[ ! -e big-out ] || fail "explore-big: created its --out directory before refusing"
expect explore-bounds 2 "the fault-free run of small.conf sends about 300,000,000 messages" \
	-- "$LDFI" explore small.conf --eot 1000 --out small-out
expect explore-wide 2 "the fault space of wide.conf has 120890 possible faults" \
	"11000 crashes: nodes x eot; 109890 omissions" "the limit is 100000: lower eot or eff" \
	-- "$LDFI" explore wide.conf --out wide-out
# The same conf with lower bounds is accepted (and a crash breaks agreement).
expect explore-wide-lower 1 -- "$LDFI" explore wide.conf --eot 4 --eff 3 --out wide-out --quiet
expect run-ack 0 -- "$LDFI" run "$ACK"

if [ "$fails" -gt 0 ]; then
	echo "$fails failure(s)" >&2
	exit 1
fi
echo "limits: all cases pass"
