"""Intake over HTTP against a real database: R1 (verification and bad input), R11 (due_at
from priority, FIELDD_SLA_HOURS, delay notices, overdue), R7 (repeat faults, cancelled
tickets, other faults, the repeat window, three intakes at once), R8 (VIP), R14 (first
contact by callback) and Idempotency-Key replays of POST /tickets.

Run: FIELDD_BIN=build/fieldd python3 tests/integration/test_dispatch_intake.py
"""

import datetime as dt
import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import support  # noqa: E402

API = "/api/v1"
DB = "dispatch_intake"


# ------------------------------------------------------------------ helpers --
def ts(s):
    """RFC 3339 -> aware datetime."""
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00"))


def iso(d):
    return d.isoformat(timespec="seconds")


def now_utc():
    return dt.datetime.now(dt.timezone.utc)


class Base(unittest.TestCase):
    maxDiff = None

    def call(self, method, path, body=None, token=None, expect=None, headers=None):
        r = SRV.request(method, API + path, body=body, token=token, headers=headers, timeout=30)
        if expect is not None:
            self.assertEqual(r.status, expect, "%s %s -> %d %s" % (method, path, r.status,
                                                                   r.text[:600]))
        return r

    def ok(self, method, path, body=None, token=None, expect=200, headers=None):
        return self.call(method, path, body, token, expect, headers).json()

    def problem(self, r, status, code=None, field=None):
        self.assertEqual(r.status, status, r.text[:600])
        self.assertTrue(r.headers.get("Content-Type", "").startswith("application/problem+json"),
                        r.headers.get("Content-Type"))
        j = r.json()
        self.assertEqual(j["status"], status)
        if code is not None:
            self.assertEqual(j.get("code"), code, r.text[:600])
        if field is not None:
            fields = [e.get("field") for e in j.get("errors", [])]
            self.assertIn(field, fields, r.text[:600])
        return j

    def sql(self, q):
        return CL.psql(q, db=DB).strip()

    def count(self, table, where="true"):
        return int(self.sql("SELECT count(*) FROM %s WHERE %s" % (table, where)))

    def ticket(self, device, customer=None, fault="NO_BOOT", token=None, expect=201, **extra):
        body = {"customer_id": customer or CUST["staff"], "device_id": device,
                "fault_code": fault, "symptom": "전원이 들어오지 않음", "channel": "phone",
                "verification": "callback"}
        body.update(extra)
        return self.ok("POST", "/tickets", body, token or TOK["dispatcher"], expect)

    def device(self, kind="desktop", customer=None):
        global SERIAL
        SERIAL += 1
        return self.ok("POST", "/devices",
                       {"asset_tag": "IN-%05d" % SERIAL, "kind": kind,
                        "customer_id": customer or CUST["staff"], "model": "OptiPlex 7090",
                        "location": {"building": "본관", "floor": "3", "room": "301"}},
                       TOK["dispatcher"], 201)["id"]


SERIAL = 0
USERS = {}   # login -> user object
TOK = {}     # login -> bearer token
CUST = {}    # label -> customer id


def make_user(admin, login_name, role, **extra):
    body = {"login": login_name, "name": extra.pop("name", login_name), "role": role,
            "password": "pw-%s-123456" % login_name, "phone": "010-0000-%04d" % (len(USERS) + 1)}
    body.update(extra)
    r = SRV.request("POST", API + "/users", body=body, token=admin)
    if r.status != 201:
        raise harness.HarnessError("user %s: %d %s" % (login_name, r.status, r.text))
    USERS[login_name] = r.json()
    return USERS[login_name]


