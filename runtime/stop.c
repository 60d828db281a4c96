/*
 * stop.c - the process-wide stop request (runtime.h, ldfi_rt_set_stop): a
 * budget that ran out or a signal, polled by the long loops below the
 * explore loop, which has no other way to reach them in time.
 */
#include <stdbool.h>
#include <stddef.h>

#include "runtime/runtime.h"

static int (*stop_fn)(void *arg);
static void *stop_arg;

void ldfi_rt_set_stop(int (*stop)(void *arg), void *arg)
{
	stop_fn = stop;
	stop_arg = arg;
}

bool ldfi_rt_stop_requested(void)
{
	return stop_fn && stop_fn(stop_arg);
}
