/*
 * builtins.c - the built-in stage kinds: source, relay and sink, written
 * against the public stage API (ldfi/stage.h) that plugins use.
 */
#include <stdlib.h>
#include <string.h>

#include "ldfi/conf.h"
#include "ldfi/ldfi.h"
#include "ldfi/stage.h"
#include "runtime/stage.h"

/* State shared by relay and sink: which records this replica has seen.
 * Grows: plugins may name new records during the run. */
struct seen {
	unsigned char *bits;
	size_t n_bytes;
};

static int seen_init(struct ldfi_stage *st)
{
	const struct ldfi_comp *c = &ldfi_stage_conf(st)->comps[ldfi_stage_comp(st)];
	struct seen *s;
	int rc;

	/* Relays that forward what they hold get their provenance from receipts. */
	if ((c->type == LDFI_COMP_SINK ? c->delivery != LDFI_DELIVERY_NONE : c->dedup) &&
	    (rc = ldfi_stage_track_receipts(st)))
		return rc;
	s = calloc(1, sizeof(*s));

	if (!s)
		return LDFI_ENOMEM;
	s->n_bytes = (size_t)ldfi_stage_n_records(st) / 8 + 1;
	s->bits = calloc(s->n_bytes, 1);
	if (!s->bits) {
		free(s);
		return LDFI_ENOMEM;
	}
	ldfi_stage_set_data(st, s);
	return 0;
}

static void seen_finish(struct ldfi_stage *st)
{
	struct seen *s = ldfi_stage_data(st);

	if (s)
		free(s->bits);
	free(s);
	ldfi_stage_set_data(st, NULL);
}

/* Marks `rec` seen; returns whether it was seen before (1, 0), or
 * LDFI_ENOMEM. */
static int seen_test_and_set(struct seen *s, int rec)
{
	unsigned char bit = (unsigned char)(1u << (rec % 8));
	int was;

	if ((size_t)rec / 8 >= s->n_bytes) {
		size_t n = 2 * ((size_t)rec / 8 + 1);
		unsigned char *b = realloc(s->bits, n);

		if (!b)
			return LDFI_ENOMEM;
		memset(b + s->n_bytes, 0, n - s->n_bytes);
		s->bits = b;
		s->n_bytes = n;
	}
	was = (s->bits[rec / 8] & bit) != 0;
	s->bits[rec / 8] |= bit;
	return was;
}

/* source: in its emission round, emits every record, in order, downstream. */
static int source_on_round(struct ldfi_stage *st, int round)
{
	int comp = ldfi_stage_comp(st);
	const struct ldfi_comp *c = &ldfi_stage_conf(st)->comps[comp];
	int first = ldfi_stage_first_record(st, comp);

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

/* Nothing is ever addressed to a source. */
const struct ldfi_stage_ops ldfi_source_ops = {
    .api_version = LDFI_STAGE_API_VERSION,
    .kind = "source",
    .on_round = source_on_round,
};

/* relay: forwards each copy it receives (only the first with dedup). */
static int relay_on_message(struct ldfi_stage *st, const struct ldfi_msg *m)
{
	const struct ldfi_comp *c = &ldfi_stage_conf(st)->comps[ldfi_stage_comp(st)];
	int seen = seen_test_and_set(ldfi_stage_data(st), m->rec);

	if (seen < 0)
		return seen;
	if (!c->dedup)
		return ldfi_stage_send(st, LDFI_HOP_DOWNSTREAM, m->rec);
	if (seen)
		return 0;
	return ldfi_stage_send_held(st, LDFI_HOP_DOWNSTREAM, m->rec);
}

const struct ldfi_stage_ops ldfi_relay_ops = {
    .api_version = LDFI_STAGE_API_VERSION,
    .kind = "relay",
    .init = seen_init,
    .finish = seen_finish,
    .on_message = relay_on_message,
};

/* sink: keeps every copy (the first only with dedup); on the first receipt
 * of a record, relays it to the sink's other replicas if configured. */
static int sink_on_message(struct ldfi_stage *st, const struct ldfi_msg *m)
{
	const struct ldfi_comp *c = &ldfi_stage_conf(st)->comps[ldfi_stage_comp(st)];
	int seen = seen_test_and_set(ldfi_stage_data(st), m->rec), first = !seen;
	int rc;

	if (seen < 0)
		return seen;
	if (first || !c->dedup) {
		if ((rc = ldfi_stage_output(st, m->rec)))
			return rc;
	}
	if (first && c->delivery != LDFI_DELIVERY_NONE && c->n_nodes > 1)
		return ldfi_stage_send_held(st, LDFI_HOP_RELAY, m->rec);
	return 0;
}

const struct ldfi_stage_ops ldfi_sink_ops = {
    .api_version = LDFI_STAGE_API_VERSION,
    .kind = "sink",
    .init = seen_init,
    .finish = seen_finish,
    .on_message = sink_on_message,
};
