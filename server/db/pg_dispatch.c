/* Customers, devices, fault codes, the notification outbox and the audit trail. */
#include "fieldd/arena.h"
#include "fieldd/db.h"
#include "fieldd/pg.h"

#include <stdio.h>
#include <string.h>

static const char *num(struct arena *a, int64_t v)
{
	return arena_printf(a, "%lld", (long long)v);
}

static const char *id_or_null(struct arena *a, int64_t v)
{
	return v > 0 ? num(a, v) : NULL;
}

/* ---- customers ---- */

DB_STMT(q_customer_insert,
	"INSERT INTO customers (name, organisation, department, division, title, rank, phone,"
	" email, preferred_channel, vip)"
	" SELECT j->>'name', j->>'organisation', j->>'department', j->>'division', j->>'title',"
	" coalesce(j->>'rank', 'staff'), j->>'phone', j->>'email',"
	" coalesce(j->>'preferred_channel', 'sms'), coalesce((j->>'vip')::boolean, false)"
	" FROM (SELECT $1::jsonb AS j) x RETURNING id");

int pg_customer_insert(struct db *db, struct arena *a, const char *json, int64_t *id)
{
	struct db_rows rows;
	int rc = db_exec(db, a, &q_customer_insert, &rows, DB_ARGS(json));
	if (rc > 0)
		*id = db_int(&rows, 0, "id");
	return rc;
}

/* A member present in the patch replaces the column, null included. */
#define PATCH_COL(col) #col " = CASE WHEN j ? '" #col "' THEN j->>'" #col "' ELSE " #col " END"
DB_STMT(
    q_customer_update,
    "UPDATE customers SET " PATCH_COL(name) ", " PATCH_COL(organisation) ", " PATCH_COL(department) ", " PATCH_COL(division) ", " PATCH_COL(title) ", " PATCH_COL(
	rank) ", " PATCH_COL(phone) ", " PATCH_COL(email) ", " PATCH_COL(preferred_channel) ","
											    " vip "
											    "= "
											    "CASE "
											    "WHEN "
											    "j ? "
											    "'vip' "
											    "THEN "
											    "(j->>'"
											    "vip'):"
											    ":boole"
											    "an "
											    "ELSE "
											    "vip "
											    "END,"
											    " updat"
											    "ed_at "
											    "= "
											    "now()"
											    " FROM "
											    "(SELEC"
											    "T "
											    "$2::"
											    "jsonb "
											    "AS j) "
											    "x "
											    "WHERE "
											    "id = "
											    "$1::"
											    "bigin"
											    "t");

int pg_customer_update(struct db *db, struct arena *a, int64_t id, const char *json)
{
	return db_exec(db, a, &q_customer_update, NULL, DB_ARGS(num(a, id), json));
}

DB_STMT(q_customer_doc,
	"SELECT customer_doc(c)::text AS doc FROM customers c WHERE c.id = $1::bigint");

int pg_customer_doc(struct db *db, struct arena *a, int64_t id, const char **doc)
{
	struct db_rows rows;
	int rc = db_exec(db, a, &q_customer_doc, &rows, DB_ARGS(num(a, id)));
	if (rc > 0)
		*doc = db_val(&rows, 0, "doc");
	return rc;
}

DB_STMT(q_customer_list,
	"SELECT c.id, customer_doc(c)::text AS doc FROM customers c"
	" WHERE c.id > $1::bigint AND ($3::text IS NULL OR c.name LIKE '%' || $3 || '%'"
	"   OR c.phone LIKE '%' || $3 || '%' OR c.department LIKE '%' || $3 || '%')"
	" ORDER BY c.id LIMIT $2::int");

int pg_customer_list(struct db *db, struct arena *a, const char *q, int64_t after, int limit,
		     struct db_rows *rows)
{
	return db_exec(db, a, &q_customer_list, rows,
		       DB_ARGS(num(a, after), arena_printf(a, "%d", limit), q));
}

/* ---- devices ---- */

DB_STMT(q_device_insert,
	"INSERT INTO devices (asset_tag, kind, model, serial, customer_id, building, floor, room)"
	" SELECT j->>'asset_tag', j->>'kind', j->>'model', j->>'serial',"
	" (j->>'customer_id')::bigint, j->'location'->>'building', j->'location'->>'floor',"
	" j->'location'->>'room' FROM (SELECT $1::jsonb AS j) x RETURNING id");

int pg_device_insert(struct db *db, struct arena *a, const char *json, int64_t *id)
{
	struct db_rows rows;
	int rc = db_exec(db, a, &q_device_insert, &rows, DB_ARGS(json));
	if (rc > 0)
		*id = db_int(&rows, 0, "id");
	return rc;
}

