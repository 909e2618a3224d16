/*
 * cases.h — the two service processes that are cases rather than visits:
 * complaints (R13) and work plans for large jobs (R12). Plain C, no HTTP, no
 * SQL (server/domain/cases.c); the handlers ask, the database stores.
 */
#ifndef FIELDD_CASES_H
#define FIELDD_CASES_H

#include "fieldd/errors.h" /* the error ids the rules answer with (an enum, no code) */

#include <stdbool.h>
#include <stdint.h>

/* The statuses, in the order of their words in domain_complaint_statuses[] and
 * domain_plan_statuses[]. db parses the column into the enum when it reads a row
 * (an unknown word is DB_HARD) and writes the word back with *_status_name(). */
enum complaint_status { CS_RECEIVED, CS_ANALYSED, CS_RESOLVED, CS_NOTIFIED, CS_CLOSED, CS__COUNT };
enum plan_status {
	PS_DRAFT,
	PS_SUBMITTED,
	PS_APPROVED,
	PS_REJECTED,
	PS_IN_PROGRESS,
	PS_COMPLETED,
	PS__COUNT
};

/* A step's verdict: allowed, or refused with the error id (ERR_STEP_ORDER out of order,
 * ERR_PLAN_NOT_APPROVED, ERR_TRAINING_STAFF_REQUIRED). */
struct case_verdict {
	bool ok;
	enum err_id err;    /* when refused */
	const char *detail; /* static */
	/* the status after the step: complaint for a complaint's steps, plan for a plan's */
	union {
		enum complaint_status complaint;
		enum plan_status plan;
	} next;
};

/* ---- complaints (R13) ----
 *
 *   received --analyse--> analysed --resolve--> resolved --notify--> notified
 *   notified --feedback--> closed
 */
enum complaint_step { CSTEP_ANALYSE, CSTEP_RESOLVE, CSTEP_NOTIFY, CSTEP_FEEDBACK };

extern const char *const domain_complaint_statuses[]; /* NULL-terminated, enum order */
extern const char *const domain_complaint_channels[]; /* what the desk may record */
extern const char *const domain_compensation_kinds[]; /* voucher */
#define DOMAIN_COMPENSATION_DEFAULT_KRW 10000	      /* R13: a 10,000 KRW voucher */
#define DOMAIN_COMPENSATION_MAX_KRW	10000000
/* A survey rating at or below this opens a complaint for the desk. */
#define DOMAIN_SURVEY_COMPLAINT_MAX 2

const char *domain_complaint_status_name(enum complaint_status s);
/* false when s is no complaint status (or NULL) */
bool domain_complaint_status_parse(const char *s, enum complaint_status *out);
void domain_complaint_step(enum complaint_step step, enum complaint_status status,
			   struct case_verdict *v);
/* The step's name as the audit trail writes it (complaint.<name>). */
const char *domain_complaint_step_name(enum complaint_step step);

struct complaint_resolution {
	bool training_required;
	int nstaff;		 /* staff named for training (after any default) */
	bool compensation;	 /* a compensation object was given */
	const char *comp_kind;	 /* its kind */
	bool comp_amount_given;	 /* its amount_krw was given */
	int64_t comp_amount_krw; /* in: as given; out: as granted */
};
/* The rules of the resolve step on top of the order: training names the staff.
 * Fills r->comp_amount_krw with the default when none was given. *field names
 * the member at fault. */
void domain_complaint_resolve(struct complaint_resolution *r, struct case_verdict *v,
			      const char **field);
bool domain_survey_opens_complaint(int rating);

/* ---- work plans (R12) ----
 *
 *   draft --submit--> submitted --approve--> approved --start--> in_progress
 *   submitted --reject--> rejected --submit--> submitted
 *   in_progress --complete {report}--> completed
 */
enum plan_step { PSTEP_SUBMIT, PSTEP_APPROVE, PSTEP_REJECT, PSTEP_START, PSTEP_COMPLETE };

extern const char *const domain_plan_statuses[]; /* NULL-terminated, enum order */
const char *domain_plan_status_name(enum plan_status s);
/* false when s is no work plan status (or NULL) */
bool domain_plan_status_parse(const char *s, enum plan_status *out);

void domain_plan_step(enum plan_step step, enum plan_status status, struct case_verdict *v);
const char *domain_plan_step_name(enum plan_step step);

/* Who decides (approve or reject) a plan: an admin, or a lead of the plan's
 * team (its lead, or a lead who belongs to it). */
bool domain_plan_may_decide(const char *role, int64_t viewer, int64_t viewer_team,
			    int64_t plan_team, int64_t plan_team_lead);
/* Who writes a plan for a team: the desk for any team, a lead for their own. */
bool domain_plan_may_write_for(const char *role, int64_t viewer, int64_t viewer_team, int64_t team,
			       int64_t team_lead);
/* Tickets may join a plan until it is completed. */
bool domain_plan_open(enum plan_status status);

#endif
