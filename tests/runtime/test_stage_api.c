/*
 * test_stage_api.c - the public stage API (ldfi/stage.h) on hand-worked
 * plugin pipelines: provenance of state entries (put/get), conditional
 * causes after absent reads, named records, send_to and send errors,
 * outputs, plugin check offenses, errors returned by callbacks, finish
 * after a failed init, and the database round trip of a run with named
 * records and conditional outputs. The plugins are in this file: the conf
 * names them, and the test sets conf->comps[i].plugin directly (no dlopen).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/db/db.h"
#include "ldfi/stage.h"
#include "lineage/lineage.h"
#include "tests/runtime/rt.h"

/*
 * One pipeline for every test: source src on a emits x and y in round 1 to
 * stage p (replicas on a and b, downstream q); q (replicas on b and c) has
 * no `to`. Both stages run the dispatcher below, which calls the current
 * test's hooks.
 */
static const char *pipe_conf = "[explore]\n"
			       "eot = 5\n"
			       "eff = 3\n"
			       "crashes = 1\n"
			       "[source src]\n"
			       "node = a\n"
			       "records = x, y\n"
			       "to = p\n"
			       "[stage p]\n"
			       "kind = plugin\n"
			       "nodes = a, b\n"
			       "to = q\n"
			       "library = none.so\n"
			       "symbol = p_ops\n"
			       "[stage q]\n"
			       "kind = plugin\n"
			       "nodes = b, c\n"
			       "library = none.so\n"
			       "symbol = q_ops\n"
			       "[check outs]\n"
			       "kind = plugin\n"
			       "sink = q\n"
			       "library = none.so\n"
			       "symbol = check_outs\n";

/* The current test's hooks (NULL: nothing). `comp` is "p" or "q". */
static struct {
	int (*init)(struct ldfi_stage *st);
	int (*on_message)(struct ldfi_stage *st, const struct ldfi_msg *m);
	int (*on_round)(struct ldfi_stage *st, int round);
	ldfi_check_fn check;
} hooks;

static int n_init, n_finish;

static int d_init(struct ldfi_stage *st)
{
	n_init++;
	return hooks.init ? hooks.init(st) : 0;
}

static void d_finish(struct ldfi_stage *st)
{
	(void)st;
	n_finish++;
}

static int d_on_message(struct ldfi_stage *st, const struct ldfi_msg *m)
{
	return hooks.on_message ? hooks.on_message(st, m) : 0;
}

static int d_on_round(struct ldfi_stage *st, int round)
{
	return hooks.on_round ? hooks.on_round(st, round) : 0;
}

static const struct ldfi_stage_ops dispatch_ops = {
    .api_version = LDFI_STAGE_API_VERSION,
    .kind = "test-dispatch",
    .init = d_init,
    .finish = d_finish,
    .on_message = d_on_message,
    .on_round = d_on_round,
};

static int check_default(struct ldfi_trace *tr, const struct ldfi_trace *ff, int check,
			 struct ldfi_check_result *res)
{
	(void)tr;
	(void)ff;
	(void)check;
	res->passed = true;
	return 0;
}

static int d_check(struct ldfi_trace *tr, const struct ldfi_trace *ff, int check,
		   struct ldfi_check_result *res)
{
	return (hooks.check ? hooks.check : check_default)(tr, ff, check, res);
}

/* The pipeline with the dispatcher plugged in. */
static struct ldfi_conf *pipe_with(const char *text)
{
	struct ldfi_conf *conf = rt_conf("stage_api.conf", text);

	if (!conf)
		return NULL;
	for (int i = 0; i < conf->n_comps; i++)
		if (conf->comps[i].type == LDFI_COMP_STAGE &&
		    conf->comps[i].kind == LDFI_KIND_PLUGIN)
			conf->comps[i].plugin = &dispatch_ops;
	for (int i = 0; i < conf->n_checks; i++)
		if (conf->checks[i].kind == LDFI_CHECK_PLUGIN)
			conf->checks[i].plugin = (void *)(uintptr_t)d_check;
	return conf;
}

static struct ldfi_conf *pipe_conf_new(void)
{
	return pipe_with(pipe_conf);
}

static void reset(void)
{
	memset(&hooks, 0, sizeof(hooks));
	n_init = n_finish = 0;
}

/* Helpers for the hooks. */
static bool is_comp(struct ldfi_stage *st, const char *name)
{
	return strcmp(ldfi_stage_conf(st)->comps[ldfi_stage_comp(st)].name, name) == 0;
}

static bool is_node(struct ldfi_stage *st, const char *name)
{
	return strcmp(ldfi_stage_conf(st)->nodes[ldfi_stage_node(st)].name, name) == 0;
}

static bool rec_is(struct ldfi_stage *st, int rec, const char *name)
{
	const char *n = ldfi_stage_record_name(st, rec);

	return n && strcmp(n, name) == 0;
}

