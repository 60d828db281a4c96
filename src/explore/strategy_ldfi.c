/*
 * strategy_ldfi.c - lineage-driven candidates: for every good outcome, the
 * minimal fault sets that cut all of its known supports (solver/hitset),
 * smallest first across all outcomes; never one already tried nor a
 * superset of a counterexample. When a run adds supports to an outcome, its
 * enumeration restarts from the new formula. Outcomes whose supports are
 * the same list share one enumeration (a stream): the acked and held
 * outcomes of different records and of parallel replicas often have
 * identical lineage, and a stream's next candidate depends only on its
 * formula, the tried sets and the counterexamples.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ldfi/ldfi.h"
#include "solver/hitset.h"
#include "src/explore/extend.h"
#include "src/explore/pool.h"
#include "src/explore/samerun.h"
#include "src/explore/strategy.h"

/* The enumeration of one formula (the supports of every outcome in the
 * stream, the same list for each) and its next candidate. Its solver lives
 * only while it computes a candidate: then it is freed, and rebuilt from the
 * supports and `blk` when the stream must go on, so at most one solver
 * exists at a time and none keeps a long enumeration's learned clauses
 * (docs/performance.md, memory). The next candidate is the first minimal
 * set of the formula (smallest, then lexicographic) that is neither tried
 * nor a counterexample's superset, whatever `blk` and `level` hold (they
 * only save work), so outcomes with equal supports can share it. That also
 * makes the fills of one step independent: with --jobs they run on worker
 * threads (fill_all), each stream touched by one thread only, and give the
 * same candidates in any order. */
struct stream {
	struct ldfi_hitset *h;
	uint64_t key; /* hash of the supports list (support_key) */
	int members;  /* outcomes in the stream; 0: the slot is free */
	int rep;      /* a member whose supports are the formula, or -1: look */
	int *peek;    /* next candidate, valid when has_peek */
	int n_peek;
	bool has_peek;
	bool done;
	bool last;   /* peek[] holds the last set returned, not yet in blk */
	int level;   /* size of that set: where a rebuilt solver resumes */
	long pruned; /* candidates this fill skipped, added to base.pruned after it */
	double cost; /* CPU seconds of its last fill, to schedule the next (fill_parallel) */
	/* The tried sets (numbers in base.tried) this enumeration returned:
	 * a rebuilt solver blocks them and resumes where the last one
	 * stopped, with the same sets to come. */
	uint32_t *blk;
	int n_blk, cap_blk;
};

struct gen_ldfi {
	struct ldfi_gen base;
	/* Plugin checks that are not about records held (no `holds`) can fail
	 * because faults *create* outputs, which no lineage of the good run
	 * points to: once lineage has nothing left, the rest of the space is
	 * searched exhaustively, smallest first (docs/lineage.md). NULL when
	 * every check is about records held. */
	struct ldfi_gen *rest;
	/* Before that completion: extensions of passing runs. A run with faults
	 * F whose good outcomes held only because of F (conditional supports)
	 * suggests F plus a cut of those outcomes - how a fault *adds* to a
	 * failure (3pc: an abort that saved b, then lost). Only hypotheses are
	 * added, so soundness rests on the completion as before. */
	int **ext_runs; /* passing runs' fault sets, in the order they ran */
	int *ext_n;
	int n_ext, cap_ext;
	int ext_f, ext_o; /* cursor: run, outcome */
	struct ldfi_hitset *ext_h;
	/* The next candidate of each (an extension never jumps ahead of the
	 * completion's size: counterexamples stay smallest first). */
	int *peek[2], n_peek[2];
	bool has_peek[2];
	bool rest_done; /* the completion has no set left */
	/* One-fault extensions (src/explore/extend.h): beside lineage's hypotheses,
	 * ranked with them, long before the completion. */
	struct ldfi_ext *ext1;
	/* What each run sent, so that the completion skips sets that run as
	 * one already run (src/explore/samerun.h). */
	struct ldfi_samerun *same;
	struct ldfi_lineage *lin;
	struct stream *streams; /* slots, free ones with members == 0 */
	int n_streams;
	/* Per outcome: its stream (-1 none yet) and the outcome's version
	 * when it joined it. */
	int *cls;
	uint64_t *over;
	int n_outs;
	int *buf;	     /* room for a fault set */
	unsigned char *mark; /* per variable, scratch, kept all zero */
	/* Read only once created (fills of several threads share them): the
	 * crash variables 1..n_crash, the restart variables, and per node its
	 * crash and restart variables (per_node of them each). */
	int *crash_vars, *restart_vars, *node_vars, per_node;
	/* Fills of one step (fill_all): the streams to fill, a room for a
	 * fault set per worker, and each fill's result. */
	int *todo, *todo_rc, *todo_order, cap_todo;
	int **wbuf, n_wbuf;
	/* Fault sets that run exactly as a passing run learned already (its
	 * crashes earlier, over rounds their node did nothing in:
	 * ldfi_lineage_same_runs); NULL when a check could tell them apart
	 * (a plugin or process check is given the crash rounds). */
	struct ldfi_setset *same_run;
};

/* The crash and restart budgets, and at most one crash or restart per
 * node. */
