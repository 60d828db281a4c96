#!/bin/sh
# identity.sh LDFI GATE_DIR - what identifies an exploration (docs/explore.md):
# an --out is reused only by the exploration that wrote it. Runs recorded by
# `ldfi run --db`, another pipeline, other bounds or seed, a rebuilt plugin
# library or another ldfi are never adopted: explore refuses with exit 2,
# says what changed and names --fresh, which then gives the verdict of a
# fresh exploration; so are a changed `durable` and an edited process
# script. Editing a comment, spacing, the order of sections and
# keys, or spelling out a default changes nothing: the exploration resumes.
# GATE_DIR holds gate_pass.so and gate_fail.so (gate.c). Run from the source
# root.
set -eu
ldfi=$1
gates=$2
. "$(dirname "$0")/lib.sh"
D=scenarios/delivery
B="--eot 6 --eff 3 --crashes 1"

# refused NAME PATTERN: the last run was refused (exit 2) with a message
# that matches PATTERN and names --fresh, and printed no verdict.
refused() {
	expect_status "$1" 2
	grep -q -- "$2" "$tmp/err" || fail "$1: message does not say '$2': $(cat "$tmp/err")"
	grep -q -- '--fresh' "$tmp/err" || fail "$1: message does not name --fresh: $(cat "$tmp/err")"
	[ ! -s "$tmp/out" ] || fail "$1: printed a verdict: $(cat "$tmp/out")"
}

# 1. A passing run recorded by `ldfi run --db` into the --out of another
# pipeline: never adopted (it said "certified, executions: 1").
mkdir "$tmp/a" "$tmp/b"
run "$ldfi" run $D/ack-deliv.conf $B --db "$tmp/a/provenance.db"
expect_status "ldfi run of ack-deliv" 0
run "$ldfi" explore $D/classic-deliv.conf $B --out "$tmp/a" --quiet
refused "explore after ldfi run" "recorded by 'ldfi run --db'"
[ "$(sql "$tmp/a/provenance.db" 'select count(*) from runs')" = 1 ] ||
	fail "explore after ldfi run: the database was written"
run "$ldfi" explore $D/classic-deliv.conf $B --out "$tmp/a" --quiet --fresh
expect_status "explore after ldfi run, --fresh" 1
first_line "$tmp/out" | grep -q '^counterexample found' ||
	fail "explore after ldfi run, --fresh: $(cat "$tmp/out")"

# The reverse: a failing run recorded first never turns a certificate into
# a counterexample.
run "$ldfi" run $D/classic-deliv.conf $B --faults 'crash(a,2) omit(a,b,1) omit(c,b,2)' --db "$tmp/b/provenance.db"
expect_status "ldfi run of classic-deliv under faults" 1
run "$ldfi" explore $D/ack-deliv.conf $B --out "$tmp/b" --quiet
refused "explore of ack-deliv after a failing ldfi run" "recorded by 'ldfi run --db'"
run "$ldfi" explore $D/ack-deliv.conf $B --out "$tmp/b" --quiet --fresh
expect_status "ack-deliv after a failing ldfi run, --fresh" 0

# A run recorded by `ldfi run --db` into an exploration's database.
run "$ldfi" run $D/ack-deliv.conf $B --faults 'omit(a,b,1)' --db "$tmp/b/provenance.db"
run "$ldfi" explore $D/ack-deliv.conf $B --out "$tmp/b" --quiet
refused "exploration plus an ldfi run" "1 run recorded by 'ldfi run --db'"

# 2. The conf's meaning, the bounds, the seed, another strategy.
run "$ldfi" explore $D/ack-deliv.conf $B --out "$tmp/c" --quiet --max-runs 2
expect_status "ack-deliv --max-runs 2" 3
run "$ldfi" explore $D/classic-deliv.conf $B --out "$tmp/c" --quiet
refused "another pipeline" "the pipeline (its conf's meaning)"
run "$ldfi" explore $D/ack-deliv.conf --eot 7 --eff 3 --crashes 1 --out "$tmp/c" --quiet
refused "other bounds" "eot (was 6, now 7)"
run "$ldfi" explore $D/ack-deliv.conf $B --seed 7 --out "$tmp/c" --quiet
refused "another seed" "the seed (was 1, now 7)"
run "$ldfi" explore $D/ack-deliv.conf $B --strategy exhaustive --out "$tmp/c" --quiet
refused "another strategy" "the strategy (was ldfi, now exhaustive)"
# ... and an older ldfi's digest (the conf file's bytes, no version).
sql "$tmp/c/provenance.db" "update explore set value = '0123456789abcdef eot=6 eff=3 crashes=1 strategy=ldfi seed=1' where key = 'digest'"
run "$ldfi" explore $D/ack-deliv.conf $B --out "$tmp/c" --quiet
refused "an earlier ldfi's digest" "earlier ldfi"

