/* json.h - JSON building blocks shared by run, explore and replay. */
#ifndef LDFI_SRC_REPORT_JSON_H
#define LDFI_SRC_REPORT_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "ldfi/trace.h"

/* Each returns a new reference (NULL on allocation failure). */
json_t *ldfi_json_faults(const struct ldfi_trace *tr);
json_t *ldfi_json_check(const struct ldfi_trace *tr, const struct ldfi_check_result *r);
json_t *ldfi_json_checks(const struct ldfi_trace *tr, bool failed_only);
json_t *ldfi_json_outputs(const struct ldfi_trace *tr);

/* Write `doc` (borrowed; NULL gives LDFI_ENOMEM) to `path`, indented, as
 * ldfi_report_write_file does. Returns 0, LDFI_ENOMEM or LDFI_EIO with
 * "PATH: reason" in err. */
int ldfi_json_dump(json_t *doc, const char *path, char *err, size_t errlen);

/* Write the `run --json` document of a trace to `path` (docs/reports.md).
 * Same returns as ldfi_json_dump. */
int ldfi_json_write_run(const char *path, const struct ldfi_trace *tr, char *err, size_t errlen);

#endif
