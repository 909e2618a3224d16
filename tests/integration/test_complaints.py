"""Complaints (R13) over HTTP against a real database: the five steps in order
(receive, analyse, resolve, notify, feedback), out-of-order steps 409 with nothing
written, the customer's notices queued on the channel they chose, each step audited
with who and when, access by role and team, validation, paging, and the complaint
figures of the service-standards report (JSON and CSV).

The notices are delivered to a real SMTP server (aiosmtpd) and a real webhook receiver
(the SMS gateway), where the customer's result is read back.

Run: FIELDD_BIN=build/fieldd python3 tests/integration/test_complaints.py
"""

import csv
import datetime as dt
import io
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import cases_common  # noqa: E402
import outbox_support  # noqa: E402

W = SMTP = HOOK = None


def setUpModule():
    global W, SMTP, HOOK
    # the customers' notices go out for real: e-mail to an SMTP server, SMS to a gateway
    SMTP = outbox_support.SmtpSink()
    HOOK = outbox_support.HookReceiver()
    W = cases_common.World("complaints", env=outbox_support.delivery_env(smtp=SMTP, hook=HOOK))


def tearDownModule():
    try:
        if W:
            W.close()
    finally:
        SMTP.close()
        HOOK.close()


class Base(cases_common.CaseTest):
    def world(self):
        return W

    def complaint(self, token="dispatcher", **body):
        b = {"channel": "phone", "description": "엔지니어가 불친절했습니다"}
        b.update(body)
        return self.ok("POST", "/complaints", b, token, 201)

    def state(self, cid):
        return W.sql("SELECT status || '|' || (SELECT count(*) FROM audit_events"
                     " WHERE complaint_id = %d) || '|' || (SELECT count(*) FROM notifications)"
                     " FROM complaints WHERE id = %d" % (cid, cid))

    def refused(self, cid, step, body, status, code, token="dispatcher", field=None):
        before = self.state(cid)
        self.problem(W.call("POST", "/complaints/%d/%s" % (cid, step), body, token),
                     status, code, field)
        self.assertEqual(self.state(cid), before, "%s changed something" % step)


RESOLVE = {"action": "사과 전화와 재방문 수리", "training_required": False}


