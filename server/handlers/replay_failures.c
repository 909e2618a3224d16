/*
 * Replays refused on an engineer's phone (SPEC §7, the board's lane).
 *
 * The phone app replays the steps it queued offline; when the server refuses
 * one for good (a 4xx other than 401/408/429, which the phone retries), the
 * phone reports it here with the refused request and the problem it got. The
 * report is kept with who and when; the desk and the reporter's lead see it on
 * the board until one of them marks it handled (audited). Reports travel on
 * the event stream as kind replay_failure (trigger in 60_events.sql).
 */
#include "fieldd/db.h"
#include "fieldd/domain.h"
#include "fieldd/handlers.h"
#include "fieldd/handlers_replays.h"
#include "fieldd/jspec.h"
#include "fieldd/pg.h"
#include "fieldd/pg_replays.h"
#include "fieldd/util.h"

#include <string.h>
#include <time.h>

static const char *const methods[] = {"POST", "PUT", "PATCH", "DELETE", NULL};
static const char *const states[] = {"open", "handled", NULL};

static int reply_failure(struct http_req *r, struct db *db, int64_t id, int status)
{
	struct viewer v;
	viewer_of(r, &v);
	const char *doc;
	int rc = pg_replay_failure_doc(db, r->a, id, &v, &doc);
	if (rc <= 0)
		return rc < 0 ? rc : DB_HARD;
	reply_doc(r, status, doc);
	return 0;
}

int h_me_replay_failure_create(struct http_req *r, struct db *db)
{
	struct replay_failure_new f = {.engineer_id = r->user->id};
	const struct jfield spec[] = {
	    {"method", J_ENUM, true, false, 0, 0, methods, &f.method, NULL},
	    {"path", J_STRING, true, false, 8, 300, NULL, &f.path, NULL},
	    {"status", J_INT, true, false, 400, 499, NULL, &f.status, NULL},
	    {"code", J_STRING, false, true, 1, 100, NULL, &f.code, NULL},
	    {"detail", J_STRING, false, true, 0, 2000, NULL, &f.detail, NULL},
	    {"at", J_TIME, true, false, 0, 0, NULL, &f.at, NULL},
	    {"idempotency_key", J_STRING, true, false, 1, 200, NULL, &f.idempotency_key, NULL},
	    JSPEC_END,
	};
	if (!http_parse_body(r, spec))
		return 0;
	if (strncmp(f.path, "/api/v1/", 8) != 0) {
		reply_invalid(r, "path", "must be a path of this API (/api/v1/...)");
		return 0;
	}
	if (f.status == 401 || f.status == 408 || f.status == 429) {
		reply_invalid(r, "status",
			      "401, 408 and 429 are retried by the phone, not reported");
		return 0;
	}
	time_t at;
	if (util_parse_rfc3339(f.at, &at) < 0) {
		reply_invalid(r, "at", "must be an RFC 3339 date-time with offset");
		return 0;
	}
	const char *why = domain_step_at((long)at, (long)time(NULL), 0);
	if (why) {
		reply_invalid(r, "at", why);
		return 0;
	}
	int64_t id;
	bool created;
	int rc = pg_replay_failure_insert(db, r->a, &f, &id, &created);
	if (rc <= 0)
		return rc < 0 ? rc : DB_HARD;
	if ((rc = reply_failure(r, db, id, created ? 201 : 200)) < 0)
		return rc;
	/* after the reply: a reply drops the headers set before it */
	reply_add_header(r, "Location",
			 arena_printf(r->a, "/api/v1/replay-failures/%lld", (long long)id));
	return 0;
}

int h_replay_failures_list(struct http_req *r, struct db *db)
{
	struct replay_failure_filter f = {0};
	int limit;
	int64_t cursor;
	if (!http_page(r, 50, 500, &limit, &cursor))
		return 0;
	f.state = http_query(r, "state");
	if (f.state && !strcmp(f.state, "all"))
		f.state = NULL;
	else if (f.state && strcmp(f.state, states[0]) && strcmp(f.state, states[1])) {
		reply_problem(r, ERR_BAD_QUERY, "state must be open, handled or all");
		return 0;
	}
	const char *keys[] = {"engineer_id", "ticket_id"};
	int64_t *outs[] = {&f.engineer_id, &f.ticket_id};
	for (int i = 0; i < 2; i++) {
		const char *q = http_query(r, keys[i]);
		if (q && util_parse_id(q, outs[i]) < 0) {
			reply_problem(r, ERR_BAD_QUERY,
				      arena_printf(r->a, "%s must be an id", keys[i]));
			return 0;
		}
	}
	struct viewer v;
	viewer_of(r, &v);
	struct db_rows rows;
	int rc = pg_replay_failure_list(db, r->a, &f, &v, cursor, limit + 1, &rows);
	if (rc < 0)
		return rc;
	reply_doc_list(r, &rows, limit);
	return 0;
}

int h_replay_failures_get(struct http_req *r, struct db *db)
{
	int64_t id;
	if (http_param_id(r, 0, &id) < 0)
		return 0;
	struct viewer v;
	viewer_of(r, &v);
	const char *doc;
	int rc = pg_replay_failure_doc(db, r->a, id, &v, &doc);
	if (rc < 0)
		return rc;
	if (rc == 0) {
		reply_problem(r, ERR_NOT_FOUND, "no such replay failure");
		return 0;
	}
	reply_doc(r, 200, doc);
	return 0;
}

int h_replay_failure_handle(struct http_req *r, struct db *db)
{
	int64_t id;
	if (http_param_id(r, 0, &id) < 0)
		return 0;
	const char *note = NULL;
	const struct jfield spec[] = {
	    {"note", J_STRING, false, true, 0, 2000, NULL, &note, NULL},
	    JSPEC_END,
	};
	if (!http_parse_body(r, spec))
		return 0;
	struct viewer v;
	viewer_of(r, &v);
	bool handled;
	int64_t ticket, visit;
	int rc = pg_replay_failure_lock(db, r->a, id, &v, &handled, &ticket, &visit);
	if (rc < 0)
		return rc;
	if (rc == 0) {
		reply_problem(r, ERR_NOT_FOUND, "no such replay failure");
		return 0;
	}
	if (handled) {
		reply_problem(r, ERR_CONFLICT, "this replay failure is already marked handled");
		return 0;
	}
	if ((rc = pg_replay_failure_handle(db, r->a, id, r->user->id, note)) < 0)
		return rc;
	return reply_failure(r, db, id, 200);
}
