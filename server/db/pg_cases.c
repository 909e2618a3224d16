/* Complaints (R13), work plans (R12), their audit events and the complaint figures. */
#include "fieldd/arena.h"
#include "fieldd/db.h"
#include "fieldd/pg.h"
#include "fieldd/pg_cases.h"

DB_STMT(q_customer_contact,
	"SELECT coalesce(phone, '') <> '' AS has_phone, coalesce(email, '') <> '' AS has_email,"
	" preferred_channel FROM customers WHERE id = $1::bigint");

int pg_customer_contact(struct db *db, struct arena *a, int64_t id, struct customer_contact *out)
{
	struct db_rows rows;
	int rc = db_exec(db, a, &q_customer_contact, &rows, DB_ARGS(db_param_int(a, id)));
	if (rc > 0) {
		out->has_phone = db_bool(&rows, 0, "has_phone");
		out->has_email = db_bool(&rows, 0, "has_email");
		out->preferred_channel = db_val(&rows, 0, "preferred_channel");
	}
	return rc;
}

/* ---- complaints ---- */

DB_STMT(q_complaint_insert,
	"INSERT INTO complaints (customer_id, ticket_id, channel, description, result_channel,"
	" created_by)"
	" SELECT cu.id, $2::bigint, $3, $4, coalesce($5, cu.preferred_channel), $6::bigint"
	" FROM customers cu WHERE cu.id = $1::bigint RETURNING id");

int pg_complaint_insert(struct db *db, struct arena *a, const struct complaint_new *c, int64_t *id)
{
	struct db_rows rows;
	int rc = db_exec(db, a, &q_complaint_insert, &rows,
			 DB_ARGS(db_param_int(a, c->customer_id), db_param_id(a, c->ticket_id),
				 c->channel, c->description, c->result_channel,
				 db_param_id(a, c->created_by)));
	if (rc > 0)
		*id = db_int(&rows, 0, "id");
	return rc;
}

DB_STMT(q_complaint_facts,
	"SELECT c.id, coalesce(c.ticket_id, 0) AS ticket_id, c.customer_id, c.status,"
	" c.result_channel FROM complaints c WHERE c.id = $1::bigint"
	" AND complaint_visible(c, $2::bigint, $3, $4::bigint) FOR UPDATE");

int pg_complaint_facts(struct db *db, struct arena *a, int64_t id, const struct viewer *v,
		       struct complaint_row *out)
{
	struct db_rows rows;
	int rc = db_exec(db, a, &q_complaint_facts, &rows,
			 DB_ARGS(db_param_int(a, id), db_param_int(a, v->id), v->role,
				 db_param_id(a, v->team_id)));
	if (rc > 0) {
		out->id = db_int(&rows, 0, "id");
		out->ticket_id = db_int(&rows, 0, "ticket_id");
		out->customer_id = db_int(&rows, 0, "customer_id");
		if (!domain_complaint_status_parse(db_val(&rows, 0, "status"), &out->status))
			return DB_HARD;
		out->result_channel = db_val(&rows, 0, "result_channel");
	}
	return rc;
}

DB_STMT(q_complaint_visible, "SELECT 1 AS one FROM complaints c WHERE c.id = $1::bigint"
			     " AND complaint_visible(c, $2::bigint, $3, $4::bigint)");

int pg_complaint_visible(struct db *db, struct arena *a, int64_t id, const struct viewer *v)
{
	return db_exec(db, a, &q_complaint_visible, NULL,
		       DB_ARGS(db_param_int(a, id), db_param_int(a, v->id), v->role,
			       db_param_id(a, v->team_id)));
}

DB_STMT(q_complaint_doc,
	"SELECT (complaint_doc(c) || CASE WHEN $2::boolean"
	" THEN jsonb_build_object('history', case_history(c.id, NULL)) ELSE '{}' END)::text AS doc"
	" FROM complaints c WHERE c.id = $1::bigint");

