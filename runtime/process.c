/*
 * process.c - `kind = process` stages: one long-lived child process per
 * replica, spoken to in JSON lines on its stdin/stdout (protocols 1 and 2,
 * docs/process-stages.md).
 *
 * The pool (ldfi_process_start, process_pool.c) starts every replica's
 * process once, with the handshake (init / init_ok), before the first
 * execution; the processes then serve every execution of the command: each
 * execution begins, for each process, with a `reset`. A process stage is an
 * ordinary stage kind (ldfi_process_ops, this file) written against the
 * stage API:
 *
 *   init        finds the replica's slot in the pool; no I/O
 *   on_message  queues the delivery; no I/O
 *   on_round    writes the round (reset if first, the queued `record`s,
 *               the `round` tick), reads the answer up to `round_ok`, then
 *               applies its actions with ldfi_stage_send / _send_to /
 *               _output / _put / _put_durable, each under the cause it
 *               declares (`derives_from`) or, when it declares none,
 *               everything this replica was given so far (conservative
 *               provenance).
 *   finish      with restarts in the conf, saves (ldfi_stage_save) the
 *               values of the entries a restart keeps and the process's
 *               own saved value: finish runs when a restart takes the
 *               node down, before the recovery's init
 *   on_recover  (protocol 2) the `recover` request: the process makes a
 *               fresh instance of its stage, given back only its durable
 *               entries (and saved value); what it answers is applied
 *               under the recovery's conditional cause.
 *
 * With restarts in the conf, what a process remembers of a message in its
 * own variables is memory a restart loses: each delivery is also a volatile
 * state entry `ldfi.m.ID` (ldfi_stage_put_volatile), and a cause names a
 * message of an earlier round by reading that entry, so that the runtime
 * puts a memory token in between exactly as for a plugin's volatile state.
 *
 * Anything a process does wrong (exit, signal, hang past run_timeout, a
 * malformed or unexpected line, an action ldfi refuses) fails the run
 * through ldfi_stage_fail with a reason naming the stage, node and round
 * and quoting the offending line; that process is killed with its process
 * group and reaped, and started again before the next execution.
 *
 * Under the live engine each node process runs this same stage kind on its
 * copy of the pool (process_live.c).
 *
 * The other files of process stages: process_pool.c (the pool: starting
 * and stopping every process, the handshake), process_slot.c (one process:
 * spawning it, line I/O, its end, killing it), process_proto.c (the
 * protocol's lines, parsed and checked: runtime/process.h), process_live.c
 * (the live engine's side) and process_check.c (process checks and the
 * determinism self-check); process_pool.h is what they share.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ldfi/conf.h"
#include "ldfi/ldfi.h"
#include "ldfi/stage.h"
#include "model/util.h"
#include "runtime/process.h"
#include "runtime/process_pool.h"
#include "runtime/runtime.h"
#include "runtime/stage.h"

/* A delivery queued for this round's request. */
struct queued {
	uint32_t id;
	int src_comp, src_node;
	int rec;
};

/* A state entry's value as the process wrote it (canonical JSON), and the
 * version number put in the runtime's state: it changes exactly when the
 * text does, so the runtime's "a changed value is conditional" rule holds.
 * `durable`: its last write said "durable": true (ldfi_stage_put_durable). */
struct text {
	char *key, *value;
	int64_t version;
	bool durable;
};

/* Per replica, for one execution. */
struct proc {
	struct slot *slot;
	uint32_t *inbox; /* every data message delivered since the start */
	size_t n_inbox, cap_inbox;
	struct queued *q; /* this round's, in canonical order */
	size_t n_q, cap_q;
	struct text *texts;
	size_t n_texts, cap_texts;
	char *saved;	/* the process's last `save` (canonical JSON), or NULL */
	bool recovered; /* entry "ldfi.recovered": what a recovery handed back */
};

