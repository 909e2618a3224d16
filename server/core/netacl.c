/* Address allow-lists; see netacl.h. */
#include "fieldd/netacl.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static int parse_one(const char *s, int *family, unsigned char addr[16], int *prefix)
{
	char buf[64];
	size_t n = strlen(s);
	if (n == 0 || n >= sizeof buf)
		return -1;
	memcpy(buf, s, n + 1);
	char *slash = strchr(buf, '/');
	long bits = -1;
	if (slash) {
		*slash = '\0';
		char *end;
		if (!slash[1])
			return -1;
		bits = strtol(slash + 1, &end, 10);
		if (*end || bits < 0)
			return -1;
	}
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, buf, addr) == 1) {
		*family = AF_INET;
		if (bits > 32)
			return -1;
		*prefix = bits < 0 ? 32 : (int)bits;
		return 0;
	}
	if (inet_pton(AF_INET6, buf, addr) == 1) {
		*family = AF_INET6;
		if (bits > 128)
			return -1;
		*prefix = bits < 0 ? 128 : (int)bits;
		return 0;
	}
	return -1;
}

int netacl_parse(struct netacl *acl, const char *text, char *err, unsigned errlen)
{
	memset(acl, 0, sizeof *acl);
	const char *p = text;
	while (*p) {
		while (*p == ' ' || *p == ',')
			p++;
		if (!*p)
			break;
		const char *end = p;
		while (*end && *end != ',' && *end != ' ')
			end++;
		char item[64];
		size_t n = (size_t)(end - p);
		if (n >= sizeof item) {
			snprintf(err, errlen, "\"%.*s...\" is not an address or CIDR block", 20, p);
			return -1;
		}
		memcpy(item, p, n);
		item[n] = '\0';
		p = end;
		if (!strcmp(item, "*")) {
			acl->any = true;
			continue;
		}
		if (acl->n == NETACL_MAX) {
			snprintf(err, errlen, "at most %d entries", NETACL_MAX);
			return -1;
		}
		if (parse_one(item, &acl->e[acl->n].family, acl->e[acl->n].addr,
			      &acl->e[acl->n].prefix) < 0) {
			snprintf(err, errlen,
				 "\"%s\" is not an address or CIDR block (like 10.0.0.0/8 or ::1)",
				 item);
			return -1;
		}
		acl->n++;
	}
	if (!acl->any && acl->n == 0) {
		snprintf(err, errlen, "the list is empty (use * to allow every address)");
		return -1;
	}
	return 0;
}

static bool prefix_match(const unsigned char *a, const unsigned char *b, int bits)
{
	int whole = bits / 8, rest = bits % 8;
	if (memcmp(a, b, (size_t)whole) != 0)
		return false;
	if (!rest)
		return true;
	unsigned char mask = (unsigned char)(0xff << (8 - rest));
	return (a[whole] & mask) == (b[whole] & mask);
}

bool netacl_allows(const struct netacl *acl, const char *addr)
{
	if (acl->any)
		return true;
	unsigned char a[16] = {0};
	int family;
	if (inet_pton(AF_INET, addr, a) == 1) {
		family = AF_INET;
	} else if (inet_pton(AF_INET6, addr, a) == 1) {
		static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
		family = AF_INET6;
		if (!memcmp(a, mapped, 12)) {
			memmove(a, a + 12, 4);
			memset(a + 4, 0, 12);
			family = AF_INET;
		}
	} else {
		return false;
	}
	for (int i = 0; i < acl->n; i++)
		if (acl->e[i].family == family && prefix_match(a, acl->e[i].addr, acl->e[i].prefix))
			return true;
	return false;
}
