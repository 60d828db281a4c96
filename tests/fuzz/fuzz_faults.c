/*
 * fuzz_faults.c - fuzz target of the fault-set parser, ldfi_faults_parse(),
 * and of the canonical form it shares with ldfi_faults_format().
 *
 * A fixed conf (nodes a, ab, b, c, z.9_- and a 305-byte "long-xxx...")
 * gets its bounds from the input's first three bytes: eot = 1 +
 * (byte0 & 0x7f) % 12, eff = byte1 % (eot + 1), crashes = byte2 % 7,
 * restarts = (byte2 / 7) % 4 and downtime = 1 + (byte2 / 28) % 3 (no
 * restarts when that downtime leaves no round to restart in).
 * With byte0 < 0x80 the rest of the input is fault-set text: a set that
 * parses must be sorted, within the bounds, and format to a canonical
 * string that parses to the same set and formats to itself; a text that
 * does not parse leaves the output untouched and gives a one-line message.
 * With byte0 >= 0x80 the rest is read as 4-byte faults (kind: bit 0 omit,
 * else bit 1 restart, else crash; a, b, t): a
 * set that ldfi_faults_check() accepts must format to a string that parses
 * back to it.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "ldfi/conf.h"
#include "ldfi/faults.h"
#include "ldfi/ldfi.h"

#define LONG_LEN 305

static const char conf_text[] = "[explore]\n"
				"eot = 6\n"
				"eff = 3\n"
				"crashes = 1\n"
				"[node z.9_-]\n"
				"[node ab]\n"
				"[node %s]\n"
				"[source s]\n"
				"node = a\n"
				"records = 2\n"
				"to = r\n"
				"[stage r]\n"
				"nodes = b, c\n"
				"to = k\n"
				"[sink k]\n"
				"nodes = a, b, c\n"
				"[check agree]\n"
				"kind = agreement\n"
				"sink = k\n";

static struct ldfi_conf *conf;

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
	FUZZ_CHECK(ldfi_conf_parse("fuzz-faults.conf", text, (size_t)n, &conf, err, sizeof(err)) ==
		   0);
	FUZZ_CHECK(conf->n_nodes == 6);
}

/* A set as the parser must leave it: sorted, distinct, within the bounds. */
static void check_set(const struct ldfi_faults *fs)
{
	int crashes = 0, restarts = 0;
	char err[256];

	FUZZ_CHECK(fs->n >= 0 && fs->n <= fs->cap && (fs->n == 0 || fs->v));
	for (int i = 0; i < fs->n; i++) {
		const struct ldfi_fault *f = &fs->v[i];

		FUZZ_CHECK(f->a >= 0 && f->a < conf->n_nodes);
		if (f->kind == LDFI_FAULT_CRASH || f->kind == LDFI_FAULT_RESTART) {
			FUZZ_CHECK(f->b == -1);
			if (f->kind == LDFI_FAULT_CRASH)
				FUZZ_CHECK(f->t >= 1 && f->t <= conf->eot);
			else
				FUZZ_CHECK(f->t >= 1 && f->t + conf->downtime <= conf->eot);
			crashes += f->kind == LDFI_FAULT_CRASH;
			restarts += f->kind == LDFI_FAULT_RESTART;
			/* one crash or restart per node */
			for (int j = 0; j < i; j++)
				FUZZ_CHECK(fs->v[j].kind == LDFI_FAULT_OMIT || fs->v[j].a != f->a);
		} else {
			FUZZ_CHECK(f->kind == LDFI_FAULT_OMIT);
			FUZZ_CHECK(f->b >= 0 && f->b < conf->n_nodes && f->b != f->a);
			FUZZ_CHECK(f->t >= 1 && f->t < conf->eff);
		}
		FUZZ_CHECK(i == 0 || ldfi_fault_cmp(&fs->v[i - 1], f) < 0);
	}
	FUZZ_CHECK(crashes <= conf->crashes && restarts <= conf->restarts);
	FUZZ_CHECK(ldfi_faults_check(conf, fs, err, sizeof(err)) == 0);
}

/* ldfi_faults_format into `len` bytes: snprintf's contract, nothing past. */
static void check_format_cut(const struct ldfi_faults *fs, const char *full, size_t len)
{
	size_t n = strlen(full), want = len ? (n < len - 1 ? n : len - 1) : 0;
	char *buf = malloc(len + 8);

	FUZZ_CHECK(buf);
	memset(buf, '#', len + 8);
	FUZZ_CHECK(ldfi_faults_format(conf, fs, len ? buf : NULL, len) == (int)n);
	if (len) {
		FUZZ_CHECK(!memcmp(buf, full, want) && buf[want] == '\0');
	}
	for (size_t i = len; i < len + 8; i++)
		FUZZ_CHECK(buf[i] == '#');
	free(buf);
}

