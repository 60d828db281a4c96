/*
 * protocols.h - helpers shared by the protocol plugins of scenarios/protocols:
 * naming records, sending to every replica of a stage, and the checks of
 * Molly's commit and delivery assertions over decisions (records `commit`
 * and `abort` in the outputs of plugin stages).
 *
 * They use only the public stage API (<ldfi/stage.h>), as any plugin would.
 */
#ifndef LDFI_SCENARIOS_PROTOCOLS_H
#define LDFI_SCENARIOS_PROTOCOLS_H

#include <stdbool.h>

#include <ldfi/stage.h>

/* Whether record `rec` is named `name`. */
bool proto_is(const struct ldfi_stage *st, int rec, const char *name);
/* Name of node `node`. */
const char *proto_node_name(const struct ldfi_stage *st, int node);
/* Index of component `name` (a stage of the conf), or -1. */
int proto_comp(const struct ldfi_stage *st, const char *name);
/* Send record `name` to the replica of `comp` on `node`. 0 or LDFI_E*. */
int proto_send(struct ldfi_stage *st, int comp, int node, const char *name);
/* Send record `name` to every replica of `comp` but this one. 0 or LDFI_E*. */
int proto_send_all(struct ldfi_stage *st, int comp, const char *name);
/* Output record `name`. 0 or LDFI_E*. */
int proto_output(struct ldfi_stage *st, const char *name);
/* Output the decision `name` (commit or abort) and remember it under
 * "decision". 0 or LDFI_E*. */
int proto_decide(struct ldfi_stage *st, const char *name);
/* 1 when state holds "vote:N" for every node N of `comp`, 0 when one is
 * missing, or LDFI_E*. Reads every entry (all are provenance). */
int proto_all_voted(struct ldfi_stage *st, int comp);

/* Checks (ldfi_check_fn). Decisions are outputs `commit` or `abort` of
 * plugin stages at live nodes.
 * agreement: no two nodes decide differently.
 * termination: if some live node received a `prepare`, at least two nodes
 * hold a decision; offenses name the decision a prepared node lacks. */
int proto_check_agreement(struct ldfi_trace *tr, const struct ldfi_trace *ff, int check,
			  struct ldfi_check_result *res);
int proto_check_termination(struct ldfi_trace *tr, const struct ldfi_trace *ff, int check,
			    struct ldfi_check_result *res);

#endif
