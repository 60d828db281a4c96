/*
 * lineage.c - the fault space, the cut rule, and the supports of every good
 * outcome, accumulated across runs (see lineage.h).
 */
#include <stdlib.h>
#include <string.h>

#include "ldfi/ldfi.h"
#include "lineage/lineage.h"

/* The fault space: crash(n,t) for every node and 1 <= t <= eot, then
 * omit(a,b,t) for a != b and 1 <= t < eff; in canonical fault order. */
void ldfi_space_init(struct ldfi_space *sp, const struct ldfi_conf *conf)
{
	int n = conf->n_nodes, rounds = conf->eff > 1 ? conf->eff - 1 : 0;

	sp->conf = conf;
	sp->n_crash = conf->crashes > 0 ? n * conf->eot : 0;
	sp->n_omit = n * (n - 1) * rounds;
	sp->n_vars = sp->n_crash + sp->n_omit;
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
		return 1 + f->a * conf->eot + (f->t - 1);
	}
	if (f->b < 0 || f->b >= n || f->b == f->a || f->t >= conf->eff)
		return 0;
	return 1 + sp->n_crash +
	       (f->a * (n - 1) + (f->b < f->a ? f->b : f->b - 1)) * (conf->eff - 1) + (f->t - 1);
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
		f.t = i % conf->eot + 1;
		return f;
	}
	i -= sp->n_crash;
	f.kind = LDFI_FAULT_OMIT;
	f.t = i % rounds + 1;
	i /= rounds;
	f.a = i / (conf->n_nodes - 1);
	f.b = i % (conf->n_nodes - 1);
	if (f.b >= f.a)
		f.b++;
	return f;
}

bool ldfi_fault_cuts(const struct ldfi_fault *f, const struct ldfi_msg *m, int eff)
{
	if (f->kind == LDFI_FAULT_OMIT)
		return f->a == m->src_node && f->b == m->dst_node && f->t == m->send_round &&
		       m->src_node != m->dst_node && m->send_round < eff;
	return (f->a == m->src_node && f->t <= m->send_round) ||
	       (f->a == m->dst_node && f->t <= m->send_round + 1);
}

int ldfi_faults_cut(const struct ldfi_faults *fs, const struct ldfi_msg *m, int eff)
{
	for (int i = 0; i < fs->n; i++)
		if (ldfi_fault_cuts(&fs->v[i], m, eff))
			return i;
	return -1;
}

/* Outcomes are found by key through an open-addressing table. */
struct okey {
	int kind, rec, comp, node, peer_comp, peer_node;
};

struct ldfi_lineage {
	const struct ldfi_conf *conf;
	struct ldfi_space space;
	struct ldfi_outcome *outs;
	int n_outs, cap_outs;
	int *slots; /* outcome index + 1, 0 = empty */
	size_t cap_slots;
	/* scratch for one derivation */
	int *maxcrash;    /* per node: crashes at rounds <= this cut the derivation */
	char *omit_on;    /* per omit variable */
	int *omit_list;
	int n_omit_list;
	int *clause;
};

struct ldfi_lineage *ldfi_lineage_create(const struct ldfi_conf *conf)
{
	struct ldfi_lineage *lin = calloc(1, sizeof(*lin));

	if (!lin)
		return NULL;
	lin->conf = conf;
	ldfi_space_init(&lin->space, conf);
	lin->maxcrash = calloc((size_t)conf->n_nodes, sizeof(int));
	lin->omit_on = calloc((size_t)lin->space.n_vars + 1, 1);
	lin->omit_list = malloc(((size_t)lin->space.n_vars + 1) * sizeof(int));
	lin->clause = malloc(((size_t)lin->space.n_vars + 1) * sizeof(int));
	if (!lin->maxcrash || !lin->omit_on || !lin->omit_list || !lin->clause) {
		ldfi_lineage_destroy(lin);
		return NULL;
	}
	return lin;
}

void ldfi_lineage_destroy(struct ldfi_lineage *lin)
{
	if (!lin)
		return;
	for (int i = 0; i < lin->n_outs; i++) {
		for (int k = 0; k < lin->outs[i].n_supports; k++)
			free(lin->outs[i].supports[k].vars);
		free(lin->outs[i].supports);
	}
	free(lin->outs);
	free(lin->slots);
	free(lin->maxcrash);
	free(lin->omit_on);
	free(lin->omit_list);
	free(lin->clause);
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
	uint64_t h = 1469598103934665603ull;
	const int *p = &k->kind;

	for (int i = 0; i < 6; i++)
		h = (h ^ (uint64_t)(uint32_t)p[i]) * 1099511628211ull;
	return (size_t)(h ^ (h >> 29));
}

