/* Secrets, hashing and small parsing helpers; see util.h. */
#include "fieldd/util.h"
#include "fieldd/arena.h"

#include <errno.h>
#include <stdbool.h>
#include <semaphore.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

/* Argon2id at "interactive" cost uses 64 MiB; bound concurrent hashes. */
#define HASH_CONCURRENCY 4
static sem_t hash_slots;

int util_init(void)
{
	if (sodium_init() < 0)
		return -1;
	if (sem_init(&hash_slots, 0, HASH_CONCURRENCY) < 0)
		return -1;
	return 0;
}

char *util_base64url(struct arena *a, const unsigned char *p, size_t n)
{
	size_t len = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *out = arena_alloc(a, len);
	sodium_bin2base64(out, len, p, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return out;
}

char *util_new_token(struct arena *a)
{
	unsigned char raw[32];
	randombytes_buf(raw, sizeof raw);
	char *out = util_base64url(a, raw, sizeof raw);
	sodium_memzero(raw, sizeof raw);
	return out;
}

char *util_sha256_hex(struct arena *a, const void *p, size_t n)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, p, n);
	char *out = arena_alloc(a, sizeof h * 2 + 1);
	sodium_bin2hex(out, sizeof h * 2 + 1, h, sizeof h);
	return out;
}

char *util_uuid4(struct arena *a)
{
	unsigned char b[16];
	randombytes_buf(b, sizeof b);
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	return arena_printf(a,
			    "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
			    b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10],
			    b[11], b[12], b[13], b[14], b[15]);
}

char *util_password_hash(struct arena *a, const char *pw)
{
	char out[crypto_pwhash_STRBYTES];
	while (sem_wait(&hash_slots) < 0 && errno == EINTR)
		;
	int rc = crypto_pwhash_str(out, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
				   crypto_pwhash_MEMLIMIT_INTERACTIVE);
	sem_post(&hash_slots);
	return rc == 0 ? arena_strdup(a, out) : NULL;
}

int util_password_verify(const char *hash, const char *pw)
{
	if (!hash || !pw || strlen(hash) >= crypto_pwhash_STRBYTES)
		return 0;
	while (sem_wait(&hash_slots) < 0 && errno == EINTR)
		;
	int rc = crypto_pwhash_str_verify(hash, pw, strlen(pw));
	sem_post(&hash_slots);
	return rc == 0;
}

uint64_t util_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int util_parse_id(const char *s, int64_t *out)
{
	if (!s || !*s || strlen(s) > 19)
		return -1;
	int64_t v = 0;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		int d = *p - '0';
		if (v > (INT64_MAX - d) / 10)
			return -1; /* past INT64_MAX */
		v = v * 10 + d;
	}
	if (v <= 0)
		return -1;
	*out = v;
	return 0;
}

int util_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *e = p + n;
	while (p < e) {
		unsigned c = *p;
		size_t len;
		unsigned min;
		if (c == 0)
			return 0;
		if (c < 0x80) {
			p++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			len = 2, min = 0x80, c &= 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			len = 3, min = 0x800, c &= 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			len = 4, min = 0x10000, c &= 0x07;
		} else {
			return 0;
		}
		if ((size_t)(e - p) < len)
			return 0;
		for (size_t i = 1; i < len; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return 0;
			c = (c << 6) | (p[i] & 0x3f);
		}
		if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return 0;
		p += len;
	}
	return 1;
}

char *util_rfc3339(struct arena *a, time_t t)
{
	struct tm tm;
	localtime_r(&t, &tm);
	long off = tm.tm_gmtoff;
	char sign = off < 0 ? '-' : '+';
	if (off < 0)
		off = -off;
	return arena_printf(a, "%04d-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld", tm.tm_year + 1900,
			    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, sign,
			    off / 3600, (off % 3600) / 60);
}

static bool digits(const char *s, int n)
{
	for (int i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

bool util_is_rfc3339(const char *s)
{
	/* YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM) */
	size_t n = strlen(s);
	if (n < 20 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' ||
	    !digits(s + 8, 2) || (s[10] != 'T' && s[10] != 't') || !digits(s + 11, 2) ||
	    s[13] != ':' || !digits(s + 14, 2) || s[16] != ':' || !digits(s + 17, 2))
		return false;
	int mon = atoi(s + 5), day = atoi(s + 8), h = atoi(s + 11), mi = atoi(s + 14),
	    sec = atoi(s + 17);
	int year = atoi(s);
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (mon < 1 || mon > 12 || day < 1 || day > mdays[mon - 1] || h > 23 || mi > 59 || sec > 59)
		return false;
	if (mon == 2 && day == 29 && !((year % 4 == 0 && year % 100 != 0) || year % 400 == 0))
		return false;
	const char *p = s + 19;
	if (*p == '.') {
		p++;
		const char *f = p;
		while (*p >= '0' && *p <= '9')
			p++;
		if (p == f || p - f > 9)
			return false;
	}
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0')
		return true;
	if ((*p == '+' || *p == '-') && strlen(p) == 6 && digits(p + 1, 2) && p[3] == ':' &&
	    digits(p + 4, 2))
		return atoi(p + 1) <= 23 && atoi(p + 4) <= 59;
	return false;
}

static int num2(const char *s)
{
	return (s[0] - '0') * 10 + (s[1] - '0');
}

int util_parse_rfc3339(const char *s, time_t *out)
{
	if (!s || !util_is_rfc3339(s))
		return -1;
	struct tm tm = {0};
	tm.tm_year = atoi(s) - 1900;
	tm.tm_mon = num2(s + 5) - 1;
	tm.tm_mday = num2(s + 8);
	tm.tm_hour = num2(s + 11);
	tm.tm_min = num2(s + 14);
	tm.tm_sec = num2(s + 17);
	const char *p = s + 19;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	long off = 0;
	if (*p == '+' || *p == '-') {
		off = num2(p + 1) * 3600L + num2(p + 4) * 60L;
		if (*p == '-')
			off = -off;
	}
	*out = timegm(&tm) - off;
	return 0;
}

int util_parse_local_day(const char *s, time_t *start, time_t *end)
{
	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return -1;
	struct tm tm = {0};
	tm.tm_year = atoi(s) - 1900;
	tm.tm_mon = num2(s + 5) - 1;
	tm.tm_mday = num2(s + 8);
	tm.tm_isdst = -1;
	if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31)
		return -1;
	struct tm check = tm;
	*start = mktime(&tm);
	if (tm.tm_mday != check.tm_mday) /* 2026-02-30 rolled over */
		return -1;
	struct tm next = check;
	next.tm_mday++;
	*end = mktime(&next);
	return 0;
}

int util_local_minute_of_day(time_t t, int *seconds)
{
	struct tm tm;
	localtime_r(&t, &tm);
	if (seconds)
		*seconds = tm.tm_sec;
	return tm.tm_hour * 60 + tm.tm_min;
}
