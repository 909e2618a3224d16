/*
 * Tickets: intake with repeat-fault and VIP escalation and a proposal (R1,
 * R7, R8, R11, R14), reads, dispatcher overrides, delay notices, cancel,
 * callbacks, and booking visits.
 */
#include "fieldd/config.h"
#include "fieldd/db.h"
#include "fieldd/dispatch.h"
#include "fieldd/domain.h"
#include "fieldd/handlers.h"
#include "fieldd/jspec.h"
#include "fieldd/pg.h"
#include "fieldd/util.h"

#include <json-c/json.h>
#include <pthread.h>
#include <string.h>

static struct intake_rules rules;
static pthread_once_t rules_once = PTHREAD_ONCE_INIT;
static void load_rules(void)
{
	domain_intake_defaults(&rules);
	for (int i = 0; i < 4; i++)
		if (cfg.sla_hours[i])
			rules.sla_hours[i] = (int)cfg.sla_hours[i];
	if (cfg.repeat_window_days)
		rules.repeat_window_days = (int)cfg.repeat_window_days;
}

const struct intake_rules *dispatch_rules(void)
{
	pthread_once(&rules_once, load_rules);
	return &rules;
}

static int kind_index(const char *kind)
{
	for (int i = 0; domain_device_kinds[i]; i++)
		if (!strcmp(domain_device_kinds[i], kind))
			return i;
	return -1;
}

/* What to propose: a fixed window and/or one engineer, or free choice. */
struct propose_opts {
	int64_t only_engineer;
	time_t start, end; /* 0: free */
};

/* The proposal's request for a ticket; [*from, *to) is the busy time it needs. */
static void propose_request(const struct ticket_facts *t, const struct propose_opts *o, time_t now,
			    struct dsp_request *rq, time_t *from, time_t *to)
{
	*rq = (struct dsp_request){
	    .now = now,
	    .due_at = t->due_at,
	    .kind = t->kind ? kind_index(t->kind) : -1,
	    .requires_lead = t->requires_lead,
	    .duration_min = VISIT_DEFAULT_MIN,
	    .grid_min = VISIT_GRID_MIN,
	    .lead_time_min = 30,
	    .horizon_days = 14,
	};
	if (o->start) {
		rq->now = o->start;
		rq->lead_time_min = 0;
		rq->due_at = o->end;
		rq->duration_min = (int)((o->end - o->start) / 60);
		rq->horizon_days = 0;
	}
	*from = (rq->now < now ? rq->now : now) - 86400;
	*to = rq->now + 15 * 86400L;
}

/* Runs the proposal on fetched inputs (people is changed). */
static void propose_with(struct dsp_request *rq, const struct propose_opts *o,
			 struct dsp_person *people, int n, struct dsp_proposal *out)
{
	memset(out, 0, sizeof *out);
	if (o->only_engineer) {
		int k = 0;
		for (int i = 0; i < n; i++)
			if (people[i].is_lead || people[i].id == o->only_engineer) {
				people[k] = people[i];
				if (people[k].id == o->only_engineer)
					people[k].is_lead =
					    false; /* a lead may go as the engineer */
				k++;
			}
		n = k;
	}
	rq->people = people;
	rq->npeople = n;
	if (rq->kind < 0)
		return;
	if (o->only_engineer) {
		/* the named engineer goes whatever their listed skills */
		for (int i = 0; i < n; i++)
			if (people[i].id == o->only_engineer)
				people[i].skills |= 1u << rq->kind;
	}
	dsp_propose(rq, out);
}

/* Runs the proposal for a ticket. */
static int propose(struct http_req *r, struct db *db, const struct ticket_facts *t,
		   const struct propose_opts *o, struct dsp_proposal *out)
{
	memset(out, 0, sizeof *out);
	struct dsp_request rq;
	time_t from, to;
	propose_request(t, o, time(NULL), &rq, &from, &to);
	struct dsp_person *people;
	int n;
	int rc = pg_dispatch_people(db, r->a, from, to, &people, &n);
	if (rc < 0)
		return rc;
	if ((rc = pg_last_engineer(db, r->a, t->device_id, &rq.last_engineer_id)) < 0)
		return rc;
	propose_with(&rq, o, people, n, out);
	return 0;
}

