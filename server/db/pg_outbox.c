/*
 * The customer's side: the notification outbox as the delivery worker sees it
 * (claim, settle, wait for NOTIFY), the dispatcher's re-send, the public
 * tracking document and the survey (include/fieldd/outbox.h); and the notices
 * the request path queues for a customer, and the list of them the desk reads
 * (include/fieldd/pg.h).
 */
#include "fieldd/outbox.h"
#include "fieldd/arena.h"
#include "fieldd/db.h"
#include "fieldd/pg.h"

#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PG(db) ((PGconn *)(db)->pg)

/* ---- the delivery worker ---- */

/* Due, not leased (or the lease ran out: a process died mid-send). The row locks end
 * with this statement; the lease keeps other workers away from then on. */
DB_STMT(
    q_outbox_claim,
    "WITH c AS (SELECT id FROM notifications"
    "   WHERE status = 'queued' AND next_attempt_at <= now()"
    "     AND (locked_until IS NULL OR locked_until < now())"
    "   ORDER BY next_attempt_at, id LIMIT $1::int FOR UPDATE SKIP LOCKED)"
    " UPDATE notifications n SET locked_until = now() + make_interval(secs => $2::int),"
    "   attempts = n.attempts + 1, last_attempt_at = now()"
    " FROM c WHERE n.id = c.id"
    " RETURNING n.id, coalesce(n.ticket_id, 0) AS ticket_id, coalesce(n.visit_id, 0) AS visit_id,"
    "   n.attempts, n.delivery_id::text AS delivery_id, n.channel, n.template, n.recipient,"
    "   n.recipient_kind, n.payload::text AS payload, api_time(n.created_at) AS created_at,"
    "   CASE n.recipient_kind WHEN 'customer'"
    "     THEN (SELECT cu.name FROM customers cu WHERE cu.id = n.recipient_id)"
    "     ELSE (SELECT u.name FROM users u WHERE u.id = n.recipient_id) END AS recipient_name,"
    "   (SELECT t.number FROM tickets t WHERE t.id = n.ticket_id) AS ticket_number,"
    "   (SELECT t.tracking FROM tickets t WHERE t.id = n.ticket_id) AS tracking,"
    "   (SELECT f.name_ko FROM tickets t JOIN fault_codes f ON f.code = t.fault_code"
    "     WHERE t.id = n.ticket_id) AS fault_name");

int pg_outbox_claim(struct db *db, struct arena *a, int max, int lease_s, struct outbox_item **out)
{
	struct db_rows r;
	int rc = db_exec(db, a, &q_outbox_claim, &r,
			 DB_ARGS(db_param_int(a, max), db_param_int(a, lease_s)));
	if (rc <= 0)
		return rc;
	struct outbox_item *it = arena_alloc(a, sizeof *it * (size_t)r.n);
	for (int i = 0; i < r.n; i++) {
		it[i] = (struct outbox_item){
		    .id = db_int(&r, i, "id"),
		    .ticket_id = db_int(&r, i, "ticket_id"),
		    .visit_id = db_int(&r, i, "visit_id"),
		    .attempts = (int)db_int(&r, i, "attempts"),
		    .delivery_id = db_val(&r, i, "delivery_id"),
		    .channel = db_val(&r, i, "channel"),
		    .template_name = db_val(&r, i, "template"),
		    .recipient = db_val(&r, i, "recipient"),
		    .recipient_kind = db_val(&r, i, "recipient_kind"),
		    .recipient_name = db_val(&r, i, "recipient_name"),
		    .payload = db_val(&r, i, "payload"),
		    .ticket_number = db_val(&r, i, "ticket_number"),
		    .tracking = db_val(&r, i, "tracking"),
		    .fault_name = db_val(&r, i, "fault_name"),
		    .created_at = db_val(&r, i, "created_at"),
		};
	}
	*out = it;
	return r.n;
}

DB_STMT(q_outbox_sent, "UPDATE notifications SET status = 'sent', sent_at = now(),"
		       " locked_until = NULL, last_error = NULL, sent_via = $2"
		       " WHERE id = $1::bigint AND status = 'queued'");

int pg_outbox_sent(struct db *db, struct arena *a, int64_t id, const char *via)
{
	return db_exec(db, a, &q_outbox_sent, NULL, DB_ARGS(db_param_int(a, id), via));
}

DB_STMT(q_outbox_failed,
	"UPDATE notifications SET locked_until = NULL, last_error = left($2, 500),"
	" status = CASE WHEN $5::bool OR attempts >= $3::int THEN 'dead' ELSE 'queued' END,"
	" next_attempt_at = now() + make_interval(secs => least($4::float8"
	"   * power(2, greatest(attempts - 1, 0)), 3600))"
	" WHERE id = $1::bigint AND status = 'queued'");

