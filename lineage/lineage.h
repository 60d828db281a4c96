/*
 * lineage.h - from provenance to formulas.
 *
 * The fault space of a conf's bounds gives one SAT variable per possible
 * fault. A message event a->b sent in round t is lost by omit(a,b,t) (only
 * t < eff), by a crash of a at or before t, or of b at or before t+1; a
 * message within one node only by a crash of that node at or before t+1.
 *
 * The lineage reads each run's trace (the runtime's, or one read back from
 * the provenance database on resume) and collects, for every good outcome, its supports: the
 * alternative derivations that made it happen, each turned into a clause (the faults any one of
 * which cuts that derivation). An outcome is falsified by a fault set that hits every clause.
 * Outcomes:
 *   - held:  record r is held by the live sink replica (sink, node); one
 *            support per copy, through every ancestor message;
 *   - acked: replica (comp, node) received peer's ack for r by round R,
 *            for every R at which such an ack first arrived in some run;
 *            one support per ack received by R. Delaying the ack past a
 *            retransmission makes the sender resend: that is how duplicates
 *            are found.
 *   - count: the sink replica holds at least `by` copies of r, `by` being
 *            its count in the fault-free run (for matches-fault-free, where
 *            one lost copy is a failure); a run with n >= by copies
 *            supports it with "one of its first `by` copies is lost".
 * A crash of the outcome's own node never counts as falsifying it: the
 * checks ignore crashed replicas, so such a hypothesis is useless.
 * Supports accumulate across runs; subsumed clauses are dropped.
 */
#ifndef LDFI_LINEAGE_LINEAGE_H
#define LDFI_LINEAGE_LINEAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "ldfi/conf.h"
#include "ldfi/faults.h"
#include "ldfi/trace.h"

/* The bounded fault space: variables 1..n_vars; crashes first (a node's
 * latest round first), then omissions, then restarts (a node's latest
 * round first): the canonical order of faults. */
struct ldfi_space {
	const struct ldfi_conf *conf;
	int n_omit;
	int n_crash;
	int n_vars;
	int n_restart; /* restarts > 0: nodes x rrounds, else 0 */
	int rrounds;   /* a restart's rounds: 1..eot-downtime */
};

void ldfi_space_init(struct ldfi_space *sp, const struct ldfi_conf *conf);

/* Variable of a fault (1-based), or 0 when the fault is outside the space. */
int ldfi_space_var(const struct ldfi_space *sp, const struct ldfi_fault *f);

/*
 * The search order of fault sets of one size (docs/lineage.md, The fault
 * space): writes rank[v] for every variable v (1..n_vars; rank[0] is not
 * written), a permutation of 1..n_vars. Crashes first, latest round first,
 * then omissions, earliest round first, then restarts, latest round first;
 * within a round, by node (sender, then receiver). Sets of one size compare
 * by their ranks, ascending (ldfi_gen_cmp_sets). rank is the caller's, with
 * room for n_vars + 1 entries.
 */
void ldfi_space_rank(const struct ldfi_space *sp, int *rank);

/* Fault of variable `var` (1..n_vars). */
struct ldfi_fault ldfi_space_fault(const struct ldfi_space *sp, int var);

/* Whether variable `var` is an omission. */
bool ldfi_space_is_omit(const struct ldfi_space *sp, int var);

/* The node of a crash or restart variable; -1 for an omission. */
int ldfi_space_node(const struct ldfi_space *sp, int var);

/* Whether every variable of a[0..na) is in b[0..nb) (both ascending). */
bool ldfi_vars_subset(const int *a, int na, const int *b, int nb);

/* Whether fault `f` loses message `m` (the rule above; restart(n,t): n is
 * its sender, down in the send round, or its receiver, down in the
 * delivery round) under the bounds of `conf`. */
bool ldfi_fault_cuts(const struct ldfi_fault *f, const struct ldfi_msg *m,
		     const struct ldfi_conf *conf);

/* Whether any fault of `fs` loses `m`; returns the fault's index or -1. */
int ldfi_faults_cut(const struct ldfi_faults *fs, const struct ldfi_msg *m,
		    const struct ldfi_conf *conf);

