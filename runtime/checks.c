/*
 * checks.c - the built-in checks of SPEC §2, evaluated at eot over the sink
 * replicas whose node has not crashed. Each failed check lists its
 * offending records (missing, duplicated, out of order, unexpected count),
 * ordered by record, then replica.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ldfi/conf.h"
#include "ldfi/ldfi.h"
#include "ldfi/stage.h"
#include "runtime/runtime.h"

struct eval {
	struct ldfi_trace *tr;
	const struct ldfi_trace *ff;
	const struct ldfi_check *check;
	struct ldfi_check_result *res;
	int cap;
	bool *covered; /* per record */
	int **count;   /* per replica of the sink (by position in comp->nodes) */
	int **ff_count;
};

static int offend(struct eval *ev, int rec, int node, enum ldfi_problem p, int count,
		  int expected)
{
	struct ldfi_check_result *r = ev->res;

	if (r->n_offs == ev->cap) {
		int cap = ev->cap ? 2 * ev->cap : 8;
		struct ldfi_offense *o = realloc(r->offs, (size_t)cap * sizeof(*o));

		if (!o)
			return LDFI_ENOMEM;
		r->offs = o;
		ev->cap = cap;
	}
	r->offs[r->n_offs++] = (struct ldfi_offense){rec, ev->check->sink, node, p, count, expected};
	r->passed = false;
	return 0;
}

/* Copies of each record held by replica (sink, node) in `tr`. */
static int *count_copies(const struct ldfi_trace *tr, int sink, int node)
{
	int *c = calloc((size_t)tr->n_recs + 1, sizeof(int));

	if (!c)
		return NULL;
	for (size_t i = 0; i < tr->n_outs; i++)
		if (tr->outs[i].comp == sink && tr->outs[i].node == node)
			c[tr->outs[i].rec]++;
	return c;
}

static int check_missing(struct eval *ev, bool agreement)
{
	const struct ldfi_comp *sink = &ev->tr->conf->comps[ev->check->sink];
	const struct ldfi_trace *tr = ev->tr;
	int rc;

	for (int r = 0; r < tr->n_recs; r++) {
		int src_node;
		bool held = false;

		if (!ev->covered[r] || !tr->recs[r].emitted)
			continue;
		src_node = tr->conf->comps[tr->recs[r].source].nodes[0];
		for (int i = 0; agreement && i < sink->n_nodes; i++)
			if (ldfi_trace_alive(tr, sink->nodes[i]) && ev->count[i][r] > 0 &&
			    sink->nodes[i] != src_node)
				held = true;
		if (agreement && !held)
			continue;
		for (int i = 0; i < sink->n_nodes; i++)
			if (ldfi_trace_alive(tr, sink->nodes[i]) && ev->count[i][r] == 0 &&
			    (rc = offend(ev, r, sink->nodes[i], LDFI_PROBLEM_MISSING, 0, 1)))
				return rc;
	}
	return 0;
}

static int check_duplicates(struct eval *ev)
{
	const struct ldfi_comp *sink = &ev->tr->conf->comps[ev->check->sink];
	int rc;

	for (int r = 0; r < ev->tr->n_recs; r++)
		for (int i = 0; ev->covered[r] && i < sink->n_nodes; i++)
			if (ldfi_trace_alive(ev->tr, sink->nodes[i]) && ev->count[i][r] > 1 &&
			    (rc = offend(ev, r, sink->nodes[i], LDFI_PROBLEM_DUPLICATED,
					 ev->count[i][r], 1)))
				return rc;
	return 0;
}

static int check_ordered(struct eval *ev)
{
	const struct ldfi_trace *tr = ev->tr;
	int n_comps = tr->conf->n_comps, rc = 0;
	int *top = malloc((size_t)n_comps * sizeof(int));
	bool *flagged = calloc((size_t)tr->n_recs + 1, sizeof(bool));

	if (!top || !flagged) {
		rc = LDFI_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < tr->n_outs && !rc; i++) {
		const struct ldfi_output *o = &tr->outs[i];
		const struct ldfi_record *r = &tr->recs[o->rec];

		if (o->comp != ev->check->sink || !ldfi_trace_alive(tr, o->node))
			continue;
		if (o->pos == 0) {
			for (int c = 0; c < n_comps; c++)
				top[c] = -1;
			memset(flagged, 0, (size_t)tr->n_recs * sizeof(bool));
		}
		if (!ev->covered[o->rec])
			continue;
		if (flagged[o->rec])
			continue; /* only first copies count; duplicates are no-duplicates' */
		flagged[o->rec] = true;
		if (r->index < top[r->source])
			rc = offend(ev, o->rec, o->node, LDFI_PROBLEM_OUT_OF_ORDER, 1, 0);
		if (r->index > top[r->source])
			top[r->source] = r->index;
	}
out:
	free(top);
	free(flagged);
	return rc;
}

static int check_matches(struct eval *ev)
{
	const struct ldfi_comp *sink = &ev->tr->conf->comps[ev->check->sink];
	int rc;

	for (int r = 0; r < ev->tr->n_recs; r++) {
		if (!ev->covered[r] || !ev->tr->recs[r].emitted)
			continue;
		for (int i = 0; i < sink->n_nodes; i++) {
			int have = ev->count[i][r], want = ev->ff_count[i][r];

			if (ldfi_trace_alive(ev->tr, sink->nodes[i]) && have != want &&
			    (rc = offend(ev, r, sink->nodes[i],
					 have ? LDFI_PROBLEM_UNEXPECTED : LDFI_PROBLEM_MISSING, have,
					 want)))
				return rc;
		}
	}
	return 0;
}