/* R2: the engineer sees the device's fault history. */
DB_STMT(q_device_doc,
	"SELECT (device_doc(d) || jsonb_build_object("
	"  'customer', (SELECT jsonb_build_object('id', c.id, 'name', c.name, 'phone', c.phone,"
	"     'department', c.department) FROM customers c WHERE c.id = d.customer_id),"
	"  'fault_history', coalesce((SELECT jsonb_agg(jsonb_build_object("
	"     'ticket_id', t.id, 'number', t.number, 'fault_code', t.fault_code,"
	"     'symptom', t.symptom, 'status', t.status, 'repeat_count', t.repeat_count,"
	"     'created_at', api_time(t.created_at), 'resolved_at', api_time(t.resolved_at),"
	"     'resolution', (SELECT v.resolution FROM visits v WHERE v.ticket_id = t.id"
	"        AND v.status = 'completed' ORDER BY v.completed_at DESC LIMIT 1))"
	"     ORDER BY t.created_at DESC) FROM tickets t WHERE t.device_id = d.id), '[]')))::text"
	"  AS doc"
	" FROM devices d WHERE d.id = $1::bigint AND ($3 IN ('admin', 'dispatcher') OR EXISTS ("
	"  SELECT 1 FROM tickets t WHERE t.device_id = d.id"
	"  AND ticket_visible(t.id, $2::bigint, $3, $4::bigint)))");

int pg_device_doc(struct db *db, struct arena *a, int64_t id, const struct viewer *v,
		  const char **doc)
{
	struct db_rows rows;
	int rc = db_exec(db, a, &q_device_doc, &rows,
			 DB_ARGS(num(a, id), num(a, v->id), v->role, id_or_null(a, v->team_id)));
	if (rc > 0)
		*doc = db_val(&rows, 0, "doc");
	return rc;
}

DB_STMT(q_device_list,
	"SELECT d.id, device_doc(d)::text AS doc FROM devices d"
	" WHERE d.id > $1::bigint AND ($3::bigint IS NULL OR d.customer_id = $3::bigint)"
	" AND ($4::text IS NULL OR d.asset_tag = $4)"
	/* the desk's search as one types: part of the asset tag or serial, any case */
	" AND ($5::text IS NULL OR strpos(upper(d.asset_tag), upper($5)) > 0"
	"   OR strpos(upper(coalesce(d.serial, '')), upper($5)) > 0)"
	" ORDER BY d.id LIMIT $2::int");

int pg_device_list(struct db *db, struct arena *a, int64_t customer_id, const char *asset_tag,
		   const char *q, int64_t after, int limit, struct db_rows *rows)
{
	return db_exec(db, a, &q_device_list, rows,
		       DB_ARGS(num(a, after), arena_printf(a, "%d", limit),
			       id_or_null(a, customer_id), asset_tag, q));
}

DB_STMT(q_fault_codes, "SELECT jsonb_build_object('items', coalesce(jsonb_agg(jsonb_build_object("
		       "'code', code, 'name', name_ko, 'name_en', name_en) ORDER BY code), '[]'),"
		       " 'next_cursor', null)::text AS doc FROM fault_codes");

int pg_fault_codes(struct db *db, struct arena *a, const char **doc)
{
	struct db_rows rows;
	int rc = db_exec(db, a, &q_fault_codes, &rows, 0, NULL);
	if (rc > 0)
		*doc = db_val(&rows, 0, "doc");
	return rc;
}

/* ---- outbox and audit ---- */

/* channel NULL = the customer's preferred channel; the address follows it. */
DB_STMT(q_notify_customer,
	"INSERT INTO notifications (ticket_id, visit_id, recipient_kind, recipient_id, recipient,"
	" channel, template, payload)"
	" SELECT t.id, $2::bigint, 'customer', c.id,"
	"  CASE coalesce($3, c.preferred_channel) WHEN 'email' THEN c.email ELSE c.phone END,"
	"  coalesce($3, c.preferred_channel), $4, $5::jsonb"
	" FROM tickets t JOIN customers c ON c.id = t.customer_id WHERE t.id = $1::bigint");

/* one user ($6), or every active lead ($6 NULL); the address follows the channel */
DB_STMT(q_notify_users,
	"INSERT INTO notifications (ticket_id, visit_id, recipient_kind, recipient_id, recipient,"
	" channel, template, payload)"
	" SELECT $1::bigint, $2::bigint, 'user', u.id,"
	"  CASE $3 WHEN 'email' THEN u.email ELSE u.phone END, $3, $4, $5::jsonb FROM users u"
	" WHERE CASE WHEN $6::bigint IS NULL THEN u.role = 'lead' AND u.active"
	"  ELSE u.id = $6::bigint END");

