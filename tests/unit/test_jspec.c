/* Strict JSON tokenizing and declarative field parsing. */
#include "check.h"
#include "fieldd/arena.h"
#include "fieldd/jspec.h"

#include <json-c/json.h>
#include <stdint.h>
#include <string.h>

static struct arena *A;

/* ---- tokenizing ---- */

static struct json_object *tok_n(const char *s, size_t n, const char **why)
{
	*why = NULL;
	return jspec_tokenize(A, s, n, why);
}

/* sizeof - 1, so embedded NULs count */
#define TOK(lit, why) tok_n(lit, sizeof(lit) - 1, why)

static void expect_ok_n(const char *s, size_t n, const char *file, int line)
{
	const char *why;
	struct json_object *o = tok_n(s, n, &why);
	if (!check_true_(o != NULL, file, line, "jspec_tokenize accepts the body"))
		fprintf(stderr, "\tbody: %.*s\n\twhy: %s\n", (int)n, s, why ? why : "(none)");
}

static void expect_bad_n(const char *s, size_t n, const char *want_why, const char *file, int line)
{
	const char *why;
	struct json_object *o = tok_n(s, n, &why);
	if (!check_true_(o == NULL, file, line, "jspec_tokenize refuses the body")) {
		fprintf(stderr, "\tbody: %.*s\n", (int)n, s);
		return;
	}
	if (!check_true_(why && *why, file, line, "a reason is given"))
		return;
	if (want_why && !check_str_has_(why, want_why, file, line, "why", "want_why"))
		fprintf(stderr, "\tbody: %.*s\n", (int)n, s);
}

#define ACCEPT(lit)	 expect_ok_n(lit, sizeof(lit) - 1, __FILE__, __LINE__)
#define REFUSE(lit, why) expect_bad_n(lit, sizeof(lit) - 1, why, __FILE__, __LINE__)
#define ACCEPT_S(s)	 expect_ok_n(s, strlen(s), __FILE__, __LINE__)
#define REFUSE_S(s, why) expect_bad_n(s, strlen(s), why, __FILE__, __LINE__)

static void test_tokenize_basic(void)
{
	const char *why;
	struct json_object *o = TOK("{\"a\":1,\"b\":\"김철수\",\"c\":[true,null,1.5]}", &why);
	if (!CHECK_NOT_NULL(o))
		return;
	CHECK(json_object_is_type(o, json_type_object));
	struct json_object *b;
	CHECK(json_object_object_get_ex(o, "b", &b));
	CHECK_STR_EQ(json_object_get_string(b), "김철수");

	ACCEPT("{}");
	ACCEPT("[]");
	ACCEPT("{\"a\":{}}");
	ACCEPT(" \t\r\n{\"a\":1}");
	/* whitespace after the value is fine */
	ACCEPT("{\"a\":1}\n");
	ACCEPT("{\"a\":1}  \r\n\t ");
	ACCEPT("{\"a\":\"\\u00e9\\uD55C\"}");
	ACCEPT("{\"a\":\"\\ud83d\\ude00\"}"); /* a surrogate pair escape */
	ACCEPT("{\"a\":-0.5e-3}");
}

static void test_tokenize_trailing_and_truncated(void)
{
	REFUSE("", "empty");
	REFUSE("{\"a\":1}x", NULL);
	REFUSE("{\"a\":1}{}", NULL);
	REFUSE("{\"a\":1},", NULL);
	REFUSE("{\"a\":1} //", NULL);
	REFUSE("{\"a\":1", NULL);
	REFUSE("{\"a\":", NULL);
	REFUSE("{\"a", NULL);
	REFUSE("{", NULL);
	REFUSE("[1,2", NULL);
	REFUSE("{\"a\":\"abc", NULL);
	REFUSE("   ", NULL);
	REFUSE("\n", NULL);
}

static void test_tokenize_strict(void)
{
	REFUSE("{'a':1}", NULL);    /* single quotes */
	REFUSE("{a:1}", NULL);	    /* bare key */
	REFUSE("{\"a\":1,}", NULL); /* trailing comma */
	REFUSE("[1,]", NULL);
	REFUSE("{\"a\":NaN}", NULL);
	REFUSE("{\"a\":Infinity}", NULL);
	REFUSE("{\"a\":-Infinity}", NULL);
	REFUSE("{\"a\":01}", NULL); /* leading zero */
	REFUSE("{\"a\":.5}", NULL);
	REFUSE("{\"a\":+1}", NULL);
	REFUSE("{\"a\":True}", NULL);
	REFUSE("{\"a\":nul}", NULL);
	REFUSE("{\"a\":1 /* c */}", NULL);
	REFUSE("{\"a\":\"\\x41\"}", NULL);     /* not a JSON escape */
	REFUSE("{\"a\":\"tab\there\"}", NULL); /* raw control character in a string */
	REFUSE("{\"a\":\"line\nbreak\"}", NULL);
	REFUSE("{\"a\":\"\x01\"}", NULL);
	REFUSE("{\"a\":\"\x1f\"}", NULL);
	ACCEPT("{\"a\":\"x\"\t}");		     /* a tab outside a string is whitespace */
	ACCEPT("{\"a\":\"say \\\"it's\\\" \\\\\"}"); /* quotes and backslashes escaped */
	REFUSE("{\"a\":1e400}", NULL);		     /* infinite */
	REFUSE("{\"a\":-1e400}", NULL);
	REFUSE("{\"a\":\"x\",'b':1}", NULL);
}

