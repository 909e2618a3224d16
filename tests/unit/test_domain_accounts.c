/* Account rules: login names, password length in characters, login throttling. */
#include "check.h"
#include "fieldd/domain.h"
#include "fieldd/auth.h"

#include <string.h>

static void test_login(void)
{
	static const char *const good[] = {"ab",     "kim",   "kim.cs", "a_b-c.d",
					   "0admin", "user1", NULL};
	static const char *const bad[] = {
	    "",	     "a",      "Kim", ".kim", "_kim",	 "-kim", "kim cs",
	    "kim@x", "김철수", "kIm", "k/m",  "kim\tcs", NULL,
	};
	for (const char *const *g = good; *g; g++)
		if (!CHECK_NULL(domain_check_login(*g)))
			fprintf(stderr, "\tlogin: \"%s\"\n", *g);
	for (const char *const *b = bad; *b; b++)
		if (!CHECK_NOT_NULL(domain_check_login(*b)))
			fprintf(stderr, "\tlogin: \"%s\"\n", *b);

	char s[80];
	memset(s, 'a', sizeof s);
	s[64] = '\0';
	CHECK_NULL(domain_check_login(s));
	s[64] = 'a';
	s[65] = '\0';
	CHECK_NOT_NULL(domain_check_login(s));
}

/* n copies of a UTF-8 character. */
static const char *rep(char *buf, size_t cap, const char *ch, int n)
{
	size_t l = strlen(ch), o = 0;
	for (int i = 0; i < n && o + l < cap; i++, o += l)
		memcpy(buf + o, ch, l);
	buf[o] = '\0';
	return buf;
}

static void test_password(void)
{
	char buf[512];
	CHECK_STR_EQ(domain_check_password(""), "must be at least 12 characters");
	CHECK_NOT_NULL(domain_check_password(rep(buf, sizeof buf, "a", 11)));
	CHECK_NULL(domain_check_password(rep(buf, sizeof buf, "a", 12)));
	/* characters, not bytes: 12 Korean syllables (36 bytes) pass, 11 (33 bytes) do not */
	CHECK_NULL(domain_check_password(rep(buf, sizeof buf, "한", 12)));
	CHECK_NOT_NULL(domain_check_password(rep(buf, sizeof buf, "한", 11)));
	CHECK_NULL(domain_check_password("비밀번호는열두글자입니다"));
	/* 4-byte characters count once each */
	CHECK_NOT_NULL(domain_check_password(rep(buf, sizeof buf, "\xf0\x9f\x94\x91", 11)));
	CHECK_NULL(domain_check_password(rep(buf, sizeof buf, "\xf0\x9f\x94\x91", 12)));
	/* the upper bound is in bytes (Argon2 input), DOMAIN_PASSWORD_MAX */
	CHECK_NULL(domain_check_password(rep(buf, sizeof buf, "a", DOMAIN_PASSWORD_MAX)));
	CHECK_NOT_NULL(domain_check_password(rep(buf, sizeof buf, "a", DOMAIN_PASSWORD_MAX + 1)));
	CHECK_NOT_NULL(domain_check_password(rep(buf, sizeof buf, "한", 43))); /* 129 bytes */
	CHECK_NULL(domain_check_password(rep(buf, sizeof buf, "한", 42)));     /* 126 bytes */
}

static void test_throttle(void)
{
	bool acct;
	/* the free tries, per login and address */
	CHECK_INT_EQ(domain_login_wait(0, 0, 0, false, &acct), 0);
	CHECK_INT_EQ(domain_login_wait(DOMAIN_LOGIN_FREE_TRIES - 1, 0, 0, false, &acct), 0);
	CHECK(!acct);
	/* then a wait that doubles with each failure, counted from the last one */
	CHECK_INT_EQ(domain_login_wait(5, 0, 5, false, &acct), 15);
	CHECK_INT_EQ(domain_login_wait(5, 10, 5, false, &acct), 5);
	CHECK_INT_EQ(domain_login_wait(5, 14.2, 5, false, &acct), 1);
	CHECK_INT_EQ(domain_login_wait(5, 15, 5, false, &acct), 0);
	CHECK_INT_EQ(domain_login_wait(6, 0, 6, false, &acct), 30);
	CHECK_INT_EQ(domain_login_wait(8, 0, 8, false, &acct), 120);
	CHECK(!acct);
	/* never more than 15 minutes between two tries: a slow-down, not a lock */
	CHECK_INT_EQ(domain_login_wait(12, 0, 12, false, &acct), DOMAIN_LOGIN_MAX_DELAY_S);
	CHECK_INT_EQ(domain_login_wait(1000000, 0, 99, false, &acct), DOMAIN_LOGIN_MAX_DELAY_S);
	CHECK_INT_EQ(domain_login_wait(1000000, DOMAIN_LOGIN_MAX_DELAY_S, 99, false, &acct), 0);
	/* the account bound (NIST SP 800-63B: at most 100 failures) */
	CHECK_INT_EQ(domain_login_wait(0, 0, 99, false, &acct), 0);
	CHECK_INT_EQ(domain_login_wait(0, 0, 100, false, &acct), DOMAIN_LOGIN_ACCOUNT_WAIT_S);
	CHECK(acct);
	/* a browser that logged in before is heard whatever strangers did */
	CHECK_INT_EQ(domain_login_wait(50, 0, 5000, true, &acct), 0);
	CHECK(!acct);
	CHECK_INT_EQ(DOMAIN_LOGIN_ACCOUNT_MAX, 100);
	CHECK_INT_EQ(DOMAIN_LOGIN_FREE_TRIES, 5);
}

static void test_enums(void)
{
	static const char *const roles[] = {"admin", "dispatcher", "lead", "engineer"};
	int n = 0;
	for (; domain_roles[n]; n++)
		if (n < 4)
			CHECK_STR_EQ(domain_roles[n], roles[n]);
	CHECK_INT_EQ(n, 4);
	/* domain_roles[i] is the name of role bit i */
	for (int i = 0; i < n; i++)
		CHECK_INT_EQ(role_bit(domain_roles[i]), 1u << i);
	CHECK_INT_EQ(role_bit("admin"), ROLE_ADMIN);
	CHECK_INT_EQ(role_bit("engineer"), ROLE_ENGINEER);
	CHECK_INT_EQ(role_bit("Admin"), 0);
	CHECK_INT_EQ(role_bit(""), 0);
	CHECK_INT_EQ(role_bit(NULL), 0);
	int kinds = 0, has_desktop = 0, has_printer = 0, has_network = 0;
	for (; domain_device_kinds[kinds]; kinds++) {
		has_desktop |= !strcmp(domain_device_kinds[kinds], "desktop");
		has_printer |= !strcmp(domain_device_kinds[kinds], "printer");
		has_network |= !strcmp(domain_device_kinds[kinds], "network");
	}
	CHECK(kinds >= 5);
	CHECK(has_desktop && has_printer && has_network);
}

int main(void)
{
	CHECK_RUN(test_login);
	CHECK_RUN(test_password);
	CHECK_RUN(test_throttle);
	CHECK_RUN(test_enums);
	return CHECK_DONE();
}
