"""Replays refused on an engineer's phone (the board's lane 휴대폰 재전송 실패), over HTTP
against a real PostgreSQL and fieldd: the phone reports a refused step (kept once per
Idempotency-Key, with the ticket and visit its path names), who may list and read reports
(the desk all, a lead their team's, an engineer only their own), marking one handled (the
desk or the reporter's lead; audited; not twice), bad reports refused with the field named,
and the reports on the event stream for exactly the people who may see them.

Run: FIELDD_BIN=build/dev/fieldd python3 tests/integration/test_replay_failures.py
"""

import datetime as dt
import os
import sys
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import support  # noqa: E402
from sse import SseStream  # noqa: E402

API = "/api/v1"
DB = "replays"
TOK = {}
USERS = {}
SLOT = [0]
SERIAL = [0]


def make_user(login, role, **extra):
    extra.setdefault("name", login)
    extra.setdefault("phone", "010-0000-%04d" % (len(USERS) + 1))
    USERS[login] = ST.create_user(TOK["admin"], login, role, password="pw-%s-123456" % login,
                                  **extra)
    return USERS[login]


def make_team(name, lead):
    r = SRV.request("POST", API + "/teams", body={"name": name, "lead_id": USERS[lead]["id"]},
                    token=TOK["admin"])
    if r.status != 201:
        raise harness.HarnessError("team: %d %s" % (r.status, r.text))
    team = r.json()["id"]
    ST.sql("UPDATE users SET team_id = %d WHERE id = %d" % (team, USERS[lead]["id"]))
    return team


def setUpModule():
    global ST, SRV, CUSTOMER
    ST = support.Stack(dbname=DB)
    SRV = ST.server
    TOK["admin"] = ST.admin_token()
    make_user("dispatcher", "dispatcher")
    make_user("lead1", "lead", skills=["desktop"])
    make_user("lead2", "lead", skills=["desktop"])
    t1, t2 = make_team("1팀", "lead1"), make_team("2팀", "lead2")
    make_user("eng1", "engineer", skills=["desktop"], team_id=t1)
    make_user("eng2", "engineer", skills=["desktop"], team_id=t2)
    ST.sql("UPDATE users SET work_start = '00:00', work_end = '23:59',"
           " work_days = '{1,2,3,4,5,6,7}'")
    for name in ("dispatcher", "lead1", "lead2", "eng1", "eng2"):
        TOK[name] = ST.login(name, "pw-%s-123456" % name)
    r = SRV.request("POST", API + "/customers", token=TOK["dispatcher"],
                    body={"name": "박사원", "rank": "staff", "phone": "010-1111-0001",
                          "department": "총무부", "organisation": "한국공사"})
    if r.status != 201:
        raise harness.HarnessError("customer: %d %s" % (r.status, r.text))
    CUSTOMER = r.json()["id"]


def tearDownModule():
    ST.close()


def booked_visit(engineer):
    """A ticket taken in and booked for engineer: (ticket, visit)."""
    SERIAL[0] += 1
    SLOT[0] += 1
    ticket = ST.intake(TOK["dispatcher"], CUSTOMER, "RF-%05d" % SERIAL[0])["id"]
    return ticket, ST.assign_slot(TOK["dispatcher"], ticket, USERS[engineer]["id"], SLOT[0])["id"]


def now():
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def refused_arrive(visit, key=None):
    """What the phone sends after the server refused its queued 도착 (arrive)."""
    return {"method": "POST", "path": "%s/visits/%d/arrive" % (API, visit), "status": 422,
            "code": "precall_required", "detail": "call the customer first", "at": now(),
            "idempotency_key": key or str(uuid.uuid4())}


def report(who, body):
    return SRV.request("POST", API + "/me/replay-failures", body=body, token=TOK[who])


def listed(who, query=""):
    r = SRV.request("GET", API + "/replay-failures" + query, token=TOK[who])
    assert r.status == 200, r.text
    return [f["id"] for f in r.json()["items"]]


