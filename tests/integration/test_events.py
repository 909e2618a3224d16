"""GET /api/v1/events, the live event stream, against a real PostgreSQL and real fieldd
processes: who gets which change (a dispatcher everything, an engineer their own visits, a
lead their team's), a change made through a second fieldd process on the same database,
Last-Event-ID catch-up without a gap or a duplicate (also when two transactions commit in
the opposite order of their event ids), `resync` for an id too far back, for
an id the database never wrote and after PostgreSQL restarts, a server restart survived by
reconnecting with Last-Event-ID, idle streams that hold no thread (more streams than HTTP
threads and the API still answers), FIELDD_STREAM_LIMIT, and SIGTERM ending every open
stream cleanly.

Run: FIELDD_BIN=build/dev/fieldd python3 tests/integration/test_events.py
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import support  # noqa: E402
from sse import SseStream, StreamEnded  # noqa: E402

API = "/api/v1"
DB = "events"
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


def setUpModule():
    global ST, CL, SRV, CUSTOMER
    ST = support.Stack(dbname=DB)
    CL, SRV = ST.cluster, ST.server
    TOK["admin"] = ST.admin_token()
    make_user("dispatcher", "dispatcher")
    lead = make_user("lead1", "lead", skills=["desktop"])
    r = SRV.request("POST", API + "/teams", body={"name": "1팀", "lead_id": lead["id"]},
                    token=TOK["admin"])
    if r.status != 201:
        raise harness.HarnessError("team: %d %s" % (r.status, r.text))
    team = r.json()["id"]
    CL.psql("UPDATE users SET team_id = %d WHERE id = %d" % (team, lead["id"]), db=DB)
    make_user("eng1", "engineer", skills=["desktop"], team_id=team)
    make_user("eng2", "engineer", skills=["desktop"])
    CL.psql("UPDATE users SET work_start = '00:00', work_end = '23:59',"
            " work_days = '{1,2,3,4,5,6,7}'", db=DB)
    for name in ("dispatcher", "lead1", "eng1", "eng2"):
        TOK[name] = ST.login(name, "pw-%s-123456" % name)
    r = SRV.request("POST", API + "/customers", token=TOK["dispatcher"],
                    body={"name": "박사원", "rank": "staff", "phone": "010-1111-0001",
                          "department": "총무부", "organisation": "한국공사"})
    if r.status != 201:
        raise harness.HarnessError("customer: %d %s" % (r.status, r.text))
    CUSTOMER = r.json()["id"]


def tearDownModule():
    ST.close()


def intake(server=None):
    """A ticket taken in over the API (by the dispatcher): its id."""
    SERIAL[0] += 1
    return ST.intake(TOK["dispatcher"], CUSTOMER, "EV-%05d" % SERIAL[0], server)["id"]


def assign(ticket, engineer):
    """Books the ticket's visit for engineer in a slot of its own: the visit."""
    SLOT[0] += 1
    return ST.assign_slot(TOK["dispatcher"], ticket, USERS[engineer]["id"], SLOT[0])


def open_stream(who, server=None, **kw):
    s = SseStream((server or SRV).port, TOK[who], **kw)
    if s.status != 200:
        raise AssertionError("stream for %s: %d %s" % (who, s.status, s.body_text))
    return s


def about_ticket(tid, kind=None):
    return lambda b: (b["json"] is not None and b["json"].get("ticket_id") == tid
                      and (kind is None or b["event"] == kind))


