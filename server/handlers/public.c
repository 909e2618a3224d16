/*
 * The customer's side, no login (the tracking code is the credential):
 *
 * GET  /t/{tracking}                    the tracking page (server-rendered HTML, no script)
 * POST /t/{tracking}/survey             the page's survey form → 303 back to the page
 * GET  /api/v1/public/{tracking}        the same facts as JSON
 * POST /api/v1/public/{tracking}/survey {rating 1-5, comment}
 *
 * and the dispatch desk's re-send of a dead notice:
 *
 * POST /api/v1/notifications/{id}/resend
 *
 * An unknown code and an expired one (the ticket closed more than
 * FIELDD_TRACKING_DAYS ago, default 30) get the same 404. The routes are
 * ROUTE_GUESS_LIMITED: http/guess.c counts the 404s per client address, as for
 * calendar feeds (FIELDD_CODE_MISSES), which makes guessing codes (43 random
 * base64url characters) hopeless on top of hopeless.
 */
#include "fieldd/arena.h"
#include "fieldd/cases.h"
#include "fieldd/config.h"
#include "fieldd/db.h"
#include "fieldd/domain.h"
#include "fieldd/handlers.h"
#include "fieldd/jspec.h"
#include "fieldd/outbox.h"
#include "fieldd/pg_cases.h"
#include "fieldd/util.h"

#include <json-c/json.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- settings ---- */

static int expire_days = 30;
static pthread_once_t settings_once = PTHREAD_ONCE_INIT;

static int env_or(const char *name, int def, int lo, int hi)
{
	const char *v = getenv(name);
	char *end;
	long x = v && *v ? strtol(v, &end, 10) : def;
	if (v && *v && (*end || x < lo || x > hi))
		return def;
	return (int)x;
}

static void settings_load(void)
{
	expire_days = env_or("FIELDD_TRACKING_DAYS", 30, 1, 3650);
}

int public_tracking_days(void)
{
	pthread_once(&settings_once, settings_load);
	return expire_days;
}

/* A code as fieldd issues them: base64url. */
static bool code_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n < 16 || n > 128)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return false;
	}
	return true;
}

static const char not_found_html[] =
    "<!doctype html><html lang=\"ko\"><head><meta charset=\"utf-8\">"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    "<meta name=\"robots\" content=\"noindex\"><title>찾을 수 없습니다</title></head>"
    "<body><main><h1>찾을 수 없습니다</h1><p>주소가 맞는지 확인해 주십시오. 처리가 끝난 지 "
    "오래된 건은 더 이상 볼 수 없습니다.</p></main></body></html>";

static void public_headers(struct http_req *r);

/*
 * Looks the code up. 1 found (*t filled); 0 the reply is set (404 or 429); < 0 a db status.
 */
static int lookup(struct http_req *r, struct db *db, bool html, struct public_ticket *t)
{
	pthread_once(&settings_once, settings_load);
	const char *code = http_param(r, 0);
	int rc = code_ok(code) ? pg_public_ticket(db, r->a, code, expire_days, t) : 0;
	if (rc < 0)
		return rc;
	if (rc == 0) { /* counted by http/guess.c: the route is ROUTE_GUESS_LIMITED */
		const char *accept = http_header_get(r, "Accept");
		if (html && accept && strstr(accept, "text/html"))
			reply_raw(r, 404, "text/html; charset=utf-8", not_found_html,
				  sizeof not_found_html - 1);
		else
			reply_problem(r, ERR_NOT_FOUND, "no such tracking code");
		public_headers(r);
		return HTTP_REPLIED;
	}
	return HTTP_GO;
}

/* ---- the page ---- */