int pg_outbox_failed(struct db *db, struct arena *a, int64_t id, const char *error,
		     int max_attempts, int backoff_s, int permanent)
{
	return db_exec(db, a, &q_outbox_failed, NULL,
		       DB_ARGS(db_param_int(a, id), error, db_param_int(a, max_attempts),
			       db_param_int(a, backoff_s), permanent ? "true" : "false"));
}

DB_STMT(q_outbox_skipped, "UPDATE notifications SET status = 'skipped', locked_until = NULL,"
			  " last_error = $2 WHERE id = $1::bigint AND status = 'queued'");

int pg_outbox_skipped(struct db *db, struct arena *a, int64_t id, const char *why)
{
	return db_exec(db, a, &q_outbox_skipped, NULL, DB_ARGS(db_param_int(a, id), why));
}

DB_STMT(q_outbox_release, "UPDATE notifications SET locked_until = NULL,"
			  " attempts = greatest(attempts - 1, 0)"
			  " WHERE id = $1::bigint AND status = 'queued'");

int pg_outbox_release(struct db *db, struct arena *a, int64_t id)
{
	return db_exec(db, a, &q_outbox_release, NULL, DB_ARGS(db_param_int(a, id)));
}

DB_STMT(q_outbox_next_due, "SELECT extract(epoch FROM min(greatest(next_attempt_at,"
			   "   coalesce(locked_until, next_attempt_at))) - now())::float8 AS secs"
			   " FROM notifications WHERE status = 'queued' HAVING count(*) > 0");

int pg_outbox_next_due(struct db *db, struct arena *a, double *secs)
{
	struct db_rows r;
	int rc = db_exec(db, a, &q_outbox_next_due, &r, 0, NULL);
	if (rc > 0)
		*secs = strtod(db_val(&r, 0, "secs"), NULL);
	return rc;
}

int pg_outbox_listen(struct db *db)
{
	return db_exec_simple(db, "LISTEN fieldd_outbox");
}

int pg_outbox_backend(struct db *db)
{
	return PQbackendPID(PG(db));
}

/* Drains what arrived; 1 when a notification was among it. */
static int drain(PGconn *c)
{
	int got = 0;
	PGnotify *n;
	while ((n = PQnotifies(c)) != NULL) {
		got = 1;
		PQfreemem(n);
	}
	return got;
}

