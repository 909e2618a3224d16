/*
 * Event streams: GET /api/v1/events as Server-Sent Events.
 *
 * A stream is a libmicrohttpd response made by a content reader. The reader
 * hands out what the stream's buffer holds; with nothing to send it suspends
 * the connection (MHD_suspend_connection from the reader, as MHD allows) and
 * returns 0, so the stream costs no thread and no polling while it waits.
 * The bus (server/core/evbus.c) calls deliver() on the listener's thread:
 * it appends the event's SSE block when the caller may see it and resumes
 * the connection. The response's free callback, the one teardown path,
 * leaves the bus and frees the stream.
 *
 * Between http_stream_open() and http_stream_live() the stream is subscribed
 * but not sent: live events wait in `pending`, and those that the catch-up
 * from the events table also returned are dropped when it goes live, so a
 * reconnecting client misses nothing and sees nothing twice.
 */
#include "fieldd/config.h"
#include "fieldd/events.h"
#include "fieldd/evbus.h"
#include "fieldd/http.h"
#include "fieldd/log.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* a client this far behind is told to resync instead */
#define STREAM_MAX_BUFFER (512 * 1024)
/* what MHD asks the reader for at most: the response keeps a buffer this size, and
 * at 16 KiB it cost 9 KiB more per idle stream than at 1 KiB (an event is ~250 bytes) */
#define STREAM_BLOCK 1024

struct pend {
	int64_t id; /* -1: never a duplicate (resync) */
	char *frame;
	size_t len;
};

struct http_stream {
	struct evbus_sub sub;
	pthread_mutex_t mu;
	struct MHD_Connection *conn;
	int64_t uid, team;
	unsigned role;
	char *buf;
	size_t off, len, cap;
	bool live, suspended, closing;
	int64_t end_ms; /* monotonic: past it the stream ends at a heartbeat (re-authentication) */
	/* the stream's position: the highest event id sent, the id: of every block
	 * (so the client's Last-Event-ID never goes back; see put()) */
	int64_t newest;
	/* before live: */
	struct pend *pending;
	size_t npending, cappending;
	int64_t *seen; /* catch-up ids, ascending */
	size_t nseen, capseen;
};

static atomic_int nstreams;
static atomic_bool ending;

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p)
		abort();
	return p;
}

static void buf_add(struct http_stream *s, const char *p, size_t n)
{
	if (s->off && s->off == s->len)
		s->off = s->len = 0;
	if (s->len + n > s->cap) {
		if (s->off) { /* move what is left to the front first */
			memmove(s->buf, s->buf + s->off, s->len - s->off);
			s->len -= s->off;
			s->off = 0;
		}
		if (s->len + n > s->cap) {
			s->cap = (s->len + n) * 2;
			s->buf = xrealloc(s->buf, s->cap);
		}
	}
	memcpy(s->buf + s->len, p, n);
	s->len += n;
}

static void wake(struct http_stream *s)
{
	if (s->suspended && (s->len > s->off || s->closing)) {
		s->suspended = false;
		MHD_resume_connection(s->conn);
	}
}

/*
 * Appends an event's block. Events arrive in commit order, which is not always
 * id order (ids are taken before COMMIT): a block whose id is below what the
 * stream already sent goes out under the stream's position instead, so the
 * client's Last-Event-ID stays the highest id it has, and a reconnect with it
 * replays the late ones by their snapshot (pg_events_since) rather than every
 * event after the low id again.
 */
