/*
 * load_checks.c - a run's check results read back (tables checks and
 * check_records): what the run's own process computed, plugin checks in
 * their isolated child included, so that no check runs again in ldfi's
 * process (docs/plugins.md, Isolation). Validated as load.c validates the
 * rest of a run: one result per check of the conf, of its kind, offenses
 * that name the run's records and the conf's replicas, and results that
 * agree with runs.passed.
 */
#include <stdlib.h>
#include <string.h>

#include "ldfi/conf.h"
#include "ldfi/ldfi.h"
#include "model/util.h"
#include "runtime/db/handle.h"
#include "runtime/recindex.h"

#define col ldfi_db_col

static int damaged(struct ldfi_db *db, int64_t run, const char *what, const char *name)
{
	return ldfi_db_set_err(db, LDFI_EFORMAT, "damaged database: run %lld: %s '%s'",
			       (long long)run, what, name);
}

/* The problem named `s`, or -1. */
static int problem_of(const char *s)
{
	for (int p = 0; strcmp(ldfi_problem_name((enum ldfi_problem)p), "?") != 0; p++)
		if (strcmp(ldfi_problem_name((enum ldfi_problem)p), s) == 0)
			return p;
	return -1;
}

/* The copies a check expected, for rows of an ldfi that stored it only for
 * unexpected-count: what the built-in checks pass for the other problems. */
static int32_t default_expected(int problem)
{
	return problem == LDFI_PROBLEM_OUT_OF_ORDER ? 0 : 1;
}

/* The conf's index of the check named `name` (a row of `checks`), or -1. */
static int check_index(const struct ldfi_conf *conf, const char *name)
{
	for (int i = 0; i < conf->n_checks; i++)
		if (strcmp(conf->checks[i].name, name) == 0)
			return i;
	return -1;
}

static int check_row(struct ldfi_db *db, int64_t run, sqlite3_stmt *st, struct ldfi_trace *tr)
{
	const struct ldfi_conf *conf = tr->conf;
	int i = check_index(conf, col(st, 0));
	int64_t passed = sqlite3_column_int64(st, 2);

	if (i < 0 || tr->checks[i].check >= 0)
		return damaged(db, run, "a result of no check or twice of the check", col(st, 0));
	if (strcmp(col(st, 1), ldfi_check_kind_name(conf->checks[i].kind)) ||
	    sqlite3_column_type(st, 2) != SQLITE_INTEGER || passed < 0 || passed > 1)
		return damaged(db, run, "the kind or result of the check", col(st, 0));
	tr->checks[i].check = i;
	tr->checks[i].passed = passed != 0;
	return 0;
}

static int read_results(struct ldfi_db *db, int64_t run, struct ldfi_trace *tr)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc =
		 sqlite3_prepare_v2(db->sql, "SELECT name, kind, passed FROM checks WHERE run = ?1",
				    -1, &st, NULL)) != SQLITE_OK)
		return ldfi_db_sql_fail(db, rc, "read the check results", NULL);
	sqlite3_bind_int64(st, 1, run);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((rc = check_row(db, run, st, tr)))
			break;
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return rc > 0 ? ldfi_db_sql_fail(db, rc, "read the check results", NULL) : rc;
	for (int i = 0; i < tr->n_checks; i++)
		if (tr->checks[i].check < 0)
			return damaged(db, run, "no result for the check",
				       tr->conf->checks[i].name);
	return 0;
}

/* Index of the component or node an offense row names in column i, or
 * LDFI_EFORMAT (NULL, or a name the conf does not have: every check,
 * built-in or plugin, points at a replica, and the reports name it). */
static int conf_index(sqlite3_stmt *st, int i, int (*find)(const struct ldfi_conf *, const char *),
		      const struct ldfi_conf *conf)
{
	int v = sqlite3_column_type(st, i) == SQLITE_TEXT ? find(conf, col(st, i)) : -1;

	return v < 0 ? LDFI_EFORMAT : v;
}

