/*
 * gen.c - seeded random pipelines for the cross-check: 2-4 nodes, 1-2
 * sources, 0-2 relay stages chained without cycles, 1-2 sinks, 1-3 checks,
 * and bounds whose fault space stays under GEN_SPACE_MAX. Everything comes
 * from one splitmix64 stream seeded with the pipeline's seed.
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

static void print_model(FILE *f, const struct model *m, uint64_t seed)
{
	unsigned used = 0;

	fprintf(f, "# crosscheck pipeline, seed %llu (tests/crosscheck/gen.c)\n",
		(unsigned long long)seed);
	fprintf(f, "[explore]\neot = %d\neff = %d\ncrashes = %d\n", m->eot, m->eff, m->crashes);
	for (int i = 0; i < m->n_src + m->n_stage + m->n_sink; i++) {
		const struct comp *c = &m->comps[i];

		used |= c->nodes;
		if (i < m->n_src) {
			fprintf(f, "\n[source %s]\n", c->name);
			print_nodes(f, "node", c->nodes);
			fprintf(f, "records = %d\nat = %d\n", c->records, c->at);
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

char *gen_pipeline(uint64_t seed)
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
	draw_bounds(&s, &m);
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
