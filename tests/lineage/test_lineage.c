/*
 * test_lineage.c - lineage/lineage.h against the rules of docs/lineage.md,
 * with every expected value worked out by hand from those rules:
 *   - the fault space: variable numbering (crashes first, a node's latest
 *     round first, then omissions in canonical order), var <-> fault round
 *     trips, faults outside the space, eff 0/1 and crashes 0;
 *   - the cut rule (ldfi_fault_cuts, ldfi_faults_cut) on both sides of every
 *     boundary round;
 *   - the supports ldfi_lineage_add_trace learns from runs of small confs:
 *     the exact clauses of each outcome (held, acked, count), crashed
 *     replicas, repeated traces, supports dropped when a newer one implies
 *     them and the order ldfi_outcome.version promises, conditional
 *     supports (their condition part), acked outcomes only for checks that
 *     count copies, and the acked supports learnt in either order of runs.
 * Runs from the source root (scenarios/delivery/ is read).
 */
#include "tests/lineage/lin.h"

/* ------------------------------------------------------------ the space */

/* A conf on `nodes` (the source on the first one) with these bounds. */
static struct ldfi_conf *space_conf(const char *nodes, int eot, int eff, int crashes)
{
	char text[512], first[16];

	snprintf(first, sizeof(first), "%.*s", (int)strcspn(nodes, ","), nodes);
	snprintf(text, sizeof(text),
		 "[explore]\neot = %d\neff = %d\ncrashes = %d\n"
		 "[source s]\nnode = %s\nrecords = 1\nto = k\n"
		 "[sink k]\nnodes = %s\n"
		 "[check d]\nkind = delivered\nsink = k\n",
		 eot, eff, crashes, first, nodes);
	return rt_conf("space.conf", text);
}

static const struct space_case {
	const char *nodes;
	int eot, eff, crashes;
	int n_crash, n_omit;
	const char *vars; /* the fault of variable 1, 2, ... */
} space_cases[] = {
    {"a, b, c", 3, 2, 1, 9, 6,
     "crash(a,3) crash(a,2) crash(a,1) crash(b,3) crash(b,2) crash(b,1) "
     "crash(c,3) crash(c,2) crash(c,1) "
     "omit(a,b,1) omit(a,c,1) omit(b,a,1) omit(b,c,1) omit(c,a,1) omit(c,b,1)"},
    {"a, b", 4, 3, 2, 8, 4,
     "crash(a,4) crash(a,3) crash(a,2) crash(a,1) crash(b,4) crash(b,3) crash(b,2) crash(b,1) "
     "omit(a,b,1) omit(a,b,2) omit(b,a,1) omit(b,a,2)"},
    /* eff 1: no round in 1..eff-1, no omission. */
    {"a, b, c", 2, 1, 1, 6, 0, "crash(a,2) crash(a,1) crash(b,2) crash(b,1) crash(c,2) crash(c,1)"},
    /* crashes 0: no crash variable. */
    {"a, b, c", 3, 3, 0, 0, 12,
     "omit(a,b,1) omit(a,b,2) omit(a,c,1) omit(a,c,2) omit(b,a,1) omit(b,a,2) "
     "omit(b,c,1) omit(b,c,2) omit(c,a,1) omit(c,a,2) omit(c,b,1) omit(c,b,2)"},
    {"a, b", 2, 0, 0, 0, 0, ""},
    /* Nodes in name order, whatever the order in the file. */
    {"z, m", 2, 2, 1, 4, 2, "crash(m,2) crash(m,1) crash(z,2) crash(z,1) omit(m,z,1) omit(z,m,1)"},
};

/* Every variable of one case: its fault's text, and the variable of the
 * fault parsed from that text. */