static struct json_object *proposal_json(struct http_req *r, const struct dsp_proposal *p)
{
	if (!p->found)
		return NULL;
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "engineer_id", jint(p->engineer_id));
	json_object_object_add(o, "lead_id", p->lead_id ? jint(p->lead_id) : NULL);
	json_object_object_add(o, "start", jstr(util_rfc3339(r->a, p->start)));
	json_object_object_add(o, "end", jstr(util_rfc3339(r->a, p->end)));
	json_object_object_add(o, "meets_due", jbool(p->meets_due));
	return o;
}

static const char *join(struct arena *a, const char *const *v)
{
	struct abuf b;
	abuf_init(&b, a);
	for (int i = 0; v[i]; i++)
		abuf_addf(&b, "%s%s", i ? "," : "", v[i]);
	return b.buf;
}

static struct viewer staff_viewer(struct http_req *r)
{
	struct viewer v;
	viewer_of(r, &v);
	return v;
}

int h_tickets_create(struct http_req *r, struct db *db)
{
	struct ticket_new t = {0};
	const struct jfield spec[] = {
	    {"customer_id", J_ID, true, false, 0, 0, NULL, &t.customer_id, NULL},
	    {"device_id", J_ID, true, false, 0, 0, NULL, &t.device_id, NULL},
	    {"fault_code", J_STRING, true, false, 1, 32, NULL, &t.fault_code, NULL},
	    {"symptom", J_STRING, true, false, 1, 4000, NULL, &t.symptom, NULL},
	    {"channel", J_ENUM, true, false, 0, 0, domain_channels, &t.channel, NULL},
	    /* R1: how the reporter was verified; no verification, no ticket */
	    {"verification", J_ENUM, true, false, 0, 0, domain_verifications, &t.verification,
	     NULL},
	    {"priority", J_ENUM, false, true, 0, 0, domain_priorities, &t.priority, NULL},
	    JSPEC_END,
	};
	if (!http_parse_body(r, spec))
		return 0;
	const struct intake_rules *ru = dispatch_rules();
	/* what intake decides on and the proposal's inputs: the device locked, then one read */
	struct ticket_facts tf = {
	    .customer_id = t.customer_id, .device_id = t.device_id, .status = "new"};
	struct propose_opts o = {0};
	struct dsp_request rq;
	time_t from, to;
	propose_request(&tf, &o, time(NULL), &rq, &from, &to);
	struct intake_facts f;
	int rc = pg_intake_facts(db, r->a, t.device_id, t.customer_id, t.fault_code,
				 ru->repeat_window_days, from, to, &f);
	if (rc < 0)
		return rc;
	if (!f.fault_known) {
		reply_invalid(r, "fault_code",
			      "is not a known fault code; see GET /api/v1/fault-codes");
		return 0;
	}
	if (!f.kind) {
		reply_invalid(r, "device_id", "no such device");
		return 0;
	}
	if (!f.rank) {
		reply_invalid(r, "customer_id", "no such customer");
		return 0;
	}
	struct intake_in in = {t.priority, f.rank, f.vip_override, f.prior_same_faults};
	struct intake_out out;
	domain_intake(ru, &in, &out);
	t.priority = out.priority;
	t.due_hours = out.due_hours;
	t.repeat_count = out.repeat_count;
	t.escalations = join(r->a, out.escalations);
	t.requires_lead = out.requires_lead;
	t.vip = out.vip;
	t.first_contact_target_min = out.first_contact_target_min;
	t.repeat_window_days = ru->repeat_window_days;
	t.created_by = r->user->id;
	t.tracking = util_new_token(r->a);

	/* the proposal for the ticket as it will be stored: due_at is the transaction's now()
	 * plus the hours, to the second as PostgreSQL rounds it */
	tf.kind = f.kind;
	tf.requires_lead = out.requires_lead;
	tf.vip = out.vip;
	tf.due_at =
	    (time_t)((f.now_us + (int64_t)out.due_hours * 3600 * 1000000 + 500000) / 1000000);
	rq.due_at = tf.due_at;
	rq.kind = kind_index(tf.kind);
	rq.requires_lead = tf.requires_lead;
	rq.last_engineer_id = f.last_engineer_id;
	struct dsp_proposal p;
	propose_with(&rq, &o, f.people, f.npeople, &p);

	/* R7/R8: the lead hears of an escalation now, not at the visit */
	t.notify_escalation = out.requires_lead;
	t.notify_lead = p.found ? p.lead_id : 0;
	int64_t id;
	const char *number, *doc;
	if ((rc = pg_ticket_create(db, r->a, &t, &id, &number, &doc)) <= 0)
		return rc < 0 ? rc : DB_HARD;
	reply_doc(r, 201, json_doc_with(r->a, doc, "proposal", proposal_json(r, &p)));
	reply_add_header(r, "Location", arena_printf(r->a, "/api/v1/tickets/%lld", (long long)id));
	return 0;
}

