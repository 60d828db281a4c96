/*
 * options.h - the command line of every ldfi command, one table each: the
 * parser the commands share, their --help and `ldfi --help`, and the lists
 * the man page and the bash completion are checked against (tests/cli).
 */
#ifndef LDFI_SRC_CLI_OPTIONS_H
#define LDFI_SRC_CLI_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* One option: --NAME, or --NAME ARG / --NAME=ARG when `arg` is set. */
struct ldfi_cli_opt {
	const char *name; /* without the dashes; NULL ends a table */
	const char *arg;  /* what the value is ("N", "FILE"), NULL for a flag */
	int id;		  /* > 0, what ldfi_cli_next returns for it */
	const char *help; /* one line */
};

struct ldfi_cli_cmd {
	const char *name;    /* "explore" */
	const char *args;    /* positional arguments, "PIPELINE.conf" */
	int n_args;	     /* how many positional arguments it takes; -1: one or more */
	const char *summary; /* one line */
	const struct ldfi_cli_opt *opts;
};

/* Every command, in the order `ldfi --help` lists them; NULL name ends it. */
extern const struct ldfi_cli_cmd ldfi_cli_cmds[];

/* The command named `name`, or NULL. */
const struct ldfi_cli_cmd *ldfi_cli_find(const char *name);

/* Option ids, shared by the tables. */
enum {
	OPT_HELP = 1,
	OPT_STRATEGY,
	OPT_EOT,
	OPT_EFF,
	OPT_CRASHES,
	OPT_MAX_RUNS,
	OPT_TIME_LIMIT,
	OPT_SEED,
	OPT_JOBS,
	OPT_ALL,
	OPT_OUT,
	OPT_JSON,
	OPT_JUNIT,
	OPT_HTML,
	OPT_QUIET,
	OPT_PROGRESS,
	OPT_FRESH,
	OPT_ENGINE,
	OPT_FAULTS,
	OPT_DB,
	OPT_CONF,
	OPT_SHARD,
	OPT_RESTARTS,
	OPT_DOWNTIME,
};

/* The most positional arguments a command takes (merge: one per shard). */
#define LDFI_CLI_MAX_POS 1024

/* The state of parsing one command's arguments (argv[0] is the command's
 * name). Zero the struct, then set cmd, argc and argv. */
struct ldfi_cli_args {
	const struct ldfi_cli_cmd *cmd;
	int argc;
	char **argv;
	int i;				   /* next argv index (0: start) */
	char opt[64];			   /* the option just read, as written: "--eot" */
	const char *value;		   /* its value, or NULL for a flag */
	const char *pos[LDFI_CLI_MAX_POS]; /* positional arguments read so far */
	int n_pos;
};

/* What ldfi_cli_next returns besides an option id. */
#define LDFI_CLI_END 0	    /* every argument read; positionals in pos[] */
#define LDFI_CLI_HELP (-1)  /* --help: the command's help is on stdout; exit 0 */
#define LDFI_CLI_ERROR (-2) /* a usage error is on stderr; exit 2 */

/*
 * The next option of a->argv: its id, with a->opt and a->value set. Options
 * come as --NAME VALUE or --NAME=VALUE, anywhere among the positional
 * arguments; "--" ends the options. An unknown option, a missing value or
 * the wrong number of positional arguments prints a one-line usage error.
 */
int ldfi_cli_next(struct ldfi_cli_args *a);

/* The help of one command (usage line, summary, every option a line). */
void ldfi_cli_print_help(const struct ldfi_cli_cmd *cmd, FILE *f);

/* `ldfi --help`: every command with every option, and the exit statuses. */
void ldfi_cli_print_usage(FILE *f);

/*
 * Option values. Each prints "ldfi CMD: --OPT expects ..., got 'TEXT'" and
 * returns -1 (LDFI_CLI_ERROR for the double) when `text` is not one:
 *  - an integer in min..max;
 *  - an unsigned 64-bit integer (a seed);
 *  - a number of seconds, fractional allowed, in (0, max].
 */
long long ldfi_cli_int(const struct ldfi_cli_args *a, long long min, long long max);
int ldfi_cli_u64(const struct ldfi_cli_args *a, uint64_t *out);
int ldfi_cli_seconds(const struct ldfi_cli_args *a, double max, double *out);

#endif
