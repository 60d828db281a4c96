/*
 * test_manual_ack.c - `acks = manual` and ldfi_stage_ack, worked out by
 * hand: source s on node a sends record s:1 to plugin stage p on w in
 * round 1 under `ack`, retry_every 2 (resends in rounds 3, 5, 7 until an
 * ack arrives). The runtime acks nothing for p; p acknowledges in the round
 * the case says (0: never), from its state entry of the record. Also what
 * ldfi_stage_ack refuses.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ldfi/stage.h"
#include "tests/runtime/rt.h"

static const char *conf_text = "[explore]\n"
			       "eot = 7\n"
			       "eff = 0\n"
			       "crashes = 0\n"
			       "[source s]\n"
			       "node = a\n"
			       "records = 1\n"
			       "to = p\n"
			       "delivery = ack\n"
			       "retry_every = 2\n"
			       "[stage p]\n"
			       "kind = plugin\n"
			       "nodes = w\n"
			       "library = none.so\n"
			       "symbol = p_ops\n"
			       "acks = ACKS\n"
			       "[check c]\n"
			       "kind = plugin\n"
			       "library = none.so\n"
			       "symbol = c_check\n";

/* The case: p acknowledges each copy on receipt, or in round ack_round
 * (0: never). */
static bool on_receipt;
static int ack_round;
static int src_comp = -1, src_node = -1, rec = -1;
static int refused; /* how many of the bad calls returned LDFI_EINVAL */

static int p_init(struct ldfi_stage *st)
{
	/* In init: refused (no round). */
	refused += ldfi_stage_ack(st, 0, 0, 0) == LDFI_EINVAL;
	return 0;
}

static int p_message(struct ldfi_stage *st, const struct ldfi_msg *m)
{
	src_comp = m->src_comp;
	src_node = m->src_node;
	rec = m->rec;
	if (ldfi_stage_put(st, "got", 1))
		return LDFI_ENOMEM;
	return on_receipt ? ldfi_stage_ack(st, src_comp, src_node, rec) : 0;
}

static int p_round(struct ldfi_stage *st, int round)
{
	const struct ldfi_conf *conf = ldfi_stage_conf(st);
	int self = ldfi_stage_comp(st), n_recs = ldfi_stage_n_records(st);
	int64_t v;
	int rc;

	if (round == 2) {
		/* Its own component does not send to it; no such node; no such
		 * record. */
		refused += ldfi_stage_ack(st, self, src_node, rec) == LDFI_EINVAL;
		refused += ldfi_stage_ack(st, src_comp, conf->n_nodes, rec) == LDFI_EINVAL;
		refused += ldfi_stage_ack(st, src_comp, src_node, n_recs) == LDFI_EINVAL;
		refused += ldfi_stage_ack(st, src_comp, src_node, -1) == LDFI_EINVAL;
	}
	if (round != ack_round || rec < 0)
		return 0;
	ldfi_stage_forget_reads(st);
	if ((rc = ldfi_stage_get(st, "got", &v)) < 0)
		return rc;
	return ldfi_stage_ack(st, src_comp, src_node, rec);
}

static const struct ldfi_stage_ops p_ops = {
    .api_version = LDFI_STAGE_API_VERSION,
    .init = p_init,
    .on_message = p_message,
    .on_round = p_round,
};

static struct ldfi_conf *make_conf(const char *acks)
{
	return rt_conf_plugin("manual-ack.conf", rt_subst(conf_text, "ACKS", acks), &p_ops);
}

/* The parents of the first ack: "msg N" for each. */
static const char *ack_parents(const struct ldfi_trace *tr)
{
	static char buf[64];
	size_t n = 0;

	snprintf(buf, sizeof(buf), "no ack");
	for (size_t i = 0; i < tr->n_msgs; i++) {
		const struct ldfi_msg *m = &tr->msgs[i];

		if (m->kind != LDFI_MSG_ACK)
			continue;
		buf[0] = 0;
		for (uint32_t k = 0; k < m->n_parents; k++)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%smsg %u", k ? " " : "",
					      tr->parents[m->parents_off + k]);
		break;
	}
	return buf;
}

static void run_case(const struct ldfi_conf *conf, bool receipt, int when, const char *want_data,
		     const char *want_acks, const char *want_parents)
{
	struct ldfi_trace *tr;

	on_receipt = receipt;
	ack_round = when;
	tr = rt_run(conf, "none");
	CHECK(tr != NULL);
	if (!tr)
		return;
	CHECK_STR(rt_rounds(tr, "data", "a", "w"), want_data);
	CHECK_STR(rt_rounds(tr, "ack", "w", "a"), want_acks);
	CHECK_STR(ack_parents(tr), want_parents);
	ldfi_trace_destroy(tr);
}

int main(void)
{
	struct ldfi_conf *conf = make_conf("manual");

	CHECK(conf != NULL);
	if (!conf)
		return test_done();
	/* Never acknowledged: resent in 3, 5 and 7 (the last never due). */
	run_case(conf, false, 0, "1 3 5 7", "", "no ack");
	/* On receipt (round 2): the ack arrives in 3 and stops the resend of
	 * round 3. It derives from the copy handled (message 1). */
	run_case(conf, true, 0, "1", "2", "msg 1");
	/* In round 4, from the state entry "got": the copy of round 3 arrives
	 * in 4 and stores the same value again, which replaces the entry's
	 * derivation (message 2); the ack of round 4 arrives in 5 and stops
	 * the resend due then. */
	run_case(conf, false, 4, "1 3", "4", "msg 2");
	CHECK(refused > 0 && refused % 5 == 0); /* every bad call, in every run */
	ldfi_conf_destroy(conf);
	/* With acks = auto the runtime acks each copy itself, and the stage
	 * may not. */
	conf = make_conf("auto");
	CHECK(conf != NULL);
	if (conf) {
		struct ldfi_faults none;
		struct ldfi_trace *tr = NULL;

		run_case(conf, false, 0, "1", "2", "msg 1");
		/* p's ack call fails the run with its error. */
		on_receipt = true;
		ldfi_faults_init(&none);
		CHECK(ldfi_runtime_exec(conf, &none, NULL, &tr) == LDFI_EINVAL);
		ldfi_trace_destroy(tr);
		ldfi_conf_destroy(conf);
	}
	return test_done();
}
