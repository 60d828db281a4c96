/* trace.c - releasing traces and naming their enums. */
#include <stdlib.h>

#include "ldfi/trace.h"

void ldfi_trace_destroy(struct ldfi_trace *tr)
{
	if (!tr)
		return;
	ldfi_faults_finish(&tr->faults);
	free(tr->crash_round);
	for (int i = 0; i < tr->n_recs; i++)
		free(tr->recs[i].name);
	free(tr->recs);
	free(tr->msgs);
	free(tr->parents);
	free(tr->outs);
	for (int i = 0; i < tr->n_checks; i++)
		free(tr->checks[i].offs);
	free(tr->checks);
	free(tr);
}

bool ldfi_trace_alive(const struct ldfi_trace *tr, int node)
{
	return tr->crash_round[node] == 0;
}

const char *ldfi_fate_name(enum ldfi_fate f)
{
	switch (f) {
	case LDFI_FATE_DELIVERED:
		return "delivered";
	case LDFI_FATE_OMITTED:
		return "omitted";
	case LDFI_FATE_CRASHED:
		return "crashed";
	case LDFI_FATE_EOT:
		return "eot";
	}
	return "?";
}

const char *ldfi_problem_name(enum ldfi_problem p)
{
	switch (p) {
	case LDFI_PROBLEM_MISSING:
		return "missing";
	case LDFI_PROBLEM_DUPLICATED:
		return "duplicated";
	case LDFI_PROBLEM_OUT_OF_ORDER:
		return "out-of-order";
	case LDFI_PROBLEM_UNEXPECTED:
		return "unexpected-count";
	}
	return "?";
}
