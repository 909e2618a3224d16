/* Secrets and helpers: Argon2id hashing, tokens, SHA-256, UUIDs, ids, UTF-8. */
#include "check.h"
#include "fieldd/arena.h"
#include "fieldd/util.h"

#include <stdint.h>
#include <string.h>

static struct arena *A;

static void test_password_hash(void)
{
	const char *pw = "correct horse battery staple";
	char *h1 = util_password_hash(A, pw);
	char *h2 = util_password_hash(A, pw);
	if (!CHECK_NOT_NULL(h1) || !CHECK_NOT_NULL(h2))
		return;
	CHECK(strncmp(h1, "$argon2id$", 10) == 0);
	CHECK_MSG(strcmp(h1, h2) != 0, "two hashes of one password differ (salted)");
	CHECK(strstr(h1, pw) == NULL);
	CHECK_INT_EQ(util_password_verify(h1, pw), 1);
	CHECK_INT_EQ(util_password_verify(h2, pw), 1);
	CHECK_INT_EQ(util_password_verify(h1, "correct horse battery stapl"), 0);
	CHECK_INT_EQ(util_password_verify(h1, "correct horse battery staple "), 0);
	CHECK_INT_EQ(util_password_verify(h1, ""), 0);
	CHECK_INT_EQ(util_password_verify(h1, NULL), 0);
	CHECK_INT_EQ(util_password_verify(NULL, pw), 0);
	CHECK_INT_EQ(util_password_verify("", pw), 0);
	CHECK_INT_EQ(util_password_verify("$argon2id$garbage", pw), 0);

	/* Korean passwords are bytes like any other */
	char *hk = util_password_hash(A, "비밀번호는열두글자입니다");
	if (CHECK_NOT_NULL(hk)) {
		CHECK_INT_EQ(util_password_verify(hk, "비밀번호는열두글자입니다"), 1);
		CHECK_INT_EQ(util_password_verify(hk, "비밀번호는열두글자입니까"), 0);
	}

	/* a hash that was tampered with does not verify */
	char *t = arena_strdup(A, h1);
	size_t n = strlen(t);
	t[n - 1] = t[n - 1] == 'A' ? 'B' : 'A';
	CHECK_INT_EQ(util_password_verify(t, pw), 0);
}

