/*
 * db.h - the provenance database (docs/provenance.md), one SQLite file: the
 * interface of runtime/db/, the only module that speaks SQL. It writes runs
 * (recorder.c), reads them back (load.c), keeps the explorer's state
 * (state.h) and answers the commands' questions about an exploration
 * (query.c).
 *
 * Each run is written in one transaction (or a savepoint of a group of
 * runs) with prepared statements, so a failure midway leaves the earlier
 * runs intact and the failed one absent.
 */
#ifndef LDFI_RUNTIME_DB_DB_H
#define LDFI_RUNTIME_DB_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ldfi/trace.h"

/* The schema version this build writes (meta.schema_version). A database
 * with a newer version is refused by ldfi_db_open. */
#define LDFI_DB_SCHEMA_VERSION 4

/* Default time a write waits for another connection's lock, milliseconds. */
#define LDFI_DB_BUSY_TIMEOUT_MS 5000

/* A handle is not thread-safe: use it from one thread at a time. */
struct ldfi_db;
struct ldfi_conf;

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

/*
 * Open the ldfi database at `path` for reading only (ldfi report): it is
 * never written, so it may be on a read-only file system or a read-only
 * file. An empty file, one that is not an ldfi database, and one whose
 * schema is older than this ldfi's (it would need an upgrade) are refused
 * with LDFI_EDB and a message. The handle cannot record runs. Otherwise as
 * ldfi_db_open.
 */
int ldfi_db_open_readonly(const char *path, struct ldfi_db **out, char *err, size_t errlen);

/* Close the database; NULL is accepted. */
void ldfi_db_close(struct ldfi_db *db);

/*
 * Groups the runs recorded from here to ldfi_db_commit (and the explore
 * state written meanwhile) in one transaction: one commit, and one write
 * of each page they share, instead of one per run. Each run is still all
 * or nothing: a run that fails inside the group leaves no part of itself,
 * and the group goes on. Until the commit the group's runs are not in the
 * file: a killed process loses them (as it loses runs still in memory).
 * Returns 0, LDFI_EINVAL (NULL, read-only, or a group already open) or
 * LDFI_EDB (the database is locked for longer than the busy timeout, an
 * I/O error; ldfi_db_errmsg says which).
 */
int ldfi_db_begin(struct ldfi_db *db);

/*
 * Commits the group of ldfi_db_begin. Returns 0; LDFI_EINVAL when no group
 * is open; LDFI_EDB when the commit failed or an error inside the group
 * already rolled its transaction back: then none of the group's runs is
 * recorded (every earlier one is kept), and ldfi_db_errmsg says why. The
 * group is closed in every case.
 */
int ldfi_db_commit(struct ldfi_db *db);

/* Closes the group of ldfi_db_begin without recording any of its runs; a
 * no-op when no group is open (or db is NULL). Keeps ldfi_db_errmsg. */
void ldfi_db_rollback(struct ldfi_db *db);

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

/*
 * Load run `run` of `db` into a new trace of `conf` (messages, parents,
 * outputs, crash rounds, records; tr->passed as the run recorded it; no
 * check results), validated (runtime/db/load.c): counts as the runs row
 * records them, names of the conf, rounds within the bounds, fates that the
 * run's faults give, parents that are earlier messages. The trace is the
 * caller's (ldfi_trace_destroy). Returns 0, LDFI_EDB, LDFI_EFORMAT (the
 * database is damaged: ldfi_db_errmsg says "damaged database: run N: ...")
 * or LDFI_ENOMEM; *out is NULL on error.
 */
int ldfi_db_load_trace(struct ldfi_db *db, const struct ldfi_conf *conf, int64_t run,
		       struct ldfi_trace **out);

/* ldfi_db_load_trace, then the check results the run's own process
 * computed, read back (tables checks and check_records; no check is run
 * again, plugin checks included); a run recorded with a failure
 * (runs.failure) gets it in tr->failure instead, and no checks. Same
 * results and errors. */
int ldfi_db_load_run(struct ldfi_db *db, const struct ldfi_conf *conf, int64_t run,
		     struct ldfi_trace **out);

/* One recorded run, as listed by ldfi_db_runs. */
struct ldfi_db_run {
	int64_t id;
	char *faults; /* canonical text */
	bool passed;
	/* With `failed`: "did not finish: REASON" for a run whose plugin
	 * failed, else its failed checks' names, ", "-separated in name order;
	 * NULL when none. */
	char *failed;
};

/* Every run, in id (execution) order, in *runs (the caller's:
 * ldfi_db_runs_free). Returns 0, LDFI_EDB or LDFI_ENOMEM. */
int ldfi_db_runs(struct ldfi_db *db, bool failed, struct ldfi_db_run **runs, int *n);
void ldfi_db_runs_free(struct ldfi_db_run *runs, int n);

/*
 * Copy every run of the database file `path` (an ldfi database of the same
 * schema: a shard of the exploration `db` merges, docs/scaling.md) into
 * `db`, run ids shifted past db's last one; *offset receives the shift (a
 * run id of `path` plus *offset is its id in `db`). The exploration's own
 * tables (explore, hypotheses, meta) are not copied. One transaction: on
 * error nothing of `path` is in `db`. Returns 0, LDFI_EDB or LDFI_ENOMEM
 * (ldfi_db_errmsg says why).
 */
int ldfi_db_merge_runs(struct ldfi_db *db, const char *path, int64_t *offset);

/* What a database says about the exploration it holds (for `ldfi report`).
 * Strings are owned by the summary (ldfi_db_summary_finish), NULL when
 * absent. */
struct ldfi_db_summary {
	char *conf;			 /* runs.conf of the first run */
	int eot, eff, crashes;		 /* the first run's bounds */
	int restarts, downtime;		 /* (0 and 1 before restarts) */
	char *strategy;			 /* the first run's */
	char *digest, *verdict, *reason; /* the `explore` table */
	int64_t ff_run, cex_run;	 /* first fault-free and first failing run, or 0 */
	long ff_exec, cex_exec;		 /* their execution numbers (1-based) */
	long executions;		 /* runs recorded */
	long tried, pending;		 /* hypotheses by status */
	long pruned;			 /* as the explorer saved it (explore.pruned) */
	double wall_s;			 /* the exploration's (explore.wall_s), or the sum
					  * of the executions' wall times */
};

/* Fill *s (caller's memory). Returns 0, LDFI_EFORMAT when the database
 * holds no run, LDFI_EDB or LDFI_ENOMEM (ldfi_db_errmsg says why); *s is
 * safe to finish in every case. */
int ldfi_db_summary(struct ldfi_db *db, struct ldfi_db_summary *s);
void ldfi_db_summary_finish(struct ldfi_db_summary *s);

#endif
