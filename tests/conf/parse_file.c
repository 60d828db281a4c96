/*
 * parse_file.c - test driver: parse one pipeline.conf. On success prints the
 * summary on stdout and exits 0; on error prints the message on stderr and
 * exits 2 (4 for an unreadable file).
 */
#include <stdio.h>

#include "ldfi/conf.h"
#include "src/cli/cli.h"
#include "ldfi/ldfi.h"

int main(int argc, char **argv)
{
	struct ldfi_conf *conf;
	char err[1024];
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: parse_file PIPELINE.conf\n");
		return 2;
	}
	rc = ldfi_conf_load(argv[1], &conf, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "%s\n", err);
		return rc == LDFI_EINVAL ? 2 : 4;
	}
	ldfi_cli_conf_summary(conf, stdout);
	ldfi_conf_destroy(conf);
	return 0;
}
