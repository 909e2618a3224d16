/*
 * Unit tests for the intake rules (server/domain/intake.c: R7, R8, R11, R14)
 * and the visit state machine (server/domain/visit_fsm.c: R3-R6, R10), every
 * rule code and every step in every status.
 */
#include "check.h"
#include "verdict.h"
#include "fieldd/domain.h"

#include <stdio.h>
#include <string.h>

/* ---- intake ---------------------------------------------------------------------------- */

static struct intake_out intake(const char *prio, const char *rank, bool vip, int prior)
{
	struct intake_rules r;
	domain_intake_defaults(&r);
	struct intake_in in = {prio, rank, vip, prior};
	struct intake_out out;
	domain_intake(&r, &in, &out);
	return out;
}

/* The escalations list, comma-joined, for compact checks. */
static const char *escalations(const struct intake_out *o, char *buf, size_t n)
{
	buf[0] = '\0';
	for (int i = 0; i < 3 && o->escalations[i]; i++) {
		size_t len = strlen(buf);
		snprintf(buf + len, n - len, "%s%s", i ? "," : "", o->escalations[i]);
	}
	return buf;
}

static void test_defaults(void)
{
	struct intake_rules r;
	memset(&r, 0x55, sizeof r);
	domain_intake_defaults(&r);
	CHECK_INT_EQ(r.sla_hours[0], 4); /* R11 */
	CHECK_INT_EQ(r.sla_hours[1], 8);
	CHECK_INT_EQ(r.sla_hours[2], 24);
	CHECK_INT_EQ(r.sla_hours[3], 72);
	CHECK_INT_EQ(r.repeat_window_days, 90);	  /* R7 */
	CHECK_INT_EQ(r.first_contact_vip_min, 5); /* R14 */
	CHECK_INT_EQ(r.first_contact_min, 30);
}

static void test_lists(void)
{
	static const char *const prios[] = {"P1", "P2", "P3", "P4"};
	for (int i = 0; i < 4; i++)
		CHECK_STR_EQ(domain_priorities[i], prios[i]);
	CHECK(domain_priorities[4] == NULL);
	/* R1: the four verification methods of SPEC, and nothing else */
	static const char *const ver[] = {"callback", "employee_id", "in_person", "sso"};
	for (int i = 0; i < 4; i++)
		CHECK_STR_EQ(domain_verifications[i], ver[i]);
	CHECK(domain_verifications[4] == NULL);
	static const char *const ranks[] = {"staff", "manager", "dept_head", "executive"};
	for (int i = 0; i < 4; i++)
		CHECK_STR_EQ(domain_ranks[i], ranks[i]);
	CHECK(domain_ranks[4] == NULL);
	static const char *const chans[] = {"sms", "email", "phone", "kakao"};
	for (int i = 0; i < 4; i++)
		CHECK_STR_EQ(domain_contact_channels[i], chans[i]);
	CHECK(domain_contact_channels[4] == NULL);
	int n = 0;
	while (domain_channels[n])
		n++;
	CHECK(n >= 1);
}

static void test_customer_vip(void)
{
	CHECK(!domain_customer_vip("staff", false));
	CHECK(!domain_customer_vip("manager", false));
	CHECK(domain_customer_vip("dept_head", false));
	CHECK(domain_customer_vip("executive", false));
	CHECK(domain_customer_vip("staff", true));
	CHECK(domain_customer_vip("manager", true));
	CHECK(domain_customer_vip(NULL, true));
	CHECK(!domain_customer_vip(NULL, false));
	CHECK(!domain_customer_vip("", false));
	CHECK(!domain_customer_vip("Dept_Head", false)); /* exact names only */
}

