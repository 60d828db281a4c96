/*
 * test_semantics.c - hand-worked executions of the round engine (docs/semantics.md,
 * §2 checks), each asserting the exact outcome: which checks hold, which
 * records are missing or duplicated where, and where it matters every
 * message with its send round and fate. docs/semantics.md walks through
 * the same cases. Runs from the source root (the delivery scenarios are
 * read from scenarios/delivery/).
 */
#include "tests/runtime/rt.h"

/* The delivery family with every built-in check on the sink, and room for
 * a crash: used where the scenario files' bounds or checks are too narrow. */
static const char *bcast_conf = "[explore]\n"
				"eot = 4\n"
				"eff = 2\n"
				"crashes = 1\n"
				"[source bcast]\n"
				"node = a\n"
				"records = 1\n"
				"at = AT\n"
				"to = log\n"
				"[sink log]\n"
				"nodes = a, b, c\n"
				"[check agree]\n"
				"kind = agreement\n"
				"sink = log\n"
				"[check deliv]\n"
				"kind = delivered\n"
				"sink = log\n"
				"[check nodup]\n"
				"kind = no-duplicates\n"
				"sink = log\n";

/* bcast_conf with the source's emission round `at`. */
static struct ldfi_conf *bcast(int at)
{
	char v[16];

	snprintf(v, sizeof(v), "%d", at);
	return rt_conf("bcast.conf", rt_subst(bcast_conf, "AT", v));
}

/* simple-deliv: one send, no relay. A lost copy to c breaks agreement. */
static void test_simple_deliv(void)
{
	struct ldfi_conf *conf = rt_conf_file("scenarios/delivery/simple-deliv.conf");
	struct ldfi_trace *tr;

	if (!conf)
		return;
	tr = rt_run(conf, "none");
	CHECK_STR(rt_msgs(tr), "1 data bcast@a>log@a r1 bcast:1 delivered\n"
			       "2 data bcast@a>log@b r1 bcast:1 delivered\n"
			       "3 data bcast@a>log@c r1 bcast:1 delivered\n");
	CHECK(rt_passed(tr, "agree") == 1);
	CHECK_STR(rt_held_r(tr, "log", "c", 1), "bcast:1/2");
	ldfi_trace_destroy(tr);

	tr = rt_run(conf, "omit(a,c,1)");
	CHECK_STR(rt_msgs(tr), "1 data bcast@a>log@a r1 bcast:1 delivered\n"
			       "2 data bcast@a>log@b r1 bcast:1 delivered\n"
			       "3 data bcast@a>log@c r1 bcast:1 omitted omit(a,c,1)\n");
	CHECK(rt_passed(tr, "agree") == 0);
	CHECK(!tr->passed);
	CHECK_STR(rt_offenses(tr, "agree"), "bcast:1 missing 0/1 at log@c");
	CHECK_STR(rt_held(tr, "log", "a"), "bcast:1");
	CHECK_STR(rt_held(tr, "log", "b"), "bcast:1");
	CHECK_STR(rt_held(tr, "log", "c"), "");
	ldfi_trace_destroy(tr);

	/* Only the replica on the source's own node holds it: agreement is
	 * about replicas elsewhere, so it holds. */
	tr = rt_run(conf, "omit(a,b,1) omit(a,c,1)");
	CHECK(rt_passed(tr, "agree") == 1);
	CHECK_STR(rt_held(tr, "log", "a"), "bcast:1");
	CHECK_STR(rt_held(tr, "log", "b"), "");
	/* Messages within a node are never lost by omission. */
	CHECK(rt_count(tr, NULL, "a", "a", LDFI_FATE_DELIVERED, 1) == 1);
	CHECK(rt_count(tr, NULL, NULL, NULL, LDFI_FATE_OMITTED, 0) == 2);
	ldfi_trace_destroy(tr);
	ldfi_conf_destroy(conf);
}

/* retry-deliv: the sender resends every round, no relay. A lost first
 * copy is made up by the resends, unless the sender crashes. */
