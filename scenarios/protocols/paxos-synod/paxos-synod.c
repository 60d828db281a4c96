/*
 * paxos-synod.c - Molly's paxos_synod.ded (single-decree Paxos, the synod)
 * as one ldfi plugin stage per node (a, b, c are acceptors; a and b also
 * propose: a "peter" with seed 4, b "foobar" with seed 5; c has seed 6).
 *
 * Proposer: in round 1 it sends prepare(S, M) with its seed S to every node
 * (itself included) and adds the number of agents (3) to its seed; a timer
 * fires two rounds later, and when it fires while the node has not accepted
 * its own value M, it prepares again with the current seed (redo), bumps the
 * seed and restarts the timer. In every round, for every seed S for which
 * a majority (count > 3/2) of distinct acceptors responded, it sends
 * accept(S, O) to every node, O being the value of the responses with the
 * highest accepted ballot - or its own proposal when that ballot is 1 (no
 * acceptor had accepted anything).
 * Acceptor: a prepare(S) is dominated when the node has seen (this round or
 * before) a prepare with a higher seed; otherwise it responds with its
 * highest accepted (ballot, value), or ("anything", 1) if it accepted
 * nothing. It accepts every accept(S, O) it receives (Molly's synod has no
 * promise check on accepts) and keeps it (output `accepted:O`).
 * Check (paxos_synod.ded's pre/post): no two different values are accepted
 * at live nodes (disagree).
 *
 * Every fact a rule reads is ldfi_stage_put/get state; each `notin` is a real
 * read of the (absent) entry, so what follows is conditional. The replica
 * mirrors the names of its keys in private memory only to iterate over what
 * it holds without reading entries that do not exist, and keeps the list of
 * prepares delivered in the current round (Molly's non-persistent prepare
 * relation) whose entries it then reads.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldfi/stage.h>

#include "protocols.h"

#define AGENTS 3 /* agent_cnt: the nodes every node knows */

struct node_cfg {
	const char *name, *proposal; /* proposal NULL: none */
	int seed;
};

static const struct node_cfg cfgs[] = {
    {"a", "peter", 4},
    {"b", "foobar", 5},
    {"c", NULL, 6},
};

struct px {
	const struct node_cfg *cfg;
	char **k; /* names of the keys stored (mirror, not provenance) */
	int n, cap;
	int prep[64][2]; /* prepares delivered this round: seed, sender node */
	int n_prep, prep_round;
};

static bool k_has(const struct px *p, const char *key)
{
	for (int i = 0; i < p->n; i++)
		if (strcmp(p->k[i], key) == 0)
			return true;
	return false;
}

static int put(struct ldfi_stage *st, const char *key, int64_t value)
{
	struct px *p = ldfi_stage_data(st);
	int rc = ldfi_stage_put(st, key, value);

	if (rc || k_has(p, key))
		return rc;
	if (p->n == p->cap) {
		int cap = p->cap ? 2 * p->cap : 32;
		char **q = realloc(p->k, (size_t)cap * sizeof(*q));

		if (!q)
			return LDFI_ENOMEM;
		p->k = q;
		p->cap = cap;
	}
	if (!(p->k[p->n] = strdup(key)))
		return LDFI_ENOMEM;
	p->n++;
	return 0;
}

static int px_init(struct ldfi_stage *st)
{
	struct px *p = calloc(1, sizeof(*p));
	const char *me = proto_node_name(st, ldfi_stage_node(st));

	if (!p)
		return LDFI_ENOMEM;
	ldfi_stage_set_data(st, p);
	for (size_t i = 0; i < sizeof(cfgs) / sizeof(cfgs[0]); i++)
		if (strcmp(cfgs[i].name, me) == 0)
			p->cfg = &cfgs[i];
	return p->cfg ? 0 : LDFI_EINVAL;
}

