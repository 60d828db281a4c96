/*
 * window.c - the built-in `window-count` stage kind: a keyed, tumbling-window
 * count, written against the public stage API (ldfi/stage.h) like a plugin.
 *
 * Semantics (docs/semantics.md, "Windowed count"):
 *
 *  - Windows tumble by arrival round: window i (0-based) holds the copies
 *    that arrive in rounds i*W+1 .. (i+1)*W, W = the conf's `window`.
 *  - The key of a record is its name up to the first '.', after the
 *    "source:" prefix: "clicks:user1.a" has key "user1"; a name without a
 *    '.' is its own key ("clicks:7" has key "7").
 *  - Every copy counts (dedup = no), or only the first copy of each record
 *    (dedup = yes; a record counts in the window its first copy arrived in).
 *  - In the last round of each window (on_round, after that round's
 *    deliveries) the replica sends downstream, for each key counted in the
 *    window, one record named "KEY@w<i>=<count>" (keys in the order they
 *    were first met in the window). A window that would end after eot never
 *    emits.
 *
 * Provenance: the count lives in provenance-tracked state, one entry per
 * (window, key), "c:<i>:<key>". Each counted copy reads the entry and
 * stores it again, so the entry derives from every copy counted so far;
 * the emission reads it, so the record sent derives from all the window's
 * inputs for that key (a conjunction: losing any one changes the count and
 * hence the record). With dedup, "s:<rec>" marks a record counted; reading
 * it when absent makes the cause conditional (the count exists because no
 * earlier copy arrived), as the lineage needs (docs/lineage.md).
 *
 * Private data (not provenance): the list of keys met in the current
 * window, to know what to emit; a cache of state, never a fact on its own.
 *
 * Restarts (docs/semantics.md, Restarts): a volatile replica loses its
 * counts and marks with its private data. A durable one (`durable = yes`)
 * keeps its state entries; it saves the current window and its key list
 * (ldfi_stage_save) whenever they change, gets them back in on_recover,
 * and emits there a window that closed while it was down.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ldfi/conf.h"
#include "ldfi/ldfi.h"
#include "ldfi/stage.h"
#include "runtime/stage.h"

#define KEY_MAX 255 /* bytes of a state key and of a record name */

struct window {
	char **keys; /* keys met in the current window, in first-met order */
	int n_keys, cap_keys;
	int cur; /* the current window's index, -1 before the first copy */
};

static int window_init(struct ldfi_stage *st)
{
	struct window *w = calloc(1, sizeof(*w));

	if (!w)
		return LDFI_ENOMEM;
	w->cur = -1;
	ldfi_stage_set_data(st, w);
	return 0;
}

static void clear_keys(struct window *w)
{
	for (int i = 0; i < w->n_keys; i++)
		free(w->keys[i]);
	w->n_keys = 0;
}

static void window_finish(struct ldfi_stage *st)
{
	struct window *w = ldfi_stage_data(st);

	if (w) {
		clear_keys(w);
		free(w->keys);
	}
	free(w);
	ldfi_stage_set_data(st, NULL);
}

static int window_size(const struct ldfi_stage *st)
{
	return ldfi_stage_conf(st)->comps[ldfi_stage_comp(st)].window;
}

/* The key of record name `name` ("src:user1.a" -> "user1") into `key`
 * (KEY_MAX + 1 bytes). Returns its length, or LDFI_EINVAL if empty. */
static int key_of(const char *name, char *key)
{
	const char *s = strchr(name, ':'), *e;
	size_t n;

	s = s ? s + 1 : name;
	e = strchr(s, '.');
	n = e ? (size_t)(e - s) : strlen(s);
	if (n == 0 || n > KEY_MAX - 40)
		return LDFI_EINVAL;
	memcpy(key, s, n);
	key[n] = '\0';
	return (int)n;
}

static int remember_key(struct window *w, const char *key)
{
	for (int i = 0; i < w->n_keys; i++)
		if (strcmp(w->keys[i], key) == 0)
			return 0;
	if (w->n_keys == w->cap_keys) {
		int cap = w->cap_keys ? 2 * w->cap_keys : 8;
		char **k = realloc(w->keys, (size_t)cap * sizeof(*k));

		if (!k)
			return LDFI_ENOMEM;
		w->keys = k;
		w->cap_keys = cap;
	}
	if (!(w->keys[w->n_keys] = strdup(key)))
		return LDFI_ENOMEM;
	w->n_keys++;
	return 0;
}

/* The current window and its keys as saved bytes: int32 cur, int32 n, then
 * each key as int32 length and bytes. Only for a durable replica. */
static int save_window(struct ldfi_stage *st, const struct window *w)
{
	size_t len = 8, off = 0;
	char *buf;
	int32_t v;
	int rc;

	if (!ldfi_stage_conf(st)->comps[ldfi_stage_comp(st)].durable)
		return 0;
	for (int i = 0; i < w->n_keys; i++)
		len += 4 + strlen(w->keys[i]);
	if (!(buf = malloc(len)))
		return LDFI_ENOMEM;
	v = w->cur;
	memcpy(buf + off, &v, 4), off += 4;
	v = w->n_keys;
	memcpy(buf + off, &v, 4), off += 4;
	for (int i = 0; i < w->n_keys; i++) {
		v = (int32_t)strlen(w->keys[i]);
		memcpy(buf + off, &v, 4), off += 4;
		memcpy(buf + off, w->keys[i], (size_t)v), off += (size_t)v;
	}
	rc = ldfi_stage_save(st, buf, len);
	free(buf);
	return rc;
}

