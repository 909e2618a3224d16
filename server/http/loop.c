/*
 * The libmicrohttpd callbacks on the event loops: a request's arena made on
 * the first call, admission (admit.c), the body collected with its cap, the
 * hand-over to a database worker with the connection suspended (workers.c)
 * or the answer on the loop for what needs no database, the reply queued
 * (respond.c), and the access log line and teardown on completion.
 */
#include "fieldd/config.h"
#include "fieldd/log.h"
#include "fieldd/util.h"
#include "fieldd/http.h"
#include "http_int.h"

#include <json-c/json.h>
#include <microhttpd.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* handed to the database workers and not yet completed (queued, running or answering) */
static atomic_int db_pending;
static atomic_ulong request_seq;
static unsigned process_tag;

void http_loop_init(void)
{
	process_tag = randombytes_random();
}

int http_db_pending(void)
{
	return atomic_load(&db_pending);
}

static enum MHD_Result queue(struct http_req *r)
{
	r->done = true;
	if (r->stream) { /* GET /api/v1/events (stream.c) */
		if (r->status == 200) {
			/* a stream waits without a thread and is not a request in progress */
			if (r->counted_inflight)
				http_inflight_leave();
			r->counted_inflight = false;
			if (r->submitted) /* its database work is done */
				atomic_fetch_sub(&db_pending, 1);
			r->submitted = false;
			return http_stream_queue(r) ? MHD_YES : MHD_NO;
		}
		http_stream_drop(r);
	}
	return http_respond(r); /* respond.c */
}

/* Everything but the four operations routes waits for PostgreSQL somewhere. */
static bool needs_db(const struct http_req *r)
{
	return r->route->roles || r->route->tx != TX_NONE;
}

/* On a database worker: authenticate, run the handler, resume the connection. */
void http_db_job(struct http_req *r)
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
	} else if (!r->route->roles || http_authenticate(r)) { /* auth.c */
		http_run(r);				       /* txn.c */
	}
	if (!r->status)
		reply_problem(r, ERR_INTERNAL, "the handler set no reply");
	r->job_done = true;
	struct MHD_Connection *c = r->conn;
	MHD_resume_connection(c); /* r belongs to the event loop again */
}

/* Still queued at shutdown after the grace period. */
void http_db_drop(struct http_req *r)
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

enum MHD_Result http_on_request(void *cls, struct MHD_Connection *conn, const char *url,
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
		http_inflight_enter();
		r->counted_inflight = true;
		*con_cls = r;
		if (http_framing_ok(r, version)) /* framing.c */
			http_admit(r, url);	 /* admit.c */
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
		http_run(r);
	}
	if (!r->status)
		reply_problem(r, ERR_INTERNAL, "the handler set no reply");
	return queue(r);
}

void http_on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
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
		http_inflight_leave();
	if (r->submitted)
		atomic_fetch_sub(&db_pending, 1);
	arena_free(r->a);
}

void http_mhd_log(void *cls, const char *fmt, va_list ap)
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
