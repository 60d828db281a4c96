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
	double configs;	   /* of crashes and restarts (space_size without omissions) */
	int k;		   /* exhaustive: current size */
	int *idx;	   /* exhaustive: current combination (ranks), k entries */
	int *byrank;	   /* exhaustive: the variable of each rank; NULL: by variable */
	int *set;	   /* exhaustive by rank: idx's variables, ascending */
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

/* Node fault configurations with exactly k crashes and j restarts:
 * C(N,k) * C(N-k,j) * eot^k * rrounds^j (at most one per node). */
static double node_configs(const struct ldfi_gen *g, int k, int j)
{
	int n = g->conf->n_nodes;

	return choose(n, k) * choose(n - k, j) * pow(g->conf->eot, k) * pow(g->space.rrounds, j);
}

/* The most crashes and restarts a fault set has. */
static int max_crashes(const struct ldfi_gen *g)
{
	return g->conf->crashes < g->conf->n_nodes ? g->conf->crashes : g->conf->n_nodes;
}

static int max_restarts(const struct ldfi_gen *g, int k)
{
	int left = g->conf->n_nodes - k;

	return !g->space.n_restart ? 0 : g->conf->restarts < left ? g->conf->restarts : left;
}

/* The crash and restart configurations of the bounds (the fault sets
 * without their omissions). */
