/*
 * forksrv.h - the fork server of isolated executions (forksrv.c), and what
 * it shares with isolate.c. Internal to runtime/; the interface for the
 * rest of ldfi is isolate.h.
 *
 * The server is a small process forked from ldfi right after the conf and
 * its plugins are loaded, before the explorer grows: it holds the conf and
 * the plugins' pristine memory and forks a fresh child per execution, so a
 * run's child is a copy of the small server, not of the big explorer
 * (docs/plugins.md, Isolation; docs/performance.md).
 */
#ifndef LDFI_RUNTIME_FORKSRV_H
#define LDFI_RUNTIME_FORKSRV_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct ldfi_conf;
struct ldfi_faults;
struct ldfi_trace;

/* Where the child of a run is: what ldfi reports when it dies there. */
enum ldfi_isolate_where {
	LDFI_ISOLATE_RUNTIME = 0, /* in ldfi itself, between plugin calls */
	LDFI_ISOLATE_INIT,
	LDFI_ISOLATE_MESSAGE,
	LDFI_ISOLATE_ROUND,
	LDFI_ISOLATE_FINISH,
	LDFI_ISOLATE_CHECK,
	LDFI_ISOLATE_RECOVER, /* on_recover */
	LDFI_ISOLATE_SENDING, /* the run is over; the child is writing its answer */
	LDFI_ISOLATE_DONE,    /* the answer is written: the child only exits */
};

/* The page shared between ldfi, the server and the child of a run: the
 * child writes where it is before each call into plugin code. */
struct ldfi_isolate_progress {
	volatile int32_t where; /* enum ldfi_isolate_where */
	volatile int32_t comp, node, round, check;
};

/* How the child of a run ended (ldfi_isolate_fork_run). */
enum ldfi_isolate_how {
	LDFI_ISOLATE_TIMEOUT = 0, /* run_timeout passed: killed */
	LDFI_ISOLATE_EXITED,	  /* exited or died before it said it was done */
	LDFI_ISOLATE_FINISHED,	  /* wrote its answer and said so */
	LDFI_ISOLATE_STOPPED,	  /* stopped on request: killed */
};

/* ---- isolate.c, for forksrv.c ---- */

/*
 * In the calling process (ldfi, or the server): fork a child that runs
 * `conf` under `faults` (and `fault_free`, may be NULL) with its plugins
 * wrapped to report to `p`, and writes its answer to the memfd `fd`; wait
 * for it until it is done, has exited, `timeout_s` seconds have passed, or
 * the stop request fires (ldfi_rt_stop_requested, or `stop_fd` >= 0
 * readable); kill its process group; reap it (or keep it to reap later
 * when it is done). The child closes `close_fd` (>= 0) first. On 0, *how
 * is an enum ldfi_isolate_how and *status the wait status when the child
 * was reaped. LDFI_EIO, with a message in `err`, when no child could be
 * started.
 */
int ldfi_isolate_fork_run(const struct ldfi_conf *conf, const struct ldfi_faults *faults,
			  const struct ldfi_trace *fault_free, int fd,
			  struct ldfi_isolate_progress *p, int timeout_s, int stop_fd, int close_fd,
			  int *how, int *status, char *err, size_t errlen);

/* Reap the children that were done, then kill and reap every other child
 * of this process but the fork server (isolate.c: sweep). */
void ldfi_isolate_reap(void);

/* Write `tr` to `fd` (at its current offset) as a run's child passes its
 * answer back. 0 or LDFI_EIO. */
int ldfi_isolate_write_answer(int fd, const struct ldfi_trace *tr);

/* Read an answer written by a run's child (or by ldfi_isolate_write_answer)
 * from the start of `fd`: a new trace of `conf` in *out, or the error the
 * child's ldfi_runtime_exec returned, LDFI_EIO, LDFI_ENOMEM or
 * LDFI_EFORMAT with a message in `err`. */
int ldfi_isolate_read_answer(const struct ldfi_conf *conf, int fd, struct ldfi_trace **out,
			     char *err, size_t errlen);

/* ---- forksrv.c ---- */

struct ldfi_forksrv;

/*
 * Fork the server for `conf` (its plugins loaded), from the calling
 * thread; the caller owns *out (ldfi_forksrv_stop). The server dies with
 * the calling thread (PR_SET_PDEATHSIG), is in its own process group and
 * is the subreaper of its runs' processes. Nothing of the caller's memory
 * that changes after this call reaches the runs. 0, LDFI_ENOMEM or
 * LDFI_EIO (errno set).
 */
int ldfi_forksrv_start(const struct ldfi_conf *conf, struct ldfi_forksrv **out);

/*
 * Run `faults` in a fresh child of the server, as ldfi_isolate_fork_run
 * would in this process, with the answer in `fd` (a new, empty memfd) and
 * the child's progress in ldfi_forksrv_progress(s). `fault_free` is copied
 * to the server when it is not the trace it holds already: it must not
 * change while it lives. Waits for the server's answer, polling the stop
 * request every 100 ms (then asks the server to stop the run). Returns 0
 * with *how and *status, or with *how -1 and a message in `err` when the
 * server could not start the child; LDFI_EIO when the server is gone,
 * does not answer within run_timeout and 30 s, or broke the protocol: it
 * is killed then, and the caller stops it (ldfi_forksrv_stop).
 */
int ldfi_forksrv_run(struct ldfi_forksrv *s, const struct ldfi_faults *faults,
		     const struct ldfi_trace *fault_free, int fd, int timeout_s, int *how,
		     int *status, char *err, size_t errlen);

/* The page the server's runs report their progress to. */
struct ldfi_isolate_progress *ldfi_forksrv_progress(struct ldfi_forksrv *s);

/* The server's process id. */
pid_t ldfi_forksrv_pid(const struct ldfi_forksrv *s);

/* Tell the server to go (or kill it when it does not listen), reap it and
 * free `s`. The server kills and reaps its runs' processes first. NULL is
 * accepted. */
void ldfi_forksrv_stop(struct ldfi_forksrv *s);

#endif
