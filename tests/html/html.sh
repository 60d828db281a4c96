#!/bin/sh
# html.sh LDFI - the HTML report: `ldfi explore --html DIR` and `ldfi report
# DB --html DIR` on known scenarios, each page checked by check_html.py
# (XML well-formedness of the page and of every SVG alone, nothing fetched,
# the runs table against the database, one lifeline per node and one arrow
# per message of each drawn run with its fate and fault, the crash markers,
# the lineage graph and why-not sentence of the counterexample), the two
# commands giving the same page, and their errors. Run from the source root.
set -u
ldfi=$1
here=$(dirname "$0")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ldfi-html-test.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
fails=0

if ! command -v python3 >/dev/null 2>&1; then
	echo "html.sh: python3 not found" >&2
	exit 77
fi

fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

# run CMD...: stdout in $tmp/out, stderr in $tmp/err, the status in $st.
run() {
	if "$@" >"$tmp/out" 2>"$tmp/err"; then st=0; else st=$?; fi
}

expect_status() {
	[ "$st" -eq "$2" ] || fail "$1: exit $st, expected $2 ($(head -c 300 "$tmp/err"))"
}

page() {
	python3 "$here/check_html.py" "$@" || fail "check_html $*"
}

# The page without the wall time (the one line `ldfi report` cannot know).
strip_wall() {
	grep -v '<th>wall time</th>' "$1"
}

# classic-deliv: three omissions cut the three derivations of bcast:1 at b;
# a spacetime diagram per run (the fault-free run, two that passed, the
# counterexample).
classic=scenarios/delivery/classic-deliv.conf
run "$ldfi" explore $classic --out "$tmp/c" --html "$tmp/c/html"
expect_status "explore classic-deliv --html" 1
why=$(sed -n 's/^  why not: /why not: /p' "$tmp/out")
[ -n "$why" ] || fail "classic-deliv: no why-not line in the text report"
page "$tmp/c/html/index.html" "$tmp/c/provenance.db" --verdict counterexample \
	--nodes a,b,c --figures 4 --outcome log@b:bcast:1 --cut 'omit(a,b,1)' \
	--cut 'omit(a,b,2)' --cut 'omit(c,b,2)' --events 5 --why "$why"
run "$ldfi" report "$tmp/c/provenance.db" --html "$tmp/c/report"
expect_status "report classic-deliv" 0
grep -qF "$tmp/c/report/index.html" "$tmp/out" || fail "report: stdout: $(cat "$tmp/out")"
strip_wall "$tmp/c/html/index.html" >"$tmp/a.html"
strip_wall "$tmp/c/report/index.html" >"$tmp/b.html"
cmp -s "$tmp/a.html" "$tmp/b.html" ||
	fail "report and explore --html differ: $(diff "$tmp/a.html" "$tmp/b.html" | head -5)"
ls "$tmp/c/html" | grep -qv '^index.html$' && fail "--html DIR holds more than index.html"

# retry-deliv: the counterexample crashes the sender.
run "$ldfi" explore scenarios/delivery/retry-deliv.conf --out "$tmp/r" --html "$tmp/r/html"
expect_status "explore retry-deliv --html" 1
why=$(sed -n 's/^  why not: /why not: /p' "$tmp/out")
page "$tmp/r/html/index.html" "$tmp/r/provenance.db" --verdict counterexample \
	--nodes a,b,c --outcome log@b:bcast:1 --cut 'omit(a,b,1)' --cut 'crash(a,2)' \
	--cut 'crash(a,2)' --events 3 --why "$why"
python3 - "$tmp/r/html/index.html" <<'PY' || fail "retry-deliv: crash marker"
import sys, xml.etree.ElementTree as ET
S = "{http://www.w3.org/2000/svg}"
root = ET.parse(sys.argv[1]).getroot()
fig = [f for f in root.iter("{http://www.w3.org/1999/xhtml}figure") if f.get("id") == "run-3"][0]
marks = [g for g in fig.iter(S + "g") if g.get("class") == "crash"]
assert [(g.get("data-node"), g.get("data-round"), g.get("data-fault")) for g in marks] == \
    [("a", "2", "crash(a,2)")], [g.attrib for g in marks]
life = [g for g in fig.iter(S + "g") if g.get("class") == "lifeline" and g.get("data-node") == "a"]
assert [l.get("class") for l in life[0].iter(S + "line")] == ["alive", "dead"], "a is not cut"
PY

# duplicates through a lost ack: the lineage is drawn in the counterexample run
run "$ldfi" explore tests/explore/data/lost-ack.conf --out "$tmp/l" --html "$tmp/l/html"
expect_status "explore lost-ack --html" 1
page "$tmp/l/html/index.html" "$tmp/l/provenance.db" --nodes a,b --outcome k@b:s:1 \
	--cut 'omit(b,a,2)' --events 3

