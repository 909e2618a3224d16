/*
 * Replies and request accessors. Every error reply is problem+json built
 * from the registry in errors.h; handlers never write a status of their own
 * for an error.
 */
#include "fieldd/http.h"
#include "fieldd/db.h"
#include "fieldd/jspec.h"
#include "fieldd/util.h"

#include <arpa/inet.h>
#include <json-c/json.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *http_param(struct http_req *r, int i)
{
	return i >= 0 && i < r->nparams ? r->params[i] : NULL;
}

int http_param_id(struct http_req *r, int i, int64_t *out)
{
	if (util_parse_id(http_param(r, i), out) < 0) {
		reply_problem(r, ERR_NOT_FOUND, "no such id");
		return -1;
	}
	return 0;
}

const char *http_query(struct http_req *r, const char *key)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);
}

const char *http_header_get(struct http_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

static void reset(struct http_req *r)
{
	r->headers = NULL;
	r->err_code = NULL;
}

void reply_raw(struct http_req *r, int status, const char *ctype, const char *body, size_t len)
{
	reset(r);
	r->status = status;
	r->ctype = ctype;
	r->rbody = body;
	r->rlen = len;
}

void reply_empty(struct http_req *r, int status)
{
	reply_raw(r, status, NULL, "", 0);
}

void reply_json(struct http_req *r, int status, struct json_object *o)
{
	size_t len;
	const char *s = jspec_dump(r->a, jspec_adopt(r->a, o), &len);
	reply_raw(r, status, "application/json", s, len);
}

static void problem(struct http_req *r, enum err_id id, const char *code, const char *detail,
		    struct json_object *errors)
{
	const struct err_def *e = err_get(id);
	struct json_object *o = json_object_new_object();
	const char *c = code ? code : e->code;
	json_object_object_add(
	    o, "type",
	    json_object_new_string(arena_printf(r->a, "https://fieldd.dev/problems/%s", c)));
	json_object_object_add(o, "title", json_object_new_string(e->title));
	json_object_object_add(o, "status", json_object_new_int(e->status));
	json_object_object_add(o, "code", json_object_new_string(c));
	if (detail)
		json_object_object_add(o, "detail", json_object_new_string(detail));
	if (errors) /* the caller's errors are the arena's; the problem holds its own reference */
		json_object_object_add(o, "errors", json_object_get(jspec_adopt(r->a, errors)));
	json_object_object_add(o, "request_id", json_object_new_string(r->id));
	size_t len;
	const char *s = jspec_dump(r->a, o, &len);
	json_object_put(o);
	reply_raw(r, e->status, "application/problem+json", s, len);
	r->err_code = arena_strdup(r->a, c);
}

void reply_problem(struct http_req *r, enum err_id id, const char *detail)
{
	problem(r, id, NULL, detail, NULL);
}

void reply_problem_code(struct http_req *r, enum err_id id, const char *code, const char *detail)
{
	problem(r, id, code, detail, NULL);
}

void reply_invalid_list(struct http_req *r, struct json_object *errors)
{
	const char *detail = NULL;
	if (json_object_array_length(errors) > 0) {
		struct json_object *first = json_object_array_get_idx(errors, 0), *f, *m;
		if (json_object_object_get_ex(first, "field", &f) &&
		    json_object_object_get_ex(first, "message", &m))
			detail = arena_printf(r->a, "%s %s", json_object_get_string(f),
					      json_object_get_string(m));
	}
	problem(r, ERR_VALIDATION, NULL, detail, errors);
}

void reply_rule_errors(struct http_req *r, const char *code, const char *detail,
		       struct json_object *errors)
{
	problem(r, ERR_RULE, code, detail, errors);
}

void reply_invalid(struct http_req *r, const char *field, const char *message)
{
	struct json_object *errors = json_object_new_array();
	struct json_object *e = json_object_new_object();
	json_object_object_add(e, "field", json_object_new_string(field));
	json_object_object_add(e, "message", json_object_new_string(message));
	json_object_array_add(errors, e);
	reply_invalid_list(r, errors);
}

void reply_add_header(struct http_req *r, const char *name, const char *value)
{
	struct http_header *h = arena_alloc(r->a, sizeof *h);
	h->name = name;
	h->value = arena_strdup(r->a, value);
	h->next = r->headers;
	r->headers = h;
}

enum http_go http_parse_body(struct http_req *r, const struct jfield *spec)
{
	struct json_object *errors = jarr(r->a);
	if (jspec_parse(r->a, r->json, spec, errors))
		return HTTP_GO;
	reply_invalid_list(r, errors);
	return HTTP_REPLIED;
}

int http_found(struct http_req *r, int rc, const char *what)
{
	if (rc < 0)
		return rc;
	if (rc == 0) {
		reply_problem(r, ERR_NOT_FOUND, arena_printf(r->a, "no such %s", what));
		return HTTP_REPLIED;
	}
	return HTTP_GO;
}

/* The limit query parameter; HTTP_REPLIED: 400 set. */
static enum http_go http_limit(struct http_req *r, int def, int max, int *limit)
{
	const char *l = http_query(r, "limit");
	*limit = def;
	if (l) {
		int64_t v;
		if (util_parse_id(l, &v) < 0 || v > max) {
			reply_problem(r, ERR_BAD_QUERY,
				      arena_printf(r->a, "limit must be from 1 to %d", max));
			return HTTP_REPLIED;
		}
		*limit = (int)v;
	}
	return HTTP_GO;
}

enum http_go http_page(struct http_req *r, int def, int max, int *limit, int64_t *cursor)
{
	const char *c = http_query(r, "cursor");
	*cursor = 0;
	if (!http_limit(r, def, max, limit))
		return HTTP_REPLIED;
	if (c && *c && util_parse_id(c, cursor) < 0) {
		reply_problem(r, ERR_BAD_QUERY, "cursor is not valid");
		return HTTP_REPLIED;
	}
	return HTTP_GO;
}

void reply_doc(struct http_req *r, int status, const char *doc)
{
	reply_raw(r, status, "application/json", doc, strlen(doc));
}

void reply_list(struct http_req *r, const char *const *docs, const char *const *ids, int n,
		int limit)
{
	struct abuf b;
	abuf_init(&b, r->a);
	abuf_adds(&b, "{\"items\":[");
	int shown = n > limit ? limit : n;
	for (int i = 0; i < shown; i++) {
		if (i)
			abuf_adds(&b, ",");
		abuf_adds(&b, docs[i]);
	}
	abuf_adds(&b, "],\"next_cursor\":");
	if (n > limit) /* an id: digits only, nothing to escape */
		abuf_addf(&b, "\"%s\"}", ids[shown - 1]);
	else
		abuf_adds(&b, "null}");
	reply_raw(r, 200, "application/json", b.buf, b.len);
}

void reply_doc_list(struct http_req *r, const struct db_rows *rows, int limit)
{
	const char **docs = arena_alloc(r->a, sizeof(char *) * (size_t)(rows->n ? rows->n : 1));
	const char **ids = arena_alloc(r->a, sizeof(char *) * (size_t)(rows->n ? rows->n : 1));
	for (int i = 0; i < rows->n; i++) {
		docs[i] = db_val(rows, i, "doc");
		ids[i] = db_val(rows, i, "id");
	}
	reply_list(r, docs, ids, rows->n, limit);
}

const char *json_doc_with(struct arena *a, const char *doc, const char *key, struct json_object *o)
{
	size_t len;
	const char *val = o ? jspec_dump(a, jspec_adopt(a, o), &len) : "null";
	size_t n = strlen(doc);
	while (n && doc[n - 1] != '}')
		n--;
	if (!n)
		return doc;
	struct json_object *k = json_object_new_string(key);
	const char *kq = jspec_dump(a, k, NULL);
	json_object_put(k);
	bool empty = n >= 2 && doc[n - 2] == '{';
	return arena_printf(a, "%.*s%s%s:%s}", (int)(n - 1), doc, empty ? "" : ",", kq, val);
}

const char *http_client_addr(struct http_req *r)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	char buf[INET6_ADDRSTRLEN] = "unknown";
	if (ci && ci->client_addr) {
		const struct sockaddr *sa = ci->client_addr;
		if (sa->sa_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf,
				  sizeof buf);
		else if (sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, buf,
				  sizeof buf);
	}
	return arena_strdup(r->a, buf);
}
