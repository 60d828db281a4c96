/*
 * report_html.c - the HTML report (docs/html-report.md, `--html DIR`): DIR/index.html,
 * one self-contained page written as XHTML-compatible HTML (every element
 * closed, so it parses as XML), inline CSS and SVG, no script, nothing
 * fetched. Sections: the summary; each counterexample with its failed
 * checks, spacetime diagram and lineage graphs; the runs table in
 * exploration order; the spacetime diagrams of the other runs. The runs are
 * the caller's (read back from the provenance database by the commands).
 * Layout: docs/html-report.md.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ldfi/conf.h"
#include "ldfi/faults.h"
#include "ldfi/ldfi.h"
#include "lineage/lineage.h"
#include "model/util.h"
#include "src/report/html.h"
#include "src/report/report.h"
#include "src/report/report_html.h"
#include "src/report/svg.h"

#define MAX_ALL 50    /* every run is drawn up to this many runs */
#define MAX_CEX 20    /* counterexamples drawn */
#define MAX_ROWS 2000 /* rows of the runs table */

/* One run of the exploration. */
struct hrun {
	int64_t id;
	char *faults;
	bool passed;
	char *failed;	       /* failed checks, ", "-separated, or NULL */
	struct ldfi_trace *tr; /* when drawn */
	bool own;	       /* tr is ours to destroy */
};

struct page {
	const struct ldfi_explore_result *res;
	const struct ldfi_conf *conf;
	const struct ldfi_report_runs *from; /* where runs are read back, or NULL */
	struct hrun *runs;
	int n, n_fail;
	int ff;	  /* the fault-free run, or -1 */
	bool all; /* every run drawn */
	FILE *f;
};

