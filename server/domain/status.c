/*
 * The ticket's state machine and the status words of tickets and visits.
 *
 *   new --a visit is booked--> scheduled --someone sets out or arrives--> in_progress
 *   in_progress --a visit resolves it--> resolved (closed later)
 *   scheduled|in_progress --the customer was absent, the visit cancelled--> new
 *   new|scheduled|in_progress --cancel (nobody on site)--> cancelled
 *
 * A cancelled ticket stays cancelled whatever its visits do. The visit's own
 * machine is in visit_fsm.c.
 */
#include "fieldd/domain.h"

#include <string.h>

const char *const domain_ticket_statuses[] = {
    [TS_NEW] = "new",		[TS_SCHEDULED] = "scheduled", [TS_IN_PROGRESS] = "in_progress",
    [TS_RESOLVED] = "resolved", [TS_CLOSED] = "closed",	      [TS_CANCELLED] = "cancelled",
    [TS__COUNT] = NULL,
};
const char *const domain_visit_statuses[] = {
    [VS_PROPOSED] = "proposed",	  [VS_CONFIRMED] = "confirmed", [VS_EN_ROUTE] = "en_route",
    [VS_ON_SITE] = "on_site",	  [VS_COMPLETED] = "completed", [VS_ABSENT] = "absent",
    [VS_CANCELLED] = "cancelled", [VS__COUNT] = NULL,
};

const char *domain_ticket_status_name(enum ticket_status s)
{
	return (unsigned)s < TS__COUNT ? domain_ticket_statuses[s] : "unknown";
}

const char *domain_visit_status_name(enum visit_status s)
{
	return (unsigned)s < VS__COUNT ? domain_visit_statuses[s] : "unknown";
}

static int find(const char *const *words, int n, const char *s)
{
	if (!s)
		return -1;
	for (int i = 0; i < n; i++)
		if (!strcmp(words[i], s))
			return i;
	return -1;
}

bool domain_ticket_status_parse(const char *s, enum ticket_status *out)
{
	int i = find(domain_ticket_statuses, TS__COUNT, s);
	if (i < 0)
		return false;
	*out = (enum ticket_status)i;
	return true;
}

bool domain_visit_status_parse(const char *s, enum visit_status *out)
{
	int i = find(domain_visit_statuses, VS__COUNT, s);
	if (i < 0)
		return false;
	*out = (enum visit_status)i;
	return true;
}

bool domain_ticket_open(enum ticket_status s)
{
	return s == TS_NEW || s == TS_SCHEDULED || s == TS_IN_PROGRESS;
}

enum ticket_status domain_ticket_after_booking(enum ticket_status cur)
{
	return cur == TS_NEW ? TS_SCHEDULED : cur;
}

enum ticket_status domain_ticket_after_step(enum ticket_status cur, enum visit_step step,
					    bool resolved)
{
	if (cur == TS_CANCELLED)
		return cur;
	switch (step) {
	case STEP_DEPART:
	case STEP_ARRIVE:
		return TS_IN_PROGRESS;
	case STEP_COMPLETE: /* R6: only a resolved visit resolves the ticket */
		return resolved ? TS_RESOLVED : TS_IN_PROGRESS;
	case STEP_ABSENT: /* R10: back to scheduling */
	case STEP_CANCEL:
		return TS_NEW;
	case STEP_PRECALL:
	case STEP_LATE:
	case STEP_ESTIMATE:
	case STEP_CONSENT:
		break;
	}
	return cur;
}

bool domain_ticket_cancel_ok(bool has_open, enum visit_status open_visit, enum err_id *err)
{
	if (has_open && !domain_cancelled_with_ticket(open_visit)) {
		*err = ERR_CONFLICT;
		return false;
	}
	return true;
}

bool domain_cancelled_with_ticket(enum visit_status s)
{
	return s == VS_PROPOSED || s == VS_CONFIRMED || s == VS_EN_ROUTE;
}

bool domain_visit_reassignable(enum visit_status s)
{
	return s == VS_PROPOSED || s == VS_CONFIRMED;
}
