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
/* ... with restarts. */
#define GEN_RESTART_SPACE_MAX 1500.0

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

/* Pipeline `seed` with restarts: the pipeline's draws, then durable yes/no
 * on every component, window-count stages, restart bounds (gen.c). */
char *gen_pipeline_restart(uint64_t seed);

/*
 * The restart matrix: deterministic confs over three shapes (source -> relay
 * -> sink; source -> window-count -> sink; source -> a sink of two replicas
 * relaying between them), crossing the source's delivery (once, repeat, ack
 * every 1 or 2 rounds) and durability, the second hop (once or ack every 2),
 * dedup, the durability of the stage and of the sink, downtime 1..3 (eot =
 * downtime + 3), eff 0 or 2, crashes 0 or 1, restarts 1 or 2, and three
 * groups of checks (delivered and agreement; no-duplicates;
 * matches-fault-free). gen_matrix(i) is conf i (caller frees), NULL past
 * gen_matrix_count(); some are alike (a durability that a shape does not
 * use).
 */
long gen_matrix_count(void);
char *gen_matrix(long index);

/* gen_space_size with `restarts` restarts of `downtime` rounds: the sum over
 * k crashes and j restarts of C(N,k) C(N-k,j) eot^k (eot-downtime)^j. */
double gen_restart_space_size(int n_nodes, int eot, int eff, int crashes, int restarts,
			      int downtime);

#endif
