/*
 * fuzz_report.c - fuzz target of the JSON report reader of `ldfi replay`,
 * ldfi_report_read() (src/cli/replay.c).
 *
 * The input is the report. One that reads must have every field replay uses,
 * with the types and ranges docs/reports.md gives, the structure pointing
 * into its own document; dumped back to JSON it must read again to the same
 * values. One that does not read gives LDFI_EFORMAT and a one-line
 * "fuzz.json: message", the same again (truncated) in a smaller buffer.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "ldfi/conf.h"
#include "ldfi/ldfi.h"
#include "src/cli/replay.h"

#define NAME "fuzz.json"

static json_t *get(json_t *obj, const char *key, json_type type)
{
	json_t *v = json_object_get(obj, key);

	FUZZ_CHECK(v && json_typeof(v) == type);
	return v;
}

static void check_bound(json_t *bounds, const char *key, int value)
{
	json_t *v = get(bounds, key, JSON_INTEGER);

	FUZZ_CHECK(value >= 0 && value <= LDFI_EOT_MAX && json_integer_value(v) == value);
}

static void check_report(const struct ldfi_report_in *r)
{
	static const char *const str_keys[] = {"record", "sink", "node", "problem"};
	static const char *const int_keys[] = {"count", "expected"};
	json_t *doc = r->doc, *cex, *bounds;

	FUZZ_CHECK(json_is_object(doc));
	get(doc, "version", JSON_STRING);
	get(doc, "verdict", JSON_STRING);
	FUZZ_CHECK(r->conf && *r->conf &&
		   r->conf == json_string_value(get(doc, "conf", JSON_STRING)));
	bounds = get(doc, "bounds", JSON_OBJECT);
	check_bound(bounds, "eot", r->eot);
	check_bound(bounds, "eff", r->eff);
	check_bound(bounds, "crashes", r->crashes);
	cex = get(doc, "counterexample", JSON_OBJECT);
	FUZZ_CHECK(r->faults && r->faults == json_string_value(get(cex, "faults", JSON_STRING)));
	FUZZ_CHECK(r->failed && r->failed == get(cex, "failed_checks", JSON_ARRAY));
	for (size_t i = 0; i < json_array_size(r->failed); i++) {
		json_t *c = json_array_get(r->failed, i), *recs;

		FUZZ_CHECK(json_is_object(c));
		get(c, "name", JSON_STRING);
		get(c, "kind", JSON_STRING);
		recs = get(c, "records", JSON_ARRAY);
		for (size_t k = 0; k < json_array_size(recs); k++) {
			json_t *rec = json_array_get(recs, k);

			FUZZ_CHECK(json_is_object(rec));
			for (size_t j = 0; j < sizeof(str_keys) / sizeof(str_keys[0]); j++)
				get(rec, str_keys[j], JSON_STRING);
			for (size_t j = 0; j < sizeof(int_keys) / sizeof(int_keys[0]); j++)
				get(rec, int_keys[j], JSON_INTEGER);
		}
	}
}

/* Dumped and read again: the same values. */
static void check_round_trip(const struct ldfi_report_in *r)
{
	struct ldfi_report_in again;
	char err[512], *text;

	text = json_dumps(r->doc, JSON_COMPACT);
	FUZZ_CHECK(text);
	if (ldfi_report_read(NAME, text, strlen(text), &again, err, sizeof(err)))
		fprintf(stderr, "round trip: %s\n", err);
	FUZZ_CHECK(again.doc);
	FUZZ_CHECK(json_equal(r->doc, again.doc));
	FUZZ_CHECK(!strcmp(r->conf, again.conf) && !strcmp(r->faults, again.faults));
	FUZZ_CHECK(r->eot == again.eot && r->eff == again.eff && r->crashes == again.crashes);
	FUZZ_CHECK(json_equal(r->failed, again.failed));
	ldfi_report_in_free(&again);
	free(text);
}

static void check_error(const uint8_t *data, size_t size, int rc, const char *err)
{
	struct ldfi_report_in r;
	char small[32];
	size_t n = size % sizeof(small);

	FUZZ_CHECK(rc == LDFI_EFORMAT);
	FUZZ_CHECK(!strncmp(err, NAME ": ", strlen(NAME ": ")) && err[strlen(NAME ": ")]);
	FUZZ_CHECK(fuzz_one_line(err));
	memset(small, 'x', sizeof(small));
	FUZZ_CHECK(ldfi_report_read(NAME, (const char *)data, size, &r, small, n) == rc);
	FUZZ_CHECK(r.doc == NULL && r.conf == NULL && r.failed == NULL);
	if (n) {
		FUZZ_CHECK(strlen(small) == (strlen(err) < n - 1 ? strlen(err) : n - 1));
		FUZZ_CHECK(!strncmp(small, err, n - 1));
	}
	for (size_t i = n; i < sizeof(small); i++)
		FUZZ_CHECK(small[i] == 'x');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ldfi_report_in r;
	char err[1024];
	int rc;

	memset(&r, 0xa5, sizeof(r));
	rc = ldfi_report_read(NAME, (const char *)data, size, &r, err, sizeof(err));
	if (rc) {
		FUZZ_CHECK(r.doc == NULL);
		check_error(data, size, rc, err);
		return 0;
	}
	check_report(&r);
	check_round_trip(&r);
	ldfi_report_in_free(&r);
	FUZZ_CHECK(r.doc == NULL);
	return 0;
}
