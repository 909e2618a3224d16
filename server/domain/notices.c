/*
 * Which notice an event causes: the template, who receives it and on which
 * channel. The database writes the outbox row the decision names (the address
 * follows the channel: a phone number for sms, the e-mail address for email).
 *
 *   escalation (R7/R8)        the lead proposed for the ticket, or every active
 *                             lead when none is known yet; by SMS
 *   delay_notice (R11), appointment_confirmed (R3), late_notice (R4),
 *   result_notice (R6, R15: a resolved visit only), absent_notice (R10),
 *   visit_cancelled (only once the customer had agreed to the visit)
 *                             the ticket's customer, on their preferred channel
 */
#include "fieldd/domain.h"

static void customer(struct notice *out, const char *template_name)
{
	*out = (struct notice){.to = NOTICE_CUSTOMER, .template_name = template_name};
}

void domain_notice(enum notice_event event, const struct notice_facts *f, struct notice *out)
{
	*out = (struct notice){.to = NOTICE_NOBODY};
	switch (event) {
	case NOTE_ESCALATION:
		if (!f->requires_lead)
			return;
		*out = (struct notice){.to = f->lead_id ? NOTICE_USER : NOTICE_EVERY_LEAD,
				       .user_id = f->lead_id,
				       .template_name = "escalation",
				       .channel = "sms"};
		return;
	case NOTE_DELAY:
		customer(out, "delay_notice");
		return;
	case NOTE_APPOINTMENT_CONFIRMED:
		customer(out, "appointment_confirmed");
		return;
	case NOTE_LATE:
		customer(out, "late_notice");
		return;
	case NOTE_RESULT:
		if (f->resolved)
			customer(out, "result_notice");
		return;
	case NOTE_ABSENT:
		customer(out, "absent_notice");
		return;
	case NOTE_VISIT_CANCELLED:
		if (f->before != VS_PROPOSED)
			customer(out, "visit_cancelled");
		return;
	}
}
