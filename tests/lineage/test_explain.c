/*
 * test_explain.c - lineage/explain.h (and ldfi_trace_ancestors of
 * lineage.h), every expected value worked out by hand from the cut rule
 * and the parent rules of explain.h:
 *   - derivations: ancestors in depth-first order, ldfi_explain_derivation
 *     sorted and without repeats, ids out of range skipped;
 *   - ldfi_cuts_init: own[] and lost[] for messages cut directly and
 *     through all-of and any-of parents, on a hand-built trace and on the
 *     fault-free run of classic-deliv;
 *   - ldfi_explain_missing: copies, the messages that cut them and the
 *     uncut count, with and without dedup at the sink;
 *   - ldfi_explain_lost_acks: the lost acks behind a duplicate;
 *   - ldfi_explain_order: the copy that came before an earlier record.
 * Runs from the source root (scenarios/delivery/ is read).
 */
#include <stdlib.h>

#include "lineage/explain.h"
#include "tests/lineage/lin.h"

/* ------------------------------------------------ a hand-built trace
 *
 * Nodes a b c d (0..3), one component, one record:
 *   1  a>b r1
 *   2  a>c r1
 *   3  b>c r2  all of {1}
 *   4  c>d r3  all of {2, 3}
 *   5  c>d r3  any of {2, 3}
 *   6  b>d r3  any of {1}
 * d holds two copies, from 4 and from 5; 6 also reaches d, and d keeps
 * nothing of it (as a sink with dedup would).
 */
enum { A, B, C, D };

static const uint32_t hand_parents[] = {1, 2, 3, 2, 3, 1};

static struct ldfi_msg hand_msg(uint32_t id, int src, int dst, int round, uint32_t off, uint32_t n,
				bool any)
{
	struct ldfi_msg m = {0};

	m.id = id;
	m.kind = LDFI_MSG_DATA;
	m.fate = LDFI_FATE_DELIVERED;
	m.parents_any = any;
	m.src_node = src;
	m.dst_node = dst;
	m.send_round = round;
	m.fault = -1;
	m.parents_off = off;
	m.n_parents = n;
	return m;
}

struct hand {
	struct ldfi_trace tr;
	struct ldfi_msg msgs[6];
	struct ldfi_output outs[2];
	uint32_t parents[sizeof(hand_parents) / sizeof(hand_parents[0]) + 2];
};

/* The bounds the hand-built trace runs under (the cut rule reads them). */
static const struct ldfi_conf hand_conf = {.eot = 6, .eff = 4, .downtime = 1};

static void hand_init(struct hand *h)
{
	memset(h, 0, sizeof(*h));
	h->tr.conf = &hand_conf;
	memcpy(h->parents, hand_parents, sizeof(hand_parents));
	h->parents[6] = 4; /* the copies' parents */
	h->parents[7] = 5;
	h->msgs[0] = hand_msg(1, A, B, 1, 0, 0, false);
	h->msgs[1] = hand_msg(2, A, C, 1, 0, 0, false);
	h->msgs[2] = hand_msg(3, B, C, 2, 0, 1, false);
	h->msgs[3] = hand_msg(4, C, D, 3, 1, 2, false);
	h->msgs[4] = hand_msg(5, C, D, 3, 3, 2, true);
	h->msgs[5] = hand_msg(6, B, D, 3, 5, 1, true);
	h->outs[0] = (struct ldfi_output){0, D, 0, 0, 4, 6, 1, 0};
	h->outs[1] = (struct ldfi_output){0, D, 1, 0, 4, 7, 1, 0};
	h->tr.msgs = h->msgs;
	h->tr.n_msgs = 6;
	h->tr.parents = h->parents;
	h->tr.n_parents = 8;
	h->tr.outs = h->outs;
	h->tr.n_outs = 2;
}

static void visit(const struct ldfi_msg *m, void *arg)
{
	struct ldfi_idset *s = arg;

	if (s->n < s->cap)
		s->v[s->n++] = m->id;
}

