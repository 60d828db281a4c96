/*
 * html_spacetime.c - the spacetime (Lamport) diagram of one run, as SVG,
 * for the HTML report: a lifeline per node (columns), a band per round
 * (rows), an arrow per message from (sender, send round) to (receiver,
 * send round + 1); acks in another colour, lost messages dashed and ending
 * in an X with the fault that lost them, crashes cutting their lifeline,
 * and under each lifeline the sink replicas' contents at eot with the
 * records that failed a check. Layout: docs/html-report.md.
 */
#include <stdlib.h>
#include <string.h>

#include "ldfi/conf.h"
#include "ldfi/faults.h"
#include "ldfi/ldfi.h"
#include "src/report/html.h"
#include "src/report/report.h"
#include "src/report/svg.h"

#define LEFT 78.0   /* round labels */
#define TOP 52.0    /* node names */
#define BAND 96.0   /* height of a round's band */
#define QUIET 30.0  /* ... of a round without sends or receipts */
#define STEP 14.0   /* between parallel messages of one hop */
#define SEND_Y 26.0 /* sends, below the top of their round's band */
#define RECV_Y 8.0  /* receipts, below the top of the delivery round's band */
#define LOOP_W 34.0 /* a message within one node: a loop right of its lifeline */
#define X_AT 0.78   /* a lost message ends in an X this far along */
#define MAX_LINES 4 /* lines of records in a sink replica's box */
#define MAX_OFFS 4  /* offending records listed in a box */
#define BOX_GAP 8.0 /* between boxes, and below the end of time */

struct st {
	FILE *f;
	const struct ldfi_trace *tr;
	const struct ldfi_conf *conf;
	int eot;
	double colw, width, height;
	double *y;   /* top of round r's band, r = 1..eot + 1 (the end of time) */
	int *slot;   /* per message: its place among its sender's sends of the round */
	bool *named; /* per message: its label names the fault that lost it */
	struct ldfi_svg_labels L;
};

/* One line of a sink replica's box. */
struct bline {
	char *text;
	const char *cls;
};

int ldfi_html_lost_by(const struct ldfi_trace *tr, const struct ldfi_msg *m)
{
	for (int i = 0; i < tr->faults.n; i++) {
		const struct ldfi_fault *f = &tr->faults.v[i];

		if (m->fate == LDFI_FATE_OMITTED && f->kind == LDFI_FAULT_OMIT &&
		    f->a == m->src_node && f->b == m->dst_node && f->t == m->send_round)
			return i;
		if (m->fate == LDFI_FATE_CRASHED && f->kind == LDFI_FAULT_CRASH &&
		    f->a == m->dst_node)
			return i;
		if (m->fate == LDFI_FATE_DOWN && f->kind == LDFI_FAULT_RESTART &&
		    f->a == m->dst_node)
			return i;
	}
	return -1;
}

static double xnode(const struct st *s, int node)
{
	return LEFT + s->colw * (node + 0.5);
}

static int round_of(const struct st *s, const struct ldfi_msg *m)
{
	return m->send_round < 1 ? 1 : m->send_round > s->eot ? s->eot : m->send_round;
}

static int cmp_hop(const void *x, const void *y, void *arg)
{
	const struct ldfi_msg *ms = arg;
	const struct ldfi_msg *a = &ms[*(const uint32_t *)x], *b = &ms[*(const uint32_t *)y];
	int ka[] = {a->send_round, a->src_node, -abs(a->dst_node - a->src_node), a->dst_node,
		    (int)a->id};
	int kb[] = {b->send_round, b->src_node, -abs(b->dst_node - b->src_node), b->dst_node,
		    (int)b->id};

	for (int i = 0; i < 5; i++)
		if (ka[i] != kb[i])
			return ka[i] < kb[i] ? -1 : 1;
	return 0;
}

static bool lost(const struct ldfi_msg *m)
{
	return m->fate == LDFI_FATE_OMITTED || m->fate == LDFI_FATE_CRASHED ||
	       m->fate == LDFI_FATE_DOWN;
}

/* slot[]: the sends of one node in one round are drawn STEP apart (to the
 * farthest receiver first, so that they do not cross; then in send order), each band as tall as its
 * busiest sender needs; named[]: the first lost message of each hop, which names the fault (the
 * others of the hop were lost by the same one). */
/* slot[] and named[] of the messages in `order` (sorted by cmp_hop), and
 * the slots each band needs for its sends and receipts. */