class Steps(Base):
    def test_created_complaint_names_its_location(self):
        r = W.call("POST", "/complaints", {"channel": "phone", "description": "연락이 늦었습니다",
                                            "customer_id": W.CUST["staff"]}, "dispatcher")
        self.assertEqual(r.status, 201, r.text[:600])
        self.assertEqual(r.headers.get("Location"), "/api/v1/complaints/%d" % r.json()["id"])

    def test_five_steps_in_order(self):
        t = W.ticket_with_visit("eng_a", customer="mail")
        c = self.complaint(ticket_id=t["id"], channel="web", result_channel="email",
                           description="약속 시간보다 2시간 늦게 왔습니다")
        cid = c["id"]
        self.assertEqual(c["status"], "received")
        self.assertEqual(c["customer"]["id"], W.CUST["mail"])
        self.assertEqual(c["ticket"], {"id": t["id"], "number": t["number"]})
        self.assertEqual((c["channel"], c["result_channel"]), ("web", "email"))
        self.assertEqual(c["received_by"]["id"], W.U["dispatcher"])
        # the customer hears that it was received, on the channel they chose
        self.assertEqual(W.sql("SELECT channel || '|' || recipient || '|' || recipient_kind"
                               " || '|' || (payload->>'complaint_id')"
                               " FROM notifications WHERE template = 'complaint_received'"
                               " AND ticket_id = %d" % t["id"]),
                         "email|seo@example.kr|customer|%d" % cid)
        # nothing before the cause is analysed
        self.refused(cid, "resolve", RESOLVE, 409, "step_out_of_order")
        self.refused(cid, "notify", None, 409, "step_out_of_order")
        self.refused(cid, "feedback", {"rating": 5}, 409, "step_out_of_order")
        # 2. analyse (a lead of the team that went)
        c = self.ok("POST", "/complaints/%d/analyse" % cid, {"cause": "앞 작업 지연"}, "lead1")
        self.assertEqual((c["status"], c["cause"], c["analysed_by"]["id"]),
                         ("analysed", "앞 작업 지연", W.U["lead1"]))
        self.refused(cid, "analyse", {"cause": "again"}, 409, "step_out_of_order")
        self.refused(cid, "notify", None, 409, "step_out_of_order")
        self.refused(cid, "feedback", {"rating": 5}, 409, "step_out_of_order")
        # 3. resolve: a voucher (10,000 KRW by default), training for the engineer who went
        c = self.ok("POST", "/complaints/%d/resolve" % cid,
                    {"action": "사과 및 상품권 지급", "compensation": {"kind": "voucher"},
                     "training_required": True})
        self.assertEqual(c["status"], "resolved")
        self.assertEqual(c["compensation"], {"kind": "voucher", "amount_krw": 10000})
        self.assertTrue(c["training_required"])
        self.assertEqual([s["id"] for s in c["staff"]], [W.U["eng_a"]])
        self.assertEqual(W.sql("SELECT compensation_krw || '|' || staff_ids::text"
                               " FROM complaints WHERE id = %d" % cid),
                         "10000|{%d}" % W.U["eng_a"])
        self.refused(cid, "resolve", RESOLVE, 409, "step_out_of_order")
        self.refused(cid, "feedback", {"rating": 5}, 409, "step_out_of_order")
        # 4. notify: the result notice through the outbox, on the chosen channel
        c = self.ok("POST", "/complaints/%d/notify" % cid, None, "admin")
        self.assertEqual(c["status"], "notified")
        nid = c["notification_id"]
        row = W.sql("SELECT channel || '|' || recipient || '|' || template || '|' || status"
                    " || '|' || payload::text FROM notifications WHERE id = %d" % nid)
        ch, rcpt, tmpl, status, payload = row.split("|", 4)
        self.assertEqual((ch, rcpt, tmpl), ("email", "seo@example.kr", "complaint_result"))
        self.assertIn(status, ("queued", "sent"))  # the delivery worker may be quick
        self.assertEqual(json.loads(payload), {"complaint_id": cid, "action": "사과 및 상품권 지급",
                                               "compensation": 10000,
                                               "compensation_kind": "voucher"})
        self.refused(cid, "notify", None, 409, "step_out_of_order")
        # 5. feedback closes it
        c = self.ok("POST", "/complaints/%d/feedback" % cid,
                    {"rating": 4, "comment": "빠른 조치 감사합니다"})
        self.assertEqual(c["status"], "closed")
        self.assertEqual((c["feedback"]["rating"], c["feedback"]["comment"]),
                         (4, "빠른 조치 감사합니다"))
        self.refused(cid, "feedback", {"rating": 1}, 409, "step_out_of_order")
        self.refused(cid, "analyse", {"cause": "x"}, 409, "step_out_of_order")
        # every step audited: who, what, when, in order
        rows = W.sql("SELECT action || '|' || actor_id || '|' || coalesce(ticket_id, 0)"
                     " || '|' || coalesce(before->>'status', '-') || '>' || (after->>'status')"
                     " FROM audit_events WHERE complaint_id = %d ORDER BY id"
                     % cid).splitlines()
        tid = t["id"]
        self.assertEqual(rows, [
            "complaint.received|%d|%d|->received" % (W.U["dispatcher"], tid),
            "complaint.analyse|%d|%d|received>analysed" % (W.U["lead1"], tid),
            "complaint.resolve|%d|%d|analysed>resolved" % (W.U["dispatcher"], tid),
            "complaint.notify|%d|%d|resolved>notified" % (W.U["admin"], tid),
            "complaint.feedback|%d|%d|notified>closed" % (W.U["dispatcher"], tid)])
        self.assertEqual(W.sql("SELECT bool_and(at <= now() AND at > now() - interval '5 min')"
                               " FROM audit_events WHERE complaint_id = %d" % cid), "t")
        # the same history on the complaint, with names
        j = self.ok("GET", "/complaints/%d" % cid)
        self.assertEqual([(h["action"], h["actor"]["name"]) for h in j["history"]],
                         [("complaint.received", "dispatcher"), ("complaint.analyse", "lead1"),
                          ("complaint.resolve", "dispatcher"), ("complaint.notify", "First Admin"),
                          ("complaint.feedback", "dispatcher")])
        for k in ("received_at", "analysed_at", "resolved_at", "notified_at"):
            self.assertIsNotNone(j[k], k)
        # and on the ticket's timeline
        tl = self.ok("GET", "/tickets/%d" % tid)["timeline"]
        self.assertIn("complaint.resolve", [e["action"] for e in tl])

    def test_customer_without_ticket_and_amounts(self):
        c = self.complaint(customer_id=W.CUST["staff"], channel="letter")
        self.assertIsNone(c["ticket"])
        self.assertEqual(c["result_channel"], "sms")  # the customer's preferred channel
        cid = c["id"]
        self.ok("POST", "/complaints/%d/analyse" % cid, {"cause": "안내 부족"})
        # training with nobody to train (no ticket, no staff) is refused
        self.refused(cid, "resolve", {"action": "교육", "training_required": True}, 422,
                     "training_staff_required", field="staff_ids")
        self.refused(cid, "resolve", {"action": "교육", "training_required": True,
                                      "staff_ids": [W.U["eng_b"], 999999]}, 422,
                     "validation_failed", field="staff_ids")
        c = self.ok("POST", "/complaints/%d/resolve" % cid,
                    {"action": "상품권 지급", "training_required": True,
                     "staff_ids": [W.U["eng_b"], W.U["eng_b"]],
                     "compensation": {"kind": "voucher", "amount_krw": 30000}})
        self.assertEqual(c["compensation"]["amount_krw"], 30000)
        self.assertEqual([s["name"] for s in c["staff"]], ["eng_b"])
        c = self.ok("POST", "/complaints/%d/notify" % cid)
        self.assertEqual(W.sql("SELECT channel || '|' || recipient || '|' || coalesce("
                               "ticket_id::text, '-') FROM notifications WHERE id = %d"
                               % c["notification_id"]), "sms|010-4444-0001|-")

    def test_validation(self):
        t = W.ticket_with_visit("eng_a")
        n = int(W.sql("SELECT count(*) FROM complaints"))
        for body, code, field in [
                ({"channel": "phone"}, "validation_failed", "description"),
                ({"channel": "phone", "description": "x"}, "validation_failed", "customer_id"),
                ({"channel": "survey", "description": "x", "ticket_id": t["id"]},
                 "validation_failed", "channel"),
                ({"channel": "phone", "description": "", "ticket_id": t["id"]},
                 "validation_failed", "description"),
                ({"channel": "phone", "description": "x", "ticket_id": 999999},
                 "validation_failed", "ticket_id"),
                ({"channel": "phone", "description": "x", "customer_id": 999999},
                 "validation_failed", "customer_id"),
                ({"channel": "phone", "description": "x", "ticket_id": t["id"],
                  "customer_id": W.CUST["mail"]}, "validation_failed", "customer_id"),
                ({"channel": "phone", "description": "x", "ticket_id": t["id"],
                  "result_channel": "email"}, "validation_failed", "result_channel"),
                ({"channel": "phone", "description": "x", "customer_id": W.CUST["nophone"],
                  "result_channel": "sms"}, "validation_failed", "result_channel"),
                ({"channel": "phone", "description": "x", "ticket_id": t["id"],
                  "result_channel": "fax"}, "validation_failed", "result_channel"),
                ({"channel": "phone", "description": "x", "ticket_id": t["id"], "extra": 1},
                 "validation_failed", "extra")]:
            with self.subTest(body=body):
                self.problem(W.call("POST", "/complaints", body), 422, code, field)
        self.assertEqual(int(W.sql("SELECT count(*) FROM complaints")), n)
        cid = self.complaint(ticket_id=t["id"])["id"]
        self.refused(cid, "analyse", {}, 422, "validation_failed", field="cause")
        self.ok("POST", "/complaints/%d/analyse" % cid, {"cause": "원인"})
        for body, field in [({"training_required": False}, "action"),
                            ({"action": "a"}, "training_required"),
                            (dict(RESOLVE, compensation={"kind": "cash"}), "compensation.kind"),
                            (dict(RESOLVE, compensation={"kind": "voucher", "amount_krw": 0}),
                             "compensation.amount_krw"),
                            (dict(RESOLVE, compensation="voucher"), "compensation"),
                            (dict(RESOLVE, staff_ids=[0]), "staff_ids[0]"),
                            (dict(RESOLVE, staff_ids="x"), "staff_ids")]:
            with self.subTest(body=body):
                self.refused(cid, "resolve", body, 422, "validation_failed", field=field)
        # compensation null is none at all
        c = self.ok("POST", "/complaints/%d/resolve" % cid, dict(RESOLVE, compensation=None))
        self.assertIsNone(c["compensation"])
        self.assertEqual(c["staff"], [])
        self.ok("POST", "/complaints/%d/notify" % cid)
        for body, field in [({"rating": 6}, "rating"), ({"rating": 0}, "rating"),
                            ({"comment": "x"}, "rating")]:
            with self.subTest(body=body):
                self.refused(cid, "feedback", body, 422, "validation_failed", field=field)
        r = W.call("GET", "/complaints/999999")
        self.problem(r, 404, "not_found")
        self.problem(W.call("POST", "/complaints/999999/analyse", {"cause": "x"}), 404,
                     "not_found")

    def test_idempotent_step(self):
        t = W.ticket_with_visit("eng_a")
        cid = self.complaint(ticket_id=t["id"])["id"]
        h = {"Idempotency-Key": "complaint-analyse-%d" % cid}
        r1 = W.call("POST", "/complaints/%d/analyse" % cid, {"cause": "원인"}, headers=h)
        r2 = W.call("POST", "/complaints/%d/analyse" % cid, {"cause": "원인"}, headers=h)
        self.assertEqual((r1.status, r2.status), (200, 200), r2.text)
        self.assertEqual(r1.json(), r2.json())
        self.assertEqual(W.sql("SELECT count(*) FROM audit_events WHERE complaint_id = %d"
                               " AND action = 'complaint.analyse'" % cid), "1")