static struct slot *find_slot(int comp, int node)
{
	for (int i = 0; ldfi_process_pool && i < ldfi_process_pool->n_slots; i++)
		if (ldfi_process_pool->slots[i].check < 0 &&
		    ldfi_process_pool->slots[i].comp == comp &&
		    ldfi_process_pool->slots[i].node == node)
			return &ldfi_process_pool->slots[i];
	return NULL;
}

static int proc_init(struct ldfi_stage *st)
{
	struct proc *p;
	int rc;

	if (!ldfi_process_pool || ldfi_process_pool->conf != ldfi_stage_conf(st)) {
		char err[1024];

		if ((rc = ldfi_process_start(ldfi_stage_conf(st), NULL, err, sizeof(err))))
			return rc == LDFI_ENOMEM ? rc : LDFI_ESTAGE;
	}
	if (!(p = calloc(1, sizeof(*p))))
		return LDFI_ENOMEM;
	p->slot = find_slot(ldfi_stage_comp(st), ldfi_stage_node(st));
	ldfi_stage_set_data(st, p);
	if (!p->slot)
		return LDFI_ESTAGE;
	return ldfi_stage_track_receipts(st);
}

/* Whether the conf allows restarts: then messages are remembered through
 * volatile entries and finish saves what a recovery hands back. */
static bool restarts(const struct ldfi_stage *st)
{
	return ldfi_stage_conf(st)->restarts > 0;
}

/* Whether a restart keeps entry `t` of replica `st`: the runtime's rule
 * (runtime.c, ldfi_stage_put and set_durability): its last write was
 * durable, or the stage is `durable = yes` (every write is). */
static bool text_kept(const struct ldfi_stage *st, const struct text *t)
{
	return t->durable || ldfi_stage_conf(st)->comps[ldfi_stage_comp(st)].durable;
}

/* What a recovery hands back, saved with the runtime (ldfi_stage_save,
 * which a restart keeps) after every request whose answer may have changed
 * it (a node that goes down gets no finish to save in: ldfi/stage.h): {"entries": [[KEY, VERSION,
 * VALUE, DURABLE],
 * ...], "saved": VALUE}, values as canonical JSON text. Out of memory, a
 * lone "!" is saved instead, and the recovery fails with LDFI_ENOMEM. */
static void save_durable(struct ldfi_stage *st, const struct proc *p)
{
	json_t *all = json_object(), *es = json_array();
	char *text = NULL;
	int bad = !all || !es || json_object_set(all, "entries", es);

	for (size_t i = 0; i < p->n_texts && !bad; i++) {
		const struct text *t = &p->texts[i];

		if (text_kept(st, t))
			bad = json_array_append_new(es, json_pack("[s, I, s, b]", t->key,
								  (json_int_t)t->version, t->value,
								  t->durable));
	}
	if (!bad && p->saved)
		bad = json_object_set_new(all, "saved", json_string(p->saved));
	if (!bad)
		bad = !(text = json_dumps(all, JSON_COMPACT));
	if (bad || ldfi_stage_save(st, text, strlen(text)))
		ldfi_stage_save(st, "!", 1);
	free(text);
	json_decref(es);
	json_decref(all);
}

static void proc_finish(struct ldfi_stage *st)
{
	struct proc *p = ldfi_stage_data(st);

	if (!p)
		return;
	for (size_t i = 0; i < p->n_texts; i++) {
		free(p->texts[i].key);
		free(p->texts[i].value);
	}
	free(p->texts);
	free(p->saved);
	free(p->inbox);
	free(p->q);
	free(p);
	ldfi_stage_set_data(st, NULL);
}

/* The entry that remembers message `id` ("ldfi.m.ID", with restarts). */
static void msg_key(char *key, size_t len, uint32_t id)
{
	snprintf(key, len, "ldfi.m.%u", id);
}

