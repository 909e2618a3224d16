"""Calendar feeds served by a running fieldd, read by two independent parsers (ical.js from
npm, python3-icalendar from Debian) and checked octet by octet: what clients need (SPEC §5),
the 30/90-day window, joint visits in both feeds, team feeds, 304s without a rebuild,
byte-identical bodies across a restart, reassignment and cancellation leaving a feed, URL
rotation and revocation, and no token in the server's log.

Run: FIELDD_BIN=build/dev/fieldd ICAL_CHECK=build/dev/tests/ical_check \
     /usr/bin/python3 tests/ical/test_feeds.py
"""

import datetime as dt
import email.utils
import hashlib
import os
import re
import socket
import sys
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import icaltest  # noqa: E402
from icaltest import harness  # noqa: E402
from icaltest import API, LONG_SYMPTOM, SEOUL, by_uid, epoch, icaljs, lines, pyical, unfold  # noqa: E402

ORG = None
V = {}   # name -> visit (as the API returned it when booked)
T = {}   # name -> ticket


def move(visit, days, hour=9):
    """Puts a visit days from today (negative: in the past) with SQL, as an old booking."""
    ORG.sql("UPDATE visits SET starts_at = date_trunc('day', now()) + interval '%d days' + "
            "interval '%d hours', ends_at = date_trunc('day', now()) + interval '%d days' + "
            "interval '%d hours', ical_sequence = ical_sequence + 1, updated_at = now() "
            "WHERE id = %d" % (days, hour, days, hour + 1, visit["id"]))


def setUpModule():
    global ORG
    ORG = icaltest.Org()
    T["solo"] = ORG.ticket("staff", symptom=LONG_SYMPTOM)
    V["solo"] = ORG.visit(T["solo"], "eng_a")
    T["joint"] = ORG.ticket("vip", symptom="모니터 화면이 깜빡이고 꺼짐")  # VIP: a lead goes too
    V["joint"] = ORG.visit(T["joint"], "eng_a", "lead1")
    V["joint"] = ORG.step(V["joint"], "precall", {"outcome": "reached", "note": "통화 완료"})
    T["mate"] = ORG.ticket("staff")
    V["mate"] = ORG.visit(T["mate"], "eng_b")
    T["other_team"] = ORG.ticket("staff")
    V["other_team"] = ORG.visit(T["other_team"], "eng_c")
    for name, days in (("past10", -10), ("past40", -40), ("ahead95", 95)):
        T[name] = ORG.ticket("staff")
        V[name] = ORG.visit(T[name], "eng_a")
        move(V[name], days)
        V[name] = ORG.get_visit(V[name])


def tearDownModule():
    if ORG:
        ORG.close()


