/*
 * explore.c - the explore loop (explore.h): the fault-free run, then
 * hypotheses from the chosen strategy, each run and recorded, until a
 * counterexample, no hypothesis left (certified), or a budget runs out
 * (inconclusive). State lives in OUT/provenance.db, so a stopped explore
 * resumes where it was. Nothing here prints: messages go to the caller.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ldfi/ldfi.h"
#include "model/canonical.h"
#include "model/util.h"
#include "runtime/db/db.h"
#include "runtime/db/state.h"
#include "runtime/runtime.h"
#include "src/explore/explore.h"
#include "src/explore/strategy.h"
#include "src/explore/writer.h"

struct explore {
	const struct ldfi_conf *conf;
	const struct ldfi_explore_opts *opts;
	struct ldfi_explore_result *res;
	struct ldfi_db *db;
	struct ldfi_gen *gen;
	int *vars;
	pthread_t thread; /* the one that runs the explore (and reports progress) */
	int *cex_vars;	  /* room for a fault set: the best counterexample's */
	int *tmp_vars;	  /* room for a fault set */
	double t0, last_progress;
	long last_pending;   /* what the last progress report said was pending */
	long n_resume;	     /* runs the database held when the explore began */
	bool resume_stopped; /* a budget ran out while they were read back */
	bool gen_incomplete; /* the strategy was stopped while it learned a run */
	char *err;	     /* the caller's message buffer */
	size_t errlen;
	struct ldfi_pool *pool;	   /* --jobs > 1: the strategy's threads and the writer's */
	struct ldfi_writer writer; /* with the pool: passing runs being recorded */
	/* An execution may fork this process (isolated plugin runs, process
	 * stages, the live engine's nodes): no recording may be under way in
	 * another thread then, whatever the child inherits. */
	bool exec_forks;
};

/* Say why the exploration stops (the first message wins); returns rc. */
__attribute__((format(printf, 3, 4))) static int fail(struct explore *x, int rc, const char *fmt,
						      ...)
{
	va_list ap;

	if (x->err[0])
		return rc;
	va_start(ap, fmt);
	vsnprintf(x->err, x->errlen, fmt, ap);
	va_end(ap);
	return rc;
}

