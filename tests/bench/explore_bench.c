/*
 * explore_bench.c - executions and wall time of the three strategies (ldfi,
 * random, exhaustive) on the bundled scenarios, beside Molly's published
 * figures for the delivery family.
 *
 * Each delivery scenario runs at the bounds of Molly's table, each stream
 * scenario at its own bounds: ldfi once, random once per seed 1..SEEDS with
 * a per-seed budget, exhaustive once with a budget. Prints Markdown tables
 * (see docs/performance.md) with the machine and date. Exit status 3 when
 * ldfi's verdict differs from Molly's published one, or when a baseline
 * finds a counterexample where ldfi certified; 1 on errors.
 *
 * usage: explore_bench [-n SEEDS] [-m RANDOM_MAX_RUNS] [-x EXHAUSTIVE_MAX_RUNS]
 *                      [-t EXHAUSTIVE_TIME_LIMIT_S] [-s SOURCE_ROOT] [-d DIR] [-o ONLY]
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

#include <sqlite3.h>

#include "ldfi/conf.h"
#include "ldfi/faults.h"
#include "ldfi/ldfi.h"
#include "src/explore/explore.h"

/*
 * Molly's published figures, copied from Molly's published table (molly-table.md, shared with the
 * project) (Alvaro et al., "Lineage-driven Fault Injection", SIGMOD 2015; random: the mean over 25
 * runs of a random fault injector). A negative number: the paper gives none.
 */
struct molly {
	const char *verdict;
	long executions;
	double random_mean;
	double wall_s;
};

struct scenario {
	char *name;
	char *path;
	int eot, eff, crashes;	   /* -1: the conf's own */
	const struct molly *molly; /* NULL: not in Molly's table */
};

static const struct molly molly_simple = {"counterexample", 2, 4.08, 0.12};
static const struct molly molly_retry = {"counterexample", 3, 75.24, 0.12};
static const struct molly molly_classic = {"counterexample", 5, 116.16, 0.24};
static const struct molly molly_redun = {"certified", 11, -1, -1};
static const struct molly molly_ack = {"certified", 673, -1, -1};

static const struct {
	const char *name;
	int eot, eff, crashes;
	const struct molly *molly;
} delivery[] = {
    {"simple-deliv", 4, 2, 0, &molly_simple},	{"retry-deliv", 4, 2, 1, &molly_retry},
    {"classic-deliv", 5, 3, 0, &molly_classic}, {"redun-deliv", 11, 10, 1, &molly_redun},
    {"ack-deliv", 8, 7, 1, &molly_ack},
};

struct opts {
	int seeds;
	long long random_max_runs;
	long long exh_max_runs;
	double exh_time_limit_s;
	const char *root;
	const char *dir;
	const char *only; /* run only the scenario of this name */
};

/* The measurements of one scenario. */
struct row {
	char bounds[32];
	bool ok; /* every exploration of the row ran */
	/* ldfi */
	enum ldfi_verdict l_verdict;
	long l_exec;
	double l_wall;
	char l_faults[256];
	/* random: seeds that found a counterexample, certified (ran the whole
	 * space), ran out of budget; executions of the finding seeds */
	int r_found, r_cert, r_budget;
	long r_exec_found, r_max_found, r_exec_all;
	double r_wall_all;
	/* exhaustive */
	enum ldfi_verdict e_verdict;
	long e_exec;
	double e_wall;
	char e_faults[256];
	bool e_time; /* stopped by the time limit (else by max_runs) */
	/* where something is wrong */
	bool bad_verdict, unsound;
};

static char *tmp_base;

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	if (remove(path))
		fprintf(stderr, "explore_bench: cannot remove %s: %s\n", path, strerror(errno));
	return 0;
}

