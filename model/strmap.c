/* strmap.c - a hash table from borrowed strings to ints (see strmap.h). */
#include <stdlib.h>
#include <string.h>

#include "ldfi/ldfi.h"
#include "model/strmap.h"
#include "model/util.h"

/* The slot of `key` in keys[0..cap): where it is, or the empty slot where
 * it would go. */
static size_t slot_of(const char **keys, size_t cap, const char *key)
{
	size_t i = ldfi_hash_str(key) & (cap - 1);

	while (keys[i] && strcmp(keys[i], key) != 0)
		i = (i + 1) & (cap - 1);
	return i;
}

int ldfi_strmap_find(const struct ldfi_strmap *m, const char *key)
{
	size_t i;

	if (!m->cap)
		return -1;
	i = slot_of(m->keys, m->cap, key);
	return m->keys[i] ? m->vals[i] : -1;
}

static int rehash(struct ldfi_strmap *m, size_t cap)
{
	const char **keys = calloc(cap, sizeof(*keys));
	int *vals = malloc(cap * sizeof(*vals));

	if (!keys || !vals) {
		free(keys);
		free(vals);
		return LDFI_ENOMEM;
	}
	for (size_t i = 0; i < m->cap; i++)
		if (m->keys[i]) {
			size_t j = slot_of(keys, cap, m->keys[i]);

			keys[j] = m->keys[i];
			vals[j] = m->vals[i];
		}
	free(m->keys);
	free(m->vals);
	m->keys = keys;
	m->vals = vals;
	m->cap = cap;
	return 0;
}

int ldfi_strmap_set(struct ldfi_strmap *m, const char *key, int val)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap && rehash(m, m->cap ? 2 * m->cap : 16))
		return LDFI_ENOMEM;
	i = slot_of(m->keys, m->cap, key);
	if (!m->keys[i]) {
		m->keys[i] = key;
		m->n++;
	}
	m->vals[i] = val;
	return 0;
}

void ldfi_strmap_finish(struct ldfi_strmap *m)
{
	free(m->keys);
	free(m->vals);
	*m = (struct ldfi_strmap){0};
}
