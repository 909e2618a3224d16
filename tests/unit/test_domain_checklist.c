/*
 * Unit tests for the checklist rules (server/domain/checklist.c, R9): what a
 * valid answer is for every item type, required against optional items, what
 * a sound item definition is, who may change a completed run; and where the
 * checklist gate sits among the completion rules of the visit state machine
 * (server/domain/visit_fsm.c).
 */
#include "check.h"
#include "verdict.h"
#include "fieldd/domain.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

/* ---- helpers ----------------------------------------------------------------------------- */

static struct ck_item item(const char *type, bool required)
{
	struct ck_item it;
	memset(&it, 0, sizeof it);
	it.key = "k";
	it.type = type;
	it.required = required;
	return it;
}

static struct ck_item number(bool required, bool has_min, double min, bool has_max, double max)
{
	struct ck_item it = item("number", required);
	it.has_min = has_min;
	it.min = min;
	it.has_max = has_max;
	it.max = max;
	return it;
}

static const char *const smart_options[] = {"양호", "주의", "불량"};

static struct ck_item choice(bool required)
{
	struct ck_item it = item("choice", required);
	it.options = smart_options;
	it.noptions = 3;
	return it;
}

static struct ck_value none(void)
{
	struct ck_value v = {CKV_NONE, false, 0, NULL};
	return v;
}

static struct ck_value null_v(void)
{
	struct ck_value v = {CKV_NULL, false, 0, NULL};
	return v;
}

static struct ck_value other(void)
{
	struct ck_value v = {CKV_OTHER, false, 0, NULL};
	return v;
}

static struct ck_value b(bool x)
{
	struct ck_value v = {CKV_BOOL, x, 0, NULL};
	return v;
}

static struct ck_value n(double x)
{
	struct ck_value v = {CKV_NUMBER, false, x, NULL};
	return v;
}

static struct ck_value s(const char *x)
{
	struct ck_value v = {CKV_STRING, false, 0, x};
	return v;
}

/* The verdict on one answer: NULL (valid) or the message. */
static const char *answer(struct ck_item it, struct ck_value v)
{
	return domain_checklist_answer(&it, &v);
}

/* ---- answers by type --------------------------------------------------------------------- */

static void test_check_item(void)
{
	struct ck_item it = item("check", true);
	CHECK_NULL(answer(it, b(true)));
	CHECK_NULL(answer(it, b(false))); /* "not done" is an answer too */
	CHECK_STR_EQ(answer(it, s("true")), "must be true or false");
	CHECK_STR_EQ(answer(it, n(1)), "must be true or false");
	CHECK_STR_EQ(answer(it, n(0)), "must be true or false");
	CHECK_STR_EQ(answer(it, s("pass")), "must be true or false");
	CHECK_STR_EQ(answer(it, other()), "must be true or false");
}

static void test_pass_fail_item(void)
{
	struct ck_item it = item("pass_fail", true);
	CHECK_NULL(answer(it, s("pass")));
	CHECK_NULL(answer(it, s("fail")));
	static const char *const bad[] = {"PASS",   "Fail", "",	     " pass", "pass ", "ok",
					  "passed", "합격", "failx", "pas",   NULL};
	for (const char *const *p = bad; *p; p++)
		if (!CHECK_STR_EQ(answer(it, s(*p)), "must be \"pass\" or \"fail\""))
			fprintf(stderr, "\tvalue: \"%s\"\n", *p);
	CHECK_STR_EQ(answer(it, b(true)), "must be \"pass\" or \"fail\"");
	CHECK_STR_EQ(answer(it, n(1)), "must be \"pass\" or \"fail\"");
	CHECK_STR_EQ(answer(it, other()), "must be \"pass\" or \"fail\"");
}

