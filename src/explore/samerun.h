/*
 * samerun.h - fault sets that run exactly as a smaller set already run.
 *
 * An omission omit(a,b,t) loses the messages a sends b in round t, nothing
 * else. If the run of a fault set R sent no message from a to b in round
 * t, the run of R plus that omission is the same run, message for message
 * (executions are deterministic): its verdict is R's. The exhaustive
 * completion of strategy ldfi skips such sets, which makes spaces whose
 * protocols use few of their channels tractable (2pc 7/3/0: 2^24 omission
 * sets, most of them on channels that carry nothing). Checks only see what
 * happened (stages and checks are not given the fault set), so the verdict
 * is the same too. Crashes are never skipped this way: a crashed node also
 * leaves the checks.
 */
#ifndef LDFI_SRC_EXPLORE_SAMERUN_H
#define LDFI_SRC_EXPLORE_SAMERUN_H

#include <stdbool.h>

#include "ldfi/trace.h"
#include "lineage/lineage.h"
#include "src/explore/strategy.h"

struct ldfi_samerun;

/* For fault space `sp` (borrowed, must outlive it). NULL on ENOMEM. */
struct ldfi_samerun *ldfi_samerun_create(const struct ldfi_space *sp);
void ldfi_samerun_destroy(struct ldfi_samerun *sr); /* NULL-safe */

/*
 * The fault set numbered `i` in the strategy's tried sets (ldfi_setset_find)
 * ran as `tr`: note the omission variables of the space it sent a message
 * on. Returns 0 or LDFI_ENOMEM.
 */
int ldfi_samerun_add(struct ldfi_samerun *sr, long i, const struct ldfi_trace *tr);

/*
 * Whether vars[0..n) (ascending) runs exactly as a set in `tried` that was
 * noted with ldfi_samerun_add: it has an omission on which the run of the
 * set without it sent nothing, that run being known directly or, through
 * sets that are themselves the same as smaller ones, recursively. false
 * when that cannot be shown within a small search (the set is then run).
 */
bool ldfi_samerun_same(struct ldfi_samerun *sr, const struct ldfi_setset *tried, const int *vars,
		       int n);

#endif