static void test_tokenize_utf8(void)
{
	REFUSE("{\"a\":\"\xff\"}", "UTF-8");
	REFUSE("{\"a\":\"\x80\"}", "UTF-8");
	REFUSE("{\"a\":\"\xea\xb9\"}", "UTF-8");	 /* truncated 김 */
	REFUSE("{\"a\":\"\xc0\xaf\"}", "UTF-8");	 /* overlong '/' */
	REFUSE("{\"a\":\"\xc0\x80\"}", "UTF-8");	 /* overlong NUL */
	REFUSE("{\"a\":\"\xe0\x80\xaf\"}", "UTF-8");	 /* overlong 3-byte */
	REFUSE("{\"a\":\"\xf0\x80\x80\xaf\"}", "UTF-8"); /* overlong 4-byte */
	REFUSE("{\"a\":\"\xed\xa0\x80\"}", "UTF-8");	 /* encoded surrogate */
	REFUSE("{\"a\":\"\xf4\x90\x80\x80\"}", "UTF-8"); /* past U+10FFFF */
	REFUSE("{\"\xff\":1}", "UTF-8");		 /* in a key */
	REFUSE("\xef\xbb\xbf{}", NULL);			 /* a BOM is not JSON (RFC 8259 §8.1) */
}

static void test_tokenize_nul(void)
{
	/* "\u0000" would cut C strings short ("admin\u0000x" read as "admin") */
	REFUSE("{\"a\":\"admin\\u0000x\"}", "NUL");
	REFUSE("{\"a\\u0000\":1}", "NUL");
	REFUSE("{\"a\":[\"\\u0000\"]}", "NUL");
	/* an escaped backslash then the text u0000 is no NUL */
	ACCEPT("{\"a\":\"\\\\u0000\"}");
	ACCEPT("{\"a\":\"\\u0001\"}");
	REFUSE("{\"a\":1}\0", NULL);
	REFUSE("{\"a\":\"x\0y\"}", NULL);
	REFUSE("\0{\"a\":1}", NULL);
	REFUSE("{\"a\":1\0}", NULL);
}

/* json-c would store a lone surrogate as U+FFFD: the text would change */
static void test_tokenize_surrogates(void)
{
	REFUSE("{\"a\":\"\\ud800\"}", "surrogate");
	REFUSE("{\"a\":\"\\udc00\"}", "surrogate");
	REFUSE("{\"a\":\"x\\uD83Dy\"}", "surrogate");
	REFUSE("{\"a\":\"\\ud83d\\u0041\"}", "surrogate");
	REFUSE("{\"a\":\"\\ud83d\\ud83d\"}", "surrogate");
	REFUSE("{\"\\ud800\":1}", "surrogate");
	REFUSE("{\"a\":[\"ok\",\"\\udfff\"]}", "surrogate");
	/* a pair is one character; an escaped backslash before u is no escape */
	ACCEPT("{\"a\":\"\\ud83d\\ude00\"}");
	ACCEPT("{\"a\":\"\\\\ud800\"}");
	ACCEPT("{\"a\":\"\\u00e9\\u20ac\"}");
	const char *why;
	struct json_object *o = TOK("{\"a\":\"\\ud83d\\ude00\"}", &why);
	struct json_object *v;
	if (CHECK_NOT_NULL(o) && CHECK(json_object_object_get_ex(o, "a", &v)))
		CHECK_STR_EQ(json_object_get_string(v), "\xf0\x9f\x98\x80");
}

/* json-c keeps the last of two equal keys: {"role":"engineer","role":"admin"} */
static void test_tokenize_duplicate_keys(void)
{
	REFUSE("{\"a\":1,\"a\":2}", "\"a\" appears twice");
	REFUSE("{\"role\":\"x\",\"b\":1,\"role\":\"y\"}", "\"role\"");
	/* the same key spelt with an escape is the same key */
	REFUSE("{\"a\":1,\"\\u0061\":2}", "\"a\"");
	REFUSE("{\"x\":{\"b\":1,\"b\":1}}", "\"b\"");
	REFUSE("{\"x\":[{\"c\":1},{\"d\":1,\"d\":2}]}", "\"d\"");
	/* equal keys in different objects are fine, and so are equal values */
	ACCEPT("{\"a\":{\"a\":1},\"b\":{\"a\":2}}");
	ACCEPT("{\"a\":\"a\",\"b\":\"a\"}");
	ACCEPT("[{\"a\":1},{\"a\":2}]");
	ACCEPT("{\"ab\":1,\"a\":2,\"a \":3}");
}

