/*
 * frame.h - length-framed protobuf messages on libevent buffers.
 *
 * A frame is a 4-byte big-endian payload length followed by one serialized
 * Ldfi__Live__Frame (runtime/live/ldfi.proto). Both ends of every live
 * engine socket speak it: ldfi_frame_put() queues a frame on an output
 * buffer, ldfi_frame_get() takes the next whole frame off an input buffer,
 * however the bytes were split across reads. A length above LDFI_FRAME_MAX
 * is refused as soon as the 4 length bytes are in, without waiting for the
 * payload; so is a payload that does not decode or carries no body.
 */
#ifndef LDFI_RUNTIME_LIVE_FRAME_H
#define LDFI_RUNTIME_LIVE_FRAME_H

#include <stdbool.h>
#include <stddef.h>

#include "ldfi.pb-c.h"

struct evbuffer;
struct ldfi_msg;
struct ldfi_trace;

/* Largest payload accepted or produced: 16 MiB. Deliveries, sends and
 * outputs travel in batches of at most LDFI_LIVE_BATCH items, far below. */
#define LDFI_FRAME_MAX (16u * 1024 * 1024)
#define LDFI_LIVE_BATCH 1024

/* Append `f` to `out` as one frame. Returns 0, LDFI_ELIMIT (its payload
 * would exceed LDFI_FRAME_MAX; nothing is appended) or LDFI_ENOMEM. */
int ldfi_frame_put(struct evbuffer *out, const Ldfi__Live__Frame *f);

/*
 * Take the next frame off `in`. Returns 1 and a decoded frame in *out
 * (owned by the caller: ldfi_frame_free), 0 when `in` does not hold a whole
 * frame yet (nothing is consumed), or LDFI_EFORMAT with the reason in `err`
 * ("frame of 20000000 bytes exceeds the limit of 16777216", "undecodable
 * frame of 12 bytes", "frame without a body"); the stream is then unusable.
 * LDFI_ENOMEM when the payload cannot be buffered.
 */
int ldfi_frame_get(struct evbuffer *in, Ldfi__Live__Frame **out, char *err, size_t errlen);

/* Free a frame from ldfi_frame_get; NULL is accepted. */
void ldfi_frame_free(Ldfi__Live__Frame *f);

/* Fill envelope `e` with message `m` of `tr`: ids, nodes, stages, round,
 * record name, delivery, parents kind, conditional, and (with_parents) its
 * parent ids. Strings and ids are borrowed from `tr`. */
void ldfi_frame_envelope(const struct ldfi_trace *tr, const struct ldfi_msg *m, bool with_parents,
			 Ldfi__Live__Envelope *e);

/* The message an envelope describes: id, kind, delivery, parents kind,
 * conditional, nodes, stages and send round; delivered, no fault, no record
 * (-1) and no parents - the caller sets those it knows. The envelope must
 * have been checked against the pipeline. */
struct ldfi_msg ldfi_frame_msg(const Ldfi__Live__Envelope *e);

#endif
