"""The fieldd command: --help/--version, one-line failures on bad arguments and bad
configuration, migrations (twice is harmless, several processes at once, changed migrations
refused), serve refusing an old schema, user add/passwd, and logs free of secrets."""

import glob
import json
import os
import re
import socket
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from support import Stack, ADMIN_PASSWORD, USER_PASSWORD  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
MIGRATIONS = sorted(os.path.basename(p) for p in glob.glob(os.path.join(REPO, "migrations",
                                                                        "[0-9]*_*.sql")))
SECRETS = {ADMIN_PASSWORD, USER_PASSWORD}
# the functions server/db/sql defines (re-applied by every migrate)
SQL_FUNCTIONS = set()
for _p in glob.glob(os.path.join(REPO, "server", "db", "sql", "*.sql")):
    with open(_p, encoding="utf-8") as _f:
        SQL_FUNCTIONS |= set(re.findall(r"CREATE OR REPLACE FUNCTION (\w+)\(", _f.read()))


def setUpModule():
    global S, DB_COUNTER
    S = Stack()
    DB_COUNTER = 0


def tearDownModule():
    S.close()


def fresh_db():
    """A new empty database on the module's cluster; returns (name, url)."""
    global DB_COUNTER
    DB_COUNTER += 1
    name = "fresh%d" % DB_COUNTER
    return name, S.cluster.create_database(name)


def fieldd(args, stdin=None, env=None, url=None):
    return harness.run_fieldd(args, input=stdin, env=env,
                              database_url=S.url if url is None else url)


def login_status(login, password):
    return S.request("POST", "/api/v1/session",
                     body={"login": login, "password": password}).status


class OneLine:
    def assertOneLineFailure(self, p, *needles):
        self.assertNotEqual(p.returncode, 0, p.stdout)
        self.assertGreater(p.returncode, 0, "killed by a signal: %r" % p.stderr)
        lines = p.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, p.stderr)
        self.assertNotIn("Traceback", p.stderr)
        for n in needles:
            self.assertIn(n, lines[0])
        return lines[0]


class HelpAndVersion(unittest.TestCase):
    def test_help(self):
        for flag in ("--help", "-h", "help"):
            p = fieldd([flag])
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertTrue(p.stdout.startswith("usage: fieldd"), p.stdout)
            for word in ("serve", "migrate", "user add", "--login", "--role", "--name",
                         "DATABASE_URL", "FIELDD_LISTEN", "FIELDD_BASE_URL", "FIELDD_TZ",
                         "FIELDD_LOG_LEVEL", "FIELDD_THREADS"):
                self.assertIn(word, p.stdout)

    def test_no_arguments_prints_usage_and_fails(self):
        p = fieldd([])
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("usage: fieldd", p.stderr)
        self.assertEqual(p.stdout, "")

    def test_version(self):
        p = fieldd(["--version"])
        self.assertEqual(p.returncode, 0)
        self.assertRegex(p.stdout.strip(), r"^fieldd \d+\.\d+\.\d+")
        with open(os.path.join(REPO, "CMakeLists.txt")) as f:
            ver = re.search(r"project\(fieldd VERSION ([0-9.]+)", f.read()).group(1)
        self.assertEqual(p.stdout.strip(), "fieldd " + ver)


