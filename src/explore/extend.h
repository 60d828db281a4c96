/*
 * extend.h - extensions of passing runs, for strategy ldfi.
 *
 * Lineage hypothesises cuts of the supports of outcomes that exist; a check
 * that faults break by *creating* an output (an abort after a lost ack, a
 * second leader) is out of its reach. A passing run with faults F whose
 * outcome held only because of F (a conditional support, docs/lineage.md)
 * shows where F made the system take another path: F plus one fault that
 * cuts that outcome lets the other path and what F changed meet. This
 * queue holds those candidates, smallest first, outputs that exist only
 * under faults before the others. Heuristic only: soundness of a
 * certificate rests on the exhaustive completion (strategy_ldfi.c).
 */
#ifndef LDFI_SRC_EXPLORE_EXTEND_H
#define LDFI_SRC_EXPLORE_EXTEND_H

#include <stdbool.h>

#include "lineage/lineage.h"
#include "src/explore/strategy.h"

struct ldfi_ext;

/* An empty queue; NULL on ENOMEM. */
struct ldfi_ext *ldfi_ext_create(void);
void ldfi_ext_destroy(struct ldfi_ext *q); /* NULL-safe */

/*
 * Queue the extensions of the passing run f[0..nf) (ascending, nf > 0),
 * whose supports `lin` has already read: F plus v for each outcome held
 * because of F and each single fault v that then cuts all of its supports,
 * when F plus v is valid within g's bounds and not to be skipped. Copies
 * what it keeps. Returns 0 or LDFI_ENOMEM.
 */
int ldfi_ext_add_run(struct ldfi_ext *q, const struct ldfi_lineage *lin, const struct ldfi_gen *g,
		     const int *f, int nf);

/*
 * The best queued candidate that g does not skip (those it skips are
 * dropped): 1 with *vars (borrowed until the next call on q) and *n, and
 * *created set when it cuts an output that exists only under faults; 0 if
 * the queue is empty.
 */
int ldfi_ext_peek(struct ldfi_ext *q, const struct ldfi_gen *g, const int **vars, int *n,
		  bool *created);

/* Drop the candidate ldfi_ext_peek returned. */
void ldfi_ext_pop(struct ldfi_ext *q);

/* Whether outcome `o` has a support seen under exactly the faults f[0..nf)
 * (ascending, nf > 0): it held in that run only because of them. */
bool ldfi_ext_held_because_of(const struct ldfi_outcome *o, const int *f, int nf);

/* Candidates queued (some may be skipped when their turn comes). */
long ldfi_ext_count(const struct ldfi_ext *q);

#endif
