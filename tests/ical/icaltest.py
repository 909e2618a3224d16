"""Shared fixtures for the calendar tests in tests/ical (not a test module).

    Org        a private cluster, a migrated database and a running `fieldd serve`, with an
               organisation made over the HTTP API: a dispatcher, two teams (lead1 with eng_a
               and eng_b, lead2 with eng_c), customers and devices; helpers to file tickets,
               book visits, take steps and fetch feeds.
    icaljs     ical.js (Thunderbird's parser, from npm) on a body -> what it understood (JSON)
    pyical     python3-icalendar (Debian's, run by /usr/bin/python3) on a body -> JSON
    ical_check libical's icalrestriction_check (tests/ical/ical_check.c) on a body
    lines      the physical lines of a body, for octet-level checks

The parsers run as separate programs so that each test states what a client would see.
"""

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from zoneinfo import ZoneInfo

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import harness  # noqa: E402
import support  # noqa: E402

API = "/api/v1"
SECRET = "fieldd-calendar-tests-secret-0123456789"
SEOUL = ZoneInfo("Asia/Seoul")
SYSTEM_PYTHON = "/usr/bin/python3"
PASSWORD = support.USER_PASSWORD

# A symptom as engineers write them: long, Korean, with the characters TEXT must escape.
LONG_SYMPTOM = (
    "전원 버튼을 누르면 팬은 돌아가지만 화면에 아무것도 나오지 않고, 삐 소리가 세 번 "
    "납니다; 지난주에도 같은 증상으로 메모리를 다시 꽂아서 해결했는데 오늘 아침부터 "
    "다시 발생했습니다. 공유 폴더 경로는 \\\\fs01\\총무팀\\결재 이고, 부팅이 되면 "
    "바탕화면의 \"긴급 결재\" 파일을 먼저 백업해 주세요.\n"
    "두 번째 줄: 오후 2시 이후에는 회의가 있어 자리를 비울 수 있으니 먼저 전화 주세요 "
    "(내선 2345). 장비 옆 프린터도 용지 걸림이 잦습니다, 가능하면 함께 점검 부탁드립니다."
)


