/*
 * rtstate.h - the runtime's state, private to runtime/: the per-replica
 * memory of a run (pending sends, receipts, state entries, outputs, what
 * survives a restart) and struct ldfi_rt itself. runtime.c owns it; the
 * live engine's journal (runtime/live/journal.c) reads a node's durable
 * part of it to write it to disk, and puts it back through the
 * ldfi_rt_restore_* functions of runtime.h. Nothing else includes this.
 */
#ifndef LDFI_RUNTIME_RTSTATE_H
#define LDFI_RUNTIME_RTSTATE_H

#include <stddef.h>
#include <stdint.h>

#include "ldfi/stage.h"
#include "ldfi/trace.h"
#include "runtime/recindex.h"
#include "runtime/stage.h"

/* A send that is repeated: `repeat` forever, `ack` until acknowledged. */
struct pend {
	int32_t src, dst; /* replica indices */
	int32_t rec;
	/* Round the schedule counts from: the first send, or the recovery
	 * round after a restart (the retry timer is re-armed). */
	int32_t start;
	int32_t next; /* next pend with the same (src, dst, rec), or -1 */
	uint32_t parents_off, n_parents;
	uint8_t policy;
	uint8_t settled;
	uint8_t held;	     /* resends take their parents from the replica's receipts */
	uint8_t cond;	     /* the first send was conditional (SEND_COND) */
	uint8_t durable;     /* survives a restart of its node */
	uint8_t recover_due; /* resend once in this recovery round */
	int32_t dround;	     /* round it became durable (its first send, or a
			      * checkpoint); INT32_MAX: volatile */
};

struct ivec {
	int32_t *v;
	int n, cap;
};

/* Copies of one record a replica received (with their delivery rounds),
 * and the last parent slice made of them (reused while no copy arrives). */
struct receipts {
	uint32_t *ids;
	int32_t *round;
	int n, cap;
	uint32_t off;
	int n_pushed;
};

/* One entry of a replica's state (ldfi_stage_put): its value and what it
 * derives from. */
struct kv {
	char *key; /* NULL: empty slot */
	int64_t value;
	uint32_t off, n; /* a slice of tr->parents */
	uint8_t cond;
	uint8_t changed; /* its value was ever replaced by a different one */
	int32_t wround;	 /* round of the last write */
	int32_t dround;	 /* round it became durable; INT32_MAX: volatile */
	uint32_t tok;	 /* the memory token readers of round tok_round got */
	int32_t tok_round;
};

/* Per replica: receipts, state, pending sends still active, outputs, and
 * what survives a restart (docs/semantics.md, Restarts). */
struct replica {
	struct receipts *rcpt; /* per record, when the stage tracks receipts */
	int n_rcpt;
	struct kv *kv; /* open addressing; cap_kv is 0 or a power of two */
	size_t n_kv, cap_kv;
	struct ivec active;
	struct ldfi_output *outs;
	int n_outs, cap_outs;
	uint8_t dur_kv, dur_pend, dur_rcpt; /* durable state entries, sends, receipts */
	int32_t ckpt; /* round of the last ldfi_stage_checkpoint: receipts of copies
		       * received by then are durable; 0: none */
	void *saved;  /* ldfi_stage_save: always durable */
	size_t n_saved;
};

/* (src, dst, rec) -> first pend of that key; open addressing. */
struct ack_slot {
	int32_t src, dst, rec;
	int32_t head; /* -1: empty slot */
};

struct ldfi_rt {
	const struct ldfi_conf *conf;
	struct ldfi_trace *tr;
	int round;
	struct ldfi_stage *st; /* replicas, ordered by (component, node) */
	struct replica *rep;
	int n_st;
	int *st_of;	     /* comp * n_nodes + node -> replica index or -1 */
	int *node_st;	     /* replicas of each node, in component order */
	int *node_st_off;    /* n_nodes + 1 offsets into node_st */
	int *rec_first;	     /* per component: first record index (sources) */
	unsigned char *omit; /* [t][a][b] for 1 <= t < eff */
	size_t cap_msgs, cap_parents;
	struct pend *pend;
	size_t n_pend, cap_pend;
	struct ack_slot *acks;
	size_t n_acks, cap_acks; /* cap is a power of two */
	uint32_t *cause;	 /* parents of what the current handler sends */
	int n_cause, cap_cause;
	uint8_t cause_cond;	   /* the handler read a state entry that was absent */
	uint8_t cond_base;	   /* 1 in on_recover: all it does is conditional */
	uint8_t finishing;	   /* in a finish: nothing it does is kept */
	int cause_base;		   /* 1 while a message is handled: cause[0] is it */
	struct ldfi_recindex recs; /* tr->recs by name */
	uint32_t *deliv;	   /* message indices being delivered this round */
	size_t cap_deliv;
	int node;	 /* ldfi_rt_node_open: the one node this runtime runs */
	bool one_node;	 /* ldfi_rt_node_open: tr->msgs are this round's sends */
	char *failure;	 /* ldfi_stage_fail: why the run failed */
	uint64_t serial; /* which runtime of this process (ldfi_rt_serial) */
	/* Restarts: rounds a restart can start in (1..rrounds; 0 when the
	 * conf allows none), and room for tokens and slices built of them. */
	int rrounds;
	size_t cap_mems;
	uint32_t *scratch;
	size_t cap_scratch;
};

/*
 * Put back the durable state of node rt->node into a runtime just opened
 * for it (ldfi_rt_node_open), before the round it recovers in
 * (ldfi_rt_node_round with down_from): a state entry (`e` with its key and
 * fields, `parents` its e->n parent ids), a receipt (replica `s` got a copy
 * of `rec`, message `id`, in `round`), an output (appended at the next
 * position; o->rec, round, n_parents, conditional are used), a durable
 * pending send (pd's fields, its pd->n_parents `parents`), and how many
 * memory tokens the node had made (ids go on from there). Records are this
 * runtime's indices (ldfi_rt_record). Everything is copied; nothing is
 * kept of the arguments. Each returns 0, LDFI_EINVAL (it does not fit the
 * conf or the node) or LDFI_ENOMEM.
 */
int ldfi_rt_restore_entry(struct ldfi_rt *rt, int s, const struct kv *e, const uint32_t *parents);
int ldfi_rt_restore_receipt(struct ldfi_rt *rt, int s, int rec, uint32_t id, int round);
int ldfi_rt_restore_output(struct ldfi_rt *rt, int s, const struct ldfi_output *o,
			   const uint32_t *parents);
int ldfi_rt_restore_send(struct ldfi_rt *rt, const struct pend *pd, const uint32_t *parents);
int ldfi_rt_restore_tokens(struct ldfi_rt *rt, size_t n);

#endif
