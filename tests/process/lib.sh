# lib.sh - shared by tests/process/protocol.sh and tests/live/processes.sh
# (sourced from the test's scratch folder): fail() counts failures in
# $fails; conf NAME COMMAND [RUN_TIMEOUT] writes NAME.conf, a source on a,
# the process stage p on b running COMMAND, a sink on c; rconf NAME COMMAND
# [RUN_TIMEOUT [STAGE_KEY]] the same under one restart (eot 6, downtime 1,
# ack delivery), STAGE_KEY an extra line of stage p.
fails=0

fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

conf() { # conf NAME COMMAND [RUN_TIMEOUT]
	cat >"$1.conf" <<EOC
[explore]
eot = 4
eff = 2
run_timeout = ${3:-30}

[source s]
node = a
records = 2
to = p

[stage p]
kind = process
command = $2
nodes = b
to = out

[sink out]
nodes = c

[check got]
kind = delivered
sink = out
EOC
}

rconf() { # rconf NAME COMMAND [RUN_TIMEOUT [STAGE_KEY]]
	cat >"$1.conf" <<EOC
[explore]
eot = 6
eff = 0
restarts = 1
downtime = 1
run_timeout = ${3:-30}

[source s]
node = a
records = 2
to = p
delivery = ack
retry_every = 3

[stage p]
kind = process
command = $2
nodes = b
to = out
delivery = ack
${4:-}

[sink out]
nodes = c

[check got]
kind = delivered
sink = out
EOC
}
