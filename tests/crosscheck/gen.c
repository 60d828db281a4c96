/*
 * gen.c - seeded random pipelines for the cross-check: 2-4 nodes, 1-2
 * sources, 0-2 stages chained without cycles (relays, one in three a
 * window-count, on 1-3 replicas), 1-2 sinks, 1-3 checks, and bounds whose
 * fault space stays under GEN_SPACE_MAX. Everything comes from one
 * splitmix64 stream seeded with the pipeline's seed.
 *
 * gen_pipeline_restart draws the same, then restarts: durable yes/no on
 * every component, a window-count stage one time in three (records named
 * so that keys group), downtime 1-3, 1-2 restarts, and bounds whose space
 * (crashes and restarts) stays under GEN_RESTART_SPACE_MAX.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "gen.h"

#define MAX_NODES 4
#define MAX_COMPS 6 /* 2 sources, 2 stages, 2 sinks */
#define MAX_CHECKS 3

enum { NONE, ONCE, REPEAT, ACK }; /* delivery, as the conf spells it below */

static const char *const delivery_names[] = {"none", "once", "repeat", "ack"};
static const char *const check_kinds[] = {
    "delivered", "agreement", "no-duplicates", "exactly-once", "ordered", "matches-fault-free",
};

struct comp {
	char name[16];
	unsigned nodes;	 /* bit i: node i */
	int to;		 /* component index; -1 for a sink */
	int delivery;	 /* source, stage: hop to `to`; sink: relay */
	int retry;	 /* for ACK */
	bool dedup;	 /* stage, sink */
	int records, at; /* source */
	bool durable;	 /* restarts only */
	int window;	 /* stage: a window-count of this many rounds; 0: relay */
};

struct check {
	int kind, sink, source; /* source -1: every upstream source */
};

struct model {
	int n_nodes;
	int n_src, n_stage, n_sink; /* comps: sources, then stages, then sinks */
	struct comp comps[MAX_COMPS];
	struct check checks[MAX_CHECKS];
	int n_checks;
	int eot, eff, crashes;
	int restarts, downtime; /* restarts = 0: a pipeline of gen_pipeline */
};

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in lo..hi (inclusive); the ranges are tiny, so plain modulo
 * of the top bits is uniform enough and stays reproducible. */
static int range(uint64_t *s, int lo, int hi)
{
	return lo + (int)((splitmix64(s) >> 32) % (uint64_t)(hi - lo + 1));
}

/* `k` distinct nodes of `n`, as a bit mask. */
static unsigned pick_nodes(uint64_t *s, int n, int k)
{
	int perm[MAX_NODES];
	unsigned mask = 0;

	for (int i = 0; i < n; i++)
		perm[i] = i;
	for (int i = 0; i < k; i++) {
		int j = range(s, i, n - 1), t = perm[i];

		perm[i] = perm[j];
		perm[j] = t;
		mask |= 1u << perm[i];
	}
	return mask;
}

static int min_int(int a, int b)
{
	return a < b ? a : b;
}

double gen_restart_space_size(int n_nodes, int eot, int eff, int crashes, int restarts,
			      int downtime)
{
	int rrounds = restarts > 0 ? eot - downtime : 0, omit_rounds = eff > 1 ? eff - 1 : 0;
	double configs = 0;

	for (int k = 0; k <= crashes && k <= n_nodes; k++)
		for (int j = 0; j <= (rrounds > 0 ? restarts : 0) && k + j <= n_nodes; j++) {
			double c = 1;

			for (int i = 1; i <= k; i++)
				c = c * (n_nodes - k + i) / i;
			for (int i = 1; i <= j; i++)
				c = c * (n_nodes - k - j + i) / i;
			configs += c * pow(eot, k) * pow(rrounds, j);
		}
	return ldexp(configs, n_nodes * (n_nodes - 1) * omit_rounds);
}

