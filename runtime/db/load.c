/*
 * load.c - reads one run's provenance back from SQLite into a trace: for a
 * resumed exploration and for `ldfi report`, which have no trace in memory.
 *
 * What is read back is validated before anything uses it, since lineage and
 * the reports trust a trace (a parent link that points forward makes the
 * lineage recurse without end): the counts the runs row records are the
 * rows found; every name is the conf's; rounds are within the bounds; each
 * message's fate is the one the run's faults give it; a parent is an
 * earlier message, sent in an earlier round, or a memory token read by then
 * (its own parents earlier still); a message or output that the
 * runtime always derives from another has a parent; the check results are
 * one per check of the conf and agree with runs.passed. A database that
 * fails any of this is damaged: LDFI_EFORMAT, and ldfi_db_errmsg says
 * "damaged database: run N: what".
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ldfi/conf.h"
#include "ldfi/ldfi.h"
#include "model/util.h"
#include "runtime/db/handle.h"
#include "runtime/recindex.h"
#include "runtime/runtime.h"

#define col ldfi_db_col

/* One run being read back. */
struct load {
	struct ldfi_db *db;
	const struct ldfi_conf *conf;
	struct ldfi_trace *tr;
	struct ldfi_recindex ix;
	int64_t run;
	int64_t n_messages, n_outputs; /* as the runs row says */
	bool passed;		       /* runs.passed */
	char why[256];		       /* what is damaged */
};

__attribute__((format(printf, 2, 3))) static int damaged(struct load *l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(l->why, sizeof(l->why), fmt, ap);
	va_end(ap);
	return LDFI_EFORMAT;
}

static int prepare(struct load *l, const char *sql, sqlite3_stmt **st)
{
	if (sqlite3_prepare_v2(l->db->sql, sql, -1, st, NULL) != SQLITE_OK)
		return LDFI_EDB;
	sqlite3_bind_int64(*st, 1, l->run);
	return 0;
}

/* The end of a row loop: SQLITE_DONE is success, another SQLite code an
 * error; an LDFI_E* code stays. */
static int end_rows(int rc)
{
	return rc == SQLITE_DONE ? 0 : rc > 0 ? LDFI_EDB : rc;
}

static bool is_int(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_INTEGER;
}

/* Integer column i within [lo, hi], in *v; false when it is not one. */
static bool int_in(sqlite3_stmt *st, int i, int64_t lo, int64_t hi, int64_t *v)
{
	*v = sqlite3_column_int64(st, i);
	return is_int(st, i) && *v >= lo && *v <= hi;
}

/* ---- the runs row ---- */

static int run_row(struct load *l, sqlite3_stmt *st)
{
	const struct ldfi_conf *c = l->conf;
	struct ldfi_trace *tr = l->tr;
	int64_t passed, eot, eff, crashes, restarts, downtime;
	char err[256];

	if (!int_in(st, 1, 0, LDFI_MAX_MESSAGES, &l->n_messages) ||
	    !int_in(st, 2, 0, INT32_MAX, &l->n_outputs) || !int_in(st, 3, 0, 1, &passed))
		return damaged(l, "a count or the verdict is not a valid number");
	if (!int_in(st, 4, c->eot, c->eot, &eot) || !int_in(st, 5, c->eff, c->eff, &eff) ||
	    !int_in(st, 6, c->crashes, c->crashes, &crashes))
		return damaged(l, "bounds eot=%lld eff=%lld crashes=%lld, not the conf's",
			       (long long)sqlite3_column_int64(st, 4),
			       (long long)sqlite3_column_int64(st, 5),
			       (long long)sqlite3_column_int64(st, 6));
	if (!int_in(st, 7, c->restarts, c->restarts, &restarts) ||
	    !int_in(st, 8, c->downtime, c->downtime, &downtime))
		return damaged(l, "bounds restarts=%lld downtime=%lld, not the conf's",
			       (long long)sqlite3_column_int64(st, 7),
			       (long long)sqlite3_column_int64(st, 8));
	l->passed = passed != 0;
	if (sqlite3_column_type(st, 0) != SQLITE_TEXT ||
	    ldfi_faults_parse(c, col(st, 0), &tr->faults, err, sizeof(err)))
		return damaged(l, "fault set '%s' does not fit the conf", col(st, 0));
	ldfi_rt_node_faults(tr);
	return 0;
}

