/*
 * The request path (docs/architecture.md, "The request walk" and "Threads,
 * connections and limits").
 *
 * Threads: conn.c's acceptor admits connections within fieldd's own limits
 * and hands each to one of FIELDD_HTTP_THREADS libmicrohttpd event loops
 * (one single-threaded daemon each). The event loop parses the request,
 * routes it, reads the body and answers at once whatever needs no database
 * (/healthz, /readyz, /metrics, the OpenAPI document, every 4xx decided from
 * the head). A request that needs PostgreSQL is queued for the database
 * workers (workers.c, FIELDD_THREADS threads, one connection each) while its
 * connection is suspended; the worker authenticates, runs the handler in its
 * transaction, sets the reply and resumes the connection, and the event loop
 * queues the reply when it calls the access handler again. No event loop
 * ever waits on PostgreSQL.
 *
 * Limits: past FIELDD_CONN_LIMIT / FIELDD_PER_IP_LIMIT the acceptor answers
 * 503; past max_inflight requests or a full queue the access handler does.
 * Idle connections close after conn_timeout; the head and the body each have
 * a total deadline (conn.c); headers are capped by conn_memory per
 * connection; bodies by each route's max_body.
 *
 * Memory: one arena per request, created on the first callback and freed in
 * the completion callback, the only teardown path.
 */
#include "fieldd/config.h"
#include "fieldd/db.h"
#include "fieldd/http.h"
#include "fieldd/jspec.h"
#include "fieldd/log.h"
#include "fieldd/pg.h"
#include "fieldd/router.h"
#include "fieldd/util.h"
#include "http_int.h"

#include <json-c/json.h>
#include <microhttpd.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CONN_SLACK   64
#define MAX_URL	     2048
#define COOKIE_PLAIN "fieldd_session"
#define COOKIE_HOST  "__Host-fieldd_session"

static struct MHD_Daemon *loops[64];
static unsigned nloops;
static atomic_int inflight;
/* handed to the database workers and not yet completed (queued, running or answering) */
static atomic_int db_pending;
static atomic_ulong request_seq;
static unsigned process_tag;

static bool is_write(const char *m)
{
	return strcmp(m, "GET") && strcmp(m, "HEAD") && strcmp(m, "OPTIONS");
}

/* ---- authentication: the one place where roles are checked ---- */

static const char *session_token(struct http_req *r, bool *via_cookie)
{
	const char *h = http_header_get(r, "Authorization");
	*via_cookie = false;
	if (h) {
		if (strncasecmp(h, "Bearer ", 7) != 0)
			return NULL;
		h += 7;
		while (*h == ' ')
			h++;
		return *h ? h : NULL;
	}
	const char *c = MHD_lookup_connection_value(
	    r->conn, MHD_COOKIE_KIND, cfg.secure_cookies ? COOKIE_HOST : COOKIE_PLAIN);
	if (c && *c) {
		*via_cookie = true;
		return c;
	}
	return NULL;
}

/* Same-origin check for cookie-authenticated writes (CSRF). */
static bool origin_ok(struct http_req *r)
{
	const char *origin = http_header_get(r, "Origin");
	if (!origin) {
		const char *site = http_header_get(r, "Sec-Fetch-Site");
		return site && strcmp(site, "same-origin") == 0;
	}
	if (strcmp(origin, cfg.base_url) == 0)
		return true;
	const char *host = http_header_get(r, "Host");
	if (!host)
		return false;
	const char *scheme = cfg.secure_cookies ? "https://" : "http://";
	size_t sl = strlen(scheme);
	return strncmp(origin, scheme, sl) == 0 && strcmp(origin + sl, host) == 0;
}

