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
 */
int ldfi_db_open(const char *path, struct ldfi_db **out, char *err, size_t errlen);

/* Close the database; NULL is accepted. */
void ldfi_db_close(struct ldfi_db *db);

/*
 * Write one run: its row in `runs`, every message and parent link, the
 * outputs and their parents, the check results and offending records, in a
 * single transaction. On success returns 0 and the new run id in *run_id
 * (may be NULL). On error returns LDFI_EDB (message: ldfi_db_errmsg) and the
 * database holds no part of this run.
 */
int ldfi_db_record_run(struct ldfi_db *db, const struct ldfi_trace *tr,
		       const struct ldfi_run_info *info, int64_t *run_id);

/* The last SQLite error message of this handle (never NULL). */
const char *ldfi_db_errmsg(struct ldfi_db *db);

/* The underlying SQLite handle, for the lineage reader and the explorer
 * state; owned by `db`. */
sqlite3 *ldfi_db_sqlite(struct ldfi_db *db);

#endif
