/*
 * test_determinism.c - the same conf and fault set always give the same
 * run (docs/semantics.md): each case is executed twice, independently, and both runs
 * are recorded into one provenance database; every per-run table must then
 * hold the same rows for run 1 and run 2 (compared with EXCEPT both ways,
 * ignoring the run id and the timing columns).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

#include <sqlite3.h>

#include "runtime/db/handle.h"
#include "tests/runtime/rt.h"

/* The tables compared, and the columns left out besides `run`. */
static const struct {
	const char *table, *skip1, *skip2;
} tables[] = {
    {"runs", "id", "wall_us"},	   {"messages", NULL, NULL},	   {"message_parents", NULL, NULL},
    {"outputs", NULL, NULL},	   {"output_parents", NULL, NULL}, {"checks", NULL, NULL},
    {"check_records", NULL, NULL}, {"memory", NULL, NULL},	   {"memory_parents", NULL, NULL},
    {"down_periods", NULL, NULL},
};

/* One integer from a query (-1 on error). */
static long long q1(sqlite3 *db, const char *fmt, ...)
{
	sqlite3_stmt *st;
	long long v = -1;
	va_list ap;
	char *sql;

	va_start(ap, fmt);
	sql = sqlite3_vmprintf(fmt, ap);
	va_end(ap);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(db));
		sqlite3_free(sql);
		return -1;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_free(sql);
	return v;
}

/* The columns of `table` but `run`, skip1 and skip2, comma-separated. */
static int columns(sqlite3 *db, int t, char *out, size_t len)
{
	sqlite3_stmt *st;
	size_t n = 0;
	char *sql = sqlite3_mprintf("PRAGMA table_info(%s)", tables[t].table);
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

	sqlite3_free(sql);
	if (rc != SQLITE_OK)
		return -1;
	out[0] = '\0';
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *c = (const char *)sqlite3_column_text(st, 1);

		if (strcmp(c, "run") == 0 || (tables[t].skip1 && strcmp(c, tables[t].skip1) == 0) ||
		    (tables[t].skip2 && strcmp(c, tables[t].skip2) == 0))
			continue;
		n += (size_t)snprintf(out + n, len - n, "%s\"%s\"", n ? ", " : "", c);
	}
	sqlite3_finalize(st);
	return n ? 0 : -1;
}

/* Rows of `table` for run `a` that run `b` lacks. */
static long long differ(sqlite3 *db, int t, const char *cols, long long a, long long b)
{
	const char *key = strcmp(tables[t].table, "runs") == 0 ? "id" : "run";

	return q1(db,
		  "SELECT count(*) FROM (SELECT %s FROM %s WHERE %s = %lld "
		  "EXCEPT SELECT %s FROM %s WHERE %s = %lld)",
		  cols, tables[t].table, key, a, cols, tables[t].table, key, b);
}

static long long rows(sqlite3 *db, int t, long long run)
{
	const char *key = strcmp(tables[t].table, "runs") == 0 ? "id" : "run";

	return q1(db, "SELECT count(*) FROM %s WHERE %s = %lld", tables[t].table, key, run);
}

/* Field by field (the struct may have padding). */
static int same_msg(const struct ldfi_msg *x, const struct ldfi_msg *y)
{
	return x->id == y->id && x->kind == y->kind && x->fate == y->fate &&
	       x->delivery == y->delivery && x->parents_any == y->parents_any &&
	       x->src_node == y->src_node && x->src_comp == y->src_comp &&
	       x->dst_node == y->dst_node && x->dst_comp == y->dst_comp &&
	       x->send_round == y->send_round && x->rec == y->rec && x->fault == y->fault &&
	       x->parents_off == y->parents_off && x->n_parents == y->n_parents;
}

static const char *golden_conf = "[explore]\n"
				 "eot = 5\n"
				 "eff = 3\n"
				 "crashes = 1\n"
				 "[source s]\n"
				 "node = a\n"
				 "records = x, y\n"
				 "to = r\n"
				 "delivery = ack\n"
				 "retry_every = 2\n"
				 "[stage r]\n"
				 "nodes = b, c\n"
				 "to = k\n"
				 "delivery = repeat\n"
				 "[sink k]\n"
				 "nodes = b, d\n"
				 "relay = once\n"
				 "[check golden]\n"
				 "kind = matches-fault-free\n"
				 "sink = k\n"
				 "[check once]\n"
				 "kind = exactly-once\n"
				 "sink = k\n"
				 "[check order]\n"
				 "kind = ordered\n"
				 "sink = k\n";

/* Restarts: a durable ack log, a relay whose dedup memory is volatile, a
 * window-count whose counts are, a sink that relays under ack. */
static const char *restart_conf = "[explore]\n"
				  "eot = 8\n"
				  "eff = 3\n"
				  "crashes = 1\n"
				  "restarts = 2\n"
				  "downtime = 2\n"
				  "[source s]\n"
				  "node = a\n"
				  "records = u.x, u.y, v.z\n"
				  "to = r\n"
				  "delivery = ack\n"
				  "retry_every = 2\n"
				  "durable = yes\n"
				  "[stage r]\n"
				  "nodes = b, c\n"
				  "to = w\n"
				  "dedup = yes\n"
				  "delivery = repeat\n"
				  "[stage w]\n"
				  "kind = window-count\n"
				  "window = 3\n"
				  "nodes = c\n"
				  "to = k\n"
				  "delivery = ack\n"
				  "retry_every = 2\n"
				  "[sink k]\n"
				  "nodes = b, d\n"
				  "relay = ack\n"
				  "retry_every = 2\n"
				  "durable = yes\n"
				  "[check golden]\n"
				  "kind = matches-fault-free\n"
				  "sink = k\n"
				  "[check once]\n"
				  "kind = exactly-once\n"
				  "sink = k\n";

