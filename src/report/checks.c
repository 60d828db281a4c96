/* checks.c - the check results of a run as text: `ldfi run`, `ldfi replay`
 * and the text report of a counterexample print them. */
#include <stdio.h>

#include "ldfi/conf.h"
#include "ldfi/faults.h"
#include "src/report/report.h"

static void print_offense(FILE *f, const struct ldfi_trace *tr, const struct ldfi_offense *o)
{
	const struct ldfi_conf *conf = tr->conf;
	const char *rec = tr->recs[o->rec].name;
	const char *at_sink = conf->comps[o->comp].name, *at_node = conf->nodes[o->node].name;

	switch (o->problem) {
	case LDFI_PROBLEM_MISSING:
		fprintf(f, "    %s missing at %s@%s\n", rec, at_sink, at_node);
		break;
	case LDFI_PROBLEM_DUPLICATED:
		fprintf(f, "    %s held %d %s at %s@%s\n", rec, o->count, LDFI_TIMES(o->count),
			at_sink, at_node);
		break;
	case LDFI_PROBLEM_OUT_OF_ORDER:
		fprintf(f, "    %s out of order at %s@%s (after a record emitted later)\n", rec,
			at_sink, at_node);
		break;
	case LDFI_PROBLEM_UNEXPECTED:
		fprintf(f, "    %s held %d %s at %s@%s, %d in the fault-free run\n", rec, o->count,
			LDFI_TIMES(o->count), at_sink, at_node, o->expected);
		break;
	}
}

void ldfi_report_checks(FILE *f, const struct ldfi_trace *tr)
{
	const struct ldfi_conf *conf = tr->conf;
	char faults[4096];

	ldfi_faults_format(conf, &tr->faults, faults, sizeof(faults));
	fprintf(f, "faults: %s\n", faults);
	for (int i = 0; i < tr->n_checks; i++) {
		const struct ldfi_check_result *r = &tr->checks[i];
		const struct ldfi_check *c = &conf->checks[r->check];

		fprintf(f, "%s %s (%s%s%s)\n", r->passed ? "pass" : "FAIL", c->name,
			ldfi_check_kind_name(c->kind), c->sink >= 0 ? " on " : "",
			c->sink >= 0 ? conf->comps[c->sink].name : "");
		for (int k = 0; k < r->n_offs; k++)
			print_offense(f, tr, &r->offs[k]);
	}
	if (tr->failure)
		fprintf(f, "FAIL the run did not finish: %s\n", tr->failure);
}
