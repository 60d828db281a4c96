/*
 * options.c - the commands' option tables, their parser and help (see
 * options.h). One table per command is the single description of its
 * command line: parsing, `ldfi CMD --help` and `ldfi --help` read it.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ldfi/ldfi.h"
#include "src/cli/cli.h"
#include "src/cli/options.h"

#define HELP                                                                                       \
	{                                                                                          \
		"help", NULL, OPT_HELP, "this help, on stdout"                                     \
	}
#define BOUNDS                                                                                     \
	{"eot", "N", OPT_EOT, "rounds 1..N (overrides [explore] eot)"},                            \
	    {"eff", "N", OPT_EFF, "messages can be lost in rounds 1..N-1 (overrides eff)"},        \
	    {"crashes", "N", OPT_CRASHES, "at most N crash faults (overrides crashes)"},           \
	    {"restarts", "N", OPT_RESTARTS, "at most N restart faults (overrides restarts)"},      \
	{                                                                                          \
		"downtime", "N", OPT_DOWNTIME,                                                     \
		    "rounds a restarted node is down (overrides downtime)"                         \
	}
#define ENGINE                                                                                     \
	{                                                                                          \
		"engine", "sim|live", OPT_ENGINE,                                                  \
		    "run each execution in the simulation (default) or a process per node"         \
	}

static const struct ldfi_cli_opt explore_opts[] = {
    {"strategy", "ldfi|random|exhaustive", OPT_STRATEGY,
     "how hypotheses are chosen (default: the conf's, else ldfi)"},
    BOUNDS,
    {"max-runs", "N", OPT_MAX_RUNS, "stop, inconclusive, after N executions"},
    {"time-limit", "S", OPT_TIME_LIMIT, "stop, inconclusive, after S seconds (fractions allowed)"},
    {"seed", "N", OPT_SEED, "seed of strategy random and of tie-breaking (default: the conf's)"},
    {"jobs", "N", OPT_JOBS,
     "threads for the solver (default: cores, at most 8); results do not depend on it"},
    {"all", NULL, OPT_ALL, "keep going after a counterexample and report every one"},
    {"out", "DIR", OPT_OUT, "state and reports: DIR/provenance.db, DIR/report.json (ldfi-out)"},
    {"json", "FILE", OPT_JSON, "also write the JSON report to FILE"},
    {"junit", "FILE", OPT_JUNIT, "write a JUnit XML report to FILE"},
    {"html", "DIR", OPT_HTML, "write the HTML report to DIR/index.html"},
    {"quiet", NULL, OPT_QUIET, "print only the verdict line on stdout"},
    {"progress", NULL, OPT_PROGRESS, "progress on stderr even when it is not a terminal"},
    {"fresh", NULL, OPT_FRESH, "discard an earlier exploration in --out and start over"},
    {"shard", "I/N", OPT_SHARD, "explore only part I (0..N-1) of N of the fault space; see merge"},
    ENGINE,
    HELP,
    {NULL, NULL, 0, NULL},
};

static const struct ldfi_cli_opt merge_opts[] = {
    {"out", "DIR", OPT_OUT, "the merged database and report.json (ldfi-out)"},
    {"json", "FILE", OPT_JSON, "also write the JSON report to FILE"},
    {"junit", "FILE", OPT_JUNIT, "write a JUnit XML report to FILE"},
    {"html", "DIR", OPT_HTML, "write the HTML report to DIR/index.html"},
    {"conf", "FILE", OPT_CONF, "the pipeline, when the one the shards recorded is elsewhere"},
    {"quiet", NULL, OPT_QUIET, "print only the verdict line on stdout"},
    HELP,
    {NULL, NULL, 0, NULL},
};

static const struct ldfi_cli_opt run_opts[] = {
    {"faults", "'crash(c,2) omit(a,b,1)'", OPT_FAULTS, "the fault set to run (default: none)"},
    BOUNDS,
    {"db", "FILE", OPT_DB, "record the run in the provenance database FILE"},
    {"json", "FILE", OPT_JSON, "write the run's checks and outputs as JSON to FILE"},
    ENGINE,
    HELP,
    {NULL, NULL, 0, NULL},
};

static const struct ldfi_cli_opt replay_opts[] = {
    ENGINE,
    HELP,
    {NULL, NULL, 0, NULL},
};

static const struct ldfi_cli_opt report_opts[] = {
    {"html", "DIR", OPT_HTML, "write the HTML report to DIR/index.html (required)"},
    {"conf", "FILE", OPT_CONF, "the pipeline, when the one the runs recorded is elsewhere"},
    HELP,
    {NULL, NULL, 0, NULL},
};

static const struct ldfi_cli_opt check_opts[] = {
    HELP,
    {NULL, NULL, 0, NULL},
};

const struct ldfi_cli_cmd ldfi_cli_cmds[] = {
    {"explore", "PIPELINE.conf", 1, "search the bounded fault space for a counterexample",
     explore_opts},
    {"run", "PIPELINE.conf", 1, "one execution under one fault set; each check's result", run_opts},
    {"replay", "REPORT.json", 1,
     "re-run the counterexample of a report and confirm its checks fail", replay_opts},
    {"merge", "DIR...", -1, "the verdict of the shards of one exploration together", merge_opts},
    {"report", "PROVENANCE.db", 1, "the HTML report of a stored exploration", report_opts},
    {"check", "PIPELINE.conf", 1, "validate a pipeline and summarise it", check_opts},
    {NULL, NULL, 0, NULL, NULL},
};

const struct ldfi_cli_cmd *ldfi_cli_find(const char *name)
{
	for (const struct ldfi_cli_cmd *c = ldfi_cli_cmds; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

static const struct ldfi_cli_opt *find_opt(const struct ldfi_cli_cmd *cmd, const char *name,
					   size_t len)
{
	for (const struct ldfi_cli_opt *o = cmd->opts; o->name; o++)
		if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
			return o;
	return NULL;
}

static int usage(const struct ldfi_cli_args *a, const char *fmt, const char *s)
{
	ldfi_cli_usage_error(a->cmd->name, fmt, s);
	return LDFI_CLI_ERROR;
}

/* The end of the arguments: the right number of positionals? */
static int end(struct ldfi_cli_args *a)
{
	if (a->cmd->n_args < 0 && a->n_pos == 0) {
		ldfi_cli_usage_error(a->cmd->name, "expects at least one %s", a->cmd->args);
		return LDFI_CLI_ERROR;
	}
	if (a->cmd->n_args >= 0 && a->n_pos != a->cmd->n_args) {
		ldfi_cli_usage_error(a->cmd->name, "expects exactly one %s", a->cmd->args);
		return LDFI_CLI_ERROR;
	}
	return LDFI_CLI_END;
}

