"""Integration-test harness for fieldd (stdlib only).

    Cluster   throwaway PostgreSQL cluster in /tmp/fieldd-test-*
    Server    a running `fieldd serve`
    run_fieldd / Server.run   other fieldd subcommands
    request   one HTTP request over a fresh http.client connection
    free_port, main

A test module typically does:

    import harness
    def setUpModule():
        global CL, URL
        CL = harness.Cluster()          # raises SkipCluster if PG can't run
        URL = CL.create_database("t1")
    def tearDownModule():
        CL.destroy()
    ...
    if __name__ == "__main__":
        harness.main()                  # exit 77 (ctest: skipped) on SkipCluster

Environment:
    FIELDD_BIN            path of the fieldd binary (required by Server/run_fieldd)
    PG_BINDIR             PostgreSQL server binaries (default: pg_config --bindir,
                          else highest /usr/lib/postgresql/*/bin)
    FIELDD_REQUIRE_PG=1   main() exits 1 instead of 77 when PostgreSQL can't run
    FIELDD_KEEP_CLUSTER=1 leave cluster directories behind (for debugging)
"""

import atexit
import glob
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse
import http.client

__all__ = [
    "SkipCluster", "HarnessError", "Cluster", "Server", "Response",
    "request", "free_port", "run_fieldd", "fieldd_bin", "main",
]

IS_ROOT = os.geteuid() == 0
TMP_ROOT = "/tmp"
PREFIX = "fieldd-test-"


class SkipCluster(unittest.SkipTest):
    """PostgreSQL cannot run on this machine; tests needing it are skipped."""

    raised = False

    def __init__(self, *args):
        super().__init__(*args)
        SkipCluster.raised = True


class HarnessError(AssertionError):
    """The harness saw the system under test misbehave (counts as a failure)."""


# ------------------------------------------------------------------ cleanup --
_live = []  # Clusters and Servers to tear down at exit


def _cleanup_all():
    for obj in reversed(list(_live)):
        try:
            obj._emergency_cleanup()
        except Exception as e:  # noqa: BLE001 - best effort at exit
            sys.stderr.write("harness: cleanup of %r failed: %s\n" % (obj, e))


atexit.register(_cleanup_all)


def _die_with_parent():
    """preexec_fn: SIGKILL the child when the harness dies (even by SIGKILL)."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:  # noqa: BLE001 - not Linux / no libc: best effort
        pass


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# ---------------------------------------------------------------- utilities --
def free_port(host="127.0.0.1"):
    """A TCP port that was free on host a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def pg_bindir():
    """Directory with initdb/pg_ctl/postgres/psql, or None."""
    cands = []
    if os.environ.get("PG_BINDIR"):
        cands.append(os.environ["PG_BINDIR"])
    try:
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True,
                             text=True, timeout=10)
        if out.returncode == 0 and out.stdout.strip():
            cands.append(out.stdout.strip())
    except (OSError, subprocess.SubprocessError):
        pass

    def ver(path):
        try:
            return float(path.split("/")[4])
        except (IndexError, ValueError):
            return -1.0

    cands += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=ver, reverse=True)
    for d in cands:
        if all(os.access(os.path.join(d, b), os.X_OK)
               for b in ("initdb", "pg_ctl", "postgres", "psql")):
            return d
    return None


def _quote_conf(s):
    return "'" + s.replace("'", "''") + "'"


