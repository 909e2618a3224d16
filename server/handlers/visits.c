/*
 * Visits: reads and the steps of a visit (R3 pre-call, R4 late, R5 estimate
 * and consent, R6 completion, R10 absence). Each step: load the visit under
 * a row lock, ask domain_visit_step, write the change, the ticket's move
 * (domain_ticket_after_step), the notices domain_notice names and the audit
 * event in the same transaction.
 */
#include "fieldd/db.h"
#include "fieldd/domain.h"
#include "fieldd/handlers.h"
#include "fieldd/jspec.h"
#include "fieldd/pg.h"
#include "fieldd/util.h"
#include "tickets_int.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static int list(struct http_req *r, struct db *db, int64_t person, const char *from, const char *to)
{
	int limit;
	int64_t cursor;
	if (!http_page(r, 100, 500, &limit, &cursor))
		return 0;
	struct viewer v;
	viewer_of(r, &v);
	struct db_rows rows;
	int rc = pg_visit_list(db, r->a, person, from, to, &v, cursor, limit + 1, &rows);
	if (rc < 0)
		return rc;
	reply_doc_list(r, &rows, limit);
	return 0;
}

/* from/to: RFC 3339 or a local date (YYYY-MM-DD: its start). */
static bool time_query(struct http_req *r, const char *key, const char **out)
{
	const char *v = http_query(r, key);
	*out = NULL;
	if (!v)
		return true;
	time_t t, e;
	if (util_parse_rfc3339(v, &t) == 0 || util_parse_local_day(v, &t, &e) == 0) {
		*out = util_rfc3339(r->a, t);
		return true;
	}
	reply_problem(
	    r, ERR_BAD_QUERY,
	    arena_printf(r->a, "%s must be a date (2026-11-23) or an RFC 3339 time", key));
	return false;
}

int h_visits_list(struct http_req *r, struct db *db)
{
	int64_t person = 0;
	const char *p = http_query(r, "person"), *from, *to;
	if (p && util_parse_id(p, &person) < 0) {
		reply_problem(r, ERR_BAD_QUERY, "person must be a user id");
		return 0;
	}
	if (!time_query(r, "from", &from) || !time_query(r, "to", &to))
		return 0;
	return list(r, db, person, from, to);
}

int h_me_visits(struct http_req *r, struct db *db)
{
	const char *date = http_query(r, "date");
	time_t start, end;
	if (date) {
		if (util_parse_local_day(date, &start, &end) < 0) {
			reply_problem(r, ERR_BAD_QUERY, "date must look like 2026-11-23");
			return 0;
		}
	} else {
		struct tm tm;
		time_t now = time(NULL);
		localtime_r(&now, &tm);
		char today[11];
		strftime(today, sizeof today, "%Y-%m-%d", &tm);
		util_parse_local_day(today, &start, &end);
	}
	return list(r, db, r->user->id, util_rfc3339(r->a, start), util_rfc3339(r->a, end));
}

int h_visits_get(struct http_req *r, struct db *db)
{
	int64_t id;
	if (http_param_id(r, 0, &id) < 0)
		return 0;
	struct viewer v;
	viewer_of(r, &v);
	/* a read-only transaction: pg_visit_facts would lock the row (FOR UPDATE) */
	int rc = http_found(r, pg_visit_visible(db, r->a, id, &v), "visit");
	if (rc <= 0)
		return rc;
	const char *doc;
	if ((rc = pg_visit_doc(db, r->a, id, &doc)) <= 0)
		return rc < 0 ? rc : DB_HARD;
	reply_doc(r, 200, doc);
	return 0;
}

/* ---- steps ---- */

struct step_ctx {
	struct http_req *r;
	struct db *db;
	struct jtimestamp at;  /* the body's "at" (when the engineer acted), {0, NULL}: none */
	time_t when;	       /* at, or now: the step's time */
	const char *at_stored; /* what the step records as its time; NULL for now() */
	struct visit_row v;
	struct visit_facts f;
	struct step_verdict verdict;
	struct visit_change ch; /* what pg_visit_step writes */
};

