/*
 * shard.h - one part of the fault space (`ldfi explore --shard I/N`,
 * docs/scaling.md). The N parts are cubes, as in cube-and-conquer SAT
 * solving: a few fault variables v1..vd are fixed, and part I holds the
 * fault sets that contain exactly the fixed variables its cube says. The
 * variables come from the lineage of the fault-free run, which every shard
 * runs first, so every shard computes the same split from the conf alone.
 */
#ifndef LDFI_SRC_EXPLORE_SHARD_H
#define LDFI_SRC_EXPLORE_SHARD_H

#include <stdbool.h>
#include <stddef.h>

#include "ldfi/trace.h"
#include "lineage/lineage.h"

#define LDFI_SHARD_MAX 1024
/* Levels of the split, at most: 2^10 >= LDFI_SHARD_MAX. */
#define LDFI_SHARD_DEPTH 16

struct ldfi_shard {
	int index, count; /* part `index` of `count` (count 1: the whole space) */
	/* The cube: +v, the fault sets of this part contain variable v; -v,
	 * they do not. */
	int lits[LDFI_SHARD_DEPTH];
	int n_lits;
	bool empty; /* no fault set (fewer variables than parts) */
};

/*
 * Parse "I/N" (0 <= I < N <= LDFI_SHARD_MAX) into *index and *count.
 * Returns 0 or LDFI_EINVAL.
 */
int ldfi_shard_parse(const char *text, int *index, int *count);

/*
 * The cube of part `index` of `count` (s->index and s->count set by the
 * caller) from the lineage of the fault-free run `ff` of the space `sp`:
 * the split variables are the faults that cut the most of its supports
 * (each support weighs 1/its size), ties to the lower variable. Part
 * boundaries: at each level the first part (or, when the levels left
 * could not split the rest otherwise, the first half) contains the
 * level's variable and the others do not. Returns 0,
 * LDFI_ENOMEM, or an error of the lineage.
 */
int ldfi_shard_init(struct ldfi_shard *s, const struct ldfi_space *sp, const struct ldfi_trace *ff);

/* Whether the fault set vars[0..n) (ascending variables) is in the part. */
bool ldfi_shard_has(const struct ldfi_shard *s, const int *vars, int n);

/* The cube in words ("omit(a,b,1) and not crash(c,2)"; "the whole space";
 * "no fault set") into buf. */
void ldfi_shard_describe(const struct ldfi_shard *s, const struct ldfi_space *sp, char *buf,
			 size_t len);

#endif
