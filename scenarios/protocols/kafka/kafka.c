/*
 * kafka.c - Molly's kafka.ded + fake_zk.ded (Kafka's in-sync-replica
 * write path with a fake ZooKeeper) as ldfi plugin stages.
 *
 * zk (node Z): knows from the start that `a` is a member and the leader
 * (the EDB of kafka.ded). Replicas register with it in round 1 (begin), the
 * client in round 1 too. From round 2 on, every round (its timer fires every
 * round), it tells every member each member and the leader, and every
 * client each member and the leader.
 * replica (a, b, c): keeps what zk tells it (member:X, leader). Holds every
 * write it receives (and outputs `write:D` for the check). A replica that
 * knows it is the leader forwards each write it holds, every round, to each
 * member it knows (itself included) that has not acked it internally yet
 * (ack_int), and acks the write to its origin (the client) once no member it
 * knows is missing an ack_int. A replica that does not know itself leader
 * acks every write it holds internally to its origin, every round.
 * client (C): writes `Data1` to the leader it knows in rounds 2, 3, 4
 * (write_req), outputs `ack:D` when the leader acks.
 * Check (kafka.ded's pre/post): if a live client holds an ack for D, some
 * live replica holds a write of D.
 *
 * State that a decision depends on is ldfi_stage_put/get state. Each replica
 * also mirrors the *names* of the keys it stored (private memory) so that it
 * iterates over what it holds without reading absent keys: a rule such as
 * "ack_int to the origin of each write held" does not depend on the absence
 * of writes from other origins. Every `notin` of the Dedalus rules is a real
 * ldfi_stage_get of the entry, so its absence marks the cause conditional.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldfi/stage.h>

#include "protocols.h"

#define DATA "Data1"

/* --- a mirror of the key names a replica stored (not provenance) --- */

struct keys {
	char **k;
	int n, cap;
};

static int k_init(struct ldfi_stage *st)
{
	struct keys *k = calloc(1, sizeof(*k));

	if (!k)
		return LDFI_ENOMEM;
	ldfi_stage_set_data(st, k);
	return 0;
}

static void k_finish(struct ldfi_stage *st)
{
	struct keys *k = ldfi_stage_data(st);

	if (!k)
		return;
	for (int i = 0; i < k->n; i++)
		free(k->k[i]);
	free(k->k);
	free(k);
	ldfi_stage_set_data(st, NULL);
}

static bool k_has(struct ldfi_stage *st, const char *key)
{
	struct keys *k = ldfi_stage_data(st);

	for (int i = 0; i < k->n; i++)
		if (strcmp(k->k[i], key) == 0)
			return true;
	return false;
}

/* ldfi_stage_put, remembering the key's name. */
static int put(struct ldfi_stage *st, const char *key, int64_t value)
{
	struct keys *k = ldfi_stage_data(st);
	int rc = ldfi_stage_put(st, key, value);

	if (rc || k_has(st, key))
		return rc;
	if (k->n == k->cap) {
		int cap = k->cap ? 2 * k->cap : 16;
		char **p = realloc(k->k, (size_t)cap * sizeof(*p));

		if (!p)
			return LDFI_ENOMEM;
		k->k = p;
		k->cap = cap;
	}
	if (!(k->k[k->n] = strdup(key)))
		return LDFI_ENOMEM;
	k->n++;
	return 0;
}

/* Read `key` if this replica stored it (its provenance joins the cause);
 * 0 without reading when it never did. 1, 0 or LDFI_E*. */
static int held(struct ldfi_stage *st, const char *key, int64_t *value)
{
	return k_has(st, key) ? ldfi_stage_get(st, key, value) : 0;
}

static int node_index(const struct ldfi_stage *st, const char *name)
{
	const struct ldfi_conf *conf = ldfi_stage_conf(st);

	for (int i = 0; i < conf->n_nodes; i++)
		if (strcmp(conf->nodes[i].name, name) == 0)
			return i;
	return -1;
}

static const struct ldfi_comp *comp_of(const struct ldfi_stage *st, int comp)
{
	return &ldfi_stage_conf(st)->comps[comp];
}

static int comp_on(const struct ldfi_stage *st, int node)
{
	const struct ldfi_conf *conf = ldfi_stage_conf(st);

	for (int c = 0; c < conf->n_comps; c++)
		for (int i = 0; i < conf->comps[c].n_nodes; i++)
			if (conf->comps[c].nodes[i] == node &&
			    conf->comps[c].type == LDFI_COMP_STAGE)
				return c;
	return -1;
}

