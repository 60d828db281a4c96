/*
 * merge.c - `ldfi merge DIR... [--out DIR] [--json FILE] [--junit FILE]
 * [--html DIR] [--conf FILE] [--quiet]`: the verdict of the shards of one
 * exploration together (docs/scaling.md). Each DIR is the --out of one
 * `ldfi explore --shard I/N`; they must be shards of the same exploration
 * (same conf contents, bounds, strategy, seed and N), each part at most
 * once. Their runs are copied into OUT/provenance.db and one report covers
 * them all: certified only when every part certified; a counterexample when
 * any part found one (the first of all in the search's order: fewest
 * faults, then lexicographic by fault variable, as an unsharded explore
 * reports it); otherwise inconclusive, naming the parts missing or
 * unfinished.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ldfi/faults.h"
#include "ldfi/ldfi.h"
#include "runtime/db/db.h"
#include "runtime/db/state.h"
#include "src/cli/cli.h"
#include "src/cli/options.h"
#include "src/explore/explore.h"
#include "src/explore/strategy.h"

struct merge_opts {
	struct ldfi_cli_args args; /* dirs point into it */
	const char *const *dirs;
	int n_dirs;
	const char *conf; /* --conf, or NULL: the path the shards recorded */
	struct ldfi_cli_outputs out;
};

/* One shard's database, as its summary says. */
struct shard {
	const char *dir;
	char *path; /* DIR/provenance.db */
	struct ldfi_db_summary sum;
	int index, count;
	char *base;	/* the digest without its shard field */
	int64_t offset; /* its run ids in the merged database: id + offset */
	int64_t best;	/* its first failing run in the search's order (merged id), or 0 */
	int best_n;	/* that run's faults, as ascending fault variables */
	int *best_vars;
};

struct merge {
	struct merge_opts o;
	struct shard *s;
	int n;
	int count; /* N of the shards */
	int lock;  /* on --out (ldfi_db_out_lock), -1 when not held */
	struct ldfi_db *db;
	char *db_path;
	struct ldfi_conf *conf;
	int *rank; /* the search's order of the conf's faults (ldfi_space_rank) */
	struct ldfi_explore_opts eo;
};

static int parse_opts(int argc, char **argv, struct merge_opts *o)
{
	struct ldfi_cli_args *a = &o->args;
	int id;

	memset(o, 0, sizeof(*o));
	o->out = (struct ldfi_cli_outputs){.cmd = "merge", .out_dir = "ldfi-out"};
	*a = (struct ldfi_cli_args){.cmd = ldfi_cli_find("merge"), .argc = argc, .argv = argv};
	while ((id = ldfi_cli_next(a)) > 0) {
		const char **slot = id == OPT_OUT     ? &o->out.out_dir
				    : id == OPT_JSON  ? &o->out.json
				    : id == OPT_JUNIT ? &o->out.junit
				    : id == OPT_HTML  ? &o->out.html
				    : id == OPT_CONF  ? &o->conf
						      : NULL;

		if (id == OPT_QUIET) {
			o->out.quiet = true;
		} else if (slot) {
			if (!a->value[0])
				return ldfi_cli_usage_error("merge", "%s needs a path", a->opt);
			*slot = a->value;
		}
	}
	if (id != LDFI_CLI_END)
		return id == LDFI_CLI_HELP ? -1 : LDFI_EXIT_USAGE;
	o->dirs = a->pos;
	o->n_dirs = a->n_pos;
	return 0;
}

/* The value of field KEY in a digest ("KEY=VALUE" among spaces), copied
 * into buf; false when absent. */
static bool field(const char *d, const char *key, char *buf, size_t len)
{
	size_t n;
	const char *v = d ? ldfi_explore_digest_field(d, key, &n) : NULL;

	if (v)
		snprintf(buf, len, "%.*s", (int)n, v);
	return v != NULL;
}

/* Read DIR/provenance.db's summary and its shard field. Returns an exit
 * status after printing why. */
