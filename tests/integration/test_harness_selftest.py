"""Self-test of harness.py: Cluster lifecycle and restart, a second cluster cleaned up,
request() and Server.wait_ready() failing fast. The real fieldd is exercised by the other
test_*.py modules."""

import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


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


class HarnessTest(unittest.TestCase):
    def test_wait_ready_reports_an_early_exit(self):
        old = os.environ.get("FIELDD_BIN")
        os.environ["FIELDD_BIN"] = "/bin/false"
        try:
            srv = harness.Server("postgresql:///x")
            with self.assertRaises(harness.HarnessError) as cm:
                srv.wait_ready(timeout=5)
            self.assertIn("exited with 1", str(cm.exception))
            srv.close()
        finally:
            if old is None:
                del os.environ["FIELDD_BIN"]
            else:
                os.environ["FIELDD_BIN"] = old

    def test_request_refused_does_not_hang(self):
        with self.assertRaises(OSError):
            harness.request("http://127.0.0.1:%d" % harness.free_port(), "GET", "/", timeout=2)


if __name__ == "__main__":
    harness.main()
