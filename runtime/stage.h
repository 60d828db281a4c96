/*
 * stage.h - the stage interface inside the runtime.
 *
 * Every stage kind (source, relay, sink, and later user plugins) is a set of
 * callbacks on one replica (a component on one node). A stage sees only the
 * messages delivered to it and its own state; it acts through the runtime:
 * ldfi_stage_send() hands a record to one of its hops (the runtime applies
 * the hop's delivery policy: once, repeat, ack, and handles acks itself) and
 * ldfi_stage_output() adds a record to the replica's outputs. Provenance is
 * automatic: while a message is being handled, everything the stage sends or
 * outputs has that message as its parent.
 */
#ifndef LDFI_RUNTIME_STAGE_H
#define LDFI_RUNTIME_STAGE_H

#include "ldfi/trace.h"

struct ldfi_rt;

/* One replica: component `comp` on node `node`. */
struct ldfi_stage {
	struct ldfi_rt *rt;
	const struct ldfi_stage_ops *ops;
	int comp;
	int node;
	int index;   /* replica index in the runtime */
	void *state; /* the kind's own state */
};

struct ldfi_stage_ops {
	const char *kind;
	/* Allocate st->state. Returns 0 or a negative LDFI_E* code. */
	int (*init)(struct ldfi_stage *st);
	/* Free st->state (called even if init failed midway; must accept NULL). */
	void (*finish)(struct ldfi_stage *st);
	/* A data message `m` delivered this round (acks never reach stages). */
	int (*on_message)(struct ldfi_stage *st, const struct ldfi_msg *m);
	/* The per-round step, after this round's deliveries. May be NULL. */
	int (*on_round)(struct ldfi_stage *st, int round);
};

/* Hops a stage can send on. */
enum ldfi_hop {
	LDFI_HOP_DOWNSTREAM = 0, /* to every replica of the component's `to` */
	LDFI_HOP_RELAY = 1,      /* a sink's relay: to every other replica of itself */
};

/* Send record `rec` on `hop` under the hop's delivery policy, in the
 * current round. Returns 0 or a negative LDFI_E* code. */
int ldfi_stage_send(struct ldfi_stage *st, enum ldfi_hop hop, int rec);

/* Send record `rec` on `hop` because this replica holds it (a sink's relay,
 * a deduplicating relay): the send, and every retransmission of it, has as
 * parents any one of the copies of `rec` the replica has received so far.
 * Requires ldfi_stage_track_receipts() in init. Returns 0 or LDFI_E*. */
int ldfi_stage_send_held(struct ldfi_stage *st, enum ldfi_hop hop, int rec);

/* Ask the runtime to remember every copy this replica receives (for
 * ldfi_stage_send_held). Call from init. Returns 0 or LDFI_ENOMEM. */
int ldfi_stage_track_receipts(struct ldfi_stage *st);

/* Add record `rec` to this replica's outputs. Returns 0 or LDFI_ENOMEM. */
int ldfi_stage_output(struct ldfi_stage *st, int rec);

/* Mark record `rec` as emitted (sources). */
void ldfi_stage_emitted(struct ldfi_stage *st, int rec);

/* Number of records known to the run, and the first record of source
 * component `comp` (records of one source are contiguous). */
int ldfi_stage_n_records(const struct ldfi_stage *st);
int ldfi_stage_first_record(const struct ldfi_stage *st, int comp);

extern const struct ldfi_stage_ops ldfi_source_ops;
extern const struct ldfi_stage_ops ldfi_relay_ops;
extern const struct ldfi_stage_ops ldfi_sink_ops;

#endif