double gen_space_size(int n_nodes, int eot, int eff, int crashes)
{
	double crash_sets = 0, c = 1;
	int omit_rounds = eff > 1 ? eff - 1 : 0;

	for (int k = 0; k <= crashes && k <= n_nodes; k++) {
		crash_sets += c * pow(eot, k);
		c = c * (n_nodes - k) / (k + 1); /* C(N, k+1) */
	}
	return ldexp(crash_sets, n_nodes * (n_nodes - 1) * omit_rounds);
}

/* Sources draw their downstream among all stages and sinks; stage i among
 * the stages after it and the sinks, so the graph has no cycle. */
static void draw_components(uint64_t *s, struct model *m)
{
	int first_stage = m->n_src, first_sink = m->n_src + m->n_stage;

	for (int i = 0; i < m->n_src; i++) {
		struct comp *c = &m->comps[i];

		snprintf(c->name, sizeof(c->name), "src%d", i + 1);
		c->nodes = pick_nodes(s, m->n_nodes, 1);
		c->records = range(s, 1, 3);
		c->at = range(s, 1, 2);
		c->to = range(s, first_stage, first_sink + m->n_sink - 1);
		c->delivery = range(s, ONCE, ACK);
		c->retry = range(s, 1, 3);
	}
	for (int i = first_stage; i < first_sink; i++) {
		struct comp *c = &m->comps[i];

		snprintf(c->name, sizeof(c->name), "st%d", i - first_stage + 1);
		c->nodes = pick_nodes(s, m->n_nodes, range(s, 1, min_int(3, m->n_nodes)));
		c->to = range(s, i + 1, first_sink + m->n_sink - 1);
		c->delivery = range(s, ONCE, ACK);
		c->retry = range(s, 1, 3);
		c->dedup = range(s, 0, 1);
	}
	for (int i = first_sink; i < first_sink + m->n_sink; i++) {
		struct comp *c = &m->comps[i];

		snprintf(c->name, sizeof(c->name), "sink%d", i - first_sink + 1);
		c->nodes = pick_nodes(s, m->n_nodes, range(s, 1, min_int(3, m->n_nodes)));
		c->to = -1;
		c->delivery = range(s, NONE, ACK);
		c->retry = range(s, 1, 3);
		c->dedup = range(s, 0, 1);
	}
}

/* Bit i of the result: source i feeds `sink`. */
static unsigned upstream_sources(const struct model *m, int sink)
{
	unsigned mask = 0;

	for (int i = 0; i < m->n_src; i++) {
		int c = m->comps[i].to;

		while (m->comps[c].to >= 0)
			c = m->comps[c].to;
		if (c == sink)
			mask |= 1u << i;
	}
	return mask;
}

/* Checks go, 7 times in 8, to a sink that some source feeds. */
static void draw_checks(uint64_t *s, struct model *m)
{
	int first_sink = m->n_src + m->n_stage, fed[MAX_COMPS], n_fed = 0;

	for (int i = first_sink; i < first_sink + m->n_sink; i++)
		if (upstream_sources(m, i))
			fed[n_fed++] = i;
	m->n_checks = range(s, 1, MAX_CHECKS);
	for (int i = 0; i < m->n_checks; i++) {
		struct check *k = &m->checks[i];
		unsigned up;

		k->kind = range(s, 0, 5);
		if (range(s, 0, 7) == 0)
			k->sink = range(s, first_sink, first_sink + m->n_sink - 1);
		else
			k->sink = fed[range(s, 0, n_fed - 1)];
		k->source = -1;
		up = upstream_sources(m, k->sink);
		if (up && range(s, 0, 2) == 0) {
			do
				k->source = range(s, 0, m->n_src - 1);
			while (!(up & (1u << k->source)));
		}
	}
}

/* eot 2-5 (at least every `at` and every ack hop's retry_every), eff 0-3,
 * crashes 0-1, drawn again until the space is small enough. */
