/*
 * query.c - what the commands and reports ask of a provenance database
 * besides one run's trace (load.c): the list of runs, and the summary of
 * the exploration it holds (see db.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ldfi/ldfi.h"
#include "model/util.h"
#include "runtime/db/handle.h"

#define col ldfi_db_col

void ldfi_db_runs_free(struct ldfi_db_run *runs, int n)
{
	for (int i = 0; i < n; i++) {
		free(runs[i].faults);
		free(runs[i].failed);
	}
	free(runs);
}

static int add_run(struct ldfi_db_run **v, size_t *cap, int *n, sqlite3_stmt *st, bool failed)
{
	struct ldfi_db_run *r;

	if (ldfi_grow(v, cap, (size_t)*n + 1, sizeof(**v), 64))
		return LDFI_ENOMEM;
	r = &(*v)[(*n)++];
	*r = (struct ldfi_db_run){sqlite3_column_int64(st, 0), strdup(col(st, 1)),
				  sqlite3_column_int(st, 2) != 0, NULL};
	if (failed && sqlite3_column_type(st, 3) != SQLITE_NULL &&
	    !(r->failed = strdup(col(st, 3))))
		return LDFI_ENOMEM;
	return r->faults ? 0 : LDFI_ENOMEM;
}

int ldfi_db_runs(struct ldfi_db *db, bool failed, struct ldfi_db_run **runs, int *n)
{
	static const char plain[] = "SELECT id, faults, passed FROM runs ORDER BY id";
	static const char with_failed[] =
	    "SELECT r.id, r.faults, r.passed, coalesce('did not finish: ' || r.failure, "
	    "(SELECT group_concat(name, ', ') FROM "
	    "(SELECT name FROM checks WHERE run = r.id AND passed = 0 ORDER BY name))) "
	    "FROM runs AS r ORDER BY r.id";
	struct ldfi_db_run *v = NULL;
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc;

	*runs = NULL;
	*n = 0;
	if ((rc = sqlite3_prepare_v2(db->sql, failed ? with_failed : plain, -1, &st, NULL)) !=
	    SQLITE_OK)
		return ldfi_db_sql_fail(db, rc, "list runs", NULL);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((rc = add_run(&v, &cap, n, st, failed)))
			break;
	if (rc == LDFI_ENOMEM)
		ldfi_db_set_err(db, 0, "list runs: out of memory");
	else if (rc != SQLITE_DONE)
		rc = ldfi_db_sql_fail(db, rc, "list runs", NULL);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		ldfi_db_runs_free(v, *n);
		*n = 0;
		return rc;
	}
	*runs = v;
	return 0;
}

/* The first row of `sql` (?1 bound to `arg` when given): column 0 as a new
 * string in *out, NULL when there is no row or it is NULL. */
static int query_text(struct ldfi_db *db, const char *sql, const char *arg, char **out)
{
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	if ((rc = sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL)) != SQLITE_OK)
		return ldfi_db_sql_fail(db, rc, "read the exploration", NULL);
	if (arg)
		sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL &&
	    !(*out = strdup(col(st, 0))))
		rc = ldfi_db_set_err(db, LDFI_ENOMEM, "out of memory");
	else if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		rc = 0;
	else
		rc = ldfi_db_sql_fail(db, rc, "read the exploration", NULL);
	sqlite3_finalize(st);
	return rc;
}

static int query_long(struct ldfi_db *db, const char *sql, const char *arg, long *out)
{
	char *s;
	int rc = query_text(db, sql, arg, &s);

	*out = s ? strtol(s, NULL, 10) : 0;
	free(s);
	return rc;
}

/* The first run that `cond` selects (0: none) and its execution number. */
static int find_run(struct ldfi_db *db, const char *cond, int64_t *run, long *exec)
{
	char sql[128], buf[32];
	long id;
	int rc;

	*exec = 0;
	snprintf(sql, sizeof(sql), "SELECT id FROM runs WHERE %s ORDER BY id LIMIT 1", cond);
	rc = query_long(db, sql, NULL, &id);
	*run = id;
	snprintf(buf, sizeof(buf), "%ld", id);
	if (!rc && id)
		rc = query_long(db, "SELECT count(*) FROM runs WHERE id <= ?1", buf, exec);
	return rc;
}

