/*
 * The visit state machine (SPEC §4 visit steps):
 *
 *   proposed --precall reached/reschedule--> confirmed --depart--> en_route
 *   confirmed|en_route --arrive--> on_site --estimate, consent--> on_site
 *   on_site --complete--> completed;  confirmed|en_route|on_site --absent--> absent
 *   proposed|confirmed|en_route --cancel--> cancelled
 *
 * A step out of order is 409; a step the rules forbid is 422 with its code.
 */
#include "fieldd/domain.h"

#include <string.h>

static bool is(const struct visit_facts *f, const char *s)
{
	return strcmp(f->status, s) == 0;
}

bool domain_visit_open(const char *status)
{
	return !strcmp(status, "proposed") || !strcmp(status, "confirmed") ||
	       !strcmp(status, "en_route") || !strcmp(status, "on_site");
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

static void verdict(struct step_verdict *v, int status, const char *code, const char *detail,
		    const char *next)
{
	v->status = status;
	v->code = code;
	v->detail = detail;
	v->next = next;
}

static void out_of_order(struct step_verdict *v)
{
	verdict(v, 409, "step_out_of_order", "this step does not fit the visit's current status",
		NULL);
}

static bool need_precall(struct step_verdict *v, const struct visit_facts *f)
{
	if (!is(f, "proposed"))
		return false;
	verdict(v, 422, "precall_required",
		"call the customer first: a pre-call that reached them confirms the visit", NULL);
	return true;
}

void domain_visit_step(enum visit_step step, const struct visit_facts *f, struct step_verdict *v)
{
	verdict(v, 0, NULL, NULL, f->status);
	switch (step) {
	case STEP_PRECALL:
		if (!is(f, "proposed") && !is(f, "confirmed"))
			out_of_order(v);
		return; /* next status depends on the outcome */
	case STEP_DEPART:
		if (need_precall(v, f))
			return;
		if (!is(f, "confirmed")) {
			out_of_order(v);
			return;
		}
		v->next = "en_route";
		return;
	case STEP_LATE:
		if (need_precall(v, f))
			return;
		if (!is(f, "confirmed") && !is(f, "en_route")) {
			out_of_order(v);
			return;
		}
		return;
	case STEP_ARRIVE:
		if (need_precall(v, f))
			return;
		if (!is(f, "confirmed") && !is(f, "en_route")) {
			out_of_order(v);
			return;
		}
		if (f->requires_lead && !f->has_lead) {
			verdict(v, 422, "lead_required",
				"this ticket needs the team lead on the visit", NULL);
			return;
		}
		v->next = "on_site";
		return;
	case STEP_ESTIMATE:
		if (!is(f, "on_site")) {
			out_of_order(v);
			return;
		}
		return;
	case STEP_CONSENT:
		if (!is(f, "on_site") || !f->has_estimate) {
			out_of_order(v);
			return;
		}
		return;
	case STEP_COMPLETE:
		if (need_precall(v, f))
			return;
		if (!is(f, "on_site")) {
			out_of_order(v);
			return;
		}
		if (f->requires_lead && !f->has_lead) {
			verdict(v, 422, "lead_required",
				"this ticket needs the team lead on the visit", NULL);
			return;
		}
		if (f->work_done && !(f->has_estimate && f->has_consent)) {
			verdict(v, 422, "consent_required",
				"explain the expected time (estimate) and get the customer's "
				"consent before the work",
				NULL);
			return;
		}
		if (!f->resolved && !f->has_follow_up_reason) {
			verdict(v, 422, "follow_up_reason_required",
				"an unresolved visit needs a clear reason for the next visit",
				NULL);
			return;
		}
		if (f->checklist_required && !f->checklist_complete) {
			verdict(v, 422, "checklist_incomplete",
				"complete the inspection checklist first (R9)", NULL);
			return;
		}
		v->next = "completed";
		return;
	case STEP_ABSENT:
		if (need_precall(v, f))
			return;
		if (!is(f, "confirmed") && !is(f, "en_route") && !is(f, "on_site")) {
			out_of_order(v);
			return;
		}
		v->next = "absent";
		return;
	case STEP_CANCEL:
		if (!is(f, "proposed") && !is(f, "confirmed") && !is(f, "en_route")) {
			out_of_order(v);
			return;
		}
		v->next = "cancelled";
		return;
	}
}