static bool key_eq(const struct ldfi_outcome *o, const struct okey *k)
{
	return (int)o->kind == k->kind && o->rec == k->rec && o->comp == k->comp &&
	       o->node == k->node && o->peer_comp == k->peer_comp && o->peer_node == k->peer_node;
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
		struct okey k = {(int)o->kind, o->rec, o->comp, o->node, o->peer_comp, o->peer_node};

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
	lin->outs[lin->n_outs] = (struct ldfi_outcome){(enum ldfi_outcome_kind)k->kind, k->rec,
						       k->comp, k->node, k->peer_comp, k->peer_node,
						       NULL, 0, 0, 0};
	*slot = ++lin->n_outs;
	return &lin->outs[lin->n_outs - 1];
}

/* Is every variable of a (sorted) also in b (sorted)? */
static bool subset(const int *a, int na, const int *b, int nb)
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

/* Add a clause to an outcome unless an existing one subsumes it; drop the
 * existing clauses it subsumes. Returns 1 if added, 0 if not, or ENOMEM. */
static int add_support(struct ldfi_outcome *o, const int *vars, int n)
{
	int kept = 0;
	int *copy;

	for (int i = 0; i < o->n_supports; i++)
		if (subset(o->supports[i].vars, o->supports[i].n, vars, n))
			return 0;
	copy = malloc(((size_t)n + 1) * sizeof(int));
	if (!copy)
		return LDFI_ENOMEM;
	memcpy(copy, vars, (size_t)n * sizeof(int));
	for (int i = 0; i < o->n_supports; i++) {
		if (subset(vars, n, o->supports[i].vars, o->supports[i].n))
			free(o->supports[i].vars);
		else
			o->supports[kept++] = o->supports[i];
	}
	o->n_supports = kept;
	if (o->n_supports == o->cap_supports) {
		int cap = o->cap_supports ? 2 * o->cap_supports : 4;
		struct ldfi_clause *p = realloc(o->supports, (size_t)cap * sizeof(*p));

		if (!p) {
			free(copy);
			return LDFI_ENOMEM;
		}
		o->supports = p;
		o->cap_supports = cap;
	}
	o->supports[o->n_supports++] = (struct ldfi_clause){copy, n};
	o->version++;
	return 1;
}

