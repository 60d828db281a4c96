/*
 * process_pool.c - the pool of a conf's processes (runtime/process_pool.h):
 * one slot per replica of a process stage and per process check, all
 * started by ldfi_process_start before the first execution, with the
 * handshake (init / init_ok: the protocol, 1 or 2, and how the process
 * wants its ticks), and stopped by ldfi_process_stop (EOF on their stdin,
 * then a kill); one slot started again after a failure (ldfi_slot_start).
 * The processes then serve every execution of the command: the stage kind
 * (process.c), process checks (process_check.c) and, under the live
 * engine, the node processes (process_live.c).
 */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ldfi/conf.h"
#include "ldfi/ldfi.h"
#include "model/util.h"
#include "runtime/process.h"
#include "runtime/process_pool.h"
#include "runtime/runtime.h"

#define PROTOCOL 2	  /* the newest: what ldfi offers first */
#define PROTOCOL_OLDEST 1 /* protocol 1 has no recover: no restarts */

struct pool *ldfi_process_pool;

bool ldfi_conf_has_processes(const struct ldfi_conf *conf)
{
	for (int c = 0; c < conf->n_comps; c++)
		if (conf->comps[c].type == LDFI_COMP_STAGE &&
		    conf->comps[c].kind == LDFI_KIND_PROCESS)
			return true;
	for (int i = 0; i < conf->n_checks; i++)
		if (conf->checks[i].kind == LDFI_CHECK_PROCESS)
			return true;
	return false;
}

/* The init request of a slot. */
static json_t *check_init_body(const struct pool *p, const struct slot *s)
{
	const struct ldfi_check *k = &p->conf->checks[s->check];
	char *conf_abs = realpath(p->conf->path, NULL);
	json_t *b = json_pack(
	    "{s:s, s:i, s:[i, i], s:s, s:s, s:o, s:o, s:s, s:s}", "type", "init", "protocol",
	    PROTOCOL, "protocols", PROTOCOL_OLDEST, PROTOCOL, "node_id", s->addr, "check", k->name,
	    "relation", k->sink >= 0 ? json_string(p->conf->comps[k->sink].name) : json_null(),
	    "holds", k->holds >= 0 ? json_integer(k->holds) : json_null(), "dir", p->dir, "conf",
	    conf_abs ? conf_abs : p->conf->path);

	free(conf_abs);
	return b;
}

static json_t *init_body(const struct pool *p, const struct slot *s)
{
	const struct ldfi_conf *conf = p->conf;
	const struct ldfi_comp *c;
	json_t *b, *reps, *all, *hops;
	char *conf_abs;
	int bad = 0; /* a jansson call failed: out of memory */

	if (s->check >= 0)
		return check_init_body(p, s);
	c = &conf->comps[s->comp];
	b = json_object();
	reps = json_array();
	all = json_array();
	hops = json_object();
	conf_abs = realpath(conf->path, NULL);
	if (!b || !reps || !all || !hops)
		goto err;
	for (int i = 0; i < c->n_nodes; i++)
		bad |= json_array_append_new(
		    reps, json_sprintf("%s@%s", c->name, conf->nodes[c->nodes[i]].name));
	for (int k = 0; k < conf->n_comps; k++)
		for (int i = 0; i < conf->comps[k].n_nodes; i++)
			bad |= json_array_append_new(
			    all, json_sprintf("%s@%s", conf->comps[k].name,
					      conf->nodes[conf->comps[k].nodes[i]].name));
	if (c->to >= 0) {
		const struct ldfi_comp *t = &conf->comps[c->to];
		json_t *tr = json_array();

		for (int i = 0; tr && i < t->n_nodes; i++)
			bad |= json_array_append_new(
			    tr, json_sprintf("%s@%s", t->name, conf->nodes[t->nodes[i]].name));
		bad |= json_object_set_new(hops, t->name,
					   json_pack("{s:o, s:s, s:i}", "replicas", tr, "delivery",
						     ldfi_delivery_name(c->delivery), "retry_every",
						     c->retry_every));
	}
	bad |= json_object_set_new(b, "type", json_string("init"));
	bad |= json_object_set_new(b, "protocol", json_integer(PROTOCOL));
	bad |= json_object_set_new(b, "protocols", json_pack("[i, i]", PROTOCOL_OLDEST, PROTOCOL));
	bad |= json_object_set_new(b, "node_id", json_string(s->addr));
	bad |= json_object_set_new(b, "node", json_string(conf->nodes[s->node].name));
	bad |= json_object_set_new(b, "stage", json_string(c->name));
	bad |= json_object_set_new(b, "replicas", reps);
	bad |= json_object_set_new(b, "node_ids", all);
	bad |= json_object_set_new(b, "to",
				   c->to >= 0 ? json_string(conf->comps[c->to].name) : json_null());
	bad |= json_object_set_new(b, "hops", hops);
	bad |= json_object_set_new(b, "eot", json_integer(conf->eot));
	/* Protocol 2: every write is kept across a restart (runtime.c
	 * set_durability), so a helper writes its volatile entries too. */
	bad |= json_object_set_new(b, "durable", json_boolean(c->durable));
	bad |= json_object_set_new(b, "dir", json_string(p->dir));
	bad |= json_object_set_new(b, "conf", json_string(conf_abs ? conf_abs : conf->path));
	free(conf_abs);
	if (bad) {
		json_decref(b); /* it owns reps, all and hops now */
		return NULL;
	}
	return b;

err:
	json_decref(b);
	json_decref(reps);
	json_decref(all);
	json_decref(hops);
	free(conf_abs);
	return NULL;
}

