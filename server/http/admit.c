/*
 * Admission: everything decided from the request head, on the event loop,
 * before any body is read or any database work is queued — the URL's length,
 * the requests in progress (FIELDD_MAX_INFLIGHT), the web files, the route
 * (404/405), the body's media type and size (415/413), the Idempotency-Key's
 * form and the guessing limit. Also holds the route table the server runs
 * and the count of requests in progress.
 */
#include "fieldd/config.h"
#include "fieldd/http.h"
#include "fieldd/router.h"
#include "fieldd/util.h"
#include "http_int.h"

#include <microhttpd.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_URL 2048

static const struct route *routes;
static size_t nroutes;
static atomic_int inflight;

void http_admit_init(const struct route *rt, size_t n)
{
	routes = rt;
	nroutes = n;
}

const struct route *http_route_table(size_t *n)
{
	*n = nroutes;
	return routes;
}

void http_inflight_enter(void)
{
	atomic_fetch_add(&inflight, 1);
}

void http_inflight_leave(void)
{
	atomic_fetch_sub(&inflight, 1);
}

int http_inflight(void)
{
	return atomic_load(&inflight);
}

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

void http_admit(struct http_req *r, const char *url)
{
	size_t uri_len = strlen(url);
	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, add_arg_len, &uri_len);
	if (uri_len > MAX_URL) {
		reply_problem(r, ERR_URI_TOO_LONG, NULL);
		return;
	}
	if (http_inflight() > (int)cfg.max_inflight) {
		reply_problem(r, ERR_OVERLOADED, "too many requests at once; try again shortly");
		reply_add_header(r, "Retry-After", "1");
		return;
	}
	if (http_static_serve(r, url)) /* web files: no database, answered here */
		return;
	char allow[64];
	int idx;
	switch (router_match(r->a, routes, nroutes, r->method, url, &idx, r->params, &r->nparams,
			     allow, sizeof allow)) {
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
	r->route = &routes[idx];
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
