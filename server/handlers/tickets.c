/*
 * Tickets: intake with repeat-fault and VIP escalation and a proposal (R1,
 * R7, R8, R11, R14), reads, delay notices, cancel and callbacks. Booking and
 * assignment are in bookings.c; the ticket's state machine, the notices and
 * the booking rules in server/domain.
 */
#include "fieldd/config.h"
#include "fieldd/db.h"
#include "fieldd/dispatch.h"
#include "fieldd/domain.h"
#include "fieldd/handlers.h"
#include "fieldd/jspec.h"
#include "fieldd/pg.h"
#include "fieldd/util.h"
#include "tickets_int.h"

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

/* The proposal made at intake, as the reply shows it (NULL: none found). */
static struct json_object *proposal_json(struct http_req *r, const struct dsp_proposal *p)
{
	if (!p->found)
		return NULL;
	struct json_object *o = jobj(r->a);
	json_object_object_add(o, "engineer_id", jint(p->engineer_id));
	json_object_object_add(o, "lead_id", p->lead_id ? jint(p->lead_id) : NULL);
	json_object_object_add(o, "start", jstr(util_rfc3339(r->a, p->start)));
	json_object_object_add(o, "end", jstr(util_rfc3339(r->a, p->end)));
	json_object_object_add(o, "meets_due", jbool(p->meets_due));
	return o;
}

