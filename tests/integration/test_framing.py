"""HTTP framing against request smuggling (RFC 9112 §6.1, §6.3, §3.2), with raw bytes on a
socket: conflicting Content-Length, Content-Length with Transfer-Encoding, unknown transfer
codings, a missing Host; each answered once with problem+json and the connection closed, so
a request hidden behind them is never answered. Also strict JSON over HTTP (lone surrogates,
repeated keys)."""

import json
import os
import re
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from support import Stack, ProblemAssertions, raw_http, split_responses  # noqa: E402

PROBLEM = "https://fieldd.dev/problems/"
HIDDEN = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def setUpModule():
    global S, TOKEN
    S = Stack()
    TOKEN = S.admin_token()


def tearDownModule():
    S.close()


def exchange(data, timeout=10):
    """(responses, seconds): raw bytes over a socket, read until the server closes."""
    t0 = time.monotonic()
    raw = raw_http(S.server.port, data, timeout=timeout)
    return split_responses(raw), time.monotonic() - t0


def exchange_open(data, timeout=10):
    """Like exchange, but the client keeps its side open: only a server that closes the
    connection itself ends the read (a hang shows as socket.timeout)."""
    with socket.create_connection(("127.0.0.1", S.server.port), timeout=timeout) as s:
        s.sendall(data)
        chunks = []
        while True:
            b = s.recv(65536)
            if not b:
                break
            chunks.append(b)
    return split_responses(b"".join(chunks))