/* depth d: d nested arrays */
static void test_tokenize_depth(void)
{
	char buf[128];
	for (int d = 1; d <= JSPEC_MAX_DEPTH + 2; d++) {
		int o = 0;
		for (int i = 0; i < d; i++)
			buf[o++] = '[';
		for (int i = 0; i < d; i++)
			buf[o++] = ']';
		buf[o] = '\0';
		if (d <= JSPEC_MAX_DEPTH)
			ACCEPT_S(buf);
		else
			REFUSE_S(buf, "deep");
	}
	/* objects count the same way */
	char ob[512];
	for (int d = JSPEC_MAX_DEPTH; d <= JSPEC_MAX_DEPTH + 1; d++) {
		int o = 0;
		for (int i = 0; i < d - 1; i++)
			o += snprintf(ob + o, sizeof ob - (size_t)o, "{\"a\":");
		o += snprintf(ob + o, sizeof ob - (size_t)o, "{}");
		for (int i = 0; i < d - 1; i++)
			ob[o++] = '}';
		ob[o] = '\0';
		if (d <= JSPEC_MAX_DEPTH)
			ACCEPT_S(ob);
		else
			REFUSE_S(ob, "deep");
	}
	CHECK_INT_EQ(JSPEC_MAX_DEPTH, 16);
}

/* ---- parsing against a spec ---- */

static void put_json(void *p)
{
	json_object_put(p);
}

/* Parses text (must tokenize) against spec; errors collected into *errs. */
static bool parse(const char *text, const struct jfield *spec, struct json_object **errs)
{
	const char *why;
	struct json_object *o = jspec_tokenize(A, text, strlen(text), &why);
	struct json_object *e = json_object_new_array();
	/* the error array is released with the arena */
	arena_defer(A, put_json, e);
	*errs = e;
	if (!o) {
		fprintf(stderr, "\ttest body does not tokenize (%s): %s\n", why, text);
		check_true_(0, __FILE__, __LINE__, "test body tokenizes");
		return false;
	}
	return jspec_parse(A, o, spec, e);
}

/* The message for field in errs, or NULL. */
static const char *err_for(struct json_object *errs, const char *field)
{
	for (size_t i = 0; i < json_object_array_length(errs); i++) {
		struct json_object *e = json_object_array_get_idx(errs, i), *f, *m;
		if (json_object_object_get_ex(e, "field", &f) &&
		    json_object_object_get_ex(e, "message", &m) &&
		    strcmp(json_object_get_string(f), field) == 0)
			return json_object_get_string(m);
	}
	return NULL;
}

static void dump_errs(struct json_object *errs)
{
	fprintf(stderr, "\terrors: %s\n", json_object_to_json_string(errs));
}

/* One field of type t with limits; accept/refuse a value text. */
static bool one(enum jtype t, int64_t min, int64_t max, const char *const *enums, void *out,
		const char *value, const char **msg)
{
	struct jfield spec[] = {
	    {"f", t, true, false, min, max, enums, out, NULL},
	    JSPEC_END,
	};
	char body[4096];
	snprintf(body, sizeof body, "{\"f\":%s}", value);
	struct json_object *errs;
	bool ok = parse(body, spec, &errs);
	*msg = err_for(errs, "f");
	if (ok && json_object_array_length(errs) != 0)
		check_true_(0, __FILE__, __LINE__, "success leaves errors empty");
	if (!ok && !*msg) {
		check_true_(0, __FILE__, __LINE__, "a failure names the field");
		dump_errs(errs);
	}
	return ok;
}