class Delivered(Base):
    """The customer's notices reach them: e-mail through SMTP, SMS through the gateway."""

    def test_result_by_email(self):
        t = W.ticket_with_visit("eng_b", customer="mail")
        cid = self.complaint(ticket_id=t["id"], result_channel="email")["id"]
        self.ok("POST", "/complaints/%d/analyse" % cid, {"cause": "부품 불량"})
        self.ok("POST", "/complaints/%d/resolve" % cid,
                {"action": "메인보드 무상 교체 %d" % cid, "training_required": False,
                 "compensation": {"kind": "voucher"}})
        self.ok("POST", "/complaints/%d/notify" % cid)

        def mails(word):
            return [m for _, _, m, _ in SMTP.to("seo@example.kr")
                    if t["number"] in str(m["Subject"]) and word in str(m["Subject"])]
        got = outbox_support.wait_for(lambda: mails("처리 결과"), "the result e-mail")
        self.assertEqual(len(got), 1)
        body = got[0].get_body(preferencelist=("plain",)).get_content()
        self.assertIn("메인보드 무상 교체 %d" % cid, body)
        self.assertIn("10000원", body)
        self.assertTrue(got[0]["Message-ID"])
        self.assertEqual(len(mails("접수")), 1)  # and the receipt before it
        nid = self.ok("GET", "/complaints/%d" % cid)["notification_id"]
        outbox_support.wait_for(
            lambda: W.sql("SELECT status FROM notifications WHERE id = %d" % nid) == "sent",
            "the notice marked sent")

    def test_result_by_sms_gateway(self):
        c = self.complaint(customer_id=W.CUST["staff"], channel="walk_in")
        cid = c["id"]
        self.ok("POST", "/complaints/%d/analyse" % cid, {"cause": "안내 부족"})
        self.ok("POST", "/complaints/%d/resolve" % cid,
                {"action": "재안내 %d" % cid, "training_required": False,
                 "compensation": {"kind": "voucher", "amount_krw": 30000}})
        self.ok("POST", "/complaints/%d/notify" % cid)

        def results():
            return [d for d, _, ok, _ in HOOK.delivered("010-4444-0001")
                    if d.get("template") == "complaint_result"
                    and d.get("data", {}).get("complaint_id") == cid]
        got = outbox_support.wait_for(results, "the result SMS at the gateway")
        doc = got[0]
        self.assertEqual((doc["channel"], doc["data"]["compensation"]), ("sms", 30000))
        self.assertIn("재안내 %d" % cid, doc["text"])
        self.assertIn("30000원", doc["text"])


