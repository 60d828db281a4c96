/*
 * engine.c - the live engine's coordinator (live.h): forks the nodes, runs
 * the rounds in lockstep, numbers and routes every message, and builds the
 * trace exactly as the simulation does (runtime/runtime.c).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ldfi/conf.h"
#include "ldfi/faults.h"
#include "ldfi/ldfi.h"
#include "model/util.h"
#include "runtime/runtime.h"
#include "runtime/isolate.h"
#include "runtime/live/frame.h"
#include "runtime/live/live.h"
#include "runtime/live/supervisor.h"
#include "runtime/recindex.h"
#include "runtime/stage.h"
#include "runtime/runtime.h"

/* What one node sent during the current round's barrier. */
struct inbox {
	Ldfi__Live__Frame **frames; /* Tokens, Sent and Outputs frames, then RoundDone */
	size_t n, cap;
	size_t n_sent, n_outputs, n_tokens; /* counted, checked against RoundDone */
};

/* A node's memory tokens, k-th (counted over all its processes) -> the
 * trace's index. */
struct tokmap {
	uint32_t *g;
	size_t n, cap;
};

struct outvec {
	struct ldfi_output *v;
	int n, cap;
};

struct live {
	const struct ldfi_conf *conf;
	struct ldfi_trace *tr;
	struct ldfi_sup *sup;
	int round;
	unsigned char *omit;	   /* [t][a][b] for 1 <= t < eff */
	struct inbox *in;	   /* per node */
	struct outvec *outs;	   /* per comp * n_nodes + node */
	bool *replica;		   /* per comp * n_nodes + node: the replica exists */
	struct ldfi_recindex recs; /* tr->recs by name */
	size_t cap_msgs, cap_parents;
	uint32_t *deliv; /* indices of this round's deliveries */
	size_t cap_deliv;
	Ldfi__Live__Envelope *env; /* LDFI_LIVE_BATCH, for Deliver frames */
	Ldfi__Live__Envelope **penv;
	/* Restarts: the nodes' journals (a fresh folder per run) and tokens. */
	char *jdir;
	struct tokmap *tok; /* per node */
	size_t cap_mems;
	struct ldfi_live_node_arg narg;
	char *failure; /* LDFI_ESUT: why the run failed (a process stage's process) */
};

const char *ldfi_engine_name(enum ldfi_engine e)
{
	return e == LDFI_ENGINE_LIVE ? "live" : "sim";
}

int ldfi_engine_parse(const char *s, enum ldfi_engine *e)
{
	if (strcmp(s, "sim") == 0)
		*e = LDFI_ENGINE_SIM;
	else if (strcmp(s, "live") == 0)
		*e = LDFI_ENGINE_LIVE;
	else
		return LDFI_EINVAL;
	return 0;
}

/* --- records by name, numbered as the simulation numbers them --- */

/* A record a node names: known already (or created this round by it). */
static int rec_lookup(struct live *lv, const char *name, char *err, size_t errlen)
{
	int r = ldfi_recindex_find(&lv->recs, lv->tr, name);

	if (r < 0)
		snprintf(err, errlen, "unknown record '%.100s'", name);
	return r < 0 ? LDFI_EFORMAT : r;
}

/* Append the parent ids node `node` gave `what`, its own memory tokens
 * renumbered as the trace's, checking that each names a message sent
 * before or a token the node reported; *off receives where. */
static int push_parents(struct live *lv, int node, const uint32_t *ids, size_t n, uint32_t *off,
			const char *what, char *err, size_t errlen)
{
	struct ldfi_trace *tr = lv->tr;
	const struct tokmap *tm = &lv->tok[node];

	if (ldfi_grow(&tr->parents, &lv->cap_parents, tr->n_parents + n, sizeof(*tr->parents), 16))
		return LDFI_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		uint32_t id = ids[i];

		if (LDFI_IS_MEM(id) ? LDFI_MEM_INDEX(id) >= tm->n : id == 0 || id > tr->n_msgs) {
			snprintf(err, errlen, "%s derived from unknown %s %u", what,
				 LDFI_IS_MEM(id) ? "memory token" : "message", LDFI_MEM_INDEX(id));
			return LDFI_EFORMAT;
		}
		tr->parents[tr->n_parents + i] =
		    LDFI_IS_MEM(id) ? LDFI_MEM_ID(tm->g[LDFI_MEM_INDEX(id)]) : id;
	}
	*off = (uint32_t)tr->n_parents;
	tr->n_parents += n;
	return 0;
}

