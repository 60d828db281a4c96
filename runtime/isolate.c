/*
 * isolate.c - one execution with plugins in a forked child (isolate.h).
 *
 * The child wraps every plugin stage and check so that, before each call
 * into plugin code, it writes where it is (stage, node, callback, round)
 * to a page shared with ldfi; it runs ldfi_runtime_exec and writes the
 * finished trace, serialized, to a memfd; then it exits. Its parent waits
 * for it (a pidfd, or polling waitid where there is none) until
 * conf->run_timeout seconds have passed, kills what is left of the child's
 * process group with SIGKILL and reaps the child; ldfi either reads the
 * trace back or, when the child died, exited without finishing or ran out
 * of time, builds a failed run that says so, from the shared page.
 *
 * The child's parent is the fork server (forksrv.c) when one runs for the
 * conf (ldfi_isolate_start), else ldfi itself (the direct fork, as before
 * the server, and the fallback when the server is gone).
 *
 * The serialization is private to one ldfi binary (the child is a fork of
 * it): fixed-size structures are copied as they are in memory; strings and
 * nested arrays are length-prefixed. The reader still checks every length
 * against what it read, and the recorder checks every index, so a child
 * whose memory a plugin corrupted cannot make it read out of bounds.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ldfi/conf.h"
#include "ldfi/faults.h"
#include "ldfi/ldfi.h"
#include "ldfi/stage.h"
#include "model/util.h"
#include "runtime/forksrv.h"
#include "runtime/isolate.h"
#include "runtime/runtime.h"

#define MAGIC "LDFIRUN1"
#define END_MAGIC "DONE"

/* Exit status of a child that could not write its answer. */
#define CHILD_SEND_FAILED 125

/* ---- the child: wrapped plugins ---- */

static struct ldfi_isolate_progress *prog;
static const struct ldfi_stage_ops **real_ops; /* per component */
static struct ldfi_stage_ops *wrap_ops;	       /* per component */
static ldfi_check_fn *real_checks;	       /* per check */

static const struct ldfi_stage_ops *enter(struct ldfi_stage *st, enum ldfi_isolate_where w,
					  int round)
{
	int comp = ldfi_stage_comp(st);

	prog->comp = comp;
	prog->node = ldfi_stage_node(st);
	if (round > 0)
		prog->round = round;
	prog->where = w;
	return real_ops[comp];
}

static void leave(void)
{
	prog->where = LDFI_ISOLATE_RUNTIME;
}

static int w_init(struct ldfi_stage *st)
{
	int rc = enter(st, LDFI_ISOLATE_INIT, 0)->init(st);

	leave();
	return rc;
}

static void w_finish(struct ldfi_stage *st)
{
	enter(st, LDFI_ISOLATE_FINISH, 0)->finish(st);
	leave();
}

static int w_on_message(struct ldfi_stage *st, const struct ldfi_msg *m)
{
	int rc = enter(st, LDFI_ISOLATE_MESSAGE, ldfi_stage_round(st))->on_message(st, m);

	leave();
	return rc;
}

static int w_on_round(struct ldfi_stage *st, int round)
{
	int rc = enter(st, LDFI_ISOLATE_ROUND, round)->on_round(st, round);

	leave();
	return rc;
}

static int w_on_recover(struct ldfi_stage *st, int round, int down_from)
{
	int rc = enter(st, LDFI_ISOLATE_RECOVER, round)->on_recover(st, round, down_from);

	leave();
	return rc;
}

static int w_check(struct ldfi_trace *tr, const struct ldfi_trace *ff, int check,
		   struct ldfi_check_result *res)
{
	int rc;

	prog->check = check;
	prog->where = LDFI_ISOLATE_CHECK;
	rc = real_checks[check](tr, ff, check, res);
	leave();
	return rc;
}

/* Point the child's copy of the conf at the wrappers. */
static int wrap_plugins(struct ldfi_conf *conf)
{
	real_ops = calloc((size_t)conf->n_comps + 1, sizeof(*real_ops));
	wrap_ops = calloc((size_t)conf->n_comps + 1, sizeof(*wrap_ops));
	real_checks = calloc((size_t)conf->n_checks + 1, sizeof(*real_checks));
	if (!real_ops || !wrap_ops || !real_checks)
		return LDFI_ENOMEM;
	for (int i = 0; i < conf->n_comps; i++) {
		struct ldfi_comp *c = &conf->comps[i];
		const struct ldfi_stage_ops *r = c->plugin;
		struct ldfi_stage_ops *w = &wrap_ops[i];

		if (c->type != LDFI_COMP_STAGE || c->kind != LDFI_KIND_PLUGIN || !r)
			continue;
		real_ops[i] = r;
		w->api_version = r->api_version;
		w->kind = r->kind;
		w->init = r->init ? w_init : NULL;
		w->finish = r->finish ? w_finish : NULL;
		w->on_message = r->on_message ? w_on_message : NULL;
		w->on_round = r->on_round ? w_on_round : NULL;
		w->on_recover = r->on_recover ? w_on_recover : NULL;
		c->plugin = w;
	}
	for (int i = 0; i < conf->n_checks; i++) {
		struct ldfi_check *k = &conf->checks[i];

		if (k->kind != LDFI_CHECK_PLUGIN || !k->plugin)
			continue;
		real_checks[i] = (ldfi_check_fn)(uintptr_t)k->plugin;
		k->plugin = (void *)(uintptr_t)w_check;
	}
	return 0;
}