static void space_case(const struct space_case *sc)
{
	struct ldfi_conf *conf = space_conf(sc->nodes, sc->eot, sc->eff, sc->crashes);
	struct ldfi_space sp;
	char vars[1024], *tok, *save = NULL;
	int v = 0;

	if (!conf)
		return;
	ldfi_space_init(&sp, conf);
	CHECK(sp.conf == conf);
	CHECK(sp.n_crash == sc->n_crash);
	CHECK(sp.n_omit == sc->n_omit);
	CHECK(sp.n_vars == sc->n_crash + sc->n_omit);
	snprintf(vars, sizeof(vars), "%s", sc->vars);
	for (tok = strtok_r(vars, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		struct ldfi_faults fs;
		struct ldfi_fault f;
		char text[64];

		if (++v > sp.n_vars)
			break;
		f = ldfi_space_fault(&sp, v);
		ldfi_fault_format(conf, &f, text, sizeof(text));
		CHECK_STR(text, tok);
		CHECK(ldfi_space_var(&sp, &f) == v);
		ldfi_faults_init(&fs);
		lin_faults(conf, tok, &fs);
		CHECK(fs.n == 1 && ldfi_space_var(&sp, &fs.v[0]) == v);
		ldfi_faults_finish(&fs);
	}
	CHECK(v == sp.n_vars);
	ldfi_conf_destroy(conf);
}

/* Omissions are numbered in canonical fault order; within a node, crash
 * variables go from the latest round down. */
static void space_order(void)
{
	struct ldfi_conf *conf = space_conf("a, b, c", 4, 4, 1);
	struct ldfi_space sp;

	if (!conf)
		return;
	ldfi_space_init(&sp, conf);
	for (int v = sp.n_crash + 2; v <= sp.n_vars; v++) {
		struct ldfi_fault x = ldfi_space_fault(&sp, v - 1), y = ldfi_space_fault(&sp, v);

		CHECK(ldfi_fault_cmp(&x, &y) < 0);
	}
	for (int v = 2; v <= sp.n_crash; v++) {
		struct ldfi_fault x = ldfi_space_fault(&sp, v - 1), y = ldfi_space_fault(&sp, v);

		CHECK(x.a == y.a ? x.t == y.t + 1 : x.a + 1 == y.a && x.t == 1 && y.t == 4);
	}
	ldfi_conf_destroy(conf);
}

/* Faults the bounds do not allow have no variable. */
static void space_outside(void)
{
	static const struct {
		int space; /* index in space_cases */
		struct ldfi_fault f;
	} rows[] = {
	    {0, {LDFI_FAULT_CRASH, 0, -1, 0}},	{0, {LDFI_FAULT_CRASH, 0, -1, 4}},
	    {0, {LDFI_FAULT_CRASH, 1, -1, 4}},	{0, {LDFI_FAULT_CRASH, 2, -1, 0}},
	    {0, {LDFI_FAULT_CRASH, -1, -1, 1}}, {0, {LDFI_FAULT_CRASH, 3, -1, 1}},
	    {0, {LDFI_FAULT_OMIT, 0, 0, 1}},	{0, {LDFI_FAULT_OMIT, 0, 1, 0}},
	    {0, {LDFI_FAULT_OMIT, 0, 1, 2}},	{0, {LDFI_FAULT_OMIT, 0, -1, 1}},
	    {0, {LDFI_FAULT_OMIT, 0, 3, 1}},	{0, {LDFI_FAULT_OMIT, -1, 1, 1}},
	    {0, {LDFI_FAULT_OMIT, 3, 1, 1}},	{1, {LDFI_FAULT_OMIT, 0, 1, 3}},
	    {2, {LDFI_FAULT_OMIT, 0, 1, 1}},	{3, {LDFI_FAULT_CRASH, 0, -1, 1}},
	    {3, {LDFI_FAULT_OMIT, 1, 2, 3}},	{4, {LDFI_FAULT_OMIT, 0, 1, 1}},
	    {4, {LDFI_FAULT_CRASH, 1, -1, 1}},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct space_case *sc = &space_cases[rows[i].space];
		struct ldfi_conf *conf = space_conf(sc->nodes, sc->eot, sc->eff, sc->crashes);
		struct ldfi_space sp;

		if (!conf)
			continue;
		ldfi_space_init(&sp, conf);
		if (ldfi_space_var(&sp, &rows[i].f) != 0)
			fprintf(stderr, "outside row %zu has a variable\n", i);
		CHECK(ldfi_space_var(&sp, &rows[i].f) == 0);
		ldfi_conf_destroy(conf);
	}
}

static void test_space(void)
{
	for (size_t i = 0; i < sizeof(space_cases) / sizeof(space_cases[0]); i++)
		space_case(&space_cases[i]);
	space_order();
	space_outside();
}

/* -------------------------------------------------------- the cut rule */

enum { A, B, C };

/* The fields of a fault, for the initialisers below. */
#define OMIT(x, y, t) LDFI_FAULT_OMIT, x, y, t
#define CRASH(x, t) LDFI_FAULT_CRASH, x, -1, t

static const struct cut_row {
	struct ldfi_fault f;
	int src, dst, round, eff;
	bool ack;
	bool cuts;
} cut_rows[] = {
    /* omit(a,b,t): only that hop, that round, t < eff. */
    {{OMIT(A, B, 1)}, A, B, 1, 2, false, true},
    {{OMIT(A, B, 1)}, A, B, 2, 3, false, false},
    {{OMIT(A, B, 2)}, A, B, 1, 3, false, false},
    {{OMIT(A, B, 2)}, A, B, 2, 2, false, false},
    {{OMIT(A, B, 2)}, A, B, 2, 3, false, true},
    {{OMIT(A, B, 1)}, B, A, 1, 2, false, false},
    {{OMIT(A, B, 1)}, A, C, 1, 2, false, false},
    {{OMIT(A, B, 1)}, C, B, 1, 2, false, false},
    {{OMIT(B, A, 2)}, B, A, 2, 3, true, true},
    {{OMIT(A, A, 1)}, A, A, 1, 2, false, false},
    {{OMIT(A, B, 1)}, A, A, 1, 2, false, false},
    /* The sender's crash at or before the send round. */
    {{CRASH(A, 1)}, A, B, 2, 2, false, true},
    {{CRASH(A, 2)}, A, B, 2, 2, false, true},
    {{CRASH(A, 3)}, A, B, 2, 2, false, false},
    {{CRASH(A, 3)}, A, B, 3, 2, false, true},
    {{CRASH(A, 4)}, A, B, 3, 2, false, false},
    /* The receiver's crash at or before the delivery round. */
    {{CRASH(B, 1)}, A, B, 2, 2, false, true},
    {{CRASH(B, 2)}, A, B, 2, 2, false, true},
    {{CRASH(B, 3)}, A, B, 2, 2, false, true},
    {{CRASH(B, 4)}, A, B, 2, 2, false, false},
    {{CRASH(A, 3)}, B, A, 2, 2, true, true},
    {{CRASH(A, 4)}, B, A, 2, 2, true, false},
    /* A third node's crash cuts nothing. */
    {{CRASH(C, 1)}, A, B, 1, 2, false, false},
    /* Within one node: that node's crash at or before t + 1, nothing else. */
    {{CRASH(A, 1)}, A, A, 1, 2, false, true},
    {{CRASH(A, 2)}, A, A, 1, 2, false, true},
    {{CRASH(A, 3)}, A, A, 1, 2, false, false},
    {{CRASH(A, 3)}, A, A, 2, 2, false, true},
    {{CRASH(B, 1)}, A, A, 1, 2, false, false},
};

static struct ldfi_msg cut_msg(int src, int dst, int round, bool ack)
{
	struct ldfi_msg m = {0};

	m.id = 1;
	m.kind = ack ? LDFI_MSG_ACK : LDFI_MSG_DATA;
	m.src_node = src;
	m.dst_node = dst;
	m.src_comp = m.dst_comp = 0;
	m.send_round = round;
	m.fault = -1;
	return m;
}

static void test_cut_rule(void)
{
	for (size_t i = 0; i < sizeof(cut_rows) / sizeof(cut_rows[0]); i++) {
		const struct cut_row *r = &cut_rows[i];
		struct ldfi_msg m = cut_msg(r->src, r->dst, r->round, r->ack);
		struct ldfi_conf c = {.eot = 10, .eff = r->eff, .downtime = 1};

		if (ldfi_fault_cuts(&r->f, &m, &c) != r->cuts)
			fprintf(stderr, "cut row %zu: expected %d\n", i, r->cuts);
		CHECK(ldfi_fault_cuts(&r->f, &m, &c) == r->cuts);
	}
}

#define RESTART(x, t) LDFI_FAULT_RESTART, x, -1, t

/* The rule for restart(n,t) with downtime 2 (n down in rounds t and t+1):
 * its node as sender, down in the send round, or as receiver, down in the
 * delivery round (send round + 1, before eot). Worked out by hand. */
static void test_restart_cut_rule(void)
{
	static const struct cut_row rows[] = {
	    {{RESTART(B, 3)}, A, B, 1, 0, false, false}, /* delivered in 2, up */
	    {{RESTART(B, 3)}, A, B, 2, 0, false, true},	 /* due in 3: down */
	    {{RESTART(B, 3)}, A, B, 3, 0, false, true},	 /* due in 4: down */
	    {{RESTART(B, 3)}, A, B, 4, 0, false, false}, /* due in 5: back up */
	    {{RESTART(B, 3)}, B, A, 2, 0, true, false},	 /* sent before going down */
	    {{RESTART(B, 3)}, B, A, 3, 0, true, true},	 /* a down node sends nothing */
	    {{RESTART(B, 3)}, B, A, 4, 0, false, true},
	    {{RESTART(B, 3)}, B, A, 5, 0, false, false}, /* its recovery round */
	    {{RESTART(B, 3)}, A, C, 3, 0, false, false}, /* another node's messages */
	    {{RESTART(B, 5)}, A, B, 5, 0, false, false}, /* sent in eot: never due */
	};
	struct ldfi_conf c = {.eot = 5, .eff = 0, .downtime = 2};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct ldfi_msg m = cut_msg(rows[i].src, rows[i].dst, rows[i].round, rows[i].ack);

		if (ldfi_fault_cuts(&rows[i].f, &m, &c) != rows[i].cuts)
			fprintf(stderr, "restart cut row %zu: expected %d\n", i, rows[i].cuts);
		CHECK(ldfi_fault_cuts(&rows[i].f, &m, &c) == rows[i].cuts);
	}
}