class Feed(unittest.TestCase):
    maxDiff = None

    def test_urls_are_issued_and_shown_again_to_field_people(self):
        first = ORG.feed_urls("eng_a")
        self.assertTrue(first["issued_now"])
        self.assertRegex(first["feed_url"], r"^%s/cal/[A-Za-z0-9_-]{43}\.ics$"
                         % re.escape(ORG.server.base_url))
        self.assertEqual(first["webcal_url"], "webcal" + first["feed_url"][4:])
        self.assertNotIn("team_feed_url", first)  # engineers have no team feed
        # a second device gets the same URL: the first subscription keeps working
        again = ORG.ok("GET", "/me/calendar", who="eng_a")
        self.assertEqual(again, dict(first, issued_now=False))
        lead = ORG.feed_urls("lead1")
        self.assertEqual(ORG.ok("GET", "/me/calendar", who="lead1"), dict(lead, issued_now=False))
        self.assertRegex(lead["team_feed_url"], r"/cal/[A-Za-z0-9_-]{43}\.ics$")
        self.assertNotEqual(lead["team_feed_url"], lead["feed_url"])
        self.assertTrue(lead["team_webcal_url"].startswith("webcal://"))
        # the dispatch desk has no visits of its own; no login, no URL
        r = ORG.call("GET", API + "/me/calendar", who="disp")
        self.assertEqual(r.status, 403, r.text)
        self.assertEqual(ORG.call("GET", API + "/me/calendar", who=None).status, 401)
        # an Idempotency-Key does not make the server keep a reply holding a token
        u = ORG.stack.create_user(ORG.tok["admin"], "eng_idem", "engineer")
        ORG.tok["eng_idem"] = ORG.stack.login("eng_idem", icaltest.PASSWORD)
        r = ORG.call("GET", API + "/me/calendar", who="eng_idem",
                     headers={"Idempotency-Key": "cal-1"})
        self.assertEqual(r.status, 200)
        self.assertTrue(r.json()["issued_now"])
        ORG.urls["eng_idem"] = r.json()
        self.assertEqual(ORG.sql("SELECT count(*) FROM idempotency_keys WHERE key = 'cal-1'"
                                 " AND user_id = %d" % u["id"]), "0")
        # a token issued before URLs could be shown again (no nonce) keeps working, and
        # its URL reads null until its owner rotates
        u = ORG.stack.create_user(ORG.tok["admin"], "eng_old", "engineer")
        ORG.tok["eng_old"] = ORG.stack.login("eng_old", icaltest.PASSWORD)
        old = ORG.ok("GET", "/me/calendar", who="eng_old")
        ORG.sql("UPDATE calendar_tokens SET nonce = NULL WHERE user_id = %d" % u["id"])
        self.assertEqual(ORG.ok("GET", "/me/calendar", who="eng_old"),
                         {"feed_url": None, "webcal_url": None, "issued_at": old["issued_at"],
                          "issued_now": False})
        self.assertEqual(ORG.call("GET", old["feed_url"][old["feed_url"].index("/cal/"):],
                                  who=None).status, 200)
        ORG.urls["eng_old"] = old
        # only hashes are kept
        token = ORG.feed_path("eng_a")[5:-4]
        self.assertEqual(ORG.sql("SELECT count(*) FROM calendar_tokens WHERE token_hash = '%s'"
                                 % token), "0")
        self.assertEqual(ORG.sql("SELECT count(*) FROM calendar_tokens WHERE token_hash = '%s'"
                                 % hashlib.sha256(token.encode()).hexdigest()), "1")
        self.assertEqual(ORG.sql("SELECT count(*) FROM calendar_tokens k"
                                 " WHERE position('%s' IN k::text) > 0" % token), "0")

    def test_headers(self):
        r = ORG.feed("eng_a")
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(r.headers["Content-Type"], "text/calendar; charset=utf-8")
        self.assertEqual(r.headers["ETag"], '"%s"' % hashlib.sha256(r.body).hexdigest())
        self.assertEqual(r.headers["Cache-Control"], "private")
        self.assertEqual(r.headers["Referrer-Policy"], "no-referrer")
        self.assertEqual(r.headers["X-Content-Type-Options"], "nosniff")
        lm = email.utils.parsedate_to_datetime(r.headers["Last-Modified"])
        date = email.utils.parsedate_to_datetime(r.headers["Date"])
        self.assertLessEqual(lm, date)
        # HEAD: same headers, no body
        h = ORG.call("HEAD", ORG.feed_path("eng_a"), who=None)
        self.assertEqual((h.status, h.body, h.headers["ETag"]), (200, b"", r.headers["ETag"]))

    def test_octets_lines_and_structure(self):
        body = ORG.feed("eng_a").body
        ls = lines(body)  # CRLF after every line, no bare CR or LF
        for n, l in enumerate(ls, 1):
            self.assertLessEqual(len(l), 75, "line %d is %d octets" % (n, len(l)))
            l.decode("utf-8")  # each line alone is valid UTF-8: no character cut in two
        self.assertTrue(any(l.startswith(b" ") for l in ls), "long Korean text is folded")
        text = unfold(body).decode()
        self.assertEqual(text.count("BEGIN:VTIMEZONE"), 1)
        self.assertIn("\r\nTZID:Asia/Seoul\r\n", text)
        self.assertIn("\r\nTZOFFSETFROM:+0900\r\nTZOFFSETTO:+0900\r\n", text)
        self.assertNotIn("freeassociation", text)
        self.assertNotIn("ATTENDEE", text)
        for prop in ("METHOD:PUBLISH", "VERSION:2.0", "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
                     "X-PUBLISHED-TTL:PT1H", "NAME:김기사 방문 일정",
                     "X-WR-CALNAME:김기사 방문 일정"):
            self.assertIn("\r\n%s\r\n" % prop, text)
        self.assertRegex(text, r"\r\nPRODID:-//fieldd//[^\r]+\r\n")
        events = text.split("BEGIN:VEVENT")[1:]
        self.assertEqual(len(events), 3)  # solo, joint, ten days ago
        for ev in events:
            # never floating: every time of an event names the zone (or is UTC)
            for m in re.finditer(r"\r\n(DTSTART|DTEND)([;:][^\r]*)", ev):
                self.assertTrue(m.group(2).startswith(";TZID=Asia/Seoul:"), m.group(0))
            self.assertRegex(ev, r"\r\nDTSTAMP:\d{8}T\d{6}Z\r\n")
            self.assertIn("\r\nORGANIZER;CN=fieldd:mailto:", ev)
        # TEXT escaped once: the shared folder path keeps single escaped backslashes
        self.assertIn(r"경로는 \\\\fs01\\총무팀\\결재 이고\, 부팅이", text)
        rc, out = icaltest.ical_check(body)
        self.assertEqual(rc, 0, out)

    def check_events(self, parsed, who, backslashes=True):
        """The parsed feed shows who's visits with the API's UIDs, times and states.
        backslashes=False: python3-icalendar 4.0.3 (Debian 12) unescapes TEXT twice, so
        "\\\\" reaches it as one backslash; the exact escaping is checked on the octets
        (test_octets_lines_and_structure) and by ical.js."""
        ev = by_uid(parsed)
        want = {"eng_a": ("solo", "joint", "past10")}[who]
        self.assertEqual(set(ev), {V[n]["uid"] for n in want})
        for n in want:
            e, v = ev[V[n]["uid"]], V[n]
            self.assertEqual(e["start"]["epoch"], epoch(v["start"]), n)
            self.assertEqual(e["end"]["epoch"], epoch(v["end"]), n)
            self.assertFalse(e["start"]["floating"], n)
            self.assertEqual(e["sequence"], v["sequence"], n)
            self.assertEqual(e["status"], "CONFIRMED" if v["status"] == "confirmed"
                             else "TENTATIVE", n)
        solo = ev[V["solo"]["uid"]]
        self.assertEqual(solo["summary"], "%s 박사원 · 부팅 불가" % T["solo"]["number"])
        self.assertEqual(solo["location"], "본관 3층 %s호" % T["solo"]["device"]["location"]["room"])
        strip = (lambda x: x) if backslashes else (lambda x: x.replace("\\", ""))
        self.assertIn(strip("증상: " + LONG_SYMPTOM + "\n"), strip(solo["description"]))
        self.assertIn("전화: 010-3333-0001", solo["description"])
        self.assertIn("/m/#/visits/%d" % V["solo"]["id"], solo["description"])
        self.assertEqual(solo["url"], "%s/m/#/visits/%d" % (ORG.server.base_url, V["solo"]["id"]))
        joint = ev[V["joint"]["uid"]]
        self.assertIn("에스컬레이션: VIP 고객 — 팀장 동행", joint["description"])
        self.assertIn("담당: 엔지니어 김기사 · 팀장 박팀장", joint["description"])
        self.assertEqual(joint["status"], "CONFIRMED")
        self.assertEqual(ev[V["solo"]["uid"]]["status"], "TENTATIVE")
        return ev

    def test_icaljs_reads_the_events(self):
        p = icaljs(ORG.feed("eng_a").body)
        self.assertEqual((p["method"], p["version"]), ("PUBLISH", "2.0"))
        self.assertEqual((p["name"], p["x_wr_calname"]), ("김기사 방문 일정", "김기사 방문 일정"))
        self.assertEqual((p["refresh_interval"], p["refresh_interval_type"]), ("PT1H", "duration"))
        self.assertEqual(p["x_published_ttl"], "PT1H")
        self.assertEqual(p["timezones"], ["Asia/Seoul"])
        ev = self.check_events(p, "eng_a")
        for e in ev.values():
            # ical.js resolves the times through the feed's own VTIMEZONE
            self.assertEqual(e["start"]["zone"], "Asia/Seoul")
            self.assertEqual(e["attendees"], [])
            self.assertTrue(e["organizer"].startswith("mailto:"))

    def test_python_icalendar_reads_the_events(self):
        p = pyical(ORG.feed("eng_a").body)
        self.assertEqual(p["errors"], [])
        self.assertEqual(p["method"], "PUBLISH")
        self.assertEqual(p["refresh_interval"], "PT1H")
        ev = self.check_events(p, "eng_a", backslashes=False)
        for n in ("solo", "joint"):
            e = ev[V[n]["uid"]]
            self.assertEqual(e["start"]["tz"], "Asia/Seoul")
            self.assertEqual(e["start_tzid"], "Asia/Seoul")
            # DTSTAMP and LAST-MODIFIED: the last change of what the event shows (the visit,
            # its ticket, its customer) in UTC, not "now"
            changes = [ORG.get_visit(V[n])["updated_at"],
                       ORG.ok("GET", "/tickets/%d" % T[n]["id"])["updated_at"],
                       ORG.ok("GET", "/customers/%d" % T[n]["customer_id"])["updated_at"]]
            self.assertEqual(e["dtstamp"]["epoch"], max(epoch(c) for c in changes), n)
            self.assertEqual(e["last_modified"], e["dtstamp"])
            self.assertTrue(e["dtstamp"]["iso"].endswith("+00:00"))

    def test_window_30_days_back_90_ahead(self):
        uids = set(by_uid(pyical(ORG.feed("eng_a").body)))
        self.assertIn(V["past10"]["uid"], uids)
        self.assertNotIn(V["past40"]["uid"], uids)
        self.assertNotIn(V["ahead95"]["uid"], uids)

    def test_joint_visit_in_engineer_and_lead_feeds(self):
        eng = by_uid(icaljs(ORG.feed("eng_a").body))
        lead = by_uid(icaljs(ORG.feed("lead1").body))
        uid = V["joint"]["uid"]
        self.assertIn(uid, eng)
        self.assertIn(uid, lead)
        self.assertEqual(set(lead), {uid})  # the lead goes on the joint visit only
        for k in ("start", "end", "sequence", "status", "summary"):
            self.assertEqual(eng[uid][k], lead[uid][k], k)

    def test_team_feed(self):
        r = ORG.feed("lead1", team=True)
        self.assertEqual(r.status, 200, r.text)
        p = icaljs(r.body)
        self.assertEqual(p["name"], "1팀 방문 일정")
        ev = by_uid(p)
        mine = {V[n]["uid"] for n in ("solo", "joint", "past10", "mate")}
        self.assertTrue(mine <= set(ev), "every visit of team 1 is in its lead's team feed")
        self.assertNotIn(V["other_team"]["uid"], ev)
        # the summary says who goes
        self.assertTrue(ev[V["mate"]["uid"]]["summary"].startswith("이기사: "))
        self.assertTrue(ev[V["joint"]["uid"]]["summary"].startswith("김기사, 박팀장: "))
        rc, out = icaltest.ical_check(r.body)
        self.assertEqual(rc, 0, out)