static void test_priority_and_due(void)
{
	static const char *const prios[] = {"P1", "P2", "P3", "P4"};
	static const int hours[] = {4, 8, 24, 72};
	for (int i = 0; i < 4; i++) {
		struct intake_out o = intake(prios[i], "staff", false, 0);
		CHECK_STR_EQ(o.priority, prios[i]);
		CHECK_INT_EQ(o.due_hours, hours[i]);
		CHECK(!o.vip);
		CHECK(!o.requires_lead);
		CHECK_INT_EQ(o.first_contact_target_min, 30);
		CHECK(o.escalations[0] == NULL);
	}
	/* no priority asked: P3 */
	struct intake_out o = intake(NULL, "staff", false, 0);
	CHECK_STR_EQ(o.priority, "P3");
	CHECK_INT_EQ(o.due_hours, 24);
	/* nonsense falls back to P3 (the HTTP layer refuses it before) */
	static const char *const bad[] = {"P0", "P5", "p1", "X", "", "P"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		o = intake(bad[i], "staff", false, 0);
		CHECK_STR_EQ(o.priority, "P3");
		CHECK_INT_EQ(o.due_hours, 24);
	}
	/* configured SLA table */
	struct intake_rules r;
	domain_intake_defaults(&r);
	r.sla_hours[0] = 1;
	r.sla_hours[1] = 2;
	r.sla_hours[2] = 3;
	r.sla_hours[3] = 5;
	for (int i = 0; i < 4; i++) {
		struct intake_in in = {prios[i], "manager", false, 0};
		domain_intake(&r, &in, &o);
		CHECK_INT_EQ(o.due_hours, r.sla_hours[i]);
	}
	/* VIP raises P3 to P2, and the due time follows the raised priority */
	struct intake_in in = {"P4", "executive", false, 0};
	domain_intake(&r, &in, &o);
	CHECK_STR_EQ(o.priority, "P2");
	CHECK_INT_EQ(o.due_hours, 2);
}

static void test_vip(void)
{
	char buf[128];
	/* R8: at least P2, a lead, the short first-contact target */
	static const char *const ranks[] = {"dept_head", "executive"};
	for (int k = 0; k < 2; k++) {
		struct intake_out o = intake("P4", ranks[k], false, 0);
		CHECK(o.vip);
		CHECK_STR_EQ(o.priority, "P2");
		CHECK_INT_EQ(o.due_hours, 8);
		CHECK(o.requires_lead);
		CHECK(!o.repeat_fault);
		CHECK_INT_EQ(o.first_contact_target_min, 5);
		CHECK_STR_EQ(escalations(&o, buf, sizeof buf), "vip");
	}
	struct intake_out o = intake("P3", "staff", true, 0); /* override */
	CHECK(o.vip);
	CHECK_STR_EQ(o.priority, "P2");
	CHECK(o.requires_lead);
	CHECK_INT_EQ(o.first_contact_target_min, 5);
	o = intake(NULL, "manager", true, 0);
	CHECK_STR_EQ(o.priority, "P2");
	o = intake("P2", "executive", false, 0);
	CHECK_STR_EQ(o.priority, "P2");
	CHECK_INT_EQ(o.due_hours, 8);
	o = intake("P1", "executive", false, 0); /* P1 stays P1 */
	CHECK_STR_EQ(o.priority, "P1");
	CHECK_INT_EQ(o.due_hours, 4);
	CHECK(o.requires_lead);
	/* managers are not VIP */
	o = intake("P4", "manager", false, 0);
	CHECK(!o.vip);
	CHECK_STR_EQ(o.priority, "P4");
	CHECK(!o.requires_lead);
	CHECK_INT_EQ(o.first_contact_target_min, 30);
	/* a custom first-contact table */
	struct intake_rules r;
	domain_intake_defaults(&r);
	r.first_contact_vip_min = 2;
	r.first_contact_min = 45;
	struct intake_in in = {"P3", "dept_head", false, 0};
	domain_intake(&r, &in, &o);
	CHECK_INT_EQ(o.first_contact_target_min, 2);
	in.customer_rank = "staff";
	domain_intake(&r, &in, &o);
	CHECK_INT_EQ(o.first_contact_target_min, 45);
}