static int proc_on_message(struct ldfi_stage *st, const struct ldfi_msg *m)
{
	struct proc *p = ldfi_stage_data(st);
	char key[32];
	int rc;

	if (ldfi_grow(&p->q, &p->cap_q, p->n_q + 1, sizeof(*p->q), 8) ||
	    ldfi_grow(&p->inbox, &p->cap_inbox, p->n_inbox + 1, sizeof(*p->inbox), 16))
		return LDFI_ENOMEM;
	p->q[p->n_q++] = (struct queued){m->id, m->src_comp, m->src_node, m->rec};
	p->inbox[p->n_inbox++] = m->id;
	if (!restarts(st))
		return 0;
	/* What the process will remember of it, derived from it (the cause
	 * of on_message), lost at a restart. */
	msg_key(key, sizeof(key), m->id);
	if ((rc = ldfi_stage_put_volatile(st, key, 1)))
		return rc == LDFI_EINVAL ? LDFI_ESTAGE : rc;
	return 0;
}

/* Fail the run: the slot is killed (it may be mid-answer) and started
 * again before its next request. */
static int proc_fail(struct ldfi_stage *st, const char *why)
{
	struct proc *p = ldfi_stage_data(st);

	ldfi_slot_kill(p->slot);
	return ldfi_stage_fail(st, "%s", why);
}

/* The version to put for `key` now holding `value` (taken), written
 * durably or not. */
static int text_version(struct proc *p, const char *key, char *value, bool durable,
			int64_t *version)
{
	for (size_t i = 0; i < p->n_texts; i++) {
		struct text *t = &p->texts[i];

		if (strcmp(t->key, key) == 0) {
			if (strcmp(t->value, value) != 0)
				t->version++;
			free(t->value);
			t->value = value;
			t->durable = durable;
			*version = t->version;
			return 0;
		}
	}
	if (ldfi_grow(&p->texts, &p->cap_texts, p->n_texts + 1, sizeof(*p->texts), 8)) {
		free(value);
		return LDFI_ENOMEM;
	}
	p->texts[p->n_texts] = (struct text){strdup(key), value, 1, durable};
	if (!p->texts[p->n_texts].key) {
		free(value);
		return LDFI_ENOMEM;
	}
	*version = p->texts[p->n_texts++].version;
	return 0;
}

/* The callbacks of an answer in a run: the stage API (`arg` is the stage). */
static int stage_record(void *arg, const char *name)
{
	return ldfi_stage_record(arg, name);
}

static int stage_holds(void *arg, const char *key)
{
	return ldfi_stage_get(arg, key, NULL);
}

/* Add message `id`, delivered to this replica since it (re)started, to
 * the cause. With restarts, through its entry "ldfi.m.ID": the runtime
 * puts a memory token in between when it was delivered in an earlier
 * round and a restart could have made the process forget it. */
static int msg_cause(struct ldfi_stage *st, uint32_t id)
{
	char key[32];
	int rc;

	if (!restarts(st))
		rc = ldfi_stage_cause_message(st, id);
	else {
		msg_key(key, sizeof(key), id);
		rc = ldfi_stage_get(st, key, NULL);
		rc = rc == 1 ? 0 : rc == 0 ? LDFI_EINVAL : rc;
	}
	return rc == LDFI_EINVAL ? LDFI_ESTAGE : rc;
}

/* Build the cause of a checked action: what it declares, or every
 * delivery it was given (inbox[0..upto)) and, after a recovery, every
 * entry the recovery handed back, conditionally. */
static int action_cause(struct ldfi_stage *st, const struct ldfi_process_action *act)
{
	struct proc *p = ldfi_stage_data(st);
	size_t i;
	json_t *item, *k;
	int rc;

	ldfi_stage_forget_reads(st);
	if (act->held)
		return 0;
	if (!act->derives_from) {
		for (i = 0; i < act->upto; i++)
			if ((rc = msg_cause(st, p->inbox[i])))
				return rc;
		if (p->recovered && (rc = ldfi_stage_get(st, "ldfi.recovered", NULL)) != 1)
			return rc < 0 ? rc : LDFI_ESTAGE;
		ldfi_stage_cause_conditional(st);
		return 0;
	}
	json_array_foreach(act->derives_from, i, item)
	{
		if (json_is_integer(item)) {
			if ((rc = msg_cause(st, (uint32_t)json_integer_value(item))))
				return rc;
		} else if (json_is_string(k = json_object_get(item, "state"))) {
			if ((rc = ldfi_stage_get(st, json_string_value(k), NULL)) < 0)
				return rc;
		} else {
			ldfi_stage_cause_conditional(st);
		}
	}
	return 0;
}

