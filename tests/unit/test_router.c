/* Route matching against the real table and against small local tables. */
#include "check.h"
#include "fieldd/arena.h"
#include "fieldd/handlers.h"
#include "fieldd/http.h"
#include "fieldd/router.h"

#include <string.h>

struct match {
	enum router_result res;
	int idx, np;
	const char *params[HTTP_MAX_PARAMS];
	char allow[64];
};

static struct arena *A;

static struct match run_n(const struct route *t, size_t n, const char *method, const char *path,
			  size_t allowlen)
{
	struct match m;
	memset(&m, 0, sizeof m);
	m.idx = -1;
	m.np = -1;
	m.res = router_match(A, t, n, method, path, &m.idx, m.params, &m.np, m.allow, allowlen);
	return m;
}

static struct match run(const struct route *t, size_t n, const char *method, const char *path)
{
	return run_n(t, n, method, path, sizeof(((struct match *)0)->allow));
}

static struct match real(const char *method, const char *path)
{
	return run(handler_routes, handler_nroutes, method, path);
}

/* Index of the row (method, pattern) in the real table, -1 when absent. */
static int row(const char *method, const char *pattern)
{
	for (size_t i = 0; i < handler_nroutes; i++)
		if (!strcmp(handler_routes[i].method, method) &&
		    !strcmp(handler_routes[i].pattern, pattern))
			return (int)i;
	return -1;
}

/* ---- the real table ---- */

static void test_real_literal(void)
{
	struct match m = real("GET", "/healthz");
	CHECK_INT_EQ(m.res, ROUTER_FOUND);
	CHECK_INT_EQ(m.idx, row("GET", "/healthz"));
	CHECK_INT_EQ(m.np, 0);

	/* the root is the web apps' front door, and only the root */
	m = real("GET", "/");
	CHECK_INT_EQ(m.res, ROUTER_FOUND);
	CHECK_INT_EQ(m.idx, row("GET", "/"));
	CHECK_INT_EQ(m.np, 0);

	m = real("POST", "/api/v1/session");
	CHECK_INT_EQ(m.res, ROUTER_FOUND);
	CHECK_INT_EQ(m.idx, row("POST", "/api/v1/session"));
	CHECK_INT_EQ(handler_routes[m.idx].body, BODY_JSON);
	CHECK_INT_EQ(handler_routes[m.idx].roles, 0);

	m = real("DELETE", "/api/v1/session");
	CHECK_INT_EQ(m.res, ROUTER_FOUND);
	CHECK_INT_EQ(m.idx, row("DELETE", "/api/v1/session"));
	CHECK(handler_routes[m.idx].roles != 0);

	m = real("GET", "/api/v1/openapi.json");
	CHECK_INT_EQ(m.res, ROUTER_FOUND);
	CHECK_INT_EQ(m.idx, row("GET", "/api/v1/openapi.json"));
}

static void test_real_params(void)
{
	struct match m = real("GET", "/api/v1/users/42");
	CHECK_INT_EQ(m.res, ROUTER_FOUND);
	CHECK_INT_EQ(m.idx, row("GET", "/api/v1/users/{id}"));
	CHECK_INT_EQ(m.np, 1);
	CHECK_STR_EQ(m.params[0], "42");

	m = real("PATCH", "/api/v1/users/7");
	CHECK_INT_EQ(m.res, ROUTER_FOUND);
	CHECK_INT_EQ(m.idx, row("PATCH", "/api/v1/users/{id}"));
	CHECK_STR_EQ(m.params[0], "7");

	/* the router does not judge a parameter; the handler answers 404 for "abc" */
	m = real("GET", "/api/v1/teams/abc");
	CHECK_INT_EQ(m.res, ROUTER_FOUND);
	CHECK_INT_EQ(m.idx, row("GET", "/api/v1/teams/{id}"));
	CHECK_STR_EQ(m.params[0], "abc");

	/* the collection is not the item */
	m = real("GET", "/api/v1/users");
	CHECK_INT_EQ(m.idx, row("GET", "/api/v1/users"));
	CHECK_INT_EQ(m.np, 0);
}

