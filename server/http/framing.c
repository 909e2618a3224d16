/*
 * Message framing checks (RFC 9112 §6.1, §6.3, §3.2), run on the first call
 * of a request, before routing.
 *
 * libmicrohttpd frames a request by the first Content-Length it sees (0.9.75
 * also preferred Transfer-Encoding over Content-Length without complaint,
 * read a body of an unknown transfer coding until the client closed, and
 * accepted HTTP/1.1 without Host; 1.0.1 refuses those itself, in problem+json
 * through scripts/mhd/problem-json.patch). Each lets a front proxy and fieldd disagree
 * on where a request ends (request smuggling), so fieldd refuses them here,
 * answers problem+json with "Connection: close", and MHD, seeing a reply
 * queued before the body was read, discards the rest of the connection's
 * bytes instead of reading them as another request.
 */
#include "fieldd/http.h"

#include <microhttpd.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

struct framing_scan {
	const char *first_cl; /* first Content-Length value */
	bool cl_conflict;     /* a second, different Content-Length */
	int te_count, host_count;
	const char *te;
};

static const char *trim(struct arena *a, const char *v)
{
	while (*v == ' ' || *v == '\t')
		v++;
	size_t n = strlen(v);
	while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	return arena_strndup(a, v, n);
}

struct scan_ctx {
	struct framing_scan *s;
	struct arena *a;
};

static enum MHD_Result scan_header(void *cls, enum MHD_ValueKind kind, const char *key,
				   const char *value)
{
	(void)kind;
	struct scan_ctx *c = cls;
	struct framing_scan *s = c->s;
	const char *v = value ? trim(c->a, value) : "";
	if (!strcasecmp(key, "Content-Length")) {
		if (!s->first_cl)
			s->first_cl = v;
		else if (strcmp(s->first_cl, v) != 0)
			s->cl_conflict = true;
	} else if (!strcasecmp(key, "Transfer-Encoding")) {
		s->te_count++;
		s->te = v;
	} else if (!strcasecmp(key, "Host")) {
		s->host_count++;
	}
	return MHD_YES;
}

static void refuse(struct http_req *r, enum err_id id, const char *detail)
{
	reply_problem(r, id, detail);
	reply_add_header(r, "Connection", "close");
}

enum http_go http_framing_ok(struct http_req *r, const char *version)
{
	struct framing_scan s;
	memset(&s, 0, sizeof s);
	struct scan_ctx c = {&s, r->a};
	MHD_get_connection_values(r->conn, MHD_HEADER_KIND, scan_header, &c);
	bool http11 = version && strcmp(version, MHD_HTTP_VERSION_1_0) != 0;

	if (s.cl_conflict) {
		refuse(r, ERR_BAD_FRAMING, "Content-Length is given twice with different values");
		return HTTP_REPLIED;
	}
	if (s.te_count && s.first_cl) {
		refuse(r, ERR_BAD_FRAMING,
		       "Content-Length and Transfer-Encoding together; send one of them");
		return HTTP_REPLIED;
	}
	if (s.te_count && !http11) {
		refuse(r, ERR_BAD_FRAMING, "Transfer-Encoding is not allowed in HTTP/1.0");
		return HTTP_REPLIED;
	}
	if (s.te_count > 1 || (s.te_count && strcasecmp(s.te, "chunked") != 0)) {
		refuse(r, ERR_TRANSFER_CODING,
		       arena_printf(r->a, "Transfer-Encoding \"%s\": only chunked is supported",
				    s.te_count > 1 ? "(given twice)" : s.te));
		return HTTP_REPLIED;
	}
	if (http11 && s.host_count != 1) {
		refuse(r, ERR_BAD_HOST,
		       s.host_count ? "the Host header is given more than once"
				    : "an HTTP/1.1 request needs a Host header");
		return HTTP_REPLIED;
	}
	return HTTP_GO;
}