static double all_configs(const struct ldfi_gen *g)
{
	double configs = 0;

	for (int k = 0; k <= max_crashes(g); k++)
		for (int j = 0; j <= max_restarts(g, k); j++)
			configs += node_configs(g, k, j);
	return configs;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* The first `want` entries of g->tmp after entry `from`: distinct nodes
 * (partial Fisher-Yates), each with a uniform round in 1..rounds, as
 * variables of faults of `kind` into vars[*n...]. */
static void draw_nodes(struct gen_enum *g, int from, int want, enum ldfi_fault_kind kind,
		       int rounds, int *vars, int *n)
{
	int nodes = g->base.conf->n_nodes;

	for (int i = from; i < from + want; i++) {
		int j = i + (int)below(&g->rng, (uint64_t)(nodes - i)), t = g->tmp[i];
		struct ldfi_fault f = {kind, 0, -1, 0};

		g->tmp[i] = g->tmp[j];
		g->tmp[j] = t;
		f.a = g->tmp[i];
		f.t = 1 + (int)below(&g->rng, (uint64_t)rounds);
		vars[(*n)++] = ldfi_space_var(&g->base.space, &f);
	}
}

/* One uniform draw from the fault space: the numbers of crashes and
 * restarts weighted by their configurations, then their nodes and rounds,
 * then each omission with probability 1/2. */
static int draw(struct gen_enum *g, int *vars)
{
	const struct ldfi_space *sp = &g->base.space;
	double pick = (double)(splitmix64(&g->rng) >> 11) * 0x1.0p-53 * g->configs;
	int n = 0, k = 0, j = 0;

	while (pick >= node_configs(&g->base, k, j)) {
		pick -= node_configs(&g->base, k, j);
		if (j < max_restarts(&g->base, k)) {
			j++;
		} else if (k < max_crashes(&g->base)) {
			k++;
			j = 0;
		} else {
			break; /* rounding: the last configuration */
		}
	}
	for (int i = 0; i < g->base.conf->n_nodes; i++)
		g->tmp[i] = i;
	draw_nodes(g, 0, k, LDFI_FAULT_CRASH, g->base.conf->eot, vars, &n);
	draw_nodes(g, k, j, LDFI_FAULT_RESTART, sp->rrounds, vars, &n);
	for (int v = sp->n_crash + 1; v <= sp->n_crash + sp->n_omit; v++)
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

/* Next combination of g->k ranks in lexicographic order (the search's
 * order, ldfi_space_rank); false when the size is exhausted. */
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

/* The first combination after g->idx that keeps idx[0..i) and differs
 * from it at i or before, with idx[i] >= v; false when the size has none. */
static bool jump(struct gen_enum *g, int i, int v)
{
	int k = g->k, nv = g->base.space.n_vars;

	if (v + (k - 1 - i) <= nv) {
		for (int j = i; j < k; j++)
			g->idx[j] = v + (j - i);
		return true;
	}
	for (int j = i; j < k; j++) /* none fits: the next prefix */
		g->idx[j] = nv - (k - 1 - j);
	return next_combination(g);
}

/* Skip, from g->idx on, the combinations over the crash or restart budget
 * without visiting them: crashes are the first variables (and ranks),
 * restarts the last, so a combination with one crash too many has it at
 * position `crashes`, and every combination up to the one with the first
 * omission there is over it too; one with a restart too many has only
 * restarts from position k - restarts - 1 on, as every combination after
 * it with the same prefix. False when the size has no combination left.
 * (paxos-synod 8/3/1: 4.6e9 combinations of up to 13 of 36 variables, of
 * which about 10^5 are within one crash.) */
static bool within_budgets(struct gen_enum *g)
{
	const struct ldfi_space *sp = &g->base.space;
	int k = g->k, crashes = g->base.conf->crashes, restarts = g->base.conf->restarts;
	int first_restart = sp->n_crash + sp->n_omit + 1;

	for (;;) {
		if (sp->n_crash && crashes < k && g->idx[crashes] <= sp->n_crash) {
			if (!jump(g, crashes, sp->n_crash + 1))
				return false;
			continue;
		}
		if (sp->n_restart && restarts < k && g->idx[k - restarts - 1] >= first_restart) {
			if (!jump(g, k - restarts - 1, sp->n_vars + 1))
				return false;
			continue;
		}
		return true;
	}
}

/* The variables of the combination in g->idx, ascending: idx itself by
 * variable, else those of its ranks in g->set (insertion: a set is small,
 * and this runs once per combination of the space). */
static const int *combination_set(struct gen_enum *g)
{
	if (!g->byrank)
		return g->idx;
	for (int i = 0; i < g->k; i++) {
		int v = g->byrank[g->idx[i]], j = i;

		for (; j > 0 && g->set[j - 1] > v; j--)
			g->set[j] = g->set[j - 1];
		g->set[j] = v;
	}
	return g->set;
}

static int exhaustive_next(struct ldfi_gen *base, int *vars, int cap, int *n)
{
	struct gen_enum *g = (struct gen_enum *)base;
	const struct ldfi_conf *conf = base->conf;
	/* No valid set is larger than every omission plus one crash or
	 * restart per node within the budgets. */
	int node_faults = (base->space.n_crash ? conf->crashes : 0) +
			  (base->space.n_restart ? conf->restarts : 0);
	int kmax = base->space.n_omit + (node_faults < conf->n_nodes ? node_faults : conf->n_nodes);
	const int *set;
	long polls = 0;

	while (g->k <= kmax) {
		/* Between two combinations: stopping here loses none. */
		if (++polls % LDFI_GEN_POLL_EVERY == 0 && ldfi_gen_stopped(base))
			return LDFI_GEN_STOPPED;
		if (!next_combination(g) || !within_budgets(g)) {
			g->k++;
			g->started = false;
			continue;
		}
		set = combination_set(g);
		if (!ldfi_gen_valid(base, set, g->k))
			continue;
		if (ldfi_gen_skip(base, set, g->k)) {
			ldfi_gen_count_pruned(base, set, g->k);
			continue;
		}
		if (g->k > cap)
			return LDFI_ELIMIT;
		memcpy(vars, set, (size_t)g->k * sizeof(int));
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
	free(g->byrank);
	free(g->set);
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
				    uint64_t seed, bool all, bool ranked)
{
	struct gen_enum *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	if (ldfi_gen_base_init(&g->base, ops, conf, all))
		goto err;
	g->rng = seed;
	g->k = 1;
	g->configs = all_configs(&g->base);
	g->space_size = ldexp(g->configs, g->base.space.n_omit);
	g->idx = malloc(((size_t)g->base.space.n_vars + 1) * sizeof(int));
	g->byrank = ranked ? malloc(((size_t)g->base.space.n_vars + 1) * sizeof(int)) : NULL;
	g->set = ranked ? malloc(((size_t)g->base.space.n_vars + 1) * sizeof(int)) : NULL;
	g->tmp = malloc(((size_t)conf->n_nodes + 1) * sizeof(int));
	g->skipped = ldfi_setset_create();
	if (!g->idx || (ranked && (!g->byrank || !g->set)) || !g->tmp || !g->skipped)
		goto err;
	for (int v = 1; ranked && v <= g->base.space.n_vars; v++)
		g->byrank[g->base.rank[v]] = v;
	return &g->base;
err:
	enum_destroy(&g->base);
	return NULL;
}

struct ldfi_gen *ldfi_gen_random_create(const struct ldfi_conf *conf, uint64_t seed, bool all)
{
	return enum_create(conf, &random_ops, seed, all, false);
}

struct ldfi_gen *ldfi_gen_exhaustive_create(const struct ldfi_conf *conf, bool all)
{
	struct ldfi_gen *g = enum_create(conf, &exhaustive_ops, 0, all, true);

	if (g)
		g->minimal_cex = true; /* smallest first */
	return g;
}

struct ldfi_gen *ldfi_gen_completion_create(const struct ldfi_conf *conf)
{
	return enum_create(conf, &exhaustive_ops, 0, true, false);
}