int pg_notice(struct db *db, struct arena *a, int64_t ticket, int64_t visit, const struct notice *n,
	      const char *payload)
{
	if (!payload)
		payload = "{}";
	switch (n->to) {
	case NOTICE_NOBODY:
		return 0;
	case NOTICE_CUSTOMER:
		return db_exec(db, a, &q_notify_customer, NULL,
			       DB_ARGS(num(a, ticket), id_or_null(a, visit), n->channel,
				       n->template_name, payload));
	case NOTICE_USER:
	case NOTICE_EVERY_LEAD:
		break;
	}
	return db_exec(db, a, &q_notify_users, NULL,
		       DB_ARGS(num(a, ticket), id_or_null(a, visit),
			       n->channel ? n->channel : "sms", n->template_name, payload,
			       n->to == NOTICE_USER ? num(a, n->user_id) : NULL));
}

/* one notice as GET /notifications lists it (with its ticket's number for the board) */
#define NOTIFICATION_DOC                                                                           \
	"SELECT n.id, jsonb_build_object('id', n.id, 'ticket_id', n.ticket_id,"                    \
	" 'ticket_number', (SELECT t.number FROM tickets t WHERE t.id = n.ticket_id),"             \
	" 'visit_id', n.visit_id, 'recipient_kind', n.recipient_kind,"                             \
	" 'recipient_id', n.recipient_id, 'recipient', n.recipient, 'channel', n.channel,"         \
	" 'template', n.template, 'payload', n.payload, 'status', n.status,"                       \
	" 'retrying', n.status = 'queued' AND n.attempts > 0 AND n.last_error IS NOT NULL,"        \
	" 'attempts', n.attempts, 'created_at', api_time(n.created_at),"                           \
	" 'sent_at', api_time(n.sent_at), 'delivery_id', n.delivery_id,"                           \
	" 'last_error', n.last_error, 'last_attempt_at', api_time(n.last_attempt_at),"             \
	" 'next_attempt_at', CASE WHEN n.status = 'queued' THEN api_time(n.next_attempt_at) END,"  \
	" 'sent_via', n.sent_via)::text AS doc"                                                    \
	" FROM notifications n WHERE n.id > $1::bigint"                                            \
	" AND ($3::bigint IS NULL OR n.ticket_id = $3::bigint)"                                    \
	" AND ($5 IN ('admin', 'dispatcher') OR (n.ticket_id IS NOT NULL"                          \
	"   AND ticket_visible(n.ticket_id, $4::bigint, $5, $6::bigint)))"

DB_STMT(q_notification_list, NOTIFICATION_DOC
	" AND ($7::text IS NULL OR n.status = $7 OR ($7 = 'dead' AND n.status = 'failed'))"
	" ORDER BY n.id LIMIT $2::int");

/* the board's two troubles, each written out so that it reads the partial index
 * notifications_trouble_idx (migration 0016) instead of every notice sent */
DB_STMT(q_notification_dead,
	NOTIFICATION_DOC " AND n.status IN ('dead', 'failed') AND $7::text IS NOT NULL"
			 " ORDER BY n.id LIMIT $2::int");
DB_STMT(q_notification_retrying,
	NOTIFICATION_DOC " AND n.status = 'queued' AND n.last_error IS NOT NULL AND n.attempts > 0"
			 " AND $7::text IS NOT NULL ORDER BY n.id LIMIT $2::int");

int pg_notification_list(struct db *db, struct arena *a, int64_t ticket, const char *status,
			 const struct viewer *v, int64_t after, int limit, struct db_rows *rows)
{
	struct db_stmt *q = &q_notification_list;
	if (status && !strcmp(status, "dead"))
		q = &q_notification_dead;
	else if (status && !strcmp(status, "retrying"))
		q = &q_notification_retrying;
	return db_exec(db, a, q, rows,
		       DB_ARGS(num(a, after), arena_printf(a, "%d", limit), id_or_null(a, ticket),
			       num(a, v->id), v->role, id_or_null(a, v->team_id), status));
}

/* at: when it was done (a step's "at"); received_at keeps its default, now() */
DB_STMT(q_audit,
	"INSERT INTO audit_events (ticket_id, visit_id, actor_id, action, before, after, at)"
	" VALUES ($1::bigint, $2::bigint, $3::bigint, $4, $5::jsonb, $6::jsonb,"
	" coalesce($7::timestamptz, now()))");

int pg_audit_at(struct db *db, struct arena *a, int64_t ticket, int64_t visit, int64_t actor,
		const char *action, const char *before, const char *after, const char *at)
{
	return db_exec(db, a, &q_audit, NULL,
		       DB_ARGS(id_or_null(a, ticket), id_or_null(a, visit), id_or_null(a, actor),
			       action, before, after, at));
}

int pg_audit(struct db *db, struct arena *a, int64_t ticket, int64_t visit, int64_t actor,
	     const char *action, const char *before, const char *after)
{
	return pg_audit_at(db, a, ticket, visit, actor, action, before, after, NULL);
}