/* ldfi_faults_cut: the index of the first fault of the set that cuts. */
static void test_faults_cut(void)
{
	struct ldfi_conf *conf = space_conf("a, b, c", 3, 2, 1);
	static const struct {
		int src, dst, round, index;
	} rows[] = {
	    {A, C, 1, 0}, /* crash(c,2): the delivery round */
	    {A, B, 1, 1}, /* omit(a,b,1) */
	    {B, A, 1, -1}, {A, C, 2, 0}, {C, A, 1, -1}, {C, A, 2, 0}, {A, B, 2, -1},
	};
	struct ldfi_faults fs, none;

	if (!conf)
		return;
	ldfi_faults_init(&fs);
	ldfi_faults_init(&none);
	lin_faults(conf, "crash(c,2) omit(a,b,1) omit(a,c,1)", &fs);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct ldfi_msg m = cut_msg(rows[i].src, rows[i].dst, rows[i].round, false);

		CHECK(ldfi_faults_cut(&fs, &m, conf) == rows[i].index);
		CHECK(ldfi_faults_cut(&none, &m, conf) == -1);
	}
	ldfi_faults_finish(&fs);
	ldfi_conf_destroy(conf);
}

/* ------------------------------------------------------------ supports */

/* One record broadcast from a to the replicas of log on a, b, c, once, no
 * relay, with room for one crash. */
static const char bcast_text[] = "[explore]\neot = 3\neff = 2\ncrashes = 1\n"
				 "[source bcast]\nnode = a\nrecords = 1\nat = AT\nto = log\n"
				 "[sink log]\nnodes = a, b, c\n"
				 "[check agree]\nkind = agreement\nsink = log\n";

/* One record from a to the replicas of log on b and c, each relaying
 * what it holds in every round from its first receipt. */
static const char redun_text[] = "[explore]\neot = 4\neff = 3\n"
				 "[source bcast]\nnode = a\nrecords = 1\nto = log\n"
				 "[sink log]\nnodes = b, c\nrelay = repeat\n"
				 "[check agree]\nkind = agreement\nsink = log\n";

/* One record from a to a sink on b under ack, resent every 2 rounds. */
static const char ack_text[] = "[explore]\neot = 6\neff = 4\n"
			       "[source s]\nnode = a\nrecords = 1\nto = k\n"
			       "delivery = ack\nretry_every = 2\n"
			       "[sink k]\nnodes = b\n"
			       "[check c]\nkind = KIND\nsink = k\n";

/* ack_text with a crash allowed. */
static const char ack_crash_text[] = "[explore]\neot = 6\neff = 4\ncrashes = 1\n"
				     "[source s]\nnode = a\nrecords = 1\nto = k\n"
				     "delivery = ack\nretry_every = 2\n"
				     "[sink k]\nnodes = b\n"
				     "[check c]\nkind = KIND\nsink = k\n";

/* The same with a second replica of the sink, on c. */
static const char ack_two_text[] = "[explore]\neot = 6\neff = 4\ncrashes = 1\n"
				   "[source s]\nnode = a\nrecords = 1\nto = k\n"
				   "delivery = ack\nretry_every = 2\n"
				   "[sink k]\nnodes = b, c\n"
				   "[check c]\nkind = KIND\nsink = k\n";

/* One record from a to a sink on b, repeated every round. */
static const char repeat_text[] = "[explore]\neot = 3\neff = 3\n"
				  "[source s]\nnode = a\nrecords = 1\nto = k\ndelivery = repeat\n"
				  "[sink k]\nnodes = b\n"
				  "[check golden]\nkind = matches-fault-free\nsink = k\n";

/* A conf: a scenario file, or `text` with KEY replaced by VALUE. */
struct conf_src {
	const char *file;
	const char *text;
	const char *key, *value;
};

