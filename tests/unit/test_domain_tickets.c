/*
 * Unit tests for the ticket's state machine and the status words
 * (domain/status.c), the booking checks (domain/booking.c), the notices an
 * event causes (domain/notices.c) and the booking side of the proposal
 * (dsp_working_hours, dsp_propose_named in domain/proposal.c).
 */
#include "check.h"
#include "fieldd/dispatch.h"
#include "fieldd/domain.h"

#include <stdint.h>
#include <string.h>

/* ---- statuses ---- */

static void test_status_words_round_trip(void)
{
	static const char *const tickets[] = {"new",	  "scheduled", "in_progress",
					      "resolved", "closed",    "cancelled"};
	static const char *const visits[] = {"proposed",  "confirmed", "en_route", "on_site",
					     "completed", "absent",    "cancelled"};
	CHECK_INT_EQ(TS__COUNT, 6);
	CHECK_INT_EQ(VS__COUNT, 7);
	for (int i = 0; i < TS__COUNT; i++) {
		enum ticket_status s = TS__COUNT;
		CHECK(domain_ticket_status_parse(tickets[i], &s));
		CHECK_INT_EQ(s, i);
		CHECK_STR_EQ(domain_ticket_status_name(s), tickets[i]);
		CHECK_STR_EQ(domain_ticket_statuses[i], tickets[i]);
	}
	CHECK_NULL(domain_ticket_statuses[TS__COUNT]); /* a J_ENUM / query list */
	for (int i = 0; i < VS__COUNT; i++) {
		enum visit_status s = VS__COUNT;
		CHECK(domain_visit_status_parse(visits[i], &s));
		CHECK_INT_EQ(s, i);
		CHECK_STR_EQ(domain_visit_status_name(s), visits[i]);
	}
	CHECK_NULL(domain_visit_statuses[VS__COUNT]);
	/* unknown words are refused and leave the output alone */
	enum ticket_status t = TS_CLOSED;
	CHECK(!domain_ticket_status_parse("open", &t));
	CHECK(!domain_ticket_status_parse("", &t));
	CHECK(!domain_ticket_status_parse(NULL, &t));
	CHECK(!domain_ticket_status_parse("New", &t));
	CHECK_INT_EQ(t, TS_CLOSED);
	enum visit_status v = VS_ABSENT;
	CHECK(!domain_visit_status_parse("on site", &v));
	CHECK(!domain_visit_status_parse("en_route ", &v));
	CHECK_INT_EQ(v, VS_ABSENT);
	/* out of range never reads past the table */
	CHECK_STR_EQ(domain_ticket_status_name((enum ticket_status)99), "unknown");
	CHECK_STR_EQ(domain_visit_status_name(VS__COUNT), "unknown");
}

/* ---- the ticket's state machine ---- */

static void test_ticket_open(void)
{
	CHECK(domain_ticket_open(TS_NEW));
	CHECK(domain_ticket_open(TS_SCHEDULED));
	CHECK(domain_ticket_open(TS_IN_PROGRESS));
	CHECK(!domain_ticket_open(TS_RESOLVED));
	CHECK(!domain_ticket_open(TS_CLOSED));
	CHECK(!domain_ticket_open(TS_CANCELLED));
}

static void test_ticket_after_booking(void)
{
	CHECK_INT_EQ(domain_ticket_after_booking(TS_NEW), TS_SCHEDULED);
	/* a second visit of a ticket under way does not send it back */
	CHECK_INT_EQ(domain_ticket_after_booking(TS_SCHEDULED), TS_SCHEDULED);
	CHECK_INT_EQ(domain_ticket_after_booking(TS_IN_PROGRESS), TS_IN_PROGRESS);
}