static int load_run_row(struct load *l)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = prepare(
		 l,
		 "SELECT faults, n_messages, n_outputs, passed, eot, eff, crashes, restarts, "
		 "downtime FROM runs WHERE id = ?",
		 &st)))
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		rc = run_row(l, st);
	else
		rc = rc == SQLITE_DONE ? damaged(l, "no such run") : LDFI_EDB;
	sqlite3_finalize(st);
	return rc;
}

/* A stored parent (a message id, or -k for memory token k) as an id of the
 * trace (trace.h: LDFI_MEM_ID for tokens); 0 when it is neither. */
static uint32_t trace_parent(int64_t v)
{
	if (v < 0)
		return v >= -(int64_t)LDFI_MAX_MESSAGES ? LDFI_MEM_ID(-v - 1) : 0;
	return v <= (int64_t)LDFI_MAX_MESSAGES ? (uint32_t)v : 0;
}

/* ---- messages ---- */

static const char *kind_name(int v)
{
	return ldfi_msg_kind_name((enum ldfi_msg_kind)v);
}

static const char *fate_name(int v)
{
	return ldfi_fate_name((enum ldfi_fate)v);
}

static const char *delivery_name(int v)
{
	return ldfi_delivery_name((enum ldfi_delivery)v);
}

/* The enum value named `s` (name(v) is "?" past the last value), or -1. */
static int value_of(const char *(*name)(int), const char *s)
{
	for (int v = 0; strcmp(name(v), "?") != 0; v++)
		if (strcmp(name(v), s) == 0)
			return v;
	return -1;
}

/* The names and enums of a message row; false when one is unknown. */
static bool msg_names(struct load *l, sqlite3_stmt *st, struct ldfi_msg *m)
{
	const struct ldfi_conf *conf = l->conf;
	int kind = value_of(kind_name, col(st, 1)), fate = value_of(fate_name, col(st, 7));
	int delivery = value_of(delivery_name, col(st, 9));
	const char *parents = col(st, 10);

	m->src_node = ldfi_conf_node_index(conf, col(st, 2));
	m->src_comp = ldfi_conf_comp_index(conf, col(st, 3));
	m->dst_node = ldfi_conf_node_index(conf, col(st, 4));
	m->dst_comp = ldfi_conf_comp_index(conf, col(st, 5));
	if (m->src_node < 0 || m->src_comp < 0 || m->dst_node < 0 || m->dst_comp < 0 || kind < 0 ||
	    fate < 0 || delivery < 0 || (strcmp(parents, "all") && strcmp(parents, "any")))
		return false;
	m->kind = (uint8_t)kind;
	m->fate = (uint8_t)fate;
	m->delivery = (uint8_t)delivery;
	m->parents_any = parents[1] == 'n';
	return true;
}

static int msg_row(struct load *l, sqlite3_stmt *st)
{
	struct ldfi_trace *tr = l->tr;
	struct ldfi_msg *m = &tr->msgs[tr->n_msgs];
	int64_t id, round, cond;

	memset(m, 0, sizeof(*m));
	if (!int_in(st, 0, (int64_t)tr->n_msgs + 1, (int64_t)tr->n_msgs + 1, &id))
		return damaged(l, "message %zu is missing (ids are not 1..%lld)", tr->n_msgs + 1,
			       (long long)l->n_messages);
	m->id = (uint32_t)id;
	if (!msg_names(l, st, m))
		return damaged(l, "message %lld names what the conf does not have", (long long)id);
	if (!int_in(st, 6, 1, l->conf->eot, &round) || !int_in(st, 11, 0, 1, &cond))
		return damaged(l, "message %lld: send round or flag out of range", (long long)id);
	m->send_round = (int32_t)round;
	m->conditional = (uint8_t)cond;
	if (sqlite3_column_type(st, 8) != SQLITE_TEXT || !col(st, 8)[0])
		return damaged(l, "message %lld carries no record", (long long)id);
	if ((m->rec = ldfi_recindex_intern(&l->ix, tr, col(st, 8))) < 0)
		return m->rec;
	m->fault = -1;
	tr->n_msgs++;
	return 0;
}