def setUpModule():
    global ST, CL, URL, SRV
    ST = support.Stack(dbname=DB)
    CL, URL, SRV = ST.cluster, ST.url, ST.server
    admin = TOK["admin"] = ST.admin_token()
    make_user(admin, "dispatcher", "dispatcher", name="배차 담당")
    lead = make_user(admin, "lead1", "lead", name="김팀장", skills=["desktop"])
    r = SRV.request("POST", API + "/teams", body={"name": "1팀", "lead_id": lead["id"]}, token=admin)
    if r.status != 201:
        raise harness.HarnessError("team: %d %s" % (r.status, r.text))
    team = r.json()["id"]
    make_user(admin, "eng1", "engineer", name="이기사", skills=["desktop", "laptop"], team_id=team)
    # everyone works every day, all day: proposals do not depend on today's weekday
    CL.psql("UPDATE users SET work_start = '00:00', work_end = '23:59',"
            " work_days = '{1,2,3,4,5,6,7}'", db=DB)
    TOK["dispatcher"] = ST.login("dispatcher", "pw-dispatcher-123456")
    TOK["eng1"] = ST.login("eng1", "pw-eng1-123456")
    TOK["lead1"] = ST.login("lead1", "pw-lead1-123456")
    for label, body in {
            "staff": {"name": "박사원", "rank": "staff", "phone": "010-1111-0001"},
            "manager": {"name": "최과장", "rank": "manager", "phone": "010-1111-0002"},
            "dept_head": {"name": "정부장", "rank": "dept_head", "phone": "010-1111-0003"},
            "executive": {"name": "한상무", "rank": "executive", "phone": "010-1111-0004"},
            "vip": {"name": "윤주임", "rank": "staff", "vip": True, "phone": "010-1111-0005"},
            "email": {"name": "서대리", "rank": "staff", "preferred_channel": "email",
                      "email": "seo@example.kr", "phone": "010-1111-0006"}}.items():
        body.update(department="총무부", organisation="한국공사")
        r = SRV.request("POST", API + "/customers", body=body, token=TOK["dispatcher"])
        if r.status != 201:
            raise harness.HarnessError("customer: %d %s" % (r.status, r.text))
        CUST[label] = r.json()["id"]


def tearDownModule():
    ST.close()


# ----------------------------------------------------------------------- R1 --
class R1BadInput(Base):
    def test_intake_refused_without_verification_and_with_bad_fields(self):
        dev = self.device()
        good = {"customer_id": CUST["staff"], "device_id": dev, "fault_code": "NO_BOOT",
                "symptom": "부팅 안 됨", "channel": "phone", "verification": "employee_id"}
        before = (self.count("tickets"), self.count("audit_events"),
                  self.count("notifications"))
        cases = [
            ("verification", {"verification": None}, "drop"),
            ("verification", {"verification": None}, None),
            ("verification", {"verification": "trust_me"}, None),
            ("verification", {"verification": ""}, None),
            ("fault_code", {"fault_code": "NOT_A_FAULT"}, None),
            ("fault_code", {"fault_code": "no_boot"}, None),
            ("device_id", {"device_id": 987654}, None),
            ("device_id", {"device_id": "abc"}, None),
            ("customer_id", {"customer_id": 987654}, None),
            ("customer_id", {"customer_id": -3}, None),
            ("priority", {"priority": "P9"}, None),
            ("channel", {"channel": "pigeon"}, None),
            ("symptom", {"symptom": ""}, None),
        ]
        for field, change, mode in cases:
            with self.subTest(field=field, change=change, mode=mode):
                body = dict(good)
                body.update(change)
                if mode == "drop":
                    del body[field]
                j = self.problem(self.call("POST", "/tickets", body, TOK["dispatcher"]), 422,
                                 field=field)
                self.assertEqual(j["code"], "validation_failed")
        # nothing was written by any of them
        self.assertEqual((self.count("tickets"), self.count("audit_events"),
                          self.count("notifications")), before)
        # each R1 method is accepted
        for method in ("callback", "employee_id", "in_person", "sso"):
            body = dict(good, verification=method)
            t = self.ok("POST", "/tickets", body, TOK["dispatcher"], 201)
            self.assertEqual(t["verification"], method)
            self.assertEqual(self.sql("SELECT verification FROM tickets WHERE id = %d"
                                      % t["id"]), method)

    def test_lead_can_take_a_ticket(self):
        # leads are staff (route table): intake works for them too
        dev = self.device()
        t = self.ticket(dev, fault="SOFTWARE", token=TOK["lead1"])
        self.assertEqual(t["status"], "new")
        self.assertEqual(self.sql("SELECT created_by FROM tickets WHERE id = %d" % t["id"]),
                         str(USERS["lead1"]["id"]))
        self.assertEqual(t["proposal"]["engineer_id"], USERS["eng1"]["id"])

    def test_engineer_cannot_take_tickets(self):
        dev = self.device()
        n = self.count("tickets")
        r = self.call("POST", "/tickets", {"customer_id": CUST["staff"], "device_id": dev,
                                           "fault_code": "SLOW", "symptom": "느림",
                                           "channel": "phone", "verification": "sso"},
                      TOK["eng1"])
        self.problem(r, 403)
        self.assertEqual(self.count("tickets"), n)