static int node_constraints(const struct gen_ldfi *g, struct ldfi_hitset *h)
{
	const struct ldfi_space *sp = &g->base.space;
	const struct ldfi_conf *conf = g->base.conf;
	int rc = 0;

	if (sp->n_crash) {
		rc = ldfi_hitset_add_atmost(h, g->crash_vars, sp->n_crash, conf->crashes);
		for (int node = 0; !rc && !sp->n_restart && node < conf->n_nodes; node++)
			rc = ldfi_hitset_add_atmost(h, g->crash_vars + node * conf->eot, conf->eot,
						    1);
	}
	if (!sp->n_restart || rc)
		return rc;
	rc = ldfi_hitset_add_atmost(h, g->restart_vars, sp->n_restart, conf->restarts);
	for (int node = 0; !rc && node < conf->n_nodes; node++)
		rc = ldfi_hitset_add_atmost(h, g->node_vars + node * g->per_node, g->per_node, 1);
	return rc;
}

/* Build a solver for outcome `o` with the bounds' crash constraints and the
 * counterexamples blocked. */
/* A solver for outcome `o` with the bounds' crash constraints, the
 * counterexamples blocked and the faults `force` (n_force of them)
 * required. The solver is the caller's (ldfi_hitset_destroy), also on
 * error. */
static int solver_build(struct gen_ldfi *g, const struct ldfi_outcome *o, const int *force,
			int n_force, struct ldfi_hitset **out)
{
	const struct ldfi_space *sp = &g->base.space;
	struct ldfi_hitset *h = ldfi_hitset_create(sp->n_vars, 0);
	int rc = 0;

	if (!(*out = h))
		return LDFI_ENOMEM;
	if (g->base.stop)
		ldfi_hitset_set_interrupt(h, g->base.stop, g->base.stop_arg);
	rc = ldfi_hitset_set_order(h, g->base.rank);
	for (int i = 0; !rc && i < o->n_supports; i++) {
		/* A large run's outcome can have millions of supports. */
		if (i % LDFI_GEN_POLL_EVERY == LDFI_GEN_POLL_EVERY - 1 &&
		    ldfi_gen_stopped(&g->base))
			return LDFI_GEN_STOPPED;
		rc = ldfi_hitset_add_conditional(h, o->supports[i].vars, o->supports[i].n,
						 o->supports[i].neg, o->supports[i].n_neg);
	}
	for (int i = 0; !rc && i < n_force; i++)
		rc = ldfi_hitset_add_conditional(h, &force[i], 1, NULL, 0);
	/* A shard's cube: its variables in or out of every set (the smallest
	 * sets of the part, not the part's share of the whole's). */
	for (int i = 0; !rc && g->base.shard && i < g->base.shard->n_lits; i++) {
		int v = abs(g->base.shard->lits[i]);

		rc = g->base.shard->lits[i] > 0 ? ldfi_hitset_add_conditional(h, &v, 1, NULL, 0)
						: ldfi_hitset_block(h, &v, 1);
	}
	if (!rc && g->base.shard && g->base.shard->empty)
		rc = ldfi_hitset_block(h, NULL, 0);
	if (!rc)
		rc = node_constraints(g, h);
	for (int i = 0; !rc && i < g->base.n_cex; i++)
		rc = ldfi_hitset_block(h, g->base.cex[i], g->base.cex_n[i]);
	return rc;
}

/* Notes the last set `s` returned in blk if it was tried since. */
static int stream_note(struct gen_ldfi *g, struct stream *s)
{
	long i;

	if (!s->last)
		return 0;
	s->last = false;
	if ((i = ldfi_setset_find(g->base.tried, s->peek, s->n_peek)) < 0)
		return 0; /* a counterexample's superset: blocked as such */
	if (s->n_blk == s->cap_blk) {
		int cap = s->cap_blk ? 2 * s->cap_blk : 16;
		uint32_t *p = realloc(s->blk, (size_t)cap * sizeof(*p));

		if (!p)
			return LDFI_ENOMEM;
		s->blk = p;
		s->cap_blk = cap;
	}
	s->blk[s->n_blk++] = (uint32_t)i;
	return 0;
}

/* Whether the fault set marked in g->mark satisfies support c. */
static bool satisfies(const struct gen_ldfi *g, const struct ldfi_clause *c)
{
	for (int k = 0; k < c->n; k++)
		if (g->mark[c->vars[k]])
			return true;
	for (int k = 0; k < c->n_neg; k++)
		if (!g->mark[c->neg[k]])
			return true;
	return false;
}

/* Outcome `o` gained supports and leaves stream `from` for the new stream
 * `s`: s's blk gets the sets of from's blk that o's new formula still
 * allows. Supports only accumulate (one dropped is implied by the one that
 * replaced it), and the newest are last, so a set allowed before needs
 * checking against the supports added since `over` (o's version when it
 * joined `from`) only. Blocking a tried set that the formula allows
 * changes no candidate to come: it excludes that set, tried already, and
 * its proper supersets, none of them minimal.
 * s's enumeration may start at from's level, or at the size of the
 * smallest set dropped if smaller: every set the old formula allowed below
 * from's level contained a set of from's blk or a counterexample; one the
 * new formula allows is allowed by the old one, so below that size it
 * still contains a kept set of blk or a counterexample (a dropped set
 * inside it would be no larger than it). That skips the proofs that the
 * smaller sizes are empty, the costly SAT calls of a fresh solver.
 * Returns 0 or LDFI_ENOMEM. */
