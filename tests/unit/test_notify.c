/* The notices' texts and message shapes (server/notify), and what the tracking page may
 * show of the engineer (domain/customer.c): no network, no database. */
#include "check.h"
#include "fieldd/arena.h"
#include "fieldd/domain.h"
#include "fieldd/notify.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct outbox_item item(const char *tmpl, const char *channel, const char *payload)
{
	struct outbox_item it = {
	    .id = 42,
	    .ticket_id = 7,
	    .attempts = 1,
	    .delivery_id = "0b6f1c1e-3c1d-4d8e-9a52-6f0d3f7e2a10",
	    .channel = channel,
	    .template_name = tmpl,
	    .recipient = !strcmp(channel, "email") ? "park@customer.kr" : "010-3333-0001",
	    .recipient_kind = "customer",
	    .recipient_name = "박사원",
	    .payload = payload,
	    .ticket_number = "T-2026-000123",
	    .tracking = "TRACKtrackTRACKtrack0123456789-_abcdefghijk",
	    .fault_name = "부팅 불가",
	    .created_at = "2026-12-05T09:00:00+09:00",
	};
	return it;
}

static void test_templates(void)
{
	struct arena *a = arena_new();
	struct notify_text t;
	struct outbox_item it =
	    item("appointment_confirmed", "sms",
		 "{\"start\":\"2026-12-05T14:00:00+09:00\",\"end\":\"2026-12-05T15:00:00+09:00\"}");
	notify_render(a, &it, "https://fieldd.example", &t);
	CHECK_STR_HAS(t.body, "박사원님");
	CHECK_STR_HAS(t.body, "T-2026-000123 (부팅 불가)");
	CHECK_STR_HAS(t.body, "12월 5일(토) 14:00–15:00");
	CHECK_STR_HAS(t.body, "확정되었습니다");
	CHECK_STR_HAS(t.body,
		      "https://fieldd.example/t/TRACKtrackTRACKtrack0123456789-_abcdefghijk");
	CHECK_STR_EQ(t.link,
		     "https://fieldd.example/t/TRACKtrackTRACKtrack0123456789-_abcdefghijk");
	CHECK_STR_HAS(t.subject, "방문 일정 확정");

	it = item("appointment_confirmed", "sms",
		  "{\"start\":\"2026-12-07T09:30:00+09:00\",\"rescheduled\":true}");
	notify_render(a, &it, "https://fieldd.example", &t);
	CHECK_STR_HAS(t.body, "12월 7일(월) 09:30");
	CHECK_STR_HAS(t.body, "변경되었습니다");

	it = item("delay_notice", "sms",
		  "{\"reason\":\"부품 입고 지연\",\"new_due_at\":\"2026-12-08T18:00:00+09:00\"}");
	notify_render(a, &it, "https://fieldd.example", &t);
	CHECK_STR_HAS(t.body, "사유: 부품 입고 지연");
	CHECK_STR_HAS(t.body, "새 완료 예정: 12월 8일(화) 18:00");

	/* a kind this file does not know: a generic text, never nothing */
	it = item("complaint_something_new", "sms", "{}");
	notify_render(a, &it, "https://fieldd.example", &t);
	CHECK_STR_HAS(t.body, "안내가 있습니다");
	CHECK_STR_HAS(t.body, "/t/TRACK");

	/* a payload that is not JSON does not stop the text */
	it = item("late_notice", "sms", "not json");
	notify_render(a, &it, "https://fieldd.example", &t);
	CHECK_STR_HAS(t.body, "늦게 도착할 예정입니다");

	/* staff get no customer tracking link */
	it = item("escalation", "sms", "{\"escalations\":\"repeat_fault\",\"repeat_count\":3}");
	it.recipient_kind = "user";
	it.recipient_name = "박팀장";
	notify_render(a, &it, "https://fieldd.example", &t);
	CHECK_STR_HAS(t.body, "3회째");
	CHECK(t.link == NULL);
	CHECK(strstr(t.body, "/t/") == NULL);
	arena_free(a);
}

