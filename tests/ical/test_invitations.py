"""The customer's appointment, GET /t/{tracking}/appointment.ics, from a running fieldd:
an iTIP invitation that libical's own icalrestriction_check accepts (REQUEST, then CANCEL),
that ical.js and python3-icalendar read as the visit (same UID as the engineer's feed,
Seoul times), that a reschedule keeps the UID and raises SEQUENCE, and that carries no
engineer's phone number or e-mail address.

Run: FIELDD_BIN=build/dev/fieldd ICAL_CHECK=build/dev/tests/ical_check \
     /usr/bin/python3 tests/ical/test_invitations.py
"""

import datetime as dt
import hashlib
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import icaltest  # noqa: E402
from icaltest import LONG_SYMPTOM, by_uid, epoch, ical_check, icaljs, lines, pyical, unfold  # noqa: E402

ORG = None


def setUpModule():
    global ORG
    ORG = icaltest.Org()


def tearDownModule():
    if ORG:
        ORG.close()


def appointment(ticket, headers=None):
    return ORG.call("GET", "/t/%s/appointment.ics" % ticket["tracking"], who=None,
                    headers=headers)


class Invitation(unittest.TestCase):
    maxDiff = None

    def assert_itip(self, body, method):
        rc, out = ical_check(body)
        self.assertEqual(rc, 0, out)
        self.assertIn("METHOD:%s passes" % method, out)

    def test_request_reschedule_cancel(self):
        t = ORG.ticket("vip", symptom=LONG_SYMPTOM)
        v = ORG.visit(t, "eng_a", "lead1")
        r = appointment(t)
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(r.headers["Content-Type"], "text/calendar; charset=utf-8; method=REQUEST")
        self.assertEqual(r.headers["ETag"], '"%s"' % hashlib.sha256(r.body).hexdigest())
        self.assertEqual(r.headers["Cache-Control"], "private")
        self.assertEqual(r.headers["Content-Disposition"],
                         'attachment; filename="%s.ics"' % t["number"])
        for l in lines(r.body):
            self.assertLessEqual(len(l), 75)
            l.decode("utf-8")
        self.assert_itip(r.body, "REQUEST")
        text = unfold(r.body).decode()
        self.assertIn("\r\nORGANIZER;CN=fieldd:mailto:dispatch@fieldd.invalid\r\n", text)
        self.assertIn("\r\nATTENDEE;CN=한상무;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;"
                      "RSVP=FALSE:mailto:han@customer.kr\r\n", text)
        self.assertEqual(text.count("BEGIN:VTIMEZONE"), 1)
        # the engineer and the lead are named, never their phones or addresses
        for login in ("eng_a", "lead1"):
            u = ORG.ok("GET", "/users/%d" % ORG.uid[login])
            self.assertIn(u["name"], text)
            self.assertNotIn(u["phone"], text)
            self.assertNotIn(u["email"], text)
        self.assertNotIn("/m/#/visits", text, "no link into the engineers' app")
        self.assertIn("/t/%s" % t["tracking"], text)

        js = icaljs(r.body)
        py = pyical(r.body)
        self.assertEqual((js["method"], py["method"]), ("REQUEST", "REQUEST"))
        for p in (js, py):
            (e,) = p["events"]
            self.assertEqual(e["uid"], v["uid"], "the invitation's UID is the visit's")
            self.assertEqual(e["sequence"], v["sequence"])
            self.assertEqual(e["start"]["epoch"], epoch(v["start"]))
            self.assertFalse(e["start"]["floating"])
            self.assertEqual(e["status"], "TENTATIVE")
            self.assertEqual(e["attendees"], ["mailto:han@customer.kr"])
            self.assertEqual(e["organizer"], "mailto:dispatch@fieldd.invalid")
        self.assertIn(LONG_SYMPTOM, js["events"][0]["description"])
        # the same UID as in the engineer's own calendar
        self.assertIn(v["uid"], by_uid(icaljs(ORG.feed("eng_a").body)))

        # reschedule: the pre-call moves the window; same UID, higher SEQUENCE, new time
        start, end = ORG.slot()
        moved = ORG.step(v, "precall", {"outcome": "reschedule", "start": start.isoformat(),
                                        "end": end.isoformat(), "note": "고객 요청"})
        r2 = appointment(t, headers={"If-None-Match": r.headers["ETag"]})
        self.assertEqual(r2.status, 200)
        self.assert_itip(r2.body, "REQUEST")
        for p in (icaljs(r2.body), pyical(r2.body)):
            (e,) = p["events"]
            self.assertEqual(e["uid"], v["uid"])
            self.assertGreater(e["sequence"], v["sequence"])
            self.assertEqual(e["sequence"], moved["sequence"])
            self.assertEqual(e["start"]["epoch"], int(start.timestamp()))
            self.assertEqual(e["status"], "CONFIRMED")
        # unchanged: 304
        r3 = appointment(t, headers={"If-None-Match": r2.headers["ETag"]})
        self.assertEqual((r3.status, r3.body), (304, b""))
        self.assertEqual(r3.headers["ETag"], r2.headers["ETag"])

        # cancellation: METHOD:CANCEL, same UID, higher SEQUENCE, STATUS:CANCELLED
        cancelled = ORG.step(v, "cancel", {"reason": "고객 출장"})
        r4 = appointment(t)
        self.assertEqual(r4.headers["Content-Type"], "text/calendar; charset=utf-8; method=CANCEL")
        self.assert_itip(r4.body, "CANCEL")
        for p in (icaljs(r4.body), pyical(r4.body)):
            self.assertEqual(p["method"], "CANCEL")
            (e,) = p["events"]
            self.assertEqual(e["uid"], v["uid"])
            self.assertEqual(e["status"], "CANCELLED")
            self.assertEqual(e["sequence"], cancelled["sequence"])
            self.assertGreater(e["sequence"], moved["sequence"])

    def test_latest_visit_of_the_ticket(self):
        t = ORG.ticket("staff")
        first = ORG.visit(t, "eng_b")
        ORG.step(first, "cancel", {"reason": "엔지니어 일정 변경"})
        second = ORG.visit(t, "eng_b")
        r = appointment(t)
        self.assert_itip(r.body, "REQUEST")
        (e,) = icaljs(r.body)["events"]
        self.assertEqual(e["uid"], second["uid"])

    def test_customer_without_email_still_gets_a_valid_invitation(self):
        t = ORG.ticket("noemail")
        ORG.visit(t, "eng_c")
        r = appointment(t)
        self.assert_itip(r.body, "REQUEST")
        (e,) = pyical(r.body)["events"]
        self.assertEqual(e["attendees"], ["mailto:%s@customer.invalid" % t["number"]])

    def test_unknown_tracking_and_no_visit_are_404(self):
        for path in ("/t/%s/appointment.ics" % ("B" * 43), "/t/x/appointment.ics"):
            r = ORG.call("GET", path, who=None)
            self.assertEqual(r.status, 404, path)
            self.assertEqual(r.json()["code"], "not_found")
        t = ORG.ticket("staff")
        r = appointment(t)
        self.assertEqual(r.status, 404)
        self.assertEqual(r.json()["detail"], "no appointment for this ticket yet")

    def test_zz_tracking_codes_stay_out_of_the_log(self):
        log = ORG.server.log_text()
        self.assertTrue('"route":"/t/{tracking}/appointment.ics"' in log)
        for tracking in ORG.sql("SELECT tracking FROM tickets").split():
            self.assertFalse(tracking in log, "tracking code %s... in the log" % tracking[:6])


if __name__ == "__main__":
    icaltest.main()