/* ---- serialization ---- */

static void put(FILE *f, const void *p, size_t n)
{
	if (n)
		fwrite(p, 1, n, f);
}

static void put_u32(FILE *f, uint32_t v)
{
	put(f, &v, sizeof(v));
}

static void put_u64(FILE *f, uint64_t v)
{
	put(f, &v, sizeof(v));
}

static void put_i32(FILE *f, int32_t v)
{
	put(f, &v, sizeof(v));
}

/* Messages and outputs have padding; the runtime leaves it uninitialised,
 * so each is written from a zeroed copy, field by field (valgrind: no
 * uninitialised byte reaches the memfd). */
static void put_msgs(FILE *f, const struct ldfi_msg *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct ldfi_msg m;

		memset(&m, 0, sizeof(m));
		m.id = v[i].id;
		m.kind = v[i].kind;
		m.fate = v[i].fate;
		m.delivery = v[i].delivery;
		m.parents_any = v[i].parents_any;
		m.conditional = v[i].conditional;
		m.src_node = v[i].src_node;
		m.src_comp = v[i].src_comp;
		m.dst_node = v[i].dst_node;
		m.dst_comp = v[i].dst_comp;
		m.send_round = v[i].send_round;
		m.rec = v[i].rec;
		m.fault = v[i].fault;
		m.parents_off = v[i].parents_off;
		m.n_parents = v[i].n_parents;
		put(f, &m, sizeof(m));
	}
}

static void put_outs(FILE *f, const struct ldfi_output *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct ldfi_output o;

		memset(&o, 0, sizeof(o));
		o.comp = v[i].comp;
		o.node = v[i].node;
		o.pos = v[i].pos;
		o.rec = v[i].rec;
		o.round = v[i].round;
		o.parents_off = v[i].parents_off;
		o.n_parents = v[i].n_parents;
		o.conditional = v[i].conditional;
		put(f, &o, sizeof(o));
	}
}

static void put_mems(FILE *f, const struct ldfi_memtok *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct ldfi_memtok t;

		memset(&t, 0, sizeof(t));
		t.node = v[i].node;
		t.from = v[i].from;
		t.to = v[i].to;
		t.parents_off = v[i].parents_off;
		t.n_parents = v[i].n_parents;
		t.parents_any = v[i].parents_any;
		put(f, &t, sizeof(t));
	}
}

static void write_trace(FILE *f, const struct ldfi_trace *tr)
{
	const struct ldfi_conf *conf = tr->conf;

	put_u32(f, (uint32_t)tr->faults.n);
	put(f, tr->faults.v, (size_t)tr->faults.n * sizeof(*tr->faults.v));
	put_u32(f, (uint32_t)conf->n_nodes);
	for (int i = 0; i < conf->n_nodes; i++)
		put_i32(f, tr->crash_round ? tr->crash_round[i] : 0);
	for (int i = 0; i < conf->n_nodes; i++)
		put_i32(f, tr->restart_round ? tr->restart_round[i] : 0);
	put_i32(f, tr->downtime);
	put_u32(f, (uint32_t)tr->n_recs);
	for (int i = 0; i < tr->n_recs; i++) {
		const struct ldfi_record *r = &tr->recs[i];
		size_t len = r->name ? strlen(r->name) : 0;

		put_i32(f, r->source);
		put_i32(f, r->index);
		put_u32(f, r->emitted);
		put_u32(f, (uint32_t)len);
		put(f, r->name, len);
	}
	put_u64(f, tr->n_msgs);
	put_msgs(f, tr->msgs, tr->n_msgs);
	put_u64(f, tr->n_parents);
	put(f, tr->parents, tr->n_parents * sizeof(*tr->parents));
	put_u64(f, tr->n_outs);
	put_outs(f, tr->outs, tr->n_outs);
	put_u64(f, tr->n_mems);
	put_mems(f, tr->mems, tr->n_mems);
	put_u32(f, (uint32_t)tr->n_checks);
	for (int i = 0; i < tr->n_checks; i++) {
		const struct ldfi_check_result *r = &tr->checks[i];

		put_i32(f, r->check);
		put_u32(f, r->passed);
		put_u32(f, (uint32_t)r->n_offs);
		put(f, r->offs, (size_t)r->n_offs * sizeof(*r->offs));
	}
	put_u32(f, tr->passed);
	/* The failure: a trace copied to the fork server may have one. */
	put_u32(f, tr->failure ? (uint32_t)strlen(tr->failure) : UINT32_MAX);
	if (tr->failure)
		put(f, tr->failure, strlen(tr->failure));
}