static int parse_bool_query(struct http_req *r, const char *key, int *out)
{
	const char *v = http_query(r, key);
	*out = -1;
	if (!v)
		return 0;
	if (!strcmp(v, "true") || !strcmp(v, "1"))
		*out = 1;
	else if (!strcmp(v, "false") || !strcmp(v, "0"))
		*out = 0;
	else {
		reply_problem(r, ERR_BAD_QUERY,
			      arena_printf(r->a, "%s must be true or false", key));
		return -1;
	}
	return 0;
}

static int parse_id_query(struct http_req *r, const char *key, int64_t *out)
{
	const char *v = http_query(r, key);
	*out = 0;
	if (v && util_parse_id(v, out) < 0) {
		reply_problem(r, ERR_BAD_QUERY, arena_printf(r->a, "%s must be an id", key));
		return -1;
	}
	return 0;
}

static bool in_list(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (!strcmp(*list, s))
			return true;
	return false;
}

int h_tickets_list(struct http_req *r, struct db *db)
{
	static const char *const statuses[] = {"new",	 "scheduled", "in_progress", "resolved",
					       "closed", "cancelled", NULL};
	static const char *const escalations[] = {"repeat_fault", "vip", "next_repeat_escalates",
						  NULL};
	int limit;
	int64_t cursor;
	if (!http_page(r, 50, 500, &limit, &cursor))
		return 0;
	struct ticket_filter f = {0};
	f.status = http_query(r, "status");
	f.escalation = http_query(r, "escalation");
	f.priority = http_query(r, "priority");
	if ((f.status && !in_list(statuses, f.status)) ||
	    (f.escalation && !in_list(escalations, f.escalation)) ||
	    (f.priority && !in_list(domain_priorities, f.priority))) {
		reply_problem(r, ERR_BAD_QUERY,
			      "status, escalation or priority is not a known value");
		return 0;
	}
	if (parse_bool_query(r, "vip", &f.vip) < 0 ||
	    parse_bool_query(r, "overdue", &f.overdue) < 0 ||
	    parse_bool_query(r, "first_contact_breach", &f.first_contact_breach) < 0 ||
	    parse_id_query(r, "assignee", &f.assignee) < 0 ||
	    parse_id_query(r, "customer_id", &f.customer_id) < 0 ||
	    parse_id_query(r, "device_id", &f.device_id) < 0)
		return 0;
	struct viewer v = staff_viewer(r);
	struct db_rows rows;
	int rc = pg_ticket_list(db, r->a, &f, &v, cursor, limit + 1, &rows);
	if (rc < 0)
		return rc;
	reply_doc_list(r, &rows, limit);
	return 0;
}

/* The ticket if the caller may see it; otherwise 404 is queued and 0 returned. */
static int load_ticket(struct http_req *r, struct db *db, struct ticket_facts *t)
{
	int64_t id;
	if (http_param_id(r, 0, &id) < 0)
		return 0;
	struct viewer v = staff_viewer(r);
	int rc = pg_ticket_facts(db, r->a, id, &v, t);
	if (rc == 0)
		reply_problem(r, ERR_NOT_FOUND, "no such ticket");
	return rc;
}

