/* Visits: dispatch inputs, booking, steps, reads. */
#include "fieldd/arena.h"
#include "fieldd/db.h"
#include "fieldd/dispatch.h"
#include "fieldd/pg.h"
#include "pg_dispatch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int pg_dispatch_people_rows(struct db *db, struct arena *a, const struct db_rows *rows, time_t from,
			    time_t to, struct dsp_person **out)
{
	struct dsp_person *p = arena_alloc(a, sizeof *p * (size_t)(rows->n ? rows->n : 1));
	int64_t *versions = arena_alloc(a, sizeof *versions * (size_t)(rows->n ? rows->n : 1));
	int n = 0;
	*out = p;
	if (!rows->n)
		return 0;
	const int c_id = db_col(rows, "id"), c_role = db_col(rows, "role"),
		  c_team = db_col(rows, "team_id"), c_lead = db_col(rows, "team_lead"),
		  c_ws = db_col(rows, "work_start"), c_we = db_col(rows, "work_end"),
		  c_days = db_col(rows, "work_days"), c_skills = db_col(rows, "skills"),
		  c_ver = db_col(rows, "sched_version");
	for (int i = 0; i < rows->n; i++) {
		const char *id = db_cell(rows, i, c_id), *end;
		if (!id)
			continue; /* nobody at all (an outer join's empty side) */
		struct dsp_person *q = &p[n];
		memset(q, 0, sizeof *q);
		q->id = pg_dec(id, &end);
		versions[n++] = pg_dec(db_cell(rows, i, c_ver), &end);
		q->is_lead = strcmp(db_cell(rows, i, c_role), "lead") == 0;
		q->team_id = pg_dec(db_cell(rows, i, c_team), &end);
		q->team_lead = pg_dec(db_cell(rows, i, c_lead), &end);
		int ws = (int)pg_dec(db_cell(rows, i, c_ws), &end),
		    we = (int)pg_dec(db_cell(rows, i, c_we), &end);
		unsigned wd = 0;
		const char *days = db_cell(rows, i, c_days);
		for (const char *d = days; d && *d; d++)
			if (*d >= '1' && *d <= '7')
				wd |= 1u << (*d - '0');
		dsp_working_hours(q, ws, we, wd); /* the domain's defaults where none are set */
		const char *sk = db_cell(rows, i, c_skills);
		while (sk && *sk) {
			const char *c = strchr(sk, ',');
			size_t len = c ? (size_t)(c - sk) : strlen(sk);
			q->skills |= dsp_kind_bit(arena_strndup(a, sk, len));
			sk += len + (c ? 1 : 0);
		}
	}
	int rc = schedule_busy(db, a, p, versions, n, from, to);
	return rc < 0 ? rc : n;
}

/* The field staff with their busy intervals in [from, to): one row per person,
 * by id; load = how many intervals (pg_dispatch.h's PG_DISPATCH_PEOPLE). */
DB_STMT(q_dispatch_people, PG_DISPATCH_PEOPLE("true") " ORDER BY u.id");

int pg_dispatch_people(struct db *db, struct arena *a, time_t from, time_t to,
		       struct dsp_person **out, int *n)
{
	struct db_rows rows;
	int rc = db_exec(db, a, &q_dispatch_people, &rows, 0, NULL);
	if (rc < 0)
		return rc;
	int k = pg_dispatch_people_rows(db, a, &rows, from, to, out);
	if (k < 0)
		return k;
	*n = k;
	return k;
}

DB_STMT(q_last_engineer,
	"SELECT v.engineer_id FROM visits v JOIN tickets t ON t.id = v.ticket_id"
	" WHERE t.device_id = $1::bigint AND v.engineer_id IS NOT NULL"
	" AND v.status IN ('completed', 'absent', 'on_site')"
	" ORDER BY coalesce(v.completed_at, v.arrived_at, v.starts_at) DESC LIMIT 1");

int pg_last_engineer(struct db *db, struct arena *a, int64_t device_id, int64_t *id)
{
	struct db_rows rows;
	int rc = db_exec(db, a, &q_last_engineer, &rows, DB_ARGS(db_param_int(a, device_id)));
	*id = rc > 0 ? db_int(&rows, 0, "engineer_id") : 0;
	return rc;
}

DB_STMT(q_field_person, "SELECT u.role, coalesce(t.lead_id, 0) AS team_lead FROM users u"
			" LEFT JOIN teams t ON t.id = u.team_id"
			" WHERE u.id = $1::bigint AND u.active AND u.role IN ('engineer', 'lead')");

