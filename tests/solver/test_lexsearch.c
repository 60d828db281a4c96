/*
 * test_lexsearch.c - the depth-first lexicographic search: hand cases, the
 * argument contract, and a randomized cross-check against brute force over
 * all subsets, of the answer at every size and of a whole enumeration
 * (find, block, find again) as hitset.c drives it.
 */
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "ldfi/ldfi.h"
#include "solver/lexsearch.h"
#include "test.h"

#define SUP(x, ...)                                                                                \
	ldfi_lexsearch_add_support((x), (const int[]){__VA_ARGS__},                                \
				   (int)(sizeof((int[]){__VA_ARGS__}) / sizeof(int)))

/* The first set of at most `size` as text ("1 3", "" for the empty set),
 * "NONE", "LIMIT" or "ERR n". */
static const char *first_str(struct ldfi_lexsearch *x, int size, long budget)
{
	static char buf[256];
	int out[64], n = -1, r = ldfi_lexsearch_first(x, size, budget, out, &n);
	size_t len = 0;

	if (r == 0)
		return "NONE";
	if (r == LDFI_ELIMIT)
		return "LIMIT";
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

static void test_lexicographic(void)
{
	/* Size 2: {0,3}, {1,2} and {1,3} hit, in that order. */
	struct ldfi_lexsearch *x = ldfi_lexsearch_create(4);

	CHECK(x != NULL);
	CHECK(SUP(x, 0, 1) == 0);
	CHECK(SUP(x, 2, 3) == 0);
	CHECK(SUP(x, 1, 3) == 0);
	CHECK_STR(first_str(x, 1, LONG_MAX), "NONE");
	CHECK_STR(first_str(x, 2, LONG_MAX), "0 3");
	CHECK(ldfi_lexsearch_add_block(x, (const int[]){0, 3}, 2) == 0);
	CHECK_STR(first_str(x, 2, LONG_MAX), "1 2");
	CHECK(ldfi_lexsearch_add_block(x, (const int[]){2, 1}, 2) == 0);
	CHECK_STR(first_str(x, 2, LONG_MAX), "1 3");
	CHECK(ldfi_lexsearch_add_block(x, (const int[]){1, 3}, 2) == 0);
	CHECK_STR(first_str(x, 2, LONG_MAX), "NONE");
	/* Every larger set that hits holds one of those. */
	CHECK_STR(first_str(x, 4, LONG_MAX), "NONE");
	CHECK(ldfi_lexsearch_nodes(x) > 0);
	ldfi_lexsearch_destroy(x);
}

static void test_constraints(void)
{
	struct ldfi_lexsearch *x = ldfi_lexsearch_create(5);

	/* Nothing to hit: the empty set. */
	CHECK_STR(first_str(x, 0, LONG_MAX), "");
	CHECK(SUP(x, 0, 4) == 0);
	CHECK(SUP(x, 1, 4) == 0);
	CHECK_STR(first_str(x, 1, LONG_MAX), "4");
	/* At most one of 0, 1: {4} still; block it and size 2 has none. */
	CHECK(ldfi_lexsearch_add_atmost(x, (const int[]){0, 1}, 2, 1) == 0);
	CHECK(ldfi_lexsearch_add_block(x, (const int[]){4}, 1) == 0);
	CHECK_STR(first_str(x, 2, LONG_MAX), "NONE");
	ldfi_lexsearch_destroy(x);

	/* "2, or not 0": {0} alone fails it; {0,2} and {1} qualify. */
	x = ldfi_lexsearch_create(3);
	CHECK(SUP(x, 0, 1) == 0);
	CHECK(ldfi_lexsearch_add_conditional(x, (const int[]){2}, 1, (const int[]){0}, 1) == 0);
	CHECK_STR(first_str(x, 1, LONG_MAX), "1");
	CHECK_STR(first_str(x, 2, LONG_MAX), "0 2");
	/* An empty support: nothing qualifies. */
	CHECK(ldfi_lexsearch_add_support(x, NULL, 0) == 0);
	CHECK_STR(first_str(x, 3, LONG_MAX), "NONE");
	ldfi_lexsearch_destroy(x);

	/* Constraints added between searches count from the next one. */
	x = ldfi_lexsearch_create(3);
	CHECK(SUP(x, 0, 1) == 0);
	CHECK_STR(first_str(x, 1, LONG_MAX), "0");
	CHECK(ldfi_lexsearch_add_conditional(x, (const int[]){1}, 1, (const int[]){0}, 1) == 0);
	CHECK_STR(first_str(x, 1, LONG_MAX), "1");
	CHECK(ldfi_lexsearch_add_conditional(x, (const int[]){2}, 1, (const int[]){1}, 1) == 0);
	CHECK_STR(first_str(x, 1, LONG_MAX), "NONE");
	CHECK_STR(first_str(x, 2, LONG_MAX), "1 2");
	ldfi_lexsearch_destroy(x);

	/* A new condition of a known positive part, likewise. */
	x = ldfi_lexsearch_create(3);
	CHECK(SUP(x, 0, 1) == 0);
	CHECK(ldfi_lexsearch_add_conditional(x, (const int[]){2}, 1, (const int[]){0}, 1) == 0);
	CHECK_STR(first_str(x, 1, LONG_MAX), "1");
	CHECK(ldfi_lexsearch_add_conditional(x, (const int[]){2}, 1, (const int[]){1}, 1) == 0);
	CHECK_STR(first_str(x, 1, LONG_MAX), "NONE");
	CHECK_STR(first_str(x, 2, LONG_MAX), "0 2");
	ldfi_lexsearch_destroy(x);

	/* A new pairing of a known part and a known condition, likewise. */
	x = ldfi_lexsearch_create(4);
	CHECK(SUP(x, 0, 1) == 0);
	CHECK(ldfi_lexsearch_add_conditional(x, (const int[]){2}, 1, (const int[]){0}, 1) == 0);
	CHECK(ldfi_lexsearch_add_conditional(x, (const int[]){3}, 1, (const int[]){1}, 1) == 0);
	CHECK_STR(first_str(x, 1, LONG_MAX), "NONE");
	CHECK_STR(first_str(x, 2, LONG_MAX), "0 2");
	CHECK(ldfi_lexsearch_add_conditional(x, (const int[]){3}, 1, (const int[]){0}, 1) == 0);
	CHECK_STR(first_str(x, 2, LONG_MAX), "1 3");
	ldfi_lexsearch_destroy(x);

	/* An empty block: nothing qualifies. */
	x = ldfi_lexsearch_create(2);
	CHECK(ldfi_lexsearch_add_block(x, NULL, 0) == 0);
	CHECK_STR(first_str(x, 2, LONG_MAX), "NONE");
	ldfi_lexsearch_destroy(x);
}

static void test_budget(void)
{
	struct ldfi_lexsearch *x = ldfi_lexsearch_create(6);

	CHECK(SUP(x, 0, 1) == 0);
	CHECK(SUP(x, 2, 3) == 0);
	CHECK(SUP(x, 4, 5) == 0);
	CHECK_STR(first_str(x, 3, 1), "LIMIT");
	/* Unchanged by the interrupted search. */
	CHECK_STR(first_str(x, 3, LONG_MAX), "0 2 4");
	ldfi_lexsearch_destroy(x);
}

static void test_errors(void)
{
	struct ldfi_lexsearch *x = ldfi_lexsearch_create(3);
	int out[3], n;

	CHECK(ldfi_lexsearch_create(-1) == NULL);
	CHECK(SUP(x, 3) == LDFI_EINVAL);
	CHECK(SUP(x, -1) == LDFI_EINVAL);
	CHECK(ldfi_lexsearch_add_support(NULL, (const int[]){0}, 1) == LDFI_EINVAL);
	CHECK(ldfi_lexsearch_add_support(x, NULL, 1) == LDFI_EINVAL);
	CHECK(ldfi_lexsearch_add_atmost(x, (const int[]){0}, 1, -1) == LDFI_EINVAL);
	CHECK(ldfi_lexsearch_add_conditional(x, (const int[]){0}, 1, (const int[]){5}, 1) ==
	      LDFI_EINVAL);
	CHECK(ldfi_lexsearch_add_block(x, (const int[]){7}, 1) == LDFI_EINVAL);
	CHECK(ldfi_lexsearch_first(x, -1, 1, out, &n) == LDFI_EINVAL);
	CHECK(ldfi_lexsearch_first(NULL, 1, 1, out, &n) == LDFI_EINVAL);
	CHECK(ldfi_lexsearch_first(x, 1, 1, NULL, &n) == LDFI_EINVAL);
	CHECK(ldfi_lexsearch_nodes(NULL) == 0);
	CHECK(ldfi_lexsearch_condition(x, NULL, 0) == LDFI_EINVAL);
	CHECK(ldfi_lexsearch_part(x, (const int[]){4}, 1) == LDFI_EINVAL);
	CHECK(ldfi_lexsearch_add_pair(x, 0, 0) == LDFI_EINVAL); /* none made yet */
	CHECK(ldfi_lexsearch_part(x, (const int[]){1}, 1) == 0);
	CHECK(ldfi_lexsearch_part(x, (const int[]){1}, 1) == 0); /* the same part */
	CHECK(ldfi_lexsearch_condition(x, (const int[]){2}, 1) == 0);
	CHECK(ldfi_lexsearch_add_pair(x, 0, 1) == LDFI_EINVAL);
	CHECK(ldfi_lexsearch_add_pair(x, -1, 0) == LDFI_EINVAL);
	CHECK(ldfi_lexsearch_add_pair(NULL, 0, 0) == LDFI_EINVAL);
	CHECK(ldfi_lexsearch_add_pair(x, 0, 0) == 0);
	ldfi_lexsearch_destroy(x);
	ldfi_lexsearch_destroy(NULL);
}

/* ------------------------------------------------------------ brute force */

#define MAXP 14

struct cons {
	uint32_t pos, neg; /* a support when neg is 0 */
};

struct instance {
	int m;
	struct cons c[24];
	int nc;
	uint32_t am[4];
	int am_k[4], nam;
	uint32_t bk[8];
	int nbk;
};

static uint64_t rng_state;

static uint32_t rnd(uint32_t bound)
{
	rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(rng_state >> 33) % bound;
}

static uint32_t rand_set(int m, int max_elems)
{
	uint32_t s = 0;
	int k = 1 + (int)rnd((uint32_t)max_elems);

	for (int i = 0; i < k; i++)
		s |= 1u << rnd((uint32_t)m);
	return s;
}

static int to_list(uint32_t s, int *out)
{
	int n = 0;

	for (int p = 0; p < MAXP; p++)
		if (s >> p & 1)
			out[n++] = p;
	return n;
}

static void rand_instance(struct instance *in)
{
	in->m = 1 + (int)rnd(MAXP);
	in->nc = 1 + (int)rnd(24);
	for (int i = 0; i < in->nc; i++) {
		in->c[i].pos = rand_set(in->m, 4);
		in->c[i].neg = rnd(4) ? 0 : rand_set(in->m, 2) & ~in->c[i].pos;
	}
	in->nam = (int)rnd(3);
	for (int i = 0; i < in->nam; i++) {
		in->am[i] = rand_set(in->m, 6);
		in->am_k[i] = (int)rnd(3);
	}
	in->nbk = (int)rnd(4);
	for (int i = 0; i < in->nbk; i++)
		in->bk[i] = rand_set(in->m, 3);
}

static struct ldfi_lexsearch *load(const struct instance *in)
{
	struct ldfi_lexsearch *x = ldfi_lexsearch_create(in->m);
	int a[MAXP], b[MAXP], fails = 0;

	for (int i = 0; i < in->nc; i++) {
		int na = to_list(in->c[i].pos, a), nb = to_list(in->c[i].neg, b), g, d;

		/* By parts now and then (hitset's way). */
		if (nb && i % 2) {
			g = ldfi_lexsearch_part(x, a, na);
			d = ldfi_lexsearch_condition(x, b, nb);
			fails += g < 0 || d < 0 || ldfi_lexsearch_add_pair(x, g, d) != 0;
		} else {
			fails += ldfi_lexsearch_add_conditional(x, a, na, b, nb) != 0;
		}
	}
	for (int i = 0; i < in->nam; i++)
		fails += ldfi_lexsearch_add_atmost(x, a, to_list(in->am[i], a), in->am_k[i]) != 0;
	for (int i = 0; i < in->nbk; i++)
		fails += ldfi_lexsearch_add_block(x, a, to_list(in->bk[i], a)) != 0;
	CHECK(fails == 0);
	return x;
}

static bool qualifies(const struct instance *in, uint32_t s, const uint32_t *extra, int nextra)
{
	for (int i = 0; i < in->nc; i++)
		if (!(s & in->c[i].pos) && (s & in->c[i].neg) == in->c[i].neg)
			return false;
	for (int i = 0; i < in->nam; i++)
		if (__builtin_popcount(s & in->am[i]) > in->am_k[i])
			return false;
	for (int i = 0; i < in->nbk; i++)
		if ((s & in->bk[i]) == in->bk[i])
			return false;
	for (int i = 0; i < nextra; i++)
		if ((s & extra[i]) == extra[i])
			return false;
	return true;
}

/* Every element, in ascending order, hits the positive part of a support
 * or conditional that the elements before it leave unhit, where a
 * conditional counts only while none of its negative positions before the
 * element was left out (lexsearch.h). */
static bool irredundant(const struct instance *in, uint32_t s)
{
	uint32_t before = 0;

	for (int p = 0; p < in->m; p++) {
		bool news = false;

		if (!(s >> p & 1))
			continue;
		for (int i = 0; i < in->nc && !news; i++)
			news = (in->c[i].pos >> p & 1) && !(in->c[i].pos & before) &&
			       !(in->c[i].neg & ((1u << p) - 1) & ~before);
		if (!news)
			return false;
		before |= 1u << p;
	}
	return true;
}

/* Whether list a (ascending positions of mask a) comes before list b: at
 * their first difference p, the list holding p is first unless the other
 * one has ended (a prefix comes first). */
static bool lex_before(uint32_t a, uint32_t b)
{
	int p;

	if (a == b)
		return false;
	p = __builtin_ctz(a ^ b);
	return a >> p & 1 ? (b >> (p + 1)) != 0 : (a >> (p + 1)) == 0;
}

/* The expected answer of first(size) with `extra` blocks: the first
 * irredundant qualifying set of at most `size`, 0 if none (*found). */
static uint32_t expect(const struct instance *in, int size, const uint32_t *extra, int nextra,
		       bool *found)
{
	uint32_t best = 0;

	*found = false;
	for (uint32_t s = 0; s < 1u << in->m; s++) {
		if (__builtin_popcount(s) > size || !qualifies(in, s, extra, nextra) ||
		    !irredundant(in, s))
			continue;
		if (!*found || lex_before(s, best))
			best = s;
		*found = true;
	}
	return best;
}

static uint32_t mask_of(const int *out, int n)
{
	uint32_t s = 0;

	for (int i = 0; i < n; i++)
		s |= 1u << out[i];
	return s;
}

/* first() at every size against brute force; then an enumeration from the
 * smallest size as hitset drives it, each answer blocked. */
static int cross_check(const struct instance *in)
{
	struct ldfi_lexsearch *x = load(in);
	uint32_t extra[1u << 10];
	int out[MAXP], n, bad = 0, nextra = 0;
	bool found;

	for (int size = 0; size <= in->m; size++) {
		uint32_t want = expect(in, size, NULL, 0, &found);
		int r = ldfi_lexsearch_first(x, size, LONG_MAX, out, &n);

		bad += r != (found ? 1 : 0) || (found && mask_of(out, n) != want);
		/* A tight budget: over it, or the same answer. */
		r = ldfi_lexsearch_first(x, size, 1 + (long)rnd(4), out, &n);
		bad += r != LDFI_ELIMIT &&
		       (r != (found ? 1 : 0) || (found && mask_of(out, n) != want));
	}
	for (int size = 0; size <= in->m && nextra < (int)(sizeof(extra) / sizeof(*extra));) {
		uint32_t want = expect(in, size, extra, nextra, &found);
		int r = ldfi_lexsearch_first(x, size, LONG_MAX, out, &n);

		if (r != (found ? 1 : 0) || (found && mask_of(out, n) != want)) {
			bad++;
			break;
		}
		if (!found) {
			size++;
			continue;
		}
		/* The level invariant: at most `size` means exactly `size`. */
		bad += n != size;
		extra[nextra++] = want;
		CHECK(ldfi_lexsearch_add_block(x, out, n) == 0);
	}
	ldfi_lexsearch_destroy(x);
	return bad;
}

static void test_random_vs_bruteforce(void)
{
	int bad = 0;

	for (uint64_t seed = 1; seed <= 1500; seed++) {
		struct instance in;
		int b;

		rng_state = seed;
		rand_instance(&in);
		if ((b = cross_check(&in)) != 0)
			fprintf(stderr, "seed %llu: %d mismatches\n", (unsigned long long)seed, b);
		bad += b;
	}
	CHECK(bad == 0);
}

int main(void)
{
	test_lexicographic();
	test_constraints();
	test_budget();
	test_errors();
	test_random_vs_bruteforce();
	return test_done();
}