static struct ldfi_conf *load_conf(const struct conf_src *s)
{
	if (s->file)
		return rt_conf_file(s->file);
	return rt_conf("lineage.conf", s->key ? rt_subst(s->text, s->key, s->value) : s->text);
}

#define MAX_STEPS 4

struct support_case {
	const char *name;
	struct conf_src conf;
	struct {
		const char *faults; /* run and added in this order */
		int n_new;	    /* supports it adds */
	} steps[MAX_STEPS];
	const char *outcomes; /* lin_outcomes() after the last step */
};

/* Variables used below, by the rules: simple-deliv (eot 4, eff 2, crashes
 * 0): omit(a,b,1) = 1, omit(a,c,1) = 2; classic-deliv (eot 5, eff 3):
 * omit(a,b,1..2) = 1..2, omit(a,c,1..2) = 3..4, ... omit(c,b,2) = 12. */
static const struct support_case support_cases[] = {
    /* Fault-free simple-deliv: a's own copy crosses no node, and without
     * crashes nothing in the bounds cuts it: the empty clause. b's and c's
     * copies are each cut by the omission of their one hop. */
    {"simple-deliv fault-free",
     {"scenarios/delivery/simple-deliv.conf", NULL, NULL, NULL},
     {{"none", 3}},
     "held bcast:1 log@a: {}\n"
     "held bcast:1 log@b: {omit(a,b,1)}\n"
     "held bcast:1 log@c: {omit(a,c,1)}\n"},
    /* The same trace again adds nothing; nor does a passing run where only
     * a's own copy arrives (implied by the empty clause). */
    {"simple-deliv repeated",
     {"scenarios/delivery/simple-deliv.conf", NULL, NULL, NULL},
     {{"none", 3}, {"none", 0}, {"omit(a,b,1) omit(a,c,1)", 0}},
     "held bcast:1 log@a: {}\n"
     "held bcast:1 log@b: {omit(a,b,1)}\n"
     "held bcast:1 log@c: {omit(a,c,1)}\n"},
    /* Fault-free classic-deliv: b holds the source's copy (omit(a,b,1)),
     * a's relay of round 2 (omit(a,b,2); its parent, a's own copy, cannot
     * be cut) and c's relay (omit(c,b,2), or c's copy lost: omit(a,c,1)).
     * a's relays through b and c are implied by its empty clause. */
    {"classic-deliv fault-free",
     {"scenarios/delivery/classic-deliv.conf", NULL, NULL, NULL},
     {{"none", 7}},
     "held bcast:1 log@a: {}\n"
     "held bcast:1 log@b: {omit(a,b,1)} {omit(a,b,2)} {omit(a,c,1) omit(c,b,2)}\n"
     "held bcast:1 log@c: {omit(a,c,1)} {omit(a,c,2)} {omit(a,b,1) omit(b,c,2)}\n"},
    /* Fault-free, one crash: the sender's crash by round 1 and the hop's
     * omission cut b's copy; b's own crashes are not used. */
    {"bcast fault-free",
     {NULL, bcast_text, "AT", "1"},
     {{"none", 3}},
     "held bcast:1 log@a: {}\n"
     "held bcast:1 log@b: {crash(a,1) omit(a,b,1)}\n"
     "held bcast:1 log@c: {crash(a,1) omit(a,c,1)}\n"},
    /* Sent in round 2 = eff: no omission; a's crash in round 1 or 2. */
    {"bcast at 2",
     {NULL, bcast_text, "AT", "2"},
     {{"none", 3}},
     "held bcast:1 log@a: {}\n"
     "held bcast:1 log@b: {crash(a,2) crash(a,1)}\n"
     "held bcast:1 log@c: {crash(a,2) crash(a,1)}\n"},
    /* c crashes after it received the record (round 3) or before (round
     * 2): either way c is not alive at eot, and its outcome is not made. */
    {"bcast crash(c,3)",
     {NULL, bcast_text, "AT", "1"},
     {{"crash(c,3)", 2}},
     "held bcast:1 log@a: {}\n"
     "held bcast:1 log@b: {crash(a,1) omit(a,b,1)}\n"},
    {"bcast crash(c,2)",
     {NULL, bcast_text, "AT", "1"},
     {{"crash(c,2)", 2}},
     "held bcast:1 log@a: {}\n"
     "held bcast:1 log@b: {crash(a,1) omit(a,b,1)}\n"},
    /* The sender crashes after sending: b and c still learn their copies;
     * a, not alive, has no outcome. */
    {"bcast crash(a,2)",
     {NULL, bcast_text, "AT", "1"},
     {{"crash(a,2)", 2}},
     "held bcast:1 log@b: {crash(a,1) omit(a,b,1)}\n"
     "held bcast:1 log@c: {crash(a,1) omit(a,c,1)}\n"},
    /* A run where c crashed adds nothing to c's existing outcome. */
    {"bcast fault-free, then crash(c,3)",
     {NULL, bcast_text, "AT", "1"},
     {{"none", 3}, {"crash(c,3)", 0}},
     "held bcast:1 log@a: {}\n"
     "held bcast:1 log@b: {crash(a,1) omit(a,b,1)}\n"
     "held bcast:1 log@c: {crash(a,1) omit(a,c,1)}\n"},
    /* Relays of what a replica holds: any copy it received suffices.
     * Fault-free: 1 a>b, 2 a>c (round 1); 3 b>c, 4 c>b (round 2, from 1 and
     * 2); 5 b>c from any of {1, 4}, 6 c>b from any of {2, 3} (round 3).
     * b: {omit(a,b,1)} from 1, {omit(a,c,1) omit(c,b,2)} from 4, then 6
     * (round 3 = eff: no omission) is lost only when both 2
     * ({omit(a,c,1)}) and 3 ({omit(a,b,1) omit(b,c,2)}) are, giving
     * {omit(a,c,1)}, which drops the support of 4, and {omit(a,b,1)
     * omit(b,c,2)}, implied by the first. c likewise. */
    {"redun relays",
     {NULL, redun_text, NULL, NULL},
     {{"none", 6}},
     "held bcast:1 log@b: {omit(a,b,1)} {omit(a,c,1)}\n"
     "held bcast:1 log@c: {omit(a,c,1)} {omit(a,b,1)}\n"},
    /* ack (omit(a,b,1..3) = 1..3, omit(b,a,1..3) = 4..6): the resend of
     * round 3 exists only because no ack came, so what it delivers holds
     * only under supersets of the run's faults {omit(a,b,1)}; with round 3
     * lost too, the resend of round 5 (5 >= eff: no omission) is cut by
     * nothing but the absence of the run's faults. */
    {"ack resends",
     {NULL, ack_text, "KIND", "delivered"},
     {{"none", 1}, {"omit(a,b,1)", 1}, {"omit(a,b,1) omit(a,b,3)", 1}},
     "held s:1 k@b: {omit(a,b,1)} {omit(a,b,3) | !omit(a,b,1)}"
     " { | !omit(a,b,1) !omit(a,b,3)}\n"},
    /* The ack's own derivation (data 1, ack 2) is cut by crash(b,1) and
     * crash(b,2) too, but an ack missing because b crashed only makes a
     * resend to a node that is down for good: acked keeps the omissions.
     * held keeps crash(a,1) (the emission); b's crashes only take the
     * replica out of the checks. */
    {"acked without the ack sender's crashes",
     {NULL, ack_crash_text, "KIND", "exactly-once"},
     {{"none", 2}},
     "held s:1 k@b: {crash(a,1) omit(a,b,1)}\n"
     "acked s:1 s@a from k@b by 3: {omit(a,b,1) omit(b,a,2)}\n"},
    /* Resends (rounds 3, 4 at b: b's copy of round 1 lost) under a crash of
     * c in round 5: c received and acked in round 2 and did nothing after,
     * so with c crashed in round 3 or 4 the run is the same, message for
     * message, and the conditional support holds under those faults too. */
    {"same runs: a crash moved back over rounds its node did nothing",
     {NULL, ack_two_text, "KIND", "delivered"},
     {{"crash(c,5) omit(a,b,1)", 3}},
     "held s:1 k@b: {crash(a,3) crash(a,2) crash(a,1) omit(a,b,3) | !crash(c,5) !omit(a,b,1)}"
     " {crash(a,3) crash(a,2) crash(a,1) omit(a,b,3) | !crash(c,4) !omit(a,b,1)}"
     " {crash(a,3) crash(a,2) crash(a,1) omit(a,b,3) | !crash(c,3) !omit(a,b,1)}\n"},
    /* c crashed before its copy arrived (round 2): it did nothing in round
     * 1 either. */
    {"same runs: a node that never acted",
     {NULL, ack_two_text, "KIND", "delivered"},
     {{"crash(c,2) omit(a,b,1)", 2}},
     "held s:1 k@b: {crash(a,3) crash(a,2) crash(a,1) omit(a,b,3) | !crash(c,2) !omit(a,b,1)}"
     " {crash(a,3) crash(a,2) crash(a,1) omit(a,b,3) | !crash(c,1) !omit(a,b,1)}\n"},
    /* c acked in round 2: crashed in round 2 it would not have; nothing
     * else is the same run. */
    {"same runs: not over a round the node acted in",
     {NULL, ack_two_text, "KIND", "delivered"},
     {{"crash(c,3) omit(a,b,1)", 1}},
     "held s:1 k@b: {crash(a,3) crash(a,2) crash(a,1) omit(a,b,3) | !crash(c,3) !omit(a,b,1)}\n"},
    /* matches-fault-free on a sink without dedup: the fault-free count
     * (2: the copy of round 3 is sent at eot) is lost when either of the
     * first 2 copies is. Later runs holding fewer copies add nothing. */
    {"repeat counts",
     {NULL, repeat_text, NULL, NULL},
     {{"none", 3}, {"omit(a,b,1)", 0}, {"omit(b,a,1)", 0}},
     "held s:1 k@b: {omit(a,b,1)} {omit(a,b,2)}\n"
     "count s:1 k@b 2: {omit(a,b,1) omit(a,b,2)}\n"},
};

