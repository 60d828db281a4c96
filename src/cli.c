/* cli.c - placeholder being written. */
#include "src/cli.h"
int ldfi_cli_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return 4;
}
