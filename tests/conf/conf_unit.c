/*
 * conf_unit.c - unit tests of the pipeline.conf parser: a conf parsed in
 * detail, messages for inputs no .conf file holds well (NUL bytes, huge
 * lines, small error buffers), ldfi_conf_set_bounds, ldfi_conf_load, and a
 * deterministic fuzz of mutated confs that must never crash or leak.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ldfi/conf.h"
#include "src/cli/cli.h"
#include "ldfi/ldfi.h"
#include "test.h"

static const char detail[] = "# detail\n"
			     "[explore]\n"
			     "eot = 7\n"
			     "eff = 2\n"
			     "crashes = 2\n"
			     "max_runs = 500\n"
			     "strategy = random\n"
			     "seed = 42\n"
			     "\n"
			     "[node zeta]\n"
			     "\n"
			     "[source orders]\n"
			     "node = b\n"
			     "records = 4\n"
			     "at = 3\n"
			     "to = parse\n"
			     "delivery = ack\n"
			     "retry_every = 2\n"
			     "\n"
			     "[source alerts]\n"
			     "node = a\n"
			     "records = x, y\n"
			     "to = log\n"
			     "\n"
			     "[stage parse]\n"
			     "nodes = c, a\n"
			     "to = log\n"
			     "delivery = repeat\n"
			     "dedup = yes\n"
			     "\n"
			     "[stage plug]\n"
			     "kind = plugin\n"
			     "library = ./p.so\n"
			     "symbol = step\n"
			     "nodes = c\n"
			     "to = log\n"
			     "\n"
			     "[sink log]\n"
			     "nodes = c, b, a\n"
			     "relay = ack\n"
			     "retry_every = 3\n"
			     "dedup = yes\n"
			     "\n"
			     "[sink other]\n"
			     "nodes = d\n"
			     "\n"
			     "[check agree]\n"
			     "kind = agreement\n"
			     "sink = log\n"
			     "source = orders\n"
			     "\n"
			     "[check custom]\n"
			     "kind = plugin\n"
			     "library = ./c.so\n"
			     "symbol = pred\n";

/* The line of `text` that first contains `what`. */
static int line_of(const char *text, const char *what)
{
	const char *at = strstr(text, what), *c;
	int line = 1;

	if (!at)
		return -1;
	for (c = text; c < at; c++)
		line += *c == '\n';
	return line;
}

static struct ldfi_conf *parse(const char *text, char *err, size_t errlen)
{
	struct ldfi_conf *conf = NULL;
	int rc = ldfi_conf_parse("t.conf", text, strlen(text), &conf, err, errlen);

	CHECK((rc == 0) == (conf != NULL));
	return conf;
}

/* Parse `text`, expecting the error `want`. */
static void expect_error(const char *text, size_t len, const char *want)
{
	struct ldfi_conf *conf = (struct ldfi_conf *)1;
	char err[512];
	int rc;

	rc = ldfi_conf_parse("t.conf", text, len, &conf, err, sizeof(err));
	CHECK(rc == LDFI_EINVAL);
	CHECK(conf == NULL);
	CHECK_STR(err, want);
}

static void test_detail_nodes(const struct ldfi_conf *c)
{
	static const char *const names[] = {"a", "b", "c", "d", "zeta"};
	static const char *const first[] = {"node = a", "node = b", "nodes = c, a", "nodes = d",
					    "[node zeta]"};
	int i;

	CHECK(c->n_nodes == 5);
	for (i = 0; i < 5 && i < c->n_nodes; i++) {
		CHECK_STR(c->nodes[i].name, names[i]);
		CHECK(c->nodes[i].line == line_of(detail, first[i]));
		CHECK(ldfi_conf_node_index(c, names[i]) == i);
	}
	CHECK(ldfi_conf_node_index(c, "e") == -1);
	CHECK(ldfi_conf_node_index(c, "") == -1);
}

