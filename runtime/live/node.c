/*
 * node.c - a node process of the live engine: its replicas' stage code in a
 * node-local runtime, fed round by round by the coordinator (live.h).
 */
#include <event2/buffer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ldfi/conf.h"
#include "ldfi/ldfi.h"
#include "runtime/live/frame.h"
#include "runtime/live/journal.h"
#include "runtime/live/live.h"
#include "runtime/live/supervisor.h"
#include "runtime/runtime.h"

struct node {
	const struct ldfi_conf *conf;
	const char *jdir; /* where journals go; NULL without restarts */
	int node;
	struct ldfi_rt *rt;
	int open_rc; /* ldfi_rt_node_open's failure, reported at round 1 */
	int round;
	int down_from; /* this round: back up after restart(node, down_from) */
	struct ldfi_journal *journal;
	size_t mems_sent;	/* memory tokens reported */
	struct ldfi_msg *deliv; /* this round's deliveries, in arrival (canonical) order */
	size_t n_deliv, cap_deliv;
	int *outs_sent;		     /* per component: outputs of our replica reported */
	int recs_sent;		     /* records reported as created */
	unsigned char *emitted_sent; /* per record: reported as emitted */
	size_t cap_emitted;
	/* Reply buffers, LDFI_LIVE_BATCH entries each. */
	Ldfi__Live__Envelope *env;
	Ldfi__Live__Envelope **penv;
	Ldfi__Live__Output *out;
	Ldfi__Live__Output **pout;
	Ldfi__Live__Token *tok;
	Ldfi__Live__Token **ptok;
};

static int take_delivery(struct node *nd, const Ldfi__Live__Envelope *e, char *err, size_t errlen)
{
	const struct ldfi_conf *conf = nd->conf;
	struct ldfi_msg *m;
	int rec;

	if (e->src_node >= (uint32_t)conf->n_nodes || e->dst_node != (uint32_t)nd->node ||
	    e->src_stage >= (uint32_t)conf->n_comps || e->dst_stage >= (uint32_t)conf->n_comps ||
	    e->kind > LDFI__LIVE__MSG_KIND__MSG_ACK ||
	    e->delivery > LDFI__LIVE__DELIVERY__DELIVERY_ACK ||
	    e->round + 1 != (uint32_t)nd->round || e->id == 0) {
		snprintf(err, errlen, "delivery %u does not fit the pipeline", e->id);
		return LDFI_EFORMAT;
	}
	if ((rec = ldfi_rt_record(nd->rt, e->record)) < 0) {
		snprintf(err, errlen, "delivery %u: bad record name", e->id);
		return rec;
	}
	if (nd->n_deliv == nd->cap_deliv) {
		size_t cap = nd->cap_deliv ? 2 * nd->cap_deliv : 64;
		struct ldfi_msg *p = realloc(nd->deliv, cap * sizeof(*p));

		if (!p)
			return LDFI_ENOMEM;
		nd->deliv = p;
		nd->cap_deliv = cap;
	}
	m = &nd->deliv[nd->n_deliv++];
	*m = ldfi_frame_msg(e);
	m->rec = rec;
	return 0;
}

static int flush_sent(struct evbuffer *reply, Ldfi__Live__Envelope **penv, size_t n)
{
	Ldfi__Live__Frame f = LDFI__LIVE__FRAME__INIT;
	Ldfi__Live__Sent s = LDFI__LIVE__SENT__INIT;

	s.n_msgs = n;
	s.msgs = penv;
	f.body_case = LDFI__LIVE__FRAME__BODY_SENT;
	f.sent = &s;
	return ldfi_frame_put(reply, &f);
}

static int flush_outputs(struct evbuffer *reply, Ldfi__Live__Output **pout, size_t n)
{
	Ldfi__Live__Frame f = LDFI__LIVE__FRAME__INIT;
	Ldfi__Live__Outputs o = LDFI__LIVE__OUTPUTS__INIT;

	o.n_outs = n;
	o.outs = pout;
	f.body_case = LDFI__LIVE__FRAME__BODY_OUTPUTS;
	f.outputs = &o;
	return ldfi_frame_put(reply, &f);
}

