/*
 * Line folding (RFC 5545 §3.1) with Korean text: no physical line over 75
 * octets, no UTF-8 character cut in two, CRLF everywhere, and unfolding
 * gives back exactly the line that went in. Also the HTTP date helpers and
 * the log redaction of capability URLs that the feeds rely on.
 */
#include "check.h"
#include "fieldd/arena.h"
#include "fieldd/http.h"
#include "fieldd/ical.h"

#include <stdbool.h>
#include <string.h>

/* 1 when s[0..n) is valid UTF-8 on its own. */
static int utf8_ok(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned char c = s[i];
		size_t k = c < 0x80	    ? 1
			   : (c >> 5) == 6  ? 2
			   : (c >> 4) == 14 ? 3
			   : (c >> 3) == 30 ? 4
					    : 0;
		if (!k || i + k > n)
			return 0;
		for (size_t j = 1; j < k; j++)
			if ((s[i + j] & 0xC0) != 0x80)
				return 0;
		i += k;
	}
	return 1;
}

struct shape {
	int lines, too_long, split, bare_lf, bad_start;
	size_t longest;
};

/* Looks at every physical line of folded text; unfolded gets the logical text back. */
static struct shape inspect(const char *t, size_t len, struct abuf *unfolded)
{
	struct shape s = {0};
	size_t i = 0;
	while (i < len) {
		const char *e = strstr(t + i, "\r\n");
		size_t end = e ? (size_t)(e - t) : len;
		size_t n = end - i;
		for (size_t k = i; k < end; k++)
			if (t[k] == '\n' || t[k] == '\r')
				s.bare_lf++;
		s.lines++;
		if (n > 75)
			s.too_long++;
		if (n > s.longest)
			s.longest = n;
		if (!utf8_ok((const unsigned char *)t + i, n))
			s.split++;
		if (s.lines > 1 && t[i] != ' ')
			s.bad_start++;
		if (unfolded)
			abuf_add(unfolded, t + i + (s.lines > 1 ? 1 : 0),
				 n - (s.lines > 1 ? 1 : 0));
		i = e ? end + 2 : len;
		if (!e)
			s.bare_lf++; /* the text must end with CRLF */
	}
	return s;
}

static void test_short_line_is_left_alone(void)
{
	struct arena *a = arena_new();
	struct abuf b;
	abuf_init(&b, a);
	ical_fold_line(&b, "SUMMARY:점검", strlen("SUMMARY:점검"));
	CHECK_STR_EQ(b.buf, "SUMMARY:점검\r\n");
	arena_free(a);
}

static void test_75_octets_fit_76_fold(void)
{
	struct arena *a = arena_new();
	char line[80];
	memset(line, 'x', sizeof line);
	struct abuf b;
	abuf_init(&b, a);
	ical_fold_line(&b, line, 75);
	CHECK_INT_EQ(b.len, 77);
	CHECK(strstr(b.buf, "\r\n ") == NULL);
	abuf_init(&b, a);
	ical_fold_line(&b, line, 76);
	/* 75 octets, CRLF, space, 1 octet, CRLF */
	CHECK_INT_EQ(b.len, 75 + 2 + 1 + 1 + 2);
	CHECK(!memcmp(b.buf + 75, "\r\n x\r\n", 6));
	arena_free(a);
}

/* Every offset of three-octet syllables against the 75-octet edge. */
static void test_korean_never_split(void)
{
	static const char *const pieces[] = {"가", "한글 ", "é", "😀", "a가", ",;\\"};
	int cases = 0;
	for (size_t p = 0; p < sizeof pieces / sizeof pieces[0]; p++)
		for (int prefix = 0; prefix < 9; prefix++)
			for (int reps = 1; reps < 120; reps += 7) {
				struct arena *a = arena_new();
				struct abuf in, out, back;
				abuf_init(&in, a);
				abuf_adds(&in, "DESCRIPTION:");
				for (int i = 0; i < prefix; i++)
					abuf_adds(&in, "x");
				for (int i = 0; i < reps; i++)
					abuf_adds(&in, pieces[p]);
				abuf_init(&out, a);
				abuf_init(&back, a);
				ical_fold_line(&out, in.buf, in.len);
				struct shape s = inspect(out.buf, out.len, &back);
				cases++;
				if (!CHECK_INT_EQ(s.too_long, 0) || !CHECK_INT_EQ(s.split, 0) ||
				    !CHECK_INT_EQ(s.bare_lf, 0) || !CHECK_INT_EQ(s.bad_start, 0) ||
				    !CHECK_STR_EQ(back.buf, in.buf))
					fprintf(stderr, "\tpiece %zu prefix %d reps %d\n", p,
						prefix, reps);
				arena_free(a);
			}
	CHECK(cases > 500);
}