/* --- one round --- */

static bool is_replica(const struct live *lv, uint32_t comp, uint32_t node)
{
	return comp < (uint32_t)lv->conf->n_comps && node < (uint32_t)lv->conf->n_nodes &&
	       lv->replica[comp * (uint32_t)lv->conf->n_nodes + node];
}

/* Barrier callback: keep the node's frames until every node has answered. */
static int on_frame(void *arg, int node, Ldfi__Live__Frame *f, char *err, size_t errlen)
{
	struct live *lv = arg;
	struct inbox *in = &lv->in[node];
	int done = 0;

	switch (f->body_case) {
	case LDFI__LIVE__FRAME__BODY_SENT:
		in->n_sent += f->sent->n_msgs;
		break;
	case LDFI__LIVE__FRAME__BODY_OUTPUTS:
		in->n_outputs += f->outputs->n_outs;
		break;
	case LDFI__LIVE__FRAME__BODY_TOKENS:
		in->n_tokens += f->tokens->n_toks;
		break;
	case LDFI__LIVE__FRAME__BODY_ROUND_DONE:
		if (f->round_done->round != (uint32_t)lv->round ||
		    f->round_done->n_sent != in->n_sent ||
		    f->round_done->n_outputs != in->n_outputs ||
		    f->round_done->n_tokens != in->n_tokens) {
			snprintf(err, errlen,
				 "round done for round %u with %u sends, %u outputs and %u "
				 "tokens, but %zu, %zu and %zu came",
				 f->round_done->round, f->round_done->n_sent,
				 f->round_done->n_outputs, f->round_done->n_tokens, in->n_sent,
				 in->n_outputs, in->n_tokens);
			ldfi_frame_free(f);
			return LDFI_EFORMAT;
		}
		done = 1;
		break;
	default:
		snprintf(err, errlen, "unexpected frame (%d)", f->body_case);
		ldfi_frame_free(f);
		return LDFI_EFORMAT;
	}
	if (ldfi_grow(&in->frames, &in->cap, in->n + 1, sizeof(*in->frames), 16)) {
		ldfi_frame_free(f);
		snprintf(err, errlen, "out of memory");
		return LDFI_ENOMEM;
	}
	in->frames[in->n++] = f;
	return done;
}

static int take_send(struct live *lv, int node, const Ldfi__Live__Envelope *e, char *err,
		     size_t errlen)
{
	struct ldfi_trace *tr = lv->tr;
	struct ldfi_msg *m;
	int rec, rc;

	if (e->src_node != (uint32_t)node || !is_replica(lv, e->src_stage, e->src_node) ||
	    !is_replica(lv, e->dst_stage, e->dst_node) || e->round != (uint32_t)lv->round ||
	    e->kind > LDFI__LIVE__MSG_KIND__MSG_ACK ||
	    e->delivery > LDFI__LIVE__DELIVERY__DELIVERY_ACK ||
	    e->parents > LDFI__LIVE__PARENTS__PARENTS_ANY) {
		snprintf(err, errlen, "a send that does not fit the pipeline");
		return LDFI_EFORMAT;
	}
	if ((rec = rec_lookup(lv, e->record, err, errlen)) < 0)
		return rec;
	if (tr->n_msgs >= LDFI_MAX_MESSAGES)
		return LDFI_ELIMIT;
	if (ldfi_grow(&tr->msgs, &lv->cap_msgs, tr->n_msgs + 1, sizeof(*tr->msgs), 16))
		return LDFI_ENOMEM;
	m = &tr->msgs[tr->n_msgs];
	*m = ldfi_frame_msg(e); /* e->round == lv->round, checked above */
	m->id = (uint32_t)tr->n_msgs + 1;
	m->rec = rec;
	m->n_parents = (uint32_t)e->n_parent_ids;
	if ((rc = push_parents(lv, node, e->parent_ids, e->n_parent_ids, &m->parents_off, "a send",
			       err, errlen)))
		return rc;
	ldfi_rt_fate(lv->tr, lv->omit, m);
	tr->n_msgs++;
	return 0;
}