int pg_field_person(struct db *db, struct arena *a, int64_t id, const char **role,
		    int64_t *team_lead)
{
	struct db_rows rows;
	int rc = db_exec(db, a, &q_field_person, &rows, DB_ARGS(db_param_int(a, id)));
	if (rc > 0) {
		*role = db_val(&rows, 0, "role");
		*team_lead = db_int(&rows, 0, "team_lead");
	}
	return rc;
}

DB_STMT(q_visit_clash,
	"SELECT p.visit_id FROM visit_people p WHERE p.active"
	" AND p.person_id IN ($1::bigint, $2::bigint) AND p.visit_id <> $5::bigint"
	" AND p.during && tstzrange(to_timestamp($3::bigint), to_timestamp($4::bigint))"
	" ORDER BY lower(p.during) LIMIT 1");

int pg_visit_clash(struct db *db, struct arena *a, int64_t engineer, int64_t lead, time_t start,
		   time_t end, int64_t except, int64_t *visit_id)
{
	struct db_rows rows;
	int rc =
	    db_exec(db, a, &q_visit_clash, &rows,
		    DB_ARGS(db_param_int(a, engineer), db_param_int(a, lead),
			    db_param_int(a, start), db_param_int(a, end), db_param_int(a, except)));
	*visit_id = rc > 0 ? db_int(&rows, 0, "visit_id") : 0;
	return rc;
}

DB_STMT(q_visit_insert,
	"INSERT INTO visits (ticket_id, seq, engineer_id, lead_id, starts_at, ends_at, uid)"
	" VALUES ($1::bigint, (SELECT coalesce(max(seq), 0) + 1 FROM visits"
	"   WHERE ticket_id = $1::bigint), $2::bigint, $3::bigint, to_timestamp($4::bigint),"
	"   to_timestamp($5::bigint), $6::uuid) RETURNING id");

int pg_visit_insert(struct db *db, struct arena *a, int64_t ticket, int64_t engineer, int64_t lead,
		    time_t start, time_t end, const char *uid, int64_t *id)
{
	struct db_rows rows;
	int rc =
	    db_exec(db, a, &q_visit_insert, &rows,
		    DB_ARGS(db_param_int(a, ticket), db_param_id(a, engineer), db_param_id(a, lead),
			    db_param_int(a, start), db_param_int(a, end), uid));
	if (rc > 0)
		*id = db_int(&rows, 0, "id");
	return rc;
}

DB_STMT(q_visit_reassign,
	"UPDATE visits SET engineer_id = $2::bigint, lead_id = $3::bigint,"
	" starts_at = to_timestamp($4::bigint), ends_at = to_timestamp($5::bigint),"
	" ical_sequence = ical_sequence + 1, updated_at = now() WHERE id = $1::bigint");

int pg_visit_reassign(struct db *db, struct arena *a, int64_t id, int64_t engineer, int64_t lead,
		      time_t start, time_t end)
{
	return db_exec(db, a, &q_visit_reassign, NULL,
		       DB_ARGS(db_param_int(a, id), db_param_id(a, engineer), db_param_id(a, lead),
			       db_param_int(a, start), db_param_int(a, end)));
}

DB_STMT(
    q_visit_facts,
    "SELECT v.id, v.ticket_id, coalesce(v.engineer_id, 0) AS engineer_id,"
    " coalesce(v.lead_id, 0) AS lead_id, v.status,"
    " extract(epoch FROM v.starts_at)::bigint AS s, extract(epoch FROM v.ends_at)::bigint AS e,"
    " v.estimated_at IS NOT NULL AS has_estimate, v.consent_at IS NOT NULL AS has_consent,"
    " v.late_notice_at IS NOT NULL AS late_notice, t.requires_lead,"
    " extract(epoch FROM greatest(v.created_at, v.departed_at, v.late_notice_at, v.arrived_at,"
    "  v.estimated_at, v.consent_at, v.completed_at, v.absent_at, v.cancelled_at,"
    "  (SELECT max(p.at) FROM precall_attempts p WHERE p.visit_id = v.id)))::bigint AS last_step"
    " FROM visits v JOIN tickets t ON t.id = v.ticket_id WHERE v.id = $1::bigint"
    " AND visit_visible(v, $2::bigint, $3, $4::bigint) FOR UPDATE OF v");

