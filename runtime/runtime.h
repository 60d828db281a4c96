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

/*
 * What identifies the plugin code of `conf` (loaded: ldfi_plugins_load):
 * " plugin:LIBRARY=HASH" for each library the conf names (as written, in
 * name order), HASH the FNV-1a 64 of the contents of the file it was loaded
 * from (dladdr of its symbol), in *out (malloc'd, the caller's; "" when
 * the conf has no plugin, or only plugins linked into the program); then
 * " process:WORD=HASH" for each word of a process stage's or check's
 * command that names a file (its script; from the conf's folder). Read
 * once per call: a rebuilt library or an edited script gives another text.
 * Returns 0,
 * LDFI_ENOMEM, LDFI_EIO (the file cannot be read) or LDFI_EINVAL (a plugin
 * not loaded), with a message in `err`.
 */
int ldfi_plugins_digest(const struct ldfi_conf *conf, char **out, char *err, size_t errlen);

/* Whether `conf` has a plugin stage or check. */
bool ldfi_conf_has_plugins(const struct ldfi_conf *conf);

/*
 * The process-wide stop request: a function that says whether to stop now
 * (a budget ran out, a signal came; NULL, the default, never stops), polled
 * by the loops that can run long below the explore loop - the round engine
 * (every round, every LDFI_STOP_EVERY messages), the wait for an isolated
 * run, the recorder (every LDFI_STOP_EVERY rows) and the loader. The
 * explore loop sets it for the time it runs and clears it after; an
 * isolated run's child clears it (the parent decides). A loop that sees
 * the request returns LDFI_ESTOPPED and leaves nothing half-done: the run
 * is not recorded, its transaction is rolled back.
 */
void ldfi_rt_set_stop(int (*stop)(void *arg), void *arg);

/* Whether the stop request fires now (false when none is set). */
bool ldfi_rt_stop_requested(void);

/* How many messages or rows a loop handles between two polls. */
#define LDFI_STOP_EVERY 4096

/*
 * Process stages (`kind = process`, runtime/process.c; the pool:
 * runtime/process_pool.c; docs/process-stages.md). ldfi_process_start()
 * starts one process per replica of every process stage of `conf`
 * (borrowed: it must outlive the processes) from the conf's folder and
 * handshakes with each (init);
 * they then serve every execution of `conf` until ldfi_process_stop() (also
 * run at exit). Their stderr goes to LOG_DIR/STAGE@NODE.log, or to ldfi's
 * stderr when `log_dir` is NULL. Returns 0 (also for a conf without
 * process stages), LDFI_ENOMEM, or LDFI_EINVAL with "FILE:LINE: stage 'S'
 * on node N: why" in `err` (cannot run the command, no answer to init,
 * protocol mismatch): a configuration error. A conf whose process stages
 * were not started is started on its first execution, stderr to ldfi's.
 */
int ldfi_process_start(const struct ldfi_conf *conf, const char *log_dir, char *err, size_t errlen);
/* Stop every process: EOF on their stdin, one second, then SIGKILL of
 * their process groups; all are reaped. Safe to call when none runs. */
void ldfi_process_stop(void);
/* Check that the command of every process stage and check of `conf` can be
 * run (the program is found, in the conf's folder or in PATH, and is
 * executable) without starting anything. Returns 0, LDFI_ENOMEM, or
 * LDFI_EINVAL with "FILE:LINE: stage 'S': cannot run 'P': why" in `err`. */
int ldfi_process_resolve(const struct ldfi_conf *conf, char *err, size_t errlen);
/* Whether `conf` has a process stage or check. */
bool ldfi_conf_has_processes(const struct ldfi_conf *conf);

/*
 * The determinism check of a conf with process stages
 * (runtime/process_check.c): run the fault-free execution twice (the
 * processes reset in between) and compare the traces. Returns 0 when they
 * are the same, LDFI_EINVAL with the first difference in `err` ("stage 'S'
 * on node N is not deterministic: ..."), or the runtime's error.
 */
int ldfi_process_selfcheck(const struct ldfi_conf *conf, char *err, size_t errlen);

/*
 * Process stages under the live engine (runtime/live/,
 * runtime/process_live.c, docs/live.md). ldfi keeps the processes (it is
 * their parent); each node process talks to its own replicas' processes
 * over the pipes it inherits. In ldfi:
 * ldfi_process_live_begin() before the node processes of an execution are
 * forked (counts the execution, starts again every process a failure
 * killed; started the pool for `conf` if none was), ldfi_process_live_end()
 * once every node process of the execution is gone (kills the processes a
 * node left in the middle of an answer or killed: they start again at the
 * next begin), and for a restart(node, t) ldfi_process_live_down() when the
 * node's process is killed (its processes die with it) and
 * ldfi_process_live_up() before the node's new process is forked (new
 * processes, handshaken, which the new node asks `recover` with no reset).
 * begin and up return 0, LDFI_ESUT with the reason the run fails in `err`
 * ("stage 'p' on node b: could not be started again: ..."), or ldfi's error
 * (LDFI_EINVAL from starting the pool: a configuration error in `err`).
 * ldfi_process_node_fds() counts the descriptors of node `node`'s processes
 * to keep open in its node process, and writes them into `fds` up to `max`
 * (the supervisor's keep_fds); in the node process
 * ldfi_process_live_node() makes the pool a node's (another node's
 * processes forgotten, its own reset before their first request).
 */
