"""Calendar feed benchmark (docs/performance.md, "Calendar feeds"): one engineer's feed of
200 visits, served by fieldd (full body, and 304 for a client that holds the ETag) and, in
the same run, the same 200 events served by Radicale as a calendar collection (GET of the
collection's .ics, full body and 304). wrk on loopback, one server at a time, same settings.

Also: the cost of a cache miss (the feed built with libical), and proof that the 304 run
built nothing (fieldd_calendar_builds_total does not move).

Run through tests/bench/ical.sh (it installs wrk and radicale and builds the release).
Environment: FIELDD_BIN (required), BENCH_SECONDS (default 10), BENCH_CONNECTIONS (32),
BENCH_THREADS (2), FIELDD_THREADS (fieldd's workers, default 4).
"""

import base64
import datetime as dt
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from zoneinfo import ZoneInfo

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import harness  # noqa: E402
import support  # noqa: E402

SEOUL = ZoneInfo("Asia/Seoul")
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
CONNS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
THREADS = int(os.environ.get("BENCH_THREADS", "2"))
VISITS = 200


def log(msg):
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()


def wrk(url, headers=(), conns=None):
    """(requests/s, latency p50 ms, p99 ms, errors) of one wrk run; errors counts non-2xx/3xx
    answers and socket errors (timeouts included)."""
    conns = conns or CONNS
    argv = ["wrk", "-t%d" % min(THREADS, conns), "-c%d" % conns, "-d%ds" % SECONDS, "--latency"]
    for h in headers:
        argv += ["-H", h]
    out = subprocess.run(argv + [url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def ms(label):
        m = re.search(r"\s%s\s+([\d.]+)(us|ms|s)\b" % label, out)
        v = float(m.group(1))
        return v / 1000 if m.group(2) == "us" else v * 1000 if m.group(2) == "s" else v

    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(bad.group(1)) if bad else 0) + (sum(map(int, sock.groups())) if sock else 0)
    return rps, ms("50%"), ms("99%"), errors


def populate(st):
    """200 visits for one engineer over the next 90 days, made over the HTTP API."""
    admin = st.admin_token()
    st.create_user(admin, "disp", "dispatcher")
    eng = st.create_user(admin, "eng", "engineer", name="김기사", skills=["desktop"],
                         phone="010-9000-0001")
    st.sql("UPDATE users SET work_start = '00:00', work_end = '23:59',"
           " work_days = '{1,2,3,4,5,6,7}'")
    tok = st.login("disp", support.USER_PASSWORD)

    def post(path, body):
        r = st.request("POST", "/api/v1" + path, body=body, token=tok, timeout=30)
        if r.status != 201:
            raise harness.HarnessError("%s: %d %s" % (path, r.status, r.text))
        return r.json()

    cust = post("/customers", {"name": "박사원", "title": "대리", "department": "총무팀",
                               "organisation": "한국전력공사", "phone": "010-3333-0001",
                               "email": "park@customer.kr"})
    today = dt.datetime.now(SEOUL).date()
    for i in range(VISITS):
        dev = post("/devices", {"asset_tag": "BENCH-%04d" % i, "kind": "desktop",
                                "model": "HP ProDesk 400", "customer_id": cust["id"],
                                "location": {"building": "본관", "floor": str(1 + i % 12),
                                             "room": str(300 + i % 40)}})
        t = post("/tickets", {"customer_id": cust["id"], "device_id": dev["id"],
                              "fault_code": "NO_BOOT", "channel": "phone",
                              "verification": "callback",
                              "symptom": "전원은 들어오나 부팅이 되지 않음, 삐 소리 세 번; "
                                         "바탕화면의 결재 파일 백업 요청 (%d)" % i})
        day = today + dt.timedelta(days=1 + i // 3)
        start = dt.datetime(day.year, day.month, day.day, (9, 11, 14)[i % 3], tzinfo=SEOUL)
        post("/tickets/%d/visits" % t["id"], {"engineer_id": eng["id"],
                                              "start": start.isoformat(),
                                              "end": (start + dt.timedelta(hours=1)).isoformat()})
    return st.login("eng", support.USER_PASSWORD)


def split_events(body):
    """One VCALENDAR per VEVENT (with the VTIMEZONE), as a CalDAV server stores them."""
    text = body.decode()
    head = text[:text.index("BEGIN:VTIMEZONE")]
    head = "".join(l + "\r\n" for l in head.split("\r\n")
                   if l.startswith(("BEGIN:VCALENDAR", "VERSION", "PRODID", "CALSCALE")))
    vtz = text[text.index("BEGIN:VTIMEZONE"):text.index("END:VTIMEZONE") + 15] + "\r\n"
    events = re.findall(r"BEGIN:VEVENT\r\n.*?END:VEVENT\r\n", text, re.S)
    return [head + vtz + ev + "END:VCALENDAR\r\n" for ev in events]


def start_radicale(folder, port):
    coll = os.path.join(folder, "collection-root", "bench", "visits")
    os.makedirs(coll)
    with open(os.path.join(folder, "collection-root", "bench", ".Radicale.props"), "w") as f:
        json.dump({}, f)
    with open(os.path.join(coll, ".Radicale.props"), "w") as f:
        json.dump({"tag": "VCALENDAR", "D:displayname": "visits"}, f)
    return coll, subprocess.Popen(
        ["radicale", "--server-hosts", "127.0.0.1:%d" % port, "--auth-type", "none",
         "--rights-type", "owner_only", "--storage-filesystem-folder", folder,
         "--logging-level", "warning", "--server-max-connections", "64"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)


LOAD = open("/proc/loadavg").read().split()[0]


def main():
    for tool in ("wrk", "radicale"):
        if not shutil.which(tool):
            raise SystemExit("%s is missing: run tests/bench/ical.sh as root" % tool)
    env = {"FIELDD_THREADS": os.environ.get("FIELDD_THREADS", "4"), "FIELDD_LOG_LEVEL": "warn"}
    st = support.Stack(env=env)
    rad = None
    tmp = tempfile.mkdtemp(prefix="fieldd-bench-ical-")
    try:
        log("making %d visits over the API..." % VISITS)
        tok = populate(st)
        urls = st.request("GET", "/api/v1/me/calendar", token=tok).json()
        path = urls["feed_url"][urls["feed_url"].index("/cal/"):]
        url = st.server.base_url + path
        r = st.request("GET", path)
        body, etag = r.body, r.headers["ETag"]
        assert r.status == 200 and body.count(b"BEGIN:VEVENT") == VISITS, r
        log("feed: %d events, %d bytes" % (VISITS, len(body)))

        # a cache miss: the validator moves, the next GET builds the feed with libical
        builds = []
        for _ in range(20):
            st.sql("UPDATE calendar_marks SET version = version + 1")
            t0 = time.perf_counter()
            r = st.request("GET", path)
            builds.append((time.perf_counter() - t0) * 1000)
            assert r.body == body
        hit = []
        for _ in range(20):
            t0 = time.perf_counter()
            st.request("GET", path)
            hit.append((time.perf_counter() - t0) * 1000)

        def metric(name):
            return support.metric_value(st.request("GET", "/metrics").text, name)

        results = {}
        b0 = metric("fieldd_calendar_builds_total")
        results["fieldd 200"] = wrk(url)
        results["fieldd 200, 4 connections"] = wrk(url, conns=4)
        b1 = metric("fieldd_calendar_builds_total")
        results["fieldd 304"] = wrk(url, ["If-None-Match: %s" % etag])
        b2 = metric("fieldd_calendar_builds_total")

        port = harness.free_port()
        coll, rad = start_radicale(os.path.join(tmp, "radicale"), port)
        for i, ev in enumerate(split_events(body)):
            with open(os.path.join(coll, "event-%03d.ics" % i), "w", newline="") as f:
                f.write(ev)
        rurl = "http://127.0.0.1:%d/bench/visits/" % port
        auth = "Authorization: Basic " + base64.b64encode(b"bench:x").decode()
        for _ in range(100):
            try:
                out = subprocess.run(["curl", "-s", "-D", "-", "-o", os.path.join(tmp, "r.ics"),
                                      "-H", auth, rurl], capture_output=True, text=True,
                                     timeout=30).stdout
                if " 200" in out.splitlines()[0]:
                    break
            except (IndexError, subprocess.SubprocessError):
                pass
            time.sleep(0.2)
        with open(os.path.join(tmp, "r.ics"), "rb") as f:
            rbody = f.read()
        assert rbody.count(b"BEGIN:VEVENT") == VISITS, "radicale serves %d events" % \
            rbody.count(b"BEGIN:VEVENT")
        retag = re.search(r"(?im)^etag:\s*(\S+)", out)
        results["radicale 200"] = wrk(rurl, [auth])
        results["radicale 200, 4 connections"] = wrk(rurl, [auth], conns=4)
        if retag:
            results["radicale 304"] = wrk(rurl, [auth, "If-None-Match: %s" % retag.group(1)])

        print("\n## calendar feed benchmark: %d visits, wrk -t%d -c%d -d%ds, loopback, %s, "
              "load average before %s" % (VISITS, THREADS, CONNS, SECONDS,
                                          dt.datetime.now().strftime("%Y-%m-%d"), LOAD))
        print("fieldd feed %d bytes; radicale collection %d bytes; fieldd workers %s" % (
            len(body), len(rbody), env["FIELDD_THREADS"]))
        print("| server | requests/s | p50 ms | p99 ms | errors |")
        print("|---|---:|---:|---:|---:|")
        for k, (rps, p50, p99, bad) in results.items():
            print("| %s | %.0f | %.2f | %.2f | %d |" % (k, rps, p50, p99, bad))
        print("ratio fieldd/radicale (200): %.1fx; with 4 connections each: %.1fx" % (
            results["fieldd 200"][0] / results["radicale 200"][0],
            results["fieldd 200, 4 connections"][0] / results["radicale 200, 4 connections"][0]))
        if "radicale 304" in results:
            print("ratio fieldd/radicale (304): %.1fx" % (results["fieldd 304"][0] /
                                                          results["radicale 304"][0]))
        print("builds during the 200 run: %d; during the 304 run: %d" % (b1 - b0, b2 - b1))
        print("one GET, sequential, median of 20: cache miss (libical build) %.1f ms, "
              "cache hit %.2f ms" % (statistics.median(builds), statistics.median(hit)))
    finally:
        if rad:
            os.killpg(rad.pid, signal.SIGTERM)
            rad.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)
        st.close(check=False)


if __name__ == "__main__":
    main()
