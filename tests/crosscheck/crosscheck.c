/*
 * crosscheck.c - strategy ldfi must reach exactly the verdict of strategy
 * exhaustive. Explores random pipelines (gen.c), saved regression confs and
 * the bundled scenarios at small bounds with both strategies, compares the
 * verdicts, and re-runs every counterexample to confirm that it breaks a
 * check. See docs/testing.md.
 *
 * usage: crosscheck [N] [--plugins|--restarts] [--start S] [--seed S] [--scenarios DIR]...
 *                   [--regressions DIR] [-v] [FILE.conf]...
 *        crosscheck --print S
 *   N               random pipelines of seeds S..S+N-1 (default 200, S = 1);
 *                   CROSSCHECK_SEEDS in the environment overrides N, and an
 *                   AddressSanitizer build runs N/4 unless it is set
 *   --plugins       seeds are random protocols of interpreted plugin stages
 *                   (gen_plugin.c; before --seed/--print); saved confs with
 *                   "#%" lines are run by the same interpreter
 *   --restarts      seeds are random pipelines with restart faults, durable
 *                   and volatile components and window-counts
 *                   (gen_pipeline_restart; before --seed/--print)
 *   --restart-matrix K  the restart matrix (gen_matrix), every K-th of its
 *                   distinct confs (1: all), starting at the --start'th
 *   --seed S        print pipeline S, then cross-check it alone
 *   --print S       print pipeline S's conf and exit
 *   --space-max N   skip scenario bounds whose space exceeds N fault sets
 *                   (default 5000; a quarter under AddressSanitizer)
 *   --scenarios DIR every .conf file in DIR (plugins found as ldfi finds
 *                   them: LDFI_PLUGIN_PATH) at bounds 4/2/0, 4/2/1, 5/3/0, 5/2/1,
 *                   3/2/1 and 5/1/1 (eot/eff/crashes)
 *   --regressions DIR  fail for every .conf file in DIR not given as FILE.conf
 *                   (and run it)
 *   FILE.conf       a saved conf at its own bounds; a "# expect: VERDICT"
 *                   line in it is checked against exhaustive's verdict
 * Prints one summary line and then "N passed, M failed"; exit status 1 when
 * anything failed.
 */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "gen.h"
#include "gen_plugin.h"
#include "ldfi/conf.h"
#include "ldfi/faults.h"
#include "ldfi/ldfi.h"
#include "runtime/runtime.h"
#include "src/explore/explore.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

/* Scenario bounds: eot, eff, crashes; combinations whose space exceeds
 * SCENARIO_SPACE_MAX are skipped (so are bounds a conf refuses: eot below a
 * window-count's window). The eot-8 rows reach the stream scenarios with a
 * 6-round window (scenarios/stream/wallaroo-*.conf). */
static const int scenario_bounds[][3] = {{4, 2, 0}, {4, 2, 1}, {5, 3, 0}, {5, 2, 1},
					 {3, 2, 1}, {5, 1, 1}, {8, 3, 0}, {8, 2, 1}};
/* With --restarts: {eot, eff, crashes, restarts, downtime}, space cap 5000. */
static const int scenario_restart_bounds[][5] = {
    {6, 2, 0, 1, 1}, {8, 2, 0, 1, 1}, {10, 1, 0, 1, 2}};
#define SCENARIO_RESTART_SPACE_MAX 5000.0
#define SCENARIO_SPACE_MAX 5000.0
static double scenario_space_max = SCENARIO_SPACE_MAX; /* --space-max */
static bool space_max_given;			       /* --space-max: for the restart rows too */

static char *tmp_base; /* this process's temporary directory */
static bool verbose;
static bool stop;	  /* an exploration was interrupted (SIGINT, SIGTERM): skip the rest */
static bool plugins;	  /* --plugins: seeds are interpreted plugin protocols (gen_plugin.c) */
static bool restarts;	  /* --restarts: seeds are pipelines with restarts */
static long matrix_every; /* --restart-matrix K */

static struct {
	int cases, passed, failed;
	int certified, counterexample, skipped, mismatches;
	int larger; /* ldfi's counterexample has more faults than exhaustive's */
	long exec_ldfi, exec_exh;
	double wall_ldfi, wall_exh;
} tot;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	if (remove(path))
		fprintf(stderr, "crosscheck: cannot remove %s: %s\n", path, strerror(errno));
	return 0;
}

