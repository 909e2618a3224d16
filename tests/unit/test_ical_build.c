/*
 * Feeds and invitations as libical builds them for fieldd (no database):
 * the properties calendar apps need, TEXT escaped exactly once, the trimmed
 * VTIMEZONE (Asia/Seoul, and a zone with daylight time), byte-stable output,
 * libical's own iTIP restriction check on feeds and invitations, what a
 * customer's invitation must not carry, and golden files for the exact bytes
 * (FIELDD_UPDATE_GOLDEN=1 rewrites them after a deliberate change).
 */
#include "check.h"
#include "fieldd/arena.h"
#include "fieldd/ical.h"

#include <libical/ical.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef FIELDD_TEST_DATA
#error "FIELDD_TEST_DATA (tests/unit/data) must be defined"
#endif

static const struct ical_opts OPTS = {
    .tzid = "Asia/Seoul",
    .organizer_email = "dispatch@example.kr",
    .organizer_name = "fieldd 배차",
    .prodid = "-//fieldd//test//KO",
};

#define SYMPTOM                                                                                                         \
	"전원은 들어오나, 부팅이 안 됨; 화면에 \"No bootable device\" 표시 — 백슬래시\\ 경로 " \
	"C:\\Windows\n두 번째 줄: 지난주에도 같은 증상으로 수리함"

/* 2026-11-24 10:00 and 2026-11-25 14:00 in Seoul; modified 2026-11-20 08:30:15 UTC. */
static struct ical_event sample(int i)
{
	struct ical_event e = {
	    .visit_id = 100 + i,
	    .uid =
		i ? "0b6a4bde-2c1f-4c51-9f0f-3c1e2d4a5b6c" : "6dd69757-ca99-4a39-bbaf-a136f2368c75",
	    .sequence = i ? 3 : 0,
	    .status = i ? "confirmed" : "proposed",
	    .start = i ? 1795582800 : 1795482000,
	    .end = i ? 1795586400 : 1795485600,
	    .modified = 1795163415,
	    .ticket_number = i ? "T-2026-000124" : "T-2026-000123",
	    .fault_code = "NO_BOOT",
	    .fault_name = "부팅 불가",
	    .symptom = SYMPTOM,
	    .priority = "P2",
	    .escalations = i ? "repeat_fault,vip" : "",
	    .repeat_count = 3,
	    .customer_name = i ? "한상무" : "박사원",
	    .customer_title = "과장",
	    .customer_department = "총무팀",
	    .customer_organisation = "한국공사",
	    .customer_phone = "010-3333-0001",
	    .customer_email = "park@example.kr",
	    .asset_tag = "PC-0001",
	    .device_kind = "desktop",
	    .device_model = "HP ProDesk 400",
	    .building = "본관",
	    .floor = "3",
	    .room = "301",
	    .engineer_name = "김기사",
	    .lead_name = i ? "박팀장" : NULL,
	    .url = "https://fieldd.example.kr/m/#/visits/100",
	};
	return e;
}

static const char *feed(struct arena *a, size_t *len)
{
	struct ical_event ev[2] = {sample(0), sample(1)};
	struct ical_feed f = {.name = "김기사 방문 일정", .events = ev, .n = 2};
	return ical_feed_text(a, &OPTS, &f, len);
}