static void rm_tree(const char *path)
{
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/*
 * One exploration into a fresh directory under tmp_base, removed afterwards.
 * Fills *res (release with ldfi_explore_result_finish). Returns 0 or -1.
 */
static int explore(const struct scenario *sc, const struct ldfi_conf *conf,
		   enum ldfi_strategy strategy, uint64_t seed, long long max_runs,
		   double time_limit_s, struct ldfi_explore_result *res)
{
	struct ldfi_explore_opts o = {.conf_path = sc->path,
				      .strategy = strategy,
				      .seed = seed,
				      .max_runs = max_runs,
				      .time_limit_s = time_limit_s,
				      .fresh = true,
				      .jobs = 1};
	char err[512], *dir;
	int rc;

	if (asprintf(&dir, "%s/%s.XXXXXX", tmp_base, ldfi_strategy_name(strategy)) < 0)
		return -1;
	if (!mkdtemp(dir)) {
		fprintf(stderr, "explore_bench: mkdtemp %s: %s\n", dir, strerror(errno));
		free(dir);
		return -1;
	}
	o.out_dir = dir;
	rc = ldfi_explore(conf, &o, res, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "explore_bench: %s: explore --strategy %s --seed %llu: %s\n",
			sc->path, ldfi_strategy_name(strategy), (unsigned long long)seed, err);
		ldfi_explore_result_finish(res);
	}
	/* The result keeps no handle on the directory: remove it now. */
	res->opts = NULL;
	rm_tree(dir);
	free(dir);
	return rc ? -1 : 0;
}

static void cex_faults(const struct ldfi_explore_result *res, char *buf, size_t len)
{
	if (res->n_cex)
		ldfi_faults_format(res->conf, &res->cex[0].trace->faults, buf, len);
	else
		snprintf(buf, len, "-");
}

static int run_ldfi(const struct scenario *sc, const struct ldfi_conf *conf, struct row *r)
{
	struct ldfi_explore_result res;

	if (explore(sc, conf, LDFI_STRATEGY_LDFI, 1, 0, 0, &res))
		return -1;
	r->l_verdict = res.verdict;
	r->l_exec = res.executions;
	r->l_wall = res.wall_s;
	cex_faults(&res, r->l_faults, sizeof(r->l_faults));
	ldfi_explore_result_finish(&res);
	return 0;
}

static int run_random(const struct scenario *sc, const struct ldfi_conf *conf, const struct opts *o,
		      struct row *r)
{
	for (int seed = 1; seed <= o->seeds; seed++) {
		struct ldfi_explore_result res;

		if (explore(sc, conf, LDFI_STRATEGY_RANDOM, (uint64_t)seed, o->random_max_runs, 0,
			    &res))
			return -1;
		r->r_exec_all += res.executions;
		r->r_wall_all += res.wall_s;
		switch (res.verdict) {
		case LDFI_VERDICT_COUNTEREXAMPLE:
			r->r_found++;
			r->r_exec_found += res.executions;
			if (res.executions > r->r_max_found)
				r->r_max_found = res.executions;
			break;
		case LDFI_VERDICT_CERTIFIED:
			r->r_cert++;
			break;
		case LDFI_VERDICT_INCONCLUSIVE:
			r->r_budget++;
			break;
		}
		ldfi_explore_result_finish(&res);
	}
	return 0;
}

static int run_exhaustive(const struct scenario *sc, const struct ldfi_conf *conf,
			  const struct opts *o, struct row *r)
{
	struct ldfi_explore_result res;

	if (explore(sc, conf, LDFI_STRATEGY_EXHAUSTIVE, 1, o->exh_max_runs, o->exh_time_limit_s,
		    &res))
		return -1;
	r->e_verdict = res.verdict;
	r->e_exec = res.executions;
	r->e_wall = res.wall_s;
	r->e_time = res.verdict == LDFI_VERDICT_INCONCLUSIVE && strstr(res.reason, "time limit");
	cex_faults(&res, r->e_faults, sizeof(r->e_faults));
	ldfi_explore_result_finish(&res);
	return 0;
}

static int run_row(const struct scenario *sc, const struct opts *o, struct row *r)
{
	struct ldfi_conf *conf = NULL;
	char err[512];
	int rc;

	memset(r, 0, sizeof(*r));
	if (ldfi_conf_load(sc->path, &conf, err, sizeof(err)) ||
	    ldfi_conf_set_bounds(conf, sc->eot, sc->eff, sc->crashes, err, sizeof(err))) {
		fprintf(stderr, "explore_bench: %s: %s\n", sc->path, err);
		ldfi_conf_destroy(conf);
		return -1;
	}
	snprintf(r->bounds, sizeof(r->bounds), "%d/%d/%d", conf->eot, conf->eff, conf->crashes);
	fprintf(stderr, "explore_bench: %s %s: ldfi", sc->name, r->bounds);
	rc = run_ldfi(sc, conf, r);
	fprintf(stderr, ", random x%d", o->seeds);
	if (!rc)
		rc = run_random(sc, conf, o, r);
	fprintf(stderr, ", exhaustive");
	if (!rc)
		rc = run_exhaustive(sc, conf, o, r);
	fprintf(stderr, rc ? ": error\n" : "\n");
	ldfi_conf_destroy(conf);
	if (rc)
		return -1;
	r->ok = true;
	if (sc->molly && strcmp(sc->molly->verdict, ldfi_verdict_name(r->l_verdict)) != 0)
		r->bad_verdict = true;
	if (r->l_verdict == LDFI_VERDICT_CERTIFIED &&
	    (r->r_found || r->e_verdict == LDFI_VERDICT_COUNTEREXAMPLE))
		r->unsound = true;
	if (r->l_verdict == LDFI_VERDICT_COUNTEREXAMPLE && r->e_verdict == LDFI_VERDICT_CERTIFIED)
		r->unsound = true;
	return 0;
}

