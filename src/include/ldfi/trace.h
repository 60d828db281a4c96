/*
 * trace.h - one execution of a pipeline under a fault set, as the runtime
 * produced it: every message (sent, delivered or lost and why) with its
 * parent links, the outputs of every sink replica at eot, and the result of
 * every check. The recorder writes a trace to SQLite (docs/provenance.md); lineage
 * reads it back from there.
 */
#ifndef LDFI_TRACE_H
#define LDFI_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ldfi/faults.h"

struct ldfi_conf;

enum ldfi_msg_kind {
	LDFI_MSG_DATA = 0, /* carries a record to a stage or sink replica */
	LDFI_MSG_ACK = 1,  /* acknowledges a record back to its sender */
};

enum ldfi_fate {
	LDFI_FATE_DELIVERED = 0,
	LDFI_FATE_OMITTED, /* lost by omit(src,dst,send_round); `fault` names it */
	LDFI_FATE_CRASHED, /* the receiver had crashed by the delivery round */
	LDFI_FATE_EOT,	   /* sent in round eot: never delivered */
	LDFI_FATE_DOWN,	   /* the receiver was down (restart) in the delivery round */
};

/* A message. Ids are 1-based and follow send order. */
struct ldfi_msg {
	uint32_t id;
	uint8_t kind;	  /* enum ldfi_msg_kind */
	uint8_t fate;	  /* enum ldfi_fate */
	uint8_t delivery; /* enum ldfi_delivery of the hop that sent it */
	/* 0: the message needs all of its parents; 1: any one of them suffices
	 * (a send made because the replica holds a record: every copy it had
	 * received by then would have triggered it). */
	uint8_t parents_any;
	/* 1: the message exists only because something did not happen (no
	 * earlier copy had arrived, or no ack yet): a derivation through it is
	 * known to hold only under the faults of the run that showed it. */
	uint8_t conditional;
	int32_t src_node, src_comp;
	int32_t dst_node, dst_comp;
	int32_t send_round;
	int32_t rec;   /* record index in ldfi_trace.recs */
	int32_t fault; /* index in ldfi_trace.faults of the fault that lost it, or -1 */
	/* Slice of ldfi_trace.parents: message ids, and (in runs of a conf with
	 * restarts) memory tokens, LDFI_MEM_ID(i). */
	uint32_t parents_off, n_parents;
};

/*
 * A memory token: "node `node` kept what its parents gave it from round
 * `from` to round `to`, in memory a restart loses" (docs/lineage.md,
 * Restarts): a state entry written in `from` and read in `to`, a pending
 * send made (or re-armed) in `from` and resent in `to`, a copy received in
 * `from` that the replica relays in `to`. restart(node,t) with
 * from < t <= to cuts every derivation through it. Parent slices refer to
 * token i as LDFI_MEM_ID(i); only runs of a conf with restarts > 0 have
 * tokens. Walkers of tr->parents must tell them from message ids
 * (ldfi_trace_ancestors goes through them).
 */
struct ldfi_memtok {
	int32_t node;
	int32_t from, to;
	uint32_t parents_off, n_parents; /* slice of ldfi_trace.parents */
	uint8_t parents_any;		 /* 1: any one parent suffices */
};

#define LDFI_MEM_BIT 0x80000000u
#define LDFI_IS_MEM(id) (((uint32_t)(id)&LDFI_MEM_BIT) != 0)
#define LDFI_MEM_ID(i) (LDFI_MEM_BIT | (uint32_t)(i))
#define LDFI_MEM_INDEX(id) ((uint32_t)(id) & ~LDFI_MEM_BIT)

/* One record copy held by a sink replica at eot. */
struct ldfi_output {
	int32_t comp, node; /* the sink replica */
	int32_t pos;	    /* 0-based position in that replica's contents */
	int32_t rec;
	int32_t round;			 /* round it was stored */
	uint32_t parents_off, n_parents; /* the message(s) (or tokens) it derives from */
	/* 1: derived through the absence of a state entry (ldfi_stage_get), so
	 * known to hold only under the faults of the run that showed it. */
	uint8_t conditional;
};

