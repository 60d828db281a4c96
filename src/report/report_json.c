/*
 * report_json.c - the JSON report of `ldfi explore` (docs/reports.md): the verdict,
 * the bounds and figures, and every counterexample with its fault set,
 * failed checks and outputs. `ldfi replay` reads it back. Every field is
 * documented in docs/reports.md.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ldfi/conf.h"
#include "ldfi/ldfi.h"
#include "src/explore/explore.h"
#include "src/report/json.h"
#include "src/report/report.h"

/* Bytes in a UTF-8 sequence starting with `c` (0: not a lead byte). */
static int seq_len(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if ((c & 0xe0) == 0xc0)
		return 2;
	if ((c & 0xf0) == 0xe0)
		return 3;
	if ((c & 0xf8) == 0xf0)
		return 4;
	return 0;
}

/* A JSON string of `s`, or null for NULL. Bytes that are not UTF-8 (a
 * path can hold any) become U+FFFD, since JSON text is UTF-8. */
static json_t *str_or_null(const char *s)
{
	json_t *j;
	char *t, *p;

	if (!s)
		return json_null();
	if ((j = json_string(s)))
		return j;
	t = malloc(3 * strlen(s) + 1);
	if (!t)
		return NULL;
	p = t;
	for (const char *q = s; *q;) {
		size_t n = (size_t)seq_len((unsigned char)*q);
		/* jansson's own check rejects overlong forms and surrogates */
		json_t *c = n && strnlen(q, n) == n ? json_stringn(q, n) : NULL;

		if (c) {
			memcpy(p, q, n);
			p += n;
			q += n;
			json_decref(c);
		} else {
			memcpy(p, "\xef\xbf\xbd", 3);
			p += 3;
			q++;
		}
	}
	*p = 0;
	j = json_string(t);
	free(t);
	return j;
}

/* Set `key` of `obj` to `val` (stolen); a NULL `val` marks a failure. */
static void set(json_t *obj, const char *key, json_t *val, bool *bad)
{
	if (!val || json_object_set_new(obj, key, val))
		*bad = true;
}

/* [{"node": "w", "from": 3, "to": 4, "fault": "restart(w,3)"}]: the down
 * periods of the run's restarts, in fault order. */
