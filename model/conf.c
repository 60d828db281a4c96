/*
 * conf.c - the pipeline.conf parser (grammar and messages in
 * docs/pipeline-conf.md).
 *
 * Two passes. The first reads the text line by line and checks what a line
 * shows on its own: syntax, section kinds and names, known keys, duplicate
 * keys and names, numbers, enum values, lists. The second checks what needs
 * the whole file, in this order: [explore] (eot, eff, crashes), then every
 * other section in file order (required keys, bounds that depend on eot,
 * references), then cycles among stages, checks' sources, and the presence
 * of a source, a sink and a check. The first error stops the parse. Last,
 * nodes and components are sorted by name and references become indices.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ldfi/conf.h"
#include "ldfi/ldfi.h"
#include "model/strmap.h"
#include "model/util.h"

#define RECORDS_MAX 1000000
#define FILE_MAX (256u << 20) /* bytes ldfi_conf_load reads at most */
#define SHOW_MAX 64	      /* bytes of user text quoted in a message */
#define SLOT_LEN (SHOW_MAX * 4 + 40)
#define NSLOTS 8
#define NAME_CHARS "names are made of A-Z, a-z, 0-9, '_', '.' and '-'"

enum skind { S_EXPLORE, S_NODE, S_SOURCE, S_STAGE, S_SINK, S_CHECK, S_NKINDS };

static const char *const skind_names[S_NKINDS] = {"explore", "node", "source",
						  "stage",   "sink", "check"};

enum key {
	K_EOT,
	K_EFF,
	K_CRASHES,
	K_MAX_RUNS,
	K_STRATEGY,
	K_SEED,
	K_RUN_TIMEOUT,
	K_NODE,
	K_NODES,
	K_RECORDS,
	K_AT,
	K_TO,
	K_DELIVERY,
	K_RELAY,
	K_RETRY_EVERY,
	K_KIND,
	K_DEDUP,
	K_LIBRARY,
	K_SYMBOL,
	K_SINK,
	K_SOURCE,
	K_HOLDS,
	K_WINDOW,
	K_COMMAND,
	K_RESTARTS,
	K_DOWNTIME,
	K_DURABLE,
	K_ACKS,
	K_NKEYS
};

#define IN(kind) (1u << (kind))

static const struct {
	const char *name;
	unsigned kinds; /* sections that take the key */
} keys[K_NKEYS] = {
    [K_EOT] = {"eot", IN(S_EXPLORE)},
    [K_EFF] = {"eff", IN(S_EXPLORE)},
    [K_CRASHES] = {"crashes", IN(S_EXPLORE)},
    [K_MAX_RUNS] = {"max_runs", IN(S_EXPLORE)},
    [K_STRATEGY] = {"strategy", IN(S_EXPLORE)},
    [K_SEED] = {"seed", IN(S_EXPLORE)},
    [K_RUN_TIMEOUT] = {"run_timeout", IN(S_EXPLORE)},
    [K_NODE] = {"node", IN(S_SOURCE)},
    [K_NODES] = {"nodes", IN(S_STAGE) | IN(S_SINK)},
    [K_RECORDS] = {"records", IN(S_SOURCE)},
    [K_AT] = {"at", IN(S_SOURCE)},
    [K_TO] = {"to", IN(S_SOURCE) | IN(S_STAGE)},
    [K_DELIVERY] = {"delivery", IN(S_SOURCE) | IN(S_STAGE)},
    [K_RELAY] = {"relay", IN(S_SINK)},
    [K_RETRY_EVERY] = {"retry_every", IN(S_SOURCE) | IN(S_STAGE) | IN(S_SINK)},
    [K_KIND] = {"kind", IN(S_STAGE) | IN(S_CHECK)},
    [K_DEDUP] = {"dedup", IN(S_STAGE) | IN(S_SINK)},
    [K_LIBRARY] = {"library", IN(S_STAGE) | IN(S_CHECK)},
    [K_SYMBOL] = {"symbol", IN(S_STAGE) | IN(S_CHECK)},
    [K_SINK] = {"sink", IN(S_CHECK)},
    [K_SOURCE] = {"source", IN(S_CHECK)},
    [K_HOLDS] = {"holds", IN(S_CHECK)},
    [K_WINDOW] = {"window", IN(S_STAGE)},
    [K_COMMAND] = {"command", IN(S_STAGE) | IN(S_CHECK)},
    [K_RESTARTS] = {"restarts", IN(S_EXPLORE)},
    [K_DOWNTIME] = {"downtime", IN(S_EXPLORE)},
    [K_DURABLE] = {"durable", IN(S_SOURCE) | IN(S_STAGE) | IN(S_SINK)},
    [K_ACKS] = {"acks", IN(S_STAGE)},
};

/* Enum values as written in the conf, indexed by the enum. */
static const char *const delivery_names[] = {"none", "once", "repeat", "ack"};
static const char *const strategy_names[] = {"ldfi", "random", "exhaustive"};
static const char *const stage_kind_names[] = {"relay", "plugin", "window-count", "process"};
static const char *const check_kind_names[] = {"delivered",    "agreement", "no-duplicates",
					       "exactly-once", "ordered",   "matches-fault-free",
					       "plugin",       "process"};
static const char *const yes_no[] = {"yes", "no"};
static const char *const auto_manual[] = {"auto", "manual"};

#define NELEMS(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* A node as first met, before sorting. */
struct pnode {
	char *name;
	int line;	  /* first mention */
	int section_line; /* its [node NAME] section, 0 if none */
	int mark;	  /* 1 + the section whose node list named it last */
};

/*
 * One section. For sources, stages and sinks `comp` is filled as keys are
 * read, with `to` and `nodes` holding section and pnode indices until the
 * final build; likewise `check` with its `sink` and `source`.
 */
struct sect {
	enum skind kind;
	char *name; /* NULL for [explore] */
	int line;
	int key_line[K_NKEYS];	  /* 0: key absent */
	char *to, *sink, *source; /* referenced names */
	struct ldfi_comp comp;
	struct ldfi_check check;
	int index; /* in conf->comps once sorted */
};

struct parser {
	const char *path;
	char *err;
	size_t errlen;
	int line;
	struct ldfi_conf *conf;
	struct sect *sects;
	int n_sects, cap_sects;
	int cur;     /* section being read, -1 before the first header */
	int explore; /* the [explore] section, -1 if none */
	struct pnode *nodes;
	int n_nodes, cap_nodes;
	struct ldfi_strmap node_names, comp_names, check_names;
	char *buf; /* the current line, NUL-terminated */
	size_t cap_buf;
	char slots[NSLOTS][SLOT_LEN]; /* quoted text for messages */
	int next_slot;
};

/* --- small helpers --- */

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static char *trim(char *s)
{
	char *e;

	while (is_space(*s))
		s++;
	e = s + strlen(s);
	while (e > s && is_space(e[-1]))
		e--;
	*e = '\0';
	return s;
}

/* The next whitespace-separated word of *s (NUL-terminated in place), or NULL. */
static char *next_word(char **s)
{
	char *w = *s, *e;

	while (is_space(*w))
		w++;
	if (!*w)
		return NULL;
	for (e = w; *e && !is_space(*e); e++)
		;
	if (*e)
		*e++ = '\0';
	*s = e;
	return w;
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '-';
}

static bool valid_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!name_char(*s))
			return false;
	return true;
}

static bool valid_symbol(const char *s)
{
	if ((*s >= '0' && *s <= '9') || !*s)
		return false;
	for (; *s; s++)
		if (!name_char(*s) || *s == '.' || *s == '-')
			return false;
	return true;
}

static int find_name(const char *const *names, int n, const char *s)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(names[i], s))
			return i;
	return -1;
}

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* --- messages --- */

static int fail(struct parser *p, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Store "PATH:LINE: message" and return LDFI_EINVAL. */
static int fail(struct parser *p, int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!p->err || !p->errlen)
		return LDFI_EINVAL;
	n = snprintf(p->err, p->errlen, "%s:%d: ", p->path, line);
	if (n >= 0 && (size_t)n < p->errlen) {
		va_start(ap, fmt);
		vsnprintf(p->err + n, p->errlen - n, fmt, ap);
		va_end(ap);
	}
	return LDFI_EINVAL;
}

