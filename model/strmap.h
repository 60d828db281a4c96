/*
 * strmap.h - a hash table from strings to ints (open addressing): the
 * parser's names, a trace's records by name. Keys are borrowed: each must
 * outlive the table and stay unchanged. Private to ldfi (not installed).
 */
#ifndef LDFI_MODEL_STRMAP_H
#define LDFI_MODEL_STRMAP_H

#include <stddef.h>

struct ldfi_strmap {
	const char **keys; /* NULL: empty slot */
	int *vals;
	size_t cap, n; /* cap a power of two, or 0 */
};

/* An empty map is all zeros: `struct ldfi_strmap m = {0};`. */

/* The value of `key`, or -1 when absent. */
int ldfi_strmap_find(const struct ldfi_strmap *m, const char *key);

/* Set the value of `key` (borrowed when new), present or not. Returns 0 or
 * LDFI_ENOMEM (the map unchanged). */
int ldfi_strmap_set(struct ldfi_strmap *m, const char *key, int val);

/* Free the table (not the keys); the map is empty again. */
void ldfi_strmap_finish(struct ldfi_strmap *m);

#endif
