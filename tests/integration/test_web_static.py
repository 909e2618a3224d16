"""The web apps' static files over real HTTP: every file of mobile-web/ (and the pinned npm
modules under /vendor/) served from the binary with its bytes, content type, strong ETag and
304, a gzip copy that decodes to the same bytes, a strict CSP on HTML; "/" sends a signed-in
person to their app; FIELDD_WEB_DIR serves a changed file from disk; path traversal refused;
and the engineer app's first load within its 50 KB (gzip) budget."""

import base64
import gzip
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from support import (Stack, ProblemAssertions, raw_http, split_responses,  # noqa: E402
                     USER_PASSWORD)

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
WEB = os.path.join(REPO, "mobile-web")
# the npm modules and the names they are served under (CMakeLists.txt FIELDD_WEB_VENDOR)
VENDOR = {"vendor/preact.module.js": "preact/dist/preact.mjs",
          "vendor/hooks.module.js": "preact/hooks/dist/hooks.mjs",
          "vendor/htm.module.js": "htm/dist/htm.mjs"}
TYPES = {".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript",
         ".css": "text/css", ".json": "application/json",
         ".webmanifest": "application/manifest+json", ".svg": "image/svg+xml",
         ".png": "image/png", ".ico": "image/x-icon", ".txt": "text/plain"}
BUDGET = 50 * 1024  # the engineer app's first load, HTML + CSS + JS, gzip-compressed


def web_files():
    """{url name: repo path} of what the build embeds: mobile-web/ less its README, package
    files and node_modules, plus the vendor modules."""
    out = {}
    for root, dirs, names in os.walk(WEB):
        dirs[:] = [d for d in dirs if d != "node_modules"]
        for n in names:
            rel = os.path.relpath(os.path.join(root, n), WEB)
            if n.startswith("README") or rel in ("package.json", "package-lock.json"):
                continue
            out[rel] = os.path.join(root, n)
    for name, src in VENDOR.items():
        out[name] = os.path.join(WEB, "node_modules", src)
    return out


def read(path):
    with open(path, "rb") as f:
        return f.read()


def setUpModule():
    global S
    S = Stack()


def tearDownModule():
    S.close()


def get(path, server=None, **headers):
    return (server or S.server).request("GET", path, headers=headers)


class EmbeddedFiles(ProblemAssertions, unittest.TestCase):
    def test_every_file_is_served_with_its_bytes_and_type(self):
        files = web_files()
        self.assertIn("index.html", files)
        self.assertIn("m/index.html", files)
        for name, path in sorted(files.items()):
            with self.subTest(name=name):
                r = get("/" + name)
                self.assertEqual(r.status, 200, r.text[:200])
                self.assertEqual(r.body, read(path))
                self.assertIsNone(r.headers.get("Content-Encoding"))
                ext = os.path.splitext(name)[1]
                if ext in TYPES:
                    self.assertEqual(r.headers["Content-Type"].split(";")[0], TYPES[ext])
                if TYPES.get(ext, "").startswith("text/"):
                    self.assertIn("charset=utf-8", r.headers["Content-Type"])
                self.assertRegex(r.headers.get("ETag", ""), r'^"[0-9a-f]{32}"$')
                self.assertEqual(r.headers.get("Cache-Control"), "no-cache")
                self.assertEqual(r.headers.get("X-Content-Type-Options"), "nosniff")
                self.assertIn("Accept-Encoding", r.headers.get("Vary", ""))

    def test_folder_urls_serve_their_index(self):
        for url, name in (("/m/", "m/index.html"),):
            r = get(url)
            self.assertEqual(r.status, 200)
            self.assertEqual(r.body, read(os.path.join(WEB, name)))
            self.assertTrue(r.headers["Content-Type"].startswith("text/html"))

    def test_folder_without_slash_redirects(self):
        r = get("/m")
        self.assertEqual(r.status, 301)
        self.assertEqual(r.headers.get("Location"), "/m/")

    def test_one_connection_loads_every_file(self):
        # a page's files come over one kept-alive connection, 304s included
        etag = get("/m/").headers["ETag"]
        names = sorted(web_files())
        req = b"".join(b"GET /%s HTTP/1.1\r\nHost: x\r\n\r\n" % n.encode() for n in names)
        req += b"GET /m/ HTTP/1.1\r\nHost: x\r\nIf-None-Match: %s\r\n\r\n" % etag.encode()
        req += b"GET /m/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        resp = split_responses(raw_http(S.server.port, req))
        self.assertEqual([st for st, _, _ in resp], [200] * len(names) + [304, 200])
        for (st, h, body), name in zip(resp, names):
            self.assertEqual(body, read(web_files()[name]))
            self.assertNotEqual(h.get("connection"), "close", name)

    def test_head_has_headers_without_body(self):
        g = get("/m/")
        h = S.server.request("HEAD", "/m/")
        self.assertEqual(h.status, 200)
        self.assertEqual(h.body, b"")
        self.assertEqual(h.headers.get("ETag"), g.headers.get("ETag"))
        self.assertEqual(h.headers.get("Content-Length"), str(len(g.body)))

    def test_unknown_files_are_404(self):
        for path in ("/m/nope.js", "/shared/nope.css", "/vendor/react.js", "/nope.html",
                     "/README", "/package.json", "/package-lock.json",
                     "/node_modules/preact/package.json", "/m/index.html/"):
            with self.subTest(path=path):
                self.assertProblem(get(path), 404, "not_found")

    def test_api_paths_are_not_files(self):
        self.assertProblem(get("/api/v1/nope"), 404, "not_found")
        r = get("/healthz")
        self.assertEqual(r.json(), {"status": "ok"})


