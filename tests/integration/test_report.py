"""The service-standards report (R15) on a small hand-built data set where every figure is
known in advance: each promise's numerator, denominator and rate, overall, per team and
per engineer, the team and engineer filters, what an engineer may see, the period (dates
and RFC 3339 times, bad values), the CSV form, and the checklist items that fail most by
device model.

The flows go through the API (pre-calls, arrivals, estimates and consent, checklists,
completion, absence, delay notices); SQL then places the visits in a period in the past
and sets the ticket timestamps (created, first contact, due, resolved, delay notices) the
ticket figures depend on.

Visits (all in period P; E1, E2 in team A, E3 in team B):
  V1  E1 T1   first call reached, on time, estimate+consent, checklist, resolved
  V2  E1 T2   no answer then reached, late (no notice), consent, checklist, unresolved
  V3  E1 T2#2 reached, late with a notice, checklist, resolved without work
  V4  E2 T3   first call "reschedule", consent recorded before the estimate, checklist
  V5  E2 T4   reached, arrived, customer absent (notice queued)
  V6  E2 T5   no answer twice, reached, absent, the absence notice removed
  V7  E2 T6   a monitor (no checklist template), resolved; starts 23:00 on P's last day
  V8  E2 T7   desktop completed behind fieldd's back without its checklist
  V9  E3 T8   VIP with the lead, checklist (antivirus "fail"), resolved
  V10 E3 T9   VIP, arrived, then the lead dropped from the visit
  V11 E3 T12  3rd same fault on the device (repeat_fault), with the lead, confirmed
  V12 E3 T13  4th same fault, arrived, then the lead dropped
  Vx  E2      cancelled: counts nowhere
Tickets for the ticket figures (created in P, attributed through a later visit):
  S1 E1 met everything; S2 E1 late contact, breach without notice; S3 E1 notice before the
  original due date, resolved after it; S4 E2 VIP contact in 4 min, in time; S5 E2 VIP
  contact in 6 min, notice after the breach, open; S6 E3 no contact, two notices (the first
  before the original due date), resolved late; S8 nobody's, contact in 20 min, open, overdue.
Period P2 (earlier) holds only V13 (E1) and S9 (E1).

Run: FIELDD_BIN=build/fieldd python3 tests/integration/test_report.py
"""

import csv
import datetime as dt
import io
import os
import sys
import unittest
import urllib.parse
from zoneinfo import ZoneInfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import support  # noqa: E402

API = "/api/v1"
DB = "report"
SEOUL = ZoneInfo("Asia/Seoul")
HOUR = 3600
MIN = 60
DAY = 86400

METRICS = ["first_visit_resolution", "sla_met", "delay_notice_before_breach", "first_contact",
           "precall_first_attempt", "on_time_arrival", "consent_before_work",
           "repeat_fault_with_lead", "vip_with_lead", "checklist_completion",
           "absence_with_notice", "satisfaction"]

# ---- the figures, by hand (numerator, denominator); metrics not listed are 0/0 ----
E1 = {"first_visit_resolution": (1, 2), "precall_first_attempt": (2, 3),
      "on_time_arrival": (2, 3), "consent_before_work": (2, 2), "checklist_completion": (3, 3),
      "sla_met": (1, 3), "delay_notice_before_breach": (1, 2), "first_contact": (2, 3)}
E2 = {"first_visit_resolution": (3, 3), "precall_first_attempt": (4, 5),
      "on_time_arrival": (4, 4), "consent_before_work": (0, 1), "checklist_completion": (1, 2),
      "absence_with_notice": (1, 2),
      "sla_met": (1, 1), "delay_notice_before_breach": (0, 1), "first_contact": (1, 2)}
E3 = {"first_visit_resolution": (1, 1), "precall_first_attempt": (4, 4),
      "on_time_arrival": (3, 3), "consent_before_work": (1, 1), "checklist_completion": (1, 1),
      "vip_with_lead": (1, 2), "repeat_fault_with_lead": (1, 2),
      "sla_met": (0, 1), "delay_notice_before_breach": (1, 1), "first_contact": (0, 1)}
NOBODY = {"delay_notice_before_breach": (0, 1), "first_contact": (1, 1)}
TEAM_A = {"first_visit_resolution": (4, 5), "precall_first_attempt": (6, 8),
          "on_time_arrival": (6, 7), "consent_before_work": (2, 3),
          "checklist_completion": (4, 5), "absence_with_notice": (1, 2),
          "sla_met": (2, 4), "delay_notice_before_breach": (1, 3), "first_contact": (3, 5)}
TEAM_B = E3
OVERALL = {"first_visit_resolution": (5, 6), "sla_met": (2, 5),
           "delay_notice_before_breach": (2, 5), "first_contact": (4, 7),
           "precall_first_attempt": (10, 12), "on_time_arrival": (9, 10),
           "consent_before_work": (3, 4), "repeat_fault_with_lead": (1, 2),
           "vip_with_lead": (1, 2), "checklist_completion": (5, 6),
           "absence_with_notice": (1, 2)}
# P with its last day left out: V7 (E2's monitor visit, 23:00 on that day) drops out
E2_WITHOUT_V7 = dict(E2, first_visit_resolution=(2, 2), precall_first_attempt=(3, 4),
                     on_time_arrival=(3, 3))
