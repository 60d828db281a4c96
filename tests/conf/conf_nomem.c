/*
 * conf_nomem.c - every allocation of the parser fails in turn: the parse
 * must return LDFI_ENOMEM (or LDFI_EINVAL for a bad conf) with a message,
 * never crash, and leak nothing (run under ASan or valgrind to see leaks).
 * Linked with -Wl,--wrap for malloc, calloc, realloc and strdup, which
 * reach only the calls made from this program and libldfi-core.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ldfi/conf.h"
#include "ldfi/ldfi.h"
#include "test.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);

static long fail_at = -1; /* the allocation to fail, -1: none */
static long count;	  /* allocations so far */

static bool fail_now(void)
{
	return fail_at >= 0 && count++ == fail_at;
}

void *__wrap_malloc(size_t n)
{
	return fail_now() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
	return fail_now() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
	return fail_now() ? NULL : __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
	return fail_now() ? NULL : __real_strdup(s);
}

static const char good[] = "[explore]\neot = 6\neff = 2\ncrashes = 1\n[node z]\n"
			   "[source orders]\nnode = a\nrecords = 12\nto = parse\n"
			   "[source named]\nnode = b\nrecords = x, y, z\nto = log\n"
			   "[stage parse]\nnodes = b, c, a, d, e, f, g, h, i\nto = log\n"
			   "[stage plug]\nkind = plugin\nlibrary = ./p.so\nsymbol = s\n"
			   "nodes = c\nto = log\n"
			   "[sink log]\nnodes = a, b, c\n"
			   "[check agree]\nkind = agreement\nsink = log\nsource = orders\n"
			   "[check p]\nkind = plugin\nlibrary = ./c.so\nsymbol = pred\n";

static const char bad[] = "[explore]\neot = 6\n[source orders]\nnode = a\nrecords = 3\n"
			  "to = parse\n[stage parse]\nnodes = b\nto = loop\n"
			  "[stage loop]\nnodes = c\nto = parse\n[sink log]\nnodes = a\n";

/* Fail each allocation of one parse in turn. */
static void run(const char *what, const char *text, bool valid)
{
	struct ldfi_conf *c;
	char err[256];
	int rc, failures = 0;

	for (fail_at = 0;; fail_at++) {
		count = 0;
		rc = ldfi_conf_parse("t.conf", text, strlen(text), &c, err, sizeof(err));
		if (count <= fail_at) /* nothing failed: done */
			break;
		if (rc == LDFI_ENOMEM) {
			CHECK_STR(err, "t.conf: out of memory");
			CHECK(c == NULL);
		} else if (!(rc == 0 && valid) && !(rc == LDFI_EINVAL && !valid)) {
			failures++;
			fprintf(stderr, "%s: allocation %ld failed: rc %d (%s)\n", what, fail_at,
				rc, err);
		}
		ldfi_conf_destroy(c);
	}
	fail_at = -1;
	CHECK(failures == 0);
	CHECK(valid ? rc == 0 : rc == LDFI_EINVAL);
	if (rc == 0)
		ldfi_conf_destroy(c);
	printf("%s: %ld allocations\n", what, count);
}

static void run_load(void)
{
	char path[] = "/tmp/ldfi-conf-nomem-XXXXXX", err[256];
	struct ldfi_conf *c;
	FILE *f;
	int fd, rc;

	fd = mkstemp(path);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	f = fdopen(fd, "w");
	if (!f)
		return;
	fputs(good, f);
	fclose(f);
	for (fail_at = 0;; fail_at++) {
		count = 0;
		rc = ldfi_conf_load(path, &c, err, sizeof(err));
		if (count <= fail_at)
			break;
		CHECK(rc == LDFI_ENOMEM || rc == 0);
		ldfi_conf_destroy(c);
	}
	fail_at = -1;
	CHECK(rc == 0);
	ldfi_conf_destroy(c);
	remove(path);
}

int main(void)
{
	run("valid conf", good, true);
	run("conf with a cycle", bad, false);
	run_load();
	return test_done();
}