static int take_output(struct live *lv, int node, const Ldfi__Live__Output *o, char *err,
		       size_t errlen)
{
	struct outvec *v;
	struct ldfi_output *w;
	int rec, rc;

	if (!is_replica(lv, o->stage, (uint32_t)node) || o->round != (uint32_t)lv->round) {
		snprintf(err, errlen, "an output that does not fit the pipeline");
		return LDFI_EFORMAT;
	}
	v = &lv->outs[o->stage * (uint32_t)lv->conf->n_nodes + (uint32_t)node];
	if (o->pos != (uint32_t)v->n) {
		snprintf(err, errlen, "output at position %u, expected %d", o->pos, v->n);
		return LDFI_EFORMAT;
	}
	if ((rec = rec_lookup(lv, o->record, err, errlen)) < 0)
		return rec;
	if (v->n == v->cap) {
		int cap = v->cap ? 2 * v->cap : 16;
		struct ldfi_output *p = realloc(v->v, (size_t)cap * sizeof(*p));

		if (!p)
			return LDFI_ENOMEM;
		v->v = p;
		v->cap = cap;
	}
	w = &v->v[v->n];
	*w = (struct ldfi_output){(int32_t)o->stage,	     node,	    v->n, rec, lv->round, 0,
				  (uint32_t)o->n_parent_ids, o->conditional};
	if ((rc = push_parents(lv, node, o->parent_ids, o->n_parent_ids, &w->parents_off,
			       "an output", err, errlen)))
		return rc;
	v->n++;
	return 0;
}

/* A memory token node `node` made: the trace's next, in the order the
 * simulation makes them (nodes in name order, each node's in its order). */
static int take_token(struct live *lv, int node, const Ldfi__Live__Token *t, char *err,
		      size_t errlen)
{
	struct ldfi_trace *tr = lv->tr;
	struct tokmap *tm = &lv->tok[node];
	struct ldfi_memtok *m;
	int rc;

	if (t->from < 0 || t->from > t->to || t->to > lv->round) {
		snprintf(err, errlen, "a memory token from round %d to %d", t->from, t->to);
		return LDFI_EFORMAT;
	}
	if (tr->n_msgs + tr->n_mems >= LDFI_MAX_MESSAGES)
		return LDFI_ELIMIT;
	if (ldfi_grow(&tr->mems, &lv->cap_mems, tr->n_mems + 1, sizeof(*tr->mems), 64) ||
	    ldfi_grow(&tm->g, &tm->cap, tm->n + 1, sizeof(*tm->g), 16))
		return LDFI_ENOMEM;
	m = &tr->mems[tr->n_mems];
	*m = (struct ldfi_memtok){node,		 t->from, t->to, 0, (uint32_t)t->n_parent_ids,
				  t->parents_any};
	if ((rc = push_parents(lv, node, t->parent_ids, t->n_parent_ids, &m->parents_off,
			       "a memory token", err, errlen)))
		return rc;
	tm->g[tm->n++] = (uint32_t)tr->n_mems++;
	return 0;
}

/* Fold node `node`'s answer into the trace: the records it created, its
 * sends (numbered now, in its order), its outputs, what it emitted. */
