/*
 * The visit state machine (SPEC §4 visit steps):
 *
 *   proposed --precall reached/reschedule--> confirmed --depart--> en_route
 *   confirmed|en_route --arrive--> on_site --estimate, consent--> on_site
 *   on_site --complete--> completed;  confirmed|en_route|on_site --absent--> absent
 *   proposed|confirmed|en_route --cancel--> cancelled
 *
 * A step out of order is ERR_STEP_ORDER; a step a rule forbids answers the
 * rule's error id (ERR_PRECALL_REQUIRED, ...).
 */
#include "fieldd/domain.h"

static bool is(const struct visit_facts *f, enum visit_status s)
{
	return f->status == s;
}

bool domain_visit_open(enum visit_status status)
{
	return status == VS_PROPOSED || status == VS_CONFIRMED || status == VS_EN_ROUTE ||
	       status == VS_ON_SITE;
}

const char *domain_step_at(long at, long now, long previous)
{
	if (at > now + STEP_AT_SKEW_S)
		return "must not be in the future";
	if (at < now - STEP_AT_WINDOW_S)
		return "must be within the last 14 days";
	if (at < previous - STEP_AT_SKEW_S)
		return "must not be before the visit's previous step";
	return NULL;
}

bool domain_arrived_late(long arrived, long window_start, bool late_notice)
{
	return !late_notice && arrived > window_start + 10 * 60;
}

static void verdict(struct step_verdict *v, enum err_id err, const char *detail)
{
	v->ok = false;
	v->err = err;
	v->detail = detail;
}

static void out_of_order(struct step_verdict *v)
{
	verdict(v, ERR_STEP_ORDER, "this step does not fit the visit's current status");
}

static bool need_precall(struct step_verdict *v, const struct visit_facts *f)
{
	if (!is(f, VS_PROPOSED))
		return false;
	verdict(v, ERR_PRECALL_REQUIRED,
		"call the customer first: a pre-call that reached them confirms the visit");
	return true;
}

void domain_visit_step(enum visit_step step, const struct visit_facts *f, struct step_verdict *v)
{
	*v = (struct step_verdict){.ok = true, .err = ERR_INTERNAL, .next = f->status};
	switch (step) {
	case STEP_PRECALL:
		if (!is(f, VS_PROPOSED) && !is(f, VS_CONFIRMED))
			out_of_order(v);
		return; /* next status depends on the outcome */
	case STEP_DEPART:
		if (need_precall(v, f))
			return;
		if (!is(f, VS_CONFIRMED)) {
			out_of_order(v);
			return;
		}
		v->next = VS_EN_ROUTE;
		return;
	case STEP_LATE:
		if (need_precall(v, f))
			return;
		if (!is(f, VS_CONFIRMED) && !is(f, VS_EN_ROUTE)) {
			out_of_order(v);
			return;
		}
		return;
	case STEP_ARRIVE:
		if (need_precall(v, f))
			return;
		if (!is(f, VS_CONFIRMED) && !is(f, VS_EN_ROUTE)) {
			out_of_order(v);
			return;
		}
		if (f->requires_lead && !f->has_lead) {
			verdict(v, ERR_LEAD_REQUIRED,
				"this ticket needs the team lead on the visit");
			return;
		}
		v->next = VS_ON_SITE;
		return;
	case STEP_ESTIMATE:
		if (!is(f, VS_ON_SITE)) {
			out_of_order(v);
			return;
		}
		return;
	case STEP_CONSENT:
		if (!is(f, VS_ON_SITE) || !f->has_estimate) {
			out_of_order(v);
			return;
		}
		return;
	case STEP_COMPLETE:
		if (need_precall(v, f))
			return;
		if (!is(f, VS_ON_SITE)) {
			out_of_order(v);
			return;
		}
		if (f->requires_lead && !f->has_lead) {
			verdict(v, ERR_LEAD_REQUIRED,
				"this ticket needs the team lead on the visit");
			return;
		}
		if (f->work_done && !(f->has_estimate && f->has_consent)) {
			verdict(v, ERR_CONSENT_REQUIRED,
				"explain the expected time (estimate) and get the customer's "
				"consent before the work");
			return;
		}
		if (!f->resolved && !f->has_follow_up_reason) {
			verdict(v, ERR_FOLLOW_UP_REQUIRED,
				"an unresolved visit needs a clear reason for the next visit");
			return;
		}
		if (f->checklist_required && !f->checklist_complete) {
			verdict(v, ERR_CHECKLIST_INCOMPLETE,
				"complete the inspection checklist first (R9)");
			return;
		}
		v->next = VS_COMPLETED;
		return;
	case STEP_ABSENT:
		if (need_precall(v, f))
			return;
		if (!is(f, VS_CONFIRMED) && !is(f, VS_EN_ROUTE) && !is(f, VS_ON_SITE)) {
			out_of_order(v);
			return;
		}
		v->next = VS_ABSENT;
		return;
	case STEP_CANCEL:
		if (!is(f, VS_PROPOSED) && !is(f, VS_CONFIRMED) && !is(f, VS_EN_ROUTE)) {
			out_of_order(v);
			return;
		}
		v->next = VS_CANCELLED;
		return;
	}
}
