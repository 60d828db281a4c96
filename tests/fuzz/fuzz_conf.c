/*
 * fuzz_conf.c - fuzz target of the pipeline.conf parser, ldfi_conf_parse().
 *
 * The input is the conf text. A conf that parses must satisfy the invariants
 * of docs/pipeline-conf.md ("The parsed configuration"), print its summary
 * on one line, and survive a round trip: written back as a conf (every key
 * explicit) it must parse to the same configuration. Bounds derived from the
 * input are then applied with ldfi_conf_set_bounds(), which must either keep
 * the invariants or refuse and change nothing. A conf that does not parse
 * must give one line "fuzz.conf:LINE: message" with LINE within the input,
 * the same again (truncated) in a smaller buffer.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "ldfi/conf.h"
#include "src/cli/cli.h"
#include "ldfi/ldfi.h"

#define PATH "fuzz.conf"

/*
 * The parser accepts up to 1000000 records per source by design, so a few
 * bytes ("records = 1000000" in many sources) can ask for gigabytes, and
 * even one such source costs a second or so under ASan. Skip inputs whose
 * `records` lines name more than this many in all, so that out-of-memory
 * reports do not hide real defects and the fuzzer stays fast. (The bounds
 * themselves are tested in tests/conf.)
 */
#define RECORDS_BUDGET 100000ull

static bool over_budget(const uint8_t *data, size_t size)
{
	unsigned long long total = 0, v = 0;
	bool in_records = false, digits = false;

	for (size_t i = 0; i <= size; i++) {
		int c = i < size ? data[i] : '\n';

		if (c >= '0' && c <= '9') {
			if (v < 10000000)
				v = v * 10 + (unsigned)(c - '0');
			digits = true;
			continue;
		}
		if (digits && in_records)
			total += v;
		digits = false;
		v = 0;
		if (c == '\n' || c == '\r')
			in_records = false;
		else if (c == 'r' && i + 7 <= size && !memcmp(data + i, "records", 7))
			in_records = true;
	}
	return total > RECORDS_BUDGET;
}

static bool valid_name(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '.' || *s == '-'))
			return false;
	return true;
}

static bool valid_symbol(const char *s)
{
	if (!valid_name(s) || (*s >= '0' && *s <= '9'))
		return false;
	return !strpbrk(s, ".-");
}

/* A value as read after '=': trimmed, no comment, no line end, no NUL. */
static bool valid_value(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (!n || strpbrk(s, "#\n\r"))
		return false;
	return !strchr(" \t\v\f", s[0]) && !strchr(" \t\v\f", s[n - 1]);
}

static bool is_stage_or_sink(const struct ldfi_conf *c, int i)
{
	return i >= 0 && i < c->n_comps &&
	       (c->comps[i].type == LDFI_COMP_STAGE || c->comps[i].type == LDFI_COMP_SINK);
}