static void test_detail_sources(const struct ldfi_conf *c)
{
	const struct ldfi_comp *o = &c->comps[2], *a = &c->comps[0];
	int i;

	CHECK_STR(o->name, "orders");
	CHECK(o->type == LDFI_COMP_SOURCE);
	CHECK(o->line == line_of(detail, "[source orders]"));
	CHECK(o->n_nodes == 1 && o->nodes[0] == 1);
	CHECK(o->to == 4);
	CHECK(o->delivery == LDFI_DELIVERY_ACK && o->retry_every == 2);
	CHECK(o->at == 3);
	CHECK(o->n_records == 4);
	for (i = 0; i < 4 && i < o->n_records; i++) {
		char want[4] = {(char)('1' + i), 0};

		CHECK_STR(o->records[i], want);
	}
	CHECK(!o->library && !o->symbol);

	CHECK_STR(a->name, "alerts");
	CHECK(a->n_nodes == 1 && a->nodes[0] == 0);
	CHECK(a->to == 1);
	CHECK(a->delivery == LDFI_DELIVERY_ONCE && a->retry_every == 1 && a->at == 1);
	CHECK(a->n_records == 2);
	if (a->n_records == 2) {
		CHECK_STR(a->records[0], "x");
		CHECK_STR(a->records[1], "y");
	}
}

static void test_detail_stages(const struct ldfi_conf *c)
{
	const struct ldfi_comp *p = &c->comps[4], *g = &c->comps[5];
	const struct ldfi_comp *log = &c->comps[1], *other = &c->comps[3];

	CHECK_STR(p->name, "parse");
	CHECK(p->type == LDFI_COMP_STAGE && p->kind == LDFI_KIND_RELAY);
	CHECK(p->n_nodes == 2 && p->nodes[0] == 0 && p->nodes[1] == 2);
	CHECK(p->to == 1 && p->delivery == LDFI_DELIVERY_REPEAT && p->dedup);
	CHECK(!p->library && !p->records && p->n_records == 0);

	CHECK_STR(g->name, "plug");
	CHECK(g->kind == LDFI_KIND_PLUGIN);
	CHECK_STR(g->library, "./p.so");
	CHECK_STR(g->symbol, "step");
	CHECK(g->delivery == LDFI_DELIVERY_ONCE && !g->dedup);

	CHECK_STR(log->name, "log");
	CHECK(log->type == LDFI_COMP_SINK && log->to == -1);
	CHECK(log->n_nodes == 3 && log->nodes[0] == 0 && log->nodes[1] == 1 && log->nodes[2] == 2);
	CHECK(log->delivery == LDFI_DELIVERY_ACK && log->retry_every == 3 && log->dedup);

	CHECK_STR(other->name, "other");
	CHECK(other->delivery == LDFI_DELIVERY_NONE && !other->dedup && other->retry_every == 1);
	CHECK(other->n_nodes == 1 && other->nodes[0] == 3);
}

static void test_detail_checks(const struct ldfi_conf *c)
{
	CHECK(c->n_checks == 2);
	if (c->n_checks != 2)
		return;
	CHECK_STR(c->checks[0].name, "agree");
	CHECK(c->checks[0].line == line_of(detail, "[check agree]"));
	CHECK(c->checks[0].kind == LDFI_CHECK_AGREEMENT);
	CHECK(c->checks[0].sink == 1 && c->checks[0].source == 2);
	CHECK(!c->checks[0].library);
	CHECK_STR(c->checks[1].name, "custom");
	CHECK(c->checks[1].kind == LDFI_CHECK_PLUGIN);
	CHECK(c->checks[1].sink == -1 && c->checks[1].source == -1);
	CHECK_STR(c->checks[1].library, "./c.so");
	CHECK_STR(c->checks[1].symbol, "pred");
}

static void test_upstream(const struct ldfi_conf *c)
{
	CHECK(ldfi_conf_upstream(c, 2, 1));  /* orders -> parse -> log */
	CHECK(ldfi_conf_upstream(c, 2, 4));  /* orders -> parse */
	CHECK(ldfi_conf_upstream(c, 0, 1));  /* alerts -> log */
	CHECK(!ldfi_conf_upstream(c, 0, 4)); /* alerts does not feed parse */
	CHECK(!ldfi_conf_upstream(c, 2, 3)); /* nor orders other */
	CHECK(!ldfi_conf_upstream(c, 2, 2));
	CHECK(ldfi_conf_upstream(c, 4, 1));
	CHECK(!ldfi_conf_upstream(c, 1, 1));
	CHECK(!ldfi_conf_upstream(c, -1, 1));
	CHECK(!ldfi_conf_upstream(c, 2, 99));
}

