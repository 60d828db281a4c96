/*
 * supervisor.c - node processes, their sockets and the round barrier
 * (supervisor.h).
 */
#include <assert.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ldfi/ldfi.h"
#include "model/util.h"
#include "runtime/live/frame.h"
#include "runtime/live/supervisor.h"
#include "runtime/runtime.h"

enum proc_state {
	PROC_RUNNING = 0,
	PROC_GONE, /* reaped: killed by us, or seen dead */
};

struct proc {
	struct ldfi_sup *sup;
	int index;
	pid_t pid;
	struct bufferevent *bev; /* owns the coordinator's end of the socket */
	enum proc_state state;
	bool answered; /* in the current barrier */
	char *failure; /* the run failed in it, this round (an LDFI_ESUT error) */
};

struct ldfi_sup {
	struct ldfi_sup_opts o;
	struct proc *p;
	int (*sv)[2]; /* socket pairs while starting */
	struct event_base *base;
	struct event *deadline; /* the run's time limit */
	struct event *grace;	/* close: how long nodes get to exit */
	struct event *poll;	/* a barrier's look at the stop request */
	struct sigaction old_pipe;
	int64_t t0_ms;
	int round;
	int waiting; /* nodes the barrier still waits for */
	bool closing;
	bool timed_out;
	int rc; /* first failure of the current wait */
	char err[512];
	char *failure; /* the barrier's LDFI_ESUT: ldfi_sup_take_failure */
};