# Comments, spacing, order and defaults spelled out cost nothing.
run "$ldfi" explore $D/ack-deliv.conf $B --out "$tmp/d" --quiet --max-runs 3
expect_status "ack-deliv --max-runs 3" 3
cat >"$tmp/same.conf" <<'EOF'
# ack-deliv, rewritten: other comments, other order, defaults spelled out.
[check agree]
sink   =   log       # the same check
kind = agreement

[sink log]
relay = ack
nodes = a,b,   c
retry_every = 1
dedup = no

[source bcast]
delivery = ack
to = log
at = 1
records = 1
node = a

[explore]
crashes = 1
eff = 7
eot = 8
EOF
run "$ldfi" explore "$tmp/same.conf" $B --out "$tmp/d" --quiet
expect_status "the same pipeline, rewritten" 0
run "$ldfi" explore $D/ack-deliv.conf $B --out "$tmp/e" --quiet
[ "$(sql "$tmp/d/provenance.db" 'select faults from runs order by id')" = \
	"$(sql "$tmp/e/provenance.db" 'select faults from runs order by id')" ] ||
	fail "the same pipeline, rewritten: not the runs of an uninterrupted exploration"

# 3. A rebuilt plugin: the gate check passes (certified), then the library
# is replaced by one whose check fails. The exploration is not reused;
# --fresh gives the fresh verdict (the fault-free run fails).
cat >"$tmp/gate.conf" <<'EOF'
[explore]
eot = 3
eff = 2

[source s]
node = a
records = 1
to = k

[sink k]
nodes = b

[check gate]
kind = plugin
library = ./gate.so
symbol = gate
EOF
cp "$gates/gate_pass.so" "$tmp/gate.so"
run "$ldfi" explore "$tmp/gate.conf" --out "$tmp/g" --quiet
expect_status "gate passes" 0
rm -f "$tmp/gate.so"
cp "$gates/gate_fail.so" "$tmp/gate.so"
run "$ldfi" explore "$tmp/gate.conf" --out "$tmp/g" --quiet
refused "rebuilt plugin" "plugin library ./gate.so (its file changed)"
run "$ldfi" explore "$tmp/gate.conf" --out "$tmp/g" --quiet --fresh
expect_status "rebuilt plugin, --fresh" 1
first_line "$tmp/out" | grep -q '^counterexample found' ||
	fail "rebuilt plugin, --fresh: $(cat "$tmp/out")"
# and back: the failing exploration is not reused for the passing build
rm -f "$tmp/gate.so"
cp "$gates/gate_pass.so" "$tmp/gate.so"
run "$ldfi" explore "$tmp/gate.conf" --out "$tmp/g" --quiet
refused "plugin rebuilt back" "plugin library ./gate.so (its file changed)"

# 4. Keys of the crash-recovery model are part of the conf's meaning:
# wallaroo-restart's durable worker made volatile is another pipeline.
W=scenarios/stream/wallaroo-restart
run "$ldfi" explore $W/durable.conf --out "$tmp/w" --quiet --max-runs 2
expect_status "durable.conf --max-runs 2" 3
sed 's/^durable = yes$/durable = no/' $W/durable.conf >"$tmp/volatile.conf"
run "$ldfi" explore "$tmp/volatile.conf" --out "$tmp/w" --quiet
refused "durable = no" "the pipeline (its conf's meaning)"

# 5. A process check's script (scenarios/process/orders/check.conf, its
# Python files copied): editing count_once.py, even a comment, is a change.
if command -v python3 >/dev/null 2>&1; then
	mkdir "$tmp/orders"
	cp scenarios/process/orders/check.conf scenarios/process/orders/*.py "$tmp/orders/"
	run "$ldfi" explore "$tmp/orders/check.conf" --out "$tmp/p" --quiet --max-runs 2
	expect_status "process check --max-runs 2" 3
	echo "# edited" >>"$tmp/orders/count_once.py"
	run "$ldfi" explore "$tmp/orders/check.conf" --out "$tmp/p" --quiet
	refused "edited script" "process script count_once.py (its file changed)"
fi

finish
