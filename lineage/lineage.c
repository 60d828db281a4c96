/*
 * lineage.c - the fault space, the cut rule, and the supports of every good
 * outcome, accumulated across runs (see lineage.h).
 */
#include <stdlib.h>
#include <string.h>

#include "ldfi/ldfi.h"
#include "lineage/lineage.h"
#include "model/util.h"
#include "runtime/runtime.h"

/* The fault space: crash(n,t) for every node and 1 <= t <= eot, then
 * omit(a,b,t) for a != b and 1 <= t < eff, then restart(n,t) for every node
 * and 1 <= t <= eot - downtime; in canonical fault order. */
void ldfi_space_init(struct ldfi_space *sp, const struct ldfi_conf *conf)
{
	int n = conf->n_nodes, rounds = conf->eff > 1 ? conf->eff - 1 : 0;

	sp->conf = conf;
	sp->n_crash = conf->crashes > 0 ? n * conf->eot : 0;
	sp->n_omit = n * (n - 1) * rounds;
	sp->rrounds = conf->restarts > 0 ? conf->eot - conf->downtime : 0;
	sp->n_restart = sp->rrounds > 0 ? n * sp->rrounds : 0;
	sp->n_vars = sp->n_crash + sp->n_omit + sp->n_restart;
}

int ldfi_space_var(const struct ldfi_space *sp, const struct ldfi_fault *f)
{
	const struct ldfi_conf *conf = sp->conf;
	int n = conf->n_nodes;

	if (f->a < 0 || f->a >= n || f->t < 1)
		return 0;
	if (f->kind == LDFI_FAULT_CRASH) {
		if (!sp->n_crash || f->t > conf->eot)
			return 0;
		return 1 + f->a * conf->eot + (conf->eot - f->t);
	}
	if (f->kind == LDFI_FAULT_RESTART) {
		if (!sp->n_restart || f->t > sp->rrounds)
			return 0;
		return 1 + sp->n_crash + sp->n_omit + f->a * sp->rrounds + (sp->rrounds - f->t);
	}
	if (f->b < 0 || f->b >= n || f->b == f->a || f->t >= conf->eff)
		return 0;
	return 1 + sp->n_crash +
	       (f->a * (n - 1) + (f->b < f->a ? f->b : f->b - 1)) * (conf->eff - 1) + (f->t - 1);
}

void ldfi_space_rank(const struct ldfi_space *sp, int *rank)
{
	const struct ldfi_conf *conf = sp->conf;
	int n = conf->n_nodes, r = 1;

	for (int t = conf->eot; sp->n_crash && t >= 1; t--)
		for (int a = 0; a < n; a++)
			rank[ldfi_space_var(sp, &(struct ldfi_fault){LDFI_FAULT_CRASH, a, -1, t})] =
			    r++;
	for (int t = 1; t < conf->eff; t++)
		for (int a = 0; a < n; a++)
			for (int b = 0; b < n; b++)
				if (b != a)
					rank[ldfi_space_var(
					    sp, &(struct ldfi_fault){LDFI_FAULT_OMIT, a, b, t})] =
					    r++;
	for (int t = sp->rrounds; t >= 1; t--)
		for (int a = 0; a < n; a++)
			rank[ldfi_space_var(
			    sp, &(struct ldfi_fault){LDFI_FAULT_RESTART, a, -1, t})] = r++;
}

struct ldfi_fault ldfi_space_fault(const struct ldfi_space *sp, int var)
{
	const struct ldfi_conf *conf = sp->conf;
	struct ldfi_fault f;
	int i = var - 1, rounds = conf->eff - 1;

	if (i < sp->n_crash) {
		f.kind = LDFI_FAULT_CRASH;
		f.a = i / conf->eot;
		f.b = -1;
		f.t = conf->eot - i % conf->eot;
		return f;
	}
	i -= sp->n_crash;
	if (i >= sp->n_omit) {
		i -= sp->n_omit;
		f.kind = LDFI_FAULT_RESTART;
		f.a = i / sp->rrounds;
		f.b = -1;
		f.t = sp->rrounds - i % sp->rrounds;
		return f;
	}
	f.kind = LDFI_FAULT_OMIT;
	f.t = i % rounds + 1;
	i /= rounds;
	f.a = i / (conf->n_nodes - 1);
	f.b = i % (conf->n_nodes - 1);
	if (f.b >= f.a)
		f.b++;
	return f;
}

bool ldfi_space_is_omit(const struct ldfi_space *sp, int var)
{
	return var > sp->n_crash && var <= sp->n_crash + sp->n_omit;
}

int ldfi_space_node(const struct ldfi_space *sp, int var)
{
	return ldfi_space_is_omit(sp, var) ? -1 : ldfi_space_fault(sp, var).a;
}

/* Whether restart(n,t) has n down in `round`. */
static bool down_in(const struct ldfi_fault *f, int downtime, int round)
{
	return f->t <= round && round < f->t + downtime;
}

bool ldfi_fault_cuts(const struct ldfi_fault *f, const struct ldfi_msg *m,
		     const struct ldfi_conf *conf)
{
	if (f->kind == LDFI_FAULT_OMIT)
		return f->a == m->src_node && f->b == m->dst_node && f->t == m->send_round &&
		       m->src_node != m->dst_node && m->send_round < conf->eff;
	if (f->kind == LDFI_FAULT_RESTART)
		return (f->a == m->src_node && down_in(f, conf->downtime, m->send_round)) ||
		       (f->a == m->dst_node && m->send_round < conf->eot &&
			down_in(f, conf->downtime, m->send_round + 1));
	return (f->a == m->src_node && f->t <= m->send_round) ||
	       (f->a == m->dst_node && f->t <= m->send_round + 1);
}

int ldfi_faults_cut(const struct ldfi_faults *fs, const struct ldfi_msg *m,
		    const struct ldfi_conf *conf)
{
	for (int i = 0; i < fs->n; i++)
		if (ldfi_fault_cuts(&fs->v[i], m, conf))
			return i;
	return -1;
}

/* Outcomes are found by key through an open-addressing table. */
struct okey {
	int kind, rec, comp, node, peer_comp, peer_node, by;
};

struct ldfi_lineage {
	const struct ldfi_conf *conf;
	bool *held_sink;  /* per component: a check reads this sink's contents */
	bool acked;	  /* a check counts copies, so lost acks matter */
	bool *count_sink; /* per component: a check compares its copy counts */
	bool counts;
	bool *held_out; /* per component: a plugin check reads this plugin stage's outputs */
	char **names;	/* records stages named, in order first seen across runs */
	int n_names, cap_names;
	int n_src_recs;		/* records of sources: their indices are the same in every run */
	struct quorum *quorums; /* plugin checks with `holds = K` */
	int n_quorums;
	struct ldfi_space space;
	/* Per node: a restart of it can create something earlier than the
	 * runs without it had it (docs/lineage.md, Restarts: preemption). */
	bool *creating;
	bool *opaque; /* per node: it runs a plugin or process stage (same_runs) */
	struct ldfi_outcome *outs;
	int n_outs, cap_outs;
	int *slots; /* outcome index + 1, 0 = empty */
	size_t cap_slots;
	/* The distinct variable lists of supports (their faults and their
	 * conditions), each stored once: a few derivations recur under the
	 * faults of many runs, and one run's condition under several
	 * outcomes. Each set is [n, v1..vn]; a clause points past the n. */
	int **sets;
	size_t n_sets, cap_sets;
};

/* A relation read by a `holds = K` check: the sets of replicas (bit masks
 * over the relation's node positions) whose common loss breaks it. */
struct quorum {
	int comp;
	int *masks;
	int n_masks;
};