static int take_answer(struct live *lv, int node, char *err, size_t errlen)
{
	struct inbox *in = &lv->in[node];
	const Ldfi__Live__RoundDone *d = in->frames[in->n - 1]->round_done;
	int rc, r;

	for (size_t i = 0; i < d->n_created; i++)
		if ((r = ldfi_recindex_intern(&lv->recs, lv->tr, d->created[i])) < 0)
			return r;
	for (size_t i = 0; i + 1 < in->n; i++) {
		const Ldfi__Live__Frame *f = in->frames[i];

		if (f->body_case == LDFI__LIVE__FRAME__BODY_TOKENS) {
			for (size_t k = 0; k < f->tokens->n_toks; k++)
				if ((rc = take_token(lv, node, f->tokens->toks[k], err, errlen)))
					return rc;
		} else if (f->body_case == LDFI__LIVE__FRAME__BODY_SENT) {
			for (size_t k = 0; k < f->sent->n_msgs; k++)
				if ((rc = take_send(lv, node, f->sent->msgs[k], err, errlen)))
					return rc;
		} else {
			for (size_t k = 0; k < f->outputs->n_outs; k++)
				if ((rc = take_output(lv, node, f->outputs->outs[k], err, errlen)))
					return rc;
		}
	}
	for (size_t i = 0; i < d->n_emitted; i++) {
		if ((r = rec_lookup(lv, d->emitted[i], err, errlen)) < 0)
			return r;
		lv->tr->recs[r].emitted = true;
	}
	return 0;
}

static void inbox_clear(struct inbox *in)
{
	for (size_t i = 0; i < in->n; i++)
		ldfi_frame_free(in->frames[i]);
	in->n = in->n_sent = in->n_outputs = in->n_tokens = 0;
}

static int send_frame(struct live *lv, int node, Ldfi__Live__Frame *f, char *err, size_t errlen)
{
	int rc = ldfi_sup_send(lv->sup, node, f);

	if (rc)
		snprintf(err, errlen, "cannot queue a frame for node %s: %s",
			 lv->conf->nodes[node].name, ldfi_strerror(rc));
	return rc;
}

static int flush_deliver(struct live *lv, int node, size_t k, char *err, size_t errlen)
{
	Ldfi__Live__Frame f = LDFI__LIVE__FRAME__INIT;
	Ldfi__Live__Deliver d = LDFI__LIVE__DELIVER__INIT;

	d.n_msgs = k;
	d.msgs = lv->penv;
	f.body_case = LDFI__LIVE__FRAME__BODY_DELIVER;
	f.deliver = &d;
	return send_frame(lv, node, &f, err, errlen);
}

/* Whether `node` comes back up this round after restart(node, t). */
static bool back_up(const struct live *lv, int node)
{
	const struct ldfi_trace *tr = lv->tr;
	int t = tr->restart_round[node], c = tr->crash_round[node];

	return t && lv->round == t + tr->downtime && !(c && c <= lv->round);
}

/* Start round `lv->round` on every running node, with the messages sent in
 * [from, to) that arrive, in canonical order. */
