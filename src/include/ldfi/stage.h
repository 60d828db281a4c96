/*
 * stage.h - the stage API: how a stage kind is written, built-in or plugin.
 *
 * A stage kind is a table of callbacks (struct ldfi_stage_ops). The runtime
 * creates one instance per replica (a stage on one node) and calls it:
 *
 *   init                      once, before round 1 (also on crashed nodes);
 *                             again in the recovery round of a restart
 *                             (after finish: fresh private data)
 *   for each round 1..eot, while the node is up (not crashed, not down):
 *     on_recover              in the recovery round of a restart only, after
 *                             init ran again and the durable state was
 *                             restored, before any delivery (version 2)
 *     on_message              for each message delivered this round, in
 *                             canonical order (sender node, sender stage,
 *                             send sequence)
 *     on_round                once, after this round's deliveries
 *   finish                    once, after the run (always, even after an
 *                             error or if init failed midway); also when a
 *                             restart takes the node down (run before the
 *                             recovery round's init). Only to free: stores,
 *                             saves, sends and outputs in finish are refused
 *                             (LDFI_EINVAL) - a node that goes down gets no
 *                             chance to log (the live engine SIGKILLs it), so
 *                             keep durable state current as it changes
 *
 * A stage sees only what is delivered to it and its own state; it never
 * reads the clock or unseeded randomness, so every run is deterministic. It
 * acts only through the functions below, which are valid only inside these
 * callbacks, on the `st` they were given.
 *
 * Provenance is automatic. While a callback runs, the runtime keeps its
 * *cause*: the message being handled (none in on_round) plus every state
 * entry the callback read with ldfi_stage_get(). Everything the callback
 * sends, outputs or stores with ldfi_stage_put() is recorded as derived from
 * that cause. A read of an entry that does not exist marks the cause
 * *conditional*: what follows exists because something did not happen, and
 * the lineage treats it so (docs/lineage.md). State a stage keeps elsewhere
 * (ldfi_stage_set_data) is invisible to provenance: keep only configuration
 * and caches there, never facts derived from messages.
 *
 * Records: every message and output carries one record, named by a string
 * ("orders:3", "vote:a:yes"). Records of sources are known in advance;
 * ldfi_stage_record() names new ones (a payload of the protocol).
 *
 * Errors: functions return 0 (or a documented non-negative value) or a
 * negative LDFI_E* code (ldfi/ldfi.h). A callback that returns a negative
 * code stops the run with that error; return it unchanged.
 *
 * A plugin is a shared library exporting a `const struct ldfi_stage_ops`
 * (for `[stage X] kind = plugin`) or a `ldfi_check_fn` (for `[check X]
 * kind = plugin`) under the symbol named in the conf. Build it with
 *   cc -shared -fPIC $(pkg-config --cflags ldfi) -o my.so my.c
 * docs/plugins.md walks through one.
 */
#ifndef LDFI_STAGE_H
#define LDFI_STAGE_H

#include <stddef.h>
#include <stdint.h>

#include "ldfi/conf.h"
#include "ldfi/ldfi.h"
#include "ldfi/trace.h"

/* Bumped when the layout of ldfi_stage_ops or a signature below changes.
 * Stages built for any version from LDFI_STAGE_API_OLDEST load
 * (docs/plugins.md, Versions). Version 2: restarts (on_recover,
 * ldfi_stage_received, ldfi_stage_save, ldfi_stage_saved,
 * ldfi_stage_put_durable, ldfi_stage_checkpoint, ldfi_stage_ack). */
#define LDFI_STAGE_API_VERSION 2
#define LDFI_STAGE_API_OLDEST 1

/* One replica: a stage on one node. Opaque; owned by the runtime. */
struct ldfi_stage;

struct ldfi_stage_ops {
	int api_version;  /* LDFI_STAGE_API_VERSION */
	const char *kind; /* a name for messages ("2pc-coordinator") */
	/* Set up the replica. May be NULL. Returns 0 or LDFI_E*. */
	int (*init)(struct ldfi_stage *st);
	/* Release what init (or later callbacks) allocated. May be NULL. */
	void (*finish)(struct ldfi_stage *st);
	/* Message `m` delivered this round; m->rec names its record, m->src_node
	 * and m->src_comp its sender. `m` is valid during the call only. May be
	 * NULL (the stage ignores messages). */
	int (*on_message)(struct ldfi_stage *st, const struct ldfi_msg *m);
	/* The per-round step, after this round's deliveries. May be NULL. */
	int (*on_round)(struct ldfi_stage *st, int round);
	/* Version 2 (read only when api_version >= 2). The replica's node is
	 * up again in round `round` after a restart that took it down in
	 * round `down_from` (rounds down_from..round-1 were lost). init has run
	 * again (private data is fresh) and the runtime has restored what is
	 * durable: with `durable = yes` its state entries, pending sends and
	 * receipts; a sink's receipts always; outputs and saved bytes always.
	 * Called before this round's deliveries. What it sends, outputs or
	 * stores exists only because of the restart (conditional). May be
	 * NULL. */
	int (*on_recover)(struct ldfi_stage *st, int round, int down_from);
};

