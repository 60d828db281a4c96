/*
 * test_isolate.c - ldfi_isolated_exec (runtime/isolate.c) against
 * ldfi_runtime_exec: the trace passed back from the child equals the
 * in-process one field by field (records named at run time, conditional
 * messages and outputs, plugin check offenses) under several fault sets; a
 * stage that raises SIGSEGV, aborts in init or exits gives a failed run
 * with the reason; a callback error is returned as in-process; a failed
 * run is recorded and read back with its failure and no checks. The
 * plugins are in this file (conf->comps[i].plugin set directly).
 *
 * The same through the fork server (ldfi_isolate_start): the same traces,
 * with the fault-free trace copied to the server; the same failures,
 * time-outs and stop requests; a server killed between runs (that run
 * forks from here, the next starts a new server; after three deaths every
 * run forks from here); two threads at once; no child process and no fd
 * left after ldfi_isolate_stop.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/db/db.h"
#include "ldfi/stage.h"
#include "lineage/lineage.h"
#include "runtime/isolate.h"
#include "tests/runtime/rt.h"

static const char conf_text[] = "[explore]\n"
				"eot = 5\n"
				"eff = 3\n"
				"crashes = 2\n"
				"run_timeout = 5\n"
				"[source src]\n"
				"node = a\n"
				"records = 2\n"
				"to = p\n"
				"delivery = ack\n"
				"[stage p]\n"
				"kind = plugin\n"
				"nodes = b, d\n"
				"library = none.so\n"
				"symbol = none\n"
				"to = out\n"
				"[sink out]\n"
				"nodes = c\n"
				"[check k]\n"
				"kind = plugin\n"
				"library = none.so\n"
				"symbol = none\n"
				"sink = p\n"
				"[check delivered]\n"
				"kind = delivered\n"
				"sink = out\n"
				"[check mff]\n"
				"kind = matches-fault-free\n"
				"sink = out\n";

/* What the stage does wrong (set before a run; the child inherits it). */
static enum { OK, SEGV_D_ROUND3, ABORT_INIT, EXIT_MESSAGE, ERROR_ROUND2, HANG_ROUND2 } mode;

static int p_init(struct ldfi_stage *st)
{
	if (mode == ABORT_INIT && ldfi_stage_round(st) == 0)
		abort();
	return 0;
}

static int p_message(struct ldfi_stage *st, const struct ldfi_msg *m)
{
	const struct ldfi_conf *conf = ldfi_stage_conf(st);
	char key[300];
	int rc, rec;

	if (mode == EXIT_MESSAGE)
		exit(5);
	snprintf(key, sizeof(key), "seen:%s", ldfi_stage_record_name(st, m->rec));
	if ((rc = ldfi_stage_get(st, key, NULL)) != 0)
		return rc < 0 ? rc : 0;
	snprintf(key, sizeof(key), "got:%s@%s", ldfi_stage_record_name(st, m->rec),
		 conf->nodes[ldfi_stage_node(st)].name);
	if ((rec = ldfi_stage_record(st, key)) < 0)
		return rec;
	if ((rc = ldfi_stage_put(st, key + 4, 1)) || (rc = ldfi_stage_output(st, rec)))
		return rc;
	return ldfi_stage_send(st, LDFI_HOP_DOWNSTREAM, m->rec);
}

static int p_round(struct ldfi_stage *st, int round)
{
	const struct ldfi_conf *conf = ldfi_stage_conf(st);

	if (mode == SEGV_D_ROUND3 && round == 3 &&
	    strcmp(conf->nodes[ldfi_stage_node(st)].name, "d") == 0)
		raise(SIGSEGV);
	if (mode == ERROR_ROUND2 && round == 2)
		return LDFI_ESTAGE;
	if (mode == HANG_ROUND2 && round == 2)
		for (;;)
			pause();
	return 0;
}

static const struct ldfi_stage_ops p_ops = {
    .api_version = LDFI_STAGE_API_VERSION,
    .kind = "test-p",
    .init = p_init,
    .on_message = p_message,
    .on_round = p_round,
};

