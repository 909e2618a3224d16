/*
 * pg.h — the query families of server/db/pg_*.c.
 *
 * Each function runs on the caller's connection (inside the caller's
 * transaction, if any) and returns a db status (see db.h). Strings in out
 * structs are arena-owned.
 */
#ifndef FIELDD_PG_H
#define FIELDD_PG_H

#include "fieldd/db.h"
#include "fieldd/domain.h"

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct arena;
struct auth_user;
struct dsp_person;

/* ---- ops ---- */
DB_CHECK int pg_ping(struct db *db);
/* Removes expired sessions, idempotency keys and old login failures. */
DB_CHECK int pg_housekeeping(struct db *db, struct arena *a);

/* ---- demo data (demo.c) ---- */
/* Loads the demo organisation into an empty database (*state says what happened); -1 with
 * err on failure. */
enum demo_state {
	DEMO_LOADED_NOW, /* loaded by this call */
	DEMO_ALREADY,	 /* loaded before: nothing done */
	DEMO_NOT_EMPTY,	 /* the database holds an organisation of its own: nothing done */
};
/* now: the moment the demo is loaded at (RFC 3339; NULL = the database's now()): nothing
 * in the demo happens after it, so tests can load it at any hour of the day. */
DB_CHECK int pg_demo_load(struct db *db, const char *password_hash, const char *now,
			  enum demo_state *state, char *err, size_t errlen);

/* ---- users (pg_users.c) ---- */
struct user_row {
	int64_t id, team_id; /* team_id 0 = none */
	const char *login, *name, *role, *phone, *email, *skills, *created_at, *updated_at;
	const char *password_hash; /* only from pg_user_by_login */
	bool active;
};
struct user_new {
	const char *login, *name, *role, *password_hash, *phone, *email;
	int64_t team_id;    /* 0 = none */
	const char *skills; /* comma-separated device kinds, "" for none */
};
/* Returns the new id in *id. Unique violation → db_err_unique(). */
DB_CHECK int pg_user_insert(struct db *db, struct arena *a, const struct user_new *u, int64_t *id);
DB_CHECK int pg_user_get(struct db *db, struct arena *a, int64_t id, struct user_row *out);
DB_CHECK int pg_user_by_login(struct db *db, struct arena *a, const char *login,
			      struct user_row *out);
DB_CHECK int pg_user_list(struct db *db, struct arena *a, int64_t after, int limit,
			  struct user_row **out);
/* A NULL field is left unchanged; team_id < 0 leaves it, 0 clears it. */
struct user_patch {
	const char *name, *role, *phone, *email, *skills, *password_hash;
	int64_t team_id;
	int active; /* -1 unchanged */
	bool phone_null, email_null;
};
DB_CHECK int pg_user_update(struct db *db, struct arena *a, int64_t id, const struct user_patch *p);
DB_CHECK int pg_user_count(struct db *db, struct arena *a, const char *role, int64_t *n);
/* Ends every session of a user (deactivation, password change). */
DB_CHECK int pg_user_sessions_end(struct db *db, struct arena *a, int64_t id);
/* Fills a user_row from row i of a result with the user columns (pg_users.c). */
void pg_user_from_rows(struct arena *a, const struct db_rows *rows, int i, struct user_row *u);
/* The user columns every user query selects, for a table aliased "u". */
#define PG_USER_COLS                                                                               \
	"u.id, u.login, u.name, u.role, u.phone, u.email, u.team_id,"                              \
	" array_to_string(u.skills, ',') AS skills, u.active, u.created_at, u.updated_at"

/* ---- teams (pg_users.c) ---- */
struct team_row {
	int64_t id, lead_id;
	const char *name, *lead_name, *created_at;
	const char *member_ids; /* comma-separated */
};
DB_CHECK int pg_team_insert(struct db *db, struct arena *a, const char *name, int64_t lead_id,
			    int64_t *id);
DB_CHECK int pg_team_list(struct db *db, struct arena *a, int64_t after, int limit,
			  struct team_row **out);
DB_CHECK int pg_team_get(struct db *db, struct arena *a, int64_t id, struct team_row *out);

/* ---- sessions and login throttling (pg_sessions.c) ---- */
DB_CHECK int pg_session_insert(struct db *db, struct arena *a, const char *token_hash,
			       int64_t user_id, unsigned hours, const char **expires_at);
