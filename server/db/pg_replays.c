/* Replays refused on an engineer's phone: reports, their list, marking one handled. */
#include "fieldd/arena.h"
#include "fieldd/db.h"
#include "fieldd/pg.h"
#include "fieldd/pg_replays.h"

static const char *num(struct arena *a, int64_t v)
{
	return arena_printf(a, "%lld", (long long)v);
}

static const char *id_or_null(struct arena *a, int64_t v)
{
	return v > 0 ? num(a, v) : NULL;
}

/* ON CONFLICT DO NOTHING returns no row for a repeat: the second half finds the first. */
DB_STMT(q_replay_insert,
	"WITH ins AS (INSERT INTO replay_failures (engineer_id, idempotency_key, method, path,"
	"  status, code, detail, failed_at, ticket_id, visit_id)"
	" VALUES ($1::bigint, $2, $3, $4, $5::int, $6, $7, $8::timestamptz,"
	"  replay_failure_ticket($4), replay_failure_visit($4))"
	" ON CONFLICT (engineer_id, idempotency_key) DO NOTHING RETURNING id)"
	" SELECT id, true AS created FROM ins"
	" UNION ALL SELECT f.id, false FROM replay_failures f"
	"  WHERE f.engineer_id = $1::bigint AND f.idempotency_key = $2"
	"  AND NOT EXISTS (SELECT 1 FROM ins)");

int pg_replay_failure_insert(struct db *db, struct arena *a, const struct replay_failure_new *f,
			     int64_t *id, bool *created)
{
	struct db_rows rows;
	int rc = db_exec(db, a, &q_replay_insert, &rows,
			 DB_ARGS(num(a, f->engineer_id), f->idempotency_key, f->method, f->path,
				 num(a, f->status), f->code, f->detail, f->at));
	if (rc > 0) {
		*id = db_int(&rows, 0, "id");
		*created = db_bool(&rows, 0, "created");
	}
	return rc;
}

DB_STMT(q_replay_doc, "SELECT replay_failure_doc(f)::text AS doc FROM replay_failures f"
		      " WHERE f.id = $1::bigint"
		      " AND replay_failure_visible(f, $2::bigint, $3, $4::bigint)");

int pg_replay_failure_doc(struct db *db, struct arena *a, int64_t id, const struct viewer *v,
			  const char **doc)
{
	struct db_rows rows;
	int rc = db_exec(db, a, &q_replay_doc, &rows,
			 DB_ARGS(num(a, id), num(a, v->id), v->role, id_or_null(a, v->team_id)));
	if (rc > 0)
		*doc = db_val(&rows, 0, "doc");
	return rc;
}

DB_STMT(q_replay_list, "SELECT f.id, replay_failure_doc(f)::text AS doc FROM replay_failures f"
		       " WHERE ($1::bigint = 0 OR f.id < $1::bigint)"
		       " AND ($3::text IS NULL OR (f.handled_at IS NULL) = ($3 = 'open'))"
		       " AND ($4::bigint IS NULL OR f.engineer_id = $4::bigint)"
		       " AND ($5::bigint IS NULL OR f.ticket_id = $5::bigint)"
		       " AND replay_failure_visible(f, $6::bigint, $7, $8::bigint)"
		       " ORDER BY f.id DESC LIMIT $2::int");

int pg_replay_failure_list(struct db *db, struct arena *a, const struct replay_failure_filter *f,
			   const struct viewer *v, int64_t cursor, int limit, struct db_rows *rows)
{
	return db_exec(db, a, &q_replay_list, rows,
		       DB_ARGS(num(a, cursor), arena_printf(a, "%d", limit), f->state,
			       id_or_null(a, f->engineer_id), id_or_null(a, f->ticket_id),
			       num(a, v->id), v->role, id_or_null(a, v->team_id)));
}

DB_STMT(q_replay_lock,
	"SELECT f.handled_at IS NOT NULL AS handled, coalesce(f.ticket_id, 0) AS ticket_id,"
	" coalesce(f.visit_id, 0) AS visit_id FROM replay_failures f WHERE f.id = $1::bigint"
	" AND replay_failure_visible(f, $2::bigint, $3, $4::bigint) FOR UPDATE");

int pg_replay_failure_lock(struct db *db, struct arena *a, int64_t id, const struct viewer *v,
			   bool *handled, int64_t *ticket, int64_t *visit)
{
	struct db_rows rows;
	int rc = db_exec(db, a, &q_replay_lock, &rows,
			 DB_ARGS(num(a, id), num(a, v->id), v->role, id_or_null(a, v->team_id)));
	if (rc > 0) {
		*handled = db_bool(&rows, 0, "handled");
		*ticket = db_int(&rows, 0, "ticket_id");
		*visit = db_int(&rows, 0, "visit_id");
	}
	return rc;
}

DB_STMT(q_replay_handle,
	"WITH u AS (UPDATE replay_failures SET handled_at = now(), handled_by = $2::bigint,"
	"  handled_note = $3 WHERE id = $1::bigint AND handled_at IS NULL"
	"  RETURNING id, ticket_id, visit_id, handled_note)"
	" INSERT INTO audit_events (replay_failure_id, ticket_id, visit_id, actor_id, action,"
	"  before, after)"
	" SELECT u.id, u.ticket_id, u.visit_id, $2::bigint, 'replay_failure.handled',"
	"  jsonb_build_object('state', 'open'),"
	"  jsonb_build_object('state', 'handled', 'note', u.handled_note) FROM u");

int pg_replay_failure_handle(struct db *db, struct arena *a, int64_t id, int64_t actor,
			     const char *note)
{
	return db_exec(db, a, &q_replay_handle, NULL, DB_ARGS(num(a, id), num(a, actor), note));
}