/* Every set of m of n positions (Gosper's hack); conf.c bounds the count. */
static int quorum_init(struct quorum *q, int comp, int n, int m)
{
	int cap = 16;

	q->comp = comp;
	q->n_masks = 0;
	if (!(q->masks = malloc((size_t)cap * sizeof(int))))
		return LDFI_ENOMEM;
	for (int v = (1 << m) - 1; v < (1 << n);) {
		int c = v & -v, r = v + c;

		if (q->n_masks == cap) {
			int *p = realloc(q->masks, (size_t)(cap *= 2) * sizeof(int));

			if (!p)
				return LDFI_ENOMEM;
			q->masks = p;
		}
		q->masks[q->n_masks++] = v;
		if (c == 0 || m == 0)
			break;
		v = (((r ^ v) >> 2) / c) | r;
	}
	return 0;
}

static int add_quorums_conf(struct ldfi_lineage *lin)
{
	const struct ldfi_conf *conf = lin->conf;

	lin->quorums = calloc((size_t)conf->n_checks + 1, sizeof(*lin->quorums));
	if (!lin->quorums)
		return LDFI_ENOMEM;
	for (int i = 0; i < conf->n_checks; i++) {
		const struct ldfi_check *c = &conf->checks[i];
		int n;

		if ((c->kind != LDFI_CHECK_PLUGIN && c->kind != LDFI_CHECK_PROCESS) ||
		    c->holds <= 0 || c->sink < 0)
			continue;
		n = conf->comps[c->sink].n_nodes;
		if (c->holds > n ||
		    quorum_init(&lin->quorums[lin->n_quorums++], c->sink, n, n - c->holds + 1))
			return LDFI_ENOMEM;
	}
	return 0;
}

/* Whether a stage whose effects a trace may not show runs there: a plugin
 * or process stage (its state, records it names emitted). */
static bool opaque(const struct ldfi_comp *c)
{
	return c->type == LDFI_COMP_STAGE &&
	       (c->kind == LDFI_KIND_PLUGIN || c->kind == LDFI_KIND_PROCESS);
}

/* Whether a restart of a node hosting `c` can make a copy, an ack or a
 * state entry appear earlier than it did without it: a durable sender under
 * ack (its recovery resends at once), a relay that forgets what it
 * forwarded (it forwards a later copy again), any plugin or process stage
 * (on_recover and a second init, or a process's recover, are arbitrary
 * code). Volatile senders stop, repeat senders keep their every-round
 * schedule, catch-up emissions come later. */
static bool creates(const struct ldfi_comp *c)
{
	if (opaque(c))
		return true;
	if (c->type == LDFI_COMP_STAGE && c->kind == LDFI_KIND_RELAY && c->dedup && !c->durable)
		return true;
	return c->durable && c->delivery == LDFI_DELIVERY_ACK;
}

/* Per node: lin->creating (creates) and lin->opaque (opaque). */
static int set_node_kinds(struct ldfi_lineage *lin)
{
	const struct ldfi_conf *conf = lin->conf;

	lin->creating = calloc((size_t)conf->n_nodes + 1, sizeof(bool));
	lin->opaque = calloc((size_t)conf->n_nodes + 1, sizeof(bool));
	if (!lin->creating || !lin->opaque)
		return LDFI_ENOMEM;
	for (int c = 0; c < conf->n_comps; c++)
		for (int i = 0; i < conf->comps[c].n_nodes; i++) {
			lin->creating[conf->comps[c].nodes[i]] |= creates(&conf->comps[c]);
			lin->opaque[conf->comps[c].nodes[i]] |= opaque(&conf->comps[c]);
		}
	return 0;
}

struct ldfi_lineage *ldfi_lineage_create(const struct ldfi_conf *conf)
{
	struct ldfi_lineage *lin = calloc(1, sizeof(*lin));

	if (!lin)
		return NULL;
	lin->conf = conf;
	ldfi_space_init(&lin->space, conf);
	lin->held_sink = calloc((size_t)conf->n_comps + 1, sizeof(bool));
	lin->count_sink = calloc((size_t)conf->n_comps + 1, sizeof(bool));
	lin->held_out = calloc((size_t)conf->n_comps + 1, sizeof(bool));
	if (!lin->held_sink || !lin->count_sink || !lin->held_out) {
		ldfi_lineage_destroy(lin);
		return NULL;
	}
	/* Only outcomes some check can notice become hypotheses: what a sink
	 * holds matters to every check on it; acks only to checks that count
	 * copies (a lost ack's effect is a duplicate). */
	for (int c = 0; c < conf->n_comps; c++)
		if (conf->comps[c].type == LDFI_COMP_SOURCE)
			lin->n_src_recs += conf->comps[c].n_records;
	for (int i = 0; i < conf->n_checks; i++) {
		const struct ldfi_check *c = &conf->checks[i];

		/* A plugin stage's relation is its outputs; a sink's, what it
		 * received. A plugin check on no relation may read any. A check
		 * that needs K holders breaks only when n - K + 1 lose a record:
		 * its outcomes are quorums (add_quorums_conf), not replicas. */
		bool custom = c->kind == LDFI_CHECK_PLUGIN || c->kind == LDFI_CHECK_PROCESS;

		for (int k = 0; k < conf->n_comps; k++) {
			if (custom && c->holds > 0)
				break;
			if (k != c->sink && !(c->sink < 0 && custom))
				continue;
			if (conf->comps[k].type == LDFI_COMP_SINK)
				lin->held_sink[k] = true;
			else if (conf->comps[k].type == LDFI_COMP_STAGE &&
				 (conf->comps[k].kind == LDFI_KIND_PLUGIN ||
				  conf->comps[k].kind == LDFI_KIND_PROCESS))
				lin->held_out[k] = true;
		}
		if (c->kind == LDFI_CHECK_NO_DUPLICATES || c->kind == LDFI_CHECK_EXACTLY_ONCE ||
		    c->kind == LDFI_CHECK_MATCHES_FAULT_FREE)
			lin->acked = true;
		if (c->kind == LDFI_CHECK_MATCHES_FAULT_FREE && c->sink >= 0 &&
		    !conf->comps[c->sink].dedup)
			lin->count_sink[c->sink] = lin->counts = true;
	}
	if (add_quorums_conf(lin) || set_node_kinds(lin)) {
		ldfi_lineage_destroy(lin);
		return NULL;
	}
	return lin;
}

void ldfi_lineage_destroy(struct ldfi_lineage *lin)
{
	if (!lin)
		return;
	for (int i = 0; i < lin->n_outs; i++)
		free(lin->outs[i].supports);
	for (size_t i = 0; i < lin->cap_sets; i++)
		free(lin->sets[i]);
	free(lin->sets);
	free(lin->outs);
	free(lin->slots);
	free(lin->held_sink);
	free(lin->count_sink);
	free(lin->held_out);
	free(lin->creating);
	free(lin->opaque);
	for (int i = 0; lin->quorums && i < lin->n_quorums; i++)
		free(lin->quorums[i].masks);
	free(lin->quorums);
	for (int i = 0; i < lin->n_names; i++)
		free(lin->names[i]);
	free(lin->names);
	free(lin);
}

const struct ldfi_space *ldfi_lineage_space(const struct ldfi_lineage *lin)
{
	return &lin->space;
}

int ldfi_lineage_n_outcomes(const struct ldfi_lineage *lin)
{
	return lin->n_outs;
}

const struct ldfi_outcome *ldfi_lineage_outcome(const struct ldfi_lineage *lin, int i)
{
	return &lin->outs[i];
}

static size_t key_hash(const struct okey *k)
{
	const int v[] = {k->kind, k->rec, k->comp, k->node, k->peer_comp, k->peer_node, k->by};

	return ldfi_hash_ints(v, sizeof(v) / sizeof(v[0]));
}

static bool key_eq(const struct ldfi_outcome *o, const struct okey *k)
{
	return (int)o->kind == k->kind && o->rec == k->rec && o->comp == k->comp &&
	       o->node == k->node && o->peer_comp == k->peer_comp && o->peer_node == k->peer_node &&
	       o->by == k->by;
}