static int idx(struct ldfi_stage *st, const char *name, char kind)
{
	return kind == 'n' ? ldfi_conf_node_index(ldfi_stage_conf(st), name)
			   : ldfi_conf_comp_index(ldfi_stage_conf(st), name);
}

static int send_to_named(struct ldfi_stage *st, const char *comp, const char *node, const char *rec)
{
	int r = ldfi_stage_record(st, rec);

	return r < 0 ? r : ldfi_stage_send_to(st, idx(st, comp, 'c'), idx(st, node, 'n'), r);
}

static int output_named(struct ldfi_stage *st, const char *rec)
{
	int r = ldfi_stage_record(st, rec);

	return r < 0 ? r : ldfi_stage_output(st, r);
}

/* The data message carrying record `rec` (the `nth` one, 0-based), or NULL. */
static const struct ldfi_msg *msg_of(const struct ldfi_trace *tr, const char *rec, int nth)
{
	for (size_t i = 0; tr && i < tr->n_msgs; i++) {
		const struct ldfi_msg *m = &tr->msgs[i];

		if (m->kind == LDFI_MSG_DATA && strcmp(tr->recs[m->rec].name, rec) == 0 &&
		    nth-- == 0)
			return m;
	}
	return NULL;
}

static const struct ldfi_output *out_of(const struct ldfi_trace *tr, const char *rec)
{
	for (size_t i = 0; tr && i < tr->n_outs; i++)
		if (strcmp(tr->recs[tr->outs[i].rec].name, rec) == 0)
			return &tr->outs[i];
	return NULL;
}

static char pbuf[512];

/* Parents as the records they carry, in parent order: "src:y src:x". */
static const char *parents_str(const struct ldfi_trace *tr, uint32_t off, uint32_t n)
{
	size_t len = 0;

	pbuf[0] = '\0';
	for (uint32_t i = 0; i < n; i++) {
		const struct ldfi_msg *p = &tr->msgs[tr->parents[off + i] - 1];

		len += (size_t)snprintf(pbuf + len, sizeof(pbuf) - len, "%s%s", i ? " " : "",
					tr->recs[p->rec].name);
	}
	return pbuf;
}

static const char *msg_parents(const struct ldfi_trace *tr, const char *rec, int nth)
{
	const struct ldfi_msg *m = msg_of(tr, rec, nth);

	return m ? parents_str(tr, m->parents_off, m->n_parents) : "(no such message)";
}

static const char *out_parents(const struct ldfi_trace *tr, const char *rec)
{
	const struct ldfi_output *o = out_of(tr, rec);

	return o ? parents_str(tr, o->parents_off, o->n_parents) : "(no such output)";
}

/* --- provenance of state entries --- */

/*
 * p@b: on x puts "seen_x"; on y reads it and sends "z" downstream (to q@b
 * and q@c): z derives from y (handled) and x (what seen_x derives from).
 * On x and y it also puts "last" (overwritten: derives from y only), and in
 * round 2's on_round it puts "tick" with an empty cause; round 3 reads
 * "last" and outputs "o" (derives from y only), round 4 reads "tick" and
 * sends "t" to q@c (no parents).
 */
static int prov_msg(struct ldfi_stage *st, const struct ldfi_msg *m)
{
	int rc, r;

	if (!is_comp(st, "p") || !is_node(st, "b"))
		return 0;
	if ((rc = ldfi_stage_put(st, "last", 1)))
		return rc;
	if (rec_is(st, m->rec, "src:x"))
		return ldfi_stage_put(st, "seen_x", 7);
	if (rec_is(st, m->rec, "src:y")) {
		int64_t v = 0;

		rc = ldfi_stage_get(st, "seen_x", &v);
		CHECK(rc == 1 && v == 7);
		if ((r = ldfi_stage_record(st, "z")) < 0)
			return r;
		return ldfi_stage_send(st, LDFI_HOP_DOWNSTREAM, r);
	}
	return 0;
}

static int prov_round(struct ldfi_stage *st, int round)
{
	int rc;

	if (!is_comp(st, "p") || !is_node(st, "b"))
		return 0;
	if (round == 2)
		return ldfi_stage_put(st, "tick", round);
	if (round == 3) {
		if ((rc = ldfi_stage_get(st, "last", NULL)) != 1)
			return rc < 0 ? rc : LDFI_EINVAL;
		return output_named(st, "o");
	}
	if (round == 4) {
		int64_t v = 0;

		if ((rc = ldfi_stage_get(st, "tick", &v)) != 1)
			return rc < 0 ? rc : LDFI_EINVAL;
		CHECK(v == 2);
		return send_to_named(st, "q", "c", "t");
	}
	return 0;
}

