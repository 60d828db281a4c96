/*
 * paths.c - the command's guards on the files it writes: no report over
 * the provenance database it reads or writes (docs/reports.md), and
 * results that reach stdout.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ldfi/ldfi.h"
#include "model/util.h"
#include "src/cli/cli.h"

int ldfi_cli_refuse_db_path(const char *cmd, const char *db, const char *opt, const char *path)
{
	static const char *const side[] = {"", "-wal", "-shm", "-journal"};
	char name[4200];

	if (!path)
		return 0;
	for (size_t i = 0; i < sizeof(side) / sizeof(side[0]); i++) {
		snprintf(name, sizeof(name), "%s%s", db, side[i]);
		if (!ldfi_same_file(path, name))
			continue;
		if (i == 0)
			return ldfi_cli_usage_error(cmd,
						    "%s %s is the provenance database: a report "
						    "there would destroy its runs",
						    opt, path);
		return ldfi_cli_usage_error(cmd,
					    "%s %s is the %s file of the provenance database %s: a "
					    "report there would destroy its runs",
					    opt, path, side[i], db);
	}
	return 0;
}

int ldfi_cli_flush_stdout(int status)
{
	int e;

	errno = 0;
	if (fflush(stdout) == 0 && !ferror(stdout))
		return status;
	e = errno;
	fprintf(stderr, "ldfi: cannot write the results to stdout: %s\n",
		e ? strerror(e) : "write error");
	return LDFI_EXIT_INTERNAL;
}
