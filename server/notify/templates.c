/*
 * The texts of the notices, in Korean, in the tone of the service charters
 * (reference/001: polite, first the customer's situation, then what we will
 * do). One template per kind fieldd queues; an unknown kind (a template added
 * by a newer process, or one this file does not know yet) gets a plain
 * generic text with the tracking link, never nothing.
 *
 * Each customer text ends with the tracking link FIELDD_BASE_URL/t/<tracking>.
 * Times are shown in the process's zone (FIELDD_TZ) as "12월 5일(토) 14:00".
 */
#include "fieldd/arena.h"
#include "fieldd/notify.h"
#include "fieldd/util.h"

#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *pstr(struct json_object *pl, const char *k)
{
	struct json_object *v;
	if (!pl || !json_object_object_get_ex(pl, k, &v) || !v)
		return NULL;
	if (json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return NULL;
}

static long long pint(struct json_object *pl, const char *k, long long def)
{
	struct json_object *v;
	if (!pl || !json_object_object_get_ex(pl, k, &v) || !v)
		return def;
	return json_object_get_int64(v);
}

static bool pbool(struct json_object *pl, const char *k)
{
	struct json_object *v;
	return pl && json_object_object_get_ex(pl, k, &v) && v && json_object_get_boolean(v);
}

static const char *const wdays[] = {"일", "월", "화", "수", "목", "금", "토"};

/* "12월 5일(토) 14:00" of an RFC 3339 time, or NULL. */
static const char *when(struct arena *a, const char *rfc3339)
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
	return arena_printf(a, "%s%d월 %d일(%s) %02d:%02d", year, tm.tm_mon + 1, tm.tm_mday,
			    wdays[tm.tm_wday], tm.tm_hour, tm.tm_min);
}

/* "14:00" of an RFC 3339 time, or NULL. */
static const char *hhmm(struct arena *a, const char *rfc3339)
{
	time_t t;
	if (!rfc3339 || util_parse_rfc3339(rfc3339, &t) < 0)
		return NULL;
	struct tm tm;
	localtime_r(&t, &tm);
	return arena_printf(a, "%02d:%02d", tm.tm_hour, tm.tm_min);
}

static void free_json(void *p)
{
	json_object_put(p);
}

void notify_render(struct arena *a, const struct outbox_item *it, const char *base_url,
		   struct notify_text *out)
{
	struct json_object *pl = it->payload ? json_tokener_parse(it->payload) : NULL;
	if (pl)
		arena_defer(a, free_json, pl);
	const char *tn = it->template_name ? it->template_name : "";
	const char *number = it->ticket_number ? it->ticket_number : pstr(pl, "number");
	const char *fault = it->fault_name;
	bool customer = it->recipient_kind && !strcmp(it->recipient_kind, "customer");
	const char *link = customer && it->tracking && base_url
			       ? arena_printf(a, "%s/t/%s", base_url, it->tracking)
			       : NULL;
	const char *who = it->recipient_name && *it->recipient_name
			      ? arena_printf(a, "%s님, ", it->recipient_name)
			      : "";
	const char *about = number ? arena_printf(a, "접수번호 %s%s%s%s", number, fault ? " (" : "",
						  fault ? fault : "", fault ? ")" : "")
				   : "접수하신 건";
	struct abuf b;
	abuf_init(&b, a);
	const char *subject;