static const char css[] =
    "body{font-family:'DejaVu Sans',system-ui,sans-serif;margin:20px 28px;color:#222;"
    "font-size:14px}\n"
    "h1{font-size:21px;margin:0 0 10px}h2{font-size:17px;margin:28px 0 8px;"
    "border-bottom:1px solid #ddd;padding-bottom:3px}h3{font-size:15px;margin:18px 0 6px}\n"
    "code,.mono{font-family:'DejaVu Sans Mono',monospace;font-size:12.5px}\n"
    "code{background:#f3f3f3;padding:1px 4px;border-radius:3px}\n"
    ".verdict{display:inline-block;font-size:18px;font-weight:bold;padding:6px 12px;"
    "border-radius:4px;margin:4px 0 10px}\n"
    ".verdict.counterexample{background:#fdecea;color:#b71c1c}"
    ".verdict.certified{background:#e8f5e9;color:#1b5e20}"
    ".verdict.inconclusive{background:#fff8e1;color:#7a5c00}\n"
    "table{border-collapse:collapse}td,th{padding:3px 10px;text-align:left;"
    "border-bottom:1px solid #eee;vertical-align:top}th{background:#f6f6f6}\n"
    "table.summary th{background:none;font-weight:normal;color:#666}\n"
    "table.runs tr.fail td{background:#fdecea}.fail-text{color:#b71c1c;font-weight:bold}"
    ".pass-text{color:#1b5e20}\n"
    "ul.checks li.failed{color:#b71c1c}ul.checks{margin:4px 0}\n"
    ".why{background:#fff8e1;border-left:4px solid #f9a825;padding:6px 10px;margin:8px 0;"
    "max-width:1100px}\n"
    ".note{color:#666;font-style:italic}\n"
    "figure{margin:10px 0 22px}figcaption{color:#444;margin:2px 0 6px;font-weight:bold}\n"
    "svg text{font-family:'DejaVu Sans Mono',monospace;font-size:12px;fill:#222}\n"
    "svg .band.odd{fill:#fafafa}svg .band.even{fill:#f1f3f6}"
    "svg .eot-line{stroke:#888;stroke-dasharray:6 3}\n"
    "svg text.round{fill:#666}svg text.node-name{font-size:15px;font-weight:bold}"
    "svg text.node-comps{fill:#777}\n"
    "svg .lifeline .alive,svg .key .alive{stroke:#444;stroke-width:2.5}"
    "svg .lifeline .dead,svg .key .dead{stroke:#bbb;stroke-width:1.5;stroke-dasharray:2 4}\n"
    "svg .crash .cut,svg .key .cut{stroke:#c62828;stroke-width:5}svg text.crash-label{fill:#c62828;"
    "font-weight:bold;paint-order:stroke;stroke:#fff;stroke-width:3px}\n"
    "svg .msg .line,svg .key .line{stroke:#333;stroke-width:1.4;fill:none}"
    "svg .msg .head,svg .key .head{fill:#333}\n"
    "svg .msg.ack .line,svg .key.ack .line{stroke:#1565c0;stroke-width:1.1}"
    "svg .msg.ack .head,svg .key.ack .head{fill:#1565c0}\n"
    "svg .msg.lost .line,svg .key.lost .line{stroke:#c62828;stroke-dasharray:6 4}"
    "svg .xmark{stroke:#c62828;stroke-width:2.6;fill:none}\n"
    "svg .msg.eot .line,svg .key.eot .line{stroke:#999;stroke-dasharray:2 3}\n"
    "svg text.label{paint-order:stroke;stroke:#fff;stroke-width:3.5px;stroke-linejoin:round}"
    "svg text.label.ack{fill:#1565c0}svg text.label.fault{fill:#c62828;font-weight:bold}\n"
    "svg .replica-box{fill:#fff;stroke:#aaa}svg .replica-box.failed{fill:#fdecea;"
    "stroke:#c62828;stroke-width:2}\n"
    "svg text.replica-name{font-weight:bold}svg text.failed{fill:#c62828;font-weight:bold}\n"
    "svg .event .box{fill:#fff;stroke:#777}svg .event.lost .box{fill:#fff5f5;stroke:#e57373;"
    "stroke-dasharray:4 3}svg .event.cut .box{fill:#fdecea;stroke:#c62828;stroke-width:2;"
    "stroke-dasharray:none}\n"
    "svg .outcome .box{fill:#fff3e0;stroke:#e65100;stroke-width:2}\n"
    "svg text.cut-label{fill:#c62828;font-weight:bold}svg text.lost-label{fill:#d32f2f}"
    "svg text.note{fill:#666}svg text.col-title{fill:#666}\n"
    "svg .edge{stroke:#777;stroke-width:1.3;fill:none}svg .edge.lost{stroke:#e57373;"
    "stroke-dasharray:5 3}svg .edge.unkept{stroke:#aaa;stroke-dasharray:2 3}"
    "svg .edge-head{fill:#777}\n";

static int add_run(struct page *p, int64_t id, const char *faults, bool passed, char *failed)
{
	struct hrun *v = realloc(p->runs, ((size_t)p->n + 1) * sizeof(*v));

	if (!v) {
		free(failed);
		return LDFI_ENOMEM;
	}
	p->runs = v;
	v[p->n] = (struct hrun){id, strdup(faults), passed, failed, NULL, false};
	if (!v[p->n++].faults)
		return LDFI_ENOMEM;
	if (p->ff < 0 && !strcmp(faults, "none"))
		p->ff = p->n - 1;
	p->n_fail += !passed;
	return 0;
}

/* The runs the caller lists. */
static int given_runs(struct page *p)
{
	int rc = 0;

	for (int i = 0; i < p->from->n && !rc; i++) {
		const struct ldfi_report_run *r = &p->from->v[i];
		char *failed = r->failed ? strdup(r->failed) : NULL;

		rc = r->failed && !failed ? LDFI_ENOMEM
					  : add_run(p, r->id, r->faults, r->passed, failed);
	}
	return rc;
}

