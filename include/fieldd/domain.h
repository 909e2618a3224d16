/*
 * domain.h — business rules as plain C: no HTTP, no SQL.
 */
#ifndef FIELDD_DOMAIN_H
#define FIELDD_DOMAIN_H

#include <stdbool.h>
#include <stddef.h>

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

struct visit_facts {
	const char *status;
	bool has_estimate, has_consent;
	bool requires_lead, has_lead;
	/* for complete */
	bool work_done, resolved, has_follow_up_reason;
	bool checklist_required, checklist_complete; /* R9 */
};

struct step_verdict {
	int status;	  /* 0 allowed, 409 out of order, 422 rule breach */
	const char *code; /* rule code for 422 (precall_required, ...) */
	const char *detail;
	const char *next; /* the visit's status after the step */
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
bool domain_visit_open(const char *status);

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
bool domain_survey_open(const char *ticket_status);
/* A survey rating is 1 to 5. */
bool domain_survey_rating_ok(long long rating);

#endif
