/*
 * 2pc.c - two-phase commit (Molly's commit/2pc.ded) as ldfi plugin stages.
 *
 * coordinator (node C): while undecided, sends `prepare` to every agent in
 * every round; once it holds a `yes` vote from every agent it commits: it
 * outputs `commit` and sends `commit` to every agent. No timeouts.
 * agent (a, b, d): votes `yes` on every `prepare`; outputs the decision the
 * coordinator sends.
 * Checks (2pc_assert.ded): termination - once an agent got a prepare, the
 * decision is held by at least two nodes; agreement - no two nodes decide
 * differently.
 */
#include <stdio.h>
#include <string.h>

#include <ldfi/stage.h>

#include "protocols.h"

/* coordinator */

static int coord_on_message(struct ldfi_stage *st, const struct ldfi_msg *m)
{
	char key[300];

	if (!proto_is(st, m->rec, "vote:yes"))
		return 0;
	snprintf(key, sizeof(key), "vote:%s", proto_node_name(st, m->src_node));
	return ldfi_stage_put(st, key, 1);
}

static int coord_on_round(struct ldfi_stage *st, int round)
{
	int agent = proto_comp(st, "agent"), rc, all;

	(void)round;
	if ((rc = ldfi_stage_get(st, "decided", NULL)) != 0)
		return rc < 0 ? rc : 0;
	if ((all = proto_all_voted(st, agent)) < 0)
		return all;
	if (all) {
		if ((rc = ldfi_stage_put(st, "decided", 1)) || (rc = proto_output(st, "commit")))
			return rc;
		return proto_send_all(st, agent, "commit");
	}
	return proto_send_all(st, agent, "prepare");
}

const struct ldfi_stage_ops coordinator = {
    .api_version = LDFI_STAGE_API_VERSION,
    .kind = "2pc-coordinator",
    .on_message = coord_on_message,
    .on_round = coord_on_round,
};

/* agent */

static int agent_on_message(struct ldfi_stage *st, const struct ldfi_msg *m)
{
	if (proto_is(st, m->rec, "prepare"))
		return proto_send(st, m->src_comp, m->src_node, "vote:yes");
	if (proto_is(st, m->rec, "commit") || proto_is(st, m->rec, "abort"))
		return proto_decide(st, ldfi_stage_record_name(st, m->rec));
	return 0;
}

const struct ldfi_stage_ops agent = {
    .api_version = LDFI_STAGE_API_VERSION,
    .kind = "2pc-agent",
    .on_message = agent_on_message,
};

/* checks */

int check_termination(struct ldfi_trace *tr, const struct ldfi_trace *ff, int check,
		      struct ldfi_check_result *res)
{
	return proto_check_termination(tr, ff, check, res);
}

int check_agreement(struct ldfi_trace *tr, const struct ldfi_trace *ff, int check,
		    struct ldfi_check_result *res)
{
	return proto_check_agreement(tr, ff, check, res);
}
