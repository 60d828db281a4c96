#!/bin/bash
# manpage.sh LDFI - the manual page and the bash completion agree with the
# program: every command and every option `ldfi COMMAND --help` prints is in
# src/cli/ldfi.1, the page formats without a warning, and the completion
# offers each command's options. Run from the source root.
set -u
ldfi=$1
man=src/cli/ldfi.1
fails=0
fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

cmds=$("$ldfi" --help | sed -n 's/^ldfi \([a-z]*\) .*/\1/p')
[ "$(echo "$cmds" | wc -w)" -ge 5 ] || fail "ldfi --help lists too few commands: $cmds"
for c in $cmds; do
	grep -q "^\.SS ldfi $c " "$man" || fail "$man has no section for '$c'"
	"$ldfi" "$c" --help >/tmp/ldfi-man-$$ || fail "ldfi $c --help: exit $?"
	for o in $(sed -n 's/^ *--\([a-z-]*\).*/\1/p' /tmp/ldfi-man-$$); do
		grep -q -- "\\\\-\\\\-$(echo "$o" | sed 's/-/\\\\-/g')\\b" "$man" ||
			fail "$man lacks --$o of ldfi $c"
		"$ldfi" --help | grep -q -- "--$o" || fail "ldfi --help lacks --$o of ldfi $c"
	done
done
rm -f /tmp/ldfi-man-$$

if command -v groff >/dev/null; then
	w=$(groff -man -ww -z "$man" 2>&1)
	[ -z "$w" ] || fail "groff warns on $man: $w"
fi

# The completion, asked as bash asks it.
. src/cli/ldfi.bash-completion
complete_words() { # complete_words WORD... (the last is being completed)
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_WORDS[0]=$ldfi
	COMPREPLY=()
	_ldfi
	echo "${COMPREPLY[*]}"
}
got=$(complete_words ldfi ex)
[ "$got" = explore ] || fail "completion of 'ldfi ex': '$got'"
got=$(complete_words ldfi explore --st)
[ "$got" = --strategy ] || fail "completion of 'ldfi explore --st': '$got'"
got=$(complete_words ldfi explore --strategy e)
[ "$got" = exhaustive ] || fail "completion of '--strategy e': '$got'"
got=$(complete_words ldfi run --f)
[ "$got" = --faults ] || fail "completion of 'ldfi run --f': '$got'"

[ "$fails" -eq 0 ] || exit 1
echo "manpage.sh: all passed"
