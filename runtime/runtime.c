/*
 * runtime.c - the deterministic round engine (docs/semantics.md).
 *
 * Each round, every live node (in name order) first receives the messages
 * sent to it in the previous round, in canonical order (sender node, sender
 * stage, send sequence), then runs each of its replicas' per-round step:
 * retransmissions of pending repeat/ack sends, then the stage's own step.
 * A message's fate is decided when it is sent: omitted by an omit fault,
 * lost to a receiver that has crashed by the delivery round or is down
 * (restarted) in it, or never delivered when sent in round eot.
 *
 * A restarted node skips its down rounds; in its recovery round it gets
 * back only its durable state (recover_node) before it receives. With
 * restarts in the conf, derivations through memory a restart would lose
 * go through memory tokens (struct ldfi_memtok, mem_token).
 */
#include <assert.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ldfi/conf.h"
#include "ldfi/faults.h"
#include "ldfi/ldfi.h"
#include "model/util.h"
#include "runtime/recindex.h"
#include "runtime/rtstate.h"
#include "runtime/runtime.h"
#include "runtime/stage.h"

/* Flags of a send: how its parents combine and whether it is conditional. */
enum {
	SEND_ANY = 1,  /* any one parent suffices */
	SEND_COND = 2, /* exists only because something did not happen */
};

uint64_t ldfi_rt_serial(const struct ldfi_rt *rt)
{
	return rt->serial;
}

const struct ldfi_conf *ldfi_rt_conf(const struct ldfi_rt *rt)
{
	return rt->conf;
}

const struct ldfi_conf *ldfi_stage_conf(const struct ldfi_stage *st)
{
	return st->rt->conf;
}

int ldfi_stage_comp(const struct ldfi_stage *st)
{
	return st->comp;
}

int ldfi_stage_node(const struct ldfi_stage *st)
{
	return st->node;
}

int ldfi_stage_round(const struct ldfi_stage *st)
{
	return st->rt->round;
}

void *ldfi_stage_data(const struct ldfi_stage *st)
{
	return st->data;
}

void ldfi_stage_set_data(struct ldfi_stage *st, void *data)
{
	st->data = data;
}

int ldfi_stage_n_records(const struct ldfi_stage *st)
{
	return st->rt->tr->n_recs;
}

int ldfi_stage_first_record(const struct ldfi_stage *st, int comp)
{
	return st->rt->rec_first[comp];
}

void ldfi_stage_emitted(struct ldfi_stage *st, int rec)
{
	st->rt->tr->recs[rec].emitted = true;
}

static int ivec_push(struct ivec *v, int32_t x)
{
	if (v->n == v->cap) {
		int cap = v->cap ? 2 * v->cap : 8;
		int32_t *p = realloc(v->v, (size_t)cap * sizeof(*p));

		if (!p)
			return LDFI_ENOMEM;
		v->v = p;
		v->cap = cap;
	}
	v->v[v->n++] = x;
	return 0;
}

/* Append `n` message ids to the trace's parent array; *off receives where. */
static int push_parents(struct ldfi_rt *rt, const uint32_t *ids, int n, uint32_t *off)
{
	struct ldfi_trace *tr = rt->tr;

	if (ldfi_grow(&tr->parents, &rt->cap_parents, tr->n_parents + (size_t)n,
		      sizeof(*tr->parents), 16))
		return LDFI_ENOMEM;
	*off = (uint32_t)tr->n_parents;
	if (n)
		memcpy(tr->parents + tr->n_parents, ids, (size_t)n * sizeof(*ids));
	tr->n_parents += (size_t)n;
	return 0;
}

/* Run `st`'s finish. Nothing it does is kept: a node a restart takes down
 * gets no chance to log anything (the live engine SIGKILLs it), so stores,
 * saves, sends and outputs in finish are refused (ldfi/stage.h). */
static void call_finish(struct ldfi_rt *rt, struct ldfi_stage *st)
{
	rt->finishing = 1;
	st->ops->finish(st);
	rt->finishing = 0;
}

/* --- memory a restart loses --- */

/* Whether what a node kept in memory from round `from` to round `to` can be
 * lost by a restart of the bounds: restart(n,t) with from < t <= to. */
static bool can_lose(const struct ldfi_rt *rt, int from, int to)
{
	return from < (to < rt->rrounds ? to : rt->rrounds);
}

/* A memory token (trace.h): node `node` kept the parent slice (off, n) of
 * tr->parents, all of it or (any) any one, from round `from` to `to`. Its
 * id in *id. Returns 0, LDFI_ENOMEM or LDFI_ELIMIT (tokens count as
 * messages towards LDFI_MAX_MESSAGES). */
static int mem_token(struct ldfi_rt *rt, int node, int from, int to, uint32_t off, uint32_t n,
		     bool any, uint32_t *id)
{
	struct ldfi_trace *tr = rt->tr;

	if (tr->n_msgs + tr->n_mems >= LDFI_MAX_MESSAGES)
		return LDFI_ELIMIT;
	if (ldfi_grow(&tr->mems, &rt->cap_mems, tr->n_mems + 1, sizeof(*tr->mems), 64))
		return LDFI_ENOMEM;
	tr->mems[tr->n_mems] = (struct ldfi_memtok){node, from, to, off, n, any};
	*id = LDFI_MEM_ID(tr->n_mems++);
	return 0;
}

static int crashed_by(const struct ldfi_rt *rt, int node, int round)
{
	int c = rt->tr->crash_round[node];

	return c && c <= round;
}

static int fault_index(const struct ldfi_trace *tr, struct ldfi_fault f)
{
	for (int i = 0; i < tr->faults.n; i++)
		if (ldfi_fault_cmp(&tr->faults.v[i], &f) == 0)
			return i;
	return -1;
}

void ldfi_rt_fate(const struct ldfi_trace *tr, const unsigned char *omit, struct ldfi_msg *m)
{
	const struct ldfi_conf *conf = tr->conf;
	const int *crash = tr->crash_round;
	int t = m->send_round, n = conf->n_nodes;

	m->fate = LDFI_FATE_DELIVERED;
	m->fault = -1;
	if (m->src_node != m->dst_node && t < conf->eff &&
	    omit[((size_t)t * (size_t)n + (size_t)m->src_node) * (size_t)n + (size_t)m->dst_node]) {
		struct ldfi_fault f = {LDFI_FAULT_OMIT, m->src_node, m->dst_node, t};

		m->fate = LDFI_FATE_OMITTED;
		m->fault = fault_index(tr, f);
	} else if (t >= conf->eot) {
		m->fate = LDFI_FATE_EOT;
	} else if (crash[m->dst_node] && crash[m->dst_node] <= t + 1) {
		struct ldfi_fault f = {LDFI_FAULT_CRASH, m->dst_node, -1, crash[m->dst_node]};

		m->fate = LDFI_FATE_CRASHED;
		m->fault = fault_index(tr, f);
	} else if (ldfi_trace_down(tr, m->dst_node, t + 1)) {
		struct ldfi_fault f = {LDFI_FAULT_RESTART, m->dst_node, -1,
				       tr->restart_round[m->dst_node]};

		m->fate = LDFI_FATE_DOWN;
		m->fault = fault_index(tr, f);
	}
}

void ldfi_rt_node_faults(struct ldfi_trace *tr)
{
	for (int i = 0; i < tr->faults.n; i++) {
		const struct ldfi_fault *f = &tr->faults.v[i];

		if (f->kind == LDFI_FAULT_CRASH)
			tr->crash_round[f->a] = f->t;
		else if (f->kind == LDFI_FAULT_RESTART)
			tr->restart_round[f->a] = f->t;
	}
}

bool ldfi_rt_emitted(const struct ldfi_trace *tr, int comp)
{
	const struct ldfi_comp *src = &tr->conf->comps[comp];
	int node = src->nodes[0], crash = tr->crash_round[node];

	if (crash && crash <= src->at)
		return false;
	/* Down in its round: a durable source emits when it is back up. */
	return !ldfi_trace_down(tr, node, src->at) || src->durable;
}

unsigned char *ldfi_rt_plan_faults(struct ldfi_trace *tr)
{
	const struct ldfi_conf *conf = tr->conf;
	size_t n = (size_t)conf->n_nodes;
	unsigned char *omit = calloc((size_t)(conf->eff > 0 ? conf->eff : 1) * n * n, 1);

	if (!omit)
		return NULL;
	ldfi_rt_node_faults(tr);
	for (int i = 0; i < tr->faults.n; i++) {
		const struct ldfi_fault *f = &tr->faults.v[i];

		if (f->kind == LDFI_FAULT_OMIT && f->t < conf->eff)
			omit[((size_t)f->t * n + (size_t)f->a) * n + (size_t)f->b] = 1;
	}
	return omit;
}