static void rm_tree(const char *path)
{
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* The conf text of seed `seed` in the current mode (caller frees). */
static char *seed_text(uint64_t seed)
{
	return plugins	  ? gen_plugin_pipeline(seed)
	       : restarts ? gen_pipeline_restart(seed)
			  : gen_pipeline(seed);
}

/* A new empty directory under tmp_base, or NULL. */
static char *make_dir(const char *what)
{
	char *dir;

	if (asprintf(&dir, "%s/%s.XXXXXX", tmp_base, what) < 0)
		return NULL;
	if (!mkdtemp(dir)) {
		fprintf(stderr, "crosscheck: mkdtemp %s: %s\n", dir, strerror(errno));
		free(dir);
		return NULL;
	}
	return dir;
}

/* $TMPDIR, else /dev/shm when usable (the provenance databases are written
 * for every execution; memory is faster), else /tmp. */
static int make_tmp_base(void)
{
	const char *t = getenv("TMPDIR");

	if (!t || !*t)
		t = access("/dev/shm", W_OK | X_OK) == 0 ? "/dev/shm" : "/tmp";
	if (asprintf(&tmp_base, "%s/crosscheck.XXXXXX", t) < 0)
		return -1;
	if (!mkdtemp(tmp_base)) {
		fprintf(stderr, "crosscheck: mkdtemp %s: %s\n", tmp_base, strerror(errno));
		free(tmp_base);
		tmp_base = NULL;
		return -1;
	}
	return 0;
}

/* --jobs J: ldfi explores with J threads, and once more with 1 when J > 1;
 * both must give the same verdict, counterexample and executions. */
static int jobs = 1, cur_jobs = 1;
/* --shards N: ldfi also explores each of N shards; together they must give
 * exhaustive's verdict, and a counterexample of its size. `cur_shard` is
 * the shard explore() runs (-1: the whole space). */
static int shards = 0, cur_shard = -1;

/* One exploration with its options (the result borrows them). */
struct run {
	struct ldfi_explore_opts opts;
	struct ldfi_explore_result res;
	char *dir;
	bool ok; /* ldfi_explore returned 0 and res is filled */
};

static void run_finish(struct run *r)
{
	if (r->ok)
		ldfi_explore_result_finish(&r->res);
	if (r->dir) {
		rm_tree(r->dir);
		free(r->dir);
	}
	r->ok = false;
	r->dir = NULL;
}

static int explore(const char *path, const struct ldfi_conf *conf, enum ldfi_strategy strategy,
		   struct run *r)
{
	char err[512];
	double t0 = now_s();
	int rc;

	memset(r, 0, sizeof(*r));
	r->dir = make_dir(ldfi_strategy_name(strategy));
	if (!r->dir)
		return -1;
	r->opts = (struct ldfi_explore_opts){.conf_path = path,
					     .strategy = strategy,
					     .seed = 1,
					     .out_dir = r->dir,
					     .fresh = true,
					     .jobs = strategy == LDFI_STRATEGY_LDFI ? cur_jobs : 1,
					     .shard_index = cur_shard,
					     .shard_count = cur_shard >= 0 ? shards : 0};
	rc = ldfi_explore(conf, &r->opts, &r->res, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "crosscheck: %s: explore --strategy %s: %s\n", path,
			ldfi_strategy_name(strategy), err);
		ldfi_explore_result_finish(&r->res);
		return -1;
	}
	r->ok = true;
	if (strategy == LDFI_STRATEGY_LDFI) {
		tot.exec_ldfi += r->res.executions;
		tot.wall_ldfi += now_s() - t0;
	} else {
		tot.exec_exh += r->res.executions;
		tot.wall_exh += now_s() - t0;
	}
	return 0;
}

/* The names of the checks `tr` fails, space-separated, into buf. */
static void failed_checks(const struct ldfi_conf *conf, const struct ldfi_trace *tr, char *buf,
			  size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int i = 0; i < tr->n_checks && off < len; i++)
		if (!tr->checks[i].passed)
			off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? " " : "",
						conf->checks[tr->checks[i].check].name);
}

