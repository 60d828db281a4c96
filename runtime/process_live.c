/*
 * process_live.c - process stages under the live engine (docs/live.md,
 * Process stages; runtime/live/engine.c and node.c): ldfi stays the
 * processes' parent and each node process, forked with its own replicas'
 * pipes, runs the same stage kind (process.c) on its copy of the pool
 * (ldfi_process_live_node): the first request of an execution resets, a
 * node that sees a process end reads its status from /proc (it cannot
 * reap it), and what ldfi must know afterwards (the execution's deadline,
 * which conversations a node left mid-request or killed) is in a page
 * shared by all of them (struct shared, runtime/process_pool.h).
 * ldfi_process_live_begin / _end / _down / _up are ldfi's side.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ldfi/ldfi.h"
#include "model/util.h"
#include "runtime/process_pool.h"
#include "runtime/runtime.h"

/* A process of a stage replica (on `node`, or any when node < 0). */
static bool stage_slot(const struct slot *s, int node)
{
	return s->check < 0 && (node < 0 || s->node == node);
}

/* Start slot `s` for the live engine; on failure, why the run fails
 * (LDFI_ESUT: "stage 'p' on node b: could not be started again: ...") or
 * ldfi's error, in `err`. */
static int live_start(struct slot *s, const char *when, char *err, size_t errlen)
{
	char why[2048];
	int rc = ldfi_slot_start(ldfi_process_pool, s, why, sizeof(why));

	if (rc == LDFI_EINVAL) {
		snprintf(err, errlen, "%s: could not be started %s: %s", s->desc, when, why);
		return LDFI_ESUT;
	}
	if (rc)
		snprintf(err, errlen, "%s: %s", s->desc, ldfi_strerror(rc));
	return rc;
}

int ldfi_process_live_begin(const struct ldfi_conf *conf, char *err, size_t errlen)
{
	int rc;

	if (!ldfi_conf_has_processes(conf))
		return 0;
	if ((!ldfi_process_pool || ldfi_process_pool->conf != conf) &&
	    (rc = ldfi_process_start(conf, NULL, err, errlen)))
		return rc;
	ldfi_process_pool->execution++;
	ldfi_process_pool->sh->deadline_ms = 0;
	for (int i = 0; i < ldfi_process_pool->n_slots; i++) {
		ldfi_process_pool->sh->state[i] = SLOT_IDLE;
		if (stage_slot(&ldfi_process_pool->slots[i], -1) &&
		    !ldfi_process_pool->slots[i].pid &&
		    (rc = live_start(&ldfi_process_pool->slots[i], "again", err, errlen)))
			return rc;
	}
	return 0;
}

size_t ldfi_process_node_fds(int node, int *fds, size_t max)
{
	size_t need = 0;

	for (int i = 0; ldfi_process_pool && i < ldfi_process_pool->n_slots; i++) {
		const struct slot *s = &ldfi_process_pool->slots[i];
		size_t k = s->pidfd >= 0 ? 3 : 2;

		if (!stage_slot(s, node) || !s->pid)
			continue;
		if (need + k <= max) {
			fds[need] = s->in_fd;
			fds[need + 1] = s->out_fd;
			if (k == 3)
				fds[need + 2] = s->pidfd;
		}
		need += k;
	}
	return need;
}

void ldfi_process_live_node(int node)
{
	if (!ldfi_process_pool)
		return;
	ldfi_process_pool->in_node = true;
	for (int i = 0; i < ldfi_process_pool->n_slots; i++) {
		struct slot *s = &ldfi_process_pool->slots[i];

		if (stage_slot(s, node)) {
			s->serial = s->fresh ? s->serial : 0; /* reset before first use */
			continue;
		}
		/* Another node's or a check's: its pipes are closed here. */
		s->pid = 0;
		s->pidfd = s->in_fd = s->out_fd = -1;
	}
}

void ldfi_process_live_down(int node)
{
	for (int i = 0; ldfi_process_pool && i < ldfi_process_pool->n_slots; i++)
		if (stage_slot(&ldfi_process_pool->slots[i], node) &&
		    ldfi_process_pool->slots[i].pid)
			ldfi_slot_kill(&ldfi_process_pool->slots[i]);
}

int ldfi_process_live_up(int node, char *err, size_t errlen)
{
	int64_t t0 = ldfi_now_ms();
	int rc = 0;

	for (int i = 0; ldfi_process_pool && i < ldfi_process_pool->n_slots && !rc; i++) {
		struct slot *s = &ldfi_process_pool->slots[i];

		if (!stage_slot(s, node))
			continue;
		if (s->pid)
			ldfi_slot_kill(s);
		if (!(rc = live_start(s, "for the restart", err, errlen)))
			s->fresh = true;
	}
	/* Starting them does not count against the execution's run_timeout. */
	if (ldfi_process_pool &&
	    __atomic_load_n(&ldfi_process_pool->sh->deadline_ms, __ATOMIC_SEQ_CST))
		__atomic_add_fetch(&ldfi_process_pool->sh->deadline_ms, ldfi_now_ms() - t0,
				   __ATOMIC_SEQ_CST);
	return rc;
}

void ldfi_process_live_end(void)
{
	for (int i = 0; ldfi_process_pool && i < ldfi_process_pool->n_slots; i++) {
		struct slot *s = &ldfi_process_pool->slots[i];

		if (!stage_slot(s, -1))
			continue;
		if (ldfi_process_pool->sh->state[i] != SLOT_IDLE && s->pid)
			ldfi_slot_kill(s); /* mid-answer, or killed by its node */
		ldfi_process_pool->sh->state[i] = SLOT_IDLE;
		s->fresh = false;
		s->serial = 0;
	}
}