/* Fills *u (and u->row) from a live session; 0 rows when unknown or expired. */
DB_CHECK int pg_session_user(struct db *db, struct arena *a, const char *token_hash,
			     struct auth_user *u);
DB_CHECK int pg_session_delete(struct db *db, struct arena *a, const char *token_hash);
struct login_failures {
	int64_t pair;	     /* this login from this address, in the pair window */
	double since_last_s; /* since the pair's last failure */
	int64_t account;     /* this login from anywhere, in the account window */
};
DB_CHECK int pg_login_failures(struct db *db, struct arena *a, const char *login, const char *addr,
			       int pair_minutes, int account_hours, struct login_failures *out);
/* Device cookies, by the SHA-256 of the cookie: 1 when live for this user. */
DB_CHECK int pg_devcookie_live(struct db *db, struct arena *a, const char *token_hash,
			       int64_t user_id, int max_failures);
/* counts a wrong password; the cookie is deleted at max_failures */
DB_CHECK int pg_devcookie_failure(struct db *db, struct arena *a, const char *token_hash,
				  int max_failures);
DB_CHECK int pg_devcookie_renew(struct db *db, struct arena *a, const char *token_hash, int days);
DB_CHECK int pg_devcookie_insert(struct db *db, struct arena *a, const char *token_hash,
				 int64_t user_id, int days, int keep);
DB_CHECK int pg_login_failure_add(struct db *db, struct arena *a, const char *login,
				  const char *addr);
DB_CHECK int pg_login_failures_clear(struct db *db, struct arena *a, const char *login);

/* ---- idempotency keys (pg_sessions.c) ---- */
struct idem_row {
	const char *request_hash, *content_type, *body, *location; /* location may be NULL */
	int status;
};
/* *got = false when another transaction holds the key right now. */
DB_CHECK int pg_idem_try_lock(struct db *db, struct arena *a, int64_t user_id, const char *key,
			      bool *got);
DB_CHECK int pg_idem_get(struct db *db, struct arena *a, int64_t user_id, const char *key,
			 struct idem_row *out);
DB_CHECK int pg_idem_put(struct db *db, struct arena *a, int64_t user_id, const char *key,
			 const char *method, const char *route, const char *request_hash,
			 int status, const char *ctype, const char *body, const char *location);

/* ---- dispatch ----
 * pg_customers.c, pg_devices.c, pg_tickets.c, pg_visits.c, pg_outbox.c (notices),
 * pg_audit.c. Reads return JSON documents built by the database (the *_doc
 * functions of server/db/sql/10_documents.sql) as text in a "doc" column; lists
 * return (id, doc) rows for reply_doc_list(). Writes take the fields the handler
 * parsed, one parameter each, never the request body itself. */

struct viewer {
	int64_t id, team_id;
	const char *role;
};

/* A customer's columns as the API names them; `given` marks the members a request
 * carried (in an update, a given NULL clears the column, one not given is kept). */
enum customer_col {
	CC_NAME,
	CC_ORGANISATION,
	CC_DEPARTMENT,
	CC_DIVISION,
	CC_TITLE,
	CC_RANK,
	CC_PHONE,
	CC_EMAIL,
	CC_PREFERRED_CHANNEL,
	CC__TEXT, /* the text columns come before it */
	CC_VIP = CC__TEXT,
	CC__COUNT
};
struct customer_fields {
	const char *text[CC__TEXT];
	bool vip;
	bool given[CC__COUNT];
};
/* Absent rank and channel take the defaults (staff, sms), absent vip false. */
DB_CHECK int pg_customer_insert(struct db *db, struct arena *a, const struct customer_fields *f,
				int64_t *id);
DB_CHECK int pg_customer_update(struct db *db, struct arena *a, int64_t id,
				const struct customer_fields *f);
DB_CHECK int pg_customer_doc(struct db *db, struct arena *a, int64_t id, const char **doc);
DB_CHECK int pg_customer_list(struct db *db, struct arena *a, const char *q, int64_t after,
			      int limit, struct db_rows *rows);

struct device_fields {
	const char *asset_tag, *kind, *model, *serial; /* model, serial: NULL for none */
	int64_t customer_id;
	const char *building, *floor, *room; /* the location, each NULL for none */
};
DB_CHECK int pg_device_insert(struct db *db, struct arena *a, const struct device_fields *f,
			      int64_t *id);
/* The device with its fault history; 0 rows when absent or not visible. */
DB_CHECK int pg_device_doc(struct db *db, struct arena *a, int64_t id, const struct viewer *v,
			   const char **doc);