static int load_messages(struct load *l)
{
	struct ldfi_trace *tr = l->tr;
	sqlite3_stmt *st;
	int rc;

	tr->msgs = malloc(((size_t)l->n_messages + 1) * sizeof(*tr->msgs));
	if (!tr->msgs)
		return LDFI_ENOMEM;
	if ((rc =
		 prepare(l,
			 "SELECT id, kind, src_node, src_stage, dst_node, dst_stage, send_round, "
			 "fate, record, delivery, parents, conditional FROM messages WHERE run = ? "
			 "ORDER BY id",
			 &st)))
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (tr->n_msgs % LDFI_STOP_EVERY == LDFI_STOP_EVERY - 1 && ldfi_rt_stop_requested())
			rc = LDFI_ESTOPPED;
		else if ((int64_t)tr->n_msgs >= l->n_messages)
			rc = damaged(l, "more than the %lld messages the run records",
				     (long long)l->n_messages);
		else
			rc = msg_row(l, st);
		if (rc)
			break;
	}
	sqlite3_finalize(st);
	if ((rc = end_rows(rc)))
		return rc;
	if ((int64_t)tr->n_msgs != l->n_messages)
		return damaged(l, "%zu messages, the run records %lld", tr->n_msgs,
			       (long long)l->n_messages);
	return 0;
}

/* Each message's fate (and the fault that lost it) as the run's faults
 * decide it; a stored fate that differs contradicts the run's fault set. */
static int check_fates(struct load *l)
{
	struct ldfi_trace *tr = l->tr;
	unsigned char *omit = ldfi_rt_plan_faults(tr);

	if (!omit)
		return LDFI_ENOMEM;
	for (size_t i = 0; i < tr->n_msgs; i++) {
		struct ldfi_msg *m = &tr->msgs[i];
		uint8_t stored = m->fate;

		ldfi_rt_fate(tr, omit, m);
		if (m->fate != stored) {
			free(omit);
			return damaged(l, "message %u: fate '%s' where the run's faults give '%s'",
				       m->id, ldfi_fate_name(stored), ldfi_fate_name(m->fate));
		}
	}
	free(omit);
	return 0;
}

/* ---- parent links ---- */

/* Message `msg`'s parent `p`, both 1-based ids: an earlier message sent in
 * an earlier round (so that lineage, which follows parents, ends), or a
 * memory token (-k: token k). */
static int parent_ok(struct load *l, int64_t msg, int64_t p)
{
	const struct ldfi_trace *tr = l->tr;

	if (msg < 1 || msg > (int64_t)tr->n_msgs)
		return damaged(l, "a parent link of message %lld, which does not exist",
			       (long long)msg);
	if (p < 0 && trace_parent(p)) /* a memory token: check_tokens, once they are read */
		return 0;
	if (p < 1 || p >= msg || tr->msgs[p - 1].send_round >= tr->msgs[msg - 1].send_round)
		return damaged(l, "message %lld's parent %lld is not an earlier message",
			       (long long)msg, (long long)p);
	return 0;
}

/* Parent rows come sorted by child; each child's parents become one slice. */
static int load_message_parents(struct load *l)
{
	struct ldfi_trace *tr = l->tr;
	size_t cap = 1;
	sqlite3_stmt *st;
	int rc;

	/* Never NULL, also without a parent: slices of it are taken. */
	if (!(tr->parents = malloc(cap * sizeof(*tr->parents))))
		return LDFI_ENOMEM;
	if ((rc = prepare(
		 l, "SELECT msg, parent FROM message_parents WHERE run = ? ORDER BY msg, parent",
		 &st)))
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t msg = sqlite3_column_int64(st, 0), p = sqlite3_column_int64(st, 1);
		struct ldfi_msg *m;

		if (!is_int(st, 0) || !is_int(st, 1) || (rc = parent_ok(l, msg, p)))
			break;
		if (ldfi_grow(&tr->parents, &cap, tr->n_parents + 1, sizeof(*tr->parents), 64)) {
			rc = LDFI_ENOMEM;
			break;
		}
		m = &tr->msgs[msg - 1];
		if (m->n_parents == 0)
			m->parents_off = (uint32_t)tr->n_parents;
		m->n_parents++;
		tr->parents[tr->n_parents++] = trace_parent(p);
	}
	if (rc == SQLITE_ROW)
		rc = damaged(l, "a parent link that is not two message ids");
	sqlite3_finalize(st);
	return end_rows(rc);
}

