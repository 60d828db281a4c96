/*
 * hitset.c - minimal hitting sets, smallest first then lexicographic, on
 * PicoSAT: one clause per support, one binary clause per conditional
 * support between its interned parts, a totalizer over the relevant
 * variables bounded by assumption level by level, blocking clauses; solver
 * variables only for the faults that occur, the instance built on first
 * use. The lexicographically first set of a level comes from a search over
 * the variables (solver/lexsearch.h), or past its budget from probe clauses.
 * See solver/hitset.h for the contract and docs/solver.md for the encoding.
 */
#include "model/util.h"
#include "solver/hitset.h"
#include "solver/lexsearch.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <picosat/picosat.h>

#include "ldfi/ldfi.h"

/*
 * A sequential counter (Sinz 2005) over the inputs x[0..m). Cell s(i,j), for
 * 1 <= j <= i <= m, stands for "at least j of x[0..i) are true"; cells with
 * j > i would be constantly false and do not exist. Column j (cells i = j..m)
 * is the block of solver variables base[j] .. base[j] + m - j. Columns are
 * added on demand with the clauses for "count >= j implies s(i,j)", enough
 * for upper bounds. Used for the hard at-most constraints.
 */
struct counter {
	int m;
	const int *x; /* not owned */
	int ncols;
	int *base; /* base[1..ncols], room for m + 1 entries */
};

/*
 * A totalizer (Bailleux & Boufkhad 2003) over the positions, for the level
 * bound: a balanced binary tree whose node over a range of positions has
 * outputs o_1..o_c, o_k implied by "at least k of the range are true" (the
 * upper direction: all an upper bound needs, and unit propagation enforces
 * it). Column k (an o_k at every node over at least k positions) is added
 * when the level reaches k - 1, so the tree has at most m ceil(log2 m)
 * outputs whatever the level, where a sequential counter has m per level:
 * the solver's size no longer follows the size of the sets enumerated
 * (docs/solver.md, docs/performance.md).
 */
struct tnode {
	int left, right; /* children, or -1 (a leaf: out[0] is its position's variable) */
	int size;	 /* positions covered */
	int *out;	 /* out[k - 1] = o_k, for k = 1..min(size, cols) */
};

struct totalizer {
	struct tnode *node; /* children before their parent; the root last */
	int n;
	int *outs; /* the nodes' out arrays */
	int cols;
};

/*
 * Interned sets of variables: the positive parts and the conditions of the
 * conditional supports. One outcome's supports repeat both a lot (a few
 * derivations, each seen under the faults of many runs), so each distinct
 * set is stored and encoded once, with an auxiliary solver variable, and a
 * conditional support costs one binary clause (docs/solver.md).
 */
struct pool {
	int *lits; /* set i is lits[end[i-1] .. end[i]), ascending, distinct */
	size_t nlits, lits_cap;
	size_t *end;
	size_t end_cap;
	int *aux; /* set i's solver variable */
	size_t n, aux_cap;
	uint32_t *slot; /* open addressing: set index + 1, or 0 (empty) */
	size_t nslot;	/* a power of two above 2 n */
};

struct ldfi_hitset {
	PicoSAT *ps;
	int n_vars;
	int max_size;

	/* Supports, flattened: support s is lits[end[s-1] .. end[s]). */
	int *lits;
	size_t nlits, lits_cap;
	size_t *end;
	size_t nsup, sup_cap;

	int lex;	     /* refine each model to the lexicographically first set */
	int started;	     /* next() was called: the encoding is frozen */
	int done;	     /* enumeration over */
	int err;	     /* sticky error of a failed next() */
	int (*stop)(void *); /* interrupt callback, or NULL */
	void *stop_arg;
	int level; /* size of the sets being enumerated */

	int m;		     /* number of relevant variables (positive in some support) */
	int *rel;	     /* the relevant variables, by rank; "positions" index it */
	const int *rank;     /* ldfi_hitset_set_order's, borrowed; NULL: ascending */
	int *srel;	     /* their solver variables (svar), per position */
	unsigned char *relv; /* per fault variable: relevant (after start) */
	/* Per fault variable 1..n_vars: its solver variable, 0 until it
	 * occurs in a clause. Faults that occur nowhere cost the solver
	 * nothing (it decides every variable it has), where a lineage formula
	 * names a few dozen of several hundred faults. */
	int *svar;
	/* Blocks given before the first next(), encoded there: those with a
	 * variable that is in no support are left out (that variable is false
	 * in every model, so the clause holds). Block i is
	 * bk_lits[bk_end[i-1] .. bk_end[i]). */
	int *bk_lits;
	size_t bk_nlits, bk_lits_cap;
	size_t *bk_end;
	size_t n_bk, bk_end_cap;
	struct totalizer tot; /* over rel */

	unsigned char *model; /* last SAT model, per position */
	int *fix;	      /* positions fixed to true so far, ascending */
	int *set;	      /* the result, by position (ascending after shrink) */
	int nset;
	int pending; /* set[0..nset) computed but not yet handed out */

	/* Conditional supports "some of pos, or not all of neg": pos interned
	 * in dpool, neg in fpool; support c is the pair pair[2c], pair[2c+1].
	 * Their solver encoding: d -> OR(pos), AND(neg) -> a, and (d or -a). */
	struct pool dpool, fpool;
	uint32_t *pair;
	size_t ncond, pair_cap;
	int *scratch;	      /* 2 (n_vars + 1): a support's parts, sorted */
	unsigned char *dhit;  /* per dpool set, scratch of conditionals_hold */
	unsigned char *ffull; /* per fpool set, likewise */

	/* The at-most constraints, encoded at the first next() over their
	 * relevant variables only: constraint i is "at most am_k[i] of
	 * am_lits[am_end[i-1] .. am_end[i])" (distinct, ascending). */
	int *am_lits;
	size_t am_nlits, am_lits_cap;
	size_t *am_end;
	int *am_k;
	size_t n_am, am_end_cap, am_k_cap;