static void put(struct http_stream *s, int64_t id, const char *frame, size_t len)
{
	const char *nl = memchr(frame, '\n', len);
	if (id >= 0 && id < s->newest && nl && !strncmp(frame, "id: ", 4)) {
		char line[32];
		int n = snprintf(line, sizeof line, "id: %lld\n", (long long)s->newest);
		buf_add(s, line, (size_t)n);
		buf_add(s, nl + 1, len - (size_t)(nl + 1 - frame));
		return;
	}
	if (id > s->newest)
		s->newest = id;
	buf_add(s, frame, len);
}

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void deliver(void *ctx, const struct evbus_event *ev)
{
	struct http_stream *s = ctx;
	if (!evbus_visible(ev, s->uid, s->role, s->team))
		return;
	pthread_mutex_lock(&s->mu);
	switch (ev->type) {
	case EVBUS_SHUTDOWN:
		s->closing = true;
		break;
	case EVBUS_HEARTBEAT:
		/* a stream lives FIELDD_STREAM_MAX_AGE: the client reconnects with its
		 * Last-Event-ID and its session is checked again (a logout, a new role) */
		if (s->live && mono_ms() >= s->end_ms)
			s->closing = true;
		else if (s->live && s->len == s->off)
			buf_add(s, ev->frame, ev->frame_len);
		break;
	case EVBUS_CHANGE:
	case EVBUS_RESYNC:
		if (!s->live) {
			if (s->npending == s->cappending) {
				s->cappending = s->cappending ? s->cappending * 2 : 8;
				s->pending =
				    xrealloc(s->pending, s->cappending * sizeof *s->pending);
			}
			struct pend *p = &s->pending[s->npending++];
			p->id = ev->type == EVBUS_CHANGE ? ev->id : -1;
			p->frame = xrealloc(NULL, ev->frame_len);
			memcpy(p->frame, ev->frame, ev->frame_len);
			p->len = ev->frame_len;
			break;
		}
		if (s->len - s->off + ev->frame_len > STREAM_MAX_BUFFER) {
			/* the client reads too slowly: drop what waits, tell it to reload */
			s->off = s->len = 0;
			if (ev->id > s->newest)
				s->newest = ev->id;
			struct evbus_event *r = events_resync(s->newest, "overflow");
			buf_add(s, r->frame, r->frame_len);
			free(r);
		} else {
			put(s, ev->id, ev->frame, ev->frame_len);
		}
		break;
	}
	wake(s);
	pthread_mutex_unlock(&s->mu);
}

struct http_stream *http_stream_open(struct http_req *r)
{
	if (atomic_load(&ending)) {
		reply_problem(r, ERR_OVERLOADED, "the server is stopping; reconnect shortly");
		reply_add_header(r, "Retry-After", "1");
		return NULL;
	}
	if (atomic_fetch_add(&nstreams, 1) >= (int)cfg.stream_limit) {
		atomic_fetch_sub(&nstreams, 1);
		reply_problem(r, ERR_OVERLOADED,
			      "too many event streams are open; reconnect shortly");
		reply_add_header(r, "Retry-After", "5");
		return NULL;
	}
	struct http_stream *s = calloc(1, sizeof *s);
	if (!s)
		abort();
	pthread_mutex_init(&s->mu, NULL);
	s->conn = r->conn;
	s->uid = r->user->id;
	s->role = r->user->role_bit;
	s->team = r->user->team_id;
	s->end_ms = mono_ms() + (int64_t)cfg.stream_max_age * 1000;
	s->sub.fn = deliver;
	s->sub.ctx = s;
	evbus_subscribe(&s->sub);
	r->stream = s;
	return s;
}

static void seen_add(struct http_stream *s, int64_t id)
{
	if (s->nseen == s->capseen) {
		s->capseen = s->capseen ? s->capseen * 2 : 64;
		s->seen = xrealloc(s->seen, s->capseen * sizeof *s->seen);
	}
	s->seen[s->nseen++] = id;
}

