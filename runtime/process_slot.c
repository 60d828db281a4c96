/*
 * process_slot.c - one process of the pool (runtime/process_pool.h): its
 * command resolved (also ldfi_process_resolve, before any start), forked
 * and exec'd with its stdin and stdout on nonblocking pipes, lines written
 * and read under a deadline, its end noticed (reaped, or in a live node
 * process read from /proc), and it killed with its process group; and why
 * a conversation broke, as a failure's text, with the last line it wrote
 * to its log.
 *
 * Processes run in their own process groups with PR_SET_PDEATHSIG, from
 * the conf's folder; ldfi watches a pidfd beside stdout, so a process that
 * exits while a child of its own holds its stdout is still noticed.
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
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ldfi/conf.h"
#include "ldfi/ldfi.h"
#include "model/util.h"
#include "runtime/process.h"
#include "runtime/process_pool.h"
#include "runtime/runtime.h"

#define LINE_MAX_BYTES (1024 * 1024) /* a line from a process, at most */

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
	if (!ldfi_process_pool->in_node) {
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

void ldfi_slot_kill(struct slot *s)
{
	if (s->pid > 0) {
		kill(-s->pid, SIGKILL);
		kill(s->pid, SIGKILL);
		if (ldfi_process_pool->in_node)
			ldfi_process_pool->sh->state[s - ldfi_process_pool->slots] = SLOT_DEAD;
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

int ldfi_slot_spawn(struct pool *p, struct slot *s, char *why, size_t whylen)
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
		ldfi_slot_kill(s);
		return LDFI_EINVAL;
	}
	if (set_nonblock(s->in_fd) || set_nonblock(s->out_fd)) {
		snprintf(why, whylen, "fcntl: %s", strerror(errno));
		ldfi_slot_kill(s);
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

int ldfi_slot_reaped(struct slot *s)
{
	pid_t r;

	if (s->exited)
		return 1;
	if (ldfi_process_pool->in_node) {
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

enum io ldfi_slot_write(struct slot *s, const char *b, size_t n, int64_t deadline)
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
			int64_t left = deadline - ldfi_now_ms();

			if (left <= 0)
				return IO_TIMEOUT;
			poll(pf, s->pidfd >= 0 ? 2 : 1,
			     (int)(left > 10 && s->pidfd < 0 ? 10 : left));
			if (ldfi_slot_reaped(s))
				return IO_ENDED;
		}
	}
	return IO_OK;
}

enum io ldfi_slot_read_line(struct slot *s, int64_t deadline, char **line, size_t *len)
{
	for (;;) {
		char *nl = s->n_buf ? memchr(s->buf, '\n', s->n_buf) : NULL;
		struct pollfd pf[2] = {{s->out_fd, POLLIN, 0}, {s->pidfd, POLLIN, 0}};
		int64_t left;
		ssize_t r;

		if (nl) {
			size_t n = (size_t)(nl - s->buf);

			/* Moved out of the buffer: the line stays the caller's
			 * while the buffer takes the next reads. */
			if (ldfi_grow(&s->held, &s->cap_held, n + 1, 1, 256))
				return IO_ERROR;
			memcpy(s->held, s->buf, n);
			s->held[n] = 0;
			memmove(s->buf, nl + 1, s->n_buf - n - 1);
			s->n_buf -= n + 1;
			*line = s->held;
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
		if (ldfi_slot_reaped(s)) {
			/* Ended, with nothing more to read now: what a child of
			 * its own may still write is not its answer. */
			r = read(s->out_fd, s->buf + s->n_buf, s->cap_buf - s->n_buf);
			if (r > 0) {
				s->n_buf += (size_t)r;
				continue;
			}
			return IO_ENDED;
		}
		left = deadline - ldfi_now_ms();
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
	if (!ldfi_process_pool->log_dir ||
	    asprintf(&path, "%s/%s.log", ldfi_process_pool->log_dir, s->addr) < 0)
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
	ldfi_process_quote(out, len, start, (size_t)(end - start));
}

void ldfi_slot_io_reason(struct slot *s, enum io e, const char *where, char *out, size_t len)
{
	char what[160], part[200] = "", last[LDFI_PROCESS_QUOTE_LEN];

	if (s->n_buf && e != IO_LONG) {
		char q[LDFI_PROCESS_QUOTE_LEN];

		ldfi_process_quote(q, sizeof(q), s->buf, s->n_buf);
		snprintf(part, sizeof(part), "; partial line '%.160s'", q);
	}
	switch (e) {
	case IO_ENDED:
		describe_end(s, what, sizeof(what));
		break;
	case IO_TIMEOUT:
		snprintf(what, sizeof(what), "timed out after %d s (run_timeout)",
			 ldfi_process_pool->conf->run_timeout);
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

void ldfi_slot_mark_log(const struct slot *s)
{
	char *path = NULL;
	FILE *f;

	if (!ldfi_process_pool->log_dir)
		return;
	if (asprintf(&path, "%s/%s.log", ldfi_process_pool->log_dir, s->addr) >= 0 &&
	    (f = fopen(path, "a"))) {
		fprintf(f, "== execution %llu ==\n",
			(unsigned long long)ldfi_process_pool->execution);
		fclose(f);
	}
	free(path);
}