static void test_detail(void)
{
	static const char *const comps[] = {"alerts", "log", "orders", "other", "parse", "plug"};
	struct ldfi_conf *c;
	char err[256];
	int i;

	c = parse(detail, err, sizeof(err));
	if (!c) {
		fprintf(stderr, "detail: %s\n", err);
		return;
	}
	CHECK_STR(c->path, "t.conf");
	CHECK(c->eot == 7 && c->eff == 2 && c->crashes == 2 && c->max_runs == 500);
	CHECK(c->strategy == LDFI_STRATEGY_RANDOM && c->seed == 42);
	test_detail_nodes(c);
	CHECK(c->n_comps == 6);
	for (i = 0; i < 6 && i < c->n_comps; i++) {
		CHECK_STR(c->comps[i].name, comps[i]);
		CHECK(ldfi_conf_comp_index(c, comps[i]) == i);
	}
	CHECK(ldfi_conf_comp_index(c, "zzz") == -1);
	if (c->n_comps == 6) {
		test_detail_sources(c);
		test_detail_stages(c);
		test_upstream(c);
	}
	test_detail_checks(c);
	ldfi_conf_destroy(c);
}

static void test_defaults(void)
{
	struct ldfi_conf *c;
	char err[256];

	c = parse("[explore]\neot = 1\n[source s]\nnode = n\nrecords = 1\nto = k\n"
		  "[sink k]\nnodes = n\n[check c]\nkind = delivered\nsink = k",
		  err, sizeof(err));
	CHECK(c != NULL);
	if (!c)
		return;
	CHECK(c->eff == 0 && c->crashes == 0 && c->max_runs == 0);
	CHECK(c->strategy == LDFI_STRATEGY_LDFI && c->seed == 1);
	CHECK(c->comps[1].at == 1 && c->comps[1].delivery == LDFI_DELIVERY_ONCE);
	CHECK(c->comps[1].retry_every == 1);
	CHECK(c->comps[0].delivery == LDFI_DELIVERY_NONE && !c->comps[0].dedup);
	CHECK(c->comps[0].retry_every == 1 && c->comps[0].to == -1);
	CHECK(c->checks[0].source == -1);
	ldfi_conf_destroy(c);
}

static void test_names(void)
{
	CHECK_STR(ldfi_delivery_name(LDFI_DELIVERY_NONE), "none");
	CHECK_STR(ldfi_delivery_name(LDFI_DELIVERY_ACK), "ack");
	CHECK_STR(ldfi_check_kind_name(LDFI_CHECK_NO_DUPLICATES), "no-duplicates");
	CHECK_STR(ldfi_check_kind_name(LDFI_CHECK_MATCHES_FAULT_FREE), "matches-fault-free");
	CHECK_STR(ldfi_check_kind_name(LDFI_CHECK_PLUGIN), "plugin");
	CHECK_STR(ldfi_strategy_name(LDFI_STRATEGY_EXHAUSTIVE), "exhaustive");
	CHECK_STR(ldfi_delivery_name((enum ldfi_delivery)42), "?");
}

static void expect_bounds(struct ldfi_conf *c, int eot, int eff, int crashes, const char *want)
{
	int old_eot = c->eot, old_eff = c->eff, old_crashes = c->crashes;
	char err[256] = "";
	int rc;

	rc = ldfi_conf_set_bounds(c, eot, eff, crashes, err, sizeof(err));
	CHECK(rc == LDFI_EINVAL);
	CHECK_STR(err, want);
	CHECK(c->eot == old_eot && c->eff == old_eff && c->crashes == old_crashes);
}