/* Describe r's verdict: "counterexample crash(a,2) (fails c1; 12 executions)". */
static void describe(const struct run *r, char *buf, size_t len)
{
	const struct ldfi_explore_result *res = &r->res;
	char faults[512] = "", checks[256] = "";

	if (res->n_cex) {
		ldfi_faults_format(res->conf, &res->cex[0].trace->faults, faults, sizeof(faults));
		failed_checks(res->conf, res->cex[0].trace, checks, sizeof(checks));
		snprintf(buf, len, "%s %s (fails %s; %ld executions)",
			 ldfi_verdict_name(res->verdict), faults, checks, res->executions);
	} else {
		snprintf(buf, len, "%s (%ld executions)", ldfi_verdict_name(res->verdict),
			 res->executions);
	}
}

/* A reported counterexample must be a valid fault set of the bounds that,
 * executed again from scratch, fails a check. Returns true when it does. */
static bool cex_valid(const struct run *r, const char *label)
{
	const struct ldfi_explore_result *res = &r->res;
	const struct ldfi_conf *conf = res->conf;
	struct ldfi_trace *tr = NULL;
	const char *strategy = ldfi_strategy_name(r->opts.strategy);
	char faults[512], err[256];
	int rc;

	if (res->verdict != LDFI_VERDICT_COUNTEREXAMPLE)
		return true;
	if (res->n_cex < 1) {
		printf("FAIL %s: %s says counterexample but reports none\n", label, strategy);
		return false;
	}
	ldfi_faults_format(conf, &res->cex[0].trace->faults, faults, sizeof(faults));
	if (ldfi_faults_check(conf, &res->cex[0].trace->faults, err, sizeof(err))) {
		printf("FAIL %s: %s counterexample %s is outside the bounds: %s\n", label, strategy,
		       faults, err);
		return false;
	}
	rc = ldfi_runtime_exec(conf, &res->cex[0].trace->faults, NULL, &tr);
	if (rc) {
		printf("FAIL %s: re-running %s counterexample %s: %s\n", label, strategy, faults,
		       ldfi_strerror(rc));
		return false;
	}
	if (tr->passed) {
		printf("FAIL %s: %s counterexample %s passes every check when run again\n", label,
		       strategy, faults);
		ldfi_trace_destroy(tr);
		return false;
	}
	ldfi_trace_destroy(tr);
	return true;
}

/* "# expect: certified" (or counterexample) in the leading comments of a
 * saved conf; -1 when absent. */
static int expected_verdict(const char *text)
{
	const char *p = strstr(text, "# expect:");

	if (!p)
		return -1;
	p += strlen("# expect:");
	p += strspn(p, " \t");
	if (strncmp(p, "certified", 9) == 0)
		return LDFI_VERDICT_CERTIFIED;
	if (strncmp(p, "counterexample", 14) == 0)
		return LDFI_VERDICT_COUNTEREXAMPLE;
	return -1;
}

/* Whether strategy ldfi's counterexample is the first failing set in its
 * search order (fewest faults, then by variable), as exhaustive's is: when
 * every check is about records held (docs/explore.md). */
static bool canonical_cex(const struct ldfi_conf *conf)
{
	for (int i = 0; i < conf->n_checks; i++)
		if (conf->checks[i].kind == LDFI_CHECK_PLUGIN && conf->checks[i].holds < 0)
			return false;
	return true;
}

/* With --jobs J > 1: whether ldfi with one thread says exactly `dl` (the
 * description of its run with J). */
static bool same_with_one_job(const char *label, const char *path, const struct ldfi_conf *conf,
			      const char *dl)
{
	struct run one = {0};
	char d1[1024];
	bool same;

	cur_jobs = 1;
	if (explore(path, conf, LDFI_STRATEGY_LDFI, &one)) {
		cur_jobs = jobs;
		printf("FAIL %s: exploration with --jobs 1 failed\n", label);
		return false;
	}
	cur_jobs = jobs;
	describe(&one, d1, sizeof(d1));
	same = strcmp(d1, dl) == 0;
	if (!same)
		printf("FAIL %s: --jobs %d and --jobs 1 differ\n  --jobs %d: %s\n  --jobs 1: %s\n",
		       label, jobs, jobs, dl, d1);
	run_finish(&one);
	return same;
}

/* Whether fault set a comes before b in the search's order: fewer faults,
 * then lexicographic by fault variable. */
