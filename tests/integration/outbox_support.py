"""Real receivers for the outbox tests (not a test module).

    SmtpSink     aiosmtpd (Debian's python3-aiosmtpd) on a free loopback port; keeps every
                 message it accepted (envelope and the parsed e-mail)
    HookReceiver a python http.server that checks the webhook signature (HMAC-SHA-256 over
                 "timestamp.body" with the shared secret) and answers as told per recipient:
                 "ok", a status code (500...), "slow" (answers after the client gave up),
                 "hold" (keeps the request until release())
    wait_for     polls a condition until it holds or a deadline passes (a deadline, not a
                 timed assertion: nothing here measures speed)
    Org helpers  customers with a chosen channel, a completed visit
"""

import email
import email.policy
import hashlib
import hmac
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "ical"))
import harness  # noqa: E402

WEBHOOK_SECRET = "webhook-secret-for-the-tests-0123456789"


def wait_for(cond, what, timeout=40, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(step)
    raise AssertionError("gave up waiting for %s" % what)


class SmtpSink:
    def __init__(self):
        from aiosmtpd.controller import Controller

        sink = self
        self.messages = []  # (mail_from, rcpt_tos, email.message.EmailMessage, raw bytes)
        self.lock = threading.Lock()

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
                with sink.lock:
                    sink.messages.append((envelope.mail_from, list(envelope.rcpt_tos), msg,
                                          envelope.content))
                return "250 OK"

        self.port = harness.free_port()
        self.ctl = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.ctl.start()
        self.url = "smtp://127.0.0.1:%d" % self.port

    def to(self, rcpt):
        with self.lock:
            return [m for m in self.messages if rcpt in m[1]]

    def close(self):
        self.ctl.stop()


class HookReceiver:
    def __init__(self, secret=WEBHOOK_SECRET):
        self.secret = secret.encode()
        self.lock = threading.Lock()
        self.plans = {}  # recipient -> list of actions, first used first; then "ok"
        self.requests = []  # every request: (doc, headers, signature_ok, answered)
        self.released = threading.Event()
        recv = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                ts = self.headers.get("X-Fieldd-Timestamp", "")
                want = "v1=" + hmac.new(recv.secret, ts.encode() + b"." + body,
                                        hashlib.sha256).hexdigest()
                sig_ok = hmac.compare_digest(self.headers.get("X-Fieldd-Signature", ""), want)
                try:
                    doc = json.loads(body)
                except ValueError:
                    doc = {}
                with recv.lock:
                    plan = recv.plans.get(doc.get("to"), [])
                    action = plan.pop(0) if plan else "ok"
                if not sig_ok:
                    action = 401
                if action == "hold":
                    with recv.lock:
                        recv.requests.append((doc, dict(self.headers), sig_ok, "held"))
                    recv.released.wait(60)
                    return  # the connection just ends
                if action == "slow":
                    time.sleep(4)  # past FIELDD_DELIVERY_TIMEOUT: the sender has given up
                    action = "ok"
                status = 200 if action == "ok" else int(action)
                with recv.lock:
                    recv.requests.append((doc, dict(self.headers), sig_ok, status))
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = "http://127.0.0.1:%d/hook" % self.port
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def plan(self, recipient, actions):
        with self.lock:
            self.plans[recipient] = list(actions)

    def for_(self, recipient):
        with self.lock:
            return [r for r in self.requests if r[0].get("to") == recipient]

    def delivered(self, recipient):
        """Requests for recipient that the receiver accepted (2xx), signature checked."""
        return [r for r in self.for_(recipient) if r[3] == 200]

    def close(self):
        self.released.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def delivery_env(smtp=None, hook=None, **extra):
    env = {
        "FIELDD_DELIVERY_BACKOFF": "1", "FIELDD_DELIVERY_TIMEOUT": "2",
        "FIELDD_DELIVERY_LEASE": "5", "FIELDD_DELIVERY_SWEEP": "2",
        "FIELDD_DELIVERY_ATTEMPTS": "4", "FIELDD_SMTP_FROM": "desk@fieldd.test",
        "FIELDD_ORGANIZER_EMAIL": "desk@fieldd.test",
    }
    if smtp:
        env["FIELDD_SMTP_URL"] = smtp.url
    if hook:
        env["FIELDD_WEBHOOK_URL"] = hook.url
        env["FIELDD_WEBHOOK_SECRET"] = WEBHOOK_SECRET
    env.update(extra)
    return env


_serial = [0]


def customer(org, channel, phone=None, email_addr=None, name="고객"):
    _serial[0] += 1
    n = _serial[0]
    body = {"name": name, "phone": phone or "010-5%03d-%04d" % (n // 10000, n % 10000),
            "preferred_channel": channel}
    if email_addr or channel == "email":
        body["email"] = email_addr or "cust%d@customer.test" % n
    c = org.post("/customers", body)
    org.cust["c%d" % n] = c["id"]
    return "c%d" % n, c


def notices(org, ticket, template=None):
    r = org.ok("GET", "/notifications?ticket_id=%d&limit=500" % ticket["id"])
    return [n for n in r["items"] if template is None or n["template"] == template]


def complete_visit(org, v, resolved=True):
    """precall reached → depart → arrive → estimate → consent → checklist → complete."""
    org.step(v, "precall", {"outcome": "reached", "note": "통화"})
    org.step(v, "depart")
    org.step(v, "arrive")
    org.step(v, "estimate", {"minutes": 30, "explanation": "점검"})
    org.step(v, "consent", {"by": "고객"})
    c = org.ok("GET", "/visits/%d/checklist" % v["id"])
    if c.get("items"):
        answers = []
        for it in c["items"]:
            val = {"check": True, "pass_fail": "pass", "text": "확인",
                   "number": it.get("min", 0) if "min" in it else 1,
                   "choice": (it.get("options") or [None])[0]}[it["type"]]
            answers.append({"key": it["key"], "value": val})
        org.ok("PUT", "/visits/%d/checklist" % v["id"], {"answers": answers, "complete": True})
    body = {"resolved": resolved, "resolution": "메모리 재장착 후 정상 부팅 확인"}
    if not resolved:
        body["follow_up_reason"] = "부품 주문"
    return org.step(v, "complete", body)