/* ldfi_trace_ancestors: itself, then each parent's derivation in turn
 * (first parent first), each message once. */
static const char *ancestors(const struct ldfi_trace *tr, uint32_t id)
{
	uint32_t v[16];
	struct ldfi_idset s = {v, 0, 16, false};

	CHECK(ldfi_trace_ancestors(tr, id, visit, &s) == 0);
	return lin_ids(v, s.n);
}

static void test_derivation(void)
{
	static const struct {
		uint32_t ids[4];
		uint32_t n;
		const char *want;
	} rows[] = {
	    {{5}, 1, "1 2 3 5"}, {{4, 6}, 2, "1 2 3 4 6"}, {{3, 3, 1}, 3, "1 3"},
	    {{0, 7, 2}, 3, "2"}, {{6, 1}, 2, "1 6"},	   {{0}, 0, ""},
	};
	struct ldfi_idset s = {0};
	struct hand h;

	hand_init(&h);
	CHECK_STR(ancestors(&h.tr, 5), "5 2 3 1");
	CHECK_STR(ancestors(&h.tr, 4), "4 2 3 1");
	CHECK_STR(ancestors(&h.tr, 6), "6 1");
	CHECK_STR(ancestors(&h.tr, 2), "2");
	/* Each call replaces what the set held. */
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		CHECK(ldfi_explain_derivation(&h.tr, rows[i].ids, rows[i].n, &s) == 0);
		CHECK_STR(lin_ids(s.v, s.n), rows[i].want);
	}
	CHECK(ldfi_explain_copy(&h.tr, &h.outs[0], &s) == 0);
	CHECK_STR(lin_ids(s.v, s.n), "1 2 3 4");
	CHECK(ldfi_explain_copy(&h.tr, &h.outs[1], &s) == 0);
	CHECK_STR(lin_ids(s.v, s.n), "1 2 3 5");
	ldfi_idset_finish(&s);
	CHECK(s.v == NULL && s.n == 0 && s.cap == 0);
}

/* own[] as "ID:FAULT ..." for the messages a fault cuts; lost ids. */
static const char *own_str(const struct ldfi_cuts *c)
{
	static char buf[512];
	size_t n = 0;

	buf[0] = '\0';
	for (uint32_t id = 1; id <= c->tr->n_msgs; id++)
		if (c->own[id] >= 0)
			lin_put(buf, sizeof(buf), &n, n ? " %u:%d" : "%u:%d", id, c->own[id]);
	return buf;
}

static const char *lost_str(const struct ldfi_cuts *c)
{
	static char buf[512];
	size_t n = 0;

	buf[0] = '\0';
	for (uint32_t id = 1; id <= c->tr->n_msgs; id++) {
		CHECK(c->lost[id] == ldfi_cuts_lost(c, id));
		if (ldfi_cuts_lost(c, id))
			lin_put(buf, sizeof(buf), &n, n ? " %u" : "%u", id);
	}
	CHECK(!ldfi_cuts_lost(c, 0) && !ldfi_cuts_lost(c, (uint32_t)c->tr->n_msgs + 1));
	return buf;
}

