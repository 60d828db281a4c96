/*
 * process.c - `kind = process` stages: one long-lived child process per
 * replica, spoken to in JSON lines on its stdin/stdout (protocols 1 and 2,
 * docs/process-stages.md).
 *
 * The pool (ldfi_process_start) starts every replica's process once, with
 * the handshake (init / init_ok), before the first execution; the
 * processes then serve every execution of the command: each execution
 * begins, for each process, with a `reset`. A process stage is an ordinary
 * stage kind (ldfi_process_ops) written against the stage API:
 *
 *   init        finds the replica's slot in the pool; no I/O
 *   on_message  queues the delivery; no I/O
 *   on_round    writes the round (reset if first, the queued `record`s,
 *               the `round` tick), reads the answer up to `round_ok`, then
 *               applies its actions with ldfi_stage_send / _send_to /
 *               _output / _put / _put_durable, each under the cause it
 *               declares (`derives_from`) or, when it declares none,
 *               everything this replica was given so far (conservative
 *               provenance).
 *   finish      with restarts in the conf, saves (ldfi_stage_save) the
 *               values of the entries a restart keeps and the process's
 *               own saved value: finish runs when a restart takes the
 *               node down, before the recovery's init
 *   on_recover  (protocol 2) the `recover` request: the process makes a
 *               fresh instance of its stage, given back only its durable
 *               entries (and saved value); what it answers is applied
 *               under the recovery's conditional cause.
 *
 * With restarts in the conf, what a process remembers of a message in its
 * own variables is memory a restart loses: each delivery is also a volatile
 * state entry `ldfi.m.ID` (ldfi_stage_put_volatile), and a cause names a
 * message of an earlier round by reading that entry, so that the runtime
 * puts a memory token in between exactly as for a plugin's volatile state.
 *
 * Anything a process does wrong (exit, signal, hang past run_timeout, a
 * malformed or unexpected line, an action ldfi refuses) fails the run
 * through ldfi_stage_fail with a reason naming the stage, node and round
 * and quoting the offending line; that process is killed with its process
 * group and reaped, and started again before the next execution.
 *
 * Processes run in their own process groups with PR_SET_PDEATHSIG, from
 * the conf's folder; ldfi watches a pidfd beside stdout, so a process that
 * exits while a child of its own holds its stdout is still noticed.
 *
 * Under the live engine (docs/live.md, Process stages) ldfi stays the
 * processes' parent and each node process, forked with its own replicas'
 * pipes, runs this same stage kind on its copy of the pool
 * (ldfi_process_live_node): the first request of an execution resets, a
 * node that sees a process end reads its status from /proc (it cannot
 * reap it), and what ldfi must know afterwards (the execution's deadline,
 * which conversations a node left mid-request or killed) is in a page
 * shared by all of them (struct shared). ldfi_process_live_begin / _end /
 * _down / _up are ldfi's side (runtime/live/engine.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
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
#include "ldfi/ldfi.h"
#include "ldfi/stage.h"
#include "model/util.h"
#include "runtime/process.h"
#include "runtime/runtime.h"
#include "runtime/stage.h"

#define PROTOCOL 2		     /* the newest: what ldfi offers first */
#define PROTOCOL_OLDEST 1	     /* protocol 1 has no recover: no restarts */
#define LINE_MAX_BYTES (1024 * 1024) /* LDFI_PROCESS_LINE_MAX */
#define QUOTE_MAX 120		     /* bytes of an offending line quoted */

/* One process: a replica of a process stage, or a process check. */
struct slot {
	int comp, node; /* a stage's replica; comp -1 for a check */
	int check;	/* a check's index; -1 for a stage */
	char **argv;	/* its command (the conf's) */
	const char *command;
	int line;   /* of its conf section */
	char *desc; /* "stage 'p' on node b", "check 'c'" */
	char *addr; /* "stage@node", "check:NAME" */
	pid_t pid;  /* 0: not running */
	int pidfd;  /* -1: none (old kernel): poll waitpid */
	int in_fd;  /* its stdin (ours to write) */
	int out_fd; /* its stdout (ours to read) */
	char *buf;  /* bytes read, not yet a whole line */
	size_t n_buf, cap_buf;
	bool every_round; /* init_ok.ticks = "every-round" */
	int protocol;	  /* init_ok.protocol */
	uint64_t serial;  /* the runtime (execution) it was last reset for */
	bool fresh;	  /* live: started for a restart, needs no reset */
	int exited;	  /* reaped (or, in a node process, seen ended): `status` */
	int status;
};

/* A slot's conversation, as the node process using it leaves it (live
 * engine): at an answer boundary, in the middle of a request, or killed. */
enum { SLOT_IDLE = 0, SLOT_BUSY, SLOT_DEAD };

/* What ldfi and the node processes of a live run share (MAP_SHARED): the
 * execution's deadline and each slot's conversation state. */
struct shared {
	int64_t deadline_ms;   /* of the current execution; 0: not begun (live) */
	unsigned char state[]; /* per slot: SLOT_* */
};

struct pool {
	const struct ldfi_conf *conf;
	struct slot *slots;
	int n_slots;
	char *dir;	  /* the conf's folder */
	char *log_dir;	  /* NULL: stderr is ldfi's */
	char *helper_dir; /* where ldfi_stage.py is, or NULL */
	uint64_t execution;
	uint64_t serial;   /* runtime whose deadline is set */
	struct shared *sh; /* mapped shared, sh_len bytes */
	size_t sh_len;
	bool in_node;	      /* this is a live node process, not the slots' parent */
	bool sigpipe_ignored; /* we set SIGPIPE to SIG_IGN */
};

static struct pool *pool;

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool ldfi_conf_has_processes(const struct ldfi_conf *conf)
{
	for (int c = 0; c < conf->n_comps; c++)
		if (conf->comps[c].type == LDFI_COMP_STAGE &&
		    conf->comps[c].kind == LDFI_KIND_PROCESS)
			return true;
	for (int i = 0; i < conf->n_checks; i++)
		if (conf->checks[i].kind == LDFI_CHECK_PROCESS)
			return true;
	return false;
}

/* --- quoting what a process wrote --- */

/* `s` (n bytes) as one printable line in `out`: cut at QUOTE_MAX bytes,
 * printable ASCII as is, \ and ' backslashed, newline as \n, other bytes
 * as \xNN. */
static void quote(char *out, size_t len, const char *s, size_t n)
{
	size_t k = 0, m = n > QUOTE_MAX ? QUOTE_MAX : n;

	for (size_t i = 0; i < m && k + 5 < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\\' || c == '\'') {
			out[k++] = '\\';
			out[k++] = (char)c;
		} else if (c == '\n') {
			out[k++] = '\\';
			out[k++] = 'n';
		} else if (c >= ' ' && c <= '~') {
			out[k++] = (char)c;
		} else {
			k += (size_t)snprintf(out + k, len - k, "\\x%02x", c);
		}
	}
	out[k] = 0;
	if (m < n)
		snprintf(out + k, len - k, "... (%zu bytes)", n);
}

/* --- starting and stopping processes --- */

/* argv[0] resolved as the conf says: with a '/', from the conf's folder;
 * else searched in PATH. Returns a new string or NULL (errno set). */
static char *resolve_exe(const char *dir, const char *name)
{
	const char *path = getenv("PATH");
	char *r = NULL;

	if (strchr(name, '/')) {
		if (name[0] == '/')
			return strdup(name);
		if (asprintf(&r, "%s/%s", dir, name) < 0)
			return NULL;
		return r;
	}
	for (const char *p = path ? path : "/usr/local/bin:/usr/bin:/bin"; *p;) {
		const char *e = strchr(p, ':');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		if (asprintf(&r, "%.*s%s%s", (int)n, n ? p : ".", "/", name) < 0)
			return NULL;
		if (access(r, X_OK) == 0)
			return r;
		free(r);
		r = NULL;
		p += n + (e != NULL);
		if (!e)
			break;
	}
	errno = ENOENT;
	return NULL;
}

int ldfi_process_resolve(const struct ldfi_conf *conf, char *err, size_t errlen)
{
	char *dir = ldfi_dir_of(conf->path);
	int rc = 0;

	if (!dir)
		return 0; /* reported when the processes start */
	for (int c = 0; c < conf->n_comps + conf->n_checks && !rc; c++) {
		bool check = c >= conf->n_comps;
		const struct ldfi_comp *cp = check ? NULL : &conf->comps[c];
		const struct ldfi_check *k = check ? &conf->checks[c - conf->n_comps] : NULL;
		char **argv = check ? k->argv : cp->argv, *exe;

		if (check ? k->kind != LDFI_CHECK_PROCESS
			  : cp->type != LDFI_COMP_STAGE || cp->kind != LDFI_KIND_PROCESS)
			continue;
		if ((exe = resolve_exe(dir, argv[0])) && access(exe, X_OK) == 0) {
			free(exe);
			continue;
		}
		if (!exe && errno == ENOMEM)
			rc = LDFI_ENOMEM;
		else {
			snprintf(err, errlen, "%s:%d: %s '%s': cannot run '%s': %s", conf->path,
				 check ? k->line : cp->line, check ? "check" : "stage",
				 check ? k->name : cp->name, argv[0],
				 exe ? strerror(errno) : "not found in PATH");
			rc = LDFI_EINVAL;
		}
		free(exe);
	}
	free(dir);
	return rc;
}

/* In a node process of the live engine, which is not the parent of the
 * slots' processes: the wait status of `pid` once it has ended (ldfi, its
 * parent, reaps it only after the execution), /proc/PID/stat's exit_code
 * in waitpid's form. Returns 1 with *status, or 0 while it runs. */
static int zombie_status(pid_t pid, int *status)
{
	char path[64], buf[1024], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		*status = 255 << 8; /* gone: no status to be had */
		return 1;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	if (!(p = strrchr(buf, ')')) || p[1] != ' ' || (p[2] != 'Z' && p[2] != 'X'))
		return 0;
	for (int field = 2; field < 52 && p; field++) /* to field 52, exit_code */
		if ((p = strchr(p + 1, ' ')))
			p++;
	if (!p)
		return 0;
	*status = atoi(p);
	return 1;
}

/* Wait for the slot's process to end: reap it, or in a node process read
 * its status once it is a zombie. */
static void slot_wait(struct slot *s)
{
	if (s->exited)
		return;
	if (!pool->in_node) {
		while (waitpid(s->pid, &s->status, 0) < 0 && errno == EINTR)
			;
	} else {
		while (!zombie_status(s->pid, &s->status)) {
			struct pollfd pf = {s->pidfd, POLLIN, 0};

			poll(&pf, s->pidfd >= 0 ? 1 : 0, 10);
		}
	}
	s->exited = 1;
}

/* Kill what is left of the slot's process group, reap the process and
 * close its pipes. A node process of the live engine marks the slot dead
 * for ldfi, which reaps it after the execution. */
static void slot_kill(struct slot *s)
{
	if (s->pid > 0) {
		kill(-s->pid, SIGKILL);
		kill(s->pid, SIGKILL);
		if (pool->in_node)
			pool->sh->state[s - pool->slots] = SLOT_DEAD;
		else if (!s->exited)
			slot_wait(s);
	}
	if (s->pidfd >= 0)
		close(s->pidfd);
	if (s->in_fd >= 0)
		close(s->in_fd);
	if (s->out_fd >= 0)
		close(s->out_fd);
	s->pid = 0;
	s->pidfd = s->in_fd = s->out_fd = -1;
	s->n_buf = 0;
	s->serial = 0;
	s->fresh = false;
}

