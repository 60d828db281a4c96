/*
 * report_junit.c - the JUnit XML report of `ldfi explore` (docs/reports.md): one
 * testsuite for the pipeline, one testcase per check of the conf. A check
 * that a counterexample fails carries a <failure> with the fault set, the
 * offending records and the replay command; when the verdict is
 * inconclusive every testcase is <skipped> with the reason. Layout:
 * docs/reports.md.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ldfi/conf.h"
#include "ldfi/faults.h"
#include "ldfi/ldfi.h"
#include "src/explore/explore.h"
#include "src/report/report.h"
#include "src/report/svg.h"

/* The testsuite and classname: the conf's file name without ".conf". */
static char *conf_stem(const char *path)
{
	const char *base = strrchr(path, '/');
	size_t n;

	base = base ? base + 1 : path;
	n = strlen(base);
	if (n > 5 && strcmp(base + n - 5, ".conf") == 0)
		n -= 5;
	return strndup(base, n);
}

/* The first counterexample whose run fails check `i`, or NULL. */
static const struct ldfi_cex *failing(const struct ldfi_explore_result *res, int i)
{
	if (res->verdict != LDFI_VERDICT_COUNTEREXAMPLE)
		return NULL;
	for (int k = 0; k < res->n_cex; k++) {
		const struct ldfi_trace *tr = res->cex[k].trace;

		for (int j = 0; j < tr->n_checks; j++)
			if (tr->checks[j].check == i && !tr->checks[j].passed)
				return &res->cex[k];
	}
	return NULL;
}

/* The first counterexample whose run did not finish (a plugin crashed or
 * timed out: trace.failure), or NULL. */
static const struct ldfi_cex *unfinished(const struct ldfi_explore_result *res)
{
	if (res->verdict != LDFI_VERDICT_COUNTEREXAMPLE)
		return NULL;
	for (int k = 0; k < res->n_cex; k++)
		if (res->cex[k].trace->failure)
			return &res->cex[k];
	return NULL;
}

static const struct ldfi_check_result *result_of(const struct ldfi_trace *tr, int i)
{
	for (int j = 0; j < tr->n_checks; j++)
		if (tr->checks[j].check == i)
			return &tr->checks[j];
	return NULL;
}

/* "down: w in rounds 6-7 (restart(w,6))", a line per restart of the run. */
static void write_down(FILE *b, const struct ldfi_trace *tr)
{
	for (int k = 0; k < tr->faults.n; k++) {
		const struct ldfi_fault *f = &tr->faults.v[k];
		char buf[128];

		if (f->kind != LDFI_FAULT_RESTART)
			continue;
		ldfi_fault_format(tr->conf, f, buf, sizeof(buf));
		fprintf(b, "down: %s in rounds %d-%d (%s)\n", tr->conf->nodes[f->a].name, f->t,
			f->t + tr->downtime - 1, buf);
	}
}

/* Build the failure's message (one line) and body (several) as text. */
static int failure_text(const struct ldfi_explore_result *res, const struct ldfi_cex *cx, int i,
			char **msg, char **body)
{
	const struct ldfi_trace *tr = cx->trace;
	const struct ldfi_check_result *r = result_of(tr, i);
	char *fs = ldfi_faults_to_string(res->conf, &tr->faults);
	size_t ml = 0, bl = 0;
	FILE *m = NULL, *b = NULL;

	*msg = *body = NULL;
	if (!fs || !(m = open_memstream(msg, &ml)) || !(b = open_memstream(body, &bl)))
		goto err;
	fprintf(m, "counterexample %s", fs);
	if (i < 0 && tr->failure)
		fprintf(m, ": the run did not finish: %s", tr->failure);
	if (r && r->n_offs) {
		fputs(": ", m);
		ldfi_report_offense(m, tr, &r->offs[0]);
		if (r->n_offs > 1)
			fprintf(m, " (and %d more)", r->n_offs - 1);
	}
	fprintf(b, "faults: %s\nexecution: %ld\n", fs, cx->execution);
	write_down(b, tr);
	if (i < 0 && tr->failure)
		fprintf(b, "failure: %s\n", tr->failure);
	for (int k = 0; r && k < r->n_offs; k++) {
		fputs("  ", b);
		ldfi_report_offense(b, tr, &r->offs[k]);
		fputc('\n', b);
	}
	fputs("replay: ", b);
	ldfi_report_run_command(b, res, fs);
	fputc('\n', b);
	free(fs);
	fs = NULL;
	if (fclose(m) | fclose(b)) {
		m = b = NULL;
		goto err;
	}
	return 0;

err:
	if (m)
		fclose(m);
	if (b)
		fclose(b);
	free(fs);
	free(*msg);
	free(*body);
	*msg = *body = NULL;
	return LDFI_ENOMEM;
}

