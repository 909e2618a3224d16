/*
 * Conditional requests and HTTP dates (RFC 9110 §13, §5.6.7), and the
 * redaction of capability URLs in log messages.
 */
#include "fieldd/http.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const wdays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
				     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

void http_date_format(time_t t, char *buf, size_t len)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	snprintf(buf, len, "%s, %02d %s %04d %02d:%02d:%02d GMT", wdays[tm.tm_wday], tm.tm_mday,
		 months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static int month_of(const char *m)
{
	for (int i = 0; i < 12; i++)
		if (!strncmp(m, months[i], 3))
			return i;
	return -1;
}

static int finish(struct tm *tm, const char *mon, int year, time_t *out)
{
	int m = month_of(mon);
	if (m < 0 || tm->tm_mday < 1 || tm->tm_mday > 31 || tm->tm_hour > 23 || tm->tm_min > 59 ||
	    tm->tm_sec > 60 || year < 1900)
		return -1;
	tm->tm_mon = m;
	tm->tm_year = year - 1900;
	*out = timegm(tm);
	return 0;
}

int http_date_parse(const char *s, time_t *out)
{
	struct tm tm;
	char wday[16], mon[4], gmt[4];
	int year, n = 0;
	memset(&tm, 0, sizeof tm);
	/* IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT */
	if (sscanf(s, "%3s, %2d %3s %4d %2d:%2d:%2d %3s%n", wday, &tm.tm_mday, mon, &year,
		   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, gmt, &n) == 8 &&
	    !strcmp(gmt, "GMT") && s[n] == '\0')
		return finish(&tm, mon, year, out);
	/* obsolete RFC 850: Sunday, 06-Nov-94 08:49:37 GMT (two-digit years: 70-99 → 19xx) */
	memset(&tm, 0, sizeof tm);
	if (sscanf(s, "%15[A-Za-z], %2d-%3s-%2d %2d:%2d:%2d %3s%n", wday, &tm.tm_mday, mon, &year,
		   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, gmt, &n) == 8 &&
	    !strcmp(gmt, "GMT") && s[n] == '\0')
		return finish(&tm, mon, year + (year < 70 ? 2000 : 1900), out);
	/* obsolete asctime: Sun Nov  6 08:49:37 1994 */
	memset(&tm, 0, sizeof tm);
	if (sscanf(s, "%3s %3s %2d %2d:%2d:%2d %4d%n", wday, mon, &tm.tm_mday, &tm.tm_hour,
		   &tm.tm_min, &tm.tm_sec, &year, &n) == 7 &&
	    s[n] == '\0')
		return finish(&tm, mon, year, out);
	return -1;
}

/* The opaque tag of an entity-tag without its W/ prefix; length in *n. */
static const char *opaque(const char *p, size_t n, size_t *out)
{
	if (n >= 2 && p[0] == 'W' && p[1] == '/') {
		p += 2;
		n -= 2;
	}
	*out = n;
	return p;
}

/* Weak comparison of etag with each member of an If-None-Match list. */
static bool etag_listed(const char *list, const char *etag)
{
	size_t en;
	const char *e = opaque(etag, strlen(etag), &en);
	const char *p = list;
	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (!*p)
			break;
		if (*p == '*')
			return true;
		const char *start = p;
		if (p[0] == 'W' && p[1] == '/')
			p += 2;
		if (*p != '"')
			return false; /* not a list of entity-tags: ignore the header */
		const char *close = strchr(p + 1, '"');
		if (!close)
			return false;
		p = close + 1;
		size_t tn;
		const char *t = opaque(start, (size_t)(p - start), &tn);
		if (tn == en && !memcmp(t, e, en))
			return true;
	}
	return false;
}

bool http_not_modified(struct http_req *r, const char *etag, time_t last_modified)
{
	const char *inm = http_header_get(r, "If-None-Match");
	if (inm)
		return etag && etag_listed(inm, etag);
	const char *ims = http_header_get(r, "If-Modified-Since");
	time_t since;
	return ims && last_modified > 0 && http_date_parse(ims, &since) == 0 &&
	       last_modified <= since;
}

void http_log_redact(char *msg)
{
	static const char *const prefixes[][2] = {
	    {"/cal/", "{token}"}, {"/t/", "{tracking}"}, {"/public/", "{tracking}"}};
	for (size_t k = 0; k < sizeof prefixes / sizeof prefixes[0]; k++) {
		size_t pl = strlen(prefixes[k][0]), ll = strlen(prefixes[k][1]);
		for (char *p = strstr(msg, prefixes[k][0]); p; p = strstr(p + 1, prefixes[k][0])) {
			char *seg = p + pl, *end = seg;
			while (*end && (isalnum((unsigned char)*end) || *end == '-' ||
					*end == '_' || *end == '%' || *end == '='))
				end++;
			size_t n = (size_t)(end - seg);
			if (n == 0)
				continue;
			/* "/cal/<token>.ics" becomes "/cal/{token}.ics"; never longer than before
			 */
			if (n >= ll) {
				memcpy(seg, prefixes[k][1], ll);
				memmove(seg + ll, end, strlen(end) + 1);
			} else {
				memset(seg, 'x', n);
			}
		}
	}
}