static void test_retry_deliv(void)
{
	struct ldfi_conf *conf = rt_conf_file("scenarios/delivery/retry-deliv.conf");
	struct ldfi_trace *tr;

	if (!conf)
		return;
	/* Fault-free: 3 sends in each of rounds 1..4; those of round 4 (eot)
	 * are never delivered, so each replica holds 3 copies. */
	tr = rt_run(conf, "none");
	CHECK(tr->n_msgs == 12);
	CHECK(rt_count(tr, "data", "a", NULL, LDFI_FATE_EOT, 4) == 3);
	CHECK(rt_count(tr, "data", "a", NULL, LDFI_FATE_DELIVERED, 0) == 9);
	CHECK(rt_count(tr, "data", "a", NULL, LDFI_FATE_EOT, 0) == 3);
	CHECK_STR(rt_rounds(tr, "data", "a", "c"), "1 2 3 4");
	CHECK_STR(rt_held_r(tr, "log", "b", 1), "bcast:1/2 bcast:1/3 bcast:1/4");
	ldfi_trace_destroy(tr);

	tr = rt_run(conf, "omit(a,c,1)");
	CHECK(rt_passed(tr, "agree") == 1);
	CHECK(tr->n_msgs == 12);
	CHECK_STR(rt_held_r(tr, "log", "c", 1), "bcast:1/3 bcast:1/4");
	CHECK_STR(rt_held(tr, "log", "b"), "bcast:1 bcast:1 bcast:1");
	ldfi_trace_destroy(tr);

	tr = rt_run(conf, "crash(a,2) omit(a,c,1)");
	CHECK_STR(rt_msgs(tr), "1 data bcast@a>log@a r1 bcast:1 crashed crash(a,2)\n"
			       "2 data bcast@a>log@b r1 bcast:1 delivered\n"
			       "3 data bcast@a>log@c r1 bcast:1 omitted omit(a,c,1)\n");
	CHECK(rt_passed(tr, "agree") == 0);
	/* a has crashed: its (empty) replica is not looked at. */
	CHECK_STR(rt_offenses(tr, "agree"), "bcast:1 missing 0/1 at log@c");
	CHECK(rt_alive(tr, "a") == 0);
	CHECK(rt_emitted(tr, "bcast:1") == 1);
	ldfi_trace_destroy(tr);

	/* A message that an omission and a crash would both lose is
	 * "omitted": the omission is decided first. */
	tr = rt_run(conf, "crash(c,2) omit(a,c,1)");
	CHECK(rt_count(tr, NULL, "a", "c", LDFI_FATE_OMITTED, 1) == 1);
	/* Sent in round eot: "eot" takes precedence over "crashed". */
	CHECK(rt_count(tr, NULL, "a", "c", LDFI_FATE_CRASHED, 0) == 2);
	CHECK(rt_count(tr, NULL, "a", "c", LDFI_FATE_EOT, 4) == 1);
	CHECK(rt_passed(tr, "agree") == 1);
	ldfi_trace_destroy(tr);
	ldfi_conf_destroy(conf);
}

/* classic-deliv: every replica relays once, on its first receipt. */
static void test_classic_deliv(void)
{
	struct ldfi_conf *conf = rt_conf_file("scenarios/delivery/classic-deliv.conf");
	struct ldfi_trace *tr;

	if (!conf)
		return;
	/* Round 1: a sends to a, b, c; round 2: each replica relays its first
	 * copy to the two others; round 3: second copies arrive and are kept
	 * (no dedup) but not relayed again. */
	tr = rt_run(conf, "none");
	CHECK(tr->n_msgs == 9);
	CHECK(rt_count(tr, "data", NULL, NULL, -1, 1) == 3);
	CHECK(rt_count(tr, "data", NULL, NULL, -1, 2) == 6);
	CHECK(rt_count(tr, "data", "b", "c", -1, 2) == 1);
	CHECK_STR(rt_held_r(tr, "log", "a", 1), "bcast:1/2 bcast:1/3 bcast:1/3");
	CHECK_STR(rt_held_r(tr, "log", "c", 1), "bcast:1/2 bcast:1/3 bcast:1/3");
	ldfi_trace_destroy(tr);

	/* a's direct sends to b and c are lost; a's relay reaches them in
	 * round 3, they relay in round 3, and copies arrive in round 4. */
	tr = rt_run(conf, "omit(a,b,1) omit(a,c,1)");
	CHECK_STR(rt_msgs(tr), "1 data bcast@a>log@a r1 bcast:1 delivered\n"
			       "2 data bcast@a>log@b r1 bcast:1 omitted omit(a,b,1)\n"
			       "3 data bcast@a>log@c r1 bcast:1 omitted omit(a,c,1)\n"
			       "4 data log@a>log@b r2 bcast:1 delivered\n"
			       "5 data log@a>log@c r2 bcast:1 delivered\n"
			       "6 data log@b>log@a r3 bcast:1 delivered\n"
			       "7 data log@b>log@c r3 bcast:1 delivered\n"
			       "8 data log@c>log@a r3 bcast:1 delivered\n"
			       "9 data log@c>log@b r3 bcast:1 delivered\n");
	CHECK(rt_passed(tr, "agree") == 1);
	CHECK_STR(rt_held_r(tr, "log", "a", 1), "bcast:1/2 bcast:1/4 bcast:1/4");
	CHECK_STR(rt_held_r(tr, "log", "b", 1), "bcast:1/3 bcast:1/4");
	ldfi_trace_destroy(tr);

	/* Every path to c cut: a->c in rounds 1 and 2, b's relay in round 2. */
	tr = rt_run(conf, "omit(a,c,1) omit(a,c,2) omit(b,c,2)");
	CHECK(rt_passed(tr, "agree") == 0);
	CHECK_STR(rt_offenses(tr, "agree"), "bcast:1 missing 0/1 at log@c");
	CHECK_STR(rt_held(tr, "log", "c"), "");
	ldfi_trace_destroy(tr);
	ldfi_conf_destroy(conf);
}