static int write_suite(FILE *f, const struct ldfi_explore_result *res)
{
	const struct ldfi_conf *conf = res->conf;
	const char *path = ldfi_report_conf_path(res);
	char *stem = conf_stem(path);
	const struct ldfi_cex *crash = unfinished(res);
	int failures = crash != NULL, skipped = 0;
	char bounds[128];

	if (!stem)
		return LDFI_ENOMEM;
	for (int i = 0; i < conf->n_checks; i++) {
		if (res->verdict == LDFI_VERDICT_INCONCLUSIVE)
			skipped++;
		else if (failing(res, i))
			failures++;
	}
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"", f);
	ldfi_xml_escape(f, "ldfi: ", true);
	ldfi_xml_escape(f, path, true);
	fprintf(f, "\" tests=\"%d\" failures=\"%d\" errors=\"0\" skipped=\"%d\" time=\"%.3f\">\n",
		conf->n_checks + (crash != NULL), failures, skipped, res->wall_s);
	fputs("  <properties>\n", f);
	fprintf(f, "    <property name=\"verdict\" value=\"%s\"/>\n",
		ldfi_verdict_name(res->verdict));
	ldfi_conf_bounds_text(conf, bounds, sizeof(bounds));
	fprintf(f, "    <property name=\"bounds\" value=\"%s\"/>\n", bounds);
	fprintf(f, "    <property name=\"executions\" value=\"%ld\"/>\n", res->executions);
	fprintf(f, "    <property name=\"strategy\" value=\"%s\"/>\n",
		ldfi_strategy_name(res->opts ? res->opts->strategy : conf->strategy));
	fputs("  </properties>\n", f);
	for (int i = 0; i < conf->n_checks; i++) {
		const struct ldfi_check *c = &conf->checks[i];
		const struct ldfi_cex *cx = failing(res, i);

		fputs("  <testcase classname=\"", f);
		ldfi_xml_escape(f, "ldfi.", true);
		ldfi_xml_escape(f, stem, true);
		fputs("\" name=\"", f);
		ldfi_xml_escape(f, c->name, true);
		fprintf(f, " (%s)\" time=\"0\"", ldfi_check_kind_name(c->kind));
		if (res->verdict == LDFI_VERDICT_INCONCLUSIVE) {
			int n = (int)strnlen(res->reason, sizeof(res->reason));
			char reason[sizeof(res->reason) + 1];

			snprintf(reason, sizeof(reason), "%.*s", n, res->reason);
			fputs(">\n    <skipped message=\"inconclusive: ", f);
			ldfi_xml_escape(f, n ? reason : "a budget ran out before a verdict", true);
			fputs("\"/>\n  </testcase>\n", f);
		} else if (cx) {
			char *msg, *body;

			if (failure_text(res, cx, i, &msg, &body)) {
				free(stem);
				return LDFI_ENOMEM;
			}
			fputs(">\n    <failure type=\"counterexample\" message=\"", f);
			ldfi_xml_escape(f, msg, true);
			fputs("\">", f);
			ldfi_xml_escape(f, body, false);
			fputs("</failure>\n  </testcase>\n", f);
			free(msg);
			free(body);
		} else {
			fputs("/>\n", f);
		}
	}
	if (crash) {
		/* A run that did not finish: one more testcase, failed. */
		char *msg, *body;

		if (failure_text(res, crash, -1, &msg, &body)) {
			free(stem);
			return LDFI_ENOMEM;
		}
		fputs("  <testcase classname=\"", f);
		ldfi_xml_escape(f, "ldfi.", true);
		ldfi_xml_escape(f, stem, true);
		fputs("\" name=\"execution (the run finishes)\" time=\"0\">\n"
		      "    <failure type=\"counterexample\" message=\"",
		      f);
		ldfi_xml_escape(f, msg, true);
		fputs("\">", f);
		ldfi_xml_escape(f, body, false);
		fputs("</failure>\n  </testcase>\n", f);
		free(msg);
		free(body);
	}
	fputs("</testsuite>\n", f);
	free(stem);
	return 0;
}

static int write_junit(FILE *f, const void *res)
{
	return write_suite(f, res);
}

int ldfi_report_junit(const char *path, const struct ldfi_explore_result *res, char *err,
		      size_t errlen)
{
	return ldfi_report_write_file(path, write_junit, res, err, errlen);
}
