/*
 * writer.h - recording a passing run on a thread of its own (--jobs > 1):
 * while SQLite writes and syncs run i, the strategy learns from it, fills
 * the next step's streams and run i+1 executes. At most one write is in
 * flight, and the database is used by one thread at a time: the explore
 * loop waits for the write before it touches the database again. The
 * database receives the same rows in the same order as without it.
 */
#ifndef LDFI_SRC_EXPLORE_WRITER_H
#define LDFI_SRC_EXPLORE_WRITER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "ldfi/trace.h"
#include "runtime/db/db.h"

/* Zero it before first use; no other set-up or teardown. */
struct ldfi_writer {
	pthread_t tid;
	bool active; /* a write was started and not waited for */
	struct ldfi_db *db;
	struct ldfi_trace *tr; /* owned while active */
	struct ldfi_run_info info;
	char *text; /* the run's canonical fault set, owned while active */
	int n;	    /* its number of faults */
	int rc;
	int64_t run;
};

/*
 * Records run `tr` (ldfi_db_record_run with `info`) and, when n > 0, marks
 * fault set `text` of n faults tried by it (ldfi_db_state_tried), on a new
 * thread; w must not be active (ldfi_writer_wait first). Takes ownership of
 * tr and text in every case: they are freed by ldfi_writer_wait. tr may be
 * read by the caller until then, never changed. When no thread can be
 * started, the write is done here, before returning.
 */
void ldfi_writer_start(struct ldfi_writer *w, struct ldfi_db *db, struct ldfi_trace *tr,
		       const struct ldfi_run_info *info, char *text, int n);

/*
 * Waits for the write started last, frees its trace and text and returns
 * its result: 0, or the error of ldfi_db_record_run / ldfi_db_state_tried
 * (ldfi_db_errmsg(db) says why; a failed record leaves no part of the run
 * in the database). 0 when no write is active.
 */
int ldfi_writer_wait(struct ldfi_writer *w);

#endif