static void test_repeat(void)
{
	char buf[128];
	/* R7: 1st plain, 2nd flagged, 3rd and later escalated */
	struct intake_out o = intake("P3", "staff", false, 0);
	CHECK_INT_EQ(o.repeat_count, 1);
	CHECK(!o.repeat_fault);
	CHECK(!o.next_repeat_escalates);
	CHECK(!o.requires_lead);
	CHECK_STR_EQ(escalations(&o, buf, sizeof buf), "");

	o = intake("P3", "staff", false, 1);
	CHECK_INT_EQ(o.repeat_count, 2);
	CHECK(!o.repeat_fault);
	CHECK(o.next_repeat_escalates);
	CHECK(!o.requires_lead); /* the flag alone does not need a lead */
	CHECK_STR_EQ(o.priority, "P3");
	CHECK_STR_EQ(escalations(&o, buf, sizeof buf), "next_repeat_escalates");

	o = intake("P3", "staff", false, 2);
	CHECK_INT_EQ(o.repeat_count, 3);
	CHECK(o.repeat_fault);
	CHECK(!o.next_repeat_escalates);
	CHECK(o.requires_lead);
	CHECK_STR_EQ(o.priority, "P3"); /* a repeat does not change the priority */
	CHECK_INT_EQ(o.first_contact_target_min, 30);
	CHECK_STR_EQ(escalations(&o, buf, sizeof buf), "repeat_fault");

	o = intake("P4", "staff", false, 7);
	CHECK_INT_EQ(o.repeat_count, 8);
	CHECK(o.repeat_fault);
	CHECK(!o.next_repeat_escalates);
	CHECK(o.requires_lead);
	CHECK_STR_EQ(escalations(&o, buf, sizeof buf), "repeat_fault");

	/* both escalations at once, in a fixed order */
	o = intake("P4", "dept_head", false, 2);
	CHECK(o.repeat_fault && o.vip && o.requires_lead);
	CHECK_STR_EQ(o.priority, "P2");
	CHECK_STR_EQ(escalations(&o, buf, sizeof buf), "repeat_fault,vip");
	o = intake("P4", "staff", true, 1);
	CHECK_STR_EQ(escalations(&o, buf, sizeof buf), "vip,next_repeat_escalates");
	CHECK(o.requires_lead);
	CHECK(o.escalations[2] == NULL);
}

/* ---- visit steps ----------------------------------------------------------------------- */

enum { N_STATUS = 7, N_STEP = 9 };
static const char *const statuses[N_STATUS] = {"proposed",  "confirmed", "en_route", "on_site",
					       "completed", "absent",	 "cancelled"};
static const char *const step_names[N_STEP] = {
    "precall", "depart", "late", "arrive", "estimate", "consent", "complete", "absent", "cancel"};
static const enum visit_step steps[N_STEP] = {STEP_PRECALL,  STEP_DEPART,   STEP_LATE,
					      STEP_ARRIVE,   STEP_ESTIMATE, STEP_CONSENT,
					      STEP_COMPLETE, STEP_ABSENT,   STEP_CANCEL};

/*
 * The expected outcome of each step in each status with every fact in its
 * favour (estimate and consent given, lead present, resolved): "=" keeps the
 * status, a status name moves there, "409" is out of order, "precall" is 422
 * precall_required.
 */
static const char *const expect[N_STEP][N_STATUS] = {
    /* columns: proposed, confirmed, en_route, on_site, completed, absent, cancelled */
    /* precall  */ {"=", "=", "409", "409", "409", "409", "409"},
    /* depart   */ {"precall", "en_route", "409", "409", "409", "409", "409"},
    /* late     */ {"precall", "=", "=", "409", "409", "409", "409"},
    /* arrive   */ {"precall", "on_site", "on_site", "409", "409", "409", "409"},
    /* estimate */ {"409", "409", "409", "=", "409", "409", "409"},
    /* consent  */ {"409", "409", "409", "=", "409", "409", "409"},
    /* complete */ {"precall", "409", "409", "completed", "409", "409", "409"},
    /* absent   */ {"precall", "absent", "absent", "absent", "409", "409", "409"},
    /* cancel   */ {"cancelled", "cancelled", "cancelled", "409", "409", "409", "409"},
};

static struct visit_facts good_facts(const char *status)
{
	struct visit_facts f = {0};
	f.status = vs(status);
	f.has_estimate = true;
	f.has_consent = true;
	f.requires_lead = false;
	f.has_lead = false;
	f.work_done = true;
	f.resolved = true;
	f.has_follow_up_reason = false;
	return f;
}

