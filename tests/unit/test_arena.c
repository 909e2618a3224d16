/* The per-request arena: alignment, blocks, big allocations, printf, abuf, cleanups. */
#include "check.h"
#include "fieldd/arena.h"

#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>

static int aligned(const void *p)
{
	return ((uintptr_t)p % alignof(max_align_t)) == 0;
}

static void test_alignment(void)
{
	struct arena *a = arena_new();
	/* odd sizes must not push the next pointer off alignment */
	for (size_t n = 0; n < 100; n++) {
		unsigned char *p = arena_alloc(a, n);
		CHECK_NOT_NULL(p);
		CHECK_MSG(aligned(p), "arena_alloc returns memory aligned for max_align_t");
		/* zeroed, and writable for all n bytes */
		int zero = 1;
		for (size_t i = 0; i < n; i++)
			zero &= p[i] == 0;
		CHECK(zero);
		memset(p, 0xab, n);
	}
	/* a long double and a 64-bit integer can live there */
	long double *ld = arena_alloc(a, sizeof *ld);
	*ld = 1.5L;
	CHECK(*ld == 1.5L);
	arena_free(a);
}

static void test_zero_size_distinct(void)
{
	struct arena *a = arena_new();
	void *p = arena_alloc(a, 0), *q = arena_alloc(a, 0);
	CHECK_NOT_NULL(p);
	CHECK_NOT_NULL(q);
	CHECK(p != q);
	arena_free(a);
}

static void test_many_allocations(void)
{
	struct arena *a = arena_new();
	enum { N = 5000 };
	static uint32_t *ptrs[N];
	/* far more than one block; each keeps its own content */
	for (uint32_t i = 0; i < N; i++) {
		size_t words = 1 + i % 37;
		ptrs[i] = arena_alloc(a, words * sizeof(uint32_t));
		for (size_t w = 0; w < words; w++)
			ptrs[i][w] = i * 1000u + (uint32_t)w;
	}
	int intact = 1;
	for (uint32_t i = 0; i < N; i++) {
		size_t words = 1 + i % 37;
		for (size_t w = 0; w < words; w++)
			intact &= ptrs[i][w] == i * 1000u + (uint32_t)w;
	}
	CHECK_MSG(intact, "no allocation overlaps another across blocks");
	CHECK(arena_used(a) >= (size_t)N * sizeof(uint32_t));
	arena_free(a);
}

static void test_big_allocations(void)
{
	struct arena *a = arena_new();
	char *small1 = arena_alloc(a, 16);
	memcpy(small1, "before the big", 15);
	/* bigger than a block: a one-off of its own */
	size_t big = 1u << 20;
	unsigned char *p = arena_alloc(a, big);
	CHECK(aligned(p));
	int zero = 1;
	for (size_t i = 0; i < big; i += 4096)
		zero &= p[i] == 0;
	CHECK(zero && p[big - 1] == 0);
	memset(p, 0x5a, big);
	char *small2 = arena_alloc(a, 16);
	memcpy(small2, "after the big", 14);
	/* another big one and a medium one */
	unsigned char *q = arena_alloc(a, 3 * big);
	memset(q, 0xa5, 3 * big);
	unsigned char *m = arena_alloc(a, 6000);
	memset(m, 0x11, 6000);
	CHECK(p[0] == 0x5a && p[big - 1] == 0x5a);
	CHECK(q[0] == 0xa5 && q[3 * big - 1] == 0xa5);
	CHECK_STR_EQ(small1, "before the big");
	CHECK_STR_EQ(small2, "after the big");
	CHECK(arena_used(a) >= 4 * big + 6000);
	arena_free(a);
}

