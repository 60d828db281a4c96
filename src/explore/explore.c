/*
 * explore.c - `ldfi explore`: the fault-free run, then hypotheses from the
 * chosen strategy, each run and recorded, until a counterexample, no
 * hypothesis left (certified), or a budget runs out (inconclusive). State
 * lives in OUT/provenance.db, so a stopped explore resumes where it was.
 */
#include <getopt.h>
#include <sqlite3.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "runtime/store/store.h"
#include "ldfi/ldfi.h"
#include "runtime/runtime.h"
#include "runtime/runtime.h"
#include "src/cli/cli.h"
#include "src/explore/explore.h"
#include "src/report/report.h"
#include "src/report/report_html.h"
#include "runtime/store/state.h"
#include "src/explore/strategy.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

struct explore {
	const struct ldfi_conf *conf;
	const struct ldfi_explore_opts *opts;
	struct ldfi_explore_result *res;
	struct ldfi_db *db;
	struct ldfi_gen *gen;
	int *vars;
	double t0, last_progress;
	bool show_progress;
};

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
	free(res->replay);
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

static void progress(struct explore *x, bool force)
{
	double t = now_s();

	if (!x->show_progress || (!force && t - x->last_progress < 0.5))
		return;
	x->last_progress = t;
	fprintf(stderr, "%sexecutions %ld, hypotheses pending %ld, elapsed %.1f s%s",
		isatty(2) ? "\r" : "", x->res->executions, x->gen->ops->pending(x->gen), t - x->t0,
		isatty(2) ? "   " : "\n");
	if (force && isatty(2))
		fputc('\n', stderr);
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

/* The last database error: the recorder's message, or SQLite's for the
 * explorer's own statements (state.c), e.g. "database disk image is malformed". */
static const char *db_msg(struct ldfi_db *db)
{
	const char *m = ldfi_db_errmsg(db);

	return m[0] || !db ? m : sqlite3_errmsg(ldfi_db_sqlite(db));
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
		fprintf(stderr,
			"ldfi explore: the execution under faults '%s' was stopped: it sends more "
			"messages than allowed (%s): lower eot or the number of records\n",
			text ? text : "?", lim);
		free(text);
	}
	ldfi_faults_finish(fs);
	if (rc == LDFI_ELIMIT)
		return rc;
	if (rc) {
		fprintf(stderr, "ldfi explore: execution failed: %s\n", why);
		return rc;
	}
	info.wall_us = (int64_t)((now_s() - t) * 1e6);
	if ((rc = ldfi_db_record_run(x->db, tr, &info, &run))) {
		fprintf(stderr, "ldfi explore: %s: %s\n", x->res->db_path, db_msg(x->db));
		ldfi_trace_destroy(tr);
		return rc;
	}
	x->res->executions++;
	text = ldfi_faults_to_string(x->conf, &tr->faults);
	if (!text || (n && ldfi_state_tried(x->db, text, n, run)))
		rc = text ? LDFI_EDB : LDFI_ENOMEM;
	free(text);
	if (!rc)
		rc = x->gen->ops->learn(x->gen, x->db, run, vars, n, tr->passed);
	if (rc)
		fprintf(stderr, "ldfi explore: %s\n", ldfi_strerror(rc));
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

/* Feed the runs of an interrupted explore back, without executing them. */
static int resume_run(struct explore *x, const struct ldfi_state_run *r)
{
	struct ldfi_faults fs;
	struct ldfi_trace *tr = NULL;
	char err[256];
	int rc;

	ldfi_faults_init(&fs);
	if (ldfi_faults_parse(x->conf, r->faults, &fs, err, sizeof(err)) ||
	    faults_to_vars(&x->gen->space, &fs, x->vars)) {
		fprintf(stderr, "ldfi explore: %s: run %lld: %s\n", x->res->db_path,
			(long long)r->id, err);
		ldfi_faults_finish(&fs);
		return LDFI_EFORMAT;
	}
	rc = x->gen->ops->learn(x->gen, x->db, r->id, x->vars, fs.n, r->passed);
	x->res->executions++;
	if (!rc && (!x->res->fault_free || !r->passed))
		rc = ldfi_db_load_run(x->db, x->conf, r->id, x->res->fault_free, &tr);
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
	struct ldfi_state_run *runs;
	int n, rc = ldfi_state_runs(x->db, &runs, &n);

	if (rc) {
		fprintf(stderr, "ldfi explore: %s: %s\n", x->res->db_path, db_msg(x->db));
		return rc;
	}
	if (n && strcmp(runs[0].faults, "none") != 0) {
		fprintf(stderr, "ldfi explore: %s: first run is not the fault-free run\n",
			x->res->db_path);
		rc = LDFI_EFORMAT;
	}
	for (int i = 0; i < n && !rc; i++)
		rc = resume_run(x, &runs[i]);
	ldfi_state_runs_free(runs, n);
	return rc;
}

/* The solver polls this during long searches. */
static int out_of_budget(void *arg)
{
	struct explore *x = arg;

	return interrupted ||
	       (x->opts->time_limit_s > 0 && now_s() - x->t0 >= x->opts->time_limit_s);
}

static bool budget_left(struct explore *x)
{
	struct ldfi_explore_result *res = x->res;
	const struct ldfi_explore_opts *o = x->opts;
	double elapsed = now_s() - x->t0;
	long pending = x->gen->ops->pending(x->gen);

	if (interrupted)
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
	if (rc < 0) {
		fprintf(stderr, "ldfi explore: %s\n", ldfi_strerror(rc));
		return rc;
	}
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

	return interrupted || (o->max_runs && x->res->executions >= o->max_runs) ||
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
 * which are not monotone, and its extensions, src/extend.h): the subsets
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
		return LDFI_ENOMEM;
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

static int parse_opts(int argc, char **argv, struct ldfi_explore_opts *o, int bounds[3],
		      bool *fresh, const char **strategy, const char **seed)
{
	static const struct option longopts[] = {
	    {"strategy", required_argument, NULL, 's'},
	    {"eot", required_argument, NULL, 'T'},
	    {"eff", required_argument, NULL, 'E'},
	    {"crashes", required_argument, NULL, 'C'},
	    {"max-runs", required_argument, NULL, 'm'},
	    {"time-limit", required_argument, NULL, 't'},
	    {"seed", required_argument, NULL, 'S'},
	    {"jobs", required_argument, NULL, 'j'},
	    {"all", no_argument, NULL, 'a'},
	    {"out", required_argument, NULL, 'o'},
	    {"json", required_argument, NULL, 'J'},
	    {"junit", required_argument, NULL, 'U'},
	    {"html", required_argument, NULL, 'H'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"progress", no_argument, NULL, 'p'},
	    {"fresh", no_argument, NULL, 'f'},
	    {"engine", required_argument, NULL, 'e'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	long long v;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		const char *opt = argv[optind - 1];

		switch (c) {
		case 's':
			*strategy = optarg;
			break;
		case 'S':
			*seed = optarg;
			break;
		case 'T':
		case 'E':
		case 'C':
			if ((v = ldfi_cli_number("explore", opt, optarg, LDFI_EOT_MAX)) < 0)
				return LDFI_EXIT_USAGE;
			bounds[c == 'T' ? 0 : c == 'E' ? 1 : 2] = (int)v;
			break;
		case 'm':
			if ((v = ldfi_cli_number("explore", opt, optarg, 1000000000000LL)) < 1)
				return v < 0 ? LDFI_EXIT_USAGE
					     : ldfi_cli_usage_error("explore",
								    "--max-runs must be >= 1");
			o->max_runs = v;
			break;
		case 't':
			if ((v = ldfi_cli_number("explore", opt, optarg, 100000000LL)) < 1)
				return v < 0 ? LDFI_EXIT_USAGE
					     : ldfi_cli_usage_error("explore",
								    "--time-limit must be >= 1");
			o->time_limit_s = (double)v;
			break;
		case 'j':
			if ((v = ldfi_cli_number("explore", opt, optarg, 1024)) < 1)
				return v < 0
					   ? LDFI_EXIT_USAGE
					   : ldfi_cli_usage_error("explore", "--jobs must be >= 1");
			o->jobs = (int)v;
			break;
		case 'a':
			o->all = true;
			break;
		case 'o':
			o->out_dir = optarg;
			break;
		case 'J':
			o->json = optarg;
			break;
		case 'U':
			o->junit = optarg;
			break;
		case 'H':
			o->html = optarg;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'p':
			o->progress = true;
			break;
		case 'f':
			*fresh = true;
			break;
		case 'e':
			if (ldfi_engine_parse(optarg, &o->engine))
				return ldfi_cli_usage_error(
				    "explore", "--engine must be sim or live, not '%s'", optarg);
			break;
		case 'h':
			printf(
			    "usage: ldfi explore PIPELINE.conf [--strategy ldfi|random|exhaustive] "
			    "[--eot N] [--eff N] [--crashes N] [--max-runs N] [--time-limit S] "
			    "[--seed N] [--jobs N] [--all] [--out DIR] [--json FILE] "
			    "[--junit FILE] [--html DIR] [--quiet] [--progress] [--fresh] "
			    "[--engine sim|live]\n");
			return -1;
		default:
			return ldfi_cli_usage_error("explore", "unknown or incomplete option '%s'",
						    opt);
		}
	}
	if (optind != argc - 1)
		return ldfi_cli_usage_error("explore", "expects exactly one PIPELINE.conf");
	o->conf_path = argv[optind];
	return 0;
}

/* Strategy and seed: the command line overrides the conf. */
static int apply_choices(struct ldfi_explore_opts *o, const struct ldfi_conf *conf,
			 const char *strategy, const char *seed)
{
	o->strategy = conf->strategy;
	o->seed = conf->seed;
	if (strategy) {
		if (strcmp(strategy, "ldfi") == 0)
			o->strategy = LDFI_STRATEGY_LDFI;
		else if (strcmp(strategy, "random") == 0)
			o->strategy = LDFI_STRATEGY_RANDOM;
		else if (strcmp(strategy, "exhaustive") == 0)
			o->strategy = LDFI_STRATEGY_EXHAUSTIVE;
		else
			return ldfi_cli_usage_error("explore", "unknown strategy '%s'", strategy);
	}
	if (seed) {
		char *end;

		o->seed = strtoull(seed, &end, 10);
		if (!*seed || *end || seed[0] == '-')
			return ldfi_cli_usage_error("explore", "--seed expects a number, got '%s'",
						    seed);
	}
	if (!o->max_runs)
		o->max_runs = conf->max_runs;
	return 0;
}

/* What identifies an exploration: the conf's bytes, bounds, strategy, seed. */
static char *digest(const char *path, const struct ldfi_conf *conf,
		    const struct ldfi_explore_opts *o)
{
	uint64_t h = 1469598103934665603ull;
	FILE *f = fopen(path, "rb");
	char *s;
	int ch;

	if (!f)
		return NULL;
	while ((ch = getc(f)) != EOF)
		h = (h ^ (uint64_t)ch) * 1099511628211ull;
	fclose(f);
	if (asprintf(&s, "%016llx eot=%d eff=%d crashes=%d strategy=%s seed=%llu",
		     (unsigned long long)h, conf->eot, conf->eff, conf->crashes,
		     ldfi_strategy_name(o->strategy), (unsigned long long)o->seed) < 0)
		return NULL;
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
	    ldfi_state_pending(x->db, p.faults, p.sizes, p.n))
		fprintf(stderr, "ldfi explore: %s: cannot save pending hypotheses: %s\n",
			x->res->db_path, db_msg(x->db));
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
	ldfi_state_set(x->db, "verdict", ldfi_verdict_name(res->verdict));
	snprintf(buf, sizeof(buf), "%ld", res->executions);
	ldfi_state_set(x->db, "executions", buf);
	ldfi_state_set(x->db, "reason", res->reason);
}

static int write_reports(const struct ldfi_explore_opts *o, const struct ldfi_explore_result *res)
{
	char *path = NULL;
	int rc = 0;

	if (!o->quiet) {
		rc = ldfi_report_text(stdout, res);
	} else {
		char *text = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);

		if (f) {
			rc = ldfi_report_text(f, res);
			fclose(f);
			fwrite(text, 1, strcspn(text, "\n") + (strchr(text, '\n') != NULL), stdout);
		} else {
			rc = LDFI_ENOMEM;
		}
		free(text);
	}
	fflush(stdout);
	if (rc) {
		fprintf(stderr, "ldfi explore: text report: %s\n", ldfi_strerror(rc));
		return rc;
	}
	if (asprintf(&path, "%s/report.json", o->out_dir) < 0) {
		fprintf(stderr, "ldfi explore: %s/report.json: %s\n", o->out_dir,
			ldfi_strerror(LDFI_ENOMEM));
		return LDFI_ENOMEM;
	}
	rc = ldfi_report_json(path, res);
	free(path);
	if (!rc && o->json)
		rc = ldfi_report_json(o->json, res);
	if (!rc && o->junit)
		rc = ldfi_report_junit(o->junit, res);
	if (!rc && o->html)
		rc = ldfi_report_html(o->html, res);
	return rc;
}

