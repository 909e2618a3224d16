/*
 * Rate limit on guessing secret URLs: the calendar feeds (/cal/{token}.ics)
 * and the tracking codes (/t/{tracking}/...), routes flagged
 * ROUTE_GUESS_LIMITED. Their codes carry 256 bits, so guessing is hopeless
 * anyway; this keeps a scanner from trying at line rate and from filling the
 * log. Each client address may earn FIELDD_CODE_MISSES (default 20) 404s on these routes per
 * GUESS_WINDOW_S; past that every request to them answers 429 with
 * Retry-After (the end of the window) without touching the database. A hit
 * (200, 304) never counts, so a calendar app polling a good URL is never
 * held up, nor is one polling a revoked URL every few minutes.
 *
 * The counts live in this process's memory, in a fixed table: they are lost
 * on restart and not shared between fieldd processes behind one balancer (a
 * scanner then gets FIELDD_CODE_MISSES (default 20) per process per window), which is acceptable
 * for a limit that only slows down a hopeless search. When the table is full
 * an address shares a slot with another: both are then counted together,
 * which can only make the limit stricter for them.
 */
#include "fieldd/handlers.h"
#include "fieldd/http.h"

#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define GUESS_SLOTS    4096
#define GUESS_PROBE    8
#define GUESS_WINDOW_S 600

struct guess_slot {
	char addr[48];
	time_t window_start;
	unsigned misses;
};

static struct guess_slot slots[GUESS_SLOTS];
static pthread_mutex_t guess_mu = PTHREAD_MUTEX_INITIALIZER;

/* FIELDD_CODE_MISSES: 404s an address may earn per window (default 20). */
static unsigned guess_max = 20;
static pthread_once_t guess_once = PTHREAD_ONCE_INIT;
static void guess_load(void)
{
	const char *v = getenv("FIELDD_CODE_MISSES");
	char *end;
	long n = v && *v ? strtol(v, &end, 10) : 0;
	if (v && *v && !*end && n >= 1 && n <= 1000000)
		guess_max = (unsigned)n;
}

static unsigned hash(const char *s)
{
	unsigned h = 2166136261u; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static time_t now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* The slot for addr (its own, a stale one taken over, or a shared one); the
 * caller holds guess_mu. */
static struct guess_slot *slot_for(const char *addr, time_t now)
{
	unsigned h = hash(addr);
	struct guess_slot *stale = NULL;
	for (unsigned i = 0; i < GUESS_PROBE; i++) {
		struct guess_slot *s = &slots[(h + i) % GUESS_SLOTS];
		if (!strcmp(s->addr, addr))
			return s;
		if (!stale && (!s->addr[0] || now - s->window_start >= GUESS_WINDOW_S))
			stale = s;
	}
	if (!stale)
		return &slots[h % GUESS_SLOTS];
	snprintf(stale->addr, sizeof stale->addr, "%s", addr);
	stale->window_start = now;
	stale->misses = 0;
	return stale;
}

enum http_go http_guess_allowed(struct http_req *r)
{
	pthread_once(&guess_once, guess_load);
	const char *addr = http_client_addr(r);
	time_t now = now_s();
	long wait = 0;
	pthread_mutex_lock(&guess_mu);
	struct guess_slot *s = slot_for(addr, now);
	if (now - s->window_start >= GUESS_WINDOW_S) {
		s->window_start = now;
		s->misses = 0;
	}
	if (s->misses >= guess_max)
		wait = (long)(s->window_start + GUESS_WINDOW_S - now);
	pthread_mutex_unlock(&guess_mu);
	if (wait <= 0)
		return HTTP_GO;
	reply_problem(r, ERR_RATE_LIMITED,
		      arena_printf(r->a,
				   "too many unknown codes from this address; try again in "
				   "%ld seconds",
				   wait));
	reply_add_header(r, "Retry-After", arena_printf(r->a, "%ld", wait));
	return HTTP_REPLIED;
}

void http_guess_record(struct http_req *r)
{
	const char *addr = http_client_addr(r);
	time_t now = now_s();
	pthread_mutex_lock(&guess_mu);
	struct guess_slot *s = slot_for(addr, now);
	if (now - s->window_start >= GUESS_WINDOW_S) {
		s->window_start = now;
		s->misses = 0;
	}
	s->misses++;
	pthread_mutex_unlock(&guess_mu);
}