static int stream_inherit(struct gen_ldfi *g, struct stream *s, const struct stream *from,
			  const struct ldfi_outcome *o, uint64_t over)
{
	uint64_t added = o->version - over;
	int first = added < (uint64_t)o->n_supports ? o->n_supports - (int)added : 0;

	if (from->n_blk > s->cap_blk) {
		uint32_t *p = realloc(s->blk, (size_t)from->n_blk * sizeof(*p));

		if (!p)
			return LDFI_ENOMEM;
		s->blk = p;
		s->cap_blk = from->n_blk;
	}
	s->n_blk = 0;
	s->level = from->level;
	for (int b = 0; b < from->n_blk; b++) {
		int n =
		    ldfi_setset_get(g->base.tried, from->blk[b], g->buf, g->base.space.n_vars + 1);
		bool ok = true;

		for (int k = 0; k < n; k++)
			g->mark[g->buf[k]] = 1;
		for (int i = first; ok && i < o->n_supports; i++)
			ok = satisfies(g, &o->supports[i]);
		for (int k = 0; k < n; k++)
			g->mark[g->buf[k]] = 0;
		if (ok && n >= 0)
			s->blk[s->n_blk++] = from->blk[b];
		else if (n < s->level)
			s->level = n > 0 ? n : 0;
	}
	return 0;
}

/* A solver for `s` (over the supports of outcome `o`, a member) that
 * resumes after the sets it returned; `buf` has room for a fault set. */
static int stream_solver(struct gen_ldfi *g, struct stream *s, const struct ldfi_outcome *o,
			 int *buf)
{
	int rc = solver_build(g, o, NULL, 0, &s->h);

	for (int b = 0; !rc && b < s->n_blk; b++) {
		int n = ldfi_setset_get(g->base.tried, s->blk[b], buf, g->base.space.n_vars + 1);

		rc = n < 0 ? n : ldfi_hitset_block(s->h, buf, n);
	}
	if (rc == LDFI_GEN_STOPPED) {
		/* Half built: the next call builds it again. */
		ldfi_hitset_destroy(s->h);
		s->h = NULL;
		return rc;
	}
	/* Every allowed smaller set is blocked: tried (in blk) or a
	 * counterexample's superset. */
	return rc ? rc : ldfi_hitset_start_at(s->h, s->level);
}

/* A member of stream `c` whose supports are its formula: one whose version
 * is the one it joined with. */
static int stream_rep(struct gen_ldfi *g, int c)
{
	struct stream *s = &g->streams[c];

	for (int i = 0; s->rep < 0 && i < g->n_outs; i++)
		if (g->cls[i] == c && g->over[i] == ldfi_lineage_outcome(g->lin, i)->version)
			s->rep = i;
	return s->rep;
}

/* Advance stream `c` to its next candidate that is neither tried nor
 * excluded; `buf` has room for a fault set. Touches only stream c (and
 * reads what no fill writes), so fills of different streams can run at
 * once. */
static int stream_fill(struct gen_ldfi *g, int c, int *buf)
{
	const struct ldfi_space *sp = &g->base.space;
	struct stream *s = &g->streams[c];
	int rc;

	if (s->has_peek || s->done)
		return 0;
	if ((rc = stream_note(g, s)))
		return rc;
	if (!s->h &&
	    (rc = stream_solver(g, s, ldfi_lineage_outcome(g->lin, stream_rep(g, c)), buf)))
		return rc;
	while (!s->has_peek && !s->done) {
		int n;

		rc = ldfi_hitset_next(s->h, s->peek, sp->n_vars + 1, &n);
		if (rc == LDFI_HITSET_STOPPED)
			return LDFI_GEN_STOPPED;
		if (rc < 0)
			return rc;
		if (rc == 0) {
			s->done = true;
			break;
		}
		s->n_peek = n;
		s->last = true;
		s->level = n;
		if (ldfi_gen_skip(&g->base, s->peek, n)) {
			/* As ldfi_gen_count_pruned, into the stream's own
			 * counter: fills run on several threads. */
			s->pruned += !ldfi_setset_has(g->base.tried, s->peek, n);
			if ((rc = stream_note(g, s)))
				return rc;
			continue;
		}
		s->has_peek = true;
	}
	/* Park (or, exhausted, retire until its outcomes change). */
	ldfi_hitset_destroy(s->h);
	s->h = NULL;
	return 0;
}

/* Hash of an outcome's supports list: supports are interned lineage-wide
 * (lineage.h), so equal lists have equal pointers. */
static uint64_t support_key(const struct ldfi_outcome *o)
{
	uint64_t h = 1469598103934665603ull ^ (uint64_t)o->n_supports;

	for (int i = 0; i < o->n_supports; i++) {
		h = (h ^ (uint64_t)(uintptr_t)o->supports[i].vars) * 1099511628211ull;
		h = (h ^ (uint64_t)(uintptr_t)o->supports[i].neg) * 1099511628211ull;
	}
	return h ^ (h >> 31);
}

static bool same_supports(const struct ldfi_outcome *a, const struct ldfi_outcome *b)
{
	if (a->n_supports != b->n_supports)
		return false;
	for (int i = 0; i < a->n_supports; i++)
		if (a->supports[i].vars != b->supports[i].vars ||
		    a->supports[i].neg != b->supports[i].neg)
			return false;
	return true;
}

/* A free stream slot, emptied (its peek and blk buffers kept); its index
 * or LDFI_ENOMEM. */