static bool is_source(const struct ldfi_conf *conf, int comp)
{
	return conf->comps[comp].type == LDFI_COMP_SOURCE;
}

/* A stage of the user's code (a plugin or a process stage): it says what
 * its sends derive from, and may name nothing. */
static bool is_plugin(const struct ldfi_conf *conf, int comp)
{
	return conf->comps[comp].type == LDFI_COMP_STAGE &&
	       (conf->comps[comp].kind == LDFI_KIND_PLUGIN ||
		conf->comps[comp].kind == LDFI_KIND_PROCESS);
}

/* What the runtime always derives from a message has a parent: an ack
 * (from the copy it acknowledges) and what a built-in stage or sink sends
 * (from what it received). Sources emit without one; plugin and process
 * stages may, and so may the acks of a stage with `acks = manual`. */
static int check_derived(struct load *l)
{
	const struct ldfi_trace *tr = l->tr;

	for (size_t i = 0; i < tr->n_msgs; i++) {
		const struct ldfi_msg *m = &tr->msgs[i];

		if (m->n_parents == 0 &&
		    ((m->kind == LDFI_MSG_ACK && !l->conf->comps[m->src_comp].manual_acks) ||
		     (!is_source(l->conf, m->src_comp) && !is_plugin(l->conf, m->src_comp))))
			return damaged(l, "message %u has lost its parent links", m->id);
	}
	return 0;
}

/* ---- outputs ---- */

/* Whether `node` runs a replica of component `comp`. */
static bool replica_of(const struct ldfi_conf *conf, int comp, int node)
{
	for (int i = 0; i < conf->comps[comp].n_nodes; i++)
		if (conf->comps[comp].nodes[i] == node)
			return true;
	return false;
}

/* A new output from the row: at its replica, the next position there. */
static int output_row(struct load *l, sqlite3_stmt *st, int comp, int node, int64_t pos)
{
	struct ldfi_trace *tr = l->tr;
	struct ldfi_output *prev = tr->n_outs ? &tr->outs[tr->n_outs - 1] : NULL;
	struct ldfi_output *o = &tr->outs[tr->n_outs];
	int64_t round, cond,
	    want = prev && prev->comp == comp && prev->node == node ? prev->pos + 1 : 0;

	if ((int64_t)tr->n_outs >= l->n_outputs)
		return damaged(l, "more than the %lld outputs the run records",
			       (long long)l->n_outputs);
	if (comp < 0 || node < 0 || !replica_of(l->conf, comp, node) ||
	    (!is_plugin(l->conf, comp) && l->conf->comps[comp].type != LDFI_COMP_SINK))
		return damaged(l, "an output at %s@%s, not a replica that keeps outputs",
			       col(st, 0), col(st, 1));
	if (pos != want || !int_in(st, 4, 1, l->conf->eot, &round) || !int_in(st, 6, 0, 1, &cond))
		return damaged(l, "output %lld of %s@%s: position, round or flag out of place",
			       (long long)pos, col(st, 0), col(st, 1));
	*o = (struct ldfi_output){comp, node,		(int32_t)pos,
				  -1,	(int32_t)round, (uint32_t)tr->n_parents,
				  0,	(uint8_t)cond};
	if (sqlite3_column_type(st, 3) != SQLITE_TEXT || !col(st, 3)[0])
		return damaged(l, "output %lld of %s@%s holds no record", (long long)pos,
			       col(st, 0), col(st, 1));
	if ((o->rec = ldfi_recindex_intern(&l->ix, tr, col(st, 3))) < 0)
		return o->rec;
	tr->n_outs++;
	return 0;
}