/* The first run's conf, bounds and strategy; LDFI_EFORMAT when there is no
 * run. */
static int first_run(struct ldfi_db *db, struct ldfi_db_summary *s)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite3_prepare_v2(
		 db->sql,
		 "SELECT conf, eot, eff, crashes, strategy, restarts, downtime FROM runs "
		 "ORDER BY id LIMIT 1",
		 -1, &st, NULL)) != SQLITE_OK)
		return ldfi_db_sql_fail(db, rc, "read the first run", NULL);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (sqlite3_column_type(st, 0) != SQLITE_NULL)
			s->conf = strdup(col(st, 0));
		s->eot = sqlite3_column_int(st, 1);
		s->eff = sqlite3_column_int(st, 2);
		s->crashes = sqlite3_column_int(st, 3);
		s->restarts = sqlite3_column_int(st, 5);
		s->downtime = sqlite3_column_int(st, 6);
		s->strategy = strdup(col(st, 4));
		rc = !s->strategy || (sqlite3_column_type(st, 0) != SQLITE_NULL && !s->conf)
			 ? ldfi_db_set_err(db, LDFI_ENOMEM, "out of memory")
			 : 0;
	} else if (rc == SQLITE_DONE) {
		rc = ldfi_db_set_err(db, LDFI_EFORMAT, "no runs recorded");
	} else {
		rc = ldfi_db_sql_fail(db, rc, "read the first run", NULL);
	}
	sqlite3_finalize(st);
	return rc;
}

/* The figures the explorer saved when it stopped (the `explore` table's
 * pruned and wall_s), which replace what the tables alone can tell: the
 * hypotheses' statuses (no hypothesis is stored as pruned) and the sum of
 * the executions' times. */
static int explore_figures(struct ldfi_db *db, struct ldfi_db_summary *s)
{
	static const char key[] = "SELECT value FROM explore WHERE key = ?1";
	char *pruned = NULL, *wall = NULL;
	int rc;

	if (!(rc = query_text(db, key, "pruned", &pruned)) &&
	    !(rc = query_text(db, key, "wall_s", &wall))) {
		if (pruned)
			s->pruned = strtol(pruned, NULL, 10);
		if (wall)
			s->wall_s = strtod(wall, NULL);
	}
	free(pruned);
	free(wall);
	return rc;
}

int ldfi_db_summary(struct ldfi_db *db, struct ldfi_db_summary *s)
{
	static const char count[] = "SELECT count(*) FROM hypotheses WHERE status = ?1";
	static const char key[] = "SELECT value FROM explore WHERE key = ?1";
	long wall_us = 0;
	int rc;

	memset(s, 0, sizeof(*s));
	if ((rc = first_run(db, s)) || (rc = query_text(db, key, "digest", &s->digest)) ||
	    (rc = query_text(db, key, "verdict", &s->verdict)) ||
	    (rc = query_text(db, key, "reason", &s->reason)) ||
	    (rc = find_run(db, "faults = 'none'", &s->ff_run, &s->ff_exec)) ||
	    (rc = find_run(db, "passed = 0", &s->cex_run, &s->cex_exec)) ||
	    (rc = query_long(db, "SELECT total(wall_us) FROM runs", NULL, &wall_us)) ||
	    (rc = query_long(db, "SELECT count(*) FROM runs", NULL, &s->executions)) ||
	    (rc = query_long(db, count, "tried", &s->tried)) ||
	    (rc = query_long(db, count, "pruned", &s->pruned)) ||
	    (rc = query_long(db, count, "pending", &s->pending)))
		return rc;
	s->wall_s = (double)wall_us / 1e6;
	return explore_figures(db, s);
}

void ldfi_db_summary_finish(struct ldfi_db_summary *s)
{
	free(s->conf);
	free(s->strategy);
	free(s->digest);
	free(s->verdict);
	free(s->reason);
}