static void test_number_item_limits(void)
{
	/* disk_free: 0..100 % */
	struct ck_item it = number(true, true, 0, true, 100);
	CHECK_NULL(answer(it, n(0)));	/* the minimum itself */
	CHECK_NULL(answer(it, n(100))); /* the maximum itself */
	CHECK_NULL(answer(it, n(42.5)));
	CHECK_STR_EQ(answer(it, n(-0.001)), "is below the item's minimum");
	CHECK_STR_EQ(answer(it, n(-1)), "is below the item's minimum");
	CHECK_STR_EQ(answer(it, n(100.0001)), "is above the item's maximum");
	CHECK_STR_EQ(answer(it, n(1e9)), "is above the item's maximum");
	CHECK_NULL(answer(it, n(-0.0))); /* -0 == 0 */

	/* a negative range (temperature, -10..90) */
	it = number(false, true, -10, true, 90);
	CHECK_NULL(answer(it, n(-10)));
	CHECK_NULL(answer(it, n(90)));
	CHECK_STR_EQ(answer(it, n(-10.5)), "is below the item's minimum");
	CHECK_STR_EQ(answer(it, n(90.5)), "is above the item's maximum");

	/* only a minimum (page count >= 0) */
	it = number(false, true, 0, false, 0);
	CHECK_NULL(answer(it, n(0)));
	CHECK_NULL(answer(it, n(1e12)));
	CHECK_STR_EQ(answer(it, n(-1)), "is below the item's minimum");

	/* only a maximum: an unset min of 0 does not count */
	it = number(true, false, 0, true, 10);
	CHECK_NULL(answer(it, n(-1000)));
	CHECK_NULL(answer(it, n(10)));
	CHECK_STR_EQ(answer(it, n(10.01)), "is above the item's maximum");

	/* no limits at all: an unset max of 0 does not count either */
	it = number(true, false, 0, false, 0);
	CHECK_NULL(answer(it, n(-1e300)));
	CHECK_NULL(answer(it, n(1e300)));

	/* min == max: exactly one value */
	it = number(true, true, 7, true, 7);
	CHECK_NULL(answer(it, n(7)));
	CHECK_NOT_NULL(answer(it, n(6.999)));
	CHECK_NOT_NULL(answer(it, n(7.001)));
}

static void test_number_item_refuses_non_numbers(void)
{
	struct ck_item limited = number(true, true, 0, true, 100);
	struct ck_item open = number(true, false, 0, false, 0);
	const struct ck_item *items[] = {&limited, &open};
	for (size_t i = 0; i < 2; i++) {
		CHECK_STR_EQ(answer(*items[i], n(NAN)), "must be a number");
		CHECK_STR_EQ(answer(*items[i], n(-NAN)), "must be a number");
		CHECK_STR_EQ(answer(*items[i], n(INFINITY)), "must be a number");
		CHECK_STR_EQ(answer(*items[i], n(-INFINITY)), "must be a number");
		CHECK_STR_EQ(answer(*items[i], s("5")), "must be a number");
		CHECK_STR_EQ(answer(*items[i], s("")), "must be a number");
		CHECK_STR_EQ(answer(*items[i], b(true)), "must be a number");
		CHECK_STR_EQ(answer(*items[i], other()), "must be a number");
	}
}

static void test_text_item(void)
{
	struct ck_item req = item("text", true), opt = item("text", false);
	CHECK_NULL(answer(req, s("2026-11-01")));
	CHECK_NULL(answer(req, s("확인")));
	CHECK_NULL(answer(req, s("  a  "))); /* something beside the blanks */
	static const char *const blank[] = {"", " ", "\t", "\r\n", " \t\r\n ", NULL};
	for (const char *const *p = blank; *p; p++) {
		if (!CHECK_STR_EQ(answer(req, s(*p)), "must not be empty"))
			fprintf(stderr, "\tvalue: \"%s\"\n", *p);
		/* an optional text may be left blank */
		if (!CHECK_NULL(answer(opt, s(*p))))
			fprintf(stderr, "\tvalue: \"%s\"\n", *p);
	}
	/* at most 2000 bytes, counted in bytes (Korean is 3 bytes a character) */
	char buf[2100];
	memset(buf, 'x', sizeof buf);
	buf[2000] = '\0';
	CHECK_NULL(answer(req, s(buf)));
	CHECK_NULL(answer(opt, s(buf)));
	buf[2000] = 'x';
	buf[2001] = '\0';
	CHECK_STR_EQ(answer(req, s(buf)), "must be at most 2000 bytes");
	CHECK_STR_EQ(answer(opt, s(buf)), "must be at most 2000 bytes");
	size_t o = 0;
	for (int i = 0; i < 667; i++, o += 3)
		memcpy(buf + o, "가", 3); /* 2001 bytes, 667 characters */
	buf[o] = '\0';
	CHECK_STR_EQ(answer(req, s(buf)), "must be at most 2000 bytes");
	/* non-strings */
	CHECK_STR_EQ(answer(req, n(1)), "must be text");
	CHECK_STR_EQ(answer(req, b(true)), "must be text");
	CHECK_STR_EQ(answer(opt, other()), "must be text");
}

