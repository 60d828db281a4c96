#!/bin/sh
# killwrite.sh LDFI - kill -9 while a report is written never leaves a
# truncated or empty report (docs/explore.md "Environmental faults"): every
# report file is written to a temporary file beside it, flushed, and renamed
# over it. strace kills ldfi with SIGKILL at each system call that writes a
# report (each write, fsync and rename in turn) while it reports a finished
# exploration again; report.json and the JUnit file must then be the good
# ones, whole, and the next run must succeed. In place, 3 of 150 kill -9s
# left report.json empty and `ldfi replay` failed. Skipped (77) without a
# working strace. Runs from the source root.
set -u
ldfi=$1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ldfi-killwrite.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

command -v strace >/dev/null 2>&1 || { echo "no strace: skipped"; exit 77; }
strace -f -o /dev/null true 2>/dev/null || { echo "strace cannot trace here: skipped"; exit 77; }

conf="scenarios/delivery/classic-deliv.conf --eot 5 --eff 3 --crashes 0"
out=$tmp/out
# shellcheck disable=SC2086
"$ldfi" explore $conf --out "$out" --junit "$out/junit.xml" --html "$out/html" >/dev/null 2>&1
[ $? -eq 1 ] || { echo "FAIL: the first explore did not find the counterexample"; exit 1; }
cp "$out/report.json" "$tmp/good.json"
cp "$out/junit.xml" "$tmp/good.xml"
cp "$out/html/index.html" "$tmp/good.html"

# How many writes reporting it again takes (report.json, JUnit, the page,
# stdout): every one of them is a place to be killed at.
# shellcheck disable=SC2086
strace -f -e trace=write -o "$tmp/trace" "$ldfi" explore $conf --out "$out" \
	--junit "$out/junit.xml" --html "$out/html" >/dev/null 2>&1
nw=$(grep -c ' write(' "$tmp/trace")
[ "$nw" -ge 3 ] || fail "reporting again made $nw writes"

for call in write fsync rename; do
	n=1
	while :; do
		case $call in
		write) [ $n -le "$nw" ] || break ;;
		*) [ $n -le 3 ] || break ;;
		esac
		# shellcheck disable=SC2086
		strace -f -o /dev/null -e trace=$call -e inject=$call:signal=KILL:when=$n \
			"$ldfi" explore $conf --out "$out" --junit "$out/junit.xml" --html "$out/html" \
			>"$tmp/stdout" 2>"$tmp/stderr"
		cmp -s "$out/report.json" "$tmp/good.json" ||
			fail "killed at $call #$n: report.json is not the good one ($(wc -c <"$out/report.json") bytes)"
		cmp -s "$out/junit.xml" "$tmp/good.xml" ||
			fail "killed at $call #$n: junit.xml is not the good one ($(wc -c <"$out/junit.xml") bytes)"
		cmp -s "$out/html/index.html" "$tmp/good.html" ||
			fail "killed at $call #$n: index.html is not the good one"
		n=$((n + 1))
	done
done

# The reports still work: replay reads report.json, and a last run
# reports the same.
"$ldfi" replay "$out/report.json" >/dev/null 2>"$tmp/stderr"
[ $? -eq 1 ] || fail "replay after the kills: $(cat "$tmp/stderr")"
# shellcheck disable=SC2086
"$ldfi" explore $conf --out "$out" --junit "$out/junit.xml" --html "$out/html" >/dev/null 2>&1
[ $? -eq 1 ] || fail "explore after the kills"
cmp -s "$out/report.json" "$tmp/good.json" || fail "the last report.json differs"

if [ "$fails" -gt 0 ]; then
	echo "$fails failure(s)" >&2
	exit 1
fi
echo "killwrite: all cases pass"
