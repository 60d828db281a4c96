/* main.c - entry point of the ldfi command. */
#include "src/cli/cli.h"

int main(int argc, char **argv)
{
	return ldfi_cli_main(argc, argv);
}
