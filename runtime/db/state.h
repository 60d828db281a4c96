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

#include "runtime/db/db.h"

/*
 * Open OUT_DIR/provenance.db (creating OUT_DIR), and bind it to the
 * exploration identified by `digest` (conf contents, bounds, strategy,
 * seed). A database of another exploration is an error (LDFI_EINVAL with a
 * message in err) unless `fresh`, which starts over. On success *db is the
 * caller's (ldfi_db_close) and *path (malloc'd) the database path.
 * Errors: LDFI_EIO (directory), LDFI_EDB, LDFI_EINVAL, LDFI_ENOMEM.
 */
int ldfi_db_state_open(const char *out_dir, const char *digest, bool fresh, struct ldfi_db **db,
		       char **path, char *err, size_t errlen);

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
