/*
 * flink-checkpoint.c - a Flink-style checkpointing operator as a plugin
 * stage (README.md beside it): it takes records from a durable source on an
 * `ack` hop with `acks = manual`, and every K rounds releases what it took
 * since the last checkpoint downstream, takes a checkpoint
 * (ldfi_stage_checkpoint) and only then acknowledges those records to the
 * source: a record is acknowledged once a checkpoint covers it. After a
 * restart the runtime restores the last checkpoint; what came after it was
 * never acknowledged, so the durable source sends it again.
 *
 * checkpoint_op: the operator. checkpoint_op_ack_on_receipt: its classic
 * bug, acknowledging each record when it arrives: a restart before the next
 * checkpoint loses the record, and the source, acknowledged, never resends.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include <ldfi/stage.h>

/* Rounds between checkpoints: rounds K, 2K, ... */
#define K 3

/* A record taken since the last checkpoint, and who sent it. */
struct taken {
	int rec, comp, node;
};

/* Private data: a cache, not provenance (the marks in the state are). */
struct op {
	bool ack_on_receipt;
	struct taken *v;
	int n, cap;
};

static int mark(struct ldfi_stage *st, int rec, int64_t *value)
{
	char key[300];

	snprintf(key, sizeof(key), "s:%s", ldfi_stage_record_name(st, rec));
	return value ? ldfi_stage_get(st, key, value) : ldfi_stage_put(st, key, 1);
}

static int start(struct ldfi_stage *st, bool ack_on_receipt)
{
	struct op *op = calloc(1, sizeof(*op));

	if (!op)
		return LDFI_ENOMEM;
	op->ack_on_receipt = ack_on_receipt;
	ldfi_stage_set_data(st, op);
	return 0;
}

static int init_op(struct ldfi_stage *st)
{
	return start(st, false);
}

static int init_bug(struct ldfi_stage *st)
{
	return start(st, true);
}

static void finish(struct ldfi_stage *st)
{
	struct op *op = ldfi_stage_data(st);

	if (op)
		free(op->v);
	free(op);
}

static bool is_taken(const struct op *op, int rec)
{
	for (int i = 0; i < op->n; i++)
		if (op->v[i].rec == rec)
			return true;
	return false;
}

static int on_message(struct ldfi_stage *st, const struct ldfi_msg *m)
{
	struct op *op = ldfi_stage_data(st);
	int64_t seen = 0;
	int rc = mark(st, m->rec, &seen);

	if (rc < 0)
		return rc;
	if (rc == 1) {
		/* A copy again: a checkpoint covered it, so its ack was lost -
		 * acknowledge it again; taken and not yet covered - wait. */
		return is_taken(op, m->rec) ? 0
					    : ldfi_stage_ack(st, m->src_comp, m->src_node, m->rec);
	}
	if ((rc = mark(st, m->rec, NULL)))
		return rc;
	if (op->n == op->cap) {
		int cap = op->cap ? 2 * op->cap : 8;
		struct taken *v = realloc(op->v, (size_t)cap * sizeof(*v));

		if (!v)
			return LDFI_ENOMEM;
		op->v = v;
		op->cap = cap;
	}
	op->v[op->n++] = (struct taken){m->rec, m->src_comp, m->src_node};
	return op->ack_on_receipt ? ldfi_stage_ack(st, m->src_comp, m->src_node, m->rec) : 0;
}

/* Each taken record's sends and acks derive from its own mark only. */
static int read_mark(struct ldfi_stage *st, int rec)
{
	int64_t v;
	int rc;

	ldfi_stage_forget_reads(st);
	rc = mark(st, rec, &v);
	return rc < 0 ? rc : 0;
}

static int on_round(struct ldfi_stage *st, int round)
{
	struct op *op = ldfi_stage_data(st);
	int rc = 0;

	if (round % K != 0)
		return 0;
	/* Release: the results leave with the checkpoint (two-phase). */
	for (int i = 0; !rc && i < op->n; i++)
		if (!(rc = read_mark(st, op->v[i].rec)))
			rc = ldfi_stage_send(st, LDFI_HOP_DOWNSTREAM, op->v[i].rec);
	/* The marks and the sends just made are durable from here. */
	if (!rc)
		rc = ldfi_stage_checkpoint(st);
	/* Only now does a checkpoint cover them: acknowledge. */
	for (int i = 0; !rc && !op->ack_on_receipt && i < op->n; i++)
		if (!(rc = read_mark(st, op->v[i].rec)))
			rc = ldfi_stage_ack(st, op->v[i].comp, op->v[i].node, op->v[i].rec);
	op->n = 0;
	return rc;
}

const struct ldfi_stage_ops checkpoint_op = {
    .api_version = LDFI_STAGE_API_VERSION,
    .kind = "checkpoint-op",
    .init = init_op,
    .finish = finish,
    .on_message = on_message,
    .on_round = on_round,
};

const struct ldfi_stage_ops checkpoint_op_ack_on_receipt = {
    .api_version = LDFI_STAGE_API_VERSION,
    .kind = "checkpoint-op-ack-on-receipt",
    .init = init_bug,
    .finish = finish,
    .on_message = on_message,
    .on_round = on_round,
};