	/* The lexicographic search without SAT calls (solver/lexsearch.h),
	 * over positions, built by start(); SAT probes only past its node
	 * budget. posv maps a fault variable to its position, or -1. */
	struct ldfi_lexsearch *lx;
	int *posv;
	long lx_budget;

	unsigned char *mark; /* per variable 1..n_vars, scratch, kept all zero */
	int *hits;	     /* per support, scratch */
	unsigned n_solves;   /* SAT answers, for picosat_remove_learned */
};

/* Adds the clause (a or b or c); zero literals are left out. */
static void clause(PicoSAT *ps, int a, int b, int c)
{
	if (a)
		picosat_add(ps, a);
	if (b)
		picosat_add(ps, b);
	if (c)
		picosat_add(ps, c);
	picosat_add(ps, 0);
}

/* Reserves count fresh solver variables, consecutive; *first is the first
 * of them. PicoSAT hands them out (picosat_inc_max_var), since its context
 * variables (picosat_push, the lexicographic probes) share the numbering. */
static int new_vars(struct ldfi_hitset *h, int count, int *first)
{
	if (count > INT_MAX - 1 - picosat_variables(h->ps))
		return LDFI_ELIMIT;
	*first = picosat_variables(h->ps) + 1;
	for (int i = 0; i < count; i++)
		if (picosat_inc_max_var(h->ps) != *first + i)
			return LDFI_ESOLVER;
	return 0;
}

static int counter_init(struct counter *c, const int *x, int m)
{
	c->m = m;
	c->x = x;
	c->ncols = 0;
	c->base = malloc(((size_t)m + 1) * sizeof(*c->base));
	return c->base ? 0 : LDFI_ENOMEM;
}

static void counter_free(struct counter *c)
{
	free(c->base);
	c->base = NULL;
}

static int cell(const struct counter *c, int i, int j)
{
	return c->base[j] + (i - j);
}

/* Adds columns until there are cols of them (cols <= m). */
static int counter_extend(struct ldfi_hitset *h, struct counter *c, int cols)
{
	while (c->ncols < cols) {
		int j = c->ncols + 1;
		int err = new_vars(h, c->m - j + 1, &c->base[j]);

		if (err)
			return err;
		for (int i = j; i <= c->m; i++) {
			int s = cell(c, i, j);
			int x = c->x[i - 1];
			int a = i - 1 >= j ? cell(c, i - 1, j) : 0; /* 0: false */
			int b = j > 1 ? cell(c, i - 1, j - 1) : 0;  /* 0: true */

			/* s <= a or (x and b) */
			if (a)
				clause(h->ps, -a, s, 0);
			clause(h->ps, -x, b ? -b : 0, s);
		}
		c->ncols = j;
	}
	return 0;
}

/* Builds the tree over x[lo..hi) into t (room for 2 (hi - lo) - 1 nodes and
 * their outputs); returns the index of its root. */
static int tot_build(struct totalizer *t, const int *x, int lo, int hi, int **outs)
{
	struct tnode nd = {-1, -1, hi - lo, *outs};

	*outs += hi - lo;
	if (hi - lo == 1) {
		nd.out[0] = x[lo];
	} else {
		nd.left = tot_build(t, x, lo, lo + (hi - lo) / 2, outs);
		nd.right = tot_build(t, x, lo + (hi - lo) / 2, hi, outs);
	}
	t->node[t->n] = nd;
	return t->n++;
}

/* A totalizer over x[0..m) with no column yet. Returns 0 or LDFI_ENOMEM. */
static int tot_init(struct totalizer *t, const int *x, int m)
{
	size_t room = 0;
	int *outs;

	memset(t, 0, sizeof(*t));
	if (m == 0)
		return 0;
	/* Every level of the tree covers each position once. */
	for (int w = m;; w = (w + 1) / 2) {
		room += (size_t)m;
		if (w == 1)
			break;
	}
	t->node = malloc((2 * (size_t)m - 1) * sizeof(*t->node));
	t->outs = outs = malloc(room * sizeof(*t->outs));
	if (!t->node || !t->outs) {
		free(t->node);
		free(t->outs);
		t->node = NULL;
		t->outs = NULL;
		return LDFI_ENOMEM;
	}
	tot_build(t, x, 0, m, &outs); /* a leaf's o_1 is its position */
	return 0;
}

static void tot_free(struct totalizer *t)
{
	free(t->node);
	free(t->outs);
	memset(t, 0, sizeof(*t));
}

/* o_k of the root (k <= its size, column k built). */
static int tot_out(const struct totalizer *t, int k)
{
	return t->node[t->n - 1].out[k - 1];
}

/* Adds columns until there are cols of them (cols <= m): at each inner node
 * over at least k positions, o_k with "i of the left and k - i of the right
 * imply o_k" for every split. Children come first, so theirs exist. */
static int tot_extend(struct ldfi_hitset *h, struct totalizer *t, int cols)
{
	for (; t->cols < cols; t->cols++) {
		int k = t->cols + 1;

		for (int n = 0; n < t->n; n++) {
			struct tnode *nd = &t->node[n];
			const struct tnode *l, *r;
			int v, err, i;

			if (nd->left < 0 || nd->size < k)
				continue;
			if ((err = new_vars(h, 1, &v)))
				return err;
			nd->out[k - 1] = v;
			l = &t->node[nd->left];
			r = &t->node[nd->right];
			for (i = k - r->size > 0 ? k - r->size : 0; i <= l->size && i <= k; i++)
				clause(h->ps, i ? -l->out[i - 1] : 0,
				       k - i ? -r->out[k - i - 1] : 0, v);
		}
	}
	return 0;
}

static void pool_finish(struct pool *p)
{
	free(p->lits);
	free(p->end);
	free(p->aux);
	free(p->slot);
}

