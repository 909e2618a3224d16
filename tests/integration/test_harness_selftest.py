"""Self-test of harness.py: Cluster lifecycle, request(), and Server against a stand-in
fieldd written in Python (the real binary is not needed)."""

import os
import stat
import subprocess
import sys
import tempfile
import textwrap
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

FAKE_FIELDD = textwrap.dedent('''\
    #!%s
    import json, os, signal, sys
    from http.server import BaseHTTPRequestHandler, HTTPServer
    if sys.argv[1:2] == ["serve"]:
        host, port = os.environ["FIELDD_LISTEN"].rsplit(":", 1)
        class H(BaseHTTPRequestHandler):
            def _send(self, code, obj):
                b = json.dumps(obj).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(b)))
                self.end_headers()
                self.wfile.write(b)
            def do_GET(self):
                if self.path == "/healthz":
                    self._send(200, {"ok": True})
                else:
                    self._send(404, {"error": "not_found"})
            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                self._send(200, {"echo": json.loads(self.rfile.read(n) or b"null"),
                                 "auth": self.headers.get("authorization"),
                                 "ctype": self.headers.get("content-type")})
            def log_message(self, fmt, *a):
                sys.stderr.write("fake fieldd: " + (fmt %% a) + "\\n")
        srv = HTTPServer((host, int(port)), H)
        def term(*_):
            sys.stderr.write("fake fieldd: SIGTERM\\n")
            sys.stderr.flush()
            os._exit(0)
        signal.signal(signal.SIGTERM, term)
        sys.stderr.write("fake fieldd: listening db=%%s\\n" %% os.environ["DATABASE_URL"])
        sys.stderr.flush()
        srv.serve_forever()
    elif sys.argv[1:3] == ["user", "add"]:
        pw = sys.stdin.read().strip()
        print("added %%s pwlen=%%d" %% (sys.argv[sys.argv.index("--login") + 1], len(pw)))
    else:
        sys.exit(2)
''') % sys.executable


def setUpModule():
    global CL
    CL = harness.Cluster()


def tearDownModule():
    CL.destroy()


class ClusterTest(unittest.TestCase):
    def test_lifecycle(self):
        self.assertTrue(CL.running())
        url = CL.create_database("selftest")
        self.assertIn("user=fieldd", url)
        self.assertIn("host=%2Ftmp%2Ffieldd-test-", url)
        self.assertEqual(CL.psql("select 1").strip(), "1")
        self.assertEqual(CL.psql("select pg_get_userbyid(datdba) from pg_database "
                                 "where datname = 'selftest'").strip(), "fieldd")
        # The URI is usable by libpq as role fieldd (not superuser).
        out = subprocess.run([os.path.join(CL.bindir, "psql"), "-X", "-A", "-t", "-c",
                              "select current_user, current_database(), "
                              "(select rolsuper from pg_roles where rolname = current_user)",
                              url], capture_output=True, text=True, timeout=30)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(out.stdout.strip(), "fieldd|selftest|f")
        CL.psql("create table t(x int); insert into t values (42)", db="selftest")
        CL.restart()
        self.assertTrue(CL.running())
        self.assertEqual(CL.psql("select x from t", db="selftest").strip(), "42")
        CL.stop("immediate")
        self.assertFalse(CL.running())
        CL.start()
        self.assertEqual(CL.psql("select x from t", db="selftest").strip(), "42")
        with self.assertRaises(harness.HarnessError):
            CL.psql("select nope")

    def test_second_cluster_destroyed(self):
        with harness.Cluster() as c2:
            self.assertNotEqual(c2.port, CL.port)
            c2.create_database("x")
            d = c2.dir
            self.assertTrue(os.path.isdir(d))
        self.assertFalse(os.path.exists(d))


class ServerTest(unittest.TestCase):
    """Server against a stand-in binary."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="fieldd-fake-")
        cls.bin = os.path.join(cls.tmp, "fieldd")
        with open(cls.bin, "w") as f:
            f.write(FAKE_FIELDD)
        os.chmod(cls.bin, stat.S_IRWXU)
        cls.old = os.environ.get("FIELDD_BIN")
        os.environ["FIELDD_BIN"] = cls.bin

    @classmethod
    def tearDownClass(cls):
        if cls.old is None:
            del os.environ["FIELDD_BIN"]
        else:
            os.environ["FIELDD_BIN"] = cls.old
        import shutil
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_server(self):
        srv = harness.Server("postgresql:///x", env={"FOO": "1"})
        try:
            srv.wait_ready()
            self.assertTrue(srv.alive())
            r = srv.request("POST", "/echo", body={"a": 1}, token="tok")
            self.assertEqual(r.status, 200)
            self.assertEqual(r.headers.get("CONTENT-TYPE"), "application/json")
            self.assertEqual(r.json(), {"echo": {"a": 1}, "auth": "Bearer tok",
                                        "ctype": "application/json"})
            r = harness.request(srv.base_url, "GET", "/nope")
            self.assertEqual(r.status, 404)
            r = srv.request("POST", "/echo", raw_body="[1]", headers={"Content-Type": "x/y"})
            self.assertEqual(r.json()["echo"], [1])
            self.assertEqual(r.json()["ctype"], "x/y")
            p = srv.run(["user", "add", "--login", "x", "--role", "admin", "--name", "X"],
                        input="secret\n")
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(p.stdout.strip(), "added x pwlen=6")
            self.assertEqual(srv.stop(), 0)
            self.assertFalse(srv.alive())
            self.assertIn("SIGTERM", srv.log_text())
            self.assertIn("db=postgresql:///x", srv.log_text())
        finally:
            srv.close()

    def test_wait_ready_fails_with_log(self):
        os.environ["FIELDD_BIN"] = "/bin/false"
        try:
            srv = harness.Server("postgresql:///x")
            with self.assertRaises(harness.HarnessError) as cm:
                srv.wait_ready(timeout=5)
            self.assertIn("exited with 1", str(cm.exception))
            srv.close()
        finally:
            os.environ["FIELDD_BIN"] = self.bin

    def test_request_refused_does_not_hang(self):
        with self.assertRaises(OSError):
            harness.request("http://127.0.0.1:%d" % harness.free_port(), "GET", "/", timeout=2)


if __name__ == "__main__":
    harness.main()