static void test_set_bounds(void)
{
	struct ldfi_conf *c;
	char err[256];

	c = parse(detail, err, sizeof(err));
	if (!c)
		return;
	CHECK(ldfi_conf_set_bounds(c, -1, -1, -1, err, sizeof(err)) == 0);
	CHECK(c->eot == 7 && c->eff == 2 && c->crashes == 2);
	CHECK(ldfi_conf_set_bounds(c, 10, 10, 5, err, sizeof(err)) == 0);
	CHECK(c->eot == 10 && c->eff == 10 && c->crashes == 5);
	CHECK(ldfi_conf_set_bounds(c, 7, 2, 0, err, sizeof(err)) == 0);
	CHECK(c->eot == 7 && c->eff == 2 && c->crashes == 0);
	expect_bounds(c, -1, 9, -1, "--eff 9 exceeds eot 7");
	expect_bounds(c, 0, -1, -1, "--eot 0 out of range 1..1000");
	expect_bounds(c, 1001, -1, -1, "--eot 1001 out of range 1..1000");
	expect_bounds(c, 1, -1, -1, "eff 2 exceeds --eot 1");
	expect_bounds(c, -1, -5, -1, "--eff -5 out of range 0..eot");
	expect_bounds(c, -1, -1, 6, "--crashes 6 exceeds the number of nodes (5)");
	expect_bounds(c, -1, -1, -2, "--crashes -2 out of range 0..5");
	expect_bounds(c, 2, 0, -1, "at 3 of source orders exceeds --eot 2");
	ldfi_conf_destroy(c);
	c = parse("[explore]\neot = 5\n[source s]\nnode = n\nrecords = 1\nto = k\n"
		  "delivery = ack\nretry_every = 3\n[sink k]\nnodes = n\n[check c]\n"
		  "kind = delivered\nsink = k\n",
		  err, sizeof(err));
	if (!c)
		return;
	expect_bounds(c, 2, -1, -1, "retry_every 3 of source s exceeds --eot 2");
	CHECK(ldfi_conf_set_bounds(c, 3, 3, 1, err, sizeof(err)) == 0);
	CHECK(c->eot == 3 && c->eff == 3 && c->crashes == 1);
	ldfi_conf_destroy(c);
}

static void expect_bounds_ex(struct ldfi_conf *c, struct ldfi_bounds b, const char *msg)
{
	char err[256] = "";
	int eot = c->eot, restarts = c->restarts, downtime = c->downtime;

	CHECK(ldfi_conf_set_bounds_ex(c, &b, err, sizeof(err)) == LDFI_EINVAL);
	CHECK_STR(err, msg);
	CHECK(c->eot == eot && c->restarts == restarts && c->downtime == downtime);
}

/* --restarts and --downtime: validated with the new eot. */
static void test_set_restart_bounds(void)
{
	struct ldfi_bounds b = LDFI_BOUNDS_KEEP;
	struct ldfi_conf *c;
	char err[256];

	c = parse(detail, err, sizeof(err));
	if (!c)
		return;
	CHECK(c->restarts == 0 && c->downtime == 1);
	b.restarts = 2;
	b.downtime = 6;
	CHECK(ldfi_conf_set_bounds_ex(c, &b, err, sizeof(err)) == 0);
	CHECK(c->restarts == 2 && c->downtime == 6 && c->eot == 7);
	expect_bounds_ex(c, (struct ldfi_bounds){-1, -1, -1, 6, -1},
			 "--restarts 6 exceeds the number of nodes (5)");
	expect_bounds_ex(c, (struct ldfi_bounds){-1, -1, -1, -1, 0},
			 "--downtime 0 out of range 1..eot-1");
	expect_bounds_ex(c, (struct ldfi_bounds){-1, -1, -1, -1, 7},
			 "--downtime 7 leaves no round to restart in: restart(n,t) needs "
			 "t+downtime <= eot (eot 7)");
	expect_bounds_ex(c, (struct ldfi_bounds){6, -1, -1, -1, -1},
			 "downtime 6 leaves no round to restart in: restart(n,t) needs "
			 "t+downtime <= eot (--eot 6)");
	/* Without restarts a downtime above eot - 1 is kept unused. */
	CHECK(ldfi_conf_set_bounds_ex(c, &(struct ldfi_bounds){6, -1, -1, 0, 9}, err,
				      sizeof(err)) == 0);
	CHECK(c->restarts == 0 && c->downtime == 9 && c->eot == 6);
	ldfi_conf_destroy(c);
}

/* Inputs no checked-in .conf holds well. */
static void test_odd_inputs(void)
{
	static const char nul[] = "[explore]\neot = 1\0\n";
	static const char crlf[] = "[explore]\neot = 1\r\n\r\n\r\nfoo\r\n";
	static const char again[] = "[explore]\n\teot = 1 # x = [y]\n[explore] # again\n";
	struct ldfi_conf *c = (struct ldfi_conf *)1;
	char err[512];

	expect_error(nul, sizeof(nul) - 1, "t.conf:2: line contains a NUL byte");
	expect_error("", 0, "t.conf:1: missing [explore] section");
	CHECK(ldfi_conf_parse("t.conf", NULL, 0, &c, err, sizeof(err)) == LDFI_EINVAL);
	CHECK(c == NULL);
	CHECK_STR(err, "t.conf:1: missing [explore] section");
	/* Only `len` bytes count: the text need not be NUL-terminated. */
	expect_error("[explore]\neot = 12", 16, "t.conf:2: missing value for 'eot' in [explore]");
	expect_error(crlf, strlen(crlf),
		     "t.conf:5: expected '[kind name]', 'key = value' or a comment, got 'foo'");
	expect_error(again, strlen(again),
		     "t.conf:3: duplicate [explore] section: first at line 1");
}

