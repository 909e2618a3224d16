"""Runs the browser tests of the web apps against a real stack: a throwaway PostgreSQL
cluster, a migrated database with an admin, and `fieldd serve` on loopback (the same
fixtures as tests/integration, support.Stack). Then `node --test` on the given test files
(default: every tests/web/*.test.mjs), with

    FIELDD_URL           the server, e.g. http://127.0.0.1:41234
    FIELDD_ADMIN_TOKEN   a bearer token of the admin
    FIELDD_TEST_PSQL     JSON argv of psql as superuser on the test database (SQL on stdin)
    FIELDD_TEST_DATABASE_URL, FIELDD_BIN (absolute)   for tests that start more `fieldd serve`
                         processes on the same database (tests/web/procs.mjs)

Exit 77 (ctest: skipped) when PostgreSQL cannot run here or when chromium or the npm
packages are missing, unless FIELDD_REQUIRE_WEB=1.

    FIELDD_BIN=build/dev/fieldd python3 tests/web/run_web.py [file.test.mjs ...]
    FIELDD_BIN=build/dev/fieldd python3 tests/web/run_web.py --serve   # keep the stack up
    FIELDD_BIN=build/dev/fieldd python3 tests/web/run_web.py --exec CMD ARGS...  # run CMD instead
"""

import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import harness  # noqa: E402
import support  # noqa: E402

CHROMIUM = os.environ.get("FIELDD_CHROMIUM", "/usr/bin/chromium")


def skip(why):
    if os.environ.get("FIELDD_REQUIRE_WEB") == "1":
        sys.stderr.write("web tests: %s\n" % why)
        sys.exit(1)
    sys.stderr.write("web tests skipped: %s\n" % why)
    sys.exit(77)


def main():
    args = sys.argv[1:]
    serve = "--serve" in args
    command = args[args.index("--exec") + 1:] if "--exec" in args else None
    files = [os.path.abspath(a) for a in args if a != "--serve"] or sorted(glob.glob(os.path.join(HERE, "*.test.mjs")))
    if not os.access(CHROMIUM, os.X_OK):
        skip("%s is missing (scripts/deps.sh installs chromium)" % CHROMIUM)
    if not os.path.isdir(os.path.join(HERE, "node_modules", "playwright-core")):
        skip("tests/web/node_modules is missing (scripts/npm.sh installs it)")
    node = shutil.which("node")
    if not node:
        skip("node is missing")
    for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(s, lambda n, _f: (harness._cleanup_all(), os._exit(128 + n)))
    try:
        st = support.Stack(dbname="web")
    except harness.SkipCluster as e:
        skip(str(e))
    cl = st.cluster
    env = dict(os.environ)
    env.update({
        "FIELDD_URL": st.server.base_url,
        "FIELDD_ADMIN_TOKEN": st.admin_token(),
        "FIELDD_TEST_PSQL": json.dumps([cl._bin("psql"), "-X", "-A", "-t", "-q", "-v",
                                         "ON_ERROR_STOP=1", "-h", cl.sockdir, "-p",
                                         str(cl.port), "-U", "postgres", "-d", st.dbname]),
        "FIELDD_TEST_DATABASE_URL": st.url,
        "FIELDD_BIN": harness.fieldd_bin(),
    })
    rc = 1
    try:
        if serve:
            for k in ("FIELDD_URL", "FIELDD_ADMIN_TOKEN", "FIELDD_TEST_PSQL"):
                print("export %s='%s'" % (k, env[k]), flush=True)
            while st.server.alive():
                time.sleep(1)
            return 1
        if command:
            rc = subprocess.call(command, env=env)
        else:
            rc = subprocess.call([node, "--test", "--test-concurrency=1"] + files, cwd=HERE, env=env)
    finally:
        log = st.server.log_text() if st.server else ""
        try:
            st.close(check=True)
        except harness.HarnessError as e:
            sys.stderr.write("%s\n" % e)
            rc = rc or 1
        if rc and log:
            sys.stderr.write("--- fieldd log (tail) ---\n%s\n" % log[-3000:])
    return rc


if __name__ == "__main__":
    sys.exit(main())