int pg_complaint_doc(struct db *db, struct arena *a, int64_t id, bool full, const char **doc)
{
	struct db_rows rows;
	int rc = db_exec(db, a, &q_complaint_doc, &rows,
			 DB_ARGS(db_param_int(a, id), full ? "true" : "false"));
	if (rc > 0)
		*doc = db_val(&rows, 0, "doc");
	return rc;
}

DB_STMT(q_complaint_list, "SELECT c.id, complaint_doc(c)::text AS doc FROM complaints c"
			  " WHERE ($1::bigint = 0 OR c.id < $1::bigint)"
			  " AND ($3::text IS NULL OR c.status = $3)"
			  " AND ($4::text IS NULL OR c.channel = $4)"
			  " AND ($5::bigint IS NULL OR c.ticket_id = $5::bigint)"
			  " AND ($6::bigint IS NULL OR c.customer_id = $6::bigint)"
			  " AND complaint_visible(c, $7::bigint, $8, $9::bigint)"
			  " ORDER BY c.id DESC LIMIT $2::int");

int pg_complaint_list(struct db *db, struct arena *a, const struct complaint_filter *f,
		      const struct viewer *v, int64_t cursor, int limit, struct db_rows *rows)
{
	return db_exec(db, a, &q_complaint_list, rows,
		       DB_ARGS(db_param_int(a, cursor), db_param_int(a, limit), f->status,
			       f->channel, db_param_id(a, f->ticket_id),
			       db_param_id(a, f->customer_id), db_param_int(a, v->id), v->role,
			       db_param_id(a, v->team_id)));
}

/* One statement for every step: the new status stamps its own columns. */
DB_STMT(q_complaint_step,
	"UPDATE complaints SET status = j->>'status',"
	" cause = coalesce(j->>'cause', cause),"
	" analysed_at = CASE WHEN j->>'status' = 'analysed' THEN now() ELSE analysed_at END,"
	" analysed_by = CASE WHEN j->>'status' = 'analysed' THEN $3::bigint ELSE analysed_by END,"
	" action = coalesce(j->>'action', action),"
	" compensation_kind = CASE WHEN j->>'status' = 'resolved' THEN j->>'compensation_kind'"
	"   ELSE compensation_kind END,"
	" compensation_krw = CASE WHEN j->>'status' = 'resolved'"
	"   THEN (j->>'compensation_krw')::int ELSE compensation_krw END,"
	" training_required = coalesce((j->>'training_required')::boolean, training_required),"
	" staff_ids = CASE WHEN j ? 'staff_ids' THEN ARRAY(SELECT jsonb_array_elements_text("
	"   j->'staff_ids')::bigint) ELSE staff_ids END,"
	" resolved_at = CASE WHEN j->>'status' = 'resolved' THEN now() ELSE resolved_at END,"
	" resolved_by = CASE WHEN j->>'status' = 'resolved' THEN $3::bigint ELSE resolved_by END,"
	" notified_at = CASE WHEN j->>'status' = 'notified' THEN now() ELSE notified_at END,"
	" notified_by = CASE WHEN j->>'status' = 'notified' THEN $3::bigint ELSE notified_by END,"
	" notification_id = coalesce((j->>'notification_id')::bigint, notification_id),"
	" feedback_rating = coalesce((j->>'rating')::int, feedback_rating),"
	" feedback_comment = CASE WHEN j->>'status' = 'closed' THEN j->>'comment'"
	"   ELSE feedback_comment END,"
	" feedback_at = CASE WHEN j->>'status' = 'closed' THEN now() ELSE feedback_at END,"
	" feedback_by = CASE WHEN j->>'status' = 'closed' THEN $3::bigint ELSE feedback_by END,"
	" updated_at = now()"
	" FROM (SELECT $2::jsonb AS j) x WHERE id = $1::bigint");

int pg_complaint_step(struct db *db, struct arena *a, int64_t id, const char *changes_json,
		      int64_t actor)
{
	return db_exec(db, a, &q_complaint_step, NULL,
		       DB_ARGS(db_param_int(a, id), changes_json, db_param_id(a, actor)));
}

