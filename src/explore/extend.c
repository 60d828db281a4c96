/*
 * extend.c - the queue of extensions of passing runs (extend.h): a binary
 * heap ordered by rank (faults, one less for an output that exists only
 * under faults), those outputs first on a tie, then first queued.
 */
#include <stdlib.h>
#include <string.h>

#include "ldfi/ldfi.h"
#include "src/explore/extend.h"

struct cand {
	int *vars;
	int n;
	bool created;
	long seq;
};

struct ldfi_ext {
	struct cand *heap;
	long n, cap, seq;
	struct ldfi_setset *seen; /* every set ever queued */
};

struct ldfi_ext *ldfi_ext_create(void)
{
	struct ldfi_ext *q = calloc(1, sizeof(*q));

	if (q && !(q->seen = ldfi_setset_create())) {
		free(q);
		return NULL;
	}
	return q;
}

void ldfi_ext_destroy(struct ldfi_ext *q)
{
	if (!q)
		return;
	for (long i = 0; i < q->n; i++)
		free(q->heap[i].vars);
	free(q->heap);
	ldfi_setset_destroy(q->seen);
	free(q);
}

static int rank(const struct cand *c)
{
	return c->n - c->created;
}

static bool before(const struct cand *a, const struct cand *b)
{
	if (rank(a) != rank(b))
		return rank(a) < rank(b);
	if (a->created != b->created)
		return a->created;
	return a->seq < b->seq;
}

static void swap(struct cand *a, struct cand *b)
{
	struct cand t = *a;

	*a = *b;
	*b = t;
}

static int push(struct ldfi_ext *q, const int *vars, int n, bool created)
{
	struct cand *c;
	long i;

	if (q->n == q->cap) {
		long cap = q->cap ? 2 * q->cap : 64;

		if (!(c = realloc(q->heap, (size_t)cap * sizeof(*c))))
			return LDFI_ENOMEM;
		q->heap = c;
		q->cap = cap;
	}
	c = &q->heap[q->n];
	if (!(c->vars = malloc((size_t)n * sizeof(int))))
		return LDFI_ENOMEM;
	memcpy(c->vars, vars, (size_t)n * sizeof(int));
	c->n = n;
	c->created = created;
	c->seq = q->seq++;
	for (i = q->n++; i > 0 && before(&q->heap[i], &q->heap[(i - 1) / 2]); i = (i - 1) / 2)
		swap(&q->heap[i], &q->heap[(i - 1) / 2]);
	return 0;
}

void ldfi_ext_pop(struct ldfi_ext *q)
{
	long i = 0;

	if (!q->n)
		return;
	free(q->heap[0].vars);
	q->heap[0] = q->heap[--q->n];
	for (;;) {
		long l = 2 * i + 1, r = l + 1, m = i;

		if (l < q->n && before(&q->heap[l], &q->heap[m]))
			m = l;
		if (r < q->n && before(&q->heap[r], &q->heap[m]))
			m = r;
		if (m == i)
			break;
		swap(&q->heap[i], &q->heap[m]);
		i = m;
	}
}

int ldfi_ext_peek(struct ldfi_ext *q, const struct ldfi_gen *g, const int **vars, int *n,
		  bool *created)
{
	while (q->n && ldfi_gen_skip(g, q->heap[0].vars, q->heap[0].n))
		ldfi_ext_pop(q);
	if (!q->n)
		return 0;
	*vars = q->heap[0].vars;
	*n = q->heap[0].n;
	*created = q->heap[0].created;
	return 1;
}

long ldfi_ext_count(const struct ldfi_ext *q)
{
	return q->n;
}

static bool has(const int *x, int n, int v)
{
	for (int i = 0; i < n; i++)
		if (x[i] == v)
			return true;
	return false;
}

/* Whether the fault set x[0..n) cuts support s: one of its faults is in
 * x, or it is conditional and one fault it was seen under is not. */
static bool cuts(const struct ldfi_clause *s, const int *x, int n)
{
	for (int i = 0; i < s->n; i++)
		if (has(x, n, s->vars[i]))
			return true;
	for (int i = 0; i < s->n_neg; i++)
		if (!has(x, n, s->neg[i]))
			return true;
	return false;
}

bool ldfi_ext_held_because_of(const struct ldfi_outcome *o, const int *f, int nf)
{
	for (int i = 0; i < o->n_supports; i++)
		if (o->supports[i].n_neg == nf && nf > 0 &&
		    !memcmp(o->supports[i].neg, f, (size_t)nf * sizeof(int)))
			return true;
	return false;
}

/* Whether `o` never held but under faults: every support is conditional
 * (an output that faults created, e.g. an abort after a lost ack). */
static bool only_under_faults(const struct ldfi_outcome *o)
{
	for (int i = 0; i < o->n_supports; i++)
		if (o->supports[i].n_neg == 0)
			return false;
	return true;
}

/* x = f plus v, ascending. */
static void with(int *x, const int *f, int nf, int v)
{
	int j = 0;

	for (int i = 0; i < nf; i++) {
		if (j == i && f[i] > v)
			x[j++] = v;
		x[j++] = f[i];
	}
	if (j == nf)
		x[j] = v;
}

static int add_outcome(struct ldfi_ext *q, const struct ldfi_outcome *o, const struct ldfi_gen *g,
		       const int *f, int nf, int *x)
{
	const struct ldfi_clause *first = NULL;
	bool created = only_under_faults(o);
	int rc;

	for (int i = 0; i < o->n_supports && !first; i++)
		if (!cuts(&o->supports[i], f, nf))
			first = &o->supports[i];
	/* The one fault added must cut every support F leaves standing, the
	 * first among them through its faults. */
	for (int i = 0; first && i < first->n; i++) {
		bool all = true;

		with(x, f, nf, first->vars[i]);
		for (int j = 0; j < o->n_supports && all; j++)
			all = cuts(&o->supports[j], x, nf + 1);
		if (!all || !ldfi_gen_valid(g, x, nf + 1) || ldfi_gen_skip(g, x, nf + 1))
			continue;
		if ((rc = ldfi_setset_add(q->seen, x, nf + 1)) < 0)
			return rc;
		if (rc == 1 && (rc = push(q, x, nf + 1, created)))
			return rc;
	}
	return 0;
}

int ldfi_ext_add_run(struct ldfi_ext *q, const struct ldfi_lineage *lin, const struct ldfi_gen *g,
		     const int *f, int nf)
{
	int n_out = ldfi_lineage_n_outcomes(lin), rc = 0;
	int *x = malloc(((size_t)nf + 1) * sizeof(int));

	if (!x)
		return LDFI_ENOMEM;
	for (int i = 0; i < n_out && !rc; i++) {
		const struct ldfi_outcome *o = ldfi_lineage_outcome(lin, i);

		if (ldfi_ext_held_because_of(o, f, nf))
			rc = add_outcome(q, o, g, f, nf, x);
	}
	free(x);
	return rc;
}