static void px_finish(struct ldfi_stage *st)
{
	struct px *p = ldfi_stage_data(st);

	if (!p)
		return;
	for (int i = 0; i < p->n; i++)
		free(p->k[i]);
	free(p->k);
	free(p);
	ldfi_stage_set_data(st, NULL);
}

/* Send `name` to every node's replica, this one included. */
static int send_every(struct ldfi_stage *st, const char *name)
{
	const struct ldfi_comp *c = &ldfi_stage_conf(st)->comps[ldfi_stage_comp(st)];
	int rc;

	for (int i = 0; i < c->n_nodes; i++)
		if ((rc = proto_send(st, ldfi_stage_comp(st), c->nodes[i], name)))
			return rc;
	return 0;
}

/* --- messages --- */

static int px_on_message(struct ldfi_stage *st, const struct ldfi_msg *m)
{
	struct px *p = ldfi_stage_data(st);
	const char *name = ldfi_stage_record_name(st, m->rec);
	const char *src = proto_node_name(st, m->src_node);
	char key[300], val[128], val2[160];
	int s, os, rc;

	if (!name)
		return LDFI_EINVAL;
	if (sscanf(name, "prepare:%d:%127s", &s, val) == 2) {
		/* prepare(Self, C, S, M); prepare_log(Self, S, M) */
		if (p->prep_round != ldfi_stage_round(st)) {
			p->prep_round = ldfi_stage_round(st);
			p->n_prep = 0;
		}
		if (p->n_prep == 64)
			return LDFI_ELIMIT;
		p->prep[p->n_prep][0] = s;
		p->prep[p->n_prep++][1] = m->src_node;
		snprintf(key, sizeof(key), "prepare:%d:%s", s, src);
		if ((rc = put(st, key, s)))
			return rc;
		snprintf(key, sizeof(key), "prepare_log:%d:%s", s, val);
		return put(st, key, s);
	}
	if (sscanf(name, "response:%d:%127[^:]:%d", &s, val, &os) == 3) {
		/* response_log(Self, A, S, O, Os) */
		snprintf(key, sizeof(key), "response_log:%d:%s:%s:%d", s, src, val, os);
		return put(st, key, os);
	}
	if (sscanf(name, "accept:%d:%127s", &s, val) == 2) {
		/* accepted(Self, S, O) */
		snprintf(key, sizeof(key), "accepted:%d:%s", s, val);
		if ((rc = put(st, key, s)))
			return rc;
		snprintf(key, sizeof(key), "accepted_value:%s", val);
		if ((rc = put(st, key, s)) || (rc = put(st, "accepted", 1)))
			return rc;
		snprintf(val2, sizeof(val2), "accepted:%s", val);
		return proto_output(st, val2);
	}
	return 0;
}

/* --- acceptor: respond to this round's undominated prepares --- */

