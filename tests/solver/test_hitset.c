/*
 * test_hitset.c - the minimal hitting set enumerator: hand-made cases, the
 * error contract, and a randomized cross-check of the exact output sequence
 * against brute force over all subsets.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "ldfi/ldfi.h"
#include "solver/hitset.h"
#include "test.h"

/* ---------------------------------------------------------------- helpers */

/* Adds the zero-terminated list of variables as a support. */
static int sup(struct ldfi_hitset *h, const int *zvars)
{
	int n = 0;

	while (zvars[n])
		n++;
	return ldfi_hitset_add_support(h, zvars, n);
}

#define SUP(h, ...) sup((h), (const int[]){__VA_ARGS__, 0})

/* Next set as text ("2 3", "" for the empty set), "END" when exhausted, "ERR n" on error. */
static const char *next_str(struct ldfi_hitset *h)
{
	static char buf[256];
	int out[64], n = -1, r = ldfi_hitset_next(h, out, 64, &n);
	size_t len = 0;

	if (r == 0)
		return "END";
	if (r != 1) {
		snprintf(buf, sizeof(buf), "ERR %d", r);
		return buf;
	}
	buf[0] = 0;
	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, i ? " %d" : "%d", out[i]);
	return buf;
}

/* ------------------------------------------------------------ hand cases */

static void test_note_example(void)
{
	struct ldfi_hitset *h = ldfi_hitset_create(4, 0);

	CHECK(h != NULL);
	CHECK(SUP(h, 1, 2) == 0);
	CHECK(SUP(h, 3) == 0);
	CHECK(SUP(h, 2, 4) == 0);
	CHECK_STR(next_str(h), "2 3");
	CHECK_STR(next_str(h), "1 3 4");
	CHECK_STR(next_str(h), "END");
	CHECK_STR(next_str(h), "END");
	ldfi_hitset_destroy(h);
}

static void test_smallest_first(void)
{
	/* {4} comes before {1,2,3} although 1 is the smallest id. */
	struct ldfi_hitset *h = ldfi_hitset_create(6, 0);

	SUP(h, 1, 4);
	SUP(h, 2, 4);
	SUP(h, 4, 3, 4); /* duplicates are fine */
	CHECK_STR(next_str(h), "4");
	CHECK_STR(next_str(h), "1 2 3");
	CHECK_STR(next_str(h), "END");
	ldfi_hitset_destroy(h);

	/* All of size 2, lexicographic. */
	h = ldfi_hitset_create(6, 0);
	SUP(h, 6, 5);
	SUP(h, 1, 6);
	SUP(h, 3, 2, 1);
	CHECK_STR(next_str(h), "1 5");
	CHECK_STR(next_str(h), "1 6");
	CHECK_STR(next_str(h), "2 6");
	CHECK_STR(next_str(h), "3 6");
	CHECK_STR(next_str(h), "END");
	ldfi_hitset_destroy(h);
}

static void test_empty_support(void)
{
	struct ldfi_hitset *h = ldfi_hitset_create(3, 0);

	SUP(h, 1, 2);
	CHECK(ldfi_hitset_add_support(h, NULL, 0) == 0);
	SUP(h, 3);
	CHECK_STR(next_str(h), "END");
	ldfi_hitset_destroy(h);

	/* No support at all: the empty set is the one minimal hitting set. */
	h = ldfi_hitset_create(3, 0);
	CHECK_STR(next_str(h), "");
	CHECK_STR(next_str(h), "END");
	ldfi_hitset_destroy(h);

	/* No variables at all. */
	h = ldfi_hitset_create(0, 0);
	CHECK_STR(next_str(h), "");
	CHECK_STR(next_str(h), "END");
	ldfi_hitset_destroy(h);
}

static void test_max_size(void)
{
	struct ldfi_hitset *h = ldfi_hitset_create(4, 2);

	SUP(h, 1, 4);
	SUP(h, 2, 4);
	SUP(h, 3, 4);
	CHECK_STR(next_str(h), "4");
	CHECK_STR(next_str(h), "END");
	ldfi_hitset_destroy(h);

	h = ldfi_hitset_create(4, 1);
	SUP(h, 1, 2);
	SUP(h, 3, 4);
	CHECK_STR(next_str(h), "END");
	ldfi_hitset_destroy(h);
}