static int stream_new(struct gen_ldfi *g)
{
	struct stream *s;
	int c;

	for (c = 0; c < g->n_streams; c++)
		if (!g->streams[c].members)
			break;
	if (c == g->n_streams) {
		if (!(s = realloc(g->streams, ((size_t)c + 1) * sizeof(*s))))
			return LDFI_ENOMEM;
		g->streams = s;
		memset(&s[c], 0, sizeof(s[c]));
		if (!(s[c].peek = malloc(((size_t)g->base.space.n_vars + 1) * sizeof(int))))
			return LDFI_ENOMEM;
		g->n_streams++;
	}
	s = &g->streams[c];
	ldfi_hitset_destroy(s->h);
	s->h = NULL;
	s->has_peek = s->done = s->last = false;
	s->cost = 1e9; /* not filled yet: first in the schedule */
	s->level = 0;
	s->n_blk = 0;
	s->rep = -1;
	return c;
}

/* Puts outcome `i`, new or with new supports, in the stream of its
 * supports: an existing one with the same list, or a new one that inherits
 * the tried sets of its old stream. Returns 0 or LDFI_ENOMEM. */
static int stream_join(struct gen_ldfi *g, int i)
{
	const struct ldfi_outcome *o = ldfi_lineage_outcome(g->lin, i);
	uint64_t key = support_key(o);
	int old = g->cls[i], c, rc;

	if (old >= 0 && (rc = stream_note(g, &g->streams[old])))
		return rc;
	for (c = 0; c < g->n_streams; c++) {
		struct stream *s = &g->streams[c];

		if (c != old && s->members && s->key == key && stream_rep(g, c) >= 0 &&
		    same_supports(o, ldfi_lineage_outcome(g->lin, s->rep)))
			break;
	}
	if (c == g->n_streams) {
		if ((c = stream_new(g)) < 0)
			return c;
		g->streams[c].key = key;
		if (old >= 0 &&
		    (rc = stream_inherit(g, &g->streams[c], &g->streams[old], o, g->over[i])))
			return rc;
	}
	if (old >= 0) {
		struct stream *s = &g->streams[old];

		if (!--s->members) {
			ldfi_hitset_destroy(s->h);
			s->h = NULL;
		}
		if (s->rep == i)
			s->rep = -1;
	}
	g->cls[i] = c;
	g->over[i] = o->version;
	if (g->streams[c].members++ == 0 || g->streams[c].rep < 0)
		g->streams[c].rep = i;
	return 0;
}

static int grow_outcomes(struct gen_ldfi *g, int n)
{
	int *c;
	uint64_t *v;

	if (n <= g->n_outs)
		return 0;
	if (!(c = realloc(g->cls, (size_t)n * sizeof(*c))))
		return LDFI_ENOMEM;
	g->cls = c;
	if (!(v = realloc(g->over, (size_t)n * sizeof(*v))))
		return LDFI_ENOMEM;
	g->over = v;
	for (int i = g->n_outs; i < n; i++)
		g->cls[i] = -1;
	g->n_outs = n;
	return 0;
}

/* The exhaustive completion: its next set that this strategy has neither
 * tried nor excluded. */
static int rest_next(struct gen_ldfi *g, int *vars, int cap, int *n)
{
	long polls = 0;
	int rc;

	g->rest->stop = g->base.stop;
	g->rest->stop_arg = g->base.stop_arg;
	while ((rc = g->rest->ops->next(g->rest, vars, cap, n)) == 1) {
		if (ldfi_gen_skip(&g->base, vars, *n) ||
		    ldfi_samerun_same(g->same, g->base.tried, vars, *n)) {
			ldfi_gen_count_pruned(&g->base, vars, *n);
			/* This one is settled: stopping here loses nothing. */
			if (++polls % LDFI_GEN_POLL_EVERY == 0 && ldfi_gen_stopped(&g->base))
				return LDFI_GEN_STOPPED;
			continue;
		}
		/* Taken: its pending count (an upper bound) goes down. */
		return (rc = ldfi_gen_base_learn(g->rest, vars, *n, true)) ? rc : 1;
	}
	return rc;
}

/* The next extension of a passing run: F plus a minimal cut of an outcome
 * that held in F's run because of F. */
static int ext_next(struct gen_ldfi *g, int *vars, int cap, int *n)
{
	int n_out = ldfi_lineage_n_outcomes(g->lin), rc;

	while (g->ext_f < g->n_ext) {
		const int *f = g->ext_runs[g->ext_f];
		int nf = g->ext_n[g->ext_f];

		if (!g->ext_h) {
			while (g->ext_o < n_out &&
			       !ldfi_ext_held_because_of(ldfi_lineage_outcome(g->lin, g->ext_o), f,
							 nf))
				g->ext_o++;
			if (g->ext_o == n_out) {
				g->ext_f++;
				g->ext_o = 0;
				continue;
			}
			if ((rc = solver_build(g, ldfi_lineage_outcome(g->lin, g->ext_o), f, nf,
					       &g->ext_h))) {
				/* Stopped half built: the next call builds it again. */
				ldfi_hitset_destroy(g->ext_h);
				g->ext_h = NULL;
				return rc;
			}
		}
		rc = ldfi_hitset_next(g->ext_h, vars, cap, n);
		if (rc == LDFI_HITSET_STOPPED)
			return LDFI_GEN_STOPPED;
		if (rc < 0)
			return rc;
		if (rc == 0) {
			ldfi_hitset_destroy(g->ext_h);
			g->ext_h = NULL;
			g->ext_o++;
			continue;
		}
		if (!ldfi_gen_skip(&g->base, vars, *n))
			return 1;
		ldfi_gen_count_pruned(&g->base, vars, *n);
	}
	return 0;
}

