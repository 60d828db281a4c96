#!/bin/sh
# exit-codes.sh LDFI - `ldfi explore` at the command line (README.md, docs/reports.md): exit
# statuses 0/1/2/3, the verdict line first on stdout and diagnostics on
# stderr, --quiet, --json and --junit files, an --out that holds another
# exploration (exit 2, pointing at --fresh) and --fresh. Run from the source
# root.
set -eu
ldfi=$1
. "$(dirname "$0")/lib.sh"
D=scenarios/delivery

# 0: certified. The verdict line first, the figures after it, nothing on
# stderr (no terminal, no --progress).
run "$ldfi" explore $D/ack-deliv.conf --eot 6 --eff 3 --crashes 1 --out "$tmp/ack" \
	--json "$tmp/ack.json" --junit "$tmp/ack.xml"
expect_status certified 0
[ "$(first_line "$tmp/out")" = "certified: no counterexample within eot=6 eff=3 crashes=1" ] ||
	fail "certified: first line: $(first_line "$tmp/out")"
sed -n 2p "$tmp/out" | grep -q '^executions: [0-9]* (the fault-free run included)$' ||
	fail "certified: no executions line: $(sed -n 2p "$tmp/out")"
[ ! -s "$tmp/err" ] || fail "certified: stderr not empty: $(cat "$tmp/err")"
[ "$(json_str "$tmp/ack.json" verdict)" = certified ] || fail "certified: --json verdict"
[ "$(executions "$tmp/ack.json")" = "$(executions "$tmp/ack/report.json")" ] ||
	fail "certified: --json and OUT/report.json differ in executions"
grep -q '<property name="verdict" value="certified"/>' "$tmp/ack.xml" ||
	fail "certified: --junit verdict"
grep -q '<testcase classname="ldfi.ack-deliv" name="agree (agreement)"' "$tmp/ack.xml" ||
	fail "certified: --junit testcase"
! grep -q '<failure' "$tmp/ack.xml" || fail "certified: --junit has a failure"
# Every execution is a row in OUT/provenance.db.
[ "$(sql "$tmp/ack/provenance.db" 'select count(*) from runs')" = "$(executions "$tmp/ack.json")" ] ||
	fail "certified: runs in the database differ from executions"

# 1: counterexample, a single omission to b or c in round 1.
run "$ldfi" explore $D/simple-deliv.conf --out "$tmp/simple" --json "$tmp/simple.json" \
	--junit "$tmp/simple.xml"
expect_status counterexample 1
[ "$(first_line "$tmp/out")" = "counterexample found" ] ||
	fail "counterexample: first line: $(first_line "$tmp/out")"
grep -Eq '^faults: omit\(a,[bc],1\)$' "$tmp/out" || fail "counterexample: no faults line"
grep -Eq '^FAIL agree \(agreement on log\)$' "$tmp/out" || fail "counterexample: no FAIL line"
[ ! -s "$tmp/err" ] || fail "counterexample: stderr not empty: $(cat "$tmp/err")"
[ "$(json_str "$tmp/simple.json" verdict)" = counterexample ] || fail "counterexample: --json"
grep -Eq '"faults": "omit\(a,[bc],1\)"' "$tmp/simple.json" || fail "counterexample: --json faults"
grep -q '<failure type="counterexample"' "$tmp/simple.xml" || fail "counterexample: --junit"

# --quiet: the verdict line only.
run "$ldfi" explore $D/simple-deliv.conf --out "$tmp/simple-q" --quiet
expect_status quiet 1
[ "$(cat "$tmp/out")" = "counterexample found" ] || fail "quiet: stdout: $(cat "$tmp/out")"
[ -s "$tmp/simple-q/report.json" ] || fail "quiet: no OUT/report.json"