struct reader {
	const unsigned char *p, *end;
	bool bad;
};

static void get(struct reader *rd, void *out, size_t n)
{
	if (rd->bad || (size_t)(rd->end - rd->p) < n) {
		rd->bad = true;
		memset(out, 0, n);
		return;
	}
	memcpy(out, rd->p, n);
	rd->p += n;
}

static uint32_t get_u32(struct reader *rd)
{
	uint32_t v;

	get(rd, &v, sizeof(v));
	return v;
}

static uint64_t get_u64(struct reader *rd)
{
	uint64_t v;

	get(rd, &v, sizeof(v));
	return v;
}

/* A new array of `n` elements of `size` read from `rd`, or NULL (n == 0,
 * or rd->bad set: short input; *nomem: allocation failed). */
static void *get_array(struct reader *rd, uint64_t n, size_t size, bool *nomem)
{
	void *a;

	if (rd->bad || !n)
		return NULL;
	if (n > (uint64_t)(rd->end - rd->p) / size) {
		rd->bad = true;
		return NULL;
	}
	if (!(a = malloc((size_t)n * size))) {
		*nomem = true;
		rd->bad = true;
		return NULL;
	}
	get(rd, a, (size_t)n * size);
	return a;
}

/* Fill `tr` (zeroed, conf set) from `rd`. 0, LDFI_EFORMAT or LDFI_ENOMEM. */
static int read_trace(struct reader *rd, struct ldfi_trace *tr)
{
	const struct ldfi_conf *conf = tr->conf;
	bool nomem = false;
	uint32_t n;

	n = get_u32(rd);
	tr->faults.v = get_array(rd, n, sizeof(*tr->faults.v), &nomem);
	tr->faults.n = tr->faults.cap = tr->faults.v ? (int)n : 0;
	if (get_u32(rd) != (uint32_t)conf->n_nodes)
		rd->bad = true;
	tr->crash_round = calloc((size_t)conf->n_nodes + 1, sizeof(int));
	tr->restart_round = calloc((size_t)conf->n_nodes + 1, sizeof(int));
	nomem |= !tr->crash_round || !tr->restart_round;
	for (int i = 0; !rd->bad && !nomem && i < conf->n_nodes; i++)
		get(rd, &tr->crash_round[i], sizeof(int));
	for (int i = 0; !rd->bad && !nomem && i < conf->n_nodes; i++)
		get(rd, &tr->restart_round[i], sizeof(int));
	get(rd, &tr->downtime, sizeof(int));
	n = get_u32(rd);
	if (!rd->bad && !nomem && n > (uint32_t)(rd->end - rd->p) / 16)
		rd->bad = true;
	if (!rd->bad && !nomem) {
		tr->recs = calloc((size_t)n + 1, sizeof(*tr->recs));
		nomem |= !tr->recs;
	}
	for (uint32_t i = 0; !rd->bad && !nomem && i < n; i++) {
		struct ldfi_record *r = &tr->recs[i];
		uint32_t len;

		get(rd, &r->source, sizeof(r->source));
		get(rd, &r->index, sizeof(r->index));
		r->emitted = get_u32(rd) != 0;
		len = get_u32(rd);
		if (rd->bad || len > (size_t)(rd->end - rd->p)) {
			rd->bad = true;
			break;
		}
		if (!(r->name = strndup((const char *)rd->p, len))) {
			nomem = true;
			break;
		}
		rd->p += len;
		tr->n_recs++;
	}
	if (!rd->bad && !nomem) {
		uint64_t k = get_u64(rd);

		tr->msgs = get_array(rd, k, sizeof(*tr->msgs), &nomem);
		tr->n_msgs = tr->msgs ? (size_t)k : 0;
		k = get_u64(rd);
		tr->parents = get_array(rd, k, sizeof(*tr->parents), &nomem);
		tr->n_parents = tr->parents ? (size_t)k : 0;
		k = get_u64(rd);
		tr->outs = get_array(rd, k, sizeof(*tr->outs), &nomem);
		tr->n_outs = tr->outs ? (size_t)k : 0;
		k = get_u64(rd);
		tr->mems = get_array(rd, k, sizeof(*tr->mems), &nomem);
		tr->n_mems = tr->mems ? (size_t)k : 0;
		n = get_u32(rd);
		if (!rd->bad && n > (uint32_t)(rd->end - rd->p) / 12)
			rd->bad = true;
		if (!rd->bad && !nomem) {
			tr->checks = calloc((size_t)n + 1, sizeof(*tr->checks));
			nomem |= !tr->checks;
		}
		for (uint32_t i = 0; !rd->bad && !nomem && i < n; i++) {
			struct ldfi_check_result *r = &tr->checks[i];
			uint32_t no;

			get(rd, &r->check, sizeof(r->check));
			r->passed = get_u32(rd) != 0;
			no = get_u32(rd);
			r->offs = get_array(rd, no, sizeof(*r->offs), &nomem);
			r->n_offs = r->offs ? (int)no : 0;
			tr->n_checks++;
		}
		tr->passed = get_u32(rd) != 0;
		n = get_u32(rd);
		if (!rd->bad && n != UINT32_MAX && (size_t)n > (size_t)(rd->end - rd->p))
			rd->bad = true;
		if (!rd->bad && n != UINT32_MAX) {
			nomem |= !(tr->failure = strndup((const char *)rd->p, n));
			rd->p += n;
		}
	}
	if (nomem)
		return LDFI_ENOMEM;
	if (!rd->bad && (size_t)(rd->end - rd->p) == sizeof(END_MAGIC) - 1 &&
	    memcmp(rd->p, END_MAGIC, sizeof(END_MAGIC) - 1) == 0)
		return 0;
	return LDFI_EFORMAT;
}

