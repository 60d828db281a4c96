/*
 * live.h - the live engine: one run of a pipeline with every node a real
 * process (docs/live.md).
 *
 * The coordinator (the calling process) forks one process per node
 * (supervisor.h); each runs the stage code of its own replicas in a
 * node-local runtime (ldfi_rt_node_open) and exchanges envelopes with the
 * coordinator over its Unix socket, length-framed protobuf (ldfi.proto).
 * Rounds are run in lockstep, a barrier per round. The coordinator numbers
 * every message in the simulation's order (nodes in name order, each
 * node's sends in its order), decides its fate under the fault set, routes
 * the delivered ones to their node the next round, SIGKILLs a crashed node
 * at the start of its crash round, and builds the same trace as
 * ldfi_runtime_exec: same messages, parents, outputs and check results.
 * A restarted node is SIGKILLed at the start of its restart round and a new
 * process, which reads the node's journal of durable state (journal.h),
 * takes its place when it is back up.
 */
#ifndef LDFI_RUNTIME_LIVE_LIVE_H
#define LDFI_RUNTIME_LIVE_LIVE_H

#include <stddef.h>

#include "ldfi/trace.h"

struct ldfi_conf;
struct ldfi_faults;

/* Default time limit of one live run (LDFI_LIVE_TIME_LIMIT_MS in the
 * environment overrides it), and how long nodes get to exit at the end. */
#define LDFI_LIVE_TIME_LIMIT_MS 60000
#define LDFI_LIVE_GRACE_MS 2000

enum ldfi_engine {
	LDFI_ENGINE_SIM = 0,
	LDFI_ENGINE_LIVE,
};

/* "sim" or "live". */
const char *ldfi_engine_name(enum ldfi_engine e);

/* Parse "sim" or "live" into *e; returns 0 or LDFI_EINVAL. */
int ldfi_engine_parse(const char *s, enum ldfi_engine *e);

/*
 * Execute `conf` under `faults` with the live engine; as ldfi_runtime_exec
 * (runtime.h) in every other respect: `fault_free` for matches-fault-free
 * checks (NULL: computed, by the live engine, when needed), a new trace in
 * *out owned by the caller. A node process that dies (a signal, an exit)
 * or does not answer a round within the time limit fails the run when the
 * conf has plugins, as ldfi_isolated_exec does: 0 and a failed trace
 * (tr->failure "node b was killed by signal 11 (Segmentation fault) in
 * round 3"). On error returns LDFI_ENOMEM, LDFI_ELIMIT, LDFI_ESTAGE (that
 * failure without plugins: ldfi's own stages failed), LDFI_EIO (a node
 * reported an error, or a process or socket could not be created) or
 * LDFI_EFORMAT (a node broke the protocol), with the reason in `err` ("node
 * b did not answer round 3 within the time limit of 60000 ms"); every node
 * process is gone either way.
 */
int ldfi_live_exec(const struct ldfi_conf *conf, const struct ldfi_faults *faults,
		   const struct ldfi_trace *fault_free, struct ldfi_trace **out, char *err,
		   size_t errlen);

/* Either engine: ldfi_runtime_exec or ldfi_live_exec, with the reason of a
 * failure in `err` (for the simulation, ldfi_strerror of the code). The
 * simulation of a conf with plugins runs in a child process
 * (ldfi_isolated_exec, runtime/isolate.h): a plugin that crashes or runs
 * past run_timeout gives a failed run (tr->failure), not an error. */
int ldfi_engine_exec(enum ldfi_engine e, const struct ldfi_conf *conf,
		     const struct ldfi_faults *faults, const struct ldfi_trace *fault_free,
		     struct ldfi_trace **out, char *err, size_t errlen);

/* What a node process is given (borrowed from the coordinator). */
struct ldfi_live_node_arg {
	const struct ldfi_conf *conf;
	const char *journal_dir; /* the run's journals (journal.h); NULL without restarts */
};

/* The node process (node.c): serve node `node` of `arg` (a struct
 * ldfi_live_node_arg) on socket `fd` until shutdown. Returns the process's
 * exit status. */
int ldfi_live_node_main(void *arg, int node, int fd);

#endif
