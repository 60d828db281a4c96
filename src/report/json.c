/*
 * json.c - machine-readable results (jansson): the `run --json` document
 * and the pieces the explore report reuses. Field names: docs/reports.md.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "ldfi/conf.h"
#include "ldfi/faults.h"
#include "ldfi/ldfi.h"
#include "src/report/json.h"
#include "src/report/report.h"

json_t *ldfi_json_faults(const struct ldfi_trace *tr)
{
	char *s = ldfi_faults_to_string(tr->conf, &tr->faults);
	json_t *j = s ? json_string(s) : NULL;

	free(s);
	return j;
}

static json_t *offense_json(const struct ldfi_trace *tr, const struct ldfi_offense *o)
{
	const struct ldfi_conf *conf = tr->conf;

	return json_pack("{s:s, s:s, s:s, s:s, s:i, s:i}", "record", tr->recs[o->rec].name, "sink",
			 conf->comps[o->comp].name, "node", conf->nodes[o->node].name, "problem",
			 ldfi_problem_name(o->problem), "count", o->count, "expected", o->expected);
}

json_t *ldfi_json_check(const struct ldfi_trace *tr, const struct ldfi_check_result *r)
{
	const struct ldfi_check *c = &tr->conf->checks[r->check];
	json_t *recs = json_array();
	json_t *j;

	for (int k = 0; recs && k < r->n_offs; k++)
		if (json_array_append_new(recs, offense_json(tr, &r->offs[k]))) {
			json_decref(recs);
			return NULL;
		}
	j = json_pack("{s:s, s:s, s:b, s:o}", "name", c->name, "kind",
		      ldfi_check_kind_name(c->kind), "passed", r->passed, "records", recs);
	return j;
}

json_t *ldfi_json_checks(const struct ldfi_trace *tr, bool failed_only)
{
	json_t *a = json_array();

	for (int i = 0; a && i < tr->n_checks; i++) {
		if (failed_only && tr->checks[i].passed)
			continue;
		if (json_array_append_new(a, ldfi_json_check(tr, &tr->checks[i]))) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

json_t *ldfi_json_outputs(const struct ldfi_trace *tr)
{
	const struct ldfi_conf *conf = tr->conf;
	json_t *a = json_array();
	size_t k = 0;

	for (int c = 0; a && c < conf->n_comps; c++) {
		const struct ldfi_comp *s = &conf->comps[c];

		for (int i = 0; s->type == LDFI_COMP_SINK && i < s->n_nodes; i++) {
			json_t *recs = json_array();
			json_t *o;

			while (k < tr->n_outs && tr->outs[k].comp == c &&
			       tr->outs[k].node == s->nodes[i])
				json_array_append_new(
				    recs, json_string(tr->recs[tr->outs[k++].rec].name));
			o = json_pack("{s:s, s:s, s:b, s:o}", "sink", s->name, "node",
				      conf->nodes[s->nodes[i]].name, "alive",
				      ldfi_trace_alive(tr, s->nodes[i]), "records", recs);
			if (json_array_append_new(a, o)) {
				json_decref(a);
				return NULL;
			}
		}
	}
	return a;
}

static int dump(FILE *f, const void *doc)
{
	return json_dumpf(doc, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) ? LDFI_EIO : 0;
}

int ldfi_json_dump(json_t *doc, const char *path, char *err, size_t errlen)
{
	if (!doc) {
		snprintf(err, errlen, "%s: %s", path, ldfi_strerror(LDFI_ENOMEM));
		return LDFI_ENOMEM;
	}
	return ldfi_report_write_file(path, dump, doc, err, errlen);
}

int ldfi_json_write_run(const char *path, const struct ldfi_trace *tr, char *err, size_t errlen)
{
	json_t *doc = json_pack("{s:s, s:o, s:b, s:o, s:o, s:o}", "version", ldfi_version(),
				"faults", ldfi_json_faults(tr), "passed", tr->passed, "checks",
				ldfi_json_checks(tr, false), "outputs", ldfi_json_outputs(tr),
				"failure", tr->failure ? json_string(tr->failure) : json_null());
	int rc = ldfi_json_dump(doc, path, err, errlen);

	json_decref(doc);
	return rc;
}
