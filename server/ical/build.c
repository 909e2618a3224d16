/*
 * Feeds (METHOD:PUBLISH) and invitations (METHOD:REQUEST / CANCEL) built with
 * libical. What each property carries and why is in server/ical/README.
 *
 * libical care: every string comes out of the _r functions and is freed
 * here; components are registered with arena_defer() the moment they exist,
 * so no early return can leak them; the VTIMEZONE is our own component (see
 * tz.c), never one borrowed from libical's builtin zones; the UTC zone is
 * fetched once (pthread_once) because its lazy set-up is not thread-safe.
 * TEXT values are handed to libical raw, and libical escapes them once.
 */
#include "ical_int.h"

#include "fieldd/arena.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static pthread_once_t utc_once = PTHREAD_ONCE_INIT;
static icaltimezone *utc_zone;

static void utc_init(void)
{
	utc_zone = icaltimezone_get_utc_timezone();
}

static void comp_free(void *p)
{
	icalcomponent_free(p);
}

static bool blank(const char *s)
{
	return !s || !*s;
}

/*
 * Text for a TEXT value: CR LF and a lone CR become LF (libical writes LF as
 * \n), other control characters are dropped (RFC 5545 TEXT allows none but
 * HTAB). Arena-owned; NULL stays NULL.
 */
static const char *clean_text(struct arena *a, const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s);
	char *out = arena_alloc(a, n + 1), *o = out;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\r') {
			*o++ = '\n';
			if (s[i + 1] == '\n')
				i++;
		} else if (c == '\n' || c == '\t' || (c >= 0x20 && c != 0x7f)) {
			*o++ = (char)c;
		}
	}
	*o = '\0';
	return out;
}

/* A parameter value (CN): one line, no DQUOTE (RFC 5545 forbids it). */
static const char *clean_param(struct arena *a, const char *s)
{
	char *out = (char *)clean_text(a, s);
	for (char *p = out; p && *p; p++)
		if (*p == '\n' || *p == '\t')
			*p = ' ';
		else if (*p == '"')
			*p = '\'';
	return out;
}

/*
 * An X- property's value (X-WR-CALNAME). Its value type is not defined and
 * clients disagree on unescaping it (ical.js keeps an unknown property's
 * text raw; libical 3.0 escapes only backslashes in X- values), so no
 * character that TEXT would escape is left in it: comma, semicolon and
 * backslash become their full-width forms, line breaks spaces.
 */
static const char *x_text(struct arena *a, const char *s)
{
	const char *t = clean_param(a, s);
	struct abuf b;
	abuf_init(&b, a);
	for (const char *p = t; *p; p++) {
		if (*p == ',')
			abuf_adds(&b, "，");
		else if (*p == ';')
			abuf_adds(&b, "；");
		else if (*p == '\\')
			abuf_adds(&b, "＼");
		else
			abuf_add(&b, p, 1);
	}
	return b.buf;
}

/* A mailto: address we can vouch for: no spaces, controls or URI/iCalendar delimiters. */
static bool plain_address(const char *s)
{
	if (blank(s) || !strchr(s, '@') || strlen(s) > 254)
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= 0x20 || *p == 0x7f || strchr("\"<>\\,;:()[]", *p))
			return false;
	return true;
}

/* A URI value: printable ASCII only (anything else is percent-encoded). */
static const char *clean_uri(struct arena *a, const char *s)
{
	struct abuf b;
	abuf_init(&b, a);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p > 0x20 && *p < 0x7f && *p != '"' && *p != '\\')
			abuf_add(&b, p, 1);
		else
			abuf_addf(&b, "%%%02X", *p);
	}
	return b.buf;
}

static struct icaltimetype utc_time(time_t t)
{
	return icaltime_from_timet_with_zone(t, 0, utc_zone);
}

