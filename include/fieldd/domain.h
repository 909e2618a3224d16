/*
 * domain.h — business rules as plain C: no HTTP, no SQL.
 */
#ifndef FIELDD_DOMAIN_H
#define FIELDD_DOMAIN_H

#include "fieldd/errors.h" /* the error ids the rules answer with (an enum, no code) */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Role names in the order of the role bits. NULL-terminated. */
extern const char *const domain_roles[];
/* Device kinds an engineer can be skilled in. NULL-terminated. */
extern const char *const domain_device_kinds[];

/* Minimum password length (OWASP ASVS 2.1.1). */
#define DOMAIN_PASSWORD_MIN 12
#define DOMAIN_PASSWORD_MAX 128

/* NULL when acceptable, otherwise a message naming the rule (static). */
const char *domain_check_login(const char *login);
const char *domain_check_password(const char *pw);

/* Login throttling (docs/rules.md, "Logins"): per login and address, slow down
 * rather than lock; per account, a hard bound (NIST SP 800-63B §5.2.2) past
 * which only a browser that logged in before (its device cookie) is heard. */
#define DOMAIN_LOGIN_FREE_TRIES	      5	  /* per (login, address) in the pair window */
#define DOMAIN_LOGIN_PAIR_WINDOW_MIN  15  /* failures older than this are forgotten */
#define DOMAIN_LOGIN_BASE_DELAY_S     15  /* the wait after the free tries, doubling */
#define DOMAIN_LOGIN_MAX_DELAY_S      900 /* the longest wait between two tries */
#define DOMAIN_LOGIN_ACCOUNT_MAX      100 /* per account in the account window */
#define DOMAIN_LOGIN_ACCOUNT_WINDOW_H 24
#define DOMAIN_LOGIN_ACCOUNT_WAIT_S   3600 /* Retry-After past the account bound */
#define DOMAIN_DEVICE_MAX_FAILURES    10   /* wrong passwords that end a device cookie */
#define DOMAIN_DEVICE_DAYS	      180  /* a device cookie's life, renewed on use */
#define DOMAIN_DEVICE_PER_USER	      20   /* device cookies kept per account */

/* Seconds a login attempt must wait before its password is checked; 0 when it
 * may go on. pair_failures: failures of this login from this address in the
 * pair window; since_last_s: seconds since the last of them; account_failures:
 * failures of this login from anywhere in the account window; trusted_device:
 * the attempt carries a live device cookie of this account. *account_wide is
 * set when the account bound, not the pair's pace, is the reason. */
long domain_login_wait(long pair_failures, double since_last_s, long account_failures,
		       bool trusted_device, bool *account_wide);

/* ---- intake (R1, R7, R8, R11, R14) ---- */

extern const char *const domain_priorities[];	 /* P1..P4 */
extern const char *const domain_verifications[]; /* R1 methods */
extern const char *const domain_channels[];	 /* how a fault was reported */
extern const char *const domain_ranks[];
extern const char *const domain_contact_channels[]; /* sms, email, phone, kakao */

struct intake_rules {
	int sla_hours[4];			      /* due_at - created_at for P1..P4 (R11) */
	int repeat_window_days;			      /* R7 */
	int first_contact_vip_min, first_contact_min; /* R14 */
};
/* The defaults of SPEC R7/R11/R14. */
void domain_intake_defaults(struct intake_rules *r);

struct intake_in {
	const char *requested_priority; /* NULL: P3 */
	const char *customer_rank;
	bool customer_vip_override;
	int prior_same_faults; /* same device + fault within the window, not cancelled */
};
struct intake_out {
	char priority[3];
	int due_hours;
	int repeat_count;
	bool vip, repeat_fault, next_repeat_escalates, requires_lead;
	int first_contact_target_min;
	const char *escalations[3]; /* NULL-terminated, static strings */
};
/* R11: the due time of a ticket made at created_us (microseconds since the epoch, the
 * transaction's now()) with due_hours, to the second as PostgreSQL rounds it. */
long long domain_due_at(long long created_us, int due_hours);
void domain_intake(const struct intake_rules *rules, const struct intake_in *in,
		   struct intake_out *out);
/* A customer counts as VIP (R8). */
bool domain_customer_vip(const char *rank, bool override);

/* ---- visit steps (R3-R6, R10) ---- */

enum visit_step {
	STEP_PRECALL,
	STEP_DEPART,
	STEP_LATE,
	STEP_ARRIVE,
	STEP_ESTIMATE,
	STEP_CONSENT,
	STEP_COMPLETE,
	STEP_ABSENT,
	STEP_CANCEL,
};