static int exit_status(const struct ldfi_explore_result *res)
{
	switch (res->verdict) {
	case LDFI_VERDICT_CERTIFIED:
		return LDFI_EXIT_CERTIFIED;
	case LDFI_VERDICT_COUNTEREXAMPLE:
		return LDFI_EXIT_COUNTEREXAMPLE;
	case LDFI_VERDICT_INCONCLUSIVE:
		return LDFI_EXIT_INCONCLUSIVE;
	}
	return LDFI_EXIT_INTERNAL;
}

int ldfi_explore(const struct ldfi_conf *conf, const struct ldfi_explore_opts *o, bool fresh,
		 struct ldfi_explore_result *res, char *err, size_t errlen)
{
	struct explore x = {.conf = conf, .opts = o, .res = res};
	char *dg = digest(o->conf_path, conf, o);
	int rc;

	memset(res, 0, sizeof(*res));
	res->conf = conf;
	res->opts = o;
	x.show_progress = o->progress || (!o->quiet && isatty(2));
	if (!dg) {
		snprintf(err, errlen, "%s: cannot read", o->conf_path);
		return LDFI_EIO;
	}
	rc = ldfi_state_open(o->out_dir, dg, fresh, &x.db, &res->db_path, err, errlen);
	free(dg);
	if (rc)
		return rc;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	rc = explore(&x);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	if (!rc) {
		res->replay = ldfi_report_replay_command(res);
		save_state(&x);
	} else {
		snprintf(err, errlen,
			 "%s: %s; exploration stopped, the runs recorded so far are kept",
			 res->db_path, ldfi_strerror(rc));
	}
	ldfi_gen_destroy(x.gen);
	free(x.vars);
	ldfi_db_close(x.db);
	return rc;
}