static void test_strings(void)
{
	struct arena *a = arena_new();
	CHECK_NULL(arena_strdup(a, NULL));
	CHECK_NULL(arena_strndup(a, NULL, 3));
	CHECK_STR_EQ(arena_strdup(a, "김철수"), "김철수");
	CHECK_STR_EQ(arena_strndup(a, "abcdef", 3), "abc");
	const char bytes[] = {'x', '\0', 'y'};
	char *d = arena_memdup(a, bytes, sizeof bytes);
	CHECK(memcmp(d, bytes, sizeof bytes) == 0);

	CHECK_STR_EQ(arena_printf(a, "%s-%d-%05.1f", "ab", 42, 3.14159), "ab-42-003.1");
	CHECK_STR_EQ(arena_printf(a, "%s", ""), "");
	/* longer than a block */
	char *long_s = arena_printf(a, "%20000d|", 7);
	CHECK_INT_EQ(strlen(long_s), 20001);
	CHECK(long_s[19999] == '7' && long_s[20000] == '|' && long_s[0] == ' ');
	arena_free(a);
}

static void test_abuf(void)
{
	struct arena *a = arena_new();
	struct abuf b;
	abuf_init(&b, a);
	CHECK_INT_EQ(b.len, 0);
	CHECK_NOT_NULL(b.buf);
	CHECK(b.buf[0] == '\0');
	size_t want = 0;
	int invariant = 1, content = 1;
	/* grow through several doublings, checking buf[len] == '\0' each time */
	for (int i = 0; i < 3000; i++) {
		abuf_addf(&b, "%d,", i % 10);
		want += 2;
		invariant &= b.len == want && b.buf[b.len] == '\0' && b.cap > b.len;
	}
	for (int i = 0; i < 3000; i++)
		content &= b.buf[2 * i] == (char)('0' + i % 10) && b.buf[2 * i + 1] == ',';
	CHECK_MSG(invariant, "abuf keeps buf[len] == '\\0' and cap > len while growing");
	CHECK_MSG(content, "abuf keeps earlier content when it grows");
	CHECK_INT_EQ(strlen(b.buf), b.len);

	/* raw bytes, including an embedded NUL, and one add larger than twice cap */
	struct abuf c;
	abuf_init(&c, a);
	abuf_add(&c, "a\0b", 3);
	CHECK_INT_EQ(c.len, 3);
	CHECK(memcmp(c.buf, "a\0b", 4) == 0);
	static char chunk[5000];
	memset(chunk, 'z', sizeof chunk);
	abuf_add(&c, chunk, sizeof chunk);
	CHECK_INT_EQ(c.len, 5003);
	CHECK(c.buf[5002] == 'z' && c.buf[5003] == '\0');
	abuf_add(&c, "", 0);
	CHECK_INT_EQ(c.len, 5003);
	abuf_adds(&c, "김");
	CHECK_INT_EQ(c.len, 5006);
	CHECK_STR_EQ(c.buf + 5003, "김");
	arena_free(a);
}

static int order[8], norder;
static void record(void *p)
{
	order[norder++] = *(int *)p;
}

static void test_cleanups_reverse(void)
{
	static int ids[] = {1, 2, 3, 4};
	norder = 0;
	struct arena *a = arena_new();
	for (int i = 0; i < 4; i++)
		arena_defer(a, record, &ids[i]);
	/* cleanups registered after plenty of allocation still run */
	for (int i = 0; i < 100; i++)
		arena_alloc(a, 1000);
	CHECK_INT_EQ(norder, 0);
	arena_free(a);
	CHECK_INT_EQ(norder, 4);
	CHECK_INT_EQ(order[0], 4);
	CHECK_INT_EQ(order[1], 3);
	CHECK_INT_EQ(order[2], 2);
	CHECK_INT_EQ(order[3], 1);
	arena_free(NULL); /* ignored */
}

int main(void)
{
	CHECK_RUN(test_alignment);
	CHECK_RUN(test_zero_size_distinct);
	CHECK_RUN(test_many_allocations);
	CHECK_RUN(test_big_allocations);
	CHECK_RUN(test_strings);
	CHECK_RUN(test_abuf);
	CHECK_RUN(test_cleanups_reverse);
	return CHECK_DONE();
}