static void test_atmost(void)
{
	/* One crash per node: not both 1 and 3. */
	struct ldfi_hitset *h = ldfi_hitset_create(4, 0);

	SUP(h, 1, 2);
	SUP(h, 3, 4);
	CHECK(ldfi_hitset_add_atmost(h, (const int[]){1, 3}, 2, 1) == 0);
	CHECK_STR(next_str(h), "1 4");
	CHECK_STR(next_str(h), "2 3");
	CHECK_STR(next_str(h), "2 4");
	CHECK_STR(next_str(h), "END");
	ldfi_hitset_destroy(h);

	/* Budget 0 excludes the group entirely. */
	h = ldfi_hitset_create(4, 0);
	SUP(h, 1, 2);
	SUP(h, 3, 4);
	CHECK(ldfi_hitset_add_atmost(h, (const int[]){1, 4, 4}, 3, 0) == 0);
	CHECK_STR(next_str(h), "2 3");
	CHECK_STR(next_str(h), "END");
	ldfi_hitset_destroy(h);

	/* Budget 2 of 5 crash variables: every support needs its own. */
	h = ldfi_hitset_create(5, 0);
	SUP(h, 1);
	SUP(h, 2);
	SUP(h, 3);
	CHECK(ldfi_hitset_add_atmost(h, (const int[]){1, 2, 3, 4, 5}, 5, 2) == 0);
	CHECK_STR(next_str(h), "END");
	ldfi_hitset_destroy(h);

	/* A constraint that no minimal set reaches changes nothing; k >= n is no constraint. */
	h = ldfi_hitset_create(5, 0);
	SUP(h, 1, 2);
	SUP(h, 3);
	CHECK(ldfi_hitset_add_atmost(h, (const int[]){1, 2, 3}, 3, 2) == 0);
	CHECK(ldfi_hitset_add_atmost(h, (const int[]){4, 5}, 2, 7) == 0);
	CHECK_STR(next_str(h), "1 3");
	CHECK_STR(next_str(h), "2 3");
	CHECK_STR(next_str(h), "END");
	ldfi_hitset_destroy(h);
}

static void test_conditional(void)
{
	/* "if 1 then 3 too": {2} first, then {1,3}. */
	struct ldfi_hitset *h = ldfi_hitset_create(4, 0);

	SUP(h, 1, 2);
	CHECK(ldfi_hitset_add_conditional(h, (const int[]){3}, 1, (const int[]){1, 1}, 2) == 0);
	CHECK_STR(next_str(h), "2");
	CHECK_STR(next_str(h), "1 3");
	CHECK_STR(next_str(h), "END");
	ldfi_hitset_destroy(h);

	/* Purely negative: not both 1 and 2. */
	h = ldfi_hitset_create(4, 0);
	SUP(h, 1, 2);
	SUP(h, 1, 3);
	CHECK(ldfi_hitset_add_conditional(h, NULL, 0, (const int[]){1, 2}, 2) == 0);
	CHECK_STR(next_str(h), "1");
	CHECK_STR(next_str(h), "2 3");
	CHECK_STR(next_str(h), "END");
	ldfi_hitset_destroy(h);

	/*
	 * {1,2,3} is allowed and each of {2,3}, {1,3}, {1,2} is not, but {1}
	 * is: minimality is about every subset, and {1,2,3} never comes.
	 */
	h = ldfi_hitset_create(3, 0);
	SUP(h, 1, 2, 3);
	ldfi_hitset_add_conditional(h, (const int[]){2}, 1, (const int[]){1, 3}, 2);
	ldfi_hitset_add_conditional(h, (const int[]){1}, 1, (const int[]){2, 3}, 2);
	ldfi_hitset_add_conditional(h, (const int[]){3}, 1, (const int[]){1, 2}, 2);
	CHECK_STR(next_str(h), "1");
	CHECK_STR(next_str(h), "2");
	CHECK_STR(next_str(h), "3");
	CHECK_STR(next_str(h), "END");
	ldfi_hitset_destroy(h);

	/* No negative part: a plain support, also when empty. */
	h = ldfi_hitset_create(3, 0);
	CHECK(ldfi_hitset_add_conditional(h, (const int[]){2, 3}, 2, NULL, 0) == 0);
	CHECK_STR(next_str(h), "2");
	CHECK_STR(next_str(h), "3");
	CHECK_STR(next_str(h), "END");
	CHECK(ldfi_hitset_add_conditional(h, (const int[]){1}, 1, (const int[]){2}, 1) ==
	      LDFI_EINVAL);
	ldfi_hitset_destroy(h);
	h = ldfi_hitset_create(3, 0);
	CHECK(ldfi_hitset_add_conditional(h, NULL, 0, NULL, 0) == 0);
	CHECK(ldfi_hitset_add_conditional(h, (const int[]){1}, 1, (const int[]){4}, 1) ==
	      LDFI_EINVAL);
	CHECK(ldfi_hitset_add_conditional(h, (const int[]){1}, 1, NULL, 1) == LDFI_EINVAL);
	CHECK(ldfi_hitset_add_conditional(h, (const int[]){1}, 1, (const int[]){2}, -1) ==
	      LDFI_EINVAL);
	CHECK_STR(next_str(h), "END");
	ldfi_hitset_destroy(h);
}