static int read_shard(struct shard *s)
{
	struct ldfi_db *db = NULL;
	struct stat sb;
	char err[1024], part[64];
	const char *f;
	int rc;

	if (asprintf(&s->path, "%s/provenance.db", s->dir) < 0) {
		s->path = NULL;
		return LDFI_EXIT_INTERNAL;
	}
	if (stat(s->path, &sb) || !S_ISREG(sb.st_mode)) {
		fprintf(stderr, "ldfi merge: %s: %s\n", s->path,
			errno && !S_ISREG(sb.st_mode) ? strerror(errno) : "not a regular file");
		return LDFI_EXIT_USAGE;
	}
	if (ldfi_db_open(s->path, &db, err, sizeof(err))) {
		fprintf(stderr, "ldfi merge: %s\n", err);
		return LDFI_EXIT_INTERNAL;
	}
	rc = ldfi_db_summary(db, &s->sum);
	if (rc)
		fprintf(stderr, "ldfi merge: %s: %s\n", s->path, ldfi_db_errmsg(db));
	ldfi_db_close(db);
	if (rc)
		return rc == LDFI_EFORMAT ? LDFI_EXIT_USAGE : LDFI_EXIT_INTERNAL;
	if (!s->sum.digest || !field(s->sum.digest, "shard", part, sizeof(part)) ||
	    ldfi_shard_parse(part, &s->index, &s->count)) {
		fprintf(stderr, "ldfi merge: %s: not a shard (explored without --shard I/N)\n",
			s->dir);
		return LDFI_EXIT_USAGE;
	}
	f = strstr(s->sum.digest, " shard=");
	if (asprintf(&s->base, "%.*s%s", (int)(f - s->sum.digest), s->sum.digest,
		     f + 1 + strcspn(f + 1, " ")) < 0) {
		s->base = NULL;
		return LDFI_EXIT_INTERNAL;
	}
	return 0;
}

/* The shards are of one exploration, each part at most once. */
static int check_shards(struct merge *m)
{
	for (int i = 0; i < m->n; i++) {
		struct shard *s = &m->s[i];

		if (strcmp(s->base, m->s[0].base) != 0 || s->count != m->s[0].count) {
			fprintf(stderr,
				"ldfi merge: %s and %s are shards of different explorations "
				"(conf contents, bounds, strategy, seed or number of shards: "
				"'%s' against '%s')\n",
				m->s[0].dir, s->dir, m->s[0].sum.digest, s->sum.digest);
			return LDFI_EXIT_USAGE;
		}
		for (int j = 0; j < i; j++)
			if (m->s[j].index == s->index) {
				fprintf(stderr, "ldfi merge: %s and %s are both shard %d/%d\n",
					m->s[j].dir, s->dir, s->index, s->count);
				return LDFI_EXIT_USAGE;
			}
	}
	m->count = m->s[0].count;
	return 0;
}

/* Load the pipeline the shards explored, with their bounds, and make sure
 * it is still the one they explored. */
static int load_conf(struct merge *m)
{
	const struct shard *s0 = &m->s[0];
	const char *path = m->o.conf ? m->o.conf : s0->sum.conf;
	char v[64], err[512] = "", *dg;
	struct ldfi_space sp;
	int status = 0;

	if (!path) {
		fprintf(stderr,
			"ldfi merge: %s: the runs do not record their pipeline.conf; give "
			"--conf\n",
			s0->dir);
		return LDFI_EXIT_USAGE;
	}
	m->conf = ldfi_cli_load(path,
				&(struct ldfi_bounds){s0->sum.eot, s0->sum.eff, s0->sum.crashes,
						      s0->sum.restarts, s0->sum.downtime},
				&status);
	if (!m->conf)
		return status;
	ldfi_space_init(&sp, m->conf);
	if (!(m->rank = malloc(((size_t)sp.n_vars + 1) * sizeof(*m->rank)))) {
		fprintf(stderr, "ldfi merge: %s\n", ldfi_strerror(LDFI_ENOMEM));
		return LDFI_EXIT_INTERNAL;
	}
	ldfi_space_rank(&sp, m->rank);
	m->eo.conf_path = path;
	m->eo.strategy = m->conf->strategy;
	if (field(s0->base, "strategy", v, sizeof(v)))
		for (int st = LDFI_STRATEGY_LDFI; st <= LDFI_STRATEGY_EXHAUSTIVE; st++)
			if (strcmp(v, ldfi_strategy_name((enum ldfi_strategy)st)) == 0)
				m->eo.strategy = (enum ldfi_strategy)st;
	m->eo.seed = field(s0->base, "seed", v, sizeof(v)) ? strtoull(v, NULL, 10) : 0;
	m->eo.jobs = 1;
	m->eo.program = ldfi_cli_program;
	m->eo.out_dir = m->o.out.out_dir;
	if (ldfi_explore_digest(m->conf, &m->eo, &dg, err, sizeof(err)))
		dg = NULL;
	if (!dg || strcmp(dg, s0->base) != 0) {
		fprintf(stderr,
			"ldfi merge: %s is not the pipeline the shards explored (it changed "
			"since, or give --conf)\n",
			path);
		free(dg);
		return LDFI_EXIT_USAGE;
	}
	free(dg);
	m->eo.shard_count = m->count;
	return 0;
}

