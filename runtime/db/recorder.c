/*
 * recorder.c - the provenance recorder: writes the trace of each run to one
 * SQLite file (docs/provenance.md), one transaction per run, with statements prepared
 * once per handle. Schema, pragmas and queries: docs/provenance.md.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "ldfi/conf.h"
#include "model/util.h"
#include "runtime/db/handle.h"
#include "runtime/runtime.h"
#include "ldfi/faults.h"
#include "ldfi/ldfi.h"
#include "ldfi/trace.h"

/* PRAGMA application_id of an ldfi database: "LDFI" in ASCII. */
#define APP_ID 0x4c444649

/* Parent slices up to this length are de-duplicated by direct comparison;
 * longer ones are sorted in a scratch buffer. */
#define SMALL_SLICE 16

/* Version 4: what a restart keeps and loses. `memory` holds the memory
 * tokens (struct ldfi_memtok): id = token index + 1; a negative parent -k in
 * message_parents, output_parents and memory_parents is token k. */
/* clang-format off */
#define RESTART_TABLES \
	"CREATE TABLE IF NOT EXISTS memory(\n" \
	"  run INTEGER NOT NULL,\n" \
	"  id INTEGER NOT NULL,\n" \
	"  node TEXT NOT NULL,\n" \
	"  from_round INTEGER NOT NULL,\n" \
	"  to_round INTEGER NOT NULL,\n" \
	"  parents TEXT NOT NULL CHECK (parents IN ('all', 'any')),\n" \
	"  PRIMARY KEY (run, id)\n" \
	") WITHOUT ROWID;\n" \
	"CREATE TABLE IF NOT EXISTS memory_parents(\n" \
	"  run INTEGER NOT NULL,\n" \
	"  mem INTEGER NOT NULL,\n" \
	"  parent INTEGER NOT NULL,\n" \
	"  PRIMARY KEY (run, mem, parent)\n" \
	") WITHOUT ROWID;\n" \
	"CREATE TABLE IF NOT EXISTS down_periods(\n" \
	"  run INTEGER NOT NULL,\n" \
	"  node TEXT NOT NULL,\n" \
	"  from_round INTEGER NOT NULL,\n" \
	"  to_round INTEGER NOT NULL,\n" \
	"  fault TEXT NOT NULL,\n" \
	"  PRIMARY KEY (run, node)\n" \
	") WITHOUT ROWID;\n"
/* clang-format on */

/* A CHECK of more than two values is written as comparisons, not `IN (...)`:
 * SQLite compiles such an IN list to an ephemeral b-tree built again at
 * every insert (EXPLAIN shows OpenEphemeral), which made recording a run's
 * messages 40% slower. Databases created before keep the equivalent IN
 * form. */
/* clang-format off */
static const char schema_sql[] =
	"CREATE TABLE IF NOT EXISTS meta(\n"
	"  key TEXT PRIMARY KEY,\n"
	"  value TEXT\n"
	");\n"
	"CREATE TABLE IF NOT EXISTS runs(\n"
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"  faults TEXT NOT NULL,\n"
	"  n_faults INTEGER NOT NULL,\n"
	"  strategy TEXT NOT NULL,\n"
	"  passed INTEGER NOT NULL CHECK (passed IN (0, 1)),\n"
	"  verdict TEXT NOT NULL CHECK (verdict IN ('pass', 'fail')),\n"
	"  wall_us INTEGER NOT NULL,\n"
	"  n_messages INTEGER NOT NULL,\n"
	"  n_lost INTEGER NOT NULL,\n"
	"  n_outputs INTEGER NOT NULL,\n"
	"  hypothesis INTEGER NULL,\n"
	"  eot INTEGER NOT NULL,\n"
	"  eff INTEGER NOT NULL,\n"
	"  crashes INTEGER NOT NULL,\n"
	"  conf TEXT NULL,\n"
	"  failure TEXT NULL,\n"
	"  restarts INTEGER NOT NULL DEFAULT 0,\n"
	"  downtime INTEGER NOT NULL DEFAULT 1\n"
	");\n"
	"CREATE INDEX IF NOT EXISTS runs_faults ON runs(faults);\n"
	"CREATE TABLE IF NOT EXISTS messages(\n"
	"  run INTEGER NOT NULL,\n"
	"  id INTEGER NOT NULL,\n"
	"  kind TEXT NOT NULL CHECK (kind IN ('data', 'ack')),\n"
	"  src_node TEXT NOT NULL,\n"
	"  src_stage TEXT NOT NULL,\n"
	"  dst_node TEXT NOT NULL,\n"
	"  dst_stage TEXT NOT NULL,\n"
	"  send_round INTEGER NOT NULL,\n"
	"  deliver_round INTEGER NULL,\n"
	"  fate TEXT NOT NULL CHECK (fate = 'delivered' OR fate = 'omitted' OR fate = 'crashed'\n"
	"    OR fate = 'eot' OR fate = 'down'),\n"
	"  lost_by TEXT NULL,\n"
	"  record TEXT NULL,\n"
	"  delivery TEXT NOT NULL CHECK (delivery = 'none' OR delivery = 'once'\n"
	"    OR delivery = 'repeat' OR delivery = 'ack'),\n"
	"  parents TEXT NOT NULL CHECK (parents IN ('all', 'any')),\n"
	"  conditional INTEGER NOT NULL CHECK (conditional IN (0, 1)),\n"
	"  PRIMARY KEY (run, id)\n"
	") WITHOUT ROWID;\n"
	"CREATE INDEX IF NOT EXISTS messages_dst ON messages(run, dst_node, dst_stage);\n"
	"CREATE TABLE IF NOT EXISTS message_parents(\n"
	"  run INTEGER NOT NULL,\n"
	"  msg INTEGER NOT NULL,\n"
	"  parent INTEGER NOT NULL,\n"
	"  PRIMARY KEY (run, msg, parent)\n"
	") WITHOUT ROWID;\n"
	"CREATE TABLE IF NOT EXISTS outputs(\n"
	"  run INTEGER NOT NULL,\n"
	"  sink TEXT NOT NULL,\n"
	"  node TEXT NOT NULL,\n"
	"  pos INTEGER NOT NULL,\n"
	"  record TEXT NOT NULL,\n"
	"  round INTEGER NOT NULL,\n"
	"  alive INTEGER NOT NULL CHECK (alive IN (0, 1)),\n"
	"  conditional INTEGER NOT NULL DEFAULT 0 CHECK (conditional IN (0, 1)),\n"
	"  PRIMARY KEY (run, sink, node, pos)\n"
	") WITHOUT ROWID;\n"
	"CREATE TABLE IF NOT EXISTS output_parents(\n"
	"  run INTEGER NOT NULL,\n"
	"  sink TEXT NOT NULL,\n"
	"  node TEXT NOT NULL,\n"
	"  pos INTEGER NOT NULL,\n"
	"  parent INTEGER NOT NULL,\n"
	"  PRIMARY KEY (run, sink, node, pos, parent)\n"
	") WITHOUT ROWID;\n"
	"CREATE TABLE IF NOT EXISTS checks(\n"
	"  run INTEGER NOT NULL,\n"
	"  name TEXT NOT NULL,\n"
	"  kind TEXT NOT NULL,\n"
	"  passed INTEGER NOT NULL CHECK (passed IN (0, 1)),\n"
	"  PRIMARY KEY (run, name)\n"
	") WITHOUT ROWID;\n"
	"CREATE TABLE IF NOT EXISTS check_records(\n"
	"  run INTEGER NOT NULL,\n"
	"  check_name TEXT NOT NULL,\n"
	"  record TEXT NULL,\n"
	"  sink TEXT NULL,\n"
	"  node TEXT NULL,\n"
	"  problem TEXT NOT NULL\n"
	"    CHECK (problem = 'missing' OR problem = 'duplicated' OR problem = 'out-of-order'\n"
	"      OR problem = 'unexpected-count'),\n"
	"  count INTEGER NOT NULL,\n"
	"  expected INTEGER NULL\n"
	");\n"
	"CREATE INDEX IF NOT EXISTS check_records_run ON check_records(run, check_name);\n"
	"CREATE TABLE IF NOT EXISTS hypotheses(\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  faults TEXT NOT NULL UNIQUE,\n"
	"  size INTEGER NOT NULL,\n"
	"  status TEXT NOT NULL CHECK (status = 'pending' OR status = 'tried' OR status = 'pruned'),\n"
	"  run INTEGER NULL,\n"
	"  found_by_run INTEGER NULL\n"
	");\n"
	"CREATE INDEX IF NOT EXISTS hypotheses_status ON hypotheses(status, size, id);\n"
	"CREATE TABLE IF NOT EXISTS explore(\n"
	"  key TEXT PRIMARY KEY,\n"
	"  value TEXT\n"
	");\n"
	RESTART_TABLES;