static int count(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* Unfolded copy (CRLF + space/tab removed). */
static char *unfold(struct arena *a, const char *t)
{
	size_t n = strlen(t);
	char *out = arena_alloc(a, n + 1), *o = out;
	for (size_t i = 0; i < n; i++) {
		if (t[i] == '\r' && t[i + 1] == '\n' && (t[i + 2] == ' ' || t[i + 2] == '\t')) {
			i += 2;
			continue;
		}
		*o++ = t[i];
	}
	*o = '\0';
	return out;
}

static void test_feed_has_what_clients_need(void)
{
	struct arena *a = arena_new();
	size_t len;
	const char *t = feed(a, &len);
	CHECK_INT_EQ(strlen(t), len);
	const char *u = unfold(a, t);
	CHECK(!strncmp(t, "BEGIN:VCALENDAR\r\n", 17));
	CHECK_STR_HAS(u, "\r\nVERSION:2.0\r\n");
	CHECK_STR_HAS(u, "\r\nPRODID:-//fieldd//test//KO\r\n");
	CHECK_STR_HAS(u, "\r\nMETHOD:PUBLISH\r\n");
	CHECK_STR_HAS(u, "\r\nNAME:김기사 방문 일정\r\n");
	CHECK_STR_HAS(u, "\r\nX-WR-CALNAME:김기사 방문 일정\r\n");
	CHECK_STR_HAS(u, "\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n");
	CHECK_STR_HAS(u, "\r\nX-PUBLISHED-TTL:PT1H\r\n");
	CHECK_INT_EQ(count(u, "BEGIN:VTIMEZONE"), 1);
	CHECK_STR_HAS(u, "\r\nTZID:Asia/Seoul\r\n");
	CHECK(!strstr(u, "freeassociation"));
	CHECK(!strstr(u, "ATTENDEE"));
	CHECK_INT_EQ(count(u, "BEGIN:VEVENT"), 2);
	CHECK_INT_EQ(count(u, "\r\nORGANIZER;CN=fieldd 배차:mailto:dispatch@example.kr\r\n"), 2);
	/* times: zoned wall clock, never floating; stamps in UTC at the last change */
	CHECK_STR_HAS(u, "\r\nDTSTART;TZID=Asia/Seoul:20261124T100000\r\n");
	CHECK_STR_HAS(u, "\r\nDTEND;TZID=Asia/Seoul:20261124T110000\r\n");
	CHECK_STR_HAS(u, "\r\nDTSTART;TZID=Asia/Seoul:20261125T140000\r\n");
	CHECK_INT_EQ(count(u, "\r\nDTSTART:"), 1); /* only the VTIMEZONE's observance */
	CHECK_INT_EQ(count(u, "\r\nDTEND:"), 0);
	CHECK_INT_EQ(count(u, "\r\nDTSTAMP:20261120T083015Z\r\n"), 2);
	CHECK_INT_EQ(count(u, "\r\nLAST-MODIFIED:20261120T083015Z\r\n"), 2);
	CHECK_STR_HAS(u, "\r\nUID:6dd69757-ca99-4a39-bbaf-a136f2368c75\r\n");
	CHECK_STR_HAS(u, "\r\nSEQUENCE:3\r\n");
	CHECK_STR_HAS(u, "\r\nSTATUS:TENTATIVE\r\n");
	CHECK_STR_HAS(u, "\r\nSTATUS:CONFIRMED\r\n");
	CHECK_STR_HAS(u, "\r\nSUMMARY:T-2026-000123 박사원 · 부팅 불가\r\n");
	CHECK_STR_HAS(u, "\r\nLOCATION:본관 3층 301호\r\n");
	CHECK_STR_HAS(u, "\\n전화: 010-3333-0001\\n");
	CHECK_STR_HAS(u, "\\n에스컬레이션: 재발 고장 3회째 — 팀장 동행\\, VIP 고객 — 팀장 동행\\n");
	CHECK_STR_HAS(u, "\\n앱에서 열기: https://fieldd.example.kr/m/#/visits/100");
	CHECK_STR_HAS(u, "\r\nURL:https://fieldd.example.kr/m/#/visits/100\r\n");
	/* CRLF after every line, nothing else */
	for (const char *p = t; *p; p++)
		if (*p == '\n' && (p == t || p[-1] != '\r')) {
			CHECK_MSG(0, "a bare LF");
			break;
		}
	CHECK(len >= 2 && !strcmp(t + len - 2, "\r\n"));
	arena_free(a);
}

static icalcomponent *first_event(icalcomponent *cal)
{
	return icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
}

static void test_text_escaped_exactly_once(void)
{
	struct arena *a = arena_new();
	const char *t = feed(a, NULL);
	const char *u = unfold(a, t);
	/* one backslash before , ; and \ of the symptom, none doubled */
	CHECK_STR_HAS(u,
		      "증상: 전원은 들어오나\\, 부팅이 안 됨\\; 화면에 \"No bootable device\" 표시 "
		      "— 백슬래시\\\\ 경로 C:\\\\Windows\\n두 번째 줄");
	CHECK(!strstr(u, "\\\\,"));
	CHECK(!strstr(u, "\\\\;"));
	CHECK(!strstr(u, "\\\\n"));
	/* and libical reads back exactly what went in */
	icalcomponent *cal = icalparser_parse_string(t);
	if (CHECK_NOT_NULL(cal)) {
		const char *d = icalcomponent_get_description(first_event(cal));
		CHECK_STR_HAS(d, "증상: " SYMPTOM "\n");
		CHECK_STR_EQ(icalcomponent_get_summary(first_event(cal)),
			     "T-2026-000123 박사원 · 부팅 불가");
		icalcomponent_free(cal);
	}
	arena_free(a);
}

static void test_calendar_name_escaped_once(void)
{
	struct arena *a = arena_new();
	struct ical_feed f = {.name = "1팀, 2팀; A\\B"};
	const char *u = unfold(a, ical_feed_text(a, &OPTS, &f, NULL));
	CHECK_STR_HAS(u, "\r\nNAME:1팀\\, 2팀\\; A\\\\B\r\n");
	/* X-WR-CALNAME's unescaping differs between clients: nothing in it needs escaping */
	CHECK_STR_HAS(u, "\r\nX-WR-CALNAME:1팀， 2팀； A＼B\r\n");
	arena_free(a);
}

static void test_same_input_same_bytes(void)
{
	struct arena *a = arena_new(), *b = arena_new();
	size_t la, lb;
	const char *ta = feed(a, &la), *tb = feed(b, &lb);
	CHECK_INT_EQ(la, lb);
	CHECK(la == lb && !memcmp(ta, tb, la));
	arena_free(a);
	arena_free(b);
}

static void test_seoul_vtimezone_is_one_standard(void)
{
	struct arena *a = arena_new();
	const char *u = unfold(a, feed(a, NULL));
	const char *vtz = strstr(u, "BEGIN:VTIMEZONE\r\n");
	const char *end = strstr(u, "END:VTIMEZONE\r\n");
	if (CHECK_NOT_NULL(vtz) && CHECK_NOT_NULL(end)) {
		char *z = arena_strndup(a, vtz, (size_t)(end - vtz) + 15);
		CHECK_STR_EQ(z, "BEGIN:VTIMEZONE\r\nTZID:Asia/Seoul\r\nBEGIN:STANDARD\r\n"
				"DTSTART:19700101T000000\r\nTZOFFSETFROM:+0900\r\n"
				"TZOFFSETTO:+0900\r\nTZNAME:KST\r\nEND:STANDARD\r\n"
				"END:VTIMEZONE\r\n");
	}
	arena_free(a);
}

static void set_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

/* The zone's own component, cloned out of the parsed calendar, converts the event times. */
static time_t as_utc(icalcomponent *cal, icalproperty_kind kind)
{
	icalcomponent *vtz = icalcomponent_get_first_component(cal, ICAL_VTIMEZONE_COMPONENT);
	icaltimezone *zone = icaltimezone_new();
	/* the zone takes ownership: give it a clone, never the calendar's own child */
	icaltimezone_set_component(zone, icalcomponent_new_clone(vtz));
	icalproperty *p = icalcomponent_get_first_property(first_event(cal), kind);
	struct icaltimetype t = icalproperty_get_dtstart(p);
	time_t out = icaltime_as_timet_with_zone(t, zone);
	icaltimezone_free(zone, 1);
	return out;
}

static void test_dst_zone_gets_its_transitions(void)
{
	set_tz("Europe/Berlin");
	struct arena *a = arena_new();
	struct ical_event ev[2] = {sample(0), sample(1)};
	ev[0].start = 1774000800; /* 2026-03-20 10:00 UTC = 11:00 CET */
	ev[0].end = ev[0].start + 3600;
	ev[1].start = 1780308000; /* 2026-06-01 10:00 UTC = 12:00 CEST */
	ev[1].end = 1793606400;	  /* 2026-11-02 08:00 UTC */
	struct ical_opts o = OPTS;
	o.tzid = "Europe/Berlin";
	struct ical_feed f = {.name = "Berlin", .events = ev, .n = 2};
	const char *t = ical_feed_text(a, &o, &f, NULL);
	const char *u = unfold(a, t);
	CHECK_STR_HAS(u, "TZID:Europe/Berlin\r\nBEGIN:STANDARD\r\nDTSTART:20260101T000000\r\n"
			 "TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\nEND:STANDARD\r\n"
			 "BEGIN:DAYLIGHT\r\nDTSTART:20260329T020000\r\nTZOFFSETFROM:+0100\r\n"
			 "TZOFFSETTO:+0200\r\nTZNAME:CEST\r\nEND:DAYLIGHT\r\n"
			 "BEGIN:STANDARD\r\nDTSTART:20261025T030000\r\nTZOFFSETFROM:+0200\r\n"
			 "TZOFFSETTO:+0100\r\nTZNAME:CET\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n");
	CHECK_STR_HAS(u, "DTSTART;TZID=Europe/Berlin:20260320T110000\r\n");
	CHECK_STR_HAS(u, "DTSTART;TZID=Europe/Berlin:20260601T120000\r\n");
	icalcomponent *cal = icalparser_parse_string(t);
	if (CHECK_NOT_NULL(cal)) {
		CHECK_INT_EQ(as_utc(cal, ICAL_DTSTART_PROPERTY), ev[0].start);
		icalcomponent_free(cal);
	}
	arena_free(a);
	set_tz("Asia/Seoul");
}

static int lic_errors(icalcomponent *c)
{
	int n = icalcomponent_count_properties(c, ICAL_XLICERROR_PROPERTY);
	for (icalcomponent *k = icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT); k;
	     k = icalcomponent_get_next_component(c, ICAL_ANY_COMPONENT))
		n += lic_errors(k);
	return n;
}

