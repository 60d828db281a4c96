/*
 * flux.c - Flux's replica pairing (Molly: flux/flux.ded, flux_buffer.ded,
 * flux_partitionpairs.ded) as an ldfi plugin stage.
 *
 * Stage `flux` (nodes fpp, fps, fcp, fcs: producer primary/secondary,
 * consumer primary/secondary). Each node has a buffer of (sn, data); for
 * its destination D it dispatches, one item per round, the lowest sn not
 * yet advanced for D (status(D) ACTIVE, conn(D) SEND). An item received is
 * put in the receiver's buffer (and, at a consumer, logged: the stage
 * outputs `data:X`). The producers put foo, bar, baz in round 1 and qux in
 * round 2 (each outputs `put:X`).
 *   fpp -> fcp, fps -> fcs, fcp -> fps, fcs -> fpp.
 *
 * Not modelled: the heartbeat failure detector Z (real_heartbeat.ded) and
 * the takeover it triggers (flux.ded's fail/reverse). Molly's fault space
 * for flux had the four nodes above, and Z cannot change the check: its
 * first `fail` is sent in round 5 at the earliest (a heartbeat must arrive
 * first, in round 4), while each producer dispatches every item to its
 * consumer once, in rounds 1..4, and a takeover only stops dispatching to a
 * dead node or reverses a connection no node dispatches on (README.md).
 *
 * Check (flux_partitionpairs.ded): pre(X) :- put(_, X, _, _)@1 (X put in
 * round 1); post(X) :- good(X, _) (some consumer logged X). Over live
 * consumers; vacuous when none is alive.
 */
#include <stdio.h>
#include <string.h>

#include <ldfi/stage.h>

#include "protocols.h"

#define N_ITEMS 4
static const char *const items[N_ITEMS] = {"foo", "bar", "baz", "qux"};
static const int item_round[N_ITEMS] = {1, 1, 1, 2};

/* The partition-pairs topology: per host, its destination, whether it
 * produces, whether it consumes. */
struct role {
	const char *host, *dest;
	int producer, consumer;
};
static const struct role roles[] = {
    {"fpp", "fcp", 1, 0},
    {"fps", "fcs", 1, 0},
    {"fcp", "fps", 0, 1},
    {"fcs", "fpp", 0, 1},
};
static const struct role *role_of(const struct ldfi_stage *st)
{
	const char *me = proto_node_name(st, ldfi_stage_node(st));

	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (strcmp(roles[i].host, me) == 0)
			return &roles[i];
	return NULL;
}

static int node_index(const struct ldfi_stage *st, const char *name)
{
	const struct ldfi_conf *conf = ldfi_stage_conf(st);

	for (int i = 0; i < conf->n_nodes; i++)
		if (strcmp(conf->nodes[i].name, name) == 0)
			return i;
	return -1;
}

/* Does the stage `comp` have a replica on node `node`? */
static int has_replica(const struct ldfi_stage *st, int comp, int node)
{
	const struct ldfi_comp *c = &ldfi_stage_conf(st)->comps[comp];

	for (int i = 0; i < c->n_nodes; i++)
		if (c->nodes[i] == node)
			return 1;
	return 0;
}

static int send_named(struct ldfi_stage *st, int comp, const char *node, const char *rec)
{
	int n = node_index(st, node);

	if (n < 0 || comp < 0 || !has_replica(st, comp, n))
		return 0; /* not in this pipeline */
	return proto_send(st, comp, n, rec);
}

/* --- flux members --- */

static int flux_on_message(struct ldfi_stage *st, const struct ldfi_msg *m)
{
	const struct role *r = role_of(st);
	const char *name = ldfi_stage_record_name(st, m->rec);
	char key[300], data[64];
	int sn, rc;

	if (!r || !name || sscanf(name, "d:%d:%63s", &sn, data) != 2)
		return 0;
	/* put(H, D, S, 0) :- send(H, _, S, D): into the buffer. */
	snprintf(key, sizeof(key), "buf:%d", sn);
	if ((rc = ldfi_stage_put(st, key, 1)))
		return rc;
	if (r->consumer) { /* put_log at a consumer: good(X, I) */
		snprintf(key, sizeof(key), "data:%s", data);
		return proto_output(st, key);
	}
	return 0;
}

