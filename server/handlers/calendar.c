/*
 * Calendar feeds and customer invitations (SPEC §5).
 *
 * GET  /api/v1/me/calendar          issue feed URLs (once) / say when they were issued
 * POST /api/v1/me/calendar/rotate   revoke every feed URL of the caller, issue new ones
 * GET  /cal/{token}.ics             a feed: the token is the credential
 * GET  /t/{tracking}/appointment.ics  the customer's invitation for the ticket's latest visit
 *
 * With FIELDD_SECRET, a token is an HMAC-SHA-256, under the secret's SHA-256,
 * of its owner, its scope and a random nonce (migration 0008): the database
 * keeps the nonce and the token's SHA-256, never the token or anything it can
 * be made from without the secret, and GET shows every URL it can derive
 * again. Without the secret a token is random and its URL is shown once, in
 * the reply that issues it. GET issues the missing tokens; rotate replaces
 * them (the old ones stop working at once). Both routes skip idempotency
 * replay: a stored reply would hold the token in clear.
 *
 * The feed route reads the feed's validator first (one indexed row) and
 * builds the feed only when the process's cache holds no body for it; a
 * matching If-None-Match or If-Modified-Since is answered 304 from the
 * validator alone.
 */
#include "fieldd/config.h"
#include "fieldd/handlers.h"
#include "fieldd/jspec.h"
#include "fieldd/ical.h"
#include "fieldd/jspec.h"
#include "fieldd/pg.h"
#include "fieldd/util.h"

#include <json-c/json.h>
#include <sodium.h>
#include <string.h>
#include <time.h>

#define TOKEN_MAX 128

/* A token or tracking code as we issue them: base64url, 43 characters. */
static bool capability_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n < 16 || n > TOKEN_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return false;
	}
	return true;
}

static struct ical_opts opts(void)
{
	struct ical_opts o = {
	    .tzid = cfg.tz,
	    .organizer_email = cfg.organizer,
	    .organizer_name = "fieldd",
	    .prodid = "-//fieldd//fieldd " FIELDD_VERSION "//KO",
	};
	return o;
}

/* base_url with its scheme replaced by webcal:// (what phones hand to the calendar app). */
static const char *webcal(struct arena *a, const char *url)
{
	const char *rest = strstr(url, "://");
	return arena_printf(a, "webcal%s", rest ? rest : url);
}

/* ---- issuing ---- */

struct issued {
	const char *url[2]; /* own, team; NULL when it cannot be shown */
	const char *issued_at;
	bool any;
};

static const char *const scopes[2] = {"own", "team"};

/* The key tokens are derived under: the SHA-256 of FIELDD_SECRET; false without one. */
static bool feed_key(unsigned char key[32])
{
	if (!cfg.secret)
		return false;
	crypto_hash_sha256(key, (const unsigned char *)cfg.secret, strlen(cfg.secret));
	return true;
}

/* The token for (user, scope, nonce) under key: base64url, 43 characters. */
static const char *derive(struct arena *a, const unsigned char key[32], int64_t user,
			  const char *scope, const char *nonce)
{
	const char *msg =
	    arena_printf(a, "fieldd-feed-v1\n%lld\n%s\n%s", (long long)user, scope, nonce);
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256(mac, (const unsigned char *)msg, strlen(msg), key);
	const char *out = util_base64url(a, mac, sizeof mac);
	sodium_memzero(mac, sizeof mac);
	return out;
}

static const char *feed_url(struct arena *a, const char *token)
{
	return arena_printf(a, "%s/cal/%s.ics", cfg.base_url, token);
}

/* key NULL: a random token, shown only now. */
static int issue(struct http_req *r, struct db *db, const unsigned char *key, int scope,
		 struct issued *out)
{
	const char *nonce = key ? util_new_token(r->a) : NULL;
	const char *token =
	    key ? derive(r->a, key, r->user->id, scopes[scope], nonce) : util_new_token(r->a);
	const char *created;
	int rc = pg_calendar_issue(db, r->a, r->user->id, scopes[scope],
				   util_sha256_hex(r->a, token, strlen(token)), nonce, &created);
	if (rc <= 0)
		return rc; /* 0: a twin request issued it first */
	out->url[scope] = feed_url(r->a, token);
	if (scope == 0 || !out->issued_at)
		out->issued_at = created;
	out->any = true;
	return rc;
}

