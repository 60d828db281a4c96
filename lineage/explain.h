/*
 * explain.h - why a counterexample broke an outcome: the analysis behind the
 * "why not" and "why" of the reports (src/report/: the text report and the
 * HTML page render it). Given the fault-free trace and a counterexample's
 * fault set it says which messages the faults cut, directly (the cut rule of
 * lineage.h) or through their parents, and which cut messages explain a
 * replica's missing copy of a record; given the counterexample's own trace,
 * which lost acks made a sender send a record again (a duplicate) and which
 * copy came before an earlier-emitted record (out of order).
 *
 * Messages are named by their 1-based ids in a trace. Everything here only
 * reads the traces; the structures own their arrays (their finish frees).
 */
#ifndef LDFI_LINEAGE_EXPLAIN_H
#define LDFI_LINEAGE_EXPLAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ldfi/faults.h"
#include "ldfi/trace.h"

/* A record at a replica: the subject of an offense. */
struct ldfi_held {
	int rec;	/* record index in the trace it is about */
	int comp, node; /* the sink (or relation) replica */
};

/* A set of message ids (zero-initialise; ldfi_idset_finish). */
struct ldfi_idset {
	uint32_t *v;
	size_t n, cap;
	bool nomem;
};

/*
 * The derivation of messages ids[0..n) of `tr` into `s` (replacing its
 * contents): them and every ancestor, each once, in send order (which puts
 * causes before effects). Ids out of range are skipped. Returns 0 or
 * LDFI_ENOMEM.
 */
int ldfi_explain_derivation(const struct ldfi_trace *tr, const uint32_t *ids, uint32_t n,
			    struct ldfi_idset *s);

/* The derivation of output copy `o` of `tr` (of its parent messages). */
int ldfi_explain_copy(const struct ldfi_trace *tr, const struct ldfi_output *o,
		      struct ldfi_idset *s);

void ldfi_idset_finish(struct ldfi_idset *s);

/*
 * What a counterexample's faults `fs` cut in trace `tr` (the fault-free
 * run, usually). What they cut in the fault-free run. A message is
 * lost when a fault cuts it (its own event), or through its parents: any
 * one of them lost, or, for a message made from any one of its parents
 * (parents_any), all of them lost. Parents are sent before their children,
 * so one pass in id order decides every message.
 */
/* What c's faults do to a memory token (runs with restarts). */
struct ldfi_cuts_tok {
	uint8_t state; /* 0 not computed yet, 1 kept, 2 lost */
	int own;       /* the restart of `fs` that empties it, or -1 */
};

struct ldfi_cuts {
	const struct ldfi_trace *tr;
	const struct ldfi_faults *fs;
	/* per message id: the fault of `fs` that cuts it (its event, or the
	 * memory it was sent from), or -1 */
	int *own;
	struct ldfi_cuts_tok *tok; /* per memory token, NULL when the trace has none */
	bool *lost;		   /* per message id */
	uint32_t *mark;		   /* per message id: stamp of the last explanation that saw it */
	uint32_t stamp;
	uint32_t *stack;
};

/* Fill *c (the caller's memory; borrows tr and fs) for fault set `fs`
 * under the bounds of tr->conf. Returns 0 or LDFI_ENOMEM (c is then
 * finished). */
int ldfi_cuts_init(struct ldfi_cuts *c, const struct ldfi_trace *tr, const struct ldfi_faults *fs);
void ldfi_cuts_finish(struct ldfi_cuts *c);

/* Whether message or memory token `id` is lost (false for an id out of
 * range). */
bool ldfi_cuts_lost(const struct ldfi_cuts *c, uint32_t id);

/* Whether output copy `o` of c's trace is lost: one of its parents is. */
bool ldfi_cuts_copy_lost(const struct ldfi_cuts *c, const struct ldfi_output *o);

/* Why copies were lost: the messages the faults themselves cut (ids of the
 * cuts' trace, without repeats), and how many derivations no fault cuts.
 * Zero-initialise; ldfi_why_finish. */
struct ldfi_why {
	uint32_t *v;
	int n, cap;
	int uncut; /* derivations no fault cuts */
};

/* Sort w->v ascending (send order). */
void ldfi_why_sort(struct ldfi_why *w);
void ldfi_why_finish(struct ldfi_why *w);

/* Whether output copy `o` is record b->rec held at b's replica. */
bool ldfi_explain_held_at(const struct ldfi_output *o, const struct ldfi_held *b);

/* Whether `m` delivers b's record to b's replica and no copy the replica
 * held came from it (kept[id] marks those that did: with dedup = yes a
 * replica keeps the first copy). */
bool ldfi_explain_unkept(const struct ldfi_msg *m, const struct ldfi_held *b, const bool *kept);

/*
 * A missing record: the copies b's replica held in c's trace (*n_copies;
 * kept[], of c->tr->n_msgs + 1 entries zeroed by the caller, marks the
 * messages they came from) and, into `w`, what cut each of them and each
 * delivery of the record the replica did not keep; a copy or delivery no
 * fault cuts counts in w->uncut. Returns 0 or LDFI_ENOMEM.
 */
int ldfi_explain_missing(struct ldfi_cuts *c, const struct ldfi_held *b, bool *kept,
			 struct ldfi_why *w, int *n_copies);

/* Which faults of c->fs the messages of `w` were cut by: named[i] (c->fs->n
 * entries, the caller's) is true for fault i when w names a message it cut. */
void ldfi_explain_named(const struct ldfi_cuts *c, const struct ldfi_why *w, bool *named);

/* The messages of trace `tr` about record `rec` (any record: -1) that fault
 * `fault` (an index in tr->faults) lost, ids in send order in ids[0..cap); returns how
 * many there are (possibly more than cap). For a fault the why-not of the
 * fault-free run does not name: what it did in the counterexample run. */
size_t ldfi_explain_lost_by(const struct ldfi_trace *tr, int fault, int rec, uint32_t *ids,
			    size_t cap);

/* Whether `m` is a lost ack (omitted, or its receiver crashed; not one sent
 * at eot, which no resend could follow) of a message marked in on[] (by
 * message id). */
bool ldfi_explain_lost_ack(const struct ldfi_trace *tr, const struct ldfi_msg *m, const bool *on);

/*
 * A duplicated record: mark in on[] (tr->n_msgs + 1 entries, zeroed by the
 * caller) the derivations of the copies b's replica holds in `tr`, and
 * count in *n_acks the acks of their messages that were lost there (each
 * made its sender send again). `s` is scratch. Returns 0 or LDFI_ENOMEM.
 */
int ldfi_explain_lost_acks(const struct ldfi_trace *tr, const struct ldfi_held *b,
			   struct ldfi_idset *s, bool *on, int *n_acks);

/* Out of order: the first copy of b's record at b's replica in `tr` in
 * *mine, and in *later the first record of the same source emitted later
 * and held before it; NULL when there is none. */
void ldfi_explain_order(const struct ldfi_trace *tr, const struct ldfi_held *b,
			const struct ldfi_output **mine, const struct ldfi_output **later);

#endif
