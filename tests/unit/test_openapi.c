/*
 * docs/openapi.json against the route table: the embedded document must list
 * exactly the routes of handler_routes, and describe each the way the daemon
 * behaves (auth errors, body errors, idempotency, 503, paging, roles).
 */
#include "check.h"
#include "fieldd/domain.h"
#include "fieldd/embed.h"
#include "fieldd/errors.h"
#include "fieldd/handlers.h"
#include "fieldd/http.h"

#include <ctype.h>
#include <json-c/json.h>
#include <json-c/json_pointer.h>
#include <string.h>
#include <strings.h>

static struct json_object *doc;
static const char *doc_text;

static const char *const http_methods[] = {"get",     "put",  "post",  "delete",
					   "options", "head", "patch", "trace"};

static int is_http_method(const char *k)
{
	for (size_t i = 0; i < sizeof http_methods / sizeof http_methods[0]; i++)
		if (!strcmp(http_methods[i], k))
			return 1;
	return 0;
}

/* Member key of o, or NULL (also when o is not an object). */
static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;
	if (!o || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

static const char *get_str(struct json_object *o, const char *key)
{
	struct json_object *v = get(o, key);
	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

/* Follows "$ref": "#/..." (a few hops at most); NULL when it does not resolve. */
static struct json_object *resolve(struct json_object *o)
{
	for (int hops = 0; o && hops < 8; hops++) {
		const char *ref = get_str(o, "$ref");
		if (!ref)
			return o;
		struct json_object *t = NULL;
		if (ref[0] != '#' || json_pointer_get(doc, ref + 1, &t) != 0)
			return NULL;
		o = t;
	}
	return NULL;
}

static void lower(char *dst, const char *src, size_t cap)
{
	size_t i = 0;
	for (; src[i] && i + 1 < cap; i++)
		dst[i] = (char)tolower((unsigned char)src[i]);
	dst[i] = '\0';
}

/* The operation object for a route, or NULL. */
static struct json_object *operation(const struct route *rt)
{
	char m[16];
	lower(m, rt->method, sizeof m);
	return get(get(get(doc, "paths"), rt->pattern), m);
}

static const struct route *route_for(const char *method_lc, const char *path)
{
	for (size_t i = 0; i < handler_nroutes; i++) {
		char m[16];
		lower(m, handler_routes[i].method, sizeof m);
		if (!strcmp(m, method_lc) && !strcmp(handler_routes[i].pattern, path))
			return &handler_routes[i];
	}
	return NULL;
}

static void where(const struct route *rt)
{
	fprintf(stderr, "\troute: %s %s\n", rt->method, rt->pattern);
}

/* The parameter (resolved) named name in `in`, from the operation or its path item. */
static struct json_object *param(const struct route *rt, const char *in, const char *name)
{
	struct json_object *lists[2] = {get(operation(rt), "parameters"),
					get(get(get(doc, "paths"), rt->pattern), "parameters")};
	for (int l = 0; l < 2; l++) {
		if (!lists[l] || !json_object_is_type(lists[l], json_type_array))
			continue;
		for (size_t i = 0; i < json_object_array_length(lists[l]); i++) {
			struct json_object *p = resolve(json_object_array_get_idx(lists[l], i));
			const char *pn = get_str(p, "name"), *pi = get_str(p, "in");
			if (pn && pi && !strcmp(pi, in) &&
			    (!strcmp(in, "header") ? !strcasecmp(pn, name) : !strcmp(pn, name)))
				return p;
		}
	}
	return NULL;
}

static struct json_object *response(const struct route *rt, const char *status)
{
	return get(get(operation(rt), "responses"), status);
}

/* ---- the document itself ---- */

static void test_document(void)
{
	CHECK(json_object_is_type(doc, json_type_object));
	const char *v = get_str(doc, "openapi");
	if (CHECK_NOT_NULL(v))
		CHECK_MSG(!strncmp(v, "3.1.", 4) && strlen(v) > 4, "openapi is 3.1.x");
	struct json_object *info = get(doc, "info");
	CHECK_NOT_NULL(get_str(info, "title"));
	/* the document describes this build */
	CHECK_STR_EQ(get_str(info, "version"), FIELDD_VERSION);
	CHECK(json_object_is_type(get(doc, "paths"), json_type_object));
	CHECK(json_object_is_type(get(get(doc, "components"), "schemas"), json_type_object));
}

static void test_security_schemes(void)
{
	struct json_object *ss = get(get(doc, "components"), "securitySchemes");
	int bearer = 0, cookie = 0;
	json_object_object_foreach(ss, name, s)
	{
		(void)name;
		const char *type = get_str(s, "type");
		if (type && !strcmp(type, "http") && get_str(s, "scheme") &&
		    !strcasecmp(get_str(s, "scheme"), "bearer"))
			bearer = 1;
		if (type && !strcmp(type, "apiKey") && get_str(s, "in") &&
		    !strcmp(get_str(s, "in"), "cookie") && get_str(s, "name") &&
		    !strcmp(get_str(s, "name"), "fieldd_session"))
			cookie = 1;
	}
	CHECK_MSG(bearer, "an http bearer security scheme");
	CHECK_MSG(cookie, "an apiKey security scheme for the fieldd_session cookie");
}

/* Every route of the table is in the document. */
static void test_every_route_documented(void)
{
	for (size_t i = 0; i < handler_nroutes; i++) {
		const struct route *rt = &handler_routes[i];
		if (!CHECK_MSG(operation(rt) != NULL, "route is documented under paths"))
			where(rt);
	}
}

/* Every operation of the document is a route of the table. */
static void test_no_extra_operations(void)
{
	static const char *const path_item_keys[] = {"summary", "description", "parameters",
						     "servers", NULL};
	int nops = 0;
	json_object_object_foreach(get(doc, "paths"), path, item)
	{
		int ops = 0;
		json_object_object_foreach(item, key, val)
		{
			(void)val;
			if (is_http_method(key)) {
				ops++;
				nops++;
				if (!CHECK_MSG(route_for(key, path) != NULL,
					       "documented operation exists in the route table"))
					fprintf(stderr, "\toperation: %s %s\n", key, path);
				continue;
			}
			int known = 0;
			for (const char *const *k = path_item_keys; *k; k++)
				known |= !strcmp(*k, key);
			if (!CHECK_MSG(known, "path item holds only operations and shared fields"))
				fprintf(stderr, "\tpath %s: key %s\n", path, key);
		}
		if (!CHECK_MSG(ops > 0, "path has at least one operation"))
			fprintf(stderr, "\tpath: %s\n", path);
	}
	CHECK_INT_EQ(nops, handler_nroutes);
}

/* Every "$ref" anywhere in the document points at something. */
static int check_refs(struct json_object *o, const char *at)
{
	int bad = 0;
	if (json_object_is_type(o, json_type_object)) {
		const char *ref = get_str(o, "$ref");
		if (ref && !resolve(o)) {
			fprintf(stderr, "\tunresolved $ref %s at %s\n", ref, at);
			bad++;
		}
		json_object_object_foreach(o, k, v)
		{
			(void)k;
			bad += check_refs(v, at);
		}
	} else if (json_object_is_type(o, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(o); i++)
			bad += check_refs(json_object_array_get_idx(o, i), at);
	}
	return bad;
}

static void test_refs_resolve(void)
{
	CHECK_INT_EQ(check_refs(doc, "document"), 0);
}

static int response_key_ok(const char *k)
{
	if (!strcmp(k, "default"))
		return 1;
	return strlen(k) == 3 && k[0] >= '1' && k[0] <= '5' && isdigit((unsigned char)k[1]) &&
	       isdigit((unsigned char)k[2]);
}

static void test_operations(void)
{
	int nids = 0;
	const char *ids[256];
	for (size_t i = 0; i < handler_nroutes; i++) {
		const struct route *rt = &handler_routes[i];
		struct json_object *op = operation(rt);
		if (!op)
			continue; /* reported by test_every_route_documented */
		const char *id = get_str(op, "operationId");
		if (!CHECK_NOT_NULL(id))
			where(rt);
		for (int k = 0; id && k < nids; k++)
			if (!CHECK(strcmp(ids[k], id) != 0))
				fprintf(stderr, "\tduplicate operationId %s\n", id);
		if (id && nids < 256)
			ids[nids++] = id;

		struct json_object *rs = get(op, "responses");
		if (!CHECK(rs && json_object_object_length(rs) > 0)) {
			where(rt);
			continue;
		}
		int success = 0;
		json_object_object_foreach(rs, code, r)
		{
			if (!CHECK_MSG(response_key_ok(code),
				       "response key is a status or default"))
				where(rt);
			struct json_object *rr = resolve(r);
			if (!CHECK_MSG(get_str(rr, "description") != NULL,
				       "response has a description"))
				where(rt);
			/* a plain HTML form's success is a 303 back to its page */
			if (code[0] == '2' || (rt->body == BODY_FORM && !strcmp(code, "303")))
				success = 1;
			/* errors are problem+json */
			if (code[0] == '4' || code[0] == '5') {
				if (!CHECK_MSG(get(get(rr, "content"), "application/problem+json"),
					       "error response is application/problem+json")) {
					where(rt);
					fprintf(stderr, "\tstatus %s\n", code);
				}
			}
		}
		if (!CHECK_MSG(success, "operation has a 2xx response"))
			where(rt);
		if (!CHECK_MSG(get(rs, "405") != NULL, "operation documents 405 (with Allow)"))
			where(rt);
	}
}

static void test_auth(void)
{
	struct json_object *global = get(doc, "security");
	for (size_t i = 0; i < handler_nroutes; i++) {
		const struct route *rt = &handler_routes[i];
		struct json_object *op = operation(rt);
		if (!op)
			continue;
		struct json_object *sec = get(op, "security");
		if (!sec)
			sec = global;
		size_t nsec = sec ? json_object_array_length(sec) : 0;
		/* x-roles names exactly the roles the table admits */
		struct json_object *xr = get(op, "x-roles");
		unsigned bits = 0;
		for (size_t k = 0; xr && k < json_object_array_length(xr); k++)
			bits |= role_bit(json_object_get_string(json_object_array_get_idx(xr, k)));
		if (!CHECK_INT_EQ(bits, rt->roles))
			where(rt);
		if (rt->roles) {
			if (!CHECK_MSG(nsec > 0, "a route with roles requires security"))
				where(rt);
			if (!CHECK_MSG(response(rt, "401") && response(rt, "403"),
				       "a route with roles documents 401 and 403"))
				where(rt);
		} else {
			if (!CHECK_MSG(nsec == 0, "a public route has security: []"))
				where(rt);
			if (!CHECK_MSG(!xr, "a public route has no x-roles"))
				where(rt);
		}
	}
}

static void test_bodies(void)
{
	for (size_t i = 0; i < handler_nroutes; i++) {
		const struct route *rt = &handler_routes[i];
		struct json_object *op = operation(rt);
		if (!op)
			continue;
		struct json_object *rb = resolve(get(op, "requestBody"));
		if (rt->body == BODY_JSON) {
			struct json_object *schema =
			    get(get(get(rb, "content"), "application/json"), "schema");
			if (!CHECK_MSG(schema != NULL,
				       "JSON route has an application/json requestBody"))
				where(rt);
			/* required: true, or false where no body at all stands for {} (a step
			 * without fields of its own) */
			struct json_object *req = get(rb, "required");
			CHECK(req && json_object_is_type(req, json_type_boolean));
			static const char *const codes[] = {"400", "413", "415", "422"};
			for (int k = 0; k < 4; k++)
				if (!CHECK_MSG(response(rt, codes[k]) != NULL,
					       "JSON route documents 400/413/415/422")) {
					where(rt);
					fprintf(stderr, "\tmissing %s\n", codes[k]);
				}
			/* the documented body cap is the table's */
			struct json_object *mb = get(op, "x-max-body-bytes");
			if (!CHECK_MSG(mb != NULL, "JSON route states x-max-body-bytes") ||
			    !CHECK_INT_EQ(json_object_get_int64(mb), rt->max_body))
				where(rt);
			/* the body schema refuses unknown fields, as jspec does */
			struct json_object *s = resolve(schema);
			struct json_object *ap = get(s, "additionalProperties");
			if (!CHECK_MSG(ap && json_object_is_type(ap, json_type_boolean) &&
					   !json_object_get_boolean(ap),
				       "body schema has additionalProperties: false"))
				where(rt);
		} else if (rt->body == BODY_FORM) {
			if (!CHECK_MSG(get(get(rb, "content"), "application/x-www-form-urlencoded"),
				       "form route has an x-www-form-urlencoded requestBody"))
				where(rt);
			struct json_object *mb = get(op, "x-max-body-bytes");
			if (!CHECK_MSG(mb != NULL, "form route states x-max-body-bytes") ||
			    !CHECK_INT_EQ(json_object_get_int64(mb), rt->max_body))
				where(rt);
		} else {
			if (!CHECK_MSG(rb == NULL, "route without a body documents no requestBody"))
				where(rt);
		}
	}
}

static int has_retry_after(struct json_object *r)
{
	return get(get(resolve(r), "headers"), "Retry-After") != NULL;
}

static void test_idempotency_and_availability(void)
{
	for (size_t i = 0; i < handler_nroutes; i++) {
		const struct route *rt = &handler_routes[i];
		if (!operation(rt))
			continue;
		struct json_object *ik = param(rt, "header", "Idempotency-Key");
		if (rt->tx == TX_WRITE && !(rt->flags & ROUTE_NO_IDEMPOTENCY)) {
			if (!CHECK_MSG(ik != NULL, "a write documents the Idempotency-Key header"))
				where(rt);
			if (!CHECK_MSG(response(rt, "409") && response(rt, "422"),
				       "an idempotent write documents 409 and 422"))
				where(rt);
		} else {
			if (!CHECK_MSG(ik == NULL,
				       "Idempotency-Key only where the server stores it"))
				where(rt);
		}
		/* anything that needs the database (a transaction, or a session lookup) */
		if (rt->tx != TX_NONE || rt->roles) {
			struct json_object *r = response(rt, "503");
			if (!CHECK_MSG(r && has_retry_after(r),
				       "a database-backed route documents 503 with Retry-After"))
				where(rt);
		}
	}
	/* login: throttled with 429 and Retry-After */
	for (size_t i = 0; i < handler_nroutes; i++) {
		const struct route *rt = &handler_routes[i];
		if (strcmp(rt->method, "POST") || strcmp(rt->pattern, "/api/v1/session"))
			continue;
		struct json_object *r = response(rt, "429");
		CHECK_MSG(r && has_retry_after(r), "login documents 429 with Retry-After");
	}
}

/* Path parameters: each {x} declared (in: path, required), none declared in vain. */
static void test_path_params(void)
{
	for (size_t i = 0; i < handler_nroutes; i++) {
		const struct route *rt = &handler_routes[i];
		if (!operation(rt))
			continue;
		int n = 0;
		for (const char *p = strchr(rt->pattern, '{'); p; p = strchr(p + 1, '{')) {
			const char *c = strchr(p, '}');
			if (!c)
				break;
			char name[64];
			snprintf(name, sizeof name, "%.*s", (int)(c - p - 1), p + 1);
			n++;
			struct json_object *pp = param(rt, "path", name);
			struct json_object *req = get(pp, "required");
			if (!CHECK_MSG(pp && req && json_object_get_boolean(req),
				       "path parameter declared, required")) {
				where(rt);
				fprintf(stderr, "\tparameter {%s}\n", name);
			}
		}
		/* count declared path parameters */
		int declared = 0;
		struct json_object *lists[2] = {
		    get(operation(rt), "parameters"),
		    get(get(get(doc, "paths"), rt->pattern), "parameters")};
		for (int l = 0; l < 2; l++)
			for (size_t k = 0; lists[l] && k < json_object_array_length(lists[l]);
			     k++) {
				const char *in =
				    get_str(resolve(json_object_array_get_idx(lists[l], k)), "in");
				declared += in && !strcmp(in, "path");
			}
		if (!CHECK_INT_EQ(declared, n))
			where(rt);
	}
}

/*
 * A list answer {items, next_cursor} goes with limit and cursor, and back.
 * A short list served whole (next_cursor documented as always null) takes
 * neither.
 */
static void test_lists(void)
{
	int lists = 0;
	for (size_t i = 0; i < handler_nroutes; i++) {
		const struct route *rt = &handler_routes[i];
		if (!operation(rt))
			continue;
		struct json_object *schema = resolve(
		    get(get(get(resolve(response(rt, "200")), "content"), "application/json"),
			"schema"));
		struct json_object *props = get(schema, "properties");
		int is_list = get(props, "items") && get(props, "next_cursor");
		const char *nct = get_str(resolve(get(props, "next_cursor")), "type");
		int one_page = is_list && nct && !strcmp(nct, "null");
		int paged = param(rt, "query", "limit") && param(rt, "query", "cursor");
		int is_paged_list = is_list && !one_page;
		lists += is_paged_list;
		if (!CHECK_INT_EQ(is_paged_list, paged))
			where(rt);
		if (one_page &&
		    !CHECK_MSG(!param(rt, "query", "limit") && !param(rt, "query", "cursor"),
			       "a one-page list takes neither limit nor cursor"))
			where(rt);
		if (is_list) {
			struct json_object *items = resolve(get(props, "items"));
			const char *t = get_str(items, "type");
			CHECK_STR_EQ(t, "array");
		}
		if (is_paged_list &&
		    !CHECK_MSG(response(rt, "400") != NULL, "a paged list documents 400"))
			where(rt);
	}
	CHECK(lists >= 2); /* users and teams */
}

/* The enums the server checks are the enums the document shows. */
static void test_enums_match_domain(void)
{
	struct json_object *schemas = get(get(doc, "components"), "schemas");
	struct {
		const char *schema;
		const char *const *values;
	} pairs[] = {{"Role", domain_roles}, {"DeviceKind", domain_device_kinds}};
	for (size_t p = 0; p < sizeof pairs / sizeof pairs[0]; p++) {
		struct json_object *en = get(get(schemas, pairs[p].schema), "enum");
		if (!CHECK_NOT_NULL(en)) {
			fprintf(stderr, "\tschema %s\n", pairs[p].schema);
			continue;
		}
		size_t n = 0;
		for (; pairs[p].values[n]; n++)
			if (n < json_object_array_length(en))
				CHECK_STR_EQ(
				    json_object_get_string(json_object_array_get_idx(en, n)),
				    pairs[p].values[n]);
		if (!CHECK_INT_EQ(json_object_array_length(en), n))
			fprintf(stderr, "\tschema %s\n", pairs[p].schema);
	}
	/* the problem shape the replies build */
	struct json_object *problem = get(schemas, "Problem");
	struct json_object *props = get(problem, "properties");
	static const char *const members[] = {"type",	"title",  "status",    "code",
					      "detail", "errors", "request_id"};
	for (size_t k = 0; k < sizeof members / sizeof members[0]; k++)
		if (!CHECK_NOT_NULL(get(props, members[k])))
			fprintf(stderr, "\tProblem.%s\n", members[k]);
	struct json_object *fe = resolve(get(get(props, "errors"), "items"));
	CHECK_NOT_NULL(get(get(fe, "properties"), "field"));
	CHECK_NOT_NULL(get(get(fe, "properties"), "message"));
}

/* Every code of the error registry is named (`code`) somewhere in the document. */
static void test_error_codes_documented(void)
{
	for (int i = 0; i < ERR__COUNT; i++) {
		const char *code = err_get((enum err_id)i)->code;
		char needle[80];
		snprintf(needle, sizeof needle, "`%s`", code);
		if (!CHECK_MSG(strstr(doc_text, needle) != NULL, "registry code is documented"))
			fprintf(stderr, "\tcode %s\n", code);
	}
}

int main(void)
{
	const struct embed_file *f = embed_find(embed_docs, embed_docs_count, "openapi.json");
	if (!f) {
		fprintf(stderr, "openapi.json is not embedded\n");
		return 1;
	}
	doc_text = (const char *)f->data;
	struct json_tokener *tok = json_tokener_new();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	doc = json_tokener_parse_ex(tok, doc_text, (int)f->len);
	enum json_tokener_error e = json_tokener_get_error(tok);
	json_tokener_free(tok);
	if (!doc || e != json_tokener_success) {
		fprintf(stderr, "docs/openapi.json is not valid JSON: %s\n",
			json_tokener_error_desc(e));
		return 1;
	}
	CHECK_RUN(test_document);
	CHECK_RUN(test_security_schemes);
	CHECK_RUN(test_every_route_documented);
	CHECK_RUN(test_no_extra_operations);
	CHECK_RUN(test_refs_resolve);
	CHECK_RUN(test_operations);
	CHECK_RUN(test_auth);
	CHECK_RUN(test_bodies);
	CHECK_RUN(test_idempotency_and_availability);
	CHECK_RUN(test_path_params);
	CHECK_RUN(test_lists);
	CHECK_RUN(test_enums_match_domain);
	CHECK_RUN(test_error_codes_documented);
	json_object_put(doc);
	return CHECK_DONE();
}