/* q: devices whose asset tag or serial contains it (any case); NULL for all. */
DB_CHECK int pg_device_list(struct db *db, struct arena *a, int64_t customer_id,
			    const char *asset_tag, const char *q, int64_t after, int limit,
			    struct db_rows *rows);
DB_CHECK int pg_fault_codes(struct db *db, struct arena *a, const char **doc);

/*
 * Intake, in two statements: the device (its row locked, so concurrent intakes
 * on one device queue up; the transaction runs at READ COMMITTED), then whether
 * the fault code exists, the customer, earlier tickets with the same fault
 * within the window, who last worked on the device, the transaction's now(),
 * and the field staff the proposal looks at with their busy time in [from, to).
 * kind is NULL when the device does not exist, rank when the customer does not.
 */
struct intake_facts {
	bool fault_known;
	const char *kind;
	const char *rank;
	bool vip_override;
	int prior_same_faults;
	int64_t last_engineer_id; /* 0 = none */
	int64_t now_us;		  /* now() of the transaction, microseconds since the epoch */
	struct dsp_person *people;
	int npeople;
};
DB_CHECK int pg_intake_facts(struct db *db, struct arena *a, int64_t device_id, int64_t customer_id,
			     const char *fault, int window_days, time_t from, time_t to,
			     struct intake_facts *out);
struct ticket_new {
	int64_t customer_id, device_id, created_by;
	const char *fault_code, *symptom, *channel, *verification, *priority, *escalations;
	const char *tracking; /* public capability token for the customer's page */
	int due_hours, repeat_count, first_contact_target_min, repeat_window_days;
	bool requires_lead, vip;
	/* R7/R8: the escalation notice as domain_notice() decided it (to NOTICE_NOBODY: none) */
	struct notice escalation;
};
/* Inserts the ticket, its ticket.created audit event and the escalation notice in one
 * statement; *doc is the ticket's document (ticket_doc()). */
DB_CHECK int pg_ticket_create(struct db *db, struct arena *a, const struct ticket_new *t,
			      int64_t *id, const char **number, const char **doc);

struct ticket_facts {
	int64_t id, customer_id, device_id;
	enum ticket_status status;
	const char *kind, *number;
	bool requires_lead, vip;
	time_t due_at, created_at;
};
/* 0 rows when absent or not visible to v. */
DB_CHECK int pg_ticket_facts(struct db *db, struct arena *a, int64_t id, const struct viewer *v,
			     struct ticket_facts *out);
DB_CHECK int pg_ticket_doc(struct db *db, struct arena *a, int64_t id, bool full, const char **doc);
struct ticket_filter {
	const char *status, *escalation, *priority;
	int vip, overdue, first_contact_breach; /* -1 any */
	int64_t assignee, customer_id, device_id;
};
DB_CHECK int pg_ticket_list(struct db *db, struct arena *a, const struct ticket_filter *f,
			    const struct viewer *v, int64_t after, int limit, struct db_rows *rows);
DB_CHECK int pg_ticket_set_status(struct db *db, struct arena *a, int64_t id,
				  enum ticket_status status);
/* R14: the first contact at at (RFC 3339, NULL for now), unless an earlier one is recorded. */
DB_CHECK int pg_ticket_first_contact(struct db *db, struct arena *a, int64_t id, const char *at);
DB_CHECK int pg_ticket_delay(struct db *db, struct arena *a, int64_t id, const char *reason,
			     const char *new_due_at, int64_t by, int64_t *notice_id);
/* Cancels the ticket and those of its visits domain_cancelled_with_ticket() names. */
DB_CHECK int pg_ticket_cancel(struct db *db, struct arena *a, int64_t id, const char *reason);
DB_CHECK int pg_ticket_contact(struct db *db, struct arena *a, int64_t id, bool reached,
			       const char *note, int64_t by);

/* Dispatch inputs: field staff, their busy time in [from, to), load. */
struct ck_item;
DB_CHECK int pg_dispatch_people(struct db *db, struct arena *a, time_t from, time_t to,
				struct dsp_person **out, int *n);
DB_CHECK int pg_last_engineer(struct db *db, struct arena *a, int64_t device_id, int64_t *id);
/* A user who may be sent: active engineer or lead; *team_lead their team's lead. */
DB_CHECK int pg_field_person(struct db *db, struct arena *a, int64_t id, const char **role,
			     int64_t *team_lead);

