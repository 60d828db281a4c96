/* setset.c - a hash set of fault sets (ascending variable arrays). */
#include <stdlib.h>
#include <string.h>

#include "ldfi/ldfi.h"
#include "src/strategy.h"

struct entry {
	int *vars; /* NULL: empty slot */
	int n;
	uint64_t hash;
};

struct ldfi_setset {
	struct entry *slots;
	size_t cap; /* power of two */
	long count;
};

static uint64_t hash_set(const int *vars, int n)
{
	uint64_t h = 1469598103934665603ull ^ (uint64_t)n;

	for (int i = 0; i < n; i++)
		h = (h ^ (uint64_t)(uint32_t)vars[i]) * 1099511628211ull;
	return h;
}

struct ldfi_setset *ldfi_setset_create(void)
{
	struct ldfi_setset *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->cap = 64;
	s->slots = calloc(s->cap, sizeof(*s->slots));
	if (!s->slots) {
		free(s);
		return NULL;
	}
	return s;
}

void ldfi_setset_destroy(struct ldfi_setset *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->cap; i++)
		free(s->slots[i].vars);
	free(s->slots);
	free(s);
}

static struct entry *find(const struct ldfi_setset *s, const int *vars, int n, uint64_t h)
{
	size_t mask = s->cap - 1, i = (size_t)h & mask;

	for (;; i = (i + 1) & mask) {
		struct entry *e = &s->slots[i];

		if (!e->vars)
			return e;
		if (e->hash == h && e->n == n &&
		    (n == 0 || memcmp(e->vars, vars, (size_t)n * sizeof(int)) == 0))
			return e;
	}
}

static int grow(struct ldfi_setset *s)
{
	struct entry *old = s->slots;
	size_t old_cap = s->cap;

	s->slots = calloc(2 * old_cap, sizeof(*s->slots));
	if (!s->slots) {
		s->slots = old;
		return LDFI_ENOMEM;
	}
	s->cap = 2 * old_cap;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].vars)
			*find(s, old[i].vars, old[i].n, old[i].hash) = old[i];
	free(old);
	return 0;
}

int ldfi_setset_add(struct ldfi_setset *s, const int *vars, int n)
{
	uint64_t h = hash_set(vars, n);
	struct entry *e;

	if ((size_t)(s->count + 1) * 2 > s->cap && grow(s))
		return LDFI_ENOMEM;
	e = find(s, vars, n, h);
	if (e->vars)
		return 0;
	e->vars = malloc(((size_t)n + 1) * sizeof(int));
	if (!e->vars)
		return LDFI_ENOMEM;
	if (n)
		memcpy(e->vars, vars, (size_t)n * sizeof(int));
	e->n = n;
	e->hash = h;
	s->count++;
	return 1;
}

bool ldfi_setset_has(const struct ldfi_setset *s, const int *vars, int n)
{
	return find(s, vars, n, hash_set(vars, n))->vars != NULL;
}

long ldfi_setset_count(const struct ldfi_setset *s)
{
	return s->count;
}
