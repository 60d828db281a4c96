/*
 * process.h (private) - the lines a process stage answers with, parsed and
 * checked without the process (runtime/process_proto.c;
 * docs/process-stages.md, section 8). The stage kind reads an answer line
 * by line with ldfi_process_parse_line() up to its closing line, then
 * checks each action with ldfi_process_parse_action() just before applying
 * it; so does the fuzz target tests/fuzz/fuzz_answer.c. At the end, the
 * helpers of process_proto.c the other runtime/process*.c files use.
 */
#ifndef LDFI_RUNTIME_PROCESS_H
#define LDFI_RUNTIME_PROCESS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ldfi_conf;

/* What an answer is checked against: the replica answering and the
 * request it answers. Everything is borrowed. */
struct ldfi_process_answer {
	const struct ldfi_conf *conf;
	int comp;	   /* the replica's stage: its `to` is the hop */
	const char *addr;  /* "stage@node": the src of every line */
	const char *where; /* "in round 2", "in reset", "in recover in round 5" */
	const char *ok;	   /* the closing line's type: "round_ok", "recover_ok", ... */
	const char *field; /* the field it echoes: "round", "execution" */
	json_int_t value;  /* with this value */
	bool actions;	   /* actions may come before it, counted in its "actions" */
	/* Data messages delivered to the replica since it started:
	 * inbox[0..base) before this round, inbox[base..upto) in this round. */
	const uint32_t *inbox;
	size_t base, upto;
	/* The index of the record `name` (a valid name), created if new, or
	 * a negative LDFI_E* code (ldfi_stage_record). */
	int (*record)(void *arg, const char *name);
	/* Whether the replica holds state entry `key` (a valid name): 1, 0,
	 * or a negative LDFI_E* code (ldfi_stage_get; what it reads is
	 * forgotten before an action's cause is built). */
	int (*holds)(void *arg, const char *key);
	void *arg;
};

/*
 * One line of an answer (`n` bytes, no newline), the answer having had
 * `n_acts` action lines so far: a JSON envelope from a->addr whose type is
 * a->ok (echoing a->field = a->value and, when a->actions, "actions" =
 * n_acts) or, when a->actions, an action (send, output, write, save).
 *
 * Returns 1 for the closing line (*action NULL), 0 for an action line
 * (*action: the parsed line, the caller's to json_decref), or LDFI_EINVAL
 * with the reason in `why` (one line: "wrote a malformed line in round 2:
 * '...' (not JSON)", "reported an error in round 2: '...'", ...).
 */
int ldfi_process_parse_line(const struct ldfi_process_answer *a, size_t n_acts, const char *line,
			    size_t n, json_t **action, char *why, size_t len);

/* An action line, checked: what applying it does. The strings and JSON
 * point into the action line (valid while it is). */
struct ldfi_process_action {
	const char *type;     /* "send", "output", "write" or "save" */
	int rec;	      /* send, output: the record (a->record's); else -1 */
	bool held;	      /* derives_from "held": a hop send */
	json_t *derives_from; /* declared (checked) provenance, or NULL: */
	size_t upto;	      /* it derives from inbox[0..upto), conditionally */
	const char *dest;     /* send: the envelope's dest */
	int comp, node;	      /* send to one replica (a stage or sink); -1: the hop */
	const char *key;      /* write: the entry */
	json_t *value;	      /* and its value; save: the value saved */
	bool durable;	      /* write: "durable": true (ldfi_stage_put_durable) */
};

/*
 * Check `action` (from ldfi_process_parse_line; `line`, `n`: its text,
 * quoted in reasons): its record name, `handled`, `derives_from` (message
 * ids in a->inbox, entries a->holds, "held" on hop sends only), a send's
 * destination (the hop, or a replica of a stage or sink of a->conf), a
 * write's key, value and `durable`, a save's value (and no cause: saved
 * values are not provenance). Calls a->record for the record of a send or output
 * and a->holds for each {"state": KEY}, in the order of the line.
 *
 * Returns 0 with *out filled, LDFI_EINVAL with the reason in `why` (one
 * line), or what a->record or a->holds returned.
 */
int ldfi_process_parse_action(const struct ldfi_process_answer *a, json_t *action, const char *line,
			      size_t n, struct ldfi_process_action *out, char *why, size_t len);

/* --- for runtime/process*.c: quoting and checking lines, writing them --- */

#define LDFI_PROCESS_QUOTE_MAX 120 /* bytes of an offending line quoted */
/* Room for any quote of ldfi_process_quote (4 bytes for each byte quoted,
 * and its "... (N bytes)"). */
#define LDFI_PROCESS_QUOTE_LEN (LDFI_PROCESS_QUOTE_MAX * 4 + 40)

/* `s` (n bytes) as one printable line in `out`: cut at LDFI_PROCESS_QUOTE_MAX
 * bytes, printable ASCII as is, \ and ' backslashed, newline as \n, other
 * bytes as \xNN. */
void ldfi_process_quote(char *out, size_t len, const char *s, size_t n);

/* A JSON line from the process, checked as an envelope from it:
 * {"src": its address `addr`, "dest": ..., "body": {"type": ...}}. Returns
 * the parsed line (json_decref it) or NULL with the reason in `why`. */
json_t *ldfi_process_parse_envelope(const char *addr, const char *line, size_t n, const char *where,
				    char *why, size_t len);

/* The body's type of a line ldfi_process_parse_envelope() returned. */
const char *ldfi_process_type_of(json_t *j);

/* Whether `s` is a valid record name or state key: 1..255 printable ASCII,
 * no space. */
bool ldfi_process_valid_name(const char *s);

/* A send to `dest`, which is neither the hop nor a replica: the reason in
 * `why`. Returns LDFI_EINVAL. */
int ldfi_process_bad_dest(const struct ldfi_process_answer *a, const char *dest, bool held,
			  char *why, size_t len);

/* A line `{"src":"ldfi","dest":ADDR,"body":BODY}\n` appended to *b (*n
 * bytes, *cap allocated); `body` is taken. Returns 0 or LDFI_ENOMEM. */
int ldfi_process_emit(char **b, size_t *n, size_t *cap, const char *addr, json_t *body);

#endif
