/*
 * canonical.h - the meaning of a parsed pipeline.conf as one text: what an
 * exploration's identity hashes (docs/explore.md, "What identifies an
 * exploration"). Comments, blank lines, spacing, the order of sections and
 * keys, and the spelling of defaults do not appear in it; every field of
 * the parsed conf that can change a run does. Private to ldfi.
 */
#ifndef LDFI_MODEL_CANONICAL_H
#define LDFI_MODEL_CANONICAL_H

#include <stddef.h>
#include <stdint.h>

struct ldfi_conf;

/*
 * The canonical text of `conf` (borrowed) in *text (malloc'd, the
 * caller's; NUL-terminated, *len bytes): nodes, components in name order
 * with every key the parser filled (defaults included), checks in conf
 * order, and run_timeout. Not in it, because the exploration's identity
 * lists them apart or they cannot change a run: the path, eot, eff,
 * crashes (after the command line's overrides), strategy, seed, max_runs.
 * Returns 0 or LDFI_ENOMEM (*text NULL).
 */
int ldfi_conf_canonical(const struct ldfi_conf *conf, char **text, size_t *len);

/* FNV-1a 64 of the canonical text: 0 and the hash in *hash, or
 * LDFI_ENOMEM. */
int ldfi_conf_meaning_hash(const struct ldfi_conf *conf, uint64_t *hash);

#endif