static int ext_add(struct gen_ldfi *g, const int *vars, int n)
{
	if (g->n_ext == g->cap_ext) {
		int cap = g->cap_ext ? 2 * g->cap_ext : 16;
		int **r = realloc(g->ext_runs, (size_t)cap * sizeof(*r));
		int *rn = r ? realloc(g->ext_n, (size_t)cap * sizeof(*rn)) : NULL;

		if (r)
			g->ext_runs = r;
		if (!rn)
			return LDFI_ENOMEM;
		g->ext_n = rn;
		g->cap_ext = cap;
	}
	if (!(g->ext_runs[g->n_ext] = malloc(((size_t)n + 1) * sizeof(int))))
		return LDFI_ENOMEM;
	memcpy(g->ext_runs[g->n_ext], vars, (size_t)n * sizeof(int)); /* ascending, as neg */
	g->ext_n[g->n_ext++] = n;
	return 0;
}

/* After lineage: the smaller of the next extension and the completion's
 * next set (extensions first on a tie). */
static int tail_next(struct gen_ldfi *g, int *vars, int cap, int *n)
{
	int pick, rc;

	for (int k = 0; k < 2; k++) {
		if (g->has_peek[k] && ldfi_gen_skip(&g->base, g->peek[k], g->n_peek[k]))
			g->has_peek[k] = false;
		if (g->has_peek[k])
			continue;
		rc = k == 0 ? ext_next(g, g->peek[0], g->base.space.n_vars + 1, &g->n_peek[0])
			    : rest_next(g, g->peek[1], g->base.space.n_vars + 1, &g->n_peek[1]);
		if (rc < 0 || rc == LDFI_GEN_STOPPED)
			return rc;
		g->has_peek[k] = rc == 1;
		g->rest_done |= k == 1 && rc == 0;
	}
	if (!g->has_peek[0] && !g->has_peek[1])
		return 0;
	pick = !g->has_peek[0] || (g->has_peek[1] && g->n_peek[1] < g->n_peek[0]);
	if (g->n_peek[pick] > cap)
		return LDFI_ELIMIT;
	*n = g->n_peek[pick];
	memcpy(vars, g->peek[pick], (size_t)*n * sizeof(int));
	g->has_peek[pick] = false;
	return 1;
}

/* Whether a component forgets at a restart what kept it from processing a
 * copy again: a relay or window-count with volatile dedup memory (a second
 * forward or count), or a plugin or process stage (its state invisible to
 * lineage when it suppresses): the extra copies it then makes have no
 * suppressor outcome in the lineage (docs/lineage.md, Restarts). */
static bool forgets_dedup(const struct ldfi_comp *c)
{
	return c->type == LDFI_COMP_STAGE &&
	       (c->kind == LDFI_KIND_PLUGIN || c->kind == LDFI_KIND_PROCESS ||
		(c->dedup && !c->durable));
}

/* Whether a check of one of the kinds in `kinds` (a bit per enum
 * ldfi_check_kind) reads a sink that a component `feeds` accepts is
 * upstream of. */
static bool feeds_check(const struct ldfi_conf *conf, unsigned kinds,
			bool (*feeds)(const struct ldfi_comp *))
{
	for (int i = 0; i < conf->n_checks; i++) {
		const struct ldfi_check *k = &conf->checks[i];

		if (!(kinds & 1u << k->kind) || k->sink < 0)
			continue;
		for (int c = 0; c < conf->n_comps; c++)
			if (feeds(&conf->comps[c]) && ldfi_conf_upstream(conf, c, k->sink))
				return true;
	}
	return false;
}

/* With restarts, whether a check that counts copies reads a sink with such
 * a component upstream: strategy ldfi then completes its search
 * exhaustively before it certifies, as for plugin checks. */
static bool restart_creates_copies(const struct ldfi_conf *conf)
{
	return conf->restarts > 0 &&
	       feeds_check(conf,
			   1u << LDFI_CHECK_NO_DUPLICATES | 1u << LDFI_CHECK_EXACTLY_ONCE |
			       1u << LDFI_CHECK_MATCHES_FAULT_FREE,
			   forgets_dedup);
}

/* A window-count stage of several replicas. */
static bool replicated_window(const struct ldfi_comp *c)
{
	return c->type == LDFI_COMP_STAGE && c->kind == LDFI_KIND_WINDOW_COUNT && c->n_nodes > 1;
}

/* Whether a check that fails on a record the fault-free run did not hold
 * (matches-fault-free, agreement) reads a sink fed by a window-count stage
 * of several replicas. A delay moves a copy into a later window at one
 * replica: it emits an aggregate no good run held, while another replica
 * still delivers the original, so no outcome is lost and lineage has no
 * support to cut (docs/lineage.md, Why a certificate can be trusted). */
static bool window_creates_records(const struct ldfi_conf *conf)
{
	return feeds_check(conf, 1u << LDFI_CHECK_MATCHES_FAULT_FREE | 1u << LDFI_CHECK_AGREEMENT,
			   replicated_window);
}

/* Whether some check can fail other than by losing records, so that
 * strategy ldfi completes its search exhaustively before it certifies: a
 * plugin or process check with no `holds`, copies a restart creates, or
 * records a replicated window creates. */
