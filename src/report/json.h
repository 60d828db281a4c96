/* json.h - JSON building blocks shared by run, explore and replay. */
#ifndef LDFI_SRC_JSON_H
#define LDFI_SRC_JSON_H

#include <jansson.h>
#include <stdbool.h>

#include "ldfi/trace.h"

/* Each returns a new reference (NULL on allocation failure). */
json_t *ldfi_json_faults(const struct ldfi_trace *tr);
json_t *ldfi_json_check(const struct ldfi_trace *tr, const struct ldfi_check_result *r);
json_t *ldfi_json_checks(const struct ldfi_trace *tr, bool failed_only);
json_t *ldfi_json_outputs(const struct ldfi_trace *tr);

/* Write `doc` (borrowed; NULL gives LDFI_ENOMEM) to `path`, indented.
 * Returns 0 or LDFI_EIO after printing a message. */
int ldfi_json_dump(json_t *doc, const char *path);

#endif
