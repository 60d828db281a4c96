/*
 * html_lineage.c - the lineage of each broken outcome of a counterexample,
 * for the HTML report: the "why" sentence of the text report
 * (ldfi_report_why) and an SVG graph of the outcome's derivations, each
 * message event a box in the column of its send round, parent links as
 * edges, the outcome at the right. A missing record is traced in the
 * fault-free run, with the events the counterexample's faults cut marked
 * (and those lost through them); a duplicated or out-of-order one in the
 * counterexample run, with the acks lost there. Layout:
 * docs/html-report.md.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ldfi/conf.h"
#include "ldfi/faults.h"
#include "ldfi/ldfi.h"
#include "lineage/explain.h"
#include "lineage/lineage.h"
#include "src/report/html.h"
#include "src/report/report.h"
#include "src/report/svg.h"

#define MAX_OUTCOMES 4 /* broken outcomes traced per counterexample */
#define MAX_COPIES 6   /* copies (and deliveries not kept) traced per outcome */
#define MAX_NODES 60   /* events drawn per graph: the latest ones */
#define MAX_BOX_W 300.0
#define BOX_H 54.0
#define COL_GAP 54.0
#define ROW_GAP 14.0
#define PAD 14.0
#define HEAD 40.0 /* column titles, and room for edges arcing over boxes */

/* A broken outcome: record `rec` at sink replica (comp, node). */
struct outcome {
	const struct ldfi_offense *o; /* the first offense naming it */
	bool missing; /* fewer copies than it should: traced in the fault-free run */
};

struct lg {
	FILE *f;
	const struct ldfi_trace *tr; /* the run drawn */
	const struct ldfi_trace *cx;
	const struct outcome *oc;
	int *own;	  /* per message id: the fault of cx that cuts it, or -1 */
	bool *lost;	  /* per message id */
	int *idx;	  /* per message id: its node, or -1 */
	bool *to_out;	  /* per message id: a copy of the outcome derives from it */
	bool *unkept;	  /* per message id: a delivery of the record there, not kept */
	uint32_t *ids;	  /* the nodes: message ids, ascending */
	int n, hidden;	  /* nodes drawn, events left out */
	int copies;	  /* of the outcome in the run drawn */
	double *x, *y;	  /* per node */
	int *round_col;	  /* per round: its column, or -1 */
	int n_cols, rows; /* columns of events, rows of the tallest */
	double boxw, outw, width, height;
};

static void add_node(const struct ldfi_msg *m, void *arg)
{
	struct lg *g = arg;

	g->idx[m->id] = 0;
}

static bool held_by(const struct ldfi_output *o, const struct ldfi_offense *b)
{
	return o->comp == b->comp && o->node == b->node && o->rec == b->rec;
}

/* The copies of the outcome in g->tr, their derivations, and (missing) the
 * deliveries of the record there that were not kept. */
static int collect(struct lg *g)
{
	const struct ldfi_trace *tr = g->tr;
	const struct ldfi_offense *b = g->oc->o;
	int unkept = 0;

	for (size_t i = 0; i < tr->n_outs; i++) {
		const struct ldfi_output *o = &tr->outs[i];

		if (!held_by(o, b) || ++g->copies > MAX_COPIES)
			continue;
		for (uint32_t k = 0; k < o->n_parents; k++) {
			uint32_t p = tr->parents[o->parents_off + k];

			if (p < 1 || p > tr->n_msgs)
				continue;
			g->to_out[p] = true;
			if (ldfi_trace_ancestors(tr, p, add_node, g))
				return LDFI_ENOMEM;
		}
	}
	for (size_t i = 0; g->oc->missing && i < tr->n_msgs && unkept < MAX_COPIES; i++) {
		const struct ldfi_msg *m = &tr->msgs[i];

		if (m->kind != LDFI_MSG_DATA || m->fate != LDFI_FATE_DELIVERED ||
		    m->rec != b->rec || m->dst_comp != b->comp || m->dst_node != b->node ||
		    g->to_out[m->id])
			continue;
		g->unkept[m->id] = true;
		unkept++;
		if (ldfi_trace_ancestors(tr, m->id, add_node, g))
			return LDFI_ENOMEM;
	}
	return 0;
}

