/*
 * test_recorder.c - the provenance recorder: a hand-built trace recorded
 * twice and read back column by column; failures midway (constraint,
 * injected trigger, a lock held by another connection, a malformed trace)
 * leave earlier runs intact; foreign files and newer schemas are refused;
 * reopening appends.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "ldfi/conf.h"
#include "runtime/db/handle.h"
#include "ldfi/faults.h"
#include "ldfi/ldfi.h"
#include "ldfi/trace.h"
#include "tests/test.h"

static char dir[64];
static char qbuf[8192];

/* Every row of a query, columns joined by '|', rows by '\n', NULL as "NULL". */
static const char *q(sqlite3 *s, const char *fmt, ...)
{
	sqlite3_stmt *st;
	va_list ap;
	char *sql;
	size_t n = 0;
	int rc;

	va_start(ap, fmt);
	sql = sqlite3_vmprintf(fmt, ap);
	va_end(ap);
	qbuf[0] = '\0';
	if (sqlite3_prepare_v2(s, sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(qbuf, sizeof(qbuf), "SQL error: %s", sqlite3_errmsg(s));
		sqlite3_free(sql);
		return qbuf;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n)
			n += (size_t)snprintf(qbuf + n, sizeof(qbuf) - n, "\n");
		for (int i = 0; i < sqlite3_column_count(st); i++) {
			const unsigned char *v = sqlite3_column_text(st, i);

			n += (size_t)snprintf(qbuf + n, sizeof(qbuf) - n, "%s%s", i ? "|" : "",
					      v ? (const char *)v : "NULL");
		}
	}
	if (rc != SQLITE_DONE)
		snprintf(qbuf, sizeof(qbuf), "SQL error: %s", sqlite3_errmsg(s));
	sqlite3_finalize(st);
	sqlite3_free(sql);
	return qbuf;
}

/* --- the pipeline: source orders on a, ack to sink log on b and c --- */

static struct ldfi_node nodes[] = {{"a", 1}, {"b", 1}, {"c", 1}};
static int log_nodes[] = {1, 2};
static int orders_nodes[] = {0};
static char *orders_recs[] = {"1", "2"};
static struct ldfi_comp comps[] = {
    {.name = "log", .type = LDFI_COMP_SINK, .nodes = log_nodes, .n_nodes = 2, .to = -1},
    {.name = "orders",
     .type = LDFI_COMP_SOURCE,
     .nodes = orders_nodes,
     .n_nodes = 1,
     .to = 0,
     .delivery = LDFI_DELIVERY_ACK,
     .retry_every = 1,
     .records = orders_recs,
     .n_records = 2,
     .at = 1},
};
static struct ldfi_check checks[] = {
    {.name = "deliv", .kind = LDFI_CHECK_DELIVERED, .sink = 0, .source = -1},
    {.name = "nodup", .kind = LDFI_CHECK_NO_DUPLICATES, .sink = 0, .source = -1},
    {.name = "golden", .kind = LDFI_CHECK_MATCHES_FAULT_FREE, .sink = 0, .source = -1},
};
static struct ldfi_conf conf = {
    .path = "pipe.conf",
    .eot = 4,
    .eff = 3,
    .crashes = 1,
    .nodes = nodes,
    .n_nodes = 3,
    .comps = comps,
    .n_comps = 2,
    .checks = checks,
    .n_checks = 3,
};

enum { A, B, C };
enum { LOG, ORDERS };

static struct ldfi_fault fault_v[] = {
    {LDFI_FAULT_CRASH, C, -1, 3},
    {LDFI_FAULT_OMIT, A, B, 1},
};
static int crash_round[] = {0, 0, 3};
static struct ldfi_record recs[] = {
    {"orders:1", ORDERS, 0, true},
    {"orders:2", ORDERS, 1, true},
};
static uint32_t parents[] = {2, 4, 4, 3, 6, 3, 4, 2};
/* Designated initializers: independent of the field order of ldfi_msg. */
#define MSG(id_, kind_, fate_, sn, sc, dn, dc, round_, rec_, fault_, off_, np_)                    \
	{                                                                                          \
		.id = id_, .kind = kind_, .fate = fate_, .delivery = LDFI_DELIVERY_ACK,            \
		.src_node = sn, .src_comp = sc, .dst_node = dn, .dst_comp = dc,                    \
		.send_round = round_, .rec = rec_, .fault = fault_, .parents_off = off_,           \
		.n_parents = np_,                                                                  \
	}
