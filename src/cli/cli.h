/* cli.h - the ldfi command line (README.md, `ldfi --help`): shared pieces of the commands. */
#ifndef LDFI_SRC_CLI_CLI_H
#define LDFI_SRC_CLI_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "ldfi/conf.h"
#include "ldfi/trace.h"

/* The program as the user invoked it (argv[0]; "ldfi" before main). */
extern const char *ldfi_cli_program;

/* Run the ldfi command; returns the process exit status (enum ldfi_exit). */
int ldfi_cli_main(int argc, char **argv);

/* The commands; each returns an exit status. argv[0] is the command name. */
int ldfi_cmd_run(int argc, char **argv);
int ldfi_cmd_check(int argc, char **argv);
int ldfi_cmd_explore(int argc, char **argv);
int ldfi_cmd_replay(int argc, char **argv);
int ldfi_cmd_report(int argc, char **argv);
int ldfi_cmd_merge(int argc, char **argv);

/* Write the one-paragraph summary printed by `ldfi check` to `f`. */
void ldfi_cli_conf_summary(const struct ldfi_conf *conf, FILE *f);

/* Print "ldfi: <message>" and a usage hint on stderr; returns LDFI_EXIT_USAGE. */
int ldfi_cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Load and validate PATH, then apply command-line bounds `b` (borrowed; -1
 * keeps the conf's). On error prints the message and returns NULL; *status
 * receives the exit status (2 for bad input, 4 for I/O). The conf is the
 * caller's. */
struct ldfi_conf *ldfi_cli_load(const char *path, const struct ldfi_bounds *b, int *status);

/* Refuse (print a usage error, return LDFI_EXIT_USAGE) a report `path`
 * given as option `opt` that is the database `db` or its -wal, -shm or
 * -journal file (the same file, or the same directory entry when it does
 * not exist yet); 0 when `path` is NULL or another file. */
int ldfi_cli_refuse_db_path(const char *cmd, const char *db, const char *opt, const char *path);

/* A command's last word on stdout: flush it; when that or any earlier write
 * failed (a full disk, /dev/full), say so on stderr and return
 * LDFI_EXIT_INTERNAL instead of `status`. */
int ldfi_cli_flush_stdout(int status);

/*
 * For a conf with process stages (docs/process-stages.md), before its first
 * execution under either engine: refuse what is not supported yet (C
 * plugins beside process stages), start the processes (their stderr
 * to LOG_DIR/STAGE@NODE.log, or to ldfi's when `log_dir` is NULL), and run
 * the determinism check. Prints "ldfi CMD: ..." on error and returns the
 * exit status (2: configuration, nondeterminism; 4: I/O); 0 otherwise, and
 * for a conf without process stages.
 */
int ldfi_cli_processes(const char *cmd, const struct ldfi_conf *conf, const char *log_dir);

/*
 * For a conf with plugins run by the simulation (`live` false), before its
 * first execution and before the command opens a database or starts a
 * thread: start the fork server of its isolated runs (ldfi_isolate_start,
 * runtime/isolate.h). When it cannot start, say so on stderr ("ldfi CMD:
 * ..."): the runs then fork from ldfi, as without a server. The caller
 * calls ldfi_isolate_stop before it destroys the conf.
 */
void ldfi_cli_fork_server(const char *cmd, const struct ldfi_conf *conf, bool live);

struct ldfi_db;
struct ldfi_explore_result;

/*
 * The HTML report of an exploration in DIR (ldfi_report_html), listing every
 * run of its provenance database: `db` (borrowed), or res->db_path opened
 * for the time of the call when `db` is NULL (neither: only the runs res
 * holds). Returns 0 or LDFI_E* after printing "ldfi: PATH: reason".
 */
int ldfi_cli_html(const char *dir, const struct ldfi_explore_result *res, struct ldfi_db *db);

/* Where a command writes a result's reports (strings borrowed). */
struct ldfi_cli_outputs {
	const char *cmd;     /* "explore", for messages */
	const char *out_dir; /* OUT: report.json goes there */
	const char *json;    /* a copy of the JSON report, or NULL */
	const char *junit;   /* JUnit report, or NULL */
	const char *html;    /* HTML report directory, or NULL */
	bool quiet;	     /* only the verdict line on stdout */
};

/* The text report on stdout (or only its verdict line), OUT/report.json and
 * the reports asked for. Returns 0 or LDFI_E* after printing why. */
int ldfi_cli_reports(const struct ldfi_cli_outputs *out, const struct ldfi_explore_result *res);

/* The exit status of a result's verdict (0, 1 or 3). */
int ldfi_cli_exit_status(const struct ldfi_explore_result *res);

#endif
