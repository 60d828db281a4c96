/*
 * tricky.c - plugins that behave well inside their isolated run and badly
 * outside it, for stored.sh and escape.sh:
 *
 *   escape           a relay stage (as crashy.c's) that, in round 1 of every
 *                    run, forks a process that calls setsid and forks again:
 *                    the grandchild is in no process group of the run and
 *                    its parent is gone; it sleeps for ten minutes
 *   held_once        a check: passes when a live replica of its sink holds a
 *                    record. It counts its calls in a static variable and
 *                    crashes (SIGSEGV) on its second call in one process:
 *                    fine in the child of each run (a fresh fork), fatal
 *                    when ldfi evaluates it again in its own process
 *   held_once_hang   the same, but it hangs on its second call
 *
 * and, for forksrv.sh, stages that forward as `escape` does:
 *
 *   once_per_run     aborts in init when init already ran for its replica
 *                    in this process: a run that does not start from a
 *                    fresh copy of the plugin's memory fails
 *   kill_server      in round 1, when its parent is ldfi's fork server (a
 *                    process group leader: ldfi, in a test, is not), kills
 *                    it with SIGKILL, at most $LDFI_TEST_KILLS times in all:
 *                    it counts them in lines of the file $LDFI_TEST_KILLS_FILE
 *                    (one replica per run: the others may still see the
 *                    server as their parent while it dies)
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ldfi/stage.h>

static int forward(struct ldfi_stage *st, const struct ldfi_msg *m)
{
	return ldfi_stage_send(st, LDFI_HOP_DOWNSTREAM, m->rec);
}

/* fork, setsid, fork: a grandchild outside the run's process group. */
static int escape_round(struct ldfi_stage *st, int round)
{
	pid_t pid;

	(void)st;
	if (round != 1)
		return 0;
	pid = fork();
	if (pid == 0) {
		setsid();
		if (fork() == 0) {
			sleep(600);
			_exit(0);
		}
		_exit(0);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
	return 0;
}

const struct ldfi_stage_ops escape = {
    .api_version = LDFI_STAGE_API_VERSION,
    .kind = "escape",
    .on_message = forward,
    .on_round = escape_round,
};

static int once_init(struct ldfi_stage *st)
{
	static unsigned char inited[256];
	int node = ldfi_stage_node(st);

	if (node >= 0 && node < 256 && inited[node]++)
		abort();
	return 0;
}

const struct ldfi_stage_ops once_per_run = {
    .api_version = LDFI_STAGE_API_VERSION,
    .kind = "once-per-run",
    .init = once_init,
    .on_message = forward,
};

/* Lines in `path` (0 when it does not exist). */
static int count_lines(const char *path)
{
	FILE *f = fopen(path, "r");
	int n = 0, c;

	if (!f)
		return 0;
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

static int kill_round(struct ldfi_stage *st, int round)
{
	const char *file = getenv("LDFI_TEST_KILLS_FILE"), *max = getenv("LDFI_TEST_KILLS");
	static bool killed; /* by another replica of this run */
	pid_t parent = getppid();
	FILE *f;

	(void)st;
	if (round != 1 || killed || !file || !max || getpgid(parent) != parent ||
	    count_lines(file) >= atoi(max) || !(f = fopen(file, "a")))
		return 0;
	killed = true;
	fprintf(f, "killed %d\n", (int)parent);
	fclose(f);
	kill(parent, SIGKILL);
	return 0;
}

const struct ldfi_stage_ops kill_server = {
    .api_version = LDFI_STAGE_API_VERSION,
    .kind = "kill-server",
    .on_message = forward,
    .on_round = kill_round,
};

/* Whether a live replica of the check's sink holds a record. */
static bool held(const struct ldfi_trace *tr, int check)
{
	int comp = tr->conf->checks[check].sink;

	for (size_t i = 0; i < tr->n_outs; i++)
		if (tr->outs[i].comp == comp && ldfi_trace_alive(tr, tr->outs[i].node))
			return true;
	return false;
}

static int held_checked(struct ldfi_trace *tr, int check, struct ldfi_check_result *res, bool hang)
{
	static int calls;
	static int *volatile nowhere;

	if (++calls > 1) {
		if (hang)
			for (volatile uint64_t i = 0;; i++)
				;
		*nowhere = 1;
		raise(SIGSEGV);
	}
	res->passed = held(tr, check);
	if (!res->passed)
		return ldfi_check_offend(res, 0, tr->conf->checks[check].sink,
					 tr->conf->comps[tr->conf->checks[check].sink].nodes[0],
					 LDFI_PROBLEM_MISSING, 0, 1);
	return 0;
}

int held_once(struct ldfi_trace *tr, const struct ldfi_trace *ff, int check,
	      struct ldfi_check_result *res);
int held_once_hang(struct ldfi_trace *tr, const struct ldfi_trace *ff, int check,
		   struct ldfi_check_result *res);

int held_once(struct ldfi_trace *tr, const struct ldfi_trace *ff, int check,
	      struct ldfi_check_result *res)
{
	(void)ff;
	return held_checked(tr, check, res, false);
}

int held_once_hang(struct ldfi_trace *tr, const struct ldfi_trace *ff, int check,
		   struct ldfi_check_result *res)
{
	(void)ff;
	return held_checked(tr, check, res, true);
}
