/* frame.c - length-framed protobuf messages on libevent buffers (frame.h). */
#include <event2/buffer.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "ldfi/ldfi.h"
#include "ldfi/trace.h"
#include "runtime/live/frame.h"

int ldfi_frame_put(struct evbuffer *out, const Ldfi__Live__Frame *f)
{
	size_t len = ldfi__live__frame__get_packed_size(f);
	struct evbuffer_iovec v;
	unsigned char *p;

	if (len > LDFI_FRAME_MAX)
		return LDFI_ELIMIT;
	if (evbuffer_reserve_space(out, (ev_ssize_t)(len + 4), &v, 1) < 1 || v.iov_len < len + 4)
		return LDFI_ENOMEM;
	p = v.iov_base;
	p[0] = (unsigned char)(len >> 24);
	p[1] = (unsigned char)(len >> 16);
	p[2] = (unsigned char)(len >> 8);
	p[3] = (unsigned char)len;
	if (ldfi__live__frame__pack(f, p + 4) != len)
		return LDFI_EFORMAT; /* cannot happen: packed size is exact */
	v.iov_len = len + 4;
	return evbuffer_commit_space(out, &v, 1) ? LDFI_ENOMEM : 0;
}

int ldfi_frame_get(struct evbuffer *in, Ldfi__Live__Frame **out, char *err, size_t errlen)
{
	unsigned char hdr[4], *p;
	uint32_t len;
	Ldfi__Live__Frame *f;

	*out = NULL;
	if (evbuffer_get_length(in) < 4)
		return 0;
	if (evbuffer_copyout(in, hdr, 4) != 4)
		return LDFI_ENOMEM;
	len = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 | (uint32_t)hdr[2] << 8 | hdr[3];
	if (len > LDFI_FRAME_MAX) {
		snprintf(err, errlen, "frame of %u bytes exceeds the limit of %u", len,
			 LDFI_FRAME_MAX);
		return LDFI_EFORMAT;
	}
	if (evbuffer_get_length(in) < (size_t)len + 4)
		return 0;
	/* The payload contiguous in the buffer (copied only if it spans chunks). */
	if (!(p = evbuffer_pullup(in, (ev_ssize_t)len + 4)))
		return LDFI_ENOMEM;
	f = ldfi__live__frame__unpack(NULL, len, p + 4);
	evbuffer_drain(in, (size_t)len + 4);
	if (!f) {
		snprintf(err, errlen, "undecodable frame of %u bytes", len);
		return LDFI_EFORMAT;
	}
	if (f->body_case == LDFI__LIVE__FRAME__BODY__NOT_SET) {
		snprintf(err, errlen, "frame without a body");
		ldfi__live__frame__free_unpacked(f, NULL);
		return LDFI_EFORMAT;
	}
	*out = f;
	return 1;
}

void ldfi_frame_free(Ldfi__Live__Frame *f)
{
	if (f)
		ldfi__live__frame__free_unpacked(f, NULL);
}

void ldfi_frame_envelope(const struct ldfi_trace *tr, const struct ldfi_msg *m, bool with_parents,
			 Ldfi__Live__Envelope *e)
{
	*e = (Ldfi__Live__Envelope)LDFI__LIVE__ENVELOPE__INIT;
	e->id = m->id;
	e->kind = (Ldfi__Live__MsgKind)m->kind;
	e->src_node = (uint32_t)m->src_node;
	e->src_stage = (uint32_t)m->src_comp;
	e->dst_node = (uint32_t)m->dst_node;
	e->dst_stage = (uint32_t)m->dst_comp;
	e->round = (uint32_t)m->send_round;
	e->record = tr->recs[m->rec].name;
	e->delivery = (Ldfi__Live__Delivery)m->delivery;
	e->parents =
	    m->parents_any ? LDFI__LIVE__PARENTS__PARENTS_ANY : LDFI__LIVE__PARENTS__PARENTS_ALL;
	e->conditional = m->conditional;
	if (with_parents) {
		e->n_parent_ids = m->n_parents;
		e->parent_ids = tr->parents + m->parents_off;
	}
}

struct ldfi_msg ldfi_frame_msg(const Ldfi__Live__Envelope *e)
{
	return (struct ldfi_msg){.id = e->id,
				 .kind = (uint8_t)e->kind,
				 .fate = LDFI_FATE_DELIVERED,
				 .delivery = (uint8_t)e->delivery,
				 .parents_any = e->parents == LDFI__LIVE__PARENTS__PARENTS_ANY,
				 .conditional = e->conditional,
				 .src_node = (int32_t)e->src_node,
				 .src_comp = (int32_t)e->src_stage,
				 .dst_node = (int32_t)e->dst_node,
				 .dst_comp = (int32_t)e->dst_stage,
				 .send_round = (int32_t)e->round,
				 .rec = -1,
				 .fault = -1};
}
