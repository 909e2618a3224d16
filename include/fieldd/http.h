/*
 * http.h — the request context, the route table and replies.
 *
 * A request walks one way: the daemon matches the route table and answers
 * 404/405/413/414/415/401/403 itself; it collects the body (capped), parses
 * JSON strictly, opens the route's transaction and calls the handler. The
 * handler parses its fields (http_parse_body), asks domain/ and db/, and
 * sets exactly one reply. Everything lives in r->a, freed when MHD reports
 * the request complete.
 */
#ifndef FIELDD_HTTP_H
#define FIELDD_HTTP_H

#include "fieldd/arena.h"
#include "fieldd/auth.h"
#include "fieldd/errors.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct db;
struct json_object;
struct jfield;
struct MHD_Connection;
struct user_row;

/* BODY_FORM: application/x-www-form-urlencoded, collected raw for the handler (the
 * customer's plain HTML forms) */
enum body_kind { BODY_NONE, BODY_JSON, BODY_FORM };
/* How the daemon wraps the handler: no database, a read-only snapshot, or a
 * serializable write transaction with Idempotency-Key support. */
enum tx_kind { TX_NONE, TX_READ, TX_WRITE };
enum {
	ROUTE_NO_IDEMPOTENCY = 1u << 0, /* responses hold secrets (login) */
	/* TX_WRITE at READ COMMITTED instead of SERIALIZABLE: the handler locks the rows its
	 * decisions rest on in a statement of their own before reading anything else */
	ROUTE_READ_COMMITTED = 1u << 1,
	/* the path holds a secret code: 404s are rate-limited per address (guess.c) */
	ROUTE_GUESS_LIMITED = 1u << 2,
};

struct http_req;
/*
 * "A reply is already queued", said one way: a helper that may answer the
 * request itself returns HTTP_GO when the handler goes on and HTTP_REPLIED when
 * it has set the reply (the handler then returns 0). A helper that also reads
 * the database returns an int: HTTP_GO, HTTP_REPLIED or a db status (< 0), so
 * that "if (rc <= 0) return rc;" passes both on. (http_param_id() still says
 * -1 for a reply set, until the handlers that call it move over.)
 */
enum http_go { HTTP_REPLIED = 0, HTTP_GO = 1 };

/*
 * A handler. Returns a db status: >= 0 done (the reply is set), DB_SOFT to
 * have the whole transaction retried, DB_HARD for a failure that becomes
 * 500 (or 503 when the database is unavailable). A reply with status >= 400
 * rolls the transaction back unless r->commit_on_error is set.
 */
typedef int (*http_handler)(struct http_req *r, struct db *db);

struct route {
	const char *method;
	const char *pattern; /* "/api/v1/users/{id}": {x} matches one segment */
	http_handler fn;
	enum body_kind body;
	size_t max_body;
	unsigned roles; /* 0: no login needed */
	enum tx_kind tx;
	unsigned flags;
};

struct http_header {
	const char *name, *value;
	struct http_header *next;
};

#define HTTP_MAX_PARAMS 4

struct http_req {
	struct arena *a;
	struct MHD_Connection *conn;
	const struct route *route; /* NULL when none matched */
	int route_index;
	char id[20]; /* request id, also sent as X-Request-Id */
	uint64_t start_us;
	const char *method, *path;
	const char *params[HTTP_MAX_PARAMS];
	int nparams;
	struct abuf body;
	bool body_too_large, counted_inflight, done;
	bool submitted; /* handed to the database workers */
	bool job_done;	/* a database worker has set the reply; the connection was resumed */
	struct json_object *json; /* parsed body, owned by the arena */
	struct auth_user *user;
	const char *idem_key;

	/* the reply */
	int status;
	const char *ctype;
	const char *rbody;
	size_t rlen;
	struct http_header *headers;
	const char *err_code; /* for the log */
	bool commit_on_error;
	struct http_stream *stream; /* GET /api/v1/events: queued as a stream (stream.c) */
	bool static_reply; /* a web file (or its folder's redirect): own encoding and Vary, sent on
			    * the final callback so the connection stays open */
};