class Caching(unittest.TestCase):
    def test_304_by_etag_and_by_date_without_rebuilding(self):
        ORG.settle()
        first = ORG.feed("eng_a")
        etag, lm = first.headers["ETag"], first.headers["Last-Modified"]
        builds = ORG.metric("fieldd_calendar_builds_total")
        hits = ORG.metric("fieldd_calendar_cache_hits_total")
        for headers in ({"If-None-Match": etag}, {"If-None-Match": "W/" + etag},
                        {"If-None-Match": '"other", %s' % etag}, {"If-None-Match": "*"},
                        {"If-Modified-Since": lm}):
            r = ORG.feed("eng_a", headers=headers)
            self.assertEqual(r.status, 304, headers)
            self.assertEqual(r.body, b"")
            self.assertEqual(r.headers["ETag"], etag)
            self.assertEqual(r.headers["Last-Modified"], lm)
            self.assertEqual(r.headers["Cache-Control"], "private")
        self.assertEqual(ORG.metric("fieldd_calendar_builds_total"), builds,
                         "a 304 is answered from the validator, without building the feed")
        self.assertGreaterEqual(ORG.metric("fieldd_calendar_cache_hits_total"), hits + 5)
        # an older date, or a tag the client does not hold, gets the body
        older = email.utils.format_datetime(
            email.utils.parsedate_to_datetime(lm) - dt.timedelta(seconds=1), usegmt=True)
        self.assertEqual(ORG.feed("eng_a", headers={"If-Modified-Since": older}).status, 200)
        r = ORG.feed("eng_a", headers={"If-None-Match": '"stale"', "If-Modified-Since": lm})
        self.assertEqual(r.status, 200, "If-None-Match wins over If-Modified-Since")
        self.assertEqual(r.body, first.body)

    def test_change_gives_new_etag_and_higher_sequence(self):
        t = ORG.ticket("staff")
        v = ORG.visit(t, "eng_b")
        before = ORG.feed("eng_b")
        seq = by_uid(pyical(before.body))[v["uid"]]["sequence"]
        ORG.step(v, "precall", {"outcome": "no_answer", "note": "부재중"})
        after = ORG.feed("eng_b", headers={"If-None-Match": before.headers["ETag"],
                                           "If-Modified-Since": before.headers["Last-Modified"]})
        self.assertEqual(after.status, 200)
        self.assertNotEqual(after.headers["ETag"], before.headers["ETag"])
        self.assertEqual(by_uid(pyical(after.body))[v["uid"]]["sequence"], seq + 1)
        r = ORG.feed("eng_b", headers={"If-Modified-Since": before.headers["Last-Modified"]})
        self.assertEqual(r.status, 200, "a date from before the change is not current")

    def test_unchanged_feed_is_byte_identical_across_restart(self):
        a = ORG.feed("lead1", team=True)
        b = ORG.feed("lead1", team=True)
        self.assertEqual(a.body, b.body)
        # a new process has no cache: it builds the feed again, to the same bytes
        self.assertEqual(ORG.server.stop(), 0)
        ORG.server.start().wait_ready()
        c = ORG.feed("lead1", team=True)
        self.assertEqual(ORG.metric("fieldd_calendar_builds_total"), 1)
        self.assertEqual(c.body, a.body)
        self.assertEqual(c.headers["ETag"], a.headers["ETag"])

    def test_customer_change_reaches_the_feed(self):
        before = ORG.feed("eng_b")
        ORG.ok("PATCH", "/customers/%d" % ORG.cust["staff"], {"phone": "010-3333-9999"})
        try:
            after = ORG.feed("eng_b", headers={"If-None-Match": before.headers["ETag"]})
            self.assertEqual(after.status, 200)
            self.assertIn("전화: 010-3333-9999", "".join(
                e["description"] for e in icaljs(after.body)["events"]))
        finally:
            ORG.ok("PATCH", "/customers/%d" % ORG.cust["staff"], {"phone": "010-3333-0001"})