class Access(Base):
    def test_roles_and_teams(self):
        t1 = W.ticket_with_visit("eng_a")   # team 1's work
        t2 = W.ticket_with_visit("eng_c")   # team 2's work
        c1 = self.complaint(ticket_id=t1["id"])["id"]
        c2 = self.complaint(ticket_id=t2["id"])["id"]
        c0 = self.complaint(customer_id=W.CUST["staff"])["id"]  # no ticket: the desk's
        # engineers: no complaints at all, not even about their own visit
        for method, path, body in [("GET", "/complaints", None),
                                   ("GET", "/complaints/%d" % c1, None),
                                   ("POST", "/complaints", {"channel": "phone",
                                                            "description": "x",
                                                            "ticket_id": t1["id"]}),
                                   ("POST", "/complaints/%d/analyse" % c1, {"cause": "x"})]:
            with self.subTest(path=path):
                self.problem(W.call(method, path, body, "eng_a"), 403, "forbidden")
        # a lead sees their team's complaints only
        ids = [c["id"] for c in self.ok("GET", "/complaints?limit=500", token="lead1")["items"]]
        self.assertIn(c1, ids)
        self.assertNotIn(c2, ids)
        self.assertNotIn(c0, ids)
        self.ok("GET", "/complaints/%d" % c1, token="lead1")
        self.problem(W.call("GET", "/complaints/%d" % c2, token="lead1"), 404, "not_found")
        self.problem(W.call("GET", "/complaints/%d" % c0, token="lead1"), 404, "not_found")
        before = W.sql("SELECT status FROM complaints WHERE id = %d" % c2)
        self.problem(W.call("POST", "/complaints/%d/analyse" % c2, {"cause": "x"}, "lead1"),
                     404, "not_found")
        self.assertEqual(W.sql("SELECT status FROM complaints WHERE id = %d" % c2), before)
        # a lead cannot file one about another team's ticket they do not see
        self.problem(W.call("POST", "/complaints", {"channel": "phone", "description": "x",
                                                    "ticket_id": t2["id"]}, "lead1"),
                     422, "validation_failed", "ticket_id")
        self.ok("POST", "/complaints/%d/analyse" % c2, {"cause": "x"}, "lead2")
        # the desk sees everything
        ids = [c["id"] for c in self.ok("GET", "/complaints?limit=500")["items"]]
        self.assertTrue({c0, c1, c2} <= set(ids))
        # a lead who files one keeps seeing it
        mine = self.complaint(token="lead1", customer_id=W.CUST["staff"])["id"]
        self.ok("GET", "/complaints/%d" % mine, token="lead1")
        self.problem(W.call("GET", "/complaints/%d" % mine, token="lead2"), 404, "not_found")

    def test_list_filters_and_cursor(self):
        t = W.ticket_with_visit("eng_b")
        made = [self.complaint(ticket_id=t["id"], description="민원 %d" % i)["id"]
                for i in range(3)]
        self.ok("POST", "/complaints/%d/analyse" % made[1], {"cause": "c"})
        j = self.ok("GET", "/complaints?ticket_id=%d&limit=2" % t["id"])
        self.assertEqual([c["id"] for c in j["items"]], [made[2], made[1]])
        self.assertIsNotNone(j["next_cursor"])
        j2 = self.ok("GET", "/complaints?ticket_id=%d&limit=2&cursor=%s"
                     % (t["id"], j["next_cursor"]))
        self.assertEqual([c["id"] for c in j2["items"]], [made[0]])
        self.assertIsNone(j2["next_cursor"])
        j = self.ok("GET", "/complaints?ticket_id=%d&status=analysed" % t["id"])
        self.assertEqual([c["id"] for c in j["items"]], [made[1]])
        j = self.ok("GET", "/complaints?customer_id=%d&channel=phone&limit=500"
                    % W.CUST["staff"])
        self.assertTrue(set(made) <= {c["id"] for c in j["items"]})
        for q in ("status=open", "channel=fax", "ticket_id=x", "limit=0", "cursor=abc"):
            with self.subTest(q=q):
                self.problem(W.call("GET", "/complaints?" + q), 400, "bad_query")