/* What a fault set cuts and why d misses copies of the hand trace. */
static const struct hand_row {
	struct ldfi_fault f[2];
	int n;
	const char *own, *lost;
	const char *why, *why_sorted; /* ldfi_explain_missing at d */
	int uncut;
} hand_rows[] = {
    /* 1 cut: 3 (all of {1}), 4 (all of {2, 3}: 3 lost), 6 (any of {1});
     * 5 keeps 2. Copy 4 is lost through 3, then 1; copy 5 is not. */
    {{{LDFI_FAULT_OMIT, A, B, 1}}, 1, "1:0", "1 3 4 6", "1", "1", 1},
    /* 2 cut: 4 needs it; 5 has 3; 6 does not depend on it. */
    {{{LDFI_FAULT_OMIT, A, C, 1}}, 1, "2:0", "2 4", "2", "2", 2},
    /* Both: every message lost. 4 is explained by its first lost parent
     * (2), 5 by all its parents (3 through 1, and 2). */
    {{{LDFI_FAULT_OMIT, A, B, 1}, {LDFI_FAULT_OMIT, A, C, 1}},
     2,
     "1:0 2:1",
     "1 2 3 4 5 6",
     "2 1",
     "1 2",
     0},
    {{{LDFI_FAULT_OMIT, B, C, 2}}, 1, "3:0", "3 4", "3", "3", 2},
    /* crash(c,3): c receives nothing in round 3 (3 = 2 + 1) and sends
     * nothing from round 3 on (4, 5); 2 arrived in round 2. Copy 4 is
     * explained where the crash first cut its chain (3, its lost parent),
     * not on its own later hop; 5 has no lost parent. */
    {{{LDFI_FAULT_CRASH, C, -1, 3}}, 1, "3:0 4:0 5:0", "3 4 5", "3 5", "3 5", 1},
    /* crash(c,4): after c's last send. No fault at all: nothing lost, the
     * two copies and the unkept delivery 6 uncut. */
    {{{LDFI_FAULT_CRASH, C, -1, 4}}, 1, "", "", "", "", 3},
    {{{LDFI_FAULT_OMIT, A, B, 1}}, 0, "", "", "", "", 3},
};

static void hand_row(const struct hand_row *r)
{
	struct ldfi_held d = {0, 0, D};
	struct ldfi_why w = {0};
	struct ldfi_faults fs;
	struct ldfi_cuts c;
	bool kept[8] = {false};
	int n_copies = -1;
	struct hand h;

	hand_init(&h);
	ldfi_faults_init(&fs);
	for (int i = 0; i < r->n; i++)
		CHECK(ldfi_faults_add(&fs, r->f[i]) == 0);
	if (ldfi_cuts_init(&c, &h.tr, &fs) != 0) {
		CHECK(0);
		ldfi_faults_finish(&fs);
		return;
	}
	CHECK(c.own[0] == -1);
	CHECK_STR(own_str(&c), r->own);
	CHECK_STR(lost_str(&c), r->lost);
	CHECK(ldfi_cuts_copy_lost(&c, &h.outs[0]) == ldfi_cuts_lost(&c, 4));
	CHECK(ldfi_cuts_copy_lost(&c, &h.outs[1]) == ldfi_cuts_lost(&c, 5));
	CHECK(ldfi_explain_missing(&c, &d, kept, &w, &n_copies) == 0);
	CHECK(n_copies == 2);
	CHECK_STR(lin_marked(kept, 6), "4 5");
	CHECK_STR(lin_ids(w.v, (size_t)w.n), r->why);
	ldfi_why_sort(&w);
	CHECK_STR(lin_ids(w.v, (size_t)w.n), r->why_sorted);
	CHECK(w.uncut == r->uncut);
	ldfi_why_finish(&w);
	CHECK(w.v == NULL && w.n == 0 && w.uncut == 0);
	ldfi_cuts_finish(&c);
	ldfi_faults_finish(&fs);
}

/* held_at and unkept on the hand trace. */
static void hand_predicates(void)
{
	struct ldfi_held d = {0, 0, D}, c = {0, 0, C}, other = {1, 0, D};
	bool kept[8] = {false};
	struct hand h;

	hand_init(&h);
	CHECK(ldfi_explain_held_at(&h.outs[0], &d));
	CHECK(!ldfi_explain_held_at(&h.outs[0], &c));
	CHECK(!ldfi_explain_held_at(&h.outs[0], &other));
	CHECK(ldfi_explain_unkept(&h.msgs[5], &d, kept));
	CHECK(!ldfi_explain_unkept(&h.msgs[5], &other, kept));
	CHECK(!ldfi_explain_unkept(&h.msgs[2], &d, kept)); /* to c */
	kept[6] = true;
	CHECK(!ldfi_explain_unkept(&h.msgs[5], &d, kept));
	kept[6] = false;
	h.msgs[5].fate = LDFI_FATE_OMITTED;
	CHECK(!ldfi_explain_unkept(&h.msgs[5], &d, kept));
	h.msgs[5].fate = LDFI_FATE_DELIVERED;
	h.msgs[5].kind = LDFI_MSG_ACK;
	CHECK(!ldfi_explain_unkept(&h.msgs[5], &d, kept));
}

