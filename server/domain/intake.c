/* Intake rules: priority and due date (R11), repeat faults (R7), VIP (R8),
 * first-contact targets (R14). */
#include "fieldd/domain.h"

#include <string.h>

const char *const domain_priorities[] = {"P1", "P2", "P3", "P4", NULL};
const char *const domain_verifications[] = {"callback", "employee_id", "in_person", "sso", NULL};
const char *const domain_channels[] = {"phone", "web", "email", "walk_in", "app", NULL};
const char *const domain_ranks[] = {"staff", "manager", "dept_head", "executive", NULL};
const char *const domain_contact_channels[] = {"sms", "email", "phone", "kakao", NULL};

void domain_intake_defaults(struct intake_rules *r)
{
	r->sla_hours[0] = 4;
	r->sla_hours[1] = 8;
	r->sla_hours[2] = 24;
	r->sla_hours[3] = 72;
	r->repeat_window_days = 90;
	r->first_contact_vip_min = 5;
	r->first_contact_min = 30;
}

bool domain_customer_vip(const char *rank, bool override)
{
	return override || (rank && (!strcmp(rank, "dept_head") || !strcmp(rank, "executive")));
}

void domain_intake(const struct intake_rules *rules, const struct intake_in *in,
		   struct intake_out *out)
{
	memset(out, 0, sizeof *out);
	int p = 3;
	if (in->requested_priority && in->requested_priority[0] == 'P' &&
	    in->requested_priority[1] >= '1' && in->requested_priority[1] <= '4')
		p = in->requested_priority[1] - '0';
	out->vip = domain_customer_vip(in->customer_rank, in->customer_vip_override);
	if (out->vip && p > 2)
		p = 2; /* R8: at least P2 */
	out->priority[0] = 'P';
	out->priority[1] = (char)('0' + p);
	out->due_hours = rules->sla_hours[p - 1];

	out->repeat_count = in->prior_same_faults + 1;
	out->repeat_fault = out->repeat_count >= 3;
	out->next_repeat_escalates = out->repeat_count == 2;
	out->requires_lead = out->repeat_fault || out->vip;
	out->first_contact_target_min =
	    out->vip ? rules->first_contact_vip_min : rules->first_contact_min;
	int n = 0;
	if (out->repeat_fault)
		out->escalations[n++] = "repeat_fault";
	if (out->vip)
		out->escalations[n++] = "vip";
	if (out->next_repeat_escalates)
		out->escalations[n++] = "next_repeat_escalates";
	out->escalations[n] = NULL;
}

long long domain_due_at(long long created_us, int due_hours)
{
	return (created_us + (long long)due_hours * 3600 * 1000000 + 500000) / 1000000;
}
