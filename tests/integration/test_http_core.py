"""HTTP core over real HTTP: router answers (404/405/413/414/415), strict JSON (400/422),
problem+json shape, request ids, security headers, metrics, openapi.json, and that nothing
is written when a request is refused."""

import datetime
import gzip
import json
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from support import (Stack, ProblemAssertions, raw_http, split_responses,  # noqa: E402
                     metric_value, USER_PASSWORD)

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def setUpModule():
    global S, TOKEN
    S = Stack()
    TOKEN = S.admin_token()


def tearDownModule():
    S.close()


def user_count():
    return int(S.sql("SELECT count(*) FROM users"))


def valid_user(login):
    return {"login": login, "name": "N " + login, "role": "engineer", "password": USER_PASSWORD}


class RouterAnswers(ProblemAssertions, unittest.TestCase):
    def test_unknown_paths_are_404(self):
        for path in ("/nope", "/api/v1/me/", "/api/v1", "/api/v2/me", "/api/v1/users/1/x",
                     "/API/V1/ME"):
            with self.subTest(path=path):
                p = self.assertProblem(S.request("GET", path, token=TOKEN), 404, "not_found")
                self.assertNotIn("errors", p)

    def test_bad_ids_are_404(self):
        for path in ("/api/v1/users/abc", "/api/v1/users/0", "/api/v1/users/-1",
                     "/api/v1/users/99999999", "/api/v1/users/1e3",
                     "/api/v1/users/99999999999999999999999", "/api/v1/teams/424242"):
            with self.subTest(path=path):
                self.assertProblem(S.request("GET", path, token=TOKEN), 404, "not_found")

    def test_wrong_method_is_405_with_allow(self):
        cases = [("DELETE", "/api/v1/users", {"GET", "POST"}),
                 ("PUT", "/api/v1/users/1", {"GET", "PATCH"}),
                 ("POST", "/api/v1/me", {"GET"}),
                 ("GET", "/api/v1/session", {"POST", "DELETE"}),
                 ("POST", "/healthz", {"GET"})]
        for method, path, allowed in cases:
            with self.subTest(method=method, path=path):
                r = S.request(method, path, token=TOKEN)
                self.assertProblem(r, 405, "method_not_allowed")
                allow = {m.strip() for m in r.headers.get("Allow", "").split(",") if m.strip()}
                self.assertEqual(allow, allowed)

    def test_405_and_404_come_before_authentication(self):
        # no token at all: the router answers before asking who you are
        self.assertEqual(S.request("PUT", "/api/v1/users/1").status, 405)
        self.assertEqual(S.request("GET", "/api/v1/nothing").status, 404)

    def test_head_is_get_without_body(self):
        r = S.request("HEAD", "/healthz")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body, b"")

    def test_uri_too_long_is_414(self):
        # the limit holds for the path and for the query string
        for path in ("/api/v1/" + "a" * 3000, "/api/v1/users?x=" + "a" * 3000,
                     "/api/v1/users?" + "&".join("k%d=v" % i for i in range(600)),
                     "/api/v1/users?x=" + "a" * 40000):
            with self.subTest(length=len(path)):
                self.assertProblem(S.request("GET", path, token=TOKEN), 414, "uri_too_long")
        self.assertEqual(S.request("GET", "/api/v1/users?limit=5&x=" + "a" * 1500,
                                   token=TOKEN).status, 200)

    def test_query_parameters_are_checked(self):
        for q in ("limit=0", "limit=abc", "limit=501", "limit=-1", "cursor=x"):
            with self.subTest(q=q):
                self.assertProblem(S.request("GET", "/api/v1/users?" + q, token=TOKEN),
                                   400, "bad_query")

    def test_list_pagination(self):
        before = {u["id"] for u in S.request("GET", "/api/v1/users?limit=500",
                                              token=TOKEN).json()["items"]}
        for i in range(2):
            S.create_user(TOKEN, "page%d" % i, "engineer")
        seen, cursor = [], None
        for _ in range(200):
            r = S.request("GET", "/api/v1/users?limit=2" + ("&cursor=" + cursor if cursor else ""),
                          token=TOKEN)
            self.assertEqual(r.status, 200, r.text)
            body = r.json()
            self.assertLessEqual(len(body["items"]), 2)
            seen += [u["id"] for u in body["items"]]
            cursor = body["next_cursor"]
            if cursor is None:
                break
        self.assertEqual(len(seen), len(set(seen)))
        self.assertEqual(seen, sorted(seen))
        self.assertIsNone(cursor)
        self.assertGreaterEqual(len(seen), len(before) + 2)