/* A folded line uses its octets: pieces are as long as a character boundary allows. */
static void test_korean_lines_are_full(void)
{
	struct arena *a = arena_new();
	struct abuf in, out;
	abuf_init(&in, a);
	abuf_adds(&in, "SUMMARY:");
	for (int i = 0; i < 100; i++)
		abuf_adds(&in, "점");
	abuf_init(&out, a);
	ical_fold_line(&out, in.buf, in.len);
	/* "SUMMARY:" is 8 octets: 22 syllables make 74, a 23rd would make 77 */
	const char *first_end = strstr(out.buf, "\r\n");
	CHECK_INT_EQ(first_end - out.buf, 8 + 22 * 3);
	/* continuations: a space and 24 syllables (73 octets); 25 would be 76 */
	const char *second = first_end + 2, *second_end = strstr(second, "\r\n");
	CHECK_INT_EQ(second_end - second, 1 + 24 * 3);
	arena_free(a);
}

static void test_invalid_utf8_still_bounded(void)
{
	struct arena *a = arena_new();
	char line[300];
	memset(line, 0x80, sizeof line); /* continuation bytes with no lead */
	memcpy(line, "X:", 2);
	struct abuf out;
	abuf_init(&out, a);
	ical_fold_line(&out, line, sizeof line);
	struct shape s = inspect(out.buf, out.len, NULL);
	CHECK_INT_EQ(s.too_long, 0);
	CHECK(s.longest == 75);
	arena_free(a);
}

static void test_refold_unfolds_any_line_ends(void)
{
	struct arena *a = arena_new();
	/* libical-style folds at a space and after the colon, LF-only and CRLF ends */
	const char *in = "BEGIN:VEVENT\nSUMMARY:가나다 \r\n 라마바\r\nDESCRIPTION:\r\n\t가나\n"
			 "END:VEVENT\r\n";
	struct abuf out;
	abuf_init(&out, a);
	ical_refold(&out, in, strlen(in));
	CHECK_STR_EQ(out.buf, "BEGIN:VEVENT\r\nSUMMARY:가나다 라마바\r\nDESCRIPTION:가나\r\n"
			      "END:VEVENT\r\n");
	arena_free(a);
}

static void test_http_dates(void)
{
	char buf[40];
	http_date_format(784111777, buf, sizeof buf);
	CHECK_STR_EQ(buf, "Sun, 06 Nov 1994 08:49:37 GMT");
	time_t t = 0;
	CHECK_INT_EQ(http_date_parse("Sun, 06 Nov 1994 08:49:37 GMT", &t), 0);
	CHECK_INT_EQ(t, 784111777);
	t = 0;
	CHECK_INT_EQ(http_date_parse("Sunday, 06-Nov-94 08:49:37 GMT", &t), 0);
	CHECK_INT_EQ(t, 784111777);
	t = 0;
	CHECK_INT_EQ(http_date_parse("Sun Nov  6 08:49:37 1994", &t), 0);
	CHECK_INT_EQ(t, 784111777);
	CHECK_INT_EQ(http_date_parse("Sun, 06 Nov 1994 08:49:37 PST", &t), -1);
	CHECK_INT_EQ(http_date_parse("yesterday", &t), -1);
	CHECK_INT_EQ(http_date_parse("Sun, 06 Nov 1994 08:49:37 GMT trailing", &t), -1);
	CHECK_INT_EQ(http_date_parse("Sun, 32 Nov 1994 08:49:37 GMT", &t), -1);
}

static void test_log_redaction(void)
{
	char m[256] = "Failed to send the response body for the request for "
		      "`/cal/ZapI9r4jT-oX3YS4Pc8nIKgOaYJ-X2T2z-Qw5RR4MdQ.ics'. Error: reset";
	http_log_redact(m);
	CHECK_STR_EQ(m, "Failed to send the response body for the request for "
			"`/cal/{token}.ics'. Error: reset");
	char t[128] =
	    "Failed to send data in request for /t/5QO-MSSu4B6eGFtWqRTH3/appointment.ics.";
	http_log_redact(t);
	CHECK_STR_EQ(t, "Failed to send data in request for /t/{tracking}/appointment.ics.");
	char short_seg[64] = "for /cal/abc.ics and /api/v1/tickets/1";
	http_log_redact(short_seg);
	CHECK_STR_EQ(short_seg, "for /cal/xxx.ics and /api/v1/tickets/1");
	char none[64] = "Error accepting connection: Too many open files";
	http_log_redact(none);
	CHECK_STR_EQ(none, "Error accepting connection: Too many open files");
}

int main(void)
{
	CHECK_RUN(test_short_line_is_left_alone);
	CHECK_RUN(test_75_octets_fit_76_fold);
	CHECK_RUN(test_korean_never_split);
	CHECK_RUN(test_korean_lines_are_full);
	CHECK_RUN(test_invalid_utf8_still_bounded);
	CHECK_RUN(test_refold_unfolds_any_line_ends);
	CHECK_RUN(test_http_dates);
	CHECK_RUN(test_log_redaction);
	return CHECK_DONE();
}