static int option(struct ldfi_cli_args *a, const char *word)
{
	const char *name = word + 2, *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	const struct ldfi_cli_opt *o = find_opt(a->cmd, name, len);

	snprintf(a->opt, sizeof(a->opt), "--%.*s", (int)(len < 60 ? len : 60), name);
	if (!o)
		return usage(a, "unknown option '%s'", a->opt);
	if (o->id == OPT_HELP) {
		ldfi_cli_print_help(a->cmd, stdout);
		return LDFI_CLI_HELP;
	}
	a->value = NULL;
	if (!o->arg && eq)
		return usage(a, "%s takes no value", a->opt);
	if (o->arg && eq)
		a->value = eq + 1;
	else if (o->arg && a->i < a->argc)
		a->value = a->argv[a->i++];
	else if (o->arg)
		return usage(a, "%s needs a value", a->opt);
	return o->id;
}

int ldfi_cli_next(struct ldfi_cli_args *a)
{
	if (a->i == 0)
		a->i = 1;
	while (a->i < a->argc) {
		const char *w = a->argv[a->i++];

		if (strcmp(w, "--") == 0) {
			while (a->i < a->argc && a->n_pos < LDFI_CLI_MAX_POS &&
			       a->n_pos != a->cmd->n_args)
				a->pos[a->n_pos++] = a->argv[a->i++];
			if (a->i < a->argc)
				return usage(a, "unexpected argument '%s'", a->argv[a->i]);
			break;
		}
		if (strcmp(w, "-h") == 0)
			w = "--help";
		if (strncmp(w, "--", 2) == 0 && w[2])
			return option(a, w);
		if (w[0] == '-' && w[1])
			return usage(a, "unknown option '%s'", w);
		if (a->n_pos == a->cmd->n_args || a->n_pos == LDFI_CLI_MAX_POS)
			return usage(a, "unexpected argument '%s'", w);
		a->pos[a->n_pos++] = w;
	}
	return end(a);
}

