/*
 * fuzz_answer.c - fuzz target of the parser of a process stage's answer
 * lines (docs/process-stages.md, section 8): ldfi_process_parse_line() and
 * ldfi_process_parse_action() (runtime/process_proto.c, declared in
 * runtime/process.h), the checks ldfi makes of every line a process writes
 * before it applies it. No process is started.
 *
 * A fixed conf: source src on s to the process stage p (nodes a, b; to the
 * sink out on c, d) and a relay stage with a 300-byte name (long-xxx..., on
 * c). The input is the answer of replica p@a, split into lines at '\n', read
 * twice: as the answer to round 2 (actions, then round_ok {round: 2,
 * actions: N}), and to a reset (reset_ok {execution: 7}, no action). The
 * replica was delivered messages 3, 5, 8 before this round and 13, 21 in it,
 * and holds the state entries count:eu and seen (and those its writes add).
 *
 * Lines are read as ldfi reads them, up to the closing line or the first
 * refused one; a line refused gives LDFI_EINVAL and a one-line reason of
 * a known kind, the same again cut as snprintf cuts in a smaller buffer.
 * Every action line then goes through ldfi_process_parse_action(), in
 * order, up to the first refused: one accepted has exactly what applying it
 * needs (its record, the parsed record name; a cause naming only messages
 * delivered and entries held; a send's destination the hop, or exactly the
 * address of a replica of a stage or sink; a write's `durable` as its
 * line says; a save only its value, with no cause), and a send refused for
 * its destination names neither. A record or state key named "nomem" makes the
 * callbacks fail with LDFI_ENOMEM, which must be passed back.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fuzz.h"
#include "ldfi/conf.h"
#include "ldfi/ldfi.h"
#include "runtime/process.h"

#define LONG_LEN 300
#define MAX_LINES 64

static const char conf_text[] = "[explore]\n"
				"eot = 4\n"
				"[source src]\n"
				"node = s\n"
				"records = 2\n"
				"to = p\n"
				"[stage p]\n"
				"kind = process\n"
				"command = ./stage.py --flag\n"
				"nodes = a, b\n"
				"to = out\n"
				"delivery = ack\n"
				"[stage %s]\n"
				"nodes = c\n"
				"to = out\n"
				"[sink out]\n"
				"nodes = c, d\n"
				"[check agree]\n"
				"kind = agreement\n"
				"sink = out\n";

static const uint32_t inbox[] = {3, 5, 8, 13, 21};

static struct ldfi_conf *conf;
static int comp_p;

static void load_conf(void)
{
	char err[256], name[LONG_LEN + 1], text[sizeof(conf_text) + LONG_LEN];
	int n;

	if (conf)
		return;
	memset(name, 'x', LONG_LEN);
	memcpy(name, "long-", 5);
	name[LONG_LEN] = '\0';
	n = snprintf(text, sizeof(text), conf_text, name);
	FUZZ_CHECK(n > 0 && (size_t)n < sizeof(text));
	FUZZ_CHECK(ldfi_conf_parse("fuzz-answer.conf", text, (size_t)n, &conf, err, sizeof(err)) ==
		   0);
	comp_p = ldfi_conf_comp_index(conf, "p");
	FUZZ_CHECK(comp_p >= 0 && conf->comps[comp_p].kind == LDFI_KIND_PROCESS);
	FUZZ_CHECK(ldfi_conf_comp_index(conf, name) >= 0);
}

/* What the callbacks know: the records named so far, the entries held. */
struct names {
	char **v;
	int n, cap;
};

struct replica {
	struct names recs, keys;
};

static int names_find(const struct names *s, const char *name)
{
	for (int i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], name))
			return i;
	return -1;
}

static int names_add(struct names *s, const char *name)
{
	int i = names_find(s, name);

	if (i >= 0)
		return i;
	if (s->n == s->cap) {
		char **v = realloc(s->v, (size_t)(s->cap = s->cap ? 2 * s->cap : 8) * sizeof(*v));

		FUZZ_CHECK(v);
		s->v = v;
	}
	FUZZ_CHECK(s->v[s->n] = strdup(name));
	return s->n++;
}

static void names_free(struct names *s)
{
	for (int i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
}

/* A record name or state key as the protocol has them. */
static bool valid_name(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n < 1 || n > 255)
		return false;
	for (; *s; s++)
		if (*s <= ' ' || *s > '~')
			return false;
	return true;
}

static int cb_record(void *arg, const char *name)
{
	struct replica *r = arg;

	FUZZ_CHECK(valid_name(name));
	if (!strcmp(name, "nomem"))
		return LDFI_ENOMEM;
	return names_add(&r->recs, name);
}

static int cb_holds(void *arg, const char *key)
{
	struct replica *r = arg;

	FUZZ_CHECK(valid_name(key));
	if (!strcmp(key, "nomem"))
		return LDFI_ENOMEM;
	return names_find(&r->keys, key) >= 0;
}