static void sleep_us(long us)
{
	struct timespec ts = {us / 1000000, (us % 1000000) * 1000L};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Record the first failure of a wait and stop the loop. */
static void fail(struct ldfi_sup *s, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail(struct ldfi_sup *s, int rc, const char *fmt, ...)
{
	va_list ap;

	if (!s->rc) {
		s->rc = rc;
		va_start(ap, fmt);
		vsnprintf(s->err, sizeof(s->err), fmt, ap);
		va_end(ap);
	}
	if (s->base)
		event_base_loopbreak(s->base);
}

/* Describe a wait status: "exited with status 3", "was killed by signal 9". */
static void describe(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "was killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "stopped with wait status %#x", status);
}

/* Reap `p`: wait up to `wait_ms` for it to exit, then SIGKILL it (and set
 * *killed if not NULL). Closes its socket. Returns its wait status (-1:
 * already gone or not ours). */
static int reap_k(struct proc *p, int wait_ms, bool *killed)
{
	int status = -1;
	pid_t r = 0;

	if (p->bev) {
		bufferevent_free(p->bev);
		p->bev = NULL;
	}
	if (p->state == PROC_GONE || p->pid <= 0)
		return -1;
	/* A node that closed its socket is normally a moment away from exiting:
	 * poll often at first (10 us, doubling up to 1 ms). */
	for (long waited = 0, step = 10;
	     (r = waitpid(p->pid, &status, WNOHANG)) == 0 && waited < 1000L * wait_ms;
	     waited += step, step = step < 1000 ? 2 * step : 1000)
		sleep_us(step);
	if (r == 0) {
		if (killed)
			*killed = true;
		kill(p->pid, SIGKILL);
		while ((r = waitpid(p->pid, &status, 0)) < 0 && errno == EINTR)
			;
	}
	p->state = PROC_GONE;
	p->pid = 0;
	return r > 0 ? status : -1;
}

static int reap(struct proc *p, int wait_ms)
{
	return reap_k(p, wait_ms, NULL);
}

static const char *name_of(const struct ldfi_sup *s, int i)
{
	return s->o.names ? s->o.names[i] : "?";
}

/* Node `p` failed the run this round (a stage's ldfi_stage_fail, with its
 * reason): it has answered; the barrier goes on until the failure of the
 * first node in name order is known, as the simulation would meet it. */
static void failed(struct ldfi_sup *s, struct proc *p, const char *why)
{
	free(p->failure);
	if (!(p->failure = strdup(why ? why : "")))
		fail(s, LDFI_ENOMEM, "out of memory");
	p->answered = true;
	if (--s->waiting == 0)
		event_base_loopbreak(s->base);
}

static void on_read(struct bufferevent *bev, void *arg)
{
	struct proc *p = arg;
	struct ldfi_sup *s = p->sup;
	struct evbuffer *in = bufferevent_get_input(bev);
	Ldfi__Live__Frame *f;
	char msg[400];
	int rc;

	while (p->bev && (rc = ldfi_frame_get(in, &f, msg, sizeof(msg))) != 0) {
		if (rc < 0) {
			fail(s, rc, "node %s sent a bad frame in round %d: %s",
			     name_of(s, p->index), s->round, msg);
			reap(p, 0);
			return;
		}
		if (f->body_case == LDFI__LIVE__FRAME__BODY_ERROR && f->error->code == LDFI_ESUT &&
		    !s->closing && !p->answered) {
			failed(s, p, f->error->message);
		} else if (f->body_case == LDFI__LIVE__FRAME__BODY_ERROR) {
			fail(s, LDFI_EIO, "node %s failed in round %d: %s", name_of(s, p->index),
			     s->round, f->error->message);
		} else if (!s->closing && !p->answered) {
			rc = s->o.on_frame(s->o.frame_arg, p->index, f, msg, sizeof(msg));
			f = NULL; /* the callback's now */
			if (rc < 0) {
				fail(s, rc, "node %s, round %d: %s", name_of(s, p->index), s->round,
				     msg);
			} else if (rc > 0) {
				p->answered = true;
				if (--s->waiting == 0)
					event_base_loopbreak(s->base);
			}
		} else if (!s->closing) {
			fail(s, LDFI_EFORMAT, "node %s sent a frame after answering round %d",
			     name_of(s, p->index), s->round);
		}
		ldfi_frame_free(f);
	}
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	struct proc *p = arg;
	struct ldfi_sup *s = p->sup;
	char how[128];
	bool killed = false;
	int status;

	(void)bev;
	if (!(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)))
		return;
	/* Whatever it sent before closing has been read by now. */
	status = reap_k(p, s->o.grace_ms, &killed);
	if (p->failure && !s->closing)
		return; /* it failed the run and exits, as it should */
	if (killed)
		snprintf(how, sizeof(how), "closed its socket but did not exit within %d ms%s",
			 s->o.grace_ms, s->closing ? " of shutdown" : "");
	else if (status < 0)
		snprintf(how, sizeof(how), "disappeared");
	else
		describe(status, how, sizeof(how));
	if (s->closing) {
		if (killed)
			fail(s, LDFI_ESTAGE, "node %s %s", name_of(s, p->index), how);
		else if (status != 0)
			fail(s, LDFI_ESTAGE, "node %s %s after shutdown", name_of(s, p->index),
			     how);
		if (--s->waiting == 0)
			event_base_loopbreak(s->base);
		return;
	}
	if (!p->answered && s->waiting > 0)
		s->waiting--;
	/* The node process itself (its stages) failed: the system under test. */
	fail(s, LDFI_ESTAGE, "node %s %s in round %d", name_of(s, p->index), how, s->round);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct ldfi_sup *s = arg;

	(void)fd;
	(void)what;
	s->timed_out = true;
	event_base_loopbreak(s->base);
}

/* Every 100 ms of a barrier: a budget that ran out or a signal (runtime.h
 * ldfi_rt_set_stop) ends the wait, whatever the nodes are doing. */
static void on_poll(evutil_socket_t fd, short what, void *arg)
{
	struct ldfi_sup *s = arg;

	(void)fd;
	(void)what;
	if (ldfi_rt_stop_requested()) {
		fail(s, LDFI_ESTOPPED, "%s", ldfi_strerror(LDFI_ESTOPPED));
		event_base_loopbreak(s->base);
	}
}

/* The supervisor as seen by a node process: keeps what it inherited
 * reachable (for leak checkers looking at the child when it exits). */
static struct ldfi_sup *child_sup;

static int cmp_int(const void *a, const void *b)
{
	return (*(const int *)a > *(const int *)b) - (*(const int *)a < *(const int *)b);
}

/* In the child: close every descriptor from 3 up but `fd` and those the
 * keep_fds option names for node `i`. */
static void close_fds(const struct ldfi_sup *s, int i, int fd)
{
	int keep[LDFI_SUP_KEEP_MAX + 1];
	size_t n = s->o.keep_fds ? s->o.keep_fds(i, keep, LDFI_SUP_KEEP_MAX) : 0;
	unsigned from = 3;

	assert(n <= LDFI_SUP_KEEP_MAX); /* ldfi_sup_start checked every node */

	keep[n++] = fd;
	qsort(keep, n, sizeof(*keep), cmp_int);
	for (size_t k = 0; k < n; k++) {
		if (keep[k] < (int)from)
			continue;
		if ((unsigned)keep[k] > from)
			close_range(from, (unsigned)keep[k] - 1, 0);
		from = (unsigned)keep[k] + 1;
	}
	close_range(from, ~0u, 0);
}

/* In the child: shed the coordinator's state, run the node, exit. */
static void child_main(struct ldfi_sup *s, int i, int fd, pid_t parent)
{
	struct sigaction dfl = {0}, ign = {0};
	int rc;

	child_sup = s;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1); /* the coordinator died before prctl */
	dfl.sa_handler = SIG_DFL;
	ign.sa_handler = SIG_IGN;
	sigaction(SIGINT, &ign, NULL);
	sigaction(SIGPIPE, &ign, NULL);
	sigaction(SIGTERM, &dfl, NULL);
	sigaction(SIGCHLD, &dfl, NULL);
	/* Only the standard streams, our own socket and what the node needs
	 * (its process stages' pipes) stay open. */
	close_fds(s, i, fd);
	rc = s->o.node_main(s->o.node_arg, i, fd);
	_exit(rc & 0xff);
}

