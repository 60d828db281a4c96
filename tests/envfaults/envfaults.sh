#!/bin/bash
# envfaults.sh LDFI - environmental faults (docs/explore.md "Environmental
# faults"): an unwritable --out, a full disk (file size limit), a locked
# database, a damaged database, unwritable --db/--json of `ldfi run`, a
# missing or malformed conf; stdout on a full device, a FIFO as the conf, an
# empty --out, `ldfi report` on a read-only file system. Each case checks the exit status, a message
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
	umount "$T/rofs" 2>/dev/null || true
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

# 7. Results that cannot be written to stdout (a full device): exit 4 with
# a message, for explore --quiet, run and check alike.
expect stdout-full-explore 4 'cannot write the results to stdout' -- \
	sh -c 'exec "$0" explore "$1" --out sf --quiet >/dev/full' "$LDFI" "$CONF"
expect stdout-full-run 4 'cannot write the results to stdout' -- \
	sh -c 'exec "$0" run "$1" >/dev/full' "$LDFI" "$CONF"
expect stdout-full-check 4 'cannot write the results to stdout' -- \
	sh -c 'exec "$0" check "$1" >/dev/full' "$LDFI" "$CONF"

# 8. A FIFO (or any file that is not a regular file) as the conf is refused
# at once, never waited on (a usage error, as a missing conf).
mkfifo conf.fifo
expect fifo-conf 2 'conf.fifo: not a regular file' -- timeout 10 "$LDFI" check conf.fifo
expect fifo-conf-explore 2 'conf.fifo: not a regular file' -- \
	timeout 10 "$LDFI" explore conf.fifo --out fifo

# 9. An empty --out (or report path) is a usage error, nothing is run.
expect empty-out 2 "--out needs a directory" -- "$LDFI" explore "$CONF" --out ""
expect empty-json 2 "--json needs a file name" -- "$LDFI" explore "$CONF" --json ""

# 10. `ldfi report DB --html` reads the database without writing it: on a
# read-only file system (a tmpfs remounted read-only, where allowed), or a
# read-only directory and file (not for root, whom permissions do not stop).
"$LDFI" explore "$CONF" --out rodb --quiet >/dev/null || true
mkdir rofs
if mount -t tmpfs ldfi-envfaults rofs 2>/dev/null; then
	cp rodb/provenance.db rofs/ && mount -o remount,ro rofs
	expect report-readonly-fs 0 -- "$LDFI" report rofs/provenance.db --html rohtml
	grep -q 'index.html' out || fail "report-readonly-fs: $(cat out)"
	umount rofs
elif [ "$(id -u)" != 0 ]; then
	chmod a-w rodb/provenance.db rodb
	expect report-readonly-file 0 -- "$LDFI" report rodb/provenance.db --html rohtml
	chmod u+w rodb
else
	echo "report-readonly: skipped (root, and no tmpfs can be mounted)"
fi

# 11. A report path that is the provenance database or one of its files is
# refused before anything runs (exit 2); the database keeps its runs. The
# same file by another name, or a database not created yet, too.
"$LDFI" explore "$CONF" --out keep --max-runs 4 --quiet >/dev/null || true
for dbp in keep/provenance.db keep/./provenance.db "$T/keep/provenance.db" \
	keep/provenance.db-wal keep/provenance.db-shm keep/provenance.db-journal; do
	expect "json-over-db $dbp" 2 'provenance database' -- \
		"$LDFI" explore "$CONF" --out keep --json "$dbp"
	expect "junit-over-db $dbp" 2 'provenance database' -- \
		"$LDFI" explore "$CONF" --out keep --junit "$dbp"
done
ln -s keep/provenance.db link.db
expect json-over-db-symlink 2 'provenance database' -- "$LDFI" explore "$CONF" --out keep --json link.db
expect json-over-new-db 2 'provenance database' -- \
	"$LDFI" explore "$CONF" --out new/sub --json new/./sub/../sub/provenance.db
[ ! -e new ] || fail "json-over-new-db: --out was created"
[ "$(runs keep/provenance.db)" = 4 ] || fail "report over the database: $(runs keep/provenance.db) runs left"
integrity keep/provenance.db report-over-db
cp keep/provenance.db keep/index.html
expect report-html-over-db 2 'provenance database' -- "$LDFI" report keep/index.html --html keep
cmp -s keep/index.html keep/provenance.db || fail "report-html-over-db: the database was changed"

if [ "$fails" -ne 0 ]; then
	echo "$fails failure(s)" >&2
	exit 1
fi
echo "envfaults: all cases pass"