static void test_real_not_found(void)
{
	static const char *const paths[] = {
	    "/api/v1/users/",	 /* trailing slash */
	    "/healthz/",	 /* trailing slash on a literal */
	    "/api/v1/users//",	 /* empty parameter segment */
	    "/api//v1/users",	 /* empty literal segment */
	    "//healthz",	 /* empty first segment */
	    "/api/v1/users/1/x", /* too many segments */
	    "/api/v1",		 /* too few */
	    "/api/v1/",		 /* too few, trailing slash */
	    "",			 /* nothing */
	    "healthz",		 /* no leading slash */
	    "*",		 /* OPTIONS * */
	    "/API/v1/me",	 /* case matters */
	    "/healthzz",	 /* prefix of a literal is not enough */
	    "/healthz.json",	 /* nor a literal with a suffix */
	    "/api/v1/me/",	 /* trailing slash */
	    "/api/v1/users?x=1", /* MHD strips the query; a literal '?' is not a route */
	};
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		struct match m = real("GET", paths[i]);
		if (!CHECK_INT_EQ(m.res, ROUTER_NOT_FOUND))
			fprintf(stderr, "\tpath: \"%s\"\n", paths[i]);
		CHECK_STR_EQ(m.allow, "");
	}
}

static void test_real_method_not_allowed(void)
{
	struct match m = real("DELETE", "/api/v1/users/42");
	CHECK_INT_EQ(m.res, ROUTER_METHOD);
	CHECK_STR_EQ(m.allow, "GET, PATCH");
	CHECK_INT_EQ(m.idx, -1);

	m = real("PUT", "/api/v1/session");
	CHECK_INT_EQ(m.res, ROUTER_METHOD);
	CHECK_STR_EQ(m.allow, "POST, DELETE");

	m = real("GET", "/api/v1/session");
	CHECK_INT_EQ(m.res, ROUTER_METHOD);
	CHECK_STR_EQ(m.allow, "POST, DELETE");

	m = real("POST", "/healthz");
	CHECK_INT_EQ(m.res, ROUTER_METHOD);
	CHECK_STR_EQ(m.allow, "GET");

	m = real("OPTIONS", "/api/v1/users");
	CHECK_INT_EQ(m.res, ROUTER_METHOD);
	CHECK_STR_EQ(m.allow, "GET, POST");

	/* methods are case-sensitive (RFC 9110 §9.1) */
	m = real("get", "/healthz");
	CHECK_INT_EQ(m.res, ROUTER_METHOD);
}

static void test_real_head(void)
{
	struct match m = real("HEAD", "/api/v1/me");
	CHECK_INT_EQ(m.res, ROUTER_FOUND);
	CHECK_INT_EQ(m.idx, row("GET", "/api/v1/me"));

	m = real("HEAD", "/api/v1/users/9");
	CHECK_INT_EQ(m.res, ROUTER_FOUND);
	CHECK_INT_EQ(m.idx, row("GET", "/api/v1/users/{id}"));
	CHECK_STR_EQ(m.params[0], "9");

	/* HEAD only stands in for GET */
	m = real("HEAD", "/api/v1/session");
	CHECK_INT_EQ(m.res, ROUTER_METHOD);
	CHECK_STR_EQ(m.allow, "POST, DELETE");
}

/* Every row is reachable: its own pattern, with params filled in, finds it. */
static void test_real_every_row_reachable(void)
{
	for (size_t i = 0; i < handler_nroutes; i++) {
		const struct route *rt = &handler_routes[i];
		char path[256];
		size_t o = 0;
		int nparams = 0;
		for (const char *p = rt->pattern; *p && o + 2 < sizeof path;) {
			if (*p == '{') {
				const char *c = strchr(p, '}');
				if (!CHECK_NOT_NULL(c))
					break;
				o += (size_t)snprintf(path + o, sizeof path - o, "p%d", nparams++);
				p = c + 1;
			} else {
				path[o++] = *p++;
			}
		}
		path[o] = '\0';
		struct match m = real(rt->method, path);
		if (!CHECK_INT_EQ(m.res, ROUTER_FOUND) || !CHECK_INT_EQ(m.idx, (int)i))
			fprintf(stderr, "\troute: %s %s (path %s)\n", rt->method, rt->pattern,
				path);
		CHECK_INT_EQ(m.np, nparams);
		for (int k = 0; k < nparams && k < m.np; k++) {
			char want[16];
			snprintf(want, sizeof want, "p%d", k);
			CHECK_STR_EQ(m.params[k], want);
		}
	}
}