static void test_block(void)
{
	struct ldfi_hitset *h = ldfi_hitset_create(5, 0);

	SUP(h, 1, 2);
	SUP(h, 3, 4);
	CHECK(ldfi_hitset_block(h, (const int[]){4, 2}, 2) == 0); /* before next */
	CHECK_STR(next_str(h), "1 3");
	CHECK(ldfi_hitset_block(h, (const int[]){1}, 1) == 0); /* mid-enumeration */
	CHECK_STR(next_str(h), "2 3");
	CHECK_STR(next_str(h), "END");
	ldfi_hitset_destroy(h);

	/* Blocking the empty set ends everything. */
	h = ldfi_hitset_create(5, 0);
	SUP(h, 1, 2);
	CHECK_STR(next_str(h), "1");
	CHECK(ldfi_hitset_block(h, NULL, 0) == 0);
	CHECK_STR(next_str(h), "END");
	ldfi_hitset_destroy(h);

	/* A block on a variable in no support changes nothing. */
	h = ldfi_hitset_create(5, 0);
	SUP(h, 1, 2);
	CHECK(ldfi_hitset_block(h, (const int[]){5}, 1) == 0);
	CHECK_STR(next_str(h), "1");
	CHECK_STR(next_str(h), "2");
	CHECK_STR(next_str(h), "END");
	ldfi_hitset_destroy(h);
}

static void test_limits_and_errors(void)
{
	struct ldfi_hitset *h = ldfi_hitset_create(4, 0);
	int out[4], n = -1;

	CHECK(ldfi_hitset_create(-1, 0) == NULL);
	CHECK(ldfi_hitset_create(3, -1) == NULL);
	ldfi_hitset_destroy(NULL);

	CHECK(ldfi_hitset_add_support(h, (const int[]){5}, 1) == LDFI_EINVAL);
	CHECK(ldfi_hitset_add_support(h, (const int[]){0}, 1) == LDFI_EINVAL);
	CHECK(ldfi_hitset_add_support(h, NULL, 1) == LDFI_EINVAL);
	CHECK(ldfi_hitset_add_support(h, out, -1) == LDFI_EINVAL);
	CHECK(ldfi_hitset_add_support(NULL, out, 0) == LDFI_EINVAL);
	CHECK(ldfi_hitset_add_atmost(h, (const int[]){1}, 1, -1) == LDFI_EINVAL);
	CHECK(ldfi_hitset_add_atmost(h, (const int[]){9}, 1, 0) == LDFI_EINVAL);
	CHECK(ldfi_hitset_block(h, (const int[]){-2}, 1) == LDFI_EINVAL);
	CHECK(ldfi_hitset_next(h, NULL, 3, &n) == LDFI_EINVAL);
	CHECK(ldfi_hitset_next(h, out, -1, &n) == LDFI_EINVAL);
	CHECK(ldfi_hitset_next(h, out, 4, NULL) == LDFI_EINVAL);
	CHECK(ldfi_hitset_next(NULL, out, 4, &n) == LDFI_EINVAL);
	CHECK(ldfi_hitset_set_search_budget(NULL, 1) == LDFI_EINVAL);
	CHECK(ldfi_hitset_set_search_budget(h, -1) == LDFI_EINVAL);

	SUP(h, 1, 2);
	SUP(h, 3);
	/* A too small buffer keeps the set for the next call. */
	CHECK(ldfi_hitset_next(h, out, 1, &n) == LDFI_ELIMIT);
	CHECK(n == 2);
	CHECK(ldfi_hitset_next(h, NULL, 0, &n) == LDFI_ELIMIT);
	CHECK(ldfi_hitset_next(h, out, 2, &n) == 1);
	CHECK(n == 2 && out[0] == 1 && out[1] == 3);
	/* The encoding is frozen after the first next(). */
	CHECK(SUP(h, 4) == LDFI_EINVAL);
	CHECK(ldfi_hitset_set_search_budget(h, 1) == LDFI_EINVAL);
	CHECK(ldfi_hitset_add_atmost(h, (const int[]){1, 2}, 2, 1) == LDFI_EINVAL);
	/* A pending set that a later block covers is dropped. */
	CHECK(ldfi_hitset_next(h, out, 1, &n) == LDFI_ELIMIT);
	CHECK(ldfi_hitset_block(h, (const int[]){2}, 1) == 0);
	CHECK(ldfi_hitset_next(h, out, 4, &n) == 0);
	CHECK(n == 0);
	ldfi_hitset_destroy(h);
}

