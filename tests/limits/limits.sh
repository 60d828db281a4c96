#!/bin/bash
# limits.sh LDFI - executions too large to run (docs/explore.md "Limits"):
# `ldfi run` and `ldfi explore` refuse, before running anything, a conf whose
# fault-free run would send more than LDFI_MAX_MESSAGES messages or take more
# than LDFI_MAX_MEMORY (the estimate in the message), and
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
# Just over the message limit: 1,667 x 3 x 1000 = 5,001,000 > 5,000,000
# (3.6 GiB of memory for one run: under the memory limit, over the count).
conf edge.conf 1000 2 1667 repeat "n1, n2, n3"
# Under the message limit, over the memory limit (docs/explore.md "Limits"):
# 1,000,000 records x 3 replicas x 4 rounds = 12,000,000 messages, which
# took 8.6 GB of memory for one run and let an explore run for minutes.
conf mem.conf 4 2 1000000 repeat "n1, n2, n3"
# 3,600,000 messages: one run fits (2.6 GiB), an exploration's lineage not.
conf lin.conf 4 2 300000 repeat "n1, n2, n3"
# 11 nodes, eot = eff = 1000: 11,000 crashes + 109,890 omissions.
conf wide.conf 1000 1000 1 once "n1, n02, n03, n04, n05, n06, n07, n08, n09, n10, n11"
# Small enough in the conf, too large with --eot 1000.
conf small.conf 10 2 100000 repeat "n1, n2, n3"

expect run-big 2 "ldfi run: the fault-free run of big.conf sends about 300,000,000 messages" \
	"it would take about 214.6 GiB of memory (768 bytes a message); the limit is 5,000,000 messages and 4.0 GiB of memory: lower eot or the number of records" \
	-- "$LDFI" run big.conf
expect run-edge 2 "sends about 5,001,000 messages" "about 3.6 GiB of memory" "the limit is 5,000,000 messages" \
	-- "$LDFI" run edge.conf
expect explore-big 2 "ldfi explore: the fault-free run of big.conf sends about 300,000,000" \
	-- "$LDFI" explore big.conf --out big-out
[ ! -e big-out ] || fail "explore-big: created its --out directory before refusing"
expect explore-bounds 2 "the fault-free run of small.conf sends about 300,000,000 messages" \
	-- "$LDFI" explore small.conf --eot 1000 --out small-out
expect run-memory 2 "ldfi run: the fault-free run of mem.conf sends about 12,000,000 messages" \
	"it would take about 8.6 GiB of memory (768 bytes a message); the limit is 5,000,000 messages and 4.0 GiB of memory" \
	-- "$LDFI" run mem.conf
expect explore-memory 2 "ldfi explore: the fault-free run of mem.conf sends about 12,000,000" \
	"about 22.9 GiB of memory (2048 bytes a message: the runs and their lineage); the limit is 5,000,000 messages and 4.0 GiB of memory" \
	-- "$LDFI" explore mem.conf --out mem-out --time-limit 10
[ ! -e mem-out ] || fail "explore-memory: created its --out directory before refusing"
expect explore-lineage 2 "the fault-free run of lin.conf sends about 3,600,000 messages" \
	"about 6.9 GiB of memory (2048 bytes a message: the runs and their lineage)" \
	-- "$LDFI" explore lin.conf --out lin-out
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
