/*
 * report_cmd.c - `ldfi report DB --html DIR [--conf FILE]`: the HTML report
 * of an exploration rebuilt from its provenance database alone. The conf is
 * the one the runs recorded (runs.conf, as given to explore: run from the
 * same directory, or pass --conf) with the bounds they recorded; verdict and
 * counters come from the `explore` and `hypotheses` tables; every run is
 * read back and its checks evaluated again. Layout: docs/html-report.md.
 * Also the HTML report of `ldfi explore --html` (ldfi_cli_html): the page
 * lists every run of the database.
 */
#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ldfi/conf.h"
#include "ldfi/ldfi.h"
#include "runtime/db/db.h"
#include "runtime/db/state.h"
#include "runtime/runtime.h"
#include "src/cli/cli.h"
#include "src/cli/options.h"
#include "src/explore/explore.h"
#include "src/report/report.h"
#include "src/report/report_html.h"

struct report_opts {
	const char *db, *html, *conf;
};

static int parse_opts(int argc, char **argv, struct report_opts *o)
{
	struct ldfi_cli_args a = {.cmd = ldfi_cli_find("report"), .argc = argc, .argv = argv};
	int id;

	*o = (struct report_opts){0};
	while ((id = ldfi_cli_next(&a)) > 0) {
		if (id == OPT_HTML)
			o->html = a.value;
		else if (id == OPT_CONF)
			o->conf = a.value;
	}
	if (id != LDFI_CLI_END)
		return id == LDFI_CLI_HELP ? -1 : LDFI_EXIT_USAGE;
	o->db = a.pos[0];
	if (!o->html)
		return ldfi_cli_usage_error("report", "nothing to write: give --html DIR");
	return 0;
}

/* The page, DIR/index.html, is not the database or one of its files. */
static int refuse_clobber(const struct report_opts *o)
{
	char *index;
	int status;

	if (asprintf(&index, "%s/index.html", o->html) < 0) {
		fprintf(stderr, "ldfi report: %s\n", ldfi_strerror(LDFI_ENOMEM));
		return LDFI_EXIT_INTERNAL;
	}
	status = ldfi_cli_refuse_db_path("report", o->db, "--html", index);
	free(index);
	return status;
}

/* "strategy=ldfi seed=1" of the explore digest into the options. */
static void from_digest(const struct ldfi_db_summary *r, const struct ldfi_conf *conf,
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

static void set_verdict(struct ldfi_explore_result *res, const struct ldfi_db_summary *r)
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
	} else if (r->digest) {
		res->verdict = LDFI_VERDICT_INCONCLUSIVE;
		snprintf(res->reason, sizeof(res->reason),
			 "no verdict recorded yet: the exploration is under way, or stopped "
			 "before it ended (run it again to resume)");
	} else {
		res->verdict = LDFI_VERDICT_INCONCLUSIVE;
		snprintf(res->reason, sizeof(res->reason),
			 "the database records no exploration (runs of ldfi run)");
	}
}

/* The result: counters from the tables, the fault-free run and the first
 * counterexample read back. */
static int build(struct ldfi_db *db, const struct ldfi_db_summary *r, const char *path,
		 struct ldfi_explore_result *res)
{
	int rc = 0;

	set_verdict(res, r);
	res->executions = r->executions;
	res->tried = r->tried;
	res->pruned = r->pruned;
	/* explore counts pending hypotheses only when a budget stopped it */
	if (res->verdict == LDFI_VERDICT_INCONCLUSIVE)
		res->pending = r->pending;
	res->wall_s = r->wall_s;
	if (!(res->db_path = strdup(path)))
		return LDFI_ENOMEM;
	if (r->ff_run)
		rc = ldfi_db_load_run(db, res->conf, r->ff_run, &res->fault_free);
	if (!rc && r->cex_run) {
		if (!(res->cex = calloc(1, sizeof(*res->cex))))
			return LDFI_ENOMEM;
		rc = ldfi_db_load_run(db, res->conf, r->cex_run, &res->cex[0].trace);
		res->cex[0].run_id = r->cex_run;
		res->cex[0].execution = r->cex_exec;
		res->n_cex = !rc;
	}
	return rc;
}

/* Open the database for reading only, without creating it. */
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
	if (ldfi_db_open_readonly(path, db, err, sizeof(err))) {
		fprintf(stderr, "ldfi: %s\n", err);
		return LDFI_EDB;
	}
	return 0;
}

