"""Shared set-up for the complaint (R13) and work-plan (R12) tests (not a test module):
one stack with two teams, their leads and engineers, customers, and helpers to file
tickets and book visits over HTTP."""

import datetime as dt
import os
import sys
import unittest
from zoneinfo import ZoneInfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import support  # noqa: E402

API = "/api/v1"
SEOUL = ZoneInfo("Asia/Seoul")


class World:
    """Stack + people: admin, dispatcher, lead1 (team 1: eng_a, eng_b), lead2 (team 2:
    eng_c); customers staff (phone, sms), mail (e-mail preferred), nophone (e-mail only)."""

    def __init__(self, dbname, env=None):
        self.st = support.Stack(dbname=dbname, env=env)
        self.db = dbname
        self.srv = self.st.server
        self.U, self.TOK, self.CUST, self.TEAM = {}, {}, {}, {}
        self.serial = 0
        self.slot = 0
        admin = self.TOK["admin"] = self.st.admin_token()
        self.U["admin"] = self.st.admin_id

        def user(name, role, team=None):
            body = {"login": name, "name": name, "role": role,
                    "password": "pw-%s-123456" % name, "skills": ["desktop"]}
            if team:
                body["team_id"] = team
            self.U[name] = self.st.post("/users", body, admin)["id"]

        user("dispatcher", "dispatcher")
        user("lead1", "lead")
        user("lead2", "lead")
        self.TEAM[1] = self.st.post("/teams", {"name": "1팀", "lead_id": self.U["lead1"]},
                                    admin)["id"]
        self.TEAM[2] = self.st.post("/teams", {"name": "2팀", "lead_id": self.U["lead2"]},
                                    admin)["id"]
        user("eng_a", "engineer", self.TEAM[1])
        user("eng_b", "engineer", self.TEAM[1])
        user("eng_c", "engineer", self.TEAM[2])
        self.sql("UPDATE users SET work_start = '00:00', work_end = '23:59',"
                 " work_days = '{1,2,3,4,5,6,7}'")
        for name in ("dispatcher", "lead1", "lead2", "eng_a", "eng_b", "eng_c"):
            self.TOK[name] = self.st.login(name, "pw-%s-123456" % name)
        for label, body in {
                "staff": {"name": "박사원", "phone": "010-4444-0001"},
                "mail": {"name": "서대리", "phone": "010-4444-0002", "email": "seo@example.kr",
                         "preferred_channel": "email"},
                "nophone": {"name": "이과장", "email": "lee@example.kr",
                            "preferred_channel": "email"}}.items():
            self.CUST[label] = self.st.post("/customers", body, self.TOK["dispatcher"])["id"]

    def close(self):
        self.st.close()

    def sql(self, q):
        return self.st.sql(q)

    def call(self, method, path, body=None, token="dispatcher", headers=None):
        return self.srv.request(method, API + path, body=body, token=self.TOK[token],
                                headers=headers, timeout=30)

    def ticket(self, customer="staff"):
        self.serial += 1
        tok = self.TOK["dispatcher"]
        dev = self.st.post("/devices", {"asset_tag": "CP-%05d" % self.serial, "kind": "desktop",
                                        "customer_id": self.CUST[customer]}, tok)["id"]
        return self.st.post("/tickets", {"customer_id": self.CUST[customer], "device_id": dev,
                                         "fault_code": "NO_BOOT", "symptom": "부팅 불가",
                                         "channel": "phone", "verification": "callback"}, tok)

    def visit(self, ticket_id, engineer):
        """Books engineer on the ticket, a fresh hour some days ahead."""
        k = self.slot
        self.slot += 1
        d = dt.datetime.now(SEOUL).date() + dt.timedelta(days=2 + k // 10)
        s = dt.datetime(d.year, d.month, d.day, 8 + k % 10, tzinfo=SEOUL)
        e = s + dt.timedelta(hours=1)
        return self.st.post("/tickets/%d/visits" % ticket_id,
                            {"engineer_id": self.U[engineer], "start": s.isoformat(),
                             "end": e.isoformat()}, self.TOK["dispatcher"])

    def ticket_with_visit(self, engineer, customer="staff"):
        t = self.ticket(customer)
        self.visit(t["id"], engineer)
        return t


class CaseTest(unittest.TestCase):
    """ok/problem against the module's World (world() returns it)."""
    maxDiff = None

    def world(self):
        raise NotImplementedError("the test module returns its World")

    def ok(self, method, path, body=None, token="dispatcher", expect=200):
        r = self.world().call(method, path, body, token)
        self.assertEqual(r.status, expect, "%s %s as %s -> %d %s" % (
            method, path, token, r.status, r.text[:600]))
        return r.json()

    def problem(self, r, status, code, field=None):
        self.assertEqual(r.status, status, r.text[:600])
        self.assertTrue(r.headers.get("Content-Type", "").startswith("application/problem+json"))
        j = r.json()
        self.assertEqual(j.get("code"), code, r.text[:600])
        if field is not None:
            self.assertIn(field, [e.get("field") for e in j.get("errors", [])], r.text[:600])
        return j