/* Run every step of a case into a new lineage; returns the lineage (and
 * the last trace in *last, for record names), NULL on failure. */
static struct ldfi_lineage *run_steps(const struct ldfi_conf *conf, const char *const *faults,
				      const int *n_new, int n_steps, struct ldfi_trace **last)
{
	struct ldfi_lineage *lin = ldfi_lineage_create(conf);

	CHECK(lin != NULL);
	*last = NULL;
	for (int i = 0; lin && i < n_steps; i++) {
		struct ldfi_trace *tr = rt_run(conf, faults[i]);
		int added = -1;

		if (!tr)
			break;
		CHECK(ldfi_lineage_add_trace(lin, tr, &added) == 0);
		if (n_new && added != n_new[i])
			fprintf(stderr, "  step '%s': %d new supports, expected %d\n", faults[i],
				added, n_new[i]);
		CHECK(!n_new || added == n_new[i]);
		ldfi_trace_destroy(*last);
		*last = tr;
	}
	return lin;
}

static void support_case(const struct support_case *sc)
{
	const char *faults[MAX_STEPS];
	int n_new[MAX_STEPS], n = 0;
	struct ldfi_conf *conf;
	struct ldfi_lineage *lin;
	struct ldfi_trace *last;

	if (!(conf = load_conf(&sc->conf)))
		return;
	for (; n < MAX_STEPS && sc->steps[n].faults; n++) {
		faults[n] = sc->steps[n].faults;
		n_new[n] = sc->steps[n].n_new;
	}
	lin = run_steps(conf, faults, n_new, n, &last);
	if (lin && last) {
		if (strcmp(lin_outcomes(lin, last), sc->outcomes) != 0)
			fprintf(stderr, "case '%s':\n", sc->name);
		CHECK_STR(lin_outcomes(lin, last), sc->outcomes);
	}
	ldfi_trace_destroy(last);
	ldfi_lineage_destroy(lin);
	ldfi_conf_destroy(conf);
}