/* Failed check names of a trace, ", "-separated. */
static char *failed_names(const struct ldfi_trace *tr)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);
	int n = 0;

	if (!f)
		return NULL;
	if (tr->failure)
		fprintf(f, "did not finish: %s", tr->failure);
	for (int i = 0; i < tr->n_checks; i++)
		if (!tr->checks[i].passed)
			fprintf(f, "%s%s", n++ ? ", " : "",
				tr->conf->checks[tr->checks[i].check].name);
	fclose(f);
	return s;
}

/* Without a database: the runs the result holds. */
static int result_runs(struct page *p)
{
	const struct ldfi_explore_result *res = p->res;
	int rc = 0;

	if (res->fault_free)
		rc = add_run(p, res->n_cex && res->cex[0].execution == 1 ? res->cex[0].run_id : 1,
			     "none", res->fault_free->passed, failed_names(res->fault_free));
	for (int i = 0; i < res->n_cex && !rc; i++) {
		char *fs;

		if (res->cex[i].execution == 1 && res->fault_free)
			continue;
		fs = ldfi_faults_to_string(p->conf, &res->cex[i].trace->faults);
		rc = fs ? add_run(p, res->cex[i].run_id, fs, false, failed_names(res->cex[i].trace))
			: LDFI_ENOMEM;
		free(fs);
	}
	return rc;
}

/* The trace of run i: the result's when it has it, else read back. */
static int run_trace(struct page *p, int i, char *err, size_t errlen)
{
	const struct ldfi_explore_result *res = p->res;
	struct hrun *r = &p->runs[i];
	int rc;

	if (i == p->ff && res->fault_free) {
		r->tr = res->fault_free;
		return 0;
	}
	for (int k = 0; k < res->n_cex; k++)
		if (res->cex[k].run_id == r->id) {
			r->tr = res->cex[k].trace;
			return 0;
		}
	if (!p->from)
		return 0;
	if ((rc = p->from->load(p->from->arg, r->id, res->fault_free, &r->tr, err, errlen)))
		return rc;
	r->own = true;
	return 0;
}

static bool drawn(const struct page *p, int i, int *cex_seen)
{
	if (p->all || i == p->ff)
		return true;
	return !p->runs[i].passed && (*cex_seen)++ < MAX_CEX;
}

static int load(struct page *p, char *err, size_t errlen)
{
	char why[1024] = "";
	int rc, seen = 0;

	rc = p->from ? given_runs(p) : result_runs(p);
	p->all = p->n <= MAX_ALL;
	for (int i = 0; i < p->n && !rc; i++)
		if (drawn(p, i, &seen))
			rc = run_trace(p, i, why, sizeof(why));
	if (rc)
		snprintf(err, errlen, "%s: %s", p->res->db_path ? p->res->db_path : "html report",
			 why[0] ? why : ldfi_strerror(rc));
	return rc;
}

/* ---- the page ---- */

static void esc(FILE *f, const char *s)
{
	ldfi_xml_escape(f, s, false);
}

static void row(FILE *f, const char *th, const char *td, bool code)
{
	fputs("<tr><th>", f);
	esc(f, th);
	fputs(code ? "</th><td><code>" : "</th><td>", f);
	esc(f, td);
	fputs(code ? "</code></td></tr>\n" : "</td></tr>\n", f);
}

static void verdict_line(FILE *f, const struct ldfi_explore_result *res)
{
	const struct ldfi_conf *conf = res->conf;
	char bounds[128];

	fprintf(f, "<p class=\"verdict %s\">", ldfi_verdict_name(res->verdict));
	switch (res->verdict) {
	case LDFI_VERDICT_COUNTEREXAMPLE:
		fputs("counterexample found", f);
		break;
	case LDFI_VERDICT_CERTIFIED:
		ldfi_conf_bounds_text(conf, bounds, sizeof(bounds));
		fprintf(f, "certified: no counterexample within %s", bounds);
		if (res->shard.count > 1 && res->shard.index >= 0)
			fprintf(f, " in shard %d/%d", res->shard.index, res->shard.count);
		break;
	case LDFI_VERDICT_INCONCLUSIVE:
		fputs("inconclusive: ", f);
		esc(f, res->reason[0] ? res->reason : "a budget ran out before a verdict");
		break;
	}
	fputs("</p>\n", f);
}