static bool cex_before(const struct ldfi_conf *conf, const struct ldfi_faults *a,
		       const struct ldfi_faults *b)
{
	struct ldfi_space sp;

	if (a->n != b->n)
		return a->n < b->n;
	ldfi_space_init(&sp, conf);
	for (int i = 0; i < a->n; i++) {
		int va = ldfi_space_var(&sp, &a->v[i]), vb = ldfi_space_var(&sp, &b->v[i]);

		if (va != vb)
			return va < vb;
	}
	return false;
}

/* With --shards N: the N shards of ldfi together against exhaustive's run
 * `e` and ldfi's unsharded run `l`: certified only if all are, else the
 * first counterexample over them (the merge's) is l's, with as many faults
 * as exhaustive's (the fewest of the space). */
static bool shards_agree(const char *label, const char *path, const struct ldfi_conf *conf,
			 const struct run *l, const struct run *e)
{
	struct ldfi_faults best;
	int certified = 0, found = 0;
	bool ok = true;

	ldfi_faults_init(&best);

	for (cur_shard = 0; cur_shard < shards && ok; cur_shard++) {
		struct run s = {0};

		if (explore(path, conf, LDFI_STRATEGY_LDFI, &s)) {
			printf("FAIL %s: shard %d/%d: exploration failed\n", label, cur_shard,
			       shards);
			ok = false;
		} else if (s.res.verdict == LDFI_VERDICT_CERTIFIED) {
			certified++;
		} else if (s.res.verdict == LDFI_VERDICT_COUNTEREXAMPLE && s.res.n_cex) {
			const struct ldfi_faults *f = &s.res.cex[0].trace->faults;

			if (!found++ || cex_before(conf, f, &best)) {
				best.n = 0;
				for (int i = 0; i < f->n && ok; i++)
					ok = !ldfi_faults_add(&best, f->v[i]);
			}
			ok = ok && cex_valid(&s, label);
		} else {
			printf("FAIL %s: shard %d/%d: %s\n", label, cur_shard, shards,
			       ldfi_verdict_name(s.res.verdict));
			ok = false;
		}
		run_finish(&s);
	}
	cur_shard = -1;
	if (ok && ((certified == shards) != (e->res.verdict == LDFI_VERDICT_CERTIFIED) ||
		   (found && e->res.n_cex && best.n != e->res.cex[0].trace->faults.n))) {
		printf("MISMATCH %s: %d shards: %d certified, smallest counterexample %d faults; "
		       "exhaustive: %s\n",
		       label, shards, certified, found ? best.n : -1,
		       ldfi_verdict_name(e->res.verdict));
		tot.mismatches++;
		ok = false;
	} else if (ok && found && l->res.n_cex &&
		   ldfi_faults_cmp(&best, &l->res.cex[0].trace->faults) != 0) {
		char a[512], b[512];

		ldfi_faults_format(conf, &best, a, sizeof(a));
		ldfi_faults_format(conf, &l->res.cex[0].trace->faults, b, sizeof(b));
		printf("FAIL %s: %d shards merged give counterexample %s, unsharded %s\n", label,
		       shards, a, b);
		ok = false;
	}
	ldfi_faults_finish(&best);
	return ok;
}

/*
 * Cross-check one conf (bounds applied) read from `path`, whose text is
 * `text` (printed on failure). `expect` is the known verdict or -1.
 */
