/*
 * test_report.c - the explore reports (text, JSON, JUnit) on results built
 * by running the runtime directly: a counterexample of simple-deliv, a
 * certified ack-deliv, an inconclusive result, a duplicate through a lost
 * ack, a pipeline of many nodes, and names that need escaping.
 *
 * usage: test_report OUTDIR  (run from the source root). Writes
 * OUTDIR/report.json, junit.xml, certified.json, certified.xml,
 * inconclusive.xml and escaped.xml for report.sh, which checks the XML and
 * replays the JSON.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ldfi/conf.h"
#include "ldfi/faults.h"
#include "ldfi/ldfi.h"
#include "runtime/runtime.h"
#include "src/explore/explore.h"
#include "src/report/report.h"
#include "tests/test.h"

static const char *outdir;

static const char dup_conf[] = "[explore]\neot = 6\neff = 3\ncrashes = 1\n"
			       "[source bcast]\nnode = a\nrecords = 2\nto = log\n"
			       "delivery = ack\nretry_every = 2\n"
			       "[sink log]\nnodes = b, c\n"
			       "[check once]\nkind = no-duplicates\nsink = log\n";

static const char wide_conf[] = "[explore]\neot = 5\neff = 3\ncrashes = 1\n"
				"[source bcast]\nnode = n1\nrecords = 4\nto = log\n"
				"[source more]\nnode = n1\nrecords = 2\nto = log\n"
				"[sink log]\nnodes = n1, n2, n3, n4, n5, n6, n7, n8, n9\n"
				"relay = once\n"
				"[check all]\nkind = delivered\nsink = log\n";

static const char audit_conf[] = "[explore]\neot = 4\neff = 2\n"
				 "[source bcast]\nnode = a\nrecords = 1\nto = log\n"
				 "[sink log]\nnodes = a, b, c\n"
				 "[check agree]\nkind = agreement\nsink = log\n"
				 "[check audit]\nkind = matches-fault-free\nsink = log\n";

/* A result for `conf` under `faults` (NULL: no counterexample). */
struct fixture {
	struct ldfi_conf *conf;
	struct ldfi_explore_opts opts;
	struct ldfi_explore_result res;
	char *replay; /* the replay command the reports must print */
};

static int fixture_init(struct fixture *fx, const char *path, const char *text, const char *faults,
			enum ldfi_verdict verdict)
{
	struct ldfi_faults none, fs;
	char err[512];
	int rc;

	memset(fx, 0, sizeof(*fx));
	rc = text ? ldfi_conf_parse(path, text, strlen(text), &fx->conf, err, sizeof(err))
		  : ldfi_conf_load(path, &fx->conf, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "%s\n", err);
		return rc;
	}
	fx->opts = (struct ldfi_explore_opts){.conf_path = path,
					      .strategy = fx->conf->strategy,
					      .seed = fx->conf->seed,
					      .out_dir = "ldfi-out",
					      .jobs = 1};
	fx->res = (struct ldfi_explore_result){.conf = fx->conf,
					       .opts = &fx->opts,
					       .verdict = verdict,
					       .executions = 2,
					       .tried = 1,
					       .pruned = 3,
					       .pending = 0,
					       .wall_s = 0.25};
	fx->res.db_path = strdup("ldfi-out/provenance.db");
	ldfi_faults_init(&none);
	if ((rc = ldfi_runtime_exec(fx->conf, &none, NULL, &fx->res.fault_free)))
		return rc;
	if (!faults)
		return 0;
	ldfi_faults_init(&fs);
	if ((rc = ldfi_faults_parse(fx->conf, faults, &fs, err, sizeof(err)))) {
		fprintf(stderr, "%s\n", err);
		return rc;
	}
	fx->res.cex = calloc(1, sizeof(*fx->res.cex));
	if (!fx->res.cex) {
		ldfi_faults_finish(&fs);
		return LDFI_ENOMEM;
	}
	rc = ldfi_runtime_exec(fx->conf, &fs, fx->res.fault_free, &fx->res.cex[0].trace);
	ldfi_faults_finish(&fs);
	if (rc)
		return rc;
	fx->res.n_cex = 1;
	fx->res.cex[0].run_id = 2;
	fx->res.cex[0].execution = 2;
	if (asprintf(&fx->replay, "ldfi run %s --eot %d --eff %d --crashes %d --faults '%s'", path,
		     fx->conf->eot, fx->conf->eff, fx->conf->crashes, faults) < 0)
		fx->replay = NULL;
	return 0;
}