/* --- where the replica is --- */

/* The pipeline (borrowed, valid for the whole run): names of nodes and
 * components, bounds. */
const struct ldfi_conf *ldfi_stage_conf(const struct ldfi_stage *st);
/* This replica's component index and node index in the conf. */
int ldfi_stage_comp(const struct ldfi_stage *st);
int ldfi_stage_node(const struct ldfi_stage *st);
/* The current round: 0 during init and the finish after the run; the
 * recovery round during the finish of a restart. */
int ldfi_stage_round(const struct ldfi_stage *st);

/* Private memory of the replica (not provenance-tracked; see above). The
 * stage owns it and frees it in finish. */
void *ldfi_stage_data(const struct ldfi_stage *st);
void ldfi_stage_set_data(struct ldfi_stage *st, void *data);

/* --- records --- */

/* Index of the record named `name` (1..255 bytes, printable ASCII, no
 * space), created if new. Returns the index (>= 0), LDFI_EINVAL for a bad
 * name or LDFI_ENOMEM. The string is copied. */
int ldfi_stage_record(struct ldfi_stage *st, const char *name);
/* Name of record `rec` (borrowed, valid for the run), or NULL. */
const char *ldfi_stage_record_name(const struct ldfi_stage *st, int rec);
/* Number of records known so far; records of source component `comp` are
 * ldfi_stage_first_record(st, comp) .. + comps[comp].n_records - 1. */
int ldfi_stage_n_records(const struct ldfi_stage *st);
int ldfi_stage_first_record(const struct ldfi_stage *st, int comp);
/* Mark record `rec` as emitted (sources: it counts for the checks). */
void ldfi_stage_emitted(struct ldfi_stage *st, int rec);

/* --- sending --- */

/* Sending is for on_message, on_round and on_recover. In init it is
 * refused (LDFI_EINVAL) when the conf allows restarts: init runs again at
 * every recovery, where what it sent would be a send of no round. */

/* Hops configured in the conf. */
enum ldfi_hop {
	LDFI_HOP_DOWNSTREAM = 0, /* to every replica of the component's `to` */
	LDFI_HOP_RELAY = 1,	 /* a sink's relay: to every other replica of itself */
};

/* Send `rec` on `hop` under the hop's delivery policy (once, repeat, ack:
 * the runtime resends and handles acks). Returns 0, LDFI_EINVAL (no such
 * hop: no `to`, or a relay on something else than a sink), LDFI_ENOMEM or
 * LDFI_ELIMIT. */
int ldfi_stage_send(struct ldfi_stage *st, enum ldfi_hop hop, int rec);

/* Send `rec` on `hop` because this replica holds it: the send, and every
 * retransmission of it, derives from any one of the copies of `rec` the
 * replica has received so far (instead of from the cause). Requires
 * ldfi_stage_track_receipts() in init. Returns as ldfi_stage_send. */
int ldfi_stage_send_held(struct ldfi_stage *st, enum ldfi_hop hop, int rec);

/* Remember every copy this replica receives, for ldfi_stage_send_held. Call
 * from init. Returns 0 or LDFI_ENOMEM. */
int ldfi_stage_track_receipts(struct ldfi_stage *st);

/* Copies of `rec` in this replica's receipts (ldfi_stage_track_receipts):
 * every copy received, the one being handled included; after a restart
 * only those received since, unless the receipts are durable (sinks, and
 * replicas with `durable = yes`). Version 2. Returns a count >= 0, or
 * LDFI_EINVAL (receipts not tracked, or a bad record). */
int ldfi_stage_received(const struct ldfi_stage *st, int rec);

/* Send `rec` once, now, to the replica of component `comp` on node `node`
 * (any component with a replica there, including this one's peers). It is
 * delivered next round unless a fault loses it. Returns 0, LDFI_EINVAL (no
 * such replica, or a source), LDFI_ENOMEM or LDFI_ELIMIT. */
int ldfi_stage_send_to(struct ldfi_stage *st, int comp, int node, int rec);

/* --- state with provenance --- */

/* Store `value` under `key` (1..255 bytes) in this replica's state. A new
 * entry derives from the current cause (storing the value it already has
 * replaces the derivation: either would do). A changed value is conditional: whoever reads it
 * depends on that write coming last. Prefer state that only grows (facts, sets, flags) to values
 * that change, as Dedalus programs do: it gives the lineage more to prune
 * with. Returns 0, LDFI_EINVAL (bad key) or LDFI_ENOMEM. */
int ldfi_stage_put(struct ldfi_stage *st, const char *key, int64_t value);

/* Read `key`: returns 1 and sets *value (if value is not NULL) when the
 * entry exists, adding what it derives from to the current cause; returns 0
 * when it does not (the cause becomes conditional); LDFI_EINVAL or
 * LDFI_ENOMEM on error. */
int ldfi_stage_get(struct ldfi_stage *st, const char *key, int64_t *value);

