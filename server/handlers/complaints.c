/*
 * Complaints (R13): receive, analyse the cause, resolve (action, compensation,
 * service training), notify the customer on the channel they chose, collect
 * their feedback -- five steps in this order (domain_complaint_step), each
 * written with its audit event (who, when, before, after) in the request's
 * transaction. The desk (admins, dispatchers) handles every complaint; a lead
 * those about their team's work; engineers none (the route table says so).
 */
#include "fieldd/cases.h"
#include "fieldd/db.h"
#include "fieldd/domain.h"
#include "fieldd/handlers.h"
#include "fieldd/handlers_cases.h"
#include "fieldd/jspec.h"
#include "fieldd/pg.h"
#include "fieldd/pg_cases.h"
#include "fieldd/util.h"

#include <json-c/json.h>
#include <string.h>

enum http_go case_id_array(struct http_req *r, struct json_object *arr, const char *field, int max,
			   const char **lit, int *n)
{
	size_t len = arr ? json_object_array_length(arr) : 0;
	*n = 0;
	*lit = "{}";
	if (len > (size_t)max) {
		reply_invalid(r, field, arena_printf(r->a, "at most %d ids", max));
		return HTTP_REPLIED;
	}
	int64_t *seen = arena_alloc(r->a, sizeof *seen * (len ? len : 1));
	struct abuf b;
	abuf_init(&b, r->a);
	abuf_adds(&b, "{");
	for (size_t i = 0; i < len; i++) {
		struct json_object *x = json_object_array_get_idx(arr, i);
		int64_t id = json_object_is_type(x, json_type_int) ? json_object_get_int64(x) : 0;
		if (id <= 0) {
			reply_invalid(r, arena_printf(r->a, "%s[%zu]", field, i),
				      "must be a positive id");
			return HTTP_REPLIED;
		}
		bool dup = false;
		for (int k = 0; k < *n && !dup; k++)
			dup = seen[k] == id;
		if (dup)
			continue;
		if (*n)
			abuf_adds(&b, ",");
		abuf_adds(&b, arena_printf(r->a, "%lld", (long long)id));
		seen[(*n)++] = id;
	}
	abuf_adds(&b, "}");
	*lit = arena_strndup(r->a, b.buf, b.len);
	return HTTP_GO;
}

static bool one_of(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return true;
	return false;
}

static bool query_id(struct http_req *r, const char *key, int64_t *out)
{
	const char *v = http_query(r, key);
	*out = 0;
	if (v && util_parse_id(v, out) < 0) {
		reply_problem(r, ERR_BAD_QUERY, arena_printf(r->a, "%s must be an id", key));
		return false;
	}
	return true;
}

static bool query_enum(struct http_req *r, const char *key, const char *const *list,
		       const char **out)
{
	*out = http_query(r, key);
	if (*out && !one_of(*out, list)) {
		reply_problem(r, ERR_BAD_QUERY,
			      arena_printf(r->a, "%s is not one of the known", key));
		return false;
	}
	return true;
}

int h_complaints_list(struct http_req *r, struct db *db)
{
	static const char *const channels[] = {"phone",	 "web", "email",  "walk_in",
					       "letter", "app", "survey", NULL};
	struct complaint_filter f = {0};
	int limit;
	int64_t cursor;
	if (!http_page(r, 50, 500, &limit, &cursor) ||
	    !query_enum(r, "status", domain_complaint_statuses, &f.status) ||
	    !query_enum(r, "channel", channels, &f.channel) ||
	    !query_id(r, "ticket_id", &f.ticket_id) || !query_id(r, "customer_id", &f.customer_id))
		return 0;
	struct viewer v;
	viewer_of(r, &v);
	struct db_rows rows;
	int rc = pg_complaint_list(db, r->a, &f, &v, cursor, limit + 1, &rows);
	if (rc < 0)
		return rc;
	reply_doc_list(r, &rows, limit);
	return 0;
}

static int reply_complaint(struct http_req *r, struct db *db, int64_t id, int status)
{
	const char *doc;
	int rc = pg_complaint_doc(db, r->a, id, true, &doc);
	if (rc <= 0)
		return rc < 0 ? rc : DB_HARD;
	reply_doc(r, status, doc);
	return 0;
}

/* The complaint's customer notice on its result channel (the outbox delivers it). */
static int notify_customer(struct http_req *r, struct db *db, int64_t id, const char *template_name,
			   struct json_object *payload, int64_t *nid)
{
	int rc =
	    pg_complaint_notify(db, r->a, id, template_name, jspec_dump(r->a, payload, NULL), nid);
	return rc;
}

