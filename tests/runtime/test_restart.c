/*
 * test_restart.c - restart(n,t) faults and durable state (SPEC §1, §1.1),
 * each case worked out by hand from the semantics (docs/semantics.md,
 * Restarts) and asserted exactly: messages with their fates, what each
 * sink replica holds, which checks fail and why.
 */
#include <stddef.h>
#include <unistd.h>

#include "ldfi/stage.h"
#include "lineage/lineage.h"
#include "runtime/db/db.h"
#include "tests/runtime/rt.h"

/* R1: a repeat source on a, a sink on b; DUR is the source's durable. */
static const char *r1_conf = "[explore]\n"
			     "eot = 5\n"
			     "eff = EFF\n"
			     "crashes = CRASHES\n"
			     "restarts = RESTARTS\n"
			     "downtime = 2\n"
			     "[source s]\n"
			     "node = a\n"
			     "records = 1\n"
			     "to = k\n"
			     "delivery = repeat\n"
			     "durable = DUR\n"
			     "[sink k]\n"
			     "nodes = b\n"
			     "[check deliv]\n"
			     "kind = delivered\n"
			     "sink = k\n"
			     "[check golden]\n"
			     "kind = matches-fault-free\n"
			     "sink = k\n";

static struct ldfi_conf *r1(const char *dur, int eff, int crashes, int restarts)
{
	char text[2048], v[16];

	snprintf(text, sizeof(text), "%s", rt_subst(r1_conf, "DUR", dur));
	snprintf(v, sizeof(v), "%d", eff);
	snprintf(text, sizeof(text), "%s", rt_subst(text, "EFF", v));
	snprintf(v, sizeof(v), "%d", crashes);
	snprintf(text, sizeof(text), "%s", rt_subst(text, "CRASHES", v));
	snprintf(v, sizeof(v), "%d", restarts);
	return rt_conf("r1.conf", rt_subst(text, "RESTARTS", v));
}

/* Fault sets with restarts: bounds, budgets, one crash or restart per node,
 * canonical text. */
static void test_restart_faults(void)
{
	struct ldfi_conf *c = r1("no", 0, 0, 1), *c2 = r1("no", 2, 1, 2);
	struct ldfi_faults fs;
	char buf[256], err[256];

	if (!c || !c2)
		goto out;
	CHECK_STR(rt_parse_error(c, "restart(b,3)"), "ok");
	CHECK_STR(rt_parse_error(c, "restart(b,4)"),
		  "restart(b,4): restart round must be in 1..eot-downtime=3 (eot=5, downtime=2)");
	CHECK_STR(rt_parse_error(c, "restart(b,0)"),
		  "restart(b,0): restart round must be in 1..eot-downtime=3 (eot=5, downtime=2)");
	CHECK_STR(rt_parse_error(c, "restart(a,1) restart(b,1)"),
		  "restart(b,1): more than restarts=1 restart faults");
	CHECK_STR(rt_parse_error(c2, "crash(b,2) restart(b,3)"),
		  "restart(b,3): node b crashes and restarts");
	CHECK_STR(rt_parse_error(c2, "restart(b,3) omit(a,b,1) crash(b,2)"),
		  "restart(b,3): node b crashes and restarts");
	CHECK_STR(rt_parse_error(c2, "restart(b,1) restart(b,3)"),
		  "restart(b,3): node b restarts twice");
	CHECK_STR(rt_parse_error(c2, "crash(a,1) crash(a,2)"), "crash(a,2): node a crashes twice");
	CHECK_STR(rt_parse_error(c2, "restart(b,2) restart(b,2)"),
		  "fault set: restart(b,2) given twice");
	CHECK_STR(rt_parse_error(c2, "reboot(b,2)"),
		  "fault set, column 1: expected crash(NODE,ROUND), omit(FROM,TO,ROUND) or "
		  "restart(NODE,ROUND)");
	ldfi_faults_init(&fs);
	CHECK(ldfi_faults_parse(c2, "restart(b,2) omit(a,b,1) crash(a,3)", &fs, err, sizeof(err)) ==
	      0);
	ldfi_faults_format(c2, &fs, buf, sizeof(buf));
	CHECK_STR(buf, "crash(a,3) omit(a,b,1) restart(b,2)");
	CHECK(fs.n == 3 && fs.v[2].kind == LDFI_FAULT_RESTART && fs.v[2].b == -1);
	ldfi_faults_finish(&fs);
out:
	ldfi_conf_destroy(c);
	ldfi_conf_destroy(c2);
}

/* R1: the down period. A message due while its receiver is down is lost
 * (fate down); a volatile source forgets its repeat send, a durable one
 * resends at once when it is back up. */
