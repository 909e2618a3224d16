/*
 * check.h — the unit tests' assertions. No framework: each test file is one
 * program that includes this header once, runs its cases with CHECK_RUN and
 * returns CHECK_DONE() from main (exit 1 when anything failed).
 *
 * Every CHECK_* macro evaluates its arguments once, prints file:line with
 * the failing expression and the values it saw, counts the failure and
 * returns 0 (1 on success), so a case can stop early:
 *
 *	if (!CHECK_NOT_NULL(p))
 *		return;
 */
#ifndef FIELDD_TEST_CHECK_H
#define FIELDD_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_total_, check_failed_;
static const char *check_case_ = "";

static inline int check_fail_head_(const char *file, int line, const char *expr)
{
	check_total_++;
	check_failed_++;
	fprintf(stderr, "%s:%d: FAIL in %s: %s\n", file, line, check_case_, expr);
	return 0;
}

static inline int check_true_(int ok, const char *file, int line, const char *expr)
{
	if (ok) {
		check_total_++;
		return 1;
	}
	return check_fail_head_(file, line, expr);
}

static inline int check_int_eq_(long long got, long long want, const char *file, int line,
				const char *ga, const char *wa)
{
	if (got == want) {
		check_total_++;
		return 1;
	}
	fprintf(stderr, "%s:%d: FAIL in %s: %s == %s\n\tgot:  %lld\n\twant: %lld\n", file, line,
		check_case_, ga, wa, got, want);
	check_total_++;
	check_failed_++;
	return 0;
}

static inline int check_str_eq_(const char *got, const char *want, const char *file, int line,
				const char *ga, const char *wa)
{
	if ((got == NULL && want == NULL) || (got && want && strcmp(got, want) == 0)) {
		check_total_++;
		return 1;
	}
	fprintf(stderr, "%s:%d: FAIL in %s: %s == %s\n\tgot:  %s%s%s\n\twant: %s%s%s\n", file, line,
		check_case_, ga, wa, got ? "\"" : "", got ? got : "NULL", got ? "\"" : "",
		want ? "\"" : "", want ? want : "NULL", want ? "\"" : "");
	check_total_++;
	check_failed_++;
	return 0;
}

static inline int check_str_has_(const char *hay, const char *needle, const char *file, int line,
				 const char *ha, const char *na)
{
	if (hay && needle && strstr(hay, needle)) {
		check_total_++;
		return 1;
	}
	fprintf(stderr, "%s:%d: FAIL in %s: %s contains %s\n\tgot:    %s\n\tneedle: %s\n", file,
		line, check_case_, ha, na, hay ? hay : "NULL", needle ? needle : "NULL");
	check_total_++;
	check_failed_++;
	return 0;
}

static inline int check_null_(const void *p, int want_null, const char *file, int line,
			      const char *expr)
{
	if ((p == NULL) == (want_null != 0)) {
		check_total_++;
		return 1;
	}
	fprintf(stderr, "%s:%d: FAIL in %s: %s is %s\n\tgot: %p\n", file, line, check_case_, expr,
		want_null ? "NULL" : "not NULL", p);
	check_total_++;
	check_failed_++;
	return 0;
}

static inline void check_run_(const char *name, void (*fn)(void))
{
	int before = check_failed_;
	check_case_ = name;
	fn();
	printf("%-4s %s\n", check_failed_ == before ? "ok" : "FAIL", name);
	fflush(stdout);
}

static inline int check_done_(const char *file)
{
	printf("%s: %d checks, %d failed\n", file, check_total_, check_failed_);
	return check_failed_ ? EXIT_FAILURE : EXIT_SUCCESS;
}

#define CHECK(cond)	     check_true_((cond) != 0, __FILE__, __LINE__, #cond)
#define CHECK_MSG(cond, msg) check_true_((cond) != 0, __FILE__, __LINE__, msg)
#define CHECK_INT_EQ(got, want)                                                                    \
	check_int_eq_((long long)(got), (long long)(want), __FILE__, __LINE__, #got, #want)
#define CHECK_STR_EQ(got, want) check_str_eq_((got), (want), __FILE__, __LINE__, #got, #want)
#define CHECK_STR_HAS(hay, needle)                                                                 \
	check_str_has_((hay), (needle), __FILE__, __LINE__, #hay, #needle)
#define CHECK_NULL(p)	  check_null_((p), 1, __FILE__, __LINE__, #p)
#define CHECK_NOT_NULL(p) check_null_((p), 0, __FILE__, __LINE__, #p)
/* Runs one case (a static void fn(void)) and prints ok/FAIL with its name. */
#define CHECK_RUN(fn) check_run_(#fn, fn)
/* The summary line; the value to return from main. */
#define CHECK_DONE() check_done_(__FILE__)

#endif