static void fixture_finish(struct fixture *fx)
{
	free(fx->replay);
	ldfi_explore_result_finish(&fx->res);
	ldfi_conf_destroy(fx->conf);
}

/* The text report in a new string. */
static char *text_of(const struct ldfi_explore_result *res)
{
	char *s = NULL, err[512];
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	if (!f)
		return NULL;
	CHECK(ldfi_report_text(f, res, err, sizeof(err)) == 0);
	fclose(f);
	if (getenv("TEST_REPORT_SHOW")) /* to look at the reports while debugging */
		fputs(s, stderr);
	return s;
}

static bool starts_with_line(const char *s, const char *line)
{
	size_t n = strlen(line);

	return s && strncmp(s, line, n) == 0 && s[n] == '\n';
}

static int count_of(const char *s, const char *needle)
{
	int n = 0;

	for (const char *p = s ? strstr(s, needle) : NULL; p; p = strstr(p + 1, needle))
		n++;
	return n;
}

static char *path_in(const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", outdir, name) < 0)
		return NULL;
	return p;
}

/* Write the JSON report to OUTDIR/name and read it back. */
static json_t *json_of(const struct ldfi_explore_result *res, const char *name)
{
	char *p = path_in(name), msg[512];
	json_error_t err;
	json_t *doc = NULL;

	if (p && ldfi_report_json(p, res, msg, sizeof(msg)) == 0)
		doc = json_load_file(p, JSON_REJECT_DUPLICATES, &err);
	CHECK(doc != NULL);
	free(p);
	return doc;
}

static void junit_to(const struct ldfi_explore_result *res, const char *name)
{
	char *p = path_in(name), err[512];

	CHECK(p && ldfi_report_junit(p, res, err, sizeof(err)) == 0);
	free(p);
}

static json_t *get(json_t *o, const char *path)
{
	char buf[128], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *k = strtok_r(buf, ".", &save); k && o; k = strtok_r(NULL, ".", &save))
		o = json_is_array(o) ? json_array_get(o, (size_t)atoi(k)) : json_object_get(o, k);
	return o;
}

static const char *sget(json_t *o, const char *path)
{
	return json_string_value(get(o, path));
}

