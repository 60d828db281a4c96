/*
 * bully-le.c - bully leader election (Molly: util/leader.ded) as an ldfi
 * plugin stage.
 *
 * Every node of the stage has an id: its position in the stage's node list,
 * from 1 (a=1, b=2, c=3). In round 1 every node but the last starts an
 * election for itself (leader.ded: election at a and b, not c): it sends
 * ballot:ID to every node, itself included. A node that receives ballots
 * for a candidate in a round forwards them in that round (one send per
 * candidate per round, to every node, itself included, the voter being the
 * sender), unless it has ever seen a ballot for a higher candidate
 * (has_higher). Because a node also sends to itself, a candidate it forwards
 * keeps coming back: flooding goes on to eot, as in Molly.
 *
 * Leader, evaluated at eot as Molly's pre/post: a node holds leader I at eot
 * when a ballot for I arrives in round eot and a majority of the nodes
 * (> n/2) have ever voted (sent it a ballot) for I. The stage outputs
 * `leader:I` in round eot, once per ballot for I arriving then, each output
 * derived from that ballot and from the other voters' entries it read, so
 * that the lineage sees the alternative majorities.
 *
 * Check (leader.ded's pre/post over live nodes): if a live node received a
 * ballot in round eot, some live node holds a leader and no two leaders
 * held by live nodes differ.
 */
#include <stdio.h>
#include <string.h>

#include <ldfi/stage.h>

#include "protocols.h"

/* The position of `node` in this stage's node list, from 1; 0 if absent. */
static int node_id(const struct ldfi_stage *st, int node)
{
	const struct ldfi_comp *c = &ldfi_stage_conf(st)->comps[ldfi_stage_comp(st)];

	for (int i = 0; i < c->n_nodes; i++)
		if (c->nodes[i] == node)
			return i + 1;
	return 0;
}

static int n_members(const struct ldfi_stage *st)
{
	return ldfi_stage_conf(st)->comps[ldfi_stage_comp(st)].n_nodes;
}

/* Candidate of a ballot record "ballot:I", or 0. */
static int ballot_of(const struct ldfi_stage *st, int rec)
{
	const char *n = ldfi_stage_record_name(st, rec);
	int id;

	if (!n || sscanf(n, "ballot:%d", &id) != 1)
		return 0;
	return id;
}

/* Send ballot:I to every member, this node included. */
static int send_ballot(struct ldfi_stage *st, int cand)
{
	const struct ldfi_comp *c = &ldfi_stage_conf(st)->comps[ldfi_stage_comp(st)];
	char name[64];
	int rec, rc;

	snprintf(name, sizeof(name), "ballot:%d", cand);
	if ((rec = ldfi_stage_record(st, name)) < 0)
		return rec;
	for (int i = 0; i < c->n_nodes; i++)
		if ((rc = ldfi_stage_send_to(st, ldfi_stage_comp(st), c->nodes[i], rec)))
			return rc;
	return 0;
}

/* Output leader:I now, derived from the current cause. */
static int output_leader(struct ldfi_stage *st, int cand)
{
	char name[64];

	snprintf(name, sizeof(name), "leader:%d", cand);
	return proto_output(st, name);
}

