/*
 * report_html.h - the HTML report of an exploration (SPEC §4 `--html DIR`):
 * written by `ldfi explore --html DIR` and `ldfi report DB --html DIR`.
 */
#ifndef LDFI_SRC_REPORT_HTML_H
#define LDFI_SRC_REPORT_HTML_H

#include "src/explore/explore.h"

/*
 * Write DIR/index.html (creating DIR): one self-contained page (inline CSS
 * and SVG, no script, nothing fetched) with the summary, the runs table in
 * exploration order, a spacetime diagram per run (every run when there are
 * at most 50, else the fault-free run and the counterexamples) and, per
 * counterexample, its failed checks, the lineage graph of each broken
 * outcome and the why-not sentence. The runs are read from res->db_path
 * (the traces of res are used where they match). Returns 0, or LDFI_EIO /
 * LDFI_EDB / LDFI_ENOMEM after printing "ldfi: PATH: reason" on stderr.
 */
int ldfi_report_html(const char *dir, const struct ldfi_explore_result *res);

#endif
