/*
 * test_frame.c - length framing of the live engine (runtime/live/frame.c):
 * frames split across reads at every byte, several frames in one read, an
 * oversize length refused before its payload arrives, garbage refused; and
 * the same over a real socket pair with bufferevents, written a byte at a
 * time.
 */
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ldfi/ldfi.h"
#include "runtime/live/frame.h"
#include "test.h"

static char err[256];

/* A Sent frame with `n` envelopes, each with a record and parents. */
static void make_sent(Ldfi__Live__Frame *f, Ldfi__Live__Sent *s, Ldfi__Live__Envelope *e,
		      Ldfi__Live__Envelope **pe, uint32_t *parents, int n)
{
	*f = (Ldfi__Live__Frame)LDFI__LIVE__FRAME__INIT;
	*s = (Ldfi__Live__Sent)LDFI__LIVE__SENT__INIT;
	for (int i = 0; i < n; i++) {
		e[i] = (Ldfi__Live__Envelope)LDFI__LIVE__ENVELOPE__INIT;
		e[i].id = (uint32_t)i + 1;
		e[i].kind = i % 2 ? LDFI__LIVE__MSG_KIND__MSG_ACK : LDFI__LIVE__MSG_KIND__MSG_DATA;
		e[i].src_node = 1;
		e[i].dst_node = 2;
		e[i].round = 3;
		e[i].record = (char *)"orders:7";
		e[i].delivery = LDFI__LIVE__DELIVERY__DELIVERY_ACK;
		e[i].n_parent_ids = 3;
		e[i].parent_ids = parents;
		e[i].parents = LDFI__LIVE__PARENTS__PARENTS_ANY;
		e[i].conditional = 1;
		pe[i] = &e[i];
	}
	s->n_msgs = (size_t)n;
	s->msgs = pe;
	f->body_case = LDFI__LIVE__FRAME__BODY_SENT;
	f->sent = s;
}

static int same_sent(const Ldfi__Live__Frame *f, int n)
{
	if (!f || f->body_case != LDFI__LIVE__FRAME__BODY_SENT || f->sent->n_msgs != (size_t)n)
		return 0;
	for (int i = 0; i < n; i++) {
		const Ldfi__Live__Envelope *e = f->sent->msgs[i];

		if (e->id != (uint32_t)i + 1 || e->dst_node != 2 || strcmp(e->record, "orders:7") ||
		    e->n_parent_ids != 3 || e->parent_ids[2] != 1000000 || !e->conditional ||
		    e->parents != LDFI__LIVE__PARENTS__PARENTS_ANY)
			return 0;
	}
	return 1;
}

static void test_split_reads(void)
{
	Ldfi__Live__Frame f, *got;
	Ldfi__Live__Sent s;
	Ldfi__Live__Envelope e[5], *pe[5];
	uint32_t parents[3] = {4, 5, 1000000};
	struct evbuffer *wire = evbuffer_new(), *in = evbuffer_new();
	size_t len;
	unsigned char *bytes;
	int frames = 0;

	make_sent(&f, &s, e, pe, parents, 5);
	CHECK(ldfi_frame_put(wire, &f) == 0);
	CHECK(ldfi_frame_put(wire, &f) == 0);
	len = evbuffer_get_length(wire);
	bytes = malloc(len);
	evbuffer_remove(wire, bytes, len);
	/* Feed one byte at a time: a frame only once its last byte is in. */
	for (size_t i = 0; i < len; i++) {
		int rc;

		evbuffer_add(in, bytes + i, 1);
		rc = ldfi_frame_get(in, &got, err, sizeof(err));
		CHECK(rc >= 0);
		if (rc == 1) {
			frames++;
			CHECK(same_sent(got, 5));
			CHECK(i == len / 2 - 1 || i == len - 1);
			ldfi_frame_free(got);
		} else {
			CHECK(got == NULL);
		}
	}
	CHECK(frames == 2);
	CHECK(evbuffer_get_length(in) == 0);

	/* Both frames in one read. */
	evbuffer_add(in, bytes, len);
	CHECK(ldfi_frame_get(in, &got, err, sizeof(err)) == 1 && same_sent(got, 5));
	ldfi_frame_free(got);
	CHECK(ldfi_frame_get(in, &got, err, sizeof(err)) == 1 && same_sent(got, 5));
	ldfi_frame_free(got);
	CHECK(ldfi_frame_get(in, &got, err, sizeof(err)) == 0);
	free(bytes);
	evbuffer_free(wire);
	evbuffer_free(in);
}

