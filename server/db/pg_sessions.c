/* Sessions, login throttling, idempotency keys and housekeeping. */
#include "fieldd/arena.h"
#include "fieldd/db.h"
#include "fieldd/auth.h"
#include "fieldd/pg.h"
#include "fieldd/pg_events.h"

#include <stdio.h>
#include <stdlib.h>

DB_STMT(q_session_insert, "INSERT INTO sessions (token_hash, user_id, expires_at)"
			  " VALUES ($1, $2::bigint, now() + make_interval(hours => $3::int))"
			  " RETURNING expires_at");

int pg_session_insert(struct db *db, struct arena *a, const char *token_hash, int64_t user_id,
		      unsigned hours, const char **expires_at)
{
	char uid[24], h[16];
	snprintf(uid, sizeof uid, "%lld", (long long)user_id);
	snprintf(h, sizeof h, "%u", hours);
	struct db_rows rows;
	int rc = db_exec(db, a, &q_session_insert, &rows, DB_ARGS(token_hash, uid, h));
	if (rc > 0)
		*expires_at = db_time(a, &rows, 0, "expires_at");
	return rc;
}

/* The session lookup every authenticated request makes (benchmarked). */
DB_STMT(q_session_user, "SELECT " PG_USER_COLS " FROM sessions s JOIN users u ON u.id = s.user_id"
			" WHERE s.token_hash = $1 AND s.expires_at > now() AND u.active");

int pg_session_user(struct db *db, struct arena *a, const char *token_hash, struct auth_user *u)
{
	struct db_rows rows;
	int rc = db_exec(db, a, &q_session_user, &rows, DB_ARGS(token_hash));
	if (rc <= 0)
		return rc;
	struct user_row *row = arena_alloc(a, sizeof *row);
	pg_user_from_rows(a, &rows, 0, row);
	u->row = row;
	u->id = row->id;
	u->login = row->login;
	u->name = row->name;
	u->role = row->role;
	u->role_bit = role_bit(u->role);
	u->team_id = row->team_id;
	return rc;
}

DB_STMT(q_session_delete, "DELETE FROM sessions WHERE token_hash = $1");

int pg_session_delete(struct db *db, struct arena *a, const char *token_hash)
{
	return db_exec(db, a, &q_session_delete, NULL, DB_ARGS(token_hash));
}

/* One login's failures: from this address in the pair window (with the age of
 * the last one) and from anywhere in the account window. */
DB_STMT(q_login_failures,
	"SELECT count(*) FILTER (WHERE addr = $2"
	"         AND at > now() - make_interval(mins => $3::int)) AS pair,"
	"       coalesce(extract(epoch FROM now() - max(at) FILTER (WHERE addr = $2)), 0)"
	"         ::float8 AS since_last,"
	"       count(*) AS account"
	"  FROM login_failures WHERE login = $1 AND at > now() - make_interval(hours => $4::int)");

int pg_login_failures(struct db *db, struct arena *a, const char *login, const char *addr,
		      int pair_minutes, int account_hours, struct login_failures *out)
{
	char m[16], h[16];
	snprintf(m, sizeof m, "%d", pair_minutes);
	snprintf(h, sizeof h, "%d", account_hours);
	struct db_rows rows;
	int rc = db_exec(db, a, &q_login_failures, &rows, DB_ARGS(login, addr, m, h));
	if (rc > 0) {
		out->pair = db_int(&rows, 0, "pair");
		out->account = db_int(&rows, 0, "account");
		out->since_last_s = strtod(db_val(&rows, 0, "since_last"), NULL);
	}
	return rc;
}

/* ---- device cookies (OWASP): a browser that logged in before ---- */

DB_STMT(q_devcookie_live,
	"SELECT 1 AS one FROM device_cookies WHERE token_hash = $1"
	" AND user_id = $2::bigint AND expires_at > now() AND failures < $3::int");

int pg_devcookie_live(struct db *db, struct arena *a, const char *token_hash, int64_t user_id,
		      int max_failures)
{
	char uid[24], mf[16];
	snprintf(uid, sizeof uid, "%lld", (long long)user_id);
	snprintf(mf, sizeof mf, "%d", max_failures);
	return db_exec(db, a, &q_devcookie_live, NULL, DB_ARGS(token_hash, uid, mf));
}

DB_STMT(q_devcookie_failure, "UPDATE device_cookies SET failures = failures + 1"
			     " WHERE token_hash = $1 RETURNING failures");
DB_STMT(q_devcookie_delete, "DELETE FROM device_cookies WHERE token_hash = $1");

int pg_devcookie_failure(struct db *db, struct arena *a, const char *token_hash, int max_failures)
{
	struct db_rows rows;
	int rc = db_exec(db, a, &q_devcookie_failure, &rows, DB_ARGS(token_hash));
	if (rc > 0 && db_int(&rows, 0, "failures") >= max_failures)
		rc = db_exec(db, a, &q_devcookie_delete, NULL, DB_ARGS(token_hash));
	return rc;
}

DB_STMT(q_devcookie_renew, "UPDATE device_cookies SET failures = 0, last_used_at = now(),"
			   " expires_at = now() + make_interval(days => $2::int)"
			   " WHERE token_hash = $1");

int pg_devcookie_renew(struct db *db, struct arena *a, const char *token_hash, int days)
{
	char d[16];
	snprintf(d, sizeof d, "%d", days);
	return db_exec(db, a, &q_devcookie_renew, NULL, DB_ARGS(token_hash, d));
}