/* Duplicates and order: the acks of drawn events that were lost. */
static void add_lost_acks(struct lg *g)
{
	const struct ldfi_trace *tr = g->tr;

	for (size_t i = 0; i < tr->n_msgs && !g->oc->missing; i++) {
		const struct ldfi_msg *m = &tr->msgs[i];

		if (m->kind != LDFI_MSG_ACK || m->fate == LDFI_FATE_DELIVERED)
			continue;
		for (uint32_t k = 0; k < m->n_parents; k++) {
			uint32_t p = tr->parents[m->parents_off + k];

			if (p >= 1 && p <= tr->n_msgs && g->idx[p] == 0 && p < m->id)
				g->idx[m->id] = 0;
		}
	}
}

/* The drawn nodes, ascending; the latest MAX_NODES when there are more. */
static int list_nodes(struct lg *g)
{
	const struct ldfi_trace *tr = g->tr;
	int total = 0;

	for (uint32_t id = 1; id <= tr->n_msgs; id++)
		total += g->idx[id] == 0;
	g->hidden = total > MAX_NODES ? total - MAX_NODES : 0;
	g->ids = malloc(((size_t)total + 1) * sizeof(*g->ids));
	if (!g->ids)
		return LDFI_ENOMEM;
	for (uint32_t id = 1, seen = 0; id <= tr->n_msgs; id++) {
		if (g->idx[id] != 0)
			continue;
		if ((int)seen++ < g->hidden) {
			g->idx[id] = -1;
			continue;
		}
		g->idx[id] = g->n;
		g->ids[g->n++] = id;
	}
	return 0;
}

/* The marks of the run drawn: for a missing record, what the
 * counterexample's faults cut in the fault-free run; else what was lost. */
static int marks(struct lg *g)
{
	const struct ldfi_trace *tr = g->tr;

	if (g->oc->missing) {
		struct ldfi_cuts c;
		int rc = ldfi_cuts_init(&c, tr, &g->cx->faults);

		if (rc)
			return rc;
		/* Keep its per-message arrays, drop the rest. */
		g->own = c.own;
		g->lost = c.lost;
		c.own = NULL;
		c.lost = NULL;
		ldfi_cuts_finish(&c);
		return 0;
	}
	g->own = malloc((tr->n_msgs + 1) * sizeof(*g->own));
	g->lost = calloc(tr->n_msgs + 1, sizeof(*g->lost));
	if (!g->own || !g->lost)
		return LDFI_ENOMEM;
	g->own[0] = -1;
	for (size_t i = 0; i < tr->n_msgs; i++) {
		const struct ldfi_msg *m = &tr->msgs[i];

		g->own[m->id] = ldfi_html_lost_by(tr, m);
		g->lost[m->id] = m->fate == LDFI_FATE_OMITTED || m->fate == LDFI_FATE_CRASHED;
	}
	return 0;
}

/* The (up to 3) lines of node i's box. */
static void node_lines(const struct lg *g, int i, char lines[3][192], const char **cls3)
{
	const struct ldfi_trace *tr = g->tr;
	const struct ldfi_conf *conf = tr->conf;
	const struct ldfi_msg *m = &tr->msgs[g->ids[i] - 1];
	char fb[128];

	snprintf(lines[0], 192, "%s%s@%s \xe2\x86\x92 %s@%s", m->kind == LDFI_MSG_ACK ? "ack " : "",
		 conf->comps[m->src_comp].name, conf->nodes[m->src_node].name,
		 conf->comps[m->dst_comp].name, conf->nodes[m->dst_node].name);
	snprintf(lines[1], 192, "%s->%s@%d  %s", conf->nodes[m->src_node].name,
		 conf->nodes[m->dst_node].name, m->send_round, tr->recs[m->rec].name);
	lines[2][0] = 0;
	*cls3 = "note";
	if (g->own[m->id] >= 0) {
		ldfi_fault_format(conf, &g->cx->faults.v[g->own[m->id]], fb, sizeof(fb));
		snprintf(lines[2], 192, "\xe2\x9c\x97 %s by %s", g->oc->missing ? "cut" : "lost",
			 fb);
		*cls3 = "cut-label";
	} else if (g->lost[m->id]) {
		snprintf(lines[2], 192, "lost: an earlier event was");
		*cls3 = "lost-label";
	} else if (m->fate == LDFI_FATE_EOT) {
		snprintf(lines[2], 192, "never delivered (sent at eot)");
	} else if (m->parents_any && m->n_parents > 1) {
		snprintf(lines[2], 192, "from any one of %u copies", m->n_parents);
	} else if (g->unkept[m->id]) {
		snprintf(lines[2], 192, "delivered, not kept");
	}
}

