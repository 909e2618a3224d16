"""Accounts and sessions over real HTTP: login/logout, bearer and cookie, CSRF (Origin),
401/403 for every route and role, failed-login throttling (429), password change and
deactivation ending sessions, the last admin, and secrets kept out of the log."""

import datetime
import hashlib
import threading
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from support import (Stack, ProblemAssertions, ADMIN_LOGIN, ADMIN_PASSWORD,  # noqa: E402
                     USER_PASSWORD)

SECRETS = {ADMIN_PASSWORD, USER_PASSWORD}  # every password and token this module uses
ROLES = ("admin", "dispatcher", "lead", "engineer")


def setUpModule():
    global S, TOK, USERS
    S = Stack()
    TOK = {"admin": S.admin_token()}
    USERS = {"admin": {"id": S.admin_id}}
    for role in ROLES[1:]:
        USERS[role] = S.create_user(TOK["admin"], "the-" + role, role)
        TOK[role] = login("the-" + role)
    SECRETS.update(TOK.values())


def tearDownModule():
    S.close()


def login(name, password=USER_PASSWORD):
    t = S.login(name, password)
    SECRETS.add(t)
    return t


def cookie(token, name="fieldd_session"):
    return {"Cookie": "%s=%s" % (name, token)}


def sha(token):
    return hashlib.sha256(token.encode()).hexdigest()


def post_login(name, password, **kw):
    return S.request("POST", "/api/v1/session", body={"login": name, "password": password}, **kw)


