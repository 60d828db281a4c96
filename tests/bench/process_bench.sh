#!/bin/sh
# process_bench.sh LDFI [N] - executions per second of process stages
# (docs/process-stages.md), printed, never asserted (the machine is shared):
#   1. the orders pipeline of scenarios/process/orders (3 Python replicas,
#      eot 8) beside the same shape built from built-in relay stages;
#   2. the cost of one Python replica per execution: a chain of 1, 2 and 3
#      forwarding Python replicas.
# Each explore uses strategy random for N executions (default 500); the
# processes are started once and reused; `wall_s` of report.json excludes
# their start. Run from the source root.
set -u
ldfi=$(realpath "$1")
n=${2:-500}
src=$(pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ldfi-pbench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

rate() { # rate CONF: "E executions in S s: R/s"
	"$ldfi" explore "$1" --strategy random --max-runs "$n" --out "$tmp/out" --fresh \
		--quiet >/dev/null 2>"$tmp/err"
	st=$?
	[ "$st" -le 3 ] || { echo "error (exit $st): $(head -c 300 "$tmp/err")"; return; }
	python3 - "$tmp/out/report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
e, s = r["executions"], r["wall_s"]
print("%d executions in %.2f s: %.0f/s, %.2f ms each" % (e, s, e / s, 1000 * s / e))
PY
}

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "orders, Python (3 replicas, eot 8): $(rate "$src/scenarios/process/orders/pipeline.conf")"
sed -e 's/^kind = process$/kind = relay/' -e '/^command = /d' \
	"$src/scenarios/process/orders/pipeline.conf" >"$tmp/builtin.conf"
sed -i '/^\[stage aggregate\]/,/^$/s/^kind = relay$/kind = relay\ndedup = yes/' "$tmp/builtin.conf"
echo "orders, built-in relays (same shape): $(rate "$tmp/builtin.conf")"

cat >"$tmp/fwd.py" <<'PY'
import ldfi_stage


class Fwd(ldfi_stage.Stage):
    def on_message(self, msg):
        self.send(msg.record)


ldfi_stage.run(Fwd)
PY
for k in 1 2 3; do
	{
		printf '[explore]\neot = 8\neff = 4\n\n[source s]\nnode = n0\nrecords = 3\nto = p1\n'
		printf 'delivery = ack\nretry_every = 2\n\n'
		i=1
		while [ "$i" -le "$k" ]; do
			next=p$((i + 1))
			[ "$i" -eq "$k" ] && next=out
			printf '[stage p%d]\nkind = process\ncommand = python3 fwd.py\nnodes = n%d\n' "$i" "$i"
			printf 'to = %s\ndelivery = ack\nretry_every = 2\n\n' "$next"
			i=$((i + 1))
		done
		printf '[sink out]\nnodes = z\n\n[check c]\nkind = delivered\nsink = out\n'
	} >"$tmp/chain$k.conf"
	echo "chain of $k Python replica(s): $(rate "$tmp/chain$k.conf")"
done
