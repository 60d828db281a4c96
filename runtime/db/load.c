/*
 * load.c - reads one run's provenance back from SQLite into a trace: for a
 * resumed exploration and for `ldfi report`, which have no trace in memory.
 */
#include <stdlib.h>
#include <string.h>

#include "ldfi/conf.h"
#include "ldfi/ldfi.h"
#include "runtime/db/handle.h"
#include "runtime/recindex.h"
#include "runtime/runtime.h"

#define col ldfi_db_col

static int prepare(sqlite3 *db, const char *sql, int64_t run, sqlite3_stmt **st)
{
	if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK)
		return LDFI_EDB;
	sqlite3_bind_int64(*st, 1, run);
	return 0;
}

static int load_faults(sqlite3 *db, struct ldfi_trace *tr, int64_t run)
{
	sqlite3_stmt *st;
	char err[256];
	int rc;

	if ((rc = prepare(db, "SELECT faults FROM runs WHERE id = ?", run, &st)))
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		rc = ldfi_faults_parse(tr->conf, col(st, 0), &tr->faults, err, sizeof(err)) == 0
			 ? 0
			 : LDFI_EFORMAT;
	else
		rc = rc == SQLITE_DONE ? LDFI_EFORMAT : LDFI_EDB;
	sqlite3_finalize(st);
	if (!rc)
		ldfi_rt_node_faults(tr);
	return rc;
}

/* A stored parent (a message id, or -k for memory token k) as an id of the
 * trace (trace.h: LDFI_MEM_ID for tokens). */
static uint32_t trace_parent(int64_t v)
{
	return v < 0 ? LDFI_MEM_ID(-v - 1) : (uint32_t)v;
}

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

static int load_msg_row(sqlite3_stmt *st, struct ldfi_trace *tr, struct ldfi_recindex *ix)
{
	const struct ldfi_conf *conf = tr->conf;
	struct ldfi_msg *m = &tr->msgs[tr->n_msgs];
	int kind, fate, delivery;

	m->id = (uint32_t)sqlite3_column_int64(st, 0);
	kind = value_of(kind_name, col(st, 1));
	m->src_node = ldfi_conf_node_index(conf, col(st, 2));
	m->src_comp = ldfi_conf_comp_index(conf, col(st, 3));
	m->dst_node = ldfi_conf_node_index(conf, col(st, 4));
	m->dst_comp = ldfi_conf_comp_index(conf, col(st, 5));
	m->send_round = sqlite3_column_int(st, 6);
	fate = value_of(fate_name, col(st, 7));
	m->rec = col(st, 8)[0] ? ldfi_recindex_intern(ix, tr, col(st, 8)) : -1;
	if (m->rec == LDFI_ENOMEM)
		return LDFI_ENOMEM;
	delivery = value_of(delivery_name, col(st, 9));
	m->fault = -1;
	m->parents_any = strcmp(col(st, 10), "any") == 0;
	m->conditional = sqlite3_column_int(st, 11) != 0;
	m->n_parents = 0;
	m->parents_off = 0;
	if (m->id != tr->n_msgs + 1 || m->src_node < 0 || m->src_comp < 0 || m->dst_node < 0 ||
	    m->dst_comp < 0 || kind < 0 || fate < 0 || delivery < 0 || m->rec < 0)
		return LDFI_EFORMAT;
	m->kind = (uint8_t)kind;
	m->fate = (uint8_t)fate;
	m->delivery = (uint8_t)delivery;
	tr->n_msgs++;
	return 0;
}

