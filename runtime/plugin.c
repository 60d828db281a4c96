/*
 * plugin.c - resolving the plugin stages and checks a conf names: dlopen
 * the library, dlsym the symbol, check the stage API version.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ldfi/conf.h"
#include "ldfi/ldfi.h"
#include "model/util.h"
#include "runtime/runtime.h"
#include "ldfi/stage.h"

/* "dir/name", or NULL. */
static char *join(const char *dir, size_t len, const char *name)
{
	char *p;

	if (asprintf(&p, "%.*s/%s", (int)len, dir, name) < 0)
		return NULL;
	return p;
}

/* A path could not be built: out of memory, which is not "not found". */
#define OOM "\1"

static void *try_open(char *path, char *why, size_t whylen)
{
	void *h;

	if (!path) {
		snprintf(why, whylen, OOM);
		return NULL;
	}
	dlerror();
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h && access(path, F_OK) == 0) {
		/* It exists but does not load: that is the error to report. */
		const char *e = dlerror();

		snprintf(why, whylen, "%s", e ? e : path);
	}
	free(path);
	return h;
}

/*
 * Open library `lib` of a conf: a path with a '/' is taken as is when
 * absolute, else from the conf file's directory. A bare file name is looked
 * for in each directory of $LDFI_PLUGIN_PATH (colon-separated), then in the
 * conf file's directory, then in LDFI_PLUGIN_DIR (where `meson install`
 * puts plugins), then as dlopen(3) searches (LD_LIBRARY_PATH, system).
 */
static void *open_library(const struct ldfi_conf *conf, const char *lib, char *why, size_t whylen)
{
	const char *slash = strrchr(conf->path, '/'), *env = getenv("LDFI_PLUGIN_PATH");
	size_t dirlen = slash ? (size_t)(slash - conf->path) : 1;
	const char *dir = slash ? conf->path : ".";
	void *h = NULL;

	why[0] = 0;
	if (lib[0] == '/')
		return try_open(strdup(lib), why, whylen);
	if (strchr(lib, '/'))
		return try_open(join(dir, dirlen, lib), why, whylen);
	while (env && *env && !h && !why[0]) {
		size_t n = strcspn(env, ":");

		if (n)
			h = try_open(join(env, n, lib), why, whylen);
		env += n + (env[n] == ':');
	}
	if (!h && !why[0])
		h = try_open(join(dir, dirlen, lib), why, whylen);
	if (!h && !why[0])
		h = try_open(join(LDFI_PLUGIN_DIR, strlen(LDFI_PLUGIN_DIR), lib), why, whylen);
	if (!h && !why[0])
		h = try_open(strdup(lib), why, whylen);
	return h;
}

/* dlopen + dlsym; *sym receives the symbol. The handle is never closed: a
 * plugin's code and data must outlive every trace that points into them. */
static int resolve(const struct ldfi_conf *conf, int line, const char *what, const char *lib,
		   const char *name, void **sym, char *err, size_t errlen)
{
	char why[512];
	void *h = open_library(conf, lib, why, sizeof(why));

	if (!h && strcmp(why, OOM) == 0)
		return LDFI_ENOMEM;
	if (!h) {
		if (!why[0])
			snprintf(why, sizeof(why),
				 "not found (a bare name is looked for in $LDFI_PLUGIN_PATH, the "
				 "conf's directory, %s and the system's library path)",
				 LDFI_PLUGIN_DIR);
		snprintf(err, errlen, "%s:%d: cannot load library '%s' of %s: %s", conf->path, line,
			 lib, what, why);
		return LDFI_EINVAL;
	}
	if (!(*sym = dlsym(h, name))) {
		snprintf(err, errlen, "%s:%d: %s: library '%s' has no symbol '%s'", conf->path,
			 line, what, lib, name);
		return LDFI_EINVAL;
	}
	return 0;
}

/* The full tables made by upgrade_ops, one per old table: kept for the
 * life of the process, like the libraries (reachable from here, and made
 * once however often a conf is loaded). Loading happens on one thread. */
static struct upgraded {
	const struct ldfi_stage_ops *from;
	struct ldfi_stage_ops *full;
} * upgraded;
static size_t n_upgraded;

/* The ops of a stage built for an older API version: a full table (this
 * version's layout) with the fields that version has copied from `ops` and
 * the newer ones NULL; reading past the old table would be undefined. NULL
 * on ENOMEM. */
