# lib.sh - sourced by the isolation tests (isolation.sh, escape.sh,
# forksrv.sh) once they have set $tmp, the folder their confs live in.

fails=0

fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

# Every process of a run (and the fork server) is a fork of ldfi whose
# command line names its conf, in $tmp: leftovers are the processes that
# name $tmp.
leftovers() {
	ps -eo pid=,args= | grep -F "$tmp/" | grep -v grep || true
}