static void assign_slots(struct st *s, const uint32_t *order, int *need)
{
	const struct ldfi_trace *tr = s->tr;
	bool named = false;

	for (size_t i = 0; i < tr->n_msgs; i++) {
		const struct ldfi_msg *m = &tr->msgs[order[i]], *p;
		int r = round_of(s, m), k;

		p = i ? &tr->msgs[order[i - 1]] : NULL;
		if (p && p->send_round == m->send_round && p->src_node == m->src_node)
			s->slot[order[i]] = s->slot[order[i - 1]] + 1;
		if (!p || p->send_round != m->send_round || p->src_node != m->src_node ||
		    p->dst_node != m->dst_node)
			named = false;
		s->named[order[i]] = lost(m) && !named;
		named |= lost(m);
		k = s->slot[order[i]] + 1;
		need[r] = need[r] < k ? k : need[r];
		need[r + 1] = need[r + 1] < k ? k : need[r + 1];
	}
}

static int layout_rows(struct st *s)
{
	const struct ldfi_trace *tr = s->tr;
	uint32_t *order = malloc((tr->n_msgs + 1) * sizeof(*order));
	int *need = calloc((size_t)s->eot + 2, sizeof(*need)); /* slots + 1, per band */

	s->slot = calloc(tr->n_msgs + 1, sizeof(*s->slot));
	s->named = calloc(tr->n_msgs + 1, sizeof(*s->named));
	s->y = calloc((size_t)s->eot + 2, sizeof(*s->y));
	if (!order || !need || !s->slot || !s->named || !s->y) {
		free(order);
		free(need);
		return LDFI_ENOMEM;
	}
	for (size_t i = 0; i < tr->n_msgs; i++)
		order[i] = (uint32_t)i;
	qsort_r(order, tr->n_msgs, sizeof(*order), cmp_hop, tr->msgs);
	assign_slots(s, order, need);
	s->y[1] = TOP;
	for (int r = 1; r <= s->eot; r++)
		s->y[r + 1] = s->y[r] + (need[r] ? BAND + STEP * (need[r] - 1) : QUIET);
	free(order);
	free(need);
	return 0;
}

/* The fault of `tr` of kind `kind` (crash, restart) on `node`, or -1. */
static int node_fault(const struct ldfi_trace *tr, int node, enum ldfi_fault_kind kind)
{
	for (int i = 0; i < tr->faults.n; i++)
		if (tr->faults.v[i].kind == kind && tr->faults.v[i].a == node)
			return i;
	return -1;
}

static void fault_text(const struct ldfi_trace *tr, int k, char *buf, size_t len)
{
	if (k >= 0 && k < tr->faults.n)
		ldfi_fault_format(tr->conf, &tr->faults.v[k], buf, len);
	else
		snprintf(buf, len, "lost");
}

static void draw_bands(struct st *s)
{
	FILE *f = s->f;
	char buf[64];

	fputs("<g class=\"rounds\">\n", f);
	for (int r = 1; r <= s->eot; r++) {
		ldfi_svg_rect(f, 0, s->y[r], s->width, s->y[r + 1] - s->y[r],
			      r % 2 ? "band odd" : "band even");
		snprintf(buf, sizeof(buf), "round %d", r);
		ldfi_svg_text(f, LEFT - 12, s->y[r] + (s->y[r + 1] - s->y[r] > QUIET ? SEND_Y : 19),
			      "round", "end", buf);
	}
	ldfi_svg_line(f, 0, s->y[s->eot + 1], s->width, s->y[s->eot + 1], "eot-line");
	snprintf(buf, sizeof(buf), "eot = %d", s->eot);
	ldfi_svg_text(f, LEFT - 12, s->y[s->eot + 1] + 14, "round", "end", buf);
	fputs("</g>\n", f);
}

/* "bcast, log": the components with a replica on `node`. */
static void node_comps(const struct ldfi_conf *conf, int node, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = 0;
	for (int c = 0; c < conf->n_comps; c++)
		for (int k = 0; k < conf->comps[c].n_nodes; k++)
			if (conf->comps[c].nodes[k] == node && n < len)
				n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? ", " : "",
						      conf->comps[c].name);
}