/* Append to the message fail() stored. */
static void fail_append(struct parser *p, const char *s)
{
	size_t n;

	if (!p->err || !p->errlen)
		return;
	n = strlen(p->err);
	snprintf(p->err + n, p->errlen - n, "%s", s);
}

static char *slot(struct parser *p)
{
	return p->slots[p->next_slot++ % NSLOTS];
}

/* User text fit for a message: control bytes escaped, cut after SHOW_MAX
 * bytes (at a UTF-8 character boundary) with "...". */
static const char *show(struct parser *p, const char *s)
{
	char *out = slot(p), *o = out;
	size_t n = strnlen(s, SHOW_MAX + 1), i;
	bool cut = n > SHOW_MAX;

	if (cut) {
		n = SHOW_MAX;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			o += sprintf(o, "\\x%02x", c);
		else
			*o++ = (char)c;
	}
	strcpy(o, cut ? "..." : "");
	return out;
}

/* "[explore]" or "[stage parse]". */
static const char *desc(struct parser *p, const struct sect *s)
{
	const char *name = s->name ? show(p, s->name) : NULL;
	char *out = slot(p);

	if (name)
		snprintf(out, SLOT_LEN, "[%s %s]", skind_names[s->kind], name);
	else
		snprintf(out, SLOT_LEN, "[%s]", skind_names[s->kind]);
	return out;
}

/* "'a', 'b' or 'c'" for an enum's values. */
static const char *one_of(struct parser *p, const char *const *names, int n)
{
	char *out = slot(p);
	size_t len = 0;
	int i;

	out[0] = '\0';
	for (i = 0; i < n; i++) {
		const char *sep = i == 0 ? "" : i == n - 1 ? " or " : ", ";

		len += snprintf(out + len, SLOT_LEN - len, "%s%s", sep, names[i]);
		if (len >= SLOT_LEN)
			break;
	}
	return out;
}

/* --- sections and nodes --- */

static void comp_free(struct ldfi_comp *c)
{
	int i;

	free(c->name);
	free(c->nodes);
	for (i = 0; i < c->n_records; i++)
		free(c->records[i]);
	free(c->records);
	free(c->library);
	free(c->symbol);
	free(c->command);
	ldfi_argv_free(c->argv);
}

static void check_free(struct ldfi_check *c)
{
	free(c->name);
	free(c->library);
	free(c->symbol);
	free(c->command);
	ldfi_argv_free(c->argv);
}

static void sect_free(struct sect *s)
{
	free(s->name);
	free(s->to);
	free(s->sink);
	free(s->source);
	comp_free(&s->comp);
	check_free(&s->check);
}

static void parser_free(struct parser *p)
{
	int i;

	for (i = 0; i < p->n_sects; i++)
		sect_free(&p->sects[i]);
	free(p->sects);
	for (i = 0; i < p->n_nodes; i++)
		free(p->nodes[i].name);
	free(p->nodes);
	ldfi_strmap_finish(&p->node_names);
	ldfi_strmap_finish(&p->comp_names);
	ldfi_strmap_finish(&p->check_names);
	free(p->buf);
}

/* Grow an array of `*cap` elements of `size` bytes to hold one more. */
static int grow(void **v, int *cap, int n, size_t size)
{
	int ncap;
	void *nv;

	if (n < *cap)
		return 0;
	if (*cap > INT_MAX / 2)
		return LDFI_ENOMEM;
	ncap = *cap ? *cap * 2 : 8;
	nv = realloc(*v, (size_t)ncap * size);
	if (!nv)
		return LDFI_ENOMEM;
	*v = nv;
	*cap = ncap;
	return 0;
}

/* Index of node `name`, adding it (first mentioned on this line) if new. */
static int add_node(struct parser *p, const char *name, int *idx)
{
	struct pnode *n;
	char *copy;

	*idx = ldfi_strmap_find(&p->node_names, name);
	if (*idx >= 0)
		return 0;
	if (grow((void **)&p->nodes, &p->cap_nodes, p->n_nodes, sizeof(*p->nodes)))
		return LDFI_ENOMEM;
	copy = strdup(name);
	if (!copy)
		return LDFI_ENOMEM;
	if (ldfi_strmap_set(&p->node_names, copy, p->n_nodes)) {
		free(copy);
		return LDFI_ENOMEM;
	}
	n = &p->nodes[p->n_nodes];
	n->name = copy;
	n->line = p->line;
	n->section_line = 0;
	n->mark = 0;
	*idx = p->n_nodes++;
	return 0;
}

static void sect_init(struct sect *s, enum skind kind, int line)
{
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	s->line = line;
	s->comp.to = -1;
	s->comp.delivery = kind == S_SINK ? LDFI_DELIVERY_NONE : LDFI_DELIVERY_ONCE;
	s->comp.retry_every = 1;
	s->comp.at = kind == S_SOURCE ? 1 : 0;
	s->comp.type = kind == S_SOURCE	 ? LDFI_COMP_SOURCE
		       : kind == S_STAGE ? LDFI_COMP_STAGE
					 : LDFI_COMP_SINK;
	s->check.sink = -1;
	s->check.holds = -1;
	s->check.source = -1;
	s->index = -1;
}

/* Is a new section of this kind and name a duplicate? */
static int check_new_sect(struct parser *p, enum skind kind, const char *name)
{
	int i;

	switch (kind) {
	case S_EXPLORE:
		if (p->explore >= 0)
			return fail(p, p->line, "duplicate [explore] section: first at line %d",
				    p->sects[p->explore].line);
		return 0;
	case S_NODE:
		i = ldfi_strmap_find(&p->node_names, name);
		if (i >= 0 && p->nodes[i].section_line)
			return fail(p, p->line, "duplicate [node %s] section: first at line %d",
				    show(p, name), p->nodes[i].section_line);
		return 0;
	case S_CHECK:
		i = ldfi_strmap_find(&p->check_names, name);
		break;
	default:
		i = ldfi_strmap_find(&p->comp_names, name);
		break;
	}
	if (i >= 0)
		return fail(p, p->line, "duplicate name '%s': already used by %s at line %d",
			    show(p, name), desc(p, &p->sects[i]), p->sects[i].line);
	return 0;
}

/* Register a new section's name. */
static int name_sect(struct parser *p, struct sect *s, int idx)
{
	int node;

	switch (s->kind) {
	case S_EXPLORE:
		p->explore = idx;
		return 0;
	case S_NODE:
		if (add_node(p, s->name, &node))
			return LDFI_ENOMEM;
		p->nodes[node].section_line = p->line;
		return 0;
	case S_CHECK:
		return ldfi_strmap_set(&p->check_names, s->name, idx);
	default:
		return ldfi_strmap_set(&p->comp_names, s->name, idx);
	}
}

static int new_sect(struct parser *p, enum skind kind, const char *name)
{
	struct sect *s;
	int rc;

	rc = check_new_sect(p, kind, name);
	if (rc)
		return rc;
	if (grow((void **)&p->sects, &p->cap_sects, p->n_sects, sizeof(*p->sects)))
		return LDFI_ENOMEM;
	s = &p->sects[p->n_sects];
	sect_init(s, kind, p->line);
	if (name && !(s->name = strdup(name)))
		return LDFI_ENOMEM;
	p->n_sects++; /* from here on parser_free() frees it */
	rc = name_sect(p, s, p->n_sects - 1);
	if (rc)
		return rc;
	p->cur = p->n_sects - 1;
	return 0;
}

/* --- pass one: lines --- */

static bool has_space(const char *s)
{
	for (; *s; s++)
		if (is_space(*s))
			return true;
	return false;
}

