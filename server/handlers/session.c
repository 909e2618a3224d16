/* Log in, log out, who am I. */
#include "fieldd/config.h"
#include "fieldd/db.h"
#include "fieldd/domain.h"
#include "fieldd/handlers.h"
#include "fieldd/jspec.h"
#include "fieldd/pg.h"
#include "fieldd/util.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <json-c/json.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* A valid hash to verify against when the login is unknown, so that the
 * answer takes as long as for a known login. */
static char dummy_hash[256];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static void make_dummy(void)
{
	struct arena *a = arena_new();
	const char *h = util_password_hash(a, "no such user, no such password");
	snprintf(dummy_hash, sizeof dummy_hash, "%s", h ? h : "");
	arena_free(a);
}

static const char *cookie_name(void)
{
	return cfg.secure_cookies ? "__Host-fieldd_session" : "fieldd_session";
}

static const char *device_cookie_name(void)
{
	return cfg.secure_cookies ? "__Host-fieldd_device" : "fieldd_device";
}

int h_session_create(struct http_req *r, struct db *db)
{
	const char *login = NULL, *password = NULL;
	const struct jfield spec[] = {
	    {.name = "login",
	     .type = J_STRING,
	     .required = true,
	     .min = 1,
	     .max = 64,
	     .out = &login},
	    {.name = "password",
	     .type = J_STRING,
	     .required = true,
	     .min = 1,
	     .max = 1024,
	     .out = &password},
	    JSPEC_END,
	};
	if (!http_parse_body(r, spec))
		return 0;
	char *lower = arena_strdup(r->a, login);
	for (char *p = lower; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	const char *addr = http_client_addr(r);

	struct user_row u;
	int rc = pg_user_by_login(db, r->a, lower, &u);
	if (rc < 0)
		return rc;
	bool known = rc > 0;
	/* a browser that logged in to this account before (docs/rules.md, "Logins") */
	const char *device =
	    MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, device_cookie_name());
	const char *device_hash = NULL;
	if (known && device && *device && strlen(device) <= 128) {
		const char *h = util_sha256_hex(r->a, device, strlen(device));
		rc = pg_devcookie_live(db, r->a, h, u.id, DOMAIN_DEVICE_MAX_FAILURES);
		if (rc < 0)
			return rc;
		if (rc > 0)
			device_hash = h;
	}
	struct login_failures lf = {0, 0, 0};
	rc = pg_login_failures(db, r->a, lower, addr, DOMAIN_LOGIN_PAIR_WINDOW_MIN,
			       DOMAIN_LOGIN_ACCOUNT_WINDOW_H, &lf);
	if (rc < 0)
		return rc;
	bool account_wide;
	long wait = domain_login_wait((long)lf.pair, lf.since_last_s, (long)lf.account,
				      device_hash != NULL, &account_wide);
	if (wait > 0) {
		reply_problem(r, ERR_RATE_LIMITED,
			      account_wide
				  ? "this account had too many failed logins today; log in from a "
				    "browser that logged in to it before, or try again later"
				  : arena_printf(r->a,
						 "too many failed logins for this login from this "
						 "address; try again in %ld seconds",
						 wait));
		reply_add_header(r, "Retry-After", arena_printf(r->a, "%ld", wait));
		return 0;
	}
	bool ok;
	if (!known) {
		pthread_once(&dummy_once, make_dummy);
		util_password_verify(dummy_hash, password);
		ok = false;
	} else {
		ok = util_password_verify(u.password_hash, password) && u.active;
	}
	if (!ok) {
		rc = device_hash
			 ? pg_devcookie_failure(db, r->a, device_hash, DOMAIN_DEVICE_MAX_FAILURES)
			 : pg_login_failure_add(db, r->a, lower, addr);
		if (rc < 0)
			return rc;
		reply_problem(r, ERR_BAD_CREDENTIALS, NULL);
		r->commit_on_error = true; /* the failure must count */
		return 0;
	}
	if ((rc = pg_login_failures_clear(db, r->a, lower)) < 0)
		return rc;
	const char *new_device = NULL;
	if (device_hash) {
		rc = pg_devcookie_renew(db, r->a, device_hash, DOMAIN_DEVICE_DAYS);
	} else {
		new_device = util_new_token(r->a);
		rc = pg_devcookie_insert(db, r->a,
					 util_sha256_hex(r->a, new_device, strlen(new_device)),
					 u.id, DOMAIN_DEVICE_DAYS, DOMAIN_DEVICE_PER_USER);
	}
	if (rc < 0)
		return rc;
	const char *token = util_new_token(r->a);
	const char *expires_at = NULL;
	rc = pg_session_insert(db, r->a, util_sha256_hex(r->a, token, strlen(token)), u.id,
			       cfg.session_hours, &expires_at);
	if (rc < 0)
		return rc;
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "token", jstr(token));
	json_object_object_add(o, "token_type", jstr("Bearer"));
	json_object_object_add(o, "expires_at", jstr(expires_at));
	json_object_object_add(o, "user", user_json(&u));
	reply_json(r, 201, o);
	/* the device cookie outlives sessions and logouts and never authenticates; added
	 * first, it is sent after the session cookie */
	reply_add_header(
	    r, "Set-Cookie",
	    arena_printf(r->a, "%s=%s; Path=/; Max-Age=%d; HttpOnly; SameSite=Strict%s",
			 device_cookie_name(), new_device ? new_device : device,
			 DOMAIN_DEVICE_DAYS * 86400, cfg.secure_cookies ? "; Secure" : ""));
	reply_add_header(r, "Set-Cookie",
			 arena_printf(r->a,
				      "%s=%s; Path=/; Max-Age=%u; HttpOnly; SameSite=Strict%s",
				      cookie_name(), token, cfg.session_hours * 3600,
				      cfg.secure_cookies ? "; Secure" : ""));
	return 0;
}

int h_session_delete(struct http_req *r, struct db *db)
{
	int rc = pg_session_delete(db, r->a, r->user->token_hash);
	if (rc < 0)
		return rc;
	reply_empty(r, 204);
	reply_add_header(r, "Set-Cookie",
			 arena_printf(r->a, "%s=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict%s",
				      cookie_name(), cfg.secure_cookies ? "; Secure" : ""));
	return 0;
}

int h_me(struct http_req *r, struct db *db)
{
	(void)db;
	reply_json(r, 200, user_json(r->user->row));
	return 0;
}