class Membership(unittest.TestCase):
    def test_reassigned_visit_leaves_the_old_engineers_feed(self):
        t = ORG.ticket("staff")
        v = ORG.visit(t, "eng_b")
        self.assertIn(v["uid"], by_uid(icaljs(ORG.feed("eng_b").body)))
        self.assertIn(v["uid"], by_uid(icaljs(ORG.feed("lead1", team=True).body)))
        ORG.ok("POST", "/tickets/%d/assign" % t["id"],
               {"engineer_id": ORG.uid["eng_c"], "reason": "이기사 병가"})
        self.assertNotIn(v["uid"], by_uid(icaljs(ORG.feed("eng_b").body)))
        self.assertNotIn(v["uid"], by_uid(icaljs(ORG.feed("lead1", team=True).body)))
        moved = by_uid(icaljs(ORG.feed("eng_c").body))
        self.assertIn(v["uid"], moved, "same UID, new engineer")
        self.assertGreater(moved[v["uid"]]["sequence"], v["sequence"])
        self.assertIn(v["uid"], by_uid(icaljs(ORG.feed("lead2", team=True).body)))

    def test_cancelled_visit_leaves_every_feed(self):
        t = ORG.ticket("vip")
        v = ORG.visit(t, "eng_a", "lead1")
        for who, team in (("eng_a", False), ("lead1", False), ("lead1", True)):
            self.assertIn(v["uid"], by_uid(pyical(ORG.feed(who, team).body)))
        ORG.step(v, "cancel", {"reason": "고객 요청으로 취소"})
        for who, team in (("eng_a", False), ("lead1", False), ("lead1", True)):
            body = ORG.feed(who, team).body
            self.assertNotIn(v["uid"], by_uid(pyical(body)), (who, team))
            self.assertNotIn(b"CANCELLED", body)