/* A tiny error buffer gets a truncated, NUL-terminated message; none at all
 * is fine too. */
static void test_small_buffers(void)
{
	struct ldfi_conf *c;
	char err[8];

	memset(err, 'x', sizeof(err));
	CHECK(ldfi_conf_parse("t.conf", "oops", 4, &c, err, sizeof(err)) == LDFI_EINVAL);
	CHECK_STR(err, "t.conf:");
	CHECK(ldfi_conf_parse("t.conf", "oops", 4, &c, NULL, 0) == LDFI_EINVAL);
	CHECK(ldfi_conf_parse("t.conf", "oops", 4, &c, err, 0) == LDFI_EINVAL);
	CHECK(ldfi_conf_parse(NULL, "oops", 4, &c, err, 1) == LDFI_EINVAL && err[0] == '\0');
}

static char *huge_list(int n, const char *prefix)
{
	size_t cap = (size_t)n * 16 + 1, len = 0;
	char *s = malloc(cap);
	int i;

	for (i = 0; s && i < n; i++)
		len += (size_t)snprintf(s + len, cap - len, "%s%s%d", i ? ", " : "", prefix, i);
	return s;
}

/* Long lines are read whole; long text in messages is cut with "...". */
static void test_huge_lines(void)
{
	char *list = huge_list(200000, "r"), *text, err[512];
	struct ldfi_conf *c;
	size_t n;

	if (!list)
		return;
	n = strlen(list) + 512;
	text = malloc(n);
	if (!text) {
		free(list);
		return;
	}
	snprintf(text, n,
		 "[explore]\neot = 2\n[source s]\nnode = a\nrecords = %s\nto = k\n"
		 "[sink k]\nnodes = a\n[check c]\nkind = delivered\nsink = k\n",
		 list);
	c = parse(text, err, sizeof(err));
	if (!c)
		fprintf(stderr, "huge: %s\n", err);
	CHECK(c && c->comps[1].n_records == 200000);
	if (c)
		CHECK_STR(c->comps[1].records[199999], "r199999");
	ldfi_conf_destroy(c);

	snprintf(text, n, "[explore]\neot = 2\n[source s]\nnode = %s\n", list);
	expect_error(text, strlen(text),
		     "t.conf:4: 'node' in [source s] takes exactly one name, got "
		     "'r0, r1, r2, r3, r4, r5, r6, r7, r8, r9, r10, r11, r12, r13, r14,...'");
	free(text);
	free(list);
}

static void test_load(void)
{
	struct ldfi_conf *c = (struct ldfi_conf *)1;
	char err[512], path[] = "/tmp/ldfi-conf-unit-XXXXXX";
	FILE *f;
	int fd;

	CHECK(ldfi_conf_load("/nonexistent/p.conf", &c, err, sizeof(err)) == LDFI_EINVAL);
	CHECK(c == NULL);
	CHECK_STR(err, "/nonexistent/p.conf: No such file or directory");
	CHECK(ldfi_conf_load("/", &c, err, sizeof(err)) == LDFI_EINVAL);
	CHECK_STR(err, "/: Is a directory");
	CHECK(ldfi_conf_load("/dev/null", &c, err, sizeof(err)) == LDFI_EINVAL);
	CHECK_STR(err, "/dev/null: not a regular file");
	fd = mkstemp(path);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	f = fdopen(fd, "w");
	if (f) {
		fputs(detail, f);
		fclose(f);
	}
	CHECK(ldfi_conf_load(path, &c, err, sizeof(err)) == 0);
	CHECK(c && c->n_comps == 6 && !strcmp(c->path, path));
	ldfi_conf_destroy(c);
	remove(path);
	ldfi_conf_destroy(NULL);
}

static uint64_t rng = 88172645463325252ull;

static unsigned next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng >> 11);
}

