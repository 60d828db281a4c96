/*
 * explore.h - the explore loop's options and result, shared by the loop
 * (explore.c), the strategies and the reports (text, JSON, JUnit, HTML).
 */
#ifndef LDFI_SRC_EXPLORE_H
#define LDFI_SRC_EXPLORE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ldfi/conf.h"
#include "ldfi/trace.h"
#include "runtime/live/live.h"

enum ldfi_verdict {
	LDFI_VERDICT_CERTIFIED = 0,
	LDFI_VERDICT_COUNTEREXAMPLE,
	LDFI_VERDICT_INCONCLUSIVE,
};

struct ldfi_explore_opts {
	const char *conf_path;
	enum ldfi_strategy strategy;
	uint64_t seed;
	long long max_runs;  /* 0: none */
	double time_limit_s; /* 0: none */
	bool all;	     /* collect every counterexample */
	const char *out_dir; /* default "ldfi-out" */
	const char *json;    /* extra copy of the JSON report, or NULL */
	const char *junit;
	const char *html;
	bool quiet;    /* no text report on stdout, only the verdict line */
	bool progress; /* progress on stderr even when it is not a terminal */
	int jobs;
	enum ldfi_engine engine; /* sim (default) or live: how each execution runs */
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
	long pending;	  /* hypotheses left when the loop stopped */
	double wall_s;
	struct ldfi_trace *fault_free; /* owned */
	struct ldfi_cex *cex;	       /* owned; in discovery order */
	int n_cex;
	char *replay;  /* command line reproducing cex[0], or NULL; owned */
	char *db_path; /* OUT/provenance.db; owned */
};

/*
 * Explore `conf` (bounds already applied) with options `o`: state and
 * provenance in o->out_dir/provenance.db (resumed if it holds this same
 * exploration; started over if `fresh`). Fills *res (caller-owned memory;
 * release with ldfi_explore_result_finish, also after an error). Writes no
 * report. Returns 0 (see res->verdict), or LDFI_EINVAL (the database holds
 * another exploration), LDFI_EIO, LDFI_EDB, LDFI_ENOMEM, ... with a message
 * in `err`.
 */
int ldfi_explore(const struct ldfi_conf *conf, const struct ldfi_explore_opts *o, bool fresh,
		 struct ldfi_explore_result *res, char *err, size_t errlen);

/* Free what the result owns (not the struct itself). */
void ldfi_explore_result_finish(struct ldfi_explore_result *res);

/* The verdict as written in reports: "certified", "counterexample",
 * "inconclusive". */
const char *ldfi_verdict_name(enum ldfi_verdict v);

/*
 * Reports (SPEC §4). Each returns 0, or LDFI_EIO / LDFI_ENOMEM after
 * printing "ldfi: PATH: reason" on stderr.
 *  - text: the verdict line first, then (counterexample) the fault set, each
 *    failed check with its records, an ASCII spacetime diagram, the lineage
 *    of the broken outcome in the fault-free run and what cut it, and the
 *    replay command;
 *  - json: the fields of SPEC §4 and docs/reports.md;
 *  - junit: one testcase per check, failed ones carrying the counterexample.
 */
int ldfi_report_text(FILE *f, const struct ldfi_explore_result *res);
int ldfi_report_json(const char *path, const struct ldfi_explore_result *res);
int ldfi_report_junit(const char *path, const struct ldfi_explore_result *res);

#endif