static int start_round(struct live *lv, size_t from, size_t to, char *err, size_t errlen)
{
	const struct ldfi_trace *tr = lv->tr;
	size_t n, j = 0;
	int rc;

	if (ldfi_grow(&lv->deliv, &lv->cap_deliv, to - from + 1, sizeof(*lv->deliv), 16))
		return LDFI_ENOMEM;
	n = ldfi_rt_deliveries(tr, from, to, lv->deliv);
	for (int node = 0; node < lv->conf->n_nodes; node++) {
		Ldfi__Live__Frame f = LDFI__LIVE__FRAME__INIT;
		Ldfi__Live__StartRound sr = LDFI__LIVE__START_ROUND__INIT;
		Ldfi__Live__EndDeliveries ed = LDFI__LIVE__END_DELIVERIES__INIT;
		size_t k = 0, count = 0;

		if (!ldfi_sup_running(lv->sup, node)) {
			while (j < n && tr->msgs[lv->deliv[j]].dst_node == node)
				j++;
			continue;
		}
		sr.round = (uint32_t)lv->round;
		if (back_up(lv, node))
			sr.down_from = (uint32_t)tr->restart_round[node];
		f.body_case = LDFI__LIVE__FRAME__BODY_START_ROUND;
		f.start_round = &sr;
		if ((rc = send_frame(lv, node, &f, err, errlen)))
			return rc;
		for (; j < n && tr->msgs[lv->deliv[j]].dst_node == node; j++) {
			const struct ldfi_msg *m = &tr->msgs[lv->deliv[j]];
			ldfi_frame_envelope(tr, m, false, &lv->env[k]);
			count++;
			if (++k == LDFI_LIVE_BATCH) {
				if ((rc = flush_deliver(lv, node, k, err, errlen)))
					return rc;
				k = 0;
			}
		}
		if (k && (rc = flush_deliver(lv, node, k, err, errlen)))
			return rc;
		ed.round = (uint32_t)lv->round;
		ed.count = (uint32_t)count;
		f = (Ldfi__Live__Frame)LDFI__LIVE__FRAME__INIT;
		f.body_case = LDFI__LIVE__FRAME__BODY_END_DELIVERIES;
		f.end_deliveries = &ed;
		if ((rc = send_frame(lv, node, &f, err, errlen)))
			return rc;
	}
	return 0;
}

/* A failure of the run (LDFI_ESUT) with its reason `why`, kept whole. */
static int run_failed(struct live *lv, const char *why)
{
	free(lv->failure);
	return (lv->failure = strdup(why)) ? LDFI_ESUT : LDFI_ENOMEM;
}

/* New processes for the process stages of `node`, back up after a
 * restart, before its new node process is forked. */
static int processes_up(struct live *lv, int node, char *err, size_t errlen)
{
	char why[4096];
	int rc = ldfi_process_live_up(node, why, sizeof(why));

	if (rc == LDFI_ESUT)
		return run_failed(lv, why);
	if (rc)
		snprintf(err, errlen, "%s", why);
	return rc;
}

static int run_round(struct live *lv, size_t from, size_t to, char *err, size_t errlen)
{
	const struct ldfi_conf *conf = lv->conf;
	int rc = 0;

	/* A crash or a restart in this round: the node's process dies now, by
	 * SIGKILL (a restarted node's process stages' processes with it); a
	 * restarted one back up gets a new process, which reads its journal
	 * (StartRound's down_from), and new processes for its process stages. */
	for (int node = 0; node < conf->n_nodes && !rc; node++) {
		if ((lv->tr->crash_round[node] == lv->round ||
		     lv->tr->restart_round[node] == lv->round) &&
		    ldfi_sup_running(lv->sup, node))
			ldfi_sup_kill(lv->sup, node);
		if (lv->tr->restart_round[node] == lv->round)
			ldfi_process_live_down(node);
		if (back_up(lv, node) && !(rc = processes_up(lv, node, err, errlen)))
			rc = ldfi_sup_respawn(lv->sup, node, err, errlen);
	}
	if (rc || (rc = start_round(lv, from, to, err, errlen)))
		goto out;
	if ((rc = ldfi_sup_barrier(lv->sup, lv->round, err, errlen)) == LDFI_ESUT &&
	    !(lv->failure = ldfi_sup_take_failure(lv->sup)))
		rc = LDFI_ENOMEM;
	if (rc)
		goto out;
	for (int node = 0; node < conf->n_nodes && !rc; node++) {
		if (!ldfi_sup_running(lv->sup, node))
			continue;
		if ((rc = take_answer(lv, node, err, errlen)) && !err[0])
			snprintf(err, errlen, "%s", ldfi_strerror(rc));
		else if (rc == LDFI_EFORMAT) {
			char msg[256];

			snprintf(msg, sizeof(msg), "%s", err);
			snprintf(err, errlen, "node %s, round %d: %s", conf->nodes[node].name,
				 lv->round, msg);
		}
	}
out:
	for (int node = 0; node < conf->n_nodes; node++)
		inbox_clear(&lv->in[node]);
	return rc;
}

/* --- the run --- */

