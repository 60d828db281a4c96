/*
 * lexsearch.h - the lexicographically first hitting set of a size, by a
 * depth-first search over positions instead of SAT calls.
 *
 * hitset.c finds, at each size level, the lexicographically first set with
 * one SAT probe or more per element. The instances of an exploration are
 * small (tens to a few hundred positions) but each probe is a real CDCL
 * search, tens of microseconds; this search walks the sets in
 * lexicographic order with sound cuts (lexsearch.c) and is exact under
 * hitset's level invariant (no smaller set satisfies the constraints;
 * docs/solver.md). A node budget bounds it: over budget, the caller falls
 * back to its SAT probes, which give the same set.
 *
 * Positions are 0 .. m-1, in the order that defines "lexicographic"
 * (hitset's ranks). Constraints may be added between searches.
 */
#ifndef LDFI_SOLVER_LEXSEARCH_H
#define LDFI_SOLVER_LEXSEARCH_H

struct ldfi_lexsearch;

/* An empty search over m positions; NULL when m < 0 or out of memory.
 * The caller owns it (ldfi_lexsearch_destroy). */
struct ldfi_lexsearch *ldfi_lexsearch_create(int m);

/* Frees x; NULL is a no-op. */
void ldfi_lexsearch_destroy(struct ldfi_lexsearch *x);

/*
 * Constraints on the set S sought; pos (and neg) hold n distinct positions
 * in [0, m), any order, borrowed for the call only:
 * - support: S has one of pos (an empty support: no set qualifies);
 * - conditional: S has one of pos, or misses one of neg;
 * - atmost: S has at most k of pos;
 * - block: S does not have all of pos (an empty block: no set qualifies).
 * Return 0, LDFI_EINVAL (a position out of range, a negative count or k)
 * or LDFI_ENOMEM (x unchanged but for capacity).
 */
int ldfi_lexsearch_add_support(struct ldfi_lexsearch *x, const int *pos, int n);
int ldfi_lexsearch_add_conditional(struct ldfi_lexsearch *x, const int *pos, int n, const int *neg,
				   int n_neg);

/*
 * The same conditionals by parts, for a caller whose parts repeat: the id
 * of positive part pos[0..n), or of condition neg[0..n) (n > 0), made if
 * new (a negative code on error, as above); then conditional "one of part
 * `part`, or not all of condition `cond`". add_pair returns 0 or
 * LDFI_EINVAL (an id not made by x) or LDFI_ENOMEM.
 */
int ldfi_lexsearch_part(struct ldfi_lexsearch *x, const int *pos, int n);
int ldfi_lexsearch_condition(struct ldfi_lexsearch *x, const int *neg, int n);
int ldfi_lexsearch_add_pair(struct ldfi_lexsearch *x, int part, int cond);

int ldfi_lexsearch_add_atmost(struct ldfi_lexsearch *x, const int *pos, int n, int k);
int ldfi_lexsearch_add_block(struct ldfi_lexsearch *x, const int *pos, int n);

/*
 * The first set, in lexicographic order of ascending position lists, of at
 * most `size` positions that satisfies every constraint and whose every
 * element e, taken in ascending order, hits a positive part that the
 * elements before it leave unhit: a support's, or a conditional's none of
 * whose negative positions below e is left out of the set. When no set of
 * fewer than `size` positions satisfies the constraints (hitset's level
 * invariant), that is exactly the lexicographically first set of at most
 * `size` positions: an element that hit nothing new in that sense could be
 * dropped, leaving a smaller set that satisfies them (docs/solver.md).
 * Writes its positions, ascending, to out (room for `size`) and its size
 * to *n_out. Visits at most `budget` nodes of the search tree.
 * Returns 1 (found), 0 (no set of at most `size` positions satisfies the
 * constraints), LDFI_ELIMIT (over budget: nothing is known), LDFI_EINVAL
 * (size < 0, a NULL argument) or LDFI_ENOMEM. The constraints are
 * unchanged whatever the result.
 */
int ldfi_lexsearch_first(struct ldfi_lexsearch *x, int size, long budget, int *out, int *n_out);

/* Nodes visited by the searches so far (for measurements). */
long ldfi_lexsearch_nodes(const struct ldfi_lexsearch *x);

#endif
