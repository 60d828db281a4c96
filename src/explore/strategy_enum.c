/*
 * strategy_enum.c - the baselines: `random` draws fault sets uniformly from
 * the bounded fault space (seeded, without repetition) and `exhaustive`
 * runs every fault set of the space, smallest first. Both stop with "none
 * left" only when the whole space has been run.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ldfi/ldfi.h"
#include "src/explore/strategy.h"

struct gen_enum {
	struct ldfi_gen base;
	uint64_t rng;
	double space_size; /* number of fault sets in the bounds */
	int k;		   /* exhaustive: current size */
	int *idx;	   /* exhaustive: current combination (variables), k entries */
	bool started;
	int *tmp;
	struct ldfi_setset *skipped; /* random: untried sets not worth running */
};

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [0, n). */
static uint64_t below(uint64_t *s, uint64_t n)
{
	uint64_t limit = UINT64_MAX - UINT64_MAX % n, x;

	do
		x = splitmix64(s);
	while (x >= limit);
	return x % n;
}

static double choose(int n, int k)
{
	double c = 1;

	for (int i = 1; i <= k; i++)
		c = c * (n - k + i) / i;
	return c;
}

/* Crash configurations with exactly k crashes: C(N,k) * eot^k. */
static double crash_configs(const struct ldfi_conf *conf, int k)
{
	return choose(conf->n_nodes, k) * pow(conf->eot, k);
}

