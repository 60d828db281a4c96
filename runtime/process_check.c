/*
 * process_check.c - checking with processes: the determinism self-check
 * of a conf with process stages (ldfi_process_selfcheck: the fault-free
 * execution run twice must give the same trace), and process checks
 * (`kind = process` in a [check] section, docs/process-stages.md): the
 * check's process of the pool is given the facts of a run and answers with
 * its offences (ldfi_process_check).
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ldfi/stage.h"
#include "ldfi/conf.h"
#include "ldfi/ldfi.h"
#include "ldfi/trace.h"
#include "model/util.h"
#include "runtime/process.h"
#include "runtime/process_pool.h"
#include "runtime/runtime.h"
#include "runtime/stage.h"

/* --- the determinism check --- */

static const char *rec_name(const struct ldfi_trace *tr, int rec)
{
	return rec >= 0 && rec < tr->n_recs ? tr->recs[rec].name : "?";
}

static bool same_parents(const struct ldfi_trace *a, uint32_t ao, uint32_t an,
			 const struct ldfi_trace *b, uint32_t bo, uint32_t bn)
{
	return an == bn &&
	       (!an || memcmp(a->parents + ao, b->parents + bo, an * sizeof(uint32_t)) == 0);
}

/* What differs between messages x (of a) and y (of b), or NULL. */
static const char *msg_diff(const struct ldfi_trace *a, const struct ldfi_msg *x,
			    const struct ldfi_trace *b, const struct ldfi_msg *y)
{
	if (x->kind != y->kind || x->src_node != y->src_node || x->src_comp != y->src_comp ||
	    x->dst_node != y->dst_node || x->dst_comp != y->dst_comp ||
	    x->send_round != y->send_round || strcmp(rec_name(a, x->rec), rec_name(b, y->rec)))
		return "message";
	if (x->fate != y->fate)
		return "fate";
	if (!same_parents(a, x->parents_off, x->n_parents, b, y->parents_off, y->n_parents) ||
	    x->parents_any != y->parents_any || x->conditional != y->conditional)
		return "provenance";
	return NULL;
}

static void msg_text(const struct ldfi_conf *conf, const struct ldfi_trace *tr,
		     const struct ldfi_msg *m, char *out, size_t len)
{
	if (!m) {
		snprintf(out, len, "no such message");
		return;
	}
	snprintf(out, len, "%s'%s' from %s@%s to %s@%s in round %d (parents:",
		 m->kind == LDFI_MSG_ACK ? "ack of " : "", rec_name(tr, m->rec),
		 conf->comps[m->src_comp].name, conf->nodes[m->src_node].name,
		 conf->comps[m->dst_comp].name, conf->nodes[m->dst_node].name, m->send_round);
	for (uint32_t i = 0; i < m->n_parents && i < 8; i++) {
		size_t k = strlen(out);

		snprintf(out + k, len - k, " #%u", tr->parents[m->parents_off + i]);
	}
	if (m->n_parents > 8) {
		size_t k = strlen(out);

		snprintf(out + k, len - k, " ...");
	}
	strncat(out, m->n_parents ? ")" : " none)", len - strlen(out) - 1);
}

static const char *const RULES =
    "A stage must be a function of what it receives: no clock, no randomness, no state kept "
    "across executions (docs/process-stages.md, Rules).";

/* The subject of a difference: the process stage that computed it, or the
 * execution when a built-in stage did (its inputs differed). */
static void who_is(const struct ldfi_conf *conf, int comp, int node, char *who, size_t len)
{
	if (conf->comps[comp].type == LDFI_COMP_STAGE &&
	    conf->comps[comp].kind == LDFI_KIND_PROCESS)
		snprintf(who, len, "stage '%s' on node %s is", conf->comps[comp].name,
			 conf->nodes[node].name);
	else
		snprintf(who, len, "the fault-free execution is");
}

