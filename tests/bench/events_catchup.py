"""What the commit-order-safe catch-up costs (docs/performance.md "Event catch-up").

A private PostgreSQL cluster, a database migrated by FIELDD_BIN, BENCH_EVENTS (100,000)
events written in transactions of 5, and a client reconnecting with a Last-Event-ID 10
events back. Times three forms of the catch-up query (EXPLAIN ANALYZE execution time,
median of BENCH_ROUNDS (25) each, alternating), with and without an idle transaction
holding an xid open since before the events were written:

  ids only    WHERE id > N: the query before the fix (misses a transaction that commits
              after a higher id; the baseline)
  xmin range  also ids < N with xid >= xmin(snapshot of N) not visible in it
  fieldd      also ids < N with xid in the snapshot's in-progress list or >= its xmax
              (server/db/pg_events.c, what fieldd runs)

and reports each as a ratio to the baseline in the same run.

Run: FIELDD_BIN=build/release/fieldd python3 tests/bench/events_catchup.py
"""

import os
import re
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import support  # noqa: E402

EVENTS = int(os.environ.get("BENCH_EVENTS", "100000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "25"))

PAYLOAD = "SELECT (x.e).id AS id, events_payload(x.e) AS payload FROM (%s) x ORDER BY (x.e).id LIMIT 1001"
FORMS = {
    "ids only": "SELECT e FROM events e WHERE e.id > {n}",
    "xmin range": ("SELECT e FROM events e WHERE e.id > {n} UNION ALL"
                   " SELECT e FROM events n JOIN events e ON e.xid >= pg_snapshot_xmin(n.snap)"
                   "  AND e.id < n.id AND e.xid <> n.xid"
                   "  AND NOT pg_visible_in_snapshot(e.xid, n.snap) WHERE n.id = {n}"),
    "fieldd": ("SELECT e FROM events e WHERE e.id > {n} UNION ALL"
               " SELECT l.e FROM events n, LATERAL ("
               "  SELECT e FROM events e WHERE e.xid = ANY (ARRAY(SELECT pg_snapshot_xip(n.snap)))"
               "  UNION ALL SELECT e FROM events e WHERE e.xid >= pg_snapshot_xmax(n.snap)) l(e)"
               " WHERE n.id = {n} AND (l.e).id < n.id AND (l.e).xid <> n.xid"
               "  AND NOT pg_visible_in_snapshot((l.e).xid, n.snap)"),
}


def timed(st, q):
    out = st.sql("EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON) " + q)
    return float(re.search(r"Execution Time: ([0-9.]+) ms", out).group(1))


def measure(st, label):
    n = int(st.sql("SELECT max(id) - 10 FROM events"))
    times = {k: [] for k in FORMS}
    for _ in range(ROUNDS):
        for k, f in FORMS.items():
            times[k].append(timed(st, PAYLOAD % f.format(n=n)))
    base = statistics.median(times["ids only"])
    print("%s (Last-Event-ID %d of %d events):" % (label, n, n + 10))
    for k in FORMS:
        m = statistics.median(times[k])
        print("  %-10s  median %7.3f ms  ratio to ids only %5.2f" % (k, m, m / base))


def main():
    st = support.Stack(dbname="catchup", serve=False)
    hold = None
    try:
        hold = support.PsqlHold(st.cluster, "catchup")
        hold.run("BEGIN; SELECT pg_current_xact_id();")  # idle in transaction, with an xid
        st.sql("DO $$ BEGIN FOR i IN 1..%d LOOP INSERT INTO events (kind, op, ref)"
               " SELECT 'ticket', 'update', g FROM generate_series(1, 5) g; COMMIT; END LOOP;"
               " END $$" % (EVENTS // 5))
        st.sql("ANALYZE events")
        measure(st, "an idle transaction open since before the events")
        hold.run("ROLLBACK;")
        hold.close()
        hold = None
        st.sql("INSERT INTO events (kind, op, ref) SELECT 'ticket', 'update', g"
               " FROM generate_series(1, 20) g")
        measure(st, "no other transaction open")
    finally:
        if hold:
            hold.close()
        st.close()


if __name__ == "__main__":
    main()
