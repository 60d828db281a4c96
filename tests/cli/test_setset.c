/*
 * test_setset.c - the set of fault sets (src/explore/setset.c): membership, the
 * insertion numbers of ldfi_setset_find and ldfi_setset_get, growth past
 * many rehashes, and sets that are not ascending or hold large variables.
 */
#include <stdint.h>
#include <stdlib.h>

#include "ldfi/ldfi.h"
#include "src/explore/strategy.h"
#include "test.h"

/* The i-th test set: 0..7 variables from i, some large. */
static int make(long i, int *vars)
{
	int n = (int)(i % 8);

	for (int k = 0; k < n; k++)
		vars[k] = (int)(1 + i + 37 * k) * (k == 6 ? 1000 : 1);
	return n;
}

int main(void)
{
	struct ldfi_setset *s = ldfi_setset_create();
	int vars[16], out[16], bad = 0;
	const long count = 20000;

	CHECK(s != NULL);
	CHECK(ldfi_setset_count(s) == 0);
	CHECK(!ldfi_setset_has(s, NULL, 0));
	CHECK(ldfi_setset_find(s, NULL, 0) == -1);
	for (long i = 0; i < count; i++) {
		int n = make(i, vars);
		int r = ldfi_setset_add(s, vars, n);

		/* Sets i and i + 8k with the same n differ; i % 8 == 0 is empty. */
		bad += r != (i < 8 || n ? 1 : 0);
	}
	CHECK(bad == 0);
	/* Distinct: every non-empty one, plus the empty set once. */
	CHECK(ldfi_setset_count(s) == count - count / 8 + 1);
	bad = 0;
	for (long i = 0; i < count; i++) {
		int n = make(i, vars), m;
		long idx = ldfi_setset_find(s, vars, n);

		bad += !ldfi_setset_has(s, vars, n) || idx < 0;
		m = ldfi_setset_get(s, idx, out, 16);
		bad += m != n || (n && memcmp(out, vars, (size_t)n * sizeof(int)));
		bad += ldfi_setset_add(s, vars, n) != 0;
	}
	CHECK(bad == 0);
	/* Numbers are insertion order. */
	CHECK(ldfi_setset_find(s, NULL, 0) == 0);
	CHECK(ldfi_setset_find(s, (const int[]){2}, 1) == 1);
	/* Not ascending, negative gaps, absent neighbours. */
	CHECK(ldfi_setset_add(s, (const int[]){9, 3, 1000000, 2}, 4) == 1);
	CHECK(ldfi_setset_get(s, ldfi_setset_count(s) - 1, out, 16) == 4);
	CHECK(out[0] == 9 && out[1] == 3 && out[2] == 1000000 && out[3] == 2);
	CHECK(!ldfi_setset_has(s, (const int[]){9, 3, 1000000}, 3));
	CHECK(!ldfi_setset_has(s, (const int[]){9, 3, 1000000, 3}, 4));
	CHECK(ldfi_setset_get(s, ldfi_setset_count(s) - 1, out, 3) == LDFI_ELIMIT);
	CHECK(ldfi_setset_get(s, -1, out, 16) == LDFI_EINVAL);
	CHECK(ldfi_setset_get(s, ldfi_setset_count(s), out, 16) == LDFI_EINVAL);
	ldfi_setset_destroy(s);
	ldfi_setset_destroy(NULL);
	return test_done();
}
