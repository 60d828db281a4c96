/*
 * faultsim.c - fault simulation of the engine itself, SQLite-style
 * (docs/testing.md "Fault simulation"): `ldfi explore` of a bundled
 * scenario is run with (a) its Nth allocation failing and, separately,
 * (b) its Nth SQLite write failing, for every N (or a documented stride).
 * Each run must end with the normal verdict or with exit 4 and a message,
 * never a signal, a hang or a sanitizer report, and leave a database that
 * passes `PRAGMA integrity_check` with every recorded run complete.
 *
 * Allocations: linked with -Wl,--wrap for malloc, calloc, realloc, strdup,
 * strndup, asprintf, vasprintf and open_memstream, which reaches only ldfi's
 * own objects (SQLite, PicoSAT, jansson and libevent are shared libraries
 * and keep the real allocator; PicoSAT aborts on its own OOM by design).
 * Writes: a VFS registered as the default wraps the real one and fails the
 * Nth xWrite, xTruncate or xSync (one count for the three) once, or with
 * --fail-disk N that one and every later one (a full disk).
 *
 * faultsim [--jobs J] CONF          the driver: count, then one child per N
 * faultsim --fail-alloc N CONF OUT  one explore with the Nth allocation failing
 * faultsim --fail-write N CONF OUT  one explore with the Nth write failing
 * faultsim --fail-disk N CONF OUT   one explore with every write from the Nth failing
 */
#include <errno.h>
#include <execinfo.h>
#include <ftw.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <fcntl.h>
#include <sqlite3.h>

#include "src/cli/cli.h"

#if defined(__SANITIZE_ADDRESS__)
#define FS_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FS_SANITIZED 1
#endif
#endif
#ifndef FS_SANITIZED
#define FS_SANITIZED 0
#endif

/* Every N up to FS_ALL_BELOW is tried; above it, at most FS_CAP more.
 * FAULTSIM_ALL=1 in the environment tries every N. */
#define FS_ALL_BELOW (FS_SANITIZED ? 30 : 120)
#define FS_CAP (FS_SANITIZED ? 15 : 120)
#define FS_TIMEOUT_S 20

/* Regressions (docs/testing.md): the N of each bug found, tried always
 * (with simple-deliv; every N below FS_ALL_BELOW is tried anyway): 292, 299
 * and 306 failed the report paths with exit 4 and no message; 161 of
 * retry-deliv freed the trace's parents twice (runtime/db/load.c). */
static const long regress_alloc[] = {292, 299, 306, 161};
static const long regress_write[] = {0};

enum mode { M_NONE, M_ALLOC, M_WRITE, M_DISK };

/* ---- the allocation countdown ---- */

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
FILE *__real_open_memstream(char **buf, size_t *size);
int __real_vasprintf(char **strp, const char *fmt, va_list ap);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);
int __wrap_asprintf(char **strp, const char *fmt, ...);
int __wrap_vasprintf(char **strp, const char *fmt, va_list ap);
FILE *__wrap_open_memstream(char **buf, size_t *size);

static bool armed;	   /* counting is on (in a child only) */
static long alloc_fail_at; /* the allocation to fail, 0: none */
static long alloc_count;   /* allocations so far */
static long write_fail_at; /* the write to fail, 0: none */
static long write_count;   /* writes so far */
static bool write_sticky;  /* every write from write_fail_at on fails */
static bool fired;	   /* the failure happened */
/* Where the driver reads it: shared memory, so that a failure injected in a
 * process ldfi forks (a plugin conf's isolated run) counts too. */
static int *fired_shared;

static void fire(void)
{
	fired = true;
	if (fired_shared)
		*fired_shared = 1;
}

static bool alloc_fails(void)
{
	if (!armed)
		return false;
	if (++alloc_count == alloc_fail_at) {
		fire();
		if (getenv("FAULTSIM_BT")) {
			void *pc[32];

			backtrace_symbols_fd(pc, backtrace(pc, 32), 2);
		}
		return true;
	}
	return false;
}

void *__wrap_malloc(size_t n)
{
	return alloc_fails() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
	return alloc_fails() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
	return alloc_fails() ? NULL : __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
	return alloc_fails() ? NULL : __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
	return alloc_fails() ? NULL : __real_strndup(s, n);
}

int __wrap_vasprintf(char **strp, const char *fmt, va_list ap)
{
	/* glibc leaves *strp unset on failure. */
	return alloc_fails() ? -1 : __real_vasprintf(strp, fmt, ap);
}