static const char stylesheet[] =
    ":root{color-scheme:light dark;font-family:system-ui,-apple-system,\"Apple SD Gothic Neo\","
    "\"Malgun Gothic\",\"Noto Sans KR\",sans-serif;line-height:1.5}"
    "body{margin:0;padding:1rem;max-width:40rem;margin-inline:auto;font-size:1rem}"
    "h1{font-size:1.35rem;margin:.25rem 0 1rem}h2{font-size:1.1rem;margin:1.5rem 0 .5rem}"
    ".status{font-size:1.15rem;font-weight:600;padding:.75rem;border:2px solid currentColor;"
    "border-radius:.5rem}"
    "dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem .75rem;margin:0}"
    "dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}"
    "ul{padding-left:1.25rem}a{color:LinkText}"
    ".cal{display:inline-block;margin-top:.75rem;padding:.6rem 1rem;border:1px solid currentColor;"
    "border-radius:.5rem;min-height:44px;box-sizing:border-box}"
    "fieldset{border:1px solid GrayText;border-radius:.5rem;padding:.75rem}"
    "label{display:block;padding:.35rem 0;min-height:44px;box-sizing:border-box}"
    "textarea{width:100%;box-sizing:border-box;min-height:5rem;font:inherit}"
    "button{font:inherit;font-weight:600;padding:.7rem 1.25rem;min-height:44px;margin-top:.75rem;"
    "border-radius:.5rem;border:2px solid currentColor;background:Canvas;color:CanvasText}"
    ".note{padding:.6rem;border-left:4px solid currentColor;margin:.75rem 0}"
    "footer{margin-top:2rem;font-size:.9rem}";

static char csp[200];
static pthread_once_t csp_once = PTHREAD_ONCE_INIT;

/* The one inline <style> is allowed by its hash; nothing else runs or loads. */
static void csp_make(void)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, (const unsigned char *)stylesheet, sizeof stylesheet - 1);
	char b64[sodium_base64_ENCODED_LEN(sizeof h, sodium_base64_VARIANT_ORIGINAL)];
	sodium_bin2base64(b64, sizeof b64, h, sizeof h, sodium_base64_VARIANT_ORIGINAL);
	snprintf(csp, sizeof csp,
		 "default-src 'none'; style-src 'sha256-%s'; form-action 'self'; "
		 "base-uri 'none'; frame-ancestors 'none'",
		 b64);
}

static void public_headers(struct http_req *r)
{
	pthread_once(&csp_once, csp_make);
	reply_add_header(r, "X-Robots-Tag", "noindex, nofollow");
	reply_add_header(r, "Content-Security-Policy", csp);
}

static void esc(struct abuf *b, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<':
			abuf_adds(b, "&lt;");
			break;
		case '>':
			abuf_adds(b, "&gt;");
			break;
		case '&':
			abuf_adds(b, "&amp;");
			break;
		case '"':
			abuf_adds(b, "&quot;");
			break;
		case '\'':
			abuf_adds(b, "&#39;");
			break;
		default:
			abuf_add(b, s, 1);
		}
	}
}

static const char *jget(struct json_object *o, const char *k)
{
	struct json_object *v;
	if (!o || !json_object_object_get_ex(o, k, &v) || !v ||
	    json_object_is_type(v, json_type_null))
		return NULL;
	return json_object_get_string(v);
}

static struct json_object *member_of(struct json_object *o, const char *k)
{
	struct json_object *v;
	if (!o || !json_object_object_get_ex(o, k, &v) || !v ||
	    json_object_is_type(v, json_type_null))
		return NULL;
	return v;
}

static const char *const wdays[] = {"일", "월", "화", "수", "목", "금", "토"};

static const char *when(struct arena *a, const char *rfc3339, bool with_day)
{
	time_t t;
	if (!rfc3339 || util_parse_rfc3339(rfc3339, &t) < 0)
		return NULL;
	struct tm tm, now_tm;
	time_t now = time(NULL);
	localtime_r(&t, &tm);
	localtime_r(&now, &now_tm);
	/* another year than this one is named */
	const char *year =
	    tm.tm_year != now_tm.tm_year ? arena_printf(a, "%d년 ", tm.tm_year + 1900) : "";
	if (!with_day)
		return arena_printf(a, "%02d:%02d", tm.tm_hour, tm.tm_min);
	return arena_printf(a, "%s%d월 %d일(%s) %02d:%02d", year, tm.tm_mon + 1, tm.tm_mday,
			    wdays[tm.tm_wday], tm.tm_hour, tm.tm_min);
}

