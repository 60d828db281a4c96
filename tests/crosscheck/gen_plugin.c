/*
 * gen_plugin.c - seeded random protocols of plugin stages, and the
 * interpreter that runs them (gen_plugin.h).
 *
 * A protocol is 1-2 plugin stages (P, Q) on 2-4 nodes, maybe fed by a
 * source, with 3-8 rules and 1-2 plugin checks over the stages' outputs.
 * Rules and checks are "#%" comment lines of the conf:
 *
 *   #% rule COMP NODE|* msg REC : OP ; OP ...   on a message carrying REC
 *   #% rule COMP NODE|* round R : OP ; OP ...   in on_round of round R
 *   #% check NAME all|uniform|never COMP REC
 *   #% check NAME agree COMP REC1 REC2
 *   #% check NAME atleast COMP REC K
 *
 * OPs run in order; a guard that does not hold ends the rule:
 *   has K / not K       guard: state entry K present / absent (ldfi_stage_get)
 *   ge K N              guard: entry K (absent = 0) is at least N
 *   put K / inc K       store 1 / K + 1 (ldfi_stage_put; inc reads K first)
 *   out R               ldfi_stage_output(R)
 *   to COMP NODE R      ldfi_stage_send_to the replica COMP@NODE
 *   bcast COMP R        ldfi_stage_send_to every replica of COMP but this one
 *   reply R             ldfi_stage_send_to the sender of the message (not a source)
 *   fwd R               ldfi_stage_send downstream (the stage's `to`)
 * In a key, "$s" stands for the sender's node name ("none" in round rules).
 *
 * Checks read the outputs of live replicas of COMP only (as the built-in
 * checks ignore crashed replicas): all - every live replica output REC;
 * uniform - if one did, every one did; never - none did; agree - no live
 * replica output REC2 while one output REC1; atleast - at least K did.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "gen_plugin.h"
#include "ldfi/conf.h"
#include "ldfi/faults.h"
#include "ldfi/ldfi.h"
#include "runtime/runtime.h"
#include "ldfi/stage.h"
#include "ldfi/trace.h"

#define MAX_RULES 16
#define MAX_OPS 8
#define MAX_CHECKS 8
#define TOK 40

enum trig { T_MSG, T_ROUND };
enum opc { O_HAS, O_NOT, O_GE, O_PUT, O_INC, O_OUT, O_TO, O_BCAST, O_REPLY, O_FWD };
enum chk { C_ALL, C_UNIFORM, C_NEVER, C_AGREE, C_ATLEAST };

static const char *const op_names[] = {"has", "not", "ge",    "put",   "inc",
				       "out", "to",  "bcast", "reply", "fwd"};
static const char *const chk_names[] = {"all", "uniform", "never", "agree", "atleast"};

struct op {
	enum opc code;
	char key[TOK];	/* has not ge put inc */
	char rec[TOK];	/* out to bcast reply fwd */
	int n;		/* ge */
	int comp, node; /* to, bcast (comp) */
};

struct rule {
	int comp, node; /* node -1: every replica */
	enum trig trig;
	char rec[TOK];
	int round;
	struct op ops[MAX_OPS];
	int n_ops;
};

struct pcheck {
	bool set;
	enum chk kind;
	int comp;
	char r1[TOK], r2[TOK];
	int k;
};

/* The current program (gen_plugin_attach). */
static struct {
	struct rule rules[MAX_RULES];
	int n_rules;
	struct pcheck checks[MAX_CHECKS];
} prog;

/* --- the interpreter --- */

static void key_of(const struct op *o, const struct ldfi_stage *st, const struct ldfi_msg *m,
		   char *out, size_t len)
{
	const char *p = strstr(o->key, "$s");

	if (!p) {
		snprintf(out, len, "%s", o->key);
		return;
	}
	snprintf(out, len, "%.*s%s%s", (int)(p - o->key), o->key,
		 m ? ldfi_stage_conf(st)->nodes[m->src_node].name : "none", p + 2);
}