/* ---- ticket and visit statuses (domain/status.c) ---- */

enum ticket_status {
	TS_NEW,
	TS_SCHEDULED,
	TS_IN_PROGRESS,
	TS_RESOLVED,
	TS_CLOSED,
	TS_CANCELLED,
	TS__COUNT
};
enum visit_status {
	VS_PROPOSED,
	VS_CONFIRMED,
	VS_EN_ROUTE,
	VS_ON_SITE,
	VS_COMPLETED,
	VS_ABSENT,
	VS_CANCELLED,
	VS__COUNT
};
/* The words stored and shown, in enum order; NULL-terminated (for J_ENUM and query checks). */
extern const char *const domain_ticket_statuses[];
extern const char *const domain_visit_statuses[];
const char *domain_ticket_status_name(enum ticket_status s);
const char *domain_visit_status_name(enum visit_status s);
/* false (and *out untouched) when s names no status. */
bool domain_ticket_status_parse(const char *s, enum ticket_status *out);
bool domain_visit_status_parse(const char *s, enum visit_status *out);

/* A ticket still being worked on: new, scheduled or in progress. */
bool domain_ticket_open(enum ticket_status s);
/* The ticket's status once a visit is booked for it: new becomes scheduled. */
enum ticket_status domain_ticket_after_booking(enum ticket_status cur);
/* The ticket's status after a visit step that went through (resolved: the
 * completion's answer): departing or arriving puts it in progress, a resolved
 * completion resolves it, an unresolved one keeps it in progress, an absent
 * customer or a cancelled visit sends it back to new. A cancelled ticket stays
 * cancelled; a step that does not concern the ticket leaves cur. */
enum ticket_status domain_ticket_after_step(enum ticket_status cur, enum visit_step step,
					    bool resolved);
/* Whether a ticket may be cancelled while its open visit is open_visit (has_open false:
 * none): not while someone is on site. ERR_CONFLICT otherwise. */
bool domain_ticket_cancel_ok(bool has_open, enum visit_status open_visit, enum err_id *err);
/* The visits a ticket's cancellation cancels with it: those not yet on site. */
bool domain_cancelled_with_ticket(enum visit_status s);
/* A dispatcher may move a visit (other people, another time) until someone set out. */
bool domain_visit_reassignable(enum visit_status s);

/* ---- booking (domain/booking.c): who may go on a visit, when ---- */

#define VISIT_GRID_MIN	  30
#define VISIT_DEFAULT_MIN 60
#define VISIT_MAX_MIN	  (10 * 60)

/* A refusal: the error id, the request field at fault (NULL for a rule) and why. */
struct rule_verdict {
	bool ok;
	enum err_id err;
	const char *field, *detail;
};

/* A visit window [start, end), local time: ordered, on the half-hour grid, at most ten
 * hours. start_min/end_min: minutes after local midnight; start_sec/end_sec: the seconds. */
struct window_facts {
	long start, end;
	int start_min, start_sec, end_min, end_sec;
};
bool domain_visit_window(const struct window_facts *w, struct rule_verdict *v);

/* What the database knows of the people named for a visit. */
struct booking_person {
	int64_t id;	   /* 0: nobody named */
	bool found;	   /* an active engineer or lead */
	bool is_lead;	   /* with the lead role */
	int64_t team_lead; /* their team's lead, 0 when none */
};
struct booking_facts {
	bool requires_lead; /* R7/R8: the ticket is escalated */
	struct booking_person engineer;
	bool lead_given;	    /* the request said lead_id (null included) */
	struct booking_person lead; /* the lead named or proposed (id 0: none or null) */
};
/*
 * The people for a booking: the engineer an active engineer or lead, a named lead
 * an active lead and not the engineer; with no lead named on an escalated ticket
 * the engineer's team lead goes along, and without one a lead must go (lead_required)
 * unless the engineer is a lead. *lead_out: the lead to book (0: none).
 */
bool domain_booking_people(const struct booking_facts *f, int64_t *lead_out,
			   struct rule_verdict *v);
/* A clash with another visit (clash_visit, 0 when none) refuses the booking. */
bool domain_booking_free(int64_t clash_visit, struct rule_verdict *v);

/* ---- notices (domain/notices.c): what an event tells whom, on which channel ---- */