/* ------------------------------------------------------- brute-force check */

static uint64_t rng_state;

static uint32_t rnd(uint32_t bound)
{
	uint64_t x = rng_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return (uint32_t)((x * 0x2545F4914F6CDD1DULL) >> 32) % bound;
}

#define MAXV 14
#define MAXSUP 20
#define MAXGRP 3
#define MAXBLK 3
#define MAXCOND 3

struct instance {
	int n, max_size;
	int nsup;
	uint32_t sup[MAXSUP];
	int ngrp;
	uint32_t grp[MAXGRP];
	int grp_k[MAXGRP];
	int npre;
	uint32_t pre[MAXBLK]; /* blocks before the first next() */
	int ncond;
	uint32_t cpos[MAXCOND], cneg[MAXCOND]; /* conditional supports */
	int cap_noise;			       /* call next() with a too small buffer sometimes */
};

static int mask_to_vars(uint32_t mask, int *vars)
{
	int n = 0;

	for (int v = 1; v <= MAXV; v++)
		if (mask & (1u << (v - 1)))
			vars[n++] = v;
	return n;
}

static uint32_t rand_set(int n, int max_elems)
{
	uint32_t m = 0;
	int k = 1 + (int)rnd((uint32_t)max_elems);

	for (int i = 0; i < k; i++)
		m |= 1u << rnd((uint32_t)n);
	return m;
}

static void rand_instance(struct instance *in)
{
	in->n = rnd(5) ? 6 + (int)rnd(MAXV - 5) : 1 + (int)rnd(MAXV);
	in->max_size = rnd(4) ? 0 : (int)rnd((uint32_t)in->n + 1);
	in->nsup = rnd(8) ? 3 + (int)rnd(MAXSUP - 2) : (int)rnd(4);
	for (int i = 0; i < in->nsup; i++)
		in->sup[i] = rnd(300) ? rand_set(in->n, 4) | rand_set(in->n, 1) : 0;
	in->ngrp = rnd(3) ? 0 : 1 + (int)rnd(MAXGRP);
	for (int i = 0; i < in->ngrp; i++) {
		in->grp[i] = rand_set(in->n, in->n);
		in->grp_k[i] = rnd(6) ? 1 + (int)rnd(3) : 0;
	}
	in->npre = rnd(4) ? 0 : 1 + (int)rnd(MAXBLK);
	for (int i = 0; i < in->npre; i++)
		in->pre[i] = rand_set(in->n, 3);
	in->ncond = rnd(3) ? 0 : 1 + (int)rnd(MAXCOND);
	for (int i = 0; i < in->ncond; i++) {
		in->cpos[i] = rnd(5) ? rand_set(in->n, 3) : 0;
		in->cneg[i] = rand_set(in->n, 3);
	}
	in->cap_noise = !rnd(4);
}

static int hits_all(const struct instance *in, uint32_t s)
{
	for (int i = 0; i < in->nsup; i++)
		if (!(in->sup[i] & s))
			return 0;
	return 1;
}

static int allowed(const struct instance *in, uint32_t s)
{
	for (int i = 0; i < in->ncond; i++)
		if (!(in->cpos[i] & s) && (s & in->cneg[i]) == in->cneg[i])
			return 0;
	if (in->max_size && __builtin_popcount(s) > in->max_size)
		return 0;
	for (int i = 0; i < in->ngrp; i++)
		if (__builtin_popcount(s & in->grp[i]) > in->grp_k[i])
			return 0;
	for (int i = 0; i < in->npre; i++)
		if ((s & in->pre[i]) == in->pre[i])
			return 0;
	return 1;
}

/* Size first, then the ascending variable list lexicographically. */
static int cmp_sets(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	int px = __builtin_popcount(x), py = __builtin_popcount(y);

	if (px != py)
		return px - py;
	if (x == y)
		return 0;
	/* The lowest differing variable decides: the set holding it is first. */
	return ((x ^ y) & -(x ^ y) & x) ? -1 : 1;
}

static uint32_t expected[1u << MAXV];
static unsigned char below[1u << MAXV]; /* the set or a subset of it is allowed */

