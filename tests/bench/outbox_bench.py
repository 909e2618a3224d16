"""Delivery of the outbox, measured (docs/performance.md "Delivery of the outbox").

A private PostgreSQL cluster, a fieldd (FIELDD_BIN, a release build by make bench-outbox)
with its delivery workers, and local receivers on loopback: a webhook receiver
(python http.server, signature checked) and an SMTP server (aiosmtpd). Reports:

  1. webhook throughput: N notices (default 10,000) queued in one transaction,
     committed → the last one accepted by the receiver
  2. delay from the queuing transaction to the receiver (p50/p99): notices queued one
     per transaction at a steady rate; each carries clock_timestamp() of its insert
  3. e-mail throughput: N notices by SMTP to aiosmtpd, against the same messages sent
     by a plain client (Python smtplib on one connection) and by swaks (one process per
     message, a sample of them) in the same run

Run: make bench-outbox   (or FIELDD_BIN=build/release/fieldd /usr/bin/python3 tests/bench/outbox_bench.py)
Knobs: BENCH_N (10000), BENCH_LATENCY_N (1000), BENCH_RATE (200 per second),
       BENCH_SWAKS_N (200), FIELDD_DELIVERY_WORKERS (2)
"""

import hashlib
import hmac
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import support  # noqa: E402
from outbox_support import WEBHOOK_SECRET, SmtpSink, delivery_env  # noqa: E402

N = int(os.environ.get("BENCH_N", "10000"))
LAT_N = int(os.environ.get("BENCH_LATENCY_N", "1000"))
RATE = int(os.environ.get("BENCH_RATE", "200"))
SWAKS_N = int(os.environ.get("BENCH_SWAKS_N", "200"))
WORKERS = os.environ.get("FIELDD_DELIVERY_WORKERS", "2")


class Receiver:
    def __init__(self):
        self.lock = threading.Lock()
        self.arrivals = []  # (time.time(), doc)
        self.bad = 0
        recv = self
        key = WEBHOOK_SECRET.encode()

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                now = time.time()
                ts = self.headers.get("X-Fieldd-Timestamp", "")
                ok = hmac.compare_digest(
                    self.headers.get("X-Fieldd-Signature", ""),
                    "v1=" + hmac.new(key, ts.encode() + b"." + body, hashlib.sha256).hexdigest())
                with recv.lock:
                    if ok:
                        recv.arrivals.append((now, body))
                    else:
                        recv.bad += 1
                self.send_response(200 if ok else 401)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.httpd.daemon_threads = True
        self.url = "http://127.0.0.1:%d/hook" % self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def count(self):
        with self.lock:
            return len(self.arrivals)

    def reset(self):
        with self.lock:
            self.arrivals = []


def wait_count(fn, n, limit=600):
    deadline = time.monotonic() + limit
    while fn() < n:
        if time.monotonic() > deadline:
            raise SystemExit("gave up: %d of %d arrived" % (fn(), n))
        time.sleep(0.01)


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1))))]