static void check_comp(const struct ldfi_conf *c, int i)
{
	const struct ldfi_comp *k = &c->comps[i];

	FUZZ_CHECK(valid_name(k->name));
	FUZZ_CHECK(k->line >= 1);
	FUZZ_CHECK(i == 0 || strcmp(c->comps[i - 1].name, k->name) < 0);
	FUZZ_CHECK(ldfi_conf_comp_index(c, k->name) == i);
	FUZZ_CHECK(k->type >= LDFI_COMP_SOURCE && k->type <= LDFI_COMP_SINK);
	FUZZ_CHECK(k->n_nodes >= 1 && k->nodes);
	FUZZ_CHECK(k->type != LDFI_COMP_SOURCE || k->n_nodes == 1);
	for (int j = 0; j < k->n_nodes; j++) {
		FUZZ_CHECK(k->nodes[j] >= 0 && k->nodes[j] < c->n_nodes);
		FUZZ_CHECK(j == 0 || k->nodes[j - 1] < k->nodes[j]);
	}
	FUZZ_CHECK(k->retry_every >= 1 && k->retry_every <= c->eot);
	if (k->type == LDFI_COMP_SINK) {
		FUZZ_CHECK(k->to == -1);
		FUZZ_CHECK(k->delivery >= LDFI_DELIVERY_NONE && k->delivery <= LDFI_DELIVERY_ACK);
	} else {
		FUZZ_CHECK(is_stage_or_sink(c, k->to));
		FUZZ_CHECK(k->delivery >= LDFI_DELIVERY_ONCE && k->delivery <= LDFI_DELIVERY_ACK);
	}
	if (k->type == LDFI_COMP_SOURCE) {
		FUZZ_CHECK(!k->dedup);
		FUZZ_CHECK(k->at >= 1 && k->at <= c->eot);
		FUZZ_CHECK(k->n_records >= 1 && k->n_records <= 1000000 && k->records);
		for (int j = 0; j < k->n_records; j++)
			FUZZ_CHECK(valid_name(k->records[j]));
	} else {
		FUZZ_CHECK(k->at == 0);
		FUZZ_CHECK(k->n_records == 0 && !k->records);
	}
	if (k->type == LDFI_COMP_STAGE && k->kind == LDFI_KIND_PLUGIN) {
		FUZZ_CHECK(valid_value(k->library));
		FUZZ_CHECK(valid_symbol(k->symbol));
	} else {
		FUZZ_CHECK(k->kind == LDFI_KIND_RELAY || k->kind == LDFI_KIND_WINDOW_COUNT);
		FUZZ_CHECK(!k->library && !k->symbol);
	}
	if (k->type == LDFI_COMP_STAGE && k->kind == LDFI_KIND_WINDOW_COUNT)
		FUZZ_CHECK(k->window >= 1 && k->window <= c->eot);
	else
		FUZZ_CHECK(k->window == 0);
}

