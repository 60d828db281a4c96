/*
 * cli.c - command dispatch, usage and the pieces the commands share.
 * Results go to stdout; diagnostics to stderr; usage errors are one line
 * and exit 2 (README.md, `ldfi --help`).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ldfi/ldfi.h"
#include "model/util.h"
#include "runtime/isolate.h"
#include "runtime/runtime.h"
#include "src/cli/cli.h"
#include "src/cli/options.h"

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

int ldfi_cli_processes(const char *cmd, const struct ldfi_conf *conf, const char *log_dir)
{
	char err[4096];
	int rc;

	if (!ldfi_conf_has_processes(conf))
		return 0;
	if (ldfi_conf_has_plugins(conf)) {
		fprintf(stderr,
			"ldfi %s: %s: a conf with both plugin stages or checks and process stages "
			"is not supported yet (docs/process-stages.md, Limits)\n",
			cmd, conf->path);
		return LDFI_EXIT_USAGE;
	}
	if (log_dir && ldfi_mkdir_p(log_dir)) {
		fprintf(stderr, "ldfi %s: %s: %s\n", cmd, log_dir, strerror(errno));
		return LDFI_EXIT_INTERNAL;
	}
	if ((rc = ldfi_process_start(conf, log_dir, err, sizeof(err)))) {
		fprintf(stderr, "%s\n", err);
		return rc == LDFI_EINVAL ? LDFI_EXIT_USAGE : LDFI_EXIT_INTERNAL;
	}
	if ((rc = ldfi_process_selfcheck(conf, err, sizeof(err)))) {
		fprintf(stderr, "ldfi %s: %s\n", cmd, err);
		ldfi_process_stop();
		return rc == LDFI_EINVAL ? LDFI_EXIT_USAGE : LDFI_EXIT_INTERNAL;
	}
	return 0;
}

void ldfi_cli_fork_server(const char *cmd, const struct ldfi_conf *conf, bool live)
{
	char err[512];

	if (!live && ldfi_isolate_start(conf, err, sizeof(err)))
		fprintf(stderr, "ldfi %s: %s; each run forks from ldfi\n", cmd, err);
}

const char *ldfi_cli_program = "ldfi";

int ldfi_cli_main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
	    {"explore", ldfi_cmd_explore}, {"run", ldfi_cmd_run},	{"replay", ldfi_cmd_replay},
	    {"check", ldfi_cmd_check},	   {"report", ldfi_cmd_report}, {"merge", ldfi_cmd_merge},
	};

	if (argc > 0 && argv[0] && argv[0][0])
		ldfi_cli_program = argv[0];
	if (argc < 2)
		return ldfi_cli_usage_error(NULL, "missing command");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		ldfi_cli_print_usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("ldfi %s\n", ldfi_version());
		return 0;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return ldfi_cli_flush_stdout(cmds[i].fn(argc - 1, argv + 1));
	return ldfi_cli_usage_error(NULL, "unknown command '%s'", argv[1]);
}