int __wrap_asprintf(char **strp, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = __wrap_vasprintf(strp, fmt, ap);
	va_end(ap);
	return n;
}

FILE *__wrap_open_memstream(char **buf, size_t *size)
{
	if (alloc_fails()) {
		errno = ENOMEM;
		return NULL;
	}
	return __real_open_memstream(buf, size);
}

/* ---- the write countdown: a VFS over the default one ---- */

struct shim_file {
	sqlite3_file base;
	sqlite3_file *real; /* follows this struct */
};

static sqlite3_vfs *real_vfs;
static sqlite3_vfs shim_vfs;
static sqlite3_io_methods shim_io;

static bool write_fails(void)
{
	if (!armed)
		return false;
	if (++write_count == write_fail_at ||
	    (write_sticky && write_fail_at && write_count > write_fail_at)) {
		fire();
		return true;
	}
	return false;
}

#define REAL(f) (((struct shim_file *)(f))->real)

static int shim_close(sqlite3_file *f)
{
	return REAL(f)->pMethods->xClose(REAL(f));
}

static int shim_read(sqlite3_file *f, void *buf, int n, sqlite3_int64 off)
{
	return REAL(f)->pMethods->xRead(REAL(f), buf, n, off);
}

static int shim_write(sqlite3_file *f, const void *buf, int n, sqlite3_int64 off)
{
	if (write_fails())
		return SQLITE_IOERR_WRITE;
	return REAL(f)->pMethods->xWrite(REAL(f), buf, n, off);
}

static int shim_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	if (write_fails())
		return SQLITE_IOERR_TRUNCATE;
	return REAL(f)->pMethods->xTruncate(REAL(f), size);
}

static int shim_sync(sqlite3_file *f, int flags)
{
	if (write_fails())
		return SQLITE_IOERR_FSYNC;
	return REAL(f)->pMethods->xSync(REAL(f), flags);
}

static int shim_size(sqlite3_file *f, sqlite3_int64 *size)
{
	return REAL(f)->pMethods->xFileSize(REAL(f), size);
}

static int shim_lock(sqlite3_file *f, int lock)
{
	return REAL(f)->pMethods->xLock(REAL(f), lock);
}

static int shim_unlock(sqlite3_file *f, int lock)
{
	return REAL(f)->pMethods->xUnlock(REAL(f), lock);
}

static int shim_reserved(sqlite3_file *f, int *out)
{
	return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}

static int shim_control(sqlite3_file *f, int op, void *arg)
{
	return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}

static int shim_sector(sqlite3_file *f)
{
	return REAL(f)->pMethods->xSectorSize(REAL(f));
}

static int shim_device(sqlite3_file *f)
{
	return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}

static int shim_shm_map(sqlite3_file *f, int pg, int pgsz, int extend, void volatile **pp)
{
	return REAL(f)->pMethods->xShmMap(REAL(f), pg, pgsz, extend, pp);
}

static int shim_shm_lock(sqlite3_file *f, int off, int n, int flags)
{
	return REAL(f)->pMethods->xShmLock(REAL(f), off, n, flags);
}

static void shim_shm_barrier(sqlite3_file *f)
{
	REAL(f)->pMethods->xShmBarrier(REAL(f));
}

static int shim_shm_unmap(sqlite3_file *f, int del)
{
	return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}

static int shim_fetch(sqlite3_file *f, sqlite3_int64 off, int n, void **pp)
{
	return REAL(f)->pMethods->xFetch(REAL(f), off, n, pp);
}

static int shim_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
	return REAL(f)->pMethods->xUnfetch(REAL(f), off, p);
}

static int shim_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out)
{
	struct shim_file *sf = (struct shim_file *)f;
	int rc;

	(void)vfs;
	sf->real = (sqlite3_file *)(sf + 1);
	rc = real_vfs->xOpen(real_vfs, name, sf->real, flags, out);
	sf->base.pMethods = sf->real->pMethods ? &shim_io : NULL;
	return rc;
}