static void test_required_nullable_unknown(void)
{
	const char *name = NULL, *phone = "untouched";
	int64_t team = 99;
	bool has_phone = false, has_team = false;
	const struct jfield spec[] = {
	    {"name", J_STRING, true, false, 1, 100, NULL, &name, NULL},
	    {"phone", J_STRING, false, true, 1, 32, NULL, &phone, &has_phone},
	    {"team_id", J_ID, false, true, 0, 0, NULL, &team, &has_team},
	    JSPEC_END,
	};
	struct json_object *errs;

	CHECK(parse("{\"name\":\"김철수\"}", spec, &errs));
	CHECK_STR_EQ(name, "김철수");
	CHECK(!has_phone && !has_team);
	CHECK_STR_EQ(phone, "untouched");

	/* null is accepted where nullable: present is set, output not written */
	phone = NULL;
	CHECK(parse("{\"name\":\"a\",\"phone\":null,\"team_id\":null}", spec, &errs));
	CHECK(has_phone && has_team);
	CHECK_NULL(phone);

	CHECK(parse("{\"name\":\"a\",\"phone\":\"010-1234-5678\",\"team_id\":3}", spec, &errs));
	CHECK_STR_EQ(phone, "010-1234-5678");
	CHECK_INT_EQ(team, 3);

	/* required: missing, or null */
	CHECK(!parse("{}", spec, &errs));
	CHECK_STR_EQ(err_for(errs, "name"), "is required");
	CHECK(!parse("{\"name\":null}", spec, &errs));
	CHECK_NOT_NULL(err_for(errs, "name"));

	/* unknown fields are refused and named; every problem is reported at once */
	CHECK(!parse("{\"name\":\"a\",\"nmae\":\"b\",\"admin\":true}", spec, &errs));
	CHECK_NOT_NULL(err_for(errs, "nmae"));
	CHECK_NOT_NULL(err_for(errs, "admin"));
	CHECK_NULL(err_for(errs, "name"));
	CHECK(!parse("{\"nmae\":\"b\"}", spec, &errs));
	CHECK_NOT_NULL(err_for(errs, "nmae"));
	CHECK_NOT_NULL(err_for(errs, "name"));
	CHECK_INT_EQ(json_object_array_length(errs), 2);

	/* a non-nullable optional field refuses null */
	const char *role = NULL;
	static const char *const roles[] = {"admin", "lead", NULL};
	const struct jfield spec2[] = {
	    {"role", J_ENUM, false, false, 0, 0, roles, &role, NULL},
	    JSPEC_END,
	};
	CHECK(parse("{}", spec2, &errs));
	CHECK(!parse("{\"role\":null}", spec2, &errs));
	CHECK_NOT_NULL(err_for(errs, "role"));

	/* the body must be an object */
	const char *why;
	struct json_object *arr = jspec_tokenize(A, "[1]", 3, &why);
	struct json_object *e = json_object_new_array();
	CHECK(!jspec_parse(A, arr, spec2, e));
	CHECK_INT_EQ(json_object_array_length(e), 1);
	CHECK(!jspec_parse(A, NULL, spec2, e));
	json_object_put(e);
}

static void test_strings_in_characters(void)
{
	const char *s = NULL, *msg;
	/* 3 characters, 9 bytes */
	CHECK(one(J_STRING, 3, 3, NULL, &s, "\"김철수\"", &msg));
	CHECK_STR_EQ(s, "김철수");
	CHECK(!one(J_STRING, 3, 3, NULL, &s, "\"김철\"", &msg));
	CHECK_STR_HAS(msg, "at least 3");
	CHECK(!one(J_STRING, 3, 3, NULL, &s, "\"김철수호\"", &msg));
	CHECK_STR_HAS(msg, "at most 3");
	CHECK(one(J_STRING, 1, 5, NULL, &s, "\"서울시청\"", &msg));
	CHECK(!one(J_STRING, 1, 5, NULL, &s, "\"abcdef\"", &msg));
	CHECK(!one(J_STRING, 1, 5, NULL, &s, "\"\"", &msg));
	CHECK_STR_EQ(msg, "must not be empty");
	/* escapes count as the character they stand for */
	CHECK(one(J_STRING, 3, 3, NULL, &s, "\"\\uae40\\ucca0\\uc218\"", &msg));
	CHECK_STR_EQ(s, "김철수");
	/* a surrogate pair is one character */
	CHECK(one(J_STRING, 1, 1, NULL, &s, "\"\\ud83d\\ude00\"", &msg));
	/* no limits */
	CHECK(one(J_STRING, 0, 0, NULL, &s, "\"\"", &msg));
	CHECK_STR_EQ(s, "");
	/* wrong types */
	CHECK(!one(J_STRING, 0, 0, NULL, &s, "1", &msg));
	CHECK_STR_EQ(msg, "must be a string");
	CHECK(!one(J_STRING, 0, 0, NULL, &s, "[\"a\"]", &msg));
	CHECK(!one(J_STRING, 0, 0, NULL, &s, "{}", &msg));
	CHECK(!one(J_STRING, 0, 0, NULL, &s, "true", &msg));
}

