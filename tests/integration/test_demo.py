"""`fieldd demo` (what `make run` loads) into a freshly migrated database: the organisation
the dispatch issue asks for (3 teams each with a lead, 15 engineers with skills, 300
customers with about 20 department heads or executives, 600 devices, 3,000 tickets over the
last 90 days, devices already at two same faults, visits today and tomorrow, Korean names
and places), the truth about time (loaded at 01:00, 09:00 or 23:30 in Seoul, nothing in it
happened after the moment it was loaded), the rules the data must keep (no double booking, a
completed visit to a PC, printer or network device has its completed checklist with every
required item answered), the printed logins working over HTTP, the report over the demo
showing every promise, and a second load refusing politely.

Run: FIELDD_BIN=build/fieldd python3 tests/integration/test_demo.py
"""

import datetime as dt
import os
import re
import sys
import unittest
import urllib.parse
from zoneinfo import ZoneInfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

API = "/api/v1"
DB = "demo"
SEOUL = ZoneInfo("Asia/Seoul")
STATUSES = {"proposed", "confirmed", "en_route", "on_site", "completed", "absent", "cancelled"}


def setUpModule():
    global CL, URL, SRV, OUT, PASSWORD
    CL = harness.Cluster()
    URL = CL.create_database(DB)
    r = harness.run_fieldd(["migrate"], database_url=URL)
    if r.returncode != 0:
        raise harness.HarnessError("migrate: %s%s" % (r.stdout, r.stderr))
    r = harness.run_fieldd(["demo"], database_url=URL, timeout=300)
    if r.returncode != 0:
        raise harness.HarnessError("demo: %s%s" % (r.stdout, r.stderr))
    OUT = r.stdout
    m = re.search(r"password: (\S+)", OUT)
    PASSWORD = m.group(1) if m else None
    SRV = harness.Server(URL).wait_ready()


def tearDownModule():
    try:
        SRV.stop()
        SRV.close()
    finally:
        CL.destroy()


def sql(q):
    return CL.psql(q, db=DB).strip()


def login(name):
    r = SRV.request("POST", API + "/session", body={"login": name, "password": PASSWORD})
    if r.status != 201:
        raise AssertionError("login %s: %d %s" % (name, r.status, r.text))
    return r.json()["token"]


