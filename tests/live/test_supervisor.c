/*
 * test_supervisor.c - node processes of the live engine
 * (runtime/live/supervisor.c): rounds with a barrier, a crash by SIGKILL, a
 * node that hangs, exits early, dies by a signal, reports an error, sends
 * garbage or ignores the shutdown; after every case no child process (not
 * even a zombie) and no file descriptor is left behind, checked in /proc;
 * the descriptors a node keeps (keep_fds) and the limit on them.
 */
#include <dirent.h>
#include <fcntl.h>
#include <event2/buffer.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ldfi/ldfi.h"
#include "runtime/live/frame.h"
#include "runtime/live/supervisor.h"
#include "test.h"
#include "tests/live/procfs.h"

static const char *const names[] = {"a", "b", "c"};

/* How node b misbehaves, and in which round. */
enum misbehave {
	GOOD,
	HANG,
	EXIT_EARLY,
	SIGNAL,
	ERROR_FRAME,
	GARBAGE,
	IGNORE_SHUTDOWN,
	EXIT_AFTER_ANSWER,
	KEPT_FD, /* b must have kept_fd open, a must not */
};

struct plan {
	enum misbehave how;
	int round;
};

static int my_node;
static int kept_fd = -1;
static size_t (*keep_fn)(int node, int *fds, size_t max);

/* b keeps kept_fd. */
static size_t keep_one(int node, int *fds, size_t max)
{
	if (node != 1)
		return 0;
	if (max >= 1)
		fds[0] = kept_fd;
	return 1;
}

/* c would keep one descriptor too many. */
static size_t keep_too_many(int node, int *fds, size_t max)
{
	(void)fds;
	(void)max;
	return node == 2 ? LDFI_SUP_KEEP_MAX + 1 : 0;
}

static int reply_done(struct evbuffer *out, int round)
{
	Ldfi__Live__Frame f = LDFI__LIVE__FRAME__INIT;
	Ldfi__Live__RoundDone d = LDFI__LIVE__ROUND_DONE__INIT;

	d.round = (uint32_t)round;
	f.body_case = LDFI__LIVE__FRAME__BODY_ROUND_DONE;
	f.round_done = &d;
	return ldfi_frame_put(out, &f);
}

static int node_frame(void *arg, const Ldfi__Live__Frame *f, struct evbuffer *out, char *err,
		      size_t errlen)
{
	const struct plan *p = arg;
	int round;

	if (f->body_case != LDFI__LIVE__FRAME__BODY_START_ROUND)
		return 0;
	round = (int)f->start_round->round;
	if (my_node == 1 && round == p->round) {
		switch (p->how) {
		case HANG:
			for (;;)
				pause();
		case EXIT_EARLY:
			_exit(3);
		case SIGNAL:
			raise(SIGTERM);
			break;
		case ERROR_FRAME:
			snprintf(err, errlen, "stage x: out of cheese");
			return LDFI_ESTAGE;
		case GARBAGE:
			evbuffer_add(out, "\x7f\xff\xff\xff", 4);
			return 0;
		case EXIT_AFTER_ANSWER:
			reply_done(out, round);
			return LDFI_EIO; /* sends Error, exits */
		default:
			break;
		}
	}
	return reply_done(out, round);
}

static int node_main(void *arg, int node, int fd)
{
	const struct plan *p = arg;
	int rc;

	my_node = node;
	if (p->how == KEPT_FD && (fcntl(kept_fd, F_GETFD) == -1) != (node != 1))
		return 9;
	rc = ldfi_sup_serve(fd, node_frame, arg);
	if (node == 1 && p->how == IGNORE_SHUTDOWN)
		for (;;)
			pause();
	return rc < 0 ? 2 : rc;
}

static int answered[3];

static int coord_frame(void *arg, int node, Ldfi__Live__Frame *f, char *err, size_t errlen)
{
	(void)arg;
	if (f->body_case != LDFI__LIVE__FRAME__BODY_ROUND_DONE) {
		snprintf(err, errlen, "unexpected frame %d", f->body_case);
		ldfi_frame_free(f);
		return LDFI_EFORMAT;
	}
	ldfi_frame_free(f);
	answered[node]++;
	return 1;
}

/* Run rounds 1..4 with node b behaving as `p`; crash node c at `crash`
 * (0: never). Returns the first error (0 if none) with its text in err. */