/* The table itself: no duplicate rows, sane bodies and roles. */
static void test_real_table_shape(void)
{
	static const char *const methods[] = {"GET", "POST", "PUT", "PATCH", "DELETE", NULL};
	CHECK(handler_nroutes > 0);
	for (size_t i = 0; i < handler_nroutes; i++) {
		const struct route *rt = &handler_routes[i];
		int known = 0;
		for (const char *const *m = methods; *m; m++)
			known |= !strcmp(*m, rt->method);
		if (!CHECK_MSG(known, "route method is one of GET POST PUT PATCH DELETE"))
			fprintf(stderr, "\troute: %s %s\n", rt->method, rt->pattern);
		size_t pl = strlen(rt->pattern);
		CHECK(rt->pattern[0] == '/');
		CHECK(pl == 1 || rt->pattern[pl - 1] != '/');
		CHECK(strstr(rt->pattern, "//") == NULL);
		CHECK(rt->fn != NULL);
		CHECK((rt->roles & ~(unsigned)ROLES_ANY) == 0);
		if (rt->body != BODY_NONE) { /* JSON, or a plain HTML form's fields */
			CHECK(rt->max_body > 0);
			CHECK(strcmp(rt->method, "GET") != 0);
		} else {
			CHECK_INT_EQ(rt->max_body, 0);
		}
		/* a write that changes state runs in a write transaction, or not at all */
		if (strcmp(rt->method, "GET") != 0 && rt->tx != TX_NONE)
			CHECK_INT_EQ(rt->tx, TX_WRITE);
		for (size_t j = 0; j < i; j++)
			if (!CHECK(strcmp(handler_routes[j].method, rt->method) ||
				   strcmp(handler_routes[j].pattern, rt->pattern)))
				fprintf(stderr, "\tduplicate: %s %s\n", rt->method, rt->pattern);
	}
}

/* ---- local tables ---- */

#define R(m, p)                                                                                    \
	{                                                                                          \
		m, p, NULL, BODY_NONE, 0, 0, TX_NONE, 0                                            \
	}

static const struct route local[] = {
    R("GET", "/things"),
    R("POST", "/things"),
    R("GET", "/things/new"), /* a literal before the parameter row wins */
    R("GET", "/things/{id}"),
    R("DELETE", "/things/{id}"),
    R("GET", "/things/{id}/parts/{part}"),
    R("GET", "/cal/{token}.ics"),
    R("GET", "/t/{tracking}/appointment.ics"),
    R("POST", "/a/{b}/{c}/{d}/{e}"),
    R("POST", "/a/{b}/{c}/{d}/{e}/{f}"), /* five parameters: more than HTTP_MAX_PARAMS */
};
static const size_t nlocal = sizeof local / sizeof local[0];

static struct match loc(const char *method, const char *path)
{
	return run(local, nlocal, method, path);
}

static void test_local_literal_and_params(void)
{
	struct match m = loc("GET", "/things");
	CHECK_INT_EQ(m.res, ROUTER_FOUND);
	CHECK_INT_EQ(m.idx, 0);
	m = loc("POST", "/things");
	CHECK_INT_EQ(m.idx, 1);
	m = loc("GET", "/things/new");
	CHECK_INT_EQ(m.idx, 2);
	CHECK_INT_EQ(m.np, 0);
	m = loc("GET", "/things/old");
	CHECK_INT_EQ(m.idx, 3);
	CHECK_STR_EQ(m.params[0], "old");
	/* DELETE /things/new: the literal row has no DELETE, the {id} row does */
	m = loc("DELETE", "/things/new");
	CHECK_INT_EQ(m.res, ROUTER_FOUND);
	CHECK_INT_EQ(m.idx, 4);
	CHECK_STR_EQ(m.params[0], "new");

	m = loc("GET", "/things/12/parts/%EA%B9%80");
	CHECK_INT_EQ(m.res, ROUTER_FOUND);
	CHECK_INT_EQ(m.idx, 5);
	CHECK_INT_EQ(m.np, 2);
	CHECK_STR_EQ(m.params[0], "12");
	CHECK_STR_EQ(m.params[1], "%EA%B9%80");

	/* a Korean (UTF-8) segment is one segment like any other */
	m = loc("GET", "/things/김철수");
	CHECK_INT_EQ(m.res, ROUTER_FOUND);
	CHECK_STR_EQ(m.params[0], "김철수");

	m = loc("POST", "/a/1/2/3/4");
	CHECK_INT_EQ(m.res, ROUTER_FOUND);
	CHECK_INT_EQ(m.np, 4);
	CHECK_STR_EQ(m.params[3], "4");
	/* the five-parameter row can never match: params[] has HTTP_MAX_PARAMS slots */
	m = loc("POST", "/a/1/2/3/4/5");
	CHECK_INT_EQ(m.res, ROUTER_NOT_FOUND);
}