static void test_provenance(void)
{
	struct ldfi_conf *conf;
	struct ldfi_trace *tr;
	const struct ldfi_msg *m;
	const struct ldfi_output *o;

	reset();
	hooks.on_message = prov_msg;
	hooks.on_round = prov_round;
	conf = pipe_conf_new();
	tr = rt_run(conf, "none");
	if (!tr) {
		ldfi_conf_destroy(conf);
		return;
	}
	/* x to p@a (1) and p@b (2), then y (3, 4) in round 1; z (5, 6) to
	 * q@b and q@c in round 2; t (7) in round 4. */
	CHECK_STR(rt_msgs(tr), "1 data src@a>p@a r1 src:x delivered\n"
			       "2 data src@a>p@b r1 src:x delivered\n"
			       "3 data src@a>p@a r1 src:y delivered\n"
			       "4 data src@a>p@b r1 src:y delivered\n"
			       "5 data p@b>q@b r2 z delivered\n"
			       "6 data p@b>q@c r2 z delivered\n"
			       "7 data p@b>q@c r4 t delivered\n");
	m = msg_of(tr, "z", 0);
	CHECK(m && m->n_parents == 2 && tr->parents[m->parents_off] == 4 &&
	      tr->parents[m->parents_off + 1] == 2);
	CHECK_STR(msg_parents(tr, "z", 0), "src:y src:x");
	CHECK_STR(msg_parents(tr, "z", 1), "src:y src:x");
	CHECK(m && !m->conditional && !m->parents_any && m->delivery == LDFI_DELIVERY_ONCE);
	CHECK_STR(msg_parents(tr, "t", 0), "");
	CHECK((m = msg_of(tr, "t", 0)) && !m->conditional && m->send_round == 4);
	/* "last" was put on x, then again on y: only y remains. */
	CHECK_STR(out_parents(tr, "o"), "src:y");
	o = out_of(tr, "o");
	CHECK(o && !o->conditional && o->round == 3 && o->pos == 0 &&
	      strcmp(conf->comps[o->comp].name, "p") == 0 &&
	      strcmp(conf->nodes[o->node].name, "b") == 0);
	CHECK(tr->n_outs == 1);
	/* Records the stage named are not any source's. */
	{
		int z = ldfi_trace_record_index(tr, "z");

		CHECK(z == 2 && tr->recs[z].source == -1 && tr->recs[z].index == -1);
		CHECK(ldfi_trace_record_index(tr, "t") == 4 &&
		      ldfi_trace_record_index(tr, "o") == 3);
	}
	CHECK(tr->passed);
	/* Every replica was set up and finished: p@a, p@b, q@b, q@c. */
	CHECK(n_init == 4 && n_finish == 4);
	ldfi_trace_destroy(tr);
	ldfi_conf_destroy(conf);
}

/* --- conditional causes --- */

/*
 * p@a forwards x to p@b as "x2" (sent in round 2); p@b puts "seen_x" on x2
 * when put_seen is set. p@b's round 3 reads "seen_x" (absent when it was
 * never put or x2 was lost), sends "z" downstream, puts "w" and outputs
 * "oy". Round 4: reads "w" (present, but put under the round-3 cause) and
 * sends "w2" to q@c; then, in q@b's round 4 (a new callback that reads
 * nothing), "plain4" to q@c and the output "o4": unconditional again.
 */
static bool put_seen;

static int cond_msg(struct ldfi_stage *st, const struct ldfi_msg *m)
{
	if (!is_comp(st, "p"))
		return 0;
	if (is_node(st, "a") && rec_is(st, m->rec, "src:x"))
		return send_to_named(st, "p", "b", "x2");
	if (is_node(st, "b") && rec_is(st, m->rec, "x2") && put_seen)
		return ldfi_stage_put(st, "seen_x", 1);
	return 0;
}

static int cond_round(struct ldfi_stage *st, int round)
{
	int rc, r;

	if (is_comp(st, "q") && is_node(st, "b") && round == 4) {
		if ((rc = send_to_named(st, "q", "c", "plain4")))
			return rc;
		return output_named(st, "o4");
	}
	if (!is_comp(st, "p") || !is_node(st, "b"))
		return 0;
	if (round == 3) {
		if ((rc = ldfi_stage_get(st, "seen_x", NULL)) < 0)
			return rc;
		if ((r = ldfi_stage_record(st, "z")) < 0)
			return r;
		if ((rc = ldfi_stage_send(st, LDFI_HOP_DOWNSTREAM, r)) ||
		    (rc = ldfi_stage_put(st, "w", 1)))
			return rc;
		return output_named(st, "oy");
	}
	if (round == 4) {
		if ((rc = ldfi_stage_get(st, "w", NULL)) != 1)
			return rc < 0 ? rc : LDFI_EINVAL;
		return send_to_named(st, "q", "c", "w2");
	}
	return 0;
}

