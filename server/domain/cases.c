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

static void refuse(struct case_verdict *v, enum err_id err, const char *detail)
{
	*v = (struct case_verdict){.ok = false, .err = err, .detail = detail};
}

static void allow(struct case_verdict *v, const char *next)
{
	*v = (struct case_verdict){.ok = true, .err = ERR_INTERNAL, .next = next};
}

static void step_order(struct case_verdict *v, const char *detail)
{
	refuse(v, ERR_STEP_ORDER, detail);
}

void domain_complaint_step(enum complaint_step step, const char *status, struct case_verdict *v)
{
	static const struct {
		const char *from, *to, *detail;
	} t[] = {
	    [CSTEP_ANALYSE] = {"received", "analysed",
			       "the cause is analysed once, right after the complaint is received"},
	    [CSTEP_RESOLVE] = {"analysed", "resolved",
			       "a complaint is resolved after its cause is analysed, once"},
	    [CSTEP_NOTIFY] = {"resolved", "notified",
			      "the customer is told the result once the complaint is resolved"},
	    [CSTEP_FEEDBACK] = {"notified", "closed",
				"feedback is collected after the customer was told the result"},
	};
	if ((unsigned)step >= sizeof t / sizeof t[0] || !status) {
		step_order(v, "unknown step");
		return;
	}
	if (strcmp(status, t[step].from) != 0) {
		step_order(v, t[step].detail);
		return;
	}
	allow(v, t[step].to);
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
	allow(v, "resolved");
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

void domain_plan_step(enum plan_step step, const char *status, struct case_verdict *v)
{
	if (!status) {
		step_order(v, "unknown status");
		return;
	}
	bool ok = false;
	const char *next = NULL, *detail = NULL;
	switch (step) {
	case PSTEP_SUBMIT:
		ok = !strcmp(status, "draft") || !strcmp(status, "rejected");
		next = "submitted";
		detail = "only a draft or a rejected plan is submitted";
		break;
	case PSTEP_APPROVE:
		ok = !strcmp(status, "submitted");
		next = "approved";
		detail = "only a submitted plan is approved";
		break;
	case PSTEP_REJECT:
		ok = !strcmp(status, "submitted");
		next = "rejected";
		detail = "only a submitted plan is rejected";
		break;
	case PSTEP_START:
		ok = !strcmp(status, "approved");
		next = "in_progress";
		if (!ok && (!strcmp(status, "draft") || !strcmp(status, "submitted") ||
			    !strcmp(status, "rejected"))) {
			/* R12: plan, report, get approval, then work */
			refuse(v, ERR_PLAN_NOT_APPROVED,
			       "a large job starts only after its plan is approved");
			return;
		}
		detail = "the plan has already started";
		break;
	case PSTEP_COMPLETE:
		ok = !strcmp(status, "in_progress");
		next = "completed";
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
	allow(v, next);
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

bool domain_plan_open(const char *status)
{
	return status && strcmp(status, "completed") != 0;
}
