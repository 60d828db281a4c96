/*
 * run.c - `ldfi run`: one execution of a pipeline under one fault set,
 * each check's result on stdout, optionally recorded (--db) and written as
 * JSON (--json). Exit 0 when every check holds, 1 when one fails, 2 when
 * the execution is too large (LDFI_MAX_MESSAGES, estimated up front).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "runtime/db/db.h"
#include "ldfi/faults.h"
#include "ldfi/ldfi.h"
#include "runtime/isolate.h"
#include "runtime/live/live.h"
#include "runtime/runtime.h"
#include "src/cli/cli.h"
#include "src/cli/options.h"
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
	struct ldfi_cli_args a = {.cmd = ldfi_cli_find("run"), .argc = argc, .argv = argv};
	long long v;
	int id;

	*o = (struct run_opts){NULL, "none", NULL, NULL, LDFI_BOUNDS_KEEP, LDFI_ENGINE_SIM};
	while ((id = ldfi_cli_next(&a)) > 0) {
		switch (id) {
		case OPT_FAULTS:
			o->faults = a.value;
			break;
		case OPT_DB:
			o->db = a.value;
			break;
		case OPT_JSON:
			o->json = a.value;
			break;
		case OPT_ENGINE:
			if (ldfi_engine_parse(a.value, &o->engine))
				return ldfi_cli_usage_error(
				    "run", "--engine must be sim or live, not '%s'", a.value);
			break;
		case OPT_EOT:
		case OPT_EFF:
		case OPT_CRASHES:
		case OPT_RESTARTS:
		case OPT_DOWNTIME:
			if ((v = ldfi_cli_int(&a, 0, LDFI_EOT_MAX)) < 0)
				return LDFI_EXIT_USAGE;
			*(id == OPT_EOT	       ? &o->bounds.eot
			  : id == OPT_EFF      ? &o->bounds.eff
			  : id == OPT_CRASHES  ? &o->bounds.crashes
			  : id == OPT_RESTARTS ? &o->bounds.restarts
					       : &o->bounds.downtime) = (int)v;
			break;
		}
	}
	if (id != LDFI_CLI_END)
		return id == LDFI_CLI_HELP ? -1 : LDFI_EXIT_USAGE;
	o->conf_path = a.pos[0];
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
		/* LDFI_EINVAL: the conf cannot run (as explore says it). */
		return rc == LDFI_EINVAL ? LDFI_EXIT_USAGE : LDFI_EXIT_INTERNAL;
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
	if (ldfi_rt_too_large(conf, LDFI_BYTES_PER_MSG_RUN, msg, sizeof(msg))) {
		fprintf(stderr, "ldfi run: %s\n", msg);
		ldfi_conf_destroy(conf);
		return LDFI_EXIT_USAGE;
	}
	status = ldfi_cli_processes("run", conf, NULL);
	if (!status) {
		ldfi_cli_fork_server("run", conf, o.engine == LDFI_ENGINE_LIVE);
		status = execute(&o, conf);
	}
	ldfi_isolate_stop();
	ldfi_process_stop();
	ldfi_conf_destroy(conf);
	return status;
}