/* The window and keys save_window saved, into `w` (fresh from init). */
static int restore_window(struct ldfi_stage *st, struct window *w)
{
	size_t len = 0, off = 8;
	const char *buf = ldfi_stage_saved(st, &len);
	char key[KEY_MAX + 1];
	int32_t cur, n, k;
	int rc;

	if (!buf || len < 8)
		return 0;
	memcpy(&cur, buf, 4);
	memcpy(&n, buf + 4, 4);
	w->cur = cur;
	for (int i = 0; i < n; i++) {
		if (off + 4 > len || (memcpy(&k, buf + off, 4), k < 0) || k > KEY_MAX ||
		    off + 4 + (size_t)k > len)
			return LDFI_ESTAGE;
		memcpy(key, buf + off + 4, (size_t)k);
		key[k] = '\0';
		off += 4 + (size_t)k;
		if ((rc = remember_key(w, key)))
			return rc;
	}
	return 0;
}

static int window_on_message(struct ldfi_stage *st, const struct ldfi_msg *m)
{
	const struct ldfi_comp *c = &ldfi_stage_conf(st)->comps[ldfi_stage_comp(st)];
	struct window *w = ldfi_stage_data(st);
	const char *name = ldfi_stage_record_name(st, m->rec);
	char key[KEY_MAX + 1], sk[KEY_MAX + 64];
	int win = (ldfi_stage_round(st) - 1) / c->window, rc;
	int64_t count = 0;

	if (!name || key_of(name, key) < 0)
		return LDFI_ESTAGE;
	if (c->dedup) {
		snprintf(sk, sizeof(sk), "s:%d", m->rec);
		if ((rc = ldfi_stage_get(st, sk, NULL)) != 0)
			return rc < 0 ? rc : 0; /* counted before */
		if ((rc = ldfi_stage_put(st, sk, 1)))
			return rc;
	}
	if (win != w->cur) {
		clear_keys(w);
		w->cur = win;
	}
	snprintf(sk, sizeof(sk), "c:%d:%s", win, key);
	if ((rc = ldfi_stage_get(st, sk, &count)) < 0)
		return rc;
	if ((rc = ldfi_stage_put(st, sk, count + 1)) || (rc = remember_key(w, key)))
		return rc;
	return save_window(st, w);
}

/* Send window `win`'s count of each key, keys in first-met order. */
static int emit_window(struct ldfi_stage *st, struct window *w, int win)
{
	char sk[KEY_MAX + 64], rname[KEY_MAX + 64];

	for (int i = 0; i < w->n_keys; i++) {
		int64_t count = 0;
		int rc, rec;

		snprintf(sk, sizeof(sk), "c:%d:%s", win, w->keys[i]);
		/* Each key's record derives from its own entry only, i.e. from
		 * every input counted for it. */
		ldfi_stage_forget_reads(st);
		if ((rc = ldfi_stage_get(st, sk, &count)) != 1)
			return rc < 0 ? rc : LDFI_ESTAGE;
		snprintf(rname, sizeof(rname), "%s@w%d=%lld", w->keys[i], win, (long long)count);
		if ((rec = ldfi_stage_record(st, rname)) < 0)
			return rec;
		if ((rc = ldfi_stage_send(st, LDFI_HOP_DOWNSTREAM, rec)))
			return rc;
	}
	clear_keys(w);
	return save_window(st, w);
}

static int window_on_round(struct ldfi_stage *st, int round)
{
	struct window *w = ldfi_stage_data(st);
	int size = window_size(st), win = (round - 1) / size;

	if (round % size != 0 || w->cur != win)
		return 0;
	return emit_window(st, w, win);
}

/* Back up in round `round` after being down since `down_from`: a durable
 * replica takes its window and keys back, and emits now the window that
 * closed while it was down. A volatile one starts from nothing (init). */
static int window_on_recover(struct ldfi_stage *st, int round, int down_from)
{
	struct window *w = ldfi_stage_data(st);
	int size = window_size(st), rc, end;

	if (!ldfi_stage_conf(st)->comps[ldfi_stage_comp(st)].durable)
		return 0;
	if ((rc = restore_window(st, w)) || w->cur < 0 || !w->n_keys)
		return rc;
	end = (w->cur + 1) * size;
	return end >= down_from && end < round ? emit_window(st, w, w->cur) : 0;
}

const struct ldfi_stage_ops ldfi_window_count_ops = {
    .api_version = LDFI_STAGE_API_VERSION,
    .kind = "window-count",
    .init = window_init,
    .finish = window_finish,
    .on_message = window_on_message,
    .on_round = window_on_round,
    .on_recover = window_on_recover,
};