/* Loads the visit and asks the rules. HTTP_GO, HTTP_REPLIED or a db status. */
static int step_begin(struct step_ctx *c)
{
	struct http_req *r = c->r;
	int64_t id;
	if (http_param_id(r, 0, &id) < 0)
		return HTTP_REPLIED;
	struct viewer vw;
	viewer_of(r, &vw);
	int rc = http_found(r, pg_visit_facts(c->db, r->a, id, &vw, &c->v), "visit");
	if (rc <= 0)
		return rc;
	c->f.status = c->v.status;
	c->f.has_estimate = c->v.has_estimate;
	c->f.has_consent = c->v.has_consent;
	c->f.requires_lead = c->v.requires_lead;
	c->f.has_lead = c->v.lead_id != 0;
	c->when = time(NULL);
	if (c->at.text) {
		/* a step made offline and sent later: its own time, within bounds */
		time_t at = c->at.t;
		const char *why = domain_step_at((long)at, (long)c->when, (long)c->v.last_step_at);
		if (why) {
			reply_invalid(r, "at", why);
			return HTTP_REPLIED;
		}
		/* a phone's clock a little behind: keep the timeline in order */
		if (at < c->v.last_step_at)
			at = c->v.last_step_at;
		c->when = at;
		c->at_stored = util_rfc3339(r->a, at);
	}
	return HTTP_GO;
}

static int step_check(struct step_ctx *c, enum visit_step step)
{
	domain_visit_step(step, &c->f, &c->verdict);
	if (!c->verdict.ok) {
		reply_problem(c->r, c->verdict.err,
			      c->verdict.err == ERR_STEP_ORDER
				  ? arena_printf(c->r->a, "the visit is %s: %s",
						 domain_visit_status_name(c->v.status),
						 c->verdict.detail)
				  : c->verdict.detail);
		return 0;
	}
	c->ch.at = c->at_stored;
	if (c->verdict.next != c->v.status) {
		c->ch.set_status = true;
		c->ch.status = c->verdict.next;
	}
	return 1;
}

/* Moves the visit's ticket as the step decides (resolved: a completion's answer). */
static int move_ticket(struct step_ctx *c, enum visit_step step, bool resolved)
{
	struct ticket_facts t;
	struct viewer vw;
	viewer_of(c->r, &vw);
	int rc = pg_ticket_facts(c->db, c->r->a, c->v.ticket_id, &vw, &t);
	if (rc <= 0)
		return rc;
	return ticket_move(c->r, c->db, &t, domain_ticket_after_step(t.status, step, resolved),
			   c->v.id, c->at_stored);
}

/* Writes the notice the event causes (if any), with the visit's id in its payload (an
 * object of the request's arena). */
static int notify(struct step_ctx *c, enum notice_event event, const struct notice_facts *nf,
		  struct json_object *payload)
{
	struct notice n;
	domain_notice(event, nf, &n);
	json_object_object_add(payload, "visit_id", jint(c->v.id));
	int rc = pg_notice(c->db, c->r->a, c->v.ticket_id, c->v.id, &n,
			   jspec_dump(c->r->a, payload, NULL));
	return rc;
}

/* The change as its audit event records it (the members the step set). */
static const char *change_json(struct http_req *r, const struct visit_change *c)
{
	struct json_object *o = jobj(r->a);
#define ADD(key, v) json_object_object_add(o, key, v)
	if (c->at)
		ADD("at", jstr(c->at));
	if (c->set_status)
		ADD("status", jstr(domain_visit_status_name(c->status)));
	if (c->attempt)
		ADD("attempt", jstr(c->attempt));
	if (c->starts_at || c->ends_at) {
		ADD("starts_at", jstr(util_rfc3339(r->a, c->starts_at)));
		ADD("ends_at", jstr(util_rfc3339(r->a, c->ends_at)));
	}
	if (c->departed)
		ADD("departed_now", jbool(true));
	if (c->late_minutes > 0)
		ADD("late_minutes", jint(c->late_minutes));
	if (c->arrived) {
		ADD("arrived_now", jbool(true));
		ADD("arrived_late", jbool(c->arrived_late));
	}
	if (c->estimate_minutes > 0) {
		ADD("estimate_minutes", jint(c->estimate_minutes));
		ADD("estimate_explanation", jstr(c->estimate_explanation));
	}
	if (c->consent_by)
		ADD("consent_by", jstr(c->consent_by));
	if (c->completed) {
		ADD("completed_now", jbool(true));
		ADD("resolved", jbool(c->resolved));
		ADD("work_done", jbool(c->work_done));
		ADD("resolution", jstr(c->resolution));
		if (c->follow_up_reason)
			ADD("follow_up_reason", jstr(c->follow_up_reason));
	}
	if (c->absent) {
		ADD("memo_left", jbool(c->memo_left));
		if (c->absent_note)
			ADD("absent_note", jstr(c->absent_note));
	}
	if (c->cancel_reason)
		ADD("cancel_reason", jstr(c->cancel_reason));
#undef ADD
	return jspec_dump(r->a, o, NULL);
}

