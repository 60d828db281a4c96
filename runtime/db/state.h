/*
 * state.h - the explorer's state in the provenance database (tables
 * `explore` and `hypotheses`, docs/provenance.md): which exploration the
 * database holds, the hypotheses tried and pending, the verdict. Enough for
 * an interrupted explore to resume without redoing any execution.
 */
#ifndef LDFI_RUNTIME_DB_STATE_H
#define LDFI_RUNTIME_DB_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ldfi/conf.h"
#include "runtime/db/db.h"

/*
 * Make this process the one owner of OUT_DIR (creating it): an exclusive
 * lock on the whole of OUT_DIR/lock, taken without waiting and held until
 * ldfi_db_out_unlock or the process ends (a kill -9 releases it too). A
 * POSIX record lock (fcntl F_SETLK), not flock(2): it belongs to this
 * process alone, so a forked run or a process a plugin left behind never
 * keeps it once ldfi is gone. The lock file records the owner's pid, for
 * the message another process gets.
 * On success *fd is the lock's descriptor. Errors: LDFI_EIO with a message
 * in `err`: the directory or the lock file cannot be made, or another
 * process holds the lock ("OUT is in use by another ldfi process (pid N)").
 */
int ldfi_db_out_lock(const char *out_dir, int *fd, char *err, size_t errlen);

/* Release the lock of ldfi_db_out_lock; -1 is accepted. */
void ldfi_db_out_unlock(int fd);

/*
 * Open OUT_DIR/provenance.db (OUT_DIR exists: ldfi_db_out_lock made it;
 * the caller holds its lock). With `fresh`, the database and its -wal,
 * -shm and -journal files are deleted first. On success *db is the
 * caller's (ldfi_db_close) and *path (malloc'd) the database path.
 * Errors: LDFI_EDB, LDFI_ENOMEM with a message in `err`.
 */
int ldfi_db_state_open(const char *out_dir, bool fresh, struct ldfi_db **db, char **path, char *err,
		       size_t errlen);

/* The value of key `key` of the `explore` table in *value (malloc'd, the
 * caller's), NULL when absent. Returns 0, LDFI_ENOMEM or LDFI_EDB. */
int ldfi_db_state_get(struct ldfi_db *db, const char *key, char **value);

/* The digest of the exploration the database holds (the `explore` table's
 * key `digest`) in *digest (malloc'd, the caller's), NULL when it holds
 * none. Returns 0, LDFI_ENOMEM or LDFI_EDB (ldfi_db_errmsg says why). */
int ldfi_db_state_digest(struct ldfi_db *db, char **digest);

/* How many recorded runs are not runs of an exploration with this strategy
 * and these bounds `b` (borrowed; all five compared) (runs of `ldfi run`,
 * strategy "run"; runs of another exploration), in *n. Returns 0 or
 * LDFI_EDB. */
int ldfi_db_state_foreign_runs(struct ldfi_db *db, const char *strategy,
			       const struct ldfi_bounds *b, long *n);

/* Check what an exploration's runs table promises, before anything is read
 * back: run ids 1..N, the AUTOINCREMENT counter at N, no fault set twice,
 * valid verdicts, text values in `explore`. Returns 0, LDFI_EDB, or
 * LDFI_EFORMAT with "damaged database: what" in ldfi_db_errmsg. */
int ldfi_db_state_check(struct ldfi_db *db);

/* Record hypothesis `faults` (of `size` faults) as tried by run `run`.
 * Returns 0 or LDFI_EDB (ldfi_db_errmsg says why). */
int ldfi_db_state_tried(struct ldfi_db *db, const char *faults, int size, int64_t run);

/* Replace the pending hypotheses by `faults[0..n)` (sizes in `sizes`), in
 * one transaction. Returns 0 or LDFI_EDB. */
int ldfi_db_state_pending(struct ldfi_db *db, char *const *faults, const int *sizes, int n);

/* Set a key of the `explore` table (verdict, executions, ...). Returns 0 or
 * LDFI_EDB. */
int ldfi_db_state_set(struct ldfi_db *db, const char *key, const char *value);

#endif