static void test_ticket_after_step(void)
{
	static const enum ticket_status from[] = {TS_NEW, TS_SCHEDULED, TS_IN_PROGRESS,
						  TS_RESOLVED};
	for (size_t i = 0; i < sizeof from / sizeof *from; i++) {
		enum ticket_status t = from[i];
		CHECK_INT_EQ(domain_ticket_after_step(t, STEP_DEPART, false), TS_IN_PROGRESS);
		CHECK_INT_EQ(domain_ticket_after_step(t, STEP_ARRIVE, false), TS_IN_PROGRESS);
		/* R6: a resolved visit resolves the ticket; otherwise it stays open */
		CHECK_INT_EQ(domain_ticket_after_step(t, STEP_COMPLETE, true), TS_RESOLVED);
		CHECK_INT_EQ(domain_ticket_after_step(t, STEP_COMPLETE, false), TS_IN_PROGRESS);
		/* R10, and a cancelled visit: back to scheduling */
		CHECK_INT_EQ(domain_ticket_after_step(t, STEP_ABSENT, false), TS_NEW);
		CHECK_INT_EQ(domain_ticket_after_step(t, STEP_CANCEL, false), TS_NEW);
		/* steps that do not concern the ticket leave it */
		CHECK_INT_EQ(domain_ticket_after_step(t, STEP_PRECALL, false), t);
		CHECK_INT_EQ(domain_ticket_after_step(t, STEP_LATE, false), t);
		CHECK_INT_EQ(domain_ticket_after_step(t, STEP_ESTIMATE, true), t);
		CHECK_INT_EQ(domain_ticket_after_step(t, STEP_CONSENT, true), t);
	}
	/* a cancelled ticket stays cancelled whatever its visits do */
	static const enum visit_step all[] = {STEP_PRECALL,  STEP_DEPART,   STEP_LATE,
					      STEP_ARRIVE,   STEP_ESTIMATE, STEP_CONSENT,
					      STEP_COMPLETE, STEP_ABSENT,   STEP_CANCEL};
	for (size_t i = 0; i < sizeof all / sizeof *all; i++) {
		CHECK_INT_EQ(domain_ticket_after_step(TS_CANCELLED, all[i], true), TS_CANCELLED);
		CHECK_INT_EQ(domain_ticket_after_step(TS_CANCELLED, all[i], false), TS_CANCELLED);
	}
}

static void test_ticket_cancel(void)
{
	enum err_id err = ERR_INTERNAL;
	CHECK(
	    domain_ticket_cancel_ok(false, VS_ON_SITE, &err)); /* no open visit: on_site ignored */
	CHECK(domain_ticket_cancel_ok(true, VS_PROPOSED, &err));
	CHECK(domain_ticket_cancel_ok(true, VS_CONFIRMED, &err));
	CHECK(domain_ticket_cancel_ok(true, VS_EN_ROUTE, &err));
	CHECK_INT_EQ(err, ERR_INTERNAL); /* untouched when allowed */
	/* someone on site: finish the visit first */
	CHECK(!domain_ticket_cancel_ok(true, VS_ON_SITE, &err));
	CHECK_INT_EQ(err, ERR_CONFLICT);
	/* the visits that go with the ticket: not yet on site, not over */
	CHECK(domain_cancelled_with_ticket(VS_PROPOSED));
	CHECK(domain_cancelled_with_ticket(VS_CONFIRMED));
	CHECK(domain_cancelled_with_ticket(VS_EN_ROUTE));
	CHECK(!domain_cancelled_with_ticket(VS_ON_SITE));
	CHECK(!domain_cancelled_with_ticket(VS_COMPLETED));
	CHECK(!domain_cancelled_with_ticket(VS_ABSENT));
	CHECK(!domain_cancelled_with_ticket(VS_CANCELLED));
}

static void test_visit_reassignable(void)
{
	CHECK(domain_visit_reassignable(VS_PROPOSED));
	CHECK(domain_visit_reassignable(VS_CONFIRMED));
	for (int s = VS_EN_ROUTE; s < VS__COUNT; s++)
		CHECK(!domain_visit_reassignable((enum visit_status)s));
}

/* ---- booking ---- */

static struct window_facts window(long start, long len_min, int start_min, int end_min)
{
	return (struct window_facts){.start = start,
				     .end = start + len_min * 60,
				     .start_min = start_min,
				     .end_min = end_min};
}

