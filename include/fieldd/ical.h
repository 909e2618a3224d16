/*
 * ical.h — calendar feeds and invitations built with libical (SPEC §5).
 *
 * Building: the caller fills plain structs (no SQL, no HTTP here) and gets
 * iCalendar text back: CRLF line ends, lines folded at 75 octets without
 * splitting a UTF-8 character, TEXT escaped once (by libical), times with
 * TZID=<IANA name> and one trimmed VTIMEZONE made from the system's zone
 * data. Output depends only on the input (DTSTAMP is the event's last
 * change, never "now"), so the same rows give the same bytes.
 *
 * Time zone: wall-clock times are computed with localtime_r, i.e. in the
 * process's zone; fieldd's main() sets TZ from FIELDD_TZ before threads
 * start, and opts->tzid must name that same zone.
 *
 * Memory: every returned string is the arena's. libical objects made on the
 * way are freed before return or registered with arena_defer().
 *
 * The feed cache (ical_cache_*) is process-local and only ever an
 * accelerator: an entry is used only when its validator equals the one just
 * read from the database in the request's own snapshot.
 */
#ifndef FIELDD_ICAL_H
#define FIELDD_ICAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct arena;
struct abuf;

/* What a visit's event shows. Strings may be NULL (left out). Borrowed. */
struct ical_event {
	int64_t visit_id;
	const char *uid;    /* the visit's stored UUID: the event's UID, never changed */
	int sequence;	    /* visits.ical_sequence */
	const char *status; /* visit status: proposed → TENTATIVE, cancelled → CANCELLED */
	time_t start, end;
	time_t modified; /* last change of what the event shows: DTSTAMP, LAST-MODIFIED */
	const char *ticket_number, *fault_code, *fault_name, *symptom, *priority;
	const char *escalations; /* comma-separated: repeat_fault, vip, next_repeat_escalates */
	int repeat_count;
	const char *customer_name, *customer_title, *customer_department, *customer_organisation;
	const char *customer_phone; /* feeds only (for the engineer); never in an invitation */
	const char *customer_email; /* invitations: the ATTENDEE */
	const char *asset_tag, *device_kind, *device_model, *building, *floor, *room;
	const char *engineer_name, *lead_name;
	const char *url; /* the visit in the engineer app, or the customer's tracking page */
};

struct ical_opts {
	const char *tzid;	     /* IANA name of the process zone, e.g. "Asia/Seoul" */
	const char *organizer_email; /* ORGANIZER mailto: address */
	const char *organizer_name;  /* its CN */
	const char *prodid;	     /* "-//fieldd//fieldd 0.1.0//KO" */
};

struct ical_feed {
	const char *name; /* NAME and X-WR-CALNAME */
	bool team;	  /* a lead's team feed: summaries name who goes */
	const struct ical_event *events;
	size_t n;
};

/* METHOD:PUBLISH feed text; *len gets its length. Arena-owned. */
char *ical_feed_text(struct arena *a, const struct ical_opts *o, const struct ical_feed *f,
		     size_t *len);

/*
 * The customer's invitation for one visit: METHOD:REQUEST, or METHOD:CANCEL
 * with STATUS:CANCELLED when the visit is cancelled. ORGANIZER and the
 * customer as ATTENDEE (mailto:); the engineer appears by name only.
 * *method gets "REQUEST" or "CANCEL". Arena-owned.
 */
char *ical_invitation_text(struct arena *a, const struct ical_opts *o, const struct ical_event *e,
			   const char **method, size_t *len);

/*
 * Appends one content line (no CRLF inside) folded at 75 octets: CRLF and a
 * space before each continuation, never inside a UTF-8 sequence (a sequence
 * that is not valid UTF-8 is cut byte by byte). Ends with CRLF.
 */
void ical_fold_line(struct abuf *b, const char *line, size_t len);
/* Unfolds text (any line ends) and folds every content line again. */
void ical_refold(struct abuf *b, const char *text, size_t len);

/* ---- the feed cache ---- */

/* A built feed: immutable once published, reference-counted. */
struct ical_cached {
	const char *body;
	size_t len;
	char etag[68]; /* "\"<sha256 hex>\"", strong */
};

/*
 * The entry for (owner, scope) if its validator equals validator; NULL
 * otherwise. A returned entry stays valid until the arena is freed (a
 * reference is held and released by arena_defer).
 */
const struct ical_cached *ical_cache_get(struct arena *a, int64_t owner, const char *scope,
					 const char *validator);
/*
 * Makes an entry of body (copied; its ETag computed) and, size allowing,
 * publishes it under (owner, scope, validator). Returns it, referenced by
 * the arena as above.
 */
const struct ical_cached *ical_cache_put(struct arena *a, int64_t owner, const char *scope,
					 const char *validator, const char *body, size_t len);

/* Counters for /metrics, appended to b in Prometheus text format. */
void ical_metrics_render(struct abuf *b);

#endif
