/* gzip for replies and web files, and whether a client takes it. */
#include "http_int.h"

#include "fieldd/arena.h"
#include "fieldd/http.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

/* Accept-Encoding names gzip (or *) with a q-value above 0. */
bool http_accepts_gzip(struct http_req *r)
{
	const char *ae = http_header_get(r, "Accept-Encoding");
	for (const char *p = ae; p && *p;) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		const char *tok = p;
		while (*p && *p != ',' && *p != ';' && *p != ' ' && *p != '\t')
			p++;
		size_t n = (size_t)(p - tok);
		bool name = (n == 4 && !strncasecmp(tok, "gzip", 4)) || (n == 1 && *tok == '*');
		double q = 1;
		const char *end = strchr(p, ',');
		const char *qs = strstr(p, "q=");
		if (qs && (!end || qs < end))
			q = strtod(qs + 2, NULL);
		if (name && q > 0)
			return true;
		p = end ? end : p + strlen(p);
	}
	return false;
}

/* p gzipped at level into the arena (arena-owned); NULL when it would not be smaller. */
unsigned char *http_gzip(struct arena *a, const unsigned char *p, size_t n, int level, size_t *out)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	/* a window no larger than the input, and a hash table to match: zlib clears the
	 * table on every init, 64 KiB at the defaults for a reply of a few KiB */
	int wbits = 9;
	while (wbits < 15 && ((size_t)1 << wbits) < n)
		wbits++;
	int mem = wbits <= 13 ? wbits - 6 : 8;
	if (deflateInit2(&z, level, Z_DEFLATED, wbits + 16, mem, Z_DEFAULT_STRATEGY) != Z_OK)
		return NULL;
	size_t cap = deflateBound(&z, (uLong)n);
	unsigned char *buf = arena_alloc(a, cap);
	z.next_in = (Bytef *)p;
	z.avail_in = (uInt)n;
	z.next_out = buf;
	z.avail_out = (uInt)cap;
	int rc = deflate(&z, Z_FINISH);
	size_t len = z.total_out;
	deflateEnd(&z);
	if (rc != Z_STREAM_END || len >= n)
		return NULL;
	*out = len;
	return buf;
}
