"""Work plans for large jobs (R12) over HTTP against a real database: draft ->
submitted -> approved/rejected -> in progress -> completed with a report; starting an
unapproved plan is 409 plan_not_approved, other steps out of order 409
step_out_of_order, with nothing written; who may write, decide and see a plan (desk,
the team's lead, the engineers whose visits belong to it); tickets and their visits
linked to the plan; every step audited.

Run: FIELDD_BIN=build/fieldd python3 tests/integration/test_work_plans.py
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import cases_common  # noqa: E402

W = None


def setUpModule():
    global W
    W = cases_common.World("work_plans")


def tearDownModule():
    W.close()


class Base(cases_common.CaseTest):
    def world(self):
        return W

    def plan(self, token="dispatcher", team=1, **extra):
        body = {"title": "경영지원본부 PC 이전", "description": "3층에서 5층으로 PC 40대 이전",
                "team_id": W.TEAM[team]}
        body.update(extra)
        return self.ok("POST", "/work-plans", body, token, 201)

    def state(self, pid):
        return W.sql("SELECT status || '|' || (SELECT count(*) FROM audit_events"
                     " WHERE work_plan_id = %d) FROM work_plans WHERE id = %d" % (pid, pid))

    def refused(self, pid, step, body, status, code, token="dispatcher", field=None):
        before = self.state(pid)
        self.problem(W.call("POST", "/work-plans/%d/%s" % (pid, step), body, token),
                     status, code, field)
        self.assertEqual(self.state(pid), before, "%s changed something" % step)

    def step(self, pid, step, body=None, token="dispatcher"):
        return self.ok("POST", "/work-plans/%d/%s" % (pid, step), body, token)


class Lifecycle(Base):
    def test_whole_plan(self):
        t1 = W.ticket_with_visit("eng_a")
        t2 = W.ticket_with_visit("eng_b")
        p = self.plan(ticket_ids=[t1["id"], t2["id"]], division="경영지원본부",
                      planned_start="2026-12-20T09:00:00+09:00",
                      planned_end="2026-12-21T18:00:00+09:00")
        pid = p["id"]
        self.assertEqual(p["status"], "draft")
        self.assertEqual(p["team"]["id"], W.TEAM[1])
        self.assertEqual(p["created_by"]["id"], W.U["dispatcher"])
        self.assertEqual([t["id"] for t in p["tickets"]], [t1["id"], t2["id"]])
        self.assertEqual(sorted(v["engineer_id"] for v in p["visits"]),
                         sorted([W.U["eng_a"], W.U["eng_b"]]))
        self.assertEqual(W.sql("SELECT count(*) FROM tickets WHERE work_plan_id = %d" % pid),
                         "2")
        # R12: no work before approval
        self.refused(pid, "start", None, 409, "plan_not_approved")
        for s, body in (("approve", None), ("reject", {"reason": "x"}),
                        ("complete", {"report": "x"})):
            with self.subTest(step=s):
                self.refused(pid, s, body, 409, "step_out_of_order", token="lead1"
                             if s in ("approve", "reject") else "dispatcher")
        j = self.step(pid, "submit")
        self.assertEqual((j["status"], j["submitted_by"]["id"]), ("submitted", W.U["dispatcher"]))
        self.refused(pid, "submit", None, 409, "step_out_of_order")
        self.refused(pid, "start", None, 409, "plan_not_approved")
        # a rejection needs its reason
        self.refused(pid, "reject", {}, 422, "validation_failed", token="lead1", field="reason")
        j = self.step(pid, "reject", {"reason": "고객 일정과 겹칩니다"}, "lead1")
        self.assertEqual((j["status"], j["reject_reason"], j["decided_by"]["id"]),
                         ("rejected", "고객 일정과 겹칩니다", W.U["lead1"]))
        self.refused(pid, "start", None, 409, "plan_not_approved")
        self.refused(pid, "approve", None, 409, "step_out_of_order", token="lead1")
        # revised and submitted again: the old decision is cleared
        j = self.step(pid, "submit", None, "lead1")
        self.assertEqual((j["status"], j["reject_reason"], j["decided_by"]),
                         ("submitted", None, None))
        j = self.step(pid, "approve", None, "lead1")
        self.assertEqual((j["status"], j["decided_by"]["id"]), ("approved", W.U["lead1"]))
        self.refused(pid, "approve", None, 409, "step_out_of_order", token="lead1")
        self.refused(pid, "complete", {"report": "x"}, 409, "step_out_of_order")
        j = self.step(pid, "start", None, "lead1")
        self.assertEqual((j["status"], j["started_by"]["id"]), ("in_progress", W.U["lead1"]))
        self.refused(pid, "start", None, 409, "step_out_of_order")
        # completion needs the written report
        self.refused(pid, "complete", {}, 422, "validation_failed", field="report")
        self.refused(pid, "complete", {"report": ""}, 422, "validation_failed", field="report")
        j = self.step(pid, "complete", {"report": "40대 이전 완료, 2대 전원부 교체"})
        self.assertEqual((j["status"], j["report"], j["completed_by"]["id"]),
                         ("completed", "40대 이전 완료, 2대 전원부 교체", W.U["dispatcher"]))
        self.assertIsNotNone(j["completed_at"])
        for s, body in (("submit", None), ("start", None), ("complete", {"report": "x"})):
            with self.subTest(step=s):
                self.refused(pid, s, body, 409, "step_out_of_order")
        # a completed plan takes no more tickets
        t3 = W.ticket()
        self.problem(W.call("POST", "/work-plans/%d/tickets" % pid, {"ticket_ids": [t3["id"]]}),
                     409, "step_out_of_order")
        self.assertEqual(W.sql("SELECT work_plan_id IS NULL FROM tickets WHERE id = %d"
                               % t3["id"]), "t")
        # every step audited with who; the same history on the plan
        rows = W.sql("SELECT action || '|' || actor_id || '|' || coalesce(before->>'status', '-')"
                     " || '>' || (after->>'status') FROM audit_events WHERE work_plan_id = %d"
                     " ORDER BY id" % pid).splitlines()
        d, l1 = W.U["dispatcher"], W.U["lead1"]
        self.assertEqual(rows, [
            "work_plan.created|%d|->draft" % d,
            "work_plan.submit|%d|draft>submitted" % d,
            "work_plan.reject|%d|submitted>rejected" % l1,
            "work_plan.submit|%d|rejected>submitted" % l1,
            "work_plan.approve|%d|submitted>approved" % l1,
            "work_plan.start|%d|approved>in_progress" % l1,
            "work_plan.complete|%d|in_progress>completed" % d])
        h = self.ok("GET", "/work-plans/%d" % pid)["history"]
        self.assertEqual([(e["action"], e["actor"]["id"]) for e in h][2],
                         ("work_plan.reject", l1))
        self.assertEqual(h[2]["after"]["reason"], "고객 일정과 겹칩니다")

    def test_validation_and_linking(self):
        n = int(W.sql("SELECT count(*) FROM work_plans"))
        t = W.ticket()
        other = self.plan(ticket_ids=[t["id"]])["id"]
        n += 1
        for body, field in [({"description": "d", "team_id": W.TEAM[1]}, "title"),
                            ({"title": "t", "team_id": W.TEAM[1]}, "description"),
                            ({"title": "t", "description": "d"}, "team_id"),
                            ({"title": "t", "description": "d", "team_id": 99999}, "team_id"),
                            ({"title": "t", "description": "d", "team_id": W.TEAM[1],
                              "planned_start": "2026-12-20T09:00:00+09:00",
                              "planned_end": "2026-12-20T08:00:00+09:00"}, "planned_end"),
                            ({"title": "t", "description": "d", "team_id": W.TEAM[1],
                              "ticket_ids": [999999]}, "ticket_ids"),
                            ({"title": "t", "description": "d", "team_id": W.TEAM[1],
                              "ticket_ids": [t["id"]]}, "ticket_ids"),
                            ({"title": "t", "description": "d", "team_id": W.TEAM[1],
                              "ticket_ids": ["x"]}, "ticket_ids[0]"),
                            ({"title": "t", "description": "d", "team_id": W.TEAM[1],
                              "status": "approved"}, "status")]:
            with self.subTest(body=body):
                self.problem(W.call("POST", "/work-plans", body), 422, "validation_failed",
                             field)
        # nothing half-written: no plan, the ticket still in its first plan
        self.assertEqual(int(W.sql("SELECT count(*) FROM work_plans")), n)
        self.assertEqual(W.sql("SELECT work_plan_id FROM tickets WHERE id = %d" % t["id"]),
                         str(other))
        # tickets joined later; the same ticket twice is fine, another plan's is not
        p = self.plan()["id"]
        t2 = W.ticket_with_visit("eng_a")
        j = self.ok("POST", "/work-plans/%d/tickets" % p, {"ticket_ids": [t2["id"], t2["id"]]})
        self.assertEqual([x["id"] for x in j["tickets"]], [t2["id"]])
        self.assertEqual(len(j["visits"]), 1)
        self.ok("POST", "/work-plans/%d/tickets" % p, {"ticket_ids": [t2["id"]]})
        self.problem(W.call("POST", "/work-plans/%d/tickets" % p, {"ticket_ids": [t["id"]]}),
                     422, "validation_failed", "ticket_ids")
        self.problem(W.call("POST", "/work-plans/%d/tickets" % p, {"ticket_ids": []}),
                     422, "validation_failed", "ticket_ids")
        self.assertEqual(W.sql("SELECT work_plan_id FROM tickets WHERE id = %d" % t["id"]),
                         str(other))
        self.assertEqual(W.sql("SELECT string_agg(action, ',' ORDER BY id) FROM audit_events"
                               " WHERE work_plan_id = %d" % p),
                         "work_plan.created,work_plan.tickets,work_plan.tickets")
        # lists: newest first, filters, cursor
        j = self.ok("GET", "/work-plans?limit=1")
        self.assertEqual(j["items"][0]["id"], p)
        j2 = self.ok("GET", "/work-plans?limit=1&cursor=%s" % j["next_cursor"])
        self.assertLess(j2["items"][0]["id"], p)
        ids = [x["id"] for x in self.ok("GET", "/work-plans?status=draft&team_id=%d&limit=500"
                                        % W.TEAM[1])["items"]]
        self.assertIn(p, ids)
        self.assertNotIn(p, [x["id"] for x in self.ok(
            "GET", "/work-plans?team_id=%d&limit=500" % W.TEAM[2])["items"]])
        self.assertEqual(self.ok("GET", "/work-plans?status=completed&team_id=%d"
                                 % W.TEAM[2])["items"], [])
        for q in ("status=done", "team_id=x", "limit=0"):
            with self.subTest(q=q):
                self.problem(W.call("GET", "/work-plans?" + q), 400, "bad_query")
        self.problem(W.call("GET", "/work-plans/999999"), 404, "not_found")


class Access(Base):
    def test_who_may_do_what(self):
        t = W.ticket_with_visit("eng_a")
        pid = self.plan(ticket_ids=[t["id"]])["id"]
        # the engineer whose visit belongs to the plan sees it; another does not
        self.ok("GET", "/work-plans/%d" % pid, token="eng_a")
        self.assertIn(pid, [x["id"] for x in self.ok("GET", "/work-plans?limit=500",
                                                        token="eng_a")["items"]])
        self.problem(W.call("GET", "/work-plans/%d" % pid, token="eng_c"), 404, "not_found")
        self.assertNotIn(pid, [x["id"] for x in self.ok("GET", "/work-plans?limit=500",
                                                           token="eng_c")["items"]])
        # engineers read but do not write
        for s, body in (("submit", None), ("approve", None), ("start", None),
                        ("reject", {"reason": "x"}), ("complete", {"report": "x"}),
                        ("tickets", {"ticket_ids": [t["id"]]})):
            with self.subTest(step=s):
                self.refused(pid, s, body, 403, "forbidden", token="eng_a")
        self.problem(W.call("POST", "/work-plans", {"title": "t", "description": "d",
                                                    "team_id": W.TEAM[1]}, "eng_a"),
                     403, "forbidden")
        # the other team's lead neither sees nor decides
        self.problem(W.call("GET", "/work-plans/%d" % pid, token="lead2"), 404, "not_found")
        self.step(pid, "submit")
        self.refused(pid, "approve", None, 404, "not_found", token="lead2")
        # a dispatcher writes and starts plans but does not decide on them
        self.refused(pid, "approve", None, 403, "forbidden")
        self.refused(pid, "reject", {"reason": "x"}, 403, "forbidden")
        # an admin decides on any team's plan
        self.assertEqual(self.step(pid, "approve", None, "admin")["status"], "approved")
        # leads write plans for their own team only
        self.problem(W.call("POST", "/work-plans", {"title": "t", "description": "d",
                                                    "team_id": W.TEAM[1]}, "lead2"),
                     403, "forbidden")
        mine = self.plan(token="lead2", team=2)["id"]
        self.ok("GET", "/work-plans/%d" % mine, token="lead2")
        self.problem(W.call("GET", "/work-plans/%d" % mine, token="lead1"), 404, "not_found")
        self.step(mine, "submit", None, "lead2")
        self.assertEqual(self.step(mine, "approve", None, "lead2")["status"], "approved")
        # a lead of the team sees it even without visits on it
        self.ok("GET", "/work-plans/%d" % pid, token="lead1")


if __name__ == "__main__":
    harness.main()