int ldfi_process_live_begin(const struct ldfi_conf *conf, char *err, size_t errlen);
void ldfi_process_live_end(void);
void ldfi_process_live_down(int node);
int ldfi_process_live_up(int node, char *err, size_t errlen);
size_t ldfi_process_node_fds(int node, int *fds, size_t max);
void ldfi_process_live_node(int node);

/* Most messages one execution may send before it is stopped with
 * LDFI_ELIMIT: at LDFI_BYTES_PER_MSG_RUN (below) about 3.6 GiB, within
 * LDFI_MAX_MEMORY, so that the limit also bounds what no estimate sees
 * up front (a plugin stage, a faulty run that sends more than the
 * fault-free one). */
#define LDFI_MAX_MESSAGES 5000000u

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
 * Peak memory per message of the fault-free run, measured on the bundled
 * pipelines scaled to 10^4..10^5 records (docs/explore.md, Limits) and
 * rounded up: an execution and its recording (the trace, the runtime's
 * state, the recorder's buffers: up to about 600 bytes), and an
 * exploration of strategy ldfi, whose lineage also holds the supports of
 * every outcome (up to about 1.9 KiB).
 */
#define LDFI_BYTES_PER_MSG_RUN 768
#define LDFI_BYTES_PER_MSG_LINEAGE 2048

/* Most memory an execution or an exploration may be estimated to take
 * before it is refused: 4 GiB. */
#define LDFI_MAX_MEMORY (4.0 * 1024 * 1024 * 1024)

/*
 * 1 when the estimated fault-free execution of `conf` exceeds
 * LDFI_MAX_MESSAGES, or its messages times `bytes_per_msg`
 * (LDFI_BYTES_PER_MSG_RUN for one execution, LDFI_BYTES_PER_MSG_LINEAGE for
 * an exploration that computes lineage) exceed LDFI_MAX_MEMORY, with the
 * refusal and the estimate in `buf` ("the fault-free run of P sends about
 * N messages: it would take about X GiB of memory (B bytes a message); the
 * limit is M messages and 4.0 GiB of memory: ..."); else 0. A conf with
 * plugins is not estimated (0).
 */
int ldfi_rt_too_large(struct ldfi_conf *conf, double bytes_per_msg, char *buf, size_t len);

/* Write "the limit is N messages, about X GiB of memory" into buf. */
void ldfi_rt_limit_text(char *buf, size_t len);

const struct ldfi_conf *ldfi_rt_conf(const struct ldfi_rt *rt);

/* The faults of a run as both engines apply them (docs/semantics.md): from
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
 * tr->msgs in `out` (room for to - from), in the canonical order
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
 * ldfi_rt_node_round() runs round `round` of the node: when `down_from` is
 * not 0, the node is back up in this round after restart(node, down_from)
 * and first recovers (each replica keeps only its durable state, put back
 * beforehand from the node's journal, rtstate.h, and its on_recover runs, as
 * in a whole run); then it delivers `deliv`
 * (messages to this node, in canonical order, with their global ids and
 * `rec` the runtime's own record indices, see ldfi_rt_record), then steps
 * every replica. Afterwards ldfi_rt_trace(rt)->msgs[0 .. n_msgs) are the
 * sends of this round, in send order (ids local to the round; their parents
 * are global ids; fates are not decided here); records the stages named are
 * appended to the trace's records and sources mark theirs emitted there.
 * Returns 0, LDFI_EINVAL (a delivery that does not fit the conf) or the
 * stages' error: LDFI_ESUT when a stage failed the run (ldfi_stage_fail; a
 * process stage's process misbehaved), its reason then ldfi_rt_failure().
 */
int ldfi_rt_node_open(const struct ldfi_conf *conf, int node, struct ldfi_rt **out);
int ldfi_rt_node_round(struct ldfi_rt *rt, int round, int down_from, const struct ldfi_msg *deliv,
		       size_t n);
/* The runtime's trace (owned by `rt`). */
struct ldfi_trace *ldfi_rt_trace(struct ldfi_rt *rt);
/* Why a stage failed the run (ldfi_stage_fail; owned by `rt`), or NULL. */
const char *ldfi_rt_failure(const struct ldfi_rt *rt);
/* Index of the record named `name`, created if new (as ldfi_stage_record). */
int ldfi_rt_record(struct ldfi_rt *rt, const char *name);
/* The outputs of replica (comp, node) so far, in position order (owned by
 * `rt`); returns how many. */
int ldfi_rt_outputs(const struct ldfi_rt *rt, int comp, int node, const struct ldfi_output **outs);
/* Free a node runtime (running every replica's finish); NULL is accepted. */
void ldfi_rt_node_close(struct ldfi_rt *rt);

#endif