static void test_email_message(void)
{
	struct arena *a = arena_new();
	notify_cfg.smtp_from = "desk@fieldd.example";
	struct outbox_item it = item("appointment_confirmed", "email", "{}");
	struct notify_text t = {.subject = "[fieldd] 방문 일정 확정 안내 — T-2026-000123",
				.body = "본문",
				.link = NULL};
	const char ics[] = "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n";
	struct notify_ics inv = {ics, sizeof ics - 1, "REQUEST"};
	size_t len;
	const char *m = notify_email_message(a, &it, &t, &inv, &len);
	CHECK_INT_EQ(len, strlen(m));
	CHECK_STR_HAS(m, "Message-ID: <0b6f1c1e-3c1d-4d8e-9a52-6f0d3f7e2a10@fieldd.example>\r\n");
	CHECK_STR_HAS(m, "To: <park@customer.kr>\r\n");
	CHECK_STR_HAS(m, "Subject: =?UTF-8?B?");
	CHECK_STR_HAS(m, "Content-Type: multipart/mixed;");
	CHECK_STR_HAS(m, "Content-Type: text/calendar; charset=UTF-8; method=REQUEST\r\n");
	CHECK_STR_HAS(m, "filename=\"invite.ics\"");
	/* every line ends with CRLF and none is longer than 998 octets (RFC 5322) */
	size_t col = 0;
	bool bare_lf = false, long_line = false;
	for (size_t i = 0; i < len; i++) {
		if (m[i] == '\n') {
			bare_lf |= i == 0 || m[i - 1] != '\r';
			col = 0;
		} else if (++col > 998)
			long_line = true;
	}
	CHECK(!bare_lf);
	CHECK(!long_line);
	/* 8-bit text only inside base64 */
	bool high = false;
	for (size_t i = 0; i < len; i++)
		high |= (unsigned char)m[i] >= 0x80;
	CHECK(!high);
	/* without an invitation: a single text part */
	m = notify_email_message(a, &it, &t, NULL, &len);
	CHECK(strstr(m, "multipart") == NULL);
	CHECK_STR_HAS(m, "Content-Type: text/plain; charset=UTF-8\r\n");
	arena_free(a);
}

static void test_webhook(void)
{
	struct arena *a = arena_new();
	/* the same as python: hmac.new(key, b"1700000000." + body, sha256).hexdigest() */
	CHECK_STR_EQ(notify_webhook_signature(a, "secret-key-0123", "1700000000", "{\"a\":1}", 7),
		     "v1=a8847328c28c0aef6b45e47da81585fb0f6512b925293bbc150c8917a9054c13");
	struct outbox_item it = item("survey", "sms", "{}");
	struct notify_text t = {.subject = "s", .body = "본문 \"인용\"", .link = "https://x/t/y"};
	const char *doc = notify_webhook_document(a, &it, &t);
	CHECK_STR_HAS(doc, "\"delivery_id\":\"0b6f1c1e-3c1d-4d8e-9a52-6f0d3f7e2a10\"");
	CHECK_STR_HAS(doc, "\"to\":\"010-3333-0001\"");
	CHECK_STR_HAS(doc, "\"text\":\"본문 \\\"인용\\\"\"");
	CHECK_STR_HAS(doc, "\"link\":\"https://x/t/y\"");
	arena_free(a);
}

static void test_routes(void)
{
	memset(&notify_cfg, 0, sizeof notify_cfg);
	CHECK(notify_route("phone") == NULL);
	CHECK_STR_EQ(notify_route("email"), "sink");
	CHECK_STR_EQ(notify_route("sms"), "sink");
	notify_cfg.smtp_url = "smtp://127.0.0.1:25";
	notify_cfg.webhook_url = "https://gw.example/hook";
	CHECK_STR_EQ(notify_route("email"), "smtp");
	CHECK_STR_EQ(notify_route("sms"), "webhook");
	CHECK_STR_EQ(notify_route("push"), "webhook");
}

static void test_first_name(void)
{
	struct arena *a = arena_new();
	CHECK_STR_EQ(domain_first_name(a, "김민수"), "민수");
	CHECK_STR_EQ(domain_first_name(a, "Anna Kim"), "Anna");
	CHECK_STR_EQ(domain_first_name(a, "  Jo Park"), "Jo");
	CHECK_STR_EQ(domain_first_name(a, "김"), "김");
	CHECK_STR_EQ(domain_first_name(a, "Mohammed"), "Mohammed");
	CHECK(domain_first_name(a, NULL) == NULL);
	CHECK(domain_survey_open(TS_RESOLVED));
	CHECK(domain_survey_open(TS_CLOSED));
	CHECK(!domain_survey_open(TS_IN_PROGRESS));
	CHECK(!domain_survey_open(TS_CANCELLED));
	CHECK(!domain_survey_open(TS_NEW));
	CHECK(!domain_survey_open(TS_SCHEDULED));
	CHECK(domain_survey_rating_ok(1) && domain_survey_rating_ok(5));
	CHECK(!domain_survey_rating_ok(0) && !domain_survey_rating_ok(6));
	arena_free(a);
}

int main(void)
{
	setenv("TZ", "Asia/Seoul", 1);
	tzset();
	CHECK_RUN(test_templates);
	CHECK_RUN(test_email_message);
	CHECK_RUN(test_webhook);
	CHECK_RUN(test_routes);
	CHECK_RUN(test_first_name);
	return CHECK_DONE();
}
