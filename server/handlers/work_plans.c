/*
 * Work plans for large jobs (R12: "plan, report, get approval, then work;
 * a written completion report"): draft -> submitted -> approved | rejected,
 * approved -> in_progress -> completed (domain_plan_step). The desk writes
 * plans for any team, a lead for their own; a lead of the plan's team or an
 * admin approves or rejects; whoever may write the plan starts and completes
 * it. Tickets join a plan at creation (ticket_ids) or later; the plan's visits
 * are those tickets' visits, and the people on them see the plan.
 */
#include "fieldd/cases.h"
#include "fieldd/db.h"
#include "fieldd/handlers.h"
#include "fieldd/handlers_cases.h"
#include "fieldd/jspec.h"
#include "fieldd/pg.h"
#include "fieldd/pg_cases.h"
#include "fieldd/util.h"

#include <json-c/json.h>
#include <time.h>

#define PLAN_MAX_TICKETS 500

int h_work_plans_list(struct http_req *r, struct db *db)
{
	struct plan_filter f = {0};
	int limit;
	int64_t cursor;
	if (!http_page(r, 50, 500, &limit, &cursor))
		return 0;
	f.status = http_query(r, "status");
	enum plan_status status;
	if (f.status && !domain_plan_status_parse(f.status, &status)) {
		reply_problem(r, ERR_BAD_QUERY, "status is not a work plan status");
		return 0;
	}
	const char *t = http_query(r, "team_id");
	if (t && util_parse_id(t, &f.team_id) < 0) {
		reply_problem(r, ERR_BAD_QUERY, "team_id must be an id");
		return 0;
	}
	struct viewer v;
	viewer_of(r, &v);
	struct db_rows rows;
	int rc = pg_plan_list(db, r->a, &f, &v, cursor, limit + 1, &rows);
	if (rc < 0)
		return rc;
	reply_doc_list(r, &rows, limit);
	return 0;
}

static int reply_plan(struct http_req *r, struct db *db, int64_t id, int status)
{
	const char *doc;
	int rc = pg_plan_doc(db, r->a, id, true, &doc);
	if (rc <= 0)
		return rc < 0 ? rc : DB_HARD;
	reply_doc(r, status, doc);
	return 0;
}

/* Links the tickets of lit (n of them) to the plan; 422 naming field when any
 * is unknown, not visible or in another plan. 1 done, 0 replied, < 0 db. */
static int link_tickets(struct http_req *r, struct db *db, int64_t plan, const char *lit, int n,
			const char *field)
{
	struct viewer v;
	viewer_of(r, &v);
	int64_t linked;
	int rc = pg_plan_link_tickets(db, r->a, plan, lit, &v, &linked);
	if (rc < 0)
		return rc;
	if (linked != n) {
		reply_invalid(r, field,
			      "names a ticket that does not exist, is not yours to see "
			      "or belongs to another plan");
		return HTTP_REPLIED;
	}
	return HTTP_GO;
}

