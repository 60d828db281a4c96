/*
 * process_proto.c - the lines of the protocol of process stages and checks
 * (docs/process-stages.md, section 8), without any process: what a
 * process writes quoted, parsed as an envelope from it and, for a stage's
 * answer, checked line by line (ldfi_process_parse_line) and action by
 * action (ldfi_process_parse_action) against the replica and the request
 * it answers; and the lines ldfi writes (ldfi_process_emit). Declared in
 * runtime/process.h. It needs no other process*.c file: the fuzz target
 * tests/fuzz/fuzz_answer.c is built with it alone (-Dfuzzing=true).
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ldfi/conf.h"
#include "ldfi/ldfi.h"
#include "model/util.h"
#include "runtime/process.h"

/* --- what a process writes, and what ldfi writes to it --- */

void ldfi_process_quote(char *out, size_t len, const char *s, size_t n)
{
	size_t k = 0, m = n > LDFI_PROCESS_QUOTE_MAX ? LDFI_PROCESS_QUOTE_MAX : n;

	for (size_t i = 0; i < m && k + 5 < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\\' || c == '\'') {
			out[k++] = '\\';
			out[k++] = (char)c;
		} else if (c == '\n') {
			out[k++] = '\\';
			out[k++] = 'n';
		} else if (c >= ' ' && c <= '~') {
			out[k++] = (char)c;
		} else {
			k += (size_t)snprintf(out + k, len - k, "\\x%02x", c);
		}
	}
	out[k] = 0;
	if (m < n)
		snprintf(out + k, len - k, "... (%zu bytes)", n);
}

json_t *ldfi_process_parse_envelope(const char *addr, const char *line, size_t n, const char *where,
				    char *why, size_t len)
{
	char q[LDFI_PROCESS_QUOTE_LEN];
	json_error_t je;
	json_t *j = json_loadb(line, n, JSON_REJECT_DUPLICATES, &je), *body, *src;
	const char *bad = NULL;

	ldfi_process_quote(q, sizeof(q), line, n);
	if (!j) {
		snprintf(why, len, "wrote a malformed line %s: '%s' (not JSON)", where, q);
		return NULL;
	}
	body = json_object_get(j, "body");
	src = json_object_get(j, "src");
	if (!json_is_object(j) || !json_is_object(body) ||
	    !json_is_string(json_object_get(body, "type")) || !json_is_string(src) ||
	    !json_is_string(json_object_get(j, "dest")))
		bad = "a line is an object {\"src\", \"dest\", \"body\": {\"type\", ...}}";
	else if (strcmp(json_string_value(src), addr) != 0)
		bad = "its src is not this replica's address";
	if (bad) {
		snprintf(why, len, "wrote a malformed line %s: '%s' (%s)", where, q, bad);
		json_decref(j);
		return NULL;
	}
	return j;
}

const char *ldfi_process_type_of(json_t *j)
{
	return json_string_value(json_object_get(json_object_get(j, "body"), "type"));
}