/* clang-format on */

/*
 * Representative planner statistics, written once when the schema is
 * created: without them SQLite's default guesses make a lookup by
 * (run, dst_node, dst_stage) scan the whole run through the primary key
 * instead of using messages_dst. Fields: rows, then rows per distinct prefix
 * of the index columns. ANALYZE replaces them with measured ones.
 */
/* clang-format off */
static const char stats_sql[] =
	"ANALYZE sqlite_master;\n"
	"DELETE FROM sqlite_stat1;\n"
	"INSERT INTO sqlite_stat1(tbl, idx, stat) VALUES\n"
	"  ('messages', 'messages', '1000000 100000 1'),\n"
	"  ('messages', 'messages_dst', '1000000 100000 2000 500'),\n"
	"  ('message_parents', 'message_parents', '1000000 100000 1 1'),\n"
	"  ('outputs', 'outputs', '100000 10000 1000 100 1'),\n"
	"  ('output_parents', 'output_parents', '100000 10000 1000 100 1 1'),\n"
	"  ('check_records', 'check_records_run', '1000 100 10');\n";
/* clang-format on */

static const struct {
	const char *what; /* context for error messages */
	const char *sql;
} stmts[ST_COUNT] = {
    [ST_BEGIN] = {"BEGIN IMMEDIATE", "BEGIN IMMEDIATE"},
    [ST_COMMIT] = {"COMMIT", "COMMIT"},
    [ST_ROLLBACK] = {"ROLLBACK", "ROLLBACK"},
    [ST_SAVEPOINT] = {"SAVEPOINT run", "SAVEPOINT run"},
    [ST_RELEASE] = {"RELEASE run", "RELEASE run"},
    [ST_ROLLBACK_TO] = {"ROLLBACK TO run", "ROLLBACK TO run"},
    [ST_RUN] = {"insert into runs",
		"INSERT INTO runs(faults, n_faults, strategy, passed, verdict, wall_us, "
		"n_messages, n_lost, n_outputs, hypothesis, eot, eff, crashes, conf, failure, "
		"restarts, downtime) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, "
		"?17)"},
    [ST_MSG] = {"insert into messages",
		"INSERT INTO messages(run, id, kind, src_node, src_stage, dst_node, dst_stage, "
		"send_round, deliver_round, fate, lost_by, record, delivery, parents, conditional) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"},
    [ST_MPAR] = {"insert into message_parents",
		 "INSERT INTO message_parents(run, msg, parent) VALUES (?1, ?2, ?3)"},
    [ST_OUT] = {"insert into outputs",
		"INSERT INTO outputs(run, sink, node, pos, record, round, alive, conditional) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"},
    [ST_OPAR] = {"insert into output_parents",
		 "INSERT INTO output_parents(run, sink, node, pos, parent) "
		 "VALUES (?1, ?2, ?3, ?4, ?5)"},
    [ST_CHECK] = {"insert into checks",
		  "INSERT INTO checks(run, name, kind, passed) VALUES (?1, ?2, ?3, ?4)"},
    [ST_CREC] = {"insert into check_records",
		 "INSERT INTO check_records(run, check_name, record, sink, node, problem, "
		 "count, expected) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"},
    [ST_MEM] = {"insert into memory",
		"INSERT INTO memory(run, id, node, from_round, to_round, parents) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6)"},
    [ST_MEMPAR] = {"insert into memory_parents",
		   "INSERT INTO memory_parents(run, mem, parent) VALUES (?1, ?2, ?3)"},
    [ST_DOWN] = {"insert into down_periods",
		 "INSERT INTO down_periods(run, node, from_round, to_round, fault) "
		 "VALUES (?1, ?2, ?3, ?4, ?5)"},
};

/* Whether an enum value has a name (its text in the schema): "?" for a
 * value out of range. */
static bool named(const char *name)
{
	return strcmp(name, "?") != 0;
}

/* Per-run lookup tables, pointing into the handle's scratch buffers. */
struct run_ctx {
	const struct ldfi_trace *tr;
	const struct ldfi_conf *conf;
	int64_t run;
	int *node_len, *comp_len, *rec_len;
	int *crash_fault;   /* per node: index of its crash fault, or -1 */
	int *restart_fault; /* per node: index of its restart fault, or -1 */
	struct text *fault; /* per fault its canonical text; [n] the whole set */
};

int ldfi_db_set_err(struct ldfi_db *db, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(db->err, sizeof(db->err), fmt, ap);
	va_end(ap);
	return code;
}

const char *ldfi_db_col(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s ? (const char *)s : "";
}

int ldfi_db_sql_fail(struct ldfi_db *db, int rc, const char *what, const char *detail)
{
	const char *msg = sqlite3_errmsg(db->sql);
	int prim = rc & 0xff;

	if (prim == SQLITE_BUSY || prim == SQLITE_LOCKED)
		ldfi_db_set_err(
		    db, 0,
		    "%s%s: database is locked by another connection (gave up after %d ms): %s",
		    what, detail ? detail : "", db->busy_ms, msg);
	else if (rc == SQLITE_IOERR_WRITE || rc == SQLITE_IOERR_FSYNC)
		ldfi_db_set_err(
		    db, 0, "%s%s: %s (%s failed: disk full, file size limit or device error)", what,
		    detail ? detail : "", msg, rc == SQLITE_IOERR_WRITE ? "write" : "fsync");
	else
		ldfi_db_set_err(db, 0, "%s%s: %s", what, detail ? detail : "", msg);
	return LDFI_EDB;
}

const char *ldfi_db_errmsg(struct ldfi_db *db)
{
	return db ? db->err : "no database handle";
}

int ldfi_db_set_busy_timeout(struct ldfi_db *db, int ms)
{
	int rc;

	if (!db)
		return LDFI_EINVAL;
	if (ms < 0)
		ms = 0;
	rc = sqlite3_busy_timeout(db->sql, ms);
	if (rc != SQLITE_OK)
		return ldfi_db_sql_fail(db, rc, "set busy timeout", NULL);
	db->busy_ms = ms;
	return 0;
}

void ldfi_db_close(struct ldfi_db *db)
{
	if (!db)
		return;
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(db->st[i]);
	/* _v2: statements the caller prepared on ldfi_db_sqlite() and has not
	 * finalized yet do not make the close fail and leak. */
	sqlite3_close_v2(db->sql);
	free(db->ibuf);
	free(db->cbuf);
	free(db->fbuf);
	free(db->pbuf);
	free(db);
}

/* ---- opening ---- */