/* The child's side of a fork: never returns. */
static void child(const struct pool *p, const struct slot *s, const char *exe, char **argv, int in,
		  int out, int log_fd, int err_fd, pid_t parent)
{
	sigset_t none;
	int e;

	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || (log_fd >= 0 && dup2(log_fd, 2) < 0))
		goto fail;
	for (int fd = 3; fd < 1024; fd++)
		if (fd != err_fd)
			close(fd);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	if (chdir(p->dir) < 0)
		goto fail;
	setenv("LDFI_PROTOCOL", "2", 1);
	if (s->check >= 0) {
		setenv("LDFI_CHECK", p->conf->checks[s->check].name, 1);
	} else {
		setenv("LDFI_NODE", p->conf->nodes[s->node].name, 1);
		setenv("LDFI_STAGE", p->conf->comps[s->comp].name, 1);
	}
	setenv("PYTHONHASHSEED", getenv("PYTHONHASHSEED") ? getenv("PYTHONHASHSEED") : "0", 1);
	setenv("PYTHONUNBUFFERED", "1", 1);
	if (p->helper_dir) {
		static const char *const vars[] = {"PYTHONPATH", "NODE_PATH"};

		setenv("LDFI_HELPER_DIR", p->helper_dir, 1);
		for (size_t i = 0; i < 2; i++) {
			const char *old = getenv(vars[i]);
			char *v = NULL;

			if (asprintf(&v, "%s%s%s", p->helper_dir, old && *old ? ":" : "",
				     old ? old : "") >= 0)
				setenv(vars[i], v, 1);
		}
	}
	execv(exe, argv);
fail:
	e = errno;
	if (write(err_fd, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* Fork and exec the slot's process. Returns 0, LDFI_EINVAL with the reason
 * in `why` (cannot run it), or LDFI_EIO/LDFI_ENOMEM. */
static int slot_spawn(struct pool *p, struct slot *s, char *why, size_t whylen)
{
	int in[2] = {-1, -1}, out[2] = {-1, -1}, ep[2] = {-1, -1}, log_fd = -1, e = 0, rc;
	char *exe = resolve_exe(p->dir, s->argv[0]);
	pid_t pid, parent = getpid();
	ssize_t got;

	s->exited = 0;
	if (!exe) {
		snprintf(why, whylen, "cannot run '%s': %s", s->argv[0],
			 errno == ENOENT ? "not found in PATH" : strerror(errno));
		return errno == ENOMEM ? LDFI_ENOMEM : LDFI_EINVAL;
	}
	if (p->log_dir) {
		char *path = NULL;

		if (asprintf(&path, "%s/%s.log", p->log_dir, s->addr) < 0) {
			free(exe);
			return LDFI_ENOMEM;
		}
		log_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (log_fd < 0)
			snprintf(why, whylen, "%s: %s", path, strerror(errno));
		free(path);
		if (log_fd < 0) {
			free(exe);
			return LDFI_EIO;
		}
	}
	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(ep, O_CLOEXEC)) {
		snprintf(why, whylen, "pipe: %s", strerror(errno));
		rc = LDFI_EIO;
		goto err_pipes;
	}
	if ((pid = fork()) < 0) {
		snprintf(why, whylen, "fork: %s", strerror(errno));
		rc = LDFI_EIO;
		goto err_pipes;
	}
	if (pid == 0)
		child(p, s, exe, s->argv, in[0], out[1], log_fd, ep[1], parent);
	setpgid(pid, pid); /* also here: no race with a kill of the group */
	close(in[0]);
	close(out[1]);
	close(ep[1]);
	if (log_fd >= 0)
		close(log_fd);
	free(exe);
	s->pid = pid;
	s->in_fd = in[1];
	s->out_fd = out[0];
	s->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	while ((got = read(ep[0], &e, sizeof(e))) < 0 && errno == EINTR)
		;
	close(ep[0]);
	if (got == (ssize_t)sizeof(e)) {
		snprintf(why, whylen, "cannot run '%s': %s", s->command, strerror(e));
		slot_kill(s);
		return LDFI_EINVAL;
	}
	if (set_nonblock(s->in_fd) || set_nonblock(s->out_fd)) {
		snprintf(why, whylen, "fcntl: %s", strerror(errno));
		slot_kill(s);
		return LDFI_EIO;
	}
	return 0;

err_pipes:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (out[i] >= 0)
			close(out[i]);
		if (ep[i] >= 0)
			close(ep[i]);
	}
	if (log_fd >= 0)
		close(log_fd);
	free(exe);
	return rc;
}

/* How the slot's process ended, once reaped: "exited with status 3". */
static void describe_end(const struct slot *s, char *out, size_t len)
{
	if (WIFSIGNALED(s->status)) {
		int sig = WTERMSIG(s->status);
		const char *ab = sigabbrev_np(sig);

		if (ab)
			snprintf(out, len, "killed by SIG%s (%s)", ab, strsignal(sig));
		else
			snprintf(out, len, "killed by signal %d", sig);
	} else {
		snprintf(out, len, "exited with status %d",
			 WIFEXITED(s->status) ? WEXITSTATUS(s->status) : -1);
	}
}

/* Reap the process if it has ended (in a node process: see that it has);
 * 1 if it has. */
static int slot_reaped(struct slot *s)
{
	pid_t r;

	if (s->exited)
		return 1;
	if (pool->in_node) {
		struct pollfd pf = {s->pidfd, POLLIN, 0};

		if (s->pidfd >= 0 && poll(&pf, 1, 0) <= 0)
			return 0;
		s->exited = zombie_status(s->pid, &s->status);
		return s->exited;
	}
	while ((r = waitpid(s->pid, &s->status, WNOHANG)) < 0 && errno == EINTR)
		;
	if (r == s->pid)
		s->exited = 1;
	return s->exited;
}

/* Outcome of reading or writing: 0, or why the conversation broke. */
enum io {
	IO_OK = 0,
	IO_ENDED,   /* the process ended (s->status) */
	IO_TIMEOUT, /* the deadline passed */
	IO_LONG,    /* a line over LINE_MAX_BYTES */
	IO_ERROR,   /* an I/O error of ldfi's */
};

/* Write all of `b` (n bytes) to the slot's stdin before `deadline`. */
static enum io slot_write(struct slot *s, const char *b, size_t n, int64_t deadline)
{
	while (n) {
		ssize_t w = write(s->in_fd, b, n);

		if (w > 0) {
			b += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && errno == EPIPE) {
			slot_wait(s);
			return IO_ENDED;
		}
		if (w < 0 && errno != EAGAIN && errno != EINTR)
			return IO_ERROR;
		if (w < 0 && errno == EAGAIN) {
			struct pollfd pf[2] = {{s->in_fd, POLLOUT, 0}, {s->pidfd, POLLIN, 0}};
			int64_t left = deadline - now_ms();

			if (left <= 0)
				return IO_TIMEOUT;
			poll(pf, s->pidfd >= 0 ? 2 : 1,
			     (int)(left > 10 && s->pidfd < 0 ? 10 : left));
			if (slot_reaped(s))
				return IO_ENDED;
		}
	}
	return IO_OK;
}

/* Read one line (without its newline) into *line / *len, valid until the
 * next read. */
static enum io slot_read_line(struct slot *s, int64_t deadline, char **line, size_t *len)
{
	static char *held; /* the line handed out last, moved out of the buffer */
	static size_t cap_held;

	for (;;) {
		char *nl = s->n_buf ? memchr(s->buf, '\n', s->n_buf) : NULL;
		struct pollfd pf[2] = {{s->out_fd, POLLIN, 0}, {s->pidfd, POLLIN, 0}};
		int64_t left;
		ssize_t r;

		if (nl) {
			size_t n = (size_t)(nl - s->buf);

			if (ldfi_grow(&held, &cap_held, n + 1, 1, 256))
				return IO_ERROR;
			memcpy(held, s->buf, n);
			held[n] = 0;
			memmove(s->buf, nl + 1, s->n_buf - n - 1);
			s->n_buf -= n + 1;
			*line = held;
			*len = n;
			return IO_OK;
		}
		if (s->n_buf > LINE_MAX_BYTES)
			return IO_LONG;
		if (ldfi_grow(&s->buf, &s->cap_buf, s->n_buf + 65536, 1, 65536))
			return IO_ERROR;
		r = read(s->out_fd, s->buf + s->n_buf, s->cap_buf - s->n_buf);
		if (r > 0) {
			s->n_buf += (size_t)r;
			continue;
		}
		if (r == 0) { /* EOF: it closed stdout, hence is ending */
			slot_wait(s);
			return IO_ENDED;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return IO_ERROR;
		if (slot_reaped(s)) {
			/* Ended, with nothing more to read now: what a child of
			 * its own may still write is not its answer. */
			r = read(s->out_fd, s->buf + s->n_buf, s->cap_buf - s->n_buf);
			if (r > 0) {
				s->n_buf += (size_t)r;
				continue;
			}
			return IO_ENDED;
		}
		left = deadline - now_ms();
		if (left <= 0)
			return IO_TIMEOUT;
		poll(pf, s->pidfd >= 0 ? 2 : 1, (int)(left > 10 && s->pidfd < 0 ? 10 : left));
	}
}

/* --- the conversation --- */

/* The last line the slot's process wrote to its log (stderr) in this
 * execution (after ldfi's last "== execution N ==" marker), quoted, into
 * `out`; "" when its stderr is not a log or it wrote nothing. */
static void last_log_line(const struct slot *s, char *out, size_t len)
{
	char *path = NULL, buf[8192], *end, *start, *mark;
	FILE *f;
	long size;
	size_t n;

	out[0] = 0;
	if (!pool->log_dir || asprintf(&path, "%s/%s.log", pool->log_dir, s->addr) < 0)
		return;
	f = fopen(path, "r");
	free(path);
	if (!f)
		return;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) > 0)
		fseek(f, size > (long)sizeof(buf) - 1 ? size - (long)sizeof(buf) + 1 : 0, SEEK_SET);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	start = buf;
	for (char *p = buf; (mark = strstr(p, "== execution ")); p = mark + 1)
		start = mark;
	if (start != buf || strncmp(buf, "== execution ", 13) == 0)
		start = strchr(start, '\n') ? strchr(start, '\n') + 1 : buf + n;
	end = buf + n;
	while (end > start && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
		end--;
	if (end == start)
		return;
	*end = 0;
	start = strrchr(start, '\n') ? strrchr(start, '\n') + 1 : start;
	quote(out, len, start, (size_t)(end - start));
}

/* Why a conversation broke, as a failure text: "exited with status 3 in
 * round 2". `where` is "in round 2", "in init", ... */
static void io_reason(struct slot *s, enum io e, const char *where, char *out, size_t len)
{
	char what[160], part[200] = "", last[QUOTE_MAX * 4 + 40];

	if (s->n_buf && e != IO_LONG) {
		char q[QUOTE_MAX * 4 + 40];

		quote(q, sizeof(q), s->buf, s->n_buf);
		snprintf(part, sizeof(part), "; partial line '%.160s'", q);
	}
	switch (e) {
	case IO_ENDED:
		describe_end(s, what, sizeof(what));
		break;
	case IO_TIMEOUT:
		snprintf(what, sizeof(what), "timed out after %d s (run_timeout)",
			 pool->conf->run_timeout);
		break;
	case IO_LONG:
		snprintf(what, sizeof(what), "wrote a line over %d bytes", LINE_MAX_BYTES);
		break;
	default:
		snprintf(what, sizeof(what), "could not be talked to (%s)", strerror(errno));
		break;
	}
	last[0] = 0;
	if (e == IO_ENDED)
		last_log_line(s, last, sizeof(last));
	snprintf(out, len, "%s %s%s%s%s%s", what, where, part,
		 last[0] ? "; last stderr line: '" : "", last, last[0] ? "'" : "");
}

/* A JSON line from the process, checked as an envelope from it:
 * {"src": its address `addr`, "dest": ..., "body": {"type": ...}}. Returns
 * the parsed line (json_decref it) or NULL with the reason in `why`. */
