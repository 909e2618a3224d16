/*
 * Authentication: the one place where a route's roles are checked
 * (docs/architecture.md, "The request walk"). Runs on a database worker: the
 * session is looked up in PostgreSQL by the hash of its token, from the
 * Authorization header or the session cookie; cookie-authenticated writes
 * must come from this site (CSRF).
 */
#include "fieldd/config.h"
#include "fieldd/db.h"
#include "fieldd/http.h"
#include "fieldd/pg.h"
#include "fieldd/util.h"
#include "http_int.h"

#include <microhttpd.h>
#include <string.h>
#include <strings.h>

#define COOKIE_PLAIN "fieldd_session"
#define COOKIE_HOST  "__Host-fieldd_session"

static bool is_write(const char *m)
{
	return strcmp(m, "GET") && strcmp(m, "HEAD") && strcmp(m, "OPTIONS");
}

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

/* HTTP_GO when the request may go on; otherwise (HTTP_REPLIED) a reply is set. */
enum http_go http_authenticate(struct http_req *r)
{
	bool via_cookie;
	const char *token = session_token(r, &via_cookie);
	if (!token) {
		reply_problem(r, ERR_UNAUTHENTICATED, "log in first: POST /api/v1/session");
		reply_add_header(r, "WWW-Authenticate", "Bearer");
		return HTTP_REPLIED;
	}
	struct db *db = db_thread();
	if (!db) {
		reply_problem(r, ERR_DB_UNAVAILABLE, "try again shortly");
		reply_add_header(r, "Retry-After", "5");
		return HTTP_REPLIED;
	}
	struct auth_user *u = arena_alloc(r->a, sizeof *u);
	u->token_hash = util_sha256_hex(r->a, token, strlen(token));
	int rc = pg_session_user(db, r->a, u->token_hash, u);
	if (rc == DB_SOFT && (db = db_thread()) != NULL) /* connection was lost: once more */
		rc = pg_session_user(db, r->a, u->token_hash, u);
	if (rc < 0) {
		reply_problem(r, ERR_DB_UNAVAILABLE, "try again shortly");
		reply_add_header(r, "Retry-After", "5");
		return HTTP_REPLIED;
	}
	if (rc == 0) {
		reply_problem(r, ERR_UNAUTHENTICATED, "the session has expired or was ended");
		reply_add_header(r, "WWW-Authenticate", "Bearer error=\"invalid_token\"");
		return HTTP_REPLIED;
	}
	u->via_cookie = via_cookie;
	r->user = u;
	if (!(r->route->roles & u->role_bit)) {
		reply_problem(r, ERR_FORBIDDEN,
			      arena_printf(r->a, "the %s role cannot do this", u->role));
		return HTTP_REPLIED;
	}
	if (via_cookie && is_write(r->method) && !origin_ok(r)) {
		reply_problem(r, ERR_CSRF, "cookie-authenticated writes must come from this site");
		return HTTP_REPLIED;
	}
	return HTTP_GO;
}