/* The first difference between two fault-free traces, in `err`; 0 if none. */
static int compare(const struct ldfi_conf *conf, const struct ldfi_trace *a,
		   const struct ldfi_trace *b, char *err, size_t errlen)
{
	size_t n = a->n_msgs > b->n_msgs ? a->n_msgs : b->n_msgs;
	char ta[600], tb[600], who[300];

	if ((a->failure == NULL) != (b->failure == NULL) ||
	    (a->failure && strcmp(a->failure, b->failure))) {
		snprintf(
		    err, errlen,
		    "the fault-free execution is not deterministic: run twice, it %s the first "
		    "time and %s the second. %s",
		    a->failure ? a->failure : "finished", b->failure ? b->failure : "finished",
		    RULES);
		return LDFI_EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		const struct ldfi_msg *x = i < a->n_msgs ? &a->msgs[i] : NULL;
		const struct ldfi_msg *y = i < b->n_msgs ? &b->msgs[i] : NULL;
		const struct ldfi_msg *s = x ? x : y;
		const char *what = x && y ? msg_diff(a, x, b, y) : "message";

		if (!what)
			continue;
		msg_text(conf, a, x, ta, sizeof(ta));
		msg_text(conf, b, y, tb, sizeof(tb));
		/* Identical until message i: the stage that sent it computed
		 * something else from the same inputs. */
		who_is(conf, s->src_comp, s->src_node, who, sizeof(who));
		snprintf(err, errlen,
			 "%s not deterministic: run twice, the fault-free execution first differs "
			 "at message %zu (%s): %s the first time, %s the second. %s",
			 who, i + 1, what, ta, tb, RULES);
		return LDFI_EINVAL;
	}
	if (a->n_outs != b->n_outs) {
		snprintf(err, errlen,
			 "the fault-free execution is not deterministic: run twice, it kept %zu "
			 "outputs the first time and %zu the second. %s",
			 a->n_outs, b->n_outs, RULES);
		return LDFI_EINVAL;
	}
	for (size_t i = 0; i < a->n_outs; i++) {
		const struct ldfi_output *x = &a->outs[i], *y = &b->outs[i];

		if (x->comp != y->comp || x->node != y->node || x->round != y->round ||
		    x->conditional != y->conditional ||
		    strcmp(rec_name(a, x->rec), rec_name(b, y->rec)) ||
		    !same_parents(a, x->parents_off, x->n_parents, b, y->parents_off,
				  y->n_parents)) {
			who_is(conf, x->comp, x->node, who, sizeof(who));
			snprintf(err, errlen,
				 "%s not deterministic: run twice, the fault-free execution first "
				 "differs at output %d of %s@%s: '%s' in round %d the first time, "
				 "'%s' in round %d the second (or its provenance differs). %s",
				 who, x->pos + 1, conf->comps[x->comp].name,
				 conf->nodes[x->node].name, rec_name(a, x->rec), x->round,
				 rec_name(b, y->rec), y->round, RULES);
			return LDFI_EINVAL;
		}
	}
	for (int i = 0; i < a->n_checks && i < b->n_checks; i++)
		if (a->checks[i].passed != b->checks[i].passed ||
		    a->checks[i].n_offs != b->checks[i].n_offs) {
			snprintf(
			    err, errlen,
			    "check '%s' is not deterministic: run twice on the same fault-free "
			    "execution, it %s with %d offences the first time and %s with %d the "
			    "second. A check must be a function of the runs it is given.",
			    conf->checks[i].name, a->checks[i].passed ? "passed" : "failed",
			    a->checks[i].n_offs, b->checks[i].passed ? "passed" : "failed",
			    b->checks[i].n_offs);
			return LDFI_EINVAL;
		}
	return 0;
}

int ldfi_process_selfcheck(const struct ldfi_conf *conf, char *err, size_t errlen)
{
	struct ldfi_faults none = {0};
	struct ldfi_trace *a = NULL, *b = NULL;
	int rc;

	if (!ldfi_conf_has_processes(conf))
		return 0;
	if ((rc = ldfi_runtime_exec(conf, &none, NULL, &a)) ||
	    (rc = ldfi_runtime_exec(conf, &none, NULL, &b)))
		snprintf(err, errlen, "the fault-free execution: %s", ldfi_strerror(rc));
	else
		rc = compare(conf, a, b, err, errlen);
	ldfi_trace_destroy(a);
	ldfi_trace_destroy(b);
	return rc;
}

/* --- process checks --- */

static char *check_failure; /* why the last process check failed the run */

char *ldfi_process_take_failure(void)
{
	char *f = check_failure;

	check_failure = NULL;
	return f ? f : strdup("a process check failed");
}

/* Fail the run: "check 'c': why"; the process is killed (it may be
 * mid-answer) and started again when next asked. */
static int check_fail(struct slot *s, const char *why)
{
	ldfi_slot_kill(s);
	free(check_failure);
	if (asprintf(&check_failure, "%s: %s", s->desc, why) < 0) {
		check_failure = NULL;
		return LDFI_ENOMEM;
	}
	return LDFI_ESUT;
}