int h_complaints_create(struct http_req *r, struct db *db)
{
	struct complaint_new c = {0};
	const struct jfield spec[] = {
	    {.name = "customer_id", .type = J_ID, .out = &c.customer_id},
	    {.name = "ticket_id", .type = J_ID, .out = &c.ticket_id},
	    {.name = "channel",
	     .type = J_ENUM,
	     .required = true,
	     .enums = domain_complaint_channels,
	     .out = &c.channel},
	    {.name = "description",
	     .type = J_STRING,
	     .required = true,
	     .min = 1,
	     .max = 4000,
	     .out = &c.description},
	    {.name = "result_channel",
	     .type = J_ENUM,
	     .enums = domain_contact_channels,
	     .out = &c.result_channel},
	    JSPEC_END,
	};
	if (!http_parse_body(r, spec))
		return 0;
	if (!c.customer_id && !c.ticket_id) {
		reply_invalid(r, "customer_id", "name the customer or the ticket complained about");
		return 0;
	}
	int rc;
	if (c.ticket_id) {
		struct viewer v;
		viewer_of(r, &v);
		struct ticket_facts t;
		if ((rc = pg_ticket_facts(db, r->a, c.ticket_id, &v, &t)) < 0)
			return rc;
		if (rc == 0) {
			reply_invalid(r, "ticket_id", "no such ticket");
			return 0;
		}
		if (c.customer_id && c.customer_id != t.customer_id) {
			reply_invalid(r, "customer_id", "is not the ticket's customer");
			return 0;
		}
		c.customer_id = t.customer_id;
	}
	struct customer_contact cc;
	if ((rc = pg_customer_contact(db, r->a, c.customer_id, &cc)) < 0)
		return rc;
	if (rc == 0) {
		reply_invalid(r, "customer_id", "no such customer");
		return 0;
	}
	/* R13: the result goes where the customer wants it; it must be reachable there */
	const char *ch = c.result_channel ? c.result_channel : cc.preferred_channel;
	if (!strcmp(ch, "email") ? !cc.has_email : !cc.has_phone) {
		reply_invalid(r, "result_channel",
			      !strcmp(ch, "email") ? "the customer has no e-mail address"
						   : "the customer has no phone number");
		return 0;
	}
	c.result_channel = ch;
	c.created_by = r->user->id;
	int64_t id, nid;
	if ((rc = pg_complaint_insert(db, r->a, &c, &id)) <= 0)
		return rc < 0 ? rc : DB_HARD;
	struct json_object *after = jobj(r->a);
	json_object_object_add(after, "status", jstr(domain_complaint_status_name(CS_RECEIVED)));
	json_object_object_add(after, "channel", jstr(c.channel));
	json_object_object_add(after, "result_channel", jstr(ch));
	rc = pg_case_audit(db, r->a, id, 0, c.ticket_id, r->user->id, "complaint.received", NULL,
			   jspec_dump(r->a, after, NULL));
	if (rc < 0)
		return rc;
	struct json_object *pl = jobj(r->a);
	json_object_object_add(pl, "channel", jstr(c.channel));
	if ((rc = notify_customer(r, db, id, "complaint_received", pl, &nid)) < 0)
		return rc;
	rc = reply_complaint(r, db, id, 201);
	if (rc == 0) /* after the reply: a reply starts with no headers */
		reply_add_header(r, "Location",
				 arena_printf(r->a, "/api/v1/complaints/%lld", (long long)id));
	return rc;
}

int h_complaints_get(struct http_req *r, struct db *db)
{
	int64_t id;
	if (http_param_id(r, 0, &id) < 0)
		return 0;
	struct viewer v;
	viewer_of(r, &v);
	int rc = http_found(r, pg_complaint_visible(db, r->a, id, &v), "complaint");
	if (rc <= 0)
		return rc;
	return reply_complaint(r, db, id, 200);
}

/* ---- steps ---- */

struct cstep {
	struct http_req *r;
	struct db *db;
	enum complaint_step step;
	struct complaint_row c;
	struct case_verdict verdict;
	struct json_object *changes;
};