# ---------------------------------------------------------------------- R11 --
class DeviceSearch(Base):
    def test_devices_found_by_part_of_the_asset_tag_or_serial(self):
        tok = TOK["dispatcher"]
        a = self.ok("POST", "/devices", {"asset_tag": "SRCH-PC-7731", "kind": "desktop",
                                          "customer_id": CUST["staff"], "serial": "SN-ZX81"},
                    tok, 201)
        b = self.ok("POST", "/devices", {"asset_tag": "SRCH-PR-0042", "kind": "printer",
                                          "customer_id": CUST["manager"]}, tok, 201)
        ids = lambda q: [d["id"] for d in self.ok("GET", "/devices?q=" + q, None, tok)["items"]]
        self.assertEqual(ids("srch-pc"), [a["id"]])          # any case, part of the tag
        self.assertEqual(ids("SRCH-"), [a["id"], b["id"]])
        self.assertEqual(ids("zx8"), [a["id"]])              # the serial
        self.assertEqual(ids("%25"), [])                     # no wildcards: a literal %
        self.assertEqual(ids("SRCH&customer_id=%d" % CUST["manager"]), [b["id"]])
        self.problem(self.call("GET", "/devices?q=", None, tok), 400, "bad_query")
        self.problem(self.call("GET", "/devices?q=" + "x" * 101, None, tok), 400, "bad_query")


class R11DueAt(Base):
    def check_due(self, t, hours):
        created = ts(t["created_at"])
        due = ts(t["due_at"])
        self.assertEqual(due - created, dt.timedelta(hours=hours), t)
        self.assertLess(abs((due - now_utc()) - dt.timedelta(hours=hours)),
                        dt.timedelta(seconds=3))
        # the stored row agrees to the second
        secs = float(self.sql("SELECT extract(epoch FROM due_at - created_at) FROM tickets"
                              " WHERE id = %d" % t["id"]))
        self.assertAlmostEqual(secs, hours * 3600, delta=1)

    def test_due_from_priority(self):
        dev = self.device()
        for prio, hours in (("P1", 4), ("P2", 8), ("P3", 24), ("P4", 72), (None, 24)):
            with self.subTest(priority=prio):
                extra = {"priority": prio} if prio else {}
                t = self.ticket(dev, fault="SOFTWARE" if prio else "ACCOUNT", **extra)
                self.assertEqual(t["priority"], prio or "P3")
                self.assertFalse(t["overdue"])
                self.check_due(t, hours)

    def test_sla_hours_configurable(self):
        dev = self.device()
        with harness.Server(URL, env={"FIELDD_SLA_HOURS": "1,2,3,4"}) as s2:
            s2.wait_ready()
            for prio, hours in (("P1", 1), ("P2", 2), ("P3", 3), ("P4", 4)):
                with self.subTest(priority=prio):
                    r = s2.request("POST", API + "/tickets", token=TOK["dispatcher"],
                                   body={"customer_id": CUST["staff"], "device_id": dev,
                                         "fault_code": "PERIPHERAL", "symptom": "마우스",
                                         "channel": "web", "verification": "sso",
                                         "priority": prio})
                    self.assertEqual(r.status, 201, r.text)
                    self.check_due(r.json(), hours)
            # a VIP's P4 becomes P2 and takes P2's configured time
            r = s2.request("POST", API + "/tickets", token=TOK["dispatcher"],
                           body={"customer_id": CUST["executive"], "device_id": dev,
                                 "fault_code": "DISPLAY", "symptom": "화면", "channel": "web",
                                 "verification": "sso", "priority": "P4"})
            self.assertEqual(r.status, 201, r.text)
            self.assertEqual(r.json()["priority"], "P2")
            self.check_due(r.json(), 2)
        # an unusable table is refused at start-up
        r = harness.run_fieldd(["serve"], database_url=URL, timeout=20,
                               env={"FIELDD_SLA_HOURS": "1,2,3",
                                    "FIELDD_LISTEN": "127.0.0.1:%d" % harness.free_port()})
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("FIELDD_SLA_HOURS", r.stdout + r.stderr)


