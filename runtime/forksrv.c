/*
 * forksrv.c - the fork server of isolated executions (forksrv.h): a process
 * forked from ldfi right after the conf and its plugins are loaded, that
 * forks a fresh child per execution, so that each run costs the fork of a
 * small process instead of the explorer's, and the explorer's pages are not
 * made copy-on-write again by every run.
 *
 * ldfi and the server talk over a SOCK_SEQPACKET socketpair, one request
 * at a time. MSG_EXEC: ldfi writes the fault set to a new memfd and sends
 * it (SCM_RIGHTS); the server reads the fault set, empties the memfd and
 * forks the run's child, which writes its answer there (isolate.c); the
 * server waits for the child as ldfi would (run_timeout, SIGKILL of its
 * process group, reaping) and replies how it ended; ldfi reads the trace
 * from its own copy of the memfd and judges the run from the shared
 * progress page, as after a direct fork. MSG_FAULT_FREE copies the
 * fault-free trace (for matches-fault-free and plugin checks) to the
 * server, which keeps it for the runs that follow. MSG_STOP, while a run
 * goes on: a budget ran out or a signal came; the server kills the run.
 * MSG_QUIT or the end of the socket: the server kills and reaps what is
 * left of its runs and exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ldfi/faults.h"
#include "ldfi/ldfi.h"
#include "ldfi/trace.h"
#include "model/util.h"
#include "runtime/forksrv.h"
#include "runtime/runtime.h"

/* How long past run_timeout ldfi waits for the server's reply before it
 * takes the server for hung (kills it and forks the run itself). The
 * server itself replies within about 100 ms of run_timeout. */
#define REPLY_SLACK_MS 30000

enum msg_type { MSG_EXEC = 1, MSG_FAULT_FREE, MSG_STOP, MSG_QUIT };

struct request {
	uint32_t type;	   /* enum msg_type */
	int32_t timeout_s; /* MSG_EXEC: run_timeout */
	uint64_t seq;	   /* of the request; MSG_STOP: of the run to stop */
	int32_t use_ff;	   /* MSG_EXEC: with the fault-free trace the server holds */
	int32_t pad;
};

struct reply {
	uint64_t seq;
	int32_t rc;	/* 0, or LDFI_E*: the run could not be started, the
			 * fault-free trace not read (err says why) */
	int32_t how;	/* MSG_EXEC: enum ldfi_isolate_how */
	int32_t status; /* MSG_EXEC: the run child's wait status */
	char err[196];
};

struct ldfi_forksrv {
	pid_t pid;
	int sock;
	bool dead; /* killed: only reaped by ldfi_forksrv_stop */
	uint64_t seq;
	struct ldfi_isolate_progress *prog;
	/* The fault-free trace the server holds: its address and sizes. */
	const struct ldfi_trace *ff;
	size_t ff_msgs, ff_outs, ff_parents;
	int ff_recs;
};

/* ---- the socket ---- */

