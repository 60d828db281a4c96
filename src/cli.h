/* cli.h - the ldfi command line (SPEC §3). */
#ifndef LDFI_SRC_CLI_H
#define LDFI_SRC_CLI_H

/* Run the ldfi command; returns the process exit status (enum ldfi_exit). */
int ldfi_cli_main(int argc, char **argv);

#endif