static void test_down_period(void)
{
	struct ldfi_conf *vol = r1("no", 0, 0, 1), *dur = r1("yes", 0, 0, 1);
	struct ldfi_trace *tr;

	if (!vol || !dur)
		goto out;
	tr = rt_run(vol, "none");
	CHECK_STR(rt_msgs(tr), "1 data s@a>k@b r1 s:1 delivered\n"
			       "2 data s@a>k@b r2 s:1 delivered\n"
			       "3 data s@a>k@b r3 s:1 delivered\n"
			       "4 data s@a>k@b r4 s:1 delivered\n"
			       "5 data s@a>k@b r5 s:1 eot\n");
	CHECK_STR(rt_held_r(tr, "k", "b", 1), "s:1/2 s:1/3 s:1/4 s:1/5");
	ldfi_trace_destroy(tr);

	/* b down in rounds 2 and 3, up again in 4. */
	tr = rt_run(vol, "restart(b,2)");
	CHECK_STR(rt_msgs(tr), "1 data s@a>k@b r1 s:1 down restart(b,2)\n"
			       "2 data s@a>k@b r2 s:1 down restart(b,2)\n"
			       "3 data s@a>k@b r3 s:1 delivered\n"
			       "4 data s@a>k@b r4 s:1 delivered\n"
			       "5 data s@a>k@b r5 s:1 eot\n");
	CHECK_STR(rt_held_r(tr, "k", "b", 1), "s:1/4 s:1/5");
	CHECK(rt_passed(tr, "deliv") == 1);
	CHECK_STR(rt_offenses(tr, "golden"), "s:1 unexpected-count 2/4 at k@b");
	CHECK(rt_alive(tr, "b") == 1);
	CHECK(ldfi_trace_down(tr, 1, 2) && ldfi_trace_down(tr, 1, 3) && !ldfi_trace_down(tr, 1, 4));
	ldfi_trace_destroy(tr);

	/* The volatile source forgets its repeat send for good. */
	tr = rt_run(vol, "restart(a,2)");
	CHECK_STR(rt_msgs(tr), "1 data s@a>k@b r1 s:1 delivered\n");
	CHECK_STR(rt_held_r(tr, "k", "b", 1), "s:1/2");
	CHECK(rt_passed(tr, "deliv") == 1);
	CHECK_STR(rt_offenses(tr, "golden"), "s:1 unexpected-count 1/4 at k@b");
	ldfi_trace_destroy(tr);

	/* The durable one resends in its recovery round 4, then every round. */
	tr = rt_run(dur, "restart(a,2)");
	CHECK_STR(rt_msgs(tr), "1 data s@a>k@b r1 s:1 delivered\n"
			       "2 data s@a>k@b r4 s:1 delivered\n"
			       "3 data s@a>k@b r5 s:1 eot\n");
	CHECK_STR(rt_held_r(tr, "k", "b", 1), "s:1/2 s:1/5");
	CHECK_STR(rt_offenses(tr, "golden"), "s:1 unexpected-count 2/4 at k@b");
	ldfi_trace_destroy(tr);
out:
	ldfi_conf_destroy(vol);
	ldfi_conf_destroy(dur);
}

/* R2, R6: one record from a to a sink on b under ack, resent every 2
 * rounds; DUR is the source's durable, DD the sink's dedup. */
static const char *ack_conf = "[explore]\n"
			      "eot = 8\n"
			      "eff = 8\n"
			      "restarts = 1\n"
			      "[source s]\n"
			      "node = a\n"
			      "records = 1\n"
			      "to = k\n"
			      "delivery = ack\n"
			      "retry_every = 2\n"
			      "durable = DUR\n"
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

static struct ldfi_conf *ack_pipe(const char *dur, const char *dd)
{
	char text[2048];

	snprintf(text, sizeof(text), "%s", rt_subst(ack_conf, "DUR", dur));
	return rt_conf("ack.conf", rt_subst(text, "DD", dd));
}

/* R2: the ack of round 2 reaches a while it is down (round 3); back up in
 * round 4, the durable source resends its unacknowledged send at once, and
 * a sink without dedup holds the record twice. */