/* Path parameter i ({id} etc.), borrowed. */
const char *http_param(struct http_req *r, int i);
/* Path parameter i as a positive id; on failure replies 404 and returns -1. */
int http_param_id(struct http_req *r, int i, int64_t *out);
/* Query argument or request header, borrowed from MHD; NULL if absent. */
const char *http_query(struct http_req *r, const char *key);
const char *http_header_get(struct http_req *r, const char *name);

/* Replies. Each replaces any earlier reply. */
void reply_json(struct http_req *r, int status, struct json_object *o); /* o: the arena's after */
void reply_raw(struct http_req *r, int status, const char *ctype, const char *body, size_t len);
void reply_empty(struct http_req *r, int status);
void reply_problem(struct http_req *r, enum err_id id, const char *detail);
/* A problem with a rule code (e.g. "lead_required") instead of the registry's own. */
void reply_problem_code(struct http_req *r, enum err_id id, const char *code, const char *detail);
/* 422 validation_failed with errors: [{field, message}]. */
void reply_invalid(struct http_req *r, const char *field, const char *message);
void reply_invalid_list(struct http_req *r, struct json_object *errors); /* adopts errors */
/* 422 with a rule code and errors: [{field, message}] (adopts errors). */
void reply_rule_errors(struct http_req *r, const char *code, const char *detail,
		       struct json_object *errors);
void reply_add_header(struct http_req *r, const char *name, const char *value);

/*
 * Parses r->json against spec; on failure the 422 (or 400 for a body that
 * is not an object) is already queued and it returns HTTP_REPLIED.
 */
enum http_go http_parse_body(struct http_req *r, const struct jfield *spec);

struct db_rows;
/* 200 {"items": [doc...], "next_cursor"} from (id, doc) rows fetched with limit + 1. */
void reply_doc_list(struct http_req *r, const struct db_rows *rows, int limit);
/* The list envelope, the one way to write it: 200 {"items": [docs...], "next_cursor": the
 * last shown id as a string, or null}, from n items (JSON text) and their ids fetched with
 * limit + 1. reply_doc_list() is this for (id, doc) rows. */
void reply_list(struct http_req *r, const char *const *docs, const char *const *ids, int n,
		int limit);
/* 200/201 with a JSON document produced by the database. */
void reply_doc(struct http_req *r, int status, const char *doc);
/* doc (a JSON object as text) with "key": o added (o adopted, jspec_adopt). Arena-owned. */
const char *json_doc_with(struct arena *a, const char *doc, const char *key, struct json_object *o);

/* Load-or-404, one way. rc: what a pg_ load answered (rows, or a db status). No row:
 * 404 "no such <what>" is set and HTTP_REPLIED comes back; a row: HTTP_GO; a db
 * status passes on. So: if ((rc = http_found(r, pg_x(...), "x")) <= 0) return rc; */
int http_found(struct http_req *r, int rc, const char *what);

/* framing.c: RFC 9112 framing and Host checks on the first call; false when a
 * reply (problem+json, Connection: close) was set. */
enum http_go http_framing_ok(struct http_req *r, const char *version);

/* guess.c: false (429 set) when this address earned too many 404s on
 * ROUTE_GUESS_LIMITED routes; http_guess_record() counts one. */
enum http_go http_guess_allowed(struct http_req *r);
void http_guess_record(struct http_req *r);
/* List paging: limit (1..max, default def) and an id cursor; HTTP_REPLIED: 400 set. */
enum http_go http_page(struct http_req *r, int def, int max, int *limit, int64_t *cursor);

/*
 * Conditional GET (RFC 9110 §13.2.2), for handlers that set ETag and
 * Last-Modified themselves: true when If-None-Match matches etag (weak
 * comparison, "*" included) or, only when there is no If-None-Match, when
 * If-Modified-Since is at or after last_modified. The caller then answers
 * 304 with the same validators and no body.
 */