class Login(ProblemAssertions, unittest.TestCase):
    def test_login_answers_token_user_and_cookie(self):
        r = post_login(ADMIN_LOGIN, ADMIN_PASSWORD)
        self.assertEqual(r.status, 201, r.text)
        b = r.json()
        SECRETS.add(b["token"])
        self.assertEqual(b["token_type"], "Bearer")
        self.assertRegex(b["token"], r"^[A-Za-z0-9_-]{43,}$")  # >= 256 bits
        self.assertEqual(b["user"]["login"], "admin")
        self.assertEqual(b["user"]["role"], "admin")
        self.assertNotIn("password_hash", b["user"])
        exp = datetime.datetime.fromisoformat(b["expires_at"])
        self.assertIsNotNone(exp.tzinfo, b["expires_at"])
        left = exp - datetime.datetime.now(datetime.timezone.utc)
        self.assertLess(abs(left - datetime.timedelta(hours=12)), datetime.timedelta(minutes=2))
        c = r.headers.get("Set-Cookie", "")
        self.assertTrue(c.startswith("fieldd_session=%s;" % b["token"]), c)
        attrs = [a.strip().lower() for a in c.split(";")[1:]]
        self.assertIn("httponly", attrs)
        self.assertIn("samesite=strict", attrs)
        self.assertIn("path=/", attrs)
        self.assertNotIn("secure", attrs)  # the base URL is http://
        # only the token's hash is stored
        self.assertEqual(S.sql("SELECT count(*) FROM sessions WHERE token_hash = '%s'"
                               % sha(b["token"])), "1")
        self.assertEqual(S.sql("SELECT count(*) FROM sessions WHERE token_hash = '%s'"
                               " OR position('%s' in sessions::text) > 0"
                               % (b["token"], b["token"])), "0")
        # and it works
        me = S.request("GET", "/api/v1/me", token=b["token"])
        self.assertEqual((me.status, me.json()["id"]), (200, S.admin_id))

    def test_login_is_case_insensitive_in_the_login(self):
        r = post_login("ADMIN", ADMIN_PASSWORD)
        self.assertEqual(r.status, 201, r.text)
        SECRETS.add(r.json()["token"])
        self.assertEqual(r.json()["user"]["login"], "admin")

    def test_wrong_password_and_unknown_login_look_alike(self):
        a = post_login(ADMIN_LOGIN, "wrong password here")
        b = post_login("nobody-at-all", "wrong password here")
        pa = self.assertProblem(a, 401, "bad_credentials")
        pb = self.assertProblem(b, 401, "bad_credentials")
        del pa["request_id"], pb["request_id"]
        self.assertEqual(pa, pb)
        self.assertIsNone(a.headers.get("Set-Cookie"))
        S.sql("DELETE FROM login_failures")

    def test_login_body_is_validated(self):
        self.assertProblem(S.request("POST", "/api/v1/session", body={"login": "admin"}),
                           422, "validation_failed", field="password")
        self.assertProblem(S.request("POST", "/api/v1/session",
                                     body={"login": "admin", "password": ADMIN_PASSWORD,
                                           "remember": True}),
                           422, "validation_failed", field="remember")
        self.assertProblem(S.request("POST", "/api/v1/session", raw_body="login=admin",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"}),
                           415, "unsupported_media_type")

    def test_sessions_are_independent_and_logout_kills_one(self):
        t1, t2 = login("the-engineer"), login("the-engineer")
        self.assertNotEqual(t1, t2)
        r = S.request("DELETE", "/api/v1/session", token=t1)
        self.assertEqual(r.status, 204, r.text)
        self.assertEqual(r.body, b"")
        c = r.headers.get("Set-Cookie", "")
        self.assertTrue(c.startswith("fieldd_session=;"), c)
        self.assertIn("max-age=0", c.lower())
        self.assertProblem(S.request("GET", "/api/v1/me", token=t1), 401, "unauthenticated")
        self.assertProblem(S.request("DELETE", "/api/v1/session", token=t1), 401,
                           "unauthenticated")
        self.assertEqual(S.sql("SELECT count(*) FROM sessions WHERE token_hash = '%s'" % sha(t1)),
                         "0")
        self.assertEqual(S.request("GET", "/api/v1/me", token=t2).status, 200)

    def test_expired_session_is_refused(self):
        t = login("the-lead")
        self.assertEqual(S.request("GET", "/api/v1/me", token=t).status, 200)
        S.sql("UPDATE sessions SET expires_at = now() - interval '1 second' "
              "WHERE token_hash = '%s'" % sha(t))
        r = S.request("GET", "/api/v1/me", token=t)
        self.assertProblem(r, 401, "unauthenticated")
        self.assertIn("invalid_token", r.headers.get("WWW-Authenticate", ""))

    def test_bad_credentials_in_requests(self):
        for hdrs in ({}, {"Authorization": "Bearer"}, {"Authorization": "Bearer nonsense"},
                     {"Authorization": "Basic YWRtaW46YWRtaW4="},
                     {"Authorization": "Bearer " + "A" * 43},
                     {"Authorization": "Bearer " + sha(TOK["admin"])},  # the stored hash
                     cookie("garbage"), {"Cookie": "other=" + TOK["admin"]}):
            with self.subTest(headers=hdrs):
                r = S.request("GET", "/api/v1/me", headers=hdrs)
                self.assertProblem(r, 401, "unauthenticated")
                self.assertTrue(r.headers.get("WWW-Authenticate", "").startswith("Bearer"))


class RoleMatrix(ProblemAssertions, unittest.TestCase):
    # (method, path, roles allowed, body that changes nothing when allowed)
    ROUTES = [
        ("GET", "/api/v1/me", ROLES, None),
        ("GET", "/api/v1/users", ("admin", "dispatcher", "lead"), None),
        ("POST", "/api/v1/users", ("admin",), {"bogus": 1}),
        ("GET", "/api/v1/users/{admin}", ("admin", "dispatcher", "lead"), None),
        ("PATCH", "/api/v1/users/{admin}", ("admin",), {"bogus": 1}),
        ("GET", "/api/v1/teams", ROLES, None),
        ("POST", "/api/v1/teams", ("admin",), {"bogus": 1}),
        ("GET", "/api/v1/teams/999", ROLES, None),
    ]

    def path(self, p):
        return p.replace("{admin}", str(S.admin_id))

    def test_every_protected_route_needs_a_login(self):
        routes = self.ROUTES + [("DELETE", "/api/v1/session", ROLES, None)]
        for method, path, _, body in routes:
            with self.subTest(method=method, path=path):
                r = S.request(method, self.path(path), body=body if body else
                              ({} if method in ("POST", "PATCH") else None))
                self.assertProblem(r, 401, "unauthenticated")

    def test_public_routes_need_no_login(self):
        for path in ("/healthz", "/readyz", "/metrics", "/api/v1/openapi.json"):
            with self.subTest(path=path):
                self.assertEqual(S.request("GET", path).status, 200)

    def test_roles(self):
        before = S.sql("SELECT count(*), max(updated_at) FROM users") + \
            S.sql("SELECT count(*) FROM teams")
        for method, path, allowed, body in self.ROUTES:
            for role in ROLES:
                with self.subTest(method=method, path=path, role=role):
                    r = S.request(method, self.path(path), body=body, token=TOK[role])
                    if role in allowed:
                        self.assertNotIn(r.status, (401, 403), r.text)
                    else:
                        p = self.assertProblem(r, 403, "forbidden")
                        self.assertIn(role, p.get("detail", ""))
        after = S.sql("SELECT count(*), max(updated_at) FROM users") + \
            S.sql("SELECT count(*) FROM teams")
        self.assertEqual(before, after)

    def test_engineer_cannot_create_or_promote(self):
        eng = TOK["engineer"]
        r = S.request("POST", "/api/v1/users", token=eng,
                      body={"login": "sneaky", "name": "S", "role": "admin",
                            "password": USER_PASSWORD})
        self.assertProblem(r, 403, "forbidden")
        r = S.request("PATCH", "/api/v1/users/%d" % USERS["engineer"]["id"], token=eng,
                      body={"role": "admin"})
        self.assertProblem(r, 403, "forbidden")
        self.assertEqual(S.sql("SELECT role FROM users WHERE login = 'the-engineer'"), "engineer")
        self.assertEqual(S.sql("SELECT count(*) FROM users WHERE login = 'sneaky'"), "0")

    def test_role_change_applies_to_open_sessions(self):
        u = S.create_user(TOK["admin"], "promoted", "engineer")
        t = login("promoted")
        self.assertProblem(S.request("GET", "/api/v1/users", token=t), 403, "forbidden")
        r = S.request("PATCH", "/api/v1/users/%d" % u["id"], token=TOK["admin"],
                      body={"role": "dispatcher"})
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(S.request("GET", "/api/v1/users", token=t).status, 200)


class Csrf(ProblemAssertions, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lead_id = USERS["lead"]["id"]

    def team(self, name, headers, token=None):
        return S.request("POST", "/api/v1/teams", body={"name": name, "lead_id": self.lead_id},
                         headers=headers, token=token)

    def teams_named(self, name):
        return int(S.sql("SELECT count(*) FROM teams WHERE name = '%s'" % name))

    def test_cookie_reads_need_no_origin(self):
        r = S.request("GET", "/api/v1/me", headers=cookie(TOK["admin"]))
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(r.json()["login"], "admin")

    def test_cookie_writes_need_a_same_origin(self):
        c = cookie(TOK["admin"])
        port = S.server.port
        refused = [{}, {"Origin": "http://evil.example"}, {"Origin": "null"},
                   {"Origin": "http://127.0.0.1:%d.evil.example" % port},
                   {"Origin": "https://127.0.0.1:%d" % port},
                   {"Sec-Fetch-Site": "cross-site"}]
        for h in refused:
            with self.subTest(headers=h):
                self.assertProblem(self.team("csrf-team", dict(c, **h)), 403, "cross_origin")
        self.assertEqual(self.teams_named("csrf-team"), 0)
        # a logout by cookie from elsewhere does not end the session either
        self.assertProblem(S.request("DELETE", "/api/v1/session",
                                     headers=dict(c, Origin="http://evil.example")),
                           403, "cross_origin")
        self.assertEqual(S.request("GET", "/api/v1/me", token=TOK["admin"]).status, 200)

        r = self.team("csrf-ok-1", dict(c, Origin=S.server.base_url))
        self.assertEqual(r.status, 201, r.text)
        # Origin equal to http://<Host> (a proxy's name for us) is same-origin too
        r = self.team("csrf-ok-2", dict(c, Origin="http://fieldd.local:8080",
                                        Host="fieldd.local:8080"))
        self.assertEqual(r.status, 201, r.text)
        r = self.team("csrf-ok-3", dict(c, **{"Sec-Fetch-Site": "same-origin"}))
        self.assertEqual(r.status, 201, r.text)

    def test_bearer_writes_need_no_origin(self):
        r = self.team("bearer-team", {"Origin": "http://evil.example"}, token=TOK["admin"])
        self.assertEqual(r.status, 201, r.text)
        self.assertEqual(self.teams_named("bearer-team"), 1)

    def test_cookie_logout_from_same_origin(self):
        t = login("the-dispatcher")
        r = S.request("DELETE", "/api/v1/session",
                      headers=dict(cookie(t), Origin=S.server.base_url))
        self.assertEqual(r.status, 204, r.text)
        self.assertProblem(S.request("GET", "/api/v1/me", token=t), 401, "unauthenticated")
        TOK["dispatcher"] = login("the-dispatcher")


class HttpsBaseUrl(ProblemAssertions, unittest.TestCase):
    """A second fieldd on the same database, as behind a TLS proxy."""

    def test_secure_host_cookie_and_shared_sessions(self):
        base = "https://fieldd.example"
        with harness.Server(S.url, env={"FIELDD_BASE_URL": base,
                                        "FIELDD_SESSION_HOURS": "2"}) as srv:
            srv.wait_ready()
            r = srv.request("POST", "/api/v1/session",
                            body={"login": "the-lead", "password": USER_PASSWORD})
            self.assertEqual(r.status, 201, r.text)
            tok = r.json()["token"]
            SECRETS.add(tok)
            c = r.headers.get("Set-Cookie", "")
            self.assertTrue(c.startswith("__Host-fieldd_session=%s;" % tok), c)
            attrs = [a.strip().lower() for a in c.split(";")[1:]]
            for a in ("secure", "httponly", "samesite=strict", "path=/", "max-age=7200"):
                self.assertIn(a, attrs)
            self.assertNotIn("domain", " ".join(attrs))
            # the device cookie too is __Host- and Secure there
            dc = [v for k, v in r.headers.items() if k.lower() == "set-cookie"
                  and v.startswith("__Host-fieldd_device=")]
            self.assertEqual(len(dc), 1, r.headers)
            SECRETS.add(dc[0].split(";")[0].split("=", 1)[1])
            dattrs = [a.strip().lower() for a in dc[0].split(";")[1:]]
            for a in ("secure", "httponly", "samesite=strict", "path=/"):
                self.assertIn(a, dattrs)
            exp = datetime.datetime.fromisoformat(r.json()["expires_at"])
            left = exp - datetime.datetime.now(datetime.timezone.utc)
            self.assertLess(abs(left - datetime.timedelta(hours=2)), datetime.timedelta(minutes=2))
            # the cookie under its secure name works there; the plain name does not
            self.assertEqual(srv.request("GET", "/api/v1/me",
                                         headers=cookie(tok, "__Host-fieldd_session")).status, 200)
            self.assertEqual(srv.request("GET", "/api/v1/me", headers=cookie(tok)).status, 401)
            # same-origin is the https base URL
            r = srv.request("PATCH", "/api/v1/users/%d" % USERS["lead"]["id"],
                            headers=dict(cookie(TOK["admin"], "__Host-fieldd_session"),
                                         Origin=base), body={"name": "Lead Via Proxy"})
            self.assertEqual(r.status, 200, r.text)
            # a session made by one process is good on the other (shared database)
            me = S.request("GET", "/api/v1/me", token=tok)
            self.assertEqual((me.status, me.json()["name"]), (200, "Lead Via Proxy"))
            self.assertEqual(srv.stop(), 0)


def device_of(r):
    """The device cookie's value from a 201 login, or None."""
    for k, v in r.headers.items():
        if k.lower() == "set-cookie" and v.startswith("fieldd_device="):
            return v.split(";")[0].split("=", 1)[1]
    return None


class Throttling(ProblemAssertions, unittest.TestCase):
    """Slow down per login and address; never lock the owner out (docs/rules.md)."""

    def setUp(self):
        S.sql("DELETE FROM login_failures; DELETE FROM device_cookies")

    tearDown = setUp

    def test_strangers_do_not_lock_the_owner_out(self):
        S.create_user(TOK["admin"], "target", "engineer")
        # 10 wrong passwords from two other addresses (before: the login was locked)
        for i in range(10):
            r = post_login("target" if i % 2 else "TARGET", "not the password %d" % i,
                           source="127.0.0.%d" % (20 + i % 2))
            self.assertProblem(r, 401, "bad_credentials")
        # the owner, from their own address, gets in at once
        r = post_login("target", USER_PASSWORD, source="127.0.0.30")
        self.assertEqual(r.status, 201, r.text)
        SECRETS.add(r.json()["token"])
        self.assertEqual(S.sql("SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id"
                               " WHERE u.login = 'target'"), "1")

    def test_the_guessing_address_is_slowed_down_more_and_more(self):
        S.create_user(TOK["admin"], "slowed", "engineer")
        for i in range(5):  # the free tries
            self.assertProblem(post_login("slowed", "wrong %d" % i, source="127.0.0.40"), 401,
                               "bad_credentials")
        r = post_login("slowed", "wrong again", source="127.0.0.40")
        p = self.assertProblem(r, 429, "rate_limited")
        first_wait = int(r.headers.get("Retry-After"))
        self.assertTrue(0 < first_wait <= 15, first_wait)
        self.assertIn("seconds", p["detail"])
        # even the right password waits its turn from there: the password is not checked
        self.assertProblem(post_login("slowed", USER_PASSWORD, source="127.0.0.40"), 429,
                           "rate_limited")
        # a refused try does not count as a failure
        self.assertEqual(S.sql("SELECT count(*) FROM login_failures"), "5")
        # once the wait is over, one more try is heard; failing it doubles the wait
        S.sql("UPDATE login_failures SET at = at - interval '16 seconds'")
        self.assertProblem(post_login("slowed", "wrong 6", source="127.0.0.40"), 401,
                           "bad_credentials")
        r = post_login("slowed", "wrong 7", source="127.0.0.40")
        self.assertProblem(r, 429, "rate_limited")
        self.assertGreater(int(r.headers.get("Retry-After")), 15)
        # and after the wait the right password works: a slow-down, not a lock
        S.sql("UPDATE login_failures SET at = at - interval '31 seconds'")
        r = post_login("slowed", USER_PASSWORD, source="127.0.0.40")
        self.assertEqual(r.status, 201, r.text)
        SECRETS.add(r.json()["token"])
        # other logins from the same address (an office behind one NAT) were never held up
        self.assertEqual(S.sql("SELECT count(*) FROM login_failures"), "0")

    def test_an_office_behind_one_address_is_not_blocked(self):
        S.sql("INSERT INTO login_failures (login, addr) SELECT 'guess' || g, '127.0.0.1' "
              "FROM generate_series(1, 200) g")
        r = post_login("the-lead", USER_PASSWORD)
        self.assertEqual(r.status, 201, r.text)
        SECRETS.add(r.json()["token"])

    def test_past_100_failures_only_a_known_browser_gets_in(self):
        S.create_user(TOK["admin"], "besieged", "engineer")
        r = post_login("besieged", USER_PASSWORD, source="127.0.0.50")
        self.assertEqual(r.status, 201, r.text)
        SECRETS.add(r.json()["token"])
        dev = device_of(r)
        self.assertTrue(dev and len(dev) >= 40, r.headers)
        SECRETS.add(dev)
        set_cookie = [v for k, v in r.headers.items()
                      if k.lower() == "set-cookie" and v.startswith("fieldd_device=")][0]
        self.assertIn("HttpOnly", set_cookie)
        self.assertIn("SameSite=Strict", set_cookie)
        # stored hashed only
        self.assertEqual(S.sql("SELECT count(*) FROM device_cookies WHERE token_hash = '%s'"
                               % sha(dev)), "1")
        self.assertEqual(S.sql("SELECT count(*) FROM device_cookies WHERE token_hash = '%s'"
                               % dev), "0")
        # a botnet spends the account's 100 failures from many addresses
        S.sql("INSERT INTO login_failures (login, addr) SELECT 'besieged', '10.1.' || g || '.1'"
              " FROM generate_series(1, 100) g")
        # a new browser, even with the right password, must wait
        r = post_login("besieged", USER_PASSWORD, source="127.0.0.51")
        p = self.assertProblem(r, 429, "rate_limited")
        self.assertIn("browser", p["detail"])
        self.assertGreaterEqual(int(r.headers.get("Retry-After")), 60)
        # the owner's browser is let in
        r = post_login("besieged", USER_PASSWORD, source="127.0.0.51",
                       headers=cookie(dev, "fieldd_device"))
        self.assertEqual(r.status, 201, r.text)
        SECRETS.add(r.json()["token"])
        self.assertEqual(device_of(r), dev)  # renewed, not replaced

    def test_a_device_cookie_is_per_account_and_bounded(self):
        S.create_user(TOK["admin"], "owner1", "engineer")
        S.create_user(TOK["admin"], "other1", "engineer")
        r = post_login("owner1", USER_PASSWORD)
        SECRETS.add(r.json()["token"])
        dev = device_of(r)
        SECRETS.add(dev)
        S.sql("INSERT INTO login_failures (login, addr) SELECT l, '10.2.0.' || g FROM "
              "generate_series(1, 100) g, (VALUES ('owner1'), ('other1')) v(l)")
        # owner1's cookie opens nothing for other1, and a made-up one nothing for owner1
        self.assertProblem(post_login("other1", USER_PASSWORD, headers=cookie(dev, "fieldd_device")),
                           429, "rate_limited")
        self.assertProblem(post_login("owner1", USER_PASSWORD,
                                      headers=cookie("x" * 43, "fieldd_device")),
                           429, "rate_limited")
        # a stolen cookie does not give unlimited guesses: 10 wrong passwords end it
        for i in range(10):
            self.assertProblem(post_login("owner1", "wrong %d" % i,
                                          headers=cookie(dev, "fieldd_device")),
                               401, "bad_credentials")
        self.assertProblem(post_login("owner1", USER_PASSWORD,
                                      headers=cookie(dev, "fieldd_device")), 429, "rate_limited")

    def test_many_parallel_wrong_attempts_are_401_or_429_never_503(self):
        # before: concurrent failures of one login conflicted (serializable) into 503s
        S.create_user(TOK["admin"], "crowded", "engineer")
        statuses, errors = [], []
        lock = threading.Lock()

        def guess(k):
            for j in range(2):
                try:
                    # each wrong password costs an Argon2id check on a 2-core machine
                    r = post_login("crowded", "wrong %d %d" % (k, j),
                                   source="127.0.0.%d" % (60 + k % 4), timeout=60)
                    with lock:
                        statuses.append(r.status)
                except Exception as e:  # noqa: BLE001 - reported below
                    with lock:
                        errors.append(repr(e))

        threads = [threading.Thread(target=guess, args=(k,)) for k in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        self.assertEqual(len(statuses), 32)
        self.assertTrue(set(statuses) <= {401, 429}, sorted(set(statuses)))
        # every guessing address has used its free tries and now waits
        for a in range(60, 64):
            r = post_login("crowded", "one more", source="127.0.0.%d" % a, timeout=60)
            self.assertProblem(r, 429, "rate_limited")
        r = post_login("crowded", USER_PASSWORD, source="127.0.0.70")
        self.assertEqual(r.status, 201, r.text)
        SECRETS.add(r.json()["token"])


class AccountChanges(ProblemAssertions, unittest.TestCase):
    def patch(self, uid, body, token=None):
        return S.request("PATCH", "/api/v1/users/%d" % uid, body=body,
                         token=token or TOK["admin"])

    def test_password_change_ends_all_sessions_of_that_user(self):
        u = S.create_user(TOK["admin"], "changer", "engineer")
        t1, t2 = login("changer"), login("changer")
        other = login("the-engineer")
        new_pw = "brand-new-password-42"
        SECRETS.add(new_pw)
        r = self.patch(u["id"], {"password": new_pw})
        self.assertEqual(r.status, 200, r.text)
        self.assertNotIn(new_pw, r.text)
        for t in (t1, t2):
            self.assertProblem(S.request("GET", "/api/v1/me", token=t), 401, "unauthenticated")
        self.assertEqual(S.request("GET", "/api/v1/me", token=other).status, 200)
        self.assertProblem(post_login("changer", USER_PASSWORD), 401, "bad_credentials")
        self.assertEqual(post_login("changer", new_pw).status, 201)
        S.sql("DELETE FROM login_failures")

    def test_short_password_is_refused(self):
        r = self.patch(USERS["engineer"]["id"], {"password": "short"})
        self.assertProblem(r, 422, "validation_failed", field="password")
        self.assertEqual(post_login("the-engineer", USER_PASSWORD).status, 201)

    def test_deactivation_ends_sessions_and_logins(self):
        u = S.create_user(TOK["admin"], "leaver", "lead")
        t = login("leaver")
        r = self.patch(u["id"], {"active": False})
        self.assertEqual((r.status, r.json()["active"]), (200, False))
        self.assertProblem(S.request("GET", "/api/v1/me", token=t), 401, "unauthenticated")
        self.assertProblem(post_login("leaver", USER_PASSWORD), 401, "bad_credentials")
        self.assertEqual(self.patch(u["id"], {"active": True}).status, 200)
        self.assertEqual(post_login("leaver", USER_PASSWORD).status, 201)
        S.sql("DELETE FROM login_failures")

    def test_last_active_admin_cannot_go(self):
        admin = S.admin_id
        self.assertProblem(self.patch(admin, {"role": "dispatcher"}), 409, "conflict")
        self.assertProblem(self.patch(admin, {"active": False}), 409, "conflict")
        self.assertEqual(S.sql("SELECT role, active FROM users WHERE id = %d" % admin),
                         "admin|t")
        # a second admin makes a demotion possible ...
        a2 = S.create_user(TOK["admin"], "admin-two", "admin")
        r = self.patch(a2["id"], {"role": "lead"})
        self.assertEqual((r.status, r.json()["role"]), (200, "lead"))
        # ... an inactive admin does not count as a second one
        a3 = S.create_user(TOK["admin"], "admin-three", "admin")
        self.assertEqual(self.patch(a3["id"], {"active": False}).status, 200)
        self.assertProblem(self.patch(admin, {"role": "engineer"}), 409, "conflict")
        self.assertEqual(S.sql("SELECT role FROM users WHERE id = %d" % admin), "admin")
        # the admin may still edit their own other fields
        self.assertEqual(self.patch(admin, {"name": "Still Admin"}).status, 200)

    def test_two_admins_demoting_each_other_at_once_leave_one(self):
        admin = S.admin_id
        for round_ in range(3):
            b = S.create_user(TOK["admin"], "rival%d" % round_, "admin")
            tok_b = login("rival%d" % round_)
            results = {}
            gate = threading.Barrier(2)

            def demote(who, target, token):
                gate.wait()
                results[who] = self.patch(target, {"role": "lead"}, token=token)
            ts = [threading.Thread(target=demote, args=("a", b["id"], TOK["admin"])),
                  threading.Thread(target=demote, args=("b", admin, tok_b))]
            for t in ts:
                t.start()
            for t in ts:
                t.join(30)
            statuses = sorted(r.status for r in results.values())
            self.assertEqual(statuses[0], 200, results)
            self.assertIn(statuses[1], (403, 409), results)  # refused, by role or as last
            self.assertEqual(S.sql("SELECT count(*) FROM users WHERE role = 'admin' AND active"),
                             "1")
            # put things back for the next round and the other tests
            S.sql("UPDATE users SET role = 'admin' WHERE id = %d" % admin)
            S.sql("UPDATE users SET role = 'lead' WHERE id = %d" % b["id"])

    def test_account_and_team_changes_are_in_the_audit_trail(self):
        """Who made or changed an account or a team, and what it was before: one audit row
        each, in the same transaction, and never a password or its hash."""
        def audit(action, subject):
            return S.sql("SELECT coalesce(actor_id, 0), coalesce(before::text, ''), after::text"
                         " FROM audit_events WHERE action = '%s' AND (after->>'id')::bigint = %d"
                         % (action, subject))
        # the first admin came from the command line: no actor, the login and the role
        row = audit("user.created", S.admin_id)
        self.assertTrue(row.startswith("0||"), row)
        self.assertIn('"via": "command line"', row)
        self.assertIn('"role": "admin"', row)
        secret = "audited-password-77"
        SECRETS.add(secret)
        u = S.create_user(TOK["admin"], "audited", "engineer", password=secret)
        actor, before, after = audit("user.created", u["id"]).split("|")
        self.assertEqual((int(actor), before), (S.admin_id, ""))
        self.assertIn('"login": "audited"', after)
        r = self.patch(u["id"], {"name": "Renamed", "password": secret + "-2"})
        self.assertEqual(r.status, 200, r.text)
        actor, before, after = audit("user.changed", u["id"]).split("|")
        self.assertEqual(int(actor), S.admin_id)
        self.assertIn('"name": "Audited"', before)
        self.assertIn('"name": "Renamed"', after)
        self.assertIn('"password_changed": true', after)
        lead = S.create_user(TOK["admin"], "audit-lead", "lead")
        r = S.request("POST", "/api/v1/teams", body={"name": "감사팀", "lead_id": lead["id"]},
                      token=TOK["admin"])
        self.assertEqual(r.status, 201, r.text)
        actor, _, after = audit("team.created", r.json()["id"]).split("|")
        self.assertEqual(int(actor), S.admin_id)
        self.assertIn('"lead_id": %d' % lead["id"], after)
        # a refused change leaves no row
        n = S.sql("SELECT count(*) FROM audit_events WHERE action = 'user.changed'")
        self.assertProblem(self.patch(u["id"], {"role": "wizard"}), 422, "validation_failed")
        self.assertEqual(S.sql("SELECT count(*) FROM audit_events WHERE action = 'user.changed'"),
                         n)
        trail = S.sql("SELECT string_agg(coalesce(before::text, '') || after::text, ' ')"
                      " FROM audit_events WHERE action LIKE 'user.%' OR action LIKE 'team.%'")
        self.assertNotIn(secret, trail)
        self.assertNotIn("password_hash", trail)
        self.assertNotIn("$argon2", trail)

    def test_patch_of_unknown_user_is_404(self):
        self.assertProblem(self.patch(987654, {"name": "x"}), 404, "not_found")


class ZLog(unittest.TestCase):
    """Runs last (classes run in name order)."""

    def test_log_never_holds_tokens_or_passwords(self):
        log = S.server.log_text()
        self.assertIn('"route":"/api/v1/session"', log)
        for s in sorted(SECRETS):
            self.assertNotIn(s, log)
            self.assertNotIn(sha(s), log)


if __name__ == "__main__":
    harness.main()