/* Write the init request (the process was just spawned). */
static int slot_send_init(struct pool *p, struct slot *s, int64_t deadline, char *why, size_t len)
{
	char *b = NULL;
	size_t n = 0, cap = 0;
	json_t *body = init_body(p, s);
	enum io e;
	int rc;

	if (!body)
		return LDFI_ENOMEM;
	if ((rc = ldfi_process_emit(&b, &n, &cap, s->addr, body)))
		return rc;
	e = ldfi_slot_write(s, b, n, deadline);
	free(b);
	if (e) {
		ldfi_slot_io_reason(s, e, "in init", why, len);
		return LDFI_EINVAL;
	}
	return 0;
}

/* Read init_ok. Returns 0, or LDFI_EINVAL with the reason in `why`. */
static int slot_read_init(struct slot *s, int64_t deadline, char *why, size_t len)
{
	char *line;
	size_t n;
	enum io e = ldfi_slot_read_line(s, deadline, &line, &n);
	json_t *j, *body;
	const char *t, *ticks;
	json_int_t protocol;

	if (e) {
		ldfi_slot_io_reason(s, e, "in init", why, len);
		return LDFI_EINVAL;
	}
	if (!(j = ldfi_process_parse_envelope(s->addr, line, n, "in init", why, len)))
		return LDFI_EINVAL;
	body = json_object_get(j, "body");
	t = ldfi_process_type_of(j);
	if (strcmp(t, "error") == 0) {
		json_int_t code = json_integer_value(json_object_get(body, "code"));
		const char *text = json_string_value(json_object_get(body, "text"));
		char q[LDFI_PROCESS_QUOTE_LEN];

		ldfi_process_quote(q, sizeof(q), text ? text : "", text ? strlen(text) : 0);
		if (code == 2)
			snprintf(why, len,
				 "its process speaks no protocol this ldfi speaks (%d to %d): '%s'",
				 PROTOCOL_OLDEST, PROTOCOL, q);
		else
			snprintf(why, len, "reported an error in init: '%s'", q);
		json_decref(j);
		return LDFI_EINVAL;
	}
	protocol = json_integer_value(json_object_get(body, "protocol"));
	if (strcmp(t, "init_ok") != 0 || protocol < PROTOCOL_OLDEST || protocol > PROTOCOL) {
		char q[LDFI_PROCESS_QUOTE_LEN];

		ldfi_process_quote(q, sizeof(q), line, n);
		snprintf(why, len,
			 "answered init with '%s' (expected init_ok for protocol %d to %d)", q,
			 PROTOCOL_OLDEST, PROTOCOL);
		json_decref(j);
		return LDFI_EINVAL;
	}
	s->protocol = (int)protocol;
	if (s->check < 0 && protocol < 2 && ldfi_process_pool->conf->restarts > 0) {
		snprintf(why, len,
			 "its process speaks protocol %d, which has no recover request: restart "
			 "faults (restarts = %d) need protocol 2 (docs/process-stages.md, section "
			 "8; the helpers of this ldfi speak it)",
			 s->protocol, ldfi_process_pool->conf->restarts);
		json_decref(j);
		return LDFI_EINVAL;
	}
	ticks = json_string_value(json_object_get(body, "ticks"));
	s->every_round = !ticks || strcmp(ticks, "deliveries") != 0;
	json_decref(j);
	return 0;
}

/* Seconds a start-up handshake may take: run_timeout, but at least a minute
 * (interpreters behind version managers' shims start slowly on a loaded
 * machine). */