/* Run rule `r`: 0 (done, or a guard ended it) or LDFI_E*. */
static int run_rule(struct ldfi_stage *st, const struct rule *r, const struct ldfi_msg *m)
{
	const struct ldfi_conf *conf = ldfi_stage_conf(st);
	char key[2 * TOK];
	int rc = 0;

	for (int i = 0; i < r->n_ops && rc >= 0; i++) {
		const struct op *o = &r->ops[i];
		int64_t v = 0;
		int rec = -1;

		key_of(o, st, m, key, sizeof(key));
		if (o->code >= O_OUT && (rec = ldfi_stage_record(st, o->rec)) < 0)
			return rec;
		switch (o->code) {
		case O_HAS:
		case O_NOT:
		case O_GE:
			if ((rc = ldfi_stage_get(st, key, &v)) < 0)
				return rc;
			if ((o->code == O_HAS && rc == 0) || (o->code == O_NOT && rc == 1) ||
			    (o->code == O_GE && (rc ? v : 0) < o->n))
				return 0;
			break;
		case O_PUT:
			rc = ldfi_stage_put(st, key, 1);
			break;
		case O_INC:
			if ((rc = ldfi_stage_get(st, key, &v)) >= 0)
				rc = ldfi_stage_put(st, key, (rc ? v : 0) + 1);
			break;
		case O_OUT:
			rc = ldfi_stage_output(st, rec);
			break;
		case O_TO:
			rc = ldfi_stage_send_to(st, o->comp, o->node, rec);
			break;
		case O_BCAST: {
			const struct ldfi_comp *c = &conf->comps[o->comp];

			for (int k = 0; k < c->n_nodes && rc >= 0; k++)
				if (!(o->comp == ldfi_stage_comp(st) &&
				      c->nodes[k] == ldfi_stage_node(st)))
					rc = ldfi_stage_send_to(st, o->comp, c->nodes[k], rec);
			break;
		}
		case O_REPLY:
			if (m && conf->comps[m->src_comp].type != LDFI_COMP_SOURCE)
				rc = ldfi_stage_send_to(st, m->src_comp, m->src_node, rec);
			break;
		case O_FWD:
			if (conf->comps[ldfi_stage_comp(st)].to >= 0)
				rc = ldfi_stage_send(st, LDFI_HOP_DOWNSTREAM, rec);
			break;
		}
	}
	return rc < 0 ? rc : 0;
}

static bool rule_here(const struct rule *r, const struct ldfi_stage *st)
{
	return r->comp == ldfi_stage_comp(st) && (r->node < 0 || r->node == ldfi_stage_node(st));
}

static int interp_on_message(struct ldfi_stage *st, const struct ldfi_msg *m)
{
	const char *name = ldfi_stage_record_name(st, m->rec);
	int rc;

	/* One callback, one cause: the rules share it, as handler code would. */
	for (int i = 0; i < prog.n_rules; i++) {
		const struct rule *r = &prog.rules[i];

		if (r->trig == T_MSG && rule_here(r, st) && name && strcmp(r->rec, name) == 0 &&
		    (rc = run_rule(st, r, m)))
			return rc;
	}
	return 0;
}

static int interp_on_round(struct ldfi_stage *st, int round)
{
	int rc;

	for (int i = 0; i < prog.n_rules; i++) {
		const struct rule *r = &prog.rules[i];

		if (r->trig == T_ROUND && rule_here(r, st) && r->round == round &&
		    (rc = run_rule(st, r, NULL)))
			return rc;
	}
	return 0;
}

static const struct ldfi_stage_ops interp_ops = {
    .api_version = LDFI_STAGE_API_VERSION,
    .kind = "crosscheck-interp",
    .on_message = interp_on_message,
    .on_round = interp_on_round,
};

static bool holds(const struct ldfi_trace *tr, int comp, int node, const char *rec)
{
	for (size_t i = 0; i < tr->n_outs; i++)
		if (tr->outs[i].comp == comp && tr->outs[i].node == node &&
		    strcmp(tr->recs[tr->outs[i].rec].name, rec) == 0)
			return true;
	return false;
}