static void test_hand(void)
{
	for (size_t i = 0; i < sizeof(hand_rows) / sizeof(hand_rows[0]); i++)
		hand_row(&hand_rows[i]);
	hand_predicates();
}

/* ------------------------------------------------------ classic-deliv
 *
 * Fault-free (docs/semantics.md): 1 a>a, 2 a>b, 3 a>c in round 1; each
 * replica relays its first copy (any of it) in round 2: 4 a>b, 5 a>c
 * (from 1), 6 b>a, 7 b>c (from 2), 8 c>a, 9 c>b (from 3). Each replica
 * holds its copy of round 2 and the two relays of round 3.
 */
static const struct cut_case {
	const char *faults;
	int eff;
	const char *own, *lost;
} cut_cases[] = {
    {"omit(a,b,1)", 3, "2:0", "2 6 7"},
    {"omit(a,b,1) omit(a,c,1)", 3, "2:0 3:1", "2 3 6 7 8 9"},
    {"omit(a,c,1) omit(a,c,2) omit(b,c,2)", 3, "3:0 5:1 7:2", "3 5 7 8 9"},
    {"omit(b,a,2) omit(c,a,2)", 3, "6:0 8:1", "6 8"},
    /* The omission bound given: round 2 = eff is never omitted. */
    {"omit(a,c,2)", 2, "", ""},
};

static void test_cuts_classic(void)
{
	struct ldfi_conf *conf = rt_conf_file("scenarios/delivery/classic-deliv.conf");
	struct ldfi_trace *ff = rt_run(conf, "none");

	for (size_t i = 0; ff && i < sizeof(cut_cases) / sizeof(cut_cases[0]); i++) {
		struct ldfi_faults fs;
		struct ldfi_cuts c;

		ldfi_faults_init(&fs);
		lin_faults(conf, cut_cases[i].faults, &fs);
		conf->eff = cut_cases[i].eff; /* the bound the cut rule reads (ff->conf) */
		if (ldfi_cuts_init(&c, ff, &fs) == 0) {
			CHECK(c.tr == ff && c.fs == &fs);
			CHECK_STR(own_str(&c), cut_cases[i].own);
			CHECK_STR(lost_str(&c), cut_cases[i].lost);
			ldfi_cuts_finish(&c);
		}
		ldfi_faults_finish(&fs);
	}
	ldfi_trace_destroy(ff);
	ldfi_conf_destroy(conf);
}

/* classic-deliv with the sink's dedup set: the same 9 messages, each
 * replica keeps only its copy of round 2. */
static const char classic_text[] = "[explore]\neot = 5\neff = 3\n"
				   "[source bcast]\nnode = a\nrecords = 1\nto = log\n"
				   "[sink log]\nnodes = a, b, c\nrelay = once\ndedup = DD\n"
				   "[check agree]\nkind = agreement\nsink = log\n";

