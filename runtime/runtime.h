/*
 * runtime.h (private) - what the built-in stages and the checks need from
 * the engine beyond the public runtime API.
 */
#ifndef LDFI_RUNTIME_RUNTIME_H
#define LDFI_RUNTIME_RUNTIME_H

#include "ldfi/runtime.h"

struct ldfi_rt;

/* Most messages one execution may send before it is stopped with
 * LDFI_ELIMIT (about 1.4 GiB of trace). */
#define LDFI_MAX_MESSAGES (32u * 1024 * 1024)

const struct ldfi_conf *ldfi_rt_conf(const struct ldfi_rt *rt);

#endif