static int offend(struct ldfi_trace *tr, struct ldfi_check_result *res, const char *rec, int comp,
		  int node, enum ldfi_problem p, int count, int expected)
{
	int r = ldfi_trace_record(tr, rec);

	return r < 0 ? r : ldfi_check_offend(res, r, comp, node, p, count, expected);
}

static int interp_check(struct ldfi_trace *tr, const struct ldfi_trace *ff, int check,
			struct ldfi_check_result *res)
{
	const struct pcheck *c = check < MAX_CHECKS ? &prog.checks[check] : NULL;
	const struct ldfi_comp *comp;
	int n_live = 0, n_r1 = 0, n_r2 = 0, rc = 0;

	(void)ff;
	res->passed = true;
	if (!c || !c->set)
		return LDFI_ESTAGE;
	comp = &tr->conf->comps[c->comp];
	for (int i = 0; i < comp->n_nodes; i++) {
		int n = comp->nodes[i];

		if (!ldfi_trace_alive(tr, n))
			continue;
		n_live++;
		n_r1 += holds(tr, c->comp, n, c->r1);
		n_r2 += c->kind == C_AGREE && holds(tr, c->comp, n, c->r2);
	}
	for (int i = 0; i < comp->n_nodes && !rc; i++) {
		int n = comp->nodes[i];
		bool h;

		if (!ldfi_trace_alive(tr, n))
			continue;
		h = holds(tr, c->comp, n, c->r1);
		switch (c->kind) {
		case C_ALL:
			if (!h)
				rc = offend(tr, res, c->r1, c->comp, n, LDFI_PROBLEM_MISSING, 0, 1);
			break;
		case C_UNIFORM:
			if (!h && n_r1)
				rc = offend(tr, res, c->r1, c->comp, n, LDFI_PROBLEM_MISSING, 0, 1);
			break;
		case C_NEVER:
			if (h)
				rc = offend(tr, res, c->r1, c->comp, n, LDFI_PROBLEM_UNEXPECTED, 1,
					    0);
			break;
		case C_AGREE:
			if (n_r1 && holds(tr, c->comp, n, c->r2))
				rc = offend(tr, res, c->r2, c->comp, n, LDFI_PROBLEM_UNEXPECTED, 1,
					    0);
			break;
		case C_ATLEAST:
			if (!h && n_r1 < c->k)
				rc = offend(tr, res, c->r1, c->comp, n, LDFI_PROBLEM_MISSING, n_r1,
					    c->k);
			break;
		}
	}
	/* atleast with every live replica holding (the others crashed), or none
	 * live: name the first replica. */
	if (!rc && c->kind == C_ATLEAST && n_r1 < c->k && res->passed)
		rc = offend(tr, res, c->r1, c->comp, comp->nodes[0], LDFI_PROBLEM_MISSING, n_r1,
			    c->k);
	(void)n_r2;
	(void)n_live;
	return rc;
}

/* --- parsing the "#%" lines --- */

static int fail(char *err, size_t len, int line, const char *what, const char *tok)
{
	snprintf(err, len, "#%% line %d: %s%s%s", line, what, tok ? ": " : "", tok ? tok : "");
	return -1;
}

/* Next space-separated token of *p into out (at most TOK-1 chars); false at
 * the end of the line. */
static bool token(const char **p, char *out)
{
	size_t n = 0;

	while (**p == ' ' || **p == '\t')
		(*p)++;
	if (!**p || **p == '\n')
		return false;
	while (**p && **p != ' ' && **p != '\t' && **p != '\n') {
		if (n < TOK - 1)
			out[n++] = **p;
		(*p)++;
	}
	out[n] = '\0';
	return true;
}

