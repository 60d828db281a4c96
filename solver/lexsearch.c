/*
 * lexsearch.c - the lexicographically first hitting set of a size by a
 * depth-first search over ascending position lists (solver/lexsearch.h).
 *
 * A node is a list of chosen positions, its last one q; the positions
 * before q that it does not hold are passed over. Its children add one
 * position e > q, in ascending order, so the tree is walked in
 * lexicographic order and the first node that satisfies every constraint
 * is the answer. The cuts, all sound:
 * - deadline: the open group (a support's positive part, or one of a
 *   conditional whose negative part is all chosen, unhit) with the
 *   smallest last position must be hit by a child at or before it;
 * - packing: each of a greedy family of pairwise disjoint open groups,
 *   restricted to positions after q, needs its own position;
 * - usefulness: a child must hit an unhit group of a support, or of a
 *   conditional none of whose negative positions is passed over, or the
 *   set without it would qualify and be smaller (lexsearch.h);
 * - with one position left, the child must lie in every open group; it
 *   is then checked on the spot instead of becoming a node.
 * At-most constraints and blocks only grow more violated as positions are
 * added, so a violating child is never entered.
 *
 * Positive parts repeat a lot (one derivation, many conditions), so each
 * distinct one is a group with counters of its conditionals that can
 * still apply (alive) and that apply (triggered).
 */
#include "solver/lexsearch.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ldfi/ldfi.h"
#include "model/util.h"

/* Occurrence lists: per position, the constraints that name it, as linked
 * entries in flat arrays (constraints arrive one at a time). */
struct occ {
	int *head;	/* per position: first entry, or -1 */
	int *next, *id; /* per entry */
	size_t n, cap;
};

/* The same, packed per position once the constraints are known (the
 * search's inner loops walk them): position p's are id[start[p] ..
 * start[p + 1]). */
struct csr {
	int *start, *id;
};

/* Distinct position sets, interned: set i is bits[i * words ..). */
struct bitsets {
	uint64_t *bits;
	int n;
	size_t cap;
	uint32_t *slot; /* open addressing: set + 1, or 0 */
	size_t nslot;
};

struct ldfi_lexsearch {
	int m, words;

	/* Groups: the distinct positive parts. Group g has its largest
	 * position last[g] (-1 when empty); plain[g]: a support has it;
	 * alive[g], trig[g]: its conditionals whose condition has no position
	 * passed over, whose condition is all chosen. */
	struct bitsets groups;
	int *last, *plain, *alive, *trig;
	size_t cap_groups;
	int *order;  /* the groups by ascending last */
	bool sorted; /* order, gpos and npos are up to date */
	struct occ gocc;
	struct csr gpos; /* gocc packed */

	/* Conditions: the distinct negative parts, with their positions not
	 * chosen and passed over, and their first conditional (-1: none). */
	struct bitsets conds;
	int *missing, *passed, *first;
	size_t cap_conds;
	struct occ negs;
	struct csr npos; /* negs packed */

	/* Conditionals: their group, and the next one of their condition. */
	int *group, *next;
	int n_cnd;
	size_t cap_cnd;

	/* At-most constraints: their bound and chosen count. */
	int *am_k, *am_count;
	int n_am;
	size_t cap_am;
	struct occ ams;

	/* Blocks: positions not chosen; violated when 0. */
	int *bk_missing;
	int n_bk;
	size_t cap_bk;
	struct occ bks;

	int bad; /* violated at-most constraints and blocks */

	/* Search state and scratch. */
	uint64_t *chosen; /* the node's positions */
	uint64_t *after;  /* the positions after the node's last */
	uint64_t *cover;  /* the packing's union */
	uint64_t *useful; /* per depth, `words` each */
	size_t cap_useful;
	int *stack; /* chosen positions */
	int depth;
	long nodes, budget;
};

