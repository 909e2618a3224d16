/* Tickets: intake facts, insert, reads, status changes, delay notices. */
#include "fieldd/arena.h"
#include "fieldd/db.h"
#include "fieldd/pg.h"
#include "pg_dispatch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Intake runs at READ COMMITTED (ROUTE_READ_COMMITTED): the device row is locked
 * in a statement of its own, so intakes for one device run one after another, and
 * every later statement of the transaction sees the tickets of any intake that
 * held the lock before -- the repeat count (R7) is exact under concurrency.
 * (Serializable isolation gave the same answers, but its predicate locks on
 * tickets' newest index pages, taken by the foreign-key checks of every intake's
 * audit event, made concurrent intakes abort one another.)
 */
DB_STMT(q_intake_device, "SELECT d.kind FROM devices d WHERE d.id = $1::bigint"
			 " FOR UPDATE");

/*
 * The rest intake reads, in one round trip, after the lock: whether the fault
 * code exists, the customer, earlier tickets with the same fault within the
 * window, who last worked on the device, the transaction's now(), and the leads
 * and the engineers skilled in the device's kind ($5; the proposal passes over
 * anyone else) with their schedule versions (PG_DISPATCH_PEOPLE; their busy
 * time comes from the schedule cache). One row per person,
 * the intake facts repeated on each; one row with a NULL person when there is
 * nobody.
 */
DB_STMT(q_intake_facts,
	"WITH f AS MATERIALIZED (SELECT"
	"   EXISTS (SELECT 1 FROM fault_codes WHERE code = $3) AS fault_known,"
	"   c.rank, c.vip,"
	"   (SELECT count(*) FROM tickets t WHERE t.device_id = $1::bigint AND t.fault_code = $3"
	"     AND t.status <> 'cancelled'"
	"     AND t.created_at > now() - make_interval(days => $4::int)) AS prior,"
	/* who last worked on the device (the proposal prefers them) */
	"   (SELECT v.engineer_id FROM visits v JOIN tickets t ON t.id = v.ticket_id"
	"     WHERE t.device_id = $1::bigint AND v.engineer_id IS NOT NULL"
	"     AND v.status IN ('completed', 'absent', 'on_site')"
	"     ORDER BY coalesce(v.completed_at, v.arrived_at, v.starts_at) DESC LIMIT 1)"
	"     AS last_engineer,"
	"   (extract(epoch FROM now()) * 1000000)::bigint AS now_us"
	"   FROM (SELECT 1) one LEFT JOIN customers c ON c.id = $2::bigint)"
	" SELECT f.*, p.* FROM f LEFT JOIN (" PG_DISPATCH_PEOPLE(
	    "u.role = 'lead' OR $5 = ANY (u.skills)") ") p ON true ORDER BY p.id");

int pg_intake_facts(struct db *db, struct arena *a, int64_t device_id, int64_t customer_id,
		    const char *fault, int window_days, time_t from, time_t to,
		    struct intake_facts *out)
{
	struct db_rows dev, rows;
	memset(out, 0, sizeof *out);
	int rc = db_exec(db, a, &q_intake_device, &dev, DB_ARGS(db_param_int(a, device_id)));
	if (rc < 0)
		return rc;
	if (rc > 0)
		out->kind = db_val(&dev, 0, "kind");
	rc = db_exec(db, a, &q_intake_facts, &rows,
		     DB_ARGS(db_param_int(a, device_id), db_param_int(a, customer_id), fault,
			     db_param_int(a, window_days), out->kind));
	if (rc <= 0)
		return rc < 0 ? rc : DB_HARD;
	out->fault_known = db_bool(&rows, 0, "fault_known");
	out->rank = db_val(&rows, 0, "rank");
	out->vip_override = db_bool(&rows, 0, "vip");
	out->prior_same_faults = (int)db_int(&rows, 0, "prior");
	out->last_engineer_id = db_int(&rows, 0, "last_engineer");
	out->now_us = db_int(&rows, 0, "now_us");
	int n = pg_dispatch_people_rows(db, a, &rows, from, to, &out->people);
	if (n < 0)
		return n;
	out->npeople = n;
	return 1;
}

/* The ticket, its audit event and, for an escalated ticket, the notice to the lead
 * (R7/R8), in one statement. Ticket numbers keep all their digits past 999999. */
