/*
 * test_space.c - the bounded fault space with restarts (lineage/lineage.h,
 * src/explore/strategy*.c): every variable maps to its fault and back,
 * restarts last; validity (budgets, at most one crash or restart per node)
 * against a rule written out here; the exhaustive strategy enumerates
 * exactly the valid sets, as many as the size formula says, and random
 * draws only valid ones; samerun never skips a restart; the search's order
 * of faults (ldfi_space_rank) against the rule written out here.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ldfi/conf.h"
#include "ldfi/ldfi.h"
#include "src/explore/samerun.h"
#include "src/explore/strategy.h"
#include "test.h"

static struct ldfi_conf *make(int nodes, int eot, int eff, int crashes, int restarts, int downtime)
{
	char text[1024], err[256];
	struct ldfi_conf *c = NULL;

	snprintf(text, sizeof(text),
		 "[explore]\neot = %d\neff = %d\ncrashes = %d\nrestarts = %d\ndowntime = %d\n"
		 "[source s]\nnode = a\nrecords = 1\nto = k\n"
		 "[sink k]\nnodes = %s\n[check d]\nkind = delivered\nsink = k\n",
		 eot, eff, crashes, restarts, downtime, nodes == 2 ? "b" : "b, c");
	if (ldfi_conf_parse("space.conf", text, strlen(text), &c, err, sizeof(err)))
		fprintf(stderr, "%s\n", err);
	CHECK(c != NULL);
	return c;
}

/* The rule, independently: budgets and one crash or restart per node. */
static bool valid(const struct ldfi_conf *c, const struct ldfi_space *sp, const int *v, int n)
{
	int crashes = 0, restarts = 0, node_faults[8] = {0};

	for (int i = 0; i < n; i++) {
		struct ldfi_fault f = ldfi_space_fault(sp, v[i]);

		if (f.kind == LDFI_FAULT_OMIT)
			continue;
		crashes += f.kind == LDFI_FAULT_CRASH;
		restarts += f.kind == LDFI_FAULT_RESTART;
		if (++node_faults[f.a] > 1)
			return false;
	}
	return crashes <= c->crashes && restarts <= c->restarts;
}

static double choose(int n, int k)
{
	double r = 1;

	for (int i = 1; i <= k; i++)
		r = r * (n - k + i) / i;
	return r;
}

/* Sum over k crashes and j restarts of C(N,k) C(N-k,j) eot^k rrounds^j,
 * times 2^omissions. */
static double formula(const struct ldfi_conf *c, const struct ldfi_space *sp)
{
	double total = 0;

	for (int k = 0; k <= c->crashes && k <= c->n_nodes; k++)
		for (int j = 0; j <= (sp->n_restart ? c->restarts : 0) && k + j <= c->n_nodes; j++)
			total += choose(c->n_nodes, k) * choose(c->n_nodes - k, j) *
				 pow(c->eot, k) * pow(sp->rrounds, j);
	return ldexp(total, sp->n_omit);
}

static void test_vars(struct ldfi_conf *c)
{
	struct ldfi_space sp;

	ldfi_space_init(&sp, c);
	CHECK(sp.n_restart == (c->restarts ? c->n_nodes * (c->eot - c->downtime) : 0));
	CHECK(sp.n_vars == sp.n_crash + sp.n_omit + sp.n_restart);
	for (int v = 1; v <= sp.n_vars; v++) {
		struct ldfi_fault f = ldfi_space_fault(&sp, v);

		CHECK(ldfi_space_var(&sp, &f) == v);
		CHECK((v > sp.n_crash + sp.n_omit) == (f.kind == LDFI_FAULT_RESTART));
		CHECK(ldfi_space_is_omit(&sp, v) == (f.kind == LDFI_FAULT_OMIT));
		if (f.kind == LDFI_FAULT_RESTART)
			CHECK(f.t >= 1 && f.t + c->downtime <= c->eot && f.b == -1);
	}
}

/* Exhaustive: every valid set once, smallest first; as many as the formula. */
static void test_exhaustive(struct ldfi_conf *c)
{
	struct ldfi_gen *g = ldfi_gen_exhaustive_create(c, false);
	int vars[64], prev[64], n, rc, last = 0;
	long count = 1; /* the fault-free run, which explore runs first */

	if (!g)
		return;
	CHECK(g->ops->pending(g) == (long)formula(c, &g->space));
	CHECK(g->ops->learn(g, NULL, vars, 0, true) == 0);
	while ((rc = g->ops->next(g, vars, 64, &n)) == 1) {
		CHECK(valid(c, &g->space, vars, n) && ldfi_gen_valid(g, vars, n));
		CHECK(n >= last);
		/* In the search's order, ascending by variable within a set. */
		CHECK(last == 0 || ldfi_gen_cmp_sets(g->rank, prev, last, vars, n) < 0);
		for (int i = 1; i < n; i++)
			CHECK(vars[i - 1] < vars[i]);
		memcpy(prev, vars, (size_t)n * sizeof(*vars));
		last = n;
		CHECK(g->ops->learn(g, NULL, vars, n, true) == 0);
		count++;
	}
	CHECK(rc == 0);
	CHECK(count == (long)formula(c, &g->space));
	ldfi_gen_destroy(g);
}

/* Whether fault x comes before fault y in the search's order, by the rule
 * of docs/lineage.md written out: crashes, omissions, restarts; crashes and
 * restarts latest round first, omissions earliest first; then by node. */