static int acceptor_step(struct ldfi_stage *st)
{
	struct px *p = ldfi_stage_data(st);
	char key[300], rec[300], v[128];
	int rc;

	if (p->prep_round != ldfi_stage_round(st))
		return 0;
	for (int i = 0; i < p->n_prep; i++) {
		int s = p->prep[i][0], c = p->prep[i][1], hs = -1, dominated = 0;

		/* dominated(Self, S): a logged prepare with a higher seed. */
		for (int k = 0; k < p->n && !dominated; k++) {
			int s2;

			if (sscanf(p->k[k], "prepare_log:%d:", &s2) == 1 && s2 > s) {
				if ((rc = ldfi_stage_get(st, p->k[k], NULL)) < 0)
					return rc;
				dominated = rc;
			}
		}
		if (dominated)
			continue;
		/* can_respond: this prepare, and notin dominated(Self, S). */
		snprintf(key, sizeof(key), "prepare:%d:%s", s, proto_node_name(st, c));
		if ((rc = ldfi_stage_get(st, key, NULL)) < 0)
			return rc;
		snprintf(key, sizeof(key), "dominated:%d", s);
		if ((rc = ldfi_stage_get(st, key, NULL)) < 0)
			return rc;
		/* highest_accepted(Self, max<Os>) over every accepted entry. */
		for (int k = 0; k < p->n; k++) {
			int s2;

			if (sscanf(p->k[k], "accepted:%d:%127s", &s2, v) == 2) {
				if ((rc = ldfi_stage_get(st, p->k[k], NULL)) < 0)
					return rc;
				if (rc && s2 > hs)
					hs = s2;
			}
		}
		if (hs < 0) {
			/* notin accepted(Self, _, _) */
			if ((rc = ldfi_stage_get(st, "accepted", NULL)) < 0)
				return rc;
			snprintf(rec, sizeof(rec), "response:%d:anything:1", s);
			if ((rc = proto_send(st, ldfi_stage_comp(st), c, rec)))
				return rc;
			continue;
		}
		for (int k = 0; k < p->n; k++) {
			int s2;

			if (sscanf(p->k[k], "accepted:%d:%127s", &s2, v) == 2 && s2 == hs) {
				snprintf(rec, sizeof(rec), "response:%d:%s:%d", s, v, hs);
				if ((rc = proto_send(st, ldfi_stage_comp(st), c, rec)))
					return rc;
			}
		}
	}
	return 0;
}

/* --- proposer --- */

/* accept(A, S, O) for every seed S with a majority of responses. */
static int accept_step(struct ldfi_stage *st)
{
	struct px *p = ldfi_stage_data(st);
	int seeds[64], n_seeds = 0, rc;

	for (int k = 0; k < p->n; k++) {
		int s, dup = 0;

		if (sscanf(p->k[k], "response_log:%d:", &s) != 1)
			continue;
		for (int i = 0; i < n_seeds; i++)
			dup |= seeds[i] == s;
		if (!dup && n_seeds < 64)
			seeds[n_seeds++] = s;
	}
	for (int i = 0; i < n_seeds; i++) {
		int s = seeds[i], best = -1, cnt = 0;
		unsigned who = 0;
		char acc[300], a[128], o[128];

		/* response_cnt(Self, S, count<I>) and best(Self, S, max<Os>). */
		for (int k = 0; k < p->n; k++) {
			int s2, os;

			if (sscanf(p->k[k], "response_log:%d:%127[^:]:%127[^:]:%d", &s2, a, o,
				   &os) != 4 ||
			    s2 != s)
				continue;
			if ((rc = ldfi_stage_get(st, p->k[k], NULL)) < 0)
				return rc;
			for (int n = 0; n < ldfi_stage_conf(st)->n_nodes; n++)
				if (strcmp(proto_node_name(st, n), a) == 0 && !(who & (1u << n))) {
					who |= 1u << n;
					cnt++;
				}
			if (os > best)
				best = os;
		}
		if (cnt <= AGENTS / 2)
			continue;
		if (best == 1) {
			/* my_proposal(Self, P) */
			if (!p->cfg->proposal)
				continue;
			if ((rc = ldfi_stage_get(st, "my_proposal", NULL)) <= 0)
				return rc;
			snprintf(acc, sizeof(acc), "accept:%d:%s", s, p->cfg->proposal);
			if ((rc = send_every(st, acc)))
				return rc;
			continue;
		}
		/* accept(A, S, O) for each distinct O of the best responses. */
		for (int k = 0; k < p->n; k++) {
			int s2, os, seen = 0;

			if (sscanf(p->k[k], "response_log:%d:%127[^:]:%127[^:]:%d", &s2, a, o,
				   &os) != 4 ||
			    s2 != s || os != best)
				continue;
			snprintf(acc, sizeof(acc), "accept:%d:%s", s, o);
			for (int j = 0; j < k && !seen; j++) {
				char a2[128], o2[128];
				int s3, os2;

				seen = sscanf(p->k[j], "response_log:%d:%127[^:]:%127[^:]:%d", &s3,
					      a2, o2, &os2) == 4 &&
				       s3 == s && os2 == best && strcmp(o2, o) == 0;
			}
			if (!seen && (rc = send_every(st, acc)))
				return rc;
		}
	}
	return 0;
}