static int b64url(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

static void test_tokens(void)
{
	enum { N = 200 };
	const char *seen[N];
	int ok_len = 1, ok_chars = 1, distinct = 1;
	for (int i = 0; i < N; i++) {
		char *t = util_new_token(A);
		seen[i] = t;
		ok_len &= strlen(t) == 43;
		for (const char *p = t; *p; p++)
			ok_chars &= b64url(*p);
		for (int j = 0; j < i; j++)
			distinct &= strcmp(seen[j], t) != 0;
	}
	CHECK_MSG(ok_len, "tokens are 43 characters (256 bits, base64url, no padding)");
	CHECK_MSG(ok_chars, "tokens use only the base64url alphabet");
	CHECK_MSG(distinct, "200 tokens are distinct");
}

static void test_sha256(void)
{
	CHECK_STR_EQ(util_sha256_hex(A, "abc", 3),
		     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	CHECK_STR_EQ(util_sha256_hex(A, "", 0),
		     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	const char *l = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	CHECK_STR_EQ(util_sha256_hex(A, l, strlen(l)),
		     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	/* length given, not strlen: an embedded NUL is hashed */
	CHECK(strcmp(util_sha256_hex(A, "a\0b", 3), util_sha256_hex(A, "a", 1)) != 0);
}

static int hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static void test_uuid4(void)
{
	const char *prev = NULL;
	for (int i = 0; i < 100; i++) {
		char *u = util_uuid4(A);
		if (!CHECK_INT_EQ(strlen(u), 36))
			return;
		int shape = 1;
		for (int k = 0; k < 36; k++) {
			if (k == 8 || k == 13 || k == 18 || k == 23)
				shape &= u[k] == '-';
			else
				shape &= hex(u[k]);
		}
		if (!CHECK_MSG(shape, "8-4-4-4-12 lower-case hex"))
			fprintf(stderr, "\tuuid: %s\n", u);
		CHECK_MSG(u[14] == '4', "version nibble is 4");
		CHECK_MSG(strchr("89ab", u[19]) != NULL, "variant bits are 10xx (RFC 4122)");
		if (prev)
			CHECK(strcmp(prev, u) != 0);
		prev = u;
	}
}

static void test_parse_id(void)
{
	int64_t v = -5;
	CHECK_INT_EQ(util_parse_id("1", &v), 0);
	CHECK_INT_EQ(v, 1);
	CHECK_INT_EQ(util_parse_id("42", &v), 0);
	CHECK_INT_EQ(v, 42);
	CHECK_INT_EQ(util_parse_id("999999999999999999", &v), 0);
	CHECK_INT_EQ(v, 999999999999999999LL);
	/* every positive int64 is an id (J_ID in bodies accepts them too) */
	CHECK_INT_EQ(util_parse_id("9223372036854775807", &v), 0);
	CHECK_INT_EQ(v, INT64_MAX);

	static const char *const bad[] = {
	    "",
	    "0",
	    "00",
	    "-1",
	    "+1",
	    " 1",
	    "1 ",
	    "1a",
	    "a1",
	    "0x10",
	    "1.0",
	    "1e3",
	    "9223372036854775808",  /* INT64_MAX + 1 */
	    "18446744073709551617", /* wraps to 1 in 64-bit unsigned */
	    "99999999999999999999",
	    "١٢٣", /* Arabic-Indic digits */
	    NULL,
	};
	for (const char *const *b = bad; *b; b++) {
		v = 77;
		if (!CHECK_INT_EQ(util_parse_id(*b, &v), -1))
			fprintf(stderr, "\tinput: \"%s\"\n", *b);
		CHECK_INT_EQ(v, 77); /* untouched on failure */
	}
	CHECK_INT_EQ(util_parse_id(NULL, &v), -1);
}

static void test_utf8(void)
{
#define OK(s)  CHECK_INT_EQ(util_utf8_valid(s, sizeof(s) - 1), 1)
#define BAD(s) CHECK_INT_EQ(util_utf8_valid(s, sizeof(s) - 1), 0)
	OK("");
	OK("plain ascii");
	OK("김철수");
	OK("\xc2\x80");		     /* U+0080, smallest 2-byte */
	OK("\xe0\xa0\x80");	     /* U+0800, smallest 3-byte */
	OK("\xed\x9f\xbf");	     /* U+D7FF, just below the surrogates */
	OK("\xee\x80\x80");	     /* U+E000, just above */
	OK("\xef\xbf\xbf");	     /* U+FFFF */
	OK("\xf0\x90\x80\x80");	     /* U+10000 */
	OK("\xf4\x8f\xbf\xbf");	     /* U+10FFFF, the last code point */
	OK("\xf0\x9f\x98\x80 ok");   /* emoji */
	BAD("\0");		     /* NUL */
	BAD("a\0b");		     /* NUL inside */
	BAD("\x80");		     /* lone continuation byte */
	BAD("\xbf");		     /* lone continuation byte */
	BAD("\xc0\xaf");	     /* overlong '/' */
	BAD("\xc1\xbf");	     /* overlong */
	BAD("\xc0\x80");	     /* overlong NUL (modified UTF-8) */
	BAD("\xe0\x80\xaf");	     /* overlong 3-byte '/' */
	BAD("\xe0\x9f\xbf");	     /* overlong 3-byte U+07FF */
	BAD("\xf0\x80\x80\xaf");     /* overlong 4-byte '/' */
	BAD("\xf0\x8f\xbf\xbf");     /* overlong 4-byte U+FFFF */
	BAD("\xed\xa0\x80");	     /* U+D800 surrogate */
	BAD("\xed\xbf\xbf");	     /* U+DFFF surrogate */
	BAD("\xf4\x90\x80\x80");     /* U+110000, past the end */
	BAD("\xf5\x80\x80\x80");     /* lead byte never used */
	BAD("\xf8\x88\x80\x80\x80"); /* 5-byte form */
	BAD("\xfe");
	BAD("\xff");
	BAD("\xea\xb9"); /* truncated 3-byte (김 less its last byte) */
	BAD("\xea");
	BAD("\xea\x41\x80");   /* a non-continuation inside */
	BAD("ok\xf0\x9f\x98"); /* truncated at the end */
#undef OK
#undef BAD
	/* the length is honoured: the bad byte past n is not looked at */
	CHECK_INT_EQ(util_utf8_valid("ab\xff", 2), 1);
}

static void test_now(void)
{
	uint64_t a = util_now_us(), b = util_now_us();
	CHECK(a > 0);
	CHECK(b >= a);
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
	if (util_init() < 0) {
		fprintf(stderr, "util_init failed\n");
		return 1;
	}
	RUN(test_password_hash);
	RUN(test_tokens);
	RUN(test_sha256);
	RUN(test_uuid4);
	RUN(test_parse_id);
	RUN(test_utf8);
	RUN(test_now);
	return CHECK_DONE();
}
