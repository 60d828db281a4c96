/*
 * explore.h - the explore loop (docs/explore.md): its options and its
 * result. The loop runs the fault-free execution, then the hypotheses of
 * the chosen strategy, each recorded in the provenance database, until a
 * counterexample, no hypothesis left (certified) or a budget runs out
 * (inconclusive). It returns a result and prints nothing: the commands
 * (src/cli/) render the result with the reports (src/report/).
 */
#ifndef LDFI_SRC_EXPLORE_EXPLORE_H
#define LDFI_SRC_EXPLORE_EXPLORE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "ldfi/conf.h"
#include "ldfi/trace.h"
#include "runtime/live/live.h"
#include "src/explore/shard.h"

enum ldfi_verdict {
	LDFI_VERDICT_CERTIFIED = 0,
	LDFI_VERDICT_COUNTEREXAMPLE,
	LDFI_VERDICT_INCONCLUSIVE,
};

/* Where the loop is, for a progress line. */
struct ldfi_explore_progress {
	long executions; /* fault-free run included */
	long pending;	 /* hypotheses known but not run yet */
	double elapsed_s;
	bool final; /* the last call, when the loop stops */
};

struct ldfi_explore_opts {
	const char *conf_path;
	/* The program as the user invoked it ("build/ldfi"), for the command
	 * lines reports print; NULL: "ldfi". */
	const char *program;
	enum ldfi_strategy strategy;
	uint64_t seed;
	long long max_runs;  /* 0: none */
	double time_limit_s; /* 0: none */
	bool all;	     /* collect every counterexample */
	bool fresh;	     /* discard an earlier exploration in out_dir */
	const char *out_dir; /* default "ldfi-out" */
	int jobs;
	/* --shard I/N: explore part shard_index of shard_count (shard.h);
	 * shard_count 0 or 1: the whole space. */
	int shard_index, shard_count;
	enum ldfi_engine engine; /* sim (default) or live: how each execution runs */
	/* Set (by a signal handler) to stop the exploration: it ends
	 * inconclusive, resumable. May be NULL. */
	const volatile sig_atomic_t *interrupted;
	/* Called at most every half second while exploring, and once when the
	 * loop stops (final). May be NULL. */
	void (*progress)(void *arg, const struct ldfi_explore_progress *p);
	void *progress_arg;
};

/* One counterexample: the run that broke a check. */
struct ldfi_cex {
	struct ldfi_trace *trace; /* owned by the result */
	int64_t run_id;		  /* row in the provenance database */
	long execution;		  /* 1-based execution number, fault-free run = 1 */
};

struct ldfi_explore_result {
	const struct ldfi_conf *conf;	      /* borrowed */
	const struct ldfi_explore_opts *opts; /* borrowed */
	enum ldfi_verdict verdict;
	char reason[256]; /* inconclusive: which budget ran out, what was left */
	long executions;  /* fault-free run included */
	long tried;	  /* hypotheses executed */
	long pruned;	  /* hypotheses dropped without running them */
	long pending;	  /* hypotheses left when the loop stopped; -1: over 10^15
			   * fault sets of the bounds not run (random, exhaustive) */
	double wall_s;
	struct ldfi_trace *fault_free; /* owned */
	struct ldfi_cex *cex;	       /* owned; in discovery order */
	int n_cex;
	char *db_path; /* OUT/provenance.db once opened, or NULL; owned */
	/* The part explored: count 1 for the whole space; its cube is known
	 * once the fault-free run is. */
	struct ldfi_shard shard;
	/* The lock on out_dir (runtime/db/state.h), held until
	 * ldfi_explore_result_finish so that the reports are written by its
	 * owner: its descriptor plus one, 0 when none (a zeroed result). */
	int out_lock;
	/* A problem that did not change the verdict (the pending hypotheses
	 * could not be saved), or "". */
	char warning[256];
};

/*
 * Explore `conf` (bounds applied, plugins loaded) with options `o`: state
 * and provenance in o->out_dir/provenance.db (resumed if it holds this same
 * exploration; started over if o->fresh). o->out_dir is locked first and
 * stays locked until ldfi_explore_result_finish (res->out_lock): a second
 * process gets LDFI_EIO ("OUT is in use by another ldfi process"). Fills
 * *res (caller-owned memory; release with ldfi_explore_result_finish, also
 * after an error); `conf` and `o` are borrowed by the result. Writes no
 * report and prints nothing. Returns 0 (see res->verdict), or LDFI_EINVAL
 * (the database holds another exploration or runs of `ldfi run`: the
 * message says what differs), LDFI_ELIMIT (an execution exceeded the
 * message limit), LDFI_EFORMAT (the database is damaged), LDFI_EIO,
 * LDFI_EDB, LDFI_ENOMEM, ... with a message in `err`. When res->db_path is
 * set the database was opened, and every run recorded before the error is
 * kept there.
 */
int ldfi_explore(const struct ldfi_conf *conf, const struct ldfi_explore_opts *o,
		 struct ldfi_explore_result *res, char *err, size_t errlen);

/*
 * What identifies an exploration of `conf` with options `o`
 * (docs/explore.md): space-separated KEY=VALUE fields - ldfi's version, the
 * conf's meaning, the bounds, the strategy, the seed, shard=I/N when
 * o->shard_count > 1, and every plugin library's contents. The database of
 * an exploration holds it; resume and merge compare it. On success *out is
 * a malloc'd string (the caller's); returns 0, LDFI_ENOMEM or an error of
 * reading a plugin file (message in err).
 */
int ldfi_explore_digest(const struct ldfi_conf *conf, const struct ldfi_explore_opts *o, char **out,
			char *err, size_t errlen);

/* The value of field KEY in digest `d` ("KEY=VALUE ..."), as a pointer
 * into d and its length in *len; NULL when absent. */
const char *ldfi_explore_digest_field(const char *d, const char *key, size_t *len);

/* Free what the result owns (not the struct itself). */
void ldfi_explore_result_finish(struct ldfi_explore_result *res);

/* The verdict as written in reports: "certified", "counterexample",
 * "inconclusive". */
const char *ldfi_verdict_name(enum ldfi_verdict v);

#endif