static void test_integers(void)
{
	int64_t n = 0;
	const char *msg;
	CHECK(one(J_INT, 1, 5, NULL, &n, "1", &msg));
	CHECK_INT_EQ(n, 1);
	CHECK(one(J_INT, 1, 5, NULL, &n, "5", &msg));
	CHECK_INT_EQ(n, 5);
	CHECK(!one(J_INT, 1, 5, NULL, &n, "0", &msg));
	CHECK_STR_HAS(msg, "from 1 to 5");
	CHECK(!one(J_INT, 1, 5, NULL, &n, "6", &msg));
	CHECK(!one(J_INT, 1, 5, NULL, &n, "-1", &msg));
	CHECK(one(J_INT, -10, 10, NULL, &n, "-10", &msg));
	CHECK_INT_EQ(n, -10);
	CHECK(!one(J_INT, 1, 5, NULL, &n, "2.0", &msg));
	CHECK_STR_EQ(msg, "must be an integer");
	CHECK(!one(J_INT, 1, 5, NULL, &n, "2.5", &msg));
	CHECK(!one(J_INT, 1, 5, NULL, &n, "\"2\"", &msg));
	CHECK(!one(J_INT, 1, 5, NULL, &n, "true", &msg));
	CHECK(!one(J_INT, 1, 5, NULL, &n, "2e0", &msg));

	/* the whole int64 range, and nothing past it (json-c would clamp) */
	CHECK(one(J_INT, 0, 0, NULL, &n, "9223372036854775807", &msg));
	CHECK_INT_EQ(n, INT64_MAX);
	CHECK(one(J_INT, 0, 0, NULL, &n, "-9223372036854775807", &msg));
	CHECK_INT_EQ(n, -INT64_MAX);
	n = 123;
	static const char *const huge[] = {
	    "99999999999999999999",
	    "-99999999999999999999",
	    "9223372036854775808",
	    "-9223372036854775809",
	    "18446744073709551615",
	    "18446744073709551616",
	    "123456789012345678901234567890",
	    /* INT64_MIN is where json-c clamps anything below it: refused too */
	    "-9223372036854775808",
	};
	for (size_t i = 0; i < sizeof huge / sizeof huge[0]; i++) {
		if (!CHECK(!one(J_INT, 0, 0, NULL, &n, huge[i], &msg)))
			fprintf(stderr, "\tvalue %s accepted as %lld\n", huge[i], (long long)n);
		CHECK_INT_EQ(n, 123);
	}
	/* huge values must not sneak through a range either */
	CHECK(!one(J_INT, 1, 100, NULL, &n, "99999999999999999999", &msg));

	/* ids */
	CHECK(one(J_ID, 0, 0, NULL, &n, "7", &msg));
	CHECK_INT_EQ(n, 7);
	CHECK(!one(J_ID, 0, 0, NULL, &n, "0", &msg));
	CHECK_STR_EQ(msg, "must be a positive id");
	CHECK(!one(J_ID, 0, 0, NULL, &n, "-3", &msg));
	CHECK(!one(J_ID, 0, 0, NULL, &n, "\"7\"", &msg));
	CHECK(!one(J_ID, 0, 0, NULL, &n, "7.0", &msg));
	CHECK(!one(J_ID, 0, 0, NULL, &n, "99999999999999999999", &msg));
	CHECK(one(J_ID, 0, 0, NULL, &n, "9223372036854775807", &msg));
}

static void test_numbers_bools(void)
{
	double d = 0;
	const char *msg;
	CHECK(one(J_NUMBER, 0, 10, NULL, &d, "2.5", &msg));
	CHECK(d == 2.5);
	CHECK(one(J_NUMBER, 0, 10, NULL, &d, "3", &msg));
	CHECK(d == 3.0);
	CHECK(one(J_NUMBER, 0, 10, NULL, &d, "1e1", &msg));
	CHECK(!one(J_NUMBER, 0, 10, NULL, &d, "10.5", &msg));
	CHECK(!one(J_NUMBER, 0, 10, NULL, &d, "-0.1", &msg));
	CHECK(!one(J_NUMBER, 0, 10, NULL, &d, "\"1\"", &msg));
	CHECK_STR_EQ(msg, "must be a number");
	CHECK(one(J_NUMBER, 0, 0, NULL, &d, "-12345.678", &msg));

	bool b = false;
	CHECK(one(J_BOOL, 0, 0, NULL, &b, "true", &msg));
	CHECK(b);
	CHECK(one(J_BOOL, 0, 0, NULL, &b, "false", &msg));
	CHECK(!b);
	CHECK(!one(J_BOOL, 0, 0, NULL, &b, "1", &msg));
	CHECK_STR_EQ(msg, "must be true or false");
	CHECK(!one(J_BOOL, 0, 0, NULL, &b, "\"true\"", &msg));
	CHECK(!one(J_BOOL, 0, 0, NULL, &b, "0", &msg));
}

static const char *const kinds[] = {"desktop", "laptop", "printer", NULL};

