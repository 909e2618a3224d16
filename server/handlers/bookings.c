/*
 * Booking and assignment: a visit for a ticket (POST /tickets/{id}/visits) and
 * the dispatcher's override (POST /tickets/{id}/assign). The handler loads the
 * facts -- the ticket, the people named, their clashes -- and asks the domain
 * (domain/booking.c: the window, lead required R7/R8, lead is not the engineer,
 * double booking; dispatch.h: the proposal); SQL books what the domain allowed.
 */
#include "fieldd/auth.h"
#include "fieldd/db.h"
#include "fieldd/dispatch.h"
#include "fieldd/domain.h"
#include "fieldd/handlers.h"
#include "fieldd/jspec.h"
#include "fieldd/pg.h"
#include "fieldd/util.h"
#include "tickets_int.h"

#include <json-c/json.h>
#include <string.h>

/* Runs the proposal for a ticket. */
static int propose(struct http_req *r, struct db *db, const struct ticket_facts *t,
		   const struct propose_opts *o, struct dsp_proposal *out)
{
	memset(out, 0, sizeof *out);
	struct dsp_request rq;
	time_t from, to;
	dsp_request_for(time(NULL), t->due_at, t->kind, t->requires_lead, o->start, o->end, &rq,
			&from, &to);
	struct dsp_person *people;
	int n;
	int rc = pg_dispatch_people(db, r->a, from, to, &people, &n);
	if (rc < 0)
		return rc;
	if ((rc = pg_last_engineer(db, r->a, t->device_id, &rq.last_engineer_id)) < 0)
		return rc;
	dsp_propose_named(&rq, o->only_engineer, people, n, out);
	return 0;
}

/* Queues the reply for a refusal of the domain: 422 naming the field, or the rule's error. */
static void refuse(struct http_req *r, const struct rule_verdict *v)
{
	if (v->field)
		reply_invalid(r, v->field, v->detail);
	else
		reply_problem(r, v->err, v->detail);
}

bool booking_window(struct http_req *r, const struct jtimestamp *s, const struct jtimestamp *e,
		    time_t *start, time_t *end)
{
	if (!s->text && !e->text)
		return true;
	if (!s->text || !e->text) {
		reply_invalid(r, s->text ? "end" : "start", "give both start and end, or neither");
		return false;
	}
	*start = s->t;
	*end = e->t;
	struct window_facts w = {.start = (long)*start, .end = (long)*end};
	w.start_min = util_local_minute_of_day(*start, &w.start_sec);
	w.end_min = util_local_minute_of_day(*end, &w.end_sec);
	struct rule_verdict v;
	if (!domain_visit_window(&w, &v)) {
		refuse(r, &v);
		return false;
	}
	return true;
}

/* What the database knows of a person named for a visit (id 0: nobody). */
static int load_person(struct http_req *r, struct db *db, int64_t id, struct booking_person *p)
{
	*p = (struct booking_person){.id = id};
	if (!id)
		return 0;
	const char *role = NULL;
	int rc = pg_field_person(db, r->a, id, &role, &p->team_lead);
	if (rc < 0)
		return rc;
	p->found = rc > 0;
	p->is_lead = p->found && role_bit(role) == ROLE_LEAD;
	return 0;
}

/* Checks the people for a booking; 0 with a reply queued when they do not fit. *lead is
 * the lead named or proposed, and becomes the lead to book. */
static int check_people(struct http_req *r, struct db *db, const struct ticket_facts *t,
			int64_t engineer, int64_t *lead, bool lead_given)
{
	struct booking_facts f = {.requires_lead = t->requires_lead, .lead_given = lead_given};
	int rc;
	if ((rc = load_person(r, db, engineer, &f.engineer)) < 0 ||
	    (rc = load_person(r, db, lead_given ? *lead : 0, &f.lead)) < 0)
		return rc;
	f.lead.id = *lead;
	struct rule_verdict v;
	if (!domain_booking_people(&f, lead, &v)) {
		refuse(r, &v);
		return 0;
	}
	return 1;
}

