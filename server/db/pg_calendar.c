/*
 * Calendar feeds and invitations: feed tokens (hashes only), the cheap
 * per-feed validator, the visits a feed shows and a ticket's latest visit.
 * The marks behind the validator are kept by triggers in
 * migrations/0004_calendar.sql.
 */
#include "fieldd/arena.h"
#include "fieldd/db.h"
#include "fieldd/ical.h"
#include "fieldd/pg.h"

#include <stdlib.h>
#include <string.h>

/* ---- tokens ---- */

DB_STMT(q_cal_tokens, "SELECT k.scope, k.created_at, k.token_hash, k.nonce FROM calendar_tokens k"
		      " WHERE k.user_id = $1::bigint ORDER BY k.scope");

int pg_calendar_tokens(struct db *db, struct arena *a, int64_t user, struct cal_token_row **out)
{
	struct db_rows rows;
	int rc = db_exec(db, a, &q_cal_tokens, &rows, DB_ARGS(db_param_int(a, user)));
	if (rc < 0)
		return rc;
	struct cal_token_row *t = arena_alloc(a, sizeof *t * (size_t)(rows.n ? rows.n : 1));
	for (int i = 0; i < rows.n; i++) {
		t[i].scope = db_val(&rows, i, "scope");
		t[i].created_at = db_time(a, &rows, i, "created_at");
		t[i].token_hash = db_val(&rows, i, "token_hash");
		t[i].nonce = db_val(&rows, i, "nonce");
	}
	*out = t;
	return rows.n;
}

DB_STMT(q_cal_issue, "INSERT INTO calendar_tokens (token_hash, user_id, scope, nonce)"
		     " VALUES ($1, $2::bigint, $3, $4) ON CONFLICT (user_id, scope) DO NOTHING"
		     " RETURNING created_at");

int pg_calendar_issue(struct db *db, struct arena *a, int64_t user, const char *scope,
		      const char *token_hash, const char *nonce, const char **created_at)
{
	struct db_rows rows;
	int rc = db_exec(db, a, &q_cal_issue, &rows,
			 DB_ARGS(token_hash, db_param_int(a, user), scope, nonce));
	if (rc > 0)
		*created_at = db_time(a, &rows, 0, "created_at");
	return rc;
}

DB_STMT(q_cal_revoke, "DELETE FROM calendar_tokens WHERE user_id = $1::bigint");

int pg_calendar_revoke(struct db *db, struct arena *a, int64_t user)
{
	return db_exec(db, a, &q_cal_revoke, NULL, DB_ARGS(db_param_int(a, user)));
}

/* ---- a feed: the validator first, the rows only when the cache misses ---- */

/*
 * The day is the feed window's anchor: the window is [today - 30 days,
 * today + 91 days) in the session's zone (FIELDD_TZ), so the same version on
 * the same day is the same feed. Last-Modified is the later of the feed's
 * last change and today's midnight (when the window last moved).
 */
DB_STMT(q_cal_head,
	"SELECT k.user_id, k.scope, u.name AS owner_name,"
	" coalesce((SELECT string_agg(t.name, ' · ' ORDER BY t.id) FROM teams t"
	"   WHERE t.lead_id = u.id), '') AS team_names,"
	" coalesce(m.version, 0) AS version, to_char(current_date, 'YYYYMMDD') AS day,"
	" floor(extract(epoch FROM greatest(m.changed_at, date_trunc('day', now()))))::bigint"
	"   AS modified"
	" FROM calendar_tokens k JOIN users u ON u.id = k.user_id"
	" LEFT JOIN calendar_marks m ON m.scope = k.scope AND m.owner_id = k.user_id"
	" WHERE k.token_hash = $1 AND u.active AND (k.scope = 'own' OR u.role = 'lead')");

int pg_calendar_feed_head(struct db *db, struct arena *a, const char *token_hash,
			  struct cal_feed_head *out)
{
	struct db_rows rows;
	int rc = db_exec(db, a, &q_cal_head, &rows, DB_ARGS(token_hash));
	if (rc <= 0)
		return rc;
	out->owner = db_int(&rows, 0, "user_id");
	out->scope = db_val(&rows, 0, "scope");
	out->owner_name = db_val(&rows, 0, "owner_name");
	out->team_names = db_val(&rows, 0, "team_names");
	out->validator =
	    arena_printf(a, "%s-%s", db_val(&rows, 0, "version"), db_val(&rows, 0, "day"));
	out->modified = (time_t)db_int(&rows, 0, "modified");
	return rc;
}

/* What an event shows, for a visit v of ticket t (customer c, device d, fault f). */
#define CAL_EVENT_COLS                                                                             \
	"v.id, v.uid::text AS uid, v.ical_sequence, v.status,"                                     \
	" floor(extract(epoch FROM v.starts_at))::bigint AS starts,"                               \
	" floor(extract(epoch FROM v.ends_at))::bigint AS ends,"                                   \
	" floor(extract(epoch FROM greatest(v.updated_at, t.updated_at, c.updated_at)))::bigint"   \
	"   AS modified,"                                                                          \
	" t.number, t.fault_code, f.name_ko AS fault_name, t.symptom, t.priority,"                 \
	" array_to_string(t.escalations, ',') AS escalations, t.repeat_count,"                     \
	" c.name AS customer_name, c.title AS customer_title,"                                     \
	" c.department AS customer_department, c.organisation AS customer_organisation,"           \
	" c.phone AS customer_phone, c.email AS customer_email,"                                   \
	" d.asset_tag, d.kind AS device_kind, d.model AS device_model, d.building, d.floor,"       \
	" d.room, e.name AS engineer_name, l.name AS lead_name"