static int bully_on_message(struct ldfi_stage *st, const struct ldfi_msg *m)
{
	int cand = ballot_of(st, m->rec), voter = node_id(st, m->src_node), n = n_members(st);
	int round = ldfi_stage_round(st), votes = 1, rc;
	char key[64];

	if (!cand || !voter)
		return 0;
	/* ballot_log: voter `voter` voted for `cand` (the latest ballot). */
	snprintf(key, sizeof(key), "voter:%d:%d", cand, voter);
	if ((rc = ldfi_stage_put(st, key, 1)))
		return rc;
	/* A ballot for `cand` arrived this round: forward it in on_round. */
	snprintf(key, sizeof(key), "got:%d:%d", cand, round);
	if ((rc = ldfi_stage_put(st, key, 1)))
		return rc;
	/* seen: for has_higher. */
	snprintf(key, sizeof(key), "seen:%d", cand);
	if ((rc = ldfi_stage_put(st, key, 1)))
		return rc;
	if (round != ldfi_stage_conf(st)->eot)
		return 0;
	/* leader(H, R, I) at eot: this ballot and a majority of voters. This
	 * ballot is its sender's vote; add other voters, preferring those whose
	 * entry this round's ballots refreshed (earlier senders), until a
	 * majority is reached. */
	for (int k = 1; k <= n && 2 * votes <= n; k++) {
		int q = ((voter - 1 + n - k) % n) + 1;

		if (q == voter)
			continue;
		snprintf(key, sizeof(key), "voter:%d:%d", cand, q);
		if ((rc = ldfi_stage_get(st, key, NULL)) < 0)
			return rc;
		votes += rc;
	}
	return 2 * votes > n ? output_leader(st, cand) : 0;
}

static int bully_on_round(struct ldfi_stage *st, int round)
{
	int n = n_members(st), self = node_id(st, ldfi_stage_node(st)), rc;
	char key[64];

	if (round == 1 && self < n) /* election(Host, 1)@1 */
		return send_ballot(st, self);
	for (int cand = n; cand >= 1; cand--) {
		int higher = 0;

		snprintf(key, sizeof(key), "got:%d:%d", cand, round);
		if ((rc = ldfi_stage_get(st, key, NULL)) < 0)
			return rc;
		if (!rc)
			continue;
		/* has_higher: a ballot for a higher candidate was ever seen. */
		for (int h = cand + 1; h <= n && !higher; h++) {
			snprintf(key, sizeof(key), "seen:%d", h);
			if ((higher = ldfi_stage_get(st, key, NULL)) < 0)
				return higher;
		}
		if (!higher && (rc = send_ballot(st, cand)))
			return rc;
	}
	return 0;
}

const struct ldfi_stage_ops bully = {
    .api_version = LDFI_STAGE_API_VERSION,
    .kind = "bully-le",
    .on_message = bully_on_message,
    .on_round = bully_on_round,
};

/* --- check --- */

static int leader_of(const struct ldfi_trace *tr, const struct ldfi_output *o)
{
	int id;

	if (tr->conf->comps[o->comp].type != LDFI_COMP_STAGE ||
	    sscanf(tr->recs[o->rec].name, "leader:%d", &id) != 1)
		return 0;
	return id;
}

/* pre(R) :- ballot(_, R, _, _) at eot; post(R) :- leader(_, R, _),
 * notin disagree(R). Over live nodes. */
int check_leader(const struct ldfi_trace *tr, const struct ldfi_trace *ff, int check,
		 struct ldfi_check_result *res)
{
	const struct ldfi_msg *pre = NULL;
	int first = 0, rc;

	(void)ff;
	(void)check;
	res->passed = true;
	for (size_t i = 0; i < tr->n_msgs && !pre; i++) {
		const struct ldfi_msg *m = &tr->msgs[i];

		if (m->fate == LDFI_FATE_DELIVERED && m->kind == LDFI_MSG_DATA &&
		    m->send_round + 1 == tr->conf->eot && ldfi_trace_alive(tr, m->dst_node) &&
		    strncmp(tr->recs[m->rec].name, "ballot:", 7) == 0)
			pre = m;
	}
	if (!pre)
		return 0;
	for (size_t i = 0; i < tr->n_outs; i++) {
		const struct ldfi_output *o = &tr->outs[i];
		int id = ldfi_trace_alive(tr, o->node) ? leader_of(tr, o) : 0;

		if (!id)
			continue;
		if (!first)
			first = id;
		else if (id != first && (rc = ldfi_check_offend(res, o->rec, o->comp, o->node,
								LDFI_PROBLEM_UNEXPECTED, 1, 0)))
			return rc;
	}
	if (!first) /* a ballot at eot, and no leader */
		return ldfi_check_offend(res, pre->rec, pre->dst_comp, pre->dst_node,
					 LDFI_PROBLEM_MISSING, 0, 1);
	return 0;
}
