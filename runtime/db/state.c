/* state.c - the explorer's state in SQLite (see state.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
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

int ldfi_db_state_get(struct ldfi_db *db, const char *key, char **out)
{
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	if ((rc = sqlite3_prepare_v2(db->sql, "SELECT value FROM explore WHERE key = ?1", -1, &st,
				     NULL)) != SQLITE_OK)
		return ldfi_db_sql_fail(db, rc, "read the explorer's state", NULL);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_text(st, 0)) {
		*out = strdup((const char *)sqlite3_column_text(st, 0));
		rc = *out ? 0 : ldfi_db_set_err(db, LDFI_ENOMEM, "out of memory");
	} else {
		rc = rc == SQLITE_ROW || rc == SQLITE_DONE
			 ? 0
			 : ldfi_db_sql_fail(db, rc, "read the explorer's state", NULL);
	}
	sqlite3_finalize(st);
	return rc;
}

int ldfi_db_state_digest(struct ldfi_db *db, char **out)
{
	return ldfi_db_state_get(db, "digest", out);
}

int ldfi_db_state_foreign_runs(struct ldfi_db *db, const char *strategy,
			       const struct ldfi_bounds *b, long *n)
{
	sqlite3_stmt *st;
	int rc;

	*n = 0;
	if ((rc = sqlite3_prepare_v2(
		 db->sql,
		 "SELECT count(*) FROM runs WHERE strategy IS NOT ?1 OR eot IS NOT "
		 "?2 OR eff IS NOT ?3 OR crashes IS NOT ?4 OR restarts IS NOT ?5 "
		 "OR downtime IS NOT ?6",
		 -1, &st, NULL)) != SQLITE_OK)
		return ldfi_db_sql_fail(db, rc, "count the runs of other explorations", NULL);
	sqlite3_bind_text(st, 1, strategy, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, b->eot);
	sqlite3_bind_int(st, 3, b->eff);
	sqlite3_bind_int(st, 4, b->crashes);
	sqlite3_bind_int(st, 5, b->restarts);
	sqlite3_bind_int(st, 6, b->downtime);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*n = (long)sqlite3_column_int64(st, 0);
	rc = rc == SQLITE_ROW
		 ? 0
		 : ldfi_db_sql_fail(db, rc, "count the runs of other explorations", NULL);
	sqlite3_finalize(st);
	return rc;
}

/* The first column of the first row of `sql` as an integer in *v (0 when
 * there is no row). Returns 0 or LDFI_EDB. */
static int query_int64(struct ldfi_db *db, const char *sql, int64_t *v)
{
	sqlite3_stmt *st;
	int rc;

	*v = 0;
	if ((rc = sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL)) != SQLITE_OK)
		return ldfi_db_sql_fail(db, rc, "check the runs", NULL);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE
		   ? 0
		   : ldfi_db_sql_fail(db, rc, "check the runs", NULL);
}

int ldfi_db_state_check(struct ldfi_db *db)
{
	static const struct {
		const char *sql, *what;
	} checks[] = {
	    {"SELECT count(*) <> coalesce(max(id), 0) OR coalesce(min(id), 1) <> 1 FROM runs",
	     "the run ids are not 1, 2, ... in order"},
	    {"SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'runs'), 0) <> "
	     "coalesce((SELECT max(id) FROM runs), 0)",
	     "the run counter (sqlite_sequence) is not the last run's id"},
	    {"SELECT count(*) FROM (SELECT faults FROM runs GROUP BY faults HAVING count(*) > 1)",
	     "a fault set was recorded twice"},
	    {"SELECT count(*) FROM runs WHERE typeof(faults) <> 'text' OR passed NOT IN (0, 1) OR "
	     "verdict <> CASE passed WHEN 1 THEN 'pass' ELSE 'fail' END",
	     "a run's fault set or verdict is not valid"},
	    {"SELECT count(*) FROM explore WHERE value IS NULL OR typeof(value) <> 'text'",
	     "the explorer's state holds a value that is not text"},
	};
	int64_t bad;
	int rc;

	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		if ((rc = query_int64(db, checks[i].sql, &bad)))
			return rc;
		if (bad)
			return ldfi_db_set_err(db, LDFI_EFORMAT, "damaged database: %s",
					       checks[i].what);
	}
	return 0;
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

/* The pid recorded in lock file `fd` (0 when none can be read). */
static long lock_owner(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

int ldfi_db_out_lock(const char *out_dir, int *fd, char *err, size_t errlen)
{
	struct flock whole = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
	char *path = NULL, pid[32];
	int n;

	*fd = -1;
	if (ldfi_mkdir_p(out_dir)) {
		snprintf(err, errlen, "%s: cannot create directory: %s", out_dir, strerror(errno));
		return LDFI_EIO;
	}
	if (asprintf(&path, "%s/lock", out_dir) < 0) {
		snprintf(err, errlen, "%s/lock: %s", out_dir, ldfi_strerror(LDFI_ENOMEM));
		return LDFI_ENOMEM;
	}
	if ((*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666)) < 0) {
		snprintf(err, errlen, "%s: cannot create the lock file: %s", path, strerror(errno));
		goto err_path;
	}
	while (fcntl(*fd, F_SETLK, &whole)) {
		if (errno == EINTR)
			continue;
		if (errno == EACCES || errno == EAGAIN)
			snprintf(err, errlen,
				 "%s is in use by another ldfi process (pid %ld): one exploration "
				 "at a time per --out; wait for it, or use another --out",
				 out_dir, lock_owner(*fd));
		else
			snprintf(err, errlen, "%s: cannot lock: %s", path, strerror(errno));
		goto err_fd;
	}
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(*fd, 0) == 0 && pwrite(*fd, pid, (size_t)n, 0) < 0)
		pid[0] = '\0'; /* the pid is only for messages */
	free(path);
	return 0;

err_fd:
	close(*fd);
	*fd = -1;
err_path:
	free(path);
	return LDFI_EIO;
}

void ldfi_db_out_unlock(int fd)
{
	if (fd >= 0)
		close(fd); /* releases the record lock */
}

int ldfi_db_state_open(const char *out_dir, bool fresh, struct ldfi_db **db, char **path, char *err,
		       size_t errlen)
{
	int rc;

	*db = NULL;
	if (asprintf(path, "%s/provenance.db", out_dir) < 0) {
		*path = NULL;
		snprintf(err, errlen, "%s/provenance.db: %s", out_dir, ldfi_strerror(LDFI_ENOMEM));
		return LDFI_ENOMEM;
	}
	if (fresh)
		remove_db(*path);
	if ((rc = ldfi_db_open(*path, db, err, errlen))) {
		free(*path);
		*path = NULL;
	}
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