/* The parent of the last output, when the row has one. */
static int output_parent(struct load *l, sqlite3_stmt *st, size_t *cap)
{
	struct ldfi_trace *tr = l->tr;
	int64_t p = sqlite3_column_int64(st, 5);

	if (sqlite3_column_type(st, 5) == SQLITE_NULL)
		return 0;
	if (!is_int(st, 5) || (p < 0 ? !trace_parent(p) : p < 1 || p > (int64_t)tr->n_msgs))
		return damaged(l, "an output's parent %lld is not a message of the run",
			       (long long)p);
	if (ldfi_grow(&tr->parents, cap, tr->n_parents + 1, sizeof(*tr->parents), 64))
		return LDFI_ENOMEM;
	tr->parents[tr->n_parents++] = trace_parent(p);
	tr->outs[tr->n_outs - 1].n_parents++;
	return 0;
}

static int output_rows(struct load *l, sqlite3_stmt *st)
{
	struct ldfi_trace *tr = l->tr;
	size_t cap = tr->n_parents;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int comp = ldfi_conf_comp_index(l->conf, col(st, 0));
		int node = ldfi_conf_node_index(l->conf, col(st, 1));
		int64_t pos = sqlite3_column_int64(st, 2);
		const struct ldfi_output *o = tr->n_outs ? &tr->outs[tr->n_outs - 1] : NULL;

		if (!is_int(st, 2))
			return damaged(l, "an output position that is not a number");
		if ((!o || o->comp != comp || o->node != node || o->pos != pos) &&
		    (rc = output_row(l, st, comp, node, pos)))
			return rc;
		if ((rc = output_parent(l, st, &cap)))
			return rc;
	}
	return end_rows(rc);
}

/* Outputs sorted by (sink, node, pos): text order is conf order. Their
 * parents are appended to the same parent array. */
static int load_outputs(struct load *l)
{
	struct ldfi_trace *tr = l->tr;
	sqlite3_stmt *st;
	int rc;

	tr->outs = malloc(((size_t)l->n_outputs + 1) * sizeof(*tr->outs));
	if (!tr->outs)
		return LDFI_ENOMEM;
	if ((rc =
		 prepare(l,
			 "SELECT o.sink, o.node, o.pos, o.record, o.round, p.parent, o.conditional "
			 "FROM outputs o "
			 "LEFT JOIN output_parents p ON p.run = o.run AND p.sink = o.sink AND "
			 "p.node = o.node AND p.pos = o.pos WHERE o.run = ? "
			 "ORDER BY o.sink, o.node, o.pos, p.parent",
			 &st)))
		return rc;
	rc = output_rows(l, st);
	sqlite3_finalize(st);
	if (rc)
		return rc;
	if ((int64_t)tr->n_outs != l->n_outputs)
		return damaged(l, "%zu outputs, the run records %lld", tr->n_outs,
			       (long long)l->n_outputs);
	for (size_t i = 0; i < tr->n_outs; i++)
		if (!tr->outs[i].n_parents && !is_plugin(l->conf, tr->outs[i].comp))
			return damaged(l, "an output of %s has lost its parent links",
				       l->conf->comps[tr->outs[i].comp].name);
	return 0;
}

/* ---- memory tokens (runs of a conf with restarts) ---- */

/* One memory token row (id, node, from_round, to_round, parents). */
static int mem_row(struct load *l, sqlite3_stmt *st)
{
	struct ldfi_trace *tr = l->tr;
	struct ldfi_memtok *t = &tr->mems[tr->n_mems];
	int64_t id, from, to;
	const char *any = col(st, 4);

	if (!int_in(st, 0, (int64_t)tr->n_mems + 1, (int64_t)tr->n_mems + 1, &id) ||
	    !int_in(st, 2, 0, l->conf->eot, &from) || !int_in(st, 3, from, l->conf->eot, &to) ||
	    (strcmp(any, "all") && strcmp(any, "any")))
		return damaged(l, "memory token %zu is missing or out of range", tr->n_mems + 1);
	*t = (struct ldfi_memtok){ldfi_conf_node_index(l->conf, col(st, 1)),
				  (int32_t)from,
				  (int32_t)to,
				  0,
				  0,
				  any[1] == 'n'};
	if (t->node < 0)
		return damaged(l, "memory token %lld names a node the conf does not have",
			       (long long)id);
	tr->n_mems++;
	return 0;
}

