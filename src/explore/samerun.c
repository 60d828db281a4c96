/*
 * samerun.c - fault sets that run as a smaller set already run (samerun.h):
 * a bitmap per run noted, by the run's number among the tried sets, of the
 * omission variables it sent a message on.
 */
#include <stdlib.h>
#include <string.h>

#include "ldfi/ldfi.h"
#include "src/explore/samerun.h"

/* Most sets looked up for one question: the search gives up (and the set
 * is run) rather than spend long on it. */
#define SAMERUN_BUDGET 256

struct ldfi_samerun {
	const struct ldfi_space *sp;
	size_t bytes;	     /* per bitmap */
	unsigned char *bits; /* cap bitmaps */
	bool *known;	     /* whether bitmap i was noted */
	long cap;
	int *buf; /* scratch: the sets of the search, n * n ints */
	int cap_buf;
	int budget;
};

struct ldfi_samerun *ldfi_samerun_create(const struct ldfi_space *sp)
{
	struct ldfi_samerun *sr = calloc(1, sizeof(*sr));

	if (!sr)
		return NULL;
	sr->sp = sp;
	sr->bytes = (size_t)sp->n_vars / 8 + 1;
	return sr;
}

void ldfi_samerun_destroy(struct ldfi_samerun *sr)
{
	if (!sr)
		return;
	free(sr->bits);
	free(sr->known);
	free(sr->buf);
	free(sr);
}

static int grow(struct ldfi_samerun *sr, long i)
{
	long cap = sr->cap ? sr->cap : 64;
	unsigned char *bits;
	bool *known;

	while (cap <= i)
		cap *= 2;
	if (!(bits = realloc(sr->bits, (size_t)cap * sr->bytes)))
		return LDFI_ENOMEM;
	sr->bits = bits;
	if (!(known = realloc(sr->known, (size_t)cap * sizeof(*known))))
		return LDFI_ENOMEM;
	sr->known = known;
	memset(known + sr->cap, 0, (size_t)(cap - sr->cap) * sizeof(*known));
	sr->cap = cap;
	return 0;
}

int ldfi_samerun_add(struct ldfi_samerun *sr, long i, const struct ldfi_trace *tr)
{
	unsigned char *b;
	int rc;

	if (i < 0)
		return 0;
	if (i >= sr->cap && (rc = grow(sr, i)))
		return rc;
	b = sr->bits + (size_t)i * sr->bytes;
	memset(b, 0, sr->bytes);
	for (size_t k = 0; k < tr->n_msgs; k++) {
		const struct ldfi_msg *m = &tr->msgs[k];
		struct ldfi_fault f = {LDFI_FAULT_OMIT, m->src_node, m->dst_node, m->send_round};
		int v = ldfi_space_var(sr->sp, &f); /* 0: no omission can lose it */

		if (v)
			b[v / 8] |= (unsigned char)(1u << (v % 8));
	}
	sr->known[i] = true;
	return 0;
}

static bool sent_on(const unsigned char *b, int v)
{
	return b[v / 8] & (1u << (v % 8));
}

static const unsigned char *same_as(struct ldfi_samerun *sr, const struct ldfi_setset *tried,
				    const int *s, int n, int *buf);

/* The noted run that s[0..n) runs as, or NULL if unknown. */
static const unsigned char *run_of(struct ldfi_samerun *sr, const struct ldfi_setset *tried,
				   const int *s, int n, int *buf)
{
	long i = ldfi_setset_find(tried, s, n);

	if (i >= 0)
		return i < sr->cap && sr->known[i] ? sr->bits + (size_t)i * sr->bytes : NULL;
	if (--sr->budget < 0)
		return NULL;
	return same_as(sr, tried, s, n, buf);
}

/* The noted run of a smaller set that s[0..n) runs as: s without one of its
 * omissions o, whose run sent nothing on o. The latest omissions are tried
 * first. Only omissions: a crash or a restart acts even on a node that
 * sends nothing (a restart empties its memory), so neither is skipped. */
static const unsigned char *same_as(struct ldfi_samerun *sr, const struct ldfi_setset *tried,
				    const int *s, int n, int *buf)
{
	for (int k = n - 1; k >= 0 && s[k] > sr->sp->n_crash; k--) {
		const unsigned char *u;

		if (!ldfi_space_is_omit(sr->sp, s[k]))
			continue;
		memcpy(buf, s, (size_t)k * sizeof(int));
		memcpy(buf + k, s + k + 1, (size_t)(n - 1 - k) * sizeof(int));
		u = run_of(sr, tried, buf, n - 1, buf + n);
		if (u && !sent_on(u, s[k]))
			return u;
		if (sr->budget < 0)
			break;
	}
	return NULL;
}

bool ldfi_samerun_same(struct ldfi_samerun *sr, const struct ldfi_setset *tried, const int *vars,
		       int n)
{
	if (n * (n + 1) > sr->cap_buf) {
		int *b = realloc(sr->buf, (size_t)n * (size_t)(n + 1) * sizeof(int));

		if (!b)
			return false; /* out of memory: run it */
		sr->buf = b;
		sr->cap_buf = n * (n + 1);
	}
	sr->budget = SAMERUN_BUDGET;
	return same_as(sr, tried, vars, n, sr->buf) != NULL;
}
