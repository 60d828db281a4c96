/*
 * hitset.h - minimal hitting sets of a family of positive clauses, enumerated
 * lazily, smallest first and, within one size, in lexicographic order, with
 * hard "at most k of these" constraints, conditional supports and blocking of
 * supersets. Backed by PicoSAT; the encoding is described in docs/solver.md.
 *
 * Variables are the integers 1..n_vars (one per possible fault). A support is
 * a set of variables; a set S "hits" it when they share a variable. Call S
 * "allowed" when
 *   - S hits every support,
 *   - S satisfies every conditional support (ldfi_hitset_add_conditional),
 *   - S satisfies every ldfi_hitset_add_atmost() constraint,
 *   - |S| <= max_size (when max_size > 0).
 * The enumerator returns, one per ldfi_hitset_next() call, every allowed S
 * that no proper subset of S is allowed (S is minimal) and that is not a
 * superset of (or equal to) any set passed to ldfi_hitset_block() before that
 * call (sets already returned included). Without conditional supports, the
 * minimal allowed sets are exactly the minimal hitting sets that meet the
 * constraints (those are closed under subsets). The sets come ordered by
 * size, then lexicographically by their ascending lists of variables ({1,5}
 * before {2,3}; or of ranks, ldfi_hitset_set_order). The order is a function of the calls made
 * (supports, constraints, blocks and where they fall between next() calls),
 * not of the solver's heuristics. ldfi_hitset_set_lex(h, 0) trades the
 * lexicographic order within a size for speed (see there).
 *
 * Call order: ldfi_hitset_create(); any number of add_support /
 * add_conditional / add_atmost / block; then next() repeatedly, with block()
 * allowed between next() calls; ldfi_hitset_destroy(). add_support,
 * add_conditional and add_atmost after the first next() fail with
 * LDFI_EINVAL.
 *
 * An object is not thread-safe; distinct objects may be used from distinct
 * threads. PicoSAT aborts the process when its own allocations fail (it has
 * no error return for that); ldfi's own allocations report LDFI_ENOMEM.
 */
#ifndef LDFI_SOLVER_HITSET_H
#define LDFI_SOLVER_HITSET_H

struct ldfi_hitset;

/* ldfi_hitset_next() result: the interrupt callback stopped the search. */
#define LDFI_HITSET_STOPPED 2

/*
 * Creates an empty enumerator over variables 1..n_vars (n_vars >= 0).
 * max_size > 0 bounds the size of the returned sets; 0 means no bound.
 * Returns NULL when memory runs out or an argument is negative.
 * The caller owns the result and frees it with ldfi_hitset_destroy().
 */
struct ldfi_hitset *ldfi_hitset_create(int n_vars, int max_size);

/* Frees h and its solver. NULL is a no-op. */
void ldfi_hitset_destroy(struct ldfi_hitset *h);

/*
 * Adds one support: the n variables vars[0..n) (any order, duplicates
 * allowed; the array is copied). Every returned set hits it. n == 0 adds a
 * support nothing can hit: the enumeration then yields no set at all.
 * Only before the first ldfi_hitset_next().
 * Returns 0; LDFI_EINVAL if h is NULL, n < 0, vars is NULL with n > 0, a
 * variable is outside 1..n_vars, or next() was already called;
 * LDFI_ENOMEM if memory runs out (h is unchanged).
 */
int ldfi_hitset_add_support(struct ldfi_hitset *h, const int *vars, int n);

/*
 * Adds a conditional support: every returned set contains a variable of
 * vars[0..n) or misses a variable of neg[0..n_neg) ("if every fault of neg
 * is present, one of vars must be too"; the clause OR(vars) | OR(-neg)).
 * With n_neg == 0 this is ldfi_hitset_add_support(). Such constraints are
 * neither closed under subsets nor under supersets, so "minimal" then means:
 * no proper subset satisfies all supports and constraints (removing one
 * variable is not enough to check it). The enumeration is still exact and
 * smallest first (docs/solver.md, "Size levels"). A variable that
 * occurs only in neg is in no returned set. Duplicates are allowed; the
 * arrays are copied. Only before the first ldfi_hitset_next().
 * Returns 0; LDFI_EINVAL for NULL h, n < 0, n_neg < 0, a NULL array with a
 * positive length, a variable outside 1..n_vars, or a call after next();
 * LDFI_ENOMEM (h is unchanged). (An encoding that would need more than
 * INT_MAX solver variables is found when the solver is built, at a next():
 * LDFI_ESOLVER there.)
 */
int ldfi_hitset_add_conditional(struct ldfi_hitset *h, const int *vars, int n, const int *neg,
				int n_neg);

/*
 * Adds the hard constraint "at most k of vars[0..n) are in the set"
 * (duplicates count once; the array is copied). k >= n is no constraint,
 * k == 0 excludes the variables altogether. Typical uses: the crash budget
 * (every crash variable, k = crashes) and one crash per node (that node's
 * crash variables, k = 1). Only before the first ldfi_hitset_next(). The
 * constraint is encoded at the first next(), over the variables that occur
 * positively in some support only (the others are in no returned set).
 * Returns 0; LDFI_EINVAL for NULL h, n < 0, k < 0, NULL vars with n > 0, a
 * variable outside 1..n_vars, or a call after next(); LDFI_ENOMEM (h is
 * unchanged). An encoding that would need more than INT_MAX solver
 * variables makes next() fail with LDFI_ESOLVER.
 */
int ldfi_hitset_add_atmost(struct ldfi_hitset *h, const int *vars, int n, int k);