static int count_rows(sqlite3 *db, const char *sql, int64_t run, size_t *n)
{
	sqlite3_stmt *st;
	int rc = prepare(db, sql, run, &st);

	if (rc)
		return rc;
	rc = sqlite3_step(st) == SQLITE_ROW ? 0 : LDFI_EDB;
	*n = (size_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc;
}

static int load_messages(sqlite3 *db, struct ldfi_trace *tr, int64_t run, struct ldfi_recindex *ix)
{
	sqlite3_stmt *st;
	size_t n;
	int rc;

	if ((rc = count_rows(db, "SELECT count(*) FROM messages WHERE run = ?", run, &n)))
		return rc;
	tr->msgs = malloc((n + 1) * sizeof(*tr->msgs));
	if (!tr->msgs)
		return LDFI_ENOMEM;
	if ((rc =
		 prepare(db,
			 "SELECT id, kind, src_node, src_stage, dst_node, dst_stage, send_round, "
			 "fate, record, delivery, parents, conditional FROM messages WHERE run = ? "
			 "ORDER BY id",
			 run, &st)))
		return rc;
	while (!rc && (rc = sqlite3_step(st)) == SQLITE_ROW)
		rc = tr->n_msgs < n ? load_msg_row(st, tr, ix) : LDFI_EFORMAT;
	if (rc == SQLITE_DONE)
		rc = 0;
	else if (rc > 0)
		rc = LDFI_EDB;
	sqlite3_finalize(st);
	return rc;
}

/* Parent rows come sorted by child; each child's parents become one slice. */
static int load_message_parents(sqlite3 *db, struct ldfi_trace *tr, int64_t run)
{
	sqlite3_stmt *st;
	size_t n;
	int rc;

	if ((rc = count_rows(db, "SELECT count(*) FROM message_parents WHERE run = ?", run, &n)))
		return rc;
	tr->parents = malloc((n + 1) * sizeof(*tr->parents));
	if (!tr->parents)
		return LDFI_ENOMEM;
	if ((rc = prepare(db, "SELECT msg, parent FROM message_parents WHERE run = ? ORDER BY msg",
			  run, &st)))
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t msg = sqlite3_column_int64(st, 0);
		struct ldfi_msg *m;

		if (msg < 1 || (size_t)msg > tr->n_msgs || tr->n_parents >= n) {
			rc = LDFI_EFORMAT;
			break;
		}
		m = &tr->msgs[msg - 1];
		if (m->n_parents == 0)
			m->parents_off = (uint32_t)tr->n_parents;
		m->n_parents++;
		tr->parents[tr->n_parents++] = trace_parent(sqlite3_column_int64(st, 1));
	}
	rc = rc == SQLITE_DONE ? 0 : rc > 0 ? LDFI_EDB : rc;
	sqlite3_finalize(st);
	return rc;
}

/* Outputs sorted by (sink, node, pos): text order is conf order. Their
 * parents are appended to the same parent array. */
static int load_outputs(sqlite3 *db, struct ldfi_trace *tr, int64_t run, struct ldfi_recindex *ix)
{
	sqlite3_stmt *st;
	size_t n, np, limit;
	uint32_t *p;
	int rc;

	if ((rc = count_rows(db, "SELECT count(*) FROM outputs WHERE run = ?", run, &n)) ||
	    (rc = count_rows(db, "SELECT count(*) FROM output_parents WHERE run = ?", run, &np)))
		return rc;
	tr->outs = malloc((n + 1) * sizeof(*tr->outs));
	if (!tr->outs)
		return LDFI_ENOMEM;
	/* Keep tr->parents valid for ldfi_trace_destroy whatever fails. */
	p = realloc(tr->parents, (tr->n_parents + np + 1) * sizeof(*p));
	if (!p)
		return LDFI_ENOMEM;
	tr->parents = p;
	limit = tr->n_parents + np;
	if ((rc =
		 prepare(db,
			 "SELECT o.sink, o.node, o.pos, o.record, o.round, p.parent, o.conditional "
			 "FROM outputs o "
			 "LEFT JOIN output_parents p ON p.run = o.run AND p.sink = o.sink AND "
			 "p.node = o.node AND p.pos = o.pos WHERE o.run = ? "
			 "ORDER BY o.sink, o.node, o.pos",
			 run, &st)))
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int comp = ldfi_conf_comp_index(tr->conf, col(st, 0));
		int node = ldfi_conf_node_index(tr->conf, col(st, 1));
		int pos = sqlite3_column_int(st, 2);
		struct ldfi_output *o = tr->n_outs ? &tr->outs[tr->n_outs - 1] : NULL;

		if (!o || o->comp != comp || o->node != node || o->pos != pos) {
			if (tr->n_outs >= n || comp < 0 || node < 0) {
				rc = LDFI_EFORMAT;
				break;
			}
			o = &tr->outs[tr->n_outs++];
			*o = (struct ldfi_output){
			    comp,
			    node,
			    pos,
			    col(st, 3)[0] ? ldfi_recindex_intern(ix, tr, col(st, 3)) : -1,
			    sqlite3_column_int(st, 4),
			    (uint32_t)tr->n_parents,
			    0,
			    sqlite3_column_int(st, 6) != 0};
			if (o->rec < 0) {
				rc = LDFI_EFORMAT;
				break;
			}
		}
		if (sqlite3_column_type(st, 5) != SQLITE_NULL) {
			if (tr->n_parents >= limit) {
				rc = LDFI_EFORMAT;
				break;
			}
			tr->parents[tr->n_parents++] = trace_parent(sqlite3_column_int64(st, 5));
			o->n_parents++;
		}
	}
	rc = rc == SQLITE_DONE ? 0 : rc > 0 ? LDFI_EDB : rc;
	sqlite3_finalize(st);
	return rc;
}