static void test_durable_replay(void)
{
	struct ldfi_conf *dn = ack_pipe("yes", "no"), *dd = ack_pipe("yes", "yes");
	struct ldfi_conf *vn = ack_pipe("no", "no");
	struct ldfi_trace *tr;

	if (!dn || !dd || !vn)
		goto out;
	tr = rt_run(dn, "none");
	CHECK_STR(rt_msgs(tr), "1 data s@a>k@b r1 s:1 delivered\n"
			       "2 ack k@b>s@a r2 s:1 delivered\n");
	ldfi_trace_destroy(tr);

	/* The recovery resend of round 4 re-arms the timer (next due in 6):
	 * its ack arrives in 6, first. */
	tr = rt_run(dn, "restart(a,3)");
	CHECK_STR(rt_msgs(tr), "1 data s@a>k@b r1 s:1 delivered\n"
			       "2 ack k@b>s@a r2 s:1 down restart(a,3)\n"
			       "3 data s@a>k@b r4 s:1 delivered\n"
			       "4 ack k@b>s@a r5 s:1 delivered\n");
	CHECK_STR(rt_held_r(tr, "k", "b", 1), "s:1/2 s:1/5");
	CHECK_STR(rt_offenses(tr, "once"), "s:1 duplicated 2/1 at k@b");
	CHECK_STR(rt_offenses(tr, "nodup"), "s:1 duplicated 2/1 at k@b");
	CHECK_STR(rt_offenses(tr, "golden"), "s:1 unexpected-count 2/1 at k@b");
	ldfi_trace_destroy(tr);

	/* The sink's dedup keeps the first copy. */
	tr = rt_run(dd, "restart(a,3)");
	CHECK(tr->n_msgs == 4);
	CHECK_STR(rt_held_r(tr, "k", "b", 1), "s:1/2");
	CHECK(tr->passed);
	ldfi_trace_destroy(tr);

	/* A volatile source forgets the send: nothing resent. */
	tr = rt_run(vn, "restart(a,3)");
	CHECK_STR(rt_msgs(tr), "1 data s@a>k@b r1 s:1 delivered\n"
			       "2 ack k@b>s@a r2 s:1 down restart(a,3)\n");
	CHECK_STR(rt_held_r(tr, "k", "b", 1), "s:1/2");
	CHECK(tr->passed);
	ldfi_trace_destroy(tr);

	/* Down in round 2 only: the ack arrives in the recovery round 3,
	 * received before the step, and settles the restored send. */
	tr = rt_run(dn, "restart(a,2)");
	CHECK_STR(rt_msgs(tr), "1 data s@a>k@b r1 s:1 delivered\n"
			       "2 ack k@b>s@a r2 s:1 delivered\n");
	CHECK(tr->passed);
	ldfi_trace_destroy(tr);
out:
	ldfi_conf_destroy(dn);
	ldfi_conf_destroy(dd);
	ldfi_conf_destroy(vn);
}

/* R6: an ack for a send that no longer exists settles nothing, and is no
 * error; a durable source replays a copy lost before it went down. */
static void test_ack_for_vanished_send(void)
{
	struct ldfi_conf *vn = ack_pipe("no", "no"), *dn = ack_pipe("yes", "no");
	struct ldfi_trace *tr;

	if (!vn || !dn)
		goto out;
	tr = rt_run(vn, "restart(a,2)");
	CHECK_STR(rt_msgs(tr), "1 data s@a>k@b r1 s:1 delivered\n"
			       "2 ack k@b>s@a r2 s:1 delivered\n");
	CHECK(tr->passed);
	ldfi_trace_destroy(tr);

	tr = rt_run(vn, "omit(a,b,1) restart(a,2)");
	CHECK_STR(rt_msgs(tr), "1 data s@a>k@b r1 s:1 omitted omit(a,b,1)\n");
	CHECK_STR(rt_offenses(tr, "once"), "s:1 missing 0/1 at k@b");
	ldfi_trace_destroy(tr);

	tr = rt_run(dn, "omit(a,b,1) restart(a,2)");
	CHECK_STR(rt_msgs(tr), "1 data s@a>k@b r1 s:1 omitted omit(a,b,1)\n"
			       "2 data s@a>k@b r3 s:1 delivered\n"
			       "3 ack k@b>s@a r4 s:1 delivered\n");
	CHECK_STR(rt_held_r(tr, "k", "b", 1), "s:1/4");
	CHECK(tr->passed);
	ldfi_trace_destroy(tr);
out:
	ldfi_conf_destroy(vn);
	ldfi_conf_destroy(dn);
}

/* R3: a source whose emission round falls in its down period. */
static const char *late_conf = "[explore]\n"
			       "eot = 8\n"
			       "eff = 3\n"
			       "restarts = 1\n"
			       "downtime = 2\n"
			       "[source s]\n"
			       "node = a\n"
			       "records = 2\n"
			       "at = 2\n"
			       "to = k\n"
			       "delivery = ack\n"
			       "retry_every = 2\n"
			       "durable = DUR\n"
			       "[sink k]\n"
			       "nodes = b\n"
			       "[check deliv]\n"
			       "kind = delivered\n"
			       "sink = k\n"
			       "[check golden]\n"
			       "kind = matches-fault-free\n"
			       "sink = k\n";