class R11Delay(Base):
    def test_delay_notice_moves_due_and_tells_the_customer(self):
        dev = self.device(customer=CUST["email"])
        t = self.ticket(dev, customer=CUST["email"], fault="HARDWARE", priority="P2")
        due = ts(t["due_at"])
        path = "/tickets/%d/delay" % t["id"]
        n_notices = self.count("delay_notices")
        # refused: not later, malformed, missing reason
        for body, field in (
                ({"reason": "부품 대기", "new_due_at": iso(due - dt.timedelta(hours=1))},
                 "new_due_at"),
                ({"reason": "부품 대기", "new_due_at": iso(due)}, "new_due_at"),
                ({"reason": "부품 대기", "new_due_at": "next tuesday"}, "new_due_at"),
                ({"reason": "부품 대기", "new_due_at": "2026-02-30T10:00:00+09:00"}, "new_due_at"),
                ({"reason": "부품 대기", "new_due_at": "2026-11-23 10:00"}, "new_due_at"),
                ({"reason": "부품 대기"}, "new_due_at"),
                ({"new_due_at": iso(due + dt.timedelta(days=1))}, "reason"),
                ({"reason": "", "new_due_at": iso(due + dt.timedelta(days=1))}, "reason")):
            with self.subTest(body=body):
                self.problem(self.call("POST", path, body, TOK["dispatcher"]), 422, field=field)
        self.assertEqual(self.count("delay_notices"), n_notices)
        self.assertEqual(ts(self.sql("SELECT api_time(due_at) FROM tickets WHERE id = %d"
                                     % t["id"])), due)

        new_due = (due + dt.timedelta(days=2)).replace(microsecond=0)
        j = self.ok("POST", path, {"reason": "부품 입고 지연", "new_due_at": iso(new_due)},
                    TOK["dispatcher"])
        self.assertEqual(ts(j["due_at"]), new_due)
        self.assertEqual(len(j["delay_notices"]), 1)
        dn = j["delay_notices"][0]
        self.assertEqual(dn["reason"], "부품 입고 지연")
        self.assertEqual(ts(dn["old_due_at"]), due)
        self.assertEqual(ts(dn["new_due_at"]), new_due)
        row = self.sql("SELECT reason, floor(extract(epoch FROM old_due_at))::bigint,"
                       " extract(epoch FROM new_due_at)::bigint FROM delay_notices"
                       " WHERE ticket_id = %d" % t["id"]).split("|")
        self.assertEqual(row, ["부품 입고 지연", str(int(due.timestamp())),
                               str(int(new_due.timestamp()))])
        # the customer hears it on their channel (e-mail for this one)
        rows = self.sql("SELECT recipient_kind, recipient_id, channel, recipient,"
                        " payload->>'reason' FROM notifications WHERE ticket_id = %d"
                        " AND template = 'delay_notice'" % t["id"]).splitlines()
        self.assertEqual(rows, ["customer|%d|email|seo@example.kr|부품 입고 지연"
                                % CUST["email"]])
        # queued, or already sent by the delivery workers (to the log: no mail server here)
        self.assertIn(self.sql("SELECT status FROM notifications WHERE ticket_id = %d AND"
                               " template = 'delay_notice'" % t["id"]), ("queued", "sent"))
        n = self.ok("GET", "/notifications?ticket_id=%d" % t["id"], token=TOK["dispatcher"])
        self.assertIn("delay_notice", [x["template"] for x in n["items"]])
        # audited
        full = self.ok("GET", "/tickets/%d" % t["id"], token=TOK["dispatcher"])
        ev = [e for e in full["timeline"] if e["action"] == "ticket.delayed"]
        self.assertEqual(len(ev), 1)
        self.assertEqual(ev[0]["actor"]["id"], USERS["dispatcher"]["id"])
        self.assertEqual(ev[0]["after"]["reason"], "부품 입고 지연")
        # the next notice must move it later again
        self.problem(self.call("POST", path, {"reason": "또 지연", "new_due_at": iso(new_due)},
                               TOK["dispatcher"]), 422, field="new_due_at")

    def test_overdue_until_a_delay_notice(self):
        dev = self.device()
        late = self.ticket(dev, fault="POWER", priority="P1")
        fresh = self.ticket(dev, fault="MALWARE", priority="P1")
        self.sql("UPDATE tickets SET due_at = now() - interval '1 hour' WHERE id = %d"
                 % late["id"])

        def listed(flag):
            j = self.ok("GET", "/tickets?overdue=%s&limit=500" % flag, token=TOK["dispatcher"])
            return {t["id"]: t for t in j["items"]}

        over = listed("true")
        self.assertIn(late["id"], over)
        self.assertTrue(over[late["id"]]["overdue"])
        self.assertNotIn(fresh["id"], over)
        self.assertIn(fresh["id"], listed("false"))
        self.assertNotIn(late["id"], listed("false"))
        self.assertTrue(self.ok("GET", "/tickets/%d" % late["id"],
                                token=TOK["dispatcher"])["overdue"])
        # a delay notice with a new date takes it off the list
        self.ok("POST", "/tickets/%d/delay" % late["id"],
                {"reason": "고객 요청으로 내일 방문",
                 "new_due_at": iso(now_utc() + dt.timedelta(hours=20))}, TOK["dispatcher"])
        self.assertNotIn(late["id"], listed("true"))
        # a resolved ticket is not overdue
        self.sql("UPDATE tickets SET due_at = now() - interval '1 hour', status = 'resolved'"
                 " WHERE id = %d" % fresh["id"])
        self.assertNotIn(fresh["id"], listed("true"))
        self.problem(self.call("GET", "/tickets?overdue=maybe", token=TOK["dispatcher"]), 400)