/* Send `name` to whatever stage runs on `node`. */
static int send_node(struct ldfi_stage *st, int node, const char *name)
{
	int comp = comp_on(st, node);

	return comp < 0 ? LDFI_EINVAL : proto_send(st, comp, node, name);
}

/* The record name after `prefix`, or NULL. */
static const char *after(const struct ldfi_stage *st, int rec, const char *prefix)
{
	const char *n = ldfi_stage_record_name(st, rec);
	size_t l = strlen(prefix);

	return n && strncmp(n, prefix, l) == 0 ? n + l : NULL;
}

/* --- zk (fake_zk.ded) --- */

static int zk_init(struct ldfi_stage *st)
{
	int rc = k_init(st), a = proto_comp(st, "replica");

	if (rc)
		return rc;
	if (a < 0)
		return LDFI_EINVAL;
	/* EDB: member("Z", "a")@1, leader("Z", "a")@1 - the first replica. */
	return 0;
}

static int zk_on_message(struct ldfi_stage *st, const struct ldfi_msg *m)
{
	char key[300];

	if (proto_is(st, m->rec, "register")) {
		snprintf(key, sizeof(key), "member:%s", proto_node_name(st, m->src_node));
		return put(st, key, m->src_node);
	}
	if (proto_is(st, m->rec, "client")) {
		snprintf(key, sizeof(key), "client:%s", proto_node_name(st, m->src_node));
		return put(st, key, m->src_node);
	}
	return 0;
}

static int zk_on_round(struct ldfi_stage *st, int round)
{
	const struct ldfi_conf *conf = ldfi_stage_conf(st);
	const struct ldfi_comp *rep = comp_of(st, proto_comp(st, "replica"));
	char key[300], rec[300];
	int64_t leader;
	int rc;

	if (round == 1) { /* the EDB facts, derived from nothing */
		snprintf(key, sizeof(key), "member:%s", conf->nodes[rep->nodes[0]].name);
		if ((rc = put(st, key, rep->nodes[0])))
			return rc;
		return put(st, "leader", rep->nodes[0]);
	}
	/* timeout(Z, Z) holds in every round from 2 on. */
	if ((rc = held(st, "leader", &leader)) <= 0)
		return rc;
	snprintf(rec, sizeof(rec), "leader:%s", conf->nodes[leader].name);
	/* member(A, M) and leader(A, L) to every member A; reading the members
	 * in node order keeps each send's cause to the members it names. */
	for (int i = 0; i < rep->n_nodes; i++) {
		int t = rep->nodes[i];

		snprintf(key, sizeof(key), "member:%s", conf->nodes[t].name);
		if ((rc = held(st, key, NULL)) < 0)
			return rc;
		if (!rc)
			continue;
		if ((rc = send_node(st, t, rec)))
			return rc;
		for (int j = 0; j <= i; j++) {
			int u = rep->nodes[j];
			char mrec[300];

			snprintf(key, sizeof(key), "member:%s", conf->nodes[u].name);
			if (!k_has(st, key))
				continue;
			snprintf(mrec, sizeof(mrec), "member:%s", conf->nodes[u].name);
			if ((rc = send_node(st, t, mrec)))
				return rc;
			if (u != t) {
				snprintf(mrec, sizeof(mrec), "member:%s", conf->nodes[t].name);
				if ((rc = send_node(st, u, mrec)))
					return rc;
			}
		}
	}
	/* member(C, M) and leader(C, L) to every client C. */
	for (int n = 0; n < conf->n_nodes; n++) {
		snprintf(key, sizeof(key), "client:%s", conf->nodes[n].name);
		if ((rc = held(st, key, NULL)) < 0)
			return rc;
		if (!rc)
			continue;
		if ((rc = send_node(st, n, rec)))
			return rc;
		for (int i = 0; i < rep->n_nodes; i++) {
			char mrec[300];

			snprintf(key, sizeof(key), "member:%s", conf->nodes[rep->nodes[i]].name);
			if ((rc = held(st, key, NULL)) < 0)
				return rc;
			if (!rc)
				continue;
			snprintf(mrec, sizeof(mrec), "member:%s", conf->nodes[rep->nodes[i]].name);
			if ((rc = send_node(st, n, mrec)))
				return rc;
		}
	}
	return 0;
}

const struct ldfi_stage_ops zk = {
    .api_version = LDFI_STAGE_API_VERSION,
    .kind = "kafka-zk",
    .init = zk_init,
    .finish = k_finish,
    .on_message = zk_on_message,
    .on_round = zk_on_round,
};