/* What a check sees of a run: its records and what every replica of every
 * relation (sinks, plugin and process stages) holds at eot, in order. */
static json_t *run_facts(const struct ldfi_trace *tr)
{
	const struct ldfi_conf *conf = tr->conf;
	json_t *recs = json_array(), *reps = json_object(), *run;
	char addr[600];

	if (!recs || !reps)
		goto err;
	for (int r = 0; r < tr->n_recs; r++)
		if (json_array_append_new(
			recs, json_pack("{s:s, s:o, s:b}", "name", tr->recs[r].name, "source",
					tr->recs[r].source >= 0
					    ? json_string(conf->comps[tr->recs[r].source].name)
					    : json_null(),
					"emitted", tr->recs[r].emitted)))
			goto err;
	for (int c = 0; c < conf->n_comps; c++) {
		const struct ldfi_comp *cp = &conf->comps[c];

		if (cp->type != LDFI_COMP_SINK &&
		    !(cp->type == LDFI_COMP_STAGE &&
		      (cp->kind == LDFI_KIND_PLUGIN || cp->kind == LDFI_KIND_PROCESS)))
			continue;
		for (int i = 0; i < cp->n_nodes; i++) {
			snprintf(addr, sizeof(addr), "%s@%s", cp->name,
				 conf->nodes[cp->nodes[i]].name);
			if (json_object_set_new(reps, addr,
						json_pack("{s:b, s:[]}", "alive",
							  ldfi_trace_alive(tr, cp->nodes[i]),
							  "held")))
				goto err;
		}
	}
	for (size_t i = 0; i < tr->n_outs; i++) {
		const struct ldfi_output *o = &tr->outs[i];
		json_t *held;

		snprintf(addr, sizeof(addr), "%s@%s", conf->comps[o->comp].name,
			 conf->nodes[o->node].name);
		held = json_object_get(json_object_get(reps, addr), "held");
		if (held && o->rec >= 0 && o->rec < tr->n_recs &&
		    json_array_append_new(held, json_string(tr->recs[o->rec].name)))
			goto err;
	}
	run = json_pack("{s:o, s:o}", "records", recs, "replicas", reps);
	return run;

err:
	json_decref(recs);
	json_decref(reps);
	return NULL;
}

static const char *const problems[] = {"missing", "duplicated", "out-of-order", "unexpected-count"};

/* One offence line: its record, replica, problem and counts, into res. */
static int offence(struct ldfi_trace *tr, json_t *body, struct ldfi_check_result *res)
{
	const struct ldfi_conf *conf = tr->conf;
	const char *name = json_string_value(json_object_get(body, "record"));
	const char *at = json_string_value(json_object_get(body, "at"));
	const char *prob = json_string_value(json_object_get(body, "problem"));
	json_t *count = json_object_get(body, "count"),
	       *expected = json_object_get(body, "expected");
	const char *sep = at ? strchr(at, '@') : NULL;
	int c, node, p = -1, rec;

	if (!ldfi_process_valid_name(name) || !sep || !prob || (count && !json_is_integer(count)) ||
	    (expected && !json_is_integer(expected)))
		return LDFI_EINVAL;
	c = ldfi_conf_comp_index_n(conf, at, (size_t)(sep - at));
	node = ldfi_conf_node_index(conf, sep + 1);
	for (int i = 0; i < 4; i++)
		if (strcmp(prob, problems[i]) == 0)
			p = i;
	if (c < 0 || node < 0 || p < 0)
		return LDFI_EINVAL;
	{
		bool replica = false;

		for (int i = 0; i < conf->comps[c].n_nodes; i++)
			replica |= conf->comps[c].nodes[i] == node;
		if (!replica || conf->comps[c].type == LDFI_COMP_SOURCE)
			return LDFI_EINVAL;
	}
	if ((rec = ldfi_trace_record(tr, name)) < 0)
		return rec;
	return ldfi_check_offend(res, rec, c, node, (enum ldfi_problem)p,
				 count ? (int)json_integer_value(count) : 0,
				 expected ? (int)json_integer_value(expected) : 1);
}

int ldfi_process_check(struct ldfi_trace *tr, const struct ldfi_trace *fault_free, int check,
		       struct ldfi_check_result *res)
{
	static json_int_t asked;
	struct slot *s = NULL;
	char why[2048], *b = NULL;
	size_t n = 0, cap = 0;
	json_int_t e = ++asked;
	int64_t deadline;
	int n_offs = 0, rc;
	json_t *run, *ff;