static void draw_bounds(uint64_t *s, struct model *m)
{
	int need = 1;

	for (int i = 0; i < m->n_src + m->n_stage + m->n_sink; i++) {
		const struct comp *c = &m->comps[i];

		if (i < m->n_src && c->at > need)
			need = c->at;
		if (c->delivery == ACK && c->retry > need)
			need = c->retry;
	}
	do {
		do
			m->eot = range(s, 2, 5);
		while (m->eot < need);
		m->eff = range(s, 0, min_int(3, m->eot));
		m->crashes = range(s, 0, 1);
	} while (gen_space_size(m->n_nodes, m->eot, m->eff, m->crashes) > GEN_SPACE_MAX);
}

/* Restarts: durable on every component, one stage in three a window-count
 * (its window drawn with the bounds). */
static void draw_durability(uint64_t *s, struct model *m)
{
	for (int i = 0; i < m->n_src + m->n_stage + m->n_sink; i++) {
		m->comps[i].durable = range(s, 0, 1);
		if (i >= m->n_src && i < m->n_src + m->n_stage && range(s, 0, 2) == 0)
			m->comps[i].window = 1;
	}
}

/* eot 3-6 (at least every `at`, every ack hop's retry_every and downtime +
 * 1), downtime 1-3, 1 restart (2 with 3 nodes or more, one time in two),
 * eff 0-2, crashes 0-1, drawn again until the space is small enough; then
 * each window-count's window in 1..eot. */
static void draw_restart_bounds(uint64_t *s, struct model *m)
{
	int need = 1;

	for (int i = 0; i < m->n_src + m->n_stage + m->n_sink; i++) {
		const struct comp *c = &m->comps[i];

		if (i < m->n_src && c->at > need)
			need = c->at;
		if (c->delivery == ACK && c->retry > need)
			need = c->retry;
	}
	do {
		m->downtime = range(s, 1, 3);
		do
			m->eot = range(s, 3, 6);
		while (m->eot < need || m->eot < m->downtime + 1);
		m->restarts = m->n_nodes >= 3 ? range(s, 1, 2) : 1;
		m->eff = range(s, 0, 2);
		m->crashes = range(s, 0, 1);
	} while (gen_restart_space_size(m->n_nodes, m->eot, m->eff, m->crashes, m->restarts,
					m->downtime) > GEN_RESTART_SPACE_MAX);
	for (int i = m->n_src; i < m->n_src + m->n_stage; i++)
		if (m->comps[i].window)
			m->comps[i].window = range(s, 1, m->eot);
}

/* Without restarts: one stage in three a window-count, its window in
 * 1..eot. Drawn after everything else, so a seed's pipeline is the one it
 * was before window-counts were drawn, some relays made window-counts. */
static void draw_windows(uint64_t *s, struct model *m)
{
	for (int i = m->n_src; i < m->n_src + m->n_stage; i++)
		if (range(s, 0, 2) == 0)
			m->comps[i].window = range(s, 1, m->eot);
}

static void print_nodes(FILE *f, const char *key, unsigned nodes)
{
	const char *sep = "";

	fprintf(f, "%s = ", key);
	for (int i = 0; i < MAX_NODES; i++)
		if (nodes & (1u << i)) {
			fprintf(f, "%s%c", sep, 'a' + i);
			sep = ", ";
		}
	fputc('\n', f);
}

/* A source's records: a count, or (with a window-count in the pipeline)
 * names whose keys group: k1.a, k1.b, k2.a. */
static void print_records(FILE *f, const struct model *m, const struct comp *c)
{
	static const char *const names[] = {"k1.a", "k1.b", "k2.a"};
	bool window = false;

	for (int i = m->n_src; i < m->n_src + m->n_stage; i++)
		window |= m->comps[i].window > 0;
	if (!window) {
		fprintf(f, "records = %d\n", c->records);
		return;
	}
	fprintf(f, "records = ");
	for (int i = 0; i < c->records; i++)
		fprintf(f, "%s%s", i ? ", " : "", names[i]);
	fputc('\n', f);
}