/* Load the conf the runs recorded, with their bounds. */
static struct ldfi_conf *recorded_conf(const struct report_opts *o, const struct ldfi_db_summary *r,
				       int *status)
{
	const char *path = o->conf ? o->conf : r->conf;
	struct ldfi_bounds b = {r->eot, r->eff, r->crashes, r->restarts, r->downtime};
	struct ldfi_conf *conf;
	char err[1024];
	int rc;

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
	conf = ldfi_cli_load(path, &b, status);
	/* Process checks are asked again about the runs read back. */
	if (conf && ldfi_conf_has_processes(conf) &&
	    (rc = ldfi_process_start(conf, NULL, err, sizeof(err)))) {
		fprintf(stderr, "%s\n", rc == LDFI_ENOMEM ? ldfi_strerror(rc) : err);
		*status = rc == LDFI_ENOMEM ? LDFI_EXIT_INTERNAL : LDFI_EXIT_USAGE;
		ldfi_conf_destroy(conf);
		return NULL;
	}
	return conf;
}

static int report(const struct report_opts *o, struct ldfi_db *db, const struct ldfi_db_summary *r)
{
	struct ldfi_explore_opts eo = {.out_dir = o->db, .jobs = 1, .program = ldfi_cli_program};
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
			rc == LDFI_ENOMEM ? ldfi_strerror(rc) : ldfi_db_errmsg(db));
	if (!rc && !(rc = ldfi_cli_html(o->html, &res, db)))
		printf("html report: %s/index.html\n", o->html);
	ldfi_explore_result_finish(&res);
	ldfi_conf_destroy(conf);
	free(dir);
	return rc ? LDFI_EXIT_INTERNAL : 0;
}

int ldfi_cmd_report(int argc, char **argv)
{
	struct report_opts o;
	struct ldfi_db_summary r;
	struct ldfi_db *db = NULL;
	int status = parse_opts(argc, argv, &o), rc;

	if (status)
		return status < 0 ? 0 : status;
	if ((status = refuse_clobber(&o)))
		return status;
	if (open_db(o.db, &db))
		return LDFI_EXIT_INTERNAL;
	rc = ldfi_db_summary(db, &r);
	/* no run: nothing to report (2); a damaged runs table (4) */
	status = rc == LDFI_EFORMAT ? LDFI_EXIT_USAGE : LDFI_EXIT_INTERNAL;
	if (rc || (rc = ldfi_db_state_check(db))) {
		fprintf(stderr, "ldfi: %s: %s\n", o.db, ldfi_db_errmsg(db));
		ldfi_db_close(db);
		ldfi_db_summary_finish(&r);
		return status;
	}
	status = report(&o, db, &r);
	ldfi_db_close(db);
	ldfi_db_summary_finish(&r);
	return status;
}

/* ---- the HTML report of an exploration's database ---- */

/* Where the page reads runs back. */
struct html_db {
	struct ldfi_db *db;
	const struct ldfi_conf *conf;
};

static int load_run(void *arg, int64_t id, const struct ldfi_trace *fault_free,
		    struct ldfi_trace **out, char *err, size_t errlen)
{
	const struct html_db *h = arg;
	int rc = ldfi_db_load_run(h->db, h->conf, id, out);

	(void)fault_free; /* the checks are read back, not evaluated again */
	if (rc)
		snprintf(err, errlen, "%s", ldfi_db_errmsg(h->db));
	return rc;
}

/* The page's list of runs from the database's. */
static int html_runs(const struct ldfi_db_run *runs, int n, struct ldfi_report_run **out)
{
	*out = malloc(((size_t)n + 1) * sizeof(**out));
	if (!*out)
		return LDFI_ENOMEM;
	for (int i = 0; i < n; i++)
		(*out)[i] = (struct ldfi_report_run){runs[i].id, runs[i].faults, runs[i].passed,
						     runs[i].failed};
	return 0;
}

int ldfi_cli_html(const char *dir, const struct ldfi_explore_result *res, struct ldfi_db *db)
{
	struct ldfi_db *own = NULL;
	struct ldfi_db_run *runs = NULL;
	struct ldfi_report_run *v = NULL;
	struct ldfi_report_runs from;
	struct html_db h;
	char err[1024];
	int n = 0, rc = 0;

	if (!db && !res->db_path) {
		if ((rc = ldfi_report_html(dir, res, NULL, err, sizeof(err))))
			fprintf(stderr, "ldfi: %s\n", err);
		return rc;
	}
	if (!db && (rc = ldfi_db_open_readonly(res->db_path, &own, err, sizeof(err)))) {
		fprintf(stderr, "ldfi: %s\n", err);
		return rc;
	}
	db = db ? db : own;
	h = (struct html_db){db, res->conf};
	if ((rc = ldfi_db_runs(db, true, &runs, &n)) || (rc = html_runs(runs, n, &v))) {
		fprintf(stderr, "ldfi: %s: %s\n", res->db_path,
			rc == LDFI_ENOMEM ? ldfi_strerror(rc) : ldfi_db_errmsg(db));
	} else {
		from = (struct ldfi_report_runs){v, n, load_run, &h};
		if ((rc = ldfi_report_html(dir, res, &from, err, sizeof(err))))
			fprintf(stderr, "ldfi: %s\n", err);
	}
	free(v);
	ldfi_db_runs_free(runs, n);
	ldfi_db_close(own);
	return rc;
}