class FromSurvey(Base):
    """A rating of 2 or less on the customer's survey opens a complaint for the desk."""

    def resolved_ticket(self, engineer="eng_a"):
        t = W.ticket_with_visit(engineer)
        W.sql("UPDATE tickets SET status = 'resolved', resolved_at = now() WHERE id = %d"
              % t["id"])
        return t, W.sql("SELECT tracking FROM tickets WHERE id = %d" % t["id"])

    def survey(self, tracking, body):
        return W.srv.request("POST", "/api/v1/public/%s/survey" % tracking, body=body,
                             timeout=30)

    def test_low_rating_opens_a_complaint(self):
        t, code = self.resolved_ticket()
        r = self.survey(code, {"rating": 2, "comment": "설명 없이 가버렸어요"})
        self.assertIn(r.status, (200, 201), r.text)
        rows = self.ok("GET", "/complaints?ticket_id=%d" % t["id"])["items"]
        self.assertEqual(len(rows), 1)
        c = rows[0]
        self.assertEqual((c["status"], c["channel"], c["customer"]["id"], c["received_by"]),
                         ("received", "survey", W.CUST["staff"], None))
        self.assertEqual(c["description"], "설문 평가 2점: 설명 없이 가버렸어요")
        self.assertEqual(c["result_channel"], "sms")
        self.assertEqual(W.sql("SELECT action || '|' || coalesce(actor_id::text, '-') || '|'"
                               " || (after->>'rating') FROM audit_events"
                               " WHERE complaint_id = %d" % c["id"]),
                         "complaint.received|-|2")
        # the team's lead sees it in the queue and takes it through the steps
        self.assertIn(c["id"], [x["id"] for x in self.ok(
            "GET", "/complaints?channel=survey&status=received&limit=500",
            token="lead1")["items"]])
        self.ok("POST", "/complaints/%d/analyse" % c["id"], {"cause": "작업 설명 누락"}, "lead1")
        # the survey itself is still the report's satisfaction, answered once
        self.assertEqual(W.sql("SELECT rating FROM surveys WHERE ticket_id = %d" % t["id"]), "2")
        r = self.survey(code, {"rating": 1})
        self.assertEqual(r.status, 409, r.text)
        self.assertEqual(W.sql("SELECT count(*) FROM complaints WHERE ticket_id = %d"
                               % t["id"]), "1")

    def test_good_rating_opens_none(self):
        for rating in (3, 5):
            t, code = self.resolved_ticket("eng_c")
            r = self.survey(code, {"rating": rating})
            self.assertIn(r.status, (200, 201), r.text)
            self.assertEqual(W.sql("SELECT count(*) FROM complaints WHERE ticket_id = %d"
                                   % t["id"]), "0")
        t, code = self.resolved_ticket("eng_c")
        self.assertIn(self.survey(code, {"rating": 1}).status, (200, 201))
        self.assertEqual(W.sql("SELECT description FROM complaints WHERE ticket_id = %d"
                               % t["id"]), "설문 평가 1점")