static int flush_tokens(struct evbuffer *reply, Ldfi__Live__Token **ptok, size_t n)
{
	Ldfi__Live__Frame f = LDFI__LIVE__FRAME__INIT;
	Ldfi__Live__Tokens t = LDFI__LIVE__TOKENS__INIT;

	t.n_toks = n;
	t.toks = ptok;
	f.body_case = LDFI__LIVE__FRAME__BODY_TOKENS;
	f.tokens = &t;
	return ldfi_frame_put(reply, &f);
}

/* The memory tokens made this round, before the sends that name them. */
static int report_tokens(struct node *nd, struct evbuffer *reply, size_t *n_toks)
{
	const struct ldfi_trace *tr = ldfi_rt_trace(nd->rt);
	size_t k = 0;
	int rc = 0;

	*n_toks = tr->n_mems - nd->mems_sent;
	for (size_t i = nd->mems_sent; i < tr->n_mems && !rc; i++) {
		const struct ldfi_memtok *m = &tr->mems[i];
		Ldfi__Live__Token *w = &nd->tok[k];

		*w = (Ldfi__Live__Token)LDFI__LIVE__TOKEN__INIT;
		w->from = m->from;
		w->to = m->to;
		w->n_parent_ids = m->n_parents;
		w->parent_ids = tr->parents + m->parents_off;
		w->parents_any = m->parents_any;
		if (++k == LDFI_LIVE_BATCH) {
			rc = flush_tokens(reply, nd->ptok, k);
			k = 0;
		}
	}
	if (!rc && k)
		rc = flush_tokens(reply, nd->ptok, k);
	nd->mems_sent = tr->n_mems;
	return rc;
}

/* After the round: every token, every send, every new output, then
 * RoundDone. */