/* Send `rq`, with `fd` when it is >= 0. 0 or -1. */
static int send_request(int sock, const struct request *rq, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = {(void *)(uintptr_t)rq, sizeof(*rq)};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	ssize_t n;

	if (fd >= 0) {
		struct cmsghdr *c;

		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = sizeof(u.buf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	while ((n = sendmsg(sock, &mh, MSG_NOSIGNAL)) < 0 && errno == EINTR)
		;
	return n == (ssize_t)sizeof(*rq) ? 0 : -1;
}

/* Receive a request into `rq` and the fd it carries into *fd (-1: none).
 * 1, 0 at the end of the socket, -1 on an error or a malformed request. */
static int recv_request(int sock, struct request *rq, int *fd)
{
	union {
		char buf[CMSG_SPACE(4 * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = {rq, sizeof(*rq)};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	ssize_t n;

	*fd = -1;
	mh.msg_control = u.buf;
	mh.msg_controllen = sizeof(u.buf);
	while ((n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
		;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); n >= 0 && c; c = CMSG_NXTHDR(&mh, c)) {
		size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		for (size_t i = 0; i < k; i++) {
			int got;

			memcpy(&got, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (*fd < 0)
				*fd = got;
			else
				close(got);
		}
	}
	if (n == 0)
		return 0;
	return n == (ssize_t)sizeof(*rq) && !(mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ? 1 : -1;
}

static void send_reply(int sock, const struct reply *rp)
{
	while (send(sock, rp, sizeof(*rp), MSG_NOSIGNAL) < 0 && errno == EINTR)
		;
}

/* ---- the server ---- */

/* The fault set ldfi wrote to `fd`: a count, then the faults as they are
 * in memory. 0, LDFI_EIO, LDFI_EFORMAT or LDFI_ENOMEM. */
static int read_faults(int fd, struct ldfi_faults *fs)
{
	struct stat sb;
	uint32_t n;
	size_t size;

	if (fstat(fd, &sb) || pread(fd, &n, sizeof(n), 0) != (ssize_t)sizeof(n))
		return LDFI_EIO;
	size = (size_t)n * sizeof(*fs->v);
	if ((uint64_t)sb.st_size != sizeof(n) + (uint64_t)size)
		return LDFI_EFORMAT;
	if (n && !(fs->v = malloc(size)))
		return LDFI_ENOMEM;
	if (n && pread(fd, fs->v, size, sizeof(n)) != (ssize_t)size)
		return LDFI_EIO;
	fs->n = fs->cap = (int)n;
	return 0;
}

/* MSG_EXEC: run the fault set in `fd` in a fresh child. */
static void serve_exec(const struct ldfi_conf *conf, int sock, struct ldfi_isolate_progress *p,
		       const struct ldfi_trace *ff, const struct request *rq, int fd)
{
	struct reply rp = {.seq = rq->seq, .how = -1};
	struct ldfi_faults fs = {0};

	ldfi_isolate_reap(); /* the runs that were done, and what they left */
	if ((rp.rc = read_faults(fd, &fs)) || (ftruncate(fd, 0) && (rp.rc = LDFI_EIO)))
		snprintf(rp.err, sizeof(rp.err), "the fork server could not read the fault set: %s",
			 ldfi_strerror(rp.rc));
	else if (ldfi_isolate_fork_run(conf, &fs, ff, fd, p, rq->timeout_s, sock, sock, &rp.how,
				       &rp.status, rp.err, sizeof(rp.err)))
		rp.rc = LDFI_EIO;
	free(fs.v);
	send_reply(sock, &rp);
}

/* MSG_FAULT_FREE: keep the trace in `fd` as the fault-free run. */
static void serve_fault_free(const struct ldfi_conf *conf, int sock, const struct request *rq,
			     int fd, struct ldfi_trace **ff)
{
	struct reply rp = {.seq = rq->seq, .how = -1};
	struct ldfi_trace *tr = NULL;

	if (!(rp.rc = ldfi_isolate_read_answer(conf, fd, &tr, rp.err, sizeof(rp.err)))) {
		ldfi_trace_destroy(*ff);
		*ff = tr;
	}
	send_reply(sock, &rp);
}

static void __attribute__((noreturn))
serve(const struct ldfi_conf *conf, int sock, struct ldfi_isolate_progress *p, pid_t parent)
{
	struct ldfi_trace *ff = NULL;
	struct request rq;
	int fd;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0);
	/* Its own group: Ctrl-C reaches ldfi only, as for a run's child. */
	setpgid(0, 0);
	/* What a run's plugin leaves behind (setsid, then its parent exits)
	 * becomes the server's child, and ends in its sweep. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	ldfi_rt_set_stop(NULL, NULL); /* budgets are ldfi's: MSG_STOP */
	while (recv_request(sock, &rq, &fd) > 0 && rq.type != MSG_QUIT) {
		if (rq.type == MSG_EXEC && fd >= 0)
			serve_exec(conf, sock, p, rq.use_ff ? ff : NULL, &rq, fd);
		else if (rq.type == MSG_FAULT_FREE && fd >= 0)
			serve_fault_free(conf, sock, &rq, fd, &ff);
		/* else MSG_STOP that came after its run had ended: nothing */
		if (fd >= 0)
			close(fd);
	}
	if (fd >= 0)
		close(fd);
	ldfi_isolate_reap();
	ldfi_trace_destroy(ff);
	_exit(0);
}

/* ---- ldfi's side ---- */

int ldfi_forksrv_start(const struct ldfi_conf *conf, struct ldfi_forksrv **out)
{
	struct ldfi_forksrv *s = calloc(1, sizeof(*s));
	pid_t self = getpid();
	int sv[2], e;

	*out = NULL;
	if (!s)
		return LDFI_ENOMEM;
	s->prog =
	    mmap(NULL, sizeof(*s->prog), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (s->prog == MAP_FAILED)
		goto err_map;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		goto err_sock;
	fflush(NULL); /* nothing buffered may be written twice */
	if ((s->pid = fork()) < 0)
		goto err_fork;
	if (s->pid == 0) {
		struct ldfi_isolate_progress *p = s->prog;

		free(s); /* ldfi's */
		close(sv[0]);
		serve(conf, sv[1], p, self);
	}
	close(sv[1]);
	s->sock = sv[0];
	*out = s;
	return 0;

err_fork:
	e = errno;
	close(sv[0]);
	close(sv[1]);
	errno = e;
err_sock:
	e = errno;
	munmap(s->prog, sizeof(*s->prog));
	errno = e;
err_map:
	free(s);
	return LDFI_EIO;
}

/* The server is gone, or does not keep to the protocol: kill it (its run's
 * child dies with it) for ldfi_forksrv_stop to reap. LDFI_EIO. */
static int server_lost(struct ldfi_forksrv *s)
{
	kill(s->pid, SIGKILL);
	s->dead = true;
	s->ff = NULL;
	return LDFI_EIO;
}

/* Wait for the reply to request `seq`; while waiting, pass a stop request
 * on to the server. 0, or LDFI_EIO (the server is lost). */
static int await_reply(struct ldfi_forksrv *s, uint64_t seq, int timeout_s, struct reply *rp)
{
	int64_t deadline = ldfi_now_ms() + (int64_t)timeout_s * 1000 + REPLY_SLACK_MS;
	bool stopping = false;

	for (;;) {
		struct pollfd pfd = {s->sock, POLLIN, 0};
		ssize_t n;

		if (!stopping && ldfi_rt_stop_requested()) {
			struct request st = {.type = MSG_STOP, .seq = seq};

			stopping = true;
			if (send_request(s->sock, &st, -1))
				return server_lost(s);
		}
		if (ldfi_now_ms() > deadline)
			return server_lost(s);
		n = poll(&pfd, 1, 100);
		if (n < 0 && errno != EINTR)
			return server_lost(s);
		if (n <= 0)
			continue;
		while ((n = recv(s->sock, rp, sizeof(*rp), 0)) < 0 && errno == EINTR)
			;
		if (n != (ssize_t)sizeof(*rp) || rp->seq != seq)
			return server_lost(s);
		rp->err[sizeof(rp->err) - 1] = '\0';
		return 0;
	}
}

/* Copy `ff` to the server unless it holds it already. 0 or LDFI_EIO. */
static int send_fault_free(struct ldfi_forksrv *s, const struct ldfi_trace *ff)
{
	struct request rq = {.type = MSG_FAULT_FREE};
	struct reply rp;
	int fd, rc;

	if (s->ff == ff && s->ff_msgs == ff->n_msgs && s->ff_outs == ff->n_outs &&
	    s->ff_parents == ff->n_parents && s->ff_recs == ff->n_recs)
		return 0;
	s->ff = NULL;
	if ((fd = memfd_create("ldfi-fault-free", MFD_CLOEXEC)) < 0)
		return server_lost(s);
	rq.seq = ++s->seq;
	rc = ldfi_isolate_write_answer(fd, ff) || send_request(s->sock, &rq, fd) ||
	     await_reply(s, rq.seq, 0, &rp) || rp.rc;
	close(fd);
	if (rc)
		return s->dead ? LDFI_EIO : server_lost(s);
	s->ff = ff;
	s->ff_msgs = ff->n_msgs;
	s->ff_outs = ff->n_outs;
	s->ff_parents = ff->n_parents;
	s->ff_recs = ff->n_recs;
	return 0;
}

/* The fault set to `fd`, from its start: its count, then its faults. */
static int write_faults(int fd, const struct ldfi_faults *fs)
{
	uint32_t n = (uint32_t)fs->n;
	size_t size = (size_t)fs->n * sizeof(*fs->v);

	if (pwrite(fd, &n, sizeof(n), 0) != (ssize_t)sizeof(n))
		return -1;
	return size && pwrite(fd, fs->v, size, sizeof(n)) != (ssize_t)size ? -1 : 0;
}

int ldfi_forksrv_run(struct ldfi_forksrv *s, const struct ldfi_faults *faults,
		     const struct ldfi_trace *fault_free, int fd, int timeout_s, int *how,
		     int *status, char *err, size_t errlen)
{
	struct request rq = {.type = MSG_EXEC, .timeout_s = timeout_s, .use_ff = !!fault_free};
	struct reply rp;

	if (s->dead || (fault_free && send_fault_free(s, fault_free)))
		return LDFI_EIO;
	rq.seq = ++s->seq;
	if (write_faults(fd, faults) || send_request(s->sock, &rq, fd))
		return server_lost(s);
	if (await_reply(s, rq.seq, timeout_s, &rp))
		return LDFI_EIO;
	*how = rp.how;
	*status = rp.status;
	if (rp.rc) {
		*how = -1;
		snprintf(err, errlen, "%s", rp.err);
	}
	return 0;
}

struct ldfi_isolate_progress *ldfi_forksrv_progress(struct ldfi_forksrv *s)
{
	return s->prog;
}

pid_t ldfi_forksrv_pid(const struct ldfi_forksrv *s)
{
	return s->pid;
}

void ldfi_forksrv_stop(struct ldfi_forksrv *s)
{
	struct request rq = {.type = MSG_QUIT};

	if (!s)
		return;
	if (!s->dead && send_request(s->sock, &rq, -1))
		kill(s->pid, SIGKILL);
	close(s->sock);
	while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR)
		;
	munmap(s->prog, sizeof(*s->prog));
	free(s);
}