static void test_conditional(void)
{
	struct ldfi_conf *conf;
	struct ldfi_trace *tr;
	const struct ldfi_msg *m;
	const struct ldfi_output *o;

	/* seen_x never put: the read of it is absent. */
	reset();
	put_seen = false;
	hooks.on_message = cond_msg;
	hooks.on_round = cond_round;
	conf = pipe_conf_new();
	tr = rt_run(conf, "none");
	if (tr) {
		CHECK((m = msg_of(tr, "z", 0)) && m->conditional && m->dst_node == 1);
		CHECK((m = msg_of(tr, "z", 1)) && m->conditional && m->dst_node == 2);
		CHECK(m && m->n_parents == 0 && m->send_round == 3);
		CHECK((o = out_of(tr, "oy")) && o->conditional && o->n_parents == 0);
		/* w was put under the conditional cause: reading it is conditional. */
		CHECK((m = msg_of(tr, "w2", 0)) && m->conditional && m->send_round == 4);
		CHECK(m && m->n_parents == 0);
		/* Another callback that reads nothing is unconditional. */
		CHECK((m = msg_of(tr, "plain4", 0)) && !m->conditional && m->n_parents == 0);
		CHECK((o = out_of(tr, "o4")) && !o->conditional && o->n_parents == 0);
		CHECK((m = msg_of(tr, "x2", 0)) && !m->conditional);
		CHECK_STR(msg_parents(tr, "x2", 0), "src:x");
		ldfi_trace_destroy(tr);
	}

	/* seen_x put on x2: nothing is conditional, and z, oy, w2 derive from x2. */
	put_seen = true;
	tr = rt_run(conf, "none");
	if (tr) {
		CHECK((m = msg_of(tr, "z", 0)) && !m->conditional);
		CHECK_STR(msg_parents(tr, "z", 0), "x2");
		CHECK((o = out_of(tr, "oy")) && !o->conditional);
		CHECK_STR(out_parents(tr, "oy"), "x2");
		CHECK((m = msg_of(tr, "w2", 0)) && !m->conditional);
		CHECK_STR(msg_parents(tr, "w2", 0), "x2");
		ldfi_trace_destroy(tr);
		/* ...until x2 is lost: then z, oy and w2 are conditional again. */
		tr = rt_run(conf, "omit(a,b,2)");
	}
	if (tr) {
		CHECK(rt_count(tr, "data", "a", "b", LDFI_FATE_OMITTED, 2) == 1);
		CHECK((m = msg_of(tr, "z", 0)) && m->conditional && m->n_parents == 0);
		CHECK((o = out_of(tr, "oy")) && o->conditional);
		CHECK((m = msg_of(tr, "w2", 0)) && m->conditional);
		CHECK((m = msg_of(tr, "plain4", 0)) && !m->conditional);
		ldfi_trace_destroy(tr);
	}
	ldfi_conf_destroy(conf);
}

/* --- records --- */

static int rec_init(struct ldfi_stage *st)
{
	char longname[300];
	int a, b, src_x;

	if (!is_comp(st, "p") || !is_node(st, "a"))
		return 0;
	CHECK(ldfi_stage_round(st) == 0);
	CHECK(ldfi_stage_n_records(st) == 2);
	CHECK(ldfi_stage_first_record(st, idx(st, "src", 'c')) == 0);
	a = ldfi_stage_record(st, "vote:a:yes");
	b = ldfi_stage_record(st, "vote:b:no");
	CHECK(a == 2 && b == 3);
	CHECK(ldfi_stage_record(st, "vote:a:yes") == a);
	CHECK(ldfi_stage_n_records(st) == 4);
	CHECK_STR(ldfi_stage_record_name(st, a), "vote:a:yes");
	CHECK(ldfi_stage_record_name(st, 4) == NULL && ldfi_stage_record_name(st, -1) == NULL);
	/* A source's record by its name is the source's record. */
	src_x = ldfi_stage_record(st, "src:x");
	CHECK(src_x == 0);
	CHECK(ldfi_stage_record(st, "") == LDFI_EINVAL);
	CHECK(ldfi_stage_record(st, NULL) == LDFI_EINVAL);
	CHECK(ldfi_stage_record(st, "two words") == LDFI_EINVAL);
	CHECK(ldfi_stage_record(st, "tab\t") == LDFI_EINVAL);
	CHECK(ldfi_stage_record(st, "caf\xc3\xa9") == LDFI_EINVAL);
	memset(longname, 'n', 255);
	longname[255] = '\0';
	CHECK(ldfi_stage_record(st, longname) == 4);
	longname[255] = 'n';
	longname[256] = '\0';
	CHECK(ldfi_stage_record(st, longname) == LDFI_EINVAL);
	CHECK(ldfi_stage_n_records(st) == 5);
	/* Keys follow the same rules. */
	CHECK(ldfi_stage_put(st, "", 1) == LDFI_EINVAL);
	CHECK(ldfi_stage_put(st, "a key", 1) == LDFI_EINVAL);
	CHECK(ldfi_stage_get(st, "a key", NULL) == LDFI_EINVAL);
	CHECK(ldfi_stage_get(st, NULL, NULL) == LDFI_EINVAL);
	return 0;
}

/* Many records (the index grows): every one found again. */
static int rec_round(struct ldfi_stage *st, int round)
{
	char name[32];

	if (!is_comp(st, "q") || !is_node(st, "c") || round != 1)
		return 0;
	for (int i = 0; i < 500; i++) {
		snprintf(name, sizeof(name), "r%d", i);
		if (ldfi_stage_record(st, name) != 5 + i)
			return LDFI_EINVAL;
	}
	for (int i = 499; i >= 0; i--) {
		snprintf(name, sizeof(name), "r%d", i);
		if (ldfi_stage_record(st, name) != 5 + i)
			return LDFI_EINVAL;
	}
	CHECK(ldfi_stage_record(st, "vote:b:no") == 3);
	return 0;
}

