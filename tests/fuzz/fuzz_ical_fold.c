#define _GNU_SOURCE /* memmem */
/*
 * Fuzz target: content-line folding (server/ical/fold.c), fed the text a
 * customer or an engineer can put in a feed (symptoms, names, places). Checks,
 * and aborts when one fails:
 *   - every physical line is at most 75 octets and ends in CRLF, with no other
 *     CR or LF anywhere;
 *   - unfolding gives the line back, octet for octet;
 *   - a line that is valid UTF-8 is never cut inside a character;
 *   - folding again what was folded (ical_refold) changes nothing.
 */
#include "fieldd/arena.h"
#include "fieldd/ical.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Length of the valid UTF-8 character at s (at most n octets), or 0. */
static size_t utf8_char(const unsigned char *s, size_t n)
{
	size_t need = s[0] < 0x80	      ? 1
		      : (s[0] & 0xE0) == 0xC0 ? 2
		      : (s[0] & 0xF0) == 0xE0 ? 3
		      : (s[0] & 0xF8) == 0xF0 ? 4
					      : 0;
	if (!need || need > n)
		return 0;
	for (size_t i = 1; i < need; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	return need;
}

static bool valid_utf8(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t k = utf8_char(s + i, n - i);
		if (!k)
			return false;
		i += k;
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a = arena_new();
	/* one content line: fold_line takes no CR or LF inside */
	char *line = arena_alloc(a, size + 1);
	for (size_t i = 0; i < size; i++)
		line[i] = data[i] == '\r' || data[i] == '\n' ? ' ' : (char)data[i];
	line[size] = '\0';
	bool utf8 = valid_utf8((const unsigned char *)line, size);

	struct abuf out;
	abuf_init(&out, a);
	ical_fold_line(&out, line, size);

	struct abuf back;
	abuf_init(&back, a);
	size_t i = 0;
	bool first = true;
	while (i < out.len) {
		const char *crlf = memmem(out.buf + i, out.len - i, "\r\n", 2);
		if (!crlf)
			abort(); /* the last line has no CRLF */
		size_t n = (size_t)(crlf - (out.buf + i));
		if (n > 75)
			abort();
		if (memchr(out.buf + i, '\r', n) || memchr(out.buf + i, '\n', n))
			abort();
		const char *piece = out.buf + i;
		if (!first) {
			if (n < 2 || piece[0] != ' ')
				abort(); /* a continuation is a space and at least one octet */
			piece++;
			n--;
		}
		if (utf8 && !valid_utf8((const unsigned char *)piece, n))
			abort(); /* cut inside a character */
		abuf_add(&back, piece, n);
		i = (size_t)(crlf - out.buf) + 2;
		first = false;
	}
	if (back.len != size || memcmp(back.buf, line, size) != 0)
		abort();

	struct abuf again;
	abuf_init(&again, a);
	ical_refold(&again, out.buf, out.len);
	if (size && (again.len != out.len || memcmp(again.buf, out.buf, out.len) != 0))
		abort();
	arena_free(a);
	return 0;
}