/* Check k: every emitted source record has a "got:" output at b. */
static int k_check(struct ldfi_trace *tr, const struct ldfi_trace *ff, int check,
		   struct ldfi_check_result *res)
{
	int comp = tr->conf->checks[check].sink;

	(void)ff;
	res->passed = true;
	for (int r = 0; r < tr->n_recs; r++) {
		char want[300];
		bool held = false;

		if (tr->recs[r].source < 0 || !tr->recs[r].emitted)
			continue;
		snprintf(want, sizeof(want), "got:%s@b", tr->recs[r].name);
		for (size_t i = 0; i < tr->n_outs; i++)
			held |= strcmp(tr->recs[tr->outs[i].rec].name, want) == 0;
		if (!held) {
			int rc = ldfi_check_offend(res, r, comp, tr->conf->comps[comp].nodes[0],
						   LDFI_PROBLEM_MISSING, 0, 1);

			if (rc)
				return rc;
		}
	}
	return 0;
}

static struct ldfi_conf *make_conf(void)
{
	struct ldfi_conf *conf = rt_conf("isolate.conf", conf_text);

	for (int i = 0; conf && i < conf->n_comps; i++)
		if (conf->comps[i].kind == LDFI_KIND_PLUGIN &&
		    conf->comps[i].type == LDFI_COMP_STAGE)
			conf->comps[i].plugin = &p_ops;
	for (int i = 0; conf && i < conf->n_checks; i++)
		if (conf->checks[i].kind == LDFI_CHECK_PLUGIN)
			conf->checks[i].plugin = (void *)(uintptr_t)k_check;
	return conf;
}

static void same_trace(const struct ldfi_trace *x, const struct ldfi_trace *y)
{
	const struct ldfi_conf *conf = x->conf;

	CHECK(y->failure == NULL);
	CHECK(x->passed == y->passed);
	CHECK(ldfi_faults_cmp(&x->faults, &y->faults) == 0);
	for (int i = 0; i < conf->n_nodes; i++)
		CHECK(x->crash_round[i] == y->crash_round[i]);
	CHECK(x->n_recs == y->n_recs);
	for (int i = 0; i < x->n_recs && i < y->n_recs; i++) {
		CHECK_STR(x->recs[i].name, y->recs[i].name);
		CHECK(x->recs[i].source == y->recs[i].source);
		CHECK(x->recs[i].index == y->recs[i].index);
		CHECK(x->recs[i].emitted == y->recs[i].emitted);
	}
	CHECK(x->n_msgs == y->n_msgs);
	for (size_t i = 0; i < x->n_msgs && i < y->n_msgs; i++) {
		const struct ldfi_msg *a = &x->msgs[i], *b = &y->msgs[i];

		CHECK(a->id == b->id && a->kind == b->kind && a->fate == b->fate &&
		      a->delivery == b->delivery && a->parents_any == b->parents_any &&
		      a->conditional == b->conditional && a->src_node == b->src_node &&
		      a->src_comp == b->src_comp && a->dst_node == b->dst_node &&
		      a->dst_comp == b->dst_comp && a->send_round == b->send_round &&
		      a->rec == b->rec && a->fault == b->fault &&
		      a->parents_off == b->parents_off && a->n_parents == b->n_parents);
	}
	CHECK(x->n_parents == y->n_parents);
	CHECK(x->n_parents == y->n_parents &&
	      (x->n_parents == 0 ||
	       memcmp(x->parents, y->parents, x->n_parents * sizeof(*x->parents)) == 0));
	CHECK(x->n_outs == y->n_outs);
	for (size_t i = 0; i < x->n_outs && i < y->n_outs; i++) {
		const struct ldfi_output *a = &x->outs[i], *b = &y->outs[i];

		CHECK(a->comp == b->comp && a->node == b->node && a->pos == b->pos &&
		      a->rec == b->rec && a->round == b->round &&
		      a->parents_off == b->parents_off && a->n_parents == b->n_parents &&
		      a->conditional == b->conditional);
	}
	CHECK(x->n_checks == y->n_checks);
	for (int i = 0; i < x->n_checks && i < y->n_checks; i++) {
		const struct ldfi_check_result *a = &x->checks[i], *b = &y->checks[i];

		CHECK(a->check == b->check && a->passed == b->passed && a->n_offs == b->n_offs);
		for (int k = 0; k < a->n_offs && k < b->n_offs; k++)
			CHECK(a->offs[k].rec == b->offs[k].rec &&
			      a->offs[k].comp == b->offs[k].comp &&
			      a->offs[k].node == b->offs[k].node &&
			      a->offs[k].problem == b->offs[k].problem &&
			      a->offs[k].count == b->offs[k].count &&
			      a->offs[k].expected == b->offs[k].expected);
	}
}