int pg_outbox_wait(struct db *db, int timeout_ms, int stop_fd)
{
	PGconn *c = PG(db);
	if (PQstatus(c) != CONNECTION_OK)
		return DB_SOFT;
	if (!PQconsumeInput(c))
		return DB_SOFT;
	if (drain(c))
		return 1;
	struct pollfd pf[2] = {{PQsocket(c), POLLIN, 0}, {stop_fd, POLLIN, 0}};
	int n = poll(pf, stop_fd >= 0 ? 2 : 1, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : DB_SOFT;
	if (n == 0 || (stop_fd >= 0 && (pf[1].revents & POLLIN)))
		return 0;
	if (!PQconsumeInput(c))
		return DB_SOFT;
	return drain(c);
}

DB_STMT(q_outbox_resend,
	"WITH o AS (SELECT id, status FROM notifications WHERE id = $1::bigint FOR UPDATE),"
	" u AS (UPDATE notifications n SET status = 'queued', attempts = 0, locked_until = NULL,"
	"   next_attempt_at = now() FROM o WHERE n.id = o.id AND o.status IN ('dead', 'failed')"
	"   RETURNING n.id, n.ticket_id, n.visit_id, n.last_error),"
	" a AS (INSERT INTO audit_events (ticket_id, visit_id, actor_id, action, after)"
	"   SELECT u.ticket_id, u.visit_id, $2::bigint, 'notification.resend',"
	"   jsonb_build_object('notification_id', u.id, 'last_error', u.last_error) FROM u)"
	" SELECT o.status, (SELECT count(*) FROM u) AS done FROM o");

int pg_outbox_resend(struct db *db, struct arena *a, int64_t id, int64_t actor, const char **status)
{
	struct db_rows r;
	*status = NULL;
	int rc = db_exec(db, a, &q_outbox_resend, &r,
			 DB_ARGS(db_param_int(a, id), db_param_int(a, actor)));
	if (rc <= 0)
		return rc;
	*status = db_val(&r, 0, "status");
	return db_int(&r, 0, "done") > 0 ? 1 : 0;
}

/* ---- the tracking page ---- */

/* The ticket's latest visit that is not cancelled (else the latest), its first completed
 * result, its delay notices; no phone numbers, no e-mail addresses, no symptom text. */
DB_STMT(
    q_public_ticket,
    "SELECT t.id, t.status, u.name AS engineer_name,"
    "  (t.status IN ('resolved', 'closed') AND s.id IS NULL) AS survey_open,"
    "  (s.id IS NOT NULL) AS surveyed,"
    "  jsonb_build_object("
    "   'number', t.number, 'status', t.status,"
    "   'fault', jsonb_build_object('code', t.fault_code, 'name', f.name_ko),"
    "   'device', jsonb_build_object('kind', d.kind, 'model', d.model),"
    "   'created_at', api_time(t.created_at), 'due_at', api_time(t.due_at),"
    "   'resolved_at', api_time(t.resolved_at),"
    "   'visit', CASE WHEN v.id IS NOT NULL THEN jsonb_build_object("
    "     'status', v.status, 'start', api_time(v.starts_at), 'end', api_time(v.ends_at),"
    "     'late_notice', CASE WHEN v.late_notice_at IS NOT NULL THEN jsonb_build_object("
    "       'minutes', v.late_minutes, 'at', api_time(v.late_notice_at)) END) END,"
    "   'delay_notices', coalesce((SELECT jsonb_agg(jsonb_build_object('reason', n.reason,"
    "       'new_due_at', api_time(n.new_due_at), 'at', api_time(n.at)) ORDER BY n.id)"
    "     FROM delay_notices n WHERE n.ticket_id = t.id), '[]'),"
    "   'result', (SELECT jsonb_build_object('resolved', x.resolved, 'resolution', x.resolution,"
    "       'completed_at', api_time(x.completed_at)) FROM visits x"
    "     WHERE x.ticket_id = t.id AND x.status = 'completed'"
    "     ORDER BY x.seq DESC LIMIT 1),"
    "   'survey', CASE WHEN s.id IS NOT NULL THEN jsonb_build_object('rating', s.rating,"
    "     'comment', s.comment, 'created_at', api_time(s.created_at)) END,"
    "   'survey_open', t.status IN ('resolved', 'closed') AND s.id IS NULL"
    "  )::text AS doc"
    " FROM tickets t JOIN devices d ON d.id = t.device_id"
    " LEFT JOIN fault_codes f ON f.code = t.fault_code"
    " LEFT JOIN LATERAL (SELECT x.* FROM visits x WHERE x.ticket_id = t.id"
    "   ORDER BY x.status = 'cancelled', x.seq DESC LIMIT 1) v ON true"
    " LEFT JOIN users u ON u.id = coalesce(v.engineer_id, v.lead_id)"
    " LEFT JOIN surveys s ON s.ticket_id = t.id"
    " WHERE t.tracking = $1"
    "   AND NOT (t.status IN ('resolved', 'closed', 'cancelled')"
    "        AND coalesce(t.resolved_at, t.updated_at)"
    "            < now() - make_interval(days => $2::int))");

int pg_public_ticket(struct db *db, struct arena *a, const char *tracking, int expire_days,
		     struct public_ticket *out)
{
	struct db_rows r;
	int rc =
	    db_exec(db, a, &q_public_ticket, &r, DB_ARGS(tracking, db_param_int(a, expire_days)));
	if (rc <= 0)
		return rc;
	out->id = db_int(&r, 0, "id");
	out->doc = db_val(&r, 0, "doc");
	out->engineer_name = db_val(&r, 0, "engineer_name");
	if (!domain_ticket_status_parse(db_val(&r, 0, "status"), &out->status))
		return DB_HARD;
	out->survey_open = db_bool(&r, 0, "survey_open");
	out->surveyed = db_bool(&r, 0, "surveyed");
	return 1;
}

DB_STMT(q_survey_insert,
	"WITH s AS (INSERT INTO surveys (ticket_id, rating, comment)"
	"   VALUES ($1::bigint, $2::smallint, $3) ON CONFLICT (ticket_id) DO NOTHING"
	"   RETURNING id, ticket_id, rating),"
	" a AS (INSERT INTO audit_events (ticket_id, action, after)"
	"   SELECT s.ticket_id, 'survey.received', jsonb_build_object('survey_id', s.id,"
	"   'rating', s.rating) FROM s)"
	" SELECT id FROM s");

int pg_survey_insert(struct db *db, struct arena *a, int64_t ticket_id, int rating,
		     const char *comment)
{
	return db_exec(db, a, &q_survey_insert, NULL,
		       DB_ARGS(db_param_int(a, ticket_id), db_param_int(a, rating), comment));
}

/* ---- notices queued by the request path, and the list the desk reads ---- */

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
			       DB_ARGS(db_param_int(a, ticket), db_param_id(a, visit), n->channel,
				       n->template_name, payload));
	case NOTICE_USER:
	case NOTICE_EVERY_LEAD:
		break;
	}
	return db_exec(db, a, &q_notify_users, NULL,
		       DB_ARGS(db_param_int(a, ticket), db_param_id(a, visit),
			       n->channel ? n->channel : "sms", n->template_name, payload,
			       n->to == NOTICE_USER ? db_param_int(a, n->user_id) : NULL));
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
		       DB_ARGS(db_param_int(a, after), db_param_int(a, limit),
			       db_param_id(a, ticket), db_param_int(a, v->id), v->role,
			       db_param_id(a, v->team_id), status));
}