static int send_raw(struct ldfi_rt *rt, int src, int dst, enum ldfi_msg_kind kind, int rec,
		    uint8_t policy, uint32_t parents_off, uint32_t n_parents, int flags)
{
	struct ldfi_trace *tr = rt->tr;
	struct ldfi_msg *m;

	if (tr->n_msgs >= LDFI_MAX_MESSAGES)
		return LDFI_ELIMIT;
	if (tr->n_msgs % LDFI_STOP_EVERY == LDFI_STOP_EVERY - 1 && ldfi_rt_stop_requested())
		return LDFI_ESTOPPED;
	if (ldfi_grow(&tr->msgs, &rt->cap_msgs, tr->n_msgs + 1, sizeof(*tr->msgs), 16))
		return LDFI_ENOMEM;
	m = &tr->msgs[tr->n_msgs];
	m->id = (uint32_t)++tr->n_msgs;
	m->kind = (uint8_t)kind;
	m->delivery = policy;
	m->src_node = rt->st[src].node;
	m->src_comp = rt->st[src].comp;
	m->dst_node = rt->st[dst].node;
	m->dst_comp = rt->st[dst].comp;
	m->send_round = rt->round;
	m->rec = rec;
	m->parents_off = parents_off;
	m->n_parents = n_parents;
	m->parents_any = (flags & SEND_ANY) != 0;
	m->conditional = (flags & SEND_COND) != 0;
	ldfi_rt_fate(rt->tr, rt->omit, m);
	return 0;
}

static uint32_t ack_hash(int32_t src, int32_t dst, int32_t rec)
{
	uint32_t h = (uint32_t)src * 0x9e3779b1u;

	h ^= (uint32_t)dst * 0x85ebca77u + (h << 6);
	h ^= (uint32_t)rec * 0xc2b2ae3du + (h >> 2);
	return h;
}

static struct ack_slot *ack_find(struct ldfi_rt *rt, int32_t src, int32_t dst, int32_t rec)
{
	size_t mask = rt->cap_acks - 1, i = ack_hash(src, dst, rec) & mask;

	while (rt->acks[i].src != -1) {
		struct ack_slot *s = &rt->acks[i];

		if (s->src == src && s->dst == dst && s->rec == rec)
			return s;
		i = (i + 1) & mask;
	}
	return &rt->acks[i];
}

static int ack_grow(struct ldfi_rt *rt)
{
	struct ack_slot *old = rt->acks;
	size_t old_cap = rt->cap_acks, cap = old_cap ? 2 * old_cap : 1024;

	rt->acks = malloc(cap * sizeof(*rt->acks));
	if (!rt->acks) {
		rt->acks = old;
		return LDFI_ENOMEM;
	}
	rt->cap_acks = cap;
	for (size_t i = 0; i < cap; i++)
		rt->acks[i] = (struct ack_slot){-1, -1, -1, -1};
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].src != -1)
			*ack_find(rt, old[i].src, old[i].dst, old[i].rec) = old[i];
	free(old);
	return 0;
}

/* Register pend `p` under its (src, dst, rec) key so an ack can settle it. */
static int ack_register(struct ldfi_rt *rt, int32_t p)
{
	struct pend *pd = &rt->pend[p];
	struct ack_slot *s;
	int rc;

	if (2 * (rt->n_acks + 1) > rt->cap_acks && (rc = ack_grow(rt)))
		return rc;
	s = ack_find(rt, pd->src, pd->dst, pd->rec);
	if (s->src == -1) {
		*s = (struct ack_slot){pd->src, pd->dst, pd->rec, -1};
		rt->n_acks++;
	}
	pd->next = s->head;
	s->head = p;
	return 0;
}

static void ack_settle(struct ldfi_rt *rt, int32_t src, int32_t dst, int32_t rec)
{
	struct ack_slot *s;

	if (!rt->cap_acks)
		return;
	s = ack_find(rt, src, dst, rec);
	for (int32_t p = s->src == -1 ? -1 : s->head; p != -1; p = rt->pend[p].next)
		rt->pend[p].settled = 1;
	if (s->src != -1)
		s->head = -1;
}

static int add_pend(struct ldfi_rt *rt, int src, int dst, int rec, uint8_t policy,
		    uint32_t parents_off, uint32_t n_parents, uint8_t held, uint8_t cond)
{
	int32_t p = (int32_t)rt->n_pend;
	int rc;

	if (ldfi_grow(&rt->pend, &rt->cap_pend, rt->n_pend + 1, sizeof(*rt->pend), 16))
		return LDFI_ENOMEM;
	rt->pend[p] =
	    (struct pend){src,	     dst,      rec, rt->round, -1,   parents_off,
			  n_parents, policy,   0,   held,      cond, rt->rep[src].dur_pend,
			  0,	     INT32_MAX};
	if (rt->pend[p].durable)
		rt->pend[p].dround = rt->round;
	rt->n_pend++;
	if ((rc = ivec_push(&rt->rep[src].active, p)))
		return rc;
	return policy == LDFI_DELIVERY_ACK ? ack_register(rt, p) : 0;
}

/* Send `rec` from replica `src` to replica `dst` under `policy`. */
static int send_hop(struct ldfi_rt *rt, int src, int dst, int rec, enum ldfi_delivery policy,
		    uint32_t off, uint32_t n, uint8_t held)
{
	/* A held send under once or ack happens when the first copy arrives:
	 * had an earlier copy arrived, it would have gone earlier. */
	int flags = held ? SEND_ANY : rt->cause_cond ? SEND_COND : 0;
	uint8_t cond = !held && rt->cause_cond;
	int rc;

	if (held && policy != LDFI_DELIVERY_REPEAT)
		flags |= SEND_COND;
	rc = send_raw(rt, src, dst, LDFI_MSG_DATA, rec, (uint8_t)policy, off, n, flags);

	/* Retransmissions keep "any received copy" as provenance only while
	 * they do not depend on when the first copy came (repeat; ack every
	 * round). */
	held =
	    held &&
	    (policy == LDFI_DELIVERY_REPEAT ||
	     (policy == LDFI_DELIVERY_ACK && rt->conf->comps[rt->st[src].comp].retry_every == 1));
	if (!rc && (policy == LDFI_DELIVERY_REPEAT || policy == LDFI_DELIVERY_ACK))
		rc = add_pend(rt, src, dst, rec, (uint8_t)policy, off, n, held, cond);
	return rc;
}

/* Make room for receipts of record `rec` at replica `s`. */
static int receipts_reserve(struct ldfi_rt *rt, int s, int rec)
{
	struct replica *r = &rt->rep[s];
	int n = r->n_rcpt;
	struct receipts *p;

	if (rec < n)
		return 0;
	while (n <= rec)
		n = n ? 2 * n : 16;
	p = realloc(r->rcpt, (size_t)n * sizeof(*p));
	if (!p)
		return LDFI_ENOMEM;
	memset(p + r->n_rcpt, 0, (size_t)(n - r->n_rcpt) * sizeof(*p));
	r->rcpt = p;
	r->n_rcpt = n;
	return 0;
}

/* The last round of the volatile span of a copy replica `s` received in
 * round `w`, as read now: a checkpoint since made it durable then. */
static int rcpt_to(const struct ldfi_rt *rt, int s, int w)
{
	int c = rt->rep[s].ckpt;

	return w <= c && c < rt->round ? c : rt->round;
}

/* The receipts of replica `s`, each a memory token over the rounds since it
 * arrived (to a checkpoint that covered it) when a restart could lose it
 * (volatile receipts only), as a new slice of tr->parents. */
static int receipts_tokens(struct ldfi_rt *rt, int s, const struct receipts *r, uint32_t *off)
{
	int rc = 0;

	if (ldfi_grow(&rt->scratch, &rt->cap_scratch, (size_t)r->n + 1, sizeof(*rt->scratch), 16))
		return LDFI_ENOMEM;
	for (int i = 0; i < r->n && !rc; i++) {
		uint32_t one;
		int to = rcpt_to(rt, s, r->round[i]);

		rt->scratch[i] = r->ids[i];
		if (can_lose(rt, r->round[i], to) && !(rc = push_parents(rt, &r->ids[i], 1, &one)))
			rc = mem_token(rt, rt->st[s].node, r->round[i], to, one, 1, false,
				       &rt->scratch[i]);
	}
	return rc ? rc : push_parents(rt, rt->scratch, r->n, off);
}