static int parse_rule(const struct ldfi_conf *conf, const char *p, int line, char *err, size_t len)
{
	struct rule *r;
	char t[TOK], t2[TOK];

	if (prog.n_rules == MAX_RULES)
		return fail(err, len, line, "too many rules", NULL);
	r = &prog.rules[prog.n_rules];
	memset(r, 0, sizeof(*r));
	if (!token(&p, t) || (r->comp = ldfi_conf_comp_index(conf, t)) < 0 ||
	    conf->comps[r->comp].kind != LDFI_KIND_PLUGIN)
		return fail(err, len, line, "not a plugin stage", t);
	if (!token(&p, t))
		return fail(err, len, line, "missing node", NULL);
	r->node = strcmp(t, "*") == 0 ? -1 : ldfi_conf_node_index(conf, t);
	if (r->node < -1 || (strcmp(t, "*") != 0 && r->node < 0))
		return fail(err, len, line, "no such node", t);
	if (!token(&p, t) || !token(&p, t2))
		return fail(err, len, line, "missing trigger", NULL);
	if (strcmp(t, "msg") == 0) {
		r->trig = T_MSG;
		snprintf(r->rec, sizeof(r->rec), "%s", t2);
	} else if (strcmp(t, "round") == 0) {
		r->trig = T_ROUND;
		r->round = atoi(t2);
	} else {
		return fail(err, len, line, "bad trigger", t);
	}
	if (!token(&p, t) || strcmp(t, ":") != 0)
		return fail(err, len, line, "expected ':'", NULL);
	while (token(&p, t)) {
		struct op *o;
		int code;

		if (strcmp(t, ";") == 0)
			continue;
		if (r->n_ops == MAX_OPS)
			return fail(err, len, line, "too many ops", NULL);
		o = &r->ops[r->n_ops];
		for (code = 0; code < (int)(sizeof(op_names) / sizeof(*op_names)); code++)
			if (strcmp(op_names[code], t) == 0)
				break;
		if (code == (int)(sizeof(op_names) / sizeof(*op_names)))
			return fail(err, len, line, "unknown op", t);
		o->code = (enum opc)code;
		if (code <= O_INC) {
			if (!token(&p, o->key))
				return fail(err, len, line, "missing key", NULL);
			if (code == O_GE) {
				if (!token(&p, t))
					return fail(err, len, line, "missing count", NULL);
				o->n = atoi(t);
			}
		} else {
			if (code == O_TO || code == O_BCAST) {
				if (!token(&p, t) || (o->comp = ldfi_conf_comp_index(conf, t)) < 0)
					return fail(err, len, line, "no such component", t);
			}
			if (code == O_TO &&
			    (!token(&p, t) || (o->node = ldfi_conf_node_index(conf, t)) < 0))
				return fail(err, len, line, "no such node", t);
			if (!token(&p, o->rec))
				return fail(err, len, line, "missing record", NULL);
		}
		r->n_ops++;
	}
	prog.n_rules++;
	return 0;
}

static int parse_check(const struct ldfi_conf *conf, const char *p, int line, char *err, size_t len)
{
	char t[TOK];
	int i, k;
	struct pcheck *c;

	if (!token(&p, t))
		return fail(err, len, line, "missing check name", NULL);
	for (i = 0; i < conf->n_checks; i++)
		if (strcmp(conf->checks[i].name, t) == 0)
			break;
	if (i == conf->n_checks || i >= MAX_CHECKS || conf->checks[i].kind != LDFI_CHECK_PLUGIN)
		return fail(err, len, line, "no such plugin check", t);
	c = &prog.checks[i];
	if (!token(&p, t))
		return fail(err, len, line, "missing kind", NULL);
	for (k = 0; k < (int)(sizeof(chk_names) / sizeof(*chk_names)); k++)
		if (strcmp(chk_names[k], t) == 0)
			break;
	if (k == (int)(sizeof(chk_names) / sizeof(*chk_names)))
		return fail(err, len, line, "unknown check kind", t);
	c->kind = (enum chk)k;
	if (!token(&p, t) || (c->comp = ldfi_conf_comp_index(conf, t)) < 0)
		return fail(err, len, line, "no such component", t);
	if (!token(&p, c->r1))
		return fail(err, len, line, "missing record", NULL);
	if (c->kind == C_AGREE && !token(&p, c->r2))
		return fail(err, len, line, "missing second record", NULL);
	if (c->kind == C_ATLEAST) {
		if (!token(&p, t))
			return fail(err, len, line, "missing count", NULL);
		c->k = atoi(t);
	}
	c->set = true;
	return 0;
}

