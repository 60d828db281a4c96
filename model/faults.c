/*
 * faults.c - fault sets: the canonical order and text form, parsing and
 * checking against a conf's bounds (docs/semantics.md).
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ldfi/conf.h"
#include "ldfi/faults.h"
#include "ldfi/ldfi.h"

void ldfi_faults_init(struct ldfi_faults *fs)
{
	fs->v = NULL;
	fs->n = 0;
	fs->cap = 0;
}

void ldfi_faults_finish(struct ldfi_faults *fs)
{
	if (!fs)
		return;
	free(fs->v);
	ldfi_faults_init(fs);
}

static int cmp_int(int x, int y)
{
	return (x > y) - (x < y);
}

int ldfi_fault_cmp(const struct ldfi_fault *x, const struct ldfi_fault *y)
{
	int c;

	if ((c = cmp_int(x->kind, y->kind)))
		return c;
	if ((c = cmp_int(x->a, y->a)))
		return c;
	if ((c = cmp_int(x->b, y->b)))
		return c;
	return cmp_int(x->t, y->t);
}

/* Smaller sets first, then fault by fault. */
int ldfi_faults_cmp(const struct ldfi_faults *x, const struct ldfi_faults *y)
{
	int c = cmp_int(x->n, y->n);

	for (int i = 0; !c && i < x->n; i++)
		c = ldfi_fault_cmp(&x->v[i], &y->v[i]);
	return c;
}

int ldfi_faults_add(struct ldfi_faults *fs, struct ldfi_fault f)
{
	int i = fs->n;

	while (i > 0 && ldfi_fault_cmp(&fs->v[i - 1], &f) > 0)
		i--;
	if (i > 0 && ldfi_fault_cmp(&fs->v[i - 1], &f) == 0)
		return 0;
	if (fs->n == fs->cap) {
		int cap = fs->cap ? 2 * fs->cap : 8;
		struct ldfi_fault *v = realloc(fs->v, (size_t)cap * sizeof(*v));

		if (!v)
			return LDFI_ENOMEM;
		fs->v = v;
		fs->cap = cap;
	}
	memmove(&fs->v[i + 1], &fs->v[i], (size_t)(fs->n - i) * sizeof(*fs->v));
	fs->v[i] = f;
	fs->n++;
	return 0;
}

int ldfi_faults_copy(struct ldfi_faults *dst, const struct ldfi_faults *src)
{
	struct ldfi_fault *v = NULL;

	if (src->n) {
		v = malloc((size_t)src->n * sizeof(*v));
		if (!v)
			return LDFI_ENOMEM;
		memcpy(v, src->v, (size_t)src->n * sizeof(*v));
	}
	free(dst->v);
	dst->v = v;
	dst->n = src->n;
	dst->cap = src->n;
	return 0;
}

int ldfi_faults_subset(const struct ldfi_faults *sub, const struct ldfi_faults *super)
{
	int j = 0;

	for (int i = 0; i < sub->n; i++) {
		while (j < super->n && ldfi_fault_cmp(&super->v[j], &sub->v[i]) < 0)
			j++;
		if (j == super->n || ldfi_fault_cmp(&super->v[j], &sub->v[i]) != 0)
			return 0;
	}
	return 1;
}

int ldfi_fault_format(const struct ldfi_conf *conf, const struct ldfi_fault *f, char *buf,
		      size_t len)
{
	if (f->kind == LDFI_FAULT_CRASH || f->kind == LDFI_FAULT_RESTART)
		return snprintf(buf, len, "%s(%s,%d)",
				f->kind == LDFI_FAULT_CRASH ? "crash" : "restart",
				conf->nodes[f->a].name, f->t);
	return snprintf(buf, len, "omit(%s,%s,%d)", conf->nodes[f->a].name, conf->nodes[f->b].name,
			f->t);
}

int ldfi_faults_format(const struct ldfi_conf *conf, const struct ldfi_faults *fs, char *buf,
		       size_t len)
{
	size_t total = 0;

	if (len)
		buf[0] = '\0';
	if (fs->n == 0)
		return snprintf(buf, len, "none");
	for (int i = 0; i < fs->n; i++) {
		size_t room = total < len ? len - total : 0;
		int w;

		if (i > 0) {
			if (room > 1)
				buf[total] = ' ', buf[total + 1] = '\0';
			total++;
			room = total < len ? len - total : 0;
		}
		w = ldfi_fault_format(conf, &fs->v[i], room ? buf + total : NULL, room);
		if (w < 0)
			return w;
		total += (size_t)w;
	}
	return (int)total;
}

char *ldfi_faults_to_string(const struct ldfi_conf *conf, const struct ldfi_faults *fs)
{
	int n = ldfi_faults_format(conf, fs, NULL, 0);
	char *s;

	if (n < 0)
		return NULL;
	s = malloc((size_t)n + 1);
	if (s)
		ldfi_faults_format(conf, fs, s, (size_t)n + 1);
	return s;
}

