/* protocols.c - see protocols.h. */
#include <stdio.h>
#include <string.h>

#include "protocols.h"

bool proto_is(const struct ldfi_stage *st, int rec, const char *name)
{
	const char *n = ldfi_stage_record_name(st, rec);

	return n && strcmp(n, name) == 0;
}

const char *proto_node_name(const struct ldfi_stage *st, int node)
{
	return ldfi_stage_conf(st)->nodes[node].name;
}

int proto_comp(const struct ldfi_stage *st, const char *name)
{
	const struct ldfi_conf *conf = ldfi_stage_conf(st);

	for (int i = 0; i < conf->n_comps; i++)
		if (strcmp(conf->comps[i].name, name) == 0)
			return i;
	return -1;
}

int proto_send(struct ldfi_stage *st, int comp, int node, const char *name)
{
	int rec = ldfi_stage_record(st, name);

	return rec < 0 ? rec : ldfi_stage_send_to(st, comp, node, rec);
}

int proto_send_all(struct ldfi_stage *st, int comp, const char *name)
{
	const struct ldfi_comp *c;
	int rec = ldfi_stage_record(st, name), rc;

	if (rec < 0)
		return rec;
	if (comp < 0)
		return LDFI_EINVAL;
	c = &ldfi_stage_conf(st)->comps[comp];
	for (int i = 0; i < c->n_nodes; i++) {
		if (comp == ldfi_stage_comp(st) && c->nodes[i] == ldfi_stage_node(st))
			continue;
		if ((rc = ldfi_stage_send_to(st, comp, c->nodes[i], rec)))
			return rc;
	}
	return 0;
}

int proto_output(struct ldfi_stage *st, const char *name)
{
	int rec = ldfi_stage_record(st, name);

	return rec < 0 ? rec : ldfi_stage_output(st, rec);
}

int proto_decide(struct ldfi_stage *st, const char *name)
{
	int rc = proto_output(st, name);

	return rc ? rc : ldfi_stage_put(st, "decision", strcmp(name, "commit") == 0);
}

int proto_all_voted(struct ldfi_stage *st, int comp)
{
	const struct ldfi_conf *conf = ldfi_stage_conf(st);
	const struct ldfi_comp *c;
	char key[300];
	int all = 1;

	if (comp < 0)
		return LDFI_EINVAL;
	c = &conf->comps[comp];
	for (int i = 0; i < c->n_nodes; i++) {
		int rc;

		snprintf(key, sizeof(key), "vote:%s", conf->nodes[c->nodes[i]].name);
		if ((rc = ldfi_stage_get(st, key, NULL)) < 0)
			return rc;
		all = all && rc;
	}
	return all;
}

/* --- checks --- */

static bool is_plugin_stage(const struct ldfi_conf *conf, int comp)
{
	return conf->comps[comp].type == LDFI_COMP_STAGE &&
	       conf->comps[comp].kind == LDFI_KIND_PLUGIN;
}

/* The decision node `node` holds: 'c', 'a', 'x' (both), or 0. */
static int decision_at(const struct ldfi_trace *tr, int node)
{
	int d = 0;

	for (size_t i = 0; i < tr->n_outs; i++) {
		const struct ldfi_output *o = &tr->outs[i];
		const char *name = tr->recs[o->rec].name;
		int v;

		if (o->node != node || !is_plugin_stage(tr->conf, o->comp))
			continue;
		v = strcmp(name, "commit") == 0 ? 'c' : strcmp(name, "abort") == 0 ? 'a' : 0;
		if (v)
			d = d && d != v ? 'x' : v;
	}
	return d;
}

static int output_of(const struct ldfi_trace *tr, int node, const char *name, int *comp)
{
	for (size_t i = 0; i < tr->n_outs; i++)
		if (tr->outs[i].node == node && is_plugin_stage(tr->conf, tr->outs[i].comp) &&
		    strcmp(tr->recs[tr->outs[i].rec].name, name) == 0) {
			*comp = tr->outs[i].comp;
			return tr->outs[i].rec;
		}
	return -1;
}

int proto_check_agreement(struct ldfi_trace *tr, const struct ldfi_trace *ff, int check,
			  struct ldfi_check_result *res)
{
	int seen = 0, rc, comp = -1;

	(void)ff;
	(void)check;
	res->passed = true;
	for (int n = 0; n < tr->conf->n_nodes; n++) {
		int d = ldfi_trace_alive(tr, n) ? decision_at(tr, n) : 0;

		if (d == 'x' || (d && seen && d != seen)) {
			int rec = output_of(tr, n, d == 'c' ? "commit" : "abort", &comp);

			if (d == 'x')
				rec = output_of(tr, n, "abort", &comp);
			if ((rc = ldfi_check_offend(res, rec, comp, n, LDFI_PROBLEM_UNEXPECTED, 1,
						    0)))
				return rc;
		}
		if (d && d != 'x' && !seen)
			seen = d;
	}
	return 0;
}

int proto_check_termination(struct ldfi_trace *tr, const struct ldfi_trace *ff, int check,
			    struct ldfi_check_result *res)
{
	int decided = 0, prepared = -1, rc;

	(void)check;
	res->passed = true;
	for (size_t i = 0; i < tr->n_msgs; i++) {
		const struct ldfi_msg *m = &tr->msgs[i];

		if (m->fate == LDFI_FATE_DELIVERED && m->kind == LDFI_MSG_DATA &&
		    strcmp(tr->recs[m->rec].name, "prepare") == 0 &&
		    ldfi_trace_alive(tr, m->dst_node)) {
			prepared = (int)i;
			break;
		}
	}
	if (prepared < 0)
		return 0;
	for (int n = 0; n < tr->conf->n_nodes; n++)
		decided += ldfi_trace_alive(tr, n) && decision_at(tr, n);
	if (decided >= 2)
		return 0;
	/* Name, at each prepared live node left without one, the decision the
	 * fault-free run took (commit, if it took none). */
	for (int n = 0; n < tr->conf->n_nodes; n++) {
		for (size_t i = 0; i < tr->n_msgs; i++) {
			const struct ldfi_msg *m = &tr->msgs[i];
			int rec;

			if (m->dst_node != n || m->fate != LDFI_FATE_DELIVERED ||
			    m->kind != LDFI_MSG_DATA || strcmp(tr->recs[m->rec].name, "prepare") ||
			    !ldfi_trace_alive(tr, n) || decision_at(tr, n))
				continue;
			rec = ldfi_trace_record(tr, decision_at(ff, n) == 'a' ? "abort" : "commit");
			if (rec < 0 || (rc = ldfi_check_offend(res, rec, m->dst_comp, n,
							       LDFI_PROBLEM_MISSING, 0, 1)))
				return rec < 0 ? rec : rc;
			break;
		}
	}
	if (res->passed) { /* the prepared node decided, but alone */
		const struct ldfi_msg *m = &tr->msgs[prepared];

		return ldfi_check_offend(res, m->rec, m->dst_comp, m->dst_node,
					 LDFI_PROBLEM_UNEXPECTED, decided, 2);
	}
	return 0;
}
