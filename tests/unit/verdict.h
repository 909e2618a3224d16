/*
 * verdict.h — a visit-step verdict as the reply shows it, for the domain tests
 * (they link room_domain alone, so the registry's codes and statuses are read
 * from the same X-macro table core/errors.c is built from).
 */
#ifndef FIELDD_TEST_VERDICT_H
#define FIELDD_TEST_VERDICT_H

#include "fieldd/domain.h"
#include "fieldd/errors.h"

static const struct {
	int status;
	const char *code;
} verdict_errs_[ERR__COUNT] = {
#define VERDICT_ROW_(id, st, code, title) [id] = {st, code},
    FIELDD_ERRORS(VERDICT_ROW_)
#undef VERDICT_ROW_
};

/* Any verdict (ok, err) as the reply shows it: 0 or the row's HTTP status, NULL or its code. */
static inline int verdict_status_of(bool ok, enum err_id err)
{
	return ok ? 0 : verdict_errs_[err].status;
}
static inline const char *verdict_code_of(bool ok, enum err_id err)
{
	return ok ? NULL : verdict_errs_[err].code;
}

/* 0 when allowed, else the HTTP status of the error's registry row. */
static inline int vstatus(const struct step_verdict *v)
{
	return v->ok ? 0 : verdict_errs_[v->err].status;
}
/* NULL when allowed, else the error's code (step_out_of_order, precall_required, ...). */
static inline const char *vcode(const struct step_verdict *v)
{
	return v->ok ? NULL : verdict_errs_[v->err].code;
}
/* NULL when refused, else the name of the visit's next status. */
static inline const char *vnext(const struct step_verdict *v)
{
	return v->ok ? domain_visit_status_name(v->next) : NULL;
}
/* The same for a verdict by value (a function's result). */
static inline int rstatus(struct step_verdict v)
{
	return vstatus(&v);
}
static inline const char *rcode(struct step_verdict v)
{
	return vcode(&v);
}
static inline const char *rnext(struct step_verdict v)
{
	return vnext(&v);
}
/* The status named s (the tests spell statuses as the API does). */
static inline enum visit_status vs(const char *s)
{
	enum visit_status out = VS__COUNT;
	domain_visit_status_parse(s, &out);
	return out;
}

#endif