/* The lines of the outcome's box. */
static void outcome_lines(const struct lg *g, char lines[3][192])
{
	const struct ldfi_conf *conf = g->tr->conf;
	const struct ldfi_offense *o = g->oc->o;
	const char *rec = g->tr->recs[o->rec].name;
	const char *where = g->oc->missing ? "fault-free run" : "counterexample";

	snprintf(lines[0], 192, "%s@%s holds %s", conf->comps[o->comp].name,
		 conf->nodes[o->node].name, rec);
	snprintf(lines[1], 192, "%s: %d cop%s", where, g->copies, g->copies == 1 ? "y" : "ies");
	if (o->problem == LDFI_PROBLEM_OUT_OF_ORDER)
		snprintf(lines[2], 192, "\xe2\x9c\x97 out of order");
	else if (g->oc->missing)
		snprintf(lines[2], 192, "\xe2\x9c\x97 counterexample: %d", o->count);
	else
		snprintf(lines[2], 192, "\xe2\x9c\x97 expected %d", o->expected);
}

static double lines_width(char lines[3][192])
{
	int w = 0;

	for (int k = 0; k < 3; k++)
		if (ldfi_utf8_width(lines[k]) > w)
			w = ldfi_utf8_width(lines[k]);
	return w * LDFI_SVG_CHAR_W + 14;
}

struct keyed {
	double key;
	int node;
};

static int cmp_keyed(const void *x, const void *y)
{
	const struct keyed *a = x, *b = y;

	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	return a->node - b->node;
}

/* Order one column's nodes v[0..n) by the mean row of their parents
 * (placed already: parents are sent in earlier rounds). */
static void order_column(struct lg *g, struct keyed *v, int n, const int *row)
{
	const struct ldfi_trace *tr = g->tr;

	for (int i = 0; i < n; i++) {
		const struct ldfi_msg *m = &tr->msgs[g->ids[v[i].node] - 1];
		double sum = 0;
		int k = 0;

		for (uint32_t j = 0; j < m->n_parents; j++) {
			uint32_t p = tr->parents[m->parents_off + j];

			if (p >= 1 && p <= tr->n_msgs && g->idx[p] >= 0) {
				sum += row[g->idx[p]];
				k++;
			}
		}
		v[i].key = k ? sum / k : i;
	}
	qsort(v, (size_t)n, sizeof(*v), cmp_keyed);
}

/* Place the events of round r (column round_col[r]), centred vertically;
 * row[]: each node's row. */
static void place_column(struct lg *g, int r, struct keyed *v, int *row)
{
	int n = 0;

	for (int i = 0; i < g->n; i++)
		if (g->tr->msgs[g->ids[i] - 1].send_round == r)
			v[n++] = (struct keyed){0, i};
	order_column(g, v, n, row);
	for (int k = 0; k < n; k++) {
		row[v[k].node] = k;
		g->x[v[k].node] = PAD + g->round_col[r] * (g->boxw + COL_GAP);
		g->y[v[k].node] =
		    PAD + HEAD + (g->rows - n) * (BOX_H + ROW_GAP) / 2 + k * (BOX_H + ROW_GAP);
	}
}

