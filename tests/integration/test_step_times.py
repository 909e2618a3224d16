"""The time of a step, not the time of its replay (issue 11): every visit step takes an
optional `at` (when the engineer acted, e.g. offline); the visit, the timeline and the
service-standards report use it, and the server keeps its receipt time beside it. `at` in
the future, before the visit's previous step or older than the idempotency window is 422
naming `at`, with nothing written. And steps accept the bodies clients send: no body, `{}`
or a JSON object of the step's fields; 413 only for a body really too large.
"""

import datetime as dt
import os
import sys
import unittest
import urllib.parse
import uuid
from zoneinfo import ZoneInfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import support  # noqa: E402

API = "/api/v1"
DB = "step_times"
SEOUL = ZoneInfo("Asia/Seoul")
MIN = 60
U, TOK, CUST = {}, {}, {}
SERIAL = [0]


def iso(e):
    return dt.datetime.fromtimestamp(e, SEOUL).isoformat(timespec="seconds")


def epoch_of(s):
    return int(dt.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp())


def now():
    return int(dt.datetime.now(dt.timezone.utc).timestamp())


def setUpModule():
    global ST, SRV
    ST = support.Stack(dbname=DB)
    SRV = ST.server
    admin = TOK["admin"] = ST.admin_token()
    for name, role in (("dispatcher", "dispatcher"), ("lead", "lead")):
        U[name] = ST.post("/users", {"login": name, "name": name, "role": role,
                                     "password": "pw-%s-123456" % name}, admin)["id"]
    team = ST.post("/teams", {"name": "현장팀", "lead_id": U["lead"]}, admin)["id"]
    for name in ("eng", "eng2"):
        U[name] = ST.post("/users", {"login": name, "name": name, "role": "engineer",
                                     "password": "pw-%s-123456" % name, "team_id": team,
                                     "skills": ["monitor"]}, admin)["id"]
    ST.sql("UPDATE users SET work_start = '00:00', work_end = '23:59',"
           " work_days = '{1,2,3,4,5,6,7}'")
    for name in ("dispatcher", "eng", "eng2"):
        TOK[name] = ST.login(name, "pw-%s-123456" % name)
    CUST["c"] = ST.post("/customers", {"name": "박사원", "phone": "010-3333-0001"},
                        TOK["dispatcher"])["id"]


def tearDownModule():
    ST.close()