static const struct missing_case {
	const char *dedup;
	const char *node;
	const char *faults;
	int n_copies;
	const char *kept, *why, *why_sorted;
	int uncut;
} missing_cases[] = {
    /* Every copy of c cut by its own omission. */
    {"no", "c", "omit(a,c,1) omit(a,c,2) omit(b,c,2)", 3, "3 5 7", "3 5 7", "3 5 7", 0},
    {"no", "c", "omit(a,c,1)", 3, "3 5 7", "3", "3", 2},
    /* b's relay 7 lost through its parent 2. */
    {"no", "c", "omit(a,b,1) omit(a,c,1)", 3, "3 5 7", "3 2", "2 3", 1},
    {"no", "a", "omit(a,b,1)", 3, "1 6 8", "2", "2", 2},
    /* dedup: one copy; the deliveries 5 and 7 not kept count too. */
    {"yes", "c", "omit(a,c,1)", 1, "3", "3", "3", 2},
    {"yes", "c", "omit(a,c,1) omit(a,c,2) omit(b,c,2)", 1, "3", "3 5 7", "3 5 7", 0},
    {"yes", "c", "omit(a,b,1) omit(a,c,1)", 1, "3", "3 2", "2 3", 1},
};

/* Record `rec` at replica comp@node of tr's conf. */
static struct ldfi_held held_at(const struct ldfi_trace *tr, const char *rec, const char *comp,
				const char *node)
{
	struct ldfi_held b = {ldfi_trace_record_index(tr, rec),
			      ldfi_conf_comp_index(tr->conf, comp),
			      ldfi_conf_node_index(tr->conf, node)};

	return b;
}

/* One case of ldfi_explain_missing on the fault-free run `ff`. */
static void missing_run(const struct missing_case *mc, const struct ldfi_trace *ff)
{
	struct ldfi_held b = held_at(ff, "bcast:1", "log", mc->node);
	bool *kept = calloc(ff->n_msgs + 1, sizeof(*kept));
	struct ldfi_why w = {0};
	struct ldfi_faults fs;
	struct ldfi_cuts c;
	int n_copies = -1;

	ldfi_faults_init(&fs);
	lin_faults(ff->conf, mc->faults, &fs);
	if (kept && ldfi_cuts_init(&c, ff, &fs) == 0) {
		CHECK(ldfi_explain_missing(&c, &b, kept, &w, &n_copies) == 0);
		CHECK(n_copies == mc->n_copies);
		CHECK_STR(lin_marked(kept, ff->n_msgs), mc->kept);
		CHECK_STR(lin_ids(w.v, (size_t)w.n), mc->why);
		ldfi_why_sort(&w);
		CHECK_STR(lin_ids(w.v, (size_t)w.n), mc->why_sorted);
		CHECK(w.uncut == mc->uncut);
		ldfi_cuts_finish(&c);
	}
	ldfi_why_finish(&w);
	ldfi_faults_finish(&fs);
	free(kept);
}

static void missing_case(const struct missing_case *mc)
{
	struct ldfi_conf *conf = rt_conf("classic.conf", rt_subst(classic_text, "DD", mc->dedup));
	struct ldfi_trace *ff = rt_run(conf, "none");

	if (ff) {
		CHECK(ff->n_msgs == 9);
		missing_run(mc, ff);
	}
	ldfi_trace_destroy(ff);
	ldfi_conf_destroy(conf);
}

static void test_missing(void)
{
	for (size_t i = 0; i < sizeof(missing_cases) / sizeof(missing_cases[0]); i++)
		missing_case(&missing_cases[i]);
}

/* ---------------------------------------------------------- lost acks */

/* One record from a to a sink on b (no dedup) under ack. */
static const char ack_text[] = "[explore]\neot = EOT\neff = 4\n"
			       "[source s]\nnode = a\nrecords = 1\nto = k\n"
			       "delivery = ack\nretry_every = RE\n"
			       "[sink k]\nnodes = b\n"
			       "[check once]\nkind = exactly-once\nsink = k\n";