int booking_free(struct http_req *r, struct db *db, int64_t engineer, int64_t lead, time_t start,
		 time_t end, int64_t except)
{
	int64_t clash;
	int rc = pg_visit_clash(db, r->a, engineer, lead, start, end, except, &clash);
	if (rc < 0)
		return rc;
	struct rule_verdict v;
	if (!domain_booking_free(clash, &v)) {
		reply_problem(r, v.err,
			      arena_printf(r->a, "clashes with visit %lld", (long long)clash));
		r->rbody = json_doc_with(r->a, r->rbody, "clashing_visit_id", jint(clash));
		r->rlen = strlen(r->rbody);
		return 0;
	}
	return 1;
}

int booking_failed(struct http_req *r, struct db *db, int rc)
{
	if (db_err_exclusion(db)) {
		struct rule_verdict v;
		domain_booking_free(-1, &v); /* a clash whose visit the constraint does not name */
		reply_problem(r, v.err, v.detail);
		return 0;
	}
	return rc;
}

struct booking {
	int64_t engineer, lead;
	bool has_engineer, has_lead;
	struct jtimestamp start, end; /* {0, NULL}: not given */
};

/* Fills the blanks of a booking from the proposal; 0 + reply when impossible. */
static int complete_booking(struct http_req *r, struct db *db, const struct ticket_facts *t,
			    struct booking *b, time_t *start, time_t *end)
{
	*start = *end = 0;
	if (!booking_window(r, &b->start, &b->end, start, end))
		return 0;
	if (b->has_engineer && *start)
		return 1;
	if (!b->has_engineer && b->has_lead && b->lead && *start)
		return 1; /* the lead alone, at a given time */
	struct propose_opts o = {
	    .only_engineer = b->has_engineer ? b->engineer : 0, .start = *start, .end = *end};
	struct dsp_proposal p;
	int rc = propose(r, db, t, &o, &p);
	if (rc < 0)
		return rc;
	if (!p.found) {
		reply_problem(r, ERR_NO_PROPOSAL,
			      "nobody fits: give engineer_id, start and end explicitly");
		return 0;
	}
	if (!b->has_engineer)
		b->engineer = p.engineer_id;
	if (!b->has_lead)
		b->lead = p.lead_id;
	*start = p.start;
	*end = p.end;
	return 1;
}

static int book(struct http_req *r, struct db *db, const struct ticket_facts *t, struct booking *b,
		int64_t *visit_id)
{
	time_t start, end;
	int rc = complete_booking(r, db, t, b, &start, &end);
	if (rc <= 0)
		return rc;
	if ((rc = check_people(r, db, t, b->engineer, &b->lead, b->has_lead)) <= 0)
		return rc;
	if ((rc = booking_free(r, db, b->engineer, b->lead, start, end, 0)) <= 0)
		return rc;
	rc = pg_visit_insert(db, r->a, t->id, b->engineer, b->lead, start, end, util_uuid4(r->a),
			     visit_id);
	if (rc < 0)
		return booking_failed(r, db, rc);
	int64_t run; /* R9: the visit's checklist, at today's template version */
	if ((rc = pg_checklist_run_ensure(db, r->a, *visit_id, &run)) < 0)
		return rc;
	if ((rc = ticket_move(r, db, t, domain_ticket_after_booking(t->status), 0, NULL)) < 0)
		return rc;
	return 1;
}

int h_tickets_visit_create(struct http_req *r, struct db *db)
{
	struct booking b = {0};
	const struct jfield spec[] = {
	    {.name = "engineer_id",
	     .type = J_ID,
	     .nullable = true,
	     .out = &b.engineer,
	     .present = &b.has_engineer},
	    {.name = "lead_id",
	     .type = J_ID,
	     .nullable = true,
	     .out = &b.lead,
	     .present = &b.has_lead},
	    {.name = "start", .type = J_TIMESTAMP, .out = &b.start},
	    {.name = "end", .type = J_TIMESTAMP, .out = &b.end},
	    JSPEC_END,
	};
	if (!http_parse_body(r, spec))
		return 0;
	b.has_engineer = b.has_engineer && b.engineer;
	struct ticket_facts t;
	int rc = ticket_load_open(r, db, &t);
	if (rc <= 0)
		return rc;
	int64_t open;
	if ((rc = pg_visit_open_for_ticket(db, r->a, t.id, &open)) < 0)
		return rc;
	if (open) {
		reply_problem(r, ERR_CONFLICT,
			      arena_printf(r->a,
					   "visit %lld is still planned; change it with "
					   "POST /api/v1/tickets/%lld/assign",
					   (long long)open, (long long)t.id));
		return 0;
	}
	int64_t id;
	if ((rc = book(r, db, &t, &b, &id)) <= 0)
		return rc;
	const char *doc;
	if ((rc = pg_visit_doc(db, r->a, id, &doc)) <= 0)
		return rc < 0 ? rc : DB_HARD;
	if ((rc = pg_audit(db, r->a, t.id, id, r->user->id, "visit.created", NULL, doc)) < 0)
		return rc;
	reply_doc(r, 201, doc);
	reply_add_header(r, "Location", arena_printf(r->a, "/api/v1/visits/%lld", (long long)id));
	return 0;
}