/* --- what replicas and clients learn from zk --- */

static int learn(struct ldfi_stage *st, const struct ldfi_msg *m)
{
	char key[300];
	const char *x;
	int n;

	if ((x = after(st, m->rec, "member:"))) {
		snprintf(key, sizeof(key), "member:%s", x);
		return put(st, key, 1);
	}
	if ((x = after(st, m->rec, "leader:"))) {
		if ((n = node_index(st, x)) < 0)
			return LDFI_EINVAL;
		return put(st, "leader", n);
	}
	return 0;
}

/* --- replica (kafka.ded) --- */

static int replica_init(struct ldfi_stage *st)
{
	return k_init(st);
}

static int replica_on_message(struct ldfi_stage *st, const struct ldfi_msg *m)
{
	char key[300];
	const char *d;
	int rc;

	if ((d = after(st, m->rec, "write:"))) {
		/* write(Self, D, Origin): held, and part of the replica's log. */
		snprintf(key, sizeof(key), "write:%s:%s", d, proto_node_name(st, m->src_node));
		if ((rc = put(st, key, m->src_node)))
			return rc;
		return ldfi_stage_output(st, m->rec);
	}
	if ((d = after(st, m->rec, "ack_int:"))) {
		snprintf(key, sizeof(key), "ack_int:%s:%s", d, proto_node_name(st, m->src_node));
		return put(st, key, 1);
	}
	return learn(st, m);
}

/* The leader's step for data `d`: ack the origins of the writes it holds
 * when no member it knows misses an ack_int (notin missing_ack), then
 * forward the write to each member that has not acked (notin ack_int). */
static int leader_step(struct ldfi_stage *st, const char *d)
{
	const struct ldfi_conf *conf = ldfi_stage_conf(st);
	const struct ldfi_comp *rep = comp_of(st, ldfi_stage_comp(st));
	int self = ldfi_stage_node(st), rc, any = 0, missing = 0;
	char key[300], rec[300];

	/* Which writes of d it holds (write(Self, d, Origin)). */
	for (int n = 0; n < conf->n_nodes; n++) {
		snprintf(key, sizeof(key), "write:%s:%s", d, conf->nodes[n].name);
		if ((rc = held(st, key, NULL)) < 0)
			return rc;
		any |= rc;
	}
	if (!any)
		return 0;
	/* missing_ack(Self, d, Other): a member Other != Self without ack_int. */
	for (int i = 0; i < rep->n_nodes && !missing; i++) {
		int o = rep->nodes[i];

		if (o == self)
			continue;
		snprintf(key, sizeof(key), "member:%s", conf->nodes[o].name);
		if ((rc = ldfi_stage_get(st, key, NULL)) < 0)
			return rc;
		if (!rc)
			continue;
		snprintf(key, sizeof(key), "ack_int:%s:%s", d, conf->nodes[o].name);
		if ((rc = ldfi_stage_get(st, key, NULL)) < 0)
			return rc;
		missing = !rc;
	}
	snprintf(rec, sizeof(rec), "ack:%s", d);
	for (int n = 0; n < conf->n_nodes && !missing; n++) {
		snprintf(key, sizeof(key), "write:%s:%s", d, conf->nodes[n].name);
		if (n == self || !k_has(st, key))
			continue;
		if ((rc = send_node(st, n, rec)))
			return rc;
	}
	/* write(Next, d, Self) to each member Next without ack_int. */
	snprintf(rec, sizeof(rec), "write:%s", d);
	for (int i = 0; i < rep->n_nodes; i++) {
		int nx = rep->nodes[i];

		snprintf(key, sizeof(key), "member:%s", conf->nodes[nx].name);
		if ((rc = held(st, key, NULL)) < 0)
			return rc;
		if (!rc)
			continue;
		snprintf(key, sizeof(key), "ack_int:%s:%s", d, conf->nodes[nx].name);
		if ((rc = ldfi_stage_get(st, key, NULL)) < 0)
			return rc;
		if (!rc && (rc = proto_send(st, ldfi_stage_comp(st), nx, rec)))
			return rc;
	}
	return 0;
}

/* A replica that does not know itself leader: ack_int(Origin, d, Self) to
 * the origin of every write of d it holds. */