static void kill_all(struct ldfi_sup *s)
{
	for (int i = 0; i < s->o.n_nodes; i++)
		if (s->p[i].pid > 0)
			kill(s->p[i].pid, SIGKILL);
	for (int i = 0; i < s->o.n_nodes; i++)
		reap(&s->p[i], 0);
}

static void clear_failures(struct ldfi_sup *s);

static void destroy(struct ldfi_sup *s)
{
	clear_failures(s);
	for (int i = 0; i < s->o.n_nodes; i++)
		if (s->p[i].bev)
			bufferevent_free(s->p[i].bev);
	if (s->deadline)
		event_free(s->deadline);
	if (s->poll)
		event_free(s->poll);
	if (s->grace)
		event_free(s->grace);
	if (s->base)
		event_base_free(s->base);
	sigaction(SIGPIPE, &s->old_pipe, NULL);
	free(s->p);
	free(s);
}

int ldfi_sup_start(const struct ldfi_sup_opts *o, struct ldfi_sup **out, char *err, size_t errlen)
{
	struct ldfi_sup *s = calloc(1, sizeof(*s));
	struct sigaction ign = {0};
	int(*sv)[2];
	pid_t self = getpid();
	int rc = LDFI_ENOMEM;

	*out = NULL;
	for (int i = 0; o->keep_fds && i < o->n_nodes; i++) {
		size_t n = o->keep_fds(i, NULL, 0);

		if (n > LDFI_SUP_KEEP_MAX) {
			snprintf(err, errlen,
				 "node %s would keep %zu descriptors open for its processes, more "
				 "than the live engine's %d",
				 o->names && o->names[i] ? o->names[i] : "?", n, LDFI_SUP_KEEP_MAX);
			free(s);
			return LDFI_ELIMIT;
		}
	}
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return LDFI_ENOMEM;
	}
	s->o = *o;
	s->t0_ms = ldfi_now_ms();
	ign.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &ign, &s->old_pipe);
	s->p = calloc((size_t)o->n_nodes + 1, sizeof(*s->p));
	sv = s->sv = malloc(((size_t)o->n_nodes + 1) * sizeof(*sv));
	if (!s->p || !sv) {
		snprintf(err, errlen, "out of memory");
		goto err_;
	}
	for (int i = 0; i < o->n_nodes; i++)
		sv[i][0] = sv[i][1] = -1;
	for (int i = 0; i < o->n_nodes; i++) {
		s->p[i] = (struct proc){s, i, 0, NULL, PROC_GONE, false, NULL};
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv[i])) {
			snprintf(err, errlen, "socketpair: %s", strerror(errno));
			rc = LDFI_EIO;
			goto err_socks;
		}
	}
	for (int i = 0; i < o->n_nodes; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			snprintf(err, errlen, "fork (node %s): %s", name_of(s, i), strerror(errno));
			rc = LDFI_EIO;
			goto err_socks;
		}
		if (pid == 0)
			child_main(s, i, sv[i][1], self);
		s->p[i].pid = pid;
		s->p[i].state = PROC_RUNNING;
	}
	for (int i = 0; i < o->n_nodes; i++) {
		close(sv[i][1]);
		sv[i][1] = -1;
	}
	if (!(s->base = event_base_new())) {
		snprintf(err, errlen, "event_base_new failed");
		goto err_socks;
	}
	for (int i = 0; i < o->n_nodes; i++) {
		struct proc *p = &s->p[i];

		if (evutil_make_socket_nonblocking(sv[i][0]) ||
		    !(p->bev = bufferevent_socket_new(s->base, sv[i][0], BEV_OPT_CLOSE_ON_FREE))) {
			snprintf(err, errlen, "bufferevent for node %s failed", name_of(s, i));
			goto err_socks;
		}
		sv[i][0] = -1; /* owned by the bufferevent now */
		bufferevent_setcb(p->bev, on_read, NULL, on_event, p);
		if (bufferevent_enable(p->bev, EV_READ | EV_WRITE)) {
			snprintf(err, errlen, "bufferevent_enable for node %s failed",
				 name_of(s, i));
			goto err_socks;
		}
	}
	s->deadline = evtimer_new(s->base, on_timer, s);
	s->grace = evtimer_new(s->base, on_timer, s);
	s->poll = event_new(s->base, -1, EV_PERSIST, on_poll, s);
	if (!s->deadline || !s->grace || !s->poll) {
		snprintf(err, errlen, "evtimer_new failed");
		goto err_socks;
	}
	{
		struct timeval tv = {o->time_limit_ms / 1000, (o->time_limit_ms % 1000) * 1000};

		if (evtimer_add(s->deadline, &tv)) {
			snprintf(err, errlen, "evtimer_add failed");
			goto err_socks;
		}
	}
	free(sv);
	s->sv = NULL;
	*out = s;
	return 0;