static bool pool_same(const struct pool *p, size_t i, const int *v, int k)
{
	size_t from = i ? p->end[i - 1] : 0;

	return p->end[i] - from == (size_t)k &&
	       (k == 0 || !memcmp(p->lits + from, v, (size_t)k * sizeof(*v)));
}

/* The slot of set v[0..k) in p's table: where it is, or the empty slot
 * where it goes. */
static size_t pool_slot(const struct pool *p, const int *v, int k)
{
	size_t mask = p->nslot - 1, i = ldfi_hash_ints(v, (size_t)k) & mask;

	while (p->slot[i] && !pool_same(p, p->slot[i] - 1, v, k))
		i = (i + 1) & mask;
	return i;
}

/* Makes room in p for one more set of k variables, so that pool_add
 * cannot fail. Returns 0 or LDFI_ENOMEM (p unchanged but for capacity). */
static int pool_reserve(struct pool *p, int k)
{
	if (ldfi_grow(&p->lits, &p->lits_cap, p->nlits + (size_t)k, sizeof(*p->lits), 64) ||
	    ldfi_grow(&p->end, &p->end_cap, p->n + 1, sizeof(*p->end), 16) ||
	    ldfi_grow(&p->aux, &p->aux_cap, p->n + 1, sizeof(*p->aux), 16))
		return LDFI_ENOMEM;
	if (2 * (p->n + 1) >= p->nslot) {
		struct pool grown = *p;

		grown.nslot = p->nslot ? 2 * p->nslot : 32;
		if (!(grown.slot = calloc(grown.nslot, sizeof(*grown.slot))))
			return LDFI_ENOMEM;
		for (size_t i = 0; i < p->n; i++) {
			size_t from = i ? p->end[i - 1] : 0;
			int k_i = (int)(p->end[i] - from);

			grown.slot[pool_slot(&grown, p->lits + from, k_i)] = (uint32_t)i + 1;
		}
		free(p->slot);
		p->slot = grown.slot;
		p->nslot = grown.nslot;
	}
	return 0;
}

/* The index of set v[0..k) (ascending, distinct) in p, added with solver
 * variable `aux` if new (*added set). Needs pool_reserve(p, k) first. */
static size_t pool_add(struct pool *p, const int *v, int k, int aux, bool *added)
{
	size_t i = pool_slot(p, v, k);

	*added = !p->slot[i];
	if (!*added)
		return p->slot[i] - 1;
	if (k)
		memcpy(p->lits + p->nlits, v, (size_t)k * sizeof(*v));
	p->nlits += (size_t)k;
	p->end[p->n] = p->nlits;
	p->aux[p->n] = aux;
	p->slot[i] = (uint32_t)++p->n;
	return p->n - 1;
}

struct ldfi_hitset *ldfi_hitset_create(int n_vars, int max_size)
{
	struct ldfi_hitset *h;

	if (n_vars < 0 || max_size < 0)
		return NULL;
	h = calloc(1, sizeof(*h));
	if (!h)
		goto err_h;
	h->mark = calloc((size_t)n_vars + 1, 1);
	if (!h->mark)
		goto err_mark;
	h->svar = calloc((size_t)n_vars + 1, sizeof(*h->svar));
	if (!h->svar)
		goto err_svar;
	h->scratch = malloc(2 * ((size_t)n_vars + 1) * sizeof(*h->scratch));
	if (!h->scratch)
		goto err_scratch;
	h->n_vars = n_vars;
	h->max_size = max_size;
	h->lex = 1;
	h->lx_budget = LDFI_HITSET_SEARCH_BUDGET;
	return h;

err_scratch:
	free(h->svar);
err_svar:
	free(h->mark);
err_mark:
	free(h);
err_h:
	return NULL;
}

void ldfi_hitset_destroy(struct ldfi_hitset *h)
{
	if (!h)
		return;
	if (h->ps)
		picosat_reset(h->ps);
	tot_free(&h->tot);
	free(h->lits);
	free(h->end);
	pool_finish(&h->dpool);
	pool_finish(&h->fpool);
	free(h->pair);
	free(h->scratch);
	free(h->dhit);
	free(h->ffull);
	free(h->rel);
	free(h->model);
	free(h->fix);
	free(h->set);
	free(h->svar);
	free(h->srel);
	free(h->relv);
	free(h->bk_lits);
	free(h->bk_end);
	free(h->am_lits);
	free(h->am_end);
	free(h->am_k);
	free(h->mark);
	free(h->hits);
	ldfi_lexsearch_destroy(h->lx);
	free(h->posv);
	free(h);
}

