/*
 * 2pc-ctp.c - two-phase commit with timeouts and the cooperative termination
 * protocol (Molly's commit/2pc_ctp.ded over 2pc_timeout.ded and 2pc.ded) as
 * ldfi plugin stages. Nodes: coordinator C, agents a, b, d.
 *
 * coordinator (C):
 *   - while running (no decision held in the previous round) it sends
 *     `prepare` to every agent, every round;
 *   - a `vote:yes` from agent X is kept (state vote:X);
 *   - when every vote is in it decides commit, effective next round
 *     (Dedalus @next); at its timeout (round 4) with a vote missing it
 *     decides abort, effective next round;
 *   - from the round its decision holds it sends it to every agent, every
 *     round (the decision persists);
 *   - a `commit` or `abort` from an agent: C holds it from now on (a
 *     different one than its own is output too: a disagreement);
 *   - a `decision_req` from X: if it holds a decision it answers with it; if
 *     undecided it has never voted, so it aborts at once and answers abort
 *     (2pc_ctp's "q has not voted yet" case; C is never prepared).
 * agent (a, b, d):
 *   - on `prepare`: votes yes, is prepared, and starts a timer that fires 3
 *     rounds later (timeout_svc with 4: one timer per prepare received);
 *   - on `commit` or `abort` (from C or from another agent): decides so;
 *     from then on it sends the decision to the other agents and C every
 *     round (2pc.ded's commit/abort rules hold for every node);
 *   - when a timer fires and it knows no decision: sends `decision_req` to the
 *     other agents and C;
 *   - on `decision_req` from X: answers with its decision if it has one;
 *     if it never got a prepare, it aborts and answers abort; a prepared,
 *     undecided agent cannot help and stays silent.
 * Checks (2pc_assert.ded): termination - once an agent got a prepare, at
 * least two live nodes hold a decision; agreement - no two live nodes (nor
 * one node) decide differently. Decisions are the outputs `commit`/`abort`;
 * a node outputs a decision every time it (re)derives it, so each derivation
 * is a support of the outcome.
 *
 * Every fact a decision depends on lives in provenance state (ldfi_stage_put /
 * ldfi_stage_get): votes, prepared, timers, decisions.
 */
#include <stdio.h>
#include <string.h>

#include <ldfi/stage.h>

#include "protocols.h"

#define COORD_TIMEOUT 4 /* timer_svc(C, X, 4) at round 1: fires at round 4 */
#define AGENT_TIMER 3	/* timer_svc(A, X, 4) on a prepare at t: fires at t + 3 */

/* A coordinator decision is stored as since * 2 + commit: it holds from
 * round `since` on. */
static int64_t enc(int since, int commit)
{
	return (int64_t)since * 2 + (commit ? 1 : 0);
}

static int dec_since(int64_t v)
{
	return (int)(v / 2);
}

static const char *dec_name(int64_t v)
{
	return (v & 1) ? "commit" : "abort";
}

static int coord_node(const struct ldfi_stage *st)
{
	int c = proto_comp(st, "coordinator");

	return c < 0 ? -1 : ldfi_stage_conf(st)->comps[c].nodes[0];
}

/* Send `name` to every agent but this replica, and to the coordinator. */
static int send_peers(struct ldfi_stage *st, const char *name)
{
	int rc = proto_send_all(st, proto_comp(st, "agent"), name);

	return rc ? rc : proto_send(st, proto_comp(st, "coordinator"), coord_node(st), name);
}

/* Decide `name`: output it and keep it. */
static int decide(struct ldfi_stage *st, const char *key, int64_t value, const char *name)
{
	int rc = proto_output(st, name);

	return rc ? rc : ldfi_stage_put(st, key, value);
}

/* coordinator */