/* 1 when libical parses text cleanly and its iTIP restriction check passes. */
static int itip_ok(const char *text)
{
	icalcomponent *cal = icalparser_parse_string(text);
	if (!cal)
		return 0;
	int ok = icalrestriction_check(cal) && lic_errors(cal) == 0;
	if (!ok) {
		char *s = icalcomponent_as_ical_string_r(cal);
		fprintf(stderr, "%s", s);
		icalmemory_free_buffer(s);
	}
	icalcomponent_free(cal);
	return ok;
}

static void test_itip_restrictions(void)
{
	struct arena *a = arena_new();
	CHECK(itip_ok(feed(a, NULL)));
	struct ical_event e = sample(1);
	const char *method;
	const char *req = ical_invitation_text(a, &OPTS, &e, &method, NULL);
	CHECK_STR_EQ(method, "REQUEST");
	CHECK(itip_ok(req));
	e.status = "cancelled";
	e.sequence = 4;
	const char *cancel = ical_invitation_text(a, &OPTS, &e, &method, NULL);
	CHECK_STR_EQ(method, "CANCEL");
	CHECK(itip_ok(cancel));
	const char *cu = unfold(a, cancel);
	CHECK_STR_HAS(cu, "\r\nMETHOD:CANCEL\r\n");
	CHECK_STR_HAS(cu, "\r\nSTATUS:CANCELLED\r\n");
	CHECK_STR_HAS(cu, "\r\nSEQUENCE:4\r\n");
	CHECK_STR_HAS(cu, "\r\nUID:0b6a4bde-2c1f-4c51-9f0f-3c1e2d4a5b6c\r\n");
	/* the check has teeth: a REQUEST without its ATTENDEE is refused */
	char *broken = arena_strdup(a, unfold(a, req));
	char *att = strstr(broken, "\r\nATTENDEE");
	if (CHECK_NOT_NULL(att)) {
		char *eol = strstr(att + 2, "\r\n");
		memmove(att, eol, strlen(eol) + 1);
		fprintf(stderr, "(an invitation without ATTENDEE, expected to fail:)\n");
		CHECK(!itip_ok(broken));
	}
	arena_free(a);
}