static void test_window(void)
{
	struct rule_verdict v;
	struct window_facts w = window(1000000, 60, 600, 660); /* 10:00-11:00 */
	CHECK(domain_visit_window(&w, &v));
	CHECK(v.ok);
	CHECK_NULL(v.field);
	w = window(1000000, 600, 480, 1080); /* exactly ten hours */
	CHECK(domain_visit_window(&w, &v));
	w = window(1000000, 630, 480, 1110); /* ten and a half */
	CHECK(!domain_visit_window(&w, &v));
	CHECK_INT_EQ(v.err, ERR_VALIDATION);
	CHECK_STR_EQ(v.field, "end");
	w = window(1000000, 0, 600, 600); /* empty */
	CHECK(!domain_visit_window(&w, &v));
	CHECK_STR_EQ(v.field, "end");
	w = window(1000000, -30, 600, 570); /* backwards */
	CHECK(!domain_visit_window(&w, &v));
	CHECK_STR_EQ(v.field, "end");
	w = window(1000000, 60, 615, 675); /* 10:15: off the grid */
	CHECK(!domain_visit_window(&w, &v));
	CHECK_STR_EQ(v.field, "start");
	CHECK_NOT_NULL(v.detail);
	w = window(1000000, 60, 600, 660);
	w.start_sec = 1; /* 10:00:01 */
	CHECK(!domain_visit_window(&w, &v));
	CHECK_STR_EQ(v.field, "start");
	w = window(1000000, 45, 600, 645); /* ends at 10:45 */
	CHECK(!domain_visit_window(&w, &v));
	CHECK_STR_EQ(v.field, "end");
	CHECK(!v.ok);
}

static struct booking_person engineer(int64_t id, int64_t team_lead)
{
	return (struct booking_person){.id = id, .found = true, .team_lead = team_lead};
}

static struct booking_person lead(int64_t id)
{
	return (struct booking_person){.id = id, .found = true, .is_lead = true};
}

static void test_booking_plain(void)
{
	struct rule_verdict v;
	int64_t out = -1;
	/* an ordinary ticket: the engineer alone */
	struct booking_facts f = {.engineer = engineer(10, 50)};
	CHECK(domain_booking_people(&f, &out, &v));
	CHECK_INT_EQ(out, 0);
	CHECK(v.ok);
	/* with a lead named */
	f.lead_given = true;
	f.lead = lead(50);
	CHECK(domain_booking_people(&f, &out, &v));
	CHECK_INT_EQ(out, 50);
	/* lead_id null: no lead */
	f.lead = (struct booking_person){0};
	CHECK(domain_booking_people(&f, &out, &v));
	CHECK_INT_EQ(out, 0);
}

static void test_booking_refusals(void)
{
	struct rule_verdict v;
	int64_t out = -1;
	/* an engineer who is not an active engineer or lead */
	struct booking_facts f = {.engineer = {.id = 10}};
	CHECK(!domain_booking_people(&f, &out, &v));
	CHECK_INT_EQ(v.err, ERR_VALIDATION);
	CHECK_STR_EQ(v.field, "engineer_id");
	/* a named lead without the lead role, or not active */
	f = (struct booking_facts){
	    .engineer = engineer(10, 0), .lead_given = true, .lead = engineer(11, 0)};
	CHECK(!domain_booking_people(&f, &out, &v));
	CHECK_STR_EQ(v.field, "lead_id");
	f.lead = (struct booking_person){.id = 51};
	CHECK(!domain_booking_people(&f, &out, &v));
	CHECK_STR_EQ(v.field, "lead_id");
	/* the lead is not the engineer */
	f = (struct booking_facts){.engineer = lead(50), .lead_given = true, .lead = lead(50)};
	CHECK(!domain_booking_people(&f, &out, &v));
	CHECK_INT_EQ(v.err, ERR_VALIDATION);
	CHECK_STR_EQ(v.field, "lead_id");
	CHECK_NOT_NULL(strstr(v.detail, "differ"));
	CHECK_INT_EQ(out, 0); /* nothing decided on a refusal */
}

