/*
 * netacl.h — address allow-lists ("127.0.0.0/8,::1,10.1.2.3").
 *
 * Used for FIELDD_METRICS_ALLOW: which client addresses may read /metrics.
 */
#ifndef FIELDD_NETACL_H
#define FIELDD_NETACL_H

#include <stdbool.h>

#define NETACL_MAX 32

struct netacl {
	bool any; /* "*": every address */
	int n;
	struct {
		int family; /* AF_INET or AF_INET6 */
		unsigned char addr[16];
		int prefix; /* bits */
	} e[NETACL_MAX];
};

/* Parses a comma-separated list of addresses and CIDR blocks, or "*". On an
 * error writes a message naming the bad entry into err and returns -1. */
int netacl_parse(struct netacl *acl, const char *text, char *err, unsigned errlen);

/* true when addr (textual IPv4 or IPv6, as inet_ntop writes it) is allowed.
 * An IPv4-mapped IPv6 address (::ffff:a.b.c.d) matches as IPv4. */
bool netacl_allows(const struct netacl *acl, const char *addr);

#endif
