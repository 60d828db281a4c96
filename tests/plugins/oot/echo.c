/*
 * echo.c - a plugin built out of tree (out_of_tree.sh): only the installed
 * <ldfi/stage.h> and `pkg-config --cflags ldfi`, strict C11, no ldfi source.
 *
 * Stage `echo`: forwards the first copy of each record downstream (the
 * "seen:RECORD" state entry, read with ldfi_stage_get, makes later copies
 * conditional on its absence) and outputs it. Check `echoed`: every
 * emitted record is among the outputs of some live echo replica.
 */
#include <stdio.h>

#include <ldfi/stage.h>

static int on_message(struct ldfi_stage *st, const struct ldfi_msg *m)
{
	char key[300];
	int rc;

	snprintf(key, sizeof(key), "seen:%s", ldfi_stage_record_name(st, m->rec));
	if ((rc = ldfi_stage_get(st, key, NULL)) != 0)
		return rc < 0 ? rc : 0; /* a later copy */
	if ((rc = ldfi_stage_put(st, key, 1)) || (rc = ldfi_stage_output(st, m->rec)))
		return rc;
	return ldfi_stage_send(st, LDFI_HOP_DOWNSTREAM, m->rec);
}

const struct ldfi_stage_ops echo = {
    .api_version = LDFI_STAGE_API_VERSION,
    .kind = "echo",
    .on_message = on_message,
};

int echoed(struct ldfi_trace *tr, const struct ldfi_trace *ff, int check,
	   struct ldfi_check_result *res)
{
	const struct ldfi_conf *conf = tr->conf;
	int comp = conf->checks[check].sink;

	(void)ff;
	res->passed = 1;
	for (int r = 0; r < tr->n_recs; r++) {
		int held = 0;

		if (!tr->recs[r].emitted)
			continue;
		for (size_t i = 0; i < tr->n_outs; i++)
			held |= tr->outs[i].comp == comp && tr->outs[i].rec == r &&
				ldfi_trace_alive(tr, tr->outs[i].node);
		if (!held) {
			int rc = ldfi_check_offend(res, r, comp, conf->comps[comp].nodes[0],
						   LDFI_PROBLEM_MISSING, 0, 1);

			if (rc)
				return rc;
		}
	}
	return 0;
}