static void test_invitation_for_the_customer(void)
{
	struct arena *a = arena_new();
	struct ical_event e = sample(1);
	e.url = "https://fieldd.example.kr/t/5QO-MSSu4B6eGFtWqRTH3OiVQesmyeXX2ZUIDkluqdY";
	const char *u = unfold(a, ical_invitation_text(a, &OPTS, &e, NULL, NULL));
	CHECK_STR_HAS(u, "\r\nMETHOD:REQUEST\r\n");
	CHECK_STR_HAS(u, "\r\nORGANIZER;CN=fieldd 배차:mailto:dispatch@example.kr\r\n");
	CHECK_STR_HAS(u, "\r\nATTENDEE;CN=한상무;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;"
			 "RSVP=FALSE:mailto:park@example.kr\r\n");
	CHECK_STR_HAS(u, "\r\nUID:0b6a4bde-2c1f-4c51-9f0f-3c1e2d4a5b6c\r\n");
	CHECK_STR_HAS(u, "\r\nSTATUS:CONFIRMED\r\n");
	CHECK_STR_HAS(u, "방문 엔지니어: 김기사");
	/* the engineer's app link and every phone number stay out */
	CHECK(!strstr(u, "010-"));
	CHECK(!strstr(u, "/m/#/visits"));
	CHECK_INT_EQ(count(u, "BEGIN:VTIMEZONE"), 1);
	/* no usable address: still a well-formed ATTENDEE */
	e.customer_email = "not an address";
	u = unfold(a, ical_invitation_text(a, &OPTS, &e, NULL, NULL));
	CHECK_STR_HAS(u, ":mailto:T-2026-000124@customer.invalid\r\n");
	arena_free(a);
}