class Base(unittest.TestCase):
    maxDiff = None

    def call(self, method, path, body=None, token=None, raw=None, headers=None, key=None):
        token = token or getattr(self, "current", "eng")  # the engineer of the last visit
        h = dict(headers or {})
        if key:
            h["Idempotency-Key"] = key
        return SRV.request(method, API + path, body=body, raw_body=raw, headers=h,
                           token=TOK[token], timeout=30)

    def ok(self, method, path, body=None, token=None, expect=200, **kw):
        r = self.call(method, path, body, token, **kw)
        self.assertEqual(r.status, expect, "%s %s -> %d %s" % (method, path, r.status,
                                                               r.text[:600]))
        return r.json()

    def step(self, vid, name, body=None, **kw):
        return self.call("POST", "/visits/%d/%s" % (vid, name), body, **kw)

    def ok_step(self, vid, name, body=None, **kw):
        r = self.step(vid, name, body, **kw)
        self.assertEqual(r.status, 200, "%s -> %d %s" % (name, r.status, r.text[:600]))
        return r.json()

    def refused_at(self, vid, name, body, why):
        before = ST.sql("SELECT status, ical_sequence FROM visits WHERE id = %d" % vid)
        audits = ST.sql("SELECT count(*) FROM audit_events")
        r = self.step(vid, name, body)
        self.assertEqual(r.status, 422, r.text)
        self.assertTrue(r.headers["Content-Type"].startswith("application/problem+json"))
        j = r.json()
        self.assertEqual(j["code"], "validation_failed", j)
        self.assertEqual([(e["field"], e["message"]) for e in j["errors"]], [("at", why)])
        self.assertEqual(ST.sql("SELECT status, ical_sequence FROM visits WHERE id = %d" % vid),
                         before)
        self.assertEqual(ST.sql("SELECT count(*) FROM audit_events"), audits)

    def engineer(self):
        """A new engineer (their own calendar: windows moved into the past never clash)."""
        SERIAL[0] += 1
        name = "e%d" % SERIAL[0]
        U[name] = ST.post("/users", {"login": name, "name": name, "role": "engineer",
                                     "password": "pw-%s-123456" % name, "skills": ["monitor"]},
                          TOK["admin"])["id"]
        ST.sql("UPDATE users SET work_start = '00:00', work_end = '23:59',"
               " work_days = '{1,2,3,4,5,6,7}' WHERE id = %d" % U[name])
        TOK[name] = ST.login(name, "pw-%s-123456" % name)
        return name

    def visit(self, engineer="eng", start_ago=None, made_ago=None):
        """A ticket and a visit of engineer. With start_ago (seconds), the window is moved to
        start that long ago, and the ticket and visit made made_ago seconds ago (as if booked
        earlier in the day), for a new engineer of its own (no clash with other tests)."""
        if start_ago is not None:
            engineer = self.engineer()
        SERIAL[0] += 1
        dev = self.ok("POST", "/devices", {"asset_tag": "ST-%05d" % SERIAL[0], "kind": "monitor",
                                           "customer_id": CUST["c"]}, "dispatcher", 201)["id"]
        t = self.ok("POST", "/tickets", {"customer_id": CUST["c"], "device_id": dev,
                                         "fault_code": "DISPLAY", "symptom": "화면 안 나옴",
                                         "channel": "phone", "verification": "callback"},
                    "dispatcher", 201)
        v = self.ok("POST", "/tickets/%d/visits" % t["id"], {"engineer_id": U[engineer]},
                    "dispatcher", 201)
        self.current = engineer
        if start_ago is not None:
            ST.sql("UPDATE visits SET starts_at = now() - make_interval(secs => %d),"
                   " ends_at = now() - make_interval(secs => %d) + interval '1 hour',"
                   " created_at = now() - make_interval(secs => %d) WHERE id = %d"
                   % (start_ago, start_ago, made_ago, v["id"]))
            ST.sql("UPDATE tickets SET created_at = now() - make_interval(secs => %d)"
                   " WHERE id = %d" % (made_ago, t["id"]))
        return t, v

    def report(self, engineer):
        q = "?from=%s&to=%s&engineer_id=%d" % (
            urllib.parse.quote(iso(now() - 86400)), urllib.parse.quote(iso(now() + 86400)),
            U[engineer])
        j = self.ok("GET", "/reports/service-standards" + q, token="dispatcher")
        return {m: (x["numerator"], x["denominator"]) for m, x in j["overall"].items()}


