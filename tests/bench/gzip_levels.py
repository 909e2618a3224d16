#!/usr/bin/env python3
"""GET /api/v1/me/visits throughput by gzip level (issue 9): not run by ctest.

    FIELDD_BIN=build/release/fieldd python3 tests/bench/gzip_levels.py [seconds] [rounds]

A throwaway cluster with the demo organisation (`fieldd demo`); an engineer with visits
today; for each FIELDD_GZIP_LEVEL in 0 (off: identity) 1 6 9 a fieldd of its own and
`wrk -t1 -c4` with `Accept-Encoding: gzip`, rounds interleaved so a disturbance hits every
level alike. Prints req/s (median of rounds), the size sent and the ratio to identity.
"""

import os
import re
import statistics
import subprocess
import sys
import time
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import harness  # noqa: E402

SECONDS = int(sys.argv[1]) if len(sys.argv) > 1 else 5
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 3
LEVELS = (0, 1, 6, 9)


def wrk(port, token, seconds):
    out = subprocess.run(
        ["wrk", "-t1", "-c4", "-d%ds" % seconds, "-H", "Authorization: Bearer " + token,
         "-H", "Accept-Encoding: gzip", "http://127.0.0.1:%d/api/v1/me/visits" % port],
        capture_output=True, text=True, check=True).stdout
    m = re.search(r"Requests/sec:\s+([0-9.]+)", out)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if bad:
        raise SystemExit("wrk saw errors:\n" + out)
    return float(m.group(1))


def main():
    cl = harness.Cluster()
    try:
        url = cl.create_database("gz")
        for args in (["migrate"], ["demo"]):
            p = harness.run_fieldd(args, database_url=url, timeout=300)
            if p.returncode:
                raise SystemExit("fieldd %s: %s%s" % (args[0], p.stdout, p.stderr))
            if args == ["demo"]:
                password = re.search(r"password: (\S+)", p.stdout).group(1)
        login = cl.psql(
            "SELECT u.login FROM users u JOIN visit_people vp ON vp.person_id = u.id"
            " JOIN visits v ON v.id = vp.visit_id WHERE u.role = 'engineer'"
            " AND (v.starts_at AT TIME ZONE 'Asia/Seoul')::date ="
            " (now() AT TIME ZONE 'Asia/Seoul')::date"
            " GROUP BY u.login ORDER BY count(*) DESC, u.login LIMIT 1", db="gz").strip() or "eng01"
        servers = {lv: harness.Server(url, env={"FIELDD_GZIP_LEVEL": lv, "FIELDD_LOG_LEVEL": "warn"})
                   for lv in LEVELS}
        try:
            tokens, sizes = {}, {}
            for lv, srv in servers.items():
                srv.wait_ready()
                r = srv.request("POST", "/api/v1/session", body={"login": login, "password": password})
                tokens[lv] = r.json()["token"]
                r = srv.request("GET", "/api/v1/me/visits", token=tokens[lv],
                                headers={"Accept-Encoding": "gzip"})
                assert r.status == 200, r
                sizes[lv] = len(r.body)
                if lv == 0:
                    plain = r.body
            rps = {lv: [] for lv in LEVELS}
            for _ in range(ROUNDS):
                for lv, srv in servers.items():
                    wrk(srv.port, tokens[lv], 1)  # warm-up
                    rps[lv].append(wrk(srv.port, tokens[lv], SECONDS))
        finally:
            for srv in servers.values():
                srv.stop()
                srv.close()
        # what one reply costs to compress, with the window fieldd uses for its size
        wbits = 9
        while wbits < 15 and (1 << wbits) < len(plain):
            wbits += 1
        mem = wbits - 6 if wbits <= 13 else 8
        cost = {}
        for lv in LEVELS[1:]:
            n = 2000
            t0 = time.process_time()
            for _ in range(n):
                c = zlib.compressobj(lv, zlib.DEFLATED, wbits + 16, mem)
                c.compress(plain)
                c.flush()
            cost[lv] = (time.process_time() - t0) / n * 1e6
        base = statistics.median(rps[0])
        print("GET /api/v1/me/visits as %s, wrk -t1 -c4 -d%ds, %d rounds (median)" % (login, SECONDS, ROUNDS))
        print("| FIELDD_GZIP_LEVEL | octets sent | req/s | vs identity | rounds | CPU µs to compress one reply |")
        print("|---|---:|---:|---:|---|---:|")
        for lv in LEVELS:
            med = statistics.median(rps[lv])
            print("| %s | %d | %.0f | %.2f | %s | %s |" % (
                lv if lv else "0 (identity)", sizes[lv], med, med / base,
                " ".join("%.0f" % x for x in rps[lv]), "%.0f" % cost[lv] if lv else "–"))
    finally:
        cl.destroy()


if __name__ == "__main__":
    main()
