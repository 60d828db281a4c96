/*
 * explore_cmd.c - `ldfi explore`: parse the options, load the conf, refuse
 * what is too large, run the explore loop (src/explore/), print progress,
 * write the reports (src/report/) and turn the verdict into the exit status.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ldfi/ldfi.h"
#include "runtime/db/db.h"
#include "runtime/isolate.h"
#include "runtime/runtime.h"
#include "src/cli/cli.h"
#include "src/cli/options.h"
#include "src/explore/explore.h"
#include "src/report/report.h"
#include "src/report/report_html.h"

/* The options of the command beyond the loop's. */
struct explore_cmd {
	struct ldfi_explore_opts o;
	const char *json;	     /* extra copy of the JSON report, or NULL */
	const char *junit;	     /* JUnit report, or NULL */
	const char *html;	     /* HTML report directory, or NULL */
	bool quiet;		     /* no text report on stdout, only the verdict line */
	bool progress;		     /* progress on stderr even when it is not a terminal */
	bool strategy_set, seed_set; /* given on the command line */
};

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* The progress line on stderr: rewritten in place on a terminal. */
static void show_progress(void *arg, const struct ldfi_explore_progress *p)
{
	bool tty = isatty(2);
	char pending[32];

	(void)arg;
	if (p->pending < 0)
		snprintf(pending, sizeof(pending), "over 10^15");
	else
		snprintf(pending, sizeof(pending), "%ld", p->pending);
	fprintf(stderr, "%sexecutions %ld, hypotheses pending %s, elapsed %.1f s%s",
		tty ? "\r" : "", p->executions, pending, p->elapsed_s, tty ? "   " : "\n");
	if (p->final && tty)
		fputc('\n', stderr);
}

/* The strategy named `s`, or -1. */
static int strategy_of(const char *s)
{
	static const enum ldfi_strategy all[] = {LDFI_STRATEGY_LDFI, LDFI_STRATEGY_RANDOM,
						 LDFI_STRATEGY_EXHAUSTIVE};

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (strcmp(s, ldfi_strategy_name(all[i])) == 0)
			return (int)all[i];
	return -1;
}

static int parse_opts(int argc, char **argv, struct explore_cmd *c, struct ldfi_bounds *bounds)
{
	struct ldfi_cli_args a = {.cmd = ldfi_cli_find("explore"), .argc = argc, .argv = argv};
	struct ldfi_explore_opts *o = &c->o;
	long long v;
	int id;

	while ((id = ldfi_cli_next(&a)) > 0) {
		switch (id) {
		case OPT_STRATEGY:
			if ((v = strategy_of(a.value)) < 0)
				return ldfi_cli_usage_error(
				    "explore",
				    "--strategy must be ldfi, random or exhaustive, not '%s'",
				    a.value);
			o->strategy = (enum ldfi_strategy)v;
			c->strategy_set = true;
			break;
		case OPT_SEED:
			if (ldfi_cli_u64(&a, &o->seed))
				return LDFI_EXIT_USAGE;
			c->seed_set = true;
			break;
		case OPT_EOT:
		case OPT_EFF:
		case OPT_CRASHES:
		case OPT_RESTARTS:
		case OPT_DOWNTIME:
			if ((v = ldfi_cli_int(&a, 0, LDFI_EOT_MAX)) < 0)
				return LDFI_EXIT_USAGE;
			*(id == OPT_EOT	       ? &bounds->eot
			  : id == OPT_EFF      ? &bounds->eff
			  : id == OPT_CRASHES  ? &bounds->crashes
			  : id == OPT_RESTARTS ? &bounds->restarts
					       : &bounds->downtime) = (int)v;
			break;
		case OPT_MAX_RUNS:
			if ((v = ldfi_cli_int(&a, 1, 1000000000000LL)) < 0)
				return LDFI_EXIT_USAGE;
			o->max_runs = v;
			break;
		case OPT_TIME_LIMIT:
			if (ldfi_cli_seconds(&a, 100000000.0, &o->time_limit_s))
				return LDFI_EXIT_USAGE;
			break;
		case OPT_JOBS:
			if ((v = ldfi_cli_int(&a, 1, 1024)) < 0)
				return LDFI_EXIT_USAGE;
			o->jobs = (int)v;
			break;
		case OPT_ALL:
			o->all = true;
			break;
		case OPT_OUT:
			if (!a.value[0])
				return ldfi_cli_usage_error("explore", "--out needs a directory");
			o->out_dir = a.value;
			break;
		case OPT_JSON:
		case OPT_JUNIT:
		case OPT_HTML:
			if (!a.value[0])
				return ldfi_cli_usage_error("explore", "%s needs a %s",
							    id == OPT_JSON    ? "--json"
							    : id == OPT_JUNIT ? "--junit"
									      : "--html",
							    id == OPT_HTML ? "directory"
									   : "file name");
			*(id == OPT_JSON    ? &c->json
			  : id == OPT_JUNIT ? &c->junit
					    : &c->html) = a.value;
			break;
		case OPT_QUIET:
			c->quiet = true;
			break;
		case OPT_PROGRESS:
			c->progress = true;
			break;
		case OPT_FRESH:
			o->fresh = true;
			break;
		case OPT_SHARD:
			if (ldfi_shard_parse(a.value, &o->shard_index, &o->shard_count))
				return ldfi_cli_usage_error(
				    "explore",
				    "--shard expects I/N with 0 <= I < N <= %d, got '%s'",
				    LDFI_SHARD_MAX, a.value);
			break;
		case OPT_ENGINE:
			if (ldfi_engine_parse(a.value, &o->engine))
				return ldfi_cli_usage_error(
				    "explore", "--engine must be sim or live, not '%s'", a.value);
			break;
		}
	}
	if (id != LDFI_CLI_END)
		return id == LDFI_CLI_HELP ? -1 : LDFI_EXIT_USAGE;
	o->conf_path = a.pos[0];
	return 0;
}