# P2: V13 (E1: reached, on time, checklist, resolved without work) and S9 (E1: in time)
E1_P2 = {"first_visit_resolution": (1, 1), "precall_first_attempt": (1, 1),
         "on_time_arrival": (1, 1), "checklist_completion": (1, 1), "sla_met": (1, 1),
         "first_contact": (1, 1)}
# pass_fail answers in P: (kind, model, key, failures, answers), in the report's order
FAILURES = [("desktop", "ThinkCentre M70", "power_boot", 2, 4),
            ("desktop", "ThinkCentre M70", "network_ip", 1, 4),
            ("desktop", "OptiPlex 7010", "antivirus", 1, 1)]

U = {}
TOK = {}
TEAM = {}
CUST = {}
V = {}
S = {}
SLOT = [0]
SERIAL = [0]


def full(figures):
    """Every metric's expected (numerator, denominator); satisfaction has no data."""
    out = {m: figures.get(m, (0, 0)) for m in METRICS}
    out["satisfaction"] = (None, 0)
    return out


def add(*figs):
    out = {}
    for f in figs:
        for m, (n, d) in f.items():
            a, b = out.get(m, (0, 0))
            out[m] = (a + n, b + d)
    return out


def iso(e):
    return dt.datetime.fromtimestamp(e, SEOUL).isoformat(timespec="seconds")


def q(s):
    return urllib.parse.quote(s, safe="")


def ts(e):
    return "to_timestamp(%d)" % e


