/*
 * runtime.h - the deterministic stream runtime (docs/semantics.md): the
 * interface of the runtime module to the modules above it (the store, the
 * live engine, the explore loop, the commands), and what the built-in
 * stages and the checks need from the engine.
 *
 * ldfi_runtime_exec() runs a pipeline once, in logical rounds 1..eot, under
 * a fault set, and returns the whole trace: every message with its fate and
 * parents, the sink outputs at eot and every check's result. The same conf
 * and fault set always give the same trace, byte for byte.
 */
#ifndef LDFI_RUNTIME_RUNTIME_H
#define LDFI_RUNTIME_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ldfi/trace.h"

struct ldfi_conf;
struct ldfi_faults;

struct ldfi_rt;

/*
 * Execute `conf` under `faults` (already checked against the bounds).
 * `fault_free` is the trace of the fault-free run, needed by
 * matches-fault-free checks; pass NULL to have the runtime compute it when a
 * check needs it.
 * On success returns 0 and stores a new trace in *out, owned by the caller
 * (ldfi_trace_destroy); it borrows `conf`. On error returns LDFI_ENOMEM,
 * LDFI_ELIMIT (a run would exceed the message limit) or LDFI_ESTAGE, and
 * *out is NULL.
 */
int ldfi_runtime_exec(const struct ldfi_conf *conf, const struct ldfi_faults *faults,
		      const struct ldfi_trace *fault_free, struct ldfi_trace **out);

/* Evaluate every check of the conf over `tr` (outputs and emitted records),
 * filling tr->checks and tr->passed. ldfi_runtime_exec calls it; it is
 * exposed for tests and for replaying stored outputs. */
int ldfi_checks_eval(struct ldfi_trace *tr, const struct ldfi_trace *fault_free);

/*
 * Resolve every plugin stage and check of `conf`: dlopen its `library` (a
 * relative path containing '/' is taken from the conf file's directory; a
 * bare file name is searched as dlopen(3) does) and look up its `symbol`: a
 * `const struct ldfi_stage_ops` of LDFI_STAGE_API_VERSION for a stage, an
 * ldfi_check_fn for a check (ldfi/stage.h). Stores them in comp->plugin and
 * check->plugin; the libraries stay loaded until the process exits. Call
 * before ldfi_runtime_exec on a conf with plugins. Returns 0, LDFI_ENOMEM,
 * or LDFI_EINVAL with "FILE:LINE: what is wrong" in `err`.
 */
int ldfi_plugins_load(struct ldfi_conf *conf, char *err, size_t errlen);

/* Whether `conf` has a plugin stage or check. */
bool ldfi_conf_has_plugins(const struct ldfi_conf *conf);

/* Most messages one execution may send before it is stopped with
 * LDFI_ELIMIT (about 1.5 GiB of trace: 48 bytes a message). */
#define LDFI_MAX_MESSAGES (32u * 1024 * 1024)

/* Estimated size of the fault-free execution of a conf. */
struct ldfi_rt_estimate {
	double msgs;  /* messages sent */
	double bytes; /* bytes of trace in memory (messages and parent links) */
	bool exact;   /* false: extrapolated (see ldfi_rt_estimate) */
};

/*
 * Estimate the fault-free execution of `conf` without running it: the
 * built-in stages handle each record on its own, so the run is measured
 * with no record and with one record of each source in turn, and
 * extrapolated linearly to the conf's record counts. The conf is changed
 * while measuring and restored. Returns 0, LDFI_EINVAL when the conf has a
 * plugin stage or check (no estimate: their cost per record is unknown),
 * or the runtime's error.
 */
int ldfi_rt_estimate(struct ldfi_conf *conf, struct ldfi_rt_estimate *e);

/*
 * 1 when the estimated fault-free execution of `conf` exceeds
 * LDFI_MAX_MESSAGES, with the refusal in `buf` ("the fault-free run of P
 * sends about N messages (about X GiB of trace); the limit is ..."); else 0.
 * A conf with plugins is not estimated (0).
 */
int ldfi_rt_too_large(struct ldfi_conf *conf, char *buf, size_t len);

/* Write "the limit is N messages, about X GiB of trace" into buf. */
void ldfi_rt_limit_text(char *buf, size_t len);

