/*
 * setset.c - a hash set of fault sets (ascending variable arrays), compact:
 * every set is stored once, in insertion order, as varints in one byte
 * arena (its size, then the first variable and the gaps between
 * consecutive ones, zigzag-coded so any order round-trips), and the hash
 * table holds only indices. About 30 bytes a set of 16 variables, against
 * about 130 with one allocation per set (docs/performance.md, memory).
 */
#include <stdlib.h>
#include <string.h>

#include "ldfi/ldfi.h"
#include "model/util.h"
#include "src/explore/strategy.h"

struct ldfi_setset {
	unsigned char *bytes; /* the sets, coded */
	size_t n_bytes, cap_bytes;
	size_t *off;	/* per index: where its code starts in bytes */
	uint32_t *hash; /* per index: its hash (low bits), to skip most compares */
	long count, cap_idx;
	uint32_t *slots; /* index + 1 of a set; 0: empty */
	size_t cap;	 /* power of two */
};

static uint32_t hash_set(const int *vars, int n)
{
	return ldfi_hash_ints(vars, (size_t)n) ^ (uint32_t)n;
}

static size_t put(unsigned char *p, uint64_t v)
{
	size_t k = 0;

	while (v >= 0x80) {
		p[k++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	p[k++] = (unsigned char)v;
	return k;
}

static uint64_t get(const unsigned char **p)
{
	uint64_t v = 0;
	int shift = 0;

	while (**p & 0x80) {
		v |= (uint64_t)(**p & 0x7f) << shift;
		shift += 7;
		(*p)++;
	}
	v |= (uint64_t) * *p << shift;
	(*p)++;
	return v;
}

static uint64_t zigzag(int64_t d)
{
	return d < 0 ? ((uint64_t)(-(d + 1)) << 1) | 1 : (uint64_t)d << 1;
}

static int64_t unzigzag(uint64_t z)
{
	return z & 1 ? -(int64_t)(z >> 1) - 1 : (int64_t)(z >> 1);
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
	free(s->bytes);
	free(s->off);
	free(s->hash);
	free(s->slots);
	free(s);
}

/* Whether set i is vars[0..n). */
static bool equal(const struct ldfi_setset *s, long i, const int *vars, int n)
{
	const unsigned char *p = s->bytes + s->off[i];
	int64_t prev = 0;

	if (get(&p) != (uint64_t)n)
		return false;
	for (int k = 0; k < n; k++) {
		prev += unzigzag(get(&p));
		if (prev != vars[k])
			return false;
	}
	return true;
}

/* The slot of vars[0..n): the one holding it, or the empty one where it
 * would go. */
static uint32_t *find(const struct ldfi_setset *s, const int *vars, int n, uint32_t h)
{
	size_t mask = s->cap - 1, i = (size_t)h & mask;

	for (;; i = (i + 1) & mask) {
		uint32_t *e = &s->slots[i];

		if (!*e)
			return e;
		if (s->hash[*e - 1] == h && equal(s, (long)*e - 1, vars, n))
			return e;
	}
}

static int rehash(struct ldfi_setset *s)
{
	uint32_t *old = s->slots;
	size_t old_cap = s->cap, mask;

	s->slots = calloc(2 * old_cap, sizeof(*s->slots));
	if (!s->slots) {
		s->slots = old;
		return LDFI_ENOMEM;
	}
	s->cap = 2 * old_cap;
	mask = s->cap - 1;
	for (size_t i = 0; i < old_cap; i++) {
		size_t j;

		if (!old[i])
			continue;
		for (j = s->hash[old[i] - 1] & mask; s->slots[j]; j = (j + 1) & mask)
			;
		s->slots[j] = old[i];
	}
	free(old);
	return 0;
}

/* Room for one more index and `bytes` more bytes of code. */
static int reserve(struct ldfi_setset *s, size_t bytes)
{
	if (s->count == s->cap_idx) {
		long cap = s->cap_idx ? 2 * s->cap_idx : 64;
		size_t *off;
		uint32_t *hash;

		if (cap > (long)UINT32_MAX - 1)
			return LDFI_ENOMEM;
		off = realloc(s->off, (size_t)cap * sizeof(*off));
		if (!off)
			return LDFI_ENOMEM;
		s->off = off;
		hash = realloc(s->hash, (size_t)cap * sizeof(*hash));
		if (!hash)
			return LDFI_ENOMEM;
		s->hash = hash;
		s->cap_idx = cap;
	}
	if (s->n_bytes + bytes > s->cap_bytes) {
		size_t cap = s->cap_bytes ? s->cap_bytes : 1024;
		unsigned char *p;

		while (cap < s->n_bytes + bytes)
			cap *= 2;
		p = realloc(s->bytes, cap);
		if (!p)
			return LDFI_ENOMEM;
		s->bytes = p;
		s->cap_bytes = cap;
	}
	return 0;
}

int ldfi_setset_add(struct ldfi_setset *s, const int *vars, int n)
{
	uint32_t h = hash_set(vars, n), *e;
	unsigned char *p;
	int64_t prev = 0;

	if ((size_t)(s->count + 1) * 2 > s->cap && rehash(s))
		return LDFI_ENOMEM;
	e = find(s, vars, n, h);
	if (*e)
		return 0;
	/* At most 10 bytes a varint. */
	if (reserve(s, ((size_t)n + 1) * 10))
		return LDFI_ENOMEM;
	s->off[s->count] = s->n_bytes;
	s->hash[s->count] = h;
	p = s->bytes + s->n_bytes;
	p += put(p, (uint64_t)n);
	for (int i = 0; i < n; i++) {
		p += put(p, zigzag((int64_t)vars[i] - prev));
		prev = vars[i];
	}
	s->n_bytes = (size_t)(p - s->bytes);
	*e = (uint32_t)++s->count;
	return 1;
}

bool ldfi_setset_has(const struct ldfi_setset *s, const int *vars, int n)
{
	return *find(s, vars, n, hash_set(vars, n)) != 0;
}

long ldfi_setset_find(const struct ldfi_setset *s, const int *vars, int n)
{
	return (long)*find(s, vars, n, hash_set(vars, n)) - 1;
}

int ldfi_setset_get(const struct ldfi_setset *s, long i, int *out, int cap)
{
	const unsigned char *p;
	int64_t prev = 0;
	int n;

	if (i < 0 || i >= s->count)
		return LDFI_EINVAL;
	p = s->bytes + s->off[i];
	n = (int)get(&p);
	if (n > cap)
		return LDFI_ELIMIT;
	for (int k = 0; k < n; k++) {
		prev += unzigzag(get(&p));
		out[k] = (int)prev;
	}
	return n;
}

long ldfi_setset_count(const struct ldfi_setset *s)
{
	return s->count;
}