/* A crashed sink replica is left out of every check, and receives nothing
 * from its crash round on. */
static void test_crashed_replica(void)
{
	struct ldfi_conf *conf = bcast(1);
	struct ldfi_trace *tr;

	if (!conf)
		return;
	for (int t = 1; t <= 2; t++) {
		char faults[32];

		snprintf(faults, sizeof(faults), "crash(c,%d)", t);
		tr = rt_run(conf, faults);
		snprintf(faults, sizeof(faults), "crashed crash(c,%d)\n", t);
		CHECK(strstr(rt_msgs(tr), "3 data bcast@a>log@c r1 bcast:1 ") != NULL);
		CHECK(strstr(rt_msgs(tr), faults) != NULL);
		CHECK(rt_alive(tr, "c") == 0);
		CHECK(rt_alive(tr, "b") == 1);
		CHECK_STR(rt_held(tr, "log", "c"), "");
		CHECK(rt_passed(tr, "agree") == 1);
		CHECK(rt_passed(tr, "deliv") == 1);
		CHECK(tr->passed);
		ldfi_trace_destroy(tr);
	}
	/* Crashed after receiving: it holds the record, but is not alive. */
	tr = rt_run(conf, "crash(c,3)");
	CHECK_STR(rt_held(tr, "log", "c"), "bcast:1");
	CHECK(rt_alive(tr, "c") == 0);
	CHECK(tr->passed);
	ldfi_trace_destroy(tr);
	/* A crash in round eot still counts: the node is not alive at eot. */
	tr = rt_run(conf, "crash(b,4)");
	CHECK(rt_alive(tr, "b") == 0);
	CHECK(tr->passed);
	ldfi_trace_destroy(tr);
	ldfi_conf_destroy(conf);
}

/* A source emits only if its node is alive in its emission round. */
static void test_source_crash(void)
{
	struct ldfi_conf *c1 = bcast(1), *c2 = bcast(2);
	struct ldfi_trace *tr;

	if (!c1 || !c2)
		goto out;
	tr = rt_run(c1, "crash(a,1)");
	CHECK(tr->n_msgs == 0);
	CHECK(rt_emitted(tr, "bcast:1") == 0);
	CHECK_STR(rt_held(tr, "log", "b"), "");
	CHECK(rt_passed(tr, "deliv") == 1); /* vacuously: nothing was emitted */
	CHECK(rt_passed(tr, "agree") == 1);
	ldfi_trace_destroy(tr);

	tr = rt_run(c1, "none");
	CHECK(rt_emitted(tr, "bcast:1") == 1);
	ldfi_trace_destroy(tr);

	/* at = 2: a crash in round 2 prevents the emission, one in round 3
	 * does not, and what a sent in round 2 still reaches b and c. */
	tr = rt_run(c2, "crash(a,2)");
	CHECK(tr->n_msgs == 0);
	CHECK(rt_emitted(tr, "bcast:1") == 0);
	CHECK(tr->passed);
	ldfi_trace_destroy(tr);
	tr = rt_run(c2, "crash(a,3)");
	CHECK(rt_emitted(tr, "bcast:1") == 1);
	CHECK_STR(rt_msgs(tr), "1 data bcast@a>log@a r2 bcast:1 crashed crash(a,3)\n"
			       "2 data bcast@a>log@b r2 bcast:1 delivered\n"
			       "3 data bcast@a>log@c r2 bcast:1 delivered\n");
	CHECK_STR(rt_held_r(tr, "log", "b", 1), "bcast:1/3");
	CHECK(tr->passed);
	ldfi_trace_destroy(tr);
	/* Emitted, then everything it sent lost: delivered fails. */
	tr = rt_run(c1, "crash(a,2) omit(a,b,1) omit(a,c,1)");
	CHECK(rt_emitted(tr, "bcast:1") == 1);
	CHECK(rt_passed(tr, "deliv") == 0);
	CHECK_STR(rt_offenses(tr, "deliv"), "bcast:1 missing 0/1 at log@b; "
					    "bcast:1 missing 0/1 at log@c");
	CHECK(rt_passed(tr, "agree") == 1); /* nobody holds it */
	ldfi_trace_destroy(tr);
out:
	ldfi_conf_destroy(c1);
	ldfi_conf_destroy(c2);
}