/* SPEC §7's status words */
static const char *ticket_word(enum ticket_status s)
{
	static const char *const w[TS__COUNT] = {
	    [TS_NEW] = "접수됨",	 [TS_SCHEDULED] = "방문 예정", [TS_IN_PROGRESS] = "처리 중",
	    [TS_RESOLVED] = "처리 완료", [TS_CLOSED] = "종결",	       [TS_CANCELLED] = "취소",
	};
	return (unsigned)s < TS__COUNT ? w[s] : "";
}

static const char *visit_word(enum visit_status s)
{
	static const char *const w[VS__COUNT] = {
	    [VS_PROPOSED] = "확인 전", [VS_CONFIRMED] = "확정", [VS_EN_ROUTE] = "이동 중",
	    [VS_ON_SITE] = "작업 중",  [VS_COMPLETED] = "완료", [VS_ABSENT] = "고객 부재",
	    [VS_CANCELLED] = "취소",
	};
	return (unsigned)s < VS__COUNT ? w[s] : "";
}

/* The sentence at the top: where things stand, in plain Korean. has_visit: vs is known. */
static const char *headline(enum ticket_status ts, bool has_visit, enum visit_status vs)
{
	if (ts == TS_CANCELLED)
		return "접수가 취소되었습니다.";
	if (ts == TS_RESOLVED || ts == TS_CLOSED)
		return "처리가 완료되었습니다.";
	if (!has_visit)
		return "접수되었습니다. 담당 엔지니어를 배정하고 있습니다.";
	switch (vs) {
	case VS_CANCELLED:
		return "접수되었습니다. 담당 엔지니어를 배정하고 있습니다.";
	case VS_PROPOSED:
		return "방문 일정을 조율하고 있습니다. 곧 전화로 방문 시간을 정해 드리겠습니다.";
	case VS_CONFIRMED:
		return "방문 일정이 확정되었습니다.";
	case VS_EN_ROUTE:
		return "담당 엔지니어가 방문하러 이동 중입니다.";
	case VS_ON_SITE:
		return "담당 엔지니어가 작업 중입니다.";
	case VS_ABSENT:
		return "방문드렸으나 자리에 계시지 않아 방문 일정을 다시 잡고 있습니다.";
	case VS_COMPLETED:
		return "방문 작업을 마쳤습니다. 추가 처리가 필요하면 다시 연락드리겠습니다.";
	case VS__COUNT:
		break;
	}
	return "처리 중입니다.";
}

static const char *survey_message(const char *q)
{
	if (!q)
		return NULL;
	if (!strcmp(q, "thanks"))
		return "평가해 주셔서 감사합니다. 더 나은 서비스를 위해 반영하겠습니다.";
	if (!strcmp(q, "rating"))
		return "만족도를 1점부터 5점 가운데 하나 골라 주십시오.";
	if (!strcmp(q, "comment"))
		return "의견은 2,000자까지 적을 수 있습니다.";
	if (!strcmp(q, "done"))
		return "이미 평가해 주셨습니다. 감사합니다.";
	if (!strcmp(q, "early"))
		return "평가는 처리가 완료된 뒤에 하실 수 있습니다.";
	return NULL;
}

static const char *const rating_words[] = {"",	   "매우 불만족", "불만족",
					   "보통", "만족",	  "매우 만족"};

