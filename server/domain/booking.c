/*
 * Booking a visit: the window (SPEC §3: half-hour grid, at most ten hours) and
 * the people (R7/R8: a lead on every visit of an escalated ticket; a lead is
 * not the engineer; whoever is named is an active engineer or lead), and the
 * double booking. The handler loads the facts; SQL books what passed.
 */
#include "fieldd/domain.h"

static bool refuse(struct rule_verdict *v, enum err_id err, const char *field, const char *detail)
{
	*v = (struct rule_verdict){.ok = false, .err = err, .field = field, .detail = detail};
	return false;
}

static bool pass(struct rule_verdict *v)
{
	*v = (struct rule_verdict){.ok = true, .err = ERR_INTERNAL};
	return true;
}

bool domain_visit_window(const struct window_facts *w, struct rule_verdict *v)
{
	if (w->end <= w->start)
		return refuse(v, ERR_VALIDATION, "end", "must be after start");
	if (w->start_min % VISIT_GRID_MIN || w->start_sec)
		return refuse(v, ERR_VALIDATION, "start",
			      "must be on the half-hour grid (e.g. 10:00 or 10:30)");
	if (w->end_min % VISIT_GRID_MIN || w->end_sec)
		return refuse(v, ERR_VALIDATION, "end",
			      "must be on the half-hour grid (e.g. 11:00 or 11:30)");
	if (w->end - w->start > VISIT_MAX_MIN * 60L)
		return refuse(v, ERR_VALIDATION, "end", "a visit window is at most 10 hours");
	return pass(v);
}

bool domain_booking_people(const struct booking_facts *f, int64_t *lead_out, struct rule_verdict *v)
{
	const struct booking_person *e = &f->engineer;
	int64_t lead = f->lead.id;
	*lead_out = 0;
	if (e->id && !e->found)
		return refuse(v, ERR_VALIDATION, "engineer_id",
			      "must be an active engineer or lead");
	if (f->lead_given && lead) {
		if (!f->lead.found || !f->lead.is_lead)
			return refuse(v, ERR_VALIDATION, "lead_id",
				      "must be an active user with the lead role");
	} else if (!f->lead_given && f->requires_lead && e->id) {
		lead = e->team_lead; /* the engineer's own team lead */
		if (lead == e->id)
			lead = 0;
	}
	if (lead && lead == e->id)
		return refuse(v, ERR_VALIDATION, "lead_id", "must differ from engineer_id");
	/* R7/R8: a lead on every visit of an escalated ticket (a lead may go alone) */
	if (f->requires_lead && !lead && !(e->id && e->is_lead))
		return refuse(v, ERR_LEAD_REQUIRED, NULL,
			      "this ticket is escalated (repeat fault or VIP): a team lead must "
			      "be on the visit");
	*lead_out = lead;
	return pass(v);
}

bool domain_booking_free(int64_t clash_visit, struct rule_verdict *v)
{
	if (clash_visit)
		return refuse(v, ERR_DOUBLE_BOOKED, NULL,
			      "someone on this visit is already booked then");
	return pass(v);
}