/* Fault sets are checked against the bounds before anything runs. */
static void test_fault_bounds(void)
{
	struct ldfi_conf *simple = rt_conf_file("scenarios/delivery/simple-deliv.conf");
	struct ldfi_conf *c1 = bcast(1);

	if (!simple || !c1)
		goto out;
	/* simple-deliv: eot=4 eff=2 crashes=0 */
	CHECK_STR(rt_parse_error(simple, "omit(a,b,1)"), "ok");
	CHECK_STR(rt_parse_error(simple, "omit(a,b,2)"),
		  "omit(a,b,2): omission round must be in 1..eff-1 (eff=2)");
	CHECK_STR(rt_parse_error(simple, "omit(a,b,0)"),
		  "omit(a,b,0): omission round must be in 1..eff-1 (eff=2)");
	CHECK_STR(rt_parse_error(simple, "omit(a,a,1)"),
		  "omit(a,a,1): omission needs two different nodes");
	CHECK_STR(rt_parse_error(simple, "crash(a,1)"),
		  "crash(a,1): more than crashes=0 crash faults");
	CHECK_STR(rt_parse_error(simple, "omit(a,x,1)"), "fault set, column 8: unknown node 'x'");
	CHECK_STR(rt_parse_error(c1, "crash(a,5)"), "crash(a,5): crash round must be in 1..eot=4");
	CHECK_STR(rt_parse_error(c1, "crash(a,0)"), "crash(a,0): crash round must be in 1..eot=4");
	CHECK_STR(rt_parse_error(c1, "crash(a,4)"), "ok");
	CHECK_STR(rt_parse_error(c1, "crash(a,1) crash(b,1)"),
		  "crash(b,1): more than crashes=1 crash faults");
	CHECK_STR(rt_parse_error(c1, "omit(a,b,1) omit(a,b,1)"),
		  "fault set: omit(a,b,1) given twice");
out:
	ldfi_conf_destroy(simple);
	ldfi_conf_destroy(c1);
}

/* One record from a to a sink on b under ack, resent every 2 rounds. */
static const char *ack_conf = "[explore]\n"
			      "eot = 8\n"
			      "eff = 8\n"
			      "[source s]\n"
			      "node = a\n"
			      "records = 1\n"
			      "to = k\n"
			      "delivery = ack\n"
			      "retry_every = RE\n"
			      "[sink k]\n"
			      "nodes = b\n"
			      "dedup = DD\n"
			      "[check once]\n"
			      "kind = exactly-once\n"
			      "sink = k\n"
			      "[check nodup]\n"
			      "kind = no-duplicates\n"
			      "sink = k\n"
			      "[check golden]\n"
			      "kind = matches-fault-free\n"
			      "sink = k\n";

static struct ldfi_conf *ack_pipe(int retry_every, int dedup)
{
	char v[16], text[1024];

	snprintf(v, sizeof(v), "%d", retry_every);
	snprintf(text, sizeof(text), "%s", rt_subst(ack_conf, "RE", v));
	return rt_conf("ack.conf", rt_subst(text, "DD", dedup ? "yes" : "no"));
}

/* A lost ack makes the sender send again: a duplicate at a sink without
 * dedup, none with dedup. */
static void test_lost_ack(void)
{
	struct ldfi_conf *nd = ack_pipe(2, 0), *dd = ack_pipe(2, 1);
	struct ldfi_trace *tr;

	if (!nd || !dd)
		goto out;
	CHECK(!nd->comps[ldfi_conf_comp_index(nd, "k")].dedup);
	CHECK(dd->comps[ldfi_conf_comp_index(dd, "k")].dedup);
	/* Fault-free: data in round 1, ack in round 2, which arrives in round
	 * 3 before the resend due then: one copy. */
	tr = rt_run(nd, "none");
	CHECK_STR(rt_msgs(tr), "1 data s@a>k@b r1 s:1 delivered\n"
			       "2 ack k@b>s@a r2 s:1 delivered\n");
	CHECK(tr->passed);
	ldfi_trace_destroy(tr);

	tr = rt_run(nd, "omit(b,a,2)");
	CHECK_STR(rt_msgs(tr), "1 data s@a>k@b r1 s:1 delivered\n"
			       "2 ack k@b>s@a r2 s:1 omitted omit(b,a,2)\n"
			       "3 data s@a>k@b r3 s:1 delivered\n"
			       "4 ack k@b>s@a r4 s:1 delivered\n");
	CHECK_STR(rt_held_r(tr, "k", "b", 1), "s:1/2 s:1/4");
	CHECK(rt_passed(tr, "once") == 0);
	CHECK_STR(rt_offenses(tr, "once"), "s:1 duplicated 2/1 at k@b");
	CHECK(rt_passed(tr, "nodup") == 0);
	CHECK_STR(rt_offenses(tr, "nodup"), "s:1 duplicated 2/1 at k@b");
	CHECK(rt_passed(tr, "golden") == 0);
	CHECK_STR(rt_offenses(tr, "golden"), "s:1 unexpected-count 2/1 at k@b");
	ldfi_trace_destroy(tr);

	/* With dedup the sink keeps the first copy; it still acks both. */
	tr = rt_run(dd, "omit(b,a,2)");
	CHECK(tr->n_msgs == 4);
	CHECK(rt_count(tr, "ack", "b", "a", -1, 0) == 2);
	CHECK_STR(rt_held_r(tr, "k", "b", 1), "s:1/2");
	CHECK(tr->passed);
	ldfi_trace_destroy(tr);
out:
	ldfi_conf_destroy(nd);
	ldfi_conf_destroy(dd);
}

