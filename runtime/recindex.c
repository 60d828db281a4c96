/* recindex.c - a trace's records by name (see recindex.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ldfi/ldfi.h"
#include "model/util.h"
#include "runtime/recindex.h"

/* The slot of `name`: its record, or the empty slot where it would go. */
static int *slot_of(const struct ldfi_recindex *ix, const struct ldfi_trace *tr, const char *name)
{
	size_t mask = ix->cap - 1, i = ldfi_hash_str(name) & mask;

	while (ix->slot[i] >= 0 && strcmp(tr->recs[ix->slot[i]].name, name) != 0)
		i = (i + 1) & mask;
	return &ix->slot[i];
}

static int rehash(struct ldfi_recindex *ix, const struct ldfi_trace *tr, size_t cap)
{
	int *slot = malloc(cap * sizeof(int));

	if (!slot)
		return LDFI_ENOMEM;
	free(ix->slot);
	ix->slot = slot;
	ix->cap = cap;
	for (size_t i = 0; i < cap; i++)
		slot[i] = -1;
	for (int r = 0; r < tr->n_recs; r++)
		*slot_of(ix, tr, tr->recs[r].name) = r;
	return 0;
}

int ldfi_recindex_init(struct ldfi_recindex *ix, const struct ldfi_trace *tr)
{
	size_t cap = 64;

	*ix = (struct ldfi_recindex){NULL, 0, (size_t)tr->n_recs + 1};
	while (cap < 2 * (size_t)tr->n_recs + 2)
		cap *= 2;
	return rehash(ix, tr, cap);
}

void ldfi_recindex_finish(struct ldfi_recindex *ix)
{
	free(ix->slot);
	ix->slot = NULL;
	ix->cap = 0;
}

int ldfi_recindex_find(const struct ldfi_recindex *ix, const struct ldfi_trace *tr,
		       const char *name)
{
	return *slot_of(ix, tr, name);
}

int ldfi_recindex_intern(struct ldfi_recindex *ix, struct ldfi_trace *tr, const char *name)
{
	int r = ldfi_recindex_find(ix, tr, name);

	if (r >= 0)
		return r;
	if (2 * ((size_t)tr->n_recs + 1) > ix->cap && rehash(ix, tr, 2 * ix->cap))
		return LDFI_ENOMEM;
	if ((size_t)tr->n_recs + 1 > ix->cap_recs) {
		size_t cap = 2 * ix->cap_recs + 16;
		struct ldfi_record *p = realloc(tr->recs, cap * sizeof(*p));

		if (!p)
			return LDFI_ENOMEM;
		tr->recs = p;
		ix->cap_recs = cap;
	}
	tr->recs[tr->n_recs] = (struct ldfi_record){strdup(name), -1, -1, false};
	if (!tr->recs[tr->n_recs].name)
		return LDFI_ENOMEM;
	*slot_of(ix, tr, name) = tr->n_recs;
	return tr->n_recs++;
}
