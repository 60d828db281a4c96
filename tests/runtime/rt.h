/*
 * rt.h - helpers shared by the runtime tests: load a conf (inline text or a
 * file), run it under a fault set given as text, and render the parts of a
 * trace the tests compare (messages, sink contents, check offenses) as short
 * strings. Every helper reports its own failures through CHECK().
 */
#ifndef LDFI_TESTS_RT_H
#define LDFI_TESTS_RT_H

#include <stdlib.h>
#include <string.h>

#include <stdint.h>

#include "ldfi/conf.h"
#include "ldfi/faults.h"
#include "ldfi/ldfi.h"
#include "runtime/runtime.h"
#include "ldfi/stage.h"
#include "ldfi/trace.h"
#include "tests/test.h"

/* `text` with every `key` replaced by `value`, in a static buffer (valid
 * until the next call). */
static inline const char *rt_subst(const char *text, const char *key, const char *value)
{
	static char out[8192];
	size_t n = 0, kl = strlen(key), vl = strlen(value);

	while (*text && n + vl + 1 < sizeof(out)) {
		if (strncmp(text, key, kl) == 0) {
			memcpy(out + n, value, vl);
			n += vl;
			text += kl;
		} else {
			out[n++] = *text++;
		}
	}
	out[n] = '\0';
	return out;
}

/* A conf from inline text; NULL (and a failed check) if it does not parse. */
static inline struct ldfi_conf *rt_conf(const char *name, const char *text)
{
	struct ldfi_conf *conf = NULL;
	char err[512];
	int rc = ldfi_conf_parse(name, text, strlen(text), &conf, err, sizeof(err));

	if (rc)
		fprintf(stderr, "%s: %s\n", name, err);
	CHECK(rc == 0);
	return conf;
}

/* A conf from a file (relative to the source root, where the tests run). */
/* A plugin check that always holds. */
static inline int rt_check_holds(struct ldfi_trace *tr, const struct ldfi_trace *ff, int check,
				 struct ldfi_check_result *res)
{
	(void)tr;
	(void)ff;
	(void)check;
	res->passed = true;
	return 0;
}

/* rt_conf, then every plugin stage runs `ops` and every plugin check holds
 * (rt_check_holds): tests whose plugins are linked in, not loaded. */
static inline struct ldfi_conf *rt_conf_plugin(const char *name, const char *text,
					       const struct ldfi_stage_ops *ops)
{
	struct ldfi_conf *conf = rt_conf(name, text);

	for (int i = 0; conf && i < conf->n_comps; i++)
		if (conf->comps[i].type == LDFI_COMP_STAGE &&
		    conf->comps[i].kind == LDFI_KIND_PLUGIN)
			conf->comps[i].plugin = ops;
	for (int i = 0; conf && i < conf->n_checks; i++)
		if (conf->checks[i].kind == LDFI_CHECK_PLUGIN)
			conf->checks[i].plugin = (void *)(uintptr_t)rt_check_holds;
	return conf;
}

static inline struct ldfi_conf *rt_conf_file(const char *path)
{
	struct ldfi_conf *conf = NULL;
	char err[512];
	int rc = ldfi_conf_load(path, &conf, err, sizeof(err));

	if (rc)
		fprintf(stderr, "%s\n", err);
	CHECK(rc == 0);
	return conf;
}

/* Run `conf` under the fault set `faults` (canonical text or "none"), with
 * `ff` as the fault-free trace (NULL: the runtime computes it). */
static inline struct ldfi_trace *rt_run_ff(const struct ldfi_conf *conf, const char *faults,
					   const struct ldfi_trace *ff)
{
	struct ldfi_trace *tr = NULL;
	struct ldfi_faults fs;
	char err[512];
	int rc;

	if (!conf)
		return NULL;
	ldfi_faults_init(&fs);
	rc = ldfi_faults_parse(conf, faults, &fs, err, sizeof(err));
	if (rc)
		fprintf(stderr, "%s: %s\n", faults, err);
	CHECK(rc == 0);
	if (!rc) {
		rc = ldfi_runtime_exec(conf, &fs, ff, &tr);
		if (rc)
			fprintf(stderr, "%s: exec: %s\n", faults, ldfi_strerror(rc));
		CHECK(rc == 0 && tr);
	}
	ldfi_faults_finish(&fs);
	return tr;
}