class StepTimes(Base):
    def test_offline_steps_keep_their_times_and_count_on_time(self):
        # booked 3 hours ago for a window that began 70 minutes ago; the engineer worked
        # offline and every step reaches the server only now, each with its own time
        t, v = self.visit(start_ago=70 * MIN, made_ago=180 * MIN)
        eng = self.current
        vid, tid = v["id"], t["id"]
        n = now()
        times = {"precall": n - 170 * MIN, "depart": n - 100 * MIN, "arrive": n - 65 * MIN,
                 "estimate": n - 60 * MIN, "consent": n - 55 * MIN, "complete": n - 20 * MIN}
        bodies = {"precall": {"outcome": "reached"}, "depart": {}, "arrive": {},
                  "estimate": {"minutes": 30, "explanation": "케이블 교체"},
                  "consent": {"by": "박사원"},
                  "complete": {"resolved": True, "resolution": "케이블 교체"}}
        for name in ("precall", "depart", "arrive", "estimate", "consent", "complete"):
            body = dict(bodies[name], at=iso(times[name]))
            j = self.ok_step(vid, name, body, token=eng, key=str(uuid.uuid4()))
        self.assertEqual(j["status"], "completed")
        # the visit shows when things happened
        self.assertEqual(epoch_of(j["precall_attempts"][0]["at"]), times["precall"])
        self.assertEqual(epoch_of(j["departed_at"]), times["depart"])
        self.assertEqual(epoch_of(j["arrived_at"]), times["arrive"])
        self.assertIs(j["arrived_late"], False)  # 5 minutes after the window's start
        self.assertEqual(epoch_of(j["estimate"]["at"]), times["estimate"])
        self.assertEqual(epoch_of(j["consent"]["at"]), times["consent"])
        self.assertEqual(epoch_of(j["completed_at"]), times["complete"])
        # and the server keeps when it heard of each, beside it
        rec = ST.sql("SELECT extract(epoch FROM departed_received_at)::bigint,"
                     " extract(epoch FROM arrived_received_at)::bigint,"
                     " extract(epoch FROM completed_received_at)::bigint"
                     " FROM visits WHERE id = %d" % vid).split("|")
        for r in rec:
            self.assertGreaterEqual(int(r), n - 5)
        self.assertGreaterEqual(int(ST.sql("SELECT extract(epoch FROM received_at)::bigint"
                                           " FROM precall_attempts WHERE visit_id = %d" % vid)),
                                n - 5)
        # R14: the first contact is the call's time, 10 minutes after intake
        self.assertEqual(int(ST.sql("SELECT extract(epoch FROM first_contact_at)::bigint"
                                    " FROM tickets WHERE id = %d" % tid)), times["precall"])
        doc = self.ok("GET", "/tickets/%d" % tid, token="dispatcher")
        self.assertIs(doc["first_contact"]["met"], True)
        # the timeline: in the order things happened, each with its time and receipt
        steps = [e for e in doc["timeline"] if e["action"].startswith("visit.")
                 and e["action"] != "visit.created"]
        self.assertEqual([e["action"] for e in steps],
                         ["visit.precall", "visit.depart", "visit.arrive", "visit.estimate",
                          "visit.consent", "visit.complete"])
        for e in steps:
            name = e["action"].split(".")[1]
            self.assertEqual(epoch_of(e["at"]), times[name], e)
            self.assertGreaterEqual(epoch_of(e["received_at"]), n - 5, e)
        # the report counts the engineer on time and the first contact within target
        figures = self.report(eng)
        self.assertEqual(figures["on_time_arrival"], (1, 1))
        self.assertEqual(figures["first_contact"], (1, 1))
        self.assertEqual(figures["consent_before_work"], (1, 1))

    def test_without_at_the_receipt_time_counts(self):
        # the same late replay without "at": the engineer counts as late (R4)
        t, v = self.visit(start_ago=70 * MIN, made_ago=180 * MIN)
        eng = self.current
        for name, body in (("precall", {"outcome": "reached"}), ("depart", None),
                           ("arrive", None)):
            j = self.ok_step(v["id"], name, body, token=eng)
        self.assertIs(j["arrived_late"], True)
        self.assertGreaterEqual(epoch_of(j["arrived_at"]), now() - 5)
        figures = self.report(eng)
        self.assertEqual(figures["on_time_arrival"], (0, 1))
        self.assertEqual(figures["first_contact"], (0, 1))  # 3 hours after intake

    def test_future_at_is_refused(self):
        t, v = self.visit(start_ago=30 * MIN, made_ago=60 * MIN)
        eng = self.current
        self.ok_step(v["id"], "precall", {"outcome": "reached", "at": iso(now() - 20 * MIN)},
                     token=eng)
        self.refused_at(v["id"], "depart", {"at": iso(now() + 10 * MIN)},
                        "must not be in the future")
        self.refused_at(v["id"], "late", {"minutes": 5, "at": iso(now() + 3600)},
                        "must not be in the future")
        # a phone clock a minute ahead is fine
        j = self.ok_step(v["id"], "depart", {"at": iso(now() + 60)})
        self.assertEqual(j["status"], "en_route")

    def test_at_before_the_previous_step_is_refused(self):
        t, v = self.visit(start_ago=30 * MIN, made_ago=120 * MIN)
        self.ok_step(v["id"], "precall", {"outcome": "reached", "at": iso(now() - 10 * MIN)})
        self.refused_at(v["id"], "depart", {"at": iso(now() - 30 * MIN)},
                        "must not be before the visit's previous step")
        # nor before the visit was booked
        t2, v2 = self.visit(start_ago=30 * MIN, made_ago=60 * MIN)
        self.refused_at(v2["id"], "precall", {"outcome": "reached", "at": iso(now() - 90 * MIN)},
                        "must not be before the visit's previous step")
        self.assertEqual(ST.sql("SELECT count(*) FROM precall_attempts WHERE visit_id = %d"
                                % v2["id"]), "0")
        self.assertEqual(ST.sql("SELECT first_contact_at IS NULL FROM tickets WHERE id = %d"
                                % t2["id"]), "t")

    def test_at_older_than_the_idempotency_window_is_refused(self):
        t, v = self.visit(start_ago=20 * 86400, made_ago=21 * 86400)
        self.refused_at(v["id"], "precall", {"outcome": "reached", "at": iso(now() - 15 * 86400)},
                        "must be within the last 14 days")

    def test_at_must_be_a_time(self):
        t, v = self.visit("eng")
        for bad in ("yesterday", "2026-11-23", "2026-11-23T10:00:00", 1700000000, None):
            with self.subTest(at=bad):
                r = self.step(v["id"], "precall", {"outcome": "no_answer", "at": bad})
                self.assertEqual(r.status, 422, r.text)
                self.assertIn("at", [e["field"] for e in r.json()["errors"]])
        self.assertEqual(ST.sql("SELECT count(*) FROM precall_attempts WHERE visit_id = %d"
                                % v["id"]), "0")

    def test_a_replay_with_the_same_key_changes_nothing(self):
        t, v = self.visit(start_ago=30 * MIN, made_ago=60 * MIN)
        self.ok_step(v["id"], "precall", {"outcome": "reached", "at": iso(now() - 20 * MIN)})
        key, body = str(uuid.uuid4()), {"at": iso(now() - 10 * MIN)}
        first = self.step(v["id"], "depart", body, key=key)
        again = self.step(v["id"], "depart", body, key=key)
        self.assertEqual(first.status, 200)
        self.assertEqual((again.status, again.body), (first.status, first.body))
        self.assertEqual(again.headers.get("Idempotent-Replayed"), "true")
        self.assertEqual(ST.sql("SELECT count(*) FROM audit_events WHERE visit_id = %d"
                                " AND action = 'visit.depart'" % v["id"]), "1")