static void check_verdict(const char *what, const char *status, const struct step_verdict *v,
			  const char *want)
{
	int ok;
	if (!strcmp(want, "409"))
		ok = vstatus(v) == 409 && vcode(v) && !strcmp(vcode(v), "step_out_of_order") &&
		     vnext(v) == NULL && v->detail != NULL;
	else if (!strcmp(want, "precall"))
		ok = vstatus(v) == 422 && vcode(v) && !strcmp(vcode(v), "precall_required") &&
		     vnext(v) == NULL && v->detail != NULL;
	else if (!strcmp(want, "="))
		ok = vstatus(v) == 0 && vcode(v) == NULL && vnext(v) && !strcmp(vnext(v), status);
	else
		ok = vstatus(v) == 0 && vcode(v) == NULL && vnext(v) && !strcmp(vnext(v), want);
	check_total_++;
	if (!ok) {
		fprintf(stderr, "%s:%d: %s in %s: got %d %s -> %s, expected %s\n", __FILE__,
			__LINE__, what, status, vstatus(v), vcode(v) ? vcode(v) : "-",
			vnext(v) ? vnext(v) : "-", want);
		check_failed_++;
	}
}

static void test_step_matrix(void)
{
	for (int s = 0; s < N_STEP; s++)
		for (int k = 0; k < N_STATUS; k++) {
			struct visit_facts f = good_facts(statuses[k]);
			struct step_verdict v;
			memset(&v, 0x5a, sizeof v); /* the verdict must be filled in every field */
			domain_visit_step(steps[s], &f, &v);
			check_verdict(step_names[s], statuses[k], &v, expect[s][k]);
		}
	/* an escalated visit with its lead passes the same way */
	for (int k = 0; k < N_STATUS; k++) {
		struct visit_facts f = good_facts(statuses[k]);
		f.requires_lead = true;
		f.has_lead = true;
		struct step_verdict v;
		domain_visit_step(STEP_ARRIVE, &f, &v);
		check_verdict("arrive+lead", statuses[k], &v, expect[3][k]);
		domain_visit_step(STEP_COMPLETE, &f, &v);
		check_verdict("complete+lead", statuses[k], &v, expect[6][k]);
	}
}

static struct step_verdict run(enum visit_step step, const struct visit_facts *f)
{
	struct step_verdict v;
	domain_visit_step(step, f, &v);
	return v;
}

#define CHECK_RULE(v, st, c)                                                                       \
	do {                                                                                       \
		struct step_verdict v_ = (v);                                                      \
		CHECK_INT_EQ(vstatus(&v_), st);                                                    \
		CHECK_STR_EQ(vcode(&v_), c);                                                       \
	} while (0)

static void test_precall(void)
{
	/* R3: a pre-call is allowed while proposed or confirmed (a second call, a reschedule) */
	struct visit_facts f = good_facts("proposed");
	f.has_estimate = f.has_consent = false;
	CHECK_RULE(run(STEP_PRECALL, &f), 0, NULL);
	CHECK_STR_EQ(rnext(run(STEP_PRECALL, &f)), "proposed"); /* the handler picks by outcome */
	/* nothing that moves the visit on works before the pre-call */
	CHECK_RULE(run(STEP_DEPART, &f), 422, "precall_required");
	CHECK_RULE(run(STEP_ARRIVE, &f), 422, "precall_required");
	CHECK_RULE(run(STEP_LATE, &f), 422, "precall_required");
	CHECK_RULE(run(STEP_COMPLETE, &f), 422, "precall_required");
	CHECK_RULE(run(STEP_ABSENT, &f), 422, "precall_required");
	/* precall_required wins over lead_required */
	f.requires_lead = true;
	CHECK_RULE(run(STEP_ARRIVE, &f), 422, "precall_required");
	/* but a proposed visit can be cancelled */
	CHECK_RULE(run(STEP_CANCEL, &f), 0, NULL);
	CHECK_STR_EQ(rnext(run(STEP_CANCEL, &f)), "cancelled");
}

