/*
 * 3pc.c - three-phase commit (Molly's commit/3pc.ded, checks 2pc_assert.ded)
 * as ldfi plugin stages. Nodes: coordinator C, agents a, b, d.
 *
 * coordinator (C):
 *   - round 1 (begin): sends `cancommit` to every agent, once;
 *   - keeps each `vote:yes` (state vote:X); in a round where a vote arrives,
 *     every vote is in and it has not aborted, it is authorized and sends
 *     `precommit` to every agent;
 *   - in a round where an `ack` arrives and every agent's ack arrived in that
 *     same round (acks are not kept, as in 3pc.ded), and it has not aborted,
 *     it decides commit, effective next round;
 *   - its timer fires at round 5 (timer_svc 5 at round 1): while running,
 *     with an ack missing that round and no commit, it decides abort,
 *     effective next round;
 *   - from the round its decision holds it sends it to every agent, every
 *     round.
 * agent (a, b, d):
 *   - on `cancommit`: is prepared, votes yes, starts a timer firing 3 rounds
 *     later (timer_svc 4);
 *   - on `precommit`: is precommitted; if prepared it acks, cancels the
 *     pending timer and starts a new one (firing 3 rounds later);
 *   - when its timer fires: if not precommitted and undecided it decides
 *     abort, effective next round; if precommitted and not aborted it
 *     commits at once;
 *   - on `commit` or `abort` (from C or another agent): holds it;
 *   - while it holds a decision it sends it to the other agents, every round
 *     (a commit stops holding once an abort holds: abort persists, commit
 *     does not persist past an abort).
 * Checks (2pc_assert.ded): termination - once an agent got a cancommit (is
 * prepared), at least two live nodes hold a decision; agreement - no two
 * live nodes (nor one node, over the run) decide differently. Decisions are
 * the outputs `commit`/`abort`; a node outputs a decision each time it
 * (re)derives it, so every derivation is a support of the outcome.
 *
 * Every fact a decision depends on lives in provenance state (votes, acks
 * with their round, prepared, precommitted, timers, decisions).
 */
#include <stdio.h>
#include <string.h>

#include <ldfi/stage.h>

#include "protocols.h"

#define COORD_TIMEOUT 5 /* timer_svc(C, X, 5) at round 1 */
#define AGENT_TIMER 3	/* timer_svc(A, X, 4) at round t fires at t + 3 */

/* A decision is stored under "decision" as since * 2 + commit: it holds
 * from round `since` on. */
static int64_t enc(int since, int commit)
{
	return (int64_t)since * 2 + (commit ? 1 : 0);
}

static int since_of(int64_t v)
{
	return (int)(v / 2);
}

static bool is_commit(int64_t v)
{
	return (v & 1) != 0;
}

static const char *dec_name(int64_t v)
{
	return is_commit(v) ? "commit" : "abort";
}

/* Decide `commit` (or abort) holding from round `since`: output it and keep
 * it. */
static int decide(struct ldfi_stage *st, int since, int commit)
{
	int rc = proto_output(st, commit ? "commit" : "abort");

	return rc ? rc : ldfi_stage_put(st, "decision", enc(since, commit));
}

/* Read the decision: 1 (and *v) when one holds at `round`, 0 when none does
 * (*has tells whether one is pending), or LDFI_E*. */
static int held(struct ldfi_stage *st, int round, int64_t *v, int *has)
{
	int rc = ldfi_stage_get(st, "decision", v);

	if (rc < 0)
		return rc;
	*has = rc;
	return rc && since_of(*v) <= round;
}

/* coordinator */

static int coord_on_message(struct ldfi_stage *st, const struct ldfi_msg *m)
{
	int round = ldfi_stage_round(st), rc;
	char key[300];

	if (proto_is(st, m->rec, "vote:yes")) {
		snprintf(key, sizeof(key), "vote:%s", proto_node_name(st, m->src_node));
		if ((rc = ldfi_stage_put(st, key, 1)))
			return rc;
		return ldfi_stage_put(st, "vote_round", round);
	}
	if (proto_is(st, m->rec, "ack")) {
		snprintf(key, sizeof(key), "ack:%s", proto_node_name(st, m->src_node));
		return ldfi_stage_put(st, key, round);
	}
	return 0;
}