static int coord_on_message(struct ldfi_stage *st, const struct ldfi_msg *m)
{
	int round = ldfi_stage_round(st), rc;
	int64_t v;
	char key[300];

	if (proto_is(st, m->rec, "vote:yes")) {
		snprintf(key, sizeof(key), "vote:%s", proto_node_name(st, m->src_node));
		return ldfi_stage_put(st, key, 1);
	}
	if (proto_is(st, m->rec, "commit") || proto_is(st, m->rec, "abort")) {
		/* An agent's decision reaches C too: C holds it from now on. */
		const char *name = ldfi_stage_record_name(st, m->rec);

		if ((rc = ldfi_stage_get(st, "decision", &v)) < 0)
			return rc;
		if (rc && dec_since(v) <= round && strcmp(dec_name(v), name) == 0)
			return 0;
		if (rc)
			return proto_output(st, name);
		return decide(st, "decision", enc(round, strcmp(name, "commit") == 0), name);
	}
	if (!proto_is(st, m->rec, "decision_req"))
		return 0;
	if ((rc = ldfi_stage_get(st, "decision", &v)) < 0)
		return rc;
	if (rc && dec_since(v) <= round)
		return proto_send(st, m->src_comp, m->src_node, dec_name(v));
	if (rc)
		return 0;
	/* Undecided: the coordinator has not voted, so it may abort. */
	if ((rc = decide(st, "decision", enc(round, 0), "abort")))
		return rc;
	return proto_send(st, m->src_comp, m->src_node, "abort");
}

static int coord_on_round(struct ldfi_stage *st, int round)
{
	int agent = proto_comp(st, "agent"), rc, has, all;
	int64_t v = 0;

	if ((has = ldfi_stage_get(st, "decision", &v)) < 0)
		return has;
	if (has && dec_since(v) <= round) /* the decision holds: tell the agents */
		if ((rc = proto_send_all(st, agent, dec_name(v))))
			return rc;
	if (has && dec_since(v) <= round - 1)
		return 0; /* no longer running */
	if ((rc = proto_send_all(st, agent, "prepare")))
		return rc;
	if (has)
		return 0;
	if ((all = proto_all_voted(st, agent)) < 0)
		return all;
	if (all)
		return decide(st, "decision", enc(round + 1, 1), "commit");
	if (round == COORD_TIMEOUT)
		return decide(st, "decision", enc(round + 1, 0), "abort");
	return 0;
}

const struct ldfi_stage_ops coordinator = {
    .api_version = LDFI_STAGE_API_VERSION,
    .kind = "2pc-ctp-coordinator",
    .on_message = coord_on_message,
    .on_round = coord_on_round,
};

/* agent */

static int agent_on_message(struct ldfi_stage *st, const struct ldfi_msg *m)
{
	int round = ldfi_stage_round(st), rc;
	int64_t v;
	char key[64];

	if (proto_is(st, m->rec, "prepare")) {
		snprintf(key, sizeof(key), "timer:%d", round + AGENT_TIMER);
		if ((rc = ldfi_stage_put(st, "prepared", 1)) || (rc = ldfi_stage_put(st, key, 1)))
			return rc;
		return proto_send(st, m->src_comp, m->src_node, "vote:yes");
	}
	if (proto_is(st, m->rec, "commit") || proto_is(st, m->rec, "abort")) {
		const char *name = ldfi_stage_record_name(st, m->rec);

		return decide(st, "decision", strcmp(name, "commit") == 0, name);
	}
	if (!proto_is(st, m->rec, "decision_req"))
		return 0;
	if ((rc = ldfi_stage_get(st, "decision", &v)) < 0)
		return rc;
	if (rc)
		return proto_send(st, m->src_comp, m->src_node, v ? "commit" : "abort");
	if ((rc = ldfi_stage_get(st, "prepared", NULL)) < 0)
		return rc;
	if (rc)
		return 0; /* uncertain too: cannot help */
	if ((rc = decide(st, "decision", 0, "abort")))
		return rc;
	return proto_send(st, m->src_comp, m->src_node, "abort");
}

static int agent_on_round(struct ldfi_stage *st, int round)
{
	int rc;
	int64_t v;
	char key[64];

	if ((rc = ldfi_stage_get(st, "decision", &v)) < 0)
		return rc;
	if (rc) /* decided: tell the others, every round */
		return send_peers(st, v ? "commit" : "abort");
	snprintf(key, sizeof(key), "timer:%d", round);
	if ((rc = ldfi_stage_get(st, key, NULL)) <= 0)
		return rc;
	/* Timed out without knowing the decision: ask the others. */
	return send_peers(st, "decision_req");
}

const struct ldfi_stage_ops agent = {
    .api_version = LDFI_STAGE_API_VERSION,
    .kind = "2pc-ctp-agent",
    .on_message = agent_on_message,
    .on_round = agent_on_round,
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