static int occ_init(struct occ *o, int m)
{
	o->head = malloc(((size_t)m + 1) * sizeof(*o->head));
	if (!o->head)
		return LDFI_ENOMEM;
	for (int p = 0; p <= m; p++)
		o->head[p] = -1;
	return 0;
}

static void occ_finish(struct occ *o)
{
	free(o->head);
	free(o->next);
	free(o->id);
}

/* Room for n more entries. */
static int occ_reserve(struct occ *o, size_t n)
{
	size_t cap = o->cap;

	if (ldfi_grow(&o->next, &cap, o->n + n, sizeof(*o->next), 64) ||
	    ldfi_grow(&o->id, &o->cap, o->n + n, sizeof(*o->id), 64))
		return LDFI_ENOMEM;
	return 0;
}

/* Links constraint `id` to positions pos[0..n) (room reserved). */
static void occ_link(struct occ *o, const int *pos, int n, int id)
{
	for (int i = 0; i < n; i++) {
		o->next[o->n] = o->head[pos[i]];
		o->id[o->n] = id;
		o->head[pos[i]] = (int)o->n++;
	}
}

struct ldfi_lexsearch *ldfi_lexsearch_create(int m)
{
	struct ldfi_lexsearch *x;
	size_t w;

	if (m < 0)
		return NULL;
	x = calloc(1, sizeof(*x));
	if (!x)
		return NULL;
	x->m = m;
	x->words = m > 0 ? (m + 63) / 64 : 1;
	w = (size_t)x->words;
	x->chosen = calloc(w, sizeof(*x->chosen));
	x->after = malloc(w * sizeof(*x->after));
	x->cover = malloc(w * sizeof(*x->cover));
	x->stack = malloc(((size_t)m + 1) * sizeof(*x->stack));
	if (!x->chosen || !x->after || !x->cover || !x->stack || occ_init(&x->gocc, m) ||
	    occ_init(&x->negs, m) || occ_init(&x->ams, m) || occ_init(&x->bks, m)) {
		ldfi_lexsearch_destroy(x);
		return NULL;
	}
	x->sorted = true;
	return x;
}

void ldfi_lexsearch_destroy(struct ldfi_lexsearch *x)
{
	if (!x)
		return;
	free(x->groups.bits);
	free(x->groups.slot);
	free(x->last);
	free(x->plain);
	free(x->alive);
	free(x->trig);
	free(x->order);
	occ_finish(&x->gocc);
	free(x->gpos.start);
	free(x->gpos.id);
	free(x->npos.start);
	free(x->npos.id);
	free(x->conds.bits);
	free(x->conds.slot);
	free(x->missing);
	free(x->passed);
	free(x->first);
	occ_finish(&x->negs);
	free(x->group);
	free(x->next);
	free(x->am_k);
	free(x->am_count);
	occ_finish(&x->ams);
	free(x->bk_missing);
	occ_finish(&x->bks);
	free(x->chosen);
	free(x->after);
	free(x->cover);
	free(x->useful);
	free(x->stack);
	free(x);
}

static int check(const struct ldfi_lexsearch *x, const int *pos, int n)
{
	if (!x || n < 0 || (n > 0 && !pos))
		return LDFI_EINVAL;
	for (int i = 0; i < n; i++)
		if (pos[i] < 0 || pos[i] >= x->m)
			return LDFI_EINVAL;
	return 0;
}

/* Reallocates *arr to n elements of `size` bytes; 0 or LDFI_ENOMEM (then
 * *arr is unchanged). */
static int resize(void *arr, size_t n, size_t size)
{
	void *a, *p;

	memcpy(&a, arr, sizeof(a));
	if (n > SIZE_MAX / size || !(p = realloc(a, n * size)))
		return LDFI_ENOMEM;
	memcpy(arr, &p, sizeof(p));
	return 0;
}

/* The capacity for one more element when `used` are in use: cap, or twice
 * it (from 32). A group of parallel arrays records it once all of them
 * have grown to it. */