/*
 * All minimal allowed sets of the instance (blocks before next() applied),
 * sorted. With conditional supports, removing one variable is not enough to
 * test minimality: below[] tells whether any subset is allowed (subsets of s
 * are numerically smaller, so they are done first).
 */
static int brute_force(const struct instance *in)
{
	int nexp = 0;

	for (uint32_t s = 0; s < (1u << in->n); s++) {
		int ok = hits_all(in, s) && allowed(in, s), sub = 0;

		for (int v = 0; v < in->n && !sub; v++)
			if (s & (1u << v))
				sub = below[s & ~(1u << v)];
		below[s] = ok || sub;
		if (ok && !sub)
			expected[nexp++] = s;
	}
	qsort(expected, (size_t)nexp, sizeof(*expected), cmp_sets);
	return nexp;
}

/* The lexicographic search's node budget for load(); -1: the default. */
static long search_budget = -1;

static struct ldfi_hitset *load(const struct instance *in, int *fails)
{
	struct ldfi_hitset *h = ldfi_hitset_create(in->n, in->max_size);
	int vars[MAXV], nv;

	if (!h) {
		++*fails;
		return NULL;
	}
	if (search_budget >= 0)
		*fails += ldfi_hitset_set_search_budget(h, search_budget) != 0;
	for (int i = 0; i < in->nsup; i++) {
		nv = mask_to_vars(in->sup[i], vars);
		*fails += ldfi_hitset_add_support(h, vars, nv) != 0;
	}
	for (int i = 0; i < in->ngrp; i++) {
		nv = mask_to_vars(in->grp[i], vars);
		*fails += ldfi_hitset_add_atmost(h, vars, nv, in->grp_k[i]) != 0;
	}
	for (int i = 0; i < in->ncond; i++) {
		int neg[MAXV], nn = mask_to_vars(in->cneg[i], neg);

		nv = mask_to_vars(in->cpos[i], vars);
		*fails += ldfi_hitset_add_conditional(h, vars, nv, neg, nn) != 0;
	}
	for (int i = 0; i < in->npre; i++) {
		nv = mask_to_vars(in->pre[i], vars);
		*fails += ldfi_hitset_block(h, vars, nv) != 0;
	}
	return h;
}

/* Sometimes a block after a returned set: a subset of it or a random set; 0 for none. */
static uint32_t maybe_block(const struct instance *in, uint32_t got)
{
	uint32_t b;

	if (rnd(6))
		return 0;
	b = rnd(2) ? got & rand_set(in->n, in->n) : rand_set(in->n, 3);
	if (b == 0 && rnd(20)) /* the empty block ends it all: rarely */
		b = got & -got;
	return b ? b : UINT32_MAX; /* UINT32_MAX: the empty block */
}

/*
 * Lexicographic mode: the exact sequence is known in advance. Returns the
 * number of failures seen for this instance.
 */
static int cross_check(const struct instance *in, int *sets_seen)
{
	struct ldfi_hitset *h;
	uint32_t mid[64];
	int nexp = brute_force(in), nmid = 0, vars[MAXV], nv, fails = 0;

	h = load(in, &fails);
	if (!h)
		return fails;

	for (int e = 0;; e++) {
		int out[MAXV], n = -1, r, blocked = 0;
		uint32_t got = 0;

		/* The next expected set is the first not covered by a later block. */
		while (e < nexp) {
			blocked = 0;
			for (int b = 0; b < nmid && !blocked; b++)
				blocked = (expected[e] & mid[b]) == mid[b];
			if (!blocked)
				break;
			e++;
		}
		if (in->cap_noise && e < nexp && __builtin_popcount(expected[e]) > 0) {
			r = ldfi_hitset_next(h, out, __builtin_popcount(expected[e]) - 1, &n);
			fails += r != LDFI_ELIMIT || n != __builtin_popcount(expected[e]);
		}
		r = ldfi_hitset_next(h, out, MAXV, &n);
		if (e == nexp) {
			fails += r != 0;
			break;
		}
		if (r != 1) {
			fails++;
			break;
		}
		for (int i = 0; i < n; i++) {
			fails += i > 0 && out[i] <= out[i - 1];
			got |= 1u << (out[i] - 1);
		}
		if (got != expected[e]) {
			fails++;
			break;
		}
		++*sets_seen;
		uint32_t b = nmid < 64 ? maybe_block(in, got) : 0;

		if (b) {
			b = b == UINT32_MAX ? 0 : b;
			mid[nmid++] = b;
			nv = mask_to_vars(b, vars);
			fails += ldfi_hitset_block(h, vars, nv) != 0;
		}
	}
	ldfi_hitset_destroy(h);
	return fails;
}

