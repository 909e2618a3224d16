/*
 * Dispatch proposals (SPEC §3): who goes when, on plain structs.
 *
 * Working hours and the window grid follow the local clock of the process's
 * time zone: a window [start, end) must lie inside one working day's
 * [work_start_min, work_end_min), and windows start on local-clock multiples
 * of grid_min counted from local midnight (the grid restarts each midnight).
 * A day that is exactly 86400 s long (no clock change) is walked with plain
 * arithmetic; a day with a clock change goes through mktime minute by minute.
 *
 * The search for one person (and their lead) walks day by day from the
 * earliest start, jumps to the first grid slot inside the day's working hours
 * and past any busy interval that clashes, so its cost grows with days and
 * busy intervals, not with slots.
 */
#include "fieldd/dispatch.h"
#include "fieldd/domain.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

_Static_assert((time_t)-1 < 0 && sizeof(time_t) >= 8, "time_t must be a signed 64-bit count");

#define DAY_MIN	   1440
#define DAY_SEC	   86400
#define T_NEVER	   ((time_t)INT64_MAX)
#define CACHE_DAYS 64 /* local days remembered across candidates */

/* One local calendar day. */
struct lday {
	int year, mon, mday; /* struct tm conventions, normalised */
	int iso_wday;	     /* 1 = Monday .. 7 = Sunday */
	time_t start;	     /* local midnight */
	time_t next;	     /* the next local midnight */
	bool regular;	     /* 86400 s long: minute m is start + 60 m */
};