/* A text no wider than the column: cut with "…". */
static void fit(char *buf, double colw)
{
	int max = (int)((colw - 12) / LDFI_SVG_CHAR_W), n = 0;

	for (char *p = buf; *p; p++)
		if ((*p & 0xc0) != 0x80 && ++n == max && p[1]) {
			strcpy(p, "\xe2\x80\xa6");
			return;
		}
}

/* The round `node` went down in (a restart), or 0. */
static int down_from(const struct st *s, int node)
{
	int t = s->tr->restart_round ? s->tr->restart_round[node] : 0;

	return t >= 1 && t + s->tr->downtime <= s->eot ? t : 0;
}

/* A restarted node's down period: a hatched band over its down rounds
 * (inline style: the page's style sheet is the same with or without
 * restarts) and an up-arrow with the fault at its recovery round. */
static int draw_down(struct st *s, int node)
{
	FILE *f = s->f;
	int t = down_from(s, node), u = t + s->tr->downtime;
	double x = xnode(s, node), w;
	char buf[256], fb[128];

	fault_text(s->tr, node_fault(s->tr, node, LDFI_FAULT_RESTART), fb, sizeof(fb));
	fprintf(f, "<g class=\"down\" data-from=\"%d\" data-to=\"%d\"", t, u - 1);
	ldfi_xml_attr(f, "data-node", s->conf->nodes[node].name);
	ldfi_xml_attr(f, "data-fault", fb);
	fputs(">\n", f);
	snprintf(buf, sizeof(buf), "%s: node %s is down in rounds %d..%d and recovers in round %d",
		 fb, s->conf->nodes[node].name, t, u - 1, u);
	ldfi_svg_title(f, buf);
	fprintf(f,
		"<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"%.1f\" "
		"style=\"fill:#999;fill-opacity:0.25;stroke:#999;stroke-dasharray:3 3\"/>\n",
		x - 6, s->y[t], s->y[u] - s->y[t]);
	fprintf(f, "<path d=\"M%.1f %.1f l-5 8 h10 z\" style=\"fill:#2a7\"/>\n", x, s->y[u] - 4);
	snprintf(buf, sizeof(buf), "\xe2\x86\x91 up (%s)", fb);
	ldfi_svg_text(f, x - 10, s->y[u] + 4, "crash-label", "end", buf);
	fputs("</g>\n", f);
	w = ldfi_utf8_width(buf) * LDFI_SVG_CHAR_W + 14;
	return ldfi_svg_block(&s->L, x - w - 2, s->y[u] - 7, x + 8, s->y[u] + 7) ? LDFI_ENOMEM : 0;
}

static int draw_lifeline(struct st *s, int node)
{
	FILE *f = s->f;
	double x = xnode(s, node), end = s->y[s->eot + 1];
	int c = s->tr->crash_round[node];
	char buf[256], fb[128];
	double w;

	fputs("<g class=\"lifeline\"", f);
	ldfi_xml_attr(f, "data-node", s->conf->nodes[node].name);
	fputs(">\n", f);
	node_comps(s->conf, node, buf, sizeof(buf));
	ldfi_svg_title(f, buf);
	fit(buf, s->colw);
	ldfi_svg_text(f, x, TOP - 28, "node-name", "middle", s->conf->nodes[node].name);
	ldfi_svg_text(f, x, TOP - 14, "node-comps", "middle", buf);
	if (c >= 1 && c <= s->eot) {
		ldfi_svg_line(f, x, TOP - 6, x, s->y[c], "alive");
		ldfi_svg_line(f, x, s->y[c], x, end, "dead");
	} else if (down_from(s, node)) {
		int t = down_from(s, node), u = t + s->tr->downtime;

		ldfi_svg_line(f, x, TOP - 6, x, s->y[t], "alive");
		ldfi_svg_line(f, x, s->y[t], x, s->y[u], "dead");
		ldfi_svg_line(f, x, s->y[u], x, end, "alive");
	} else {
		ldfi_svg_line(f, x, TOP - 6, x, end, "alive");
	}
	fputs("</g>\n", f);
	if (down_from(s, node))
		return draw_down(s, node);
	if (c < 1 || c > s->eot)
		return 0;
	fault_text(s->tr, node_fault(s->tr, node, LDFI_FAULT_CRASH), fb, sizeof(fb));
	fprintf(f, "<g class=\"crash\" data-round=\"%d\"", c);
	ldfi_xml_attr(f, "data-node", s->conf->nodes[node].name);
	ldfi_xml_attr(f, "data-fault", fb);
	fputs(">\n", f);
	snprintf(buf, sizeof(buf), "%s: node %s executes nothing from round %d on", fb,
		 s->conf->nodes[node].name, c);
	ldfi_svg_title(f, buf);
	ldfi_svg_line(f, x - 16, s->y[c], x + 16, s->y[c], "cut");
	ldfi_svg_text(f, x - 20, s->y[c] + 4, "crash-label", "end", fb);
	fputs("</g>\n", f);
	w = ldfi_utf8_width(fb) * LDFI_SVG_CHAR_W + 24;
	return ldfi_svg_block(&s->L, x - w - 2, s->y[c] - 7, x + 18, s->y[c] + 7);
}

