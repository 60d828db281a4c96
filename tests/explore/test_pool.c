/*
 * test_pool.c - the explore's threads (src/explore/pool.c): every task of a
 * step runs once, on a thread of the pool, and the step returns after its
 * last one; background jobs run one at a time, in the order posted, on the
 * caller's thread only when it would wait for them, within the queue's
 * bound; a step does not wait for a thread busy with a job; destroy runs
 * the jobs still queued.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "src/explore/pool.h"
#include "test.h"

#define MAX_TASKS 64

struct step {
	atomic_int runs[MAX_TASKS];
	atomic_int bad_worker;
	int threads;
	pthread_t caller;
	atomic_int on_caller; /* tasks that ran on the caller's thread */
	atomic_int caller_as_zero;
};

static void step_task(void *ctx, int task, int worker)
{
	struct step *s = ctx;
	struct timespec ts = {0, 20000L}; /* long enough to be seen unfinished */

	nanosleep(&ts, NULL);
	atomic_fetch_add(&s->runs[task], 1);
	if (worker < 0 || worker >= s->threads)
		atomic_fetch_add(&s->bad_worker, 1);
	if (pthread_equal(pthread_self(), s->caller)) {
		atomic_fetch_add(&s->on_caller, 1);
		if (worker != 0)
			atomic_fetch_add(&s->caller_as_zero, 1);
	}
}

/* Steps of every size with a shuffled order: each task exactly once. */
static void test_steps(int threads)
{
	struct ldfi_pool *p = ldfi_pool_create(threads);
	int order[MAX_TASKS], twice = 0, never = 0, bad = 0, wrong_zero = 0;

	CHECK(p != NULL);
	if (!p)
		return;
	CHECK(ldfi_pool_threads(p) >= 1 && ldfi_pool_threads(p) <= threads);
	srand(7);
	for (int round = 0; round < 300; round++) {
		int n = rand() % (MAX_TASKS + 1);
		struct step s = {.threads = ldfi_pool_threads(p), .caller = pthread_self()};

		for (int i = 0; i < n; i++)
			order[i] = i;
		for (int i = n - 1; i > 0; i--) {
			int j = rand() % (i + 1), t = order[i];

			order[i] = order[j];
			order[j] = t;
		}
		ldfi_pool_run(p, n, round % 3 ? order : NULL, step_task, &s);
		for (int i = 0; i < MAX_TASKS; i++) {
			int r = atomic_load(&s.runs[i]);

			twice += r > 1 || (i >= n && r);
			never += i < n && r == 0;
		}
		bad += atomic_load(&s.bad_worker);
		wrong_zero += atomic_load(&s.caller_as_zero);
	}
	CHECK(twice == 0);
	CHECK(never == 0);
	CHECK(bad == 0);
	CHECK(wrong_zero == 0);
	ldfi_pool_destroy(p);
}

struct jobs {
	pthread_t caller;
	atomic_int started, running, overlap, on_caller;
	atomic_int caller_may; /* the caller is in post or wait_jobs */
	atomic_int on_caller_outside;
	int log[256], n_log;
	int sleep_us;
};

struct job {
	struct jobs *j;
	int id;
};

static void job_fn(void *arg)
{
	struct job *b = arg;
	struct jobs *j = b->j;

	atomic_fetch_add(&j->started, 1);
	if (atomic_fetch_add(&j->running, 1))
		atomic_fetch_add(&j->overlap, 1);
	if (pthread_equal(pthread_self(), j->caller)) {
		atomic_fetch_add(&j->on_caller, 1);
		if (!atomic_load(&j->caller_may))
			atomic_fetch_add(&j->on_caller_outside, 1);
	}
	if (j->sleep_us) {
		struct timespec ts = {0, j->sleep_us * 1000L};

		nanosleep(&ts, NULL);
	}
	j->log[j->n_log++] = b->id; /* one job at a time: no lock */
	atomic_fetch_sub(&j->running, 1);
}

/* Jobs in order, one at a time, on the caller's thread only while it is
 * in post or wait_jobs, bounded, mixed with steps; wait_jobs waits for all
 * of them. */
