/*
 * The handler inside its transaction: the JSON body tokenized, then the
 * route's handler run in a transaction of the route's isolation, with the
 * Idempotency-Key check and store in the same transaction, retried a bounded
 * number of times when PostgreSQL says to (serialization failure, deadlock,
 * lost connection). Runs on a database worker, or on the event loop for the
 * routes that need no database.
 */
#include "fieldd/db.h"
#include "fieldd/http.h"
#include "fieldd/jspec.h"
#include "fieldd/pg.h"
#include "fieldd/util.h"
#include "http_int.h"

#include <string.h>
#include <strings.h>

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

/* HTTP_GO: go on with the handler; HTTP_REPLIED: replayed or refused; < 0 db status. */
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
		return HTTP_REPLIED;
	}
	struct idem_row row;
	rc = pg_idem_get(db, r->a, uid, r->idem_key, &row);
	if (rc <= 0)
		return rc < 0 ? rc : HTTP_GO;
	if (strcmp(row.request_hash, hash) != 0) {
		reply_problem(r, ERR_IDEM_MISMATCH, "use a new key for a different request");
		return HTTP_REPLIED;
	}
	reply_raw(r, row.status, row.content_type, row.body ? row.body : "",
		  row.body ? strlen(row.body) : 0);
	if (row.location)
		reply_add_header(r, "Location", row.location);
	reply_add_header(r, "Idempotent-Replayed", "true");
	return HTTP_REPLIED;
}

/* The Location header the handler set, if any. */
static const char *reply_location(const struct http_req *r)
{
	for (const struct http_header *h = r->headers; h; h = h->next)
		if (!strcasecmp(h->name, "Location"))
			return h->value;
	return NULL;
}

struct handler_tx {
	struct http_req *r;
	const char *hash; /* of the request, when an Idempotency-Key applies */
	bool handler_ran; /* in the last attempt */
};

/* One attempt, inside the transaction db_tx_run() opened. */
static int handler_tx(struct db *db, void *ctx, bool *commit)
{
	struct handler_tx *t = ctx;
	struct http_req *r = t->r;
	const struct route *rt = r->route;
	r->commit_on_error = false;
	r->status = 0;
	t->handler_ran = false;
	int rc;
	if (t->hash) {
		rc = idem_check(r, db, t->hash);
		if (rc <= 0) { /* replayed or refused (0): nothing to keep */
			*commit = false;
			return rc;
		}
	}
	t->handler_ran = true;
	rc = rt->fn(r, db);
	if (rc < 0)
		return rc;
	if (r->status >= 400 && !r->commit_on_error) {
		*commit = false;
		return 0;
	}
	if (t->hash && r->status < 400) {
		rc = pg_idem_put(db, r->a, r->user ? r->user->id : 0, r->idem_key, r->method,
				 rt->pattern, t->hash, r->status, r->ctype, r->rbody,
				 reply_location(r));
		/* a twin committed first: go round and replay its answer */
		if (rc == DB_SOFT || (rc < 0 && db_err_unique(db)))
			return DB_SOFT;
		if (rc < 0)
			return rc;
	}
	return 0;
}

static void run_handler(struct http_req *r)
{
	const struct route *rt = r->route;
	if (rt->tx == TX_NONE) {
		if (rt->fn(r, NULL) < 0)
			reply_problem(r, ERR_INTERNAL, NULL);
		return;
	}
	struct handler_tx t = {.r = r};
	if (idem_applies(r)) {
		struct abuf b;
		abuf_init(&b, r->a);
		abuf_addf(&b, "%s %s\n", r->method, r->path);
		abuf_add(&b, r->body.buf, r->body.len);
		t.hash = util_sha256_hex(r->a, b.buf, b.len);
	}
	enum db_iso iso = rt->tx == TX_READ		     ? DB_READ_ONLY
			  : rt->flags & ROUTE_READ_COMMITTED ? DB_READ_COMMITTED
							     : DB_SERIALIZABLE;
	struct db *db = db_thread();
	int rc = db ? db_tx_run(db, iso, handler_tx, &t) : DB_SOFT; /* db/pool.c */
	if (rc >= 0)
		return;
	if (rc != DB_SOFT && t.handler_ran) {
		db_failure(r, db);
		return;
	}
	/* the attempts ran out, or the database went away before the handler could run */
	reply_problem(r, ERR_DB_UNAVAILABLE, "the database is busy or unreachable; try again");
	reply_add_header(r, "Retry-After", db && db_reachable() ? "1" : "5");
}

void http_run(struct http_req *r)
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
