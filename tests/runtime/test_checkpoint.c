/*
 * test_checkpoint.c - ldfi_stage_put_durable and ldfi_stage_checkpoint
 * (stage API version 2) under restart faults, worked out by hand: a
 * plugin stage p on node w gets record s:1 in round 2 and stores it twice,
 * "v" with ldfi_stage_put (volatile) and "d" with ldfi_stage_put_durable;
 * in round 3 it checkpoints (when the case says so); in round 6 it outputs
 * "vol" if it still has "v" and "dur" if it still has "d". What survives
 * restart(w,3) and restart(w,4), and the memory tokens of the outputs.
 * And a finish that tries to log at the restart: refused, nothing kept.
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
			       "restarts = 1\n"
			       "downtime = 1\n"
			       "[source s]\n"
			       "node = a\n"
			       "records = 1\n"
			       "to = p\n"
			       "[stage p]\n"
			       "kind = plugin\n"
			       "nodes = w\n"
			       "library = none.so\n"
			       "symbol = p_ops\n"
			       "[check c]\n"
			       "kind = plugin\n"
			       "library = none.so\n"
			       "symbol = c_check\n";

static bool checkpoint; /* the case: p checkpoints in round 3 */

static int p_message(struct ldfi_stage *st, const struct ldfi_msg *m)
{
	(void)m;
	if (ldfi_stage_put(st, "v", 1) || ldfi_stage_put_durable(st, "d", 1))
		return LDFI_ENOMEM;
	return 0;
}

static int p_round(struct ldfi_stage *st, int round)
{
	static const char *const keys[] = {"v", "d"}, *const names[] = {"vol", "dur"};

	if (round == 3 && checkpoint)
		return ldfi_stage_checkpoint(st);
	if (round != 6)
		return 0;
	for (int i = 0; i < 2; i++) {
		int64_t v;
		int rc;

		ldfi_stage_forget_reads(st);
		if ((rc = ldfi_stage_get(st, keys[i], &v)) < 0)
			return rc;
		if (rc == 1 && (rc = ldfi_stage_output(st, ldfi_stage_record(st, names[i]))))
			return rc;
	}
	return 0;
}

/* What p's finish got when it tried to keep something; 0: not called. */
static int finish_put, finish_save, finish_ckpt;

/* A stage that logs when it is taken down would survive any restart: a
 * real process killed by SIGKILL gets no such chance, so all is refused. */
static void p_finish(struct ldfi_stage *st)
{
	if (ldfi_stage_round(st) > 0 && !finish_put) { /* the restart's finish */
		finish_put = ldfi_stage_put_durable(st, "v", 2) - 1;
		finish_save = ldfi_stage_save(st, "x", 1) - 1;
		finish_ckpt = ldfi_stage_checkpoint(st) - 1;
	}
}

static const struct ldfi_stage_ops p_ops = {
    .api_version = LDFI_STAGE_API_VERSION,
    .finish = p_finish,
    .on_message = p_message,
    .on_round = p_round,
};

static struct ldfi_conf *make_conf(void)
{
	return rt_conf_plugin("checkpoint.conf", conf_text, &p_ops);
}

/* The outputs of p, "vol dur" in output order. */
static const char *outputs(const struct ldfi_trace *tr)
{
	static char buf[64];

	buf[0] = 0;
	for (size_t i = 0; i < tr->n_outs; i++) {
		size_t n = strlen(buf);

		snprintf(buf + n, sizeof(buf) - n, "%s%s", n ? " " : "",
			 tr->recs[tr->outs[i].rec].name);
	}
	return buf;
}

/* The output named `name`: "msg" when it derives from the delivery
 * directly, "T(from,to)" through a memory token, "?" otherwise. */
static const char *derivation(const struct ldfi_trace *tr, const char *name)
{
	static char buf[64];

	snprintf(buf, sizeof(buf), "none");
	for (size_t i = 0; i < tr->n_outs; i++) {
		const struct ldfi_output *o = &tr->outs[i];
		uint32_t p;

		if (strcmp(tr->recs[o->rec].name, name))
			continue;
		if (o->n_parents != 1) {
			snprintf(buf, sizeof(buf), "%u parents", o->n_parents);
			break;
		}
		p = tr->parents[o->parents_off];
		if (!LDFI_IS_MEM(p))
			snprintf(buf, sizeof(buf), "msg");
		else
			snprintf(buf, sizeof(buf), "T(%d,%d)", tr->mems[LDFI_MEM_INDEX(p)].from,
				 tr->mems[LDFI_MEM_INDEX(p)].to);
	}
	return buf;
}

static void run_case(const struct ldfi_conf *conf, const char *faults, const char *want_out,
		     const char *want_vol, const char *want_dur)
{
	struct ldfi_trace *tr = rt_run(conf, faults);

	CHECK(tr != NULL);
	if (!tr)
		return;
	CHECK_STR(outputs(tr), want_out);
	CHECK_STR(derivation(tr, "vol"), want_vol);
	CHECK_STR(derivation(tr, "dur"), want_dur);
	ldfi_trace_destroy(tr);
}

int main(void)
{
	struct ldfi_conf *conf = make_conf();

	CHECK(conf != NULL);
	if (!conf)
		return test_done();
	/* Without a checkpoint: "v" is volatile from its write in round 2 to
	 * its read in 6 (a token over (2,6]); "d" is durable at once. */
	checkpoint = false;
	run_case(conf, "none", "vol dur", "T(2,6)", "msg");
	run_case(conf, "restart(w,3)", "dur", "none", "msg");
	run_case(conf, "restart(w,4)", "dur", "none", "msg");
	run_case(conf, "restart(w,5)", "dur", "none", "msg");
	/* The checkpoint of round 3 makes "v" durable: only a restart in
	 * (2,3] loses it. restart(w,3) takes w down in round 3, so the
	 * checkpoint never happens. */
	checkpoint = true;
	run_case(conf, "none", "vol dur", "T(2,3)", "msg");
	run_case(conf, "restart(w,3)", "dur", "none", "msg");
	run_case(conf, "restart(w,4)", "vol dur", "T(2,3)", "msg");
	run_case(conf, "restart(w,5)", "vol dur", "T(2,3)", "msg");
	/* The finish of restart(w,4) tried to store "v" durably, save bytes
	 * and checkpoint: each refused, and "v" is still lost. */
	checkpoint = false;
	finish_put = finish_save = finish_ckpt = 0;
	run_case(conf, "restart(w,4)", "dur", "none", "msg");
	CHECK(finish_put == LDFI_EINVAL - 1 && finish_save == LDFI_EINVAL - 1 &&
	      finish_ckpt == LDFI_EINVAL - 1);
	ldfi_conf_destroy(conf);
	return test_done();
}