/* `fs` is valid: its canonical text parses back to it and is a fixed point. */
static void check_canonical(const struct ldfi_faults *fs)
{
	struct ldfi_faults again, copy;
	char err[256], *text, *text2;
	size_t n, spaces = 0;

	text = ldfi_faults_to_string(conf, fs);
	FUZZ_CHECK(text);
	n = strlen(text);
	FUZZ_CHECK(ldfi_faults_format(conf, fs, NULL, 0) == (int)n);
	FUZZ_CHECK((fs->n == 0) == !strcmp(text, "none"));
	for (size_t i = 0; i < n; i++)
		spaces += text[i] == ' ';
	FUZZ_CHECK(fs->n == 0 || spaces == (size_t)fs->n - 1);
	FUZZ_CHECK(n && text[0] != ' ' && text[n - 1] != ' ' && !strstr(text, "  "));
	for (size_t len = 0; len <= n + 1; len += len < 3 || len + 3 > n ? 1 : n / 3)
		check_format_cut(fs, text, len);

	ldfi_faults_init(&again);
	if (ldfi_faults_parse(conf, text, &again, err, sizeof(err)))
		fprintf(stderr, "canonical text '%s' refused: %s\n", text, err);
	FUZZ_CHECK(ldfi_faults_cmp(fs, &again) == 0);
	FUZZ_CHECK(ldfi_faults_subset(fs, &again) && ldfi_faults_subset(&again, fs));
	text2 = ldfi_faults_to_string(conf, &again);
	FUZZ_CHECK(text2 && !strcmp(text, text2));

	ldfi_faults_init(&copy);
	FUZZ_CHECK(ldfi_faults_copy(&copy, fs) == 0 && ldfi_faults_cmp(&copy, fs) == 0);
	if (fs->n) {
		/* a proper subset is smaller, and not a superset */
		copy.n--;
		FUZZ_CHECK(ldfi_faults_subset(&copy, fs) && !ldfi_faults_subset(fs, &copy));
		FUZZ_CHECK(ldfi_faults_cmp(&copy, fs) < 0 && ldfi_faults_cmp(fs, &copy) > 0);
	}
	ldfi_faults_finish(&copy);
	ldfi_faults_finish(&again);
	free(text2);
	free(text);
}

static void fuzz_text(const uint8_t *data, size_t size)
{
	struct ldfi_fault sentinel = {LDFI_FAULT_OMIT, 3, 4, 99};
	struct ldfi_faults fs;
	char *text, err[512];
	int rc;

	text = malloc(size + 1);
	FUZZ_CHECK(text);
	memcpy(text, data, size);
	text[size] = '\0';
	ldfi_faults_init(&fs);
	FUZZ_CHECK(ldfi_faults_add(&fs, sentinel) == 0);
	err[0] = '\0';
	rc = ldfi_faults_parse(conf, text, &fs, err, sizeof(err));
	if (rc) {
		FUZZ_CHECK(rc == LDFI_EINVAL);
		FUZZ_CHECK(*err && fuzz_one_line(err));
		FUZZ_CHECK(fs.n == 1 && ldfi_fault_cmp(&fs.v[0], &sentinel) == 0);
	} else {
		check_set(&fs);
		check_canonical(&fs);
	}
	ldfi_faults_finish(&fs);
	free(text);
}

static void fuzz_set(const uint8_t *data, size_t size)
{
	struct ldfi_faults fs;
	char err[512];

	ldfi_faults_init(&fs);
	for (size_t i = 0; i + 4 <= size; i += 4) {
		struct ldfi_fault f;

		f.kind = data[i] & 1   ? LDFI_FAULT_OMIT
			 : data[i] & 2 ? LDFI_FAULT_RESTART
				       : LDFI_FAULT_CRASH;
		f.a = data[i + 1] % conf->n_nodes;
		f.b = f.kind != LDFI_FAULT_OMIT ? -1 : data[i + 2] % conf->n_nodes;
		f.t = data[i + 3] % (conf->eot + 2);
		FUZZ_CHECK(ldfi_faults_add(&fs, f) == 0);
	}
	for (int i = 1; i < fs.n; i++)
		FUZZ_CHECK(ldfi_fault_cmp(&fs.v[i - 1], &fs.v[i]) < 0);
	if (ldfi_faults_check(conf, &fs, err, sizeof(err)) == 0) {
		check_set(&fs);
		check_canonical(&fs);
	} else {
		FUZZ_CHECK(*err && fuzz_one_line(err));
	}
	ldfi_faults_finish(&fs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ldfi_bounds b;
	char err[256];

	load_conf();
	if (size < 3)
		return 0;
	b.eot = 1 + (data[0] & 0x7f) % 12;
	b.eff = data[1] % (b.eot + 1);
	b.crashes = data[2] % 7;
	b.restarts = (data[2] / 7) % 4;
	b.downtime = 1 + (data[2] / 28) % 3;
	if (b.downtime > b.eot - 1)
		b.restarts = 0;
	FUZZ_CHECK(ldfi_conf_set_bounds_ex(conf, &b, err, sizeof(err)) == 0);
	if (data[0] & 0x80)
		fuzz_set(data + 3, size - 3);
	else
		fuzz_text(data + 3, size - 3);
	return 0;
}