DB_STMT(q_ticket_create,
	"WITH t AS (INSERT INTO tickets (number, customer_id, device_id, fault_code, symptom,"
	"   channel, verification, priority, due_at, repeat_count, escalations, requires_lead,"
	"   vip, tracking, first_contact_target_min, repeat_window_days, created_by)"
	"   SELECT 'T-' || to_char(now(), 'YYYY') || '-'"
	"     || lpad(n.s::text, greatest(6, length(n.s::text)), '0'),"
	"   $1::bigint, $2::bigint, $3, $4, $5, $6, $7, now() + make_interval(hours => $8::int),"
	"   $9::int, coalesce(string_to_array(nullif($10, ''), ','), '{}'), $11::bool, $12::bool,"
	"   $16, $13::int, $14::int, $15::bigint"
	"   FROM (SELECT nextval('ticket_number_seq') AS s) n"
	"   RETURNING id, number, ticket_doc(tickets) AS doc),"
	" a AS (INSERT INTO audit_events (ticket_id, actor_id, action, after)"
	"   SELECT t.id, $15::bigint, 'ticket.created', t.doc FROM t),"
	" n AS (INSERT INTO notifications (ticket_id, recipient_kind, recipient_id, recipient,"
	"   channel, template, payload)"
	"   SELECT t.id, 'user', u.id, CASE $20 WHEN 'email' THEN u.email ELSE u.phone END, $20,"
	"     $19, jsonb_build_object("
	"     'number', t.number, 'escalations', $10, 'repeat_count', $9::int)"
	"   FROM t CROSS JOIN users u WHERE $17::bool AND CASE WHEN $18::bigint IS NULL"
	"     THEN u.role = 'lead' AND u.active ELSE u.id = $18::bigint END)"
	" SELECT t.id, t.number, t.doc::text AS doc FROM t");

int pg_ticket_create(struct db *db, struct arena *a, const struct ticket_new *t, int64_t *id,
		     const char **number, const char **doc)
{
	struct db_rows rows;
	const struct notice *n = &t->escalation; /* to a user, or every active lead */
	int rc =
	    db_exec(db, a, &q_ticket_create, &rows,
		    DB_ARGS(db_param_int(a, t->customer_id), db_param_int(a, t->device_id),
			    t->fault_code, t->symptom, t->channel, t->verification, t->priority,
			    db_param_int(a, t->due_hours), db_param_int(a, t->repeat_count),
			    t->escalations, t->requires_lead ? "true" : "false",
			    t->vip ? "true" : "false", db_param_int(a, t->first_contact_target_min),
			    db_param_int(a, t->repeat_window_days), db_param_id(a, t->created_by),
			    t->tracking,
			    n->to == NOTICE_USER || n->to == NOTICE_EVERY_LEAD ? "true" : "false",
			    n->to == NOTICE_USER ? db_param_int(a, n->user_id) : NULL,
			    n->template_name, n->channel ? n->channel : "sms"));
	if (rc > 0) {
		*id = db_int(&rows, 0, "id");
		*number = db_val(&rows, 0, "number");
		*doc = db_val(&rows, 0, "doc");
	}
	return rc;
}

DB_STMT(q_ticket_facts,
	"SELECT t.id, t.customer_id, t.device_id, t.status, t.number, t.requires_lead, t.vip,"
	" d.kind, extract(epoch FROM t.due_at)::bigint AS due_epoch,"
	" extract(epoch FROM t.created_at)::bigint AS created_epoch"
	" FROM tickets t JOIN devices d ON d.id = t.device_id WHERE t.id = $1::bigint"
	" AND ticket_visible(t.id, $2::bigint, $3, $4::bigint)");