DB_STMT(q_ticket_staff,
	"SELECT coalesce(array_agg(DISTINCT p ORDER BY p), '{}')::text AS ids"
	" FROM visits v CROSS JOIN LATERAL (VALUES (v.engineer_id), (v.lead_id)) x(p)"
	" WHERE v.ticket_id = $1::bigint AND v.status <> 'cancelled' AND p IS NOT NULL");

int pg_ticket_staff(struct db *db, struct arena *a, int64_t ticket, const char **ids)
{
	struct db_rows rows;
	int rc = db_exec(db, a, &q_ticket_staff, &rows, DB_ARGS(db_param_int(a, ticket)));
	*ids = rc > 0 ? db_val(&rows, 0, "ids") : "{}";
	return rc;
}

DB_STMT(q_users_count, "SELECT count(*) AS n FROM users WHERE id = ANY ($1::bigint[])");

int pg_users_count(struct db *db, struct arena *a, const char *ids, int64_t *n)
{
	struct db_rows rows;
	int rc = db_exec(db, a, &q_users_count, &rows, DB_ARGS(ids));
	*n = rc > 0 ? db_int(&rows, 0, "n") : 0;
	return rc;
}

DB_STMT(q_complaint_notify,
	"INSERT INTO notifications (ticket_id, recipient_kind, recipient_id, recipient, channel,"
	" template, payload)"
	" SELECT c.ticket_id, 'customer', cu.id,"
	"  CASE c.result_channel WHEN 'email' THEN cu.email ELSE cu.phone END,"
	"  c.result_channel, $2, jsonb_strip_nulls($3::jsonb || jsonb_build_object("
	"   'complaint_id', c.id, 'action', c.action, 'compensation', c.compensation_krw,"
	"   'compensation_kind', c.compensation_kind))"
	" FROM complaints c JOIN customers cu ON cu.id = c.customer_id WHERE c.id = $1::bigint"
	" RETURNING id");

int pg_complaint_notify(struct db *db, struct arena *a, int64_t complaint,
			const char *template_name, const char *payload, int64_t *id)
{
	struct db_rows rows;
	int rc =
	    db_exec(db, a, &q_complaint_notify, &rows,
		    DB_ARGS(db_param_int(a, complaint), template_name, payload ? payload : "{}"));
	*id = rc > 0 ? db_int(&rows, 0, "id") : 0;
	return rc;
}

/* A low survey rating: a complaint for the desk about the ticket, received
 * through the survey, the result to go where the customer can be reached. */
DB_STMT(q_complaint_from_survey,
	"WITH c AS (INSERT INTO complaints (customer_id, ticket_id, channel, description,"
	"  result_channel)"
	" SELECT t.customer_id, t.id, 'survey',"
	"  '설문 평가 ' || $2::int || '점' || coalesce(': ' || left(nullif($3, ''), 3900), ''),"
	"  CASE WHEN cu.preferred_channel = 'email' AND coalesce(cu.email, '') = '' THEN 'sms'"
	"   WHEN cu.preferred_channel <> 'email' AND coalesce(cu.phone, '') = ''"
	"    AND coalesce(cu.email, '') <> '' THEN 'email'"
	"   ELSE cu.preferred_channel END"
	" FROM tickets t JOIN customers cu ON cu.id = t.customer_id WHERE t.id = $1::bigint"
	" RETURNING id, ticket_id),"
	" e AS (INSERT INTO audit_events (complaint_id, ticket_id, action, after)"
	"  SELECT c.id, c.ticket_id, 'complaint.received', jsonb_build_object('status',"
	"  'received', 'channel', 'survey', 'rating', $2::int) FROM c)"
	" SELECT id FROM c");

int pg_complaint_from_survey(struct db *db, struct arena *a, int64_t ticket, int rating,
			     const char *comment, int64_t *id)
{
	struct db_rows rows;
	int rc = db_exec(db, a, &q_complaint_from_survey, &rows,
			 DB_ARGS(db_param_int(a, ticket), db_param_int(a, rating), comment));
	*id = rc > 0 ? db_int(&rows, 0, "id") : 0;
	return rc;
}

/* ---- work plans ---- */