static bool before(struct ldfi_fault x, struct ldfi_fault y)
{
	if (x.kind != y.kind)
		return x.kind == LDFI_FAULT_CRASH ||
		       (x.kind == LDFI_FAULT_OMIT && y.kind == LDFI_FAULT_RESTART);
	if (x.t != y.t)
		return x.kind == LDFI_FAULT_OMIT ? x.t < y.t : x.t > y.t;
	return x.a != y.a ? x.a < y.a : x.b < y.b;
}

static void test_rank(struct ldfi_conf *c)
{
	struct ldfi_space sp;
	int *rank, *seen;

	ldfi_space_init(&sp, c);
	rank = calloc((size_t)sp.n_vars + 1, sizeof(*rank));
	seen = calloc((size_t)sp.n_vars + 1, sizeof(*seen));
	CHECK(rank && seen);
	if (!rank || !seen)
		goto out;
	ldfi_space_rank(&sp, rank);
	for (int v = 1; v <= sp.n_vars; v++) {
		CHECK(rank[v] >= 1 && rank[v] <= sp.n_vars && !seen[rank[v]]);
		if (rank[v] >= 1 && rank[v] <= sp.n_vars)
			seen[rank[v]] = 1;
		for (int u = 1; u <= sp.n_vars; u++)
			if (u != v)
				CHECK((rank[u] < rank[v]) ==
				      before(ldfi_space_fault(&sp, u), ldfi_space_fault(&sp, v)));
	}
out:
	free(rank);
	free(seen);
}

/* ldfi_gen_valid against the rule on every subset of a small space. */
static void test_valid(struct ldfi_conf *c)
{
	struct ldfi_gen *g = ldfi_gen_exhaustive_create(c, false);
	int vars[32];
	long ok = 0;

	if (!g || g->space.n_vars > 16) {
		ldfi_gen_destroy(g);
		return;
	}
	for (long mask = 0; mask < 1L << g->space.n_vars; mask++) {
		int n = 0;

		for (int v = 0; v < g->space.n_vars; v++)
			if (mask >> v & 1)
				vars[n++] = v + 1;
		CHECK(valid(c, &g->space, vars, n) == ldfi_gen_valid(g, vars, n));
		ok += valid(c, &g->space, vars, n);
	}
	CHECK(ok == (long)formula(c, &g->space));
	ldfi_gen_destroy(g);
}

static void test_random(struct ldfi_conf *c)
{
	struct ldfi_gen *g = ldfi_gen_random_create(c, 7, false);
	int vars[64], n;

	if (!g)
		return;
	CHECK(g->ops->learn(g, NULL, vars, 0, true) == 0);
	for (int i = 0; i < 100 && g->ops->next(g, vars, 64, &n) == 1; i++) {
		CHECK(valid(c, &g->space, vars, n));
		CHECK(g->ops->learn(g, NULL, vars, n, true) == 0);
	}
	ldfi_gen_destroy(g);
}

/* A restart acts even on a node that sends nothing: never skipped. */
static void test_samerun(struct ldfi_conf *c)
{
	struct ldfi_space sp;
	struct ldfi_samerun *sr;
	struct ldfi_setset *tried = ldfi_setset_create();
	struct ldfi_trace tr;
	struct ldfi_fault r = {LDFI_FAULT_RESTART, 1, -1, 1}, o = {LDFI_FAULT_OMIT, 0, 1, 1};
	int none[1], one[2], two[2];

	ldfi_space_init(&sp, c);
	sr = ldfi_samerun_create(&sp);
	memset(&tr, 0, sizeof(tr));
	if (!sr || !tried || !sp.n_restart || !sp.n_omit)
		goto out;
	CHECK(ldfi_setset_add(tried, none, 0) == 1);
	CHECK(ldfi_samerun_add(sr, 0, &tr) == 0); /* a run that sent nothing */
	one[0] = ldfi_space_var(&sp, &r);
	CHECK(!ldfi_samerun_same(sr, tried, one, 1));
	one[0] = ldfi_space_var(&sp, &o);
	CHECK(ldfi_samerun_same(sr, tried, one, 1)); /* the omission is */
	/* {omission, restart}: the omission of an unused channel still is. */
	CHECK(ldfi_setset_add(tried, (int[]){ldfi_space_var(&sp, &r)}, 1) == 1);
	CHECK(ldfi_samerun_add(sr, 1, &tr) == 0);
	two[0] = ldfi_space_var(&sp, &o);
	two[1] = ldfi_space_var(&sp, &r);
	CHECK(ldfi_samerun_same(sr, tried, two, 2));
out:
	ldfi_samerun_destroy(sr);
	ldfi_setset_destroy(tried);
}

int main(void)
{
	static const int bounds[][6] = {
	    {2, 3, 2, 1, 1, 1}, {2, 4, 2, 0, 1, 2}, {3, 4, 2, 1, 2, 1}, {3, 4, 2, 2, 1, 3},
	    {3, 4, 0, 0, 3, 1}, {2, 3, 2, 2, 2, 1}, {3, 4, 2, 1, 0, 1},
	};

	for (size_t i = 0; i < sizeof(bounds) / sizeof(bounds[0]); i++) {
		const int *b = bounds[i];
		struct ldfi_conf *c = make(b[0], b[1], b[2], b[3], b[4], b[5]);

		if (!c)
			continue;
		test_vars(c);
		test_rank(c);
		test_exhaustive(c);
		test_valid(c);
		test_random(c);
		test_samerun(c);
		ldfi_conf_destroy(c);
	}
	return test_done();
}