# ----------------------------------------------------------------------- R7 --
class R7Repeat(Base):
    def lead_escalations(self, tid):
        return self.sql("SELECT recipient_kind || ':' || recipient_id FROM notifications"
                        " WHERE ticket_id = %d AND template = 'escalation' ORDER BY id"
                        % tid).splitlines()

    def test_third_same_fault_escalates(self):
        dev = self.device()
        t1 = self.ticket(dev)
        self.assertEqual(t1["repeat"], {"count": 1, "window_days": 90})
        self.assertEqual(t1["escalations"], [])
        self.assertFalse(t1["requires_lead"])
        self.assertIsNone(t1["proposal"]["lead_id"])
        self.assertEqual(self.lead_escalations(t1["id"]), [])

        t2 = self.ticket(dev)
        self.assertEqual(t2["repeat"]["count"], 2)
        self.assertEqual(t2["escalations"], ["next_repeat_escalates"])
        self.assertFalse(t2["requires_lead"])
        self.assertEqual(t2["priority"], "P3")

        # a cancelled ticket does not count
        c = self.ok("POST", "/tickets/%d/cancel" % t2["id"], {"reason": "중복 접수"},
                    TOK["dispatcher"])
        self.assertEqual(c["status"], "cancelled")
        self.assertEqual(c["cancel_reason"], "중복 접수")
        self.problem(self.call("POST", "/tickets/%d/cancel" % t2["id"], {"reason": "again"},
                               TOK["dispatcher"]), 409)
        self.problem(self.call("POST", "/tickets/%d/cancel" % t1["id"], {},
                               TOK["dispatcher"]), 422, field="reason")
        t3 = self.ticket(dev)
        self.assertEqual(t3["repeat"]["count"], 2)
        self.assertEqual(t3["escalations"], ["next_repeat_escalates"])

        # another fault on the same device, the same fault on another device: not counted
        other = self.ticket(dev, fault="NETWORK")
        self.assertEqual(other["repeat"]["count"], 1)
        self.assertEqual(other["escalations"], [])
        dev2 = self.device()
        self.assertEqual(self.ticket(dev2)["repeat"]["count"], 1)

        t4 = self.ticket(dev)
        self.assertEqual(t4["repeat"]["count"], 3)
        self.assertEqual(t4["escalations"], ["repeat_fault"])
        self.assertTrue(t4["requires_lead"])
        self.assertEqual(t4["priority"], "P3")
        # the proposal brings the engineer's team lead, who is told now
        self.assertEqual(t4["proposal"]["engineer_id"], USERS["eng1"]["id"])
        self.assertEqual(t4["proposal"]["lead_id"], USERS["lead1"]["id"])
        self.assertEqual(self.lead_escalations(t4["id"]), ["user:%d" % USERS["lead1"]["id"]])
        n = self.sql("SELECT channel, payload->>'number', (payload->>'repeat_count')::int"
                     " FROM notifications WHERE ticket_id = %d AND template = 'escalation'"
                     % t4["id"])
        self.assertEqual(n, "sms|%s|3" % t4["number"])
        self.assertEqual(self.sql("SELECT repeat_count, escalations, requires_lead FROM tickets"
                                  " WHERE id = %d" % t4["id"]), "3|{repeat_fault}|t")
        self.assertEqual(self.lead_escalations(t2["id"]) + self.lead_escalations(t3["id"]), [])
        full = self.ok("GET", "/tickets/%d" % t4["id"], token=TOK["dispatcher"])
        self.assertIn("escalation", [x["template"] for x in full["notifications"]])
        # a 4th is escalated too
        t5 = self.ticket(dev)
        self.assertEqual((t5["repeat"]["count"], t5["escalations"]), (4, ["repeat_fault"]))
        # the list filter
        j = self.ok("GET", "/tickets?escalation=repeat_fault&limit=500", token=TOK["dispatcher"])
        ids = {x["id"] for x in j["items"]}
        self.assertTrue({t4["id"], t5["id"]} <= ids)
        self.assertFalse({t1["id"], t3["id"], other["id"]} & ids)
        j = self.ok("GET", "/tickets?escalation=next_repeat_escalates&limit=500",
                    token=TOK["dispatcher"])
        self.assertIn(t3["id"], {x["id"] for x in j["items"]})

    def test_repeat_window(self):
        dev = self.device()
        old = self.ticket(dev, fault="OS_ERROR")
        mid = self.ticket(dev, fault="OS_ERROR")
        self.sql("UPDATE tickets SET created_at = now() - interval '91 days' WHERE id = %d"
                 % old["id"])
        self.sql("UPDATE tickets SET created_at = now() - interval '89 days' WHERE id = %d"
                 % mid["id"])
        t = self.ticket(dev, fault="OS_ERROR")
        self.assertEqual(t["repeat"]["count"], 2)  # the one from 91 days ago is out
        self.assertEqual(t["escalations"], ["next_repeat_escalates"])

    def test_three_at_once_count_1_2_3(self):
        for rnd in range(4):
            dev = self.device()
            barrier = threading.Barrier(3)
            results = [None] * 3

            def go(i):
                body = {"customer_id": CUST["staff"], "device_id": dev,
                        "fault_code": "PRINT_JAM", "symptom": "용지 걸림 %d" % i,
                        "channel": "phone", "verification": "callback"}
                barrier.wait()
                results[i] = SRV.request("POST", API + "/tickets", body=body,
                                         token=TOK["dispatcher"], timeout=60)

            th = [threading.Thread(target=go, args=(i,)) for i in range(3)]
            for x in th:
                x.start()
            for x in th:
                x.join()
            with self.subTest(round=rnd):
                self.assertEqual([r.status for r in results], [201] * 3,
                                 [r.text[:300] for r in results])
                got = sorted((r.json()["repeat"]["count"], tuple(r.json()["escalations"]))
                             for r in results)
                self.assertEqual(got, [(1, ()), (2, ("next_repeat_escalates",)),
                                       (3, ("repeat_fault",))])
                self.assertEqual(self.sql("SELECT string_agg(repeat_count::text, ','"
                                          " ORDER BY repeat_count) FROM tickets"
                                          " WHERE device_id = %d" % dev), "1,2,3")
                # the counts follow the order the tickets were committed in
                self.assertEqual(self.sql("SELECT string_agg(repeat_count::text, ',' ORDER BY id)"
                                          " FROM tickets WHERE device_id = %d" % dev), "1,2,3")


