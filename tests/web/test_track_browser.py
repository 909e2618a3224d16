"""The customer's tracking page in a real browser (tests/web/track_browser.mjs: Debian's
chromium through playwright-core, 320 px, axe-core WCAG 2.x A/AA): a running fieldd with a
confirmed visit and two completed ones; the survey sent with the plain form with JavaScript
off, and again (another ticket) with JavaScript on under the page's own CSP.

Run: FIELDD_BIN=build/dev/fieldd /usr/bin/python3 tests/web/test_track_browser.py
(scripts/npm.sh installs playwright-core and axe-core from package-lock.json).
"""

import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, os.path.join(HERE, "..", "ical"))
import harness  # noqa: E402
import icaltest  # noqa: E402
from outbox_support import complete_visit, customer, delivery_env  # noqa: E402


class TrackingPageInABrowser(unittest.TestCase):
    def test_browser(self):
        if not os.path.isdir(os.path.join(HERE, "node_modules", "playwright-core")):
            self.fail("playwright-core is not installed: run scripts/npm.sh")
        org = icaltest.Org(env=delivery_env())
        try:
            key, _ = customer(org, "sms", name="정고객")
            t1 = org.ticket(key)
            v1 = org.visit(t1, "eng_a")
            org.step(v1, "precall", {"outcome": "reached", "note": "통화"})
            org.ok("POST", "/tickets/%d/delay" % t1["id"], {
                "reason": "부품 입고 지연", "new_due_at": "2099-03-01T10:00:00+09:00"})
            t2 = org.ticket(key)
            complete_visit(org, org.visit(t2, "eng_b"))
            t3 = org.ticket(key)
            complete_visit(org, org.visit(t3, "eng_a"))
            base = org.server.base_url
            env = dict(os.environ, TRACK_CONFIRMED="%s/t/%s" % (base, t1["tracking"]),
                       TRACK_DONE="%s/t/%s" % (base, t2["tracking"]),
                       TRACK_DONE_JS="%s/t/%s" % (base, t3["tracking"]))
            p = subprocess.run(["node", "--test", "--test-reporter=spec",
                                os.path.join(HERE, "track_browser.mjs")], env=env, cwd=HERE,
                               capture_output=True, text=True, timeout=240)
            self.assertEqual(p.returncode, 0, p.stdout[-4000:] + p.stderr[-2000:])
            self.assertEqual(org.sql("SELECT rating || '|' || comment FROM surveys WHERE"
                                     " ticket_id = %d" % t2["id"]), "4|친절하게 설명해 주셨습니다")
            self.assertEqual(org.sql("SELECT rating || '|' || comment FROM surveys WHERE"
                                     " ticket_id = %d" % t3["id"]), "2|도착이 늦었습니다")
        finally:
            org.close()


if __name__ == "__main__":
    harness.main()
