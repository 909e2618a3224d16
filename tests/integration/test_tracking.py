"""The customer's side over HTTP: the tracking page /t/{tracking} (server-rendered HTML, no
login; status in plain Korean, the agreed window, the engineer's first name and no contact
details, delay notices, the calendar link, after completion the result and the survey form;
noindex, no-referrer, a strict CSP), its JSON twin, the survey (JSON and the plain form with
its 303) once per ticket and only after completion, the report's satisfaction from it, and
unknown and expired codes looking the same and limited per address.
"""

import datetime as dt
import os
import re
import sys
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "ical"))
import harness  # noqa: E402
import icaltest  # noqa: E402
from outbox_support import complete_visit, customer, delivery_env  # noqa: E402

ORG = None
MISSES = 12


def setUpModule():
    global ORG
    ORG = icaltest.Org(env=delivery_env(FIELDD_CODE_MISSES=str(MISSES),
                                        FIELDD_TRACKING_DAYS="7"))


def tearDownModule():
    if ORG:
        ORG.close()


def page(t, query="", headers=None):
    h = {"Accept": "text/html"}
    h.update(headers or {})
    return ORG.call("GET", "/t/%s%s" % (t["tracking"], query), who=None, headers=h)


def public(t):
    return ORG.call("GET", "/api/v1/public/%s" % t["tracking"], who=None)


def survey(t, body):
    return ORG.call("POST", "/api/v1/public/%s/survey" % t["tracking"], body, who=None)


def form(t, fields):
    raw = urllib.parse.urlencode(fields).encode()
    return harness.request(ORG.server.base_url, "POST", "/t/%s/survey" % t["tracking"],
                           raw_body=raw,
                           headers={"Content-Type": "application/x-www-form-urlencoded"})


