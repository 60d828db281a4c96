/*
 * process_pool.h (private to runtime/process*.c) - the pool of a conf's
 * processes (docs/process-stages.md): one slot per replica of a process
 * stage and per process check. process_pool.c owns the pool (starting it
 * with the init handshake, stopping it); process_slot.c spawns, talks to,
 * notices the end of and kills one slot's process; process.c (the stage
 * kind), process_live.c (the live engine's side) and process_check.c
 * (process checks) use them. What a process writes is parsed by
 * process_proto.c (runtime/process.h).
 */
#ifndef LDFI_RUNTIME_PROCESS_POOL_H
#define LDFI_RUNTIME_PROCESS_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct ldfi_conf;

/* One process: a replica of a process stage, or a process check. */
struct slot {
	int comp, node; /* a stage's replica; comp -1 for a check */
	int check;	/* a check's index; -1 for a stage */
	char **argv;	/* its command (the conf's) */
	const char *command;
	int line;   /* of its conf section */
	char *desc; /* "stage 'p' on node b", "check 'c'" */
	char *addr; /* "stage@node", "check:NAME" */
	pid_t pid;  /* 0: not running */
	int pidfd;  /* -1: none (old kernel): poll waitpid */
	int in_fd;  /* its stdin (ours to write) */
	int out_fd; /* its stdout (ours to read) */
	char *buf;  /* bytes read, not yet a whole line */
	size_t n_buf, cap_buf;
	char *held; /* the line ldfi_slot_read_line handed out last */
	size_t cap_held;
	bool every_round; /* init_ok.ticks = "every-round" */
	int protocol;	  /* init_ok.protocol */
	uint64_t serial;  /* the runtime (execution) it was last reset for */
	bool fresh;	  /* live: started for a restart, needs no reset */
	int exited;	  /* reaped (or, in a node process, seen ended): `status` */
	int status;
};

/* A slot's conversation, as the node process using it leaves it (live
 * engine): at an answer boundary, in the middle of a request, or killed. */
enum { SLOT_IDLE = 0, SLOT_BUSY, SLOT_DEAD };

/* What ldfi and the node processes of a live run share (MAP_SHARED): the
 * execution's deadline and each slot's conversation state. */
struct shared {
	int64_t deadline_ms;   /* of the current execution; 0: not begun (live) */
	unsigned char state[]; /* per slot: SLOT_* */
};

/* All the processes of a conf (ldfi_process_start). */
struct pool {
	const struct ldfi_conf *conf;
	struct slot *slots;
	int n_slots;
	char *dir;	  /* the conf's folder */
	char *log_dir;	  /* NULL: stderr is ldfi's */
	char *helper_dir; /* where ldfi_stage.py is, or NULL */
	uint64_t execution;
	uint64_t serial;   /* runtime whose deadline is set */
	struct shared *sh; /* mapped shared, sh_len bytes */
	size_t sh_len;
	bool in_node;	      /* this is a live node process, not the slots' parent */
	bool sigpipe_ignored; /* we set SIGPIPE to SIG_IGN */
};

/* Outcome of reading or writing: 0, or why the conversation broke. */
enum io {
	IO_OK = 0,
	IO_ENDED,   /* the process ended (s->status) */
	IO_TIMEOUT, /* the deadline passed */
	IO_LONG,    /* a line over LINE_MAX_BYTES (1 MiB) */
	IO_ERROR,   /* an I/O error of ldfi's */
};

/* The pool of the conf last started (ldfi_process_start), or NULL. */
extern struct pool *ldfi_process_pool;

/* --- process_slot.c: one slot's process --- */

/* Fork and exec the slot's process. Returns 0, LDFI_EINVAL with the reason
 * in `why` (cannot run it), or LDFI_EIO/LDFI_ENOMEM. */
int ldfi_slot_spawn(struct pool *p, struct slot *s, char *why, size_t whylen);

/* Kill what is left of the slot's process group, reap the process and
 * close its pipes. A node process of the live engine marks the slot dead
 * for ldfi, which reaps it after the execution. */
void ldfi_slot_kill(struct slot *s);

/* Reap the process if it has ended (in a node process: see that it has);
 * 1 if it has. */
int ldfi_slot_reaped(struct slot *s);

/* Write all of `b` (n bytes) to the slot's stdin before `deadline`. */
enum io ldfi_slot_write(struct slot *s, const char *b, size_t n, int64_t deadline);

/* Read one line (without its newline) into *line / *len: the slot's, valid
 * until the slot's next read. */
enum io ldfi_slot_read_line(struct slot *s, int64_t deadline, char **line, size_t *len);

/* Why a conversation broke, as a failure text: "exited with status 3 in
 * round 2". `where` is "in round 2", "in init", ... */
void ldfi_slot_io_reason(struct slot *s, enum io e, const char *where, char *out, size_t len);

/* A marker in the slot's log: which execution its stderr is about. */
void ldfi_slot_mark_log(const struct slot *s);

/* --- process_pool.c --- */

/* Start (or restart) one slot and handshake with it. Returns 0, LDFI_EINVAL
 * with the reason in `why`, or LDFI_EIO/LDFI_ENOMEM. */
int ldfi_slot_start(struct pool *p, struct slot *s, char *why, size_t len);

#endif