static inline struct ldfi_trace *rt_run(const struct ldfi_conf *conf, const char *faults)
{
	return rt_run_ff(conf, faults, NULL);
}

/* The error ldfi_faults_parse gives for `faults`, or "ok". */
static inline const char *rt_parse_error(const struct ldfi_conf *conf, const char *faults)
{
	static char err[512];
	struct ldfi_faults fs;
	int rc;

	ldfi_faults_init(&fs);
	rc = ldfi_faults_parse(conf, faults, &fs, err, sizeof(err));
	ldfi_faults_finish(&fs);
	if (rc == 0)
		return "ok";
	if (rc != LDFI_EINVAL)
		return "not LDFI_EINVAL";
	return err;
}

static inline int rt_check_index(const struct ldfi_trace *tr, const char *check)
{
	for (int i = 0; tr && i < tr->n_checks; i++)
		if (strcmp(tr->conf->checks[tr->checks[i].check].name, check) == 0)
			return i;
	return -1;
}

/* 1 if the check passed, 0 if it failed, -1 if there is no such check. */
static inline int rt_passed(const struct ldfi_trace *tr, const char *check)
{
	int i = rt_check_index(tr, check);

	return i < 0 ? -1 : tr->checks[i].passed;
}

static char rt_buf[16384];

/* A check's offenses, "; "-separated: "bcast:1 missing 0/1 at log@c"
 * (record, problem, copies held / copies expected, replica). */
static inline const char *rt_offenses(const struct ldfi_trace *tr, const char *check)
{
	int i = rt_check_index(tr, check);
	size_t n = 0;

	rt_buf[0] = '\0';
	if (i < 0)
		return "(no such check)";
	for (int k = 0; k < tr->checks[i].n_offs; k++) {
		const struct ldfi_offense *o = &tr->checks[i].offs[k];

		n += (size_t)snprintf(rt_buf + n, sizeof(rt_buf) - n, "%s%s %s %d/%d at %s@%s",
				      k ? "; " : "", tr->recs[o->rec].name,
				      ldfi_problem_name(o->problem), o->count, o->expected,
				      tr->conf->comps[o->comp].name, tr->conf->nodes[o->node].name);
	}
	return rt_buf;
}

/* What replica sink@node holds at eot, in position order, space-separated;
 * with `rounds`, each record followed by "/ROUND" (the round stored). */
static inline const char *rt_held_r(const struct ldfi_trace *tr, const char *sink, const char *node,
				    int rounds)
{
	int c = ldfi_conf_comp_index(tr->conf, sink), nd = ldfi_conf_node_index(tr->conf, node);
	size_t n = 0;
	int pos = 0;

	rt_buf[0] = '\0';
	if (c < 0 || nd < 0)
		return "(no such replica)";
	for (size_t i = 0; i < tr->n_outs; i++) {
		const struct ldfi_output *o = &tr->outs[i];

		if (o->comp != c || o->node != nd)
			continue;
		if (o->pos != pos++)
			return "(positions out of order)";
		n += (size_t)snprintf(rt_buf + n, sizeof(rt_buf) - n, "%s%s", n ? " " : "",
				      tr->recs[o->rec].name);
		if (rounds)
			n += (size_t)snprintf(rt_buf + n, sizeof(rt_buf) - n, "/%d", o->round);
	}
	return rt_buf;
}

static inline const char *rt_held(const struct ldfi_trace *tr, const char *sink, const char *node)
{
	return rt_held_r(tr, sink, node, 0);
}