# ----------------------------------------------------------------------- R8 --
class R8Vip(Base):
    def test_vip_customers(self):
        cases = [("dept_head", "P4", "P2"), ("executive", None, "P2"), ("vip", "P4", "P2"),
                 ("executive", "P1", "P1"), ("dept_head", "P2", "P2")]
        for label, asked, want in cases:
            with self.subTest(customer=label, priority=asked):
                dev = self.device(customer=CUST[label])
                extra = {"priority": asked} if asked else {}
                t = self.ticket(dev, customer=CUST[label], **extra)
                self.assertTrue(t["vip"])
                self.assertEqual(t["priority"], want)
                self.assertTrue(t["requires_lead"])
                self.assertEqual(t["escalations"], ["vip"])
                self.assertEqual(t["first_contact"]["target_min"], 5)
                self.assertTrue(t["customer"]["vip"])
                self.assertEqual(t["proposal"]["lead_id"], USERS["lead1"]["id"])
                hours = {"P1": 4, "P2": 8}[want]
                self.assertEqual(ts(t["due_at"]) - ts(t["created_at"]),
                                 dt.timedelta(hours=hours))
                self.assertEqual(self.sql("SELECT priority, vip, requires_lead FROM tickets"
                                          " WHERE id = %d" % t["id"]), "%s|t|t" % want)
                self.assertEqual(self.count("notifications", "ticket_id = %d AND template ="
                                            " 'escalation'" % t["id"]), 1)
        # staff and managers are not VIP
        for label in ("staff", "manager"):
            with self.subTest(customer=label):
                dev = self.device(customer=CUST[label])
                t = self.ticket(dev, customer=CUST[label], priority="P4")
                self.assertFalse(t["vip"])
                self.assertEqual(t["priority"], "P4")
                self.assertFalse(t["requires_lead"])
                self.assertEqual(t["first_contact"]["target_min"], 30)
                self.assertIsNone(t["proposal"]["lead_id"])
                self.assertEqual(self.count("notifications", "ticket_id = %d" % t["id"]), 0)
        j = self.ok("GET", "/tickets?vip=true&limit=500", token=TOK["dispatcher"])
        self.assertTrue(all(x["vip"] for x in j["items"]))
        self.assertGreaterEqual(len(j["items"]), len(cases))

    def test_vip_repeat_both_escalations(self):
        dev = self.device(customer=CUST["vip"])
        for _ in range(2):
            self.ticket(dev, customer=CUST["vip"], fault="SLOW")
        t = self.ticket(dev, customer=CUST["vip"], fault="SLOW", priority="P3")
        self.assertEqual(sorted(t["escalations"]), ["repeat_fault", "vip"])
        self.assertEqual(t["priority"], "P2")