/* Whether a receipt of `r` needs a token now (see receipts_tokens). */
static bool receipts_lose(const struct ldfi_rt *rt, int s, const struct receipts *r)
{
	if (rt->rep[s].dur_rcpt)
		return false;
	for (int i = 0; i < r->n; i++)
		if (can_lose(rt, r->round[i], rcpt_to(rt, s, r->round[i])))
			return true;
	return false;
}

/* The parent slice "any copy of `rec` replica `s` received so far". */
static int receipts_slice(struct ldfi_rt *rt, int s, int rec, uint32_t *off, uint32_t *n)
{
	struct receipts *r;
	int rc;

	if ((rc = receipts_reserve(rt, s, rec)))
		return rc;
	r = &rt->rep[s].rcpt[rec];
	*n = (uint32_t)r->n;
	if (receipts_lose(rt, s, r))
		return receipts_tokens(rt, s, r, off);
	if (r->n_pushed != r->n) {
		if ((rc = push_parents(rt, r->ids, r->n, &r->off)))
			return rc;
		r->n_pushed = r->n;
	}
	*off = r->off;
	return 0;
}

/* Sends are refused in init when the conf allows restarts: init runs again
 * at every recovery (ldfi/stage.h). */
static bool sending_in_init(const struct ldfi_rt *rt)
{
	return rt->round == 0 && rt->conf->restarts > 0;
}

static int send_to_hop(struct ldfi_stage *st, enum ldfi_hop hop, int rec, bool held)
{
	struct ldfi_rt *rt = st->rt;
	const struct ldfi_comp *c = &rt->conf->comps[st->comp];
	int target = hop == LDFI_HOP_RELAY ? st->comp : c->to;
	const struct ldfi_comp *tc;
	uint32_t off = 0, n = (uint32_t)rt->n_cause;
	int rc;

	if (rt->finishing)
		return LDFI_EINVAL;
	if (target < 0 || (hop == LDFI_HOP_RELAY && c->type != LDFI_COMP_SINK) ||
	    (hop != LDFI_HOP_RELAY && hop != LDFI_HOP_DOWNSTREAM) || rec < 0 ||
	    rec >= rt->tr->n_recs || sending_in_init(rt))
		return LDFI_EINVAL;
	tc = &rt->conf->comps[target];
	if (held)
		rc = receipts_slice(rt, st->index, rec, &off, &n);
	else
		rc = push_parents(rt, rt->cause, rt->n_cause, &off);
	if (rc)
		return rc;
	for (int i = 0; i < tc->n_nodes; i++) {
		int dst = rt->st_of[target * rt->conf->n_nodes + tc->nodes[i]];

		if (hop == LDFI_HOP_RELAY && tc->nodes[i] == st->node)
			continue;
		if ((rc = send_hop(rt, st->index, dst, rec, c->delivery, off, n, held)))
			return rc;
	}
	return 0;
}

int ldfi_stage_send(struct ldfi_stage *st, enum ldfi_hop hop, int rec)
{
	return send_to_hop(st, hop, rec, false);
}

int ldfi_stage_send_held(struct ldfi_stage *st, enum ldfi_hop hop, int rec)
{
	if (!st->rt->rep[st->index].rcpt)
		return LDFI_EINVAL; /* no ldfi_stage_track_receipts() in init */
	return send_to_hop(st, hop, rec, true);
}

int ldfi_stage_track_receipts(struct ldfi_stage *st)
{
	return receipts_reserve(st->rt, st->index, st->rt->tr->n_recs);
}

int ldfi_stage_received(const struct ldfi_stage *st, int rec)
{
	const struct replica *r = &st->rt->rep[st->index];

	if (!r->rcpt || rec < 0 || rec >= st->rt->tr->n_recs)
		return LDFI_EINVAL;
	return rec < r->n_rcpt ? r->rcpt[rec].n : 0;
}

int ldfi_stage_save(struct ldfi_stage *st, const void *data, size_t len)
{
	struct replica *r = &st->rt->rep[st->index];
	void *p = NULL;

	if (st->rt->finishing)
		return LDFI_EINVAL;
	if (len && !(p = malloc(len)))
		return LDFI_ENOMEM;
	if (len)
		memcpy(p, data, len);
	free(r->saved);
	r->saved = p;
	r->n_saved = len;
	return 0;
}

const void *ldfi_stage_saved(const struct ldfi_stage *st, size_t *len)
{
	const struct replica *r = &st->rt->rep[st->index];

	*len = r->n_saved;
	return r->saved;
}

int ldfi_stage_send_to(struct ldfi_stage *st, int comp, int node, int rec)
{
	struct ldfi_rt *rt = st->rt;
	const struct ldfi_conf *conf = rt->conf;
	uint32_t off;
	int dst, rc;

	if (rt->finishing)
		return LDFI_EINVAL;
	if (comp < 0 || comp >= conf->n_comps || node < 0 || node >= conf->n_nodes || rec < 0 ||
	    rec >= rt->tr->n_recs || conf->comps[comp].type == LDFI_COMP_SOURCE ||
	    sending_in_init(rt))
		return LDFI_EINVAL;
	if ((dst = rt->st_of[comp * conf->n_nodes + node]) < 0)
		return LDFI_EINVAL;
	if ((rc = push_parents(rt, rt->cause, rt->n_cause, &off)))
		return rc;
	return send_raw(rt, st->index, dst, LDFI_MSG_DATA, rec, LDFI_DELIVERY_ONCE, off,
			(uint32_t)rt->n_cause, rt->cause_cond ? SEND_COND : 0);
}

int ldfi_stage_ack(struct ldfi_stage *st, int comp, int node, int rec)
{
	struct ldfi_rt *rt = st->rt;
	const struct ldfi_conf *conf = rt->conf;
	uint32_t off;
	int up, rc;

	if (rt->finishing)
		return LDFI_EINVAL;
	if (!conf->comps[st->comp].manual_acks || comp < 0 || comp >= conf->n_comps || node < 0 ||
	    node >= conf->n_nodes || rec < 0 || rec >= rt->tr->n_recs || rt->round == 0 ||
	    conf->comps[comp].to != st->comp || conf->comps[comp].delivery != LDFI_DELIVERY_ACK ||
	    (up = rt->st_of[comp * conf->n_nodes + node]) < 0)
		return LDFI_EINVAL;
	if ((rc = push_parents(rt, rt->cause, rt->n_cause, &off)))
		return rc;
	return send_raw(rt, st->index, up, LDFI_MSG_ACK, rec, LDFI_DELIVERY_ONCE, off,
			(uint32_t)rt->n_cause, rt->cause_cond ? SEND_COND : 0);
}

/* Replica `s` received a copy of `rec`, message `id`, in round `round`. */
static int add_receipt(struct ldfi_rt *rt, int s, int rec, uint32_t id, int round)
{
	struct receipts *r;
	int rc;

	if ((rc = receipts_reserve(rt, s, rec)))
		return rc;
	r = &rt->rep[s].rcpt[rec];

	if (r->n == r->cap) {
		int cap = r->cap ? 2 * r->cap : 4;
		uint32_t *p = realloc(r->ids, (size_t)cap * sizeof(*p));
		int32_t *q;

		if (!p)
			return LDFI_ENOMEM;
		r->ids = p;
		if (!(q = realloc(r->round, (size_t)cap * sizeof(*q))))
			return LDFI_ENOMEM;
		r->round = q;
		r->cap = cap;
	}
	r->round[r->n] = round;
	r->ids[r->n++] = id;
	return 0;
}

static int note_receipt(struct ldfi_rt *rt, int s, const struct ldfi_msg *m)
{
	return add_receipt(rt, s, m->rec, m->id, rt->round);
}

/* Append a copy of `rec` to replica `s`'s outputs, stored in `round`, derived
 * from `n` parents. */
static int add_output(struct ldfi_rt *rt, int s, int rec, int round, const uint32_t *parents,
		      uint32_t n, uint8_t cond)
{
	struct replica *r = &rt->rep[s];
	uint32_t off;
	int rc;

	if (r->n_outs == r->cap_outs) {
		int cap = r->cap_outs ? 2 * r->cap_outs : 16;
		struct ldfi_output *p = realloc(r->outs, (size_t)cap * sizeof(*p));

		if (!p)
			return LDFI_ENOMEM;
		r->outs = p;
		r->cap_outs = cap;
	}
	if ((rc = push_parents(rt, parents, (int)n, &off)))
		return rc;
	r->outs[r->n_outs] = (struct ldfi_output){
	    rt->st[s].comp, rt->st[s].node, r->n_outs, rec, round, off, n, cond};
	r->n_outs++;
	return 0;
}

