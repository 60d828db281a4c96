/* pool.c - the threads of one explore: steps and background jobs (pool.h). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "src/explore/pool.h"

struct worker {
	struct ldfi_pool *p;
	int id;
	pthread_t tid;
};

struct job {
	ldfi_pool_job_fn fn;
	void *arg;
};

struct ldfi_pool {
	pthread_mutex_t lock;
	pthread_cond_t wake; /* a step began, a job was posted, or quit */
	pthread_cond_t done; /* the step's last task returned */
	pthread_cond_t jobs; /* a job started or returned */
	uint32_t step;	     /* steps begun */
	bool quit;
	/* The current step, written under lock before it begins. Its next
	 * task is the low half of `next`; the high half is the step's number,
	 * so a thread that comes late to a step can never take a task of the
	 * step after it. */
	int n, completed;
	const int *order;
	ldfi_pool_fn fn;
	void *ctx;
	_Atomic uint64_t next;
	/* Background jobs waiting, q[head .. head + len), and whether one
	 * runs. */
	struct job *q;
	int head, len, cap;
	bool job_running;
	int threads; /* the caller's and the started ones */
	struct worker *w;
};

/* The next task of step `step` with n tasks, or -1. */
static int take(struct ldfi_pool *p, uint32_t step, int n)
{
	uint64_t v = atomic_load_explicit(&p->next, memory_order_relaxed);

	do {
		if ((uint32_t)(v >> 32) != step || (int)(uint32_t)v >= n)
			return -1;
	} while (!atomic_compare_exchange_weak_explicit(&p->next, &v, v + 1, memory_order_relaxed,
							memory_order_relaxed));
	return (int)(uint32_t)v;
}

/* Run the tasks of step `step` this thread can take; how many it ran. */
static int drain(struct ldfi_pool *p, uint32_t step, int n, const int *order, ldfi_pool_fn fn,
		 void *ctx, int id)
{
	int i, ran = 0;

	for (; (i = take(p, step, n)) >= 0; ran++)
		fn(ctx, order ? order[i] : i, id);
	return ran;
}

/* Called and returns with p->lock held. */
static void join_step(struct ldfi_pool *p, uint32_t step, int id)
{
	int n = p->n, ran;
	const int *order = p->order;
	ldfi_pool_fn fn = p->fn;
	void *ctx = p->ctx;

	pthread_mutex_unlock(&p->lock);
	ran = drain(p, step, n, order, fn, ctx, id);
	pthread_mutex_lock(&p->lock);
	/* Tasks it ran are not counted yet, so the step is still current. */
	if (ran && (p->completed += ran) == p->n)
		pthread_cond_signal(&p->done);
}

/* Called and returns with p->lock held. */
static void run_job(struct ldfi_pool *p)
{
	struct job j = p->q[p->head];

	p->head = (p->head + 1) % p->cap;
	p->len--;
	p->job_running = true;
	pthread_cond_broadcast(&p->jobs);
	pthread_mutex_unlock(&p->lock);
	j.fn(j.arg);
	pthread_mutex_lock(&p->lock);
	p->job_running = false;
	pthread_cond_broadcast(&p->jobs);
}

static void *work(void *arg)
{
	struct worker *w = arg;
	struct ldfi_pool *p = w->p;
	uint32_t seen = 0;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		if (p->step != seen)
			join_step(p, seen = p->step, w->id);
		else if (p->len && !p->job_running)
			run_job(p);
		else if (p->quit)
			break;
		else
			pthread_cond_wait(&p->wake, &p->lock);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

struct ldfi_pool *ldfi_pool_create(int threads)
{
	struct ldfi_pool *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	if (threads < 1)
		threads = 1;
	if (!(p->w = calloc((size_t)threads, sizeof(*p->w)))) {
		free(p);
		return NULL;
	}
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->wake, NULL);
	pthread_cond_init(&p->done, NULL);
	pthread_cond_init(&p->jobs, NULL);
	p->threads = 1;
	for (int i = 1; i < threads; i++) {
		struct worker *w = &p->w[p->threads];

		*w = (struct worker){.p = p, .id = p->threads};
		if (!pthread_create(&w->tid, NULL, work, w))
			p->threads++;
	}
	return p;
}

int ldfi_pool_threads(const struct ldfi_pool *p)
{
	return p->threads;
}

void ldfi_pool_run(struct ldfi_pool *p, int n, const int *order, ldfi_pool_fn fn, void *ctx)
{
	uint32_t step;
	int ran;

	if (p->threads == 1 || n <= 1) {
		for (int i = 0; i < n; i++)
			fn(ctx, order ? order[i] : i, 0);
		return;
	}
	pthread_mutex_lock(&p->lock);
	p->n = n;
	p->order = order;
	p->fn = fn;
	p->ctx = ctx;
	p->completed = 0;
	step = ++p->step;
	atomic_store_explicit(&p->next, (uint64_t)step << 32, memory_order_relaxed);
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->lock);
	ran = drain(p, step, n, order, fn, ctx, 0);
	pthread_mutex_lock(&p->lock);
	p->completed += ran;
	while (p->completed < n)
		pthread_cond_wait(&p->done, &p->lock);
	pthread_mutex_unlock(&p->lock);
}

/* Room for one more waiting job; false when out of memory. Called with
 * p->lock held. */
static bool room(struct ldfi_pool *p)
{
	struct job *q;
	int cap = p->cap ? 2 * p->cap : 8;

	if (p->len < p->cap)
		return true;
	if (!(q = malloc((size_t)cap * sizeof(*q))))
		return false;
	for (int i = 0; i < p->len; i++)
		q[i] = p->q[(p->head + i) % p->cap];
	free(p->q);
	p->q = q;
	p->head = 0;
	p->cap = cap;
	return true;
}

void ldfi_pool_post(struct ldfi_pool *p, ldfi_pool_job_fn fn, void *arg, int limit)
{
	if (p->threads == 1) {
		fn(arg);
		return;
	}
	pthread_mutex_lock(&p->lock);
	/* A full queue: this thread helps rather than waits (a core would
	 * idle), one job at a time as always. */
	while (p->len >= limit)
		if (!p->job_running)
			run_job(p);
		else
			pthread_cond_wait(&p->jobs, &p->lock);
	if (!room(p)) {
		/* Out of memory: here, after every job before it. */
		while (p->len || p->job_running)
			pthread_cond_wait(&p->jobs, &p->lock);
		pthread_mutex_unlock(&p->lock);
		fn(arg);
		return;
	}
	p->q[(p->head + p->len++) % p->cap] = (struct job){fn, arg};
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->lock);
}

void ldfi_pool_wait_jobs(struct ldfi_pool *p)
{
	pthread_mutex_lock(&p->lock);
	while (p->len || p->job_running)
		if (p->len && !p->job_running)
			run_job(p);
		else
			pthread_cond_wait(&p->jobs, &p->lock);
	pthread_mutex_unlock(&p->lock);
}

void ldfi_pool_destroy(struct ldfi_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->quit = true; /* after the jobs still waiting */
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->lock);
	for (int i = 1; i < p->threads; i++)
		pthread_join(p->w[i].tid, NULL);
	pthread_cond_destroy(&p->jobs);
	pthread_cond_destroy(&p->done);
	pthread_cond_destroy(&p->wake);
	pthread_mutex_destroy(&p->lock);
	free(p->q);
	free(p->w);
	free(p);
}
