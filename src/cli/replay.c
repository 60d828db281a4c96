/*
 * replay.c - `ldfi replay REPORT.json`: read an explore report back, run
 * its counterexample again under the recorded bounds, print each check's
 * result and whether the same checks fail with the same records.
 *
 * Exit status (docs/reports.md): 1 when a check fails, 0 when
 * all hold (whether or not that reproduces the report); 2 for a usage
 * error, a report that is not valid JSON, misses a field or has a field of
 * the wrong type, a report without a counterexample, or a conf/fault set
 * that no longer loads; 4 when the report cannot be read or the run fails.
 *
 * Reading and validating the report is ldfi_report_read() (src/cli/replay.h),
 * on a buffer, so that tests/fuzz/fuzz_report.c can call it.
 */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "ldfi/conf.h"
#include "ldfi/faults.h"
#include "ldfi/ldfi.h"
#include "runtime/isolate.h"
#include "runtime/runtime.h"
#include "runtime/live/live.h"
#include "runtime/runtime.h"
#include "src/cli/cli.h"
#include "src/cli/options.h"
#include "src/report/report.h"
#include "src/report/json.h"
#include "src/cli/replay.h"

/* Reading a report: `path` names it in messages, stored in `err`. */
struct reader {
	const char *path;
	char *err;
	size_t errlen;
};

