"""A real calendar client on fieldd's feeds: vdirsyncer's `http` storage pulls the engineer's
and the lead's feeds from the running server into folders, and khal lists them. khal exits 0
even when it drops an event it cannot read, so the test compares khal's listing text with
the visits the API reports: the right visits, at the right Seoul times, in both calendars
for a joint visit; after a reschedule the next sync shows the new time only; after a
cancellation the next sync shows the visit nowhere.

(vdirsyncer's http storage replaces every UID with a hash of the item, so UIDs and
SEQUENCE are checked on the feed itself, here with python3-icalendar, and in test_feeds.)

Run: FIELDD_BIN=build/dev/fieldd ICAL_CHECK=build/dev/tests/ical_check \
     /usr/bin/python3 tests/ical/test_clients.py
"""

import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import icaltest  # noqa: E402
from icaltest import SEOUL, by_uid, pyical  # noqa: E402

ORG = None


def setUpModule():
    global ORG
    for tool in ("vdirsyncer", "khal"):
        if not shutil.which(tool):
            raise AssertionError("%s is not installed (scripts/deps.sh installs it)" % tool)
    ORG = icaltest.Org()


def tearDownModule():
    if ORG:
        ORG.close()


class Client:
    """vdirsyncer + khal in a private directory, one calendar per feed."""

    def __init__(self, feeds):
        self.dir = tempfile.mkdtemp(prefix="fieldd-khal-")
        self.env = dict(os.environ, HOME=self.dir, XDG_CONFIG_HOME=self.dir,
                        XDG_DATA_HOME=self.dir, LC_ALL="C.UTF-8", TZ="Asia/Seoul")
        vd = ['[general]\nstatus_path = "%s/status/"\n' % self.dir]
        kh = ["[calendars]\n"]
        for name, url in feeds.items():
            os.makedirs(os.path.join(self.dir, name))
            vd.append('[pair %s]\na = "%s_remote"\nb = "%s_local"\ncollections = null\n'
                      'conflict_resolution = "a wins"\n' % (name, name, name))
            vd.append('[storage %s_remote]\ntype = "http"\nurl = "%s"\n' % (name, url))
            vd.append('[storage %s_local]\ntype = "filesystem"\npath = "%s/%s/"\n'
                      'fileext = ".ics"\n' % (name, self.dir, name))
            kh.append("[[%s]]\npath = %s/%s/\ntype = calendar\n" % (name, self.dir, name))
        kh.append("[sqlite]\npath = %s/khal.db\n" % self.dir)
        kh.append("[locale]\ntimeformat = %H:%M\ndateformat = %Y-%m-%d\n"
                  "longdateformat = %Y-%m-%d\ndatetimeformat = %Y-%m-%d %H:%M\n"
                  "longdatetimeformat = %Y-%m-%d %H:%M\nlocal_timezone = Asia/Seoul\n"
                  "default_timezone = Asia/Seoul\n")
        kh.append("[default]\ndefault_calendar = %s\n" % next(iter(feeds)))
        self.vconf = os.path.join(self.dir, "vdirsyncer.conf")
        self.kconf = os.path.join(self.dir, "khal.conf")
        with open(self.vconf, "w") as f:
            f.write("\n".join(vd))
        with open(self.kconf, "w") as f:
            f.write("\n".join(kh))
        self.run(["vdirsyncer", "-c", self.vconf, "discover"])

    def run(self, argv):
        p = subprocess.run(argv, capture_output=True, text=True, env=self.env, timeout=120,
                           stdin=subprocess.DEVNULL)
        if p.returncode != 0:
            raise AssertionError("%s failed (%d):\n%s%s" % (" ".join(argv), p.returncode,
                                                           p.stdout, p.stderr))
        return p.stdout

    def sync(self):
        # --force-delete: a lead whose only visit was cancelled has an empty feed, and
        # vdirsyncer refuses to empty a calendar without being told that this is fine
        self.run(["vdirsyncer", "-c", self.vconf, "sync", "--force-delete"])

    def items(self, name):
        return sorted(os.listdir(os.path.join(self.dir, name)))

    def listing(self, first, last):
        """khal's listing, one 'calendar | start | end | title' line per event."""
        out = self.run(["khal", "-c", self.kconf, "list", "--once", "--day-format", "",
                        "--format", "{calendar} | {start} | {end} | {title}",
                        first.isoformat(), last.isoformat()])
        return sorted(l for l in out.splitlines() if l.strip())

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def row(calendar, visit, ticket, customer):
    s = dt.datetime.fromisoformat(visit["start"]).astimezone(SEOUL)
    e = dt.datetime.fromisoformat(visit["end"]).astimezone(SEOUL)
    return "%s | %s | %s | %s %s · 부팅 불가" % (calendar, s.strftime("%Y-%m-%d %H:%M"),
                                             e.strftime("%Y-%m-%d %H:%M"), ticket["number"],
                                             customer)


class Khal(unittest.TestCase):
    maxDiff = None

    def test_client_shows_visits_and_follows_reschedule_and_cancel(self):
        ta = ORG.ticket("staff")
        a = ORG.visit(ta, "eng_a")
        tb = ORG.ticket("vip")  # a VIP ticket: the lead goes too
        b = ORG.visit(tb, "eng_a", "lead1")
        base = ORG.server.base_url
        client = Client({"engineer": base + ORG.feed_path("eng_a"),
                         "lead": base + ORG.feed_path("lead1")})
        try:
            first = dt.date.today()
            last = first + dt.timedelta(days=60)
            client.sync()
            self.assertEqual(client.listing(first, last), sorted([
                row("engineer", a, ta, "박사원"), row("engineer", b, tb, "한상무"),
                row("lead", b, tb, "한상무")]))

            # reschedule A: the next sync shows the new time, and only that
            start, end = ORG.slot()
            moved = ORG.step(a, "precall", {"outcome": "reschedule", "start": start.isoformat(),
                                            "end": end.isoformat(), "note": "오후로 변경"})
            feed = by_uid(pyical(ORG.feed("eng_a").body))
            self.assertGreater(feed[a["uid"]]["sequence"], a["sequence"])
            self.assertEqual(feed[a["uid"]]["start"]["epoch"], int(start.timestamp()))
            client.sync()
            self.assertEqual(client.listing(first, last), sorted([
                row("engineer", moved, ta, "박사원"), row("engineer", b, tb, "한상무"),
                row("lead", b, tb, "한상무")]))
            self.assertEqual(len(client.items("engineer")), 2)

            # cancel B: gone from both calendars after the next sync
            ORG.step(b, "cancel", {"reason": "고객 요청"})
            client.sync()
            self.assertEqual(client.listing(first, last), [row("engineer", moved, ta, "박사원")])
            self.assertEqual(len(client.items("engineer")), 1)
            self.assertEqual(client.items("lead"), [])
        finally:
            client.close()


if __name__ == "__main__":
    icaltest.main()
