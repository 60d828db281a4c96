/*
 * conf.h - a parsed pipeline.conf (docs/pipeline-conf.md).
 *
 * The parser validates everything it can before anything runs: unknown
 * sections and keys, duplicate names, dangling references, numbers out of
 * range, eff > eot, cycles in the stage graph. Each error is reported as
 * "FILE:LINE: message".
 *
 * Names are kept in canonical order: nodes and components are sorted by
 * name (strcmp), so comparing indices compares names. That order is the
 * canonical delivery order of docs/semantics.md (sender node name, sender stage).
 */
#ifndef LDFI_CONF_H
#define LDFI_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LDFI_EOT_MAX 1000

enum ldfi_delivery {
	LDFI_DELIVERY_NONE = 0, /* only for a sink's relay */
	LDFI_DELIVERY_ONCE,
	LDFI_DELIVERY_REPEAT,
	LDFI_DELIVERY_ACK,
};

enum ldfi_comp_type {
	LDFI_COMP_SOURCE,
	LDFI_COMP_STAGE,
	LDFI_COMP_SINK,
};

enum ldfi_stage_kind {
	LDFI_KIND_RELAY = 0,
	LDFI_KIND_PLUGIN,
	LDFI_KIND_WINDOW_COUNT, /* keyed tumbling-window count (runtime/window.c) */
	LDFI_KIND_PROCESS,	/* a child process per replica (runtime/process.c) */
};

enum ldfi_check_kind {
	LDFI_CHECK_DELIVERED,
	LDFI_CHECK_AGREEMENT,
	LDFI_CHECK_NO_DUPLICATES,
	LDFI_CHECK_EXACTLY_ONCE,
	LDFI_CHECK_ORDERED,
	LDFI_CHECK_MATCHES_FAULT_FREE,
	LDFI_CHECK_PLUGIN,
	LDFI_CHECK_PROCESS, /* a child process (runtime/process_check.c, docs/process-stages.md) */
};

enum ldfi_strategy {
	LDFI_STRATEGY_LDFI = 0,
	LDFI_STRATEGY_RANDOM,
	LDFI_STRATEGY_EXHAUSTIVE,
};

struct ldfi_node {
	char *name;
	int line; /* first line that names it */
};

/* A source, stage or sink: the three share one name space. */
struct ldfi_comp {
	char *name;
	int line; /* line of the section header */
	enum ldfi_comp_type type;
	int *nodes; /* node indices, ascending; a source has exactly one */
	int n_nodes;
	int to; /* downstream component index; -1 for a sink */
	/* Source/stage: policy of the hop to `to`. Sink: policy of the relay
	 * between its replicas (LDFI_DELIVERY_NONE: no relay). */
	enum ldfi_delivery delivery;
	int retry_every; /* >= 1, for LDFI_DELIVERY_ACK */
	bool dedup;	 /* stage, sink */
	/* `durable = yes`: source, stage or sink state that survives a restart
	 * of its node (docs/semantics.md, Restarts). In the padding after
	 * `dedup`: the layout of the structure is unchanged. */
	bool durable;
	/* `acks = manual` (plugin stages): the runtime sends no ack for what
	 * the stage receives on an ack hop; ldfi_stage_ack does. In the same
	 * padding. */
	bool manual_acks;
	enum ldfi_stage_kind kind; /* stage */
	char **records;		   /* source: record names in emission order */
	int n_records;
	int at;	       /* source: emission round */
	char *library; /* plugin stage */
	char *symbol;
	const void *plugin; /* its struct ldfi_stage_ops, once ldfi_plugins_load ran */
	int window;	    /* window-count stage: window length in rounds (1..eot); else 0 */
	/* process stage: `command` as written, and split into words as a shell
	 * would (NULL-terminated; argv[0] not yet resolved: runtime/process_slot.c) */
	char *command;
	char **argv;
};

struct ldfi_check {
	char *name;
	int line;
	enum ldfi_check_kind kind;
	int sink;      /* component index of the sink, -1 for a plugin check without one */
	int source;    /* component index restricting the check, -1 for every upstream source */
	char *library; /* plugin check */
	char *symbol;
	/* plugin check on a relation (`holds`): 0 (all) - the property needs
	 * the record at every live replica; K >= 1 (`any` is 1) - at least K
	 * live replicas hold it. Tells the lineage which losses can matter.
	 * -1 (no `holds`): an arbitrary predicate, which faults may also break
	 * by creating outputs; strategy ldfi then completes its search
	 * exhaustively before it certifies. */
	int holds;
	void *plugin; /* its ldfi_check_fn, once ldfi_plugins_load ran */
	/* process check: `command` as written and split into words */
	char *command;
	char **argv;
};