static void test_enums(void)
{
	const char *s = NULL, *msg;
	CHECK(one(J_ENUM, 0, 0, kinds, &s, "\"laptop\"", &msg));
	CHECK_STR_EQ(s, "laptop");
	CHECK(!one(J_ENUM, 0, 0, kinds, &s, "\"Laptop\"", &msg));
	CHECK_STR_HAS(msg, "desktop, laptop, printer");
	CHECK(!one(J_ENUM, 0, 0, kinds, &s, "\"\"", &msg));
	CHECK(!one(J_ENUM, 0, 0, kinds, &s, "\"laptop \"", &msg));
	CHECK(!one(J_ENUM, 0, 0, kinds, &s, "1", &msg));
	CHECK(!one(J_ENUM, 0, 0, kinds, &s, "[\"laptop\"]", &msg));

	struct jstrv v = {0, NULL};
	CHECK(one(J_ENUM_ARRAY, 0, 0, kinds, &v, "[\"printer\",\"desktop\"]", &msg));
	if (CHECK_INT_EQ(v.n, 2)) {
		CHECK_STR_EQ(v.v[0], "printer");
		CHECK_STR_EQ(v.v[1], "desktop");
	}
	CHECK(one(J_ENUM_ARRAY, 0, 0, kinds, &v, "[]", &msg));
	CHECK_INT_EQ(v.n, 0);
	CHECK(!one(J_ENUM_ARRAY, 0, 0, kinds, &v, "[\"desktop\",\"laptop\",\"desktop\"]", &msg));
	CHECK_STR_HAS(msg, "twice");
	CHECK_STR_HAS(msg, "desktop");
	CHECK(!one(J_ENUM_ARRAY, 0, 0, kinds, &v, "[\"desktop\",\"toaster\"]", &msg));
	CHECK_STR_HAS(msg, "toaster");
	CHECK(!one(J_ENUM_ARRAY, 0, 0, kinds, &v, "[\"desktop\",1]", &msg));
	CHECK(!one(J_ENUM_ARRAY, 0, 0, kinds, &v, "\"desktop\"", &msg));
	CHECK(!one(J_ENUM_ARRAY, 0, 0, kinds, &v, "[[\"desktop\"]]", &msg));
	CHECK(!one(J_ENUM_ARRAY, 0, 0, kinds, &v, "[null]", &msg));
}

static void test_string_arrays(void)
{
	struct jstrv v = {0, NULL};
	const char *msg;
	CHECK(one(J_STRING_ARRAY, 1, 3, NULL, &v, "[\"a\",\"김철수\"]", &msg));
	if (CHECK_INT_EQ(v.n, 2))
		CHECK_STR_EQ(v.v[1], "김철수");
	/* duplicates are fine in a plain string array */
	CHECK(one(J_STRING_ARRAY, 1, 3, NULL, &v, "[\"a\",\"a\"]", &msg));
	CHECK(!one(J_STRING_ARRAY, 1, 3, NULL, &v, "[\"김철수호\"]", &msg));
	CHECK_STR_HAS(msg, "1 to 3 characters");
	CHECK(!one(J_STRING_ARRAY, 1, 3, NULL, &v, "[\"\"]", &msg));
	CHECK(!one(J_STRING_ARRAY, 1, 3, NULL, &v, "[\"a\",2]", &msg));
	CHECK(!one(J_STRING_ARRAY, 1, 3, NULL, &v, "{\"a\":\"b\"}", &msg));

	/* at most 256 elements */
	char body[2048];
	int o = 0;
	body[o++] = '[';
	for (int i = 0; i < 257; i++)
		o += snprintf(body + o, sizeof body - (size_t)o, "%s\"x\"", i ? "," : "");
	body[o++] = ']';
	body[o] = '\0';
	CHECK(!one(J_STRING_ARRAY, 0, 0, NULL, &v, body, &msg));
	CHECK_STR_HAS(msg, "256");
	/* 256 is fine: drop the last element */
	body[o - 5] = ']';
	body[o - 4] = '\0';
	CHECK(one(J_STRING_ARRAY, 0, 0, NULL, &v, body, &msg));
	CHECK_INT_EQ(v.n, 256);
}

static void test_objects_arrays(void)
{
	struct json_object *o = NULL;
	const char *msg;
	CHECK(one(J_OBJECT, 0, 0, NULL, &o, "{\"building\":\"본관\"}", &msg));
	CHECK(o && json_object_is_type(o, json_type_object));
	CHECK(!one(J_OBJECT, 0, 0, NULL, &o, "[]", &msg));
	CHECK_STR_EQ(msg, "must be an object");
	CHECK(one(J_ARRAY, 0, 0, NULL, &o, "[1,\"a\"]", &msg));
	CHECK(o && json_object_array_length(o) == 2);
	CHECK(!one(J_ARRAY, 0, 0, NULL, &o, "{}", &msg));
	CHECK_STR_EQ(msg, "must be an array");
}