static int load_mem_rows(struct load *l, int64_t n)
{
	struct ldfi_trace *tr = l->tr;
	sqlite3_stmt *st;
	int rc;

	if (!(tr->mems = malloc(((size_t)n + 1) * sizeof(*tr->mems))))
		return LDFI_ENOMEM;
	if ((rc =
		 prepare(l,
			 "SELECT id, node, from_round, to_round, parents FROM memory WHERE run = ? "
			 "ORDER BY id",
			 &st)))
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((rc = (int64_t)tr->n_mems < n ? mem_row(l, st)
						  : damaged(l, "memory tokens counted twice")))
			break;
	sqlite3_finalize(st);
	return end_rows(rc);
}

/* Token `t`'s parent `p` (a trace id): a message sent before the round the
 * token was read in, or an earlier token, so that lineage ends. */
static bool token_parent_ok(const struct ldfi_trace *tr, uint32_t t, uint32_t p)
{
	if (LDFI_IS_MEM(p))
		return LDFI_MEM_INDEX(p) < t;
	return p >= 1 && p <= tr->n_msgs && tr->msgs[p - 1].send_round < tr->mems[t].to;
}

/* The run's memory tokens (table memory) and their parents (appended to
 * tr->parents, one slice per token). */
static int load_memory(struct load *l)
{
	struct ldfi_trace *tr = l->tr;
	size_t cap = tr->n_parents;
	sqlite3_stmt *st;
	int64_t n = 0;
	int rc;

	if ((rc = prepare(l, "SELECT count(*) FROM memory WHERE run = ?", &st)))
		return rc;
	rc = sqlite3_step(st) == SQLITE_ROW ? 0 : LDFI_EDB;
	if (!rc && !int_in(st, 0, 0, LDFI_MAX_MESSAGES, &n))
		rc = damaged(l, "too many memory tokens");
	sqlite3_finalize(st);
	if (rc || (rc = load_mem_rows(l, n)) ||
	    (rc = prepare(l, "SELECT mem, parent FROM memory_parents WHERE run = ? ORDER BY mem",
			  &st)))
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t mem = sqlite3_column_int64(st, 0);
		uint32_t p = trace_parent(sqlite3_column_int64(st, 1));
		struct ldfi_memtok *t;

		if (!is_int(st, 0) || !is_int(st, 1) || mem < 1 || mem > (int64_t)tr->n_mems ||
		    !token_parent_ok(tr, (uint32_t)(mem - 1), p)) {
			rc =
			    damaged(l, "memory token %lld's parent is not earlier", (long long)mem);
			break;
		}
		if (ldfi_grow(&tr->parents, &cap, tr->n_parents + 1, sizeof(*tr->parents), 64)) {
			rc = LDFI_ENOMEM;
			break;
		}
		t = &tr->mems[mem - 1];
		if (t->n_parents == 0)
			t->parents_off = (uint32_t)tr->n_parents;
		else if (t->parents_off + t->n_parents != tr->n_parents) {
			rc = damaged(l, "memory token %lld's parents out of order", (long long)mem);
			break;
		}
		t->n_parents++;
		tr->parents[tr->n_parents++] = p;
	}
	sqlite3_finalize(st);
	return end_rows(rc);
}

/* Every memory token a message or output names exists, and a message's
 * token was read by its round at the latest. */
