/*
 * Unit tests for complaints (R13) and work plans (R12): every step in every
 * status of both state machines, the resolve rules (default voucher, training
 * names staff), who decides and who writes a plan, and the survey threshold.
 */
#include "check.h"
#include "fieldd/cases.h"
#include "verdict.h"

#include <string.h>

static const char *const cstatuses[] = {"received", "analysed", "resolved", "notified", "closed"};

/* The status a word names (each word of the tables here is one). */
static enum complaint_status cs(const char *word)
{
	enum complaint_status s = CS__COUNT;
	if (!CHECK(domain_complaint_status_parse(word, &s)))
		fprintf(stderr, "	not a complaint status: %s\n", word);
	return s;
}

static enum plan_status ps(const char *word)
{
	enum plan_status s = PS__COUNT;
	if (!CHECK(domain_plan_status_parse(word, &s)))
		fprintf(stderr, "	not a plan status: %s\n", word);
	return s;
}

/* Each complaint step is allowed in exactly one status and moves to the next. */
static void test_complaint_matrix(void)
{
	static const enum complaint_step steps[] = {CSTEP_ANALYSE, CSTEP_RESOLVE, CSTEP_NOTIFY,
						    CSTEP_FEEDBACK};
	for (int s = 0; s < 4; s++)
		for (int st = 0; st < 5; st++) {
			struct case_verdict v;
			domain_complaint_step(steps[s], cs(cstatuses[st]), &v);
			if (st == s) {
				if (!CHECK_INT_EQ(verdict_status_of(v.ok, v.err), 0))
					fprintf(stderr, "\tstep %d in %s\n", s, cstatuses[st]);
				CHECK_STR_EQ(domain_complaint_status_name(v.next.complaint),
					     cstatuses[st + 1]);
				CHECK_NULL(verdict_code_of(v.ok, v.err));
			} else {
				if (!CHECK_INT_EQ(verdict_status_of(v.ok, v.err), 409))
					fprintf(stderr, "\tstep %d in %s\n", s, cstatuses[st]);
				CHECK_STR_EQ(verdict_code_of(v.ok, v.err), "step_out_of_order");
				CHECK_NOT_NULL(v.detail);
			}
		}
	struct case_verdict v;
	enum complaint_status unknown;
	CHECK(!domain_complaint_status_parse("open", &unknown));
	CHECK(!domain_complaint_status_parse(NULL, &unknown));
	CHECK_STR_EQ(domain_complaint_status_name(CS__COUNT), "unknown");
	domain_complaint_step((enum complaint_step)99, CS_RECEIVED, &v);
	CHECK_INT_EQ(verdict_status_of(v.ok, v.err), 409);
	CHECK_STR_EQ(domain_complaint_step_name(CSTEP_ANALYSE), "analyse");
	CHECK_STR_EQ(domain_complaint_step_name(CSTEP_RESOLVE), "resolve");
	CHECK_STR_EQ(domain_complaint_step_name(CSTEP_NOTIFY), "notify");
	CHECK_STR_EQ(domain_complaint_step_name(CSTEP_FEEDBACK), "feedback");
	int n = 0;
	while (domain_complaint_statuses[n])
		n++;
	CHECK_INT_EQ(n, 5);
}

/* The five steps in order take a complaint from received to closed. */
static void test_complaint_walk(void)
{
	enum complaint_status st = cs("received");
	for (int s = CSTEP_ANALYSE; s <= CSTEP_FEEDBACK; s++) {
		struct case_verdict v;
		domain_complaint_step((enum complaint_step)s, st, &v);
		CHECK_INT_EQ(verdict_status_of(v.ok, v.err), 0);
		st = v.next.complaint;
	}
	CHECK_STR_EQ(domain_complaint_status_name(st), "closed");
}

