/*
 * faults.h - fault sets and their one canonical text form (docs/semantics.md).
 *
 * Canonical form: faults sorted (crash before omit before restart; then by
 * node names in conf order, which is name order; then by round,
 * numerically), separated by one space; the empty set is "none". Example:
 * "crash(c,2) omit(a,b,1) restart(w,3)".
 */
#ifndef LDFI_FAULTS_H
#define LDFI_FAULTS_H

#include <stddef.h>

struct ldfi_conf;

enum ldfi_fault_kind {
	LDFI_FAULT_CRASH = 0,
	LDFI_FAULT_OMIT = 1,
	/* restart(n,t): n is down in rounds t..t+downtime-1, then up again
	 * with its durable state only (docs/semantics.md, Restarts). */
	LDFI_FAULT_RESTART = 2,
};

struct ldfi_fault {
	enum ldfi_fault_kind kind;
	int a; /* crash, restart: the node; omit: the sender */
	int b; /* omit: the receiver; crash, restart: -1 */
	int t; /* round (restart: the first round the node is down) */
};

/* A set of faults, kept sorted and free of duplicates. Initialise with
 * ldfi_faults_init (or zero it); release with ldfi_faults_finish. */
struct ldfi_faults {
	struct ldfi_fault *v;
	int n;
	int cap;
};

void ldfi_faults_init(struct ldfi_faults *fs);
void ldfi_faults_finish(struct ldfi_faults *fs);

/* Add one fault, keeping the set sorted; adding a present fault is a no-op.
 * Returns 0 or LDFI_ENOMEM. */
int ldfi_faults_add(struct ldfi_faults *fs, struct ldfi_fault f);

/* Copy `src` into `dst` (whose old contents are released). 0 or LDFI_ENOMEM. */
int ldfi_faults_copy(struct ldfi_faults *dst, const struct ldfi_faults *src);

/* Total order on faults (the canonical one) and on fault sets. */
int ldfi_fault_cmp(const struct ldfi_fault *x, const struct ldfi_fault *y);
int ldfi_faults_cmp(const struct ldfi_faults *x, const struct ldfi_faults *y);

/* True if every fault of `sub` is in `super`. */
int ldfi_faults_subset(const struct ldfi_faults *sub, const struct ldfi_faults *super);

/*
 * Parse `text` ("crash(c,2) omit(a,b,1) restart(w,3)", "none" or empty;
 * whitespace and commas between faults are accepted) into `out`
 * (initialised by the caller, replaced on success) and check it against the
 * conf's nodes and bounds (eot, eff, crashes, restarts, downtime, at most
 * one crash or restart per node, a != b).
 * Returns 0, LDFI_EINVAL with a message in `err`, or LDFI_ENOMEM.
 */
int ldfi_faults_parse(const struct ldfi_conf *conf, const char *text, struct ldfi_faults *out,
		      char *err, size_t errlen);

/* Check a fault set against the conf's bounds as ldfi_faults_parse does.
 * Returns 0 or LDFI_EINVAL with a message in `err`. */
int ldfi_faults_check(const struct ldfi_conf *conf, const struct ldfi_faults *fs, char *err,
		      size_t errlen);

/* Canonical text of one fault or a set, written to `buf` (always
 * NUL-terminated). Returns the length the full text needs, as snprintf. */
int ldfi_fault_format(const struct ldfi_conf *conf, const struct ldfi_fault *f, char *buf,
		      size_t len);
int ldfi_faults_format(const struct ldfi_conf *conf, const struct ldfi_faults *fs, char *buf,
		       size_t len);

/* Canonical text in a new string owned by the caller (free()), or NULL. */
char *ldfi_faults_to_string(const struct ldfi_conf *conf, const struct ldfi_faults *fs);

#endif
