"""fieldd against a database that goes away: 503 with Retry-After while PostgreSQL is down,
/healthz alive and /readyz not ready, served again once it is back (no restart of fieldd);
commands failing with one line when the database cannot be reached; lock_timeout turning a
stuck query into 503; overload answered at once; SIGTERM/SIGINT finishing in-flight work."""

import http.client
import os
import select
import signal
import socket
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from support import (Stack, PsqlHold, ProblemAssertions, ADMIN_PASSWORD,  # noqa: E402
                     USER_PASSWORD, metric_value)


def setUpModule():
    global S, TOKEN
    S = Stack()
    TOKEN = S.admin_token()


def tearDownModule():
    S.close()


class InBackground:
    """Run one request in a thread; .result (Response or exception) after join()."""

    def __init__(self, fn):
        self.result = None
        self.t = threading.Thread(target=self._run, args=(fn,), daemon=True)
        self.t.start()

    def _run(self, fn):
        try:
            self.result = fn()
        except Exception as e:  # noqa: BLE001 - reported by the test
            self.result = e

    def join(self, timeout=20):
        self.t.join(timeout)
        return self.result


def timed(fn):
    t0 = time.monotonic()
    r = fn()
    return r, time.monotonic() - t0


class DatabaseDown(ProblemAssertions, unittest.TestCase):
    def down_checks(self):
        r, took = timed(lambda: S.request("GET", "/api/v1/me", token=TOKEN))
        self.assertProblem(r, 503, "database_unavailable")
        self.assertGreater(int(r.headers.get("Retry-After", "0")), 0)
        self.assertLess(took, 8)
        for method, path, body in (("GET", "/api/v1/users", None),
                                   ("POST", "/api/v1/teams", {"name": "x", "lead_id": 1})):
            r = S.request(method, path, body=body, token=TOKEN)
            self.assertProblem(r, 503, "database_unavailable")
            self.assertTrue(r.headers.get("Retry-After"))
        r = S.request("POST", "/api/v1/session",
                      body={"login": "admin", "password": ADMIN_PASSWORD})
        self.assertProblem(r, 503, "database_unavailable")
        self.assertIsNone(r.headers.get("Set-Cookie"))
        self.assertEqual(S.request("GET", "/healthz").status, 200)
        r = S.request("GET", "/readyz")
        self.assertProblem(r, 503, "database_unavailable")
        self.assertTrue(r.headers.get("Retry-After"))
        # the router still answers what needs no database
        self.assertEqual(S.request("GET", "/nope").status, 404)
        self.assertEqual(S.request("GET", "/metrics").status, 200)
        self.assertTrue(S.server.alive())

    def up_checks(self):
        # the very first request after the database is back is served; so are the next ones
        # (which land on other worker threads, each with its own dead connection)
        for i in range(12):
            r = S.request("GET", "/api/v1/me", token=TOKEN)
            self.assertEqual(r.status, 200, "request %d after restart: %r" % (i, r))
        self.assertEqual(S.request("GET", "/readyz").status, 200)
        self.assertEqual(S.request("GET", "/api/v1/users", token=TOKEN).status, 200)

    def test_fast_shutdown_and_back(self):
        self.assertEqual(S.request("GET", "/api/v1/me", token=TOKEN).status, 200)
        S.cluster.stop("fast")
        try:
            self.down_checks()
        finally:
            S.cluster.start()
        self.up_checks()
        r = S.request("POST", "/api/v1/users", token=TOKEN,
                      body={"login": "after-outage", "name": "A", "role": "engineer",
                            "password": USER_PASSWORD})
        self.assertEqual(r.status, 201, r.text)
        m = S.request("GET", "/metrics").text
        self.assertGreater(metric_value(m, "fieldd_db_reconnects_total"), 0)
        self.assertGreaterEqual(metric_value(m, "fieldd_db_connections"), 1)

    def test_crash_and_back(self):
        self.assertEqual(S.request("GET", "/api/v1/teams", token=TOKEN).status, 200)
        S.cluster.stop("immediate")
        try:
            self.down_checks()
        finally:
            S.cluster.start()
        self.up_checks()

    def test_stale_connections_are_replaced_without_a_503(self):
        # Every worker holds a connection; PostgreSQL restarts while fieldd is idle, so each
        # worker's next query meets a dead connection: it must reconnect, not answer 503.
        # A request goes to the worker that went idle last, so 16 requests sent at once
        # (each before any answer is read) keep every worker busy.
        def on_every_worker():
            conns = [http.client.HTTPConnection("127.0.0.1", S.server.port, timeout=10) for _ in range(16)]
            try:
                for c in conns:
                    c.connect()
                for c in conns:
                    c.request("GET", "/api/v1/me", headers={"Authorization": "Bearer " + TOKEN})
                statuses = []
                for c in conns:
                    r = c.getresponse()
                    r.read()
                    statuses.append(r.status)
                return statuses
            finally:
                for c in conns:
                    c.close()

        for mode in ("fast", "immediate"):
            with self.subTest(mode=mode):
                self.assertEqual(on_every_worker(), [200] * 16)
                # every worker holds a connection again (an idle one reconnects within
                # its one-second tick after the previous restart)
                deadline = time.monotonic() + 10
                while True:
                    m = S.request("GET", "/metrics").text
                    if metric_value(m, "fieldd_db_connections") >= 4 or time.monotonic() > deadline:
                        break
                    time.sleep(0.1)
                self.assertGreaterEqual(metric_value(m, "fieldd_db_connections"), 4, m)
                S.cluster.restart(mode)
                self.assertEqual(on_every_worker(), [200] * 16)
                self.assertEqual(S.request("GET", "/readyz").status, 200)

    def test_commands_fail_with_one_line_while_down(self):
        S.cluster.stop("fast")
        try:
            # (serve starts anyway and waits for the database: test_connections.py)
            cases = [(["migrate"], None),
                     (["user", "add", "--login", "newbie", "--role", "engineer", "--name", "N"],
                      USER_PASSWORD + "\n"),
                     (["user", "passwd", "--login", "admin"], "another-password-1\n")]
            for args, stdin in cases:
                with self.subTest(args=args):
                    p, took = timed(lambda: harness.run_fieldd(
                        args, input=stdin, database_url=S.url,
                        env={"FIELDD_LISTEN": "127.0.0.1:%d" % harness.free_port()}))
                    self.assertEqual(p.returncode, 1, p.stderr)
                    lines = p.stderr.strip().splitlines()
                    self.assertEqual(len(lines), 1, p.stderr)
                    self.assertIn("could not connect to the database", lines[0])
                    self.assertLess(took, 15)
        finally:
            S.cluster.start()
        self.assertEqual(S.sql("SELECT count(*) FROM users WHERE login = 'newbie'"), "0")

    def test_unreachable_url_does_not_leak_its_password(self):
        url = "postgresql://fieldd:Sup3rSecretPw@127.0.0.1:%d/fieldd" % harness.free_port()
        p = harness.run_fieldd(["migrate"], database_url=url)
        self.assertEqual(p.returncode, 1)
        self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
        self.assertNotIn("Sup3rSecretPw", p.stderr + p.stdout)
        # serve starts without its database, not ready, and logs no password either
        with harness.Server(url) as srv:
            srv.wait_ready()
            r = srv.request("GET", "/readyz")
            self.assertProblem(r, 503, "database_unavailable")
            self.assertEqual(srv.stop(), 0)
            self.assertIn("could not connect to the database", srv.log_text())
            self.assertNotIn("Sup3rSecretPw", srv.log_text())