/* 1 when every agent's ack arrived in `round`, 0 if not, or LDFI_E*. */
static int all_acked(struct ldfi_stage *st, int agent, int round)
{
	const struct ldfi_conf *conf = ldfi_stage_conf(st);
	const struct ldfi_comp *c = &conf->comps[agent];
	char key[300];
	int all = 1;

	for (int i = 0; i < c->n_nodes; i++) {
		int64_t r = 0;
		int rc;

		snprintf(key, sizeof(key), "ack:%s", conf->nodes[c->nodes[i]].name);
		if ((rc = ldfi_stage_get(st, key, &r)) < 0)
			return rc;
		all = all && rc && r == round;
	}
	return all;
}

static int coord_on_round(struct ldfi_stage *st, int round)
{
	int agent = proto_comp(st, "agent"), rc, has, h, running, all;
	int64_t v = 0, vr = 0;

	if (agent < 0)
		return LDFI_EINVAL;
	if (round == 1 && (rc = proto_send_all(st, agent, "cancommit")))
		return rc;
	if ((h = held(st, round, &v, &has)) < 0)
		return h;
	if (h && (rc = proto_send_all(st, agent, dec_name(v))))
		return rc;
	running = !(has && since_of(v) <= round - 1);
	if (h && !is_commit(v))
		return 0; /* aborted: neither authorized nor committing */
	/* authorized: a vote arrived this round and none is missing. */
	if ((rc = ldfi_stage_get(st, "vote_round", &vr)) < 0)
		return rc;
	if (rc && vr == round) {
		if ((all = running ? proto_all_voted(st, agent) : 1) < 0)
			return all;
		if (all && (rc = proto_send_all(st, agent, "precommit")))
			return rc;
	}
	if (has)
		return 0; /* decided already (commit pending or held) */
	if ((all = all_acked(st, agent, round)) < 0)
		return all;
	if (all)
		return decide(st, round + 1, 1);
	if (round == COORD_TIMEOUT && running)
		return decide(st, round + 1, 0);
	return 0;
}

const struct ldfi_stage_ops coordinator = {
    .api_version = LDFI_STAGE_API_VERSION,
    .kind = "3pc-coordinator",
    .on_message = coord_on_message,
    .on_round = coord_on_round,
};

/* agent */

static int timer_key(char *key, size_t n, int fire)
{
	return snprintf(key, n, "timer:%d", fire);
}

static int agent_on_message(struct ldfi_stage *st, const struct ldfi_msg *m)
{
	int round = ldfi_stage_round(st), rc, h, has;
	int64_t v = 0, t;
	char key[64];

	if (proto_is(st, m->rec, "cancommit")) {
		if ((rc = proto_send(st, m->src_comp, m->src_node, "vote:yes")) ||
		    (rc = ldfi_stage_put(st, "prepared", 1)))
			return rc;
		timer_key(key, sizeof(key), round + AGENT_TIMER);
		return ldfi_stage_put(st, key, 1);
	}
	if (proto_is(st, m->rec, "precommit")) {
		if ((rc = ldfi_stage_put(st, "precommitted", 1)))
			return rc;
		if ((rc = ldfi_stage_get(st, "prepared", NULL)) <= 0)
			return rc;
		if ((rc = proto_send(st, m->src_comp, m->src_node, "ack")))
			return rc;
		timer_key(key, sizeof(key), round + AGENT_TIMER);
		if ((rc = ldfi_stage_put(st, key, 1)))
			return rc;
		/* timer_cancel: a timer started earlier and not fired yet. */
		for (int f = round + 1; f < round + AGENT_TIMER; f++) {
			timer_key(key, sizeof(key), f);
			if ((rc = ldfi_stage_get(st, key, &t)) < 0)
				return rc;
			if (rc && t && (rc = ldfi_stage_put(st, key, 0)))
				return rc;
		}
		return 0;
	}
	if (!proto_is(st, m->rec, "commit") && !proto_is(st, m->rec, "abort"))
		return 0;
	if ((h = held(st, round, &v, &has)) < 0)
		return h;
	/* Every copy received is one more derivation of the decision. */
	if (proto_is(st, m->rec, "commit")) {
		if (h) /* held already, or abort holds and stays */
			return proto_output(st, "commit");
		return decide(st, round, 1);
	}
	if (h && !is_commit(v))
		return proto_output(st, "abort");
	return decide(st, round, 0);
}