static bool ticket_open(const struct ticket_facts *t)
{
	return !strcmp(t->status, "new") || !strcmp(t->status, "scheduled") ||
	       !strcmp(t->status, "in_progress");
}

/* Answers 200 with the ticket's document (full: with its visits, contacts, timeline and
 * notifications); 0, or the database status. */
static int reply_ticket(struct http_req *r, struct db *db, int64_t id, bool full)
{
	const char *doc;
	int rc = pg_ticket_doc(db, r->a, id, full, &doc);
	if (rc <= 0)
		return rc < 0 ? rc : DB_HARD;
	reply_doc(r, 200, doc);
	return 0;
}

/* The ticket if the caller may see it and it is still open; otherwise 404 or 409 is
 * queued and 0 returned. */
static int load_open_ticket(struct http_req *r, struct db *db, struct ticket_facts *t)
{
	int rc = load_ticket(r, db, t);
	if (rc > 0 && !ticket_open(t)) {
		reply_problem(r, ERR_CONFLICT, arena_printf(r->a, "the ticket is %s", t->status));
		return 0;
	}
	return rc;
}

int h_tickets_get(struct http_req *r, struct db *db)
{
	struct ticket_facts t;
	int rc = load_ticket(r, db, &t);
	if (rc <= 0)
		return rc;
	return reply_ticket(r, db, t.id, true);
}

/* A window given by the caller: both ends, ordered, on the grid, not too long. */
static bool check_window(struct http_req *r, const char *s, const char *e, time_t *start,
			 time_t *end)
{
	if (!s && !e)
		return true;
	if (!s || !e) {
		reply_invalid(r, s ? "end" : "start", "give both start and end, or neither");
		return false;
	}
	util_parse_rfc3339(s, start);
	util_parse_rfc3339(e, end);
	if (*end <= *start) {
		reply_invalid(r, "end", "must be after start");
		return false;
	}
	int sec;
	if (util_local_minute_of_day(*start, &sec) % VISIT_GRID_MIN || sec) {
		reply_invalid(r, "start", "must be on the half-hour grid (e.g. 10:00 or 10:30)");
		return false;
	}
	if (util_local_minute_of_day(*end, &sec) % VISIT_GRID_MIN || sec) {
		reply_invalid(r, "end", "must be on the half-hour grid (e.g. 11:00 or 11:30)");
		return false;
	}
	if (*end - *start > VISIT_MAX_MIN * 60) {
		reply_invalid(r, "end", "a visit window is at most 10 hours");
		return false;
	}
	return true;
}

/* Checks the people for a booking; 0 with a reply queued when they do not fit. */
static int check_people(struct http_req *r, struct db *db, const struct ticket_facts *t,
			int64_t engineer, int64_t *lead, bool lead_given)
{
	const char *role;
	int64_t team_lead = 0;
	int rc;
	if (engineer) {
		rc = pg_field_person(db, r->a, engineer, &role, &team_lead);
		if (rc <= 0) {
			if (rc == 0)
				reply_invalid(r, "engineer_id",
					      "must be an active engineer or lead");
			return rc;
		}
	}
	if (lead_given && *lead) {
		rc = pg_field_person(db, r->a, *lead, &role, &team_lead);
		if (rc <= 0 || strcmp(role, "lead")) {
			if (rc >= 0)
				reply_invalid(r, "lead_id",
					      "must be an active user with the lead role");
			return rc < 0 ? rc : 0;
		}
	} else if (!lead_given && t->requires_lead && engineer) {
		*lead = team_lead; /* the engineer's own team lead */
		if (*lead == engineer)
			*lead = 0;
	}
	if (*lead && *lead == engineer) {
		reply_invalid(r, "lead_id", "must differ from engineer_id");
		return 0;
	}
	/* R7/R8: a lead on every visit of an escalated ticket (a lead may go alone) */
	if (t->requires_lead && !*lead) {
		bool engineer_is_lead = false;
		if (engineer && pg_field_person(db, r->a, engineer, &role, &team_lead) > 0)
			engineer_is_lead = !strcmp(role, "lead");
		if (!engineer_is_lead) {
			reply_problem_code(r, ERR_RULE, "lead_required",
					   "this ticket is escalated (repeat fault or VIP): a team "
					   "lead must be on the visit");
			return 0;
		}
	}
	return 1;
}