class Bodies(ProblemAssertions, unittest.TestCase):
    def post_users(self, raw, ctype="application/json", extra=None):
        h = {"Content-Type": ctype} if ctype else {}
        h.update(extra or {})
        return S.request("POST", "/api/v1/users", raw_body=raw, headers=h, token=TOKEN)

    def test_unsupported_media_type_is_415(self):
        body = json.dumps(valid_user("mt415"))
        n = user_count()
        for ct in (None, "text/plain", "application/x-www-form-urlencoded", "application/jsonx",
                   "application/json-patch+json", "multipart/form-data; boundary=x"):
            with self.subTest(ct=ct):
                self.assertProblem(self.post_users(body, ctype=ct), 415,
                                   "unsupported_media_type")
        self.assertEqual(user_count(), n)
        self.assertEqual(S.sql("SELECT count(*) FROM users WHERE login = 'mt415'"), "0")

    def test_json_content_type_with_charset_is_accepted(self):
        r = self.post_users(json.dumps(valid_user("charset1")),
                            ctype="application/json; charset=utf-8")
        self.assertEqual(r.status, 201, r.text)
        r = self.post_users(json.dumps(valid_user("charset2")), ctype="Application/JSON")
        self.assertEqual(r.status, 201, r.text)

    def test_too_large_by_content_length_is_413(self):
        n = user_count()
        u = valid_user("big413")
        u["name"] = "x" * (17 * 1024)
        r = self.post_users(json.dumps(u))
        self.assertProblem(r, 413, "body_too_large")
        # the login route has a smaller cap, and refuses before any authentication
        r = S.request("POST", "/api/v1/session",
                      body={"login": "admin", "password": "p" * 5000})
        self.assertProblem(r, 413, "body_too_large")
        self.assertEqual(user_count(), n)

    def test_too_large_chunked_without_content_length_is_413(self):
        n = user_count()
        u = valid_user("chunk413")
        u["name"] = "y" * (40 * 1024)
        payload = json.dumps(u).encode()
        chunks = b"".join(b"%x\r\n%s\r\n" % (len(payload[i:i + 4000]), payload[i:i + 4000])
                          for i in range(0, len(payload), 4000))
        req = (b"POST /api/v1/users HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               b"Authorization: Bearer " + TOKEN.encode() + b"\r\n"
               b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
               b"Connection: close\r\n\r\n" + chunks + b"0\r\n\r\n")
        resp = split_responses(raw_http(S.server.port, req))
        self.assertEqual(len(resp), 1)
        status, hdrs, body = resp[0]
        self.assertEqual(status, 413, body)
        self.assertEqual(json.loads(body)["code"], "body_too_large")
        self.assertEqual(user_count(), n)
        self.assertEqual(S.sql("SELECT count(*) FROM users WHERE login = 'chunk413'"), "0")

    def test_body_size_limit_is_exact(self):
        # 16 KiB for POST /api/v1/users: exactly the cap is read, one byte more is not
        def sized(n):
            u = valid_user("sized")
            u["name"] = ""
            pad = n - len(json.dumps(u))
            u["name"] = "z" * pad
            raw = json.dumps(u)
            self.assertEqual(len(raw), n)
            return raw
        p = self.assertProblem(self.post_users(sized(16 * 1024)), 422, "validation_failed")
        self.assertEqual([e["field"] for e in p["errors"]], ["name"])  # too long, not too big
        self.assertProblem(self.post_users(sized(16 * 1024 + 1)), 413, "body_too_large")
        # 4 KiB for the login
        body = '{"login": "admin", "password": "%s"}'
        pw = "p" * (4096 - len(body % ""))
        r = S.request("POST", "/api/v1/session", raw_body=body % pw,
                      headers={"Content-Type": "application/json"})
        self.assertProblem(r, 422, "validation_failed", field="password")  # > 1024 chars
        r = S.request("POST", "/api/v1/session", raw_body=body % (pw + "p"),
                      headers={"Content-Type": "application/json"})
        self.assertProblem(r, 413, "body_too_large")

    def test_small_chunked_body_is_accepted(self):
        payload = json.dumps(valid_user("chunkok")).encode()
        chunks = b"".join(b"%x\r\n%s\r\n" % (len(payload[i:i + 10]), payload[i:i + 10])
                          for i in range(0, len(payload), 10))
        req = (b"POST /api/v1/users HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               b"Authorization: Bearer " + TOKEN.encode() + b"\r\n"
               b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
               b"Connection: close\r\n\r\n" + chunks + b"0\r\n\r\n")
        status, _, body = split_responses(raw_http(S.server.port, req))[0]
        self.assertEqual(status, 201, body)
        self.assertEqual(json.loads(body)["login"], "chunkok")

    def test_body_on_a_bodyless_route_is_refused(self):
        r = S.request("GET", "/api/v1/me", raw_body="{}", token=TOKEN,
                      headers={"Content-Type": "application/json"})
        self.assertProblem(r, 413, "body_too_large")

    def test_malformed_json_is_400(self):
        n = user_count()
        good = json.dumps(valid_user("malformed"))
        cases = {
            "truncated": good[:-5],
            "trailing garbage": good + " x",
            "two values": good + good,
            "single quotes": good.replace('"', "'"),
            "trailing comma": good[:-1] + ",}",
            "comment": "/* c */" + good,
            "NaN": '{"login": NaN}',
            "Infinity": '{"x": [1, -Infinity]}',
            "number out of range": '{"x": 1e999}',
            "null body": "null",
            "bare word": "hello",
            "unterminated string": '{"login": "abc',
        }
        for name, raw in cases.items():
            with self.subTest(case=name):
                p = self.assertProblem(self.post_users(raw), 400, "malformed_json")
                self.assertTrue(p.get("detail"), p)
        self.assertEqual(user_count(), n)

    def test_empty_body_is_an_empty_object(self):
        # no body stands for {}: the fields it lacks are named, as for {} itself
        n = user_count()
        for raw, ctype in (("", "application/json"), ("", None), ("{}", "application/json")):
            with self.subTest(raw=raw, ctype=ctype):
                r = S.request("POST", "/api/v1/users", raw_body=raw, token=TOKEN,
                              headers={"Content-Type": ctype} if ctype else None)
                self.assertProblem(r, 422, "validation_failed", field="login")
        self.assertEqual(user_count(), n)

    def test_trailing_whitespace_is_fine(self):
        r = self.post_users(json.dumps(valid_user("trailingws")) + " \r\n\t")
        self.assertEqual(r.status, 201, r.text)

    def test_invalid_utf8_is_400(self):
        n = user_count()
        for raw in (b'{"login": "ab\xff", "name": "x", "role": "engineer", "password": "%s"}'
                    % USER_PASSWORD.encode(),
                    b'{"login": "abc", "name": "\xc3\x28", "role": "engineer"}',
                    b'{"login": "abc", "name": "\xed\xa0\x80"}',  # UTF-16 surrogate
                    b'{"login": "abc", "name": "\xc0\xaf"}'):  # overlong
            with self.subTest(raw=raw):
                self.assertProblem(self.post_users(raw), 400, "malformed_json")
        self.assertEqual(user_count(), n)

    def test_nesting_depth_limit(self):
        def nested(depth):  # depth counts the outer object as 1
            return '{"x": ' + "[" * (depth - 1) + "]" * (depth - 1) + "}"
        # 16 levels parse (then fail validation on the unknown field x) ...
        p = self.assertProblem(self.post_users(nested(16)), 422, "validation_failed", field="x")
        self.assertIsNotNone(p)
        # ... 17 levels do not parse at all
        self.assertProblem(self.post_users(nested(17)), 400, "malformed_json")
        self.assertProblem(self.post_users(nested(200)), 400, "malformed_json")

    def test_huge_and_wrong_typed_numbers_name_their_field(self):
        n = int(S.sql("SELECT count(*) FROM teams"))
        for v in ("123456789012345678901234567890", "9223372036854775808",
                  "-9223372036854775809", "1.5", "1e3", '"7"', "true", "0", "-4"):
            with self.subTest(v=v):
                r = S.request("POST", "/api/v1/teams", token=TOKEN,
                              raw_body='{"name": "t-%s", "lead_id": %s}' % (len(v), v),
                              headers={"Content-Type": "application/json"})
                self.assertProblem(r, 422, "validation_failed", field="lead_id")
        self.assertEqual(int(S.sql("SELECT count(*) FROM teams")), n)

    def test_validation_errors_name_each_field_once(self):
        n = user_count()
        body = {"login": "A", "name": "", "role": "boss", "bogus": 1, "also_bogus": [],
                "skills": ["laptop", "laptop"], "team_id": "x"}
        r = S.request("POST", "/api/v1/users", body=body, token=TOKEN)
        p = self.assertProblem(r, 422, "validation_failed")
        fields = [e["field"] for e in p["errors"]]
        self.assertEqual(len(fields), len(set(fields)), p)
        self.assertEqual(set(fields), {"login", "name", "role", "bogus", "also_bogus",
                                       "skills", "team_id", "password"})
        for e in p["errors"]:
            self.assertIsInstance(e["message"], str)
            self.assertTrue(e["message"])
        self.assertEqual(user_count(), n)

    def test_body_must_be_an_object(self):
        for raw in ("[]", "1", '"x"', "true", " 42 "):
            with self.subTest(raw=raw):
                self.assertProblem(self.post_users(raw), 422, "validation_failed")

    def test_null_for_required_field(self):
        u = valid_user("nulls")
        u["name"] = None
        self.assertProblem(S.request("POST", "/api/v1/users", body=u, token=TOKEN), 422,
                           "validation_failed", field="name")

    def test_embedded_nul_is_not_silently_truncated(self):
        # "evil\u0000x" must not become the login "evil"
        n = user_count()
        u = valid_user("evil\u0000tail")
        r = S.request("POST", "/api/v1/users", body=u, token=TOKEN)
        self.assertProblem(r, 400, "malformed_json")
        # nor may a NUL in a key alias a known field
        raw = json.dumps(valid_user("x")).replace('"login": "x"', '"login\\u0000zz": "evil2"')
        self.assertProblem(self.post_users(raw), 400, "malformed_json")
        self.assertEqual(user_count(), n)
        self.assertEqual(S.sql("SELECT count(*) FROM users WHERE login LIKE 'evil%'"), "0")
        # nor may a NUL cut a password short at login
        r = S.request("POST", "/api/v1/session",
                      body={"login": "admin", "password": "admin-pass-Zq8!xv3\u0000whatever"})
        self.assertProblem(r, 400, "malformed_json")
        # an escaped backslash followed by the text u0000 is an ordinary string
        r = S.request("POST", "/api/v1/users", token=TOKEN,
                      body=dict(valid_user("backslash"), name="C:\\u0000dir"))
        self.assertEqual(r.status, 201, r.text)
        self.assertEqual(r.json()["name"], "C:\\u0000dir")

    def test_duplicate_login_is_409(self):
        S.create_user(TOKEN, "dupe", "engineer")
        r = S.request("POST", "/api/v1/users", body=valid_user("dupe"), token=TOKEN)
        self.assertProblem(r, 409, "duplicate")
        self.assertEqual(S.sql("SELECT count(*) FROM users WHERE login = 'dupe'"), "1")

    def test_created_user_is_returned_and_stored(self):
        r = S.request("POST", "/api/v1/users", token=TOKEN,
                      body=dict(valid_user("stored1"), phone="010-1234-5678",
                                email="s@example.com", skills=["printer", "laptop"]))
        self.assertEqual(r.status, 201, r.text)
        u = r.json()
        self.assertIsInstance(u["id"], int)
        self.assertEqual(r.headers.get("Location"), "/api/v1/users/%d" % u["id"])
        self.assertNotIn("password", u)
        self.assertNotIn("password_hash", u)
        self.assertEqual(sorted(u["skills"]), ["laptop", "printer"])
        row = S.sql("SELECT login, role, phone, email, password_hash LIKE '$argon2id$%%' "
                    "FROM users WHERE id = %d" % u["id"])
        self.assertEqual(row, "stored1|engineer|010-1234-5678|s@example.com|t")
        self.assertNotIn(USER_PASSWORD, S.sql("SELECT password_hash FROM users WHERE id = %d"
                                              % u["id"]))
        g = S.request("GET", "/api/v1/users/%d" % u["id"], token=TOKEN)
        self.assertEqual(g.status, 200)
        self.assertEqual(g.json(), u)