/* OUT, locked (runtime/db/state.h), and its provenance.db emptied: a
 * merge's of the same shards is replaced; an exploration's is never
 * touched. */
static int open_out(struct merge *m)
{
	const char *out = m->o.out.out_dir;
	char err[1024], *dg, *old = NULL;
	long runs = 0;
	int rc;

	for (int i = 0; i < m->n; i++) {
		char a[PATH_MAX], b[PATH_MAX];

		if (realpath(out, a) && realpath(m->s[i].dir, b) && !strcmp(a, b)) {
			fprintf(stderr, "ldfi merge: --out %s is one of the shards\n", out);
			return LDFI_EXIT_USAGE;
		}
	}
	if (ldfi_db_out_lock(out, &m->lock, err, sizeof(err))) {
		fprintf(stderr, "ldfi merge: %s\n", err);
		m->lock = -1;
		return LDFI_EXIT_INTERNAL;
	}
	if (asprintf(&dg, "%s merged=%d", m->s[0].base, m->count) < 0)
		return LDFI_EXIT_INTERNAL;
	rc = ldfi_db_state_open(out, false, &m->db, &m->db_path, err, sizeof(err));
	if (!rc)
		rc = ldfi_db_state_digest(m->db, &old);
	if (!rc)
		rc = ldfi_db_state_foreign_runs(m->db, "", &LDFI_BOUNDS_KEEP, &runs); /* all runs */
	if (!rc && ((old && strcmp(old, dg) != 0) || (!old && runs > 0))) {
		fprintf(stderr,
			"ldfi merge: %s holds an exploration, not this merge; give another --out\n",
			out);
		free(old);
		free(dg);
		return LDFI_EXIT_USAGE;
	}
	free(old);
	if (!rc) {
		/* Empty, or the same merge before: start it over. */
		ldfi_db_close(m->db);
		free(m->db_path);
		m->db = NULL;
		m->db_path = NULL;
		rc = ldfi_db_state_open(out, true, &m->db, &m->db_path, err, sizeof(err));
	}
	if (!rc && ldfi_db_state_set(m->db, "digest", dg))
		snprintf(err, sizeof(err), "%s: %s", m->db_path, ldfi_db_errmsg(m->db)),
		    rc = LDFI_EDB;
	free(dg);
	if (rc) {
		fprintf(stderr, "ldfi merge: %s\n", err[0] ? err : ldfi_db_errmsg(m->db));
		return LDFI_EXIT_INTERNAL;
	}
	return 0;
}

/* The fault variables of canonical fault set `text` (ascending, as the
 * canonical order is the variables') in a malloc'd *vars; their number, or
 * -1 (out of memory, or not a fault set of the conf's space). */