static int setup(struct live *lv, const struct ldfi_faults *faults)
{
	const struct ldfi_conf *conf = lv->conf;
	struct ldfi_trace *tr = lv->tr;
	size_t n = (size_t)conf->n_nodes;
	int rc;

	if ((rc = ldfi_trace_init(tr, conf)))
		return rc;
	if (ldfi_faults_copy(&tr->faults, faults))
		return LDFI_ENOMEM;
	if ((rc = ldfi_recindex_init(&lv->recs, tr)))
		return rc;
	lv->omit = ldfi_rt_plan_faults(tr);
	lv->in = calloc(n + 1, sizeof(*lv->in));
	lv->outs = calloc((size_t)conf->n_comps * n + 1, sizeof(*lv->outs));
	lv->replica = calloc((size_t)conf->n_comps * n + 1, sizeof(*lv->replica));
	lv->env = malloc(LDFI_LIVE_BATCH * sizeof(*lv->env));
	lv->penv = malloc(LDFI_LIVE_BATCH * sizeof(*lv->penv));
	lv->tok = calloc(n + 1, sizeof(*lv->tok));
	if (!lv->omit || !lv->in || !lv->outs || !lv->replica || !lv->env || !lv->penv || !lv->tok)
		return LDFI_ENOMEM;
	for (int i = 0; i < LDFI_LIVE_BATCH; i++)
		lv->penv[i] = &lv->env[i];
	for (int c = 0; c < conf->n_comps; c++)
		for (int i = 0; i < conf->comps[c].n_nodes; i++)
			lv->replica[(size_t)c * n + (size_t)conf->comps[c].nodes[i]] = true;
	return 0;
}

/* Every replica's outputs into the trace, grouped by replica in (component,
 * node) order, as the simulation lists them. */
static int collect_outputs(struct live *lv)
{
	struct ldfi_trace *tr = lv->tr;
	size_t total = 0, k = (size_t)lv->conf->n_comps * (size_t)lv->conf->n_nodes;

	for (size_t i = 0; i < k; i++)
		total += (size_t)lv->outs[i].n;
	if (!(tr->outs = malloc((total ? total : 1) * sizeof(*tr->outs))))
		return LDFI_ENOMEM;
	for (size_t i = 0; i < k; i++) {
		if (!lv->outs[i].n)
			continue;
		memcpy(tr->outs + tr->n_outs, lv->outs[i].v,
		       (size_t)lv->outs[i].n * sizeof(*tr->outs));
		tr->n_outs += (size_t)lv->outs[i].n;
	}
	return 0;
}

static void live_finish(struct live *lv)
{
	size_t k = (size_t)lv->conf->n_comps * (size_t)lv->conf->n_nodes;

	for (int i = 0; lv->in && i < lv->conf->n_nodes; i++) {
		inbox_clear(&lv->in[i]);
		free(lv->in[i].frames);
	}
	for (size_t i = 0; lv->outs && i < k; i++)
		free(lv->outs[i].v);
	for (int i = 0; lv->tok && i < lv->conf->n_nodes; i++)
		free(lv->tok[i].g);
	free(lv->tok);
	free(lv->in);
	free(lv->outs);
	free(lv->replica);
	free(lv->omit);
	ldfi_recindex_finish(&lv->recs);
	free(lv->deliv);
	free(lv->env);
	free(lv->penv);
	free(lv->failure);
	lv->failure = NULL;
}

/* LDFI_LIVE_TIME_LIMIT_MS from the environment, or the default; with
 * process stages, beyond their own run_timeout (and a minute for each
 * restart's new processes to start), which fails the run with its reason. */
static int time_limit_ms(const struct ldfi_conf *conf)
{
	const char *s = getenv("LDFI_LIVE_TIME_LIMIT_MS");
	long v = s ? strtol(s, NULL, 10) : 0;

	if (v > 0 && v <= 86400000)
		return (int)v;
	if (!ldfi_conf_has_processes(conf))
		return LDFI_LIVE_TIME_LIMIT_MS;
	v = LDFI_LIVE_TIME_LIMIT_MS + 1000L * (conf->run_timeout + 60L * conf->restarts);
	return v <= 86400000 ? (int)v : 86400000;
}

