/*
 * The web apps' front door, "/": a browser with a live session cookie goes
 * to its app (303: engineers and leads to /m/, dispatchers and admins to
 * /dispatch/); anyone else gets the login page, mobile-web/index.html. The
 * other web files are served by server/http/static.c without a handler.
 */
#include "fieldd/config.h"
#include "fieldd/db.h"
#include "fieldd/handlers.h"
#include "fieldd/pg.h"
#include "fieldd/util.h"

#include <microhttpd.h>
#include <string.h>

int h_web_root(struct http_req *r, struct db *db)
{
	const char *token = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND,
							cfg.secure_cookies ? "__Host-fieldd_session"
									   : "fieldd_session");
	if (token && *token) {
		struct auth_user u;
		memset(&u, 0, sizeof u);
		int rc = pg_session_user(db, r->a, util_sha256_hex(r->a, token, strlen(token)), &u);
		if (rc < 0)
			return rc;
		if (rc > 0) {
			bool field = u.role_bit & (ROLE_ENGINEER | ROLE_LEAD);
			reply_empty(r, 303);
			reply_add_header(r, "Location", field ? "/m/" : "/dispatch/");
			reply_add_header(r, "Vary", "Cookie");
			return 0;
		}
	}
	/* who is signed in decides the answer: caches must key on the cookie too */
	http_static_reply(r, "index.html", "Accept-Encoding, Cookie");
	return 0;
}