static void test_choice_item(void)
{
	struct ck_item it = choice(true);
	CHECK_NULL(answer(it, s("양호")));
	CHECK_NULL(answer(it, s("주의")));
	CHECK_NULL(answer(it, s("불량"))); /* the last option too */
	static const char *const bad[] = {"", "양호 ", " 양호", "good", "양", "양호주의", NULL};
	for (const char *const *p = bad; *p; p++)
		if (!CHECK_STR_EQ(answer(it, s(*p)), "must be one of the item's options"))
			fprintf(stderr, "\tvalue: \"%s\"\n", *p);
	CHECK_STR_EQ(answer(it, n(0)), "must be one of the item's options"); /* not an index */
	CHECK_STR_EQ(answer(it, b(true)), "must be one of the item's options");
	CHECK_STR_EQ(answer(it, other()), "must be one of the item's options");

	static const char *const latin[] = {"good", "Good"};
	it.options = latin;
	it.noptions = 2;
	CHECK_NULL(answer(it, s("Good")));
	CHECK_NULL(answer(it, s("good")));
	CHECK_NOT_NULL(answer(it, s("GOOD"))); /* exact, case and all */
}

static void test_required_and_optional(void)
{
	static const char *const types[] = {"check", "pass_fail", "number", "text", "choice"};
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		bool is_choice = !strcmp(types[i], "choice");
		struct ck_item req = is_choice ? choice(true) : item(types[i], true);
		struct ck_item opt = is_choice ? choice(false) : item(types[i], false);
		/* no answer, or an explicit null */
		if (!CHECK_STR_EQ(answer(req, none()), "is required") ||
		    !CHECK_STR_EQ(answer(req, null_v()), "is required") ||
		    !CHECK_NULL(answer(opt, none())) || !CHECK_NULL(answer(opt, null_v())))
			fprintf(stderr, "\ttype: %s\n", types[i]);
		/* a wrong JSON type (an array, an object) is never an answer */
		if (!CHECK_NOT_NULL(answer(req, other())) || !CHECK_NOT_NULL(answer(opt, other())))
			fprintf(stderr, "\ttype: %s\n", types[i]);
	}
	/* an optional item that is answered is checked all the same */
	CHECK_NOT_NULL(answer(item("check", false), s("yes")));
	CHECK_NOT_NULL(answer(item("pass_fail", false), s("ok")));
	CHECK_NOT_NULL(answer(number(false, true, 0, true, 1), n(2)));
	CHECK_NOT_NULL(answer(choice(false), s("x")));
}

static void test_unknown_type_answer(void)
{
	CHECK_STR_EQ(answer(item("yes_no", false), b(true)), "has an unknown type");
	CHECK_STR_EQ(answer(item("CHECK", true), b(true)), "has an unknown type");
	/* nothing to judge when there is no answer */
	CHECK_NULL(answer(item("yes_no", false), none()));
}

/* ---- item definitions -------------------------------------------------------------------- */