class SlowDatabase(ProblemAssertions, unittest.TestCase):
    def test_lock_timeout_turns_into_503(self):
        with PsqlHold(S.cluster, S.dbname) as h:
            h.run("BEGIN; LOCK TABLE users IN ACCESS EXCLUSIVE MODE;")
            try:
                r, took = timed(lambda: S.request("GET", "/api/v1/me", token=TOKEN,
                                                  timeout=20))
            finally:
                h.run("ROLLBACK;")
        self.assertProblem(r, 503, "database_unavailable")
        self.assertTrue(r.headers.get("Retry-After"))
        self.assertLess(took, 10)
        self.assertEqual(S.request("GET", "/api/v1/me", token=TOKEN).status, 200)

    def test_overload_is_refused_at_once(self):
        with harness.Server(S.url, env={"FIELDD_MAX_INFLIGHT": "1"}) as srv:
            srv.wait_ready()
            with PsqlHold(S.cluster, S.dbname) as h:
                h.run("BEGIN; LOCK TABLE users IN ACCESS EXCLUSIVE MODE;")
                try:
                    slow = InBackground(lambda: srv.request("GET", "/api/v1/me", token=TOKEN,
                                                            timeout=20))
                    time.sleep(0.4)
                    r, took = timed(lambda: srv.request("GET", "/api/v1/teams", token=TOKEN))
                    self.assertProblem(r, 503, "overloaded")
                    self.assertTrue(r.headers.get("Retry-After"))
                    self.assertLess(took, 1.0)
                finally:
                    h.run("ROLLBACK;")
            r = slow.join()
            self.assertIsInstance(r, harness.Response, r)
            self.assertEqual(r.status, 200, r.text)
            self.assertEqual(srv.request("GET", "/api/v1/teams", token=TOKEN).status, 200)
            self.assertEqual(srv.stop(), 0, srv.log_text()[-3000:])


