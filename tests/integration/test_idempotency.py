"""Idempotency-Key on writes: replay of the stored answer (changing nothing), 422 for a reused
key with another body, 409 while the first request still runs, 400 for an invalid key,
replay after a server restart, keys scoped per user, and the login route never storing its
answer (it holds a token)."""

import os
import sys
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from support import (Stack, PsqlHold, ProblemAssertions, ADMIN_LOGIN,  # noqa: E402
                     ADMIN_PASSWORD, USER_PASSWORD)


def setUpModule():
    global S, TOKEN, TOKEN_B, ADMIN_B
    S = Stack()
    TOKEN = S.admin_token()
    ADMIN_B = S.create_user(TOKEN, "admin-b", "admin")
    TOKEN_B = S.login("admin-b", USER_PASSWORD)


def tearDownModule():
    S.close()


def new_user(login, role="engineer"):
    return {"login": login, "name": "N " + login, "role": role, "password": USER_PASSWORD}


def post_user(body, key, token=None):
    h = {"Idempotency-Key": key} if key is not None else {}
    return S.request("POST", "/api/v1/users", body=body, headers=h, token=token or TOKEN)


def count(login):
    return int(S.sql("SELECT count(*) FROM users WHERE login = '%s'" % login))


class Idempotency(ProblemAssertions, unittest.TestCase):
    def test_same_key_same_body_replays_and_changes_nothing(self):
        body = new_user("replay1")
        first = post_user(body, "key-replay-1")
        self.assertEqual(first.status, 201, first.text)
        self.assertIsNone(first.headers.get("Idempotent-Replayed"))
        total = S.sql("SELECT count(*), max(id) FROM users")
        for _ in range(2):
            again = post_user(body, "key-replay-1")
            self.assertEqual(again.status, 201, again.text)
            self.assertEqual(again.headers.get("Idempotent-Replayed"), "true")
            self.assertTrue(again.headers.get("Content-Type", "").startswith("application/json"))
            self.assertEqual(again.json(), first.json())
            self.assertEqual(again.headers.get("Location"),
                             "/api/v1/users/%d" % first.json()["id"])
        self.assertEqual(S.sql("SELECT count(*), max(id) FROM users"), total)
        self.assertEqual(count("replay1"), 1)
        self.assertEqual(S.sql("SELECT status, route FROM idempotency_keys "
                               "WHERE user_id = %d AND key = 'key-replay-1'" % S.admin_id),
                         "201|/api/v1/users")

    def test_same_key_other_body_is_422(self):
        self.assertEqual(post_user(new_user("reuse-a"), "key-reuse").status, 201)
        r = post_user(new_user("reuse-b"), "key-reuse")
        p = self.assertProblem(r, 422, "idempotency_key_reused")
        self.assertTrue(p.get("detail"))
        self.assertEqual(count("reuse-b"), 0)
        # the same key on another route is another request too
        r = S.request("POST", "/api/v1/teams", body={"name": "t", "lead_id": S.admin_id},
                      headers={"Idempotency-Key": "key-reuse"}, token=TOKEN)
        self.assertProblem(r, 422, "idempotency_key_reused")
        # and the original still replays
        self.assertEqual(post_user(new_user("reuse-a"), "key-reuse")
                         .headers.get("Idempotent-Replayed"), "true")

    def test_refused_request_does_not_use_up_the_key(self):
        bad = new_user("retry-ok")
        bad["role"] = "emperor"
        self.assertProblem(post_user(bad, "key-retry"), 422, "validation_failed", field="role")
        self.assertEqual(S.sql("SELECT count(*) FROM idempotency_keys WHERE key = 'key-retry'"),
                         "0")
        r = post_user(new_user("retry-ok"), "key-retry")
        self.assertEqual(r.status, 201, r.text)
        self.assertIsNone(r.headers.get("Idempotent-Replayed"))
        self.assertEqual(count("retry-ok"), 1)

    def test_key_still_running_is_409(self):
        key = "key-in-flight"
        lock = "SELECT pg_advisory_lock(1001, hashtext('%d:%s'));" % (S.admin_id, key)
        with PsqlHold(S.cluster, S.dbname) as h:
            h.run(lock)
            r = post_user(new_user("inflight"), key)
            self.assertProblem(r, 409, "idempotency_in_progress")
            self.assertTrue(r.headers.get("Retry-After"))
            self.assertEqual(count("inflight"), 0)
            # another key goes through meanwhile
            self.assertEqual(post_user(new_user("inflight-other"), "key-other").status, 201)
            # the same key by another user is not blocked
            self.assertEqual(post_user(new_user("inflight-b"), key, token=TOKEN_B).status, 201)
            h.run("SELECT pg_advisory_unlock(1001, hashtext('%d:%s'));" % (S.admin_id, key))
            r = post_user(new_user("inflight"), key)
            self.assertEqual(r.status, 201, r.text)
            self.assertIsNone(r.headers.get("Idempotent-Replayed"))
        self.assertEqual(count("inflight"), 1)

    def test_twins_at_once_create_one_row(self):
        for round_ in range(3):
            body, key = new_user("twin%d" % round_), "key-twin-%d" % round_
            results = [None, None]
            gate = threading.Barrier(2)

            def go(i):
                gate.wait()
                results[i] = post_user(body, key)
            threads = [threading.Thread(target=go, args=(i,)) for i in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)
            fresh = [r for r in results if r.status == 201 and not
                     r.headers.get("Idempotent-Replayed")]
            self.assertEqual(len(fresh), 1, results)
            other = [r for r in results if r is not fresh[0]][0]
            if other.status == 409:
                self.assertEqual(other.json()["code"], "idempotency_in_progress")
            else:
                self.assertEqual((other.status, other.headers.get("Idempotent-Replayed")),
                                 (201, "true"), other)
                self.assertEqual(other.json(), fresh[0].json())
            self.assertEqual(count("twin%d" % round_), 1)

    def test_invalid_keys_are_400(self):
        before = S.sql("SELECT count(*) FROM users")
        for key in ("has space", "k" * 256, "tab\there", b"caf\xc3\xa9", b"\x7f", ""):
            with self.subTest(key=key):
                r = post_user(new_user("badkey"), key)
                self.assertProblem(r, 400, "idempotency_key_invalid")
        self.assertEqual(S.sql("SELECT count(*) FROM users"), before)
        # 255 visible characters are fine
        r = post_user(new_user("longkey"), "K" * 255)
        self.assertEqual(r.status, 201, r.text)
        self.assertEqual(post_user(new_user("longkey"), "K" * 255)
                         .headers.get("Idempotent-Replayed"), "true")

    def test_keys_belong_to_their_user(self):
        key = "key-shared-by-two"
        a = post_user(new_user("by-a"), key, token=TOKEN)
        b = post_user(new_user("by-b"), key, token=TOKEN_B)
        self.assertEqual((a.status, b.status), (201, 201), (a, b))
        self.assertIsNone(b.headers.get("Idempotent-Replayed"))
        self.assertNotEqual(a.json()["id"], b.json()["id"])
        ra = post_user(new_user("by-a"), key, token=TOKEN)
        rb = post_user(new_user("by-b"), key, token=TOKEN_B)
        self.assertEqual((ra.headers.get("Idempotent-Replayed"), ra.json()), ("true", a.json()))
        self.assertEqual((rb.headers.get("Idempotent-Replayed"), rb.json()), ("true", b.json()))
        # B cannot replay A's answer by sending A's body
        r = post_user(new_user("by-a"), key, token=TOKEN_B)
        self.assertProblem(r, 422, "idempotency_key_reused")

    def test_replayed_patch_does_not_undo_a_later_change(self):
        u = S.create_user(TOKEN, "patchme", "engineer")
        path = "/api/v1/users/%d" % u["id"]
        h = {"Idempotency-Key": "key-patch"}
        first = S.request("PATCH", path, body={"name": "First"}, headers=h, token=TOKEN)
        self.assertEqual((first.status, first.json()["name"]), (200, "First"))
        r = S.request("PATCH", path, body={"name": "Second"}, token=TOKEN)
        self.assertEqual(r.status, 200)
        again = S.request("PATCH", path, body={"name": "First"}, headers=h, token=TOKEN)
        self.assertEqual(again.headers.get("Idempotent-Replayed"), "true")
        self.assertEqual(again.json(), first.json())
        self.assertEqual(S.sql("SELECT name FROM users WHERE id = %d" % u["id"]), "Second")

    def test_login_answers_are_never_stored(self):
        h = {"Idempotency-Key": "key-login"}
        body = {"login": ADMIN_LOGIN, "password": ADMIN_PASSWORD}
        r1 = S.request("POST", "/api/v1/session", body=body, headers=h)
        r2 = S.request("POST", "/api/v1/session", body=body, headers=h)
        self.assertEqual((r1.status, r2.status), (201, 201))
        self.assertIsNone(r2.headers.get("Idempotent-Replayed"))
        self.assertNotEqual(r1.json()["token"], r2.json()["token"])
        self.assertEqual(S.sql("SELECT count(*) FROM idempotency_keys WHERE key = 'key-login'"
                               " OR body LIKE '%%%s%%'" % r1.json()["token"]), "0")
        # a key on a read is harmless and ignored
        r = S.request("GET", "/api/v1/me", headers={"Idempotency-Key": "key-read"}, token=TOKEN)
        self.assertEqual(r.status, 200)
        self.assertIsNone(r.headers.get("Idempotent-Replayed"))

    def test_zz_replay_survives_restart_and_a_week(self):
        body = new_user("restart1")
        first = post_user(body, "key-restart")
        self.assertEqual(first.status, 201, first.text)
        # a phone replaying its offline queue a week later still gets the first answer
        S.sql("UPDATE idempotency_keys SET created_at = now() - interval '8 days' "
              "WHERE key = 'key-restart'")
        self.assertEqual(S.server.stop(), 0)
        S.server.start()
        S.server.wait_ready()
        again = post_user(body, "key-restart")
        self.assertEqual(again.status, 201, again.text)
        self.assertEqual(again.headers.get("Idempotent-Replayed"), "true")
        self.assertEqual(again.json(), first.json())
        self.assertEqual(count("restart1"), 1)


if __name__ == "__main__":
    harness.main()