int ldfi_stage_output(struct ldfi_stage *st, int rec)
{
	struct ldfi_rt *rt = st->rt;

	if (rt->finishing || rec < 0 || rec >= rt->tr->n_recs)
		return LDFI_EINVAL;
	return add_output(rt, st->index, rec, rt->round, rt->cause, (uint32_t)rt->n_cause,
			  rt->cause_cond);
}

/* Deliver `m` (a copy: handlers append to tr->msgs, which may move). */
static int deliver(struct ldfi_rt *rt, struct ldfi_msg m)
{
	int dst = rt->st_of[m.dst_comp * rt->conf->n_nodes + m.dst_node];
	int src = rt->st_of[m.src_comp * rt->conf->n_nodes + m.src_node];
	int rc;

	if (m.kind == LDFI_MSG_ACK) {
		ack_settle(rt, dst, src, m.rec);
		return 0;
	}
	if (m.delivery == LDFI_DELIVERY_ACK && !rt->conf->comps[m.dst_comp].manual_acks) {
		uint32_t off;

		if ((rc = push_parents(rt, &m.id, 1, &off)) ||
		    (rc = send_raw(rt, dst, src, LDFI_MSG_ACK, m.rec, LDFI_DELIVERY_ONCE, off, 1,
				   0)))
			return rc;
	}
	if (rt->rep[dst].rcpt && (rc = note_receipt(rt, dst, &m)))
		return rc;
	if (!rt->st[dst].ops->on_message)
		return 0;
	rt->cause[0] = m.id;
	rt->n_cause = rt->cause_base = 1;
	rt->cause_cond = 0;
	rc = rt->st[dst].ops->on_message(&rt->st[dst], &m);
	rt->n_cause = rt->cause_base = 0;
	rt->cause_cond = 0;
	return rc;
}

/* The parents of a retransmission of `pd` by replica `s` in this round,
 * (*off, *n) on entry: a memory token over them instead when a restart of
 * the bounds could lose the pending send (volatile) or re-time it (durable
 * under ack: the recovery resends at once and re-arms the retry timer), so
 * that this very copy would not be sent (docs/lineage.md, Restarts). */
static int resend_parents(struct ldfi_rt *rt, int s, const struct pend *pd, uint32_t *off,
			  uint32_t *n, int *flags)
{
	int re = rt->conf->comps[rt->st[s].comp].retry_every;
	uint32_t id;
	int rc;

	/* Volatile until dround (a checkpoint, or never): lost by a restart
	 * before then. Durable under ack every 2 rounds or more: re-timed by
	 * any restart since the schedule started. */
	int to = pd->policy == LDFI_DELIVERY_ACK && re > 1 ? rt->round
		 : pd->dround < rt->round		   ? pd->dround
							   : rt->round;

	if (!can_lose(rt, pd->start, to))
		return 0;
	if ((rc = mem_token(rt, rt->st[s].node, pd->start, to, *off, *n, (*flags & SEND_ANY) != 0,
			    &id)) ||
	    (rc = push_parents(rt, &id, 1, off)))
		return rc;
	*n = 1;
	*flags &= ~SEND_ANY;
	return 0;
}

/* Whether pending send `pd` of replica `s` is resent this round: in the
 * recovery round of a restart once, else as its policy says from `start`. */
static bool resend_due(const struct ldfi_rt *rt, int s, const struct pend *pd)
{
	if (pd->recover_due)
		return true;
	if (rt->round <= pd->start)
		return false;
	return pd->policy == LDFI_DELIVERY_REPEAT ||
	       (rt->round - pd->start) % rt->conf->comps[rt->st[s].comp].retry_every == 0;
}

/* Retransmit the pending sends of replica `s` that are due this round. */
static int retransmit(struct ldfi_rt *rt, int s)
{
	struct ivec *a = &rt->rep[s].active;
	int kept = 0, rc = 0;

	for (int i = 0; i < a->n; i++) {
		int32_t p = a->v[i];
		struct pend pd = rt->pend[p];
		/* An ack-policy resend exists only because no ack came yet. */
		int flags = (pd.held ? SEND_ANY : 0) |
			    (pd.policy == LDFI_DELIVERY_ACK || pd.cond ? SEND_COND : 0);

		if (pd.settled)
			continue;
		a->v[kept++] = p;
		if (rc || !resend_due(rt, s, &pd))
			continue;
		rt->pend[p].recover_due = 0;
		if (pd.held)
			rc = receipts_slice(rt, s, pd.rec, &pd.parents_off, &pd.n_parents);
		if (!rc)
			rc = resend_parents(rt, s, &pd, &pd.parents_off, &pd.n_parents, &flags);
		if (!rc)
			rc = send_raw(rt, s, pd.dst, LDFI_MSG_DATA, pd.rec, pd.policy,
				      pd.parents_off, pd.n_parents, flags);
	}
	a->n = kept;
	return rc;
}

/* the canonical delivery order, grouped by receiver. */
static int cmp_deliv(const void *x, const void *y, void *arg)
{
	const struct ldfi_msg *ms = arg;
	const struct ldfi_msg *a = &ms[*(const uint32_t *)x], *b = &ms[*(const uint32_t *)y];

	if (a->dst_node != b->dst_node)
		return a->dst_node < b->dst_node ? -1 : 1;
	if (a->src_node != b->src_node)
		return a->src_node < b->src_node ? -1 : 1;
	if (a->src_comp != b->src_comp)
		return a->src_comp < b->src_comp ? -1 : 1;
	return (a->id > b->id) - (a->id < b->id);
}

size_t ldfi_rt_deliveries(const struct ldfi_trace *tr, size_t from, size_t to, uint32_t *out)
{
	size_t n = 0;

	for (size_t i = from; i < to; i++)
		if (tr->msgs[i].fate == LDFI_FATE_DELIVERED)
			out[n++] = (uint32_t)i;
	if (n > 1)
		qsort_r(out, n, sizeof(*out), cmp_deliv, tr->msgs);
	return n;
}

/* Collect the messages sent in [from, to) that arrive, in canonical order. */
static int collect(struct ldfi_rt *rt, size_t from, size_t to, size_t *n)
{
	if (ldfi_grow(&rt->deliv, &rt->cap_deliv, to - from, sizeof(*rt->deliv), 16))
		return LDFI_ENOMEM;
	*n = ldfi_rt_deliveries(rt->tr, from, to, rt->deliv);
	return 0;
}

/* The step phase of `node` in the current round: each of its replicas'
 * retransmissions due, then the stage's own step. Used by both engines. */
static int step_node(struct ldfi_rt *rt, int node)
{
	int rc;

	for (int i = rt->node_st_off[node]; i < rt->node_st_off[node + 1]; i++) {
		struct ldfi_stage *st = &rt->st[rt->node_st[i]];

		if ((rc = retransmit(rt, st->index)))
			return rc;
		if (st->ops->on_round && (rc = st->ops->on_round(st, rt->round)))
			return rc;
		rt->n_cause = 0;
		rt->cause_cond = 0;
	}
	return 0;
}

static int recover_node(struct ldfi_rt *rt, int node);

/* Whether `node` comes back up this round after a restart. */
static bool recovers(const struct ldfi_rt *rt, int node)
{
	int t = rt->tr->restart_round[node];

	return t && rt->round == t + rt->tr->downtime;
}

static int run_round(struct ldfi_rt *rt, size_t from, size_t to)
{
	const struct ldfi_conf *conf = rt->conf;
	size_t n, k = 0;
	int rc;

	if ((rc = collect(rt, from, to, &n)))
		return rc;
	if (ldfi_rt_stop_requested())
		return LDFI_ESTOPPED;
	for (int node = 0; node < conf->n_nodes; node++) {
		if (crashed_by(rt, node, rt->round) || ldfi_trace_down(rt->tr, node, rt->round)) {
			while (k < n && rt->tr->msgs[rt->deliv[k]].dst_node == node)
				k++;
			continue;
		}
		if (recovers(rt, node) && (rc = recover_node(rt, node)))
			return rc;
		for (; k < n && rt->tr->msgs[rt->deliv[k]].dst_node == node; k++)
			if ((rc = deliver(rt, rt->tr->msgs[rt->deliv[k]])))
				return rc;
		if ((rc = step_node(rt, node)))
			return rc;
	}
	return 0;
}

