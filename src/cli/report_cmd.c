/*
 * report_cmd.c - `ldfi report DB --html DIR [--conf FILE]`: the HTML report
 * of an exploration rebuilt from its provenance database alone. The conf is
 * the one the runs recorded (runs.conf, as given to explore: run from the
 * same directory, or pass --conf) with the bounds they recorded; verdict and
 * counters come from the `explore` and `hypotheses` tables; every run is
 * read back and its checks evaluated again. Layout: docs/html-report.md.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ldfi/conf.h"
#include "runtime/store/store.h"
#include "ldfi/ldfi.h"
#include "runtime/runtime.h"
#include "lineage/lineage.h"
#include "src/cli/cli.h"
#include "src/explore/explore.h"
#include "src/report/report.h"
#include "src/report/report_html.h"

struct report_opts {
	const char *db, *html, *conf;
};

/* What the database says about the exploration. */
struct recorded {
	char *conf; /* runs.conf of the first run */
	int bounds[3];
	char *strategy;			 /* of the first run */
	char *digest, *verdict, *reason; /* explore table, or NULL */
	int64_t ff_run, cex_run;	 /* first fault-free and first failing run, or 0 */
	long ff_exec, cex_exec;
	double wall_s; /* sum of the executions' wall times */
};

static int parse_opts(int argc, char **argv, struct report_opts *o)
{
	static const struct option longopts[] = {
	    {"html", required_argument, NULL, 'H'},
	    {"conf", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	*o = (struct report_opts){0};
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'H') {
			o->html = optarg;
		} else if (c == 'c') {
			o->conf = optarg;
		} else if (c == 'h') {
			printf(
			    "usage: ldfi report PROVENANCE.db --html DIR [--conf PIPELINE.conf]\n");
			return -1;
		} else {
			return ldfi_cli_usage_error("report", "unknown or incomplete option '%s'",
						    argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return ldfi_cli_usage_error("report", "expects exactly one provenance database");
	o->db = argv[optind];
	if (!o->html)
		return ldfi_cli_usage_error("report", "nothing to write: give --html DIR");
	return 0;
}

static char *dup_col(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s ? strdup((const char *)s) : NULL;
}

/* The first row of `sql` (with ?1 bound to `arg` when given): column 0
 * as a string, or NULL. */
static char *query_text(sqlite3 *db, const char *sql, const char *arg)
{
	sqlite3_stmt *st;
	char *s = NULL;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	if (arg)
		sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		s = dup_col(st, 0);
	sqlite3_finalize(st);
	return s;
}

static long query_long(sqlite3 *db, const char *sql, const char *arg)
{
	char *s = query_text(db, sql, arg);
	long v = s ? strtol(s, NULL, 10) : 0;

	free(s);
	return v;
}

/* The first run's conf, bounds and strategy. */
static int first_run(sqlite3 *db, struct recorded *r)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db,
			       "SELECT conf, eot, eff, crashes, strategy FROM runs ORDER BY id "
			       "LIMIT 1",
			       -1, &st, NULL) != SQLITE_OK)
		return LDFI_EDB;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		r->conf = dup_col(st, 0);
		for (int i = 0; i < 3; i++)
			r->bounds[i] = sqlite3_column_int(st, i + 1);
		r->strategy = dup_col(st, 4);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? LDFI_EFORMAT : LDFI_EDB;
}

/* The first run that `cond` selects (0: none) and its execution number. */
static void find_run(sqlite3 *db, const char *cond, int64_t *run, long *exec)
{
	char *sql, buf[32];

	*run = 0;
	*exec = 0;
	if (asprintf(&sql, "SELECT id FROM runs WHERE %s ORDER BY id LIMIT 1", cond) < 0)
		return;
	*run = query_long(db, sql, NULL);
	free(sql);
	snprintf(buf, sizeof(buf), "%lld", (long long)*run);
	if (*run)
		*exec = query_long(db, "SELECT count(*) FROM runs WHERE id <= ?1", buf);
}

static void recorded_finish(struct recorded *r)
{
	free(r->conf);
	free(r->strategy);
	free(r->digest);
	free(r->verdict);
	free(r->reason);
}