/*
 * Blocks vars[0..n): no set returned afterwards equals it or contains it
 * (typically a fault set that already produced a counterexample, where any
 * larger set is uninteresting). Allowed at any time, including between
 * next() calls; it takes effect at the next call. n == 0 blocks every set:
 * the enumeration is over. Duplicates are allowed; the array is copied.
 * Returns 0; LDFI_EINVAL for NULL h, n < 0, NULL vars with n > 0 or a
 * variable outside 1..n_vars; LDFI_ENOMEM (after the first next(), sticky
 * as next()'s errors: the block may have reached one of the search's and
 * the solver's copies only); or the error that an earlier next() failed
 * with (see below).
 */
int ldfi_hitset_block(struct ldfi_hitset *h, const int *vars, int n);

/*
 * Computes the next set (see the top of this file for which sets and in
 * which order) and writes its variables, ascending, to out[0..*n_out).
 * A returned set is blocked automatically. out may be NULL when cap is 0.
 * Returns 1 when a set was written; 0 when there is none left (and on every
 * later call); LDFI_HITSET_STOPPED when the interrupt callback (see
 * ldfi_hitset_set_interrupt) stopped the search: nothing is lost, a later
 * call resumes (in lexicographic mode the sequence is exactly the one an
 * uninterrupted run gives; in solver order the order within a size may
 * differ, as the solver's state did); LDFI_ELIMIT when the set has more
 * than cap variables: *n_out is then set to its size, nothing is written,
 * and the same set is returned by the next call (with a larger buffer);
 * LDFI_EINVAL for NULL h or n_out,
 * cap < 0, or NULL out with cap > 0; LDFI_ENOMEM when memory runs out;
 * LDFI_ESOLVER if PicoSAT gives an unexpected answer or the encoding would
 * need more than INT_MAX solver variables. After LDFI_ENOMEM or
 * LDFI_ESOLVER the object is unusable: every later next() and block()
 * returns the same code; destroy it.
 *
 * Cost: one SAT call per set, one more per size level passed, and, for the
 * lexicographic order, about one more per element of the set that the
 * solver's model got wrong (docs/solver.md has measurements). Proving that no
 * set of a size exists is NP-hard in general and can dominate on large,
 * unstructured instances: use the interrupt callback for time limits.
 * Sets are computed one at a time; nothing is enumerated ahead.
 */
int ldfi_hitset_next(struct ldfi_hitset *h, int *out, int cap, int *n_out);

/*
 * Starts the enumeration at sets of `size` variables instead of the
 * smallest: for a caller that rebuilds a solver and knows that every allowed
 * set with fewer variables is blocked (ldfi_hitset_block) or a superset of a
 * blocked set, typically because an earlier solver over the same supports
 * returned them all. The sets returned are then the ones an enumeration from
 * the smallest would return, minus the SAT calls that prove the smaller
 * sizes empty. If the claim is false, smaller minimal sets are skipped and
 * larger sets may not be minimal. Only before the first ldfi_hitset_next().
 * Returns 0; LDFI_EINVAL for NULL h, size < 0 or a call after next().
 */
int ldfi_hitset_start_at(struct ldfi_hitset *h, int size);

/*
 * Orders the sets of one size by rank instead of by variable: `rank` maps
 * each variable 1..n_vars to its place (a permutation of 1..n_vars; rank[0]
 * is not read), and sets then come lexicographically by their lists of
 * ranks, ascending ({a, b} before {c, d} when rank[a] < rank[b] <
 * rank[c] < rank[d]). Sets are still written ascending by variable. rank
 * is borrowed: it must stay unchanged until h is destroyed. NULL restores
 * the order by variable. Only before the first ldfi_hitset_next().
 * Returns 0; LDFI_EINVAL for NULL h or a call after next().
 */
int ldfi_hitset_set_order(struct ldfi_hitset *h, const int *rank);

/*
 * on (the default): within one size, sets come in lexicographic order,
 * found by a search over the variables without SAT calls and, past its
 * budget (ldfi_hitset_set_search_budget), by SAT probes.
 * off: within one size, sets come in the order the solver finds them, which
 * depends only on the calls made and on the PicoSAT version, so it is still
 * reproducible on one build; sizes still never decrease. May be changed at
 * any time; it affects the sets computed afterwards. NULL h is a no-op.
 */
void ldfi_hitset_set_lex(struct ldfi_hitset *h, int on);

/*
 * The lexicographic order is computed by a search over the variables
 * (solver/lexsearch.h) and, when that search visits more than `budget`
 * nodes for one set, by SAT probes; both give the same set. 0 leaves it
 * to the SAT probes alone (for tests and measurements). Default:
 * LDFI_HITSET_SEARCH_BUDGET. Only before the first ldfi_hitset_next().
 * Returns 0; LDFI_EINVAL for NULL h, budget < 0 or a call after next().
 */
#define LDFI_HITSET_SEARCH_BUDGET 4096
int ldfi_hitset_set_search_budget(struct ldfi_hitset *h, long budget);

/*
 * Installs stop (NULL removes it): PicoSAT calls stop(arg) regularly during
 * a search, and when it returns non-zero the search is abandoned and next()
 * returns LDFI_HITSET_STOPPED. Meant for time limits (--time-limit) and
 * cancellation. stop must not call into h. NULL h is a no-op.
 */
void ldfi_hitset_set_interrupt(struct ldfi_hitset *h, int (*stop)(void *arg), void *arg);

#endif