static void test_booking_escalated(void)
{
	struct rule_verdict v;
	int64_t out = -1;
	/* R7/R8: the engineer's own team lead goes along when none is named */
	struct booking_facts f = {.requires_lead = true, .engineer = engineer(10, 50)};
	CHECK(domain_booking_people(&f, &out, &v));
	CHECK_INT_EQ(out, 50);
	/* ... even over a lead the proposal had in mind: the team's own */
	f.lead.id = 52;
	CHECK(domain_booking_people(&f, &out, &v));
	CHECK_INT_EQ(out, 50);
	/* an engineer without a team lead and no lead named: lead_required */
	f = (struct booking_facts){.requires_lead = true, .engineer = engineer(10, 0)};
	CHECK(!domain_booking_people(&f, &out, &v));
	CHECK_INT_EQ(v.err, ERR_LEAD_REQUIRED);
	CHECK_NULL(v.field);
	/* lead_id null on an escalated ticket: lead_required, the team lead is not added */
	f = (struct booking_facts){
	    .requires_lead = true, .engineer = engineer(10, 50), .lead_given = true};
	CHECK(!domain_booking_people(&f, &out, &v));
	CHECK_INT_EQ(v.err, ERR_LEAD_REQUIRED);
	/* a lead may go alone: a lead as the engineer, no second lead */
	f = (struct booking_facts){.requires_lead = true, .engineer = lead(50)};
	f.engineer.team_lead = 50; /* their own team */
	CHECK(domain_booking_people(&f, &out, &v));
	CHECK_INT_EQ(out, 0);
	/* the lead alone, named as lead with no engineer */
	f = (struct booking_facts){.requires_lead = true, .lead_given = true, .lead = lead(50)};
	CHECK(domain_booking_people(&f, &out, &v));
	CHECK_INT_EQ(out, 50);
	/* nobody at all on an escalated ticket */
	f = (struct booking_facts){.requires_lead = true};
	CHECK(!domain_booking_people(&f, &out, &v));
	CHECK_INT_EQ(v.err, ERR_LEAD_REQUIRED);
}

static void test_booking_free(void)
{
	struct rule_verdict v;
	CHECK(domain_booking_free(0, &v));
	CHECK(v.ok);
	CHECK(!domain_booking_free(42, &v));
	CHECK_INT_EQ(v.err, ERR_DOUBLE_BOOKED);
	CHECK_NULL(v.field);
	CHECK_NOT_NULL(v.detail);
}

/* ---- notices ---- */

static void test_escalation_notice(void)
{
	struct notice n;
	/* not escalated: nobody is told */
	domain_notice(NOTE_ESCALATION, &(struct notice_facts){.lead_id = 7}, &n);
	CHECK_INT_EQ(n.to, NOTICE_NOBODY);
	/* the lead proposed for the ticket, by SMS */
	domain_notice(NOTE_ESCALATION, &(struct notice_facts){.requires_lead = true, .lead_id = 7},
		      &n);
	CHECK_INT_EQ(n.to, NOTICE_USER);
	CHECK_INT_EQ(n.user_id, 7);
	CHECK_STR_EQ(n.template_name, "escalation");
	CHECK_STR_EQ(n.channel, "sms");
	/* no lead known yet: every active lead */
	domain_notice(NOTE_ESCALATION, &(struct notice_facts){.requires_lead = true}, &n);
	CHECK_INT_EQ(n.to, NOTICE_EVERY_LEAD);
	CHECK_STR_EQ(n.template_name, "escalation");
	CHECK_STR_EQ(n.channel, "sms");
}