def next_slot():
    """A fresh one-hour window, days ahead, for visits as they are made."""
    k = SLOT[0]
    SLOT[0] += 1
    d = dt.datetime.now(SEOUL).date() + dt.timedelta(days=1 + k // 12)
    start = dt.datetime(d.year, d.month, d.day, 8 + k % 12, tzinfo=SEOUL)
    return int(start.timestamp()), int(start.timestamp()) + HOUR


def day_start(d):
    return int(dt.datetime(d.year, d.month, d.day, tzinfo=SEOUL).timestamp())


# Period P: ten local days, forty days ago; P2: ten days, twenty days before P.
D0 = dt.datetime.now(SEOUL).date() - dt.timedelta(days=40)
P_FROM, P_TO = D0, D0 + dt.timedelta(days=9)            # as the query gives them (to inclusive)
P0, P_END = day_start(D0), day_start(D0 + dt.timedelta(days=10))
D2 = D0 - dt.timedelta(days=20)
P2_FROM, P2_TO = D2, D2 + dt.timedelta(days=9)
P2_0 = day_start(D2)


# ---- building the data set ------------------------------------------------------------
def call(method, path, body=None, token="dispatcher", expect=200):
    r = SRV.request(method, API + path, body=body, token=TOK[token], timeout=30)
    if expect is not None and r.status != expect:
        raise harness.HarnessError("%s %s as %s: %d %s" % (method, path, token, r.status,
                                                          r.text[:600]))
    return r.json()


def sql(s):
    return CL.psql(s, db=DB).strip()


def device(customer, model, kind="desktop"):
    SERIAL[0] += 1
    return call("POST", "/devices", {"asset_tag": "RP-%04d" % SERIAL[0], "kind": kind,
                                     "model": model, "customer_id": CUST[customer]},
                expect=201)["id"]


def ticket(customer="staff", dev=None, fault="NO_BOOT", model="ThinkCentre M70",
           kind="desktop"):
    dev = dev or device(customer, model, kind)
    return call("POST", "/tickets", {"customer_id": CUST[customer], "device_id": dev,
                                     "fault_code": fault, "symptom": "증상",
                                     "channel": "phone", "verification": "callback"},
                expect=201)


def visit(engineer, t):
    s, e = next_slot()
    return call("POST", "/tickets/%d/visits" % t["id"],
                {"engineer_id": U[engineer], "start": iso(s), "end": iso(e)}, expect=201)


def step(vid, name, body, who):
    return call("POST", "/visits/%d/%s" % (vid, name), body, who)


def precalls(vid, who, *outcomes):
    for o in outcomes:
        body = {"outcome": o}
        if o == "reschedule":
            s, e = next_slot()
            body.update(start=iso(s), end=iso(e))
        step(vid, "precall", body, who)


def consent(vid, who):
    step(vid, "estimate", {"minutes": 30, "explanation": "부품 교체 약 30분"}, who)
    step(vid, "consent", {"by": "고객"}, who)


def checklist(vid, who, **answers):
    """Every item answered (pass, true, the minimum, the first option), some overridden."""
    c = call("GET", "/visits/%d/checklist" % vid, token=who)
    out = []
    for it in c["items"]:
        v = {"check": True, "pass_fail": "pass", "text": "확인",
             "number": it.get("min", 1), "choice": (it.get("options") or [None])[0]}[it["type"]]
        out.append({"key": it["key"], "value": answers.get(it["key"], v)})
    j = call("PUT", "/visits/%d/checklist" % vid, {"answers": out, "complete": True}, who)
    assert j["complete"], j


def complete(vid, who, resolved=True, work_done=True):
    body = {"resolved": resolved, "resolution": "조치 완료", "work_done": work_done}
    if not resolved:
        body["follow_up_reason"] = "부품 주문"
    return step(vid, "complete", body, who)


def move_visit(vid, start):
    sql("UPDATE visits SET starts_at = %s, ends_at = %s WHERE id = %d"
        % (ts(start), ts(start + HOUR), vid))


def build():
    staff, vip = "staff", "vip"
    # --- visits in P ---
    t1 = ticket(staff)
    V[1] = visit("e1", t1)["id"]
    precalls(V[1], "e1", "reached")
    step(V[1], "arrive", None, "e1")
    consent(V[1], "e1")
    checklist(V[1], "e1", power_boot="fail")
    complete(V[1], "e1")

    t2 = ticket(staff)
    V[2] = visit("e1", t2)["id"]
    precalls(V[2], "e1", "no_answer", "reached")
    sql("UPDATE visits SET starts_at = now() - interval '4 hours',"
        " ends_at = now() - interval '3 hours' WHERE id = %d" % V[2])
    assert step(V[2], "arrive", None, "e1")["arrived_late"] is True
    consent(V[2], "e1")
    checklist(V[2], "e1", network_ip="fail")
    complete(V[2], "e1", resolved=False)
    V[3] = visit("e1", t2)["id"]
    precalls(V[3], "e1", "reached")
    step(V[3], "late", {"minutes": 20, "note": "교통 체증"}, "e1")
    sql("UPDATE visits SET starts_at = now() - interval '6 hours',"
        " ends_at = now() - interval '5 hours' WHERE id = %d" % V[3])
    assert step(V[3], "arrive", None, "e1")["arrived_late"] is False
    checklist(V[3], "e1")
    complete(V[3], "e1", work_done=False)

    t3 = ticket(staff)
    V[4] = visit("e2", t3)["id"]
    precalls(V[4], "e2", "reschedule")
    step(V[4], "arrive", None, "e2")
    consent(V[4], "e2")
    checklist(V[4], "e2", power_boot="fail")
    complete(V[4], "e2")
    sql("UPDATE visits SET consent_at = estimated_at - interval '1 minute' WHERE id = %d"
        % V[4])

    t4 = ticket(staff)
    V[5] = visit("e2", t4)["id"]
    precalls(V[5], "e2", "reached")
    step(V[5], "arrive", None, "e2")
    step(V[5], "absent", {"memo_left": True, "note": "메모와 명함"}, "e2")

    t5 = ticket(staff)
    V[6] = visit("e2", t5)["id"]
    precalls(V[6], "e2", "no_answer", "no_answer", "reached")
    step(V[6], "absent", {"memo_left": False}, "e2")
    sql("DELETE FROM notifications WHERE visit_id = %d AND template = 'absent_notice'" % V[6])

    t6 = ticket(staff, kind="monitor", model="U2720Q")
    V[7] = visit("e2", t6)["id"]
    precalls(V[7], "e2", "reached")
    step(V[7], "arrive", None, "e2")
    complete(V[7], "e2", work_done=False)

    t7 = ticket(staff)
    V[8] = visit("e2", t7)["id"]
    precalls(V[8], "e2", "reached")
    step(V[8], "arrive", None, "e2")
    sql("UPDATE visits SET status = 'completed', completed_at = now(), resolved = true,"
        " work_done = false, resolution = '예전 방식' WHERE id = %d" % V[8])

    t7b = ticket(staff)
    V["x"] = visit("e2", t7b)["id"]
    precalls(V["x"], "e2", "reached")
    step(V["x"], "cancel", {"reason": "고객 요청"}, "e2")

    t8 = ticket(vip, model="OptiPlex 7010")
    v9 = visit("e3", t8)
    assert v9["lead_id"] == U["lb"], v9
    V[9] = v9["id"]
    precalls(V[9], "e3", "reached")
    step(V[9], "arrive", None, "e3")
    consent(V[9], "e3")
    checklist(V[9], "e3", antivirus="fail")
    complete(V[9], "e3")

    t9 = ticket(vip, model="OptiPlex 7010")
    V[10] = visit("e3", t9)["id"]
    precalls(V[10], "e3", "reached")
    step(V[10], "arrive", None, "e3")
    sql("UPDATE visits SET lead_id = NULL WHERE id = %d" % V[10])

    rdev = device(staff, "ThinkPad T14", "laptop")
    for _ in range(2):
        ticket(staff, dev=rdev, fault="SLOW")
    t12 = ticket(staff, dev=rdev, fault="SLOW")
    t13 = ticket(staff, dev=rdev, fault="SLOW")
    assert "repeat_fault" in t12["escalations"] and "repeat_fault" in t13["escalations"]
    v11 = visit("e3", t12)
    assert v11["lead_id"] == U["lb"], v11
    V[11] = v11["id"]
    precalls(V[11], "e3", "reached")
    V[12] = visit("e3", t13)["id"]
    precalls(V[12], "e3", "reached")
    step(V[12], "arrive", None, "e3")
    sql("UPDATE visits SET lead_id = NULL WHERE id = %d" % V[12])

    # --- V13, in P2 ---
    t14 = ticket(staff)
    V[13] = visit("e1", t14)["id"]
    precalls(V[13], "e1", "reached")
    step(V[13], "arrive", None, "e1")
    checklist(V[13], "e1", power_boot="fail")
    complete(V[13], "e1", work_done=False)

    # --- tickets for the ticket figures: the person through a visit outside every period ---
    def ticket_for(name, engineer, customer="staff"):
        t = ticket(customer)
        if engineer:
            visit(engineer, t)
        S[name] = t["id"]
        return t["id"]

    for name, eng, cust in (("S1", "e1", staff), ("S2", "e1", staff), ("S3", "e1", staff),
                            ("S4", "e2", vip), ("S5", "e2", vip), ("S6", "e3", staff),
                            ("S8", None, staff), ("S9", "e1", staff)):
        ticket_for(name, eng, cust)
    assert sql("SELECT string_agg(first_contact_target_min::text, ',' ORDER BY id) FROM tickets"
               " WHERE id IN (%d, %d, %d)" % (S["S1"], S["S4"], S["S5"])) == "30,5,5"
    far = "2099-01-01T00:00:00+09:00"
    for name, n in (("S3", 1), ("S5", 1), ("S6", 2)):
        for k in range(n):
            call("POST", "/tickets/%d/delay" % S[name],
                 {"reason": "부품 입고 지연", "new_due_at": far.replace("01T", "%02dT" % (k + 1))})

    def set_ticket(name, created, due, resolved=None, contact=None):
        sql("UPDATE tickets SET created_at = %s, due_at = %s, resolved_at = %s,"
            " first_contact_at = %s, status = '%s' WHERE id = %d"
            % (ts(created), ts(due), ts(resolved) if resolved else "NULL",
               ts(contact) if contact else "NULL", "resolved" if resolved else "in_progress",
               S[name]))

    def set_notices(name, *notices):
        ids = sql("SELECT string_agg(id::text, ',' ORDER BY id) FROM delay_notices"
                  " WHERE ticket_id = %d" % S[name]).split(",")
        assert len(ids) == len(notices)
        for nid, (at, old, new) in zip(ids, notices):
            sql("UPDATE delay_notices SET at = %s, old_due_at = %s, new_due_at = %s"
                " WHERE id = %s" % (ts(at), ts(old), ts(new), nid))

    c = P0 + 2 * DAY
    set_ticket("S1", c, c + 24 * HOUR, c + 10 * HOUR, c + 10 * MIN)
    c += 4 * HOUR
    set_ticket("S2", c, c + 8 * HOUR, c + 20 * HOUR, c + 45 * MIN)
    c += 4 * HOUR
    set_ticket("S3", c, c + 30 * HOUR, c + 20 * HOUR, c + 5 * MIN)
    set_notices("S3", (c + 6 * HOUR, c + 8 * HOUR, c + 30 * HOUR))
    c += 4 * HOUR
    set_ticket("S4", c, c + 8 * HOUR, c + 7 * HOUR, c + 4 * MIN)
    c += 4 * HOUR
    set_ticket("S5", c, c + 48 * HOUR, None, c + 6 * MIN)
    set_notices("S5", (c + 9 * HOUR, c + 8 * HOUR, c + 48 * HOUR))
    c += 4 * HOUR
    set_ticket("S6", c, c + 72 * HOUR, c + 30 * HOUR, None)
    set_notices("S6", (c + 23 * HOUR, c + 24 * HOUR, c + 48 * HOUR),
                (c + 40 * HOUR, c + 48 * HOUR, c + 72 * HOUR))
    c += 4 * HOUR
    set_ticket("S8", c, c + 24 * HOUR, None, c + 20 * MIN)
    c2 = P2_0 + 2 * DAY
    set_ticket("S9", c2, c2 + 24 * HOUR, c2 + 2 * HOUR, c2 + 10 * MIN)

    # --- the visits into their periods, the answers with them ---
    order = [1, 2, 3, 4, 5, 6, 8, "x", 9, 10, 11, 12]
    for i, k in enumerate(order):
        move_visit(V[k], P0 + DAY + 9 * HOUR + i * 3 * HOUR)
    move_visit(V[7], P_END - HOUR)  # 23:00 on P's last day
    move_visit(V[13], P2_0 + DAY + 10 * HOUR)
    sql("UPDATE checklist_answers a SET answered_at = v.starts_at + interval '10 minutes'"
        " FROM checklist_runs r JOIN visits v ON v.id = r.visit_id WHERE a.run_id = r.id")


def setUpModule():
    global ST, CL, URL, SRV
    ST = support.Stack(dbname=DB)
    CL, URL, SRV = ST.cluster, ST.url, ST.server
    TOK["admin"] = ST.admin_token()
    kinds = ["desktop", "laptop", "printer", "monitor", "network"]

    def user(login, name, role, team=None):
        body = {"login": login, "name": name, "role": role, "password": "pw-%s-123456" % login,
                "skills": kinds}
        if team:
            body["team_id"] = team
        U[login] = call("POST", "/users", body, "admin", 201)["id"]
        TOK[login] = ST.login(login, "pw-%s-123456" % login)

    user("dispatcher", "배차담당", "dispatcher")
    user("la", "김팀장", "lead")
    user("lb", "이팀장", "lead")
    TEAM["A"] = call("POST", "/teams", {"name": "A팀", "lead_id": U["la"]}, "admin", 201)["id"]
    TEAM["B"] = call("POST", "/teams", {"name": "B팀", "lead_id": U["lb"]}, "admin", 201)["id"]
    for lead, team in (("la", "A"), ("lb", "B")):
        call("PATCH", "/users/%d" % U[lead], {"team_id": TEAM[team]}, "admin")
    user("e1", "가엔지니어", "engineer", TEAM["A"])
    user("e2", "나엔지니어", "engineer", TEAM["A"])
    user("e3", "다엔지니어", "engineer", TEAM["B"])
    CL.psql("UPDATE users SET work_start = '00:00', work_end = '23:59',"
            " work_days = '{1,2,3,4,5,6,7}'", db=DB)
    CUST["staff"] = call("POST", "/customers", {"name": "박사원", "phone": "010-5555-0001"},
                         expect=201)["id"]
    CUST["vip"] = call("POST", "/customers", {"name": "한상무", "rank": "executive",
                                              "phone": "010-5555-0002"}, expect=201)["id"]
    build()


def tearDownModule():
    ST.close()


# ---- the tests ------------------------------------------------------------------------
class Report(unittest.TestCase):
    maxDiff = None

    def get(self, params="", token="dispatcher", accept=None, expect=200):
        headers = {"Accept": accept} if accept else None
        r = SRV.request("GET", API + "/reports/service-standards" + params, token=TOK[token],
                        headers=headers, timeout=30)
        self.assertEqual(r.status, expect, r.text[:600])
        return r

    def report(self, params="", token="dispatcher"):
        return self.get(params, token).json()

    def p(self, frm=P_FROM, to=P_TO, **extra):
        s = "?from=%s&to=%s" % (q(str(frm)), q(str(to)))
        for k, v in extra.items():
            s += "&%s=%s" % (k, v)
        return s

    def assertFigures(self, metrics, want, label=""):
        """metrics: the report's {metric: {numerator, denominator, rate}}; want: by hand."""
        self.assertEqual(list(metrics), METRICS, label)
        got = {m: (x["numerator"], x["denominator"]) for m, x in metrics.items()}
        self.assertEqual(got, full(want), label)
        for m, x in metrics.items():
            n, d = full(want)[m]
            if d and n is not None:
                self.assertAlmostEqual(x["rate"], n / d, places=9, msg="%s %s" % (label, m))
            else:
                self.assertIsNone(x["rate"], "%s %s" % (label, m))

    def rows(self, j):
        teams = {t["team_id"]: t for t in j["teams"]}
        people = {e["engineer_id"]: e for e in j["engineers"]}
        return teams, people

    def test_hand_figures_add_up(self):
        # (a check of the expectations themselves: teams and overall are sums of people)
        self.assertEqual(add(E1, E2), TEAM_A)
        self.assertEqual(add(E1, E2, E3, NOBODY), OVERALL)

    def test_every_figure_of_the_period(self):
        j = self.report(self.p())
        self.assertEqual(set(j), {"period", "overall", "teams", "engineers",
                                  "checklist_failures", "complaints"})
        frm = dt.datetime.fromisoformat(j["period"]["from"])
        to = dt.datetime.fromisoformat(j["period"]["to"])
        self.assertEqual((int(frm.timestamp()), int(to.timestamp())), (P0, P_END))
        self.assertEqual(frm.utcoffset(), dt.timedelta(hours=9))
        self.assertFigures(j["overall"], OVERALL, "overall")
        teams, people = self.rows(j)
        # teams by name, the tickets nobody was sent to last
        self.assertEqual([t["team_id"] for t in j["teams"]], [TEAM["A"], TEAM["B"], None])
        self.assertEqual((teams[TEAM["A"]]["team"], teams[TEAM["B"]]["team"]), ("A팀", "B팀"))
        self.assertFigures(teams[TEAM["A"]]["metrics"], TEAM_A, "team A")
        self.assertFigures(teams[TEAM["B"]]["metrics"], TEAM_B, "team B")
        self.assertFigures(teams[None]["metrics"], NOBODY, "no team")
        self.assertEqual([e["engineer_id"] for e in j["engineers"]],
                         [U["e1"], U["e2"], U["e3"], None])
        for key, want in (("e1", E1), ("e2", E2), ("e3", E3)):
            e = people[U[key]]
            self.assertEqual(e["engineer"], {"e1": "가엔지니어", "e2": "나엔지니어",
                                             "e3": "다엔지니어"}[key])
            self.assertEqual(e["team_id"], TEAM["A" if key != "e3" else "B"])
            self.assertFigures(e["metrics"], want, key)
        self.assertFigures(people[None]["metrics"], NOBODY, "nobody")
        self.assertIsNone(people[None]["team_id"])
        # the leads did nothing on their own: no rows for them
        self.assertNotIn(U["la"], people)
        self.assertNotIn(U["lb"], people)
        # RFC 3339 times give the same period
        j2 = self.report(self.p(iso(P0), iso(P_END)))
        self.assertEqual(j2["overall"], j["overall"])
        self.assertEqual(j2["engineers"], j["engineers"])

    def test_failing_checklist_items_by_model(self):
        j = self.report(self.p())
        got = [(x["kind"], x["model"], x["key"], x["failures"], x["answers"])
               for x in j["checklist_failures"]]
        self.assertEqual(got, FAILURES)
        self.assertEqual(j["checklist_failures"][0]["label"], "전원 및 부팅 정상")
        # only the period's answers: P2 has V13's power_boot "fail"
        j = self.report(self.p(P2_FROM, P2_TO))
        self.assertEqual([(x["model"], x["key"], x["failures"], x["answers"])
                          for x in j["checklist_failures"]],
                         [("ThinkCentre M70", "power_boot", 1, 1)])
        # filtered by team and engineer
        j = self.report(self.p(engineer_id=U["e3"]))
        self.assertEqual([(x["model"], x["key"], x["failures"], x["answers"])
                          for x in j["checklist_failures"]],
                         [("OptiPlex 7010", "antivirus", 1, 1)])
        j = self.report(self.p(team_id=TEAM["A"]))
        self.assertEqual([(x["key"], x["failures"], x["answers"])
                          for x in j["checklist_failures"]],
                         [("power_boot", 2, 4), ("network_ip", 1, 4)])
        j = self.report(self.p(), token="e1")
        self.assertEqual([(x["key"], x["failures"], x["answers"])
                          for x in j["checklist_failures"]],
                         [("network_ip", 1, 3), ("power_boot", 1, 3)])

    def test_team_filter(self):
        j = self.report(self.p(team_id=TEAM["A"]))
        self.assertFigures(j["overall"], TEAM_A, "overall of A")
        self.assertEqual([t["team_id"] for t in j["teams"]], [TEAM["A"]])
        self.assertFigures(j["teams"][0]["metrics"], TEAM_A, "team A")
        self.assertEqual([e["engineer_id"] for e in j["engineers"]], [U["e1"], U["e2"]])
        j = self.report(self.p(team_id=TEAM["B"]))
        self.assertFigures(j["overall"], TEAM_B, "overall of B")
        self.assertEqual([e["engineer_id"] for e in j["engineers"]], [U["e3"]])
        # a team with nothing: all zero, no rows
        j = self.report(self.p(team_id=999999))
        self.assertFigures(j["overall"], {}, "no such team")
        self.assertEqual((j["teams"], j["engineers"]), ([], []))

    def test_engineer_filter(self):
        for key, want in (("e1", E1), ("e2", E2), ("e3", E3)):
            with self.subTest(engineer=key):
                j = self.report(self.p(engineer_id=U[key]))
                self.assertFigures(j["overall"], want, "overall of " + key)
                self.assertEqual([e["engineer_id"] for e in j["engineers"]], [U[key]])
                self.assertFigures(j["engineers"][0]["metrics"], want, key)
                self.assertEqual(len(j["teams"]), 1)
                self.assertFigures(j["teams"][0]["metrics"], want, "team of " + key)
        # both filters: the engineer within the team, or nothing
        j = self.report(self.p(team_id=TEAM["A"], engineer_id=U["e2"]))
        self.assertFigures(j["overall"], E2, "e2 in A")
        j = self.report(self.p(team_id=TEAM["B"], engineer_id=U["e2"]))
        self.assertFigures(j["overall"], {}, "e2 in B")
        # a lead's own figures (no visits of their own here)
        j = self.report(self.p(engineer_id=U["la"]))
        self.assertFigures(j["overall"], {}, "lead A")

    def test_lead_sees_only_their_own_team(self):
        for lead, team, want, engineers in (("la", "A", TEAM_A, ["e1", "e2"]),
                                            ("lb", "B", TEAM_B, ["e3"])):
            with self.subTest(lead=lead):
                j = self.report(self.p(), token=lead)
                self.assertFigures(j["overall"], want, "overall for " + lead)
                self.assertEqual([t["team_id"] for t in j["teams"]], [TEAM[team]])
                self.assertFigures(j["teams"][0]["metrics"], want, "team of " + lead)
                self.assertEqual([e["engineer_id"] for e in j["engineers"]],
                                 [U[e] for e in engineers])
                rows = list(csv.DictReader(io.StringIO(
                    self.get(self.p(), token=lead, accept="text/csv").text)))
                self.assertEqual({r["team_id"] for r in rows if r["team_id"]}, {str(TEAM[team])})
        # another team is refused; another team's engineer shows nothing
        r = self.get(self.p(team_id=TEAM["B"]), token="la", expect=403)
        self.assertEqual(r.json()["code"], "forbidden")
        j = self.report(self.p(engineer_id=U["e3"]), token="la")
        self.assertFigures(j["overall"], {}, "e3 asked for by lead A")
        self.assertEqual(j["engineers"], [])
        # one of their own engineers, as a dispatcher sees them
        j = self.report(self.p(engineer_id=U["e2"]), token="la")
        self.assertFigures(j["overall"], E2, "e2 asked for by lead A")

    def test_engineer_sees_only_their_own(self):
        j = self.report(self.p(), token="e1")
        self.assertFigures(j["overall"], E1, "e1's overall")
        self.assertEqual([e["engineer_id"] for e in j["engineers"]], [U["e1"]])
        self.assertFigures(j["engineers"][0]["metrics"], E1, "e1")
        self.assertEqual([t["team_id"] for t in j["teams"]], [TEAM["A"]])
        self.assertFigures(j["teams"][0]["metrics"], E1, "e1's team row")
        self.assertEqual(self.report(self.p(engineer_id=U["e1"]), token="e1")["overall"],
                         j["overall"])
        # nobody else's
        for other in ("e2", "e3", "la"):
            with self.subTest(other=other):
                r = self.get(self.p(engineer_id=U[other]), token="e1", expect=403)
                self.assertEqual(r.json()["code"], "forbidden")
        # a team filter does not widen it
        j = self.report(self.p(team_id=TEAM["A"]), token="e1")
        self.assertFigures(j["overall"], E1, "e1 asking for team A")
        j = self.report(self.p(), token="e3")
        self.assertFigures(j["overall"], E3, "e3's overall")
        # CSV too
        rows = list(csv.DictReader(io.StringIO(
            self.get(self.p(), token="e2", accept="text/csv").text)))
        self.assertEqual({r["engineer_id"] for r in rows if r["scope"] == "engineer"},
                         {str(U["e2"])})
        # the desk sees everyone
        self.assertFigures(self.report(self.p(), token="admin")["overall"], OVERALL, "admin")
        self.assertEqual(SRV.request("GET", API + "/reports/service-standards").status, 401)

    def test_periods(self):
        # the last day left out: V7 (23:00 on it) drops out
        j = self.report(self.p(to=P_TO - dt.timedelta(days=1)))
        people = self.rows(j)[1]
        self.assertFigures(people[U["e2"]]["metrics"], E2_WITHOUT_V7, "e2 without V7")
        self.assertFigures(people[U["e1"]]["metrics"], E1, "e1 unchanged")
        # RFC 3339 bounds: from is inclusive, to exclusive
        v7 = P_END - HOUR
        for frm, to, n in ((v7, P_END, 1), (v7 + 1, P_END, 0), (v7 - HOUR, v7, 0),
                           (v7 - HOUR, v7 + 1, 1)):
            with self.subTest(frm=iso(frm), to=iso(to)):
                j = self.report(self.p(iso(frm), iso(to)))
                self.assertEqual(j["overall"]["first_visit_resolution"]["denominator"], n)
                self.assertEqual(j["overall"]["sla_met"]["denominator"], 0)
        # P2 holds only V13 and S9
        j = self.report(self.p(P2_FROM, P2_TO))
        self.assertFigures(j["overall"], E1_P2, "P2")
        self.assertEqual([e["engineer_id"] for e in j["engineers"]], [U["e1"]])
        # P and P2 together
        j = self.report(self.p(P2_FROM, P_TO))
        self.assertFigures(j["overall"], add(OVERALL, E1_P2), "P2 + P")
        # a week with nothing in it
        j = self.report(self.p(D0 - dt.timedelta(days=8), D0 - dt.timedelta(days=2)))
        self.assertFigures(j["overall"], {}, "empty week")
        self.assertEqual((j["teams"], j["engineers"], j["checklist_failures"]), ([], [], []))
        # no period: the last 30 days, ending now
        j = self.report("")
        frm = dt.datetime.fromisoformat(j["period"]["from"]).timestamp()
        to = dt.datetime.fromisoformat(j["period"]["to"]).timestamp()
        self.assertEqual(to - frm, 30 * DAY)
        self.assertLess(abs(to - dt.datetime.now().timestamp()), 120)
        self.assertEqual(list(j["overall"]), METRICS)
        # only from: 30 days from then
        j = self.report("?from=%s" % P_FROM)
        self.assertAlmostEqual(dt.datetime.fromisoformat(j["period"]["to"]).timestamp(),
                               dt.datetime.now().timestamp(), delta=120)

    def test_bad_queries(self):
        for params in ("?from=yesterday", "?to=2026-13-01", "?from=2026-02-30",
                       "?from=2026-1-5", "?to=2026-11-01T25:00:00%2B09:00",
                       "?from=2026-11-10&to=2026-11-01", "?from=2026-11-01&to=2026-10-31",
                       "?from=2025-01-01&to=2026-06-01", "?team_id=abc", "?team_id=0",
                       "?engineer_id=-1", "?engineer_id=1.5", "?team_id="):
            with self.subTest(params=params):
                r = self.get(params, expect=400)
                self.assertEqual(r.json()["code"], "bad_query")
                self.assertTrue(r.headers.get("Content-Type", "").startswith(
                    "application/problem+json"))
        # one day is a period; 366 days is the longest
        self.get("?from=2026-11-01&to=2026-11-01")
        self.get("?from=2025-01-01&to=2026-01-01")  # 366 days: 2025 and New Year's Day
        self.get("?from=2025-01-01&to=2026-01-02", expect=400)

    def test_csv(self):
        r = self.get(self.p(), accept="text/csv")
        self.assertTrue(r.headers["Content-Type"].startswith("text/csv"), r.headers)
        self.assertIn("attachment", r.headers.get("Content-Disposition", ""))
        self.assertIn("\r\n", r.text)
        head, _, _ = r.text.partition("\r\n")
        self.assertEqual(head, "from,to,scope,team_id,team,engineer_id,engineer,metric,"
                               "numerator,denominator,rate")
        rows = list(csv.DictReader(io.StringIO(r.text, newline="")))
        # the complaint figures (R13) follow the promises; test_complaints checks them
        self.assertEqual({row["scope"] for row in rows[8 * len(METRICS):]}, {"complaints"})
        rows = [row for row in rows if row["scope"] != "complaints"]
        # 8 groups (overall; teams A, B, none; E1, E2, E3, nobody) x 12 metrics
        self.assertEqual(len(rows), 8 * len(METRICS))
        frm = {r["from"] for r in rows}
        to = {r["to"] for r in rows}
        self.assertEqual(len(frm), 1)
        self.assertEqual(int(dt.datetime.fromisoformat(frm.pop()).timestamp()), P0)
        self.assertEqual(int(dt.datetime.fromisoformat(to.pop()).timestamp()), P_END)
        groups = []
        for row in rows:
            g = (row["scope"], row["team_id"], row["engineer_id"])
            if not groups or groups[-1] != g:
                groups.append(g)
        a, b = str(TEAM["A"]), str(TEAM["B"])
        self.assertEqual(groups, [("overall", "", ""), ("team", a, ""), ("team", b, ""),
                                  ("team", "", ""), ("engineer", a, str(U["e1"])),
                                  ("engineer", a, str(U["e2"])), ("engineer", b, str(U["e3"])),
                                  ("engineer", "", "")])
        want = {("overall", "", ""): OVERALL, ("team", a, ""): TEAM_A,
                ("team", b, ""): TEAM_B, ("team", "", ""): NOBODY,
                ("engineer", a, str(U["e1"])): E1, ("engineer", a, str(U["e2"])): E2,
                ("engineer", b, str(U["e3"])): E3, ("engineer", "", ""): NOBODY}
        for g, figures in want.items():
            got = [row for row in rows if (row["scope"], row["team_id"], row["engineer_id"]) == g]
            self.assertEqual([row["metric"] for row in got], METRICS, g)
            for row in got:
                n, d = full(figures)[row["metric"]]
                with self.subTest(group=g, metric=row["metric"]):
                    self.assertEqual(row["numerator"], "" if n is None else str(n))
                    self.assertEqual(row["denominator"], str(d))
                    self.assertEqual(row["rate"], "%.4f" % (n / d) if d and n is not None
                                     else "")
        names = {(row["team"], row["engineer"]) for row in rows if row["scope"] == "engineer"}
        self.assertEqual(names, {("A팀", "가엔지니어"), ("A팀", "나엔지니어"),
                                 ("B팀", "다엔지니어"), ("", "")})
        # the same figures as JSON, and the filters apply
        j = self.report(self.p())
        for row in rows:
            if row["scope"] == "overall":
                self.assertEqual(row["denominator"],
                                 str(j["overall"][row["metric"]]["denominator"]))
        rows = list(csv.DictReader(io.StringIO(
            self.get(self.p(team_id=TEAM["B"]), accept="text/csv").text, newline="")))
        rows = [row for row in rows if row["scope"] != "complaints"]
        self.assertEqual(len(rows), 3 * len(METRICS))
        self.assertEqual({row["engineer_id"] for row in rows}, {"", str(U["e3"])})
        # a bad period is still a problem, not CSV
        r = self.get("?from=nope", accept="text/csv", expect=400)
        self.assertTrue(r.headers["Content-Type"].startswith("application/problem+json"))

    def test_data_set_is_as_described(self):
        # the facts the figures rest on, straight from PostgreSQL
        self.assertEqual(sql("SELECT count(*) FROM visits WHERE starts_at >= %s AND starts_at < %s"
                             " AND status <> 'cancelled'" % (ts(P0), ts(P_END))), "12")
        self.assertEqual(sql("SELECT status FROM visits WHERE id = %d" % V["x"]), "cancelled")
        self.assertEqual(sql("SELECT string_agg(arrived_late::text, ',' ORDER BY id) FROM visits"
                             " WHERE id IN (%d, %d, %d)" % (V[1], V[2], V[3])),
                         "false,true,false")
        self.assertEqual(sql("SELECT count(*) FROM notifications WHERE template ="
                             " 'absent_notice' AND visit_id IN (%d, %d)" % (V[5], V[6])), "1")
        self.assertEqual(sql("SELECT string_agg(outcome, ',' ORDER BY id) FROM precall_attempts"
                             " WHERE visit_id = %d" % V[6]), "no_answer,no_answer,reached")
        self.assertEqual(sql("SELECT count(*) FROM checklist_runs WHERE visit_id = %d" % V[7]),
                         "0")
        self.assertEqual(sql("SELECT completed_at IS NULL FROM checklist_runs WHERE visit_id = %d"
                             % V[8]), "t")
        self.assertEqual(sql("SELECT count(*) FROM checklist_runs WHERE completed_at IS NOT NULL"
                             ), "6")
        self.assertEqual(sql("SELECT string_agg(coalesce(lead_id::text, '-'), ',' ORDER BY id)"
                             " FROM visits WHERE id IN (%d, %d, %d, %d)"
                             % (V[9], V[10], V[11], V[12])),
                         "%d,-,%d,-" % (U["lb"], U["lb"]))
        # S6's original due date is its first notice's old one, not today's due_at; it was
        # resolved after the first and before the second
        self.assertEqual(sql("SELECT string_agg(format('%%s<%%s', t.resolved_at > n.old_due_at,"
                             " t.resolved_at > n.new_due_at), ',' ORDER BY n.id)"
                             " FROM delay_notices n JOIN tickets t ON t.id = n.ticket_id"
                             " WHERE t.id = %d" % S["S6"]), "t<f,f<f")
        self.assertEqual(sql("SELECT due_at = (SELECT max(new_due_at) FROM delay_notices"
                             " WHERE ticket_id = %d) FROM tickets WHERE id = %d"
                             % (S["S6"], S["S6"])), "t")


if __name__ == "__main__":
    harness.main()
