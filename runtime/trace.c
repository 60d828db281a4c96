/* trace.c - releasing traces and naming their enums. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ldfi/conf.h"
#include "ldfi/ldfi.h"
#include "ldfi/trace.h"

int ldfi_trace_init(struct ldfi_trace *tr, const struct ldfi_conf *conf)
{
	int n = 0;

	tr->conf = conf;
	for (int c = 0; c < conf->n_comps; c++)
		if (conf->comps[c].type == LDFI_COMP_SOURCE)
			n += conf->comps[c].n_records;
	tr->crash_round = calloc((size_t)conf->n_nodes + 1, sizeof(int));
	tr->restart_round = calloc((size_t)conf->n_nodes + 1, sizeof(int));
	tr->recs = calloc((size_t)n + 1, sizeof(*tr->recs));
	tr->downtime = conf->downtime;
	if (!tr->crash_round || !tr->restart_round || !tr->recs)
		return LDFI_ENOMEM;
	for (int c = 0; c < conf->n_comps; c++) {
		const struct ldfi_comp *sc = &conf->comps[c];

		for (int i = 0; sc->type == LDFI_COMP_SOURCE && i < sc->n_records; i++) {
			struct ldfi_record *r = &tr->recs[tr->n_recs];

			if (asprintf(&r->name, "%s:%s", sc->name, sc->records[i]) < 0) {
				r->name = NULL;
				return LDFI_ENOMEM;
			}
			r->source = c;
			r->index = i;
			tr->n_recs++;
		}
	}
	return 0;
}

int ldfi_trace_record_index(const struct ldfi_trace *tr, const char *name)
{
	for (int i = 0; i < tr->n_recs; i++)
		if (strcmp(tr->recs[i].name, name) == 0)
			return i;
	return -1;
}

int ldfi_trace_record(struct ldfi_trace *tr, const char *name)
{
	struct ldfi_record *p;
	int r;

	if (!name || !name[0])
		return LDFI_EINVAL;
	if ((r = ldfi_trace_record_index(tr, name)) >= 0)
		return r;
	p = realloc(tr->recs, ((size_t)tr->n_recs + 1) * sizeof(*p));
	if (!p)
		return LDFI_ENOMEM;
	tr->recs = p;
	p[tr->n_recs] = (struct ldfi_record){strdup(name), -1, -1, false};
	if (!p[tr->n_recs].name)
		return LDFI_ENOMEM;
	return tr->n_recs++;
}

int ldfi_trace_same_record(const struct ldfi_trace *to, const struct ldfi_trace *from, int rec)
{
	if (rec < 0 || rec >= from->n_recs)
		return -1;
	if (from->recs[rec].source >= 0)
		return rec < to->n_recs ? rec : -1;
	return ldfi_trace_record_index(to, from->recs[rec].name);
}

void ldfi_trace_destroy(struct ldfi_trace *tr)
{
	if (!tr)
		return;
	ldfi_faults_finish(&tr->faults);
	free(tr->crash_round);
	free(tr->restart_round);
	free(tr->mems);
	for (int i = 0; i < tr->n_recs; i++)
		free(tr->recs[i].name);
	free(tr->recs);
	free(tr->msgs);
	free(tr->parents);
	free(tr->outs);
	for (int i = 0; i < tr->n_checks; i++)
		free(tr->checks[i].offs);
	free(tr->checks);
	free(tr->failure);
	free(tr);
}

bool ldfi_trace_alive(const struct ldfi_trace *tr, int node)
{
	return tr->crash_round[node] == 0;
}

bool ldfi_trace_down(const struct ldfi_trace *tr, int node, int round)
{
	int t = tr->restart_round ? tr->restart_round[node] : 0;

	return t && t <= round && round < t + tr->downtime;
}

/* The names of the trace's enums, indexed by value: the texts of the
 * provenance database too (docs/provenance.md). */
static const char *const msg_kind_names[] = {"data", "ack"};
static const char *const fate_names[] = {"delivered", "omitted", "crashed", "eot", "down"};
static const char *const problem_names[] = {"missing", "duplicated", "out-of-order",
					    "unexpected-count"};

#define NAME(table, v) ((unsigned)(v) < sizeof(table) / sizeof((table)[0]) ? (table)[v] : "?")

const char *ldfi_msg_kind_name(enum ldfi_msg_kind k)
{
	return NAME(msg_kind_names, k);
}

const char *ldfi_fate_name(enum ldfi_fate f)
{
	return NAME(fate_names, f);
}

const char *ldfi_problem_name(enum ldfi_problem p)
{
	return NAME(problem_names, p);
}