/* prepare(B, Self, S, M) to every node with the current seed; the seed
 * grows by agent_cnt; the timer fires two rounds later. */
static int prepare(struct ldfi_stage *st, const char *m)
{
	char rec[300];
	int64_t seed;
	int rc;

	if ((rc = ldfi_stage_get(st, "seed", &seed)) <= 0)
		return rc < 0 ? rc : LDFI_EINVAL;
	snprintf(rec, sizeof(rec), "prepare:%lld:%s", (long long)seed, m);
	if ((rc = send_every(st, rec)) || (rc = put(st, "seed", seed + AGENTS)))
		return rc;
	return put(st, "timer", ldfi_stage_round(st) + 2);
}

static int proposer_step(struct ldfi_stage *st, int round)
{
	struct px *p = ldfi_stage_data(st);
	char key[300];
	int64_t t;
	int rc;

	if (!p->cfg->proposal)
		return 0;
	if (round == 1) /* proposal(Self, M)@1 */
		return prepare(st, p->cfg->proposal);
	if ((rc = ldfi_stage_get(st, "timer", &t)) <= 0 || t != round)
		return rc < 0 ? rc : 0;
	/* redo(Self, M) :- timeout(Self, M), notin accepted(Self, _, M) */
	snprintf(key, sizeof(key), "accepted_value:%s", p->cfg->proposal);
	if ((rc = ldfi_stage_get(st, key, NULL)) != 0)
		return rc < 0 ? rc : 0;
	return prepare(st, p->cfg->proposal);
}

static int px_on_round(struct ldfi_stage *st, int round)
{
	struct px *p = ldfi_stage_data(st);
	int rc;

	if (round == 1) { /* the EDB: seed and proposal, derived from nothing */
		if ((rc = put(st, "seed", p->cfg->seed)))
			return rc;
		if (p->cfg->proposal && (rc = put(st, "my_proposal", 1)))
			return rc;
	}
	/* The cause of a callback only grows, so the rules run in the order
	 * that keeps it closest to what each reads: the accepts (responses
	 * only) first, then the responses to prepares (which read absences:
	 * notin dominated, notin accepted), then the timer (notin accepted). */
	if ((rc = accept_step(st)) || (rc = acceptor_step(st)))
		return rc;
	return proposer_step(st, round);
}

const struct ldfi_stage_ops paxos = {
    .api_version = LDFI_STAGE_API_VERSION,
    .kind = "paxos-synod",
    .init = px_init,
    .finish = px_finish,
    .on_message = px_on_message,
    .on_round = px_on_round,
};

/* --- check --- */

/* agreement (paxos_synod.ded's pre/post, `disagree`): the values accepted
 * at live nodes (outputs accepted:V) are all the same. Names every accepted
 * value other than the first one seen. */
int check_agreement(struct ldfi_trace *tr, const struct ldfi_trace *ff, int check,
		    struct ldfi_check_result *res)
{
	int first = -1, rc;

	(void)ff;
	(void)check;
	res->passed = true;
	for (size_t i = 0; i < tr->n_outs; i++) {
		const struct ldfi_output *o = &tr->outs[i];

		if (!ldfi_trace_alive(tr, o->node) ||
		    strncmp(tr->recs[o->rec].name, "accepted:", 9) != 0)
			continue;
		if (first < 0)
			first = o->rec;
		else if (o->rec != first && (rc = ldfi_check_offend(res, o->rec, o->comp, o->node,
								    LDFI_PROBLEM_UNEXPECTED, 1, 0)))
			return rc;
	}
	return 0;
}