static struct ldfi_msg msgs[] = {
    /* id kind fate src_node src_comp dst_node dst_comp round rec fault poff np */
    MSG(1, LDFI_MSG_DATA, LDFI_FATE_OMITTED, A, ORDERS, B, LOG, 1, 0, 1, 0, 0),
    MSG(2, LDFI_MSG_DATA, LDFI_FATE_DELIVERED, A, ORDERS, C, LOG, 1, 0, -1, 0, 0),
    MSG(3, LDFI_MSG_ACK, LDFI_FATE_DELIVERED, C, LOG, A, ORDERS, 2, 0, -1, 0, 1),
    MSG(4, LDFI_MSG_DATA, LDFI_FATE_DELIVERED, A, ORDERS, B, LOG, 2, 0, -1, 0, 0),
    MSG(5, LDFI_MSG_DATA, LDFI_FATE_CRASHED, A, ORDERS, C, LOG, 3, 1, -1, 0, 0),
    MSG(6, LDFI_MSG_ACK, LDFI_FATE_DELIVERED, B, LOG, A, ORDERS, 3, 0, -1, 1, 2),
    MSG(7, LDFI_MSG_DATA, LDFI_FATE_EOT, A, ORDERS, B, LOG, 4, 1, -1, 3, 3),
};
static struct ldfi_output outs[] = {
    {LOG, B, 0, 0, 3, 6, 1, 0},
    {LOG, C, 0, 0, 2, 7, 1, 0},
};
static struct ldfi_offense offs_deliv[] = {
    {1, LOG, B, LDFI_PROBLEM_MISSING, 0, 0},
};
static struct ldfi_offense offs_golden[] = {
    {0, LOG, B, LDFI_PROBLEM_UNEXPECTED, 1, 2},
};
static struct ldfi_check_result results[] = {
    {0, false, offs_deliv, 1},
    {1, true, NULL, 0},
    {2, false, offs_golden, 1},
};

static struct ldfi_trace make_trace(void)
{
	struct ldfi_trace tr = {
	    .conf = &conf,
	    .faults = {fault_v, 2, 2},
	    .crash_round = crash_round,
	    .recs = recs,
	    .n_recs = 2,
	    .msgs = msgs,
	    .n_msgs = sizeof(msgs) / sizeof(msgs[0]),
	    .parents = parents,
	    .n_parents = sizeof(parents) / sizeof(parents[0]),
	    .outs = outs,
	    .n_outs = 2,
	    .checks = results,
	    .n_checks = 3,
	    .passed = false,
	};
	return tr;
}

static void check_run(sqlite3 *s, int run)
{
	CHECK_STR(q(s,
		    "SELECT id, kind, src_node, src_stage, dst_node, dst_stage, send_round, "
		    "deliver_round, fate, lost_by, record, delivery FROM messages WHERE run = %d "
		    "ORDER BY id",
		    run),
		  "1|data|a|orders|b|log|1|NULL|omitted|omit(a,b,1)|orders:1|ack\n"
		  "2|data|a|orders|c|log|1|2|delivered|NULL|orders:1|ack\n"
		  "3|ack|c|log|a|orders|2|3|delivered|NULL|orders:1|ack\n"
		  "4|data|a|orders|b|log|2|3|delivered|NULL|orders:1|ack\n"
		  "5|data|a|orders|c|log|3|NULL|crashed|crash(c,3)|orders:2|ack\n"
		  "6|ack|b|log|a|orders|3|4|delivered|NULL|orders:1|ack\n"
		  "7|data|a|orders|b|log|4|NULL|eot|NULL|orders:2|ack");
	CHECK_STR(q(s,
		    "SELECT parents, group_concat(id, ',') FROM messages WHERE run = %d "
		    "GROUP BY parents ORDER BY parents",
		    run),
		  "all|1,2,3,4,5,6\nany|7");
	CHECK_STR(q(s,
		    "SELECT msg, parent FROM message_parents WHERE run = %d ORDER BY msg, parent",
		    run),
		  "3|2\n6|4\n7|3\n7|6");
	CHECK_STR(q(s,
		    "SELECT sink, node, pos, record, round, alive FROM outputs WHERE run = %d "
		    "ORDER BY sink, node, pos",
		    run),
		  "log|b|0|orders:1|3|1\nlog|c|0|orders:1|2|0");
	CHECK_STR(q(s,
		    "SELECT sink, node, pos, parent FROM output_parents WHERE run = %d "
		    "ORDER BY sink, node, pos, parent",
		    run),
		  "log|b|0|4\nlog|c|0|2");
	CHECK_STR(q(s, "SELECT name, kind, passed FROM checks WHERE run = %d ORDER BY name", run),
		  "deliv|delivered|0\ngolden|matches-fault-free|0\nnodup|no-duplicates|1");
	CHECK_STR(q(s,
		    "SELECT check_name, record, sink, node, problem, count, expected "
		    "FROM check_records WHERE run = %d ORDER BY check_name",
		    run),
		  "deliv|orders:2|log|b|missing|0|0\n"
		  "golden|orders:1|log|b|unexpected-count|1|2");
}

