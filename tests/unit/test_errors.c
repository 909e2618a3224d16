/* The problem-code registry: statuses, unique codes, titles, fallback. */
#include "check.h"
#include "fieldd/errors.h"

#include <string.h>

static void test_rows(void)
{
	CHECK(ERR__COUNT > 0);
	for (int i = 0; i < ERR__COUNT; i++) {
		const struct err_def *e = err_get((enum err_id)i);
		if (!CHECK_NOT_NULL(e))
			continue;
		if (!CHECK(e->status >= 400 && e->status <= 599))
			fprintf(stderr, "\trow %d: status %d\n", i, e->status);
		if (!CHECK(e->code && e->code[0]) || !CHECK(e->title && e->title[0]))
			continue;
		/* the code is the tail of the problem type URI: lower snake case */
		int snake = 1;
		for (const char *p = e->code; *p; p++)
			snake &= (*p >= 'a' && *p <= 'z') || *p == '_';
		if (!CHECK_MSG(snake, "code is lower snake case"))
			fprintf(stderr, "\tcode: %s\n", e->code);
		for (int j = 0; j < i; j++)
			if (!CHECK(strcmp(err_get((enum err_id)j)->code, e->code) != 0))
				fprintf(stderr, "\tduplicate code: %s\n", e->code);
	}
}

static void test_known_rows(void)
{
	CHECK_INT_EQ(err_get(ERR_MALFORMED_JSON)->status, 400);
	CHECK_INT_EQ(err_get(ERR_UNAUTHENTICATED)->status, 401);
	CHECK_INT_EQ(err_get(ERR_FORBIDDEN)->status, 403);
	CHECK_INT_EQ(err_get(ERR_NOT_FOUND)->status, 404);
	CHECK_INT_EQ(err_get(ERR_METHOD)->status, 405);
	CHECK_INT_EQ(err_get(ERR_IDEM_IN_PROGRESS)->status, 409);
	CHECK_INT_EQ(err_get(ERR_TOO_LARGE)->status, 413);
	CHECK_INT_EQ(err_get(ERR_MEDIA_TYPE)->status, 415);
	CHECK_INT_EQ(err_get(ERR_VALIDATION)->status, 422);
	CHECK_INT_EQ(err_get(ERR_IDEM_MISMATCH)->status, 422);
	CHECK_INT_EQ(err_get(ERR_RATE_LIMITED)->status, 429);
	CHECK_INT_EQ(err_get(ERR_DB_UNAVAILABLE)->status, 503);
	CHECK_STR_EQ(err_get(ERR_DB_UNAVAILABLE)->code, "database_unavailable");
	CHECK_STR_EQ(err_get(ERR_VALIDATION)->code, "validation_failed");
}

static void test_fallback(void)
{
	const struct err_def *internal = err_get(ERR_INTERNAL);
	CHECK_INT_EQ(internal->status, 500);
	CHECK_STR_EQ(internal->code, "internal");
	CHECK(err_get(ERR__COUNT) == internal);
	CHECK(err_get((enum err_id)(ERR__COUNT + 1000)) == internal);
	CHECK(err_get((enum err_id) - 1) == internal);
	CHECK_INT_EQ(err_get((enum err_id) - 1)->status, 500);
}

int main(void)
{
	CHECK_RUN(test_rows);
	CHECK_RUN(test_known_rows);
	CHECK_RUN(test_fallback);
	return CHECK_DONE();
}