/* Loads and locks the complaint and asks the order. 1 go on; 0 replied; < 0 db status. */
static int cstep_begin(struct cstep *s)
{
	int64_t id;
	if (http_param_id(s->r, 0, &id) < 0)
		return HTTP_REPLIED;
	struct viewer v;
	viewer_of(s->r, &v);
	int rc = http_found(s->r, pg_complaint_facts(s->db, s->r->a, id, &v, &s->c), "complaint");
	if (rc <= 0)
		return rc;
	domain_complaint_step(s->step, s->c.status, &s->verdict);
	if (!s->verdict.ok) {
		reply_problem(s->r, s->verdict.err,
			      arena_printf(s->r->a, "the complaint is %s: %s",
					   domain_complaint_status_name(s->c.status),
					   s->verdict.detail));
		return HTTP_REPLIED;
	}
	s->changes = jobj(s->r->a);
	json_object_object_add(s->changes, "status",
			       jstr(domain_complaint_status_name(s->verdict.next.complaint)));
	return HTTP_GO;
}

static int cstep_finish(struct cstep *s)
{
	struct http_req *r = s->r;
	const char *changes = jspec_dump(r->a, s->changes, NULL);
	s->changes = NULL;
	int rc = pg_complaint_step(s->db, r->a, s->c.id, changes, r->user->id);
	if (rc < 0)
		return rc;
	struct json_object *b = jobj(r->a);
	json_object_object_add(b, "status", jstr(domain_complaint_status_name(s->c.status)));
	rc = pg_case_audit(s->db, r->a, s->c.id, 0, s->c.ticket_id, r->user->id,
			   arena_printf(r->a, "complaint.%s", domain_complaint_step_name(s->step)),
			   jspec_dump(r->a, b, NULL), changes);
	if (rc < 0)
		return rc;
	return reply_complaint(r, s->db, s->c.id, 200);
}

static void cstep_abort(struct cstep *s)
{
	s->changes = NULL;
}

int h_complaint_analyse(struct http_req *r, struct db *db)
{
	const char *cause = NULL;
	const struct jfield spec[] = {
	    {.name = "cause",
	     .type = J_STRING,
	     .required = true,
	     .min = 1,
	     .max = 4000,
	     .out = &cause},
	    JSPEC_END,
	};
	if (!http_parse_body(r, spec))
		return 0;
	struct cstep s = {.r = r, .db = db, .step = CSTEP_ANALYSE};
	int rc = cstep_begin(&s);
	if (rc <= 0)
		return rc;
	json_object_object_add(s.changes, "cause", jstr(cause));
	return cstep_finish(&s);
}

/* compensation: {kind, amount_krw?}; errors name compensation.<member>. */
static bool parse_compensation(struct http_req *r, struct json_object *o,
			       struct complaint_resolution *res)
{
	bool amount_given = false;
	const struct jfield spec[] = {
	    {.name = "kind",
	     .type = J_ENUM,
	     .required = true,
	     .enums = domain_compensation_kinds,
	     .out = &res->comp_kind},
	    {.name = "amount_krw",
	     .type = J_INT,
	     .min = 1,
	     .max = DOMAIN_COMPENSATION_MAX_KRW,
	     .out = &res->comp_amount_krw,
	     .present = &amount_given},
	    JSPEC_END,
	};
	struct json_object *errors = jarr(r->a);
	if (!json_object_is_type(o, json_type_object)) {
		reply_invalid(r, "compensation", "must be an object {kind, amount_krw}");
		return false;
	}
	if (!jspec_parse(r->a, o, spec, errors)) {
		for (size_t i = 0; i < json_object_array_length(errors); i++) {
			struct json_object *e = json_object_array_get_idx(errors, i), *f;
			if (json_object_object_get_ex(e, "field", &f))
				json_object_object_add(
				    e, "field",
				    jstr(arena_printf(r->a, "compensation.%s",
						      json_object_get_string(f))));
		}
		reply_invalid_list(r, errors);
		return false;
	}
	res->compensation = true;
	res->comp_amount_given = amount_given;
	return true;
}

