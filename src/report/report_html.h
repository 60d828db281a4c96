/*
 * report_html.h - the HTML report of an exploration (docs/html-report.md, `--html DIR`):
 * written by `ldfi explore --html DIR` and `ldfi report DB --html DIR`.
 */
#ifndef LDFI_SRC_REPORT_REPORT_HTML_H
#define LDFI_SRC_REPORT_REPORT_HTML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "src/explore/explore.h"

/* One run of an exploration, as the page lists it. */
struct ldfi_report_run {
	int64_t id;
	const char *faults; /* canonical text */
	bool passed;
	/* "did not finish: REASON" (a plugin failed), else the failed checks'
	 * names, ", "-separated; NULL when none */
	const char *failed;
};

/* Every run of an exploration, in execution order, and how to read one's
 * trace back (the caller's: the page does not know where runs are kept). */
struct ldfi_report_runs {
	const struct ldfi_report_run *v;
	int n;
	/* Load run `id` into a new trace (the page's, with check results
	 * evaluated against `fault_free`, or a failed run's failure). Returns
	 * 0, or LDFI_E* with a message in `err`. */
	int (*load)(void *arg, int64_t id, const struct ldfi_trace *fault_free,
		    struct ldfi_trace **out, char *err, size_t errlen);
	void *arg;
};

/*
 * Write DIR/index.html (creating DIR): one self-contained page (inline CSS
 * and SVG, no script, nothing fetched) with the summary, the runs table in
 * exploration order, a spacetime diagram per run (every run when there are
 * at most 50, else the fault-free run and the counterexamples) and, per
 * counterexample, its failed checks, the lineage graph of each broken
 * outcome and the why-not sentence. The runs are `runs` (borrowed; the
 * traces of res are used where they match, the others loaded through it),
 * or, when it is NULL, the fault-free run and the counterexamples of res.
 * The page is written whole or not at all (ldfi_report_write_file). Returns
 * 0, or LDFI_EIO / LDFI_EDB / LDFI_ENOMEM with "PATH: reason" in `err`.
 */
int ldfi_report_html(const char *dir, const struct ldfi_explore_result *res,
		     const struct ldfi_report_runs *runs, char *err, size_t errlen);

#endif