static void test_item_sound(void)
{
	struct ck_item it = item("check", true);
	it.key = "power_boot";
	CHECK_NULL(domain_checklist_item(&it));
	it.type = "pass_fail";
	CHECK_NULL(domain_checklist_item(&it));
	it.type = "text";
	CHECK_NULL(domain_checklist_item(&it));
	it = number(true, true, 0, true, 100);
	CHECK_NULL(domain_checklist_item(&it));
	it = number(true, true, 5, true, 5); /* min == max */
	CHECK_NULL(domain_checklist_item(&it));
	it = number(true, true, -10, false, 0);
	CHECK_NULL(domain_checklist_item(&it));
	it = number(true, false, 0, true, -10);
	CHECK_NULL(domain_checklist_item(&it));
	it = number(true, false, 0, false, 0);
	CHECK_NULL(domain_checklist_item(&it));
	it = choice(true);
	CHECK_NULL(domain_checklist_item(&it));
	it.noptions = 2;
	CHECK_NULL(domain_checklist_item(&it));
	/* every listed type makes a sound item */
	int ntypes = 0;
	for (; domain_checklist_types[ntypes]; ntypes++) {
		it = !strcmp(domain_checklist_types[ntypes], "choice")
			 ? choice(false)
			 : item(domain_checklist_types[ntypes], false);
		CHECK_NULL(domain_checklist_item(&it));
	}
	CHECK_INT_EQ(ntypes, 5);
}

static void test_item_key(void)
{
	static const char *const good[] = {"a",	 "power_boot", "av_definitions", "a1",
					   "x_", "a__b",       "z9_9",		 NULL};
	static const char *const bad[] = {"",	 "1abc", "_a",	 "Abc",	 "aBc", "a-b",
					  "a b", "a.b",	 "key!", "é",	 "aé",	"점검",
					  " a",	 "a ",	 "a\tb", "a\nb", NULL};
	struct ck_item it = item("check", true);
	for (const char *const *p = good; *p; p++) {
		it.key = *p;
		if (!CHECK_NULL(domain_checklist_item(&it)))
			fprintf(stderr, "\tkey: \"%s\"\n", *p);
	}
	for (const char *const *p = bad; *p; p++) {
		it.key = *p;
		if (!CHECK_NOT_NULL(domain_checklist_item(&it)))
			fprintf(stderr, "\tkey: \"%s\"\n", *p);
	}
	it.key = NULL;
	CHECK_STR_EQ(domain_checklist_item(&it),
		     "key must start with a-z and be at most 48 characters");
	it.key = "9lives";
	CHECK_STR_EQ(domain_checklist_item(&it),
		     "key must start with a-z and be at most 48 characters");
	it.key = "a-b";
	CHECK_STR_EQ(domain_checklist_item(&it), "key may hold only a-z, 0-9 and _");
	/* 48 characters at most (the database's CHECK says the same) */
	char k[60];
	memset(k, 'k', sizeof k);
	k[48] = '\0';
	it.key = k;
	CHECK_NULL(domain_checklist_item(&it));
	k[48] = 'k';
	k[49] = '\0';
	CHECK_STR_EQ(domain_checklist_item(&it),
		     "key must start with a-z and be at most 48 characters");
}

static void test_item_type(void)
{
	static const char *const bad[] = {"",	     "yes_no", "Check", "PASS_FAIL",
					  "numbers", "date",   NULL};
	struct ck_item it = item("check", true);
	for (const char *const *p = bad; *p; p++) {
		it.type = *p;
		if (!CHECK_STR_EQ(domain_checklist_item(&it),
				  "type must be check, pass_fail, number, text or choice"))
			fprintf(stderr, "\ttype: \"%s\"\n", *p);
	}
}

static void test_item_limits(void)
{
	struct ck_item it = number(true, true, 10, true, 9.999);
	CHECK_STR_EQ(domain_checklist_item(&it), "min must not exceed max");
	it = number(true, true, 0, true, -1);
	CHECK_STR_EQ(domain_checklist_item(&it), "min must not exceed max");
	/* min and max belong to number items only, each on its own */
	static const char *const others[] = {"check", "pass_fail", "text", "choice"};
	for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
		it = !strcmp(others[i], "choice") ? choice(true) : item(others[i], true);
		it.has_min = true;
		if (!CHECK_STR_EQ(domain_checklist_item(&it), "min and max belong to number items"))
			fprintf(stderr, "\ttype: %s (min)\n", others[i]);
		it.has_min = false;
		it.has_max = true;
		it.max = 5;
		if (!CHECK_STR_EQ(domain_checklist_item(&it), "min and max belong to number items"))
			fprintf(stderr, "\ttype: %s (max)\n", others[i]);
	}
}