static int layout(struct lg *g)
{
	const struct ldfi_trace *tr = g->tr;
	int eot = tr->conf->eot, rc = LDFI_ENOMEM;
	int *row = calloc((size_t)g->n + 1, sizeof(*row));
	struct keyed *v = malloc(((size_t)g->n + 1) * sizeof(*v));
	int *count = calloc((size_t)eot + 2, sizeof(*count));

	g->round_col = malloc(((size_t)eot + 2) * sizeof(*g->round_col));
	g->x = malloc(((size_t)g->n + 1) * sizeof(*g->x));
	g->y = malloc(((size_t)g->n + 1) * sizeof(*g->y));
	if (!row || !v || !count || !g->round_col || !g->x || !g->y)
		goto out;
	for (int i = 0; i < g->n; i++)
		count[tr->msgs[g->ids[i] - 1].send_round]++;
	for (int r = 0; r <= eot + 1; r++) {
		g->round_col[r] = count[r] ? g->n_cols++ : -1;
		g->rows = count[r] > g->rows ? count[r] : g->rows;
	}
	for (int r = 0; r <= eot + 1; r++)
		place_column(g, r, v, row);
	g->width = 2 * PAD + g->n_cols * (g->boxw + COL_GAP) + g->outw;
	g->height = 2 * PAD + HEAD + (g->rows ? g->rows : 1) * (BOX_H + ROW_GAP);
	rc = 0;
out:
	free(row);
	free(v);
	free(count);
	return rc;
}

static double out_x(const struct lg *g)
{
	return PAD + g->n_cols * (g->boxw + COL_GAP);
}

static double out_y(const struct lg *g)
{
	return PAD + HEAD + ((g->rows ? g->rows : 1) * (BOX_H + ROW_GAP) - ROW_GAP - BOX_H) / 2;
}

/* An edge from (x1, y1) to (x2, y2); one that skips columns arcs over the
 * boxes between (higher the more it skips). */
static void edge(const struct lg *g, double x1, double y1, double x2, double y2, const char *cls)
{
	int span = (int)((x2 - x1 + g->boxw) / (g->boxw + COL_GAP) + 0.5);
	double dx = (x2 - x1) / 2, up = 0, len;

	if (span > 1) {
		dx = 50;
		up = 52 + 10 * (span > 5 ? 3 : span - 2);
	}
	len = sqrt(dx * dx + up * up);
	fprintf(g->f, "<path class=\"%s\" d=\"M%.1f,%.1f C%.1f,%.1f %.1f,%.1f %.1f,%.1f\"/>\n", cls,
		x1, y1, x1 + dx, y1 - up, x2 - dx, y2 - up, x2 - 7 * dx / len, y2 - 7 * up / len);
	ldfi_svg_arrowhead(g->f, x2, y2, dx, up, "edge-head");
}

static void draw_edges(struct lg *g)
{
	const struct ldfi_trace *tr = g->tr;
	double mid = BOX_H / 2;

	fputs("<g class=\"edges\">\n", g->f);
	for (int i = 0; i < g->n; i++) {
		const struct ldfi_msg *m = &tr->msgs[g->ids[i] - 1];

		for (uint32_t j = 0; j < m->n_parents; j++) {
			uint32_t p = tr->parents[m->parents_off + j];
			int k = p >= 1 && p <= tr->n_msgs ? g->idx[p] : -1;

			if (k >= 0)
				edge(g, g->x[k] + g->boxw, g->y[k] + mid, g->x[i], g->y[i] + mid,
				     g->lost[p] ? "edge lost" : "edge");
		}
		if (g->to_out[m->id] || g->unkept[m->id])
			edge(g, g->x[i] + g->boxw, g->y[i] + mid, out_x(g), out_y(g) + mid,
			     g->unkept[m->id] ? "edge unkept"
			     : g->lost[m->id] ? "edge lost"
					      : "edge");
	}
	fputs("</g>\n", g->f);
}

static void box(FILE *f, double x, double y, double w, char lines[3][192], const char *cls3)
{
	ldfi_svg_rect(f, x, y, w, BOX_H, "box");
	ldfi_svg_text(f, x + 7, y + 16, "line1", "start", lines[0]);
	ldfi_svg_text(f, x + 7, y + 31, "line2", "start", lines[1]);
	if (lines[2][0])
		ldfi_svg_text(f, x + 7, y + 46, cls3, "start", lines[2]);
}