static int shim_register(void)
{
	real_vfs = sqlite3_vfs_find(NULL);
	if (!real_vfs || real_vfs->iVersion < 2)
		return -1;
	shim_vfs = *real_vfs;
	shim_vfs.zName = "faultsim";
	shim_vfs.szOsFile = (int)sizeof(struct shim_file) + real_vfs->szOsFile;
	shim_vfs.xOpen = shim_open;
	shim_vfs.pNext = NULL;
	shim_io = (sqlite3_io_methods){
	    3,		 shim_close,   shim_read,     shim_write,	shim_truncate,	shim_sync,
	    shim_size,	 shim_lock,    shim_unlock,   shim_reserved,	shim_control,	shim_sector,
	    shim_device, shim_shm_map, shim_shm_lock, shim_shm_barrier, shim_shm_unmap, shim_fetch,
	    shim_unfetch};
	return sqlite3_vfs_register(&shim_vfs, 1) == SQLITE_OK ? 0 : -1;
}

/* ---- one explore ---- */

/* Shared with the driver: the counts of the child's run. */
struct counts {
	long allocs, writes;
	int fired;
};

/* Run `ldfi explore CONF` into OUT with the failure of `mode` at `n` (0:
 * none); returns its exit status and fills `c` if not NULL. */
static int explore(enum mode mode, long n, const char *conf, const char *out, struct counts *c)
{
	char html[4096], junit[4096];
	char *argv[] = {"ldfi",	  "explore", (char *)conf, "--out", (char *)out, "--quiet",
			"--html", html,	     "--junit",	   junit,   NULL};
	int status;

	snprintf(html, sizeof(html), "%s/html", out);
	snprintf(junit, sizeof(junit), "%s/junit.xml", out);
	if (shim_register()) {
		fprintf(stderr, "faultsim: cannot register the VFS shim\n");
		return 99;
	}
	alloc_fail_at = mode == M_ALLOC ? n : 0;
	write_fail_at = mode == M_WRITE || mode == M_DISK ? n : 0;
	write_sticky = mode == M_DISK;
	fired_shared = c ? &c->fired : NULL;
	armed = true;
	status = ldfi_cli_main(10, argv);
	armed = false;
	if (c) {
		c->allocs = alloc_count;
		c->writes = write_count;
		c->fired |= fired;
	}
	return status;
}

/* ---- checks of the outcome ---- */

/* The database at OUT/provenance.db, if any: opens, integrity ok, every run
 * complete. Returns NULL or what is wrong (static). */
static const char *check_db(const char *out)
{
	static char why[512];
	char path[4096];
	struct stat st;
	sqlite3 *db = NULL;
	sqlite3_stmt *st1 = NULL;
	const char *ret = NULL;

	snprintf(path, sizeof(path), "%s/provenance.db", out);
	if (stat(path, &st) != 0)
		return NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, "unix") != SQLITE_OK) {
		snprintf(why, sizeof(why), "database does not open: %s", sqlite3_errmsg(db));
		ret = why;
		goto out;
	}
	if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st1, NULL) != SQLITE_OK ||
	    sqlite3_step(st1) != SQLITE_ROW ||
	    strcmp((const char *)sqlite3_column_text(st1, 0), "ok") != 0) {
		snprintf(why, sizeof(why), "integrity_check: %s",
			 st1 && sqlite3_column_text(st1, 0)
			     ? (const char *)sqlite3_column_text(st1, 0)
			     : sqlite3_errmsg(db));
		ret = why;
		goto out;
	}
	sqlite3_finalize(st1);
	st1 = NULL;
	/* An empty file (the failure hit before the schema) has no runs table. */
	if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE name = 'runs'", -1, &st1,
			       NULL) != SQLITE_OK) {
		snprintf(why, sizeof(why), "sqlite_master: %s", sqlite3_errmsg(db));
		ret = why;
		goto out;
	}
	if (sqlite3_step(st1) != SQLITE_ROW)
		goto out;
	sqlite3_finalize(st1);
	st1 = NULL;
	if (sqlite3_prepare_v2(db,
			       "SELECT count(*) FROM runs r WHERE r.n_messages != "
			       "(SELECT count(*) FROM messages m WHERE m.run = r.id)",
			       -1, &st1, NULL) != SQLITE_OK ||
	    sqlite3_step(st1) != SQLITE_ROW) {
		snprintf(why, sizeof(why), "runs: %s", sqlite3_errmsg(db));
		ret = why;
		goto out;
	}
	if (sqlite3_column_int(st1, 0) != 0) {
		snprintf(why, sizeof(why), "%d incomplete runs", sqlite3_column_int(st1, 0));
		ret = why;
	}
out:
	sqlite3_finalize(st1);
	sqlite3_close(db);
	return ret;
}