static int report(struct node *nd, struct evbuffer *reply)
{
	const struct ldfi_conf *conf = nd->conf;
	struct ldfi_trace *tr = ldfi_rt_trace(nd->rt);
	Ldfi__Live__Frame f = LDFI__LIVE__FRAME__INIT;
	Ldfi__Live__RoundDone d = LDFI__LIVE__ROUND_DONE__INIT;
	char **emitted = NULL, **created = NULL;
	size_t k = 0, n_outs = 0, n_toks = 0;
	int rc = report_tokens(nd, reply, &n_toks);

	for (size_t i = 0; i < tr->n_msgs && !rc; i++) {
		const struct ldfi_msg *m = &tr->msgs[i];
		ldfi_frame_envelope(tr, m, true, &nd->env[k]);
		nd->env[k].id = 0; /* the coordinator numbers messages */
		if (++k == LDFI_LIVE_BATCH) {
			rc = flush_sent(reply, nd->penv, k);
			k = 0;
		}
	}
	if (!rc && k)
		rc = flush_sent(reply, nd->penv, k);
	k = 0;
	for (int c = 0; c < conf->n_comps && !rc; c++) {
		const struct ldfi_output *o;
		int n = ldfi_rt_outputs(nd->rt, c, nd->node, &o);

		for (int i = nd->outs_sent[c]; i < n && !rc; i++) {
			Ldfi__Live__Output *w = &nd->out[k];

			*w = (Ldfi__Live__Output)LDFI__LIVE__OUTPUT__INIT;
			w->stage = (uint32_t)c;
			w->pos = (uint32_t)o[i].pos;
			w->record = tr->recs[o[i].rec].name;
			w->round = (uint32_t)o[i].round;
			w->n_parent_ids = o[i].n_parents;
			w->parent_ids = tr->parents + o[i].parents_off;
			w->conditional = o[i].conditional;
			n_outs++;
			if (++k == LDFI_LIVE_BATCH) {
				rc = flush_outputs(reply, nd->pout, k);
				k = 0;
			}
		}
		nd->outs_sent[c] = n;
	}
	if (!rc && k)
		rc = flush_outputs(reply, nd->pout, k);
	if (rc)
		return rc;
	/* Records emitted and created this round (names borrowed from the trace). */
	if ((size_t)tr->n_recs > nd->cap_emitted) {
		unsigned char *p = realloc(nd->emitted_sent, (size_t)tr->n_recs);

		if (!p)
			return LDFI_ENOMEM;
		memset(p + nd->cap_emitted, 0, (size_t)tr->n_recs - nd->cap_emitted);
		nd->emitted_sent = p;
		nd->cap_emitted = (size_t)tr->n_recs;
	}
	emitted = malloc(((size_t)tr->n_recs + 1) * sizeof(*emitted));
	created = malloc(((size_t)tr->n_recs + 1) * sizeof(*created));
	if (!emitted || !created) {
		rc = LDFI_ENOMEM;
		goto err_;
	}
	for (int r = 0; r < tr->n_recs; r++)
		if (tr->recs[r].emitted && !nd->emitted_sent[r]) {
			nd->emitted_sent[r] = 1;
			emitted[d.n_emitted++] = tr->recs[r].name;
		}
	for (int r = nd->recs_sent; r < tr->n_recs; r++)
		created[d.n_created++] = tr->recs[r].name;
	nd->recs_sent = tr->n_recs;
	d.round = (uint32_t)nd->round;
	d.n_sent = (uint32_t)tr->n_msgs;
	d.n_outputs = (uint32_t)n_outs;
	d.n_tokens = (uint32_t)n_toks;
	d.emitted = emitted;
	d.created = created;
	f.body_case = LDFI__LIVE__FRAME__BODY_ROUND_DONE;
	f.round_done = &d;
	rc = ldfi_frame_put(reply, &f);
err_:
	free(emitted);
	free(created);
	return rc;
}

/* Nothing of the outputs and tokens the journal put back is news to the
 * coordinator. */
static void restored(struct node *nd)
{
	const struct ldfi_conf *conf = nd->conf;

	for (int c = 0; c < conf->n_comps; c++) {
		const struct ldfi_output *o;

		nd->outs_sent[c] = ldfi_rt_outputs(nd->rt, c, nd->node, &o);
	}
	nd->mems_sent = ldfi_rt_trace(nd->rt)->n_mems;
}

/* With restarts: open the node's journal in the first round this process
 * runs, after reading it back when the process is a restarted node's. */
static int start_journal(struct node *nd, char *err, size_t errlen)
{
	char path[4096];
	int rc;

	if (nd->down_from && (!nd->jdir || nd->journal)) {
		snprintf(err, errlen, "told to recover in round %d, but %s", nd->round,
			 nd->jdir ? "this process has run before" : "the run keeps no journal");
		return LDFI_EFORMAT;
	}
	if (!nd->jdir || nd->journal)
		return 0;
	snprintf(path, sizeof(path), "%s/%s.journal", nd->jdir, nd->conf->nodes[nd->node].name);
	if (nd->down_from) {
		if ((rc = ldfi_journal_recover(path, nd->rt, nd->down_from, err, errlen)))
			return rc;
		restored(nd);
	}
	if (!(nd->journal = ldfi_journal_open(path, err, errlen)))
		return LDFI_EIO;
	return 0;
}