static void draw_node(struct lg *g, int i)
{
	FILE *f = g->f;
	const struct ldfi_conf *conf = g->tr->conf;
	const struct ldfi_msg *m = &g->tr->msgs[g->ids[i] - 1];
	char lines[3][192], fb[128];
	const char *cls3;

	node_lines(g, i, lines, &cls3);
	fprintf(f, "<g class=\"event%s%s%s\" data-id=\"%u\"", m->kind == LDFI_MSG_ACK ? " ack" : "",
		g->own[m->id] >= 0 ? " cut" : "", g->lost[m->id] ? " lost" : "", m->id);
	snprintf(fb, sizeof(fb), "%s->%s@%d", conf->nodes[m->src_node].name,
		 conf->nodes[m->dst_node].name, m->send_round);
	ldfi_xml_attr(f, "data-hop", fb);
	ldfi_xml_attr(f, "data-record", g->tr->recs[m->rec].name);
	if (g->own[m->id] >= 0) {
		ldfi_fault_format(conf, &g->cx->faults.v[g->own[m->id]], fb, sizeof(fb));
		ldfi_xml_attr(f, "data-fault", fb);
	}
	fputs(">\n", f);
	fputs("<title>", f);
	ldfi_xml_printf(f, false, "message %u: %s; %s%s%s", m->id, lines[0], lines[1],
			lines[2][0] ? "; " : "", lines[2]);
	fputs("</title>\n", f);
	box(f, g->x[i], g->y[i], g->boxw, lines, cls3);
	fputs("</g>\n", f);
}

static void draw_graph(struct lg *g)
{
	FILE *f = g->f;
	const struct ldfi_conf *conf = g->tr->conf;
	const struct ldfi_offense *o = g->oc->o;
	char lines[3][192], label[256];

	snprintf(label, sizeof(label), "lineage of %s at %s@%s", g->tr->recs[o->rec].name,
		 conf->comps[o->comp].name, conf->nodes[o->node].name);
	ldfi_svg_open(f, g->width, g->height, "lineage", label);
	for (int r = 0; r <= conf->eot + 1; r++)
		if (g->round_col[r] >= 0) {
			snprintf(label, sizeof(label), "round %d", r);
			ldfi_svg_text(f, PAD + g->round_col[r] * (g->boxw + COL_GAP) + g->boxw / 2,
				      PAD + 10, "col-title", "middle", label);
		}
	ldfi_svg_text(f, out_x(g) + g->outw / 2, PAD + 10, "col-title", "middle", "outcome");
	draw_edges(g);
	for (int i = 0; i < g->n; i++)
		draw_node(g, i);
	outcome_lines(g, lines);
	fputs("<g class=\"outcome\"", f);
	ldfi_xml_attr(f, "data-record", g->tr->recs[o->rec].name);
	snprintf(label, sizeof(label), "%s@%s", conf->comps[o->comp].name,
		 conf->nodes[o->node].name);
	ldfi_xml_attr(f, "data-replica", label);
	fputs(">\n", f);
	box(f, out_x(g), out_y(g), g->outw, lines, "failed");
	fputs("</g>\n", f);
	ldfi_svg_close(f);
}

static void measure(struct lg *g)
{
	char lines[3][192];
	const char *cls3;

	g->boxw = 120;
	for (int i = 0; i < g->n; i++) {
		double w;

		node_lines(g, i, lines, &cls3);
		w = lines_width(lines);
		g->boxw = w > g->boxw ? w : g->boxw;
	}
	g->boxw = g->boxw > MAX_BOX_W ? MAX_BOX_W : g->boxw;
	outcome_lines(g, lines);
	g->outw = lines_width(lines);
}

static void lg_finish(struct lg *g)
{
	free(g->own);
	free(g->lost);
	free(g->idx);
	free(g->to_out);
	free(g->unkept);
	free(g->ids);
	free(g->x);
	free(g->y);
	free(g->round_col);
}

