/*
 * report.c - the text report of `ldfi explore` (docs/reports.md): the verdict line
 * first, then the figures and, for a counterexample, its fault set, each
 * check's result with the offending records, an ASCII spacetime diagram of
 * the counterexample run, the lineage of each broken outcome in the
 * fault-free run (which events the faults cut, and why the outcome did not
 * happen), and the commands that replay it. Layout: docs/reports.md.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ldfi/conf.h"
#include "ldfi/faults.h"
#include "ldfi/ldfi.h"
#include "lineage/explain.h"
#include "lineage/lineage.h"
#include "src/explore/explore.h"
#include "src/report/report.h"

/* How much of the lineage is traced, and of the diagram drawn. */
#define MAX_OUTCOMES 4 /* broken outcomes traced */
#define MAX_COPIES 6   /* derivations shown per outcome */
#define MAX_WHY 6      /* lost messages named in one "why not" sentence */
#define MAX_ACKS 8     /* lost acks listed per duplicated record */
#define MAX_EVENTS 12  /* events shown per derivation (the last ones) */
#define CRASHED_CELL "** crashed **"
#define DOWN_CELL "~~ down ~~"
/* Characters of a cell line: a column is as wide as its longest line up to
 * this (the diagram widens with the pipeline rather than cutting names). */
#define MAX_CELL 80

void ldfi_report_shard(const struct ldfi_explore_result *res, char *buf, size_t len)
{
	struct ldfi_space sp;
	char cube[1024];

	if (!len)
		return;
	buf[0] = '\0';
	if (res->shard.count <= 1)
		return;
	if (res->shard.index < 0) {
		snprintf(buf, len, "%d shards merged", res->shard.count);
		return;
	}
	ldfi_space_init(&sp, res->conf);
	ldfi_shard_describe(&res->shard, &sp, cube, sizeof(cube));
	snprintf(buf, len, "shard %d/%d (%s)", res->shard.index, res->shard.count, cube);
}

const char *ldfi_report_conf_path(const struct ldfi_explore_result *res)
{
	if (res->opts && res->opts->conf_path)
		return res->opts->conf_path;
	return res->conf->path ? res->conf->path : "pipeline.conf";
}

void ldfi_report_run_command(FILE *f, const struct ldfi_explore_result *res, const char *faults)
{
	const struct ldfi_conf *conf = res->conf;

	ldfi_report_shell_word(f, ldfi_report_program(res));
	fputs(" run ", f);
	ldfi_report_shell_word(f, ldfi_report_conf_path(res));
	fprintf(f, " --eot %d --eff %d --crashes %d", conf->eot, conf->eff, conf->crashes);
	if (conf->restarts)
		fprintf(f, " --restarts %d --downtime %d", conf->restarts, conf->downtime);
	fputs(" --faults ", f);
	ldfi_report_shell_word(f, faults);
	if (res->opts && res->opts->engine == LDFI_ENGINE_LIVE)
		fputs(" --engine live", f); /* as it was found */
}

char *ldfi_report_replay_command(const struct ldfi_explore_result *res)
{
	char *s = NULL, *fs;
	size_t len = 0;
	FILE *f;

	if (!res->n_cex || !(fs = ldfi_faults_to_string(res->conf, &res->cex[0].trace->faults)))
		return NULL;
	if ((f = open_memstream(&s, &len))) {
		ldfi_report_run_command(f, res, fs);
		if (fclose(f)) {
			free(s);
			s = NULL;
		}
	}
	free(fs);
	return s;
}

const char *ldfi_report_program(const struct ldfi_explore_result *res)
{
	return res->opts && res->opts->program ? res->opts->program : "ldfi";
}

const char *ldfi_report_out_dir(const struct ldfi_explore_result *res)
{
	if (res->opts && res->opts->out_dir)
		return res->opts->out_dir;
	return "ldfi-out";
}

void ldfi_report_offense(FILE *f, const struct ldfi_trace *tr, const struct ldfi_offense *o)
{
	const struct ldfi_conf *conf = tr->conf;
	const char *rec = tr->recs[o->rec].name;
	const char *sink = conf->comps[o->comp].name, *node = conf->nodes[o->node].name;

	switch (o->problem) {
	case LDFI_PROBLEM_MISSING:
		fprintf(f, "%s missing at %s@%s", rec, sink, node);
		break;
	case LDFI_PROBLEM_DUPLICATED:
		fprintf(f, "%s held %d %s at %s@%s", rec, o->count, LDFI_TIMES(o->count), sink,
			node);
		break;
	case LDFI_PROBLEM_OUT_OF_ORDER:
		fprintf(f, "%s out of order at %s@%s (after a record emitted later)", rec, sink,
			node);
		break;
	case LDFI_PROBLEM_UNEXPECTED:
		fprintf(f, "%s held %d %s at %s@%s, %d in the fault-free run", rec, o->count,
			LDFI_TIMES(o->count), sink, node, o->expected);
		break;
	}
}