static const struct ldfi_stage_ops *ops_for(const struct ldfi_comp *c)
{
	switch (c->type) {
	case LDFI_COMP_SOURCE:
		return &ldfi_source_ops;
	case LDFI_COMP_SINK:
		return &ldfi_sink_ops;
	case LDFI_COMP_STAGE:
		return c->kind == LDFI_KIND_RELAY	   ? &ldfi_relay_ops
		       : c->kind == LDFI_KIND_WINDOW_COUNT ? &ldfi_window_count_ops
		       : c->kind == LDFI_KIND_PROCESS	   ? &ldfi_process_ops
							   : c->plugin;
	}
	return NULL;
}

/* --- names of records and state keys --- */

/* Names of records and state keys: 1..255 bytes of printable ASCII. */
static bool valid_name(const char *name)
{
	size_t n = 0;

	for (; name && name[n]; n++)
		if (name[n] <= ' ' || name[n] > '~' || n >= 255)
			return false;
	return n > 0;
}

int ldfi_stage_record(struct ldfi_stage *st, const char *name)
{
	if (!valid_name(name))
		return LDFI_EINVAL;
	return ldfi_recindex_intern(&st->rt->recs, st->rt->tr, name);
}

const char *ldfi_stage_record_name(const struct ldfi_stage *st, int rec)
{
	const struct ldfi_trace *tr = st->rt->tr;

	return rec >= 0 && rec < tr->n_recs ? tr->recs[rec].name : NULL;
}

/* --- state with provenance --- */

static struct kv *kv_find(struct replica *r, const char *key)
{
	size_t mask = r->cap_kv - 1, i = ldfi_hash_str(key) & mask;

	while (r->kv[i].key && strcmp(r->kv[i].key, key) != 0)
		i = (i + 1) & mask;
	return &r->kv[i];
}

static int kv_grow(struct replica *r)
{
	struct kv *old = r->kv;
	size_t old_cap = r->cap_kv, cap = old_cap ? 2 * old_cap : 16;

	if (!(r->kv = calloc(cap, sizeof(*r->kv)))) {
		r->kv = old;
		return LDFI_ENOMEM;
	}
	r->cap_kv = cap;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].key)
			*kv_find(r, old[i].key) = old[i];
	free(old);
	return 0;
}

int ldfi_stage_put_durable(struct ldfi_stage *st, const char *key, int64_t value)
{
	int rc = ldfi_stage_put(st, key, value);
	struct kv *e;

	if (rc)
		return rc;
	e = kv_find(&st->rt->rep[st->index], key);
	e->dround = e->wround;
	return 0;
}

int ldfi_stage_checkpoint(struct ldfi_stage *st)
{
	struct ldfi_rt *rt = st->rt;
	struct replica *r = &rt->rep[st->index];

	if (rt->finishing)
		return LDFI_EINVAL;
	for (size_t i = 0; i < r->cap_kv; i++)
		if (r->kv[i].key && r->kv[i].dround == INT32_MAX)
			r->kv[i].dround = rt->round;
	for (int i = 0; i < r->active.n; i++) {
		struct pend *pd = &rt->pend[r->active.v[i]];

		if (!pd->settled && !pd->durable) {
			pd->durable = 1;
			pd->dround = rt->round;
		}
	}
	r->ckpt = rt->round;
	return 0;
}

int ldfi_stage_put(struct ldfi_stage *st, const char *key, int64_t value)
{
	struct ldfi_rt *rt = st->rt;
	struct replica *r = &rt->rep[st->index];
	struct kv *e;
	uint32_t off;
	int rc;

	if (rt->finishing || !valid_name(key))
		return LDFI_EINVAL;
	if (2 * (r->n_kv + 1) > r->cap_kv && (rc = kv_grow(r)))
		return rc;
	if ((rc = push_parents(rt, rt->cause, rt->n_cause, &off)))
		return rc;
	e = kv_find(r, key);
	if (!e->key) {
		if (!(e->key = strdup(key)))
			return LDFI_ENOMEM;
		r->n_kv++;
		e->changed = 0;
	} else if (e->value != value) {
		/* A reader of the new value depends on its write coming last, which
		 * faults that delay other writes can change: an absence. */
		e->changed = 1;
	}
	/* The same value again: any of its derivations would do; keep the
	 * latest, as the one a later reader saw last. */
	e->value = value;
	e->off = off;
	e->n = (uint32_t)rt->n_cause;
	e->cond = e->changed | rt->cause_cond;
	/* Written in init, an entry is durable by construction: init runs
	 * again at every recovery. */
	e->wround = rt->round;
	e->dround = r->dur_kv || rt->round == 0 ? rt->round : INT32_MAX;
	e->tok_round = -1;
	return 0;
}

/* Add message `id` to the current cause, once. */
static int cause_add(struct ldfi_rt *rt, uint32_t id)
{
	for (int i = 0; i < rt->n_cause; i++)
		if (rt->cause[i] == id)
			return 0;
	if (rt->n_cause == rt->cap_cause) {
		int cap = 2 * rt->cap_cause;
		uint32_t *p = realloc(rt->cause, (size_t)cap * sizeof(*p));

		if (!p)
			return LDFI_ENOMEM;
		rt->cause = p;
		rt->cap_cause = cap;
	}
	rt->cause[rt->n_cause++] = id;
	return 0;
}

void ldfi_stage_forget_reads(struct ldfi_stage *st)
{
	st->rt->n_cause = st->rt->cause_base;
	st->rt->cause_cond = st->rt->cond_base;
}

/* Add what entry `e` of replica `s` derives from to the cause: through a
 * memory token when a restart could have lost it between its write and
 * this read (from its write to the round it became durable). */
static int cause_add_entry(struct ldfi_rt *rt, int s, struct kv *e)
{
	int to = e->dround < rt->round ? e->dround : rt->round, rc;

	if (!can_lose(rt, e->wround, to)) {
		for (uint32_t i = 0; i < e->n; i++)
			if ((rc = cause_add(rt, rt->tr->parents[e->off + i])))
				return rc;
		return 0;
	}
	if (e->tok_round != rt->round) {
		if ((rc = mem_token(rt, rt->st[s].node, e->wround, to, e->off, e->n, false,
				    &e->tok)))
			return rc;
		e->tok_round = rt->round;
	}
	return cause_add(rt, e->tok);
}

int ldfi_stage_get(struct ldfi_stage *st, const char *key, int64_t *value)
{
	struct ldfi_rt *rt = st->rt;
	struct replica *r = &rt->rep[st->index];
	struct kv *e;
	int rc;

	if (!valid_name(key))
		return LDFI_EINVAL;
	e = r->cap_kv ? kv_find(r, key) : NULL;
	if (!e || !e->key) {
		rt->cause_cond = 1; /* what follows depends on an absence */
		return 0;
	}
	if ((rc = cause_add_entry(rt, st->index, e)))
		return rc;
	rt->cause_cond |= e->cond;
	if (value)
		*value = e->value;
	return 1;
}

int ldfi_stage_cause_message(struct ldfi_stage *st, uint32_t id)
{
	struct ldfi_rt *rt = st->rt;
	const struct ldfi_msg *m;

	/* In a whole run ids index the trace; a node runtime (live) holds only
	 * this round's sends, numbered locally (an id of a delivery may name
	 * one of them), and its kinds check receipts themselves. */
	if (id == 0)
		return LDFI_EINVAL;
	if (!rt->one_node && id <= rt->tr->n_msgs && rt->tr->msgs[id - 1].id == id) {
		m = &rt->tr->msgs[id - 1];
		if (m->kind != LDFI_MSG_DATA || m->fate != LDFI_FATE_DELIVERED ||
		    m->dst_comp != st->comp || m->dst_node != st->node ||
		    m->send_round >= rt->round)
			return LDFI_EINVAL;
	}
	return cause_add(rt, id);
}

void ldfi_stage_cause_conditional(struct ldfi_stage *st)
{
	st->rt->cause_cond = 1;
}

int ldfi_stage_fail(struct ldfi_stage *st, const char *fmt, ...)
{
	const struct ldfi_conf *conf = st->rt->conf;
	char *text = NULL, *all = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (n < 0)
		return LDFI_ENOMEM;
	n = asprintf(&all, "stage '%s' on node %s: %s", conf->comps[st->comp].name,
		     conf->nodes[st->node].name, text);
	free(text);
	if (n < 0)
		return LDFI_ENOMEM;
	free(st->rt->failure);
	st->rt->failure = all;
	return LDFI_ESUT;
}

/* --- recovery after a restart (docs/semantics.md, Restarts) --- */