static void test_counterexample(void)
{
	struct fixture fx;
	json_t *doc;
	char *t;

	CHECK(fixture_init(&fx, "scenarios/delivery/simple-deliv.conf", NULL, "omit(a,b,1)",
			   LDFI_VERDICT_COUNTEREXAMPLE) == 0);
	t = text_of(&fx.res);
	CHECK(starts_with_line(t, "counterexample found"));
	CHECK(t && strstr(t, "\nexecutions: 2 "));
	CHECK(t && strstr(t, "\nhypotheses: 1 tried, 3 pruned, 0 pending\n"));
	CHECK(t && strstr(t, "\nwall time: 0.250 s\n"));
	CHECK(t && strstr(t, "\nfaults: omit(a,b,1)\n"));
	CHECK(t && strstr(t, "\nFAIL agree (agreement on log)\n    bcast:1 missing at log@b\n"));
	CHECK(t && strstr(t, "\nspacetime diagram of the counterexample run"));
	CHECK(t && strstr(t, "\n  round | a                  | b | c\n"));
	CHECK(t && strstr(t, "\n      1 | ->a,c bcast:1      | . | .\n"));
	CHECK(t && strstr(t, "\n        | ->b bcast:1 X omit |   |\n"));
	CHECK(t && strstr(t, "\n    2-4 | .                  | . | .\n"));
	CHECK(t && strstr(t, "bcast@a -> log@b  sent round 1 (a->b@1)  X cut by omit(a,b,1)\n"));
	CHECK(t && strstr(t, "\n  why not: log@b never held bcast:1 because a->b@1 was lost "
			     "(omit(a,b,1))\n"));
	CHECK(t && strstr(t, "\n  ldfi run scenarios/delivery/simple-deliv.conf --eot 4 --eff 2 "
			     "--crashes 0 --faults 'omit(a,b,1)'\n"));
	CHECK(t && strstr(t, "\n  ldfi replay ldfi-out/report.json\n"));
	free(t);

	doc = json_of(&fx.res, "report.json");
	CHECK_STR(sget(doc, "version"), ldfi_version());
	CHECK_STR(sget(doc, "verdict"), "counterexample");
	CHECK_STR(sget(doc, "conf"), "scenarios/delivery/simple-deliv.conf");
	CHECK_STR(sget(doc, "strategy"), "ldfi");
	CHECK(json_integer_value(get(doc, "seed")) == 1);
	CHECK(json_is_integer(get(doc, "executions")) &&
	      json_integer_value(get(doc, "executions")) == 2);
	CHECK(json_integer_value(get(doc, "bounds.eot")) == 4);
	CHECK(json_integer_value(get(doc, "bounds.eff")) == 2);
	CHECK(json_is_integer(get(doc, "bounds.crashes")) &&
	      json_integer_value(get(doc, "bounds.crashes")) == 0);
	CHECK(json_integer_value(get(doc, "hypotheses.tried")) == 1);
	CHECK(json_integer_value(get(doc, "hypotheses.pruned")) == 3);
	CHECK(json_is_integer(get(doc, "hypotheses.pending")));
	CHECK(json_is_real(get(doc, "wall_s")) && json_real_value(get(doc, "wall_s")) == 0.25);
	CHECK(json_is_null(get(doc, "reason")));
	CHECK(json_is_null(get(doc, "budget.max_runs")));
	CHECK_STR(sget(doc, "counterexample.faults"), "omit(a,b,1)");
	CHECK(json_integer_value(get(doc, "counterexample.execution")) == 2);
	CHECK(json_integer_value(get(doc, "counterexample.run")) == 2);
	CHECK(json_array_size(get(doc, "counterexample.failed_checks")) == 1);
	CHECK_STR(sget(doc, "counterexample.failed_checks.0.name"), "agree");
	CHECK_STR(sget(doc, "counterexample.failed_checks.0.kind"), "agreement");
	CHECK(json_array_size(get(doc, "counterexample.failed_checks.0.records")) == 1);
	CHECK_STR(sget(doc, "counterexample.failed_checks.0.records.0.record"), "bcast:1");
	CHECK_STR(sget(doc, "counterexample.failed_checks.0.records.0.sink"), "log");
	CHECK_STR(sget(doc, "counterexample.failed_checks.0.records.0.node"), "b");
	CHECK_STR(sget(doc, "counterexample.failed_checks.0.records.0.problem"), "missing");
	CHECK(json_array_size(get(doc, "counterexample.outputs")) == 3);
	CHECK_STR(sget(doc, "counterexample.outputs.1.node"), "b");
	CHECK(json_array_size(get(doc, "counterexample.outputs.1.records")) == 0);
	CHECK(json_equal(get(doc, "outputs"), get(doc, "counterexample.outputs")));
	CHECK(json_array_size(get(doc, "counterexamples")) == 1);
	CHECK(json_equal(get(doc, "counterexamples.0"), get(doc, "counterexample")));
	CHECK_STR(sget(doc, "replay"), fx.replay);
	CHECK_STR(sget(doc, "db"), "ldfi-out/provenance.db");
	json_decref(doc);

	junit_to(&fx.res, "junit.xml");
	fixture_finish(&fx);
}