/* Derivation scratch: note what cuts message m. */
static void note_msg(struct ldfi_lineage *lin, const struct ldfi_msg *m)
{
	const struct ldfi_conf *conf = lin->conf;
	int dst_by = m->send_round + 1 < conf->eot ? m->send_round + 1 : conf->eot;

	if (m->src_node != m->dst_node && m->send_round < conf->eff) {
		struct ldfi_fault f = {LDFI_FAULT_OMIT, m->src_node, m->dst_node, m->send_round};
		int v = ldfi_space_var(&lin->space, &f);

		if (v && !lin->omit_on[v]) {
			lin->omit_on[v] = 1;
			lin->omit_list[lin->n_omit_list++] = v;
		}
	}
	if (lin->maxcrash[m->src_node] < m->send_round)
		lin->maxcrash[m->src_node] = m->send_round;
	if (lin->maxcrash[m->dst_node] < dst_by)
		lin->maxcrash[m->dst_node] = dst_by;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* Turn the scratch into a sorted clause, excluding crashes of `self`, and
 * reset the scratch. Returns the clause length. */
static int take_clause(struct ldfi_lineage *lin, int self)
{
	int n = 0;

	for (int node = 0; node < lin->conf->n_nodes; node++) {
		for (int t = 1; lin->space.n_crash && node != self && t <= lin->maxcrash[node]; t++) {
			struct ldfi_fault f = {LDFI_FAULT_CRASH, node, -1, t};

			lin->clause[n++] = ldfi_space_var(&lin->space, &f);
		}
		lin->maxcrash[node] = 0;
	}
	for (int i = 0; i < lin->n_omit_list; i++) {
		lin->clause[n++] = lin->omit_list[i];
		lin->omit_on[lin->omit_list[i]] = 0;
	}
	lin->n_omit_list = 0;
	qsort(lin->clause, (size_t)n, sizeof(int), cmp_int);
	return n;
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
	w->mark = calloc(tr->n_msgs + 1, sizeof(uint32_t));
	w->stack = malloc((tr->n_msgs + 1) * sizeof(uint32_t));
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
	if (id >= 1 && id <= w->tr->n_msgs && w->mark[id] != w->stamp) {
		w->mark[id] = w->stamp;
		w->stack[w->n_stack++] = id;
	}
}

/* Visit every ancestor of `ids` (and themselves). */
static void walk_run(struct walk *w, const uint32_t *ids, uint32_t n,
		     void (*fn)(const struct ldfi_msg *m, void *arg), void *arg)
{
	const struct ldfi_trace *tr = w->tr;

	w->stamp++;
	for (uint32_t i = n; i > 0; i--)
		walk_push(w, ids[i - 1]);
	while (w->n_stack) {
		const struct ldfi_msg *m = &tr->msgs[w->stack[--w->n_stack] - 1];

		fn(m, arg);
		for (uint32_t i = m->n_parents; i > 0; i--)
			walk_push(w, tr->parents[m->parents_off + i - 1]);
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

static void note_cb(const struct ldfi_msg *m, void *arg)
{
	note_msg(arg, m);
}

/* Add the derivation through messages `ids` as a support of outcome `k`,
 * whose own node is `self`. */
static int add_derivation(struct ldfi_lineage *lin, struct walk *w, const struct okey *k,
			  const uint32_t *ids, uint32_t n, int self, int *n_new)
{
	struct ldfi_outcome *o;
	int len, rc;

	walk_run(w, ids, n, note_cb, lin);
	len = take_clause(lin, self);
	if (len == 0)
		return 0; /* nothing in the bounds can cut it */
	o = outcome(lin, k);
	if (!o)
		return LDFI_ENOMEM;
	rc = add_support(o, lin->clause, len);
	if (rc < 0)
		return rc;
	*n_new += rc;
	return 0;
}

static int add_outputs(struct ldfi_lineage *lin, struct walk *w, const struct ldfi_trace *tr,
		       int *n_new)
{
	for (size_t i = 0; i < tr->n_outs; i++) {
		const struct ldfi_output *o = &tr->outs[i];
		struct okey k = {LDFI_OUTCOME_HELD, o->rec, o->comp, o->node, -1, -1};
		int rc;

		if (!ldfi_trace_alive(tr, o->node))
			continue;
		rc = add_derivation(lin, w, &k, tr->parents + o->parents_off, o->n_parents, o->node,
				    n_new);
		if (rc)
			return rc;
	}
	return 0;
}

static int add_acks(struct ldfi_lineage *lin, struct walk *w, const struct ldfi_trace *tr,
		    int *n_new)
{
	for (size_t i = 0; i < tr->n_msgs; i++) {
		const struct ldfi_msg *m = &tr->msgs[i];
		struct okey k = {LDFI_OUTCOME_ACKED, m->rec, m->dst_comp, m->dst_node, m->src_comp,
				 m->src_node};
		int rc;

		if (m->kind != LDFI_MSG_ACK || m->fate != LDFI_FATE_DELIVERED ||
		    !ldfi_trace_alive(tr, m->dst_node))
			continue;
		rc = add_derivation(lin, w, &k, &m->id, 1, m->dst_node, n_new);
		if (rc)
			return rc;
	}
	return 0;
}

int ldfi_lineage_add_trace(struct ldfi_lineage *lin, const struct ldfi_trace *tr, int *n_new)
{
	struct walk w;
	int added = 0, rc;

	if ((rc = walk_init(&w, tr)))
		return rc;
	rc = add_outputs(lin, &w, tr, &added);
	if (!rc)
		rc = add_acks(lin, &w, tr, &added);
	walk_finish(&w);
	if (n_new)
		*n_new = added;
	return rc;
}

int ldfi_lineage_add_run(struct ldfi_lineage *lin, struct ldfi_db *db, int64_t run, int *n_new)
{
	struct ldfi_trace *tr;
	int rc = ldfi_db_load_trace(db, lin->conf, run, &tr);

	if (rc)
		return rc;
	rc = ldfi_lineage_add_trace(lin, tr, n_new);
	ldfi_trace_destroy(tr);
	return rc;
}