bool http_not_modified(struct http_req *r, const char *etag, time_t last_modified);
/* IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") of t; buf holds at least 30 bytes. */
void http_date_format(time_t t, char *buf, size_t len);
/* Any of the three HTTP-date forms of RFC 9110 §5.6.7; -1 when malformed. */
int http_date_parse(const char *s, time_t *out);
/*
 * Blanks, in place, the secret segment of capability paths (/cal/<token>,
 * /t/<tracking>) in a message bound for the log: libmicrohttpd's own error
 * messages quote the request URL.
 */
void http_log_redact(char *msg);

/*
 * Event streams (stream.c, GET /api/v1/events). http_stream_open() checks
 * FIELDD_STREAM_LIMIT (503 set, NULL returned past it) and subscribes to the
 * event bus at once, holding live events back; the handler then adds what the
 * client missed (http_stream_add: filtered by the caller's visibility, and
 * never sent twice) and calls http_stream_live(), which sets the 200 reply.
 * The daemon queues it as a response whose connection is suspended while
 * there is nothing to send, so a stream holds no thread and is not counted
 * in FIELDD_MAX_INFLIGHT.
 */
struct http_stream;
struct evbus_event;
struct http_stream *http_stream_open(struct http_req *r);
void http_stream_add(struct http_stream *s, const struct evbus_event *ev);
void http_stream_add_text(struct http_stream *s, const char *text);
/* The id the client already has (its Last-Event-ID, or the starting id sent):
 * a later block with a lower id is sent under this one (stream.c, put()). */
void http_stream_position(struct http_stream *s, int64_t id);
void http_stream_live(struct http_req *r);
/* Daemon side: queue r->stream (status 200) or drop it (any other reply). */
int http_stream_queue(struct http_req *r);
void http_stream_drop(struct http_req *r);
/* Open streams; http_streams_end() ends them all (shutdown) and waits up to ms. */
int http_streams_open(void);
void http_streams_end(int ms);
/* application/x-www-form-urlencoded field of body, decoded, arena-owned; NULL if absent. */
const char *http_form_value(struct arena *a, const char *body, size_t len, const char *key);

/*
 * Static web files (static.c): mobile-web/ embedded at build time, or read
 * from FIELDD_WEB_DIR. http_static_serve() answers a GET/HEAD of a web file
 * (or a folder without its slash, 301) and returns true; false leaves the
 * request to the route table ("/" and /api/ always). http_static_reply()
 * sets the reply for web file name (e.g. "index.html") with its ETag,
 * caching, gzip and CSP headers; vary NULL means "Accept-Encoding".
 */
bool http_static_serve(struct http_req *r, const char *path);
/* Hashes and gzips the embedded files (or notes FIELDD_WEB_DIR) before serving. */
void http_static_init(void);
void http_static_reply(struct http_req *r, const char *name, const char *vary);

/* Daemon. */
/* Serves routes[0..n) (borrowed for the server's life); returns -1 with a logged reason. */
int http_start(const struct route *routes, size_t n);
void http_stop(void); /* finishes in-flight requests, then returns */

/* Requests in progress, for metrics (admit.c). */
int http_inflight(void);

/* Liveness and readiness, read without touching the database (for /readyz). */
struct http_health {
	bool db_reachable;		      /* the last contact with PostgreSQL succeeded */
	int schema, schema_version;	      /* 1 ok, 0 not checked yet, -1 older than fieldd */
	unsigned http_workers, http_alive;    /* event loops, and those answering probes */
	unsigned stuck_worker;		      /* the first one not answering */
	double stuck_seconds;		      /* since its last answer */
	unsigned db_workers, db_busy, queued; /* database workers and their queue */
	double oldest_job_seconds;	      /* the longest-running database job now */
};
void http_health(struct http_health *h);

/* Metrics (Prometheus text) appended to b. */
void http_metrics_render(struct abuf *b);
void http_metrics_record(int route_index, int status, uint64_t us);

/* The client's address as text, for throttling (arena-owned). */
const char *http_client_addr(struct http_req *r);

#endif
