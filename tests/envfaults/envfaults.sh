#!/bin/bash
# envfaults.sh LDFI - environmental faults (docs/explore.md "Environmental
# faults"): an unwritable --out, a full disk (file size limit), a locked
# database, a damaged database, unwritable --db/--json of `ldfi run`, a
# missing or malformed conf. Each case checks the exit status, a message
# naming the path and the problem, no crash (status < 128, no sanitizer
# report) and that runs already recorded are kept. Runs from the source root.
set -eu

LDFI=$1
case $LDFI in /*) ;; *) LDFI=$PWD/$LDFI ;; esac
CONF=$PWD/scenarios/delivery/ack-deliv.conf
T=$(mktemp -d)
LOCKPID=
cleanup() {
	if [ -n "$LOCKPID" ]; then kill "$LOCKPID" 2>/dev/null || true; fi
	chmod -R u+w "$T" 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT
cd "$T"

fails=0
fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

# expect NAME STATUS PATTERN... -- CMD...: run CMD (stdout to out, stderr to
# err), check its status, no crash, and that stderr matches every PATTERN.
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
	"$@" >out 2>err || st=$?
	if [ "$st" -ge 128 ]; then
		fail "$name: crashed (status $st)"
	elif [ "$st" != "$want" ]; then
		fail "$name: exit $st, expected $want"
	fi
	if grep -q -E 'Sanitizer|runtime error:' err; then
		fail "$name: sanitizer report"
	fi
	for p in "${pats[@]}"; do
		grep -q -E -- "$p" err || fail "$name: stderr lacks /$p/"
	done
	echo "$name: exit $st: $(head -c 300 err | tr '\n' '|')"
}

runs() {
	sqlite3 "$1" 'select count(*) from runs'
}

integrity() {
	[ "$(sqlite3 "$1" 'pragma integrity_check')" = ok ] || fail "$2: integrity_check of $1"
}

# A fresh exploration, for the verdict resumed explorations must reach.
"$LDFI" explore "$CONF" --out fresh --quiet >fresh.txt || true
grep -q '^certified' fresh.txt || fail "fresh explore not certified: $(cat fresh.txt)"
total=$(runs fresh/provenance.db)

# 1. Unwritable --out. Root ignores permissions: use a path under a file.
if [ "$(id -u)" = 0 ]; then
	: >afile
	expect unwritable-out 4 'afile/sub' 'cannot create directory' 'Not a directory' -- \
		"$LDFI" explore "$CONF" --out afile/sub
else
	mkdir ro && chmod 0555 ro
	expect unwritable-out 4 'ro/sub' 'cannot create directory' 'Permission denied' -- \
		"$LDFI" explore "$CONF" --out ro/sub
fi

# 2. A full disk: a file size limit (SIGXFSZ ignored, so write fails with
# EFBIG) stops the exploration midway; the runs committed before are kept
# and a rerun without the limit resumes to the fresh verdict.
st=0
(
	trap '' XFSZ
	ulimit -f 300
	exec "$LDFI" explore "$CONF" --out full --quiet
) >out 2>err || st=$?
[ "$st" = 4 ] || fail "full-disk: exit $st, expected 4"
grep -q 'full/provenance.db' err || fail "full-disk: stderr does not name the database"
grep -q -E 'disk full|file size limit|disk is full' err || fail "full-disk: stderr lacks the cause"
grep -q 'runs recorded so far are kept' err || fail "full-disk: stderr lacks 'kept'"
grep -q -E 'Sanitizer|runtime error:' err && fail "full-disk: sanitizer report"
echo "full-disk: exit $st: $(tr '\n' '|' <err)"
integrity full/provenance.db full-disk
n=$(runs full/provenance.db)
[ "$n" -ge 1 ] && [ "$n" -lt "$total" ] || fail "full-disk: $n runs kept (of $total)"
expect full-disk-resume 0 -- "$LDFI" explore "$CONF" --out full --quiet
grep -q '^certified' out || fail "full-disk-resume: $(cat out)"
[ "$(runs full/provenance.db)" = "$total" ] || fail "full-disk-resume: $(runs full/provenance.db) runs, fresh had $total"

# 3. A locked database: another process holds an exclusive lock longer than
# the busy timeout (5 s): exit 4, "database is locked", earlier runs kept.
# Then a lock released within the timeout: the exploration waits and ends.
"$LDFI" explore "$CONF" --out locked --max-runs 3 --quiet >/dev/null || true
mkfifo lockfifo
sqlite3 locked/provenance.db <lockfifo >/dev/null 2>&1 &
LOCKPID=$!
exec 9>lockfifo
echo 'BEGIN EXCLUSIVE;' >&9
sleep 0.5
expect locked 4 'locked/provenance.db' 'database is locked' 'gave up after 5000 ms' -- \
	"$LDFI" explore "$CONF" --out locked --quiet
exec 9>&-
wait "$LOCKPID" || true
LOCKPID=
[ "$(runs locked/provenance.db)" = 3 ] || fail "locked: $(runs locked/provenance.db) runs, expected 3"
integrity locked/provenance.db locked
(
	echo 'BEGIN EXCLUSIVE;'
	sleep 2
) | sqlite3 locked/provenance.db &
LOCKPID=$!
sleep 0.5
expect locked-released 0 -- "$LDFI" explore "$CONF" --out locked --quiet
grep -q '^certified' out || fail "locked-released: $(cat out)"
wait "$LOCKPID" || true
LOCKPID=

# 4. A damaged database: pages overwritten in the middle, a clobbered
# header, a text file. Exit 4 with the database named and SQLite's reason.
"$LDFI" explore "$CONF" --out dmg --max-runs 3 --quiet >/dev/null || true
cp -r dmg hdr
size=$(wc -c <dmg/provenance.db)
tr '\000' '\377' </dev/zero | dd of=dmg/provenance.db bs=4096 seek=1 count=$((size / 4096 - 2)) \
	conv=notrunc iflag=fullblock 2>/dev/null
expect damaged 4 'dmg/provenance.db' 'malformed' -- "$LDFI" explore "$CONF" --out dmg
dd if=/dev/zero of=hdr/provenance.db bs=1 count=100 conv=notrunc 2>/dev/null
expect damaged-header 4 'hdr/provenance.db: not an ldfi database' -- \
	"$LDFI" explore "$CONF" --out hdr
mkdir txt && echo 'not a database' >txt/provenance.db
expect text-db 4 'txt/provenance.db: not an ldfi database' -- "$LDFI" explore "$CONF" --out txt
[ "$(cat txt/provenance.db)" = 'not a database' ] || fail "text-db: the file was changed"

# 5. `ldfi run` with --db / --json on unwritable paths: exit 4, the path
# named, the checks still printed on stdout.
: >nf
expect run-db 4 'nf/x.db' 'cannot open' -- "$LDFI" run "$CONF" --db nf/x.db
grep -q '^pass agree' out || fail "run-db: checks not printed: $(cat out)"
expect run-json 4 'nf/r.json' 'cannot write' -- "$LDFI" run "$CONF" --json nf/r.json
grep -q '^pass agree' out || fail "run-json: checks not printed: $(cat out)"
expect run-db-json 4 'nf/x.db' 'nf/r.json' -- "$LDFI" run "$CONF" --db nf/x.db --json nf/r.json
grep -q '^pass agree' out || fail "run-db-json: checks not printed: $(cat out)"

# 6. A missing conf, a FIFO or a directory as the conf, and a malformed conf are
# usage errors (2): the user's to fix.
expect missing-conf 2 'nosuch.conf: No such file or directory' -- \
	"$LDFI" explore nosuch.conf --out m
echo 'garbage here' >bad.conf
expect malformed-conf 2 'bad.conf:1:' -- "$LDFI" explore bad.conf --out m
expect run-missing-conf 2 'nosuch.conf: No such file or directory' -- "$LDFI" run nosuch.conf
expect run-malformed-conf 2 'bad.conf:1:' -- "$LDFI" run bad.conf

if [ "$fails" -ne 0 ]; then
	echo "$fails failure(s)" >&2
	exit 1
fi
echo "envfaults: all cases pass"