static void render_page(struct http_req *r, const struct public_ticket *t, struct json_object *d,
			const char *first_name, const char *code)
{
	struct abuf b;
	abuf_init(&b, r->a);
	struct json_object *visit = member_of(d, "visit"), *result = member_of(d, "result"),
			   *survey = member_of(d, "survey"), *fault = member_of(d, "fault"),
			   *delays = member_of(d, "delay_notices");
	enum visit_status vs = VS__COUNT;
	bool has_visit = domain_visit_status_parse(jget(visit, "status"), &vs);
	abuf_adds(&b, "<!doctype html>\n<html lang=\"ko\"><head><meta charset=\"utf-8\">"
		      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
		      "<meta name=\"robots\" content=\"noindex\">"
		      "<meta name=\"referrer\" content=\"no-referrer\"><title>");
	esc(&b, jget(d, "number"));
	abuf_adds(&b, " 진행 상황</title><style>");
	abuf_adds(&b, stylesheet);
	abuf_adds(&b, "</style></head><body><main><h1>서비스 진행 상황</h1>");
	const char *msg = survey_message(http_query(r, "survey"));
	abuf_adds(&b, "<p role=\"status\" class=\"note\"");
	if (!msg)
		abuf_adds(&b, " hidden");
	abuf_adds(&b, ">");
	esc(&b, msg);
	abuf_adds(&b, "</p>");
	abuf_adds(&b, "<p class=\"status\">");
	esc(&b, headline(t->status, has_visit, vs));
	abuf_adds(&b, "</p><dl><dt>접수번호</dt><dd>");
	esc(&b, jget(d, "number"));
	abuf_adds(&b, "</dd><dt>상태</dt><dd>");
	esc(&b, ticket_word(t->status));
	abuf_adds(&b, "</dd>");
	if (fault && jget(fault, "name")) {
		abuf_adds(&b, "<dt>고장</dt><dd>");
		esc(&b, jget(fault, "name"));
		abuf_adds(&b, "</dd>");
	}
	abuf_adds(&b, "<dt>접수 시각</dt><dd>");
	esc(&b, when(r->a, jget(d, "created_at"), true));
	abuf_adds(&b, "</dd>");
	if (!domain_survey_open(t->status) && t->status != TS_CANCELLED) {
		abuf_adds(&b, "<dt>완료 예정</dt><dd>");
		esc(&b, when(r->a, jget(d, "due_at"), true));
		abuf_adds(&b, "</dd>");
	}
	abuf_adds(&b, "</dl>");

	if (visit) {
		abuf_adds(&b, "<h2>방문 일정</h2><dl><dt>약속 시간</dt><dd>");
		esc(&b, when(r->a, jget(visit, "start"), true));
		abuf_adds(&b, "–");
		esc(&b, when(r->a, jget(visit, "end"), false));
		abuf_adds(&b, "</dd><dt>방문 상태</dt><dd>");
		esc(&b, visit_word(vs));
		abuf_adds(&b, "</dd>");
		if (first_name && *first_name) {
			abuf_adds(&b, "<dt>담당 엔지니어</dt><dd>");
			esc(&b, first_name);
			abuf_adds(&b, "</dd>");
		}
		abuf_adds(&b, "</dl>");
		struct json_object *late = member_of(visit, "late_notice");
		if (late && has_visit && vs != VS_COMPLETED && vs != VS_CANCELLED)
			abuf_addf(
			    &b,
			    "<p class=\"note\">담당 엔지니어가 약 %d분 늦게 도착할 예정입니다. "
			    "기다리시게 해 드려 죄송합니다.</p>",
			    json_object_get_int(member_of(late, "minutes")));
		if (has_visit && domain_visit_open(vs) && vs != VS_ON_SITE) { /* still ahead */
			abuf_adds(&b, "<a class=\"cal\" href=\"/t/");
			esc(&b, code);
			abuf_adds(&b, "/appointment.ics\">캘린더에 추가</a>");
		}
	}
	size_t nd = delays ? json_object_array_length(delays) : 0;
	if (nd) {
		abuf_adds(&b, "<h2>지연 안내</h2><ul>");
		for (size_t i = 0; i < nd; i++) {
			struct json_object *n = json_object_array_get_idx(delays, i);
			abuf_adds(&b, "<li>");
			esc(&b, when(r->a, jget(n, "at"), true));
			abuf_adds(&b, " 안내: ");
			esc(&b, jget(n, "reason"));
			abuf_adds(&b, " — 새 완료 예정 ");
			esc(&b, when(r->a, jget(n, "new_due_at"), true));
			abuf_adds(&b, "</li>");
		}
		abuf_adds(&b, "</ul>");
	}
	if (result && domain_survey_open(t->status)) {
		abuf_adds(&b, "<h2>처리 결과</h2><p>");
		esc(&b, jget(result, "resolution"));
		abuf_adds(&b, "</p>");
	}
	if (t->survey_open) {
		abuf_adds(&b,
			  "<h2 id=\"survey\">만족도 평가</h2><form method=\"post\" action=\"/t/");
		esc(&b, code);
		abuf_adds(&b, "/survey\"><fieldset><legend>서비스는 만족스러우셨나요?</legend>");
		for (int i = 5; i >= 1; i--)
			abuf_addf(&b,
				  "<label><input type=\"radio\" name=\"rating\" value=\"%d\" "
				  "required> %d점 %s</label>",
				  i, i, rating_words[i]);
		abuf_adds(&b, "</fieldset><label for=\"comment\">의견 (선택)</label>"
			      "<textarea id=\"comment\" name=\"comment\" maxlength=\"2000\">"
			      "</textarea><button type=\"submit\">평가 보내기</button></form>");
	} else if (survey) {
		int rating = json_object_get_int(member_of(survey, "rating"));
		abuf_addf(&b, "<h2>만족도 평가</h2><p>%d점 (%s) — 평가해 주셔서 감사합니다.</p>",
			  rating, rating >= 1 && rating <= 5 ? rating_words[rating] : "");
	}
	abuf_adds(&b, "</main><footer>이 페이지의 주소는 접수하신 분께만 드린 것입니다. 다른 "
		      "사람과 공유하지 마십시오.</footer></body></html>\n");
	reply_raw(r, 200, "text/html; charset=utf-8", b.buf, b.len);
	public_headers(r);
}

