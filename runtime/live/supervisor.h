/*
 * supervisor.h - the node processes of a live run and the coordinator's
 * side of their sockets.
 *
 * ldfi_sup_start() forks one process per node, each connected to the
 * coordinator (the calling process) by its own Unix stream socket pair; the
 * child runs `node_main` and exits with its return value. The coordinator
 * then drives rounds: it queues frames with ldfi_sup_send() and waits in
 * ldfi_sup_barrier() until every live node has answered the round, feeding
 * each frame a node sends to `on_frame`. It kills a node with SIGKILL
 * (ldfi_sup_kill, a crash fault) and, in ldfi_sup_close(), shuts the others
 * down, SIGKILLs any that do not exit in time, reaps every child and closes
 * every socket, whatever happened before: no process or socket outlives a
 * run. A node whose socket closes unexpectedly (it exited or was killed) or
 * that misses the run's deadline fails the barrier with its name and round:
 * "node b exited with status 3 in round 2", "node b was killed by signal 11
 * in round 2", "node b did not answer round 2 within the time limit of 30 s".
 *
 * Children also die with the coordinator (PR_SET_PDEATHSIG), ignore SIGINT
 * (the coordinator handles it and shuts them down) and keep only their own
 * socket, the standard streams and what keep_fds names open. While a supervisor is open SIGPIPE is
 * ignored in the coordinator (a write to a dead node is an error, not a
 * signal); ldfi_sup_close restores the previous disposition.
 *
 * Single-threaded: use a supervisor from the thread that started it.
 */
#ifndef LDFI_RUNTIME_LIVE_SUPERVISOR_H
#define LDFI_RUNTIME_LIVE_SUPERVISOR_H

#include <stdbool.h>
#include <stddef.h>

#include "ldfi.pb-c.h"

struct ldfi_sup;
struct evbuffer;

/* Runs in the child for node `node` with `fd`, its socket to the
 * coordinator (blocking). Its return value is the child's exit status. */
typedef int (*ldfi_sup_node_fn)(void *arg, int node, int fd);

/*
 * Called in the coordinator for each frame node `node` sends while in a
 * barrier. `f` is the callee's (ldfi_frame_free it, now or later; Error
 * frames never reach it: they fail the barrier). Return 1 when the node
 * has answered the round (the barrier stops waiting for it), 0 to keep
 * reading, or a negative LDFI_E* code with the reason in `err` to fail the
 * barrier.
 */
typedef int (*ldfi_sup_frame_fn)(void *arg, int node, Ldfi__Live__Frame *f, char *err,
				 size_t errlen);

struct ldfi_sup_opts {
	int n_nodes;
	const char *const *names; /* node names for messages (borrowed) */
	ldfi_sup_node_fn node_main;
	void *node_arg;
	ldfi_sup_frame_fn on_frame;
	void *frame_arg;
	int time_limit_ms; /* the whole run, from ldfi_sup_start; > 0 */
	int grace_ms;	   /* how long ldfi_sup_close waits for nodes to exit; > 0 */
	/* Descriptors node `node` keeps open besides its socket (NULL:
	 * none): returns how many it needs, and writes them into `fds` up to
	 * `max` (`fds` may be NULL when `max` is 0).
	 * ldfi_sup_start asks every node's count first (in the parent) and
	 * refuses more than LDFI_SUP_KEEP_MAX; each child then asks for its
	 * own. */
	size_t (*keep_fds)(int node, int *fds, size_t max);
};

/* Most descriptors keep_fds may name. */
#define LDFI_SUP_KEEP_MAX 1024

/*
 * Fork the node processes. On success returns 0 and a supervisor in *out
 * (release with ldfi_sup_close). On error returns LDFI_EIO or LDFI_ENOMEM
 * with the reason in `err`; every child already forked is killed and reaped;
 * LDFI_ELIMIT, before any fork, when a node would keep more than
 * LDFI_SUP_KEEP_MAX descriptors.
 */