static void print_model(FILE *f, const struct model *m, uint64_t seed)
{
	unsigned used = 0;

	fprintf(f, "# crosscheck pipeline%s, seed %llu (tests/crosscheck/gen.c)\n",
		m->restarts ? " with restarts" : "", (unsigned long long)seed);
	fprintf(f, "[explore]\neot = %d\neff = %d\ncrashes = %d\n", m->eot, m->eff, m->crashes);
	if (m->restarts)
		fprintf(f, "restarts = %d\ndowntime = %d\n", m->restarts, m->downtime);
	for (int i = 0; i < m->n_src + m->n_stage + m->n_sink; i++) {
		const struct comp *c = &m->comps[i];

		used |= c->nodes;
		if (i < m->n_src) {
			fprintf(f, "\n[source %s]\n", c->name);
			print_nodes(f, "node", c->nodes);
			print_records(f, m, c);
			fprintf(f, "at = %d\n", c->at);
		} else if (c->to >= 0 && c->window) {
			fprintf(f, "\n[stage %s]\nkind = window-count\nwindow = %d\n", c->name,
				c->window);
			print_nodes(f, "nodes", c->nodes);
		} else if (c->to >= 0) {
			fprintf(f, "\n[stage %s]\nkind = relay\n", c->name);
			print_nodes(f, "nodes", c->nodes);
		} else {
			fprintf(f, "\n[sink %s]\n", c->name);
			print_nodes(f, "nodes", c->nodes);
		}
		if (c->to >= 0)
			fprintf(f, "to = %s\ndelivery = %s\n", m->comps[c->to].name,
				delivery_names[c->delivery]);
		else
			fprintf(f, "relay = %s\n", delivery_names[c->delivery]);
		if (c->delivery == ACK)
			fprintf(f, "retry_every = %d\n", c->retry);
		if (i >= m->n_src)
			fprintf(f, "dedup = %s\n", c->dedup ? "yes" : "no");
		if (m->restarts)
			fprintf(f, "durable = %s\n", c->durable ? "yes" : "no");
	}
	/* Nodes no component runs on still exist: they can crash. */
	for (int i = 0; i < m->n_nodes; i++)
		if (!(used & (1u << i)))
			fprintf(f, "\n[node %c]\n", 'a' + i);
	for (int i = 0; i < m->n_checks; i++) {
		const struct check *k = &m->checks[i];

		fprintf(f, "\n[check c%d]\nkind = %s\nsink = %s\n", i + 1, check_kinds[k->kind],
			m->comps[k->sink].name);
		if (k->source >= 0)
			fprintf(f, "source = %s\n", m->comps[k->source].name);
	}
}

static char *generate(uint64_t seed, bool restarts)
{
	struct model m = {0};
	uint64_t s = seed;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	m.n_nodes = range(&s, 2, MAX_NODES);
	m.n_src = range(&s, 1, 2);
	m.n_stage = range(&s, 0, 2);
	m.n_sink = range(&s, 1, 2);
	draw_components(&s, &m);
	draw_checks(&s, &m);
	if (restarts) {
		draw_durability(&s, &m);
		draw_restart_bounds(&s, &m);
	} else {
		draw_bounds(&s, &m);
		draw_windows(&s, &m);
	}
	f = open_memstream(&text, &len);
	if (!f)
		return NULL;
	print_model(f, &m, seed);
	if (fclose(f)) {
		free(text);
		return NULL;
	}
	return text;
}

char *gen_pipeline(uint64_t seed)
{
	return generate(seed, false);
}

char *gen_pipeline_restart(uint64_t seed)
{
	return generate(seed, true);
}

/* The restart matrix: three shapes crossed with every parameter that
 * decides what a restart keeps and creates (gen.h). Digits of a mixed
 * radix index, least significant first. */