static struct ldfi_trace *isolated_ff(const struct ldfi_conf *conf, const char *faults,
				      const struct ldfi_trace *ff, int want_rc)
{
	struct ldfi_faults fs;
	struct ldfi_trace *tr = NULL;
	char err[512];
	int rc;

	ldfi_faults_init(&fs);
	CHECK(ldfi_faults_parse(conf, faults, &fs, err, sizeof(err)) == 0);
	rc = ldfi_isolated_exec(conf, &fs, ff, &tr, err, sizeof(err));
	if (rc != want_rc)
		fprintf(stderr, "%s: rc %d (%s), expected %d\n", faults, rc, err, want_rc);
	CHECK(rc == want_rc);
	CHECK(rc ? tr == NULL : tr != NULL);
	ldfi_faults_finish(&fs);
	return tr;
}

static struct ldfi_trace *isolated(const struct ldfi_conf *conf, const char *faults, int want_rc)
{
	return isolated_ff(conf, faults, NULL, want_rc);
}

static void check_failure(const struct ldfi_conf *conf, const char *faults, const char *want)
{
	struct ldfi_trace *tr = isolated(conf, faults, 0);

	if (!tr)
		return;
	CHECK(tr->failure != NULL);
	if (tr->failure && strcmp(tr->failure, want) != 0)
		fprintf(stderr, "%s: failure '%s', expected '%s'\n", faults, tr->failure, want);
	CHECK(tr->failure && strcmp(tr->failure, want) == 0);
	CHECK(!tr->passed && tr->n_msgs == 0 && tr->n_outs == 0 && tr->n_checks == 0);
	ldfi_trace_destroy(tr);
}

static const char *const sets[] = {"none",
				   "omit(a,b,1)",
				   "crash(b,2)",
				   "omit(a,d,1) crash(b,1)",
				   "omit(a,b,1) omit(a,b,2)",
				   "crash(d,3) omit(b,c,2)"};
#define N_SETS (sizeof(sets) / sizeof(sets[0]))

/* ---- the fork server ---- */

/* Open fds of this process. */
static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* Whether this process has no child, running or zombie. */
static bool no_child(void)
{
	return waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD;
}

static void start(const struct ldfi_conf *conf)
{
	char err[512];
	int rc = ldfi_isolate_start(conf, err, sizeof(err));

	if (rc)
		fprintf(stderr, "ldfi_isolate_start: %s\n", err);
	CHECK(rc == 0 && ldfi_isolate_server_pid() > 0);
}

/* Each set with and without the fault-free trace, against in-process. */
static void same_as_in_process(const struct ldfi_conf *conf)
{
	struct ldfi_trace *ff = rt_run(conf, "none");

	for (size_t i = 0; i < N_SETS; i++) {
		struct ldfi_trace *ref = rt_run_ff(conf, sets[i], ff);
		struct ldfi_trace *tr = isolated(conf, sets[i], 0);
		struct ldfi_trace *tr_ff = isolated_ff(conf, sets[i], ff, 0);

		if (ref && tr)
			same_trace(ref, tr);
		if (ref && tr_ff)
			same_trace(ref, tr_ff);
		ldfi_trace_destroy(ref);
		ldfi_trace_destroy(tr);
		ldfi_trace_destroy(tr_ff);
	}
	ldfi_trace_destroy(ff);
}