	if (!ldfi_process_pool || ldfi_process_pool->conf != tr->conf) {
		char err[1024];

		if ((rc = ldfi_process_start(tr->conf, NULL, err, sizeof(err))))
			return rc == LDFI_ENOMEM ? rc : LDFI_ESTAGE;
	}
	for (int i = 0; i < ldfi_process_pool->n_slots; i++)
		if (ldfi_process_pool->slots[i].check == check)
			s = &ldfi_process_pool->slots[i];
	if (!s)
		return LDFI_ESTAGE;
	if (!s->pid && (rc = ldfi_slot_start(ldfi_process_pool, s, why, sizeof(why)))) {
		char w[2100];

		snprintf(w, sizeof(w), "could not be started again: %s", why);
		return rc == LDFI_EINVAL ? check_fail(s, w) : rc;
	}
	run = run_facts(tr);
	ff = fault_free && fault_free != tr ? run_facts(fault_free) : json_null();
	if (!run || !ff) {
		json_decref(run);
		json_decref(ff);
		return LDFI_ENOMEM;
	}
	if ((rc = ldfi_process_emit(&b, &n, &cap, s->addr,
				    json_pack("{s:s, s:I, s:o, s:o}", "type", "check", "execution",
					      e, "run", run, "fault_free", ff))))
		return rc;
	deadline = ldfi_now_ms() + (int64_t)ldfi_process_pool->conf->run_timeout * 1000;
	{
		enum io io = ldfi_slot_write(s, b, n, deadline);

		free(b);
		if (io) {
			ldfi_slot_io_reason(s, io, "in check", why, sizeof(why));
			return check_fail(s, why);
		}
	}
	for (;;) {
		char *line, q[LDFI_PROCESS_QUOTE_LEN];
		size_t len;
		enum io io = ldfi_slot_read_line(s, deadline, &line, &len);
		json_t *j, *body;
		const char *t;

		if (io) {
			ldfi_slot_io_reason(s, io, "in check", why, sizeof(why));
			return check_fail(s, why);
		}
		if (!(j = ldfi_process_parse_envelope(s->addr, line, len, "in check", why,
						      sizeof(why))))
			return check_fail(s, why);
		body = json_object_get(j, "body");
		t = ldfi_process_type_of(j);
		ldfi_process_quote(q, sizeof(q), line, len);
		if (strcmp(t, "offence") == 0) {
			rc = offence(tr, body, res);
			json_decref(j);
			if (rc == LDFI_EINVAL) {
				snprintf(
				    why, sizeof(why),
				    "wrote a bad offence in check: '%s' (record: a name; at: a "
				    "replica of a relation, \"rel@node\"; problem: missing, "
				    "duplicated, out-of-order or unexpected-count)",
				    q);
				return check_fail(s, why);
			}
			if (rc)
				return rc;
			n_offs++;
			continue;
		}
		if (strcmp(t, "check_ok") == 0) {
			json_t *ex = json_object_get(body, "execution"),
			       *p = json_object_get(body, "passed");
			json_t *o = json_object_get(body, "offences");

			if (!json_is_integer(ex) || json_integer_value(ex) != e)
				snprintf(why, sizeof(why),
					 "answered check_ok for another request: '%s'", q);
			else if (!json_is_boolean(p) || json_is_true(p) != (n_offs == 0) ||
				 !json_is_integer(o) || json_integer_value(o) != n_offs)
				snprintf(why, sizeof(why),
					 "answered check_ok whose 'passed' or 'offences' does not "
					 "match the %d offences it wrote: '%s'",
					 n_offs, q);
			else
				why[0] = 0;
			json_decref(j);
			return why[0] ? check_fail(s, why) : 0;
		}
		if (strcmp(t, "error") == 0) {
			const char *text = json_string_value(json_object_get(body, "text"));
			char tq[LDFI_PROCESS_QUOTE_LEN];

			ldfi_process_quote(tq, sizeof(tq), text ? text : "",
					   text ? strlen(text) : 0);
			snprintf(why, sizeof(why), "reported an error in check: '%s'", tq);
		} else {
			char tq[LDFI_PROCESS_QUOTE_LEN];

			ldfi_process_quote(tq, sizeof(tq), t, strlen(t));
			snprintf(why, sizeof(why),
				 "wrote a line of unexpected type '%.60s' in check: '%s'", tq, q);
		}
		json_decref(j);
		return check_fail(s, why);
	}
}