static size_t next_cap(size_t cap, size_t used)
{
	return used < cap ? cap : cap ? 2 * cap : 32;
}

static uint64_t hash_bits(const uint64_t *b, size_t w)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t k = 0; k < w; k++)
		h = (h ^ b[k]) * 1099511628211ull;
	return h ^ (h >> 29);
}

/* The slot of bitset b in s: the set equal to it, or the empty slot for it. */
static size_t find_slot(const struct bitsets *s, size_t w, const uint64_t *b)
{
	size_t i = hash_bits(b, w) & (s->nslot - 1);

	while (s->slot[i] && memcmp(s->bits + (size_t)(s->slot[i] - 1) * w, b, w * sizeof(*b)))
		i = (i + 1) & (s->nslot - 1);
	return i;
}

/* Room in s for one more set (its capacity, s->cap, may grow). 0 or
 * LDFI_ENOMEM. */
static int bitsets_reserve(struct bitsets *s, size_t w)
{
	size_t c = next_cap(s->cap, (size_t)s->n);

	if (s->n == INT_MAX)
		return LDFI_ENOMEM;
	if (c > s->cap) {
		if (c > SIZE_MAX / w || resize(&s->bits, c * w, sizeof(*s->bits)))
			return LDFI_ENOMEM;
		s->cap = c;
	}
	if (2 * ((size_t)s->n + 1) > s->nslot) {
		size_t n = s->nslot ? 2 * s->nslot : 64;
		uint32_t *slot = calloc(n, sizeof(*slot)), *old = s->slot;

		if (!slot)
			return LDFI_ENOMEM;
		s->slot = slot;
		s->nslot = n;
		for (int i = 0; i < s->n; i++)
			s->slot[find_slot(s, w, s->bits + (size_t)i * w)] = (uint32_t)i + 1;
		free(old);
	}
	return 0;
}

/* The index of set pos[0..n) in s (room reserved), *added when new. */
static int bitsets_intern(struct bitsets *s, size_t w, const int *pos, int n, bool *added)
{
	uint64_t *b = s->bits + (size_t)s->n * w; /* the spare room: the key */
	size_t i;

	memset(b, 0, w * sizeof(*b));
	for (int k = 0; k < n; k++)
		b[pos[k] / 64] |= 1ull << (pos[k] % 64);
	i = find_slot(s, w, b);
	if ((*added = !s->slot[i]))
		s->slot[i] = (uint32_t)++s->n;
	return (int)s->slot[i] - 1;
}

/* The group of positive part pos[0..n), made if new; its index or
 * LDFI_ENOMEM. */
static int group_of(struct ldfi_lexsearch *x, const int *pos, int n)
{
	size_t w = (size_t)x->words, c;
	bool added;
	int g;

	if (bitsets_reserve(&x->groups, w) || occ_reserve(&x->gocc, (size_t)n))
		return LDFI_ENOMEM;
	if ((c = x->groups.cap) > x->cap_groups) {
		if (resize(&x->last, c, sizeof(*x->last)) ||
		    resize(&x->plain, c, sizeof(*x->plain)) ||
		    resize(&x->alive, c, sizeof(*x->alive)) ||
		    resize(&x->trig, c, sizeof(*x->trig)) ||
		    resize(&x->order, c, sizeof(*x->order)))
			return LDFI_ENOMEM;
		x->cap_groups = c;
	}
	g = bitsets_intern(&x->groups, w, pos, n, &added);
	if (!added)
		return g;
	x->last[g] = -1;
	for (int k = 0; k < n; k++)
		if (pos[k] > x->last[g])
			x->last[g] = pos[k];
	x->plain[g] = x->alive[g] = x->trig[g] = 0;
	x->order[g] = g;
	occ_link(&x->gocc, pos, n, g);
	x->sorted = false;
	return g;
}

