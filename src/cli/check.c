/*
 * check.c - `ldfi check PIPELINE.conf`: validate a conf and print what it
 * describes in one paragraph (nodes, sources, stages, sinks, checks,
 * bounds), or its first error.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "ldfi/conf.h"
#include "ldfi/ldfi.h"
#include "runtime/runtime.h"
#include "src/cli/cli.h"
#include "src/cli/options.h"

static void print_nodes(FILE *f, const struct ldfi_conf *conf, const int *nodes, int n)
{
	int i;

	for (i = 0; i < n; i++)
		fprintf(f, "%s%s", i ? ", " : "", conf->nodes[nodes[i]].name);
}

/* The hop's policy (a sink's relay), dedup and durability of `c`. */
static void print_policy(FILE *f, const struct ldfi_comp *c)
{
	fprintf(f, "%s", ldfi_delivery_name(c->delivery));
	if (c->delivery == LDFI_DELIVERY_ACK)
		fprintf(f, ", retry every %d", c->retry_every);
	if (c->dedup)
		fprintf(f, ", dedup");
	if (c->durable)
		fprintf(f, ", durable");
}

/* Are the records named 1..N (records = N)? */
static bool counted_records(const struct ldfi_comp *c)
{
	char name[16];
	int i;

	for (i = 0; i < c->n_records; i++) {
		snprintf(name, sizeof(name), "%d", i + 1);
		if (strcmp(name, c->records[i]))
			return false;
	}
	return true;
}

static void print_source(FILE *f, const struct ldfi_conf *conf, const struct ldfi_comp *c)
{
	int i, shown = c->n_records < 6 ? c->n_records : 5;

	fprintf(f, "source %s emits %d record%s", c->name, c->n_records,
		c->n_records == 1 ? "" : "s");
	if (!counted_records(c)) {
		for (i = 0; i < shown; i++)
			fprintf(f, "%s%s", i ? ", " : " (", c->records[i]);
		fprintf(f, "%s)", shown < c->n_records ? ", ..." : "");
	}
	fprintf(f, " on ");
	print_nodes(f, conf, c->nodes, c->n_nodes);
	fprintf(f, " at round %d to %s (", c->at, conf->comps[c->to].name);
	print_policy(f, c);
	fprintf(f, ")");
}

static void print_comp(FILE *f, const struct ldfi_conf *conf, const struct ldfi_comp *c)
{
	if (c->type == LDFI_COMP_SOURCE) {
		print_source(f, conf, c);
		return;
	}
	if (c->type == LDFI_COMP_SINK)
		fprintf(f, "sink %s on ", c->name);
	else if (c->kind == LDFI_KIND_PLUGIN)
		fprintf(f, "stage %s runs plugin %s from %s on ", c->name, c->symbol, c->library);
	else if (c->kind == LDFI_KIND_PROCESS)
		fprintf(f, "stage %s runs process '%s' on ", c->name, c->command);
	else if (c->kind == LDFI_KIND_WINDOW_COUNT)
		fprintf(f, "stage %s counts by key in windows of %d round%s on ", c->name,
			c->window, c->window == 1 ? "" : "s");
	else
		fprintf(f, "stage %s relays on ", c->name);
	print_nodes(f, conf, c->nodes, c->n_nodes);
	if (c->type == LDFI_COMP_STAGE && c->to >= 0)
		fprintf(f, " to %s (", conf->comps[c->to].name);
	else if (c->type == LDFI_COMP_STAGE)
		fprintf(f, " (");
	else
		fprintf(f, " (relay ");
	print_policy(f, c);
	fprintf(f, ")");
}

static void print_check(FILE *f, const struct ldfi_conf *conf, const struct ldfi_check *k)
{
	fprintf(f, "%s (%s", k->name, ldfi_check_kind_name(k->kind));
	if (k->kind == LDFI_CHECK_PLUGIN)
		fprintf(f, " %s from %s", k->symbol, k->library);
	if (k->sink >= 0)
		fprintf(f, " on %s", conf->comps[k->sink].name);
	if (k->source >= 0)
		fprintf(f, ", source %s", conf->comps[k->source].name);
	fprintf(f, ")");
}

void ldfi_cli_conf_summary(const struct ldfi_conf *conf, FILE *f)
{
	int i, type;

	fprintf(f, "%s: ok. %d node%s (", conf->path, conf->n_nodes, conf->n_nodes == 1 ? "" : "s");
	for (i = 0; i < conf->n_nodes; i++)
		fprintf(f, "%s%s", i ? ", " : "", conf->nodes[i].name);
	fprintf(f, ")");
	for (type = LDFI_COMP_SOURCE; type <= LDFI_COMP_SINK; type++)
		for (i = 0; i < conf->n_comps; i++)
			if ((int)conf->comps[i].type == type) {
				fprintf(f, "; ");
				print_comp(f, conf, &conf->comps[i]);
			}
	fprintf(f, "; check%s: ", conf->n_checks == 1 ? "" : "s");
	for (i = 0; i < conf->n_checks; i++) {
		fprintf(f, "%s", i ? ", " : "");
		print_check(f, conf, &conf->checks[i]);
	}
	fprintf(f, ". Bounds eot=%d eff=%d crashes=%d", conf->eot, conf->eff, conf->crashes);
	if (conf->restarts)
		fprintf(f, " restarts=%d downtime=%d", conf->restarts, conf->downtime);
	if (conf->max_runs)
		fprintf(f, " max_runs=%lld", conf->max_runs);
	fprintf(f, ", strategy %s, seed %" PRIu64 ".\n", ldfi_strategy_name(conf->strategy),
		conf->seed);
}

int ldfi_cmd_check(int argc, char **argv)
{
	struct ldfi_conf *conf;
	int status;

	struct ldfi_cli_args a = {.cmd = ldfi_cli_find("check"), .argc = argc, .argv = argv};
	int id;

	while ((id = ldfi_cli_next(&a)) > 0)
		;
	if (id != LDFI_CLI_END)
		return id == LDFI_CLI_HELP ? 0 : LDFI_EXIT_USAGE;
	conf = ldfi_cli_load(a.pos[0], &LDFI_BOUNDS_KEEP, &status);
	if (!conf)
		return status;
	{
		char err[1024];
		int rc = ldfi_process_resolve(conf, err, sizeof(err));

		if (rc) {
			fprintf(stderr, "%s\n", rc == LDFI_EINVAL ? err : ldfi_strerror(rc));
			ldfi_conf_destroy(conf);
			return rc == LDFI_EINVAL ? LDFI_EXIT_USAGE : LDFI_EXIT_INTERNAL;
		}
	}
	ldfi_cli_conf_summary(conf, stdout);
	ldfi_conf_destroy(conf);
	return 0;
}