/* ---- the child ---- */

/* An answer: MAGIC, the return code, the trace when it is 0, END_MAGIC. */
static int put_answer(FILE *f, int rc, const struct ldfi_trace *tr)
{
	put(f, MAGIC, sizeof(MAGIC) - 1);
	put_i32(f, rc);
	if (!rc)
		write_trace(f, tr);
	put(f, END_MAGIC, sizeof(END_MAGIC) - 1);
	return fflush(f) || ferror(f) ? LDFI_EIO : 0;
}

int ldfi_isolate_write_answer(int fd, const struct ldfi_trace *tr)
{
	int dup_fd = dup(fd), rc;
	FILE *f = dup_fd >= 0 ? fdopen(dup_fd, "wb") : NULL;

	if (!f) {
		if (dup_fd >= 0)
			close(dup_fd);
		return LDFI_EIO;
	}
	rc = put_answer(f, 0, tr);
	if (fclose(f))
		rc = LDFI_EIO;
	return rc;
}

static void __attribute__((noreturn))
child_main(const struct ldfi_conf *conf, const struct ldfi_faults *faults,
	   const struct ldfi_trace *fault_free, int fd, int done, pid_t parent, int close_fd)
{
	struct ldfi_trace *tr = NULL;
	FILE *f;
	int rc;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(CHILD_SEND_FAILED);
	setpgid(0, 0);
	if (close_fd >= 0) /* the server's socket: not the plugins' */
		close(close_fd);
	ldfi_rt_set_stop(NULL, NULL); /* budgets are ldfi's */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	/* The child's copy of the conf: the parent's is not touched. */
	rc = wrap_plugins((struct ldfi_conf *)(uintptr_t)conf);
	if (!rc)
		rc = ldfi_runtime_exec(conf, faults, fault_free, &tr);
	prog->where = LDFI_ISOLATE_SENDING;
	/* No ldfi_trace_destroy, no exit(): _exit leaves the parent's stdio
	 * buffers, atexit handlers and SQLite handles alone. */
	if (!(f = fdopen(fd, "wb")) || put_answer(f, rc, tr))
		_exit(CHILD_SEND_FAILED);
	fflush(stdout);
	fflush(stderr);
	/* Tell the parent at once: tearing down the process can take longer
	 * than the run did, and the parent need not wait for it. */
	prog->where = LDFI_ISOLATE_DONE;
	while (write(done, "", 1) < 0 && errno == EINTR)
		;
	_exit(0);
}

/* ---- the parent of a run: ldfi, or the fork server ---- */

/* What the events of wait_child's poll say (fds: the child's pipe, the
 * stop fd, the child's pidfd): an enum ldfi_isolate_how, or -1. */
static int child_events(struct pollfd *fds)
{
	if (fds[0].revents) {
		char c;
		ssize_t n = read(fds[0].fd, &c, 1);

		if (n == 1)
			return LDFI_ISOLATE_FINISHED;
		/* Closed without the byte: the child is exiting (or its
		 * plugin closed the pipe): watch the process. */
		if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
			fds[0].fd = -1;
	}
	if (fds[1].revents)
		return LDFI_ISOLATE_STOPPED;
	if (fds[2].revents)
		return LDFI_ISOLATE_EXITED;
	return -1;
}

/* Wait until the child `pid` says it is done (a byte on `done`), has
 * exited (not reaped), `deadline` (now_ms) has passed, or the stop request
 * fires (ldfi_rt_stop_requested, polled at least every 100 ms, or
 * `stop_fd` readable). An enum ldfi_isolate_how. */