struct ldfi_conf {
	char *path; /* as given to the parser */
	int eot;
	int eff;
	int crashes;
	long long max_runs; /* 0: no budget */
	enum ldfi_strategy strategy;
	uint64_t seed;
	int run_timeout;	 /* seconds one execution with plugins may take (default 10) */
	struct ldfi_node *nodes; /* sorted by name */
	int n_nodes;
	struct ldfi_comp *comps; /* sorted by name */
	int n_comps;
	struct ldfi_check *checks; /* in conf order */
	int n_checks;
	/* Appended (stage API 2): restart faults, SPEC §1. At most `restarts`
	 * restart faults per fault set; a restarted node is down for
	 * `downtime` rounds (>= 1). */
	int restarts;
	int downtime;
};

/*
 * Parse and validate the pipeline configuration in `text` (`len` bytes, need
 * not be NUL-terminated); `path` names it in messages.
 *
 * On success returns 0 and stores a new configuration in *out, owned by the
 * caller (free with ldfi_conf_destroy). On error returns LDFI_EINVAL (bad
 * input: `err` holds "PATH:LINE: message") or LDFI_ENOMEM, and *out is NULL.
 * `err` (of `errlen` bytes) always receives a NUL-terminated message on error.
 */
int ldfi_conf_parse(const char *path, const char *text, size_t len, struct ldfi_conf **out,
		    char *err, size_t errlen);

/* Read the file at `path` and parse it as ldfi_conf_parse() does. A path
 * that cannot be opened or is not a regular file (a FIFO, a directory) is
 * the user's error: LDFI_EINVAL with "PATH: strerror" or "PATH: not a
 * regular file" in `err`. A read that fails gives LDFI_EIO with "PATH:
 * strerror" (a file over 256 MiB too: "PATH: file too large (over 256
 * MiB)"). */
int ldfi_conf_load(const char *path, struct ldfi_conf **out, char *err, size_t errlen);

/*
 * Override the bounds from the command line (-1 keeps the conf's value) and
 * re-validate everything that depends on them: eot in 1..LDFI_EOT_MAX,
 * 0 <= eff <= eot, 0 <= crashes <= n_nodes, every source's `at` <= eot and
 * every `retry_every` <= eot. Returns 0, or LDFI_EINVAL with a message in
 * `err` naming the option ("--eff 9 exceeds eot 6", no FILE:LINE prefix);
 * on error the conf is unchanged.
 */
int ldfi_conf_set_bounds(struct ldfi_conf *conf, int eot, int eff, int crashes, char *err,
			 size_t errlen);

/* The bounds of the fault space, as the command line overrides them: -1
 * keeps the conf's value. */
struct ldfi_bounds {
	int eot, eff, crashes, restarts, downtime;
};

/* LDFI_BOUNDS_KEEP: every bound kept. */
#define LDFI_BOUNDS_KEEP ((struct ldfi_bounds){-1, -1, -1, -1, -1})

/*
 * ldfi_conf_set_bounds with the restart bounds too: 0 <= restarts <= n_nodes,
 * downtime >= 1 and, when restarts > 0, downtime <= eot - 1 (a restart
 * needs t + downtime <= eot). Messages name the option ("--downtime 8
 * leaves no round to restart in: ..."). Returns 0, or LDFI_EINVAL with the
 * conf unchanged.
 */
int ldfi_conf_set_bounds_ex(struct ldfi_conf *conf, const struct ldfi_bounds *b, char *err,
			    size_t errlen);

/* The bounds as every report writes them: "eot=6 eff=3 crashes=1", with
 * " restarts=1 downtime=2" after it when restarts are on. Returns the
 * length the full text needs, as snprintf (buf always NUL-terminated). */
int ldfi_conf_bounds_text(const struct ldfi_conf *conf, char *buf, size_t len);

/* Free a configuration; NULL is accepted. */
void ldfi_conf_destroy(struct ldfi_conf *conf);

/* Index of the node or component named `name`, or -1. */
int ldfi_conf_node_index(const struct ldfi_conf *conf, const char *name);
int ldfi_conf_comp_index(const struct ldfi_conf *conf, const char *name);
/* The same for the name in the `n` bytes at `s`, not NUL-terminated (no
 * NUL among them): a name inside a longer text. */
int ldfi_conf_node_index_n(const struct ldfi_conf *conf, const char *s, size_t n);
int ldfi_conf_comp_index_n(const struct ldfi_conf *conf, const char *s, size_t n);

/* True if source component `src` feeds sink (or stage) `comp`, directly or
 * through stages (following `to` at least once: false when src == comp;
 * `src` may be any component; false for indices out of range). */
bool ldfi_conf_upstream(const struct ldfi_conf *conf, int src, int comp);

/* Names of enum values as written in the conf ("ack", "exactly-once", ...). */
const char *ldfi_delivery_name(enum ldfi_delivery d);
const char *ldfi_check_kind_name(enum ldfi_check_kind k);
const char *ldfi_strategy_name(enum ldfi_strategy s);

#endif
