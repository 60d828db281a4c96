/* error.c - error messages and version. */
#include "ldfi/ldfi.h"

const char *ldfi_strerror(int err)
{
	switch (err) {
	case LDFI_OK:
		return "success";
	case LDFI_ENOMEM:
		return "out of memory";
	case LDFI_EINVAL:
		return "invalid input";
	case LDFI_EIO:
		return "I/O error";
	case LDFI_EDB:
		return "database error";
	case LDFI_ELIMIT:
		return "limit exceeded";
	case LDFI_ESOLVER:
		return "SAT solver failure";
	case LDFI_EFORMAT:
		return "malformed file";
	case LDFI_ESTAGE:
		return "stage failure";
	case LDFI_ESTOPPED:
		return "stopped (a budget ran out, or a signal)";
	case LDFI_ESUT:
		return "the system under test failed";
	}
	return "unknown error";
}

const char *ldfi_version(void)
{
	return LDFI_VERSION;
}
