/*
 * A trimmed VTIMEZONE for the process's zone, made from the system's zone
 * data (localtime_r), not from libical's builtin zones: those carry the
 * /freeassociation.sourceforge.net/ TZID prefix and every rule since 1908,
 * which python-icalendar rejects and khal answers by dropping events.
 *
 * The component covers whole years around the events. A zone with no
 * change of offset in that span (Asia/Seoul since 1988) gets one STANDARD
 * component from 1970 with TZOFFSETFROM = TZOFFSETTO. A zone with daylight
 * time gets the offset at the span's start and then every actual transition
 * in the span as its own STANDARD/DAYLIGHT component (DTSTART only, no
 * RRULE): exact for the span, with no guess at a yearly rule. Clients that
 * know the IANA name (Google, Apple, Thunderbird) use their own data anyway.
 */
#include "ical_int.h"

#include <string.h>
#include <time.h>

#define DAY		86400
#define MAX_TRANSITIONS 64

static long offset_at(time_t t, struct tm *tm)
{
	localtime_r(&t, tm);
	return tm->tm_gmtoff;
}

/* Local midnight of 1 January of year y (tm_year convention). */
static time_t new_year(int y)
{
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y;
	tm.tm_mday = 1;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

/* Wall-clock fields of instant t at UTC offset off, as a floating time. */
static struct icaltimetype wall_at(time_t t, long off)
{
	time_t shifted = t + off;
	struct tm tm;
	gmtime_r(&shifted, &tm);
	struct icaltimetype it = icaltime_null_time();
	it.year = tm.tm_year + 1900;
	it.month = tm.tm_mon + 1;
	it.day = tm.tm_mday;
	it.hour = tm.tm_hour;
	it.minute = tm.tm_min;
	it.second = tm.tm_sec;
	it.is_date = 0;
	return it;
}

static icalcomponent *observance(bool dst, struct icaltimetype start, long from, long to,
				 const char *name)
{
	icalcomponent *c =
	    icalcomponent_new(dst ? ICAL_XDAYLIGHT_COMPONENT : ICAL_XSTANDARD_COMPONENT);
	icalcomponent_add_property(c, icalproperty_new_dtstart(start));
	icalcomponent_add_property(c, icalproperty_new_tzoffsetfrom((int)from));
	icalcomponent_add_property(c, icalproperty_new_tzoffsetto((int)to));
	if (name && *name)
		icalcomponent_add_property(c, icalproperty_new_tzname(name));
	return c;
}

icalcomponent *ical_vtimezone_new(const char *tzid, time_t first, time_t last)
{
	struct tm tm;
	localtime_r(&first, &tm);
	time_t from = new_year(tm.tm_year);
	localtime_r(&last, &tm);
	time_t to = new_year(tm.tm_year + 1);
	if (to <= from)
		to = from + 366 * DAY;

	struct {
		time_t at;
		long from, to;
		bool dst;
		char name[16];
	} tr[MAX_TRANSITIONS];
	int n = 0;
	struct tm start_tm;
	long start_off = offset_at(from, &start_tm);
	long off = start_off;
	for (time_t t = from; t < to && n < MAX_TRANSITIONS; t += DAY) {
		time_t next = t + DAY;
		struct tm ntm;
		if (offset_at(next, &ntm) == off)
			continue;
		/* the first second of the new offset lies in (t, next] */
		time_t lo = t, hi = next;
		while (hi - lo > 1) {
			time_t mid = lo + (hi - lo) / 2;
			struct tm mtm;
			if (offset_at(mid, &mtm) == off)
				lo = mid;
			else
				hi = mid;
		}
		struct tm htm;
		long noff = offset_at(hi, &htm);
		tr[n].at = hi;
		tr[n].from = off;
		tr[n].to = noff;
		tr[n].dst = htm.tm_isdst > 0;
		snprintf(tr[n].name, sizeof tr[n].name, "%s", htm.tm_zone ? htm.tm_zone : "");
		n++;
		off = noff;
	}

	icalcomponent *vtz = icalcomponent_new(ICAL_VTIMEZONE_COMPONENT);
	icalcomponent_add_property(vtz, icalproperty_new_tzid(tzid));
	struct icaltimetype base;
	if (n == 0) {
		base = icaltime_null_time();
		base.year = 1970;
		base.month = 1;
		base.day = 1;
		base.is_date = 0;
	} else {
		base = wall_at(from, start_off);
	}
	icalcomponent_add_component(
	    vtz, observance(start_tm.tm_isdst > 0, base, start_off, start_off, start_tm.tm_zone));
	/* DTSTART of an observance is the local time of its onset, in the old offset */
	for (int i = 0; i < n; i++)
		icalcomponent_add_component(vtz,
					    observance(tr[i].dst, wall_at(tr[i].at, tr[i].from),
						       tr[i].from, tr[i].to, tr[i].name));
	return vtz;
}
