/*
 * journal.h - a live node's durable state on disk.
 *
 * With restarts in the conf, every node process keeps an append-only
 * journal, RUNDIR/NODE.journal (runtime/live/ldfi.proto, NodeState): after
 * each round, before it answers the coordinator (so before any effect of
 * the round leaves the node), it appends its whole durable state (SPEC §1.1:
 * durable state entries, saved bytes, kept receipts, outputs, durable
 * pending sends, and how many memory tokens it made) when that differs from
 * the last record, and syncs the file. The new process of a restarted node
 * reads the last whole record back into a fresh node runtime; nothing
 * volatile was ever written, so nothing volatile comes back.
 */
#ifndef LDFI_RUNTIME_LIVE_JOURNAL_H
#define LDFI_RUNTIME_LIVE_JOURNAL_H

#include <stddef.h>

struct ldfi_rt;
struct ldfi_journal;

/* Open (creating it if needed) the journal at `path` for appending.
 * Returns the journal (ldfi_journal_close), or NULL with the reason in
 * `err` ("cannot open PATH: ..."). `path` is copied. */
struct ldfi_journal *ldfi_journal_open(const char *path, char *err, size_t errlen);

/* Append the durable state of node runtime `rt` (ldfi_rt_node_open) if it
 * changed since the last record this journal wrote, and sync the file.
 * Returns 0, LDFI_ENOMEM, or LDFI_EIO with the reason in `err`. */
int ldfi_journal_write(struct ldfi_journal *j, struct ldfi_rt *rt, char *err, size_t errlen);

/* Close the file and free `j`; NULL is accepted. */
void ldfi_journal_close(struct ldfi_journal *j);

/*
 * Put the durable state of the last whole record of the journal at `path`
 * back into `rt`, a runtime just opened for the same node of the same conf,
 * before the round it recovers in. `down_from` is the restart's round: a
 * node restarted in round 1 never finished a round, so an absent or empty
 * journal is then an empty state; otherwise it is an error. Returns 0,
 * LDFI_ENOMEM, LDFI_EIO (the file cannot be read) or LDFI_EFORMAT (no whole
 * record, a record that does not decode or does not fit the node), with
 * the reason in `err`.
 */
int ldfi_journal_recover(const char *path, struct ldfi_rt *rt, int down_from, char *err,
			 size_t errlen);

#endif