static int wait_child(pid_t pid, int done, int64_t deadline, int stop_fd)
{
	struct pollfd fds[3] = {{done, POLLIN, 0}, {stop_fd, POLLIN, 0}, {-1, POLLIN, 0}};
	int r = LDFI_ISOLATE_TIMEOUT;

#ifdef SYS_pidfd_open
	fds[2].fd = (int)syscall(SYS_pidfd_open, pid, 0);
#endif
	for (;;) {
		int64_t left = deadline - ldfi_now_ms();
		siginfo_t si;
		int n;

		if (left <= 0)
			break;
		if (ldfi_rt_stop_requested()) {
			r = LDFI_ISOLATE_STOPPED;
			break;
		}
		/* Without a pidfd, look at the child every 10 ms. */
		n = poll(fds, 3, left > 10 && fds[2].fd < 0 ? 10 : left > 100 ? 100 : (int)left);
		if (n < 0 && errno != EINTR)
			break;
		if (n > 0 && (r = child_events(fds)) >= 0)
			break;
		r = LDFI_ISOLATE_TIMEOUT;
		memset(&si, 0, sizeof(si));
		if (fds[2].fd < 0 &&
		    waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
		    si.si_pid == pid) {
			r = LDFI_ISOLATE_EXITED;
			break;
		}
	}
	if (fds[2].fd >= 0)
		close(fds[2].fd);
	return r;
}

/* Children that said they were done and were killed, not reaped yet: they
 * are reaped on the next run, or at exit. */
static pid_t unreaped[16];
static int n_unreaped;

/* The fork server (ldfi_isolate_start): at most one, for one conf. */
static struct {
	pthread_mutex_t lock;	      /* one execution at a time */
	const struct ldfi_conf *conf; /* the conf it runs for; NULL: none */
	struct ldfi_forksrv *srv;     /* NULL while it is not running */
	int deaths;		      /* how often it died under this conf */
	pid_t owner;		      /* the process that started it */
	bool at_exit;		      /* the exit handler is registered */
} iso = {.lock = PTHREAD_MUTEX_INITIALIZER};

static bool is_unreaped(pid_t pid)
{
	for (int i = 0; i < n_unreaped; i++)
		if (unreaped[i] == pid)
			return true;
	return false;
}

/* Reap the children that said they were done. */
static void reap_parked(void)
{
	for (int i = 0; i < n_unreaped; i++)
		while (waitpid(unreaped[i], NULL, 0) < 0 && errno == EINTR)
			;
	n_unreaped = 0;
}

/* Keep `pid`, killed, to be reaped later. */
static void park(pid_t pid)
{
	if (n_unreaped == (int)(sizeof(unreaped) / sizeof(unreaped[0])))
		reap_parked();
	unreaped[n_unreaped++] = pid;
}

/* Up to `cap` pids of this process's children in `out` (from
 * /proc/self/task/TID/children); -1 when the kernel does not list them. */
static int list_children(pid_t *out, int cap)
{
	char path[300], buf[4096];
	int n = 0, listed = 0;
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;

	if (!d)
		return -1;
	while ((e = readdir(d)) && n < cap) {
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/children", e->d_name);
		if (!(f = fopen(path, "re")))
			continue;
		listed = 1;
		while (n < cap && fscanf(f, "%4095s", buf) == 1)
			out[n++] = (pid_t)strtol(buf, NULL, 10);
		fclose(f);
	}
	closedir(d);
	return listed ? n : -1;
}

/* The same from every /proc/PID/stat whose parent is this process. */
static int scan_children(pid_t *out, int cap)
{
	char path[300];
	int n = 0;
	pid_t self = getpid();
	DIR *d = opendir("/proc");
	struct dirent *e;

	if (!d)
		return 0;
	while ((e = readdir(d)) && n < cap) {
		FILE *f;
		int ppid = 0;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		if (!(f = fopen(path, "re")))
			continue;
		/* pid (comm) state ppid: comm may hold spaces and parentheses */
		if (fscanf(f, "%*d (%*[^)]) %*c %d", &ppid) == 1 && ppid == self)
			out[n++] = (pid_t)strtol(e->d_name, NULL, 10);
		fclose(f);
	}
	closedir(d);
	return n;
}

/*
 * Kill and reap every child of this process but the runs waiting in
 * unreaped[] and the fork server. ldfi (and the server) is the subreaper
 * of its runs (PR_SET_CHILD_SUBREAPER), so what a plugin left behind - a
 * process that called setsid to leave the run's process group, whose
 * parent is gone - becomes a child of ldfi (or of the server), not of
 * init, and ends here. Killing one may hand its own children to us: repeat
 * until none is left (at most 64 rounds).
 */
static void sweep(void)
{
	pid_t kids[256], server = iso.srv ? ldfi_forksrv_pid(iso.srv) : 0;

	for (int round = 0; round < 64; round++) {
		int n = list_children(kids, 256), killed = 0;

		if (n < 0)
			n = scan_children(kids, 256);
		for (int i = 0; i < n; i++) {
			if (is_unreaped(kids[i]) || kids[i] == server)
				continue;
			kill(kids[i], SIGKILL);
			while (waitpid(kids[i], NULL, 0) < 0 && errno == EINTR)
				;
			killed++;
		}
		if (!killed)
			return;
	}
}

static void reap_all(void)
{
	reap_parked();
	sweep();
}

void ldfi_isolate_reap(void)
{
	reap_all();
}