def text_of(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


class Page(unittest.TestCase):
    def assert_public_headers(self, r):
        self.assertEqual(r.headers["Referrer-Policy"], "no-referrer")
        self.assertIn("noindex", r.headers["X-Robots-Tag"])
        csp = r.headers["Content-Security-Policy"]
        self.assertIn("default-src 'none'", csp)
        self.assertNotIn("unsafe-inline", csp)
        self.assertNotIn("script-src", csp)

    def test_page_before_and_during_the_visit(self):
        key, c = customer(ORG, "sms", name="정고객")
        t = ORG.ticket(key, symptom="전원이 들어오지 않음, 금고 비밀번호 메모 옆")
        r = page(t)
        self.assertEqual(r.status, 200, r.text)
        self.assertTrue(r.headers["Content-Type"].startswith("text/html"))
        self.assert_public_headers(r)
        self.assertIn('<meta name="robots" content="noindex">', r.text)
        self.assertIn('<meta name="viewport"', r.text)
        self.assertNotIn("<script", r.text)
        self.assertIn("담당 엔지니어를 배정하고 있습니다", r.text)
        self.assertIn(t["number"], r.text)

        start, end = ORG.slot()
        v = ORG.visit(t, "eng_a", window=(start, end))
        ORG.step(v, "precall", {"outcome": "reached", "note": "통화"})
        ORG.ok("POST", "/tickets/%d/delay" % t["id"], {
            "reason": "부품 입고 지연", "new_due_at": "2099-03-01T10:00:00+09:00"})
        r = page(t)
        body = text_of(r.text)
        self.assertIn("방문 일정이 확정되었습니다", body)
        self.assertIn("확정", body)  # SPEC §7's word for a confirmed visit
        self.assertIn("%d월 %d일" % (start.month, start.day), body)
        self.assertIn("%02d:00–%02d:00" % (start.hour, end.hour), body)
        # the engineer by first name only: 김기사 → 기사; no phone, no e-mail
        self.assertIn("담당 엔지니어 기사", body)
        self.assertNotIn("김기사", r.text)
        for secret in ("010-9000-0001", "eng_a@fieldd.kr", c["phone"]):
            self.assertNotIn(secret, r.text)
        self.assertIn("부품 입고 지연", body)
        self.assertIn('href="/t/%s/appointment.ics"' % t["tracking"], r.text)
        self.assertIn("캘린더에 추가", r.text)
        self.assertEqual(ORG.call("GET", "/t/%s/appointment.ics" % t["tracking"],
                                  who=None).status, 200)
        ORG.step(v, "late", {"minutes": 20, "note": "교통 체증"})
        self.assertIn("약 20분 늦게", page(t).text)
        self.assertNotIn("평가 보내기", page(t).text)

        j = public(t)
        self.assertEqual(j.status, 200)
        self.assert_public_headers(j)
        d = j.json()
        self.assertEqual(d["number"], t["number"])
        self.assertEqual(d["engineer"], "기사")
        self.assertEqual(d["visit"]["status"], "confirmed")
        self.assertEqual(d["visit"]["late_notice"]["minutes"], 20)
        self.assertEqual(d["visit"]["start"], v["start"])
        self.assertEqual(d["delay_notices"][0]["reason"], "부품 입고 지연")
        self.assertFalse(d["survey_open"])
        self.assertNotIn("phone", j.text)
        self.assertNotIn("email", j.text)
        self.assertNotIn(t["symptom"], j.text)

    def test_survey_after_completion_once(self):
        key, c = customer(ORG, "sms")
        t = ORG.ticket(key)
        v = ORG.visit(t, "eng_b")
        # before completion: 409, nothing stored
        r = survey(t, {"rating": 5})
        self.assertEqual(r.status, 409)
        self.assertEqual(r.json()["code"], "survey_not_open")
        complete_visit(ORG, v)
        r = page(t)
        self.assertIn("처리가 완료되었습니다", r.text)
        self.assertIn("메모리 재장착", r.text)
        self.assertIn("평가 보내기", r.text)
        self.assertIn('method="post" action="/t/%s/survey"' % t["tracking"], r.text)
        # validation names the field
        for bad in ({"rating": 0}, {"rating": 6}, {"rating": "5"}, {}):
            r = survey(t, bad)
            self.assertEqual(r.status, 422, bad)
            self.assertEqual(r.json()["errors"][0]["field"], "rating")
        r = survey(t, {"rating": 2, "comment": "도착이 늦었습니다"})
        self.assertEqual(r.status, 201, r.text)
        self.assertEqual(r.json()["rating"], 2)
        r = survey(t, {"rating": 5})
        self.assertEqual(r.status, 409)
        self.assertEqual(r.json()["code"], "survey_answered")
        self.assertEqual(ORG.sql("SELECT rating || '|' || comment FROM surveys WHERE ticket_id"
                                 " = %d" % t["id"]), "2|도착이 늦었습니다")
        d = public(t).json()
        self.assertEqual(d["survey"]["rating"], 2)
        self.assertFalse(d["survey_open"])
        self.assertNotIn("평가 보내기", page(t).text)
        self.assertEqual(ORG.sql("SELECT count(*) FROM audit_events WHERE ticket_id = %d AND"
                                 " action = 'survey.received'" % t["id"]), "1")

    def test_form_survey_without_javascript(self):
        key, c = customer(ORG, "sms")
        t = ORG.ticket(key)
        v = ORG.visit(t, "eng_c")
        r = form(t, {"rating": "4", "comment": "친절"})
        self.assertEqual(r.status, 303)
        self.assertTrue(r.headers["Location"].endswith("?survey=early#survey"))
        complete_visit(ORG, v)
        r = form(t, {"rating": "9"})
        self.assertEqual(r.status, 303)
        self.assertIn("survey=rating", r.headers["Location"])
        self.assertIn("1점부터 5점", page(t, "?survey=rating").text)
        r = form(t, {"rating": "4", "comment": "친절하게 설명해 주셨습니다 & 감사"})
        self.assertEqual(r.status, 303)
        loc = r.headers["Location"]
        self.assertEqual(loc, "/t/%s?survey=thanks#survey" % t["tracking"])
        p = page(t, "?survey=thanks")
        self.assertIn('role="status"', p.text)
        self.assertIn("평가해 주셔서 감사합니다", p.text)
        self.assertIn("4점", p.text)
        self.assertEqual(ORG.sql("SELECT rating || '|' || comment FROM surveys WHERE ticket_id"
                                 " = %d" % t["id"]), "4|친절하게 설명해 주셨습니다 & 감사")
        r = form(t, {"rating": "1"})
        self.assertIn("survey=done", r.headers["Location"])
        # a form body to the JSON endpoint, JSON to the form endpoint: 415
        r = harness.request(ORG.server.base_url, "POST", "/t/%s/survey" % t["tracking"],
                            body={"rating": 5})
        self.assertEqual(r.status, 415)

    def test_report_satisfaction_from_surveys(self):
        today = dt.datetime.now(icaltest.SEOUL).date()
        q = "/reports/service-standards?from=%s&to=%s" % (today, today + dt.timedelta(days=1))
        before = ORG.ok("GET", q)["overall"]["satisfaction"]
        n0, d0 = before["numerator"] or 0, before["denominator"]
        got = []
        for rating in (5, 4, 1):
            key, c = customer(ORG, "sms")
            t = ORG.ticket(key)
            complete_visit(ORG, ORG.visit(t, "eng_a"))
            self.assertEqual(survey(t, {"rating": rating}).status, 201)
            got.append(t)
        after = ORG.ok("GET", q)["overall"]["satisfaction"]
        self.assertEqual(after["numerator"] - n0, 2)
        self.assertEqual(after["denominator"] - d0, 3)

    def test_unknown_and_expired_look_the_same(self):
        key, c = customer(ORG, "sms")
        t = ORG.ticket(key)
        v = ORG.visit(t, "eng_b")
        complete_visit(ORG, v)
        self.assertEqual(page(t).status, 200)
        self.assertEqual(ORG.call("GET", "/t/%s/appointment.ics" % t["tracking"],
                                  who=None).status, 200)
        ORG.sql("UPDATE tickets SET resolved_at = now() - interval '8 days' WHERE id = %d"
                % t["id"])
        gone = page(t)
        unknown = page({"tracking": "A" * 43})
        self.assertEqual(gone.status, 404)
        self.assertEqual(unknown.status, 404)
        self.assertEqual(gone.body, unknown.body)
        self.assertEqual(gone.headers["Content-Type"], unknown.headers["Content-Type"])
        self.assertIn("noindex", gone.text)
        j1, j2 = public(t), public({"tracking": "B" * 43})
        self.assertEqual((j1.status, j1.json()["detail"]), (j2.status, j2.json()["detail"]))
        self.assertEqual(survey(t, {"rating": 5}).status, 404)
        # the invitation goes with the page
        self.assertEqual(ORG.call("GET", "/t/%s/appointment.ics" % t["tracking"],
                                  who=None).status, 404)
        # the code is long and random
        self.assertRegex(t["tracking"], r"^[A-Za-z0-9_-]{43}$")

    def test_zz_misses_are_limited_per_address(self):
        key, c = customer(ORG, "sms")
        t = ORG.ticket(key)
        self.assertEqual(page(t).status, 200)
        statuses = [public({"tracking": "C%042d" % i}).status for i in range(MISSES + 2)]
        self.assertIn(429, statuses)
        self.assertTrue(all(s == 404 for s in statuses[:statuses.index(429)]))
        r = page(t)
        self.assertEqual(r.status, 429)
        self.assertTrue(r.headers.get("Retry-After"))
        log = ORG.server.log_text()
        self.assertNotIn(t["tracking"], log)


if __name__ == "__main__":
    harness.main()
