#!/bin/sh
# report.sh LDFI TEST_REPORT - the explore reports and `ldfi replay`: runs
# TEST_REPORT (the text and JSON reports, in C), checks the JUnit files it
# wrote with python3's XML parser, and replays its JSON reports, good and
# broken. Run from the source root.
set -u
ldfi=$1
test_report=$2
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fails=0

fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

expect() {
	want=$1 name=$2
	shift 3
	"$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	[ "$got" -eq "$want" ] || fail "$name: exit $got, expected $want ($(head -c 300 "$tmp/err"))"
}

one_line() {
	[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "$1: stderr is not one line: $(cat "$tmp/err")"
	[ -z "${2:-}" ] || grep -qF -- "$2" "$tmp/err" || fail "$1: stderr lacks '$2': $(cat "$tmp/err")"
}

"$test_report" "$tmp" || fail "test_report"

if ! command -v python3 >/dev/null 2>&1; then
	echo "report.sh: python3 not found" >&2
	exit 77
fi

# JUnit: well-formed, one testcase per check, the failure or skip as expected
python3 - "$tmp" <<'PY' || fail "junit"
import sys, xml.etree.ElementTree as ET
d = sys.argv[1]

def suite(name):
    root = ET.parse(f"{d}/{name}").getroot()
    assert root.tag == "testsuite", root.tag
    return root, root.findall("testcase")

root, cases = suite("junit.xml")
assert root.get("name") == "ldfi: scenarios/delivery/simple-deliv.conf", root.get("name")
assert root.get("tests") == "1" and root.get("failures") == "1", root.attrib
assert len(cases) == 1
c = cases[0]
assert c.get("classname") == "ldfi.simple-deliv", c.get("classname")
assert c.get("name") == "agree (agreement)", c.get("name")
f = c.find("failure")
assert f is not None
assert "omit(a,b,1)" in f.get("message"), f.get("message")
assert "bcast:1 missing at log@b" in f.get("message"), f.get("message")
assert "bcast:1 missing at log@b" in f.text, f.text
assert "replay: ldfi run scenarios/delivery/simple-deliv.conf" in f.text, f.text
assert "--faults 'omit(a,b,1)'" in f.text, f.text

root, cases = suite("certified.xml")
assert root.get("failures") == "0" and len(cases) == 1
assert cases[0].find("failure") is None and cases[0].find("skipped") is None

root, cases = suite("inconclusive.xml")
assert root.get("skipped") == "1" and len(cases) == 1
s = cases[0].find("skipped")
assert s is not None
assert s.get("message") == "inconclusive: max-runs 3 reached; 18 <pending> & more", s.get("message")

root, cases = suite("audit.xml")
assert root.get("tests") == "2" and root.get("failures") == "2", root.attrib
assert [c.get("name") for c in cases] == ["agree (agreement)", "audit (matches-fault-free)"]
assert all(c.find("failure") is not None for c in cases)

root, cases = suite("escaped.xml")
assert root.get("name") == "ldfi: we<ird> & \"quoted\" 'name'\ufffd\ufffd.conf", repr(root.get("name"))
assert cases[0].find("failure") is not None
PY

# replay: the counterexample fails again, with the same records
expect 1 "replay" -- "$ldfi" replay "$tmp/report.json"
grep -qx 'faults: omit(a,b,1)' "$tmp/out" || fail "replay: no faults line"
grep -qx 'FAIL agree (agreement on log)' "$tmp/out" || fail "replay: no FAIL line"
[ "$(tail -n 1 "$tmp/out")" = "reproduced: the same checks fail" ] ||
	fail "replay: last line: $(tail -n 1 "$tmp/out")"

# a report whose checks no longer fail: exit 0, not reproduced
edit() {
	python3 - "$tmp/report.json" "$tmp/$1" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
exec(sys.argv[3])
open(sys.argv[2], "w").write(d if isinstance(d, str) else json.dumps(d))
PY
}
edit none.json 'd["counterexample"]["faults"] = "none"'
expect 0 "replay none" -- "$ldfi" replay "$tmp/none.json"
[ "$(tail -n 1 "$tmp/out")" = "not reproduced: check agree holds" ] ||
	fail "replay none: last line: $(tail -n 1 "$tmp/out")"
edit other.json 'd["counterexample"]["faults"] = "omit(a,c,1)"'
expect 1 "replay other" -- "$ldfi" replay "$tmp/other.json"
[ "$(tail -n 1 "$tmp/out")" = "not reproduced: check agree fails on other records" ] ||
	fail "replay other: last line: $(tail -n 1 "$tmp/out")"

# no counterexample, broken reports: exit 2, one line naming the problem
expect 2 "replay certified" -- "$ldfi" replay "$tmp/certified.json"
one_line "replay certified" "no counterexample"
edit nofaults.json 'del d["counterexample"]["faults"]'
expect 2 "missing faults" -- "$ldfi" replay "$tmp/nofaults.json"
one_line "missing faults" "counterexample.faults is missing"
edit badeot.json 'd["bounds"]["eot"] = "4"'
expect 2 "mistyped eot" -- "$ldfi" replay "$tmp/badeot.json"
one_line "mistyped eot" "bounds.eot should be an integer, not a string"
edit badrec.json 'd["counterexample"]["failed_checks"][0]["records"][0]["count"] = None'
expect 2 "mistyped record" -- "$ldfi" replay "$tmp/badrec.json"
one_line "mistyped record" "records[0].count should be an integer, not null"
edit noconf.json 'del d["conf"]'
expect 2 "missing conf" -- "$ldfi" replay "$tmp/noconf.json"
one_line "missing conf" "conf is missing"
edit array.json 'd = [d]'
expect 2 "not an object" -- "$ldfi" replay "$tmp/array.json"
one_line "not an object" "not an ldfi report"
edit badfaults.json 'd["counterexample"]["faults"] = "omit(a,z,1)"'
expect 2 "bad faults" -- "$ldfi" replay "$tmp/badfaults.json"
one_line "bad faults" "counterexample.faults:"
edit trunc.json 'd = json.dumps(d)[:40]'
expect 2 "truncated" -- "$ldfi" replay "$tmp/trunc.json"
one_line "truncated" "not valid JSON"

# unreadable: exit 4; usage: exit 2; help: exit 0
expect 4 "replay missing file" -- "$ldfi" replay "$tmp/nonexistent.json"
one_line "replay missing file" "nonexistent.json"
expect 2 "replay no argument" -- "$ldfi" replay
one_line "replay no argument"
expect 2 "replay two arguments" -- "$ldfi" replay "$tmp/report.json" "$tmp/report.json"
one_line "replay two arguments"
expect 0 "replay --help" -- "$ldfi" replay --help
grep -q 'usage: ldfi replay REPORT.json' "$tmp/out" || fail "replay --help"

# counterexample.faults: empty, or a round beyond any eot (quoted as written)
edit emptyfaults.json 'd["counterexample"]["faults"] = ""'
expect 2 "empty faults" -- "$ldfi" replay "$tmp/emptyfaults.json"
one_line "empty faults" "counterexample.faults is empty"
edit hugeround.json 'd["counterexample"]["faults"] = "crash(a,2147483648)"'
expect 2 "huge round" -- "$ldfi" replay "$tmp/hugeround.json"
one_line "huge round" "round 2147483648 out of range"

# An explore from the source root: the printed commands name the program as
# it was invoked, the reports land in directories that did not exist, and
# the report replays from another directory (it records the conf's absolute
# path beside the path as given).
expect 1 "explore" -- "$ldfi" explore scenarios/delivery/simple-deliv.conf --out "$tmp/x/out" \
	--junit "$tmp/x/new/dir/junit.xml" --json "$tmp/x/other/r.json"
grep -qx "  $ldfi run scenarios/delivery/simple-deliv.conf --eot 4 --eff 2 --crashes 0 --faults 'omit(a,b,1)'" \
	"$tmp/out" || fail "replay line does not name '$ldfi': $(grep -A2 '^replay:' "$tmp/out")"
grep -qx "  $ldfi replay $tmp/x/out/report.json" "$tmp/out" || fail "ldfi replay line"
[ -s "$tmp/x/new/dir/junit.xml" ] && [ -s "$tmp/x/other/r.json" ] || fail "reports in new directories"
ls "$tmp/x/new/dir" | grep -v '^junit.xml$' | grep -q . && fail "a temporary file is left beside the report"
abs_ldfi=$(cd "$(dirname "$ldfi")" && pwd)/$(basename "$ldfi")
(cd "$tmp" && "$abs_ldfi" replay x/out/report.json >replay.out 2>replay.err)
[ $? -eq 1 ] || fail "replay from another directory: $(cat "$tmp/replay.err")"
grep -q "^reproduced" "$tmp/replay.out" || fail "replay from elsewhere: $(cat "$tmp/replay.out")"

[ "$fails" -eq 0 ] || exit 1
echo "report.sh: all passed"