class Limits(ProblemAssertions, unittest.TestCase):
    """Connection limits answer at once instead of queueing."""

    def idle_connections(self, srv, n):
        """n connections fieldd has admitted and keeps open. One opened while a connection
        of wait_ready() was still closing on the server's side would be refused (503 and
        closed): such ones are replaced."""
        socks = []
        for _ in range(5):
            while len(socks) < n:
                socks.append(socket.create_connection(("127.0.0.1", srv.port), timeout=5))
            time.sleep(0.3)  # let fieldd accept them
            readable, _, _ = select.select(socks, [], [], 0)
            for s in readable:
                s.close()
                socks.remove(s)
            if not readable:
                break
        return socks

    def served_again(self, srv):
        deadline = time.monotonic() + 5
        while True:
            try:
                r = srv.request("GET", "/api/v1/me", token=TOKEN, timeout=2)
                if r.status == 200:
                    return
            except (OSError, http.client.HTTPException):
                pass
            if time.monotonic() > deadline:
                self.fail("not served again after the connections closed")
            time.sleep(0.1)

    def test_past_the_connection_limit_is_503(self):
        with harness.Server(S.url, env={"FIELDD_CONN_LIMIT": "8"}) as srv:
            srv.wait_ready()
            socks = self.idle_connections(srv, 8)
            try:
                r, took = timed(lambda: srv.request("GET", "/api/v1/me", token=TOKEN))
                self.assertProblem(r, 503, "overloaded")
                self.assertTrue(r.headers.get("Retry-After"))
                self.assertLess(took, 2)
            finally:
                for s in socks:
                    s.close()
            self.served_again(srv)
            self.assertEqual(srv.stop(), 0)

    def test_per_address_limit(self):
        with harness.Server(S.url, env={"FIELDD_PER_IP_LIMIT": "3"}) as srv:
            srv.wait_ready()
            socks = self.idle_connections(srv, 3)
            try:
                r, took = timed(lambda: srv.request("GET", "/api/v1/me", token=TOKEN,
                                                    timeout=5))
                self.assertProblem(r, 503, "overloaded")
                self.assertTrue(r.headers.get("Retry-After"))
                self.assertIn("address", r.json()["detail"])
                self.assertLess(took, 3)
            finally:
                for s in socks:
                    s.close()
            self.served_again(srv)
            self.assertEqual(srv.stop(), 0)

    def test_idle_and_slow_connections_time_out(self):
        with harness.Server(S.url, env={"FIELDD_CONN_TIMEOUT": "1"}) as srv:
            srv.wait_ready()
            with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as s:
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")  # never ends
                t0 = time.monotonic()
                try:
                    data = s.recv(4096)
                except ConnectionResetError:
                    data = b""
                took = time.monotonic() - t0
            self.assertNotIn(b"200 OK", data)
            self.assertLess(took, 5, "a half-sent request held the connection open")
            self.assertEqual(srv.request("GET", "/healthz").status, 200)
            self.assertEqual(srv.stop(), 0)


class Shutdown(ProblemAssertions, unittest.TestCase):
    def test_sigterm_finishes_the_request_in_flight(self):
        srv = harness.Server(S.url).wait_ready()
        try:
            with PsqlHold(S.cluster, S.dbname) as h:
                h.run("BEGIN; LOCK TABLE users IN ACCESS EXCLUSIVE MODE;")
                try:
                    slow = InBackground(lambda: srv.request("GET", "/api/v1/me", token=TOKEN,
                                                            timeout=20))
                    time.sleep(0.4)
                    srv.proc.send_signal(signal.SIGTERM)
                    time.sleep(0.4)
                    self.assertTrue(srv.alive(), "fieldd exited with a request in flight")
                    # new connections are refused at once (not left hanging in a backlog)
                    t0 = time.monotonic()
                    with self.assertRaises((ConnectionRefusedError, ConnectionResetError)):
                        harness.request(srv.base_url, "GET", "/healthz", timeout=3)
                    self.assertLess(time.monotonic() - t0, 1)
                finally:
                    h.run("COMMIT;")
            r = slow.join()
            self.assertIsInstance(r, harness.Response, r)
            self.assertEqual(r.status, 200, r.text)
            self.assertEqual(r.json()["login"], "admin")
            self.assertEqual(srv.stop(timeout=10), 0, srv.log_text())
            self.assertIn("SIGTERM", srv.log_text())
        finally:
            srv.close()

    def test_sigint_exits_zero(self):
        with harness.Server(S.url) as srv:
            srv.wait_ready()
            self.assertEqual(srv.request("GET", "/api/v1/me", token=TOKEN).status, 200)
            self.assertEqual(srv.stop(sig=signal.SIGINT), 0, srv.log_text())

    def test_port_is_free_after_exit(self):
        with harness.Server(S.url) as srv:
            srv.wait_ready()
            port = srv.port
            self.assertEqual(srv.stop(), 0)
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", port))


if __name__ == "__main__":
    harness.main()