static void test_time(void)
{
	static const char *const good[] = {
	    "2026-11-23T10:00:00+09:00",
	    "2026-11-23T01:00:00Z",
	    "2026-11-23t01:00:00z",
	    "2026-11-23T10:00:00.5+09:00",
	    "2026-11-23T10:00:00.123456789-03:30",
	    "2024-02-29T00:00:00Z", /* leap year */
	    "2000-02-29T00:00:00Z", /* divisible by 400 */
	    "2026-12-31T23:59:59+14:00",
	    "2026-01-01T00:00:00-00:00",
	    NULL,
	};
	static const char *const bad[] = {
	    "2026-02-30T10:00:00Z",	       /* no such day */
	    "2026-02-29T10:00:00Z",	       /* not a leap year */
	    "2100-02-29T10:00:00Z",	       /* divisible by 100, not 400 */
	    "2026-04-31T10:00:00Z",	       /* April has 30 days */
	    "2026-13-01T10:00:00Z",	       /* month 13 */
	    "2026-00-10T10:00:00Z",	       /* month 0 */
	    "2026-11-00T10:00:00Z",	       /* day 0 */
	    "2026-11-23T10:00:00",	       /* no offset: floating time */
	    "2026-11-23T10:00",		       /* no seconds, no offset */
	    "2026-11-23",		       /* a date */
	    "2026-11-23T24:00:00Z",	       /* hour 24 */
	    "2026-11-23T10:60:00Z",	       /* minute 60 */
	    "2026-11-23T10:00:61Z",	       /* second 61 */
	    "2026-11-23 10:00:00+09:00",       /* space instead of T */
	    "2026-11-23T10:00:00+0900",	       /* offset without colon */
	    "2026-11-23T10:00:00+09",	       /* short offset */
	    "2026-11-23T10:00:00+24:00",       /* offset hour 24 */
	    "2026-11-23T10:00:00+09:60",       /* offset minute 60 */
	    "2026-11-23T10:00:00+09:00x",      /* trailing */
	    "2026-11-23T10:00:00Zx",	       /* trailing */
	    "2026-11-23T10:00:00.Z",	       /* empty fraction */
	    "2026-11-23T10:00:00.1234567890Z", /* 10 fraction digits */
	    "26-11-23T10:00:00Z",	       /* two-digit year */
	    "2026-1-23T10:00:00Z",	       /* one-digit month */
	    "2026/11/23T10:00:00Z",	       /* slashes */
	    "２０２６-11-23T10:00:00Z",	       /* full-width digits */
	    "",
	    NULL,
	};
	for (const char *const *g = good; *g; g++)
		if (!CHECK(jspec_is_rfc3339(*g)))
			fprintf(stderr, "\ttime: %s\n", *g);
	for (const char *const *b = bad; *b; b++)
		if (!CHECK(!jspec_is_rfc3339(*b)))
			fprintf(stderr, "\ttime: %s\n", *b);

	const char *t = NULL, *msg;
	CHECK(one(J_TIME, 0, 0, NULL, &t, "\"2026-11-23T10:00:00+09:00\"", &msg));
	CHECK_STR_EQ(t, "2026-11-23T10:00:00+09:00");
	t = NULL;
	CHECK(!one(J_TIME, 0, 0, NULL, &t, "\"2026-02-30T10:00:00+09:00\"", &msg));
	CHECK_STR_HAS(msg, "RFC 3339");
	CHECK_NULL(t);
	CHECK(!one(J_TIME, 0, 0, NULL, &t, "\"2026-11-23T10:00:00\"", &msg));
	CHECK(!one(J_TIME, 0, 0, NULL, &t, "1763859600", &msg));
	CHECK_STR_EQ(msg, "must be a string");

	/* J_TIMESTAMP: the same check, and the instant comes parsed with the text kept */
	struct jtimestamp ts = {0, NULL};
	CHECK(one(J_TIMESTAMP, 0, 0, NULL, &ts, "\"2026-11-23T10:00:00+09:00\"", &msg));
	CHECK(ts.t == (time_t)1795395600);
	CHECK_STR_EQ(ts.text, "2026-11-23T10:00:00+09:00");
	struct jtimestamp z = {0, NULL};
	CHECK(one(J_TIMESTAMP, 0, 0, NULL, &z, "\"2026-11-23T01:00:00Z\"", &msg));
	CHECK(z.t == ts.t);
	struct jtimestamp wrong = {0, NULL};
	CHECK(!one(J_TIMESTAMP, 0, 0, NULL, &wrong, "\"2026-02-30T10:00:00+09:00\"", &msg));
	CHECK_STR_HAS(msg, "RFC 3339");
	CHECK(wrong.t == 0 && wrong.text == NULL);
	CHECK(!one(J_TIMESTAMP, 0, 0, NULL, &wrong, "1763859600", &msg));
	CHECK_STR_EQ(msg, "must be a string");
}