int ldfi_isolate_fork_run(const struct ldfi_conf *conf, const struct ldfi_faults *faults,
			  const struct ldfi_trace *fault_free, int fd,
			  struct ldfi_isolate_progress *p, int timeout_s, int stop_fd, int close_fd,
			  int *how, int *status, char *err, size_t errlen)
{
	pid_t pid, self = getpid();
	int done[2];

	*status = 0;
	if (pipe2(done, O_CLOEXEC)) {
		snprintf(err, errlen, "cannot create the run's pipe: %s", strerror(errno));
		return LDFI_EIO;
	}
	/* Nothing buffered may be written twice, by the child too. */
	fflush(NULL);
	if ((pid = fork()) < 0) {
		snprintf(err, errlen, "cannot fork the run's process: %s", strerror(errno));
		close(done[0]);
		close(done[1]);
		return LDFI_EIO;
	}
	if (pid == 0) {
		prog = p;
		close(done[0]);
		child_main(conf, faults, fault_free, fd, done[1], self, close_fd);
	}
	close(done[1]);
	setpgid(pid, pid); /* also done by the child: whichever runs first */
	*how = wait_child(pid, done[0], ldfi_now_ms() + (int64_t)timeout_s * 1000, stop_fd);
	close(done[0]);
	/* The child is running, exiting or a zombie: its pid (and group id)
	 * are still ours. Kill whatever is left in its group, then reap it;
	 * a child that is done is reaped later, its exit need not be waited. */
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	if (*how == LDFI_ISOLATE_FINISHED && p->where == LDFI_ISOLATE_DONE) {
		if (waitpid(pid, status, WNOHANG) == 0)
			park(pid);
	} else {
		while (waitpid(pid, status, 0) < 0 && errno == EINTR)
			;
	}
	sweep();
	return 0;
}

static const char *sig_abbrev(int sig)
{
	switch (sig) {
	case SIGSEGV:
		return "SIGSEGV";
	case SIGABRT:
		return "SIGABRT";
	case SIGBUS:
		return "SIGBUS";
	case SIGFPE:
		return "SIGFPE";
	case SIGILL:
		return "SIGILL";
	case SIGKILL:
		return "SIGKILL";
	case SIGTERM:
		return "SIGTERM";
	case SIGINT:
		return "SIGINT";
	case SIGTRAP:
		return "SIGTRAP";
	case SIGSYS:
		return "SIGSYS";
	case SIGPIPE:
		return "SIGPIPE";
	case SIGXCPU:
		return "SIGXCPU";
	case SIGXFSZ:
		return "SIGXFSZ";
	}
	return NULL;
}

/* "stage 'c' on node C: killed by SIGSEGV (Segmentation fault) in round 3". */
static char *describe(const struct ldfi_conf *conf, const struct ldfi_isolate_progress *p,
		      const char *what)
{
	int where = p->where, comp = p->comp, node = p->node, round = p->round, check = p->check;
	char who[600] = "", when[64] = "";
	char *s;

	switch (where) {
	case LDFI_ISOLATE_INIT:
	case LDFI_ISOLATE_MESSAGE:
	case LDFI_ISOLATE_ROUND:
	case LDFI_ISOLATE_RECOVER:
	case LDFI_ISOLATE_FINISH:
		if (comp >= 0 && comp < conf->n_comps && node >= 0 && node < conf->n_nodes)
			snprintf(who, sizeof(who),
				 "stage '%s' on node %s: ", conf->comps[comp].name,
				 conf->nodes[node].name);
		if (where == LDFI_ISOLATE_INIT)
			snprintf(when, sizeof(when), " in init");
		else if (where == LDFI_ISOLATE_FINISH)
			snprintf(when, sizeof(when), " in finish");
		else if (where == LDFI_ISOLATE_RECOVER)
			snprintf(when, sizeof(when), " in on_recover, round %d", round);
		else
			snprintf(when, sizeof(when), " in round %d", round);
		break;
	case LDFI_ISOLATE_CHECK:
		if (check >= 0 && check < conf->n_checks)
			snprintf(who, sizeof(who), "check '%s': ", conf->checks[check].name);
		break;
	default:
		if (round > 0)
			snprintf(when, sizeof(when), " in round %d", round);
		break;
	}
	if (asprintf(&s, "%s%s%s", who, what, when) < 0)
		return NULL;
	return s;
}

