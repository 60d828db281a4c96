/*
 * handle.h - private to runtime/db/: the database handle, shared by the
 * files of the module (recorder.c writes runs, load.c reads them back,
 * state.c keeps the explorer's state, query.c answers the reports). Nothing
 * outside runtime/db/ sees SQLite.
 */
#ifndef LDFI_RUNTIME_DB_HANDLE_H
#define LDFI_RUNTIME_DB_HANDLE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/db/db.h"

/* The recorder's statements, prepared once per handle. */
enum {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_SAVEPOINT,
	ST_RELEASE,
	ST_ROLLBACK_TO,
	ST_RUN,
	ST_MSG,
	ST_MPAR,
	ST_OUT,
	ST_OPAR,
	ST_CHECK,
	ST_CREC,
	ST_MEM,
	ST_MEMPAR,
	ST_DOWN,
	ST_COUNT
};

/* Text stored for enum values: part of the schema, see docs/provenance.md. */
struct text {
	const char *s;
	int len;
};
#define T(lit)                                                                                     \
	{                                                                                          \
		lit, (int)sizeof(lit) - 1                                                          \
	}
struct ldfi_db {
	sqlite3 *sql;
	sqlite3_stmt *st[ST_COUNT];
	int busy_ms;
	bool readonly; /* ldfi_db_open_readonly: no statement of the recorder */
	bool group;    /* ldfi_db_begin: runs go into its transaction */
	char err[1024];
	/* Scratch reused across runs (grown, never shrunk): no allocation per
	 * row, and none per run once the buffers are large enough. */
	int *ibuf;
	size_t ibuf_cap;
	char *cbuf;
	size_t cbuf_cap;
	struct text *fbuf;
	size_t fbuf_cap;
	uint32_t *pbuf;
	size_t pbuf_cap;
};

/* Record SQLite failure `rc` of step `what` (and `detail`, may be NULL) as
 * the handle's message (ldfi_db_errmsg); returns LDFI_EDB. */
int ldfi_db_sql_fail(struct ldfi_db *db, int rc, const char *what, const char *detail);

/* Set the handle's message (printf format); returns `code`. */
int ldfi_db_set_err(struct ldfi_db *db, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

struct ldfi_recindex;

/* Read run `run`'s check results and offending records back into tr->checks
 * (one per check of tr->conf, in conf order; tr->passed is the run's as
 * recorded, and must agree); records they name are looked up, or added, in
 * `ix`, the index of tr->recs (borrowed). Returns 0, LDFI_ENOMEM, LDFI_EDB,
 * or LDFI_EFORMAT for a damaged database (the handle's message says why).
 * On error the trace is still safe to destroy. */
int ldfi_db_read_checks(struct ldfi_db *db, int64_t run, struct ldfi_recindex *ix,
			struct ldfi_trace *tr);

/* Column i of the current row as a string, "" for NULL. */
const char *ldfi_db_col(sqlite3_stmt *st, int i);

#endif