class Resources(ProblemAssertions, unittest.TestCase):
    def test_unicode_text_round_trips_and_counts_characters(self):
        name = "김철수 " * 24 + "박영희"  # 99 characters, 291 bytes
        self.assertEqual(len(name), 99)
        r = S.request("POST", "/api/v1/users", token=TOKEN,
                      body=dict(valid_user("hangul"), name=name + "!"))
        self.assertEqual(r.status, 201, r.text)
        self.assertEqual(r.json()["name"], name + "!")
        self.assertEqual(S.sql("SELECT name FROM users WHERE login = 'hangul'"), name + "!")
        r = S.request("POST", "/api/v1/users", token=TOKEN,
                      body=dict(valid_user("hangul2"), name=name + "!!"))
        self.assertProblem(r, 422, "validation_failed", field="name")

    def test_times_carry_the_display_offset(self):
        me = S.request("GET", "/api/v1/me", token=TOKEN).json()
        self.assertRegex(me["created_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00$")
        with harness.Server(S.url, env={"FIELDD_TZ": "America/St_Johns"}) as srv:
            srv.wait_ready()
            r = srv.request("GET", "/api/v1/users/%d" % S.admin_id, token=TOKEN)
            self.assertEqual(r.status, 200, r.text)
            t = r.json()["created_at"]
            self.assertRegex(t, r"-0[23]:30$")  # Newfoundland: half-hour offsets
            self.assertEqual(datetime.datetime.fromisoformat(t),
                             datetime.datetime.fromisoformat(me["created_at"]))
            self.assertEqual(srv.stop(), 0)

    def test_teams(self):
        lead = S.create_user(TOKEN, "team-lead", "lead")
        eng = S.create_user(TOKEN, "team-eng", "engineer")
        r = S.request("POST", "/api/v1/teams", token=TOKEN,
                      body={"name": "South", "lead_id": lead["id"]})
        self.assertEqual(r.status, 201, r.text)
        t = r.json()
        self.assertEqual(r.headers.get("Location"), "/api/v1/teams/%d" % t["id"])
        self.assertEqual((t["name"], t["lead_id"], t["lead_name"]),
                         ("South", lead["id"], lead["name"]))
        self.assertEqual(t["member_ids"], [lead["id"]])  # the lead joins the team
        self.assertProblem(S.request("POST", "/api/v1/teams", token=TOKEN,
                                     body={"name": "South", "lead_id": lead["id"]}),
                           409, "duplicate")
        self.assertProblem(S.request("POST", "/api/v1/teams", token=TOKEN,
                                     body={"name": "East", "lead_id": eng["id"]}),
                           422, "validation_failed", field="lead_id")
        self.assertProblem(S.request("POST", "/api/v1/teams", token=TOKEN,
                                     body={"name": "West", "lead_id": 99999}),
                           422, "validation_failed", field="lead_id")
        self.assertEqual(S.sql("SELECT string_agg(name, ',') FROM teams"), "South")
        # members by PATCH; null takes them out again
        r = S.request("PATCH", "/api/v1/users/%d" % eng["id"], token=TOKEN,
                      body={"team_id": t["id"]})
        self.assertEqual((r.status, r.json()["team_id"]), (200, t["id"]))
        g = S.request("GET", "/api/v1/teams/%d" % t["id"], token=TOKEN).json()
        self.assertEqual(sorted(g["member_ids"]), sorted([lead["id"], eng["id"]]))
        self.assertProblem(S.request("PATCH", "/api/v1/users/%d" % eng["id"], token=TOKEN,
                                     body={"team_id": 424242}),
                           422, "validation_failed", field="team_id")
        r = S.request("PATCH", "/api/v1/users/%d" % eng["id"], token=TOKEN,
                      body={"team_id": None, "phone": "010-1", "skills": ["network"]})
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual((r.json()["team_id"], r.json()["phone"], r.json()["skills"]),
                         (None, "010-1", ["network"]))
        r = S.request("PATCH", "/api/v1/users/%d" % eng["id"], token=TOKEN,
                      body={"phone": None})
        self.assertEqual((r.json()["phone"], r.json()["skills"]), (None, ["network"]))
        listed = S.request("GET", "/api/v1/teams", token=TOKEN).json()
        self.assertEqual([x["id"] for x in listed["items"]], [t["id"]])
        self.assertIsNone(listed["next_cursor"])


class KeepAlive(unittest.TestCase):
    def test_refused_body_is_not_read_as_the_next_request(self):
        # A 415 is answered from the headers; the unread body must not be parsed as a request.
        smuggled = b"GET /api/v1/nothing-here HTTP/1.1\r\nHost: x\r\n\r\n"
        req = (b"POST /api/v1/users HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
               b"Authorization: Bearer " + TOKEN.encode() + b"\r\n"
               b"Content-Length: %d\r\n\r\n" % len(smuggled) + smuggled +
               b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        resp = split_responses(raw_http(S.server.port, req))
        self.assertEqual(resp[0][0], 415)
        self.assertNotIn(404, [s for s, _, _ in resp], resp)

    def test_two_requests_on_one_connection(self):
        req = (b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
               b"GET /api/v1/me HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
               + TOKEN.encode() + b"\r\nConnection: close\r\n\r\n")
        resp = split_responses(raw_http(S.server.port, req))
        self.assertEqual([s for s, _, _ in resp], [200, 200])
        self.assertEqual(json.loads(resp[1][2])["login"], "admin")
        self.assertNotEqual(resp[0][1]["x-request-id"], resp[1][1]["x-request-id"])


class Headers(ProblemAssertions, unittest.TestCase):
    def test_request_ids_are_unique_and_logged(self):
        ids = set()
        for path in ("/healthz", "/api/v1/me", "/nope", "/api/v1/me"):
            r = S.request("GET", path, token=TOKEN)
            rid = r.headers.get("X-Request-Id")
            self.assertTrue(rid and re.fullmatch(r"[0-9A-Za-z_-]{8,64}", rid), rid)
            ids.add(rid)
        self.assertEqual(len(ids), 4)
        r = S.request("GET", "/api/v1/users/777777", token=TOKEN)
        rid = self.assertProblem(r, 404, "not_found")["request_id"]
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            lines = [json.loads(l) for l in S.server.log_text().splitlines()
                     if l.startswith("{") and rid in l]
            if lines:
                break
            time.sleep(0.05)
        self.assertEqual(len(lines), 1, S.server.log_text()[-2000:])
        line = lines[0]
        self.assertEqual(line["request_id"], rid)
        self.assertEqual(line["method"], "GET")
        self.assertEqual(line["route"], "/api/v1/users/{id}")
        self.assertEqual(line["status"], 404)
        self.assertEqual(line["user_id"], S.admin_id)
        self.assertIsInstance(line["ms"], (int, float))

    def test_security_headers_everywhere(self):
        for method, path, tok in (("GET", "/healthz", None), ("GET", "/api/v1/me", TOKEN),
                                  ("GET", "/nope", None), ("GET", "/api/v1/me", None),
                                  ("GET", "/api/v1/openapi.json", None)):
            with self.subTest(path=path, auth=bool(tok)):
                r = S.request(method, path, token=tok)
                self.assertEqual(r.headers.get("X-Content-Type-Options"), "nosniff")
                self.assertEqual(r.headers.get("X-Frame-Options"), "DENY")
                self.assertEqual(r.headers.get("Referrer-Policy"), "no-referrer")
                self.assertTrue(r.headers.get("Cache-Control"))
        # personal data is never cached
        self.assertEqual(S.request("GET", "/api/v1/me", token=TOKEN).headers.get("Cache-Control"),
                         "no-store")

    def test_unauthenticated_has_www_authenticate(self):
        r = S.request("GET", "/api/v1/me")
        self.assertProblem(r, 401, "unauthenticated")
        self.assertTrue(r.headers.get("WWW-Authenticate", "").startswith("Bearer"))

    def test_json_replies_declare_utf8(self):
        r = S.request("GET", "/api/v1/me", token=TOKEN)
        self.assertEqual(r.headers.get("Content-Type"), "application/json; charset=utf-8")


class Compression(unittest.TestCase):
    """JSON and CSV answers of 1 KiB or more go out gzipped when the client accepts it."""

    def test_large_json_is_gzipped_when_accepted(self):
        plain = S.request("GET", "/api/v1/openapi.json", token=TOKEN)
        self.assertEqual(plain.status, 200)
        self.assertIsNone(plain.headers.get("Content-Encoding"))
        self.assertEqual(plain.headers.get("Vary"), "Accept-Encoding")
        for accept in ("gzip", "deflate, gzip;q=0.8", "br;q=1.0, *;q=0.1"):
            with self.subTest(accept=accept):
                r = S.request("GET", "/api/v1/openapi.json", token=TOKEN,
                              headers={"Accept-Encoding": accept})
                self.assertEqual(r.status, 200)
                self.assertEqual(r.headers.get("Content-Encoding"), "gzip")
                self.assertEqual(r.headers.get("Vary"), "Accept-Encoding")
                self.assertEqual(int(r.headers.get("Content-Length")), len(r.body))
                self.assertLess(len(r.body), len(plain.body) // 3)
                self.assertEqual(gzip.decompress(r.body), plain.body)

    def test_refused_small_and_calendar_answers_stay_plain(self):
        for accept in ("gzip;q=0", "identity", "*;q=0", ""):
            with self.subTest(accept=accept):
                r = S.request("GET", "/api/v1/openapi.json", token=TOKEN,
                              headers={"Accept-Encoding": accept})
                self.assertIsNone(r.headers.get("Content-Encoding"))
                json.loads(r.text)
        r = S.request("GET", "/api/v1/me", token=TOKEN, headers={"Accept-Encoding": "gzip"})
        self.assertLess(len(r.body), 1024)
        self.assertIsNone(r.headers.get("Content-Encoding"))
        self.assertEqual(r.json()["login"], "admin")
        # a problem document of any size is JSON too: compressed only from 1 KiB on
        r = S.request("GET", "/api/v1/nope", headers={"Accept-Encoding": "gzip"})
        self.assertEqual(r.status, 404)
        self.assertIsNone(r.headers.get("Content-Encoding"))


def op_needs_login(op, doc):
    """False for an operation documented with `security: []` (no login)."""
    sec = op.get("security", doc.get("security"))
    return bool(sec)


class Operations(unittest.TestCase):
    def test_healthz_and_readyz(self):
        r = S.request("GET", "/healthz")
        self.assertEqual((r.status, r.json().get("status")), (200, "ok"))
        r = S.request("GET", "/readyz")
        self.assertEqual(r.status, 200, r.text)

    def test_metrics_count_requests(self):
        def scrape():
            r = S.request("GET", "/metrics")
            self.assertEqual(r.status, 200)
            self.assertTrue(r.headers.get("Content-Type", "").startswith("text/plain"))
            return r.text
        before = scrape()
        for _ in range(3):
            self.assertEqual(S.request("GET", "/api/v1/teams", token=TOKEN).status, 200)
        self.assertEqual(S.request("GET", "/api/v1/teams/31337", token=TOKEN).status, 404)
        self.assertEqual(S.request("POST", "/api/v1/teams", token=TOKEN,
                                   headers={"Content-Type": "text/plain"}).status, 415)
        after = scrape()

        def delta(name, **labels):
            return metric_value(after, name, **labels) - metric_value(before, name, **labels)
        self.assertEqual(delta("fieldd_http_requests_total", method="GET",
                               route="/api/v1/teams", status="200"), 3)
        self.assertEqual(delta("fieldd_http_requests_total", method="GET",
                               route="/api/v1/teams/{id}", status="404"), 1)
        self.assertEqual(delta("fieldd_http_requests_total", method="POST",
                               route="/api/v1/teams", status="415"), 1)
        self.assertEqual(delta("fieldd_http_request_duration_seconds_count", method="GET",
                               route="/api/v1/teams"), 3)
        self.assertEqual(metric_value(after, "fieldd_http_request_duration_seconds_bucket",
                                      method="GET", route="/api/v1/teams", le="+Inf"),
                         metric_value(after, "fieldd_http_request_duration_seconds_count",
                                      method="GET", route="/api/v1/teams"))
        self.assertGreaterEqual(metric_value(after, "fieldd_db_connections"), 1)
        for name in ("fieldd_http_requests_total", "fieldd_http_request_duration_seconds",
                     "fieldd_db_connections"):
            self.assertIn("# TYPE %s " % name, after)
        # every sample line is "name{labels} number"
        for line in after.splitlines():
            if line and not line.startswith("#"):
                self.assertRegex(line, r'^[a-z_]+(\{.*\})? [0-9.e+-]+$')

    def test_openapi_is_served_as_json(self):
        r = S.request("GET", "/api/v1/openapi.json")
        self.assertEqual(r.status, 200)
        self.assertTrue(r.headers.get("Content-Type", "").startswith("application/json"))
        doc = r.json()
        self.assertIsInstance(doc, dict)
        self.assertTrue(str(doc.get("openapi", "")).startswith("3.1"), doc.get("openapi"))
        self.assertIn("paths", doc)
        with open(os.path.join(REPO, "docs", "openapi.json"), "rb") as f:
            self.assertTrue(json.loads(f.read()) == doc,
                            "the served document is not docs/openapi.json (rebuild fieldd?)")

    def test_openapi_operations_exist_on_the_server(self):
        doc = S.request("GET", "/api/v1/openapi.json").json()
        servers = doc.get("servers") or [{"url": ""}]
        base = re.sub(r"^https?://[^/]+", "", servers[0].get("url", "")).rstrip("/")
        for path, ops in doc.get("paths", {}).items():
            for method in ops:
                if method.upper() not in ("GET", "POST", "PUT", "PATCH", "DELETE"):
                    continue
                concrete = re.sub(r"\{[^}]+\}", "1", base + path)
                with self.subTest(method=method, path=path):
                    r = S.request(method.upper(), concrete)
                    # a public capability URL (/cal/{token}.ics) reaches its handler, which
                    # answers 404 naming what it did not find; the router's own 404 has no detail
                    if r.status == 404 and (r.json() or {}).get("detail") and not op_needs_login(
                            ops[method], doc):
                        continue
                    self.assertNotIn(r.status, (404, 405), "%s %s: %r" % (method, path, r))

    def test_every_route_is_in_openapi(self):
        doc = S.request("GET", "/api/v1/openapi.json").json()
        if not doc.get("paths"):
            self.skipTest("docs/openapi.json has no paths yet")
        with open(os.path.join(REPO, "server", "handlers", "routes.c")) as f:
            text = f.read()
        # rows as designated initialisers, and any still written positionally
        routes = (re.findall(r'\.method = "([A-Z]+)",\s*\.pattern = "(/[^"]*)"', text) +
                  re.findall(r'\{"([A-Z]+)", "(/[^"]*)"', text))
        self.assertTrue(routes)
        servers = doc.get("servers") or [{"url": ""}]
        base = re.sub(r"^https?://[^/]+", "", servers[0].get("url", "")).rstrip("/")
        documented = {(m.upper(), base + p) for p, ops in doc["paths"].items() for m in ops}
        for method, pattern in routes:
            with self.subTest(route="%s %s" % (method, pattern)):
                self.assertIn((method, pattern), documented)


if __name__ == "__main__":
    harness.main()