static int *slot_for(struct ldfi_lineage *lin, const struct okey *k)
{
	size_t mask = lin->cap_slots - 1, i = key_hash(k) & mask;

	while (lin->slots[i] && !key_eq(&lin->outs[lin->slots[i] - 1], k))
		i = (i + 1) & mask;
	return &lin->slots[i];
}

static int grow_slots(struct ldfi_lineage *lin)
{
	size_t cap = lin->cap_slots ? 2 * lin->cap_slots : 256;
	int *old = lin->slots;

	lin->slots = calloc(cap, sizeof(int));
	if (!lin->slots) {
		lin->slots = old;
		return LDFI_ENOMEM;
	}
	lin->cap_slots = cap;
	for (int i = 0; i < lin->n_outs; i++) {
		const struct ldfi_outcome *o = &lin->outs[i];
		struct okey k = {(int)o->kind, o->rec,	     o->comp, o->node,
				 o->peer_comp, o->peer_node, o->by};

		*slot_for(lin, &k) = i + 1;
	}
	free(old);
	return 0;
}

/* The outcome of key `k`, created if new; NULL on ENOMEM. */
static struct ldfi_outcome *outcome(struct ldfi_lineage *lin, const struct okey *k)
{
	int *slot;

	if (2 * ((size_t)lin->n_outs + 1) > lin->cap_slots && grow_slots(lin))
		return NULL;
	slot = slot_for(lin, k);
	if (*slot)
		return &lin->outs[*slot - 1];
	if (lin->n_outs == lin->cap_outs) {
		int cap = lin->cap_outs ? 2 * lin->cap_outs : 64;
		struct ldfi_outcome *p = realloc(lin->outs, (size_t)cap * sizeof(*p));

		if (!p)
			return NULL;
		lin->outs = p;
		lin->cap_outs = cap;
	}
	lin->outs[lin->n_outs] = (struct ldfi_outcome){(enum ldfi_outcome_kind)k->kind,
						       k->rec,
						       k->comp,
						       k->node,
						       k->peer_comp,
						       k->peer_node,
						       k->by,
						       NULL,
						       0,
						       0,
						       0};
	*slot = ++lin->n_outs;
	return &lin->outs[lin->n_outs - 1];
}

/* Is every variable of a (sorted) also in b (sorted)? */
bool ldfi_vars_subset(const int *a, int na, const int *b, int nb)
{
	int j = 0;

	if (na > nb)
		return false;
	for (int i = 0; i < na; i++) {
		while (j < nb && b[j] < a[i])
			j++;
		if (j == nb || b[j] != a[i])
			return false;
	}
	return true;
}

/* A bit per variable of v[0..n) among 64 * `words` (1 or 2), so that "a
 * within b" needs sig(a) within sig(b): a subset test skipped at the cost
 * of an AND or two when it cannot hold. */
static void sig_of(const int *v, int n, uint64_t *sig, int words)
{
	int shift = words == 2 ? 57 : 58;

	sig[0] = 0;
	if (words == 2)
		sig[1] = 0;
	for (int i = 0; i < n; i++) {
		uint64_t b = ((uint64_t)(unsigned)v[i] * 0x9E3779B97F4A7C15ull) >> shift;

		sig[b >> 6] |= 1ull << (b & 63);
	}
}

/* Does support a imply the support (vars, neg) of signatures sig, nsig
 * (a's faults within its faults, a's condition within its condition)? */
static bool implies(const struct ldfi_clause *a, const int *vars, int n, const int *neg, int n_neg,
		    const uint64_t *sig, uint64_t nsig)
{
	return !(a->nsig & ~nsig) && !(a->sig[0] & ~sig[0]) && !(a->sig[1] & ~sig[1]) &&
	       ldfi_vars_subset(a->neg, a->n_neg, neg, n_neg) &&
	       ldfi_vars_subset(a->vars, a->n, vars, n);
}

/* The slot of v[0..n) in lin->sets: where it is, or the empty one where it
 * goes (cap_sets is a power of two, at most half full). */
static size_t set_slot(const struct ldfi_lineage *lin, const int *v, int n)
{
	size_t mask = lin->cap_sets - 1, i = ldfi_hash_ints(v, (size_t)n) & mask;

	for (; lin->sets[i]; i = (i + 1) & mask)
		if (lin->sets[i][0] == n &&
		    (n == 0 || !memcmp(lin->sets[i] + 1, v, (size_t)n * sizeof(int))))
			break;
	return i;
}

/* The stored copy of the list v[0..n), shared by every clause that has it;
 * NULL on ENOMEM. */
static int *intern(struct ldfi_lineage *lin, const int *v, int n)
{
	size_t i;

	if (2 * (lin->n_sets + 1) > lin->cap_sets) {
		struct ldfi_lineage grown = *lin;

		grown.cap_sets = lin->cap_sets ? 2 * lin->cap_sets : 64;
		if (!(grown.sets = calloc(grown.cap_sets, sizeof(*grown.sets))))
			return NULL;
		for (size_t j = 0; j < lin->cap_sets; j++)
			if (lin->sets[j])
				grown.sets[set_slot(&grown, lin->sets[j] + 1, lin->sets[j][0])] =
				    lin->sets[j];
		free(lin->sets);
		lin->sets = grown.sets;
		lin->cap_sets = grown.cap_sets;
	}
	i = set_slot(lin, v, n);
	if (!lin->sets[i]) {
		if (!(lin->sets[i] = malloc(((size_t)n + 1) * sizeof(int))))
			return NULL;
		lin->sets[i][0] = n;
		if (n)
			memcpy(lin->sets[i] + 1, v, (size_t)n * sizeof(int));
		lin->n_sets++;
	}
	return lin->sets[i] + 1;
}

/* Add a support to an outcome unless an existing one implies it; drop the
 * existing supports it implies. Returns 1 if added, 0 if not, or ENOMEM. */