/* Where message i is drawn: from (x1, y1) towards (x2, y2), of which the
 * fraction `t_end` is drawn (1: delivered). */
struct geo {
	double x1, y1, x2, y2, t_end;
	bool loop;
};

static void geometry(const struct st *s, size_t i, struct geo *g)
{
	const struct ldfi_msg *m = &s->tr->msgs[i];
	int r = round_of(s, m);

	g->x1 = xnode(s, m->src_node);
	g->y1 = s->y[r] + SEND_Y + s->slot[i] * STEP;
	g->x2 = xnode(s, m->dst_node);
	g->y2 = s->y[r + 1] + RECV_Y + s->slot[i] * STEP;
	g->loop = m->src_node == m->dst_node;
	g->t_end = 1;
	if (lost(m))
		g->t_end = X_AT;
	else if (m->fate == LDFI_FATE_EOT || r == s->eot)
		g->t_end = (s->y[s->eot + 1] - g->y1) / (g->y2 - g->y1);
}

static const char *msg_class(const struct ldfi_msg *m, bool loop)
{
	static char buf[64];
	snprintf(buf, sizeof(buf), "msg %s%s%s%s", m->kind == LDFI_MSG_ACK ? "ack" : "data",
		 lost(m) ? " lost" : "", m->fate == LDFI_FATE_EOT ? " eot" : "",
		 loop ? " self" : "");
	return buf;
}

static void msg_title(const struct st *s, const struct ldfi_msg *m, const char *fault)
{
	const struct ldfi_conf *conf = s->conf;
	char *t = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&t, &len);

	if (!f)
		return;
	fprintf(f, "message %u: %s%s@%s -> %s@%s, %s, sent in round %d, ", m->id,
		m->kind == LDFI_MSG_ACK ? "ack " : "", conf->comps[m->src_comp].name,
		conf->nodes[m->src_node].name, conf->comps[m->dst_comp].name,
		conf->nodes[m->dst_node].name, s->tr->recs[m->rec].name, m->send_round);
	if (m->fate == LDFI_FATE_DELIVERED)
		fprintf(f, "delivered in round %d", m->send_round + 1);
	else if (m->fate == LDFI_FATE_EOT)
		fputs("never delivered (sent in round eot)", f);
	else
		fprintf(f, "lost by %s", fault);
	if (fclose(f) == 0)
		ldfi_svg_title(s->f, t);
	free(t);
}

static void draw_shape(struct st *s, const struct ldfi_msg *m, const struct geo *g)
{
	FILE *f = s->f;
	double ym = (g->y1 + g->y2) / 2, xr = g->x1 + LOOP_W;
	bool lost = g->t_end == X_AT;

	if (g->loop) {
		fprintf(f,
			"<path class=\"line\" d=\"M%.1f,%.1f C%.1f,%.1f %.1f,%.1f %.1f,%.1f\"/>\n",
			g->x1, g->y1, xr, g->y1, xr, g->y2, g->x1 + 2, g->y2);
		if (lost)
			ldfi_svg_cross(f, g->x1 + 0.75 * LOOP_W, ym, 5, "xmark");
		else if (m->fate == LDFI_FATE_DELIVERED)
			ldfi_svg_arrowhead(f, g->x1 + 1, g->y2, -1, 0, "head");
		return;
	}
	{
		double dx = g->x2 - g->x1, dy = g->y2 - g->y1;
		double ex = g->x1 + g->t_end * dx, ey = g->y1 + g->t_end * dy;

		if (m->fate == LDFI_FATE_DELIVERED) {
			ldfi_svg_line(f, g->x1, g->y1, ex - 0.04 * dx, ey - 0.04 * dy, "line");
			ldfi_svg_arrowhead(f, ex, ey, dx, dy, "head");
		} else {
			ldfi_svg_line(f, g->x1, g->y1, ex, ey, "line");
		}
		if (lost)
			ldfi_svg_cross(f, ex, ey, 5, "xmark");
	}
}

