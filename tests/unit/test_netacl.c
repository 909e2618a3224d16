/* Address allow-lists (FIELDD_METRICS_ALLOW): parsing and matching. */
#include "check.h"
#include "fieldd/netacl.h"

#include <string.h>

static void test_parse(void)
{
	struct netacl acl;
	char err[160];
	CHECK_INT_EQ(netacl_parse(&acl, "127.0.0.0/8,::1", err, sizeof err), 0);
	CHECK_INT_EQ(acl.n, 2);
	CHECK_INT_EQ(netacl_parse(&acl, " 10.0.0.1 , 192.168.0.0/16,fd00::/8 ", err, sizeof err),
		     0);
	CHECK_INT_EQ(acl.n, 3);
	CHECK_INT_EQ(netacl_parse(&acl, "*", err, sizeof err), 0);
	CHECK(acl.any);
	static const char *const bad[] = {"",		",",	     "10.0.0.0/33", "::1/129",
					  "10.0.0.0/",	"localhost", "10.0.0.256",  "10.0.0.0/-1",
					  "1.2.3.4/8x", NULL};
	for (int i = 0; bad[i]; i++) {
		err[0] = '\0';
		if (!CHECK_INT_EQ(netacl_parse(&acl, bad[i], err, sizeof err), -1))
			fprintf(stderr, "\taccepted \"%s\"\n", bad[i]);
		CHECK(err[0] != '\0');
	}
	CHECK_INT_EQ(netacl_parse(&acl, "10.0.0.1,localhost", err, sizeof err), -1);
	CHECK(strstr(err, "localhost") != NULL);
}

static void test_match(void)
{
	struct netacl acl;
	char err[160];
	CHECK_INT_EQ(netacl_parse(&acl, "127.0.0.0/8,::1,10.1.2.0/23,192.0.2.7", err, sizeof err),
		     0);
	CHECK(netacl_allows(&acl, "127.0.0.1"));
	CHECK(netacl_allows(&acl, "127.255.0.9"));
	CHECK(netacl_allows(&acl, "::1"));
	CHECK(netacl_allows(&acl, "::ffff:127.0.0.1")); /* IPv4-mapped */
	CHECK(netacl_allows(&acl, "10.1.3.200"));
	CHECK(!netacl_allows(&acl, "10.1.4.1"));
	CHECK(netacl_allows(&acl, "192.0.2.7"));
	CHECK(!netacl_allows(&acl, "192.0.2.8"));
	CHECK(!netacl_allows(&acl, "128.0.0.1"));
	CHECK(!netacl_allows(&acl, "::2"));
	CHECK(!netacl_allows(&acl, "unknown"));
	CHECK_INT_EQ(netacl_parse(&acl, "0.0.0.0/0", err, sizeof err), 0);
	CHECK(netacl_allows(&acl, "8.8.8.8"));
	CHECK(!netacl_allows(&acl, "2001:db8::1"));
	CHECK_INT_EQ(netacl_parse(&acl, "*", err, sizeof err), 0);
	CHECK(netacl_allows(&acl, "2001:db8::1"));
}

int main(void)
{
	test_parse();
	test_match();
	return CHECK_DONE();
}