static int agent_on_round(struct ldfi_stage *st, int round)
{
	int agent = ldfi_stage_comp(st), rc, h, has;
	int64_t v = 0, t = 0;
	char key[64];

	if ((h = held(st, round, &v, &has)) < 0)
		return h;
	if (h && (rc = proto_send_all(st, agent, dec_name(v))))
		return rc;
	timer_key(key, sizeof(key), round);
	if ((rc = ldfi_stage_get(st, key, &t)) <= 0 || !t)
		return rc < 0 ? rc : 0;
	if ((rc = ldfi_stage_get(st, "precommitted", NULL)) < 0)
		return rc;
	if (!rc) { /* timed out before the precommit: abort, unless committed */
		if (has)
			return 0;
		return decide(st, round + 1, 0);
	}
	if (h && !is_commit(v))
		return 0; /* aborted */
	if (h)		  /* committed already: one more derivation of it */
		return proto_output(st, "commit");
	/* Timed out precommitted, not aborted: commit now, and say so. */
	if ((rc = decide(st, round, 1)))
		return rc;
	return proto_send_all(st, agent, "commit");
}

const struct ldfi_stage_ops agent = {
    .api_version = LDFI_STAGE_API_VERSION,
    .kind = "3pc-agent",
    .on_message = agent_on_message,
    .on_round = agent_on_round,
};

/* checks */

static bool is_plugin_stage(const struct ldfi_conf *conf, int comp)
{
	return conf->comps[comp].type == LDFI_COMP_STAGE &&
	       conf->comps[comp].kind == LDFI_KIND_PLUGIN;
}

static bool decided(const struct ldfi_trace *tr, int node)
{
	for (size_t i = 0; i < tr->n_outs; i++) {
		const char *name = tr->recs[tr->outs[i].rec].name;

		if (tr->outs[i].node == node && is_plugin_stage(tr->conf, tr->outs[i].comp) &&
		    (strcmp(name, "commit") == 0 || strcmp(name, "abort") == 0))
			return true;
	}
	return false;
}

/* termination: once a live agent got a cancommit (pre("termination") :-
 * prepared), at least two live nodes hold a decision. Offenses: each
 * prepared live node without a decision (its cancommit, missing); or, if
 * the one decided node is the prepared one, its cancommit (unexpected). */
int check_termination(struct ldfi_trace *tr, const struct ldfi_trace *ff, int check,
		      struct ldfi_check_result *res)
{
	int n_decided = 0, first = -1, rc;

	(void)ff;
	(void)check;
	res->passed = true;
	for (size_t i = 0; i < tr->n_msgs && first < 0; i++) {
		const struct ldfi_msg *m = &tr->msgs[i];

		if (m->fate == LDFI_FATE_DELIVERED && m->kind == LDFI_MSG_DATA &&
		    strcmp(tr->recs[m->rec].name, "cancommit") == 0 &&
		    ldfi_trace_alive(tr, m->dst_node))
			first = (int)i;
	}
	if (first < 0)
		return 0;
	for (int n = 0; n < tr->conf->n_nodes; n++)
		n_decided += ldfi_trace_alive(tr, n) && decided(tr, n);
	if (n_decided >= 2)
		return 0;
	for (int n = 0; n < tr->conf->n_nodes; n++) {
		if (!ldfi_trace_alive(tr, n) || decided(tr, n))
			continue;
		for (size_t i = 0; i < tr->n_msgs; i++) {
			const struct ldfi_msg *m = &tr->msgs[i];

			if (m->dst_node != n || m->fate != LDFI_FATE_DELIVERED ||
			    m->kind != LDFI_MSG_DATA || strcmp(tr->recs[m->rec].name, "cancommit"))
				continue;
			if ((rc = ldfi_check_offend(res, m->rec, m->dst_comp, n,
						    LDFI_PROBLEM_MISSING, 0, 1)))
				return rc;
			break;
		}
	}
	if (res->passed) {
		const struct ldfi_msg *m = &tr->msgs[first];

		return ldfi_check_offend(res, m->rec, m->dst_comp, m->dst_node,
					 LDFI_PROBLEM_UNEXPECTED, n_decided, 2);
	}
	return 0;
}

int check_agreement(struct ldfi_trace *tr, const struct ldfi_trace *ff, int check,
		    struct ldfi_check_result *res)
{
	return proto_check_agreement(tr, ff, check, res);
}