static void test_customer_notices(void)
{
	static const struct {
		enum notice_event ev;
		const char *template_name;
	} cases[] = {
	    {NOTE_DELAY, "delay_notice"},
	    {NOTE_APPOINTMENT_CONFIRMED, "appointment_confirmed"},
	    {NOTE_LATE, "late_notice"},
	    {NOTE_ABSENT, "absent_notice"},
	};
	struct notice n;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		domain_notice(cases[i].ev, &(struct notice_facts){0}, &n);
		CHECK_INT_EQ(n.to, NOTICE_CUSTOMER);
		CHECK_STR_EQ(n.template_name, cases[i].template_name);
		CHECK_NULL(n.channel); /* the customer's preferred channel */
	}
	/* the result only for a resolved visit (R6, R15) */
	domain_notice(NOTE_RESULT, &(struct notice_facts){.resolved = true}, &n);
	CHECK_INT_EQ(n.to, NOTICE_CUSTOMER);
	CHECK_STR_EQ(n.template_name, "result_notice");
	domain_notice(NOTE_RESULT, &(struct notice_facts){.resolved = false}, &n);
	CHECK_INT_EQ(n.to, NOTICE_NOBODY);
	/* a cancelled visit: only once the customer had agreed to it */
	domain_notice(NOTE_VISIT_CANCELLED, &(struct notice_facts){.before = VS_PROPOSED}, &n);
	CHECK_INT_EQ(n.to, NOTICE_NOBODY);
	domain_notice(NOTE_VISIT_CANCELLED, &(struct notice_facts){.before = VS_CONFIRMED}, &n);
	CHECK_INT_EQ(n.to, NOTICE_CUSTOMER);
	CHECK_STR_EQ(n.template_name, "visit_cancelled");
	domain_notice(NOTE_VISIT_CANCELLED, &(struct notice_facts){.before = VS_EN_ROUTE}, &n);
	CHECK_INT_EQ(n.to, NOTICE_CUSTOMER);
}

/* ---- the booking side of the proposal ---- */

static void test_working_hours_defaults(void)
{
	struct dsp_person p = {0};
	dsp_working_hours(&p, -1, -1, 0);
	CHECK_INT_EQ(p.work_start_min, 9 * 60);
	CHECK_INT_EQ(p.work_end_min, 18 * 60);
	CHECK_INT_EQ(p.work_days, 0x3e); /* Monday to Friday */
	dsp_working_hours(&p, 7 * 60, 16 * 60, 1u << 6 | 1u << 7);
	CHECK_INT_EQ(p.work_start_min, 7 * 60);
	CHECK_INT_EQ(p.work_end_min, 16 * 60);
	CHECK_INT_EQ(p.work_days, 0xc0);
	dsp_working_hours(&p, 0, -1, 0); /* midnight is a start of its own */
	CHECK_INT_EQ(p.work_start_min, 0);
	CHECK_INT_EQ(p.work_end_min, 18 * 60);
}

static void test_propose_named(void)
{
	/* a Monday 2026-11-23 08:00 in UTC; everyone works every day, all day */
	struct dsp_person people[3];
	for (int i = 0; i < 3; i++) {
		people[i] = (struct dsp_person){.id = i + 1};
		dsp_working_hours(&people[i], 0, 24 * 60, 0xfe);
	}
	people[0].skills = 1u; /* kind 0 */
	people[1].skills = 0;  /* not skilled */
	people[2].is_lead = true;
	struct dsp_request rq = {.now = 1795420800,
				 .due_at = 1795420800 + 86400,
				 .kind = 0,
				 .duration_min = 60,
				 .grid_min = 30,
				 .lead_time_min = 0,
				 .horizon_days = 2};
	struct dsp_proposal p;
	/* the named engineer goes whatever their listed skills */
	dsp_propose_named(&rq, 2, people, 3, &p);
	CHECK(p.found);
	CHECK_INT_EQ(p.engineer_id, 2);
	/* only the named engineer (and the leads) are looked at */
	CHECK_INT_EQ(rq.npeople, 2);
	/* a lead named as the engineer goes as the engineer */
	for (int i = 0; i < 3; i++) {
		people[i] = (struct dsp_person){.id = i + 1, .skills = i == 0 ? 1u : 0};
		dsp_working_hours(&people[i], 0, 24 * 60, 0xfe);
	}
	people[2].is_lead = true;
	dsp_propose_named(&rq, 3, people, 3, &p);
	CHECK(p.found);
	CHECK_INT_EQ(p.engineer_id, 3);
	/* nobody named: the skilled one */
	for (int i = 0; i < 3; i++) {
		people[i] = (struct dsp_person){.id = i + 1, .skills = i == 0 ? 1u : 0};
		dsp_working_hours(&people[i], 0, 24 * 60, 0xfe);
	}
	dsp_propose_named(&rq, 0, people, 3, &p);
	CHECK(p.found);
	CHECK_INT_EQ(p.engineer_id, 1);
	CHECK_INT_EQ(rq.npeople, 3);
	/* an unknown kind proposes nothing */
	rq.kind = -1;
	dsp_propose_named(&rq, 0, people, 3, &p);
	CHECK(!p.found);
}

