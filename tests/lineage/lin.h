/*
 * lin.h - helpers shared by the lineage tests: a fault set from its text,
 * and lists of message ids or lineage clauses as short strings that the
 * tests compare with values worked out by hand. Builds on tests/runtime/
 * rt.h (confs and runs).
 */
#ifndef LDFI_TESTS_LINEAGE_LIN_H
#define LDFI_TESTS_LINEAGE_LIN_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "lineage/lineage.h"
#include "tests/runtime/rt.h"

/* Append to buf[0..len) at *n, snprintf-style, never past the end. */
__attribute__((format(printf, 4, 5))) static inline void lin_put(char *buf, size_t len, size_t *n,
								 const char *fmt, ...)
{
	va_list ap;
	int k;

	if (*n >= len)
		return;
	va_start(ap, fmt);
	k = vsnprintf(buf + *n, len - *n, fmt, ap);
	va_end(ap);
	if (k > 0)
		*n = *n + (size_t)k < len ? *n + (size_t)k : len - 1;
}

/* Parse `text` into fs (initialised by the caller); a failed check if it
 * does not parse against the conf's bounds. */
static inline void lin_faults(const struct ldfi_conf *conf, const char *text,
			      struct ldfi_faults *fs)
{
	char err[256];
	int rc = ldfi_faults_parse(conf, text, fs, err, sizeof(err));

	if (rc)
		fprintf(stderr, "%s: %s\n", text, err);
	CHECK(rc == 0);
}

/* Message ids as "2 6 7" ("" for none), in a static buffer. */
static inline const char *lin_ids(const uint32_t *v, size_t n)
{
	static char buf[1024];
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n; i++)
		lin_put(buf, sizeof(buf), &len, i ? " %u" : "%u", v[i]);
	return buf;
}

/* The ids i in 1..n with on[i], as lin_ids does. */
static inline const char *lin_marked(const bool *on, size_t n)
{
	static char buf[1024];
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 1; i <= n; i++)
		if (on[i])
			lin_put(buf, sizeof(buf), &len, len ? " %zu" : "%zu", i);
	return buf;
}

/* Variable `v` of the space as its fault's canonical text. */
static inline void lin_var(const struct ldfi_space *sp, int v, char *buf, size_t len, size_t *n)
{
	struct ldfi_fault f = ldfi_space_fault(sp, v);
	char t[64];

	ldfi_fault_format(sp->conf, &f, t, sizeof(t));
	lin_put(buf, len, n, "%s", t);
}

/* A support as "{omit(a,b,3) | !omit(a,b,1)}": its faults, then the
 * faults of its condition (absent from "{...}" when it has none). */
static inline void lin_clause(const struct ldfi_space *sp, const struct ldfi_clause *c, char *buf,
			      size_t len, size_t *n)
{
	lin_put(buf, len, n, "{");
	for (int i = 0; i < c->n; i++) {
		lin_put(buf, len, n, i ? " " : "");
		lin_var(sp, c->vars[i], buf, len, n);
	}
	if (c->n_neg)
		lin_put(buf, len, n, " |");
	for (int i = 0; i < c->n_neg; i++) {
		lin_put(buf, len, n, " !");
		lin_var(sp, c->neg[i], buf, len, n);
	}
	lin_put(buf, len, n, "}");
}

/* An outcome's key: "held bcast:1 log@b", "acked s:1 s@a from k@b by 3",
 * "count s:1 k@b 2". Record names come from `tr` (source records only:
 * their index is the same in every run). */
static inline void lin_key(const struct ldfi_trace *tr, const struct ldfi_outcome *o, char *buf,
			   size_t len, size_t *n)
{
	const struct ldfi_conf *cf = tr->conf;
	static const char *kinds[] = {"held", "acked", "count", "quorum"};

	lin_put(buf, len, n, "%s %s %s@%s", kinds[o->kind & 3],
		o->rec < tr->n_recs ? tr->recs[o->rec].name : "?", cf->comps[o->comp].name,
		cf->nodes[o->node].name);
	if (o->kind == LDFI_OUTCOME_ACKED)
		lin_put(buf, len, n, " from %s@%s by %d", cf->comps[o->peer_comp].name,
			cf->nodes[o->peer_node].name, o->by);
	else if (o->kind == LDFI_OUTCOME_COUNT)
		lin_put(buf, len, n, " %d", o->by);
}

/* Every outcome of `lin`, in index order, one per line:
 * "KEY: SUPPORT SUPPORT ...", supports in their stored order. */
static inline const char *lin_outcomes(const struct ldfi_lineage *lin, const struct ldfi_trace *tr)
{
	static char buf[8192];
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; i < ldfi_lineage_n_outcomes(lin); i++) {
		const struct ldfi_outcome *o = ldfi_lineage_outcome(lin, i);

		lin_key(tr, o, buf, sizeof(buf), &n);
		lin_put(buf, sizeof(buf), &n, ":");
		for (int k = 0; k < o->n_supports; k++) {
			lin_put(buf, sizeof(buf), &n, " ");
			lin_clause(ldfi_lineage_space(lin), &o->supports[k], buf, sizeof(buf), &n);
		}
		lin_put(buf, sizeof(buf), &n, "\n");
	}
	return buf;
}

#endif