static void test_certified(void)
{
	struct fixture fx;
	json_t *doc;
	char *t;

	CHECK(fixture_init(&fx, "scenarios/delivery/ack-deliv.conf", NULL, NULL,
			   LDFI_VERDICT_CERTIFIED) == 0);
	t = text_of(&fx.res);
	CHECK(starts_with_line(t, "certified: no counterexample within eot=8 eff=7 crashes=1"));
	CHECK(t && !strstr(t, "spacetime") && !strstr(t, "replay"));
	free(t);

	doc = json_of(&fx.res, "certified.json");
	CHECK_STR(sget(doc, "verdict"), "certified");
	CHECK(json_is_null(get(doc, "counterexample")));
	CHECK(json_is_array(get(doc, "counterexamples")) &&
	      json_array_size(get(doc, "counterexamples")) == 0);
	CHECK(json_is_null(get(doc, "replay")));
	CHECK(json_is_null(get(doc, "outputs")));
	CHECK(json_integer_value(get(doc, "bounds.eot")) == 8);
	CHECK(json_integer_value(get(doc, "bounds.crashes")) == 1);
	json_decref(doc);
	junit_to(&fx.res, "certified.xml");
	fixture_finish(&fx);
}

static void test_inconclusive(void)
{
	struct fixture fx;
	json_t *doc;
	char *t;

	CHECK(fixture_init(&fx, "scenarios/delivery/ack-deliv.conf", NULL, NULL,
			   LDFI_VERDICT_INCONCLUSIVE) == 0);
	snprintf(fx.res.reason, sizeof(fx.res.reason), "max-runs 3 reached; 18 <pending> & more");
	fx.res.pending = 18;
	fx.opts.max_runs = 3;
	t = text_of(&fx.res);
	CHECK(starts_with_line(t, "inconclusive: max-runs 3 reached; 18 <pending> & more"));
	CHECK(t && strstr(t, "\nhypotheses: 1 tried, 3 pruned, 18 pending\n"));
	free(t);
	doc = json_of(&fx.res, "inconclusive.json");
	CHECK_STR(sget(doc, "verdict"), "inconclusive");
	CHECK_STR(sget(doc, "reason"), "max-runs 3 reached; 18 <pending> & more");
	CHECK(json_integer_value(get(doc, "budget.max_runs")) == 3);
	CHECK(json_is_null(get(doc, "counterexample")));
	json_decref(doc);
	junit_to(&fx.res, "inconclusive.xml");
	fixture_finish(&fx);
}

static void test_duplicate(void)
{
	struct fixture fx;
	char *t;

	CHECK(fixture_init(&fx, "dup.conf", dup_conf, "omit(b,a,2)", LDFI_VERDICT_COUNTEREXAMPLE) ==
	      0);
	CHECK(!fx.res.cex[0].trace->passed);
	t = text_of(&fx.res);
	CHECK(starts_with_line(t, "counterexample found"));
	CHECK(t && strstr(t, "    bcast:1 held 2 times at log@b\n"));
	CHECK(t &&
	      strstr(t,
		     "\n      1 | ->b,c bcast:1,2 | .                       | .\n"
		     "      2 | .               | ack->a bcast:1,2 X omit | ack->a bcast:1,2\n"));
	CHECK(t && strstr(t, "  bcast:1 held 2 times at log@b in the counterexample run:\n"));
	CHECK(t && strstr(t, "      bcast@a -> log@b  sent round 3 (a->b@3)\n"));
	CHECK(t && strstr(t, "    acks of those messages lost in the counterexample run:\n"
			     "      log@b -> bcast@a  ack sent round 2 (b->a@2)  X omit(b,a,2)\n"
			     "  why: log@b held bcast:1 2 times (1 in the fault-free run): 1 ack "
			     "on its way was lost, so its sender sent it again\n"));
	free(t);
	fixture_finish(&fx);
}

