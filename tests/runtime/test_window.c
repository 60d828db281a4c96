/*
 * test_window.c - the window-count stage kind (runtime/window.c): tumbling
 * windows by arrival round, keys, dedup, the records it emits, their
 * provenance (the emitted record derives from every input the window
 * counted for its key), and what matches-fault-free and no-duplicates make
 * of records named by a stage (runtime/checks.c). docs/semantics.md,
 * "Windowed count", describes the same cases.
 */
#include "tests/runtime/rt.h"

/* Two sources on two nodes (so one input can be lost alone), a window
 * stage on w, a sink on k. */
static const char *base = "[explore]\n"
			  "eot = EOT\n"
			  "eff = 3\n"
			  "crashes = 1\n"
			  "[source s1]\n"
			  "node = a\n"
			  "records = user1.a\n"
			  "to = counts\n"
			  "delivery = DELIV\n"
			  "[source s2]\n"
			  "node = b\n"
			  "records = user1.b, user2.a\n"
			  "at = AT2\n"
			  "to = counts\n"
			  "delivery = DELIV\n"
			  "[stage counts]\n"
			  "kind = window-count\n"
			  "window = WIN\n"
			  "nodes = w\n"
			  "to = k\n"
			  "delivery = OUT\n"
			  "dedup = DEDUP\n"
			  "[sink k]\n"
			  "nodes = k\n"
			  "[check same]\n"
			  "kind = matches-fault-free\n"
			  "sink = k\n"
			  "[check nodup]\n"
			  "kind = no-duplicates\n"
			  "sink = k\n";

static struct ldfi_conf *make(const char *eot, const char *win, const char *at2, const char *deliv,
			      const char *out, const char *dedup)
{
	static char text[4096];

	snprintf(text, sizeof(text), "%s", rt_subst(base, "EOT", eot));
	snprintf(text, sizeof(text), "%s", rt_subst(text, "WIN", win));
	snprintf(text, sizeof(text), "%s", rt_subst(text, "AT2", at2));
	snprintf(text, sizeof(text), "%s", rt_subst(text, "DELIV", deliv));
	snprintf(text, sizeof(text), "%s", rt_subst(text, "OUT", out));
	snprintf(text, sizeof(text), "%s", rt_subst(text, "DEDUP", dedup));
	return rt_conf("window.conf", text);
}

/* The records of the messages a stage sends to the sink, with their send
 * round, space-separated: "user1@w0=2/2". */
static const char *emitted(const struct ldfi_trace *tr)
{
	static char out[4096];
	int k = ldfi_conf_comp_index(tr->conf, "k");
	size_t n = 0;

	out[0] = '\0';
	for (size_t i = 0; i < tr->n_msgs; i++) {
		const struct ldfi_msg *m = &tr->msgs[i];

		if (m->kind == LDFI_MSG_DATA && m->dst_comp == k)
			n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%s/%d", n ? " " : "",
					      tr->recs[m->rec].name, m->send_round);
	}
	return out;
}

/* The parents of the first data message carrying record `name`, as the
 * records of the parent messages with their send rounds, sorted by id:
 * "s1:user1.a/1 s2:user1.b/1". */
static const char *parents_of(const struct ldfi_trace *tr, const char *name)
{
	static char out[4096];
	int rec = ldfi_trace_record_index(tr, name);
	size_t n = 0;

	out[0] = '\0';
	for (size_t i = 0; rec >= 0 && i < tr->n_msgs; i++) {
		const struct ldfi_msg *m = &tr->msgs[i];

		if (m->kind != LDFI_MSG_DATA || m->rec != rec)
			continue;
		uint32_t ids[64], k = 0;

		for (uint32_t j = 0; j < m->n_parents && k < 64; j++) {
			uint32_t id = tr->parents[m->parents_off + j], x = k++;

			for (; x > 0 && ids[x - 1] > id; x--)
				ids[x] = ids[x - 1];
			ids[x] = id;
		}
		for (uint32_t j = 0; j < k; j++) {
			const struct ldfi_msg *p = &tr->msgs[ids[j] - 1];

			n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%s/%d", n ? " " : "",
					      tr->recs[p->rec].name, p->send_round);
		}
		return out;
	}
	return "(no such message)";
}

/* One window holds every input: one record per key, in the window's last
 * round, derived from all of that key's inputs. */