class BadArguments(OneLine, unittest.TestCase):
    def test_bad_arguments_fail_with_one_line_and_write_nothing(self):
        users = S.sql("SELECT count(*) FROM users")
        ok = ["--role", "engineer", "--name", "N"]
        cases = [
            (["bogus"], "unknown command"),
            (["serve", "--port", "1"], "serve"),
            (["migrate", "now"], "migrate"),
            (["user"], "user add"),
            (["user", "remove", "--login", "x"], "user add"),
            (["user", "add"], "--login"),
            (["user", "add", "--login"], "--login"),
            (["user", "add", "--login", "ok-1", "--role", "king", "--name", "K"], "--role"),
            (["user", "add", "--login", "ok-1", "--role", "lead"], "--name"),
            (["user", "add", "--login", "ok-1", "--role", "lead", "--name", ""], "--name"),
            (["user", "add", "--login", "Bad Login"] + ok, "login"),
            (["user", "add", "--login", "x"] + ok, "login"),
            (["user", "add", "--login", "ok-1", "--team", "abc"] + ok, "abc"),
            (["user", "add", "--login", "ok-1", "--frobnicate"] + ok, "--frobnicate"),
            (["user", "passwd"], "--login"),
        ]
        for args, needle in cases:
            with self.subTest(args=args):
                p = fieldd(args, stdin=USER_PASSWORD + "\n")
                line = self.assertOneLineFailure(p, needle)
                self.assertTrue(line.startswith("fieldd: "), line)
                self.assertEqual(p.stdout, "")
        self.assertEqual(S.sql("SELECT count(*) FROM users"), users)

    def test_bad_configuration_fails_with_one_line(self):
        cases = [
            ({"FIELDD_LISTEN": "nonsense"}, "FIELDD_LISTEN"),
            ({"FIELDD_LISTEN": "127.0.0.1:99999"}, "FIELDD_LISTEN"),
            ({"FIELDD_LISTEN": "127.0.0.1:"}, "FIELDD_LISTEN"),
            ({"FIELDD_THREADS": "0"}, "FIELDD_THREADS"),
            ({"FIELDD_THREADS": "four"}, "FIELDD_THREADS"),
            ({"FIELDD_THREADS": "-2"}, "FIELDD_THREADS"),
            ({"FIELDD_LOG_LEVEL": "loud"}, "FIELDD_LOG_LEVEL"),
            ({"FIELDD_BASE_URL": "ftp://fieldd.example"}, "FIELDD_BASE_URL"),
            ({"FIELDD_CONN_TIMEOUT": "0"}, "FIELDD_CONN_TIMEOUT"),
            ({"FIELDD_SESSION_HOURS": "100000"}, "FIELDD_SESSION_HOURS"),
            ({"FIELDD_SECRET": "too-short-to-be-a-key"}, "FIELDD_SECRET"),
            ({"DATABASE_URL": ""}, "DATABASE_URL"),
            ({"FIELDD_TZ": "Mars/Olympus_Mons"}, "Mars/Olympus_Mons"),
        ]
        for env, needle in cases:
            for cmd in (["serve"], ["migrate"]):
                with self.subTest(env=env, cmd=cmd):
                    self.assertOneLineFailure(fieldd(cmd, env=env), needle)

    def test_listen_address_in_use(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            s.listen(1)
            port = s.getsockname()[1]
            p = fieldd(["serve"], env={"FIELDD_LISTEN": "127.0.0.1:%d" % port})
            self.assertGreater(p.returncode, 0, p.stderr)
            last = p.stderr.strip().splitlines()[-1]
            self.assertIn("cannot listen on 127.0.0.1:%d" % port, last)

    def test_bad_database_url(self):
        p = fieldd(["migrate"], url="postgresql://[not a url")
        self.assertOneLineFailure(p, "database")
        p = fieldd(["migrate"], url=S.cluster.url("no_such_database"))
        self.assertOneLineFailure(p, "no_such_database")


class Migrations(OneLine, unittest.TestCase):
    def versions(self, db):
        return S.cluster.psql("SELECT version, name, checksum, applied_at FROM schema_migrations"
                              " ORDER BY version", db=db).splitlines()

    def test_migrate_twice_is_harmless(self):
        db, url = fresh_db()
        p = fieldd(["migrate"], url=url)
        self.assertEqual(p.returncode, 0, p.stderr)
        n = len(MIGRATIONS)
        self.assertIn("applied %d migration" % n, p.stdout)
        first = self.versions(db)
        self.assertEqual([int(r.split("|")[0]) for r in first],
                         [int(m[:4]) for m in MIGRATIONS])
        self.assertEqual([r.split("|")[1] for r in first], MIGRATIONS)
        S.cluster.psql("INSERT INTO users (login, name, role, password_hash) "
                       "VALUES ('keepme', 'K', 'lead', 'x')", db=db)
        p = fieldd(["migrate"], url=url)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("applied 0 migrations", p.stdout)
        self.assertEqual(self.versions(db), first)
        self.assertEqual(S.cluster.psql("SELECT login FROM users", db=db).strip(), "keepme")

    def test_concurrent_migrations_on_a_fresh_database(self):
        db, url = fresh_db()
        env = dict(os.environ, DATABASE_URL=url, FIELDD_LOG_LEVEL="info")
        procs = [subprocess.Popen([harness.fieldd_bin(), "migrate"], env=env, text=True,
                                  stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE) for _ in range(3)]
        outs = [p.communicate(timeout=60) for p in procs]
        for p, (out, err) in zip(procs, outs):
            self.assertEqual(p.returncode, 0, err)
        applied = sorted(int(re.search(r"applied (\d+) migration", o).group(1)) for o, _ in outs)
        self.assertEqual(applied, [0, 0, len(MIGRATIONS)])
        rows = S.cluster.psql("SELECT version, count(*) FROM schema_migrations GROUP BY version"
                              " ORDER BY version", db=db).split()
        self.assertEqual(rows, ["%d|1" % int(m[:4]) for m in MIGRATIONS])
        self.assertEqual(S.cluster.psql("SELECT to_regclass('users') IS NOT NULL", db=db).strip(),
                         "t")

    def test_serve_refuses_a_database_never_migrated(self):
        _, url = fresh_db()
        port = harness.free_port()
        p = fieldd(["serve"], url=url, env={"FIELDD_LISTEN": "127.0.0.1:%d" % port})
        self.assertOneLineFailure(p, "fieldd migrate")
        with self.assertRaises(OSError):
            harness.request("http://127.0.0.1:%d" % port, "GET", "/healthz", timeout=1)

    def test_serve_refuses_an_older_schema(self):
        db, url = fresh_db()
        self.assertEqual(fieldd(["migrate"], url=url).returncode, 0)
        S.cluster.psql("DELETE FROM schema_migrations WHERE version = "
                       "(SELECT max(version) FROM schema_migrations)", db=db)
        p = fieldd(["serve"], url=url, env={"FIELDD_LISTEN": "127.0.0.1:%d" % harness.free_port()})
        line = self.assertOneLineFailure(p, "fieldd migrate")
        # the migration before the last (numbers need not be contiguous: 0003 may land later)
        self.assertIn("version %d" % int(MIGRATIONS[-2][:4]), line)

    def test_changed_migration_is_refused(self):
        db, url = fresh_db()
        self.assertEqual(fieldd(["migrate"], url=url).returncode, 0)
        S.cluster.psql("UPDATE schema_migrations SET checksum = repeat('0', 64) "
                       "WHERE version = %d" % int(MIGRATIONS[0][:4]), db=db)
        self.assertOneLineFailure(fieldd(["migrate"], url=url), MIGRATIONS[0])

    def test_sql_functions_are_applied_again_on_every_migrate(self):
        # every function of server/db/sql is defined, and one changed by hand in the
        # database is put back by the next migrate, with no new migration
        db, url = fresh_db()
        self.assertEqual(fieldd(["migrate"], url=url).returncode, 0)
        self.assertLessEqual({"ticket_doc", "visit_visible", "service_report"}, SQL_FUNCTIONS)
        have = set(S.cluster.psql("SELECT proname FROM pg_proc p JOIN pg_namespace n"
                                  " ON n.oid = p.pronamespace WHERE n.nspname = 'public'",
                                  db=db).split())
        self.assertLessEqual(SQL_FUNCTIONS, have)
        q = "SELECT pg_get_functiondef('api_time(timestamptz)'::regprocedure)"
        before = S.cluster.psql(q, db=db)
        S.cluster.psql("CREATE OR REPLACE FUNCTION api_time(t timestamptz) RETURNS text"
                       " LANGUAGE sql STABLE AS $$ SELECT 'drifted' $$", db=db)
        self.assertEqual(S.cluster.psql("SELECT api_time(now())", db=db).strip(), "drifted")
        p = fieldd(["migrate"], url=url)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("applied 0 migrations", p.stdout)
        self.assertEqual(S.cluster.psql(q, db=db), before)
        self.assertRegex(S.cluster.psql("SELECT api_time('2026-03-01 10:00+09')", db=db).strip(),
                         r"^2026-03-01T")

    def test_an_older_fieldd_leaves_a_newer_databases_functions_alone(self):
        db, url = fresh_db()
        self.assertEqual(fieldd(["migrate"], url=url).returncode, 0)
        S.cluster.psql("INSERT INTO schema_migrations (version, name, checksum)"
                       " VALUES (9999, '9999_newer.sql', repeat('0', 64));"
                       " CREATE OR REPLACE FUNCTION api_time(t timestamptz) RETURNS text"
                       " LANGUAGE sql STABLE AS $$ SELECT 'newer' $$", db=db)
        p = fieldd(["migrate"], url=url)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("newer fieldd", p.stdout + p.stderr)
        self.assertEqual(S.cluster.psql("SELECT api_time(now())", db=db).strip(), "newer")

    def test_migrate_as_unprivileged_role_on_someone_elses_db(self):
        # the role cannot create tables in a database owned by someone else: a clear failure
        S.cluster.psql('CREATE DATABASE "notmine" OWNER postgres')
        S.cluster.psql("REVOKE CREATE ON SCHEMA public FROM PUBLIC", db="notmine")
        p = fieldd(["migrate"], url=S.cluster.url("notmine"))
        self.assertGreater(p.returncode, 0, p.stderr)
        self.assertIn("permission denied", p.stderr)
        self.assertTrue(p.stderr.strip().splitlines()[-1].startswith("fieldd: "), p.stderr)


class Users(OneLine, unittest.TestCase):
    def add(self, login, role="engineer", password=USER_PASSWORD, extra=(), stdin=None):
        return fieldd(["user", "add", "--login", login, "--role", role, "--name",
                       login.title()] + list(extra),
                      stdin=stdin if stdin is not None else password + "\n")

    def row(self, login, cols="role, name, phone, email, team_id, active"):
        return S.sql("SELECT %s FROM users WHERE login = '%s'" % (cols, login))

    def test_user_add(self):
        p = self.add("alice", "dispatcher", extra=["--phone", "010-5555-1234",
                                                  "--email", "alice@example.com"])
        self.assertEqual(p.returncode, 0, p.stderr)
        uid = int(self.row("alice", "id"))
        self.assertEqual(p.stdout.strip(), "created dispatcher alice (id %d)" % uid)
        self.assertEqual(self.row("alice"), "dispatcher|Alice|010-5555-1234|alice@example.com||t")
        h = self.row("alice", "password_hash")
        self.assertTrue(h.startswith("$argon2id$"), h)
        self.assertNotIn(USER_PASSWORD, h + p.stdout + p.stderr)
        self.assertEqual(login_status("alice", USER_PASSWORD), 201)
        self.assertEqual(login_status("alice", USER_PASSWORD + "x"), 401)
        S.sql("DELETE FROM login_failures")

    def test_password_line_endings_are_stripped(self):
        pw = "crlf-password-123"
        SECRETS.add(pw)
        p = self.add("crlf", password=pw, stdin=pw + "\r\n")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(login_status("crlf", pw), 201)

    def test_bad_passwords_are_refused(self):
        self.assertOneLineFailure(self.add("shorty", password="short"), "12 characters")
        self.assertOneLineFailure(self.add("shorty", stdin=""), "standard input")
        self.assertOneLineFailure(self.add("shorty", stdin="\n"), "12 characters")
        self.assertEqual(self.row("shorty", "count(*)"), "0")

    def test_duplicate_and_if_absent(self):
        self.assertEqual(self.add("bob").returncode, 0)
        before = self.row("bob", "password_hash, updated_at")
        self.assertOneLineFailure(self.add("bob", password="other-password-99"), "already exists")
        p = self.add("bob", password="other-password-99", extra=["--if-absent"])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("already exists", p.stdout)
        self.assertEqual(self.row("bob", "password_hash, updated_at"), before)
        self.assertEqual(self.row("bob", "count(*)"), "1")

    def test_generate_password(self):
        p = fieldd(["user", "add", "--login", "gen", "--role", "admin", "--name", "Gen",
                    "--generate-password"])
        self.assertEqual(p.returncode, 0, p.stderr)
        m = re.search(r"with password: (\S+)$", p.stdout.strip())
        self.assertIsNotNone(m, p.stdout)
        pw = m.group(1)
        SECRETS.add(pw)
        self.assertGreaterEqual(len(pw), 16)
        self.assertEqual(login_status("gen", pw), 201)
        p2 = fieldd(["user", "add", "--login", "gen2", "--role", "lead", "--name", "G",
                     "--generate-password"])
        self.assertNotEqual(re.search(r"with password: (\S+)$", p2.stdout.strip()).group(1), pw)

    def test_team(self):
        team = int(S.sql("INSERT INTO teams (name) VALUES ('North') RETURNING id"))
        p = self.add("carol", "lead", extra=["--team", str(team)])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.row("carol", "team_id"), str(team))
        self.assertOneLineFailure(self.add("dave", extra=["--team", "424242"]), "424242")
        self.assertEqual(self.row("dave", "count(*)"), "0")

    def test_passwd_ends_sessions(self):
        self.assertEqual(self.add("erin").returncode, 0)
        tok = S.login("erin", USER_PASSWORD)
        SECRETS.add(tok)
        self.assertEqual(S.request("GET", "/api/v1/me", token=tok).status, 200)
        new_pw = "erins-new-password-7"
        SECRETS.add(new_pw)
        p = fieldd(["user", "passwd", "--login", "erin"], stdin=new_pw + "\n")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotIn(new_pw, p.stdout + p.stderr)
        self.assertEqual(S.request("GET", "/api/v1/me", token=tok).status, 401)
        self.assertEqual(login_status("erin", USER_PASSWORD), 401)
        self.assertEqual(login_status("erin", new_pw), 201)
        S.sql("DELETE FROM login_failures")
        self.assertOneLineFailure(fieldd(["user", "passwd", "--login", "erin"], stdin="short\n"),
                                  "12 characters")
        self.assertEqual(login_status("erin", new_pw), 201)
        self.assertOneLineFailure(fieldd(["user", "passwd", "--login", "nobody"],
                                         stdin=new_pw + "\n"), "nobody")


