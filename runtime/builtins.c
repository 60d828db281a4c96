/*
 * builtins.c - the built-in stage kinds: source, relay and sink, written
 * against the same stage interface plugins will use.
 */
#include <stdlib.h>

#include "ldfi/conf.h"
#include "ldfi/ldfi.h"
#include "runtime/runtime.h"
#include "runtime/stage.h"

/* State shared by relay and sink: which records this replica has seen. */
struct seen {
	unsigned char *bits;
};

static int seen_init(struct ldfi_stage *st)
{
	const struct ldfi_comp *c = &ldfi_rt_conf(st->rt)->comps[st->comp];
	struct seen *s;
	int rc;

	/* Relays that forward what they hold get their provenance from receipts. */
	if ((c->type == LDFI_COMP_SINK ? c->delivery != LDFI_DELIVERY_NONE : c->dedup) &&
	    (rc = ldfi_stage_track_receipts(st)))
		return rc;
	s = calloc(1, sizeof(*s));

	if (!s)
		return LDFI_ENOMEM;
	s->bits = calloc((size_t)ldfi_stage_n_records(st) / 8 + 1, 1);
	if (!s->bits) {
		free(s);
		return LDFI_ENOMEM;
	}
	st->state = s;
	return 0;
}

static void seen_finish(struct ldfi_stage *st)
{
	struct seen *s = st->state;

	if (s)
		free(s->bits);
	free(s);
	st->state = NULL;
}

/* Marks `rec` seen; returns whether it was seen before. */
static int seen_test_and_set(struct seen *s, int rec)
{
	unsigned char bit = (unsigned char)(1u << (rec % 8));
	int was = (s->bits[rec / 8] & bit) != 0;

	s->bits[rec / 8] |= bit;
	return was;
}

/* source: in its emission round, emits every record, in order, downstream. */
static int source_init(struct ldfi_stage *st)
{
	st->state = NULL;
	return 0;
}

static void source_finish(struct ldfi_stage *st)
{
	(void)st;
}

static int source_on_message(struct ldfi_stage *st, const struct ldfi_msg *m)
{
	(void)st;
	(void)m;
	return 0; /* nothing is ever addressed to a source */
}

static int source_on_round(struct ldfi_stage *st, int round)
{
	const struct ldfi_comp *c = &ldfi_rt_conf(st->rt)->comps[st->comp];
	int first = ldfi_stage_first_record(st, st->comp);

	if (round != c->at)
		return 0;
	for (int i = 0; i < c->n_records; i++) {
		int rc;

		ldfi_stage_emitted(st, first + i);
		if ((rc = ldfi_stage_send(st, LDFI_HOP_DOWNSTREAM, first + i)))
			return rc;
	}
	return 0;
}

const struct ldfi_stage_ops ldfi_source_ops = {
	.kind = "source",
	.init = source_init,
	.finish = source_finish,
	.on_message = source_on_message,
	.on_round = source_on_round,
};

/* relay: forwards each copy it receives (only the first with dedup). */
static int relay_on_message(struct ldfi_stage *st, const struct ldfi_msg *m)
{
	const struct ldfi_comp *c = &ldfi_rt_conf(st->rt)->comps[st->comp];

	if (!c->dedup) {
		seen_test_and_set(st->state, m->rec);
		return ldfi_stage_send(st, LDFI_HOP_DOWNSTREAM, m->rec);
	}
	if (seen_test_and_set(st->state, m->rec))
		return 0;
	return ldfi_stage_send_held(st, LDFI_HOP_DOWNSTREAM, m->rec);
}

const struct ldfi_stage_ops ldfi_relay_ops = {
	.kind = "relay",
	.init = seen_init,
	.finish = seen_finish,
	.on_message = relay_on_message,
	.on_round = NULL,
};

/* sink: keeps every copy (the first only with dedup); on the first receipt
 * of a record, relays it to the sink's other replicas if configured. */
static int sink_on_message(struct ldfi_stage *st, const struct ldfi_msg *m)
{
	const struct ldfi_comp *c = &ldfi_rt_conf(st->rt)->comps[st->comp];
	int first = !seen_test_and_set(st->state, m->rec);
	int rc;

	if (first || !c->dedup) {
		if ((rc = ldfi_stage_output(st, m->rec)))
			return rc;
	}
	if (first && c->delivery != LDFI_DELIVERY_NONE && c->n_nodes > 1)
		return ldfi_stage_send_held(st, LDFI_HOP_RELAY, m->rec);
	return 0;
}

const struct ldfi_stage_ops ldfi_sink_ops = {
	.kind = "sink",
	.init = seen_init,
	.finish = seen_finish,
	.on_message = sink_on_message,
	.on_round = NULL,
};