/* The condition neg[0..n), made if new; its index or LDFI_ENOMEM. */
static int cond_of(struct ldfi_lexsearch *x, const int *neg, int n)
{
	size_t w = (size_t)x->words, c;
	bool added;
	int d;

	if (bitsets_reserve(&x->conds, w) || occ_reserve(&x->negs, (size_t)n))
		return LDFI_ENOMEM;
	if ((c = x->conds.cap) > x->cap_conds) {
		if (resize(&x->missing, c, sizeof(*x->missing)) ||
		    resize(&x->passed, c, sizeof(*x->passed)) ||
		    resize(&x->first, c, sizeof(*x->first)))
			return LDFI_ENOMEM;
		x->cap_conds = c;
	}
	d = bitsets_intern(&x->conds, w, neg, n, &added);
	if (!added)
		return d;
	x->missing[d] = n;
	x->passed[d] = 0;
	x->first[d] = -1;
	occ_link(&x->negs, neg, n, d);
	x->sorted = false;
	return d;
}

int ldfi_lexsearch_add_support(struct ldfi_lexsearch *x, const int *pos, int n)
{
	int g = check(x, pos, n);

	if (g || (g = group_of(x, pos, n)) < 0)
		return g;
	x->plain[g]++;
	return 0;
}

int ldfi_lexsearch_part(struct ldfi_lexsearch *x, const int *pos, int n)
{
	int g = check(x, pos, n);

	return g ? g : group_of(x, pos, n);
}

int ldfi_lexsearch_condition(struct ldfi_lexsearch *x, const int *neg, int n)
{
	int d = check(x, neg, n);

	if (d || n == 0)
		return d ? d : LDFI_EINVAL;
	return cond_of(x, neg, n);
}

int ldfi_lexsearch_add_pair(struct ldfi_lexsearch *x, int part, int cond)
{
	size_t c, w;

	if (!x || part < 0 || part >= x->groups.n || cond < 0 || cond >= x->conds.n)
		return LDFI_EINVAL;
	w = (size_t)x->words;
	for (size_t k = 0; k < w; k++)
		if (x->groups.bits[(size_t)part * w + k] & x->conds.bits[(size_t)cond * w + k])
			return 0; /* always holds */
	if ((c = next_cap(x->cap_cnd, (size_t)x->n_cnd)) > x->cap_cnd) {
		if (resize(&x->group, c, sizeof(*x->group)) ||
		    resize(&x->next, c, sizeof(*x->next)))
			return LDFI_ENOMEM;
		x->cap_cnd = c;
	}
	x->group[x->n_cnd] = part;
	x->next[x->n_cnd] = x->first[cond];
	x->first[cond] = x->n_cnd++;
	x->alive[part]++;
	return 0;
}

int ldfi_lexsearch_add_conditional(struct ldfi_lexsearch *x, const int *pos, int n, const int *neg,
				   int n_neg)
{
	int g = check(x, pos, n), d;

	if (g || (g = check(x, neg, n_neg)))
		return g;
	if (n_neg == 0)
		return ldfi_lexsearch_add_support(x, pos, n);
	if ((g = group_of(x, pos, n)) < 0 || (d = cond_of(x, neg, n_neg)) < 0)
		return LDFI_ENOMEM;
	return ldfi_lexsearch_add_pair(x, g, d);
}

int ldfi_lexsearch_add_atmost(struct ldfi_lexsearch *x, const int *pos, int n, int k)
{
	size_t c;
	int err = check(x, pos, n);

	if (err || k < 0)
		return err ? err : LDFI_EINVAL;
	if (k >= n)
		return 0;
	if ((c = next_cap(x->cap_am, (size_t)x->n_am)) > x->cap_am) {
		if (resize(&x->am_k, c, sizeof(*x->am_k)) ||
		    resize(&x->am_count, c, sizeof(*x->am_count)))
			return LDFI_ENOMEM;
		x->cap_am = c;
	}
	if (occ_reserve(&x->ams, (size_t)n))
		return LDFI_ENOMEM;
	x->am_k[x->n_am] = k;
	x->am_count[x->n_am] = 0;
	occ_link(&x->ams, pos, n, x->n_am++);
	return 0;
}