/* Writes the change, the audit event and replies with the visit. */
static int step_finish(struct step_ctx *c, const char *action)
{
	struct http_req *r = c->r;
	int rc = pg_visit_step(c->db, r->a, c->v.id, &c->ch);
	if (rc < 0)
		return booking_failed(r, c->db, rc);
	rc = pg_audit_at(
	    c->db, r->a, c->v.ticket_id, c->v.id, r->user->id, action,
	    arena_printf(r->a, "{\"status\":\"%s\"}", domain_visit_status_name(c->v.status)),
	    change_json(r, &c->ch), c->at_stored);
	const char *doc;
	if (rc < 0 || (rc = pg_visit_doc(c->db, r->a, c->v.id, &doc)) <= 0)
		return rc < 0 ? rc : DB_HARD;
	reply_doc(r, 200, doc);
	return 0;
}

#define STEP_BEGIN(c)                                                                              \
	do {                                                                                       \
		int rc_ = step_begin(&(c));                                                        \
		if (rc_ <= 0)                                                                      \
			return rc_;                                                                \
	} while (0)

int h_visit_precall(struct http_req *r, struct db *db)
{
	struct jtimestamp at = {0, NULL};
	static const char *const outcomes[] = {"reached", "no_answer", "reschedule", NULL};
	const char *outcome = NULL, *note = NULL;
	struct jtimestamp start = {0, NULL}, end = {0, NULL};
	const struct jfield spec[] = {
	    {.name = "outcome",
	     .type = J_ENUM,
	     .required = true,
	     .enums = outcomes,
	     .out = &outcome},
	    {.name = "start", .type = J_TIMESTAMP, .out = &start},
	    {.name = "end", .type = J_TIMESTAMP, .out = &end},
	    {.name = "note", .type = J_STRING, .nullable = true, .max = 2000, .out = &note},
	    {.name = "at", .type = J_TIMESTAMP, .out = &at},
	    JSPEC_END,
	};
	if (!http_parse_body(r, spec))
		return 0;
	bool reschedule = !strcmp(outcome, "reschedule");
	if (reschedule && (!start.text || !end.text)) {
		reply_invalid(r, start.text ? "end" : "start",
			      "a reschedule needs the new start and end");
		return 0;
	}
	if (!reschedule && (start.text || end.text)) {
		reply_invalid(r, start.text ? "start" : "end",
			      "only a reschedule moves the window");
		return 0;
	}
	struct step_ctx c = {.r = r, .db = db, .at = at};
	STEP_BEGIN(c);
	time_t s = 0, e = 0;
	if (reschedule) {
		if (!booking_window(r, &start, &end, &s, &e))
			return 0;
		int rc = booking_free(r, db, c.v.engineer_id, c.v.lead_id, s, e, c.v.id);
		if (rc <= 0)
			return rc;
	}
	if (!step_check(&c, STEP_PRECALL))
		return 0;
	int rc = pg_precall_add(db, r->a, c.v.id, outcome, note, r->user->id, c.at_stored);
	if (rc < 0)
		return rc;
	if (!strcmp(outcome, "no_answer")) {
		/* R3: the visit stays proposed; the attempt is on record */
		c.ch.attempt = "no_answer";
		return step_finish(&c, "visit.precall");
	}
	/* reached, or reached and agreed another time: confirmed (R3), first contact (R14) */
	c.ch.set_status = true;
	c.ch.status = VS_CONFIRMED;
	if (reschedule) {
		c.ch.starts_at = s;
		c.ch.ends_at = e;
	} else {
		s = c.v.starts_at;
		e = c.v.ends_at;
	}
	if ((rc = pg_ticket_first_contact(db, r->a, c.v.ticket_id, c.at_stored)) < 0)
		return rc;
	struct json_object *pl = jobj(r->a);
	json_object_object_add(pl, "start", jstr(util_rfc3339(r->a, s)));
	json_object_object_add(pl, "end", jstr(util_rfc3339(r->a, e)));
	json_object_object_add(pl, "rescheduled", jbool(reschedule));
	if ((rc = notify(&c, NOTE_APPOINTMENT_CONFIRMED, &(struct notice_facts){0}, pl)) < 0)
		return rc;
	return step_finish(&c, "visit.precall");
}