/* "12.3" or "0.0004": enough digits to show something. */
static void fmt_s(char *buf, size_t len, double s)
{
	snprintf(buf, len, s >= 10 ? "%.1f" : s >= 0.01 ? "%.2f" : "%.4f", s);
}

static void print_machine(void)
{
	char model[256] = "unknown", line[512], date[64];
	time_t now = time(NULL);
	FILE *f = fopen("/proc/cpuinfo", "r");

	while (f && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (strncmp(line, "model name", 10) == 0 && colon) {
			snprintf(model, sizeof(model), "%s", colon + 1 + strspn(colon + 1, " \t"));
			model[strcspn(model, "\n")] = '\0';
			break;
		}
	}
	if (f)
		fclose(f);
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M %Z", localtime(&now));
	printf("Machine: %ld CPUs online (nproc), %s; SQLite %s; %s.\n\n",
	       sysconf(_SC_NPROCESSORS_ONLN), model, sqlite3_libversion(), date);
}

/* Random's executions column: mean and max of the seeds that found a
 * counterexample; with seeds out of budget, lower bounds over all seeds. */
static void fmt_random(const struct opts *o, const struct row *r, char *buf, size_t len)
{
	if (r->r_found == 0) {
		snprintf(buf, len, "none found");
	} else if (r->r_budget == 0) {
		snprintf(buf, len, "%.2f (max %ld)", (double)r->r_exec_found / r->r_found,
			 r->r_max_found);
	} else {
		long sum = r->r_exec_found + (long)r->r_budget * (long)o->random_max_runs;

		snprintf(buf, len, "≥ %.2f (max ≥ %lld)", (double)sum / (r->r_found + r->r_budget),
			 o->random_max_runs);
	}
}

static void fmt_random_outcome(const struct opts *o, const struct row *r, char *buf, size_t len)
{
	int off = snprintf(buf, len, "%d/%d found", r->r_found, o->seeds);

	if (r->r_cert)
		off += snprintf(buf + off, len - (size_t)off, ", %d certified (whole space)",
				r->r_cert);
	if (r->r_budget)
		snprintf(buf + off, len - (size_t)off, ", %d inconclusive (budget %lld)",
			 r->r_budget, o->random_max_runs);
}

static void fmt_exhaustive(const struct row *r, char *buf, size_t len)
{
	if (r->e_verdict == LDFI_VERDICT_INCONCLUSIVE)
		snprintf(buf, len, "budget exhausted (%s) at %ld", r->e_time ? "time" : "runs",
			 r->e_exec);
	else
		snprintf(buf, len, "%s, %ld", ldfi_verdict_name(r->e_verdict), r->e_exec);
}

