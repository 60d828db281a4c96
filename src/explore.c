/* explore.c - `ldfi explore` and `ldfi replay`: not built yet (issue 3). */
#include <stdio.h>

#include "ldfi/ldfi.h"
#include "src/cli.h"

int ldfi_cmd_explore(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "ldfi explore: not built yet\n");
	return LDFI_EXIT_INTERNAL;
}

int ldfi_cmd_replay(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "ldfi replay: not built yet\n");
	return LDFI_EXIT_INTERNAL;
}