/* Put entry `e` into the table of `r` over any entry of its key, taking its
 * key string (left to the caller on error). */
static int kv_restore(struct replica *r, struct kv *e)
{
	struct kv *slot;
	int rc;

	if (2 * (r->n_kv + 1) > r->cap_kv && (rc = kv_grow(r)))
		return rc;
	slot = kv_find(r, e->key);
	if (slot->key)
		free(slot->key);
	else
		r->n_kv++;
	*slot = *e;
	e->key = NULL;
	return 0;
}

/* Replica `s` starts afresh: finish, then init (in round 0, as at the start)
 * with an empty state table, then its durable entries of `old` put back
 * over what init stored; the others are lost. */
static int reinit_replica(struct ldfi_rt *rt, int s)
{
	struct ldfi_stage *st = &rt->st[s];
	struct replica *r = &rt->rep[s];
	struct kv *old = r->kv;
	size_t cap = r->cap_kv;
	int round = rt->round, rc = 0;

	r->kv = NULL;
	r->cap_kv = r->n_kv = 0;
	if (st->ops->finish)
		call_finish(rt, st);
	st->data = NULL;
	rt->round = 0;
	if (st->ops->init)
		rc = st->ops->init(st);
	rt->round = round;
	for (size_t i = 0; i < cap; i++) {
		if (old[i].key && !rc && old[i].dround != INT32_MAX)
			rc = kv_restore(r, &old[i]);
		free(old[i].key);
	}
	free(old);
	return rc;
}

/* What replica `s` loses besides its state entries: volatile pending sends
 * stop (an ack that comes later settles nothing); durable ones are resent
 * once in this round, their retry timer re-armed; volatile receipts are
 * forgotten. */
static void drop_volatile(struct ldfi_rt *rt, int s)
{
	struct replica *r = &rt->rep[s];

	for (int i = 0; i < r->active.n; i++) {
		struct pend *pd = &rt->pend[r->active.v[i]];

		if (pd->settled)
			continue;
		if (!pd->durable) {
			pd->settled = 1;
		} else {
			pd->start = rt->round;
			pd->recover_due = 1;
		}
	}
	if (r->dur_rcpt)
		return;
	for (int i = 0; i < r->n_rcpt; i++) {
		struct receipts *q = &r->rcpt[i];
		int kept = 0;

		/* Copies a checkpoint covered stay (they arrived in order). */
		for (int k = 0; k < q->n; k++)
			if (q->round[k] <= r->ckpt) {
				q->ids[kept] = q->ids[k];
				q->round[kept++] = q->round[k];
			}
		q->n = kept;
		q->n_pushed = 0;
	}
}

/* The recovery of `node` at the start of this round, before it receives:
 * each replica keeps only its durable state and starts afresh, then each
 * is told (on_recover), its cause conditional: what it does exists only
 * because of the restart. */
static int recover_node(struct ldfi_rt *rt, int node)
{
	int down_from = rt->tr->restart_round[node], rc;

	for (int i = rt->node_st_off[node]; i < rt->node_st_off[node + 1]; i++) {
		drop_volatile(rt, rt->node_st[i]);
		if ((rc = reinit_replica(rt, rt->node_st[i])))
			return rc;
	}
	for (int i = rt->node_st_off[node]; i < rt->node_st_off[node + 1]; i++) {
		struct ldfi_stage *st = &rt->st[rt->node_st[i]];

		if (!st->ops->on_recover)
			continue;
		rt->n_cause = rt->cause_base = 0;
		rt->cause_cond = rt->cond_base = 1;
		rc = st->ops->on_recover(st, rt->round, down_from);
		rt->n_cause = 0;
		rt->cause_cond = rt->cond_base = 0;
		if (rc)
			return rc;
	}
	return 0;
}

static int index_records(struct ldfi_rt *rt)
{
	const struct ldfi_conf *conf = rt->conf;
	int n = 0;

	for (int c = 0; c < conf->n_comps; c++) {
		rt->rec_first[c] = n;
		if (conf->comps[c].type == LDFI_COMP_SOURCE)
			n += conf->comps[c].n_records;
	}
	return 0;
}

/* What a replica of component `c` keeps across a restart (SPEC §1.1): a
 * source its pending sends when durable; a relay, window-count or plugin
 * stage its state entries, pending sends and receipts when durable; a sink
 * its receipts always (with what it holds) and its relay sends when
 * durable. */
static void set_durability(struct replica *r, const struct ldfi_comp *c)
{
	r->dur_pend = c->durable;
	r->dur_kv = c->type == LDFI_COMP_STAGE && c->durable;
	r->dur_rcpt = c->type == LDFI_COMP_SINK || r->dur_kv;
}

static int setup_replicas(struct ldfi_rt *rt)
{
	const struct ldfi_conf *conf = rt->conf;
	int n = 0, k = 0;

	for (int c = 0; c < conf->n_comps; c++)
		n += conf->comps[c].n_nodes;
	rt->st = calloc((size_t)n, sizeof(*rt->st));
	rt->rep = calloc((size_t)n, sizeof(*rt->rep));
	rt->st_of = malloc((size_t)conf->n_comps * (size_t)conf->n_nodes * sizeof(int));
	rt->node_st = malloc((size_t)n * sizeof(int));
	rt->node_st_off = calloc((size_t)conf->n_nodes + 1, sizeof(int));
	if (!rt->st || !rt->rep || !rt->st_of || !rt->node_st || !rt->node_st_off)
		return LDFI_ENOMEM;
	for (int i = 0; i < conf->n_comps * conf->n_nodes; i++)
		rt->st_of[i] = -1;
	for (int c = 0; c < conf->n_comps; c++) {
		const struct ldfi_stage_ops *ops = ops_for(&conf->comps[c]);

		if (!ops)
			return LDFI_ESTAGE;
		for (int i = 0; i < conf->comps[c].n_nodes; i++, rt->n_st++) {
			struct ldfi_stage *st = &rt->st[rt->n_st];
			int rc;

			*st = (struct ldfi_stage){rt,	    ops, c, conf->comps[c].nodes[i],
						  rt->n_st, NULL};
			set_durability(&rt->rep[rt->n_st], &conf->comps[c]);
			rt->st_of[c * conf->n_nodes + st->node] = rt->n_st;
			rt->node_st_off[st->node + 1]++;
			/* Counted before init: finish runs even if init fails midway. */
			rt->n_st++;
			if (ops->init && (rc = ops->init(st)))
				return rc;
			rt->n_st--;
		}
	}
	for (int i = 0; i < conf->n_nodes; i++)
		rt->node_st_off[i + 1] += rt->node_st_off[i];
	for (int node = 0; node < conf->n_nodes; node++)
		for (int s = 0; s < rt->n_st; s++)
			if (rt->st[s].node == node)
				rt->node_st[k++] = s;
	return 0;
}

static int setup_faults(struct ldfi_rt *rt, const struct ldfi_faults *faults)
{
	if (ldfi_faults_copy(&rt->tr->faults, faults))
		return LDFI_ENOMEM;
	rt->omit = ldfi_rt_plan_faults(rt->tr);
	return rt->omit ? 0 : LDFI_ENOMEM;
}

/* Move each replica's outputs into the trace, grouped by replica. */
static int collect_outputs(struct ldfi_rt *rt)
{
	struct ldfi_trace *tr = rt->tr;
	size_t n = 0;

	for (int s = 0; s < rt->n_st; s++)
		n += (size_t)rt->rep[s].n_outs;
	tr->outs = malloc((n ? n : 1) * sizeof(*tr->outs));
	if (!tr->outs)
		return LDFI_ENOMEM;
	for (int s = 0; s < rt->n_st; s++) {
		if (!rt->rep[s].n_outs)
			continue;
		memcpy(tr->outs + tr->n_outs, rt->rep[s].outs,
		       (size_t)rt->rep[s].n_outs * sizeof(*tr->outs));
		tr->n_outs += (size_t)rt->rep[s].n_outs;
	}
	return 0;
}

