/*
 * recindex.h (private) - a trace's records by name. Stages name records at
 * run time (ldfi_stage_record), so the runtime, the live engine and the
 * loader all look records up by name and append new ones; this is their one
 * index, growing with tr->recs.
 */
#ifndef LDFI_RUNTIME_RECINDEX_H
#define LDFI_RUNTIME_RECINDEX_H

#include <stddef.h>

#include "ldfi/trace.h"

struct ldfi_recindex {
	int *slot;	 /* record index, -1: empty; open addressing */
	size_t cap;	 /* of slot, a power of two */
	size_t cap_recs; /* of tr->recs */
};

/* Index every record of `tr` (as ldfi_trace_init allocated it) in
 * caller-owned `ix`. Returns 0 or LDFI_ENOMEM; ldfi_recindex_finish either
 * way. */
int ldfi_recindex_init(struct ldfi_recindex *ix, const struct ldfi_trace *tr);
void ldfi_recindex_finish(struct ldfi_recindex *ix);

/* The record named `name`, or -1. */
int ldfi_recindex_find(const struct ldfi_recindex *ix, const struct ldfi_trace *tr,
		       const char *name);

/* The record named `name`, appended to tr->recs (source -1, index -1, not
 * emitted; the name copied) when new. Returns its index or LDFI_ENOMEM. */
int ldfi_recindex_intern(struct ldfi_recindex *ix, struct ldfi_trace *tr, const char *name);

#endif