static void test_complaint_resolve(void)
{
	struct case_verdict v;
	const char *field;
	/* a voucher without an amount: the charter's 10,000 KRW */
	struct complaint_resolution r = {.compensation = true, .comp_kind = "voucher"};
	domain_complaint_resolve(&r, &v, &field);
	CHECK_INT_EQ(verdict_status_of(v.ok, v.err), 0);
	CHECK_INT_EQ(r.comp_amount_krw, 10000);
	CHECK_INT_EQ(DOMAIN_COMPENSATION_DEFAULT_KRW, 10000);
	CHECK_NULL(field);
	/* an amount given is kept */
	r = (struct complaint_resolution){.compensation = true,
					  .comp_kind = "voucher",
					  .comp_amount_given = true,
					  .comp_amount_krw = 30000};
	domain_complaint_resolve(&r, &v, &field);
	CHECK_INT_EQ(r.comp_amount_krw, 30000);
	/* no compensation: no amount */
	r = (struct complaint_resolution){.comp_amount_krw = 5};
	domain_complaint_resolve(&r, &v, &field);
	CHECK_INT_EQ(verdict_status_of(v.ok, v.err), 0);
	CHECK_INT_EQ(r.comp_amount_krw, 0);
	/* training names somebody */
	r = (struct complaint_resolution){.training_required = true, .nstaff = 0};
	domain_complaint_resolve(&r, &v, &field);
	CHECK_INT_EQ(verdict_status_of(v.ok, v.err), 422);
	CHECK_STR_EQ(verdict_code_of(v.ok, v.err), "training_staff_required");
	CHECK_STR_EQ(field, "staff_ids");
	r = (struct complaint_resolution){.training_required = true, .nstaff = 2};
	domain_complaint_resolve(&r, &v, &field);
	CHECK_INT_EQ(verdict_status_of(v.ok, v.err), 0);
	CHECK_STR_EQ(domain_complaint_status_name(v.next.complaint), "resolved");
	/* staff may be named without training */
	r = (struct complaint_resolution){.training_required = false, .nstaff = 1};
	domain_complaint_resolve(&r, &v, &field);
	CHECK_INT_EQ(verdict_status_of(v.ok, v.err), 0);
}

static void test_survey_threshold(void)
{
	CHECK(domain_survey_opens_complaint(1));
	CHECK(domain_survey_opens_complaint(2));
	CHECK(!domain_survey_opens_complaint(3));
	CHECK(!domain_survey_opens_complaint(5));
	CHECK(!domain_survey_opens_complaint(0));
}

static const char *const pstatuses[] = {"draft",    "submitted",   "approved",
					"rejected", "in_progress", "completed"};

static void test_plan_matrix(void)
{
	/* allowed[step][status] = the next status, NULL when refused */
	static const char *const next[5][6] = {
	    /* draft, submitted, approved, rejected, in_progress, completed */
	    [PSTEP_SUBMIT] = {"submitted", NULL, NULL, "submitted", NULL, NULL},
	    [PSTEP_APPROVE] = {NULL, "approved", NULL, NULL, NULL, NULL},
	    [PSTEP_REJECT] = {NULL, "rejected", NULL, NULL, NULL, NULL},
	    [PSTEP_START] = {NULL, NULL, "in_progress", NULL, NULL, NULL},
	    [PSTEP_COMPLETE] = {NULL, NULL, NULL, NULL, "completed", NULL},
	};
	for (int s = 0; s < 5; s++)
		for (int st = 0; st < 6; st++) {
			struct case_verdict v;
			domain_plan_step((enum plan_step)s, ps(pstatuses[st]), &v);
			if (next[s][st]) {
				if (!CHECK_INT_EQ(verdict_status_of(v.ok, v.err), 0))
					fprintf(stderr, "\tstep %d in %s\n", s, pstatuses[st]);
				CHECK_STR_EQ(domain_plan_status_name(v.next.plan), next[s][st]);
				continue;
			}
			if (!CHECK_INT_EQ(verdict_status_of(v.ok, v.err), 409))
				fprintf(stderr, "\tstep %d in %s\n", s, pstatuses[st]);
			/* R12: starting an unapproved plan has its own code */
			bool unapproved = s == PSTEP_START && (st == 0 || st == 1 || st == 3);
			CHECK_STR_EQ(verdict_code_of(v.ok, v.err),
				     unapproved ? "plan_not_approved" : "step_out_of_order");
		}
	CHECK_STR_EQ(domain_plan_step_name(PSTEP_SUBMIT), "submit");
	CHECK_STR_EQ(domain_plan_step_name(PSTEP_APPROVE), "approve");
	CHECK_STR_EQ(domain_plan_step_name(PSTEP_REJECT), "reject");
	CHECK_STR_EQ(domain_plan_step_name(PSTEP_START), "start");
	CHECK_STR_EQ(domain_plan_step_name(PSTEP_COMPLETE), "complete");
	CHECK(domain_plan_open(ps("draft")));
	CHECK(domain_plan_open(ps("in_progress")));
	CHECK(!domain_plan_open(ps("completed")));
	enum plan_status unknown;
	CHECK(!domain_plan_status_parse("done", &unknown));
	CHECK(!domain_plan_status_parse(NULL, &unknown));
	struct case_verdict v;
	domain_plan_step(PSTEP_SUBMIT, PS__COUNT, &v);
	CHECK_INT_EQ(verdict_status_of(v.ok, v.err), 409);
}

