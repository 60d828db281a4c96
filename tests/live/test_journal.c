/*
 * test_journal.c - a live node's journal (runtime/live/journal.h): what is
 * written is exactly the durable state, a new runtime gets it back, an
 * unchanged state is not written again, a torn tail is ignored, and a
 * missing, undecodable or foreign journal is refused with its reason.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ldfi/conf.h"
#include "ldfi/ldfi.h"
#include "runtime/live/journal.h"
#include "runtime/rtstate.h"
#include "runtime/runtime.h"
#include "tests/test.h"

/* A relay w (durable or not, per DUR) between a durable source and a sink;
 * ack delivery everywhere, so w keeps pending sends and receipts. */
static const char *conf_text(const char *dur)
{
	static char buf[1024];

	snprintf(buf, sizeof(buf),
		 "[explore]\neot = 8\neff = 3\ncrashes = 0\nrestarts = 1\ndowntime = 1\n"
		 "[source src]\nnode = a\nrecords = r1, r2\nto = w\ndelivery = ack\n"
		 "durable = yes\n"
		 "[stage w]\nkind = relay\nnodes = b\nto = out\ndelivery = ack\ndedup = yes\n"
		 "durable = %s\n"
		 "[sink out]\nnodes = c\ndedup = yes\n"
		 "[check once]\nkind = no-duplicates\nsink = out\n",
		 dur);
	return buf;
}

static struct ldfi_conf *load(const char *dur)
{
	struct ldfi_conf *conf = NULL;
	char err[512];
	const char *text = conf_text(dur);

	if (ldfi_conf_parse("j.conf", text, strlen(text), &conf, err, sizeof(err)))
		fprintf(stderr, "j.conf: %s\n", err);
	return conf;
}

/* Node b's runtime after round 1, in which src:r1 arrived (message 1). */
static struct ldfi_rt *after_round1(const struct ldfi_conf *conf)
{
	struct ldfi_rt *rt = NULL;
	struct ldfi_msg m = {0};
	int b = ldfi_conf_node_index(conf, "b");

	CHECK(b >= 0 && ldfi_rt_node_open(conf, b, &rt) == 0);
	if (!rt)
		return NULL;
	m.id = 1;
	m.kind = LDFI_MSG_DATA;
	m.delivery = LDFI_DELIVERY_ACK;
	m.src_node = ldfi_conf_node_index(conf, "a");
	m.src_comp = ldfi_conf_comp_index(conf, "src");
	m.dst_node = b;
	m.dst_comp = ldfi_conf_comp_index(conf, "w");
	m.send_round = 1;
	m.rec = ldfi_rt_record(rt, "src:r1");
	CHECK(ldfi_rt_node_round(rt, 2, 0, &m, 1) == 0);
	return rt;
}

static const struct replica *w_of(const struct ldfi_rt *rt)
{
	return &rt->rep[rt->node_st[rt->node_st_off[rt->node]]];
}

static off_t size_of(const char *path)
{
	struct stat sb;

	return stat(path, &sb) ? -1 : sb.st_size;
}

static void append(const char *path, const void *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_APPEND);

	CHECK(fd >= 0 && write(fd, p, n) == (ssize_t)n);
	if (fd >= 0)
		close(fd);
}

/* A durable relay: its receipt and pending send come back; volatile: not. */
static void test_round_trip(const char *dir, const char *dur, int receipts, int sends)
{
	struct ldfi_conf *conf = load(dur);
	struct ldfi_rt *rt = conf ? after_round1(conf) : NULL, *back = NULL;
	struct ldfi_journal *j;
	char path[512], err[512] = "";
	off_t size;

	if (!rt)
		goto out;
	snprintf(path, sizeof(path), "%s/%s.journal", dir, dur);
	j = ldfi_journal_open(path, err, sizeof(err));
	CHECK(j != NULL);
	CHECK(j && ldfi_journal_write(j, rt, err, sizeof(err)) == 0);
	size = size_of(path);
	CHECK(size > 4);
	/* Nothing changed: nothing written. */
	CHECK(j && ldfi_journal_write(j, rt, err, sizeof(err)) == 0);
	CHECK(size_of(path) == size);
	ldfi_journal_close(j);

	CHECK(ldfi_rt_node_open(conf, rt->node, &back) == 0);
	CHECK(back && ldfi_journal_recover(path, back, 3, err, sizeof(err)) == 0);
	if (back) {
		const struct replica *r = w_of(back);
		int rec = ldfi_rt_record(back, "src:r1"), n = 0;

		n = rec < r->n_rcpt ? r->rcpt[rec].n : 0;
		CHECK(n == receipts);
		CHECK(r->active.n == sends);
		CHECK(!sends || (back->pend[r->active.v[0]].durable &&
				 back->pend[r->active.v[0]].dround == 2));
		CHECK(!receipts || r->rcpt[rec].ids[0] == 1);
		/* And it recovers as the simulation does: the durable send is
		 * resent in the recovery round. */
		CHECK(ldfi_rt_node_round(back, 3, 2, NULL, 0) == 0);
		CHECK(ldfi_rt_trace(back)->n_msgs == (size_t)sends);
	}
	ldfi_rt_node_close(back);
out:
	ldfi_rt_node_close(rt);
	ldfi_conf_destroy(conf);
}

