/*
 * Static web files: the engineer app and the shared code under mobile-web/,
 * plus the pinned npm modules as vendor/..., embedded at build time
 * (CMakeLists.txt, cmake/embed.cmake). The URL path is the file's path under
 * mobile-web/: "/m/" is m/index.html, "/shared/api.js" is shared/api.js.
 *
 * Answered on the HTTP thread: no database, no body, nothing allocated but
 * the reply's headers. Once, when the server starts (http_static_init()),
 * every embedded file gets its strong ETag (SHA-256 of the bytes), a
 * gzip copy (level 9, kept when smaller) and, for HTML, its
 * Content-Security-Policy with the hash of any inline import map; all of it
 * lives for the process. With FIELDD_WEB_DIR set the same names are read
 * from that folder on every request instead (same headers, nothing cached),
 * for developing the apps without rebuilding.
 *
 * Caching (docs/operations.md): every file is "Cache-Control: no-cache", so a
 * browser revalidates each time with If-None-Match and gets a 304 while the
 * bytes are unchanged: an app's modules never mix two releases, and the
 * engineer app's service worker is what makes repeat starts work offline.
 */
#define _GNU_SOURCE
#include "http_int.h"

#include "fieldd/arena.h"
#include "fieldd/embed.h"
#include "fieldd/http.h"
#include "fieldd/log.h"
#include "fieldd/util.h"

#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* written by CMakeLists.txt: {"vendor/preact.module.js", "node_modules/preact/dist/..."} */
extern const char *const web_vendor_src[][2];

#define WEB_MAX_FILE (8u << 20) /* FIELDD_WEB_DIR: larger files are not served */

struct web_file {
	const char *name; /* "m/index.html" */
	const unsigned char *data, *gz;
	size_t len, gzlen; /* gz NULL when gzip would not be smaller */
	const char *etag, *gz_etag;
	const char *csp; /* HTML only */
};

static struct web_file *files;
static size_t nfiles;
static const char *web_dir; /* FIELDD_WEB_DIR or NULL */
static struct arena *web_arena;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;

/* The log names the route of a static file like this, not by its path. */
static const struct route static_route = {"GET", "(static)", NULL, BODY_NONE, 0, 0, TX_NONE, 0};

static const struct {
	const char *ext, *type;
	bool compress;
} types[] = {
    {".html", "text/html; charset=utf-8", true},
    {".js", "text/javascript; charset=utf-8", true},
    {".mjs", "text/javascript; charset=utf-8", true},
    {".css", "text/css; charset=utf-8", true},
    {".json", "application/json; charset=utf-8", true},
    {".webmanifest", "application/manifest+json; charset=utf-8", true},
    {".svg", "image/svg+xml", true},
    {".txt", "text/plain; charset=utf-8", true},
    {".map", "application/json; charset=utf-8", true},
    {".ico", "image/x-icon", true},
    {".png", "image/png", false},
    {".jpg", "image/jpeg", false},
    {".webp", "image/webp", false},
    {".woff2", "font/woff2", false},
};

static int type_index(const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		size_t e = strlen(types[i].ext);
		if (n > e && !strcasecmp(name + n - e, types[i].ext))
			return (int)i;
	}
	return -1;
}

static const char *content_type(const char *name)
{
	int i = type_index(name);
	return i < 0 ? "application/octet-stream" : types[i].type;
}

static bool is_html(const char *name)
{
	size_t n = strlen(name);
	return n >= 5 && !strcasecmp(name + n - 5, ".html");
}

/* '"' + first 32 hex digits of SHA-256 + suffix + '"'. Arena-owned. */
static const char *etag_of(struct arena *a, const unsigned char *p, size_t n, const char *suffix)
{
	const char *hex = util_sha256_hex(a, p, n);
	return arena_printf(a, "\"%.32s%s\"", hex, suffix);
}

/*
 * The page's policy: only this origin's scripts, styles, images, workers and
 * fetches; no inline script except the import maps the page itself carries,
 * allowed by their SHA-256 (an import map cannot be an external file).
 */