/* One thread's runs of every set (compared by the main thread). */
struct job {
	const struct ldfi_conf *conf;
	struct ldfi_trace *tr[N_SETS];
	int rc[N_SETS];
};

static void *run_sets(void *arg)
{
	struct job *j = arg;
	char err[512];

	for (size_t i = 0; i < N_SETS; i++) {
		struct ldfi_faults fs;

		ldfi_faults_init(&fs);
		j->rc[i] = ldfi_faults_parse(j->conf, sets[i], &fs, err, sizeof(err));
		if (!j->rc[i])
			j->rc[i] =
			    ldfi_isolated_exec(j->conf, &fs, NULL, &j->tr[i], err, sizeof(err));
		ldfi_faults_finish(&fs);
	}
	return NULL;
}

static void two_threads(const struct ldfi_conf *conf)
{
	struct job jobs[2] = {{.conf = conf}, {.conf = conf}};
	pthread_t t;
	int started = pthread_create(&t, NULL, run_sets, &jobs[0]) == 0;

	CHECK(started);
	run_sets(&jobs[1]);
	if (started)
		pthread_join(t, NULL);
	for (size_t i = 0; i < N_SETS; i++) {
		struct ldfi_trace *ref = rt_run(conf, sets[i]);

		for (int k = 0; k < 2 && started; k++) {
			CHECK(jobs[k].rc[i] == 0 && jobs[k].tr[i]);
			if (ref && jobs[k].tr[i])
				same_trace(ref, jobs[k].tr[i]);
		}
		ldfi_trace_destroy(ref);
		ldfi_trace_destroy(jobs[0].tr[i]);
		ldfi_trace_destroy(jobs[1].tr[i]);
	}
}

/* A run right after the server was killed: the same trace. */
static void run_after_kill(const struct ldfi_conf *conf, struct ldfi_trace *ref)
{
	struct ldfi_trace *tr;

	CHECK(kill(ldfi_isolate_server_pid(), SIGKILL) == 0);
	tr = isolated(conf, "omit(a,b,1)", 0);
	if (ref && tr)
		same_trace(ref, tr);
	ldfi_trace_destroy(tr);
	CHECK(ldfi_isolate_server_pid() == 0); /* reaped, not started yet */
	tr = isolated(conf, "omit(a,b,1)", 0);
	if (ref && tr)
		same_trace(ref, tr);
	ldfi_trace_destroy(tr);
}

/* The server killed three times: it is started again twice, then runs
 * fork from here. */
static void server_deaths(const struct ldfi_conf *conf)
{
	struct ldfi_trace *ref = rt_run(conf, "omit(a,b,1)");
	pid_t first;

	start(conf);
	first = ldfi_isolate_server_pid();
	run_after_kill(conf, ref);
	CHECK(ldfi_isolate_server_pid() > 0 && ldfi_isolate_server_pid() != first);
	run_after_kill(conf, ref);
	CHECK(ldfi_isolate_server_pid() > 0);
	run_after_kill(conf, ref);
	CHECK(ldfi_isolate_server_pid() == 0);
	ldfi_isolate_stop();
	ldfi_trace_destroy(ref);
}

static int stop_now(void *arg)
{
	(void)arg;
	return 1;
}

/* Failures, a time-out and a stop request, with a server started after
 * `mode` is set (the runs see the memory of the server's start) and
 * without. */