static bool needs_rest(const struct ldfi_conf *conf)
{
	for (int i = 0; i < conf->n_checks; i++)
		if ((conf->checks[i].kind == LDFI_CHECK_PLUGIN ||
		     conf->checks[i].kind == LDFI_CHECK_PROCESS) &&
		    conf->checks[i].holds < 0)
			return true;
	return restart_creates_copies(conf) || window_creates_records(conf);
}

/* Whether a plugin or process check runs: it is given the whole trace,
 * crash rounds included, so two runs that differ only in when a node that
 * did nothing crashed may differ to it. */
static bool checks_see_crash_rounds(const struct ldfi_conf *conf)
{
	for (int i = 0; i < conf->n_checks; i++)
		if (conf->checks[i].kind == LDFI_CHECK_PLUGIN ||
		    conf->checks[i].kind == LDFI_CHECK_PROCESS)
			return true;
	return false;
}

/* Whether a one-fault extension e (n_e faults) goes before lineage's best
 * candidate (n_best faults, -1 when none): one fault less when it cuts an
 * output that exists only under faults (the fault added is what turns the
 * run's divergence into a conflict), and on a tie those first, lineage
 * before the others. */
static bool ext_first(int n_e, bool created, int n_best)
{
	int rank = n_e - created;

	return n_best < 0 || rank < n_best || (rank == n_best && created);
}

static double thread_cpu_s(void)
{
	struct timespec t;

	return clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t) ? 0 : t.tv_sec + t.tv_nsec / 1e9;
}

/* Longest first: the last fill's cost predicts the next one's, and a new
 * stream (no cost yet) goes first. Only the schedule depends on it, never
 * a candidate. */
static void fill_schedule(struct gen_ldfi *g, int *order, int n)
{
	for (int i = 0; i < n; i++) {
		double c = g->streams[g->todo[i]].cost;
		int j = i;

		for (; j > 0 && g->streams[g->todo[order[j - 1]]].cost < c; j--)
			order[j] = order[j - 1];
		order[j] = i;
	}
}

/* A pool task: fill g->todo[i] with the room of thread `worker`. */
static void fill_task(void *ctx, int i, int worker)
{
	struct gen_ldfi *g = ctx;
	double t = thread_cpu_s();

	g->todo_rc[i] = stream_fill(g, g->todo[i], g->wbuf[worker]);
	g->streams[g->todo[i]].cost = thread_cpu_s() - t;
}

/* Room for a fault set per thread of the pool. */
static int fill_rooms(struct gen_ldfi *g)
{
	int n, **p;

	if ((n = ldfi_pool_threads(g->base.pool)) <= g->n_wbuf)
		return 0;
	if (!(p = realloc(g->wbuf, (size_t)n * sizeof(*p))))
		return LDFI_ENOMEM;
	g->wbuf = p;
	for (; g->n_wbuf < n; g->n_wbuf++)
		if (!(p[g->n_wbuf] = malloc(((size_t)g->base.space.n_vars + 1) * sizeof(int))))
			return LDFI_ENOMEM;
	return 0;
}

/* Fill the n streams of g->todo (a -1 after them) on the pool's threads.
 * Every fill runs; the result is the first error (or LDFI_GEN_STOPPED) in
 * list order, as if they had run one after the other up to it (a fill that
 * ran beyond it only did work the next call would do, with the same
 * outcome). */
static int fill_parallel(struct gen_ldfi *g, int n)
{
	int rc;

	if ((rc = fill_rooms(g)))
		return rc;
	fill_schedule(g, g->todo_order, n);
	for (int i = 0; i < n; i++)
		g->todo_rc[i] = 0;
	ldfi_pool_run(g->base.pool, n, g->todo_order, fill_task, g);
	for (int i = 0; i < n; i++)
		if (g->todo_rc[i])
			return g->todo_rc[i];
	return 0;
}

/* Fill every stream that has no candidate: one after the other, or with
 * --jobs on worker threads when more than one needs it. */
static int fill_all(struct gen_ldfi *g)
{
	int n = 0, rc = 0;

	if (g->cap_todo < g->n_streams + 1) {
		int cap = g->n_streams + 1;
		int *t = realloc(g->todo, (size_t)cap * sizeof(*t));
		int *r = t ? realloc(g->todo_rc, (size_t)cap * sizeof(*r)) : NULL;
		int *o = r ? realloc(g->todo_order, (size_t)cap * sizeof(*o)) : NULL;

		if (t)
			g->todo = t;
		if (r)
			g->todo_rc = r;
		if (!o)
			return LDFI_ENOMEM;
		g->todo_order = o;
		g->cap_todo = cap;
	}
	for (int c = 0; c < g->n_streams; c++) {
		struct stream *s = &g->streams[c];

		if (!s->members)
			continue;
		if (s->has_peek && ldfi_gen_skip(&g->base, s->peek, s->n_peek))
			s->has_peek = false;
		if (!s->has_peek && !s->done)
			g->todo[n++] = c;
	}
	g->todo[n] = -1;
	if (g->base.pool && n > 1)
		rc = fill_parallel(g, n);
	else
		for (int i = 0; i < n && !rc; i++)
			rc = stream_fill(g, g->todo[i], g->buf);
	for (int i = 0; i < n; i++) {
		g->base.pruned += g->streams[g->todo[i]].pruned;
		g->streams[g->todo[i]].pruned = 0;
	}
	return rc;
}