/* An active visit of these people overlapping [start, end), other than except. */
DB_CHECK int pg_visit_clash(struct db *db, struct arena *a, int64_t engineer, int64_t lead,
			    time_t start, time_t end, int64_t except, int64_t *visit_id);
DB_CHECK int pg_visit_insert(struct db *db, struct arena *a, int64_t ticket, int64_t engineer,
			     int64_t lead, time_t start, time_t end, const char *uid, int64_t *id);
DB_CHECK int pg_visit_reassign(struct db *db, struct arena *a, int64_t id, int64_t engineer,
			       int64_t lead, time_t start, time_t end);
struct visit_row {
	int64_t id, ticket_id, engineer_id, lead_id;
	enum visit_status status;
	time_t starts_at, ends_at;
	bool has_estimate, has_consent, late_notice, requires_lead;
	time_t last_step_at; /* the latest step's time (its "at"), or when the visit was made */
};
DB_CHECK int pg_visit_facts(struct db *db, struct arena *a, int64_t id, const struct viewer *v,
			    struct visit_row *out);
/* 1 when the viewer may see the visit, 0 when not (no lock: usable in read-only transactions). */
DB_CHECK int pg_visit_visible(struct db *db, struct arena *a, int64_t id, const struct viewer *v);
DB_CHECK int pg_visit_doc(struct db *db, struct arena *a, int64_t id, const char **doc);
/* The ticket's visit still under way (domain_visit_open), 0 when none. */
DB_CHECK int pg_visit_open_for_ticket(struct db *db, struct arena *a, int64_t ticket,
				      int64_t *visit_id);
/* Ordered by start; cursor: 0 or the next_cursor of the previous page (a visit id). */
DB_CHECK int pg_visit_list(struct db *db, struct arena *a, int64_t person, const char *from,
			   const char *to, const struct viewer *v, int64_t cursor, int limit,
			   struct db_rows *rows);
/* What a step changes on a visit. A member left zero/NULL/false changes nothing; a step's
 * moment (departed, arrived, ...) is recorded at at, or now() when at is NULL, beside the
 * time it was received. Every change raises the visit's iCalendar SEQUENCE. */
struct visit_change {
	const char *at; /* RFC 3339: when the engineer acted (a step made offline) */
	bool set_status;
	enum visit_status status;
	time_t starts_at, ends_at; /* a new window (both, or 0) */
	const char *attempt;	   /* a pre-call that did not reach anyone: audit only */
	bool departed;
	int late_minutes; /* > 0: a late notice (R4) */
	bool arrived, arrived_late;
	int estimate_minutes; /* > 0: the estimate (R5), with its explanation */
	const char *estimate_explanation;
	const char *consent_by;		     /* R5 */
	bool completed, work_done, resolved; /* work_done, resolved, resolution with completed */
	const char *resolution, *follow_up_reason;
	bool absent, memo_left; /* memo_left, absent_note with absent (R10) */
	const char *absent_note;
	const char *cancel_reason; /* a cancelled visit */
};
DB_CHECK int pg_visit_step(struct db *db, struct arena *a, int64_t id,
			   const struct visit_change *c);
/* at: when the call was made (RFC 3339), NULL for now; its receipt time is kept beside it. */
DB_CHECK int pg_precall_add(struct db *db, struct arena *a, int64_t visit, const char *outcome,
			    const char *note, int64_t by, const char *at);

/* Writes the notice domain_notice() decided on (nothing for NOTICE_NOBODY); visit 0: none
 * (pg_outbox.c). */
DB_CHECK int pg_notice(struct db *db, struct arena *a, int64_t ticket, int64_t visit,
		       const struct notice *n, const char *payload);
/* status NULL: any; "dead" also finds the older word "failed". */
DB_CHECK int pg_notification_list(struct db *db, struct arena *a, int64_t ticket,
				  const char *status, const struct viewer *v, int64_t after,
				  int limit, struct db_rows *rows);
/* The audit trail (pg_audit.c). */
DB_CHECK int pg_audit(struct db *db, struct arena *a, int64_t ticket, int64_t visit, int64_t actor,
		      const char *action, const char *before, const char *after);
/* The same for something done at at (RFC 3339, NULL for now): a step made offline. */
DB_CHECK int pg_audit_at(struct db *db, struct arena *a, int64_t ticket, int64_t visit,
			 int64_t actor, const char *action, const char *before, const char *after,
			 const char *at);

/* ---- checklists (pg_checklists.c) ---- */

