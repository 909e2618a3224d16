"""Proposals and bookings over HTTP against a real database (SPEC §3, R7/R8 leads, no
double booking): who is proposed (skills, the last engineer on the device, the least
loaded, the team lead, busy people), POST /tickets/{id}/visits with and without the
proposal, lead_required, 20 parallel bookings for one engineer, a lead on two visits,
back-to-back windows, bad windows, and dispatcher overrides (/assign).

Run: FIELDD_BIN=build/fieldd python3 tests/integration/test_dispatch_booking.py
"""

import datetime as dt
import os
import sys
import threading
import time
import unittest
from zoneinfo import ZoneInfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import support  # noqa: E402

API = "/api/v1"
DB = "dispatch_booking"
SEOUL = ZoneInfo("Asia/Seoul")
GRID = 1800
HOUR = 3600


# ------------------------------------------------------------------ helpers --
def ts(s):
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00"))


def epoch(s):
    return int(ts(s).timestamp())


def iso(e):
    """epoch -> RFC 3339 in Seoul time."""
    return dt.datetime.fromtimestamp(e, SEOUL).isoformat(timespec="seconds")


def fit(e, dur=HOUR):
    """The window starting at e, or the next local midnight when it would end after 23:59
    (everyone here works 00:00-23:59 every day)."""
    local = dt.datetime.fromtimestamp(e, SEOUL)
    if local.hour * 60 + local.minute + dur // 60 > 23 * 60 + 59:
        nxt = (local + dt.timedelta(days=1)).replace(hour=0, minute=0, second=0)
        return int(nxt.timestamp())
    return e