/* Whether the file contains `s`. */
static bool file_has(const char *path, const char *s)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, s) != NULL;
	fclose(f);
	return found;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void rm_tree(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- the driver ---- */

struct child {
	pid_t pid;
	enum mode mode;
	long n;
	char dir[4096];
	struct timespec start;
};

static const char *base;
static const char *conf_path;
static struct counts *shared; /* one slot per child slot, MAP_SHARED */
static int verdict;	      /* the exit status without a failure */
static int failures;

static const char *mode_name(enum mode m)
{
	return m == M_ALLOC ? "alloc" : m == M_WRITE ? "write" : m == M_DISK ? "disk" : "none";
}

static pid_t spawn(struct child *c, int slot, enum mode mode, long n)
{
	char out[4200], path[4200];
	pid_t pid;

	c->mode = mode;
	c->n = n;
	snprintf(c->dir, sizeof(c->dir), "%s/%s-%ld", base, mode_name(mode), n);
	if (mkdir(c->dir, 0700) != 0) {
		perror(c->dir);
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &c->start);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		int fd;

		snprintf(path, sizeof(path), "%s/stdout", c->dir);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, 1);
		close(fd);
		snprintf(path, sizeof(path), "%s/stderr", c->dir);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, 2);
		close(fd);
		snprintf(out, sizeof(out), "%s/out", c->dir);
		exit(explore(mode, n, conf_path, out, &shared[slot]));
	}
	c->pid = pid;
	return pid;
}

/* Judge a finished (or timed out: status -1) child. */
static void judge(struct child *c, int status, struct counts *k)
{
	char path[4200], so[4200], out[4200];
	const char *why = NULL;
	static char buf[256];

	snprintf(path, sizeof(path), "%s/stderr", c->dir);
	snprintf(so, sizeof(so), "%s/stdout", c->dir);
	snprintf(out, sizeof(out), "%s/out", c->dir);
	if (status == -1) {
		why = "timed out";
	} else if (WIFSIGNALED(status)) {
		snprintf(buf, sizeof(buf), "killed by signal %d", WTERMSIG(status));
		why = buf;
	} else if (file_has(path, "Sanitizer") || file_has(path, "runtime error:")) {
		why = "sanitizer report";
	} else if (WEXITSTATUS(status) != verdict && WEXITSTATUS(status) != 4) {
		snprintf(buf, sizeof(buf), "exit %d (expected %d or 4)", WEXITSTATUS(status),
			 verdict);
		why = buf;
	} else if (WEXITSTATUS(status) == verdict && !file_has(so, " ")) {
		why = "the verdict's exit without the verdict line";
	} else if (WEXITSTATUS(status) == 4 && !file_has(path, ":")) {
		why = "exit 4 without a message";
	} else if (WEXITSTATUS(status) == 4 && !k->fired) {
		why = "exit 4 but no failure was injected";
	} else {
		why = check_db(out);
	}
	if (why) {
		failures++;
		printf("FAIL: --fail-%s %ld: %s (kept in %s)\n", mode_name(c->mode), c->n, why,
		       c->dir);
		return;
	}
	rm_tree(c->dir);
}

