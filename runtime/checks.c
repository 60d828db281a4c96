/*
 * checks.c - the built-in checks of docs/semantics.md, evaluated at eot over the sink
 * replicas whose node has not crashed. Each failed check lists its
 * offending records (missing, duplicated, out of order, unexpected count),
 * ordered by record, then replica.
 *
 * Records named by stages (source -1: a window-count's "user1@w0=2") are
 * covered by no-duplicates (so by the duplicate half of exactly-once) and
 * by matches-fault-free, when the check has no `source =`; delivered,
 * agreement and ordered read source records only (docs/semantics.md).
 * Their indices differ from run to run, so matches-fault-free pairs them
 * with the fault-free run's by name.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ldfi/conf.h"
#include "ldfi/ldfi.h"
#include "ldfi/stage.h"
#include "runtime/runtime.h"
#include "runtime/stage.h"

struct eval {
	struct ldfi_trace *tr;
	const struct ldfi_trace *ff;
	const struct ldfi_check *check;
	struct ldfi_check_result *res;
	int cap;
	bool *covered; /* per record */
	int **count;   /* per replica of the sink (by position in comp->nodes) */
	int **ff_count;
	int *ff_index; /* per record named by a stage: its index in ff, or -1 */
};

static int offend(struct eval *ev, int rec, int node, enum ldfi_problem p, int count, int expected)
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
	r->offs[r->n_offs++] =
	    (struct ldfi_offense){rec, ev->check->sink, node, p, count, expected};
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
		if (!ev->covered[o->rec] || r->source < 0)
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

/* Did every source upstream of the check's sink emit its records? Records
 * stages derive from them are expected only then. */
static bool upstream_emitted(const struct eval *ev)
{
	const struct ldfi_trace *tr = ev->tr;

	for (int r = 0; r < tr->n_recs; r++)
		if (tr->recs[r].source >= 0 && !tr->recs[r].emitted &&
		    ldfi_conf_upstream(tr->conf, tr->recs[r].source, ev->check->sink))
			return false;
	return true;
}