static struct json_object *doc_json(struct http_req *r, const char *doc)
{
	return jspec_adopt(r->a, json_tokener_parse(doc));
}

int h_track_page(struct http_req *r, struct db *db)
{
	struct public_ticket t;
	int rc = lookup(r, db, true, &t);
	if (rc <= 0)
		return rc;
	struct json_object *d = doc_json(r, t.doc);
	if (!d)
		return DB_HARD;
	render_page(r, &t, d, domain_first_name(r->a, t.engineer_name), http_param(r, 0));
	return 0;
}

int h_public_get(struct http_req *r, struct db *db)
{
	struct public_ticket t;
	int rc = lookup(r, db, false, &t);
	if (rc <= 0)
		return rc;
	const char *code = http_param(r, 0);
	const char *doc =
	    json_doc_with(r->a, t.doc, "engineer",
			  t.engineer_name ? jstr(domain_first_name(r->a, t.engineer_name)) : NULL);
	struct json_object *links = json_object_new_object();
	json_object_object_add(links, "page",
			       jstr(arena_printf(r->a, "%s/t/%s", cfg.base_url, code)));
	json_object_object_add(
	    links, "appointment_ics",
	    jstr(arena_printf(r->a, "%s/t/%s/appointment.ics", cfg.base_url, code)));
	json_object_object_add(
	    links, "survey",
	    jstr(arena_printf(r->a, "%s/api/v1/public/%s/survey", cfg.base_url, code)));
	doc = json_doc_with(r->a, doc, "links", links);
	reply_doc(r, 200, doc);
	public_headers(r);
	return 0;
}