static int fault_vars(const struct ldfi_conf *conf, const char *text, int **vars)
{
	struct ldfi_space sp;
	struct ldfi_faults fs;
	char err[256];
	int n = -1;

	*vars = NULL;
	ldfi_space_init(&sp, conf);
	ldfi_faults_init(&fs);
	if (!ldfi_faults_parse(conf, text, &fs, err, sizeof(err)) &&
	    (*vars = malloc(((size_t)fs.n + 1) * sizeof(int)))) {
		n = fs.n;
		for (int i = 0; i < fs.n && n >= 0; i++)
			if (!((*vars)[i] = ldfi_space_var(&sp, &fs.v[i])))
				n = -1;
	}
	ldfi_faults_finish(&fs);
	if (n < 0) {
		free(*vars);
		*vars = NULL;
	}
	return n;
}

/* Copy every shard's runs and find each one's smallest failing run. */
static int copy_runs(struct merge *m)
{
	struct ldfi_db_run *runs;
	int n, rc;

	for (int i = 0; i < m->n; i++)
		if (ldfi_db_merge_runs(m->db, m->s[i].path, &m->s[i].offset)) {
			fprintf(stderr, "ldfi merge: %s: %s\n", m->s[i].path,
				ldfi_db_errmsg(m->db));
			return LDFI_EXIT_INTERNAL;
		}
	if ((rc = ldfi_db_runs(m->db, false, &runs, &n))) {
		fprintf(stderr, "ldfi merge: %s: %s\n", m->db_path, ldfi_db_errmsg(m->db));
		return LDFI_EXIT_INTERNAL;
	}
	for (int r = 0; r < n; r++) {
		struct shard *s = NULL;

		for (int i = 0; i < m->n; i++)
			if (runs[r].id > m->s[i].offset && (!s || m->s[i].offset > s->offset))
				s = &m->s[i];
		int *v, nv;

		if (!s || runs[r].passed || !s->sum.verdict ||
		    strcmp(s->sum.verdict, "counterexample") != 0)
			continue;
		if ((nv = fault_vars(m->conf, runs[r].faults, &v)) < 0) {
			fprintf(stderr, "ldfi merge: %s: run %lld: '%s' is not a fault set of %s\n",
				s->path, (long long)(runs[r].id - s->offset), runs[r].faults,
				m->eo.conf_path);
			ldfi_db_runs_free(runs, n);
			return LDFI_EXIT_INTERNAL;
		}
		if (!s->best || ldfi_gen_cmp_sets(m->rank, v, nv, s->best_vars, s->best_n) < 0) {
			free(s->best_vars);
			s->best_vars = v;
			s->best = runs[r].id;
			s->best_n = nv;
		} else {
			free(v);
		}
	}
	ldfi_db_runs_free(runs, n);
	return 0;
}

/* Verdict, reason, counters; the chosen counterexample's shard or NULL. */
static const struct shard *verdict(struct merge *m, struct ldfi_explore_result *res)
{
	const struct shard *best = NULL;
	char *missing = NULL, *unfinished = NULL;
	size_t nm = 0, no = 0;
	FILE *fm = open_memstream(&missing, &nm), *fo = open_memstream(&unfinished, &no);
	int n_missing = 0, n_unfinished = 0;

	for (int i = 0; i < m->n; i++) {
		const struct shard *s = &m->s[i];

		res->executions += s->sum.executions;
		res->tried += s->sum.tried;
		res->pruned += s->sum.pruned;
		res->pending += s->sum.pending;
		if (s->sum.wall_s > res->wall_s)
			res->wall_s = s->sum.wall_s;
		if (s->best && (!best || ldfi_gen_cmp_sets(m->rank, s->best_vars, s->best_n,
							   best->best_vars, best->best_n) < 0))
			best = s;
		if (!s->best && (!s->sum.verdict || strcmp(s->sum.verdict, "certified") != 0) && fo)
			fprintf(fo, "%s%d/%d", n_unfinished++ ? ", " : "", s->index, m->count);
	}
	for (int k = 0; k < m->count && fm; k++) {
		bool given = false;

		for (int i = 0; i < m->n; i++)
			given |= m->s[i].index == k;
		if (!given)
			fprintf(fm, "%s%d/%d", n_missing++ ? ", " : "", k, m->count);
	}
	if (fm)
		fclose(fm);
	if (fo)
		fclose(fo);
	if (best) {
		res->verdict = LDFI_VERDICT_COUNTEREXAMPLE;
	} else if (!n_missing && !n_unfinished) {
		res->verdict = LDFI_VERDICT_CERTIFIED;
	} else {
		size_t off = 0;

		res->verdict = LDFI_VERDICT_INCONCLUSIVE;
		if (n_unfinished)
			off = (size_t)snprintf(
			    res->reason, sizeof(res->reason), "shard%s %s did not finish",
			    n_unfinished > 1 ? "s" : "", unfinished ? unfinished : "");
		if (n_missing && off < sizeof(res->reason))
			snprintf(res->reason + off, sizeof(res->reason) - off,
				 "%sshard%s %s not given", off ? "; " : "",
				 n_missing > 1 ? "s" : "", missing ? missing : "");
	}
	free(missing);
	free(unfinished);
	return best;
}