static int eval_one(struct eval *ev)
{
	int rc;

	switch (ev->check->kind) {
	case LDFI_CHECK_DELIVERED:
		return check_missing(ev, false);
	case LDFI_CHECK_AGREEMENT:
		return check_missing(ev, true);
	case LDFI_CHECK_NO_DUPLICATES:
		return check_duplicates(ev);
	case LDFI_CHECK_EXACTLY_ONCE:
		if ((rc = check_missing(ev, false)))
			return rc;
		return check_duplicates(ev);
	case LDFI_CHECK_ORDERED:
		return check_ordered(ev);
	case LDFI_CHECK_MATCHES_FAULT_FREE:
		return check_matches(ev);
	case LDFI_CHECK_PLUGIN:
		break; /* evaluated by ldfi_checks_eval */
	}
	return LDFI_EINVAL;
}

static void free_counts(int **c, int n)
{
	for (int i = 0; c && i < n; i++)
		free(c[i]);
	free(c);
}

static int prepare(struct eval *ev)
{
	const struct ldfi_conf *conf = ev->tr->conf;
	const struct ldfi_comp *sink = &conf->comps[ev->check->sink];

	ev->covered = calloc((size_t)ev->tr->n_recs + 1, sizeof(bool));
	ev->count = calloc((size_t)sink->n_nodes, sizeof(int *));
	ev->ff_count = calloc((size_t)sink->n_nodes, sizeof(int *));
	if (!ev->covered || !ev->count || !ev->ff_count)
		return LDFI_ENOMEM;
	for (int r = 0; r < ev->tr->n_recs; r++) {
		int src = ev->tr->recs[r].source;

		/* Records a plugin named (source -1) are not any source's. */
		ev->covered[r] = src >= 0 &&
				 (ev->check->source < 0 || ev->check->source == src) &&
				 ldfi_conf_upstream(conf, src, ev->check->sink);
	}
	for (int i = 0; i < sink->n_nodes; i++) {
		ev->count[i] = count_copies(ev->tr, ev->check->sink, sink->nodes[i]);
		ev->ff_count[i] = ev->ff ? count_copies(ev->ff, ev->check->sink, sink->nodes[i])
					 : NULL;
		if (!ev->count[i] || (ev->ff && !ev->ff_count[i]))
			return LDFI_ENOMEM;
	}
	return 0;
}

int ldfi_check_offend(struct ldfi_check_result *res, int rec, int comp, int node,
		      enum ldfi_problem problem, int count, int expected)
{
	/* Grown one by one: plugin checks name few records. */
	struct ldfi_offense *o = realloc(res->offs, ((size_t)res->n_offs + 1) * sizeof(*o));

	if (!o)
		return LDFI_ENOMEM;
	res->offs = o;
	o[res->n_offs++] = (struct ldfi_offense){rec, comp, node, problem, count, expected};
	res->passed = false;
	return 0;
}

/* A plugin check, on the trace as the runtime left it. Its offenses must
 * name records and replicas of this run. */
static int eval_plugin(struct ldfi_trace *tr, const struct ldfi_trace *ff, int i)
{
	const struct ldfi_check *c = &tr->conf->checks[i];
	struct ldfi_check_result *res = &tr->checks[i];
	ldfi_check_fn fn = (ldfi_check_fn)(uintptr_t)c->plugin;
	int rc;

	if (!fn)
		return LDFI_ESTAGE;
	if ((rc = fn(tr, ff ? ff : tr, i, res)) < 0)
		return rc;
	for (int k = 0; k < res->n_offs; k++) {
		const struct ldfi_offense *o = &res->offs[k];

		if (o->rec < 0 || o->rec >= tr->n_recs || o->comp < 0 ||
		    o->comp >= tr->conf->n_comps || o->node < 0 || o->node >= tr->conf->n_nodes)
			return LDFI_ESTAGE;
	}
	return 0;
}

int ldfi_checks_eval(struct ldfi_trace *tr, const struct ldfi_trace *fault_free)
{
	const struct ldfi_conf *conf = tr->conf;
	int rc = 0;

	tr->checks = calloc((size_t)conf->n_checks + 1, sizeof(*tr->checks));
	if (!tr->checks)
		return LDFI_ENOMEM;
	tr->n_checks = conf->n_checks;
	tr->passed = true;
	for (int i = 0; i < conf->n_checks && !rc; i++) {
		const struct ldfi_comp *sink;
		struct eval ev = {tr, fault_free, &conf->checks[i], &tr->checks[i], 0, NULL, NULL,
				  NULL};

		tr->checks[i].check = i;
		tr->checks[i].passed = true;
		if (ev.check->kind == LDFI_CHECK_PLUGIN) {
			rc = eval_plugin(tr, fault_free, i);
			tr->passed = tr->passed && tr->checks[i].passed;
			continue;
		}
		if (ev.check->sink < 0)
			return LDFI_ESTAGE;
		sink = &conf->comps[ev.check->sink];
		rc = prepare(&ev);
		if (!rc)
			rc = eval_one(&ev);
		tr->passed = tr->passed && tr->checks[i].passed;
		free(ev.covered);
		free_counts(ev.count, sink->n_nodes);
		free_counts(ev.ff_count, sink->n_nodes);
	}
	return rc;
}