/* retry_every: resends every N rounds after the first send, until the ack
 * arrives; a round-trip takes 2 rounds. */
static void test_retry_every(void)
{
	struct ldfi_conf *r2 = ack_pipe(2, 0), *r1 = ack_pipe(1, 0), *r3 = ack_pipe(3, 0);
	struct ldfi_trace *tr;

	if (!r2 || !r1 || !r3)
		goto out;
	/* Every copy to b lost: resends in rounds 3, 5, 7, no ack ever. */
	tr = rt_run(r2, "omit(a,b,1) omit(a,b,3) omit(a,b,5) omit(a,b,7)");
	CHECK(tr->n_msgs == 4);
	CHECK_STR(rt_rounds(tr, "data", "a", "b"), "1 3 5 7");
	CHECK(rt_count(tr, "ack", NULL, NULL, -1, 0) == 0);
	CHECK_STR(rt_offenses(tr, "once"), "s:1 missing 0/1 at k@b");
	CHECK_STR(rt_offenses(tr, "golden"), "s:1 missing 0/1 at k@b");
	ldfi_trace_destroy(tr);

	/* Two lost, the third (round 5) arrives; its ack (round 6) arrives in
	 * round 7, before the resend due then. */
	tr = rt_run(r2, "omit(a,b,1) omit(a,b,3)");
	CHECK_STR(rt_msgs(tr), "1 data s@a>k@b r1 s:1 omitted omit(a,b,1)\n"
			       "2 data s@a>k@b r3 s:1 omitted omit(a,b,3)\n"
			       "3 data s@a>k@b r5 s:1 delivered\n"
			       "4 ack k@b>s@a r6 s:1 delivered\n");
	CHECK(tr->passed);
	ldfi_trace_destroy(tr);

	/* retry_every = 3: resends in rounds 4 and 7. */
	tr = rt_run(r3, "omit(a,b,1) omit(a,b,4)");
	CHECK_STR(rt_rounds(tr, "data", "a", "b"), "1 4 7");
	CHECK_STR(rt_rounds(tr, "ack", "b", "a"), "8");
	CHECK(rt_count(tr, "ack", "b", "a", LDFI_FATE_EOT, 8) == 1);
	CHECK(tr->passed);
	ldfi_trace_destroy(tr);

	/* retry_every = 1 resends in round 2, before the ack of round 2 can
	 * arrive: two copies even without faults. */
	tr = rt_run(r1, "none");
	CHECK_STR(rt_msgs(tr), "1 data s@a>k@b r1 s:1 delivered\n"
			       "2 data s@a>k@b r2 s:1 delivered\n"
			       "3 ack k@b>s@a r2 s:1 delivered\n"
			       "4 ack k@b>s@a r3 s:1 delivered\n");
	CHECK_STR(rt_offenses(tr, "once"), "s:1 duplicated 2/1 at k@b");
	CHECK(rt_passed(tr, "golden") == 1);
	ldfi_trace_destroy(tr);
out:
	ldfi_conf_destroy(r1);
	ldfi_conf_destroy(r2);
	ldfi_conf_destroy(r3);
}

/* A sink on c fed by three sources and a relay stage: delivery within a
 * round is ordered by sender node name, then sender stage name, then send
 * sequence, whatever the send order or the order in the file. */
static void test_canonical_order(void)
{
	struct ldfi_conf *conf = rt_conf("order.conf", "[explore]\n"
						       "eot = 4\n"
						       "[source s1]\n"
						       "node = b\n"
						       "records = 1\n"
						       "to = x\n"
						       "[stage x]\n"
						       "nodes = a\n"
						       "to = k\n"
						       "[source w]\n"
						       "node = a\n"
						       "records = 2\n"
						       "at = 2\n"
						       "to = k\n"
						       "[source alpha]\n"
						       "node = b\n"
						       "records = 1\n"
						       "at = 2\n"
						       "to = k\n"
						       "[sink k]\n"
						       "nodes = c\n"
						       "[check deliv]\n"
						       "kind = delivered\n"
						       "sink = k\n"
						       "[check order]\n"
						       "kind = ordered\n"
						       "sink = k\n");
	struct ldfi_trace *tr;

	if (!conf)
		return;
	tr = rt_run(conf, "none");
	/* x forwards s1:1 in round 2 when it receives it, before w's step
	 * emits: lower id, but x sorts after w. */
	CHECK_STR(rt_msgs(tr), "1 data s1@b>x@a r1 s1:1 delivered\n"
			       "2 data x@a>k@c r2 s1:1 delivered\n"
			       "3 data w@a>k@c r2 w:1 delivered\n"
			       "4 data w@a>k@c r2 w:2 delivered\n"
			       "5 data alpha@b>k@c r2 alpha:1 delivered\n");
	CHECK_STR(rt_held_r(tr, "k", "c", 1), "w:1/3 w:2/3 s1:1/3 alpha:1/3");
	CHECK(tr->passed); /* ordered is per source */
	ldfi_trace_destroy(tr);
	ldfi_conf_destroy(conf);
}