static void test_one_window(void)
{
	struct ldfi_conf *conf = make("4", "2", "1", "once", "once", "no");
	struct ldfi_trace *tr;

	if (!conf)
		return;
	tr = rt_run(conf, "none");
	/* Inputs sent in round 1 arrive in round 2, the window's last. */
	CHECK_STR(emitted(tr), "user1@w0=2/2 user2@w0=1/2");
	CHECK_STR(rt_held_r(tr, "k", "k", 1), "user1@w0=2/3 user2@w0=1/3");
	CHECK_STR(parents_of(tr, "user1@w0=2"), "s1:user1.a/1 s2:user1.b/1");
	/* Each key's record derives from its own inputs only
	 * (ldfi_stage_forget_reads between keys). */
	CHECK_STR(parents_of(tr, "user2@w0=1"), "s2:user2.a/1");
	CHECK(tr->passed);
	ldfi_trace_destroy(tr);

	/* A lost input changes the count: a different record. */
	tr = rt_run(conf, "omit(a,w,1)");
	CHECK_STR(rt_held(tr, "k", "k"), "user1@w0=1 user2@w0=1");
	CHECK(rt_passed(tr, "same") == 0);
	CHECK_STR(rt_offenses(tr, "same"),
		  "user1@w0=1 unexpected-count 1/0 at k@k; user1@w0=2 missing 0/1 at k@k");
	CHECK(rt_passed(tr, "nodup") == 1);
	ldfi_trace_destroy(tr);

	/* Every input of a key lost: no record for it at all. */
	tr = rt_run(conf, "omit(b,w,1)");
	CHECK_STR(rt_held(tr, "k", "k"), "user1@w0=1");
	CHECK_STR(rt_offenses(tr, "same"), "user1@w0=1 unexpected-count 1/0 at k@k; "
					   "user1@w0=2 missing 0/1 at k@k; "
					   "user2@w0=1 missing 0/1 at k@k");
	ldfi_trace_destroy(tr);

	/* A source that never emitted: what derives from it is not expected. */
	tr = rt_run(conf, "crash(b,1)");
	CHECK_STR(rt_held(tr, "k", "k"), "user1@w0=1");
	CHECK(rt_passed(tr, "same") == 1);
	ldfi_trace_destroy(tr);

	/* The window's replica crashed: it emits nothing; the sink notices. */
	tr = rt_run(conf, "crash(w,2)");
	CHECK_STR(rt_held(tr, "k", "k"), "");
	CHECK(rt_passed(tr, "same") == 0);
	ldfi_trace_destroy(tr);
	ldfi_conf_destroy(conf);
}

/* Windows tumble by arrival round: inputs of round 4 fall in window 1. */
static void test_two_windows(void)
{
	struct ldfi_conf *conf = make("6", "2", "3", "once", "once", "no");
	struct ldfi_trace *tr;

	if (!conf)
		return;
	tr = rt_run(conf, "none");
	CHECK_STR(emitted(tr), "user1@w0=1/2 user1@w1=1/4 user2@w1=1/4");
	CHECK_STR(parents_of(tr, "user1@w0=1"), "s1:user1.a/1");
	CHECK_STR(parents_of(tr, "user1@w1=1"), "s2:user1.b/3");
	CHECK(tr->passed);
	ldfi_trace_destroy(tr);
	ldfi_conf_destroy(conf);

	/* A window that would end after eot never emits. */
	conf = make("3", "3", "1", "once", "once", "no");
	if (!conf)
		return;
	tr = rt_run(conf, "none");
	CHECK_STR(emitted(tr), "user1@w0=2/3 user2@w0=1/3");
	CHECK_STR(rt_held(tr, "k", "k"), "");
	ldfi_trace_destroy(tr);
	ldfi_conf_destroy(conf);
}

/* dedup = no counts every copy; dedup = yes only the first of a record. */
static void test_dedup(void)
{
	struct ldfi_conf *conf = make("4", "3", "1", "repeat", "once", "no");
	struct ldfi_trace *tr;

	if (!conf)
		return;
	/* repeat: copies sent in rounds 1, 2 arrive in 2, 3 (window 0 = 1..3). */
	tr = rt_run(conf, "none");
	CHECK_STR(emitted(tr), "user1@w0=4/3 user2@w0=2/3");
	ldfi_trace_destroy(tr);
	ldfi_conf_destroy(conf);

	conf = make("4", "3", "1", "repeat", "once", "yes");
	if (!conf)
		return;
	tr = rt_run(conf, "none");
	CHECK_STR(emitted(tr), "user1@w0=2/3 user2@w0=1/3");
	/* Each record counts once, from its first copy. */
	CHECK_STR(parents_of(tr, "user1@w0=2"), "s1:user1.a/1 s2:user1.b/1");
	ldfi_trace_destroy(tr);

	/* The first copy of s1's record lost: the second counts instead. */
	tr = rt_run(conf, "omit(a,w,1)");
	CHECK_STR(emitted(tr), "user1@w0=2/3 user2@w0=1/3");
	CHECK_STR(parents_of(tr, "user1@w0=2"), "s2:user1.b/1 s1:user1.a/2");
	CHECK(tr->passed);
	/* It exists because no earlier copy arrived: conditional. */
	for (size_t i = 0; i < tr->n_msgs; i++)
		if (tr->msgs[i].rec == ldfi_trace_record_index(tr, "user1@w0=2"))
			CHECK(tr->msgs[i].conditional);
	ldfi_trace_destroy(tr);
	ldfi_conf_destroy(conf);
}

/* An ack hop out of the window with retry_every 1 resends before the ack
 * can arrive: a sink without dedup holds two copies, and no-duplicates
 * covers records named by a stage. */
static void test_duplicate_output(void)
{
	struct ldfi_conf *conf = make("6", "2", "1", "once", "ack", "no");
	struct ldfi_trace *tr;

	if (!conf)
		return;
	tr = rt_run(conf, "none");
	/* retry_every 1: the resend of round 3 leaves before the ack arrives. */
	CHECK_STR(rt_held(tr, "k", "k"), "user1@w0=2 user2@w0=1 user1@w0=2 user2@w0=1");
	CHECK(rt_passed(tr, "same") == 1); /* compared with itself */
	CHECK_STR(rt_offenses(tr, "nodup"),
		  "user1@w0=2 duplicated 2/1 at k@k; user2@w0=1 duplicated 2/1 at k@k");
	ldfi_trace_destroy(tr);
	ldfi_conf_destroy(conf);
}

int main(void)
{
	test_one_window();
	test_two_windows();
	test_dedup();
	test_duplicate_output();
	return test_done();
}