static void test_records(void)
{
	struct ldfi_conf *conf;
	struct ldfi_trace *tr;

	reset();
	hooks.init = rec_init;
	hooks.on_round = rec_round;
	conf = pipe_conf_new();
	tr = rt_run(conf, "none");
	if (tr) {
		CHECK(tr->n_recs == 505);
		CHECK_STR(tr->recs[2].name, "vote:a:yes");
		CHECK(tr->recs[2].source == -1 && tr->recs[3].source == -1 &&
		      tr->recs[504].source == -1);
		CHECK(tr->recs[0].source == 2 && tr->recs[0].emitted && tr->recs[1].index == 1);
		CHECK(!tr->recs[2].emitted);
		ldfi_trace_destroy(tr);
	}
	ldfi_conf_destroy(conf);
}

/* --- sending: errors and hops --- */

static int send_round(struct ldfi_stage *st, int round)
{
	int z, q = idx(st, "q", 'c'), p = idx(st, "p", 'c'), src = idx(st, "src", 'c');
	int a = idx(st, "a", 'n'), b = idx(st, "b", 'n'), c = idx(st, "c", 'n');

	if (round != 1)
		return 0;
	if ((z = ldfi_stage_record(st, "z")) < 0)
		return z;
	if (is_comp(st, "p") && is_node(st, "a")) {
		/* No replica of q on a, of p on c; a source; bad indices. */
		CHECK(ldfi_stage_send_to(st, q, a, z) == LDFI_EINVAL);
		CHECK(ldfi_stage_send_to(st, p, c, z) == LDFI_EINVAL);
		CHECK(ldfi_stage_send_to(st, src, a, z) == LDFI_EINVAL);
		CHECK(ldfi_stage_send_to(st, q, b, -1) == LDFI_EINVAL);
		CHECK(ldfi_stage_send_to(st, q, b, ldfi_stage_n_records(st)) == LDFI_EINVAL);
		CHECK(ldfi_stage_send_to(st, -1, b, z) == LDFI_EINVAL);
		CHECK(ldfi_stage_send_to(st, 3, b, z) == LDFI_EINVAL);
		CHECK(ldfi_stage_send_to(st, q, 3, z) == LDFI_EINVAL);
		CHECK(ldfi_stage_send_to(st, q, -1, z) == LDFI_EINVAL);
		/* Relay is a sink's hop only; bad hop; bad record. */
		CHECK(ldfi_stage_send(st, LDFI_HOP_RELAY, z) == LDFI_EINVAL);
		CHECK(ldfi_stage_send(st, (enum ldfi_hop)7, z) == LDFI_EINVAL);
		CHECK(ldfi_stage_send(st, LDFI_HOP_DOWNSTREAM, 99) == LDFI_EINVAL);
		/* No ldfi_stage_track_receipts in init. */
		CHECK(ldfi_stage_send_held(st, LDFI_HOP_DOWNSTREAM, z) == LDFI_EINVAL);
		CHECK(ldfi_stage_output(st, -1) == LDFI_EINVAL);
		CHECK(ldfi_stage_output(st, 99) == LDFI_EINVAL);
		/* To a peer replica of itself, and to itself. */
		CHECK(ldfi_stage_send_to(st, p, b, z) == 0);
		CHECK(ldfi_stage_send_to(st, p, a, z) == 0);
	}
	if (is_comp(st, "q") && is_node(st, "b")) {
		/* q has no `to`. */
		CHECK(ldfi_stage_send(st, LDFI_HOP_DOWNSTREAM, z) == LDFI_EINVAL);
		CHECK(ldfi_stage_send(st, LDFI_HOP_RELAY, z) == LDFI_EINVAL);
		CHECK(ldfi_stage_send_to(st, q, c, z) == 0);
	}
	return 0;
}

static void test_send_errors(void)
{
	struct ldfi_conf *conf;
	struct ldfi_trace *tr;

	reset();
	hooks.on_round = send_round;
	conf = pipe_conf_new();
	tr = rt_run(conf, "crash(c,2)");
	if (tr) {
		/* Only the valid sends were made; the one to c is lost to its crash. */
		/* Node a runs p (its round-1 sends first) before src. */
		CHECK_STR(rt_msgs(tr), "1 data p@a>p@b r1 z delivered\n"
				       "2 data p@a>p@a r1 z delivered\n"
				       "3 data src@a>p@a r1 src:x delivered\n"
				       "4 data src@a>p@b r1 src:x delivered\n"
				       "5 data src@a>p@a r1 src:y delivered\n"
				       "6 data src@a>p@b r1 src:y delivered\n"
				       "7 data q@b>q@c r1 z crashed crash(c,2)\n");
		ldfi_trace_destroy(tr);
	}
	ldfi_conf_destroy(conf);
}