static int on_frame(void *arg, const Ldfi__Live__Frame *f, struct evbuffer *reply, char *err,
		    size_t errlen)
{
	struct node *nd = arg;
	int rc;

	switch (f->body_case) {
	case LDFI__LIVE__FRAME__BODY_START_ROUND:
		if (nd->open_rc) {
			snprintf(err, errlen, "setting up the replicas failed: %s",
				 ldfi_strerror(nd->open_rc));
			return nd->open_rc;
		}
		nd->round = (int)f->start_round->round;
		nd->down_from = (int)f->start_round->down_from;
		nd->n_deliv = 0;
		return start_journal(nd, err, errlen);
	case LDFI__LIVE__FRAME__BODY_DELIVER:
		for (size_t i = 0; i < f->deliver->n_msgs; i++)
			if ((rc = take_delivery(nd, f->deliver->msgs[i], err, errlen)))
				return rc;
		return 0;
	case LDFI__LIVE__FRAME__BODY_END_DELIVERIES:
		if (f->end_deliveries->round != (uint32_t)nd->round ||
		    f->end_deliveries->count != nd->n_deliv) {
			snprintf(err, errlen, "round %u: %u deliveries announced, %zu received",
				 f->end_deliveries->round, f->end_deliveries->count, nd->n_deliv);
			return LDFI_EFORMAT;
		}
		if ((rc = ldfi_rt_node_round(nd->rt, nd->round, nd->down_from, nd->deliv,
					     nd->n_deliv))) {
			/* LDFI_ESUT: a stage failed the run (a process stage's
			 * process misbehaved), with the simulation's reason. */
			const char *why = ldfi_rt_failure(nd->rt);

			snprintf(err, errlen, "%s",
				 rc == LDFI_ESUT && why ? why : ldfi_strerror(rc));
			return rc;
		}
		/* Durable before the answer (and so any effect of the round)
		 * leaves the node. */
		if (nd->journal && (rc = ldfi_journal_write(nd->journal, nd->rt, err, errlen)))
			return rc;
		return report(nd, reply);
	default:
		snprintf(err, errlen, "unexpected frame (%d) from the coordinator", f->body_case);
		return LDFI_EFORMAT;
	}
}

int ldfi_live_node_main(void *arg, int node, int fd)
{
	const struct ldfi_live_node_arg *a = arg;
	struct node nd = {0};
	int rc;

	/* Inherited from the explore loop: budgets are ldfi's to look at, the
	 * node answers its rounds (it is killed when ldfi stops). */
	ldfi_rt_set_stop(NULL, NULL);
	ldfi_process_live_node(node);
	nd.conf = a->conf;
	nd.jdir = a->journal_dir;
	nd.node = node;
	nd.outs_sent = calloc((size_t)nd.conf->n_comps + 1, sizeof(int));
	nd.env = malloc(LDFI_LIVE_BATCH * sizeof(*nd.env));
	nd.penv = malloc(LDFI_LIVE_BATCH * sizeof(*nd.penv));
	nd.out = malloc(LDFI_LIVE_BATCH * sizeof(*nd.out));
	nd.pout = malloc(LDFI_LIVE_BATCH * sizeof(*nd.pout));
	nd.tok = malloc(LDFI_LIVE_BATCH * sizeof(*nd.tok));
	nd.ptok = malloc(LDFI_LIVE_BATCH * sizeof(*nd.ptok));
	if (!nd.outs_sent || !nd.env || !nd.penv || !nd.out || !nd.pout || !nd.tok || !nd.ptok)
		nd.open_rc = LDFI_ENOMEM;
	else
		nd.open_rc = ldfi_rt_node_open(nd.conf, node, &nd.rt);
	for (int i = 0; !nd.open_rc && i < LDFI_LIVE_BATCH; i++) {
		nd.penv[i] = &nd.env[i];
		nd.pout[i] = &nd.out[i];
		nd.ptok[i] = &nd.tok[i];
	}
	rc = ldfi_sup_serve(fd, on_frame, &nd);
	ldfi_journal_close(nd.journal);
	ldfi_rt_node_close(nd.rt);
	free(nd.deliv);
	free(nd.outs_sent);
	free(nd.emitted_sent);
	free(nd.env);
	free(nd.penv);
	free(nd.out);
	free(nd.pout);
	free(nd.tok);
	free(nd.ptok);
	return rc < 0 ? 2 : rc;
}