enum notice_event {
	NOTE_ESCALATION,	    /* R7/R8: a ticket is escalated at intake */
	NOTE_DELAY,		    /* R11: the due date slips */
	NOTE_APPOINTMENT_CONFIRMED, /* R3: the pre-call reached the customer */
	NOTE_LATE,		    /* R4 */
	NOTE_RESULT,		    /* R6/R15: a resolved visit, with the survey */
	NOTE_ABSENT,		    /* R10 */
	NOTE_VISIT_CANCELLED,	    /* a confirmed visit is called off */
};
enum notice_to {
	NOTICE_NOBODY,
	NOTICE_CUSTOMER,   /* the ticket's customer */
	NOTICE_USER,	   /* one user (user_id) */
	NOTICE_EVERY_LEAD, /* every active lead */
};
struct notice {
	enum notice_to to;
	int64_t user_id;
	const char *template_name;
	const char *channel; /* NULL: the customer's preferred channel */
};
struct notice_facts {
	int64_t lead_id;	  /* escalation: the lead proposed for the ticket, 0 when none */
	bool requires_lead;	  /* escalation: the ticket is escalated */
	bool resolved;		  /* result: the visit resolved the fault */
	enum visit_status before; /* visit cancelled: the visit's status before */
};
/* The notice event causes, to == NOTICE_NOBODY when none. */
void domain_notice(enum notice_event event, const struct notice_facts *f, struct notice *out);

struct visit_facts {
	enum visit_status status;
	bool has_estimate, has_consent;
	bool requires_lead, has_lead;
	/* for complete */
	bool work_done, resolved, has_follow_up_reason;
	bool checklist_required, checklist_complete; /* R9 */
};

struct step_verdict {
	bool ok;
	enum err_id err; /* when refused: ERR_STEP_ORDER, or the rule (ERR_PRECALL_REQUIRED, ...) */
	const char *detail;
	enum visit_status next; /* the visit's status after the step */
};
void domain_visit_step(enum visit_step step, const struct visit_facts *f, struct step_verdict *v);
/* R4: arrival more than 10 minutes after the window start without notice. */
bool domain_arrived_late(long arrived_epoch, long window_start_epoch, bool late_notice);
/*
 * A step's "at", the moment the engineer acted (a step made offline arrives
 * later): not in the future beyond STEP_AT_SKEW_S of clock skew, not older
 * than STEP_AT_WINDOW_S (how long Idempotency-Keys are kept, pg_sessions.c,
 * so a replay is still recognised), not before the visit's previous step
 * (less the same skew). NULL when at may stand; else why not, for a 422
 * naming "at".
 */
#define STEP_AT_SKEW_S	 120
#define STEP_AT_WINDOW_S (14 * 24 * 3600)
const char *domain_step_at(long at_epoch, long now_epoch, long previous_epoch);
/* Visit statuses that hold a person's time and can still move. */
bool domain_visit_open(enum visit_status status);

/* ---- checklists (R9) ---- */

extern const char *const domain_checklist_types[]; /* check, pass_fail, number, text, choice */

struct ck_item {
	const char *key, *type;
	bool required;
	bool has_min, has_max;
	double min, max;
	const char *const *options; /* for choice */
	int noptions;
};

enum ck_vtype { CKV_NONE, CKV_NULL, CKV_BOOL, CKV_NUMBER, CKV_STRING, CKV_OTHER };
struct ck_value {
	enum ck_vtype t;
	bool b;
	double n;
	const char *s;
};

/* NULL when v is a valid answer for it, else a message (static). */
const char *domain_checklist_answer(const struct ck_item *it, const struct ck_value *v);
/* NULL when the item definition is sound (key, type, limits, options), else a message. */
const char *domain_checklist_item(const struct ck_item *it);
/* The same, and *field (when not NULL) names the item's field at fault: key, type, min, max
 * or options (NULL when sound), for validation errors such as items[2].key. */
const char *domain_checklist_item_field(const struct ck_item *it, const char **field);
/* Who may change a completed run: leads and admins (R9). */
bool domain_checklist_may_edit_completed(const char *role);
/* NULL when a checklist save's "at" is acceptable: the step rule above, but
 * not before since (the visit's arrival, or its booking before arrival). */
const char *domain_checklist_at(long at_epoch, long now_epoch, long since_epoch);

/* ---- the customer's side (domain/customer.c) ---- */

struct arena;

/*
 * The name a customer sees for the engineer: the first name only (SPEC: no
 * private details on the tracking page). "Anna Kim" → "Anna"; a Korean name
 * written without a space ("김민수") → the given name after the one-syllable
 * family name ("민수"); a single syllable or word stays as it is. Arena-owned;
 * NULL for NULL.
 */
const char *domain_first_name(struct arena *a, const char *name);
/* Whether a survey may be answered for a ticket in this status (after completion). */
bool domain_survey_open(enum ticket_status ticket_status);
/* A survey rating is 1 to 5. */
bool domain_survey_rating_ok(long long rating);

#endif