/* Parsing. A tiny cursor over the text; errors name the column. */
struct cursor {
	const char *s;
	size_t pos;
	char *err;
	size_t errlen;
};

static void skip_space(struct cursor *c)
{
	while (c->s[c->pos] && (isspace((unsigned char)c->s[c->pos]) || c->s[c->pos] == ','))
		c->pos++;
}

static int fail(struct cursor *c, const char *what)
{
	snprintf(c->err, c->errlen, "fault set, column %zu: %s", c->pos + 1, what);
	return LDFI_EINVAL;
}

static int expect(struct cursor *c, char ch)
{
	while (c->s[c->pos] == ' ' || c->s[c->pos] == '\t')
		c->pos++;
	if (c->s[c->pos] != ch) {
		char what[32];

		snprintf(what, sizeof(what), "expected '%c'", ch);
		return fail(c, what);
	}
	c->pos++;
	return 0;
}

static int is_name_char(int ch)
{
	return isalnum(ch) || ch == '_' || ch == '.' || ch == '-';
}

/* A node name, of any length (conf names have no limit). */
static int parse_node(struct cursor *c, const struct ldfi_conf *conf, int *node)
{
	size_t start;

	while (c->s[c->pos] == ' ' || c->s[c->pos] == '\t')
		c->pos++;
	start = c->pos;
	while (is_name_char((unsigned char)c->s[c->pos]))
		c->pos++;
	if (c->pos == start)
		return fail(c, "expected a node name");
	*node = ldfi_conf_node_index_n(conf, c->s + start, c->pos - start);
	if (*node < 0) {
		snprintf(c->err, c->errlen, "fault set, column %zu: unknown node '%.*s'", start + 1,
			 (int)(c->pos - start < 256 ? c->pos - start : 256), c->s + start);
		return LDFI_EINVAL;
	}
	return 0;
}

static int parse_round(struct cursor *c, int *t)
{
	long v = 0;
	size_t start;

	while (c->s[c->pos] == ' ' || c->s[c->pos] == '\t')
		c->pos++;
	start = c->pos;
	while (isdigit((unsigned char)c->s[c->pos])) {
		if (v <= LDFI_EOT_MAX)
			v = v * 10 + (c->s[c->pos] - '0');
		c->pos++;
	}
	if (c->pos == start)
		return fail(c, "expected a round number");
	if (v > LDFI_EOT_MAX) {
		char what[96];

		/* Quote the round as written: clamped, it would read as another. */
		snprintf(what, sizeof(what), "round %.*s out of range (at most %d)",
			 (int)(c->pos - start < 40 ? c->pos - start : 40), c->s + start,
			 LDFI_EOT_MAX);
		c->pos = start;
		return fail(c, what);
	}
	*t = (int)v;
	return 0;
}

/* crash(NODE,ROUND) or restart(NODE,ROUND), after its name. */
static int parse_node_fault(struct cursor *c, const struct ldfi_conf *conf, struct ldfi_fault *f,
			    enum ldfi_fault_kind kind)
{
	int rc;

	f->kind = kind;
	f->b = -1;
	if ((rc = expect(c, '(')) || (rc = parse_node(c, conf, &f->a)) || (rc = expect(c, ',')) ||
	    (rc = parse_round(c, &f->t)) || (rc = expect(c, ')')))
		return rc;
	return 0;
}

static int parse_fault(struct cursor *c, const struct ldfi_conf *conf, struct ldfi_fault *f)
{
	int rc;

	if (strncmp(c->s + c->pos, "crash", 5) == 0) {
		c->pos += 5;
		return parse_node_fault(c, conf, f, LDFI_FAULT_CRASH);
	}
	if (strncmp(c->s + c->pos, "restart", 7) == 0) {
		c->pos += 7;
		return parse_node_fault(c, conf, f, LDFI_FAULT_RESTART);
	}
	if (strncmp(c->s + c->pos, "omit", 4) == 0) {
		c->pos += 4;
		f->kind = LDFI_FAULT_OMIT;
		if ((rc = expect(c, '(')) || (rc = parse_node(c, conf, &f->a)) ||
		    (rc = expect(c, ',')) || (rc = parse_node(c, conf, &f->b)) ||
		    (rc = expect(c, ',')) || (rc = parse_round(c, &f->t)) || (rc = expect(c, ')')))
			return rc;
		return 0;
	}
	return fail(c, "expected crash(NODE,ROUND), omit(FROM,TO,ROUND) or restart(NODE,ROUND)");
}

