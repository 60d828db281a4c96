/*
 * runtime.h (private) - what the built-in stages and the checks need from
 * the engine beyond the public runtime API.
 */
#ifndef LDFI_RUNTIME_RUNTIME_H
#define LDFI_RUNTIME_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>

#include "ldfi/runtime.h"

struct ldfi_rt;

/* Most messages one execution may send before it is stopped with
 * LDFI_ELIMIT (about 1.5 GiB of trace: 48 bytes a message). */
#define LDFI_MAX_MESSAGES (32u * 1024 * 1024)

/* Estimated size of the fault-free execution of a conf. */
struct ldfi_rt_estimate {
	double msgs;  /* messages sent */
	double bytes; /* bytes of trace in memory (messages and parent links) */
	bool exact;   /* false: extrapolated (see ldfi_rt_estimate) */
};

/*
 * Estimate the fault-free execution of `conf` without running it: the
 * built-in stages handle each record on its own, so the run is measured
 * with no record and with one record of each source in turn, and
 * extrapolated linearly to the conf's record counts. The conf is changed
 * while measuring and restored. Returns 0, LDFI_EINVAL when the conf has a
 * plugin stage or check (no estimate: their cost per record is unknown),
 * or the runtime's error.
 */
int ldfi_rt_estimate(struct ldfi_conf *conf, struct ldfi_rt_estimate *e);

/*
 * 1 when the estimated fault-free execution of `conf` exceeds
 * LDFI_MAX_MESSAGES, with the refusal in `buf` ("the fault-free run of P
 * sends about N messages (about X GiB of trace); the limit is ..."); else 0.
 * A conf with plugins is not estimated (0).
 */
int ldfi_rt_too_large(struct ldfi_conf *conf, char *buf, size_t len);

/* Write "the limit is N messages, about X GiB of trace" into buf. */
void ldfi_rt_limit_text(char *buf, size_t len);

const struct ldfi_conf *ldfi_rt_conf(const struct ldfi_rt *rt);

#endif
