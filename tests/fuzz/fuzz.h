/*
 * fuzz.h - shared by the fuzz targets (fuzz_*.c): the libFuzzer entry point
 * and FUZZ_CHECK(), which aborts with the failed invariant so that both
 * libFuzzer and the replay driver (replay.c) report it as a crash.
 */
#ifndef LDFI_FUZZ_H
#define LDFI_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                                           \
	do {                                                                                       \
		if (!(cond))                                                                       \
			fuzz_fail(__FILE__, __LINE__, #cond);                                      \
	} while (0)

static inline void fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: invariant failed: %s\n", file, line, what);
	fflush(stderr);
	abort();
}

/* No byte below 0x20 (a newline included) and no DEL: a one-line message. */
static inline int fuzz_one_line(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

#endif