int ldfi_faults_parse(const struct ldfi_conf *conf, const char *text, struct ldfi_faults *out,
		      char *err, size_t errlen)
{
	struct cursor c = {text, 0, err, errlen};
	struct ldfi_faults fs;
	int rc = 0;

	ldfi_faults_init(&fs);
	skip_space(&c);
	if (strncmp(text + c.pos, "none", 4) == 0) {
		c.pos += 4;
		skip_space(&c);
		if (text[c.pos])
			rc = fail(&c, "'none' must stand alone");
		goto out;
	}
	while (!rc && text[c.pos]) {
		struct ldfi_fault f;
		int before = fs.n;

		rc = parse_fault(&c, conf, &f);
		if (!rc)
			rc = ldfi_faults_add(&fs, f);
		if (!rc && fs.n == before) {
			char buf[300];

			ldfi_fault_format(conf, &f, buf, sizeof(buf));
			snprintf(err, errlen, "fault set: %s given twice", buf);
			rc = LDFI_EINVAL;
		}
		skip_space(&c);
	}
	if (!rc)
		rc = ldfi_faults_check(conf, &fs, err, errlen);
out:
	if (rc) {
		ldfi_faults_finish(&fs);
		return rc;
	}
	ldfi_faults_finish(out);
	*out = fs;
	return 0;
}

static int check_omit(const struct ldfi_conf *conf, const struct ldfi_fault *f, const char *text,
		      char *err, size_t errlen)
{
	if (f->a == f->b) {
		snprintf(err, errlen, "%s: omission needs two different nodes", text);
		return LDFI_EINVAL;
	}
	if (f->t < 1 || f->t >= conf->eff) {
		snprintf(err, errlen, "%s: omission round must be in 1..eff-1 (eff=%d)", text,
			 conf->eff);
		return LDFI_EINVAL;
	}
	return 0;
}

/* The round of a crash is in 1..eot; a restart must leave its node up
 * again by eot: t + downtime <= eot. */
static int check_node_round(const struct ldfi_conf *conf, const struct ldfi_fault *f,
			    const char *text, char *err, size_t errlen)
{
	if (f->kind == LDFI_FAULT_CRASH && (f->t < 1 || f->t > conf->eot)) {
		snprintf(err, errlen, "%s: crash round must be in 1..eot=%d", text, conf->eot);
		return LDFI_EINVAL;
	}
	if (f->kind == LDFI_FAULT_RESTART && (f->t < 1 || f->t + conf->downtime > conf->eot)) {
		snprintf(err, errlen,
			 "%s: restart round must be in 1..eot-downtime=%d (eot=%d, downtime=%d)",
			 text, conf->eot - conf->downtime, conf->eot, conf->downtime);
		return LDFI_EINVAL;
	}
	return 0;
}

/* At most one crash or restart per node (the set is sorted: a crash comes
 * before a restart of the same node, but not always right before it). */
static int check_one_per_node(const struct ldfi_conf *conf, const struct ldfi_faults *fs, int i,
			      const char *text, char *err, size_t errlen)
{
	const struct ldfi_fault *f = &fs->v[i];

	for (int j = 0; j < i; j++) {
		const struct ldfi_fault *g = &fs->v[j];

		if (g->kind == LDFI_FAULT_OMIT || g->a != f->a)
			continue;
		snprintf(err, errlen, "%s: node %s %s", text, conf->nodes[f->a].name,
			 g->kind != f->kind	       ? "crashes and restarts"
			 : f->kind == LDFI_FAULT_CRASH ? "crashes twice"
						       : "restarts twice");
		return LDFI_EINVAL;
	}
	return 0;
}

/* The crash and restart budgets, for the `n`-th fault of its kind. */
static int check_budget(const struct ldfi_conf *conf, const struct ldfi_fault *f, int n,
			const char *text, char *err, size_t errlen)
{
	bool crash = f->kind == LDFI_FAULT_CRASH;

	if (n <= (crash ? conf->crashes : conf->restarts))
		return 0;
	snprintf(err, errlen, "%s: more than %s=%d %s faults", text, crash ? "crashes" : "restarts",
		 crash ? conf->crashes : conf->restarts, crash ? "crash" : "restart");
	return LDFI_EINVAL;
}

int ldfi_faults_check(const struct ldfi_conf *conf, const struct ldfi_faults *fs, char *err,
		      size_t errlen)
{
	int crashes = 0, restarts = 0, rc = 0;

	for (int i = 0; i < fs->n && !rc; i++) {
		const struct ldfi_fault *f = &fs->v[i];
		char buf[300];
		int n;

		ldfi_fault_format(conf, f, buf, sizeof(buf));
		if (f->kind == LDFI_FAULT_OMIT) {
			rc = check_omit(conf, f, buf, err, errlen);
			continue;
		}
		n = f->kind == LDFI_FAULT_CRASH ? ++crashes : ++restarts;
		if (!(rc = check_node_round(conf, f, buf, err, errlen)) &&
		    !(rc = check_one_per_node(conf, fs, i, buf, err, errlen)))
			rc = check_budget(conf, f, n, buf, err, errlen);
	}
	return rc;
}
