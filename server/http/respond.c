/*
 * Responding: the reply a request's handler (or admission) set, queued on its
 * connection with the headers every answer carries, gzipped when it pays.
 */
#include "fieldd/config.h"
#include "fieldd/http.h"
#include "fieldd/util.h"
#include "http_int.h"

#include <microhttpd.h>
#include <string.h>
#include <strings.h>

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

enum MHD_Result http_respond(struct http_req *r)
{
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