int ldfi_isolate_read_answer(const struct ldfi_conf *conf, int fd, struct ldfi_trace **out,
			     char *err, size_t errlen)
{
	struct stat sb;
	unsigned char *buf = NULL;
	struct reader rd;
	struct ldfi_trace *tr;
	size_t got = 0;
	int32_t rc;

	if (fstat(fd, &sb) || sb.st_size < 0) {
		snprintf(err, errlen, "reading the run's trace back: %s", strerror(errno));
		return LDFI_EIO;
	}
	if (!(buf = malloc((size_t)sb.st_size + 1))) {
		snprintf(err, errlen, "%s", ldfi_strerror(LDFI_ENOMEM));
		return LDFI_ENOMEM;
	}
	while (got < (size_t)sb.st_size) {
		ssize_t n = pread(fd, buf + got, (size_t)sb.st_size - got, (off_t)got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "reading the run's trace back: %s",
				 n < 0 ? strerror(errno) : "short file");
			free(buf);
			return LDFI_EIO;
		}
		got += (size_t)n;
	}
	rd = (struct reader){buf, buf + got, false};
	if (got < sizeof(MAGIC) - 1 || memcmp(buf, MAGIC, sizeof(MAGIC) - 1)) {
		free(buf);
		snprintf(err, errlen, "the run's process passed back a malformed trace");
		return LDFI_EFORMAT;
	}
	rd.p += sizeof(MAGIC) - 1;
	get(&rd, &rc, sizeof(rc));
	if (rd.bad || rc > 0) {
		free(buf);
		snprintf(err, errlen, "the run's process passed back a malformed trace");
		return LDFI_EFORMAT;
	}
	if (rc < 0) {
		free(buf);
		snprintf(err, errlen, "%s", ldfi_strerror(rc));
		return rc;
	}
	if (!(tr = calloc(1, sizeof(*tr)))) {
		free(buf);
		snprintf(err, errlen, "%s", ldfi_strerror(LDFI_ENOMEM));
		return LDFI_ENOMEM;
	}
	tr->conf = conf;
	rc = read_trace(&rd, tr);
	free(buf);
	if (rc) {
		ldfi_trace_destroy(tr);
		snprintf(err, errlen, "%s",
			 rc == LDFI_ENOMEM ? ldfi_strerror(rc)
					   : "the run's process passed back a malformed trace");
		return rc;
	}
	*out = tr;
	return 0;
}

/* The result of a run whose child ended `how` (its wait status `status`),
 * from the progress page `p` and the answer in `fd`. */
