/*
 * crashy.c - plugin stages and checks that misbehave, for the isolation
 * tests (isolation.sh). Each stage forwards what it receives downstream and
 * remembers it (ldfi_stage_put "got"); in round 3, a stage whose record
 * never arrived (lost to omit(a,b,1)) misbehaves as its symbol says:
 *
 *   relay            never misbehaves (the control)
 *   segv_if_lost     SIGSEGV (a write through a null pointer)
 *   abort_if_lost    abort()
 *   loop_if_lost     loops forever
 *   exit_if_lost     exit(3)
 *   abort_always     abort() in round 2 of every run, fault-free included
 *   old_api          built for stage API version 0 (refused at load)
 *   v1_relay         relay, built for stage API version 1 (before restarts):
 *                    its table ends before on_recover, and it loads
 *
 * Checks: check_ok always passes; check_segv crashes whenever it runs.
 */
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>

#include <ldfi/stage.h>

enum how { NONE, SEGV, ABORT, LOOP, EXIT };

static int forward(struct ldfi_stage *st, const struct ldfi_msg *m)
{
	int rc = ldfi_stage_put(st, "got", 1);

	return rc ? rc : ldfi_stage_send(st, LDFI_HOP_DOWNSTREAM, m->rec);
}

static void misbehave(enum how how)
{
	static int *volatile nowhere;

	switch (how) {
	case SEGV:
		*nowhere = 1;
		raise(SIGSEGV); /* if the write did not fault */
		break;
	case ABORT:
		abort();
	case LOOP:
		for (volatile uint64_t i = 0;; i++)
			;
	case EXIT:
		exit(3);
	case NONE:
		break;
	}
}

static int if_lost(struct ldfi_stage *st, int round, enum how how)
{
	int rc;

	if (round != 3)
		return 0;
	if ((rc = ldfi_stage_get(st, "got", NULL)) < 0)
		return rc;
	if (rc == 0)
		misbehave(how);
	return 0;
}

static int segv_round(struct ldfi_stage *st, int round)
{
	return if_lost(st, round, SEGV);
}

static int abort_round(struct ldfi_stage *st, int round)
{
	return if_lost(st, round, ABORT);
}

static int loop_round(struct ldfi_stage *st, int round)
{
	return if_lost(st, round, LOOP);
}

static int exit_round(struct ldfi_stage *st, int round)
{
	return if_lost(st, round, EXIT);
}

static int abort_in_round2(struct ldfi_stage *st, int round)
{
	(void)st;
	if (round == 2)
		abort();
	return 0;
}

#define STAGE(sym, round_fn)                                                                       \
	const struct ldfi_stage_ops sym = {                                                        \
	    .api_version = LDFI_STAGE_API_VERSION,                                                 \
	    .kind = #sym,                                                                          \
	    .on_message = forward,                                                                 \
	    .on_round = round_fn,                                                                  \
	}

STAGE(relay, NULL);
STAGE(segv_if_lost, segv_round);
STAGE(abort_if_lost, abort_round);
STAGE(loop_if_lost, loop_round);
STAGE(exit_if_lost, exit_round);
STAGE(abort_always, abort_in_round2);

const struct ldfi_stage_ops old_api = {
    .api_version = 0,
    .kind = "old",
    .on_message = forward,
};

/* The table as stage API version 1 laid it out: no on_recover after
 * on_round. ldfi must read no further. */
struct stage_ops_v1 {
	int api_version;
	const char *kind;
	int (*init)(struct ldfi_stage *st);
	void (*finish)(struct ldfi_stage *st);
	int (*on_message)(struct ldfi_stage *st, const struct ldfi_msg *m);
	int (*on_round)(struct ldfi_stage *st, int round);
};

const struct stage_ops_v1 v1_relay = {
    .api_version = 1,
    .kind = "v1_relay",
    .on_message = forward,
};

int check_ok(struct ldfi_trace *tr, const struct ldfi_trace *ff, int check,
	     struct ldfi_check_result *res)
{
	(void)tr;
	(void)ff;
	(void)check;
	res->passed = true;
	return 0;
}

int check_segv(struct ldfi_trace *tr, const struct ldfi_trace *ff, int check,
	       struct ldfi_check_result *res)
{
	(void)tr;
	(void)ff;
	(void)check;
	(void)res;
	misbehave(SEGV);
	return 0;
}