int ldfi_process_emit(char **b, size_t *n, size_t *cap, const char *addr, json_t *body)
{
	json_t *env = json_pack("{s:s, s:s, s:o}", "src", "ldfi", "dest", addr, "body", body);
	char *text;
	size_t k;

	if (!env)
		return LDFI_ENOMEM;
	text = json_dumps(env, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(env);
	if (!text)
		return LDFI_ENOMEM;
	k = strlen(text);
	if (ldfi_grow(b, cap, *n + k + 2, 1, 1024)) {
		free(text);
		return LDFI_ENOMEM;
	}
	memcpy(*b + *n, text, k);
	(*b)[*n + k] = '\n';
	*n += k + 1;
	(*b)[*n] = 0;
	free(text);
	return 0;
}

/* --- an answer: its lines and their actions --- */

static bool in_inbox(const uint32_t *inbox, size_t n, uint32_t id)
{
	for (size_t i = 0; i < n; i++)
		if (inbox[i] == id)
			return true;
	return false;
}

bool ldfi_process_valid_name(const char *s)
{
	size_t n = 0;

	for (; s && s[n]; n++)
		if (s[n] <= ' ' || s[n] > '~' || n >= 255)
			return false;
	return s && n > 0;
}

/* Check the cause of one action: declared (`derives_from`, into
 * out->derives_from, or out->held for "held") or conservative (every
 * delivery so far, this round's up to `handled`: out->upto). */
static int check_cause(const struct ldfi_process_answer *a, json_t *body,
		       struct ldfi_process_action *out, const char *q, char *why, size_t len)
{
	json_t *df = json_object_get(body, "derives_from"), *h = json_object_get(body, "handled");
	const char *where = a->where;
	size_t i;
	json_t *item;
	int rc;

	out->held = false;
	out->derives_from = NULL;
	out->upto = a->upto;
	if (!df) {
		if (h) {
			if (!json_is_integer(h) || json_integer_value(h) < 0 ||
			    (size_t)json_integer_value(h) > a->upto - a->base) {
				snprintf(why, len, "wrote 'handled' out of range %s: '%s'", where,
					 q);
				return LDFI_EINVAL;
			}
			out->upto = a->base + (size_t)json_integer_value(h);
		}
		return 0;
	}
	if (json_is_string(df) && strcmp(json_string_value(df), "held") == 0) {
		out->held = true;
		return 0;
	}
	if (!json_is_array(df)) {
		snprintf(why, len, "wrote a bad derives_from %s: '%s' (a list, or \"held\")", where,
			 q);
		return LDFI_EINVAL;
	}
	json_array_foreach(df, i, item)
	{
		json_t *k;

		if (json_is_integer(item)) {
			json_int_t id = json_integer_value(item);

			if (id <= 0 || id > UINT32_MAX ||
			    !in_inbox(a->inbox, a->upto, (uint32_t)id)) {
				snprintf(why, len,
					 "derives_from names message %lld, which was not delivered "
					 "to this replica since it started, %s: '%s'",
					 (long long)id, where, q);
				return LDFI_EINVAL;
			}
		} else if (json_is_object(item) &&
			   json_is_string(k = json_object_get(item, "state"))) {
			if (!ldfi_process_valid_name(json_string_value(k)) ||
			    (rc = a->holds(a->arg, json_string_value(k))) == 0) {
				char kq[LDFI_PROCESS_QUOTE_LEN];

				ldfi_process_quote(kq, sizeof(kq), json_string_value(k),
						   strlen(json_string_value(k)));
				snprintf(
				    why, len,
				    "derives_from names state '%.255s', which this replica does "
				    "not hold, %s: '%s'",
				    kq, where, q);
				return LDFI_EINVAL;
			}
			if (rc < 0)
				return rc;
		} else if (!json_is_object(item) ||
			   !json_is_string(json_object_get(item, "absent"))) {
			snprintf(why, len,
				 "wrote a bad derives_from item %s: '%s' (a message id, "
				 "{\"state\": KEY} or {\"absent\": KEY})",
				 where, q);
			return LDFI_EINVAL;
		}
	}
	out->derives_from = df;
	return 0;
}

int ldfi_process_bad_dest(const struct ldfi_process_answer *a, const char *dest, bool held,
			  char *why, size_t len)
{
	const struct ldfi_conf *conf = a->conf;
	const struct ldfi_comp *c = &conf->comps[a->comp];
	char dq[LDFI_PROCESS_QUOTE_LEN];

	ldfi_process_quote(dq, sizeof(dq), dest, strlen(dest));
	snprintf(why, len, "sent to '%.200s', which is not its hop (%s) nor a replica%s %s", dq,
		 c->to >= 0 ? conf->comps[c->to].name : "none",
		 held ? " (\"held\" is only for hop sends)" : "", a->where);
	return LDFI_EINVAL;
}

/* Is `node` one of the nodes of component `comp`? */
static bool is_replica(const struct ldfi_conf *conf, int comp, int node)
{
	for (int i = 0; i < conf->comps[comp].n_nodes; i++)
		if (conf->comps[comp].nodes[i] == node)
			return true;
	return false;
}

int ldfi_process_parse_action(const struct ldfi_process_answer *a, json_t *j, const char *line,
			      size_t n, struct ldfi_process_action *out, char *why, size_t len)
{
	const struct ldfi_conf *conf = a->conf;
	const struct ldfi_comp *c = &conf->comps[a->comp];
	json_t *body = json_object_get(j, "body");
	const char *t = ldfi_process_type_of(j),
		   *dest = json_string_value(json_object_get(j, "dest"));
	const char *where = a->where;
	char q[LDFI_PROCESS_QUOTE_LEN], tq[LDFI_PROCESS_QUOTE_LEN];
	int rc;

	*out = (struct ldfi_process_action){
	    .type = t, .rec = -1, .dest = dest, .comp = -1, .node = -1};
	ldfi_process_quote(q, sizeof(q), line, n);
	if (strcmp(t, "save") == 0) {
		/* Not provenance: a cache the process wants back after a
		 * restart (ldfi_stage_save), never facts of its own. */
		if (!(out->value = json_object_get(body, "value")) ||
		    json_object_get(body, "derives_from") || json_object_get(body, "handled")) {
			snprintf(why, len,
				 "wrote a bad save %s: '%s' (a value; no derives_from or handled: "
				 "what is saved is not provenance)",
				 where, q);
			return LDFI_EINVAL;
		}
		return 0;
	}
	if (strcmp(t, "send") == 0 || strcmp(t, "output") == 0) {
		const char *name = json_string_value(json_object_get(body, "record"));

		if (!ldfi_process_valid_name(name)) {
			snprintf(
			    why, len,
			    "%s of a bad record name %s: '%s' (1..255 printable ASCII, no space)",
			    t, where, q);
			return LDFI_EINVAL;
		}
		if ((out->rec = a->record(a->arg, name)) < 0)
			return out->rec;
	}
	if ((rc = check_cause(a, body, out, q, why, len)))
		return rc;
	if (strcmp(t, "output") == 0) {
		if (out->held) {
			snprintf(why, len, "\"held\" is only for hop sends %s: '%s'", where, q);
			return LDFI_EINVAL;
		}
		return 0;
	}
	if (strcmp(t, "send") == 0) {
		const char *at = strchr(dest, '@');

		if (!at && c->to >= 0 && strcmp(dest, conf->comps[c->to].name) == 0)
			return 0;
		if (at && !out->held) {
			int k = ldfi_conf_comp_index_n(conf, dest, (size_t)(at - dest));
			int node = ldfi_conf_node_index(conf, at + 1);

			if (k >= 0 && node >= 0 && conf->comps[k].type != LDFI_COMP_SOURCE &&
			    is_replica(conf, k, node)) {
				out->comp = k;
				out->node = node;
				return 0;
			}
		}
		return ldfi_process_bad_dest(a, dest, out->held, why, len);
	}
	if (strcmp(t, "write") == 0) {
		const char *key = json_string_value(json_object_get(body, "key"));
		json_t *value = json_object_get(body, "value");
		json_t *durable = json_object_get(body, "durable");

		if (!ldfi_process_valid_name(key) || strncmp(key, "ldfi.", 5) == 0 || !value ||
		    out->held || (durable && !json_is_boolean(durable))) {
			snprintf(why, len,
				 "wrote a bad state entry %s: '%s' (key: 1..255 printable ASCII, "
				 "no space, not ldfi.*; a value; durable true or false; no "
				 "\"held\")",
				 where, q);
			return LDFI_EINVAL;
		}
		out->key = key;
		out->value = value;
		out->durable = json_is_true(durable);
		return 0;
	}
	ldfi_process_quote(tq, sizeof(tq), t, strlen(t));
	snprintf(why, len, "wrote a line of unexpected type '%.60s' %s: '%s'", tq, where, q);
	return LDFI_EINVAL;
}

int ldfi_process_parse_line(const struct ldfi_process_answer *a, size_t n_acts, const char *line,
			    size_t n, json_t **action, char *why, size_t len)
{
	char q[LDFI_PROCESS_QUOTE_LEN], tq[LDFI_PROCESS_QUOTE_LEN];
	json_t *j, *body;
	const char *t;
	int rc = LDFI_EINVAL;

	*action = NULL;
	if (!(j = ldfi_process_parse_envelope(a->addr, line, n, a->where, why, len)))
		return LDFI_EINVAL;
	body = json_object_get(j, "body");
	t = ldfi_process_type_of(j);
	ldfi_process_quote(q, sizeof(q), line, n);
	if (strcmp(t, "error") == 0) {
		const char *text = json_string_value(json_object_get(body, "text"));

		ldfi_process_quote(tq, sizeof(tq), text ? text : "", text ? strlen(text) : 0);
		snprintf(why, len, "reported an error %s: '%s'", a->where, tq);
	} else if (strcmp(t, a->ok) == 0) {
		json_t *v = json_object_get(body, a->field), *k = json_object_get(body, "actions");

		if (!json_is_integer(v) || json_integer_value(v) != a->value)
			snprintf(why, len, "answered %s for %s %lld instead of %s %lld: '%s'",
				 a->ok, a->field,
				 json_is_integer(v) ? (long long)json_integer_value(v) : -1LL,
				 a->field, (long long)a->value, q);
		else if (a->actions &&
			 (!json_is_integer(k) || (size_t)json_integer_value(k) != n_acts))
			snprintf(why, len, "answered %s with %lld actions, but wrote %zu %s: '%s'",
				 a->ok,
				 json_is_integer(k) ? (long long)json_integer_value(k) : -1LL,
				 n_acts, a->where, q);
		else
			rc = 1;
	} else if (!a->actions || (strcmp(t, "send") && strcmp(t, "output") && strcmp(t, "write") &&
				   strcmp(t, "save"))) {
		ldfi_process_quote(tq, sizeof(tq), t, strlen(t));
		snprintf(why, len, "wrote a line of unexpected type '%.60s' %s: '%s'", tq, a->where,
			 q);
	} else {
		*action = j;
		return 0;
	}
	json_decref(j);
	return rc;
}