int pg_visit_facts(struct db *db, struct arena *a, int64_t id, const struct viewer *v,
		   struct visit_row *out)
{
	struct db_rows rows;
	int rc = db_exec(db, a, &q_visit_facts, &rows,
			 DB_ARGS(db_param_int(a, id), db_param_int(a, v->id), v->role,
				 db_param_id(a, v->team_id)));
	if (rc <= 0)
		return rc;
	out->id = db_int(&rows, 0, "id");
	out->ticket_id = db_int(&rows, 0, "ticket_id");
	out->engineer_id = db_int(&rows, 0, "engineer_id");
	out->lead_id = db_int(&rows, 0, "lead_id");
	if (!domain_visit_status_parse(db_val(&rows, 0, "status"), &out->status))
		return DB_HARD;
	out->starts_at = (time_t)db_int(&rows, 0, "s");
	out->ends_at = (time_t)db_int(&rows, 0, "e");
	out->has_estimate = db_bool(&rows, 0, "has_estimate");
	out->has_consent = db_bool(&rows, 0, "has_consent");
	out->late_notice = db_bool(&rows, 0, "late_notice");
	out->requires_lead = db_bool(&rows, 0, "requires_lead");
	out->last_step_at = (time_t)db_int(&rows, 0, "last_step");
	return rc;
}

DB_STMT(q_visit_visible, "SELECT 1 AS one FROM visits v WHERE v.id = $1::bigint"
			 " AND visit_visible(v, $2::bigint, $3, $4::bigint)");

int pg_visit_visible(struct db *db, struct arena *a, int64_t id, const struct viewer *v)
{
	return db_exec(db, a, &q_visit_visible, NULL,
		       DB_ARGS(db_param_int(a, id), db_param_int(a, v->id), v->role,
			       db_param_id(a, v->team_id)));
}

DB_STMT(q_visit_doc, "SELECT visit_doc(v)::text AS doc FROM visits v WHERE v.id = $1::bigint");

int pg_visit_doc(struct db *db, struct arena *a, int64_t id, const char **doc)
{
	struct db_rows rows;
	int rc = db_exec(db, a, &q_visit_doc, &rows, DB_ARGS(db_param_int(a, id)));
	if (rc > 0)
		*doc = db_val(&rows, 0, "doc");
	return rc;
}

DB_STMT(q_visit_open, "SELECT v.id FROM visits v WHERE v.ticket_id = $1::bigint"
		      " AND v.status = ANY ($2::text[])"
		      " ORDER BY v.seq DESC LIMIT 1");

int pg_visit_open_for_ticket(struct db *db, struct arena *a, int64_t ticket, int64_t *visit_id)
{
	struct db_rows rows;
	int rc = db_exec(db, a, &q_visit_open, &rows,
			 DB_ARGS(db_param_int(a, ticket), pg_visit_statuses(a, domain_visit_open)));
	*visit_id = rc > 0 ? db_int(&rows, 0, "id") : 0;
	return rc;
}

/*
 * Windows overlapping [from, to); the person as engineer or lead. Keyset paging on
 * (starts_at, id): the cursor ($1) is the id of the last visit of the previous page,
 * like every other list's, and the statement reads that visit's start -- only when the
 * caller may see it: a cursor naming a visit that does not exist or is not theirs gives
 * an empty page and tells nothing of it. (The two statements below spell the same
 * cursor condition: tests/bench/dispatch.sh reads q_visit_list_person's text.)
 */
DB_STMT(q_visit_list,
	"SELECT v.id::text AS id,"
	" visit_doc(v)::text AS doc FROM visits v"
	" WHERE ($1::bigint IS NULL OR (v.starts_at, v.id) > (SELECT c.starts_at, c.id"
	" FROM visits c WHERE c.id = $1::bigint AND visit_visible(c, $6::bigint, $7, $8::bigint)))"
	" AND ($3::bigint IS NULL OR $3::bigint IN (v.engineer_id, v.lead_id))"
	" AND ($4::timestamptz IS NULL OR v.ends_at > $4::timestamptz)"
	" AND ($5::timestamptz IS NULL OR v.starts_at < $5::timestamptz)"
	" AND visit_visible(v, $6::bigint, $7, $8::bigint)"
	" ORDER BY v.starts_at, v.id LIMIT $2::int");

/*
 * The same for one person's visits in a window (an engineer's day): no optional
 * filters, so one plan fits every call, and the person's index ranges are
 * bounded on both sides -- a visit lasts at most 10 hours (visits_window_max in
 * migration 0005), so one that ends after $4 starts after $4 - 10 hours.
 */
DB_STMT(q_visit_list_person,
	"SELECT v.id::text AS id,"
	" visit_doc(v)::text AS doc FROM visits v"
	" WHERE ($1::bigint IS NULL OR (v.starts_at, v.id) > (SELECT c.starts_at, c.id"
	" FROM visits c WHERE c.id = $1::bigint AND visit_visible(c, $6::bigint, $7, $8::bigint)))"
	" AND (v.engineer_id = $3::bigint OR v.lead_id = $3::bigint)"
	" AND v.ends_at > $4::timestamptz AND v.starts_at < $5::timestamptz"
	" AND v.starts_at > $4::timestamptz - interval '10 hours'"
	" AND visit_visible(v, $6::bigint, $7, $8::bigint)"
	" ORDER BY v.starts_at, v.id LIMIT $2::int");