/* Drop from the current cause what this callback has read so far (the
 * handled message stays), conditional reads included: for a callback that
 * handles independent items one after another (each key of a window), so
 * that each item's sends derive from its own reads only. */
void ldfi_stage_forget_reads(struct ldfi_stage *st);

/* --- building a cause by hand (for kinds whose provenance is declared,
 * such as process stages, runtime/process.c) --- */

/* Add message `id` to the current cause: a data message this replica
 * received, this round or earlier. Returns 0, LDFI_EINVAL (no such message
 * delivered to this replica) or LDFI_ENOMEM. */
int ldfi_stage_cause_message(struct ldfi_stage *st, uint32_t id);

/* Make the current cause conditional: what follows depends on something
 * not having happened (as a ldfi_stage_get of an absent entry does). */
void ldfi_stage_cause_conditional(struct ldfi_stage *st);

/* The system under test failed here (a stage broke its own contract: a
 * process that crashed or answered nonsense): stop this run and record it
 * as a failed run whose reason is "stage 'S' on node N: " followed by the
 * formatted text (docs/plugins.md, Isolation). Returns LDFI_ESUT, which the
 * callback returns unchanged (or LDFI_ENOMEM). */
int ldfi_stage_fail(struct ldfi_stage *st, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* ldfi_stage_put whose value survives a restart of the replica's node
 * (version 2). A later ldfi_stage_put of the same key replaces it with a
 * volatile value: a restart before the next durable write or checkpoint
 * then loses the key (no older value comes back). With `durable = yes` in
 * the conf every ldfi_stage_put is durable, and so is every write in init
 * (init runs again at a recovery). Returns as ldfi_stage_put. */
int ldfi_stage_put_durable(struct ldfi_stage *st, const char *key, int64_t value);

/* A checkpoint (version 2): the current value of every state entry of this
 * replica, its pending sends and its receipts so far become durable, as if
 * written durably now. Writes, sends and receipts after it are volatile
 * again (unless `durable = yes`). Returns 0. */
int ldfi_stage_checkpoint(struct ldfi_stage *st);

/* For a stage with `acks = manual` in the conf (version 2): acknowledge
 * record `rec` to the replica of component `comp` on node `node`, which
 * sends to this stage on an `ack` hop: an ack message, delivered next round
 * unless lost, that settles that replica's pending sends of `rec` to this
 * replica. It derives from the current cause (what the callback handles,
 * what it read), as a send does. The runtime sends no ack of its own for
 * deliveries to such a stage, so a stage that never calls this is resent
 * to forever. Not in init. Returns 0, LDFI_EINVAL (acks not manual, `comp`
 * does not send to this stage on an ack hop, no such replica or record, in
 * init), LDFI_ENOMEM or LDFI_ELIMIT. */
int ldfi_stage_ack(struct ldfi_stage *st, int comp, int node, int rec);

/* Durable private bytes (version 2): a cache of durable state the replica
 * wants back after a restart (the order of a window's keys), kept across
 * restarts whatever `durable` says. Not provenance: never keep facts of
 * your own here. ldfi_stage_save copies `len` bytes (replacing what was
 * saved) and returns 0 or LDFI_ENOMEM; ldfi_stage_saved returns the last
 * bytes saved (valid until the next save), or NULL with *len 0. */
int ldfi_stage_save(struct ldfi_stage *st, const void *data, size_t len);
const void *ldfi_stage_saved(const struct ldfi_stage *st, size_t *len);

/* --- outputs --- */

/* Add `rec` to this replica's outputs: the relation named after the
 * component, which checks with `sink = NAME` read (a sink's outputs are
 * the records it keeps). Derives from the current cause. Returns 0 or
 * LDFI_ENOMEM. */
int ldfi_stage_output(struct ldfi_stage *st, int rec);

/* --- plugin checks --- */

/*
 * A plugin check: decide whether run `tr` (complete: messages, outputs of
 * every replica in tr->outs, records, crash rounds) satisfies the property.
 * `check` is the index of this check in tr->conf->checks (its `sink`, if
 * set, names the relation it reads). `fault_free` is the fault-free run's
 * trace (== tr for the fault-free run itself; its record indices differ
 * from tr's for records stages named: compare names, or use
 * ldfi_trace_same_record). Set res->passed; name the offending records with
 * ldfi_check_offend(). The check may only add records to `tr`
 * (ldfi_trace_record: to name a record this run lacks, such as a decision
 * nobody took); it must not change anything else. Returns 0 or LDFI_E*.
 */
typedef int (*ldfi_check_fn)(struct ldfi_trace *tr, const struct ldfi_trace *fault_free, int check,
			     struct ldfi_check_result *res);

/* Add an offense to `res`: record `rec` at component `comp` on node `node`
 * (all valid indices of this run: a check that names anything else stops
 * the run with LDFI_ESTAGE), with `problem`, `count` and `expected` as in
 * struct ldfi_offense; sets res->passed to false. Returns 0 or
 * LDFI_ENOMEM. */
int ldfi_check_offend(struct ldfi_check_result *res, int rec, int comp, int node,
		      enum ldfi_problem problem, int count, int expected);

#endif