/* Every message, one per line:
 * "ID KIND SRCSTAGE@SRCNODE>DSTSTAGE@DSTNODE rROUND RECORD FATE[ FAULT]". */
static inline const char *rt_msgs(const struct ldfi_trace *tr)
{
	size_t n = 0;

	rt_buf[0] = '\0';
	for (size_t i = 0; i < tr->n_msgs && n < sizeof(rt_buf) - 1; i++) {
		const struct ldfi_msg *m = &tr->msgs[i];
		const struct ldfi_conf *cf = tr->conf;

		n += (size_t)snprintf(rt_buf + n, sizeof(rt_buf) - n, "%u %s %s@%s>%s@%s r%d %s %s",
				      m->id, m->kind == LDFI_MSG_ACK ? "ack" : "data",
				      cf->comps[m->src_comp].name, cf->nodes[m->src_node].name,
				      cf->comps[m->dst_comp].name, cf->nodes[m->dst_node].name,
				      m->send_round, tr->recs[m->rec].name,
				      ldfi_fate_name((enum ldfi_fate)m->fate));
		if (m->fault >= 0 && n < sizeof(rt_buf)) {
			char f[128];

			ldfi_fault_format(cf, &tr->faults.v[m->fault], f, sizeof(f));
			n += (size_t)snprintf(rt_buf + n, sizeof(rt_buf) - n, " %s", f);
		}
		if (n < sizeof(rt_buf))
			n += (size_t)snprintf(rt_buf + n, sizeof(rt_buf) - n, "\n");
	}
	return rt_buf;
}

/* Messages matching a filter: kind "data"/"ack"/NULL, sender and receiver
 * node names or NULL, fate or -1, send round or 0. */
static inline int rt_count(const struct ldfi_trace *tr, const char *kind, const char *src,
			   const char *dst, int fate, int round)
{
	int n = 0, s = src ? ldfi_conf_node_index(tr->conf, src) : -1,
	    d = dst ? ldfi_conf_node_index(tr->conf, dst) : -1;

	for (size_t i = 0; i < tr->n_msgs; i++) {
		const struct ldfi_msg *m = &tr->msgs[i];

		if (kind && (m->kind == LDFI_MSG_ACK) != (strcmp(kind, "ack") == 0))
			continue;
		if ((src && m->src_node != s) || (dst && m->dst_node != d))
			continue;
		if ((fate >= 0 && m->fate != fate) || (round && m->send_round != round))
			continue;
		n++;
	}
	return n;
}

/* Send rounds of the messages matching the filter, space-separated. */
static inline const char *rt_rounds(const struct ldfi_trace *tr, const char *kind, const char *src,
				    const char *dst)
{
	int s = src ? ldfi_conf_node_index(tr->conf, src) : -1,
	    d = dst ? ldfi_conf_node_index(tr->conf, dst) : -1;
	size_t n = 0;

	rt_buf[0] = '\0';
	for (size_t i = 0; i < tr->n_msgs; i++) {
		const struct ldfi_msg *m = &tr->msgs[i];

		if (kind && (m->kind == LDFI_MSG_ACK) != (strcmp(kind, "ack") == 0))
			continue;
		if ((src && m->src_node != s) || (dst && m->dst_node != d))
			continue;
		n += (size_t)snprintf(rt_buf + n, sizeof(rt_buf) - n, "%s%d", n ? " " : "",
				      m->send_round);
	}
	return rt_buf;
}

/* Whether record `name` was emitted in the run (-1: no such record). */
static inline int rt_emitted(const struct ldfi_trace *tr, const char *name)
{
	int r = ldfi_trace_record_index(tr, name);

	return r < 0 ? -1 : tr->recs[r].emitted;
}

static inline int rt_alive(const struct ldfi_trace *tr, const char *node)
{
	int n = ldfi_conf_node_index(tr->conf, node);

	return n < 0 ? -1 : ldfi_trace_alive(tr, n);
}

#endif