int h_work_plans_create(struct http_req *r, struct db *db)
{
	struct plan_new p = {0};
	struct json_object *tickets = NULL;
	bool has_tickets = false;
	struct jtimestamp start = {0, NULL}, end = {0, NULL};
	const struct jfield spec[] = {
	    {.name = "title",
	     .type = J_STRING,
	     .required = true,
	     .min = 1,
	     .max = 200,
	     .out = &p.title},
	    {.name = "description",
	     .type = J_STRING,
	     .required = true,
	     .min = 1,
	     .max = 8000,
	     .out = &p.description},
	    {.name = "team_id", .type = J_ID, .required = true, .out = &p.team_id},
	    {.name = "division",
	     .type = J_STRING,
	     .nullable = true,
	     .max = 200,
	     .out = &p.division},
	    {.name = "planned_start", .type = J_TIMESTAMP, .nullable = true, .out = &start},
	    {.name = "planned_end", .type = J_TIMESTAMP, .nullable = true, .out = &end},
	    {.name = "ticket_ids", .type = J_ARRAY, .out = &tickets, .present = &has_tickets},
	    JSPEC_END,
	};
	if (!http_parse_body(r, spec))
		return 0;
	p.planned_start = start.text;
	p.planned_end = end.text;
	if (start.text && end.text) {
		if (end.t <= start.t) {
			reply_invalid(r, "planned_end", "must be after planned_start");
			return 0;
		}
	}
	const char *lit = "{}";
	int n = 0;
	if (has_tickets && !case_id_array(r, tickets, "ticket_ids", PLAN_MAX_TICKETS, &lit, &n))
		return 0;
	struct team_row team;
	int rc = pg_team_get(db, r->a, p.team_id, &team);
	if (rc < 0)
		return rc;
	if (rc == 0) {
		reply_invalid(r, "team_id", "no such team");
		return 0;
	}
	if (!domain_plan_may_write_for(r->user->role, r->user->id, r->user->team_id, team.id,
				       team.lead_id)) {
		reply_problem(r, ERR_FORBIDDEN, "a lead writes plans for their own team");
		return 0;
	}
	p.created_by = r->user->id;
	int64_t id;
	if ((rc = pg_plan_insert(db, r->a, &p, &id)) <= 0)
		return rc < 0 ? rc : DB_HARD;
	if (n && (rc = link_tickets(r, db, id, lit, n, "ticket_ids")) <= 0)
		return rc;
	struct json_object *after = jobj(r->a);
	json_object_object_add(after, "status", jstr(domain_plan_status_name(PS_DRAFT)));
	json_object_object_add(after, "team_id", jint(team.id));
	if (n)
		json_object_object_add(after, "ticket_ids", json_object_get(tickets));
	rc = pg_case_audit(db, r->a, 0, id, 0, r->user->id, "work_plan.created", NULL,
			   jspec_dump(r->a, after, NULL));
	if (rc < 0)
		return rc;
	reply_add_header(r, "Location",
			 arena_printf(r->a, "/api/v1/work-plans/%lld", (long long)id));
	return reply_plan(r, db, id, 201);
}

int h_work_plans_get(struct http_req *r, struct db *db)
{
	int64_t id;
	if (http_param_id(r, 0, &id) < 0)
		return 0;
	struct viewer v;
	viewer_of(r, &v);
	int rc = http_found(r, pg_plan_visible(db, r->a, id, &v), "work plan");
	if (rc <= 0)
		return rc;
	return reply_plan(r, db, id, 200);
}

/* Loads and locks the plan the caller sees. 1 go on; 0 replied (404); < 0 db. */
static int plan_load(struct http_req *r, struct db *db, struct plan_row *p)
{
	int64_t id;
	if (http_param_id(r, 0, &id) < 0)
		return HTTP_REPLIED;
	struct viewer v;
	viewer_of(r, &v);
	return http_found(r, pg_plan_facts(db, r->a, id, &v, p), "work plan");
}

static bool may_write(struct http_req *r, const struct plan_row *p)
{
	if (domain_plan_may_write_for(r->user->role, r->user->id, r->user->team_id, p->team_id,
				      p->team_lead))
		return true;
	reply_problem(r, ERR_FORBIDDEN, "only the desk or a lead of the plan's team");
	return false;
}

int h_work_plan_tickets(struct http_req *r, struct db *db)
{
	struct json_object *tickets = NULL;
	const struct jfield spec[] = {
	    {.name = "ticket_ids", .type = J_ARRAY, .required = true, .out = &tickets},
	    JSPEC_END,
	};
	if (!http_parse_body(r, spec))
		return 0;
	const char *lit;
	int n;
	if (!case_id_array(r, tickets, "ticket_ids", PLAN_MAX_TICKETS, &lit, &n))
		return 0;
	if (!n) {
		reply_invalid(r, "ticket_ids", "name at least one ticket");
		return 0;
	}
	struct plan_row p;
	int rc = plan_load(r, db, &p);
	if (rc <= 0)
		return rc;
	if (!may_write(r, &p))
		return 0;
	if (!domain_plan_open(p.status)) {
		reply_problem(r, ERR_STEP_ORDER, "a completed plan takes no more tickets");
		return 0;
	}
	if ((rc = link_tickets(r, db, p.id, lit, n, "ticket_ids")) <= 0)
		return rc;
	struct json_object *after = jobj(r->a);
	json_object_object_add(after, "ticket_ids", json_object_get(tickets));
	rc = pg_case_audit(db, r->a, 0, p.id, 0, r->user->id, "work_plan.tickets", NULL,
			   jspec_dump(r->a, after, NULL));
	if (rc < 0)
		return rc;
	return reply_plan(r, db, p.id, 200);
}