class Organisation(unittest.TestCase):
    def test_what_was_printed(self):
        self.assertIn("3 teams, 15 engineers, 300 customers, 600 devices, 3000 tickets", OUT)
        self.assertIsNotNone(PASSWORD, OUT)
        self.assertGreaterEqual(len(PASSWORD), 12)

    def test_people_teams_customers_devices(self):
        self.assertEqual(sql("SELECT count(*) FROM teams t JOIN users u ON u.id = t.lead_id"
                             " AND u.role = 'lead'"), "3")
        self.assertEqual(sql("SELECT count(*) FROM users WHERE role = 'engineer'"
                             " AND team_id IS NOT NULL AND cardinality(skills) > 0"), "15")
        self.assertEqual(sql("SELECT count(*) FROM customers"), "300")
        heads = int(sql("SELECT count(*) FROM customers WHERE rank IN ('dept_head', 'executive')"))
        self.assertTrue(15 <= heads <= 25, heads)
        self.assertEqual(sql("SELECT count(*) FROM devices"), "600")
        # Korean names and places
        self.assertEqual(sql("SELECT count(*) FROM customers WHERE name !~ '^[가-힣]+$'"), "0")
        self.assertEqual(sql("SELECT count(*) FROM users WHERE role <> 'admin'"
                             " AND name !~ '[가-힣]'"), "0")
        self.assertEqual(sql("SELECT count(*) FROM devices WHERE building !~ '[가-힣]'"), "0")

    def test_tickets_and_repeat_faults(self):
        self.assertEqual(sql("SELECT count(*) FROM tickets"), "3000")
        self.assertEqual(sql("SELECT count(*) FROM tickets"
                             " WHERE created_at < now() - interval '91 days'"
                             " OR created_at > now()"), "0")
        # devices already at two same faults (the next one escalates, R7), and some at three
        self.assertGreater(int(sql("SELECT count(*) FROM tickets WHERE repeat_count = 2"
                                   " AND 'next_repeat_escalates' = ANY (escalations)")), 0)
        self.assertGreater(int(sql("SELECT count(*) FROM tickets WHERE repeat_count >= 3"
                                   " AND requires_lead AND 'repeat_fault' = ANY (escalations)")), 0)
        self.assertGreater(int(sql("SELECT count(*) FROM tickets WHERE vip AND requires_lead")), 0)

    def test_visits_in_every_status_and_today_and_tomorrow(self):
        # on the way and on site exist only when the demo was loaded in working hours
        got = set(sql("SELECT DISTINCT status FROM visits").split("\n"))
        self.assertLessEqual(STATUSES - {"en_route", "on_site"}, got)
        self.assertLessEqual(got, STATUSES)
        today = dt.datetime.now(SEOUL).date()
        for day in (today, today + dt.timedelta(days=1)):
            got = set(sql("SELECT DISTINCT status FROM visits WHERE (starts_at AT TIME ZONE"
                          " 'Asia/Seoul')::date = '%s'" % day).split("\n"))
            # whatever the hour, some are still to come and one was moved to another time
            self.assertLessEqual({"confirmed", "cancelled"}, got, day)
        # tomorrow nothing has begun
        got = set(sql("SELECT DISTINCT status FROM visits WHERE (starts_at AT TIME ZONE"
                      " 'Asia/Seoul')::date = '%s'" % (today + dt.timedelta(days=1))).split("\n"))
        self.assertLessEqual(got, {"proposed", "confirmed", "cancelled"})

    def test_nothing_happened_after_the_load(self):
        assert_nothing_after(self, DB, "now()")

    def test_nobody_is_double_booked(self):
        self.assertEqual(sql("SELECT count(*) FROM visit_people a JOIN visit_people b"
                             " ON a.person_id = b.person_id AND a.visit_id < b.visit_id"
                             " WHERE a.active AND b.active AND a.during && b.during"), "0")

    def test_checklists_follow_the_visits(self):
        # every completed visit to a kind with a checklist has its completed run, with every
        # required item answered; on-site visits have a run in progress; nothing else has one
        self.assertEqual(sql(
            "SELECT count(*) FROM visits v JOIN tickets t ON t.id = v.ticket_id"
            " JOIN devices d ON d.id = t.device_id"
            " WHERE v.status = 'completed' AND d.kind IN (SELECT kind FROM checklist_templates)"
            " AND NOT EXISTS (SELECT 1 FROM checklist_runs r WHERE r.visit_id = v.id"
            "                 AND r.completed_at IS NOT NULL AND r.completed_at <= v.completed_at)"),
            "0")
        self.assertEqual(sql(
            "SELECT count(*) FROM checklist_runs r JOIN checklist_items i"
            " ON i.template_id = r.template_id AND i.required"
            " WHERE r.completed_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM checklist_answers a"
            " WHERE a.run_id = r.id AND a.key = i.key)"), "0")
        # (visits on site only when the demo is loaded in working hours)
        runs = set(sql("SELECT DISTINCT v.status || '/' || (r.completed_at IS NULL)"
                       " FROM checklist_runs r JOIN visits v ON v.id = r.visit_id").split("\n"))
        self.assertIn("completed/false", runs)
        self.assertLessEqual(runs, {"completed/false", "on_site/true"})
        self.assertGreater(int(sql("SELECT count(*) FROM checklist_answers"
                                   " WHERE value = '\"fail\"' AND note IS NOT NULL")), 0)


    def test_complaints_and_work_plans(self):
        # R13: 12 complaints in every step, each step with its audit event
        self.assertEqual(sql("SELECT string_agg(status || '=' || n, ',' ORDER BY status) FROM"
                             " (SELECT status, count(*) AS n FROM complaints GROUP BY 1) x"),
                         "analysed=2,closed=3,notified=3,received=2,resolved=2")
        self.assertEqual(sql("SELECT count(*) FROM complaints c WHERE (SELECT count(*)"
                             " FROM audit_events e WHERE e.complaint_id = c.id) <> array_position("
                             "ARRAY['received','analysed','resolved','notified','closed'],"
                             " c.status)"), "0")
        self.assertEqual(sql("SELECT count(*) FROM complaints c JOIN notifications n"
                             " ON n.id = c.notification_id AND n.template = 'complaint_result'"),
                         "6")
        # R12: a plan per team
        self.assertEqual(sql("SELECT string_agg(status, ',' ORDER BY team_id) FROM work_plans"),
                         "completed,approved,submitted")