#define CAL_EVENT_JOINS                                                                            \
	" JOIN tickets t ON t.id = v.ticket_id JOIN customers c ON c.id = t.customer_id"           \
	" JOIN devices d ON d.id = t.device_id JOIN fault_codes f ON f.code = t.fault_code"        \
	" LEFT JOIN users e ON e.id = v.engineer_id LEFT JOIN users l ON l.id = v.lead_id"

/*
 * The visits of the feed's people (the owner; for a team feed also every
 * member of the teams the owner leads) in the window, cancelled ones left
 * out. visit_people's exclusion index finds them by person and time.
 */
DB_STMT(q_cal_rows,
	"SELECT " CAL_EVENT_COLS " FROM visits v" CAL_EVENT_JOINS
	" WHERE v.status <> 'cancelled' AND v.id IN (SELECT p.visit_id FROM visit_people p"
	"   WHERE p.active AND p.during && tstzrange(date_trunc('day', now()) - interval '30 days',"
	"     date_trunc('day', now()) + interval '91 days')"
	"   AND (p.person_id = $1::bigint OR ($2 = 'team' AND p.person_id IN ("
	"     SELECT u.id FROM users u JOIN teams tm ON tm.id = u.team_id"
	"     WHERE tm.lead_id = $1::bigint))))"
	" ORDER BY v.starts_at, v.id");

static void event_from(struct arena *a, const struct db_rows *r, int i, struct ical_event *e,
		       bool with_email)
{
	(void)a;
	memset(e, 0, sizeof *e);
	e->visit_id = db_int(r, i, "id");
	e->uid = db_val(r, i, "uid");
	e->sequence = (int)db_int(r, i, "ical_sequence");
	e->status = db_val(r, i, "status");
	e->start = (time_t)db_int(r, i, "starts");
	e->end = (time_t)db_int(r, i, "ends");
	e->modified = (time_t)db_int(r, i, "modified");
	e->ticket_number = db_val(r, i, "number");
	e->fault_code = db_val(r, i, "fault_code");
	e->fault_name = db_val(r, i, "fault_name");
	e->symptom = db_val(r, i, "symptom");
	e->priority = db_val(r, i, "priority");
	e->escalations = db_val(r, i, "escalations");
	e->repeat_count = (int)db_int(r, i, "repeat_count");
	e->customer_name = db_val(r, i, "customer_name");
	e->customer_title = db_val(r, i, "customer_title");
	e->customer_department = db_val(r, i, "customer_department");
	e->customer_organisation = db_val(r, i, "customer_organisation");
	e->customer_phone = db_val(r, i, "customer_phone");
	e->customer_email = with_email ? db_val(r, i, "customer_email") : NULL;
	e->asset_tag = db_val(r, i, "asset_tag");
	e->device_kind = db_val(r, i, "device_kind");
	e->device_model = db_val(r, i, "device_model");
	e->building = db_val(r, i, "building");
	e->floor = db_val(r, i, "floor");
	e->room = db_val(r, i, "room");
	e->engineer_name = db_val(r, i, "engineer_name");
	e->lead_name = db_val(r, i, "lead_name");
}

int pg_calendar_feed_events(struct db *db, struct arena *a, int64_t owner, const char *scope,
			    struct ical_event **out, size_t *n)
{
	struct db_rows rows;
	int rc = db_exec(db, a, &q_cal_rows, &rows, DB_ARGS(db_param_int(a, owner), scope));
	if (rc < 0)
		return rc;
	struct ical_event *ev = arena_alloc(a, sizeof *ev * (size_t)(rows.n ? rows.n : 1));
	for (int i = 0; i < rows.n; i++)
		event_from(a, &rows, i, &ev[i], false);
	*out = ev;
	*n = (size_t)rows.n;
	return rows.n;
}

/* ---- a customer's appointment: the ticket's latest visit ---- */

DB_STMT(q_cal_appointment,
	"SELECT " CAL_EVENT_COLS " FROM tickets t0"
	" JOIN LATERAL (SELECT x.id FROM visits x WHERE x.ticket_id = t0.id"
	"   ORDER BY x.seq DESC LIMIT 1) lv ON true JOIN visits v ON v.id = lv.id" CAL_EVENT_JOINS
	" WHERE t0.tracking = $1"
	/* the tracking page's expiry (handlers/public.c): gone some days after closing */
	"   AND ($2::int IS NULL OR NOT (t0.status IN ('resolved', 'closed', 'cancelled')"
	"        AND coalesce(t0.resolved_at, t0.updated_at)"
	"            < now() - make_interval(days => $2::int)))");

int pg_calendar_appointment(struct db *db, struct arena *a, const char *tracking, int expire_days,
			    struct ical_event *out)
{
	struct db_rows rows;
	int rc = db_exec(db, a, &q_cal_appointment, &rows,
			 DB_ARGS(tracking, expire_days > 0 ? db_param_int(a, expire_days) : NULL));
	if (rc > 0)
		event_from(a, &rows, 0, out, true);
	return rc;
}