static void test_catch_up(void)
{
	struct ldfi_conf *dur = rt_conf("late.conf", rt_subst(late_conf, "DUR", "yes"));
	struct ldfi_conf *vol = rt_conf("late.conf", rt_subst(late_conf, "DUR", "no"));
	struct ldfi_trace *tr;

	if (!dur || !vol)
		goto out;
	tr = rt_run(dur, "none");
	CHECK_STR(rt_msgs(tr), "1 data s@a>k@b r2 s:1 delivered\n"
			       "2 data s@a>k@b r2 s:2 delivered\n"
			       "3 ack k@b>s@a r3 s:1 delivered\n"
			       "4 ack k@b>s@a r3 s:2 delivered\n");
	CHECK_STR(rt_held_r(tr, "k", "b", 1), "s:1/3 s:2/3");
	ldfi_trace_destroy(tr);

	/* Down in 1 and 2: the durable log emits in its recovery round 3. */
	tr = rt_run(dur, "restart(a,1)");
	CHECK_STR(rt_msgs(tr), "1 data s@a>k@b r3 s:1 delivered\n"
			       "2 data s@a>k@b r3 s:2 delivered\n"
			       "3 ack k@b>s@a r4 s:1 delivered\n"
			       "4 ack k@b>s@a r4 s:2 delivered\n");
	CHECK_STR(rt_held_r(tr, "k", "b", 1), "s:1/4 s:2/4");
	CHECK(rt_emitted(tr, "s:1") == 1 && rt_emitted(tr, "s:2") == 1);
	CHECK(tr->passed);
	ldfi_trace_destroy(tr);

	/* A volatile source never emits them: nothing expected either. */
	tr = rt_run(vol, "restart(a,1)");
	CHECK(tr->n_msgs == 0);
	CHECK(rt_emitted(tr, "s:1") == 0 && rt_emitted(tr, "s:2") == 0);
	CHECK_STR(rt_held(tr, "k", "b"), "");
	CHECK(tr->passed);
	ldfi_trace_destroy(tr);

	/* Emitted, lost, then down (3, 4): the volatile source forgets... */
	tr = rt_run(vol, "omit(a,b,2) restart(a,3)");
	CHECK_STR(rt_msgs(tr), "1 data s@a>k@b r2 s:1 omitted omit(a,b,2)\n"
			       "2 data s@a>k@b r2 s:2 omitted omit(a,b,2)\n");
	CHECK_STR(rt_offenses(tr, "deliv"), "s:1 missing 0/1 at k@b; s:2 missing 0/1 at k@b");
	CHECK_STR(rt_offenses(tr, "golden"), "s:1 missing 0/1 at k@b; s:2 missing 0/1 at k@b");
	ldfi_trace_destroy(tr);

	/* ...the durable one resends both in round 5; their acks arrive in 7,
	 * before the resend due then. */
	tr = rt_run(dur, "omit(a,b,2) restart(a,3)");
	CHECK_STR(rt_msgs(tr), "1 data s@a>k@b r2 s:1 omitted omit(a,b,2)\n"
			       "2 data s@a>k@b r2 s:2 omitted omit(a,b,2)\n"
			       "3 data s@a>k@b r5 s:1 delivered\n"
			       "4 data s@a>k@b r5 s:2 delivered\n"
			       "5 ack k@b>s@a r6 s:1 delivered\n"
			       "6 ack k@b>s@a r6 s:2 delivered\n");
	CHECK_STR(rt_held_r(tr, "k", "b", 1), "s:1/6 s:2/6");
	CHECK(tr->passed);
	ldfi_trace_destroy(tr);
out:
	ldfi_conf_destroy(dur);
	ldfi_conf_destroy(vol);
}

/* R4: a repeat source, a relay with dedup on b, a sink on c. */
static const char *dedup_conf = "[explore]\n"
				"eot = 6\n"
				"restarts = 1\n"
				"[source s]\n"
				"node = a\n"
				"records = 1\n"
				"to = r\n"
				"delivery = repeat\n"
				"[stage r]\n"
				"nodes = b\n"
				"to = k\n"
				"dedup = yes\n"
				"durable = DUR\n"
				"[sink k]\n"
				"nodes = c\n"
				"[check nodup]\n"
				"kind = no-duplicates\n"
				"sink = k\n"
				"[check deliv]\n"
				"kind = delivered\n"
				"sink = k\n";

/* The volatile relay forgets what it forwarded: the first copy after its
 * recovery is forwarded again, a duplicate at the sink. */
