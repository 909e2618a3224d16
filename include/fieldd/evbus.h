/*
 * evbus.h — the in-process event bus behind GET /api/v1/events.
 *
 * One publisher (the listener thread of server/jobs, which reads PostgreSQL's
 * NOTIFY fieldd_events) and any number of subscribers (open streams of
 * server/http). evbus_publish() calls every subscriber's function in turn,
 * under the bus lock, on the publisher's thread: a subscriber must only copy
 * what it needs and wake its connection, never block. No SQL, no HTTP here.
 */
#ifndef FIELDD_EVBUS_H
#define FIELDD_EVBUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum evbus_type {
	EVBUS_CHANGE,	 /* a row changed: frame is its SSE block */
	EVBUS_RESYNC,	 /* events may have been missed: frame is an `event: resync` block */
	EVBUS_HEARTBEAT, /* frame is ": heartbeat\n\n" */
	EVBUS_SHUTDOWN,	 /* the server stops: end the stream */
};

struct evbus_event {
	enum evbus_type type;
	int64_t id;
	/* who may see a change (the API's rules): these people, leads of these teams */
	const int64_t *people, *teams;
	int npeople, nteams;
	const char *frame; /* the whole SSE block, ending in a blank line */
	size_t frame_len;
};

typedef void (*evbus_fn)(void *ctx, const struct evbus_event *ev);

struct evbus_sub {
	evbus_fn fn;
	void *ctx;
	struct evbus_sub *prev, *next; /* the bus's list */
};

/* After evbus_unsubscribe() returns, fn is not running and is never called again. */
void evbus_subscribe(struct evbus_sub *s);
void evbus_unsubscribe(struct evbus_sub *s);
void evbus_publish(const struct evbus_event *ev);
int evbus_subscribers(void);
/* Changes published since start (for /metrics). */
uint64_t evbus_published(void);

/* Whether a change may be shown to a user (id, role bit of auth.h, team or 0). */
bool evbus_visible(const struct evbus_event *ev, int64_t user_id, unsigned role_bit,
		   int64_t team_id);

#endif
