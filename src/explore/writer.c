/* writer.c - passing runs recorded in the background (writer.h). */
#include <stdlib.h>

#include "ldfi/ldfi.h"
#include "runtime/db/state.h"
#include "src/explore/writer.h"

struct write {
	struct ldfi_writer *w;
	struct ldfi_trace *tr;
	struct ldfi_run_info info;
	char *text;
	int n;
};

static int record(struct ldfi_writer *w, struct ldfi_trace *tr, const struct ldfi_run_info *info,
		  const char *text, int n)
{
	int64_t run;
	int rc;

	if (!(rc = ldfi_writer_failed(w)) && !(rc = ldfi_db_record_run(w->db, tr, info, &run)) &&
	    n > 0)
		rc = ldfi_db_state_tried(w->db, text, n, run);
	return rc;
}

/* Counts n runs lost to error rc (the first error is kept). */
static void lose(struct ldfi_writer *w, int rc, long n)
{
	pthread_mutex_lock(&w->lock);
	if (!w->rc)
		w->rc = rc;
	w->lost += n;
	pthread_mutex_unlock(&w->lock);
}

/* Writes one queued run inside the open group (opening one if needed) and
 * commits the group when nothing more is queued or it is full. Runs on one
 * thread at a time (the pool's background jobs are sequential). */
static void write_job(void *arg)
{
	struct write *j = arg;
	struct ldfi_writer *w = j->w;
	int rc = 0, left;

	if (!w->group && !ldfi_writer_failed(w)) {
		if ((rc = ldfi_db_begin(w->db)))
			lose(w, rc, 0);
		w->group = !rc;
		w->in_group = 0;
	}
	if ((rc = record(w, j->tr, &j->info, j->text, j->n)))
		lose(w, rc, 1);
	else
		w->in_group++;
	pthread_mutex_lock(&w->lock);
	left = --w->queued;
	pthread_mutex_unlock(&w->lock);
	if (w->group && (left == 0 || w->in_group >= LDFI_WRITER_QUEUE)) {
		w->group = false;
		if ((rc = ldfi_db_commit(w->db)))
			lose(w, rc, w->in_group);
	}
	ldfi_trace_destroy(j->tr);
	free(j->text);
	free(j);
}

void ldfi_writer_init(struct ldfi_writer *w, struct ldfi_db *db, struct ldfi_pool *pool)
{
	*w = (struct ldfi_writer){.pool = pool, .db = db};
	pthread_mutex_init(&w->lock, NULL);
}

void ldfi_writer_post(struct ldfi_writer *w, struct ldfi_trace *tr,
		      const struct ldfi_run_info *info, char *text, int n)
{
	struct write *j = malloc(sizeof(*j));

	if (!j) {
		/* Here, after the ones queued. */
		int rc;

		ldfi_pool_wait_jobs(w->pool);
		if ((rc = record(w, tr, info, text, n)))
			lose(w, rc, 1);
		ldfi_trace_destroy(tr);
		free(text);
		return;
	}
	*j = (struct write){w, tr, *info, text, n};
	pthread_mutex_lock(&w->lock);
	w->queued++;
	pthread_mutex_unlock(&w->lock);
	ldfi_pool_post(w->pool, write_job, j, LDFI_WRITER_QUEUE);
}

int ldfi_writer_failed(struct ldfi_writer *w)
{
	int rc;

	pthread_mutex_lock(&w->lock);
	rc = w->rc;
	pthread_mutex_unlock(&w->lock);
	return rc;
}

int ldfi_writer_wait(struct ldfi_writer *w, long *lost)
{
	int rc;

	ldfi_pool_wait_jobs(w->pool);
	pthread_mutex_lock(&w->lock);
	rc = w->rc;
	*lost = w->lost;
	w->rc = 0;
	w->lost = 0;
	pthread_mutex_unlock(&w->lock);
	return rc;
}

void ldfi_writer_finish(struct ldfi_writer *w)
{
	if (!w->pool)
		return;
	ldfi_pool_wait_jobs(w->pool);
	pthread_mutex_destroy(&w->lock);
	w->pool = NULL;
}