static bool seen_has(const struct http_stream *s, int64_t id)
{
	size_t lo = 0, hi = s->nseen;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (s->seen[mid] == id)
			return true;
		if (s->seen[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

void http_stream_add(struct http_stream *s, const struct evbus_event *ev)
{
	pthread_mutex_lock(&s->mu);
	seen_add(s, ev->id); /* visible or not, it is not sent live again */
	if (evbus_visible(ev, s->uid, s->role, s->team))
		put(s, ev->id, ev->frame, ev->frame_len);
	else if (ev->id > s->newest)
		s->newest = ev->id;
	pthread_mutex_unlock(&s->mu);
}

void http_stream_position(struct http_stream *s, int64_t id)
{
	pthread_mutex_lock(&s->mu);
	if (id > s->newest)
		s->newest = id;
	pthread_mutex_unlock(&s->mu);
}

void http_stream_add_text(struct http_stream *s, const char *text)
{
	pthread_mutex_lock(&s->mu);
	buf_add(s, text, strlen(text));
	pthread_mutex_unlock(&s->mu);
}

void http_stream_live(struct http_req *r)
{
	struct http_stream *s = r->stream;
	pthread_mutex_lock(&s->mu);
	for (size_t i = 0; i < s->npending; i++) {
		struct pend *p = &s->pending[i];
		if (p->id < 0 || !seen_has(s, p->id))
			put(s, p->id, p->frame, p->len);
		free(p->frame);
	}
	free(s->pending);
	free(s->seen);
	s->pending = NULL;
	s->seen = NULL;
	s->npending = s->nseen = 0;
	s->live = true;
	pthread_mutex_unlock(&s->mu);
	r->status = 200;
	r->ctype = "text/event-stream";
}

static ssize_t reader(void *cls, uint64_t pos, char *out, size_t max)
{
	(void)pos;
	struct http_stream *s = cls;
	pthread_mutex_lock(&s->mu);
	ssize_t n;
	if (s->len > s->off) {
		size_t k = s->len - s->off;
		if (k > max)
			k = max;
		memcpy(out, s->buf + s->off, k);
		s->off += k;
		n = (ssize_t)k;
	} else if (s->closing) {
		n = MHD_CONTENT_READER_END_OF_STREAM;
	} else {
		/* nothing to send: leave MHD's event loop until deliver() wakes us */
		s->suspended = true;
		MHD_suspend_connection(s->conn);
		n = 0;
	}
	pthread_mutex_unlock(&s->mu);
	return n;
}

static void stream_free(void *cls)
{
	struct http_stream *s = cls;
	evbus_unsubscribe(&s->sub); /* deliver() is not running and will not run again */
	for (size_t i = 0; i < s->npending; i++)
		free(s->pending[i].frame);
	free(s->pending);
	free(s->seen);
	free(s->buf);
	pthread_mutex_destroy(&s->mu);
	free(s);
	atomic_fetch_sub(&nstreams, 1);
}

void http_stream_drop(struct http_req *r)
{
	if (r->stream)
		stream_free(r->stream);
	r->stream = NULL;
}

int http_stream_queue(struct http_req *r)
{
	struct http_stream *s = r->stream;
	r->stream = NULL;
	struct MHD_Response *resp = MHD_create_response_from_callback(
	    MHD_SIZE_UNKNOWN, STREAM_BLOCK, reader, s, stream_free);
	if (!resp) {
		stream_free(s);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	/* nginx and others: pass each block on at once */
	MHD_add_response_header(resp, "X-Accel-Buffering", "no");
	MHD_add_response_header(resp, "X-Request-Id", r->id);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	for (struct http_header *h = r->headers; h; h = h->next)
		MHD_add_response_header(resp, h->name, h->value);
	enum MHD_Result ret = MHD_queue_response(r->conn, 200, resp);
	MHD_destroy_response(resp); /* the connection holds it; stream_free runs at its end */
	return ret;
}

int http_streams_open(void)
{
	return atomic_load(&nstreams);
}

void http_streams_end(int ms)
{
	atomic_store(&ending, true);
	const struct evbus_event bye = {.type = EVBUS_SHUTDOWN};
	evbus_publish(&bye);
	for (int i = 0; i < ms / 10 && atomic_load(&nstreams) > 0; i++) {
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
}