/* One memory token row (id, node, from_round, to_round, parents). */
static int load_mem_row(sqlite3_stmt *st, struct ldfi_trace *tr)
{
	struct ldfi_memtok *t = &tr->mems[tr->n_mems];

	*t = (struct ldfi_memtok){ldfi_conf_node_index(tr->conf, col(st, 1)),
				  sqlite3_column_int(st, 2),
				  sqlite3_column_int(st, 3),
				  0,
				  0,
				  strcmp(col(st, 4), "any") == 0};
	if (sqlite3_column_int64(st, 0) != (int64_t)tr->n_mems + 1 || t->node < 0)
		return LDFI_EFORMAT;
	tr->n_mems++;
	return 0;
}

/* The run's memory tokens (table memory) and their parents (appended to
 * tr->parents, one slice per token). */
static int load_memory(sqlite3 *db, struct ldfi_trace *tr, int64_t run)
{
	sqlite3_stmt *st;
	size_t n, np;
	uint32_t *p;
	int rc;

	if ((rc = count_rows(db, "SELECT count(*) FROM memory WHERE run = ?", run, &n)) ||
	    (rc = count_rows(db, "SELECT count(*) FROM memory_parents WHERE run = ?", run, &np)))
		return rc;
	if (!(tr->mems = malloc((n + 1) * sizeof(*tr->mems))) ||
	    !(p = realloc(tr->parents, (tr->n_parents + np + 1) * sizeof(*p))))
		return LDFI_ENOMEM;
	tr->parents = p;
	if ((rc =
		 prepare(db,
			 "SELECT id, node, from_round, to_round, parents FROM memory WHERE run = ? "
			 "ORDER BY id",
			 run, &st)))
		return rc;
	while (!rc && (rc = sqlite3_step(st)) == SQLITE_ROW)
		rc = tr->n_mems < n ? load_mem_row(st, tr) : LDFI_EFORMAT;
	rc = rc == SQLITE_DONE ? 0 : rc > 0 ? LDFI_EDB : rc;
	sqlite3_finalize(st);
	if (rc || (rc = prepare(db,
				"SELECT mem, parent FROM memory_parents WHERE run = ? "
				"ORDER BY mem",
				run, &st)))
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t mem = sqlite3_column_int64(st, 0);
		struct ldfi_memtok *t;

		if (mem < 1 || (size_t)mem > tr->n_mems || np-- == 0) {
			rc = LDFI_EFORMAT;
			break;
		}
		t = &tr->mems[mem - 1];
		if (t->n_parents == 0)
			t->parents_off = (uint32_t)tr->n_parents;
		t->n_parents++;
		tr->parents[tr->n_parents++] = trace_parent(sqlite3_column_int64(st, 1));
	}
	rc = rc == SQLITE_DONE ? 0 : rc > 0 ? LDFI_EDB : rc;
	sqlite3_finalize(st);
	return rc;
}