/* The stream with the smallest candidate (-1: none), after every fill. */
static int best_stream(struct gen_ldfi *g, int *rc)
{
	int n_out = ldfi_lineage_n_outcomes(g->lin), best = -1;

	if ((*rc = grow_outcomes(g, n_out)))
		return -1;
	for (int i = 0; i < n_out; i++)
		if ((g->cls[i] < 0 || g->over[i] != ldfi_lineage_outcome(g->lin, i)->version) &&
		    (*rc = stream_join(g, i)))
			return -1;
	if ((*rc = fill_all(g)))
		return -1; /* an error, or LDFI_GEN_STOPPED */
	for (int c = 0; c < g->n_streams; c++) {
		struct stream *s = &g->streams[c];

		if (s->members && s->has_peek &&
		    (best < 0 ||
		     ldfi_gen_cmp_sets(g->base.rank, s->peek, s->n_peek, g->streams[best].peek,
				       g->streams[best].n_peek) < 0))
			best = c;
	}
	return best;
}

/* Whether stream c's candidate runs as a passing run learned already: it
 * is then settled as if run (its run would fail nothing and teach nothing),
 * marked tried and counted as pruned. */
static int settle_same_run(struct gen_ldfi *g, int c, bool *settled)
{
	const struct stream *s = &g->streams[c];

	*settled = g->same_run && ldfi_setset_has(g->same_run, s->peek, s->n_peek);
	if (!*settled)
		return 0;
	ldfi_gen_count_pruned(&g->base, s->peek, s->n_peek);
	g->base.settled++;
	return ldfi_setset_add(g->base.tried, s->peek, s->n_peek) < 0 ? LDFI_ENOMEM : 0;
}

static int ldfi_next(struct ldfi_gen *base, int *vars, int cap, int *n)
{
	struct gen_ldfi *g = (struct gen_ldfi *)base;
	bool settled = true;
	int best = -1, rc = 0;

	while (settled) {
		if ((best = best_stream(g, &rc)) < 0 && rc)
			return rc;
		if (best < 0)
			break;
		if ((rc = settle_same_run(g, best, &settled)))
			return rc;
	}
	if (g->ext1) {
		const int *e;
		int n_e;
		bool created;

		if (ldfi_ext_peek(g->ext1, base, &e, &n_e, &created) &&
		    ext_first(n_e, created, best < 0 ? -1 : g->streams[best].n_peek)) {
			if (n_e > cap)
				return LDFI_ELIMIT;
			*n = n_e;
			memcpy(vars, e, (size_t)n_e * sizeof(int));
			ldfi_ext_pop(g->ext1);
			return 1;
		}
	}
	if (best < 0 && g->rest)
		return tail_next(g, vars, cap, n);
	if (best < 0)
		return 0;
	if (g->streams[best].n_peek > cap)
		return LDFI_ELIMIT;
	*n = g->streams[best].n_peek;
	memcpy(vars, g->streams[best].peek, (size_t)*n * sizeof(int));
	return 1;
}

static int add_same_run(const int *vars, int n, void *arg)
{
	struct gen_ldfi *g = arg;

	return ldfi_setset_add(g->same_run, vars, n) < 0 ? LDFI_ENOMEM : 0;
}

static int ldfi_learn(struct ldfi_gen *base, const struct ldfi_trace *tr, const int *vars, int n,
		      bool passed)
{
	struct gen_ldfi *g = (struct gen_ldfi *)base;
	int rc = ldfi_gen_base_learn(base, vars, n, passed);

	if (rc)
		return rc;
	if (!passed) {
		/* Counterexample: no superset of it is worth running. */
		for (int i = 0; i < g->n_streams && !rc; i++)
			if (g->streams[i].h)
				rc = ldfi_hitset_block(g->streams[i].h, vars, n);
		return rc;
	}
	if (g->rest && n > 0 && (rc = ext_add(g, vars, n)))
		return rc;
	if (!tr)
		return LDFI_EINVAL;
	if ((rc = ldfi_lineage_add_trace(g->lin, tr, NULL)) ||
	    (g->same &&
	     (rc = ldfi_samerun_add(g->same, ldfi_setset_find(base->tried, vars, n), tr))) ||
	    (g->same_run && n > 0 && (rc = ldfi_lineage_same_runs(g->lin, tr, add_same_run, g))))
		return rc;
	return g->ext1 && n > 0 ? ldfi_ext_add_run(g->ext1, g->lin, base, vars, n) : 0;
}

static long ldfi_pending(const struct ldfi_gen *base)
{
	const struct gen_ldfi *g = (const struct gen_ldfi *)base;
	struct ldfi_setset *distinct = ldfi_setset_create();
	long n = 0;

	/* Several streams often queue the same set: count it once. */
	for (int i = 0; i < g->n_streams; i++)
		if (g->streams[i].members && g->streams[i].has_peek)
			n += distinct ? ldfi_setset_add(distinct, g->streams[i].peek,
							g->streams[i].n_peek) > 0
				      : 1;
	ldfi_setset_destroy(distinct);
	if (g->ext1)
		n += ldfi_ext_count(g->ext1);
	/* Not the exhaustive completion's sets left: most of them are skipped
	 * when their turn comes (tried, or the same run as one tried:
	 * src/explore/samerun.h), and "at least N pending" would overstate it. Only
	 * the next set of the extensions beside it, and one while it is not
	 * done. */
	if (g->rest)
		n += g->has_peek[0] + (g->has_peek[1] || !g->rest_done);
	return n;
}