/* Relay stages forward every copy, or with dedup only the first. */
static void test_relay_dedup(void)
{
	static const char *text = "[explore]\n"
				  "eot = 4\n"
				  "[source s]\n"
				  "node = a\n"
				  "records = 1\n"
				  "to = r\n"
				  "delivery = repeat\n"
				  "[stage r]\n"
				  "nodes = b\n"
				  "to = k\n"
				  "dedup = DD\n"
				  "[sink k]\n"
				  "nodes = c\n"
				  "[check nodup]\n"
				  "kind = no-duplicates\n"
				  "sink = k\n";
	struct ldfi_conf *conf = rt_conf("relay.conf", rt_subst(text, "DD", "no"));
	struct ldfi_trace *tr;

	if (!conf)
		return;
	/* r receives in rounds 2, 3, 4 and forwards each: k gets those of
	 * rounds 2 and 3 (the one of round 4 is sent at eot). */
	tr = rt_run(conf, "none");
	CHECK_STR(rt_rounds(tr, "data", "b", "c"), "2 3 4");
	CHECK_STR(rt_held_r(tr, "k", "c", 1), "s:1/3 s:1/4");
	CHECK_STR(rt_offenses(tr, "nodup"), "s:1 duplicated 2/1 at k@c");
	ldfi_trace_destroy(tr);
	ldfi_conf_destroy(conf);

	conf = rt_conf("relay-dedup.conf", rt_subst(text, "DD", "yes"));
	if (!conf)
		return;
	tr = rt_run(conf, "none");
	CHECK_STR(rt_rounds(tr, "data", "b", "c"), "2");
	CHECK_STR(rt_held_r(tr, "k", "c", 1), "s:1/3");
	CHECK(tr->passed);
	ldfi_trace_destroy(tr);
	ldfi_conf_destroy(conf);
}

/* matches-fault-free: each live replica holds, of the emitted records, as
 * many copies as in the fault-free run. */
static void test_matches_fault_free(void)
{
	struct ldfi_conf *conf = rt_conf("golden.conf", "[explore]\n"
							"eot = 4\n"
							"eff = 4\n"
							"crashes = 1\n"
							"[source s]\n"
							"node = a\n"
							"records = 2\n"
							"to = k\n"
							"delivery = repeat\n"
							"[sink k]\n"
							"nodes = b, c\n"
							"[check golden]\n"
							"kind = matches-fault-free\n"
							"sink = k\n");
	struct ldfi_trace *tr, *ff, *tr2;

	if (!conf)
		return;
	ff = rt_run(conf, "none");
	CHECK_STR(rt_held(ff, "k", "b"), "s:1 s:2 s:1 s:2 s:1 s:2");
	CHECK(ff->passed);

	tr = rt_run(conf, "omit(a,b,1)");
	CHECK_STR(rt_offenses(tr, "golden"), "s:1 unexpected-count 2/3 at k@b; "
					     "s:2 unexpected-count 2/3 at k@b");
	/* The same with the fault-free trace handed in. */
	tr2 = rt_run_ff(conf, "omit(a,b,1)", ff);
	CHECK_STR(rt_offenses(tr2, "golden"), "s:1 unexpected-count 2/3 at k@b; "
					      "s:2 unexpected-count 2/3 at k@b");
	ldfi_trace_destroy(tr);
	ldfi_trace_destroy(tr2);

	tr = rt_run(conf, "omit(a,b,1) omit(a,b,2) omit(a,b,3)");
	CHECK_STR(rt_offenses(tr, "golden"), "s:1 missing 0/3 at k@b; s:2 missing 0/3 at k@b");
	ldfi_trace_destroy(tr);

	/* Ordered by record, then replica. */
	tr = rt_run(conf, "crash(a,2)");
	CHECK_STR(rt_offenses(tr, "golden"), "s:1 unexpected-count 1/3 at k@b; "
					     "s:1 unexpected-count 1/3 at k@c; "
					     "s:2 unexpected-count 1/3 at k@b; "
					     "s:2 unexpected-count 1/3 at k@c");
	ldfi_trace_destroy(tr);

	/* Records never emitted are not expected. */
	tr = rt_run(conf, "crash(a,1)");
	CHECK(rt_emitted(tr, "s:1") == 0);
	CHECK_STR(rt_held(tr, "k", "b"), "");
	CHECK(tr->passed);
	ldfi_trace_destroy(tr);

	/* A crashed replica is not compared. */
	tr = rt_run(conf, "crash(b,2)");
	CHECK(tr->passed);
	ldfi_trace_destroy(tr);
	ldfi_trace_destroy(ff);
	ldfi_conf_destroy(conf);
}