class Org:
    """See the module docstring. Org(env=None); close() at the end."""

    def __init__(self, env=None):
        # feed URLs are shown again only under a FIELDD_SECRET (make run keeps one in var/)
        env = dict({"FIELDD_SECRET": SECRET}, **(env or {}))
        self.stack = support.Stack(env=env)
        self.urls = {}  # who -> GET /me/calendar reply that issued the URLs
        self._slot = 0
        self._serial = 0
        try:
            self._populate()
        except BaseException:
            self.stack.close(check=False)
            raise

    # -- set-up over the API, as the dispatch desk would --
    def _populate(self):
        st = self.stack
        admin = st.admin_token()
        self.tok = {"admin": admin}
        self.uid = {}

        def user(login, role, **fields):
            u = st.create_user(admin, login, role, name=fields.pop("name", login), **fields)
            self.uid[login] = u["id"]
            return u

        user("disp", "dispatcher", name="배차원")
        user("lead1", "lead", name="박팀장", phone="010-7000-0001", email="lead1@fieldd.kr",
             skills=["desktop"])
        user("lead2", "lead", name="최팀장", phone="010-7000-0002", skills=["desktop"])
        self.team1 = self.post("/teams", {"name": "1팀", "lead_id": self.uid["lead1"]}, "admin")
        self.team2 = self.post("/teams", {"name": "2팀", "lead_id": self.uid["lead2"]}, "admin")
        for n, (login, name, team) in enumerate((("eng_a", "김기사", self.team1),
                                                 ("eng_b", "이기사", self.team1),
                                                 ("eng_c", "정기사", self.team2))):
            user(login, "engineer", name=name, team_id=team["id"], skills=["desktop"],
                 phone="010-9000-%04d" % (n + 1), email="%s@fieldd.kr" % login)
        # engineers work around the clock here, so any test window is a working hour
        st.sql("UPDATE users SET work_start = '00:00', work_end = '23:59',"
               " work_days = '{1,2,3,4,5,6,7}'")
        for login in ("disp", "lead1", "lead2", "eng_a", "eng_b", "eng_c"):
            self.tok[login] = st.login(login, PASSWORD)
        self.cust = {
            "staff": self.post("/customers", {
                "name": "박사원", "title": "대리", "department": "총무팀",
                "organisation": "한국전력공사", "phone": "010-3333-0001",
                "email": "park@customer.kr"})["id"],
            "vip": self.post("/customers", {
                "name": "한상무", "title": "상무", "rank": "executive", "department": "경영지원실",
                "phone": "010-3333-0002", "email": "han@customer.kr"})["id"],
            "noemail": self.post("/customers", {"name": "오주임", "phone": "010-3333-0003"})["id"],
        }

    def close(self, check=True):
        self.stack.close(check=check)

    # -- HTTP --
    @property
    def server(self):
        return self.stack.server

    def call(self, method, path, body=None, who="disp", headers=None):
        return self.stack.request(method, path, body=body, headers=headers,
                                  token=self.tok[who] if who else None, timeout=30)

    def ok(self, method, path, body=None, who="disp", expect=200):
        r = self.call(method, API + path, body, who)
        if r.status != expect:
            raise AssertionError("%s %s as %s: %d %s" % (method, path, who, r.status, r.text[:600]))
        return r.json()

    def post(self, path, body, who="disp"):
        return self.ok("POST", path, body, who, expect=201)

    def sql(self, q):
        return self.stack.sql(q)

    # -- the dispatch desk's work --
    def device(self, customer):
        self._serial += 1
        return self.post("/devices", {
            "asset_tag": "ICAL-%04d" % self._serial, "kind": "desktop", "model": "HP ProDesk 400",
            "customer_id": self.cust[customer],
            "location": {"building": "본관", "floor": "3", "room": "30%d" % (self._serial % 10)}})

    def ticket(self, customer="staff", symptom="부팅 불가", fault="NO_BOOT"):
        dev = self.device(customer)
        return self.post("/tickets", {"customer_id": self.cust[customer], "device_id": dev["id"],
                                      "fault_code": fault, "symptom": symptom, "channel": "phone",
                                      "verification": "callback"})

    def slot(self, hours=1):
        """A fresh window on a future day, on the hour, never shared by two calls."""
        k = self._slot
        self._slot += 1
        day = dt.datetime.now(SEOUL).date() + dt.timedelta(days=2 + k // 10)
        start = dt.datetime(day.year, day.month, day.day, 8 + k % 10, tzinfo=SEOUL)
        return start, start + dt.timedelta(hours=hours)

    def visit(self, ticket, engineer=None, lead=None, window=None):
        start, end = window or self.slot()
        body = {"start": start.isoformat(), "end": end.isoformat()}
        if engineer:
            body["engineer_id"] = self.uid[engineer]
        if lead:
            body["lead_id"] = self.uid[lead]
        return self.post("/tickets/%d/visits" % ticket["id"], body)

    def step(self, visit, name, body=None, who="disp"):
        return self.ok("POST", "/visits/%d/%s" % (visit["id"], name), body, who)

    def get_visit(self, visit):
        return self.ok("GET", "/visits/%d" % visit["id"])

    # -- feeds --
    def feed_urls(self, who):
        """The reply of the GET /me/calendar that issued who's URLs."""
        if who not in self.urls:
            r = self.ok("GET", "/me/calendar", who=who)
            if not r.get("issued_now"):
                raise AssertionError("%s's feed URLs were issued before: %r" % (who, r))
            self.urls[who] = r
        return self.urls[who]

    def rotate(self, who):
        self.urls[who] = self.ok("POST", "/me/calendar/rotate", who=who)
        return self.urls[who]

    def feed_path(self, who, team=False):
        url = self.feed_urls(who)["team_feed_url" if team else "feed_url"]
        return url[url.index("/cal/"):]

    def feed(self, who, team=False, headers=None):
        return self.call("GET", self.feed_path(who, team), who=None, headers=headers)

    def settle(self):
        """Waits until no feed's change mark is ahead of the clock. A burst of changes (this
        test's set-up) pushes marks a second ahead per change; until the clock catches up,
        Last-Modified shows the present and If-Modified-Since answers 200, never 304."""
        ahead = float(self.sql("SELECT greatest(0, extract(epoch FROM max(changed_at)"
                               " - clock_timestamp())) FROM calendar_marks") or 0)
        if ahead > 0:
            time.sleep(ahead + 0.05)

    def metric(self, name):
        return support.metric_value(self.call("GET", "/metrics", who=None).text, name)


# --------------------------------------------------------------- parsers --
def _run(argv, body, what):
    with tempfile.NamedTemporaryFile(suffix=".ics", delete=False) as f:
        f.write(body)
        path = f.name
    try:
        p = subprocess.run(argv + [path], capture_output=True, text=True, timeout=60)
    finally:
        os.unlink(path)
    return p


def icaljs(body):
    """ical.js's reading of body (dict); AssertionError when ical.js refuses it."""
    node = shutil.which("node")
    if not node:
        raise AssertionError("node is not installed (scripts/deps.sh installs it)")
    if not os.path.isdir(os.path.join(HERE, "node_modules", "ical.js")):
        raise AssertionError("ical.js is not installed: run scripts/npm.sh (npm ci in tests/ical)")
    p = _run([node, os.path.join(HERE, "icaljs_parse.mjs")], body, "ical.js")
    if p.returncode != 0:
        raise AssertionError("ical.js refused the feed: %s%s" % (p.stdout, p.stderr))
    return json.loads(p.stdout)


def pyical(body):
    """python3-icalendar's reading of body (dict), run by Debian's /usr/bin/python3."""
    p = _run([SYSTEM_PYTHON, os.path.join(HERE, "pyical_parse.py")], body, "python-icalendar")
    if p.returncode != 0:
        raise AssertionError("python-icalendar refused the feed: %s%s" % (p.stdout, p.stderr))
    return json.loads(p.stdout)


def ical_check(body):
    """(exit code, output) of libical's restriction check on body."""
    exe = os.environ.get("ICAL_CHECK")
    if not exe or not os.access(exe, os.X_OK):
        raise AssertionError("ICAL_CHECK must name the built tests/ical/ical_check program")
    p = _run([exe], body, "ical_check")
    return p.returncode, p.stdout + p.stderr


def lines(body):
    """Physical lines of body without their CRLF; AssertionError on a bare CR or LF."""
    if not body.endswith(b"\r\n"):
        raise AssertionError("the body does not end with CRLF")
    out = body[:-2].split(b"\r\n")
    for i, l in enumerate(out):
        if b"\n" in l or b"\r" in l:
            raise AssertionError("line %d has a bare CR or LF: %r" % (i + 1, l[:80]))
    return out


def unfold(body):
    return body.replace(b"\r\n ", b"").replace(b"\r\n\t", b"")


def by_uid(parsed):
    return {e["uid"]: e for e in parsed["events"]}


def epoch(rfc3339):
    return int(dt.datetime.fromisoformat(rfc3339).timestamp())


def main():
    harness.main()