/* Apply one action line of the answer. */
static int apply(struct ldfi_stage *st, json_t *j, const char *line, size_t n, size_t base,
		 size_t upto, const char *where, char *why, size_t len)
{
	struct proc *p = ldfi_stage_data(st);
	struct ldfi_process_answer a = {.conf = ldfi_stage_conf(st),
					.comp = ldfi_stage_comp(st),
					.addr = p->slot->addr,
					.where = where,
					.inbox = p->inbox,
					.base = base,
					.upto = upto,
					.record = stage_record,
					.holds = stage_holds,
					.arg = st};
	struct ldfi_process_action act;
	char *text;
	int64_t version;
	int rc;

	if ((rc = ldfi_process_parse_action(&a, j, line, n, &act, why, len)))
		return rc;
	if (strcmp(act.type, "save") == 0) {
		if (!(text =
			  json_dumps(act.value, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY)))
			return LDFI_ENOMEM;
		free(p->saved);
		p->saved = text;
		return 0;
	}
	if ((rc = action_cause(st, &act)))
		return rc;
	if (strcmp(act.type, "output") == 0)
		return ldfi_stage_output(st, act.rec);
	if (strcmp(act.type, "send") == 0) {
		if (act.comp < 0)
			return act.held ? ldfi_stage_send_held(st, LDFI_HOP_DOWNSTREAM, act.rec)
					: ldfi_stage_send(st, LDFI_HOP_DOWNSTREAM, act.rec);
		if (ldfi_stage_send_to(st, act.comp, act.node, act.rec) == 0)
			return 0;
		return ldfi_process_bad_dest(&a, act.dest, false, why, len);
	}
	if (!(text = json_dumps(act.value, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY)))
		return LDFI_ENOMEM;
	if ((rc = text_version(p, act.key, text, act.durable, &version)))
		return rc;
	return act.durable ? ldfi_stage_put_durable(st, act.key, version)
			   : ldfi_stage_put(st, act.key, version);
}

/* Read the answer to one request up to its closing line `ok` (echoing
 * `field` = `value`), applying actions when `apply_them`. */
static int read_answer(struct ldfi_stage *st, const char *ok, const char *field, json_int_t value,
		       int64_t deadline, bool apply_them, size_t base, size_t upto,
		       const char *where, char *why, size_t len)
{
	struct proc *p = ldfi_stage_data(st);
	struct ldfi_process_answer a = {.conf = ldfi_stage_conf(st),
					.comp = ldfi_stage_comp(st),
					.addr = p->slot->addr,
					.where = where,
					.ok = ok,
					.field = field,
					.value = value,
					.actions = apply_them};
	json_t **acts = NULL;
	char **lines = NULL;
	size_t n_acts = 0, cap = 0, cap2 = 0;
	int rc = 0;

	for (;;) {
		char *line;
		size_t n;
		enum io e = ldfi_slot_read_line(p->slot, deadline, &line, &n);
		json_t *j;

		if (e) {
			ldfi_slot_io_reason(p->slot, e, where, why, len);
			rc = LDFI_EINVAL;
			break;
		}
		if ((rc = ldfi_process_parse_line(&a, n_acts, line, n, &j, why, len))) {
			rc = rc == 1 ? 0 : rc; /* 1: the closing line */
			break;
		}
		if (n_acts >= LDFI_MAX_MESSAGES ||
		    ldfi_grow(&acts, &cap, n_acts + 1, sizeof(*acts), 8) ||
		    ldfi_grow(&lines, &cap2, n_acts + 1, sizeof(*lines), 8) ||
		    !(lines[n_acts] = strdup(line))) {
			json_decref(j);
			rc = n_acts >= LDFI_MAX_MESSAGES ? LDFI_ELIMIT : LDFI_ENOMEM;
			break;
		}
		acts[n_acts++] = j;
	}
	for (size_t i = 0; i < n_acts; i++) {
		if (!rc)
			rc = apply(st, acts[i], lines[i], strlen(lines[i]), base, upto, where, why,
				   len);
		json_decref(acts[i]);
		free(lines[i]);
	}
	free(acts);
	free(lines);
	return rc;
}