DAY = 86400


class Report(Base):
    """A past week of its own: 4 tickets taken in (2 done by team 1's eng_a, 2 by team 2's
    eng_c), 3 complaints about them received in it -- one resolved 90 minutes after
    receipt, one 10 days after, one not at all -- and one complaint received the week after."""

    def test_report_figures(self):
        base = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) - dt.timedelta(days=200)
        frm, to = base, base + dt.timedelta(days=7)
        tickets = [W.ticket_with_visit(e) for e in ("eng_a", "eng_a", "eng_c", "eng_c")]
        for i, t in enumerate(tickets):
            W.sql("UPDATE tickets SET created_at = '%s'::timestamptz + interval '%d hours'"
                  " WHERE id = %d" % (frm.isoformat(), i + 1, t["id"]))
        self.assertEqual(W.sql("SELECT count(*) FROM report_tickets WHERE created_at >= '%s'"
                               " AND created_at < '%s'" % (frm.isoformat(), to.isoformat())),
                         "4")
        ca = self.complaint(ticket_id=tickets[0]["id"])["id"]
        cb = self.complaint(ticket_id=tickets[2]["id"])["id"]
        cc = self.complaint(ticket_id=tickets[3]["id"])["id"]
        late = self.complaint(ticket_id=tickets[1]["id"])["id"]
        for cid, training in ((ca, True), (cb, False)):
            self.ok("POST", "/complaints/%d/analyse" % cid, {"cause": "c"})
            self.ok("POST", "/complaints/%d/resolve" % cid,
                    {"action": "a", "training_required": training,
                     "compensation": {"kind": "voucher"} if cid == ca else None})
        # received in the week; resolved 90 minutes and 10 days later
        W.sql("UPDATE complaints SET created_at = '%s'::timestamptz + interval '2 days'"
              " WHERE id IN (%d, %d, %d)" % (frm.isoformat(), ca, cb, cc))
        W.sql("UPDATE complaints SET resolved_at = created_at + interval '90 minutes'"
              " WHERE id = %d" % ca)
        W.sql("UPDATE complaints SET resolved_at = created_at + interval '10 days'"
              " WHERE id = %d" % cb)
        W.sql("UPDATE complaints SET created_at = '%s'::timestamptz + interval '8 days'"
              " WHERE id = %d" % (frm.isoformat(), late))
        q = "/reports/service-standards?from=%s&to=%s" % (
            frm.isoformat().replace("+", "%2B"), to.isoformat().replace("+", "%2B"))
        j = self.ok("GET", q)["complaints"]
        self.assertEqual(j["received"], 3)
        self.assertEqual(j["complaint_rate"], {"numerator": 3, "denominator": 4, "rate": 0.75})
        # within 7 days: ca; counted: ca, cb (resolved) and cc (open past 7 days)
        self.assertEqual(j["resolved_in_7_days"]["numerator"], 1)
        self.assertEqual(j["resolved_in_7_days"]["denominator"], 3)
        self.assertEqual(j["minutes_to_resolve"], {"resolved": 2, "mean": (90 + 14400) // 2 + 0,
                                                   "median": (90 + 14400) // 2, "max": 14400})
        self.assertEqual((j["compensated"], j["training_required"]), (1, 1))
        # per team: team 1 did tickets 0 and 1 (complaint ca); team 2 tickets 2, 3 (cb, cc)
        j1 = self.ok("GET", q + "&team_id=%d" % W.TEAM[1])["complaints"]
        self.assertEqual(j1["complaint_rate"], {"numerator": 1, "denominator": 2, "rate": 0.5})
        self.assertEqual(j1["minutes_to_resolve"]["max"], 90)
        j2 = self.ok("GET", q + "&engineer_id=%d" % W.U["eng_c"])["complaints"]
        self.assertEqual(j2["complaint_rate"], {"numerator": 2, "denominator": 2, "rate": 1.0})
        self.assertEqual(j2["resolved_in_7_days"], {"numerator": 0, "denominator": 2,
                                                    "rate": 0.0})
        # an engineer sees their own figures only
        je = self.ok("GET", q, token="eng_a")["complaints"]
        self.assertEqual(je["complaint_rate"]["numerator"], 1)
        # CSV: the same figures as rows of scope "complaints" after the promises
        r = W.call("GET", q, headers={"Accept": "text/csv"})
        self.assertEqual(r.status, 200, r.text)
        rows = [x for x in csv.DictReader(io.StringIO(r.text, newline=""))
                if x["scope"] == "complaints"]
        got = {x["metric"]: (x["numerator"], x["denominator"], x["rate"]) for x in rows}
        self.assertEqual(got, {
            "complaint_rate": ("3", "4", "0.7500"),
            "complaint_resolved_in_7_days": ("1", "3", "0.3333"),
            "complaint_minutes_to_resolve_mean": ("7245", "2", ""),
            "complaint_minutes_to_resolve_median": ("7245", "2", ""),
            "complaint_minutes_to_resolve_max": ("14400", "2", "")})
        self.assertEqual(r.text.rstrip("\r\n").splitlines()[-1].split(",")[2], "complaints")
        # a period without complaints
        q0 = "/reports/service-standards?from=%s&to=%s" % (
            (frm - dt.timedelta(days=20)).date().isoformat(),
            (frm - dt.timedelta(days=14)).date().isoformat())
        j = self.ok("GET", q0)["complaints"]
        self.assertEqual(j["received"], 0)
        self.assertEqual(j["complaint_rate"]["rate"], None)
        self.assertEqual(j["minutes_to_resolve"], {"resolved": 0, "mean": None, "median": None,
                                                   "max": None})


if __name__ == "__main__":
    harness.main()