static void test_wide(void)
{
	struct fixture fx;
	size_t longest = 0;
	char *t, *line, *save = NULL;

	CHECK(fixture_init(&fx, "wide.conf", wide_conf,
			   "crash(n2,2) omit(n1,n3,1) omit(n1,n4,1) omit(n1,n5,1)",
			   LDFI_VERDICT_COUNTEREXAMPLE) == 0);
	t = text_of(&fx.res);
	CHECK(starts_with_line(t, "counterexample found"));
	CHECK(t && strstr(t, "\n->all, ->others: to every replica, every other one; -x,y: except "
			     "x and y):\n"));
	/* The diagram widens with the pipeline: every item in full, no '~'. */
	CHECK(t && strstr(t, "\n  round | n1                            | n2            | n3 "));
	CHECK(t && strstr(t, "\n      1 | ->n1,n6,n7,n8,n9 bcast:1..4   | .             | . "));
	CHECK(t && strstr(t, "\n        | ->n3,n4,n5 bcast:1..4 X omit  |               | "));
	CHECK(t && strstr(t, "\n        | +4 more                       |               | "));
	CHECK(t && strstr(t, "\n      2 | ->others-n2 bcast:1..4        | ** crashed ** | "));
	CHECK(t && strstr(t, "\n        | ->n2 bcast:1..4 X crash(n2,2) |               | "));
	CHECK(t && strstr(t, "\n    4-5 | .                             | ** crashed ** | "));
	CHECK(t && strstr(t, "\n  (20 items not shown (+N more); every message is in the "
			     "provenance database)\n"));
	for (line = t ? strtok_r(t, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save))
		if (strstr(line, " | ")) {
			CHECK(!strchr(line, '~'));
			if (strlen(line) > longest)
				longest = strlen(line);
		}
	CHECK(longest > 118);
	free(t);
	fixture_finish(&fx);
}

/* Three derivations in the fault-free run, each cut by its own omission. */
static void test_classic(void)
{
	struct fixture fx;
	char *t;

	CHECK(fixture_init(&fx, "scenarios/delivery/classic-deliv.conf", NULL,
			   "omit(a,b,1) omit(a,b,2) omit(a,c,2) omit(c,b,2)",
			   LDFI_VERDICT_COUNTEREXAMPLE) == 0);
	t = text_of(&fx.res);
	CHECK(t && strstr(t, "\n  bcast:1 at log@b: 3 copies in the fault-free run, 0 under the "
			     "counterexample\n"));
	CHECK(t &&
	      strstr(t, "\n    copy 2 (stored in round 3):\n"
			"      bcast@a -> log@a  sent round 1 (a->a@1)\n"
			"      log@a -> log@b  sent round 2 (a->b@2)  X cut by omit(a,b,2)\n"));
	CHECK(t && strstr(t, "\n  why not: log@b never held bcast:1 because a->b@1 was lost "
			     "(omit(a,b,1)), a->b@2 was lost (omit(a,b,2)) and c->b@2 was lost "
			     "(omit(c,b,2))\n"));
	CHECK(t && strstr(t, "\n      2 | ->b,c bcast:1 X omit | . | ->a bcast:1\n"));
	free(t);
	fixture_finish(&fx);
}

/* A crash cuts the retries; the crashed node's cells say so. */
static void test_retry(void)
{
	struct fixture fx;
	char *t;

	CHECK(fixture_init(&fx, "scenarios/delivery/retry-deliv.conf", NULL,
			   "crash(a,2) omit(a,b,1)", LDFI_VERDICT_COUNTEREXAMPLE) == 0);
	t = text_of(&fx.res);
	CHECK(t && strstr(t, "\n        | ->a bcast:1 X crash(a,2) |   |\n"));
	CHECK(t && strstr(t, "\n    2-4 | ** crashed **            | . | .\n"));
	CHECK(t && strstr(t, "\n  why not: log@b never held bcast:1 because a->b@1 was lost "
			     "(omit(a,b,1)) and a->b@2, a->b@3 were lost (crash(a,2))\n"));
	free(t);
	fixture_finish(&fx);
}

