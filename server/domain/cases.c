/*
 * Complaints (R13) and work plans (R12): their state machines and the few
 * rules around them. See include/fieldd/cases.h for the diagrams.
 */
#include "fieldd/cases.h"

#include <string.h>

const char *const domain_complaint_statuses[] = {"received", "analysed", "resolved",
						 "notified", "closed",	 NULL};
/* 'survey' is not here: only a low survey rating opens such a complaint */
const char *const domain_complaint_channels[] = {"phone",  "web", "email", "walk_in",
						 "letter", "app", NULL};
const char *const domain_compensation_kinds[] = {"voucher", NULL};
const char *const domain_plan_statuses[] = {"draft",	   "submitted", "approved", "rejected",
					    "in_progress", "completed", NULL};

static int find(const char *const *words, int n, const char *s)
{
	if (!s)
		return -1;
	for (int i = 0; i < n; i++)
		if (!strcmp(words[i], s))
			return i;
	return -1;
}

const char *domain_complaint_status_name(enum complaint_status s)
{
	return (unsigned)s < CS__COUNT ? domain_complaint_statuses[s] : "unknown";
}

bool domain_complaint_status_parse(const char *s, enum complaint_status *out)
{
	int i = find(domain_complaint_statuses, CS__COUNT, s);
	if (i < 0)
		return false;
	*out = (enum complaint_status)i;
	return true;
}

const char *domain_plan_status_name(enum plan_status s)
{
	return (unsigned)s < PS__COUNT ? domain_plan_statuses[s] : "unknown";
}

bool domain_plan_status_parse(const char *s, enum plan_status *out)
{
	int i = find(domain_plan_statuses, PS__COUNT, s);
	if (i < 0)
		return false;
	*out = (enum plan_status)i;
	return true;
}

static void refuse(struct case_verdict *v, enum err_id err, const char *detail)
{
	*v = (struct case_verdict){.ok = false, .err = err, .detail = detail};
}

static void allow_complaint(struct case_verdict *v, enum complaint_status next)
{
	*v = (struct case_verdict){.ok = true, .err = ERR_INTERNAL, .next.complaint = next};
}

static void allow_plan(struct case_verdict *v, enum plan_status next)
{
	*v = (struct case_verdict){.ok = true, .err = ERR_INTERNAL, .next.plan = next};
}

static void step_order(struct case_verdict *v, const char *detail)
{
	refuse(v, ERR_STEP_ORDER, detail);
}

void domain_complaint_step(enum complaint_step step, enum complaint_status status,
			   struct case_verdict *v)
{
	static const struct {
		enum complaint_status from, to;
		const char *detail;
	} t[] = {
	    [CSTEP_ANALYSE] = {CS_RECEIVED, CS_ANALYSED,
			       "the cause is analysed once, right after the complaint is received"},
	    [CSTEP_RESOLVE] = {CS_ANALYSED, CS_RESOLVED,
			       "a complaint is resolved after its cause is analysed, once"},
	    [CSTEP_NOTIFY] = {CS_RESOLVED, CS_NOTIFIED,
			      "the customer is told the result once the complaint is resolved"},
	    [CSTEP_FEEDBACK] = {CS_NOTIFIED, CS_CLOSED,
				"feedback is collected after the customer was told the result"},
	};
	if ((unsigned)step >= sizeof t / sizeof t[0]) {
		step_order(v, "unknown step");
		return;
	}
	if (status != t[step].from) {
		step_order(v, t[step].detail);
		return;
	}
	allow_complaint(v, t[step].to);
}

const char *domain_complaint_step_name(enum complaint_step step)
{
	switch (step) {
	case CSTEP_ANALYSE:
		return "analyse";
	case CSTEP_RESOLVE:
		return "resolve";
	case CSTEP_NOTIFY:
		return "notify";
	case CSTEP_FEEDBACK:
		return "feedback";
	}
	return "?";
}

void domain_complaint_resolve(struct complaint_resolution *r, struct case_verdict *v,
			      const char **field)
{
	*field = NULL;
	allow_complaint(v, CS_RESOLVED);
	if (r->compensation) {
		if (!r->comp_amount_given)
			r->comp_amount_krw = DOMAIN_COMPENSATION_DEFAULT_KRW;
	} else {
		r->comp_amount_krw = 0;
	}
	/* R13 and the charter: staff a customer objected to get service training */
	if (r->training_required && r->nstaff == 0) {
		*field = "staff_ids";
		refuse(
		    v, ERR_TRAINING_STAFF_REQUIRED,
		    "name the staff who need service training (no visit of the ticket names them)");
	}
}

bool domain_survey_opens_complaint(int rating)
{
	return rating >= 1 && rating <= DOMAIN_SURVEY_COMPLAINT_MAX;
}

void domain_plan_step(enum plan_step step, enum plan_status status, struct case_verdict *v)
{
	if ((unsigned)status >= PS__COUNT) {
		step_order(v, "unknown status");
		return;
	}
	bool ok = false;
	enum plan_status next = status;
	const char *detail = NULL;
	switch (step) {
	case PSTEP_SUBMIT:
		ok = status == PS_DRAFT || status == PS_REJECTED;
		next = PS_SUBMITTED;
		detail = "only a draft or a rejected plan is submitted";
		break;
	case PSTEP_APPROVE:
		ok = status == PS_SUBMITTED;
		next = PS_APPROVED;
		detail = "only a submitted plan is approved";
		break;
	case PSTEP_REJECT:
		ok = status == PS_SUBMITTED;
		next = PS_REJECTED;
		detail = "only a submitted plan is rejected";
		break;
	case PSTEP_START:
		ok = status == PS_APPROVED;
		next = PS_IN_PROGRESS;
		if (!ok &&
		    (status == PS_DRAFT || status == PS_SUBMITTED || status == PS_REJECTED)) {
			/* R12: plan, report, get approval, then work */
			refuse(v, ERR_PLAN_NOT_APPROVED,
			       "a large job starts only after its plan is approved");
			return;
		}
		detail = "the plan has already started";
		break;
	case PSTEP_COMPLETE:
		ok = status == PS_IN_PROGRESS;
		next = PS_COMPLETED;
		detail = "only a plan in progress is completed";
		break;
	default:
		detail = "unknown step";
		break;
	}
	if (!ok) {
		step_order(v, detail);
		return;
	}
	allow_plan(v, next);
}

const char *domain_plan_step_name(enum plan_step step)
{
	switch (step) {
	case PSTEP_SUBMIT:
		return "submit";
	case PSTEP_APPROVE:
		return "approve";
	case PSTEP_REJECT:
		return "reject";
	case PSTEP_START:
		return "start";
	case PSTEP_COMPLETE:
		return "complete";
	}
	return "?";
}

bool domain_plan_may_decide(const char *role, int64_t viewer, int64_t viewer_team,
			    int64_t plan_team, int64_t plan_team_lead)
{
	if (!role)
		return false;
	if (!strcmp(role, "admin"))
		return true;
	return !strcmp(role, "lead") &&
	       (viewer == plan_team_lead || (viewer_team > 0 && viewer_team == plan_team));
}

bool domain_plan_may_write_for(const char *role, int64_t viewer, int64_t viewer_team, int64_t team,
			       int64_t team_lead)
{
	if (!role)
		return false;
	if (!strcmp(role, "admin") || !strcmp(role, "dispatcher"))
		return true;
	return !strcmp(role, "lead") &&
	       (viewer == team_lead || (viewer_team > 0 && viewer_team == team));
}

bool domain_plan_open(enum plan_status status)
{
	return status != PS_COMPLETED;
}
