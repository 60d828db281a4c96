/*
 * gen_plugin.h - seeded random protocols of plugin stages for the
 * ldfi-versus-exhaustive cross-check (crosscheck --plugins), and the
 * interpreter that runs them.
 *
 * A generated conf is self-contained: its stages and checks are `kind =
 * plugin` with `library = interp`, and the protocol is written in the conf
 * itself, one "#%" comment line per rule or check (grammar in gen_plugin.c).
 * gen_plugin_attach() reads those lines and plugs the interpreter into the
 * conf (conf->comps[i].plugin, conf->checks[i].plugin), so no library is
 * loaded; a saved conf (tests/crosscheck/regressions/plugin-*.conf) is
 * replayed the same way.
 */
#ifndef LDFI_TESTS_CROSSCHECK_GEN_PLUGIN_H
#define LDFI_TESTS_CROSSCHECK_GEN_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

struct ldfi_conf;

/* Largest fault space the generator draws (CROSSCHECK_SPACE overrides). */
#define GEN_PLUGIN_SPACE_MAX 600.0

/* The conf text of protocol `seed` (free()), or NULL when out of memory. */
char *gen_plugin_pipeline(uint64_t seed);

/* Whether `text` carries an interpreted protocol ("#%" lines). */
int gen_plugin_has_program(const char *text);

/* Parse the "#%" lines of `text` and plug the interpreter into `conf` (it
 * becomes the current program; one at a time). Returns 0, or -1 with a
 * message in err. */
int gen_plugin_attach(struct ldfi_conf *conf, const char *text, char *err, size_t errlen);

#endif