def main():
    hook = Receiver()
    smtp = SmtpSink()
    env = delivery_env(smtp, None, FIELDD_WEBHOOK_URL=hook.url,
                       FIELDD_WEBHOOK_SECRET=WEBHOOK_SECRET, FIELDD_LOG_LEVEL="warn",
                       FIELDD_DELIVERY_WORKERS=WORKERS, FIELDD_DELIVERY_TIMEOUT="10",
                       FIELDD_DELIVERY_LEASE="120", FIELDD_DELIVERY_SWEEP="30")
    st = support.Stack(env=env)
    try:
        tok = st.admin_token()
        cust = st.post("/customers", {"name": "벤치", "phone": "010-0000-0000",
                                             "email": "bench@customer.test",
                                             "preferred_channel": "sms"}, tok)
        cid = cust["id"]
        out = {"n": N, "workers": int(WORKERS)}

        # 1. webhook throughput
        t0 = time.time()
        st.sql("INSERT INTO notifications (recipient_kind, recipient_id, recipient, channel,"
               " template, payload) SELECT 'customer', %d, '010-0000-0000', 'sms',"
               " 'delay_notice', jsonb_build_object('reason', '벤치 ' || i,"
               " 'new_due_at', '2099-01-01T09:00:00+09:00') FROM generate_series(1, %d) i"
               % (cid, N))
        t_commit = time.time()
        wait_count(hook.count, N)
        t_last = max(a[0] for a in hook.arrivals)
        out["webhook_per_s"] = round(N / (t_last - t_commit))
        out["webhook_insert_s"] = round(t_commit - t0, 3)
        dups = N - len({json.loads(b)["delivery_id"] for _, b in hook.arrivals})
        out["webhook_duplicates"] = dups

        # 2. delay from the queuing transaction to the receiver
        hook.reset()
        st.sql("DO $$ BEGIN FOR i IN 1..%d LOOP"
               " INSERT INTO notifications (recipient_kind, recipient_id, recipient, channel,"
               "  template, payload) VALUES ('customer', %d, '010-0000-0000', 'sms', 'survey',"
               "  jsonb_build_object('t', extract(epoch FROM clock_timestamp())));"
               " COMMIT; PERFORM pg_sleep(%f); END LOOP; END $$" % (LAT_N, cid, 1.0 / RATE))
        wait_count(hook.count, LAT_N)
        lat = [(now - json.loads(b)["data"]["t"]) * 1000 for now, b in hook.arrivals]
        out["latency_ms_p50"] = round(pct(lat, 50), 2)
        out["latency_ms_p99"] = round(pct(lat, 99), 2)
        out["latency_ms_max"] = round(max(lat), 2)

        # 3. e-mail throughput vs a plain client and swaks
        t0 = time.time()
        st.sql("INSERT INTO notifications (recipient_kind, recipient_id, recipient, channel,"
               " template, payload) SELECT 'customer', %d, 'bench@customer.test', 'email',"
               " 'delay_notice', jsonb_build_object('reason', '벤치 ' || i,"
               " 'new_due_at', '2099-01-01T09:00:00+09:00') FROM generate_series(1, %d) i"
               % (cid, N))
        t_commit = time.time()
        wait_count(lambda: len(smtp.messages), N)
        out["smtp_fieldd_per_s"] = round(N / (time.time() - t_commit))
        msgs = [m[3] for m in smtp.messages[:N]]
        import smtplib
        smtp.messages.clear()
        t0 = time.time()
        c = smtplib.SMTP("127.0.0.1", smtp.port)
        for m in msgs:
            c.sendmail("desk@fieldd.test", ["bench@customer.test"], m)
        c.quit()
        out["smtp_plain_client_per_s"] = round(N / (time.time() - t0))
        smtp.messages.clear()
        path = os.path.join(st.server.tmpdir, "m.eml")
        with open(path, "wb") as f:
            f.write(msgs[0])
        t0 = time.time()
        for _ in range(SWAKS_N):
            subprocess.run(["swaks", "--silent", "2", "--server", "127.0.0.1",
                            "--port", str(smtp.port), "--from", "desk@fieldd.test",
                            "--to", "bench@customer.test", "--data", "@" + path],
                           check=True, stdout=subprocess.DEVNULL)
        out["smtp_swaks_per_s"] = round(SWAKS_N / (time.time() - t0), 1)
        out["smtp_fieldd_vs_plain_client"] = round(out["smtp_fieldd_per_s"]
                                                   / out["smtp_plain_client_per_s"], 2)
        out["smtp_fieldd_vs_swaks"] = round(out["smtp_fieldd_per_s"] / out["smtp_swaks_per_s"], 1)
        out["bad_signatures"] = hook.bad
        print(json.dumps(out, indent=1))
    finally:
        st.close(check=False)
        smtp.close()
        hook.httpd.shutdown()


if __name__ == "__main__":
    main()