/* Returns true when the request may go on; otherwise a reply is set. */
static bool authenticate(struct http_req *r)
{
	bool via_cookie;
	const char *token = session_token(r, &via_cookie);
	if (!token) {
		reply_problem(r, ERR_UNAUTHENTICATED, "log in first: POST /api/v1/session");
		reply_add_header(r, "WWW-Authenticate", "Bearer");
		return false;
	}
	struct db *db = db_thread();
	if (!db) {
		reply_problem(r, ERR_DB_UNAVAILABLE, "try again shortly");
		reply_add_header(r, "Retry-After", "5");
		return false;
	}
	struct auth_user *u = arena_alloc(r->a, sizeof *u);
	u->token_hash = util_sha256_hex(r->a, token, strlen(token));
	int rc = pg_session_user(db, r->a, u->token_hash, u);
	if (rc == DB_SOFT && (db = db_thread()) != NULL) /* connection was lost: once more */
		rc = pg_session_user(db, r->a, u->token_hash, u);
	if (rc < 0) {
		reply_problem(r, ERR_DB_UNAVAILABLE, "try again shortly");
		reply_add_header(r, "Retry-After", "5");
		return false;
	}
	if (rc == 0) {
		reply_problem(r, ERR_UNAUTHENTICATED, "the session has expired or was ended");
		reply_add_header(r, "WWW-Authenticate", "Bearer error=\"invalid_token\"");
		return false;
	}
	u->via_cookie = via_cookie;
	r->user = u;
	if (!(r->route->roles & u->role_bit)) {
		reply_problem(r, ERR_FORBIDDEN,
			      arena_printf(r->a, "the %s role cannot do this", u->role));
		return false;
	}
	if (via_cookie && is_write(r->method) && !origin_ok(r)) {
		reply_problem(r, ERR_CSRF, "cookie-authenticated writes must come from this site");
		return false;
	}
	return true;
}

/* ---- first callback: everything decided from the headers ---- */