static int run(struct plan p, int crash, char *err, size_t errlen, int *close_rc)
{
	struct ldfi_sup_opts o = {3, names, node_main, &p, coord_frame, NULL, 400, 300, keep_fn};
	struct ldfi_sup *s;
	int rc;

	memset(answered, 0, sizeof(answered));
	*close_rc = 0;
	if ((rc = ldfi_sup_start(&o, &s, err, errlen)))
		return rc;
	for (int round = 1; round <= 4 && !rc; round++) {
		Ldfi__Live__Frame f = LDFI__LIVE__FRAME__INIT;
		Ldfi__Live__StartRound sr = LDFI__LIVE__START_ROUND__INIT;

		if (round == crash) {
			int pid = ldfi_sup_pid(s, 2);

			CHECK(ldfi_sup_kill(s, 2) == 0);
			CHECK(!ldfi_sup_running(s, 2));
			CHECK(kill(pid, 0) == -1); /* reaped: the pid is gone */
			CHECK(ldfi_sup_kill(s, 2) == LDFI_EINVAL);
		}
		sr.round = (uint32_t)round;
		f.body_case = LDFI__LIVE__FRAME__BODY_START_ROUND;
		f.start_round = &sr;
		for (int i = 0; i < 3; i++)
			if (ldfi_sup_running(s, i))
				CHECK(ldfi_sup_send(s, i, &f) == 0);
		rc = ldfi_sup_barrier(s, round, err, errlen);
	}
	{
		char cerr[256] = "";

		*close_rc = ldfi_sup_close(s, cerr, sizeof(cerr));
		if (!rc && *close_rc)
			snprintf(err, errlen, "%s", cerr);
	}
	return rc;
}

#define CASE(how, round, crash, want_rc, want_err)                                                 \
	do {                                                                                       \
		char err_[256] = "";                                                               \
		int fds_ = open_fds(), crc_;                                                       \
		int rc_ = run((struct plan){how, round}, crash, err_, sizeof(err_), &crc_);        \
		CHECK(rc_ == (want_rc) || (!rc_ && crc_ == (want_rc)));                            \
		CHECK_STR(err_, want_err);                                                         \
		CHECK(children(NULL) == 0);                                                        \
		CHECK(open_fds() == fds_);                                                         \
	} while (0)

int main(void)
{
	/* Fault-free: 4 rounds, every node answers every round. */
	CASE(GOOD, 0, 0, 0, "");
	CHECK(answered[0] == 4 && answered[1] == 4 && answered[2] == 4);
	/* c crashes in round 3: SIGKILLed, reaped, no longer waited for. */
	CASE(GOOD, 0, 3, 0, "");
	CHECK(answered[0] == 4 && answered[2] == 2);
	CASE(HANG, 2, 0, LDFI_ESTAGE,
	     "node b did not answer round 2 within the time limit of 400 ms");
	CASE(EXIT_EARLY, 3, 0, LDFI_ESTAGE, "node b exited with status 3 in round 3");
	CASE(SIGNAL, 1, 0, LDFI_ESTAGE, "node b was killed by signal 15 (Terminated) in round 1");
	CASE(ERROR_FRAME, 2, 0, LDFI_EIO, "node b failed in round 2: stage x: out of cheese");
	CASE(GARBAGE, 2, 0, LDFI_EFORMAT,
	     "node b sent a bad frame in round 2: frame of 2147483647 bytes exceeds the limit of "
	     "16777216");
	CASE(EXIT_AFTER_ANSWER, 2, 0, LDFI_EIO, "node b failed in round 2: I/O error");
	CASE(IGNORE_SHUTDOWN, 0, 0, LDFI_ESTAGE,
	     "node b closed its socket but did not exit within 300 ms of shutdown");
	/* Several failures in one run, and a hang together with a crash. */
	CASE(HANG, 3, 2, LDFI_ESTAGE,
	     "node b did not answer round 3 within the time limit of 400 ms");
	/* keep_fds: b keeps the descriptor it names, a and c have it closed
	 * (a node exits with status 9 otherwise). */
	{
		int p[2];

		CHECK(pipe(p) == 0);
		kept_fd = p[0];
		keep_fn = keep_one;
		CASE(KEPT_FD, 0, 0, 0, "");
		CHECK(answered[0] == 4 && answered[1] == 4 && answered[2] == 4);
		/* A node that would keep more than the limit: refused before any
		 * fork, naming the node. */
		keep_fn = keep_too_many;
		CASE(GOOD, 0, 0, LDFI_ELIMIT,
		     "node c would keep 1025 descriptors open for its processes, more than the "
		     "live engine's 1024");
		CHECK(answered[0] == 0);
		keep_fn = NULL;
		close(p[0]);
		close(p[1]);
	}
	return test_done();
}