static const struct {
	const char *conf; /* a file, NULL for golden_conf, "=" for restart_conf */
	const char *faults;
} cases[] = {
    {"scenarios/delivery/simple-deliv.conf", "none"},
    {"scenarios/delivery/simple-deliv.conf", "omit(a,c,1)"},
    {"scenarios/delivery/retry-deliv.conf", "crash(a,2) omit(a,c,1)"},
    {"scenarios/delivery/classic-deliv.conf", "omit(a,c,1) omit(a,c,2) omit(b,c,2)"},
    {"scenarios/delivery/redun-deliv.conf", "crash(a,3) omit(a,b,1) omit(b,c,2)"},
    {"scenarios/delivery/ack-deliv.conf", "none"},
    {"scenarios/delivery/ack-deliv.conf", "crash(b,3) omit(a,c,1) omit(c,a,2)"},
    {"scenarios/stream/replicated-relay.conf", "none"},
    {"scenarios/stream/replicated-relay.conf", "crash(w1,3) omit(src,w2,1) omit(w2,out,2)"},
    {NULL, "none"},
    {NULL, "omit(a,b,1) omit(b,d,2)"},
    {NULL, "crash(c,2) omit(a,c,1) omit(b,a,2)"},
    {"=", "none"},
    {"=", "restart(a,2)"},
    {"=", "omit(a,b,1) restart(b,3) restart(c,2)"},
    {"=", "crash(d,4) omit(b,a,2) restart(a,3) restart(c,4)"},
};

static void one_case(const char *dir, int k)
{
	bool restarts = cases[k].conf && strcmp(cases[k].conf, "=") == 0;
	struct ldfi_conf *conf = restarts	 ? rt_conf("restart.conf", restart_conf)
				 : cases[k].conf ? rt_conf_file(cases[k].conf)
						 : rt_conf("golden.conf", golden_conf);
	const char *name = restarts	   ? "restart.conf"
			   : cases[k].conf ? cases[k].conf
					   : "golden.conf";
	struct ldfi_trace *tr[2] = {NULL, NULL};
	struct ldfi_db *db = NULL;
	char path[600], err[512], cols[1024];
	int64_t run[2] = {0, 0};
	sqlite3 *s;

	if (!conf)
		return;
	snprintf(path, sizeof(path), "%s/case%d.db", dir, k);
	CHECK(ldfi_db_open(path, &db, err, sizeof(err)) == 0);
	for (int i = 0; i < 2 && db; i++) {
		tr[i] = rt_run(conf, cases[k].faults);
		if (tr[i])
			CHECK(ldfi_db_record_run(db, tr[i], NULL, &run[i]) == 0);
	}
	if (!db || !tr[0] || !tr[1])
		goto out;
	/* The traces themselves, before any SQL. */
	CHECK(tr[0]->n_msgs == tr[1]->n_msgs && tr[0]->n_parents == tr[1]->n_parents &&
	      tr[0]->n_outs == tr[1]->n_outs);
	for (size_t i = 0; tr[0]->n_msgs == tr[1]->n_msgs && i < tr[0]->n_msgs; i++)
		if (!same_msg(&tr[0]->msgs[i], &tr[1]->msgs[i])) {
			fprintf(stderr, "%s under %s: message %zu differs\n", name, cases[k].faults,
				i + 1);
			CHECK(0);
			break;
		}
	if (tr[0]->n_parents == tr[1]->n_parents)
		CHECK(tr[0]->n_parents == 0 ||
		      memcmp(tr[0]->parents, tr[1]->parents,
			     tr[0]->n_parents * sizeof(*tr[0]->parents)) == 0);
	s = db->sql;
	CHECK(run[0] != run[1]);
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		long long n0 = rows(s, (int)t, run[0]), n1 = rows(s, (int)t, run[1]);
		long long d01, d10;

		CHECK(columns(s, (int)t, cols, sizeof(cols)) == 0);
		d01 = differ(s, (int)t, cols, run[0], run[1]);
		d10 = differ(s, (int)t, cols, run[1], run[0]);
		if (n0 != n1 || d01 != 0 || d10 != 0 || n0 < 0)
			fprintf(stderr,
				"%s under %s: table %s: %lld vs %lld rows, %lld and %lld "
				"differ\n",
				name, cases[k].faults, tables[t].table, n0, n1, d01, d10);
		CHECK(n0 == n1 && n0 >= 0);
		CHECK(d01 == 0 && d10 == 0);
	}
	/* Not vacuous: the runs and checks are there, messages unless the
	 * source never emitted. */
	CHECK(rows(s, 0, run[0]) == 1);
	CHECK(rows(s, 1, run[0]) == (long long)tr[0]->n_msgs && tr[0]->n_msgs > 0);
	CHECK(rows(s, 5, run[0]) == conf->n_checks);
	if (restarts) {
		CHECK(tr[0]->n_mems == tr[1]->n_mems && tr[0]->n_mems > 0);
		CHECK(rows(s, 7, run[0]) == (long long)tr[0]->n_mems);
	}
out:
	ldfi_trace_destroy(tr[0]);
	ldfi_trace_destroy(tr[1]);
	ldfi_db_close(db);
	unlink(path);
	ldfi_conf_destroy(conf);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	char dir[512];

	snprintf(dir, sizeof(dir), "%s/ldfi-determinism-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		perror(dir);
		return 1;
	}
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++)
		one_case(dir, (int)k);
	rmdir(dir);
	return test_done();
}