static const char *csp_for(struct arena *a, const unsigned char *html, size_t len)
{
	struct abuf hashes;
	abuf_init(&hashes, a);
	const char *p = (const char *)html, *end = p + len;
	while ((p = memmem(p, (size_t)(end - p), "<script", 7)) != NULL) {
		const char *gt = memchr(p, '>', (size_t)(end - p));
		if (!gt)
			break;
		const char *attrs = p + 7;
		bool importmap = memmem(attrs, (size_t)(gt - attrs), "importmap", 9) != NULL;
		const char *body = gt + 1;
		const char *close = memmem(body, (size_t)(end - body), "</script", 8);
		if (!close)
			break;
		if (importmap) {
			unsigned char h[crypto_hash_sha256_BYTES];
			char b64[sodium_base64_ENCODED_LEN(crypto_hash_sha256_BYTES,
							   sodium_base64_VARIANT_ORIGINAL)];
			crypto_hash_sha256(h, (const unsigned char *)body,
					   (unsigned long long)(close - body));
			sodium_bin2base64(b64, sizeof b64, h, sizeof h,
					  sodium_base64_VARIANT_ORIGINAL);
			abuf_addf(&hashes, " 'sha256-%s'", b64);
		}
		p = close + 8;
	}
	return arena_printf(a,
			    "default-src 'self'; script-src 'self'%s; style-src 'self'; "
			    "img-src 'self' data:; connect-src 'self'; worker-src 'self'; "
			    "manifest-src 'self'; object-src 'none'; frame-ancestors 'none'; "
			    "base-uri 'none'; form-action 'self'",
			    hashes.len ? hashes.buf : "");
}

static void describe(struct arena *a, struct web_file *f, int gzip_level)
{
	f->etag = etag_of(a, f->data, f->len, "");
	f->gz = NULL;
	f->gzlen = 0;
	int t = type_index(f->name);
	if (t >= 0 && types[t].compress)
		f->gz = http_gzip(a, f->data, f->len, gzip_level, &f->gzlen);
	f->gz_etag = f->gz ? etag_of(a, f->data, f->len, "-gz") : NULL;
	f->csp = is_html(f->name) ? csp_for(a, f->data, f->len) : NULL;
}

static int by_name(const void *x, const void *y)
{
	return strcmp(((const struct web_file *)x)->name, ((const struct web_file *)y)->name);
}

static void init(void)
{
	web_arena = arena_new();
	const char *dir = getenv("FIELDD_WEB_DIR");
	if (dir && *dir) {
		web_dir = arena_strdup(web_arena, dir);
		log_msgf(LOG_INFO, "serving the web apps from %s (FIELDD_WEB_DIR)", web_dir);
		return;
	}
	nfiles = embed_web_count;
	files = arena_alloc(web_arena, (nfiles ? nfiles : 1) * sizeof *files);
	for (size_t i = 0; i < nfiles; i++) {
		files[i].name = embed_web[i].name;
		files[i].data = embed_web[i].data;
		files[i].len = embed_web[i].len;
		describe(web_arena, &files[i], 9);
	}
	qsort(files, nfiles, sizeof *files, by_name);
}

static const struct web_file *find_embedded(const char *name)
{
	struct web_file key = {.name = name};
	return nfiles ? bsearch(&key, files, nfiles, sizeof *files, by_name) : NULL;
}

/*
 * A name that may be served: non-empty segments, none "." or ".." or hidden,
 * no backslash; not the package files, node_modules or READMEs (never
 * embedded, so not served from FIELDD_WEB_DIR either).
 */
static bool name_ok(const char *name)
{
	if (!*name || strchr(name, '\\') || !strncmp(name, "node_modules/", 13) ||
	    !strcmp(name, "package.json") || !strcmp(name, "package-lock.json"))
		return false;
	for (const char *s = name; *s;) {
		const char *e = strchr(s, '/');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		if (n == 0 || s[0] == '.' || (n >= 6 && !strncmp(s, "README", 6)))
			return false;
		s += n;
		if (*s == '/')
			s++;
	}
	return true;
}

