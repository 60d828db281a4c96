/* writer.c - a passing run recorded beside the explore loop (writer.h). */
#include <stdlib.h>

#include "ldfi/ldfi.h"
#include "runtime/db/state.h"
#include "src/explore/writer.h"

static void *write_run(void *arg)
{
	struct ldfi_writer *w = arg;

	w->rc = ldfi_db_record_run(w->db, w->tr, &w->info, &w->run);
	if (!w->rc && w->n > 0)
		w->rc = ldfi_db_state_tried(w->db, w->text, w->n, w->run);
	return NULL;
}

void ldfi_writer_start(struct ldfi_writer *w, struct ldfi_db *db, struct ldfi_trace *tr,
		       const struct ldfi_run_info *info, char *text, int n)
{
	*w = (struct ldfi_writer){.db = db, .tr = tr, .info = *info, .text = text, .n = n};
	w->active = true;
	if (pthread_create(&w->tid, NULL, write_run, w)) {
		write_run(w);
		w->tid = pthread_self(); /* nothing to join */
	}
}

int ldfi_writer_wait(struct ldfi_writer *w)
{
	if (!w->active)
		return 0;
	if (!pthread_equal(w->tid, pthread_self()))
		pthread_join(w->tid, NULL);
	ldfi_trace_destroy(w->tr);
	free(w->text);
	w->active = false;
	w->tr = NULL;
	w->text = NULL;
	return w->rc;
}