class Visibility(unittest.TestCase):
    def test_intake_reaches_the_desk_and_only_the_people_concerned(self):
        streams = {w: open_stream(w) for w in ("dispatcher", "lead1", "eng1", "eng2")}
        try:
            for s in streams.values():
                self.assertEqual(s.headers["content-type"], "text/event-stream")
                first = s.next()
                self.assertEqual(first["retry"], "3000")
                s.until(lambda b: b["id"] is not None)  # the stream's starting id
            t1 = intake()
            ev = streams["dispatcher"].until(about_ticket(t1, "ticket"))
            self.assertEqual((ev["json"]["op"], ev["json"]["ref"], ev["json"]["status"]),
                             ("insert", t1, "new"))
            self.assertEqual(ev["id"], str(ev["json"]["id"]))
            self.assertEqual(set(ev["json"]), {"id", "kind", "op", "ticket_id", "visit_id",
                                               "ref", "status", "at"})
            # booked for eng1 (team 1): eng1 and the lead of team 1 see the visit
            v = assign(t1, "eng1")
            for who in ("eng1", "lead1", "dispatcher"):
                b = streams[who].until(lambda b: b["event"] == "visit"
                                       and b["json"]["visit_id"] == v["id"])
                self.assertEqual(b["json"]["ticket_id"], t1)
            sched = streams["eng1"].until(lambda b: b["event"] == "schedule")
            self.assertEqual(sched["json"]["ref"], USERS["eng1"]["id"])
            # eng2 (no team) gets their own booking, and nothing of t1 before it
            t2 = intake()
            v2 = assign(t2, "eng2")
            streams["eng2"].until(lambda b: b["event"] == "visit"
                                  and b["json"]["visit_id"] == v2["id"])
            self.assertEqual([b for b in streams["eng2"].changes()
                              if b["json"]["ticket_id"] == t1], [])
            # nor does the lead of team 1 see eng2's visit: a later t1 change comes first
            self.call_delay(t1)
            streams["lead1"].until(about_ticket(t1, "ticket"))
            self.assertEqual([b for b in streams["lead1"].changes()
                              if b["json"]["ticket_id"] == t2], [])
        finally:
            for s in streams.values():
                s.close()

    def call_delay(self, tid):
        r = SRV.request("POST", API + "/tickets/%d/callback" % tid, token=TOK["dispatcher"],
                        body={"reached": True, "note": "통화 완료"})
        self.assertIn(r.status, (200, 201), r.text)

    def test_without_a_session_the_stream_is_refused(self):
        s = SseStream(SRV.port, None)
        self.assertEqual(s.status, 401)
        self.assertTrue(s.headers["content-type"].startswith("application/problem+json"))
        self.assertEqual(s.json_body()["code"], "unauthenticated")