int h_visit_depart(struct http_req *r, struct db *db)
{
	struct jtimestamp at = {0, NULL};
	const struct jfield spec[] = {
	    {.name = "at", .type = J_TIMESTAMP, .out = &at},
	    JSPEC_END,
	};
	if (!http_parse_body(r, spec))
		return 0;
	struct step_ctx c = {.r = r, .db = db, .at = at};
	STEP_BEGIN(c);
	if (!step_check(&c, STEP_DEPART))
		return 0;
	c.ch.departed = true;
	int rc = move_ticket(&c, STEP_DEPART, false);
	if (rc < 0)
		return rc;
	return step_finish(&c, "visit.depart");
}

int h_visit_late(struct http_req *r, struct db *db)
{
	struct jtimestamp at = {0, NULL};
	int64_t minutes = 0;
	const char *note = NULL;
	const struct jfield spec[] = {
	    {.name = "minutes",
	     .type = J_INT,
	     .required = true,
	     .min = 1,
	     .max = 600,
	     .out = &minutes},
	    {.name = "note", .type = J_STRING, .nullable = true, .max = 2000, .out = &note},
	    {.name = "at", .type = J_TIMESTAMP, .out = &at},
	    JSPEC_END,
	};
	if (!http_parse_body(r, spec))
		return 0;
	struct step_ctx c = {.r = r, .db = db, .at = at};
	STEP_BEGIN(c);
	if (!step_check(&c, STEP_LATE))
		return 0;
	c.ch.late_minutes = (int)minutes;
	/* R4: call first when late; the customer hears it on their channel */
	struct json_object *pl = jobj(r->a);
	json_object_object_add(pl, "minutes", jint(minutes));
	json_object_object_add(pl, "note", jstr(note));
	int rc = notify(&c, NOTE_LATE, &(struct notice_facts){0}, pl);
	if (rc < 0)
		return rc;
	return step_finish(&c, "visit.late");
}

int h_visit_arrive(struct http_req *r, struct db *db)
{
	struct jtimestamp at = {0, NULL};
	const struct jfield spec[] = {
	    {.name = "at", .type = J_TIMESTAMP, .out = &at},
	    JSPEC_END,
	};
	if (!http_parse_body(r, spec))
		return 0;
	struct step_ctx c = {.r = r, .db = db, .at = at};
	STEP_BEGIN(c);
	if (!step_check(&c, STEP_ARRIVE))
		return 0;
	c.ch.arrived = true;
	c.ch.arrived_late = domain_arrived_late((long)c.when, (long)c.v.starts_at, c.v.late_notice);
	int rc = move_ticket(&c, STEP_ARRIVE, false);
	if (rc < 0)
		return rc;
	return step_finish(&c, "visit.arrive");
}

int h_visit_estimate(struct http_req *r, struct db *db)
{
	struct jtimestamp at = {0, NULL};
	int64_t minutes = 0;
	const char *explanation = NULL;
	const struct jfield spec[] = {
	    {.name = "minutes",
	     .type = J_INT,
	     .required = true,
	     .min = 1,
	     .max = 10080,
	     .out = &minutes},
	    {.name = "explanation",
	     .type = J_STRING,
	     .required = true,
	     .min = 1,
	     .max = 2000,
	     .out = &explanation},
	    {.name = "at", .type = J_TIMESTAMP, .out = &at},
	    JSPEC_END,
	};
	if (!http_parse_body(r, spec))
		return 0;
	struct step_ctx c = {.r = r, .db = db, .at = at};
	STEP_BEGIN(c);
	if (!step_check(&c, STEP_ESTIMATE))
		return 0;
	c.ch.estimate_minutes = (int)minutes;
	c.ch.estimate_explanation = explanation;
	return step_finish(&c, "visit.estimate");
}

int h_visit_consent(struct http_req *r, struct db *db)
{
	struct jtimestamp at = {0, NULL};
	const char *by = NULL;
	const struct jfield spec[] = {
	    {.name = "by", .type = J_STRING, .required = true, .min = 1, .max = 100, .out = &by},
	    {.name = "at", .type = J_TIMESTAMP, .out = &at},
	    JSPEC_END,
	};
	if (!http_parse_body(r, spec))
		return 0;
	struct step_ctx c = {.r = r, .db = db, .at = at};
	STEP_BEGIN(c);
	if (!step_check(&c, STEP_CONSENT))
		return 0;
	c.ch.consent_by = by;
	return step_finish(&c, "visit.consent");
}