static void test_jobs(int threads, int limit)
{
	struct ldfi_pool *p = ldfi_pool_create(threads);
	struct jobs j = {.caller = pthread_self(), .sleep_us = 200};
	struct job b[256];
	int over_bound = 0, in_order = 1;

	CHECK(p != NULL);
	if (!p)
		return;
	for (int i = 0; i < 200; i++) {
		struct step s = {.threads = ldfi_pool_threads(p), .caller = pthread_self()};

		b[i] = (struct job){&j, i};
		atomic_store(&j.caller_may, 1);
		ldfi_pool_post(p, job_fn, &b[i], limit);
		atomic_store(&j.caller_may, 0);
		/* Queued now: posted minus started, the one being taken off
		 * the queue but not yet started included. */
		if (i + 1 - atomic_load(&j.started) > limit + 1)
			over_bound++;
		if (i % 5 == 0)
			ldfi_pool_run(p, 1 + i % 7, NULL, step_task, &s);
	}
	atomic_store(&j.caller_may, 1);
	ldfi_pool_wait_jobs(p);
	CHECK(atomic_load(&j.started) == 200);
	CHECK(j.n_log == 200);
	for (int i = 0; i < j.n_log; i++)
		in_order &= j.log[i] == i;
	CHECK(in_order);
	CHECK(atomic_load(&j.overlap) == 0);
	CHECK(over_bound == 0);
	CHECK(atomic_load(&j.on_caller_outside) == 0);
	if (ldfi_pool_threads(p) == 1)
		CHECK(atomic_load(&j.on_caller) == 200); /* run inline */
	ldfi_pool_destroy(p);
}

/* destroy runs what is still queued. */
static void test_destroy_drains(void)
{
	struct ldfi_pool *p = ldfi_pool_create(2);
	struct jobs j = {.caller = pthread_self(), .sleep_us = 100};
	struct job b[50];

	for (int i = 0; i < 50; i++) {
		b[i] = (struct job){&j, i};
		ldfi_pool_post(p, job_fn, &b[i], 64);
	}
	ldfi_pool_destroy(p);
	CHECK(atomic_load(&j.started) == 50);
	CHECK(j.n_log == 50);
	ldfi_pool_destroy(NULL);
}

/* A step does not wait for a thread that is busy with a job: the job
 * below ends only once the step has returned. */
static atomic_int step_returned, job_saw_return;

static void blocking_job(void *arg)
{
	(void)arg;
	for (int i = 0; i < 10000 && !atomic_load(&step_returned); i++) {
		struct timespec ts = {0, 1000000L};

		nanosleep(&ts, NULL);
	}
	atomic_store(&job_saw_return, atomic_load(&step_returned));
}

static void test_step_beside_job(void)
{
	struct ldfi_pool *p = ldfi_pool_create(2);
	struct step s = {.threads = 2, .caller = pthread_self()};
	int never = 0;

	if (!p || ldfi_pool_threads(p) < 2) {
		CHECK(p != NULL);
		ldfi_pool_destroy(p);
		return; /* no thread to be busy */
	}
	ldfi_pool_post(p, blocking_job, NULL, 4);
	/* Let the pool's thread take the job. */
	for (int i = 0; i < 100; i++) {
		struct timespec ts = {0, 1000000L};

		nanosleep(&ts, NULL);
	}
	ldfi_pool_run(p, 10, NULL, step_task, &s);
	atomic_store(&step_returned, 1);
	ldfi_pool_wait_jobs(p);
	CHECK(atomic_load(&job_saw_return) == 1);
	for (int i = 0; i < 10; i++)
		never += atomic_load(&s.runs[i]) != 1;
	CHECK(never == 0);
	ldfi_pool_destroy(p);
}

int main(void)
{
	test_steps(1);
	test_steps(2);
	test_steps(5);
	test_jobs(1, 4);
	test_jobs(2, 1);
	test_jobs(2, 16);
	test_jobs(4, 3);
	test_destroy_drains();
	test_step_beside_job();
	return test_done();
}
