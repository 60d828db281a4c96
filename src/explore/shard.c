/*
 * shard.c - the parts of the fault space of `ldfi explore --shard I/N`
 * (shard.h, docs/scaling.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ldfi/ldfi.h"
#include "src/explore/shard.h"

int ldfi_shard_parse(const char *text, int *index, int *count)
{
	char *end;
	long i, n;

	if (!text || *text < '0' || *text > '9')
		return LDFI_EINVAL;
	i = strtol(text, &end, 10);
	if (*end != '/' || end[1] < '0' || end[1] > '9')
		return LDFI_EINVAL;
	n = strtol(end + 1, &end, 10);
	if (*end || n < 1 || n > LDFI_SHARD_MAX || i < 0 || i >= n)
		return LDFI_EINVAL;
	*index = (int)i;
	*count = (int)n;
	return 0;
}

struct scored {
	int var;
	double score;
};

static int by_score(const void *a, const void *b)
{
	const struct scored *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return x->var - y->var;
}

/* The variables of the space, most cutting first. */
static int rank_vars(const struct ldfi_space *sp, const struct ldfi_trace *ff, struct scored *v)
{
	struct ldfi_lineage *lin = ldfi_lineage_create(sp->conf);
	int rc;

	if (!lin)
		return LDFI_ENOMEM;
	for (int i = 0; i < sp->n_vars; i++)
		v[i] = (struct scored){i + 1, 0.0};
	if ((rc = ldfi_lineage_add_trace(lin, ff, NULL))) {
		ldfi_lineage_destroy(lin);
		return rc;
	}
	for (int o = 0; o < ldfi_lineage_n_outcomes(lin); o++) {
		const struct ldfi_outcome *out = ldfi_lineage_outcome(lin, o);

		for (int s = 0; s < out->n_supports; s++)
			for (int k = 0; k < out->supports[s].n; k++)
				v[out->supports[s].vars[k] - 1].score += 1.0 / out->supports[s].n;
	}
	ldfi_lineage_destroy(lin);
	qsort(v, (size_t)sp->n_vars, sizeof(*v), by_score);
	return 0;
}

static int ceil_log2(int n)
{
	int k = 0;

	while ((1 << k) < n)
		k++;
	return k;
}

int ldfi_shard_init(struct ldfi_shard *s, const struct ldfi_space *sp, const struct ldfi_trace *ff)
{
	struct scored *v;
	int lo = 0, n = s->count, rc, level = 0;

	s->n_lits = 0;
	s->empty = false;
	if (s->count <= 1)
		return 0;
	if (!(v = malloc(((size_t)sp->n_vars + 1) * sizeof(*v))))
		return LDFI_ENOMEM;
	if ((rc = rank_vars(sp, ff, v))) {
		free(v);
		return rc;
	}
	while (n > 1) {
		/* Peel one part off while the levels left can still split the
		 * rest in halves: the sets with the most cutting fault are few
		 * and quick to explore, those without it many (measured in
		 * docs/scaling.md), so the parts are a list of "with v1",
		 * "without v1, with v2", ... ending in halvings. */
		int t = LDFI_SHARD_DEPTH - level - 1 >= ceil_log2(n - 1) ? 1 : n / 2;

		if (level == sp->n_vars || level == LDFI_SHARD_DEPTH) {
			/* No variable left to split on: the first part of the
			 * range takes all of it. */
			s->empty = s->index != lo;
			break;
		}
		if (s->index < lo + t) {
			s->lits[s->n_lits++] = v[level].var;
			n = t;
		} else {
			s->lits[s->n_lits++] = -v[level].var;
			lo += t;
			n -= t;
		}
		level++;
	}
	free(v);
	return 0;
}

bool ldfi_shard_has(const struct ldfi_shard *s, const int *vars, int n)
{
	if (s->empty)
		return false;
	for (int i = 0; i < s->n_lits; i++) {
		int want = abs(s->lits[i]), k = 0;

		while (k < n && vars[k] < want)
			k++;
		if ((k < n && vars[k] == want) != (s->lits[i] > 0))
			return false;
	}
	return true;
}

void ldfi_shard_describe(const struct ldfi_shard *s, const struct ldfi_space *sp, char *buf,
			 size_t len)
{
	size_t off = 0;

	if (!len)
		return;
	buf[0] = '\0';
	if (s->empty || s->n_lits == 0) {
		snprintf(buf, len, "%s", s->empty ? "no fault set" : "the whole space");
		return;
	}
	for (int i = 0; i < s->n_lits && off < len; i++) {
		struct ldfi_fault f = ldfi_space_fault(sp, abs(s->lits[i]));
		char one[128];

		ldfi_fault_format(sp->conf, &f, one, sizeof(one));
		off += (size_t)snprintf(buf + off, len - off, "%s%s%s", i ? ", " : "",
					s->lits[i] > 0 ? "with " : "without ", one);
	}
}
