# lib.sh - helpers sourced by the explore tests (POSIX sh): a temporary
# directory removed on exit, failure counting, and readers for the files
# explore writes.

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ldfi-explore-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0

fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

# run CMD...: runs it with stdout in $tmp/out and stderr in $tmp/err; the
# exit status in $st.
run() {
	if "$@" >"$tmp/out" 2>"$tmp/err"; then st=0; else st=$?; fi
}

# expect_status NAME WANT: the last run's status.
expect_status() {
	[ "$st" -eq "$2" ] ||
		fail "$1: exit $st, expected $2 (stdout: $(head -c 300 "$tmp/out"); stderr: $(head -c 300 "$tmp/err"))"
}

# first_line FILE: its first line.
first_line() {
	sed -n 1p "$1"
}

# executions REPORT.json: the top-level "executions" of a JSON report.
executions() {
	sed -n 's/^  "executions": \([0-9][0-9]*\),$/\1/p' "$1"
}

# json_str REPORT.json KEY: a top-level string value.
json_str() {
	sed -n "s/^  \"$2\": \"\\(.*\\)\",\$/\\1/p" "$1"
}

# sql DB QUERY: one query with the sqlite3 shell.
sql() {
	sqlite3 "$1" "$2"
}

# no_fault_set_twice NAME DB: every fault set was run at most once.
no_fault_set_twice() {
	dup=$(sql "$2" 'select faults, count(*) from runs group by faults having count(*) > 1')
	[ -z "$dup" ] || fail "$1: fault sets run more than once: $dup"
}

# wait_runs DB N PID: wait until DB holds at least N runs (or PID ended).
wait_runs() {
	i=0
	while [ $i -lt 2000 ]; do
		n=$(sqlite3 "$1" 'select count(*) from runs' 2>/dev/null) || n=0
		[ "${n:-0}" -ge "$2" ] && return 0
		kill -0 "$3" 2>/dev/null || return 1
		sleep 0.02
		i=$((i + 1))
	done
	return 1
}

finish() {
	if [ "$fails" -gt 0 ]; then
		echo "$fails failure(s)"
		exit 1
	fi
	echo ok
}