static void test_lead(void)
{
	/* R7/R8: the visit of an escalated ticket needs its lead to start and finish */
	static const char *const arrive_from[] = {"confirmed", "en_route"};
	for (int i = 0; i < 2; i++) {
		struct visit_facts f = good_facts(arrive_from[i]);
		f.requires_lead = true;
		f.has_lead = false;
		CHECK_RULE(run(STEP_ARRIVE, &f), 422, "lead_required");
		CHECK(!run(STEP_ARRIVE, &f).ok);
		/* departing and a late notice are not blocked: the lead may meet them there */
		if (!strcmp(arrive_from[i], "confirmed"))
			CHECK_RULE(run(STEP_DEPART, &f), 0, NULL);
		CHECK_RULE(run(STEP_LATE, &f), 0, NULL);
		CHECK_RULE(run(STEP_ABSENT, &f), 0, NULL);
		CHECK_RULE(run(STEP_CANCEL, &f), 0, NULL);
	}
	struct visit_facts f = good_facts("on_site");
	f.requires_lead = true;
	f.has_lead = false;
	CHECK_RULE(run(STEP_COMPLETE, &f), 422, "lead_required");
	/* lead_required comes before consent_required and follow_up_reason_required */
	f.has_consent = false;
	f.resolved = false;
	CHECK_RULE(run(STEP_COMPLETE, &f), 422, "lead_required");
	/* a lead that is not needed does no harm */
	f = good_facts("on_site");
	f.has_lead = true;
	CHECK_RULE(run(STEP_COMPLETE, &f), 0, NULL);
	/* a ticket without escalation does not need one */
	f = good_facts("confirmed");
	CHECK_RULE(run(STEP_ARRIVE, &f), 0, NULL);
	/* steps out of order are 409 even without the lead */
	f = good_facts("completed");
	f.requires_lead = true;
	CHECK_RULE(run(STEP_ARRIVE, &f), 409, "step_out_of_order");
	CHECK_RULE(run(STEP_COMPLETE, &f), 409, "step_out_of_order");
}

static void test_estimate_consent(void)
{
	/* R5: estimate, then consent, then work */
	struct visit_facts f = good_facts("on_site");
	f.has_estimate = false;
	f.has_consent = false;
	CHECK_RULE(run(STEP_ESTIMATE, &f), 0, NULL);
	CHECK_STR_EQ(rnext(run(STEP_ESTIMATE, &f)), "on_site");
	CHECK_RULE(run(STEP_CONSENT, &f), 409, "step_out_of_order"); /* consent before estimate */
	f.has_estimate = true;
	CHECK_RULE(run(STEP_CONSENT, &f), 0, NULL);
	CHECK_STR_EQ(rnext(run(STEP_CONSENT, &f)), "on_site");
	f.has_consent = true;
	CHECK_RULE(run(STEP_ESTIMATE, &f), 0, NULL); /* a revised estimate is fine */
	/* estimate and consent belong on site */
	static const char *const not_there[] = {"proposed",  "confirmed", "en_route",
						"completed", "absent",	  "cancelled"};
	for (size_t i = 0; i < sizeof not_there / sizeof not_there[0]; i++) {
		struct visit_facts g = good_facts(not_there[i]);
		CHECK_RULE(run(STEP_ESTIMATE, &g), 409, "step_out_of_order");
		CHECK_RULE(run(STEP_CONSENT, &g), 409, "step_out_of_order");
	}
}

