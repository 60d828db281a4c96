#!/bin/bash
# tamper.sh LDFI - a provenance database changed behind ldfi's back (docs/
# provenance.md, "What is checked when runs are read back"): a cycle among
# parent links, deleted parents, rounds out of range, NULLs, a fault set
# that contradicts its messages, missing or extra rows, huge run ids, a
# flipped verdict. Resuming the exploration, and `ldfi report`, must end
# with exit 4 and a message that says the database is damaged - never a
# crash, a hang, a sanitizer report or a verdict. Runs from the source root.
set -eu

LDFI=$1
case $LDFI in /*) ;; *) LDFI=$PWD/$LDFI ;; esac
ROOT=$PWD
LDFI_PLUGIN_PATH=$(dirname "$LDFI")/scenarios/protocols
export LDFI_PLUGIN_PATH
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T"

fails=0
fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

# damaged NAME BASE SQL CONF ARGS...: a copy of BASE with SQL applied; the
# explore of CONF resumed on it, then `ldfi report` of it, must each exit 4
# saying "damaged database", within 60 s, without a crash.
damaged() {
	local name=$1 base=$2 sql=$3 conf=$4 st
	shift 4
	rm -rf "t-$name" && cp -r "$base" "t-$name"
	if ! sqlite3 "t-$name/provenance.db" "$sql" 2>sql.err; then
		fail "$name: the tampering itself failed: $(cat sql.err)"
		return
	fi
	for cmd in explore report; do
		st=0
		if [ $cmd = explore ]; then
			timeout 60 "$LDFI" explore "$conf" "$@" --out "t-$name" --quiet >out 2>err || st=$?
		else
			timeout 60 "$LDFI" report "t-$name/provenance.db" --conf "$conf" \
				--html "t-$name/html" >out 2>err || st=$?
		fi
		if [ "$st" -ge 124 ]; then
			fail "$name ($cmd): crashed or hung (status $st): $(head -c 300 err)"
		elif [ "$st" != 4 ]; then
			fail "$name ($cmd): exit $st, expected 4: $(head -c 300 err) $(head -c 200 out)"
		fi
		grep -q 'damaged database' err || fail "$name ($cmd): stderr lacks 'damaged database': $(head -c 300 err)"
		if grep -q -E 'Sanitizer|runtime error:' err; then fail "$name ($cmd): sanitizer report"; fi
		echo "$name ($cmd): exit $st: $(head -c 200 err | tr '\n' '|')"
	done
}

ACK=$ROOT/scenarios/delivery/ack-deliv.conf
"$LDFI" explore "$ACK" --out ack --max-runs 30 --quiet >/dev/null || true
[ "$(sqlite3 ack/provenance.db 'select count(*) from runs')" = 30 ] || fail "ack: no 30 runs"
# a run with parent links of relayed copies (sink relay = ack)
R=$(sqlite3 ack/provenance.db "select run from message_parents group by run order by count(*) desc limit 1")

damaged cycle ack "INSERT INTO message_parents SELECT run, parent, msg FROM message_parents WHERE run = $R LIMIT 1" "$ACK"
damaged self-parent ack "INSERT INTO message_parents SELECT run, msg, msg FROM message_parents WHERE run = $R LIMIT 1" "$ACK"
damaged later-parent ack "UPDATE message_parents SET parent = (SELECT max(id) FROM messages WHERE run = $R) WHERE run = $R AND msg = (SELECT min(msg) FROM message_parents WHERE run = $R)" "$ACK"
damaged no-parents ack "DELETE FROM message_parents" "$ACK"
damaged no-parents-of-a-run ack "DELETE FROM message_parents WHERE run = $R" "$ACK"
damaged no-output-parents ack "DELETE FROM output_parents" "$ACK"
damaged send-round-99 ack "UPDATE messages SET send_round = 99 WHERE run = $R AND id = 2" "$ACK"
damaged send-round-0 ack "UPDATE messages SET send_round = 0 WHERE run = 1 AND id = 1" "$ACK"
damaged send-round-negative ack "UPDATE messages SET send_round = -5 WHERE run = $R AND id = 3" "$ACK"
damaged send-round-text ack "UPDATE messages SET send_round = 'two' WHERE run = $R AND id = 3" "$ACK"
damaged output-round-99 ack "UPDATE outputs SET round = 99 WHERE run = 1" "$ACK"
damaged null-record ack "UPDATE messages SET record = NULL WHERE run = $R AND id = 2" "$ACK"
damaged null-digest ack "UPDATE explore SET value = NULL WHERE key = 'digest'" "$ACK"
damaged message-deleted ack "DELETE FROM messages WHERE run = $R AND id = 3" "$ACK"
damaged messages-count ack "UPDATE runs SET n_messages = n_messages + 1 WHERE id = $R" "$ACK"
damaged output-deleted ack "DELETE FROM outputs WHERE run = 1 AND pos = 0 AND node = 'b'" "$ACK"
damaged unknown-node ack "UPDATE messages SET dst_node = 'zz' WHERE run = $R AND id = 2" "$ACK"
damaged fate-contradicts-faults ack "UPDATE messages SET fate = 'omitted' WHERE run = 1 AND id = 1" "$ACK"
damaged faults-contradict-fates ack "UPDATE runs SET faults = 'crash(b,1)', n_faults = 1 WHERE id = $R" "$ACK"
damaged huge-run-id ack "UPDATE runs SET id = 9223372036854775807 WHERE id = 30" "$ACK"
damaged huge-counter ack "UPDATE sqlite_sequence SET seq = 9223372036854775807 WHERE name = 'runs'" "$ACK"
damaged run-deleted ack "DELETE FROM runs WHERE id = 5" "$ACK"
damaged fault-set-twice ack "UPDATE runs SET faults = (SELECT faults FROM runs WHERE id = 3) WHERE id = 4" "$ACK"
damaged verdict-flipped ack "UPDATE runs SET passed = 0, verdict = 'fail' WHERE id = $R" "$ACK"
damaged check-missing ack "DELETE FROM checks WHERE run = 1" "$ACK"

# A finished exploration with a counterexample: its failed checks name
# records.
RETRY=$ROOT/scenarios/delivery/retry-deliv.conf
"$LDFI" explore "$RETRY" --eot 6 --eff 3 --crashes 1 --out retry --quiet >/dev/null || true
damaged null-check-sink retry "UPDATE check_records SET sink = NULL" "$RETRY" --eot 6 --eff 3 --crashes 1
damaged check-record-unknown retry "UPDATE check_records SET record = ''" "$RETRY" --eot 6 --eff 3 --crashes 1
damaged check-passed-flipped retry "UPDATE checks SET passed = 1 WHERE passed = 0" "$RETRY" --eot 6 --eff 3 --crashes 1

if [ "$fails" -ne 0 ]; then
	echo "$fails failure(s)" >&2
	exit 1
fi
echo "tamper: all cases pass"
