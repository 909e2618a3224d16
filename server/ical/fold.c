/*
 * Content-line folding (RFC 5545 §3.1): at most 75 octets per line, CRLF and
 * one space before each continuation, and never a cut inside a UTF-8
 * character (Korean syllables are three octets: a cut inside one makes
 * clients show U+FFFD or drop the property).
 *
 * libical folds too, but how it does has changed between releases (3.0.16
 * prefers to break at spaces and may break right after "NAME:"), so fieldd
 * unfolds libical's output and folds it again here: the bytes a client gets
 * do not depend on the libical version installed.
 */
#include "fieldd/arena.h"
#include "fieldd/ical.h"

#include <stdbool.h>
#include <string.h>

#define FOLD_OCTETS 75

static bool continuation(unsigned char c)
{
	return (c & 0xC0) == 0x80;
}

/* Where to end a piece that starts at pos and may take up to max octets. */
static size_t cut_at(const unsigned char *s, size_t pos, size_t len, size_t max)
{
	size_t cut = pos + max;
	if (cut >= len)
		return len;
	/* s[cut] starts the next piece: step back over a character it would split */
	size_t c = cut;
	while (c > pos && cut - c < 4 && continuation(s[c]))
		c--;
	if (c == cut)
		return cut; /* a character boundary already */
	/* s[c] must be the lead byte of the character that s[cut] continues */
	unsigned char lead = s[c];
	size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 0;
	if (need && c + need > cut && c > pos)
		return c;
	return cut; /* not valid UTF-8 here: cut by octets */
}

void ical_fold_line(struct abuf *b, const char *line, size_t len)
{
	const unsigned char *s = (const unsigned char *)line;
	size_t pos = 0;
	size_t max = FOLD_OCTETS;
	do {
		size_t end = cut_at(s, pos, len, max);
		if (pos)
			abuf_add(b, "\r\n ", 3);
		abuf_add(b, line + pos, end - pos);
		pos = end;
		max = FOLD_OCTETS - 1; /* the leading space counts */
	} while (pos < len);
	abuf_add(b, "\r\n", 2);
}

void ical_refold(struct abuf *b, const char *text, size_t len)
{
	struct abuf cur;
	abuf_init(&cur, b->a);
	bool have = false;
	size_t i = 0;
	while (i < len) {
		size_t e = i;
		while (e < len && text[e] != '\r' && text[e] != '\n')
			e++;
		const char *line = text + i;
		size_t n = e - i;
		/* step over one line end: CRLF, LF or a lone CR */
		if (e < len && text[e] == '\r')
			e++;
		if (e < len && text[e] == '\n')
			e++;
		i = e;
		if (n == 0)
			continue;
		if ((line[0] == ' ' || line[0] == '\t') && have) {
			abuf_add(&cur, line + 1, n - 1);
			continue;
		}
		if (have)
			ical_fold_line(b, cur.buf, cur.len);
		cur.len = 0;
		cur.buf[0] = '\0';
		abuf_add(&cur, line, n);
		have = true;
	}
	if (have)
		ical_fold_line(b, cur.buf, cur.len);
}
