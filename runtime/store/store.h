/*
 * db.h - the provenance database (SPEC §5), one SQLite file.
 *
 * Schema and example queries: docs/provenance.md. Each run is written in
 * one transaction with prepared statements, so a failure midway leaves the
 * earlier runs intact and the failed one absent.
 */
#ifndef LDFI_DB_H
#define LDFI_DB_H

#include <stdint.h>

#include "ldfi/trace.h"

/* The schema version this build writes (meta.schema_version). A database
 * with a newer version is refused by ldfi_db_open. */
#define LDFI_DB_SCHEMA_VERSION 3

/* Default time a write waits for another connection's lock, milliseconds. */
#define LDFI_DB_BUSY_TIMEOUT_MS 5000

/* A handle is not thread-safe: use it from one thread at a time. */
struct ldfi_db;
typedef struct sqlite3 sqlite3;

/* What the recorder stores about a run besides its trace. */
struct ldfi_run_info {
	const char *strategy; /* "ldfi", "random", "exhaustive" or "run" */
	int64_t wall_us;      /* wall time of the execution, microseconds */
	int64_t hypothesis;   /* id in the hypotheses table that caused it, or 0 */
};

/*
 * Open (creating if needed) the database at `path` and ensure the schema.
 * On success returns 0 and a handle in *out (ldfi_db_close). On error
 * returns LDFI_EDB or LDFI_ENOMEM with a message in `err`; *out is NULL.
 * A file that is not an SQLite database, an SQLite database that is not an
 * ldfi one, or an ldfi database with a newer schema_version is refused with
 * LDFI_EDB ("PATH: not an ldfi database: ...", "PATH: schema version N is
 * newer than ...") and is left untouched.
 */
int ldfi_db_open(const char *path, struct ldfi_db **out, char *err, size_t errlen);

/* Close the database; NULL is accepted. */
void ldfi_db_close(struct ldfi_db *db);

/*
 * Write one run: its row in `runs`, every message and parent link, the
 * outputs and their parents, the check results and offending records, in a
 * single transaction. `info` may be NULL (strategy "run", wall_us 0, no
 * hypothesis). The trace and `info` are only read during the call.
 * On success returns 0 and the new run id in *run_id (may be NULL). On error
 * returns LDFI_EDB (an SQLite error, e.g. the database is locked by another
 * writer for longer than the busy timeout), LDFI_EINVAL (a NULL argument or
 * a malformed trace: an index out of range; nothing was written) or
 * LDFI_ENOMEM; ldfi_db_errmsg says which statement failed and why, and the
 * database holds no part of this run (every earlier run is kept).
 */
int ldfi_db_record_run(struct ldfi_db *db, const struct ldfi_trace *tr,
		       const struct ldfi_run_info *info, int64_t *run_id);

/* The last error message of this handle, with its context (the statement
 * or step that failed); never NULL, "" before any error. Owned by `db`,
 * valid until the next call on it. */
const char *ldfi_db_errmsg(struct ldfi_db *db);

/* Set how long a write waits for another connection's lock before failing
 * with LDFI_EDB ("database is locked"); 0 fails at once. Default:
 * LDFI_DB_BUSY_TIMEOUT_MS. Returns 0 or LDFI_EDB. */
int ldfi_db_set_busy_timeout(struct ldfi_db *db, int ms);

/* The failure of run `run` (runs.failure: a plugin crashed or timed out,
 * struct ldfi_trace.failure) in *failure, a new string, or NULL when the
 * run finished. Returns 0, LDFI_ENOMEM or LDFI_EDB (no such run). */
int ldfi_db_run_failure(struct ldfi_db *db, int64_t run, char **failure);

/* The underlying SQLite handle, for the lineage reader and the explorer
 * state; owned by `db`. */
sqlite3 *ldfi_db_sqlite(struct ldfi_db *db);

#endif