class Tokens(unittest.TestCase):
    def assert_404(self, path):
        r = ORG.call("GET", path, who=None)
        self.assertEqual(r.status, 404, path)
        self.assertTrue(r.headers["Content-Type"].startswith("application/problem+json"))
        self.assertEqual(r.json()["code"], "not_found")

    def test_urls_under_a_server_secret(self):
        # FIELDD_SECRET stays outside the database: after a restart with the same secret the
        # same URL is shown; under another secret a URL issued before cannot be shown (null)
        # and still works until its owner rotates; without a secret a URL is shown once
        u = ORG.stack.create_user(ORG.tok["admin"], "eng_sec", "engineer")
        tok = ORG.stack.login("eng_sec", icaltest.PASSWORD)

        def me_calendar(srv):
            r = srv.request("GET", API + "/me/calendar", token=tok)
            self.assertEqual(r.status, 200, r.text)
            return r.json()

        def path(url):
            return url[url.index("/cal/"):]

        def feed_status(srv, url):
            return srv.request("GET", path(url)).status

        secret = {"FIELDD_SECRET": "a-long-enough-secret-for-the-feed-key-0001"}
        with harness.Server(ORG.stack.url, env=secret) as srv:
            srv.wait_ready()
            first = me_calendar(srv)
            self.assertTrue(first["issued_now"])
            self.assertEqual(feed_status(srv, first["feed_url"]), 200)
        with harness.Server(ORG.stack.url, env=secret) as srv:
            srv.wait_ready()
            again = me_calendar(srv)  # another port, the same token
            self.assertFalse(again["issued_now"])
            self.assertEqual(path(again["feed_url"]), path(first["feed_url"]))
        other = {"FIELDD_SECRET": "another-long-enough-secret-for-the-feed-key"}
        with harness.Server(ORG.stack.url, env=other) as srv:
            srv.wait_ready()
            self.assertIsNone(me_calendar(srv)["feed_url"])
            self.assertEqual(feed_status(srv, first["feed_url"]), 200)
            r = srv.request("POST", API + "/me/calendar/rotate", token=tok)
            self.assertEqual(r.status, 200, r.text)
            self.assertEqual(feed_status(srv, first["feed_url"]), 404)
            self.assertEqual(me_calendar(srv)["feed_url"], r.json()["feed_url"])
        # no FIELDD_SECRET: a random token, its URL in the reply that issues it only
        with harness.Server(ORG.stack.url, env={"FIELDD_SECRET": ""}) as srv:
            srv.wait_ready()
            self.assertIsNone(me_calendar(srv)["feed_url"])  # issued under a secret
            r = srv.request("POST", API + "/me/calendar/rotate", token=tok)
            self.assertEqual(r.status, 200, r.text)
            once = r.json()["feed_url"]
            self.assertRegex(once, r"/cal/[A-Za-z0-9_-]{43}\.ics$")
            self.assertEqual(feed_status(srv, once), 200)
            self.assertEqual(me_calendar(srv),
                             {"feed_url": None, "webcal_url": None,
                              "issued_at": r.json()["issued_at"], "issued_now": False})
            self.assertEqual(ORG.sql("SELECT count(*) FROM calendar_tokens WHERE user_id = %d"
                                     " AND nonce IS NULL" % u["id"]), "1")
        ORG.tok["eng_sec"] = tok
        ORG.urls["eng_sec"] = r.json()

    def test_rotated_url_is_404_at_once(self):
        ORG.feed_urls("eng_c")
        old = ORG.feed_path("eng_c")
        body = ORG.call("GET", old, who=None).body
        ORG.old_paths = getattr(ORG, "old_paths", []) + [old]
        new = ORG.rotate("eng_c")
        self.assertTrue(new["issued_now"])
        self.assert_404(old)
        r = ORG.call("GET", ORG.feed_path("eng_c"), who=None)
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body, body, "the same feed behind the new URL")
        # a lead's rotation replaces the team feed URL too
        ORG.feed_urls("lead2")
        old_team = ORG.feed_path("lead2", team=True)
        ORG.old_paths.append(old_team)
        ORG.rotate("lead2")
        self.assert_404(old_team)
        self.assertEqual(ORG.feed("lead2", team=True).status, 200)

    def test_unknown_and_malformed_tokens_are_404(self):
        self.assert_404("/cal/%s.ics" % ("A" * 43))
        self.assert_404("/cal/short.ics")
        self.assert_404("/cal/%s.ics" % urllib.parse.quote("é" * 20))
        self.assert_404("/cal/%s" % ("A" * 43))  # no .ics: no such route

    def test_deactivated_owner_and_demoted_lead_lose_their_feeds(self):
        st = ORG.stack
        admin = ORG.tok["admin"]
        d = st.create_user(admin, "eng_d", "engineer", team_id=ORG.team2["id"])
        l3 = st.create_user(admin, "lead3", "lead")
        for login in ("eng_d", "lead3"):
            ORG.tok[login] = st.login(login, icaltest.PASSWORD)
            ORG.uid[login] = d["id"] if login == "eng_d" else l3["id"]
        self.assertEqual(ORG.feed("eng_d").status, 200)
        ORG.ok("PATCH", "/users/%d" % d["id"], {"active": False}, who="admin")
        self.assert_404(ORG.feed_path("eng_d"))
        self.assertEqual(ORG.feed("lead3", team=True).status, 200)
        ORG.ok("PATCH", "/users/%d" % l3["id"], {"role": "engineer"}, who="admin")
        self.assert_404(ORG.feed_path("lead3", team=True))
        self.assertEqual(ORG.feed("lead3").status, 200, "the own feed stays")