/* dispatch to `dest`: the lowest sn in the buffer not advanced for it. */
static int dispatch(struct ldfi_stage *st, const char *dest)
{
	char key[300], rec[300];
	int rc;

	for (int sn = 1; sn <= N_ITEMS; sn++) {
		snprintf(key, sizeof(key), "buf:%d", sn);
		if ((rc = ldfi_stage_get(st, key, NULL)) < 0)
			return rc;
		if (!rc)
			continue;
		snprintf(key, sizeof(key), "adv:%s:%d", dest, sn);
		if ((rc = ldfi_stage_get(st, key, NULL)) < 0)
			return rc;
		if (rc)
			continue;
		/* send(D, H, Sn, Data)@async; advance(H, D) */
		snprintf(rec, sizeof(rec), "d:%d:%s", sn, items[sn - 1]);
		if ((rc = send_named(st, ldfi_stage_comp(st), dest, rec)))
			return rc;
		return ldfi_stage_put(st, key, 1);
	}
	return 0;
}

static int flux_on_round(struct ldfi_stage *st, int round)
{
	const struct role *r = role_of(st);
	char key[300];
	int rc;

	if (!r)
		return 0;
	if (r->producer) /* put("fpp", "foo", 1, 0)@1; ... qux@2 */
		for (int i = 0; i < N_ITEMS; i++) {
			if (item_round[i] != round)
				continue;
			snprintf(key, sizeof(key), "buf:%d", i + 1);
			if ((rc = ldfi_stage_put(st, key, 1)))
				return rc;
			snprintf(key, sizeof(key), "put:%s", items[i]);
			if ((rc = proto_output(st, key)))
				return rc;
		}
	return dispatch(st, r->dest);
}

const struct ldfi_stage_ops flux = {
    .api_version = LDFI_STAGE_API_VERSION,
    .kind = "flux",
    .on_message = flux_on_message,
    .on_round = flux_on_round,
};

/* --- check --- */

static int out_of(const struct ldfi_trace *tr, const char *prefix, int node_alive_only,
		  const char *item, int *comp, int *node)
{
	char want[300];

	snprintf(want, sizeof(want), "%s%s", prefix, item);
	for (size_t i = 0; i < tr->n_outs; i++) {
		const struct ldfi_output *o = &tr->outs[i];

		if (strcmp(tr->recs[o->rec].name, want) != 0)
			continue;
		if (node_alive_only && !ldfi_trace_alive(tr, o->node))
			continue;
		*comp = o->comp;
		*node = o->node;
		return o->rec;
	}
	return -1;
}

/* pre(X) :- put(_, X, _, _)@1; post(X) :- good(X, _). */
int check_flux(const struct ldfi_trace *tr, const struct ldfi_trace *ff, int check,
	       struct ldfi_check_result *res)
{
	int any_consumer = 0, rc;

	(void)ff;
	(void)check;
	res->passed = true;
	for (int n = 0; n < tr->conf->n_nodes; n++)
		for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
			any_consumer |= roles[i].consumer &&
					strcmp(roles[i].host, tr->conf->nodes[n].name) == 0 &&
					ldfi_trace_alive(tr, n);
	if (!any_consumer)
		return 0;
	for (int k = 0; k < N_ITEMS; k++) {
		int comp, node, rec;

		if (item_round[k] != 1)
			continue;
		if ((rec = out_of(tr, "put:", 0, items[k], &comp, &node)) < 0)
			continue; /* not put: no pre */
		if (out_of(tr, "data:", 1, items[k], &comp, &node) >= 0)
			continue;
		if ((rc = ldfi_check_offend(res, rec, comp, node, LDFI_PROBLEM_MISSING, 0, 1)))
			return rc;
	}
	return 0;
}
