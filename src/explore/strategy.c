/* strategy.c - what the strategies share: tried sets, counterexamples,
 * validity of a fault set within the bounds. */
#include <stdlib.h>
#include <string.h>

#include "ldfi/ldfi.h"
#include "src/explore/strategy.h"

int ldfi_gen_base_init(struct ldfi_gen *g, const struct ldfi_gen_ops *ops,
		       const struct ldfi_conf *conf, bool all)
{
	g->ops = ops;
	g->conf = conf;
	g->all = all;
	ldfi_space_init(&g->space, conf);
	g->tried = ldfi_setset_create();
	g->rank = malloc(((size_t)g->space.n_vars + 1) * sizeof(*g->rank));
	if (!g->tried || !g->rank)
		return LDFI_ENOMEM;
	ldfi_space_rank(&g->space, g->rank);
	return 0;
}

void ldfi_gen_base_finish(struct ldfi_gen *g)
{
	ldfi_setset_destroy(g->tried);
	for (int i = 0; i < g->n_cex; i++)
		free(g->cex[i]);
	free(g->cex);
	free(g->cex_n);
	free(g->rank);
}

void ldfi_gen_destroy(struct ldfi_gen *g)
{
	if (g)
		g->ops->destroy(g);
}

int ldfi_gen_base_learn(struct ldfi_gen *g, const int *vars, int n, bool passed)
{
	int **cex;
	int *cex_n, *copy;

	if (ldfi_setset_add(g->tried, vars, n) < 0)
		return LDFI_ENOMEM;
	if (passed)
		return 0;
	cex = realloc(g->cex, ((size_t)g->n_cex + 1) * sizeof(*cex));
	if (!cex)
		return LDFI_ENOMEM;
	g->cex = cex;
	cex_n = realloc(g->cex_n, ((size_t)g->n_cex + 1) * sizeof(*cex_n));
	if (!cex_n)
		return LDFI_ENOMEM;
	g->cex_n = cex_n;
	copy = malloc(((size_t)n + 1) * sizeof(int));
	if (!copy)
		return LDFI_ENOMEM;
	if (n)
		memcpy(copy, vars, (size_t)n * sizeof(int));
	g->cex[g->n_cex] = copy;
	g->cex_n[g->n_cex++] = n;
	return 0;
}

bool ldfi_gen_skip(const struct ldfi_gen *g, const int *vars, int n)
{
	if (ldfi_setset_has(g->tried, vars, n))
		return true;
	if (g->shard && !ldfi_shard_has(g->shard, vars, n))
		return true;
	for (int i = 0; i < g->n_cex; i++)
		if (ldfi_vars_subset(g->cex[i], g->cex_n[i], vars, n))
			return true;
	return false;
}

bool ldfi_gen_valid(const struct ldfi_gen *g, const int *vars, int n)
{
	const struct ldfi_space *sp = &g->space;
	int crashes = 0, restarts = 0;

	for (int i = 0; i < n; i++) {
		int node;

		if (ldfi_space_is_omit(sp, vars[i]))
			continue;
		if (vars[i] <= sp->n_crash ? ++crashes > g->conf->crashes
					   : ++restarts > g->conf->restarts)
			return false;
		/* At most one crash or restart per node (not adjacent in the
		 * variable order when one of each). */
		node = ldfi_space_node(sp, vars[i]);
		for (int j = 0; j < i; j++)
			if (!ldfi_space_is_omit(sp, vars[j]) &&
			    ldfi_space_node(sp, vars[j]) == node)
				return false;
	}
	return true;
}

bool ldfi_gen_stopped(const struct ldfi_gen *g)
{
	return g->stop && g->stop(g->stop_arg);
}

void ldfi_gen_count_pruned(struct ldfi_gen *g, const int *vars, int n)
{
	g->pruned += !ldfi_setset_has(g->tried, vars, n);
}

/* The smallest rank in vars[0..n) above `above`. */
static int next_rank(const int *rank, const int *vars, int n, int above)
{
	int r = -1;

	for (int i = 0; i < n; i++)
		if (rank[vars[i]] > above && (r < 0 || rank[vars[i]] < r))
			r = rank[vars[i]];
	return r;
}

int ldfi_gen_cmp_sets(const int *rank, const int *a, int na, const int *b, int nb)
{
	int ra = 0, rb = 0;

	if (na != nb)
		return na < nb ? -1 : 1;
	/* Sets are small: the i-th rank of each by selection. */
	for (int i = 0; i < na; i++) {
		ra = next_rank(rank, a, na, ra);
		rb = next_rank(rank, b, nb, rb);
		if (ra != rb)
			return ra < rb ? -1 : 1;
	}
	return 0;
}
