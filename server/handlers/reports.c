/*
 * GET /api/v1/reports/service-standards (R15): each promise as numerator,
 * denominator and rate for a period, overall, per team and per engineer,
 * and the checklist items that fail most by device model. JSON, or CSV for
 * Accept: text/csv. Engineers see their own figures only, leads their team's.
 */
#include "fieldd/db.h"
#include "fieldd/handlers.h"
#include "fieldd/jspec.h"
#include "fieldd/pg.h"
#include "fieldd/pg_cases.h"
#include "fieldd/util.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_DAYS 366

/* from/to: a local date (to = that whole day) or an RFC 3339 time. */
static bool period(struct http_req *r, time_t *from, time_t *to)
{
	const char *f = http_query(r, "from"), *t = http_query(r, "to");
	time_t s, e;
	*to = time(NULL);
	if (t) {
		if (util_parse_local_day(t, &s, &e) == 0)
			*to = e;
		else if (util_parse_rfc3339(t, to) < 0) {
			reply_problem(r, ERR_BAD_QUERY,
				      "to must be a date (2026-11-30) or RFC 3339");
			return false;
		}
	}
	*from = *to - 30 * 86400L;
	if (f) {
		if (util_parse_local_day(f, &s, &e) == 0)
			*from = s;
		else if (util_parse_rfc3339(f, from) < 0) {
			reply_problem(r, ERR_BAD_QUERY,
				      "from must be a date (2026-11-01) or RFC 3339");
			return false;
		}
	}
	if (*from >= *to || *to - *from > MAX_DAYS * 86400L) {
		reply_problem(r, ERR_BAD_QUERY, "from must come before to, at most 366 days apart");
		return false;
	}
	return true;
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

static struct json_object *rate_json(const char *num, const char *den)
{
	struct json_object *o = json_object_new_object();
	long long d = den ? atoll(den) : 0;
	json_object_object_add(o, "numerator", jint_text(num));
	json_object_object_add(o, "denominator", json_object_new_int64(d));
	json_object_object_add(o, "rate",
			       num && d > 0 ? json_object_new_double((double)atoll(num) / (double)d)
					    : NULL);
	return o;
}

static bool wants_csv(struct http_req *r)
{
	const char *acc = http_header_get(r, "Accept");
	return acc && strstr(acc, "text/csv") != NULL;
}

/* RFC 4180: quote when needed, double the quotes. */
static void csv_field(struct abuf *b, const char *s)
{
	if (!s)
		return;
	if (!strpbrk(s, ",\"\r\n")) {
		abuf_adds(b, s);
		return;
	}
	abuf_adds(b, "\"");
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			abuf_adds(b, "\"");
		abuf_add(b, p, 1);
	}
	abuf_adds(b, "\"");
}

/*
 * Complaint figures (R13) as CSV rows of scope "complaints" after the
 * promises: complaint_rate and complaint_resolved_in_7_days as
 * numerator/denominator/rate; the minutes from receipt to resolution (mean,
 * median, longest) with the minutes as numerator and the resolved complaints
 * as denominator, rate left empty.
 */
static void csv_row(struct abuf *b, const char *const *cells, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		if (k)
			abuf_adds(b, ",");
		csv_field(b, cells[k]);
	}
	abuf_adds(b, "\r\n");
}