int pg_ticket_facts(struct db *db, struct arena *a, int64_t id, const struct viewer *v,
		    struct ticket_facts *out)
{
	struct db_rows rows;
	int rc = db_exec(db, a, &q_ticket_facts, &rows,
			 DB_ARGS(db_param_int(a, id), db_param_int(a, v->id), v->role,
				 db_param_id(a, v->team_id)));
	if (rc <= 0)
		return rc;
	out->id = db_int(&rows, 0, "id");
	out->customer_id = db_int(&rows, 0, "customer_id");
	out->device_id = db_int(&rows, 0, "device_id");
	if (!domain_ticket_status_parse(db_val(&rows, 0, "status"), &out->status))
		return DB_HARD;
	out->number = db_val(&rows, 0, "number");
	out->kind = db_val(&rows, 0, "kind");
	out->requires_lead = db_bool(&rows, 0, "requires_lead");
	out->vip = db_bool(&rows, 0, "vip");
	out->due_at = (time_t)db_int(&rows, 0, "due_epoch");
	out->created_at = (time_t)db_int(&rows, 0, "created_epoch");
	return rc;
}

DB_STMT(q_ticket_doc, "SELECT ticket_doc(t)::text AS doc FROM tickets t WHERE t.id = $1::bigint");
DB_STMT(q_ticket_full,
	"SELECT (ticket_doc(t) || jsonb_build_object("
	" 'visits', coalesce((SELECT jsonb_agg(visit_doc(v) - 'ticket' ORDER BY v.seq)"
	"    FROM visits v WHERE v.ticket_id = t.id), '[]'),"
	" 'contacts', coalesce((SELECT jsonb_agg(jsonb_build_object('reached', k.reached,"
	"    'note', k.note, 'by', k.by_user, 'at', api_time(k.at)) ORDER BY k.id)"
	"    FROM ticket_contacts k WHERE k.ticket_id = t.id), '[]'),"
	" 'timeline', coalesce((SELECT jsonb_agg(jsonb_build_object('id', e.id,"
	"    'action', e.action, 'actor', person_doc(e.actor_id) - 'phone', 'visit_id', e.visit_id,"
	"    'before', e.before, 'after', e.after, 'at', api_time(e.at),"
	"    'received_at', api_time(coalesce(e.received_at, e.at))) ORDER BY e.at, e.id)"
	"    FROM audit_events e WHERE e.ticket_id = t.id), '[]'),"
	" 'notifications', coalesce((SELECT jsonb_agg(jsonb_build_object('id', n.id,"
	"    'channel', n.channel, 'template', n.template, 'recipient_kind', n.recipient_kind,"
	"    'recipient', n.recipient, 'status', n.status, 'payload', n.payload,"
	"    'created_at', api_time(n.created_at)) ORDER BY n.id)"
	"    FROM notifications n WHERE n.ticket_id = t.id), '[]')))::text AS doc"
	" FROM tickets t WHERE t.id = $1::bigint");

int pg_ticket_doc(struct db *db, struct arena *a, int64_t id, bool full, const char **doc)
{
	struct db_rows rows;
	int rc = db_exec(db, a, full ? &q_ticket_full : &q_ticket_doc, &rows,
			 DB_ARGS(db_param_int(a, id)));
	if (rc > 0)
		*doc = db_val(&rows, 0, "doc");
	return rc;
}

DB_STMT(q_ticket_list,
	"SELECT t.id, ticket_doc(t)::text AS doc FROM tickets t"
	" WHERE t.id < $1::bigint"
	" AND ($3::text IS NULL OR t.status = $3)"
	" AND ($4::text IS NULL OR $4 = ANY (t.escalations))"
	" AND ($5::text IS NULL OR t.priority = $5)"
	" AND ($6::int < 0 OR t.vip = ($6::int = 1))"
	" AND ($7::int < 0 OR (t.due_at < now()"
	"      AND t.status NOT IN ('resolved', 'closed', 'cancelled')) = ($7::int = 1))"
	" AND ($8::int < 0 OR (coalesce(t.first_contact_at, now())"
	"      > t.created_at + make_interval(mins => t.first_contact_target_min)) = ($8::int = 1))"
	" AND ($9::bigint IS NULL OR EXISTS (SELECT 1 FROM visits v WHERE v.ticket_id = t.id"
	"      AND v.status <> 'cancelled' AND $9::bigint IN (v.engineer_id, v.lead_id)))"
	" AND ($10::bigint IS NULL OR t.customer_id = $10::bigint)"
	" AND ($11::bigint IS NULL OR t.device_id = $11::bigint)"
	" AND ticket_visible(t.id, $12::bigint, $13, $14::bigint)"
	" ORDER BY t.id DESC LIMIT $2::int");

