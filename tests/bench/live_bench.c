/*
 * live_bench.c - executions per second of the live engine (every node a
 * process, runtime/live/) against the simulation, on the bundled scenarios.
 *
 * For each scenario and each of two fault sets (none, and the
 * counterexample or a crash of the scenario's first node), runs the
 * execution with each engine, without recording it: the simulation for at
 * least 1 s (and 20 runs), the live engine for at least 1 s (and 5 runs).
 * Checks that both engines agree on the message count and the verdict.
 * Prints a Markdown table (docs/performance.md) with the machine and date.
 * Exit 1 on errors or disagreement.
 *
 * usage: live_bench [-t SECONDS]    (from the source root)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "ldfi/conf.h"
#include "ldfi/faults.h"
#include "ldfi/ldfi.h"
#include "runtime/runtime.h"
#include "runtime/live/live.h"

static const struct {
	const char *path;
	const char *faults[2];
} cases[] = {
    {"scenarios/delivery/simple-deliv.conf", {"none", "omit(a,b,1)"}},
    {"scenarios/delivery/retry-deliv.conf", {"none", "crash(a,2) omit(a,b,1)"}},
    {"scenarios/delivery/classic-deliv.conf", {"none", "omit(a,b,1) omit(a,b,2) omit(c,b,2)"}},
    {"scenarios/delivery/redun-deliv.conf", {"none", "crash(a,2) omit(a,b,1)"}},
    {"scenarios/delivery/ack-deliv.conf", {"none", "crash(a,2) omit(a,b,1)"}},
    {"scenarios/stream/replicated-relay.conf", {"none", "crash(w1,2) omit(src,w2,1)"}},
    /* Restarts: every node journals its durable state each round; the
     * restarted worker is a new process that reads its journal back. */
    {"scenarios/stream/wallaroo-restart/durable.conf", {"none", "restart(w,6)"}},
    {"scenarios/stream/wallaroo-restart/volatile-worker.conf", {"none", "restart(w,6)"}},
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Runs per second of `e` on (conf, fs), at least `min_s` seconds and
 * `min_runs` runs; the last trace's size and verdict in *msgs, *passed. */
static int measure(enum ldfi_engine e, const struct ldfi_conf *conf, const struct ldfi_faults *fs,
		   double min_s, int min_runs, double *rate, size_t *msgs, int *passed)
{
	double t0 = now_s(), t;
	char err[512];
	int n = 0;

	do {
		struct ldfi_trace *tr = NULL;
		int rc = ldfi_engine_exec(e, conf, fs, NULL, &tr, err, sizeof(err));

		if (rc) {
			fprintf(stderr, "live_bench: %s engine, %s: %s\n", ldfi_engine_name(e),
				conf->path, err);
			return rc;
		}
		*msgs = tr->n_msgs;
		*passed = tr->passed;
		ldfi_trace_destroy(tr);
		n++;
		t = now_s() - t0;
	} while (t < min_s || n < min_runs);
	*rate = n / t;
	return 0;
}

int main(int argc, char **argv)
{
	double min_s = 1.0;
	struct utsname u;
	char date[32];
	time_t now = time(NULL);
	int opt, status = 0;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	while ((opt = getopt(argc, argv, "t:")) != -1) {
		if (opt != 't' || (min_s = atof(optarg)) <= 0) {
			fprintf(stderr, "usage: live_bench [-t SECONDS]\n");
			return 2;
		}
	}
	uname(&u);
	strftime(date, sizeof(date), "%Y-%m-%d", gmtime(&now));
	printf("live_bench, %s, %s %s %s, %ld CPUs\n\n", date, u.sysname, u.release, u.machine,
	       cpus);
	printf("| scenario | nodes | eot | faults | messages | sim exec/s | live exec/s | "
	       "live ms/exec | sim / live |\n");
	printf("|---|---:|---:|---|---:|---:|---:|---:|---:|\n");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ldfi_conf *conf = NULL;
		char err[512];

		if (ldfi_conf_load(cases[i].path, &conf, err, sizeof(err))) {
			fprintf(stderr, "live_bench: %s\n", err);
			return 1;
		}
		for (int k = 0; k < 2; k++) {
			struct ldfi_faults fs;
			double sim, live;
			size_t ms, ml;
			int ps, pl;
			const char *name = strrchr(cases[i].path, '/') + 1;

			ldfi_faults_init(&fs);
			if (ldfi_faults_parse(conf, cases[i].faults[k], &fs, err, sizeof(err))) {
				fprintf(stderr, "live_bench: %s: %s\n", cases[i].path, err);
				return 1;
			}
			if (measure(LDFI_ENGINE_SIM, conf, &fs, min_s, 20, &sim, &ms, &ps) ||
			    measure(LDFI_ENGINE_LIVE, conf, &fs, min_s, 5, &live, &ml, &pl)) {
				ldfi_faults_finish(&fs);
				ldfi_conf_destroy(conf);
				return 1;
			}
			if (ms != ml || ps != pl) {
				fprintf(
				    stderr,
				    "live_bench: %s '%s': sim %zu messages (%s), live %zu (%s)\n",
				    cases[i].path, cases[i].faults[k], ms, ps ? "pass" : "fail", ml,
				    pl ? "pass" : "fail");
				status = 1;
			}
			printf("| %s | %d | %d | `%s` | %zu | %.0f | %.0f | %.2f | %.0f× |\n", name,
			       conf->n_nodes, conf->eot, cases[i].faults[k], ms, sim, live,
			       1000.0 / live, sim / live);
			fflush(stdout);
			ldfi_faults_finish(&fs);
		}
		ldfi_conf_destroy(conf);
	}
	return status;
}
