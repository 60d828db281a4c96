/*
 * test_live_process.c - process stages under the live engine, from inside
 * ldfi: executions of a conf whose stage process behaves, exits, hangs or
 * is restarted with its node, each checked afterwards in /proc: no child of
 * this process is a zombie, the only children are the pool's processes
 * (one per replica, or none while a failure's is to start again), and no
 * file descriptor is left open beyond the pool's pipes (the count never
 * grows). A failure is a failed run with the simulation's reason.
 *
 *   test_live_process TESTS_PROCESS_DIR   (misbehave.py is there)
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ldfi/conf.h"
#include "ldfi/faults.h"
#include "ldfi/ldfi.h"
#include "runtime/live/live.h"
#include "runtime/runtime.h"
#include "tests/live/procfs.h"
#include "tests/test.h"

static char dir[] = "/tmp/ldfi-live-proc-XXXXXX";
static char python[512] = "python3";

/* The interpreter `python3` runs, by its path: a version manager's shim
 * in between costs about a second a start (tests/live/lib.sh). */
static void find_python(void)
{
	FILE *p = popen("python3 -c 'import sys; print(sys.executable)' 2>/dev/null", "r");
	char buf[sizeof(python)];

	if (p && fgets(buf, sizeof(buf), p) && buf[0] == '/') {
		buf[strcspn(buf, "\n")] = 0;
		snprintf(python, sizeof(python), "%s", buf);
	}
	if (p)
		pclose(p);
}

/* The conf: a source on a, process stage p on b running
 * `PYTHON MISBEHAVE MODE`, a sink on c; restarts allowed. */
static struct ldfi_conf *load(const char *pdir, const char *mode)
{
	char path[512], text[2048], err[1024];
	struct ldfi_conf *conf = NULL;
	FILE *f;

	snprintf(path, sizeof(path), "%s/p.conf", dir);
	snprintf(text, sizeof(text),
		 "[explore]\neot = 5\neff = 2\ncrashes = 1\nrestarts = 1\nrun_timeout = 1\n\n"
		 "[source s]\nnode = a\nrecords = 2\nto = p\ndelivery = ack\nretry_every = 2\n\n"
		 "[stage p]\nkind = process\ncommand = %s %s/misbehave.py %s\n"
		 "nodes = b\nto = out\n\n[sink out]\nnodes = c\n\n"
		 "[check got]\nkind = delivered\nsink = out\n",
		 python, pdir, mode);
	if (!(f = fopen(path, "w")))
		return NULL;
	fputs(text, f);
	fclose(f);
	if (ldfi_conf_load(path, &conf, err, sizeof(err)) ||
	    ldfi_process_start(conf, NULL, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		ldfi_conf_destroy(conf);
		return NULL;
	}
	return conf;
}

/* One live execution under `faults`: its failure ("" when it passed, NULL
 * on an error), then the checks in /proc against the pool's `slots`
 * processes and `fds` descriptors of the first execution. */
static char *exec_once(const struct ldfi_conf *conf, const char *faults, int *fds)
{
	struct ldfi_faults fs;
	struct ldfi_trace *tr = NULL;
	char err[1024], *why = NULL;
	int zombies, kids, rc;

	ldfi_faults_init(&fs);
	CHECK(ldfi_faults_parse(conf, faults, &fs, err, sizeof(err)) == 0);
	rc = ldfi_live_exec(conf, &fs, NULL, &tr, err, sizeof(err));
	CHECK(rc == 0);
	if (rc)
		fprintf(stderr, "%s: %s\n", faults, err);
	else
		why = strdup(tr->failure ? tr->failure : "");
	ldfi_trace_destroy(tr);
	ldfi_faults_finish(&fs);
	kids = children(&zombies);
	CHECK(zombies == 0);
	CHECK(kids <= 1); /* stage p's process, or none while it is to start again */
	if (*fds < 0)
		*fds = open_fds() + (kids == 0 ? 3 : 0);
	CHECK(open_fds() + (kids == 0 ? 3 : 0) == *fds); /* its stdin, stdout, pidfd */
	if (zombies || kids > 1)
		fprintf(stderr, "%s: %d children, %d zombies\n", faults, kids, zombies);
	return why;
}

static void expect(const struct ldfi_conf *conf, const char *faults, const char *failure, int *fds)
{
	char *why = conf ? exec_once(conf, faults, fds) : NULL;

	CHECK_STR(why, failure);
	free(why);
}

int main(int argc, char **argv)
{
	struct ldfi_conf *conf;
	char path[600], *pdir = argc == 2 ? realpath(argv[1], NULL) : NULL;
	int fds = -1;

	if (!pdir || !mkdtemp(dir))
		return 2;
	find_python();
	argv[1] = pdir;
	/* A conforming stage: fault-free, a crash of its node, a restart of
	 * its node (a fresh process), again fault-free. */
	conf = load(argv[1], "ok");
	CHECK(conf != NULL);
	expect(conf, "none", "", &fds);
	expect(conf, "crash(b,2)", "", &fds);
	expect(conf, "restart(b,2)", "", &fds);
	expect(conf, "restart(b,3) omit(a,b,1)", "", &fds);
	expect(conf, "none", "", &fds);
	ldfi_process_stop();
	ldfi_conf_destroy(conf);
	/* A process that exits, twice (started again in between), and one
	 * that hangs past run_timeout, also in a restarted node's recovery. */
	conf = load(argv[1], "exit");
	expect(conf, "none", "stage 'p' on node b: exited with status 3 in round 2", &fds);
	expect(conf, "none", "stage 'p' on node b: exited with status 3 in round 2", &fds);
	ldfi_process_stop();
	ldfi_conf_destroy(conf);
	conf = load(argv[1], "hang");
	expect(conf, "none", "stage 'p' on node b: timed out after 1 s (run_timeout) in round 2",
	       &fds);
	ldfi_process_stop();
	ldfi_conf_destroy(conf);
	conf = load(argv[1], "recover-hang");
	expect(conf, "restart(b,3)",
	       "stage 'p' on node b: timed out after 1 s (run_timeout) in recover in round 4",
	       &fds);
	expect(conf, "none", "", &fds);
	ldfi_process_stop();
	ldfi_conf_destroy(conf);
	snprintf(path, sizeof(path), "%s/p.conf", dir);
	unlink(path);
	rmdir(dir);
	free(pdir);
	return test_done();
}