static int read_recorded(struct ldfi_db *ldb, struct recorded *r)
{
	sqlite3 *db = ldfi_db_sqlite(ldb);
	int rc = first_run(db, r);

	if (rc)
		return rc;
	r->digest = query_text(db, "SELECT value FROM explore WHERE key = 'digest'", NULL);
	r->verdict = query_text(db, "SELECT value FROM explore WHERE key = 'verdict'", NULL);
	r->reason = query_text(db, "SELECT value FROM explore WHERE key = 'reason'", NULL);
	find_run(db, "faults = 'none'", &r->ff_run, &r->ff_exec);
	find_run(db, "passed = 0", &r->cex_run, &r->cex_exec);
	r->wall_s = (double)query_long(db, "SELECT total(wall_us) FROM runs", NULL) / 1e6;
	return 0;
}

/* "strategy=ldfi seed=1" of the explore digest into the options. */
static void from_digest(const struct recorded *r, const struct ldfi_conf *conf,
			struct ldfi_explore_opts *o)
{
	static const enum ldfi_strategy all[] = {LDFI_STRATEGY_LDFI, LDFI_STRATEGY_RANDOM,
						 LDFI_STRATEGY_EXHAUSTIVE};
	const char *st = r->digest ? strstr(r->digest, "strategy=") : NULL;
	const char *seed = r->digest ? strstr(r->digest, "seed=") : NULL;
	const char *name = st ? st + strlen("strategy=") : r->strategy ? r->strategy : "";

	o->strategy = conf->strategy;
	o->seed = seed ? strtoull(seed + strlen("seed="), NULL, 10) : conf->seed;
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		size_t n = strlen(ldfi_strategy_name(all[i]));

		if (!strncmp(name, ldfi_strategy_name(all[i]), n) &&
		    (name[n] == 0 || name[n] == ' '))
			o->strategy = all[i];
	}
}

static void set_verdict(struct ldfi_explore_result *res, const struct recorded *r)
{
	if (r->verdict && !strcmp(r->verdict, "certified")) {
		res->verdict = LDFI_VERDICT_CERTIFIED;
	} else if (r->verdict && !strcmp(r->verdict, "counterexample")) {
		res->verdict = LDFI_VERDICT_COUNTEREXAMPLE;
	} else if (r->verdict) {
		res->verdict = LDFI_VERDICT_INCONCLUSIVE;
		snprintf(res->reason, sizeof(res->reason), "%s", r->reason ? r->reason : "");
	} else if (r->cex_run) {
		res->verdict = LDFI_VERDICT_COUNTEREXAMPLE;
	} else {
		res->verdict = LDFI_VERDICT_INCONCLUSIVE;
		snprintf(res->reason, sizeof(res->reason),
			 "the database records no exploration (runs of ldfi run)");
	}
}

/* The result: counters from the tables, the fault-free run and the first
 * counterexample read back. */
static int build(struct ldfi_db *db, const struct recorded *r, const char *path,
		 struct ldfi_explore_result *res)
{
	sqlite3 *sq = ldfi_db_sqlite(db);
	const char *count = "SELECT count(*) FROM hypotheses WHERE status = ?1";
	int rc = 0;

	set_verdict(res, r);
	res->executions = query_long(sq, "SELECT count(*) FROM runs", NULL);
	res->tried = query_long(sq, count, "tried");
	res->pruned = query_long(sq, count, "pruned");
	/* explore counts pending hypotheses only when a budget stopped it */
	if (res->verdict == LDFI_VERDICT_INCONCLUSIVE)
		res->pending = query_long(sq, count, "pending");
	res->wall_s = r->wall_s;
	if (!(res->db_path = strdup(path)))
		return LDFI_ENOMEM;
	if (r->ff_run)
		rc = ldfi_db_load_run(db, res->conf, r->ff_run, NULL, &res->fault_free);
	if (!rc && r->cex_run) {
		if (!(res->cex = calloc(1, sizeof(*res->cex))))
			return LDFI_ENOMEM;
		rc = ldfi_db_load_run(db, res->conf, r->cex_run, res->fault_free,
				      &res->cex[0].trace);
		res->cex[0].run_id = r->cex_run;
		res->cex[0].execution = r->cex_exec;
		res->n_cex = !rc;
	}
	if (!rc && res->n_cex && !(res->replay = ldfi_report_replay_command(res)))
		rc = LDFI_ENOMEM;
	return rc;
}