int ldfi_sup_start(const struct ldfi_sup_opts *o, struct ldfi_sup **out, char *err, size_t errlen);

/* Queue frame `f` for node `node` (written while the supervisor waits in a
 * barrier or in close). Returns 0, LDFI_EINVAL (node not running),
 * LDFI_ELIMIT or LDFI_ENOMEM (ldfi_frame_put). */
int ldfi_sup_send(struct ldfi_sup *s, int node, const Ldfi__Live__Frame *f);

/*
 * Wait until every running node has answered round `round` (on_frame
 * returned 1 for it). A node that sends an Error frame of code LDFI_ESUT
 * (a stage failed the run, its reason the message) has answered; once every
 * node before the first such node in name order has answered, the barrier
 * returns LDFI_ESUT with that reason (ldfi_sup_take_failure), as the
 * simulation, which runs the nodes of a round in name order, meets the
 * failure. Returns 0, or LDFI_ESUT, LDFI_ESTAGE (a node process died, by a
 * signal or an exit, or the time limit ran out before it answered: the
 * system under test failed), LDFI_EIO (a node reported an error, or the
 * event loop failed), LDFI_EFORMAT (a node sent an unreadable frame) or
 * on_frame's error, with the reason in `err`, naming the node and the
 * round.
 */
int ldfi_sup_barrier(struct ldfi_sup *s, int round, char *err, size_t errlen);

/* After a barrier returned LDFI_ESUT: the whole reason (malloc'd, the
 * caller's; `err` may have cut it), or NULL. */
char *ldfi_sup_take_failure(struct ldfi_sup *s);

/* SIGKILL node `node`, reap it and close its socket. Returns 0, or
 * LDFI_EINVAL if it is not running. */
int ldfi_sup_kill(struct ldfi_sup *s, int node);

/* Start a new process for node `node`, which is gone (killed with
 * ldfi_sup_kill: a restart fault), with a new socket, as ldfi_sup_start
 * started the first. Returns 0, LDFI_EINVAL (the node is running, or the
 * supervisor is closing) or LDFI_EIO with the reason in `err`. */
int ldfi_sup_respawn(struct ldfi_sup *s, int node, char *err, size_t errlen);

/* Whether node `node` is still running (started, not killed, not seen dead). */
bool ldfi_sup_running(const struct ldfi_sup *s, int node);

/* Process id of node `node`'s process, or 0 once it is gone. */
int ldfi_sup_pid(const struct ldfi_sup *s, int node);

/*
 * Shut every running node down (a Shutdown frame, then up to grace_ms for it
 * to exit), SIGKILL those still there, reap every child, close every socket
 * and free `s` (NULL is accepted). Returns 0 when every node that was still
 * running exited with status 0; else LDFI_ESTAGE (a node died or did not
 * exit: the system under test failed) or LDFI_EIO, with the first problem in
 * `err` ("node c exited with status 1 after shutdown"). Everything is
 * released either way.
 */
int ldfi_sup_close(struct ldfi_sup *s, char *err, size_t errlen);

/* After a failed run: SIGKILL every node at once, reap them, close every
 * socket and free `s` (NULL is accepted). */
void ldfi_sup_abort(struct ldfi_sup *s);

/*
 * The node side: serve frames from the coordinator on `fd` until Shutdown
 * or until the coordinator goes away. `on_frame` gets each frame (borrowed)
 * and an output buffer to append reply frames to (ldfi_frame_put); it
 * returns 0 to go on, or a negative LDFI_E* code with a message in `err`,
 * which is sent to the coordinator as an Error frame. Returns 0 after
 * Shutdown (every reply written), 1 when the coordinator went away, or the
 * error (after sending it).
 */
typedef int (*ldfi_node_frame_fn)(void *arg, const Ldfi__Live__Frame *f, struct evbuffer *reply,
				  char *err, size_t errlen);
int ldfi_sup_serve(int fd, ldfi_node_frame_fn on_frame, void *arg);

#endif