static int check_matches(struct eval *ev)
{
	const struct ldfi_comp *sink = &ev->tr->conf->comps[ev->check->sink];
	bool derived = upstream_emitted(ev);
	int rc;

	for (int r = 0; r < ev->tr->n_recs; r++) {
		bool named = ev->tr->recs[r].source < 0;

		if (!ev->covered[r] || (named ? !derived : !ev->tr->recs[r].emitted))
			continue;
		for (int i = 0; i < sink->n_nodes; i++) {
			int have = ev->count[i][r], want;

			if (!named)
				want = ev->ff_count[i][r];
			else
				want = ev->ff_index[r] >= 0 ? ev->ff_count[i][ev->ff_index[r]] : 0;

			if (ldfi_trace_alive(ev->tr, sink->nodes[i]) && have != want &&
			    (rc = offend(ev, r, sink->nodes[i],
					 have ? LDFI_PROBLEM_UNEXPECTED : LDFI_PROBLEM_MISSING,
					 have, want)))
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
	case LDFI_CHECK_PROCESS:
		break; /* evaluated by ldfi_checks_eval */
	}
	return LDFI_EINVAL;
}

/* Index of the record named `name` among the stage-named records of a
 * trace, sorted by name in `idx` (n entries), or -1. */
static int find_named(const struct ldfi_trace *t, const int *idx, int n, const char *name)
{
	int lo = 0, hi = n - 1;

	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2, c = strcmp(t->recs[idx[mid]].name, name);

		if (c == 0)
			return idx[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

static int cmp_named(const void *a, const void *b, void *arg)
{
	const struct ldfi_trace *t = arg;

	return strcmp(t->recs[*(const int *)a].name, t->recs[*(const int *)b].name);
}

/* The records stages named in `t`, sorted by name into *out (freed by the
 * caller); returns how many, or LDFI_ENOMEM. */
static int named_records(const struct ldfi_trace *t, int **out)
{
	int n = 0;

	*out = malloc(((size_t)t->n_recs + 1) * sizeof(int));
	if (!*out)
		return LDFI_ENOMEM;
	for (int r = 0; r < t->n_recs; r++)
		if (t->recs[r].source < 0)
			(*out)[n++] = r;
	qsort_r(*out, (size_t)n, sizeof(int), cmp_named, (void *)t);
	return n;
}

/*
 * matches-fault-free on stage-named records: give `tr` a record for every
 * one the fault-free run held at a replica of the sink that `tr` never
 * named (so an offense can name it: "missing"), and map each stage-named
 * record of `tr` to its index in the fault-free run (ev->ff_index).
 */
static int pair_named(struct eval *ev)
{
	struct ldfi_trace *tr = ev->tr;
	const struct ldfi_trace *ff = ev->ff;
	int *mine = NULL, *theirs = NULL, n_mine, n_theirs, rc = 0;

	if ((n_theirs = named_records(ff, &theirs)) < 0)
		return n_theirs;
	if ((n_mine = named_records(tr, &mine)) < 0) {
		free(theirs);
		return n_mine;
	}
	for (size_t i = 0, n0 = (size_t)tr->n_recs; i < ff->n_outs && !rc; i++) {
		const struct ldfi_output *o = &ff->outs[i];
		const char *name = ff->recs[o->rec].name;
		struct ldfi_record *v;
		size_t j = n0;

		if (o->comp != ev->check->sink || ff->recs[o->rec].source >= 0 ||
		    find_named(tr, mine, n_mine, name) >= 0)
			continue;
		while (j < (size_t)tr->n_recs && strcmp(tr->recs[j].name, name) != 0)
			j++;
		if (j < (size_t)tr->n_recs)
			continue; /* added for another replica */
		v = realloc(tr->recs, ((size_t)tr->n_recs + 2) * sizeof(*v));
		if (!v) {
			rc = LDFI_ENOMEM;
			break;
		}
		tr->recs = v;
		v[tr->n_recs] = (struct ldfi_record){strdup(name), -1, -1, false};
		if (!v[tr->n_recs].name) {
			rc = LDFI_ENOMEM;
			break;
		}
		tr->n_recs++;
	}
	free(mine);
	ev->ff_index = malloc(((size_t)tr->n_recs + 1) * sizeof(int));
	if (!rc && !ev->ff_index)
		rc = LDFI_ENOMEM;
	for (int r = 0; !rc && r < tr->n_recs; r++)
		ev->ff_index[r] =
		    tr->recs[r].source < 0 ? find_named(ff, theirs, n_theirs, tr->recs[r].name) : r;
	free(theirs);
	return rc;
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

	int rc;

	if (ev->check->kind == LDFI_CHECK_MATCHES_FAULT_FREE && ev->ff && (rc = pair_named(ev)))
		return rc;
	ev->covered = calloc((size_t)ev->tr->n_recs + 1, sizeof(bool));
	ev->count = calloc((size_t)sink->n_nodes, sizeof(int *));
	ev->ff_count = calloc((size_t)sink->n_nodes, sizeof(int *));
	if (!ev->covered || !ev->count || !ev->ff_count)
		return LDFI_ENOMEM;
	for (int r = 0; r < ev->tr->n_recs; r++) {
		int src = ev->tr->recs[r].source;

		/* Records a stage named (source -1) are no source's: covered
		 * unless the check is restricted to one source. */
		ev->covered[r] = src < 0 ? ev->check->source < 0
					 : (ev->check->source < 0 || ev->check->source == src) &&
					       ldfi_conf_upstream(conf, src, ev->check->sink);
	}
	for (int i = 0; i < sink->n_nodes; i++) {
		ev->count[i] = count_copies(ev->tr, ev->check->sink, sink->nodes[i]);
		ev->ff_count[i] =
		    ev->ff ? count_copies(ev->ff, ev->check->sink, sink->nodes[i]) : NULL;
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
	ldfi_check_fn fn = c->kind == LDFI_CHECK_PROCESS ? ldfi_process_check
							 : (ldfi_check_fn)(uintptr_t)c->plugin;
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
		struct eval ev = {
		    .tr = tr, .ff = fault_free, .check = &conf->checks[i], .res = &tr->checks[i]};

		tr->checks[i].check = i;
		tr->checks[i].passed = true;
		if (ev.check->kind == LDFI_CHECK_PLUGIN || ev.check->kind == LDFI_CHECK_PROCESS) {
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
		free(ev.ff_index);
	}
	return rc;
}