err_socks:
	for (int i = 0; i < o->n_nodes; i++) {
		if (sv[i][0] >= 0)
			close(sv[i][0]);
		if (sv[i][1] >= 0)
			close(sv[i][1]);
	}
	kill_all(s);
err_:
	free(sv);
	s->sv = NULL;
	destroy(s);
	return rc;
}

int ldfi_sup_respawn(struct ldfi_sup *s, int node, char *err, size_t errlen)
{
	struct proc *p;
	int sv[2];
	pid_t pid, self = getpid();

	if (node < 0 || node >= s->o.n_nodes || s->p[node].state != PROC_GONE || s->closing)
		return LDFI_EINVAL;
	p = &s->p[node];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
		snprintf(err, errlen, "socketpair: %s", strerror(errno));
		return LDFI_EIO;
	}
	if ((pid = fork()) < 0) {
		snprintf(err, errlen, "fork (node %s): %s", name_of(s, node), strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return LDFI_EIO;
	}
	if (pid == 0)
		child_main(s, node, sv[1], self);
	close(sv[1]);
	p->pid = pid;
	p->state = PROC_RUNNING;
	if (evutil_make_socket_nonblocking(sv[0]) ||
	    !(p->bev = bufferevent_socket_new(s->base, sv[0], BEV_OPT_CLOSE_ON_FREE))) {
		close(sv[0]);
		kill(pid, SIGKILL);
		reap(p, 0);
		snprintf(err, errlen, "bufferevent for node %s failed", name_of(s, node));
		return LDFI_EIO;
	}
	bufferevent_setcb(p->bev, on_read, NULL, on_event, p);
	if (bufferevent_enable(p->bev, EV_READ | EV_WRITE)) {
		kill(pid, SIGKILL);
		reap(p, 0);
		snprintf(err, errlen, "bufferevent_enable for node %s failed", name_of(s, node));
		return LDFI_EIO;
	}
	return 0;
}

int ldfi_sup_send(struct ldfi_sup *s, int node, const Ldfi__Live__Frame *f)
{
	if (node < 0 || node >= s->o.n_nodes || !s->p[node].bev)
		return LDFI_EINVAL;
	return ldfi_frame_put(bufferevent_get_output(s->p[node].bev), f);
}

/* The node whose failure the barrier reports: the first in name order
 * that failed, once every node before it has answered; -1 while unknown. */