/* Wall-clock time of t in the process's zone, without a zone: the TZID parameter names it. */
static struct icaltimetype local_time(time_t t)
{
	struct tm tm;
	localtime_r(&t, &tm);
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

static icalproperty *with_tzid(icalproperty *p, const char *tzid)
{
	icalproperty_add_parameter(p, icalparameter_new_tzid(tzid));
	return p;
}

/* ---- words ---- */

static const char *status_words(const char *s)
{
	static const char *const map[][2] = {
	    {"proposed", "사전 연락 전 (미확정)"},
	    {"confirmed", "확정"},
	    {"en_route", "이동 중"},
	    {"on_site", "현장 도착"},
	    {"completed", "완료"},
	    {"absent", "고객 부재"},
	    {"cancelled", "취소"},
	};
	for (size_t i = 0; s && i < sizeof map / sizeof map[0]; i++)
		if (!strcmp(map[i][0], s))
			return map[i][1];
	return s;
}

static const char *kind_words(const char *k)
{
	static const char *const map[][2] = {
	    {"desktop", "데스크톱"}, {"laptop", "노트북"},	   {"printer", "프린터"},
	    {"monitor", "모니터"},   {"network", "네트워크 장비"}, {"scanner", "스캐너"},
	    {"server", "서버"},	     {"phone", "전화기"},	   {"other", "기타"},
	};
	for (size_t i = 0; k && i < sizeof map / sizeof map[0]; i++)
		if (!strcmp(map[i][0], k))
			return map[i][1];
	return k;
}

static bool has_word(const char *list, const char *w)
{
	size_t n = strlen(w);
	for (const char *p = list; p && *p;) {
		const char *c = strchr(p, ',');
		size_t len = c ? (size_t)(c - p) : strlen(p);
		if (len == n && !memcmp(p, w, n))
			return true;
		p += len + (c ? 1 : 0);
	}
	return false;
}

static bool all_digits(const char *s)
{
	if (blank(s))
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* Parts joined by sep, blanks skipped; NULL when all are blank. Arena-owned. */
static const char *join(struct arena *a, const char *sep, const char *const *parts, int n)
{
	struct abuf b;
	abuf_init(&b, a);
	for (int i = 0; i < n; i++) {
		if (blank(parts[i]))
			continue;
		if (b.len)
			abuf_adds(&b, sep);
		abuf_adds(&b, parts[i]);
	}
	return b.len ? b.buf : NULL;
}

/* "본관 3층 301호": numbers get their Korean counter word. */
static const char *location(struct arena *a, const struct ical_event *e)
{
	const char *parts[3] = {
	    e->building,
	    all_digits(e->floor) ? arena_printf(a, "%s층", e->floor) : e->floor,
	    all_digits(e->room) ? arena_printf(a, "%s호", e->room) : e->room,
	};
	return join(a, " ", parts, 3);
}

static const char *escalation_words(struct arena *a, const struct ical_event *e)
{
	const char *parts[3] = {
	    has_word(e->escalations, "repeat_fault")
		? arena_printf(a, "재발 고장 %d회째 — 팀장 동행", e->repeat_count)
		: NULL,
	    has_word(e->escalations, "vip") ? "VIP 고객 — 팀장 동행" : NULL,
	    has_word(e->escalations, "next_repeat_escalates") ? "다음 재발 시 팀장 에스컬레이션"
							      : NULL,
	};
	return join(a, ", ", parts, 3);
}

static void line(struct abuf *b, const char *label, const char *value)
{
	if (blank(value))
		return;
	if (b->len)
		abuf_adds(b, "\n");
	abuf_adds(b, label);
	abuf_adds(b, value);
}

static const char *people_words(struct arena *a, const struct ical_event *e)
{
	const char *parts[2] = {
	    blank(e->engineer_name) ? NULL : arena_printf(a, "엔지니어 %s", e->engineer_name),
	    blank(e->lead_name) ? NULL : arena_printf(a, "팀장 %s", e->lead_name),
	};
	return join(a, " · ", parts, 2);
}

/* What the engineer or lead reads in their own calendar. */
static const char *feed_description(struct arena *a, const struct ical_event *e)
{
	struct abuf b;
	abuf_init(&b, a);
	const char *who[3] = {e->customer_name, e->customer_title, NULL};
	const char *cust[3] = {join(a, " ", who, 2), e->customer_department,
			       e->customer_organisation};
	line(&b, "고객: ", join(a, " · ", cust, 3));
	line(&b, "전화: ", e->customer_phone);
	const char *dev[3] = {e->asset_tag, kind_words(e->device_kind), e->device_model};
	line(&b, "장비: ", join(a, " · ", dev, 3));
	const char *fault[2] = {
	    blank(e->fault_name) ? e->fault_code
				 : arena_printf(a, "%s (%s)", e->fault_name, e->fault_code),
	    blank(e->priority) ? NULL : arena_printf(a, "우선순위 %s", e->priority),
	};
	line(&b, "고장: ", join(a, " · ", fault, 2));
	line(&b, "증상: ", e->symptom);
	line(&b, "에스컬레이션: ", escalation_words(a, e));
	line(&b, "담당: ", people_words(a, e));
	line(&b, "상태: ", status_words(e->status));
	line(&b, "앱에서 열기: ", e->url);
	return b.buf;
}

/* What the customer reads: no phone number or e-mail of any engineer. */
static const char *invitation_description(struct arena *a, const struct ical_event *e,
					  bool cancelled)
{
	struct abuf b;
	abuf_init(&b, a);
	if (cancelled)
		line(&b, "", "이 방문 약속은 취소되었습니다.");
	line(&b, "접수 번호: ", e->ticket_number);
	line(&b, "고장: ", blank(e->fault_name) ? e->fault_code : e->fault_name);
	line(&b, "증상: ", e->symptom);
	line(&b, "장소: ", location(a, e));
	line(&b, "방문 엔지니어: ", e->engineer_name);
	line(&b, "동행 팀장: ", e->lead_name);
	line(&b, "진행 상황: ", e->url);
	return b.buf;
}

/* ---- components ---- */

enum mode { FEED_OWN, FEED_TEAM, INVITE };

static void add_text(icalcomponent *c, icalproperty *(*make)(const char *), struct arena *a,
		     const char *value)
{
	if (!blank(value))
		icalcomponent_add_property(c, make(clean_text(a, value)));
}

static icalproperty *organizer(struct arena *a, const struct ical_opts *o)
{
	const char *addr =
	    plain_address(o->organizer_email) ? o->organizer_email : "dispatch@fieldd.invalid";
	icalproperty *p = icalproperty_new_organizer(arena_printf(a, "mailto:%s", addr));
	if (!blank(o->organizer_name))
		icalproperty_add_parameter(p,
					   icalparameter_new_cn(clean_param(a, o->organizer_name)));
	return p;
}

static icalproperty *attendee(struct arena *a, const struct ical_event *e)
{
	/* a customer without a usable address still gets a well-formed invitation */
	const char *addr =
	    plain_address(e->customer_email)
		? arena_strdup(a, e->customer_email)
		: arena_printf(a, "%s@customer.invalid",
			       blank(e->ticket_number) ? "customer" : e->ticket_number);
	icalproperty *p = icalproperty_new_attendee(arena_printf(a, "mailto:%s", addr));
	if (!blank(e->customer_name))
		icalproperty_add_parameter(p,
					   icalparameter_new_cn(clean_param(a, e->customer_name)));
	icalproperty_add_parameter(p, icalparameter_new_role(ICAL_ROLE_REQPARTICIPANT));
	icalproperty_add_parameter(p, icalparameter_new_partstat(ICAL_PARTSTAT_NEEDSACTION));
	icalproperty_add_parameter(p, icalparameter_new_rsvp(ICAL_RSVP_FALSE));
	return p;
}

static const char *summary(struct arena *a, const struct ical_event *e, enum mode m)
{
	const char *head[3] = {e->ticket_number, e->customer_name, NULL};
	const char *parts[2] = {join(a, " ", head, 2),
				blank(e->fault_name) ? e->fault_code : e->fault_name};
	const char *s = join(a, " · ", parts, 2);
	if (m == INVITE) {
		const char *f = blank(e->fault_name) ? e->fault_code : e->fault_name;
		return blank(f) ? arena_printf(a, "IT 유지보수 방문 (%s)", e->ticket_number)
				: arena_printf(a, "IT 유지보수 방문: %s (%s)", f, e->ticket_number);
	}
	if (m == FEED_TEAM) {
		const char *who[2] = {e->engineer_name, e->lead_name};
		const char *names = join(a, ", ", who, 2);
		if (names)
			return arena_printf(a, "%s: %s", names, s ? s : "");
	}
	return s;
}

static icalcomponent *event_new(struct arena *a, const struct ical_opts *o,
				const struct ical_event *e, enum mode m, bool cancelled)
{
	icalcomponent *ev = icalcomponent_new(ICAL_VEVENT_COMPONENT);
	icalcomponent_add_property(ev, icalproperty_new_uid(e->uid));
	icalcomponent_add_property(ev, icalproperty_new_dtstamp(utc_time(e->modified)));
	icalcomponent_add_property(ev, icalproperty_new_lastmodified(utc_time(e->modified)));
	icalcomponent_add_property(ev, icalproperty_new_sequence(e->sequence));
	icalcomponent_add_property(
	    ev, icalproperty_new_status(cancelled ? ICAL_STATUS_CANCELLED
					: e->status && !strcmp(e->status, "proposed")
					    ? ICAL_STATUS_TENTATIVE
					    : ICAL_STATUS_CONFIRMED));
	icalcomponent_add_property(
	    ev, with_tzid(icalproperty_new_dtstart(local_time(e->start)), o->tzid));
	icalcomponent_add_property(ev,
				   with_tzid(icalproperty_new_dtend(local_time(e->end)), o->tzid));
	add_text(ev, icalproperty_new_summary, a, summary(a, e, m));
	add_text(ev, icalproperty_new_location, a, location(a, e));
	add_text(ev, icalproperty_new_description, a,
		 m == INVITE ? invitation_description(a, e, cancelled) : feed_description(a, e));
	if (!blank(e->url))
		icalcomponent_add_property(ev, icalproperty_new_url(clean_uri(a, e->url)));
	icalcomponent_add_property(ev, organizer(a, o));
	if (m == INVITE)
		icalcomponent_add_property(ev, attendee(a, e));
	return ev;
}

static icalcomponent *calendar_new(struct arena *a, const struct ical_opts *o,
				   icalproperty_method method)
{
	pthread_once(&utc_once, utc_init);
	icalcomponent *cal = icalcomponent_new(ICAL_VCALENDAR_COMPONENT);
	arena_defer(a, comp_free, cal);
	icalcomponent_add_property(cal, icalproperty_new_version("2.0"));
	icalcomponent_add_property(cal, icalproperty_new_prodid(clean_text(a, o->prodid)));
	icalcomponent_add_property(cal, icalproperty_new_calscale("GREGORIAN"));
	icalcomponent_add_property(cal, icalproperty_new_method(method));
	return cal;
}

static icalproperty *x_prop(const char *name, const char *value)
{
	icalproperty *p = icalproperty_new_x(value);
	icalproperty_set_x_name(p, name);
	return p;
}

/* Serialises cal with our folding; the libical string is freed here. */
static char *text_of(struct arena *a, icalcomponent *cal, size_t *len)
{
	char *s = icalcomponent_as_ical_string_r(cal);
	struct abuf b;
	abuf_init(&b, a);
	if (s) {
		ical_refold(&b, s, strlen(s));
		icalmemory_free_buffer(s);
	}
	if (len)
		*len = b.len;
	return b.buf;
}

char *ical_feed_text(struct arena *a, const struct ical_opts *o, const struct ical_feed *f,
		     size_t *len)
{
	icalcomponent *cal = calendar_new(a, o, ICAL_METHOD_PUBLISH);
	const char *name = blank(f->name) ? "fieldd" : f->name;
	icalcomponent_add_property(cal, icalproperty_new_name(clean_text(a, name)));
	icalcomponent_add_property(cal, x_prop("X-WR-CALNAME", x_text(a, name)));
	icalcomponent_add_property(cal, x_prop("X-WR-TIMEZONE", x_text(a, o->tzid)));
	struct icaldurationtype hour = icaldurationtype_null_duration();
	hour.hours = 1;
	icalproperty *ri = icalproperty_new_refreshinterval(hour);
	icalproperty_add_parameter(ri, icalparameter_new_value(ICAL_VALUE_DURATION));
	icalcomponent_add_property(cal, ri);
	icalcomponent_add_property(cal, x_prop("X-PUBLISHED-TTL", "PT1H"));

	/* the zone's span follows the events, so the same events give the same bytes */
	time_t first = 0, last = 0;
	for (size_t i = 0; i < f->n; i++) {
		if (i == 0 || f->events[i].start < first)
			first = f->events[i].start;
		if (i == 0 || f->events[i].end > last)
			last = f->events[i].end;
	}
	if (f->n == 0)
		first = last = time(NULL);
	icalcomponent_add_component(cal, ical_vtimezone_new(o->tzid, first, last));
	for (size_t i = 0; i < f->n; i++)
		icalcomponent_add_component(
		    cal, event_new(a, o, &f->events[i], f->team ? FEED_TEAM : FEED_OWN, false));
	ical_count_build();
	return text_of(a, cal, len);
}

char *ical_invitation_text(struct arena *a, const struct ical_opts *o, const struct ical_event *e,
			   const char **method, size_t *len)
{
	bool cancelled = e->status && !strcmp(e->status, "cancelled");
	icalcomponent *cal =
	    calendar_new(a, o, cancelled ? ICAL_METHOD_CANCEL : ICAL_METHOD_REQUEST);
	icalcomponent_add_component(cal, ical_vtimezone_new(o->tzid, e->start, e->end));
	icalcomponent_add_component(cal, event_new(a, o, e, INVITE, cancelled));
	if (method)
		*method = cancelled ? "CANCEL" : "REQUEST";
	return text_of(a, cal, len);
}