static int follower_step(struct ldfi_stage *st, const char *d)
{
	const struct ldfi_conf *conf = ldfi_stage_conf(st);
	char key[300], rec[300];
	int rc;

	snprintf(rec, sizeof(rec), "ack_int:%s", d);
	for (int n = 0; n < conf->n_nodes; n++) {
		snprintf(key, sizeof(key), "write:%s:%s", d, conf->nodes[n].name);
		if ((rc = held(st, key, NULL)) < 0)
			return rc;
		if (rc && n != ldfi_stage_node(st) && (rc = send_node(st, n, rec)))
			return rc;
	}
	return 0;
}

static int replica_on_round(struct ldfi_stage *st, int round)
{
	int64_t leader;
	int rc;

	if (round == 1 && (rc = send_node(st, node_index(st, "Z"), "register")))
		return rc; /* begin(M): member(Z, M)@async */
	if ((rc = ldfi_stage_get(st, "leader", &leader)) < 0)
		return rc;
	if (rc && leader == ldfi_stage_node(st))
		return leader_step(st, DATA);
	return follower_step(st, DATA);
}

const struct ldfi_stage_ops replica = {
    .api_version = LDFI_STAGE_API_VERSION,
    .kind = "kafka-replica",
    .init = replica_init,
    .finish = k_finish,
    .on_message = replica_on_message,
    .on_round = replica_on_round,
};

/* --- client --- */

static int client_on_message(struct ldfi_stage *st, const struct ldfi_msg *m)
{
	const char *d;

	if ((d = after(st, m->rec, "ack:"))) {
		char key[300];
		int rc;

		snprintf(key, sizeof(key), "ack:%s", d);
		if ((rc = put(st, key, 1)))
			return rc;
		return ldfi_stage_output(st, m->rec);
	}
	return learn(st, m);
}

static int client_on_round(struct ldfi_stage *st, int round)
{
	int64_t leader;
	int rc;

	if (round == 1) /* client(C): clients(Z, C)@async */
		return send_node(st, node_index(st, "Z"), "client");
	if (round < 2 || round > 4) /* write_req(C, Data1)@2, @3, @4 */
		return 0;
	if ((rc = held(st, "leader", &leader)) <= 0)
		return rc;
	return send_node(st, (int)leader, "write:" DATA);
}

const struct ldfi_stage_ops client = {
    .api_version = LDFI_STAGE_API_VERSION,
    .kind = "kafka-client",
    .init = replica_init,
    .finish = k_finish,
    .on_message = client_on_message,
    .on_round = client_on_round,
};

/* --- check --- */

/* Output `name` of a live node of a plugin stage named `comp`: node or -1. */
static bool holds(const struct ldfi_trace *tr, int node, const char *comp, const char *name)
{
	for (size_t i = 0; i < tr->n_outs; i++) {
		const struct ldfi_output *o = &tr->outs[i];

		if (o->node == node && strcmp(tr->conf->comps[o->comp].name, comp) == 0 &&
		    strcmp(tr->recs[o->rec].name, name) == 0)
			return true;
	}
	return false;
}

/* durability (kafka.ded pre/post): an ack a live client holds for D implies
 * that some live replica holds a write of D. Names the write at every live
 * replica (missing) when it fails. */
int check_durable(struct ldfi_trace *tr, const struct ldfi_trace *ff, int check,
		  struct ldfi_check_result *res)
{
	const struct ldfi_conf *conf = tr->conf;
	int rep = -1, wrec = -1, rc;
	bool acked = false, survives = false;

	(void)ff;
	(void)check;
	res->passed = true;
	for (int c = 0; c < conf->n_comps; c++)
		if (strcmp(conf->comps[c].name, "replica") == 0)
			rep = c;
	if (rep < 0)
		return LDFI_EINVAL;
	for (int n = 0; n < conf->n_nodes; n++)
		if (ldfi_trace_alive(tr, n) && holds(tr, n, "client", "ack:" DATA))
			acked = true;
	for (int i = 0; i < conf->comps[rep].n_nodes; i++) {
		int n = conf->comps[rep].nodes[i];

		if (ldfi_trace_alive(tr, n) && holds(tr, n, "replica", "write:" DATA))
			survives = true;
	}
	if (!acked || survives)
		return 0;
	if ((wrec = ldfi_trace_record(tr, "write:" DATA)) < 0)
		return wrec;
	for (int i = 0; i < conf->comps[rep].n_nodes; i++) {
		int n = conf->comps[rep].nodes[i];

		if (ldfi_trace_alive(tr, n) &&
		    (rc = ldfi_check_offend(res, wrec, rep, n, LDFI_PROBLEM_MISSING, 0, 1)))
			return rc;
	}
	res->passed = false; /* every replica crashed: nothing left to name */
	return 0;
}