/* The replay command of the first counterexample, or NULL (malloc'd). */
static char *replay_text(const struct page *p)
{
	const struct ldfi_explore_result *res = p->res;
	char *s = NULL;
	size_t len = 0;
	FILE *f;

	if (res->n_cex)
		return ldfi_report_replay_command(res);
	if (!p->n_fail)
		return NULL;
	if (!(f = open_memstream(&s, &len)))
		return NULL;
	for (int i = 0; i < p->n; i++)
		if (!p->runs[i].passed) {
			ldfi_report_run_command(f, res, p->runs[i].faults);
			break;
		}
	fclose(f);
	return s;
}

static void summary(struct page *p)
{
	const struct ldfi_explore_result *res = p->res;
	const struct ldfi_conf *conf = p->conf;
	enum ldfi_strategy st = res->opts ? res->opts->strategy : conf->strategy;
	unsigned long long seed = res->opts ? res->opts->seed : conf->seed;
	char buf[256], *replay = replay_text(p);
	FILE *f = p->f;

	fputs("<section id=\"summary\">\n", f);
	verdict_line(f, res);
	fputs("<table class=\"summary\">\n", f);
	row(f, "pipeline", ldfi_report_conf_path(res), true);
	ldfi_conf_bounds_text(conf, buf, sizeof(buf));
	row(f, "bounds", buf, true);
	snprintf(buf, sizeof(buf), "%s, seed %llu", ldfi_strategy_name(st), seed);
	row(f, "strategy", buf, false);
	snprintf(buf, sizeof(buf), "%ld (the fault-free run included)", res->executions);
	row(f, "executions", buf, false);
	if (res->pending < 0) /* more fault sets than are counted one by one */
		snprintf(buf, sizeof(buf), "%ld tried, %ld pruned, over 10^15 pending", res->tried,
			 res->pruned);
	else
		snprintf(buf, sizeof(buf), "%ld tried, %ld pruned, %ld pending", res->tried,
			 res->pruned, res->pending);
	row(f, "hypotheses", buf, false);
	snprintf(buf, sizeof(buf), "%.3f s", res->wall_s);
	row(f, "wall time", buf, false);
	snprintf(buf, sizeof(buf), "%d of %d", p->n_fail, p->n);
	row(f, "failing runs", buf, false);
	if (res->db_path)
		row(f, "provenance", res->db_path, true);
	if (replay)
		row(f, "replay", replay, true);
	fputs("</table>\n</section>\n", f);
	free(replay);
}

static void check_list(FILE *f, const struct ldfi_trace *tr)
{
	const struct ldfi_conf *conf = tr->conf;

	fputs("<ul class=\"checks\">\n", f);
	for (int i = 0; i < tr->n_checks; i++) {
		const struct ldfi_check_result *r = &tr->checks[i];
		const struct ldfi_check *c = &conf->checks[r->check];

		fprintf(f, "<li class=\"%s\"><strong>%s</strong> ", r->passed ? "passed" : "failed",
			r->passed ? "PASS" : "FAIL");
		esc(f, c->name);
		fputs(" (", f);
		esc(f, ldfi_check_kind_name(c->kind));
		if (c->sink >= 0) {
			fputs(" on ", f);
			esc(f, conf->comps[c->sink].name);
		}
		fputs(")", f);
		for (int k = 0; k < r->n_offs; k++) {
			char *s = NULL;
			size_t len = 0;
			FILE *m = open_memstream(&s, &len);

			if (!m)
				continue;
			ldfi_report_offense(m, tr, &r->offs[k]);
			fclose(m);
			fputs(k ? "; " : ": ", f);
			esc(f, s);
			free(s);
		}
		fputs("</li>\n", f);
	}
	if (tr->failure) {
		fputs("<li class=\"failed\"><strong>FAIL</strong> the run did not finish: ", f);
		esc(f, tr->failure);
		fputs("</li>\n", f);
	}
	fputs("</ul>\n", f);
}

