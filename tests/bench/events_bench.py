"""The live event stream, measured (docs/performance.md "The live event stream").

A private PostgreSQL cluster and one fieldd (FIELDD_BIN, a release build by
make bench-events). Reports, all from one run:

  1. memory per open stream: fieldd's RSS with BENCH_STREAMS (2,000) idle streams open,
     less its RSS before, divided by their number
  2. API throughput with and without those streams: wrk on GET /api/v1/me (session
     lookup in PostgreSQL), BENCH_ROUNDS rounds alternating without / with, the same
     connections and threads; reported as the ratio of the medians, the aim >= 0.90
  3. latency from the change's write (clock_timestamp() in the trigger, inside the
     intake's transaction, just before its COMMIT) to its event arriving at a
     dispatcher's stream, p50/p99, with BENCH_RATE (200) intakes per second going on
     over HTTP for BENCH_SECONDS (15) while the idle streams stay open and
     BENCH_WATCHERS (5) dispatcher streams read everything

The idle streams are engineers' streams: the filter drops every intake for them (an
intake concerns no engineer until it is booked), as on a real day where most open boards
see only their own work; the watchers see every event.

Run: make bench-events   (or FIELDD_BIN=build/release/fieldd python3 tests/bench/events_bench.py)
Knobs: BENCH_STREAMS, BENCH_RATE, BENCH_SECONDS, BENCH_WATCHERS, BENCH_WRK_SECONDS (5),
       BENCH_ROUNDS (5: wrk without / with streams, alternating; medians compared),
       FIELDD_THREADS (fieldd's default)
"""

import datetime as dt
import json
import os
import re
import resource
import socket
import statistics
import subprocess
import sys
import threading
import time
import http.client

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import harness  # noqa: E402
import support  # noqa: E402
from sse import SseStream  # noqa: E402

STREAMS = int(os.environ.get("BENCH_STREAMS", "2000"))
RATE = int(os.environ.get("BENCH_RATE", "200"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "15"))
WATCHERS = int(os.environ.get("BENCH_WATCHERS", "5"))
WRK_SECONDS = int(os.environ.get("BENCH_WRK_SECONDS", "5"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
API = "/api/v1"


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def wrk(port, token):
    out = subprocess.run(["wrk", "-t2", "-c16", "-d%ds" % WRK_SECONDS, "-H",
                          "Authorization: Bearer " + token,
                          "http://127.0.0.1:%d%s/me" % (port, API)],
                         capture_output=True, text=True, check=True).stdout
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    errs = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return float(m.group(1)), int(errs.group(1)) if errs else 0


def open_streams(srv):
    m = srv.request("GET", "/metrics").text
    return support.metric_value(m, "fieldd_event_streams")


def make_user(st, login, role, **extra):
    body = {"login": login, "name": login, "role": role, "password": "pw-%s-123456" % login}
    body.update(extra)
    r = st.request("POST", API + "/users", body=body, token=st.admin_token())
    assert r.status == 201, r.text
    return r.json()


def main():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, STREAMS * 2 + 1024)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, want), hard))
    env = {"FIELDD_PER_IP_LIMIT": str(STREAMS + 1000), "FIELDD_CONN_LIMIT": "1000",
           "FIELDD_STREAM_LIMIT": str(STREAMS + 100), "FIELDD_LOG_LEVEL": "warn",
           "FIELDD_CONN_TIMEOUT": "120"}
    if os.environ.get("FIELDD_THREADS"):
        env["FIELDD_THREADS"] = os.environ["FIELDD_THREADS"]
    st = support.Stack(env=env, dbname="events_bench")
    try:
        run(st)
    finally:
        st.close(check=False)