static json_t *parse_line(const char *addr, const char *line, size_t n, const char *where,
			  char *why, size_t len)
{
	char q[QUOTE_MAX * 4 + 40];
	json_error_t je;
	json_t *j = json_loadb(line, n, JSON_REJECT_DUPLICATES, &je), *body, *src;
	const char *bad = NULL;

	quote(q, sizeof(q), line, n);
	if (!j) {
		snprintf(why, len, "wrote a malformed line %s: '%s' (not JSON)", where, q);
		return NULL;
	}
	body = json_object_get(j, "body");
	src = json_object_get(j, "src");
	if (!json_is_object(j) || !json_is_object(body) ||
	    !json_is_string(json_object_get(body, "type")) || !json_is_string(src) ||
	    !json_is_string(json_object_get(j, "dest")))
		bad = "a line is an object {\"src\", \"dest\", \"body\": {\"type\", ...}}";
	else if (strcmp(json_string_value(src), addr) != 0)
		bad = "its src is not this replica's address";
	if (bad) {
		snprintf(why, len, "wrote a malformed line %s: '%s' (%s)", where, q, bad);
		json_decref(j);
		return NULL;
	}
	return j;
}

static const char *type_of(json_t *j)
{
	return json_string_value(json_object_get(json_object_get(j, "body"), "type"));
}