/* Re-evaluate the checks of `tr` after its outputs were edited. */
static void reeval(struct ldfi_trace *tr)
{
	for (int i = 0; i < tr->n_checks; i++)
		free(tr->checks[i].offs);
	free(tr->checks);
	tr->checks = NULL;
	tr->n_checks = 0;
	CHECK(ldfi_checks_eval(tr, NULL) == 0);
}

/* Set the records of replica (sink, node) to `recs` (indices), in order;
 * as many as it holds. */
static void set_held(struct ldfi_trace *tr, const int *recs)
{
	for (size_t i = 0; i < tr->n_outs; i++)
		tr->outs[i].rec = recs[i];
}

/* ordered: the first copy of each record of one source, in position
 * order, follows emission order; later copies do not count. The built-in
 * stages keep a source's records in emission order (they travel together),
 * so the failing cases edit a trace's outputs and evaluate again. */
static void test_ordered(void)
{
	struct ldfi_conf *conf = rt_conf("ordered.conf", "[explore]\n"
							 "eot = 3\n"
							 "[source s]\n"
							 "node = a\n"
							 "records = 3\n"
							 "to = k\n"
							 "delivery = repeat\n"
							 "[sink k]\n"
							 "nodes = b\n"
							 "[check order]\n"
							 "kind = ordered\n"
							 "sink = k\n"
							 "[check nodup]\n"
							 "kind = no-duplicates\n"
							 "sink = k\n");
	static const int swap12[] = {1, 0, 2, 0, 1, 2}, late3[] = {2, 0, 1, 0, 1, 2},
			 dup_first[] = {0, 0, 1, 1, 2, 0}, descend_later[] = {0, 1, 2, 2, 1, 0};
	struct ldfi_trace *tr;

	if (!conf)
		return;
	tr = rt_run(conf, "none");
	CHECK(tr->n_outs == 6);
	/* 1 2 3 1 2 3: the second round of copies goes "back", yet it holds. */
	CHECK_STR(rt_held(tr, "k", "b"), "s:1 s:2 s:3 s:1 s:2 s:3");
	CHECK(rt_passed(tr, "order") == 1);
	CHECK_STR(rt_offenses(tr, "nodup"), "s:1 duplicated 2/1 at k@b; "
					    "s:2 duplicated 2/1 at k@b; "
					    "s:3 duplicated 2/1 at k@b");
	if (tr->n_outs != 6)
		goto out;

	set_held(tr, swap12);
	reeval(tr);
	CHECK_STR(rt_offenses(tr, "order"), "s:1 out-of-order 1/0 at k@b");

	set_held(tr, late3);
	reeval(tr);
	CHECK_STR(rt_offenses(tr, "order"), "s:1 out-of-order 1/0 at k@b; "
					    "s:2 out-of-order 1/0 at k@b");

	set_held(tr, dup_first);
	reeval(tr);
	CHECK(rt_passed(tr, "order") == 1);

	set_held(tr, descend_later);
	reeval(tr);
	CHECK(rt_passed(tr, "order") == 1);
out:
	ldfi_trace_destroy(tr);
	ldfi_conf_destroy(conf);
}

/* `source = NAME` restricts a check to one source's records. */
static void test_source_restriction(void)
{
	struct ldfi_conf *conf = rt_conf("sources.conf", "[explore]\n"
							 "eot = 3\n"
							 "eff = 2\n"
							 "[source p]\n"
							 "node = a\n"
							 "records = 1\n"
							 "to = k\n"
							 "[source q]\n"
							 "node = b\n"
							 "records = 1\n"
							 "to = k\n"
							 "[sink k]\n"
							 "nodes = c\n"
							 "[check all]\n"
							 "kind = delivered\n"
							 "sink = k\n"
							 "[check onlyp]\n"
							 "kind = delivered\n"
							 "sink = k\n"
							 "source = p\n"
							 "[check onlyq]\n"
							 "kind = exactly-once\n"
							 "sink = k\n"
							 "source = q\n");
	struct ldfi_trace *tr;

	if (!conf)
		return;
	tr = rt_run(conf, "omit(b,c,1)");
	CHECK_STR(rt_held(tr, "k", "c"), "p:1");
	CHECK_STR(rt_offenses(tr, "all"), "q:1 missing 0/1 at k@c");
	CHECK(rt_passed(tr, "onlyp") == 1);
	CHECK_STR(rt_offenses(tr, "onlyq"), "q:1 missing 0/1 at k@c");
	ldfi_trace_destroy(tr);

	tr = rt_run(conf, "omit(a,c,1)");
	CHECK_STR(rt_offenses(tr, "all"), "p:1 missing 0/1 at k@c");
	CHECK_STR(rt_offenses(tr, "onlyp"), "p:1 missing 0/1 at k@c");
	CHECK(rt_passed(tr, "onlyq") == 1);
	ldfi_trace_destroy(tr);
	ldfi_conf_destroy(conf);
}

/* redun-deliv at eot 4: every holder resends to every other replica in
 * every round from its first receipt. */
