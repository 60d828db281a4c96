/*
 * strategy.h - where the next fault set comes from. The three strategies
 * (ldfi, random, exhaustive) share the explore loop through this interface.
 * Fault sets are handled as ascending arrays of fault-space variables
 * (lineage.h: struct ldfi_space).
 */
#ifndef LDFI_SRC_EXPLORE_STRATEGY_H
#define LDFI_SRC_EXPLORE_STRATEGY_H

#include <stdbool.h>
#include <stdint.h>

#include "ldfi/conf.h"
#include "ldfi/trace.h"
#include "lineage/lineage.h"
#include "src/explore/shard.h"

struct ldfi_pool;

/* A set of fault sets (each an ascending variable array), for "tried". */
struct ldfi_setset;
struct ldfi_setset *ldfi_setset_create(void);
void ldfi_setset_destroy(struct ldfi_setset *s);
/* Returns 1 if added, 0 if present, LDFI_ENOMEM. */
int ldfi_setset_add(struct ldfi_setset *s, const int *vars, int n);
bool ldfi_setset_has(const struct ldfi_setset *s, const int *vars, int n);
/* Sets are numbered 0, 1, ... in the order they were added: the number of
 * vars[0..n), or -1 if absent. */
long ldfi_setset_find(const struct ldfi_setset *s, const int *vars, int n);
/* Writes set number i to out[0..cap) and returns its size; LDFI_ELIMIT if it
 * has more than cap variables, LDFI_EINVAL if there is no set i. */
int ldfi_setset_get(const struct ldfi_setset *s, long i, int *out, int cap);
long ldfi_setset_count(const struct ldfi_setset *s);

struct ldfi_gen;

struct ldfi_gen_ops {
	/* Next fault set not tried yet: 1 and the set in vars/n, 0 when none is
	 * left, LDFI_GEN_STOPPED when the stop callback fired (call again to go
	 * on), or a negative LDFI_E* code. `cap` >= space.n_vars. */
	int (*next)(struct ldfi_gen *g, int *vars, int cap, int *n);
	/* A run of `vars` (or the fault-free run, n == 0) finished, with trace
	 * `tr` (only read; NULL for a passing run of a strategy that does not
	 * learn from traces, on resume). Returns 0 or LDFI_E*. */
	int (*learn)(struct ldfi_gen *g, const struct ldfi_trace *tr, const int *vars, int n,
		     bool passed);
	/* Hypotheses known but not run yet: for ldfi, those queued (at least
	 * that many are left); for random and exhaustive, the fault sets of the
	 * bounds not run yet, -1 when over LDFI_PENDING_MAX. */
	long (*pending)(const struct ldfi_gen *g);
	/* Call fn on each hypothesis queued to run next (ascending variables);
	 * NULL for strategies that keep no queue. Stops at fn's first non-zero
	 * return and returns it. */
	int (*each_pending)(const struct ldfi_gen *g, int (*fn)(const int *vars, int n, void *arg),
			    void *arg);
	void (*destroy)(struct ldfi_gen *g);
};

#define LDFI_GEN_STOPPED 2

/* Most pending fault sets counted one by one (10^15). */
#define LDFI_PENDING_MAX 1000000000000000L

/* Candidates a strategy may skip (tried, a counterexample's superset, the
 * same run as one tried) between two polls of its stop callback. */
#define LDFI_GEN_POLL_EVERY 256

struct ldfi_gen {
	const struct ldfi_gen_ops *ops;
	/* Polled during long searches: non-zero stops next() (budgets, signals).
	 * With a pool it is called from several threads at once, so it may
	 * only read. */
	int (*stop)(void *arg);
	void *stop_arg;
	/* The threads next() may use (--jobs > 1; borrowed, src/explore/pool.h),
	 * set before the first next(); NULL: the caller's thread alone. The
	 * candidates are the same for any number. */
	struct ldfi_pool *pool;
	/* --shard: the part of the space to explore (borrowed), NULL for all
	 * of it. Set once the fault-free run is known, before the first
	 * next(); sets outside it are skipped. */
	const struct ldfi_shard *shard;
	const struct ldfi_conf *conf;
	struct ldfi_space space;
	struct ldfi_setset *tried; /* owned */
	long pruned;		   /* candidates skipped without being run (a superset of a
				    * counterexample, the same run as one tried): never a tried set
				    * but those counted in `settled` */
	long settled; /* sets in `tried` that were not run: strategy ldfi's candidates that run
		       * exactly as a passing run it learned (pruned too) */
	bool all;		   /* --all: keep going after a counterexample */
	/* learn() reads the traces of passing runs (on resume they are read
	 * back from the database for it). */
	bool learns_from_traces;
	/* Its counterexamples are minimal by construction (smallest first,
	 * or lineage over checks that faults can only break by losing
	 * records); otherwise explore shrinks them. */
	bool minimal_cex;
	/* The order of fault sets of one size (ldfi_space_rank): rank[v] is
	 * variable v's place, 1..n_vars (owned). Strategies propose sets of
	 * one size in this order; explore reports the first counterexample
	 * in it (ldfi_gen_cmp_sets). */
	int *rank;
	int **cex; /* counterexample sets, to skip their supersets */
	int *cex_n;
	int n_cex;
};

/* Constructors; NULL on ENOMEM. `all` as in --all. */
struct ldfi_gen *ldfi_gen_ldfi_create(const struct ldfi_conf *conf, bool all);
struct ldfi_gen *ldfi_gen_random_create(const struct ldfi_conf *conf, uint64_t seed, bool all);
struct ldfi_gen *ldfi_gen_exhaustive_create(const struct ldfi_conf *conf, bool all);
/* Exhaustive with --all, smallest first but within a size by variable, not
 * in the search's order: strategy ldfi's completion, which needs every set
 * of a size, in any order, and runs through millions of them (an order
 * by rank cost paxos-synod 8/3/1 9x its time). */
struct ldfi_gen *ldfi_gen_completion_create(const struct ldfi_conf *conf);
void ldfi_gen_destroy(struct ldfi_gen *g); /* NULL-safe */

/* Shared by the strategies. */
int ldfi_gen_base_init(struct ldfi_gen *g, const struct ldfi_gen_ops *ops,
		       const struct ldfi_conf *conf, bool all);
void ldfi_gen_base_finish(struct ldfi_gen *g);
/* Note a finished run: mark tried, remember counterexamples. */
int ldfi_gen_base_learn(struct ldfi_gen *g, const int *vars, int n, bool passed);
/* A candidate skipped without being run: counted in g->pruned unless it was
 * tried (then it is not pruned, it ran), so that the figure does not depend
 * on how often a strategy proposes a set again, e.g. after a resume. */
void ldfi_gen_count_pruned(struct ldfi_gen *g, const int *vars, int n);
/* Whether g's stop callback fires now (budgets, signals). */
bool ldfi_gen_stopped(const struct ldfi_gen *g);
/* Whether a candidate must be skipped (tried, a counterexample's superset,
 * or outside the shard). */
bool ldfi_gen_skip(const struct ldfi_gen *g, const int *vars, int n);
/* The search's order of fault sets (variable arrays, any order): fewer
 * faults first, then lexicographic by their ranks, ascending (`rank` from
 * ldfi_space_rank). <0, 0 or >0. */
int ldfi_gen_cmp_sets(const int *rank, const int *a, int na, const int *b, int nb);
/* Whether `vars` is a valid fault set of the bounds (crash and restart
 * budgets, at most one crash or restart per node). */
bool ldfi_gen_valid(const struct ldfi_gen *g, const int *vars, int n);

#endif