/* "[kind name]", trimmed and without its comment. */
static int read_header(struct parser *p, char *line)
{
	char *close = strchr(line, ']'), *rest, *kind, *name;
	int k;

	if (!close)
		return fail(p, p->line, "unterminated section header '%s'", show(p, line));
	*close = '\0';
	if (close[1])
		return fail(p, p->line, "unexpected text '%s' after '%s]'",
			    show(p, trim(close + 1)), show(p, line));
	rest = line + 1;
	kind = next_word(&rest);
	name = trim(rest);
	if (!kind)
		return fail(p, p->line, "empty section header '[]'");
	k = find_name(skind_names, S_NKINDS, kind);
	if (k < 0)
		return fail(p, p->line, "unknown section kind '%s' (expected %s)", show(p, kind),
			    one_of(p, skind_names, S_NKINDS));
	if (k == S_EXPLORE && *name)
		return fail(p, p->line, "[explore] takes no name, got '%s'", show(p, name));
	if (k == S_EXPLORE)
		return new_sect(p, S_EXPLORE, NULL);
	if (!*name)
		return fail(p, p->line, "missing name in [%s]", kind);
	if (has_space(name))
		return fail(p, p->line, "bad name '%s' in [%s %s]: names cannot contain spaces",
			    show(p, name), kind, show(p, name));
	if (!valid_name(name))
		return fail(p, p->line, "bad name '%s' in [%s %s]: " NAME_CHARS, show(p, name),
			    kind, show(p, name));
	return new_sect(p, k, name);
}

static const char *key_hint(enum skind kind, int k)
{
	if (kind == S_SINK && k == K_TO)
		return ": a sink has no 'to'";
	if (kind == S_SINK && k == K_DELIVERY)
		return ": a sink's replicas use 'relay'";
	if (kind == S_SOURCE && k == K_NODES)
		return ": a source has one 'node'";
	if ((kind == S_STAGE || kind == S_SINK) && k == K_NODE)
		return ": use 'nodes'";
	if (kind == S_NODE)
		return ": [node] sections take no keys yet";
	return "";
}

