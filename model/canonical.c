/*
 * canonical.c - the canonical text of a parsed conf (canonical.h). One line
 * per node, component and check, every field written whether the conf
 * spelled it or left it to its default, so that two confs that parse to the
 * same pipeline give the same text. A field added to struct ldfi_conf that
 * can change a run must be written here too.
 */
#include <stdio.h>
#include <stdlib.h>

#include "ldfi/conf.h"
#include "ldfi/ldfi.h"
#include "model/canonical.h"
#include "model/util.h"

/* "-" for an absent text or index, so that every field has a token. */
static const char *text_or_dash(const char *s)
{
	return s && *s ? s : "-";
}

static const char *name_of(const struct ldfi_conf *conf, int comp)
{
	return comp >= 0 && comp < conf->n_comps ? conf->comps[comp].name : "-";
}

/* A process stage's or check's command, a word a line (words may hold
 * spaces once split). */
static void write_argv(FILE *f, char *const *argv)
{
	for (int i = 0; argv && argv[i]; i++)
		fprintf(f, "argv %d %s\n", i, argv[i]);
}

static void write_comp(FILE *f, const struct ldfi_conf *conf, const struct ldfi_comp *c)
{
	fprintf(f, "comp %s type=%d kind=%d nodes=", c->name, (int)c->type, (int)c->kind);
	for (int i = 0; i < c->n_nodes; i++)
		fprintf(f, "%s%s", i ? "," : "", conf->nodes[c->nodes[i]].name);
	fprintf(f, " to=%s delivery=%s retry_every=%d dedup=%d at=%d window=%d",
		name_of(conf, c->to), ldfi_delivery_name(c->delivery), c->retry_every,
		c->dedup ? 1 : 0, c->at, c->window);
	fprintf(f, " durable=%d acks=%s", c->durable ? 1 : 0, c->manual_acks ? "manual" : "auto");
	fprintf(f, " library=%s symbol=%s records=%d\n", text_or_dash(c->library),
		text_or_dash(c->symbol), c->n_records);
	write_argv(f, c->argv);
	for (int i = 0; i < c->n_records; i++)
		fprintf(f, "record %s\n", c->records[i]);
}

static void write_check(FILE *f, const struct ldfi_conf *conf, const struct ldfi_check *k)
{
	fprintf(f, "check %s kind=%s sink=%s source=%s holds=%d library=%s symbol=%s\n", k->name,
		ldfi_check_kind_name(k->kind), name_of(conf, k->sink), name_of(conf, k->source),
		k->holds, text_or_dash(k->library), text_or_dash(k->symbol));
	write_argv(f, k->argv);
}

int ldfi_conf_canonical(const struct ldfi_conf *conf, char **text, size_t *len)
{
	FILE *f = open_memstream(text, len);

	if (!f) {
		*text = NULL;
		return LDFI_ENOMEM;
	}
	fprintf(f, "ldfi-conf 1\nrun_timeout %d\n", conf->run_timeout);
	for (int i = 0; i < conf->n_nodes; i++)
		fprintf(f, "node %s\n", conf->nodes[i].name);
	for (int i = 0; i < conf->n_comps; i++)
		write_comp(f, conf, &conf->comps[i]);
	for (int i = 0; i < conf->n_checks; i++)
		write_check(f, conf, &conf->checks[i]);
	if (ferror(f)) {
		fclose(f);
		free(*text);
		*text = NULL;
		return LDFI_ENOMEM;
	}
	if (fclose(f)) {
		free(*text);
		*text = NULL;
		return LDFI_ENOMEM;
	}
	return 0;
}

int ldfi_conf_meaning_hash(const struct ldfi_conf *conf, uint64_t *hash)
{
	char *text;
	size_t len;
	int rc = ldfi_conf_canonical(conf, &text, &len);

	if (rc)
		return rc;
	*hash = ldfi_hash64(LDFI_HASH64_INIT, text, len);
	free(text);
	return 0;
}