static void draw_msg(struct st *s, size_t i)
{
	FILE *f = s->f;
	const struct ldfi_msg *m = &s->tr->msgs[i];
	struct geo g;
	char fb[128] = "";
	int k = ldfi_html_lost_by(s->tr, m);

	geometry(s, i, &g);
	if (m->fate == LDFI_FATE_OMITTED || m->fate == LDFI_FATE_CRASHED)
		fault_text(s->tr, k, fb, sizeof(fb));
	fputs("<g", f);
	ldfi_xml_attr(f, "class", msg_class(m, g.loop));
	fprintf(f, " data-id=\"%u\" data-round=\"%d\"", m->id, m->send_round);
	ldfi_xml_attr(f, "data-from", s->conf->nodes[m->src_node].name);
	ldfi_xml_attr(f, "data-to", s->conf->nodes[m->dst_node].name);
	ldfi_xml_attr(f, "data-record", s->tr->recs[m->rec].name);
	ldfi_xml_attr(f, "data-fate", ldfi_fate_name((enum ldfi_fate)m->fate));
	if (*fb)
		ldfi_xml_attr(f, "data-fault", fb);
	fputs(">\n", f);
	msg_title(s, m, fb);
	draw_shape(s, m, &g);
	fputs("</g>\n", f);
}

/* Candidate centres of message i's label: along its arrow, the middle
 * first; right of a loop. Returns how many. */
static int label_spots(const struct st *s, size_t i, double w, double *cx, double *cy)
{
	static const double ts[] = {0.5, 0.38, 0.62, 0.28, 0.7, 0.2, 0.8, 0.12, 0.88};
	struct geo g;
	int n = 0;

	geometry(s, i, &g);
	if (g.loop) {
		static const double dy[] = {0, -13, 13, -26, 26};

		for (int k = 0; k < 5; k++) {
			cx[n] = g.x1 + 0.75 * LOOP_W + 6 + w / 2;
			cy[n++] = (g.y1 + g.y2) / 2 + dy[k];
		}
		return n;
	}
	for (size_t k = 0; k < sizeof(ts) / sizeof(ts[0]); k++) {
		if (ts[k] > g.t_end - 0.1 && n)
			continue;
		cx[n] = g.x1 + ts[k] * (g.x2 - g.x1);
		cy[n++] = g.y1 + ts[k] * (g.y2 - g.y1);
	}
	return n;
}

/* Where the X of lost message i is. */
static void xmark_at(const struct st *s, size_t i, double *x, double *y)
{
	struct geo g;

	geometry(s, i, &g);
	if (g.loop) {
		*x = g.x1 + 0.75 * LOOP_W;
		*y = (g.y1 + g.y2) / 2;
	} else {
		*x = g.x1 + X_AT * (g.x2 - g.x1);
		*y = g.y1 + X_AT * (g.y2 - g.y1);
	}
}

/* Place a label of `text` at the best of cx/cy[0..n) and write it. */
static int put_label(struct st *s, const char *cls, const char *text, double *cx, double *cy, int n)
{
	double w = ldfi_utf8_width(text) * LDFI_SVG_CHAR_W + 4;
	int k = ldfi_svg_place(&s->L, cx, cy, n, w, LDFI_SVG_LINE_H);

	if (k < 0)
		return k;
	ldfi_svg_text(s->f, cx[k], cy[k] + 4, cls, "middle", text);
	return 0;
}

/* The fault that lost message i, next to its X. */
static int fault_label(struct st *s, size_t i)
{
	const struct ldfi_msg *m = &s->tr->msgs[i];
	char text[160];
	double x, y, w, cx[6], cy[6];

	fault_text(s->tr, ldfi_html_lost_by(s->tr, m), text, sizeof(text));
	w = ldfi_utf8_width(text) * LDFI_SVG_CHAR_W + 4;
	xmark_at(s, i, &x, &y);
	cx[0] = cx[4] = x + 9 + w / 2;
	cx[1] = cx[5] = x - 9 - w / 2;
	cx[2] = cx[3] = x;
	cy[0] = cy[1] = cy[2] = y + 1;
	cy[2] = y + 15;
	cy[3] = y - 15;
	cy[4] = cy[5] = y + 15;
	return put_label(s, "label fault", text, cx, cy, 6);
}