static void test_request_for(void)
{
	struct dsp_request rq;
	time_t from, to, now = 1795420800;
	/* free choice: an hour on the grid, 30 minutes ahead, 14 days when nothing fits */
	dsp_request_for(now, now + 8 * 3600, domain_device_kinds[1], true, 0, 0, &rq, &from, &to);
	CHECK_INT_EQ(rq.now, now);
	CHECK_INT_EQ(rq.due_at, now + 8 * 3600);
	CHECK_INT_EQ(rq.kind, 1);
	CHECK(rq.requires_lead);
	CHECK_INT_EQ(rq.duration_min, VISIT_DEFAULT_MIN);
	CHECK_INT_EQ(rq.grid_min, VISIT_GRID_MIN);
	CHECK_INT_EQ(rq.lead_time_min, 30);
	CHECK_INT_EQ(rq.horizon_days, 14);
	CHECK_INT_EQ(from, now - 86400);
	CHECK_INT_EQ(to, now + 15 * 86400L);
	/* a fixed window: exactly it, however long, and nothing beyond */
	time_t s = now + 3 * 86400, e = s + 150 * 60;
	dsp_request_for(now, now + 8 * 3600, "toaster", false, s, e, &rq, &from, &to);
	CHECK_INT_EQ(rq.kind, -1);
	CHECK_INT_EQ(rq.now, s);
	CHECK_INT_EQ(rq.due_at, e);
	CHECK_INT_EQ(rq.duration_min, 150);
	CHECK_INT_EQ(rq.lead_time_min, 0);
	CHECK_INT_EQ(rq.horizon_days, 0);
	CHECK_INT_EQ(from, now - 86400); /* the busy time from before now on */
	CHECK_INT_EQ(to, s + 15 * 86400L);
	/* a window in the past reaches back to it */
	dsp_request_for(now, 0, NULL, false, now - 2 * 86400, now - 2 * 86400 + 3600, &rq, &from,
			&to);
	CHECK_INT_EQ(from, now - 3 * 86400);
	/* kinds by index */
	for (int i = 0; domain_device_kinds[i]; i++)
		CHECK_INT_EQ(dsp_kind_index(domain_device_kinds[i]), i);
	CHECK_INT_EQ(dsp_kind_index(NULL), -1);
	CHECK_INT_EQ(dsp_kind_index(""), -1);
}

static void test_due_at(void)
{
	/* R11: hours after the transaction's now(), rounded to the second as PostgreSQL does */
	CHECK_INT_EQ(domain_due_at(1000000000LL * 1000000, 4), 1000000000LL + 4 * 3600);
	CHECK_INT_EQ(domain_due_at(1000000000LL * 1000000 + 499999, 8), 1000000000LL + 8 * 3600);
	CHECK_INT_EQ(domain_due_at(1000000000LL * 1000000 + 500000, 8),
		     1000000000LL + 8 * 3600 + 1);
	CHECK_INT_EQ(domain_due_at(1000000000LL * 1000000, 72), 1000000000LL + 72 * 3600);
}

int main(void)
{
	CHECK_RUN(test_status_words_round_trip);
	CHECK_RUN(test_ticket_open);
	CHECK_RUN(test_ticket_after_booking);
	CHECK_RUN(test_ticket_after_step);
	CHECK_RUN(test_ticket_cancel);
	CHECK_RUN(test_visit_reassignable);
	CHECK_RUN(test_window);
	CHECK_RUN(test_booking_plain);
	CHECK_RUN(test_booking_refusals);
	CHECK_RUN(test_booking_escalated);
	CHECK_RUN(test_booking_free);
	CHECK_RUN(test_escalation_notice);
	CHECK_RUN(test_customer_notices);
	CHECK_RUN(test_working_hours_defaults);
	CHECK_RUN(test_propose_named);
	CHECK_RUN(test_request_for);
	CHECK_RUN(test_due_at);
	return CHECK_DONE();
}