int ldfi_lexsearch_add_block(struct ldfi_lexsearch *x, const int *pos, int n)
{
	size_t c;
	int err = check(x, pos, n);

	if (err)
		return err;
	if ((c = next_cap(x->cap_bk, (size_t)x->n_bk)) > x->cap_bk) {
		if (resize(&x->bk_missing, c, sizeof(*x->bk_missing)))
			return LDFI_ENOMEM;
		x->cap_bk = c;
	}
	if (occ_reserve(&x->bks, (size_t)n))
		return LDFI_ENOMEM;
	x->bk_missing[x->n_bk] = n;
	x->bad += n == 0;
	occ_link(&x->bks, pos, n, x->n_bk++);
	return 0;
}

static bool has(const uint64_t *b, int p)
{
	return b[p / 64] >> (p % 64) & 1;
}

/* Whether group g holds a chosen position. */
static bool hit(const struct ldfi_lexsearch *x, int g)
{
	const uint64_t *b = x->groups.bits + (size_t)g * (size_t)x->words;

	for (int k = 0; k < x->words; k++)
		if (b[k] & x->chosen[k])
			return true;
	return false;
}

/* Chooses position e: every constraint naming it counts it. */
static void choose(struct ldfi_lexsearch *x, int e)
{
	x->chosen[e / 64] |= 1ull << (e % 64);
	for (const int *o = x->npos.id + x->npos.start[e], *end = x->npos.id + x->npos.start[e + 1];
	     o < end; o++) {
		int d = *o;

		if (--x->missing[d] == 0)
			for (int k = x->first[d]; k >= 0; k = x->next[k])
				x->trig[x->group[k]]++;
	}
	for (int o = x->ams.head[e]; o >= 0; o = x->ams.next[o]) {
		int a = x->ams.id[o];

		x->bad += ++x->am_count[a] == x->am_k[a] + 1;
	}
	for (int o = x->bks.head[e]; o >= 0; o = x->bks.next[o])
		x->bad += --x->bk_missing[x->bks.id[o]] == 0;
}

/* Undoes choose(x, e). */
static void unchoose(struct ldfi_lexsearch *x, int e)
{
	x->chosen[e / 64] &= ~(1ull << (e % 64));
	for (const int *o = x->npos.id + x->npos.start[e], *end = x->npos.id + x->npos.start[e + 1];
	     o < end; o++) {
		int d = *o;

		if (x->missing[d]++ == 0)
			for (int k = x->first[d]; k >= 0; k = x->next[k])
				x->trig[x->group[k]]--;
	}
	for (int o = x->ams.head[e]; o >= 0; o = x->ams.next[o]) {
		int a = x->ams.id[o];

		x->bad -= x->am_count[a]-- == x->am_k[a] + 1;
	}
	for (int o = x->bks.head[e]; o >= 0; o = x->bks.next[o])
		x->bad -= x->bk_missing[x->bks.id[o]]++ == 0;
}

/* Passes over position e (dir 1) or takes that back (dir -1): the
 * conditionals with e in their negative part can no longer apply. */
static void pass(struct ldfi_lexsearch *x, int e, int dir)
{
	for (const int *o = x->npos.id + x->npos.start[e], *end = x->npos.id + x->npos.start[e + 1];
	     o < end; o++) {
		int d = *o;

		if (dir > 0 ? x->passed[d]++ == 0 : --x->passed[d] == 0)
			for (int k = x->first[d]; k >= 0; k = x->next[k])
				x->alive[x->group[k]] -= dir;
	}
}

/* Whether choosing e now hits an unhit group of a support or of a
 * conditional that can still apply. */