static int64_t start_ms(const struct ldfi_conf *conf)
{
	return (int64_t)(conf->run_timeout > 60 ? conf->run_timeout : 60) * 1000;
}

int ldfi_slot_start(struct pool *p, struct slot *s, char *why, size_t len)
{
	int64_t deadline = ldfi_now_ms() + start_ms(p->conf);
	int rc = ldfi_slot_spawn(p, s, why, len);

	if (!rc)
		rc = slot_send_init(p, s, deadline, why, len);
	if (!rc)
		rc = slot_read_init(s, deadline, why, len);
	if (rc)
		ldfi_slot_kill(s);
	return rc;
}

/* ldfi_stage.py beside the binary (a build tree: helpers/), installed
 * (LDFI_HELPER_DIR_INSTALLED), or where $LDFI_HELPER_DIR says. */
static char *find_helper_dir(void)
{
	char exe[PATH_MAX], *cand[3] = {NULL, NULL, NULL}, *found = NULL;
	const char *env = getenv("LDFI_HELPER_DIR");
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (env && *env)
		return strdup(env);
	if (n > 0) {
		char *slash;

		exe[n] = 0;
		if ((slash = strrchr(exe, '/')))
			*slash = 0;
		if (asprintf(&cand[0], "%s/helpers", exe) < 0)
			cand[0] = NULL;
		if (asprintf(&cand[1], "%s/../share/ldfi/helpers", exe) < 0)
			cand[1] = NULL;
	}
#ifdef LDFI_HELPER_DIR_INSTALLED
	cand[2] = strdup(LDFI_HELPER_DIR_INSTALLED);
#endif
	for (int i = 0; i < 3; i++) {
		char *f = NULL;

		if (!found && cand[i] && asprintf(&f, "%s/ldfi_stage.py", cand[i]) >= 0 &&
		    access(f, R_OK) == 0)
			found = realpath(cand[i], NULL);
		free(f);
		free(cand[i]);
	}
	return found;
}

void ldfi_process_stop(void)
{
	int64_t deadline;

	if (!ldfi_process_pool)
		return;
	/* EOF on stdin asks each process to exit; then one second for all. */
	for (int i = 0; i < ldfi_process_pool->n_slots; i++) {
		struct slot *s = &ldfi_process_pool->slots[i];

		if (s->in_fd >= 0) {
			close(s->in_fd);
			s->in_fd = -1;
		}
	}
	deadline = ldfi_now_ms() + 1000;
	for (int i = 0; i < ldfi_process_pool->n_slots; i++) {
		struct slot *s = &ldfi_process_pool->slots[i];

		while (s->pid > 0 && !ldfi_slot_reaped(s) && ldfi_now_ms() < deadline) {
			struct pollfd pf = {s->pidfd, POLLIN, 0};

			if (s->pidfd >= 0)
				poll(&pf, 1, (int)(deadline - ldfi_now_ms()));
			else
				poll(NULL, 0, 10);
		}
		ldfi_slot_kill(s);
		free(s->addr);
		free(s->desc);
		free(s->buf);
		free(s->held);
	}
	if (ldfi_process_pool->sigpipe_ignored)
		signal(SIGPIPE, SIG_DFL);
	if (ldfi_process_pool->sh)
		munmap(ldfi_process_pool->sh, ldfi_process_pool->sh_len);
	free(ldfi_process_pool->slots);
	free(ldfi_process_pool->dir);
	free(ldfi_process_pool->log_dir);
	free(ldfi_process_pool->helper_dir);
	free(ldfi_process_pool);
	ldfi_process_pool = NULL;
}

static void stop_at_exit(void)
{
	ldfi_process_stop();
}

