#!/bin/sh
# render.sh - render an ldfi HTML report to a PNG with headless Chromium, to
# look at it (or review a change to the page) without a desktop.
#
#   tests/html/render.sh PAGE.html OUT.png [WIDTH,HEIGHT]
#       render PAGE.html (e.g. ldfi-out/html/index.html); default 1400,2000
#   tests/html/render.sh --example LDFI OUT.png [WIDTH,HEIGHT]
#       explore scenarios/delivery/classic-deliv.conf with the ldfi binary
#       LDFI (in a temporary directory, so that the page shows the paths a
#       user sees: scenarios/..., ldfi-out/...) and render its page; this is
#       how docs/img/classic-deliv-report.png is made:
#       tests/html/render.sh --example build/ldfi docs/img/classic-deliv-report.png
#
# Run from the source root. Needs Chromium, which is not one of ldfi's
# build or test dependencies: on Debian/Ubuntu `apt-get install -y chromium`
# (the binary may also be called chromium-browser or google-chrome; set
# CHROMIUM=/path/to/it to choose). Exits 77 (skipped) when it is missing.
# Chromium runs headless, sandbox off (root in a container), with a fresh
# profile, and nothing fetched: the page is self-contained.
set -eu

usage() {
	echo "usage: render.sh PAGE.html OUT.png [W,H] | render.sh --example LDFI OUT.png [W,H]" >&2
	exit 2
}

find_chromium() {
	for c in ${CHROMIUM:-} chromium chromium-browser google-chrome; do
		if command -v "$c" >/dev/null 2>&1; then
			echo "$c"
			return
		fi
	done
	echo "render.sh: Chromium not found; install it with: apt-get install -y chromium" >&2
	exit 77
}

# abs PATH: PATH made absolute (the file need not exist yet).
abs() {
	case $1 in
	/*) echo "$1" ;;
	*) echo "$PWD/$1" ;;
	esac
}

[ $# -ge 2 ] || usage
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ldfi-render.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
if [ "$1" = --example ]; then
	[ $# -ge 3 ] || usage
	ldfi=$(abs "$2")
	out=$(abs "$3")
	size=${4:-1400,2000}
	ln -s "$PWD/scenarios" "$tmp/scenarios"
	(cd "$tmp" && "$ldfi" explore scenarios/delivery/classic-deliv.conf --out ldfi-out \
		--html ldfi-out/html --quiet >/dev/null) || [ $? -eq 1 ] || exit 1
	page=$tmp/ldfi-out/html/index.html
else
	page=$(abs "$1")
	out=$(abs "$2")
	size=${3:-1400,2000}
fi
[ -f "$page" ] || {
	echo "render.sh: $page: no such page" >&2
	exit 1
}
chromium=$(find_chromium)
rm -f "$out"
"$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync \
	--user-data-dir="$tmp/profile" --screenshot="$out" --window-size="$size" \
	"file://$page" >"$tmp/log" 2>&1 || true
if [ ! -s "$out" ]; then
	echo "render.sh: Chromium wrote no $out:" >&2
	tail -5 "$tmp/log" >&2
	exit 1
fi
echo "$out"