static void test_refused(void)
{
	struct evbuffer *in = evbuffer_new();
	Ldfi__Live__Frame *got = NULL;
	/* 16 MiB + 1: refused on its 4 length bytes alone. */
	unsigned char big[4] = {0x01, 0x00, 0x00, 0x01};
	unsigned char garbage[] = {0, 0, 0, 6, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	unsigned char nobody[] = {0, 0, 0, 0};
	unsigned char unknown[] = {0, 0, 0, 2, 0x78, 0x01}; /* field 15, varint 1 */

	evbuffer_add(in, big, 3);
	CHECK(ldfi_frame_get(in, &got, err, sizeof(err)) == 0);
	evbuffer_add(in, big + 3, 1);
	CHECK(ldfi_frame_get(in, &got, err, sizeof(err)) == LDFI_EFORMAT && !got);
	CHECK_STR(err, "frame of 16777217 bytes exceeds the limit of 16777216");
	evbuffer_drain(in, evbuffer_get_length(in));

	evbuffer_add(in, garbage, sizeof(garbage));
	CHECK(ldfi_frame_get(in, &got, err, sizeof(err)) == LDFI_EFORMAT && !got);
	CHECK_STR(err, "undecodable frame of 6 bytes");
	evbuffer_drain(in, evbuffer_get_length(in));

	evbuffer_add(in, nobody, sizeof(nobody));
	CHECK(ldfi_frame_get(in, &got, err, sizeof(err)) == LDFI_EFORMAT && !got);
	CHECK_STR(err, "frame without a body");
	evbuffer_drain(in, evbuffer_get_length(in));

	evbuffer_add(in, unknown, sizeof(unknown));
	CHECK(ldfi_frame_get(in, &got, err, sizeof(err)) == LDFI_EFORMAT && !got);
	CHECK_STR(err, "frame without a body");
	evbuffer_free(in);
}

static void test_too_large_to_put(void)
{
	/* One envelope whose record alone exceeds the limit. */
	size_t n = LDFI_FRAME_MAX + 10;
	char *rec = malloc(n + 1);
	Ldfi__Live__Frame f;
	Ldfi__Live__Sent s;
	Ldfi__Live__Envelope e[1], *pe[1];
	uint32_t parents[3] = {1, 2, 3};
	struct evbuffer *out = evbuffer_new();

	memset(rec, 'x', n);
	rec[n] = 0;
	make_sent(&f, &s, e, pe, parents, 1);
	e[0].record = rec;
	CHECK(ldfi_frame_put(out, &f) == LDFI_ELIMIT);
	CHECK(evbuffer_get_length(out) == 0);
	free(rec);
	evbuffer_free(out);
}

/* Over a socket pair: the writer dribbles bytes, the reader's bufferevent
 * sees the frames whole. */
struct reader {
	struct event_base *base;
	int frames, bad;
};

static void on_read(struct bufferevent *bev, void *arg)
{
	struct reader *r = arg;
	Ldfi__Live__Frame *f;
	int rc;

	while ((rc = ldfi_frame_get(bufferevent_get_input(bev), &f, err, sizeof(err))) == 1) {
		r->bad += !same_sent(f, 200);
		r->frames++;
		ldfi_frame_free(f);
	}
	if (rc < 0)
		r->bad++;
	if (r->frames == 3 || rc < 0)
		event_base_loopbreak(r->base);
}

static void test_socket(void)
{
	Ldfi__Live__Frame f;
	Ldfi__Live__Sent s;
	Ldfi__Live__Envelope e[200], *pe[200];
	uint32_t parents[3] = {4, 5, 1000000};
	struct evbuffer *wire = evbuffer_new();
	struct reader r = {event_base_new(), 0, 0};
	struct bufferevent *bev;
	unsigned char *bytes;
	size_t len;
	int sv[2];
	pid_t pid;

	make_sent(&f, &s, e, pe, parents, 200);
	for (int i = 0; i < 3; i++)
		ldfi_frame_put(wire, &f);
	len = evbuffer_get_length(wire);
	bytes = malloc(len);
	evbuffer_remove(wire, bytes, len);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		for (size_t i = 0; i < len; i += 7) {
			size_t k = len - i < 7 ? len - i : 7;

			if (write(sv[1], bytes + i, k) != (ssize_t)k)
				_exit(1);
			if (i % 700 == 0)
				usleep(100);
		}
		free(bytes);
		evbuffer_free(wire);
		event_base_free(r.base);
		_exit(0);
	}
	close(sv[1]);
	evutil_make_socket_nonblocking(sv[0]);
	bev = bufferevent_socket_new(r.base, sv[0], BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(bev, on_read, NULL, NULL, &r);
	bufferevent_enable(bev, EV_READ);
	event_base_dispatch(r.base);
	CHECK(r.frames == 3);
	CHECK(r.bad == 0);
	bufferevent_free(bev);
	event_base_free(r.base);
	waitpid(pid, NULL, 0);
	free(bytes);
	evbuffer_free(wire);
}

int main(void)
{
	test_split_reads();
	test_refused();
	test_too_large_to_put();
	test_socket();
	return test_done();
}