def first_slot(now):
    """The earliest proposal for someone free: now + 30 min rounded up to the half hour."""
    e = int(now) + 1800
    return fit(-(-e // GRID) * GRID)


def day_at(days_ahead, hh, mm=0):
    """Epoch of local (Seoul) date today + days_ahead at hh:mm."""
    d = dt.datetime.now(SEOUL).date() + dt.timedelta(days=days_ahead)
    return int(dt.datetime(d.year, d.month, d.day, hh, mm, tzinfo=SEOUL).timestamp())


class Base(unittest.TestCase):
    maxDiff = None

    def call(self, method, path, body=None, token=None, expect=None, headers=None):
        r = SRV.request(method, API + path, body=body, token=token or TOK["dispatcher"],
                        headers=headers, timeout=60)
        if expect is not None:
            self.assertEqual(r.status, expect, "%s %s -> %d %s" % (method, path, r.status,
                                                                   r.text[:600]))
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

    def sql(self, q):
        return CL.psql(q, db=DB).strip()

    def count(self, table, where="true"):
        return int(self.sql("SELECT count(*) FROM %s WHERE %s" % (table, where)))

    def device(self, kind, customer="staff"):
        global SERIAL
        SERIAL += 1
        return self.ok("POST", "/devices", {"asset_tag": "BK-%05d" % SERIAL, "kind": kind,
                                            "customer_id": CUST[customer]}, expect=201)["id"]

    def ticket(self, kind="desktop", customer="staff", fault="NO_BOOT", device=None, **extra):
        dev = device or self.device(kind, customer)
        body = {"customer_id": CUST[customer], "device_id": dev, "fault_code": fault,
                "symptom": "증상", "channel": "phone", "verification": "employee_id"}
        body.update(extra)
        before = time.time()
        t = self.ok("POST", "/tickets", body, expect=201)
        t["_window"] = (before, time.time())
        return t

    def book(self, tid, expect=201, **body):
        return self.call("POST", "/tickets/%d/visits" % tid, body, expect=expect)

    def assert_first_slot(self, t, start):
        """start is the first free slot at the time of the request."""
        lo, hi = t["_window"]
        self.assertIn(epoch(start), {first_slot(lo), first_slot(hi)},
                      "proposal %s at %s" % (start, iso(lo)))

    def no_overlaps(self):
        self.assertEqual(self.sql(
            "SELECT count(*) FROM visit_people a JOIN visit_people b"
            " ON a.person_id = b.person_id AND a.visit_id < b.visit_id"
            " WHERE a.active AND b.active AND a.during && b.during"), "0")


SERIAL = 0
U = {}     # login -> user id
TOK = {}   # login -> token
CUST = {}


def setUpModule():
    global ST, CL, URL, SRV
    ST = support.Stack(dbname=DB)
    CL, URL, SRV = ST.cluster, ST.url, ST.server
    admin = TOK["admin"] = ST.admin_token()

    def user(name, role, skills=(), team=None):
        body = {"login": name, "name": name, "role": role, "password": "pw-%s-123456" % name,
                "skills": list(skills)}
        if team:
            body["team_id"] = team
        U[name] = ST.post("/users", body, admin)["id"]

    user("dispatcher", "dispatcher")
    user("lead1", "lead", ["desktop"])
    user("lead2", "lead", ["network"])
    t1 = ST.post("/teams", {"name": "1팀", "lead_id": U["lead1"]}, admin)["id"]
    t2 = ST.post("/teams", {"name": "2팀", "lead_id": U["lead2"]}, admin)["id"]
    # creation order = id order: e_net1 < e_net2 matters for the tie-break
    user("e_desk1", "engineer", ["desktop", "laptop"], t1)
    user("e_desk2", "engineer", ["desktop"], t1)
    user("e_print", "engineer", ["printer"], t1)
    user("e_net1", "engineer", ["network"], t2)
    user("e_net2", "engineer", ["network"], t2)
    user("e_srv", "engineer", ["server"], t2)
    user("e_solo", "engineer", ["monitor"])  # no team, so no lead
    user("e_phone", "engineer", ["phone"])  # only in test_bookings_changed_in_the_database
    CL.psql("UPDATE users SET work_start = '00:00', work_end = '23:59',"
            " work_days = '{1,2,3,4,5,6,7}'", db=DB)
    TOK["dispatcher"] = ST.login("dispatcher", "pw-dispatcher-123456")
    TOK["e_desk1"] = ST.login("e_desk1", "pw-e_desk1-123456")
    for label, body in {"staff": {"name": "박사원", "rank": "staff", "phone": "010-2222-0001"},
                        "vip": {"name": "정부장", "rank": "dept_head",
                                "phone": "010-2222-0002"}}.items():
        CUST[label] = ST.post("/customers", body, TOK["dispatcher"])["id"]


def tearDownModule():
    ST.close()


# ----------------------------------------------------------------- proposal --
class Proposal(Base):
    def test_skills_fit_the_device_kind(self):
        t = self.ticket("printer", fault="PRINT_JAM")
        p = t["proposal"]
        self.assertEqual(p["engineer_id"], U["e_print"])
        self.assertIsNone(p["lead_id"])
        self.assertTrue(p["meets_due"])
        self.assertEqual(epoch(p["end"]) - epoch(p["start"]), HOUR)
        self.assert_first_slot(t, p["start"])
        self.assertLessEqual(epoch(p["end"]), epoch(t["due_at"]))
        self.assertEqual(self.ticket("monitor", fault="DISPLAY")["proposal"]["engineer_id"],
                         U["e_solo"])
        # nobody can fix a scanner: no proposal, and booking without names is refused
        t = self.ticket("scanner", fault="HARDWARE")
        self.assertIsNone(t["proposal"])
        n = self.count("visits")
        self.problem(self.book(t["id"], expect=None), 422, code="no_proposal")
        # a VIP monitor needs a lead; the only monitor engineer has no team, so no lead
        t = self.ticket("monitor", customer="vip", fault="DISPLAY")
        self.assertTrue(t["requires_lead"])
        self.assertIsNone(t["proposal"])
        self.assertEqual(self.count("visits"), n)

    def test_last_engineer_then_least_loaded(self):
        dev1 = self.device("network")
        dev2 = self.device("network")
        n1 = self.ticket(device=dev1, fault="NETWORK")
        # both free and idle: the lower id
        self.assertEqual(n1["proposal"]["engineer_id"], U["e_net1"])
        v1 = self.book(n1["id"]).json()
        self.assertEqual(v1["engineer_id"], U["e_net1"])
        s1 = epoch(v1["start"])
        # e_net1 has a visit now: the idle e_net2 is proposed
        n2 = self.ticket(device=dev2, fault="NETWORK")
        self.assertEqual(n2["proposal"]["engineer_id"], U["e_net2"])
        self.assert_first_slot(n2, n2["proposal"]["start"])
        # e_net1 worked on dev1: preferred for dev1 although busier, after their visit
        self.sql("UPDATE visits SET status = 'completed', arrived_at = now(),"
                 " completed_at = now() WHERE id = %d" % v1["id"])
        n3 = self.ticket(device=dev1, fault="SLOW")
        self.assertEqual(n3["proposal"]["engineer_id"], U["e_net1"])
        self.assertEqual(epoch(n3["proposal"]["start"]), fit(s1 + HOUR))
        # another device still goes to the least loaded
        n4 = self.ticket(device=dev2, fault="SLOW")
        self.assertEqual(n4["proposal"]["engineer_id"], U["e_net2"])
        # load decides between the two once e_net2 is busier
        for k in range(2):
            tk = self.ticket("network", fault="NETWORK")
            self.book(tk["id"], engineer_id=U["e_net2"], start=iso(day_at(3 + k, 9)),
                      end=iso(day_at(3 + k, 10)))
        n5 = self.ticket("network", fault="NETWORK")
        self.assertEqual(n5["proposal"]["engineer_id"], U["e_net1"])

    def test_bookings_changed_in_the_database_are_seen(self):
        # fieldd keeps each person's busy time in memory under their schedule version
        # (migration 0006): a booking changed in psql shows in the very next proposal
        t1 = self.ticket("phone", fault="HARDWARE")
        p1 = t1["proposal"]
        self.assertEqual(p1["engineer_id"], U["e_phone"])
        self.assert_first_slot(t1, p1["start"])
        v = self.book(t1["id"]).json()
        t2 = self.ticket("phone", fault="POWER")
        self.assertEqual(epoch(t2["proposal"]["start"]), fit(epoch(v["start"]) + HOUR))
        # cancelled in the database: the first slot is free again
        self.sql("UPDATE visits SET status = 'cancelled' WHERE id = %d" % v["id"])
        t3 = self.ticket("phone", fault="POWER")
        self.assert_first_slot(t3, t3["proposal"]["start"])
        # booked again by hand, for three hours from the first slot
        first = first_slot(time.time())
        self.sql("UPDATE visits SET status = 'proposed', starts_at = to_timestamp(%d),"
                 " ends_at = to_timestamp(%d) WHERE id = %d" % (first, first + 3 * HOUR, v["id"]))
        t4 = self.ticket("phone", fault="POWER")
        self.assertEqual(epoch(t4["proposal"]["start"]), fit(first + 3 * HOUR))
        # and emptied wholesale (TRUNCATE fires no row triggers)
        self.sql("BEGIN; CREATE TEMP TABLE keep ON COMMIT DROP AS SELECT * FROM visit_people;"
                 " TRUNCATE visit_people; INSERT INTO visit_people (visit_id, person_id, role,"
                 " during, active) SELECT visit_id, person_id, role, during, active FROM keep"
                 " WHERE person_id <> %d; COMMIT" % U["e_phone"])
        t5 = self.ticket("phone", fault="POWER")
        self.assert_first_slot(t5, t5["proposal"]["start"])
        self.sql("UPDATE visits SET status = 'cancelled' WHERE id = %d" % v["id"])

    def test_requires_lead_brings_the_team_lead(self):
        a = self.ticket("server", customer="vip", fault="HARDWARE")
        p = a["proposal"]
        self.assertEqual((p["engineer_id"], p["lead_id"]), (U["e_srv"], U["lead2"]))
        self.assert_first_slot(a, p["start"])
        # the lead is busy then (booked alone on another ticket): the next window both are free
        other = self.ticket("network", fault="POWER")
        v = self.book(other["id"], lead_id=U["lead2"], start=p["start"], end=p["end"]).json()
        self.assertIsNone(v["engineer_id"])
        self.assertEqual(v["lead_id"], U["lead2"])
        b = self.ticket("server", customer="vip", fault="POWER")
        q = b["proposal"]
        self.assertEqual((q["engineer_id"], q["lead_id"]), (U["e_srv"], U["lead2"]))
        self.assertEqual(epoch(q["start"]), fit(epoch(p["start"]) + HOUR))
        # booking with nothing given takes the proposal, lead included
        vb = self.book(b["id"]).json()
        self.assertEqual((vb["engineer_id"], vb["lead_id"], vb["start"], vb["end"]),
                         (U["e_srv"], U["lead2"], q["start"], q["end"]))
        self.assertEqual(self.sql("SELECT string_agg(person_id || ':' || role, ','"
                                  " ORDER BY role) FROM visit_people WHERE visit_id = %d"
                                  % vb["id"]), "%d:engineer,%d:lead" % (U["e_srv"], U["lead2"]))
        self.no_overlaps()


# ------------------------------------------------------------------ booking --
class Booking(Base):
    def test_book_from_the_proposal(self):
        t = self.ticket("laptop", fault="OS_ERROR")
        p = t["proposal"]
        self.assertEqual(p["engineer_id"], U["e_desk1"])
        r = self.book(t["id"])
        v = r.json()
        self.assertEqual(r.headers.get("Location"), "/api/v1/visits/%d" % v["id"])
        self.assertEqual((v["engineer_id"], v["lead_id"], v["start"], v["end"]),
                         (p["engineer_id"], None, p["start"], p["end"]))
        self.assertEqual((v["status"], v["seq"], v["ticket_id"]), ("proposed", 1, t["id"]))
        self.assertRegex(v["uid"], r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-")
        self.assertEqual(self.sql("SELECT status FROM tickets WHERE id = %d" % t["id"]),
                         "scheduled")
        self.assertEqual(self.sql("SELECT person_id, role, active,"
                                  " extract(epoch FROM lower(during))::bigint FROM visit_people"
                                  " WHERE visit_id = %d" % v["id"]),
                         "%d|engineer|t|%d" % (U["e_desk1"], epoch(p["start"])))
        # one planned visit at a time: a second is refused until this one ends
        self.problem(self.book(t["id"], expect=None), 409, code="conflict")
        g = self.ok("GET", "/tickets/%d" % t["id"])
        self.assertEqual([x["id"] for x in g["visits"]], [v["id"]])
        self.assertEqual([e["action"] for e in g["timeline"]],
                         ["ticket.created", "ticket.status", "visit.created"])
        # a proposal for another engineer is made around this one
        t2 = self.ticket("laptop", fault="SLOW")
        self.assertEqual(epoch(t2["proposal"]["start"]), fit(epoch(p["start"]) + HOUR))

    def test_lead_required(self):
        t = self.ticket("desktop", customer="vip", fault="MALWARE")
        self.assertTrue(t["requires_lead"])
        w = (day_at(2, 9), day_at(2, 10))
        n = self.count("visits")
        for body in ({"engineer_id": U["e_desk1"], "lead_id": None},
                     {"engineer_id": U["e_solo"]},  # no team, no lead to add
                     {"engineer_id": U["e_solo"], "lead_id": None}):
            with self.subTest(body=body):
                body = dict(body, start=iso(w[0]), end=iso(w[1]))
                self.problem(self.book(t["id"], expect=None, **body), 422, code="lead_required")
        self.assertEqual(self.count("visits"), n)
        # the engineer alone is completed with their team lead
        v = self.book(t["id"], engineer_id=U["e_desk1"], start=iso(w[0]), end=iso(w[1])).json()
        self.assertEqual((v["engineer_id"], v["lead_id"]), (U["e_desk1"], U["lead1"]))
        # the lead alone is enough
        t2 = self.ticket("desktop", customer="vip", fault="HARDWARE")
        v2 = self.book(t2["id"], lead_id=U["lead1"], start=iso(w[1]), end=iso(w[1] + HOUR))
        self.assertEqual((v2.json()["engineer_id"], v2.json()["lead_id"]), (None, U["lead1"]))
        # a lead from another team is fine too
        t3 = self.ticket("desktop", customer="vip", fault="POWER")
        v3 = self.book(t3["id"], engineer_id=U["e_desk2"], lead_id=U["lead2"],
                       start=iso(w[0]), end=iso(w[1])).json()
        self.assertEqual(v3["lead_id"], U["lead2"])

    def test_twenty_parallel_bookings_one_wins(self):
        base = day_at(1, 10)
        tickets = [self.ticket("desktop", fault="NO_BOOT")["id"] for _ in range(20)]
        barrier = threading.Barrier(20)
        res = [None] * 20

        def go(k):
            body = {"engineer_id": U["e_desk2"], "start": iso(base + (k % 2) * GRID),
                    "end": iso(base + 3 * GRID + (k % 3) * GRID)}
            barrier.wait()
            res[k] = SRV.request("POST", API + "/tickets/%d/visits" % tickets[k], body=body,
                                 token=TOK["dispatcher"], timeout=60)

        th = [threading.Thread(target=go, args=(k,)) for k in range(20)]
        for x in th:
            x.start()
        for x in th:
            x.join()
        statuses = sorted(r.status for r in res)
        self.assertEqual(statuses, [201] + [409] * 19, [r.text[:200] for r in res])
        for r in res:
            if r.status == 409:
                self.assertEqual(r.json()["code"], "double_booked", r.text)
        self.assertEqual(self.count("visits", "engineer_id = %d AND status <> 'cancelled'"
                                    " AND starts_at < to_timestamp(%d)"
                                    " AND ends_at > to_timestamp(%d)"
                                    % (U["e_desk2"], base + 5 * GRID, base)), 1)
        # only the winner's ticket moved to scheduled
        self.assertEqual(self.count("tickets", "id IN (%s) AND status = 'scheduled'"
                                    % ",".join(map(str, tickets))), 1)
        self.no_overlaps()

    def test_parallel_bookings_of_one_lead(self):
        base = day_at(9, 10)
        tickets = [self.ticket("desktop", customer="vip", fault="SLOW")["id"] for _ in range(8)]
        barrier = threading.Barrier(len(tickets))
        res = [None] * len(tickets)

        def go(k):
            # engineers of either team, or the lead alone; lead2 on every one
            body = [{"engineer_id": U["e_desk1"]}, {"engineer_id": U["e_desk2"]}, {},
                    {"engineer_id": U["e_print"]}][k % 4]
            body = dict(body, lead_id=U["lead2"], start=iso(base), end=iso(base + HOUR))
            barrier.wait()
            res[k] = SRV.request("POST", API + "/tickets/%d/visits" % tickets[k], body=body,
                                 token=TOK["dispatcher"], timeout=60)

        th = [threading.Thread(target=go, args=(k,)) for k in range(len(tickets))]
        for x in th:
            x.start()
        for x in th:
            x.join()
        self.assertEqual(sorted(r.status for r in res), [201] + [409] * (len(tickets) - 1),
                         [r.text[:200] for r in res])
        self.assertEqual({r.json()["code"] for r in res if r.status == 409}, {"double_booked"})
        self.assertEqual(self.count("visit_people", "person_id = %d AND active AND during &&"
                                    " tstzrange(to_timestamp(%d), to_timestamp(%d))"
                                    % (U["lead2"], base, base + HOUR)), 1)
        self.no_overlaps()

    def test_lead_double_booking_and_back_to_back(self):
        w = day_at(4, 14)
        a = self.ticket("desktop", customer="vip", fault="NETWORK")
        b = self.ticket("desktop", customer="vip", fault="DISPLAY")
        va = self.book(a["id"], engineer_id=U["e_desk1"], lead_id=U["lead1"], start=iso(w),
                       end=iso(w + HOUR)).json()
        # another engineer, the same lead, overlapping
        for body in ({"engineer_id": U["e_desk2"], "lead_id": U["lead1"]},
                     {"engineer_id": U["e_desk2"]}):  # lead1 added as the team lead
            with self.subTest(body=body):
                body = dict(body, start=iso(w + GRID), end=iso(w + 3 * GRID))
                j = self.problem(self.book(b["id"], expect=None, **body), 409,
                                 code="double_booked")
                self.assertEqual(j.get("clashing_visit_id"), va["id"])
        # the engineer too
        c = self.ticket("desktop", fault="SLOW")
        j = self.problem(self.book(c["id"], expect=None, engineer_id=U["e_desk1"],
                                   start=iso(w - GRID), end=iso(w + GRID)), 409,
                         code="double_booked")
        self.assertEqual(j.get("clashing_visit_id"), va["id"])
        # the lead as the engineer of another visit
        j = self.problem(self.book(c["id"], expect=None, engineer_id=U["lead1"],
                                   start=iso(w), end=iso(w + HOUR)), 409, code="double_booked")
        # back to back is fine, before and after
        vb = self.book(b["id"], engineer_id=U["e_desk2"], start=iso(w + HOUR),
                       end=iso(w + 2 * HOUR)).json()
        self.assertEqual(vb["lead_id"], U["lead1"])
        vc = self.book(c["id"], engineer_id=U["e_desk1"], start=iso(w - HOUR), end=iso(w)).json()
        self.assertEqual(vc["engineer_id"], U["e_desk1"])
        self.no_overlaps()
        # PostgreSQL itself refuses an overlap the C code did not see
        with self.assertRaises(harness.HarnessError) as cm:
            self.sql("UPDATE visits SET starts_at = starts_at + interval '30 minutes',"
                     " ends_at = ends_at + interval '30 minutes' WHERE id = %d" % vc["id"])
        self.assertIn("no_double_booking", str(cm.exception))
        self.assertEqual(self.sql("SELECT extract(epoch FROM starts_at)::bigint FROM visits"
                                  " WHERE id = %d" % vc["id"]), str(w - HOUR))

    def test_bad_windows(self):
        t = self.ticket("desktop", fault="PERIPHERAL")
        s = day_at(5, 10)
        n = (self.count("visits"), self.count("audit_events"))
        cases = [
            ({"start": iso(s)}, "end"),
            ({"end": iso(s + HOUR)}, "start"),
            ({"start": iso(s), "end": iso(s - HOUR)}, "end"),
            ({"start": iso(s), "end": iso(s)}, "end"),
            ({"start": iso(s + 15 * 60), "end": iso(s + HOUR)}, "start"),
            ({"start": iso(s), "end": iso(s + HOUR + 600)}, "end"),
            ({"start": iso(s + 1), "end": iso(s + HOUR)}, "start"),
            ({"start": iso(s), "end": iso(s + 11 * HOUR)}, "end"),
            ({"start": "tomorrow 10:00", "end": iso(s + HOUR)}, "start"),
            ({"start": "2026-11-23T25:00:00+09:00", "end": iso(s + HOUR)}, "start"),
            ({"start": iso(s), "end": "2026-11-31T10:00:00+09:00"}, "end"),
            ({"start": iso(s), "end": 1234}, "end"),
            ({"engineer_id": 999999, "start": iso(s), "end": iso(s + HOUR)}, "engineer_id"),
            ({"engineer_id": U["dispatcher"], "start": iso(s), "end": iso(s + HOUR)},
             "engineer_id"),
            ({"engineer_id": U["e_desk1"], "lead_id": U["e_desk2"], "start": iso(s),
              "end": iso(s + HOUR)}, "lead_id"),
            ({"engineer_id": "x"}, "engineer_id"),
        ]
        for body, field in cases:
            with self.subTest(body=body):
                self.problem(self.book(t["id"], expect=None, **body), 422, field=field)
        self.assertEqual((self.count("visits"), self.count("audit_events")), n)
        self.assertEqual(self.sql("SELECT status FROM tickets WHERE id = %d" % t["id"]), "new")
        # a UTC time on the grid is fine
        utc = dt.datetime.fromtimestamp(s, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        v = self.book(t["id"], engineer_id=U["e_print"], start=utc,
                      end=iso(s + 90 * 60)).json()
        self.assertEqual((epoch(v["start"]), epoch(v["end"])), (s, s + 90 * 60))
        self.assertTrue(v["start"].endswith("+09:00"))
        # unknown ticket
        self.problem(self.call("POST", "/tickets/999999/visits", {}), 404)
        # engineers do not book
        self.problem(self.call("POST", "/tickets/%d/visits" % t["id"], {},
                               token=TOK["e_desk1"]), 403)


# ------------------------------------------------------------------- assign --
class Assign(Base):
    def timeline(self, tid, action):
        g = self.ok("GET", "/tickets/%d" % tid)
        return [e for e in g["timeline"] if e["action"] == action]

    def test_override_with_reason(self):
        x = day_at(6, 9)
        y = day_at(6, 13)
        a = self.ticket("desktop", fault="OS_ERROR")
        va = self.book(a["id"], engineer_id=U["e_desk1"], start=iso(x), end=iso(x + HOUR)).json()
        path = "/tickets/%d/assign" % a["id"]
        self.problem(self.call("POST", path, {"engineer_id": U["e_desk2"]}), 422, field="reason")
        self.problem(self.call("POST", path, {"engineer_id": U["e_desk2"], "reason": ""}), 422,
                     field="reason")
        self.problem(self.call("POST", path, {"engineer_id": U["e_desk2"], "reason": "x"},
                               token=TOK["e_desk1"]), 403)
        self.assertEqual(self.timeline(a["id"], "ticket.assigned"), [])
        # confirm it with the customer first, then move it to someone else
        self.ok("POST", "/visits/%d/precall" % va["id"], {"outcome": "reached"})
        j = self.ok("POST", path, {"engineer_id": U["e_desk2"], "reason": "담당자 휴가"})
        self.assertEqual((j["id"], j["engineer_id"], j["start"]), (va["id"], U["e_desk2"],
                                                                   va["start"]))
        self.assertEqual(j["status"], "confirmed")  # same time: the agreement stands
        self.assertEqual(self.sql("SELECT string_agg(person_id::text, ',') FROM visit_people"
                                  " WHERE visit_id = %d AND active" % va["id"]),
                         str(U["e_desk2"]))
        ev = self.timeline(a["id"], "ticket.assigned")
        self.assertEqual(len(ev), 1)
        self.assertEqual(ev[0]["actor"]["id"], U["dispatcher"])
        self.assertEqual(ev[0]["visit_id"], va["id"])
        self.assertEqual(ev[0]["before"]["engineer_id"], U["e_desk1"])
        self.assertEqual(ev[0]["after"]["engineer_id"], U["e_desk2"])
        self.assertEqual(ev[0]["after"]["override"]["reason"], "담당자 휴가")
        self.assertEqual(self.count("audit_events", "ticket_id = %d AND action ="
                                    " 'ticket.assigned' AND after->'override'->>'reason' ="
                                    " '담당자 휴가' AND actor_id = %d"
                                    % (a["id"], U["dispatcher"])), 1)
        # an override that double-books is refused and changes nothing
        b = self.ticket("desktop", fault="SLOW")
        vb = self.book(b["id"], engineer_id=U["e_desk1"], start=iso(y), end=iso(y + HOUR)).json()
        j = self.problem(self.call("POST", path, {"engineer_id": U["e_desk1"], "start": iso(y),
                                                  "end": iso(y + HOUR), "reason": "고객 요청"}),
                         409, code="double_booked")
        self.assertEqual(j.get("clashing_visit_id"), vb["id"])
        self.assertEqual(self.sql("SELECT engineer_id, extract(epoch FROM starts_at)::bigint"
                                  " FROM visits WHERE id = %d" % va["id"]),
                         "%d|%d" % (U["e_desk2"], x))
        self.assertEqual(len(self.timeline(a["id"], "ticket.assigned")), 1)
        # a new time must be agreed again: back to proposed
        j = self.ok("POST", path, {"engineer_id": U["e_desk1"], "start": iso(y + HOUR),
                                   "end": iso(y + 2 * HOUR), "reason": "고객 요청"})
        self.assertEqual((j["engineer_id"], epoch(j["start"]), j["status"]),
                         (U["e_desk1"], y + HOUR, "proposed"))
        self.assertGreater(j["sequence"], va["sequence"])
        # bad windows in an override
        self.problem(self.call("POST", path, {"engineer_id": U["e_desk1"], "reason": "r",
                                              "start": iso(y + 600), "end": iso(y + HOUR)}),
                     422, field="start")
        self.problem(self.call("POST", path, {"engineer_id": 999999, "reason": "r"}), 422,
                     field="engineer_id")
        self.no_overlaps()

    def test_override_keeps_the_lead(self):
        z = day_at(7, 10)
        t = self.ticket("desktop", customer="vip", fault="POWER")
        v = self.book(t["id"], engineer_id=U["e_desk1"], start=iso(z), end=iso(z + HOUR)).json()
        self.assertEqual(v["lead_id"], U["lead1"])
        path = "/tickets/%d/assign" % t["id"]
        self.problem(self.call("POST", path, {"engineer_id": U["e_desk2"], "lead_id": None,
                                              "reason": "팀장 불참"}), 422, code="lead_required")
        self.assertEqual(self.sql("SELECT engineer_id, lead_id FROM visits WHERE id = %d"
                                  % v["id"]), "%d|%d" % (U["e_desk1"], U["lead1"]))
        self.assertEqual(self.timeline(t["id"], "ticket.assigned"), [])
        # keeping a lead (the team's, by default) is fine
        j = self.ok("POST", path, {"engineer_id": U["e_desk2"], "reason": "부하 분산"})
        self.assertEqual((j["engineer_id"], j["lead_id"]), (U["e_desk2"], U["lead1"]))
        j = self.ok("POST", path, {"engineer_id": U["e_solo"], "lead_id": U["lead2"],
                                   "reason": "모니터 전문"})
        self.assertEqual((j["engineer_id"], j["lead_id"]), (U["e_solo"], U["lead2"]))
        # leaving lead_id out keeps the lead already on the visit
        j = self.ok("POST", path, {"engineer_id": U["e_desk1"], "reason": "원래 기사"})
        self.assertEqual((j["engineer_id"], j["lead_id"]), (U["e_desk1"], U["lead2"]))

    def test_assign_without_a_visit_books_one(self):
        t = self.ticket("printer", fault="PRINT_JAM")
        j = self.ok("POST", "/tickets/%d/assign" % t["id"],
                    {"engineer_id": U["e_desk2"], "reason": "프린터 담당 부재",
                     "start": iso(day_at(8, 15)), "end": iso(day_at(8, 16))})
        self.assertEqual((j["engineer_id"], epoch(j["start"]), j["status"]),
                         (U["e_desk2"], day_at(8, 15), "proposed"))
        ev = self.timeline(t["id"], "ticket.assigned")
        self.assertEqual(len(ev), 1)
        self.assertEqual(ev[0]["after"]["override"]["reason"], "프린터 담당 부재")
        self.assertEqual(self.sql("SELECT status FROM tickets WHERE id = %d" % t["id"]),
                         "scheduled")


if __name__ == "__main__":
    harness.main()