static int bad(struct reader *rd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Store "PATH: message" and return LDFI_EFORMAT. The message quotes the
 * report (a string's value, jansson's "near '...'"): its control bytes are
 * written as \xNN, so that it stays one line and cannot drive a terminal. */
static int bad(struct reader *rd, const char *fmt, ...)
{
	char msg[512], shown[4 * sizeof(msg)], *o = shown;
	va_list ap;
	int n;

	if (!rd->err || !rd->errlen)
		return LDFI_EFORMAT;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (const char *m = msg; *m; m++) {
		unsigned char c = (unsigned char)*m;

		if (c < 0x20 || c == 0x7f)
			o += sprintf(o, "\\x%02x", c);
		else
			*o++ = (char)c;
	}
	*o = '\0';
	n = snprintf(rd->err, rd->errlen, "%s: ", rd->path);
	if (n >= 0 && (size_t)n < rd->errlen)
		snprintf(rd->err + n, rd->errlen - (size_t)n, "%s", shown);
	return LDFI_EFORMAT;
}

/* The member `key` of `obj` if it has JSON type `type`, else NULL. */
static json_t *member(json_t *obj, const char *key, json_type type)
{
	json_t *v = json_object_get(obj, key);

	return v && json_typeof(v) == type ? v : NULL;
}

static const char *type_name(json_t *v)
{
	static const char *const names[] = {"an object", "an array", "a string", "an integer",
					    "a real",	 "true",     "false",	 "null"};

	return v ? names[json_typeof(v)] : "missing";
}

/* Check `key` of `obj` (named `where` in messages) has `type`. */
static int need(struct reader *rd, json_t *obj, const char *where, const char *key, json_type type,
		json_t **out)
{
	static const char *const want[] = {"an object", "an array", "a string", "an integer"};
	json_t *v = json_object_get(obj, key);

	*out = member(obj, key, type);
	if (*out)
		return 0;
	if (!v)
		return bad(rd, "%s%s%s is missing", where, *where ? "." : "", key);
	return bad(rd, "%s%s%s should be %s, not %s", where, *where ? "." : "", key,
		   type < sizeof(want) / sizeof(want[0]) ? want[type] : "?", type_name(v));
}

static int need_int(struct reader *rd, json_t *obj, const char *where, const char *key, int max,
		    int *out)
{
	json_t *v;
	int rc = need(rd, obj, where, key, JSON_INTEGER, &v);

	if (rc)
		return rc;
	if (json_integer_value(v) < 0 || json_integer_value(v) > max)
		return bad(rd, "%s.%s is out of range (0..%d): %lld", where, key, max,
			   (long long)json_integer_value(v));
	*out = (int)json_integer_value(v);
	return 0;
}

/* need_int for a key reports before restart faults lack: `dflt` when absent. */
static int opt_int(struct reader *rd, json_t *obj, const char *where, const char *key, int max,
		   int dflt, int *out)
{
	*out = dflt;
	return json_object_get(obj, key) ? need_int(rd, obj, where, key, max, out) : 0;
}

/* Every failed check: name, kind and records, each record with the fields
 * ldfi_json_check writes. */
static int check_failed(struct reader *rd, json_t *failed)
{
	static const char *const str_keys[] = {"record", "sink", "node", "problem"};
	static const char *const int_keys[] = {"count", "expected"};
	size_t i, k;
	json_t *c, *r, *v;
	char where[96];
	int rc;

	for (i = 0; i < json_array_size(failed); i++) {
		json_t *recs;

		c = json_array_get(failed, i);
		snprintf(where, sizeof(where), "counterexample.failed_checks[%zu]", i);
		if (!json_is_object(c))
			return bad(rd, "%s should be an object, not %s", where, type_name(c));
		if ((rc = need(rd, c, where, "name", JSON_STRING, &v)) ||
		    (rc = need(rd, c, where, "kind", JSON_STRING, &v)) ||
		    (rc = need(rd, c, where, "records", JSON_ARRAY, &recs)))
			return rc;
		for (k = 0; k < json_array_size(recs); k++) {
			r = json_array_get(recs, k);
			snprintf(where, sizeof(where),
				 "counterexample.failed_checks[%zu].records[%zu]", i, k);
			if (!json_is_object(r))
				return bad(rd, "%s should be an object, not %s", where,
					   type_name(r));
			for (size_t j = 0; j < sizeof(str_keys) / sizeof(str_keys[0]); j++)
				if ((rc = need(rd, r, where, str_keys[j], JSON_STRING, &v)))
					return rc;
			for (size_t j = 0; j < sizeof(int_keys) / sizeof(int_keys[0]); j++)
				if ((rc = need(rd, r, where, int_keys[j], JSON_INTEGER, &v)))
					return rc;
		}
	}
	return 0;
}

static int read_doc(struct reader *rd, json_t *doc, struct ldfi_report_in *rp)
{
	json_t *v, *bounds, *cex;
	int rc;

	if (!json_is_object(doc))
		return bad(rd, "not an ldfi report (the document is %s, not an object)",
			   type_name(doc));
	if (!json_object_get(doc, "version") || !json_object_get(doc, "verdict"))
		return bad(rd, "not an ldfi report (no version or verdict)");
	if ((rc = need(rd, doc, "", "version", JSON_STRING, &v)) ||
	    (rc = need(rd, doc, "", "verdict", JSON_STRING, &v)))
		return rc;
	cex = json_object_get(doc, "counterexample");
	if (!cex)
		return bad(rd, "counterexample is missing");
	if (json_is_null(cex))
		return bad(rd, "the report has no counterexample to replay (verdict: %s)",
			   json_string_value(v));
	if ((rc = need(rd, doc, "", "counterexample", JSON_OBJECT, &cex)) ||
	    (rc = need(rd, doc, "", "conf", JSON_STRING, &v)))
		return rc;
	rp->conf = json_string_value(v);
	if (!*rp->conf)
		return bad(rd, "conf is empty");
	v = json_object_get(doc, "conf_absolute");
	if (v && !json_is_null(v) && (!json_is_string(v) || json_string_value(v)[0] != '/'))
		return bad(rd, "conf_absolute should be an absolute path or null");
	rp->conf_abs = json_string_value(v);
	if ((rc = need(rd, doc, "", "bounds", JSON_OBJECT, &bounds)) ||
	    (rc = need_int(rd, bounds, "bounds", "eot", LDFI_EOT_MAX, &rp->eot)) ||
	    (rc = need_int(rd, bounds, "bounds", "eff", LDFI_EOT_MAX, &rp->eff)) ||
	    (rc = need_int(rd, bounds, "bounds", "crashes", LDFI_EOT_MAX, &rp->crashes)) ||
	    (rc = opt_int(rd, bounds, "bounds", "restarts", LDFI_EOT_MAX, 0, &rp->restarts)) ||
	    (rc = opt_int(rd, bounds, "bounds", "downtime", LDFI_EOT_MAX, 1, &rp->downtime)))
		return rc;
	if ((rc = need(rd, cex, "counterexample", "faults", JSON_STRING, &v)))
		return rc;
	rp->faults = json_string_value(v);
	if (!*rp->faults)
		return bad(rd,
			   "counterexample.faults is empty (a report writes 'none' for no fault)");
	if ((rc = need(rd, cex, "counterexample", "failed_checks", JSON_ARRAY, &rp->failed)))
		return rc;
	v = json_object_get(cex, "failure");
	if (v && !json_is_null(v) && !json_is_string(v))
		return bad(rd, "counterexample.failure should be a string or null, not %s",
			   type_name(v));
	rp->failure = json_string_value(v);
	return check_failed(rd, rp->failed);
}

int ldfi_report_read(const char *name, const char *buf, size_t len, struct ldfi_report_in *out,
		     char *err, size_t errlen)
{
	struct reader rd = {name ? name : "(report)", err, errlen};
	struct ldfi_report_in rp = {0};
	json_error_t jerr;
	int rc;

	memset(out, 0, sizeof(*out));
	if (err && errlen)
		err[0] = '\0';
	if (!buf && len)
		return bad(&rd, "invalid argument");
	rp.doc = json_loadb(buf ? buf : "", len, JSON_REJECT_DUPLICATES, &jerr);
	if (!rp.doc && json_error_code(&jerr) == json_error_out_of_memory) {
		if (err && errlen)
			snprintf(err, errlen, "%s: %s", rd.path, ldfi_strerror(LDFI_ENOMEM));
		return LDFI_ENOMEM;
	}
	if (!rp.doc)
		return bad(&rd, "not valid JSON: line %d: %s", jerr.line, jerr.text);
	rc = read_doc(&rd, rp.doc, &rp);
	if (rc) {
		json_decref(rp.doc);
		return rc;
	}
	*out = rp;
	return 0;
}

void ldfi_report_in_free(struct ldfi_report_in *r)
{
	if (!r)
		return;
	json_decref(r->doc);
	memset(r, 0, sizeof(*r));
}

/* The report's entry for check `name`, or NULL. */
static json_t *reported(const struct ldfi_report_in *rp, const char *name)
{
	size_t i;
	json_t *c;

	for (i = 0; i < json_array_size(rp->failed); i++) {
		c = json_array_get(rp->failed, i);
		if (strcmp(json_string_value(json_object_get(c, "name")), name) == 0)
			return c;
	}
	return NULL;
}

static bool same_records(json_t *a, json_t *b)
{
	static const char *const keys[] = {"record", "sink", "node", "problem", "count"};

	if (json_array_size(a) != json_array_size(b))
		return false;
	for (size_t i = 0; i < json_array_size(a); i++)
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (!json_equal(json_object_get(json_array_get(a, i), keys[k]),
					json_object_get(json_array_get(b, i), keys[k])))
				return false;
	return true;
}

/* Print "reproduced: ..." or "not reproduced: ..." on stdout. */
static int compare(const struct ldfi_report_in *rp, const struct ldfi_trace *tr)
{
	const struct ldfi_conf *conf = tr->conf;
	json_t *now = ldfi_json_checks(tr, true);
	char *why = NULL;
	size_t len = 0, i;
	FILE *f;
	json_t *c;
	int n = 0;

	if (!now || !(f = open_memstream(&why, &len))) {
		json_decref(now);
		return LDFI_ENOMEM;
	}
	/* a run that did not finish (a plugin crashed or timed out) */
	if (tr->failure && !rp->failure)
		fprintf(f, "%sthe run did not finish: %s", n++ ? "; " : "", tr->failure);
	else if (!tr->failure && rp->failure)
		fprintf(f, "%sthe run finishes (reported: %s)", n++ ? "; " : "", rp->failure);
	/* checks failing now: expected, and with the same records? */
	for (int k = 0; k < tr->n_checks; k++) {
		const char *name = conf->checks[tr->checks[k].check].name;
		json_t *was = reported(rp, name);

		if (tr->checks[k].passed) {
			if (was)
				fprintf(f, "%scheck %s holds", n++ ? "; " : "", name);
			continue;
		}
		if (!was) {
			fprintf(f, "%scheck %s fails too", n++ ? "; " : "", name);
			continue;
		}
		for (i = 0; i < json_array_size(now); i++) {
			c = json_array_get(now, i);
			if (strcmp(json_string_value(json_object_get(c, "name")), name) == 0 &&
			    !same_records(json_object_get(c, "records"),
					  json_object_get(was, "records")))
				fprintf(f, "%scheck %s fails on other records", n++ ? "; " : "",
					name);
		}
	}
	/* checks of the report the conf no longer has */
	for (i = 0; i < json_array_size(rp->failed); i++) {
		const char *name =
		    json_string_value(json_object_get(json_array_get(rp->failed, i), "name"));
		int k;

		for (k = 0; k < conf->n_checks && strcmp(conf->checks[k].name, name); k++)
			;
		if (k == conf->n_checks)
			fprintf(f, "%scheck %s is not in %s", n++ ? "; " : "", name, rp->conf);
	}
	if (fclose(f)) {
		free(why);
		json_decref(now);
		return LDFI_ENOMEM;
	}
	if (n)
		printf("not reproduced: %s\n", why);
	else if (rp->failure)
		printf("reproduced: the run does not finish, as reported\n");
	else if (json_array_size(rp->failed))
		printf("reproduced: the same checks fail\n");
	else
		printf("reproduced: every check holds, as reported\n");
	free(why);
	json_decref(now);
	return 0;
}

static int replay(const char *path, const struct ldfi_report_in *rp, enum ldfi_engine engine)
{
	struct ldfi_conf *conf;
	struct ldfi_trace *tr = NULL;
	struct ldfi_faults fs;
	char err[1024];
	int status, rc;

	struct ldfi_bounds b = {rp->eot, rp->eff, rp->crashes, rp->restarts, rp->downtime};

	/* The conf explored, from wherever the report is replayed; as given
	 * (relative to here) when that file is gone (a report from elsewhere). */
	conf = ldfi_cli_load(
	    rp->conf_abs && access(rp->conf_abs, R_OK) == 0 ? rp->conf_abs : rp->conf, &b, &status);
	if (!conf)
		return status;
	ldfi_faults_init(&fs);
	if (ldfi_faults_parse(conf, rp->faults, &fs, err, sizeof(err))) {
		fprintf(stderr, "ldfi replay: %s: counterexample.faults: %s\n", path, err);
		status = LDFI_EXIT_USAGE;
		goto out;
	}
	if ((status = ldfi_cli_processes("replay", conf, NULL)))
		goto out;
	ldfi_cli_fork_server("replay", conf, engine == LDFI_ENGINE_LIVE);
	printf("replaying %s under %s (eot=%d eff=%d crashes=%d", rp->conf, rp->faults, conf->eot,
	       conf->eff, conf->crashes);
	if (conf->restarts)
		printf(" restarts=%d downtime=%d", conf->restarts, conf->downtime);
	printf(")\n");
	rc = ldfi_engine_exec(engine, conf, &fs, NULL, &tr, err, sizeof(err));
	if (rc == LDFI_ELIMIT) {
		ldfi_rt_limit_text(err, sizeof(err));
		fprintf(
		    stderr,
		    "ldfi replay: the execution was stopped: it sends more messages than allowed "
		    "(%s)\n",
		    err);
		status = LDFI_EXIT_USAGE;
		goto out;
	}
	if (rc) {
		fprintf(stderr, "ldfi replay: execution failed: %s\n", err);
		/* LDFI_EINVAL: the conf cannot run (as explore says it). */
		status = rc == LDFI_EINVAL ? LDFI_EXIT_USAGE : LDFI_EXIT_INTERNAL;
		goto out;
	}
	ldfi_report_checks(stdout, tr);
	if (compare(rp, tr)) {
		fprintf(stderr, "ldfi replay: %s\n", ldfi_strerror(LDFI_ENOMEM));
		status = LDFI_EXIT_INTERNAL;
		goto out;
	}
	status = tr->passed ? 0 : LDFI_EXIT_COUNTEREXAMPLE;
out:
	ldfi_trace_destroy(tr);
	ldfi_faults_finish(&fs);
	ldfi_isolate_stop();
	ldfi_process_stop();
	ldfi_conf_destroy(conf);
	return status;
}

/* Read the whole file `f` into a new buffer. 0, LDFI_EIO (errno set) or
 * LDFI_ENOMEM. */
static int slurp(FILE *f, char **text, size_t *len)
{
	size_t cap = 0, n = 0, r;
	char *buf = NULL, *nbuf;

	for (;;) {
		if (n == cap) {
			nbuf = cap <= SIZE_MAX / 2 ? realloc(buf, cap ? 2 * cap : 65536) : NULL;
			if (!nbuf) {
				free(buf);
				return LDFI_ENOMEM;
			}
			buf = nbuf;
			cap = cap ? 2 * cap : 65536;
		}
		r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (r == 0)
			break;
	}
	if (ferror(f)) {
		int saved = errno;

		free(buf);
		errno = saved;
		return LDFI_EIO;
	}
	*text = buf;
	*len = n;
	return 0;
}

int ldfi_cmd_replay(int argc, char **argv)
{
	struct ldfi_report_in rp;
	enum ldfi_engine engine = LDFI_ENGINE_SIM;
	char err[1024], *text = NULL;
	const char *path;
	size_t len = 0;
	FILE *f;
	int status, rc;

	struct ldfi_cli_args a = {.cmd = ldfi_cli_find("replay"), .argc = argc, .argv = argv};
	int id;

	while ((id = ldfi_cli_next(&a)) > 0)
		if (id == OPT_ENGINE && ldfi_engine_parse(a.value, &engine))
			return ldfi_cli_usage_error(
			    "replay", "--engine must be sim or live, not '%s'", a.value);
	if (id != LDFI_CLI_END)
		return id == LDFI_CLI_HELP ? 0 : LDFI_EXIT_USAGE;
	path = a.pos[0];
	f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "ldfi replay: %s: %s\n", path, strerror(errno));
		return LDFI_EXIT_INTERNAL;
	}
	rc = slurp(f, &text, &len);
	fclose(f);
	if (rc) {
		fprintf(stderr, "ldfi replay: %s: %s\n", path,
			rc == LDFI_EIO ? strerror(errno) : ldfi_strerror(rc));
		return LDFI_EXIT_INTERNAL;
	}
	rc = ldfi_report_read(path, text, len, &rp, err, sizeof(err));
	free(text);
	if (rc) {
		fprintf(stderr, "ldfi replay: %s\n", err);
		return rc == LDFI_EFORMAT ? LDFI_EXIT_USAGE : LDFI_EXIT_INTERNAL;
	}
	status = replay(path, &rp, engine);
	ldfi_report_in_free(&rp);
	return status;
}