/* The merged result, the fault-free run and the counterexample read back. */
static int build(struct merge *m, struct ldfi_explore_result *res)
{
	const struct shard *best;
	const struct shard *first = &m->s[0];
	char buf[64];
	int rc;

	memset(res, 0, sizeof(*res));
	res->conf = m->conf;
	res->opts = &m->eo;
	res->shard.count = m->count;
	res->shard.index = -1;
	if (!(res->db_path = strdup(m->db_path)))
		return LDFI_ENOMEM;
	best = verdict(m, res);
	ldfi_db_state_set(m->db, "verdict", ldfi_verdict_name(res->verdict));
	snprintf(buf, sizeof(buf), "%ld", res->executions);
	ldfi_db_state_set(m->db, "executions", buf);
	ldfi_db_state_set(m->db, "reason", res->reason);
	for (int i = 1; i < m->n; i++)
		if (m->s[i].index < first->index)
			first = &m->s[i];
	rc = ldfi_db_load_run(m->db, m->conf, first->sum.ff_run + first->offset, &res->fault_free);
	if (!rc && best) {
		if (!(res->cex = calloc(1, sizeof(*res->cex))))
			return LDFI_ENOMEM;
		rc = ldfi_db_load_run(m->db, m->conf, best->best, &res->cex[0].trace);
		res->cex[0].run_id = best->best;
		res->cex[0].execution = best->best - best->offset;
		res->n_cex = !rc;
	}
	if (rc)
		fprintf(stderr, "ldfi merge: %s: %s\n", m->db_path,
			rc == LDFI_ENOMEM ? ldfi_strerror(rc) : ldfi_db_errmsg(m->db));
	return rc;
}

static void merge_finish(struct merge *m)
{
	for (int i = 0; i < m->n; i++) {
		free(m->s[i].path);
		free(m->s[i].base);
		free(m->s[i].best_vars);
		ldfi_db_summary_finish(&m->s[i].sum);
	}
	free(m->s);
	ldfi_db_close(m->db);
	free(m->db_path);
	ldfi_conf_destroy(m->conf);
	free(m->rank);
	ldfi_db_out_unlock(m->lock);
}

int ldfi_cmd_merge(int argc, char **argv)
{
	struct merge m = {.lock = -1};
	struct ldfi_explore_result res;
	int status = parse_opts(argc, argv, &m.o);

	if (status)
		return status < 0 ? 0 : status;
	if (!(m.s = calloc((size_t)m.o.n_dirs, sizeof(*m.s))))
		return LDFI_EXIT_INTERNAL;
	m.n = m.o.n_dirs;
	for (int i = 0; i < m.n && !status; i++) {
		m.s[i].dir = m.o.dirs[i];
		status = read_shard(&m.s[i]);
	}
	if (!status && !(status = check_shards(&m)) && !(status = load_conf(&m)) &&
	    !(status = open_out(&m)) && !(status = copy_runs(&m))) {
		if (build(&m, &res))
			status = LDFI_EXIT_INTERNAL;
		else
			status = ldfi_cli_reports(&m.o.out, &res) ? LDFI_EXIT_INTERNAL
								  : ldfi_cli_exit_status(&res);
		ldfi_explore_result_finish(&res);
	}
	merge_finish(&m);
	return status;
}