/* draft -> submitted -> rejected -> submitted -> approved -> in_progress -> completed */
static void test_plan_walk(void)
{
	static const enum plan_step walk[] = {PSTEP_SUBMIT,  PSTEP_REJECT, PSTEP_SUBMIT,
					      PSTEP_APPROVE, PSTEP_START,  PSTEP_COMPLETE};
	enum plan_status st = ps("draft");
	for (size_t i = 0; i < sizeof walk / sizeof walk[0]; i++) {
		struct case_verdict v;
		domain_plan_step(walk[i], st, &v);
		CHECK_INT_EQ(verdict_status_of(v.ok, v.err), 0);
		st = v.next.plan;
	}
	CHECK_STR_EQ(domain_plan_status_name(st), "completed");
}

static void test_plan_who(void)
{
	/* team 7 led by user 70; user 71 a lead in team 7; user 80 leads team 8 */
	CHECK(domain_plan_may_decide("admin", 1, 0, 7, 70));
	CHECK(domain_plan_may_decide("lead", 70, 0, 7, 70));
	CHECK(domain_plan_may_decide("lead", 71, 7, 7, 70));
	CHECK(!domain_plan_may_decide("lead", 80, 8, 7, 70));
	CHECK(!domain_plan_may_decide("lead", 80, 0, 7, 70));
	CHECK(!domain_plan_may_decide("dispatcher", 2, 0, 7, 70));
	CHECK(!domain_plan_may_decide("engineer", 3, 7, 7, 70));
	CHECK(!domain_plan_may_decide(NULL, 3, 7, 7, 70));

	CHECK(domain_plan_may_write_for("admin", 1, 0, 7, 70));
	CHECK(domain_plan_may_write_for("dispatcher", 2, 0, 7, 70));
	CHECK(domain_plan_may_write_for("lead", 70, 0, 7, 70));
	CHECK(domain_plan_may_write_for("lead", 71, 7, 7, 70));
	CHECK(!domain_plan_may_write_for("lead", 80, 8, 7, 70));
	CHECK(!domain_plan_may_write_for("engineer", 3, 7, 7, 70));
	CHECK(!domain_plan_may_write_for(NULL, 3, 7, 7, 70));
}

int main(void)
{
	CHECK_RUN(test_complaint_matrix);
	CHECK_RUN(test_complaint_walk);
	CHECK_RUN(test_complaint_resolve);
	CHECK_RUN(test_survey_threshold);
	CHECK_RUN(test_plan_matrix);
	CHECK_RUN(test_plan_walk);
	CHECK_RUN(test_plan_who);
	return CHECK_DONE();
}