/* Text with characters a line end or a parameter could be smuggled in with. */
static void test_hostile_text_stays_in_its_property(void)
{
	struct arena *a = arena_new();
	struct ical_event e = sample(0);
	e.symptom = "첫 줄\r\nATTENDEE:mailto:evil@example.com\rEND:VEVENT\x01";
	e.customer_name = "박\"사원\r\n;X=1";
	e.customer_email = "park@example.kr\r\nATTENDEE:mailto:evil@example.com";
	const char *t = ical_invitation_text(a, &OPTS, &e, NULL, NULL);
	CHECK_INT_EQ(count(t, "\r\nATTENDEE"), 1);
	CHECK_INT_EQ(count(t, "\r\nEND:VEVENT\r\n"), 1);
	CHECK(!strstr(t, "\x01"));
	CHECK(itip_ok(t));
	icalcomponent *cal = icalparser_parse_string(t);
	if (CHECK_NOT_NULL(cal)) {
		CHECK_STR_HAS(icalcomponent_get_description(first_event(cal)),
			      "첫 줄\nATTENDEE:mailto:evil@example.com\nEND:VEVENT\n");
		icalcomponent_free(cal);
	}
	arena_free(a);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)n + 1);
	*len = fread(buf, 1, (size_t)n, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

static void golden(const char *name, const char *text, size_t len)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", FIELDD_TEST_DATA, name);
	const char *update = getenv("FIELDD_UPDATE_GOLDEN");
	if (update && !strcmp(update, "1")) {
		FILE *f = fopen(path, "wb");
		if (CHECK_NOT_NULL(f)) {
			fwrite(text, 1, len, f);
			fclose(f);
		}
		return;
	}
	size_t glen = 0;
	char *want = slurp(path, &glen);
	if (!CHECK_NOT_NULL(want))
		return;
	if (!CHECK_MSG(glen == len && !memcmp(want, text, len), "output equals the golden file"))
		fprintf(stderr, "\t%s differs; got:\n%s\n", path, text);
	free(want);
}

static void test_golden_files(void)
{
	struct arena *a = arena_new();
	size_t len;
	const char *t = feed(a, &len);
	golden("ical_feed.ics", t, len);
	struct ical_event e = sample(0);
	t = ical_invitation_text(a, &OPTS, &e, NULL, &len);
	golden("ical_invitation.ics", t, len);
	arena_free(a);
}

int main(void)
{
	set_tz("Asia/Seoul");
	CHECK_RUN(test_feed_has_what_clients_need);
	CHECK_RUN(test_text_escaped_exactly_once);
	CHECK_RUN(test_calendar_name_escaped_once);
	CHECK_RUN(test_same_input_same_bytes);
	CHECK_RUN(test_seoul_vtimezone_is_one_standard);
	CHECK_RUN(test_dst_zone_gets_its_transitions);
	CHECK_RUN(test_itip_restrictions);
	CHECK_RUN(test_invitation_for_the_customer);
	CHECK_RUN(test_hostile_text_stays_in_its_property);
	CHECK_RUN(test_golden_files);
	return CHECK_DONE();
}