/* One step: load, who may, the order, write, audit, reply. extra: the step's
 * fields (the arena's), or NULL. */
static int plan_step(struct http_req *r, struct db *db, enum plan_step step,
		     struct json_object *extra)
{
	struct plan_row p;
	int rc = plan_load(r, db, &p);
	if (rc <= 0) {
		return rc;
	}
	bool decide = step == PSTEP_APPROVE || step == PSTEP_REJECT;
	if (decide ? !domain_plan_may_decide(r->user->role, r->user->id, r->user->team_id,
					     p.team_id, p.team_lead)
		   : !may_write(r, &p)) {
		if (decide)
			reply_problem(r, ERR_FORBIDDEN,
				      "a lead of the plan's team or an admin decides on it");
		return 0;
	}
	struct case_verdict v;
	domain_plan_step(step, p.status, &v);
	if (!v.ok) {
		reply_problem(r, v.err,
			      arena_printf(r->a, "the plan is %s: %s",
					   domain_plan_status_name(p.status), v.detail));
		return 0;
	}
	struct json_object *changes = extra ? extra : jobj(r->a);
	json_object_object_add(changes, "status", jstr(domain_plan_status_name(v.next.plan)));
	const char *after = jspec_dump(r->a, changes, NULL);
	if ((rc = pg_plan_step(db, r->a, p.id, after, r->user->id)) < 0)
		return rc;
	struct json_object *b = jobj(r->a);
	json_object_object_add(b, "status", jstr(domain_plan_status_name(p.status)));
	rc = pg_case_audit(db, r->a, 0, p.id, 0, r->user->id,
			   arena_printf(r->a, "work_plan.%s", domain_plan_step_name(step)),
			   jspec_dump(r->a, b, NULL), after);
	if (rc < 0)
		return rc;
	return reply_plan(r, db, p.id, 200);
}

int h_work_plan_submit(struct http_req *r, struct db *db)
{
	const struct jfield none[] = {JSPEC_END}; /* no body, or {} */
	if (!http_parse_body(r, none))
		return 0;
	return plan_step(r, db, PSTEP_SUBMIT, NULL);
}

int h_work_plan_approve(struct http_req *r, struct db *db)
{
	const struct jfield none[] = {JSPEC_END}; /* no body, or {} */
	if (!http_parse_body(r, none))
		return 0;
	return plan_step(r, db, PSTEP_APPROVE, NULL);
}

int h_work_plan_reject(struct http_req *r, struct db *db)
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
	struct json_object *x = jobj(r->a);
	json_object_object_add(x, "reason", jstr(reason));
	return plan_step(r, db, PSTEP_REJECT, x);
}

int h_work_plan_start(struct http_req *r, struct db *db)
{
	const struct jfield none[] = {JSPEC_END}; /* no body, or {} */
	if (!http_parse_body(r, none))
		return 0;
	return plan_step(r, db, PSTEP_START, NULL);
}

int h_work_plan_complete(struct http_req *r, struct db *db)
{
	const char *report = NULL;
	const struct jfield spec[] = {
	    {.name = "report",
	     .type = J_STRING,
	     .required = true,
	     .min = 1,
	     .max = 20000,
	     .out = &report},
	    JSPEC_END,
	};
	if (!http_parse_body(r, spec))
		return 0;
	struct json_object *x = jobj(r->a);
	json_object_object_add(x, "report", jstr(report));
	return plan_step(r, db, PSTEP_COMPLETE, x);
}
