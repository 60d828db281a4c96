/*
 * test_restart.c - restart(n,t) faults and durable state (SPEC §1, §1.1),
 * each case worked out by hand from the semantics (docs/semantics.md,
 * Restarts) and asserted exactly: messages with their fates, what each
 * sink replica holds, which checks fail and why.
 */
#include <stddef.h>

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
	test_layout();
	return test_done();
}
