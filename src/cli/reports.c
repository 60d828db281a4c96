/*
 * reports.c - what `ldfi explore` and `ldfi merge` write once they have a
 * result: the text report (or its verdict line) on stdout, OUT/report.json,
 * and the JSON, JUnit and HTML reports asked for; and the exit status of a
 * verdict.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ldfi/ldfi.h"
#include "src/cli/cli.h"
#include "src/explore/explore.h"
#include "src/report/report.h"

int ldfi_cli_reports(const struct ldfi_cli_outputs *c, const struct ldfi_explore_result *res)
{
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
		fprintf(stderr, "ldfi %s: %s\n", c->cmd, err[0] ? err : ldfi_strerror(rc));
		return rc;
	}
	if (asprintf(&path, "%s/report.json", c->out_dir) < 0) {
		fprintf(stderr, "ldfi %s: %s/report.json: %s\n", c->cmd, c->out_dir,
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
		fprintf(stderr, "ldfi %s: %s\n", c->cmd, err);
		return rc;
	}
	if (c->html)
		rc = ldfi_cli_html(c->html, res, NULL);
	return rc;
}

int ldfi_cli_exit_status(const struct ldfi_explore_result *res)
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