/* FIELDD_WEB_DIR: the file's bytes into the arena (NULL when no regular file). */
static unsigned char *read_disk(struct arena *a, const char *name, size_t *len, bool *is_dir)
{
	const char *rel = name;
	for (size_t i = 0; web_vendor_src[i][0]; i++)
		if (!strcmp(name, web_vendor_src[i][0]))
			rel = web_vendor_src[i][1];
	const char *path = arena_printf(a, "%s/%s", web_dir, rel);
	*is_dir = false;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct stat st;
	unsigned char *buf = NULL;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode))
		*is_dir = true;
	else if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size <= WEB_MAX_FILE) {
		size_t n = (size_t)st.st_size, got = 0;
		buf = arena_alloc(a, n + 1);
		while (got < n) {
			ssize_t k = read(fd, buf + got, n - got);
			if (k <= 0)
				break;
			got += (size_t)k;
		}
		*len = got;
	}
	close(fd);
	return buf;
}

/* The file name, with the file's description, from FIELDD_WEB_DIR or the embedded set. */
static bool lookup(struct http_req *r, const char *name, struct web_file *out, bool *is_dir)
{
	*is_dir = false;
	if (!name_ok(name))
		return false;
	if (!web_dir) {
		const struct web_file *f = find_embedded(name);
		if (f)
			*out = *f;
		return f != NULL;
	}
	size_t len = 0;
	unsigned char *data = read_disk(r->a, name, &len, is_dir);
	if (!data)
		return false;
	out->name = name;
	out->data = data;
	out->len = len;
	describe(r->a, out, 6);
	return true;
}

static void reply_file(struct http_req *r, const struct web_file *f, const char *vary)
{
	bool z = f->gz && http_accepts_gzip(r);
	const char *etag = z ? f->gz_etag : f->etag;
	if (http_not_modified(r, etag, 0))
		reply_empty(r, 304);
	else if (z)
		reply_raw(r, 200, content_type(f->name), (const char *)f->gz, f->gzlen);
	else
		reply_raw(r, 200, content_type(f->name), (const char *)f->data, f->len);
	r->static_reply = true;
	reply_add_header(r, "ETag", etag);
	reply_add_header(r, "Cache-Control", "no-cache");
	reply_add_header(r, "Vary", vary);
	if (z && r->status == 200)
		reply_add_header(r, "Content-Encoding", "gzip");
	if (f->csp) {
		reply_add_header(r, "Content-Security-Policy", f->csp);
		reply_add_header(r, "Cross-Origin-Opener-Policy", "same-origin");
	}
}

void http_static_init(void)
{
	pthread_once(&init_once, init);
}

void http_static_reply(struct http_req *r, const char *name, const char *vary)
{
	pthread_once(&init_once, init);
	struct web_file f;
	bool is_dir;
	if (!lookup(r, name, &f, &is_dir)) {
		reply_problem(r, ERR_NOT_FOUND, "the web app is not built into this server");
		return;
	}
	reply_file(r, &f, vary ? vary : "Accept-Encoding");
}

bool http_static_serve(struct http_req *r, const char *path)
{
	if ((strcmp(r->method, "GET") && strcmp(r->method, "HEAD")) || path[0] != '/' || !path[1] ||
	    !strncmp(path, "/api/", 5))
		return false;
	pthread_once(&init_once, init);
	const char *name = path + 1;
	bool slash = path[strlen(path) - 1] == '/';
	if (slash)
		name = arena_printf(r->a, "%sindex.html", name);
	struct web_file f;
	bool is_dir;
	if (lookup(r, name, &f, &is_dir)) {
		r->route = &static_route;
		reply_file(r, &f, "Accept-Encoding");
		return true;
	}
	/* a folder named without its slash: /m → /m/, so the page's relative URLs work */
	const char *index = arena_printf(r->a, "%s/index.html", name);
	if (!slash && (is_dir || (!web_dir && name_ok(index) && find_embedded(index)))) {
		r->route = &static_route;
		reply_empty(r, 301);
		r->static_reply = true;
		reply_add_header(r, "Location", arena_printf(r->a, "%s/", path));
		reply_add_header(r, "Cache-Control", "no-cache");
		return true;
	}
	return false;
}