static void csv_complaints(struct http_req *r, struct abuf *b, const struct db_rows *c,
			   const char *from, const char *to)
{
	if (!c || c->n < 1)
		return;
	const char *resolved = db_val(c, 0, "resolved");
	const struct {
		const char *metric, *num, *den;
		bool rate;
	} m[] = {
	    {"complaint_rate", db_val(c, 0, "received"), db_val(c, 0, "tickets"), true},
	    {"complaint_resolved_in_7_days", db_val(c, 0, "resolved_in_7_days"),
	     db_val(c, 0, "due_in_7_days"), true},
	    {"complaint_minutes_to_resolve_mean", db_val(c, 0, "mean_minutes"), resolved, false},
	    {"complaint_minutes_to_resolve_median", db_val(c, 0, "median_minutes"), resolved,
	     false},
	    {"complaint_minutes_to_resolve_max", db_val(c, 0, "max_minutes"), resolved, false},
	};
	for (size_t i = 0; i < sizeof m / sizeof m[0]; i++) {
		long long d = m[i].den ? atoll(m[i].den) : 0;
		const char *cells[] = {
		    from,
		    to,
		    "complaints",
		    NULL,
		    NULL,
		    NULL,
		    NULL,
		    m[i].metric,
		    m[i].num,
		    m[i].den,
		    m[i].rate && m[i].num && d > 0
			? arena_printf(r->a, "%.4f", (double)atoll(m[i].num) / (double)d)
			: NULL};
		csv_row(b, cells, sizeof cells / sizeof cells[0]);
	}
}

static void reply_csv(struct http_req *r, const struct db_rows *rows,
		      const struct db_rows *complaints, const char *from, const char *to)
{
	struct abuf b;
	abuf_init(&b, r->a);
	abuf_adds(&b, "from,to,scope,team_id,team,engineer_id,engineer,metric,numerator,"
		      "denominator,rate\r\n");
	for (int i = 0; i < rows->n; i++) {
		const char *num = db_val(rows, i, "numerator"),
			   *den = db_val(rows, i, "denominator");
		long long d = atoll(den);
		const char *cells[] = {
		    from,
		    to,
		    db_val(rows, i, "scope"),
		    db_val(rows, i, "team_id"),
		    db_val(rows, i, "team_name"),
		    db_val(rows, i, "person_id"),
		    db_val(rows, i, "person_name"),
		    db_val(rows, i, "metric"),
		    num,
		    den,
		    num && d > 0 ? arena_printf(r->a, "%.4f", (double)atoll(num) / (double)d)
				 : NULL};
		csv_row(&b, cells, sizeof cells / sizeof cells[0]);
	}
	csv_complaints(r, &b, complaints, from, to);
	reply_raw(r, 200, "text/csv; charset=utf-8", b.buf, b.len);
	reply_add_header(r, "Content-Disposition",
			 "attachment; filename=\"service-standards.csv\"");
}

/* R13: complaints received per ticket taken in, resolved within 7 days, and
 * the minutes from receipt to resolution. */
static struct json_object *complaints_json(const struct db_rows *c)
{
	struct json_object *o = json_object_new_object(), *m = json_object_new_object();
	json_object_object_add(o, "received", jint_text(db_val(c, 0, "received")));
	json_object_object_add(o, "complaint_rate",
			       rate_json(db_val(c, 0, "received"), db_val(c, 0, "tickets")));
	json_object_object_add(
	    o, "resolved_in_7_days",
	    rate_json(db_val(c, 0, "resolved_in_7_days"), db_val(c, 0, "due_in_7_days")));
	json_object_object_add(m, "resolved", jint_text(db_val(c, 0, "resolved")));
	json_object_object_add(m, "mean", jint_text(db_val(c, 0, "mean_minutes")));
	json_object_object_add(m, "median", jint_text(db_val(c, 0, "median_minutes")));
	json_object_object_add(m, "max", jint_text(db_val(c, 0, "max_minutes")));
	json_object_object_add(o, "minutes_to_resolve", m);
	json_object_object_add(o, "compensated", jint_text(db_val(c, 0, "compensated")));
	json_object_object_add(o, "training_required", jint_text(db_val(c, 0, "training")));
	return o;
}