/* Every memory token a parent names exists. */
static int check_tokens(const struct ldfi_trace *tr)
{
	for (size_t i = 0; i < tr->n_parents; i++)
		if (LDFI_IS_MEM(tr->parents[i]) && LDFI_MEM_INDEX(tr->parents[i]) >= tr->n_mems)
			return LDFI_EFORMAT;
	return 0;
}

/* The fault of tr->faults that lost `m`: omit(src,dst,send round), or the
 * receiver's crash by the delivery round, or its restart down then; -1 if
 * none (a damaged row). */
static int lost_by(const struct ldfi_trace *tr, const struct ldfi_msg *m)
{
	for (int i = 0; i < tr->faults.n; i++) {
		const struct ldfi_fault *f = &tr->faults.v[i];

		if (m->fate == LDFI_FATE_OMITTED && f->kind == LDFI_FAULT_OMIT &&
		    f->a == m->src_node && f->b == m->dst_node && f->t == m->send_round)
			return i;
		if (m->fate == LDFI_FATE_CRASHED && f->kind == LDFI_FAULT_CRASH &&
		    f->a == m->dst_node && f->t <= m->send_round + 1)
			return i;
		if (m->fate == LDFI_FATE_DOWN && f->kind == LDFI_FAULT_RESTART &&
		    f->a == m->dst_node && ldfi_trace_down(tr, f->a, m->send_round + 1))
			return i;
	}
	return -1;
}

int ldfi_db_load_trace(struct ldfi_db *db, const struct ldfi_conf *conf, int64_t run,
		       struct ldfi_trace **out)
{
	sqlite3 *sq = db->sql;
	struct ldfi_trace *tr = calloc(1, sizeof(*tr));
	struct ldfi_recindex ix = {NULL, 0, 0};
	int rc;

	*out = NULL;
	if (!tr)
		return LDFI_ENOMEM;
	if ((rc = ldfi_trace_init(tr, conf)) || (rc = ldfi_recindex_init(&ix, tr)) ||
	    (rc = load_faults(sq, tr, run)) || (rc = load_messages(sq, tr, run, &ix)) ||
	    (rc = load_message_parents(sq, tr, run)) || (rc = load_outputs(sq, tr, run, &ix)) ||
	    (rc = load_memory(sq, tr, run)) || (rc = check_tokens(tr))) {
		ldfi_recindex_finish(&ix);
		ldfi_trace_destroy(tr);
		if (rc == LDFI_EDB)
			return ldfi_db_set_err(db, rc, "read run %lld: %s", (long long)run,
					       sqlite3_errmsg(sq));
		if (rc == LDFI_EFORMAT)
			return ldfi_db_set_err(db, rc, "read run %lld: rows that do not fit %s",
					       (long long)run, conf->path);
		return ldfi_db_set_err(db, rc, "read run %lld: %s", (long long)run,
				       ldfi_strerror(rc));
	}
	ldfi_recindex_finish(&ix);
	/* The fault that lost each message (as the runtime decides it). */
	for (size_t i = 0; i < tr->n_msgs; i++) {
		struct ldfi_msg *m = &tr->msgs[i];

		if (m->fate == LDFI_FATE_OMITTED || m->fate == LDFI_FATE_CRASHED ||
		    m->fate == LDFI_FATE_DOWN)
			m->fault = lost_by(tr, m);
	}
	for (int r = 0; r < tr->n_recs; r++)
		if (tr->recs[r].source >= 0)
			tr->recs[r].emitted = ldfi_rt_emitted(tr, tr->recs[r].source);
	*out = tr;
	return 0;
}

int ldfi_db_load_run(struct ldfi_db *db, const struct ldfi_conf *conf, int64_t run,
		     const struct ldfi_trace *ff, struct ldfi_trace **out)
{
	int rc = ldfi_db_load_trace(db, conf, run, out);

	/* A run whose plugin crashed or timed out has no check results. */
	if (!rc)
		rc = ldfi_db_run_failure(db, run, &(*out)->failure);
	if (!rc && !(*out)->failure)
		rc = ldfi_checks_eval(*out, ff ? ff : *out);
	if (rc) {
		ldfi_trace_destroy(*out);
		*out = NULL;
	}
	return rc;
}