/* The spec the user-create handler uses, end to end through one call. */
static void test_mixed_spec(void)
{
	const char *login = NULL, *name = NULL, *role = NULL, *phone = NULL;
	int64_t team_id = 0;
	struct jstrv skills = {0, NULL};
	static const char *const roles[] = {"admin", "dispatcher", "lead", "engineer", NULL};
	const struct jfield spec[] = {
	    {"login", J_STRING, true, false, 2, 64, NULL, &login, NULL},
	    {"name", J_STRING, true, false, 1, 100, NULL, &name, NULL},
	    {"role", J_ENUM, true, false, 0, 0, roles, &role, NULL},
	    {"phone", J_STRING, false, true, 1, 32, NULL, &phone, NULL},
	    {"team_id", J_ID, false, true, 0, 0, NULL, &team_id, NULL},
	    {"skills", J_ENUM_ARRAY, false, false, 0, 0, kinds, &skills, NULL},
	    JSPEC_END,
	};
	struct json_object *errs;
	CHECK(parse("{\"login\":\"kim\",\"name\":\"김철수\",\"role\":\"engineer\",\"phone\":null,"
		    "\"team_id\":2,\"skills\":[\"desktop\",\"printer\"]}",
		    spec, &errs));
	CHECK_STR_EQ(login, "kim");
	CHECK_STR_EQ(name, "김철수");
	CHECK_STR_EQ(role, "engineer");
	CHECK_NULL(phone);
	CHECK_INT_EQ(team_id, 2);
	CHECK_INT_EQ(skills.n, 2);

	CHECK(!parse("{\"login\":\"k\",\"name\":\"\",\"role\":\"boss\",\"team_id\":0,"
		     "\"skills\":[\"desktop\",\"desktop\"],\"extra\":1}",
		     spec, &errs));
	CHECK_NOT_NULL(err_for(errs, "login"));
	CHECK_NOT_NULL(err_for(errs, "name"));
	CHECK_NOT_NULL(err_for(errs, "role"));
	CHECK_NOT_NULL(err_for(errs, "team_id"));
	CHECK_NOT_NULL(err_for(errs, "skills"));
	CHECK_NOT_NULL(err_for(errs, "extra"));
	CHECK_INT_EQ(json_object_array_length(errs), 6);
}

static void test_dump_and_helpers(void)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "a", jstr("김/철수"));
	json_object_object_add(o, "b", jstr(NULL));
	json_object_object_add(o, "c", jint(-5));
	json_object_object_add(o, "d", jbool(true));
	json_object_object_add(o, "e", jint_text("9223372036854775807"));
	json_object_object_add(o, "f", jint_text(NULL));
	size_t len = 0;
	const char *s = jspec_dump(A, o, &len);
	CHECK_STR_EQ(s, "{\"a\":\"김/철수\",\"b\":null,\"c\":-5,\"d\":true,"
			"\"e\":9223372036854775807,\"f\":null}");
	CHECK_INT_EQ(len, strlen(s));
	json_object_put(o);
}

static void setup_and(void (*fn)(void), const char *name)
{
	A = arena_new();
	check_run_(name, fn);
	arena_free(A);
	A = NULL;
}
#define RUN(fn) setup_and(fn, #fn)

/* JSON the arena owns: freed once at arena_free, however it was handed over. Under the
 * asan preset a second free or a leak fails the run; here a double free aborts. */
static void test_arena_owned_json(void)
{
	struct arena *a = arena_new();
	struct json_object *child = jobj(a);
	json_object_object_add(child, "n", json_object_new_int(1));
	CHECK(jspec_adopt(a, child) == child); /* adopting again changes nothing */
	struct json_object *plain = json_object_new_array();
	json_object_array_add(plain, json_object_new_string("x"));
	CHECK(jspec_adopt(a, plain) == plain);
	CHECK(jspec_adopt(a, plain) == plain);
	struct json_object *parent = jobj(a);
	json_object_object_add(parent, "child", jspec_ref(child));
	json_object_object_add(parent, "list", jspec_ref(plain));
	CHECK_STR_EQ(jspec_dump(a, parent, NULL), "{\"child\":{\"n\":1},\"list\":[\"x\"]}");
	CHECK(jspec_adopt(a, NULL) == NULL);
	struct json_object *errs = jarr(a);
	CHECK(json_object_is_type(errs, json_type_array));
	CHECK(json_object_array_length(errs) == 0);
	arena_free(a);
}

int main(void)
{
	RUN(test_tokenize_basic);
	RUN(test_tokenize_trailing_and_truncated);
	RUN(test_tokenize_strict);
	RUN(test_tokenize_utf8);
	RUN(test_tokenize_nul);
	RUN(test_tokenize_depth);
	RUN(test_tokenize_surrogates);
	RUN(test_tokenize_duplicate_keys);
	RUN(test_required_nullable_unknown);
	RUN(test_strings_in_characters);
	RUN(test_integers);
	RUN(test_numbers_bools);
	RUN(test_enums);
	RUN(test_string_arrays);
	RUN(test_objects_arrays);
	RUN(test_time);
	RUN(test_mixed_spec);
	RUN(test_dump_and_helpers);
	RUN(test_arena_owned_json);
	return CHECK_DONE();
}