/* The record an offense row names (a check may name one the run lacks: it
 * is added), LDFI_EFORMAT for none, or LDFI_ENOMEM. */
static int record_index(sqlite3_stmt *st, struct ldfi_recindex *ix, struct ldfi_trace *tr)
{
	if (sqlite3_column_type(st, 1) != SQLITE_TEXT || !col(st, 1)[0])
		return LDFI_EFORMAT;
	return ldfi_recindex_intern(ix, tr, col(st, 1));
}

static int offense_row(struct ldfi_db *db, int64_t run, sqlite3_stmt *st, struct ldfi_recindex *ix,
		       struct ldfi_trace *tr)
{
	int i = check_index(tr->conf, col(st, 0)), problem = problem_of(col(st, 4));
	int rec = record_index(st, ix, tr);
	int comp = conf_index(st, 2, ldfi_conf_comp_index, tr->conf);
	int node = conf_index(st, 3, ldfi_conf_node_index, tr->conf);
	struct ldfi_check_result *r;
	struct ldfi_offense *o;

	if (rec == LDFI_ENOMEM)
		return ldfi_db_set_err(db, LDFI_ENOMEM, "read the check results: out of memory");
	if (i < 0 || problem < 0 || rec == LDFI_EFORMAT || comp == LDFI_EFORMAT ||
	    node == LDFI_EFORMAT || sqlite3_column_type(st, 5) != SQLITE_INTEGER)
		return damaged(db, run, "an offending record of the check", col(st, 0));
	r = &tr->checks[i];
	if (r->passed)
		return damaged(db, run, "an offending record of a check that passed", col(st, 0));
	o = realloc(r->offs, ((size_t)r->n_offs + 1) * sizeof(*o));
	if (!o)
		return ldfi_db_set_err(db, LDFI_ENOMEM, "read the check results: out of memory");
	r->offs = o;
	o[r->n_offs++] = (struct ldfi_offense){rec,
					       comp,
					       node,
					       (enum ldfi_problem)problem,
					       sqlite3_column_int(st, 5),
					       sqlite3_column_type(st, 6) == SQLITE_NULL
						   ? default_expected(problem)
						   : sqlite3_column_int(st, 6)};
	return 0;
}

static int read_offenses(struct ldfi_db *db, int64_t run, struct ldfi_recindex *ix,
			 struct ldfi_trace *tr)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite3_prepare_v2(
		 db->sql,
		 "SELECT check_name, record, sink, node, problem, count, expected "
		 "FROM check_records WHERE run = ?1 ORDER BY rowid",
		 -1, &st, NULL)) != SQLITE_OK)
		return ldfi_db_sql_fail(db, rc, "read the offending records", NULL);
	sqlite3_bind_int64(st, 1, run);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((rc = offense_row(db, run, st, ix, tr)))
			break;
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return rc > 0 ? ldfi_db_sql_fail(db, rc, "read the offending records", NULL) : rc;
	return 0;
}

int ldfi_db_read_checks(struct ldfi_db *db, int64_t run, struct ldfi_recindex *ix,
			struct ldfi_trace *tr)
{
	bool all = true;
	int rc;

	if (!(tr->checks = calloc((size_t)tr->conf->n_checks + 1, sizeof(*tr->checks))))
		return ldfi_db_set_err(db, LDFI_ENOMEM, "read the check results: out of memory");
	tr->n_checks = tr->conf->n_checks;
	for (int i = 0; i < tr->n_checks; i++)
		tr->checks[i].check = -1;
	if ((rc = read_results(db, run, tr)) || (rc = read_offenses(db, run, ix, tr)))
		return rc;
	for (int i = 0; i < tr->n_checks; i++)
		all = all && tr->checks[i].passed;
	if (all != tr->passed)
		return ldfi_db_set_err(db, LDFI_EFORMAT,
				       "damaged database: run %lld: the run %s but its checks say "
				       "otherwise",
				       (long long)run, tr->passed ? "passed" : "failed");
	return 0;
}
