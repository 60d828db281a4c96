/*
 * explore_cmd.c - `ldfi explore`: parse the options, load the conf, refuse
 * what is too large, run the explore loop (src/explore/), print progress,
 * write the reports (src/report/) and turn the verdict into the exit status.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ldfi/ldfi.h"
#include "runtime/db/db.h"
#include "runtime/runtime.h"
#include "src/cli/cli.h"
#include "src/explore/explore.h"
#include "src/report/report.h"
#include "src/report/report_html.h"

/* The options of the command beyond the loop's. */
struct explore_cmd {
	struct ldfi_explore_opts o;
	const char *json;  /* extra copy of the JSON report, or NULL */
	const char *junit; /* JUnit report, or NULL */
	const char *html;  /* HTML report directory, or NULL */
	bool quiet;	   /* no text report on stdout, only the verdict line */
	bool progress;	   /* progress on stderr even when it is not a terminal */
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

	(void)arg;
	fprintf(stderr, "%sexecutions %ld, hypotheses pending %ld, elapsed %.1f s%s",
		tty ? "\r" : "", p->executions, p->pending, p->elapsed_s, tty ? "   " : "\n");
	if (p->final && tty)
		fputc('\n', stderr);
}

static int parse_opts(int argc, char **argv, struct explore_cmd *c, struct ldfi_bounds *bounds,
		      const char **strategy, const char **seed)
{
	static const struct option longopts[] = {
	    {"strategy", required_argument, NULL, 's'},
	    {"eot", required_argument, NULL, 'T'},
	    {"eff", required_argument, NULL, 'E'},
	    {"crashes", required_argument, NULL, 'C'},
	    {"restarts", required_argument, NULL, 'R'},
	    {"downtime", required_argument, NULL, 'D'},
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
	struct ldfi_explore_opts *o = &c->o;
	long long v;
	int ch;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		const char *opt = argv[optind - 1];

		switch (ch) {
		case 's':
			*strategy = optarg;
			break;
		case 'S':
			*seed = optarg;
			break;
		case 'T':
		case 'E':
		case 'C':
		case 'R':
		case 'D':
			if ((v = ldfi_cli_number("explore", opt, optarg, LDFI_EOT_MAX)) < 0)
				return LDFI_EXIT_USAGE;
			*(ch == 'T'   ? &bounds->eot
			  : ch == 'E' ? &bounds->eff
			  : ch == 'C' ? &bounds->crashes
			  : ch == 'R' ? &bounds->restarts
				      : &bounds->downtime) = (int)v;
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
			c->json = optarg;
			break;
		case 'U':
			c->junit = optarg;
			break;
		case 'H':
			c->html = optarg;
			break;
		case 'q':
			c->quiet = true;
			break;
		case 'p':
			c->progress = true;
			break;
		case 'f':
			o->fresh = true;
			break;
		case 'e':
			if (ldfi_engine_parse(optarg, &o->engine))
				return ldfi_cli_usage_error(
				    "explore", "--engine must be sim or live, not '%s'", optarg);
			break;
		case 'h':
			printf(
			    "usage: ldfi explore PIPELINE.conf [--strategy ldfi|random|exhaustive] "
			    "[--eot N] [--eff N] [--crashes N] [--restarts N] [--downtime N] "
			    "[--max-runs N] [--time-limit S] "
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

static int write_reports(const struct explore_cmd *c, const struct ldfi_explore_result *res)
{
	const struct ldfi_explore_opts *o = &c->o;
	char *path = NULL, err[1024] = "";
	int rc = 0;

	if (!c->quiet) {
		rc = ldfi_report_text(stdout, res, err, sizeof(err));
	} else {
		char *text = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);

		if (f) {
			rc = ldfi_report_text(f, res, err, sizeof(err));
			fclose(f);
			fwrite(text, 1, strcspn(text, "\n") + (strchr(text, '\n') != NULL), stdout);
		} else {
			rc = LDFI_ENOMEM;
		}
		free(text);
	}
	fflush(stdout);
	if (rc) {
		fprintf(stderr, "ldfi explore: %s\n", err[0] ? err : ldfi_strerror(rc));
		return rc;
	}
	if (asprintf(&path, "%s/report.json", o->out_dir) < 0) {
		fprintf(stderr, "ldfi explore: %s/report.json: %s\n", o->out_dir,
			ldfi_strerror(LDFI_ENOMEM));
		return LDFI_ENOMEM;
	}
	rc = ldfi_report_json(path, res, err, sizeof(err));
	free(path);
	if (!rc && c->json)
		rc = ldfi_report_json(c->json, res, err, sizeof(err));
	if (!rc && c->junit)
		rc = ldfi_report_junit(c->junit, res, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "ldfi explore: %s\n", err);
		return rc;
	}
	if (c->html)
		rc = ldfi_cli_html(c->html, res, NULL);
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
		if (res.db_path)
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
		status = write_reports(c, &res) ? LDFI_EXIT_INTERNAL : exit_status(&res);
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
	if (ldfi_rt_too_large(conf, msg, sizeof(msg))) {
		fprintf(stderr, "ldfi explore: %s\n", msg);
		return LDFI_EXIT_USAGE;
	}
	return 0;
}

int ldfi_cmd_explore(int argc, char **argv)
{
	struct explore_cmd c = {.o = {.out_dir = "ldfi-out", .jobs = 1}};
	const char *strategy = NULL, *seed = NULL;
	struct ldfi_bounds bounds = LDFI_BOUNDS_KEEP;
	int status;
	struct ldfi_conf *conf;

	status = parse_opts(argc, argv, &c, &bounds, &strategy, &seed);
	if (status)
		return status < 0 ? 0 : status;
	conf = ldfi_cli_load(c.o.conf_path, &bounds, &status);
	if (!conf)
		return status;
	status = refuse_large(conf);
	if (!status && c.o.engine == LDFI_ENGINE_LIVE && conf->restarts > 0)
		status = ldfi_cli_usage_error(
		    "explore", "restart faults are not supported by the live engine yet");
	if (!status)
		status = apply_choices(&c.o, conf, strategy, seed);
	if (!status)
		status = run_explore(&c, conf);
	ldfi_conf_destroy(conf);
	return status;
}
