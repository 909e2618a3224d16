"""PC inspection checklists (R9) over HTTP against a real database: template versioning
(an admin writes version n+1; a run keeps the version it started with), the run of a visit
(items in order, Korean and English labels), partial saves with who and when, every item
type's validation, the completion gate of the checklist and of the visit, the lock after
completion (leads and admins may still change it, audited), the template version of every
answer in PostgreSQL, and who may see a visit's checklist.

Run: FIELDD_BIN=build/fieldd python3 tests/integration/test_checklists.py
"""

import datetime as dt
import json
import os
import sys
import threading
import unittest
from zoneinfo import ZoneInfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import support  # noqa: E402

API = "/api/v1"
DB = "checklists"
SEOUL = ZoneInfo("Asia/Seoul")
HOUR = 3600

# The seeded PC checklist (migration 0003), in order: key, type, required.
PC_ITEMS = [
    ("power_boot", "pass_fail", True), ("os_updates", "check", True),
    ("antivirus", "pass_fail", True), ("av_definitions", "text", True),
    ("disk_free", "number", True), ("disk_smart", "choice", True),
    ("memory", "number", True), ("network_ip", "pass_fail", True),
    ("peripherals", "pass_fail", False), ("cables_tidy", "check", False),
    ("dust_cleaned", "check", False), ("backup_confirmed", "check", True),
    ("user_confirms", "check", True), ("remarks", "text", False)]
PC_REQUIRED = [k for k, _, req in PC_ITEMS if req]
# A valid answer for every item of the PC checklist.
PC_VALID = {"power_boot": "pass", "os_updates": True, "antivirus": "pass",
            "av_definitions": "2026-11-01", "disk_free": 42.5, "disk_smart": "양호",
            "memory": 16, "network_ip": "pass", "peripherals": "fail", "cables_tidy": True,
            "dust_cleaned": False, "backup_confirmed": True, "user_confirms": True,
            "remarks": "특이사항 없음"}

SLOT = [0]
SERIAL = [0]
U = {}
TOK = {}
CUST = {}


def iso(e):
    return dt.datetime.fromtimestamp(e, SEOUL).isoformat(timespec="seconds")


