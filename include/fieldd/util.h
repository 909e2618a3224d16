/*
 * util.h — small helpers: secrets, hashing, encodings, time.
 */
#ifndef FIELDD_UTIL_H
#define FIELDD_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct arena;

/* Must be called once before threads start; returns -1 if libsodium fails. */
int util_init(void);

/* 32 random bytes as base64url without padding (43 chars). Arena-owned. */
char *util_new_token(struct arena *a);
/* p[0..n) as base64url without padding, arena-owned. */
char *util_base64url(struct arena *a, const unsigned char *p, size_t n);
/* SHA-256 of s as lowercase hex (64 chars). Arena-owned. */
char *util_sha256_hex(struct arena *a, const void *p, size_t n);
/* Random RFC 4122 version 4 UUID string. Arena-owned. */
char *util_uuid4(struct arena *a);

/*
 * Password hashing with Argon2id (libsodium crypto_pwhash_str). At most a
 * few hashes run at once (each takes 64 MiB); others wait their turn.
 * util_password_hash returns an arena string or NULL on failure;
 * util_password_verify returns 1 on match, 0 otherwise.
 */
char *util_password_hash(struct arena *a, const char *pw);
int util_password_verify(const char *hash, const char *pw);

/* Monotonic clock in microseconds. */
uint64_t util_now_us(void);

/* Parses a decimal int64 id; returns 0 on success, -1 if not a positive id. */
int util_parse_id(const char *s, int64_t *out);

/* 1 when s is valid UTF-8 without NUL bytes. */
int util_utf8_valid(const char *s, size_t n);

/* t as RFC 3339 in the process's local zone ("2026-11-23T10:00:00+09:00"). Arena-owned. */
char *util_rfc3339(struct arena *a, time_t t);
/* True when s is an RFC 3339 date-time with an offset: YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM),
 * a real calendar day and time. */
bool util_is_rfc3339(const char *s);
/* Parses an RFC 3339 date-time with offset; -1 when malformed. */
int util_parse_rfc3339(const char *s, time_t *out);
/* "YYYY-MM-DD" → [start, end) of that local day; -1 when malformed. */
int util_parse_local_day(const char *s, time_t *start, time_t *end);
/* Minutes after local midnight and whole seconds of t, for grid checks. */
int util_local_minute_of_day(time_t t, int *seconds);

#endif