class Validators(unittest.TestCase):
    def test_etag_is_the_hash_of_the_bytes_and_304(self):
        for name in ("m/index.html", "vendor/preact.module.js"):
            with self.subTest(name=name):
                r = get("/" + name)
                etag = r.headers["ETag"]
                self.assertEqual(etag, '"%s"' % hashlib.sha256(r.body).hexdigest()[:32])
                c = get("/" + name, **{"If-None-Match": etag})
                self.assertEqual(c.status, 304)
                self.assertEqual(c.body, b"")
                self.assertEqual(c.headers.get("ETag"), etag)
                self.assertEqual(c.headers.get("Cache-Control"), "no-cache")
                c = get("/" + name, **{"If-None-Match": '"0000", %s' % etag})
                self.assertEqual(c.status, 304)
                other = get("/" + name, **{"If-None-Match": '"%s"' % ("0" * 32)})
                self.assertEqual(other.status, 200)
                self.assertEqual(other.body, r.body)

    def test_files_have_different_etags(self):
        tags = {get("/" + n).headers["ETag"] for n in web_files()}
        self.assertEqual(len(tags), len({read(p) for p in web_files().values()}))


class Compression(unittest.TestCase):
    def test_gzip_copy_decodes_to_the_same_bytes(self):
        for name, path in sorted(web_files().items()):
            if not name.endswith((".html", ".js", ".css")):
                continue
            with self.subTest(name=name):
                plain = read(path)
                r = get("/" + name, **{"Accept-Encoding": "br, gzip, deflate"})
                self.assertEqual(r.status, 200)
                self.assertIn("Accept-Encoding", r.headers.get("Vary", ""))
                if r.headers.get("Content-Encoding") == "gzip":
                    self.assertEqual(gzip.decompress(r.body), plain)
                    self.assertLess(len(r.body), len(plain))
                    # another representation, another strong validator
                    self.assertNotEqual(r.headers["ETag"], get("/" + name).headers["ETag"])
                    c = get("/" + name, **{"Accept-Encoding": "gzip",
                                           "If-None-Match": r.headers["ETag"]})
                    self.assertEqual(c.status, 304)
                else:  # only a file too small to shrink goes out as it is
                    self.assertLess(len(plain), 200)
                    self.assertEqual(r.body, plain)

    def test_vendor_module_is_gzipped_level_9(self):
        plain = read(web_files()["vendor/preact.module.js"])
        r = get("/vendor/preact.module.js", **{"Accept-Encoding": "gzip"})
        self.assertEqual(r.headers.get("Content-Encoding"), "gzip")
        self.assertEqual(gzip.decompress(r.body), plain)
        self.assertLessEqual(len(r.body), len(gzip.compress(plain, 6)))

    def test_gzip_refused_gets_identity(self):
        for ae in ("gzip;q=0", "identity", "br"):
            with self.subTest(ae=ae):
                r = get("/vendor/preact.module.js", **{"Accept-Encoding": ae})
                self.assertIsNone(r.headers.get("Content-Encoding"))
                self.assertEqual(r.body, read(web_files()["vendor/preact.module.js"]))