/* 409 double_booked naming the clash, or 1 when the people are free. */
static int check_free(struct http_req *r, struct db *db, int64_t engineer, int64_t lead,
		      time_t start, time_t end, int64_t except)
{
	int64_t clash;
	int rc = pg_visit_clash(db, r->a, engineer, lead, start, end, except, &clash);
	if (rc < 0)
		return rc;
	if (clash) {
		reply_problem(r, ERR_DOUBLE_BOOKED,
			      arena_printf(r->a, "clashes with visit %lld", (long long)clash));
		r->rbody = json_doc_with(r->a, r->rbody, "clashing_visit_id", jint(clash));
		r->rlen = strlen(r->rbody);
		return 0;
	}
	return 1;
}

/* Maps a double booking that slipped past the check (a concurrent twin). */
static int booking_failed(struct http_req *r, struct db *db, int rc)
{
	if (db_err_exclusion(db)) {
		reply_problem(r, ERR_DOUBLE_BOOKED, "someone on this visit is already booked then");
		return 0;
	}
	return rc;
}

static int set_ticket_status(struct http_req *r, struct db *db, const struct ticket_facts *t,
			     const char *status)
{
	if (!strcmp(t->status, status))
		return 0;
	int rc = pg_ticket_set_status(db, r->a, t->id, status);
	if (rc < 0)
		return rc;
	struct json_object *b = json_object_new_object(), *a = json_object_new_object();
	json_object_object_add(b, "status", jstr(t->status));
	json_object_object_add(a, "status", jstr(status));
	rc = pg_audit(db, r->a, t->id, 0, r->user->id, "ticket.status", jspec_dump(r->a, b, NULL),
		      jspec_dump(r->a, a, NULL));
	json_object_put(b);
	json_object_put(a);
	return rc;
}

struct booking {
	int64_t engineer, lead;
	bool has_engineer, has_lead;
	const char *start, *end;
};