static void test_dedup_lost(void)
{
	struct ldfi_conf *vol = rt_conf("dedup.conf", rt_subst(dedup_conf, "DUR", "no"));
	struct ldfi_conf *dur = rt_conf("dedup.conf", rt_subst(dedup_conf, "DUR", "yes"));
	struct ldfi_trace *tr;

	if (!vol || !dur)
		goto out;
	tr = rt_run(vol, "none");
	CHECK_STR(rt_msgs(tr), "1 data s@a>r@b r1 s:1 delivered\n"
			       "2 data s@a>r@b r2 s:1 delivered\n"
			       "3 data r@b>k@c r2 s:1 delivered\n"
			       "4 data s@a>r@b r3 s:1 delivered\n"
			       "5 data s@a>r@b r4 s:1 delivered\n"
			       "6 data s@a>r@b r5 s:1 delivered\n"
			       "7 data s@a>r@b r6 s:1 eot\n");
	CHECK_STR(rt_held_r(tr, "k", "c", 1), "s:1/3");
	ldfi_trace_destroy(tr);

	tr = rt_run(vol, "restart(b,3)");
	CHECK_STR(rt_msgs(tr), "1 data s@a>r@b r1 s:1 delivered\n"
			       "2 data s@a>r@b r2 s:1 down restart(b,3)\n"
			       "3 data r@b>k@c r2 s:1 delivered\n"
			       "4 data s@a>r@b r3 s:1 delivered\n"
			       "5 data s@a>r@b r4 s:1 delivered\n"
			       "6 data r@b>k@c r4 s:1 delivered\n"
			       "7 data s@a>r@b r5 s:1 delivered\n"
			       "8 data s@a>r@b r6 s:1 eot\n");
	CHECK_STR(rt_held_r(tr, "k", "c", 1), "s:1/3 s:1/5");
	CHECK_STR(rt_offenses(tr, "nodup"), "s:1 duplicated 2/1 at k@c");
	CHECK(rt_passed(tr, "deliv") == 1);
	ldfi_trace_destroy(tr);

	/* Its memory durable, the relay drops every later copy. */
	tr = rt_run(dur, "restart(b,3)");
	CHECK_STR(rt_msgs(tr), "1 data s@a>r@b r1 s:1 delivered\n"
			       "2 data s@a>r@b r2 s:1 down restart(b,3)\n"
			       "3 data r@b>k@c r2 s:1 delivered\n"
			       "4 data s@a>r@b r3 s:1 delivered\n"
			       "5 data s@a>r@b r4 s:1 delivered\n"
			       "6 data s@a>r@b r5 s:1 delivered\n"
			       "7 data s@a>r@b r6 s:1 eot\n");
	CHECK_STR(rt_held_r(tr, "k", "c", 1), "s:1/3");
	CHECK(tr->passed);
	ldfi_trace_destroy(tr);

	/* A restart before the first forward loses nothing it knew. */
	tr = rt_run(vol, "restart(b,2)");
	CHECK_STR(rt_held_r(tr, "k", "c", 1), "s:1/4");
	CHECK(rt_count(tr, "data", "b", "c", -1, 0) == 1);
	CHECK(tr->passed);
	ldfi_trace_destroy(tr);
out:
	ldfi_conf_destroy(vol);
	ldfi_conf_destroy(dur);
}

/* R5: in the recovery round a durable source emits what fell in its down
 * period (on_recover), then deliveries, then its resends (step). */
static const char *order_conf = "[explore]\n"
				"eot = 8\n"
				"restarts = 1\n"
				"downtime = 2\n"
				"[source s]\n"
				"node = a\n"
				"records = 1\n"
				"to = k\n"
				"delivery = ack\n"
				"retry_every = 3\n"
				"durable = yes\n"
				"[source t]\n"
				"node = a\n"
				"records = 1\n"
				"at = 3\n"
				"to = k\n"
				"durable = yes\n"
				"[sink k]\n"
				"nodes = b\n"
				"[check nodup]\n"
				"kind = no-duplicates\n"
				"sink = k\n"
				"[check deliv]\n"
				"kind = delivered\n"
				"sink = k\n"
				"[check golden]\n"
				"kind = matches-fault-free\n"
				"sink = k\n";

static const char *settle_conf = "[explore]\n"
				 "eot = 6\n"
				 "restarts = 1\n"
				 "[source s]\n"
				 "node = a\n"
				 "records = 1\n"
				 "to = k\n"
				 "delivery = ack\n"
				 "durable = yes\n"
				 "[sink k]\n"
				 "nodes = b\n"
				 "[check golden]\n"
				 "kind = matches-fault-free\n"
				 "sink = k\n";

static void test_recovery_order(void)
{
	struct ldfi_conf *c = rt_conf("order.conf", order_conf);
	struct ldfi_conf *st = rt_conf("settle.conf", settle_conf);
	struct ldfi_trace *tr;

	if (!c || !st)
		goto out;
	tr = rt_run(c, "none");
	CHECK_STR(rt_msgs(tr), "1 data s@a>k@b r1 s:1 delivered\n"
			       "2 ack k@b>s@a r2 s:1 delivered\n"
			       "3 data t@a>k@b r3 t:1 delivered\n");
	CHECK_STR(rt_held_r(tr, "k", "b", 1), "s:1/2 t:1/4");
	ldfi_trace_destroy(tr);

	/* a down in 2 and 3. In round 4: t's catch-up emission (on_recover),
	 * then s's recovery resend (step). In round 5 b receives s's copy
	 * first (sender stage s before t). */
	tr = rt_run(c, "restart(a,2)");
	CHECK_STR(rt_msgs(tr), "1 data s@a>k@b r1 s:1 delivered\n"
			       "2 ack k@b>s@a r2 s:1 down restart(a,2)\n"
			       "3 data t@a>k@b r4 t:1 delivered\n"
			       "4 data s@a>k@b r4 s:1 delivered\n"
			       "5 ack k@b>s@a r5 s:1 delivered\n");
	CHECK_STR(rt_held_r(tr, "k", "b", 1), "s:1/2 s:1/5 t:1/5");
	CHECK_STR(rt_offenses(tr, "nodup"), "s:1 duplicated 2/1 at k@b");
	CHECK(rt_passed(tr, "deliv") == 1);
	CHECK_STR(rt_offenses(tr, "golden"), "s:1 unexpected-count 2/1 at k@b");
	CHECK(tr->msgs[2].conditional == 1); /* exists because of the restart */
	ldfi_trace_destroy(tr);

	/* Settle before resend: the ack of round 3 arrives in the recovery
	 * round 4 and is received before the step. */
	tr = rt_run(st, "none");
	CHECK_STR(rt_msgs(tr), "1 data s@a>k@b r1 s:1 delivered\n"
			       "2 data s@a>k@b r2 s:1 delivered\n"
			       "3 ack k@b>s@a r2 s:1 delivered\n"
			       "4 ack k@b>s@a r3 s:1 delivered\n");
	ldfi_trace_destroy(tr);
	tr = rt_run(st, "restart(a,3)");
	CHECK_STR(rt_msgs(tr), "1 data s@a>k@b r1 s:1 delivered\n"
			       "2 data s@a>k@b r2 s:1 delivered\n"
			       "3 ack k@b>s@a r2 s:1 down restart(a,3)\n"
			       "4 ack k@b>s@a r3 s:1 delivered\n");
	CHECK_STR(rt_held_r(tr, "k", "b", 1), "s:1/2 s:1/3");
	CHECK(tr->passed);
	ldfi_trace_destroy(tr);
out:
	ldfi_conf_destroy(c);
	ldfi_conf_destroy(st);
}