/*
 * Solver order within a size: the order is not known in advance, so check
 * the properties. Each returned set is a new minimal hitting set, covered by
 * no block made before, no smaller than the previous one; each set never
 * returned is covered by a block made before the enumeration moved past its
 * size.
 */
static int cross_check_any_order(const struct instance *in, int *sets_seen)
{
	struct ldfi_hitset *h;
	uint32_t mid[64], got_sets[1u << MAXV];
	int mid_time[64], nexp = brute_force(in), nmid = 0, ngot = 0, vars[MAXV], nv, fails = 0;
	unsigned char *seen = calloc((size_t)nexp + 1, 1);

	h = load(in, &fails);
	if (!h || !seen) {
		free(seen);
		ldfi_hitset_destroy(h);
		return fails + 1;
	}
	ldfi_hitset_set_lex(h, 0);
	for (;;) {
		int out[MAXV], n = -1, r = ldfi_hitset_next(h, out, MAXV, &n), e;
		uint32_t got = 0, key, b;

		if (r == 0)
			break;
		if (r != 1 || ngot == (1 << MAXV)) {
			fails++;
			break;
		}
		for (int i = 0; i < n; i++) {
			fails += i > 0 && out[i] <= out[i - 1];
			got |= 1u << (out[i] - 1);
		}
		key = got;
		{
			uint32_t *p =
			    bsearch(&key, expected, (size_t)nexp, sizeof(*expected), cmp_sets);

			e = p ? (int)(p - expected) : -1;
		}
		if (e < 0 || seen[e]) {
			fails++;
			break;
		}
		seen[e] = 1;
		for (int i = 0; i < nmid; i++)
			fails += (got & mid[i]) == mid[i];
		fails +=
		    ngot > 0 && __builtin_popcount(got) < __builtin_popcount(got_sets[ngot - 1]);
		got_sets[ngot++] = got;
		++*sets_seen;
		b = nmid < 64 ? maybe_block(in, got) : 0;
		if (b) {
			b = b == UINT32_MAX ? 0 : b;
			mid_time[nmid] = ngot;
			mid[nmid++] = b;
			nv = mask_to_vars(b, vars);
			fails += ldfi_hitset_block(h, vars, nv) != 0;
		}
	}
	for (int e = 0; e < nexp; e++) {
		int size = __builtin_popcount(expected[e]), past = 0, covered = 0;

		if (seen[e])
			continue;
		while (past < ngot && __builtin_popcount(got_sets[past]) <= size)
			past++;
		for (int i = 0; i < nmid && !covered; i++)
			covered = mid_time[i] <= past && (expected[e] & mid[i]) == mid[i];
		fails += !covered;
	}
	free(seen);
	ldfi_hitset_destroy(h);
	return fails;
}

static void test_random_vs_bruteforce(int lex)
{
	int bad = 0, sets = 0;

	rng_state = 0x9E3779B97F4A7C15ULL;
	for (int t = 0; t < 400; t++) {
		struct instance in;
		int f;

		rand_instance(&in);
		f = lex ? cross_check(&in, &sets) : cross_check_any_order(&in, &sets);
		if (f) {
			fprintf(stderr,
				"lex=%d instance %d (n=%d max=%d sup=%d grp=%d pre=%d cond=%d): %d "
				"failures\n",
				lex, t, in.n, in.max_size, in.nsup, in.ngrp, in.npre, in.ncond, f);
			bad++;
		}
	}
	CHECK(bad == 0);
	CHECK(sets > 2000); /* the instances are not all trivial */
	printf("random cross-check (%s, search budget %ld): 400 instances, %d sets compared\n",
	       lex ? "lexicographic" : "solver order", search_budget, sets);
}

/* mask with variable v renamed rank[v] (both 1-based). */
static uint32_t rename_mask(uint32_t mask, const int *rank, int n)
{
	uint32_t out = 0;

	for (int v = 1; v <= n; v++)
		if (mask & (1u << (v - 1)))
			out |= 1u << (rank[v] - 1);
	return out;
}

static struct instance renamed(const struct instance *in, const int *rank)
{
	struct instance r = *in;