int h_complaint_resolve(struct http_req *r, struct db *db)
{
	const char *action = NULL;
	bool training = false, comp_present = false, staff_present = false;
	struct json_object *comp = NULL, *staff = NULL;
	const struct jfield spec[] = {
	    {.name = "action",
	     .type = J_STRING,
	     .required = true,
	     .min = 1,
	     .max = 4000,
	     .out = &action},
	    {.name = "compensation",
	     .type = J_ANY,
	     .nullable = true,
	     .out = &comp,
	     .present = &comp_present},
	    {.name = "training_required", .type = J_BOOL, .required = true, .out = &training},
	    {.name = "staff_ids", .type = J_ARRAY, .out = &staff, .present = &staff_present},
	    JSPEC_END,
	};
	if (!http_parse_body(r, spec))
		return 0;
	struct complaint_resolution res = {.training_required = training};
	if (comp && !parse_compensation(r, comp, &res))
		return 0;
	const char *staff_lit = "{}";
	int nstaff = 0;
	if (staff_present && !case_id_array(r, staff, "staff_ids", 50, &staff_lit, &nstaff))
		return 0;
	struct cstep s = {.r = r, .db = db, .step = CSTEP_RESOLVE};
	int rc = cstep_begin(&s);
	if (rc <= 0)
		return rc;
	if (nstaff) {
		int64_t n;
		if ((rc = pg_users_count(db, r->a, staff_lit, &n)) < 0) {
			cstep_abort(&s);
			return rc;
		}
		if (n != nstaff) {
			cstep_abort(&s);
			reply_invalid(r, "staff_ids", "names someone who is not a user");
			return 0;
		}
	} else if (training && !staff_present && s.c.ticket_id) {
		/* training without names: the people who went on the ticket's visits */
		if ((rc = pg_ticket_staff(db, r->a, s.c.ticket_id, &staff_lit)) < 0) {
			cstep_abort(&s);
			return rc;
		}
		nstaff = strcmp(staff_lit, "{}") != 0;
	}
	res.nstaff = nstaff;
	struct case_verdict v;
	const char *field;
	domain_complaint_resolve(&res, &v, &field);
	if (!v.ok) {
		cstep_abort(&s);
		struct json_object *errs = json_object_new_array(), *e = json_object_new_object();
		json_object_object_add(e, "field", jstr(field));
		json_object_object_add(e, "message", jstr(v.detail));
		json_object_array_add(errs, e);
		reply_rule_errors(r, err_get(v.err)->code, v.detail, errs);
		return 0;
	}
	json_object_object_add(s.changes, "action", jstr(action));
	json_object_object_add(s.changes, "training_required", jbool(training));
	if (res.compensation) {
		json_object_object_add(s.changes, "compensation_kind", jstr(res.comp_kind));
		json_object_object_add(s.changes, "compensation_krw", jint(res.comp_amount_krw));
	}
	/* the array literal back to a JSON array for the step's changes */
	struct json_object *ids = json_object_new_array();
	for (const char *p = staff_lit + 1; *p && *p != '}';) {
		int64_t id = 0;
		while (*p >= '0' && *p <= '9')
			id = id * 10 + (*p++ - '0');
		if (id)
			json_object_array_add(ids, jint(id));
		if (*p == ',')
			p++;
	}
	json_object_object_add(s.changes, "staff_ids", ids);
	return cstep_finish(&s);
}

int h_complaint_notify(struct http_req *r, struct db *db)
{
	const struct jfield none[] = {JSPEC_END}; /* no body, or {} */
	if (!http_parse_body(r, none))
		return 0;
	struct cstep s = {.r = r, .db = db, .step = CSTEP_NOTIFY};
	int rc = cstep_begin(&s);
	if (rc <= 0)
		return rc;
	/* the result as the customer hears it: what was done and what they get
	 * (the action and compensation are added from the complaint's row) */
	struct json_object *pl = jobj(r->a);
	int64_t nid;
	if ((rc = notify_customer(r, db, s.c.id, "complaint_result", pl, &nid)) < 0) {
		cstep_abort(&s);
		return rc;
	}
	json_object_object_add(s.changes, "notification_id", jint(nid));
	json_object_object_add(s.changes, "channel", jstr(s.c.result_channel));
	return cstep_finish(&s);
}

int h_complaint_feedback(struct http_req *r, struct db *db)
{
	int64_t rating = 0;
	const char *comment = NULL;
	const struct jfield spec[] = {
	    {.name = "rating", .type = J_INT, .required = true, .min = 1, .max = 5, .out = &rating},
	    {.name = "comment", .type = J_STRING, .nullable = true, .max = 4000, .out = &comment},
	    JSPEC_END,
	};
	if (!http_parse_body(r, spec))
		return 0;
	struct cstep s = {.r = r, .db = db, .step = CSTEP_FEEDBACK};
	int rc = cstep_begin(&s);
	if (rc <= 0)
		return rc;
	json_object_object_add(s.changes, "rating", jint(rating));
	json_object_object_add(s.changes, "comment", jstr(comment));
	return cstep_finish(&s);
}