static const struct ack_case {
	const char *eot, *retry, *faults;
	const char *on; /* the derivations of b's copies */
	int n_acks;
	const char *lost; /* ids of the lost acks among them */
} ack_cases[] = {
    /* 1 data r1, 2 its ack r2 (lost), 3 data r3 (no ack by then), 4 ack
     * r4: b holds the copies of 1 and 3; one lost ack made a resend. */
    {"6", "2", "omit(b,a,2)", "1 3", 1, "2"},
    /* The same at eot 4: the ack of round 4 is sent at eot and never
     * delivered; it made no resend, so it is not a lost ack. */
    {"4", "2", "omit(b,a,2)", "1 3", 1, "2"},
    /* No fault: one copy, its ack delivered. */
    {"6", "2", "none", "1", 0, ""},
    /* retry_every 1 resends before any ack can come: two copies and no
     * lost ack (1 data r1, 2 data r2, acks 3 and 4 delivered). */
    {"6", "1", "none", "1 2", 0, ""},
};

static struct ldfi_conf *ack_conf(const char *eot, const char *retry)
{
	static char text[8192];

	snprintf(text, sizeof(text), "%s", rt_subst(ack_text, "EOT", eot));
	return rt_conf("ack.conf", rt_subst(text, "RE", retry));
}

/* One case of ldfi_explain_lost_acks on its run `tr`. */
static void ack_run(const struct ack_case *ac, const struct ldfi_trace *tr)
{
	struct ldfi_held b = held_at(tr, "s:1", "k", "b");
	bool *on = calloc(tr->n_msgs + 1, sizeof(*on));
	struct ldfi_idset s = {0};
	char lost[64] = "";
	size_t n = 0;
	int n_acks = -1;

	if (on && ldfi_explain_lost_acks(tr, &b, &s, on, &n_acks) == 0) {
		CHECK_STR(lin_marked(on, tr->n_msgs), ac->on);
		CHECK(n_acks == ac->n_acks);
		for (size_t i = 0; i < tr->n_msgs; i++)
			if (ldfi_explain_lost_ack(tr, &tr->msgs[i], on))
				lin_put(lost, sizeof(lost), &n, n ? " %u" : "%u", tr->msgs[i].id);
		CHECK_STR(lost, ac->lost);
	}
	free(on);
	ldfi_idset_finish(&s);
}

static void ack_case(const struct ack_case *ac)
{
	struct ldfi_conf *conf = ack_conf(ac->eot, ac->retry);
	struct ldfi_trace *tr = rt_run(conf, ac->faults);

	if (tr)
		ack_run(ac, tr);
	ldfi_trace_destroy(tr);
	ldfi_conf_destroy(conf);
}

/* An ack is a lost ack of the derivation only when one of its parents is
 * in it. */
static void ack_not_on(void)
{
	struct ldfi_conf *conf = ack_conf("6", "2");
	struct ldfi_trace *tr = rt_run(conf, "omit(b,a,2)");
	bool on[8] = {false};

	if (tr && tr->n_msgs == 4) {
		CHECK(!ldfi_explain_lost_ack(tr, &tr->msgs[1], on));
		on[3] = true;
		CHECK(!ldfi_explain_lost_ack(tr, &tr->msgs[1], on));
		on[1] = true;
		CHECK(ldfi_explain_lost_ack(tr, &tr->msgs[1], on));
		CHECK(!ldfi_explain_lost_ack(tr, &tr->msgs[0], on)); /* data */
		CHECK(!ldfi_explain_lost_ack(tr, &tr->msgs[3], on)); /* delivered */
	}
	ldfi_trace_destroy(tr);
	ldfi_conf_destroy(conf);
}

static void test_lost_acks(void)
{
	for (size_t i = 0; i < sizeof(ack_cases) / sizeof(ack_cases[0]); i++)
		ack_case(&ack_cases[i]);
	ack_not_on();
}

/* -------------------------------------------------------------- order */

/* Two sources on a, s (3 records) then t (1), to a sink on b and c. The
 * built-in stages keep a source's records in order, so the replicas'
 * contents are edited (as tests/runtime/test_ordered does). */
static const char order_text[] = "[explore]\neot = 2\n"
				 "[source s]\nnode = a\nrecords = 3\nto = k\n"
				 "[source t]\nnode = a\nrecords = 1\nto = k\n"
				 "[sink k]\nnodes = b, c\n"
				 "[check order]\nkind = ordered\nsink = k\n";

