"""Static web files benchmark (docs/performance.md, "Static web files"): fieldd serving the
web apps embedded in its binary against nginx (Debian's nginx-light) serving the same files
from disk, in the same run, with wrk on loopback, one server at a time, same settings.

Both servers answer alike: the same bytes (checked first), gzip copies made at level 9
ahead of time (nginx: gzip_static with .gz files beside the originals, and its open file
cache so it does not open each file per request), strong ETags,
Cache-Control: no-cache and the same security headers; nginx without an access log, fieldd
at log level warn (no request lines). wrk asks for every embedded file in turn with
Accept-Encoding: gzip, as a phone's first load does; then a revalidation (If-None-Match
with each server's ETag of /m/, answered 304), and one file asked for plainly with no
Lua script (wrk at its own full speed). Rounds alternate between the servers and the
median of each is compared: the aim is fieldd >= 0.8 x nginx.

Run through tests/bench/web.sh (it installs wrk and nginx-light and builds the release).
Environment: FIELDD_BIN (required), BENCH_SECONDS (default 10), BENCH_CONNECTIONS (32),
BENCH_THREADS (2), BENCH_ROUNDS (3), FIELDD_THREADS (fieldd's workers, default 4),
NGINX_WORKERS (default: as many as FIELDD_THREADS).
"""

import gzip
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import harness  # noqa: E402
import support  # noqa: E402

SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
CONNS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
THREADS = int(os.environ.get("BENCH_THREADS", "2"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
# as many nginx worker processes as fieldd has threads: on a busy machine each gets its share
NGINX_WORKERS = os.environ.get("NGINX_WORKERS", os.environ.get("FIELDD_THREADS", "4"))
VENDOR = ["vendor/preact.module.js", "vendor/hooks.module.js", "vendor/htm.module.js"]
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; worker-src 'self'; manifest-src 'self'; object-src 'none'; "
       "frame-ancestors 'none'; base-uri 'none'; form-action 'self'")


def log(msg):
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()


def web_names():
    """The URL names of the embedded files (as CMakeLists.txt picks them)."""
    out = []
    web = os.path.join(REPO, "mobile-web")
    for root, dirs, names in os.walk(web):
        dirs[:] = [d for d in dirs if d != "node_modules"]
        for n in names:
            rel = os.path.relpath(os.path.join(root, n), web)
            if not n.startswith("README") and rel not in ("package.json", "package-lock.json"):
                out.append(rel)
    return sorted(out) + VENDOR


def fetch(base, path, headers=None):
    r = harness.request(base, "GET", path, headers=headers)
    body = r.body
    if r.headers.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    return r, body


def wrk_script(folder, paths, extra_header=None):
    path = os.path.join(folder, "paths-%d.lua" % abs(hash((tuple(paths), extra_header))))
    with open(path, "w") as f:
        f.write("local paths = {%s}\n" % ", ".join('"%s"' % p for p in paths))
        f.write('local headers = {["Accept-Encoding"] = "gzip"}\n')
        if extra_header:
            k, v = extra_header
            f.write('headers["%s"] = %s\n' % (k, '"%s"' % v.replace('"', '\\"')))
        f.write("local i = 0\n"
                "request = function()\n"
                "  i = i % #paths + 1\n"
                "  return wrk.format(\"GET\", paths[i], headers)\n"
                "end\n")
        f.write(open(os.path.join(HERE, "wrk_summary.lua")).read())
    return path


def wrk(url, script):
    """One wrk run; script is a Lua file, or a path (no script of its own: one URL, plain
    GET, wrk at full speed) -- its summary comes from wrk_summary.lua either way."""
    if script.startswith("/") and not script.endswith(".lua"):
        url, script = url + script, os.path.join(HERE, "wrk_summary.lua")
    argv = ["wrk", "-t%d" % THREADS, "-c%d" % CONNS, "-d%ds" % SECONDS, "-s", script, url]
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    m = re.search(r"BENCH requests=(\d+) duration_us=(\d+) p50_us=(\d+) p90_us=(\d+) "
                  r"p99_us=(\d+) max_us=(\d+) non2xx=(\d+) connect=(\d+) read=(\d+) "
                  r"write=(\d+) timeout=(\d+)", out)
    if not m:
        raise SystemExit("wrk said: %s" % out)
    v = [int(x) for x in m.groups()]
    return {"rps": v[0] / (v[1] / 1e6), "p50": v[2] / 1000, "p99": v[4] / 1000,
            "errors": sum(v[7:]), "non2xx": v[6]}


LABEL = {"files": "every file in turn, gzip (Lua script)",
         "plain": "/m/index.html, no gzip, no script", "304": "304 of /m/ (Lua script)"}

NGINX_CONF = """
worker_processes {workers};
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    include /etc/nginx/mime.types;
    types {{ text/javascript js mjs; }}
    default_type application/octet-stream;
    charset utf-8;
    charset_types text/html text/css text/javascript application/json;
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_requests 1000000;
    gzip_static on;
    etag on;
    open_file_cache max=1000 inactive=60s;
    open_file_cache_valid 60s;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        index index.html;
        add_header Cache-Control no-cache;
        add_header X-Content-Type-Options nosniff;
        add_header Referrer-Policy no-referrer;
        add_header X-Frame-Options DENY;
        location ~ \\.html$ {{
            add_header Cache-Control no-cache;
            add_header X-Content-Type-Options nosniff;
            add_header Referrer-Policy no-referrer;
            add_header X-Frame-Options DENY;
            add_header Content-Security-Policy "{csp}";
        }}
    }}
}}
"""


def start_nginx(tmp, root, port):
    conf = os.path.join(tmp, "nginx.conf")
    with open(conf, "w") as f:
        f.write(NGINX_CONF.format(workers=NGINX_WORKERS, tmp=tmp, port=port, root=root, csp=CSP))
    # in this session, like fieldd and wrk: with the kernel's autogroup scheduling a
    # session of its own would give nginx a separate (and on a busy machine smaller) share
    # of the CPU
    return subprocess.Popen(["nginx", "-c", conf, "-p", tmp], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def main():
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool):
            raise SystemExit("%s is missing: run tests/bench/web.sh as root" % tool)
    env = {"FIELDD_THREADS": os.environ.get("FIELDD_THREADS", "4"), "FIELDD_LOG_LEVEL": "warn"}
    st = support.Stack(env=env)
    ngx = None
    tmp = tempfile.mkdtemp(prefix="fieldd-bench-web-")
    os.chmod(tmp, 0o755)
    try:
        fbase = st.server.base_url
        names = web_names()
        # nginx's root: the bytes fieldd serves, each with its level-9 .gz beside it
        root = os.path.join(tmp, "root")
        total, total_gz = 0, 0
        for name in names:
            r, body = fetch(fbase, "/" + name)
            assert r.status == 200, (name, r)
            dst = os.path.join(root, name)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            with open(dst, "wb") as f:
                f.write(body)
            gz = gzip.compress(body, 9, mtime=0)
            if len(gz) < len(body):
                with open(dst + ".gz", "wb") as f:
                    f.write(gz)
            total += len(body)
            total_gz += min(len(gz), len(body))
        for dirpath, dirs, files in os.walk(tmp):
            os.chmod(dirpath, 0o755)
            for fn in files:
                os.chmod(os.path.join(dirpath, fn), 0o644)
        port = harness.free_port()
        ngx = start_nginx(tmp, root, port)
        nbase = "http://127.0.0.1:%d" % port
        for _ in range(100):
            try:
                if harness.request(nbase, "GET", "/m/").status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        paths = ["/" + n for n in names if not n.endswith("/index.html")
                 and n != "index.html"] + ["/m/", "/index.html"]
        paths = sorted(set(paths))
        # same bytes from both, gzip and not
        for p in paths:
            for h in (None, {"Accept-Encoding": "gzip"}):
                fr, fb = fetch(fbase, p, h)
                nr, nb = fetch(nbase, p, h)
                assert fr.status == nr.status == 200, (p, fr, nr)
                assert fb == nb, p
                assert (fr.headers.get("Content-Encoding") ==
                        nr.headers.get("Content-Encoding")), (p, fr.headers, nr.headers)
        log("%d files, %d bytes (%d gzip), same bytes from both servers"
            % (len(paths), total, total_gz))
        etag = {"fieldd": fetch(fbase, "/m/", {"Accept-Encoding": "gzip"})[0].headers["ETag"],
                "nginx": fetch(nbase, "/m/", {"Accept-Encoding": "gzip"})[0].headers["ETag"]}
        for who, base in (("fieldd", fbase), ("nginx", nbase)):
            r = harness.request(base, "GET", "/m/", headers={"Accept-Encoding": "gzip",
                                                               "If-None-Match": etag[who]})
            assert r.status == 304, (who, r)
        cases = {"files": {w: wrk_script(tmp, paths) for w in ("fieldd", "nginx")},
                 "plain": {w: "/m/index.html" for w in ("fieldd", "nginx")},
                 "304": {w: wrk_script(tmp, ["/m/"], ("If-None-Match", etag[w]))
                         for w in ("fieldd", "nginx")}}
        load = open("/proc/loadavg").read().split()[0]
        runs = {(c, w): [] for c in cases for w in ("fieldd", "nginx")}
        for k in range(ROUNDS):
            for case in cases:
                order = ("fieldd", "nginx") if k % 2 == 0 else ("nginx", "fieldd")
                for who in order:
                    res = wrk(fbase if who == "fieldd" else nbase, cases[case][who])
                    runs[(case, who)].append(res)
                    log("round %d %s %s: %.0f/s p99 %.2f ms errors %d non-2xx/3xx %d"
                        % (k + 1, case, who, res["rps"], res["p99"], res["errors"],
                           res["non2xx"]))
        print("Run of %s, `wrk -t%d -c%d -d%ds`, %d rounds alternating, load average before %s;"
              " %d files (%d bytes, %d gzip); fieldd %s threads, nginx %s workers:\n"
              % (time.strftime("%Y-%m-%d"), THREADS, CONNS, SECONDS, ROUNDS, load, len(paths),
                 total, total_gz, env["FIELDD_THREADS"], NGINX_WORKERS))
        print("| case | server | requests/s (median) | each round | p99 ms (median) | errors |")
        print("|---|---|---:|---|---:|---:|")
        ratios = {}
        for case in cases:
            med = {}
            for who in ("fieldd", "nginx"):
                rs = runs[(case, who)]
                med[who] = statistics.median(r["rps"] for r in rs)
                print("| %s | %s | %.0f | %s | %.2f | %d |" % (
                    LABEL[case], who, med[who],
                    ", ".join("%.0f" % r["rps"] for r in rs),
                    statistics.median(r["p99"] for r in rs),
                    sum(r["errors"] + r["non2xx"] for r in rs)))
            ratios[case] = med["fieldd"] / med["nginx"]
        print()
        for case, ratio in ratios.items():
            print("- %s: fieldd / nginx = **%.2f×** (aim ≥ 0.8×: %s)" % (
                LABEL[case], ratio,
                "met" if ratio >= 0.8 else "NOT met"))
        return 0 if all(r >= 0.8 for r in ratios.values()) else 1
    finally:
        if ngx is not None:
            ngx.send_signal(signal.SIGQUIT)
            try:
                ngx.wait(10)
            except subprocess.TimeoutExpired:
                ngx.kill()
                ngx.wait()
        st.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