/* R7: a window-count between a durable ack source and a sink. */
static const char *window_conf = "[explore]\n"
				 "eot = 8\n"
				 "eff = 2\n"
				 "restarts = 1\n"
				 "[source s]\n"
				 "node = a\n"
				 "records = u.a, u.b\n"
				 "to = w\n"
				 "delivery = ack\n"
				 "retry_every = 2\n"
				 "durable = yes\n"
				 "[stage w]\n"
				 "kind = window-count\n"
				 "window = 4\n"
				 "nodes = w\n"
				 "to = k\n"
				 "dedup = yes\n"
				 "delivery = ack\n"
				 "retry_every = 2\n"
				 "durable = DUR\n"
				 "[sink k]\n"
				 "nodes = k\n"
				 "dedup = yes\n"
				 "[check golden]\n"
				 "kind = matches-fault-free\n"
				 "sink = k\n";

static const char *window_none = "1 data s@a>w@w r1 s:u.a delivered\n"
				 "2 data s@a>w@w r1 s:u.b delivered\n"
				 "3 ack w@w>s@a r2 s:u.a delivered\n"
				 "4 ack w@w>s@a r2 s:u.b delivered\n"
				 "5 data w@w>k@k r4 u@w0=2 delivered\n"
				 "6 ack k@k>w@w r5 u@w0=2 delivered\n";

static void test_window(void)
{
	struct ldfi_conf *vol = rt_conf("window.conf", rt_subst(window_conf, "DUR", "no"));
	struct ldfi_conf *dur = rt_conf("window.conf", rt_subst(window_conf, "DUR", "yes"));
	struct ldfi_trace *tr;

	if (!vol || !dur)
		goto out;
	tr = rt_run(vol, "none");
	CHECK_STR(rt_msgs(tr), window_none);
	CHECK_STR(rt_held_r(tr, "k", "k", 1), "u@w0=2/5");
	ldfi_trace_destroy(tr);

	/* Down in round 3: the volatile counts are gone, window 0 ends in
	 * round 4 with nothing counted. */
	tr = rt_run(vol, "restart(w,3)");
	CHECK(rt_count(tr, "data", "w", "k", -1, 0) == 0);
	CHECK_STR(rt_held(tr, "k", "k"), "");
	CHECK_STR(rt_offenses(tr, "golden"), "u@w0=2 missing 0/1 at k@k");
	ldfi_trace_destroy(tr);
	tr = rt_run(dur, "restart(w,3)");
	CHECK_STR(rt_msgs(tr), window_none);
	CHECK(tr->passed);
	ldfi_trace_destroy(tr);

	/* Down in the window's last round: the durable replica emits it in its
	 * recovery round 5. */
	tr = rt_run(dur, "restart(w,4)");
	CHECK_STR(rt_msgs(tr), "1 data s@a>w@w r1 s:u.a delivered\n"
			       "2 data s@a>w@w r1 s:u.b delivered\n"
			       "3 ack w@w>s@a r2 s:u.a delivered\n"
			       "4 ack w@w>s@a r2 s:u.b delivered\n"
			       "5 data w@w>k@k r5 u@w0=2 delivered\n"
			       "6 ack k@k>w@w r6 u@w0=2 delivered\n");
	CHECK_STR(rt_held_r(tr, "k", "k", 1), "u@w0=2/6");
	CHECK(tr->passed);
	ldfi_trace_destroy(tr);
	tr = rt_run(vol, "restart(w,4)");
	CHECK_STR(rt_held(tr, "k", "k"), "");
	CHECK_STR(rt_offenses(tr, "golden"), "u@w0=2 missing 0/1 at k@k");
	ldfi_trace_destroy(tr);

	/* A late replay counts in the next window: the copies of round 1 are
	 * lost, the resends of round 3 arrive while w is down (round 4), those
	 * of round 5 in round 6: window 1, sent in round 8 = eot. */
	tr = rt_run(dur, "omit(a,w,1) restart(w,4)");
	CHECK_STR(rt_msgs(tr), "1 data s@a>w@w r1 s:u.a omitted omit(a,w,1)\n"
			       "2 data s@a>w@w r1 s:u.b omitted omit(a,w,1)\n"
			       "3 data s@a>w@w r3 s:u.a down restart(w,4)\n"
			       "4 data s@a>w@w r3 s:u.b down restart(w,4)\n"
			       "5 data s@a>w@w r5 s:u.a delivered\n"
			       "6 data s@a>w@w r5 s:u.b delivered\n"
			       "7 ack w@w>s@a r6 s:u.a delivered\n"
			       "8 ack w@w>s@a r6 s:u.b delivered\n"
			       "9 data w@w>k@k r8 u@w1=2 eot\n");
	CHECK_STR(rt_held(tr, "k", "k"), "");
	CHECK_STR(rt_offenses(tr, "golden"), "u@w0=2 missing 0/1 at k@k");
	ldfi_trace_destroy(tr);
out:
	ldfi_conf_destroy(vol);
	ldfi_conf_destroy(dur);
}