int h_tickets_assign(struct http_req *r, struct db *db)
{
	struct booking b = {0};
	const char *reason = NULL;
	int64_t visit_id = 0;
	const struct jfield spec[] = {
	    {.name = "engineer_id",
	     .type = J_ID,
	     .required = true,
	     .out = &b.engineer,
	     .present = &b.has_engineer},
	    {.name = "lead_id",
	     .type = J_ID,
	     .nullable = true,
	     .out = &b.lead,
	     .present = &b.has_lead},
	    {.name = "start", .type = J_TIMESTAMP, .out = &b.start},
	    {.name = "end", .type = J_TIMESTAMP, .out = &b.end},
	    {.name = "visit_id", .type = J_ID, .out = &visit_id},
	    {.name = "reason",
	     .type = J_STRING,
	     .required = true,
	     .min = 1,
	     .max = 1000,
	     .out = &reason},
	    JSPEC_END,
	};
	if (!http_parse_body(r, spec))
		return 0;
	struct ticket_facts t;
	int rc = ticket_load_open(r, db, &t);
	if (rc <= 0)
		return rc;
	if (!visit_id && (rc = pg_visit_open_for_ticket(db, r->a, t.id, &visit_id)) < 0)
		return rc;
	const char *before = NULL, *after;
	if (!visit_id) {
		if ((rc = book(r, db, &t, &b, &visit_id)) <= 0)
			return rc;
	} else {
		struct viewer v;
		viewer_of(r, &v);
		struct visit_row vr;
		if ((rc = pg_visit_facts(db, r->a, visit_id, &v, &vr)) < 0)
			return rc;
		if (rc == 0 || vr.ticket_id != t.id) {
			reply_invalid(r, "visit_id", "no such visit on this ticket");
			return 0;
		}
		if (!domain_visit_reassignable(vr.status)) {
			reply_problem(r, ERR_CONFLICT,
				      arena_printf(r->a, "visit %lld is %s", (long long)visit_id,
						   domain_visit_status_name(vr.status)));
			return 0;
		}
		if (!b.has_lead && vr.lead_id) { /* keep the lead unless told otherwise */
			b.lead = vr.lead_id;
			b.has_lead = true;
		}
		time_t start = vr.starts_at, end = vr.ends_at;
		if ((b.start.text || b.end.text) &&
		    !booking_window(r, &b.start, &b.end, &start, &end))
			return 0;
		if ((rc = check_people(r, db, &t, b.engineer, &b.lead, b.has_lead)) <= 0)
			return rc;
		if ((rc = booking_free(r, db, b.engineer, b.lead, start, end, visit_id)) <= 0)
			return rc;
		if ((rc = pg_visit_doc(db, r->a, visit_id, &before)) < 0)
			return rc;
		if ((rc = pg_visit_reassign(db, r->a, visit_id, b.engineer, b.lead, start, end)) <
		    0)
			return booking_failed(r, db, rc);
		/* a new time has not been agreed with the customer: call again (R3) */
		if ((start != vr.starts_at || end != vr.ends_at) &&
		    (rc = pg_visit_step(
			 db, r->a, visit_id,
			 &(struct visit_change){.set_status = true, .status = VS_PROPOSED})) < 0)
			return rc;
	}
	if ((rc = pg_visit_doc(db, r->a, visit_id, &after)) <= 0)
		return rc < 0 ? rc : DB_HARD;
	struct json_object *x = jobj(r->a);
	json_object_object_add(x, "reason", jstr(reason));
	const char *audit_after = json_doc_with(r->a, after, "override", x);
	if ((rc = pg_audit(db, r->a, t.id, visit_id, r->user->id, "ticket.assigned", before,
			   audit_after)) < 0)
		return rc;
	reply_doc(r, 200, after);
	return 0;
}