class Cases(unittest.TestCase):
    """complaint and work_plan events: the desk gets all; a lead their team's plans and the
    complaints about their team's tickets; an engineer the plans they go on, never a
    complaint; another team's lead neither."""

    def post(self, who, path, body):
        r = SRV.request("POST", API + path, token=TOK[who], body=body)
        self.assertIn(r.status, (200, 201, 202), "%s: %d %s" % (path, r.status, r.text))
        return r.json()

    def test_case_events_follow_the_case_rules(self):
        if "lead2" not in TOK:
            lead2 = make_user("lead2", "lead", skills=["desktop"])
            team2 = self.post("admin", "/teams", {"name": "2팀", "lead_id": lead2["id"]})
            CL.psql("UPDATE users SET team_id = %d WHERE id = %d"
                    % (team2["id"], lead2["id"]), db=DB)
            TOK["lead2"] = ST.login("lead2", "pw-lead2-123456")
            USERS["team2"] = team2
        team1 = USERS["lead1"].get("team_id") or int(ST.sql(
            "SELECT team_id FROM users WHERE login = 'lead1'"))
        who = ("dispatcher", "lead1", "lead2", "eng1", "eng2")
        streams = {w: open_stream(w) for w in who}
        try:
            for s in streams.values():
                s.until(lambda b: b["id"] is not None)
            t = intake()
            assign(t, "eng1")
            plan = self.post("dispatcher", "/work-plans", {
                "title": "3층 PC 이전", "description": "PC 20대", "team_id": team1})

            def about_plan(status):
                return lambda b: (b["event"] == "work_plan" and b["json"]["ref"] == plan["id"]
                                  and b["json"]["status"] == status)
            for w in ("dispatcher", "lead1"):
                ev = streams[w].until(about_plan("draft"))
                self.assertEqual(ev["json"]["op"], "insert")
            self.post("dispatcher", "/work-plans/%d/tickets" % plan["id"], {"ticket_ids": [t]})
            self.post("dispatcher", "/work-plans/%d/submit" % plan["id"], {})
            self.post("lead1", "/work-plans/%d/approve" % plan["id"], {})
            for w in ("dispatcher", "lead1", "eng1"):
                streams[w].until(about_plan("approved"))

            c = self.post("dispatcher", "/complaints", {
                "ticket_id": t, "channel": "phone", "description": "늦게 옴",
                "result_channel": "sms"})
            self.post("dispatcher", "/complaints/%d/analyse" % c["id"], {"cause": "교통"})
            for w in ("dispatcher", "lead1"):
                ev = streams[w].until(lambda b: b["event"] == "complaint"
                                      and b["json"]["ref"] == c["id"]
                                      and b["json"]["status"] == "analysed")
                self.assertEqual(ev["json"]["ticket_id"], t)

            # later changes each of the others sees, then nothing of the above before them
            plan2 = self.post("dispatcher", "/work-plans", {
                "title": "2팀 작업", "description": "스위치 교체",
                "team_id": USERS["team2"]["id"]})
            streams["lead2"].until(lambda b: b["event"] == "work_plan"
                                   and b["json"]["ref"] == plan2["id"])
            self.assertEqual([b for b in streams["lead1"].changes()
                              if b["json"]["ref"] == plan2["id"]
                              and b["event"] == "work_plan"], [])
            r = SRV.request("POST", API + "/tickets/%d/callback" % t, token=TOK["dispatcher"],
                            body={"reached": True, "note": "통화"})
            self.assertIn(r.status, (200, 201), r.text)
            streams["eng1"].until(about_ticket(t, "ticket"))
            t2 = intake()
            v2 = assign(t2, "eng2")
            streams["eng2"].until(lambda b: b["event"] == "visit"
                                  and b["json"]["visit_id"] == v2["id"])
            cases = ("complaint", "work_plan")
            self.assertEqual([b["event"] for b in streams["eng1"].changes()
                              if b["event"] == "complaint"], [])
            self.assertEqual([b for b in streams["eng2"].changes() if b["event"] in cases], [])
            self.assertEqual([b for b in streams["lead2"].changes() if b["event"] in cases
                              and b["json"]["ref"] != plan2["id"]], [])
        finally:
            for s in streams.values():
                s.close()


class AcrossProcesses(unittest.TestCase):
    def test_a_change_through_a_second_process_reaches_the_first(self):
        other = harness.Server(ST.url).wait_ready()
        s = open_stream("dispatcher")
        try:
            s.until(lambda b: b["id"] is not None)
            tid = intake(server=other)
            ev = s.until(about_ticket(tid, "ticket"))
            self.assertEqual(ev["json"]["op"], "insert")
        finally:
            s.close()
            self.assertEqual(other.stop(), 0)
            other.close()