static void print_opts(const struct ldfi_cli_cmd *cmd, FILE *f, int indent)
{
	for (const struct ldfi_cli_opt *o = cmd->opts; o->name; o++) {
		int n = fprintf(f, "%*s--%s%s%s", indent, "", o->name, o->arg ? " " : "",
				o->arg ? o->arg : "");

		fprintf(f, "%*s%s\n", n < indent + 30 ? indent + 30 - n : 2, "", o->help);
	}
}

void ldfi_cli_print_help(const struct ldfi_cli_cmd *cmd, FILE *f)
{
	fprintf(f, "usage: ldfi %s %s [OPTIONS]\n%s\n\noptions:\n", cmd->name, cmd->args,
		cmd->summary);
	print_opts(cmd, f, 2);
	fputs("\nexit status: 0 certified or every check holds, 1 counterexample or a failed "
	      "check,\n2 usage or configuration error, 3 inconclusive, 4 internal or I/O error.\n"
	      "More: man ldfi, docs/ in the source.\n",
	      f);
}

void ldfi_cli_print_usage(FILE *f)
{
	fputs("usage: ldfi COMMAND ARGS [OPTIONS]\n"
	      "       ldfi --help | --version\n"
	      "\n"
	      "Lineage-driven fault injection for stream pipelines.\n",
	      f);
	for (const struct ldfi_cli_cmd *c = ldfi_cli_cmds; c->name; c++) {
		fprintf(f, "\nldfi %s %s\n    %s\n", c->name, c->args, c->summary);
		print_opts(c, f, 4);
	}
	fputs("\nexit status: 0 certified (no counterexample within the bounds) or all checks "
	      "hold,\n1 counterexample found or a check failed, 2 usage or configuration error,\n"
	      "3 inconclusive (a budget ran out, or interrupted), 4 internal or I/O error.\n"
	      "More: `ldfi COMMAND --help`, man ldfi, docs/ in the source.\n",
	      f);
}

long long ldfi_cli_int(const struct ldfi_cli_args *a, long long min, long long max)
{
	const char *t = a->value;
	char *e;
	long long v;

	errno = 0;
	v = strtoll(t, &e, 10);
	if (!*t || *e || errno || v < min || v > max || t[0] == '+' || t[0] == ' ') {
		ldfi_cli_usage_error(a->cmd->name, "%s expects a number in %lld..%lld, got '%s'",
				     a->opt, min, max, t);
		return -1;
	}
	return v;
}

int ldfi_cli_u64(const struct ldfi_cli_args *a, uint64_t *out)
{
	const char *t = a->value;
	char *e;

	errno = 0;
	*out = strtoull(t, &e, 10);
	if (!*t || *e || errno || t[0] < '0' || t[0] > '9') {
		ldfi_cli_usage_error(a->cmd->name, "%s expects a number in 0..%llu, got '%s'",
				     a->opt, (unsigned long long)UINT64_MAX, t);
		return -1;
	}
	return 0;
}

int ldfi_cli_seconds(const struct ldfi_cli_args *a, double max, double *out)
{
	const char *t = a->value;
	char *e;

	errno = 0;
	*out = strtod(t, &e);
	if (!*t || *e || errno || !isfinite(*out) || !(*out > 0) || *out > max ||
	    !((t[0] >= '0' && t[0] <= '9') || t[0] == '.')) {
		ldfi_cli_usage_error(a->cmd->name,
				     "%s expects a number of seconds above 0, up to %.0f, got '%s'",
				     a->opt, max, t);
		return -1;
	}
	return 0;
}