	for (int i = 0; i < in->nsup; i++)
		r.sup[i] = rename_mask(in->sup[i], rank, in->n);
	for (int i = 0; i < in->ngrp; i++)
		r.grp[i] = rename_mask(in->grp[i], rank, in->n);
	for (int i = 0; i < in->npre; i++)
		r.pre[i] = rename_mask(in->pre[i], rank, in->n);
	for (int i = 0; i < in->ncond; i++) {
		r.cpos[i] = rename_mask(in->cpos[i], rank, in->n);
		r.cneg[i] = rename_mask(in->cneg[i], rank, in->n);
	}
	return r;
}

/*
 * ldfi_hitset_set_order: enumerating an instance by rank is enumerating it
 * by variable with every variable v renamed rank[v] (which the brute-force
 * cross-check covers), sets still written ascending by variable. Random
 * instances, random permutations.
 */
static void test_order_vs_renamed(void)
{
	int bad = 0, sets = 0;

	rng_state = 0x5DEECE66DULL;
	for (int t = 0; t < 300; t++) {
		struct instance in, rn;
		struct ldfi_hitset *a, *b;
		int rank[MAXV + 1], fails = 0;

		rand_instance(&in);
		for (int v = 1; v <= in.n; v++)
			rank[v] = v;
		for (int v = in.n; v > 1; v--) { /* Fisher-Yates */
			int j = 1 + (int)rnd((uint32_t)v), x = rank[v];

			rank[v] = rank[j];
			rank[j] = x;
		}
		rn = renamed(&in, rank);
		a = load(&in, &fails);
		b = load(&rn, &fails);
		fails += !a || !b || ldfi_hitset_set_order(a, rank) != 0;
		for (int k = 0; !fails; k++) {
			int oa[MAXV], ob[MAXV], na = -1, nb = -1;
			int ra = ldfi_hitset_next(a, oa, MAXV, &na),
			    rb = ldfi_hitset_next(b, ob, MAXV, &nb);
			uint32_t ma = 0, mb = 0;

			fails += ra != rb;
			if (ra != 1 || rb != 1)
				break;
			for (int i = 0; i < na; i++) {
				fails += i > 0 && oa[i] <= oa[i - 1];
				ma |= 1u << (oa[i] - 1);
			}
			for (int i = 0; i < nb; i++)
				mb |= 1u << (ob[i] - 1);
			fails += rename_mask(ma, rank, in.n) != mb;
			sets++;
		}
		fails += ldfi_hitset_set_order(a, rank) != LDFI_EINVAL; /* after next() */
		ldfi_hitset_destroy(a);
		ldfi_hitset_destroy(b);
		if (fails) {
			fprintf(stderr, "order: instance %d (n=%d): %d failures\n", t, in.n, fails);
			bad++;
		}
	}
	CHECK(bad == 0);
	CHECK(sets > 1000);
	printf("order by rank vs renamed variables: 300 instances, %d sets compared\n", sets);
}

/* A random instance of n variables and m supports of w draws each. */
/*
 * A rebuilt solver (ldfi_hitset_start_at): the same supports, the first k
 * sets of the sequence blocked, some allowed sets further on blocked too
 * (what strategy ldfi does with tried sets), started at the size of the
 * k-th set: it must return the rest of the sequence minus those sets.
 */
static void test_resume_vs_bruteforce(void)
{
	int bad = 0, sets = 0;

	rng_state = 0x2545F4914F6CDD1DULL;
	for (int t = 0; t < 400; t++) {
		struct instance in;
		struct ldfi_hitset *h;
		uint32_t extra[4];
		int nexp, k, nextra = 0, fails = 0, vars[MAXV], nv;

		rand_instance(&in);
		in.cap_noise = 0;
		nexp = brute_force(&in);
		k = (int)rnd((uint32_t)nexp + 1);
		for (int i = 0; i < 4; i++) {
			uint32_t x = rand_set(in.n, in.n);

			if (hits_all(&in, x) && allowed(&in, x))
				extra[nextra++] = x;
		}
		h = load(&in, &fails);
		if (!h) {
			bad++;
			continue;
		}
		for (int i = 0; i < k; i++) {
			nv = mask_to_vars(expected[i], vars);
			fails += ldfi_hitset_block(h, vars, nv) != 0;
		}
		for (int i = 0; i < nextra; i++) {
			nv = mask_to_vars(extra[i], vars);
			fails += ldfi_hitset_block(h, vars, nv) != 0;
		}
		fails += ldfi_hitset_start_at(h, k ? __builtin_popcount(expected[k - 1]) : 0) != 0;
		for (int i = k; i <= nexp; i++) {
			int out[MAXV], n, r;
			uint32_t got = 0;
			bool skip = false;

			for (int e = 0; e < nextra && i < nexp; e++)
				skip = skip || extra[e] == expected[i];
			if (skip)
				continue;
			r = ldfi_hitset_next(h, out, MAXV, &n);
			if (i == nexp) {
				fails += r != 0;
				break;
			}
			for (int e = 0; r == 1 && e < n; e++)
				got |= 1u << (out[e] - 1);
			fails += r != 1 || got != expected[i];
			sets++;
		}
		fails += ldfi_hitset_start_at(h, 0) != LDFI_EINVAL; /* after next() */
		ldfi_hitset_destroy(h);
		if (fails) {
			fprintf(stderr, "resume: instance %d (n=%d, k=%d of %d): %d failures\n", t,
				in.n, k, nexp, fails);
			bad++;
		}
	}
	CHECK(bad == 0);
	CHECK(sets > 1000);
	CHECK(ldfi_hitset_start_at(NULL, 0) == LDFI_EINVAL);
	printf("resume cross-check: 400 instances, %d sets compared\n", sets);
}