/* Common argument checks of add_support, add_atmost and block. */
static int check_vars(const struct ldfi_hitset *h, const int *vars, int n)
{
	if (!h || n < 0 || (n > 0 && !vars))
		return LDFI_EINVAL;
	for (int i = 0; i < n; i++)
		if (vars[i] < 1 || vars[i] > h->n_vars)
			return LDFI_EINVAL;
	return 0;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/*
 * Copies the distinct variables of vars[0..n) to out (room for n), ascending
 * when sort is set, in first-occurrence order otherwise; returns how many.
 */
static int distinct(struct ldfi_hitset *h, const int *vars, int n, int *out, int sort)
{
	int k = 1;

	/* Strictly ascending already (the lineage's lists are): a copy. */
	while (k < n && vars[k - 1] < vars[k])
		k++;
	if (k >= n) {
		if (n > 0)
			memcpy(out, vars, (size_t)n * sizeof(*out));
		return n;
	}
	k = 0;
	for (int i = 0; i < n; i++) {
		if (h->mark[vars[i]])
			continue;
		h->mark[vars[i]] = 1;
		out[k++] = vars[i];
	}
	for (int i = 0; i < k; i++)
		h->mark[out[i]] = 0;
	if (sort)
		qsort(out, (size_t)k, sizeof(*out), cmp_int);
	return k;
}

/* The solver variable of fault variable v, made when v first occurs. */
static int lit(struct ldfi_hitset *h, int v)
{
	if (!h->svar[v])
		h->svar[v] = picosat_inc_max_var(h->ps);
	return h->svar[v];
}

int ldfi_hitset_add_conditional(struct ldfi_hitset *h, const int *vars, int n, const int *neg,
				int n_neg)
{
	int err = check_vars(h, vars, n), k, kn, d, f;
	int *pos, *cond;
	bool added;

	if (err || (err = check_vars(h, neg, n_neg)))
		return err;
	if (n_neg == 0)
		return ldfi_hitset_add_support(h, vars, n);
	if (h->started)
		return LDFI_EINVAL;
	pos = h->scratch;
	cond = h->scratch + h->n_vars + 1;
	k = distinct(h, vars, n, pos, 1);
	kn = distinct(h, neg, n_neg, cond, 1);
	if ((err = pool_reserve(&h->dpool, k)) || (err = pool_reserve(&h->fpool, kn)))
		return err;
	if (ldfi_grow(&h->pair, &h->pair_cap, 2 * (h->ncond + 1), sizeof(*h->pair), 32))
		return LDFI_ENOMEM;
	d = (int)pool_add(&h->dpool, pos, k, 0, &added);
	f = (int)pool_add(&h->fpool, cond, kn, 0, &added);
	h->pair[2 * h->ncond] = (uint32_t)d;
	h->pair[2 * h->ncond + 1] = (uint32_t)f;
	h->ncond++;
	return 0;
}

int ldfi_hitset_add_support(struct ldfi_hitset *h, const int *vars, int n)
{
	int err = check_vars(h, vars, n);
	int k;

	if (err)
		return err;
	if (h->started)
		return LDFI_EINVAL;
	if (ldfi_grow(&h->lits, &h->lits_cap, h->nlits + (size_t)n, sizeof(*h->lits), 64) ||
	    ldfi_grow(&h->end, &h->sup_cap, h->nsup + 1, sizeof(*h->end), 16))
		return LDFI_ENOMEM;
	k = distinct(h, vars, n, h->lits + h->nlits, 0);
	if (k == 0)
		h->done = 1;
	h->nlits += (size_t)k;
	h->end[h->nsup++] = h->nlits;
	return 0;
}

int ldfi_hitset_add_atmost(struct ldfi_hitset *h, const int *vars, int n, int k)
{
	int m, err = check_vars(h, vars, n);

	if (err)
		return err;
	if (h->started || k < 0)
		return LDFI_EINVAL;
	if (k >= n)
		return 0;
	/* Kept, and encoded at the first next() over the variables that can
	 * be in a set at all (start()). */
	if (ldfi_grow(&h->am_lits, &h->am_lits_cap, h->am_nlits + (size_t)n, sizeof(*h->am_lits),
		      64) ||
	    ldfi_grow(&h->am_end, &h->am_end_cap, h->n_am + 1, sizeof(*h->am_end), 8) ||
	    ldfi_grow(&h->am_k, &h->am_k_cap, h->n_am + 1, sizeof(*h->am_k), 8))
		return LDFI_ENOMEM;
	m = distinct(h, vars, n, h->am_lits + h->am_nlits, 1);
	if (k >= m)
		return 0;
	h->am_nlits += (size_t)m;
	h->am_end[h->n_am] = h->am_nlits;
	h->am_k[h->n_am++] = k;
	return 0;
}

/*
 * Encodes "at most k of x[0..m)" (distinct): unit clauses when k is 0,
 * otherwise a forward-only sequential counter with k columns and "x[i] and
 * k among the ones before is one too many". Returns 0, LDFI_ENOMEM or
 * LDFI_ELIMIT.
 */
static int encode_atmost(struct ldfi_hitset *h, const int *x, int m, int k)
{
	struct counter c;
	int err;

	if (k >= m)
		return 0;
	if (k == 0) {
		for (int i = 0; i < m; i++)
			clause(h->ps, -x[i], 0, 0);
		return 0;
	}
	if ((err = counter_init(&c, x, m)))
		return err;
	err = counter_extend(h, &c, k);
	for (int i = k + 1; !err && i <= m; i++)
		clause(h->ps, -x[i - 1], -cell(&c, i - 1, k), 0);
	counter_free(&c);
	return err;
}

/*
 * The at-most constraints over the relevant variables (relv):
 * every other variable is fixed false, so counting it changes nothing, and
 * leaving it out saves most of the counters' cells and clauses (a crash
 * budget over every node and round, of which one outcome's supports name
 * a few). Returns 0, LDFI_ENOMEM or LDFI_ELIMIT.
 */
static int encode_atmosts(struct ldfi_hitset *h)
{
	int *x = h->scratch, err = 0;

	for (size_t i = 0, from = 0; !err && i < h->n_am; from = h->am_end[i], i++) {
		int m = 0;

		for (size_t j = from; j < h->am_end[i]; j++)
			if (h->relv[h->am_lits[j]])
				x[m++] = h->svar[h->am_lits[j]];
		err = encode_atmost(h, x, m, h->am_k[i]);
	}
	return err;
}

/* The positions of variables v[0..k) into out; how many, or -1 when one of
 * them is in no support (false in every model). */
static int to_pos(const struct ldfi_hitset *h, const int *v, int k, int *out)
{
	for (int i = 0; i < k; i++)
		if ((out[i] = h->posv[v[i]]) < 0)
			return -1;
	return k;
}

/* The variables of set i of pool p. */
static const int *pool_set(const struct pool *p, size_t i, int *k)
{
	size_t from = i ? p->end[i - 1] : 0;

	*k = (int)(p->end[i] - from);
	return p->lits + from;
}

/* Keeps block d[0..k) (distinct fault variables) for the solver's clauses,
 * made on its first use (build()). 0 or LDFI_ENOMEM. */
static int queue_block(struct ldfi_hitset *h, const int *d, int k)
{
	if (ldfi_grow(&h->bk_lits, &h->bk_lits_cap, h->bk_nlits + (size_t)k, sizeof(*h->bk_lits),
		      64) ||
	    ldfi_grow(&h->bk_end, &h->bk_end_cap, h->n_bk + 1, sizeof(*h->bk_end), 16))
		return LDFI_ENOMEM;
	memcpy(h->bk_lits + h->bk_nlits, d, (size_t)k * sizeof(*d));
	h->bk_nlits += (size_t)k;
	h->bk_end[h->n_bk++] = h->bk_nlits;
	return 0;
}

/* The search's copy of block d[0..k), unless a variable of it is in no
 * support (false in every model: the block holds). 0 or LDFI_ENOMEM. */
static int search_block(struct ldfi_hitset *h, const int *d, int k)
{
	int n = h->lx ? to_pos(h, d, k, h->scratch) : -1;

	return n < 0 ? 0 : ldfi_lexsearch_add_block(h->lx, h->scratch, n);
}

/* The solver's clause of block d[0..k), unless a variable of it is in no
 * support. */
static void block_clause(struct ldfi_hitset *h, const int *d, int k)
{
	for (int i = 0; i < k; i++)
		if (!h->relv[d[i]])
			return;
	for (int i = 0; i < k; i++)
		picosat_add(h->ps, -h->svar[d[i]]);
	picosat_add(h->ps, 0);
}

/* Block d[0..k) (distinct fault variables) after start(): the search's
 * copy, and the solver's clause or, until the solver is built, its place
 * in the queue. Returns 0 or LDFI_ENOMEM, after which the two may
 * disagree: the caller makes the error sticky. */
static int add_block(struct ldfi_hitset *h, const int *d, int k)
{
	int err = search_block(h, d, k);

	if (err || !h->ps)
		return err ? err : queue_block(h, d, k);
	block_clause(h, d, k);
	return 0;
}

/* Whether the pending set contains every variable of vars[0..n). */
static int pending_contains(struct ldfi_hitset *h, const int *vars, int n)
{
	int all = 1;

	for (int i = 0; i < h->nset; i++)
		h->mark[h->set[i]] = 1;
	for (int i = 0; i < n && all; i++)
		all = h->mark[vars[i]];
	for (int i = 0; i < h->nset; i++)
		h->mark[h->set[i]] = 0;
	return all;
}

int ldfi_hitset_block(struct ldfi_hitset *h, const int *vars, int n)
{
	int *d;
	int k, err = check_vars(h, vars, n);

	if (err)
		return err;
	if (h->err)
		return h->err;
	if (h->pending && pending_contains(h, vars, n))
		h->pending = 0;
	if (h->done)
		return 0;
	if (n == 0) {
		h->done = 1;
		return 0;
	}
	d = malloc((size_t)n * sizeof(*d));
	if (!d)
		return LDFI_ENOMEM;
	k = distinct(h, vars, n, d, 0);
	/* Before start(), kept for it: it knows which variables matter. */
	err = h->started ? add_block(h, d, k) : queue_block(h, d, k);
	free(d);
	if (err && h->started)
		h->err = err;
	return err;
}

/* Puts the relevant variables (rel) in ascending rank, so that the
 * lexicographic order of position lists is the order by rank. A bucket
 * per rank (a permutation of 1..n_vars) in the scratch array. */
static void by_rank(struct ldfi_hitset *h)
{
	int *slot = h->scratch, k = 0;

	memset(slot, 0, ((size_t)h->n_vars + 1) * sizeof(*slot));
	for (int q = 0; q < h->m; q++)
		slot[h->rank[h->rel[q]]] = h->rel[q];
	for (int r = 1; r <= h->n_vars; r++)
		if (slot[r])
			h->rel[k++] = slot[r];
}

/* The conditional supports into the search, by parts: each distinct part
 * once; a conditional whose condition names a variable in no support
 * holds (that variable is false in every model) and is left out. Returns
 * 0 or LDFI_ENOMEM. */
static int search_conditionals(struct ldfi_hitset *h)
{
	struct pool *dp = &h->dpool, *fp = &h->fpool;
	int *pos = h->scratch, *ids = malloc((dp->n + fp->n + 1) * sizeof(*ids)), err = 0;

	if (!ids)
		return LDFI_ENOMEM;
	for (size_t i = 0; !err && i < dp->n; i++) {
		int k;
		const int *v = pool_set(dp, i, &k);

		if ((ids[i] = ldfi_lexsearch_part(h->lx, pos, to_pos(h, v, k, pos))) < 0)
			err = ids[i];
	}
	for (size_t i = 0; !err && i < fp->n; i++) {
		int k, n;
		const int *v = pool_set(fp, i, &k);

		ids[dp->n + i] =
		    (n = to_pos(h, v, k, pos)) < 0 ? -1 : ldfi_lexsearch_condition(h->lx, pos, n);
		if (n >= 0 && ids[dp->n + i] < 0)
			err = ids[dp->n + i];
	}
	for (size_t c = 0; !err && c < h->ncond; c++) {
		int f = ids[dp->n + h->pair[2 * c + 1]];

		if (f >= 0)
			err = ldfi_lexsearch_add_pair(h->lx, ids[h->pair[2 * c]], f);
	}
	free(ids);
	return err;
}

/*
 * Builds the lexicographic search over the positions, after by_rank: the
 * supports, the conditional supports whose condition can hold, and the
 * at-most constraints over the relevant variables; blocks join as they
 * come (add_block). The same constraints as the clauses, so the same
 * lexicographically first set. Returns 0 or LDFI_ENOMEM.
 */
static int search_init(struct ldfi_hitset *h)
{
	int *pos = h->scratch, err = 0;

	h->posv = malloc(((size_t)h->n_vars + 1) * sizeof(*h->posv));
	h->lx = ldfi_lexsearch_create(h->m);
	if (!h->posv || !h->lx)
		return LDFI_ENOMEM;
	for (int v = 0; v <= h->n_vars; v++)
		h->posv[v] = -1;
	for (int q = 0; q < h->m; q++)
		h->posv[h->rel[q]] = q;
	for (size_t i = 0, from = 0; !err && i < h->nsup; from = h->end[i], i++)
		err = ldfi_lexsearch_add_support(
		    h->lx, pos, to_pos(h, h->lits + from, (int)(h->end[i] - from), pos));
	if (!err)
		err = search_conditionals(h);
	for (size_t i = 0, from = 0; !err && i < h->n_am; from = h->am_end[i], i++) {
		int n = 0;

		for (size_t j = from; j < h->am_end[i]; j++)
			if (h->posv[h->am_lits[j]] >= 0)
				pos[n++] = h->posv[h->am_lits[j]];
		err = ldfi_lexsearch_add_atmost(h->lx, pos, n, h->am_k[i]);
	}
	return err;
}

/* First use of next(): fixes the relevant variables, their positions and
 * the search over them. The SAT solver waits for its first use (build()):
 * with the search, most enumerators never make a SAT call. */
static int start(struct ldfi_hitset *h)
{
	size_t nsup = h->nsup ? h->nsup : 1;
	int err = 0;

	for (size_t i = 0; i < h->nlits; i++)
		h->mark[h->lits[i]] = 1;
	for (size_t i = 0; i < h->dpool.nlits; i++)
		h->mark[h->dpool.lits[i]] = 1;
	for (int v = 1; v <= h->n_vars; v++)
		h->m += h->mark[v];
	h->rel = malloc(((size_t)h->m + 1) * sizeof(*h->rel));
	h->srel = malloc(((size_t)h->m + 1) * sizeof(*h->srel));
	h->relv = malloc((size_t)h->n_vars + 1);
	h->model = calloc((size_t)h->m + 1, 1);
	h->fix = malloc(((size_t)h->m + 1) * sizeof(*h->fix));
	h->set = malloc(((size_t)h->m + 1) * sizeof(*h->set));
	h->hits = malloc(nsup * sizeof(*h->hits));
	h->dhit = malloc(h->dpool.n + 1);
	h->ffull = malloc(h->fpool.n + 1);
	if (!h->rel || !h->srel || !h->relv || !h->model || !h->fix || !h->set || !h->hits ||
	    !h->dhit || !h->ffull) {
		memset(h->mark, 0, (size_t)h->n_vars + 1);
		return LDFI_ENOMEM;
	}
	memcpy(h->relv, h->mark, (size_t)h->n_vars + 1);
	h->m = 0;
	for (int v = 1; v <= h->n_vars; v++) {
		if (h->mark[v])
			h->rel[h->m++] = v;
		h->mark[v] = 0;
	}
	if (h->rank)
		by_rank(h);
	if (h->lex && (err = search_init(h)))
		return err;
	for (size_t i = 0, from = 0; !err && i < h->n_bk; from = h->bk_end[i], i++)
		err = search_block(h, h->bk_lits + from, (int)(h->bk_end[i] - from));
	if (err)
		return err;
	h->started = 1;
	return 0;
}

/*
 * The SAT solver, on first use: the fault variables' solver variables in
 * the order supports and parts name them, the support clauses, the parts
 * of the conditional supports (interned: "d -> some of the part", "all of
 * the condition -> a") and their binary clauses, the variables that are in
 * no support fixed false, the at-most counters, the blocks so far, and the
 * totalizer over the positions. Returns 0, LDFI_ENOMEM or LDFI_ELIMIT.
 */
static int build(struct ldfi_hitset *h)
{
	struct pool *dp = &h->dpool, *fp = &h->fpool;
	int err;

	if ((size_t)h->n_vars + dp->n + fp->n > INT_MAX - 3)
		return LDFI_ELIMIT;
	if (!(h->ps = picosat_init()))
		return LDFI_ENOMEM;
	picosat_set_seed(h->ps, 0);
	/* No preprocessing: failed-literal probing sorts every variable
	 * (scores in software floating point) on each fresh instance, and
	 * ours are small and short-lived; the answers are unchanged, since the
	 * lexicographically first model is unique (docs/solver.md). */
	picosat_set_plain(h->ps, 1);
	if (h->stop)
		picosat_set_interrupt(h->ps, h->stop_arg, h->stop);
	for (size_t s = 0, from = 0; s < h->nsup; from = h->end[s], s++) {
		for (size_t i = from; i < h->end[s]; i++)
			picosat_add(h->ps, lit(h, h->lits[i]));
		if (h->end[s] > from)
			picosat_add(h->ps, 0);
	}
	for (int sign = 1; sign >= -1; sign -= 2) {
		struct pool *p = sign > 0 ? dp : fp;

		for (size_t i = 0, from = 0; i < p->n; from = p->end[i], i++) {
			p->aux[i] = picosat_inc_max_var(h->ps);
			for (size_t j = from; j < p->end[i]; j++)
				picosat_add(h->ps, sign * lit(h, p->lits[j]));
			picosat_add(h->ps, -sign * p->aux[i]);
			picosat_add(h->ps, 0);
		}
	}
	for (size_t c = 0; c < h->ncond; c++)
		clause(h->ps, dp->aux[h->pair[2 * c]], -fp->aux[h->pair[2 * c + 1]], 0);
	for (int v = 1; v <= h->n_vars; v++)
		if (!h->relv[v] && h->svar[v]) /* only negated somewhere: in no minimal set */
			clause(h->ps, -h->svar[v], 0, 0);
	for (int q = 0; q < h->m; q++)
		h->srel[q] = h->svar[h->rel[q]];
	if ((err = encode_atmosts(h)))
		return err;
	for (size_t i = 0, from = 0; i < h->n_bk; from = h->bk_end[i], i++)
		block_clause(h, h->bk_lits + from, (int)(h->bk_end[i] - from));
	h->n_bk = h->bk_nlits = 0;
	return tot_init(&h->tot, h->srel, h->m);
}

/* The totalizer column that bounds the current level, 0 when no bound. */
static int bound_col(const struct ldfi_hitset *h)
{
	return h->level < h->m ? h->level + 1 : 0;
}

/*
 * One SAT call under the assumptions: the level bound; positions [0, p)
 * fixed (those in fix[0..nf) true, the others false); when probe_i > 0,
 * "a true position in [p, probe_i)", a clause in a context of its own that
 * is dropped after the call (PicoSAT recycles its variable).
 * Returns PICOSAT_SATISFIABLE (model[] updated), PICOSAT_UNSATISFIABLE,
 * LDFI_HITSET_STOPPED (the interrupt callback fired) or LDFI_ESOLVER.
 */
static int solve(struct ldfi_hitset *h, int nf, int p, int probe_i)
{
	int col = bound_col(h), f = 0, r;

	if (probe_i > 0) {
		picosat_push(h->ps);
		for (int q = p; q < probe_i; q++)
			picosat_add(h->ps, h->srel[q]);
		picosat_add(h->ps, 0);
	}
	if (col)
		picosat_assume(h->ps, -tot_out(&h->tot, col));
	for (int q = 0; q < p; q++) {
		if (f < nf && h->fix[f] == q) {
			picosat_assume(h->ps, h->srel[q]);
			f++;
		} else {
			picosat_assume(h->ps, -h->srel[q]);
		}
	}
	r = picosat_sat(h->ps, -1);
	if (r == PICOSAT_SATISFIABLE) {
		for (int q = 0; q < h->m; q++)
			h->model[q] = picosat_deref(h->ps, h->srel[q]) > 0;
		/* Learned clauses pile up over a long enumeration; they are
		 * implied, so dropping most now and then changes no answer
		 * (the lexicographic first model is unique) and keeps memory
		 * down (docs/performance.md, memory). PicoSAT wants this in
		 * its SAT state, before the pop. */
		if (++h->n_solves % 64 == 0)
			picosat_remove_learned(h->ps, 75);
	}
	if (probe_i > 0)
		picosat_pop(h->ps);
	if (r == PICOSAT_SATISFIABLE)
		return r;
	if (r == PICOSAT_UNKNOWN && h->stop)
		return LDFI_HITSET_STOPPED;
	return r == PICOSAT_UNSATISFIABLE ? r : LDFI_ESOLVER;
}

static int first_true(const struct ldfi_hitset *h, int p)
{
	while (p < h->m && !h->model[p])
		p++;
	return p;
}

/*
 * Turns the current model into the lexicographically first set (by ascending
 * position list) among the models: element by element, search for the
 * smallest position hi such that some model has a true position in [p, hi],
 * the prefix before p being fixed. The search first tries hi - 1 (the
 * solver's model is often right already), then bisects. Leaves the positions
 * in fix[0..*nf). Returns 0, LDFI_HITSET_STOPPED or a negative code.
 */
static int lexfirst(struct ldfi_hitset *h, int *nf_out)
{
	int nf = 0, p = 0;

	for (;;) {
		int hi = first_true(h, p), lo = p - 1, probe_first = 1;

		if (hi == h->m)
			break;
		/* "true in [p, hi]" holds (the model), "true in [p, lo]" cannot. */
		while (hi - lo > 1) {
			int mid = probe_first ? hi - 1 : lo + (hi - lo) / 2;
			int r = solve(h, nf, p, mid + 1);

			probe_first = 0;
			if (r < 0 || r == LDFI_HITSET_STOPPED)
				return r;
			if (r == PICOSAT_UNSATISFIABLE) {
				lo = mid;
				continue;
			}
			hi = first_true(h, p);
			if (hi > mid)
				return LDFI_ESOLVER;
		}
		h->fix[nf++] = hi;
		p = hi + 1;
	}
	*nf_out = nf;
	return 0;
}

/* Whether the marked set satisfies every conditional support. */
static int conditionals_hold(const struct ldfi_hitset *h)
{
	const struct pool *dp = &h->dpool, *fp = &h->fpool;

	for (size_t i = 0, from = 0; i < dp->n; from = dp->end[i], i++) {
		h->dhit[i] = 0;
		for (size_t j = from; j < dp->end[i] && !h->dhit[i]; j++)
			h->dhit[i] = h->mark[dp->lits[j]];
	}
	for (size_t i = 0, from = 0; i < fp->n; from = fp->end[i], i++) {
		h->ffull[i] = 1;
		for (size_t j = from; j < fp->end[i] && h->ffull[i]; j++)
			h->ffull[i] = h->mark[fp->lits[j]];
	}
	for (size_t c = 0; c < h->ncond; c++)
		if (!h->dhit[h->pair[2 * c]] && h->ffull[h->pair[2 * c + 1]])
			return 0;
	return 1;
}

/*
 * Checks that set[0..nset) hits every support and drops, greediest last
 * first, every variable whose supports are all hit by another one. With the
 * level invariant (docs/solver.md) nothing is ever dropped; this only guards
 * against a broken invariant.
 */
static int shrink(struct ldfi_hitset *h)
{
	size_t s, i, from = 0;
	int k = 0;

	for (int e = 0; e < h->nset; e++)
		h->mark[h->set[e]] = 1;
	for (s = 0; s < h->nsup; s++) {
		h->hits[s] = 0;
		for (i = from; i < h->end[s]; i++)
			h->hits[s] += h->mark[h->lits[i]];
		from = h->end[s];
		if (!h->hits[s])
			break;
	}
	if (s < h->nsup || !conditionals_hold(h)) {
		for (int e = 0; e < h->nset; e++)
			h->mark[h->set[e]] = 0;
		return LDFI_ESOLVER;
	}
	/* With conditional supports, dropping a variable can break one; the
	 * level invariant guarantees nothing is droppable anyway. */
	if (h->ncond) {
		for (int e = 0; e < h->nset; e++)
			h->mark[h->set[e]] = 0;
		return 0;
	}
	for (int e = h->nset - 1; e >= 0; e--) {
		int v = h->set[e], needed = 0;

		for (s = 0, from = 0; s < h->nsup && !needed; from = h->end[s], s++)
			for (i = from; i < h->end[s]; i++)
				if (h->lits[i] == v) {
					needed = h->hits[s] == 1;
					break;
				}
		if (needed)
			continue;
		h->mark[v] = 0;
		for (s = 0, from = 0; s < h->nsup; from = h->end[s], s++)
			for (i = from; i < h->end[s]; i++)
				if (h->lits[i] == v)
					h->hits[s]--;
	}
	for (int e = 0; e < h->nset; e++) {
		if (h->mark[h->set[e]])
			h->set[k++] = h->set[e];
		h->mark[h->set[e]] = 0;
	}
	h->nset = k;
	return 0;
}

/* Hands the pending set out if it fits. */
static int deliver(struct ldfi_hitset *h, int *out, int cap, int *n_out)
{
	*n_out = h->nset;
	if (h->nset > cap)
		return LDFI_ELIMIT;
	if (h->nset)
		memcpy(out, h->set, (size_t)h->nset * sizeof(*out));
	h->pending = 0;
	return 1;
}

/*
 * Makes the positions fix[0..nf) the pending set: checked, ascending by
 * variable, blocked. Returns 1 or a negative code.
 */
static int finish_set(struct ldfi_hitset *h, int nf)
{
	int r;

	for (int e = 0; e < nf; e++)
		h->set[e] = h->rel[h->fix[e]];
	h->nset = nf;
	r = shrink(h);
	if (r)
		return r;
	if (h->rank)
		qsort(h->set, (size_t)h->nset, sizeof(*h->set), cmp_int);
	if (h->nset == 0)
		h->done = 1;
	else if ((r = add_block(h, h->set, h->nset)))
		return r;
	h->pending = 1;
	return 1;
}

/*
 * The lexicographic search at the current level, without SAT calls:
 * returns 1 with the set's positions in fix[0..*nf), 0 when no set of the
 * level's size is allowed, LDFI_ELIMIT when over its node budget (the SAT
 * probes take over), LDFI_HITSET_STOPPED (the interrupt callback fired, as
 * it would in PicoSAT) or LDFI_ENOMEM.
 */
static int search(struct ldfi_hitset *h, int *nf)
{
	if (!h->lx || !h->lex || h->lx_budget <= 0)
		return LDFI_ELIMIT;
	if (h->stop && h->stop(h->stop_arg))
		return LDFI_HITSET_STOPPED;
	return ldfi_lexsearch_first(h->lx, h->level, h->lx_budget, h->fix, nf);
}

/*
 * Computes the next set into set[0..nset) and blocks it. Returns 1, 0 when
 * there is none, LDFI_HITSET_STOPPED or a negative code.
 */
static int compute(struct ldfi_hitset *h)
{
	for (;;) {
		int col, r, nf = 0, found;

		if (h->done)
			return 0;
		if (h->max_size > 0 && h->level > h->max_size) {
			h->done = 1;
			return 0;
		}
		found = search(h, &nf);
		if ((found < 0 && found != LDFI_ELIMIT) || found == LDFI_HITSET_STOPPED)
			return found;
		if (found == 1)
			return finish_set(h, nf);
		if (!h->ps && (r = build(h)))
			return r;
		col = bound_col(h);
		r = tot_extend(h, &h->tot, col);
		if (r)
			return r;
		r = solve(h, 0, 0, 0);
		if (r < 0 || r == LDFI_HITSET_STOPPED)
			return r;
		if (r == PICOSAT_UNSATISFIABLE) {
			/* Without the bound in the failed assumptions, larger sets fail too. */
			if (!col || !picosat_failed_assumption(h->ps, -tot_out(&h->tot, col)))
				h->done = 1;
			else
				h->level++;
			continue;
		}
		if (found == 0)
			return LDFI_ESOLVER; /* the search and the clauses disagree */
		if (h->lex) {
			r = lexfirst(h, &nf);
			if (r)
				return r;
		} else {
			for (int q = 0; q < h->m; q++)
				if (h->model[q])
					h->fix[nf++] = q;
		}
		return finish_set(h, nf);
	}
}

int ldfi_hitset_next(struct ldfi_hitset *h, int *out, int cap, int *n_out)
{
	int r;

	if (!h || !n_out || cap < 0 || (cap > 0 && !out))
		return LDFI_EINVAL;
	if (h->err)
		return h->err;
	if (!h->pending) {
		if (!h->started) {
			r = start(h);
			if (r)
				goto err;
		}
		r = compute(h);
		if (r == LDFI_HITSET_STOPPED)
			return r;
		if (r < 0)
			goto err;
		if (r == 0) {
			*n_out = 0;
			return 0;
		}
	}
	return deliver(h, out, cap, n_out);

err:
	/* Out of solver variable ids: not the caller's buffer, not retryable. */
	if (r == LDFI_ELIMIT)
		r = LDFI_ESOLVER;
	h->err = r;
	return r;
}

int ldfi_hitset_start_at(struct ldfi_hitset *h, int size)
{
	if (!h || size < 0 || h->started)
		return LDFI_EINVAL;
	h->level = size;
	return 0;
}

int ldfi_hitset_set_order(struct ldfi_hitset *h, const int *rank)
{
	if (!h || h->started)
		return LDFI_EINVAL;
	h->rank = rank;
	return 0;
}

void ldfi_hitset_set_lex(struct ldfi_hitset *h, int on)
{
	if (h)
		h->lex = on != 0;
}

int ldfi_hitset_set_search_budget(struct ldfi_hitset *h, long budget)
{
	if (!h || budget < 0 || h->started)
		return LDFI_EINVAL;
	h->lx_budget = budget;
	return 0;
}

void ldfi_hitset_set_interrupt(struct ldfi_hitset *h, int (*stop)(void *arg), void *arg)
{
	if (!h)
		return;
	h->stop = stop;
	h->stop_arg = arg;
	if (h->ps)
		picosat_set_interrupt(h->ps, arg, stop);
}
