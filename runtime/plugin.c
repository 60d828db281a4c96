/*
 * plugin.c - resolving the plugin stages and checks a conf names: dlopen
 * the library, dlsym the symbol, check the stage API version.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ldfi/conf.h"
#include "ldfi/ldfi.h"
#include "ldfi/runtime.h"
#include "ldfi/stage.h"

/* A library path as dlopen should see it: relative paths with a '/' are
 * taken from the conf file's directory, bare names are searched as dlopen
 * does (LD_LIBRARY_PATH, system directories). Returns a new string. */
static char *library_path(const struct ldfi_conf *conf, const char *lib)
{
	const char *slash = strrchr(conf->path, '/');
	char *p;

	if (lib[0] == '/' || !strchr(lib, '/') || !slash)
		return strdup(lib);
	if (asprintf(&p, "%.*s/%s", (int)(slash - conf->path), conf->path, lib) < 0)
		return NULL;
	return p;
}

/* dlopen + dlsym; *sym receives the symbol. The handle is never closed: a
 * plugin's code and data must outlive every trace that points into them. */
static int resolve(const struct ldfi_conf *conf, int line, const char *what, const char *lib,
		   const char *name, void **sym, char *err, size_t errlen)
{
	char *path = library_path(conf, lib);
	void *h;

	if (!path)
		return LDFI_ENOMEM;
	dlerror();
	if (!(h = dlopen(path, RTLD_NOW | RTLD_LOCAL))) {
		const char *e = dlerror();

		snprintf(err, errlen, "%s:%d: cannot load the library of %s: %s", conf->path, line,
			 what, e ? e : path);
		free(path);
		return LDFI_EINVAL;
	}
	free(path);
	if (!(*sym = dlsym(h, name))) {
		snprintf(err, errlen, "%s:%d: %s: library '%s' has no symbol '%s'", conf->path, line,
			 what, lib, name);
		return LDFI_EINVAL;
	}
	return 0;
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
		if (ops->api_version != LDFI_STAGE_API_VERSION) {
			snprintf(err, errlen,
				 "%s:%d: stage '%s': '%s' in '%s' is built for stage API version "
				 "%d; this ldfi has version %d (rebuild the plugin)",
				 conf->path, c->line, c->name, c->symbol, c->library,
				 ops->api_version, LDFI_STAGE_API_VERSION);
			return LDFI_EINVAL;
		}
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
		if (conf->comps[i].type == LDFI_COMP_STAGE && conf->comps[i].kind == LDFI_KIND_PLUGIN)
			return true;
	for (int i = 0; i < conf->n_checks; i++)
		if (conf->checks[i].kind == LDFI_CHECK_PLUGIN)
			return true;
	return false;
}
