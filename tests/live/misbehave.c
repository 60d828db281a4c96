/*
 * misbehave.c - a plugin stage for tests/live/failures.sh: a relay that, on
 * node b in round 2, does what $LDFI_TEST_MISBEHAVE says: "abort" (dies by
 * SIGABRT), "exit" (exits with status 7), "hang" (never answers the round),
 * "error" (returns LDFI_ESTAGE), anything else: nothing; and
 * "recover-abort": dies by SIGABRT when node b is back up after a restart
 * (on_recover, in the new process of the live engine). It forwards every
 * record it receives downstream.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ldfi/stage.h>

static int on_message(struct ldfi_stage *st, const struct ldfi_msg *m)
{
	return ldfi_stage_send(st, LDFI_HOP_DOWNSTREAM, m->rec);
}

static int on_round(struct ldfi_stage *st, int round)
{
	const char *how = getenv("LDFI_TEST_MISBEHAVE");
	const struct ldfi_conf *conf = ldfi_stage_conf(st);

	if (round != 2 || !how || strcmp(conf->nodes[ldfi_stage_node(st)].name, "b") != 0)
		return 0;
	if (strcmp(how, "abort") == 0)
		abort();
	if (strcmp(how, "exit") == 0)
		_exit(7);
	if (strcmp(how, "hang") == 0)
		for (;;)
			pause();
	if (strcmp(how, "error") == 0)
		return LDFI_ESTAGE;
	return 0;
}

static int on_recover(struct ldfi_stage *st, int round, int down_from)
{
	const char *how = getenv("LDFI_TEST_MISBEHAVE");
	const struct ldfi_conf *conf = ldfi_stage_conf(st);

	(void)round;
	(void)down_from;
	if (how && strcmp(how, "recover-abort") == 0 &&
	    strcmp(conf->nodes[ldfi_stage_node(st)].name, "b") == 0)
		abort();
	return 0;
}

const struct ldfi_stage_ops misbehave = {
    .api_version = LDFI_STAGE_API_VERSION,
    .kind = "misbehave",
    .on_message = on_message,
    .on_round = on_round,
    .on_recover = on_recover,
};