static void test_item_options(void)
{
	static const char *const two[] = {"양호", "불량"};
	static const char *const one[] = {"양호"};
	static const char *const dup[] = {"양호", "주의", "양호"};
	static const char *const dup_adjacent[] = {"a", "a"};
	static const char *const cased[] = {"a", "A"};
	/* options belong to choice items only */
	static const char *const others[] = {"check", "pass_fail", "number", "text"};
	for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
		struct ck_item it = item(others[i], true);
		it.options = two;
		it.noptions = 2;
		if (!CHECK_STR_EQ(domain_checklist_item(&it), "options belong to choice items"))
			fprintf(stderr, "\ttype: %s\n", others[i]);
	}
	struct ck_item it = item("choice", true);
	CHECK_STR_EQ(domain_checklist_item(&it), "a choice item needs at least two options");
	it.options = one;
	it.noptions = 1;
	CHECK_STR_EQ(domain_checklist_item(&it), "a choice item needs at least two options");
	it.options = two;
	it.noptions = 2;
	CHECK_NULL(domain_checklist_item(&it));
	it.options = dup;
	it.noptions = 3;
	CHECK_STR_EQ(domain_checklist_item(&it), "options must differ");
	it.options = dup_adjacent;
	it.noptions = 2;
	CHECK_STR_EQ(domain_checklist_item(&it), "options must differ");
	it.options = cased;
	CHECK_NULL(domain_checklist_item(&it)); /* different strings */
}

static void test_seeded_items_are_sound(void)
{
	/* the shapes migration 0003 seeds: each must pass the same rules an admin's would */
	static const char *const print_quality[] = {"양호", "번짐", "줄무늬", "흐림"};
	struct ck_item it = number(true, true, 1, true, 1024);
	it.key = "memory";
	CHECK_NULL(domain_checklist_item(&it));
	it = number(false, true, -10, true, 90);
	it.key = "temperature";
	CHECK_NULL(domain_checklist_item(&it));
	it = number(false, true, 0, false, 0);
	it.key = "page_count";
	CHECK_NULL(domain_checklist_item(&it));
	it = item("choice", true);
	it.key = "print_quality";
	it.options = print_quality;
	it.noptions = 4;
	CHECK_NULL(domain_checklist_item(&it));
	CHECK_NULL(answer(it, s("줄무늬")));
	it.key = "backup_confirmed";
	CHECK_NULL(domain_checklist_item(&it));
}

/* The field at fault, for validation errors such as items[2].key. */
static const char *fault_field(struct ck_item it)
{
	const char *field = "unset";
	domain_checklist_item_field(&it, &field);
	return field;
}

static void test_item_field_at_fault(void)
{
	static const char *const one[] = {"a"}, *const dup[] = {"a", "b", "a"};
	struct ck_item it = item("check", true);
	CHECK_NULL(fault_field(it));
	CHECK_NULL(domain_checklist_item_field(&it, NULL)); /* field may be NULL */
	it.key = "Bad";
	CHECK_STR_EQ(fault_field(it), "key");
	CHECK_NOT_NULL(domain_checklist_item_field(&it, NULL));
	it.key = "a-b";
	CHECK_STR_EQ(fault_field(it), "key");
	it = item("yes_no", true);
	CHECK_STR_EQ(fault_field(it), "type");
	it = item(NULL, true);
	CHECK_STR_EQ(fault_field(it), "type");
	CHECK_STR_EQ(domain_checklist_item(&it),
		     "type must be check, pass_fail, number, text or choice");
	it = number(true, true, 2, true, 1);
	CHECK_STR_EQ(fault_field(it), "min");
	it = item("text", true);
	it.has_min = true;
	CHECK_STR_EQ(fault_field(it), "min");
	it = item("text", true);
	it.has_max = true;
	CHECK_STR_EQ(fault_field(it), "max");
	it = item("choice", true);
	CHECK_STR_EQ(fault_field(it), "options");
	it.options = one;
	it.noptions = 1;
	CHECK_STR_EQ(fault_field(it), "options");
	it.options = dup;
	it.noptions = 3;
	CHECK_STR_EQ(fault_field(it), "options");
	it = item("pass_fail", true);
	it.options = one;
	it.noptions = 1;
	CHECK_STR_EQ(fault_field(it), "options");
	/* both entry points agree on the message */
	const char *field;
	CHECK_STR_EQ(domain_checklist_item_field(&it, &field), domain_checklist_item(&it));
}