class CatchUp(unittest.TestCase):
    def test_last_event_id_replays_what_was_missed_then_goes_live(self):
        s = open_stream("dispatcher")
        start = s.until(lambda b: b["id"] is not None)["id"]
        s.close()
        missed = [intake() for _ in range(4)]
        want = [int(x) for x in ST.sql(
            "SELECT string_agg(id::text, ',' ORDER BY id) FROM events WHERE id > %s"
            % start).split(",")]
        s = open_stream("dispatcher", last_event_id=start)
        try:
            got = []
            while len(got) < len(want):
                b = s.next()
                if b["json"] and b["event"] != "resync":
                    got.append(b)
            self.assertEqual([int(b["id"]) for b in got], want)
            self.assertEqual({b["json"]["ticket_id"] for b in got if b["event"] == "ticket"},
                             set(missed))
            live = intake()
            s.until(about_ticket(live, "ticket"))
            ids = [int(b["id"]) for b in s.changes()]
            self.assertEqual(len(ids), len(set(ids)), "an event came twice")
            self.assertNotIn("resync", [b["event"] for b in s.events])
        finally:
            s.close()

    def test_catch_up_shows_only_what_the_person_may_see(self):
        s = open_stream("eng2")
        start = s.until(lambda b: b["id"] is not None)["id"]
        s.close()
        other = intake()
        assign(other, "eng1")
        mine = intake()
        v = assign(mine, "eng2")
        s = open_stream("eng2", last_event_id=start)
        try:
            s.until(lambda b: b["event"] == "visit" and b["json"]["visit_id"] == v["id"])
            self.assertEqual([b for b in s.changes() if b["json"]["ticket_id"] == other], [])
            self.assertTrue(all(b["json"]["ticket_id"] == mine for b in s.changes()),
                            s.changes())
        finally:
            s.close()

    def test_an_id_too_far_back_gets_resync(self):
        s = open_stream("dispatcher")
        start = s.until(lambda b: b["id"] is not None)["id"]
        s.close()
        tid = intake()
        # more than the 1,000 events a reconnect may replay
        ST.sql("DO $$ BEGIN FOR i IN 1..1001 LOOP UPDATE tickets SET updated_at = now()"
               " WHERE id = %d; END LOOP; END $$" % tid)
        newest = ST.sql("SELECT max(id) FROM events")
        s = open_stream("dispatcher", last_event_id=start)
        try:
            b = s.until(lambda b: b["event"] is not None)
            self.assertEqual(b["event"], "resync")
            self.assertEqual(b["json"]["reason"], "too_old")
            self.assertEqual(b["id"], newest)  # a later reconnect continues from here
            self.assertEqual(s.changes(), [])
            live = intake()
            s.until(about_ticket(live, "ticket"))
        finally:
            s.close()

    def test_an_id_this_database_never_wrote_or_pruned_gets_resync(self):
        intake()
        newest = int(ST.sql("SELECT max(id) FROM events"))
        for bad in (str(newest + 1000), "abc", "-1"):
            s = open_stream("dispatcher", last_event_id=bad)
            try:
                b = s.until(lambda b: b["event"] is not None)
                self.assertEqual((b["event"], b["json"]["reason"]), ("resync", "too_old"), bad)
            finally:
                s.close()
        # housekeeping pruned up to here: older ids cannot be caught up
        ST.sql("UPDATE events_horizon SET pruned_through = %d" % (newest - 1))
        try:
            s = open_stream("dispatcher", last_event_id=newest - 2)
            b = s.until(lambda b: b["event"] is not None)
            self.assertEqual(b["event"], "resync")
            s.close()
        finally:
            ST.sql("UPDATE events_horizon SET pruned_through = 0")