int pg_visit_list(struct db *db, struct arena *a, int64_t person, const char *from, const char *to,
		  const struct viewer *v, int64_t cursor, int limit, struct db_rows *rows)
{
	return db_exec(db, a, person && from && to ? &q_visit_list_person : &q_visit_list, rows,
		       DB_ARGS(db_param_id(a, cursor), db_param_int(a, limit),
			       db_param_id(a, person), from, to, db_param_int(a, v->id), v->role,
			       db_param_id(a, v->team_id)));
}

/*
 * One statement for every step: the changes object names the status and the
 * step's own fields; the member that marks a step (departed_now, late_minutes,
 * ...) stamps that step's column with the changes' "at" (when the engineer
 * acted; now() without one) and its *_received_at column with now().
 */
/* $3 is the step's "at" (NULL: now()); a step's moment is set when its flag or value
 * is given, with its *_received_at column at now(). */
#define STEP_AT(flag, col)                                                                         \
	" " #col "_at = CASE WHEN " flag " THEN coalesce($3::timestamptz, now()) ELSE " #col       \
	"_at END, " #col "_received_at = CASE WHEN " flag " THEN now() ELSE " #col                 \
	"_received_at END,"
/* clang-format off */
DB_STMT(q_visit_step,
	"UPDATE visits SET status = coalesce($2, status),"
	" starts_at = coalesce(to_timestamp($4::bigint), starts_at),"
	" ends_at = coalesce(to_timestamp($5::bigint), ends_at),"
	STEP_AT("$6::bool", departed)
	STEP_AT("$7::int IS NOT NULL", late_notice)
	" late_minutes = coalesce($7::int, late_minutes),"
	STEP_AT("$8::bool", arrived)
	" arrived_late = coalesce($9::bool, arrived_late),"
	" estimate_minutes = coalesce($10::int, estimate_minutes),"
	" estimate_explanation = CASE WHEN $10::int IS NOT NULL THEN $11 ELSE estimate_explanation END,"
	STEP_AT("$10::int IS NOT NULL", estimated)
	" consent_by = coalesce($12, consent_by),"
	STEP_AT("$12::text IS NOT NULL", consent)
	STEP_AT("$13::bool", completed)
	" work_done = coalesce($14::bool, work_done),"
	" resolved = coalesce($15::bool, resolved),"
	" resolution = coalesce($16, resolution),"
	" follow_up_reason = coalesce($17, follow_up_reason),"
	" absent_memo_left = coalesce($18::bool, absent_memo_left),"
	" absent_note = coalesce($19, absent_note),"
	STEP_AT("$18::bool IS NOT NULL", absent)
	" cancel_reason = coalesce($20, cancel_reason),"
	STEP_AT("$20::text IS NOT NULL", cancelled)
	" ical_sequence = ical_sequence + 1, updated_at = now()"
	" WHERE id = $1::bigint");
/* clang-format on */

static const char *flag(bool b)
{
	return b ? "true" : "false";
}

int pg_visit_step(struct db *db, struct arena *a, int64_t id, const struct visit_change *c)
{
	const char *no = NULL;
	return db_exec(
	    db, a, &q_visit_step, NULL,
	    DB_ARGS(db_param_int(a, id), c->set_status ? domain_visit_status_name(c->status) : no,
		    c->at, c->starts_at ? db_param_int(a, c->starts_at) : no,
		    c->ends_at ? db_param_int(a, c->ends_at) : no, flag(c->departed),
		    c->late_minutes > 0 ? db_param_int(a, c->late_minutes) : no, flag(c->arrived),
		    c->arrived ? flag(c->arrived_late) : no,
		    c->estimate_minutes > 0 ? db_param_int(a, c->estimate_minutes) : no,
		    c->estimate_explanation, c->consent_by, flag(c->completed),
		    c->completed ? flag(c->work_done) : no, c->completed ? flag(c->resolved) : no,
		    c->completed ? c->resolution : no, c->completed ? c->follow_up_reason : no,
		    c->absent ? flag(c->memo_left) : no, c->absent ? c->absent_note : no,
		    c->cancel_reason));
}

DB_STMT(q_precall_add,
	"INSERT INTO precall_attempts (visit_id, outcome, note, by_user, at)"
	" VALUES ($1::bigint, $2, $3, $4::bigint, coalesce($5::timestamptz, now()))");

int pg_precall_add(struct db *db, struct arena *a, int64_t visit, const char *outcome,
		   const char *note, int64_t by, const char *at)
{
	return db_exec(db, a, &q_precall_add, NULL,
		       DB_ARGS(db_param_int(a, visit), outcome, note, db_param_id(a, by), at));
}