/* ---- who may change a completed run ------------------------------------------------------ */

static void test_may_edit_completed(void)
{
	CHECK(domain_checklist_may_edit_completed("lead"));
	CHECK(domain_checklist_may_edit_completed("admin"));
	CHECK(!domain_checklist_may_edit_completed("engineer"));
	CHECK(!domain_checklist_may_edit_completed("dispatcher"));
	CHECK(!domain_checklist_may_edit_completed(""));
	CHECK(!domain_checklist_may_edit_completed("Admin"));
	CHECK(!domain_checklist_may_edit_completed("leader"));
	CHECK(!domain_checklist_may_edit_completed(NULL));
	/* every known role has an answer, and exactly two say yes */
	int yes = 0;
	for (int i = 0; domain_roles[i]; i++)
		yes += domain_checklist_may_edit_completed(domain_roles[i]);
	CHECK_INT_EQ(yes, 2);
}

/* ---- the checklist gate among the completion rules --------------------------------------- */

/* An on-site visit that may be completed: every rule satisfied. */
static struct visit_facts ready(void)
{
	struct visit_facts f;
	memset(&f, 0, sizeof f);
	f.status = vs("on_site");
	f.has_estimate = f.has_consent = true;
	f.requires_lead = f.has_lead = true;
	f.work_done = f.resolved = true;
	f.checklist_required = true;
	f.checklist_complete = true;
	return f;
}

static struct step_verdict complete(struct visit_facts f)
{
	struct step_verdict v;
	domain_visit_step(STEP_COMPLETE, &f, &v);
	return v;
}

static void test_gate_alone(void)
{
	struct visit_facts f = ready();
	struct step_verdict v = complete(f);
	CHECK_INT_EQ(vstatus(&v), 0);
	CHECK_STR_EQ(vnext(&v), "completed");
	CHECK_NULL(vcode(&v));

	f.checklist_complete = false;
	v = complete(f);
	CHECK_INT_EQ(vstatus(&v), 422);
	CHECK_STR_EQ(vcode(&v), "checklist_incomplete");
	CHECK_NOT_NULL(v.detail);
	CHECK_NULL(vnext(&v));

	/* a device kind without a template needs no checklist */
	f.checklist_required = false;
	v = complete(f);
	CHECK_INT_EQ(vstatus(&v), 0);
	CHECK_STR_EQ(vnext(&v), "completed");
	f.checklist_complete = true; /* (a run of a kind that lost its template) */
	CHECK_INT_EQ(rstatus(complete(f)), 0);

	/* unresolved with a reason, no work done: still gated */
	f = ready();
	f.resolved = false;
	f.has_follow_up_reason = true;
	f.work_done = false;
	f.has_estimate = f.has_consent = false;
	f.checklist_complete = false;
	CHECK_STR_EQ(rcode(complete(f)), "checklist_incomplete");
	f.checklist_complete = true;
	CHECK_STR_EQ(rnext(complete(f)), "completed");
}