int h_visit_complete(struct http_req *r, struct db *db)
{
	struct jtimestamp at = {0, NULL};
	bool resolved = false, work_done = true;
	const char *resolution = NULL, *follow_up = NULL;
	const struct jfield spec[] = {
	    {.name = "resolved", .type = J_BOOL, .required = true, .out = &resolved},
	    {.name = "resolution",
	     .type = J_STRING,
	     .required = true,
	     .min = 1,
	     .max = 4000,
	     .out = &resolution},
	    {.name = "follow_up_reason",
	     .type = J_STRING,
	     .nullable = true,
	     .min = 1,
	     .max = 2000,
	     .out = &follow_up},
	    {.name = "work_done", .type = J_BOOL, .out = &work_done},
	    {.name = "at", .type = J_TIMESTAMP, .out = &at},
	    JSPEC_END,
	};
	if (!http_parse_body(r, spec))
		return 0;
	struct step_ctx c = {.r = r, .db = db, .at = at};
	STEP_BEGIN(c);
	c.f.work_done = work_done;
	c.f.resolved = resolved;
	c.f.has_follow_up_reason = follow_up != NULL;
	int rc0 =
	    pg_checklist_gate(db, r->a, c.v.id, &c.f.checklist_required, &c.f.checklist_complete);
	if (rc0 < 0)
		return rc0;
	if (!step_check(&c, STEP_COMPLETE))
		return 0;
	c.ch.completed = true;
	c.ch.resolved = resolved;
	c.ch.work_done = work_done;
	c.ch.resolution = resolution;
	c.ch.follow_up_reason = follow_up;
	/* R6: a resolved visit resolves the ticket; otherwise it stays open */
	int rc = move_ticket(&c, STEP_COMPLETE, resolved);
	if (rc < 0)
		return rc;
	/* the result, with the survey on the tracking page (R15): for a resolved visit */
	struct json_object *pl = jobj(r->a);
	json_object_object_add(pl, "resolution", jstr(resolution));
	if ((rc = notify(&c, NOTE_RESULT, &(struct notice_facts){.resolved = resolved}, pl)) < 0)
		return rc;
	return step_finish(&c, "visit.complete");
}

int h_visit_absent(struct http_req *r, struct db *db)
{
	struct jtimestamp at = {0, NULL};
	bool memo_left = false;
	const char *note = NULL;
	const struct jfield spec[] = {
	    {.name = "memo_left", .type = J_BOOL, .required = true, .out = &memo_left},
	    {.name = "note", .type = J_STRING, .nullable = true, .max = 2000, .out = &note},
	    {.name = "at", .type = J_TIMESTAMP, .out = &at},
	    JSPEC_END,
	};
	if (!http_parse_body(r, spec))
		return 0;
	struct step_ctx c = {.r = r, .db = db, .at = at};
	STEP_BEGIN(c);
	if (!step_check(&c, STEP_ABSENT))
		return 0;
	c.ch.absent = true;
	c.ch.memo_left = memo_left;
	c.ch.absent_note = note;
	/* R10: a notice on the customer's channel (SMS unless they chose otherwise),
	 * and the ticket goes back to scheduling */
	struct json_object *pl = jobj(r->a);
	json_object_object_add(pl, "memo_left", jbool(memo_left));
	json_object_object_add(pl, "note", jstr(note));
	int rc = notify(&c, NOTE_ABSENT, &(struct notice_facts){0}, pl);
	if (rc >= 0)
		rc = move_ticket(&c, STEP_ABSENT, false);
	if (rc < 0)
		return rc;
	return step_finish(&c, "visit.absent");
}

int h_visit_cancel(struct http_req *r, struct db *db)
{
	struct jtimestamp at = {0, NULL};
	const char *reason = NULL;
	const struct jfield spec[] = {
	    {.name = "reason",
	     .type = J_STRING,
	     .required = true,
	     .min = 1,
	     .max = 2000,
	     .out = &reason},
	    {.name = "at", .type = J_TIMESTAMP, .out = &at},
	    JSPEC_END,
	};
	if (!http_parse_body(r, spec))
		return 0;
	struct step_ctx c = {.r = r, .db = db, .at = at};
	STEP_BEGIN(c);
	if (!step_check(&c, STEP_CANCEL))
		return 0;
	c.ch.cancel_reason = reason;
	/* the customer hears of it once they had agreed to the visit */
	struct json_object *pl = jobj(r->a);
	json_object_object_add(pl, "reason", jstr(reason));
	int rc = notify(&c, NOTE_VISIT_CANCELLED, &(struct notice_facts){.before = c.v.status}, pl);
	if (rc >= 0)
		rc = move_ticket(&c, STEP_CANCEL, false);
	if (rc < 0)
		return rc;
	return step_finish(&c, "visit.cancel");
}