class ZLog(unittest.TestCase):
    """Runs last: the server log after everything above."""

    def test_server_log_is_json_lines_without_secrets(self):
        tok = S.admin_token()
        SECRETS.add(tok)
        self.assertEqual(S.request("GET", "/api/v1/me", token=tok).status, 200)
        self.assertEqual(S.request("GET", "/api/v1/me",
                                   headers={"Cookie": "fieldd_session=" + tok}).status, 200)
        self.assertEqual(S.request("POST", "/api/v1/session",
                                   body={"login": "admin", "password": "wrong-" + ADMIN_PASSWORD}
                                   ).status, 401)
        S.sql("DELETE FROM login_failures")
        log = S.server.log_text()
        lines = [l for l in log.splitlines() if l.strip()]
        self.assertTrue(lines)
        requests = 0
        for l in lines:
            o = json.loads(l)  # every line is one JSON object
            self.assertIn("ts", o)
            self.assertIn(o.get("level"), ("debug", "info", "warn", "error"), l)
            if o.get("msg") == "request":
                requests += 1
                for k in ("request_id", "method", "route", "status", "ms"):
                    self.assertIn(k, o, l)
        self.assertGreater(requests, 5)
        # starting up is quiet: no warnings
        self.assertEqual([l for l in lines if '"level":"warn"' in l or '"level":"error"' in l],
                         [])
        for s in sorted(SECRETS):
            self.assertNotIn(s, log)


if __name__ == "__main__":
    harness.main()