static bool json_content_type(const char *ct)
{
	if (!ct)
		return false;
	size_t n = strlen("application/json");
	return strncasecmp(ct, "application/json", n) == 0 &&
	       (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

static bool valid_idem_key(const char *k)
{
	size_t n = strlen(k);
	if (n == 0 || n > 255)
		return false;
	for (size_t i = 0; i < n; i++)
		if (k[i] < 0x21 || k[i] > 0x7e)
			return false;
	return true;
}

/* MHD hands over the path without its query; the limit is on both. */
static enum MHD_Result add_arg_len(void *cls, enum MHD_ValueKind kind, const char *key,
				   const char *value)
{
	(void)kind;
	size_t *n = cls;
	*n += 2 + strlen(key) + (value ? strlen(value) : 0);
	return MHD_YES;
}

static void begin(struct http_req *r, const char *url)
{
	size_t uri_len = strlen(url);
	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, add_arg_len, &uri_len);
	if (uri_len > MAX_URL) {
		reply_problem(r, ERR_URI_TOO_LONG, NULL);
		return;
	}
	if (atomic_load(&inflight) > (int)cfg.max_inflight) {
		reply_problem(r, ERR_OVERLOADED, "too many requests at once; try again shortly");
		reply_add_header(r, "Retry-After", "1");
		return;
	}
	if (http_static_serve(r, url)) /* web files: no database, answered here */
		return;
	char allow[64];
	int idx;
	switch (router_match(r->a, http_routes, http_nroutes, r->method, url, &idx, r->params,
			     &r->nparams, allow, sizeof allow)) {
	case ROUTER_NOT_FOUND:
		reply_problem(r, ERR_NOT_FOUND, NULL);
		return;
	case ROUTER_METHOD:
		reply_problem(r, ERR_METHOD, arena_printf(r->a, "allowed: %s", allow));
		reply_add_header(r, "Allow", allow);
		return;
	case ROUTER_FOUND:
		break;
	}
	r->route = &http_routes[idx];
	r->route_index = idx;

	const char *cl = http_header_get(r, "Content-Length");
	unsigned long long len = cl ? strtoull(cl, NULL, 10) : 0;
	if (r->route->body == BODY_FORM) {
		const char *ct = http_header_get(r, "Content-Type");
		if (!ct || strncasecmp(ct, "application/x-www-form-urlencoded", 33)) {
			reply_problem(r, ERR_MEDIA_TYPE,
				      "send Content-Type: application/x-www-form-urlencoded");
			return;
		}
	}
	if (r->route->body != BODY_NONE) {
		/* no body at all stands for {} (a step without fields): no Content-Type needed,
		 * but one that is not JSON is still refused */
		const char *ct = http_header_get(r, "Content-Type");
		bool empty = len == 0 && !http_header_get(r, "Transfer-Encoding");
		if (r->route->body == BODY_JSON && (ct || !empty) && !json_content_type(ct)) {
			reply_problem(r, ERR_MEDIA_TYPE, "send Content-Type: application/json");
			return;
		}
		if (len > r->route->max_body) {
			reply_problem(r, ERR_TOO_LARGE,
				      arena_printf(r->a, "at most %zu bytes", r->route->max_body));
			return;
		}
	} else if (len > 0) {
		reply_problem(r, ERR_TOO_LARGE, "this endpoint takes no request body");
		return;
	}
	r->idem_key = http_header_get(r, "Idempotency-Key");
	if (r->idem_key && !valid_idem_key(r->idem_key)) {
		reply_problem(r, ERR_IDEM_KEY_INVALID,
			      "Idempotency-Key must be 1 to 255 visible ASCII characters");
		return;
	}
	if ((r->route->flags & ROUTE_GUESS_LIMITED) && !http_guess_allowed(r)) /* guess.c */
		return;
}

/* ---- the handler inside its transaction ---- */

static void db_failure(struct http_req *r, struct db *db)
{
	if (!db || db_err_unavailable(db)) {
		reply_problem(r, ERR_DB_UNAVAILABLE, "try again shortly");
		reply_add_header(r, "Retry-After", "5");
	} else {
		reply_problem(r, ERR_INTERNAL, NULL);
	}
}

static bool idem_applies(struct http_req *r)
{
	return r->idem_key && r->route->tx == TX_WRITE && !(r->route->flags & ROUTE_NO_IDEMPOTENCY);
}

/* 1: go on with the handler; 0: reply set; < 0 db status. */
static int idem_check(struct http_req *r, struct db *db, const char *hash)
{
	int64_t uid = r->user ? r->user->id : 0;
	bool got;
	int rc = pg_idem_try_lock(db, r->a, uid, r->idem_key, &got);
	if (rc < 0)
		return rc;
	if (!got) {
		reply_problem(r, ERR_IDEM_IN_PROGRESS, "retry after the first request finishes");
		reply_add_header(r, "Retry-After", "1");
		return 0;
	}
	struct idem_row row;
	rc = pg_idem_get(db, r->a, uid, r->idem_key, &row);
	if (rc <= 0)
		return rc < 0 ? rc : 1;
	if (strcmp(row.request_hash, hash) != 0) {
		reply_problem(r, ERR_IDEM_MISMATCH, "use a new key for a different request");
		return 0;
	}
	reply_raw(r, row.status, row.content_type, row.body ? row.body : "",
		  row.body ? strlen(row.body) : 0);
	if (row.location)
		reply_add_header(r, "Location", row.location);
	reply_add_header(r, "Idempotent-Replayed", "true");
	return 0;
}

/* The Location header the handler set, if any. */
static const char *reply_location(const struct http_req *r)
{
	for (const struct http_header *h = r->headers; h; h = h->next)
		if (!strcasecmp(h->name, "Location"))
			return h->value;
	return NULL;
}

static void run_handler(struct http_req *r)
{
	const struct route *rt = r->route;
	if (rt->tx == TX_NONE) {
		if (rt->fn(r, NULL) < 0)
			reply_problem(r, ERR_INTERNAL, NULL);
		return;
	}
	const char *hash = NULL;
	if (idem_applies(r)) {
		struct abuf b;
		abuf_init(&b, r->a);
		abuf_addf(&b, "%s %s\n", r->method, r->path);
		abuf_add(&b, r->body.buf, r->body.len);
		hash = util_sha256_hex(r->a, b.buf, b.len);
	}
	enum db_iso iso = rt->tx == TX_READ		     ? DB_READ_ONLY
			  : rt->flags & ROUTE_READ_COMMITTED ? DB_READ_COMMITTED
							     : DB_SERIALIZABLE;
	struct db *db = NULL;
	for (int attempt = 1; attempt <= DB_TX_ATTEMPTS; attempt++) {
		if (attempt > 1)
			db_backoff(attempt);
		db = db_thread();
		if (!db)
			break;
		r->commit_on_error = false;
		r->status = 0;
		int rc = db_begin(db, iso);
		if (rc == DB_SOFT)
			continue;
		if (rc < 0)
			break;
		if (hash) {
			rc = idem_check(r, db, hash);
			if (rc == 0) {
				db_rollback(db);
				return;
			}
			if (rc == DB_SOFT) {
				db_rollback(db);
				continue;
			}
			if (rc < 0) {
				db_rollback(db);
				break;
			}
		}
		rc = rt->fn(r, db);
		if (rc == DB_SOFT) {
			db_rollback(db);
			continue;
		}
		if (rc < 0) {
			db_rollback(db);
			db_failure(r, db);
			return;
		}
		if (r->status >= 400 && !r->commit_on_error) {
			db_rollback(db);
			return;
		}
		if (hash && r->status < 400) {
			rc = pg_idem_put(db, r->a, r->user ? r->user->id : 0, r->idem_key,
					 r->method, rt->pattern, hash, r->status, r->ctype,
					 r->rbody, reply_location(r));
			/* a twin committed first: go round and replay its answer */
			if (rc == DB_SOFT || (rc < 0 && db_err_unique(db))) {
				db_rollback(db);
				continue;
			}
			if (rc < 0) {
				db_rollback(db);
				db_failure(r, db);
				return;
			}
		}
		rc = db_commit(db);
		if (rc == DB_SOFT)
			continue;
		if (rc < 0)
			db_failure(r, db);
		return;
	}
	reply_problem(r, ERR_DB_UNAVAILABLE, "the database is busy or unreachable; try again");
	reply_add_header(r, "Retry-After", db ? "1" : "5");
}

static void finish(struct http_req *r)
{
	if (r->body_too_large) {
		reply_problem(r, ERR_TOO_LARGE,
			      arena_printf(r->a, "at most %zu bytes", r->route->max_body));
		return;
	}
	if (r->route->body == BODY_JSON) {
		const char *why = NULL;
		r->json = r->body.len ? jspec_tokenize(r->a, r->body.buf, r->body.len, &why)
				      : jspec_tokenize(r->a, "{}", 2, &why);
		if (!r->json) {
			reply_problem(r, ERR_MALFORMED_JSON, why);
			return;
		}
	}
	run_handler(r);
	if (r->status == 404 && (r->route->flags & ROUTE_GUESS_LIMITED))
		http_guess_record(r); /* guess.c */
}

/* ---- MHD glue ---- */

/* ---- compression: an engineer's phone on one bar of signal ----
 *
 * JSON and CSV answers of GZIP_MIN octets or more go out gzipped when the
 * client accepts it (Accept-Encoding; "gzip;q=0" refuses). Calendar feeds
 * and invitations stay as they are: their strong ETags name the bytes sent,
 * and their 304s come from those. The stored Idempotency-Key answer is the
 * plain body; a replay is compressed like any answer. */

#define GZIP_MIN 1024

static bool compressible(const char *ctype)
{
	return ctype &&
	       (!strncmp(ctype, "application/json", 16) ||
		!strncmp(ctype, "application/problem+json", 24) || !strncmp(ctype, "text/csv", 8));
}

static enum MHD_Result queue(struct http_req *r)
{
	r->done = true;
	if (r->stream) { /* GET /api/v1/events (stream.c) */
		if (r->status == 200) {
			/* a stream waits without a thread and is not a request in progress */
			if (r->counted_inflight)
				atomic_fetch_sub(&inflight, 1);
			r->counted_inflight = false;
			if (r->submitted) /* its database work is done */
				atomic_fetch_sub(&db_pending, 1);
			r->submitted = false;
			return http_stream_queue(r) ? MHD_YES : MHD_NO;
		}
		http_stream_drop(r);
	}
	const char *body = r->rbody ? r->rbody : "";
	size_t len = r->rlen;
	bool vary = compressible(r->ctype) && !r->static_reply, gzipped = false;
	if (vary && cfg.gzip_level && len >= GZIP_MIN && http_accepts_gzip(r)) {
		size_t zlen;
		const char *z = (const char *)http_gzip(r->a, (const unsigned char *)body, len,
							(int)cfg.gzip_level, &zlen);
		if (z) {
			body = z;
			len = zlen;
			gzipped = true;
		}
	}
	struct MHD_Response *resp =
	    MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	if (r->ctype) {
		const char *ct = r->ctype;
		if (!strchr(ct, ';') &&
		    (!strncmp(ct, "application/", 12) || !strncmp(ct, "text/", 5)))
			ct = arena_printf(r->a, "%s; charset=utf-8", ct);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ct);
	}
	bool has_cache = false;
	for (struct http_header *h = r->headers; h; h = h->next) {
		MHD_add_response_header(resp, h->name, h->value);
		if (!strcasecmp(h->name, "Cache-Control"))
			has_cache = true;
	}
	if (!has_cache)
		MHD_add_response_header(resp, "Cache-Control", "no-store");
	if (vary)
		MHD_add_response_header(resp, "Vary", "Accept-Encoding");
	if (gzipped)
		MHD_add_response_header(resp, "Content-Encoding", "gzip");
	MHD_add_response_header(resp, "X-Request-Id", r->id);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	if (r->status == 503 || r->status == 413 || r->status == 414)
		MHD_add_response_header(resp, "Connection", "close");
	enum MHD_Result ret = MHD_queue_response(r->conn, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* Everything but the four operations routes waits for PostgreSQL somewhere. */
static bool needs_db(const struct http_req *r)
{
	return r->route->roles || r->route->tx != TX_NONE;
}

/* On a database worker: authenticate, run the handler, resume the connection. */
static void db_job(struct http_req *r)
{
	int version = 0;
	int schema = workers_schema(&version);
	if (schema != 1) {
		if (schema < 0)
			reply_problem(r, ERR_DB_UNAVAILABLE,
				      arena_printf(r->a,
						   "the database schema is at version %d; it "
						   "needs \"fieldd migrate\"",
						   version));
		else
			reply_problem(r, ERR_DB_UNAVAILABLE, "try again shortly");
		reply_add_header(r, "Retry-After", "5");
	} else if (!r->route->roles || authenticate(r)) {
		finish(r);
	}
	if (!r->status)
		reply_problem(r, ERR_INTERNAL, "the handler set no reply");
	r->job_done = true;
	struct MHD_Connection *c = r->conn;
	MHD_resume_connection(c); /* r belongs to the event loop again */
}

/* Still queued at shutdown after the grace period. */
static void db_drop(struct http_req *r)
{
	reply_problem(r, ERR_OVERLOADED, "the server is shutting down; try again");
	reply_add_header(r, "Retry-After", "1");
	r->job_done = true;
	MHD_resume_connection(r->conn);
}

static enum MHD_Result probe_reply(struct MHD_Connection *conn)
{
	struct MHD_Response *resp =
	    MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_NO_CONTENT, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	(void)cls;
	struct http_req *r = *con_cls;
	if (!r) {
		if (conn_is_probe(conn)) {
			*upload_size = 0;
			return probe_reply(conn);
		}
		conn_set_phase(conn, CONN_BODY);
		struct arena *a = arena_new();
		r = arena_alloc(a, sizeof *r);
		r->a = a;
		r->conn = conn;
		r->route_index = -1;
		r->start_us = util_now_us();
		r->method = arena_strdup(a, method);
		r->path = arena_strdup(a, url);
		snprintf(r->id, sizeof r->id, "%08x%08lx", process_tag,
			 (unsigned long)(atomic_fetch_add(&request_seq, 1) & 0xffffffffUL));
		abuf_init(&r->body, a);
		atomic_fetch_add(&inflight, 1);
		r->counted_inflight = true;
		*con_cls = r;
		if (http_framing_ok(r, version)) /* framing.c */
			begin(r, url);
		/* a refusal goes at once (MHD then closes the connection: the body may be
		 * unread); a web file waits for the final call, so keep-alive stays */
		if (r->status && !r->static_reply) {
			conn_set_phase(conn, CONN_BUSY);
			return queue(r);
		}
		return MHD_YES;
	}
	if (r->job_done)
		return queue(r);
	if (r->done) {
		*upload_size = 0;
		return MHD_YES;
	}
	if (*upload_size) {
		size_t max = r->route ? r->route->max_body : 0;
		if (r->body.len + *upload_size > max)
			r->body_too_large = true;
		else
			abuf_add(&r->body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	conn_set_phase(conn, CONN_BUSY);
	if (!r->status) { /* a web file's reply is ready from the first call */
		if (needs_db(r)) {
			MHD_suspend_connection(conn);
			r->submitted = true;
			atomic_fetch_add(&db_pending, 1);
			if (!workers_submit(r)) {
				reply_problem(r, ERR_OVERLOADED,
					      "too many requests waiting for the database; try "
					      "again shortly");
				reply_add_header(r, "Retry-After", "1");
				r->job_done = true;
				MHD_resume_connection(conn);
			}
			return MHD_YES;
		}
		finish(r);
	}
	if (!r->status)
		reply_problem(r, ERR_INTERNAL, "the handler set no reply");
	return queue(r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	struct http_req *r = *con_cls;
	if (!r)
		return;
	*con_cls = NULL;
	if (conn)
		conn_set_phase(conn, CONN_IDLE);
	http_stream_drop(r); /* a stream set up but never queued */
	uint64_t us = util_now_us() - r->start_us;
	int status = r->status ? r->status : 499; /* client went away first */
	http_metrics_record(r->route_index, status, us);
	if (log_enabled(LOG_INFO)) {
		struct json_object *o = json_object_new_object();
		char ts[32];
		time_t now = time(NULL);
		struct tm tm;
		gmtime_r(&now, &tm);
		strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
		json_object_object_add(o, "ts", json_object_new_string(ts));
		json_object_object_add(o, "level", json_object_new_string("info"));
		json_object_object_add(o, "msg", json_object_new_string("request"));
		json_object_object_add(o, "request_id", json_object_new_string(r->id));
		json_object_object_add(o, "method", json_object_new_string(r->method));
		json_object_object_add(
		    o, "route", json_object_new_string(r->route ? r->route->pattern : "unmatched"));
		json_object_object_add(o, "status", json_object_new_int(status));
		char ms[32]; /* fixed precision: 5.175, never 5.1749999999999998 */
		snprintf(ms, sizeof ms, "%.3f", (double)us / 1000.0);
		json_object_object_add(o, "ms", json_object_new_double_s((double)us / 1000.0, ms));
		if (r->user)
			json_object_object_add(o, "user_id", json_object_new_int64(r->user->id));
		if (r->err_code)
			json_object_object_add(o, "code", json_object_new_string(r->err_code));
		if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK)
			json_object_object_add(o, "aborted", json_object_new_boolean(1));
		size_t len;
		const char *s = json_object_to_json_string_length(
		    o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
		log_raw_line(s, len);
		json_object_put(o);
	}
	if (r->counted_inflight)
		atomic_fetch_sub(&inflight, 1);
	if (r->submitted)
		atomic_fetch_sub(&db_pending, 1);
	arena_free(r->a);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	char buf[512];
	vsnprintf(buf, sizeof buf, fmt, ap);
	size_t n = strlen(buf);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	/* some of MHD's messages quote the URL, and a feed's URL is its credential */
	http_log_redact(buf);
	log_msg(LOG_WARN, "http", buf);
}

/* ---- housekeeping: expired sessions, keys and throttling rows ---- */

static pthread_t keeper;
static atomic_bool keeper_stop;
static pthread_mutex_t keeper_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t keeper_cv = PTHREAD_COND_INITIALIZER;

static void *keeper_main(void *arg)
{
	(void)arg;
	while (!atomic_load(&keeper_stop)) {
		struct db *db = db_thread();
		if (db) {
			struct arena *a = arena_new();
			pg_housekeeping(db, a);
			arena_free(a);
		}
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 600;
		pthread_mutex_lock(&keeper_mu);
		if (!atomic_load(&keeper_stop))
			pthread_cond_timedwait(&keeper_cv, &keeper_mu, &until);
		pthread_mutex_unlock(&keeper_mu);
	}
	db_thread_release();
	return NULL;
}

/* ---- starting and stopping ---- */

static int listen_fd = -1;

static int open_listener(const struct sockaddr_in *addr)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	int on = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
	if (bind(fd, (const struct sockaddr *)addr, sizeof *addr) < 0 || listen(fd, 1024) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Room for FIELDD_CONN_LIMIT clients, refused ones, workers and the database. */
static void raise_fd_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static void stop_loops(void)
{
	for (unsigned i = 0; i < nloops; i++)
		MHD_stop_daemon(loops[i]);
	nloops = 0;
}

const struct route *http_routes;
size_t http_nroutes;

int http_start(const struct route *routes, size_t nroutes)
{
	http_routes = routes;
	http_nroutes = nroutes;
	struct sockaddr_in addr;
	memset(&addr, 0, sizeof addr);
	addr.sin_family = AF_INET;
	addr.sin_port = htons(cfg.listen_port);
	const char *host =
	    strcmp(cfg.listen_host, "localhost") == 0 ? "127.0.0.1" : cfg.listen_host;
	if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
		log_msgf(LOG_ERROR, "cannot listen on \"%s\": expected an IPv4 address",
			 cfg.listen_host);
		return -1;
	}
	process_tag = randombytes_random();
	http_static_init(); /* the web files' ETags and gzip copies, before the first request */
	raise_fd_limit();
	if ((listen_fd = open_listener(&addr)) < 0) {
		log_msgf(LOG_ERROR, "cannot listen on %s:%u (address in use or not permitted)",
			 cfg.listen_host, cfg.listen_port);
		return -1;
	}
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
			 MHD_USE_ERROR_LOG | MHD_USE_NO_LISTEN_SOCKET | MHD_ALLOW_SUSPEND_RESUME;
	/* libmicrohttpd's own limits sit far above what conn.c admits (its refusal path
	 * hangs an event loop in 0.9.75); its per-address limit is off, conn.c counts */
	unsigned mhd_limit = cfg.conn_limit + cfg.stream_limit + CONN_SLACK; /* + streams */
	unsigned n = cfg.http_threads < 64 ? cfg.http_threads : 64;
	for (nloops = 0; nloops < n; nloops++) {
		/* the logger must be the first option, or MHD prints early messages itself */
		loops[nloops] = MHD_start_daemon(
		    flags, 0, NULL, NULL, &on_request, NULL, MHD_OPTION_EXTERNAL_LOGGER, &mhd_log,
		    NULL, MHD_OPTION_CONNECTION_LIMIT, mhd_limit, MHD_OPTION_CONNECTION_TIMEOUT,
		    (unsigned)cfg.conn_timeout, MHD_OPTION_CONNECTION_MEMORY_LIMIT, cfg.conn_memory,
		    MHD_OPTION_NOTIFY_COMPLETED, &on_completed, NULL, MHD_OPTION_NOTIFY_CONNECTION,
		    &conn_notify, (void *)(uintptr_t)nloops, MHD_OPTION_END);
		if (!loops[nloops])
			break;
	}
	if (nloops < n || workers_start(cfg.threads, cfg.queue_limit, db_job, db_drop) < 0 ||
	    conn_start(loops, nloops, listen_fd) < 0) {
		log_msgf(LOG_ERROR, "cannot start the HTTP server on %s:%u", cfg.listen_host,
			 cfg.listen_port);
		workers_stop();
		stop_loops();
		close(listen_fd);
		listen_fd = -1;
		return -1;
	}
	atomic_store(&keeper_stop, false);
	pthread_create(&keeper, NULL, keeper_main, NULL);
	log_msgf(LOG_INFO, "listening on http://%s:%u with %u HTTP threads and %u database workers",
		 cfg.listen_host, cfg.listen_port, nloops, cfg.threads);
	return 0;
}

void http_stop(void)
{
	if (!nloops)
		return;
	/* stop accepting, let requests handed to the database workers finish and their answers go
	 * out (10 s at most); the listening socket is closed at once, so new connections are
	 * refused (a load balancer moves on) instead of waiting in the backlog unserved */
	conn_stop_accepting();
	close(listen_fd);
	listen_fd = -1;
	/* end the event streams first (each sends its last block and closes), at most 2 s:
	 * libmicrohttpd must not be stopped with a connection suspended */
	http_streams_end(2000);
	for (int i = 0; i < 1000 && atomic_load(&db_pending) > 0; i++) {
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	/* nothing is suspended after this: every queued request got its answer */
	workers_stop();
	stop_loops();
	conn_stop();
	pthread_mutex_lock(&keeper_mu);
	atomic_store(&keeper_stop, true);
	pthread_cond_signal(&keeper_cv);
	pthread_mutex_unlock(&keeper_mu);
	pthread_join(keeper, NULL);
	log_msg(LOG_INFO, "stopped", NULL);
}

int http_open_connections(void)
{
	struct conn_stats cs;
	conn_stats(&cs);
	return cs.open;
}

void http_health(struct http_health *h)
{
	struct conn_stats cs;
	struct workers_stats ws;
	conn_stats(&cs);
	workers_stats(&ws);
	memset(h, 0, sizeof *h);
	h->db_reachable = ws.db_reachable;
	h->schema = ws.schema;
	h->schema_version = ws.schema_version;
	h->http_workers = cs.workers;
	h->http_alive = cs.workers_alive;
	h->stuck_worker = cs.stuck_worker;
	h->stuck_seconds = cs.stuck_seconds;
	h->db_workers = ws.workers;
	h->db_busy = ws.busy;
	h->queued = ws.queued;
	h->oldest_job_seconds = ws.oldest_busy_seconds;
}

int http_inflight(void)
{
	return atomic_load(&inflight);
}