class CommitOrder(unittest.TestCase):
    """Ids are taken before COMMIT: a transaction holding its event open commits after
    one with a higher id. A client that disconnected between the two commits still gets
    the late one when it reconnects, and a client that heard both live is not sent
    either again."""

    def test_an_event_committed_after_a_higher_id_is_not_missed_on_reconnect(self):
        watcher = open_stream("dispatcher")  # stays connected throughout
        s = open_stream("dispatcher")
        hold = support.PsqlHold(CL, DB)
        try:
            early = intake()
            watcher.until(about_ticket(early, "ticket"))
            s.until(about_ticket(early, "ticket"))
            # session 1: changes the ticket (its event gets an id) and keeps the transaction
            hold.run("BEGIN; UPDATE tickets SET updated_at = now() WHERE id = %d;" % early)
            held = [int(x) for x in hold.run("SELECT id FROM events WHERE ticket_id = %d"
                                             " AND xid = pg_current_xact_id() ORDER BY id;"
                                             % early)]
            self.assertTrue(held)
            # session 2 (a request through fieldd) commits first, with higher ids
            later = intake()
            s.until(about_ticket(later, "ticket"))
            last = s.last_id()
            self.assertGreater(int(last), max(held), "the held events should have lower ids")
            s.close()  # the client goes away between the two commits
            hold.run("COMMIT;")
            # the connected board hears it live, under a position that never goes back
            b = watcher.until(lambda b: about_ticket(early, "ticket")(b)
                              and b["json"]["id"] in held)
            self.assertGreaterEqual(int(b["id"]), int(last))
            # the reconnecting client gets it from the database
            s = open_stream("dispatcher", last_event_id=last)
            b = s.until(about_ticket(early, "ticket"))
            self.assertIn(b["json"]["id"], held)
            self.assertEqual(b["id"], last)  # its Last-Event-ID does not go back
            live = intake()
            s.until(about_ticket(live, "ticket"))
            ids = [b["json"]["id"] for b in s.changes()]
            self.assertEqual(len(ids), len(set(ids)), "an event came twice")
            self.assertEqual([i for i in ids if i <= int(last)], held)
            self.assertEqual([b["json"]["id"] for b in s.changes()
                              if b["json"]["ticket_id"] == early], held)
            # the watcher reconnects with what it has: what came after the held change is
            # not sent again (its Last-Event-ID did not go back to the held id)
            watcher.until(about_ticket(live, "ticket"))
            wlast = watcher.last_id()
            watcher.close()
            watcher = open_stream("dispatcher", last_event_id=wlast)
            again = intake()
            watcher.until(about_ticket(again, "ticket"))
            got = [b["json"]["ticket_id"] for b in watcher.changes() if b["event"] == "ticket"]
            self.assertNotIn(later, got)
            self.assertNotIn(live, got)
            self.assertEqual(got[-1], again)
        finally:
            hold.close()
            s.close()
            watcher.close()


class Restarts(unittest.TestCase):
    def test_postgresql_restart_ends_in_resync_and_the_stream_goes_on(self):
        s = open_stream("dispatcher")
        try:
            s.until(lambda b: b["id"] is not None)
            CL.restart()
            b = s.until(lambda b: b["event"] == "resync", timeout=30)
            self.assertEqual(b["json"]["reason"], "database")
            tid = None
            for _ in range(20):  # the pool reconnects on its next use
                try:
                    tid = intake()
                    break
                except harness.HarnessError:
                    continue
            self.assertIsNotNone(tid)
            s.until(about_ticket(tid, "ticket"))
        finally:
            s.close()

    def test_server_restart_client_reconnects_and_misses_nothing(self):
        other = harness.Server(ST.url).wait_ready()
        try:
            s = open_stream("dispatcher", server=other)
            s.until(lambda b: b["id"] is not None)
            seen = intake()
            s.until(about_ticket(seen, "ticket"))
            self.assertEqual(other.stop(), 0)
            self.assertTrue(s.ended(), "the stream did not end when the server stopped")
            last = s.last_id()
            s.close()
            missed = [intake() for _ in range(3)]  # through the other process meanwhile
            other.start().wait_ready()
            s = open_stream("dispatcher", server=other, last_event_id=last)
            got = set()
            while not set(missed) <= got:
                b = s.until(lambda b: b["event"] == "ticket")
                got.add(b["json"]["ticket_id"])
            self.assertNotIn(seen, got)  # caught up from after what it had, not again
            s.close()
        finally:
            if other.alive():
                other.stop()
            other.close()


