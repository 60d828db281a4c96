/*
 * rss_bench.c - memory over a long exploration (docs/performance.md): runs
 * `ldfi explore` on one scenario with growing --max-runs and prints each
 * run's peak RSS (the child's ru_maxrss, from wait4) and wall time; flat
 * peak RSS means nothing per execution is retained beyond the supports.
 * usage: rss_bench LDFI [CONF [EOT EFF CRASHES [N...]]]; runs from the
 * source root. Also prints the size of the provenance database (KiB) and the
 * exit status: 3 (inconclusive, budget spent) means N executions ran.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* One explore with --max-runs n in a fresh --out; 0 or -1. */
static int measure(const char *ldfi, const char *conf, const char *const bounds[3], const char *n,
		   long *kb, long *db_kb, double *s, int *status)
{
	char dir[] = "/tmp/ldfi-rss-XXXXXX", out[64], db[96], cmd[128];
	struct rusage ru;
	struct stat sb;
	double t0 = now_s();
	pid_t pid;
	int st;

	if (!mkdtemp(dir))
		return -1;
	snprintf(out, sizeof(out), "%s/out", dir);
	pid = fork();
	if (pid == 0) {
		if (!freopen("/dev/null", "w", stdout))
			_exit(127);
		execl(ldfi, ldfi, "explore", conf, "--eot", bounds[0], "--eff", bounds[1],
		      "--crashes", bounds[2], "--max-runs", n, "--out", out, "--quiet",
		      (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || wait4(pid, &st, 0, &ru) != pid)
		return -1;
	*s = now_s() - t0;
	*kb = ru.ru_maxrss;
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	snprintf(db, sizeof(db), "%s/provenance.db", out);
	*db_kb = stat(db, &sb) == 0 ? (long)(sb.st_size / 1024) : -1;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	static const char *def[] = {"100", "300", "1000", "3000"};
	static const char *def_bounds[3] = {"18", "17", "2"};
	const char *conf = argc > 2 ? argv[2] : "scenarios/delivery/ack-deliv.conf";
	const char *const *bounds = argc > 5 ? (const char *const *)argv + 3 : def_bounds;
	const char **ns = argc > 6 ? (const char **)argv + 6 : def;
	int nn = argc > 6 ? argc - 6 : 4;

	if (argc < 2 || argc == 4 || argc == 5) {
		fprintf(stderr, "usage: rss_bench LDFI [CONF [EOT EFF CRASHES [N...]]]\n");
		return 2;
	}
	printf("%s --eot %s --eff %s --crashes %s\n%10s %14s %10s %10s %6s\n", conf, bounds[0],
	       bounds[1], bounds[2], "max-runs", "peak RSS (KiB)", "db (KiB)", "wall (s)", "exit");
	fflush(stdout);
	for (int i = 0; i < nn; i++) {
		long kb, db_kb;
		double s;
		int st;

		if (measure(argv[1], conf, bounds, ns[i], &kb, &db_kb, &s, &st)) {
			perror("rss_bench");
			return 1;
		}
		printf("%10s %14ld %10ld %10.2f %6d\n", ns[i], kb, db_kb, s, st);
		fflush(stdout);
		if (st != 0 && st != 1 && st != 3)
			return 1;
	}
	return 0;
}