static double elapsed(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Run every N of `ns` in mode `mode` with up to `jobs` children at a time. */
static void run_all(enum mode mode, const long *ns, long count, int jobs)
{
	struct child kids[16];
	long next = 0, live = 0;

	for (int i = 0; i < jobs; i++)
		kids[i].pid = 0;
	while (next < count || live > 0) {
		for (int i = 0; i < jobs && next < count; i++) {
			if (kids[i].pid)
				continue;
			memset(&shared[i], 0, sizeof(shared[i]));
			if (spawn(&kids[i], i, mode, ns[next++]) < 0) {
				failures++;
				kids[i].pid = 0;
				continue;
			}
			live++;
		}
		for (int i = 0; i < jobs; i++) {
			int status;
			pid_t r;

			if (!kids[i].pid)
				continue;
			r = waitpid(kids[i].pid, &status, WNOHANG);
			if (r == 0 && elapsed(&kids[i].start) > FS_TIMEOUT_S) {
				kill(kids[i].pid, SIGKILL);
				waitpid(kids[i].pid, &status, 0);
				status = -1;
			} else if (r == 0) {
				continue;
			}
			judge(&kids[i], status, &shared[i]);
			kids[i].pid = 0;
			live--;
		}
		usleep(500);
	}
}

/* The Ns to try out of `total`: all up to FS_ALL_BELOW, then a stride that
 * keeps the count under FS_CAP, then the regressions; `*stride` receives it. */
static long *plan(long total, const long *regress, size_t nregress, long *count, long *stride)
{
	long *ns = malloc(sizeof(*ns) * (size_t)(total + 2 + (long)nregress));
	long k = 0, s = 1;

	if (!ns)
		return NULL;
	if (total > FS_ALL_BELOW && !getenv("FAULTSIM_ALL"))
		s = (total - FS_ALL_BELOW + FS_CAP - 1) / FS_CAP;
	if (s < 1)
		s = 1;
	for (long n = 1; n <= total; n += n < FS_ALL_BELOW ? 1 : s)
		ns[k++] = n;
	if (ns[k - 1] != total)
		ns[k++] = total;
	for (size_t i = 0; i < nregress; i++)
		if (regress[i] > 0)
			ns[k++] = regress[i];
	*count = k;
	*stride = s;
	return ns;
}

static int driver(const char *conf, int jobs)
{
	char tmpl[] = "/tmp/faultsim-XXXXXX";
	struct child c;
	struct timespec t0;
	struct counts k0;
	long *ns, count, stride;
	int status;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	base = mkdtemp(tmpl);
	if (!base) {
		perror("mkdtemp");
		return 1;
	}
	conf_path = conf;
	shared = mmap(NULL, sizeof(*shared) * 16, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	/* The fault-free run: the verdict and the counts. */
	memset(shared, 0, sizeof(*shared));
	if (spawn(&c, 0, M_NONE, 0) < 0 || waitpid(c.pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) == 4 || WEXITSTATUS(status) == 2) {
		printf("FAIL: the fault-free explore failed (see %s)\n", c.dir);
		return 1;
	}
	verdict = WEXITSTATUS(status);
	k0 = shared[0];
	judge(&c, status, &k0);
	printf("faultsim: %s: exit %d, %ld allocations, %ld writes%s\n", conf, verdict, k0.allocs,
	       k0.writes, FS_SANITIZED ? " (sanitized build)" : "");

	ns = plan(k0.allocs, regress_alloc, sizeof(regress_alloc) / sizeof(regress_alloc[0]),
		  &count, &stride);
	if (!ns)
		return 1;
	printf("faultsim: alloc: %ld runs (every N to %d, then stride %ld)\n", count, FS_ALL_BELOW,
	       stride);
	fflush(stdout);
	run_all(M_ALLOC, ns, count, jobs);
	free(ns);

	ns = plan(k0.writes, regress_write, sizeof(regress_write) / sizeof(regress_write[0]),
		  &count, &stride);
	if (!ns)
		return 1;
	printf("faultsim: write: %ld runs (every N to %d, then stride %ld)\n", count, FS_ALL_BELOW,
	       stride);
	fflush(stdout);
	run_all(M_WRITE, ns, count, jobs);
	/* The same Ns with every later write failing too (a full disk). */
	printf("faultsim: disk: %ld runs (every write from N on fails)\n", count);
	fflush(stdout);
	run_all(M_DISK, ns, count, jobs);
	free(ns);

	printf("faultsim: %d failures, %.1f s\n", failures, elapsed(&t0));
	if (!failures)
		rm_tree(base);
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	int jobs = 2;
	long cpus;

	if (argc == 5 &&
	    (strcmp(argv[1], "--fail-alloc") == 0 || strcmp(argv[1], "--fail-write") == 0 ||
	     strcmp(argv[1], "--fail-disk") == 0)) {
		enum mode m = argv[1][7] == 'a' ? M_ALLOC : argv[1][7] == 'w' ? M_WRITE : M_DISK;
		struct counts k;
		const char *why;
		int status;

		status = explore(m, atol(argv[2]), argv[3], argv[4], &k);
		why = check_db(argv[4]);
		fprintf(
		    stderr, "faultsim: exit %d, %ld allocations, %ld writes, %s; database: %s\n",
		    status, k.allocs, k.writes, k.fired ? "fired" : "not fired", why ? why : "ok");
		return status;
	}
	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (cpus > 0)
		jobs = cpus > 8 ? 8 : (int)cpus;
	if (argc == 4 && strcmp(argv[1], "--jobs") == 0) {
		jobs = atoi(argv[2]);
		if (jobs < 1 || jobs > 16)
			jobs = 1;
		argv += 2;
		argc -= 2;
	}
	if (argc != 2) {
		fprintf(stderr,
			"usage: faultsim [--jobs J] CONF\n"
			"       faultsim --fail-alloc|--fail-write|--fail-disk N CONF OUT\n");
		return 2;
	}
	return driver(argv[1], jobs);
}
