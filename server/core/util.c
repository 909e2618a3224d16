/* Secrets, hashing and small parsing helpers; see util.h. */
#include "fieldd/util.h"
#include "fieldd/arena.h"

#include <errno.h>
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

char *util_new_token(struct arena *a)
{
	unsigned char raw[32];
	randombytes_buf(raw, sizeof raw);
	size_t len =
	    sodium_base64_ENCODED_LEN(sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *out = arena_alloc(a, len);
	sodium_bin2base64(out, len, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
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