/* The same supports by variable number, for the first case: the rendering
 * above goes through ldfi_space_fault. */
static void support_vars(void)
{
	struct ldfi_conf *conf = rt_conf_file("scenarios/delivery/simple-deliv.conf");
	const char *none = "none";
	struct ldfi_lineage *lin;
	struct ldfi_trace *tr;

	if (!conf)
		return;
	lin = run_steps(conf, &none, NULL, 1, &tr);
	CHECK(lin && ldfi_lineage_n_outcomes(lin) == 3);
	for (int i = 0; lin && i < 3 && i < ldfi_lineage_n_outcomes(lin); i++) {
		const struct ldfi_outcome *o = ldfi_lineage_outcome(lin, i);

		CHECK(o->kind == LDFI_OUTCOME_HELD);
		CHECK(o->rec == 0 && o->comp == ldfi_conf_comp_index(conf, "log") && o->node == i);
		CHECK(o->peer_comp == -1 && o->peer_node == -1 && o->by == 0);
		CHECK(o->n_supports == 1 && o->version == 1);
		CHECK(o->supports[0].n == (i ? 1 : 0) && o->supports[0].n_neg == 0);
		CHECK(i == 0 || o->supports[0].vars[0] == i); /* omit(a,b,1), omit(a,c,1) */
	}
	ldfi_trace_destroy(tr);
	ldfi_lineage_destroy(lin);
	ldfi_conf_destroy(conf);
}

/* The support of a copy sent in one hop, with no parents, is exactly the
 * faults that cut it by ldfi_fault_cuts, less the receiver's crashes:
 * checked for every variable of the space, both emission rounds. */
static void support_is_cut_rule(void)
{
	for (int at = 1; at <= 2; at++) {
		struct ldfi_conf *conf =
		    rt_conf("bcast.conf", rt_subst(bcast_text, "AT", at == 1 ? "1" : "2"));
		const char *none = "none";
		struct ldfi_lineage *lin;
		struct ldfi_trace *tr;

		if (!conf)
			return;
		lin = run_steps(conf, &none, NULL, 1, &tr);
		for (size_t i = 0; lin && tr && i < tr->n_msgs; i++) {
			const struct ldfi_msg *m = &tr->msgs[i];
			const struct ldfi_outcome *o = ldfi_lineage_outcome(lin, (int)i);
			int k = 0;

			CHECK(o->node == m->dst_node && o->n_supports == 1);
			for (int v = 1; v <= ldfi_lineage_space(lin)->n_vars; v++) {
				struct ldfi_fault f = ldfi_space_fault(ldfi_lineage_space(lin), v);
				bool in = k < o->supports[0].n && o->supports[0].vars[k] == v;

				k += in;
				if (f.kind == LDFI_FAULT_CRASH && f.a == m->dst_node)
					CHECK(!in);
				else
					CHECK(in == ldfi_fault_cuts(&f, m, conf));
			}
			CHECK(k == o->supports[0].n);
		}
		ldfi_trace_destroy(tr);
		ldfi_lineage_destroy(lin);
		ldfi_conf_destroy(conf);
	}
}

/* The last `k` supports of `o`, space-separated. */
static const char *lin_last(const struct ldfi_lineage *lin, const struct ldfi_outcome *o, int k)
{
	static char buf[1024];
	size_t n = 0;

	buf[0] = '\0';
	for (int i = o->n_supports - k; i < o->n_supports; i++) {
		lin_put(buf, sizeof(buf), &n, i > o->n_supports - k ? " " : "");
		lin_clause(ldfi_lineage_space(lin), &o->supports[i], buf, sizeof(buf), &n);
	}
	return buf;
}

/* A support that a newer one implies is dropped; the others keep their
 * order, so the supports added since version v are the last version - v.
 * classic-deliv, first under omit(a,b,1) (conditional relays), then
 * fault-free (the same derivations, unconditional). */
static void support_version_order(void)
{
	struct ldfi_conf *conf = rt_conf_file("scenarios/delivery/classic-deliv.conf");
	static const char *const after_omit =
	    "held bcast:1 log@a: {}\n"
	    "held bcast:1 log@c: {omit(a,c,1)} {omit(a,c,2) | !omit(a,b,1)}"
	    " {omit(a,b,2) | !omit(a,b,1)}\n"
	    "held bcast:1 log@b: {omit(a,b,2) | !omit(a,b,1)}"
	    " {omit(a,c,1) omit(c,b,2) | !omit(a,b,1)}\n";
	static const char *const after_ff =
	    "held bcast:1 log@a: {}\n"
	    "held bcast:1 log@c: {omit(a,c,1)} {omit(a,b,2) | !omit(a,b,1)} {omit(a,c,2)}"
	    " {omit(a,b,1) omit(b,c,2)}\n"
	    "held bcast:1 log@b: {omit(a,b,1)} {omit(a,b,2)} {omit(a,c,1) omit(c,b,2)}\n";
	static const uint64_t v1[] = {1, 3, 2}, v2[] = {1, 5, 5};
	/* What the fault-free run adds, by hand: nothing to a; to c,
	 * {omit(a,c,2)} and {omit(a,b,1) omit(b,c,2)}; to b, all three. */
	static const char *const since_v1[] = {
	    "", "{omit(a,c,2)} {omit(a,b,1) omit(b,c,2)}",
	    "{omit(a,b,1)} {omit(a,b,2)} {omit(a,c,1) omit(c,b,2)}"};
	struct ldfi_lineage *lin;
	struct ldfi_trace *t1, *t2;
	int added = -1;

	if (!conf)
		return;
	lin = ldfi_lineage_create(conf);
	t1 = rt_run(conf, "omit(a,b,1)");
	t2 = rt_run(conf, "none");
	if (!lin || !t1 || !t2)
		goto out;
	CHECK(ldfi_lineage_add_trace(lin, t1, &added) == 0 && added == 6);
	CHECK_STR(lin_outcomes(lin, t1), after_omit);
	for (int i = 0; i < 3 && i < ldfi_lineage_n_outcomes(lin); i++)
		CHECK(ldfi_lineage_outcome(lin, i)->version == v1[i]);
	CHECK(ldfi_lineage_add_trace(lin, t2, &added) == 0 && added == 5);
	CHECK_STR(lin_outcomes(lin, t2), after_ff);
	for (int i = 0; i < 3 && i < ldfi_lineage_n_outcomes(lin); i++) {
		const struct ldfi_outcome *o = ldfi_lineage_outcome(lin, i);

		CHECK(o->version == v2[i]);
		CHECK(o->n_supports >= (int)(v2[i] - v1[i]));
		if (o->n_supports >= (int)(v2[i] - v1[i]))
			CHECK_STR(lin_last(lin, o, (int)(v2[i] - v1[i])), since_v1[i]);
	}
	/* Adding the fault-free run again: nothing new, versions unchanged. */
	CHECK(ldfi_lineage_add_trace(lin, t2, NULL) == 0);
	for (int i = 0; i < 3 && i < ldfi_lineage_n_outcomes(lin); i++)
		CHECK(ldfi_lineage_outcome(lin, i)->version == v2[i]);
	CHECK_STR(lin_outcomes(lin, t2), after_ff);
out:
	ldfi_trace_destroy(t1);
	ldfi_trace_destroy(t2);
	ldfi_lineage_destroy(lin);
	ldfi_conf_destroy(conf);
}