static void failures(struct ldfi_conf *conf)
{
	for (int served = 0; served < 2; served++) {
		mode = SEGV_D_ROUND3;
		if (served)
			start(conf);
		check_failure(
		    conf, "omit(a,b,1)",
		    "stage 'p' on node d: killed by SIGSEGV (Segmentation fault) in round 3");
		ldfi_isolate_stop();
		mode = EXIT_MESSAGE;
		if (served)
			start(conf);
		check_failure(conf, "crash(d,1)",
			      "stage 'p' on node b: exited with status 5 in round 2");
		ldfi_isolate_stop();
		mode = ERROR_ROUND2;
		if (served)
			start(conf);
		CHECK(isolated(conf, "none", LDFI_ESTAGE) == NULL);
		ldfi_isolate_stop();
		mode = HANG_ROUND2;
		conf->run_timeout = 2;
		if (served)
			start(conf);
		check_failure(conf, "none",
			      "stage 'p' on node b: timed out after 2 s (run_timeout) in round 2");
		ldfi_rt_set_stop(stop_now, NULL);
		CHECK(isolated(conf, "none", LDFI_ESTOPPED) == NULL);
		ldfi_rt_set_stop(NULL, NULL);
		ldfi_isolate_stop();
		conf->run_timeout = 5;
		CHECK(no_child());
	}
	mode = OK;
}

static void test_server(struct ldfi_conf *conf)
{
	int fds = count_fds();

	failures(conf);
	server_deaths(conf);
	CHECK(no_child());
	/* Last: processes forked after a thread ran keep its stack (valgrind:
	 * "possibly lost" in each). */
	mode = OK;
	start(conf);
	same_as_in_process(conf);
	two_threads(conf);
	ldfi_isolate_stop();
	CHECK(ldfi_isolate_server_pid() == 0);
	CHECK(no_child());
	CHECK(count_fds() == fds);
}

int main(void)
{
	struct ldfi_conf *conf = make_conf();
	char path[] = "/tmp/ldfi-test-isolate-XXXXXX", dbpath[64], err[512];
	struct ldfi_trace *tr, *ref, *back = NULL;
	struct ldfi_db *db = NULL;
	int64_t run = 0;
	int fd;

	if (!conf)
		return test_done();
	/* The same trace from the child as in-process. */
	for (size_t i = 0; i < N_SETS; i++) {
		ref = rt_run(conf, sets[i]);
		tr = isolated(conf, sets[i], 0);
		if (ref && tr)
			same_trace(ref, tr);
		ldfi_trace_destroy(ref);
		ldfi_trace_destroy(tr);
	}
	/* Plugins that misbehave: failed runs with the reason. */
	mode = SEGV_D_ROUND3;
	check_failure(conf, "omit(a,b,1)",
		      "stage 'p' on node d: killed by SIGSEGV (Segmentation fault) in round 3");
	mode = ABORT_INIT;
	check_failure(conf, "none", "stage 'p' on node b: killed by SIGABRT (Aborted) in init");
	mode = EXIT_MESSAGE;
	check_failure(conf, "crash(d,1)", "stage 'p' on node b: exited with status 5 in round 2");
	/* A callback's error is an error, as in-process. */
	mode = ERROR_ROUND2;
	CHECK(isolated(conf, "none", LDFI_ESTAGE) == NULL);

	/* A failed run is recorded with its failure, and read back so. */
	mode = SEGV_D_ROUND3;
	tr = isolated(conf, "crash(b,4)", 0);
	fd = mkstemp(path);
	CHECK(fd >= 0);
	close(fd);
	unlink(path);
	snprintf(dbpath, sizeof(dbpath), "%s.db", path);
	CHECK(ldfi_db_open(dbpath, &db, err, sizeof(err)) == 0);
	if (db && tr) {
		CHECK(tr->failure != NULL);
		CHECK(ldfi_db_record_run(db, tr, NULL, &run) == 0);
		CHECK(ldfi_db_load_run(db, conf, run, &back) == 0);
		CHECK(back && back->failure && tr->failure &&
		      strcmp(back->failure, tr->failure) == 0);
		CHECK(back && !back->passed && back->n_checks == 0);
		CHECK(back && back->crash_round[0] == 0);
		ldfi_trace_destroy(back);
	}
	ldfi_db_close(db);
	snprintf(err, sizeof(err), "%s-wal", dbpath);
	unlink(err);
	snprintf(err, sizeof(err), "%s-shm", dbpath);
	unlink(err);
	unlink(dbpath);
	ldfi_trace_destroy(tr);
	test_server(conf);
	ldfi_conf_destroy(conf);
	return test_done();
}