static bool useful_now(const struct ldfi_lexsearch *x, int e)
{
	for (const int *o = x->gpos.id + x->gpos.start[e], *end = x->gpos.id + x->gpos.start[e + 1];
	     o < end; o++) {
		int g = *o;

		if ((x->plain[g] || x->alive[g]) && !hit(x, g))
			return true;
	}
	return false;
}

/* Whether group g must still be hit: unhit, of a support or of a
 * conditional that applies. The caller knows it unhit. */
static bool open_group(const struct ldfi_lexsearch *x, int g)
{
	return x->plain[g] || x->trig[g];
}

/* Packs occurrence lists o (over m positions) into c. 0 or LDFI_ENOMEM. */
static int pack(const struct occ *o, int m, struct csr *c)
{
	int *start = malloc(((size_t)m + 1) * sizeof(*start));
	int *id = malloc((o->n ? o->n : 1) * sizeof(*id)), k = 0;

	if (!start || !id) {
		free(start);
		free(id);
		return LDFI_ENOMEM;
	}
	for (int p = 0; p < m; p++) {
		start[p] = k;
		for (int e = o->head[p]; e >= 0; e = o->next[e])
			id[k++] = o->id[e];
	}
	start[m] = k;
	free(c->start);
	free(c->id);
	c->start = start;
	c->id = id;
	return 0;
}

/* Puts order[] in ascending last position (stable, a counting sort: last
 * is -1 .. m-1). Returns 0 or LDFI_ENOMEM. */
static int sort_groups(struct ldfi_lexsearch *x)
{
	int *count = calloc((size_t)x->m + 2, sizeof(*count));

	if (!count)
		return LDFI_ENOMEM;
	for (int g = 0; g < x->groups.n; g++)
		count[x->last[g] + 2]++;
	for (int l = 1; l <= x->m + 1; l++)
		count[l] += count[l - 1];
	for (int g = 0; g < x->groups.n; g++)
		x->order[count[x->last[g] + 1]++] = g;
	free(count);
	if (pack(&x->gocc, x->m, &x->gpos) || pack(&x->negs, x->m, &x->npos))
		return LDFI_ENOMEM;
	x->sorted = true;
	return 0;
}

/*
 * The cuts of a node whose last chosen position is q, with `left` more
 * positions allowed: returns the deadline (the smallest last position of an
 * open group; m when none is open, -1 when the node is cut) and fills
 * useful[] with the positions after q that hit an unhit group of a
 * support or of a conditional that can still apply; with one position
 * left, only those in every open group.
 */
static int bounds(struct ldfi_lexsearch *x, int q, int left, uint64_t *useful)
{
	size_t w = (size_t)x->words;
	uint64_t *after = x->after, *cover = x->cover;
	int deadline = x->m, packed = 0;

	for (size_t k = 0; k < w; k++) {
		long lo = (long)k * 64;

		after[k] = q < lo ? ~0ull : q >= lo + 63 ? 0 : ~0ull << (q - lo + 1);
		useful[k] = cover[k] = 0;
	}
	for (int o = 0; o < x->groups.n; o++) {
		int g = x->order[o];
		const uint64_t *b = x->groups.bits + (size_t)g * w;
		bool disjoint = true;

		if ((!x->plain[g] && !x->alive[g]) || hit(x, g))
			continue;
		for (size_t k = 0; k < w; k++)
			useful[k] |= b[k] & after[k];
		if (!open_group(x, g))
			continue;
		if (deadline == x->m) {
			deadline = x->last[g];
			if (deadline <= q || left == 0)
				return -1;
		}
		for (size_t k = 0; k < w && disjoint; k++)
			disjoint = !(b[k] & after[k] & cover[k]);
		if (!disjoint)
			continue;
		if (++packed > left)
			return -1;
		for (size_t k = 0; k < w; k++)
			cover[k] |= b[k] & after[k];
	}
	if (left == 1 && deadline < x->m)
		for (int g = 0; g < x->groups.n; g++)
			if (open_group(x, g) && !hit(x, g))
				for (size_t k = 0; k < w; k++)
					useful[k] &= x->groups.bits[(size_t)g * w + k];
	return deadline;
}