/* Before a request of this execution to the replica's process: the
 * execution's deadline (at its first request to any process), the process
 * started again if a failure killed it, and into *b the `reset` it needs
 * before its first request of the execution (*reset then true); none for
 * a process the live engine started for a restart in this execution.
 * Returns 0, or what fails the run. */
static int request_begin(struct ldfi_stage *st, char **b, size_t *n, size_t *cap, bool *reset)
{
	struct proc *p = ldfi_stage_data(st);
	struct slot *s = p->slot;
	char why[2048];
	int rc;

	*reset = false;
	if (!s->pid) {
		/* Started again after a failure: the start does not count
		 * against the execution's run_timeout. A node process cannot
		 * (ldfi starts them between executions). */
		int64_t t0 = ldfi_now_ms();

		if (ldfi_process_pool->in_node)
			return ldfi_stage_fail(st, "could not be started again: not running");
		if ((rc = ldfi_slot_start(ldfi_process_pool, s, why, sizeof(why))))
			return rc == LDFI_EINVAL
				   ? ldfi_stage_fail(st, "could not be started again: %s", why)
				   : rc;
		ldfi_process_pool->sh->deadline_ms += ldfi_now_ms() - t0;
	}
	if (s->serial == ldfi_rt_serial(st->rt))
		return 0;
	ldfi_slot_mark_log(s);
	if (s->fresh) { /* started for this restart: as good as reset */
		s->fresh = false;
		s->serial = ldfi_rt_serial(st->rt);
		return 0;
	}
	*reset = true;
	return ldfi_process_emit(b, n, cap, s->addr,
				 json_pack("{s:s, s:I}", "type", "reset", "execution",
					   (json_int_t)ldfi_process_pool->execution));
}

/* Write the request `b` (n bytes), read reset_ok first when it begins with
 * a reset, then the answer up to `ok` (echoing `field` = `value`), applying
 * its actions. Takes `b`. Returns 0, or what fails the run. */
static int request(struct ldfi_stage *st, char *b, size_t n, bool reset, const char *ok,
		   const char *field, json_int_t value, size_t base, size_t upto, const char *where)
{
	struct proc *p = ldfi_stage_data(st);
	struct slot *s = p->slot;
	/* Shared with the other node processes in the live engine. */
	int64_t deadline = __atomic_load_n(&ldfi_process_pool->sh->deadline_ms, __ATOMIC_SEQ_CST);
	unsigned char *state = &ldfi_process_pool->sh->state[s - ldfi_process_pool->slots];
	char why[2048];
	enum io e;
	int rc;

	*state = SLOT_BUSY;
	e = ldfi_slot_write(s, b, n, deadline);
	free(b);
	if (e) {
		ldfi_slot_io_reason(s, e, where, why, sizeof(why));
		return proc_fail(st, why);
	}
	if (reset) {
		rc = read_answer(st, "reset_ok", "execution",
				 (json_int_t)ldfi_process_pool->execution, deadline, false, base,
				 upto, "in reset", why, sizeof(why));
		if (rc == LDFI_EINVAL)
			return proc_fail(st, why);
		if (rc)
			return rc;
		s->serial = ldfi_rt_serial(st->rt);
	}
	rc = read_answer(st, ok, field, value, deadline, true, base, upto, where, why, sizeof(why));
	ldfi_stage_forget_reads(st);
	if (rc == LDFI_EINVAL)
		return proc_fail(st, why);
	if (!rc)
		*state = SLOT_IDLE;
	return rc;
}