/* Parse strict decimal digits. 0, -1 if not a number, -2 if over 64 bits. */
static int parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	const char *c;

	if (!*s)
		return -1;
	for (c = s; *c; c++)
		if (*c < '0' || *c > '9')
			return -1;
	for (c = s; *c; c++) {
		unsigned d = (unsigned)(*c - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -2;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* A number in min..max; `max_name` names a bound checked later ("eot"). */
static int get_num(struct parser *p, struct sect *s, int k, const char *val, uint64_t min,
		   uint64_t max, const char *max_name, uint64_t *out)
{
	char maxbuf[24];
	uint64_t v = 0;
	int r = parse_u64(val, &v);

	if (r == -1)
		return fail(p, p->line,
			    "bad number '%s' for '%s' in %s: expected a decimal integer",
			    show(p, val), keys[k].name, desc(p, s));
	if (r == 0 && v >= min && v <= max) {
		*out = v;
		return 0;
	}
	snprintf(maxbuf, sizeof(maxbuf), "%" PRIu64, max);
	return fail(p, p->line, "%s %s out of range %" PRIu64 "..%s in %s", keys[k].name,
		    show(p, val), min, max_name ? max_name : maxbuf, desc(p, s));
}

static int get_int(struct parser *p, struct sect *s, int k, const char *val, int min, int max,
		   const char *max_name, int *out)
{
	uint64_t v;
	int rc = get_num(p, s, k, val, (uint64_t)min, (uint64_t)max, max_name, &v);

	if (!rc)
		*out = (int)v;
	return rc;
}

static int get_enum(struct parser *p, struct sect *s, int k, const char *val,
		    const char *const *names, int n, int *out)
{
	int i = find_name(names, n, val);

	if (i < 0)
		return fail(p, p->line, "bad value '%s' for '%s' in %s (expected %s)", show(p, val),
			    keys[k].name, desc(p, s), one_of(p, names, n));
	*out = i;
	return 0;
}

static int check_name(struct parser *p, struct sect *s, int k, const char *name)
{
	if (valid_name(name))
		return 0;
	return fail(p, p->line, "bad name '%s' in '%s' of %s: " NAME_CHARS, show(p, name),
		    keys[k].name, desc(p, s));
}

/* A key that takes exactly one name. */
static int get_one_name(struct parser *p, struct sect *s, int k, const char *val)
{
	if (strchr(val, ','))
		return fail(p, p->line, "'%s' in %s takes exactly one name, got '%s'", keys[k].name,
			    desc(p, s), show(p, val));
	return check_name(p, s, k, val);
}

static bool has_empty_item(const char *val)
{
	bool seen = false;

	for (; *val; val++) {
		if (*val == ',') {
			if (!seen)
				return true;
			seen = false;
		} else if (!is_space(*val)) {
			seen = true;
		}
	}
	return !seen;
}

/* Split a comma-separated list in place into trimmed, non-empty items. */
static int split_list(struct parser *p, struct sect *s, int k, char *val, char ***items, int *n)
{
	int count = 1, i = 0;
	char *c, *item;

	if (has_empty_item(val))
		return fail(p, p->line, "empty item in the list '%s' for '%s' in %s", show(p, val),
			    keys[k].name, desc(p, s));
	for (c = val; *c; c++)
		count += *c == ',';
	*items = malloc((size_t)count * sizeof(**items));
	if (!*items)
		return LDFI_ENOMEM;
	for (item = val;; item = c + 1) {
		c = strchr(item, ',');
		if (c)
			*c = '\0';
		(*items)[i++] = trim(item);
		if (!c)
			break;
	}
	*n = count;
	return 0;
}

static int add_list_node(struct parser *p, struct sect *s, int k, const char *name)
{
	int idx, rc;

	rc = check_name(p, s, k, name);
	if (!rc)
		rc = add_node(p, name, &idx);
	if (rc)
		return rc;
	if (p->nodes[idx].mark == p->cur + 1)
		return fail(p, p->line, "duplicate node '%s' in 'nodes' of %s", show(p, name),
			    desc(p, s));
	p->nodes[idx].mark = p->cur + 1;
	s->comp.nodes[s->comp.n_nodes++] = idx;
	return 0;
}

/* `node` (one name) or `nodes` (a list). */
static int set_nodes(struct parser *p, struct sect *s, int k, char *val)
{
	char **items = NULL;
	int n = 0, i, rc;

	if (k == K_NODE && (rc = get_one_name(p, s, k, val)))
		return rc;
	rc = split_list(p, s, k, val, &items, &n);
	if (rc)
		return rc;
	s->comp.nodes = malloc((size_t)n * sizeof(*s->comp.nodes));
	if (!s->comp.nodes) {
		rc = LDFI_ENOMEM;
		goto out;
	}
	for (i = 0; i < n && !rc; i++)
		rc = add_list_node(p, s, k, items[i]);
out:
	free(items);
	return rc;
}

static bool is_count(const char *val)
{
	if (*val == '+' || *val == '-')
		val++;
	if (!*val)
		return false;
	for (; *val; val++)
		if (*val < '0' || *val > '9')
			return false;
	return true;
}

/* records = N: names "1".."N". */
static int set_record_count(struct parser *p, struct sect *s, const char *val)
{
	char name[16];
	int n, rc;

	rc = get_int(p, s, K_RECORDS, val, 1, RECORDS_MAX, NULL, &n);
	if (rc)
		return rc;
	s->comp.records = calloc((size_t)n, sizeof(*s->comp.records));
	if (!s->comp.records)
		return LDFI_ENOMEM;
	while (s->comp.n_records < n) {
		snprintf(name, sizeof(name), "%d", s->comp.n_records + 1);
		s->comp.records[s->comp.n_records] = strdup(name);
		if (!s->comp.records[s->comp.n_records])
			return LDFI_ENOMEM;
		s->comp.n_records++;
	}
	return 0;
}

static int add_record(struct parser *p, struct sect *s, struct ldfi_strmap *seen, const char *name)
{
	char *copy;
	int rc;

	rc = check_name(p, s, K_RECORDS, name);
	if (rc)
		return rc;
	if (ldfi_strmap_find(seen, name) >= 0)
		return fail(p, p->line, "duplicate record '%s' in 'records' of %s", show(p, name),
			    desc(p, s));
	copy = strdup(name);
	if (!copy)
		return LDFI_ENOMEM;
	s->comp.records[s->comp.n_records++] = copy;
	return ldfi_strmap_set(seen, copy, 0);
}

/* records = a, b, c. */
static int set_record_list(struct parser *p, struct sect *s, char *val)
{
	struct ldfi_strmap seen = {0};
	char **items = NULL;
	int n = 0, i, rc;

	rc = split_list(p, s, K_RECORDS, val, &items, &n);
	if (rc)
		return rc;
	if (n > RECORDS_MAX) {
		rc = fail(p, p->line, "too many records in %s: %d, at most %d", desc(p, s), n,
			  RECORDS_MAX);
		goto out;
	}
	s->comp.records = calloc((size_t)n, sizeof(*s->comp.records));
	if (!s->comp.records) {
		rc = LDFI_ENOMEM;
		goto out;
	}
	for (i = 0; i < n && !rc; i++)
		rc = add_record(p, s, &seen, items[i]);
out:
	ldfi_strmap_finish(&seen);
	free(items);
	return rc;
}

static int set_string(struct parser *p, struct sect *s, int k, const char *val, char **out)
{
	if (k == K_SYMBOL && !valid_symbol(val))
		return fail(p, p->line, "bad symbol '%s' in %s: expected a C identifier",
			    show(p, val), desc(p, s));
	if (k != K_LIBRARY && k != K_SYMBOL) {
		int rc = get_one_name(p, s, k, val);

		if (rc)
			return rc;
	}
	*out = strdup(val);
	return *out ? 0 : LDFI_ENOMEM;
}

/* command = python3 enrich.py: split as a shell would, without a shell. */
static int set_command(struct parser *p, struct sect *s, const char *val)
{
	char why[200], ***argv = s->kind == S_CHECK ? &s->check.argv : &s->comp.argv;
	char **command = s->kind == S_CHECK ? &s->check.command : &s->comp.command;
	int rc = ldfi_shell_split(val, argv, why, sizeof(why));

	if (rc == LDFI_EINVAL)
		return fail(p, p->line, "bad 'command' in %s: %s", desc(p, s), why);
	if (rc)
		return rc;
	*command = strdup(val);
	return *command ? 0 : LDFI_ENOMEM;
}

static int set_kind(struct parser *p, struct sect *s, const char *val)
{
	int v = 0, rc;

	if (s->kind == S_STAGE) {
		rc = get_enum(p, s, K_KIND, val, stage_kind_names, NELEMS(stage_kind_names), &v);
		if (!rc)
			s->comp.kind = (enum ldfi_stage_kind)v;
	} else {
		rc = get_enum(p, s, K_KIND, val, check_kind_names, NELEMS(check_kind_names), &v);
		if (!rc)
			s->check.kind = (enum ldfi_check_kind)v;
	}
	return rc;
}

static int set_explore_key(struct parser *p, struct sect *s, int k, const char *val)
{
	struct ldfi_conf *c = p->conf;
	uint64_t v = 0;
	int e = 0, rc;

	switch (k) {
	case K_EOT:
		return get_int(p, s, k, val, 1, LDFI_EOT_MAX, NULL, &c->eot);
	case K_EFF:
		return get_int(p, s, k, val, 0, INT_MAX, "eot", &c->eff);
	case K_CRASHES:
		return get_int(p, s, k, val, 0, INT_MAX, "(number of nodes)", &c->crashes);
	case K_RESTARTS:
		return get_int(p, s, k, val, 0, INT_MAX, "(number of nodes)", &c->restarts);
	case K_DOWNTIME:
		return get_int(p, s, k, val, 1, INT_MAX, "eot-1", &c->downtime);
	case K_MAX_RUNS:
		if (!(rc = get_num(p, s, k, val, 1, LLONG_MAX, NULL, &v)))
			c->max_runs = (long long)v;
		return rc;
	case K_SEED:
		return get_num(p, s, k, val, 0, UINT64_MAX, NULL, &c->seed);
	case K_RUN_TIMEOUT:
		return get_int(p, s, k, val, 1, 86400, NULL, &c->run_timeout);
	default: /* K_STRATEGY */
		if (!(rc = get_enum(p, s, k, val, strategy_names, NELEMS(strategy_names), &e)))
			c->strategy = (enum ldfi_strategy)e;
		return rc;
	}
}

static int set_key(struct parser *p, struct sect *s, int k, char *val)
{
	int v = 0, rc;

	switch (k) {
	case K_NODE:
	case K_NODES:
		return set_nodes(p, s, k, val);
	case K_RECORDS:
		if (!strchr(val, ',') && is_count(val))
			return set_record_count(p, s, val);
		return set_record_list(p, s, val);
	case K_AT:
		return get_int(p, s, k, val, 1, INT_MAX, "eot", &s->comp.at);
	case K_RETRY_EVERY:
		return get_int(p, s, k, val, 1, INT_MAX, "eot", &s->comp.retry_every);
	case K_WINDOW:
		return get_int(p, s, k, val, 1, INT_MAX, "eot", &s->comp.window);
	case K_COMMAND:
		return set_command(p, s, val);
	case K_HOLDS:
		if (strcmp(val, "all") == 0 || strcmp(val, "any") == 0) {
			s->check.holds = val[1] == 'n';
			return 0;
		}
		if (!is_count(val))
			return fail(
			    p, p->line,
			    "bad value '%s' for 'holds' in %s (expected all, any or a number "
			    "of replicas)",
			    show(p, val), desc(p, s));
		return get_int(p, s, k, val, 1, 1000, NULL, &s->check.holds);
	case K_DELIVERY:
		rc = get_enum(p, s, k, val, delivery_names + 1, NELEMS(delivery_names) - 1, &v);
		s->comp.delivery = (enum ldfi_delivery)(v + 1);
		return rc;
	case K_RELAY:
		rc = get_enum(p, s, k, val, delivery_names, NELEMS(delivery_names), &v);
		s->comp.delivery = (enum ldfi_delivery)v;
		return rc;
	case K_DEDUP:
	case K_DURABLE:
		rc = get_enum(p, s, k, val, yes_no, NELEMS(yes_no), &v);
		*(k == K_DEDUP ? &s->comp.dedup : &s->comp.durable) = v == 0;
		return rc;
	case K_ACKS:
		rc = get_enum(p, s, k, val, auto_manual, NELEMS(auto_manual), &v);
		s->comp.manual_acks = v == 1;
		return rc;
	case K_KIND:
		return set_kind(p, s, val);
	case K_TO:
		return set_string(p, s, k, val, &s->to);
	case K_SINK:
		return set_string(p, s, k, val, &s->sink);
	case K_SOURCE:
		return set_string(p, s, k, val, &s->source);
	case K_LIBRARY:
	case K_SYMBOL:
		if (s->kind == S_STAGE)
			return set_string(p, s, k, val,
					  k == K_LIBRARY ? &s->comp.library : &s->comp.symbol);
		return set_string(p, s, k, val,
				  k == K_LIBRARY ? &s->check.library : &s->check.symbol);
	default:
		return set_explore_key(p, s, k, val);
	}
}

/* "key = value", trimmed and without its comment. */
static int read_key(struct parser *p, char *line)
{
	char *eq = strchr(line, '='), *key, *val;
	struct sect *s;
	int k;

	if (!eq)
		return fail(p, p->line,
			    "expected '[kind name]', 'key = value' or a comment, got '%s'",
			    show(p, line));
	*eq = '\0';
	key = trim(line);
	val = trim(eq + 1);
	if (!*key)
		return fail(p, p->line, "missing key before '='");
	if (p->cur < 0)
		return fail(p, p->line,
			    "key '%s' outside any section (a [kind name] header must "
			    "come first)",
			    show(p, key));
	s = &p->sects[p->cur];
	for (k = 0; k < K_NKEYS && strcmp(keys[k].name, key); k++)
		;
	if (k == K_NKEYS || !(keys[k].kinds & IN(s->kind)))
		return fail(p, p->line, "unknown key '%s' in %s%s", show(p, key), desc(p, s),
			    key_hint(s->kind, k));
	if (s->key_line[k])
		return fail(p, p->line, "duplicate key '%s' in %s: first at line %d", key,
			    desc(p, s), s->key_line[k]);
	if (!*val)
		return fail(p, p->line, "missing value for '%s' in %s", key, desc(p, s));
	s->key_line[k] = p->line;
	return set_key(p, s, k, val);
}

static int read_line(struct parser *p, const char *text, size_t n)
{
	char *line, *hash;

	if (memchr(text, '\0', n))
		return fail(p, p->line, "line contains a NUL byte");
	if (n + 1 > p->cap_buf) {
		char *buf = realloc(p->buf, n + 1);

		if (!buf)
			return LDFI_ENOMEM;
		p->buf = buf;
		p->cap_buf = n + 1;
	}
	memcpy(p->buf, text, n);
	p->buf[n] = '\0';
	hash = strchr(p->buf, '#');
	if (hash)
		*hash = '\0';
	line = trim(p->buf);
	if (!*line)
		return 0;
	if (*line == '[')
		return read_header(p, line);
	return read_key(p, line);
}

/* Lines end at "\n", "\r\n" or a lone "\r"; the last needs no end. */
static int read_text(struct parser *p, const char *text, size_t len)
{
	/* A UTF-8 byte order mark (editors on some systems write one) is not
	 * part of the first line. */
	size_t i = len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0 ? 3 : 0, start;
	int rc;

	while (i < len) {
		start = i;
		while (i < len && text[i] != '\n' && text[i] != '\r')
			i++;
		if (p->line == INT_MAX)
			return fail(p, p->line, "too many lines");
		p->line++;
		rc = read_line(p, text + start, i - start);
		if (rc)
			return rc;
		if (i < len && text[i] == '\r' && i + 1 < len && text[i + 1] == '\n')
			i++;
		i++;
	}
	return 0;
}

/* --- pass two: the whole file --- */

static int require(struct parser *p, struct sect *s, int k, const char *why)
{
	if (s->key_line[k])
		return 0;
	return fail(p, s->line, "missing key '%s' in %s%s", keys[k].name, desc(p, s), why);
}

/* A value given in the conf that must not exceed eot (at, retry_every). */
static int within_eot(struct parser *p, struct sect *s, int k, int v)
{
	if (!s->key_line[k] || v <= p->conf->eot)
		return 0;
	return fail(p, s->key_line[k], "%s %d exceeds eot %d in %s", keys[k].name, v, p->conf->eot,
		    desc(p, s));
}

static int check_explore(struct parser *p)
{
	struct ldfi_conf *c = p->conf;
	struct sect *s;
	int rc;

	if (p->explore < 0)
		return fail(p, 1, "missing [explore] section");
	s = &p->sects[p->explore];
	rc = require(p, s, K_EOT, "");
	if (rc)
		return rc;
	if (c->eff > c->eot)
		return fail(p, s->key_line[K_EFF], "eff %d exceeds eot %d", c->eff, c->eot);
	if (c->crashes > p->n_nodes)
		return fail(p, s->key_line[K_CRASHES],
			    "crashes %d exceeds the number of nodes (%d)", c->crashes, p->n_nodes);
	if (c->restarts > p->n_nodes)
		return fail(p, s->key_line[K_RESTARTS],
			    "restarts %d exceeds the number of nodes (%d)", c->restarts,
			    p->n_nodes);
	if (c->restarts > 0 && c->downtime > c->eot - 1)
		return fail(
		    p, s->key_line[K_DOWNTIME] ? s->key_line[K_DOWNTIME] : s->key_line[K_RESTARTS],
		    "downtime %d leaves no round to restart in: restart(n,t) needs "
		    "t+downtime <= eot (eot %d)",
		    c->downtime, c->eot);
	return 0;
}

/* Resolve the name in key `k` of `s` to a section of a kind in `want`. */
static int resolve(struct parser *p, struct sect *s, int k, const char *name, unsigned want,
		   int *out)
{
	const char *what = want == IN(S_SINK)	  ? "sink"
			   : want == IN(S_SOURCE) ? "source"
						  : "stage or sink";
	int i = ldfi_strmap_find(&p->comp_names, name);

	if (i < 0)
		return fail(p, s->key_line[k],
			    "'%s' in %s names '%s', but there is no %s of that name", keys[k].name,
			    desc(p, s), show(p, name), what);
	if (!(want & IN(p->sects[i].kind)))
		return fail(p, s->key_line[k], "'%s' in %s names %s '%s': expected a %s",
			    keys[k].name, desc(p, s), skind_names[p->sects[i].kind], show(p, name),
			    what);
	*out = i;
	return 0;
}

/* library and symbol: required for kind = plugin, refused otherwise. */
static int check_plugin_keys(struct parser *p, struct sect *s, bool plugin)
{
	int k, rc;

	for (k = K_LIBRARY; k <= K_SYMBOL; k++) {
		if (plugin) {
			rc = require(p, s, k, " (required for kind = plugin)");
			if (rc)
				return rc;
		} else if (s->key_line[k]) {
			return fail(p, s->key_line[k], "'%s' in %s is only for kind = plugin",
				    keys[k].name, desc(p, s));
		}
	}
	return 0;
}

static int check_source(struct parser *p, struct sect *s)
{
	int rc;

	rc = require(p, s, K_NODE, "");
	if (!rc)
		rc = require(p, s, K_RECORDS, "");
	if (!rc)
		rc = require(p, s, K_TO, "");
	if (!rc)
		rc = within_eot(p, s, K_AT, s->comp.at);
	if (!rc)
		rc = within_eot(p, s, K_RETRY_EVERY, s->comp.retry_every);
	if (!rc)
		rc = resolve(p, s, K_TO, s->to, IN(S_STAGE) | IN(S_SINK), &s->comp.to);
	return rc;
}

/* command: required for kind = process, refused otherwise. */
static int check_command_key(struct parser *p, struct sect *s)
{
	if (s->kind == S_CHECK ? s->check.kind == LDFI_CHECK_PROCESS
			       : s->comp.kind == LDFI_KIND_PROCESS)
		return require(p, s, K_COMMAND, " (required for kind = process)");
	if (s->key_line[K_COMMAND])
		return fail(p, s->key_line[K_COMMAND], "'command' in %s is only for kind = process",
			    desc(p, s));
	return 0;
}

/* window: required for kind = window-count, refused otherwise. */
static int check_window_key(struct parser *p, struct sect *s)
{
	if (s->comp.kind == LDFI_KIND_WINDOW_COUNT)
		return require(p, s, K_WINDOW, " (required for kind = window-count)");
	if (s->key_line[K_WINDOW])
		return fail(p, s->key_line[K_WINDOW],
			    "'window' in %s is only for kind = window-count", desc(p, s));
	return 0;
}

static int check_stage(struct parser *p, struct sect *s)
{
	bool plugin = s->comp.kind == LDFI_KIND_PLUGIN;
	bool custom = plugin || s->comp.kind == LDFI_KIND_PROCESS;
	int rc;

	/* A plugin or process stage may talk to components directly
	 * (ldfi_stage_send_to) instead of through a `to` hop. */
	rc = require(p, s, K_NODES, "");
	if (!rc && !custom)
		rc = require(p, s, K_TO, "");
	if (!rc)
		rc = check_plugin_keys(p, s, plugin);
	if (!rc)
		rc = check_command_key(p, s);
	if (!rc)
		rc = check_window_key(p, s);
	if (!rc && !plugin && s->key_line[K_ACKS])
		rc = fail(p, s->key_line[K_ACKS], "'acks' in %s is only for kind = plugin",
			  desc(p, s));
	if (!rc)
		rc = within_eot(p, s, K_RETRY_EVERY, s->comp.retry_every);
	if (!rc)
		rc = within_eot(p, s, K_WINDOW, s->comp.window);
	if (!rc && s->to)
		rc = resolve(p, s, K_TO, s->to, IN(S_STAGE) | IN(S_SINK), &s->comp.to);
	return rc;
}

static int check_sink(struct parser *p, struct sect *s)
{
	int rc;

	rc = require(p, s, K_NODES, "");
	if (!rc)
		rc = within_eot(p, s, K_RETRY_EVERY, s->comp.retry_every);
	return rc;
}

/* C(n, k), saturating at `cap`. */
static long choose(int n, int k, long cap)
{
	long c = 1;

	for (int i = 1; i <= k && c <= cap; i++)
		c = c * (n - k + i) / i;
	return c;
}

/* holds = K (plugin checks): at least K live replicas of the relation hold
 * each record. The lineage keeps one outcome per set of n - K + 1 replicas
 * that must all lose it: a bounded number. */
static int check_holds(struct parser *p, struct sect *s, bool plugin)
{
	int line = s->key_line[K_HOLDS], n;

	if (!plugin)
		return fail(p, line, "'holds' in %s is only for kind = plugin", desc(p, s));
	if (!s->sink)
		return fail(p, line, "'holds' in %s needs 'sink' (the relation it counts)",
			    desc(p, s));
	n = p->sects[s->check.sink].comp.n_nodes;
	if (s->check.holds > n)
		return fail(p, line, "'holds' in %s is %d, but '%s' has %d replica%s", desc(p, s),
			    s->check.holds, show(p, s->sink), n, n == 1 ? "" : "s");
	if (s->check.holds && (n > 30 || choose(n, n - s->check.holds + 1, 1024) > 1024))
		return fail(p, line,
			    "'holds = %d' in %s over %d replicas needs too many outcomes (at most "
			    "1024 sets of replicas)",
			    s->check.holds, desc(p, s), n);
	return 0;
}

static int check_check(struct parser *p, struct sect *s)
{
	bool lib = s->check.kind == LDFI_CHECK_PLUGIN;
	/* user code (plugin or process): sink optional, may read a stage */
	bool plugin = lib || s->check.kind == LDFI_CHECK_PROCESS;
	int rc;

	rc = require(p, s, K_KIND, "");
	if (!rc)
		rc = check_plugin_keys(p, s, lib);
	if (!rc)
		rc = check_command_key(p, s);
	if (!rc && !plugin)
		rc = require(p, s, K_SINK, "");
	if (!rc && s->sink)
		rc = resolve(p, s, K_SINK, s->sink, plugin ? IN(S_SINK) | IN(S_STAGE) : IN(S_SINK),
			     &s->check.sink);
	if (!rc && s->sink && plugin && p->sects[s->check.sink].kind == S_STAGE &&
	    p->sects[s->check.sink].comp.kind != LDFI_KIND_PLUGIN &&
	    p->sects[s->check.sink].comp.kind != LDFI_KIND_PROCESS)
		rc = fail(p, s->key_line[K_SINK],
			  "'sink' in %s names stage '%s', which keeps no outputs (only sinks, "
			  "plugin and process stages do)",
			  desc(p, s), show(p, s->sink));
	if (!rc && s->source)
		rc = resolve(p, s, K_SOURCE, s->source, IN(S_SOURCE), &s->check.source);
	if (!rc && s->key_line[K_HOLDS])
		rc = check_holds(p, s, plugin);
	return rc;
}

static int check_sect(struct parser *p, struct sect *s)
{
	switch (s->kind) {
	case S_SOURCE:
		return check_source(p, s);
	case S_STAGE:
		return check_stage(p, s);
	case S_SINK:
		return check_sink(p, s);
	case S_CHECK:
		return check_check(p, s);
	default: /* [explore] is checked first; [node] has nothing to check */
		return 0;
	}
}

static bool is_stage(const struct parser *p, int i)
{
	return i >= 0 && p->sects[i].kind == S_STAGE;
}

/* Report the cycle through stage `j`, from its member first in the file. */
static int report_cycle(struct parser *p, int j)
{
	int first = j, k = j, rc;

	do {
		k = p->sects[k].comp.to;
		if (k < first)
			first = k;
	} while (k != j);
	rc = fail(p, p->sects[first].line, "cycle in the stage graph: %s", p->sects[first].name);
	k = first;
	do {
		k = p->sects[k].comp.to;
		fail_append(p, " -> ");
		fail_append(p, p->sects[k].name);
	} while (k != first);
	return rc;
}

/* Every stage has one `to`: follow each chain until a sink or a stage seen
 * before; meeting a stage of the same walk closes a cycle. */
static int check_cycles(struct parser *p)
{
	int *walk, i, j, rc = 0;

	walk = calloc((size_t)p->n_sects + 1, sizeof(*walk));
	if (!walk)
		return LDFI_ENOMEM;
	for (i = 0; i < p->n_sects && !rc; i++) {
		for (j = i; is_stage(p, j) && !walk[j]; j = p->sects[j].comp.to)
			walk[j] = i + 1;
		if (is_stage(p, j) && walk[j] == i + 1)
			rc = report_cycle(p, j);
	}
	free(walk);
	return rc;
}

/* Does section `from` feed section `to` through `to` links? (No cycles.) */
static bool reaches(const struct parser *p, int from, int to)
{
	int steps;

	for (steps = 0; from >= 0 && steps <= p->n_sects; steps++) {
		from = p->sects[from].comp.to;
		if (from == to)
			return true;
	}
	return false;
}

static int check_upstream(struct parser *p)
{
	struct sect *s;
	int i;

	for (i = 0; i < p->n_sects; i++) {
		s = &p->sects[i];
		if (s->kind != S_CHECK || s->check.source < 0 || s->check.sink < 0)
			continue;
		if (!reaches(p, s->check.source, s->check.sink))
			return fail(p, s->key_line[K_SOURCE],
				    "source '%s' in %s is not upstream of sink '%s'",
				    show(p, s->source), desc(p, s), show(p, s->sink));
	}
	return 0;
}

static int check_counts(struct parser *p)
{
	static const enum skind needed[] = {S_SOURCE, S_SINK, S_CHECK};
	int count[S_NKINDS] = {0}, plugins = 0, i;

	for (i = 0; i < p->n_sects; i++) {
		count[p->sects[i].kind]++;
		plugins +=
		    p->sects[i].kind == S_STAGE && (p->sects[i].comp.kind == LDFI_KIND_PLUGIN ||
						    p->sects[i].comp.kind == LDFI_KIND_PROCESS);
	}
	/* Plugin stages can start a run (on_round) and keep outputs, standing
	 * in for a source and a sink. */
	for (i = 0; i < NELEMS(needed); i++)
		if (!count[needed[i]] && !(plugins && needed[i] != S_CHECK))
			return fail(p, p->sects[p->explore].line,
				    "no [%s] section: at least one %s is required",
				    skind_names[needed[i]], skind_names[needed[i]]);
	return 0;
}

static int check_all(struct parser *p)
{
	int i, rc;

	rc = check_explore(p);
	for (i = 0; i < p->n_sects && !rc; i++)
		rc = check_sect(p, &p->sects[i]);
	if (!rc)
		rc = check_cycles(p);
	if (!rc)
		rc = check_upstream(p);
	if (!rc)
		rc = check_counts(p);
	return rc;
}

/* --- build: sort, move into the conf, turn references into indices --- */

static int pnode_cmp(const void *a, const void *b)
{
	return strcmp(((const struct pnode *)a)->name, ((const struct pnode *)b)->name);
}

static int sect_cmp(const void *a, const void *b)
{
	return strcmp((*(struct sect *const *)a)->name, (*(struct sect *const *)b)->name);
}

static int int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* Sort the nodes into the conf; perm[old index] = sorted index. */
static int build_nodes(struct parser *p, int *perm)
{
	struct ldfi_conf *c = p->conf;
	struct pnode *v;
	int i, n = p->n_nodes;

	v = malloc((size_t)(n + 1) * sizeof(*v));
	c->nodes = calloc((size_t)n + 1, sizeof(*c->nodes));
	if (!v || !c->nodes) {
		free(v);
		return LDFI_ENOMEM;
	}
	memcpy(v, p->nodes, (size_t)n * sizeof(*v));
	for (i = 0; i < n; i++)
		v[i].mark = i;
	qsort(v, (size_t)n, sizeof(*v), pnode_cmp);
	for (i = 0; i < n; i++) {
		perm[v[i].mark] = i;
		c->nodes[i].name = v[i].name;
		c->nodes[i].line = v[i].line;
		p->nodes[v[i].mark].name = NULL; /* now the conf's */
	}
	c->n_nodes = n;
	free(v);
	return 0;
}

static void move_comp(struct parser *p, struct sect *s, const int *perm, struct ldfi_comp *out)
{
	int i;

	*out = s->comp;
	out->name = s->name;
	out->line = s->line;
	s->name = NULL;
	memset(&s->comp, 0, sizeof(s->comp));
	for (i = 0; i < out->n_nodes; i++)
		out->nodes[i] = perm[out->nodes[i]];
	qsort(out->nodes, (size_t)out->n_nodes, sizeof(*out->nodes), int_cmp);
	if (out->to >= 0)
		out->to = p->sects[out->to].index;
}

static int build_comps(struct parser *p, const int *perm)
{
	struct ldfi_conf *c = p->conf;
	struct sect **v;
	int i, n = 0;

	v = malloc((size_t)p->n_sects * sizeof(*v));
	c->comps = calloc((size_t)p->n_sects, sizeof(*c->comps));
	if (!v || !c->comps) {
		free(v);
		return LDFI_ENOMEM;
	}
	for (i = 0; i < p->n_sects; i++)
		if (p->sects[i].kind >= S_SOURCE && p->sects[i].kind <= S_SINK)
			v[n++] = &p->sects[i];
	qsort(v, (size_t)n, sizeof(*v), sect_cmp);
	for (i = 0; i < n; i++)
		v[i]->index = i;
	for (i = 0; i < n; i++)
		move_comp(p, v[i], perm, &c->comps[c->n_comps++]);
	free(v);
	return 0;
}

static int build_checks(struct parser *p)
{
	struct ldfi_conf *c = p->conf;
	struct ldfi_check *out;
	struct sect *s;
	int i;

	c->checks = calloc((size_t)p->n_sects, sizeof(*c->checks));
	if (!c->checks)
		return LDFI_ENOMEM;
	for (i = 0; i < p->n_sects; i++) {
		s = &p->sects[i];
		if (s->kind != S_CHECK)
			continue;
		out = &c->checks[c->n_checks++];
		*out = s->check;
		out->name = s->name;
		out->line = s->line;
		s->name = NULL;
		memset(&s->check, 0, sizeof(s->check));
		if (out->sink >= 0)
			out->sink = p->sects[out->sink].index;
		if (out->source >= 0)
			out->source = p->sects[out->source].index;
	}
	return 0;
}

static int build(struct parser *p)
{
	int *perm, rc;

	perm = malloc((size_t)p->n_nodes * sizeof(*perm) + 1);
	if (!perm)
		return LDFI_ENOMEM;
	rc = build_nodes(p, perm);
	if (!rc)
		rc = build_comps(p, perm);
	if (!rc)
		rc = build_checks(p);
	free(perm);
	return rc;
}

/* --- public functions --- */

static struct ldfi_conf *conf_new(const char *path)
{
	struct ldfi_conf *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->path = strdup(path);
	if (!c->path) {
		free(c);
		return NULL;
	}
	c->strategy = LDFI_STRATEGY_LDFI;
	c->seed = 1;
	c->run_timeout = 10;
	c->downtime = 1;
	return c;
}

int ldfi_conf_parse(const char *path, const char *text, size_t len, struct ldfi_conf **out,
		    char *err, size_t errlen)
{
	struct parser p;
	int rc;

	if (err && errlen)
		err[0] = '\0';
	if (!out || (!text && len)) {
		set_err(err, errlen, "%s: invalid argument", path ? path : "(conf)");
		return LDFI_EINVAL;
	}
	*out = NULL;
	memset(&p, 0, sizeof(p));
	p.path = path ? path : "(conf)";
	p.err = err;
	p.errlen = errlen;
	p.cur = -1;
	p.explore = -1;
	p.conf = conf_new(p.path);
	rc = p.conf ? read_text(&p, text, len) : LDFI_ENOMEM;
	if (!rc)
		rc = check_all(&p);
	if (!rc)
		rc = build(&p);
	if (rc)
		goto err_parse;
	parser_free(&p);
	*out = p.conf;
	return 0;

err_parse:
	if (rc == LDFI_ENOMEM)
		set_err(err, errlen, "%s: %s", p.path, ldfi_strerror(rc));
	ldfi_conf_destroy(p.conf);
	parser_free(&p);
	return rc;
}

/* Read a whole regular file into a new buffer. 0, LDFI_EINVAL (it cannot be
 * opened or is not a regular file; errno set, EINVAL for not regular),
 * LDFI_EIO (errno set) or LDFI_ENOMEM. */
static int read_file(const char *path, char **text, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = NULL, *nbuf;
	struct stat sb;
	ssize_t r;
	int fd, saved;

	/* O_NONBLOCK: opening a FIFO must not wait for a writer; anything but
	 * a regular file is refused before it is read. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return LDFI_EINVAL;
	if (fstat(fd, &sb) || !S_ISREG(sb.st_mode)) {
		saved = fstat(fd, &sb) ? errno : S_ISDIR(sb.st_mode) ? EISDIR : EINVAL;
		close(fd);
		errno = saved;
		return LDFI_EINVAL;
	}
	fcntl(fd, F_SETFL, 0);
	for (;;) {
		if (!buf || n == cap) {
			if (buf)
				cap *= 2;
			if (cap > FILE_MAX + 1) {
				errno = EFBIG;
				goto err_read;
			}
			nbuf = realloc(buf, cap);
			if (!nbuf)
				goto err_nomem;
			buf = nbuf;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto err_read;
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	*text = buf;
	*len = n;
	return 0;

err_nomem:
	free(buf);
	close(fd);
	return LDFI_ENOMEM;
err_read:
	saved = errno;
	free(buf);
	close(fd);
	errno = saved;
	return LDFI_EIO;
}

int ldfi_conf_load(const char *path, struct ldfi_conf **out, char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (out)
		*out = NULL;
	if (!path || !out) {
		set_err(err, errlen, "%s: invalid argument", path ? path : "(conf)");
		return LDFI_EINVAL;
	}
	rc = read_file(path, &text, &len);
	if (rc == LDFI_EINVAL) { /* cannot be opened, or not a file: the user's to fix */
		set_err(err, errlen, "%s: %s", path,
			errno == EINVAL ? "not a regular file" : strerror(errno));
		return rc;
	}
	if (rc == LDFI_EIO) {
		if (errno == EFBIG)
			set_err(err, errlen, "%s: file too large (over %u MiB)", path,
				FILE_MAX >> 20);
		else
			set_err(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	if (rc) {
		set_err(err, errlen, "%s: %s", path, ldfi_strerror(rc));
		return rc;
	}
	rc = ldfi_conf_parse(path, text, len, out, err, errlen);
	free(text);
	return rc;
}

void ldfi_conf_destroy(struct ldfi_conf *conf)
{
	int i;

	if (!conf)
		return;
	free(conf->path);
	for (i = 0; i < conf->n_nodes; i++)
		free(conf->nodes[i].name);
	free(conf->nodes);
	for (i = 0; i < conf->n_comps; i++)
		comp_free(&conf->comps[i]);
	free(conf->comps);
	for (i = 0; i < conf->n_checks; i++)
		check_free(&conf->checks[i]);
	free(conf->checks);
	free(conf);
}

/* Index of the element named by the `n` bytes at `s` among `count` elements
 * of `size` bytes from `base`, sorted by name, each beginning with its
 * `char *name` (struct ldfi_node and struct ldfi_comp); -1 when none. */
static int bisect_name(const void *base, size_t size, int count, const char *s, size_t n)
{
	int lo = 0, hi = count - 1, mid, c;

	while (lo <= hi) {
		const char *name;

		mid = lo + (hi - lo) / 2;
		memcpy(&name, (const char *)base + (size_t)mid * size, sizeof(name));
		c = strncmp(s, name, n);
		if (!c && name[n])
			c = -1; /* a proper prefix of the element's name */
		if (!c)
			return mid;
		if (c < 0)
			hi = mid - 1;
		else
			lo = mid + 1;
	}
	return -1;
}

int ldfi_conf_node_index_n(const struct ldfi_conf *conf, const char *s, size_t n)
{
	return bisect_name(conf->nodes, sizeof(*conf->nodes), conf->n_nodes, s, n);
}

int ldfi_conf_comp_index_n(const struct ldfi_conf *conf, const char *s, size_t n)
{
	return bisect_name(conf->comps, sizeof(*conf->comps), conf->n_comps, s, n);
}

int ldfi_conf_node_index(const struct ldfi_conf *conf, const char *name)
{
	return ldfi_conf_node_index_n(conf, name, strlen(name));
}

int ldfi_conf_comp_index(const struct ldfi_conf *conf, const char *name)
{
	return ldfi_conf_comp_index_n(conf, name, strlen(name));
}

bool ldfi_conf_upstream(const struct ldfi_conf *conf, int src, int comp)
{
	int steps;

	if (src < 0 || src >= conf->n_comps || comp < 0 || comp >= conf->n_comps)
		return false;
	for (steps = 0; steps < conf->n_comps; steps++) {
		src = conf->comps[src].to;
		if (src < 0 || src >= conf->n_comps)
			return false;
		if (src == comp)
			return true;
	}
	return false;
}

/* A bound given on the command line (`arg` != -1) or kept from the conf. */
static const char *bound_name(int arg, const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s", arg != -1 ? "--" : "", name);
	return buf;
}

static int check_comp_bounds(const struct ldfi_conf *conf, const char *eot_name, int eot, char *err,
			     size_t errlen)
{
	const struct ldfi_comp *c;
	int i;

	for (i = 0; i < conf->n_comps; i++) {
		c = &conf->comps[i];
		if (c->type == LDFI_COMP_SOURCE && c->at > eot) {
			set_err(err, errlen, "at %d of source %s exceeds %s %d", c->at, c->name,
				eot_name, eot);
			return LDFI_EINVAL;
		}
	}
	for (i = 0; i < conf->n_comps; i++) {
		c = &conf->comps[i];
		if (c->retry_every > eot) {
			set_err(err, errlen, "retry_every %d of %s %s exceeds %s %d",
				c->retry_every,
				c->type == LDFI_COMP_SOURCE  ? "source"
				: c->type == LDFI_COMP_STAGE ? "stage"
							     : "sink",
				c->name, eot_name, eot);
			return LDFI_EINVAL;
		}
	}
	for (i = 0; i < conf->n_comps; i++) {
		c = &conf->comps[i];
		if (c->window > eot) {
			set_err(err, errlen, "window %d of stage %s exceeds %s %d", c->window,
				c->name, eot_name, eot);
			return LDFI_EINVAL;
		}
	}
	return 0;
}

/* The restart bounds of a new eot (`en` names it) against the conf. */
static int check_restart_bounds(const struct ldfi_conf *conf, const struct ldfi_bounds *b,
				const char *en, int eot, char *err, size_t errlen)
{
	int restarts = b->restarts == -1 ? conf->restarts : b->restarts;
	int downtime = b->downtime == -1 ? conf->downtime : b->downtime;
	char rn[16], dn[16];

	bound_name(b->restarts, "restarts", rn, sizeof(rn));
	bound_name(b->downtime, "downtime", dn, sizeof(dn));
	if (restarts < 0) {
		set_err(err, errlen, "%s %d out of range 0..%d", rn, restarts, conf->n_nodes);
		return LDFI_EINVAL;
	}
	if (restarts > conf->n_nodes) {
		set_err(err, errlen, "%s %d exceeds the number of nodes (%d)", rn, restarts,
			conf->n_nodes);
		return LDFI_EINVAL;
	}
	if (downtime < 1) {
		set_err(err, errlen, "%s %d out of range 1..eot-1", dn, downtime);
		return LDFI_EINVAL;
	}
	if (restarts > 0 && downtime > eot - 1) {
		set_err(err, errlen,
			"%s %d leaves no round to restart in: restart(n,t) needs t+downtime <= "
			"eot (%s %d)",
			dn, downtime, en, eot);
		return LDFI_EINVAL;
	}
	return 0;
}

int ldfi_conf_set_bounds_ex(struct ldfi_conf *conf, const struct ldfi_bounds *b, char *err,
			    size_t errlen)
{
	int neot = b->eot == -1 ? conf->eot : b->eot, neff = b->eff == -1 ? conf->eff : b->eff;
	int ncrashes = b->crashes == -1 ? conf->crashes : b->crashes;
	char en[8], fn[8], cn[12];
	int rc;

	bound_name(b->eot, "eot", en, sizeof(en));
	bound_name(b->eff, "eff", fn, sizeof(fn));
	bound_name(b->crashes, "crashes", cn, sizeof(cn));
	if (neot < 1 || neot > LDFI_EOT_MAX) {
		set_err(err, errlen, "%s %d out of range 1..%d", en, neot, LDFI_EOT_MAX);
		return LDFI_EINVAL;
	}
	if (neff < 0) {
		set_err(err, errlen, "%s %d out of range 0..eot", fn, neff);
		return LDFI_EINVAL;
	}
	if (neff > neot) {
		set_err(err, errlen, "%s %d exceeds %s %d", fn, neff, en, neot);
		return LDFI_EINVAL;
	}
	if (ncrashes < 0) {
		set_err(err, errlen, "%s %d out of range 0..%d", cn, ncrashes, conf->n_nodes);
		return LDFI_EINVAL;
	}
	if (ncrashes > conf->n_nodes) {
		set_err(err, errlen, "%s %d exceeds the number of nodes (%d)", cn, ncrashes,
			conf->n_nodes);
		return LDFI_EINVAL;
	}
	if ((rc = check_restart_bounds(conf, b, en, neot, err, errlen)) ||
	    (rc = check_comp_bounds(conf, en, neot, err, errlen)))
		return rc;
	conf->eot = neot;
	conf->eff = neff;
	conf->crashes = ncrashes;
	if (b->restarts != -1)
		conf->restarts = b->restarts;
	if (b->downtime != -1)
		conf->downtime = b->downtime;
	return 0;
}

int ldfi_conf_set_bounds(struct ldfi_conf *conf, int eot, int eff, int crashes, char *err,
			 size_t errlen)
{
	struct ldfi_bounds b = {eot, eff, crashes, -1, -1};

	return ldfi_conf_set_bounds_ex(conf, &b, err, errlen);
}

int ldfi_conf_bounds_text(const struct ldfi_conf *conf, char *buf, size_t len)
{
	if (!conf->restarts)
		return snprintf(buf, len, "eot=%d eff=%d crashes=%d", conf->eot, conf->eff,
				conf->crashes);
	return snprintf(buf, len, "eot=%d eff=%d crashes=%d restarts=%d downtime=%d", conf->eot,
			conf->eff, conf->crashes, conf->restarts, conf->downtime);
}

const char *ldfi_delivery_name(enum ldfi_delivery d)
{
	if ((int)d < 0 || (int)d >= NELEMS(delivery_names))
		return "?";
	return delivery_names[d];
}

const char *ldfi_check_kind_name(enum ldfi_check_kind k)
{
	if ((int)k < 0 || (int)k >= NELEMS(check_kind_names))
		return "?";
	return check_kind_names[k];
}

const char *ldfi_strategy_name(enum ldfi_strategy s)
{
	if ((int)s < 0 || (int)s >= NELEMS(strategy_names))
		return "?";
	return strategy_names[s];
}