static void print_tables(const struct opts *o, const struct scenario *sc, const struct row *rows,
			 int n)
{
	char a[64], b[64], c[64], d[128], e[128];

	printf("| protocol | eot/eff/crashes | Molly verdict | Molly LDFI exec | Molly random "
	       "(avg of 25) | Molly wall s | ldfi verdict | ldfi exec | ldfi wall s | random exec "
	       "(seeds 1..%d) | random outcome | exhaustive verdict, exec | exhaustive wall s |\n",
	       o->seeds);
	printf("|---|---|---|---:|---:|---:|---|---:|---:|---:|---|---|---:|\n");
	for (int i = 0; i < n; i++) {
		const struct molly *m = sc[i].molly;
		const struct row *r = &rows[i];

		if (!r->ok) {
			printf("| %s | | | | | | error | | | | | | |\n", sc[i].name);
			continue;
		}
		if (m) {
			snprintf(a, sizeof(a), "%ld", m->executions);
			if (m->random_mean >= 0)
				snprintf(b, sizeof(b), "%.2f", m->random_mean);
			else
				snprintf(b, sizeof(b), "–");
			if (m->wall_s >= 0)
				snprintf(c, sizeof(c), "%.2f", m->wall_s);
			else
				snprintf(c, sizeof(c), "–");
		}
		printf("| %s | %s | %s | %s | %s | %s | ", sc[i].name, r->bounds,
		       m ? m->verdict : "–", m ? a : "–", m ? b : "–", m ? c : "–");
		fmt_s(a, sizeof(a), r->l_wall);
		printf("%s%s | %ld | %s | ", ldfi_verdict_name(r->l_verdict),
		       r->bad_verdict ? " **(differs)**" : "", r->l_exec, a);
		fmt_random(o, r, d, sizeof(d));
		fmt_random_outcome(o, r, e, sizeof(e));
		printf("%s | %s | ", d, e);
		fmt_exhaustive(r, d, sizeof(d));
		fmt_s(a, sizeof(a), r->e_wall);
		printf("%s | %s |\n", d, a);
	}

	printf("\n| protocol | ldfi counterexample | exhaustive counterexample (smallest) | ldfi "
	       "ms/exec | random ms/exec | exhaustive ms/exec |\n");
	printf("|---|---|---|---:|---:|---:|\n");
	for (int i = 0; i < n; i++) {
		const struct row *r = &rows[i];

		if (!r->ok)
			continue;
		printf("| %s | %s | %s | %.2f | %.2f | %.2f |\n", sc[i].name, r->l_faults,
		       r->e_faults, 1e3 * r->l_wall / (double)r->l_exec,
		       1e3 * r->r_wall_all / (double)r->r_exec_all,
		       1e3 * r->e_wall / (double)r->e_exec);
	}
	printf("\nBudgets: random %lld executions per seed; exhaustive %lld executions or %.0f s. "
	       "Executions include the fault-free run; wall s is the explore loop "
	       "(ldfi_explore_result.wall_s).\n",
	       o->random_max_runs, o->exh_max_runs, o->exh_time_limit_s);
	for (int i = 0; i < n; i++) {
		if (rows[i].bad_verdict)
			printf("\nMISMATCH %s: ldfi says %s, Molly published %s.\n", sc[i].name,
			       ldfi_verdict_name(rows[i].l_verdict), sc[i].molly->verdict);
		if (rows[i].unsound)
			printf("\nUNSOUND %s: ldfi says %s, a baseline disagrees (random found %d, "
			       "exhaustive %s).\n",
			       sc[i].name, ldfi_verdict_name(rows[i].l_verdict), rows[i].r_found,
			       ldfi_verdict_name(rows[i].e_verdict));
	}
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static void free_scenarios(struct scenario *sc, int n)
{
	for (int i = 0; i < n; i++) {
		free(sc[i].name);
		free(sc[i].path);
	}
	free(sc);
}

/* The delivery family at Molly's bounds, then every .conf file of scenarios/stream
 * (in name order) at its own bounds. Returns the count, or -1. */
static int list_scenarios(const char *root, struct scenario **out)
{
	int nd = (int)(sizeof(delivery) / sizeof(delivery[0])), n = 0, ns = 0, cap = 0;
	struct scenario *sc = calloc((size_t)nd, sizeof(*sc));
	char *sdir = NULL, **names = NULL;
	struct dirent *de;
	DIR *d;

	if (!sc)
		return -1;
	for (; n < nd; n++) {
		sc[n].eot = delivery[n].eot;
		sc[n].eff = delivery[n].eff;
		sc[n].crashes = delivery[n].crashes;
		sc[n].molly = delivery[n].molly;
		sc[n].name = strdup(delivery[n].name);
		if (!sc[n].name || asprintf(&sc[n].path, "%s/scenarios/delivery/%s.conf", root,
					    delivery[n].name) < 0) {
			sc[n].path = NULL;
			n++;
			goto err;
		}
	}
	if (asprintf(&sdir, "%s/scenarios/stream", root) < 0) {
		sdir = NULL;
		goto err;
	}
	if (!(d = opendir(sdir))) {
		fprintf(stderr, "explore_bench: %s: %s\n", sdir, strerror(errno));
		goto err;
	}
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		char **t;

		if (len <= 5 || strcmp(de->d_name + len - 5, ".conf") != 0)
			continue;
		if (ns == cap) {
			cap = cap ? 2 * cap : 8;
			if (!(t = realloc(names, (size_t)cap * sizeof(*t))))
				break;
			names = t;
		}
		if (!(names[ns] = strndup(de->d_name, len - 5)))
			break;
		ns++;
	}
	closedir(d);
	if (de)
		goto err;
	if (ns)
		qsort(names, (size_t)ns, sizeof(*names), cmp_str);
	{
		struct scenario *t = realloc(sc, (size_t)(nd + ns) * sizeof(*sc));

		if (!t)
			goto err;
		sc = t;
	}
	for (int i = 0; i < ns; i++, n++) {
		sc[n] = (struct scenario){names[i], NULL, -1, -1, -1, NULL};
		names[i] = NULL;
		if (asprintf(&sc[n].path, "%s/%s.conf", sdir, sc[n].name) < 0) {
			sc[n].path = NULL;
			n++;
			goto err;
		}
	}
	free(names);
	free(sdir);
	*out = sc;
	return n;
err:
	for (int i = 0; i < ns; i++)
		free(names[i]);
	free(names);
	free(sdir);
	free_scenarios(sc, n);
	return -1;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	int c;

	while ((c = getopt(argc, argv, "n:m:x:t:s:d:o:h")) != -1) {
		char *end;

		errno = 0;
		switch (c) {
		case 'n':
			o->seeds = (int)strtol(optarg, &end, 10);
			break;
		case 'm':
			o->random_max_runs = strtoll(optarg, &end, 10);
			break;
		case 'x':
			o->exh_max_runs = strtoll(optarg, &end, 10);
			break;
		case 't':
			o->exh_time_limit_s = strtod(optarg, &end);
			break;
		case 's':
			o->root = optarg;
			continue;
		case 'd':
			o->dir = optarg;
			continue;
		case 'o':
			o->only = optarg;
			continue;
		default:
			fprintf(stderr, "usage: explore_bench [-n SEEDS] [-m RANDOM_MAX_RUNS] "
					"[-x EXHAUSTIVE_MAX_RUNS] [-t EXHAUSTIVE_TIME_LIMIT_S] "
					"[-s SOURCE_ROOT] [-d DIR] [-o SCENARIO]\n");
			return -1;
		}
		if (errno || *end || end == optarg) {
			fprintf(stderr, "explore_bench: -%c: bad number '%s'\n", c, optarg);
			return -1;
		}
	}
	if (optind != argc || o->seeds < 1 || o->random_max_runs < 1 || o->exh_max_runs < 0 ||
	    o->exh_time_limit_s < 0) {
		fprintf(stderr, "explore_bench: bad arguments (-h for usage)\n");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = {25, 2000, 100000, 60, ".", NULL, NULL};
	struct scenario *sc = NULL;
	struct row *rows = NULL;
	int n, status = 0, kept = 0;

	if (parse_opts(argc, argv, &o))
		return 2;
	if (!o.dir && !(o.dir = getenv("TMPDIR")))
		o.dir = "/tmp";
	if (asprintf(&tmp_base, "%s/explore_bench.XXXXXX", o.dir) < 0)
		return 1;
	if (!mkdtemp(tmp_base)) {
		fprintf(stderr, "explore_bench: mkdtemp %s: %s\n", tmp_base, strerror(errno));
		free(tmp_base);
		return 1;
	}
	if ((n = list_scenarios(o.root, &sc)) < 0 || !(rows = calloc((size_t)n, sizeof(*rows)))) {
		status = 1;
		goto out;
	}
	for (int i = 0; i < n; i++) {
		if (o.only && strcmp(o.only, sc[i].name) != 0)
			continue;
		if (run_row(&sc[i], &o, &rows[i]))
			status = 1;
		if (!status && (rows[i].bad_verdict || rows[i].unsound))
			status = 3;
		/* Compact: keep only the rows that ran (or failed). */
		if (i != kept) {
			struct scenario t = sc[kept];

			sc[kept] = sc[i];
			sc[i] = t;
			rows[kept] = rows[i];
		}
		kept++;
	}
	print_machine();
	print_tables(&o, sc, rows, kept);
out:
	if (sc)
		free_scenarios(sc, n < 0 ? 0 : n);
	free(rows);
	rmdir(tmp_base);
	free(tmp_base);
	return status;
}