# ---------------------------------------------------------------------- R14 --
class R14FirstContact(Base):
    def test_callback_records_first_contact(self):
        dev = self.device()
        t = self.ticket(dev, fault="ACCOUNT")
        self.assertEqual(t["first_contact"], {"at": None, "met": None, "minutes": None,
                                              "target_min": 30})
        path = "/tickets/%d/callback" % t["id"]
        j = self.ok("POST", path, {"reached": False, "note": "부재중"}, TOK["dispatcher"])
        self.assertIsNone(j["first_contact"]["at"])
        self.problem(self.call("POST", path, {"note": "x"}, TOK["dispatcher"]), 422,
                     field="reached")
        j = self.ok("POST", path, {"reached": True, "note": "통화 완료"}, TOK["dispatcher"])
        fc = j["first_contact"]
        self.assertIsNotNone(fc["at"])
        self.assertTrue(fc["met"])
        self.assertLess(fc["minutes"], 1)
        at = fc["at"]
        # a later call does not move it
        time.sleep(1.1)
        j = self.ok("POST", path, {"reached": True}, TOK["dispatcher"])
        self.assertEqual(j["first_contact"]["at"], at)
        self.assertEqual(self.count("ticket_contacts", "ticket_id = %d" % t["id"]), 3)
        self.assertEqual(self.sql("SELECT string_agg(reached::text, ',' ORDER BY id) FROM"
                                  " ticket_contacts WHERE ticket_id = %d" % t["id"]),
                         "false,true,true")
        full = self.ok("GET", "/tickets/%d" % t["id"], token=TOK["dispatcher"])
        self.assertEqual([c["reached"] for c in full["contacts"]], [False, True, True])
        self.assertEqual([e["action"] for e in full["timeline"]].count("ticket.callback"), 3)

    def test_targets_and_breaches(self):
        dev_s = self.device()
        dev_v = self.device(customer=CUST["dept_head"])
        # non-VIP reached 40 minutes after intake: missed (target 30)
        slow = self.ticket(dev_s, fault="POWER")
        self.sql("UPDATE tickets SET created_at = now() - interval '40 minutes' WHERE id = %d"
                 % slow["id"])
        j = self.ok("POST", "/tickets/%d/callback" % slow["id"], {"reached": True},
                    TOK["dispatcher"])
        self.assertFalse(j["first_contact"]["met"])
        self.assertAlmostEqual(j["first_contact"]["minutes"], 40, delta=0.5)
        # non-VIP reached after 20 minutes: met
        ok20 = self.ticket(dev_s, fault="HARDWARE")
        self.sql("UPDATE tickets SET created_at = now() - interval '20 minutes' WHERE id = %d"
                 % ok20["id"])
        self.assertTrue(self.ok("POST", "/tickets/%d/callback" % ok20["id"], {"reached": True},
                                TOK["dispatcher"])["first_contact"]["met"])
        # VIP reached after 6 minutes: missed (target 5)
        vip6 = self.ticket(dev_v, customer=CUST["dept_head"], fault="POWER")
        self.sql("UPDATE tickets SET created_at = now() - interval '6 minutes' WHERE id = %d"
                 % vip6["id"])
        self.assertFalse(self.ok("POST", "/tickets/%d/callback" % vip6["id"], {"reached": True},
                                 TOK["dispatcher"])["first_contact"]["met"])
        # nobody called yet: a VIP after 6 minutes is a breach, a staff member is not yet
        vip_wait = self.ticket(dev_v, customer=CUST["dept_head"], fault="SLOW")
        staff_wait = self.ticket(dev_s, fault="SLOW")
        staff_old = self.ticket(dev_s, fault="DISPLAY")
        self.sql("UPDATE tickets SET created_at = now() - interval '6 minutes'"
                 " WHERE id IN (%d, %d)" % (vip_wait["id"], staff_wait["id"]))
        self.sql("UPDATE tickets SET created_at = now() - interval '31 minutes' WHERE id = %d"
                 % staff_old["id"])
        g = self.ok("GET", "/tickets/%d" % vip_wait["id"], token=TOK["dispatcher"])
        self.assertFalse(g["first_contact"]["met"])
        self.assertIsNone(self.ok("GET", "/tickets/%d" % staff_wait["id"],
                                  token=TOK["dispatcher"])["first_contact"]["met"])
        j = self.ok("GET", "/tickets?first_contact_breach=true&limit=500",
                    token=TOK["dispatcher"])
        ids = {x["id"] for x in j["items"]}
        self.assertTrue({slow["id"], vip6["id"], vip_wait["id"], staff_old["id"]} <= ids, ids)
        self.assertFalse({ok20["id"], staff_wait["id"]} & ids, ids)
        j = self.ok("GET", "/tickets?first_contact_breach=false&limit=500",
                    token=TOK["dispatcher"])
        ids = {x["id"] for x in j["items"]}
        self.assertTrue({ok20["id"], staff_wait["id"]} <= ids)
        self.assertFalse({slow["id"], vip_wait["id"]} & ids)