/* A torn tail (a record cut short) is not a record; garbage that decodes to
 * nothing, or a record of another node, is refused. */
static void test_bad_journals(const char *dir)
{
	struct ldfi_conf *conf = load("yes");
	struct ldfi_rt *rt = conf ? after_round1(conf) : NULL, *back = NULL;
	struct ldfi_journal *j;
	char path[512], err[512] = "";
	const unsigned char torn[] = {0, 0, 0, 100, 1, 2, 3};
	const unsigned char junk[] = {0, 0, 0, 3, 0xff, 0xff, 0xff};

	if (!rt)
		goto out;
	/* Missing: an empty state only for a node restarted in round 1. */
	snprintf(path, sizeof(path), "%s/missing.journal", dir);
	CHECK(ldfi_rt_node_open(conf, rt->node, &back) == 0);
	CHECK(back && ldfi_journal_recover(path, back, 1, err, sizeof(err)) == 0);
	CHECK(back && ldfi_journal_recover(path, back, 2, err, sizeof(err)) == LDFI_EFORMAT);
	CHECK(strstr(err, "holds no whole record") != NULL);
	ldfi_rt_node_close(back);
	back = NULL;

	snprintf(path, sizeof(path), "%s/torn.journal", dir);
	CHECK((j = ldfi_journal_open(path, err, sizeof(err))) != NULL);
	CHECK(j && ldfi_journal_write(j, rt, err, sizeof(err)) == 0);
	ldfi_journal_close(j);
	append(path, torn, sizeof(torn));
	CHECK(ldfi_rt_node_open(conf, rt->node, &back) == 0);
	CHECK(back && ldfi_journal_recover(path, back, 3, err, sizeof(err)) == 0);
	CHECK(back && w_of(back)->active.n == 1);
	ldfi_rt_node_close(back);
	back = NULL;

	/* A whole record, last, that does not decode. */
	snprintf(path, sizeof(path), "%s/junk.journal", dir);
	CHECK((j = ldfi_journal_open(path, err, sizeof(err))) != NULL);
	CHECK(j && ldfi_journal_write(j, rt, err, sizeof(err)) == 0);
	ldfi_journal_close(j);
	append(path, junk, sizeof(junk));
	CHECK(ldfi_rt_node_open(conf, rt->node, &back) == 0);
	CHECK(back && ldfi_journal_recover(path, back, 3, err, sizeof(err)) == LDFI_EFORMAT);
	CHECK(strstr(err, "does not decode") != NULL);
	ldfi_rt_node_close(back);
	back = NULL;

	/* Node b's journal read by node c. */
	snprintf(path, sizeof(path), "%s/yes.journal", dir);
	CHECK(ldfi_rt_node_open(conf, ldfi_conf_node_index(conf, "c"), &back) == 0);
	CHECK(back && ldfi_journal_recover(path, back, 3, err, sizeof(err)) == LDFI_EFORMAT);
	CHECK(strstr(err, "does not fit the node") != NULL);
	ldfi_rt_node_close(back);

	/* A folder that cannot be written: the reason, no journal. */
	CHECK(ldfi_journal_open("/nonexistent/dir/x.journal", err, sizeof(err)) == NULL);
	CHECK(strstr(err, "cannot open /nonexistent/dir/x.journal") != NULL);
out:
	ldfi_rt_node_close(rt);
	ldfi_conf_destroy(conf);
}

int main(void)
{
	char dir[] = "/tmp/ldfi-test-journal.XXXXXX";
	char cmd[600];

	if (!mkdtemp(dir))
		return 1;
	test_round_trip(dir, "yes", 1, 1);
	test_round_trip(dir, "no", 0, 0);
	test_bad_journals(dir);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return test_done();
}