struct ldfi_record {
	char *name;	/* "source:name", e.g. "orders:3", or as a stage named it */
	int32_t source; /* component index of its source; -1: named by a stage */
	int32_t index;	/* emission order within its source, 0-based; -1 */
	bool emitted;
};

enum ldfi_problem {
	LDFI_PROBLEM_MISSING = 0,  /* a live replica does not hold the record */
	LDFI_PROBLEM_DUPLICATED,   /* held more than once (count) */
	LDFI_PROBLEM_OUT_OF_ORDER, /* held after a record emitted later */
	LDFI_PROBLEM_UNEXPECTED,   /* held a different number of times than fault-free */
};

struct ldfi_offense {
	int32_t rec;
	int32_t comp, node; /* the sink replica */
	enum ldfi_problem problem;
	int32_t count; /* copies held (and, for UNEXPECTED, `expected` copies) */
	int32_t expected;
};

struct ldfi_check_result {
	int check; /* index in conf->checks */
	bool passed;
	struct ldfi_offense *offs;
	int n_offs;
};

struct ldfi_trace {
	const struct ldfi_conf *conf; /* borrowed; must outlive the trace */
	struct ldfi_faults faults;
	int *crash_round; /* per node: round of its crash, or 0 */
	struct ldfi_record *recs;
	int n_recs;
	struct ldfi_msg *msgs;
	size_t n_msgs;
	uint32_t *parents;
	size_t n_parents;
	struct ldfi_output *outs; /* grouped by replica (comp, node), in position order */
	size_t n_outs;
	struct ldfi_check_result *checks; /* one per conf check, in conf order */
	int n_checks;
	bool passed; /* every check passed */
	/* NULL, or why the run did not finish: a plugin crashed, exited or ran
	 * past [explore] run_timeout in the process that ran it (docs/plugins.md,
	 * Isolation), e.g. "stage 'coordinator' on node C: killed by SIGSEGV
	 * (Segmentation fault) in round 3". Such a run failed (passed is false)
	 * and has no messages, outputs or check results. */
	char *failure;
	/* Appended (stage API 2): restarts. Per node, the round its
	 * restart(n,t) took it down, or 0; down in t..t+downtime-1. */
	int *restart_round;
	int downtime;
	struct ldfi_memtok *mems; /* memory tokens (see above) */
	size_t n_mems;
};

/* Initialise an empty trace of `conf` (borrowed) in caller-zeroed memory:
 * crash and restart rounds all 0, downtime the conf's, the records of every source in component
 * order, none emitted. Returns 0 or LDFI_ENOMEM (the trace is then still safe to destroy). */
int ldfi_trace_init(struct ldfi_trace *tr, const struct ldfi_conf *conf);

/* Index of the record named "source:name", or -1. Linear; for bulk
 * look-ups build your own index. */
int ldfi_trace_record_index(const struct ldfi_trace *tr, const char *name);

/* Index of the record named `name`, added to the trace (source -1, not
 * emitted) if it has none: for plugin checks that name a record a run
 * lacks (a decision nobody took). Returns the index or LDFI_ENOMEM /
 * LDFI_EINVAL (empty name). */
int ldfi_trace_record(struct ldfi_trace *tr, const char *name);

/* The index in `to` of record `rec` of `from`: the same index for records
 * of sources (every run of a conf has them in the same order), found by
 * name for records stages named at run time; -1 when `to` has none. */
int ldfi_trace_same_record(const struct ldfi_trace *to, const struct ldfi_trace *from, int rec);

/* Free a trace; NULL is accepted. */
void ldfi_trace_destroy(struct ldfi_trace *tr);

/* Whether node `n` is alive at the end of the run: it has not crashed (a
 * restarted node is up again by eot). */
bool ldfi_trace_alive(const struct ldfi_trace *tr, int node);

/* Whether node `n` is down in `round` because of a restart. */
bool ldfi_trace_down(const struct ldfi_trace *tr, int node, int round);

/* Names of the enums ("data", "omitted", "out-of-order", ...), the texts of
 * reports and of the provenance database; "?" for a value out of range. */
const char *ldfi_msg_kind_name(enum ldfi_msg_kind k);
const char *ldfi_fate_name(enum ldfi_fate f);
const char *ldfi_problem_name(enum ldfi_problem p);

#endif