def run(st):
    srv = st.server
    pid = srv.proc.pid
    make_user(st, "dispatcher", "dispatcher")
    make_user(st, "eng1", "engineer")
    disp = st.login("dispatcher", "pw-dispatcher-123456")
    eng = st.login("eng1", "pw-eng1-123456")
    r = st.request("POST", API + "/customers", token=disp,
                   body={"name": "박사원", "rank": "staff", "phone": "010-1111-0001",
                         "department": "총무부", "organisation": "한국공사"})
    cust = r.json()["id"]
    devices = []
    for i in range(100):
        r = st.request("POST", API + "/devices", token=disp,
                       body={"asset_tag": "EB-%05d" % i, "kind": "desktop", "customer_id": cust,
                             "model": "OptiPlex 7090"})
        devices.append(r.json()["id"])

    print("events bench: fieldd pid %d, %d idle streams, %d intakes/s for %d s, %d watchers"
          % (pid, STREAMS, RATE, SECONDS, WATCHERS), flush=True)
    wrk(srv.port, eng)  # warm-up: statements prepared on every connection
    wrk(srv.port, eng)
    rss0 = rss_kib(pid)

    def open_idle():
        out = []
        for i in range(STREAMS):
            s = SseStream(srv.port, eng, timeout=30)
            assert s.status == 200, (i, s.status)
            out.append(s)
        time.sleep(1)
        return out

    # the machine is shared: rounds of without / with, alternating, medians compared
    without, with_, errors = [], [], 0
    rss1 = 0
    idle = []
    for rnd in range(ROUNDS):
        rate, err = wrk(srv.port, eng)
        without.append(rate)
        errors += err
        idle = open_idle()
        if rnd == 0:
            rss1 = rss_kib(pid)
        rate, err = wrk(srv.port, eng)
        with_.append(rate)
        errors += err
        if rnd < ROUNDS - 1:
            for s in idle:
                s.close()
            # a suspended stream notices its closed socket at its next heartbeat (15 s)
            while open_streams(srv) > 0:
                time.sleep(0.5)
    rss_base = rss0
    per_stream = (rss1 - rss0) * 1024 / STREAMS
    base = statistics.median(without)
    with_streams = statistics.median(with_)

    # latency: watchers read everything while intakes go on at RATE per second
    arrivals = []
    lock = threading.Lock()
    stop = threading.Event()
    watchers = [SseStream(srv.port, disp, timeout=30) for _ in range(WATCHERS)]

    def watch(s):
        while not stop.is_set():
            try:
                b = s.next(timeout=1)
            except AssertionError:
                continue
            if b is None:
                return
            now = time.time()
            if b["event"] == "ticket" and b["json"]["op"] == "insert":
                at = dt.datetime.fromisoformat(b["json"]["at"].replace("Z", "+00:00"))
                with lock:
                    arrivals.append(now - at.timestamp())

    threads = [threading.Thread(target=watch, args=(s,), daemon=True) for s in watchers]
    for t in threads:
        t.start()
    sent = [0]
    failed = [0]
    nclients = 8

    def drive(k):
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
        per = RATE / nclients
        t0 = time.monotonic()
        n = 0
        while True:
            due = t0 + n / per
            if due - t0 >= SECONDS:
                return
            d = due - time.monotonic()
            if d > 0:
                time.sleep(d)
            body = json.dumps({"customer_id": cust, "device_id": devices[(n * nclients + k) % 100],
                               "fault_code": "NO_BOOT", "symptom": "전원 불량",
                               "channel": "phone", "verification": "callback"})
            conn.request("POST", API + "/tickets", body=body,
                         headers={"Authorization": "Bearer " + disp,
                                  "Content-Type": "application/json"})
            resp = conn.getresponse()
            resp.read()
            with lock:
                sent[0] += 1
                if resp.status != 201:
                    failed[0] += 1
            n += 1

    t_start = time.monotonic()
    drivers = [threading.Thread(target=drive, args=(k,)) for k in range(nclients)]
    for t in drivers:
        t.start()
    for t in drivers:
        t.join()
    elapsed = time.monotonic() - t_start
    time.sleep(2)
    stop.set()
    for t in threads:
        t.join(timeout=5)
    rss2 = rss_kib(pid)
    lat = sorted(arrivals)

    def pct(p):
        return lat[min(len(lat) - 1, int(round(p / 100 * (len(lat) - 1))))] * 1000

    print()
    print("| measure | value |")
    print("|---|---|")
    print("| fieldd RSS after warm-up, no streams | %.1f MiB |" % (rss0 / 1024))
    print("| fieldd RSS with %d idle streams | %.1f MiB |" % (STREAMS, rss1 / 1024))
    print("| memory per open stream | %.1f KiB |" % (per_stream / 1024))
    print("| GET /me without streams, %d rounds (wrk -t2 -c16, %d s each) | %s req/s, median %.0f |"
          % (ROUNDS, WRK_SECONDS, " / ".join("%.0f" % x for x in without), base))
    print("| GET /me with %d streams open, alternating with the above | %s req/s, median %.0f |"
          % (STREAMS, " / ".join("%.0f" % x for x in with_), with_streams))
    print("| throughput ratio (median with / median without) | %.3f (%d non-2xx in all) |"
          % (with_streams / base, errors))
    print("| intakes sent / failed / achieved rate | %d / %d / %.0f per s |"
          % (sent[0], failed[0], sent[0] / elapsed))
    print("| ticket events received by %d watchers | %d (expected %d) |"
          % (WATCHERS, len(lat), WATCHERS * (sent[0] - failed[0])))
    if lat:
        print("| write -> client latency p50 / p99 / max | %.1f / %.1f / %.1f ms |"
              % (pct(50), pct(99), lat[-1] * 1000))
    print("| fieldd RSS at the end | %.1f MiB |" % (rss2 / 1024))
    for s in idle + watchers:
        s.close()


if __name__ == "__main__":
    main()