static double space_size(const struct ldfi_gen *g)
{
	double crashes = 0;

	for (int k = 0; k <= g->conf->crashes && k <= g->conf->n_nodes; k++)
		crashes += crash_configs(g->conf, k);
	return ldexp(crashes, g->space.n_omit);
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* One uniform draw from the fault space. */
static int draw(struct gen_enum *g, int *vars)
{
	const struct ldfi_conf *conf = g->base.conf;
	const struct ldfi_space *sp = &g->base.space;
	double total = 0, pick;
	int n = 0, k = 0;

	for (int i = 0; i <= conf->crashes && i <= conf->n_nodes; i++)
		total += crash_configs(conf, i);
	pick = (double)(splitmix64(&g->rng) >> 11) * 0x1.0p-53 * total;
	while (k < conf->crashes && k < conf->n_nodes && pick >= crash_configs(conf, k)) {
		pick -= crash_configs(conf, k);
		k++;
	}
	/* k distinct nodes (partial Fisher-Yates), each with a uniform round. */
	for (int i = 0; i < conf->n_nodes; i++)
		g->tmp[i] = i;
	for (int i = 0; i < k; i++) {
		int j = i + (int)below(&g->rng, (uint64_t)(conf->n_nodes - i)), t = g->tmp[i];
		struct ldfi_fault f = {LDFI_FAULT_CRASH, 0, -1, 0};

		g->tmp[i] = g->tmp[j];
		g->tmp[j] = t;
		f.a = g->tmp[i];
		f.t = 1 + (int)below(&g->rng, (uint64_t)conf->eot);
		vars[n++] = ldfi_space_var(sp, &f);
	}
	for (int v = sp->n_crash + 1; v <= sp->n_vars; v++)
		if (splitmix64(&g->rng) >> 63)
			vars[n++] = v;
	qsort(vars, (size_t)n, sizeof(int), cmp_int);
	return n;
}

static int random_next(struct ldfi_gen *base, int *vars, int cap, int *n)
{
	struct gen_enum *g = (struct gen_enum *)base;

	long polls = 0;

	if (cap < base->space.n_vars)
		return LDFI_ELIMIT;
	for (;;) {
		int rc;

		if (++polls % LDFI_GEN_POLL_EVERY == 0 && ldfi_gen_stopped(base))
			return LDFI_GEN_STOPPED;
		if ((double)(ldfi_setset_count(base->tried) + ldfi_setset_count(g->skipped)) >=
		    g->space_size)
			return 0;
		*n = draw(g, vars);
		if (!ldfi_gen_skip(base, vars, *n))
			return 1;
		if (ldfi_setset_has(base->tried, vars, *n))
			continue;
		/* A superset of a counterexample (--all): count it once. */
		if ((rc = ldfi_setset_add(g->skipped, vars, *n)) < 0)
			return rc;
		base->pruned += rc;
	}
}

/* Next combination of g->k variables in lexicographic order; false when the
 * size is exhausted. */
static bool next_combination(struct gen_enum *g)
{
	int k = g->k, nv = g->base.space.n_vars;

	if (!g->started) {
		for (int i = 0; i < k; i++)
			g->idx[i] = i + 1;
		g->started = true;
		return k <= nv;
	}
	for (int i = k - 1; i >= 0; i--) {
		if (g->idx[i] < nv - (k - 1 - i)) {
			g->idx[i]++;
			for (int j = i + 1; j < k; j++)
				g->idx[j] = g->idx[j - 1] + 1;
			return true;
		}
	}
	return false;
}

static int exhaustive_next(struct ldfi_gen *base, int *vars, int cap, int *n)
{
	struct gen_enum *g = (struct gen_enum *)base;
	const struct ldfi_conf *conf = base->conf;
	/* No valid set is larger than every omission plus the crash budget. */
	int kmax =
	    base->space.n_omit +
	    (base->space.n_crash ? (conf->crashes < conf->n_nodes ? conf->crashes : conf->n_nodes)
				 : 0);

	long polls = 0;

	while (g->k <= kmax) {
		/* Between two combinations: stopping here loses none. */
		if (++polls % LDFI_GEN_POLL_EVERY == 0 && ldfi_gen_stopped(base))
			return LDFI_GEN_STOPPED;
		if (!next_combination(g)) {
			g->k++;
			g->started = false;
			continue;
		}
		if (!ldfi_gen_valid(base, g->idx, g->k))
			continue;
		if (ldfi_gen_skip(base, g->idx, g->k)) {
			ldfi_gen_count_pruned(base, g->idx, g->k);
			continue;
		}
		if (g->k > cap)
			return LDFI_ELIMIT;
		memcpy(vars, g->idx, (size_t)g->k * sizeof(int));
		*n = g->k;
		return 1;
	}
	return 0;
}

static int enum_learn(struct ldfi_gen *base, const struct ldfi_trace *tr, const int *vars, int n,
		      bool passed)
{
	(void)tr;
	return ldfi_gen_base_learn(base, vars, n, passed);
}

/* The fault sets of the bounds not run yet: exact up to LDFI_PENDING_MAX,
 * -1 beyond (a double counts them no longer one by one). */
static long random_pending(const struct ldfi_gen *base)
{
	const struct gen_enum *g = (const struct gen_enum *)base;
	double left = g->space_size - (double)ldfi_setset_count(base->tried);

	return left > (double)LDFI_PENDING_MAX ? -1 : (long)left;
}

static void enum_destroy(struct ldfi_gen *base)
{
	struct gen_enum *g = (struct gen_enum *)base;

	free(g->idx);
	free(g->tmp);
	ldfi_setset_destroy(g->skipped);
	ldfi_gen_base_finish(base);
	free(g);
}

static const struct ldfi_gen_ops random_ops = {
    .next = random_next,
    .learn = enum_learn,
    .pending = random_pending,
    .destroy = enum_destroy,
};

static const struct ldfi_gen_ops exhaustive_ops = {
    .next = exhaustive_next,
    .learn = enum_learn,
    .pending = random_pending,
    .destroy = enum_destroy,
};

static struct ldfi_gen *enum_create(const struct ldfi_conf *conf, const struct ldfi_gen_ops *ops,
				    uint64_t seed, bool all)
{
	struct gen_enum *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	if (ldfi_gen_base_init(&g->base, ops, conf, all))
		goto err;
	g->rng = seed;
	g->k = 1;
	g->space_size = space_size(&g->base);
	g->idx = malloc(((size_t)g->base.space.n_vars + 1) * sizeof(int));
	g->tmp = malloc(((size_t)conf->n_nodes + 1) * sizeof(int));
	g->skipped = ldfi_setset_create();
	if (!g->idx || !g->tmp || !g->skipped)
		goto err;
	return &g->base;
err:
	enum_destroy(&g->base);
	return NULL;
}

struct ldfi_gen *ldfi_gen_random_create(const struct ldfi_conf *conf, uint64_t seed, bool all)
{
	return enum_create(conf, &random_ops, seed, all);
}

struct ldfi_gen *ldfi_gen_exhaustive_create(const struct ldfi_conf *conf, bool all)
{
	struct ldfi_gen *g = enum_create(conf, &exhaustive_ops, 0, all);

	if (g)
		g->minimal_cex = true; /* smallest first */
	return g;
}