static void ancestor(const struct ldfi_msg *m, void *arg)
{
	char *buf = arg;
	size_t n = strlen(buf);

	snprintf(buf + n, 64 - n, "%s%u", n ? " " : "", m->id);
}

/* Memory tokens: only with restarts in the conf; what they span. */
static void test_tokens(void)
{
	struct ldfi_conf *vol = r1("no", 0, 0, 1), *dur = r1("yes", 0, 0, 1);
	struct ldfi_conf *off = r1("no", 0, 0, 0);
	struct ldfi_conf *win = rt_conf("window.conf", rt_subst(window_conf, "DUR", "no"));
	struct ldfi_trace *tr;
	char buf[64] = "";

	if (!vol || !dur || !off || !win)
		goto out;
	/* A volatile repeat send kept from round 1: each resend goes through
	 * a token over (1, r]. */
	tr = rt_run(vol, "none");
	CHECK(tr->n_mems == 4);
	CHECK(tr->mems[0].node == 0 && tr->mems[0].from == 1 && tr->mems[0].to == 2);
	CHECK(tr->mems[3].from == 1 && tr->mems[3].to == 5);
	CHECK(tr->msgs[1].n_parents == 1 && tr->parents[tr->msgs[1].parents_off] == LDFI_MEM_ID(0));
	ldfi_trace_destroy(tr);
	/* Durable, the send survives a restart on its schedule: no token. */
	tr = rt_run(dur, "none");
	CHECK(tr->n_mems == 0);
	ldfi_trace_destroy(tr);
	/* No restart in the conf: no token, traces as before. */
	tr = rt_run(off, "none");
	CHECK(tr->n_mems == 0 && tr->msgs[1].n_parents == 0);
	ldfi_trace_destroy(tr);
	/* A volatile window count written in round 2, read in round 4. */
	tr = rt_run(win, "none");
	CHECK(tr->msgs[4].n_parents == 1);
	if (tr->msgs[4].n_parents == 1) {
		uint32_t t = tr->parents[tr->msgs[4].parents_off];

		CHECK(LDFI_IS_MEM(t));
		CHECK(tr->mems[LDFI_MEM_INDEX(t)].from == 2 && tr->mems[LDFI_MEM_INDEX(t)].to == 4);
	}
	CHECK(ldfi_trace_ancestors(tr, 5, ancestor, buf) == 0);
	CHECK_STR(buf, "5 2 1");
	ldfi_trace_destroy(tr);
out:
	ldfi_conf_destroy(vol);
	ldfi_conf_destroy(dur);
	ldfi_conf_destroy(off);
	ldfi_conf_destroy(win);
}

/* The parents of a slice as a sorted list of ids, in `out` (n of them). */
static int sorted_ids(const struct ldfi_trace *tr, uint32_t off, uint32_t n, uint32_t *out)
{
	for (uint32_t i = 0; i < n; i++) {
		uint32_t v = tr->parents[off + i];
		uint32_t j = i;

		while (j > 0 && out[j - 1] > v) {
			out[j] = out[j - 1];
			j--;
		}
		out[j] = v;
	}
	return (int)n;
}

static bool same_slice(const struct ldfi_trace *a, uint32_t ao, uint32_t an,
		       const struct ldfi_trace *b, uint32_t bo, uint32_t bn)
{
	uint32_t x[64], y[64];

	if (an != bn || an > 64)
		return an == bn;
	sorted_ids(a, ao, an, x);
	sorted_ids(b, bo, bn, y);
	return memcmp(x, y, an * sizeof(*x)) == 0;
}