/* The instant of local clock minute m (0 .. 1440) on day d. */
static time_t local_min(const struct lday *d, int m)
{
	if (d->regular)
		return d->start + (time_t)m * 60;
	struct tm tm = {0};
	tm.tm_year = d->year;
	tm.tm_mon = d->mon;
	tm.tm_mday = d->mday;
	tm.tm_min = m;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

/* Fills d for the date (year, mon, mday), which may be out of range (mday + 1). */
static void lday_set(struct lday *d, int year, int mon, int mday)
{
	/* noon always exists, so it normalises the date and gives the weekday */
	struct tm tm = {0};
	tm.tm_year = year;
	tm.tm_mon = mon;
	tm.tm_mday = mday;
	tm.tm_hour = 12;
	tm.tm_isdst = -1;
	mktime(&tm);
	d->year = tm.tm_year;
	d->mon = tm.tm_mon;
	d->mday = tm.tm_mday;
	d->iso_wday = tm.tm_wday == 0 ? 7 : tm.tm_wday;
	d->regular = false;
	d->start = local_min(d, 0);
	d->next = local_min(d, DAY_MIN);
	d->regular = d->next - d->start == DAY_SEC;
}

static bool lday_of(time_t t, struct lday *d)
{
	struct tm tm;
	if (!localtime_r(&t, &tm))
		return false;
	lday_set(d, tm.tm_year, tm.tm_mon, tm.tm_mday);
	return true;
}

/* The first grid slot of day d at or after x; T_NEVER when none is left that day. */
static time_t first_slot(const struct lday *d, time_t x, int grid_min)
{
	if (d->regular) {
		time_t g = (time_t)grid_min * 60;
		if (x >= d->next)
			return T_NEVER;
		if (x <= d->start)
			return d->start;
		return d->start + (x - d->start + g - 1) / g * g;
	}
	for (int m = 0; m <= DAY_MIN; m += grid_min) {
		time_t t = local_min(d, m);
		if (t >= x)
			return t;
	}
	return T_NEVER;
}

static bool works_on(const struct dsp_person *p, const struct lday *d)
{
	return (p->work_days & (1u << d->iso_wday)) != 0;
}

static int clamp_min(int m)
{
	return m < 0 ? 0 : m > DAY_MIN ? DAY_MIN : m;
}

/* The latest end of the busy intervals of p that overlap [s, e), or false if none. */
static bool clash(const struct dsp_person *p, time_t s, time_t e, time_t *until)
{
	bool hit = false;
	time_t latest = 0;
	for (int i = 0; i < p->nbusy; i++) {
		const struct dsp_busy *b = &p->busy[i];
		if (b->start < b->end && b->start < e && s < b->end) {
			if (!hit || b->end > latest)
				latest = b->end;
			hit = true;
		}
	}
	if (hit)
		*until = latest;
	return hit;
}

unsigned dsp_kind_bit(const char *kind)
{
	if (!kind)
		return 0;
	for (int i = 0; domain_device_kinds[i] && i < 32; i++)
		if (strcmp(domain_device_kinds[i], kind) == 0)
			return 1u << i;
	return 0;
}

/* ---- the search ---------------------------------------------------------------------- */

struct ctx {
	int grid_min;
	time_t dur; /* seconds */
	struct lday days[CACHE_DAYS];
	int ndays; /* days[0] is the day of the earliest start */
};

/* Moves d to the next day, which is day i after the earliest one (-1: not counted). */
static void day_next(struct ctx *c, int i, struct lday *d)
{
	if (i >= 0 && i < c->ndays) {
		*d = c->days[i];
		return;
	}
	lday_set(d, d->year, d->mon, d->mday + 1);
	if (i >= 0 && i == c->ndays && i < CACHE_DAYS)
		c->days[c->ndays++] = *d;
}

/* The working hours both e and (if any) l keep, in local minutes; false if empty. */
static bool shared_hours(const struct dsp_person *e, const struct dsp_person *l, int *smin,
			 int *emin)
{
	*smin = clamp_min(e->work_start_min);
	*emin = clamp_min(e->work_end_min);
	if (l) {
		int ls = clamp_min(l->work_start_min), le = clamp_min(l->work_end_min);
		*smin = ls > *smin ? ls : *smin;
		*emin = le < *emin ? le : *emin;
	}
	return *smin < *emin;
}

static time_t last_busy_end(const struct dsp_person *p, time_t t)
{
	for (int i = 0; p && i < p->nbusy; i++)
		if (p->busy[i].start < p->busy[i].end && p->busy[i].end > t)
			t = p->busy[i].end;
	return t;
}

/*
 * The earliest window [s, s + dur) with s >= from and s + dur <= limit in
 * which e and (if any) l both work and are free. Once the last busy interval
 * of both is over, a pair whose shared hours hold a grid slot finds one
 * within a week, so the walk stops two weeks after that at the latest.
 */
static bool earliest_window(struct ctx *c, const struct dsp_person *e, const struct dsp_person *l,
			    time_t from, time_t limit, time_t *out)
{
	int smin, emin;
	unsigned days = e->work_days & (l ? l->work_days : ~0u) & 0xfeu;
	if (!days || !shared_hours(e, l, &smin, &emin))
		return false;
	int first = (smin + c->grid_min - 1) / c->grid_min * c->grid_min;
	if ((time_t)(emin - first) * 60 < c->dur || limit - c->dur < from)
		return false;
	time_t last_start = limit - c->dur;
	time_t quiet = last_busy_end(l, last_busy_end(e, from));
	if (quiet < T_NEVER - 15 * (time_t)DAY_SEC && quiet + 15 * (time_t)DAY_SEC < last_start)
		last_start = quiet + 15 * (time_t)DAY_SEC;

	struct lday d = c->days[0];
	int i = 0; /* d is day i after the earliest day; -1 after a jump */
	time_t t = from;
	while (t <= last_start) {
		bool jump = false;
		time_t until = 0;
		if (works_on(e, &d) && (!l || works_on(l, &d))) {
			time_t ws = local_min(&d, smin), we = local_min(&d, emin);
			time_t s = first_slot(&d, t > ws ? t : ws, c->grid_min);
			while (s != T_NEVER && s <= we - c->dur && s <= last_start) {
				time_t lu;
				bool hit = clash(e, s, s + c->dur, &until);
				if (l && clash(l, s, s + c->dur, &lu) && (!hit || lu > until)) {
					until = lu;
					hit = true;
				}
				if (!hit) {
					*out = s;
					return true;
				}
				if (until > d.next) {
					jump = true; /* busy past today: go straight to its end */
					break;
				}
				s = first_slot(&d, until, c->grid_min);
			}
		}
		if (jump) {
			if (until > last_start || !lday_of(until, &d))
				return false;
			i = -1;
			t = until;
		} else {
			i = i < 0 ? -1 : i + 1;
			day_next(c, i, &d);
			t = d.start;
		}
	}
	return false;
}

struct cand {
	const struct dsp_person *p, *lead;
	bool last;
	int idx;
};

static int cand_cmp(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;
	if (x->last != y->last)
		return x->last ? -1 : 1;
	if (x->p->load != y->p->load)
		return x->p->load < y->p->load ? -1 : 1;
	if (x->p->id != y->p->id)
		return x->p->id < y->p->id ? -1 : 1;
	return x->idx - y->idx;
}

static const struct dsp_person *find_lead(const struct dsp_request *rq, int64_t id)
{
	for (int i = 0; i < rq->npeople; i++)
		if (rq->people[i].id == id && rq->people[i].is_lead)
			return &rq->people[i];
	return NULL;
}

static int nkinds(void)
{
	int n = 0;
	while (domain_device_kinds[n])
		n++;
	return n;
}

void dsp_propose(const struct dsp_request *rq, struct dsp_proposal *out)
{
	memset(out, 0, sizeof *out);
	if (!rq || !rq->people || rq->npeople <= 0 || rq->duration_min <= 0 || rq->grid_min <= 0 ||
	    rq->grid_min > DAY_MIN || rq->kind < 0 || rq->kind >= nkinds() || rq->kind >= 32)
		return;

	struct cand *cs = malloc(sizeof *cs * (size_t)rq->npeople);
	if (!cs)
		return;
	unsigned bit = 1u << rq->kind;
	int n = 0;
	for (int i = 0; i < rq->npeople; i++) {
		const struct dsp_person *p = &rq->people[i];
		if (p->is_lead || p->id == 0 || !(p->skills & bit))
			continue;
		const struct dsp_person *lead = NULL;
		if (rq->requires_lead &&
		    (p->team_lead == 0 || !(lead = find_lead(rq, p->team_lead))))
			continue;
		cs[n++] = (struct cand){
		    p, lead, rq->last_engineer_id != 0 && p->id == rq->last_engineer_id, i};
	}
	qsort(cs, (size_t)n, sizeof *cs, cand_cmp);

	struct ctx ctx, *c = &ctx; /* about 2.5 KiB */
	time_t from = rq->now + (time_t)(rq->lead_time_min > 0 ? rq->lead_time_min : 0) * 60;
	if (!lday_of(from, &c->days[0])) {
		free(cs);
		return;
	}
	c->grid_min = rq->grid_min;
	c->dur = (time_t)rq->duration_min * 60;
	c->ndays = 1;

	time_t horizon = rq->now + (time_t)(rq->horizon_days > 0 ? rq->horizon_days : 0) * DAY_SEC;
	int best = -1;
	time_t best_start = 0;
	for (int i = 0; i < n; i++) {
		/* past due_at, only a window that starts before the best so far can matter */
		time_t cap = best < 0 ? horizon : best_start + c->dur - 1;
		time_t limit = rq->due_at > cap ? rq->due_at : cap, s;
		if (!earliest_window(c, cs[i].p, cs[i].lead, from, limit, &s))
			continue;
		if (s + c->dur <= rq->due_at) {
			best = i;
			best_start = s;
			break;
		}
		if (best < 0 || s < best_start) {
			best = i;
			best_start = s;
		}
	}
	if (best >= 0) {
		out->found = true;
		out->engineer_id = cs[best].p->id;
		out->lead_id = cs[best].lead ? cs[best].lead->id : 0;
		out->start = best_start;
		out->end = best_start + c->dur;
		out->meets_due = out->end <= rq->due_at;
	}
	free(cs);
}

void dsp_working_hours(struct dsp_person *p, int start_min, int end_min, unsigned days)
{
	p->work_start_min = start_min >= 0 ? start_min : DSP_DEFAULT_START_MIN;
	p->work_end_min = end_min >= 0 ? end_min : DSP_DEFAULT_END_MIN;
	p->work_days = days ? days : DSP_DEFAULT_DAYS;
}

void dsp_propose_named(struct dsp_request *rq, int64_t only_engineer, struct dsp_person *people,
		       int n, struct dsp_proposal *out)
{
	memset(out, 0, sizeof *out);
	if (only_engineer) {
		int k = 0;
		for (int i = 0; i < n; i++)
			if (people[i].is_lead || people[i].id == only_engineer) {
				people[k] = people[i];
				if (people[k].id == only_engineer)
					people[k].is_lead =
					    false; /* a lead may go as the engineer */
				k++;
			}
		n = k;
	}
	rq->people = people;
	rq->npeople = n;
	if (rq->kind < 0)
		return;
	if (only_engineer) {
		/* the named engineer goes whatever their listed skills */
		for (int i = 0; i < n; i++)
			if (people[i].id == only_engineer)
				people[i].skills |= 1u << rq->kind;
	}
	dsp_propose(rq, out);
}

int dsp_kind_index(const char *kind)
{
	unsigned bit = dsp_kind_bit(kind);
	int i = 0;
	if (!bit)
		return -1;
	while (!(bit & 1u)) {
		bit >>= 1;
		i++;
	}
	return i;
}

void dsp_request_for(time_t now, time_t due_at, const char *kind, bool requires_lead, time_t start,
		     time_t end, struct dsp_request *rq, time_t *from, time_t *to)
{
	*rq = (struct dsp_request){
	    .now = now,
	    .due_at = due_at,
	    .kind = dsp_kind_index(kind),
	    .requires_lead = requires_lead,
	    .duration_min = VISIT_DEFAULT_MIN,
	    .grid_min = VISIT_GRID_MIN,
	    .lead_time_min = 30,
	    .horizon_days = 14,
	};
	if (start) {
		rq->now = start;
		rq->lead_time_min = 0;
		rq->due_at = end;
		rq->duration_min = (int)((end - start) / 60);
		rq->horizon_days = 0;
	}
	*from = (rq->now < now ? rq->now : now) - 86400;
	*to = rq->now + 15 * 86400L;
}