int gen_plugin_has_program(const char *text)
{
	return strstr(text, "\n#% ") != NULL || strncmp(text, "#% ", 3) == 0;
}

int gen_plugin_attach(struct ldfi_conf *conf, const char *text, char *err, size_t errlen)
{
	int line = 1;

	memset(&prog, 0, sizeof(prog));
	for (const char *p = text; *p; line++) {
		const char *nl = strchr(p, '\n');
		char t[TOK];

		if (strncmp(p, "#% ", 3) == 0) {
			const char *q = p + 3;
			int rc = 0;

			if (!token(&q, t))
				return fail(err, errlen, line, "empty", NULL);
			if (strcmp(t, "rule") == 0)
				rc = parse_rule(conf, q, line, err, errlen);
			else if (strcmp(t, "check") == 0)
				rc = parse_check(conf, q, line, err, errlen);
			else
				rc = fail(err, errlen, line, "expected rule or check", t);
			if (rc)
				return rc;
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	for (int i = 0; i < conf->n_comps; i++)
		if (conf->comps[i].type == LDFI_COMP_STAGE &&
		    conf->comps[i].kind == LDFI_KIND_PLUGIN)
			conf->comps[i].plugin = &interp_ops;
	for (int i = 0; i < conf->n_checks; i++) {
		if (conf->checks[i].kind != LDFI_CHECK_PLUGIN)
			continue;
		if (i >= MAX_CHECKS || !prog.checks[i].set)
			return fail(err, errlen, 0, "plugin check without a #% check line",
				    conf->checks[i].name);
		conf->checks[i].plugin = (void *)(uintptr_t)interp_check;
	}
	return 0;
}

/* --- the generator --- */

#define MAX_NODES 4

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static int range(uint64_t *s, int lo, int hi)
{
	return lo + (int)((splitmix64(s) >> 33) % (uint64_t)(hi - lo + 1));
}

static bool chance(uint64_t *s, int percent)
{
	return range(s, 1, 100) <= percent;
}

struct gstage {
	const char *name;
	unsigned nodes;
	bool has_to;
	unsigned outs; /* bit i: rule outputs d<i> */
};

struct gen {
	uint64_t s;
	int n_nodes, eot, eff, crashes;
	struct gstage st[2];
	int n_st;
	bool source;
	int src_node, src_records;
	unsigned sent; /* bit i: some rule sends m<i> */
	int check_stage[2];
	FILE *f;
};

static int pick_node_of(struct gen *g, unsigned nodes)
{
	int n;

	do
		n = range(&g->s, 0, g->n_nodes - 1);
	while (!(nodes & (1u << n)));
	return n;
}

static void print_nodes(FILE *f, unsigned nodes)
{
	const char *sep = "";

	for (int i = 0; i < MAX_NODES; i++)
		if (nodes & (1u << i)) {
			fprintf(f, "%s%c", sep, 'a' + i);
			sep = ", ";
		}
	fputc('\n', f);
}

/* A key: k0..k2, sometimes per sender in message rules. */
static void gen_key(struct gen *g, bool msg, char *out, size_t len)
{
	snprintf(out, len, "k%d%s", range(&g->s, 0, 2), msg && chance(&g->s, 25) ? ".$s" : "");
}

static void gen_send(struct gen *g, int self, bool msg, bool allow_reply)
{
	int m = range(&g->s, 0, 2), kind = range(&g->s, 0, 9);
	const struct gstage *t = &g->st[range(&g->s, 0, g->n_st - 1)];

	g->sent |= 1u << m;
	if (kind <= 1 && allow_reply && msg)
		fprintf(g->f, " ; reply m%d", m);
	else if (kind <= 2 && g->st[self].has_to)
		fprintf(g->f, " ; fwd m%d", m);
	else if (kind <= 6)
		fprintf(g->f, " ; bcast %s m%d", t->name, m);
	else
		fprintf(g->f, " ; to %s %c m%d", t->name, 'a' + pick_node_of(g, t->nodes), m);
}

/* One rule of stage `self` with the given trigger (already printed). */
static void gen_body(struct gen *g, int self, bool msg, bool reply_ok)
{
	char key[16];
	int n_guards = range(&g->s, 0, 2), n_eff = range(&g->s, 1, 3);

	fputs(" :", g->f);
	for (int i = 0; i < n_guards; i++) {
		int k = range(&g->s, 0, 2);

		gen_key(g, msg, key, sizeof(key));
		if (k == 0)
			fprintf(g->f, " ; has %s", key);
		else if (k == 1)
			fprintf(g->f, " ; not %s", key);
		else
			fprintf(g->f, " ; ge %s %d", key, range(&g->s, 1, 3));
	}
	for (int i = 0; i < n_eff; i++) {
		int k = range(&g->s, 0, 9);

		if (k <= 2) {
			int d = range(&g->s, 0, 2);

			fprintf(g->f, " ; out d%d", d);
			g->st[self].outs |= 1u << d;
		} else if (k <= 5) {
			gen_send(g, self, msg, reply_ok);
		} else {
			gen_key(g, msg, key, sizeof(key));
			fprintf(g->f, " ; %s %s", k <= 7 ? "put" : "inc", key);
		}
	}
	fputc('\n', g->f);
}

static void gen_rule_head(struct gen *g, int self, int node)
{
	fprintf(g->f, "#%% rule %s ", g->st[self].name);
	if (node < 0)
		fputs("*", g->f);
	else
		fputc('a' + node, g->f);
}

static void gen_rules(struct gen *g)
{
	int n = range(&g->s, 3, 8);

	/* The initiator: a round-1 rule (or the source's record) that sends. */
	{
		int self = 0;

		gen_rule_head(g, self, g->source ? -1 : pick_node_of(g, g->st[self].nodes));
		if (g->source)
			fprintf(g->f, " msg src:1 :");
		else
			fprintf(g->f, " round 1 :");
		if (chance(&g->s, 50)) {
			char key[16];

			gen_key(g, false, key, sizeof(key));
			fprintf(g->f, " ; put %s", key);
		}
		gen_send(g, self, g->source, false);
		fputc('\n', g->f);
	}
	for (int i = 1; i < n; i++) {
		int self = range(&g->s, 0, g->n_st - 1);
		int node = chance(&g->s, 40) ? pick_node_of(g, g->st[self].nodes) : -1;

		gen_rule_head(g, self, node);
		if (chance(&g->s, 60)) {
			int m;

			do
				m = range(&g->s, 0, 2);
			while (!(g->sent & (1u << m)));
			fprintf(g->f, " msg m%d", m);
			gen_body(g, self, true, true);
		} else {
			fprintf(g->f, " round %d", range(&g->s, 1, g->eot));
			gen_body(g, self, false, false);
		}
	}
	/* Something to check: an output rule if none was drawn. */
	if (!g->st[0].outs && (g->n_st < 2 || !g->st[1].outs)) {
		int m;

		do
			m = range(&g->s, 0, 2);
		while (!(g->sent & (1u << m)));
		gen_rule_head(g, 0, -1);
		fprintf(g->f, " msg m%d : ; out d0\n", m);
		g->st[0].outs |= 1;
	}
}

/* The conf text of `g` with the given check lines ("#% check ..." lines,
 * and one section per check reading stage check_stage[i]). */
static char *compose(struct gen *g, uint64_t seed, const char *rules, const char *checks,
		     int n_checks)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	uint64_t s = g->s; /* delivery draws: the same for the probe and the final text */

	if (!f)
		return NULL;
	fprintf(f, "# crosscheck --plugins seed %llu\n", (unsigned long long)seed);
	fprintf(f, "[explore]\neot = %d\neff = %d\ncrashes = %d\n", g->eot, g->eff, g->crashes);
	for (int i = 0; i < g->n_nodes; i++)
		fprintf(f, "[node %c]\n", 'a' + i);
	if (g->source)
		fprintf(f, "\n[source src]\nnode = %c\nrecords = 1\nto = P\ndelivery = %s\n",
			'a' + g->src_node, chance(&s, 50) ? "once" : "ack");
	for (int i = 0; i < g->n_st; i++) {
		fprintf(f, "\n[stage %s]\nkind = plugin\nnodes = ", g->st[i].name);
		print_nodes(f, g->st[i].nodes);
		if (i == 0 && g->st[0].has_to)
			fprintf(f, "to = Q\ndelivery = %s\n", chance(&s, 50) ? "once" : "ack");
		fprintf(f, "library = interp\nsymbol = rules\n");
	}
	fputc('\n', f);
	fputs(rules, f);
	fputs(checks, f);
	for (int i = 0; i < n_checks; i++)
		fprintf(
		    f,
		    "\n[check c%d]\nkind = plugin\nsink = %s\nlibrary = interp\nsymbol = check\n",
		    i + 1, g->st[g->check_stage[i]].name);
	if (fclose(f)) {
		free(text);
		return NULL;
	}
	return text;
}

/* Outputs of the fault-free run: per stage, per node, bit d: output d<d>.
 * Returns 0, or -1 when the protocol does not run. */
static int probe(struct gen *g, uint64_t seed, const char *rules, unsigned outs[2][MAX_NODES])
{
	char check[64], *text, err[256];
	struct ldfi_conf *conf = NULL;
	struct ldfi_faults none = {0};
	struct ldfi_trace *tr = NULL;
	int rc = -1;

	memset(outs, 0, 2 * MAX_NODES * sizeof(unsigned));
	g->check_stage[0] = 0;
	snprintf(check, sizeof(check), "#%% check c1 never P probe\n");
	if (!(text = compose(g, seed, rules, check, 1)))
		return -1;
	if (!ldfi_conf_parse("probe.conf", text, strlen(text), &conf, err, sizeof(err)) &&
	    !gen_plugin_attach(conf, text, err, sizeof(err)) &&
	    !ldfi_runtime_exec(conf, &none, NULL, &tr)) {
		for (size_t i = 0; i < tr->n_outs; i++) {
			const struct ldfi_output *o = &tr->outs[i];
			const char *name = tr->recs[o->rec].name;
			int st = strcmp(conf->comps[o->comp].name, "Q") == 0;

			if (name[0] == 'd' && name[1] >= '0' && name[1] <= '2' && !name[2])
				outs[st][o->node] |= 1u << (name[1] - '0');
		}
		rc = 0;
	}
	ldfi_trace_destroy(tr);
	ldfi_conf_destroy(conf);
	free(text);
	return rc;
}

/* CROSSCHECK_PLUGIN_CHECKS=safe: only the kinds lineage alone handles. */
static bool safe_kinds(void)
{
	const char *e = getenv("CROSSCHECK_PLUGIN_CHECKS");

	return e && strcmp(e, "safe") == 0;
}

/* A check that holds in the fault-free run, into buf; false if none. */
static bool draw_check(struct gen *g, int i, unsigned outs[2][MAX_NODES], char *buf, size_t len)
{
	for (int tries = 0; tries < 40; tries++) {
		int self = range(&g->s, 0, g->n_st - 1), kind = range(&g->s, 0, 4);
		int d = range(&g->s, 0, 2), d2 = (d + range(&g->s, 1, 2)) % 3;
		int n = 0, n_d = 0, n_d2 = 0;
		bool ok;

		for (int k = 0; k < g->n_nodes; k++)
			if (g->st[self].nodes & (1u << k)) {
				n++;
				n_d += (outs[self][k] >> d) & 1;
				n_d2 += (outs[self][k] >> d2) & 1;
			}
		/* Checks about something that happened, mostly; "never" and
		 * "agree" about an output rules can make. */
		switch (kind) {
		case C_ALL:
		case C_UNIFORM:
			ok = n_d == n;
			break;
		case C_NEVER:
			ok = n_d == 0 && (g->st[self].outs >> d & 1);
			break;
		case C_AGREE:
			ok = n_d > 0 && n_d2 == 0 && (g->st[self].outs >> d2 & 1);
			break;
		default:
			ok = n_d > 0;
			break;
		}
		/* CROSSCHECK_PLUGIN_CHECKS=safe leaves out never and atleast,
		 * which lineage alone once certified wrongly (regressions/). */
		if (!ok || (safe_kinds() && (kind == C_NEVER || kind == C_ATLEAST)))
			continue;
		g->check_stage[i] = self;
		if (kind == C_AGREE)
			snprintf(buf, len, "#%% check c%d agree %s d%d d%d\n", i + 1,
				 g->st[self].name, d, d2);
		else if (kind == C_ATLEAST)
			snprintf(buf, len, "#%% check c%d atleast %s d%d %d\n", i + 1,
				 g->st[self].name, d, range(&g->s, 1, n_d));
		else
			snprintf(buf, len, "#%% check c%d %s %s d%d\n", i + 1, chk_names[kind],
				 g->st[self].name, d);
		return true;
	}
	return false;
}

char *gen_plugin_pipeline(uint64_t seed)
{
	struct gen g = {.s = seed * 0x2545f4914f6cdd1dull + 7};
	const char *env = getenv("CROSSCHECK_SPACE");
	double space_max = env && *env ? atof(env) : GEN_PLUGIN_SPACE_MAX;
	char *text = NULL, *rules = NULL;
	size_t rlen = 0;
	FILE *f;

	/* Protocols until one whose fault-free run passes a check that says
	 * something (40 tries; then the last one, checks drawn blindly). */
	for (int attempt = 0; attempt < 40 && !text; attempt++) {
		unsigned outs[2][MAX_NODES];
		char checks[256] = "", line[96];
		int n_checks = 0, want;

		memset(&g.st, 0, sizeof(g.st));
		g.sent = 0;
		/* Omissions mostly (eff 2-3), no omission only with 4 nodes. */
		do {
			g.n_nodes = range(&g.s, 2, 4);
			g.eot = range(&g.s, 3, 5);
			g.eff = range(&g.s, g.n_nodes == 4 ? 1 : 2, g.eot < 4 ? g.eot : 3);
			g.crashes = range(&g.s, 0, 1);
		} while (gen_space_size(g.n_nodes, g.eot, g.eff, g.crashes) > space_max);
		g.n_st = range(&g.s, 1, 2);
		g.st[0].name = "P";
		g.st[1].name = "Q";
		for (int i = 0; i < g.n_st; i++) {
			do
				g.st[i].nodes = (unsigned)range(&g.s, 1, (1 << g.n_nodes) - 1);
			while (i == 0 && __builtin_popcount(g.st[i].nodes) < 2 && g.n_st == 1);
		}
		g.st[0].has_to = g.n_st == 2 && chance(&g.s, 50);
		g.source = chance(&g.s, 40);
		g.src_node = range(&g.s, 0, g.n_nodes - 1);
		want = range(&g.s, 1, 2);

		free(rules);
		rules = NULL;
		if (!(f = open_memstream(&rules, &rlen)))
			return NULL;
		g.f = f;
		gen_rules(&g);
		if (fclose(f))
			break;
		if (probe(&g, seed, rules, outs))
			continue;
		for (int i = 0; i < want; i++)
			if (draw_check(&g, n_checks, outs, line, sizeof(line))) {
				strcat(checks, line);
				n_checks++;
			}
		if (n_checks)
			text = compose(&g, seed, rules, checks, n_checks);
	}
	free(rules);
	return text;
}