static const struct order_row {
	const char *node, *rec;
	int mine, later; /* positions at the replica, -1: NULL */
} order_rows[] = {
    /* b holds s:3 s:1 t:1 s:2 */
    {"b", "s:1", 1, 0},
    {"b", "s:2", 3, 0},
    {"b", "s:3", 0, -1},
    {"b", "t:1", 2, -1}, /* another source's records do not count */
    /* c holds s:1 s:3 s:2 s:2: the first copy of s:2 counts */
    {"c", "s:1", 0, -1},
    {"c", "s:2", 2, 1},
    {"c", "s:3", 1, -1},
};

static void set_recs(struct ldfi_trace *tr, int node, const char *const *names)
{
	for (size_t i = 0; i < tr->n_outs; i++)
		if (tr->outs[i].node == node)
			tr->outs[i].rec = ldfi_trace_record_index(tr, names[tr->outs[i].pos]);
}

/* Records named by stages have no emission order: none comes "later".
 * b's contents become x y s:2 s:1, x and y named records. */
static void order_named(struct ldfi_trace *tr, int node)
{
	static const char *const names[] = {"x", "y", "s:2", "s:1"};
	struct ldfi_held b = {-1, tr->outs[0].comp, node};
	const struct ldfi_output *mine, *later;

	CHECK(ldfi_trace_record(tr, "x") >= 0 && ldfi_trace_record(tr, "y") >= 0);
	set_recs(tr, node, names);
	CHECK_STR(rt_held(tr, "k", "b"), "x y s:2 s:1");
	b.rec = ldfi_trace_record_index(tr, "y");
	ldfi_explain_order(tr, &b, &mine, &later);
	CHECK(mine && mine->pos == 1 && !later);
	b.rec = ldfi_trace_record_index(tr, "s:1");
	ldfi_explain_order(tr, &b, &mine, &later);
	CHECK(mine && mine->pos == 3 && later && later->pos == 2);
}

static int pos_of(const struct ldfi_output *o)
{
	return o ? o->pos : -1;
}

static void test_order(void)
{
	static const char *const on_b[] = {"s:3", "s:1", "t:1", "s:2"};
	static const char *const on_c[] = {"s:1", "s:3", "s:2", "s:2"};
	struct ldfi_conf *conf = rt_conf("order.conf", order_text);
	struct ldfi_trace *tr = rt_run(conf, "none");

	if (!tr)
		goto out;
	CHECK_STR(rt_held(tr, "k", "b"), "s:1 s:2 s:3 t:1");
	CHECK(tr->n_outs == 8);
	set_recs(tr, ldfi_conf_node_index(conf, "b"), on_b);
	set_recs(tr, ldfi_conf_node_index(conf, "c"), on_c);
	CHECK_STR(rt_held(tr, "k", "b"), "s:3 s:1 t:1 s:2");
	CHECK_STR(rt_held(tr, "k", "c"), "s:1 s:3 s:2 s:2");
	for (size_t i = 0; i < sizeof(order_rows) / sizeof(order_rows[0]); i++) {
		const struct order_row *r = &order_rows[i];
		struct ldfi_held b = held_at(tr, r->rec, "k", r->node);
		const struct ldfi_output *mine = NULL, *later = NULL;

		ldfi_explain_order(tr, &b, &mine, &later);
		CHECK(pos_of(mine) == r->mine && pos_of(later) == r->later);
		CHECK(!mine || (mine->node == b.node && mine->rec == b.rec));
		CHECK(!later || later->node == b.node);
	}
	order_named(tr, ldfi_conf_node_index(conf, "b"));
out:
	ldfi_trace_destroy(tr);
	ldfi_conf_destroy(conf);
}

int main(void)
{
	test_derivation();
	test_hand();
	test_cuts_classic();
	test_missing();
	test_lost_acks();
	test_order();
	return test_done();
}