static json_t *down_periods_json(const struct ldfi_trace *tr)
{
	json_t *a = json_array();

	for (int i = 0; a && i < tr->faults.n; i++) {
		const struct ldfi_fault *f = &tr->faults.v[i];
		char buf[128];

		if (f->kind != LDFI_FAULT_RESTART)
			continue;
		ldfi_fault_format(tr->conf, f, buf, sizeof(buf));
		if (json_array_append_new(
			a, json_pack("{s:s, s:i, s:i, s:s}", "node", tr->conf->nodes[f->a].name,
				     "from", f->t, "to", f->t + tr->downtime - 1, "fault", buf))) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *cex_json(const struct ldfi_cex *cx)
{
	const struct ldfi_trace *tr = cx->trace;
	json_t *o = json_object();
	bool bad = !o;

	if (bad)
		return NULL;
	set(o, "faults", ldfi_json_faults(tr), &bad);
	set(o, "failed_checks", ldfi_json_checks(tr, true), &bad);
	set(o, "failure", str_or_null(tr->failure), &bad);
	set(o, "execution", json_integer(cx->execution), &bad);
	set(o, "run", json_integer(cx->run_id), &bad);
	set(o, "outputs", ldfi_json_outputs(tr), &bad);
	if (tr->conf->restarts) /* absent without restarts: reports as before */
		set(o, "down_periods", down_periods_json(tr), &bad);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* null for the whole space; {index, count, part} for a shard; {index:
 * null, count, part} for a merge of `count` shards. */
static json_t *shard_json(const struct ldfi_explore_result *res)
{
	char part[1200];

	if (res->shard.count <= 1)
		return json_null();
	ldfi_report_shard(res, part, sizeof(part));
	return json_pack("{s:o, s:i, s:s}", "index",
			 res->shard.index >= 0 ? json_integer(res->shard.index) : json_null(),
			 "count", res->shard.count, "part", part);
}

/* A seed above INT64_MAX does not fit a JSON integer of jansson: string. */
static json_t *seed_json(uint64_t seed)
{
	char buf[32];

	if (seed <= INT64_MAX)
		return json_integer((json_int_t)seed);
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)seed);
	return json_string(buf);
}

/* eot, eff, crashes; restarts and downtime only when restarts are on (a
 * report of a conf without restarts stays as it was). */
static json_t *bounds_json(const struct ldfi_conf *conf)
{
	if (!conf->restarts)
		return json_pack("{s:i, s:i, s:i}", "eot", conf->eot, "eff", conf->eff, "crashes",
				 conf->crashes);
	return json_pack("{s:i, s:i, s:i, s:i, s:i}", "eot", conf->eot, "eff", conf->eff, "crashes",
			 conf->crashes, "restarts", conf->restarts, "downtime", conf->downtime);
}

static json_t *report_doc(const struct ldfi_explore_result *res)
{
	char *replay, *abs;
	const struct ldfi_conf *conf = res->conf;
	const struct ldfi_explore_opts *opts = res->opts;
	json_t *doc = json_object(), *all = json_array();
	bool bad = !doc || !all;
	bool has_cex = res->verdict == LDFI_VERDICT_COUNTEREXAMPLE && res->n_cex > 0;
	char reason[sizeof(res->reason) + 1];

	if (bad)
		goto err;
	for (int i = 0; has_cex && i < res->n_cex; i++)
		if (json_array_append_new(all, cex_json(&res->cex[i])))
			goto err;
	set(doc, "version", json_string(ldfi_version()), &bad);
	set(doc, "verdict", json_string(ldfi_verdict_name(res->verdict)), &bad);
	set(doc, "conf", str_or_null(ldfi_report_conf_path(res)), &bad);
	/* The same file from anywhere: replay from another directory finds it. */
	abs = realpath(ldfi_report_conf_path(res), NULL);
	set(doc, "conf_absolute", str_or_null(abs), &bad);
	free(abs);
	set(doc, "strategy",
	    json_string(ldfi_strategy_name(opts ? opts->strategy : conf->strategy)), &bad);
	set(doc, "seed", seed_json(opts ? opts->seed : conf->seed), &bad);
	set(doc, "bounds", bounds_json(conf), &bad);
	set(doc, "budget",
	    json_pack("{s:o, s:o}", "max_runs",
		      opts && opts->max_runs > 0 ? json_integer(opts->max_runs) : json_null(),
		      "time_limit_s",
		      opts && opts->time_limit_s > 0 ? json_real(opts->time_limit_s) : json_null()),
	    &bad);
	set(doc, "executions", json_integer(res->executions), &bad);
	set(doc, "shard", shard_json(res), &bad);
	set(doc, "hypotheses",
	    json_pack("{s:I, s:I, s:o}", "tried", (json_int_t)res->tried, "pruned",
		      (json_int_t)res->pruned, "pending",
		      res->pending < 0 ? json_null() : json_integer(res->pending)),
	    &bad);
	set(doc, "wall_s", json_real(res->wall_s), &bad);
	snprintf(reason, sizeof(reason), "%.*s", (int)strnlen(res->reason, sizeof(res->reason)),
		 res->reason);
	set(doc, "reason",
	    res->verdict != LDFI_VERDICT_INCONCLUSIVE ? json_null()
	    : reason[0]				      ? str_or_null(reason)
			: json_string("a budget ran out before a verdict"),
	    &bad);
	set(doc, "counterexample", has_cex ? json_incref(json_array_get(all, 0)) : json_null(),
	    &bad);
	set(doc, "counterexamples", json_incref(all), &bad);
	set(doc, "outputs",
	    has_cex ? json_incref(json_object_get(json_array_get(all, 0), "outputs")) : json_null(),
	    &bad);
	replay = has_cex ? ldfi_report_replay_command(res) : NULL;
	set(doc, "replay", str_or_null(replay), &bad);
	free(replay);
	set(doc, "db", str_or_null(res->db_path), &bad);
	json_decref(all);
	if (bad) {
		json_decref(doc);
		return NULL;
	}
	return doc;

err:
	json_decref(all);
	json_decref(doc);
	return NULL;
}

int ldfi_report_json(const char *path, const struct ldfi_explore_result *res, char *err,
		     size_t errlen)
{
	json_t *doc = report_doc(res);
	int rc = ldfi_json_dump(doc, path, err, errlen);

	json_decref(doc);
	return rc;
}
