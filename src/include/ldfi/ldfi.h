/*
 * ldfi.h - common definitions of the ldfi engine: error codes and version.
 *
 * Every fallible function returns 0 or a negative LDFI_E* code; constructors
 * return NULL on failure. ldfi_strerror() turns a code into a message.
 */
#ifndef LDFI_LDFI_H
#define LDFI_LDFI_H

enum ldfi_error {
	LDFI_OK = 0,
	LDFI_ENOMEM = -1,   /* an allocation failed */
	LDFI_EINVAL = -2,   /* invalid argument or input (configuration, fault set) */
	LDFI_EIO = -3,	    /* an operating-system I/O call failed */
	LDFI_EDB = -4,	    /* SQLite reported an error */
	LDFI_ELIMIT = -5,   /* a documented limit would be exceeded */
	LDFI_ESOLVER = -6,  /* the SAT solver failed */
	LDFI_EFORMAT = -7,  /* a file ldfi reads back (report, database) is malformed */
	LDFI_ESTAGE = -8,   /* a stage (built-in or plugin) failed */
	LDFI_ESTOPPED = -9, /* stopped on request: a budget ran out, or a signal */
	/* the system under test failed in this run (ldfi_stage_fail): the run
	 * is recorded as a failed run, not an error of ldfi */
	LDFI_ESUT = -10,
};

/* Exit statuses of the ldfi command (README.md, `ldfi --help`). */
enum ldfi_exit {
	LDFI_EXIT_CERTIFIED = 0,
	LDFI_EXIT_COUNTEREXAMPLE = 1,
	LDFI_EXIT_USAGE = 2,
	LDFI_EXIT_INCONCLUSIVE = 3,
	LDFI_EXIT_INTERNAL = 4,
};

/* A static, human-readable message for an LDFI_E* code (never NULL). */
const char *ldfi_strerror(int err);

/* The version string, e.g. "0.1.0". */
const char *ldfi_version(void);

#endif
