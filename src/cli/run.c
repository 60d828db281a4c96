/*
 * run.c - `ldfi run`: one execution of a pipeline under one fault set,
 * each check's result on stdout, optionally recorded (--db) and written as
 * JSON (--json). Exit 0 when every check holds, 1 when one fails, 2 when
 * the execution is too large (LDFI_MAX_MESSAGES, estimated up front).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "runtime/db/db.h"
#include "ldfi/faults.h"
#include "ldfi/ldfi.h"
#include "runtime/runtime.h"
#include "runtime/live/live.h"
#include "runtime/runtime.h"
#include "src/cli/cli.h"
#include "src/report/json.h"
#include "src/report/report.h"

struct run_opts {
	const char *conf_path;
	const char *faults;
	const char *db;
	const char *json;
	struct ldfi_bounds bounds;
	enum ldfi_engine engine;
};

static int parse_opts(int argc, char **argv, struct run_opts *o)
{
	static const struct option longopts[] = {
	    {"faults", required_argument, NULL, 'f'},
	    {"db", required_argument, NULL, 'd'},
	    {"json", required_argument, NULL, 'j'},
	    {"eot", required_argument, NULL, 'T'},
	    {"eff", required_argument, NULL, 'E'},
	    {"crashes", required_argument, NULL, 'C'},
	    {"restarts", required_argument, NULL, 'R'},
	    {"downtime", required_argument, NULL, 'D'},
	    {"engine", required_argument, NULL, 'e'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	*o = (struct run_opts){NULL, "none", NULL, NULL, LDFI_BOUNDS_KEEP, LDFI_ENGINE_SIM};
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		long long v = 0;

		switch (c) {
		case 'f':
			o->faults = optarg;
			break;
		case 'd':
			o->db = optarg;
			break;
		case 'j':
			o->json = optarg;
			break;
		case 'e':
			if (ldfi_engine_parse(optarg, &o->engine))
				return ldfi_cli_usage_error(
				    "run", "--engine must be sim or live, not '%s'", optarg);
			break;
		case 'T':
		case 'E':
		case 'C':
		case 'R':
		case 'D':
			v = ldfi_cli_number("run", argv[optind - 1], optarg, 1000);
			if (v < 0)
				return LDFI_EXIT_USAGE;
			*(c == 'T'   ? &o->bounds.eot
			  : c == 'E' ? &o->bounds.eff
			  : c == 'C' ? &o->bounds.crashes
			  : c == 'R' ? &o->bounds.restarts
				     : &o->bounds.downtime) = (int)v;
			break;
		case 'h':
			printf("usage: ldfi run PIPELINE.conf [--faults 'crash(c,2) omit(a,b,1)'] "
			       "[--db FILE] [--json FILE] [--eot N] [--eff N] [--crashes N] "
			       "[--restarts N] [--downtime N] [--engine sim|live]\n");
			return -1;
		default:
			return ldfi_cli_usage_error("run", "unknown or incomplete option '%s'",
						    argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return ldfi_cli_usage_error("run", "expects exactly one PIPELINE.conf");
	o->conf_path = argv[optind];
	return 0;
}

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int record(const char *path, const struct ldfi_trace *tr, int64_t wall_us)
{
	struct ldfi_run_info info = {"run", wall_us, 0};
	struct ldfi_db *db;
	char err[512];
	int rc = ldfi_db_open(path, &db, err, sizeof(err));

	if (rc) {
		fprintf(stderr, "ldfi run: %s\n", err);
		return rc;
	}
	rc = ldfi_db_record_run(db, tr, &info, NULL);
	if (rc)
		fprintf(stderr, "ldfi run: %s: %s\n", path, ldfi_db_errmsg(db));
	ldfi_db_close(db);
	return rc;
}

static int execute(const struct run_opts *o, struct ldfi_conf *conf)
{
	struct ldfi_faults fs;
	struct ldfi_trace *tr = NULL;
	char err[512];
	int64_t t0;
	int rc, status;

	ldfi_faults_init(&fs);
	if (ldfi_faults_parse(conf, o->faults, &fs, err, sizeof(err))) {
		fprintf(stderr, "ldfi run: %s\n", err);
		return LDFI_EXIT_USAGE;
	}
	t0 = now_us();
	rc = ldfi_engine_exec(o->engine, conf, &fs, NULL, &tr, err, sizeof(err));
	ldfi_faults_finish(&fs);
	if (rc == LDFI_ELIMIT) {
		ldfi_rt_limit_text(err, sizeof(err));
		fprintf(
		    stderr,
		    "ldfi run: the execution under faults '%s' was stopped: it sends more messages "
		    "than allowed (%s): lower eot or the number of records\n",
		    o->faults, err);
		return LDFI_EXIT_USAGE;
	}
	if (rc) {
		fprintf(stderr, "ldfi run: execution failed: %s\n", err);
		return LDFI_EXIT_INTERNAL;
	}
	ldfi_report_checks(stdout, tr);
	status = tr->passed ? 0 : LDFI_EXIT_COUNTEREXAMPLE;
	if (o->db && record(o->db, tr, now_us() - t0))
		status = LDFI_EXIT_INTERNAL;
	if (o->json && ldfi_json_write_run(o->json, tr, err, sizeof(err))) {
		fprintf(stderr, "ldfi run: %s\n", err);
		status = LDFI_EXIT_INTERNAL;
	}
	ldfi_trace_destroy(tr);
	return status;
}

int ldfi_cmd_run(int argc, char **argv)
{
	struct run_opts o;
	struct ldfi_conf *conf;
	char msg[512];
	int status = parse_opts(argc, argv, &o);

	if (status)
		return status < 0 ? 0 : status;
	conf = ldfi_cli_load(o.conf_path, &o.bounds, &status);
	if (!conf)
		return status;
	if (ldfi_rt_too_large(conf, msg, sizeof(msg))) {
		fprintf(stderr, "ldfi run: %s\n", msg);
		ldfi_conf_destroy(conf);
		return LDFI_EXIT_USAGE;
	}
	if (o.engine == LDFI_ENGINE_LIVE && conf->restarts > 0) {
		ldfi_conf_destroy(conf);
		return ldfi_cli_usage_error(
		    "run", "restart faults are not supported by the live engine yet");
	}
	status = execute(&o, conf);
	ldfi_conf_destroy(conf);
	return status;
}