/* Whether `node` hosts more than one stage or sink: labels of data
 * messages to it then name their target. */
static bool several_targets(const struct ldfi_conf *conf, int node)
{
	int n = 0;

	for (int c = 0; c < conf->n_comps; c++)
		for (int k = 0; k < conf->comps[c].n_nodes; k++)
			n += conf->comps[c].type != LDFI_COMP_SOURCE &&
			     conf->comps[c].nodes[k] == node;
	return n > 1;
}

static int draw_label(struct st *s, size_t i)
{
	const struct ldfi_msg *m = &s->tr->msgs[i];
	char text[160];
	double cx[12], cy[12], w;
	int n, rc;

	snprintf(text, sizeof(text), "%s%s", m->kind == LDFI_MSG_ACK ? "ack " : "",
		 s->tr->recs[m->rec].name);
	if (m->kind == LDFI_MSG_DATA && several_targets(s->conf, m->dst_node))
		snprintf(text + strlen(text), sizeof(text) - strlen(text), " \xe2\x86\x92%s",
			 s->conf->comps[m->dst_comp].name);
	w = ldfi_utf8_width(text) * LDFI_SVG_CHAR_W + 4;
	n = label_spots(s, i, w, cx, cy);
	rc = put_label(s, m->kind == LDFI_MSG_ACK ? "label ack" : "label", text, cx, cy, n);
	if (!rc && s->named[i])
		rc = fault_label(s, i);
	return rc;
}

static void push_line(struct bline *v, int *n, char *text, const char *cls)
{
	if (text)
		v[(*n)++] = (struct bline){text, cls};
}

static char *offense_text(const struct ldfi_trace *tr, const struct ldfi_offense *o)
{
	const char *rec = tr->recs[o->rec].name;
	char *s = NULL;
	int rc = -1;

	switch (o->problem) {
	case LDFI_PROBLEM_MISSING:
		rc = asprintf(&s, "\xe2\x9c\x97 %s missing", rec);
		break;
	case LDFI_PROBLEM_DUPLICATED:
		rc =
		    asprintf(&s, "\xe2\x9c\x97 %s held %d %s", rec, o->count, LDFI_TIMES(o->count));
		break;
	case LDFI_PROBLEM_OUT_OF_ORDER:
		rc = asprintf(&s, "\xe2\x9c\x97 %s out of order", rec);
		break;
	case LDFI_PROBLEM_UNEXPECTED:
		rc = asprintf(&s, "\xe2\x9c\x97 %s held %dx, %dx fault-free", rec, o->count,
			      o->expected);
		break;
	}
	return rc < 0 ? NULL : s;
}

/* The distinct offenses at replica (comp, node), as lines. */
static void offense_lines(const struct ldfi_trace *tr, int comp, int node, struct bline *v, int *n)
{
	const struct ldfi_offense *seen[MAX_OFFS];
	int n_seen = 0, more = 0;

	for (int c = 0; c < tr->n_checks; c++)
		for (int k = 0; k < tr->checks[c].n_offs; k++) {
			const struct ldfi_offense *o = &tr->checks[c].offs[k];
			bool dup = false;

			if (o->comp != comp || o->node != node)
				continue;
			for (int j = 0; j < n_seen && !dup; j++)
				dup = seen[j]->rec == o->rec && seen[j]->problem == o->problem;
			if (dup)
				continue;
			if (n_seen == MAX_OFFS) {
				more++;
				continue;
			}
			seen[n_seen++] = o;
			push_line(v, n, offense_text(tr, o), "failed");
		}
	if (more) {
		char *t;

		push_line(v, n, asprintf(&t, "\xe2\x9c\x97 %d more", more) < 0 ? NULL : t,
			  "failed");
	}
}

/* The records replica (comp, node) holds at eot, wrapped to `cols`. */
static void content_lines(const struct ldfi_trace *tr, int comp, int node, int cols,
			  struct bline *v, int *n)
{
	char *line = NULL;
	size_t len = 0;
	int lines = 0, held = 0, shown = 0;
	FILE *f = NULL;