/* With restarts, a fresh folder for the nodes' journals (journal.h). */
static int make_journal_dir(struct live *lv, char *err, size_t errlen)
{
	const char *tmp = getenv("TMPDIR");
	char path[4096];

	if (lv->conf->restarts <= 0)
		return 0;
	snprintf(path, sizeof(path), "%s/ldfi-live.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(path)) {
		snprintf(err, errlen, "cannot create a folder for the journals (%s): %s", path,
			 strerror(errno));
		return LDFI_EIO;
	}
	if (!(lv->jdir = strdup(path))) {
		rmdir(path);
		return LDFI_ENOMEM;
	}
	lv->narg.journal_dir = lv->jdir;
	return 0;
}

/* Once every node process is gone: the journals and their folder. */
static void remove_journal_dir(struct live *lv)
{
	char path[4096];

	if (!lv->jdir)
		return;
	for (int i = 0; i < lv->conf->n_nodes; i++) {
		snprintf(path, sizeof(path), "%s/%s.journal", lv->jdir, lv->conf->nodes[i].name);
		unlink(path);
	}
	rmdir(lv->jdir);
	free(lv->jdir);
	lv->jdir = NULL;
}

/* Fork the nodes, run rounds 1..eot, shut the nodes down. */
static int run_nodes(struct live *lv, char *err, size_t errlen)
{
	const struct ldfi_conf *conf = lv->conf;
	const char **names = malloc(((size_t)conf->n_nodes + 1) * sizeof(*names));
	struct ldfi_sup_opts o = {conf->n_nodes,
				  names,
				  ldfi_live_node_main,
				  &lv->narg,
				  on_frame,
				  lv,
				  time_limit_ms(conf),
				  LDFI_LIVE_GRACE_MS,
				  ldfi_process_node_fds};
	size_t from = 0, to = 0;
	char cerr[512] = "", why[4096];
	int rc, crc;

	if (!names)
		return LDFI_ENOMEM;
	lv->narg.conf = conf;
	if ((rc = ldfi_process_live_begin(conf, why, sizeof(why)))) {
		free(names);
		ldfi_process_live_end();
		if (rc == LDFI_ESUT)
			return run_failed(lv, why);
		snprintf(err, errlen, "%s", why);
		return rc;
	}
	if ((rc = make_journal_dir(lv, err, errlen))) {
		ldfi_process_live_end();
		free(names);
		return rc;
	}
	for (int i = 0; i < conf->n_nodes; i++)
		names[i] = conf->nodes[i].name;
	if ((rc = ldfi_sup_start(&o, &lv->sup, err, errlen))) {
		ldfi_process_live_end();
		remove_journal_dir(lv);
		free(names);
		/* Too many descriptors for one node: the conf's, not a run's
		 * (LDFI_ELIMIT from an execution means too many messages). */
		return rc == LDFI_ELIMIT ? LDFI_EINVAL : rc;
	}
	for (lv->round = 1; lv->round <= conf->eot && !rc; lv->round++) {
		if (ldfi_rt_stop_requested()) {
			snprintf(err, errlen, "%s", ldfi_strerror(LDFI_ESTOPPED));
			rc = LDFI_ESTOPPED;
			break;
		}
		rc = run_round(lv, from, to, err, errlen);
		from = to;
		to = lv->tr->n_msgs;
	}
	if (rc) {
		ldfi_sup_abort(lv->sup); /* the run failed: no point waiting for anyone */
	} else if ((crc = ldfi_sup_close(lv->sup, cerr, sizeof(cerr)))) {
		rc = crc;
		snprintf(err, errlen, "%s", cerr);
	}
	lv->sup = NULL;
	ldfi_process_live_end(); /* every node process is gone */
	remove_journal_dir(lv);
	free(names);
	return rc;
}

