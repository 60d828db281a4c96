/*
 * builtins.c - the built-in stage kinds: source, relay and sink, written
 * against the public stage API (ldfi/stage.h) that plugins use. Relays and
 * sinks remember what they received in the runtime's receipts
 * (ldfi_stage_received), which survive a restart exactly when SPEC §1.1
 * says: always for a sink, with `durable = yes` for a relay.
 */
#include <stdlib.h>
#include <string.h>

#include "ldfi/conf.h"
#include "ldfi/ldfi.h"
#include "ldfi/stage.h"
#include "runtime/stage.h"

static const struct ldfi_comp *comp_of(const struct ldfi_stage *st)
{
	return &ldfi_stage_conf(st)->comps[ldfi_stage_comp(st)];
}

/* source: every record, in order, downstream. */
static int emit_all(struct ldfi_stage *st)
{
	int comp = ldfi_stage_comp(st), first = ldfi_stage_first_record(st, comp);

	for (int i = 0; i < comp_of(st)->n_records; i++) {
		int rc;

		ldfi_stage_emitted(st, first + i);
		if ((rc = ldfi_stage_send(st, LDFI_HOP_DOWNSTREAM, first + i)))
			return rc;
	}
	return 0;
}

/* source: emits in its emission round. */
static int source_on_round(struct ldfi_stage *st, int round)
{
	return round == comp_of(st)->at ? emit_all(st) : 0;
}

/* source, back up after a restart: a durable one (a replayable log) emits
 * now what it would have emitted while down; its unacknowledged sends are
 * resent by the runtime. A volatile one has forgotten everything. */
static int source_on_recover(struct ldfi_stage *st, int round, int down_from)
{
	const struct ldfi_comp *c = comp_of(st);

	if (!c->durable || c->at < down_from || c->at >= round)
		return 0;
	return emit_all(st);
}

/* Nothing is ever addressed to a source. */
const struct ldfi_stage_ops ldfi_source_ops = {
    .api_version = LDFI_STAGE_API_VERSION,
    .kind = "source",
    .on_round = source_on_round,
    .on_recover = source_on_recover,
};

/* Relays that forward what they hold, and sinks that relay or deduplicate,
 * track their receipts: their memory of what they received. */
static int receipts_init(struct ldfi_stage *st)
{
	const struct ldfi_comp *c = comp_of(st);

	if (c->type == LDFI_COMP_SINK ? c->delivery != LDFI_DELIVERY_NONE || c->dedup : c->dedup)
		return ldfi_stage_track_receipts(st);
	return 0;
}

/* relay: forwards each copy it receives (only the first with dedup, as far
 * as it remembers: a volatile relay forgets at a restart). */
static int relay_on_message(struct ldfi_stage *st, const struct ldfi_msg *m)
{
	int n;

	if (!comp_of(st)->dedup)
		return ldfi_stage_send(st, LDFI_HOP_DOWNSTREAM, m->rec);
	if ((n = ldfi_stage_received(st, m->rec)) < 0)
		return n;
	if (n > 1)
		return 0;
	return ldfi_stage_send_held(st, LDFI_HOP_DOWNSTREAM, m->rec);
}

const struct ldfi_stage_ops ldfi_relay_ops = {
    .api_version = LDFI_STAGE_API_VERSION,
    .kind = "relay",
    .init = receipts_init,
    .on_message = relay_on_message,
};

/* sink: keeps every copy (the first only with dedup); on the first receipt
 * of a record, relays it to the sink's other replicas if configured. */
static int sink_on_message(struct ldfi_stage *st, const struct ldfi_msg *m)
{
	const struct ldfi_comp *c = comp_of(st);
	int n = c->delivery != LDFI_DELIVERY_NONE || c->dedup ? ldfi_stage_received(st, m->rec) : 1;
	int rc;

	if (n < 0)
		return n;
	if (n == 1 || !c->dedup) {
		if ((rc = ldfi_stage_output(st, m->rec)))
			return rc;
	}
	if (n == 1 && c->delivery != LDFI_DELIVERY_NONE && c->n_nodes > 1)
		return ldfi_stage_send_held(st, LDFI_HOP_RELAY, m->rec);
	return 0;
}

const struct ldfi_stage_ops ldfi_sink_ops = {
    .api_version = LDFI_STAGE_API_VERSION,
    .kind = "sink",
    .init = receipts_init,
    .on_message = sink_on_message,
};