static bool starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* A reason: one line, and the same cut as snprintf cuts in `small`. */
static void check_reason(const char *why, const char *small, size_t small_len)
{
	size_t n = strlen(why);

	FUZZ_CHECK(n > 0 && fuzz_one_line(why));
	FUZZ_CHECK(strlen(small) == (n < small_len ? n : small_len - 1));
	FUZZ_CHECK(!strncmp(why, small, small_len - 1));
}

/* Is `dest` exactly "STAGE@NODE" of a replica of a stage or sink? */
static bool replica_address(const char *dest, int *comp, int *node)
{
	char addr[LONG_LEN + 200];

	for (int c = 0; c < conf->n_comps; c++) {
		if (conf->comps[c].type == LDFI_COMP_SOURCE)
			continue;
		for (int i = 0; i < conf->comps[c].n_nodes; i++) {
			snprintf(addr, sizeof(addr), "%s@%s", conf->comps[c].name,
				 conf->nodes[conf->comps[c].nodes[i]].name);
			if (!strcmp(addr, dest)) {
				*comp = c;
				*node = conf->comps[c].nodes[i];
				return true;
			}
		}
	}
	return false;
}

static bool delivered(uint32_t id, size_t upto)
{
	for (size_t i = 0; i < upto; i++)
		if (inbox[i] == id)
			return true;
	return false;
}

/* What an accepted action says, against its line. */
static void check_action(const struct ldfi_process_answer *a, struct replica *r, json_t *j,
			 const struct ldfi_process_action *act)
{
	json_t *body = json_object_get(j, "body");
	const char *t = json_string_value(json_object_get(body, "type"));
	const char *dest = json_string_value(json_object_get(j, "dest"));
	const char *hop = conf->comps[conf->comps[comp_p].to].name;
	int comp, node;

	FUZZ_CHECK(t && act->type && !strcmp(act->type, t));
	FUZZ_CHECK(dest && act->dest == dest);
	if (!strcmp(t, "save")) {
		FUZZ_CHECK(act->value && act->value == json_object_get(body, "value"));
		FUZZ_CHECK(act->rec == -1 && !act->key && !act->held && !act->derives_from);
		FUZZ_CHECK(act->comp == -1 && act->node == -1);
		FUZZ_CHECK(!json_object_get(body, "derives_from") &&
			   !json_object_get(body, "handled"));
		return;
	}
	if (!strcmp(t, "send") || !strcmp(t, "output")) {
		const char *name = json_string_value(json_object_get(body, "record"));

		FUZZ_CHECK(act->rec >= 0 && act->rec < r->recs.n);
		FUZZ_CHECK(name && !strcmp(r->recs.v[act->rec], name));
		FUZZ_CHECK(!act->key && !act->value);
	} else {
		FUZZ_CHECK(!strcmp(t, "write"));
		FUZZ_CHECK(act->rec == -1);
		FUZZ_CHECK(valid_name(act->key) && strncmp(act->key, "ldfi.", 5) != 0);
		FUZZ_CHECK(act->key == json_string_value(json_object_get(body, "key")));
		FUZZ_CHECK(act->value && act->value == json_object_get(body, "value"));
		FUZZ_CHECK(!act->held);
		FUZZ_CHECK(act->durable == json_is_true(json_object_get(body, "durable")));
	}
	if (!strcmp(t, "send")) {
		if (act->comp < 0) {
			FUZZ_CHECK(act->node == -1 && !strcmp(dest, hop));
		} else {
			FUZZ_CHECK(!act->held);
			FUZZ_CHECK(replica_address(dest, &comp, &node));
			FUZZ_CHECK(act->comp == comp && act->node == node);
		}
	} else {
		FUZZ_CHECK(act->comp == -1 && act->node == -1 && !act->held);
	}
	if (act->held) {
		FUZZ_CHECK(!act->derives_from);
	} else if (act->derives_from) {
		size_t i;
		json_t *item;

		FUZZ_CHECK(act->derives_from == json_object_get(body, "derives_from"));
		FUZZ_CHECK(json_is_array(act->derives_from));
		json_array_foreach(act->derives_from, i, item)
		{
			json_t *k = json_object_get(item, "state");

			if (json_is_integer(item))
				FUZZ_CHECK(json_integer_value(item) > 0 &&
					   json_integer_value(item) <= UINT32_MAX &&
					   delivered((uint32_t)json_integer_value(item), a->upto));
			else if (json_is_string(k))
				FUZZ_CHECK(names_find(&r->keys, json_string_value(k)) >= 0);
			else
				FUZZ_CHECK(json_is_string(json_object_get(item, "absent")));
		}
	} else {
		FUZZ_CHECK(act->upto >= a->base && act->upto <= a->upto);
		FUZZ_CHECK(!json_object_get(body, "derives_from"));
	}
}

/* ldfi_process_parse_action() on each action, in order, up to the first
 * refused; a write adds its entry to what the replica holds. */