class StepBodies(Base):
    def confirmed(self):
        t, v = self.visit("eng")
        self.ok_step(v["id"], "precall", {"outcome": "reached"})
        return v["id"]

    def test_bodiless_steps_take_no_body_or_an_object(self):
        # no body and no Content-Type, as a plain fetch() sends it
        vid = self.confirmed()
        r = self.step(vid, "depart", raw="")
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(r.json()["status"], "en_route")
        # {} with application/json: what most API clients send
        j = self.ok_step(vid, "arrive", {})
        self.assertEqual(j["status"], "on_site")
        vid = self.confirmed()
        j = self.ok_step(vid, "depart", {"at": iso(now())})
        self.assertEqual(j["status"], "en_route")
        r = self.step(vid, "arrive", raw=" {\n} ", headers={"Content-Type": "application/json"})
        self.assertEqual(r.status, 200, r.text)

    def test_fields_a_step_does_not_take_are_named(self):
        vid = self.confirmed()
        r = self.step(vid, "depart", {"minutes": 5})
        self.assertEqual(r.status, 422, r.text)
        self.assertEqual([e["field"] for e in r.json()["errors"]], ["minutes"])
        self.assertEqual(ST.sql("SELECT status FROM visits WHERE id = %d" % vid), "confirmed")

    def test_steps_with_fields_need_them_in_the_body(self):
        vid = self.confirmed()
        r = self.step(vid, "late", raw="")
        self.assertEqual(r.status, 422, r.text)
        self.assertEqual([e["field"] for e in r.json()["errors"]], ["minutes"])

    def test_only_a_really_large_body_is_413(self):
        vid = self.confirmed()
        big = '{"at": "%s", "x": "%s"}' % (iso(now()), "x" * 5000)
        r = self.step(vid, "depart", raw=big, headers={"Content-Type": "application/json"})
        self.assertEqual(r.status, 413, r.text)
        self.assertEqual(r.json()["code"], "body_too_large")
        r = self.step(vid, "depart", raw="at=now", headers={"Content-Type": "text/plain"})
        self.assertEqual(r.status, 415, r.text)
        r = self.step(vid, "depart", raw="", headers={"Content-Type": "text/plain"})
        self.assertEqual(r.status, 415, r.text)
        self.assertEqual(ST.sql("SELECT status FROM visits WHERE id = %d" % vid), "confirmed")

    def test_rotate_takes_an_empty_object(self):
        for raw, ctype in (("", None), ("{}", "application/json")):
            with self.subTest(raw=raw):
                r = self.call("POST", "/me/calendar/rotate", raw=raw,
                              headers={"Content-Type": ctype} if ctype else None)
                self.assertEqual(r.status, 200, r.text)
                self.assertIn("feed_url", r.json())
        r = self.call("POST", "/me/calendar/rotate", {"scope": "team"})
        self.assertEqual(r.status, 422, r.text)


if __name__ == "__main__":
    harness.main()
