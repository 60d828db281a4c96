/*
 * runtime.h - the deterministic stream runtime (SPEC §1).
 *
 * ldfi_runtime_exec() runs a pipeline once, in logical rounds 1..eot, under
 * a fault set, and returns the whole trace: every message with its fate and
 * parents, the sink outputs at eot and every check's result. The same conf
 * and fault set always give the same trace, byte for byte.
 */
#ifndef LDFI_RUNTIME_H
#define LDFI_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>

#include "ldfi/trace.h"

struct ldfi_conf;
struct ldfi_faults;

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

#endif
