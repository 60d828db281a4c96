/*
 * journal.c - a live node's durable state on disk (journal.h).
 *
 * The state is read straight from the runtime's replicas (rtstate.h):
 * what recover_node in runtime.c keeps across a restart is exactly what is
 * written, so a new process that puts it back and then recovers as the
 * simulation does is in the state the simulation's node is in.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ldfi.pb-c.h"
#include "ldfi/ldfi.h"
#include "runtime/live/journal.h"
#include "runtime/rtstate.h"
#include "runtime/runtime.h"

struct ldfi_journal {
	int fd;
	char *path;
	uint8_t *last; /* the last record written (payload), to skip repeats */
	size_t n_last;
};

struct ldfi_journal *ldfi_journal_open(const char *path, char *err, size_t errlen)
{
	struct ldfi_journal *j = calloc(1, sizeof(*j));

	if (!j || !(j->path = strdup(path))) {
		free(j);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	j->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (j->fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		free(j->path);
		free(j);
		return NULL;
	}
	return j;
}

void ldfi_journal_close(struct ldfi_journal *j)
{
	if (!j)
		return;
	close(j->fd);
	free(j->path);
	free(j->last);
	free(j);
}

/* --- the state, as protobuf (borrowing the runtime's strings and ids) --- */

/* Room for one replica's messages; freed by free_replica. */
struct rep_buf {
	Ldfi__Live__ReplicaState rs;
	Ldfi__Live__DurableEntry *e, **pe;
	Ldfi__Live__DurableReceipt *r, **pr;
	Ldfi__Live__DurableOutput *o, **po;
	Ldfi__Live__DurableSend *s, **ps;
};

static void free_replica(struct rep_buf *b)
{
	free(b->e);
	free(b->pe);
	free(b->r);
	free(b->pr);
	free(b->o);
	free(b->po);
	free(b->s);
	free(b->ps);
}

static bool keeps_receipt(const struct replica *r, int round)
{
	return r->dur_rcpt || round <= r->ckpt;
}

/* Count what replica `s` keeps, and allocate room for it. */
static int size_replica(const struct ldfi_rt *rt, int s, struct rep_buf *b)
{
	const struct replica *r = &rt->rep[s];
	size_t ne = 0, nr = 0, ns = 0, no = (size_t)r->n_outs;

	for (size_t i = 0; i < r->cap_kv; i++)
		ne += r->kv[i].key && r->kv[i].dround != INT32_MAX;
	for (int i = 0; i < r->n_rcpt; i++)
		for (int k = 0; k < r->rcpt[i].n; k++)
			nr += keeps_receipt(r, r->rcpt[i].round[k]);
	for (int i = 0; i < r->active.n; i++) {
		const struct pend *pd = &rt->pend[r->active.v[i]];

		ns += !pd->settled && pd->durable;
	}
	b->e = calloc(ne + 1, sizeof(*b->e));
	b->pe = calloc(ne + 1, sizeof(*b->pe));
	b->r = calloc(nr + 1, sizeof(*b->r));
	b->pr = calloc(nr + 1, sizeof(*b->pr));
	b->o = calloc(no + 1, sizeof(*b->o));
	b->po = calloc(no + 1, sizeof(*b->po));
	b->s = calloc(ns + 1, sizeof(*b->s));
	b->ps = calloc(ns + 1, sizeof(*b->ps));
	if (!b->e || !b->pe || !b->r || !b->pr || !b->o || !b->po || !b->s || !b->ps)
		return LDFI_ENOMEM;
	return 0;
}

static void fill_entries(const struct ldfi_rt *rt, const struct replica *r, struct rep_buf *b)
{
	for (size_t i = 0; i < r->cap_kv; i++) {
		const struct kv *k = &r->kv[i];
		Ldfi__Live__DurableEntry *e = &b->e[b->rs.n_entries];

		if (!k->key || k->dround == INT32_MAX)
			continue;
		*e = (Ldfi__Live__DurableEntry)LDFI__LIVE__DURABLE_ENTRY__INIT;
		e->key = k->key;
		e->value = k->value;
		e->n_parent_ids = k->n;
		e->parent_ids = rt->tr->parents + k->off;
		e->cond = k->cond;
		e->changed = k->changed;
		e->wround = k->wround;
		e->dround = k->dround;
		b->pe[b->rs.n_entries++] = e;
	}
	b->rs.entries = b->pe;
}

static void fill_receipts(const struct ldfi_rt *rt, const struct replica *r, struct rep_buf *b)
{
	for (int i = 0; i < r->n_rcpt; i++)
		for (int k = 0; k < r->rcpt[i].n; k++) {
			Ldfi__Live__DurableReceipt *d = &b->r[b->rs.n_receipts];

			if (!keeps_receipt(r, r->rcpt[i].round[k]))
				continue;
			*d = (Ldfi__Live__DurableReceipt)LDFI__LIVE__DURABLE_RECEIPT__INIT;
			d->record = rt->tr->recs[i].name;
			d->id = r->rcpt[i].ids[k];
			d->round = r->rcpt[i].round[k];
			b->pr[b->rs.n_receipts++] = d;
		}
	b->rs.receipts = b->pr;
}

static void fill_outputs(const struct ldfi_rt *rt, const struct replica *r, struct rep_buf *b)
{
	for (int i = 0; i < r->n_outs; i++) {
		const struct ldfi_output *w = &r->outs[i];
		Ldfi__Live__DurableOutput *d = &b->o[i];

		*d = (Ldfi__Live__DurableOutput)LDFI__LIVE__DURABLE_OUTPUT__INIT;
		d->record = rt->tr->recs[w->rec].name;
		d->round = w->round;
		d->n_parent_ids = w->n_parents;
		d->parent_ids = rt->tr->parents + w->parents_off;
		d->conditional = w->conditional;
		b->po[i] = d;
	}
	b->rs.n_outputs = (size_t)r->n_outs;
	b->rs.outputs = b->po;
}

static void fill_sends(const struct ldfi_rt *rt, const struct replica *r, struct rep_buf *b)
{
	for (int i = 0; i < r->active.n; i++) {
		const struct pend *pd = &rt->pend[r->active.v[i]];
		Ldfi__Live__DurableSend *d = &b->s[b->rs.n_sends];

		if (pd->settled || !pd->durable)
			continue;
		*d = (Ldfi__Live__DurableSend)LDFI__LIVE__DURABLE_SEND__INIT;
		d->dst = (uint32_t)pd->dst;
		d->record = rt->tr->recs[pd->rec].name;
		d->start = pd->start;
		d->n_parent_ids = pd->n_parents;
		d->parent_ids = rt->tr->parents + pd->parents_off;
		d->policy = (Ldfi__Live__Delivery)pd->policy;
		d->held = pd->held;
		d->cond = pd->cond;
		d->dround = pd->dround;
		b->ps[b->rs.n_sends++] = d;
	}
	b->rs.sends = b->ps;
}

static int fill_replica(const struct ldfi_rt *rt, int s, struct rep_buf *b)
{
	const struct replica *r = &rt->rep[s];
	int rc;

	b->rs = (Ldfi__Live__ReplicaState)LDFI__LIVE__REPLICA_STATE__INIT;
	if ((rc = size_replica(rt, s, b)))
		return rc;
	b->rs.replica = (uint32_t)s;
	b->rs.saved.len = r->n_saved;
	b->rs.saved.data = r->saved;
	b->rs.ckpt = r->ckpt;
	fill_entries(rt, r, b);
	fill_receipts(rt, r, b);
	fill_outputs(rt, r, b);
	fill_sends(rt, r, b);
	return 0;
}

/* The node's durable state, packed with a 4-byte length in front, in *out
 * (the caller's to free). */
static int pack_state(const struct ldfi_rt *rt, uint8_t **out, size_t *len)
{
	int first = rt->node_st_off[rt->node], n = rt->node_st_off[rt->node + 1] - first;
	Ldfi__Live__NodeState ns = LDFI__LIVE__NODE_STATE__INIT;
	struct rep_buf *b = calloc((size_t)n + 1, sizeof(*b));
	Ldfi__Live__ReplicaState **prs = calloc((size_t)n + 1, sizeof(*prs));
	int rc = b && prs ? 0 : LDFI_ENOMEM;
	size_t size;

	*out = NULL;
	for (int i = 0; i < n && !rc; i++) {
		rc = fill_replica(rt, rt->node_st[first + i], &b[i]);
		prs[i] = &b[i].rs;
	}
	if (!rc) {
		ns.node = (uint32_t)rt->node;
		ns.n_tokens = (uint32_t)rt->tr->n_mems;
		ns.n_replicas = (size_t)n;
		ns.replicas = prs;
		size = ldfi__live__node_state__get_packed_size(&ns);
		if (size > UINT32_MAX || !(*out = malloc(size + 4))) {
			rc = size > UINT32_MAX ? LDFI_ELIMIT : LDFI_ENOMEM;
		} else {
			(*out)[0] = (uint8_t)(size >> 24);
			(*out)[1] = (uint8_t)(size >> 16);
			(*out)[2] = (uint8_t)(size >> 8);
			(*out)[3] = (uint8_t)size;
			ldfi__live__node_state__pack(&ns, *out + 4);
			*len = size + 4;
		}
	}
	for (int i = 0; b && i < n; i++)
		free_replica(&b[i]);
	free(b);
	free(prs);
	return rc;
}

int ldfi_journal_write(struct ldfi_journal *j, struct ldfi_rt *rt, char *err, size_t errlen)
{
	uint8_t *rec;
	size_t len = 0, done = 0;
	int rc;

	if ((rc = pack_state(rt, &rec, &len))) {
		snprintf(err, errlen, "journal %s: %s", j->path, ldfi_strerror(rc));
		return rc;
	}
	if (j->last && len == j->n_last && memcmp(rec, j->last, len) == 0) {
		free(rec);
		return 0;
	}
	while (done < len) {
		ssize_t w = write(j->fd, rec + done, len - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			snprintf(err, errlen, "cannot write %s: %s", j->path,
				 w < 0 ? strerror(errno) : "nothing written");
			free(rec);
			return LDFI_EIO;
		}
		done += (size_t)w;
	}
	if (fdatasync(j->fd)) {
		snprintf(err, errlen, "cannot sync %s: %s", j->path, strerror(errno));
		free(rec);
		return LDFI_EIO;
	}
	free(j->last);
	j->last = rec;
	j->n_last = len;
	return 0;
}

/* --- reading it back --- */

/* Read the whole file at `path` into *buf (*len bytes; NULL and 0 when it
 * does not exist). */
static int slurp(const char *path, uint8_t **buf, size_t *len, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	size_t got = 0;

	*buf = NULL;
	*len = 0;
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0 || fstat(fd, &sb)) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return LDFI_EIO;
	}
	if (!(*buf = malloc((size_t)sb.st_size + 1))) {
		close(fd);
		return LDFI_ENOMEM;
	}
	while (got < (size_t)sb.st_size) {
		ssize_t r = read(fd, *buf + got, (size_t)sb.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	*len = got;
	return 0;
}

/* The last whole record of a journal's bytes: its payload at *at, *n long.
 * A torn tail (a record cut short) is not one. Returns whether there is one. */
static bool last_record(const uint8_t *buf, size_t len, size_t *at, size_t *n)
{
	bool found = false;

	for (size_t pos = 0; len - pos >= 4;) {
		size_t size = (size_t)buf[pos] << 24 | (size_t)buf[pos + 1] << 16 |
			      (size_t)buf[pos + 2] << 8 | buf[pos + 3];

		if (size > len - pos - 4)
			break;
		*at = pos + 4;
		*n = size;
		found = true;
		pos += 4 + size;
	}
	return found;
}

static bool ids_fit(const uint32_t *ids, size_t n, uint32_t n_tokens)
{
	for (size_t i = 0; i < n; i++)
		if (ids[i] == 0 || (LDFI_IS_MEM(ids[i]) && LDFI_MEM_INDEX(ids[i]) >= n_tokens))
			return false;
	return true;
}

static int restore_entries(struct ldfi_rt *rt, int s, const Ldfi__Live__ReplicaState *rs,
			   uint32_t nt)
{
	for (size_t i = 0; i < rs->n_entries; i++) {
		const Ldfi__Live__DurableEntry *d = rs->entries[i];
		struct kv e = {d->key,	d->value,   0,	       (uint32_t)d->n_parent_ids,
			       d->cond, d->changed, d->wround, d->dround,
			       0,	-1};
		int rc;

		if (!ids_fit(d->parent_ids, d->n_parent_ids, nt))
			return LDFI_EFORMAT;
		if ((rc = ldfi_rt_restore_entry(rt, s, &e, d->parent_ids)))
			return rc;
	}
	return 0;
}

static int restore_receipts(struct ldfi_rt *rt, int s, const Ldfi__Live__ReplicaState *rs)
{
	for (size_t i = 0; i < rs->n_receipts; i++) {
		const Ldfi__Live__DurableReceipt *d = rs->receipts[i];
		int rec = ldfi_rt_record(rt, d->record), rc;

		if (rec < 0)
			return rec;
		if ((rc = ldfi_rt_restore_receipt(rt, s, rec, d->id, d->round)))
			return rc;
	}
	return 0;
}

static int restore_outputs(struct ldfi_rt *rt, int s, const Ldfi__Live__ReplicaState *rs,
			   uint32_t nt)
{
	for (size_t i = 0; i < rs->n_outputs; i++) {
		const Ldfi__Live__DurableOutput *d = rs->outputs[i];
		struct ldfi_output o = {0};
		int rc;

		if ((o.rec = ldfi_rt_record(rt, d->record)) < 0)
			return o.rec;
		if (!ids_fit(d->parent_ids, d->n_parent_ids, nt))
			return LDFI_EFORMAT;
		o.round = d->round;
		o.n_parents = (uint32_t)d->n_parent_ids;
		o.conditional = d->conditional;
		if ((rc = ldfi_rt_restore_output(rt, s, &o, d->parent_ids)))
			return rc;
	}
	return 0;
}

static int restore_sends(struct ldfi_rt *rt, int s, const Ldfi__Live__ReplicaState *rs, uint32_t nt)
{
	for (size_t i = 0; i < rs->n_sends; i++) {
		const Ldfi__Live__DurableSend *d = rs->sends[i];
		struct pend pd = {0};
		int rc;

		if ((pd.rec = ldfi_rt_record(rt, d->record)) < 0)
			return pd.rec;
		if (!ids_fit(d->parent_ids, d->n_parent_ids, nt) || d->dst > INT32_MAX)
			return LDFI_EFORMAT;
		pd.src = s;
		pd.dst = (int32_t)d->dst;
		pd.start = d->start;
		pd.n_parents = (uint32_t)d->n_parent_ids;
		pd.policy = (uint8_t)d->policy;
		pd.held = d->held;
		pd.cond = d->cond;
		pd.durable = 1;
		pd.dround = d->dround;
		if ((rc = ldfi_rt_restore_send(rt, &pd, d->parent_ids)))
			return rc;
	}
	return 0;
}

static int restore_replica(struct ldfi_rt *rt, const Ldfi__Live__ReplicaState *rs, uint32_t nt)
{
	int s = rs->replica < (uint32_t)rt->n_st ? (int)rs->replica : -1, rc;

	if (s < 0 || rt->st[s].node != rt->node)
		return LDFI_EFORMAT;
	if (rs->saved.len && (rc = ldfi_stage_save(&rt->st[s], rs->saved.data, rs->saved.len)))
		return rc;
	rt->rep[s].ckpt = rs->ckpt;
	if ((rc = restore_entries(rt, s, rs, nt)) || (rc = restore_receipts(rt, s, rs)) ||
	    (rc = restore_outputs(rt, s, rs, nt)) || (rc = restore_sends(rt, s, rs, nt)))
		return rc;
	return 0;
}

static int restore_state(struct ldfi_rt *rt, const Ldfi__Live__NodeState *ns)
{
	int rc;

	if (ns->node != (uint32_t)rt->node)
		return LDFI_EFORMAT;
	if ((rc = ldfi_rt_restore_tokens(rt, ns->n_tokens)))
		return rc;
	for (size_t i = 0; i < ns->n_replicas; i++)
		if ((rc = restore_replica(rt, ns->replicas[i], ns->n_tokens)))
			return rc;
	return 0;
}

int ldfi_journal_recover(const char *path, struct ldfi_rt *rt, int down_from, char *err,
			 size_t errlen)
{
	Ldfi__Live__NodeState *ns;
	uint8_t *buf;
	size_t len, at = 0, n = 0;
	int rc;

	if ((rc = slurp(path, &buf, &len, err, errlen)))
		return rc;
	if (!last_record(buf, len, &at, &n)) {
		free(buf);
		if (down_from == 1)
			return 0; /* killed before it finished a round: nothing kept */
		snprintf(err, errlen, "%s holds no whole record", path);
		return LDFI_EFORMAT;
	}
	ns = ldfi__live__node_state__unpack(NULL, n, buf + at);
	free(buf);
	if (!ns) {
		snprintf(err, errlen, "%s: the last record does not decode", path);
		return LDFI_EFORMAT;
	}
	if ((rc = restore_state(rt, ns)))
		snprintf(err, errlen, "%s: the last record %s", path,
			 rc == LDFI_ENOMEM ? "does not fit in memory" : "does not fit the node");
	ldfi__live__node_state__free_unpacked(ns, NULL);
	return rc;
}