/* Open the database without creating it. */
static int open_db(const char *path, struct ldfi_db **db)
{
	struct stat sb;
	char err[1024];

	if (stat(path, &sb)) {
		fprintf(stderr, "ldfi: %s: %s\n", path, strerror(errno));
		return LDFI_EIO;
	}
	if (!S_ISREG(sb.st_mode)) {
		fprintf(stderr, "ldfi: %s: not a regular file\n", path);
		return LDFI_EIO;
	}
	if (ldfi_db_open(path, db, err, sizeof(err))) {
		fprintf(stderr, "ldfi: %s\n", err);
		return LDFI_EDB;
	}
	return 0;
}

/* Load the conf the runs recorded, with their bounds. */
static struct ldfi_conf *recorded_conf(const struct report_opts *o, const struct recorded *r,
				       int *status)
{
	const char *path = o->conf ? o->conf : r->conf;

	if (!path) {
		fprintf(stderr,
			"ldfi: %s: the runs do not record their pipeline.conf; give --conf\n",
			o->db);
		*status = LDFI_EXIT_USAGE;
		return NULL;
	}
	if (!o->conf && access(path, R_OK)) {
		fprintf(stderr, "ldfi: %s: the pipeline it records, %s: %s (give --conf)\n", o->db,
			path, strerror(errno));
		*status = LDFI_EXIT_INTERNAL;
		return NULL;
	}
	return ldfi_cli_load(path, r->bounds[0], r->bounds[1], r->bounds[2], status);
}

static int report(const struct report_opts *o, struct ldfi_db *db, const struct recorded *r)
{
	struct ldfi_explore_opts eo = {.out_dir = o->db, .html = o->html, .jobs = 1};
	struct ldfi_explore_result res = {0};
	char *dir = strdup(o->db);
	int status, rc;
	struct ldfi_conf *conf = recorded_conf(o, r, &status);

	if (!conf || !dir) {
		free(dir);
		ldfi_conf_destroy(conf);
		return conf ? LDFI_EXIT_INTERNAL : status;
	}
	eo.conf_path = o->conf ? o->conf : r->conf;
	eo.out_dir = dirname(dir);
	from_digest(r, conf, &eo);
	res.conf = conf;
	res.opts = &eo;
	rc = build(db, r, o->db, &res);
	if (rc)
		fprintf(stderr, "ldfi: %s: %s\n", o->db,
			rc == LDFI_EDB ? ldfi_db_errmsg(db) : ldfi_strerror(rc));
	if (!rc && !(rc = ldfi_report_html(o->html, &res)))
		printf("html report: %s/index.html\n", o->html);
	ldfi_explore_result_finish(&res);
	ldfi_conf_destroy(conf);
	free(dir);
	return rc ? LDFI_EXIT_INTERNAL : 0;
}

int ldfi_cmd_report(int argc, char **argv)
{
	struct report_opts o;
	struct recorded r = {0};
	struct ldfi_db *db = NULL;
	int status = parse_opts(argc, argv, &o), rc;

	if (status)
		return status < 0 ? 0 : status;
	if (open_db(o.db, &db))
		return LDFI_EXIT_INTERNAL;
	rc = read_recorded(db, &r);
	if (rc) {
		fprintf(stderr, "ldfi: %s: %s\n", o.db,
			rc == LDFI_EFORMAT ? "no runs recorded" : ldfi_db_errmsg(db));
		ldfi_db_close(db);
		recorded_finish(&r);
		return rc == LDFI_EFORMAT ? LDFI_EXIT_USAGE : LDFI_EXIT_INTERNAL;
	}
	status = report(&o, db, &r);
	ldfi_db_close(db);
	recorded_finish(&r);
	return status;
}