class OverHttp(unittest.TestCase):
    def test_logins_and_an_engineers_day(self):
        tok = login("eng01")
        r = SRV.request("GET", API + "/me", token=tok)
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(r.json()["role"], "engineer")
        today = dt.datetime.now(SEOUL).date().isoformat()
        r = SRV.request("GET", API + "/me/visits?from=%sT00:00:00%%2B09:00&to=%sT23:59:59%%2B09:00"
                        % (today, today), token=tok)
        self.assertEqual(r.status, 200, r.text)
        items = r.json()["items"]
        self.assertEqual(len(items), int(sql(
            "SELECT count(*) FROM visits v JOIN users u ON u.id IN (v.engineer_id, v.lead_id)"
            " WHERE u.login = 'eng01' AND (v.starts_at AT TIME ZONE 'Asia/Seoul')::date = '%s'"
            % today)))
        self.assertGreater(len(items), 0)
        for name in ("dispatcher", "lead1", "lead3", "eng15"):
            self.assertTrue(login(name))

    def test_the_report_over_the_demo(self):
        tok = login("dispatcher")
        today = dt.datetime.now(SEOUL).date()
        q = "?from=%s&to=%s" % (urllib.parse.quote((today - dt.timedelta(days=90)).isoformat()),
                                urllib.parse.quote(today.isoformat()))
        r = SRV.request("GET", API + "/reports/service-standards" + q, token=tok, timeout=60)
        self.assertEqual(r.status, 200, r.text[:600])
        j = r.json()
        overall = j["overall"]
        for metric, x in overall.items():
            if metric == "satisfaction":
                self.assertIsNone(x["rate"])  # no surveys yet
                continue
            self.assertGreater(x["denominator"], 0, metric)
            self.assertTrue(0 < x["rate"] <= 1, (metric, x))
        self.assertEqual(overall["checklist_completion"]["rate"], 1)
        self.assertEqual(len([t for t in j["teams"] if t["team_id"]]), 3)
        people = [e for e in j["engineers"] if e["engineer_id"]]
        self.assertEqual(len(people), 18)  # 15 engineers and 3 leads
        self.assertGreater(len(j["checklist_failures"]), 0)
        self.assertGreater(j["checklist_failures"][0]["failures"], 0)

    def test_a_second_load_changes_nothing(self):
        before = sql("SELECT count(*) FROM tickets") + sql("SELECT count(*) FROM checklist_runs")
        r = harness.run_fieldd(["demo"], database_url=URL)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("already loaded", r.stdout)
        self.assertNotIn(PASSWORD, r.stdout)
        self.assertEqual(sql("SELECT count(*) FROM tickets")
                         + sql("SELECT count(*) FROM checklist_runs"), before)


# times that are plans or promises, not records of something done; and the calendar feeds'
# version stamp, which moves on a second per change (0004_calendar.sql) whatever the clock
NOT_EVENTS = {"starts_at", "ends_at", "due_at", "old_due_at", "new_due_at", "expires_at",
              "promised_at", "starts", "ends", "calendar_marks.changed_at",
              "planned_start", "planned_end", "next_attempt_at", "locked_until"}


def assert_nothing_after(case, db, now_sql):
    """No recorded time in any table of db lies after now_sql (an SQL timestamptz)."""
    cols = CL.psql("SELECT c.table_name || '.' || c.column_name FROM information_schema.columns c"
                   " JOIN information_schema.tables t ON t.table_schema = c.table_schema"
                   "  AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'"
                   " WHERE c.table_schema = 'public' AND c.data_type = 'timestamp with time zone'"
                   " ORDER BY 1", db=db).split()
    recorded = [c for c in cols if c.split(".")[1] not in NOT_EVENTS and c not in NOT_EVENTS]
    case.assertIn("visits.completed_at", recorded)
    case.assertIn("audit_events.at", recorded)
    q = " UNION ALL ".join(
        "SELECT '%s' || ' ' || max(%s)::text FROM %s WHERE %s > %s"
        " HAVING count(*) > 0" % (c, c.split(".")[1], c.split(".")[0], c.split(".")[1], now_sql)
        for c in recorded)
    case.assertEqual(CL.psql(q, db=db).strip(), "", "recorded after %s" % now_sql)
    # a visit is on site, done or missed only once its time has come
    case.assertEqual(CL.psql(
        "SELECT count(*) FROM visits WHERE status IN ('on_site', 'completed', 'absent')"
        " AND starts_at > %s" % now_sql, db=db).strip(), "0")