DB_STMT(q_plan_insert,
	"INSERT INTO work_plans (title, description, team_id, division, planned_start,"
	" planned_end, created_by) VALUES ($1, $2, $3::bigint, $4, $5::timestamptz,"
	" $6::timestamptz, $7::bigint) RETURNING id");

int pg_plan_insert(struct db *db, struct arena *a, const struct plan_new *p, int64_t *id)
{
	struct db_rows rows;
	int rc = db_exec(db, a, &q_plan_insert, &rows,
			 DB_ARGS(p->title, p->description, db_param_int(a, p->team_id), p->division,
				 p->planned_start, p->planned_end, db_param_id(a, p->created_by)));
	if (rc > 0)
		*id = db_int(&rows, 0, "id");
	return rc;
}

DB_STMT(q_plan_facts, "SELECT p.id, p.team_id, coalesce(t.lead_id, 0) AS team_lead, p.status"
		      " FROM work_plans p JOIN teams t ON t.id = p.team_id WHERE p.id = $1::bigint"
		      " AND work_plan_visible(p, $2::bigint, $3, $4::bigint) FOR UPDATE OF p");

int pg_plan_facts(struct db *db, struct arena *a, int64_t id, const struct viewer *v,
		  struct plan_row *out)
{
	struct db_rows rows;
	int rc = db_exec(db, a, &q_plan_facts, &rows,
			 DB_ARGS(db_param_int(a, id), db_param_int(a, v->id), v->role,
				 db_param_id(a, v->team_id)));
	if (rc > 0) {
		out->id = db_int(&rows, 0, "id");
		out->team_id = db_int(&rows, 0, "team_id");
		out->team_lead = db_int(&rows, 0, "team_lead");
		if (!domain_plan_status_parse(db_val(&rows, 0, "status"), &out->status))
			return DB_HARD;
	}
	return rc;
}

DB_STMT(q_plan_visible, "SELECT 1 AS one FROM work_plans p WHERE p.id = $1::bigint"
			" AND work_plan_visible(p, $2::bigint, $3, $4::bigint)");

int pg_plan_visible(struct db *db, struct arena *a, int64_t id, const struct viewer *v)
{
	return db_exec(db, a, &q_plan_visible, NULL,
		       DB_ARGS(db_param_int(a, id), db_param_int(a, v->id), v->role,
			       db_param_id(a, v->team_id)));
}

DB_STMT(q_plan_doc,
	"SELECT (work_plan_doc(p) || CASE WHEN $2::boolean"
	" THEN jsonb_build_object('history', case_history(NULL, p.id)) ELSE '{}' END)::text AS doc"
	" FROM work_plans p WHERE p.id = $1::bigint");

int pg_plan_doc(struct db *db, struct arena *a, int64_t id, bool full, const char **doc)
{
	struct db_rows rows;
	int rc = db_exec(db, a, &q_plan_doc, &rows,
			 DB_ARGS(db_param_int(a, id), full ? "true" : "false"));
	if (rc > 0)
		*doc = db_val(&rows, 0, "doc");
	return rc;
}

DB_STMT(q_plan_list, "SELECT p.id, work_plan_doc(p)::text AS doc FROM work_plans p"
		     " WHERE ($1::bigint = 0 OR p.id < $1::bigint)"
		     " AND ($3::text IS NULL OR p.status = $3)"
		     " AND ($4::bigint IS NULL OR p.team_id = $4::bigint)"
		     " AND work_plan_visible(p, $5::bigint, $6, $7::bigint)"
		     " ORDER BY p.id DESC LIMIT $2::int");

int pg_plan_list(struct db *db, struct arena *a, const struct plan_filter *f,
		 const struct viewer *v, int64_t cursor, int limit, struct db_rows *rows)
{
	return db_exec(db, a, &q_plan_list, rows,
		       DB_ARGS(db_param_int(a, cursor), db_param_int(a, limit), f->status,
			       db_param_id(a, f->team_id), db_param_int(a, v->id), v->role,
			       db_param_id(a, v->team_id)));
}