/* Acked outcomes only for checks that count copies (no-duplicates,
 * exactly-once, matches-fault-free); count outcomes only for
 * matches-fault-free. Fault-free ack run: data a>b in round 1 (omit(a,b,1)),
 * its ack b>a in round 2 (omit(b,a,2)) arriving in round 3. */
static void support_acked_kinds(void)
{
	static const char *const held = "held s:1 k@b: {omit(a,b,1)}\n";
	static const char *const acked = "acked s:1 s@a from k@b by 3: {omit(a,b,1) omit(b,a,2)}\n";
	static const char *const count = "count s:1 k@b 1: {omit(a,b,1)}\n";
	static const struct {
		const char *kind;
		bool acked, count;
	} rows[] = {
	    {"delivered", false, false},   {"agreement", false, false},
	    {"ordered", false, false},	   {"no-duplicates", true, false},
	    {"exactly-once", true, false}, {"matches-fault-free", true, true},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct ldfi_conf *conf =
		    rt_conf("ack.conf", rt_subst(ack_text, "KIND", rows[i].kind));
		const char *none = "none";
		struct ldfi_lineage *lin;
		struct ldfi_trace *tr;
		char want[512];

		if (!conf)
			continue;
		snprintf(want, sizeof(want), "%s%s%s", held, rows[i].acked ? acked : "",
			 rows[i].count ? count : "");
		lin = run_steps(conf, &none, NULL, 1, &tr);
		if (lin && tr)
			CHECK_STR(lin_outcomes(lin, tr), want);
		ldfi_trace_destroy(tr);
		ldfi_lineage_destroy(lin);
		ldfi_conf_destroy(conf);
	}
}

/* A message of a hand-made trace of the redun conf (nodes a b c = 0 1 2,
 * components bcast log = 0 1). */
static struct ldfi_msg mixed_msg(uint32_t id, int kind, int src, int dst, int round, bool cond,
				 bool any, uint32_t off, uint32_t n)
{
	struct ldfi_msg m = {0};

	m.id = id;
	m.kind = (uint8_t)kind;
	m.fate = LDFI_FATE_DELIVERED;
	m.parents_any = any;
	m.conditional = cond;
	m.src_node = src;
	m.src_comp = src == A ? 0 : 1;
	m.dst_node = dst;
	m.dst_comp = 1;
	m.send_round = round;
	m.fault = -1;
	m.parents_off = off;
	m.n_parents = n;
	return m;
}

/* A conditional clause never stands for an unconditional one, nor is it
 * dropped for one, within a message's formula. A run under omit(b,a,1)
 * (var 5; it loses nothing) with its messages replaced by:
 *   1 a>c r1 conditional           {omit(a,c,1) | !omit(b,a,1)}
 *   2 a>c r1                       {omit(a,c,1)}
 *   3 c>b r2, an ack, all of {2}   {omit(a,c,1) omit(c,b,2)}
 *   4 c>b r3 (3 = eff), any of the two parents {1, 3} in either order.
 * 4 is lost when both 1 and 3 are: its supports are those two clauses,
 * the conditional {omit(a,c,1)} implying the other's faults but not its
 * (empty) condition. c's copies 1 and 2: the unconditional one drops the
 * conditional one. */
static void support_mixed_conditions(void)
{
	struct ldfi_conf *conf = rt_conf("redun.conf", redun_text);
	static const char *const want[] = {
	    "held bcast:1 log@c: {omit(a,c,1)}\n"
	    "held bcast:1 log@b: {omit(a,c,1) | !omit(b,a,1)} {omit(a,c,1) omit(c,b,2)}\n",
	    "held bcast:1 log@c: {omit(a,c,1)}\n"
	    "held bcast:1 log@b: {omit(a,c,1) omit(c,b,2)} {omit(a,c,1) | !omit(b,a,1)}\n"};
	static const uint32_t parents[2][3] = {{2, 1, 3}, {2, 3, 1}};

	for (int k = 0; conf && k < 2; k++) {
		struct ldfi_trace *tr = rt_run(conf, "omit(b,a,1)");
		struct ldfi_lineage *lin = ldfi_lineage_create(conf);

		if (tr && lin) {
			free(tr->msgs);
			free(tr->parents);
			tr->msgs = malloc(4 * sizeof(*tr->msgs));
			tr->parents = malloc(sizeof(parents[k]));
			if (tr->msgs && tr->parents) {
				memcpy(tr->parents, parents[k], sizeof(parents[k]));
				tr->msgs[0] =
				    mixed_msg(1, LDFI_MSG_DATA, A, C, 1, true, false, 0, 0);
				tr->msgs[1] =
				    mixed_msg(2, LDFI_MSG_DATA, A, C, 1, false, false, 0, 0);
				tr->msgs[2] =
				    mixed_msg(3, LDFI_MSG_ACK, C, B, 2, false, false, 0, 1);
				tr->msgs[3] =
				    mixed_msg(4, LDFI_MSG_DATA, C, B, 3, false, true, 1, 2);
				tr->n_msgs = 4;
				tr->n_parents = 3;
				CHECK(ldfi_lineage_add_trace(lin, tr, NULL) == 0);
				CHECK_STR(lin_outcomes(lin, tr), want[k]);
			}
		}
		ldfi_lineage_destroy(lin);
		ldfi_trace_destroy(tr);
	}
	ldfi_conf_destroy(conf);
}

