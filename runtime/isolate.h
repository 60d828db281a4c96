/*
 * isolate.h - running an execution with plugins in a child process, so that
 * a plugin that crashes or never returns fails that run instead of taking
 * the caller down (docs/plugins.md, Isolation).
 */
#ifndef LDFI_RUNTIME_ISOLATE_H
#define LDFI_RUNTIME_ISOLATE_H

#include <stddef.h>
#include <sys/types.h>

#include "ldfi/trace.h"

struct ldfi_conf;
struct ldfi_faults;

/*
 * As ldfi_runtime_exec (runtime/runtime.h), but in a forked child: the child
 * runs the execution and passes the finished trace back through a memfd;
 * its parent waits at most conf->run_timeout seconds, then SIGKILLs the
 * child (and its process group). No process is left behind either way.
 * The child is forked by the fork server when one runs for `conf`
 * (ldfi_isolate_start), else by the calling process; either way it starts
 * from a fresh copy of the plugins' memory and the outcome is the same.
 * Calls from several threads are served one at a time.
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

/*
 * Start the fork server for `conf` (runtime/forksrv.h): a process forked
 * now, while the caller is small and has no other thread, that holds
 * `conf` and its loaded plugins and forks a fresh child for each
 * ldfi_isolated_exec of `conf`, instead of forking the caller each time.
 * Call it right after loading the conf and its plugins. From then on
 * neither `conf`, nor what its plugins' code can see of the caller's
 * memory, may change: the runs see them as they are now. The fault-free
 * traces passed to ldfi_isolated_exec must not change while they live.
 * Stops a server started before. Does nothing (returns 0) when `conf` has
 * no plugin stage or check, or when the environment variable
 * LDFI_FORK_SERVER is 0 (each run then forks the caller, as before the
 * server: for debugging, docs/plugins.md). The caller stops the server
 * with ldfi_isolate_stop before it destroys `conf`; at exit it is stopped
 * anyway. If the server dies, the run it had is forked from the caller
 * and the next run starts a new server (not after its third death).
 * Returns 0, or LDFI_EIO / LDFI_ENOMEM with a message in `err`: there is
 * no server then, and the runs fork from the caller.
 */
int ldfi_isolate_start(const struct ldfi_conf *conf, char *err, size_t errlen);

/* Stop the fork server, if one runs: it kills and reaps what is left of
 * its runs and exits, and is reaped. Then reap the runs the caller forked
 * itself (without a server) that were done: no run is left. */
void ldfi_isolate_stop(void);

/* The fork server's process id, or 0 when none runs (for tests). */
pid_t ldfi_isolate_server_pid(void);

#endif