	for (size_t i = 0; i < tr->n_outs; i++) {
		const char *rec = tr->recs[tr->outs[i].rec].name;

		if (tr->outs[i].comp != comp || tr->outs[i].node != node)
			continue;
		held++;
		if (lines == MAX_LINES)
			continue;
		if (f && (int)(ftell(f) + 2 + ldfi_utf8_width(rec)) > cols) {
			fclose(f);
			push_line(v, n, line, "held");
			line = NULL;
			f = NULL;
			if (++lines == MAX_LINES)
				continue;
		}
		if (!f && !(f = open_memstream(&line, &len)))
			return;
		fprintf(f, "%s%s", ftell(f) ? ", " : "", rec);
		shown++;
	}
	if (f) {
		fclose(f);
		push_line(v, n, line, "held");
	}
	if (!held || shown < held) {
		char *t;
		int rc = held ? asprintf(&t, "\xe2\x80\xa6 %d more", held - shown)
			      : asprintf(&t, "(holds nothing)");

		if (rc >= 0)
			push_line(v, n, t, "held");
	}
}

/* Lines of replica (comp, node)'s box into v (at least MAX_LINES + MAX_OFFS
 * + 4 entries); returns how many. */
static int box_lines(const struct st *s, int comp, int node, struct bline *v)
{
	const struct ldfi_trace *tr = s->tr;
	char *t;
	int n = 0;

	if (asprintf(&t, "%s@%s%s", s->conf->comps[comp].name, s->conf->nodes[node].name,
		     ldfi_trace_alive(tr, node) ? "" : " (crashed)") >= 0)
		push_line(v, &n, t, "replica-name");
	content_lines(tr, comp, node, (int)((s->colw - 20) / LDFI_SVG_CHAR_W), v, &n);
	offense_lines(tr, comp, node, v, &n);
	return n;
}

static bool box_failed(const struct bline *v, int n)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(v[i].cls, "failed"))
			return true;
	return false;
}

/* The boxes of node's sink replicas from y; returns their height. Draws
 * only when `draw`. */
static double node_boxes(struct st *s, int node, double y, bool draw)
{
	struct bline v[MAX_LINES + MAX_OFFS + 4];
	double x = xnode(s, node) - s->colw / 2 + 6, y0 = y;

	for (int c = 0; c < s->conf->n_comps; c++) {
		const struct ldfi_comp *comp = &s->conf->comps[c];
		double h;
		int n = 0;

		for (int k = 0; k < comp->n_nodes && comp->type == LDFI_COMP_SINK; k++)
			n = comp->nodes[k] == node ? box_lines(s, c, node, v) : n;
		if (!n)
			continue;
		h = n * LDFI_SVG_LINE_H + 8;
		if (draw) {
			fputs("<g class=\"outputs\"", s->f);
			ldfi_xml_attr(s->f, "data-node", s->conf->nodes[node].name);
			ldfi_xml_attr(s->f, "data-sink", comp->name);
			fputs(">\n", s->f);
			ldfi_svg_rect(s->f, x, y, s->colw - 12, h,
				      box_failed(v, n) ? "replica-box failed" : "replica-box");
			for (int i = 0; i < n; i++)
				ldfi_svg_text(s->f, x + 6, y + 4 + (i + 0.8) * LDFI_SVG_LINE_H,
					      v[i].cls, "start", v[i].text);
			fputs("</g>\n", s->f);
		}
		for (int i = 0; i < n; i++)
			free(v[i].text);
		y += h + BOX_GAP;
	}
	return y - y0;
}

static double outputs_height(struct st *s)
{
	double h = 0;

	for (int n = 0; n < s->conf->n_nodes; n++) {
		double hn = node_boxes(s, n, 0, false);

		h = hn > h ? hn : h;
	}
	return h;
}

/* What labels should not cover: lifelines, the Xs of lost messages and the
 * arrowheads. */
static int block_marks(struct st *s)
{
	int rc = 0;

	for (int n = 0; n < s->conf->n_nodes && !rc; n++)
		rc = ldfi_svg_block(&s->L, xnode(s, n) - 2.5, TOP, xnode(s, n) + 2.5,
				    s->y[s->eot + 1]);
	for (size_t i = 0; i < s->tr->n_msgs && !rc; i++) {
		struct geo g;
		double ex, ey;

		geometry(s, i, &g);
		if (g.loop || (g.t_end != 1 && g.t_end != X_AT))
			continue;
		ex = g.x1 + g.t_end * (g.x2 - g.x1);
		ey = g.y1 + g.t_end * (g.y2 - g.y1);
		rc = ldfi_svg_block(&s->L, ex - 6, ey - 6, ex + 6, ey + 6);
	}
	return rc;
}