/* Insert, delete or replace bytes of `base`, favouring the grammar's own. */
static size_t mutate(const char *base, size_t len, char *out)
{
	static const char special[] = "[]=#,\n\r\0 \t-+09aZ:";
	size_t n = 0, i;

	for (i = 0; i < len; i++) {
		unsigned r = next_rand() % 400;

		if (r == 0)
			continue;
		if (r == 1)
			out[n++] = special[next_rand() % (sizeof(special) - 1)];
		else if (r == 2)
			out[n++] = (char)(next_rand() & 0xff);
		if (r != 3)
			out[n++] = base[i];
		else
			out[n++] = special[next_rand() % (sizeof(special) - 1)];
	}
	return n;
}

/* Mutated confs: every result must be a conf or a "t.conf:LINE: " message. */
static void test_fuzz(void)
{
	size_t len = strlen(detail), n;
	char *buf = malloc(3 * len), err[512];
	FILE *null = fopen("/dev/null", "w");
	struct ldfi_conf *c;
	int i, rc, ok = 0, bad = 0;

	if (!buf || !null) {
		free(buf);
		if (null)
			fclose(null);
		return;
	}
	for (i = 0; i < 20000; i++) {
		n = mutate(detail, len, buf);
		rc = ldfi_conf_parse("t.conf", buf, n, &c, err, sizeof(err));
		if (rc == 0) {
			ldfi_cli_conf_summary(c, null);
			ldfi_conf_destroy(c);
			ok++;
		} else if (rc != LDFI_EINVAL || strncmp(err, "t.conf:", 7) || c) {
			bad++;
			fprintf(stderr, "fuzz %d: rc %d, err '%s'\n", i, rc, err);
		}
	}
	CHECK(bad == 0);
	CHECK(ok > 0); /* some mutations keep the conf valid */
	fclose(null);
	free(buf);
}

/* Append to a text buffer, formatting like printf. */
static void put(char *buf, size_t len, size_t *n, const char *fmt, unsigned v)
{
	if (*n < len)
		*n += (size_t)snprintf(buf + *n, len - *n, fmt, v);
	if (*n >= len)
		*n = len - 1;
}

struct soup {
	unsigned kind[10];
	unsigned count[5]; /* sections of each kind */
};

/* A random existing name of kind k (or a dangling one, rarely). */
static unsigned pick(const struct soup *sp, unsigned k)
{
	if (!sp->count[k] || next_rand() % 20 == 0)
		return 99;
	return next_rand() % sp->count[k];
}

/* Section `j` of the soup with mostly plausible keys, so that the
 * whole-file checks (references, cycles, upstream sources) are reached. */
static void soup_section(const struct soup *sp, unsigned j, unsigned idx, char *buf, size_t len,
			 size_t *n)
{
	static const char *const kinds[] = {"delivered", "agreement", "ordered", "plugin"};
	bool to_stage = next_rand() % 3 == 0;

	switch (sp->kind[j]) {
	case 0:
		put(buf, len, n, "[source s%u]\n", idx);
		put(buf, len, n, "node = n%u\n", next_rand() % 4);
		put(buf, len, n, next_rand() % 2 ? "records = %u\n" : "records = a%u, b\n",
		    1 + next_rand() % 4);
		put(buf, len, n, to_stage ? "to = t%u\n" : "to = k%u\n",
		    pick(sp, to_stage ? 1 : 2));
		if (next_rand() % 3 == 0)
			put(buf, len, n, "at = %u\n", 1 + next_rand() % 4);
		break;
	case 1:
		put(buf, len, n, "[stage t%u]\n", idx);
		put(buf, len, n, "nodes = n%u, n3\n", next_rand() % 3);
		put(buf, len, n, to_stage ? "to = t%u\n" : "to = k%u\n",
		    pick(sp, to_stage ? 1 : 2));
		if (next_rand() % 4 == 0)
			put(buf, len, n, "kind = plugin\nlibrary = x%u.so\nsymbol = f\n", 0);
		break;
	case 2:
		put(buf, len, n, "[sink k%u]\n", idx);
		put(buf, len, n, "nodes = n%u\n", next_rand() % 4);
		if (next_rand() % 3 == 0)
			put(buf, len, n, "relay = ack\nretry_every = %u\n", 1 + next_rand() % 3);
		break;
	case 3:
		put(buf, len, n, "[check c%u]\n", idx);
		put(buf, len, n, "kind = ", 0);
		put(buf, len, n, kinds[next_rand() % 4], 0);
		put(buf, len, n, "\nsink = k%u\n", pick(sp, 2));
		if (next_rand() % 3 == 0)
			put(buf, len, n, "source = s%u\n", pick(sp, 0));
		break;
	default:
		put(buf, len, n, "[node n%u]\n", 10 + idx);
		break;
	}
	if (next_rand() % 40 == 0) /* now and then, a mistake */
		put(buf, len, n, next_rand() % 2 ? "to = s%u\n" : "library = y%u.so\n", 0);
}

