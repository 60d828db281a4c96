/*
 * explain.c - why a counterexample broke an outcome (explain.h): what its
 * faults cut in the fault-free run, the derivations of a record copy, the
 * lost acks behind a duplicate, the copy that came out of order.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "ldfi/ldfi.h"
#include "lineage/explain.h"
#include "lineage/lineage.h"

static void idset_cb(const struct ldfi_msg *m, void *arg)
{
	struct ldfi_idset *s = arg;

	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 16;
		uint32_t *v = realloc(s->v, cap * sizeof(*v));

		if (!v) {
			s->nomem = true;
			return;
		}
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = m->id;
}

static int cmp_u32(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;

	return (a > b) - (a < b);
}

/* The derivation of messages ids[0..n) of `tr`: them and every ancestor,
 * in send order (which puts causes before effects). */
int ldfi_explain_derivation(const struct ldfi_trace *tr, const uint32_t *ids, uint32_t n,
			    struct ldfi_idset *s)
{
	size_t k = 0;

	s->n = 0;
	s->nomem = false;
	for (uint32_t i = 0; i < n; i++) {
		if (ids[i] < 1 || ids[i] > tr->n_msgs)
			continue;
		if (ldfi_trace_ancestors(tr, ids[i], idset_cb, s) || s->nomem)
			return LDFI_ENOMEM;
	}
	if (s->n > 1)
		qsort(s->v, s->n, sizeof(*s->v), cmp_u32);
	for (size_t i = 0; i < s->n; i++)
		if (!k || s->v[k - 1] != s->v[i])
			s->v[k++] = s->v[i];
	s->n = k;
	return 0;
}

/* The derivation of output copy `o`. */
int ldfi_explain_copy(const struct ldfi_trace *tr, const struct ldfi_output *o,
		      struct ldfi_idset *s)
{
	return ldfi_explain_derivation(tr, tr->parents + o->parents_off, o->n_parents, s);
}

void ldfi_cuts_finish(struct ldfi_cuts *c)
{
	free(c->tok);
	free(c->own);
	free(c->lost);
	free(c->mark);
	free(c->stack);
}

/* Whether memory token i is lost under c's faults: a restart of its node
 * after it was written and by the time it was read (its `own` fault), or
 * its parents lost (all-of: any; any-of: all). Messages below `below` are
 * known already; memoised in c->tok. */
static bool tok_lost(struct ldfi_cuts *c, uint32_t i, uint32_t below)
{
	const struct ldfi_trace *tr = c->tr;
	const struct ldfi_memtok *t = &tr->mems[i];
	struct ldfi_cuts_tok *ct = &c->tok[i];
	uint32_t n_par = 0, n_lost = 0;

	if (ct->state)
		return ct->state == 2;
	ct->state = 1; /* a cycle (not in a valid trace) reads as kept */
	ct->own = -1;
	for (int k = 0; k < c->fs->n; k++) {
		const struct ldfi_fault *f = &c->fs->v[k];

		if (f->kind == LDFI_FAULT_RESTART && f->a == t->node && t->from < f->t &&
		    f->t <= t->to) {
			ct->own = k;
			break;
		}
	}
	for (uint32_t k = 0; k < t->n_parents; k++) {
		uint32_t p = tr->parents[t->parents_off + k];

		if (LDFI_IS_MEM(p) && LDFI_MEM_INDEX(p) < tr->n_mems) {
			n_par++;
			n_lost += tok_lost(c, LDFI_MEM_INDEX(p), below);
		} else if (p >= 1 && p < below) {
			n_par++;
			n_lost += c->lost[p];
		}
	}
	if (ct->own >= 0 || (t->parents_any ? n_par > 0 && n_lost == n_par : n_lost > 0))
		ct->state = 2;
	return ct->state == 2;
}