/* --- plugin checks --- */

static int bad_rec, bad_comp, bad_node;

static int check_offend(struct ldfi_trace *tr, const struct ldfi_trace *ff, int check,
			struct ldfi_check_result *res)
{
	(void)ff;
	CHECK(check == 0);
	CHECK(tr->conf->checks[check].sink == ldfi_conf_comp_index(tr->conf, "q"));
	res->passed = true;
	return ldfi_check_offend(res, bad_rec, bad_comp, bad_node, LDFI_PROBLEM_MISSING, 0, 1);
}

static void test_check_offenses(void)
{
	struct ldfi_conf *conf = pipe_conf_new();
	struct ldfi_trace *tr;
	struct ldfi_faults none = {0};
	/* Components sorted by name: p 0, q 1, src 2; nodes a 0, b 1, c 2. */
	static const int bad[][3] = {{2, 1, 1},	 {-1, 1, 1}, {0, 3, 1},
				     {0, -1, 1}, {0, 1, 3},  {0, 1, -1}};
	int rc;

	reset();
	hooks.check = check_offend;
	/* A valid offense: the check fails and names it. */
	bad_rec = 1, bad_comp = 1, bad_node = 2;
	tr = rt_run(conf, "none");
	if (tr) {
		CHECK(!tr->passed && rt_passed(tr, "outs") == 0);
		CHECK_STR(rt_offenses(tr, "outs"), "src:y missing 0/1 at q@c");
		ldfi_trace_destroy(tr);
	}
	/* Indices outside this run: the run fails with LDFI_ESTAGE. */
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		tr = NULL;
		bad_rec = bad[i][0], bad_comp = bad[i][1], bad_node = bad[i][2];
		n_init = n_finish = 0;
		rc = ldfi_runtime_exec(conf, &none, NULL, &tr);
		CHECK(rc == LDFI_ESTAGE && tr == NULL);
		CHECK(n_init == 4 && n_finish == 4);
	}
	ldfi_conf_destroy(conf);
}

/* The check sees the fault-free run also when the caller passes NULL (ldfi
 * run, ldfi replay): it compares q@c's outputs with the fault-free ones. */
static int ff_round(struct ldfi_stage *st, int round)
{
	if (round == 2 && is_comp(st, "q") && is_node(st, "c"))
		return output_named(st, "done");
	return 0;
}

static int ff_seen;

static int check_vs_ff(struct ldfi_trace *tr, const struct ldfi_trace *ff, int check,
		       struct ldfi_check_result *res)
{
	(void)check;
	res->passed = true;
	ff_seen = ff == tr ? 1 : 2;
	CHECK(ff->faults.n == 0);
	if (ff->n_outs != tr->n_outs)
		return ldfi_check_offend(res, ldfi_trace_record_index(tr, "src:x"),
					 ldfi_conf_comp_index(tr->conf, "q"),
					 ldfi_conf_node_index(tr->conf, "c"), LDFI_PROBLEM_MISSING,
					 (int)tr->n_outs, (int)ff->n_outs);
	return 0;
}

static void test_check_fault_free(void)
{
	struct ldfi_conf *conf;
	struct ldfi_trace *tr;

	reset();
	hooks.on_round = ff_round;
	hooks.check = check_vs_ff;
	conf = pipe_conf_new();
	tr = rt_run(conf, "none");
	if (tr) {
		CHECK(ff_seen == 1 && tr->passed && tr->n_outs == 1);
		ldfi_trace_destroy(tr);
	}
	tr = rt_run(conf, "crash(c,1)");
	if (tr) {
		CHECK(ff_seen == 2);
		CHECK(!tr->passed && tr->n_outs == 0);
		ldfi_trace_destroy(tr);
	}
	ldfi_conf_destroy(conf);
}

/* --- errors --- */

static int err_round(struct ldfi_stage *st, int round)
{
	return round == 2 && is_comp(st, "q") && is_node(st, "b") ? LDFI_ELIMIT : 0;
}

static int err_msg(struct ldfi_stage *st, const struct ldfi_msg *m)
{
	(void)m;
	return is_node(st, "b") ? LDFI_ESTAGE : 0;
}

static int init_fails(struct ldfi_stage *st)
{
	/* The third replica (q@b) fails. */
	return is_comp(st, "q") && is_node(st, "b") ? LDFI_ENOMEM : 0;
}