def next_slot():
    """A fresh one-hour window, days ahead, so that no two visits meet."""
    k = SLOT[0]
    SLOT[0] += 1
    d = dt.datetime.now(SEOUL).date() + dt.timedelta(days=1 + k // 12)
    start = dt.datetime(d.year, d.month, d.day, 8 + k % 12, tzinfo=SEOUL)
    return int(start.timestamp()), int(start.timestamp()) + HOUR


def setUpModule():
    global ST, CL, URL, SRV
    ST = support.Stack(dbname=DB)
    CL, URL, SRV = ST.cluster, ST.url, ST.server
    admin = TOK["admin"] = ST.admin_token()
    U["admin"] = int(CL.psql("SELECT id FROM users WHERE login = 'admin'", db=DB))
    kinds = ["desktop", "laptop", "printer", "monitor", "network", "scanner"]

    def user(name, role, team=None):
        body = {"login": name, "name": name, "role": role, "password": "pw-%s-123456" % name,
                "skills": kinds}
        if team:
            body["team_id"] = team
        U[name] = ST.post("/users", body, admin)["id"]

    user("dispatcher", "dispatcher")
    user("lead1", "lead")
    user("lead2", "lead")
    t1 = ST.post("/teams", {"name": "1팀", "lead_id": U["lead1"]}, admin)["id"]
    t2 = ST.post("/teams", {"name": "2팀", "lead_id": U["lead2"]}, admin)["id"]
    user("eng_a", "engineer", t1)
    user("eng_b", "engineer", t1)
    user("eng_c", "engineer", t2)
    CL.psql("UPDATE users SET work_start = '00:00', work_end = '23:59',"
            " work_days = '{1,2,3,4,5,6,7}'", db=DB)
    for name in ("dispatcher", "lead1", "lead2", "eng_a", "eng_b", "eng_c"):
        TOK[name] = ST.login(name, "pw-%s-123456" % name)
    CUST["staff"] = ST.post("/customers", {"name": "박사원", "phone": "010-4444-0001"},
                         TOK["dispatcher"])["id"]


def tearDownModule():
    ST.close()


class Base(unittest.TestCase):
    maxDiff = None

    def call(self, method, path, body=None, token="dispatcher", expect=None, raw_body=None,
             headers=None):
        r = SRV.request(method, API + path, body=body, token=TOK[token], timeout=30,
                        raw_body=raw_body, headers=headers)
        if expect is not None:
            self.assertEqual(r.status, expect, "%s %s as %s -> %d %s" % (
                method, path, token, r.status, r.text[:800]))
        return r

    def ok(self, method, path, body=None, token="dispatcher", expect=200):
        return self.call(method, path, body, token, expect).json()

    def problem(self, r, status, code=None):
        self.assertEqual(r.status, status, r.text[:800])
        self.assertTrue(r.headers.get("Content-Type", "").startswith("application/problem+json"),
                        r.headers.get("Content-Type"))
        j = r.json()
        if code is not None:
            self.assertEqual(j.get("code"), code, r.text[:800])
        return j

    def fields(self, j):
        return sorted(e["field"] for e in j.get("errors", []))

    def sql(self, q):
        return CL.psql(q, db=DB).strip()

    def device(self, kind="desktop", model=None):
        SERIAL[0] += 1
        body = {"asset_tag": "CK-%05d" % SERIAL[0], "kind": kind, "customer_id": CUST["staff"]}
        if model:
            body["model"] = model
        return self.ok("POST", "/devices", body, expect=201)["id"]

    def visit(self, engineer="eng_a", kind="desktop", device=None):
        dev = device or self.device(kind)
        t = self.ok("POST", "/tickets", {"customer_id": CUST["staff"], "device_id": dev,
                                         "fault_code": "SLOW", "symptom": "느려짐",
                                         "channel": "phone", "verification": "callback"},
                    expect=201)
        s, e = next_slot()
        v = self.ok("POST", "/tickets/%d/visits" % t["id"],
                    {"engineer_id": U[engineer], "start": iso(s), "end": iso(e)}, expect=201)
        return t, v

    def on_site(self, vid, token):
        """pre-call, arrive, estimate and consent: ready to complete but for the checklist."""
        self.ok("POST", "/visits/%d/precall" % vid, {"outcome": "reached"}, token)
        self.ok("POST", "/visits/%d/arrive" % vid, None, token)
        self.ok("POST", "/visits/%d/estimate" % vid, {"minutes": 30, "explanation": "점검"},
                token)
        self.ok("POST", "/visits/%d/consent" % vid, {"by": "박사원"}, token)

    def put(self, vid, answers, token="eng_a", complete=None, expect=200):
        body = {"answers": [{"key": k, "value": v} for k, v in answers.items()]
                if isinstance(answers, dict) else answers}
        if complete is not None:
            body["complete"] = complete
        return self.call("PUT", "/visits/%d/checklist" % vid, body, token, expect)

    def answers_sql(self, vid):
        """The stored answers of a visit's run: {key: (value, note, by)}."""
        out = {}
        rows = self.sql("SELECT a.key, a.value::text, coalesce(a.note, ''), a.answered_by"
                        " FROM checklist_answers a JOIN checklist_runs r ON r.id = a.run_id"
                        " WHERE r.visit_id = %d ORDER BY a.key" % vid)
        for line in rows.splitlines():
            k, v, note, by = line.split("|")
            out[k] = (json.loads(v), note, int(by))
        return out

    def snapshot(self, vid):
        """Everything a refused write must leave alone."""
        return (self.sql("SELECT string_agg(a.key || '=' || a.value::text || '@' || a.answered_at"
                         " || '/' || coalesce(a.note, ''), ',' ORDER BY a.key)"
                         " FROM checklist_answers a JOIN checklist_runs r ON r.id = a.run_id"
                         " WHERE r.visit_id = %d" % vid),
                self.sql("SELECT completed_at, completed_by FROM checklist_runs"
                         " WHERE visit_id = %d" % vid),
                self.sql("SELECT count(*) FROM audit_events WHERE visit_id = %d" % vid))


# ---------------------------------------------------------------- templates --
class Templates(Base):
    LAPTOP_V2 = [
        {"key": "power_boot", "label": "전원 및 부팅", "label_en": "Boots", "type": "pass_fail"},
        {"key": "battery_health", "label": "배터리 상태", "label_en": "Battery health",
         "type": "number", "min": 0, "max": 100, "unit": "%"},
        {"key": "keyboard", "label": "키보드 상태", "type": "choice",
         "options": ["양호", "일부 불량", "교체 필요"]},
        {"key": "hinge_ok", "label": "힌지 점검", "label_en": "Hinge checked", "type": "check",
         "required": False},
        {"key": "remarks", "label": "특이사항", "type": "text", "required": False}]

    def test_versions_and_runs_keep_theirs(self):
        # a visit to a laptop today runs on the seeded version 1
        t1, v1 = self.visit("eng_a", kind="laptop")
        c1 = self.ok("GET", "/visits/%d/checklist" % v1["id"], token="eng_a")
        self.assertEqual((c1["template"]["kind"], c1["template"]["version"]), ("laptop", 1))
        self.assertEqual([i["key"] for i in c1["items"]], [k for k, _, _ in PC_ITEMS])
        self.put(v1["id"], {"power_boot": "pass", "disk_free": 30})
        # the admin writes version 2
        before = int(self.sql("SELECT count(*) FROM checklist_templates"))
        j = self.ok("POST", "/checklist-templates",
                    {"kind": "laptop", "title": "노트북 점검표 2판", "title_en": "Laptop v2",
                     "items": self.LAPTOP_V2}, token="admin", expect=201)
        self.assertIsInstance(j["id"], int)
        self.assertEqual((j["kind"], j["version"], j["title"], j["title_en"]),
                         ("laptop", 2, "노트북 점검표 2판", "Laptop v2"))
        self.assertEqual([i["key"] for i in j["items"]],
                         [i["key"] for i in self.LAPTOP_V2])
        items = {i["key"]: i for i in j["items"]}
        self.assertEqual(items["battery_health"]["min"], 0)
        self.assertEqual(items["battery_health"]["max"], 100)
        self.assertEqual(items["battery_health"]["unit"], "%")
        self.assertEqual(items["keyboard"]["options"], ["양호", "일부 불량", "교체 필요"])
        self.assertNotIn("options", items["power_boot"])
        self.assertEqual(items["keyboard"]["label_en"], "키보드 상태")  # defaults to label
        self.assertEqual([i["required"] for i in j["items"]], [True, True, True, False, False])
        self.assertEqual(int(self.sql("SELECT count(*) FROM checklist_templates")), before + 1)
        self.assertEqual(self.sql("SELECT version, created_by FROM checklist_templates"
                                  " WHERE id = %d" % j["id"]), "2|%d" % U["admin"])
        self.assertEqual(self.sql("SELECT count(*) FROM audit_events WHERE action ="
                                  " 'checklist_template.created' AND (after->>'id')::bigint = %d"
                                  % j["id"]), "1")
        # the run that started on version 1 keeps it, answers and all
        c1b = self.ok("GET", "/visits/%d/checklist" % v1["id"], token="eng_a")
        self.assertEqual(c1b["template"]["version"], 1)
        self.assertEqual([i["key"] for i in c1b["items"]], [k for k, _, _ in PC_ITEMS])
        self.assertEqual({i["key"]: i["answer"]["value"] for i in c1b["items"] if i["answer"]},
                         {"power_boot": "pass", "disk_free": 30})
        self.problem(self.put(v1["id"], {"battery_health": 90}, expect=None), 422)
        # a new visit gets version 2
        t2, v2 = self.visit("eng_a", kind="laptop")
        c2 = self.ok("GET", "/visits/%d/checklist" % v2["id"], token="eng_a")
        self.assertEqual(c2["template"]["version"], 2)
        self.assertEqual([i["key"] for i in c2["items"]], [i["key"] for i in self.LAPTOP_V2])
        self.problem(self.put(v2["id"], {"disk_free": 30}, expect=None), 422)
        self.put(v2["id"], {"power_boot": "pass", "battery_health": 81, "keyboard": "일부 불량"},
                 complete=True)
        # both run to completion on their own versions; PostgreSQL says which is which
        self.put(v1["id"], PC_VALID, complete=True)
        self.assertEqual(self.sql(
            "SELECT r.visit_id || ':' || t.kind || ':' || t.version || ':' || count(a.key)"
            " FROM checklist_runs r JOIN checklist_templates t ON t.id = r.template_id"
            " JOIN checklist_answers a ON a.run_id = r.id WHERE r.visit_id IN (%d, %d)"
            " GROUP BY r.visit_id, t.kind, t.version ORDER BY r.visit_id" % (v1["id"], v2["id"])
        ).splitlines(), ["%d:laptop:1:14" % v1["id"], "%d:laptop:2:3" % v2["id"]])
        # every stored answer names an item of its run's template version
        self.assertEqual(self.sql(
            "SELECT count(*) FROM checklist_answers a JOIN checklist_runs r ON r.id = a.run_id"
            " LEFT JOIN checklist_items i ON i.template_id = r.template_id AND i.key = a.key"
            " WHERE i.key IS NULL"), "0")
        # the list: the latest version of each kind, or every version
        latest = self.ok("GET", "/checklist-templates?kind=laptop")["items"]
        self.assertEqual([(x["kind"], x["version"]) for x in latest], [("laptop", 2)])
        every = self.ok("GET", "/checklist-templates?kind=laptop&all=true", token="eng_b")["items"]
        self.assertEqual([x["version"] for x in every], [1, 2])
        kinds = {x["kind"]: x["version"]
                 for x in self.ok("GET", "/checklist-templates", token="eng_c")["items"]}
        self.assertEqual(kinds["laptop"], 2)
        self.assertEqual(kinds["desktop"], 1)
        self.assertTrue({"desktop", "laptop", "printer", "network"} <= set(kinds))
        self.assertNotIn("monitor", kinds)
        self.problem(self.call("GET", "/checklist-templates?kind=toaster"), 400)
        self.problem(self.call("GET", "/checklist-templates?all=yes"), 400)

    def test_only_admins_write(self):
        body = {"kind": "laptop", "title": "x", "items": self.LAPTOP_V2}
        n = self.sql("SELECT count(*) FROM checklist_templates")
        for who in ("dispatcher", "lead1", "eng_a"):
            with self.subTest(who=who):
                self.problem(self.call("POST", "/checklist-templates", body, who), 403)
        self.assertEqual(self.sql("SELECT count(*) FROM checklist_templates"), n)

    def test_bad_items(self):
        good = {"key": "ok_item", "label": "정상", "type": "check"}

        def refused(items, want, **extra):
            body = {"kind": "scanner", "title": "스캐너 점검표", "items": items}
            body.update(extra)
            j = self.problem(self.call("POST", "/checklist-templates", body, "admin"), 422,
                             "validation_failed")
            self.assertEqual(self.fields(j), sorted(want), j)
            return j

        n = self.sql("SELECT count(*) FROM checklist_templates")
        cases = [
            ({"key": "Bad-Key", "label": "x", "type": "check"}, "key"),
            ({"key": "1st", "label": "x", "type": "check"}, "key"),
            ({"key": "a b", "label": "x", "type": "check"}, "key"),
            ({"key": "k" * 49, "label": "x", "type": "check"}, "key"),
            ({"label": "x", "type": "check"}, "key"),
            ({"key": "x1", "label": "x", "type": "yes_no"}, "type"),
            ({"key": "x1", "label": "x"}, "type"),
            ({"key": "x1", "type": "check"}, "label"),
            ({"key": "x1", "label": "가" * 201, "type": "check"}, "label"),
            ({"key": "x1", "label": "x", "type": "number", "min": 5, "max": 4}, "min"),
            ({"key": "x1", "label": "x", "type": "number", "min": "0"}, "min"),
            ({"key": "x1", "label": "x", "type": "text", "min": 1}, "min"),
            ({"key": "x1", "label": "x", "type": "check", "max": 1}, "max"),
            ({"key": "x1", "label": "x", "type": "text", "unit": "%"}, "unit"),
            ({"key": "x1", "label": "x", "type": "pass_fail", "options": ["a", "b"]},
             "options"),
            ({"key": "x1", "label": "x", "type": "choice"}, "options"),
            ({"key": "x1", "label": "x", "type": "choice", "options": ["only"]}, "options"),
            ({"key": "x1", "label": "x", "type": "choice", "options": ["a", "b", "a"]},
             "options"),
            ({"key": "x1", "label": "x", "type": "choice", "options": "a,b"}, "options"),
            ({"key": "x1", "label": "x", "type": "check", "required": "yes"}, "required"),
            ("x1", None),
        ]
        for bad, field in cases:
            with self.subTest(bad=str(bad)[:70]):
                # the bad item is the third: its error names items[2] and the field
                j = self.problem(self.call("POST", "/checklist-templates",
                                           {"kind": "scanner", "title": "x",
                                            "items": [good, dict(good, key="ok2"), bad]},
                                           "admin"), 422, "validation_failed")
                if field:
                    self.assertEqual(self.fields(j), ["items[2].%s" % field], j)
                else:
                    self.assertEqual(len(j["errors"]), 1, j)
                    self.assertTrue(j["errors"][0]["field"].startswith("items[2]"), j)
        # one error per bad item, none for the good ones
        refused([{"key": "Bad", "label": "x", "type": "check"}, good,
                 {"key": "c", "label": "x", "type": "choice", "options": ["a"]},
                 {"key": "d", "label": "x", "type": "number", "min": 2, "max": 1}],
                ["items[0].key", "items[2].options", "items[3].min"])
        # the same key twice: the second is refused
        j = refused([good, {"key": "b", "label": "x", "type": "check"},
                     {"key": "ok_item", "label": "again", "type": "text"}], ["items[2].key"])
        self.assertIn("twice", j["errors"][0]["message"])
        # the template itself
        for body, field in (({"kind": "scanner", "title": "x", "items": []}, "items"),
                            ({"kind": "scanner", "title": "x", "items": [good] * 101}, "items"),
                            ({"kind": "toaster", "title": "x", "items": [good]}, "kind"),
                            ({"kind": "scanner", "items": [good]}, "title"),
                            ({"kind": "scanner", "title": "x"}, "items")):
            with self.subTest(field=field, body=str(body)[:60]):
                j = self.problem(self.call("POST", "/checklist-templates", body, "admin"), 422)
                self.assertIn(field, self.fields(j))
        self.assertEqual(self.sql("SELECT count(*) FROM checklist_templates"), n)
        self.assertEqual(self.sql("SELECT count(*) FROM checklist_templates WHERE kind ="
                                  " 'scanner'"), "0")

    def test_concurrent_admins_get_distinct_versions(self):
        body = {"kind": "server", "title": "서버 점검표",
                "items": [{"key": "fans", "label": "팬 동작", "type": "pass_fail"}]}
        barrier = threading.Barrier(4)
        res = [None] * 4

        def go(k):
            barrier.wait()
            res[k] = SRV.request("POST", API + "/checklist-templates", body=body,
                                 token=TOK["admin"], timeout=60)

        th = [threading.Thread(target=go, args=(k,)) for k in range(4)]
        for x in th:
            x.start()
        for x in th:
            x.join()
        self.assertEqual([r.status for r in res], [201] * 4, [r.text[:200] for r in res])
        self.assertEqual(sorted(r.json()["version"] for r in res), [1, 2, 3, 4])
        self.assertEqual(self.sql("SELECT string_agg(version::text, ',' ORDER BY version)"
                                  " FROM checklist_templates WHERE kind = 'server'"), "1,2,3,4")
        # a server visit now needs the server checklist
        t, v = self.visit("eng_b", kind="server")
        c = self.ok("GET", "/visits/%d/checklist" % v["id"], token="eng_b")
        self.assertEqual((c["template"]["kind"], c["template"]["version"]), ("server", 4))


# ---------------------------------------------------------------------- runs --
class Runs(Base):
    def test_get_items_in_order(self):
        t, v = self.visit("eng_a")
        c = self.ok("GET", "/visits/%d/checklist" % v["id"], token="eng_a")
        self.assertEqual((c["template"]["kind"], c["template"]["version"]), ("desktop", 1))
        self.assertEqual(c["template"]["title"], "PC 점검표")
        self.assertEqual(c["template"]["title_en"], "PC inspection checklist")
        self.assertEqual(c["visit_id"], v["id"])
        self.assertIs(c["complete"], False)
        self.assertIsNone(c["completed_at"])
        self.assertEqual([(i["key"], i["type"], i["required"]) for i in c["items"]],
                         [(k, ty, req) for k, ty, req in PC_ITEMS])
        items = {i["key"]: i for i in c["items"]}
        self.assertEqual((items["power_boot"]["label"], items["power_boot"]["label_en"]),
                         ("전원 및 부팅 정상", "Powers on and boots normally"))
        self.assertEqual((items["disk_free"]["min"], items["disk_free"]["max"],
                          items["disk_free"]["unit"]), (0, 100, "%"))
        self.assertEqual((items["memory"]["min"], items["memory"]["max"]), (1, 1024))
        self.assertEqual(items["disk_smart"]["options"], ["양호", "주의", "불량"])
        for i in c["items"]:
            self.assertIn("answer", i)
            self.assertIsNone(i["answer"], i)
            self.assertTrue(i["label"] and i["label_en"], i)
            if i["type"] != "choice":
                self.assertNotIn("options", i)
            if i["type"] != "number":
                self.assertFalse({"min", "max", "unit"} & set(i), i)
        # the run exists from the visit's creation, one per visit
        self.assertEqual(self.sql("SELECT count(*) FROM checklist_runs WHERE visit_id = %d"
                                  % v["id"]), "1")
        self.ok("GET", "/visits/%d/checklist" % v["id"])
        self.assertEqual(self.sql("SELECT count(*) FROM checklist_runs WHERE visit_id = %d"
                                  % v["id"]), "1")
        # the printer and network checklists are shorter
        for kind, first, n in (("printer", "power_selftest", 8), ("network", "power_leds", 7)):
            with self.subTest(kind=kind):
                _, pv = self.visit("eng_a", kind=kind)
                pc = self.ok("GET", "/visits/%d/checklist" % pv["id"], token="eng_a")
                self.assertEqual(pc["template"]["kind"], kind)
                self.assertEqual(len(pc["items"]), n)
                self.assertEqual(pc["items"][0]["key"], first)
        self.problem(self.call("GET", "/visits/999999/checklist"), 404)

    def test_partial_saves(self):
        t, v = self.visit("eng_a")
        vid = v["id"]
        j = self.put(vid, [{"key": "power_boot", "value": "pass"},
                           {"key": "disk_free", "value": 55, "note": "C: 55%"},
                           {"key": "disk_smart", "value": "주의"}]).json()
        self.assertIs(j["complete"], False)
        got = {i["key"]: i["answer"] for i in j["items"]}
        self.assertEqual(got["power_boot"]["value"], "pass")
        self.assertEqual((got["disk_free"]["value"], got["disk_free"]["note"]), (55, "C: 55%"))
        self.assertEqual(got["disk_smart"]["value"], "주의")
        self.assertEqual({k for k, a in got.items() if a is not None},
                         {"power_boot", "disk_free", "disk_smart"})
        for k in ("power_boot", "disk_free"):
            self.assertEqual(got[k]["by"], U["eng_a"])
            self.assertTrue(got[k]["at"].endswith("+09:00"), got[k]["at"])
        # GET shows the same, and PostgreSQL holds one row per item
        c = self.ok("GET", "/visits/%d/checklist" % vid, token="eng_a")
        self.assertEqual({i["key"]: i["answer"] for i in c["items"]}, got)
        self.assertEqual(self.answers_sql(vid), {
            "power_boot": ("pass", "", U["eng_a"]), "disk_free": (55, "C: 55%", U["eng_a"]),
            "disk_smart": ("주의", "", U["eng_a"])})
        # a later save adds and overwrites; the lead helps (who is recorded per answer)
        self.put(vid, {"power_boot": "fail", "os_updates": False}, token="lead1")
        self.assertEqual(self.answers_sql(vid), {
            "power_boot": ("fail", "", U["lead1"]), "os_updates": (False, "", U["lead1"]),
            "disk_free": (55, "C: 55%", U["eng_a"]), "disk_smart": ("주의", "", U["eng_a"])})
        # an empty save changes nothing
        snap = self.snapshot(vid)
        self.put(vid, [])
        self.assertEqual(self.snapshot(vid), snap)
        # one bad answer: nothing of the request is saved
        for bad in ({"key": "memory", "value": 0}, {"key": "nope", "value": True},
                    {"key": "memory"}, {"value": 1}, {"key": "memory", "value": 8, "note": 5},
                    {"key": "memory", "value": 8, "note": "x" * 2001}, "memory"):
            with self.subTest(bad=bad):
                r = self.call("PUT", "/visits/%d/checklist" % vid,
                              {"answers": [{"key": "antivirus", "value": "pass"},
                                           {"key": "disk_free", "value": 10}, bad]}, "eng_a")
                self.problem(r, 422, "validation_failed")
                self.assertEqual(self.snapshot(vid), snap)
        j = self.problem(self.put(vid, [{"key": "memory", "value": 8},
                                        {"key": "nope", "value": 1},
                                        {"key": "disk_free", "value": 8, "note": 1}],
                                  expect=None), 422)
        self.assertEqual(self.fields(j), ["answers[1].key", "answers[2].note"])
        for body, field in (({}, "answers"), ({"answers": {"power_boot": "pass"}}, "answers"),
                            ({"answers": [], "complete": "yes"}, "complete")):
            with self.subTest(body=body):
                j = self.problem(self.call("PUT", "/visits/%d/checklist" % vid, body, "eng_a"),
                                 422)
                self.assertIn(field, self.fields(j))
        self.problem(self.call("PUT", "/visits/%d/checklist" % vid, raw_body="{",
                               headers={"Content-Type": "application/json"}, token="eng_a"),
                     400)
        self.assertEqual(self.snapshot(vid), snap)
        # an optional item may be cleared with null
        self.put(vid, {"remarks": "메모"})
        self.put(vid, {"remarks": None})
        c = self.ok("GET", "/visits/%d/checklist" % vid)
        self.assertIsNone({i["key"]: i for i in c["items"]}["remarks"]["answer"]["value"])

    def test_every_type_validated(self):
        t, v = self.visit("eng_a")
        vid = v["id"]
        bad = {
            "os_updates": ["true", 1, 0, "yes", [], {}],                   # check
            "power_boot": ["PASS", "ok", True, 1, "", ["pass"]],           # pass_fail
            "disk_free": [-0.5, 100.01, "50", True, [50], {"v": 50}],      # number 0..100
            "memory": [0, 0.99, 1025, "16"],                                # number 1..1024
            "av_definitions": [5, True, ["x"], "x" * 2001],                 # text
            "disk_smart": ["good", "양호 ", 0, True, ["양호"]],               # choice
        }
        for key, values in bad.items():
            for value in values:
                with self.subTest(key=key, value=value):
                    j = self.problem(self.put(vid, {key: value}, expect=None), 422,
                                     "validation_failed")
                    self.assertEqual(self.fields(j), ["answers." + key], j)
        self.assertEqual(self.answers_sql(vid), {})
        # all of them at once: one error each
        j = self.problem(self.put(vid, {k: vs[0] for k, vs in bad.items()}, expect=None), 422)
        self.assertEqual(self.fields(j), sorted("answers." + k for k in bad))
        good = {
            "os_updates": [True, False], "power_boot": ["pass", "fail"],
            "disk_free": [0, 100, 0.5, 99.99], "memory": [1, 1024, 16],
            "av_definitions": ["2026-11-01", "엔진 2026.11.01", "x" * 2000],
            "disk_smart": ["양호", "주의", "불량"],
        }
        for key, values in good.items():
            for value in values:
                with self.subTest(key=key, value=value):
                    self.put(vid, {key: value})
                    self.assertEqual(self.answers_sql(vid)[key][0], value)
        # NaN and Infinity are not JSON
        for raw in ('{"answers": [{"key": "disk_free", "value": NaN}]}',
                    '{"answers": [{"key": "disk_free", "value": Infinity}]}',
                    '{"answers": [{"key": "disk_free", "value": 1e999}]}'):
            with self.subTest(raw=raw):
                r = self.call("PUT", "/visits/%d/checklist" % vid, raw_body=raw,
                              headers={"Content-Type": "application/json"}, token="eng_a")
                self.assertIn(r.status, (400, 422), r.text)
        self.assertEqual(self.answers_sql(vid)["disk_free"][0], 99.99)


# ------------------------------------------------------------ the gates --
class Completion(Base):
    def test_complete_refused_until_every_required_item(self):
        t, v = self.visit("eng_a")
        vid = v["id"]
        self.on_site(vid, "eng_a")
        done = {"resolved": True, "resolution": "디스크 정리"}
        # the visit cannot be completed while its checklist is open
        j = self.problem(self.call("POST", "/visits/%d/complete" % vid, done, "eng_a"), 422,
                         "checklist_incomplete")
        self.assertEqual(self.sql("SELECT status FROM visits WHERE id = %d" % vid), "on_site")
        # complete: true with some answers: refused, one error per missing required item,
        # the valid answers of that same request are kept
        first = ["power_boot", "os_updates", "antivirus", "peripherals"]
        j = self.problem(self.put(vid, {k: PC_VALID[k] for k in first}, complete=True,
                                  expect=None), 422, "checklist_incomplete")
        missing = [k for k in PC_REQUIRED if k not in first]
        self.assertEqual(self.fields(j), sorted("answers." + k for k in missing))
        self.assertTrue(all(e["message"] == "is required" for e in j["errors"]), j)
        self.assertEqual(set(self.answers_sql(vid)), set(first))
        self.assertEqual(self.sql("SELECT completed_at IS NULL FROM checklist_runs"
                                  " WHERE visit_id = %d" % vid), "t")
        # a blank required text saves, but does not complete
        rest = {k: PC_VALID[k] for k in PC_REQUIRED if k not in first}
        rest["av_definitions"] = "   "
        j = self.problem(self.put(vid, rest, complete=True, expect=None), 422,
                         "checklist_incomplete")
        self.assertEqual(self.fields(j), ["answers.av_definitions"])
        self.assertEqual(j["errors"][0]["message"], "must not be empty")
        self.assertEqual(self.answers_sql(vid)["av_definitions"][0], "   ")
        # a required item cleared with null is missing again
        j = self.problem(self.put(vid, {"memory": None, "av_definitions": "2026-11-01"},
                                  complete=True, expect=None), 422, "checklist_incomplete")
        self.assertEqual(self.fields(j), ["answers.memory"])
        # a bad answer in a completing request: validation first, nothing saved
        snap = self.snapshot(vid)
        j = self.problem(self.put(vid, {"memory": 0}, complete=True, expect=None), 422,
                         "validation_failed")
        self.assertEqual(self.snapshot(vid), snap)
        self.problem(self.call("POST", "/visits/%d/complete" % vid, done, "eng_a"), 422,
                     "checklist_incomplete")
        # optional items may stay empty: the last required answer completes it
        j = self.put(vid, {"memory": 16}, complete=True).json()
        self.assertIs(j["complete"], True)
        self.assertTrue(j["completed_at"].endswith("+09:00"))
        self.assertEqual(j["completed_by"], U["eng_a"])
        self.assertEqual(self.sql("SELECT completed_at IS NOT NULL, completed_by FROM"
                                  " checklist_runs WHERE visit_id = %d" % vid),
                         "t|%d" % U["eng_a"])
        self.assertNotIn("remarks", self.answers_sql(vid))
        # and now the visit completes
        j = self.ok("POST", "/visits/%d/complete" % vid, done, "eng_a")
        self.assertEqual(j["status"], "completed")
        tl = [e["action"] for e in self.ok("GET", "/tickets/%d" % t["id"])["timeline"]]
        self.assertEqual(tl.count("checklist.completed"), 1)
        self.assertLess(tl.index("checklist.completed"), tl.index("visit.complete"))

    def test_complete_with_everything_in_one_request(self):
        t, v = self.visit("eng_b", kind="printer")
        vid = v["id"]
        j = self.put(vid, {"power_selftest": "pass", "paper_path": "fail", "toner_level": 5,
                           "print_quality": "줄무늬", "network_queue": "pass",
                           "user_confirms": True}, token="eng_b", complete=True).json()
        self.assertIs(j["complete"], True)
        # the run is locked now, even against a repeated complete: true
        self.problem(self.put(vid, [], token="eng_b", complete=True, expect=None), 409,
                     "checklist_locked")
        self.assertEqual(self.sql("SELECT count(*) FROM audit_events WHERE visit_id = %d AND"
                                  " action = 'checklist.completed'" % vid), "1")

    def test_device_without_template_needs_no_checklist(self):
        t, v = self.visit("eng_c", kind="monitor")
        vid = v["id"]
        self.problem(self.call("GET", "/visits/%d/checklist" % vid, token="eng_c"), 404)
        self.problem(self.put(vid, {"x": True}, token="eng_c", expect=None), 404)
        self.assertEqual(self.sql("SELECT count(*) FROM checklist_runs WHERE visit_id = %d"
                                  % vid), "0")
        self.on_site(vid, "eng_c")
        j = self.ok("POST", "/visits/%d/complete" % vid,
                    {"resolved": True, "resolution": "케이블 교체"}, "eng_c")
        self.assertEqual(j["status"], "completed")

    def test_rules_before_the_checklist(self):
        # the other completion rules are reported first
        t, v = self.visit("eng_c")
        vid = v["id"]
        self.ok("POST", "/visits/%d/precall" % vid, {"outcome": "reached"}, "eng_c")
        self.ok("POST", "/visits/%d/arrive" % vid, None, "eng_c")
        self.problem(self.call("POST", "/visits/%d/complete" % vid,
                               {"resolved": True, "resolution": "x"}, "eng_c"), 422,
                     "consent_required")
        self.problem(self.call("POST", "/visits/%d/complete" % vid,
                               {"resolved": False, "resolution": "x", "work_done": False},
                               "eng_c"), 422, "follow_up_reason_required")
        self.problem(self.call("POST", "/visits/%d/complete" % vid,
                               {"resolved": False, "resolution": "x", "work_done": False,
                                "follow_up_reason": "부품 주문"}, "eng_c"), 422,
                     "checklist_incomplete")

    def test_absent_or_cancelled_visit_takes_no_answers(self):
        t, v = self.visit("eng_c")
        vid = v["id"]
        self.ok("POST", "/visits/%d/precall" % vid, {"outcome": "reached"}, "eng_c")
        self.put(vid, {"power_boot": "pass"}, token="eng_c")
        self.ok("POST", "/visits/%d/absent" % vid, {"memo_left": True}, "eng_c")
        self.problem(self.put(vid, {"os_updates": True}, token="eng_c", expect=None), 409)
        self.assertEqual(set(self.answers_sql(vid)), {"power_boot"})
        c = self.ok("GET", "/visits/%d/checklist" % vid, token="eng_c")
        self.assertIs(c["complete"], False)
        t2, v2 = self.visit("eng_c")
        self.ok("POST", "/visits/%d/cancel" % v2["id"], {"reason": "고객 요청"}, "eng_c")
        self.problem(self.put(v2["id"], {"os_updates": True}, token="eng_c", expect=None), 409)


class Lock(Base):
    def test_locked_after_completion(self):
        t, v = self.visit("eng_a")
        vid = v["id"]
        self.put(vid, PC_VALID, complete=True)
        snap = self.snapshot(vid)
        # the engineer (and the desk) can no longer change it
        for who, body in (("eng_a", {"power_boot": "fail"}), ("eng_a", {}),
                          ("dispatcher", {"power_boot": "fail"}),
                          ("eng_a", {"memory": "bad"})):
            with self.subTest(who=who, body=body):
                self.problem(self.put(vid, body, token=who, expect=None), 409,
                             "checklist_locked")
                self.assertEqual(self.snapshot(vid), snap)
        self.problem(self.put(vid, {"power_boot": "fail"}, complete=True, expect=None), 409,
                     "checklist_locked")
        self.assertEqual(self.snapshot(vid), snap)
        # the team lead can, and it is audited with before and after
        j = self.put(vid, [{"key": "power_boot", "value": "fail", "note": "재부팅 반복"}],
                     token="lead1").json()
        self.assertIs(j["complete"], True)
        self.assertEqual(self.answers_sql(vid)["power_boot"], ("fail", "재부팅 반복", U["lead1"]))
        tl = self.ok("GET", "/tickets/%d" % t["id"])["timeline"]
        changed = [e for e in tl if e["action"] == "checklist.changed"]
        self.assertEqual(len(changed), 1)
        e = changed[0]
        self.assertEqual((e["actor"]["id"], e["visit_id"]), (U["lead1"], vid))

        def answer(doc, key):
            return {i["key"]: i["answer"] for i in doc["items"]}[key]

        self.assertEqual(answer(e["before"], "power_boot")["value"], "pass")
        self.assertEqual(answer(e["after"], "power_boot")["value"], "fail")
        self.assertEqual(answer(e["after"], "power_boot")["note"], "재부팅 반복")
        self.assertIs(e["before"]["complete"], True)
        # the admin too; still validated, and a completed run stays complete
        self.problem(self.put(vid, {"disk_free": 101}, token="admin", expect=None), 422)
        self.problem(self.put(vid, {"memory": None}, token="admin", expect=None), 422)
        self.assertEqual(self.answers_sql(vid)["memory"][0], 16)
        self.put(vid, {"disk_free": 12}, token="admin")
        self.assertEqual(self.answers_sql(vid)["disk_free"], (12, "", U["admin"]))
        self.assertEqual(self.sql("SELECT count(*) FROM audit_events WHERE visit_id = %d"
                                  " AND action = 'checklist.changed'" % vid), "2")
        self.assertEqual(self.sql("SELECT actor_id FROM audit_events WHERE visit_id = %d"
                                  " AND action = 'checklist.changed' ORDER BY id DESC LIMIT 1"
                                  % vid), str(U["admin"]))
        # completion is not moved by later changes
        self.assertEqual(self.sql("SELECT completed_by FROM checklist_runs WHERE visit_id = %d"
                                  % vid), str(U["eng_a"]))
        # a lead of another team cannot see it at all
        self.problem(self.put(vid, {"power_boot": "pass"}, token="lead2", expect=None), 404)
        self.assertEqual(self.answers_sql(vid)["power_boot"][0], "fail")


class Access(Base):
    def test_other_engineers_get_404(self):
        t, v = self.visit("eng_a")
        vid = v["id"]
        self.put(vid, {"power_boot": "pass"})
        snap = self.snapshot(vid)
        for who in ("eng_b", "eng_c", "lead2"):
            with self.subTest(who=who):
                self.problem(self.call("GET", "/visits/%d/checklist" % vid, token=who), 404)
                self.problem(self.put(vid, {"power_boot": "fail"}, token=who, expect=None),
                             404)
        self.assertEqual(self.snapshot(vid), snap)
        for who in ("eng_a", "lead1", "dispatcher", "admin"):
            with self.subTest(who=who):
                self.ok("GET", "/visits/%d/checklist" % vid, token=who)
        r = SRV.request("GET", API + "/visits/%d/checklist" % vid)
        self.assertEqual(r.status, 401)

# ------------------------------------------------------------- pressed time --
def secs(stamp):
    return int(dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp())


class PressedTime(Base):
    """A save made offline and sent later carries "at", the moment it was pressed (issue 11):
    the answers, the completion and the timeline keep it, the receipt time sits beside it,
    and an "at" outside the bounds is refused naming it with nothing written."""

    def booked_hours_ago(self, hours=3):
        """A visit booked `hours` ago (as if made earlier in the day), pre-called and
        arrived an hour before now, both with their own "at"; returns (visit, arrival)."""
        _, v = self.visit("eng_a")
        vid = v["id"]
        self.sql("UPDATE visits SET created_at = now() - interval '%d hours' WHERE id = %d"
                 % (hours, vid))
        now = int(dt.datetime.now(SEOUL).timestamp())
        self.ok("POST", "/visits/%d/precall" % vid, {"outcome": "reached",
                                                     "at": iso(now - 2 * HOUR)}, "eng_a")
        arrived = now - HOUR
        self.ok("POST", "/visits/%d/arrive" % vid, {"at": iso(arrived)}, "eng_a")
        return vid, arrived

    def test_answers_and_completion_keep_the_pressed_time(self):
        vid, arrived = self.booked_hours_ago()
        # answers pressed 10 minutes after arriving, sent now
        t_half = arrived + 600
        keys = PC_REQUIRED[:3]
        r = self.call("PUT", "/visits/%d/checklist" % vid,
                      {"answers": [{"key": k, "value": PC_VALID[k]} for k in keys],
                       "at": iso(t_half)}, "eng_a", 200)
        sent = int(dt.datetime.now(SEOUL).timestamp())
        doc = r.json()
        got = {i["key"]: i["answer"] for i in doc["items"] if i["answer"]}
        self.assertEqual(sorted(got), sorted(keys))
        for k in keys:
            self.assertEqual(secs(got[k]["at"]), t_half, k)
            self.assertGreaterEqual(secs(got[k]["received_at"]), sent - 60, k)
        self.assertFalse(doc["complete"])
        self.assertIsNone(doc["completed_received_at"])
        # the rest and 점검 마침, pressed 20 minutes after arriving
        t_done = arrived + 1200
        rest = [{"key": k, "value": PC_VALID[k]} for k in PC_REQUIRED[3:]]
        doc = self.ok("PUT", "/visits/%d/checklist" % vid,
                      {"answers": rest, "complete": True, "at": iso(t_done)}, "eng_a")
        self.assertTrue(doc["complete"])
        self.assertEqual(secs(doc["completed_at"]), t_done)
        self.assertGreaterEqual(secs(doc["completed_received_at"]), sent - 60)
        times = {i["key"]: secs(i["answer"]["at"]) for i in doc["items"] if i["answer"]}
        self.assertEqual({k: times[k] for k in keys}, {k: t_half for k in keys})
        self.assertEqual({k: times[k] for k in PC_REQUIRED[3:]},
                         {k: t_done for k in PC_REQUIRED[3:]})
        # the stored rows and the timeline: pressed time, receipt time beside it
        self.assertEqual(self.sql(
            "SELECT extract(epoch FROM completed_at)::bigint,"
            " completed_received_at > completed_at + interval '30 minutes'"
            " FROM checklist_runs WHERE visit_id = %d" % vid), "%d|t" % t_done)
        self.assertEqual(self.sql(
            "SELECT extract(epoch FROM at)::bigint, received_at > at + interval '30 minutes'"
            " FROM audit_events WHERE visit_id = %d AND action = 'checklist.completed'" % vid),
            "%d|t" % t_done)
        tl = self.ok("GET", "/tickets/%d" % self.ticket_of(vid))["timeline"]
        done = [e for e in tl if e["action"] == "checklist.completed"]
        self.assertEqual(len(done), 1, tl)
        self.assertEqual(secs(done[0]["at"]), t_done)
        self.assertGreater(secs(done[0]["received_at"]), t_done + 1800)
        # the report's checklist figures count the answer at its pressed time
        self.assertEqual(self.sql(
            "SELECT DISTINCT extract(epoch FROM f.answered_at)::bigint"
            " FROM report_checklist_answers f JOIN checklist_runs r ON r.id = f.run_id"
            " WHERE r.visit_id = %d AND f.key = '%s'" % (vid, keys[0])), str(t_half))

    def ticket_of(self, vid):
        return int(self.sql("SELECT ticket_id FROM visits WHERE id = %d" % vid))

    def test_without_at_the_receipt_time(self):
        _, v = self.visit("eng_a")
        before = int(dt.datetime.now(SEOUL).timestamp())
        doc = self.put(v["id"], {"power_boot": "pass"}).json()
        a = [i["answer"] for i in doc["items"] if i["answer"]][0]
        self.assertEqual(a["at"], a["received_at"])
        self.assertGreaterEqual(secs(a["at"]), before - 5)

    def test_clock_a_little_behind_is_recorded_as_the_arrival(self):
        vid, arrived = self.booked_hours_ago()
        doc = self.ok("PUT", "/visits/%d/checklist" % vid,
                      {"answers": [{"key": "power_boot", "value": "pass"}],
                       "at": iso(arrived - 60)}, "eng_a")
        a = [i["answer"] for i in doc["items"] if i["key"] == "power_boot"][0]
        self.assertEqual(secs(a["at"]), arrived)

    def test_refused_at_names_it_and_writes_nothing(self):
        vid, arrived = self.booked_hours_ago()
        self.put(vid, {"power_boot": "pass"})  # the run exists, with one answer
        snap = self.snapshot(vid)
        now = int(dt.datetime.now(SEOUL).timestamp())
        everything = [{"key": k, "value": v} for k, v in PC_VALID.items()]
        cases = {
            "future": (iso(now + 600), "future"),
            "before arrival": (iso(arrived - 600), "arrival"),
            "older than the key window": (iso(now - 15 * 24 * HOUR), "14 days"),
            "not a time": ("yesterday", None),
            "no offset": ("2026-11-23T10:05:00", None),
        }
        for what, (at, words) in cases.items():
            with self.subTest(what=what):
                j = self.problem(self.call("PUT", "/visits/%d/checklist" % vid,
                                           {"answers": everything, "complete": True,
                                            "at": at}, "eng_a"), 422, "validation_failed")
                self.assertEqual(self.fields(j), ["at"], j)
                if words:
                    self.assertIn(words, json.dumps(j, ensure_ascii=False))
                self.assertEqual(self.snapshot(vid), snap)
        # before anyone arrived the bound is the booking
        _, v2 = self.visit("eng_a")
        j = self.problem(self.call("PUT", "/visits/%d/checklist" % v2["id"],
                                   {"answers": [{"key": "power_boot", "value": "pass"}],
                                    "at": iso(now - HOUR)}, "eng_a"), 422, "validation_failed")
        self.assertEqual(self.fields(j), ["at"], j)
        self.assertEqual(self.sql(
            "SELECT count(*) FROM checklist_answers a JOIN checklist_runs r ON r.id = a.run_id"
            " WHERE r.visit_id = %d" % v2["id"]), "0")


if __name__ == "__main__":
    harness.main()