static int figure(struct page *p, int i)
{
	const struct hrun *r = &p->runs[i];
	FILE *f = p->f;

	fprintf(f,
		"<figure class=\"run\" id=\"run-%lld\" data-run=\"%lld\" data-execution=\"%d\" "
		"data-messages=\"%zu\">\n<figcaption>",
		(long long)r->id, (long long)r->id, i + 1, r->tr->n_msgs);
	ldfi_xml_printf(f, false, "Execution %d (run %lld): %s \xe2\x80\x94 %s", i + 1,
			(long long)r->id, r->faults, r->passed ? "pass" : "fail");
	if (r->failed && *r->failed) {
		fputs(" (", f);
		esc(f, r->failed);
		fputs(")", f);
	}
	fputs("</figcaption>\n", f);
	if (ldfi_html_spacetime(f, r->tr, i + 1, r->id))
		return LDFI_ENOMEM;
	fputs("</figure>\n", f);
	return 0;
}

static int counterexample(struct page *p, int i)
{
	const struct hrun *r = &p->runs[i];
	FILE *f = p->f;

	fprintf(f, "<section class=\"counterexample\" id=\"cex-%d\">\n<h2>", i + 1);
	ldfi_xml_printf(f, false, "Counterexample: execution %d \xe2\x80\x94 ", i + 1);
	fputs("<code>", f);
	esc(f, r->faults);
	fputs("</code></h2>\n", f);
	check_list(f, r->tr);
	fputs("<h3>Spacetime diagram</h3>\n", f);
	ldfi_html_legend(f);
	if (figure(p, i))
		return LDFI_ENOMEM;
	fputs("<h3>Lineage of the broken outcomes</h3>\n"
	      "<p class=\"note\">Each box is a message event (sender \xe2\x86\x92 receiver, the "
	      "round it was sent, the record); arrows go from what an event was derived from "
	      "to the event, and from the events a copy came through to the outcome. Red "
	      "\xe2\x9c\x97: cut by a fault of the counterexample; dashed: lost because an "
	      "earlier event was.</p>\n",
	      f);
	if (!r->tr->faults.n)
		fputs("<p class=\"note\">The fault-free run itself breaks the checks: no fault is "
		      "needed.</p>\n",
		      f);
	if (ldfi_html_lineage(f, p->res, r->tr))
		return LDFI_ENOMEM;
	fputs("</section>\n", f);
	return 0;
}

static void runs_table(struct page *p)
{
	FILE *f = p->f;

	fprintf(f, "<section id=\"runs\">\n<h2>Runs (%d)</h2>\n", p->n);
	if (!p->all)
		fprintf(f,
			"<p class=\"note\">%d runs: spacetime diagrams are drawn for the "
			"fault-free run and the counterexamples (at most %d) only; every run is in "
			"the provenance database.</p>\n",
			p->n, MAX_CEX);
	fputs("<table class=\"runs\">\n<tr><th>execution</th><th>run</th><th>fault set</th>"
	      "<th>result</th><th>checks failed</th><th>diagram</th></tr>\n",
	      f);
	for (int i = 0; i < p->n && i < MAX_ROWS; i++) {
		const struct hrun *r = &p->runs[i];

		fprintf(f, "<tr class=\"%s\"><td>%d</td><td>%lld</td><td><code>",
			r->passed ? "pass" : "fail", i + 1, (long long)r->id);
		esc(f, r->faults);
		fprintf(f, "</code></td><td class=\"%s\">%s</td><td>",
			r->passed ? "pass-text" : "fail-text", r->passed ? "pass" : "fail");
		esc(f, r->failed ? r->failed : "");
		if (r->tr)
			fprintf(f, "</td><td><a href=\"#run-%lld\">diagram</a></td></tr>\n",
				(long long)r->id);
		else
			fputs("</td><td></td></tr>\n", f);
	}
	fputs("</table>\n", f);
	if (p->n > MAX_ROWS)
		fprintf(f,
			"<p class=\"note\">%d more runs not listed (see the runs table of the "
			"provenance database).</p>\n",
			p->n - MAX_ROWS);
	fputs("</section>\n", f);
}