static const struct ldfi_stage_ops *upgrade_ops(const struct ldfi_stage_ops *ops)
{
	struct ldfi_stage_ops *full;
	struct upgraded *v;

	for (size_t i = 0; i < n_upgraded; i++)
		if (upgraded[i].from == ops)
			return upgraded[i].full;
	if (!(v = realloc(upgraded, (n_upgraded + 1) * sizeof(*v))))
		return NULL;
	upgraded = v;
	if (!(full = calloc(1, sizeof(*full))))
		return NULL;
	/* version 1 ends before on_recover */
	memcpy(full, ops, offsetof(struct ldfi_stage_ops, on_recover));
	upgraded[n_upgraded++] = (struct upgraded){ops, full};
	return full;
}

int ldfi_plugins_load(struct ldfi_conf *conf, char *err, size_t errlen)
{
	char what[300];
	int rc;

	for (int i = 0; i < conf->n_comps; i++) {
		struct ldfi_comp *c = &conf->comps[i];
		const struct ldfi_stage_ops *ops;
		void *sym;

		if (c->type != LDFI_COMP_STAGE || c->kind != LDFI_KIND_PLUGIN || c->plugin)
			continue;
		snprintf(what, sizeof(what), "stage '%s'", c->name);
		if ((rc = resolve(conf, c->line, what, c->library, c->symbol, &sym, err, errlen)))
			return rc;
		ops = sym;
		if (ops->api_version < LDFI_STAGE_API_OLDEST ||
		    ops->api_version > LDFI_STAGE_API_VERSION) {
			snprintf(err, errlen,
				 "%s:%d: stage '%s': '%s' in '%s' is built for stage API version "
				 "%d; this ldfi loads versions %d to %d (rebuild the plugin)",
				 conf->path, c->line, c->name, c->symbol, c->library,
				 ops->api_version, LDFI_STAGE_API_OLDEST, LDFI_STAGE_API_VERSION);
			return LDFI_EINVAL;
		}
		if (ops->api_version < LDFI_STAGE_API_VERSION && !(ops = upgrade_ops(ops)))
			return LDFI_ENOMEM;
		c->plugin = ops;
	}
	for (int i = 0; i < conf->n_checks; i++) {
		struct ldfi_check *k = &conf->checks[i];

		if (k->kind != LDFI_CHECK_PLUGIN || k->plugin)
			continue;
		snprintf(what, sizeof(what), "check '%s'", k->name);
		if ((rc = resolve(conf, k->line, what, k->library, k->symbol, &k->plugin, err,
				  errlen)))
			return rc;
	}
	return 0;
}

bool ldfi_conf_has_plugins(const struct ldfi_conf *conf)
{
	for (int i = 0; i < conf->n_comps; i++)
		if (conf->comps[i].type == LDFI_COMP_STAGE &&
		    conf->comps[i].kind == LDFI_KIND_PLUGIN)
			return true;
	for (int i = 0; i < conf->n_checks; i++)
		if (conf->checks[i].kind == LDFI_CHECK_PLUGIN)
			return true;
	return false;
}

/* The library of a conf that symbol `sym` comes from: its `library` as
 * written, and the file it was loaded from. */
struct lib_file {
	const char *name;
	const char *file;
};

static int cmp_lib(const void *a, const void *b)
{
	return strcmp(((const struct lib_file *)a)->name, ((const struct lib_file *)b)->name);
}

/* Note `name` (as written) loaded as the object that holds `sym`, once per
 * name. A symbol of the ldfi program itself (a plugin linked in, as tests
 * do) is covered by ldfi's version: no file to hash. */
static int note_lib(struct lib_file *v, int *n, const char *name, const void *sym)
{
	Dl_info self, info;

	for (int i = 0; i < *n; i++)
		if (strcmp(v[i].name, name) == 0)
			return 0;
	if (!sym || !dladdr(sym, &info) || !info.dli_fname)
		return LDFI_EINVAL;
	if (dladdr((const void *)ldfi_plugins_digest, &self) && self.dli_fbase == info.dli_fbase)
		return 0;
	v[(*n)++] = (struct lib_file){name, info.dli_fname};
	return 0;
}