int ldfi_cuts_init(struct ldfi_cuts *c, const struct ldfi_trace *tr, const struct ldfi_faults *fs)
{
	size_t n = tr->n_msgs + 1;

	*c = (struct ldfi_cuts){.tr = tr, .fs = fs};
	c->own = malloc(n * sizeof(*c->own));
	c->lost = calloc(n, sizeof(*c->lost));
	c->mark = calloc(n, sizeof(*c->mark));
	c->stack = malloc(n * sizeof(*c->stack));
	if (!c->own || !c->lost || !c->mark || !c->stack) {
		ldfi_cuts_finish(c);
		return LDFI_ENOMEM;
	}
	if (tr->n_mems && !(c->tok = calloc(tr->n_mems, sizeof(*c->tok)))) {
		ldfi_cuts_finish(c);
		return LDFI_ENOMEM;
	}
	c->own[0] = -1;
	for (uint32_t id = 1; id < n; id++) {
		const struct ldfi_msg *m = &tr->msgs[id - 1];
		uint32_t n_lost = 0, n_par = 0;
		int tok_fault = -1;

		c->own[id] = ldfi_faults_cut(fs, m, tr->conf);
		for (uint32_t k = 0; k < m->n_parents; k++) {
			uint32_t p = tr->parents[m->parents_off + k];

			if (LDFI_IS_MEM(p) && LDFI_MEM_INDEX(p) < tr->n_mems) {
				bool l = tok_lost(c, LDFI_MEM_INDEX(p), id);

				n_par++;
				n_lost += l;
				if (l && tok_fault < 0)
					tok_fault = c->tok[LDFI_MEM_INDEX(p)].own;
			} else if (p >= 1 && p < id) {
				n_par++;
				n_lost += c->lost[p];
			}
		}
		c->lost[id] =
		    c->own[id] >= 0 || (m->parents_any ? n_par > 0 && n_lost == n_par : n_lost > 0);
		/* Lost through memory its sender's restart emptied: the
		 * restart is what cut it. */
		if (c->lost[id] && c->own[id] < 0 && tok_fault >= 0)
			c->own[id] = tok_fault;
	}
	return 0;
}

bool ldfi_cuts_lost(const struct ldfi_cuts *c, uint32_t id)
{
	if (LDFI_IS_MEM(id))
		return c->tok && LDFI_MEM_INDEX(id) < c->tr->n_mems &&
		       c->tok[LDFI_MEM_INDEX(id)].state == 2;
	return id >= 1 && id <= c->tr->n_msgs && c->lost[id];
}

/* Whether output copy `o` is lost: one of its parents is. */
bool ldfi_cuts_copy_lost(const struct ldfi_cuts *c, const struct ldfi_output *o)
{
	for (uint32_t k = 0; k < o->n_parents; k++)
		if (ldfi_cuts_lost(c, c->tr->parents[o->parents_off + k]))
			return true;
	return false;
}

static int why_add(struct ldfi_why *w, uint32_t id)
{
	for (int j = 0; j < w->n; j++)
		if (w->v[j] == id)
			return 0;
	if (w->n == w->cap) {
		int cap = w->cap ? 2 * w->cap : 8;
		uint32_t *v = realloc(w->v, (size_t)cap * sizeof(*v));

		if (!v)
			return LDFI_ENOMEM;
		w->v = v;
		w->cap = cap;
	}
	w->v[w->n++] = id;
	return 0;
}

/* Whether memory token i is lost through its parents (any one of them lost,
 * or, for parents_any, every one), not by a restart of its own node. */
static bool token_through_parents(const struct ldfi_cuts *c, uint32_t i)
{
	const struct ldfi_memtok *t = &c->tr->mems[i];
	uint32_t n_lost = 0;

	for (uint32_t k = 0; k < t->n_parents; k++)
		n_lost += ldfi_cuts_lost(c, c->tr->parents[t->parents_off + k]);
	return t->parents_any ? t->n_parents > 0 && n_lost == t->n_parents : n_lost > 0;
}

/* Whether lost message `x` is lost through its parents (any one of them
 * lost, or, for parents_any, every one), not only by its own cut; a memory
 * token among them counts when it is lost through its own parents. *own_mem
 * says whether a parent token was lost by a restart of its own node (x then
 * carries that restart as its own cut). */
static bool lost_through_parents(const struct ldfi_cuts *c, uint32_t x, bool *own_mem)
{
	const struct ldfi_trace *tr = c->tr;
	const struct ldfi_msg *m = &tr->msgs[x - 1];
	uint32_t n_par = 0, n_lost = 0, via = 0;

	*own_mem = false;
	for (uint32_t k = 0; k < m->n_parents; k++) {
		uint32_t p = tr->parents[m->parents_off + k];

		if (!LDFI_IS_MEM(p) && (p < 1 || p >= x))
			continue;
		n_par++;
		if (!ldfi_cuts_lost(c, p))
			continue;
		n_lost++;
		if (!LDFI_IS_MEM(p) || token_through_parents(c, LDFI_MEM_INDEX(p)))
			via++;
		else
			*own_mem = true;
	}
	return m->parents_any ? n_lost == n_par && via > 0 : via > 0;
}