static int ldfi_each_pending(const struct ldfi_gen *base,
			     int (*fn)(const int *vars, int n, void *arg), void *arg)
{
	const struct gen_ldfi *g = (const struct gen_ldfi *)base;
	int rc = 0;

	/* One per outcome, in outcome order, as when each had a stream. */
	for (int i = 0; i < g->n_outs && !rc; i++) {
		const struct stream *s = g->cls[i] >= 0 ? &g->streams[g->cls[i]] : NULL;

		if (s && s->has_peek)
			rc = fn(s->peek, s->n_peek, arg);
	}
	return rc;
}

static void ldfi_destroy(struct ldfi_gen *base)
{
	struct gen_ldfi *g = (struct gen_ldfi *)base;

	for (int i = 0; i < g->n_streams; i++) {
		ldfi_hitset_destroy(g->streams[i].h);
		free(g->streams[i].peek);
		free(g->streams[i].blk);
	}
	free(g->streams);
	free(g->cls);
	free(g->over);
	free(g->buf);
	free(g->mark);
	free(g->crash_vars);
	free(g->restart_vars);
	free(g->node_vars);
	free(g->todo);
	free(g->todo_rc);
	free(g->todo_order);
	for (int i = 0; i < g->n_wbuf; i++)
		free(g->wbuf[i]);
	free(g->wbuf);
	ldfi_gen_destroy(g->rest);
	ldfi_hitset_destroy(g->ext_h);
	ldfi_ext_destroy(g->ext1);
	ldfi_samerun_destroy(g->same);
	ldfi_setset_destroy(g->same_run);
	for (int i = 0; i < g->n_ext; i++)
		free(g->ext_runs[i]);
	free(g->ext_runs);
	free(g->ext_n);
	free(g->peek[0]);
	free(g->peek[1]);
	ldfi_lineage_destroy(g->lin);
	ldfi_gen_base_finish(base);
	free(g);
}

static const struct ldfi_gen_ops ldfi_ops = {
    .next = ldfi_next,
    .learn = ldfi_learn,
    .pending = ldfi_pending,
    .each_pending = ldfi_each_pending,
    .destroy = ldfi_destroy,
};

/* The variable lists node_constraints reads: g->crash_vars, restart_vars
 * and node_vars. Returns 0 or LDFI_ENOMEM. */
static int node_vars_init(struct gen_ldfi *g)
{
	const struct ldfi_space *sp = &g->base.space;
	int first = sp->n_crash + sp->n_omit + 1, n_nodes = g->base.conf->n_nodes;

	g->per_node = (sp->n_crash ? g->base.conf->eot : 0) + sp->rrounds;
	g->crash_vars = malloc(((size_t)sp->n_crash + 1) * sizeof(int));
	g->restart_vars = malloc(((size_t)sp->n_restart + 1) * sizeof(int));
	g->node_vars = malloc(((size_t)n_nodes * g->per_node + 1) * sizeof(int));
	if (!g->crash_vars || !g->restart_vars || !g->node_vars)
		return LDFI_ENOMEM;
	for (int v = 0; v < sp->n_crash; v++)
		g->crash_vars[v] = v + 1;
	for (int i = 0; i < sp->n_restart; i++)
		g->restart_vars[i] = first + i;
	for (int node = 0, n = 0; sp->n_restart && node < n_nodes; node++) {
		for (int t = 0; sp->n_crash && t < g->base.conf->eot; t++)
			g->node_vars[n++] = 1 + node * g->base.conf->eot + t;
		for (int t = 0; t < sp->rrounds; t++)
			g->node_vars[n++] = first + node * sp->rrounds + t;
	}
	return 0;
}

struct ldfi_gen *ldfi_gen_ldfi_create(const struct ldfi_conf *conf, bool all)
{
	struct gen_ldfi *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	if (ldfi_gen_base_init(&g->base, &ldfi_ops, conf, all))
		goto err;
	g->lin = ldfi_lineage_create(conf);
	g->buf = malloc(((size_t)g->base.space.n_vars + 1) * sizeof(int));
	g->mark = calloc((size_t)g->base.space.n_vars + 1, 1);
	if (!g->lin || !g->buf || !g->mark || node_vars_init(g))
		goto err;
	/* Over checks about records held, a smaller failing set would cut
	 * every known support of the lost outcome and so come first. */
	g->base.minimal_cex = !needs_rest(conf) && !g->base.space.n_restart;
	g->base.learns_from_traces = true;
	/* Not beside the exhaustive completion: a run there also feeds the
	 * extensions and the completion's same-run table, which a settled set
	 * would not. */
	if (!checks_see_crash_rounds(conf) && !needs_rest(conf) &&
	    !(g->same_run = ldfi_setset_create()))
		goto err;
	if (needs_rest(conf) &&
	    (!(g->rest = ldfi_gen_completion_create(conf)) || !(g->ext1 = ldfi_ext_create()) ||
	     !(g->same = ldfi_samerun_create(&g->base.space)) ||
	     !(g->peek[0] = malloc(((size_t)g->base.space.n_vars + 1) * sizeof(int))) ||
	     !(g->peek[1] = malloc(((size_t)g->base.space.n_vars + 1) * sizeof(int)))))
		goto err;
	return &g->base;
err:
	ldfi_destroy(&g->base);
	return NULL;
}