static void test_complete(void)
{
	struct visit_facts f;
	struct step_verdict v;
	/* R5: work done without estimate and consent */
	f = good_facts("on_site");
	f.has_estimate = false;
	f.has_consent = false;
	CHECK_RULE(run(STEP_COMPLETE, &f), 422, "consent_required");
	f.has_estimate = true;
	CHECK_RULE(run(STEP_COMPLETE, &f), 422, "consent_required");
	f.has_estimate = false;
	f.has_consent = true; /* cannot happen through the API, but still not enough */
	CHECK_RULE(run(STEP_COMPLETE, &f), 422, "consent_required");
	/* no work done (e.g. only a diagnosis): no consent needed */
	f = good_facts("on_site");
	f.has_estimate = f.has_consent = false;
	f.work_done = false;
	v = run(STEP_COMPLETE, &f);
	CHECK_RULE(v, 0, NULL);
	CHECK_STR_EQ(vnext(&v), "completed");
	/* R6: unresolved needs a follow-up reason */
	f = good_facts("on_site");
	f.resolved = false;
	CHECK_RULE(run(STEP_COMPLETE, &f), 422, "follow_up_reason_required");
	f.has_follow_up_reason = true;
	v = run(STEP_COMPLETE, &f);
	CHECK_RULE(v, 0, NULL);
	CHECK_STR_EQ(vnext(&v), "completed");
	/* consent is checked before the follow-up reason */
	f = good_facts("on_site");
	f.has_consent = false;
	f.resolved = false;
	CHECK_RULE(run(STEP_COMPLETE, &f), 422, "consent_required");
	/* no work and unresolved: only the reason is asked for */
	f.work_done = false;
	f.has_estimate = false;
	CHECK_RULE(run(STEP_COMPLETE, &f), 422, "follow_up_reason_required");
	f.has_follow_up_reason = true;
	CHECK_RULE(run(STEP_COMPLETE, &f), 0, NULL);
	/* resolved with a (needless) reason is fine */
	f = good_facts("on_site");
	f.has_follow_up_reason = true;
	CHECK_RULE(run(STEP_COMPLETE, &f), 0, NULL);
	/* completing twice is out of order */
	f = good_facts("completed");
	CHECK_RULE(run(STEP_COMPLETE, &f), 409, "step_out_of_order");
}

static void test_absent_cancel(void)
{
	/* R10: absent after the pre-call, on the way or at the door */
	static const char *const ok[] = {"confirmed", "en_route", "on_site"};
	for (int i = 0; i < 3; i++) {
		struct visit_facts f = good_facts(ok[i]);
		struct step_verdict v = run(STEP_ABSENT, &f);
		CHECK_RULE(v, 0, NULL);
		CHECK_STR_EQ(vnext(&v), "absent");
	}
	/* finished visits stay finished */
	static const char *const done[] = {"completed", "absent", "cancelled"};
	for (int i = 0; i < 3; i++) {
		struct visit_facts f = good_facts(done[i]);
		for (int s = 0; s < N_STEP; s++)
			CHECK_RULE(run(steps[s], &f), 409, "step_out_of_order");
	}
	/* a visit already on site is finished with complete or absent, not cancelled */
	struct visit_facts f = good_facts("on_site");
	CHECK_RULE(run(STEP_CANCEL, &f), 409, "step_out_of_order");
}

static void test_sequences(void)
{
	/* a whole visit, step by step, feeding each verdict's next status back in */
	const enum visit_step path[] = {STEP_PRECALL,  STEP_DEPART,  STEP_LATE,	   STEP_ARRIVE,
					STEP_ESTIMATE, STEP_CONSENT, STEP_COMPLETE};
	const char *const want[] = {"proposed", "en_route", "en_route", "on_site",
				    "on_site",	"on_site",  "completed"};
	struct visit_facts f = good_facts("proposed");
	f.has_estimate = f.has_consent = false;
	for (size_t i = 0; i < sizeof path / sizeof path[0]; i++) {
		struct step_verdict v = run(path[i], &f);
		CHECK_INT_EQ(vstatus(&v), 0);
		CHECK_STR_EQ(vnext(&v), want[i]);
		if (vstatus(&v))
			return;
		f.status = i == 0 ? VS_CONFIRMED : v.next; /* a pre-call that reached them */
		if (path[i] == STEP_ESTIMATE)
			f.has_estimate = true;
		if (path[i] == STEP_CONSENT)
			f.has_consent = true;
	}
	/* skipping ahead */
	f = good_facts("confirmed");
	CHECK_RULE(run(STEP_COMPLETE, &f), 409, "step_out_of_order");
	CHECK_RULE(run(STEP_ESTIMATE, &f), 409, "step_out_of_order");
	f.status = vs("en_route");
	CHECK_RULE(run(STEP_DEPART, &f), 409, "step_out_of_order"); /* departing twice */
	CHECK_RULE(run(STEP_PRECALL, &f), 409, "step_out_of_order");
	f.status = vs("on_site");
	CHECK_RULE(run(STEP_ARRIVE, &f), 409, "step_out_of_order"); /* arriving twice */
	CHECK_RULE(run(STEP_DEPART, &f), 409, "step_out_of_order");
	CHECK_RULE(run(STEP_LATE, &f), 409, "step_out_of_order");
	CHECK_RULE(run(STEP_PRECALL, &f), 409, "step_out_of_order");
}