static void crosscheck(const char *label, const char *path, const char *text,
		       const struct ldfi_conf *conf, int expect)
{
	struct run l = {0}, e = {0};
	char dl[1024], de[1024];
	bool ok = true;

	tot.cases++;
	if (explore(path, conf, LDFI_STRATEGY_LDFI, &l) ||
	    explore(path, conf, LDFI_STRATEGY_EXHAUSTIVE, &e)) {
		printf("FAIL %s: exploration failed\n", label);
		ok = false;
		goto out;
	}
	describe(&l, dl, sizeof(dl));
	describe(&e, de, sizeof(de));
	if (jobs > 1 && !same_with_one_job(label, path, conf, dl))
		ok = false;
	if (shards > 1 && !shards_agree(label, path, conf, &l, &e))
		ok = false;
	if (verbose)
		printf("%s: eot=%d eff=%d crashes=%d restarts=%d: ldfi %s; exhaustive %s\n", label,
		       conf->eot, conf->eff, conf->crashes, conf->restarts, dl, de);
	if (e.res.verdict == LDFI_VERDICT_INCONCLUSIVE ||
	    l.res.verdict == LDFI_VERDICT_INCONCLUSIVE) {
		printf("FAIL %s: inconclusive without a budget: ldfi: %s; exhaustive: %s\n", label,
		       l.res.reason, e.res.reason);
		stop = true;
		ok = false;
	} else if (l.res.verdict != e.res.verdict) {
		printf(
		    "MISMATCH %s (eot=%d eff=%d crashes=%d restarts=%d downtime=%d)\n  ldfi:     "
		    "  %s\n  exhaustive: %s\n",
		    label, conf->eot, conf->eff, conf->crashes, conf->restarts, conf->downtime, dl,
		    de);
		tot.mismatches++;
		ok = false;
	} else if (l.res.n_cex && e.res.n_cex &&
		   l.res.cex[0].trace->faults.n > e.res.cex[0].trace->faults.n) {
		/* Exhaustive runs smaller sets first: its counterexample has the
		 * fewest faults. Not a verdict error, so only counted. */
		if (verbose)
			printf("note %s: ldfi's counterexample has %d faults, exhaustive's %d\n",
			       label, l.res.cex[0].trace->faults.n, e.res.cex[0].trace->faults.n);
		tot.larger++;
	}
	if (ok && l.res.n_cex && e.res.n_cex && canonical_cex(conf) &&
	    ldfi_faults_cmp(&l.res.cex[0].trace->faults, &e.res.cex[0].trace->faults) != 0) {
		/* Both report the first failing set in the same order. */
		printf("FAIL %s: ldfi's counterexample is not exhaustive's\n  ldfi:       %s\n  "
		       "exhaustive: %s\n",
		       label, dl, de);
		ok = false;
	}
	if (e.res.verdict == LDFI_VERDICT_CERTIFIED)
		tot.certified++;
	else if (e.res.verdict == LDFI_VERDICT_COUNTEREXAMPLE)
		tot.counterexample++;
	if (!cex_valid(&l, label))
		ok = false;
	if (!cex_valid(&e, label))
		ok = false;
	if (expect >= 0 && e.res.verdict != (enum ldfi_verdict)expect) {
		printf("FAIL %s: expected %s, exhaustive says %s\n", label,
		       ldfi_verdict_name((enum ldfi_verdict)expect), de);
		ok = false;
	}
out:
	if (!ok)
		printf("--- conf of %s ---\n%s--- end of %s ---\n", label, text, label);
	if (ok)
		tot.passed++;
	else
		tot.failed++;
	run_finish(&l);
	run_finish(&e);
}

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *text = NULL;
	size_t len = 0, n;
	char buf[4096];
	FILE *m;

	if (!f)
		return NULL;
	m = open_memstream(&text, &len);
	if (!m) {
		fclose(f);
		return NULL;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, m);
	fclose(f);
	if (fclose(m)) {
		free(text);
		return NULL;
	}
	return text;
}

static bool write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");

	if (!f)
		return false;
	fputs(text, f);
	return fclose(f) == 0;
}

static void fail_setup(const char *label, const char *what)
{
	printf("FAIL %s: %s\n", label, what);
	tot.cases++;
	tot.failed++;
}

/* A conf given as text: written to a file (explore hashes the file),
 * parsed, cross-checked under `label`. */
static void run_text(const char *label, const char *text)
{
	char err[512], *dir = make_dir("conf"), *path = NULL;
	struct ldfi_conf *conf = NULL;

	if (!dir || asprintf(&path, "%s/m.conf", dir) < 0 || !write_text(path, text)) {
		fail_setup(label, "cannot write the conf");
	} else if (ldfi_conf_parse(path, text, strlen(text), &conf, err, sizeof(err))) {
		printf("FAIL %s: conf does not parse: %s\n%s", label, err, text);
		tot.cases++;
		tot.failed++;
	} else {
		crosscheck(label, path, text, conf, -1);
	}
	ldfi_conf_destroy(conf);
	if (dir)
		rm_tree(dir);
	free(dir);
	free(path);
}

/* Every `every`-th distinct conf of the restart matrix, from the
 * `start`-th (identical texts are run once). */