/* Strategy, seed and max-runs: the command line overrides the conf. */
static void apply_choices(struct explore_cmd *c, const struct ldfi_conf *conf)
{
	if (!c->strategy_set)
		c->o.strategy = conf->strategy;
	if (!c->seed_set)
		c->o.seed = conf->seed;
	if (!c->o.max_runs)
		c->o.max_runs = conf->max_runs;
}

static int write_reports(const struct explore_cmd *c, const struct ldfi_explore_result *res)
{
	const struct ldfi_cli_outputs out = {.cmd = "explore",
					     .out_dir = c->o.out_dir,
					     .json = c->json,
					     .junit = c->junit,
					     .html = c->html,
					     .quiet = c->quiet};

	return ldfi_cli_reports(&out, res);
}

static int run_explore(struct explore_cmd *c, const struct ldfi_conf *conf)
{
	struct ldfi_explore_result res;
	char err[1024];
	int rc, status;

	c->o.interrupted = &interrupted;
	if (c->progress || (!c->quiet && isatty(2)))
		c->o.progress = show_progress;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	rc = ldfi_explore(conf, &c->o, &res, err, sizeof(err));
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	if (rc) {
		fprintf(stderr, "ldfi explore: %s\n", err);
		if (res.db_path && rc == LDFI_EFORMAT)
			fprintf(
			    stderr,
			    "ldfi explore: %s is damaged: move it away, or use --fresh to start "
			    "over\n",
			    res.db_path);
		else if (res.db_path)
			fprintf(
			    stderr,
			    "ldfi explore: %s: %s; exploration stopped, the runs recorded so far "
			    "are kept\n",
			    res.db_path, ldfi_strerror(rc));
		status =
		    rc == LDFI_EINVAL || rc == LDFI_ELIMIT ? LDFI_EXIT_USAGE : LDFI_EXIT_INTERNAL;
	} else {
		if (res.warning[0])
			fprintf(stderr, "ldfi explore: %s\n", res.warning);
		status = write_reports(c, &res) ? LDFI_EXIT_INTERNAL : ldfi_cli_exit_status(&res);
	}
	ldfi_explore_result_finish(&res);
	return status;
}

/* Most fault variables (possible faults) an exploration accepts. */
#define LDFI_MAX_VARS 100000

/* Refuse, before running anything, an execution over LDFI_MAX_MESSAGES or
 * an exploration over LDFI_MAX_MEMORY (estimated), or a fault space over
 * LDFI_MAX_VARS: exit 2 with the numbers. */