static void test_redun_deliv(void)
{
	struct ldfi_conf *conf = rt_conf_file("scenarios/delivery/redun-deliv.conf");
	struct ldfi_trace *tr;
	char err[256];

	if (!conf)
		return;
	CHECK(ldfi_conf_set_bounds(conf, 4, 3, 1, err, sizeof(err)) == 0);
	tr = rt_run(conf, "crash(a,2) omit(a,b,1)");
	CHECK_STR(rt_msgs(tr), "1 data bcast@a>log@a r1 bcast:1 crashed crash(a,2)\n"
			       "2 data bcast@a>log@b r1 bcast:1 omitted omit(a,b,1)\n"
			       "3 data bcast@a>log@c r1 bcast:1 delivered\n"
			       "4 data log@c>log@a r2 bcast:1 crashed crash(a,2)\n"
			       "5 data log@c>log@b r2 bcast:1 delivered\n"
			       "6 data log@b>log@a r3 bcast:1 crashed crash(a,2)\n"
			       "7 data log@b>log@c r3 bcast:1 delivered\n"
			       "8 data log@c>log@a r3 bcast:1 crashed crash(a,2)\n"
			       "9 data log@c>log@b r3 bcast:1 delivered\n"
			       "10 data log@b>log@a r4 bcast:1 eot\n"
			       "11 data log@b>log@c r4 bcast:1 eot\n"
			       "12 data log@c>log@a r4 bcast:1 eot\n"
			       "13 data log@c>log@b r4 bcast:1 eot\n");
	CHECK_STR(rt_held_r(tr, "log", "b", 1), "bcast:1/3 bcast:1/4");
	CHECK_STR(rt_held_r(tr, "log", "c", 1), "bcast:1/2 bcast:1/4");
	CHECK(tr->passed);
	ldfi_trace_destroy(tr);
	ldfi_conf_destroy(conf);
}

/* ack-deliv at eot 5: every holder relays under ack on first receipt;
 * the counts are the timeline of docs/semantics.md. */
static void test_ack_deliv(void)
{
	struct ldfi_conf *conf = rt_conf_file("scenarios/delivery/ack-deliv.conf");
	struct ldfi_trace *tr;
	char err[256];

	if (!conf)
		return;
	CHECK(ldfi_conf_set_bounds(conf, 5, 3, 1, err, sizeof(err)) == 0);
	tr = rt_run(conf, "none");
	CHECK(tr->n_msgs == 36);
	/* Round 1: a's source sends to a, b, c. */
	CHECK(rt_count(tr, "data", NULL, NULL, -1, 1) == 3);
	CHECK(rt_count(tr, "ack", NULL, NULL, -1, 1) == 0);
	/* Round 2: each replica acks (3), relays to its 2 peers (6); the
	 * source resends its 3 (no ack yet). */
	CHECK(rt_count(tr, "ack", NULL, NULL, -1, 2) == 3);
	CHECK(rt_count(tr, "data", NULL, NULL, -1, 2) == 9);
	/* Round 3: acks of the source's second copies (3) and of the relayed
	 * copies (6); the source is settled; each relay resends to 2 peers. */
	CHECK(rt_count(tr, "ack", NULL, NULL, -1, 3) == 9);
	CHECK(rt_count(tr, "data", NULL, NULL, -1, 3) == 6);
	CHECK(rt_count(tr, "data", "a", NULL, -1, 3) == 2);
	/* Round 4: acks of the relays' resends; then quiet. */
	CHECK(rt_count(tr, "ack", NULL, NULL, -1, 4) == 6);
	CHECK(rt_count(tr, "data", NULL, NULL, -1, 4) == 0);
	CHECK(rt_count(tr, NULL, NULL, NULL, -1, 5) == 0);
	CHECK(rt_count(tr, NULL, NULL, NULL, LDFI_FATE_DELIVERED, 0) == 36);
	CHECK(tr->passed);
	CHECK_STR(rt_held_r(tr, "log", "b", 1), "bcast:1/2 bcast:1/3 bcast:1/3 bcast:1/3 "
						"bcast:1/4 bcast:1/4");
	ldfi_trace_destroy(tr);

	/* Losing a's first sends and crashing a before it resends: b and c
	 * never hear of the record; only a held it, and a is not alive. */
	tr = rt_run(conf, "crash(a,2) omit(a,b,1) omit(a,c,1)");
	CHECK(tr->n_msgs == 3);
	CHECK(tr->passed);
	ldfi_trace_destroy(tr);
	ldfi_conf_destroy(conf);
}

int main(void)
{
	test_simple_deliv();
	test_retry_deliv();
	test_classic_deliv();
	test_redun_deliv();
	test_crashed_replica();
	test_source_crash();
	test_fault_bounds();
	test_lost_ack();
	test_retry_every();
	test_canonical_order();
	test_relay_dedup();
	test_matches_fault_free();
	test_ordered();
	test_source_restriction();
	test_ack_deliv();
	return test_done();
}