/* Whether every conditional with e in its negative part that now applies
 * (e chosen) is hit. */
static bool applied_hit(const struct ldfi_lexsearch *x, int e)
{
	for (const int *o = x->npos.id + x->npos.start[e], *end = x->npos.id + x->npos.start[e + 1];
	     o < end; o++) {
		int d = *o;

		if (x->missing[d])
			continue;
		for (int k = x->first[d]; k >= 0; k = x->next[k])
			if (!hit(x, x->group[k]))
				return false;
	}
	return true;
}

/*
 * The last position of a node with one left: the first of `useful` (each
 * in every open group) up to the deadline whose choice violates nothing
 * and hits every conditional it makes apply. Returns 1 with it chosen and
 * on the stack, or 0.
 */
static int last_one(struct ldfi_lexsearch *x, int q, int deadline, const uint64_t *useful)
{
	for (int e = q + 1; e <= deadline; e++) {
		if (!has(useful, e))
			continue;
		choose(x, e);
		if (!x->bad && applied_hit(x, e)) {
			x->stack[x->depth++] = e;
			return 1;
		}
		unchoose(x, e);
	}
	return 0;
}

/*
 * The search below the node of x->depth chosen positions (the last one q,
 * or -1). Returns 1 with the answer in stack[0..depth) (still chosen), 0,
 * or LDFI_ELIMIT with the path to the node where the budget ran out still
 * chosen. Positions it passes over are taken back before it returns.
 */
static int dfs(struct ldfi_lexsearch *x, int q, int size)
{
	int j = x->depth, deadline, r = 0, e;
	uint64_t *useful = x->useful + (size_t)j * (size_t)x->words;

	if (x->nodes++ >= x->budget)
		return LDFI_ELIMIT;
	if ((deadline = bounds(x, q, size - j, useful)) < 0)
		return 0;
	if (deadline == x->m)
		return 1; /* nothing open, nothing violated */
	if (size - j == 1)
		return last_one(x, q, deadline, useful);
	for (e = q + 1; e <= deadline; e++) {
		if (has(useful, e) && useful_now(x, e)) {
			choose(x, e);
			if (!x->bad) {
				x->stack[x->depth++] = e;
				if ((r = dfs(x, e, size)) != 0)
					break;
				x->depth--;
			}
			unchoose(x, e);
		}
		pass(x, e, 1);
	}
	while (--e > q)
		pass(x, e, -1);
	return r;
}

int ldfi_lexsearch_first(struct ldfi_lexsearch *x, int size, long budget, int *out, int *n_out)
{
	size_t need;
	int r;

	if (!x || size < 0 || !n_out || (size > 0 && !out))
		return LDFI_EINVAL;
	if (size > x->m)
		size = x->m;
	need = ((size_t)size + 1) * (size_t)x->words;
	if (need > x->cap_useful) {
		if (resize(&x->useful, need, sizeof(*x->useful)))
			return LDFI_ENOMEM;
		x->cap_useful = need;
	}
	if (!x->sorted && (r = sort_groups(x)))
		return r;
	if (x->bad)
		return 0;
	x->depth = 0;
	x->budget = budget > LONG_MAX - x->nodes ? LONG_MAX : x->nodes + budget;
	r = dfs(x, -1, size);
	if (r == 1) {
		memcpy(out, x->stack, (size_t)x->depth * sizeof(*out));
		*n_out = x->depth;
	}
	while (x->depth > 0)
		unchoose(x, x->stack[--x->depth]);
	return r;
}

long ldfi_lexsearch_nodes(const struct ldfi_lexsearch *x)
{
	return x ? x->nodes : 0;
}