int h_report_service_standards(struct http_req *r, struct db *db)
{
	time_t from, to;
	int64_t team, person;
	if (!period(r, &from, &to) || !query_id(r, "team_id", &team) ||
	    !query_id(r, "engineer_id", &person))
		return 0;
	if (!strcmp(r->user->role, "engineer")) {
		if (person && person != r->user->id) {
			reply_problem(r, ERR_FORBIDDEN, "engineers see their own figures");
			return 0;
		}
		person = r->user->id;
	} else if (!strcmp(r->user->role, "lead")) {
		/* a lead sees their own team; a lead without a team, their own figures */
		if (team && team != r->user->team_id) {
			reply_problem(r, ERR_FORBIDDEN, "leads see their own team's figures");
			return 0;
		}
		team = r->user->team_id;
		if (!team) {
			if (person && person != r->user->id) {
				reply_problem(r, ERR_FORBIDDEN,
					      "a lead without a team sees their own figures");
				return 0;
			}
			person = r->user->id;
		}
	}
	const char *f = util_rfc3339(r->a, from), *t = util_rfc3339(r->a, to);
	struct db_rows rows, fails;
	int rc = pg_service_report(db, r->a, f, t, team, person, &rows);
	if (rc < 0)
		return rc;
	struct db_rows complaints;
	if ((rc = pg_complaint_report(db, r->a, f, t, team, person, &complaints)) < 0)
		return rc;
	if (wants_csv(r)) {
		reply_csv(r, &rows, &complaints, f, t);
		return 0;
	}
	if ((rc = pg_checklist_failures(db, r->a, f, t, team, person, 20, &fails)) < 0)
		return rc;
	struct json_object *o = json_object_new_object(), *teams = json_object_new_array(),
			   *people = json_object_new_array(), *cur = NULL, *metrics = NULL;
	struct json_object *p = json_object_new_object();
	json_object_object_add(p, "from", jstr(f));
	json_object_object_add(p, "to", jstr(t));
	json_object_object_add(o, "period", p);
	const char *key_scope = "", *key_team = "", *key_person = "";
	for (int i = 0; i < rows.n; i++) {
		const char *scope = db_val(&rows, i, "scope");
		const char *tid = db_val(&rows, i, "team_id"), *pid = db_val(&rows, i, "person_id");
		if (!tid)
			tid = "";
		if (!pid)
			pid = "";
		if (strcmp(scope, key_scope) || strcmp(tid, key_team) || strcmp(pid, key_person)) {
			key_scope = scope, key_team = tid, key_person = pid;
			metrics = json_object_new_object();
			if (!strcmp(scope, "overall")) {
				json_object_object_add(o, "overall", metrics);
			} else {
				cur = json_object_new_object();
				json_object_object_add(cur, "team_id",
						       jint_text(db_val(&rows, i, "team_id")));
				json_object_object_add(cur, "team",
						       jstr(db_val(&rows, i, "team_name")));
				if (!strcmp(scope, "engineer")) {
					json_object_object_add(
					    cur, "engineer_id",
					    jint_text(db_val(&rows, i, "person_id")));
					json_object_object_add(
					    cur, "engineer", jstr(db_val(&rows, i, "person_name")));
				}
				json_object_object_add(cur, "metrics", metrics);
				json_object_array_add(!strcmp(scope, "team") ? teams : people, cur);
			}
		}
		json_object_object_add(
		    metrics, db_val(&rows, i, "metric"),
		    rate_json(db_val(&rows, i, "numerator"), db_val(&rows, i, "denominator")));
	}
	json_object_object_add(o, "teams", teams);
	json_object_object_add(o, "engineers", people);
	struct json_object *fl = json_object_new_array();
	for (int i = 0; i < fails.n; i++) {
		struct json_object *x = json_object_new_object();
		json_object_object_add(x, "kind", jstr(db_val(&fails, i, "kind")));
		json_object_object_add(x, "model", jstr(db_val(&fails, i, "model")));
		json_object_object_add(x, "key", jstr(db_val(&fails, i, "key")));
		json_object_object_add(x, "label", jstr(db_val(&fails, i, "label")));
		json_object_object_add(x, "failures", jint_text(db_val(&fails, i, "failures")));
		json_object_object_add(x, "answers", jint_text(db_val(&fails, i, "answers")));
		json_object_array_add(fl, x);
	}
	json_object_object_add(o, "checklist_failures", fl);
	json_object_object_add(o, "complaints", complaints_json(&complaints));
	reply_json(r, 200, o);
	return 0;
}
