/* Checklist rules (R9): what a valid answer is for each item type, what a
 * sound item definition is, who may change a completed run. */
#include "fieldd/domain.h"

#include <math.h>
#include <string.h>

const char *const domain_checklist_types[] = {"check", "pass_fail", "number",
					      "text",  "choice",    NULL};

const char *domain_checklist_answer(const struct ck_item *it, const struct ck_value *v)
{
	if (v->t == CKV_NONE || v->t == CKV_NULL)
		return it->required ? "is required" : NULL;
	const char *type = it->type;
	if (!strcmp(type, "check"))
		return v->t == CKV_BOOL ? NULL : "must be true or false";
	if (!strcmp(type, "pass_fail"))
		return v->t == CKV_STRING && (!strcmp(v->s, "pass") || !strcmp(v->s, "fail"))
			   ? NULL
			   : "must be \"pass\" or \"fail\"";
	if (!strcmp(type, "number")) {
		if (v->t != CKV_NUMBER || !isfinite(v->n))
			return "must be a number";
		if (it->has_min && v->n < it->min)
			return "is below the item's minimum";
		if (it->has_max && v->n > it->max)
			return "is above the item's maximum";
		return NULL;
	}
	if (!strcmp(type, "text")) {
		if (v->t != CKV_STRING)
			return "must be text";
		size_t n = strlen(v->s);
		if (it->required && strspn(v->s, " \t\r\n") == n)
			return "must not be empty";
		return n > 2000 ? "must be at most 2000 bytes" : NULL;
	}
	if (!strcmp(type, "choice")) {
		if (v->t != CKV_STRING)
			return "must be one of the item's options";
		for (int i = 0; i < it->noptions; i++)
			if (!strcmp(it->options[i], v->s))
				return NULL;
		return "must be one of the item's options";
	}
	return "has an unknown type";
}

/* The message for a broken item, naming the field it is about in *field. */
static const char *item_fault(const struct ck_item *it, const char **field)
{
	size_t n = it->key ? strlen(it->key) : 0;
	*field = "key";
	if (n == 0 || n > 48 || it->key[0] < 'a' || it->key[0] > 'z')
		return "key must start with a-z and be at most 48 characters";
	for (size_t i = 0; i < n; i++) {
		char c = it->key[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
			return "key may hold only a-z, 0-9 and _";
	}
	bool known = false;
	for (int i = 0; it->type && domain_checklist_types[i]; i++)
		known |= !strcmp(domain_checklist_types[i], it->type);
	*field = "type";
	if (!known)
		return "type must be check, pass_fail, number, text or choice";
	bool number = !strcmp(it->type, "number"), choice = !strcmp(it->type, "choice");
	*field = it->has_min ? "min" : "max";
	if (!number && (it->has_min || it->has_max))
		return "min and max belong to number items";
	if (it->has_min && it->has_max && it->min > it->max)
		return "min must not exceed max";
	*field = "options";
	if (!choice && it->noptions)
		return "options belong to choice items";
	if (choice && it->noptions < 2)
		return "a choice item needs at least two options";
	for (int i = 0; i < it->noptions; i++)
		for (int j = 0; j < i; j++)
			if (!strcmp(it->options[i], it->options[j]))
				return "options must differ";
	*field = NULL;
	return NULL;
}

const char *domain_checklist_item(const struct ck_item *it)
{
	const char *field;
	return item_fault(it, &field);
}

const char *domain_checklist_item_field(const struct ck_item *it, const char **field)
{
	const char *f, *why = item_fault(it, &f);
	if (field)
		*field = f;
	return why;
}

/* The "at" of a checklist save (issue 11): the rule of a visit step's "at"
 * (domain_step_at), but bounded below by the visit's arrival, or its booking
 * when nobody has arrived yet, instead of the latest step: answers are given
 * on site between the steps, so an answer pressed before the estimate but
 * sent after it is still in order. */
const char *domain_checklist_at(long at, long now, long since)
{
	if (at > now + STEP_AT_SKEW_S)
		return "must not be in the future";
	if (at < now - STEP_AT_WINDOW_S)
		return "must be within the last 14 days";
	if (at < since - STEP_AT_SKEW_S)
		return "must not be before the visit's arrival (or its booking, before arrival)";
	return NULL;
}

bool domain_checklist_may_edit_completed(const char *role)
{
	return role && (!strcmp(role, "lead") || !strcmp(role, "admin"));
}