static bool interrupted(const struct explore *x)
{
	return x->opts->interrupted && *x->opts->interrupted;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

const char *ldfi_verdict_name(enum ldfi_verdict v)
{
	switch (v) {
	case LDFI_VERDICT_CERTIFIED:
		return "certified";
	case LDFI_VERDICT_COUNTEREXAMPLE:
		return "counterexample";
	case LDFI_VERDICT_INCONCLUSIVE:
		return "inconclusive";
	}
	return "?";
}

void ldfi_explore_result_finish(struct ldfi_explore_result *res)
{
	ldfi_trace_destroy(res->fault_free);
	for (int i = 0; i < res->n_cex; i++)
		ldfi_trace_destroy(res->cex[i].trace);
	free(res->cex);
	free(res->db_path);
	ldfi_db_out_unlock(res->out_lock - 1);
	res->out_lock = 0;
}

static int vars_to_faults(const struct ldfi_space *sp, const int *vars, int n,
			  struct ldfi_faults *fs)
{
	for (int i = 0; i < n; i++)
		if (ldfi_faults_add(fs, ldfi_space_fault(sp, vars[i])))
			return LDFI_ENOMEM;
	return 0;
}

static int faults_to_vars(const struct ldfi_space *sp, const struct ldfi_faults *fs, int *vars)
{
	for (int i = 0; i < fs->n; i++)
		if (!(vars[i] = ldfi_space_var(sp, &fs->v[i])))
			return LDFI_EFORMAT;
	return 0;
}

static void progress(struct explore *x, bool final)
{
	struct ldfi_explore_progress p;
	double t = now_s();

	if (!x->opts->progress || (!final && t - x->last_progress < 0.5))
		return;
	x->last_progress = t;
	x->last_pending = x->gen->ops->pending(x->gen);
	p = (struct ldfi_explore_progress){x->res->executions, x->last_pending, t - x->t0, final};
	x->opts->progress(x->opts->progress_arg, &p);
}

/* Progress from inside a long phase (a run, its recording, the strategy's
 * search), where the strategy may be half-way through a change: the
 * elapsed time moves on, the pending figure is the last one reported. */
static void progress_inside(struct explore *x, double t)
{
	struct ldfi_explore_progress p;

	if (!x->opts->progress || t - x->last_progress < 0.5)
		return;
	x->last_progress = t;
	p = (struct ldfi_explore_progress){x->res->executions, x->last_pending, t - x->t0, false};
	x->opts->progress(x->opts->progress_arg, &p);
}

static int add_cex(struct explore *x, struct ldfi_trace *tr, int64_t run)
{
	struct ldfi_explore_result *res = x->res;
	struct ldfi_cex *c = realloc(res->cex, ((size_t)res->n_cex + 1) * sizeof(*c));

	if (!c)
		return LDFI_ENOMEM;
	res->cex = c;
	c[res->n_cex++] = (struct ldfi_cex){tr, run, res->executions};
	return 0;
}

/* The strategy could not learn a run: an error, or a stop request in the
 * middle (the strategy is then not to be asked anything more: the run is
 * recorded and a resume learns it again). */
static int learn_failed(struct explore *x, int rc)
{
	if (rc != LDFI_ESTOPPED)
		return fail(x, rc, "%s", ldfi_strerror(rc));
	x->gen_incomplete = true;
	return rc;
}

/* Wait for the runs being recorded (src/explore/writer.h): 0, or the
 * first failed write's error, said as a failed record is; the runs it lost
 * are not executions then. */
static int wait_write(struct explore *x)
{
	long lost;
	int rc;

	if (!x->pool || !(rc = ldfi_writer_wait(&x->writer, &lost)))
		return 0;
	x->res->executions -= lost;
	if (rc != LDFI_ESTOPPED)
		fail(x, rc, "%s: %s", x->res->db_path, ldfi_db_errmsg(x->db));
	return rc;
}

/* With --jobs > 1, a passing run other than the fault-free run is recorded
 * in the background (the pool's threads) once the strategy has learned
 * from it. Takes tr and text (its fault set's canonical form). */
static int record_beside(struct explore *x, struct ldfi_trace *tr, const struct ldfi_run_info *info,
			 char *text, const int *vars, int n)
{
	int rc;

	x->res->executions++;
	if ((rc = x->gen->ops->learn(x->gen, tr, vars, n, true)))
		learn_failed(x, rc);
	ldfi_writer_post(&x->writer, tr, info, text, n);
	return rc;
}

/* Run one fault set, record it, and tell the strategy. Takes `fs`.
 * LDFI_ESTOPPED: a budget ran out or a signal came during the run (not
 * recorded), its recording (rolled back) or the strategy's learning. */
static int execute(struct explore *x, const int *vars, int n, struct ldfi_faults *fs)
{
	struct ldfi_run_info info = {ldfi_strategy_name(x->opts->strategy), 0, 0};
	struct ldfi_trace *tr = NULL;
	double t = now_s();
	char *text, why[512];
	int64_t run;
	int rc = 0;

	/* A failed write stops the explore at the next run. */
	if (x->pool && (ldfi_writer_failed(&x->writer) || x->exec_forks))
		rc = wait_write(x);
	if (rc) {
		ldfi_faults_finish(fs);
		return rc;
	}
	rc = ldfi_engine_exec(x->opts->engine, x->conf, fs, x->res->fault_free, &tr, why,
			      sizeof(why));

	if (rc == LDFI_ELIMIT) {
		char lim[128];

		text = ldfi_faults_to_string(x->conf, fs);
		ldfi_rt_limit_text(lim, sizeof(lim));
		fail(x, rc,
		     "the execution under faults '%s' was stopped: it sends more messages than "
		     "allowed (%s): lower eot or the number of records",
		     text ? text : "?", lim);
		free(text);
	}
	ldfi_faults_finish(fs);
	if (rc == LDFI_ELIMIT || rc == LDFI_ESTOPPED)
		return rc;
	if (rc)
		return fail(x, rc, "execution failed: %s", why);
	info.wall_us = (int64_t)((now_s() - t) * 1e6);
	text = ldfi_faults_to_string(x->conf, &tr->faults);
	if (!text) {
		ldfi_trace_destroy(tr);
		return fail(x, LDFI_ENOMEM, "%s", ldfi_strerror(LDFI_ENOMEM));
	}
	if (x->pool && tr->passed && x->res->fault_free)
		return record_beside(x, tr, &info, text, vars, n);
	/* The run and its hypothesis marked tried: one transaction. */
	if ((rc = wait_write(x)) || (rc = ldfi_db_begin(x->db)) ||
	    (rc = ldfi_db_record_run(x->db, tr, &info, &run)) ||
	    (n && (rc = ldfi_db_state_tried(x->db, text, n, run))) ||
	    (rc = ldfi_db_commit(x->db))) {
		if (rc != LDFI_ESTOPPED)
			fail(x, rc, "%s: %s", x->res->db_path, ldfi_db_errmsg(x->db));
		ldfi_db_rollback(x->db); /* nothing of this run kept */
		ldfi_trace_destroy(tr);
		free(text);
		return rc;
	}
	free(text);
	x->res->executions++;
	if ((rc = x->gen->ops->learn(x->gen, tr, vars, n, tr->passed)))
		learn_failed(x, rc);
	if (!rc && !x->res->fault_free) {
		struct ldfi_trace *copy = NULL;

		x->res->fault_free = tr;
		if (!tr->passed && !(rc = ldfi_db_load_run(x->db, x->conf, run, &copy)) &&
		    (rc = add_cex(x, copy, run)))
			ldfi_trace_destroy(copy);
		return rc;
	}
	if (!rc && !tr->passed && !(rc = add_cex(x, tr, run)))
		return 0;
	ldfi_trace_destroy(tr);
	return rc;
}

/* The trace of recorded run `r`, read back when the strategy learns from
 * passing runs or when it is the fault-free run or a counterexample (*tr
 * NULL otherwise). */
static int resume_trace(struct explore *x, const struct ldfi_db_run *r, struct ldfi_trace **tr)
{
	int rc = 0;

	*tr = NULL;
	if (!x->res->fault_free || !r->passed)
		rc = ldfi_db_load_run(x->db, x->conf, r->id, tr);
	else if (x->gen->learns_from_traces)
		rc = ldfi_db_load_trace(x->db, x->conf, r->id, tr);
	if (rc && rc != LDFI_ESTOPPED)
		fail(x, rc, "%s: %s", x->res->db_path, ldfi_db_errmsg(x->db));
	return rc;
}

/* Feed the runs of an interrupted explore back, without executing them. */
static int resume_run(struct explore *x, const struct ldfi_db_run *r)
{
	struct ldfi_faults fs;
	struct ldfi_trace *tr = NULL;
	char err[256] = "not a fault set of the bounds";
	int rc;

	ldfi_faults_init(&fs);
	if (ldfi_faults_parse(x->conf, r->faults, &fs, err, sizeof(err)) ||
	    faults_to_vars(&x->gen->space, &fs, x->vars)) {
		ldfi_faults_finish(&fs);
		return fail(x, LDFI_EFORMAT, "%s: damaged database: run %lld: fault set '%s': %s",
			    x->res->db_path, (long long)r->id, r->faults, err);
	}
	if (!(rc = resume_trace(x, r, &tr)) &&
	    (rc = x->gen->ops->learn(x->gen, tr, x->vars, fs.n, r->passed)))
		learn_failed(x, rc);
	if (!rc) /* read back and learned */
		x->res->executions++;
	if (!rc && !x->res->fault_free) {
		struct ldfi_trace *copy = NULL;

		/* A failing fault-free run is the counterexample too, as when
		 * it ran (execute). */
		x->res->fault_free = tr;
		if (!r->passed && !(rc = ldfi_db_load_run(x->db, x->conf, r->id, &copy)) &&
		    (rc = add_cex(x, copy, r->id)))
			ldfi_trace_destroy(copy);
		if (rc)
			fail(x, rc, "%s: %s", x->res->db_path, ldfi_db_errmsg(x->db));
	} else if (!rc && !r->passed && !(rc = add_cex(x, tr, r->id))) {
		tr = NULL;
	}
	if (tr != x->res->fault_free)
		ldfi_trace_destroy(tr);
	ldfi_faults_finish(&fs);
	return rc;
}

static int out_of_budget(void *arg);

/* A budget ran out, or a signal came, while the recorded runs were read
 * back: inconclusive, every recorded run counted, nothing saved over the
 * state the database holds (the strategy has not seen every run). */
static int stopped_resuming(struct explore *x)
{
	struct ldfi_explore_result *res = x->res;
	const struct ldfi_explore_opts *o = x->opts;
	long read = res->executions;

	x->resume_stopped = true;
	res->executions = x->n_resume;
	res->verdict = LDFI_VERDICT_INCONCLUSIVE;
	res->pending = 0;
	if (interrupted(x))
		snprintf(res->reason, sizeof(res->reason),
			 "interrupted while reading back the %ld recorded executions (%ld read); "
			 "run the same command to resume",
			 x->n_resume, read);
	else
		snprintf(res->reason, sizeof(res->reason),
			 "time limit %g s reached while reading back the %ld recorded executions "
			 "(%ld read); run the same command to resume",
			 o->time_limit_s, x->n_resume, read);
	return 0;
}

static int resume(struct explore *x)
{
	struct ldfi_db_run *runs;
	int n, rc = ldfi_db_runs(x->db, false, &runs, &n);

	if (rc)
		return fail(x, rc, "%s: %s", x->res->db_path, ldfi_db_errmsg(x->db));
	if (n && strcmp(runs[0].faults, "none") != 0)
		rc = fail(x, LDFI_EFORMAT,
			  "%s: damaged database: the first run is not the fault-free run",
			  x->res->db_path);
	x->n_resume = n;
	for (int i = 0; i < n && !rc; i++) {
		progress(x, false);
		if (out_of_budget(x))
			rc = LDFI_ESTOPPED;
		else
			rc = resume_run(x, &runs[i]);
	}
	ldfi_db_runs_free(runs, n);
	if (rc == LDFI_ESTOPPED)
		return stopped_resuming(x);
	return rc;
}

/* Polled during every long phase (ldfi_rt_set_stop, the strategy's stop
 * callback): whether a budget ran out or a signal came; it also keeps the
 * progress line moving there. */
static int out_of_budget(void *arg)
{
	struct explore *x = arg;
	double t = now_s();

	/* The solver's worker threads (--jobs) poll this too: only the
	 * explore's own thread reports progress; the others only read. */
	if (pthread_equal(pthread_self(), x->thread))
		progress_inside(x, t);
	return interrupted(x) || (x->opts->time_limit_s > 0 && t - x->t0 >= x->opts->time_limit_s);
}

/* "; at least 4 hypotheses pending" for the reason of an inconclusive
 * verdict: what is known of the work left. Strategy ldfi queues hypotheses
 * as it derives them (at least that many); the others count the fault sets
 * of the bounds not run yet (-1: too many to count). */
static void pending_words(const struct explore *x, long pending, char *buf, size_t len)
{
	if (x->res->executions == 0)
		snprintf(buf, len, " (the fault-free run was not finished)");
	else if (pending < 0)
		snprintf(buf, len, "; over 10^15 fault sets of the bounds not run yet");
	else if (x->opts->strategy != LDFI_STRATEGY_LDFI)
		snprintf(buf, len, "; %ld fault set%s of the bounds not run yet", pending,
			 pending == 1 ? "" : "s");
	else if (pending > 0)
		snprintf(buf, len, "; at least %ld hypothes%s pending", pending,
			 pending == 1 ? "is" : "es");
	else
		snprintf(buf, len, "; the next hypotheses were not derived yet");
}

static bool budget_left(struct explore *x)
{
	struct ldfi_explore_result *res = x->res;
	const struct ldfi_explore_opts *o = x->opts;
	double elapsed = now_s() - x->t0;
	long pending = x->gen->ops->pending(x->gen);
	const char *ex = res->executions == 1 ? "execution" : "executions";
	char left[128];

	pending_words(x, pending, left, sizeof(left));
	if (interrupted(x))
		snprintf(res->reason, sizeof(res->reason),
			 "interrupted after %ld %s%s (run the same command to resume)",
			 res->executions, ex, left);
	else if (o->max_runs && res->executions >= o->max_runs)
		snprintf(res->reason, sizeof(res->reason), "max-runs %lld reached after %ld %s%s",
			 o->max_runs, res->executions, ex, left);
	else if (o->time_limit_s > 0 && elapsed >= o->time_limit_s)
		snprintf(res->reason, sizeof(res->reason), "time limit %g s reached after %ld %s%s",
			 o->time_limit_s, res->executions, ex, left);
	else
		return true;
	res->verdict = LDFI_VERDICT_INCONCLUSIVE;
	res->pending = pending;
	return false;
}

/* Keep counterexample `keep` only; the others stay in the database. */
static void keep_cex(struct ldfi_explore_result *res, int keep)
{
	struct ldfi_cex c = res->cex[keep];

	for (int i = 0; i < res->n_cex; i++)
		if (i != keep)
			ldfi_trace_destroy(res->cex[i].trace);
	res->cex[0] = c;
	res->n_cex = 1;
}

/* Keep the first counterexample in the search's order only; the best one's
 * variables are left in x->cex_vars (returns its size). */
static int keep_first_cex(struct explore *x)
{
	struct ldfi_explore_result *res = x->res;
	int best = 0, k = 0;

	if (!res->n_cex)
		return 0;
	for (int i = 0; i < res->n_cex; i++) {
		const struct ldfi_faults *f = &res->cex[i].trace->faults;

		if (faults_to_vars(&x->gen->space, f, x->tmp_vars))
			continue;
		if (i == 0 ||
		    ldfi_gen_cmp_sets(x->gen->rank, x->tmp_vars, f->n, x->cex_vars, k) < 0) {
			memcpy(x->cex_vars, x->tmp_vars, (size_t)f->n * sizeof(int));
			k = f->n;
			best = i;
		}
	}
	keep_cex(res, best);
	return k;
}

/* The counterexample is the first failing set in (size, canonical) order:
 * whether candidate vars[0..n) comes before the best one found so far,
 * which it then keeps in cex[0] (the others stay in the database). Sets
 * before it are still run, so that the counterexample does not depend on
 * which failing set of its size the search met first: the same with any
 * --jobs, any resume, and over the shards of `ldfi merge` (docs/explore.md). */
static bool before_cex(struct explore *x, const int *vars, int n)
{
	int k = keep_first_cex(x);

	return ldfi_gen_cmp_sets(x->gen->rank, vars, n, x->cex_vars, k) < 0;
}

/* A run, its recording or the strategy's learning was stopped: the budget
 * that ran out words the inconclusive verdict. */
static int budget_spent_now(struct explore *x)
{
	budget_left(x);
	if (x->res->verdict != LDFI_VERDICT_INCONCLUSIVE) /* cannot be: the request fired */
		return fail(x, LDFI_ESTOPPED, "%s", ldfi_strerror(LDFI_ESTOPPED));
	return 0;
}

static int loop(struct explore *x)
{
	struct ldfi_explore_result *res = x->res;
	bool canonical = !x->opts->all && x->gen->minimal_cex;
	int rc = 0, wrc;

	while (res->n_cex == 0 || x->opts->all || canonical) {
		struct ldfi_faults fs;
		int n;

		progress(x, false);
		if (!budget_left(x)) {
			if (res->n_cex && !x->opts->all)
				break; /* a counterexample, maybe not the first */
			return 0;
		}
		rc = x->gen->ops->next(x->gen, x->vars, x->gen->space.n_vars + 1, &n);
		if (rc == LDFI_GEN_STOPPED)
			continue; /* budget_left() says which budget */
		if (rc <= 0)
			break;
		if (res->n_cex && canonical && !before_cex(x, x->vars, n))
			break;
		ldfi_faults_init(&fs);
		if ((rc = vars_to_faults(&x->gen->space, x->vars, n, &fs)) ||
		    (rc = execute(x, x->vars, n, &fs))) {
			if (rc == LDFI_ESTOPPED && res->n_cex && !x->opts->all) {
				rc = 0; /* a counterexample, maybe not the first */
				break;
			}
			return rc == LDFI_ESTOPPED ? budget_spent_now(x) : rc;
		}
	}
	/* The last passing run must be in the database before the verdict. */
	if (rc >= 0 && (wrc = wait_write(x)) &&
	    (wrc != LDFI_ESTOPPED || !res->n_cex || x->opts->all))
		return wrc == LDFI_ESTOPPED ? budget_spent_now(x) : wrc;
	if (rc < 0)
		return fail(x, rc, "%s", ldfi_strerror(rc));
	if (canonical)
		keep_first_cex(x);
	res->verdict = res->n_cex ? LDFI_VERDICT_COUNTEREXAMPLE : LDFI_VERDICT_CERTIFIED;
	res->reason[0] = '\0';
	res->pending = 0;
	return 0;
}

/* A counterexample larger than this is shrunk one fault at a time (each
 * set without one of its faults, again on the smaller one that fails);
 * up to it, every proper subset is checked. */
#define LDFI_SHRINK_SUBSETS 5

/* Whether a budget ran out (budget_left() words the verdict). */
static bool budget_spent(struct explore *x)
{
	const struct ldfi_explore_opts *o = x->opts;

	return interrupted(x) || (o->max_runs && x->res->executions >= o->max_runs) ||
	       (o->time_limit_s > 0 && now_s() - x->t0 >= o->time_limit_s);
}

/* The next s-subset of positions 0..k-1 after idx[], in lexicographic
 * order; false after the last. */
static bool next_subset(int *idx, int s, int k)
{
	int i = s - 1;

	while (i >= 0 && idx[i] == k - s + i)
		i--;
	if (i < 0)
		return false;
	idx[i]++;
	for (int j = i + 1; j < s; j++)
		idx[j] = idx[j - 1] + 1;
	return true;
}

/* Run the proper subsets of size s of the counterexample cx[0..k) not run
 * before, until one fails (1: it is now the counterexample), none is
 * left (0) or a budget runs out (0). */
static int shrink_size(struct explore *x, const int *cx, int k, int s, int *idx, int *sub)
{
	int rc;

	for (int i = 0; i < s; i++)
		idx[i] = i;
	do {
		struct ldfi_faults fs;

		for (int i = 0; i < s; i++)
			sub[i] = cx[idx[i]];
		if (ldfi_gen_skip(x->gen, sub, s) || !ldfi_gen_valid(x->gen, sub, s))
			continue;
		if (budget_spent(x))
			return 0;
		ldfi_faults_init(&fs);
		if ((rc = vars_to_faults(&x->gen->space, sub, s, &fs)) ||
		    (rc = execute(x, sub, s, &fs)))
			return rc == LDFI_ESTOPPED ? 0 : rc; /* the smallest so far stays */
		if (x->res->n_cex > 1) {
			keep_cex(x->res, x->res->n_cex - 1);
			return 1;
		}
	} while (next_subset(idx, s, k));
	return 0;
}

/*
 * Make the counterexample minimal: no proper subset of it fails. For
 * strategies whose counterexamples are not minimal by construction
 * (random; ldfi with checks that faults can break by creating outputs,
 * which are not monotone, and its extensions, src/explore/extend.h): the subsets
 * not run before are run. Sets above
 * LDFI_SHRINK_SUBSETS faults are only made 1-minimal (no single fault can
 * be removed). Not with --all, which reports every counterexample found.
 */
static int shrink(struct explore *x)
{
	struct ldfi_explore_result *res = x->res;
	int n = x->gen->space.n_vars + 1, rc = 0, best = 0;
	int *cx = malloc(3 * (size_t)n * sizeof(int)), *idx = cx + n, *sub = idx + n;

	if (!cx)
		return LDFI_ENOMEM;
	for (int i = 1; i < res->n_cex; i++)
		if (res->cex[i].trace->faults.n < res->cex[best].trace->faults.n)
			best = i;
	keep_cex(res, best);
	for (;;) {
		int k = res->cex[0].trace->faults.n, found = 0;

		/* Ascending: the canonical fault order is the variables'. */
		if ((rc = faults_to_vars(&x->gen->space, &res->cex[0].trace->faults, cx)))
			break;
		for (int s = k > LDFI_SHRINK_SUBSETS ? k - 1 : 1; s < k && !found; s++)
			found = shrink_size(x, cx, k, s, idx, sub);
		if (found <= 0) {
			rc = found;
			break;
		}
	}
	free(cx);
	return rc;
}

static struct ldfi_gen *make_gen(const struct ldfi_conf *conf, const struct ldfi_explore_opts *o)
{
	switch (o->strategy) {
	case LDFI_STRATEGY_LDFI:
		return ldfi_gen_ldfi_create(conf, o->all);
	case LDFI_STRATEGY_RANDOM:
		return ldfi_gen_random_create(conf, o->seed, o->all);
	case LDFI_STRATEGY_EXHAUSTIVE:
		return ldfi_gen_exhaustive_create(conf, o->all);
	}
	return NULL;
}

/* With --shard: the part's cube, from the fault-free run (every shard
 * runs it first, so all compute the same split). */
static int start_shard(struct explore *x)
{
	int rc;

	if (x->res->shard.count <= 1 || !x->res->fault_free)
		return 0;
	if ((rc = ldfi_shard_init(&x->res->shard, &x->gen->space, x->res->fault_free)))
		return fail(x, rc, "--shard: %s", ldfi_strerror(rc));
	x->gen->shard = &x->res->shard;
	return 0;
}

static int start(struct explore *x)
{
	struct ldfi_faults none;
	int rc = resume(x);

	if (rc || x->res->executions > 0)
		return rc ? rc : start_shard(x);
	ldfi_faults_init(&none);
	rc = execute(x, NULL, 0, &none);
	if (rc == LDFI_ESTOPPED)
		return budget_spent_now(x);
	return rc ? rc : start_shard(x);
}

/* Run the loop; on success res is filled. Returns 0 or LDFI_E*. */
static int explore(struct explore *x)
{
	int rc, wrc;

	x->t0 = now_s();
	x->thread = pthread_self();
	x->gen = make_gen(x->conf, x->opts);
	x->vars = x->gen ? malloc(((size_t)x->gen->space.n_vars + 1) * sizeof(int)) : NULL;
	x->cex_vars = x->gen ? malloc(((size_t)x->gen->space.n_vars + 1) * sizeof(int)) : NULL;
	x->tmp_vars = x->gen ? malloc(((size_t)x->gen->space.n_vars + 1) * sizeof(int)) : NULL;
	if (!x->gen || !x->vars || !x->cex_vars || !x->tmp_vars)
		return fail(x, LDFI_ENOMEM, "%s", ldfi_strerror(LDFI_ENOMEM));
	x->gen->stop = out_of_budget;
	x->gen->stop_arg = x;
	if (x->opts->jobs > 1) {
		if (!(x->pool = ldfi_pool_create(x->opts->jobs)))
			return fail(x, LDFI_ENOMEM, "%s", ldfi_strerror(LDFI_ENOMEM));
		ldfi_writer_init(&x->writer, x->db, x->pool);
		x->exec_forks = x->opts->engine != LDFI_ENGINE_SIM ||
				ldfi_conf_has_plugins(x->conf) || ldfi_conf_has_processes(x->conf);
		x->gen->pool = x->pool;
	}
	ldfi_rt_set_stop(out_of_budget, x);
	if (!(rc = start(x)) && !x->resume_stopped && x->res->verdict != LDFI_VERDICT_INCONCLUSIVE)
		rc = loop(x);
	if (!rc && x->res->n_cex && !x->opts->all && !x->gen->minimal_cex && !x->gen_incomplete &&
	    !x->resume_stopped)
		rc = shrink(x);
	/* A run recorded beside the loop after the verdict was known (the
	 * loop stopped for a budget, or shrinking): its error is still one. */
	if ((wrc = wait_write(x)) && !rc && wrc != LDFI_ESTOPPED)
		rc = wrc;
	ldfi_rt_set_stop(NULL, NULL);
	progress(x, true);
	/* The fault-free run is not a hypothesis; stopped before it ended,
	 * nothing was tried. */
	x->res->tried = x->resume_stopped ? x->n_resume - 1
					  : ldfi_setset_count(x->gen->tried) - 1 - x->gen->settled;
	if (x->res->tried < 0)
		x->res->tried = 0;
	x->res->pruned = x->gen->pruned;
	x->res->wall_s = now_s() - x->t0;
	return rc;
}

/* What identifies an exploration (docs/explore.md): ldfi's version, the
 * conf's meaning (model/canonical.h), the bounds, the strategy, the seed and
 * every plugin library's contents, as space-separated KEY=VALUE fields. */
int ldfi_explore_digest(const struct ldfi_conf *conf, const struct ldfi_explore_opts *o, char **out,
			char *err, size_t errlen)
{
	char *plugins = NULL, shard[32] = "", restarts[48] = "";
	uint64_t meaning;
	int rc;

	*out = NULL;
	if ((rc = ldfi_conf_meaning_hash(conf, &meaning)) ||
	    (rc = ldfi_plugins_digest(conf, &plugins, err, errlen)))
		goto err;
	/* Only with several shards: an unsharded digest stays what it was. */
	if (o->shard_count > 1)
		snprintf(shard, sizeof(shard), " shard=%d/%d", o->shard_index, o->shard_count);
	/* Only with restarts: explorations of other confs keep their digest. */
	if (conf->restarts > 0)
		snprintf(restarts, sizeof(restarts), " restarts=%d downtime=%d", conf->restarts,
			 conf->downtime);
	if (asprintf(out,
		     "ldfi=%s conf=%016llx eot=%d eff=%d crashes=%d%s strategy=%s seed=%llu%s%s",
		     ldfi_version(), (unsigned long long)meaning, conf->eot, conf->eff,
		     conf->crashes, restarts, ldfi_strategy_name(o->strategy),
		     (unsigned long long)o->seed, shard, plugins) < 0) {
		*out = NULL;
		rc = LDFI_ENOMEM;
	}
	free(plugins);
err:
	if (rc == LDFI_ENOMEM)
		snprintf(err, errlen, "%s", ldfi_strerror(LDFI_ENOMEM));
	return rc;
}

const char *ldfi_explore_digest_field(const char *d, const char *key, size_t *len)
{
	size_t k = strlen(key);

	for (const char *p = d; *p;) {
		size_t n = strcspn(p, " ");

		if (n > k && strncmp(p, key, k) == 0 && p[k] == '=') {
			*len = n - k - 1;
			return p + k + 1;
		}
		p += n + (p[n] == ' ');
	}
	return NULL;
}

/* Append to `out` what differs in field `key` between digests `was` and
 * `now`, worded with `what` ("the seed"); `show` adds both values. */
static void changed(FILE *out, const char *was, const char *now, const char *key, const char *what,
		    bool show)
{
	size_t a = 0, b = 0;
	const char *x = ldfi_explore_digest_field(was, key, &a),
		   *y = ldfi_explore_digest_field(now, key, &b);

	if (x && y && a == b && strncmp(x, y, a) == 0)
		return;
	fprintf(out, "%s%s", ftell(out) ? ", " : "", what);
	if (show)
		fprintf(out, " (was %.*s, now %.*s)", x ? (int)a : 4, x ? x : "none",
			y ? (int)b : 4, y ? y : "none");
}

/* The KIND:NAME fields of `d` (kind "plugin" or "process") that differ in
 * `other`, worded as "WHAT NAME (how)": "plugin library gate.so (its file
 * changed)", "process script enrich.py (new)". */
static void changed_files(FILE *out, const char *d, const char *other, const char *kind,
			  const char *what, bool fresh_side)
{
	char pat[16];

	snprintf(pat, sizeof(pat), " %s:", kind);
	for (const char *p = strstr(d, pat); p; p = strstr(p + 1, pat)) {
		const char *name = p + strlen(pat);
		size_t n = strcspn(name, "="), a = 0, b = 0;
		char key[300];
		const char *x, *y;

		snprintf(key, sizeof(key), "%s:%.*s", kind, (int)n, name);
		x = ldfi_explore_digest_field(d, key, &a);
		y = ldfi_explore_digest_field(other, key, &b);
		if (y && a == b && strncmp(x, y, a) == 0)
			continue;
		if (y && fresh_side)
			continue; /* reported from the other side */
		fprintf(out, "%s%s %.*s (%s)", ftell(out) ? ", " : "", what, (int)n, name,
			y	     ? "its file changed"
			: fresh_side ? "new"
				     : "no longer used");
	}
}

/* What changed between the digest a database holds (`was`) and this
 * exploration's, in words, into buf. */
static void describe_change(const char *was, const char *now, char *buf, size_t len)
{
	size_t n = 0;
	char *text = NULL;
	FILE *out = open_memstream(&text, &n);

	if (!out) {
		snprintf(buf, len, "its digest");
		return;
	}
	if (!strchr(was, '=') || strncmp(was, "ldfi=", 5) != 0) {
		fprintf(out, "it was written by an earlier ldfi, whose digest did not cover the "
			     "plugins and the ldfi version");
	} else {
		changed(out, was, now, "ldfi", "the ldfi version", true);
		changed(out, was, now, "conf", "the pipeline (its conf's meaning)", false);
		changed(out, was, now, "eot", "eot", true);
		changed(out, was, now, "eff", "eff", true);
		changed(out, was, now, "crashes", "crashes", true);
		changed(out, was, now, "restarts", "restarts", true);
		changed(out, was, now, "downtime", "downtime", true);
		changed(out, was, now, "strategy", "the strategy", true);
		changed(out, was, now, "seed", "the seed", true);
		changed_files(out, was, now, "plugin", "plugin library", false);
		changed_files(out, now, was, "plugin", "plugin library", true);
		changed_files(out, was, now, "process", "process script", false);
		changed_files(out, now, was, "process", "process script", true);
	}
	fclose(out);
	snprintf(buf, len, "%s", text && *text ? text : "its digest");
	free(text);
}

/* Make the database this exploration's: one of the same digest (resumed),
 * or an empty one (the digest is written). Another exploration's, or runs
 * recorded by `ldfi run`, are refused (LDFI_EINVAL), never reused. */
static int bind_db(struct explore *x, const char *dg)
{
	const char *path = x->res->db_path;
	char *old = NULL, what[600];
	long foreign = 0;
	int rc;

	if ((rc = ldfi_db_state_check(x->db)) || (rc = ldfi_db_state_digest(x->db, &old)) ||
	    (rc = ldfi_db_state_foreign_runs(
		 x->db, ldfi_strategy_name(x->opts->strategy),
		 &(struct ldfi_bounds){x->conf->eot, x->conf->eff, x->conf->crashes,
				       x->conf->restarts, x->conf->downtime},
		 &foreign))) {
		free(old);
		return fail(x, rc, "%s: %s", path, ldfi_db_errmsg(x->db));
	}
	if (old && strcmp(old, dg) != 0) {
		describe_change(old, dg, what, sizeof(what));
		rc = fail(x, LDFI_EINVAL,
			  "%s holds another exploration; changed since: %s. Its runs are not "
			  "reused: use --fresh to discard them, or another --out",
			  path, what);
	} else if (foreign) {
		rc = fail(
		    x, LDFI_EINVAL,
		    "%s holds %ld run%s recorded by 'ldfi run --db' or by another exploration, "
		    "which this exploration cannot reuse: use --fresh to discard %s, or another "
		    "--out",
		    path, foreign, foreign == 1 ? "" : "s", foreign == 1 ? "it" : "them");
	} else if (!old && (rc = ldfi_db_state_set(x->db, "digest", dg))) {
		fail(x, rc, "%s: %s", path, ldfi_db_errmsg(x->db));
	}
	free(old);
	return rc;
}

struct pending_list {
	const struct ldfi_space *space;
	char **faults;
	int *sizes;
	int n, cap;
};

static int collect_pending(const int *vars, int n, void *arg)
{
	struct pending_list *p = arg;
	struct ldfi_faults fs;

	if (p->n == p->cap) {
		int cap = p->cap ? 2 * p->cap : 16;
		char **f = realloc(p->faults, (size_t)cap * sizeof(*f));
		int *s;

		if (!f)
			return LDFI_ENOMEM;
		p->faults = f;
		s = realloc(p->sizes, (size_t)cap * sizeof(*s));
		if (!s)
			return LDFI_ENOMEM;
		p->sizes = s;
		p->cap = cap;
	}
	ldfi_faults_init(&fs);
	if (vars_to_faults(p->space, vars, n, &fs)) {
		ldfi_faults_finish(&fs);
		return LDFI_ENOMEM;
	}
	p->faults[p->n] = ldfi_faults_to_string(p->space->conf, &fs);
	p->sizes[p->n] = n;
	ldfi_faults_finish(&fs);
	return p->faults[p->n++] ? 0 : LDFI_ENOMEM;
}

/* Replace the pending hypotheses in the database by the strategy's queue. */
static void save_pending(struct explore *x)
{
	struct pending_list p = {&x->gen->space, NULL, NULL, 0, 0};

	if (x->gen->ops->each_pending && !x->gen->ops->each_pending(x->gen, collect_pending, &p) &&
	    ldfi_db_state_pending(x->db, p.faults, p.sizes, p.n))
		snprintf(x->res->warning, sizeof(x->res->warning),
			 "%s: cannot save pending hypotheses: %s", x->res->db_path,
			 ldfi_db_errmsg(x->db));
	for (int i = 0; i < p.n; i++)
		free(p.faults[i]);
	free(p.faults);
	free(p.sizes);
}

/* The exploration's wall time over all its invocations: what the earlier
 * ones took (the `explore` table's wall_s) plus this one's, or the earlier
 * ones' alone when this one executed nothing (a finished exploration
 * reported again, or a resume stopped while it read the runs back). */
static void total_wall(struct explore *x)
{
	char *before = NULL;

	if (ldfi_db_state_get(x->db, "wall_s", &before) || !before) {
		free(before);
		return;
	}
	if (x->res->executions == x->n_resume)
		x->res->wall_s = strtod(before, NULL);
	else
		x->res->wall_s += strtod(before, NULL);
	free(before);
}

/* Persist the verdict, the figures and the hypotheses still pending (not
 * when the strategy did not see every run: the database's stay). */
static void save_state(struct explore *x)
{
	struct ldfi_explore_result *res = x->res;
	char buf[64];

	if (!x->resume_stopped && !x->gen_incomplete)
		save_pending(x);
	ldfi_db_state_set(x->db, "verdict", ldfi_verdict_name(res->verdict));
	snprintf(buf, sizeof(buf), "%ld", res->executions);
	ldfi_db_state_set(x->db, "executions", buf);
	ldfi_db_state_set(x->db, "reason", res->reason);
	snprintf(buf, sizeof(buf), "%ld", res->pruned);
	ldfi_db_state_set(x->db, "pruned", buf);
	snprintf(buf, sizeof(buf), "%.17g", res->wall_s); /* read back exactly */
	ldfi_db_state_set(x->db, "wall_s", buf);
}

int ldfi_explore(const struct ldfi_conf *conf, const struct ldfi_explore_opts *o,
		 struct ldfi_explore_result *res, char *err, size_t errlen)
{
	struct explore x = {.conf = conf, .opts = o, .res = res, .err = err, .errlen = errlen};
	char *dg;
	int rc, fd;

	memset(res, 0, sizeof(*res));
	res->conf = conf;
	res->opts = o;
	res->shard.index = o->shard_count > 1 ? o->shard_index : 0;
	res->shard.count = o->shard_count > 1 ? o->shard_count : 1;
	err[0] = '\0';
	if ((rc = ldfi_explore_digest(conf, o, &dg, err, errlen)))
		return rc;
	/* The lock first: --fresh deletes nothing another process is using. */
	if ((rc = ldfi_db_out_lock(o->out_dir, &fd, err, errlen)))
		goto err_digest;
	res->out_lock = fd + 1;
	if ((rc = ldfi_db_state_open(o->out_dir, o->fresh, &x.db, &res->db_path, err, errlen)))
		goto err_digest;
	if ((rc = bind_db(&x, dg)))
		goto err_db;
	free(dg);
	if (!(rc = explore(&x))) {
		total_wall(&x);
		save_state(&x);
	} else if (!err[0])
		snprintf(err, errlen, "%s", ldfi_strerror(rc));
	ldfi_gen_destroy(x.gen);
	ldfi_writer_finish(&x.writer);
	ldfi_pool_destroy(x.pool);
	free(x.vars);
	free(x.cex_vars);
	free(x.tmp_vars);
	ldfi_db_close(x.db);
	return rc;

err_db:
	/* Nothing was run: the database is not this exploration's. */
	ldfi_db_close(x.db);
	free(res->db_path);
	res->db_path = NULL;
err_digest:
	free(dg);
	return rc;
}