/* A sink that keeps one copy: the deliveries it did not keep count too. */
static void test_dedup(void)
{
	struct fixture fx;
	json_t *doc;
	char *t;

	CHECK(fixture_init(&fx, "scenarios/stream/replicated-relay.conf", NULL,
			   "crash(src,2) omit(src,w1,1) omit(src,w2,1)",
			   LDFI_VERDICT_COUNTEREXAMPLE) == 0);
	t = text_of(&fx.res);
	CHECK(t && strstr(t, "\n      1 | .   | ->enrich@w1,w2 orders:1..3 X omit | .  | .\n"));
	CHECK(t && strstr(t, "\n    delivered in round 3 but not kept (a copy was already held):\n"
			     "      orders@src -> enrich@w2  sent round 1 (src->w2@1)  X cut by "
			     "omit(src,w2,1)\n"));
	CHECK(t && strstr(t, "\n  why not: out@out never held orders:1 because src->w1@1 was lost "
			     "(omit(src,w1,1)) and src->w2@1 was lost (omit(src,w2,1))\n"));
	CHECK(t && strstr(t, "\n  (1 more offending record not traced here; see report.json and "
			     "the provenance database)\n") == NULL);
	free(t);
	doc = json_of(&fx.res, "relay.json");
	CHECK(json_array_size(get(doc, "counterexample.failed_checks")) == 1);
	CHECK_STR(sget(doc, "counterexample.failed_checks.0.kind"), "exactly-once");
	CHECK(json_array_size(get(doc, "counterexample.failed_checks.0.records")) == 3);
	json_decref(doc);
	fixture_finish(&fx);
}

static void test_escaping(void)
{
	struct fixture fx;
	json_t *doc;

	CHECK(fixture_init(&fx, "scenarios/delivery/simple-deliv.conf", NULL, "omit(a,b,1)",
			   LDFI_VERDICT_COUNTEREXAMPLE) == 0);
	fx.opts.conf_path = "we<ird> & \"quoted\" 'name'\x01\xff.conf";
	junit_to(&fx.res, "escaped.xml");
	doc = json_of(&fx.res, "escaped.json");
	CHECK_STR(sget(doc, "conf"), "we<ird> & \"quoted\" 'name'\x01\xef\xbf\xbd.conf");
	json_decref(doc);
	fixture_finish(&fx);
}

/* Two checks name the same missing record: traced once, both fail. */
static void test_audit(void)
{
	struct fixture fx;
	json_t *doc;
	char *t;

	CHECK(fixture_init(&fx, "audit.conf", audit_conf, "omit(a,b,1)",
			   LDFI_VERDICT_COUNTEREXAMPLE) == 0);
	t = text_of(&fx.res);
	CHECK(t && strstr(t, "\nFAIL audit (matches-fault-free on log)\n"
			     "    bcast:1 missing at log@b\n"));
	CHECK(t && strstr(t, "why not: log@b never held bcast:1 because a->b@1 was lost "
			     "(omit(a,b,1))\n"));
	CHECK(count_of(t, "why not:") == 1);
	free(t);
	doc = json_of(&fx.res, "audit.json");
	CHECK(json_array_size(get(doc, "counterexample.failed_checks")) == 2);
	CHECK_STR(sget(doc, "counterexample.failed_checks.1.name"), "audit");
	CHECK_STR(sget(doc, "counterexample.failed_checks.1.records.0.problem"), "missing");
	json_decref(doc);
	junit_to(&fx.res, "audit.xml");
	fixture_finish(&fx);
}

/* test_report --show CONF FAULTS: print the text report (for debugging). */
static int show(const char *conf, const char *faults)
{
	struct fixture fx;
	char err[512];
	int rc = fixture_init(&fx, conf, NULL, faults, LDFI_VERDICT_COUNTEREXAMPLE);

	if (!rc)
		rc = ldfi_report_text(stdout, &fx.res, err, sizeof(err));
	if (fx.conf)
		fixture_finish(&fx);
	return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "--show") == 0)
		return show(argv[2], argv[3]);
	if (argc != 2) {
		fprintf(stderr, "usage: test_report OUTDIR\n");
		return 2;
	}
	outdir = argv[1];
	test_counterexample();
	test_certified();
	test_inconclusive();
	test_duplicate();
	test_wide();
	test_classic();
	test_retry();
	test_dedup();
	test_audit();
	test_escaping();
	return test_done();
}