static void test_arrived_late(void)
{
	/* R4: later than start + 10 min without a notice */
	const long start = 1772409600L;				 /* any instant */
	CHECK(!domain_arrived_late(start - 3600, start, false)); /* early */
	CHECK(!domain_arrived_late(start, start, false));
	CHECK(!domain_arrived_late(start + 599, start, false));
	CHECK(!domain_arrived_late(start + 600, start, false)); /* exactly 10 min: on time */
	CHECK(domain_arrived_late(start + 601, start, false));
	CHECK(domain_arrived_late(start + 3 * 3600, start, false));
	/* with a "running late" notice it does not count */
	CHECK(!domain_arrived_late(start + 601, start, true));
	CHECK(!domain_arrived_late(start + 3 * 3600, start, true));
	CHECK(!domain_arrived_late(start, start, true));
}

static void test_step_at(void)
{
	const long now = 1772409600L, prev = now - 3 * 3600;
	CHECK(domain_step_at(now, now, prev) == NULL);
	CHECK(domain_step_at(now - 3600, now, prev) == NULL); /* an hour ago, offline */
	CHECK(domain_step_at(prev, now, prev) == NULL);	      /* the same second as the last */
	/* a phone's clock a little ahead or behind is no reason to refuse */
	CHECK(domain_step_at(now + STEP_AT_SKEW_S, now, prev) == NULL);
	CHECK(domain_step_at(prev - STEP_AT_SKEW_S, now, prev) == NULL);
	/* the future, before the previous step, older than the idempotency window */
	CHECK_STR_EQ(domain_step_at(now + STEP_AT_SKEW_S + 1, now, prev),
		     "must not be in the future");
	CHECK_STR_EQ(domain_step_at(prev - STEP_AT_SKEW_S - 1, now, prev),
		     "must not be before the visit's previous step");
	CHECK_STR_EQ(domain_step_at(now - STEP_AT_WINDOW_S - 1, now, now - 30L * 86400),
		     "must be within the last 14 days");
	CHECK(domain_step_at(now - STEP_AT_WINDOW_S, now, now - 30L * 86400) == NULL);
}

static void test_visit_open(void)
{
	CHECK(domain_visit_open(vs("proposed")));
	CHECK(domain_visit_open(vs("confirmed")));
	CHECK(domain_visit_open(vs("en_route")));
	CHECK(domain_visit_open(vs("on_site")));
	CHECK(!domain_visit_open(vs("completed")));
	CHECK(!domain_visit_open(vs("absent")));
	CHECK(!domain_visit_open(vs("cancelled")));
	CHECK(!domain_visit_open(vs("")));
}

int main(void)
{
	CHECK_RUN(test_defaults);
	CHECK_RUN(test_lists);
	CHECK_RUN(test_customer_vip);
	CHECK_RUN(test_priority_and_due);
	CHECK_RUN(test_vip);
	CHECK_RUN(test_repeat);
	CHECK_RUN(test_step_matrix);
	CHECK_RUN(test_precall);
	CHECK_RUN(test_lead);
	CHECK_RUN(test_estimate_consent);
	CHECK_RUN(test_complete);
	CHECK_RUN(test_absent_cancel);
	CHECK_RUN(test_sequences);
	CHECK_RUN(test_arrived_late);
	CHECK_RUN(test_step_at);
	CHECK_RUN(test_visit_open);
	return CHECK_DONE();
}