class ZzLogs(unittest.TestCase):
    """Runs last: every token used above must be absent from the server's log."""

    def test_no_token_in_the_server_log(self):
        paths = list(getattr(ORG, "old_paths", []))
        for who in ORG.urls:
            for k in ("feed_url", "team_feed_url"):
                if ORG.urls[who].get(k):
                    paths.append(ORG.urls[who][k][ORG.urls[who][k].index("/cal/"):])
        tokens = [p[5:-4] for p in paths]
        self.assertGreaterEqual(len(tokens), 6)
        # requests MHD itself complains about, each naming a token in its URL
        port = ORG.server.port
        for raw in (b"GET %s HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\n\r\n" % (paths[0].encode(),
                                                                          b"a" * 70000),
                    b"GET %s HTTP/1.1\r\nHost: x\r\nbroken header line\r\n\r\n" % paths[1].encode(),
                    b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % paths[0].encode()):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                    s.sendall(raw)
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            except OSError:
                pass
        # a client that resets the connection before the answer is sent: libmicrohttpd logs
        # "Failed to send ... for the request for `<URL>'" and the URL holds the token
        # The reset has to land while the request is in its handler: after fieldd has read
        # the request, before it sends the answer; the wait before it varies to find that.
        quoted = "for the request for `/cal/{token}.ics'"
        for k in range(100):
            if quoted in ORG.server.log_text():
                break
            with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                s.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % paths[-1].encode())
                time.sleep((k % 10) * 0.001)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01" + b"\x00" * 7)
            time.sleep(0.05)
        log = ORG.server.log_text()
        self.assertTrue(quoted in log, "MHD quoted a feed URL, with the token blanked")
        self.assertTrue('"route":"/cal/{token}.ics"' in log, "the request log has the pattern")
        for t in tokens:
            self.assertFalse(t in log, "feed token %s... is in the server log" % t[:6])
        for name, t in T.items():
            self.assertFalse(t["tracking"] in log, "tracking code of %s is in the log" % name)


if __name__ == "__main__":
    icaltest.main()
