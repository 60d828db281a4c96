/* cli.h - the ldfi command line (SPEC §3): shared pieces of the commands. */
#ifndef LDFI_SRC_CLI_CLI_H
#define LDFI_SRC_CLI_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "ldfi/conf.h"
#include "ldfi/trace.h"

/* Run the ldfi command; returns the process exit status (enum ldfi_exit). */
int ldfi_cli_main(int argc, char **argv);

/* The commands; each returns an exit status. argv[0] is the command name. */
int ldfi_cmd_run(int argc, char **argv);
int ldfi_cmd_check(int argc, char **argv);
int ldfi_cmd_explore(int argc, char **argv);
int ldfi_cmd_replay(int argc, char **argv);
int ldfi_cmd_report(int argc, char **argv);

/* Write the one-paragraph summary printed by `ldfi check` to `f`. */
void ldfi_cli_conf_summary(const struct ldfi_conf *conf, FILE *f);

/* Print "ldfi: <message>" and a usage hint on stderr; returns LDFI_EXIT_USAGE. */
int ldfi_cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Parse a non-negative integer option value; prints a usage error and
 * returns -1 when it is not one. */
long long ldfi_cli_number(const char *cmd, const char *opt, const char *text, long long max);

/* Load and validate PATH, then apply command-line bounds `b` (borrowed; -1
 * keeps the conf's). On error prints the message and returns NULL; *status
 * receives the exit status (2 for bad input, 4 for I/O). The conf is the
 * caller's. */
struct ldfi_conf *ldfi_cli_load(const char *path, const struct ldfi_bounds *b, int *status);

struct ldfi_db;
struct ldfi_explore_result;

/*
 * The HTML report of an exploration in DIR (ldfi_report_html), listing every
 * run of its provenance database: `db` (borrowed), or res->db_path opened
 * for the time of the call when `db` is NULL (neither: only the runs res
 * holds). Returns 0 or LDFI_E* after printing "ldfi: PATH: reason".
 */
int ldfi_cli_html(const char *dir, const struct ldfi_explore_result *res, struct ldfi_db *db);

#endif