static int first_failure(const struct ldfi_sup *s)
{
	for (int i = 0; i < s->o.n_nodes; i++) {
		if (s->p[i].failure)
			return i;
		if (s->p[i].state == PROC_RUNNING && !s->p[i].answered)
			return -1;
	}
	return -1;
}

static void clear_failures(struct ldfi_sup *s)
{
	for (int i = 0; s->p && i < s->o.n_nodes; i++) {
		free(s->p[i].failure);
		s->p[i].failure = NULL;
	}
	free(s->failure);
	s->failure = NULL;
}

/* After the wait: the time limit, or a node's failure of the run. */
static void barrier_end(struct ldfi_sup *s, int round)
{
	int f = first_failure(s);

	if (!s->rc && f >= 0) {
		s->rc = LDFI_ESUT;
		s->failure = s->p[f].failure;
		s->p[f].failure = NULL;
		snprintf(s->err, sizeof(s->err), "%s", s->failure);
	}
	if (!s->rc && s->timed_out) {
		for (int i = 0; i < s->o.n_nodes; i++)
			if (s->p[i].state == PROC_RUNNING && !s->p[i].answered) {
				fail(s, LDFI_ESTAGE,
				     "node %s did not answer round %d within the time limit of %d "
				     "ms",
				     name_of(s, i), round, s->o.time_limit_ms);
				break;
			}
		if (!s->rc)
			fail(s, LDFI_ESTAGE, "round %d: the time limit of %d ms ran out", round,
			     s->o.time_limit_ms);
	}
}

int ldfi_sup_barrier(struct ldfi_sup *s, int round, char *err, size_t errlen)
{
	s->round = round;
	s->rc = 0;
	s->waiting = 0;
	clear_failures(s);
	for (int i = 0; i < s->o.n_nodes; i++) {
		s->p[i].answered = false;
		if (s->p[i].state == PROC_RUNNING)
			s->waiting++;
	}
	{
		struct timeval tv = {0, 100 * 1000};

		if (evtimer_add(s->poll, &tv))
			fail(s, LDFI_EIO, "evtimer_add failed in round %d", round);
	}
	while (s->waiting > 0 && !s->rc && !s->timed_out && first_failure(s) < 0)
		if (event_base_loop(s->base, EVLOOP_ONCE) < 0)
			fail(s, LDFI_EIO, "event loop failed in round %d", round);
	evtimer_del(s->poll);
	barrier_end(s, round);
	if (s->rc)
		snprintf(err, errlen, "%s", s->err);
	return s->rc;
}

char *ldfi_sup_take_failure(struct ldfi_sup *s)
{
	char *f = s->failure;

	s->failure = NULL;
	return f;
}

int ldfi_sup_kill(struct ldfi_sup *s, int node)
{
	struct proc *p;

	if (node < 0 || node >= s->o.n_nodes || s->p[node].state != PROC_RUNNING)
		return LDFI_EINVAL;
	p = &s->p[node];
	kill(p->pid, SIGKILL);
	reap(p, 0);
	return 0;
}

bool ldfi_sup_running(const struct ldfi_sup *s, int node)
{
	return node >= 0 && node < s->o.n_nodes && s->p[node].state == PROC_RUNNING;
}

int ldfi_sup_pid(const struct ldfi_sup *s, int node)
{
	return node >= 0 && node < s->o.n_nodes ? (int)s->p[node].pid : 0;
}

int ldfi_sup_close(struct ldfi_sup *s, char *err, size_t errlen)
{
	Ldfi__Live__Frame f = LDFI__LIVE__FRAME__INIT;
	Ldfi__Live__Shutdown sd = LDFI__LIVE__SHUTDOWN__INIT;
	struct timeval tv;
	int rc;

	if (!s)
		return 0;
	s->closing = true;
	s->rc = 0;
	s->waiting = 0;
	f.body_case = LDFI__LIVE__FRAME__BODY_SHUTDOWN;
	f.shutdown = &sd;
	for (int i = 0; i < s->o.n_nodes; i++) {
		if (s->p[i].state != PROC_RUNNING)
			continue;
		if (ldfi_sup_send(s, i, &f)) {
			fail(s, LDFI_EIO, "node %s: cannot queue shutdown", name_of(s, i));
			continue;
		}
		s->waiting++;
	}
	s->timed_out = false;
	tv = (struct timeval){s->o.grace_ms / 1000, (s->o.grace_ms % 1000) * 1000};
	if (s->waiting && !evtimer_add(s->grace, &tv))
		while (s->waiting > 0 && !s->timed_out)
			if (event_base_loop(s->base, EVLOOP_ONCE) < 0)
				break;
	for (int i = 0; i < s->o.n_nodes; i++)
		if (s->p[i].state == PROC_RUNNING) {
			fail(s, LDFI_ESTAGE, "node %s did not exit within %d ms of shutdown",
			     name_of(s, i), s->o.grace_ms);
			reap(&s->p[i], 0);
		}
	kill_all(s);
	rc = s->rc;
	if (rc)
		snprintf(err, errlen, "%s", s->err);
	destroy(s);
	return rc;
}