/* As the simulation's (runtime.c): plugin and process checks are given
 * the fault-free run too. */
static bool needs_fault_free(const struct ldfi_conf *conf)
{
	for (int i = 0; i < conf->n_checks; i++)
		if (conf->checks[i].kind == LDFI_CHECK_MATCHES_FAULT_FREE ||
		    conf->checks[i].kind == LDFI_CHECK_PLUGIN ||
		    conf->checks[i].kind == LDFI_CHECK_PROCESS)
			return true;
	return false;
}

/* The run failed (lv->failure, taken): a failed trace in *out. */
static int failed_run(struct live *lv, const struct ldfi_faults *faults, struct ldfi_trace *ff,
		      struct ldfi_trace **out, char *err)
{
	char *why = lv->failure;

	lv->failure = NULL;
	live_finish(lv);
	ldfi_trace_destroy(lv->tr);
	ldfi_trace_destroy(ff);
	err[0] = 0;
	return ldfi_rt_failed_run(lv->conf, faults, why, out);
}

int ldfi_live_exec(const struct ldfi_conf *conf, const struct ldfi_faults *faults,
		   const struct ldfi_trace *fault_free, struct ldfi_trace **out, char *err,
		   size_t errlen)
{
	struct ldfi_trace *ff = NULL;
	struct live lv = {0};
	int rc;

	*out = NULL;
	err[0] = 0;
	if (!fault_free && faults->n > 0 && needs_fault_free(conf)) {
		struct ldfi_faults none = {0};

		if ((rc = ldfi_live_exec(conf, &none, NULL, &ff, err, errlen)))
			return rc;
		fault_free = ff;
	}
	lv.conf = conf;
	if (!(lv.tr = calloc(1, sizeof(*lv.tr)))) {
		rc = LDFI_ENOMEM;
		goto err_trace;
	}
	if (!(rc = setup(&lv, faults)) && (rc = run_nodes(&lv, err, errlen)) == LDFI_ESTAGE &&
	    ldfi_conf_has_plugins(conf)) {
		/* A node process died or hung, as a plugin in the simulation's
		 * isolated child would: a failed run (runtime/isolate.h), not
		 * ldfi's error. Built-in stages do not crash; there it is ours. */
		lv.failure = strdup(err);
		rc = LDFI_ESUT;
	}
	if (rc == LDFI_ESUT) /* a failed run: a plugin, a process stage */
		return failed_run(&lv, faults, ff, out, err);
	if (rc || (rc = collect_outputs(&lv)))
		goto err_run;
	if ((rc = ldfi_checks_eval(lv.tr, faults->n ? fault_free : lv.tr)) == LDFI_ESUT) {
		lv.failure = ldfi_process_take_failure(); /* a process check failed */
		return failed_run(&lv, faults, ff, out, err);
	}
	if (rc)
		goto err_run;
	live_finish(&lv);
	ldfi_trace_destroy(ff);
	*out = lv.tr;
	return 0;

err_run:
	if (!err[0])
		snprintf(err, errlen, "%s", ldfi_strerror(rc));
	live_finish(&lv);
	ldfi_trace_destroy(lv.tr);
err_trace:
	ldfi_trace_destroy(ff);
	return rc;
}

int ldfi_engine_exec(enum ldfi_engine e, const struct ldfi_conf *conf,
		     const struct ldfi_faults *faults, const struct ldfi_trace *fault_free,
		     struct ldfi_trace **out, char *err, size_t errlen)
{
	int rc;

	if (e == LDFI_ENGINE_LIVE)
		return ldfi_live_exec(conf, faults, fault_free, out, err, errlen);
	if (ldfi_conf_has_plugins(conf)) /* a crashing plugin fails the run, not ldfi */
		return ldfi_isolated_exec(conf, faults, fault_free, out, err, errlen);
	if ((rc = ldfi_runtime_exec(conf, faults, fault_free, out)))
		snprintf(err, errlen, "%s", ldfi_strerror(rc));
	return rc;
}