/* lin_outcomes() with each outcome's supports, and the outcomes, sorted:
 * the formulas as sets. */
static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *sorted_outcomes(const struct ldfi_lineage *lin, const struct ldfi_trace *tr)
{
	static char out[8192];
	char *lines[64], *sup[64], line[1024];
	int n = 0;
	size_t len = 0;

	for (int i = 0; i < ldfi_lineage_n_outcomes(lin) && i < 64; i++) {
		const struct ldfi_outcome *o = ldfi_lineage_outcome(lin, i);
		int ns = 0;
		size_t l = 0;

		for (int k = 0; k < o->n_supports && k < 64; k++) {
			char c[256];
			size_t cl = 0;

			lin_clause(ldfi_lineage_space(lin), &o->supports[k], c, sizeof(c), &cl);
			sup[ns++] = strdup(c);
		}
		qsort(sup, (size_t)ns, sizeof(*sup), cmp_str);
		lin_key(tr, o, line, sizeof(line), &l);
		lin_put(line, sizeof(line), &l, ":");
		for (int k = 0; k < ns; k++) {
			lin_put(line, sizeof(line), &l, " %s", sup[k] ? sup[k] : "?");
			free(sup[k]);
		}
		lines[n++] = strdup(line);
	}
	qsort(lines, (size_t)n, sizeof(*lines), cmp_str);
	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		lin_put(out, sizeof(out), &len, "%s\n", lines[i] ? lines[i] : "?");
		free(lines[i]);
	}
	return out;
}

/* The line of `lin_outcomes`-style text `all` that starts with `key`, or
 * "" (in a static buffer). */
static const char *line_of(const char *all, const char *key)
{
	static char buf[1024];
	const char *p = strstr(all, key), *e;

	buf[0] = '\0';
	if (p && (p == all || p[-1] == '\n') && (e = strchr(p, '\n')))
		snprintf(buf, sizeof(buf), "%.*s", (int)(e - p), p);
	return buf;
}

/* "acked by R" is supported by every ack received by round R, in any run
 * (docs/lineage.md). exactly-once on the ack pipe: fault-free, the ack
 * arrives in round 3; under omit(a,b,1) the resend of round 3
 * (conditional) is acked in round 4, arriving in round 5, which makes the
 * outcome "acked by 5". Added in that order (backward), the fault-free ack
 * (by round 3, so by round 5) supports "acked by 5" too.
 *
 * Added fault-free first (forward, as explore does), "acked by 5" does not
 * exist yet when the fault-free run is added, and the lineage keeps no run:
 * a new "acked by R" starts with the supports of the same ack by earlier
 * rounds, so both orders give the same supports. (Before that, forward
 * lacked the fault-free support, and the outcome's search could end at {}.) */
static void support_acked_order(void)
{
	struct ldfi_conf *conf = rt_conf("ack.conf", rt_subst(ack_text, "KIND", "exactly-once"));
	static const char *const by3 = "acked s:1 s@a from k@b by 3: {omit(a,b,1) omit(b,a,2)}";
	static const char *const held = "held s:1 k@b: {omit(a,b,1)} {omit(a,b,3) | !omit(a,b,1)}";
	static const char *const want =
	    "acked s:1 s@a from k@b by 3: {omit(a,b,1) omit(b,a,2)}\n"
	    "acked s:1 s@a from k@b by 5: {omit(a,b,1) omit(b,a,2)}"
	    " {omit(a,b,3) | !omit(a,b,1)}\n"
	    "held s:1 k@b: {omit(a,b,1)} {omit(a,b,3) | !omit(a,b,1)}\n";
	const char *const fwd[] = {"none", "omit(a,b,1)"}, *const back[] = {"omit(a,b,1)", "none"};
	/* Backward: held's and by 5's conditional supports; then held's, by
	 * 3's and by 5's fault-free ack. */
	static const int back_new[] = {2, 3};
	struct ldfi_lineage *l1, *l2;
	struct ldfi_trace *t1, *t2;

	if (!conf)
		return;
	l1 = run_steps(conf, fwd, NULL, 2, &t1);
	l2 = run_steps(conf, back, back_new, 2, &t2);
	if (l2 && t2)
		CHECK_STR(sorted_outcomes(l2, t2), want);
	if (l1 && t1) {
		const char *all = sorted_outcomes(l1, t1);

		CHECK(ldfi_lineage_n_outcomes(l1) == 3);
		CHECK_STR(line_of(all, "held "), held);
		CHECK_STR(line_of(all, "acked s:1 s@a from k@b by 3:"), by3);
		CHECK_STR(all, want);
	}
	ldfi_trace_destroy(t1);
	ldfi_trace_destroy(t2);
	ldfi_lineage_destroy(l1);
	ldfi_lineage_destroy(l2);
	ldfi_conf_destroy(conf);
}

static void test_supports(void)
{
	for (size_t i = 0; i < sizeof(support_cases) / sizeof(support_cases[0]); i++)
		support_case(&support_cases[i]);
	support_vars();
	support_is_cut_rule();
	support_version_order();
	support_mixed_conditions();
	support_acked_kinds();
	support_acked_order();
}

int main(void)
{
	test_space();
	test_cut_rule();
	test_restart_cut_rule();
	test_faults_cut();
	test_supports();
	return test_done();
}
