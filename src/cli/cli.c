/*
 * cli.c - command dispatch, usage and the pieces the commands share.
 * Results go to stdout; diagnostics to stderr; usage errors are one line
 * and exit 2 (SPEC §3).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ldfi/ldfi.h"
#include "runtime/runtime.h"
#include "src/cli/cli.h"

static const char usage_text[] =
    "usage: ldfi COMMAND [ARGS]\n"
    "\n"
    "Lineage-driven fault injection for stream pipelines.\n"
    "\n"
    "commands:\n"
    "  explore PIPELINE.conf [--strategy ldfi|random|exhaustive] [--eot N] [--eff N]\n"
    "          [--crashes N] [--restarts N] [--downtime N] [--max-runs N]\n"
    "          [--time-limit S] [--seed N] [--jobs N] [--all] [--out DIR] [--json FILE]\n"
    "          [--junit FILE] [--html DIR] [--quiet] [--progress] [--engine sim|live]\n"
    "      search the bounded fault space for a counterexample\n"
    "  run PIPELINE.conf [--faults 'crash(c,2) omit(a,b,1)'] [--db FILE] [--json FILE]\n"
    "          [--eot N] [--eff N] [--crashes N] [--restarts N] [--downtime N]\n"
    "          [--engine sim|live]\n"
    "      one execution under one fault set; prints each check's result\n"
    "  replay REPORT.json [--engine sim|live]\n"
    "      re-run the counterexample of a report and confirm its checks fail\n"
    "  report PROVENANCE.db --html DIR\n"
    "      write the HTML report of a stored exploration or run\n"
    "  check PIPELINE.conf\n"
    "      validate a pipeline and summarise it\n"
    "  --help, --version\n"
    "\n"
    "exit status: 0 certified (no counterexample within the bounds) or all checks hold,\n"
    "1 counterexample found or a check failed, 2 usage or configuration error,\n"
    "3 inconclusive (a budget ran out), 4 internal or I/O error.\n";

int ldfi_cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "ldfi%s%s: ", cmd ? " " : "", cmd ? cmd : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see 'ldfi --help')\n");
	return LDFI_EXIT_USAGE;
}

long long ldfi_cli_number(const char *cmd, const char *opt, const char *text, long long max)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(text, &end, 10);
	if (!*text || *end || errno || v < 0 || v > max || text[0] == '-' || text[0] == '+') {
		ldfi_cli_usage_error(cmd, "%s expects a number in 0..%lld, got '%s'", opt, max,
				     text);
		return -1;
	}
	return v;
}

struct ldfi_conf *ldfi_cli_load(const char *path, const struct ldfi_bounds *b, int *status)
{
	struct ldfi_conf *conf = NULL;
	char err[1024];
	int rc = ldfi_conf_load(path, &conf, err, sizeof(err));

	if (rc) {
		fprintf(stderr, "%s\n", err);
		*status = rc == LDFI_EINVAL ? LDFI_EXIT_USAGE : LDFI_EXIT_INTERNAL;
		return NULL;
	}
	if ((b->eot >= 0 || b->eff >= 0 || b->crashes >= 0 || b->restarts >= 0 ||
	     b->downtime >= 0) &&
	    ldfi_conf_set_bounds_ex(conf, b, err, sizeof(err))) {
		fprintf(stderr, "ldfi: %s\n", err);
		ldfi_conf_destroy(conf);
		*status = LDFI_EXIT_USAGE;
		return NULL;
	}
	if ((rc = ldfi_plugins_load(conf, err, sizeof(err)))) {
		if (rc == LDFI_ENOMEM)
			fprintf(stderr, "ldfi: %s: loading its plugins: %s\n", path,
				ldfi_strerror(rc));
		else
			fprintf(stderr, "%s\n", err);
		ldfi_conf_destroy(conf);
		*status = rc == LDFI_EINVAL ? LDFI_EXIT_USAGE : LDFI_EXIT_INTERNAL;
		return NULL;
	}
	*status = 0;
	return conf;
}

int ldfi_cli_main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
	    {"explore", ldfi_cmd_explore}, {"run", ldfi_cmd_run},	{"replay", ldfi_cmd_replay},
	    {"check", ldfi_cmd_check},	   {"report", ldfi_cmd_report},
	};

	if (argc < 2)
		return ldfi_cli_usage_error(NULL, "missing command");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("ldfi %s\n", ldfi_version());
		return 0;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].fn(argc - 1, argv + 1);
	return ldfi_cli_usage_error(NULL, "unknown command '%s'", argv[1]);
}