static int refuse_large(struct ldfi_conf *conf, enum ldfi_strategy strategy)
{
	long long n = conf->n_nodes, crash = conf->crashes > 0 ? n * conf->eot : 0;
	long long omit = n * (n - 1) * (conf->eff > 1 ? conf->eff - 1 : 0);
	long long restart = conf->restarts > 0 ? n * (conf->eot - conf->downtime) : 0;
	char msg[512], more[128] = "";

	if (restart)
		snprintf(more, sizeof(more), "; %lld restarts: nodes x (eot - downtime)", restart);
	if (crash + omit + restart > LDFI_MAX_VARS) {
		fprintf(
		    stderr,
		    "ldfi explore: the fault space of %s has %lld possible faults (%lld crashes: "
		    "nodes x eot; %lld omissions: node pairs x (eff - 1)%s); the limit is %d: "
		    "lower eot or eff\n",
		    conf->path, crash + omit + restart, crash, omit, more, LDFI_MAX_VARS);
		return LDFI_EXIT_USAGE;
	}
	if (ldfi_rt_too_large(conf,
			      strategy == LDFI_STRATEGY_LDFI ? LDFI_BYTES_PER_MSG_LINEAGE
							     : LDFI_BYTES_PER_MSG_RUN,
			      msg, sizeof(msg))) {
		fprintf(stderr, "ldfi explore: %s\n", msg);
		return LDFI_EXIT_USAGE;
	}
	return 0;
}

/* --jobs by default: the cores this process may use, at most 8 (the fills
 * of a step rarely keep more busy). */
static int default_jobs(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 8 ? 8 : (int)n;
}

/* No report may be written over OUT/provenance.db or its -wal, -shm and
 * -journal files (exit 2 with a message). */
static int refuse_clobber(const struct explore_cmd *c)
{
	char *db, *index = NULL;
	int status;

	if (asprintf(&db, "%s/provenance.db", c->o.out_dir) < 0)
		goto err_nomem;
	if (c->html && asprintf(&index, "%s/index.html", c->html) < 0) {
		free(db);
		goto err_nomem;
	}
	if (!(status = ldfi_cli_refuse_db_path("explore", db, "--json", c->json)) &&
	    !(status = ldfi_cli_refuse_db_path("explore", db, "--junit", c->junit)))
		status = ldfi_cli_refuse_db_path("explore", db, "--html", index);
	free(db);
	free(index);
	return status;

err_nomem:
	fprintf(stderr, "ldfi explore: %s\n", ldfi_strerror(LDFI_ENOMEM));
	return LDFI_EXIT_INTERNAL;
}

int ldfi_cmd_explore(int argc, char **argv)
{
	struct explore_cmd c = {
	    .o = {.out_dir = "ldfi-out", .jobs = default_jobs(), .program = ldfi_cli_program}};
	struct ldfi_bounds bounds = LDFI_BOUNDS_KEEP;
	int status;
	struct ldfi_conf *conf;

	status = parse_opts(argc, argv, &c, &bounds);
	if (status)
		return status < 0 ? 0 : status;
	if ((status = refuse_clobber(&c)))
		return status;
	conf = ldfi_cli_load(c.o.conf_path, &bounds, &status);
	if (!conf)
		return status;
	apply_choices(&c, conf);
	status = refuse_large(conf, c.o.strategy);
	if (!status && ldfi_conf_has_processes(conf)) {
		char *logs = NULL;

		if (asprintf(&logs, "%s/logs", c.o.out_dir) < 0) {
			fprintf(stderr, "ldfi explore: %s\n", ldfi_strerror(LDFI_ENOMEM));
			status = LDFI_EXIT_INTERNAL;
		} else {
			status = ldfi_cli_processes("explore", conf, logs);
		}
		free(logs);
	}
	if (!status) {
		ldfi_cli_fork_server("explore", conf, c.o.engine == LDFI_ENGINE_LIVE);
		status = run_explore(&c, conf);
	}
	ldfi_isolate_stop();
	ldfi_process_stop();
	ldfi_conf_destroy(conf);
	return status;
}