/* The URL of a stored token when it can be derived again: it has a nonce, and the key
 * it was issued under is the key now. */
static const char *shown_again(struct http_req *r, const unsigned char *key,
			       const struct cal_token_row *t)
{
	if (!key || !t->nonce || !t->token_hash)
		return NULL;
	const char *token = derive(r->a, key, r->user->id, t->scope, t->nonce);
	if (strcmp(util_sha256_hex(r->a, token, strlen(token)), t->token_hash) != 0)
		return NULL;
	return feed_url(r->a, token);
}

static void reply_urls(struct http_req *r, const struct issued *s)
{
	struct json_object *o = json_object_new_object();
	static const char *const keys[2][2] = {{"feed_url", "webcal_url"},
					       {"team_feed_url", "team_webcal_url"}};
	bool lead = r->user->role_bit == ROLE_LEAD;
	for (int k = 0; k < (lead ? 2 : 1); k++) {
		json_object_object_add(o, keys[k][0], s->url[k] ? jstr(s->url[k]) : NULL);
		json_object_object_add(o, keys[k][1],
				       s->url[k] ? jstr(webcal(r->a, s->url[k])) : NULL);
	}
	json_object_object_add(o, "issued_at", s->issued_at ? jstr(s->issued_at) : NULL);
	json_object_object_add(o, "issued_now", jbool(s->any));
	reply_json(r, 200, o);
}

int h_me_calendar(struct http_req *r, struct db *db)
{
	unsigned char buf[32];
	const unsigned char *key = feed_key(buf) ? buf : NULL;
	struct cal_token_row *have;
	int rc = pg_calendar_tokens(db, r->a, r->user->id, &have);
	int n = rc;
	struct issued s = {0};
	int wanted = r->user->role_bit == ROLE_LEAD ? 2 : 1;
	for (int k = 0; k < wanted && rc >= 0; k++) {
		const struct cal_token_row *t = NULL;
		for (int i = 0; i < n; i++)
			if (!strcmp(have[i].scope, scopes[k]))
				t = &have[i];
		if (t) {
			s.url[k] = shown_again(r, key, t);
			if (k == 0 || !s.issued_at)
				s.issued_at = t->created_at;
			continue;
		}
		if ((rc = issue(r, db, key, k, &s)) == 0)
			rc = DB_SOFT; /* a twin request issued it first: run again */
	}
	sodium_memzero(buf, sizeof buf);
	if (rc < 0)
		return rc;
	reply_urls(r, &s);
	return 0;
}

int h_me_calendar_rotate(struct http_req *r, struct db *db)
{
	/* no fields: an empty body or {} */
	const struct jfield spec[] = {JSPEC_END};
	if (!http_parse_body(r, spec))
		return 0;
	unsigned char buf[32];
	const unsigned char *key = feed_key(buf) ? buf : NULL;
	int rc = pg_calendar_revoke(db, r->a, r->user->id);
	struct issued s = {0};
	int wanted = r->user->role_bit == ROLE_LEAD ? 2 : 1;
	for (int k = 0; k < wanted && rc >= 0; k++)
		if ((rc = issue(r, db, key, k, &s)) == 0)
			rc = DB_SOFT; /* a concurrent rotate: run again */
	sodium_memzero(buf, sizeof buf);
	if (rc < 0)
		return rc;
	reply_urls(r, &s);
	return 0;
}

/* ---- serving ---- */

/* The same on 200 and 304 (RFC 9110 §15.4.5). modified 0: no Last-Modified. */
static void validators(struct http_req *r, const char *etag, time_t modified)
{
	reply_add_header(r, "ETag", etag);
	if (modified > 0) {
		char date[40];
		http_date_format(modified, date, sizeof date);
		reply_add_header(r, "Last-Modified", date);
	}
	reply_add_header(r, "Cache-Control", "private");
}