static int check_tokens(struct load *l)
{
	const struct ldfi_trace *tr = l->tr;

	for (size_t i = 0; i < tr->n_msgs; i++) {
		const struct ldfi_msg *m = &tr->msgs[i];

		for (uint32_t k = 0; k < m->n_parents; k++) {
			uint32_t p = tr->parents[m->parents_off + k];

			if (LDFI_IS_MEM(p) && (LDFI_MEM_INDEX(p) >= tr->n_mems ||
					       tr->mems[LDFI_MEM_INDEX(p)].to > m->send_round))
				return damaged(l,
					       "message %u's memory parent is not a token of "
					       "the run",
					       m->id);
		}
	}
	for (size_t i = 0; i < tr->n_outs; i++)
		for (uint32_t k = 0; k < tr->outs[i].n_parents; k++) {
			uint32_t p = tr->parents[tr->outs[i].parents_off + k];

			if (LDFI_IS_MEM(p) && LDFI_MEM_INDEX(p) >= tr->n_mems)
				return damaged(l, "an output's memory parent is not a token of "
						  "the run");
		}
	return 0;
}

/* ---- the whole trace ---- */

static int load_all(struct load *l)
{
	int rc;

	if ((rc = ldfi_trace_init(l->tr, l->conf)) || (rc = ldfi_recindex_init(&l->ix, l->tr)) ||
	    (rc = load_run_row(l)) || (rc = load_messages(l)) || (rc = check_fates(l)) ||
	    (rc = load_message_parents(l)) || (rc = check_derived(l)) || (rc = load_outputs(l)) ||
	    (rc = load_memory(l)) || (rc = check_tokens(l)))
		return rc;
	for (int r = 0; r < l->tr->n_recs; r++)
		if (l->tr->recs[r].source >= 0)
			l->tr->recs[r].emitted = ldfi_rt_emitted(l->tr, l->tr->recs[r].source);
	l->tr->passed = l->passed;
	return 0;
}

/* The handle's message for error `rc` of reading run l->run. */
static int load_error(struct load *l, int rc)
{
	long long run = (long long)l->run;

	if (rc == LDFI_EFORMAT)
		return ldfi_db_set_err(l->db, rc, "damaged database: run %lld: %s", run, l->why);
	if (rc == LDFI_ESTOPPED)
		return ldfi_db_set_err(l->db, rc, "read run %lld: %s", run, ldfi_strerror(rc));
	if (rc == LDFI_EDB)
		return ldfi_db_set_err(l->db, rc, "read run %lld: %s", run,
				       sqlite3_errmsg(l->db->sql));
	return ldfi_db_set_err(l->db, rc, "read run %lld: %s", run, ldfi_strerror(rc));
}

/* A run that did not finish (runs.failure: its plugin crashed or timed
 * out) has no rows but the runs row; the others get their check results. */
static int load_results(struct load *l)
{
	struct ldfi_trace *tr = l->tr;
	int rc = ldfi_db_run_failure(l->db, l->run, &tr->failure);

	if (rc || !tr->failure)
		return rc ? rc : ldfi_db_read_checks(l->db, l->run, &l->ix, tr);
	if (tr->passed || tr->n_msgs || tr->n_outs)
		return ldfi_db_set_err(l->db, LDFI_EFORMAT,
				       "damaged database: run %lld: a run that did not finish, "
				       "with messages, outputs or a pass",
				       (long long)l->run);
	return 0;
}

/* Read run l->run into a new trace in l->tr (destroyed on error), with
 * its check results when `results`. */
static int load_trace(struct load *l, bool results)
{
	int rc;

	if (!(l->tr = calloc(1, sizeof(*l->tr))))
		return load_error(l, LDFI_ENOMEM);
	if ((rc = load_all(l)))
		rc = load_error(l, rc);
	else if (results)
		rc = load_results(l);
	ldfi_recindex_finish(&l->ix);
	if (rc) {
		ldfi_trace_destroy(l->tr);
		l->tr = NULL;
	}
	return rc;
}

int ldfi_db_load_trace(struct ldfi_db *db, const struct ldfi_conf *conf, int64_t run,
		       struct ldfi_trace **out)
{
	struct load l = {.db = db, .conf = conf, .run = run};
	int rc = load_trace(&l, false);

	*out = l.tr;
	return rc;
}

int ldfi_db_load_run(struct ldfi_db *db, const struct ldfi_conf *conf, int64_t run,
		     struct ldfi_trace **out)
{
	struct load l = {.db = db, .conf = conf, .run = run};
	int rc = load_trace(&l, true);

	*out = l.tr;
	return rc;
}