# -------------------------------------------------------------- idempotency --
class Idempotency(Base):
    def test_retried_intake_replays(self):
        dev = self.device()
        body = {"customer_id": CUST["staff"], "device_id": dev, "fault_code": "NETWORK",
                "symptom": "인터넷 안 됨", "channel": "phone", "verification": "callback"}
        key = {"Idempotency-Key": "intake-%d" % dev}
        n = self.count("tickets")
        first = self.call("POST", "/tickets", body, TOK["dispatcher"], 201, key)
        again = self.call("POST", "/tickets", body, TOK["dispatcher"], 201, key)
        self.assertEqual(again.headers.get("Idempotent-Replayed"), "true")
        self.assertEqual(again.headers.get("Location"), first.headers.get("Location"))
        self.assertEqual(again.headers.get("Location"), "/api/v1/tickets/%d" % first.json()["id"])
        self.assertEqual(first.json()["id"], again.json()["id"])
        self.assertEqual(first.json()["number"], again.json()["number"])
        self.assertEqual(first.json(), again.json())
        self.assertEqual(self.count("tickets"), n + 1)
        self.assertEqual(self.count("audit_events", "ticket_id = %d AND action = "
                                    "'ticket.created'" % first.json()["id"]), 1)
        # a different request under the same key is refused
        r = self.call("POST", "/tickets", dict(body, symptom="다른 증상"), TOK["dispatcher"],
                      headers=key)
        self.problem(r, 422, code="idempotency_key_reused")
        # the replay did not count as a repeat: the next one is the 2nd
        t = self.ticket(dev, fault="NETWORK")
        self.assertEqual(t["repeat"]["count"], 2)
        self.assertEqual(self.count("tickets"), n + 2)
        # the number format
        self.assertRegex(first.json()["number"], r"^T-\d{4}-\d{6}$")


if __name__ == "__main__":
    harness.main()
