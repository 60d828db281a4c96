/*
 * merge.c - `ldfi merge`: the runs of several provenance databases (the
 * shards of one exploration, docs/scaling.md) copied into one, so that one
 * report covers them all. Tables are found by name in the source's schema,
 * so a column or table added to the schema is copied without a change here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ldfi/ldfi.h"
#include "runtime/db/handle.h"

/* Tables that describe the exploration, not its runs: the merged database
 * gets its own. */
static bool skipped(const char *table)
{
	static const char *const own[] = {"meta", "explore", "hypotheses"};

	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		if (strcmp(table, own[i]) == 0)
			return true;
	return strncmp(table, "sqlite_", 7) == 0;
}

/* The column list of src.TABLE, with the run id shifted by `off` ("run +
 * off", or "id + off" in runs), into a malloc'd string in *cols (names)
 * and *vals (expressions). */
static int columns(struct ldfi_db *db, const char *table, int64_t off, char **cols, char **vals)
{
	char *q = sqlite3_mprintf("SELECT name FROM pragma_table_info(%Q, 'src')", table);
	sqlite3_stmt *st = NULL;
	char *c = NULL, *v = NULL;
	size_t nc = 0, nv = 0;
	FILE *fc = open_memstream(&c, &nc), *fv = open_memstream(&v, &nv);
	int rc = q ? sqlite3_prepare_v2(db->sql, q, -1, &st, NULL) : SQLITE_NOMEM, n = 0;
	bool runs = strcmp(table, "runs") == 0;

	sqlite3_free(q);
	while (rc == SQLITE_OK && fc && fv && sqlite3_step(st) == SQLITE_ROW) {
		const char *name = ldfi_db_col(st, 0);
		bool shift = runs ? strcmp(name, "id") == 0 : strcmp(name, "run") == 0;

		fprintf(fc, "%s\"%s\"", n ? ", " : "", name);
		if (shift)
			fprintf(fv, "%s\"%s\" + %lld", n ? ", " : "", name, (long long)off);
		else
			fprintf(fv, "%s\"%s\"", n ? ", " : "", name);
		n++;
	}
	if (fc)
		fclose(fc);
	if (fv)
		fclose(fv);
	if (rc == SQLITE_OK)
		rc = sqlite3_finalize(st);
	else
		sqlite3_finalize(st);
	if (rc != SQLITE_OK || !c || !v || !n) {
		free(c);
		free(v);
		return rc != SQLITE_OK ? ldfi_db_sql_fail(db, rc, "reading the columns of", table)
				       : ldfi_db_set_err(db, LDFI_ENOMEM, "out of memory");
	}
	*cols = c;
	*vals = v;
	return 0;
}

/* Copy src.TABLE into main.TABLE with the run ids shifted by `off`. */
static int copy_table(struct ldfi_db *db, const char *table, int64_t off)
{
	char *cols = NULL, *vals = NULL, *q;
	int rc = columns(db, table, off, &cols, &vals);

	if (rc)
		return rc;
	q = sqlite3_mprintf("INSERT INTO main.\"%w\"(%s) SELECT %s FROM src.\"%w\"", table, cols,
			    vals, table);
	free(cols);
	free(vals);
	if (!q)
		return ldfi_db_set_err(db, LDFI_ENOMEM, "out of memory");
	rc = sqlite3_exec(db->sql, q, NULL, NULL, NULL);
	sqlite3_free(q);
	return rc == SQLITE_OK ? 0 : ldfi_db_sql_fail(db, rc, "copying table", table);
}

/* Every table of src with runs, in schema order. */
static int copy_tables(struct ldfi_db *db, int64_t off)
{
	sqlite3_stmt *st;
	char **names = NULL;
	int n = 0, rc;

	rc = sqlite3_prepare_v2(
	    db->sql, "SELECT name FROM src.sqlite_master WHERE type = 'table' ORDER BY rowid", -1,
	    &st, NULL);
	if (rc != SQLITE_OK)
		return ldfi_db_sql_fail(db, rc, "listing the tables of", "the shard");
	while (sqlite3_step(st) == SQLITE_ROW) {
		char **p = realloc(names, ((size_t)n + 1) * sizeof(*p));

		if (!p || !(p[n] = strdup(ldfi_db_col(st, 0)))) {
			names = p ? p : names;
			rc = LDFI_ENOMEM;
			break;
		}
		names = p;
		n++;
	}
	sqlite3_finalize(st);
	if (rc == LDFI_ENOMEM)
		ldfi_db_set_err(db, rc, "out of memory");
	for (int i = 0; i < n; i++) {
		if (!rc && !skipped(names[i]))
			rc = copy_table(db, names[i], off);
		free(names[i]);
	}
	free(names);
	return rc;
}

int ldfi_db_merge_runs(struct ldfi_db *db, const char *path, int64_t *offset)
{
	char *q = sqlite3_mprintf("ATTACH DATABASE %Q AS src", path);
	sqlite3_stmt *st = NULL;
	int rc, ret = 0;

	*offset = 0;
	if (!q)
		return ldfi_db_set_err(db, LDFI_ENOMEM, "out of memory");
	rc = sqlite3_exec(db->sql, q, NULL, NULL, NULL);
	sqlite3_free(q);
	if (rc != SQLITE_OK)
		return ldfi_db_sql_fail(db, rc, "attaching", path);
	rc = sqlite3_exec(db->sql, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		ret = ldfi_db_sql_fail(db, rc, "beginning the merge of", path);
		goto out_detach;
	}
	rc = sqlite3_prepare_v2(db->sql, "SELECT coalesce(max(id), 0) FROM main.runs", -1, &st,
				NULL);
	if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		*offset = sqlite3_column_int64(st, 0);
	else
		ret = ldfi_db_sql_fail(db, rc == SQLITE_OK ? sqlite3_errcode(db->sql) : rc,
				       "reading the last run of", "the merged database");
	sqlite3_finalize(st);
	if (!ret)
		ret = copy_tables(db, *offset);
	rc = sqlite3_exec(db->sql, ret ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL);
	if (!ret && rc != SQLITE_OK)
		ret = ldfi_db_sql_fail(db, rc, "committing the merge of", path);
out_detach:
	sqlite3_exec(db->sql, "DETACH DATABASE src", NULL, NULL, NULL);
	return ret;
}