/* Are the records named 1..N (records = N)? */
static bool counted(const struct ldfi_comp *k)
{
	char name[16];

	for (int i = 0; i < k->n_records; i++) {
		snprintf(name, sizeof(name), "%d", i + 1);
		if (strcmp(name, k->records[i]))
			return false;
	}
	return true;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The record names of a source are distinct (checked on a sorted copy). */
static void check_records_distinct(const struct ldfi_comp *k)
{
	char **v;

	if (k->n_records < 2 || counted(k))
		return;
	v = malloc((size_t)k->n_records * sizeof(*v));
	FUZZ_CHECK(v);
	memcpy(v, k->records, (size_t)k->n_records * sizeof(*v));
	qsort(v, (size_t)k->n_records, sizeof(*v), str_cmp);
	for (int j = 1; j < k->n_records; j++)
		FUZZ_CHECK(strcmp(v[j - 1], v[j]) != 0);
	free(v);
}

static void check_invariants(const struct ldfi_conf *c)
{
	int count[3] = {0};

	FUZZ_CHECK(c->path && !strcmp(c->path, PATH));
	FUZZ_CHECK(c->eot >= 1 && c->eot <= LDFI_EOT_MAX);
	FUZZ_CHECK(c->eff >= 0 && c->eff <= c->eot);
	FUZZ_CHECK(c->crashes >= 0 && c->crashes <= c->n_nodes);
	FUZZ_CHECK(c->max_runs >= 0);
	FUZZ_CHECK(c->strategy >= LDFI_STRATEGY_LDFI && c->strategy <= LDFI_STRATEGY_EXHAUSTIVE);
	FUZZ_CHECK(c->n_nodes >= 1 && c->nodes);
	for (int i = 0; i < c->n_nodes; i++) {
		FUZZ_CHECK(valid_name(c->nodes[i].name));
		FUZZ_CHECK(c->nodes[i].line >= 1);
		FUZZ_CHECK(i == 0 || strcmp(c->nodes[i - 1].name, c->nodes[i].name) < 0);
		FUZZ_CHECK(ldfi_conf_node_index(c, c->nodes[i].name) == i);
	}
	for (int i = 0; i < c->n_comps; i++) {
		check_comp(c, i);
		check_records_distinct(&c->comps[i]);
		count[c->comps[i].type]++;
	}
	FUZZ_CHECK(count[LDFI_COMP_SOURCE] >= 1 && count[LDFI_COMP_SINK] >= 1);
	/* no cycles: from every component, `to` reaches a sink */
	for (int i = 0; i < c->n_comps; i++) {
		int j = i, steps = 0;

		while (c->comps[j].type != LDFI_COMP_SINK && steps++ <= c->n_comps)
			j = c->comps[j].to;
		FUZZ_CHECK(c->comps[j].type == LDFI_COMP_SINK);
		FUZZ_CHECK(c->comps[i].type == LDFI_COMP_SINK || ldfi_conf_upstream(c, i, j));
		FUZZ_CHECK(!ldfi_conf_upstream(c, i, i));
	}
	FUZZ_CHECK(c->n_checks >= 1 && c->checks);
	for (int i = 0; i < c->n_checks; i++) {
		const struct ldfi_check *k = &c->checks[i];
		bool plugin = k->kind == LDFI_CHECK_PLUGIN;

		FUZZ_CHECK(valid_name(k->name));
		FUZZ_CHECK(k->line >= 1);
		for (int j = 0; j < i; j++)
			FUZZ_CHECK(strcmp(c->checks[j].name, k->name) != 0);
		FUZZ_CHECK(k->kind >= LDFI_CHECK_DELIVERED && k->kind <= LDFI_CHECK_PLUGIN);
		FUZZ_CHECK(k->sink == -1 || (k->sink >= 0 && k->sink < c->n_comps &&
					     c->comps[k->sink].type == LDFI_COMP_SINK));
		FUZZ_CHECK(plugin || k->sink >= 0);
		FUZZ_CHECK(k->source == -1 || (k->source >= 0 && k->source < c->n_comps &&
					       c->comps[k->source].type == LDFI_COMP_SOURCE));
		FUZZ_CHECK(k->source < 0 || k->sink < 0 ||
			   ldfi_conf_upstream(c, k->source, k->sink));
		FUZZ_CHECK(k->holds == -1 || (k->kind == LDFI_CHECK_PLUGIN && k->sink >= 0 &&
					      k->holds <= c->comps[k->sink].n_nodes));
		if (plugin) {
			FUZZ_CHECK(valid_value(k->library));
			FUZZ_CHECK(valid_symbol(k->symbol));
		} else {
			FUZZ_CHECK(!k->library && !k->symbol);
		}
	}
}

/* The summary: one line, "fuzz.conf: ok. ... .\n". */
static void check_summary(const struct ldfi_conf *c)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	FUZZ_CHECK(f);
	ldfi_cli_conf_summary(c, f);
	FUZZ_CHECK(fclose(f) == 0);
	FUZZ_CHECK(len == strlen(text));
	FUZZ_CHECK(!strncmp(text, PATH ": ok. ", strlen(PATH ": ok. ")));
	FUZZ_CHECK(len >= 2 && !strcmp(text + len - 2, ".\n"));
	FUZZ_CHECK(strchr(text, '\n') == text + len - 1);
	free(text);
}