class Limits(unittest.TestCase):
    def test_idle_streams_hold_no_thread(self):
        other = harness.Server(ST.url, env={"FIELDD_THREADS": "2", "FIELDD_MAX_INFLIGHT": "4"})
        other.wait_ready()
        streams = []
        try:
            for i in range(12):  # more than threads and than requests in flight
                streams.append(open_stream("dispatcher" if i % 2 else "eng1", server=other))
            for _ in range(3):
                r = other.request("GET", API + "/me", token=TOK["eng2"], timeout=10)
                self.assertEqual(r.status, 200, r.text)
            m = other.request("GET", "/metrics").text
            self.assertEqual(support.metric_value(m, "fieldd_event_streams"), 12)
            self.assertEqual(support.metric_value(m, "fieldd_http_inflight_requests"), 1)
            self.assertEqual(support.metric_value(m, "fieldd_event_listener_up"), 1)
            tid = intake(server=other)
            for s in streams[1::2]:
                s.until(about_ticket(tid, "ticket"))
        finally:
            for s in streams:
                s.close()
            self.assertEqual(other.stop(), 0)
            other.close()

    def test_stream_limit_answers_503_and_frees_on_close(self):
        other = harness.Server(ST.url, env={"FIELDD_STREAM_LIMIT": "2"}).wait_ready()
        try:
            a = open_stream("dispatcher", server=other)
            b = open_stream("eng1", server=other)
            c = SseStream(other.port, TOK["eng2"])
            self.assertEqual(c.status, 503)
            self.assertEqual(c.json_body()["code"], "overloaded")
            self.assertIn("retry-after", c.headers)
            # the API is not affected by the streams' limit
            self.assertEqual(other.request("GET", API + "/me", token=TOK["eng2"]).status, 200)
            a.close()
            for _ in range(50):  # the server notices the closed socket at its next write
                c = SseStream(other.port, TOK["eng2"])
                if c.status == 200:
                    break
                intake(server=other)  # something to write to the closed stream
            self.assertEqual(c.status, 200)
            c.close()
            b.close()
        finally:
            self.assertEqual(other.stop(), 0)
            other.close()

    def test_an_idle_stream_gets_heartbeats(self):
        s = open_stream("eng2")
        try:
            s.until(lambda b: b["id"] is not None)
            # every 15 s with nothing else to send: proxies keep the stream, dead clients show
            b = s.until(lambda b: "heartbeat" in b["comments"], timeout=25)
            self.assertIsNone(b["data"])
            self.assertEqual(s.changes(), [])
        finally:
            s.close()

    def test_a_stream_ends_at_its_age_and_a_logged_out_client_cannot_come_back(self):
        other = harness.Server(ST.url, env={"FIELDD_STREAM_MAX_AGE": "1"}).wait_ready()
        try:
            token = ST.login("eng2", "pw-eng2-123456")
            s = SseStream(other.port, token)
            self.assertEqual(s.status, 200)
            s.until(lambda b: b["id"] is not None)
            # logged out meanwhile: the stream goes on only until its age is reached
            r = other.request("DELETE", API + "/session", token=token)
            self.assertIn(r.status, (200, 204), r.text)
            self.assertTrue(s.ended(timeout=25), "the stream outlived its FIELDD_STREAM_MAX_AGE")
            self.assertTrue(s.done, "cut instead of ended with its last chunk")
            last = s.last_id()
            s.close()
            again = SseStream(other.port, token, last_event_id=last)
            self.assertEqual(again.status, 401)
        finally:
            self.assertEqual(other.stop(), 0)
            other.close()

    def test_sigterm_ends_open_streams_and_exits(self):
        other = harness.Server(ST.url).wait_ready()
        streams = [open_stream(w, server=other) for w in ("dispatcher", "eng1", "lead1")]
        for s in streams:
            s.until(lambda b: b["id"] is not None)
        self.assertEqual(other.stop(timeout=10), 0)
        for s in streams:
            self.assertTrue(s.ended(timeout=5), "a stream was not ended")
            self.assertTrue(s.done, "the stream was cut instead of ended with its last chunk")
            s.close()
        other.close()


if __name__ == "__main__":
    harness.main()