enum {
	M_SHAPE,
	M_SRC_DELIVERY,
	M_SRC_DURABLE,
	M_HOP,
	M_DEDUP,
	M_STAGE_DURABLE,
	M_SINK_DURABLE,
	M_DOWNTIME,
	M_EFF,
	M_CRASHES,
	M_RESTARTS,
	M_CHECKS,
	M_NDIGITS
};

static const int matrix_radix[M_NDIGITS] = {3, 4, 2, 2, 2, 2, 2, 3, 2, 2, 2, 3};

long gen_matrix_count(void)
{
	long n = 1;

	for (int i = 0; i < M_NDIGITS; i++)
		n *= matrix_radix[i];
	return n;
}

/* The checks of group g on sink k. */
static void matrix_checks(FILE *f, int g)
{
	static const char *const groups[3][2] = {
	    {"delivered", "agreement"}, {"no-duplicates", NULL}, {"matches-fault-free", NULL}};

	for (int i = 0; i < 2 && groups[g][i]; i++)
		fprintf(f, "\n[check c%d]\nkind = %s\nsink = k\n", i + 1, groups[g][i]);
}

/* A hop's delivery: d = 0 once, 1 repeat, 2 ack every round, 3 ack every 2. */
static void matrix_delivery(FILE *f, const char *key, int d)
{
	static const char *const names[] = {"once", "repeat", "ack", "ack"};

	fprintf(f, "%s = %s\n", key, names[d]);
	if (d >= 2)
		fprintf(f, "retry_every = %d\n", d - 1);
}

char *gen_matrix(long index)
{
	static const char *const yes_no[] = {"no", "yes"};
	int d[M_NDIGITS], hop;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	if (index < 0 || index >= gen_matrix_count())
		return NULL;
	for (int i = 0; i < M_NDIGITS; i++) {
		d[i] = (int)(index % matrix_radix[i]);
		index /= matrix_radix[i];
	}
	if (!(f = open_memstream(&text, &len)))
		return NULL;
	hop = d[M_HOP] ? 3 : 0; /* the second hop: once, or ack every 2 */
	fprintf(f, "# crosscheck restart matrix (tests/crosscheck/gen.c)\n[explore]\n");
	fprintf(f, "eot = %d\neff = %d\ncrashes = %d\nrestarts = %d\ndowntime = %d\n",
		d[M_DOWNTIME] + 4, d[M_EFF] * 2, d[M_CRASHES], d[M_RESTARTS] + 1,
		d[M_DOWNTIME] + 1);
	fprintf(f, "\n[source s]\nnode = a\nrecords = %s\nto = %s\n",
		d[M_SHAPE] == 1 ? "u.x, u.y" : "2", d[M_SHAPE] == 2 ? "k" : "w");
	matrix_delivery(f, "delivery", d[M_SRC_DELIVERY]);
	fprintf(f, "durable = %s\n", yes_no[d[M_SRC_DURABLE]]);
	if (d[M_SHAPE] < 2) {
		fprintf(f, "\n[stage w]\nkind = %s\n", d[M_SHAPE] ? "window-count" : "relay");
		if (d[M_SHAPE])
			fprintf(f, "window = 2\n");
		fprintf(f, "nodes = b\nto = k\ndedup = %s\ndurable = %s\n", yes_no[d[M_DEDUP]],
			yes_no[d[M_STAGE_DURABLE]]);
		matrix_delivery(f, "delivery", hop);
		fprintf(f, "\n[sink k]\nnodes = c\ndurable = %s\n", yes_no[d[M_SINK_DURABLE]]);
	} else {
		/* The sink's relay between its replicas is the second hop. */
		fprintf(f, "\n[sink k]\nnodes = b, c\ndedup = %s\ndurable = %s\n",
			yes_no[d[M_DEDUP]], yes_no[d[M_SINK_DURABLE]]);
		matrix_delivery(f, "relay", hop);
	}
	matrix_checks(f, d[M_CHECKS]);
	if (fclose(f)) {
		free(text);
		return NULL;
	}
	return text;
}