void ldfi_report_shell_word(FILE *f, const char *s)
{
	static const char safe[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				   "0123456789_-.,/:@%+=";

	if (*s && strspn(s, safe) == strlen(s)) {
		fputs(s, f);
		return;
	}
	fputc('\'', f);
	for (; *s; s++)
		if (*s == '\'')
			fputs("'\\''", f);
		else
			fputc(*s, f);
	fputc('\'', f);
}

/* ---- verdict and figures ---- */

static void print_verdict(FILE *f, const struct ldfi_explore_result *res)
{
	int n = (int)strnlen(res->reason, sizeof(res->reason));
	char bounds[128];

	switch (res->verdict) {
	case LDFI_VERDICT_COUNTEREXAMPLE:
		fputs("counterexample found\n", f);
		break;
	case LDFI_VERDICT_CERTIFIED:
		ldfi_conf_bounds_text(res->conf, bounds, sizeof(bounds));
		fprintf(f, "certified: no counterexample within %s", bounds);
		/* A shard's certificate covers its part only: say so on the line
		 * a CI log shows. */
		if (res->shard.count > 1 && res->shard.index >= 0)
			fprintf(f, " in shard %d/%d", res->shard.index, res->shard.count);
		fputc('\n', f);
		break;
	case LDFI_VERDICT_INCONCLUSIVE:
		if (n)
			fprintf(f, "inconclusive: %.*s\n", n, res->reason);
		else
			fputs("inconclusive: a budget ran out before a verdict\n", f);
		break;
	}
}

static void print_figures(FILE *f, const struct ldfi_explore_result *res)
{
	const struct ldfi_conf *conf = res->conf;
	enum ldfi_strategy st = res->opts ? res->opts->strategy : conf->strategy;
	uint64_t seed = res->opts ? res->opts->seed : conf->seed;
	char bounds[128];

	ldfi_conf_bounds_text(conf, bounds, sizeof(bounds));
	fprintf(f, "executions: %ld (the fault-free run included)\n", res->executions);
	if (res->pending < 0) /* more fault sets than are counted one by one */
		fprintf(f, "hypotheses: %ld tried, %ld pruned, over 10^15 pending\n", res->tried,
			res->pruned);
	else
		fprintf(f, "hypotheses: %ld tried, %ld pruned, %ld pending\n", res->tried,
			res->pruned, res->pending);
	fprintf(f, "wall time: %.3f s\n", res->wall_s);
	fprintf(f, "pipeline: %s (%s, strategy %s, seed %llu)\n", ldfi_report_conf_path(res),
		bounds, ldfi_strategy_name(st), (unsigned long long)seed);
	if (res->db_path)
		fprintf(f, "provenance: %s\n", res->db_path);
	if (res->shard.count > 1) {
		char part[1200];

		ldfi_report_shard(res, part, sizeof(part));
		fprintf(f, "part of the fault space: %s\n", part);
	}
}

/* ---- spacetime diagram ---- */

struct grid {
	const struct ldfi_trace *tr;
	int rows, cols; /* eot, n_nodes */
	char **items;	/* every item, in (row, column) order */
	size_t n_items;
	size_t *first; /* per cell: its first item */
	int *count;    /* per cell: how many items */
	bool multi;    /* more than one target component: name it */
	bool abbrev;   /* some receivers are written "all" or "others" */
};

static int key_fate(const struct ldfi_msg *m)
{
	if (m->fate == LDFI_FATE_OMITTED)
		return 1;
	if (m->fate == LDFI_FATE_CRASHED || m->fate == LDFI_FATE_DOWN)
		return 3 + m->fault;
	return 0;
}

/* Cell, then kind, target component, record, fate, receiver. */
static int cmp_msg(const void *x, const void *y, void *arg)
{
	const struct ldfi_msg *ms = arg;
	const struct ldfi_msg *a = &ms[*(const uint32_t *)x], *b = &ms[*(const uint32_t *)y];
	int ka[] = {a->send_round, a->src_node, a->kind,     a->dst_comp,
		    a->rec,	   key_fate(a), a->dst_node, (int)a->id};
	int kb[] = {b->send_round, b->src_node, b->kind,     b->dst_comp,
		    b->rec,	   key_fate(b), b->dst_node, (int)b->id};

	for (size_t i = 0; i < sizeof(ka) / sizeof(ka[0]); i++)
		if (ka[i] != kb[i])
			return ka[i] < kb[i] ? -1 : 1;
	return 0;
}

static bool same_group(const struct ldfi_msg *a, const struct ldfi_msg *b)
{
	return a->send_round == b->send_round && a->src_node == b->src_node && a->kind == b->kind &&
	       a->dst_comp == b->dst_comp && a->rec == b->rec && key_fate(a) == key_fate(b);
}

/* Text of a memory stream, or NULL when it failed. */
static char *stream_done(FILE *f, char **s)
{
	if (fclose(f)) {
		free(*s);
		return NULL;
	}
	return *s;
}

/*
 * The receivers of the messages v[0..n) of one group: "a,c", or, when the
 * target has more than three replicas and it is shorter, "all" (every
 * replica), "others" (every replica but the sender's node) or either with
 * the exceptions: "others-c,d".
 */
static bool print_dests(FILE *f, const struct ldfi_conf *conf, const struct ldfi_msg *ms,
			const uint32_t *v, size_t n)
{
	const struct ldfi_msg *m = &ms[v[0]];
	const struct ldfi_comp *dc = &conf->comps[m->dst_comp];
	size_t listed = 0, except = 0, universe = 0;
	bool self = false;

	for (size_t i = 0; i < n; i++)
		listed += strlen(conf->nodes[ms[v[i]].dst_node].name) + (i > 0);
	for (int k = 0; k < dc->n_nodes; k++)
		self |= dc->nodes[k] == m->src_node;
	for (size_t i = 0; i < n; i++)
		self &= ms[v[i]].dst_node != m->src_node;
	for (int k = 0; k < dc->n_nodes; k++) {
		bool in = false;

		for (size_t i = 0; i < n && !in; i++)
			in = ms[v[i]].dst_node == dc->nodes[k];
		if (self && dc->nodes[k] == m->src_node)
			continue;
		universe++;
		if (!in)
			except += strlen(conf->nodes[dc->nodes[k]].name) + 1;
	}
	if (universe > 3 && (self ? 6 : 3) + except < listed) {
		const char *sep = "-";

		fputs(self ? "others" : "all", f);
		for (int k = 0; k < dc->n_nodes; k++) {
			bool in = self && dc->nodes[k] == m->src_node;

			for (size_t i = 0; i < n && !in; i++)
				in = ms[v[i]].dst_node == dc->nodes[k];
			if (!in) {
				fprintf(f, "%s%s", sep, conf->nodes[dc->nodes[k]].name);
				sep = ",";
			}
		}
		return true;
	}
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%s", i ? "," : "", conf->nodes[ms[v[i]].dst_node].name);
	return false;
}

/* "->a,c", "ack->a", "->log@b" (when there are several target components). */
static char *group_head(struct grid *g, const struct ldfi_msg *ms, const uint32_t *v, size_t n)
{
	const struct ldfi_conf *conf = g->tr->conf;
	const struct ldfi_msg *m = &ms[v[0]];
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	if (!f)
		return NULL;
	fputs(m->kind == LDFI_MSG_ACK ? "ack->" : "->", f);
	if (g->multi && m->kind != LDFI_MSG_ACK)
		fprintf(f, "%s@", conf->comps[m->dst_comp].name);
	if (print_dests(f, conf, ms, v, n))
		g->abbrev = true;
	return stream_done(f, &s);
}

/* "", " X omit", " X crash(c,2)" or " X restart(c,2)": how the messages of
 * a group were lost. */
static char *group_tail(const struct ldfi_trace *tr, const struct ldfi_msg *m)
{
	char fb[128], *t;

	if (m->fate == LDFI_FATE_OMITTED)
		return strdup(" X omit");
	if (m->fate != LDFI_FATE_CRASHED && m->fate != LDFI_FATE_DOWN)
		return strdup("");
	snprintf(fb, sizeof(fb), "%s", m->fate == LDFI_FATE_DOWN ? "restart" : "crash");
	if (m->fault >= 0 && m->fault < tr->faults.n)
		ldfi_fault_format(tr->conf, &tr->faults.v[m->fault], fb, sizeof(fb));
	return asprintf(&t, " X %s", fb) < 0 ? NULL : t;
}

/* The groups of one cell that go to the same receivers the same way are
 * merged into one item listing their records: "->all bcast:1,2", with runs
 * of three or more written "bcast:1..4". */
struct part {
	char *head, *tail;
	int source;
	int *recs; /* ascending record indices, of one source */
	int n, cap;
};

static void parts_free(struct part *p, int n)
{
	for (int i = 0; i < n; i++) {
		free(p[i].head);
		free(p[i].tail);
		free(p[i].recs);
	}
}

/* Add the group v[0..n) to the parts of its cell. */
static int part_add(struct grid *g, struct part *p, int *np, const uint32_t *v, size_t n)
{
	const struct ldfi_trace *tr = g->tr;
	const struct ldfi_msg *m = &tr->msgs[v[0]];
	int source = tr->recs[m->rec].source;
	char *head = group_head(g, tr->msgs, v, n), *tail = group_tail(tr, m);
	struct part *q;
	int i;

	if (!head || !tail)
		goto err_nomem;
	for (i = 0; i < *np; i++)
		if (p[i].source == source && !strcmp(p[i].head, head) && !strcmp(p[i].tail, tail))
			break;
	q = &p[i];
	if (i == *np) {
		*q = (struct part){head, tail, source, NULL, 0, 0};
		(*np)++;
	} else {
		free(head);
		free(tail);
	}
	head = tail = NULL;
	if (q->n == q->cap) {
		int cap = q->cap ? 2 * q->cap : 4;
		int *r = realloc(q->recs, (size_t)cap * sizeof(*r));

		if (!r)
			goto err_nomem;
		q->recs = r;
		q->cap = cap;
	}
	q->recs[q->n++] = m->rec;
	return 0;

err_nomem:
	free(head);
	free(tail);
	return LDFI_ENOMEM;
}

/* "->all bcast:1..4 X omit" */
static char *part_text(const struct ldfi_trace *tr, const struct part *q)
{
	/* Records a stage named (source -1) are shown whole. */
	const char *src = q->source >= 0 ? tr->conf->comps[q->source].name : "";
	size_t skip = q->source >= 0 ? strlen(src) + 1 : 0, len = 0;
	char *s = NULL;
	FILE *f = open_memstream(&s, &len);

	if (!f)
		return NULL;
	fprintf(f, "%s %s%s", q->head, src, q->source >= 0 ? ":" : "");
	for (int i = 0, j; i < q->n; i = j + 1) {
		for (j = i; j + 1 < q->n && q->recs[j + 1] == q->recs[j] + 1; j++)
			;
		if (j - i < 2 || q->source < 0)
			j = i;
		fprintf(f, "%s%s", i ? "," : "", tr->recs[q->recs[i]].name + skip);
		if (j > i)
			fprintf(f, "..%s", tr->recs[q->recs[j]].name + skip);
	}
	fputs(q->tail, f);
	return stream_done(f, &s);
}

static void grid_finish(struct grid *g)
{
	for (size_t i = 0; i < g->n_items; i++)
		free(g->items[i]);
	free(g->items);
	free(g->first);
	free(g->count);
}

/* Turn the messages order[i0..i1) of one cell into its items. */
static int grid_cell(struct grid *g, const uint32_t *order, size_t i0, size_t i1,
		     struct part *parts)
{
	const struct ldfi_trace *tr = g->tr;
	const struct ldfi_msg *m = &tr->msgs[order[i0]];
	size_t cell = (size_t)(m->send_round - 1) * (size_t)g->cols + (size_t)m->src_node;
	int np = 0, rc = 0;

	for (size_t i = i0, j; i < i1 && !rc; i = j) {
		for (j = i + 1; j < i1 && same_group(&tr->msgs[order[i]], &tr->msgs[order[j]]); j++)
			;
		rc = part_add(g, parts, &np, order + i, j - i);
	}
	g->first[cell] = g->n_items;
	for (int k = 0; k < np && !rc; k++) {
		if (!(g->items[g->n_items] = part_text(tr, &parts[k]))) {
			rc = LDFI_ENOMEM;
			break;
		}
		g->n_items++;
		g->count[cell]++;
	}
	parts_free(parts, np);
	return rc;
}

static int grid_build(struct grid *g, const struct ldfi_trace *tr)
{
	const struct ldfi_conf *conf = tr->conf;
	size_t cells = (size_t)conf->eot * (size_t)conf->n_nodes;
	uint32_t *order = malloc((tr->n_msgs + 1) * sizeof(*order));
	struct part *parts = malloc((tr->n_msgs + 1) * sizeof(*parts));
	size_t n = 0;
	int targets = 0, rc = LDFI_ENOMEM;

	*g = (struct grid){.tr = tr, .rows = conf->eot, .cols = conf->n_nodes};
	for (int c = 0; c < conf->n_comps; c++)
		targets += conf->comps[c].type != LDFI_COMP_SOURCE;
	g->multi = targets > 1;
	g->items = malloc((tr->n_msgs + 1) * sizeof(*g->items));
	g->first = calloc(cells + 1, sizeof(*g->first));
	g->count = calloc(cells + 1, sizeof(*g->count));
	if (!order || !parts || !g->items || !g->first || !g->count)
		goto err;
	for (size_t i = 0; i < tr->n_msgs; i++) {
		const struct ldfi_msg *m = &tr->msgs[i];

		if (m->send_round >= 1 && m->send_round <= g->rows && m->src_node >= 0 &&
		    m->src_node < g->cols)
			order[n++] = (uint32_t)i;
	}
	qsort_r(order, n, sizeof(*order), cmp_msg, tr->msgs);
	for (size_t i = 0, j; i < n; i = j) {
		const struct ldfi_msg *m = &tr->msgs[order[i]];

		for (j = i + 1; j < n && tr->msgs[order[j]].send_round == m->send_round &&
				tr->msgs[order[j]].src_node == m->src_node;
		     j++)
			;
		if ((rc = grid_cell(g, order, i, j, parts)))
			goto err;
	}
	free(parts);
	free(order);
	return 0;

err:
	free(parts);
	free(order);
	grid_finish(g);
	return rc;
}

/* What a node is in a round: up, crashed, down (restart), or back up in
 * its recovery round. */
enum cell_state { CELL_UP, CELL_CRASHED, CELL_DOWN, CELL_RECOVERY };

static enum cell_state cell_state(const struct grid *g, int row, int col)
{
	const struct ldfi_trace *tr = g->tr;
	int c = tr->crash_round[col], t = tr->restart_round ? tr->restart_round[col] : 0;

	if (c && row + 1 >= c)
		return CELL_CRASHED;
	if (t && row + 1 >= t && row + 1 < t + tr->downtime)
		return CELL_DOWN;
	if (t && row + 1 == t + tr->downtime)
		return CELL_RECOVERY;
	return CELL_UP;
}

static bool cell_blank(const struct grid *g, int row, int col)
{
	enum cell_state st = cell_state(g, row, col);

	return st == CELL_CRASHED || st == CELL_DOWN;
}

/* "^ up (restart(w,3))": the first line of a node's recovery cell. */
static void up_label(const struct ldfi_trace *tr, int node, char *buf, size_t len)
{
	struct ldfi_fault f = {LDFI_FAULT_RESTART, node, -1,
			       tr->restart_round ? tr->restart_round[node] : 0};
	char fb[128];

	ldfi_fault_format(tr->conf, &f, fb, sizeof(fb));
	snprintf(buf, len, "^ up (%s)", fb);
}

/* Whether rows r and q read the same: each round of a range is alike. */
static bool rows_alike(const struct grid *g, int r, int q)
{
	for (int c = 0; c < g->cols; c++) {
		size_t x = (size_t)r * (size_t)g->cols + (size_t)c;
		size_t y = (size_t)q * (size_t)g->cols + (size_t)c;

		if (cell_state(g, r, c) != cell_state(g, q, c) || g->count[x] != g->count[y])
			return false;
		for (int k = 0; k < g->count[x]; k++)
			if (strcmp(g->items[g->first[x] + (size_t)k],
				   g->items[g->first[y] + (size_t)k]))
				return false;
	}
	return true;
}

struct layout {
	int *w;	     /* column widths */
	int lw;	     /* width of the round column */
	int maxl;    /* lines per cell */
	char *line;  /* one output line */
	long cut;    /* items shortened */
	long hidden; /* items not shown */
};

/* Text of line `k` of a cell into `out` (width w); returns its length. A
 * recovery cell has the "^ up" line first, then its items. */
static int cell_line(const struct grid *g, struct layout *L, int row, int col, int k, char *out)
{
	size_t cell = (size_t)row * (size_t)g->cols + (size_t)col;
	int n = g->count[cell], w = L->w[col];
	enum cell_state st = cell_state(g, row, col);
	int maxl = L->maxl, len;
	const char *s;
	char more[32], up[160];

	if (st == CELL_RECOVERY) {
		if (k == 0) {
			up_label(g->tr, col, up, sizeof(up));
			s = up;
			goto out;
		}
		k--;
		maxl--;
	}
	if (st == CELL_CRASHED) {
		s = k == 0 ? CRASHED_CELL : "";
	} else if (st == CELL_DOWN) {
		s = k == 0 ? DOWN_CELL : "";
	} else if (n == 0) {
		s = k == 0 && st != CELL_RECOVERY ? "." : "";
	} else if (k >= n || k >= maxl) {
		s = "";
	} else if (n > maxl && k == maxl - 1) {
		snprintf(more, sizeof(more), "+%d more", n - k);
		s = more;
	} else {
		s = g->items[g->first[cell] + (size_t)k];
	}
out:
	len = (int)strlen(s);
	if (len > w) {
		memcpy(out, s, (size_t)w - 1);
		out[w - 1] = '~';
		return w;
	}
	memcpy(out, s, (size_t)len);
	return len;
}

/* Print rows [r0, r1] as one row of the diagram (a range when r1 > r0). */
static void print_row(FILE *f, const struct grid *g, struct layout *L, int r0, int r1)
{
	int lines = 1;

	for (int c = 0; c < g->cols; c++) {
		size_t cell = (size_t)r0 * (size_t)g->cols + (size_t)c;
		bool rec = cell_state(g, r0, c) == CELL_RECOVERY;
		int n = g->count[cell], maxl = L->maxl - rec;

		if (cell_blank(g, r0, c))
			continue;
		if (n + rec > lines)
			lines = (n < maxl ? n : maxl) + rec;
		if (n > maxl)
			L->hidden += n - (maxl - 1);
		for (int k = 0; k < n && k < maxl; k++)
			if ((int)strlen(g->items[g->first[cell] + (size_t)k]) > L->w[c] &&
			    !(n > maxl && k == maxl - 1))
				L->cut++;
	}
	for (int k = 0; k < lines; k++) {
		char *p = L->line;
		char label[32] = "";

		if (k == 0 && r1 > r0)
			snprintf(label, sizeof(label), "%d-%d", r0 + 1, r1 + 1);
		else if (k == 0)
			snprintf(label, sizeof(label), "%d", r0 + 1);
		p += sprintf(p, "  %*s", L->lw, label);
		for (int c = 0; c < g->cols; c++) {
			int len;

			p += sprintf(p, " | ");
			len = cell_line(g, L, r0, c, k, p);
			memset(p + len, ' ', (size_t)(L->w[c] - len));
			p += L->w[c];
		}
		while (p > L->line && p[-1] == ' ')
			p--;
		*p = 0;
		fprintf(f, "%s\n", L->line);
	}
}

static int print_spacetime(FILE *f, const struct ldfi_trace *tr)
{
	const struct ldfi_conf *conf = tr->conf;
	struct layout L = {0};
	struct grid g;
	char buf[32];
	int total, rc;

	if ((rc = grid_build(&g, tr)))
		return rc;
	L.w = calloc((size_t)g.cols + 1, sizeof(int));
	if (!L.w)
		goto err_nomem;
	L.maxl = g.cols <= 5 ? 6 : 3;
	L.lw = snprintf(buf, sizeof(buf), "%d-%d", g.rows > 1 ? g.rows - 1 : 1, g.rows);
	if (L.lw < 5)
		L.lw = 5;
	total = L.lw + 2;
	for (int c = 0; c < g.cols; c++) {
		int w = (int)strlen(conf->nodes[c].name);

		if (tr->crash_round[c] && w < (int)strlen(CRASHED_CELL))
			w = (int)strlen(CRASHED_CELL);
		if (tr->restart_round && tr->restart_round[c]) {
			char up[160];

			up_label(tr, c, up, sizeof(up));
			if (w < (int)strlen(up))
				w = (int)strlen(up);
		}
		for (int r = 0; r < g.rows; r++) {
			size_t cell = (size_t)r * (size_t)g.cols + (size_t)c;

			for (int k = 0; k < g.count[cell]; k++) {
				int len = (int)strlen(g.items[g.first[cell] + (size_t)k]);

				if (len > w)
					w = len;
			}
		}
		L.w[c] = w < 1 ? 1 : w > MAX_CELL ? MAX_CELL : w;
		total += L.w[c] + 3;
	}
	L.line = malloc((size_t)total + 64);
	if (!L.line)
		goto err_nomem;

	fputs("\nspacetime diagram of the counterexample run (rows: rounds, a range when they\n"
	      "are alike; columns: nodes; each cell: what the node sent in that round;\n"
	      "X: lost, and the fault that lost it",
	      f);
	if (g.abbrev)
		fputs(";\n->all, ->others: to every replica, every other one; -x,y: except x and y",
		      f);
	fputs("):\n", f);
	fprintf(f, "  %*s", L.lw, "round");
	for (int c = 0; c < g.cols; c++) {
		const char *name = conf->nodes[c].name;
		int len = (int)strlen(name);

		if (len > L.w[c])
			fprintf(f, " | %.*s~", L.w[c] - 1, name);
		else
			fprintf(f, " | %-*s", c + 1 < g.cols ? L.w[c] : 0, name);
	}
	fputs("\n  ", f);
	for (int i = 0; i < L.lw; i++)
		fputc('-', f);
	for (int c = 0; c < g.cols; c++) {
		fputs("-+-", f);
		for (int i = 0; i < L.w[c]; i++)
			fputc('-', f);
	}
	fputc('\n', f);
	for (int r = 0; r < g.rows;) {
		int r1 = r;

		while (r1 + 1 < g.rows && rows_alike(&g, r, r1 + 1))
			r1++;
		print_row(f, &g, &L, r, r1);
		r = r1 + 1;
	}
	if (L.cut && L.hidden)
		fprintf(f, "  (%ld item%s shortened (~) and %ld not shown (+N more); ", L.cut,
			L.cut == 1 ? "" : "s", L.hidden);
	else if (L.cut)
		fprintf(f, "  (%ld item%s shortened (~); ", L.cut, L.cut == 1 ? "" : "s");
	else if (L.hidden)
		fprintf(f, "  (%ld item%s not shown (+N more); ", L.hidden,
			L.hidden == 1 ? "" : "s");
	if (L.cut || L.hidden)
		fputs("every message is in the provenance database)\n", f);
	free(L.line);
	free(L.w);
	grid_finish(&g);
	return 0;

err_nomem:
	free(L.w);
	grid_finish(&g);
	return LDFI_ENOMEM;
}

/* ---- lineage ---- */

/* "a->b@1" */
static void print_hop(FILE *f, const struct ldfi_conf *conf, const struct ldfi_msg *m)
{
	fprintf(f, "%s->%s@%d", conf->nodes[m->src_node].name, conf->nodes[m->dst_node].name,
		m->send_round);
}

/* "bcast@a -> log@b  sent round 1 (a->b@1)" */
static void print_event(FILE *f, const struct ldfi_trace *tr, const struct ldfi_msg *m)
{
	const struct ldfi_conf *conf = tr->conf;

	fprintf(f, "%s@%s -> %s@%s  %ssent round %d (", conf->comps[m->src_comp].name,
		conf->nodes[m->src_node].name, conf->comps[m->dst_comp].name,
		conf->nodes[m->dst_node].name, m->kind == LDFI_MSG_ACK ? "ack " : "",
		m->send_round);
	print_hop(f, conf, m);
	fputc(')', f);
}

/* "omit(a,b,1)", the fault of `fs` at index `i`. */
static void print_fault(FILE *f, const struct ldfi_conf *conf, const struct ldfi_faults *fs, int i)
{
	char buf[128];

	ldfi_fault_format(conf, &fs->v[i], buf, sizeof(buf));
	fputs(buf, f);
}

/* A broken outcome: record `rec` at replica (comp, node). */
enum outcome_class { OC_MISSING, OC_EXTRA, OC_ORDER };

struct broken {
	int rec, comp, node;
	enum outcome_class cls;
	int count, expected;
};

/* The record and replica of a broken outcome, as explain.h takes them. */
#define HELD(b) (&(const struct ldfi_held){(b)->rec, (b)->comp, (b)->node})

static enum outcome_class class_of(const struct ldfi_offense *o)
{
	switch (o->problem) {
	case LDFI_PROBLEM_MISSING:
		return OC_MISSING;
	case LDFI_PROBLEM_DUPLICATED:
		return OC_EXTRA;
	case LDFI_PROBLEM_OUT_OF_ORDER:
		return OC_ORDER;
	case LDFI_PROBLEM_UNEXPECTED:
		break;
	}
	return o->count < o->expected ? OC_MISSING : OC_EXTRA;
}

/* Print one derivation (ids in send order), marking the events `c` (may be
 * NULL) cuts and the sends made from any one of their parents. */
static void print_chain(FILE *f, const struct ldfi_trace *tr, const struct ldfi_idset *s,
			const struct ldfi_cuts *c)
{
	size_t from = s->n > MAX_EVENTS ? s->n - MAX_EVENTS : 0;

	if (from)
		fprintf(f, "      (%zu earlier events not shown)\n", from);
	for (size_t i = from; i < s->n; i++) {
		const struct ldfi_msg *m = &tr->msgs[s->v[i] - 1];

		fputs("      ", f);
		print_event(f, tr, m);
		if (m->parents_any && m->n_parents > 1)
			fprintf(f, "  (from any one of %u copies)", m->n_parents);
		if (c && c->own[m->id] >= 0) {
			fputs("  X cut by ", f);
			print_fault(f, tr->conf, c->fs, c->own[m->id]);
		}
		fputc('\n', f);
	}
}

static void print_replica(FILE *f, const struct ldfi_conf *conf, const struct broken *b)
{
	fprintf(f, "%s@%s", conf->comps[b->comp].name, conf->nodes[b->node].name);
}

/* Whether messages x and y read the same as hops: "a->b@1". */
static bool same_hop(const struct ldfi_msg *x, const struct ldfi_msg *y)
{
	return x->src_node == y->src_node && x->dst_node == y->dst_node &&
	       x->send_round == y->send_round;
}

/*
 * "a->b@1 was lost (omit(a,b,1)), a->b@2, a->b@3 were lost (crash(a,2)) and
 * c->b@2 was lost (c was down: restart(c,2))": the messages of `w` (in send order) by
 * the fault that cut them, faults in order of their first message.
 */
static void print_lost(FILE *f, const struct ldfi_cuts *c, const struct ldfi_why *w)
{
	const struct ldfi_trace *ff = c->tr;
	int n_groups = 0, g = 0;

	for (int j = 0; j < w->n; j++) {
		int k = c->own[w->v[j]], i;

		for (i = 0; i < j && c->own[w->v[i]] != k; i++)
			;
		n_groups += i == j;
	}
	for (int j = 0; j < w->n; j++) {
		int k = c->own[w->v[j]], n = 0, shown = 0, i;

		for (i = 0; i < j && c->own[w->v[i]] != k; i++)
			;
		if (i < j)
			continue; /* this fault's group is already written */
		if (g++)
			fputs(g == n_groups ? " and " : ", ", f);
		for (i = j; i < w->n; i++) {
			const struct ldfi_msg *m = &ff->msgs[w->v[i] - 1];
			bool dup = false;

			if (c->own[w->v[i]] != k)
				continue;
			for (int q = j; q < i && !dup; q++)
				dup = c->own[w->v[q]] == k && same_hop(&ff->msgs[w->v[q] - 1], m);
			if (dup)
				continue;
			if (++n > MAX_WHY)
				continue;
			fputs(shown++ ? ", " : "", f);
			print_hop(f, ff->conf, m);
		}
		if (n > MAX_WHY)
			fprintf(f, " and %d more", n - MAX_WHY);
		fprintf(f, " %s lost (", n == 1 ? "was" : "were");
		if (k >= 0 && k < c->fs->n && c->fs->v[k].kind == LDFI_FAULT_RESTART)
			fprintf(f, "%s %s: ", ff->conf->nodes[c->fs->v[k].a].name,
				ldfi_fault_cuts(&c->fs->v[k], &ff->msgs[w->v[j] - 1], ff->conf)
				    ? "was down"
				    : "lost what it was sent from");
		print_fault(f, ff->conf, c->fs, k);
		fputc(')', f);
	}
}

/* A restart that cut no message: nothing was sent to its node while down,
 * but what it kept in volatile memory (a pending resend, dedup marks,
 * counts) is gone, and the sends that memory would have made never exist. */
static void print_restart_effect(FILE *f, const struct ldfi_trace *cx, const struct ldfi_fault *ft)
{
	fprintf(f, ": %s was down in round %d", cx->conf->nodes[ft->a].name, ft->t);
	if (cx->downtime > 1)
		fprintf(f, "-%d", ft->t + cx->downtime - 1);
	fprintf(f,
		" and came back in round %d with only its durable state (what it had pending or "
		"counted in volatile memory was lost)",
		ft->t + cx->downtime);
}

/* What fault i of the counterexample run `cx` did, after its text: ":
 * in the counterexample run it cut a->b@2, b->c@3" (messages of record
 * `rec` of cx, else any it lost: an ack another record needed), ": c
 * crashed in round 3 and sent nothing more", what a restart lost, or ": it
 * cut no message". */
static void print_effect(FILE *f, const struct ldfi_trace *cx, int i, int rec)
{
	const struct ldfi_conf *conf = cx->conf;
	const struct ldfi_fault *ft = &cx->faults.v[i];
	uint32_t ids[MAX_WHY];
	size_t n = ldfi_explain_lost_by(cx, i, rec, ids, MAX_WHY), shown = 0;
	bool other = false;

	if (!n && (n = ldfi_explain_lost_by(cx, i, -1, ids, MAX_WHY)))
		other = true; /* an ack, or another record, that this one needed */
	for (size_t k = 0; k < n && k < MAX_WHY; k++) {
		const struct ldfi_msg *m = &cx->msgs[ids[k] - 1];

		if (k && same_hop(&cx->msgs[ids[k - 1] - 1], m))
			continue;
		fputs(shown++ ? ", "
		      : other ? ": in the counterexample run it cut (not a message of this record) "
			      : ": in the counterexample run it cut ",
		      f);
		print_hop(f, conf, m);
		if (m->kind == LDFI_MSG_ACK)
			fputs(" (an ack)", f);
	}
	if (n > MAX_WHY)
		fprintf(f, " and %zu more", n - MAX_WHY);
	else if (!n && ft->kind == LDFI_FAULT_CRASH)
		fprintf(f, ": %s crashed in round %d and sent nothing more",
			conf->nodes[ft->a].name, ft->t);
	else if (!n && ft->kind == LDFI_FAULT_RESTART)
		print_restart_effect(f, cx, ft);
	else if (!n)
		fputs(": it cut no message", f);
}

/* "; also crash(a,2): a crashed in round 2 and sent nothing more": what
 * each fault of the set that `w` does not name did in the counterexample
 * run `cx` (to record `rec` of cx), so that the sentence accounts for every
 * fault it explains. */
static void print_unnamed(FILE *f, const struct ldfi_cuts *c, const struct ldfi_why *w,
			  const struct ldfi_trace *cx, int rec)
{
	bool *named = calloc((size_t)c->fs->n + 1, sizeof(*named));

	if (!named)
		return;
	ldfi_explain_named(c, w, named);
	for (int i = 0, first = 1; i < c->fs->n; i++) {
		if (named[i])
			continue;
		fputs(first ? (w->n ? "; also " : " because of ") : "; ", f);
		first = 0;
		print_fault(f, cx->conf, c->fs, i);
		print_effect(f, cx, i, rec);
	}
	free(named);
}

/* "log@b never held bcast:1 because ...": the "why not" sentence, without
 * prefix or newline; every fault of the set is accounted for (cx, the
 * counterexample run, and rec, the record's index there, say what the
 * faults the fault-free run does not show did). Sorts w->v. */
static void why_not_sentence(FILE *f, const struct ldfi_cuts *c, const struct broken *b,
			     int n_copies, struct ldfi_why *w, const struct ldfi_trace *cx,
			     int cx_rec)
{
	const struct ldfi_trace *ff = c->tr;
	const struct ldfi_conf *conf = ff->conf;
	const char *rec = ff->recs[b->rec].name;

	print_replica(f, conf, b);
	if (!n_copies) {
		fprintf(f, " held no copy of %s in the fault-free run either", rec);
		return;
	}
	if (b->count > 0)
		fprintf(f, " held only %d of the %d copies of %s it held in the fault-free run",
			b->count, n_copies, rec);
	else
		fprintf(f, " never held %s", rec);
	ldfi_why_sort(w);
	if (w->n)
		fputs(" because ", f);
	print_lost(f, c, w);
	print_unnamed(f, c, w, cx, cx_rec);
	if (w->uncut)
		fprintf(f,
			"%s%d derivation%s of the fault-free run %s not cut by these faults "
			"(the counterexample run took other paths)",
			w->n || c->fs->n ? "; " : ": ", w->uncut, w->uncut == 1 ? "" : "s",
			w->uncut == 1 ? "was" : "were");
}

static void print_why_not(FILE *f, const struct ldfi_cuts *c, const struct broken *b, int n_copies,
			  struct ldfi_why *w, const struct ldfi_trace *cx, int rec)
{
	fputs("  why not: ", f);
	why_not_sentence(f, c, b, n_copies, w, cx, rec);
	fputc('\n', f);
}

/*
 * MISSING (or fewer copies than fault-free): the copies the replica held in
 * the fault-free run and the deliveries of the record it did not keep
 * (dedup), each with what cut it; then the "why not" sentence.
 */
static int trace_missing(FILE *f, const struct ldfi_explore_result *res, struct ldfi_cuts *c,
			 const struct broken *b, struct ldfi_idset *s, const struct ldfi_trace *cx,
			 int cx_rec)
{
	const struct ldfi_trace *ff = res->fault_free;
	const struct ldfi_conf *conf = res->conf;
	bool *kept = calloc(ff->n_msgs + 1, sizeof(*kept));
	struct ldfi_why w = {0};
	int n_copies = 0, shown = 0, rc;

	if (!kept)
		return LDFI_ENOMEM;
	rc = ldfi_explain_missing(c, HELD(b), kept, &w, &n_copies);
	fprintf(f, "  %s at ", ff->recs[b->rec].name);
	print_replica(f, conf, b);
	fprintf(f, ": %d cop%s in the fault-free run, %d under the counterexample\n", n_copies,
		n_copies == 1 ? "y" : "ies", b->count);
	for (size_t i = 0, k = 0; i < ff->n_outs && !rc; i++) {
		const struct ldfi_output *o = &ff->outs[i];

		if (!ldfi_explain_held_at(o, HELD(b)) || ++k > MAX_COPIES)
			continue;
		if ((rc = ldfi_explain_derivation(ff, ff->parents + o->parents_off, o->n_parents,
						  s)))
			break;
		fprintf(f, "    copy %zu (stored in round %d):\n", k, o->round);
		print_chain(f, ff, s, c);
	}
	if (!rc && n_copies > MAX_COPIES)
		fprintf(f, "    (%d more copies not shown)\n", n_copies - MAX_COPIES);
	for (size_t i = 0; !rc && n_copies && i < ff->n_msgs; i++) {
		const struct ldfi_msg *m = &ff->msgs[i];

		if (!ldfi_explain_unkept(m, HELD(b), kept) || ++shown > MAX_COPIES)
			continue;
		if ((rc = ldfi_explain_derivation(ff, &m->id, 1, s)))
			break;
		fprintf(f, "    delivered in round %d but not kept (a copy was already held):\n",
			m->send_round + 1);
		print_chain(f, ff, s, c);
	}
	if (!rc && shown > MAX_COPIES)
		fprintf(f, "    (%d more deliveries not shown)\n", shown - MAX_COPIES);
	if (!rc)
		print_why_not(f, c, b, n_copies, &w, cx, cx_rec);
	free(w.v);
	free(kept);
	return rc;
}

/* "log@b held bcast:1 2 times (1 in the fault-free run): 1 ack on its way
 * was lost, so its sender sent it again", without prefix or newline. */
/* When one of the lost acks marked in on[] was lost because its receiver
 * was down, " (the ack came while NODE was down: restart(NODE,T))" for the
 * first. */
static void restart_ack_clause(FILE *f, const struct ldfi_explore_result *res,
			       const struct ldfi_trace *tr, const bool *on)
{
	for (size_t i = 0; i < tr->n_msgs; i++) {
		const struct ldfi_msg *m = &tr->msgs[i];

		if (m->fate != LDFI_FATE_DOWN || m->fault < 0 || m->fault >= tr->faults.n ||
		    !ldfi_explain_lost_ack(tr, m, on))
			continue;
		fprintf(f,
			" (the ack came while %s was down: ", res->conf->nodes[m->dst_node].name);
		print_fault(f, res->conf, &tr->faults, m->fault);
		fputc(')', f);
		return;
	}
}

static void extra_sentence(FILE *f, const struct ldfi_explore_result *res,
			   const struct ldfi_trace *tr, const struct broken *b, int n_acks,
			   const bool *on)
{
	int ff = -1;

	print_replica(f, res->conf, b);
	fprintf(f, " held %s %d %s", tr->recs[b->rec].name, b->count, LDFI_TIMES(b->count));
	if (res->fault_free) {
		/* Records stages named have other indices in the fault-free run. */
		struct broken fb = *b;

		ff = 0;
		fb.rec = ldfi_trace_same_record(res->fault_free, tr, b->rec);
		for (size_t i = 0; fb.rec >= 0 && i < res->fault_free->n_outs; i++)
			ff += ldfi_explain_held_at(&res->fault_free->outs[i], HELD(&fb));
		fprintf(f, " (%d in the fault-free run)", ff);
	}
	if (n_acks) {
		fprintf(f, ": %d ack%s on its way %s lost, so %s sender%s sent it again", n_acks,
			n_acks == 1 ? "" : "s", n_acks == 1 ? "was" : "were",
			n_acks == 1 ? "its" : "their", n_acks == 1 ? "" : "s");
		restart_ack_clause(f, res, tr, on);
	} else if (b->count > 1) {
		fputs(": no ack on its way was lost; it arrived along several derivations "
		      "(see the copies above)",
		      f);
	} else {
		/* One copy, where the fault-free run held none (a window whose
		 * record moved to another): it exists only under the faults. */
		fputs(": no ack on its way was lost; it exists only under these faults", f);
		for (int i = 0; i < tr->faults.n; i++) {
			fputs("; ", f);
			print_fault(f, res->conf, &tr->faults, i);
			print_effect(f, tr, i, b->rec);
		}
	}
}

/*
 * DUPLICATED (or more copies than fault-free): the derivation of each copy
 * held in the counterexample run, and the acks lost there of the messages
 * those copies came through (each lost ack made its sender send again).
 */
static int trace_extra(FILE *f, const struct ldfi_explore_result *res, const struct ldfi_cex *cx,
		       const struct broken *b, struct ldfi_idset *s)
{
	const struct ldfi_trace *tr = cx->trace;
	const struct ldfi_conf *conf = res->conf;
	bool *on = calloc(tr->n_msgs + 1, sizeof(*on));
	int k = 0, n_acks = 0, shown = 0, rc;

	if (!on)
		return LDFI_ENOMEM;
	fprintf(f, "  %s held %d %s at ", tr->recs[b->rec].name, b->count, LDFI_TIMES(b->count));
	print_replica(f, conf, b);
	fputs(" in the counterexample run:\n", f);
	if ((rc = ldfi_explain_lost_acks(tr, HELD(b), s, on, &n_acks)))
		goto out;
	for (size_t i = 0; i < tr->n_outs; i++) {
		const struct ldfi_output *o = &tr->outs[i];

		if (!ldfi_explain_held_at(o, HELD(b)) || ++k > MAX_COPIES)
			continue;
		if ((rc = ldfi_explain_copy(tr, o, s)))
			goto out;
		fprintf(f, "    copy %d (stored in round %d):\n", k, o->round);
		print_chain(f, tr, s, NULL);
	}
	if (k > MAX_COPIES)
		fprintf(f, "    (%d more copies not shown)\n", k - MAX_COPIES);
	for (size_t i = 0; i < tr->n_msgs; i++) {
		const struct ldfi_msg *m = &tr->msgs[i];

		if (!ldfi_explain_lost_ack(tr, m, on))
			continue;
		if (!shown++)
			fputs("    acks of those messages lost in the counterexample run:\n", f);
		if (shown > MAX_ACKS)
			continue;
		fputs("      ", f);
		print_event(f, tr, m);
		if (m->fate == LDFI_FATE_EOT) {
			fputs("  never delivered (sent in round eot)", f);
		} else if (m->fault >= 0 && m->fault < tr->faults.n) {
			fputs("  X ", f);
			print_fault(f, conf, &tr->faults, m->fault);
		} else {
			fprintf(f, "  X %s", ldfi_fate_name(m->fate));
		}
		fputc('\n', f);
	}
	if (n_acks > MAX_ACKS)
		fprintf(f, "      (%d more lost acks not shown)\n", n_acks - MAX_ACKS);
	fputs("  why: ", f);
	extra_sentence(f, res, tr, b, n_acks, on);
	fputc('\n', f);
out:
	free(on);
	return rc;
}

/* "log@b stored bcast:2 (round 3) before bcast:1 (round 4), which was
 * emitted earlier", without prefix or newline. */
static void order_sentence(FILE *f, const struct ldfi_trace *tr, const struct broken *b,
			   const struct ldfi_output *mine, const struct ldfi_output *later)
{
	print_replica(f, tr->conf, b);
	fprintf(f, " stored %s (round %d) before %s (round %d), which was emitted earlier",
		tr->recs[later->rec].name, later->round, tr->recs[b->rec].name, mine->round);
}

/* OUT OF ORDER: the copies in the counterexample run and what came first. */
static int trace_order(FILE *f, const struct ldfi_explore_result *res, const struct ldfi_cex *cx,
		       const struct broken *b, struct ldfi_idset *s)
{
	const struct ldfi_trace *tr = cx->trace;
	const struct ldfi_output *mine, *later;
	int rc;

	fprintf(f, "  %s out of order at ", tr->recs[b->rec].name);
	print_replica(f, res->conf, b);
	fputs(" in the counterexample run:\n", f);
	ldfi_explain_order(tr, HELD(b), &mine, &later);
	if (mine) {
		if ((rc = ldfi_explain_copy(tr, mine, s)))
			return rc;
		fprintf(f, "    first copy (stored in round %d):\n", mine->round);
		print_chain(f, tr, s, NULL);
	}
	if (mine && later) {
		fputs("  why: ", f);
		order_sentence(f, tr, b, mine, later);
		fputc('\n', f);
	}
	return 0;
}

static bool add_broken(struct broken *v, int *n, int cap, const struct ldfi_offense *o)
{
	struct broken b = {o->rec, o->comp, o->node, class_of(o), o->count, o->expected};

	for (int i = 0; i < *n; i++)
		if (v[i].rec == b.rec && v[i].comp == b.comp && v[i].node == b.node &&
		    v[i].cls == b.cls)
			return true;
	if (*n >= cap)
		return false;
	v[(*n)++] = b;
	return true;
}

static int print_lineage(FILE *f, const struct ldfi_explore_result *res, const struct ldfi_cex *cx)
{
	const struct ldfi_trace *tr = cx->trace;
	struct broken v[MAX_OUTCOMES];
	struct ldfi_idset s = {0};
	struct ldfi_cuts c = {0};
	int n = 0, more = 0, rc = 0;

	for (int i = 0; i < tr->n_checks; i++)
		for (int k = 0; k < tr->checks[i].n_offs; k++)
			if (!add_broken(v, &n, MAX_OUTCOMES, &tr->checks[i].offs[k]))
				more++;
	if (!n)
		return 0;
	fputs("\nlineage of the broken outcomes (each derivation as its chain of messages;\n"
	      "X: an event the counterexample's faults cut):\n",
	      f);
	if (!tr->faults.n)
		fputs("  the fault-free run itself breaks the checks: no fault is needed\n", f);
	if (res->fault_free && (rc = ldfi_cuts_init(&c, res->fault_free, &tr->faults)))
		return rc;
	for (int i = 0; i < n && !rc; i++) {
		if (v[i].cls == OC_MISSING && !res->fault_free) {
			fprintf(f, "  %s: the fault-free run is not available\n",
				tr->recs[v[i].rec].name);
			continue;
		}
		if (v[i].cls == OC_MISSING) {
			struct broken b = v[i];

			/* Records stages named have other indices in the fault-free run. */
			b.rec = ldfi_trace_same_record(res->fault_free, tr, b.rec);
			if (b.rec < 0)
				fprintf(f, "  %s: not in the fault-free run either\n",
					tr->recs[v[i].rec].name);
			else
				rc = trace_missing(f, res, &c, &b, &s, tr, v[i].rec);
		} else if (v[i].cls == OC_EXTRA) {
			rc = trace_extra(f, res, cx, &v[i], &s);
		} else {
			rc = trace_order(f, res, cx, &v[i], &s);
		}
	}
	if (more)
		fprintf(f,
			"  (%d more offending record%s not traced here; see report.json and "
			"the provenance database)\n",
			more, more == 1 ? "" : "s");
	ldfi_cuts_finish(&c);
	free(s.v);
	return rc;
}

/* ---- shared with the HTML report ---- */

static int why_missing_text(FILE *f, const struct ldfi_explore_result *res,
			    const struct ldfi_trace *cx, const struct broken *b)
{
	const struct ldfi_trace *ff = res->fault_free;
	struct ldfi_why w = {0};
	struct ldfi_cuts c;
	bool *kept;
	int n_copies = 0, rc;

	struct broken fb = *b;

	if (!ff) {
		fprintf(f, "%s: the fault-free run is not available", cx->recs[b->rec].name);
		return 0;
	}
	if ((fb.rec = ldfi_trace_same_record(ff, cx, b->rec)) < 0) {
		fprintf(f, "%s was not in the fault-free run either", cx->recs[b->rec].name);
		return 0;
	}
	if ((rc = ldfi_cuts_init(&c, ff, &cx->faults)))
		return rc;
	kept = calloc(ff->n_msgs + 1, sizeof(*kept));
	rc = kept ? ldfi_explain_missing(&c, HELD(&fb), kept, &w, &n_copies) : LDFI_ENOMEM;
	if (!rc)
		why_not_sentence(f, &c, &fb, n_copies, &w, cx, b->rec);
	free(w.v);
	free(kept);
	ldfi_cuts_finish(&c);
	return rc;
}

static int why_extra_text(FILE *f, const struct ldfi_explore_result *res,
			  const struct ldfi_trace *cx, const struct broken *b)
{
	bool *on = calloc(cx->n_msgs + 1, sizeof(*on));
	struct ldfi_idset s = {0};
	int n_acks = 0,
	    rc = on ? ldfi_explain_lost_acks(cx, HELD(b), &s, on, &n_acks) : LDFI_ENOMEM;

	if (!rc)
		extra_sentence(f, res, cx, b, n_acks, on);
	free(s.v);
	free(on);
	return rc;
}

int ldfi_report_why(FILE *f, const struct ldfi_explore_result *res, const struct ldfi_trace *cx,
		    const struct ldfi_offense *o)
{
	struct broken b = {o->rec, o->comp, o->node, class_of(o), o->count, o->expected};
	const struct ldfi_output *mine, *later;

	switch (b.cls) {
	case OC_MISSING:
		return why_missing_text(f, res, cx, &b);
	case OC_EXTRA:
		return why_extra_text(f, res, cx, &b);
	case OC_ORDER:
		ldfi_explain_order(cx, HELD(&b), &mine, &later);
		if (mine && later)
			order_sentence(f, cx, &b, mine, later);
		break;
	}
	return 0;
}

/* ---- the report ---- */

static void print_others(FILE *f, const struct ldfi_explore_result *res)
{
	fprintf(f, "\nother counterexamples (%d):\n", res->n_cex - 1);
	for (int i = 1; i < res->n_cex; i++) {
		const struct ldfi_trace *tr = res->cex[i].trace;
		char *fs = ldfi_faults_to_string(res->conf, &tr->faults);
		int n = 0;

		fprintf(f, "  execution %ld: %s; fails", res->cex[i].execution, fs ? fs : "?");
		if (tr->failure)
			fprintf(f, " to finish: %s", tr->failure);
		for (int k = 0; k < tr->n_checks; k++)
			if (!tr->checks[k].passed)
				fprintf(f, "%s %s", n++ ? "," : "",
					res->conf->checks[tr->checks[k].check].name);
		fputc('\n', f);
		free(fs);
	}
}

static void print_replay(FILE *f, const struct ldfi_explore_result *res)
{
	char *fs = ldfi_faults_to_string(res->conf, &res->cex[0].trace->faults);

	fputs("\nreplay:\n  ", f);
	ldfi_report_run_command(f, res, fs ? fs : "none");
	fputc('\n', f);
	free(fs);
	fputs("  ", f);
	ldfi_report_shell_word(f, ldfi_report_program(res));
	fputs(" replay ", f);
	{
		const char *dir = ldfi_report_out_dir(res);
		size_t n = strlen(dir);
		char *p = malloc(n + sizeof("/report.json"));

		if (p) {
			memcpy(p, dir, n);
			strcpy(p + n - (n && dir[n - 1] == '/'), "/report.json");
			ldfi_report_shell_word(f, p);
			free(p);
		} else {
			fprintf(f, "%s/report.json", dir);
		}
	}
	fputc('\n', f);
}

int ldfi_report_text(FILE *f, const struct ldfi_explore_result *res, char *err, size_t errlen)
{
	int rc = 0;

	print_verdict(f, res);
	print_figures(f, res);
	if (res->verdict == LDFI_VERDICT_COUNTEREXAMPLE && res->n_cex > 0) {
		const struct ldfi_cex *cx = &res->cex[0];

		fprintf(f, "\ncounterexample (execution %ld):\n", cx->execution);
		ldfi_report_checks(f, cx->trace);
		if (res->n_cex > 1)
			print_others(f, res);
		if (cx->trace->failure)
			fputs(
			    "\nthe run did not finish, so it has no spacetime diagram or lineage;\n"
			    "the provenance database records it (runs.failure)\n",
			    f);
		else
			rc = print_spacetime(f, cx->trace);
		if (!rc && !cx->trace->failure)
			rc = print_lineage(f, res, cx);
		if (!rc)
			print_replay(f, res);
	}
	if (rc) {
		snprintf(err, errlen, "text report: %s", ldfi_strerror(rc));
		return rc;
	}
	if (fflush(f) || ferror(f)) {
		snprintf(err, errlen, "cannot write the text report: %s", strerror(errno));
		return LDFI_EIO;
	}
	return 0;
}
