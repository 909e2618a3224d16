"""Shared fixtures for the fieldd integration tests (stdlib only; not a test module).

    Stack      cluster + migrated database + admin account + running `fieldd serve`
    PsqlHold   an open psql session for holding locks while fieldd works
    raw_http   one hand-written HTTP exchange on a raw socket
    ProblemAssertions  mixin: assertProblem(resp, status, code)
"""

import datetime as dt
import os
import queue
import socket
import subprocess
import threading
import time

import harness

ADMIN_LOGIN = "admin"
ADMIN_PASSWORD = "admin-pass-Zq8!xv3"  # >= 12 characters
USER_PASSWORD = "user-pass-Kd7#mw2p"
PROBLEM_TYPE_PREFIX = "https://fieldd.dev/problems/"


class Stack:
    """A private cluster with one database migrated by `fieldd migrate`, an admin created by
    `fieldd user add` (password on stdin) and a `fieldd serve` on it.

    Stack(env=None, dbname="fieldd", serve=True)
      .cluster .url .dbname .server .admin_id
      sql(q) -> stripped psql output; login(login, pw) -> token; admin_token() (cached);
      create_user(token, login, role, password=USER_PASSWORD, **fields) -> user dict;
      post(path, body, token) -> the JSON of a 201 (anything else raises)
    """

    def __init__(self, env=None, dbname="fieldd", serve=True):
        self.cluster = harness.Cluster()
        self.server = None
        self._admin_token = None
        try:
            self.dbname = dbname
            self.url = self.cluster.create_database(dbname)
            p = harness.run_fieldd(["migrate"], database_url=self.url)
            if p.returncode != 0:
                raise harness.HarnessError("fieldd migrate failed: %s%s" % (p.stdout, p.stderr))
            p = harness.run_fieldd(["user", "add", "--login", ADMIN_LOGIN, "--role", "admin",
                                    "--name", "First Admin"], input=ADMIN_PASSWORD + "\n",
                                   database_url=self.url)
            if p.returncode != 0:
                raise harness.HarnessError("fieldd user add failed: %s%s" % (p.stdout, p.stderr))
            self.admin_id = int(self.sql("SELECT id FROM users WHERE login = 'admin'"))
            if serve:
                self.server = harness.Server(self.url, env=env).wait_ready()
        except BaseException:
            self.close(check=False)
            raise

    def close(self, check=True):
        """Stop fieldd (SIGTERM) and remove everything. With check, a fieldd that does not
        exit 0 (a crash, a sanitizer report) raises HarnessError with its log's tail."""
        problem = None
        if self.server is not None:
            if self.server.alive():
                try:
                    rc = self.server.stop()
                    if rc != 0:
                        problem = "fieldd exited with %s on SIGTERM" % rc
                except harness.HarnessError as e:
                    problem = str(e)
            elif self.server.proc is not None and self.server.proc.returncode != 0:
                problem = "fieldd had exited with %s" % self.server.proc.returncode
            log = self.server.log_text()
            self.server.close()
        self.cluster.destroy()
        if check and problem:
            raise harness.HarnessError("%s\n--- fieldd log (tail) ---\n%s"
                                       % (problem, log[-4000:]))

    def sql(self, q):
        return self.cluster.psql(q, db=self.dbname).strip()

    def request(self, method, path, **kw):
        return self.server.request(method, path, **kw)

    def login(self, login, password):
        r = self.request("POST", "/api/v1/session", body={"login": login, "password": password})
        if r.status != 201:
            raise AssertionError("login %s: %r" % (login, r))
        return r.json()["token"]

    def admin_token(self):
        if self._admin_token is None:
            self._admin_token = self.login(ADMIN_LOGIN, ADMIN_PASSWORD)
        return self._admin_token

    def post(self, path, body, token):
        """POST /api/v1<path> expecting 201: the reply's JSON; a set-up step that fails raises."""
        r = self.request("POST", "/api/v1" + path, body=body, token=token)
        if r.status != 201:
            raise harness.HarnessError("POST %s: %d %s" % (path, r.status, r.text))
        return r.json()

    def intake(self, token, customer_id, asset_tag, server=None):
        """A desktop for the customer and a ticket on it, taken in over the API (through
        server, another fieldd process, when given): the ticket."""
        srv = server or self.server

        def post(path, body):
            r = srv.request("POST", "/api/v1" + path, body=body, token=token)
            if r.status != 201:
                raise harness.HarnessError("POST %s: %d %s" % (path, r.status, r.text))
            return r.json()

        dev = post("/devices", {"asset_tag": asset_tag, "kind": "desktop",
                                "customer_id": customer_id, "model": "OptiPlex 7090",
                                "location": {"building": "본관", "floor": "3", "room": "301"}})
        return post("/tickets", {"customer_id": customer_id, "device_id": dev["id"],
                                 "fault_code": "NO_BOOT", "symptom": "전원이 들어오지 않음",
                                 "channel": "phone", "verification": "callback"})

    def assign_slot(self, token, ticket, engineer_id, slot):
        """Books the ticket's visit for the engineer in an hour of its own (slot n, from the
        day after tomorrow on): the visit."""
        day = dt.datetime.now(dt.timezone.utc).replace(hour=0, minute=0, second=0,
                                                      microsecond=0)
        start = day + dt.timedelta(days=2 + slot // 10, hours=1 + slot % 10)
        r = self.request("POST", "/api/v1/tickets/%d/assign" % ticket, token=token,
                         body={"engineer_id": engineer_id, "reason": "담당 지정",
                               "start": start.isoformat(),
                               "end": (start + dt.timedelta(hours=1)).isoformat()})
        if r.status not in (200, 201):
            raise harness.HarnessError("assign: %d %s" % (r.status, r.text))
        return r.json()

    def create_user(self, token, login, role, password=USER_PASSWORD, **fields):
        body = {"login": login, "name": login.title(), "role": role, "password": password}
        body.update(fields)
        r = self.request("POST", "/api/v1/users", body=body, token=token)
        if r.status != 201:
            raise AssertionError("create user %s: %r" % (login, r))
        return r.json()


class PsqlHold:
    """An interactive psql session (superuser, over the cluster's socket) kept open so that
    a test can take locks, let fieldd run into them, and release them later.

        h = PsqlHold(cluster, db); h.run("BEGIN; LOCK TABLE users;"); ...; h.close()
    run() waits until psql has executed the statements (it echoes a marker)."""

    def __init__(self, cluster, db):
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        self.proc = subprocess.Popen(
            [os.path.join(cluster.bindir, "psql"), "-X", "-A", "-t", "-q", "-v",
             "ON_ERROR_STOP=1", "-h", cluster.sockdir, "-p", str(cluster.port),
             "-U", "postgres", "-d", db],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, env=env, bufsize=1)
        self._lines = queue.Queue()
        self._n = 0
        self._thread = threading.Thread(target=self._reader, daemon=True)
        self._thread.start()

    def _reader(self):
        for line in self.proc.stdout:
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def run(self, sql, timeout=15):
        """Execute sql; returns the output lines before the marker."""
        self._n += 1
        marker = "psqlhold-done-%d" % self._n
        self.proc.stdin.write("%s\nSELECT '%s';\n" % (sql, marker))
        self.proc.stdin.flush()
        out = []
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self._lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                raise harness.HarnessError("psql did not finish %r in %ss; output %r"
                                           % (sql, timeout, out)) from None
            if line is None:
                raise harness.HarnessError("psql exited during %r; output %r" % (sql, out))
            if line == marker:
                return out
            out.append(line)

    def close(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._thread.join(5)
        if self.proc.stdout and not self._thread.is_alive():
            self.proc.stdout.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def raw_http(port, data, timeout=10, host="127.0.0.1"):
    """Send data (bytes) on a fresh TCP connection, half-close, read until the server closes.
    Returns the raw bytes received."""
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.sendall(data)
        try:
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        chunks = []
        while True:
            try:
                b = s.recv(65536)
            except ConnectionResetError:
                break
            if not b:
                break
            chunks.append(b)
        return b"".join(chunks)


def split_responses(raw):
    """Parse concatenated HTTP/1.1 responses (Content-Length framed) into
    [(status, headers dict lower-cased, body bytes)]."""
    out = []
    while raw:
        head, sep, rest = raw.partition(b"\r\n\r\n")
        if not sep:
            raise AssertionError("truncated response: %r" % raw[:200])
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        hdrs = {}
        for l in lines[1:]:
            k, _, v = l.partition(":")
            hdrs[k.strip().lower()] = v.strip()
        n = int(hdrs.get("content-length", "0"))
        out.append((status, hdrs, rest[:n]))
        raw = rest[n:]
    return out


class ProblemAssertions:
    """Mixin for unittest.TestCase."""

    def assertProblem(self, r, status, code, field=None):
        """r is a problem+json reply with this status and code (and, with field, a
        validation error naming field). Returns the parsed body."""
        self.assertEqual(r.status, status, r.text)
        ct = r.headers.get("Content-Type", "")
        self.assertTrue(ct.startswith("application/problem+json"), ct)
        p = r.json()
        self.assertIsInstance(p, dict, r.text)
        self.assertEqual(p.get("status"), status, p)
        self.assertEqual(p.get("code"), code, p)
        self.assertEqual(p.get("type"), PROBLEM_TYPE_PREFIX + code, p)
        self.assertIsInstance(p.get("title"), str, p)
        self.assertTrue(p["title"], p)
        self.assertEqual(p.get("request_id"), r.headers.get("X-Request-Id"), p)
        if field is not None:
            fields = [e.get("field") for e in p.get("errors", [])]
            self.assertIn(field, fields, p)
        return p


def metric_value(text, name, **labels):
    """Value of one Prometheus sample (0.0 when absent)."""
    want = ",".join('%s="%s"' % kv for kv in labels.items())
    prefix = "%s{%s}" % (name, want) if labels else name
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        sample, _, value = line.rpartition(" ")
        if sample == prefix:
            return float(value)
    return 0.0


__all__ = ["Stack", "PsqlHold", "raw_http", "split_responses", "ProblemAssertions",
           "metric_value", "ADMIN_LOGIN", "ADMIN_PASSWORD", "USER_PASSWORD"]