/* A run with restarts recorded and read back: the same messages, fates and
 * the faults that lost them, parents, memory tokens, down periods. */
static void round_trip(const struct ldfi_conf *conf, const char *faults)
{
	char path[] = "/tmp/ldfi-restart-db-XXXXXX", err[256];
	struct ldfi_trace *tr = rt_run(conf, faults), *back = NULL;
	struct ldfi_db *db = NULL;
	int64_t run = 0;
	int fd = mkstemp(path);

	if (fd >= 0)
		close(fd);
	if (!tr || fd < 0 || ldfi_db_open(path, &db, err, sizeof(err)) ||
	    ldfi_db_record_run(db, tr, NULL, &run) || ldfi_db_load_trace(db, conf, run, &back)) {
		fprintf(stderr, "round trip of %s: %s\n", faults, db ? ldfi_db_errmsg(db) : err);
		CHECK(0);
		goto out;
	}
	CHECK(back->n_msgs == tr->n_msgs && back->n_mems == tr->n_mems);
	CHECK(back->downtime == tr->downtime);
	for (int n = 0; n < conf->n_nodes; n++)
		CHECK(back->restart_round[n] == tr->restart_round[n]);
	for (size_t i = 0; back->n_msgs == tr->n_msgs && i < tr->n_msgs; i++) {
		const struct ldfi_msg *m = &tr->msgs[i], *k = &back->msgs[i];

		CHECK(m->fate == k->fate && m->fault == k->fault &&
		      m->conditional == k->conditional);
		CHECK(same_slice(tr, m->parents_off, m->n_parents, back, k->parents_off,
				 k->n_parents));
	}
	for (size_t i = 0; back->n_mems == tr->n_mems && i < tr->n_mems; i++) {
		const struct ldfi_memtok *m = &tr->mems[i], *k = &back->mems[i];

		CHECK(m->node == k->node && m->from == k->from && m->to == k->to &&
		      m->parents_any == k->parents_any);
		CHECK(same_slice(tr, m->parents_off, m->n_parents, back, k->parents_off,
				 k->n_parents));
	}
	for (int r = 0; r < tr->n_recs && r < back->n_recs; r++)
		CHECK(tr->recs[r].source < 0 || tr->recs[r].emitted == back->recs[r].emitted);
out:
	ldfi_trace_destroy(tr);
	ldfi_trace_destroy(back);
	ldfi_db_close(db);
	unlink(path);
}

static void test_db_round_trip(void)
{
	struct ldfi_conf *win = rt_conf("window.conf", rt_subst(window_conf, "DUR", "no"));
	struct ldfi_conf *late = rt_conf("late.conf", rt_subst(late_conf, "DUR", "yes"));
	struct ldfi_conf *ded = rt_conf("dedup.conf", rt_subst(dedup_conf, "DUR", "no"));

	if (win && late && ded) {
		round_trip(win, "none");
		round_trip(win, "omit(a,w,1) restart(w,4)");
		round_trip(late, "restart(a,1)");
		round_trip(late, "omit(a,b,2) restart(a,3)");
		round_trip(ded, "restart(b,3)");
	}
	ldfi_conf_destroy(win);
	ldfi_conf_destroy(late);
	ldfi_conf_destroy(ded);
}

/* Stage API version 2 only appends on_recover: the table a version-1 plugin
 * exports is its prefix (runtime/plugin.c copies that much). */
struct stage_ops_v1 {
	int api_version;
	const char *kind;
	int (*init)(struct ldfi_stage *st);
	void (*finish)(struct ldfi_stage *st);
	int (*on_message)(struct ldfi_stage *st, const struct ldfi_msg *m);
	int (*on_round)(struct ldfi_stage *st, int round);
};
_Static_assert(offsetof(struct ldfi_stage_ops, on_round) == offsetof(struct stage_ops_v1, on_round),
	       "stage API 2 keeps version 1's layout");
_Static_assert(offsetof(struct ldfi_stage_ops, on_recover) == sizeof(struct stage_ops_v1),
	       "on_recover comes right after version 1's table");

/* struct ldfi_comp keeps its layout: `durable` sits in the padding after
 * `dedup` (plugins built for stage API 1 index conf->comps). */
static void test_layout(void)
{
	CHECK(offsetof(struct ldfi_comp, durable) == offsetof(struct ldfi_comp, dedup) + 1);
	CHECK(offsetof(struct ldfi_comp, kind) > offsetof(struct ldfi_comp, durable));
	CHECK(offsetof(struct ldfi_conf, restarts) >= offsetof(struct ldfi_conf, n_checks));
}

int main(void)
{
	test_restart_faults();
	test_down_period();
	test_durable_replay();
	test_ack_for_vanished_send();
	test_catch_up();
	test_dedup_lost();
	test_recovery_order();
	test_window();
	test_tokens();
	test_db_round_trip();
	test_layout();
	return test_done();
}