static void check_actions(const struct ldfi_process_answer *a, struct replica *r, json_t **acts,
			  char **lines, size_t *lens, size_t n_acts)
{
	for (size_t i = 0; i < n_acts; i++) {
		struct ldfi_process_action act, again;
		char why[2048], small[24];
		int rc, rc2;

		why[0] = small[0] = '\0';
		memset(&act, 0xa5, sizeof(act));
		rc = ldfi_process_parse_action(a, acts[i], lines[i], lens[i], &act, why,
					       sizeof(why));
		rc2 = ldfi_process_parse_action(a, acts[i], lines[i], lens[i], &again, small,
						sizeof(small));
		FUZZ_CHECK(rc == rc2);
		if (rc == LDFI_ENOMEM) {
			FUZZ_CHECK(strstr(lines[i], "nomem")); /* a record or key "nomem" */
			return;
		}
		if (rc) {
			const char *dest = json_string_value(json_object_get(acts[i], "dest"));
			int comp, node;

			FUZZ_CHECK(rc == LDFI_EINVAL);
			check_reason(why, small, sizeof(small));
			if (starts(why, "sent to '"))
				FUZZ_CHECK(act.held || !replica_address(dest, &comp, &node));
			return;
		}
		FUZZ_CHECK(act.type == again.type && act.rec == again.rec &&
			   act.held == again.held);
		FUZZ_CHECK(act.derives_from == again.derives_from && act.upto == again.upto);
		FUZZ_CHECK(act.dest == again.dest && act.comp == again.comp &&
			   act.node == again.node);
		FUZZ_CHECK(act.key == again.key && act.value == again.value &&
			   act.durable == again.durable);
		check_action(a, r, acts[i], &act);
		if (!strcmp(act.type, "write"))
			names_add(&r->keys, act.key);
	}
}

/* Read the input as the answer to one request. */
static void read_answer(const uint8_t *data, size_t size, bool round)
{
	struct replica r = {0};
	struct ldfi_process_answer a = {.conf = conf,
					.comp = comp_p,
					.addr = "p@a",
					.where = round ? "in round 2" : "in reset",
					.ok = round ? "round_ok" : "reset_ok",
					.field = round ? "round" : "execution",
					.value = round ? 2 : 7,
					.actions = round,
					.inbox = inbox,
					.base = 3,
					.upto = 5,
					.record = cb_record,
					.holds = cb_holds,
					.arg = &r};
	json_t *acts[MAX_LINES];
	char *lines[MAX_LINES];
	size_t lens[MAX_LINES], n_acts = 0, pos = 0;

	names_add(&r.keys, "count:eu");
	names_add(&r.keys, "seen");
	for (int k = 0; k < MAX_LINES && pos < size; k++) {
		const uint8_t *nl = memchr(data + pos, '\n', size - pos);
		size_t n = nl ? (size_t)(nl - (data + pos)) : size - pos;
		char why[2048], small[24], *line = malloc(n + 1);
		json_t *j = (json_t *)&r, *j2 = NULL; /* j: not NULL, the parser must set it */
		int rc, rc2;

		/* The line as ldfi hands it over: its own buffer, terminated. */
		FUZZ_CHECK(line);
		memcpy(line, data + pos, n);
		line[n] = '\0';
		pos += n + 1;
		why[0] = small[0] = '\0';
		rc = ldfi_process_parse_line(&a, n_acts, line, n, &j, why, sizeof(why));
		rc2 = ldfi_process_parse_line(&a, n_acts, line, n, &j2, small, sizeof(small));
		FUZZ_CHECK(rc == rc2);
		json_decref(j2);
		if (rc == 0) {
			const char *t =
			    json_string_value(json_object_get(json_object_get(j, "body"), "type"));

			FUZZ_CHECK(j && round && t);
			FUZZ_CHECK(!strcmp(t, "send") || !strcmp(t, "output") ||
				   !strcmp(t, "write") || !strcmp(t, "save"));
			FUZZ_CHECK(!strcmp(json_string_value(json_object_get(j, "src")), "p@a"));
			acts[n_acts] = j;
			lines[n_acts] = line;
			lens[n_acts++] = n;
			continue;
		}
		free(line);
		FUZZ_CHECK(j == NULL);
		if (rc == 1)
			break;
		FUZZ_CHECK(rc == LDFI_EINVAL);
		check_reason(why, small, sizeof(small));
		FUZZ_CHECK(starts(why, "wrote a malformed line ") ||
			   starts(why, "reported an error ") || starts(why, "answered ") ||
			   starts(why, "wrote a line of unexpected type "));
		break;
	}
	check_actions(&a, &r, acts, lines, lens, n_acts);
	for (size_t i = 0; i < n_acts; i++) {
		json_decref(acts[i]);
		free(lines[i]);
	}
	names_free(&r.recs);
	names_free(&r.keys);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	load_conf();
	read_answer(data, size, true);
	read_answer(data, size, false);
	return 0;
}