class Report(support.ProblemAssertions, unittest.TestCase):
    def test_a_refused_replay_is_kept_once_with_its_ticket_and_visit(self):
        ticket, visit = booked_visit("eng1")
        body = refused_arrive(visit)
        r = report("eng1", body)
        self.assertEqual(r.status, 201, r.text)
        f = r.json()
        self.assertEqual((f["state"], f["status"], f["code"], f["method"], f["path"]),
                         ("open", 422, "precall_required", "POST", body["path"]))
        self.assertEqual(f["engineer"]["id"], USERS["eng1"]["id"])
        self.assertEqual(f["ticket"]["id"], ticket)
        self.assertEqual(f["visit_id"], visit)
        self.assertIsNone(f["handled"])
        self.assertEqual(r.headers.get("Location"), "%s/replay-failures/%d" % (API, f["id"]))
        # the phone sends the same report again (it did not hear the answer): still one
        again = report("eng1", body)
        self.assertEqual(again.status, 200, again.text)
        self.assertEqual(again.json()["id"], f["id"])
        self.assertEqual(ST.sql("SELECT count(*) FROM replay_failures WHERE idempotency_key"
                                " = '%s'" % body["idempotency_key"]), "1")

    def test_who_may_list_and_read_reports(self):
        _, v1 = booked_visit("eng1")
        _, v2 = booked_visit("eng2")
        mine = report("eng1", refused_arrive(v1)).json()["id"]
        theirs = report("eng2", refused_arrive(v2)).json()["id"]
        self.assertLessEqual({mine, theirs}, set(listed("dispatcher")))
        # an engineer lists only their own, even when asking for someone else's
        self.assertIn(mine, listed("eng1"))
        self.assertNotIn(theirs, listed("eng1"))
        self.assertEqual(listed("eng1", "?engineer_id=%d" % USERS["eng2"]["id"]), [])
        r = SRV.request("GET", API + "/replay-failures/%d" % theirs, token=TOK["eng1"])
        self.assertEqual(r.status, 404)
        # a lead only their team's
        self.assertIn(mine, listed("lead1"))
        self.assertNotIn(theirs, listed("lead1"))
        self.assertIn(theirs, listed("lead2"))
        self.assertNotIn(mine, listed("lead2"))
        r = SRV.request("GET", API + "/replay-failures/%d" % mine, token=TOK["lead1"])
        self.assertEqual((r.status, r.json()["id"]), (200, mine))
        r = SRV.request("GET", API + "/replay-failures/%d" % mine, token=TOK["lead2"])
        self.assertEqual(r.status, 404)
        # the desk does not report replays of its own (it has no phone outbox)
        r = report("dispatcher", refused_arrive(v1))
        self.assertEqual(r.status, 403)

    def test_bad_reports_are_refused_naming_the_field(self):
        _, visit = booked_visit("eng1")
        cases = [
            ({"status": 401}, "status"),
            ({"status": 500}, "status"),
            ({"path": "/elsewhere/visits/1/arrive"}, "path"),
            ({"method": "GET"}, "method"),
            ({"at": (dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)).isoformat()},
             "at"),
            ({"at": "yesterday"}, "at"),
            ({"idempotency_key": ""}, "idempotency_key"),
        ]
        before = ST.sql("SELECT count(*) FROM replay_failures")
        for change, field in cases:
            body = refused_arrive(visit)
            body.update(change)
            self.assertProblem(report("eng1", body), 422, "validation_failed", field)
        body = refused_arrive(visit)
        del body["idempotency_key"]
        self.assertProblem(report("eng1", body), 422, "validation_failed", "idempotency_key")
        self.assertEqual(ST.sql("SELECT count(*) FROM replay_failures"), before)


class Handle(unittest.TestCase):
    def test_the_lead_marks_it_handled_once_and_it_is_audited(self):
        ticket, visit = booked_visit("eng1")
        fid = report("eng1", refused_arrive(visit)).json()["id"]
        path = API + "/replay-failures/%d/handle" % fid
        self.assertEqual(SRV.request("POST", path, body={}, token=TOK["eng1"]).status, 403)
        self.assertEqual(SRV.request("POST", path, body={}, token=TOK["lead2"]).status, 404)
        r = SRV.request("POST", path, body={"note": "고객에게 전화 후 다시 처리"},
                        token=TOK["lead1"])
        self.assertEqual(r.status, 200, r.text)
        f = r.json()
        self.assertEqual(f["state"], "handled")
        self.assertEqual(f["handled"]["by"]["id"], USERS["lead1"]["id"])
        self.assertEqual(f["handled"]["note"], "고객에게 전화 후 다시 처리")
        self.assertNotIn(fid, listed("dispatcher", "?state=open"))
        self.assertIn(fid, listed("dispatcher", "?state=handled"))
        again = SRV.request("POST", path, body={}, token=TOK["dispatcher"])
        self.assertEqual(again.status, 409, again.text)
        self.assertEqual(again.json()["code"], "conflict")
        audit = ST.sql("SELECT actor_id || ' ' || action || ' ' || ticket_id FROM audit_events"
                       " WHERE replay_failure_id = %d" % fid)
        self.assertEqual(audit, "%d replay_failure.handled %d" % (USERS["lead1"]["id"], ticket))
        r = SRV.request("GET", API + "/replay-failures?state=nonsense", token=TOK["dispatcher"])
        self.assertEqual(r.status, 400)


class Live(unittest.TestCase):
    def test_reports_reach_the_streams_of_the_people_who_may_see_them(self):
        _, visit = booked_visit("eng1")
        streams = {w: SseStream(SRV.port, TOK[w]) for w in ("dispatcher", "lead1", "lead2")}
        try:
            for s in streams.values():
                self.assertEqual(s.status, 200)
                s.until(lambda b: b["id"] is not None)
            fid = report("eng1", refused_arrive(visit)).json()["id"]

            def about(b):
                return b["event"] == "replay_failure" and b["json"]["ref"] == fid
            for who in ("dispatcher", "lead1"):
                b = streams[who].until(about)
                self.assertEqual((b["json"]["status"], b["json"]["visit_id"]), ("open", visit))
            r = SRV.request("POST", API + "/replay-failures/%d/handle" % fid, body={},
                            token=TOK["dispatcher"])
            self.assertEqual(r.status, 200, r.text)
            b = streams["lead1"].until(lambda b: about(b) and b["json"]["status"] == "handled")
            # lead2 heard neither: a later change of their own team's comes first
            _, v2 = booked_visit("eng2")
            streams["lead2"].until(lambda b: b["json"] and b["json"].get("visit_id") == v2)
            self.assertEqual([b for b in streams["lead2"].events if b["event"] ==
                              "replay_failure"], [])
        finally:
            for s in streams.values():
                s.close()


if __name__ == "__main__":
    harness.main()