static void test_errors(void)
{
	struct ldfi_conf *conf = pipe_conf_new();
	struct ldfi_faults none = {0};
	struct ldfi_trace *tr = NULL;
	int rc;

	reset();
	hooks.on_round = err_round;
	rc = ldfi_runtime_exec(conf, &none, NULL, &tr);
	CHECK(rc == LDFI_ELIMIT && !tr);
	CHECK(n_init == 4 && n_finish == 4);

	reset();
	hooks.on_message = err_msg;
	rc = ldfi_runtime_exec(conf, &none, NULL, &tr);
	CHECK(rc == LDFI_ESTAGE && !tr);
	CHECK(n_init == 4 && n_finish == 4);

	/* init fails on q@b: the run stops; finish runs for every replica whose
	 * init was called (p@a, p@b and q@b itself), none is called on q@c. */
	reset();
	hooks.init = init_fails;
	rc = ldfi_runtime_exec(conf, &none, NULL, &tr);
	CHECK(rc == LDFI_ENOMEM && !tr);
	CHECK(n_init == 3);
	CHECK(n_finish == 3);
	ldfi_conf_destroy(conf);
}

/* --- crashes: init everywhere, nothing after the crash --- */

static int crash_round(struct ldfi_stage *st, int round)
{
	if (is_comp(st, "q") && is_node(st, "c"))
		return output_named(st, round == 1 ? "c1" : round == 2 ? "c2" : "c3");
	return 0;
}

static void test_crash(void)
{
	struct ldfi_conf *conf = pipe_conf_new();
	struct ldfi_trace *tr;

	reset();
	hooks.on_round = crash_round;
	tr = rt_run(conf, "crash(c,3)");
	if (tr) {
		/* Twice each: the fault-free run is made too, for the plugin check. */
		CHECK(n_init == 8 && n_finish == 8);
		CHECK_STR(rt_held_r(tr, "q", "c", 1), "c1/1 c2/2");
		ldfi_trace_destroy(tr);
	}
	ldfi_conf_destroy(conf);
}

/* --- the database round trip --- */

static void compare_traces(const struct ldfi_trace *a, const struct ldfi_trace *b)
{
	CHECK(a->n_msgs == b->n_msgs && a->n_outs == b->n_outs);
	CHECK(a->faults.n == b->faults.n);
	for (int i = 0; i < a->conf->n_nodes; i++)
		CHECK(a->crash_round[i] == b->crash_round[i]);
	for (size_t i = 0; i < a->n_msgs && i < b->n_msgs; i++) {
		const struct ldfi_msg *x = &a->msgs[i], *y = &b->msgs[i];
		bool same = x->id == y->id && x->kind == y->kind && x->fate == y->fate &&
			    x->delivery == y->delivery && x->parents_any == y->parents_any &&
			    x->conditional == y->conditional && x->src_node == y->src_node &&
			    x->src_comp == y->src_comp && x->dst_node == y->dst_node &&
			    x->dst_comp == y->dst_comp && x->send_round == y->send_round &&
			    x->n_parents == y->n_parents &&
			    strcmp(a->recs[x->rec].name, b->recs[y->rec].name) == 0 &&
			    true; /* fault: the loader leaves it -1 */

		for (uint32_t k = 0; same && k < x->n_parents; k++)
			same = a->parents[x->parents_off + k] == b->parents[y->parents_off + k];
		if (!same)
			fprintf(stderr,
				"message %zu differs after the round trip: kind %d/%d fate %d/%d "
				"any %d/%d cond %d/%d parents %u/%u rec %s/%s deliv %d/%d fault "
				"%d/%d p0 %u/%u\n",
				i + 1, x->kind, y->kind, x->fate, y->fate, x->parents_any,
				y->parents_any, x->conditional, y->conditional, x->n_parents,
				y->n_parents, a->recs[x->rec].name, b->recs[y->rec].name,
				x->delivery, y->delivery, x->fault, y->fault,
				a->parents[x->parents_off], b->parents[y->parents_off]);
		CHECK(same);
	}
	for (size_t i = 0; i < a->n_outs && i < b->n_outs; i++) {
		const struct ldfi_output *x = &a->outs[i], *y = &b->outs[i];
		bool same = x->comp == y->comp && x->node == y->node && x->pos == y->pos &&
			    x->round == y->round && x->conditional == y->conditional &&
			    x->n_parents == y->n_parents &&
			    strcmp(a->recs[x->rec].name, b->recs[y->rec].name) == 0;

		for (uint32_t k = 0; same && k < x->n_parents; k++)
			same = a->parents[x->parents_off + k] == b->parents[y->parents_off + k];
		if (!same)
			fprintf(stderr, "output %zu differs after the round trip\n", i);
		CHECK(same);
	}
	for (int r = 0; r < a->n_recs; r++) {
		int s = ldfi_trace_record_index(b, a->recs[r].name);
		bool used = false;

		for (size_t i = 0; i < a->n_msgs; i++)
			used = used || a->msgs[i].rec == r;
		for (size_t i = 0; i < a->n_outs; i++)
			used = used || a->outs[i].rec == r;
		/* Source records always; named records when something carries them. */
		if (a->recs[r].source >= 0 || used) {
			CHECK(s >= 0);
			if (s >= 0)
				CHECK(b->recs[s].source == a->recs[r].source &&
				      b->recs[s].emitted == a->recs[r].emitted);
		}
	}
}

