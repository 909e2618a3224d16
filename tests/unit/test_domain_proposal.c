/* Unit tests for dispatch proposals (server/domain/proposal.c, SPEC §3). */
#include "check.h"
#include "fieldd/dispatch.h"
#include "fieldd/domain.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* t is the local time y-mo-d h:mi */
#define CHECK_AT(t, y, mo, d, h, mi)                                                               \
	do {                                                                                       \
		time_t t_ = (t), w_ = at(y, mo, d, h, mi);                                         \
		check_total_++;                                                                    \
		if (t_ != w_) {                                                                    \
			char g_[32], e_[32];                                                       \
			fprintf(stderr, "%s:%d: %s is %s, expected %s\n", __FILE__, __LINE__, #t,  \
				fmt(t_, g_), fmt(w_, e_));                                         \
			check_failed_++;                                                           \
		}                                                                                  \
	} while (0)

static void use_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

/* Local time y-mo-d h:mi in the current TZ. */
static time_t at(int y, int mo, int d, int h, int mi)
{
	struct tm tm = {0};
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

static const char *fmt(time_t t, char *buf)
{
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(buf, 32, "%a %Y-%m-%d %H:%M:%S", &tm);
	return buf;
}

/* 2026-03-02 is a Monday; the week of 2-6 March is the working week used below. */
#define MON 2
#define TUE 3
#define WED 4
#define FRI 6
#define SAT 7

static struct dsp_person eng(int64_t id, unsigned skills, int load)
{
	struct dsp_person p = {0};
	p.id = id;
	p.skills = skills;
	p.load = load;
	p.work_start_min = DSP_DEFAULT_START_MIN;
	p.work_end_min = DSP_DEFAULT_END_MIN;
	p.work_days = DSP_DEFAULT_DAYS;
	return p;
}

static struct dsp_person lead(int64_t id)
{
	struct dsp_person p = eng(id, 0, 0);
	p.is_lead = true;
	return p;
}

static struct dsp_request req(time_t now, const struct dsp_person *people, int n)
{
	struct dsp_request r = {0};
	r.now = now;
	r.due_at = now + 7 * 86400;
	r.kind = 0; /* desktop */
	r.duration_min = 60;
	r.grid_min = 30;
	r.lead_time_min = 0;
	r.horizon_days = 14;
	r.people = people;
	r.npeople = n;
	return r;
}

static struct dsp_proposal propose(const struct dsp_request *r)
{
	struct dsp_proposal p;
	memset(&p, 0xa5, sizeof p); /* dsp_propose must fill everything */
	dsp_propose(r, &p);
	return p;
}

#define DESKTOP (1u << 0)
#define LAPTOP	(1u << 1)
#define PRINTER (1u << 2)

static void test_calendar(void)
{
	struct tm tm;
	time_t t = at(2026, 3, MON, 12, 0);
	localtime_r(&t, &tm);
	CHECK_INT_EQ(tm.tm_wday, 1);
	CHECK_INT_EQ(tm.tm_gmtoff, 9 * 3600);
}

static void test_kind_bit(void)
{
	CHECK_INT_EQ(dsp_kind_bit("desktop"), 1u << 0);
	CHECK_INT_EQ(dsp_kind_bit("laptop"), 1u << 1);
	CHECK_INT_EQ(dsp_kind_bit("printer"), 1u << 2);
	CHECK_INT_EQ(dsp_kind_bit("network"), 1u << 4);
	CHECK_INT_EQ(dsp_kind_bit("other"), 1u << 8);
	CHECK_INT_EQ(dsp_kind_bit("Desktop"), 0);
	CHECK_INT_EQ(dsp_kind_bit("toaster"), 0);
	CHECK_INT_EQ(dsp_kind_bit(""), 0);
	CHECK_INT_EQ(dsp_kind_bit(NULL), 0);
	for (int i = 0; domain_device_kinds[i]; i++)
		CHECK_INT_EQ(dsp_kind_bit(domain_device_kinds[i]), 1u << i);
}

static void test_skill_filter(void)
{
	struct dsp_person ps[] = {eng(1, PRINTER, 0), eng(2, DESKTOP | LAPTOP, 5),
				  lead(3) /* a lead is never the engineer */};
	ps[2].skills = DESKTOP | PRINTER;
	struct dsp_request r = req(at(2026, 3, MON, 9, 0), ps, 3);
	struct dsp_proposal p = propose(&r);
	CHECK(p.found);
	CHECK_INT_EQ(p.engineer_id, 2);
	CHECK_INT_EQ(p.lead_id, 0);
	CHECK(p.meets_due);
	CHECK_AT(p.start, 2026, 3, MON, 9, 0);
	CHECK_AT(p.end, 2026, 3, MON, 10, 0);

	r.kind = 2; /* printer */
	p = propose(&r);
	CHECK_INT_EQ(p.engineer_id, 1);

	r.kind = 4; /* network: nobody */
	p = propose(&r);
	CHECK(!p.found);
	CHECK_INT_EQ(p.engineer_id, 0);

	r.kind = 99; /* not a kind */
	p = propose(&r);
	CHECK(!p.found);
	r.kind = -1;
	p = propose(&r);
	CHECK(!p.found);

	/* engineer id 0 is never proposed */
	ps[1].id = 0;
	r.kind = 0;
	p = propose(&r);
	CHECK(!p.found);
}

static void test_working_hours(void)
{
	struct dsp_person ps[] = {eng(1, DESKTOP, 0)};
	struct dsp_request r = req(at(2026, 3, FRI, 17, 30), ps, 1);
	struct dsp_proposal p = propose(&r);
	CHECK(p.found);
	CHECK_AT(p.start, 2026, 3, MON + 7, 9, 0); /* the weekend is skipped */
	CHECK_AT(p.end, 2026, 3, MON + 7, 10, 0);

	/* 17:10 rounds to 17:30, and 17:30-18:30 does not fit */
	r.now = at(2026, 3, FRI, 17, 10);
	p = propose(&r);
	CHECK_AT(p.start, 2026, 3, MON + 7, 9, 0);

	/* 16:30: 17:00-18:00 still fits the day */
	r.now = at(2026, 3, FRI, 16, 30);
	p = propose(&r);
	CHECK_AT(p.start, 2026, 3, FRI, 16, 30);
	r.now = at(2026, 3, FRI, 16, 45);
	p = propose(&r);
	CHECK_AT(p.start, 2026, 3, FRI, 17, 0);
	CHECK_AT(p.end, 2026, 3, FRI, 18, 0);

	/* before opening: the first slot of the day */
	r.now = at(2026, 3, WED, 6, 12);
	p = propose(&r);
	CHECK_AT(p.start, 2026, 3, WED, 9, 0);

	/* Saturday morning: Monday */
	r.now = at(2026, 3, SAT, 10, 0);
	p = propose(&r);
	CHECK_AT(p.start, 2026, 3, MON + 7, 9, 0);

	/* 13:00-22:00 with Saturday work */
	ps[0].work_start_min = 13 * 60;
	ps[0].work_end_min = 22 * 60;
	ps[0].work_days = 0x7e;
	r.now = at(2026, 3, FRI, 21, 30);
	p = propose(&r);
	CHECK_AT(p.start, 2026, 3, SAT, 13, 0);
	r.now = at(2026, 3, FRI, 17, 30);
	p = propose(&r);
	CHECK_AT(p.start, 2026, 3, FRI, 17, 30);
	r.now = at(2026, 3, FRI, 20, 50);
	p = propose(&r);
	CHECK_AT(p.start, 2026, 3, FRI, 21, 0);
	CHECK_AT(p.end, 2026, 3, FRI, 22, 0);
	r.now = at(2026, 3, SAT, 21, 30); /* Sunday off: Monday afternoon */
	p = propose(&r);
	CHECK_AT(p.start, 2026, 3, MON + 7, 13, 0);

	/* Saturday only */
	ps[0].work_days = 1u << 6;
	r.now = at(2026, 3, MON, 10, 0);
	p = propose(&r);
	CHECK_AT(p.start, 2026, 3, SAT, 13, 0);

	/* Sunday only, all day */
	ps[0].work_days = 1u << 7;
	ps[0].work_start_min = 0;
	ps[0].work_end_min = 1440;
	p = propose(&r);
	CHECK_AT(p.start, 2026, 3, SAT + 1, 0, 0);

	/* a visit longer than the working day never fits */
	ps[0] = eng(1, DESKTOP, 0);
	r.duration_min = 10 * 60;
	p = propose(&r);
	CHECK(!p.found);
	r.duration_min = 9 * 60;
	p = propose(&r);
	CHECK_AT(p.start, 2026, 3, TUE, 9, 0);
	CHECK_AT(p.end, 2026, 3, TUE, 18, 0);

	/* nobody works any day */
	ps[0].work_days = 0;
	r.duration_min = 60;
	p = propose(&r);
	CHECK(!p.found);
}

static void test_busy(void)
{
	struct dsp_busy b[] = {{at(2026, 3, MON, 9, 0), at(2026, 3, MON, 10, 0)},
			       {at(2026, 3, MON, 10, 30), at(2026, 3, MON, 11, 30)}};
	struct dsp_person ps[] = {eng(1, DESKTOP, 0)};
	ps[0].busy = b;
	ps[0].nbusy = 1;
	struct dsp_request r = req(at(2026, 3, MON, 8, 0), ps, 1);
	struct dsp_proposal p = propose(&r);
	CHECK_AT(p.start, 2026, 3, MON, 10, 0); /* back to back */
	CHECK_AT(p.end, 2026, 3, MON, 11, 0);

	ps[0].nbusy = 2; /* 10:00-11:00 now overlaps; so do 9:30, 10:30 and 11:00 */
	p = propose(&r);
	CHECK_AT(p.start, 2026, 3, MON, 11, 30);
	CHECK_AT(p.end, 2026, 3, MON, 12, 30);

	/* a half-hour visit fits the gap exactly */
	r.duration_min = 30;
	p = propose(&r);
	CHECK_AT(p.start, 2026, 3, MON, 10, 0);
	CHECK_AT(p.end, 2026, 3, MON, 10, 30);

	/* busy ending off the grid: the next slot after it */
	b[1].end = at(2026, 3, MON, 11, 40);
	r.duration_min = 60;
	p = propose(&r);
	CHECK_AT(p.start, 2026, 3, MON, 12, 0);

	/* busy from Monday noon to Wednesday 10:05 */
	b[1].start = at(2026, 3, MON, 12, 0);
	b[1].end = at(2026, 3, WED, 10, 5);
	r.now = at(2026, 3, MON, 11, 30);
	p = propose(&r);
	CHECK_AT(p.start, 2026, 3, WED, 10, 30);

	/* busy through Friday evening: Monday */
	b[1].end = at(2026, 3, FRI, 17, 15);
	p = propose(&r);
	CHECK_AT(p.start, 2026, 3, MON + 7, 9, 0);

	/* no due date to speak of: the walk still finds the next free week */
	r.due_at = (time_t)INT64_MAX;
	p = propose(&r);
	CHECK(p.meets_due);
	CHECK_AT(p.start, 2026, 3, MON + 7, 9, 0);
	ps[0].work_days = 1u << 1; /* Mondays only, busy through the first one */
	b[1].end = at(2026, 3, MON, 17, 15);
	p = propose(&r);
	CHECK_AT(p.start, 2026, 3, MON + 7, 9, 0);
	b[1].end = at(2026, 3, MON + 7, 17, 15);
	p = propose(&r);
	CHECK_AT(p.start, 2026, 3, MON + 14, 9, 0);
	ps[0].work_days = DSP_DEFAULT_DAYS;
	r.due_at = r.now + 7 * 86400;

	/* busy "forever": nothing */
	b[1].end = (time_t)INT64_MAX;
	p = propose(&r);
	CHECK(!p.found);
	r.due_at = (time_t)INT64_MAX;
	p = propose(&r);
	CHECK(!p.found);
}

static void test_last_engineer(void)
{
	struct dsp_person ps[] = {eng(1, DESKTOP, 0), eng(2, DESKTOP, 9), eng(3, DESKTOP, 1)};
	struct dsp_request r = req(at(2026, 3, MON, 9, 0), ps, 3);
	r.last_engineer_id = 2;
	struct dsp_proposal p = propose(&r);
	CHECK_INT_EQ(p.engineer_id, 2);
	CHECK(p.meets_due);

	/* even when someone else could come earlier */
	struct dsp_busy b = {at(2026, 3, MON, 9, 0), at(2026, 3, MON, 15, 0)};
	ps[1].busy = &b;
	ps[1].nbusy = 1;
	p = propose(&r);
	CHECK_INT_EQ(p.engineer_id, 2);
	CHECK_AT(p.start, 2026, 3, MON, 15, 0);

	/* but not past due_at: then the least loaded who can */
	r.due_at = at(2026, 3, MON, 12, 0);
	p = propose(&r);
	CHECK_INT_EQ(p.engineer_id, 1);
	CHECK_AT(p.start, 2026, 3, MON, 9, 0);
	CHECK(p.meets_due);

	/* a last engineer without the skill is not a candidate */
	ps[1].nbusy = 0;
	ps[1].skills = PRINTER;
	r.due_at = at(2026, 3, FRI, 18, 0);
	p = propose(&r);
	CHECK_INT_EQ(p.engineer_id, 1);

	/* nor one who is now a lead */
	ps[1].skills = DESKTOP;
	ps[1].is_lead = true;
	p = propose(&r);
	CHECK_INT_EQ(p.engineer_id, 1);

	/* an unknown last engineer changes nothing */
	ps[1].is_lead = false;
	r.last_engineer_id = 42;
	p = propose(&r);
	CHECK_INT_EQ(p.engineer_id, 1);
}

static void test_least_loaded(void)
{
	struct dsp_person ps[] = {eng(3, DESKTOP, 2), eng(1, DESKTOP, 4), eng(2, DESKTOP, 2),
				  eng(4, LAPTOP, 0)};
	struct dsp_request r = req(at(2026, 3, MON, 9, 0), ps, 4);
	struct dsp_proposal p = propose(&r);
	CHECK_INT_EQ(p.engineer_id, 2); /* load 2, lower id than 3 */

	/* the least loaded is busy until after due_at: the next one who fits */
	struct dsp_busy b = {at(2026, 3, MON, 9, 0), at(2026, 3, MON, 18, 0)};
	ps[2].busy = &b;
	ps[2].nbusy = 1;
	r.due_at = at(2026, 3, MON, 18, 0);
	p = propose(&r);
	CHECK_INT_EQ(p.engineer_id, 3);
	CHECK_AT(p.start, 2026, 3, MON, 9, 0);

	/* the preferred one wins at its own earliest window if it meets due_at */
	b.end = at(2026, 3, MON, 13, 0);
	p = propose(&r);
	CHECK_INT_EQ(p.engineer_id, 2);
	CHECK_AT(p.start, 2026, 3, MON, 13, 0);
	CHECK(p.meets_due);
}

static void test_requires_lead(void)
{
	struct dsp_busy lb[] = {{at(2026, 3, MON, 9, 0), at(2026, 3, MON, 10, 0)},
				{at(2026, 3, MON, 10, 30), at(2026, 3, MON, 12, 0)}};
	struct dsp_busy eb[] = {{at(2026, 3, MON, 12, 0), at(2026, 3, MON, 13, 0)}};
	struct dsp_person ps[] = {eng(1, DESKTOP, 0), lead(10), eng(2, DESKTOP, 3)};
	ps[0].team_id = ps[1].team_id = 7;
	ps[0].team_lead = 10;
	ps[1].team_lead = 10;
	ps[1].busy = lb;
	ps[1].nbusy = 1;
	struct dsp_request r = req(at(2026, 3, MON, 9, 0), ps, 3);

	/* without requires_lead the lead's diary is irrelevant */
	struct dsp_proposal p = propose(&r);
	CHECK_INT_EQ(p.engineer_id, 1);
	CHECK_INT_EQ(p.lead_id, 0);
	CHECK_AT(p.start, 2026, 3, MON, 9, 0);

	r.requires_lead = true;
	p = propose(&r);
	CHECK(p.found);
	CHECK_INT_EQ(p.engineer_id, 1); /* engineer 2 has no team lead */
	CHECK_INT_EQ(p.lead_id, 10);
	CHECK_AT(p.start, 2026, 3, MON, 10, 0);
	CHECK_AT(p.end, 2026, 3, MON, 11, 0);
	CHECK(p.meets_due);

	/* lead busy 9-10 and 10:30-12, engineer busy 12-13: 13:00 */
	ps[1].nbusy = 2;
	ps[0].busy = eb;
	ps[0].nbusy = 1;
	p = propose(&r);
	CHECK_INT_EQ(p.lead_id, 10);
	CHECK_AT(p.start, 2026, 3, MON, 13, 0);

	/* the lead keeps shorter hours: both must be working */
	ps[1].nbusy = 0;
	ps[0].nbusy = 0;
	ps[1].work_start_min = 14 * 60;
	p = propose(&r);
	CHECK_AT(p.start, 2026, 3, MON, 14, 0);

	/* the lead does not work Mondays */
	ps[1].work_start_min = 9 * 60;
	ps[1].work_days = 0x3c;
	p = propose(&r);
	CHECK_AT(p.start, 2026, 3, TUE, 9, 0);

	/* the lead's team_lead is not required to be anything */
	ps[1].work_days = DSP_DEFAULT_DAYS;
	ps[1].team_lead = 0;
	p = propose(&r);
	CHECK_AT(p.start, 2026, 3, MON, 9, 0);

	/* a team lead who is absent from people, or not a lead: skipped */
	ps[0].team_lead = 11;
	p = propose(&r);
	CHECK(!p.found);
	ps[0].team_lead = 2;
	p = propose(&r);
	CHECK(!p.found);

	/* engineer 2 gets a lead: chosen although more loaded */
	ps[0].team_lead = 0;
	ps[2].team_lead = 10;
	p = propose(&r);
	CHECK_INT_EQ(p.engineer_id, 2);
	CHECK_INT_EQ(p.lead_id, 10);
	CHECK_AT(p.start, 2026, 3, MON, 9, 0);

	/* the lead never works when the engineer does */
	ps[1].work_start_min = 18 * 60;
	ps[1].work_end_min = 22 * 60;
	p = propose(&r);
	CHECK(!p.found);
}

static void test_due_too_soon(void)
{
	struct dsp_busy ba = {at(2026, 3, MON, 9, 0), at(2026, 3, MON, 12, 0)};
	struct dsp_busy bb = {at(2026, 3, MON, 9, 0), at(2026, 3, MON, 11, 0)};
	struct dsp_person ps[] = {eng(1, DESKTOP, 0), eng(2, DESKTOP, 1)};
	ps[0].busy = &ba;
	ps[0].nbusy = 1;
	ps[1].busy = &bb;
	ps[1].nbusy = 1;
	struct dsp_request r = req(at(2026, 3, MON, 9, 0), ps, 2);
	r.due_at = at(2026, 3, MON, 10, 0);
	struct dsp_proposal p = propose(&r);
	CHECK(p.found);
	CHECK(!p.meets_due);
	CHECK_INT_EQ(p.engineer_id, 2); /* the earliest overall window */
	CHECK_AT(p.start, 2026, 3, MON, 11, 0);

	/* the same earliest window: the preference order decides */
	ba.end = at(2026, 3, MON, 11, 0);
	p = propose(&r);
	CHECK(!p.meets_due);
	CHECK_INT_EQ(p.engineer_id, 1);
	CHECK_AT(p.start, 2026, 3, MON, 11, 0);
	r.last_engineer_id = 2;
	p = propose(&r);
	CHECK_INT_EQ(p.engineer_id, 2);

	/* ending exactly at due_at meets it */
	r.due_at = at(2026, 3, MON, 12, 0);
	r.last_engineer_id = 0;
	p = propose(&r);
	CHECK(p.meets_due);
	CHECK_INT_EQ(p.engineer_id, 1);
	CHECK_AT(p.end, 2026, 3, MON, 12, 0);

	/* due_at already past */
	r.due_at = at(2026, 3, MON, 8, 0);
	p = propose(&r);
	CHECK(p.found);
	CHECK(!p.meets_due);
	CHECK_AT(p.start, 2026, 3, MON, 11, 0);

	/* due_at beyond the horizon still counts */
	ba.end = bb.end = at(2026, 3, TUE, 18, 0);
	r.horizon_days = 1;
	r.due_at = at(2026, 3, 31, 18, 0);
	p = propose(&r);
	CHECK(p.found);
	CHECK(p.meets_due);
	CHECK_AT(p.start, 2026, 3, WED, 9, 0);
}

static void test_horizon(void)
{
	struct dsp_busy b = {at(2026, 3, MON, 0, 0), at(2026, 3, WED, 18, 0)};
	struct dsp_person ps[] = {eng(1, DESKTOP, 0), eng(2, DESKTOP, 0)};
	ps[0].busy = ps[1].busy = &b;
	ps[0].nbusy = ps[1].nbusy = 1;
	struct dsp_request r = req(at(2026, 3, MON, 9, 0), ps, 2);
	r.due_at = at(2026, 3, MON, 12, 0);
	r.horizon_days = 2;
	struct dsp_proposal p = propose(&r);
	CHECK(!p.found);
	CHECK_INT_EQ(p.engineer_id, 0);
	CHECK_INT_EQ(p.lead_id, 0);
	CHECK(!p.meets_due);

	r.horizon_days = 3; /* ends Thursday 09:00: still nothing */
	p = propose(&r);
	CHECK(!p.found);

	/* a window ending exactly at the horizon's end counts */
	r.now = at(2026, 3, MON, 10, 0);
	r.due_at = r.now;
	p = propose(&r);
	CHECK(p.found);
	CHECK_INT_EQ(p.engineer_id, 1);
	CHECK_AT(p.start, 2026, 3, 5, 9, 0);
	CHECK_AT(p.end, 2026, 3, 5, 10, 0);
	CHECK(!p.meets_due);

	r.horizon_days = 0;
	p = propose(&r);
	CHECK(!p.found);

	/* no people, bad shapes */
	r.horizon_days = 14;
	r.npeople = 0;
	p = propose(&r);
	CHECK(!p.found);
	r.npeople = 2;
	r.duration_min = 0;
	p = propose(&r);
	CHECK(!p.found);
	r.duration_min = 60;
	r.grid_min = 0;
	p = propose(&r);
	CHECK(!p.found);
}

static void test_rounding(void)
{
	struct dsp_person ps[] = {eng(1, DESKTOP, 0)};
	struct dsp_request r = req(at(2026, 3, MON, 10, 7), ps, 1);
	r.lead_time_min = 30;
	struct dsp_proposal p = propose(&r);
	CHECK_AT(p.start, 2026, 3, MON, 11, 0);
	CHECK_AT(p.end, 2026, 3, MON, 12, 0);

	r.grid_min = 15;
	p = propose(&r);
	CHECK_AT(p.start, 2026, 3, MON, 10, 45);

	r.grid_min = 30;
	r.now = at(2026, 3, MON, 10, 0);
	p = propose(&r);
	CHECK_AT(p.start, 2026, 3, MON, 10, 30); /* already on the grid */

	r.now = at(2026, 3, MON, 10, 0) + 1;
	p = propose(&r);
	CHECK_AT(p.start, 2026, 3, MON, 11, 0);

	r.lead_time_min = 0;
	r.grid_min = 60;
	r.now = at(2026, 3, MON, 10, 1);
	p = propose(&r);
	CHECK_AT(p.start, 2026, 3, MON, 11, 0);

	/* a grid that does not divide the hour restarts at midnight: 0:00, 0:45, ... */
	r.grid_min = 45;
	r.now = at(2026, 3, MON, 8, 0);
	p = propose(&r);
	CHECK_AT(p.start, 2026, 3, MON, 9, 0);
	r.now = at(2026, 3, MON, 9, 1);
	p = propose(&r);
	CHECK_AT(p.start, 2026, 3, MON, 9, 45);

	/* a long lead time crosses into the next day */
	r.grid_min = 30;
	r.now = at(2026, 3, MON, 16, 10);
	r.lead_time_min = 24 * 60;
	p = propose(&r);
	CHECK_AT(p.start, 2026, 3, TUE, 16, 30);
}

/* DST: America/New_York springs forward on Sunday 2026-03-08. */
static void test_dst(void)
{
	use_tz("America/New_York");
	struct dsp_person ps[] = {eng(1, DESKTOP, 0)};
	struct dsp_request r = req(at(2026, 3, FRI, 17, 30), ps, 1);
	struct dsp_proposal p = propose(&r);
	CHECK_AT(p.start, 2026, 3, 9, 9, 0);
	CHECK_AT(p.end, 2026, 3, 9, 10, 0);

	/* Sundays 01:00-05:00 local; the 02:00 hour does not exist */
	ps[0].work_days = 1u << 7;
	ps[0].work_start_min = 60;
	ps[0].work_end_min = 300;
	r.now = at(2026, 3, SAT, 12, 0);
	p = propose(&r);
	CHECK_AT(p.start, 2026, 3, 8, 1, 0);
	CHECK_INT_EQ(p.end - p.start, 3600);

	struct dsp_busy b = {at(2026, 3, 8, 1, 0), at(2026, 3, 8, 4, 0)};
	ps[0].busy = &b;
	ps[0].nbusy = 1;
	p = propose(&r);
	CHECK_AT(p.start, 2026, 3, 8, 4, 0);
	CHECK_AT(p.end, 2026, 3, 8, 5, 0);
	use_tz("Asia/Seoul");
}

/* ---- a brute-force oracle on random cases ------------------------------------------ */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static unsigned rnd(unsigned n)
{
	rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
	return (unsigned)((rng_state >> 33) % n);
}

/* Seoul is UTC+9 all year: local days and weekdays by arithmetic, without mktime. */
#define SEOUL (9 * 3600)

static bool ref_working(const struct dsp_person *p, time_t s, time_t e)
{
	time_t ls = s + SEOUL, le = e + SEOUL;
	time_t day = ls / 86400 * 86400;
	int wday = (int)((ls / 86400 + 4) % 7); /* 1970-01-01 was a Thursday */
	int iso = wday == 0 ? 7 : wday;
	if (!(p->work_days & (1u << iso)) || e <= s)
		return false;
	return ls >= day + p->work_start_min * 60 && le <= day + p->work_end_min * 60;
}

static bool ref_free(const struct dsp_person *p, time_t s, time_t e)
{
	for (int i = 0; i < p->nbusy; i++)
		if (p->busy[i].start < e && s < p->busy[i].end)
			return false;
	return true;
}

static const struct dsp_person *ref_lead(const struct dsp_request *r, const struct dsp_person *e)
{
	for (int i = 0; i < r->npeople; i++)
		if (r->people[i].id == e->team_lead && r->people[i].is_lead)
			return &r->people[i];
	return NULL;
}

static bool ref_fits(const struct dsp_person *e, const struct dsp_person *l, time_t s, time_t t)
{
	return ref_working(e, s, t) && ref_free(e, s, t) &&
	       (!l || (ref_working(l, s, t) && ref_free(l, s, t)));
}

static void ref_propose(const struct dsp_request *r, struct dsp_proposal *out)
{
	memset(out, 0, sizeof *out);
	int order[16], n = 0;
	for (int i = 0; i < r->npeople; i++) {
		const struct dsp_person *p = &r->people[i];
		if (p->is_lead || !(p->skills & (1u << r->kind)))
			continue;
		if (r->requires_lead && (!p->team_lead || !ref_lead(r, p)))
			continue;
		order[n++] = i;
	}
	/* insertion sort by (not last, load, id) */
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0; j--) {
			const struct dsp_person *a = &r->people[order[j - 1]],
						*b = &r->people[order[j]];
			int ka = a->id != r->last_engineer_id, kb = b->id != r->last_engineer_id;
			bool swap = ka != kb		 ? ka > kb
				    : a->load != b->load ? a->load > b->load
							 : a->id > b->id;
			if (!swap)
				break;
			int t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	time_t g = (time_t)r->grid_min * 60, dur = (time_t)r->duration_min * 60;
	time_t from = r->now + (time_t)r->lead_time_min * 60;
	time_t earliest = (from + SEOUL + g - 1) / g * g - SEOUL;
	time_t horizon = r->now + (time_t)r->horizon_days * 86400;
	for (int k = 0; k < n; k++) {
		const struct dsp_person *e = &r->people[order[k]];
		const struct dsp_person *l = r->requires_lead ? ref_lead(r, e) : NULL;
		for (time_t s = earliest; s + dur <= r->due_at; s += g)
			if (ref_fits(e, l, s, s + dur)) {
				*out = (struct dsp_proposal){true, e->id,   l ? l->id : 0,
							     s,	   s + dur, true};
				return;
			}
	}
	for (int k = 0; k < n; k++) {
		const struct dsp_person *e = &r->people[order[k]];
		const struct dsp_person *l = r->requires_lead ? ref_lead(r, e) : NULL;
		for (time_t s = earliest; s + dur <= horizon; s += g) {
			if (out->found && s >= out->start)
				break;
			if (ref_fits(e, l, s, s + dur)) {
				*out = (struct dsp_proposal){true, e->id,   l ? l->id : 0,
							     s,	   s + dur, false};
				break;
			}
		}
	}
}

static void test_against_oracle(void)
{
	static const int hours[][2] = {{540, 1080}, {780, 1320}, {480, 720}, {0, 1440}, {600, 660}};
	static const unsigned days[] = {0x3e, 0x7e, 0xfe, 0x40, 0x2a, 0x3e};
	static const int grids[] = {15, 30, 60};
	static const int durs[] = {30, 60, 90, 120};
	static const int leads[] = {0, 15, 30, 60, 120};
	int mismatches = 0, found = 0, met = 0;
	for (int iter = 0; iter < 400; iter++) {
		struct dsp_person ps[10];
		struct dsp_busy busy[10][6];
		int n = 2 + (int)rnd(8);
		time_t base = at(2026, 3, MON, 0, 0);
		for (int i = 0; i < n; i++) {
			struct dsp_person *p = &ps[i];
			*p = eng(i + 1, rnd(16), (int)rnd(4));
			p->is_lead = rnd(4) == 0;
			int h = (int)rnd(5);
			p->work_start_min = hours[h][0];
			p->work_end_min = hours[h][1];
			p->work_days = days[rnd(6)];
			p->nbusy = (int)rnd(7);
			for (int k = 0; k < p->nbusy; k++) {
				time_t s =
				    base + (time_t)rnd(6 * 96) * 900 + (rnd(3) == 0) * 60 * rnd(15);
				busy[i][k].start = s;
				busy[i][k].end = s + 60 * (30 + (time_t)rnd(600));
			}
			p->busy = busy[i];
		}
		for (int i = 0; i < n; i++) {
			unsigned x = rnd(5);
			ps[i].team_lead = x == 0 ? 0 : x == 1 ? 99 : 1 + (int)rnd((unsigned)n);
		}
		struct dsp_request r = req(base + (time_t)rnd(7 * 1440) * 60 + rnd(60), ps, n);
		r.kind = (int)rnd(4);
		r.grid_min = grids[rnd(3)];
		r.duration_min = durs[rnd(4)];
		r.lead_time_min = leads[rnd(5)];
		r.due_at = r.now + 3600 * (1 + (time_t)rnd(72));
		r.horizon_days = 1 + (int)rnd(5);
		r.requires_lead = rnd(3) == 0;
		r.last_engineer_id = rnd(2) ? 1 + rnd((unsigned)n) : 0;

		struct dsp_proposal got = propose(&r), want;
		ref_propose(&r, &want);
		bool same = got.found == want.found;
		if (same && want.found)
			same = got.engineer_id == want.engineer_id && got.lead_id == want.lead_id &&
			       got.start == want.start && got.end == want.end &&
			       got.meets_due == want.meets_due;
		if (!same) {
			char a[32], b[32];
			fprintf(stderr,
				"oracle case %d: got found=%d eng=%lld lead=%lld %s due=%d, want "
				"found=%d eng=%lld lead=%lld %s due=%d\n",
				iter, got.found, (long long)got.engineer_id, (long long)got.lead_id,
				fmt(got.start, a), got.meets_due, want.found,
				(long long)want.engineer_id, (long long)want.lead_id,
				fmt(want.start, b), want.meets_due);
			mismatches++;
		}
		found += want.found;
		met += want.found && want.meets_due;
	}
	CHECK_INT_EQ(mismatches, 0);
	/* the cases must exercise both outcomes */
	CHECK(found > 100 && met > 50 && found - met > 20 && found < 390);
	printf("oracle: 400 cases, %d found, %d meeting due_at\n", found, met);
}

/* 15 engineers, 14 days, all busy half of every hour until the horizon but one. */
static void test_speed(void)
{
	enum { N = 15, PER = 12 * 9 };
	static struct dsp_person ps[N];
	static struct dsp_busy busy[N][PER];
	time_t base = at(2026, 3, MON, 9, 0);
	for (int i = 0; i < N; i++) {
		ps[i] = eng(i + 1, DESKTOP, i % 4);
		for (int k = 0; k < PER; k++) {
			/* each working hour: busy for its first half */
			time_t s = base + (time_t)(k / 9) * 86400 + (k % 9) * 3600;
			busy[i][k].start = s;
			busy[i][k].end = s + 1800;
		}
		ps[i].busy = busy[i];
		ps[i].nbusy = PER;
	}
	ps[7].nbusy = PER - 9; /* free on Friday 13 March; everyone is free on Monday 16 */
	struct dsp_request r = req(base, ps, N);
	r.due_at = base + 3600;
	r.horizon_days = 14;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct dsp_proposal p;
	enum { RUNS = 50 };
	for (int k = 0; k < RUNS; k++)
		p = propose(&r);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double us = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) /
		    1e3 / RUNS;
	CHECK(p.found);
	CHECK_INT_EQ(p.engineer_id, 8);
	CHECK(!p.meets_due);
	CHECK_AT(p.start, 2026, 3, 13, 9, 0); /* Monday 16th 09:00-10:00 ends past the horizon */
	printf("speed: %d engineers x %d busy each, 14 days: %.0f us per proposal\n", N, PER, us);
	/* timing is reported, not asserted: speed belongs to the benchmarks */
}

int main(void)
{
	use_tz("Asia/Seoul");
	CHECK_RUN(test_calendar);
	CHECK_RUN(test_kind_bit);
	CHECK_RUN(test_skill_filter);
	CHECK_RUN(test_working_hours);
	CHECK_RUN(test_busy);
	CHECK_RUN(test_last_engineer);
	CHECK_RUN(test_least_loaded);
	CHECK_RUN(test_requires_lead);
	CHECK_RUN(test_due_too_soon);
	CHECK_RUN(test_horizon);
	CHECK_RUN(test_rounding);
	CHECK_RUN(test_dst);
	CHECK_RUN(test_against_oracle);
	CHECK_RUN(test_speed);
	return CHECK_DONE();
}