/* Run `sql` returning one integer (or none: *out = `dflt`). */
static int query_int(sqlite3 *sql, const char *q, long long dflt, long long *out)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(sql, q, -1, &st, NULL);

	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		rc = SQLITE_OK;
	} else if (rc == SQLITE_DONE) {
		*out = dflt;
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

/* The first column of the first row of `q` (with `key` bound to ?1 when
 * not NULL) as text in `buf` ("" if there is no row). */
static int text_query(sqlite3 *sql, const char *q, const char *key, char *buf, size_t len)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(sql, q, -1, &st, NULL);

	buf[0] = '\0';
	if (rc != SQLITE_OK)
		return rc;
	if (key)
		sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const unsigned char *v = sqlite3_column_text(st, 0);

		snprintf(buf, len, "%s", v ? (const char *)v : "");
		rc = SQLITE_OK;
	} else if (rc == SQLITE_DONE) {
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

/* Text of a meta key in `buf` ("" if absent). */
static int meta_text(sqlite3 *sql, const char *key, char *buf, size_t len)
{
	return text_query(sql, "SELECT value FROM meta WHERE key = ?1", key, buf, len);
}

/* Create the schema in an empty database, in one transaction. */
static int create_schema(sqlite3 *sql, const char **what)
{
	char ddl[256];
	char *emsg = NULL;
	int rc;

	*what = "BEGIN IMMEDIATE (create schema)";
	rc = sqlite3_exec(sql, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return rc;
	*what = "create schema";
	rc = sqlite3_exec(sql, schema_sql, NULL, NULL, &emsg);
	sqlite3_free(emsg);
	if (rc != SQLITE_OK)
		goto err_rollback;
	*what = "write planner statistics";
	rc = sqlite3_exec(sql, stats_sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		goto err_rollback;
	snprintf(ddl, sizeof(ddl),
		 "PRAGMA application_id = %d; PRAGMA user_version = %d;"
		 "INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', '%d'),"
		 " ('application', 'ldfi'), ('created_by', 'ldfi %s');",
		 APP_ID, LDFI_DB_SCHEMA_VERSION, LDFI_DB_SCHEMA_VERSION, ldfi_version());
	*what = "write meta";
	rc = sqlite3_exec(sql, ddl, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		goto err_rollback;
	*what = "COMMIT (create schema)";
	rc = sqlite3_exec(sql, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		goto err_rollback;
	/* Have the planner load the statistics just written. */
	*what = "ANALYZE sqlite_master";
	return sqlite3_exec(sql, "ANALYZE sqlite_master", NULL, NULL, NULL);

err_rollback:
	if (!sqlite3_get_autocommit(sql))
		sqlite3_exec(sql, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/* Add column `col` (`decl`) to `table` unless it is there. */
static int add_column(sqlite3 *sql, const char *table, const char *col, const char *decl)
{
	char q[512];
	long long have = 0;
	int rc;

	snprintf(q, sizeof(q), "SELECT count(*) FROM pragma_table_info('%s') WHERE name = '%s'",
		 table, col);
	rc = query_int(sql, q, 0, &have);
	if (rc != SQLITE_OK || have)
		return rc;
	snprintf(q, sizeof(q), "ALTER TABLE %s ADD COLUMN %s %s", table, col, decl);
	return sqlite3_exec(sql, q, NULL, NULL, NULL);
}

/* Version 3 -> 4, part one: messages.fate may be 'down'. SQLite cannot
 * alter a CHECK constraint; a change that only widens it (every row still
 * satisfies it) is made by editing the table's schema text, as SQLite's
 * documentation of ALTER TABLE describes: O(1), whatever the size. Inside
 * the upgrade's transaction. */
static int widen_fate(sqlite3 *sql)
{
	static const char edit[] =
	    "UPDATE sqlite_master SET sql = replace(sql, '''crashed'', ''eot'')', "
	    "'''crashed'', ''eot'', ''down'')') WHERE type = 'table' AND name = 'messages' "
	    "AND instr(sql, '''down''') = 0";
	long long cookie = 0, n = 0;
	char q[64], ok[16];
	int rc;

	if ((rc = query_int(sql, "PRAGMA schema_version", 0, &cookie)) != SQLITE_OK)
		return rc;
	sqlite3_db_config(sql, SQLITE_DBCONFIG_DEFENSIVE, 0, (int *)NULL);
	if ((rc = sqlite3_exec(sql, "PRAGMA writable_schema = ON", NULL, NULL, NULL)) != SQLITE_OK)
		return rc;
	rc = sqlite3_exec(sql, edit, NULL, NULL, NULL);
	n = sqlite3_changes(sql);
	snprintf(q, sizeof(q), "PRAGMA schema_version = %lld", cookie + 1);
	if (rc == SQLITE_OK && n > 0)
		rc = sqlite3_exec(sql, q, NULL, NULL, NULL);
	sqlite3_exec(sql, "PRAGMA writable_schema = OFF", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = text_query(sql, "PRAGMA quick_check", NULL, ok, sizeof(ok));
	if (rc == SQLITE_OK && strcmp(ok, "ok") != 0)
		rc = SQLITE_CORRUPT;
	return rc;
}

/* The steps of the upgrade from each version to the next; idempotent. */
static int upgrade_steps(sqlite3 *sql, const char **what)
{
	int rc;

	*what = "upgrade schema to version 2";
	rc = add_column(sql, "outputs", "conditional",
			"INTEGER NOT NULL DEFAULT 0 CHECK (conditional IN (0, 1))");
	if (rc == SQLITE_OK) {
		*what = "upgrade schema to version 3";
		rc = add_column(sql, "runs", "failure", "TEXT NULL");
	}
	if (rc == SQLITE_OK) {
		*what = "upgrade schema to version 4";
		rc = add_column(sql, "runs", "restarts", "INTEGER NOT NULL DEFAULT 0");
	}
	if (rc == SQLITE_OK)
		rc = add_column(sql, "runs", "downtime", "INTEGER NOT NULL DEFAULT 1");
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(sql, RESTART_TABLES, NULL, NULL, NULL);
	if (rc == SQLITE_OK) {
		*what = "upgrade schema to version 4: messages.fate";
		rc = widen_fate(sql);
	}
	return rc;
}

/* Schema 1 -> 2: outputs.conditional (plugin outputs derived from an
 * absence); 2 -> 3: runs.failure (a run whose plugin crashed or timed
 * out); 3 -> 4: restarts (runs.restarts, runs.downtime, fate 'down', tables
 * memory, memory_parents, down_periods). Idempotent; one transaction, none
 * when the schema is current. */
static int upgrade_schema(sqlite3 *sql, const char **what)
{
	long long version = 0;
	char buf[64], ddl[160];
	int rc;

	*what = "upgrade schema";
	rc = meta_text(sql, "schema_version", buf, sizeof(buf));
	if (rc != SQLITE_OK)
		return rc;
	version = strtoll(buf, NULL, 10);
	if (version >= LDFI_DB_SCHEMA_VERSION)
		return SQLITE_OK;
	snprintf(ddl, sizeof(ddl),
		 "UPDATE meta SET value = '%d' WHERE key = 'schema_version';"
		 "PRAGMA user_version = %d;",
		 LDFI_DB_SCHEMA_VERSION, LDFI_DB_SCHEMA_VERSION);
	*what = "upgrade schema: BEGIN IMMEDIATE";
	if ((rc = sqlite3_exec(sql, "BEGIN IMMEDIATE", NULL, NULL, NULL)) != SQLITE_OK)
		return rc;
	rc = upgrade_steps(sql, what);
	if (rc == SQLITE_OK) {
		*what = "upgrade schema: set the version";
		rc = sqlite3_exec(sql, ddl, NULL, NULL, NULL);
	}
	if (rc == SQLITE_OK) {
		*what = "upgrade schema: COMMIT";
		rc = sqlite3_exec(sql, "COMMIT", NULL, NULL, NULL);
	}
	if (rc != SQLITE_OK && !sqlite3_get_autocommit(sql))
		sqlite3_exec(sql, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/*
 * Tell whether `sql` is an empty database (*empty), an ldfi one, or
 * something else (LDFI_EDB with a message). Nothing is written.
 */
static int identify(sqlite3 *sql, const char *path, int *empty, char *err, size_t errlen)
{
	long long app = 0, n_objs = 0, version = 0;
	char buf[64];
	int rc;

	*empty = 0;
	rc = query_int(sql, "PRAGMA application_id", 0, &app);
	if (rc == SQLITE_OK)
		rc = query_int(sql, "SELECT count(*) FROM sqlite_master", 0, &n_objs);
	if ((rc & 0xff) == SQLITE_NOTADB) {
		snprintf(err, errlen, "%s: not an ldfi database: %s", path, sqlite3_errmsg(sql));
		return LDFI_EDB;
	}
	if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) {
		snprintf(err, errlen, "%s: database is locked by another connection: %s", path,
			 sqlite3_errmsg(sql));
		return LDFI_EDB;
	}
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot read the database: %s", path,
			 sqlite3_errmsg(sql));
		return LDFI_EDB;
	}
	if (app == 0 && n_objs == 0) {
		*empty = 1;
		return 0;
	}
	if (app != APP_ID) {
		snprintf(err, errlen,
			 "%s: not an ldfi database (an SQLite database with other contents, "
			 "application_id %lld)",
			 path, app);
		return LDFI_EDB;
	}
	rc = meta_text(sql, "schema_version", buf, sizeof(buf));
	if (rc != SQLITE_OK || !buf[0]) {
		snprintf(err, errlen, "%s: damaged ldfi database: no schema_version in meta%s%s",
			 path, rc != SQLITE_OK ? ": " : "",
			 rc != SQLITE_OK ? sqlite3_errmsg(sql) : "");
		return LDFI_EDB;
	}
	version = strtoll(buf, NULL, 10);
	if (version > LDFI_DB_SCHEMA_VERSION) {
		snprintf(err, errlen,
			 "%s: schema version %lld is newer than this ldfi supports (%d); "
			 "use a newer ldfi or a new database",
			 path, version, LDFI_DB_SCHEMA_VERSION);
		return LDFI_EDB;
	}
	if (version < 1) {
		snprintf(err, errlen, "%s: damaged ldfi database: schema_version '%s'", path, buf);
		return LDFI_EDB;
	}
	return 0;
}

/* A read-only connection reads what an exploration wrote: a database that
 * is not ldfi's, is empty or needs an upgrade is refused. */
static int check_readonly(sqlite3 *sql, const char *path, int empty, char *err, size_t errlen)
{
	char buf[64];

	if (empty) {
		snprintf(err, errlen, "%s: not an ldfi database (an empty file)", path);
		return LDFI_EDB;
	}
	if (meta_text(sql, "schema_version", buf, sizeof(buf)) != SQLITE_OK ||
	    strtoll(buf, NULL, 10) < LDFI_DB_SCHEMA_VERSION) {
		snprintf(err, errlen,
			 "%s: schema version %s needs an upgrade to %d, which a read-only "
			 "database cannot take: open it once with write access",
			 path, buf, LDFI_DB_SCHEMA_VERSION);
		return LDFI_EDB;
	}
	return 0;
}

/* Configure a read-write connection (WAL, pragmas) and create or upgrade
 * the schema; `what` names the step that failed. */
static int setup_readwrite(sqlite3 *sql, int empty, const char **what)
{
	/* cache_size: 512 KiB, so memory stays flat over a long explore
	 * (docs/performance.md, peak RSS); neither 2 MiB nor 512 MB recorded
	 * or explored measurably faster. */
	static const char pragmas[] = "PRAGMA synchronous = NORMAL;"
				      "PRAGMA temp_store = MEMORY;"
				      "PRAGMA cache_size = -512;";
	char *emsg = NULL;
	long long tmp;
	int rc;

	/* Ours (or empty): now the connection may be configured. WAL lets
	 * readers (lineage, a user's sqlite3 shell) run while a run is written. */
	*what = "PRAGMA journal_mode = WAL";
	if ((rc = query_int(sql, "PRAGMA journal_mode = WAL", 0, &tmp)) != SQLITE_OK)
		return rc;
	*what = "pragmas";
	rc = sqlite3_exec(sql, pragmas, NULL, NULL, &emsg);
	sqlite3_free(emsg);
	if (rc != SQLITE_OK)
		return rc;
	return empty ? create_schema(sql, what) : upgrade_schema(sql, what);
}

/* "file:PATH?immutable=1", PATH percent-encoded, in *uri (malloc'd). */
static int immutable_uri(const char *path, char **uri)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(path), k = 0;
	char *u = malloc(3 * n + sizeof("file:?immutable=1"));

	if (!(*uri = u))
		return LDFI_ENOMEM;
	k += (size_t)sprintf(u, "file:");
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if (isalnum(*p) || strchr("/-._~", *p)) {
			u[k++] = (char)*p;
		} else {
			u[k++] = '%';
			u[k++] = hex[*p >> 4];
			u[k++] = hex[*p & 15];
		}
	}
	strcpy(u + k, "?immutable=1");
	return 0;
}

/*
 * A WAL database on a read-only file system cannot be opened read-only the
 * usual way: SQLite needs to create its -shm file. When there is no -wal
 * file with content (every write was checkpointed, as when the last writer
 * closed it), the database file alone is the whole database and is opened
 * as immutable. Returns SQLITE_OK, or the error of the first open.
 */
static int reopen_immutable(struct ldfi_db *db, const char *path, int rc)
{
	struct stat sb;
	char *wal, *uri;
	int ok;

	if ((rc & 0xff) != SQLITE_CANTOPEN || asprintf(&wal, "%s-wal", path) < 0)
		return rc;
	ok = stat(wal, &sb) != 0 || sb.st_size == 0;
	free(wal);
	if (!ok || immutable_uri(path, &uri))
		return rc;
	sqlite3_close_v2(db->sql);
	rc = sqlite3_open_v2(uri, &db->sql,
			     SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, NULL);
	free(uri);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db->sql, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL);
	return rc;
}

static int open_db(const char *path, bool readonly, struct ldfi_db **out, char *err, size_t errlen)
{
	int flags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	struct ldfi_db *db;
	const char *what = "";
	int empty, rc, ret;

	*out = NULL;
	if (!path) {
		snprintf(err, errlen, "no database path");
		return LDFI_EINVAL;
	}
	db = calloc(1, sizeof(*db));
	if (!db) {
		snprintf(err, errlen, "%s: out of memory", path);
		return LDFI_ENOMEM;
	}
	db->busy_ms = LDFI_DB_BUSY_TIMEOUT_MS;
	rc = sqlite3_open_v2(path, &db->sql, flags | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot open: %s", path,
			 db->sql ? sqlite3_errmsg(db->sql) : sqlite3_errstr(rc));
		ret = rc == SQLITE_NOMEM ? LDFI_ENOMEM : LDFI_EDB;
		goto err_close;
	}
	if (readonly &&
	    (rc = sqlite3_exec(db->sql, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL)))
		reopen_immutable(db, path, rc);
	sqlite3_extended_result_codes(db->sql, 1);
	sqlite3_busy_timeout(db->sql, db->busy_ms);

	ret = identify(db->sql, path, &empty, err, errlen);
	if (!ret && readonly)
		ret = check_readonly(db->sql, path, empty, err, errlen);
	if (ret)
		goto err_close;
	if (!readonly && (rc = setup_readwrite(db->sql, empty, &what)) != SQLITE_OK)
		goto err_sql;
	for (int i = 0; i < ST_COUNT && !readonly; i++) {
		rc = sqlite3_prepare_v3(db->sql, stmts[i].sql, -1, SQLITE_PREPARE_PERSISTENT,
					&db->st[i], NULL);
		if (rc != SQLITE_OK) {
			snprintf(err, errlen, "%s: damaged ldfi database: prepare %s: %s", path,
				 stmts[i].what, sqlite3_errmsg(db->sql));
			ret = LDFI_EDB;
			goto err_close;
		}
	}
	db->readonly = readonly;
	db->err[0] = '\0';
	*out = db;
	return 0;

err_sql:
	if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
		snprintf(err, errlen,
			 "%s: %s: database is locked by another connection (gave up after %d ms)",
			 path, what, db->busy_ms);
	else
		snprintf(err, errlen, "%s: %s: %s", path, what, sqlite3_errmsg(db->sql));
	ret = (rc & 0xff) == SQLITE_NOMEM ? LDFI_ENOMEM : LDFI_EDB;
err_close:
	ldfi_db_close(db);
	return ret;
}

int ldfi_db_open(const char *path, struct ldfi_db **out, char *err, size_t errlen)
{
	return open_db(path, false, out, err, errlen);
}

int ldfi_db_open_readonly(const char *path, struct ldfi_db **out, char *err, size_t errlen)
{
	return open_db(path, true, out, err, errlen);
}

/* ---- recording ---- */

static int in_range(int32_t i, int n)
{
	return i >= 0 && i < n;
}

static int slice_ok(uint32_t off, uint32_t n, size_t total)
{
	return (size_t)off <= total && (size_t)n <= total - off;
}

/* Whether every memory token the parent slice (a valid one) names exists. */
static int tokens_ok(const struct ldfi_trace *tr, uint32_t off, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (LDFI_IS_MEM(tr->parents[off + i]) &&
		    LDFI_MEM_INDEX(tr->parents[off + i]) >= tr->n_mems)
			return 0;
	return 1;
}

/* Refuse a trace whose indices would make the recorder read out of bounds;
 * counts the lost messages on the way. Nothing is written before this. */
static int validate(struct ldfi_db *db, const struct ldfi_trace *tr, int64_t *n_lost)
{
	const struct ldfi_conf *c = tr->conf;
	int nf = tr->faults.n;
	int64_t lost = 0;

	if (tr->n_recs < 0 || tr->n_checks < 0 || nf < 0 || (nf && !tr->faults.v) ||
	    (tr->n_msgs && !tr->msgs) || (tr->n_parents && !tr->parents) ||
	    (tr->n_outs && !tr->outs) || (tr->n_recs && !tr->recs) || (tr->n_mems && !tr->mems) ||
	    (tr->n_checks && !tr->checks)) {
		ldfi_db_set_err(db, 0, "malformed trace: inconsistent counts");
		return LDFI_EINVAL;
	}
	for (int i = 0; i < nf; i++) {
		const struct ldfi_fault *f = &tr->faults.v[i];

		if (!in_range(f->a, c->n_nodes) ||
		    (f->kind == LDFI_FAULT_OMIT && !in_range(f->b, c->n_nodes)) ||
		    (f->kind != LDFI_FAULT_OMIT && f->kind != LDFI_FAULT_CRASH &&
		     f->kind != LDFI_FAULT_RESTART)) {
			ldfi_db_set_err(db, 0, "malformed trace: fault %d out of range", i);
			return LDFI_EINVAL;
		}
	}
	for (int i = 0; i < tr->n_recs; i++) {
		if (!tr->recs[i].name) {
			ldfi_db_set_err(db, 0, "malformed trace: record %d has no name", i);
			return LDFI_EINVAL;
		}
	}
	for (size_t i = 0; i < tr->n_msgs; i++) {
		const struct ldfi_msg *m = &tr->msgs[i];

		if (!named(ldfi_msg_kind_name(m->kind)) || !named(ldfi_fate_name(m->fate)) ||
		    !named(ldfi_delivery_name(m->delivery)) || !in_range(m->src_node, c->n_nodes) ||
		    !in_range(m->dst_node, c->n_nodes) || !in_range(m->src_comp, c->n_comps) ||
		    !in_range(m->dst_comp, c->n_comps) ||
		    (m->rec != -1 && !in_range(m->rec, tr->n_recs)) ||
		    (m->fault != -1 && !in_range(m->fault, nf)) ||
		    !slice_ok(m->parents_off, m->n_parents, tr->n_parents) ||
		    !tokens_ok(tr, m->parents_off, m->n_parents)) {
			ldfi_db_set_err(db, 0,
					"malformed trace: message %u (index %zu) out of range",
					m->id, i);
			return LDFI_EINVAL;
		}
		lost += m->fate != LDFI_FATE_DELIVERED;
	}
	for (size_t i = 0; i < tr->n_outs; i++) {
		const struct ldfi_output *o = &tr->outs[i];

		if (!in_range(o->comp, c->n_comps) || !in_range(o->node, c->n_nodes) ||
		    !in_range(o->rec, tr->n_recs) ||
		    !slice_ok(o->parents_off, o->n_parents, tr->n_parents) ||
		    !tokens_ok(tr, o->parents_off, o->n_parents)) {
			ldfi_db_set_err(db, 0, "malformed trace: output %zu out of range", i);
			return LDFI_EINVAL;
		}
	}
	for (size_t i = 0; i < tr->n_mems; i++) {
		const struct ldfi_memtok *t = &tr->mems[i];

		if (!in_range(t->node, c->n_nodes) ||
		    !slice_ok(t->parents_off, t->n_parents, tr->n_parents) ||
		    !tokens_ok(tr, t->parents_off, t->n_parents)) {
			ldfi_db_set_err(db, 0, "malformed trace: memory token %zu out of range", i);
			return LDFI_EINVAL;
		}
	}
	for (int i = 0; i < tr->n_checks; i++) {
		const struct ldfi_check_result *r = &tr->checks[i];

		if (!in_range(r->check, c->n_checks) || r->n_offs < 0 || (r->n_offs && !r->offs) ||
		    !named(ldfi_check_kind_name(c->checks[r->check].kind))) {
			ldfi_db_set_err(db, 0, "malformed trace: check result %d out of range", i);
			return LDFI_EINVAL;
		}
		for (int j = 0; j < r->n_offs; j++) {
			const struct ldfi_offense *o = &r->offs[j];

			if ((o->rec != -1 && !in_range(o->rec, tr->n_recs)) ||
			    (o->comp != -1 && !in_range(o->comp, c->n_comps)) ||
			    (o->node != -1 && !in_range(o->node, c->n_nodes)) ||
			    !named(ldfi_problem_name(o->problem))) {
				ldfi_db_set_err(db, 0,
						"malformed trace: check %d, record %d out of range",
						i, j);
				return LDFI_EINVAL;
			}
		}
	}
	*n_lost = lost;
	return 0;
}

/* Lay out the per-run lookup tables: name lengths, crash faults per node,
 * the canonical text of every fault and of the set. */
static int prepare_ctx(struct ldfi_db *db, const struct ldfi_trace *tr, struct run_ctx *x)
{
	const struct ldfi_conf *c = tr->conf;
	int nf = tr->faults.n;
	size_t used = 0;
	int *ip;

	if (ldfi_grow(&db->ibuf, &db->ibuf_cap,
		      (size_t)c->n_nodes * 3 + (size_t)c->n_comps + (size_t)tr->n_recs, sizeof(int),
		      64) ||
	    ldfi_grow(&db->fbuf, &db->fbuf_cap, (size_t)nf + 1, sizeof(struct text), 64) ||
	    ldfi_grow(&db->cbuf, &db->cbuf_cap, 256, 1, 64))
		goto err_nomem;
	/* Texts, NUL-separated in cbuf: every fault, then the set. */
	for (int i = 0; i <= nf; i++) {
		for (;;) {
			size_t room = db->cbuf_cap - used;
			int n;

			if (i < nf)
				n = ldfi_fault_format(c, &tr->faults.v[i], db->cbuf + used, room);
			else if (nf)
				n = ldfi_faults_format(c, &tr->faults, db->cbuf + used, room);
			else
				n = snprintf(db->cbuf + used, room, "none");
			if (n < 0) {
				ldfi_db_set_err(db, 0, "cannot format fault %d of the run", i);
				return LDFI_EINVAL;
			}
			if ((size_t)n < room) {
				db->fbuf[i].len = n;
				used += (size_t)n + 1;
				break;
			}
			if (ldfi_grow(&db->cbuf, &db->cbuf_cap, used + (size_t)n + 1, 1, 64))
				goto err_nomem;
		}
	}
	/* cbuf no longer moves: point into it. */
	used = 0;
	for (int i = 0; i <= nf; i++) {
		db->fbuf[i].s = db->cbuf + used;
		used += (size_t)db->fbuf[i].len + 1;
	}
	ip = db->ibuf;
	x->node_len = ip;
	ip += c->n_nodes;
	x->crash_fault = ip;
	ip += c->n_nodes;
	x->restart_fault = ip;
	ip += c->n_nodes;
	x->comp_len = ip;
	ip += c->n_comps;
	x->rec_len = ip;
	for (int i = 0; i < c->n_nodes; i++) {
		x->node_len[i] = (int)strlen(c->nodes[i].name);
		x->crash_fault[i] = x->restart_fault[i] = -1;
	}
	for (int i = 0; i < c->n_comps; i++)
		x->comp_len[i] = (int)strlen(c->comps[i].name);
	for (int i = 0; i < tr->n_recs; i++)
		x->rec_len[i] = (int)strlen(tr->recs[i].name);
	for (int i = 0; i < nf; i++) {
		if (tr->faults.v[i].kind == LDFI_FAULT_CRASH)
			x->crash_fault[tr->faults.v[i].a] = i;
		else if (tr->faults.v[i].kind == LDFI_FAULT_RESTART)
			x->restart_fault[tr->faults.v[i].a] = i;
	}
	x->fault = db->fbuf;
	x->tr = tr;
	x->conf = c;
	return 0;

err_nomem:
	ldfi_db_set_err(db, 0, "out of memory");
	return LDFI_ENOMEM;
}

/* Step a statement whose parameters are bound (`brc`: the OR of the bind
 * results) and reset it. Returns SQLITE_OK or the error. */
static int exec_st(sqlite3_stmt *st, int brc)
{
	int rc;

	if (brc != SQLITE_OK) {
		sqlite3_reset(st);
		return brc;
	}
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

/* The fault that lost `m`, or -1: omitted by its omit fault; crashed by the
 * receiver's crash fault. */
static int lost_by(const struct run_ctx *x, const struct ldfi_msg *m)
{
	const struct ldfi_faults *fs = &x->tr->faults;

	switch (m->fate) {
	case LDFI_FATE_OMITTED:
		if (m->fault >= 0)
			return m->fault;
		for (int i = 0; i < fs->n; i++)
			if (fs->v[i].kind == LDFI_FAULT_OMIT && fs->v[i].a == m->src_node &&
			    fs->v[i].b == m->dst_node && fs->v[i].t == m->send_round)
				return i;
		return -1;
	case LDFI_FATE_CRASHED:
		if (x->crash_fault[m->dst_node] >= 0)
			return x->crash_fault[m->dst_node];
		return m->fault;
	case LDFI_FATE_DOWN:
		if (x->restart_fault[m->dst_node] >= 0)
			return x->restart_fault[m->dst_node];
		return m->fault;
	default:
		return -1;
	}
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* The parent slice `p` (n ids) without repeated ids: `p` itself when it
 * has none (the usual case), else a sorted copy in the handle's scratch. */
static int unique_parents(struct ldfi_db *db, const uint32_t *p, uint32_t n, const uint32_t **out,
			  uint32_t *nout)
{
	uint32_t k = 0;

	if (n <= SMALL_SLICE) {
		int dup = 0;

		for (uint32_t i = 1; i < n && !dup; i++)
			for (uint32_t j = 0; j < i; j++)
				if (p[i] == p[j]) {
					dup = 1;
					break;
				}
		if (!dup) {
			*out = p;
			*nout = n;
			return 0;
		}
	}
	if (ldfi_grow(&db->pbuf, &db->pbuf_cap, n, sizeof(uint32_t), 64)) {
		ldfi_db_set_err(db, 0, "out of memory");
		return LDFI_ENOMEM;
	}
	memcpy(db->pbuf, p, (size_t)n * sizeof(uint32_t));
	qsort(db->pbuf, n, sizeof(uint32_t), cmp_u32);
	for (uint32_t i = 0; i < n; i++)
		if (k == 0 || db->pbuf[k - 1] != db->pbuf[i])
			db->pbuf[k++] = db->pbuf[i];
	*out = db->pbuf;
	*nout = k;
	return 0;
}

/* A parent as stored: a message id, or -k for memory token k (1-based). */
static int64_t sql_parent(uint32_t id)
{
	return LDFI_IS_MEM(id) ? -(int64_t)LDFI_MEM_INDEX(id) - 1 : (int64_t)id;
}

/* Whether the replica's node is alive at eot (no crash_round: none crashed). */
static int node_alive(const struct ldfi_trace *tr, int node)
{
	return !tr->crash_round || ldfi_trace_alive(tr, node);
}

static int insert_run(struct ldfi_db *db, struct run_ctx *x, const struct ldfi_run_info *info,
		      int64_t n_lost)
{
	const struct ldfi_trace *tr = x->tr;
	const struct ldfi_conf *c = x->conf;
	const struct text *set = &x->fault[tr->faults.n];
	sqlite3_stmt *st = db->st[ST_RUN];
	const char *strategy = info && info->strategy ? info->strategy : "run";
	int rc;

	rc = sqlite3_bind_text(st, 1, set->s, set->len, SQLITE_STATIC);
	rc |= sqlite3_bind_int(st, 2, tr->faults.n);
	rc |= sqlite3_bind_text(st, 3, strategy, -1, SQLITE_STATIC);
	rc |= sqlite3_bind_int(st, 4, tr->passed ? 1 : 0);
	rc |= sqlite3_bind_text(st, 5, tr->passed ? "pass" : "fail", -1, SQLITE_STATIC);
	rc |= sqlite3_bind_int64(st, 6, info ? info->wall_us : 0);
	rc |= sqlite3_bind_int64(st, 7, (int64_t)tr->n_msgs);
	rc |= sqlite3_bind_int64(st, 8, n_lost);
	rc |= sqlite3_bind_int64(st, 9, (int64_t)tr->n_outs);
	if (info && info->hypothesis > 0)
		rc |= sqlite3_bind_int64(st, 10, info->hypothesis);
	else
		rc |= sqlite3_bind_null(st, 10);
	rc |= sqlite3_bind_int(st, 11, c->eot);
	rc |= sqlite3_bind_int(st, 12, c->eff);
	rc |= sqlite3_bind_int(st, 13, c->crashes);
	if (c->path)
		rc |= sqlite3_bind_text(st, 14, c->path, -1, SQLITE_STATIC);
	else
		rc |= sqlite3_bind_null(st, 14);
	if (tr->failure)
		rc |= sqlite3_bind_text(st, 15, tr->failure, -1, SQLITE_STATIC);
	else
		rc |= sqlite3_bind_null(st, 15);
	rc |= sqlite3_bind_int(st, 16, c->restarts);
	rc |= sqlite3_bind_int(st, 17, c->downtime);
	rc = exec_st(st, rc);
	if (rc != SQLITE_OK)
		return ldfi_db_sql_fail(db, rc, stmts[ST_RUN].what, NULL);
	x->run = sqlite3_last_insert_rowid(db->sql);
	return 0;
}

static int insert_messages(struct ldfi_db *db, const struct run_ctx *x)
{
	const struct ldfi_trace *tr = x->tr;
	const struct ldfi_conf *c = x->conf;
	sqlite3_stmt *st = db->st[ST_MSG], *sp = db->st[ST_MPAR];
	char detail[80];
	const uint32_t *par;
	uint32_t npar;
	int rc, ret, which = ST_MSG;
	size_t i;

	rc = sqlite3_bind_int64(st, 1, x->run) | sqlite3_bind_int64(sp, 1, x->run);
	if (rc != SQLITE_OK) {
		i = 0;
		goto err_sql;
	}
	for (i = 0; i < tr->n_msgs; i++) {
		const struct ldfi_msg *m = &tr->msgs[i];
		int f = lost_by(x, m);

		if (i % LDFI_STOP_EVERY == LDFI_STOP_EVERY - 1 && ldfi_rt_stop_requested())
			return ldfi_db_set_err(db, LDFI_ESTOPPED, "record run: %s",
					       ldfi_strerror(LDFI_ESTOPPED));
		rc = sqlite3_bind_int64(st, 2, m->id);
		rc |= sqlite3_bind_text(st, 3, ldfi_msg_kind_name(m->kind), -1, SQLITE_STATIC);
		rc |= sqlite3_bind_text(st, 4, c->nodes[m->src_node].name, x->node_len[m->src_node],
					SQLITE_STATIC);
		rc |= sqlite3_bind_text(st, 5, c->comps[m->src_comp].name, x->comp_len[m->src_comp],
					SQLITE_STATIC);
		rc |= sqlite3_bind_text(st, 6, c->nodes[m->dst_node].name, x->node_len[m->dst_node],
					SQLITE_STATIC);
		rc |= sqlite3_bind_text(st, 7, c->comps[m->dst_comp].name, x->comp_len[m->dst_comp],
					SQLITE_STATIC);
		rc |= sqlite3_bind_int(st, 8, m->send_round);
		if (m->fate == LDFI_FATE_DELIVERED)
			rc |= sqlite3_bind_int(st, 9, m->send_round + 1);
		else
			rc |= sqlite3_bind_null(st, 9);
		rc |= sqlite3_bind_text(st, 10, ldfi_fate_name(m->fate), -1, SQLITE_STATIC);
		if (f >= 0)
			rc |= sqlite3_bind_text(st, 11, x->fault[f].s, x->fault[f].len,
						SQLITE_STATIC);
		else
			rc |= sqlite3_bind_null(st, 11);
		if (m->rec >= 0)
			rc |= sqlite3_bind_text(st, 12, tr->recs[m->rec].name, x->rec_len[m->rec],
						SQLITE_STATIC);
		else
			rc |= sqlite3_bind_null(st, 12);
		rc |= sqlite3_bind_text(st, 13, ldfi_delivery_name(m->delivery), -1, SQLITE_STATIC);
		rc |= sqlite3_bind_text(st, 14, m->parents_any ? "any" : "all", 3, SQLITE_STATIC);
		rc |= sqlite3_bind_int(st, 15, m->conditional);
		rc = exec_st(st, rc);
		if (rc != SQLITE_OK)
			goto err_sql;
		if (!m->n_parents)
			continue;
		ret = unique_parents(db, tr->parents + m->parents_off, m->n_parents, &par, &npar);
		if (ret)
			return ret;
		which = ST_MPAR;
		rc = sqlite3_bind_int64(sp, 2, m->id);
		for (uint32_t j = 0; j < npar && rc == SQLITE_OK; j++) {
			rc = sqlite3_bind_int64(sp, 3, sql_parent(par[j]));
			rc = exec_st(sp, rc);
		}
		if (rc != SQLITE_OK)
			goto err_sql;
		which = ST_MSG;
	}
	return 0;

err_sql:
	snprintf(detail, sizeof(detail), " (run %lld, message %lld)", (long long)x->run,
		 i < tr->n_msgs ? (long long)tr->msgs[i].id : -1LL);
	return ldfi_db_sql_fail(db, rc, stmts[which].what, detail);
}

static int insert_outputs(struct ldfi_db *db, const struct run_ctx *x)
{
	const struct ldfi_trace *tr = x->tr;
	const struct ldfi_conf *c = x->conf;
	sqlite3_stmt *st = db->st[ST_OUT], *sp = db->st[ST_OPAR];
	char detail[80];
	const uint32_t *par;
	uint32_t npar;
	int rc, ret, which = ST_OUT;
	size_t i;

	rc = sqlite3_bind_int64(st, 1, x->run) | sqlite3_bind_int64(sp, 1, x->run);
	if (rc != SQLITE_OK) {
		i = 0;
		goto err_sql;
	}
	for (i = 0; i < tr->n_outs; i++) {
		const struct ldfi_output *o = &tr->outs[i];

		if (i % LDFI_STOP_EVERY == LDFI_STOP_EVERY - 1 && ldfi_rt_stop_requested())
			return ldfi_db_set_err(db, LDFI_ESTOPPED, "record run: %s",
					       ldfi_strerror(LDFI_ESTOPPED));
		const char *sink = c->comps[o->comp].name, *node = c->nodes[o->node].name;
		int sink_len = x->comp_len[o->comp], node_len = x->node_len[o->node];

		rc = sqlite3_bind_text(st, 2, sink, sink_len, SQLITE_STATIC);
		rc |= sqlite3_bind_text(st, 3, node, node_len, SQLITE_STATIC);
		rc |= sqlite3_bind_int(st, 4, o->pos);
		rc |= sqlite3_bind_text(st, 5, tr->recs[o->rec].name, x->rec_len[o->rec],
					SQLITE_STATIC);
		rc |= sqlite3_bind_int(st, 6, o->round);
		rc |= sqlite3_bind_int(st, 7, node_alive(tr, o->node));
		rc |= sqlite3_bind_int(st, 8, o->conditional != 0);
		rc = exec_st(st, rc);
		if (rc != SQLITE_OK)
			goto err_sql;
		if (!o->n_parents)
			continue;
		ret = unique_parents(db, tr->parents + o->parents_off, o->n_parents, &par, &npar);
		if (ret)
			return ret;
		which = ST_OPAR;
		rc = sqlite3_bind_text(sp, 2, sink, sink_len, SQLITE_STATIC);
		rc |= sqlite3_bind_text(sp, 3, node, node_len, SQLITE_STATIC);
		rc |= sqlite3_bind_int(sp, 4, o->pos);
		for (uint32_t j = 0; j < npar && rc == SQLITE_OK; j++) {
			rc = sqlite3_bind_int64(sp, 5, sql_parent(par[j]));
			rc = exec_st(sp, rc);
		}
		if (rc != SQLITE_OK)
			goto err_sql;
		which = ST_OUT;
	}
	return 0;

err_sql:
	if (i < tr->n_outs)
		snprintf(detail, sizeof(detail), " (run %lld, sink %s, node %s, pos %d)",
			 (long long)x->run, c->comps[tr->outs[i].comp].name,
			 c->nodes[tr->outs[i].node].name, tr->outs[i].pos);
	else
		snprintf(detail, sizeof(detail), " (run %lld)", (long long)x->run);
	return ldfi_db_sql_fail(db, rc, stmts[which].what, detail);
}

/* The memory tokens of the run and what each holds. */
static int insert_memory(struct ldfi_db *db, const struct run_ctx *x)
{
	const struct ldfi_trace *tr = x->tr;
	sqlite3_stmt *st = db->st[ST_MEM], *sp = db->st[ST_MEMPAR];
	const uint32_t *par;
	uint32_t npar;
	int rc, ret, which = ST_MEM;

	rc = sqlite3_bind_int64(st, 1, x->run) | sqlite3_bind_int64(sp, 1, x->run);
	for (size_t i = 0; i < tr->n_mems && rc == SQLITE_OK; i++) {
		const struct ldfi_memtok *t = &tr->mems[i];

		which = ST_MEM;
		rc = sqlite3_bind_int64(st, 2, (int64_t)i + 1);
		rc |= sqlite3_bind_text(st, 3, x->conf->nodes[t->node].name, x->node_len[t->node],
					SQLITE_STATIC);
		rc |= sqlite3_bind_int(st, 4, t->from);
		rc |= sqlite3_bind_int(st, 5, t->to);
		rc |= sqlite3_bind_text(st, 6, t->parents_any ? "any" : "all", 3, SQLITE_STATIC);
		if ((rc = exec_st(st, rc)) != SQLITE_OK || !t->n_parents)
			continue;
		if ((ret = unique_parents(db, tr->parents + t->parents_off, t->n_parents, &par,
					  &npar)))
			return ret;
		which = ST_MEMPAR;
		rc = sqlite3_bind_int64(sp, 2, (int64_t)i + 1);
		for (uint32_t j = 0; j < npar && rc == SQLITE_OK; j++)
			rc = exec_st(sp, sqlite3_bind_int64(sp, 3, sql_parent(par[j])));
	}
	return rc == SQLITE_OK ? 0 : ldfi_db_sql_fail(db, rc, stmts[which].what, NULL);
}

/* One row per restart of the run: the node's down period and its fault. */
static int insert_down(struct ldfi_db *db, const struct run_ctx *x)
{
	const struct ldfi_trace *tr = x->tr;
	sqlite3_stmt *st = db->st[ST_DOWN];
	int rc = sqlite3_bind_int64(st, 1, x->run);

	for (int n = 0; n < x->conf->n_nodes && rc == SQLITE_OK; n++) {
		int f = x->restart_fault[n];

		if (f < 0)
			continue;
		rc =
		    sqlite3_bind_text(st, 2, x->conf->nodes[n].name, x->node_len[n], SQLITE_STATIC);
		rc |= sqlite3_bind_int(st, 3, tr->faults.v[f].t);
		rc |= sqlite3_bind_int(st, 4, tr->faults.v[f].t + tr->downtime - 1);
		rc |= sqlite3_bind_text(st, 5, x->fault[f].s, x->fault[f].len, SQLITE_STATIC);
		rc = exec_st(st, rc);
	}
	return rc == SQLITE_OK ? 0 : ldfi_db_sql_fail(db, rc, stmts[ST_DOWN].what, NULL);
}

static int insert_checks(struct ldfi_db *db, const struct run_ctx *x)
{
	const struct ldfi_trace *tr = x->tr;
	const struct ldfi_conf *c = x->conf;
	sqlite3_stmt *st = db->st[ST_CHECK], *sr = db->st[ST_CREC];
	char detail[96];
	int rc, which = ST_CHECK, i;

	rc = sqlite3_bind_int64(st, 1, x->run) | sqlite3_bind_int64(sr, 1, x->run);
	if (rc != SQLITE_OK) {
		i = 0;
		goto err_sql;
	}
	for (i = 0; i < tr->n_checks; i++) {
		const struct ldfi_check_result *r = &tr->checks[i];
		const struct ldfi_check *ck = &c->checks[r->check];

		which = ST_CHECK;
		rc = sqlite3_bind_text(st, 2, ck->name, -1, SQLITE_STATIC);
		rc |= sqlite3_bind_text(st, 3, ldfi_check_kind_name(ck->kind), -1, SQLITE_STATIC);
		rc |= sqlite3_bind_int(st, 4, r->passed ? 1 : 0);
		rc = exec_st(st, rc);
		if (rc != SQLITE_OK)
			goto err_sql;
		which = ST_CREC;
		rc = sqlite3_bind_text(sr, 2, ck->name, -1, SQLITE_STATIC);
		for (int j = 0; j < r->n_offs && rc == SQLITE_OK; j++) {
			const struct ldfi_offense *o = &r->offs[j];

			if (o->rec >= 0)
				rc |= sqlite3_bind_text(sr, 3, tr->recs[o->rec].name,
							x->rec_len[o->rec], SQLITE_STATIC);
			else
				rc |= sqlite3_bind_null(sr, 3);
			if (o->comp >= 0)
				rc |= sqlite3_bind_text(sr, 4, c->comps[o->comp].name,
							x->comp_len[o->comp], SQLITE_STATIC);
			else
				rc |= sqlite3_bind_null(sr, 4);
			if (o->node >= 0)
				rc |= sqlite3_bind_text(sr, 5, c->nodes[o->node].name,
							x->node_len[o->node], SQLITE_STATIC);
			else
				rc |= sqlite3_bind_null(sr, 5);
			rc |= sqlite3_bind_text(sr, 6, ldfi_problem_name(o->problem), -1,
						SQLITE_STATIC);
			rc |= sqlite3_bind_int(sr, 7, o->count);
			rc |= sqlite3_bind_int(sr, 8, o->expected);
			rc = exec_st(sr, rc);
		}
		if (rc != SQLITE_OK)
			goto err_sql;
	}
	return 0;

err_sql:
	snprintf(detail, sizeof(detail), " (run %lld, check %s)", (long long)x->run,
		 i < tr->n_checks ? c->checks[tr->checks[i].check].name : "?");
	return ldfi_db_sql_fail(db, rc, stmts[which].what, detail);
}

/* Drop every bound value, so no statement keeps pointers into the trace. */
static void unbind(struct ldfi_db *db)
{
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_clear_bindings(db->st[i]);
}

/* Rolls back the open transaction, if an error has not already. */
static void rollback_open(struct ldfi_db *db)
{
	if (!sqlite3_get_autocommit(db->sql))
		exec_st(db->st[ST_ROLLBACK], SQLITE_OK);
}

int ldfi_db_begin(struct ldfi_db *db)
{
	int rc;

	if (!db || db->readonly || db->group)
		return LDFI_EINVAL;
	db->err[0] = '\0';
	if ((rc = exec_st(db->st[ST_BEGIN], SQLITE_OK)) != SQLITE_OK)
		return ldfi_db_sql_fail(db, rc, stmts[ST_BEGIN].what, " (group of runs)");
	db->group = true;
	return 0;
}

int ldfi_db_commit(struct ldfi_db *db)
{
	int rc;

	if (!db || !db->group)
		return LDFI_EINVAL;
	db->group = false;
	if (sqlite3_get_autocommit(db->sql))
		return ldfi_db_set_err(db, LDFI_EDB,
				       "group of runs: an error rolled its transaction back");
	if ((rc = exec_st(db->st[ST_COMMIT], SQLITE_OK)) == SQLITE_OK)
		return 0;
	rc = ldfi_db_sql_fail(db, rc, stmts[ST_COMMIT].what, " (group of runs)");
	rollback_open(db);
	return rc;
}

void ldfi_db_rollback(struct ldfi_db *db)
{
	if (!db || !db->group)
		return;
	db->group = false;
	rollback_open(db);
}

int ldfi_db_record_run(struct ldfi_db *db, const struct ldfi_trace *tr,
		       const struct ldfi_run_info *info, int64_t *run_id)
{
	struct run_ctx x = {0};
	int64_t n_lost = 0;
	int rc, ret, begin, end;

	if (!db)
		return LDFI_EINVAL;
	db->err[0] = '\0';
	if (db->readonly) {
		ldfi_db_set_err(db, 0, "record run: the database is open read-only");
		return LDFI_EINVAL;
	}
	if (!tr || !tr->conf) {
		ldfi_db_set_err(db, 0, "record run: no trace");
		return LDFI_EINVAL;
	}
	ret = validate(db, tr, &n_lost);
	if (ret)
		return ret;
	ret = prepare_ctx(db, tr, &x);
	if (ret)
		return ret;

	/* In a group (ldfi_db_begin), a savepoint makes the run all or
	 * nothing inside the group's transaction. */
	begin = db->group ? ST_SAVEPOINT : ST_BEGIN;
	rc = exec_st(db->st[begin], SQLITE_OK);
	if (rc != SQLITE_OK)
		return ldfi_db_sql_fail(db, rc, stmts[begin].what, " (record run)");
	ret = insert_run(db, &x, info, n_lost);
	if (ret)
		goto err_rollback;
	ret = insert_messages(db, &x);
	if (ret)
		goto err_rollback;
	ret = insert_outputs(db, &x);
	if (ret)
		goto err_rollback;
	if ((ret = insert_memory(db, &x)) || (ret = insert_down(db, &x)))
		goto err_rollback;
	ret = insert_checks(db, &x);
	if (ret)
		goto err_rollback;
	end = db->group ? ST_RELEASE : ST_COMMIT;
	rc = exec_st(db->st[end], SQLITE_OK);
	if (rc != SQLITE_OK) {
		ret = ldfi_db_sql_fail(db, rc, stmts[end].what, " (record run)");
		goto err_rollback;
	}
	unbind(db);
	if (run_id)
		*run_id = x.run;
	return 0;

err_rollback:
	/* Some errors (I/O, full disk) already rolled the transaction back
	 * (a group's too: ldfi_db_commit then reports it). */
	if (!sqlite3_get_autocommit(db->sql)) {
		rc = exec_st(db->st[db->group ? ST_ROLLBACK_TO : ST_ROLLBACK], SQLITE_OK);
		if (rc == SQLITE_OK && db->group)
			rc = exec_st(db->st[ST_RELEASE], SQLITE_OK);
		if (rc != SQLITE_OK) {
			size_t n = strlen(db->err);

			snprintf(db->err + n, sizeof(db->err) - n, "; ROLLBACK failed too: %s",
				 sqlite3_errmsg(db->sql));
		}
	}
	unbind(db);
	return ret;
}

int ldfi_db_run_failure(struct ldfi_db *db, int64_t run, char **failure)
{
	sqlite3_stmt *st;
	int rc, ret = 0;

	*failure = NULL;
	if (!db)
		return LDFI_EINVAL;
	rc = sqlite3_prepare_v2(db->sql, "SELECT failure FROM runs WHERE id = ?1", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return ldfi_db_sql_fail(db, rc, "read runs.failure", NULL);
	sqlite3_bind_int64(st, 1, run);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const unsigned char *v = sqlite3_column_text(st, 0);

		if (v && !(*failure = strdup((const char *)v))) {
			ldfi_db_set_err(db, 0, "out of memory");
			ret = LDFI_ENOMEM;
		}
	} else if (rc == SQLITE_DONE) {
		ldfi_db_set_err(db, 0, "read runs.failure: no run %lld", (long long)run);
		ret = LDFI_EDB;
	} else {
		ret = ldfi_db_sql_fail(db, rc, "read runs.failure", NULL);
	}
	sqlite3_finalize(st);
	return ret;
}