/* Push onto c->stack the lost messages (below `x`) that lost token i, going
 * through the tokens among its parents; returns the new stack size. A token
 * cut by its own restart pushes nothing: the message reading it carries
 * that restart as its own cut. */
static size_t push_token(struct ldfi_cuts *c, uint32_t i, uint32_t x, size_t n)
{
	const struct ldfi_memtok *t = &c->tr->mems[i];

	for (uint32_t k = 0; k < t->n_parents; k++) {
		uint32_t p = c->tr->parents[t->parents_off + k];

		if (!ldfi_cuts_lost(c, p))
			continue;
		if (LDFI_IS_MEM(p))
			n = push_token(c, LDFI_MEM_INDEX(p), x, n);
		else if (p < x && c->mark[p] != c->stamp) {
			c->mark[p] = c->stamp;
			c->stack[n++] = p;
		}
		if (!t->parents_any)
			break;
	}
	return n;
}

/* Add to `w` the first events the faults cut on the way to lost message
 * (or memory token) `id`: a message lost through its parents is explained
 * by them (its first lost parent, or, for parents_any, all of them), one
 * lost only by its own cut by itself. So a crash is named where it first
 * cut the chain, not on a later hop that would have been lost anyway. */
static int explain(struct ldfi_cuts *c, uint32_t id, struct ldfi_why *w)
{
	const struct ldfi_trace *tr = c->tr;
	size_t n = 0;
	int rc = 0;

	if (!ldfi_cuts_lost(c, id))
		return 0;
	c->stamp++;
	if (LDFI_IS_MEM(id)) {
		n = push_token(c, LDFI_MEM_INDEX(id), UINT32_MAX, n);
	} else {
		c->mark[id] = c->stamp;
		c->stack[n++] = id;
	}
	while (n && !rc) {
		uint32_t x = c->stack[--n];
		bool own_mem, via = lost_through_parents(c, x, &own_mem);

		if (!via || own_mem)
			rc = why_add(w, x); /* the first cut event on this path */
		if (!via || rc)
			continue;
		for (uint32_t k = 0; k < tr->msgs[x - 1].n_parents; k++) {
			uint32_t p = tr->parents[tr->msgs[x - 1].parents_off + k];

			if (!ldfi_cuts_lost(c, p) || (!LDFI_IS_MEM(p) && p >= x))
				continue;
			if (LDFI_IS_MEM(p))
				n = push_token(c, LDFI_MEM_INDEX(p), x, n);
			else if (c->mark[p] != c->stamp) {
				c->mark[p] = c->stamp;
				c->stack[n++] = p;
			}
			if (!tr->msgs[x - 1].parents_any)
				break;
		}
	}
	return rc;
}

bool ldfi_explain_held_at(const struct ldfi_output *o, const struct ldfi_held *b)
{
	return o->comp == b->comp && o->node == b->node && o->rec == b->rec;
}

/* A delivery of b's record to b's replica that no copy it held came from
 * (a replica with dedup = yes keeps the first copy). */
bool ldfi_explain_unkept(const struct ldfi_msg *m, const struct ldfi_held *b, const bool *kept)
{
	return m->kind == LDFI_MSG_DATA && m->fate == LDFI_FATE_DELIVERED && m->rec == b->rec &&
	       m->dst_comp == b->comp && m->dst_node == b->node && !kept[m->id];
}

/*
 * The copies b's replica held in the fault-free run (*n_copies; kept[]
 * marks the messages they came from) and, into `w`, what cut each of them
 * and each delivery of the record it did not keep.
 */
int ldfi_explain_missing(struct ldfi_cuts *c, const struct ldfi_held *b, bool *kept,
			 struct ldfi_why *w, int *n_copies)
{
	const struct ldfi_trace *ff = c->tr;
	int rc = 0;