enum ldfi_outcome_kind {
	LDFI_OUTCOME_HELD = 0,
	LDFI_OUTCOME_ACKED = 1,
	LDFI_OUTCOME_COUNT = 2,
	/* quorum: "every replica in a set of n - K + 1 replicas of a relation
	 * loses rec" for a check `holds = K` (`by` is the set, a bit per
	 * position in the relation's node list); any of their supports keeps
	 * one, and so a live holder - a holder's crash cuts its supports. */
	LDFI_OUTCOME_QUORUM = 3,
};

/* One support: "some fault of vars[] is present, or some fault of neg[] is
 * absent". neg[] is empty for a derivation that holds under every fault set;
 * for a conditional one (seen in a run with faults F, through a message that
 * exists only because something did not happen) it is F: the derivation is
 * known to hold under supersets of F only. Both ascending. */
struct ldfi_clause {
	int *vars;
	int n;
	int *neg; /* vars and neg are the lineage's, shared between clauses */
	int n_neg;
	/* A bit per variable of vars (sig, 128 bits) and of neg (nsig): a
	 * filter for "implies". Separate, so that the few variables of a
	 * condition still tell apart supports of one long derivation under
	 * different conditions. */
	uint64_t sig[2], nsig;
};

struct ldfi_outcome {
	enum ldfi_outcome_kind kind;
	int rec;		  /* record index (stable across runs of one conf) */
	int comp, node;		  /* held: the sink replica; acked: the sender replica */
	int peer_comp, peer_node; /* acked: the replica whose ack it received */
	int by;			  /* acked: received by this round; count: copies; held: 0 */
	struct ldfi_clause *supports;
	int n_supports, cap_supports;
	/* Bumped once per support added. supports[] keeps the order they were
	 * added in (dropping one that a newer one implies keeps the others'
	 * order), so the ones added since version v are among the last
	 * version - v: strategy ldfi relies on it. */
	uint64_t version;
};

struct ldfi_lineage;

/* A lineage for `conf` (borrowed, must outlive it). NULL on ENOMEM. */
struct ldfi_lineage *ldfi_lineage_create(const struct ldfi_conf *conf);
void ldfi_lineage_destroy(struct ldfi_lineage *lin); /* NULL-safe */

const struct ldfi_space *ldfi_lineage_space(const struct ldfi_lineage *lin);

/*
 * Add the supports of the good outcomes of trace `tr`, a run of this conf.
 * *n_new (may be NULL) receives how many new supports were added. The trace
 * is only read. Returns 0, LDFI_ENOMEM, or LDFI_ESTOPPED when the stop
 * request (runtime.h ldfi_rt_set_stop) fired midway: the lineage then holds
 * part of the run and is not to be used any more.
 */
int ldfi_lineage_add_trace(struct ldfi_lineage *lin, const struct ldfi_trace *tr, int *n_new);

/*
 * The other fault sets that run exactly as `tr` did, message for message:
 * its faults with some of its crashes moved to earlier rounds in which their
 * node did nothing (received, sent, stored and emitted nothing) until its
 * crash, on nodes without a plugin or process stage, in a conf without
 * restarts (docs/lineage.md, Conditional supports; at most 64 sets).
 * ldfi_lineage_add_trace gives each conditional support of `tr` under each
 * of them too, so such a set's run would teach nothing new. Calls fn on
 * each (ascending variables; the array is only valid during the call) and
 * stops at its first non-zero return, which it returns; 0 or LDFI_ENOMEM
 * otherwise. The run's own set is not among them.
 */
int ldfi_lineage_same_runs(const struct ldfi_lineage *lin, const struct ldfi_trace *tr,
			   int (*fn)(const int *vars, int n, void *arg), void *arg);

int ldfi_lineage_n_outcomes(const struct ldfi_lineage *lin);
const struct ldfi_outcome *ldfi_lineage_outcome(const struct ldfi_lineage *lin, int i);

/*
 * Derivations of an output copy or message: calls `fn` once per ancestor
 * message of message id `msg` in `tr` (itself included), each once, in
 * depth-first order from `msg`. Returns 0 or LDFI_ENOMEM.
 */
int ldfi_trace_ancestors(const struct ldfi_trace *tr, uint32_t msg,
			 void (*fn)(const struct ldfi_msg *m, void *arg), void *arg);

#endif
