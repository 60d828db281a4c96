/*
 * test_samerun.c - fault sets that run as a smaller set already run
 * (src/explore/samerun.c), on hand-made runs of three nodes: an omission on a
 * channel and round the run without it used is never skipped; one it did
 * not use is, also through sets skipped so; a set whose smaller run is not
 * known, or that only differs by a crash, is run.
 */
#include <stdlib.h>
#include <string.h>

#include "ldfi/conf.h"
#include "ldfi/ldfi.h"
#include "src/explore/samerun.h"
#include "test.h"

static const char conf_text[] = "[explore]\neot = 4\neff = 3\ncrashes = 1\n"
				"[source s]\nnode = a\nrecords = 1\nto = k\n"
				"[sink k]\nnodes = b, c\n"
				"[check d]\nkind = delivered\nsink = k\n";

static struct ldfi_space sp;

static int omit(int a, int b, int t)
{
	struct ldfi_fault f = {LDFI_FAULT_OMIT, a, b, t};

	return ldfi_space_var(&sp, &f);
}

static int cmp_int(const void *x, const void *y)
{
	return *(const int *)x - *(const int *)y;
}

/* Fault set of n variables, ascending, in v. */
static int *set(int *v, int n)
{
	qsort(v, (size_t)n, sizeof(int), cmp_int);
	return v;
}

/* Note the run of set v[0..n) as sending on the channel-rounds of
 * sends[0..k) (triples sender, receiver, round). */
static void ran(struct ldfi_samerun *sr, struct ldfi_setset *tried, int *v, int n,
		const int (*sends)[3], int k)
{
	struct ldfi_msg msgs[8];
	struct ldfi_trace tr;

	memset(&tr, 0, sizeof(tr));
	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < k; i++) {
		msgs[i].src_node = sends[i][0];
		msgs[i].dst_node = sends[i][1];
		msgs[i].send_round = sends[i][2];
	}
	tr.msgs = msgs;
	tr.n_msgs = (size_t)k;
	CHECK(ldfi_setset_add(tried, set(v, n), n) == 1);
	CHECK(ldfi_samerun_add(sr, ldfi_setset_find(tried, v, n), &tr) == 0);
}

int main(void)
{
	struct ldfi_conf *conf = NULL;
	struct ldfi_samerun *sr;
	struct ldfi_setset *tried = ldfi_setset_create();
	char err[256];
	enum { A, B, C };
	/* The fault-free run: a sends b and c in round 1, b sends c in round 2. */
	static const int ff[][3] = {{A, B, 1}, {A, C, 1}, {B, C, 2}, {A, B, 3}};
	/* With omit(a,b,1): also a to b again in round 2 (a resend). */
	static const int lost[][3] = {{A, B, 1}, {A, C, 1}, {B, C, 2}, {A, B, 2}};
	struct ldfi_fault crash_c = {LDFI_FAULT_CRASH, C, -1, 2};
	int v[4];

	CHECK(ldfi_conf_parse("t.conf", conf_text, sizeof(conf_text) - 1, &conf, err,
			      sizeof(err)) == 0);
	ldfi_space_init(&sp, conf);
	CHECK((sr = ldfi_samerun_create(&sp)) != NULL && tried);
	ran(sr, tried, v, 0, ff, 4);

	/* Used in the fault-free run: run it. */
	v[0] = omit(A, B, 1);
	CHECK(!ldfi_samerun_same(sr, tried, set(v, 1), 1));
	v[0] = omit(B, C, 2);
	CHECK(!ldfi_samerun_same(sr, tried, set(v, 1), 1));
	/* Not used: the fault-free run again. Round 3 is not in the space
	 * (eff = 3), the message of round 3 changes nothing. */
	v[0] = omit(C, A, 1);
	CHECK(ldfi_samerun_same(sr, tried, set(v, 1), 1));
	v[0] = omit(C, A, 1), v[1] = omit(C, B, 2), v[2] = omit(B, A, 1);
	CHECK(ldfi_samerun_same(sr, tried, set(v, 3), 3)); /* through skipped sets */
	/* A crash is never skipped, used or not. */
	v[0] = ldfi_space_var(&sp, &crash_c);
	CHECK(v[0] > 0 && !ldfi_samerun_same(sr, tried, set(v, 1), 1));
	v[1] = omit(C, A, 1);
	CHECK(ldfi_samerun_same(sr, tried, set(v, 2), 2) == false); /* {crash} not run */

	/* omit(a,b,2) is unused without faults, but the resend after
	 * omit(a,b,1) uses it: known only once that run is noted. */
	v[0] = omit(A, B, 1), v[1] = omit(A, B, 2);
	CHECK(!ldfi_samerun_same(sr, tried, set(v, 2), 2));
	ran(sr, tried, (int[]){omit(A, B, 1)}, 1, lost, 4);
	v[0] = omit(A, B, 1), v[1] = omit(A, B, 2);
	CHECK(!ldfi_samerun_same(sr, tried, set(v, 2), 2));
	v[0] = omit(A, B, 1), v[1] = omit(C, B, 1);
	CHECK(ldfi_samerun_same(sr, tried, set(v, 2), 2));
	v[0] = omit(A, B, 1), v[1] = omit(C, B, 1), v[2] = omit(C, A, 2);
	CHECK(ldfi_samerun_same(sr, tried, set(v, 3), 3));

	ldfi_samerun_destroy(sr);
	ldfi_samerun_destroy(NULL);
	ldfi_setset_destroy(tried);
	ldfi_conf_destroy(conf);
	return test_done();
}
