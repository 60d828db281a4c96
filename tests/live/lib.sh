# lib.sh - sourced by the live engine's comparison tests (diff.sh,
# diff-random.sh, verdicts.sh).

# dump DB [SQL]: every table a run fills, every column but the timing ones
# (runs.wall_us), in key order; then SQL, if given. Two engines that ran
# the same executions print the same.
dump() {
	runs_cols=$(sqlite3 "$1" "SELECT group_concat(name, ', ') FROM pragma_table_info('runs')
		WHERE name <> 'wall_us'")
	sqlite3 -header "$1" "SELECT $runs_cols FROM runs ORDER BY id;
		SELECT * FROM messages ORDER BY run, id;
		SELECT * FROM message_parents ORDER BY run, msg, parent;
		SELECT * FROM outputs ORDER BY run, sink, node, pos;
		SELECT * FROM output_parents ORDER BY run, sink, node, pos, parent;
		SELECT * FROM checks ORDER BY run, name;
		SELECT * FROM check_records ORDER BY run, check_name, rowid;
		SELECT * FROM memory ORDER BY run, id;
		SELECT * FROM memory_parents ORDER BY run, mem, parent;
		SELECT * FROM down_periods ORDER BY 1, 2, 3;
		${2:-}"
}

# direct_python: put the directory of the python3 that `python3` runs first
# on PATH, so that process stages start it without a version manager's
# shim in between (pyenv's costs about a second a start): the same
# interpreter, started faster.
direct_python() {
	py=$(python3 -c 'import os, sys; print(os.path.dirname(sys.executable))' 2>/dev/null) || return 0
	[ -n "$py" ] && PATH=$py:$PATH && export PATH
	return 0
}
