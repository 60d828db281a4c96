#!/bin/sh
# forksrv.sh LDFI PLUGIN_DIR PROTOCOL_PLUGIN_DIR - the fork server of
# isolated runs (runtime/forksrv.c; docs/plugins.md, Isolation): explores
# run exactly the same fault sets with the same outcomes with the server as
# with a fork of ldfi per run (LDFI_FORK_SERVER=0), with --jobs 1 and 2;
# each run starts from a fresh copy of the plugins' memory (tricky.c
# once_per_run); a server killed by a run (tricky.c kill_server) is started
# again and that run forked from ldfi, and after three deaths every run
# forks from ldfi, with the same runs; `ldfi run` and `ldfi replay` use the
# server too; no process is left behind. Run from the source root.
set -eu
ldfi=$1
plugins=$2
protocols=$3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ldfi-forksrv.XXXXXX")
cleanup() {
	leftovers | while read -r p _; do kill -9 "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_segv=0:handle_abort=0"
export ASAN_OPTIONS
unset LDFI_FORK_SERVER LDFI_TEST_KILLS LDFI_TEST_KILLS_FILE
. "$(dirname "$0")/lib.sh"

# explore NAME PLUGIN_PATH CONF ARGS...: explore into $tmp/NAME; prints
# "STATUS EXECUTIONS MD5" (md5 of the runs: id, fault set, passed, failure).
explore() {
	name=$1 path=$2 conf=$3
	shift 3
	st=0
	LDFI_PLUGIN_PATH=$path "$ldfi" explore "$conf" "$@" --out "$tmp/$name" --quiet \
		>"$tmp/$name.txt" 2>"$tmp/$name.err" || st=$?
	n=$(sqlite3 "$tmp/$name/provenance.db" 'SELECT count(*) FROM runs')
	md5=$(sqlite3 "$tmp/$name/provenance.db" \
		'SELECT id, faults, passed, failure FROM runs ORDER BY id' | md5sum | cut -c1-32)
	echo "$st $n $md5"
	left=$(leftovers)
	[ -z "$left" ] || fail "$name: processes left behind: $left"
}

# The protocol scenarios: the same runs with and without the server.
i=0
for row in "kafka/kafka.conf 6 4 1" "3pc/3pc.conf 8 0 1" "2pc/2pc.conf 6 3 1"; do
	set -- $row
	conf=scenarios/protocols/$1
	bounds="--eot $2 --eff $3 --crashes $4"
	i=$((i + 1))
	# shellcheck disable=SC2086 # bounds are words
	direct=$(LDFI_FORK_SERVER=0 explore p$i-direct "$protocols" "$conf" $bounds --jobs 1)
	# shellcheck disable=SC2086
	served=$(explore p$i-served "$protocols" "$conf" $bounds --jobs 1)
	# shellcheck disable=SC2086
	jobs2=$(explore p$i-jobs2 "$protocols" "$conf" $bounds --jobs 2)
	[ "$direct" = "$served" ] || fail "$row: direct fork '$direct', server '$served'"
	[ "$direct" = "$jobs2" ] || fail "$row: direct fork '$direct', server --jobs 2 '$jobs2'"
	echo "$row: $served (direct: $direct; --jobs 2: $jobs2)"
done

# conf NAME SYMBOL: a source on a, a tricky.c stage on b and d, a sink on c.
conf() {
	cat >"$tmp/$1.conf" <<EOF
[explore]
eot = 5
eff = 3
crashes = 1
run_timeout = 60

[source src]
node = a
records = 2
to = proc
delivery = ack

[stage proc]
kind = plugin
nodes = b, d
library = tricky.so
symbol = $2
to = out
delivery = ack

[sink out]
nodes = c

[check delivered]
kind = delivered
sink = out
EOF
}

# Static variables do not survive from one run to the next.
conf once once_per_run
more="--strategy exhaustive --all --max-runs 20"
# shellcheck disable=SC2086 # words
served=$(explore once "$plugins" "$tmp/once.conf" $more)
set -- $served
[ "$2" -eq 20 ] || fail "once_per_run: $2 runs, expected 20: $served"
n=$(sqlite3 "$tmp/once/provenance.db" 'SELECT count(*) FROM runs WHERE failure IS NOT NULL')
[ "$n" -eq 0 ] || fail "once_per_run: $n runs failed: a run saw an earlier run's memory"
# shellcheck disable=SC2086
direct=$(LDFI_FORK_SERVER=0 explore once-direct "$plugins" "$tmp/once.conf" $more)
[ "$direct" = "$served" ] || fail "once_per_run: direct fork '$direct', server '$served'"
echo "once_per_run: $served"

# A run kills the server: once, then more often than it is started again.
conf kill kill_server
# shellcheck disable=SC2086
direct=$(LDFI_FORK_SERVER=0 explore kill-direct "$plugins" "$tmp/kill.conf" $more)
for kills in 1 5; do
	: >"$tmp/kills"
	served=$(LDFI_TEST_KILLS=$kills LDFI_TEST_KILLS_FILE="$tmp/kills" \
		explore kill$kills "$plugins" "$tmp/kill.conf" $more)
	[ "$direct" = "$served" ] ||
		fail "kill_server, $kills kills: direct fork '$direct', server '$served'"
	n=$(wc -l <"$tmp/kills")
	want=$kills
	[ "$want" -le 3 ] || want=3
	[ "$n" -eq "$want" ] ||
		fail "kill_server: $n servers killed, expected $want: $(cat "$tmp/kills")"
	echo "kill_server, at most $kills kills: $n killed, $served"
done
[ -z "$(cat "$tmp/kill-direct.err")" ] || fail "kill_server: $(cat "$tmp/kill-direct.err")"

# ldfi run and ldfi replay: a server too, killed once by the run.
: >"$tmp/kills"
st=0
LDFI_PLUGIN_PATH=$plugins LDFI_TEST_KILLS=1 LDFI_TEST_KILLS_FILE="$tmp/kills" \
	"$ldfi" run "$tmp/kill.conf" --faults 'crash(b,2)' >"$tmp/run.txt" 2>&1 || st=$?
[ "$st" -le 1 ] || fail "ldfi run: exit $st: $(cat "$tmp/run.txt")"
[ "$(wc -l <"$tmp/kills")" -eq 1 ] || fail "ldfi run: no server to kill"
st2=0
LDFI_PLUGIN_PATH=$plugins LDFI_FORK_SERVER=0 "$ldfi" run "$tmp/kill.conf" \
	--faults 'crash(b,2)' >"$tmp/run0.txt" 2>&1 || st2=$?
[ "$st" -eq "$st2" ] && cmp -s "$tmp/run.txt" "$tmp/run0.txt" ||
	fail "ldfi run: with the server: $(cat "$tmp/run.txt"); without: $(cat "$tmp/run0.txt")"
left=$(leftovers)
[ -z "$left" ] || fail "ldfi run: processes left behind: $left"
cex=$(explore cex "$plugins" "$tmp/kill.conf")
[ "${cex%% *}" -eq 1 ] || fail "kill_server: no counterexample to replay: $cex"
: >"$tmp/kills"
st=0
LDFI_PLUGIN_PATH=$plugins LDFI_TEST_KILLS=1 LDFI_TEST_KILLS_FILE="$tmp/kills" \
	"$ldfi" replay "$tmp/cex/report.json" >"$tmp/replay.txt" 2>&1 || st=$?
[ "$st" -eq 1 ] && grep -q '^reproduced' "$tmp/replay.txt" ||
	fail "ldfi replay: exit $st: $(cat "$tmp/replay.txt")"
[ "$(wc -l <"$tmp/kills")" -eq 1 ] || fail "ldfi replay: no server to kill"
left=$(leftovers)
[ -z "$left" ] || fail "ldfi replay: processes left behind: $left"

[ "$fails" -eq 0 ]
