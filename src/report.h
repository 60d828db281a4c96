/*
 * report.h - pieces shared by the explore reports (report.c, report_json.c,
 * report_junit.c) and `ldfi replay` (replay.c). Private to src/.
 */
#ifndef LDFI_SRC_REPORT_H
#define LDFI_SRC_REPORT_H

#include <stdio.h>

#include "ldfi/trace.h"
#include "src/explore.h"

/* The conf path as given on the command line (else as parsed). */
const char *ldfi_report_conf_path(const struct ldfi_explore_result *res);

/* The output directory: opts->out_dir, "ldfi-out" by default. */
const char *ldfi_report_out_dir(const struct ldfi_explore_result *res);

/* One offending record in words, without indentation or newline:
 * "bcast:1 missing at log@b", "orders:2 held 2 times at out@out", ... */
void ldfi_report_offense(FILE *f, const struct ldfi_trace *tr, const struct ldfi_offense *o);

/* `s` quoted for a POSIX shell when it needs quoting (as-is otherwise). */
void ldfi_report_shell_word(FILE *f, const char *s);

#endif