/* The visit's run, made from the newest template for its device's kind when
 * missing. *run_id = 0 when that kind has no template. */
DB_CHECK int pg_checklist_run_ensure(struct db *db, struct arena *a, int64_t visit_id,
				     int64_t *run_id);
struct checklist_state {
	int64_t run_id, template_id;
	bool completed;
	time_t since; /* the visit's arrival, or its booking: the earliest "at" */
	int nitems;
	struct ck_item *items;
	const char **answers; /* per item: the stored value as JSON text, NULL if none */
};
DB_CHECK int pg_checklist_state(struct db *db, struct arena *a, int64_t run_id,
				struct checklist_state *out);
DB_CHECK int pg_checklist_save(struct db *db, struct arena *a, int64_t run_id, const char *key,
			       const char *value_json, const char *note, int64_t by,
			       const char *at);
/* at (RFC 3339, or NULL for now()): when the answer was given / the run completed */
DB_CHECK int pg_checklist_complete(struct db *db, struct arena *a, int64_t run_id, int64_t by,
				   const char *at);
DB_CHECK int pg_checklist_doc(struct db *db, struct arena *a, int64_t run_id, const char **doc);
/* For the visit's completion gate: *required = its kind has a template,
 * *complete = its run is complete. */
DB_CHECK int pg_checklist_gate(struct db *db, struct arena *a, int64_t visit_id, bool *required,
			       bool *complete);
DB_CHECK int pg_checklist_templates(struct db *db, struct arena *a, const char *kind,
				    bool latest_only, struct db_rows *rows);
/* Inserts version max+1 for the kind; items as a JSON array (validated). */
DB_CHECK int pg_checklist_template_insert(struct db *db, struct arena *a, const char *kind,
					  const char *title, const char *title_en,
					  const char *items_json, int64_t by, int64_t *id);
DB_CHECK int pg_checklist_template_doc(struct db *db, struct arena *a, int64_t id,
				       const char **doc);

/* ---- reports (pg_reports.c) ---- */
/* Long format: scope, team_id, team_name, person_id, person_name, metric,
 * numerator (NULL = no data), denominator; overall first, then teams, then people. */
DB_CHECK int pg_service_report(struct db *db, struct arena *a, const char *from, const char *to,
			       int64_t team, int64_t person, struct db_rows *rows);
DB_CHECK int pg_checklist_failures(struct db *db, struct arena *a, const char *from, const char *to,
				   int64_t team, int64_t person, int limit, struct db_rows *rows);

/* ---- calendar feeds and invitations (pg_calendar.c) ---- */
struct ical_event;
struct cal_token_row {
	const char *scope; /* "own" or "team" */
	const char *created_at;
	const char *token_hash; /* SHA-256 of the token, hex */
	const char *nonce;	/* NULL for a token issued before migration 0008 */
};
/* The user's feed tokens (their hashes stay in the database). */
DB_CHECK int pg_calendar_tokens(struct db *db, struct arena *a, int64_t user,
				struct cal_token_row **out);
/* Stores a new token's hash unless the user has one for scope: 1 row issued, 0 not. */
DB_CHECK int pg_calendar_issue(struct db *db, struct arena *a, int64_t user, const char *scope,
			       const char *token_hash, const char *nonce, const char **created_at);
/* Forgets every feed token of the user: their URLs answer 404 from the next request on. */
DB_CHECK int pg_calendar_revoke(struct db *db, struct arena *a, int64_t user);
/* The feed a token opens, with its validator; 0 rows for an unknown or revoked token. */
struct cal_feed_head {
	int64_t owner;
	const char *scope, *owner_name, *team_names;
	const char *validator; /* "<version>-<YYYYMMDD>": equal validators, equal feeds */
	time_t modified;       /* for Last-Modified */
};
DB_CHECK int pg_calendar_feed_head(struct db *db, struct arena *a, const char *token_hash,
				   struct cal_feed_head *out);
/* The feed's events, by start; url left NULL for the caller. */
DB_CHECK int pg_calendar_feed_events(struct db *db, struct arena *a, int64_t owner,
				     const char *scope, struct ical_event **out, size_t *n);
/* The latest visit of the ticket with this tracking token, for the customer's invitation;
 * none once the ticket closed more than expire_days ago (0: no expiry). */
DB_CHECK int pg_calendar_appointment(struct db *db, struct arena *a, const char *tracking,
				     int expire_days, struct ical_event *out);

#endif