static int add_support(struct ldfi_lineage *lin, struct ldfi_outcome *o, const int *vars, int n,
		       const int *neg, int n_neg)
{
	struct ldfi_clause c = {NULL, n, NULL, n_neg, {0, 0}, 0};
	int kept = 0;

	sig_of(vars, n, c.sig, 2);
	sig_of(neg, n_neg, &c.nsig, 1);
	for (int i = 0; i < o->n_supports; i++)
		if (implies(&o->supports[i], vars, n, neg, n_neg, c.sig, c.nsig))
			return 0;
	if (o->n_supports == o->cap_supports) {
		int cap = o->cap_supports ? 2 * o->cap_supports : 4;
		struct ldfi_clause *p = realloc(o->supports, (size_t)cap * sizeof(*p));

		if (!p)
			return LDFI_ENOMEM;
		o->supports = p;
		o->cap_supports = cap;
	}
	if (!(c.vars = intern(lin, vars, n)) || !(c.neg = intern(lin, neg, n_neg)))
		return LDFI_ENOMEM;
	for (int i = 0; i < o->n_supports; i++)
		if (!implies(&c, o->supports[i].vars, o->supports[i].n, o->supports[i].neg,
			     o->supports[i].n_neg, o->supports[i].sig, o->supports[i].nsig))
			o->supports[kept++] = o->supports[i];
	o->n_supports = kept;
	o->supports[o->n_supports++] = c;
	o->version++;
	return 1;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* Depth-first walk over the ancestors of a set of messages. */
struct walk {
	const struct ldfi_trace *tr;
	uint32_t *mark; /* per message: stamp of the last walk that saw it */
	uint32_t stamp;
	uint32_t *stack;
	size_t n_stack;
};

static int walk_init(struct walk *w, const struct ldfi_trace *tr)
{
	w->tr = tr;
	w->stamp = 0;
	w->n_stack = 0;
	/* Marks and stack: messages, then memory tokens. */
	w->mark = calloc(tr->n_msgs + tr->n_mems + 1, sizeof(uint32_t));
	w->stack = malloc((tr->n_msgs + tr->n_mems + 1) * sizeof(uint32_t));
	if (!w->mark || !w->stack) {
		free(w->mark);
		free(w->stack);
		return LDFI_ENOMEM;
	}
	return 0;
}

static void walk_finish(struct walk *w)
{
	free(w->mark);
	free(w->stack);
}

static void walk_push(struct walk *w, uint32_t id)
{
	size_t slot = LDFI_IS_MEM(id) ? w->tr->n_msgs + 1 + LDFI_MEM_INDEX(id) : id;

	if (LDFI_IS_MEM(id) ? LDFI_MEM_INDEX(id) >= w->tr->n_mems : id < 1 || id > w->tr->n_msgs)
		return;
	if (w->mark[slot] != w->stamp) {
		w->mark[slot] = w->stamp;
		w->stack[w->n_stack++] = id;
	}
}

/* Visit every ancestor message of `ids` (and themselves), through memory
 * tokens (which fn does not see). */
static void walk_run(struct walk *w, const uint32_t *ids, uint32_t n,
		     void (*fn)(const struct ldfi_msg *m, void *arg), void *arg)
{
	const struct ldfi_trace *tr = w->tr;

	w->stamp++;
	for (uint32_t i = n; i > 0; i--)
		walk_push(w, ids[i - 1]);
	while (w->n_stack) {
		uint32_t id = w->stack[--w->n_stack], off, np;

		if (LDFI_IS_MEM(id)) {
			off = tr->mems[LDFI_MEM_INDEX(id)].parents_off;
			np = tr->mems[LDFI_MEM_INDEX(id)].n_parents;
		} else {
			fn(&tr->msgs[id - 1], arg);
			off = tr->msgs[id - 1].parents_off;
			np = tr->msgs[id - 1].n_parents;
		}
		for (uint32_t i = np; i > 0; i--)
			walk_push(w, tr->parents[off + i - 1]);
	}
}

int ldfi_trace_ancestors(const struct ldfi_trace *tr, uint32_t msg,
			 void (*fn)(const struct ldfi_msg *m, void *arg), void *arg)
{
	struct walk w;

	if (walk_init(&w, tr))
		return LDFI_ENOMEM;
	walk_run(&w, &msg, 1, fn, arg);
	walk_finish(&w);
	return 0;
}

/*
 * The formula "message m is lost" in CNF, per message, memoised: with E the
 * faults that lose m's own event,
 *   lost(m) = E or lost(parents): for all-of parents, the union of one
 *   clause from each parent's CNF (a product); for any-of parents, the
 *   clauses of every parent's CNF, each joined with E.
 * Each message keeps at most MAX_CLAUSES clauses, subsumed ones dropped; the
 * first parent's derivation (the one that happened) always comes first, so
 * the derivation a run actually used is never lost to the cap.
 */
#define MAX_CLAUSES 64

/* A clause of a message's CNF; cond: through a conditional message, the
 * latest of which was sent (or output) in cond_round. */
struct cclause {
	int *vars;
	int n;
	bool cond;
	int cond_round;
	uint64_t sig; /* sig_of(vars) */
};

struct cnf {
	struct cclause *c;
	int n;
	bool done;
};

struct cnfs {
	struct ldfi_lineage *lin;
	const struct ldfi_trace *tr;
	struct cnf *m; /* by message id */
	struct cnf *t; /* by memory token index */
	int *tmp;      /* scratch clause */
	int *neg;      /* the run's faults, as variables: the condition */
	int n_neg;
	unsigned long steps; /* messages and supports handled: the stop request
			      * (runtime.h) is polled every LDFI_STOP_EVERY */
	int *pre;	     /* scratch: the preemption variables of a clause */
	bool *faulted;	     /* per node: it crashes or restarts in the run's faults */
	/* Other conditions this run is the run of (same_runs): n_alts arrays
	 * of n_neg variables each, ascending. */
	int *alts;
	int n_alts;
};

/* Whether to stop now: a budget ran out or a signal came (the explore loop
 * then drops the half-learned lineage; the run stays recorded). */
static bool stop_now(struct cnfs *x)
{
	return ++x->steps % LDFI_STOP_EVERY == 0 && ldfi_rt_stop_requested();
}

static void cnf_free(struct cnf *c)
{
	for (int i = 0; i < c->n; i++)
		free(c->c[i].vars);
	free(c->c);
	c->c = NULL;
	c->n = 0;
}

/* Append restart(node,t) for t from `hi` down to `lo` (within the space's
 * rounds; descending rounds are ascending variables) to out[n...]. */
static int restart_vars(const struct ldfi_space *sp, int node, int lo, int hi, int *out, int n)
{
	if (hi > sp->rrounds)
		hi = sp->rrounds;
	for (int t = hi; t >= (lo < 1 ? 1 : lo) && sp->n_restart; t--) {
		struct ldfi_fault f = {LDFI_FAULT_RESTART, node, -1, t};

		out[n++] = ldfi_space_var(sp, &f);
	}
	return n;
}

/* The restarts that lose m's event: its sender down in the send round, its
 * receiver down in the delivery round (both, for a message within a node:
 * down in either round). */
static int event_restarts(const struct ldfi_lineage *lin, const struct ldfi_msg *m, int *out, int n)
{
	int s = m->send_round, d = lin->conf->downtime, lo = s - d + 1, hi = s + 1;

	if (m->send_round >= lin->conf->eot)
		hi = s; /* never delivered */
	if (m->src_node == m->dst_node)
		return restart_vars(&lin->space, m->src_node, lo, hi, out, n);
	for (int node = 0; node < lin->conf->n_nodes; node++) {
		if (node == m->src_node)
			n = restart_vars(&lin->space, node, lo, s, out, n);
		else if (node == m->dst_node && hi > s)
			n = restart_vars(&lin->space, node, s + 2 - d, hi, out, n);
	}
	return n;
}

/* The faults that lose m's own event, ascending. */
static int event_vars(const struct ldfi_lineage *lin, const struct ldfi_msg *m, int *out)
{
	const struct ldfi_conf *conf = lin->conf;
	int n = 0, src_by = m->send_round, dst_by = m->send_round + 1;

	if (!lin->space.n_crash)
		src_by = dst_by = 0;
	if (dst_by > conf->eot)
		dst_by = conf->eot;
	if (m->src_node == m->dst_node)
		src_by = 0; /* the receiver's bound covers it */
	for (int node = 0; node < conf->n_nodes; node++) {
		int by = node == m->dst_node ? dst_by : node == m->src_node ? src_by : 0;

		/* Later crash rounds have smaller variables: keep clauses sorted. */
		for (int t = by; t >= 1; t--) {
			struct ldfi_fault f = {LDFI_FAULT_CRASH, node, -1, t};

			out[n++] = ldfi_space_var(&lin->space, &f);
		}
	}
	if (m->src_node != m->dst_node && m->send_round < conf->eff) {
		struct ldfi_fault f = {LDFI_FAULT_OMIT, m->src_node, m->dst_node, m->send_round};

		out[n++] = ldfi_space_var(&lin->space, &f);
	}
	return event_restarts(lin, m, out, n);
}

/* out = a | b (sorted, no duplicates); returns the length. */
static int merge(const int *a, int na, const int *b, int nb, int *out)
{
	int i = 0, j = 0, n = 0;

	while (i < na || j < nb) {
		if (j == nb || (i < na && a[i] < b[j]))
			out[n++] = a[i++];
		else if (i == na || b[j] < a[i])
			out[n++] = b[j++];
		else
			out[n++] = a[i++], j++;
	}
	return n;
}

/* Add a clause to a CNF under construction, with subsumption (a conditional
 * clause never stands for an unconditional one) and the cap. Dropping a
 * clause only weakens the formula (each is a support of its own). */
static int cnf_add(struct cnf *c, const int *vars, int n, bool cond, int cond_round)
{
	uint64_t sig;
	int kept = 0;
	int *copy;

	sig_of(vars, n, &sig, 1);
	for (int i = 0; i < c->n; i++)
		if ((!c->c[i].cond || cond) && !(c->c[i].sig & ~sig) &&
		    ldfi_vars_subset(c->c[i].vars, c->c[i].n, vars, n))
			return 0;
	for (int i = 0; i < c->n; i++) {
		if ((!cond || c->c[i].cond) && !(sig & ~c->c[i].sig) &&
		    ldfi_vars_subset(vars, n, c->c[i].vars, c->c[i].n))
			free(c->c[i].vars);
		else
			c->c[kept++] = c->c[i];
	}
	c->n = kept;
	if (c->n >= MAX_CLAUSES)
		return 0;
	if (!c->c) {
		c->c = malloc(MAX_CLAUSES * sizeof(*c->c));
		if (!c->c)
			return LDFI_ENOMEM;
	}
	copy = malloc(((size_t)n + 1) * sizeof(int));
	if (!copy)
		return LDFI_ENOMEM;
	if (n)
		memcpy(copy, vars, (size_t)n * sizeof(int));
	c->c[c->n++] = (struct cclause){copy, n, cond, cond ? cond_round : 0, sig};
	return 0;
}

static int max_int(int a, int b)
{
	return a > b ? a : b;
}

static int cnf_of(struct cnfs *x, uint32_t id);

/* The memoised CNF of message or memory token `id`. */
static const struct cnf *cnf_at(const struct cnfs *x, uint32_t id)
{
	return LDFI_IS_MEM(id) ? &x->t[LDFI_MEM_INDEX(id)] : &x->m[id];
}

/* all-of parents: the product of the parents' CNFs, each clause joined with
 * E (which may be empty); cond/cond_round: E's. */
static int cnf_product(struct cnfs *x, const uint32_t *parents, uint32_t n, struct cnf *out,
		       const int *e, int ne, bool cond, int cond_round)
{
	struct cnf cur = {NULL, 0, false};
	int *buf = x->tmp + x->lin->space.n_vars + 1, rc;

	if ((rc = cnf_add(&cur, e, ne, cond, cond_round)))
		return rc;
	for (uint32_t i = 0; i < n; i++) {
		const struct cnf *p;
		struct cnf next = {NULL, 0, false};

		if ((rc = cnf_of(x, parents[i])))
			goto out;
		p = cnf_at(x, parents[i]);
		for (int a = 0; a < cur.n && !rc; a++)
			for (int b = 0; b < p->n && !rc; b++)
				rc = cnf_add(
				    &next, buf,
				    merge(cur.c[a].vars, cur.c[a].n, p->c[b].vars, p->c[b].n, buf),
				    cur.c[a].cond || p->c[b].cond,
				    max_int(cur.c[a].cond_round, p->c[b].cond_round));
		cnf_free(&cur);
		cur = next;
		if (rc)
			goto out;
	}
	*out = cur;
	return 0;
out:
	cnf_free(&cur);
	return rc;
}

/* any-of parents (slice off, n of tr->parents): every parent's clauses,
 * each joined with E. */
static int cnf_any(struct cnfs *x, uint32_t off, uint32_t n, struct cnf *out, const int *e, int ne,
		   bool cond, int cond_round)
{
	int *buf = x->tmp + x->lin->space.n_vars + 1, rc = 0;

	for (uint32_t i = 0; i < n && !rc; i++) {
		const struct cnf *p;

		if ((rc = cnf_of(x, x->tr->parents[off + i])))
			break;
		p = cnf_at(x, x->tr->parents[off + i]);
		for (int b = 0; b < p->n && !rc; b++)
			rc = cnf_add(out, buf, merge(e, ne, p->c[b].vars, p->c[b].n, buf),
				     cond || p->c[b].cond, max_int(cond_round, p->c[b].cond_round));
	}
	return rc;
}

/* The CNF of a derivation step whose own event is lost by e[0..ne) and
 * whose parents are the slice (off, n), all or any of them. */
static int cnf_step(struct cnfs *x, uint32_t off, uint32_t n, bool any, struct cnf *c, const int *e,
		    int ne, bool cond, int cond_round)
{
	if (n == 0)
		return cnf_add(c, e, ne, cond, cond_round);
	if (any)
		return cnf_any(x, off, n, c, e, ne, cond, cond_round);
	return cnf_product(x, x->tr->parents + off, n, c, e, ne, cond, cond_round);
}

/* lost(T) for memory token T(node, from, to): a restart of its node after
 * the memory was written and by the round it was read (the memory rule,
 * docs/lineage.md), or its parents lost. */
static int cnf_of_token(struct cnfs *x, uint32_t i)
{
	const struct ldfi_memtok *t = &x->tr->mems[i];
	struct cnf c = {NULL, 0, false};
	int *e = malloc(((size_t)x->lin->space.n_vars + 1) * sizeof(int)), ne, rc;

	if (!e)
		return LDFI_ENOMEM;
	ne = restart_vars(&x->lin->space, t->node, t->from + 1, t->to, e, 0);
	rc = cnf_step(x, t->parents_off, t->n_parents, t->parents_any, &c, e, ne, false, 0);
	free(e);
	if (rc) {
		cnf_free(&c);
		return rc;
	}
	c.done = true;
	x->t[i] = c;
	return 0;
}

static int cnf_of(struct cnfs *x, uint32_t id)
{
	const struct ldfi_msg *m;
	struct cnf c = {NULL, 0, false};
	int *e, ne, rc;

	if (LDFI_IS_MEM(id)) {
		if (LDFI_MEM_INDEX(id) >= x->tr->n_mems)
			return LDFI_EFORMAT;
		return x->t[LDFI_MEM_INDEX(id)].done ? 0 : cnf_of_token(x, LDFI_MEM_INDEX(id));
	}
	if (id < 1 || id > x->tr->n_msgs)
		return LDFI_EFORMAT;
	if (x->m[id].done)
		return 0;
	if (stop_now(x))
		return LDFI_ESTOPPED;
	m = &x->tr->msgs[id - 1];
	e = malloc(((size_t)x->lin->space.n_vars + 1) * sizeof(int));
	if (!e)
		return LDFI_ENOMEM;
	ne = event_vars(x->lin, m, e);
	rc = cnf_step(x, m->parents_off, m->n_parents, m->parents_any, &c, e, ne, m->conditional,
		      m->send_round);
	free(e);
	if (rc) {
		cnf_free(&c);
		return rc;
	}
	c.done = true;
	x->m[id] = c;
	return 0;
}

/* The preemption variables of a conditional support seen in this run whose
 * latest conditional step was at round `cond_round` (docs/lineage.md,
 * Restarts): every restart(n,t) of a creating node n without a crash or
 * restart in the run's faults that brings n back up in time for what it
 * creates to arrive by then: t + downtime + 1 <= cond_round. Ascending, in
 * x->pre; returns how many. */
static int preempt_vars(const struct cnfs *x, int cond_round)
{
	const struct ldfi_lineage *lin = x->lin;
	int n = 0, hi = cond_round - lin->conf->downtime - 1;

	for (int node = 0; node < lin->conf->n_nodes && hi >= 1; node++)
		if (lin->creating[node] && !x->faulted[node])
			n = restart_vars(&lin->space, node, 1, hi, x->pre, n);
	return n;
}

/* The crash variables of `node` (-1: none), lo..hi; hi < lo when none. */
static void node_crash_vars(const struct ldfi_lineage *lin, int node, int *lo, int *hi)
{
	struct ldfi_fault f = {LDFI_FAULT_CRASH, node, -1, lin->conf->eot};

	*lo = 0;
	*hi = -1;
	if (!lin->space.n_crash || node < 0)
		return;
	*lo = ldfi_space_var(&lin->space, &f); /* the node's first variable */
	*hi = *lo + lin->conf->eot - 1;
}

/* Add the clauses of `c` as supports of outcome `k`, whose own node is
 * `self` (its crashes are dropped: they only remove the replica from the
 * checks; its restarts stay: a restarted replica is live). For an acked
 * outcome the crashes of the ack's sender are dropped too: an ack missing
 * because its sender crashed only makes the receiver resend to a node
 * that is down for good, so it never makes a copy (docs/lineage.md,
 * Outcomes). A conditional clause also lists its preemption variables
 * (preempt_vars). */
static int add_cnf(struct cnfs *x, const struct okey *k, const struct cnf *c, int self, int *n_new)
{
	struct ldfi_lineage *lin = x->lin;
	int lo, hi, plo, phi, rc, *vars = x->tmp;

	node_crash_vars(lin, self, &lo, &hi);
	node_crash_vars(lin, k->kind == LDFI_OUTCOME_ACKED ? k->peer_node : -1, &plo, &phi);
	for (int i = 0; i < c->n; i++) {
		const struct cclause *cl = &c->c[i];
		struct ldfi_outcome *o;
		int n = 0;

		/* n == 0: nothing in the bounds cuts this support, so no fault set
		 * falsifies the outcome; the empty clause says so to the solver. */
		for (int j = 0; j < cl->n; j++)
			if ((cl->vars[j] < lo || cl->vars[j] > hi) &&
			    (cl->vars[j] < plo || cl->vars[j] > phi))
				x->tmp[n++] = cl->vars[j];
		if (stop_now(x))
			return LDFI_ESTOPPED;
		vars = x->tmp;
		if (cl->cond && lin->space.n_restart) {
			vars = x->tmp + lin->space.n_vars + 1;
			n = merge(x->tmp, n, x->pre, preempt_vars(x, cl->cond_round), vars);
		}
		if (!(o = outcome(lin, k)))
			return LDFI_ENOMEM;
		if ((rc = add_support(lin, o, vars, n, x->neg, cl->cond ? x->n_neg : 0)) < 0)
			return rc;
		*n_new += rc;
		for (int a = 0; cl->cond && a < x->n_alts; a++) {
			rc = add_support(lin, o, vars, n, x->alts + (size_t)a * x->n_neg, x->n_neg);
			if (rc < 0)
				return rc;
			*n_new += rc;
		}
	}
	return 0;
}

/* Add "message `id` is lost" to outcome `k`. */
static int add_message(struct cnfs *x, const struct okey *k, uint32_t id, int self, int *n_new)
{
	int rc = cnf_of(x, id);

	return rc ? rc : add_cnf(x, k, cnf_at(x, id), self, n_new);
}

/* The outcome key of record `rec` of `tr`: source records keep their index
 * (the same in every run); records stages named are numbered by name, in
 * the order the lineage first met them, since their indices in a trace
 * depend on the run. Returns the key or LDFI_ENOMEM. */
static int rec_key(struct ldfi_lineage *lin, const struct ldfi_trace *tr, int rec)
{
	const char *name = tr->recs[rec].name;
	int i;

	if (tr->recs[rec].source >= 0)
		return rec;
	for (i = 0; i < lin->n_names; i++)
		if (strcmp(lin->names[i], name) == 0)
			return lin->n_src_recs + i;
	if (lin->n_names == lin->cap_names) {
		int cap = lin->cap_names ? 2 * lin->cap_names : 16;
		char **p = realloc(lin->names, (size_t)cap * sizeof(*p));

		if (!p)
			return LDFI_ENOMEM;
		lin->names = p;
		lin->cap_names = cap;
	}
	if (!(lin->names[lin->n_names] = strdup(name)))
		return LDFI_ENOMEM;
	return lin->n_src_recs + lin->n_names++;
}

/* held: every copy a live sink replica received supports "it holds r". */
static int add_held(struct cnfs *x, int *n_new)
{
	const struct ldfi_trace *tr = x->tr;
	int rc = 0;

	for (size_t i = 0; i < tr->n_msgs && !rc; i++) {
		const struct ldfi_msg *m = &tr->msgs[i];
		struct okey k = {LDFI_OUTCOME_HELD, m->rec, m->dst_comp, m->dst_node, -1, -1, 0};

		if (m->kind != LDFI_MSG_DATA || m->fate != LDFI_FATE_DELIVERED ||
		    !ldfi_trace_alive(tr, m->dst_node) || !x->lin->held_sink[m->dst_comp])
			continue;
		if ((k.rec = rec_key(x->lin, tr, m->rec)) < 0)
			return k.rec;
		rc = add_message(x, &k, m->id, m->dst_node, n_new);
	}
	return rc;
}

/* held, for plugin stages: every output of `r` at a live replica supports
 * "it holds r", through what the output derives from (all of it). */
static int add_outputs(struct cnfs *x, int *n_new)
{
	const struct ldfi_trace *tr = x->tr;
	int rc = 0;

	for (size_t i = 0; i < tr->n_outs && !rc; i++) {
		const struct ldfi_output *o = &tr->outs[i];
		struct okey k = {LDFI_OUTCOME_HELD, 0, o->comp, o->node, -1, -1, 0};
		struct cnf c = {NULL, 0, false};

		if (!x->lin->held_out[o->comp] || !ldfi_trace_alive(tr, o->node))
			continue;
		if ((k.rec = rec_key(x->lin, tr, o->rec)) < 0)
			return k.rec;
		rc = cnf_product(x, tr->parents + o->parents_off, o->n_parents, &c, NULL, 0,
				 o->conditional, o->round);
		if (!rc)
			rc = add_cnf(x, &k, &c, o->node, n_new);
		cnf_free(&c);
	}
	return rc;
}

/* `c` with every clause also cut by any crash of `node` (a crashed holder
 * holds nothing for the checks), into *out. */
static int with_crashes(struct cnfs *x, const struct cnf *c, int node, struct cnf *out)
{
	const struct ldfi_space *sp = &x->lin->space;
	int crash[LDFI_EOT_MAX], n = 0, rc = 0;

	if (sp->n_crash) {
		struct ldfi_fault f = {LDFI_FAULT_CRASH, node, -1, x->lin->conf->eot};
		int lo = ldfi_space_var(sp, &f);

		for (; n < x->lin->conf->eot; n++)
			crash[n] = lo + n;
	}
	for (int i = 0; i < c->n && !rc; i++)
		rc = cnf_add(out, x->tmp, merge(c->c[i].vars, c->c[i].n, crash, n, x->tmp),
			     c->c[i].cond, c->c[i].cond_round);
	return rc;
}

/* quorum: every way the holder (comp, node) keeps `rec` - `c` - supports
 * every quorum outcome whose set includes the holder. */
static int add_holder(struct cnfs *x, int comp, int node, int rec, const struct cnf *c, int *n_new)
{
	struct ldfi_lineage *lin = x->lin;
	const struct ldfi_comp *rel = &lin->conf->comps[comp];
	struct cnf ext = {NULL, 0, false};
	int pos = 0, key, rc = 0;

	while (pos < rel->n_nodes && rel->nodes[pos] != node)
		pos++;
	if (pos == rel->n_nodes)
		return 0;
	if ((key = rec_key(lin, x->tr, rec)) < 0)
		return key;
	if ((rc = with_crashes(x, c, node, &ext)))
		goto out;
	for (int q = 0; q < lin->n_quorums && !rc; q++) {
		if (lin->quorums[q].comp != comp)
			continue;
		for (int i = 0; i < lin->quorums[q].n_masks && !rc; i++) {
			struct okey k = {LDFI_OUTCOME_QUORUM,	  key, comp, -1, -1, -1,
					 lin->quorums[q].masks[i]};

			if (k.by & (1 << pos))
				rc = add_cnf(x, &k, &ext, -1, n_new);
		}
	}
out:
	cnf_free(&ext);
	return rc;
}

static bool quorum_comp(const struct ldfi_lineage *lin, int comp)
{
	for (int q = 0; q < lin->n_quorums; q++)
		if (lin->quorums[q].comp == comp)
			return true;
	return false;
}

/* The holders of every relation a `holds = K` check reads: a sink's
 * deliveries, a plugin stage's outputs, at live replicas. */
static int add_quorums(struct cnfs *x, int *n_new)
{
	const struct ldfi_trace *tr = x->tr;
	int rc = 0;

	for (size_t i = 0; i < tr->n_msgs && !rc; i++) {
		const struct ldfi_msg *m = &tr->msgs[i];

		if (m->kind != LDFI_MSG_DATA || m->fate != LDFI_FATE_DELIVERED ||
		    !ldfi_trace_alive(tr, m->dst_node) ||
		    tr->conf->comps[m->dst_comp].type != LDFI_COMP_SINK ||
		    !quorum_comp(x->lin, m->dst_comp))
			continue;
		if (!(rc = cnf_of(x, m->id)))
			rc = add_holder(x, m->dst_comp, m->dst_node, m->rec, cnf_at(x, m->id),
					n_new);
	}
	for (size_t i = 0; i < tr->n_outs && !rc; i++) {
		const struct ldfi_output *o = &tr->outs[i];
		struct cnf c = {NULL, 0, false};

		if (tr->conf->comps[o->comp].type == LDFI_COMP_SINK ||
		    !ldfi_trace_alive(tr, o->node) || !quorum_comp(x->lin, o->comp))
			continue;
		rc = cnf_product(x, tr->parents + o->parents_off, o->n_parents, &c, NULL, 0,
				 o->conditional, o->round);
		if (!rc)
			rc = add_holder(x, o->comp, o->node, o->rec, &c, n_new);
		cnf_free(&c);
	}
	return rc;
}

static struct okey ack_key(struct cnfs *x, const struct ldfi_msg *m, int by)
{
	return (struct okey){LDFI_OUTCOME_ACKED,
			     rec_key(x->lin, x->tr, m->rec),
			     m->dst_comp,
			     m->dst_node,
			     m->src_comp,
			     m->src_node,
			     by};
}

static bool same_ack(const struct ldfi_outcome *o, const struct okey *k)
{
	return o->kind == LDFI_OUTCOME_ACKED && o->rec == k->rec && o->comp == k->comp &&
	       o->node == k->node && o->peer_comp == k->peer_comp && o->peer_node == k->peer_node;
}

/* A new "acked by R" outcome (index `i`) starts with the supports of every
 * outcome of the same ack with an earlier round: an ack received by R' < R
 * in a run added before was received by R too, and that run is not seen
 * again. Every round an ack arrived in has its outcome (add_acked), so
 * those supports are all there. */
static int seed_acked(struct ldfi_lineage *lin, int i, int *n_new)
{
	const struct ldfi_outcome *o = &lin->outs[i];
	struct okey k = {(int)o->kind, o->rec, o->comp, o->node, o->peer_comp, o->peer_node, o->by};

	for (int j = 0; j < lin->n_outs; j++) {
		const struct ldfi_outcome *p = &lin->outs[j];

		if (!same_ack(p, &k) || p->by >= k.by)
			continue;
		for (int s = 0; s < p->n_supports; s++) {
			const struct ldfi_clause *c = &p->supports[s];
			int rc = add_support(lin, &lin->outs[i], c->vars, c->n, c->neg, c->n_neg);

			if (rc < 0)
				return rc;
			*n_new += rc;
		}
	}
	return 0;
}

/* acked: for every round R an ack arrived in this run, the outcome "acked
 * by R"; every ack delivered by round R' supports "acked by R'". */
static int add_acked(struct cnfs *x, int *n_new)
{
	const struct ldfi_trace *tr = x->tr;
	struct ldfi_lineage *lin = x->lin;
	int rc = 0;

	for (size_t i = 0; i < tr->n_msgs; i++) {
		const struct ldfi_msg *m = &tr->msgs[i];
		int n = lin->n_outs;
		struct okey k;

		if (m->kind != LDFI_MSG_ACK || m->fate != LDFI_FATE_DELIVERED ||
		    !ldfi_trace_alive(tr, m->dst_node))
			continue;
		k = ack_key(x, m, m->send_round + 1);
		if (k.rec < 0 || !outcome(lin, &k))
			return LDFI_ENOMEM;
		if (lin->n_outs > n && (rc = seed_acked(lin, n, n_new)))
			return rc;
	}
	for (size_t i = 0; i < tr->n_msgs && !rc; i++) {
		const struct ldfi_msg *m = &tr->msgs[i];
		struct okey k;

		if (m->kind != LDFI_MSG_ACK || m->fate != LDFI_FATE_DELIVERED ||
		    !ldfi_trace_alive(tr, m->dst_node))
			continue;
		if ((k = ack_key(x, m, 0)).rec < 0)
			return LDFI_ENOMEM;
		for (int o = 0; o < lin->n_outs && !rc; o++) {
			if (!same_ack(&lin->outs[o], &k) || lin->outs[o].by < m->send_round + 1)
				continue;
			k.by = lin->outs[o].by;
			rc = add_message(x, &k, m->id, m->dst_node, n_new);
		}
	}
	return rc;
}

static bool counted_copy(const struct cnfs *x, const struct ldfi_msg *m)
{
	return m->kind == LDFI_MSG_DATA && m->fate == LDFI_FATE_DELIVERED &&
	       x->lin->count_sink[m->dst_comp] && ldfi_trace_alive(x->tr, m->dst_node);
}

/* The fault-free run fixes each replica's count of each record. */
static int add_count_outcomes(struct cnfs *x)
{
	const struct ldfi_trace *tr = x->tr;
	struct okey *keys = malloc((tr->n_msgs + 1) * sizeof(*keys));
	int n = 0, rc = 0;

	if (!keys)
		return LDFI_ENOMEM;
	for (size_t i = 0; i < tr->n_msgs && !rc; i++) {
		const struct ldfi_msg *m = &tr->msgs[i];
		int j = 0, r;

		if (!counted_copy(x, m))
			continue;
		if ((r = rec_key(x->lin, tr, m->rec)) < 0) {
			rc = r;
			break;
		}
		while (j < n && !(keys[j].rec == r && keys[j].comp == m->dst_comp &&
				  keys[j].node == m->dst_node))
			j++;
		if (j == n)
			keys[n++] = (struct okey){
			    LDFI_OUTCOME_COUNT, r, m->dst_comp, m->dst_node, -1, -1, 0};
		keys[j].by++;
	}
	for (int j = 0; j < n && !rc; j++)
		if (!outcome(x->lin, &keys[j]))
			rc = LDFI_ENOMEM;
	free(keys);
	return rc;
}

static int add_counts(struct cnfs *x, int *n_new)
{
	const struct ldfi_trace *tr = x->tr;
	struct ldfi_lineage *lin = x->lin;
	uint32_t *ids;
	int rc = 0;

	if (tr->faults.n == 0 && (rc = add_count_outcomes(x)))
		return rc;
	ids = malloc((tr->n_msgs + 1) * sizeof(*ids));
	if (!ids)
		return LDFI_ENOMEM;
	for (int j = 0; j < lin->n_outs && !rc; j++) {
		struct ldfi_outcome *o = &lin->outs[j];
		int n = 0;

		if (o->kind != LDFI_OUTCOME_COUNT)
			continue;
		for (size_t i = 0; i < tr->n_msgs && n < o->by; i++) {
			const struct ldfi_msg *m = &tr->msgs[i];

			/* Records are paired by name across runs (rec_key). */
			if (counted_copy(x, m) && m->dst_comp == o->comp &&
			    m->dst_node == o->node && rec_key(lin, tr, m->rec) == o->rec)
				ids[n++] = m->id;
		}
		if (n == o->by) {
			struct okey k = {
			    LDFI_OUTCOME_COUNT, o->rec, o->comp, o->node, -1, -1, o->by};
			struct cnf c = {NULL, 0, false};
			int self = o->node;

			rc = cnf_product(x, ids, (uint32_t)n, &c, NULL, 0, false, 0);
			if (!rc)
				rc = add_cnf(x, &k, &c, self, n_new);
			cnf_free(&c);
		}
	}
	free(ids);
	return rc;
}

static int add_outcomes(struct cnfs *x, int *n_new)
{
	int rc = add_held(x, n_new);

	if (!rc)
		rc = add_outputs(x, n_new);
	if (!rc && x->lin->n_quorums)
		rc = add_quorums(x, n_new);
	if (!rc && x->lin->acked)
		rc = add_acked(x, n_new);
	if (!rc && x->lin->counts)
		rc = add_counts(x, n_new);
	return rc;
}

/* The earliest round q such that `node`, which crashed in round t of run
 * `tr`, did nothing in rounds q..t-1: it received, sent and stored
 * nothing and no source on it emitted then. t if it cannot be shown (a
 * node with a plugin or process stage). */
static int quiet_from(const struct ldfi_lineage *lin, const struct ldfi_trace *tr, int node, int t)
{
	const struct ldfi_conf *conf = tr->conf;
	int last = 0;

	if (lin->opaque[node])
		return t;
	for (size_t i = 0; i < tr->n_msgs; i++) {
		const struct ldfi_msg *m = &tr->msgs[i];

		if (m->src_node == node && m->send_round > last)
			last = m->send_round;
		if (m->dst_node == node && m->fate == LDFI_FATE_DELIVERED &&
		    m->send_round + 1 > last)
			last = m->send_round + 1;
	}
	for (size_t i = 0; i < tr->n_outs; i++)
		if (tr->outs[i].node == node && tr->outs[i].round > last)
			last = tr->outs[i].round;
	for (int c = 0; c < conf->n_comps; c++)
		if (conf->comps[c].type == LDFI_COMP_SOURCE && conf->comps[c].nodes[0] == node &&
		    conf->comps[c].at < t && conf->comps[c].at > last)
			last = conf->comps[c].at;
	return last + 1 < t ? last + 1 : t;
}

/* Most other fault sets one run is taken to be the run of (same_runs), and
 * most crashes of a run moved. */
#define LDFI_SAME_RUNS_MAX 64
#define LDFI_SAME_RUNS_CRASHES 8

/* The other fault sets run `tr` is the run of (lineage.h,
 * ldfi_lineage_same_runs): `neg` (n_neg) is its fault set as variables,
 * ascending; *alts receives n_neg variables per set, *n_alts how many
 * (malloc'd, the caller's; NULL when none). Returns 0 or LDFI_ENOMEM. */
static int same_runs(const struct ldfi_lineage *lin, const struct ldfi_trace *tr, const int *neg,
		     int n_neg, int **alts, int *n_alts)
{
	const struct ldfi_faults *fs = &tr->faults;
	const struct ldfi_space *sp = &lin->space;
	int pos[LDFI_SAME_RUNS_CRASHES], lo[LDFI_SAME_RUNS_CRASHES], hi[LDFI_SAME_RUNS_CRASHES];
	int cur[LDFI_SAME_RUNS_CRASHES], k = 0, total = 1;

	*alts = NULL;
	*n_alts = 0;
	if (sp->n_restart || !sp->n_crash || !n_neg)
		return 0;
	for (int i = 0; i < fs->n && k < LDFI_SAME_RUNS_CRASHES; i++) {
		const struct ldfi_fault *f = &fs->v[i];
		int v, q;

		if (f->kind != LDFI_FAULT_CRASH || !(v = ldfi_space_var(sp, f)))
			continue;
		if ((q = quiet_from(lin, tr, f->a, f->t)) >= f->t)
			continue;
		for (pos[k] = 0; neg[pos[k]] != v; pos[k]++)
			;
		lo[k] = v;		/* crash(n,t) */
		hi[k] = v + (f->t - q); /* crash(n,q): earlier rounds are later variables */
		if (total * (hi[k] - lo[k] + 1) > LDFI_SAME_RUNS_MAX + 1)
			break;
		total *= hi[k] - lo[k] + 1;
		cur[k] = lo[k];
		k++;
	}
	if (total == 1)
		return 0;
	if (!(*alts = malloc((size_t)(total - 1) * (size_t)n_neg * sizeof(int))))
		return LDFI_ENOMEM;
	/* Every combination but the run's own, in odometer order. */
	for (;;) {
		int j = 0, *a;

		while (j < k && cur[j] == hi[j])
			cur[j] = lo[j], j++;
		if (j == k)
			break;
		cur[j]++;
		a = *alts + (size_t)(*n_alts)++ * n_neg;
		memcpy(a, neg, (size_t)n_neg * sizeof(int));
		for (int i = 0; i < k; i++)
			a[pos[i]] = cur[i];
	}
	return 0;
}

/* A run's faults as variables, ascending, in neg[] (room for fs->n);
 * returns how many (faults outside the space have none). */
static int run_condition(const struct ldfi_space *sp, const struct ldfi_faults *fs, int *neg)
{
	int n = 0;

	for (int i = 0; i < fs->n; i++)
		if ((neg[n] = ldfi_space_var(sp, &fs->v[i])))
			n++;
	qsort(neg, (size_t)n, sizeof(int), cmp_int);
	return n;
}

int ldfi_lineage_same_runs(const struct ldfi_lineage *lin, const struct ldfi_trace *tr,
			   int (*fn)(const int *vars, int n, void *arg), void *arg)
{
	int *neg = malloc(((size_t)tr->faults.n + 1) * sizeof(int)), *alts = NULL;
	int n_neg, n_alts = 0, rc;

	if (!neg)
		return LDFI_ENOMEM;
	n_neg = run_condition(&lin->space, &tr->faults, neg);
	rc = same_runs(lin, tr, neg, n_neg, &alts, &n_alts);
	for (int a = 0; !rc && a < n_alts; a++)
		rc = fn(alts + (size_t)a * n_neg, n_neg, arg);
	free(alts);
	free(neg);
	return rc;
}

/* The scratch of one trace's supports; 0 or LDFI_ENOMEM. */
static int cnfs_init(struct cnfs *x, struct ldfi_lineage *lin, const struct ldfi_trace *tr)
{
	const struct ldfi_faults *fs = &tr->faults;

	*x = (struct cnfs){.lin = lin, .tr = tr};
	x->m = calloc(tr->n_msgs + 1, sizeof(*x->m));
	x->t = calloc(tr->n_mems + 1, sizeof(*x->t));
	x->tmp = malloc(2 * ((size_t)lin->space.n_vars + 1) * sizeof(int));
	x->pre = malloc(((size_t)lin->space.n_restart + 1) * sizeof(int));
	x->neg = malloc(((size_t)fs->n + 1) * sizeof(int));
	x->faulted = calloc((size_t)lin->conf->n_nodes + 1, sizeof(bool));
	if (!x->m || !x->t || !x->tmp || !x->pre || !x->neg || !x->faulted)
		return LDFI_ENOMEM;
	for (int i = 0; i < fs->n; i++)
		if (fs->v[i].kind != LDFI_FAULT_OMIT)
			x->faulted[fs->v[i].a] = true;
	x->n_neg = run_condition(&lin->space, fs, x->neg);
	return same_runs(lin, tr, x->neg, x->n_neg, &x->alts, &x->n_alts);
}

static void cnfs_finish(struct cnfs *x)
{
	for (size_t i = 0; x->m && i <= x->tr->n_msgs; i++)
		cnf_free(&x->m[i]);
	for (size_t i = 0; x->t && i < x->tr->n_mems; i++)
		cnf_free(&x->t[i]);
	free(x->m);
	free(x->t);
	free(x->tmp);
	free(x->pre);
	free(x->neg);
	free(x->faulted);
	free(x->alts);
}

int ldfi_lineage_add_trace(struct ldfi_lineage *lin, const struct ldfi_trace *tr, int *n_new)
{
	struct cnfs x;
	int added = 0, rc = cnfs_init(&x, lin, tr);

	if (!rc)
		rc = add_outcomes(&x, &added);
	cnfs_finish(&x);
	if (n_new)
		*n_new = added;
	return rc;
}
