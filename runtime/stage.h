/*
 * stage.h (private) - what the runtime knows of a replica, and the built-in
 * stage kinds. The kinds themselves are written against the public stage
 * API (ldfi/stage.h), exactly as plugins are.
 */
#ifndef LDFI_RUNTIME_STAGE_H
#define LDFI_RUNTIME_STAGE_H

#include "ldfi/stage.h"

struct ldfi_rt;

/* One replica: component `comp` on node `node`. */
struct ldfi_stage {
	struct ldfi_rt *rt;
	const struct ldfi_stage_ops *ops;
	int comp;
	int node;
	int index;  /* replica index in the runtime */
	void *data; /* the kind's own memory (ldfi_stage_data) */
};

extern const struct ldfi_stage_ops ldfi_source_ops;
extern const struct ldfi_stage_ops ldfi_relay_ops;
extern const struct ldfi_stage_ops ldfi_sink_ops;
extern const struct ldfi_stage_ops ldfi_window_count_ops; /* runtime/window.c */
extern const struct ldfi_stage_ops ldfi_process_ops;	  /* runtime/process.c */

/* A process check (runtime/process_check.c): asks the check's process.
 * Returns 0, LDFI_ESUT when the process misbehaved (the run fails: take the
 * reason with ldfi_process_take_failure), or LDFI_ENOMEM. */
int ldfi_process_check(struct ldfi_trace *tr, const struct ldfi_trace *fault_free, int check,
		       struct ldfi_check_result *res);
/* The reason of the last LDFI_ESUT of ldfi_process_check (malloc'd, the
 * caller's), or NULL. */
char *ldfi_process_take_failure(void);

/* A number that differs for every runtime (run) this ldfi process made:
 * tells a kind that a new execution began. */
uint64_t ldfi_rt_serial(const struct ldfi_rt *rt);

/* ldfi_stage_put of an entry that never survives a restart of the
 * replica's node, whatever its `durable` (runtime/runtime.c): for a kind
 * whose own memory holds facts, which a restart always loses (a process
 * stage's variables, runtime/process.c). A read of it in a later round goes
 * through a memory token whenever a restart of the bounds could fall in
 * between (unless an ldfi_stage_checkpoint covered it). Returns as
 * ldfi_stage_put. */
int ldfi_stage_put_volatile(struct ldfi_stage *st, const char *key, int64_t value);

#endif
