/*
 * gen.h - a seeded generator of small random pipelines (pipeline.conf text)
 * for the ldfi-versus-exhaustive cross-check. One 64-bit seed determines
 * the whole pipeline, bounds included (see docs/testing.md for the
 * distributions).
 */
#ifndef LDFI_TESTS_CROSSCHECK_GEN_H
#define LDFI_TESTS_CROSSCHECK_GEN_H

#include <stdint.h>

/* Largest fault space (number of fault sets) the generator accepts. */
#define GEN_SPACE_MAX 1500.0

/*
 * The conf text of pipeline `seed`, as a new NUL-terminated string owned by
 * the caller (free()), or NULL when out of memory. The same seed always gives
 * the same text.
 */
char *gen_pipeline(uint64_t seed);

/*
 * Number of fault sets in the bounded space of `n_nodes` nodes:
 * 2^(N*(N-1)*(eff-1)) omission sets times sum_{k<=crashes} C(N,k)*eot^k
 * crash configurations (eff <= 1: no omissions).
 */
double gen_space_size(int n_nodes, int eot, int eff, int crashes);

#endif