static void test_db_round_trip(void)
{
	char dir[] = "/tmp/ldfi-stage-api.XXXXXX", path[64], err[256];
	const char *faults[] = {"none", "omit(a,b,2)", "crash(b,4)"};
	struct ldfi_conf *conf = pipe_conf_new();
	struct ldfi_db *db = NULL;

	reset();
	put_seen = true;
	hooks.on_message = cond_msg;
	hooks.on_round = cond_round;
	if (!mkdtemp(dir)) {
		CHECK(!"mkdtemp");
		ldfi_conf_destroy(conf);
		return;
	}
	snprintf(path, sizeof(path), "%s/p.db", dir);
	CHECK(ldfi_db_open(path, &db, err, sizeof(err)) == 0);
	for (size_t f = 0; db && f < sizeof(faults) / sizeof(*faults); f++) {
		struct ldfi_trace *tr = rt_run(conf, faults[f]), *back = NULL;
		int64_t run = 0;
		int rc;

		if (!tr)
			continue;
		rc = ldfi_db_record_run(db, tr, NULL, &run);
		CHECK(rc == 0 && run == (int64_t)f + 1);
		rc = ldfi_db_load_trace(db, conf, run, &back);
		CHECK(rc == 0 && back);
		if (back) {
			const struct ldfi_output *o = out_of(back, "oy");

			compare_traces(tr, back);
			/* The conditional output of the omit run survives the trip. */
			CHECK(o && o->conditional == (f == 1));
			CHECK(f == 2 ? !out_of(back, "o4")
				     : out_of(back, "o4") && !out_of(back, "o4")->conditional);
		}
		ldfi_trace_destroy(back);
		ldfi_trace_destroy(tr);
	}
	ldfi_db_close(db);
	unlink(path);
	rmdir(dir);
	ldfi_conf_destroy(conf);
}

/* --- causes built by hand, and a failed run (ldfi_stage_cause_message,
 * ldfi_stage_cause_conditional, ldfi_stage_fail: what process stages use) --- */

static uint32_t seen_a[4];
static int n_seen_a;

static int hand_msg(struct ldfi_stage *st, const struct ldfi_msg *m)
{
	if (is_comp(st, "p") && is_node(st, "a") && n_seen_a < 4)
		seen_a[n_seen_a++] = m->id;
	return 0;
}

static int hand_round(struct ldfi_stage *st, int round)
{
	if (!is_comp(st, "p") || !is_node(st, "a") || round != 3)
		return 0;
	ldfi_stage_forget_reads(st);
	/* a message of round 2 to this replica: accepted; one it never got
	 * (the copy of x sent to p@b, sent right after p@a's) or id 0: refused */
	CHECK(ldfi_stage_cause_message(st, seen_a[1]) == 0);
	CHECK(ldfi_stage_cause_message(st, seen_a[0] + 1) == LDFI_EINVAL);
	CHECK(ldfi_stage_cause_message(st, 0) == LDFI_EINVAL);
	ldfi_stage_forget_reads(st);
	CHECK(ldfi_stage_cause_message(st, seen_a[1]) == 0);
	ldfi_stage_cause_conditional(st);
	return output_named(st, "hand");
}

static int fail_round(struct ldfi_stage *st, int round)
{
	if (is_comp(st, "p") && is_node(st, "b") && round == 2)
		return ldfi_stage_fail(st, "boom %d in round %d", 7, round);
	return 0;
}

static void test_hand_cause(void)
{
	struct ldfi_conf *conf = pipe_conf_new();
	struct ldfi_faults none = {0};
	struct ldfi_trace *tr = NULL;
	int found = 0;

	reset();
	n_seen_a = 0;
	hooks.on_message = hand_msg;
	hooks.on_round = hand_round;
	CHECK(ldfi_runtime_exec(conf, &none, NULL, &tr) == 0 && tr);
	CHECK(n_seen_a == 2);
	for (size_t i = 0; tr && i < tr->n_outs; i++) {
		const struct ldfi_output *o = &tr->outs[i];

		if (strcmp(tr->recs[o->rec].name, "hand"))
			continue;
		found++;
		CHECK(o->n_parents == 1 && tr->parents[o->parents_off] == seen_a[1]);
		CHECK(o->conditional == 1);
	}
	CHECK(found == 1);
	ldfi_trace_destroy(tr);

	reset();
	hooks.on_round = fail_round;
	tr = NULL;
	CHECK(ldfi_runtime_exec(conf, &none, NULL, &tr) == 0 && tr);
	CHECK(tr && tr->failure && !tr->passed && tr->n_msgs == 0);
	if (tr && tr->failure)
		CHECK_STR(tr->failure, "stage 'p' on node b: boom 7 in round 2");
	CHECK(n_init == 4 && n_finish == 4);
	ldfi_trace_destroy(tr);
	ldfi_conf_destroy(conf);
}

int main(void)
{
	test_provenance();
	test_conditional();
	test_records();
	test_send_errors();
	test_check_offenses();
	test_check_fault_free();
	test_errors();
	test_crash();
	test_hand_cause();
	test_db_round_trip();
	return test_done();
}