/* Fills the blanks of a booking from the proposal; 0 + reply when impossible. */
static int complete_booking(struct http_req *r, struct db *db, const struct ticket_facts *t,
			    struct booking *b, time_t *start, time_t *end)
{
	*start = *end = 0;
	if (!check_window(r, b->start, b->end, start, end))
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
		reply_problem_code(r, ERR_RULE, "no_proposal",
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
	if ((rc = check_free(r, db, b->engineer, b->lead, start, end, 0)) <= 0)
		return rc;
	rc = pg_visit_insert(db, r->a, t->id, b->engineer, b->lead, start, end, util_uuid4(r->a),
			     visit_id);
	if (rc < 0)
		return booking_failed(r, db, rc);
	int64_t run; /* R9: the visit's checklist, at today's template version */
	if ((rc = pg_checklist_run_ensure(db, r->a, *visit_id, &run)) < 0)
		return rc;
	if (!strcmp(t->status, "new") && (rc = set_ticket_status(r, db, t, "scheduled")) < 0)
		return rc;
	return 1;
}

int h_tickets_visit_create(struct http_req *r, struct db *db)
{
	struct booking b = {0};
	const struct jfield spec[] = {
	    {"engineer_id", J_ID, false, true, 0, 0, NULL, &b.engineer, &b.has_engineer},
	    {"lead_id", J_ID, false, true, 0, 0, NULL, &b.lead, &b.has_lead},
	    {"start", J_TIME, false, false, 0, 0, NULL, &b.start, NULL},
	    {"end", J_TIME, false, false, 0, 0, NULL, &b.end, NULL},
	    JSPEC_END,
	};
	if (!http_parse_body(r, spec))
		return 0;
	b.has_engineer = b.has_engineer && b.engineer;
	struct ticket_facts t;
	int rc = load_open_ticket(r, db, &t);
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
	    {"engineer_id", J_ID, true, false, 0, 0, NULL, &b.engineer, &b.has_engineer},
	    {"lead_id", J_ID, false, true, 0, 0, NULL, &b.lead, &b.has_lead},
	    {"start", J_TIME, false, false, 0, 0, NULL, &b.start, NULL},
	    {"end", J_TIME, false, false, 0, 0, NULL, &b.end, NULL},
	    {"visit_id", J_ID, false, false, 0, 0, NULL, &visit_id, NULL},
	    {"reason", J_STRING, true, false, 1, 1000, NULL, &reason, NULL},
	    JSPEC_END,
	};
	if (!http_parse_body(r, spec))
		return 0;
	struct ticket_facts t;
	int rc = load_open_ticket(r, db, &t);
	if (rc <= 0)
		return rc;
	if (!visit_id && (rc = pg_visit_open_for_ticket(db, r->a, t.id, &visit_id)) < 0)
		return rc;
	const char *before = NULL, *after;
	if (!visit_id) {
		if ((rc = book(r, db, &t, &b, &visit_id)) <= 0)
			return rc;
	} else {
		struct viewer v = staff_viewer(r);
		struct visit_row vr;
		if ((rc = pg_visit_facts(db, r->a, visit_id, &v, &vr)) < 0)
			return rc;
		if (rc == 0 || vr.ticket_id != t.id) {
			reply_invalid(r, "visit_id", "no such visit on this ticket");
			return 0;
		}
		if (strcmp(vr.status, "proposed") && strcmp(vr.status, "confirmed")) {
			reply_problem(
			    r, ERR_CONFLICT,
			    arena_printf(r->a, "visit %lld is %s", (long long)visit_id, vr.status));
			return 0;
		}
		if (!b.has_lead && vr.lead_id) { /* keep the lead unless told otherwise */
			b.lead = vr.lead_id;
			b.has_lead = true;
		}
		time_t start = vr.starts_at, end = vr.ends_at;
		if (b.start || b.end) {
			if (!check_window(r, b.start, b.end, &start, &end))
				return 0;
		}
		if ((rc = check_people(r, db, &t, b.engineer, &b.lead, b.has_lead)) <= 0)
			return rc;
		if ((rc = check_free(r, db, b.engineer, b.lead, start, end, visit_id)) <= 0)
			return rc;
		if ((rc = pg_visit_doc(db, r->a, visit_id, &before)) < 0)
			return rc;
		if ((rc = pg_visit_reassign(db, r->a, visit_id, b.engineer, b.lead, start, end)) <
		    0)
			return booking_failed(r, db, rc);
		/* a new time has not been agreed with the customer: call again (R3) */
		if ((start != vr.starts_at || end != vr.ends_at) &&
		    (rc = pg_visit_step(db, r->a, visit_id, "{\"status\":\"proposed\"}")) < 0)
			return rc;
	}
	if ((rc = pg_visit_doc(db, r->a, visit_id, &after)) <= 0)
		return rc < 0 ? rc : DB_HARD;
	struct json_object *x = json_object_new_object();
	json_object_object_add(x, "reason", jstr(reason));
	const char *audit_after = json_doc_with(r->a, after, "override", x);
	if ((rc = pg_audit(db, r->a, t.id, visit_id, r->user->id, "ticket.assigned", before,
			   audit_after)) < 0)
		return rc;
	reply_doc(r, 200, after);
	return 0;
}