class Framing(ProblemAssertions, unittest.TestCase):
    def assertOneProblem(self, resp, status, code):
        self.assertEqual(len(resp), 1, "exactly one answer, nothing for the hidden request: %r"
                         % resp)
        st, hdrs, body = resp[0]
        self.assertEqual(st, status, body)
        self.assertTrue(hdrs.get("content-type", "").startswith("application/problem+json"),
                        hdrs)
        self.assertEqual(hdrs.get("connection", "").lower(), "close", hdrs)
        p = json.loads(body)
        self.assertEqual(p["code"], code, p)
        self.assertEqual(p["type"], PROBLEM + code, p)
        self.assertEqual(p["status"], status, p)
        return p

    def test_two_different_content_lengths_are_400(self):
        # the first length (2) would end the body at "{}" and read the rest as a request
        body = b"{}" + HIDDEN
        req = (b"POST /api/v1/session HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               b"Content-Type: application/json\r\nContent-Length: 2\r\n"
               b"Content-Length: %d\r\n\r\n" % len(body) + body)
        p = self.assertOneProblem(exchange_open(req), 400, "bad_framing")
        self.assertIn("Content-Length", p["detail"])

    def test_same_content_length_twice_is_fine(self):
        req = (b"POST /api/v1/session HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
               b"Content-Type: application/json\r\nContent-Length: 2\r\n"
               b"Content-Length: 2\r\n\r\n{}")
        resp, _ = exchange(req)
        self.assertEqual([s for s, _, _ in resp], [422], resp)

    def test_content_length_with_chunked_is_400_and_closes(self):
        req = (b"POST /api/v1/session HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               b"Content-Type: application/json\r\nContent-Length: 60\r\n"
               b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n" + HIDDEN)
        p = self.assertOneProblem(exchange_open(req), 400, "bad_framing")
        self.assertIn("Transfer-Encoding", p["detail"])

    def test_unknown_transfer_coding_is_501_at_once(self):
        # before: the body was read until the client closed (a 30 s hang); the client here
        # never closes, so only the server ending the connection ends the read
        for te in (b"gzip", b"gzip, chunked", b"identity"):
            with self.subTest(te=te):
                req = (b"POST /api/v1/session HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                       b"Content-Type: application/json\r\nTransfer-Encoding: " + te +
                       b"\r\n\r\n{}" + HIDDEN)
                p = self.assertOneProblem(exchange_open(req, timeout=10), 501,
                                          "transfer_coding_not_implemented")
                self.assertIn("chunked", p["detail"])

    def test_chunked_alone_still_works(self):
        req = (b"POST /api/v1/session HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
               b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"2\r\n{}\r\n0\r\n\r\n")
        resp, _ = exchange(req)
        self.assertEqual([s for s, _, _ in resp], [422], resp)

    def test_http11_without_host_is_400(self):
        p = self.assertOneProblem(exchange_open(b"GET /healthz HTTP/1.1\r\n\r\n" + HIDDEN),
                                  400, "bad_host")
        self.assertIn("Host", p["detail"])
        twice = b"GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n" + HIDDEN
        self.assertOneProblem(exchange_open(twice), 400, "bad_host")

    def test_http10_without_host_is_fine(self):
        resp, _ = exchange(b"GET /healthz HTTP/1.0\r\n\r\n")
        self.assertEqual([s for s, _, _ in resp], [200], resp)

    # libmicrohttpd refuses a malformed Content-Length itself, before any fieldd callback;
    # 0.9.75 wrote its status line and headers twice. The 1.0.1 that make builds answers
    # once, in problem+json (scripts/mhd/problem-json.patch).
    def test_bad_content_length_gets_one_answer(self):
        for cl in (b"abc", b"-1", b"1 2", b"0x10", b""):
            with self.subTest(cl=cl):
                req = (b"POST /api/v1/session HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                       b"Content-Type: application/json\r\nContent-Length: " + cl +
                       b"\r\n\r\n{}" + HIDDEN)
                p = self.assertOneProblem(exchange_open(req), 400, "bad_framing")
                self.assertIn("Content-Length", p["detail"])
        req = (b"POST /api/v1/session HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               b"Content-Type: application/json\r\n"
               b"Content-Length: 99999999999999999999999\r\n\r\n{}" + HIDDEN)
        self.assertOneProblem(exchange_open(req), 413, "body_too_large")

    def test_huge_head_gets_one_answer(self):
        req = (b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * 200000 +
               b"\r\n\r\n")
        self.assertOneProblem(exchange_open(req), 431, "headers_too_large")

    def test_codes_of_the_library_patch_are_in_the_registry(self):
        # what libmicrohttpd answers by itself must be a code the web apps can translate
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        with open(os.path.join(root, "scripts/mhd/problem-json.patch")) as f:
            patch = f.read()
        with open(os.path.join(root, "include/fieldd/errors.h")) as f:
            registry = f.read()
        codes = set(re.findall(r'^\+.*code = "([a-z_]+)"', patch, re.M))
        codes |= set(re.findall(r'^\+\s*\{ REQUEST_[A-Z_]+, "([a-z_]+)"', patch, re.M))
        self.assertGreaterEqual(len(codes), 7, codes)
        for c in codes:
            self.assertIn('"%s"' % c, registry, c)


class StrictJson(ProblemAssertions, unittest.TestCase):
    def test_lone_surrogates_and_repeated_keys_are_400(self):
        before = S.sql("SELECT count(*) FROM users")
        for raw, word in ((b'"\\ud800"', "surrogate"), (b'"\\udc00"', "surrogate"),
                          (b'"a\\ud83db"', "surrogate")):
            body = (b'{"login":"sur1","name":' + raw + b',"role":"engineer",'
                    b'"password":"user-pass-Kd7#mw2p"}')
            r = S.request("POST", "/api/v1/users", raw_body=body, token=TOKEN,
                          headers={"Content-Type": "application/json"})
            p = self.assertProblem(r, 400, "malformed_json")
            self.assertIn(word, p["detail"])
        body = (b'{"login":"dup1","name":"A","role":"engineer","role":"admin",'
                b'"password":"user-pass-Kd7#mw2p"}')
        r = S.request("POST", "/api/v1/users", raw_body=body, token=TOKEN,
                      headers={"Content-Type": "application/json"})
        p = self.assertProblem(r, 400, "malformed_json")
        self.assertIn('"role"', p["detail"])
        self.assertEqual(S.sql("SELECT count(*) FROM users"), before)
        # a proper pair is one character and is stored as it was sent
        body = (b'{"login":"pair1","name":"A \\ud83d\\ude00","role":"engineer",'
                b'"password":"user-pass-Kd7#mw2p"}')
        r = S.request("POST", "/api/v1/users", raw_body=body, token=TOKEN,
                      headers={"Content-Type": "application/json"})
        self.assertEqual(r.status, 201, r.text)
        self.assertEqual(r.json()["name"], "A \U0001F600")


if __name__ == "__main__":
    harness.main()