void ldfi_sup_abort(struct ldfi_sup *s)
{
	if (!s)
		return;
	kill_all(s);
	destroy(s);
}

/* --- the node side --- */

struct serve {
	struct event_base *base;
	struct bufferevent *bev;
	ldfi_node_frame_fn fn;
	void *arg;
	int round;
	bool done;
	int rc;
};

static void serve_finish(struct serve *sv, int rc, const char *msg)
{
	struct evbuffer *out = bufferevent_get_output(sv->bev);

	sv->done = true;
	sv->rc = rc;
	bufferevent_disable(sv->bev, EV_READ);
	if (rc < 0) {
		Ldfi__Live__Frame f = LDFI__LIVE__FRAME__INIT;
		Ldfi__Live__Error e = LDFI__LIVE__ERROR__INIT;

		e.round = (uint32_t)sv->round;
		e.code = rc;
		e.message = (char *)msg;
		f.body_case = LDFI__LIVE__FRAME__BODY_ERROR;
		f.error = &e;
		ldfi_frame_put(out, &f);
	}
	if (evbuffer_get_length(out) == 0)
		event_base_loopbreak(sv->base);
}

static void serve_read(struct bufferevent *bev, void *arg)
{
	struct serve *sv = arg;
	Ldfi__Live__Frame *f;
	char msg[4096]; /* an error, or why a stage failed the run */
	int rc;

	while (!sv->done &&
	       (rc = ldfi_frame_get(bufferevent_get_input(bev), &f, msg, sizeof(msg))) != 0) {
		if (rc < 0) {
			serve_finish(sv, rc, msg);
			return;
		}
		if (f->body_case == LDFI__LIVE__FRAME__BODY_START_ROUND)
			sv->round = (int)f->start_round->round;
		if (f->body_case == LDFI__LIVE__FRAME__BODY_SHUTDOWN) {
			serve_finish(sv, 0, NULL);
		} else {
			msg[0] = 0;
			rc = sv->fn(sv->arg, f, bufferevent_get_output(bev), msg, sizeof(msg));
			if (rc < 0)
				serve_finish(sv, rc, msg[0] ? msg : ldfi_strerror(rc));
		}
		ldfi_frame_free(f);
	}
}

static void serve_write(struct bufferevent *bev, void *arg)
{
	struct serve *sv = arg;

	(void)bev;
	if (sv->done)
		event_base_loopbreak(sv->base);
}

static void serve_event(struct bufferevent *bev, short what, void *arg)
{
	struct serve *sv = arg;

	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		if (!sv->done)
			sv->rc = 1;
		sv->done = true;
		event_base_loopbreak(sv->base);
	}
}

int ldfi_sup_serve(int fd, ldfi_node_frame_fn on_frame, void *arg)
{
	struct serve sv = {NULL, NULL, on_frame, arg, 0, false, 0};

	if (evutil_make_socket_nonblocking(fd) || !(sv.base = event_base_new()))
		return LDFI_EIO;
	if (!(sv.bev = bufferevent_socket_new(sv.base, fd, BEV_OPT_CLOSE_ON_FREE))) {
		event_base_free(sv.base);
		return LDFI_EIO;
	}
	bufferevent_setcb(sv.bev, serve_read, serve_write, serve_event, &sv);
	if (bufferevent_enable(sv.bev, EV_READ | EV_WRITE))
		sv.rc = LDFI_EIO;
	else
		event_base_dispatch(sv.base);
	bufferevent_free(sv.bev);
	event_base_free(sv.base);
	return sv.rc;
}