static void run_matrix(long every, long start)
{
	long n = gen_matrix_count(), distinct = 0, cap = 1024, n_seen = 0;
	uint64_t *seen = malloc((size_t)cap * sizeof(*seen));

	for (long i = 0; i < n && seen && !stop; i++) {
		char *text = gen_matrix(i), label[64];
		uint64_t h = 1469598103934665603ull;
		bool dup = false;

		for (const char *c = text; c && *c; c++)
			h = (h ^ (unsigned char)*c) * 1099511628211ull;
		for (long k = 0; k < n_seen && !dup; k++)
			dup = seen[k] == h;
		if (text && !dup) {
			uint64_t *grown = n_seen == cap
					      ? realloc(seen, (size_t)(cap *= 2) * sizeof(*seen))
					      : seen;

			if (grown) {
				seen = grown;
				seen[n_seen++] = h;
			}
			if (distinct++ % every == start % every) {
				snprintf(label, sizeof(label), "matrix %ld", i);
				run_text(label, text);
			}
		}
		free(text);
	}
	free(seen);
}

/* Pipeline `seed`: generated, written to a file (explore hashes the file),
 * parsed, cross-checked. */
static void run_seed(uint64_t seed, bool show)
{
	char label[64], err[512], *dir = NULL, *path = NULL;
	char *text = seed_text(seed);
	struct ldfi_conf *conf = NULL;

	snprintf(label, sizeof(label), "seed %llu", (unsigned long long)seed);
	if (!text || !(dir = make_dir("pipe")) || asprintf(&path, "%s/seed.conf", dir) < 0 ||
	    !write_text(path, text)) {
		fail_setup(label, "cannot write the conf");
		goto out;
	}
	if (show)
		fputs(text, stdout);
	if (ldfi_conf_parse(path, text, strlen(text), &conf, err, sizeof(err)) ||
	    (plugins && gen_plugin_attach(conf, text, err, sizeof(err)))) {
		printf("FAIL %s: generated conf does not parse: %s\n%s", label, err, text);
		tot.cases++;
		tot.failed++;
		goto out;
	}
	crosscheck(label, path, text, conf, -1);
out:
	ldfi_conf_destroy(conf);
	if (dir)
		rm_tree(dir);
	free(dir);
	free(path);
	free(text);
}