# --progress: progress on stderr, stdout unchanged.
run "$ldfi" explore $D/simple-deliv.conf --out "$tmp/simple-p" --progress
expect_status progress 1
[ "$(first_line "$tmp/out")" = "counterexample found" ] || fail "progress: first line"
grep -q '^executions [0-9]*, hypotheses pending' "$tmp/err" || fail "progress: nothing on stderr"

# 2: a configuration error, FILE:LINE: message on stderr, nothing run.
printf '[explore]\neot = 4\nrounds = 3\n' >"$tmp/bad.conf"
run "$ldfi" explore "$tmp/bad.conf" --out "$tmp/bad"
expect_status "bad conf" 2
grep -q "^$tmp/bad.conf:3: unknown key 'rounds' in \[explore\]\$" "$tmp/err" ||
	fail "bad conf: message: $(cat "$tmp/err")"
[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "bad conf: stderr is not one line"
[ ! -s "$tmp/out" ] || fail "bad conf: stdout not empty"
[ ! -e "$tmp/bad" ] || fail "bad conf: --out created"

# 2: usage errors and bounds the conf refuses.
run "$ldfi" explore --bogus $D/simple-deliv.conf
expect_status "unknown option" 2
grep -q "unknown option '--bogus'" "$tmp/err" || fail "unknown option: message"
run "$ldfi" explore $D/simple-deliv.conf --eff 9 --out "$tmp/bounds"
expect_status "--eff > eot" 2
grep -q -- '--eff 9 exceeds eot 4' "$tmp/err" || fail "--eff > eot: $(cat "$tmp/err")"

# 2: a missing conf (docs/pipeline-conf.md); a FIFO is refused at once.
run "$ldfi" explore "$tmp/missing.conf" --out "$tmp/missing"
expect_status "missing conf" 2
grep -q "missing.conf: No such file or directory" "$tmp/err" || fail "missing conf: message"
mkfifo "$tmp/fifo.conf"
run timeout 20 "$ldfi" explore "$tmp/fifo.conf" --out "$tmp/fifo"
expect_status "FIFO as the conf" 2
grep -q "fifo.conf: not a regular file" "$tmp/err" || fail "FIFO conf: $(cat "$tmp/err")"

# Option values: the error names the option, the value and the range.
run "$ldfi" explore $D/simple-deliv.conf --eot -3 --out "$tmp/neg"
expect_status "--eot -3" 2
grep -qF -- "--eot expects a number in 0..1000, got '-3'" "$tmp/err" || fail "--eot -3: $(cat "$tmp/err")"
run "$ldfi" explore $D/simple-deliv.conf --seed 18446744073709551616 --out "$tmp/seed"
expect_status "--seed 2^64" 2
grep -qF -- "--seed expects a number in 0..18446744073709551615" "$tmp/err" || fail "--seed: $(cat "$tmp/err")"
run "$ldfi" explore $D/simple-deliv.conf --time-limit 0 --out "$tmp/t0"
expect_status "--time-limit 0" 2
# A fractional time limit is accepted; --jobs is a number of threads.
run "$ldfi" explore $D/simple-deliv.conf --time-limit 1.5 --jobs 2 --out "$tmp/frac"
expect_status "--time-limit 1.5" 1
[ ! -s "$tmp/err" ] || fail "--jobs 2: unexpected diagnostics: $(cat "$tmp/err")"
run "$ldfi" explore $D/simple-deliv.conf --jobs 0 --out "$tmp/j0"
expect_status "--jobs 0" 2
grep -qF -- "--jobs expects a number in 1..1024" "$tmp/err" || fail "--jobs 0: $(cat "$tmp/err")"
# One execution is "1 execution".
run "$ldfi" explore $D/ack-deliv.conf --max-runs 1 --out "$tmp/one"
expect_status "--max-runs 1" 3
first_line "$tmp/out" | grep -q '^inconclusive: max-runs 1 reached after 1 execution;' ||
	fail "--max-runs 1: $(first_line "$tmp/out")"

# 3: a budget runs out; `inconclusive: ...` first, reason in the reports.
run "$ldfi" explore $D/ack-deliv.conf --max-runs 2 --out "$tmp/inc" --json "$tmp/inc.json" \
	--junit "$tmp/inc.xml"
expect_status inconclusive 3
first_line "$tmp/out" | grep -q '^inconclusive: max-runs 2 reached after 2 executions' ||
	fail "inconclusive: first line: $(first_line "$tmp/out")"
[ "$(json_str "$tmp/inc.json" verdict)" = inconclusive ] || fail "inconclusive: --json verdict"
[ "$(executions "$tmp/inc.json")" = 2 ] || fail "inconclusive: --json executions"
grep -q '"reason": "max-runs 2 reached' "$tmp/inc.json" || fail "inconclusive: --json reason"
grep -q '<skipped message="inconclusive: max-runs 2' "$tmp/inc.xml" || fail "inconclusive: --junit"

# 2: --out holding an exploration of another conf, or of other bounds.
runs_before=$(sql "$tmp/ack/provenance.db" 'select count(*) from runs')
run "$ldfi" explore $D/simple-deliv.conf --out "$tmp/ack"
expect_status "other conf" 2
grep -q -- '--fresh' "$tmp/err" || fail "other conf: message does not mention --fresh: $(cat "$tmp/err")"
[ ! -s "$tmp/out" ] || fail "other conf: stdout not empty"
run "$ldfi" explore $D/ack-deliv.conf --eot 7 --eff 3 --crashes 1 --out "$tmp/ack"
expect_status "other bounds" 2
grep -q -- '--fresh' "$tmp/err" || fail "other bounds: message does not mention --fresh"
[ "$(sql "$tmp/ack/provenance.db" 'select count(*) from runs')" = "$runs_before" ] ||
	fail "other conf: the database was written"

# --fresh starts over: only the new exploration's runs remain.
run "$ldfi" explore $D/simple-deliv.conf --out "$tmp/ack" --fresh --json "$tmp/fresh.json"
expect_status fresh 1
[ "$(sql "$tmp/ack/provenance.db" 'select count(*) from runs')" = "$(executions "$tmp/fresh.json")" ] ||
	fail "fresh: runs of the old exploration remain"
[ "$(sql "$tmp/ack/provenance.db" "select count(*) from runs where conf like '%ack-deliv%'")" = 0 ] ||
	fail "fresh: ack-deliv runs remain"

# Nothing is written outside --out (default ldfi-out/) but the files asked
# for; the database's WAL files are gone once explore ends; the lock file
# (one process owns an --out at a time) stays.
case $ldfi in /*) ;; *) ldfi=$PWD/$ldfi ;; esac
conf=$PWD/$D/simple-deliv.conf
mkdir "$tmp/cwd"
(cd "$tmp/cwd" && "$ldfi" explore "$conf" --quiet >/dev/null 2>&1) || true
[ "$(ls -A "$tmp/cwd")" = ldfi-out ] || fail "default --out: $(ls -A "$tmp/cwd")"
[ "$(ls -A "$tmp/cwd/ldfi-out" | tr '\n' ' ')" = "lock provenance.db report.json " ] ||
	fail "default --out holds: $(ls -A "$tmp/cwd/ldfi-out" | tr '\n' ' ')"
rm -rf "$tmp/cwd" && mkdir "$tmp/cwd"
(cd "$tmp/cwd" && "$ldfi" explore "$conf" --out sub/dir --json r.json --quiet >/dev/null 2>&1) ||
	true
[ "$(ls -A "$tmp/cwd" | tr '\n' ' ')" = "r.json sub " ] ||
	fail "--out sub/dir: $(ls -A "$tmp/cwd" | tr '\n' ' ')"
[ -s "$tmp/cwd/sub/dir/provenance.db" ] || fail "--out sub/dir: no database"

finish