static int conclude(const struct ldfi_conf *conf, const struct ldfi_faults *faults,
		    const struct ldfi_isolate_progress *p, int how, int status, int timeout_s,
		    int fd, struct ldfi_trace **out, char *err, size_t errlen)
{
	char what[160];

	if (how == LDFI_ISOLATE_FINISHED && p->where == LDFI_ISOLATE_DONE)
		return ldfi_isolate_read_answer(conf, fd, out, err, errlen);
	if (how == LDFI_ISOLATE_STOPPED) {
		snprintf(err, errlen, "%s", ldfi_strerror(LDFI_ESTOPPED));
		return LDFI_ESTOPPED;
	}
	if (how == LDFI_ISOLATE_TIMEOUT) {
		snprintf(what, sizeof(what), "timed out after %d s (run_timeout)", timeout_s);
	} else if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		const char *abbrev = sig_abbrev(sig);

		if (abbrev)
			snprintf(what, sizeof(what), "killed by %s (%s)", abbrev, strsignal(sig));
		else
			snprintf(what, sizeof(what), "killed by signal %d (%s)", sig,
				 strsignal(sig));
	} else if (p->where == LDFI_ISOLATE_DONE) {
		return ldfi_isolate_read_answer(conf, fd, out, err, errlen);
	} else if (p->where == LDFI_ISOLATE_SENDING) {
		snprintf(err, errlen,
			 "the run's process could not pass its trace back (exit "
			 "status %d)",
			 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return LDFI_EIO;
	} else {
		snprintf(what, sizeof(what), "exited with status %d",
			 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	}
	return ldfi_rt_failed_run(conf, faults, describe(conf, p, what), out);
}

static int run_timeout(const struct ldfi_conf *conf)
{
	return conf->run_timeout > 0 ? conf->run_timeout : 10;
}

static const struct ldfi_isolate_progress progress_start = {LDFI_ISOLATE_RUNTIME, -1, -1, 0, -1};

/* The run in a child forked from this process (no server, or it is gone). */
static int exec_forked(const struct ldfi_conf *conf, const struct ldfi_faults *faults,
		       const struct ldfi_trace *fault_free, struct ldfi_trace **out, char *err,
		       size_t errlen)
{
	int timeout_s = run_timeout(conf), fd, rc, how, status;
	struct ldfi_isolate_progress *p;

	reap_all();
	fd = memfd_create("ldfi-run", MFD_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create the run's memfd: %s", strerror(errno));
		return LDFI_EIO;
	}
	p = mmap(NULL, sizeof(*p), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		snprintf(err, errlen, "cannot map the run's progress page: %s", strerror(errno));
		close(fd);
		return LDFI_EIO;
	}
	*p = progress_start;
	rc = ldfi_isolate_fork_run(conf, faults, fault_free, fd, p, timeout_s, -1, -1, &how,
				   &status, err, errlen);
	if (!rc)
		rc = conclude(conf, faults, p, how, status, timeout_s, fd, out, err, errlen);
	munmap(p, sizeof(*p));
	close(fd);
	return rc;
}

/* After the server died this often under one conf, the runs fork from ldfi
 * for the rest of the process. */
#define MAX_SERVER_DEATHS 3

/* ldfi_isolated_exec could not use the server: fork from ldfi instead. */
#define NO_SERVER 1

/*
 * The fork server for the next run. When it has died (killed from
 * outside, out of memory, or it broke the protocol: lose_server) a new one
 * starts, forked from ldfi as it is now (what a direct fork would copy),
 * at most MAX_SERVER_DEATHS times; then NULL: the runs fork from ldfi.
 */
static struct ldfi_forksrv *server(const struct ldfi_conf *conf)
{
	if (!iso.srv && iso.deaths < MAX_SERVER_DEATHS && ldfi_forksrv_start(conf, &iso.srv))
		iso.deaths++;
	return iso.srv;
}

/* The server is gone: reap it. The run it had forks from ldfi. */
static int lose_server(char *err)
{
	ldfi_forksrv_stop(iso.srv);
	iso.srv = NULL;
	iso.deaths++;
	err[0] = '\0';
	return NO_SERVER;
}

/* The run in a fresh child of the fork server; NO_SERVER when there is
 * none, or it died: the caller forks the run itself. */
static int exec_served(const struct ldfi_conf *conf, const struct ldfi_faults *faults,
		       const struct ldfi_trace *fault_free, struct ldfi_trace **out, char *err,
		       size_t errlen)
{
	int timeout_s = run_timeout(conf), fd, rc, how = -1, status = 0;
	struct ldfi_isolate_progress *p;

	if (!server(conf))
		return NO_SERVER;
	fd = memfd_create("ldfi-run", MFD_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create the run's memfd: %s", strerror(errno));
		return LDFI_EIO;
	}
	p = ldfi_forksrv_progress(iso.srv);
	*p = progress_start;
	/* What ldfi printed comes out before what the run's plugins print, as
	 * when each run forked ldfi (which flushed first). */
	fflush(NULL);
	if (ldfi_forksrv_run(iso.srv, faults, fault_free, fd, timeout_s, &how, &status, err,
			     errlen))
		rc = lose_server(err);
	else if (how < 0) /* the server could not fork: err says why */
		rc = LDFI_EIO;
	else
		rc = conclude(conf, faults, p, how, status, timeout_s, fd, out, err, errlen);
	close(fd);
	return rc;
}

static void stop_server(void)
{
	ldfi_forksrv_stop(iso.srv);
	iso.srv = NULL;
	iso.conf = NULL;
}

/* At exit: the server goes (in the process that started it only: a run's
 * child whose plugin calls exit() runs this too), then every child. */
static void at_exit(void)
{
	if (iso.srv && getpid() == iso.owner)
		stop_server();
	reap_all();
}

/* Once per process: ldfi is the subreaper of its runs, and reaps them at
 * exit. Called with iso.lock held. */
static void setup_once(void)
{
	if (iso.at_exit)
		return;
	iso.at_exit = atexit(at_exit) == 0;
	prctl(PR_SET_CHILD_SUBREAPER, 1);
}

int ldfi_isolate_start(const struct ldfi_conf *conf, char *err, size_t errlen)
{
	const char *env = getenv("LDFI_FORK_SERVER");
	int rc = 0;

	err[0] = '\0';
	if (!ldfi_conf_has_plugins(conf) || (env && strcmp(env, "0") == 0))
		return 0;
	pthread_mutex_lock(&iso.lock);
	setup_once();
	stop_server();
	iso.owner = getpid();
	iso.deaths = 0;
	if (!(rc = ldfi_forksrv_start(conf, &iso.srv)))
		iso.conf = conf;
	else
		snprintf(err, errlen, "cannot start the fork server: %s",
			 rc == LDFI_EIO ? strerror(errno) : ldfi_strerror(rc));
	pthread_mutex_unlock(&iso.lock);
	return rc;
}

void ldfi_isolate_stop(void)
{
	pthread_mutex_lock(&iso.lock);
	stop_server();
	reap_parked(); /* the runs forked from here, if any */
	pthread_mutex_unlock(&iso.lock);
}

pid_t ldfi_isolate_server_pid(void)
{
	pid_t pid;

	pthread_mutex_lock(&iso.lock);
	pid = iso.srv ? ldfi_forksrv_pid(iso.srv) : 0;
	pthread_mutex_unlock(&iso.lock);
	return pid;
}

int ldfi_isolated_exec(const struct ldfi_conf *conf, const struct ldfi_faults *faults,
		       const struct ldfi_trace *fault_free, struct ldfi_trace **out, char *err,
		       size_t errlen)
{
	int rc = NO_SERVER;

	*out = NULL;
	err[0] = '\0';
	pthread_mutex_lock(&iso.lock);
	setup_once();
	if (conf == iso.conf && getpid() == iso.owner)
		rc = exec_served(conf, faults, fault_free, out, err, errlen);
	if (rc == NO_SERVER)
		rc = exec_forked(conf, faults, fault_free, out, err, errlen);
	pthread_mutex_unlock(&iso.lock);
	if (rc && !err[0])
		snprintf(err, errlen, "%s", ldfi_strerror(rc));
	return rc;
}