static void rt_finish(struct ldfi_rt *rt)
{
	rt->round = 0;
	for (int s = 0; s < rt->n_st; s++) {
		if (rt->st[s].ops && rt->st[s].ops->finish)
			call_finish(rt, &rt->st[s]);
		free(rt->rep[s].active.v);
		free(rt->rep[s].outs);
		for (int r = 0; r < rt->rep[s].n_rcpt; r++) {
			free(rt->rep[s].rcpt[r].ids);
			free(rt->rep[s].rcpt[r].round);
		}
		free(rt->rep[s].saved);
		free(rt->rep[s].rcpt);
		for (size_t i = 0; i < rt->rep[s].cap_kv; i++)
			free(rt->rep[s].kv[i].key);
		free(rt->rep[s].kv);
	}
	ldfi_recindex_finish(&rt->recs);
	free(rt->st);
	free(rt->rep);
	free(rt->st_of);
	free(rt->node_st);
	free(rt->node_st_off);
	free(rt->rec_first);
	free(rt->omit);
	free(rt->pend);
	free(rt->acks);
	free(rt->cause);
	free(rt->deliv);
	free(rt->failure);
	rt->failure = NULL;
	free(rt->scratch);
}

/* Everything before round 1: trace, faults, records, every replica's init. */
static int rt_setup(struct ldfi_rt *rt, const struct ldfi_faults *faults)
{
	static uint64_t serial;
	int rc;

	rt->serial = ++serial;
	rt->rec_first = calloc((size_t)rt->conf->n_comps, sizeof(int));
	rt->cause = malloc(sizeof(*rt->cause));
	rt->cap_cause = 1;
	rt->rrounds = rt->conf->restarts > 0 ? rt->conf->eot - rt->conf->downtime : 0;
	if (!rt->rec_first || !rt->cause)
		return LDFI_ENOMEM;
	if ((rc = ldfi_trace_init(rt->tr, rt->conf)) || (rc = setup_faults(rt, faults)) ||
	    (rc = index_records(rt)) || (rc = ldfi_recindex_init(&rt->recs, rt->tr)) ||
	    (rc = setup_replicas(rt)))
		return rc;
	return 0;
}

static int simulate(struct ldfi_rt *rt, const struct ldfi_faults *faults)
{
	size_t from = 0, to = 0;
	int rc;

	if ((rc = rt_setup(rt, faults)))
		return rc;
	for (rt->round = 1; rt->round <= rt->conf->eot; rt->round++) {
		if ((rc = run_round(rt, from, to)))
			return rc;
		from = to;
		to = rt->tr->n_msgs;
	}
	return collect_outputs(rt);
}

static bool needs_fault_free(const struct ldfi_conf *conf)
{
	for (int i = 0; i < conf->n_checks; i++)
		if (conf->checks[i].kind == LDFI_CHECK_MATCHES_FAULT_FREE ||
		    conf->checks[i].kind == LDFI_CHECK_PLUGIN ||
		    conf->checks[i].kind == LDFI_CHECK_PROCESS) /* given the fault-free run */
			return true;
	return false;
}

int ldfi_runtime_exec(const struct ldfi_conf *conf, const struct ldfi_faults *faults,
		      const struct ldfi_trace *fault_free, struct ldfi_trace **out)
{
	struct ldfi_trace *ff = NULL;
	struct ldfi_rt rt = {0};
	int rc;

	*out = NULL;
	if (!fault_free && faults->n > 0 && needs_fault_free(conf)) {
		struct ldfi_faults none = {0};

		if ((rc = ldfi_runtime_exec(conf, &none, NULL, &ff)))
			return rc;
		fault_free = ff;
	}
	rt.conf = conf;
	rt.tr = calloc(1, sizeof(*rt.tr));
	if (!rt.tr) {
		rc = LDFI_ENOMEM;
		goto err_trace;
	}
	if ((rc = simulate(&rt, faults)) == LDFI_ESUT) {
		/* The system under test failed (a process stage): a failed run. */
		char *why = rt.failure;

		rt.failure = NULL;
		rt_finish(&rt);
		ldfi_trace_destroy(rt.tr);
		ldfi_trace_destroy(ff);
		return ldfi_rt_failed_run(conf, faults, why, out);
	}
	if (rc)
		goto err_run;
	if ((rc = ldfi_checks_eval(rt.tr, faults->n ? fault_free : rt.tr)) == LDFI_ESUT) {
		/* A process check failed (runtime/process_check.c). */
		rt_finish(&rt);
		ldfi_trace_destroy(rt.tr);
		ldfi_trace_destroy(ff);
		return ldfi_rt_failed_run(conf, faults, ldfi_process_take_failure(), out);
	}
	if (rc)
		goto err_run;
	rt_finish(&rt);
	ldfi_trace_destroy(ff);
	*out = rt.tr;
	return 0;

err_run:
	rt_finish(&rt);
	ldfi_trace_destroy(rt.tr);
err_trace:
	ldfi_trace_destroy(ff);
	return rc;
}

/* --- one node of a run, for the live engine --- */

int ldfi_rt_node_open(const struct ldfi_conf *conf, int node, struct ldfi_rt **out)
{
	struct ldfi_faults none = {0};
	struct ldfi_rt *rt = calloc(1, sizeof(*rt));
	int rc;

	*out = NULL;
	if (!rt)
		return LDFI_ENOMEM;
	rt->conf = conf;
	if (!(rt->tr = calloc(1, sizeof(*rt->tr)))) {
		free(rt);
		return LDFI_ENOMEM;
	}
	rt->node = node;
	rt->one_node = true;
	if ((rc = rt_setup(rt, &none))) {
		ldfi_rt_node_close(rt);
		return rc;
	}
	*out = rt;
	return 0;
}

int ldfi_rt_node_round(struct ldfi_rt *rt, int round, int down_from, const struct ldfi_msg *deliv,
		       size_t n)
{
	int rc;

	rt->round = round;
	rt->tr->n_msgs = 0;
	if (down_from > 0) {
		if (down_from >= round)
			return LDFI_EINVAL;
		rt->tr->restart_round[rt->node] = down_from;
		if ((rc = recover_node(rt, rt->node)))
			return rc;
	}
	for (size_t k = 0; k < n; k++) {
		const struct ldfi_msg *m = &deliv[k];

		if (m->dst_node != rt->node || m->rec < 0 || m->rec >= rt->tr->n_recs ||
		    m->src_node < 0 || m->src_node >= rt->conf->n_nodes || m->src_comp < 0 ||
		    m->src_comp >= rt->conf->n_comps || m->dst_comp < 0 ||
		    m->dst_comp >= rt->conf->n_comps ||
		    rt->st_of[m->src_comp * rt->conf->n_nodes + m->src_node] < 0 ||
		    rt->st_of[m->dst_comp * rt->conf->n_nodes + m->dst_node] < 0)
			return LDFI_EINVAL;
		if ((rc = deliver(rt, *m)))
			return rc;
	}
	return step_node(rt, rt->node);
}

/* --- a node's durable state put back (rtstate.h, runtime/live/journal.c) --- */

static bool own_replica(const struct ldfi_rt *rt, int s)
{
	return s >= 0 && s < rt->n_st && rt->st[s].node == rt->node;
}

int ldfi_rt_restore_entry(struct ldfi_rt *rt, int s, const struct kv *e, const uint32_t *parents)
{
	struct kv k = *e;
	int rc;

	if (!own_replica(rt, s) || !valid_name(e->key) || e->dround == INT32_MAX)
		return LDFI_EINVAL;
	if ((rc = push_parents(rt, parents, (int)e->n, &k.off)))
		return rc;
	if (!(k.key = strdup(e->key)))
		return LDFI_ENOMEM;
	k.tok_round = -1;
	if ((rc = kv_restore(&rt->rep[s], &k)))
		free(k.key);
	return rc;
}

int ldfi_rt_restore_receipt(struct ldfi_rt *rt, int s, int rec, uint32_t id, int round)
{
	if (!own_replica(rt, s) || !rt->rep[s].rcpt || rec < 0 || rec >= rt->tr->n_recs)
		return LDFI_EINVAL;
	return add_receipt(rt, s, rec, id, round);
}

int ldfi_rt_restore_output(struct ldfi_rt *rt, int s, const struct ldfi_output *o,
			   const uint32_t *parents)
{
	if (!own_replica(rt, s) || o->rec < 0 || o->rec >= rt->tr->n_recs)
		return LDFI_EINVAL;
	return add_output(rt, s, o->rec, o->round, parents, o->n_parents, o->conditional);
}

