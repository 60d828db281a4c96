#!/bin/sh
# run.sh LDFI - `ldfi run`, `--help` and usage errors (README.md, `ldfi --help`). Run from the
# source root; scenarios/delivery/simple-deliv.conf is the pipeline.
set -u
ldfi=$1
conf=scenarios/delivery/simple-deliv.conf
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fails=0

fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

# expect STATUS NAME -- CMD...: exit status, and stdout/stderr kept in $tmp
expect() {
	want=$1 name=$2
	shift 3
	"$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	[ "$got" -eq "$want" ] || fail "$name: exit $got, expected $want ($(head -c 300 "$tmp/err"))"
}

# one_line NAME: stderr is exactly one line and stdout is empty
one_line() {
	[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "$1: stderr is not one line: $(cat "$tmp/err")"
	[ ! -s "$tmp/out" ] || fail "$1: stdout is not empty: $(cat "$tmp/out")"
}

# a check fails: exit 1, the result on stdout, and the JSON document
expect 1 "run omit(a,c,1)" -- "$ldfi" run "$conf" --faults 'omit(a,c,1)' --json "$tmp/run.json"
grep -qx 'faults: omit(a,c,1)' "$tmp/out" || fail "run: no faults line: $(cat "$tmp/out")"
grep -qx 'FAIL agree (agreement on log)' "$tmp/out" || fail "run: no FAIL line"
grep -qx '    bcast:1 missing at log@c' "$tmp/out" || fail "run: no offending record"
[ ! -s "$tmp/err" ] || fail "run: stderr is not empty: $(cat "$tmp/err")"
if command -v python3 >/dev/null 2>&1; then
	python3 - "$tmp/run.json" <<'PY' || fail "run --json: unexpected document"
import json, sys
d = json.load(open(sys.argv[1]))
assert isinstance(d["version"], str) and d["version"], d
assert d["faults"] == "omit(a,c,1)", d["faults"]
assert d["passed"] is False
assert [c["name"] for c in d["checks"]] == ["agree"]
c = d["checks"][0]
assert c["kind"] == "agreement" and c["passed"] is False
assert c["records"] == [{"record": "bcast:1", "sink": "log", "node": "c",
                         "problem": "missing", "count": 0, "expected": 1}], c["records"]
outs = {(o["sink"], o["node"]): o for o in d["outputs"]}
assert sorted(outs) == [("log", "a"), ("log", "b"), ("log", "c")], outs
assert outs[("log", "a")]["records"] == ["bcast:1"]
assert outs[("log", "b")]["records"] == ["bcast:1"]
assert outs[("log", "c")]["records"] == []
assert all(o["alive"] is True for o in d["outputs"])
PY
else
	grep -q '"faults": "omit(a,c,1)"' "$tmp/run.json" || fail "run --json: no faults"
fi

# every check holds: exit 0
expect 0 "run fault-free" -- "$ldfi" run "$conf"
grep -qx 'pass agree (agreement on log)' "$tmp/out" || fail "run fault-free: no pass line"

# fault sets outside the bounds or naming unknown nodes: exit 2, one line
expect 2 "omit at eff" -- "$ldfi" run "$conf" --faults 'omit(a,b,2)'
one_line "omit at eff"
expect 2 "unknown node" -- "$ldfi" run "$conf" --faults 'omit(a,z,1)'
one_line "unknown node"
expect 2 "crash over the bound" -- "$ldfi" run "$conf" --faults 'crash(a,2)'
one_line "crash over the bound"
expect 2 "malformed fault set" -- "$ldfi" run "$conf" --faults 'omit(a,b'
one_line "malformed fault set"
expect 2 "unknown option" -- "$ldfi" run "$conf" --frobnicate
one_line "unknown option"
expect 2 "no conf" -- "$ldfi" run
one_line "no conf"

# help on stdout, exit 0; unknown command: exit 2, one line
expect 0 "--help" -- "$ldfi" --help
[ -s "$tmp/out" ] && [ ! -s "$tmp/err" ] || fail "--help: not on stdout"
grep -q 'replay REPORT.json' "$tmp/out" || fail "--help: replay is not listed"
expect 0 "run --help" -- "$ldfi" run --help
[ -s "$tmp/out" ] && [ ! -s "$tmp/err" ] || fail "run --help: not on stdout"
expect 0 "--version" -- "$ldfi" --version
grep -q '^ldfi ' "$tmp/out" || fail "--version: $(cat "$tmp/out")"
expect 2 "unknown command" -- "$ldfi" frobnicate
one_line "unknown command"
expect 2 "no command" -- "$ldfi"
one_line "no command"

[ "$fails" -eq 0 ] || exit 1
echo "run.sh: all passed"
