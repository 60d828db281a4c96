/*
 * report.h - pieces shared by the explore reports (report.c, report_json.c,
 * report_junit.c, report_html.c) and `ldfi replay` (replay.c). Private to
 * src/.
 */
#ifndef LDFI_SRC_REPORT_REPORT_H
#define LDFI_SRC_REPORT_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "ldfi/trace.h"
#include "src/explore/explore.h"

/* The conf path as given on the command line (else as parsed). */
const char *ldfi_report_conf_path(const struct ldfi_explore_result *res);

/* The output directory: opts->out_dir, "ldfi-out" by default. */
const char *ldfi_report_out_dir(const struct ldfi_explore_result *res);

/* One offending record in words, without indentation or newline:
 * "bcast:1 missing at log@b", "orders:2 held 2 times at out@out", ... */
void ldfi_report_offense(FILE *f, const struct ldfi_trace *tr, const struct ldfi_offense *o);

/* The `ldfi run` command line reproducing res->cex[0] (new string, the
 * caller's), or NULL when there is no counterexample or memory ran out. */
char *ldfi_report_replay_command(const struct ldfi_explore_result *res);

/* Print the `ldfi run` command line that runs fault set `faults` (canonical
 * text) of res's conf at its bounds (and engine), without a newline. */
void ldfi_report_run_command(FILE *f, const struct ldfi_explore_result *res, const char *faults);

/* `s` quoted for a POSIX shell when it needs quoting (as-is otherwise). */
void ldfi_report_shell_word(FILE *f, const char *s);

/*
 * The sentence of the text report explaining offense `o` of counterexample
 * run `cx`, without its "why not: " / "why: " prefix or a newline: "log@b
 * never held bcast:1 because a->b@1 was lost (omit(a,b,1))" (missing, from
 * res->fault_free), "log@b held bcast:1 2 times (1 in the fault-free run):
 * ..." (duplicated), "... stored bcast:2 (round 3) before bcast:1 ..." (out
 * of order; nothing when it cannot tell). Returns 0 or LDFI_ENOMEM.
 */
int ldfi_report_why(FILE *f, const struct ldfi_explore_result *res, const struct ldfi_trace *cx,
		    const struct ldfi_offense *o);

/*
 * Reports (docs/reports.md) of an explore result (borrowed). Each returns 0,
 * or LDFI_EIO / LDFI_ENOMEM with "PATH: reason" in `err`; a file report is
 * written whole or not at all (ldfi_report_write_file).
 *  - text (on `f`): the verdict line first, then (counterexample) the fault
 *    set, each failed check with its records, an ASCII spacetime diagram,
 *    the lineage of the broken outcome in the fault-free run and what cut
 *    it, and the replay command;
 *  - json: the fields of docs/reports.md;
 *  - junit: one testcase per check, failed ones carrying the counterexample.
 */
int ldfi_report_text(FILE *f, const struct ldfi_explore_result *res, char *err, size_t errlen);
int ldfi_report_json(const char *path, const struct ldfi_explore_result *res, char *err,
		     size_t errlen);
int ldfi_report_junit(const char *path, const struct ldfi_explore_result *res, char *err,
		      size_t errlen);

/* Each check's result of a run (text, on `f`): the fault set, then "pass
 * NAME (kind)" or "FAIL NAME (kind)" with its offending records. */
void ldfi_report_checks(FILE *f, const struct ldfi_trace *tr);

/*
 * Write file `path` whole or not at all: `write` fills a new temporary file
 * beside it (PATH.XXXXXX), which is flushed to disk and renamed over PATH.
 * On any failure PATH is untouched and the temporary file removed. Returns
 * 0, the writer's error or LDFI_EIO, with "PATH: reason" in `err`.
 */
int ldfi_report_write_file(const char *path, int (*write)(FILE *f, const void *arg),
			   const void *arg, char *err, size_t errlen);

#endif