static struct ldfi_hitset *random_hitset(uint64_t seed, int n, int m, int w)
{
	struct ldfi_hitset *h = ldfi_hitset_create(n, 0);
	int v[8];

	rng_state = seed;
	for (int i = 0; i < m && h; i++) {
		for (int j = 0; j < w; j++)
			v[j] = 1 + (int)rnd((uint32_t)n);
		ldfi_hitset_add_support(h, v, w);
	}
	return h;
}

static int stop_every_3rd(void *arg)
{
	int *calls = arg;

	return ++*calls % 3 == 0;
}

/*
 * Two enumerators fed the same calls agree set by set, in both modes; in
 * lexicographic mode, also when one of them is interrupted now and then.
 */
static void test_deterministic(int lex, int interrupt)
{
	struct ldfi_hitset *h[2];
	int same = 1, count = 0, calls = 0, stopped = 0;

	for (int k = 0; k < 2; k++) {
		h[k] = random_hitset(42, 40, 60, 4);
		ldfi_hitset_set_lex(h[k], lex);
	}
	if (interrupt)
		ldfi_hitset_set_interrupt(h[1], stop_every_3rd, &calls);
	for (;;) {
		int out[2][64], n[2], r[2];

		for (int k = 0; k < 2; k++) {
			do {
				r[k] = ldfi_hitset_next(h[k], out[k], 64, &n[k]);
				stopped += r[k] == LDFI_HITSET_STOPPED;
			} while (r[k] == LDFI_HITSET_STOPPED);
		}
		if (r[0] != r[1] ||
		    (r[0] == 1 && (n[0] != n[1] || memcmp(out[0], out[1], sizeof(int) * n[0])))) {
			same = 0;
			break;
		}
		if (r[0] != 1 || ++count == 200)
			break;
	}
	CHECK(same);
	CHECK(count == 200);
	CHECK(!interrupt || stopped > 0);
	ldfi_hitset_destroy(h[0]);
	ldfi_hitset_destroy(h[1]);
}

static int stop_always(void *arg)
{
	(void)arg;
	return 1;
}

static void test_interrupt_off(void)
{
	struct ldfi_hitset *h = random_hitset(7, 40, 60, 4);
	int out[64], n, r;

	ldfi_hitset_set_interrupt(h, stop_always, NULL);
	r = ldfi_hitset_next(h, out, 64, &n);
	CHECK(r == LDFI_HITSET_STOPPED);
	CHECK(ldfi_hitset_next(h, out, 64, &n) == LDFI_HITSET_STOPPED);
	ldfi_hitset_set_interrupt(h, NULL, NULL);
	CHECK(ldfi_hitset_next(h, out, 64, &n) == 1);
	ldfi_hitset_destroy(h);
}

int main(void)
{
	test_note_example();
	test_smallest_first();
	test_empty_support();
	test_max_size();
	test_atmost();
	test_conditional();
	test_block();
	test_limits_and_errors();
	test_random_vs_bruteforce(1);
	/* The same sets from the SAT probes alone, and from a search that
	 * runs out of nodes now and then (lexsearch.h). */
	search_budget = 0;
	test_random_vs_bruteforce(1);
	search_budget = 3;
	test_random_vs_bruteforce(1);
	search_budget = -1;
	test_random_vs_bruteforce(0);
	test_resume_vs_bruteforce();
	test_order_vs_renamed();
	test_deterministic(1, 0);
	test_deterministic(0, 0);
	test_deterministic(1, 1); /* solver order may change when interrupted */
	test_interrupt_off();
	return test_done();
}
