/*
 * plugin.c - resolving the plugin stages and checks a conf names: dlopen
 * the library, dlsym the symbol, check the stage API version.
 */
#include <dlfcn.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ldfi/conf.h"
#include "ldfi/ldfi.h"
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

/* The ops of a stage built for an older API version: a full table (this
 * version's layout) with the fields that version has copied from `ops` and
 * the newer ones NULL; reading past the old table would be undefined. Kept
 * for the life of the process, like the libraries. NULL on ENOMEM. */
static const struct ldfi_stage_ops *upgrade_ops(const struct ldfi_stage_ops *ops)
{
	struct ldfi_stage_ops *full = calloc(1, sizeof(*full));

	if (full) /* version 1 ends before on_recover */
		memcpy(full, ops, offsetof(struct ldfi_stage_ops, on_recover));
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