int ldfi_rt_restore_send(struct ldfi_rt *rt, const struct pend *pd, const uint32_t *parents)
{
	int32_t p = (int32_t)rt->n_pend;
	int rc;

	if (!own_replica(rt, pd->src) || pd->dst < 0 || pd->dst >= rt->n_st || pd->rec < 0 ||
	    pd->rec >= rt->tr->n_recs || !pd->durable || pd->settled ||
	    (pd->policy != LDFI_DELIVERY_REPEAT && pd->policy != LDFI_DELIVERY_ACK))
		return LDFI_EINVAL;
	if (ldfi_grow(&rt->pend, &rt->cap_pend, rt->n_pend + 1, sizeof(*rt->pend), 16))
		return LDFI_ENOMEM;
	rt->pend[p] = *pd;
	rt->pend[p].next = -1;
	if ((rc = push_parents(rt, parents, (int)pd->n_parents, &rt->pend[p].parents_off)))
		return rc;
	rt->n_pend++;
	if ((rc = ivec_push(&rt->rep[pd->src].active, p)))
		return rc;
	return pd->policy == LDFI_DELIVERY_ACK ? ack_register(rt, p) : 0;
}

int ldfi_rt_restore_tokens(struct ldfi_rt *rt, size_t n)
{
	struct ldfi_trace *tr = rt->tr;

	if (n < tr->n_mems || n >= LDFI_MAX_MESSAGES)
		return LDFI_EINVAL;
	if (ldfi_grow(&tr->mems, &rt->cap_mems, n + 1, sizeof(*tr->mems), 64))
		return LDFI_ENOMEM;
	/* Placeholders: the coordinator has the tokens themselves; the node
	 * only needs its numbering to go on where the old process left it. */
	while (tr->n_mems < n)
		tr->mems[tr->n_mems++] = (struct ldfi_memtok){rt->node, 0, 0, 0, 0, 0};
	return 0;
}

struct ldfi_trace *ldfi_rt_trace(struct ldfi_rt *rt)
{
	return rt->tr;
}

const char *ldfi_rt_failure(const struct ldfi_rt *rt)
{
	return rt->failure;
}

int ldfi_rt_record(struct ldfi_rt *rt, const char *name)
{
	struct ldfi_stage st = {rt, NULL, 0, rt->node, 0, NULL};

	return ldfi_stage_record(&st, name);
}

int ldfi_rt_outputs(const struct ldfi_rt *rt, int comp, int node, const struct ldfi_output **outs)
{
	int s = comp >= 0 && comp < rt->conf->n_comps && node >= 0 && node < rt->conf->n_nodes
		    ? rt->st_of[comp * rt->conf->n_nodes + node]
		    : -1;

	*outs = s < 0 ? NULL : rt->rep[s].outs;
	return s < 0 ? 0 : rt->rep[s].n_outs;
}

void ldfi_rt_node_close(struct ldfi_rt *rt)
{
	if (!rt)
		return;
	rt_finish(rt);
	ldfi_trace_destroy(rt->tr);
	free(rt);
}

/* The fault-free run's size; `none` is an empty fault set. */
static int measure(const struct ldfi_conf *conf, double *msgs, double *bytes)
{
	struct ldfi_faults none = {0};
	struct ldfi_trace *tr = NULL;
	int rc = ldfi_runtime_exec(conf, &none, NULL, &tr);

	if (rc)
		return rc;
	*msgs = (double)tr->n_msgs;
	*bytes = (double)tr->n_msgs * sizeof(struct ldfi_msg) +
		 (double)tr->n_parents * sizeof(*tr->parents);
	ldfi_trace_destroy(tr);
	return 0;
}

int ldfi_rt_estimate(struct ldfi_conf *conf, struct ldfi_rt_estimate *e)
{
	int *saved = calloc((size_t)conf->n_comps + 1, sizeof(int));
	double m0 = 0, b0 = 0;
	int rc = 0;

	if (!saved)
		return LDFI_ENOMEM;
	for (int c = 0; c < conf->n_comps; c++)
		if (conf->comps[c].type == LDFI_COMP_STAGE &&
		    (conf->comps[c].kind == LDFI_KIND_PLUGIN ||
		     conf->comps[c].kind == LDFI_KIND_PROCESS))
			rc = LDFI_EINVAL;
	for (int i = 0; i < conf->n_checks; i++)
		if (conf->checks[i].kind == LDFI_CHECK_PLUGIN ||
		    conf->checks[i].kind == LDFI_CHECK_PROCESS)
			rc = LDFI_EINVAL;
	for (int c = 0; c < conf->n_comps; c++) {
		saved[c] = conf->comps[c].n_records;
		conf->comps[c].n_records = 0;
	}
	if (!rc)
		rc = measure(conf, &m0, &b0);
	*e = (struct ldfi_rt_estimate){m0, b0, true};
	for (int c = 0; c < conf->n_comps && !rc; c++) {
		double m = 0, b = 0; /* set by measure (gcc -O3 cannot tell) */

		if (conf->comps[c].type != LDFI_COMP_SOURCE || !saved[c])
			continue;
		conf->comps[c].n_records = 1;
		rc = measure(conf, &m, &b);
		conf->comps[c].n_records = 0;
		e->msgs += (m - m0) * saved[c];
		e->bytes += (b - b0) * saved[c];
		e->exact = e->exact && saved[c] == 1;
	}
	for (int c = 0; c < conf->n_comps; c++)
		conf->comps[c].n_records = saved[c];
	free(saved);
	return rc;
}

/* n with thousands separators: 5,000,000. */
static void commas(char *buf, size_t len, double x)
{
	char digits[32];
	int n = snprintf(digits, sizeof(digits), "%.0f", x), j = 0;

	for (int i = 0; i < n && (size_t)j + 2 < len; i++) {
		if (i && (n - i) % 3 == 0)
			buf[j++] = ',';
		buf[j++] = digits[i];
	}
	buf[j] = 0;
}

void ldfi_rt_limit_text(char *buf, size_t len)
{
	char lim[40];

	commas(lim, sizeof(lim), LDFI_MAX_MESSAGES);
	snprintf(buf, len, "the limit is %s messages, about %.1f GiB of memory", lim,
		 (double)LDFI_MAX_MESSAGES * LDFI_BYTES_PER_MSG_RUN / (1024.0 * 1024 * 1024));
}

/* "12.3 GiB", "850 MiB". */
static void size_text(char *buf, size_t len, double bytes)
{
	if (bytes >= 1024.0 * 1024 * 1024)
		snprintf(buf, len, "%.1f GiB", bytes / (1024.0 * 1024 * 1024));
	else
		snprintf(buf, len, "%.0f MiB", bytes / (1024.0 * 1024));
}

int ldfi_rt_too_large(struct ldfi_conf *conf, double bytes_per_msg, char *buf, size_t len)
{
	struct ldfi_rt_estimate e;
	char n[40], lim[40], need[40], max[40];

	if (ldfi_rt_estimate(conf, &e))
		return 0;
	if (e.msgs <= LDFI_MAX_MESSAGES && e.msgs * bytes_per_msg <= LDFI_MAX_MEMORY)
		return 0;
	commas(n, sizeof(n), e.msgs);
	commas(lim, sizeof(lim), LDFI_MAX_MESSAGES);
	size_text(need, sizeof(need), e.msgs * bytes_per_msg);
	size_text(max, sizeof(max), LDFI_MAX_MEMORY);
	snprintf(buf, len,
		 "the fault-free run of %s sends %s%s messages: it would take about %s of memory "
		 "(%.0f bytes a message%s); the limit is %s messages and %s of memory: lower eot "
		 "or the number of records",
		 conf->path, e.exact ? "" : "about ", n, need, bytes_per_msg,
		 bytes_per_msg > LDFI_BYTES_PER_MSG_RUN ? ": the runs and their lineage" : "", lim,
		 max);
	return 1;
}

int ldfi_rt_failed_run(const struct ldfi_conf *conf, const struct ldfi_faults *faults,
		       char *failure, struct ldfi_trace **out)
{
	struct ldfi_trace *tr = calloc(1, sizeof(*tr));
	int rc;

	if (!tr || !failure) {
		free(tr);
		free(failure);
		return LDFI_ENOMEM;
	}
	tr->failure = failure;
	if ((rc = ldfi_trace_init(tr, conf)) || (rc = ldfi_faults_copy(&tr->faults, faults))) {
		ldfi_trace_destroy(tr);
		return rc;
	}
	ldfi_rt_node_faults(tr);
	for (int r = 0; r < tr->n_recs; r++)
		tr->recs[r].emitted = ldfi_rt_emitted(tr, tr->recs[r].source);
	tr->passed = false;
	*out = tr;
	return 0;
}

/* --- for kinds that keep memory of their own (runtime/stage.h) --- */

int ldfi_stage_put_volatile(struct ldfi_stage *st, const char *key, int64_t value)
{
	int rc = ldfi_stage_put(st, key, value);

	if (rc)
		return rc;
	kv_find(&st->rt->rep[st->index], key)->dround = INT32_MAX;
	return 0;
}