/* A random conf of 10 sections after [explore]. */
static size_t soup_conf(char *buf, size_t len)
{
	unsigned seen[5] = {0}, j;
	struct soup sp = {{0}, {0}};
	size_t n = 0;

	for (j = 0; j < 10; j++) {
		sp.kind[j] = next_rand() % 5;
		sp.count[sp.kind[j]]++;
	}
	put(buf, len, &n, "[explore]\neot = %u\n", 1 + next_rand() % 5);
	put(buf, len, &n, "eff = %u\n", next_rand() % 4);
	put(buf, len, &n, "crashes = %u\n", next_rand() % 3);
	for (j = 0; j < 10; j++)
		soup_section(&sp, j, seen[sp.kind[j]]++, buf, len, &n);
	return n;
}

/* What every parsed conf must satisfy. */
static bool conf_sane(const struct ldfi_conf *c)
{
	const struct ldfi_comp *m;
	int i, j;

	for (i = 1; i < c->n_nodes; i++)
		if (strcmp(c->nodes[i - 1].name, c->nodes[i].name) >= 0)
			return false;
	for (i = 0; i < c->n_comps; i++) {
		m = &c->comps[i];
		if (i && strcmp(c->comps[i - 1].name, m->name) >= 0)
			return false;
		if ((m->type == LDFI_COMP_SINK) != (m->to == -1) || m->to >= c->n_comps ||
		    (m->to >= 0 && c->comps[m->to].type == LDFI_COMP_SOURCE))
			return false;
		if (m->n_nodes < 1 || (m->type == LDFI_COMP_SOURCE && m->n_nodes != 1))
			return false;
		for (j = 0; j < m->n_nodes; j++)
			if (m->nodes[j] < 0 || m->nodes[j] >= c->n_nodes ||
			    (j && m->nodes[j - 1] >= m->nodes[j]))
				return false;
		if (m->at > c->eot || m->retry_every > c->eot || m->retry_every < 1)
			return false;
	}
	for (i = 0; i < c->n_checks; i++)
		if ((c->checks[i].sink >= 0 &&
		     c->comps[c->checks[i].sink].type != LDFI_COMP_SINK) ||
		    (c->checks[i].source >= 0 &&
		     !ldfi_conf_upstream(c, c->checks[i].source, c->checks[i].sink) &&
		     c->checks[i].sink >= 0))
			return false;
	return c->eff <= c->eot && c->crashes <= c->n_nodes && c->n_checks > 0;
}

static void test_fuzz_soup(void)
{
	char text[4096], err[512];
	struct ldfi_conf *c;
	int i, rc, ok = 0, bad = 0;
	size_t n;

	for (i = 0; i < 30000; i++) {
		n = soup_conf(text, sizeof(text));
		rc = ldfi_conf_parse("t.conf", text, n, &c, err, sizeof(err));
		if (rc == 0) {
			ok++;
			if (!conf_sane(c)) {
				bad++;
				fprintf(stderr, "soup %d: insane conf from:\n%s\n", i, text);
			}
			ldfi_conf_destroy(c);
		} else if (rc != LDFI_EINVAL || strncmp(err, "t.conf:", 7)) {
			bad++;
			fprintf(stderr, "soup %d: rc %d, err '%s'\n", i, rc, err);
		}
	}
	CHECK(bad == 0);
	CHECK(ok > 0);
	printf("soup: %d of 30000 random confs valid\n", ok);
}

int main(void)
{
	test_detail();
	test_defaults();
	test_names();
	test_set_bounds();
	test_set_restart_bounds();
	test_odd_inputs();
	test_small_buffers();
	test_huge_lines();
	test_load();
	test_fuzz();
	test_fuzz_soup();
	return test_done();
}