def statuses_on(db, day):
    return set(CL.psql("SELECT DISTINCT status FROM visits WHERE (starts_at AT TIME ZONE"
                       " 'Asia/Seoul')::date = '%s'" % day, db=db).split())


class TruthAboutTime(unittest.TestCase):
    """The demo loaded as if at 01:00, 09:00 and 23:30 in Seoul (FIELDD_DEMO_NOW), on a
    day after the real one so that nothing the database stamps itself comes later."""

    def load_at(self, hhmm):
        day = dt.datetime.now(SEOUL).date() + dt.timedelta(days=3)
        at = dt.datetime.combine(day, dt.time(*hhmm), tzinfo=SEOUL)
        db = "demo_%02d%02d" % hhmm
        url = CL.create_database(db)
        r = harness.run_fieldd(["migrate"], database_url=url)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = harness.run_fieldd(["demo"], database_url=url, timeout=300,
                               env={"FIELDD_DEMO_NOW": at.isoformat()})
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("demo data loaded", r.stdout)
        now_sql = "'%s'::timestamptz" % at.isoformat()
        assert_nothing_after(self, db, now_sql)
        # the day the demo calls today is the day of the load
        self.assertEqual(CL.psql("SELECT max((created_at AT TIME ZONE 'Asia/Seoul')::date)"
                                 " FROM tickets", db=db).strip(), day.isoformat())
        return db, day

    def test_at_one_in_the_night(self):
        db, day = self.load_at((1, 0))
        # nothing of today has begun; today's and tomorrow's work is still to come
        self.assertLessEqual(statuses_on(db, day), {"proposed", "confirmed", "cancelled"})
        self.assertIn("confirmed", statuses_on(db, day))

    def test_at_nine_in_the_morning(self):
        db, day = self.load_at((9, 0))
        got = statuses_on(db, day)
        self.assertNotIn("completed", got)
        self.assertIn("en_route", got)  # the first visits start now
        self.assertIn("confirmed", got)

    def test_at_half_past_eleven_at_night(self):
        db, day = self.load_at((23, 30))
        got = statuses_on(db, day)
        self.assertIn("completed", got)
        self.assertFalse(got & {"en_route", "on_site"}, got)  # the day's work is over
        self.assertLessEqual(statuses_on(db, day + dt.timedelta(days=1)),
                             {"proposed", "confirmed", "cancelled"})

    def test_a_malformed_moment_is_refused(self):
        url = CL.create_database("demo_bad")
        r = harness.run_fieldd(["migrate"], database_url=url)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = harness.run_fieldd(["demo"], database_url=url, env={"FIELDD_DEMO_NOW": "tomorrow"})
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("FIELDD_DEMO_NOW", r.stderr)
        self.assertEqual(CL.psql("SELECT count(*) FROM tickets", db="demo_bad").strip(), "0")


class OwnOrganisation(unittest.TestCase):
    def test_the_demo_keeps_out_of_a_database_in_use(self):
        # make run loads the demo on every start: a database that already holds an
        # organisation of its own is left as it is, and make run goes on to serve
        url = CL.create_database("own")
        r = harness.run_fieldd(["migrate"], database_url=url)
        self.assertEqual(r.returncode, 0, r.stderr)
        CL.psql("INSERT INTO teams (name) VALUES ('1팀');"
                " INSERT INTO customers (name, phone) VALUES ('김고객', '010-0000-0001')", db="own")
        r = harness.run_fieldd(["demo"], database_url=url)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("not loaded", r.stdout)
        self.assertEqual(CL.psql("SELECT (SELECT count(*) FROM customers) || '/' ||"
                                 " (SELECT count(*) FROM users) || '/' ||"
                                 " (SELECT count(*) FROM teams)", db="own").strip(), "1/0/1")


if __name__ == "__main__":
    harness.main()