int pg_ticket_list(struct db *db, struct arena *a, const struct ticket_filter *f,
		   const struct viewer *v, int64_t after, int limit, struct db_rows *rows)
{
	return db_exec(db, a, &q_ticket_list, rows,
		       DB_ARGS(after > 0 ? db_param_int(a, after) : "9223372036854775807",
			       db_param_int(a, limit), f->status, f->escalation, f->priority,
			       db_param_int(a, f->vip), db_param_int(a, f->overdue),
			       db_param_int(a, f->first_contact_breach),
			       db_param_id(a, f->assignee), db_param_id(a, f->customer_id),
			       db_param_id(a, f->device_id), db_param_int(a, v->id), v->role,
			       db_param_id(a, v->team_id)));
}

DB_STMT(q_ticket_status, "UPDATE tickets SET status = $2, updated_at = now(),"
			 " resolved_at = CASE WHEN $2 = 'resolved' THEN now() ELSE resolved_at END"
			 " WHERE id = $1::bigint");

int pg_ticket_set_status(struct db *db, struct arena *a, int64_t id, enum ticket_status status)
{
	return db_exec(db, a, &q_ticket_status, NULL,
		       DB_ARGS(db_param_int(a, id), domain_ticket_status_name(status)));
}

/* the earliest contact counts (R14), also when a call made offline is heard of later */
DB_STMT(q_ticket_first_contact,
	"UPDATE tickets SET first_contact_at = coalesce($2::timestamptz, now()), updated_at = now()"
	" WHERE id = $1::bigint"
	" AND (first_contact_at IS NULL OR first_contact_at > coalesce($2::timestamptz, now()))");

int pg_ticket_first_contact(struct db *db, struct arena *a, int64_t id, const char *at)
{
	return db_exec(db, a, &q_ticket_first_contact, NULL, DB_ARGS(db_param_int(a, id), at));
}

DB_STMT(q_ticket_delay,
	"WITH old AS (SELECT due_at FROM tickets WHERE id = $1::bigint FOR UPDATE),"
	" n AS (INSERT INTO delay_notices (ticket_id, reason, old_due_at, new_due_at, by_user)"
	"       SELECT $1::bigint, $2, old.due_at, $3::timestamptz, $4::bigint FROM old"
	"       RETURNING id)"
	" UPDATE tickets SET due_at = $3::timestamptz, updated_at = now()"
	" FROM n WHERE tickets.id = $1::bigint RETURNING n.id AS notice_id");

int pg_ticket_delay(struct db *db, struct arena *a, int64_t id, const char *reason,
		    const char *new_due_at, int64_t by, int64_t *notice_id)
{
	struct db_rows rows;
	int rc = db_exec(db, a, &q_ticket_delay, &rows,
			 DB_ARGS(db_param_int(a, id), reason, new_due_at, db_param_id(a, by)));
	if (rc > 0)
		*notice_id = db_int(&rows, 0, "notice_id");
	return rc;
}

DB_STMT(q_ticket_cancel,
	"WITH v AS (UPDATE visits SET status = 'cancelled', cancel_reason = $2,"
	"   ical_sequence = ical_sequence + 1, updated_at = now()"
	"   WHERE ticket_id = $1::bigint AND status = ANY ($3::text[])"
	"   RETURNING id)"
	" UPDATE tickets SET status = 'cancelled', cancel_reason = $2, updated_at = now()"
	" WHERE id = $1::bigint");

int pg_ticket_cancel(struct db *db, struct arena *a, int64_t id, const char *reason)
{
	/* which visits go with the ticket is the domain's answer */
	return db_exec(db, a, &q_ticket_cancel, NULL,
		       DB_ARGS(db_param_int(a, id), reason,
			       pg_visit_statuses(a, domain_cancelled_with_ticket)));
}

DB_STMT(q_ticket_contact, "INSERT INTO ticket_contacts (ticket_id, reached, note, by_user)"
			  " VALUES ($1::bigint, $2::bool, $3, $4::bigint)");

int pg_ticket_contact(struct db *db, struct arena *a, int64_t id, bool reached, const char *note,
		      int64_t by)
{
	return db_exec(
	    db, a, &q_ticket_contact, NULL,
	    DB_ARGS(db_param_int(a, id), reached ? "true" : "false", note, db_param_id(a, by)));
}