/* The survey rules shared by both forms: 1 stored; 0 a reply (409) is set; < 0 db status. */
static int survey_store(struct http_req *r, struct db *db, const struct public_ticket *t,
			int rating, const char *comment)
{
	if (!domain_survey_open(t->status)) {
		reply_problem_code(r, ERR_CONFLICT, "survey_not_open",
				   "the survey opens when the work is completed");
		return HTTP_REPLIED;
	}
	int rc = pg_survey_insert(db, r->a, t->id, rating, comment);
	if (rc < 0)
		return rc;
	if (rc == 0) {
		reply_problem_code(r, ERR_DUPLICATE, "survey_answered",
				   "this ticket's survey was answered already");
		return HTTP_REPLIED;
	}
	/* R13: a low rating is a complaint for the desk to take through its steps */
	if (domain_survey_opens_complaint(rating)) {
		int64_t complaint;
		if ((rc = pg_complaint_from_survey(db, r->a, t->id, rating, comment, &complaint)) <
		    0)
			return rc;
	}
	return HTTP_GO;
}

int h_public_survey(struct http_req *r, struct db *db)
{
	int64_t rating = 0;
	const char *comment = NULL;
	const struct jfield spec[] = {
	    {.name = "rating", .type = J_INT, .required = true, .min = 1, .max = 5, .out = &rating},
	    {.name = "comment", .type = J_STRING, .nullable = true, .max = 2000, .out = &comment},
	    JSPEC_END,
	};
	struct public_ticket t;
	int rc = lookup(r, db, false, &t);
	if (rc <= 0)
		return rc;
	if (!http_parse_body(r, spec)) {
		public_headers(r);
		return 0;
	}
	rc = survey_store(r, db, &t, (int)rating, comment && *comment ? comment : NULL);
	if (rc <= 0) {
		public_headers(r);
		return rc;
	}
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "rating", jint(rating));
	json_object_object_add(o, "comment", comment && *comment ? jstr(comment) : NULL);
	reply_json(r, 201, o);
	public_headers(r);
	return 0;
}

static void see_page(struct http_req *r, const char *code, const char *what)
{
	reply_raw(r, 303, "text/plain; charset=utf-8", "", 0);
	reply_add_header(r, "Location", arena_printf(r->a, "/t/%s?survey=%s#survey", code, what));
	public_headers(r);
}

int h_track_survey_form(struct http_req *r, struct db *db)
{
	struct public_ticket t;
	int rc = lookup(r, db, true, &t);
	if (rc <= 0)
		return rc;
	const char *code = http_param(r, 0);
	const char *rs = http_form_value(r->a, r->body.buf, r->body.len, "rating");
	const char *comment = http_form_value(r->a, r->body.buf, r->body.len, "comment");
	char *end = NULL;
	long long rating = rs ? strtoll(rs, &end, 10) : 0;
	if (!rs || !*rs || *end || !domain_survey_rating_ok(rating)) {
		see_page(r, code, "rating");
		return 0;
	}
	size_t chars = 0;
	for (const char *p = comment; p && *p; p++)
		chars += ((unsigned char)*p & 0xC0) != 0x80;
	if (comment && (!util_utf8_valid(comment, strlen(comment)) || chars > 2000)) {
		see_page(r, code, "comment");
		return 0;
	}
	rc = survey_store(r, db, &t, (int)rating, comment && *comment ? comment : NULL);
	if (rc < 0)
		return rc;
	if (rc == 0) {
		see_page(r, code, domain_survey_open(t.status) ? "done" : "early");
		return 0;
	}
	see_page(r, code, "thanks");
	return 0;
}

int h_notification_resend(struct http_req *r, struct db *db)
{
	int64_t id;
	if (http_param_id(r, 0, &id) < 0)
		return 0;
	const char *status;
	int rc = pg_outbox_resend(db, r->a, id, r->user->id, &status);
	if (rc < 0)
		return rc;
	if (!status) {
		reply_problem(r, ERR_NOT_FOUND, "no such notification");
		return 0;
	}
	if (rc == 0) {
		reply_problem_code(
		    r, ERR_CONFLICT, "not_dead",
		    arena_printf(
			r->a,
			"only a notice that could not be delivered is sent again; this one "
			"is %s",
			status));
		return 0;
	}
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "id", jint(id));
	json_object_object_add(o, "status", jstr("queued"));
	reply_json(r, 202, o);
	return 0;
}