int h_tickets_delay(struct http_req *r, struct db *db)
{
	const char *reason = NULL, *new_due = NULL;
	const struct jfield spec[] = {
	    {"reason", J_STRING, true, false, 1, 2000, NULL, &reason, NULL},
	    {"new_due_at", J_TIME, true, false, 0, 0, NULL, &new_due, NULL},
	    JSPEC_END,
	};
	if (!http_parse_body(r, spec))
		return 0;
	struct ticket_facts t;
	int rc = load_open_ticket(r, db, &t);
	if (rc <= 0)
		return rc;
	time_t due;
	util_parse_rfc3339(new_due, &due);
	if (due <= t.due_at) {
		reply_invalid(r, "new_due_at",
			      arena_printf(r->a, "must be later than the current due time %s",
					   util_rfc3339(r->a, t.due_at)));
		return 0;
	}
	int64_t notice;
	if ((rc = pg_ticket_delay(db, r->a, t.id, reason, new_due, r->user->id, &notice)) <= 0)
		return rc < 0 ? rc : DB_HARD;
	/* R11: tell the customer the reason and the new date */
	struct json_object *pl = json_object_new_object();
	json_object_object_add(pl, "number", jstr(t.number));
	json_object_object_add(pl, "reason", jstr(reason));
	json_object_object_add(pl, "old_due_at", jstr(util_rfc3339(r->a, t.due_at)));
	json_object_object_add(pl, "new_due_at", jstr(util_rfc3339(r->a, due)));
	const char *payload = jspec_dump(r->a, pl, NULL);
	json_object_put(pl);
	if ((rc = pg_notify_customer(db, r->a, t.id, 0, NULL, "delay_notice", payload)) < 0 ||
	    (rc = pg_audit(db, r->a, t.id, 0, r->user->id, "ticket.delayed", NULL, payload)) < 0)
		return rc;
	return reply_ticket(r, db, t.id, false);
}

int h_tickets_cancel(struct http_req *r, struct db *db)
{
	const char *reason = NULL;
	const struct jfield spec[] = {
	    {"reason", J_STRING, true, false, 1, 2000, NULL, &reason, NULL},
	    JSPEC_END,
	};
	if (!http_parse_body(r, spec))
		return 0;
	struct ticket_facts t;
	int rc = load_open_ticket(r, db, &t);
	if (rc <= 0)
		return rc;
	int64_t open;
	struct viewer v = staff_viewer(r);
	struct visit_row vr = {.status = ""};
	if ((rc = pg_visit_open_for_ticket(db, r->a, t.id, &open)) < 0 ||
	    (open && (rc = pg_visit_facts(db, r->a, open, &v, &vr)) < 0))
		return rc;
	if (open && !strcmp(vr.status, "on_site")) {
		reply_problem(r, ERR_CONFLICT,
			      arena_printf(r->a, "visit %lld is on site: complete it first",
					   (long long)open));
		return 0;
	}
	if ((rc = pg_ticket_cancel(db, r->a, t.id, reason)) < 0)
		return rc;
	struct json_object *a = json_object_new_object();
	json_object_object_add(a, "status", jstr("cancelled"));
	json_object_object_add(a, "reason", jstr(reason));
	rc = pg_audit(db, r->a, t.id, 0, r->user->id, "ticket.cancelled", NULL,
		      jspec_dump(r->a, a, NULL));
	json_object_put(a);
	return rc < 0 ? rc : reply_ticket(r, db, t.id, false);
}

int h_tickets_callback(struct http_req *r, struct db *db)
{
	bool reached = false;
	const char *note = NULL;
	const struct jfield spec[] = {
	    {"reached", J_BOOL, true, false, 0, 0, NULL, &reached, NULL},
	    {"note", J_STRING, false, true, 0, 2000, NULL, &note, NULL},
	    JSPEC_END,
	};
	if (!http_parse_body(r, spec))
		return 0;
	struct ticket_facts t;
	int rc = load_ticket(r, db, &t);
	if (rc <= 0)
		return rc;
	if ((rc = pg_ticket_contact(db, r->a, t.id, reached, note, r->user->id)) < 0)
		return rc;
	/* R14: the first call that reached the customer */
	if (reached && (rc = pg_ticket_first_contact(db, r->a, t.id, NULL)) < 0)
		return rc;
	if ((rc = pg_audit(db, r->a, t.id, 0, r->user->id, "ticket.callback", NULL,
			   reached ? "{\"reached\":true}" : "{\"reached\":false}")) < 0)
		return rc;
	return reply_ticket(r, db, t.id, false);
}
