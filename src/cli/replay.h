/*
 * replay.h - reading an explore report back (docs/reports.md), as
 * `ldfi replay` does: parse and validate a JSON report held in memory.
 * Private to src/ (and tests/fuzz/fuzz_report.c).
 */
#ifndef LDFI_SRC_CLI_REPLAY_H
#define LDFI_SRC_CLI_REPLAY_H

#include <jansson.h>
#include <stddef.h>

/* What replay needs from a report. The strings and `failed` are borrowed
 * from `doc`, which the structure owns (ldfi_report_in_free). */
struct ldfi_report_in {
	json_t *doc;
	const char *conf;	/* non-empty, as given to explore */
	const char *conf_abs;	/* conf_absolute: its absolute path, or NULL */
	int eot, eff, crashes;	/* each in 0..LDFI_EOT_MAX */
	int restarts, downtime; /* absent: 0 and 1 (reports from before restarts) */
	const char *faults;	/* counterexample.faults, not yet parsed */
	/* counterexample.failed_checks: an array of objects, each with string
	 * `name` and `kind` and an array `records` of objects with string
	 * `record`, `sink`, `node`, `problem` and integer `count`, `expected` */
	json_t *failed;
	/* counterexample.failure: why the run did not finish, or NULL (null or
	 * absent: reports before plugin isolation have none) */
	const char *failure;
};

/*
 * Parse `buf` (`len` bytes, need not be NUL-terminated) as a JSON report
 * named `name` in messages, and check it has a counterexample and every
 * field replay reads, with the right types and ranges.
 * Returns 0 and fills *out (free with ldfi_report_in_free), or
 * LDFI_EFORMAT with "NAME: message" in `err` (not valid JSON, not a
 * report, no counterexample, a field missing, mistyped or out of range)
 * or LDFI_ENOMEM; on error *out holds nothing to free.
 */
int ldfi_report_read(const char *name, const char *buf, size_t len, struct ldfi_report_in *out,
		     char *err, size_t errlen);

/* Release what ldfi_report_read stored; a zeroed structure is accepted. */
void ldfi_report_in_free(struct ldfi_report_in *r);

#endif
