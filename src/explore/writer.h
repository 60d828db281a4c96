/*
 * writer.h - recording passing runs in the background (--jobs > 1): while
 * SQLite writes and syncs run i, the strategy learns from it, fills the
 * next steps' streams and later runs execute. The writes are background
 * jobs of the explore's pool (pool.h): one at a time, in the order the runs
 * ran, on a pool thread whenever it has nothing of a step to do. The
 * database receives the same rows in the same order as without it; the
 * explore loop waits for the writes (ldfi_writer_wait) before it uses the
 * database itself.
 *
 * The runs written one after the other, while more are queued, share one
 * transaction (ldfi_db_begin), committed when the queue empties or after
 * LDFI_WRITER_QUEUE runs: a backlog costs one commit, not one per run.
 *
 * After a failed write the later ones are not attempted: their runs are
 * lost as the failed one is (not recorded, not counted), and the explore
 * stops with the error at its next check. A failed commit loses the runs
 * of its group.
 */
#ifndef LDFI_SRC_EXPLORE_WRITER_H
#define LDFI_SRC_EXPLORE_WRITER_H

#include <pthread.h>
#include <stdbool.h>

#include "ldfi/trace.h"
#include "runtime/db/db.h"
#include "src/explore/pool.h"

/* Runs posted and not yet written, at most: a bound on the traces held. */
#define LDFI_WRITER_QUEUE 16

struct ldfi_writer {
	struct ldfi_pool *pool; /* borrowed */
	struct ldfi_db *db;	/* borrowed */
	pthread_mutex_t lock;
	int rc;	      /* the first failed write's error, 0 while none */
	long lost;    /* runs not recorded since the last wait: the failed one and after */
	int queued;   /* posted and not yet written */
	int in_group; /* runs recorded in the open group (the writing thread's) */
	bool group;   /* a group is open (likewise) */
};

/* Records into `db` on the threads of `pool`; both must outlive it. */
void ldfi_writer_init(struct ldfi_writer *w, struct ldfi_db *db, struct ldfi_pool *pool);

/*
 * Queues run `tr` for ldfi_db_record_run (with `info`) and, when n > 0,
 * marking fault set `text` of n faults tried by it (ldfi_db_state_tried).
 * Takes ownership of tr and text in every case: they are freed once written
 * (or lost), so the caller must be done with them (the strategy learns
 * from the run before). When LDFI_WRITER_QUEUE runs are queued, writes on
 * this thread until fewer are.
 */
void ldfi_writer_post(struct ldfi_writer *w, struct ldfi_trace *tr,
		      const struct ldfi_run_info *info, char *text, int n);

/* Whether a write failed (without waiting: ldfi_writer_wait says which). */
int ldfi_writer_failed(struct ldfi_writer *w);

/*
 * Waits for every queued run and returns 0, or the first failed write's
 * error (ldfi_db_errmsg(db) says why; a failed record leaves no part of its
 * run in the database), with *lost the runs not recorded because of it.
 * The error is cleared: the writer can be used again.
 */
int ldfi_writer_wait(struct ldfi_writer *w, long *lost);

/* Waits for the queued runs and releases the writer. */
void ldfi_writer_finish(struct ldfi_writer *w);

#endif
