/* state.c - the explorer's state in SQLite (see state.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ldfi/ldfi.h"
#include "model/util.h"
#include "runtime/db/handle.h"
#include "runtime/db/state.h"

static int exec1(struct ldfi_db *db, const char *sql, const char *a, const char *b, int64_t c,
		 int64_t d)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL)) != SQLITE_OK)
		return ldfi_db_sql_fail(db, rc, "write explore state", NULL);
	if (a)
		sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	if (b)
		sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	if (sqlite3_bind_parameter_count(st) >= 3)
		sqlite3_bind_int64(st, 3, c);
	if (sqlite3_bind_parameter_count(st) >= 4)
		sqlite3_bind_int64(st, 4, d);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW
		   ? 0
		   : ldfi_db_sql_fail(db, rc, "write explore state", NULL);
}

int ldfi_db_state_set(struct ldfi_db *db, const char *key, const char *value)
{
	return exec1(db, "INSERT OR REPLACE INTO explore(key, value) VALUES (?1, ?2)", key, value,
		     0, 0);
}

static int get_digest(struct ldfi_db *db, char **out)
{
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	if ((rc = sqlite3_prepare_v2(db->sql, "SELECT value FROM explore WHERE key = 'digest'", -1,
				     &st, NULL)) != SQLITE_OK)
		return ldfi_db_sql_fail(db, rc, "read the exploration's digest", NULL);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_text(st, 0)) {
		*out = strdup((const char *)sqlite3_column_text(st, 0));
		rc = *out ? 0 : LDFI_ENOMEM;
	} else {
		rc = rc == SQLITE_ROW || rc == SQLITE_DONE
			 ? 0
			 : ldfi_db_sql_fail(db, rc, "read the exploration's digest", NULL);
	}
	sqlite3_finalize(st);
	return rc;
}

static void remove_db(const char *path)
{
	static const char *suffix[] = {"", "-wal", "-shm", "-journal"};
	char buf[4096];

	for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		snprintf(buf, sizeof(buf), "%s%s", path, suffix[i]);
		unlink(buf);
	}
}

static int bind_db(struct ldfi_db *db, const char *path, const char *digest, char *err,
		   size_t errlen)
{
	char *old = NULL;
	int rc = get_digest(db, &old);

	if (rc) {
		snprintf(err, errlen, "%s: %s", path, ldfi_db_errmsg(db));
		return rc;
	}
	if (old && strcmp(old, digest) != 0) {
		snprintf(err, errlen,
			 "%s holds an exploration of another pipeline, bounds, strategy or seed; "
			 "use another --out, or --fresh to start over",
			 path);
		free(old);
		return LDFI_EINVAL;
	}
	if (!old && (rc = ldfi_db_state_set(db, "digest", digest)))
		snprintf(err, errlen, "%s: %s", path, ldfi_db_errmsg(db));
	free(old);
	return rc;
}

int ldfi_db_state_open(const char *out_dir, const char *digest, bool fresh, struct ldfi_db **db,
		       char **path, char *err, size_t errlen)
{
	int rc;

	*db = NULL;
	*path = NULL;
	if (ldfi_mkdir_p(out_dir)) {
		snprintf(err, errlen, "%s: cannot create directory: %s", out_dir, strerror(errno));
		return LDFI_EIO;
	}
	if (asprintf(path, "%s/provenance.db", out_dir) < 0) {
		*path = NULL;
		return LDFI_ENOMEM;
	}
	if (fresh)
		remove_db(*path);
	if ((rc = ldfi_db_open(*path, db, err, errlen)))
		goto err;
	if ((rc = bind_db(*db, *path, digest, err, errlen)))
		goto err;
	return 0;
err:
	ldfi_db_close(*db);
	*db = NULL;
	free(*path);
	*path = NULL;
	return rc;
}

int ldfi_db_state_tried(struct ldfi_db *db, const char *faults, int size, int64_t run)
{
	return exec1(
	    db,
	    "INSERT INTO hypotheses(faults, size, status, run) VALUES (?1, ?3, 'tried', ?4) "
	    "ON CONFLICT(faults) DO UPDATE SET status = 'tried', run = ?4",
	    faults, NULL, size, run);
}

int ldfi_db_state_pending(struct ldfi_db *db, char *const *faults, const int *sizes, int n)
{
	sqlite3 *sq = db->sql;
	int rc = 0, src;

	if ((src = sqlite3_exec(sq, "BEGIN; DELETE FROM hypotheses WHERE status = 'pending'", NULL,
				NULL, NULL)) != SQLITE_OK)
		return ldfi_db_sql_fail(db, src, "save pending hypotheses", NULL);
	for (int i = 0; i < n && !rc; i++)
		rc =
		    exec1(db,
			  "INSERT INTO hypotheses(faults, size, status) VALUES (?1, ?3, 'pending') "
			  "ON CONFLICT(faults) DO NOTHING",
			  faults[i], NULL, sizes[i], 0);
	if ((src = sqlite3_exec(sq, rc ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL)) != SQLITE_OK)
		rc = ldfi_db_sql_fail(db, src, "save pending hypotheses", NULL);
	return rc;
}
