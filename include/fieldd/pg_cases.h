/*
 * pg_cases.h — complaints (R13) and work plans (R12) in server/db/pg_cases.c.
 *
 * Same contract as pg.h: each function runs on the caller's connection and
 * transaction and returns a db status; strings are arena-owned. Reads return
 * documents built by the database (complaint_doc, work_plan_doc in migration
 * 0012); lists return (id, doc) rows for reply_doc_list().
 */
#ifndef FIELDD_PG_CASES_H
#define FIELDD_PG_CASES_H

#include "fieldd/cases.h" /* enum complaint_status, enum plan_status */
#include "fieldd/db.h"

#include <stdbool.h>
#include <stdint.h>

struct arena;
struct viewer;

/* A customer's ways of being reached, for the result channel a complaint names. */
struct customer_contact {
	bool has_phone, has_email;
	const char *preferred_channel;
};
DB_CHECK int pg_customer_contact(struct db *db, struct arena *a, int64_t id,
				 struct customer_contact *out);

/* ---- complaints ---- */
struct complaint_new {
	int64_t customer_id, ticket_id; /* ticket_id 0 = none */
	const char *channel, *description;
	const char *result_channel; /* NULL: the customer's preferred channel */
	int64_t created_by;	    /* 0: nobody (opened by a survey) */
};
DB_CHECK int pg_complaint_insert(struct db *db, struct arena *a, const struct complaint_new *c,
				 int64_t *id);

struct complaint_row {
	int64_t id, ticket_id, customer_id;
	enum complaint_status status;
	const char *result_channel;
};
/* Locks the row (FOR UPDATE); 0 rows when absent or not visible to v. */
DB_CHECK int pg_complaint_facts(struct db *db, struct arena *a, int64_t id, const struct viewer *v,
				struct complaint_row *out);
/* 1 when v sees the complaint; no lock (read-only transactions). */
DB_CHECK int pg_complaint_visible(struct db *db, struct arena *a, int64_t id,
				  const struct viewer *v);
/* The complaint's document, with its history (audit events) when full. */
DB_CHECK int pg_complaint_doc(struct db *db, struct arena *a, int64_t id, bool full,
			      const char **doc);
struct complaint_filter {
	const char *status, *channel;
	int64_t ticket_id, customer_id; /* 0 = any */
};
/* Newest first: cursor 0 = from the newest, else ids below it. */
DB_CHECK int pg_complaint_list(struct db *db, struct arena *a, const struct complaint_filter *f,
			       const struct viewer *v, int64_t cursor, int limit,
			       struct db_rows *rows);
/* A step's changes as a JSON object (status, and the step's fields); the new
 * status stamps its *_at with now() and its *_by with actor. */
DB_CHECK int pg_complaint_step(struct db *db, struct arena *a, int64_t id, const char *changes_json,
			       int64_t actor);
/* The people on the ticket's visits (engineers and leads, not cancelled) as a
 * PostgreSQL array literal ("{}" when none). */
DB_CHECK int pg_ticket_staff(struct db *db, struct arena *a, int64_t ticket, const char **ids);
/* How many of the ids (an array literal) are users. */
DB_CHECK int pg_users_count(struct db *db, struct arena *a, const char *ids, int64_t *n);
/* Queues a notice to the complaint's customer on its result channel; *id the notification. */
DB_CHECK int pg_complaint_notify(struct db *db, struct arena *a, int64_t complaint,
				 const char *template_name, const char *payload, int64_t *id);

/* A complaint opened by a low survey rating (channel "survey", status
 * received, no one as its author) with its audit event; *id the complaint. */
DB_CHECK int pg_complaint_from_survey(struct db *db, struct arena *a, int64_t ticket, int rating,
				      const char *comment, int64_t *id);

/* ---- work plans ---- */
struct plan_new {
	const char *title, *description, *division, *planned_start, *planned_end;
	int64_t team_id, created_by;
};
DB_CHECK int pg_plan_insert(struct db *db, struct arena *a, const struct plan_new *p, int64_t *id);
struct plan_row {
	int64_t id, team_id, team_lead;
	enum plan_status status;
};
/* Locks the row; 0 rows when absent or not visible to v. */
DB_CHECK int pg_plan_facts(struct db *db, struct arena *a, int64_t id, const struct viewer *v,
			   struct plan_row *out);
DB_CHECK int pg_plan_visible(struct db *db, struct arena *a, int64_t id, const struct viewer *v);
DB_CHECK int pg_plan_doc(struct db *db, struct arena *a, int64_t id, bool full, const char **doc);
struct plan_filter {
	const char *status;
	int64_t team_id;
};
DB_CHECK int pg_plan_list(struct db *db, struct arena *a, const struct plan_filter *f,
			  const struct viewer *v, int64_t cursor, int limit, struct db_rows *rows);
DB_CHECK int pg_plan_step(struct db *db, struct arena *a, int64_t id, const char *changes_json,
			  int64_t actor);
/* Puts the tickets (an array literal) that v sees and that are in no other plan
 * into the plan; *linked = how many of them are now in it. */
DB_CHECK int pg_plan_link_tickets(struct db *db, struct arena *a, int64_t plan, const char *ids,
				  const struct viewer *v, int64_t *linked);

/* An audit event of a complaint or a plan (ticket 0 = none). */
DB_CHECK int pg_case_audit(struct db *db, struct arena *a, int64_t complaint, int64_t plan,
			   int64_t ticket, int64_t actor, const char *action, const char *before,
			   const char *after);

/* ---- the report ---- */
/* One row: received, tickets, resolved, resolved_in_7_days, due_in_7_days,
 * mean_minutes, median_minutes, max_minutes, compensated, training. */
DB_CHECK int pg_complaint_report(struct db *db, struct arena *a, const char *from, const char *to,
				 int64_t team, int64_t person, struct db_rows *rows);

#endif