def _c_utf8_available():
    try:
        out = subprocess.run(["locale", "-a"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return False
    return any(l.strip().lower() in ("c.utf8", "c.utf-8") for l in out.stdout.splitlines())


def _tail(path, n=30):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError:
        return "(no %s)" % path


# ------------------------------------------------------------------ Cluster --
class Cluster:
    """A private PostgreSQL cluster in a fresh /tmp/fieldd-test-* directory.

    Layout: <dir>/data (PGDATA), <dir>/run (unix socket, 0700), <dir>/log/postgresql.log.
    Local (socket) auth is trust, host auth scram-sha-256; superuser is `postgres`.
    As root, initdb/pg_ctl run as the postgres system user.

    Cluster(start=True, settings=None): settings (dict) override/add server
    settings; defaults: listen 127.0.0.1 on a free port, max_connections 100,
    shared_buffers 128MB, fsync off (throwaway data).
    """

    def __init__(self, start=True, settings=None):
        self.bindir = pg_bindir()
        if not self.bindir:
            raise SkipCluster("postgresql server binaries not found (run scripts/deps.sh)")
        if IS_ROOT:
            try:
                pw = pwd.getpwnam("postgres")
            except KeyError:
                raise SkipCluster("running as root and no postgres system user") from None
            self._uid, self._gid = pw.pw_uid, pw.pw_gid
        else:
            self._uid = self._gid = None
        _reap_stale()
        self.dir = tempfile.mkdtemp(prefix=PREFIX, dir=TMP_ROOT)
        self.data = os.path.join(self.dir, "data")
        self.sockdir = os.path.join(self.dir, "run")
        self.logfile = os.path.join(self.dir, "log", "postgresql.log")
        self.port = free_port()
        self._running = False
        self._destroyed = False
        with open(os.path.join(self.dir, "owner.pid"), "w") as f:
            f.write("%d\n" % os.getpid())
        for sub in ("run", "log"):
            os.mkdir(os.path.join(self.dir, sub), 0o700)
        if IS_ROOT:
            for p in (self.dir, self.sockdir, os.path.dirname(self.logfile)):
                os.chown(p, self._uid, self._gid)
        _live.append(self)
        try:
            self._initdb(settings or {})
            if start:
                try:
                    self.start()
                except HarnessError as e:
                    raise SkipCluster("postgresql cannot start here: %s" % e) from None
        except BaseException:
            self.destroy()
            raise

    def __repr__(self):
        return "Cluster(%s, port=%d)" % (self.dir, self.port)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.destroy()

    # -- running things as the cluster owner --
    def _as_owner(self, argv, timeout=120, check=False):
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        kw = dict(capture_output=True, text=True, timeout=timeout, cwd=self.dir, env=env)
        if IS_ROOT:
            kw.update(user=self._uid, group=self._gid, extra_groups=[])
        try:
            r = subprocess.run(argv, **kw)
        except subprocess.TimeoutExpired:
            raise HarnessError("timed out after %ss: %s" % (timeout, " ".join(argv))) from None
        if check and r.returncode != 0:
            raise HarnessError("%s failed (%d):\n%s%s" % (argv[0], r.returncode, r.stdout, r.stderr))
        return r

    def _bin(self, name):
        return os.path.join(self.bindir, name)

    def _initdb(self, settings):
        locale = "C.UTF-8" if _c_utf8_available() else "C"
        r = self._as_owner([self._bin("initdb"), "-D", self.data, "-E", "UTF8",
                            "--locale=" + locale, "--auth-local=trust",
                            "--auth-host=scram-sha-256", "-U", "postgres", "-N"],
                           timeout=180)
        if r.returncode != 0:
            raise SkipCluster("initdb failed:\n%s%s" % (r.stdout, r.stderr))
        conf = {
            "listen_addresses": _quote_conf("127.0.0.1"),
            "unix_socket_directories": _quote_conf(self.sockdir),
            "unix_socket_permissions": "0700",
            "max_connections": "100",
            "shared_buffers": "128MB",
            "fsync": "off",
        }
        for k, v in settings.items():  # any setting may be given quoted
            conf[k] = _quote_conf(("on" if v else "off") if isinstance(v, bool) else str(v))
        # postgresql.conf is owned by the cluster owner; root may append to it.
        with open(os.path.join(self.data, "postgresql.conf"), "a") as f:
            f.write("\n# --- fieldd test harness ---\n")
            for k, v in conf.items():
                f.write("%s = %s\n" % (k, v))

    # -- lifecycle --
    def start(self):
        """Start the server (port self.port); HarnessError with the log on failure."""
        if self._destroyed:
            raise HarnessError("cluster destroyed")
        r = self._as_owner([self._bin("pg_ctl"), "-D", self.data, "-l", self.logfile,
                            "-o", "-p %d" % self.port, "-w", "-t", "60", "start"], timeout=90)
        if r.returncode != 0:
            raise HarnessError("pg_ctl start failed (%d): %s%s\n--- %s ---\n%s" % (
                r.returncode, r.stdout, r.stderr, self.logfile, _tail(self.logfile)))
        self._running = True

    def stop(self, mode="fast"):
        """pg_ctl stop -m mode (smart|fast|immediate)."""
        if not self._running:
            return
        self._as_owner([self._bin("pg_ctl"), "-D", self.data, "-m", mode, "-w", "-t", "60",
                        "stop"], timeout=90, check=True)
        self._running = False

    def restart(self, mode="fast"):
        self.stop(mode)
        self.start()

    def running(self):
        r = self._as_owner([self._bin("pg_ctl"), "-D", self.data, "status"], timeout=30)
        return r.returncode == 0

    def destroy(self):
        """Stop (immediate if fast fails) and remove the directory. Idempotent."""
        if self._destroyed:
            return
        try:
            if self._running:
                try:
                    self.stop("fast")
                except HarnessError:
                    self.stop("immediate")
        finally:
            self._destroyed = True
            self._running = False
            if os.environ.get("FIELDD_KEEP_CLUSTER") != "1":
                shutil.rmtree(self.dir, ignore_errors=True)
            if self in _live:
                _live.remove(self)

    def _emergency_cleanup(self):
        if self._running:
            try:
                self.stop("immediate")
            except Exception:  # noqa: BLE001
                pass
            self._running = False
        self.destroy()

    # -- SQL --
    def url(self, db, user="fieldd"):
        """libpq URI for db over the unix socket."""
        return "postgresql:///%s?host=%s&port=%d&user=%s" % (
            urllib.parse.quote(db, safe=""), urllib.parse.quote(self.sockdir, safe=""),
            self.port, urllib.parse.quote(user, safe=""))

    def psql(self, sql, db="postgres", check=True, timeout=60):
        """Run sql as superuser postgres; returns stdout (-A -t: unaligned, tuples only).

        Raises HarnessError on failure when check (default)."""
        argv = [self._bin("psql"), "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1",
                "-h", self.sockdir, "-p", str(self.port), "-U", "postgres", "-d", db]
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        try:
            r = subprocess.run(argv, input=sql, capture_output=True, text=True,
                               timeout=timeout, env=env, cwd=self.dir)
        except subprocess.TimeoutExpired:
            raise HarnessError("psql timed out after %ss: %s" % (timeout, sql)) from None
        if check and r.returncode != 0:
            raise HarnessError("psql failed (%d) on %r: %s" % (r.returncode, sql, r.stderr))
        return r.stdout

    def ensure_role(self, role="fieldd"):
        q = role.replace('"', '""')
        lit = role.replace("'", "''")
        self.psql("DO $$BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '%s') "
                  "THEN CREATE ROLE \"%s\" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE; END IF; END$$;"
                  % (lit, q))

    def create_database(self, name, owner="fieldd"):
        """CREATE DATABASE name OWNER owner (creating the role); returns its libpq URI."""
        self.ensure_role(owner)
        self.psql('CREATE DATABASE "%s" OWNER "%s"' % (name.replace('"', '""'),
                                                      owner.replace('"', '""')))
        return self.url(name, owner)

    def drop_database(self, name):
        self.psql('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name.replace('"', '""'))


def _reap_stale():
    """Remove /tmp/fieldd-test-* clusters (and fieldd-srv-* dirs) left by harness processes
    that died (SIGKILL), stopping their postgres."""
    dirs = glob.glob(os.path.join(TMP_ROOT, PREFIX + "*"))
    dirs += glob.glob(os.path.join(TMP_ROOT, "fieldd-srv-*"))
    for d in dirs:
        try:
            with open(os.path.join(d, "owner.pid")) as f:
                pid = int(f.read().strip())
        except (OSError, ValueError):
            continue
        if _pid_alive(pid):
            continue
        pidfile = os.path.join(d, "data", "postmaster.pid")
        try:
            with open(pidfile) as f:
                pm = int(f.readline().strip())
            with open("/proc/%d/cmdline" % pm, "rb") as f:
                if (d + "/data").encode() in f.read():
                    os.kill(pm, signal.SIGQUIT)  # immediate shutdown
                    for _ in range(100):
                        if not _pid_alive(pm):
                            break
                        time.sleep(0.05)
        except (OSError, ValueError):
            pass
        shutil.rmtree(d, ignore_errors=True)


# ------------------------------------------------------------------- fieldd --
def fieldd_bin():
    b = os.environ.get("FIELDD_BIN")
    if not b:
        raise HarnessError("FIELDD_BIN is not set")
    b = os.path.abspath(b)
    if not os.access(b, os.X_OK):
        raise HarnessError("FIELDD_BIN=%s is not executable" % b)
    return b


def run_fieldd(args, input=None, env=None, database_url=None, timeout=60):
    """Run `fieldd <args>`; returns subprocess.CompletedProcess (text, stdout/stderr captured).

    input: str fed on stdin (e.g. a password); env: extra environment."""
    e = dict(os.environ)
    if database_url is not None:
        e["DATABASE_URL"] = database_url
    e.setdefault("FIELDD_LOG_LEVEL", "info")
    if env:
        e.update({k: str(v) for k, v in env.items()})
    try:
        return subprocess.run([fieldd_bin()] + list(args), input=input if input is not None else "",
                              capture_output=True, text=True, timeout=timeout, env=e)
    except subprocess.TimeoutExpired as te:
        raise HarnessError("fieldd %s timed out after %ss\nstdout: %s\nstderr: %s" % (
            " ".join(args), timeout, te.stdout, te.stderr)) from None


class Server:
    """`fieldd serve` on 127.0.0.1:<free port>.

    Server(database_url, env=None, args=None, start=True)
      .base_url ("http://127.0.0.1:PORT"), .port, .proc, .logfile
      start() -> self, wait_ready(timeout=20), stop(timeout=10) -> exit code,
      alive(), log_text(), run(args, input=None, env=None) -> CompletedProcess,
      request(method, path, **kw) -> Response
    stdout and stderr both go to .logfile.
    """

    def __init__(self, database_url, env=None, args=None, start=True):
        self.database_url = database_url
        self.extra_env = dict(env or {})
        self.args = list(args or [])
        self.port = free_port()
        self.base_url = "http://127.0.0.1:%d" % self.port
        self.tmpdir = tempfile.mkdtemp(prefix="fieldd-srv-", dir=TMP_ROOT)
        with open(os.path.join(self.tmpdir, "owner.pid"), "w") as f:
            f.write("%d\n" % os.getpid())
        self.logfile = os.path.join(self.tmpdir, "fieldd.log")
        self.proc = None
        _live.append(self)
        if start:
            self.start()

    def __repr__(self):
        return "Server(%s)" % self.base_url

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.alive():
            self.stop()
        self.close()

    def env(self):
        e = dict(os.environ)
        e.update({"DATABASE_URL": self.database_url,
                  "FIELDD_LISTEN": "127.0.0.1:%d" % self.port,
                  "FIELDD_LOG_LEVEL": "info"})
        e.update({k: str(v) for k, v in self.extra_env.items()})
        return e

    def start(self):
        if self.alive():
            raise HarnessError("server already running")
        log = open(self.logfile, "ab")
        try:
            self.proc = subprocess.Popen([fieldd_bin(), "serve"] + self.args, env=self.env(),
                                         stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT, cwd=self.tmpdir,
                                         preexec_fn=_die_with_parent)
        finally:
            log.close()
        return self

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log_text(self):
        try:
            with open(self.logfile, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def _fail(self, msg):
        raise HarnessError("%s\n--- fieldd log (%s) ---\n%s" % (msg, self.logfile, self.log_text()))

    def wait_ready(self, timeout=20):
        """Poll GET /healthz until 200; HarnessError (with the log) on exit or timeout."""
        deadline = time.monotonic() + timeout
        last = "no attempt"
        while time.monotonic() < deadline:
            if not self.alive():
                self._fail("fieldd exited with %s before becoming ready"
                           % (self.proc.returncode if self.proc else "no process"))
            try:
                r = request(self.base_url, "GET", "/healthz", timeout=2)
                if r.status == 200:
                    return self
                last = "status %d: %s" % (r.status, r.text[:200])
            except (OSError, http.client.HTTPException) as e:
                last = repr(e)
            time.sleep(0.1)
        self._fail("fieldd not ready after %ss (last: %s)" % (timeout, last))

    def stop(self, timeout=10, sig=signal.SIGTERM):
        """Send sig (SIGTERM) and wait; after timeout SIGKILL and HarnessError. Returns exit code
        (negative = killed by that signal, as in subprocess)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self._fail("fieldd did not exit within %ss of %s; killed"
                           % (timeout, signal.Signals(sig).name))
        return self.proc.returncode

    def close(self):
        """Kill if still running and remove the temp dir (the log goes with it)."""
        if self.alive():
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.tmpdir, ignore_errors=True)
        if self in _live:
            _live.remove(self)

    def _emergency_cleanup(self):
        self.close()

    def run(self, args, input=None, env=None, timeout=60):
        """Run another fieldd subcommand with this server's DATABASE_URL and env."""
        e = dict(self.extra_env)
        e.update(env or {})
        return run_fieldd(args, input=input, env=e, database_url=self.database_url,
                          timeout=timeout)

    def request(self, method, path, **kw):
        return request(self.base_url, method, path, **kw)


# --------------------------------------------------------------------- HTTP --
class Response:
    """status (int), reason, headers (http.client.HTTPMessage: case-insensitive .get),
    body (bytes), text (str), json() -> parsed or None."""

    def __init__(self, status, reason, headers, body):
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body
        self.text = body.decode("utf-8", errors="replace")

    def json(self):
        try:
            return json.loads(self.text)
        except ValueError:
            return None

    def __repr__(self):
        return "<Response %d %s %r>" % (self.status, self.reason, self.text[:120])


def request(base_url, method, path, body=None, headers=None, token=None, raw_body=None,
            timeout=10, source=None):
    """One HTTP request on a fresh connection; socket timeout `timeout` seconds.

    body: dict/list -> JSON with Content-Type application/json; raw_body: bytes/str sent
    verbatim (no Content-Type added); token: Authorization: Bearer <token>; source: the
    client's own address (another loopback address, 127.0.0.x, to act as another client).
    Raises OSError / http.client.HTTPException on transport errors."""
    u = urllib.parse.urlsplit(base_url)
    if u.scheme != "http":
        raise ValueError("only http:// base URLs: %r" % base_url)
    hdrs = {"Connection": "close"}
    data = None
    if body is not None and raw_body is not None:
        raise ValueError("give body or raw_body, not both")
    if body is not None:
        data = json.dumps(body).encode()
        hdrs["Content-Type"] = "application/json"
    elif raw_body is not None:
        data = raw_body.encode() if isinstance(raw_body, str) else bytes(raw_body)
    if token is not None:
        hdrs["Authorization"] = "Bearer " + token
    if headers:
        hdrs.update(headers)
    prefix = u.path.rstrip("/")
    conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=timeout,
                                      source_address=(source, 0) if source else None)
    try:
        conn.request(method, prefix + path, body=data, headers=hdrs)
        r = conn.getresponse()
        payload = r.read()
        return Response(r.status, r.reason, r.msg, payload)
    finally:
        conn.close()


# --------------------------------------------------------------------- main --
def _on_signal(signum, _frame):
    # unittest would swallow SystemExit raised inside a test: clean up and leave now.
    _cleanup_all()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(128 + signum)


def main(argv=None):
    """unittest.main; exit 77 if SkipCluster was raised and nothing failed (ctest SKIP_RETURN_CODE),
    unless FIELDD_REQUIRE_PG=1 (then 1)."""
    for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(s, _on_signal)
    prog = unittest.main(module="__main__", argv=argv, exit=False, verbosity=2)
    res = prog.result
    if not res.wasSuccessful():
        code = 1
    elif SkipCluster.raised:
        code = 1 if os.environ.get("FIELDD_REQUIRE_PG") == "1" else 77
        sys.stderr.write("harness: postgresql unavailable, tests skipped%s\n"
                         % (" (FIELDD_REQUIRE_PG=1: failing)" if code == 1 else ""))
    elif res.testsRun == 0 and not res.skipped:
        code = 5  # nothing ran (as Python 3.12's unittest)
    else:
        code = 0
    sys.stdout.flush()
    sys.stderr.flush()
    _cleanup_all()
    sys.exit(code)