/* Write `c` back as a conf, every key explicit. */
static void write_conf(const struct ldfi_conf *c, FILE *f)
{
	static const char *const types[] = {"source", "stage", "sink"};

	fprintf(f, "[explore]\neot = %d\neff = %d\ncrashes = %d\n", c->eot, c->eff, c->crashes);
	if (c->max_runs)
		fprintf(f, "max_runs = %lld\n", c->max_runs);
	fprintf(f, "strategy = %s\nseed = %" PRIu64 "\n", ldfi_strategy_name(c->strategy), c->seed);
	for (int i = 0; i < c->n_nodes; i++)
		fprintf(f, "[node %s]\n", c->nodes[i].name);
	for (int i = 0; i < c->n_comps; i++) {
		const struct ldfi_comp *k = &c->comps[i];

		fprintf(f, "[%s %s]\n%s = ", types[k->type], k->name,
			k->type == LDFI_COMP_SOURCE ? "node" : "nodes");
		for (int j = 0; j < k->n_nodes; j++)
			fprintf(f, "%s%s", j ? ", " : "", c->nodes[k->nodes[j]].name);
		fprintf(f, "\nretry_every = %d\n", k->retry_every);
		if (k->type != LDFI_COMP_SINK)
			fprintf(f, "to = %s\ndelivery = %s\n", c->comps[k->to].name,
				ldfi_delivery_name(k->delivery));
		else
			fprintf(f, "relay = %s\n", ldfi_delivery_name(k->delivery));
		if (k->type != LDFI_COMP_SOURCE)
			fprintf(f, "dedup = %s\n", k->dedup ? "yes" : "no");
		if (k->type == LDFI_COMP_STAGE)
			fprintf(f, "kind = %s\n",
				k->kind == LDFI_KIND_PLUGIN	    ? "plugin"
				: k->kind == LDFI_KIND_WINDOW_COUNT ? "window-count"
								    : "relay");
		if (k->window)
			fprintf(f, "window = %d\n", k->window);
		if (k->library)
			fprintf(f, "library = %s\nsymbol = %s\n", k->library, k->symbol);
		if (k->type != LDFI_COMP_SOURCE)
			continue;
		fprintf(f, "at = %d\nrecords = ", k->at);
		if (counted(k))
			fprintf(f, "%d", k->n_records);
		else
			for (int j = 0; j < k->n_records; j++)
				fprintf(f, "%s%s", j ? ", " : "", k->records[j]);
		fprintf(f, "\n");
	}
	for (int i = 0; i < c->n_checks; i++) {
		const struct ldfi_check *k = &c->checks[i];

		fprintf(f, "[check %s]\nkind = %s\n", k->name, ldfi_check_kind_name(k->kind));
		if (k->sink >= 0)
			fprintf(f, "sink = %s\n", c->comps[k->sink].name);
		if (k->source >= 0)
			fprintf(f, "source = %s\n", c->comps[k->source].name);
		if (k->library)
			fprintf(f, "library = %s\nsymbol = %s\n", k->library, k->symbol);
		if (k->holds == 0)
			fprintf(f, "holds = all\n");
		else if (k->holds > 0)
			fprintf(f, "holds = %d\n", k->holds);
	}
}

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* Equal in everything but line numbers. */
static void check_same(const struct ldfi_conf *a, const struct ldfi_conf *b)
{
	FUZZ_CHECK(a->eot == b->eot && a->eff == b->eff && a->crashes == b->crashes);
	FUZZ_CHECK(a->max_runs == b->max_runs && a->strategy == b->strategy && a->seed == b->seed);
	FUZZ_CHECK(a->n_nodes == b->n_nodes && a->n_comps == b->n_comps &&
		   a->n_checks == b->n_checks);
	for (int i = 0; i < a->n_nodes; i++)
		FUZZ_CHECK(!strcmp(a->nodes[i].name, b->nodes[i].name));
	for (int i = 0; i < a->n_comps; i++) {
		const struct ldfi_comp *x = &a->comps[i], *y = &b->comps[i];

		FUZZ_CHECK(!strcmp(x->name, y->name) && x->type == y->type && x->to == y->to);
		FUZZ_CHECK(x->n_nodes == y->n_nodes &&
			   !memcmp(x->nodes, y->nodes, (size_t)x->n_nodes * sizeof(int)));
		FUZZ_CHECK(x->delivery == y->delivery && x->retry_every == y->retry_every);
		FUZZ_CHECK(x->dedup == y->dedup && x->kind == y->kind && x->at == y->at);
		FUZZ_CHECK(same_str(x->library, y->library) && same_str(x->symbol, y->symbol));
		FUZZ_CHECK(x->n_records == y->n_records);
		for (int j = 0; j < x->n_records; j++)
			FUZZ_CHECK(!strcmp(x->records[j], y->records[j]));
	}
	for (int i = 0; i < a->n_checks; i++) {
		const struct ldfi_check *x = &a->checks[i], *y = &b->checks[i];

		FUZZ_CHECK(!strcmp(x->name, y->name) && x->kind == y->kind);
		FUZZ_CHECK(x->sink == y->sink && x->source == y->source && x->holds == y->holds);
		FUZZ_CHECK(same_str(x->library, y->library) && same_str(x->symbol, y->symbol));
	}
}

static struct ldfi_conf *round_trip(const struct ldfi_conf *c)
{
	struct ldfi_conf *again = NULL;
	char *text = NULL, err[1024];
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int rc;

