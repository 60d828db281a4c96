/*
 * html.h - the pieces of the HTML report shared by report_html.c (the page),
 * html_spacetime.c (spacetime diagrams) and html_lineage.c (lineage graphs
 * and why-not sentences). Private to src/. Layout: docs/html-report.md.
 */
#ifndef LDFI_SRC_REPORT_HTML_H
#define LDFI_SRC_REPORT_HTML_H

#include <stdint.h>
#include <stdio.h>

#include "ldfi/trace.h"
#include "src/explore/explore.h"

/* The legend of the spacetime diagrams: one small SVG. */
void ldfi_html_legend(FILE *f);

/*
 * The spacetime diagram of run `tr` (checks evaluated) as one SVG: nodes as
 * columns, rounds as rows, an arrow per message, lost ones dashed with the
 * fault that lost them, crashes, and each sink replica's contents at eot
 * with the records that failed a check. `exec` and `run` label it.
 * Returns 0 or LDFI_ENOMEM.
 */
int ldfi_html_spacetime(FILE *f, const struct ldfi_trace *tr, long exec, int64_t run);

/*
 * For each broken outcome of counterexample run `cx`: the "why" sentence
 * and an SVG lineage graph (the derivations of the outcome in the
 * fault-free run, the events the counterexample's faults cut marked; for a
 * duplicated or out-of-order record, its copies in the counterexample run
 * and the lost acks). Returns 0 or LDFI_ENOMEM.
 */
int ldfi_html_lineage(FILE *f, const struct ldfi_explore_result *res, const struct ldfi_trace *cx);

/* The fault of `tr` that lost message `m`, or -1 (delivered, eot). */
int ldfi_html_lost_by(const struct ldfi_trace *tr, const struct ldfi_msg *m);

#endif
