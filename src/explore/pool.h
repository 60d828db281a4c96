/*
 * pool.h - the threads of one explore (--jobs N): N - 1 threads kept for
 * the whole explore, and the caller's.
 *
 * Two kinds of work. A step (ldfi_pool_run): independent tasks run on every
 * thread, the caller's among them, and the call returns when all are done
 * (the stream fills of the ldfi strategy). Background jobs
 * (ldfi_pool_post): run one at a time, in the order posted, on the pool's
 * threads only, whenever one has no task of a step (the recording of
 * passing runs, src/explore/writer.h). So background work fills the time a
 * thread would otherwise wait (while the caller executes a run and learns
 * from it, or at the end of a step), and never a third thread competes for
 * two cores: a step's task goes before any background job. The caller's
 * thread runs jobs only when it would otherwise wait for them (a full
 * queue, ldfi_pool_wait_jobs).
 *
 * The threads wait on condition variables between steps: a step costs a
 * wake-up, not a thread start, and each thread keeps its own malloc arena.
 */
#ifndef LDFI_SRC_EXPLORE_POOL_H
#define LDFI_SRC_EXPLORE_POOL_H

struct ldfi_pool;

/* A task of a step: `task` is its index among the step's n, `worker` the
 * thread running it (0 the caller's, then 1 .. threads - 1), for per-thread
 * scratch space. */
typedef void (*ldfi_pool_fn)(void *ctx, int task, int worker);

/* A background job. */
typedef void (*ldfi_pool_job_fn)(void *arg);

/*
 * A pool of up to `threads` threads, the caller's included (threads - 1
 * are started). A thread that cannot be started is done without: the pool
 * may have fewer (ldfi_pool_threads), down to the caller's alone, which
 * then runs everything itself. NULL only when out of memory. The caller
 * owns it (ldfi_pool_destroy).
 */
struct ldfi_pool *ldfi_pool_create(int threads);

/* Threads the pool runs a step on, the caller's included (>= 1). */
int ldfi_pool_threads(const struct ldfi_pool *p);

/*
 * Runs fn(ctx, order[i], worker) for i = 0 .. n - 1 and returns when every
 * call has returned. Tasks are taken in the order given (order NULL: 0 ..
 * n - 1), each by the first thread free. fn must be safe to run on several
 * threads at once. One step at a time, always from the same thread (the
 * pool's owner).
 */
void ldfi_pool_run(struct ldfi_pool *p, int n, const int *order, ldfi_pool_fn fn, void *ctx);

/*
 * Queues fn(arg) as a background job, after every job posted before it.
 * When `limit` jobs are already waiting, this thread first runs waiting
 * jobs itself (or waits for the one running) until fewer are: a bound on
 * what is queued. With no thread of its own, the pool runs it here. From
 * the owner's thread.
 */
void ldfi_pool_post(struct ldfi_pool *p, ldfi_pool_job_fn fn, void *arg, int limit);

/* Returns once every background job posted has returned, running waiting
 * ones on this thread meanwhile. */
void ldfi_pool_wait_jobs(struct ldfi_pool *p);

/* Waits for the background jobs, ends and joins the threads and frees the
 * pool. NULL is safe. */
void ldfi_pool_destroy(struct ldfi_pool *p);

#endif