	if (!strcmp(tn, "appointment_confirmed")) {
		const char *s = when(a, pstr(pl, "start")), *e = hhmm(a, pstr(pl, "end"));
		bool re = pbool(pl, "rescheduled");
		subject = arena_printf(a, "[fieldd] 방문 일정 %s 안내 — %s", re ? "변경" : "확정",
				       number ? number : "");
		abuf_addf(&b, "%s%s 방문 일정이 %s%s%s(으)로 %s되었습니다.\n", who, about,
			  s ? s : "약속한 시간", e ? "–" : "", e ? e : "", re ? "변경" : "확정");
		abuf_adds(&b, "담당 엔지니어가 약속한 시간에 찾아뵙겠습니다. 시간이 늦어질 경우 "
			      "미리 연락드리겠습니다.\n");
		abuf_adds(&b, "첨부된 일정을 캘린더에 추가하실 수 있습니다.\n");
	} else if (!strcmp(tn, "late_notice")) {
		long long m = pint(pl, "minutes", 0);
		const char *note = pstr(pl, "note");
		subject = arena_printf(a, "[fieldd] 도착 지연 안내 — %s", number ? number : "");
		abuf_addf(&b, "%s%s 담당 엔지니어가 ", who, about);
		if (m > 0)
			abuf_addf(&b, "약 %lld분 ", m);
		abuf_adds(&b, "늦게 도착할 예정입니다. 기다리시게 해 드려 죄송합니다.\n");
		if (note && *note)
			abuf_addf(&b, "사유: %s\n", note);
	} else if (!strcmp(tn, "absent_notice")) {
		const char *note = pstr(pl, "note");
		subject = arena_printf(a, "[fieldd] 방문 시 부재 안내 — %s", number ? number : "");
		abuf_addf(&b,
			  "%s%s 약속한 시간에 방문드렸으나 자리에 계시지 않아 처리하지 "
			  "못했습니다.\n",
			  who, about);
		if (pbool(pl, "memo_left"))
			abuf_adds(&b, "자리에 방문 메모와 연락처 카드를 남겨 두었습니다.\n");
		if (note && *note)
			abuf_addf(&b, "메모: %s\n", note);
		abuf_adds(&b, "다시 방문할 시간을 정하기 위해 곧 연락드리겠습니다.\n");
	} else if (!strcmp(tn, "visit_cancelled")) {
		const char *reason = pstr(pl, "reason");
		subject =
		    arena_printf(a, "[fieldd] 방문 일정 취소 안내 — %s", number ? number : "");
		abuf_addf(&b, "%s%s 방문 일정이 취소되었습니다.\n", who, about);
		if (reason && *reason)
			abuf_addf(&b, "사유: %s\n", reason);
		abuf_adds(&b, "새 방문 일정은 정해지는 대로 다시 알려 드리겠습니다.\n");
	} else if (!strcmp(tn, "delay_notice")) {
		const char *reason = pstr(pl, "reason"), *due = when(a, pstr(pl, "new_due_at"));
		subject = arena_printf(a, "[fieldd] 처리 지연 안내 — %s", number ? number : "");
		abuf_addf(&b, "%s%s 처리가 약속드린 기한보다 늦어지게 되어 먼저 알려 드립니다.\n",
			  who, about);
		if (reason && *reason)
			abuf_addf(&b, "사유: %s\n", reason);
		if (due)
			abuf_addf(&b, "새 완료 예정: %s\n", due);
		abuf_adds(&b, "불편을 드려 죄송합니다. 최대한 빨리 처리하겠습니다.\n");
	} else if (!strcmp(tn, "result_notice")) {
		const char *res = pstr(pl, "resolution");
		subject = arena_printf(a, "[fieldd] 처리 결과 안내 — %s", number ? number : "");
		abuf_addf(&b, "%s%s 처리가 완료되었습니다.\n", who, about);
		if (res && *res)
			abuf_addf(&b, "처리 내용: %s\n", res);
		abuf_adds(&b, "서비스에 만족하셨는지 아래 링크에서 평가해 주시면 더 나은 서비스를 "
			      "위해 반영하겠습니다.\n");
	} else if (!strcmp(tn, "survey")) {
		subject =
		    arena_printf(a, "[fieldd] 서비스 만족도 평가 요청 — %s", number ? number : "");
		abuf_addf(&b,
			  "%s%s 서비스는 만족스러우셨나요?\n아래 링크에서 평가해 주시면 더 나은 "
			  "서비스를 위해 반영하겠습니다.\n",
			  who, about);
	} else if (!strcmp(tn, "complaint_received")) {
		subject =
		    arena_printf(a, "[fieldd] 불편 사항 접수 안내 — %s", number ? number : "");
		abuf_addf(&b, "%s말씀해 주신 불편 사항(%s)이 접수되었습니다.\n", who, about);
		abuf_adds(&b,
			  "담당자가 원인을 확인한 뒤 처리 결과를 알려 드리겠습니다. 불편을 드려 "
			  "죄송합니다.\n");
	} else if (!strcmp(tn, "complaint_result")) {
		const char *act = pstr(pl, "action");
		subject =
		    arena_printf(a, "[fieldd] 불편 사항 처리 결과 안내 — %s", number ? number : "");
		abuf_addf(&b, "%s말씀해 주신 불편 사항(%s)의 처리 결과를 알려 드립니다.\n", who,
			  about);
		if (act && *act)
			abuf_addf(&b, "조치 내용: %s\n", act);
		long long comp = pint(pl, "compensation", 0);
		if (comp > 0)
			abuf_addf(&b, "보상: %lld원 상품권을 드립니다.\n", comp);
		abuf_adds(&b, "처리 결과에 대한 의견을 들려주시면 감사하겠습니다.\n");
	} else if (!strcmp(tn, "escalation")) {
		const char *esc = pstr(pl, "escalations");
		long long rep = pint(pl, "repeat_count", 0);
		subject = arena_printf(a, "[fieldd] 팀장 확인 요청 — %s", number ? number : "");
		abuf_addf(&b, "%s%s 건은 팀장 동행이 필요합니다", who, about);
		if (esc && strstr(esc, "repeat_fault"))
			abuf_addf(&b, " (같은 장비의 같은 고장 %lld회째)", rep);
		if (esc && strstr(esc, "vip"))
			abuf_adds(&b, " (VIP 고객)");
		abuf_adds(&b, ". 방문 배정을 확인해 주십시오.\n");
	} else {
		subject = arena_printf(a, "[fieldd] 안내 — %s", number ? number : "");
		abuf_addf(&b, "%s%s에 관한 안내가 있습니다.\n", who, about);
		if (!link)
			abuf_adds(&b, "자세한 내용은 서비스 데스크로 문의해 주십시오.\n");
	}
	if (link)
		abuf_addf(&b, "진행 상황 확인: %s\n", link);
	abuf_adds(&b, "— fieldd 서비스 데스크");
	abuf_add(&b, "", 1);
	out->subject = subject;
	out->body = b.buf;
	out->link = link;
}