def csp_directives(value):
    out = {}
    for part in value.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


class SecurityHeaders(unittest.TestCase):
    def test_html_has_a_strict_csp(self):
        for url in ("/", "/m/", "/index.html", "/m/index.html"):
            with self.subTest(url=url):
                r = get(url)
                self.assertEqual(r.status, 200)
                d = csp_directives(r.headers.get("Content-Security-Policy", ""))
                self.assertEqual(d.get("default-src"), ["'self'"])
                self.assertEqual(d.get("frame-ancestors"), ["'none'"])
                self.assertEqual(d.get("base-uri"), ["'none'"])
                self.assertEqual(d.get("form-action"), ["'self'"])
                for src in d.values():
                    self.assertNotIn("'unsafe-inline'", src)
                    self.assertNotIn("'unsafe-eval'", src)
                    self.assertNotIn("*", src)
                self.assertEqual(r.headers.get("X-Content-Type-Options"), "nosniff")
                self.assertIn(r.headers.get("Referrer-Policy"),
                              ("no-referrer", "same-origin", "strict-origin"))


class FrontDoor(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        admin = S.admin_token()
        for login, role in (("door-eng", "engineer"), ("door-lead", "lead"),
                            ("door-disp", "dispatcher")):
            S.create_user(admin, login, role)

    def cookie_for(self, login, password=USER_PASSWORD):
        r = S.request("POST", "/api/v1/session", body={"login": login, "password": password})
        self.assertEqual(r.status, 201, r.text)
        m = re.match(r"(fieldd_session=[^;]+)", r.headers.get("Set-Cookie", ""))
        self.assertIsNotNone(m, r.headers.get("Set-Cookie"))
        return m.group(1)

    def test_signed_in_people_go_to_their_app(self):
        for login, password, where in (("door-eng", USER_PASSWORD, "/m/"),
                                       ("door-lead", USER_PASSWORD, "/m/"),
                                       ("door-disp", USER_PASSWORD, "/dispatch/"),
                                       ("admin", None, "/dispatch/")):
            with self.subTest(login=login):
                if password is None:
                    from support import ADMIN_PASSWORD
                    password = ADMIN_PASSWORD
                r = get("/", Cookie=self.cookie_for(login, password))
                self.assertEqual(r.status, 303)
                self.assertEqual(r.headers.get("Location"), where)
                self.assertIn("Cookie", r.headers.get("Vary", ""))

    def test_others_get_the_login_page(self):
        login_page = read(os.path.join(WEB, "index.html"))
        for cookie in (None, "fieldd_session=not-a-session", "other=1"):
            with self.subTest(cookie=cookie):
                r = get("/", **({"Cookie": cookie} if cookie else {}))
                self.assertEqual(r.status, 200)
                self.assertEqual(r.body, login_page)
                self.assertTrue(r.headers["Content-Type"].startswith("text/html"))
                self.assertIn("Cookie", r.headers.get("Vary", ""))
                self.assertIn("Content-Security-Policy", r.headers)

    def test_ended_session_gets_the_login_page(self):
        cookie = self.cookie_for("door-eng")
        self.assertEqual(get("/", Cookie=cookie).status, 303)
        token = cookie.split("=", 1)[1]
        r = S.request("DELETE", "/api/v1/session", token=token)
        self.assertEqual(r.status, 204, r.text)
        self.assertEqual(get("/", Cookie=cookie).status, 200)


class Traversal(unittest.TestCase):
    """Raw requests, so no client library tidies the dot segments away first."""

    PATHS = ("/shared/../../etc/passwd", "/../../../../etc/passwd", "/m/../../secret.txt",
             "/%2e%2e/secret.txt", "/m/%2e%2e/%2e%2e/secret.txt", "/m/..%2f..%2fsecret.txt",
             "/m/%2E%2E%2Fsecret.txt", "/..", "/m/..", "/./m/index.html", "/m//index.html",
             "/m/.%2e/secret.txt", "/m\\..\\secret.txt", "/%2e%2e%5csecret.txt",
             "/vendor/../../secret.txt", "/.secret.txt")

    def status_and_body(self, port, path):
        raw = raw_http(port, ("GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                              % path).encode())
        head, _, body = raw.partition(b"\r\n\r\n")
        return int(head.split(b" ")[1]), body

    def test_dot_segments_refused_embedded(self):
        for path in self.PATHS:
            with self.subTest(path=path):
                status, body = self.status_and_body(S.server.port, path)
                self.assertIn(status, (400, 404))
                self.assertNotIn(b"root:", body)

    def test_dot_segments_refused_from_disk(self):
        # a secret next to the served folder: no path may reach it
        top = tempfile.mkdtemp(prefix="fieldd-web-")
        try:
            web = os.path.join(top, "web")
            shutil.copytree(WEB, web, ignore=shutil.ignore_patterns("node_modules"))
            with open(os.path.join(top, "secret.txt"), "w") as f:
                f.write("TOP-SECRET")
            with open(os.path.join(web, ".secret.txt"), "w") as f:
                f.write("TOP-SECRET")
            with harness.Server(S.url, env={"FIELDD_WEB_DIR": web}) as srv:
                srv.wait_ready()
                self.assertEqual(get("/m/", srv).status, 200)
                for path in self.PATHS:
                    with self.subTest(path=path):
                        status, body = self.status_and_body(srv.port, path)
                        self.assertIn(status, (400, 404))
                        self.assertNotIn(b"TOP-SECRET", body)
                        self.assertNotIn(b"root:", body)
        finally:
            shutil.rmtree(top, ignore_errors=True)


class WebDir(unittest.TestCase):
    def test_changed_file_is_served_from_disk(self):
        top = tempfile.mkdtemp(prefix="fieldd-web-")
        try:
            web = os.path.join(top, "web")
            shutil.copytree(WEB, web, ignore=shutil.ignore_patterns("node_modules"))
            os.makedirs(os.path.join(web, "node_modules", "preact", "dist"))
            with open(os.path.join(web, "node_modules", "preact", "dist", "preact.mjs"), "w") as f:
                f.write("export const dev = 1;\n")
            importmap = '{"imports": {"preact": "/vendor/preact.module.js"}}'
            page = ('<!doctype html><html lang="ko"><head><meta charset="utf-8"><title>t</title>'
                    '<script type="importmap">%s</script>'
                    '<script type="module" src="/m/app.js"></script></head><body></body></html>'
                    % importmap)
            with open(os.path.join(web, "m", "index.html"), "w") as f:
                f.write(page)
            with harness.Server(S.url, env={"FIELDD_WEB_DIR": web}) as srv:
                srv.wait_ready()
                r = get("/m/", srv, **{"Accept-Encoding": "gzip"})
                self.assertEqual(r.status, 200)
                body = gzip.decompress(r.body) if r.headers.get("Content-Encoding") else r.body
                self.assertEqual(body, page.encode())
                # the import map is allowed by its hash, nothing else inline
                want = "'sha256-%s'" % base64.b64encode(
                    hashlib.sha256(importmap.encode()).digest()).decode()
                d = csp_directives(r.headers["Content-Security-Policy"])
                self.assertEqual(d.get("script-src"), ["'self'", want])
                self.assertEqual(d.get("default-src"), ["'self'"])
                etag = get("/m/", srv).headers["ETag"]
                self.assertEqual(get("/m/", srv, **{"If-None-Match": etag}).status, 304)
                # the vendor names map into node_modules
                v = get("/vendor/preact.module.js", srv)
                self.assertEqual(v.body, b"export const dev = 1;\n")
                self.assertTrue(v.headers["Content-Type"].startswith("text/javascript"))
                # edit on disk: the next request has the new bytes and a new ETag
                with open(os.path.join(web, "m", "index.html"), "w") as f:
                    f.write(page.replace("<body></body>", "<body><p>바뀜</p></body>"))
                r2 = get("/m/", srv, **{"If-None-Match": etag})
                self.assertEqual(r2.status, 200)
                self.assertIn("<p>바뀜</p>", r2.text)
                self.assertNotEqual(r2.headers["ETag"], etag)
                # a new file appears without a restart; a removed one is gone
                with open(os.path.join(web, "shared", "new.css") if os.path.isdir(
                        os.path.join(web, "shared")) else os.path.join(web, "new.css"), "w") as f:
                    f.write("p{color:red}")
                new = "/shared/new.css" if os.path.isdir(os.path.join(web, "shared")) \
                    else "/new.css"
                r3 = get(new, srv)
                self.assertEqual(r3.status, 200)
                self.assertTrue(r3.headers["Content-Type"].startswith("text/css"))
                os.unlink(os.path.join(web, "m", "index.html"))
                self.assertEqual(get("/m/", srv).status, 404)
                # package files are never served, from disk either
                self.assertEqual(get("/package.json", srv).status, 404)
                self.assertEqual(get("/node_modules/preact/dist/preact.mjs", srv).status, 404)
        finally:
            shutil.rmtree(top, ignore_errors=True)


IMPORT_RE = re.compile(r"""(?:^|[;\s}])(?:import|export)\s*(?:[\w*{}\s,$]+?\s*from\s*)?["']([^"']+)["']""",
                       re.M)


class Budget(unittest.TestCase):
    """Everything /m/ loads first — the page, its stylesheets and scripts, the modules they
    import (through the import map), the service worker — fetched from the server with gzip,
    as a phone would: at most 50 KB on the wire."""

    def test_engineer_app_first_load_within_budget(self):
        seen, sizes = set(), {}
        queue = ["/m/"]
        importmap = {}
        while queue:
            url = queue.pop(0)
            if url in seen:
                continue
            seen.add(url)
            r = get(url, **{"Accept-Encoding": "gzip"})
            self.assertEqual(r.status, 200, "%s: %s" % (url, r.text[:200]))
            sizes[url] = len(r.body)
            text = (gzip.decompress(r.body) if r.headers.get("Content-Encoding") == "gzip"
                    else r.body).decode("utf-8")
            ctype = r.headers["Content-Type"]
            refs = []
            if ctype.startswith("text/html"):
                for m in re.finditer(r'<script[^>]*type=["\']?importmap[^>]*>(.*?)</script>',
                                     text, re.S):
                    importmap.update(json.loads(m.group(1)).get("imports", {}))
                refs += re.findall(r'<script[^>]*\ssrc=["\']([^"\']+)', text)
                for tag in re.findall(r"<link[^>]*>", text):
                    rel = re.search(r'rel=["\']?([^"\'>]+)', tag)
                    href = re.search(r'href=["\']([^"\']+)', tag)
                    if rel and href and set(rel.group(1).split()) & {"stylesheet",
                                                                      "modulepreload"}:
                        refs.append(href.group(1))
                refs += re.findall(r"serviceWorker\.register\(\s*[\"']([^\"']+)", text)
            elif ctype.startswith("text/javascript"):
                refs += IMPORT_RE.findall(text)
                refs += re.findall(r"serviceWorker\.register\(\s*[\"']([^\"']+)", text)
            elif ctype.startswith("text/css"):
                refs += re.findall(r"@import\s+(?:url\()?[\"']([^\"']+)", text)
            for ref in refs:
                if ref in importmap:
                    ref = importmap[ref]
                elif not ref.startswith(("/", "./", "../")):
                    for k, v in importmap.items():
                        if k.endswith("/") and ref.startswith(k):
                            ref = v + ref[len(k):]
                            break
                u = urllib.parse.urljoin(url, ref)
                if urllib.parse.urlsplit(u).netloc:
                    self.fail("%s loads %s from elsewhere" % (url, ref))
                queue.append(urllib.parse.urlsplit(u).path)
        total = sum(sizes.values())
        print("first load of /m/: %d bytes gzip over %d files" % (total, len(sizes)),
              file=sys.stderr)
        self.assertLessEqual(total, BUDGET, json.dumps(sizes, indent=1))


if __name__ == "__main__":
    harness.main()
