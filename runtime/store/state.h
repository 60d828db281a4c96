/*
 * state.h - the explorer's state in the provenance database (tables
 * `explore` and `hypotheses`, docs/provenance.md): which exploration the
 * database holds, the hypotheses tried and pending, the verdict. Enough for
 * an interrupted explore to resume without redoing any execution.
 */
#ifndef LDFI_SRC_STATE_H
#define LDFI_SRC_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "runtime/store/store.h"

/* A stored run, in execution order. */
struct ldfi_state_run {
	int64_t id;
	char *faults; /* canonical text; owned by the array */
	bool passed;
};

/*
 * Open OUT_DIR/provenance.db (creating OUT_DIR), and bind it to the
 * exploration identified by `digest` (conf contents, bounds, strategy,
 * seed). A database of another exploration is an error (LDFI_EINVAL with a
 * message in err) unless `fresh`, which starts over. On success *db is the
 * caller's (ldfi_db_close) and *path (malloc'd) the database path.
 * Errors: LDFI_EIO (directory), LDFI_EDB, LDFI_EINVAL, LDFI_ENOMEM.
 */
int ldfi_state_open(const char *out_dir, const char *digest, bool fresh, struct ldfi_db **db,
		    char **path, char *err, size_t errlen);

/* The runs recorded so far, by id. *runs is the caller's
 * (ldfi_state_runs_free). Returns 0 or LDFI_EDB / LDFI_ENOMEM. */
int ldfi_state_runs(struct ldfi_db *db, struct ldfi_state_run **runs, int *n);
void ldfi_state_runs_free(struct ldfi_state_run *runs, int n);

/* Record hypothesis `faults` (of `size` faults) as tried by run `run`. */
int ldfi_state_tried(struct ldfi_db *db, const char *faults, int size, int64_t run);

/* Replace the pending hypotheses by `faults[0..n)` (sizes in `sizes`). */
int ldfi_state_pending(struct ldfi_db *db, char *const *faults, const int *sizes, int n);

/* Set a key of the `explore` table (verdict, executions, ...). */
int ldfi_state_set(struct ldfi_db *db, const char *key, const char *value);

#endif