static int body(struct page *p)
{
	FILE *f = p->f;
	int seen = 0, others = 0;

	fputs("<h1>ldfi report: ", f);
	esc(f, ldfi_report_conf_path(p->res));
	fputs("</h1>\n", f);
	summary(p);
	for (int i = 0; i < p->n; i++)
		if (!p->runs[i].passed && p->runs[i].tr && seen++ < MAX_CEX && counterexample(p, i))
			return LDFI_ENOMEM;
	if (p->n_fail > MAX_CEX)
		fprintf(f,
			"<p class=\"note\">%d more counterexamples not drawn (see the runs "
			"table).</p>\n",
			p->n_fail - MAX_CEX);
	runs_table(p);
	for (int i = 0; i < p->n; i++)
		others += p->runs[i].passed && p->runs[i].tr;
	if (!others)
		return 0;
	fputs("<section id=\"diagrams\">\n<h2>Spacetime diagrams of the passing runs</h2>\n", f);
	ldfi_html_legend(f);
	for (int i = 0; i < p->n; i++)
		if (p->runs[i].passed && p->runs[i].tr && figure(p, i))
			return LDFI_ENOMEM;
	fputs("</section>\n", f);
	return 0;
}

static int write_page(struct page *p)
{
	FILE *f = p->f;

	fputs("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n"
	      "<head>\n<meta charset=\"utf-8\"/>\n<title>",
	      f);
	ldfi_xml_printf(f, false, "ldfi: %s \xe2\x80\x94 %s", ldfi_report_conf_path(p->res),
			ldfi_verdict_name(p->res->verdict));
	fprintf(f,
		"</title>\n<meta name=\"generator\" content=\"ldfi %s\"/>\n<style>\n%s</style>\n"
		"</head>\n<body>\n",
		ldfi_version(), css);
	if (body(p))
		return LDFI_ENOMEM;
	fputs("</body>\n</html>\n", f);
	return 0;
}

static void page_finish(struct page *p)
{
	for (int i = 0; i < p->n; i++) {
		free(p->runs[i].faults);
		free(p->runs[i].failed);
		if (p->runs[i].own)
			ldfi_trace_destroy(p->runs[i].tr);
	}
	free(p->runs);
}

static int write_page_to(FILE *f, const void *arg)
{
	struct page *p = (struct page *)arg;

	p->f = f;
	return write_page(p);
}

int ldfi_report_html(const char *dir, const struct ldfi_explore_result *res,
		     const struct ldfi_report_runs *runs, char *err, size_t errlen)
{
	struct page p = {.res = res, .conf = res->conf, .from = runs, .ff = -1};
	size_t n = strlen(dir);
	char *path;
	int rc;

	if (ldfi_mkdir_p(dir)) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return LDFI_EIO;
	}
	if (asprintf(&path, "%.*s/index.html", (int)(n > 1 && dir[n - 1] == '/' ? n - 1 : n), dir) <
	    0) {
		snprintf(err, errlen, "%s: %s", dir, ldfi_strerror(LDFI_ENOMEM));
		return LDFI_ENOMEM;
	}
	rc = load(&p, err, errlen);
	if (!rc)
		rc = ldfi_report_write_file(path, write_page_to, &p, err, errlen);
	page_finish(&p);
	free(path);
	return rc;
}
