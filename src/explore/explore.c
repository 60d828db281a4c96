/*
 * explore.c - the explore loop (explore.h): the fault-free run, then
 * hypotheses from the chosen strategy, each run and recorded, until a
 * counterexample, no hypothesis left (certified), or a budget runs out
 * (inconclusive). State lives in OUT/provenance.db, so a stopped explore
 * resumes where it was. Nothing here prints: messages go to the caller.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ldfi/ldfi.h"
#include "model/util.h"
#include "runtime/db/db.h"
#include "runtime/db/state.h"
#include "runtime/runtime.h"
#include "src/explore/explore.h"
#include "src/explore/strategy.h"

struct explore {
	const struct ldfi_conf *conf;
	const struct ldfi_explore_opts *opts;
	struct ldfi_explore_result *res;
	struct ldfi_db *db;
	struct ldfi_gen *gen;
	int *vars;
	double t0, last_progress;
	char *err; /* the caller's message buffer */
	size_t errlen;
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
	p = (struct ldfi_explore_progress){x->res->executions, x->gen->ops->pending(x->gen),
					   t - x->t0, final};
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

/* Run one fault set, record it, and tell the strategy. Takes `fs`. */
static int execute(struct explore *x, const int *vars, int n, struct ldfi_faults *fs)
{
	struct ldfi_run_info info = {ldfi_strategy_name(x->opts->strategy), 0, 0};
	struct ldfi_trace *tr = NULL;
	double t = now_s();
	char *text, why[512];
	int64_t run;
	int rc = ldfi_engine_exec(x->opts->engine, x->conf, fs, x->res->fault_free, &tr, why,
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
	if (rc == LDFI_ELIMIT)
		return rc;
	if (rc)
		return fail(x, rc, "execution failed: %s", why);
	info.wall_us = (int64_t)((now_s() - t) * 1e6);
	if ((rc = ldfi_db_record_run(x->db, tr, &info, &run))) {
		fail(x, rc, "%s: %s", x->res->db_path, ldfi_db_errmsg(x->db));
		ldfi_trace_destroy(tr);
		return rc;
	}
	x->res->executions++;
	text = ldfi_faults_to_string(x->conf, &tr->faults);
	if (!text)
		rc = fail(x, LDFI_ENOMEM, "%s", ldfi_strerror(LDFI_ENOMEM));
	else if (n && (rc = ldfi_db_state_tried(x->db, text, n, run)))
		fail(x, rc, "%s: %s", x->res->db_path, ldfi_db_errmsg(x->db));
	free(text);
	if (!rc && (rc = x->gen->ops->learn(x->gen, tr, vars, n, tr->passed)))
		fail(x, rc, "%s", ldfi_strerror(rc));
	if (!rc && !x->res->fault_free) {
		struct ldfi_trace *copy = NULL;

		x->res->fault_free = tr;
		if (!tr->passed && !(rc = ldfi_db_load_run(x->db, x->conf, run, tr, &copy)) &&
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
		rc = ldfi_db_load_run(x->db, x->conf, r->id, x->res->fault_free, tr);
	else if (x->gen->learns_from_traces)
		rc = ldfi_db_load_trace(x->db, x->conf, r->id, tr);
	if (rc)
		fail(x, rc, "%s: %s", x->res->db_path, ldfi_db_errmsg(x->db));
	return rc;
}

/* Feed the runs of an interrupted explore back, without executing them. */
static int resume_run(struct explore *x, const struct ldfi_db_run *r)
{
	struct ldfi_faults fs;
	struct ldfi_trace *tr = NULL;
	char err[256];
	int rc;

	ldfi_faults_init(&fs);
	if (ldfi_faults_parse(x->conf, r->faults, &fs, err, sizeof(err)) ||
	    faults_to_vars(&x->gen->space, &fs, x->vars)) {
		ldfi_faults_finish(&fs);
		return fail(x, LDFI_EFORMAT, "%s: run %lld: %s", x->res->db_path, (long long)r->id,
			    err);
	}
	if (!(rc = resume_trace(x, r, &tr)) &&
	    (rc = x->gen->ops->learn(x->gen, tr, x->vars, fs.n, r->passed)))
		fail(x, rc, "%s", ldfi_strerror(rc));
	x->res->executions++;
	if (!rc && !x->res->fault_free)
		x->res->fault_free = tr;
	else if (!rc && !r->passed && !(rc = add_cex(x, tr, r->id)))
		tr = NULL;
	if (tr != x->res->fault_free)
		ldfi_trace_destroy(tr);
	ldfi_faults_finish(&fs);
	return rc;
}

static int resume(struct explore *x)
{
	struct ldfi_db_run *runs;
	int n, rc = ldfi_db_runs(x->db, false, &runs, &n);

	if (rc)
		return fail(x, rc, "%s: %s", x->res->db_path, ldfi_db_errmsg(x->db));
	if (n && strcmp(runs[0].faults, "none") != 0)
		rc = fail(x, LDFI_EFORMAT, "%s: first run is not the fault-free run",
			  x->res->db_path);
	for (int i = 0; i < n && !rc; i++)
		rc = resume_run(x, &runs[i]);
	ldfi_db_runs_free(runs, n);
	return rc;
}

/* The solver polls this during long searches. */
static int out_of_budget(void *arg)
{
	struct explore *x = arg;

	return interrupted(x) ||
	       (x->opts->time_limit_s > 0 && now_s() - x->t0 >= x->opts->time_limit_s);
}

static bool budget_left(struct explore *x)
{
	struct ldfi_explore_result *res = x->res;
	const struct ldfi_explore_opts *o = x->opts;
	double elapsed = now_s() - x->t0;
	long pending = x->gen->ops->pending(x->gen);

	if (interrupted(x))
		snprintf(res->reason, sizeof(res->reason),
			 "interrupted after %ld executions; at least %ld hypotheses pending "
			 "(run the same command to resume)",
			 res->executions, pending);
	else if (o->max_runs && res->executions >= o->max_runs)
		snprintf(res->reason, sizeof(res->reason),
			 "max-runs %lld reached after %ld executions; at least %ld hypotheses "
			 "pending",
			 o->max_runs, res->executions, pending);
	else if (o->time_limit_s > 0 && elapsed >= o->time_limit_s)
		snprintf(res->reason, sizeof(res->reason),
			 "time limit %.0f s reached after %ld executions; at least %ld hypotheses "
			 "pending",
			 o->time_limit_s, res->executions, pending);
	else
		return true;
	res->verdict = LDFI_VERDICT_INCONCLUSIVE;
	res->pending = pending;
	return false;
}

static int loop(struct explore *x)
{
	struct ldfi_explore_result *res = x->res;
	int rc = 0;

	while (res->n_cex == 0 || x->opts->all) {
		struct ldfi_faults fs;
		int n;

		progress(x, false);
		if (!budget_left(x))
			return 0;
		rc = x->gen->ops->next(x->gen, x->vars, x->gen->space.n_vars + 1, &n);
		if (rc == LDFI_GEN_STOPPED)
			continue; /* budget_left() says which budget */
		if (rc <= 0)
			break;
		ldfi_faults_init(&fs);
		if ((rc = vars_to_faults(&x->gen->space, x->vars, n, &fs)) ||
		    (rc = execute(x, x->vars, n, &fs)))
			return rc;
	}
	if (rc < 0)
		return fail(x, rc, "%s", ldfi_strerror(rc));
	res->verdict = res->n_cex ? LDFI_VERDICT_COUNTEREXAMPLE : LDFI_VERDICT_CERTIFIED;
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
			return rc;
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

static int start(struct explore *x)
{
	struct ldfi_faults none;
	int rc = resume(x);

	if (rc || x->res->executions > 0)
		return rc;
	ldfi_faults_init(&none);
	return execute(x, NULL, 0, &none);
}

/* Run the loop; on success res is filled. Returns 0 or LDFI_E*. */
static int explore(struct explore *x)
{
	int rc;

	x->t0 = now_s();
	x->gen = make_gen(x->conf, x->opts);
	x->vars = x->gen ? malloc(((size_t)x->gen->space.n_vars + 1) * sizeof(int)) : NULL;
	if (!x->gen || !x->vars)
		return fail(x, LDFI_ENOMEM, "%s", ldfi_strerror(LDFI_ENOMEM));
	x->gen->stop = out_of_budget;
	x->gen->stop_arg = x;
	if (!(rc = start(x)))
		rc = loop(x);
	if (!rc && x->res->n_cex && !x->opts->all && !x->gen->minimal_cex)
		rc = shrink(x);
	progress(x, true);
	x->res->tried = ldfi_setset_count(x->gen->tried) - 1;
	x->res->pruned = x->gen->pruned;
	x->res->wall_s = now_s() - x->t0;
	return rc;
}

/* What identifies an exploration: the conf's bytes, bounds, strategy, seed. */
static char *digest(const char *path, const struct ldfi_conf *conf,
		    const struct ldfi_explore_opts *o)
{
	uint64_t h = LDFI_HASH64_INIT;
	FILE *f = fopen(path, "rb");
	char buf[4096], *s;
	size_t n;

	if (!f)
		return NULL;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		h = ldfi_hash64(h, buf, n);
	fclose(f);
	if (asprintf(&s, "%016llx eot=%d eff=%d crashes=%d strategy=%s seed=%llu",
		     (unsigned long long)h, conf->eot, conf->eff, conf->crashes,
		     ldfi_strategy_name(o->strategy), (unsigned long long)o->seed) < 0)
		return NULL;
	/* Only with restarts: explorations of other confs keep their digest. */
	if (conf->restarts > 0) {
		char *t = s;

		if (asprintf(&s, "%s restarts=%d downtime=%d", t, conf->restarts, conf->downtime) <
		    0)
			s = NULL;
		free(t);
	}
	return s;
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

/* Persist the verdict and the hypotheses still pending. */
static void save_state(struct explore *x)
{
	struct ldfi_explore_result *res = x->res;
	char buf[64];

	save_pending(x);
	ldfi_db_state_set(x->db, "verdict", ldfi_verdict_name(res->verdict));
	snprintf(buf, sizeof(buf), "%ld", res->executions);
	ldfi_db_state_set(x->db, "executions", buf);
	ldfi_db_state_set(x->db, "reason", res->reason);
}

int ldfi_explore(const struct ldfi_conf *conf, const struct ldfi_explore_opts *o,
		 struct ldfi_explore_result *res, char *err, size_t errlen)
{
	struct explore x = {.conf = conf, .opts = o, .res = res, .err = err, .errlen = errlen};
	char *dg = digest(o->conf_path, conf, o);
	int rc;

	memset(res, 0, sizeof(*res));
	res->conf = conf;
	res->opts = o;
	err[0] = '\0';
	if (!dg) {
		snprintf(err, errlen, "%s: cannot read", o->conf_path);
		return LDFI_EIO;
	}
	rc = ldfi_db_state_open(o->out_dir, dg, o->fresh, &x.db, &res->db_path, err, errlen);
	free(dg);
	if (rc)
		return rc;
	if (!(rc = explore(&x)))
		save_state(&x);
	else if (!err[0])
		snprintf(err, errlen, "%s", ldfi_strerror(rc));
	ldfi_gen_destroy(x.gen);
	free(x.vars);
	ldfi_db_close(x.db);
	return rc;
}