	FUZZ_CHECK(f);
	write_conf(c, f);
	FUZZ_CHECK(fclose(f) == 0);
	rc = ldfi_conf_parse(PATH, text, len, &again, err, sizeof(err));
	if (rc)
		fprintf(stderr, "round trip: %s\n--- written:\n%s---\n", err, text);
	FUZZ_CHECK(rc == 0 && again);
	check_same(c, again);
	free(text);
	return again;
}

/* Bounds from the input's last bytes: -1 (keep) or a value near the range. */
static void check_set_bounds(struct ldfi_conf *c, const uint8_t *data, size_t size)
{
	int b[3] = {-1, -1, -1}, old[3] = {c->eot, c->eff, c->crashes};
	int span[3] = {c->eot + 3, c->eot + 3, c->n_nodes + 3};
	char err[256];
	int rc;

	for (int i = 0; i < 3 && (size_t)i < size; i++) {
		int v = data[size - 1 - (size_t)i];

		b[i] = v % 7 == 0 ? -1 : v % span[i] - 1;
	}
	err[0] = '\0';
	rc = ldfi_conf_set_bounds(c, b[0], b[1], b[2], err, sizeof(err));
	if (rc) {
		FUZZ_CHECK(rc == LDFI_EINVAL);
		FUZZ_CHECK(*err && fuzz_one_line(err));
		FUZZ_CHECK(c->eot == old[0] && c->eff == old[1] && c->crashes == old[2]);
		return;
	}
	FUZZ_CHECK(c->eot == (b[0] == -1 ? old[0] : b[0]));
	FUZZ_CHECK(c->eff == (b[1] == -1 ? old[1] : b[1]));
	FUZZ_CHECK(c->crashes == (b[2] == -1 ? old[2] : b[2]));
	check_invariants(c);
}

static int count_lines(const uint8_t *data, size_t size)
{
	int n = 0;

	for (size_t i = 0; i < size; i++) {
		if (data[i] == '\r' && i + 1 < size && data[i + 1] == '\n')
			i++;
		if (data[i] == '\n' || data[i] == '\r' || i + 1 == size)
			n++;
	}
	return n;
}

/* A refused conf: one "fuzz.conf:LINE: message" line, LINE within the text. */
static void check_error(const uint8_t *data, size_t size, int rc, const char *err)
{
	struct ldfi_conf *c = (struct ldfi_conf *)1;
	char small[24];
	size_t n = size % sizeof(small);
	char *end;
	long line;

	FUZZ_CHECK(rc == LDFI_EINVAL);
	FUZZ_CHECK(!strncmp(err, PATH ":", strlen(PATH ":")));
	line = strtol(err + strlen(PATH ":"), &end, 10);
	FUZZ_CHECK(end > err + strlen(PATH ":") && !strncmp(end, ": ", 2) && end[2]);
	FUZZ_CHECK(line >= 1 &&
		   line <= (count_lines(data, size) > 1 ? count_lines(data, size) : 1));
	FUZZ_CHECK(fuzz_one_line(err));
	/* the same, cut to fit a smaller buffer */
	memset(small, 'x', sizeof(small));
	FUZZ_CHECK(ldfi_conf_parse(PATH, (const char *)data, size, &c, small, n) == rc);
	FUZZ_CHECK(c == NULL);
	if (n) {
		FUZZ_CHECK(strlen(small) == (strlen(err) < n - 1 ? strlen(err) : n - 1));
		FUZZ_CHECK(!strncmp(small, err, n - 1));
	}
	for (size_t i = n; i < sizeof(small); i++)
		FUZZ_CHECK(small[i] == 'x');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ldfi_conf *c = NULL, *again;
	char err[1024];
	int rc;

	if (over_budget(data, size))
		return 0;
	rc = ldfi_conf_parse(PATH, (const char *)data, size, &c, err, sizeof(err));
	if (rc) {
		FUZZ_CHECK(c == NULL);
		check_error(data, size, rc, err);
		return 0;
	}
	FUZZ_CHECK(c != NULL);
	check_invariants(c);
	check_summary(c);
	again = round_trip(c);
	check_set_bounds(again, data, size);
	ldfi_conf_destroy(again);
	ldfi_conf_destroy(c);
	return 0;
}
