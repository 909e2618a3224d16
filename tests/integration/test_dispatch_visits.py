"""Visit steps over HTTP against a real database (R3 pre-call, R4 late, R5 estimate and
consent, R6 follow-up reasons, R10 absence, R14 first contact by pre-call), the audit
timeline of a ticket, the access matrix (engineer / lead / dispatcher) and the device's
fault history (R2).

Run: FIELDD_BIN=build/fieldd python3 tests/integration/test_dispatch_visits.py
"""

import datetime as dt
import os
import sys
import threading
import unittest
from zoneinfo import ZoneInfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import support  # noqa: E402

API = "/api/v1"
DB = "dispatch_visits"
SEOUL = ZoneInfo("Asia/Seoul")
HOUR = 3600


# ------------------------------------------------------------------ helpers --
def ts(s):
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00"))


def epoch(s):
    return int(ts(s).timestamp())


def iso(e):
    return dt.datetime.fromtimestamp(e, SEOUL).isoformat(timespec="seconds")


SLOT = [0]


def next_slot():
    """A fresh one-hour window, days ahead, so that no two tests' visits meet."""
    k = SLOT[0]
    SLOT[0] += 1
    d = dt.datetime.now(SEOUL).date() + dt.timedelta(days=1 + k // 12)
    start = dt.datetime(d.year, d.month, d.day, 8 + k % 12, tzinfo=SEOUL)
    return int(start.timestamp()), int(start.timestamp()) + HOUR


class Base(unittest.TestCase):
    maxDiff = None

    def call(self, method, path, body=None, token=None, expect=None):
        r = SRV.request(method, API + path, body=body, token=TOK[token or "dispatcher"],
                        timeout=30)
        if expect is not None:
            self.assertEqual(r.status, expect, "%s %s as %s -> %d %s" % (
                method, path, token or "dispatcher", r.status, r.text[:600]))
        return r

    def ok(self, method, path, body=None, token=None, expect=200):
        return self.call(method, path, body, token, expect).json()

    def problem(self, r, status, code=None, field=None):
        self.assertEqual(r.status, status, r.text[:600])
        self.assertTrue(r.headers.get("Content-Type", "").startswith("application/problem+json"))
        j = r.json()
        if code is not None:
            self.assertEqual(j.get("code"), code, r.text[:600])
        if field is not None:
            self.assertIn(field, [e.get("field") for e in j.get("errors", [])], r.text[:600])
        return j

    def step(self, vid, name, body=None, token="dispatcher", expect=200):
        return self.call("POST", "/visits/%d/%s" % (vid, name), body, token, expect)

    def fill_checklist(self, vid, token):
        """Answers every item of the visit's checklist validly and completes it (R9)."""
        c = self.ok("GET", "/visits/%d/checklist" % vid, token=token)
        answers = []
        for it in c["items"]:
            v = {"check": True, "pass_fail": "pass", "text": "확인",
                 "number": it.get("min", 0) if "min" in it else 1,
                 "choice": (it.get("options") or [None])[0]}[it["type"]]
            answers.append({"key": it["key"], "value": v})
        j = self.ok("PUT", "/visits/%d/checklist" % vid, {"answers": answers, "complete": True},
                    token)
        self.assertTrue(j["complete"])

    def refused(self, vid, name, body, token, status, code, field=None):
        before = self.sql("SELECT status, ical_sequence FROM visits WHERE id = %d" % vid)
        audits = self.count("audit_events")
        self.problem(self.step(vid, name, body, token, None), status, code, field)
        self.assertEqual(self.sql("SELECT status, ical_sequence FROM visits WHERE id = %d"
                                  % vid), before)
        self.assertEqual(self.count("audit_events"), audits)

    def sql(self, q):
        return CL.psql(q, db=DB).strip()

    def count(self, table, where="true"):
        return int(self.sql("SELECT count(*) FROM %s WHERE %s" % (table, where)))

    def device(self, customer="staff"):
        global SERIAL
        SERIAL += 1
        return self.ok("POST", "/devices", {"asset_tag": "VS-%05d" % SERIAL, "kind": "desktop",
                                            "customer_id": CUST[customer]}, expect=201)["id"]

    def ticket(self, customer="staff", device=None, fault="NO_BOOT"):
        dev = device or self.device(customer)
        return self.ok("POST", "/tickets", {"customer_id": CUST[customer], "device_id": dev,
                                            "fault_code": fault, "symptom": "부팅 불가",
                                            "channel": "phone", "verification": "callback"},
                       expect=201)

    def visit(self, engineer, customer="staff", ticket=None, window=None, **extra):
        t = ticket or self.ticket(customer)
        s, e = window or next_slot()
        body = {"engineer_id": U[engineer], "start": iso(s), "end": iso(e)}
        body.update(extra)
        v = self.ok("POST", "/tickets/%d/visits" % t["id"], body, expect=201)
        return t, v

    def notes(self, tid, template):
        return self.sql("SELECT recipient_kind || '|' || channel || '|' || coalesce(recipient, '')"
                        " FROM notifications WHERE ticket_id = %d AND template = '%s'"
                        " ORDER BY id" % (tid, template)).splitlines()

    def ticket_status(self, tid):
        return self.sql("SELECT status FROM tickets WHERE id = %d" % tid)


SERIAL = 0
U = {}
TOK = {}
CUST = {}
PHONE = {}


def setUpModule():
    global ST, CL, URL, SRV
    ST = support.Stack(dbname=DB)
    CL, URL, SRV = ST.cluster, ST.url, ST.server
    admin = TOK["admin"] = ST.admin_token()

    def user(name, role, team=None):
        body = {"login": name, "name": name, "role": role, "password": "pw-%s-123456" % name,
                "skills": ["desktop"]}
        if team:
            body["team_id"] = team
        U[name] = ST.post("/users", body, admin)["id"]

    user("dispatcher", "dispatcher")
    user("lead1", "lead")
    user("lead2", "lead")
    t1 = ST.post("/teams", {"name": "1팀", "lead_id": U["lead1"]}, admin)["id"]
    t2 = ST.post("/teams", {"name": "2팀", "lead_id": U["lead2"]}, admin)["id"]
    user("eng_a", "engineer", t1)
    user("eng_b", "engineer", t1)
    user("eng_c", "engineer", t2)
    CL.psql("UPDATE users SET work_start = '00:00', work_end = '23:59',"
            " work_days = '{1,2,3,4,5,6,7}'", db=DB)
    for name in ("dispatcher", "lead1", "eng_a", "eng_b", "eng_c"):
        TOK[name] = ST.login(name, "pw-%s-123456" % name)
    for label, body in {
            "staff": {"name": "박사원", "phone": "010-3333-0001"},
            "email": {"name": "서대리", "phone": "010-3333-0002", "email": "seo@example.kr",
                      "preferred_channel": "email"},
            "vip": {"name": "한상무", "rank": "executive", "phone": "010-3333-0003"}}.items():
        CUST[label] = ST.post("/customers", body, TOK["dispatcher"])["id"]
        PHONE[label] = body["phone"]


def tearDownModule():
    ST.close()


# ------------------------------------------------------------- visit steps --
class Steps(Base):
    def test_whole_visit_in_order(self):
        t, v = self.visit("eng_a")
        vid, tid = v["id"], t["id"]
        self.assertEqual(v["status"], "proposed")
        done = {"resolved": True, "resolution": "메인보드 교체"}
        # R3: nothing moves before a pre-call reached the customer
        for name, body in (("depart", None), ("arrive", None), ("late", {"minutes": 15}),
                           ("absent", {"memo_left": True}), ("complete", done)):
            with self.subTest(step=name):
                self.refused(vid, name, body, "eng_a", 422, "precall_required")
        for name, body in (("estimate", {"minutes": 30, "explanation": "점검"}),
                           ("consent", {"by": "박사원"})):
            with self.subTest(step=name):
                self.refused(vid, name, body, "eng_a", 409, "step_out_of_order")
        # no answer: an attempt on record, still proposed, no first contact
        j = self.ok("POST", "/visits/%d/precall" % vid, {"outcome": "no_answer",
                                                         "note": "전화 안 받음"}, "eng_a")
        self.assertEqual(j["status"], "proposed")
        self.assertEqual([(a["outcome"], a["by"]) for a in j["precall_attempts"]],
                         [("no_answer", U["eng_a"])])
        self.assertEqual(self.sql("SELECT outcome, note, by_user FROM precall_attempts"
                                  " WHERE visit_id = %d" % vid),
                         "no_answer|전화 안 받음|%d" % U["eng_a"])
        self.assertEqual(self.sql("SELECT first_contact_at IS NULL FROM tickets WHERE id = %d"
                                  % tid), "t")
        self.assertEqual(self.notes(tid, "appointment_confirmed"), [])
        self.refused(vid, "depart", None, "eng_a", 422, "precall_required")
        self.refused(vid, "precall", {"outcome": "maybe"}, "eng_a", 422, None, "outcome")
        self.refused(vid, "precall", {"outcome": "reached", "start": v["start"],
                                      "end": v["end"]}, "eng_a", 422, None, "start")
        # reached: confirmed, the customer gets the appointment, first contact (R14)
        j = self.ok("POST", "/visits/%d/precall" % vid, {"outcome": "reached"}, "eng_a")
        self.assertEqual(j["status"], "confirmed")
        self.assertEqual([a["outcome"] for a in j["precall_attempts"]], ["no_answer", "reached"])
        self.assertEqual(self.notes(tid, "appointment_confirmed"),
                         ["customer|sms|" + PHONE["staff"]])
        self.assertEqual(self.sql("SELECT payload->>'start' = '%s' AND payload->>'end' = '%s'"
                                  " AND (payload->>'visit_id')::bigint = %d FROM notifications"
                                  " WHERE ticket_id = %d AND template = 'appointment_confirmed'"
                                  % (v["start"], v["end"], vid, tid)), "t")
        fc = self.ok("GET", "/tickets/%d" % tid)["first_contact"]
        self.assertIsNotNone(fc["at"])
        self.assertTrue(fc["met"])
        for name, body in (("estimate", {"minutes": 30, "explanation": "점검"}),
                           ("consent", {"by": "박사원"}), ("complete", done)):
            with self.subTest(step=name):
                self.refused(vid, name, body, "eng_a", 409, "step_out_of_order")
        # on the way: the ticket is in progress
        j = self.ok("POST", "/visits/%d/depart" % vid, token="eng_a")
        self.assertEqual(j["status"], "en_route")
        self.assertIsNotNone(j["departed_at"])
        self.assertEqual(self.ticket_status(tid), "in_progress")
        self.refused(vid, "depart", None, "eng_a", 409, "step_out_of_order")
        self.refused(vid, "precall", {"outcome": "reached"}, "eng_a", 409, "step_out_of_order")
        # on site, early: not late (R4)
        j = self.ok("POST", "/visits/%d/arrive" % vid, token="eng_a")
        self.assertEqual((j["status"], j["arrived_late"]), ("on_site", False))
        self.refused(vid, "arrive", None, "eng_a", 409, "step_out_of_order")
        self.refused(vid, "cancel", {"reason": "x"}, "eng_a", 409, "step_out_of_order")
        # R5: estimate, consent, then work
        self.refused(vid, "consent", {"by": "박사원"}, "eng_a", 409, "step_out_of_order")
        self.refused(vid, "complete", done, "eng_a", 422, "consent_required")
        self.refused(vid, "estimate", {"minutes": 0, "explanation": "x"}, "eng_a", 422, None,
                     "minutes")
        self.refused(vid, "estimate", {"minutes": 40}, "eng_a", 422, None, "explanation")
        j = self.ok("POST", "/visits/%d/estimate" % vid,
                    {"minutes": 40, "explanation": "메인보드 교체에 약 40분"}, "eng_a")
        self.assertEqual((j["estimate"]["minutes"], j["estimate"]["explanation"]),
                         (40, "메인보드 교체에 약 40분"))
        self.refused(vid, "complete", done, "eng_a", 422, "consent_required")
        self.refused(vid, "consent", {}, "eng_a", 422, None, "by")
        j = self.ok("POST", "/visits/%d/consent" % vid, {"by": "박사원"}, "eng_a")
        self.assertEqual(j["consent"]["by"], "박사원")
        # R6: unresolved needs a reason
        self.refused(vid, "complete", {"resolved": False, "resolution": "부품 없음"}, "eng_a",
                     422, "follow_up_reason_required")
        self.refused(vid, "complete", {"resolution": "x"}, "eng_a", 422, None, "resolved")
        # R9: the inspection checklist comes before completion
        self.refused(vid, "complete", done, "eng_a", 422, "checklist_incomplete")
        self.fill_checklist(vid, "eng_a")
        j = self.ok("POST", "/visits/%d/complete" % vid, done, "eng_a")
        self.assertEqual((j["status"], j["resolved"], j["work_done"], j["resolution"]),
                         ("completed", True, True, "메인보드 교체"))
        self.assertEqual(self.sql("SELECT status, resolved_at IS NOT NULL FROM tickets"
                                  " WHERE id = %d" % tid), "resolved|t")
        self.assertEqual(self.sql("SELECT status, resolved, work_done, completed_at IS NOT NULL,"
                                  " consent_by, estimate_minutes FROM visits WHERE id = %d"
                                  % vid), "completed|t|t|t|박사원|40")
        for name, body in (("precall", {"outcome": "reached"}), ("depart", None),
                           ("arrive", None), ("complete", done), ("absent", {"memo_left": False}),
                           ("cancel", {"reason": "x"})):
            with self.subTest(after=name):
                self.refused(vid, name, body, "eng_a", 409, "step_out_of_order")
        self.problem(self.call("POST", "/tickets/%d/visits" % tid, {}), 409)

        # the timeline: every change, who made it, before and after
        g = self.ok("GET", "/tickets/%d" % tid)
        tl = g["timeline"]
        self.assertEqual([e["action"] for e in tl], [
            "ticket.created", "ticket.status", "visit.created", "visit.precall", "visit.precall",
            "ticket.status", "visit.depart", "visit.arrive", "visit.estimate", "visit.consent",
            "checklist.completed", "ticket.status", "visit.complete"])
        self.assertEqual(len(tl), self.count("audit_events", "ticket_id = %d" % tid))
        who = [e["actor"]["id"] for e in tl]
        self.assertEqual(who[:3], [U["dispatcher"]] * 3)
        self.assertEqual(who[3:], [U["eng_a"]] * 10)
        self.assertEqual([(e["before"], e["after"]) for e in tl if e["action"] == "ticket.status"],
                         [({"status": "new"}, {"status": "scheduled"}),
                          ({"status": "scheduled"}, {"status": "in_progress"}),
                          ({"status": "in_progress"}, {"status": "resolved"})])
        steps = {e["action"]: e for e in tl if e["action"].startswith("visit.")}
        self.assertEqual(steps["visit.depart"]["before"], {"status": "confirmed"})
        self.assertEqual(steps["visit.depart"]["after"]["status"], "en_route")
        self.assertEqual(steps["visit.arrive"]["after"]["arrived_late"], False)
        self.assertEqual(steps["visit.estimate"]["after"]["estimate_minutes"], 40)
        self.assertEqual(steps["visit.complete"]["before"], {"status": "on_site"})
        self.assertEqual(steps["visit.complete"]["after"]["status"], "completed")
        self.assertEqual(steps["visit.created"]["after"]["id"], vid)
        self.assertIsNone(steps["visit.created"]["before"])
        self.assertTrue(all(e["visit_id"] == vid for e in tl[2:] if e["action"].startswith("v")))
        self.assertTrue(all(e["at"] for e in tl))
        # the resolved visit tells the customer the result (and asks for the survey)
        self.assertEqual([n["template"] for n in g["notifications"]],
                         ["appointment_confirmed", "result_notice"])

    def test_parallel_steps_one_wins(self):
        t, v = self.visit("eng_b")
        self.step(v["id"], "precall", {"outcome": "reached"}, "eng_b")
        for name, body, ok_status in (("depart", None, "en_route"), ("arrive", None, "on_site")):
            barrier = threading.Barrier(5)
            res = [None] * 5

            def go(k):
                barrier.wait()
                res[k] = SRV.request("POST", API + "/visits/%d/%s" % (v["id"], name), body=body,
                                     token=TOK["eng_b"], timeout=60)

            th = [threading.Thread(target=go, args=(k,)) for k in range(5)]
            for x in th:
                x.start()
            for x in th:
                x.join()
            with self.subTest(step=name):
                self.assertEqual(sorted(r.status for r in res), [200, 409, 409, 409, 409],
                                 [r.text[:200] for r in res])
                self.assertEqual(self.sql("SELECT status FROM visits WHERE id = %d" % v["id"]),
                                 ok_status)
                self.assertEqual(self.count("audit_events", "visit_id = %d AND action = 'visit.%s'"
                                            % (v["id"], name)), 1)

    def test_reschedule(self):
        t, v = self.visit("eng_b")
        _, other = self.visit("eng_b")
        vid = v["id"]
        s, e = next_slot()
        path = "/visits/%d/precall" % vid
        for body, field in (({"outcome": "reschedule", "start": iso(s)}, "end"),
                            ({"outcome": "reschedule", "end": iso(e)}, "start"),
                            ({"outcome": "reschedule", "start": iso(s + 900), "end": iso(e)},
                             "start"),
                            ({"outcome": "reschedule", "start": iso(s), "end": iso(s)}, "end"),
                            ({"outcome": "reschedule", "start": "soon", "end": iso(e)}, "start")):
            with self.subTest(body=body):
                self.problem(self.call("POST", path, body, "eng_b"), 422, field=field)
        # onto the engineer's other visit: refused
        j = self.problem(self.call("POST", path, {"outcome": "reschedule",
                                                  "start": other["start"], "end": other["end"],
                                                  "note": "고객 요청"}, "eng_b"),
                         409, code="double_booked")
        self.assertIn(str(other["id"]), j["detail"])
        # the same 409 body as booking's: the clash named for a program to follow
        self.assertEqual(j.get("clashing_visit_id"), other["id"])
        self.assertEqual(self.count("precall_attempts", "visit_id = %d" % vid), 0)
        # somewhere free: moved and confirmed (the customer agreed a time)
        j = self.ok("POST", path, {"outcome": "reschedule", "start": iso(s), "end": iso(e),
                                   "note": "오후로 변경"}, "eng_b")
        self.assertEqual((j["status"], epoch(j["start"]), epoch(j["end"])), ("confirmed", s, e))
        self.assertGreater(j["sequence"], v["sequence"])
        self.assertEqual(self.sql("SELECT extract(epoch FROM lower(during))::bigint,"
                                  " extract(epoch FROM upper(during))::bigint FROM visit_people"
                                  " WHERE visit_id = %d" % vid), "%d|%d" % (s, e))
        self.assertEqual(self.sql("SELECT payload->>'rescheduled' FROM notifications"
                                  " WHERE visit_id = %d AND template = 'appointment_confirmed'"
                                  % vid), "true")
        # once more, while confirmed
        s2, e2 = next_slot()
        j = self.ok("POST", path, {"outcome": "reschedule", "start": iso(s2), "end": iso(e2)},
                    "eng_b")
        self.assertEqual(epoch(j["start"]), s2)
        # the freed window can be booked by the same engineer
        self.visit("eng_b", window=(s, e))
        self.assertEqual(self.sql(
            "SELECT count(*) FROM visit_people a JOIN visit_people b"
            " ON a.person_id = b.person_id AND a.visit_id < b.visit_id"
            " WHERE a.active AND b.active AND a.during && b.during"), "0")

    def test_no_work_unresolved_then_follow_up(self):
        t, v = self.visit("eng_a")
        vid = v["id"]
        self.step(vid, "precall", {"outcome": "reached"}, "eng_a")
        # arriving straight from confirmed (no depart) is allowed
        self.step(vid, "arrive", None, "eng_a")
        self.refused(vid, "complete", {"resolved": False, "resolution": "진단만 함",
                                       "work_done": False}, "eng_a",
                     422, "follow_up_reason_required")
        # work_done defaults to true: then consent is asked for first
        self.refused(vid, "complete", {"resolved": False, "resolution": "진단만 함",
                                       "follow_up_reason": "부품 주문"}, "eng_a",
                     422, "consent_required")
        self.fill_checklist(vid, "eng_a")
        j = self.step(vid, "complete", {"resolved": False, "resolution": "진단만 함",
                                        "work_done": False,
                                        "follow_up_reason": "메인보드 주문, 입고 후 교체"},
                      "eng_a").json()
        self.assertEqual((j["status"], j["resolved"], j["work_done"], j["follow_up_reason"]),
                         ("completed", False, False, "메인보드 주문, 입고 후 교체"))
        # the ticket stays open, and the follow-up visit can be booked
        self.assertEqual(self.ticket_status(t["id"]), "in_progress")
        s, e = next_slot()
        v2 = self.ok("POST", "/tickets/%d/visits" % t["id"],
                     {"engineer_id": U["eng_a"], "start": iso(s), "end": iso(e)}, expect=201)
        self.assertEqual((v2["seq"], v2["status"]), (2, "proposed"))
        g = self.ok("GET", "/tickets/%d" % t["id"])
        self.assertEqual([x["seq"] for x in g["visits"]], [1, 2])
        # resolved without work (e.g. a setting) needs no consent
        self.step(v2["id"], "precall", {"outcome": "reached"}, "eng_a")
        self.step(v2["id"], "arrive", None, "eng_a")
        self.fill_checklist(v2["id"], "eng_a")
        self.step(v2["id"], "complete", {"resolved": True, "resolution": "설정 변경",
                                         "work_done": False}, "eng_a")
        self.assertEqual(self.ticket_status(t["id"]), "resolved")

    def test_absent_notice_and_back_to_scheduling(self):
        for customer, channel, address in (("staff", "sms", PHONE["staff"]),
                                           ("email", "email", "seo@example.kr")):
            with self.subTest(customer=customer):
                t, v = self.visit("eng_b", customer=customer)
                vid = v["id"]
                self.step(vid, "precall", {"outcome": "reached"}, "eng_b")
                if customer == "staff":
                    self.step(vid, "depart", None, "eng_b")
                self.refused(vid, "absent", {"note": "x"}, "eng_b", 422, None, "memo_left")
                j = self.step(vid, "absent", {"memo_left": True, "note": "명함과 메모를 남김"},
                              "eng_b").json()
                self.assertEqual(j["status"], "absent")
                self.assertEqual(j["absent"], {"memo_left": True, "note": "명함과 메모를 남김"})
                self.assertEqual(self.notes(t["id"], "absent_notice"),
                                 ["customer|%s|%s" % (channel, address)])
                self.assertEqual(self.sql("SELECT payload->>'memo_left' FROM notifications"
                                          " WHERE ticket_id = %d AND template ="
                                          " 'absent_notice'" % t["id"]), "true")
                # R10: back to scheduling
                self.assertEqual(self.ticket_status(t["id"]), "new")
                self.refused(vid, "arrive", None, "eng_b", 409, "step_out_of_order")
                # (the absent visit keeps its time: the engineer went there)
                self.problem(self.call("POST", "/tickets/%d/visits" % t["id"],
                                       {"engineer_id": U["eng_b"], "start": v["start"],
                                        "end": v["end"]}), 409, code="double_booked")
                s, e = next_slot()
                v2 = self.ok("POST", "/tickets/%d/visits" % t["id"],
                             {"engineer_id": U["eng_b"], "start": iso(s), "end": iso(e)},
                             expect=201)
                self.assertEqual(v2["seq"], 2)
                self.assertEqual(self.ticket_status(t["id"]), "scheduled")

    def test_late_arrival(self):
        # R4: windows moved into the past so that "now" is late or not
        cases = (("notice", -6 * HOUR, True, False),
                 ("no notice", -4 * HOUR, False, True),
                 ("within 10 min", -5 * 60, False, False))
        for label, offset, notice, late in cases:
            with self.subTest(case=label):
                t, v = self.visit("eng_c")
                vid = v["id"]
                self.step(vid, "precall", {"outcome": "reached"}, "eng_c")
                if notice:
                    self.refused(vid, "late", {"minutes": 0}, "eng_c", 422, None, "minutes")
                    j = self.step(vid, "late", {"minutes": 20, "note": "교통 체증"},
                                  "eng_c").json()
                    self.assertEqual(j["late_notice"]["minutes"], 20)
                    self.assertEqual(j["status"], "confirmed")
                    self.assertEqual(self.notes(t["id"], "late_notice"),
                                     ["customer|sms|" + PHONE["staff"]])
                self.sql("UPDATE visits SET starts_at = now() + make_interval(secs => %d),"
                         " ends_at = now() + make_interval(secs => %d) WHERE id = %d"
                         % (offset, offset + HOUR, vid))
                j = self.step(vid, "arrive", None, "eng_c").json()
                self.assertEqual(j["arrived_late"], late)
                self.assertEqual(self.sql("SELECT arrived_late, late_notice_at IS NOT NULL"
                                          " FROM visits WHERE id = %d" % vid),
                                 "%s|%s" % ("t" if late else "f", "t" if notice else "f"))

    def test_lead_required_on_arrival(self):
        t, v = self.visit("eng_a", customer="vip")
        self.assertEqual(v["lead_id"], U["lead1"])
        # the lead dropped behind fieldd's back: arriving without them is refused
        self.sql("UPDATE visits SET lead_id = NULL WHERE id = %d" % v["id"])
        self.step(v["id"], "precall", {"outcome": "reached"}, "eng_a")
        self.refused(v["id"], "arrive", None, "eng_a", 422, "lead_required")
        # VIP pre-call counts against the 5-minute target
        fc = self.ok("GET", "/tickets/%d" % t["id"])["first_contact"]
        self.assertEqual(fc["target_min"], 5)
        self.assertTrue(fc["met"])

    def test_cancel_visit(self):
        t, v = self.visit("eng_b")
        vid = v["id"]
        self.refused(vid, "cancel", {}, "eng_b", 422, None, "reason")
        j = self.step(vid, "cancel", {"reason": "고객 출장"}, "eng_b").json()
        self.assertEqual((j["status"], j["cancel_reason"]), ("cancelled", "고객 출장"))
        self.assertEqual(self.sql("SELECT bool_or(active) FROM visit_people WHERE visit_id = %d"
                                  % vid), "f")
        self.assertEqual(self.ticket_status(t["id"]), "new")
        self.assertEqual(self.notes(t["id"], "visit_cancelled"), [])  # never confirmed
        self.refused(vid, "cancel", {"reason": "again"}, "eng_b", 409, "step_out_of_order")
        self.refused(vid, "precall", {"outcome": "reached"}, "eng_b", 409, "step_out_of_order")
        # the time is free again
        _, v2 = self.visit("eng_b", ticket=t, window=(epoch(v["start"]), epoch(v["end"])))
        self.step(v2["id"], "precall", {"outcome": "reached"}, "eng_b")
        self.step(v2["id"], "cancel", {"reason": "중복"}, "eng_b")
        self.assertEqual(self.notes(t["id"], "visit_cancelled"), ["customer|sms|"
                                                                 + PHONE["staff"]])


# -------------------------------------------------------------------- audit --
class Audit(Base):
    def test_customer_patch_changes_only_what_it_names(self):
        c = self.ok("POST", "/customers", {"name": "부분 수정", "phone": "010-3333-0010",
                                          "email": "a@example.com", "department": "총무팀"},
                    expect=201)
        self.assertEqual(self.sql("SELECT rank || '|' || preferred_channel || '|' || vip"
                                  " FROM customers WHERE id = %d" % c["id"]), "staff|sms|false")
        # a given null clears, an absent member stays, vip and channel change
        self.ok("PATCH", "/customers/%d" % c["id"],
                {"email": None, "vip": True, "preferred_channel": "email"})
        self.assertEqual(self.sql(
            "SELECT name || '|' || phone || '|' || coalesce(email, '-') || '|' || department"
            " || '|' || vip || '|' || preferred_channel FROM customers WHERE id = %d" % c["id"]),
            "부분 수정|010-3333-0010|-|총무팀|true|email")
        d = self.ok("POST", "/devices", {"asset_tag": "PATCH-1", "kind": "desktop", "customer_id": c["id"],
                                         "location": {"building": "본관", "floor": "3"}},
                    expect=201)
        self.assertEqual(self.sql("SELECT building || '|' || floor || '|' || coalesce(room, '-')"
                                  " || '|' || coalesce(model, '-') FROM devices WHERE id = %d"
                                  % d["id"]), "본관|3|-|-")

    def test_desk_changes_are_audited(self):
        c = self.ok("POST", "/customers", {"name": "감사 대상", "phone": "010-3333-0009"},
                    expect=201)
        self.ok("PATCH", "/customers/%d" % c["id"], {"rank": "dept_head"})
        d = self.ok("POST", "/devices", {"asset_tag": "AUD-1", "kind": "printer",
                                         "customer_id": c["id"]}, expect=201)
        rows = self.sql("SELECT action, actor_id, before IS NULL, after->>'id',"
                        " coalesce(before->>'rank', ''), coalesce(after->>'rank', '')"
                        " FROM audit_events WHERE ticket_id IS NULL AND ((action IN"
                        " ('customer.created', 'customer.updated') AND after->>'id' = '%d')"
                        " OR (action = 'device.created' AND after->>'id' = '%d')) ORDER BY id"
                        % (c["id"], d["id"])).splitlines()
        me = U["dispatcher"]
        self.assertEqual(rows, ["customer.created|%d|t|%d||staff" % (me, c["id"]),
                                "customer.updated|%d|f|%d|staff|dept_head" % (me, c["id"]),
                                "device.created|%d|t|%d||" % (me, d["id"])])

    def test_ticket_cancel_cancels_its_visits(self):
        t, v = self.visit("eng_a")
        self.step(v["id"], "precall", {"outcome": "reached"}, "eng_a")
        j = self.ok("POST", "/tickets/%d/cancel" % t["id"], {"reason": "고객이 자체 해결"})
        self.assertEqual(j["status"], "cancelled")
        self.assertEqual(self.sql("SELECT status, cancel_reason FROM visits WHERE id = %d"
                                  % v["id"]), "cancelled|고객이 자체 해결")
        self.assertEqual(self.sql("SELECT bool_or(active) FROM visit_people WHERE visit_id = %d"
                                  % v["id"]), "f")
        tl = self.ok("GET", "/tickets/%d" % t["id"])["timeline"]
        self.assertEqual(tl[-1]["action"], "ticket.cancelled")
        self.assertEqual(tl[-1]["after"], {"status": "cancelled", "reason": "고객이 자체 해결"})
        self.assertEqual(tl[-1]["actor"]["id"], U["dispatcher"])
        self.refused(v["id"], "depart", None, "eng_a", 409, "step_out_of_order")
        # its time is free again
        self.visit("eng_a", window=(epoch(v["start"]), epoch(v["end"])))


# ------------------------------------------------------------------- access --
class Access(Base):
    @classmethod
    def setUpClass(cls):
        b = Base()
        cls.dev_a = b.device()
        # an older, resolved ticket on A's device, worked by engB
        cls.old, cls.v_old = b.visit("eng_b", ticket=b.ticket(device=cls.dev_a, fault="SLOW"))
        b.sql("UPDATE visits SET status = 'completed', completed_at = now(), resolved = true,"
              " resolution = 'RAM 증설' WHERE id = %d" % cls.v_old["id"])
        b.sql("UPDATE tickets SET status = 'resolved', resolved_at = now() WHERE id = %d"
              % cls.old["id"])
        cls.ta, cls.va = b.visit("eng_a", ticket=b.ticket(device=cls.dev_a))
        cls.tb, cls.vb = b.visit("eng_b")
        cls.tc, cls.vc = b.visit("eng_c")
        cls.dev_b = cls.tb["device_id"]

    def ids(self, path, token):
        return {x["id"] for x in self.ok("GET", path, token=token)["items"]}

    def test_engineer_sees_only_their_own(self):
        a, b, c = self.va["id"], self.vb["id"], self.vc["id"]
        self.ok("GET", "/visits/%d" % a, token="eng_a")
        self.ok("GET", "/tickets/%d" % self.ta["id"], token="eng_a")
        for path in ("/visits/%d" % b, "/visits/%d" % c, "/tickets/%d" % self.tb["id"],
                     "/tickets/%d" % self.tc["id"], "/devices/%d" % self.dev_b):
            with self.subTest(path=path):
                self.problem(self.call("GET", path, token="eng_a"), 404)
        # nor act on them
        n = self.count("audit_events")
        for name, body in (("precall", {"outcome": "reached"}), ("depart", None),
                           ("arrive", None), ("late", {"minutes": 5}),
                           ("estimate", {"minutes": 5, "explanation": "x"}),
                           ("consent", {"by": "x"}),
                           ("complete", {"resolved": True, "resolution": "x"}),
                           ("absent", {"memo_left": False}), ("cancel", {"reason": "x"})):
            with self.subTest(step=name):
                self.problem(self.step(b, name, body, "eng_a", None), 404)
        tb = self.tb["id"]
        self.problem(self.call("POST", "/tickets/%d/delay" % tb,
                               {"reason": "x", "new_due_at": "2099-01-01T00:00:00+09:00"},
                               "eng_a"), 404)
        self.problem(self.call("POST", "/tickets/%d/callback" % tb, {"reached": True}, "eng_a"),
                     404)
        self.problem(self.call("POST", "/tickets/%d/visits" % tb, {}, "eng_a"), 403)
        self.problem(self.call("POST", "/tickets/%d/assign" % tb,
                               {"engineer_id": U["eng_a"], "reason": "x"}, "eng_a"), 403)
        self.problem(self.call("POST", "/tickets/%d/cancel" % tb, {"reason": "x"}, "eng_a"), 403)
        self.assertEqual(self.count("audit_events"), n)
        self.assertEqual(self.sql("SELECT status FROM visits WHERE id = %d" % b), "proposed")
        # lists hold only their own
        vis = self.ids("/visits?limit=500", "eng_a")
        self.assertIn(a, vis)
        self.assertFalse({b, c} & vis)
        self.assertEqual(self.sql("SELECT count(*) FROM visits WHERE id IN (%s) AND %d NOT IN"
                                  " (coalesce(engineer_id, 0), coalesce(lead_id, 0))"
                                  % (",".join(map(str, vis)), U["eng_a"])), "0")
        tix = self.ids("/tickets?limit=500", "eng_a")
        self.assertIn(self.ta["id"], tix)
        self.assertFalse({tb, self.tc["id"], self.old["id"]} & tix)
        day = dt.datetime.fromtimestamp(epoch(self.va["start"]), SEOUL).date().isoformat()
        self.assertIn(a, self.ids("/me/visits?date=" + day, "eng_a"))
        self.assertEqual(self.ok("GET", "/notifications?ticket_id=%d" % tb, token="eng_a")["items"],
                         [])
        # no desk work for engineers
        for path, body in (("/tickets", {"customer_id": CUST["staff"], "device_id": self.dev_a,
                                         "fault_code": "SLOW", "symptom": "x",
                                         "channel": "phone", "verification": "sso"}),
                           ("/customers", {"name": "새 고객"}),
                           ("/devices", {"asset_tag": "NOPE-1", "kind": "desktop",
                                         "customer_id": CUST["staff"]})):
            with self.subTest(path=path):
                self.problem(self.call("POST", path, body, "eng_a"), 403)
        self.problem(self.call("PATCH", "/customers/%d" % CUST["staff"], {"name": "x"}, "eng_a"),
                     403)
        self.assertEqual(self.count("devices", "asset_tag = 'NOPE-1'"), 0)
        # the other engineer, symmetrically
        self.problem(self.call("GET", "/visits/%d" % a, token="eng_b"), 404)
        self.ok("GET", "/visits/%d" % b, token="eng_b")

    def test_device_fault_history(self):
        d = self.ok("GET", "/devices/%d" % self.dev_a, token="eng_a")
        hist = {h["ticket_id"]: h for h in d["fault_history"]}
        self.assertEqual(set(hist), {self.old["id"], self.ta["id"]})
        self.assertEqual(hist[self.old["id"]]["fault_code"], "SLOW")
        self.assertEqual(hist[self.old["id"]]["resolution"], "RAM 증설")
        self.assertEqual(hist[self.ta["id"]]["number"], self.ta["number"])
        self.assertEqual([h["ticket_id"] for h in d["fault_history"]],
                         [self.ta["id"], self.old["id"]])  # newest first
        # engB worked on it before: still sees it; engC never did
        self.ok("GET", "/devices/%d" % self.dev_a, token="eng_b")
        self.problem(self.call("GET", "/devices/%d" % self.dev_a, token="eng_c"), 404)
        self.problem(self.call("GET", "/devices/999999", token="eng_a"), 404)
        self.assertEqual(len(self.ok("GET", "/devices/%d" % self.dev_a)["fault_history"]), 2)

    def test_lead_sees_the_team(self):
        vis = self.ids("/visits?limit=500", "lead1")
        self.assertTrue({self.va["id"], self.vb["id"]} <= vis)
        self.assertNotIn(self.vc["id"], vis)
        self.ok("GET", "/visits/%d" % self.vb["id"], token="lead1")
        self.ok("GET", "/tickets/%d" % self.tb["id"], token="lead1")
        self.problem(self.call("GET", "/visits/%d" % self.vc["id"], token="lead1"), 404)
        self.problem(self.call("GET", "/tickets/%d" % self.tc["id"], token="lead1"), 404)
        self.problem(self.call("POST", "/visits/%d/cancel" % self.vc["id"], {"reason": "x"},
                               "lead1"), 404)
        tix = self.ids("/tickets?limit=500", "lead1")
        self.assertTrue({self.ta["id"], self.tb["id"]} <= tix)
        self.assertNotIn(self.tc["id"], tix)
        self.assertIn(self.va["id"], self.ids("/visits?person=%d&limit=500" % U["eng_a"],
                                              "lead1"))
        self.assertEqual(self.ids("/visits?person=%d&limit=500" % U["eng_c"], "lead1"), set())

    def test_dispatcher_sees_all(self):
        vis = self.ids("/visits?limit=500", "dispatcher")
        self.assertTrue({self.va["id"], self.vb["id"], self.vc["id"]} <= vis)
        for t in (self.ta, self.tb, self.tc):
            self.ok("GET", "/tickets/%d" % t["id"])
        self.ok("GET", "/devices/%d" % self.dev_b)
        self.assertEqual(self.ids("/visits?person=%d&limit=500" % U["eng_c"], "dispatcher"),
                         {self.vc["id"]})
        # from/to select the windows that overlap them
        s, e = epoch(self.vb["start"]), epoch(self.vb["end"])
        got = self.ids("/visits?from=%s&to=%s&limit=500" % (
            iso(s).replace("+", "%2B"), iso(e).replace("+", "%2B")), "dispatcher")
        self.assertIn(self.vb["id"], got)
        self.assertNotIn(self.va["id"], got)
        got = self.ids("/visits?from=%s&limit=500" % iso(e).replace("+", "%2B"), "dispatcher")
        self.assertNotIn(self.vb["id"], got)
        self.assertIn(self.vc["id"], got)
        self.problem(self.call("GET", "/visits?from=yesterday"), 400)
        # no booking on a cancelled ticket
        t = self.ticket()
        self.ok("POST", "/tickets/%d/cancel" % t["id"], {"reason": "고객 취소"})
        self.problem(self.call("POST", "/tickets/%d/visits" % t["id"], {}), 409)

    def pages(self, path, token, limit):
        """Every item of a list, following next_cursor page by page."""
        items, cursor = [], None
        for _ in range(1000):
            j = self.ok("GET", "%s%slimit=%d%s" % (path, "&" if "?" in path else "?", limit,
                                                    "&cursor=" + cursor if cursor else ""),
                        token=token)
            self.assertLessEqual(len(j["items"]), limit)
            items += j["items"]
            cursor = j["next_cursor"]
            if cursor is None:
                return items
            # the same cursor as every other list: the id of the page's last item
            self.assertEqual(cursor, str(j["items"][-1]["id"]))
        self.fail("%s never ended" % path)

    def test_visit_list_pages_in_start_order(self):
        # a later visit booked first: ids and start times run in opposite orders
        early, late = next_slot(), next_slot()
        _, v_late = self.visit("eng_b", window=late)
        _, v_early = self.visit("eng_b", window=early)
        self.assertGreater(v_early["id"], v_late["id"])
        whole = self.ok("GET", "/visits?limit=500")["items"]
        self.assertIsNone(self.ok("GET", "/visits?limit=500")["next_cursor"])
        key = [(epoch(v["start"]), v["id"]) for v in whole]
        self.assertEqual(key, sorted(key))
        paged = self.pages("/visits", "dispatcher", 2)
        self.assertEqual([v["id"] for v in paged], [v["id"] for v in whole])
        ids = [v["id"] for v in paged]
        self.assertLess(ids.index(v_early["id"]), ids.index(v_late["id"]))
        # one person's window (the statement an engineer's day runs), one a page
        frm = iso(early[0] - HOUR).replace("+", "%2B")
        to = iso(late[1] + HOUR).replace("+", "%2B")
        mine = self.pages("/visits?person=%d&from=%s&to=%s" % (U["eng_b"], frm, to), "eng_b", 1)
        self.assertEqual([v["id"] for v in mine][-2:], [v_early["id"], v_late["id"]])
        self.assertEqual(len(mine), len({v["id"] for v in mine}))
        # a cursor that is no id, or the old "<epoch>_<id>" shape: 400 naming the cursor
        for bad in ("abc", "%d_%d" % (early[0], v_early["id"]), "0", "-3"):
            with self.subTest(cursor=bad):
                j = self.problem(self.call("GET", "/visits?cursor=" + bad), 400, "bad_query")
                self.assertIn("cursor", j["detail"])
        # a visit the caller cannot see, or none at all, pages nothing and tells nothing
        for hidden in (self.vc["id"], 99999999):
            with self.subTest(cursor=hidden):
                j = self.ok("GET", "/visits?limit=500&cursor=%d" % hidden, token="eng_a")
                self.assertEqual(j, {"items": [], "next_cursor": None})

    def test_reassigned_visit_leaves_the_old_engineer(self):
        t, v = self.visit("eng_a")
        self.ok("GET", "/visits/%d" % v["id"], token="eng_a")
        self.ok("POST", "/tickets/%d/assign" % t["id"],
                {"engineer_id": U["eng_b"], "reason": "담당 변경"})
        self.problem(self.call("GET", "/visits/%d" % v["id"], token="eng_a"), 404)
        self.problem(self.call("GET", "/tickets/%d" % t["id"], token="eng_a"), 404)
        self.ok("GET", "/visits/%d" % v["id"], token="eng_b")


if __name__ == "__main__":
    harness.main()