/* A line `{"src":"ldfi","dest":ADDR,"body":BODY}\n` appended to *b. */
static int emit(char **b, size_t *n, size_t *cap, const char *addr, json_t *body)
{
	json_t *env = json_pack("{s:s, s:s, s:o}", "src", "ldfi", "dest", addr, "body", body);
	char *text;
	size_t k;

	if (!env)
		return LDFI_ENOMEM;
	text = json_dumps(env, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(env);
	if (!text)
		return LDFI_ENOMEM;
	k = strlen(text);
	if (ldfi_grow(b, cap, *n + k + 2, 1, 1024)) {
		free(text);
		return LDFI_ENOMEM;
	}
	memcpy(*b + *n, text, k);
	(*b)[*n + k] = '\n';
	*n += k + 1;
	(*b)[*n] = 0;
	free(text);
	return 0;
}

/* The init request of a slot. */
static json_t *check_init_body(const struct pool *p, const struct slot *s)
{
	const struct ldfi_check *k = &p->conf->checks[s->check];
	char *conf_abs = realpath(p->conf->path, NULL);
	json_t *b = json_pack(
	    "{s:s, s:i, s:[i, i], s:s, s:s, s:o, s:o, s:s, s:s}", "type", "init", "protocol",
	    PROTOCOL, "protocols", PROTOCOL_OLDEST, PROTOCOL, "node_id", s->addr, "check", k->name,
	    "relation", k->sink >= 0 ? json_string(p->conf->comps[k->sink].name) : json_null(),
	    "holds", k->holds >= 0 ? json_integer(k->holds) : json_null(), "dir", p->dir, "conf",
	    conf_abs ? conf_abs : p->conf->path);

	free(conf_abs);
	return b;
}

static json_t *init_body(const struct pool *p, const struct slot *s)
{
	const struct ldfi_conf *conf = p->conf;
	const struct ldfi_comp *c;
	json_t *b = json_object(), *reps = json_array(), *all = json_array(), *hops = json_object();
	char *conf_abs = NULL;

	if (s->check >= 0) {
		json_decref(b);
		json_decref(reps);
		json_decref(all);
		json_decref(hops);
		return check_init_body(p, s);
	}
	c = &conf->comps[s->comp];
	conf_abs = realpath(conf->path, NULL);
	if (!b || !reps || !all || !hops)
		goto err;
	for (int i = 0; i < c->n_nodes; i++)
		json_array_append_new(
		    reps, json_sprintf("%s@%s", c->name, conf->nodes[c->nodes[i]].name));
	for (int k = 0; k < conf->n_comps; k++)
		for (int i = 0; i < conf->comps[k].n_nodes; i++)
			json_array_append_new(
			    all, json_sprintf("%s@%s", conf->comps[k].name,
					      conf->nodes[conf->comps[k].nodes[i]].name));
	if (c->to >= 0) {
		const struct ldfi_comp *t = &conf->comps[c->to];
		json_t *tr = json_array();

		for (int i = 0; i < t->n_nodes; i++)
			json_array_append_new(
			    tr, json_sprintf("%s@%s", t->name, conf->nodes[t->nodes[i]].name));
		json_object_set_new(hops, t->name,
				    json_pack("{s:o, s:s, s:i}", "replicas", tr, "delivery",
					      ldfi_delivery_name(c->delivery), "retry_every",
					      c->retry_every));
	}
	json_object_set_new(b, "type", json_string("init"));
	json_object_set_new(b, "protocol", json_integer(PROTOCOL));
	json_object_set_new(b, "protocols", json_pack("[i, i]", PROTOCOL_OLDEST, PROTOCOL));
	json_object_set_new(b, "node_id", json_string(s->addr));
	json_object_set_new(b, "node", json_string(conf->nodes[s->node].name));
	json_object_set_new(b, "stage", json_string(c->name));
	json_object_set_new(b, "replicas", reps);
	json_object_set_new(b, "node_ids", all);
	json_object_set_new(b, "to",
			    c->to >= 0 ? json_string(conf->comps[c->to].name) : json_null());
	json_object_set_new(b, "hops", hops);
	json_object_set_new(b, "eot", json_integer(conf->eot));
	/* Protocol 2: every write is kept across a restart (runtime.c
	 * set_durability), so a helper writes its volatile entries too. */
	json_object_set_new(b, "durable", json_boolean(c->durable));
	json_object_set_new(b, "dir", json_string(p->dir));
	json_object_set_new(b, "conf", json_string(conf_abs ? conf_abs : conf->path));
	free(conf_abs);
	return b;

err:
	json_decref(b);
	json_decref(reps);
	json_decref(all);
	json_decref(hops);
	free(conf_abs);
	return NULL;
}

/* Write the init request (the process was just spawned). */
static int slot_send_init(struct pool *p, struct slot *s, int64_t deadline, char *why, size_t len)
{
	char *b = NULL;
	size_t n = 0, cap = 0;
	json_t *body = init_body(p, s);
	enum io e;
	int rc;

	if (!body)
		return LDFI_ENOMEM;
	if ((rc = emit(&b, &n, &cap, s->addr, body)))
		return rc;
	e = slot_write(s, b, n, deadline);
	free(b);
	if (e) {
		io_reason(s, e, "in init", why, len);
		return LDFI_EINVAL;
	}
	return 0;
}

/* Read init_ok. Returns 0, or LDFI_EINVAL with the reason in `why`. */
static int slot_read_init(struct slot *s, int64_t deadline, char *why, size_t len)
{
	char *line;
	size_t n;
	enum io e = slot_read_line(s, deadline, &line, &n);
	json_t *j, *body;
	const char *t, *ticks;
	json_int_t protocol;

	if (e) {
		io_reason(s, e, "in init", why, len);
		return LDFI_EINVAL;
	}
	if (!(j = parse_line(s->addr, line, n, "in init", why, len)))
		return LDFI_EINVAL;
	body = json_object_get(j, "body");
	t = type_of(j);
	if (strcmp(t, "error") == 0) {
		json_int_t code = json_integer_value(json_object_get(body, "code"));
		const char *text = json_string_value(json_object_get(body, "text"));
		char q[QUOTE_MAX * 4 + 40];

		quote(q, sizeof(q), text ? text : "", text ? strlen(text) : 0);
		if (code == 2)
			snprintf(why, len,
				 "its process speaks no protocol this ldfi speaks (%d to %d): '%s'",
				 PROTOCOL_OLDEST, PROTOCOL, q);
		else
			snprintf(why, len, "reported an error in init: '%s'", q);
		json_decref(j);
		return LDFI_EINVAL;
	}
	protocol = json_integer_value(json_object_get(body, "protocol"));
	if (strcmp(t, "init_ok") != 0 || protocol < PROTOCOL_OLDEST || protocol > PROTOCOL) {
		char q[QUOTE_MAX * 4 + 40];

		quote(q, sizeof(q), line, n);
		snprintf(why, len,
			 "answered init with '%s' (expected init_ok for protocol %d to %d)", q,
			 PROTOCOL_OLDEST, PROTOCOL);
		json_decref(j);
		return LDFI_EINVAL;
	}
	s->protocol = (int)protocol;
	if (s->check < 0 && protocol < 2 && pool->conf->restarts > 0) {
		snprintf(why, len,
			 "its process speaks protocol %d, which has no recover request: restart "
			 "faults (restarts = %d) need protocol 2 (docs/process-stages.md, section "
			 "8; the helpers of this ldfi speak it)",
			 s->protocol, pool->conf->restarts);
		json_decref(j);
		return LDFI_EINVAL;
	}
	ticks = json_string_value(json_object_get(body, "ticks"));
	s->every_round = !ticks || strcmp(ticks, "deliveries") != 0;
	json_decref(j);
	return 0;
}

/* Seconds a start-up handshake may take: run_timeout, but at least a minute
 * (interpreters behind version managers' shims start slowly on a loaded
 * machine). */
static int64_t start_ms(const struct ldfi_conf *conf)
{
	return (int64_t)(conf->run_timeout > 60 ? conf->run_timeout : 60) * 1000;
}

/* Start (or restart) one slot and handshake with it. */
static int slot_start(struct pool *p, struct slot *s, char *why, size_t len)
{
	int64_t deadline = now_ms() + start_ms(p->conf);
	int rc = slot_spawn(p, s, why, len);

	if (!rc)
		rc = slot_send_init(p, s, deadline, why, len);
	if (!rc)
		rc = slot_read_init(s, deadline, why, len);
	if (rc)
		slot_kill(s);
	return rc;
}

/* ldfi_stage.py beside the binary (a build tree: helpers/), installed
 * (LDFI_HELPER_DIR_INSTALLED), or where $LDFI_HELPER_DIR says. */
static char *find_helper_dir(void)
{
	char exe[PATH_MAX], *cand[3] = {NULL, NULL, NULL}, *found = NULL;
	const char *env = getenv("LDFI_HELPER_DIR");
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (env && *env)
		return strdup(env);
	if (n > 0) {
		char *slash;

		exe[n] = 0;
		if ((slash = strrchr(exe, '/')))
			*slash = 0;
		if (asprintf(&cand[0], "%s/helpers", exe) < 0)
			cand[0] = NULL;
		if (asprintf(&cand[1], "%s/../share/ldfi/helpers", exe) < 0)
			cand[1] = NULL;
	}
#ifdef LDFI_HELPER_DIR_INSTALLED
	cand[2] = strdup(LDFI_HELPER_DIR_INSTALLED);
#endif
	for (int i = 0; i < 3; i++) {
		char *f = NULL;

		if (!found && cand[i] && asprintf(&f, "%s/ldfi_stage.py", cand[i]) >= 0 &&
		    access(f, R_OK) == 0)
			found = realpath(cand[i], NULL);
		free(f);
		free(cand[i]);
	}
	return found;
}

void ldfi_process_stop(void)
{
	int64_t deadline;

	if (!pool)
		return;
	/* EOF on stdin asks each process to exit; then one second for all. */
	for (int i = 0; i < pool->n_slots; i++) {
		struct slot *s = &pool->slots[i];

		if (s->in_fd >= 0) {
			close(s->in_fd);
			s->in_fd = -1;
		}
	}
	deadline = now_ms() + 1000;
	for (int i = 0; i < pool->n_slots; i++) {
		struct slot *s = &pool->slots[i];

		while (s->pid > 0 && !slot_reaped(s) && now_ms() < deadline) {
			struct pollfd pf = {s->pidfd, POLLIN, 0};

			if (s->pidfd >= 0)
				poll(&pf, 1, (int)(deadline - now_ms()));
			else
				poll(NULL, 0, 10);
		}
		slot_kill(s);
		free(s->addr);
		free(s->desc);
		free(s->buf);
	}
	if (pool->sigpipe_ignored)
		signal(SIGPIPE, SIG_DFL);
	if (pool->sh)
		munmap(pool->sh, pool->sh_len);
	free(pool->slots);
	free(pool->dir);
	free(pool->log_dir);
	free(pool->helper_dir);
	free(pool);
	pool = NULL;
}

static void stop_at_exit(void)
{
	ldfi_process_stop();
}

int ldfi_process_start(const struct ldfi_conf *conf, const char *log_dir, char *err, size_t errlen)
{
	static bool registered;
	char why[1024];
	int64_t deadline;
	int n = 0, rc = 0, k = 0, bad = 0;

	ldfi_process_stop();
	if (!ldfi_conf_has_processes(conf))
		return 0;
	if (!(pool = calloc(1, sizeof(*pool))))
		return LDFI_ENOMEM;
	if (!registered)
		registered = atexit(stop_at_exit) == 0;
	pool->conf = conf;
	for (int c = 0; c < conf->n_comps; c++)
		if (conf->comps[c].type == LDFI_COMP_STAGE &&
		    conf->comps[c].kind == LDFI_KIND_PROCESS)
			n += conf->comps[c].n_nodes;
	for (int i = 0; i < conf->n_checks; i++)
		n += conf->checks[i].kind == LDFI_CHECK_PROCESS;
	pool->slots = calloc((size_t)n, sizeof(*pool->slots));
	pool->dir = ldfi_dir_of(conf->path);
	if (log_dir)
		pool->log_dir = strdup(log_dir);
	pool->helper_dir = find_helper_dir();
	pool->sh_len = sizeof(*pool->sh) + (size_t)n;
	pool->sh =
	    mmap(NULL, pool->sh_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (pool->sh == MAP_FAILED)
		pool->sh = NULL;
	if (!pool->slots || !pool->dir || (log_dir && !pool->log_dir) || !pool->sh) {
		rc = pool->dir ? LDFI_ENOMEM : LDFI_EINVAL;
		snprintf(err, errlen, "%s: %s", conf->path, strerror(errno));
		goto err_pool;
	}
	if (signal(SIGPIPE, SIG_IGN) == SIG_DFL)
		pool->sigpipe_ignored = true;
	for (int c = 0; c < conf->n_comps; c++) {
		const struct ldfi_comp *cp = &conf->comps[c];

		if (cp->type != LDFI_COMP_STAGE || cp->kind != LDFI_KIND_PROCESS)
			continue;
		for (int i = 0; i < cp->n_nodes; i++, k++) {
			struct slot *s = &pool->slots[k];

			*s = (struct slot){.comp = c,
					   .node = cp->nodes[i],
					   .check = -1,
					   .argv = cp->argv,
					   .command = cp->command,
					   .line = cp->line,
					   .pidfd = -1,
					   .in_fd = -1,
					   .out_fd = -1};
			pool->n_slots++;
			if (asprintf(&s->addr, "%s@%s", cp->name, conf->nodes[cp->nodes[i]].name) <
				0 ||
			    asprintf(&s->desc, "stage '%s' on node %s", cp->name,
				     conf->nodes[cp->nodes[i]].name) < 0) {
				rc = LDFI_ENOMEM;
				goto err_pool;
			}
		}
	}
	for (int i = 0; i < conf->n_checks; i++, k++) {
		const struct ldfi_check *ck = &conf->checks[i];
		struct slot *s = &pool->slots[k];

		if (ck->kind != LDFI_CHECK_PROCESS) {
			k--;
			continue;
		}
		*s = (struct slot){.comp = -1,
				   .node = -1,
				   .check = i,
				   .argv = ck->argv,
				   .command = ck->command,
				   .line = ck->line,
				   .pidfd = -1,
				   .in_fd = -1,
				   .out_fd = -1};
		pool->n_slots++;
		if (asprintf(&s->addr, "check:%s", ck->name) < 0 ||
		    asprintf(&s->desc, "check '%s'", ck->name) < 0) {
			rc = LDFI_ENOMEM;
			goto err_pool;
		}
	}
	/* Every process first, then every init, then every answer: the starts
	 * overlap. */
	deadline = now_ms() + start_ms(conf);
	for (k = 0; k < pool->n_slots && !rc; k++)
		if ((rc = slot_spawn(pool, &pool->slots[k], why, sizeof(why))))
			bad = k;
	for (k = 0; k < pool->n_slots && !rc; k++)
		if ((rc = slot_send_init(pool, &pool->slots[k], deadline, why, sizeof(why))))
			bad = k;
	for (k = 0; k < pool->n_slots && !rc; k++)
		if ((rc = slot_read_init(&pool->slots[k], deadline, why, sizeof(why))))
			bad = k;
	if (rc) {
		const struct slot *b = &pool->slots[bad]; /* the one that failed */

		if (rc == LDFI_ENOMEM)
			snprintf(err, errlen, "%s: starting its processes: %s", conf->path,
				 ldfi_strerror(rc));
		else
			snprintf(err, errlen, "%s:%d: %s: %s", conf->path, b->line, b->desc, why);
		rc = rc == LDFI_ENOMEM ? rc : LDFI_EINVAL;
		goto err_pool;
	}
	return 0;

err_pool:
	ldfi_process_stop();
	return rc;
}

/* --- the stage kind --- */

/* A delivery queued for this round's request. */
struct queued {
	uint32_t id;
	int src_comp, src_node;
	int rec;
};

/* A state entry's value as the process wrote it (canonical JSON), and the
 * version number put in the runtime's state: it changes exactly when the
 * text does, so the runtime's "a changed value is conditional" rule holds.
 * `durable`: its last write said "durable": true (ldfi_stage_put_durable). */
struct text {
	char *key, *value;
	int64_t version;
	bool durable;
};

/* Per replica, for one execution. */
struct proc {
	struct slot *slot;
	uint32_t *inbox; /* every data message delivered since the start */
	size_t n_inbox, cap_inbox;
	struct queued *q; /* this round's, in canonical order */
	size_t n_q, cap_q;
	struct text *texts;
	size_t n_texts, cap_texts;
	char *saved;	/* the process's last `save` (canonical JSON), or NULL */
	bool recovered; /* entry "ldfi.recovered": what a recovery handed back */
};

static struct slot *find_slot(int comp, int node)
{
	for (int i = 0; pool && i < pool->n_slots; i++)
		if (pool->slots[i].check < 0 && pool->slots[i].comp == comp &&
		    pool->slots[i].node == node)
			return &pool->slots[i];
	return NULL;
}

static int proc_init(struct ldfi_stage *st)
{
	struct proc *p;
	int rc;

	if (!pool || pool->conf != ldfi_stage_conf(st)) {
		char err[1024];

		if ((rc = ldfi_process_start(ldfi_stage_conf(st), NULL, err, sizeof(err))))
			return rc == LDFI_ENOMEM ? rc : LDFI_ESTAGE;
	}
	if (!(p = calloc(1, sizeof(*p))))
		return LDFI_ENOMEM;
	p->slot = find_slot(ldfi_stage_comp(st), ldfi_stage_node(st));
	ldfi_stage_set_data(st, p);
	if (!p->slot)
		return LDFI_ESTAGE;
	return ldfi_stage_track_receipts(st);
}

/* Whether the conf allows restarts: then messages are remembered through
 * volatile entries and finish saves what a recovery hands back. */
static bool restarts(const struct ldfi_stage *st)
{
	return ldfi_stage_conf(st)->restarts > 0;
}

/* Whether a restart keeps entry `t` of replica `st`: the runtime's rule
 * (runtime.c, ldfi_stage_put and set_durability): its last write was
 * durable, or the stage is `durable = yes` (every write is). */
static bool text_kept(const struct ldfi_stage *st, const struct text *t)
{
	return t->durable || ldfi_stage_conf(st)->comps[ldfi_stage_comp(st)].durable;
}

/* What a recovery hands back, saved with the runtime (ldfi_stage_save,
 * which a restart keeps) after every request whose answer may have changed
 * it (a node that goes down gets no finish to save in: ldfi/stage.h): {"entries": [[KEY, VERSION,
 * VALUE, DURABLE],
 * ...], "saved": VALUE}, values as canonical JSON text. Out of memory, a
 * lone "!" is saved instead, and the recovery fails with LDFI_ENOMEM. */
static void save_durable(struct ldfi_stage *st, const struct proc *p)
{
	json_t *all = json_object(), *es = json_array();
	char *text = NULL;
	int bad = !all || !es || json_object_set(all, "entries", es);

	for (size_t i = 0; i < p->n_texts && !bad; i++) {
		const struct text *t = &p->texts[i];

		if (text_kept(st, t))
			bad = json_array_append_new(es, json_pack("[s, I, s, b]", t->key,
								  (json_int_t)t->version, t->value,
								  t->durable));
	}
	if (!bad && p->saved)
		bad = json_object_set_new(all, "saved", json_string(p->saved));
	if (!bad)
		bad = !(text = json_dumps(all, JSON_COMPACT));
	if (bad || ldfi_stage_save(st, text, strlen(text)))
		ldfi_stage_save(st, "!", 1);
	free(text);
	json_decref(es);
	json_decref(all);
}

static void proc_finish(struct ldfi_stage *st)
{
	struct proc *p = ldfi_stage_data(st);

	if (!p)
		return;
	for (size_t i = 0; i < p->n_texts; i++) {
		free(p->texts[i].key);
		free(p->texts[i].value);
	}
	free(p->texts);
	free(p->saved);
	free(p->inbox);
	free(p->q);
	free(p);
	ldfi_stage_set_data(st, NULL);
}

/* The entry that remembers message `id` ("ldfi.m.ID", with restarts). */
static void msg_key(char *key, size_t len, uint32_t id)
{
	snprintf(key, len, "ldfi.m.%u", id);
}

static int proc_on_message(struct ldfi_stage *st, const struct ldfi_msg *m)
{
	struct proc *p = ldfi_stage_data(st);
	char key[32];
	int rc;

	if (ldfi_grow(&p->q, &p->cap_q, p->n_q + 1, sizeof(*p->q), 8) ||
	    ldfi_grow(&p->inbox, &p->cap_inbox, p->n_inbox + 1, sizeof(*p->inbox), 16))
		return LDFI_ENOMEM;
	p->q[p->n_q++] = (struct queued){m->id, m->src_comp, m->src_node, m->rec};
	p->inbox[p->n_inbox++] = m->id;
	if (!restarts(st))
		return 0;
	/* What the process will remember of it, derived from it (the cause
	 * of on_message), lost at a restart. */
	msg_key(key, sizeof(key), m->id);
	if ((rc = ldfi_stage_put_volatile(st, key, 1)))
		return rc == LDFI_EINVAL ? LDFI_ESTAGE : rc;
	return 0;
}

/* Fail the run: the slot is killed (it may be mid-answer) and started
 * again before its next request. */
static int proc_fail(struct ldfi_stage *st, const char *why)
{
	struct proc *p = ldfi_stage_data(st);

	slot_kill(p->slot);
	return ldfi_stage_fail(st, "%s", why);
}

static bool in_inbox(const uint32_t *inbox, size_t n, uint32_t id)
{
	for (size_t i = 0; i < n; i++)
		if (inbox[i] == id)
			return true;
	return false;
}

static bool valid_name(const char *s)
{
	size_t n = 0;

	for (; s && s[n]; n++)
		if (s[n] <= ' ' || s[n] > '~' || n >= 255)
			return false;
	return s && n > 0;
}

/* Check the cause of one action: declared (`derives_from`, into
 * out->derives_from, or out->held for "held") or conservative (every
 * delivery so far, this round's up to `handled`: out->upto). */
static int check_cause(const struct ldfi_process_answer *a, json_t *body,
		       struct ldfi_process_action *out, const char *q, char *why, size_t len)
{
	json_t *df = json_object_get(body, "derives_from"), *h = json_object_get(body, "handled");
	const char *where = a->where;
	size_t i;
	json_t *item;
	int rc;

	out->held = false;
	out->derives_from = NULL;
	out->upto = a->upto;
	if (!df) {
		if (h) {
			if (!json_is_integer(h) || json_integer_value(h) < 0 ||
			    (size_t)json_integer_value(h) > a->upto - a->base) {
				snprintf(why, len, "wrote 'handled' out of range %s: '%s'", where,
					 q);
				return LDFI_EINVAL;
			}
			out->upto = a->base + (size_t)json_integer_value(h);
		}
		return 0;
	}
	if (json_is_string(df) && strcmp(json_string_value(df), "held") == 0) {
		out->held = true;
		return 0;
	}
	if (!json_is_array(df)) {
		snprintf(why, len, "wrote a bad derives_from %s: '%s' (a list, or \"held\")", where,
			 q);
		return LDFI_EINVAL;
	}
	json_array_foreach(df, i, item)
	{
		json_t *k;

		if (json_is_integer(item)) {
			json_int_t id = json_integer_value(item);

			if (id <= 0 || id > UINT32_MAX ||
			    !in_inbox(a->inbox, a->upto, (uint32_t)id)) {
				snprintf(why, len,
					 "derives_from names message %lld, which was not delivered "
					 "to this replica since it started, %s: '%s'",
					 (long long)id, where, q);
				return LDFI_EINVAL;
			}
		} else if (json_is_object(item) &&
			   json_is_string(k = json_object_get(item, "state"))) {
			if (!valid_name(json_string_value(k)) ||
			    (rc = a->holds(a->arg, json_string_value(k))) == 0) {
				char kq[QUOTE_MAX * 4 + 40];

				quote(kq, sizeof(kq), json_string_value(k),
				      strlen(json_string_value(k)));
				snprintf(
				    why, len,
				    "derives_from names state '%.255s', which this replica does "
				    "not hold, %s: '%s'",
				    kq, where, q);
				return LDFI_EINVAL;
			}
			if (rc < 0)
				return rc;
		} else if (!json_is_object(item) ||
			   !json_is_string(json_object_get(item, "absent"))) {
			snprintf(why, len,
				 "wrote a bad derives_from item %s: '%s' (a message id, "
				 "{\"state\": KEY} or {\"absent\": KEY})",
				 where, q);
			return LDFI_EINVAL;
		}
	}
	out->derives_from = df;
	return 0;
}

/* The version to put for `key` now holding `value` (taken), written
 * durably or not. */
static int text_version(struct proc *p, const char *key, char *value, bool durable,
			int64_t *version)
{
	for (size_t i = 0; i < p->n_texts; i++) {
		struct text *t = &p->texts[i];

		if (strcmp(t->key, key) == 0) {
			if (strcmp(t->value, value) != 0)
				t->version++;
			free(t->value);
			t->value = value;
			t->durable = durable;
			*version = t->version;
			return 0;
		}
	}
	if (ldfi_grow(&p->texts, &p->cap_texts, p->n_texts + 1, sizeof(*p->texts), 8)) {
		free(value);
		return LDFI_ENOMEM;
	}
	p->texts[p->n_texts] = (struct text){strdup(key), value, 1, durable};
	if (!p->texts[p->n_texts].key) {
		free(value);
		return LDFI_ENOMEM;
	}
	*version = p->texts[p->n_texts++].version;
	return 0;
}

/* A send to `dest`, which is neither the hop nor a replica: the reason. */
static int bad_dest(const struct ldfi_process_answer *a, const char *dest, bool held, char *why,
		    size_t len)
{
	const struct ldfi_conf *conf = a->conf;
	const struct ldfi_comp *c = &conf->comps[a->comp];
	char dq[QUOTE_MAX * 4 + 40];

	quote(dq, sizeof(dq), dest, strlen(dest));
	snprintf(why, len, "sent to '%.200s', which is not its hop (%s) nor a replica%s %s", dq,
		 c->to >= 0 ? conf->comps[c->to].name : "none",
		 held ? " (\"held\" is only for hop sends)" : "", a->where);
	return LDFI_EINVAL;
}

/* Is `node` one of the nodes of component `comp`? */
static bool is_replica(const struct ldfi_conf *conf, int comp, int node)
{
	for (int i = 0; i < conf->comps[comp].n_nodes; i++)
		if (conf->comps[comp].nodes[i] == node)
			return true;
	return false;
}

int ldfi_process_parse_action(const struct ldfi_process_answer *a, json_t *j, const char *line,
			      size_t n, struct ldfi_process_action *out, char *why, size_t len)
{
	const struct ldfi_conf *conf = a->conf;
	const struct ldfi_comp *c = &conf->comps[a->comp];
	json_t *body = json_object_get(j, "body");
	const char *t = type_of(j), *dest = json_string_value(json_object_get(j, "dest"));
	const char *where = a->where;
	char q[QUOTE_MAX * 4 + 40], tq[QUOTE_MAX * 4 + 40];
	int rc;

	*out = (struct ldfi_process_action){
	    .type = t, .rec = -1, .dest = dest, .comp = -1, .node = -1};
	quote(q, sizeof(q), line, n);
	if (strcmp(t, "save") == 0) {
		/* Not provenance: a cache the process wants back after a
		 * restart (ldfi_stage_save), never facts of its own. */
		if (!(out->value = json_object_get(body, "value")) ||
		    json_object_get(body, "derives_from") || json_object_get(body, "handled")) {
			snprintf(why, len,
				 "wrote a bad save %s: '%s' (a value; no derives_from or handled: "
				 "what is saved is not provenance)",
				 where, q);
			return LDFI_EINVAL;
		}
		return 0;
	}
	if (strcmp(t, "send") == 0 || strcmp(t, "output") == 0) {
		const char *name = json_string_value(json_object_get(body, "record"));

		if (!valid_name(name)) {
			snprintf(
			    why, len,
			    "%s of a bad record name %s: '%s' (1..255 printable ASCII, no space)",
			    t, where, q);
			return LDFI_EINVAL;
		}
		if ((out->rec = a->record(a->arg, name)) < 0)
			return out->rec;
	}
	if ((rc = check_cause(a, body, out, q, why, len)))
		return rc;
	if (strcmp(t, "output") == 0) {
		if (out->held) {
			snprintf(why, len, "\"held\" is only for hop sends %s: '%s'", where, q);
			return LDFI_EINVAL;
		}
		return 0;
	}
	if (strcmp(t, "send") == 0) {
		const char *at = strchr(dest, '@');

		if (!at && c->to >= 0 && strcmp(dest, conf->comps[c->to].name) == 0)
			return 0;
		if (at && !out->held) {
			int k = ldfi_conf_comp_index_n(conf, dest, (size_t)(at - dest));
			int node = ldfi_conf_node_index(conf, at + 1);

			if (k >= 0 && node >= 0 && conf->comps[k].type != LDFI_COMP_SOURCE &&
			    is_replica(conf, k, node)) {
				out->comp = k;
				out->node = node;
				return 0;
			}
		}
		return bad_dest(a, dest, out->held, why, len);
	}
	if (strcmp(t, "write") == 0) {
		const char *key = json_string_value(json_object_get(body, "key"));
		json_t *value = json_object_get(body, "value");
		json_t *durable = json_object_get(body, "durable");

		if (!valid_name(key) || strncmp(key, "ldfi.", 5) == 0 || !value || out->held ||
		    (durable && !json_is_boolean(durable))) {
			snprintf(why, len,
				 "wrote a bad state entry %s: '%s' (key: 1..255 printable ASCII, "
				 "no space, not ldfi.*; a value; durable true or false; no "
				 "\"held\")",
				 where, q);
			return LDFI_EINVAL;
		}
		out->key = key;
		out->value = value;
		out->durable = json_is_true(durable);
		return 0;
	}
	quote(tq, sizeof(tq), t, strlen(t));
	snprintf(why, len, "wrote a line of unexpected type '%.60s' %s: '%s'", tq, where, q);
	return LDFI_EINVAL;
}

int ldfi_process_parse_line(const struct ldfi_process_answer *a, size_t n_acts, const char *line,
			    size_t n, json_t **action, char *why, size_t len)
{
	char q[QUOTE_MAX * 4 + 40], tq[QUOTE_MAX * 4 + 40];
	json_t *j, *body;
	const char *t;
	int rc = LDFI_EINVAL;

	*action = NULL;
	if (!(j = parse_line(a->addr, line, n, a->where, why, len)))
		return LDFI_EINVAL;
	body = json_object_get(j, "body");
	t = type_of(j);
	quote(q, sizeof(q), line, n);
	if (strcmp(t, "error") == 0) {
		const char *text = json_string_value(json_object_get(body, "text"));

		quote(tq, sizeof(tq), text ? text : "", text ? strlen(text) : 0);
		snprintf(why, len, "reported an error %s: '%s'", a->where, tq);
	} else if (strcmp(t, a->ok) == 0) {
		json_t *v = json_object_get(body, a->field), *k = json_object_get(body, "actions");

		if (!json_is_integer(v) || json_integer_value(v) != a->value)
			snprintf(why, len, "answered %s for %s %lld instead of %s %lld: '%s'",
				 a->ok, a->field,
				 json_is_integer(v) ? (long long)json_integer_value(v) : -1LL,
				 a->field, (long long)a->value, q);
		else if (a->actions &&
			 (!json_is_integer(k) || (size_t)json_integer_value(k) != n_acts))
			snprintf(why, len, "answered %s with %lld actions, but wrote %zu %s: '%s'",
				 a->ok,
				 json_is_integer(k) ? (long long)json_integer_value(k) : -1LL,
				 n_acts, a->where, q);
		else
			rc = 1;
	} else if (!a->actions || (strcmp(t, "send") && strcmp(t, "output") && strcmp(t, "write") &&
				   strcmp(t, "save"))) {
		quote(tq, sizeof(tq), t, strlen(t));
		snprintf(why, len, "wrote a line of unexpected type '%.60s' %s: '%s'", tq, a->where,
			 q);
	} else {
		*action = j;
		return 0;
	}
	json_decref(j);
	return rc;
}

/* The callbacks of an answer in a run: the stage API (`arg` is the stage). */
static int stage_record(void *arg, const char *name)
{
	return ldfi_stage_record(arg, name);
}

static int stage_holds(void *arg, const char *key)
{
	return ldfi_stage_get(arg, key, NULL);
}

/* Add message `id`, delivered to this replica since it (re)started, to
 * the cause. With restarts, through its entry "ldfi.m.ID": the runtime
 * puts a memory token in between when it was delivered in an earlier
 * round and a restart could have made the process forget it. */
static int msg_cause(struct ldfi_stage *st, uint32_t id)
{
	char key[32];
	int rc;

	if (!restarts(st))
		rc = ldfi_stage_cause_message(st, id);
	else {
		msg_key(key, sizeof(key), id);
		rc = ldfi_stage_get(st, key, NULL);
		rc = rc == 1 ? 0 : rc == 0 ? LDFI_EINVAL : rc;
	}
	return rc == LDFI_EINVAL ? LDFI_ESTAGE : rc;
}

/* Build the cause of a checked action: what it declares, or every
 * delivery it was given (inbox[0..upto)) and, after a recovery, every
 * entry the recovery handed back, conditionally. */
static int action_cause(struct ldfi_stage *st, const struct ldfi_process_action *act)
{
	struct proc *p = ldfi_stage_data(st);
	size_t i;
	json_t *item, *k;
	int rc;

	ldfi_stage_forget_reads(st);
	if (act->held)
		return 0;
	if (!act->derives_from) {
		for (i = 0; i < act->upto; i++)
			if ((rc = msg_cause(st, p->inbox[i])))
				return rc;
		if (p->recovered && (rc = ldfi_stage_get(st, "ldfi.recovered", NULL)) != 1)
			return rc < 0 ? rc : LDFI_ESTAGE;
		ldfi_stage_cause_conditional(st);
		return 0;
	}
	json_array_foreach(act->derives_from, i, item)
	{
		if (json_is_integer(item)) {
			if ((rc = msg_cause(st, (uint32_t)json_integer_value(item))))
				return rc;
		} else if (json_is_string(k = json_object_get(item, "state"))) {
			if ((rc = ldfi_stage_get(st, json_string_value(k), NULL)) < 0)
				return rc;
		} else {
			ldfi_stage_cause_conditional(st);
		}
	}
	return 0;
}

/* Apply one action line of the answer. */
static int apply(struct ldfi_stage *st, json_t *j, const char *line, size_t n, size_t base,
		 size_t upto, const char *where, char *why, size_t len)
{
	struct proc *p = ldfi_stage_data(st);
	struct ldfi_process_answer a = {.conf = ldfi_stage_conf(st),
					.comp = ldfi_stage_comp(st),
					.addr = p->slot->addr,
					.where = where,
					.inbox = p->inbox,
					.base = base,
					.upto = upto,
					.record = stage_record,
					.holds = stage_holds,
					.arg = st};
	struct ldfi_process_action act;
	char *text;
	int64_t version;
	int rc;

	if ((rc = ldfi_process_parse_action(&a, j, line, n, &act, why, len)))
		return rc;
	if (strcmp(act.type, "save") == 0) {
		if (!(text =
			  json_dumps(act.value, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY)))
			return LDFI_ENOMEM;
		free(p->saved);
		p->saved = text;
		return 0;
	}
	if ((rc = action_cause(st, &act)))
		return rc;
	if (strcmp(act.type, "output") == 0)
		return ldfi_stage_output(st, act.rec);
	if (strcmp(act.type, "send") == 0) {
		if (act.comp < 0)
			return act.held ? ldfi_stage_send_held(st, LDFI_HOP_DOWNSTREAM, act.rec)
					: ldfi_stage_send(st, LDFI_HOP_DOWNSTREAM, act.rec);
		if (ldfi_stage_send_to(st, act.comp, act.node, act.rec) == 0)
			return 0;
		return bad_dest(&a, act.dest, false, why, len);
	}
	if (!(text = json_dumps(act.value, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY)))
		return LDFI_ENOMEM;
	if ((rc = text_version(p, act.key, text, act.durable, &version)))
		return rc;
	return act.durable ? ldfi_stage_put_durable(st, act.key, version)
			   : ldfi_stage_put(st, act.key, version);
}

/* Read the answer to one request up to its closing line `ok` (echoing
 * `field` = `value`), applying actions when `apply_them`. */
static int read_answer(struct ldfi_stage *st, const char *ok, const char *field, json_int_t value,
		       int64_t deadline, bool apply_them, size_t base, size_t upto,
		       const char *where, char *why, size_t len)
{
	struct proc *p = ldfi_stage_data(st);
	struct ldfi_process_answer a = {.conf = ldfi_stage_conf(st),
					.comp = ldfi_stage_comp(st),
					.addr = p->slot->addr,
					.where = where,
					.ok = ok,
					.field = field,
					.value = value,
					.actions = apply_them};
	json_t **acts = NULL;
	char **lines = NULL;
	size_t n_acts = 0, cap = 0, cap2 = 0;
	int rc = 0;

	for (;;) {
		char *line;
		size_t n;
		enum io e = slot_read_line(p->slot, deadline, &line, &n);
		json_t *j;

		if (e) {
			io_reason(p->slot, e, where, why, len);
			rc = LDFI_EINVAL;
			break;
		}
		if ((rc = ldfi_process_parse_line(&a, n_acts, line, n, &j, why, len))) {
			rc = rc == 1 ? 0 : rc; /* 1: the closing line */
			break;
		}
		if (n_acts >= LDFI_MAX_MESSAGES ||
		    ldfi_grow(&acts, &cap, n_acts + 1, sizeof(*acts), 8) ||
		    ldfi_grow(&lines, &cap2, n_acts + 1, sizeof(*lines), 8) ||
		    !(lines[n_acts] = strdup(line))) {
			json_decref(j);
			rc = n_acts >= LDFI_MAX_MESSAGES ? LDFI_ELIMIT : LDFI_ENOMEM;
			break;
		}
		acts[n_acts++] = j;
	}
	for (size_t i = 0; i < n_acts; i++) {
		if (!rc)
			rc = apply(st, acts[i], lines[i], strlen(lines[i]), base, upto, where, why,
				   len);
		json_decref(acts[i]);
		free(lines[i]);
	}
	free(acts);
	free(lines);
	return rc;
}

/* A marker in the slot's log: which execution its stderr is about. */
static void log_marker(const struct slot *s)
{
	char *path = NULL;
	FILE *f;

	if (!pool->log_dir)
		return;
	if (asprintf(&path, "%s/%s.log", pool->log_dir, s->addr) >= 0 && (f = fopen(path, "a"))) {
		fprintf(f, "== execution %llu ==\n", (unsigned long long)pool->execution);
		fclose(f);
	}
	free(path);
}

/* Before a request of this execution to the replica's process: the
 * execution's deadline (at its first request to any process), the process
 * started again if a failure killed it, and into *b the `reset` it needs
 * before its first request of the execution (*reset then true); none for
 * a process the live engine started for a restart in this execution.
 * Returns 0, or what fails the run. */
static int request_begin(struct ldfi_stage *st, char **b, size_t *n, size_t *cap, bool *reset)
{
	struct proc *p = ldfi_stage_data(st);
	struct slot *s = p->slot;
	char why[2048];
	int rc;

	*reset = false;
	if (!s->pid) {
		/* Started again after a failure: the start does not count
		 * against the execution's run_timeout. A node process cannot
		 * (ldfi starts them between executions). */
		int64_t t0 = now_ms();

		if (pool->in_node)
			return ldfi_stage_fail(st, "could not be started again: not running");
		if ((rc = slot_start(pool, s, why, sizeof(why))))
			return rc == LDFI_EINVAL
				   ? ldfi_stage_fail(st, "could not be started again: %s", why)
				   : rc;
		pool->sh->deadline_ms += now_ms() - t0;
	}
	if (s->serial == ldfi_rt_serial(st->rt))
		return 0;
	log_marker(s);
	if (s->fresh) { /* started for this restart: as good as reset */
		s->fresh = false;
		s->serial = ldfi_rt_serial(st->rt);
		return 0;
	}
	*reset = true;
	return emit(
	    b, n, cap, s->addr,
	    json_pack("{s:s, s:I}", "type", "reset", "execution", (json_int_t)pool->execution));
}

/* Write the request `b` (n bytes), read reset_ok first when it begins with
 * a reset, then the answer up to `ok` (echoing `field` = `value`), applying
 * its actions. Takes `b`. Returns 0, or what fails the run. */
static int request(struct ldfi_stage *st, char *b, size_t n, bool reset, const char *ok,
		   const char *field, json_int_t value, size_t base, size_t upto, const char *where)
{
	struct proc *p = ldfi_stage_data(st);
	struct slot *s = p->slot;
	int64_t deadline = pool->sh->deadline_ms;
	unsigned char *state = &pool->sh->state[s - pool->slots];
	char why[2048];
	enum io e;
	int rc;

	*state = SLOT_BUSY;
	e = slot_write(s, b, n, deadline);
	free(b);
	if (e) {
		io_reason(s, e, where, why, sizeof(why));
		return proc_fail(st, why);
	}
	if (reset) {
		rc = read_answer(st, "reset_ok", "execution", (json_int_t)pool->execution, deadline,
				 false, base, upto, "in reset", why, sizeof(why));
		if (rc == LDFI_EINVAL)
			return proc_fail(st, why);
		if (rc)
			return rc;
		s->serial = ldfi_rt_serial(st->rt);
	}
	rc = read_answer(st, ok, field, value, deadline, true, base, upto, where, why, sizeof(why));
	ldfi_stage_forget_reads(st);
	if (rc == LDFI_EINVAL)
		return proc_fail(st, why);
	if (!rc)
		*state = SLOT_IDLE;
	return rc;
}

/* The first request of an execution to any process starts its clock; in
 * the live engine, the first of any node process (ldfi counts the
 * executions: ldfi_process_live_begin). */
static void note_execution(const struct ldfi_stage *st)
{
	uint64_t serial = ldfi_rt_serial(st->rt);
	int64_t zero = 0, d = now_ms() + (int64_t)ldfi_stage_conf(st)->run_timeout * 1000;

	if (pool->serial == serial)
		return;
	pool->serial = serial;
	if (pool->in_node) {
		__atomic_compare_exchange_n(&pool->sh->deadline_ms, &zero, d, false,
					    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
		return;
	}
	pool->execution++;
	pool->sh->deadline_ms = d;
}

static int proc_on_round(struct ldfi_stage *st, int round)
{
	const struct ldfi_conf *conf = ldfi_stage_conf(st);
	struct proc *p = ldfi_stage_data(st);
	struct slot *s = p->slot;
	char where[64], *b = NULL;
	size_t n = 0, cap = 0, base = p->n_inbox - p->n_q, upto = p->n_inbox;
	bool reset;
	int rc = 0;

	note_execution(st);
	snprintf(where, sizeof(where), "in round %d", round);
	if (!s->every_round && p->n_q == 0)
		return 0;
	if ((rc = request_begin(st, &b, &n, &cap, &reset))) {
		free(b);
		p->n_q = 0;
		return rc;
	}
	for (size_t i = 0; i < p->n_q && !rc; i++) {
		const struct queued *m = &p->q[i];
		json_t *env = json_pack(
		    "{s:s++, s:s, s:{s:s, s:I, s:s}}", "src", conf->comps[m->src_comp].name, "@",
		    conf->nodes[m->src_node].name, "dest", s->addr, "body", "type", "record",
		    "msg_id", (json_int_t)m->id, "record", ldfi_stage_record_name(st, m->rec));
		char *text = env ? json_dumps(env, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
		size_t k = text ? strlen(text) : 0;

		json_decref(env);
		if (!text || ldfi_grow(&b, &cap, n + k + 2, 1, 1024))
			rc = LDFI_ENOMEM;
		else {
			memcpy(b + n, text, k);
			b[n + k] = '\n';
			n += k + 1;
		}
		free(text);
	}
	if (!rc)
		rc = emit(&b, &n, &cap, s->addr,
			  json_pack("{s:s, s:i, s:I}", "type", "round", "round", round,
				    "deliveries", (json_int_t)p->n_q));
	p->n_q = 0;
	if (rc) {
		free(b);
		return rc;
	}
	rc = request(st, b, n, reset, "round_ok", "round", round, base, upto, where);
	if (!rc && restarts(st))
		save_durable(st, p);
	return rc;
}

/* Restore what was last saved (save_durable) into the new replica's
 * texts and saved value; into the recover request, the entries written
 * durable (`durable`) and the others (`state`: a `durable = yes` stage),
 * and what the process saved (`saved`, when it saved anything). Each entry
 * must be the runtime's, with its version: the runtime restored it. */
static int restore_durable(struct ldfi_stage *st, json_t *body)
{
	struct proc *p = ldfi_stage_data(st);
	json_t *durable = json_object(), *state = json_object(), *all = NULL, *item;
	size_t len, i;
	const char *blob = ldfi_stage_saved(st, &len);
	int rc = 0;

	if (!durable || !state)
		goto err_nomem;
	json_object_set(body, "durable", durable);
	json_object_set(body, "state", state);
	if (len == 1 && blob[0] == '!')
		goto err_nomem; /* save_durable ran out of memory */
	if (!len)
		goto out;
	if (!(all = json_loadb(blob, len, 0, NULL))) {
		rc = LDFI_ESTAGE;
		goto out;
	}
	json_array_foreach(json_object_get(all, "entries"), i, item)
	{
		const char *key = json_string_value(json_array_get(item, 0));
		json_int_t version = json_integer_value(json_array_get(item, 1));
		const char *text = json_string_value(json_array_get(item, 2));
		bool dur = json_is_true(json_array_get(item, 3));
		json_t *value = text ? json_loads(text, JSON_DECODE_ANY, NULL) : NULL;
		char *copy = text ? strdup(text) : NULL;
		int64_t v = 0, got = 0;

		if (!key || !value || !copy) {
			json_decref(value);
			free(copy);
			rc = !key || !text ? LDFI_ESTAGE : LDFI_ENOMEM;
			goto out;
		}
		if (json_object_set_new(dur ? durable : state, key, value) ||
		    (rc = text_version(p, key, copy, dur, &v))) {
			rc = rc ? rc : LDFI_ENOMEM;
			goto out;
		}
		/* The runtime kept the entry, with this version: read it (the
		 * cause of "ldfi.recovered" below). */
		if ((rc = ldfi_stage_get(st, key, &got)) != 1 || got != version || v != 1) {
			rc = rc < 0 ? rc : LDFI_ESTAGE;
			goto out;
		}
		p->texts[p->n_texts - 1].version = version;
		rc = 0;
	}
	if (json_is_string(json_object_get(all, "saved"))) {
		const char *text = json_string_value(json_object_get(all, "saved"));
		json_t *value = json_loads(text, JSON_DECODE_ANY, NULL);

		if (!value || !(p->saved = strdup(text)) ||
		    json_object_set_new(body, "saved", value)) {
			rc = value ? LDFI_ENOMEM : LDFI_ESTAGE;
			goto out;
		}
	}
	/* What the process knows from now on derives from what it was handed
	 * back: one volatile entry over all of it, which conservative causes
	 * read (action_cause). */
	if (p->n_texts) {
		if ((rc = ldfi_stage_put_volatile(st, "ldfi.recovered", 1)))
			goto out;
		p->recovered = true;
	}
out:
	ldfi_stage_forget_reads(st);
	json_decref(all);
	json_decref(durable);
	json_decref(state);
	return rc;

err_nomem:
	rc = LDFI_ENOMEM;
	goto out;
}

/* Protocol 2: the node is up again in `round` after a restart that took it
 * down in `down_from`. init ran again (a fresh struct proc) and the runtime
 * restored the durable entries; the process makes a fresh instance of its
 * stage from what it is handed back, and what it answers is conditional
 * (the runtime's cause in on_recover). Sent even to a process asked only
 * in rounds with deliveries: it must forget its volatile state now. */
static int proc_on_recover(struct ldfi_stage *st, int round, int down_from)
{
	struct proc *p = ldfi_stage_data(st);
	json_t *body =
	    json_pack("{s:s, s:i, s:i}", "type", "recover", "round", round, "down_from", down_from);
	char where[64], *b = NULL;
	size_t n = 0, cap = 0;
	bool reset;
	int rc;

	if (!body)
		return LDFI_ENOMEM;
	note_execution(st);
	snprintf(where, sizeof(where), "in recover in round %d", round);
	if ((rc = restore_durable(st, body))) {
		json_decref(body);
		return rc;
	}
	if ((rc = request_begin(st, &b, &n, &cap, &reset)))
		json_decref(body);
	else
		rc = emit(&b, &n, &cap, p->slot->addr, body); /* takes body */
	if (rc) {
		free(b);
		return rc;
	}
	rc = request(st, b, n, reset, "recover_ok", "round", round, 0, 0, where);
	if (!rc)
		save_durable(st, p);
	return rc;
}

const struct ldfi_stage_ops ldfi_process_ops = {
    .api_version = LDFI_STAGE_API_VERSION,
    .kind = "process",
    .init = proc_init,
    .finish = proc_finish,
    .on_message = proc_on_message,
    .on_round = proc_on_round,
    .on_recover = proc_on_recover,
};

/* --- under the live engine (runtime/live/engine.c, docs/live.md) --- */

/* A process of a stage replica (on `node`, or any when node < 0). */
static bool stage_slot(const struct slot *s, int node)
{
	return s->check < 0 && (node < 0 || s->node == node);
}

/* Start slot `s` for the live engine; on failure, why the run fails
 * (LDFI_ESUT: "stage 'p' on node b: could not be started again: ...") or
 * ldfi's error, in `err`. */
static int live_start(struct slot *s, const char *when, char *err, size_t errlen)
{
	char why[2048];
	int rc = slot_start(pool, s, why, sizeof(why));

	if (rc == LDFI_EINVAL) {
		snprintf(err, errlen, "%s: could not be started %s: %s", s->desc, when, why);
		return LDFI_ESUT;
	}
	if (rc)
		snprintf(err, errlen, "%s: %s", s->desc, ldfi_strerror(rc));
	return rc;
}

int ldfi_process_live_begin(const struct ldfi_conf *conf, char *err, size_t errlen)
{
	int rc;

	if (!ldfi_conf_has_processes(conf))
		return 0;
	if ((!pool || pool->conf != conf) && (rc = ldfi_process_start(conf, NULL, err, errlen)))
		return rc;
	pool->execution++;
	pool->sh->deadline_ms = 0;
	for (int i = 0; i < pool->n_slots; i++) {
		pool->sh->state[i] = SLOT_IDLE;
		if (stage_slot(&pool->slots[i], -1) && !pool->slots[i].pid &&
		    (rc = live_start(&pool->slots[i], "again", err, errlen)))
			return rc;
	}
	return 0;
}

size_t ldfi_process_node_fds(int node, int *fds, size_t max)
{
	size_t n = 0;

	for (int i = 0; pool && i < pool->n_slots; i++) {
		const struct slot *s = &pool->slots[i];

		if (!stage_slot(s, node) || !s->pid || n + 3 > max)
			continue;
		fds[n++] = s->in_fd;
		fds[n++] = s->out_fd;
		if (s->pidfd >= 0)
			fds[n++] = s->pidfd;
	}
	return n;
}

void ldfi_process_live_node(int node)
{
	if (!pool)
		return;
	pool->in_node = true;
	for (int i = 0; i < pool->n_slots; i++) {
		struct slot *s = &pool->slots[i];

		if (stage_slot(s, node)) {
			s->serial = s->fresh ? s->serial : 0; /* reset before first use */
			continue;
		}
		/* Another node's or a check's: its pipes are closed here. */
		s->pid = 0;
		s->pidfd = s->in_fd = s->out_fd = -1;
	}
}

void ldfi_process_live_down(int node)
{
	for (int i = 0; pool && i < pool->n_slots; i++)
		if (stage_slot(&pool->slots[i], node) && pool->slots[i].pid)
			slot_kill(&pool->slots[i]);
}

int ldfi_process_live_up(int node, char *err, size_t errlen)
{
	int64_t t0 = now_ms();
	int rc = 0;

	for (int i = 0; pool && i < pool->n_slots && !rc; i++) {
		struct slot *s = &pool->slots[i];

		if (!stage_slot(s, node))
			continue;
		if (s->pid)
			slot_kill(s);
		if (!(rc = live_start(s, "for the restart", err, errlen)))
			s->fresh = true;
	}
	/* Starting them does not count against the execution's run_timeout. */
	if (pool && pool->sh->deadline_ms)
		__atomic_add_fetch(&pool->sh->deadline_ms, now_ms() - t0, __ATOMIC_SEQ_CST);
	return rc;
}

void ldfi_process_live_end(void)
{
	for (int i = 0; pool && i < pool->n_slots; i++) {
		struct slot *s = &pool->slots[i];

		if (!stage_slot(s, -1))
			continue;
		if (pool->sh->state[i] != SLOT_IDLE && s->pid)
			slot_kill(s); /* mid-answer, or killed by its node */
		pool->sh->state[i] = SLOT_IDLE;
		s->fresh = false;
		s->serial = 0;
	}
}

/* --- the determinism check --- */

static const char *rec_name(const struct ldfi_trace *tr, int rec)
{
	return rec >= 0 && rec < tr->n_recs ? tr->recs[rec].name : "?";
}

static bool same_parents(const struct ldfi_trace *a, uint32_t ao, uint32_t an,
			 const struct ldfi_trace *b, uint32_t bo, uint32_t bn)
{
	return an == bn &&
	       (!an || memcmp(a->parents + ao, b->parents + bo, an * sizeof(uint32_t)) == 0);
}

/* What differs between messages x (of a) and y (of b), or NULL. */
static const char *msg_diff(const struct ldfi_trace *a, const struct ldfi_msg *x,
			    const struct ldfi_trace *b, const struct ldfi_msg *y)
{
	if (x->kind != y->kind || x->src_node != y->src_node || x->src_comp != y->src_comp ||
	    x->dst_node != y->dst_node || x->dst_comp != y->dst_comp ||
	    x->send_round != y->send_round || strcmp(rec_name(a, x->rec), rec_name(b, y->rec)))
		return "message";
	if (x->fate != y->fate)
		return "fate";
	if (!same_parents(a, x->parents_off, x->n_parents, b, y->parents_off, y->n_parents) ||
	    x->parents_any != y->parents_any || x->conditional != y->conditional)
		return "provenance";
	return NULL;
}

static void msg_text(const struct ldfi_conf *conf, const struct ldfi_trace *tr,
		     const struct ldfi_msg *m, char *out, size_t len)
{
	if (!m) {
		snprintf(out, len, "no such message");
		return;
	}
	snprintf(out, len, "%s'%s' from %s@%s to %s@%s in round %d (parents:",
		 m->kind == LDFI_MSG_ACK ? "ack of " : "", rec_name(tr, m->rec),
		 conf->comps[m->src_comp].name, conf->nodes[m->src_node].name,
		 conf->comps[m->dst_comp].name, conf->nodes[m->dst_node].name, m->send_round);
	for (uint32_t i = 0; i < m->n_parents && i < 8; i++) {
		size_t k = strlen(out);

		snprintf(out + k, len - k, " #%u", tr->parents[m->parents_off + i]);
	}
	if (m->n_parents > 8) {
		size_t k = strlen(out);

		snprintf(out + k, len - k, " ...");
	}
	strncat(out, m->n_parents ? ")" : " none)", len - strlen(out) - 1);
}

static const char *const RULES =
    "A stage must be a function of what it receives: no clock, no randomness, no state kept "
    "across executions (docs/process-stages.md, Rules).";

/* The first difference between two fault-free traces, in `err`; 0 if none. */
static int compare(const struct ldfi_conf *conf, const struct ldfi_trace *a,
		   const struct ldfi_trace *b, char *err, size_t errlen)
{
	size_t n = a->n_msgs > b->n_msgs ? a->n_msgs : b->n_msgs;
	char ta[600], tb[600], who[300];

	if ((a->failure == NULL) != (b->failure == NULL) ||
	    (a->failure && strcmp(a->failure, b->failure))) {
		snprintf(
		    err, errlen,
		    "the fault-free execution is not deterministic: run twice, it %s the first "
		    "time and %s the second. %s",
		    a->failure ? a->failure : "finished", b->failure ? b->failure : "finished",
		    RULES);
		return LDFI_EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		const struct ldfi_msg *x = i < a->n_msgs ? &a->msgs[i] : NULL;
		const struct ldfi_msg *y = i < b->n_msgs ? &b->msgs[i] : NULL;
		const struct ldfi_msg *s = x ? x : y;
		const char *what = x && y ? msg_diff(a, x, b, y) : "message";

		if (!what)
			continue;
		msg_text(conf, a, x, ta, sizeof(ta));
		msg_text(conf, b, y, tb, sizeof(tb));
		/* Identical until message i: the stage that sent it computed
		 * something else from the same inputs. */
		if (conf->comps[s->src_comp].type == LDFI_COMP_STAGE &&
		    conf->comps[s->src_comp].kind == LDFI_KIND_PROCESS)
			snprintf(who, sizeof(who), "stage '%s' on node %s is",
				 conf->comps[s->src_comp].name, conf->nodes[s->src_node].name);
		else
			snprintf(who, sizeof(who), "the fault-free execution is");
		snprintf(err, errlen,
			 "%s not deterministic: run twice, the fault-free execution first differs "
			 "at message %zu (%s): %s the first time, %s the second. %s",
			 who, i + 1, what, ta, tb, RULES);
		return LDFI_EINVAL;
	}
	if (a->n_outs != b->n_outs) {
		snprintf(err, errlen,
			 "the fault-free execution is not deterministic: run twice, it kept %zu "
			 "outputs the first time and %zu the second. %s",
			 a->n_outs, b->n_outs, RULES);
		return LDFI_EINVAL;
	}
	for (size_t i = 0; i < a->n_outs; i++) {
		const struct ldfi_output *x = &a->outs[i], *y = &b->outs[i];

		if (x->comp != y->comp || x->node != y->node || x->round != y->round ||
		    x->conditional != y->conditional ||
		    strcmp(rec_name(a, x->rec), rec_name(b, y->rec)) ||
		    !same_parents(a, x->parents_off, x->n_parents, b, y->parents_off,
				  y->n_parents)) {
			snprintf(
			    err, errlen,
			    "%s%s%s%s%s not deterministic: run twice, the fault-free execution "
			    "first differs at output %d of %s@%s: '%s' in round %d the first time, "
			    "'%s' in round %d the second (or its provenance differs). %s",
			    conf->comps[x->comp].kind == LDFI_KIND_PROCESS ? "stage '" : "",
			    conf->comps[x->comp].kind == LDFI_KIND_PROCESS
				? conf->comps[x->comp].name
				: "the fault-free execution",
			    conf->comps[x->comp].kind == LDFI_KIND_PROCESS ? "' on node " : "",
			    conf->comps[x->comp].kind == LDFI_KIND_PROCESS
				? conf->nodes[x->node].name
				: "",
			    conf->comps[x->comp].kind == LDFI_KIND_PROCESS ? " is" : " is",
			    x->pos + 1, conf->comps[x->comp].name, conf->nodes[x->node].name,
			    rec_name(a, x->rec), x->round, rec_name(b, y->rec), y->round, RULES);
			return LDFI_EINVAL;
		}
	}
	for (int i = 0; i < a->n_checks && i < b->n_checks; i++)
		if (a->checks[i].passed != b->checks[i].passed ||
		    a->checks[i].n_offs != b->checks[i].n_offs) {
			snprintf(
			    err, errlen,
			    "check '%s' is not deterministic: run twice on the same fault-free "
			    "execution, it %s with %d offences the first time and %s with %d the "
			    "second. A check must be a function of the runs it is given.",
			    conf->checks[i].name, a->checks[i].passed ? "passed" : "failed",
			    a->checks[i].n_offs, b->checks[i].passed ? "passed" : "failed",
			    b->checks[i].n_offs);
			return LDFI_EINVAL;
		}
	return 0;
}

int ldfi_process_selfcheck(const struct ldfi_conf *conf, char *err, size_t errlen)
{
	struct ldfi_faults none = {0};
	struct ldfi_trace *a = NULL, *b = NULL;
	int rc;

	if (!ldfi_conf_has_processes(conf))
		return 0;
	if ((rc = ldfi_runtime_exec(conf, &none, NULL, &a)) ||
	    (rc = ldfi_runtime_exec(conf, &none, NULL, &b)))
		snprintf(err, errlen, "the fault-free execution: %s", ldfi_strerror(rc));
	else
		rc = compare(conf, a, b, err, errlen);
	ldfi_trace_destroy(a);
	ldfi_trace_destroy(b);
	return rc;
}

/* --- process checks --- */

static char *check_failure; /* why the last process check failed the run */

char *ldfi_process_take_failure(void)
{
	char *f = check_failure;

	check_failure = NULL;
	return f ? f : strdup("a process check failed");
}

/* Fail the run: "check 'c': why"; the process is killed (it may be
 * mid-answer) and started again when next asked. */
static int check_fail(struct slot *s, const char *why)
{
	slot_kill(s);
	free(check_failure);
	if (asprintf(&check_failure, "%s: %s", s->desc, why) < 0) {
		check_failure = NULL;
		return LDFI_ENOMEM;
	}
	return LDFI_ESUT;
}

/* What a check sees of a run: its records and what every replica of every
 * relation (sinks, plugin and process stages) holds at eot, in order. */
static json_t *run_facts(const struct ldfi_trace *tr)
{
	const struct ldfi_conf *conf = tr->conf;
	json_t *recs = json_array(), *reps = json_object(), *run;
	char addr[600];

	if (!recs || !reps)
		goto err;
	for (int r = 0; r < tr->n_recs; r++)
		if (json_array_append_new(
			recs, json_pack("{s:s, s:o, s:b}", "name", tr->recs[r].name, "source",
					tr->recs[r].source >= 0
					    ? json_string(conf->comps[tr->recs[r].source].name)
					    : json_null(),
					"emitted", tr->recs[r].emitted)))
			goto err;
	for (int c = 0; c < conf->n_comps; c++) {
		const struct ldfi_comp *cp = &conf->comps[c];

		if (cp->type != LDFI_COMP_SINK &&
		    !(cp->type == LDFI_COMP_STAGE &&
		      (cp->kind == LDFI_KIND_PLUGIN || cp->kind == LDFI_KIND_PROCESS)))
			continue;
		for (int i = 0; i < cp->n_nodes; i++) {
			snprintf(addr, sizeof(addr), "%s@%s", cp->name,
				 conf->nodes[cp->nodes[i]].name);
			if (json_object_set_new(reps, addr,
						json_pack("{s:b, s:[]}", "alive",
							  ldfi_trace_alive(tr, cp->nodes[i]),
							  "held")))
				goto err;
		}
	}
	for (size_t i = 0; i < tr->n_outs; i++) {
		const struct ldfi_output *o = &tr->outs[i];
		json_t *held;

		snprintf(addr, sizeof(addr), "%s@%s", conf->comps[o->comp].name,
			 conf->nodes[o->node].name);
		held = json_object_get(json_object_get(reps, addr), "held");
		if (held && o->rec >= 0 && o->rec < tr->n_recs &&
		    json_array_append_new(held, json_string(tr->recs[o->rec].name)))
			goto err;
	}
	run = json_pack("{s:o, s:o}", "records", recs, "replicas", reps);
	return run;

err:
	json_decref(recs);
	json_decref(reps);
	return NULL;
}

static const char *const problems[] = {"missing", "duplicated", "out-of-order", "unexpected-count"};

/* One offence line: its record, replica, problem and counts, into res. */
static int offence(struct ldfi_trace *tr, json_t *body, struct ldfi_check_result *res)
{
	const struct ldfi_conf *conf = tr->conf;
	const char *name = json_string_value(json_object_get(body, "record"));
	const char *at = json_string_value(json_object_get(body, "at"));
	const char *prob = json_string_value(json_object_get(body, "problem"));
	json_t *count = json_object_get(body, "count"),
	       *expected = json_object_get(body, "expected");
	const char *sep = at ? strchr(at, '@') : NULL;
	int c, node, p = -1, rec;

	if (!valid_name(name) || !sep || !prob || (count && !json_is_integer(count)) ||
	    (expected && !json_is_integer(expected)))
		return LDFI_EINVAL;
	c = ldfi_conf_comp_index_n(conf, at, (size_t)(sep - at));
	node = ldfi_conf_node_index(conf, sep + 1);
	for (int i = 0; i < 4; i++)
		if (strcmp(prob, problems[i]) == 0)
			p = i;
	if (c < 0 || node < 0 || p < 0)
		return LDFI_EINVAL;
	{
		bool replica = false;

		for (int i = 0; i < conf->comps[c].n_nodes; i++)
			replica |= conf->comps[c].nodes[i] == node;
		if (!replica || conf->comps[c].type == LDFI_COMP_SOURCE)
			return LDFI_EINVAL;
	}
	if ((rec = ldfi_trace_record(tr, name)) < 0)
		return rec;
	return ldfi_check_offend(res, rec, c, node, (enum ldfi_problem)p,
				 count ? (int)json_integer_value(count) : 0,
				 expected ? (int)json_integer_value(expected) : 1);
}

int ldfi_process_check(struct ldfi_trace *tr, const struct ldfi_trace *fault_free, int check,
		       struct ldfi_check_result *res)
{
	static json_int_t asked;
	struct slot *s = NULL;
	char why[2048], *b = NULL;
	size_t n = 0, cap = 0;
	json_int_t e = ++asked;
	int64_t deadline;
	int n_offs = 0, rc;
	json_t *run, *ff;

	if (!pool || pool->conf != tr->conf) {
		char err[1024];

		if ((rc = ldfi_process_start(tr->conf, NULL, err, sizeof(err))))
			return rc == LDFI_ENOMEM ? rc : LDFI_ESTAGE;
	}
	for (int i = 0; i < pool->n_slots; i++)
		if (pool->slots[i].check == check)
			s = &pool->slots[i];
	if (!s)
		return LDFI_ESTAGE;
	if (!s->pid && (rc = slot_start(pool, s, why, sizeof(why)))) {
		char w[2100];

		snprintf(w, sizeof(w), "could not be started again: %s", why);
		return rc == LDFI_EINVAL ? check_fail(s, w) : rc;
	}
	run = run_facts(tr);
	ff = fault_free && fault_free != tr ? run_facts(fault_free) : json_null();
	if (!run || !ff) {
		json_decref(run);
		json_decref(ff);
		return LDFI_ENOMEM;
	}
	if ((rc = emit(&b, &n, &cap, s->addr,
		       json_pack("{s:s, s:I, s:o, s:o}", "type", "check", "execution", e, "run",
				 run, "fault_free", ff))))
		return rc;
	deadline = now_ms() + (int64_t)pool->conf->run_timeout * 1000;
	{
		enum io io = slot_write(s, b, n, deadline);

		free(b);
		if (io) {
			io_reason(s, io, "in check", why, sizeof(why));
			return check_fail(s, why);
		}
	}
	for (;;) {
		char *line, q[QUOTE_MAX * 4 + 40];
		size_t len;
		enum io io = slot_read_line(s, deadline, &line, &len);
		json_t *j, *body;
		const char *t;

		if (io) {
			io_reason(s, io, "in check", why, sizeof(why));
			return check_fail(s, why);
		}
		if (!(j = parse_line(s->addr, line, len, "in check", why, sizeof(why))))
			return check_fail(s, why);
		body = json_object_get(j, "body");
		t = type_of(j);
		quote(q, sizeof(q), line, len);
		if (strcmp(t, "offence") == 0) {
			rc = offence(tr, body, res);
			json_decref(j);
			if (rc == LDFI_EINVAL) {
				snprintf(
				    why, sizeof(why),
				    "wrote a bad offence in check: '%s' (record: a name; at: a "
				    "replica of a relation, \"rel@node\"; problem: missing, "
				    "duplicated, out-of-order or unexpected-count)",
				    q);
				return check_fail(s, why);
			}
			if (rc)
				return rc;
			n_offs++;
			continue;
		}
		if (strcmp(t, "check_ok") == 0) {
			json_t *ex = json_object_get(body, "execution"),
			       *p = json_object_get(body, "passed");
			json_t *o = json_object_get(body, "offences");

			if (!json_is_integer(ex) || json_integer_value(ex) != e)
				snprintf(why, sizeof(why),
					 "answered check_ok for another request: '%s'", q);
			else if (!json_is_boolean(p) || json_is_true(p) != (n_offs == 0) ||
				 !json_is_integer(o) || json_integer_value(o) != n_offs)
				snprintf(why, sizeof(why),
					 "answered check_ok whose 'passed' or 'offences' does not "
					 "match the %d offences it wrote: '%s'",
					 n_offs, q);
			else
				why[0] = 0;
			json_decref(j);
			return why[0] ? check_fail(s, why) : 0;
		}
		if (strcmp(t, "error") == 0) {
			const char *text = json_string_value(json_object_get(body, "text"));
			char tq[QUOTE_MAX * 4 + 40];

			quote(tq, sizeof(tq), text ? text : "", text ? strlen(text) : 0);
			snprintf(why, sizeof(why), "reported an error in check: '%s'", tq);
		} else {
			char tq[QUOTE_MAX * 4 + 40];

			quote(tq, sizeof(tq), t, strlen(t));
			snprintf(why, sizeof(why),
				 "wrote a line of unexpected type '%.60s' in check: '%s'", tq, q);
		}
		json_decref(j);
		return check_fail(s, why);
	}
}
