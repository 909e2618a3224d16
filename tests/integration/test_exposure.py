"""What a stranger on the network can reach: /metrics only from the addresses in
FIELDD_METRICS_ALLOW (loopback by default), and guessing calendar-feed and tracking codes
slowed to a limited number of 404s per client address (429 with Retry-After past it)."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from support import Stack, ProblemAssertions, USER_PASSWORD  # noqa: E402

GUESS_MAX = 20  # server/http/guess.c


def setUpModule():
    global S, TOKEN
    # metrics for 127.0.0.2 and the 127.0.0.64/26 block only
    S = Stack(env={"FIELDD_METRICS_ALLOW": "127.0.0.2, 127.0.0.64/26"})
    TOKEN = S.admin_token()


def tearDownModule():
    S.close()


class Metrics(ProblemAssertions, unittest.TestCase):
    def test_only_listed_addresses_read_metrics(self):
        for src in ("127.0.0.2", "127.0.0.64", "127.0.0.127"):
            with self.subTest(src=src):
                r = S.request("GET", "/metrics", source=src)
                self.assertEqual(r.status, 200, r.text)
                self.assertIn("fieldd_http_requests_total", r.text)
        for src in ("127.0.0.1", "127.0.0.3", "127.0.0.128"):
            with self.subTest(src=src):
                r = S.request("GET", "/metrics", source=src)
                p = self.assertProblem(r, 403, "metrics_forbidden")
                self.assertIn("FIELDD_METRICS_ALLOW", p["detail"])
                self.assertNotIn("fieldd_http_requests_total", r.text)
        # a login does not open it: the rule is on the address
        r = S.request("GET", "/metrics", token=TOKEN, source="127.0.0.3")
        self.assertProblem(r, 403, "metrics_forbidden")
        # the health checks stay open to everyone
        self.assertEqual(S.request("GET", "/healthz", source="127.0.0.3").status, 200)

    def test_default_is_loopback_and_bad_lists_stop_the_start(self):
        with harness.Server(S.url) as srv:
            srv.wait_ready()
            for src in ("127.0.0.1", "127.0.0.9"):
                self.assertEqual(srv.request("GET", "/metrics", source=src).status, 200)
            self.assertEqual(srv.stop(), 0)
        with harness.Server(S.url, env={"FIELDD_METRICS_ALLOW": "*"}) as srv:
            srv.wait_ready()
            self.assertEqual(srv.request("GET", "/metrics", source="127.0.0.9").status, 200)
            self.assertEqual(srv.stop(), 0)
        for bad in ("10.0.0.0/33", "localhost", ","):
            with self.subTest(bad=bad):
                p = harness.run_fieldd(["serve"], database_url=S.url, timeout=20,
                                       env={"FIELDD_METRICS_ALLOW": bad,
                                            "FIELDD_LISTEN": "127.0.0.1:%d"
                                            % harness.free_port()})
                self.assertNotEqual(p.returncode, 0)
                self.assertIn("FIELDD_METRICS_ALLOW", p.stdout + p.stderr)


class Guessing(ProblemAssertions, unittest.TestCase):
    def test_unknown_codes_are_limited_per_address(self):
        guesser, other = "127.0.0.30", "127.0.0.31"
        for i in range(GUESS_MAX):
            path = ("/cal/%043d.ics" % i) if i % 2 else ("/t/%032d/appointment.ics" % i)
            r = S.request("GET", path, source=guesser)
            self.assertProblem(r, 404, "not_found")
        # past the limit: 429 with Retry-After, on either kind of code
        for path in ("/cal/%043d.ics" % 99, "/t/%032d/appointment.ics" % 99):
            r = S.request("GET", path, source=guesser)
            p = self.assertProblem(r, 429, "rate_limited")
            wait = int(r.headers.get("Retry-After"))
            self.assertTrue(0 < wait <= 600, wait)
            self.assertIn("seconds", p["detail"])
        # another address is not held up, and the guesser's other requests go on
        self.assertProblem(S.request("GET", "/cal/%043d.ics" % 1, source=other), 404,
                           "not_found")
        self.assertEqual(S.request("GET", "/healthz", source=guesser).status, 200)
        self.assertEqual(S.request("GET", "/api/v1/me", token=TOKEN, source=guesser).status,
                         200)

    def test_a_good_feed_url_is_never_limited(self):
        S.create_user(TOKEN, "polling-eng", "engineer")
        tok = S.login("polling-eng", USER_PASSWORD)
        r = S.request("GET", "/api/v1/me/calendar", token=tok)
        self.assertEqual(r.status, 200, r.text)
        url = r.json()["feed_url"]
        path = url[url.index("/cal/"):]
        for _ in range(GUESS_MAX + 5):
            r = S.request("GET", path, source="127.0.0.40")
            self.assertEqual(r.status, 200, r.text[:200])


if __name__ == "__main__":
    harness.main()
