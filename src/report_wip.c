/* TEMPORARY (explore engineer): minimal reports so explore can be tested
 * until src/report.c, report_json.c, report_junit.c and replay.c land.
 * Delete this file and its meson.build entry then. */
#include <stdio.h>

#include "ldfi/ldfi.h"
#include "src/cli.h"
#include "src/explore.h"

int ldfi_report_text(FILE *f, const struct ldfi_explore_result *res)
{
	if (res->verdict == LDFI_VERDICT_CERTIFIED)
		fprintf(f, "certified: no counterexample within eot=%d eff=%d crashes=%d\n",
			res->conf->eot, res->conf->eff, res->conf->crashes);
	else if (res->verdict == LDFI_VERDICT_COUNTEREXAMPLE)
		fprintf(f, "counterexample found\n");
	else
		fprintf(f, "inconclusive: %s\n", res->reason);
	fprintf(f, "executions %ld, hypotheses tried %ld / pruned %ld, %.3f s\n", res->executions,
		res->tried, res->pruned, res->wall_s);
	if (res->n_cex)
		ldfi_cli_print_checks(f, res->cex[0].trace);
	if (res->replay)
		fprintf(f, "replay: %s\n", res->replay);
	return 0;
}

int ldfi_report_json(const char *path, const struct ldfi_explore_result *res)
{
	(void)path;
	(void)res;
	return 0;
}

int ldfi_report_junit(const char *path, const struct ldfi_explore_result *res)
{
	(void)path;
	(void)res;
	return 0;
}

int ldfi_cmd_replay(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return LDFI_EXIT_INTERNAL;
}
