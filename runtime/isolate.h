/*
 * isolate.h - running an execution with plugins in a child process, so that
 * a plugin that crashes or never returns fails that run instead of taking
 * the caller down (docs/plugins.md, Isolation).
 */
#ifndef LDFI_RUNTIME_ISOLATE_H
#define LDFI_RUNTIME_ISOLATE_H

#include <stddef.h>

#include "ldfi/trace.h"

struct ldfi_conf;
struct ldfi_faults;

/*
 * As ldfi_runtime_exec (runtime/runtime.h), but in a forked child: the child
 * runs the execution and passes the finished trace back through a memfd;
 * the parent waits at most conf->run_timeout seconds, then SIGKILLs the
 * child (and its process group). No process is left behind either way.
 *
 * Returns 0 with a new trace in *out when the run finished, and also when
 * the child died by a signal, exited without finishing, or timed out: that
 * trace is a failed run (passed false, tr->failure says why, e.g. "stage
 * 'coordinator' on node C: killed by SIGSEGV (Segmentation fault) in round
 * 3"; no messages, outputs or check results; crash rounds and records from
 * the fault set). Returns what ldfi_runtime_exec returned in the child
 * (LDFI_ENOMEM, LDFI_ELIMIT, LDFI_ESTAGE), or LDFI_EIO / LDFI_ENOMEM /
 * LDFI_EFORMAT when the child could not be run or its answer read, with a
 * message in `err`.
 */
int ldfi_isolated_exec(const struct ldfi_conf *conf, const struct ldfi_faults *faults,
		       const struct ldfi_trace *fault_free, struct ldfi_trace **out, char *err,
		       size_t errlen);

#endif