/* The first request of an execution to any process starts its clock; in
 * the live engine, the first of any node process (ldfi counts the
 * executions: ldfi_process_live_begin). */
static void note_execution(const struct ldfi_stage *st)
{
	uint64_t serial = ldfi_rt_serial(st->rt);
	int64_t zero = 0, d = ldfi_now_ms() + (int64_t)ldfi_stage_conf(st)->run_timeout * 1000;

	if (ldfi_process_pool->serial == serial)
		return;
	ldfi_process_pool->serial = serial;
	if (ldfi_process_pool->in_node) {
		__atomic_compare_exchange_n(&ldfi_process_pool->sh->deadline_ms, &zero, d, false,
					    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
		return;
	}
	ldfi_process_pool->execution++;
	ldfi_process_pool->sh->deadline_ms = d;
}

static int proc_on_round(struct ldfi_stage *st, int round)
{
	const struct ldfi_conf *conf = ldfi_stage_conf(st);
	struct proc *p = ldfi_stage_data(st);
	struct slot *s = p->slot;
	char where[64], *b = NULL;
	size_t n = 0, cap = 0, base = p->n_inbox - p->n_q, upto = p->n_inbox;
	bool reset;
	int rc = 0;

	note_execution(st);
	snprintf(where, sizeof(where), "in round %d", round);
	if (!s->every_round && p->n_q == 0)
		return 0;
	if ((rc = request_begin(st, &b, &n, &cap, &reset))) {
		free(b);
		p->n_q = 0;
		return rc;
	}
	for (size_t i = 0; i < p->n_q && !rc; i++) {
		const struct queued *m = &p->q[i];
		json_t *env = json_pack(
		    "{s:s++, s:s, s:{s:s, s:I, s:s}}", "src", conf->comps[m->src_comp].name, "@",
		    conf->nodes[m->src_node].name, "dest", s->addr, "body", "type", "record",
		    "msg_id", (json_int_t)m->id, "record", ldfi_stage_record_name(st, m->rec));
		char *text = env ? json_dumps(env, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
		size_t k = text ? strlen(text) : 0;

		json_decref(env);
		if (!text || ldfi_grow(&b, &cap, n + k + 2, 1, 1024))
			rc = LDFI_ENOMEM;
		else {
			memcpy(b + n, text, k);
			b[n + k] = '\n';
			n += k + 1;
		}
		free(text);
	}
	if (!rc)
		rc = ldfi_process_emit(&b, &n, &cap, s->addr,
				       json_pack("{s:s, s:i, s:I}", "type", "round", "round", round,
						 "deliveries", (json_int_t)p->n_q));
	p->n_q = 0;
	if (rc) {
		free(b);
		return rc;
	}
	rc = request(st, b, n, reset, "round_ok", "round", round, base, upto, where);
	if (!rc && restarts(st))
		save_durable(st, p);
	return rc;
}

/* Restore what was last saved (save_durable) into the new replica's
 * texts and saved value; into the recover request, the entries written
 * durable (`durable`) and the others (`state`: a `durable = yes` stage),
 * and what the process saved (`saved`, when it saved anything). Each entry
 * must be the runtime's, with its version: the runtime restored it. */
static int restore_durable(struct ldfi_stage *st, json_t *body)
{
	struct proc *p = ldfi_stage_data(st);
	json_t *durable = json_object(), *state = json_object(), *all = NULL, *item;
	size_t len, i;
	const char *blob = ldfi_stage_saved(st, &len);
	int rc = 0;

	if (!durable || !state)
		goto err_nomem;
	json_object_set(body, "durable", durable);
	json_object_set(body, "state", state);
	if (len == 1 && blob[0] == '!')
		goto err_nomem; /* save_durable ran out of memory */
	if (!len)
		goto out;
	if (!(all = json_loadb(blob, len, 0, NULL))) {
		rc = LDFI_ESTAGE;
		goto out;
	}
	json_array_foreach(json_object_get(all, "entries"), i, item)
	{
		const char *key = json_string_value(json_array_get(item, 0));
		json_int_t version = json_integer_value(json_array_get(item, 1));
		const char *text = json_string_value(json_array_get(item, 2));
		bool dur = json_is_true(json_array_get(item, 3));
		json_t *value = text ? json_loads(text, JSON_DECODE_ANY, NULL) : NULL;
		char *copy = text ? strdup(text) : NULL;
		int64_t v = 0, got = 0;

		if (!key || !value || !copy) {
			json_decref(value);
			free(copy);
			rc = !key || !text ? LDFI_ESTAGE : LDFI_ENOMEM;
			goto out;
		}
		if (json_object_set_new(dur ? durable : state, key, value) ||
		    (rc = text_version(p, key, copy, dur, &v))) {
			rc = rc ? rc : LDFI_ENOMEM;
			goto out;
		}
		/* The runtime kept the entry, with this version: read it (the
		 * cause of "ldfi.recovered" below). */
		if ((rc = ldfi_stage_get(st, key, &got)) != 1 || got != version || v != 1) {
			rc = rc < 0 ? rc : LDFI_ESTAGE;
			goto out;
		}
		p->texts[p->n_texts - 1].version = version;
		rc = 0;
	}
	if (json_is_string(json_object_get(all, "saved"))) {
		const char *text = json_string_value(json_object_get(all, "saved"));
		json_t *value = json_loads(text, JSON_DECODE_ANY, NULL);

		if (!value || !(p->saved = strdup(text)) ||
		    json_object_set_new(body, "saved", value)) {
			rc = value ? LDFI_ENOMEM : LDFI_ESTAGE;
			goto out;
		}
	}
	/* What the process knows from now on derives from what it was handed
	 * back: one volatile entry over all of it, which conservative causes
	 * read (action_cause). */
	if (p->n_texts) {
		if ((rc = ldfi_stage_put_volatile(st, "ldfi.recovered", 1)))
			goto out;
		p->recovered = true;
	}
out:
	ldfi_stage_forget_reads(st);
	json_decref(all);
	json_decref(durable);
	json_decref(state);
	return rc;

err_nomem:
	rc = LDFI_ENOMEM;
	goto out;
}

/* Protocol 2: the node is up again in `round` after a restart that took it
 * down in `down_from`. init ran again (a fresh struct proc) and the runtime
 * restored the durable entries; the process makes a fresh instance of its
 * stage from what it is handed back, and what it answers is conditional
 * (the runtime's cause in on_recover). Sent even to a process asked only
 * in rounds with deliveries: it must forget its volatile state now. */
static int proc_on_recover(struct ldfi_stage *st, int round, int down_from)
{
	struct proc *p = ldfi_stage_data(st);
	json_t *body =
	    json_pack("{s:s, s:i, s:i}", "type", "recover", "round", round, "down_from", down_from);
	char where[64], *b = NULL;
	size_t n = 0, cap = 0;
	bool reset;
	int rc;

	if (!body)
		return LDFI_ENOMEM;
	note_execution(st);
	snprintf(where, sizeof(where), "in recover in round %d", round);
	if ((rc = restore_durable(st, body))) {
		json_decref(body);
		return rc;
	}
	if ((rc = request_begin(st, &b, &n, &cap, &reset)))
		json_decref(body);
	else
		rc = ldfi_process_emit(&b, &n, &cap, p->slot->addr, body); /* takes body */
	if (rc) {
		free(b);
		return rc;
	}
	rc = request(st, b, n, reset, "recover_ok", "round", round, 0, 0, where);
	if (!rc)
		save_durable(st, p);
	return rc;
}

const struct ldfi_stage_ops ldfi_process_ops = {
    .api_version = LDFI_STAGE_API_VERSION,
    .kind = "process",
    .init = proc_init,
    .finish = proc_finish,
    .on_message = proc_on_message,
    .on_round = proc_on_round,
    .on_recover = proc_on_recover,
};