static int graph(FILE *f, const struct ldfi_explore_result *res, const struct ldfi_trace *cx,
		 const struct outcome *oc)
{
	const struct ldfi_trace *tr = oc->missing ? res->fault_free : cx;
	struct ldfi_offense fo = *oc->o;
	struct outcome foc = {&fo, oc->missing};
	struct lg g = {.f = f, .tr = tr, .cx = cx, .oc = &foc};
	int rc;

	/* Records stages named have other indices in the fault-free run. */
	if ((fo.rec = ldfi_trace_same_record(tr, cx, fo.rec)) < 0)
		return 0;

	g.idx = malloc((tr->n_msgs + 1) * sizeof(*g.idx));
	g.to_out = calloc(tr->n_msgs + 1, sizeof(*g.to_out));
	g.unkept = calloc(tr->n_msgs + 1, sizeof(*g.unkept));
	rc = g.idx && g.to_out && g.unkept ? 0 : LDFI_ENOMEM;
	for (size_t i = 0; !rc && i <= tr->n_msgs; i++)
		g.idx[i] = -1;
	if (!rc && !(rc = collect(&g)) && !(rc = marks(&g))) {
		add_lost_acks(&g);
		rc = list_nodes(&g);
	}
	if (!rc) {
		measure(&g);
		rc = layout(&g);
	}
	if (!rc)
		draw_graph(&g);
	if (!rc && g.hidden)
		fprintf(f,
			"<p class=\"note\">%d earlier event%s of these derivations not drawn "
			"(every message is in the provenance database).</p>\n",
			g.hidden, g.hidden == 1 ? "" : "s");
	lg_finish(&g);
	return rc;
}

static bool missing_like(const struct ldfi_offense *o)
{
	return o->problem == LDFI_PROBLEM_MISSING ||
	       (o->problem == LDFI_PROBLEM_UNEXPECTED && o->count < o->expected);
}

/* The why sentence of one outcome, as a paragraph. */
static int why(FILE *f, const struct ldfi_explore_result *res, const struct ldfi_trace *cx,
	       const struct outcome *oc)
{
	char *s = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&s, &len);
	int rc;

	if (!m)
		return LDFI_ENOMEM;
	rc = ldfi_report_why(m, res, cx, oc->o);
	if (fclose(m))
		rc = LDFI_ENOMEM;
	if (!rc && len) {
		fprintf(f, "<p class=\"why\"><strong>%s</strong> ",
			oc->missing ? "why not:" : "why:");
		ldfi_xml_escape(f, s, false);
		fputs("</p>\n", f);
	}
	free(s);
	return rc;
}

/* The distinct broken outcomes of `cx` (at most `cap`); *more counts the rest. */
static int outcomes(const struct ldfi_trace *cx, struct outcome *v, int cap, int *more)
{
	int n = 0;

	*more = 0;
	for (int c = 0; c < cx->n_checks; c++)
		for (int k = 0; k < cx->checks[c].n_offs; k++) {
			const struct ldfi_offense *o = &cx->checks[c].offs[k];
			bool seen = false;

			for (int i = 0; i < n && !seen; i++)
				seen = v[i].o->rec == o->rec && v[i].o->comp == o->comp &&
				       v[i].o->node == o->node && v[i].missing == missing_like(o);
			if (seen)
				continue;
			if (n == cap)
				(*more)++;
			else
				v[n++] = (struct outcome){o, missing_like(o)};
		}
	return n;
}

int ldfi_html_lineage(FILE *f, const struct ldfi_explore_result *res, const struct ldfi_trace *cx)
{
	struct outcome v[MAX_OUTCOMES];
	int more, n = outcomes(cx, v, MAX_OUTCOMES, &more), rc = 0;

	for (int i = 0; i < n && !rc; i++) {
		fputs("<div class=\"broken\">\n", f);
		rc = why(f, res, cx, &v[i]);
		if (!rc && v[i].missing && !res->fault_free)
			fputs("<p class=\"note\">The fault-free run is not available: no lineage "
			      "to draw.</p>\n",
			      f);
		else if (!rc)
			rc = graph(f, res, cx, &v[i]);
		fputs("</div>\n", f);
	}
	if (more)
		fprintf(f,
			"<p class=\"note\">%d more offending record%s not traced here (see "
			"report.json and the provenance database).</p>\n",
			more, more == 1 ? "" : "s");
	return rc;
}