const struct ldfi_conf *ldfi_rt_conf(const struct ldfi_rt *rt);

/* The faults of a run as both engines apply them (SPEC §1): from
 * tr->faults, fills tr->crash_round and tr->restart_round and returns the
 * omission matrix [t][a][b] for t < eff (free it), or NULL when out of
 * memory. */
unsigned char *ldfi_rt_plan_faults(struct ldfi_trace *tr);

/* Fill tr->crash_round and tr->restart_round from tr->faults. */
void ldfi_rt_node_faults(struct ldfi_trace *tr);

/* Whether the records of source component `comp` are emitted in run `tr`
 * (its node rounds filled): its node is alive in the source's `at` round,
 * or, a durable source down then, it emits them when it is back up. */
bool ldfi_rt_emitted(const struct ldfi_trace *tr, int comp);

/*
 * A run of `faults` that did not finish (a plugin or node process that
 * crashed, exited or hung: the system under test failed): a new trace in
 * *out with passed false, failure set, crash rounds and emitted records
 * from the fault set, and no messages, outputs or check results. Takes
 * `failure` (malloc'd; NULL counts as out of memory), on error too.
 * Returns 0, or LDFI_ENOMEM with *out untouched.
 */
int ldfi_rt_failed_run(const struct ldfi_conf *conf, const struct ldfi_faults *faults,
		       char *failure, struct ldfi_trace **out);

/* The fate of message `m` (its nodes and send round set) under tr's faults:
 * omitted, lost to a receiver crashed by the delivery round or down
 * (restarted) in it, never delivered (sent in round eot) or delivered;
 * m->fault names the fault. */
void ldfi_rt_fate(const struct ldfi_trace *tr, const unsigned char *omit, struct ldfi_msg *m);

/* The messages sent in [from, to) of tr->msgs that arrive, as indices into
 * tr->msgs in `out` (room for to - from), in SPEC §1's canonical order
 * (receiver, sender node, sender stage, send sequence). Returns how many. */
size_t ldfi_rt_deliveries(const struct ldfi_trace *tr, size_t from, size_t to, uint32_t *out);

/*
 * One node of a run, for the live engine (runtime/live/): the node's process
 * runs its own replicas with the same stage code and the same per-node
 * receive and step as a whole run, fed with the messages the coordinator
 * delivers to it.
 *
 * ldfi_rt_node_open() sets up a runtime of `conf` (borrowed) for node `node`:
 * every replica is created and its init run, as in a whole run (so records
 * named in init get the same indices everywhere), but only the node's own
 * replicas ever receive or step. Returns 0 and the runtime in *out
 * (ldfi_rt_node_close), or LDFI_ENOMEM / the stage's error.
 *
 * ldfi_rt_node_round() runs round `round` of the node: delivers `deliv`
 * (messages to this node, in canonical order, with their global ids and
 * `rec` the runtime's own record indices, see ldfi_rt_record), then steps
 * every replica. Afterwards ldfi_rt_trace(rt)->msgs[0 .. n_msgs) are the
 * sends of this round, in send order (ids local to the round; their parents
 * are global ids; fates are not decided here); records the stages named are
 * appended to the trace's records and sources mark theirs emitted there.
 * Returns 0, LDFI_EINVAL (a delivery that does not fit the conf) or the
 * stages' error.
 */
int ldfi_rt_node_open(const struct ldfi_conf *conf, int node, struct ldfi_rt **out);
int ldfi_rt_node_round(struct ldfi_rt *rt, int round, const struct ldfi_msg *deliv, size_t n);
/* The runtime's trace (owned by `rt`). */
struct ldfi_trace *ldfi_rt_trace(struct ldfi_rt *rt);
/* Index of the record named `name`, created if new (as ldfi_stage_record). */
int ldfi_rt_record(struct ldfi_rt *rt, const char *name);
/* The outputs of replica (comp, node) so far, in position order (owned by
 * `rt`); returns how many. */
int ldfi_rt_outputs(const struct ldfi_rt *rt, int comp, int node, const struct ldfi_output **outs);
/* Free a node runtime (running every replica's finish); NULL is accepted. */
void ldfi_rt_node_close(struct ldfi_rt *rt);

#endif