DB_STMT(
    q_plan_step,
    "UPDATE work_plans SET status = j->>'status',"
    " submitted_at = CASE WHEN j->>'status' = 'submitted' THEN now() ELSE submitted_at END,"
    " submitted_by = CASE WHEN j->>'status' = 'submitted' THEN $3::bigint ELSE submitted_by END,"
    " decided_at = CASE WHEN j->>'status' IN ('approved', 'rejected') THEN now()"
    "   WHEN j->>'status' = 'submitted' THEN NULL ELSE decided_at END,"
    " decided_by = CASE WHEN j->>'status' IN ('approved', 'rejected') THEN $3::bigint"
    "   WHEN j->>'status' = 'submitted' THEN NULL ELSE decided_by END,"
    " reject_reason = CASE WHEN j->>'status' = 'rejected' THEN j->>'reason'"
    "   WHEN j->>'status' = 'submitted' THEN NULL ELSE reject_reason END,"
    " started_at = CASE WHEN j->>'status' = 'in_progress' THEN now() ELSE started_at END,"
    " started_by = CASE WHEN j->>'status' = 'in_progress' THEN $3::bigint ELSE started_by END,"
    " completed_at = CASE WHEN j->>'status' = 'completed' THEN now() ELSE completed_at END,"
    " completed_by = CASE WHEN j->>'status' = 'completed' THEN $3::bigint ELSE completed_by END,"
    " report = coalesce(j->>'report', report), updated_at = now()"
    " FROM (SELECT $2::jsonb AS j) x WHERE id = $1::bigint");

int pg_plan_step(struct db *db, struct arena *a, int64_t id, const char *changes_json,
		 int64_t actor)
{
	return db_exec(db, a, &q_plan_step, NULL,
		       DB_ARGS(db_param_int(a, id), changes_json, db_param_id(a, actor)));
}

DB_STMT(q_plan_link, "WITH u AS (UPDATE tickets t SET work_plan_id = $1::bigint, updated_at = now()"
		     "  WHERE t.id = ANY ($2::bigint[]) AND t.work_plan_id IS NULL"
		     "  AND ticket_visible(t.id, $3::bigint, $4, $5::bigint) RETURNING t.id)"
		     " SELECT (SELECT count(*) FROM u) + (SELECT count(*) FROM tickets t"
		     "  WHERE t.id = ANY ($2::bigint[]) AND t.work_plan_id = $1::bigint) AS n");

int pg_plan_link_tickets(struct db *db, struct arena *a, int64_t plan, const char *ids,
			 const struct viewer *v, int64_t *linked)
{
	struct db_rows rows;
	int rc = db_exec(db, a, &q_plan_link, &rows,
			 DB_ARGS(db_param_int(a, plan), ids, db_param_int(a, v->id), v->role,
				 db_param_id(a, v->team_id)));
	*linked = rc > 0 ? db_int(&rows, 0, "n") : 0;
	return rc;
}

DB_STMT(
    q_case_audit,
    "INSERT INTO audit_events (complaint_id, work_plan_id, ticket_id, actor_id, action, before,"
    " after) VALUES ($1::bigint, $2::bigint, $3::bigint, $4::bigint, $5, $6::jsonb, $7::jsonb)");

int pg_case_audit(struct db *db, struct arena *a, int64_t complaint, int64_t plan, int64_t ticket,
		  int64_t actor, const char *action, const char *before, const char *after)
{
	return db_exec(db, a, &q_case_audit, NULL,
		       DB_ARGS(db_param_id(a, complaint), db_param_id(a, plan),
			       db_param_id(a, ticket), db_param_id(a, actor), action, before,
			       after));
}

DB_STMT(q_complaint_report,
	"SELECT received, tickets, resolved, resolved_in_7_days, due_in_7_days, mean_minutes,"
	" median_minutes, max_minutes, compensated, training"
	" FROM complaint_report($1::timestamptz, $2::timestamptz, $3::bigint, $4::bigint)");

int pg_complaint_report(struct db *db, struct arena *a, const char *from, const char *to,
			int64_t team, int64_t person, struct db_rows *rows)
{
	return db_exec(db, a, &q_complaint_report, rows,
		       DB_ARGS(from, to, db_param_id(a, team), db_param_id(a, person)));
}