	*n_copies = 0;
	for (size_t i = 0; i < ff->n_outs; i++) {
		const struct ldfi_output *o = &ff->outs[i];

		if (!ldfi_explain_held_at(o, b))
			continue;
		(*n_copies)++;
		for (uint32_t k = 0; k < o->n_parents; k++)
			if (ff->parents[o->parents_off + k] <= ff->n_msgs)
				kept[ff->parents[o->parents_off + k]] = true;
	}
	for (size_t i = 0; i < ff->n_outs && !rc; i++) {
		const struct ldfi_output *o = &ff->outs[i];

		if (!ldfi_explain_held_at(o, b))
			continue;
		if (!ldfi_cuts_copy_lost(c, o))
			w->uncut++;
		for (uint32_t j = 0; j < o->n_parents && !rc; j++)
			rc = explain(c, ff->parents[o->parents_off + j], w);
	}
	for (size_t i = 0; !rc && *n_copies && i < ff->n_msgs; i++) {
		const struct ldfi_msg *m = &ff->msgs[i];

		if (!ldfi_explain_unkept(m, b, kept))
			continue;
		if (!ldfi_cuts_lost(c, m->id))
			w->uncut++;
		else
			rc = explain(c, m->id, w);
	}
	return rc;
}

/* The acks that acknowledge a message of a derivation in `on`, lost. */
bool ldfi_explain_lost_ack(const struct ldfi_trace *tr, const struct ldfi_msg *m, const bool *on)
{
	/* Lost: omitted or its receiver crashed. An ack sent in round eot was
	 * never due: no resend could follow it. */
	if (m->kind != LDFI_MSG_ACK || m->fate == LDFI_FATE_DELIVERED || m->fate == LDFI_FATE_EOT)
		return false;
	for (uint32_t k = 0; k < m->n_parents; k++) {
		uint32_t p = tr->parents[m->parents_off + k];

		if (p >= 1 && p <= tr->n_msgs && on[p])
			return true;
	}
	return false;
}

/* Mark in on[] the derivations of the copies b's replica holds in `tr`;
 * *n_acks: how many acks of their messages were lost there. */
int ldfi_explain_lost_acks(const struct ldfi_trace *tr, const struct ldfi_held *b,
			   struct ldfi_idset *s, bool *on, int *n_acks)
{
	int rc;

	*n_acks = 0;
	for (size_t i = 0; i < tr->n_outs; i++) {
		const struct ldfi_output *o = &tr->outs[i];

		if (!ldfi_explain_held_at(o, b))
			continue;
		if ((rc = ldfi_explain_copy(tr, o, s)))
			return rc;
		for (size_t j = 0; j < s->n; j++)
			on[s->v[j]] = true;
	}
	for (size_t i = 0; i < tr->n_msgs; i++)
		*n_acks += ldfi_explain_lost_ack(tr, &tr->msgs[i], on);
	return 0;
}

/* The first copy of b's record at b's replica in `tr`, and the first record
 * of the same source emitted later held before it (NULL when none). */
void ldfi_explain_order(const struct ldfi_trace *tr, const struct ldfi_held *b,
			const struct ldfi_output **mine, const struct ldfi_output **later)
{
	const struct ldfi_record *r = &tr->recs[b->rec];

	*mine = *later = NULL;
	for (size_t i = 0; i < tr->n_outs && !*mine; i++) {
		const struct ldfi_output *o = &tr->outs[i];
		const struct ldfi_record *q = &tr->recs[o->rec];

		if (o->comp != b->comp || o->node != b->node)
			continue;
		if (o->rec == b->rec)
			*mine = o;
		else if (!*later && q->source == r->source && q->index > r->index)
			*later = o;
	}
	if (!*mine)
		*later = NULL; /* nothing held here came out of order */
}

void ldfi_explain_named(const struct ldfi_cuts *c, const struct ldfi_why *w, bool *named)
{
	for (int i = 0; i < c->fs->n; i++)
		named[i] = false;
	for (int j = 0; j < w->n; j++)
		if (c->own[w->v[j]] >= 0 && c->own[w->v[j]] < c->fs->n)
			named[c->own[w->v[j]]] = true;
}

size_t ldfi_explain_lost_by(const struct ldfi_trace *tr, int fault, int rec, uint32_t *ids,
			    size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < tr->n_msgs; i++) {
		const struct ldfi_msg *m = &tr->msgs[i];

		if (m->fault != fault || (rec >= 0 && m->rec != rec) ||
		    m->fate == LDFI_FATE_DELIVERED)
			continue;
		if (n < cap)
			ids[n] = m->id;
		n++;
	}
	return n;
}

void ldfi_why_sort(struct ldfi_why *w)
{
	if (w->n > 1)
		qsort(w->v, (size_t)w->n, sizeof(*w->v), cmp_u32);
}

void ldfi_why_finish(struct ldfi_why *w)
{
	free(w->v);
	*w = (struct ldfi_why){0};
}

void ldfi_idset_finish(struct ldfi_idset *s)
{
	free(s->v);
	*s = (struct ldfi_idset){0};
}