# many runs (certified, 85): only the fault-free run is drawn
run "$ldfi" explore scenarios/delivery/ack-deliv.conf --out "$tmp/k" --html "$tmp/k/html" --quiet
expect_status "explore ack-deliv --html" 0
page "$tmp/k/html/index.html" "$tmp/k/provenance.db" --verdict certified --figures 1 \
	--note "spacetime diagrams are drawn for the fault-free run and the counterexamples"

# inconclusive, --all, a multi-stage pipeline
run "$ldfi" explore scenarios/stream/replicated-relay.conf --out "$tmp/s" --html "$tmp/s/html" \
	--max-runs 5 --quiet
expect_status "explore replicated-relay --max-runs 5 --html" 3
page "$tmp/s/html/index.html" "$tmp/s/provenance.db" --verdict inconclusive --figures 5 \
	--nodes out,src,w1,w2
run "$ldfi" explore $classic --out "$tmp/all" --html "$tmp/all/html/" --all --quiet
expect_status "explore classic-deliv --all --html" 1
page "$tmp/all/html/index.html" "$tmp/all/provenance.db" --verdict counterexample

# a conf path that needs escaping
mkdir -p "$tmp/a&b<c>" && cp $classic "$tmp/a&b<c>/x'y.conf"
run "$ldfi" explore "$tmp/a&b<c>/x'y.conf" --out "$tmp/e" --html "$tmp/e/html" --quiet
expect_status "explore escaped path --html" 1
page "$tmp/e/html/index.html" "$tmp/e/provenance.db" --note "a&b<c>/x'y.conf"

# a database of `ldfi run`: no exploration, no fault-free run
run "$ldfi" run $classic --faults 'omit(a,b,1) omit(a,b,2) omit(c,b,2)' --db "$tmp/run.db"
expect_status "run --db" 1
run "$ldfi" report "$tmp/run.db" --html "$tmp/run"
expect_status "report of ldfi run" 0
page "$tmp/run/index.html" "$tmp/run.db" --verdict counterexample --figures 1 \
	--note "The fault-free run is not available"

# the recorded conf moved away: say so, and --conf points at it
mv "$tmp/a&b<c>/x'y.conf" "$tmp/moved.conf"
run "$ldfi" report "$tmp/e/provenance.db" --html "$tmp/e/report"
expect_status "report with its conf gone" 4
grep -qF "(give --conf)" "$tmp/err" || fail "conf gone: stderr: $(cat "$tmp/err")"
run "$ldfi" report "$tmp/e/provenance.db" --html "$tmp/e/report" --conf "$tmp/moved.conf"
expect_status "report --conf" 0
page "$tmp/e/report/index.html" "$tmp/e/provenance.db" --note "moved.conf"

# errors: one line, exit 2 (usage) or 4 (I/O), nothing created
run "$ldfi" report
expect_status "report without arguments" 2
run "$ldfi" report "$tmp/c/provenance.db"
expect_status "report without --html" 2
run "$ldfi" report "$tmp/c/provenance.db" --html "$tmp/x" --bogus
expect_status "report --bogus" 2
run "$ldfi" report "$tmp/missing.db" --html "$tmp/m"
expect_status "report of a missing database" 4
grep -qx "ldfi: $tmp/missing.db: No such file or directory" "$tmp/err" ||
	fail "missing database: stderr: $(cat "$tmp/err")"
[ -e "$tmp/missing.db" ] || [ -e "$tmp/m" ] && fail "report of a missing database created files"
cp "$tmp/c/provenance.db" "$tmp/empty.db"
python3 -c 'import sqlite3, sys; d = sqlite3.connect(sys.argv[1]); d.execute("DELETE FROM runs"); d.commit()' \
	"$tmp/empty.db"
run "$ldfi" report "$tmp/empty.db" --html "$tmp/empty"
expect_status "report of a database without runs" 2
grep -qx "ldfi: $tmp/empty.db: no runs recorded" "$tmp/err" || fail "no runs: $(cat "$tmp/err")"
printf 'not a database' >"$tmp/junk.db"
run "$ldfi" report "$tmp/junk.db" --html "$tmp/j"
expect_status "report of a file that is not a database" 4
[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "junk database: stderr: $(cat "$tmp/err")"
run "$ldfi" explore $classic --out "$tmp/c" --html /dev/null/html --quiet
expect_status "explore --html into a file" 4
grep -q '^ldfi: /dev/null/html: ' "$tmp/err" || fail "--html /dev/null/html: $(cat "$tmp/err")"
run "$ldfi" report "$tmp/c/provenance.db" --html /dev/null/html
expect_status "report --html into a file" 4

if [ "$fails" -gt 0 ]; then
	echo "html.sh: $fails failure(s)" >&2
	exit 1
fi
echo "html.sh: ok"