int h_calendar_feed(struct http_req *r, struct db *db)
{
	const char *token = http_param(r, 0);
	if (!capability_ok(token)) {
		reply_problem(r, ERR_NOT_FOUND, "no such calendar feed");
		return 0;
	}
	struct cal_feed_head h;
	int rc = pg_calendar_feed_head(db, r->a, util_sha256_hex(r->a, token, strlen(token)), &h);
	if (rc < 0)
		return rc;
	if (rc == 0) {
		reply_problem(r, ERR_NOT_FOUND, "no such calendar feed (unknown or revoked)");
		return 0;
	}
	const struct ical_cached *c = ical_cache_get(r->a, h.owner, h.scope, h.validator);
	if (!c) {
		struct ical_event *ev;
		size_t n;
		if ((rc = pg_calendar_feed_events(db, r->a, h.owner, h.scope, &ev, &n)) < 0)
			return rc;
		for (size_t i = 0; i < n; i++)
			ev[i].url = arena_printf(r->a, "%s/m/#/visits/%lld", cfg.base_url,
						 (long long)ev[i].visit_id);
		bool team = !strcmp(h.scope, "team");
		struct ical_feed f = {
		    .name = team ? arena_printf(r->a, "%s 방문 일정",
						*h.team_names
						    ? h.team_names
						    : arena_printf(r->a, "%s 팀", h.owner_name))
				 : arena_printf(r->a, "%s 방문 일정", h.owner_name),
		    .team = team,
		    .events = ev,
		    .n = n,
		};
		struct ical_opts o = opts();
		size_t len;
		const char *text = ical_feed_text(r->a, &o, &f, &len);
		c = ical_cache_put(r->a, h.owner, h.scope, h.validator, text, len);
	}
	/*
	 * If-Modified-Since is judged against the mark itself; the header never names a time in
	 * the future (a mark runs ahead of the clock when changes come faster than one a second),
	 * so a client may hold an earlier date than the mark and get one 200 too many, never a
	 * 304 too many.
	 */
	time_t now = time(NULL), shown = h.modified < now ? h.modified : now;
	if (http_not_modified(r, c->etag, h.modified))
		reply_empty(r, 304);
	else
		reply_raw(r, 200, "text/calendar; charset=utf-8", c->body, c->len);
	validators(r, c->etag, shown);
	return 0;
}

int h_appointment_ics(struct http_req *r, struct db *db)
{
	const char *tracking = http_param(r, 0);
	if (!capability_ok(tracking)) {
		reply_problem(r, ERR_NOT_FOUND, "no such ticket");
		return 0;
	}
	struct ical_event e;
	int rc = pg_calendar_appointment(db, r->a, tracking, public_tracking_days(), &e);
	if (rc < 0)
		return rc;
	if (rc == 0) {
		reply_problem(r, ERR_NOT_FOUND, "no appointment for this ticket yet");
		return 0;
	}
	e.url = arena_printf(r->a, "%s/t/%s", cfg.base_url, tracking);
	e.customer_phone = NULL; /* the customer's own page: nothing to call */
	struct ical_opts o = opts();
	const char *method;
	size_t len;
	const char *text = ical_invitation_text(r->a, &o, &e, &method, &len);
	/* ETag only: names of people on the visit can change without moving its DTSTAMP, so
	 * a date would not be an exact validator here */
	const char *etag = arena_printf(r->a, "\"%s\"", util_sha256_hex(r->a, text, len));
	if (http_not_modified(r, etag, 0))
		reply_empty(r, 304);
	else
		reply_raw(r, 200,
			  arena_printf(r->a, "text/calendar; charset=utf-8; method=%s", method),
			  text, len);
	validators(r, etag, 0);
	reply_add_header(
	    r, "Content-Disposition",
	    arena_printf(r->a, "attachment; filename=\"%s.ics\"",
			 e.ticket_number && *e.ticket_number ? e.ticket_number : "appointment"));
	return 0;
}