static void test_local_suffix(void)
{
	struct match m = loc("GET", "/cal/AbC-_9.ics");
	CHECK_INT_EQ(m.res, ROUTER_FOUND);
	CHECK_INT_EQ(m.idx, 6);
	CHECK_INT_EQ(m.np, 1);
	CHECK_STR_EQ(m.params[0], "AbC-_9");

	m = loc("GET", "/cal/a.b.ics");
	CHECK_INT_EQ(m.res, ROUTER_FOUND);
	CHECK_STR_EQ(m.params[0], "a.b");

	static const char *const misses[] = {
	    "/cal/.ics",     /* empty token */
	    "/cal/abc",	     /* no suffix */
	    "/cal/abc.ICS",  /* suffix is literal, case included */
	    "/cal/abc.icsx", /* suffix must end the segment */
	    "/cal/ics",	     /* shorter than the suffix */
	    "/cal/abc.ics/", /* trailing slash */
	    "/cal/",	     /* empty segment */
	    "/cal",
	};
	for (size_t i = 0; i < sizeof misses / sizeof misses[0]; i++) {
		m = loc("GET", misses[i]);
		if (!CHECK_INT_EQ(m.res, ROUTER_NOT_FOUND))
			fprintf(stderr, "\tpath: \"%s\"\n", misses[i]);
	}

	m = loc("GET", "/t/XyZ/appointment.ics");
	CHECK_INT_EQ(m.res, ROUTER_FOUND);
	CHECK_INT_EQ(m.idx, 7);
	CHECK_STR_EQ(m.params[0], "XyZ");
	m = loc("GET", "/t/XyZ/appointment");
	CHECK_INT_EQ(m.res, ROUTER_NOT_FOUND);
}

static void test_local_empty_and_trailing(void)
{
	static const char *const misses[] = {
	    "/things/",		  "/things//parts/x", "/things/1/parts/", "/things/1/parts",
	    "/things/1/parts/x/", "//things",	      "/things/1/2",
	};
	for (size_t i = 0; i < sizeof misses / sizeof misses[0]; i++) {
		struct match m = loc("GET", misses[i]);
		if (!CHECK_INT_EQ(m.res, ROUTER_NOT_FOUND))
			fprintf(stderr, "\tpath: \"%s\"\n", misses[i]);
	}
}

static void test_local_allow(void)
{
	/* several rows match /things/new: GET from two of them is listed once */
	struct match m = loc("PUT", "/things/new");
	CHECK_INT_EQ(m.res, ROUTER_METHOD);
	CHECK_STR_EQ(m.allow, "GET, DELETE");

	m = loc("DELETE", "/things");
	CHECK_INT_EQ(m.res, ROUTER_METHOD);
	CHECK_STR_EQ(m.allow, "GET, POST");

	m = loc("HEAD", "/a/1/2/3/4");
	CHECK_INT_EQ(m.res, ROUTER_METHOD);
	CHECK_STR_EQ(m.allow, "POST");

	m = loc("HEAD", "/cal/x.ics");
	CHECK_INT_EQ(m.res, ROUTER_FOUND);
	CHECK_INT_EQ(m.idx, 6);

	/* a short Allow buffer holds whole method names only, never a cut-off one */
	m = run_n(local, nlocal, "PUT", "/things/new", 8);
	CHECK_INT_EQ(m.res, ROUTER_METHOD);
	CHECK_STR_EQ(m.allow, "GET");
	m = run_n(local, nlocal, "PUT", "/things/new", 4);
	CHECK_STR_EQ(m.allow, "GET");
	m = run_n(local, nlocal, "PUT", "/things/new", 3);
	CHECK_STR_EQ(m.allow, "");
}

/* pattern alone, as a one-row table: does it match path? */
static bool path_matches(const char *pattern, const char *path)
{
	const struct route one[] = {{.method = "GET", .pattern = pattern, .tx = TX_NONE}};
	return run(one, 1, "GET", path).res == ROUTER_FOUND;
}

static void test_path_matches(void)
{
	CHECK(path_matches("/api/v1/users/{id}", "/api/v1/users/1"));
	CHECK(!path_matches("/api/v1/users/{id}", "/api/v1/users"));
	CHECK(!path_matches("/api/v1/users/{id}", "/api/v1/users/"));
	CHECK(path_matches("/cal/{token}.ics", "/cal/t.ics"));
	CHECK(!path_matches("/cal/{token}.ics", "/cal/.ics"));
	CHECK(path_matches("/healthz", "/healthz"));
	CHECK(!path_matches("/healthz", "/healthz/"));
}

static void setup_and(void (*fn)(void), const char *name)
{
	A = arena_new();
	check_run_(name, fn);
	arena_free(A);
	A = NULL;
}
#define RUN(fn) setup_and(fn, #fn)

int main(void)
{
	RUN(test_real_literal);
	RUN(test_real_params);
	RUN(test_real_not_found);
	RUN(test_real_method_not_allowed);
	RUN(test_real_head);
	RUN(test_real_every_row_reachable);
	RUN(test_real_table_shape);
	RUN(test_local_literal_and_params);
	RUN(test_local_suffix);
	RUN(test_local_empty_and_trailing);
	RUN(test_local_allow);
	RUN(test_path_matches);
	return CHECK_DONE();
}