DB_STMT(q_devcookie_insert, "INSERT INTO device_cookies (token_hash, user_id, expires_at)"
			    " VALUES ($1, $2::bigint, now() + make_interval(days => $3::int))");
/* an account keeps its newest few: a script that logs in without cookies adds no rows for ever */
DB_STMT(q_devcookie_trim,
	"DELETE FROM device_cookies WHERE user_id = $1::bigint AND token_hash"
	" NOT IN (SELECT token_hash FROM device_cookies WHERE user_id = $1::bigint"
	" ORDER BY last_used_at DESC, created_at DESC LIMIT $2::int)");

int pg_devcookie_insert(struct db *db, struct arena *a, const char *token_hash, int64_t user_id,
			int days, int keep)
{
	char uid[24], d[16], k[16];
	snprintf(uid, sizeof uid, "%lld", (long long)user_id);
	snprintf(d, sizeof d, "%d", days);
	snprintf(k, sizeof k, "%d", keep);
	int rc = db_exec(db, a, &q_devcookie_insert, NULL, DB_ARGS(token_hash, uid, d));
	if (rc >= 0)
		rc = db_exec(db, a, &q_devcookie_trim, NULL, DB_ARGS(uid, k));
	return rc;
}

DB_STMT(q_login_failure_add, "INSERT INTO login_failures (login, addr) VALUES ($1, $2)");

int pg_login_failure_add(struct db *db, struct arena *a, const char *login, const char *addr)
{
	return db_exec(db, a, &q_login_failure_add, NULL, DB_ARGS(login, addr));
}

DB_STMT(q_login_failures_clear, "DELETE FROM login_failures WHERE login = $1");

int pg_login_failures_clear(struct db *db, struct arena *a, const char *login)
{
	return db_exec(db, a, &q_login_failures_clear, NULL, DB_ARGS(login));
}

/* Transaction-scoped, so it is released at COMMIT/ROLLBACK; class 1001 = idempotency. */
DB_STMT(q_idem_lock, "SELECT pg_try_advisory_xact_lock(1001, hashtext($1 || ':' || $2)) AS got");

int pg_idem_try_lock(struct db *db, struct arena *a, int64_t user_id, const char *key, bool *got)
{
	char uid[24];
	snprintf(uid, sizeof uid, "%lld", (long long)user_id);
	struct db_rows rows;
	int rc = db_exec(db, a, &q_idem_lock, &rows, DB_ARGS(uid, key));
	*got = rc > 0 && db_bool(&rows, 0, "got");
	return rc;
}

DB_STMT(q_idem_get,
	"SELECT request_hash, status, content_type, body, location FROM idempotency_keys"
	" WHERE user_id = $1::bigint AND key = $2");

int pg_idem_get(struct db *db, struct arena *a, int64_t user_id, const char *key,
		struct idem_row *out)
{
	char uid[24];
	snprintf(uid, sizeof uid, "%lld", (long long)user_id);
	struct db_rows rows;
	int rc = db_exec(db, a, &q_idem_get, &rows, DB_ARGS(uid, key));
	if (rc > 0) {
		out->request_hash = db_val(&rows, 0, "request_hash");
		out->status = (int)db_int(&rows, 0, "status");
		out->content_type = db_val(&rows, 0, "content_type");
		out->body = db_val(&rows, 0, "body");
		out->location = db_val(&rows, 0, "location");
	}
	return rc;
}

DB_STMT(q_idem_put, "INSERT INTO idempotency_keys"
		    " (user_id, key, method, route, request_hash, status, content_type, body,"
		    " location) VALUES ($1::bigint, $2, $3, $4, $5, $6::int, $7, $8, $9)");

int pg_idem_put(struct db *db, struct arena *a, int64_t user_id, const char *key,
		const char *method, const char *route, const char *request_hash, int status,
		const char *ctype, const char *body, const char *location)
{
	char uid[24], st[8];
	snprintf(uid, sizeof uid, "%lld", (long long)user_id);
	snprintf(st, sizeof st, "%d", status);
	return db_exec(db, a, &q_idem_put, NULL,
		       DB_ARGS(uid, key, method, route, request_hash, st, ctype, body, location));
}

DB_STMT(q_ping, "SELECT 1 AS one");

int pg_ping(struct db *db)
{
	struct arena *a = arena_new();
	int rc = db_exec(db, a, &q_ping, NULL, 0, NULL);
	arena_free(a);
	return rc;
}

/* Keys are kept 14 days: phones replay offline queues for up to 7. */
DB_STMT(q_prune_idem, "DELETE FROM idempotency_keys WHERE created_at < now() - interval '14 days'");
DB_STMT(q_prune_sessions, "DELETE FROM sessions WHERE expires_at < now()");
DB_STMT(q_prune_failures, "DELETE FROM login_failures WHERE at < now() - interval '1 day'");
DB_STMT(q_prune_devices, "DELETE FROM device_cookies WHERE expires_at < now()");

int pg_housekeeping(struct db *db, struct arena *a)
{
	int rc = db_exec(db, a, &q_prune_idem, NULL, 0, NULL);
	if (rc >= 0)
		rc = db_exec(db, a, &q_prune_sessions, NULL, 0, NULL);
	if (rc >= 0)
		rc = db_exec(db, a, &q_prune_failures, NULL, 0, NULL);
	if (rc >= 0)
		rc = db_exec(db, a, &q_prune_devices, NULL, 0, NULL);
	if (rc >= 0)
		rc = pg_events_prune(db, a); /* the change feed's retention (pg_events.c) */
	return rc;
}