static int draw(struct st *s, long exec, int64_t run)
{
	const struct ldfi_trace *tr = s->tr;
	char label[128];
	int rc = 0;

	snprintf(label, sizeof(label), "spacetime diagram of execution %ld (run %lld)", exec,
		 (long long)run);
	ldfi_svg_open(s->f, s->width, s->height, "spacetime", label);
	draw_bands(s);
	for (int n = 0; n < s->conf->n_nodes && !rc; n++)
		rc = draw_lifeline(s, n);
	fputs("<g class=\"messages\">\n", s->f);
	for (size_t i = 0; i < tr->n_msgs; i++)
		draw_msg(s, i);
	fputs("</g>\n<g class=\"labels\">\n", s->f);
	if (!rc)
		rc = block_marks(s);
	for (size_t i = 0; i < tr->n_msgs && !rc; i++)
		rc = draw_label(s, i);
	fputs("</g>\n", s->f);
	for (int n = 0; n < s->conf->n_nodes; n++)
		node_boxes(s, n, s->y[s->eot + 1] + 2 * BOX_GAP + 6, true);
	ldfi_svg_close(s->f);
	return rc;
}

int ldfi_html_spacetime(FILE *f, const struct ldfi_trace *tr, long exec, int64_t run)
{
	const struct ldfi_conf *conf = tr->conf;
	struct st s = {.f = f, .tr = tr, .conf = conf, .eot = conf->eot};
	int rc;

	s.colw = 840.0 / conf->n_nodes;
	s.colw = s.colw > 270 ? 270 : s.colw < 130 ? 130 : s.colw;
	s.width = LEFT + s.colw * conf->n_nodes + LOOP_W;
	if ((rc = layout_rows(&s)))
		goto out;
	s.height = s.y[s.eot + 1] + 2 * BOX_GAP + 6 + outputs_height(&s) + 8;
	rc = draw(&s, exec, run);
out:
	ldfi_svg_labels_finish(&s.L);
	free(s.y);
	free(s.slot);
	free(s.named);
	return rc;
}

/* One item of the legend at x: a short arrow (or mark) and its text. */
static double legend_item(FILE *f, double x, const char *cls, const char *text)
{
	fputs("<g", f);
	ldfi_xml_attr(f, "class", cls);
	fputs(">\n", f);
	if (!strcmp(cls, "key crash")) {
		ldfi_svg_line(f, x + 20, 6, x + 20, 21, "alive");
		ldfi_svg_line(f, x + 20, 21, x + 20, 34, "dead");
		ldfi_svg_line(f, x + 6, 21, x + 34, 21, "cut");
	} else if (!strcmp(cls, "key failed")) {
		ldfi_svg_rect(f, x + 4, 12, 32, 18, "replica-box failed");
	} else {
		bool lost = strstr(cls, "lost") != NULL, eot = strstr(cls, "eot") != NULL;

		ldfi_svg_line(f, x, 14, x + (lost || eot ? 34 : 38), 28, "line");
		if (lost)
			ldfi_svg_cross(f, x + 34, 28, 5, "xmark");
		else if (!eot)
			ldfi_svg_arrowhead(f, x + 42, 29.5, 42, 15, "head");
	}
	ldfi_svg_text(f, x + 50, 25, strcmp(cls, "key failed") ? NULL : "failed", "start", text);
	fputs("</g>\n", f);
	return x + 50 + ldfi_utf8_width(text) * LDFI_SVG_CHAR_W + 26;
}

void ldfi_html_legend(FILE *f)
{
	static const char *const items[][2] = {
	    {"key data", "message (its record)"},
	    {"key ack", "ack"},
	    {"key lost", "lost, and the fault"},
	    {"key eot", "sent at eot: never delivered"},
	    {"key crash", "crash: lifeline cut"},
	    {"key failed", "\xe2\x9c\x97 record failing a check"},
	};
	size_t n = sizeof(items) / sizeof(items[0]);
	double w = 8;

	for (size_t i = 0; i < n; i++)
		w += 76 + ldfi_utf8_width(items[i][1]) * LDFI_SVG_CHAR_W;
	ldfi_svg_open(f, w, 40, "legend", "legend of the spacetime diagrams");
	w = 8;
	for (size_t i = 0; i < n; i++)
		w = legend_item(f, w, items[i][0], items[i][1]);
	ldfi_svg_close(f);
}