int h_tickets_create(struct http_req *r, struct db *db)
{
	struct ticket_new t = {0};
	const struct jfield spec[] = {
	    {.name = "customer_id", .type = J_ID, .required = true, .out = &t.customer_id},
	    {.name = "device_id", .type = J_ID, .required = true, .out = &t.device_id},
	    {.name = "fault_code",
	     .type = J_STRING,
	     .required = true,
	     .min = 1,
	     .max = 32,
	     .out = &t.fault_code},
	    {.name = "symptom",
	     .type = J_STRING,
	     .required = true,
	     .min = 1,
	     .max = 4000,
	     .out = &t.symptom},
	    {.name = "channel",
	     .type = J_ENUM,
	     .required = true,
	     .enums = domain_channels,
	     .out = &t.channel},
	    /* R1: how the reporter was verified; no verification, no ticket */
	    {.name = "verification",
	     .type = J_ENUM,
	     .required = true,
	     .enums = domain_verifications,
	     .out = &t.verification},
	    {.name = "priority",
	     .type = J_ENUM,
	     .nullable = true,
	     .enums = domain_priorities,
	     .out = &t.priority},
	    JSPEC_END,
	};
	if (!http_parse_body(r, spec))
		return 0;
	const struct intake_rules *ru = dispatch_rules();
	/* what intake decides on and the proposal's inputs: the device locked, then one read */
	struct ticket_facts tf = {
	    .customer_id = t.customer_id, .device_id = t.device_id, .status = TS_NEW};
	struct dsp_request rq;
	time_t from, to;
	dsp_request_for(time(NULL), tf.due_at, NULL, false, 0, 0, &rq, &from, &to);
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
	tf.due_at = (time_t)domain_due_at(f.now_us, out.due_hours);
	rq.due_at = tf.due_at;
	rq.kind = dsp_kind_index(tf.kind);
	rq.requires_lead = tf.requires_lead;
	rq.last_engineer_id = f.last_engineer_id;
	struct dsp_proposal p;
	dsp_propose_named(&rq, 0, f.people, f.npeople, &p);

	/* R7/R8: the lead hears of an escalation now, not at the visit */
	struct notice_facts nf = {.requires_lead = out.requires_lead,
				  .lead_id = p.found ? p.lead_id : 0};
	domain_notice(NOTE_ESCALATION, &nf, &t.escalation);
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
	if ((f.status && !in_list(domain_ticket_statuses, f.status)) ||
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

int ticket_load(struct http_req *r, struct db *db, struct ticket_facts *t)
{
	int64_t id;
	if (http_param_id(r, 0, &id) < 0)
		return HTTP_REPLIED;
	struct viewer v = staff_viewer(r);
	return http_found(r, pg_ticket_facts(db, r->a, id, &v, t), "ticket");
}

int ticket_load_open(struct http_req *r, struct db *db, struct ticket_facts *t)
{
	int rc = ticket_load(r, db, t);
	if (rc > 0 && !domain_ticket_open(t->status)) {
		reply_problem(
		    r, ERR_CONFLICT,
		    arena_printf(r->a, "the ticket is %s", domain_ticket_status_name(t->status)));
		return HTTP_REPLIED;
	}
	return rc;
}

int ticket_move(struct http_req *r, struct db *db, const struct ticket_facts *t,
		enum ticket_status status, int64_t visit, const char *at)
{
	if (t->status == status)
		return 0;
	int rc = pg_ticket_set_status(db, r->a, t->id, status);
	if (rc < 0)
		return rc;
	return pg_audit_at(
	    db, r->a, t->id, visit, r->user->id, "ticket.status",
	    arena_printf(r->a, "{\"status\":\"%s\"}", domain_ticket_status_name(t->status)),
	    arena_printf(r->a, "{\"status\":\"%s\"}", domain_ticket_status_name(status)), at);
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

int h_tickets_get(struct http_req *r, struct db *db)
{
	struct ticket_facts t;
	int rc = ticket_load(r, db, &t);
	if (rc <= 0)
		return rc;
	return reply_ticket(r, db, t.id, true);
}

int h_tickets_delay(struct http_req *r, struct db *db)
{
	const char *reason = NULL;
	struct jtimestamp due = {0, NULL};
	const struct jfield spec[] = {
	    {.name = "reason",
	     .type = J_STRING,
	     .required = true,
	     .min = 1,
	     .max = 2000,
	     .out = &reason},
	    {.name = "new_due_at", .type = J_TIMESTAMP, .required = true, .out = &due},
	    JSPEC_END,
	};
	if (!http_parse_body(r, spec))
		return 0;
	struct ticket_facts t;
	int rc = ticket_load_open(r, db, &t);
	if (rc <= 0)
		return rc;
	if (due.t <= t.due_at) {
		reply_invalid(r, "new_due_at",
			      arena_printf(r->a, "must be later than the current due time %s",
					   util_rfc3339(r->a, t.due_at)));
		return 0;
	}
	int64_t notice;
	if ((rc = pg_ticket_delay(db, r->a, t.id, reason, due.text, r->user->id, &notice)) <= 0)
		return rc < 0 ? rc : DB_HARD;
	/* R11: tell the customer the reason and the new date */
	struct json_object *pl = jobj(r->a);
	json_object_object_add(pl, "number", jstr(t.number));
	json_object_object_add(pl, "reason", jstr(reason));
	json_object_object_add(pl, "old_due_at", jstr(util_rfc3339(r->a, t.due_at)));
	json_object_object_add(pl, "new_due_at", jstr(util_rfc3339(r->a, due.t)));
	const char *payload = jspec_dump(r->a, pl, NULL);
	struct notice n;
	domain_notice(NOTE_DELAY, &(struct notice_facts){0}, &n);
	if ((rc = pg_notice(db, r->a, t.id, 0, &n, payload)) < 0 ||
	    (rc = pg_audit(db, r->a, t.id, 0, r->user->id, "ticket.delayed", NULL, payload)) < 0)
		return rc;
	return reply_ticket(r, db, t.id, false);
}

int h_tickets_cancel(struct http_req *r, struct db *db)
{
	const char *reason = NULL;
	const struct jfield spec[] = {
	    {.name = "reason",
	     .type = J_STRING,
	     .required = true,
	     .min = 1,
	     .max = 2000,
	     .out = &reason},
	    JSPEC_END,
	};
	if (!http_parse_body(r, spec))
		return 0;
	struct ticket_facts t;
	int rc = ticket_load_open(r, db, &t);
	if (rc <= 0)
		return rc;
	int64_t open;
	struct viewer v = staff_viewer(r);
	struct visit_row vr = {0};
	if ((rc = pg_visit_open_for_ticket(db, r->a, t.id, &open)) < 0 ||
	    (open && (rc = pg_visit_facts(db, r->a, open, &v, &vr)) < 0))
		return rc;
	enum err_id err;
	if (!domain_ticket_cancel_ok(open != 0, vr.status, &err)) {
		reply_problem(r, err,
			      arena_printf(r->a, "visit %lld is on site: complete it first",
					   (long long)open));
		return 0;
	}
	if ((rc = pg_ticket_cancel(db, r->a, t.id, reason)) < 0)
		return rc;
	struct json_object *a = jobj(r->a);
	json_object_object_add(a, "status", jstr(domain_ticket_status_name(TS_CANCELLED)));
	json_object_object_add(a, "reason", jstr(reason));
	rc = pg_audit(db, r->a, t.id, 0, r->user->id, "ticket.cancelled", NULL,
		      jspec_dump(r->a, a, NULL));
	return rc < 0 ? rc : reply_ticket(r, db, t.id, false);
}

int h_tickets_callback(struct http_req *r, struct db *db)
{
	bool reached = false;
	const char *note = NULL;
	const struct jfield spec[] = {
	    {.name = "reached", .type = J_BOOL, .required = true, .out = &reached},
	    {.name = "note", .type = J_STRING, .nullable = true, .max = 2000, .out = &note},
	    JSPEC_END,
	};
	if (!http_parse_body(r, spec))
		return 0;
	struct ticket_facts t;
	int rc = ticket_load(r, db, &t);
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