/* A saved conf, at its own bounds. */
static void run_file(const char *path)
{
	char err[512], *text = read_text(path);
	struct ldfi_conf *conf = NULL;

	if (!text) {
		fail_setup(path, "cannot read");
		return;
	}
	if (ldfi_conf_parse(path, text, strlen(text), &conf, err, sizeof(err)) ||
	    (gen_plugin_has_program(text) && gen_plugin_attach(conf, text, err, sizeof(err))) ||
	    ldfi_plugins_load(conf, err, sizeof(err)))
		fail_setup(path, err);
	else
		crosscheck(path, path, text, conf, expected_verdict(text));
	ldfi_conf_destroy(conf);
	free(text);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The paths DIR/NAME.conf of every .conf file in DIR, sorted, into *out
 * (free each and the array); their number, or -1 when DIR cannot be read. */
static int list_confs(const char *dirpath, char ***out)
{
	DIR *d = opendir(dirpath);
	struct dirent *ent;
	char **names = NULL;
	int n = 0;

	*out = NULL;
	if (!d)
		return -1;
	while ((ent = readdir(d))) {
		size_t len = strlen(ent->d_name);
		char **grown;

		if (len < 6 || strcmp(ent->d_name + len - 5, ".conf") != 0)
			continue;
		grown = realloc(names, ((size_t)n + 1) * sizeof(*names));
		if (!grown)
			break;
		names = grown;
		if (asprintf(&names[n], "%s/%s", dirpath, ent->d_name) < 0)
			break;
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, (size_t)n, sizeof(*names), cmp_str);
	*out = names;
	return n;
}

static void free_list(char **names, int n)
{
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* The bounds of row b of the scenario table in use (scenario_bounds, or
 * scenario_restart_bounds with --restarts) and its space cap; false past
 * the last row. */
static bool scenario_row(size_t b, struct ldfi_bounds *bd, double *space_max)
{
	size_t n = restarts ? sizeof(scenario_restart_bounds) / sizeof(*scenario_restart_bounds)
			    : sizeof(scenario_bounds) / sizeof(*scenario_bounds);

	if (b >= n)
		return false;
	if (restarts) {
		const int *r = scenario_restart_bounds[b];

		*bd = (struct ldfi_bounds){r[0], r[1], r[2], r[3], r[4]};
		*space_max = space_max_given ? scenario_space_max
					     : SCENARIO_RESTART_SPACE_MAX / (UNDER_ASAN ? 4 : 1);
	} else {
		const int *r = scenario_bounds[b];

		*bd = (struct ldfi_bounds){r[0], r[1], r[2], 0, 1};
		*space_max = scenario_space_max;
	}
	return true;
}

/* Every .conf file in DIR (in name order) at each row of the scenario
 * bounds. */
static void run_scenarios(const char *dirpath)
{
	char **names;
	int n = list_confs(dirpath, &names);

	if (n <= 0)
		fail_setup(dirpath, n < 0 ? strerror(errno) : "no .conf files");
	for (int i = 0; i < n && !stop; i++) {
		char *text = read_text(names[i]);
		struct ldfi_bounds bd;
		double space_max;

		if (!text)
			fail_setup(names[i], "cannot read");
		for (size_t b = 0; text && scenario_row(b, &bd, &space_max); b++) {
			struct ldfi_conf *conf = NULL;
			char label[512], err[512] = "";

			if (restarts)
				snprintf(label, sizeof(label), "%s at %d/%d/%d/%d/%d", names[i],
					 bd.eot, bd.eff, bd.crashes, bd.restarts, bd.downtime);
			else
				snprintf(label, sizeof(label), "%s at %d/%d/%d", names[i], bd.eot,
					 bd.eff, bd.crashes);
			if (ldfi_conf_parse(names[i], text, strlen(text), &conf, err,
					    sizeof(err)) ||
			    ldfi_plugins_load(conf, err, sizeof(err))) {
				fail_setup(label, err);
				ldfi_conf_destroy(conf);
				break;
			}
			if (ldfi_conf_set_bounds_ex(conf, &bd, err, sizeof(err)) ||
			    gen_restart_space_size(conf->n_nodes, bd.eot, bd.eff, bd.crashes,
						   bd.restarts, bd.downtime) > space_max) {
				if (verbose)
					printf("%s: skipped (%s)\n", label,
					       *err ? err : "fault space too large");
				tot.skipped++;
			} else {
				crosscheck(label, names[i], text, conf, -1);
			}
			ldfi_conf_destroy(conf);
		}
		free(text);
	}
	free_list(names, n);
}

/* A .conf of the regressions folder that is not among the arguments was
 * forgotten in meson.build: run it anyway, and fail. */
static void check_listed(const char *dirpath, int argc, char **argv)
{
	char **names;
	int n = list_confs(dirpath, &names);

	if (n < 0)
		fail_setup(dirpath, strerror(errno));
	for (int i = 0; i < n; i++) {
		bool listed = false;

		for (int a = 1; a < argc && !listed; a++)
			listed = strcmp(argv[a], names[i]) == 0;
		if (!listed) {
			fail_setup(names[i], "not listed in tests/crosscheck/meson.build");
			run_file(names[i]);
		}
	}
	free_list(names, n);
}

static int usage(void)
{
	fprintf(stderr, "usage: crosscheck [N] [--plugins|--restarts] [--restart-matrix K] "
			"[--start S] [--seed S] [--space-max N] "
			"[--scenarios DIR]... "
			"[--regressions DIR] [--jobs J] [--shards N] [-v] [FILE.conf]...\n"
			"       crosscheck --print S\n");
	return 2;
}

static bool parse_u64(const char *s, unsigned long long *out)
{
	char *end;

	if (!*s || *s == '-')
		return false;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return !*end && !errno;
}

int main(int argc, char **argv)
{
	unsigned long long n = 200, start = 1, one = 0, v;
	bool have_one = false;
	const char *env = getenv("CROSSCHECK_SEEDS");
	double t0 = now_s();

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* First pass: options and N; files and directories run below, in order. */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-v") == 0) {
			verbose = true;
		} else if (strcmp(argv[i], "--plugins") == 0) {
			plugins = true;
		} else if (strcmp(argv[i], "--restarts") == 0) {
			restarts = true;
		} else if (strcmp(argv[i], "--restart-matrix") == 0) {
			if (i + 1 >= argc || !parse_u64(argv[i + 1], &v) || v == 0)
				return usage();
			matrix_every = (long)v;
			i++;
		} else if (strcmp(argv[i], "--print") == 0) {
			char *text;

			if (i + 1 >= argc || !parse_u64(argv[i + 1], &v))
				return usage();
			text = seed_text(v);
			if (!text)
				return 1;
			fputs(text, stdout);
			free(text);
			return 0;
		} else if (strcmp(argv[i], "--seed") == 0 || strcmp(argv[i], "--start") == 0) {
			if (i + 1 >= argc || !parse_u64(argv[i + 1], &v))
				return usage();
			if (strcmp(argv[i], "--start") == 0) {
				start = v;
			} else {
				one = v;
				have_one = true;
			}
			i++;
		} else if (strcmp(argv[i], "--scenarios") == 0 ||
			   strcmp(argv[i], "--regressions") == 0) {
			if (++i >= argc)
				return usage();
		} else if (strcmp(argv[i], "--space-max") == 0) {
			if (i + 1 >= argc || !parse_u64(argv[i + 1], &v))
				return usage();
			scenario_space_max = (double)v;
			space_max_given = true;
			i++;
		} else if (strcmp(argv[i], "--shards") == 0) {
			if (i + 1 >= argc || !parse_u64(argv[i + 1], &v) || v < 2 || v > 64)
				return usage();
			shards = (int)v;
			i++;
		} else if (strcmp(argv[i], "--jobs") == 0) {
			if (i + 1 >= argc || !parse_u64(argv[i + 1], &v) || v < 1 || v > 64)
				return usage();
			jobs = cur_jobs = (int)v;
			i++;
		} else if (argv[i][0] == '-') {
			return usage();
		} else if (parse_u64(argv[i], &v)) {
			n = v;
		}
	}
	if (env && *env) {
		if (!parse_u64(env, &n))
			return usage();
	} else if (UNDER_ASAN) {
		n /= plugins ? 10 : 4; /* plugin runs fork a child each */
	}
	if (UNDER_ASAN) {
		scenario_space_max /= 4;
		matrix_every *= 16;
	}
	if (make_tmp_base())
		return 1;
	if (have_one) {
		run_seed(one, true);
		n = 0;
	}
	for (unsigned long long s = start; s < start + n && !stop; s++)
		run_seed(s, false);
	if (matrix_every)
		run_matrix(matrix_every, (long)start - 1);
	for (int i = 1; i < argc && !stop; i++) {
		if (strcmp(argv[i], "--seed") == 0 || strcmp(argv[i], "--start") == 0 ||
		    strcmp(argv[i], "--space-max") == 0 || strcmp(argv[i], "--jobs") == 0 ||
		    strcmp(argv[i], "--shards") == 0 || strcmp(argv[i], "--restart-matrix") == 0)
			i++;
		else if (strcmp(argv[i], "--scenarios") == 0)
			run_scenarios(argv[++i]);
		else if (strcmp(argv[i], "--regressions") == 0)
			check_listed(argv[++i], argc, argv);
		else if (argv[i][0] != '-' && !parse_u64(argv[i], &v))
			run_file(argv[i]);
	}
	rm_tree(tmp_base);
	free(tmp_base);
	printf("crosscheck: %d pipelines (exhaustive: %d certified, %d counterexample; "
	       "%d skipped), %d verdict mismatches, %d ldfi counterexamples larger than "
	       "exhaustive's, ",
	       tot.cases, tot.certified, tot.counterexample, tot.skipped, tot.mismatches,
	       tot.larger);
	printf("executions ldfi %ld (%.1f s) vs exhaustive %ld (%.1f s), wall %.1f s%s\n",
	       tot.exec_ldfi, tot.wall_ldfi, tot.exec_exh, tot.wall_exh, now_s() - t0,
	       UNDER_ASAN ? " (AddressSanitizer build)" : "");
	if (stop)
		printf("crosscheck: interrupted, remaining cases not run\n");
	printf("%d passed, %d failed\n", tot.passed, tot.failed);
	return tot.failed ? 1 : 0;
}