static int run_explore(struct ldfi_explore_opts *o, const struct ldfi_conf *conf, bool fresh)
{
	struct ldfi_explore_result res;
	char err[1024];
	int rc = ldfi_explore(conf, o, fresh, &res, err, sizeof(err)), status;

	if (rc) {
		fprintf(stderr, "ldfi explore: %s\n", err);
		status =
		    rc == LDFI_EINVAL || rc == LDFI_ELIMIT ? LDFI_EXIT_USAGE : LDFI_EXIT_INTERNAL;
	} else {
		status = write_reports(o, &res) ? LDFI_EXIT_INTERNAL : exit_status(&res);
	}
	ldfi_explore_result_finish(&res);
	return status;
}

/* Most fault variables (possible faults) an exploration accepts. */
#define LDFI_MAX_VARS 100000

/* Refuse, before running anything, an execution over LDFI_MAX_MESSAGES
 * (estimated) or a fault space over LDFI_MAX_VARS: exit 2 with the numbers. */
static int refuse_large(struct ldfi_conf *conf)
{
	long long n = conf->n_nodes, crash = conf->crashes > 0 ? n * conf->eot : 0;
	long long omit = n * (n - 1) * (conf->eff > 1 ? conf->eff - 1 : 0);
	char msg[512];

	if (crash + omit > LDFI_MAX_VARS) {
		fprintf(
		    stderr,
		    "ldfi explore: the fault space of %s has %lld possible faults (%lld crashes: "
		    "nodes x eot; %lld omissions: node pairs x (eff - 1)); the limit is %d: lower "
		    "eot or eff\n",
		    conf->path, crash + omit, crash, omit, LDFI_MAX_VARS);
		return LDFI_EXIT_USAGE;
	}
	if (ldfi_rt_too_large(conf, msg, sizeof(msg))) {
		fprintf(stderr, "ldfi explore: %s\n", msg);
		return LDFI_EXIT_USAGE;
	}
	return 0;
}

int ldfi_cmd_explore(int argc, char **argv)
{
	struct ldfi_explore_opts o = {.out_dir = "ldfi-out", .jobs = 1};
	const char *strategy = NULL, *seed = NULL;
	int bounds[3] = {-1, -1, -1}, status;
	struct ldfi_conf *conf;
	bool fresh = false;

	status = parse_opts(argc, argv, &o, bounds, &fresh, &strategy, &seed);
	if (status)
		return status < 0 ? 0 : status;
	conf = ldfi_cli_load(o.conf_path, bounds[0], bounds[1], bounds[2], &status);
	if (!conf)
		return status;
	status = refuse_large(conf);
	if (!status)
		status = apply_choices(&o, conf, strategy, seed);
	if (!status)
		status = run_explore(&o, conf, fresh);
	ldfi_conf_destroy(conf);
	return status;
}
