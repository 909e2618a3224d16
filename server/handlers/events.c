/*
 * GET /api/v1/events: the live event stream (Server-Sent Events).
 *
 * Subscribes first (stream.c holds live events back), then reads what a
 * reconnecting client missed from the events table, then goes live. The
 * wire format, the bounds and `resync` are in docs/architecture.md ("The live
 * event stream").
 */
#include "fieldd/db.h"
#include "fieldd/events.h"
#include "fieldd/handlers.h"
#include "fieldd/http.h"
#include "fieldd/pg_events.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* at most this many missed events are replayed; more, and the client reloads */
#define CATCHUP_MAX 1000

/* Last-Event-ID (header, or ?last_event_id= for clients that cannot set it). */
static bool last_event_id(struct http_req *r, bool *given, int64_t *out)
{
	const char *v = http_header_get(r, "Last-Event-ID");
	if (!v)
		v = http_query(r, "last_event_id");
	*given = v != NULL;
	if (!v)
		return true;
	size_t n = strlen(v);
	if (n == 0 || n > 18 || strspn(v, "0123456789") != n)
		return false;
	*out = strtoll(v, NULL, 10);
	return true;
}

static void resync(struct http_stream *s, int64_t newest, const char *reason)
{
	struct evbus_event *ev = events_resync(newest, reason);
	http_stream_add_text(s, ev->frame);
	http_stream_position(s, newest);
	free(ev);
}

int h_events(struct http_req *r, struct db *db)
{
	(void)db;
	bool given = false;
	int64_t last = 0;
	bool valid = last_event_id(r, &given, &last);
	struct http_stream *s = http_stream_open(r); /* 503 set when past the limit */
	if (!s)
		return 0;
	struct db *d = db_thread();
	int64_t horizon = 0, newest = 0;
	int rc = d ? pg_events_bounds(d, r->a, &horizon, &newest) : DB_HARD;
	if (rc == DB_SOFT && (d = db_thread()) != NULL) /* a lost connection: once more */
		rc = pg_events_bounds(d, r->a, &horizon, &newest);
	if (rc <= 0) {
		http_stream_drop(r);
		reply_problem(r, ERR_DB_UNAVAILABLE, "try again shortly");
		reply_add_header(r, "Retry-After", "5");
		return 0;
	}
	char head[64];
	snprintf(head, sizeof head, "retry: %d\n: fieldd events\n\n", EVENTS_RETRY_MS);
	http_stream_add_text(s, head);
	if (!given) {
		/* sets the client's last event id without an event, so that its first
		 * reconnect already catches up */
		snprintf(head, sizeof head, "id: %lld\n\n", (long long)newest);
		http_stream_add_text(s, head);
		http_stream_position(s, newest);
	} else if (!valid || last < horizon || last > newest) {
		resync(s, newest, "too_old");
	} else {
		/* even at the newest id: an older transaction may have committed since */
		http_stream_position(s, last);
		struct db_rows rows;
		rc = pg_events_since(d, r->a, last, CATCHUP_MAX + 1, &rows);
		if (rc < 0) {
			http_stream_drop(r);
			reply_problem(r, ERR_DB_UNAVAILABLE, "try again shortly");
			reply_add_header(r, "Retry-After", "5");
			return 0;
		}
		if (rows.n > CATCHUP_MAX) {
			resync(s, newest, "too_old");
		} else {
			int cp = db_col(&rows, "payload");
			for (int i = 0; i < rows.n; i++) {
				struct evbus_event *ev = events_parse(db_cell(&rows, i, cp));
				if (ev) {
					http_stream_add(s, ev);
					free(ev);
				}
			}
		}
	}
	http_stream_live(r);
	return 0;
}