/* " plugin:NAME=HASH" for v[0..n) into the memory stream f. */
static int write_libs(FILE *f, const struct lib_file *v, int n, char *err, size_t errlen)
{
	for (int i = 0; i < n; i++) {
		uint64_t h;

		if (ldfi_hash_file(v[i].file, &h)) {
			snprintf(err, errlen, "%s: cannot read plugin library '%s': %s", v[i].file,
				 v[i].name, strerror(errno));
			return LDFI_EIO;
		}
		fprintf(f, " plugin:%s=%016llx", v[i].name, (unsigned long long)h);
	}
	return 0;
}

/* " process:WORD=HASH" into f for each word of `argv` that names a regular
 * file (from the conf's folder `dir` unless absolute), once per word: the
 * scripts a process stage or check runs. argv[0] without a '/' is a program
 * found in PATH (an interpreter), not hashed. */
static int write_scripts(FILE *f, const char *dir, char *const *argv, char *err, size_t errlen)
{
	for (int i = 0; argv && argv[i]; i++) {
		const char *w = argv[i];
		char *path = NULL;
		struct stat sb;
		uint64_t h;

		if (i == 0 && !strchr(w, '/'))
			continue;
		if (w[0] == '/' ? !(path = strdup(w)) : asprintf(&path, "%s/%s", dir, w) < 0)
			return LDFI_ENOMEM;
		if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode)) {
			if (ldfi_hash_file(path, &h)) {
				snprintf(err, errlen, "%s: cannot read '%s': %s", path, w,
					 strerror(errno));
				free(path);
				return LDFI_EIO;
			}
			fprintf(f, " process:%s=%016llx", w, (unsigned long long)h);
		}
		free(path);
	}
	return 0;
}

/* The scripts of every process stage and check (write_scripts). */
static int write_processes(FILE *f, const struct ldfi_conf *conf, char *err, size_t errlen)
{
	char *dir = ldfi_dir_of(conf->path);
	int rc = 0;

	if (!dir)
		return 0; /* no conf file (a conf built in memory): nothing to hash */
	for (int i = 0; !rc && i < conf->n_comps; i++)
		if (conf->comps[i].type == LDFI_COMP_STAGE &&
		    conf->comps[i].kind == LDFI_KIND_PROCESS)
			rc = write_scripts(f, dir, conf->comps[i].argv, err, errlen);
	for (int i = 0; !rc && i < conf->n_checks; i++)
		if (conf->checks[i].kind == LDFI_CHECK_PROCESS)
			rc = write_scripts(f, dir, conf->checks[i].argv, err, errlen);
	free(dir);
	return rc;
}

int ldfi_plugins_digest(const struct ldfi_conf *conf, char **out, char *err, size_t errlen)
{
	struct lib_file *v = calloc((size_t)conf->n_comps + (size_t)conf->n_checks + 1, sizeof(*v));
	size_t len = 0;
	FILE *f = NULL;
	int n = 0, rc = 0;

	*out = NULL;
	if (!v || !(f = open_memstream(out, &len))) {
		free(v);
		snprintf(err, errlen, "%s", ldfi_strerror(LDFI_ENOMEM));
		return LDFI_ENOMEM;
	}
	for (int i = 0; !rc && i < conf->n_comps; i++)
		if (conf->comps[i].type == LDFI_COMP_STAGE &&
		    conf->comps[i].kind == LDFI_KIND_PLUGIN)
			rc = note_lib(v, &n, conf->comps[i].library, conf->comps[i].plugin);
	for (int i = 0; !rc && i < conf->n_checks; i++)
		if (conf->checks[i].kind == LDFI_CHECK_PLUGIN)
			rc = note_lib(v, &n, conf->checks[i].library, conf->checks[i].plugin);
	if (rc)
		snprintf(err, errlen, "%s: a plugin is not loaded (ldfi_plugins_load)", conf->path);
	qsort(v, (size_t)n, sizeof(*v), cmp_lib);
	if (!rc)
		rc = write_libs(f, v, n, err, errlen);
	if (!rc)
		rc = write_processes(f, conf, err, errlen);
	if ((fclose(f) || !*out) && !rc) {
		snprintf(err, errlen, "%s", ldfi_strerror(LDFI_ENOMEM));
		rc = LDFI_ENOMEM;
	}
	free(v);
	if (rc) {
		free(*out);
		*out = NULL;
	}
	return rc;
}