int ldfi_process_start(const struct ldfi_conf *conf, const char *log_dir, char *err, size_t errlen)
{
	static bool registered;
	char why[1024];
	int64_t deadline;
	int n = 0, rc = 0, k = 0, bad = 0;

	ldfi_process_stop();
	if (!ldfi_conf_has_processes(conf))
		return 0;
	if (!(ldfi_process_pool = calloc(1, sizeof(*ldfi_process_pool))))
		return LDFI_ENOMEM;
	if (!registered)
		registered = atexit(stop_at_exit) == 0;
	ldfi_process_pool->conf = conf;
	for (int c = 0; c < conf->n_comps; c++)
		if (conf->comps[c].type == LDFI_COMP_STAGE &&
		    conf->comps[c].kind == LDFI_KIND_PROCESS)
			n += conf->comps[c].n_nodes;
	for (int i = 0; i < conf->n_checks; i++)
		n += conf->checks[i].kind == LDFI_CHECK_PROCESS;
	ldfi_process_pool->slots = calloc((size_t)n, sizeof(*ldfi_process_pool->slots));
	ldfi_process_pool->dir = ldfi_dir_of(conf->path);
	if (log_dir)
		ldfi_process_pool->log_dir = strdup(log_dir);
	ldfi_process_pool->helper_dir = find_helper_dir();
	ldfi_process_pool->sh_len = sizeof(*ldfi_process_pool->sh) + (size_t)n;
	ldfi_process_pool->sh = mmap(NULL, ldfi_process_pool->sh_len, PROT_READ | PROT_WRITE,
				     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (ldfi_process_pool->sh == MAP_FAILED)
		ldfi_process_pool->sh = NULL;
	if (!ldfi_process_pool->slots || !ldfi_process_pool->dir ||
	    (log_dir && !ldfi_process_pool->log_dir) || !ldfi_process_pool->sh) {
		rc = ldfi_process_pool->dir ? LDFI_ENOMEM : LDFI_EINVAL;
		snprintf(err, errlen, "%s: %s", conf->path, strerror(errno));
		goto err_pool;
	}
	if (signal(SIGPIPE, SIG_IGN) == SIG_DFL)
		ldfi_process_pool->sigpipe_ignored = true;
	for (int c = 0; c < conf->n_comps; c++) {
		const struct ldfi_comp *cp = &conf->comps[c];

		if (cp->type != LDFI_COMP_STAGE || cp->kind != LDFI_KIND_PROCESS)
			continue;
		for (int i = 0; i < cp->n_nodes; i++, k++) {
			struct slot *s = &ldfi_process_pool->slots[k];

			*s = (struct slot){.comp = c,
					   .node = cp->nodes[i],
					   .check = -1,
					   .argv = cp->argv,
					   .command = cp->command,
					   .line = cp->line,
					   .pidfd = -1,
					   .in_fd = -1,
					   .out_fd = -1};
			ldfi_process_pool->n_slots++;
			if (asprintf(&s->addr, "%s@%s", cp->name, conf->nodes[cp->nodes[i]].name) <
				0 ||
			    asprintf(&s->desc, "stage '%s' on node %s", cp->name,
				     conf->nodes[cp->nodes[i]].name) < 0) {
				rc = LDFI_ENOMEM;
				goto err_pool;
			}
		}
	}
	for (int i = 0; i < conf->n_checks; i++, k++) {
		const struct ldfi_check *ck = &conf->checks[i];
		struct slot *s = &ldfi_process_pool->slots[k];

		if (ck->kind != LDFI_CHECK_PROCESS) {
			k--;
			continue;
		}
		*s = (struct slot){.comp = -1,
				   .node = -1,
				   .check = i,
				   .argv = ck->argv,
				   .command = ck->command,
				   .line = ck->line,
				   .pidfd = -1,
				   .in_fd = -1,
				   .out_fd = -1};
		ldfi_process_pool->n_slots++;
		if (asprintf(&s->addr, "check:%s", ck->name) < 0 ||
		    asprintf(&s->desc, "check '%s'", ck->name) < 0) {
			rc = LDFI_ENOMEM;
			goto err_pool;
		}
	}
	/* Every process first, then every init, then every answer: the starts
	 * overlap. */
	deadline = ldfi_now_ms() + start_ms(conf);
	for (k = 0; k < ldfi_process_pool->n_slots && !rc; k++)
		if ((rc = ldfi_slot_spawn(ldfi_process_pool, &ldfi_process_pool->slots[k], why,
					  sizeof(why))))
			bad = k;
	for (k = 0; k < ldfi_process_pool->n_slots && !rc; k++)
		if ((rc = slot_send_init(ldfi_process_pool, &ldfi_process_pool->slots[k], deadline,
					 why, sizeof(why))))
			bad = k;
	for (k = 0; k < ldfi_process_pool->n_slots && !rc; k++)
		if ((rc = slot_read_init(&ldfi_process_pool->slots[k], deadline, why, sizeof(why))))
			bad = k;
	if (rc) {
		const struct slot *b = &ldfi_process_pool->slots[bad]; /* the one that failed */

		if (rc == LDFI_ENOMEM)
			snprintf(err, errlen, "%s: starting its processes: %s", conf->path,
				 ldfi_strerror(rc));
		else
			snprintf(err, errlen, "%s:%d: %s: %s", conf->path, b->line, b->desc, why);
		rc = rc == LDFI_ENOMEM ? rc : LDFI_EINVAL;
		goto err_pool;
	}
	return 0;

err_pool:
	ldfi_process_stop();
	return rc;
}