static void test_gate_comes_last(void)
{
	/* each earlier rule wins over an incomplete checklist */
	struct visit_facts f = ready();
	f.checklist_complete = false;
	f.has_lead = false;
	CHECK_STR_EQ(rcode(complete(f)), "lead_required");

	f = ready();
	f.checklist_complete = false;
	f.has_consent = false;
	CHECK_STR_EQ(rcode(complete(f)), "consent_required");
	f.has_estimate = false;
	CHECK_STR_EQ(rcode(complete(f)), "consent_required");

	f = ready();
	f.checklist_complete = false;
	f.resolved = false;
	CHECK_STR_EQ(rcode(complete(f)), "follow_up_reason_required");

	/* all four broken: the rules in order lead, consent, follow-up, checklist */
	f = ready();
	f.checklist_complete = false;
	f.has_lead = false;
	f.has_consent = false;
	f.resolved = false;
	CHECK_STR_EQ(rcode(complete(f)), "lead_required");
	f.has_lead = true;
	CHECK_STR_EQ(rcode(complete(f)), "consent_required");
	f.has_consent = true;
	CHECK_STR_EQ(rcode(complete(f)), "follow_up_reason_required");
	f.has_follow_up_reason = true;
	CHECK_STR_EQ(rcode(complete(f)), "checklist_incomplete");
	f.checklist_complete = true;
	struct step_verdict v = complete(f);
	CHECK_INT_EQ(vstatus(&v), 0);
	CHECK_STR_EQ(vnext(&v), "completed");
}

static void test_gate_after_status(void)
{
	/* the status is judged before any rule: no checklist_incomplete off site */
	struct visit_facts f = ready();
	f.checklist_complete = false;
	f.status = vs("proposed");
	struct step_verdict v = complete(f);
	CHECK_INT_EQ(vstatus(&v), 422);
	CHECK_STR_EQ(vcode(&v), "precall_required");
	static const char *const off_site[] = {"confirmed", "en_route",	 "completed",
					       "absent",    "cancelled", NULL};
	for (const char *const *p = off_site; *p; p++) {
		f.status = vs(*p);
		v = complete(f);
		if (!CHECK_INT_EQ(vstatus(&v), 409) ||
		    !CHECK_STR_EQ(vcode(&v), "step_out_of_order"))
			fprintf(stderr, "\tstatus: %s\n", *p);
	}
	/* the checklist does not hold up any other step */
	f = ready();
	f.checklist_complete = false;
	f.status = vs("on_site");
	domain_visit_step(STEP_ABSENT, &f, &v);
	CHECK_INT_EQ(vstatus(&v), 0);
	CHECK_STR_EQ(vnext(&v), "absent");
	domain_visit_step(STEP_ESTIMATE, &f, &v);
	CHECK_INT_EQ(vstatus(&v), 0);
	f.status = vs("confirmed");
	domain_visit_step(STEP_ARRIVE, &f, &v);
	CHECK_INT_EQ(vstatus(&v), 0);
	CHECK_STR_EQ(vnext(&v), "on_site");
	domain_visit_step(STEP_CANCEL, &f, &v);
	CHECK_INT_EQ(vstatus(&v), 0);
	CHECK_STR_EQ(vnext(&v), "cancelled");
}

int main(void)
{
	CHECK_RUN(test_check_item);
	CHECK_RUN(test_pass_fail_item);
	CHECK_RUN(test_number_item_limits);
	CHECK_RUN(test_number_item_refuses_non_numbers);
	CHECK_RUN(test_text_item);
	CHECK_RUN(test_choice_item);
	CHECK_RUN(test_required_and_optional);
	CHECK_RUN(test_unknown_type_answer);
	CHECK_RUN(test_item_sound);
	CHECK_RUN(test_item_key);
	CHECK_RUN(test_item_type);
	CHECK_RUN(test_item_limits);
	CHECK_RUN(test_item_options);
	CHECK_RUN(test_seeded_items_are_sound);
	CHECK_RUN(test_item_field_at_fault);
	CHECK_RUN(test_may_edit_completed);
	CHECK_RUN(test_gate_alone);
	CHECK_RUN(test_gate_comes_last);
	CHECK_RUN(test_gate_after_status);
	return CHECK_DONE();
}