static void path_in_dir(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

static void test_record_and_read(const char *path)
{
	struct ldfi_trace tr = make_trace();
	struct ldfi_run_info info = {"ldfi", 1234, 7};
	struct ldfi_db *db = NULL;
	char err[256] = "";
	int64_t id = 0;
	sqlite3 *s;

	CHECK(ldfi_db_open(path, &db, err, sizeof(err)) == 0);
	if (!db) {
		fprintf(stderr, "open: %s\n", err);
		return;
	}
	CHECK_STR(ldfi_db_errmsg(db), "");
	s = db->sql;
	CHECK(s != NULL);
	CHECK_STR(q(s, "SELECT value FROM meta WHERE key = 'schema_version'"), "4");
	CHECK_STR(q(s, "SELECT value FROM meta WHERE key = 'application'"), "ldfi");
	CHECK_STR(q(s, "PRAGMA journal_mode"), "wal");
	CHECK_STR(q(s, "PRAGMA application_id"), "1279542857");

	CHECK(ldfi_db_record_run(db, &tr, NULL, &id) == 0);
	CHECK(id == 1);
	CHECK(ldfi_db_record_run(db, &tr, &info, &id) == 0);
	CHECK(id == 2);
	CHECK_STR(q(s,
		    "SELECT id, faults, n_faults, strategy, passed, verdict, wall_us, n_messages, "
		    "n_lost, n_outputs, hypothesis, eot, eff, crashes, conf FROM runs ORDER BY id"),
		  "1|crash(c,3) omit(a,b,1)|2|run|0|fail|0|7|3|2|NULL|4|3|1|pipe.conf\n"
		  "2|crash(c,3) omit(a,b,1)|2|ldfi|0|fail|1234|7|3|2|7|4|3|1|pipe.conf");
	check_run(s, 1);
	check_run(s, 2);

	/* A passing, fault-free run: faults "none", verdict pass, no lost_by. */
	{
		struct ldfi_trace ok = make_trace();
		struct ldfi_msg m[1] = {msgs[3]};
		struct ldfi_check_result r[1] = {{.check = 1, .passed = true}};
		int no_crash[3] = {0, 0, 0};

		ok.faults = (struct ldfi_faults){NULL, 0, 0};
		ok.crash_round = no_crash;
		ok.msgs = m;
		ok.n_msgs = 1;
		ok.outs = outs;
		ok.n_outs = 1;
		ok.checks = r;
		ok.n_checks = 1;
		ok.passed = true;
		CHECK(ldfi_db_record_run(db, &ok, &info, &id) == 0);
		CHECK(id == 3);
		CHECK_STR(
		    q(s, "SELECT faults, n_faults, passed, verdict, n_lost FROM runs WHERE id = 3"),
		    "none|0|1|pass|0");
		CHECK_STR(q(s, "SELECT alive FROM outputs WHERE run = 3"), "1");
	}

	/* The explorer's tables exist with their constraints. */
	CHECK_STR(q(s, "INSERT INTO hypotheses(faults, size, status) VALUES "
		       "('crash(c,2)', 1, 'pending') RETURNING id, status, run, found_by_run"),
		  "1|pending|NULL|NULL");
	CHECK(strncmp(q(s, "INSERT INTO hypotheses(faults, size, status) VALUES "
			   "('crash(b,2)', 1, 'bogus')"),
		      "SQL error: CHECK constraint failed", 34) == 0);
	CHECK(strncmp(q(s, "INSERT INTO hypotheses(faults, size, status) VALUES "
			   "('crash(c,2)', 1, 'tried')"),
		      "SQL error: UNIQUE constraint failed", 35) == 0);
	CHECK_STR(
	    q(s, "INSERT INTO explore(key, value) VALUES ('round', '1') RETURNING key, value"),
	    "round|1");
	/* The lineage reader's indexes. */
	CHECK_STR(q(s, "SELECT name FROM sqlite_master WHERE type = 'index' AND name IN "
		       "('messages_dst') ORDER BY name"),
		  "messages_dst");
	CHECK(strstr(q(s, "EXPLAIN QUERY PLAN SELECT * FROM messages WHERE run = 1 AND "
			  "dst_node = 'b' AND dst_stage = 'log'"),
		     "messages_dst") != NULL);
	CHECK(strstr(q(s, "EXPLAIN QUERY PLAN SELECT parent FROM message_parents WHERE run = 1 "
			  "AND msg = 7"),
		     "PRIMARY KEY") != NULL);
	ldfi_db_close(db);
}

static int count_runs(sqlite3 *s)
{
	return atoi(q(s, "SELECT count(*) FROM runs"));
}

static int count_rows(sqlite3 *s, int run)
{
	return atoi(q(s,
		      "SELECT (SELECT count(*) FROM messages WHERE run = %d) + "
		      "(SELECT count(*) FROM message_parents WHERE run = %d) + "
		      "(SELECT count(*) FROM outputs WHERE run = %d) + "
		      "(SELECT count(*) FROM output_parents WHERE run = %d) + "
		      "(SELECT count(*) FROM checks WHERE run = %d) + "
		      "(SELECT count(*) FROM check_records WHERE run = %d)",
		      run, run, run, run, run, run));
}

static void test_failures(const char *path)
{
	struct ldfi_trace tr = make_trace();
	struct ldfi_msg bad[7];
	struct ldfi_db *db = NULL;
	char err[256] = "";
	int64_t id = 0;
	sqlite3 *s, *other;

	CHECK(ldfi_db_open(path, &db, err, sizeof(err)) == 0);
	if (!db)
		return;
	s = db->sql;
	CHECK(count_runs(s) == 3);

	/* A constraint violation midway (a repeated message id). */
	memcpy(bad, msgs, sizeof(bad));
	bad[5].id = 5;
	tr.msgs = bad;
	id = -1;
	CHECK(ldfi_db_record_run(db, &tr, NULL, &id) == LDFI_EDB);
	CHECK(id == -1);
	CHECK(strstr(ldfi_db_errmsg(db), "insert into messages") != NULL);
	CHECK(strstr(ldfi_db_errmsg(db), "UNIQUE constraint failed") != NULL);
	CHECK(strstr(ldfi_db_errmsg(db), "message 5") != NULL);
	CHECK(count_runs(s) == 3);
	CHECK(count_rows(s, 4) == 0);
	CHECK(count_rows(s, 1) == 7 + 4 + 2 + 2 + 3 + 2);
	CHECK(sqlite3_get_autocommit(s));

	/* An injected failure in the last table written. */
	tr = make_trace();
	CHECK_STR(
	    q(s,
	      "CREATE TEMP TRIGGER boom BEFORE INSERT ON main.check_records "
	      "WHEN NEW.problem = 'unexpected-count' BEGIN SELECT RAISE(ABORT, 'injected'); END"),
	    "");
	CHECK(ldfi_db_record_run(db, &tr, NULL, &id) == LDFI_EDB);
	CHECK(strstr(ldfi_db_errmsg(db),
		     "insert into check_records (run 4, check golden): injected") != NULL);
	CHECK(count_runs(s) == 3);
	CHECK(count_rows(s, 4) == 0);
	CHECK_STR(q(s, "DROP TRIGGER temp.boom"), "");

	/* A malformed trace: refused before anything is written. */
	memcpy(bad, msgs, sizeof(bad));
	bad[6].dst_node = 9;
	tr.msgs = bad;
	CHECK(ldfi_db_record_run(db, &tr, NULL, &id) == LDFI_EINVAL);
	CHECK(strstr(ldfi_db_errmsg(db), "malformed trace: message 7") != NULL);
	CHECK(count_runs(s) == 3);
	CHECK(ldfi_db_record_run(db, NULL, NULL, &id) == LDFI_EINVAL);
	CHECK(ldfi_db_record_run(NULL, &tr, NULL, &id) == LDFI_EINVAL);

	/* Another connection holds the write lock. */
	tr = make_trace();
	CHECK(sqlite3_open(path, &other) == SQLITE_OK);
	CHECK(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK);
	CHECK(ldfi_db_set_busy_timeout(db, 50) == 0);
	CHECK(ldfi_db_record_run(db, &tr, NULL, &id) == LDFI_EDB);
	CHECK(strstr(ldfi_db_errmsg(db), "BEGIN IMMEDIATE (record run): database is locked") !=
	      NULL);
	CHECK(strstr(ldfi_db_errmsg(db), "50 ms") != NULL);
	CHECK(count_runs(s) == 3);
	CHECK(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(other);
	CHECK(ldfi_db_set_busy_timeout(db, LDFI_DB_BUSY_TIMEOUT_MS) == 0);

	/* And the next run succeeds, with the next id. */
	CHECK(ldfi_db_record_run(db, &tr, NULL, &id) == 0);
	CHECK(id == 4);
	CHECK_STR(ldfi_db_errmsg(db), "");
	check_run(s, 4);
	check_run(s, 1);
	ldfi_db_close(db);
}

/* Runs grouped in one transaction (ldfi_db_begin / commit / rollback). */
static void test_groups(void)
{
	struct ldfi_trace tr = make_trace();
	struct ldfi_msg bad[7];
	struct ldfi_db *db = NULL;
	char err[256] = "", path[128];
	int64_t id = 0;
	sqlite3 *s, *reader;

	path_in_dir(path, sizeof(path), "groups.db");
	CHECK(ldfi_db_open(path, &db, err, sizeof(err)) == 0);
	if (!db)
		return;
	s = db->sql;
	CHECK(sqlite3_open(path, &reader) == SQLITE_OK);
	CHECK(ldfi_db_commit(db) == LDFI_EINVAL);
	CHECK(ldfi_db_begin(NULL) == LDFI_EINVAL);
	CHECK(ldfi_db_begin(db) == 0);
	CHECK(ldfi_db_begin(db) == LDFI_EINVAL);
	CHECK(ldfi_db_record_run(db, &tr, NULL, &id) == 0 && id == 1);
	CHECK(ldfi_db_record_run(db, &tr, NULL, &id) == 0 && id == 2);
	/* Not in the file before the commit. */
	CHECK(count_runs(reader) == 0);
	CHECK(ldfi_db_commit(db) == 0);
	CHECK(count_runs(reader) == 2);
	check_run(reader, 1);
	check_run(reader, 2);

	/* A run that fails inside a group leaves nothing; the group goes on. */
	CHECK(ldfi_db_begin(db) == 0);
	CHECK(ldfi_db_record_run(db, &tr, NULL, &id) == 0 && id == 3);
	CHECK_STR(
	    q(s,
	      "CREATE TEMP TRIGGER boom BEFORE INSERT ON main.check_records "
	      "WHEN NEW.problem = 'unexpected-count' BEGIN SELECT RAISE(ABORT, 'injected'); END"),
	    "");
	CHECK(ldfi_db_record_run(db, &tr, NULL, &id) == LDFI_EDB);
	CHECK(strstr(ldfi_db_errmsg(db), "injected") != NULL);
	CHECK_STR(q(s, "DROP TRIGGER temp.boom"), "");
	memcpy(bad, msgs, sizeof(bad));
	bad[6].dst_node = 9;
	tr.msgs = bad;
	CHECK(ldfi_db_record_run(db, &tr, NULL, &id) == LDFI_EINVAL);
	tr = make_trace();
	CHECK(!sqlite3_get_autocommit(s));
	CHECK(ldfi_db_record_run(db, &tr, NULL, &id) == 0 && id == 4);
	CHECK(ldfi_db_commit(db) == 0);
	CHECK(sqlite3_get_autocommit(s));
	CHECK(count_runs(reader) == 4);
	check_run(reader, 3);
	check_run(reader, 4);

	/* A rolled back group keeps nothing, and the message stays. */
	CHECK(ldfi_db_begin(db) == 0);
	CHECK(ldfi_db_record_run(db, &tr, NULL, &id) == 0 && id == 5);
	ldfi_db_set_err(db, 0, "kept");
	ldfi_db_rollback(db);
	ldfi_db_rollback(db);
	ldfi_db_rollback(NULL);
	CHECK_STR(ldfi_db_errmsg(db), "kept");
	CHECK(count_runs(reader) == 4);
	CHECK(sqlite3_get_autocommit(s));
	CHECK(ldfi_db_commit(db) == LDFI_EINVAL);

	/* Outside a group, runs commit one by one as before. */
	CHECK(ldfi_db_record_run(db, &tr, NULL, &id) == 0 && id == 5);
	CHECK(count_runs(reader) == 5);
	sqlite3_close(reader);
	ldfi_db_close(db);
	/* A read-only handle has no group. */
	CHECK(ldfi_db_open_readonly(path, &db, err, sizeof(err)) == 0);
	CHECK(ldfi_db_begin(db) == LDFI_EINVAL);
	ldfi_db_close(db);
}

static void test_reopen(const char *path)
{
	struct ldfi_trace tr = make_trace();
	struct ldfi_db *db = NULL;
	char err[256] = "";
	int64_t id = 0;
	sqlite3 *s;

	CHECK(ldfi_db_open(path, &db, err, sizeof(err)) == 0);
	if (!db)
		return;
	s = db->sql;
	CHECK(count_runs(s) == 4);
	CHECK_STR(q(s, "SELECT status FROM hypotheses"), "pending");
	CHECK(ldfi_db_record_run(db, &tr, NULL, &id) == 0);
	CHECK(id == 5);
	check_run(s, 5);
	check_run(s, 2);
	ldfi_db_close(db);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void test_refused(const char *ldfi_path)
{
	static const char junk[] =
	    "these are not the rows you are looking for\n"
	    "................................................................"
	    "................................................................\n";
	struct ldfi_db *db = (struct ldfi_db *)1;
	char path[128], err[512] = "";
	sqlite3 *s;
	struct stat sb;

	/* Not a database at all: refused, and left as it was. */
	path_in_dir(path, sizeof(path), "notes.txt");
	write_file(path, junk);
	CHECK(ldfi_db_open(path, &db, err, sizeof(err)) == LDFI_EDB);
	CHECK(db == NULL);
	CHECK(strstr(err, "not an ldfi database") != NULL);
	CHECK(strstr(err, "notes.txt") != NULL);
	CHECK(stat(path, &sb) == 0 && (size_t)sb.st_size == strlen(junk));
	unlink(path);

	/* Another application's SQLite database. */
	path_in_dir(path, sizeof(path), "other.db");
	CHECK(sqlite3_open(path, &s) == SQLITE_OK);
	CHECK(sqlite3_exec(s, "CREATE TABLE t(x)", NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(s);
	CHECK(ldfi_db_open(path, &db, err, sizeof(err)) == LDFI_EDB);
	CHECK(db == NULL);
	CHECK(strstr(err, "not an ldfi database") != NULL);
	CHECK(sqlite3_open(path, &s) == SQLITE_OK);
	CHECK_STR(q(s, "PRAGMA journal_mode"), "delete"); /* untouched */
	sqlite3_close(s);
	unlink(path);

	/* An ldfi database from a newer ldfi. */
	CHECK(sqlite3_open(ldfi_path, &s) == SQLITE_OK);
	CHECK_STR(q(s, "UPDATE meta SET value = '99' WHERE key = 'schema_version'"), "");
	sqlite3_close(s);
	CHECK(ldfi_db_open(ldfi_path, &db, err, sizeof(err)) == LDFI_EDB);
	CHECK(db == NULL);
	CHECK(strstr(err, "schema version 99 is newer than this ldfi supports (4)") != NULL);
	CHECK(sqlite3_open(ldfi_path, &s) == SQLITE_OK);
	CHECK_STR(q(s, "UPDATE meta SET value = '4' WHERE key = 'schema_version'"), "");
	sqlite3_close(s);

	/* A path that cannot be created. */
	path_in_dir(path, sizeof(path), "no/such/dir/x.db");
	CHECK(ldfi_db_open(path, &db, err, sizeof(err)) == LDFI_EDB);
	CHECK(db == NULL);
	CHECK(strstr(err, "cannot open") != NULL);

	/* NULL handles. */
	ldfi_db_close(NULL);
	CHECK(ldfi_db_errmsg(NULL) != NULL);
}

/* The text of a file, or NULL (malloc'd). */
static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n + 1)) && fread(buf, 1, (size_t)n, f) == (size_t)n)
		buf[n] = '\0';
	else if (buf) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* A database of schema version 3 (tests/db/data/schema-v3.sql) is upgraded
 * in place when opened: the new columns and tables, fate 'down' allowed,
 * old rows intact; opening it again changes nothing. */
static void test_upgrade_v3(void)
{
	char path[128], err[256] = "", *sql = read_file("tests/db/data/schema-v3.sql");
	struct ldfi_db *db = NULL;
	sqlite3 *s;

	CHECK(sql != NULL);
	path_in_dir(path, sizeof(path), "v3.db");
	CHECK(sqlite3_open(path, &s) == SQLITE_OK);
	CHECK(sql && sqlite3_exec(s, sql, NULL, NULL, NULL) == SQLITE_OK);
	free(sql);
	CHECK_STR(q(s, "PRAGMA user_version"), "3");
	sqlite3_close(s);
	for (int i = 0; i < 2; i++) {
		CHECK(ldfi_db_open(path, &db, err, sizeof(err)) == 0);
		if (!db) {
			fprintf(stderr, "upgrade: %s\n", err);
			return;
		}
		s = db->sql;
		CHECK_STR(q(s, "SELECT value FROM meta WHERE key = 'schema_version'"), "4");
		CHECK_STR(q(s, "PRAGMA user_version"), "4");
		CHECK_STR(q(s, "PRAGMA quick_check"), "ok");
		CHECK_STR(q(s, "SELECT instr(sql, '''eot'', ''down''') > 0 FROM sqlite_master "
			       "WHERE name = 'messages'"),
			  "1");
		CHECK_STR(
		    q(s, "SELECT id, faults, eot, eff, crashes, restarts, downtime FROM runs"),
		    "1|omit(a,c,1)|4|2|0|0|1");
		CHECK_STR(q(s, "SELECT id, fate, lost_by FROM messages ORDER BY id"),
			  "1|delivered|NULL\n2|delivered|NULL\n3|omitted|omit(a,c,1)");
		CHECK_STR(q(s, "SELECT count(*) FROM memory"), "0");
		CHECK_STR(q(s, "SELECT count(*) FROM memory_parents"), "0");
		CHECK_STR(q(s, "SELECT count(*) FROM down_periods"), "0");
		ldfi_db_close(db);
	}
	/* A message lost to a restart can be stored now. */
	CHECK(sqlite3_open(path, &s) == SQLITE_OK);
	CHECK_STR(q(s, "INSERT INTO messages VALUES(1, 4, 'data', 'a', 'bcast', 'b', 'log', 2, "
		       "NULL, 'down', 'restart(b,3)', 'bcast:1', 'once', 'all', 0)"),
		  "");
	CHECK_STR(q(s, "SELECT fate FROM messages WHERE id = 4"), "down");
	CHECK_STR(q(s, "INSERT INTO messages VALUES(1, 5, 'data', 'a', 'bcast', 'b', 'log', 2, "
		       "NULL, 'lost', NULL, 'bcast:1', 'once', 'all', 0)"),
		  "SQL error: CHECK constraint failed: fate IN ('delivered', 'omitted', 'crashed', "
		  "'eot', 'down')");
	sqlite3_close(s);
	unlink(path);
}

/* How many times opcode `op` appears in the program of `sql`. */
static int opcodes(sqlite3 *s, const char *sql, const char *op)
{
	sqlite3_stmt *st;
	char *e = sqlite3_mprintf("EXPLAIN %s", sql);
	int n = 0;

	if (sqlite3_prepare_v2(s, e, -1, &st, NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW)
			n += strcmp((const char *)sqlite3_column_text(st, 1), op) == 0;
		sqlite3_finalize(st);
	} else {
		n = -1;
	}
	sqlite3_free(e);
	return n;
}

/* "" when `r` is a success without rows, "refused" when it is a CHECK
 * failure, else r. */
static const char *outcome(const char *r)
{
	return !strncmp(r, "SQL error: CHECK constraint failed", 34) ? "refused" : r;
}

/* A new database's multi-value CHECKs: each still accepts exactly its
 * values, and none costs an ephemeral table per insert (why they are
 * written as comparisons). */
static void test_checks(void)
{
	static const char *const fates[] = {"delivered", "omitted", "crashed",
					    "eot",	 "down",    "lost"};
	static const char *const deliveries[] = {"none", "once", "repeat", "ack", "twice"};
	static const char *const problems[] = {"missing", "duplicated", "out-of-order",
					       "unexpected-count", "absent"};
	static const char *const statuses[] = {"pending", "tried", "pruned", "done"};
	char path[128], err[256] = "";
	struct ldfi_db *db = NULL;
	sqlite3 *s;
	int id = 0;

	path_in_dir(path, sizeof(path), "checks.db");
	CHECK(ldfi_db_open(path, &db, err, sizeof(err)) == 0);
	if (!db)
		return;
	s = db->sql;
	for (int f = 0; f < 6; f++)
		for (int d = 0; d < 5; d++)
			CHECK_STR(outcome(q(s,
					    "INSERT INTO messages VALUES(1, %d, 'data', 'a', 'x', "
					    "'b', 'y', 1, NULL, '%s', NULL, NULL, '%s', 'all', 0)",
					    ++id, fates[f], deliveries[d])),
				  f < 5 && d < 4 ? "" : "refused");
	for (int i = 0; i < 5; i++)
		CHECK_STR(outcome(q(s,
				    "INSERT INTO check_records VALUES(1, 'c', NULL, NULL, NULL, "
				    "'%s', 1, NULL)",
				    problems[i])),
			  i < 4 ? "" : "refused");
	for (int i = 0; i < 4; i++)
		CHECK_STR(
		    outcome(q(s,
			      "INSERT INTO hypotheses(faults, size, status) VALUES ('f%d', 1, "
			      "'%s')",
			      i, statuses[i])),
		    i < 3 ? "" : "refused");
	CHECK(opcodes(s,
		      "INSERT INTO messages VALUES(1, 99, 'data', 'a', 'x', 'b', 'y', 1, NULL, "
		      "'eot', NULL, NULL, 'once', 'all', 0)",
		      "OpenEphemeral") == 0);
	CHECK(opcodes(s,
		      "INSERT INTO check_records VALUES(1, 'c', NULL, NULL, NULL, 'missing', 1, "
		      "NULL)",
		      "OpenEphemeral") == 0);
	/* What the count would see in the IN form. */
	CHECK_STR(q(s, "CREATE TEMP TABLE t(v TEXT CHECK (v IN ('a', 'b', 'c', 'd')))"), "");
	CHECK(opcodes(s, "INSERT INTO t VALUES('a')", "OpenEphemeral") > 0);
	ldfi_db_close(db);
	unlink(path);
}

int main(void)
{
	char path[128];

	snprintf(dir, sizeof(dir), "/tmp/ldfi-dbtest-XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	msgs[6].parents_any = 1; /* message 7: any one of its parents suffices */
	path_in_dir(path, sizeof(path), "provenance.db");
	test_record_and_read(path);
	test_failures(path);
	test_groups();
	test_reopen(path);
	test_refused(path);
	test_upgrade_v3();
	test_checks();
	/* Still usable after the refusals. */
	{
		struct ldfi_db *db = NULL;
		char err[256];

		CHECK(ldfi_db_open(path, &db, err, sizeof(err)) == 0);
		if (db)
			CHECK(count_runs(db->sql) == 5);
		ldfi_db_close(db);
	}
	if (getenv("LDFI_DBTEST_KEEP")) {
		printf("kept %s\n", path);
	} else {
		unlink(path);
		rmdir(dir);
	}
	return test_done();
}
